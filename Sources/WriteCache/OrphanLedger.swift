import Foundation
import Platform
import Synchronization

/// The persisted ledger of ``KnownOrphan``s: `orphans.jsonl` in the cache directory, so a
/// process that restarts after a crash knows what an earlier one could not clean.
///
/// JSON Lines, one ``Event`` per line (an orphan recorded or resolved), each fsync'd before the
/// call returns. Reading replays the events; a line that does not parse (a torn last write) is
/// skipped. Recovery knows the name and never counts it as a foreign entry.
public final class OrphanLedger: Sendable {
    /// The ledger's file name in the cache directory.
    public static let fileName = "orphans.jsonl"

    /// One change to the ledger.
    public struct Event: Sendable, Codable, Equatable {
        /// `record`, `resolve` (the key, or one upload id of it) or `acknowledge` (the key's
        /// object orphans: its upload was acknowledged).
        public var action: String
        /// The orphan recorded, or (for `resolve`) the key and optional upload id resolved.
        public var orphan: KnownOrphan
    }

    /// The ledger's path.
    public let path: String
    /// The unresolved orphans the file held when it was opened.
    public let recovered: [KnownOrphan]
    private let file: LocalFile
    private let end: Mutex<UInt64>

    private init(path: String, file: LocalFile, size: UInt64, recovered: [KnownOrphan]) {
        self.path = path
        self.file = file
        self.recovered = recovered
        end = Mutex(size)
    }

    /// Opens the ledger in `directory`: replays the file there (if any) and rewrites it
    /// compacted to the unresolved orphans (temp file in `temporary`, fsync, rename, fsync of the
    /// directory); blocking, for the cache's open on the blocking-I/O pool.
    ///
    /// - Errors: ``LocalFileError`` naming the path when it cannot be read or rewritten.
    static func openBlocking(directory: String, temporary: String) throws(LocalFileError) -> OrphanLedger {
        let path = directory + "/" + fileName
        var recovered: [KnownOrphan] = []
        if try LocalFiles.status(path) != nil {
            let old = try LocalFile.openForReading(path)
            defer { old.close() }
            let size = try old.size()
            recovered = replay(size == 0 ? [] : try old.read(at: 0, count: Int(size)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for orphan in recovered {
            if let line = try? encoder.encode(Event(action: "record", orphan: orphan)) { bytes += line + [UInt8(ascii: "\n")] }
        }
        let staging = temporary + "/" + fileName + "." + UUID().uuidString.prefix(8).lowercased() + ".tmp"
        let file = try LocalFile.create(staging)
        do throws(LocalFileError) {
            try file.write(bytes, at: 0)
            try file.sync()
            try LocalFiles.rename(staging, to: path)
            try LocalFiles.syncDirectory(directory)
        } catch {
            file.close()
            _ = try? LocalFiles.remove(staging)
            throw error
        }
        return OrphanLedger(path: path, file: file, size: UInt64(bytes.count), recovered: recovered)
    }

    /// The unresolved orphans of a ledger's bytes.
    public static func replay(_ bytes: [UInt8]) -> [KnownOrphan] {
        let decoder = JSONDecoder()
        let ledger = KnownOrphans()
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let event = try? decoder.decode(Event.self, from: Data(line)) else { continue }
            if event.action == "record" {
                ledger.record(event.orphan)
            } else if event.action == "acknowledge" {
                ledger.acknowledge(key: event.orphan.key)
            } else if let uploadId = event.orphan.uploadId {
                ledger.resolve(key: event.orphan.key, uploadId: uploadId)
            } else {
                ledger.resolve(key: event.orphan.key)
            }
        }
        return ledger.all
    }

    /// The unresolved orphans in the ledger of the cache directory `directory` (none when it
    /// has no ledger); on the calling thread.
    public static func read(directory: String) -> [KnownOrphan] {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName) else { return [] }
        return replay(Array(data))
    }

    /// Appends `event` and fsyncs it; runs to completion even when the caller is cancelled.
    /// A failure is returned, not thrown: the in-memory ledger still holds the orphan.
    func append(_ event: Event) async -> LocalFileError? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(event) else { return nil }
        line.append(UInt8(ascii: "\n"))
        let bytes = Array(line)
        let offset = end.withLock { end -> UInt64 in
            defer { end += UInt64(bytes.count) }
            return end
        }
        let file = file
        let outcome = try? await BlockingIO.runToCompletion { () -> LocalFileError? in
            do throws(LocalFileError) {
                try file.write(bytes, at: offset)
                try file.sync()
                return nil
            } catch {
                return error
            }
        }
        return outcome ?? nil
    }

    /// Closes the file.
    func close() {
        file.close()
    }
}
