import Foundation
import ObjectStore
import Platform
import Synchronization
import WriteCache

/// The journal of a run's acknowledged flushes: a database's manifest, from which
/// `flushbench gc` and crash trials know which remote objects are accounted for.
///
/// JSON Lines in the work area (`journal.jsonl`), one ``Entry`` per object, the lines of one flush
/// written together and fsync'd before the flush counts as acknowledged. A reader skips a torn
/// last line (a run killed mid-write never acknowledged that flush).
public final class RunJournal: Sendable {
    /// One acknowledged object.
    public struct Entry: Sendable, Codable, Equatable {
        /// The journal format (1).
        public var schemaVersion: Int
        /// The run that wrote it.
        public var runID: RunID
        /// The flush's index in the scenario's plan.
        public var flush: Int
        /// The object's real key on the remote (run id included).
        public var key: String
        /// Its size in bytes.
        public var bytes: UInt64
        /// SHA-256 of its content, lowercase hex (as `sha256sum` prints it).
        public var sha256: String

        public init(runID: RunID, flush: Int, key: String, bytes: UInt64, sha256: String) {
            schemaVersion = RunJournal.schemaVersion
            self.runID = runID
            self.flush = flush
            self.key = key
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The journal format.
    public static let schemaVersion = 1

    /// The journal's path.
    public let path: String
    private let file: LocalFile
    private let end = Mutex<UInt64>(0)

    private init(path: String, file: LocalFile) {
        self.path = path
        self.file = file
    }

    /// Creates the journal at `path` (it must not exist) and makes its name durable.
    ///
    /// - Errors: ``LocalFileError`` when it exists or cannot be created.
    public static func create(at path: String) async throws -> RunJournal {
        try await BlockingIO.run {
            let file = try LocalFile.create(path)
            try LocalFiles.syncDirectory((path as NSString).deletingLastPathComponent)
            return RunJournal(path: path, file: file)
        }
    }

    /// Appends the objects of one acknowledged flush and fsyncs them; runs to completion even
    /// when the caller is cancelled (an acknowledgement is never half-recorded by choice).
    ///
    /// - Errors: ``LocalFileError`` when the write or the fsync fails: the flush is then not
    ///   acknowledged.
    public func append(_ entries: [Entry]) async throws {
        guard !entries.isEmpty else { return }
        var bytes: [UInt8] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for entry in entries {
            bytes += try encoder.encode(entry)
            bytes.append(UInt8(ascii: "\n"))
        }
        let offset = end.withLock { end -> UInt64 in
            defer { end += UInt64(bytes.count) }
            return end
        }
        let file = file
        let line = bytes
        try await BlockingIO.runToCompletion {
            try file.write(line, at: offset)
            try file.sync()
        }
    }

    /// Closes the file.
    public func close() {
        file.close()
    }

    /// The entries of a journal file; a line that does not parse (a torn last write) is skipped.
    public static func read(_ path: String) throws -> [Entry] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
    }

    /// Lowercase hex of a base64 checksum (the form results carry).
    static func hex(fromBase64 value: String) -> String {
        guard let data = Data(base64Encoded: value) else { return "" }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}

extension FlushWorkload {
    /// Journals the files of one acknowledged flush (real keys, SHA-256 in hex); `nil` when that
    /// worked or there is no journal, else why not.
    func journal(flush: Int, files: [UploadedFile], digests: FileDigests) async -> String? {
        guard let journal, let keys else { return nil }
        let entries = files.map { file in
            let digest = file.key.type == .parquet ? digests.data : digests.index
            return RunJournal.Entry(runID: keys.runID, flush: flush, key: keys.realKey(file.remoteKey), bytes: file.size,
                                    sha256: RunJournal.hex(fromBase64: digest?.checksum.value ?? ""))
        }
        do {
            try await journal.append(entries)
            return nil
        } catch {
            return "cannot journal the flush in '\(journal.path)': \(error)"
        }
    }
}
