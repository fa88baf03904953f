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
    /// The directory it is in (fsync'd when the file is created).
    let directory: String
    /// The unresolved orphans the file held when it was opened.
    public let recovered: [KnownOrphan]
    /// The open file (created at the first append when there was none) and its length.
    private let state: Mutex<(file: LocalFileHandle?, end: UInt64)>
    /// The file layer it writes through, and where its blocking calls run.
    let fileSystem: any FileSystem
    let io: BlockingExecutor

    private init(directory: String, file: LocalFileHandle?, size: UInt64, recovered: [KnownOrphan],
                 fileSystem: any FileSystem, io: BlockingExecutor) {
        self.fileSystem = fileSystem
        self.io = io
        self.directory = directory
        path = directory + "/" + Self.fileName
        self.recovered = recovered
        state = Mutex((file, size))
    }

    /// Opens the ledger in `directory`: replays the file there, if any, and rewrites it compacted
    /// to the unresolved orphans (temp file in `temporary`, fsync, rename, fsync of the
    /// directory), or removes it when nothing is unresolved; the file is created again at the
    /// first orphan. Blocking, for the cache's open on the blocking-I/O pool.
    ///
    /// - Errors: ``LocalFileError`` naming the path when it cannot be read or rewritten.
    static func openBlocking(directory: String, temporary: String, fileSystem fs: any FileSystem = PosixFileSystem(),
                             io: BlockingExecutor = .threadPool) throws(LocalFileError) -> OrphanLedger {
        let path = directory + "/" + fileName
        guard try fs.status(path) != nil else {
            return OrphanLedger(directory: directory, file: nil, size: 0, recovered: [], fileSystem: fs, io: io)
        }
        let recovered = replay(try fs.readWholeFile(path))
        if recovered.isEmpty {
            _ = try fs.remove(path)
            try fs.syncDirectory(directory)
            return OrphanLedger(directory: directory, file: nil, size: 0, recovered: [], fileSystem: fs, io: io)
        }
        var bytes: [UInt8] = []
        for orphan in recovered { bytes += encode(Event(action: "record", orphan: orphan)) }
        let staging = temporary + "/" + fileName + "." + UUID().uuidString.prefix(8).lowercased() + ".tmp"
        let file = try fs.createExclusive(staging)
        do throws(LocalFileError) {
            try fs.write(file, bytes, at: 0)
            try fs.sync(file)
            try fs.rename(staging, to: path)
            try fs.syncDirectory(directory)
        } catch {
            fs.close(file)
            _ = try? fs.remove(staging)
            throw error
        }
        return OrphanLedger(directory: directory, file: file, size: UInt64(bytes.count), recovered: recovered, fileSystem: fs, io: io)
    }

    /// One event as a JSON line.
    static func encode(_ event: Event) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let line = try? encoder.encode(event) else { return [] }
        return Array(line) + [UInt8(ascii: "\n")]
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

    /// Appends `event` and fsyncs it (creating the file, and fsyncing its directory, at the
    /// first event); runs to completion even when the caller is cancelled. A failure is
    /// returned, not thrown: the in-memory ledger still holds the orphan.
    func append(_ event: Event) async -> LocalFileError? {
        let bytes = Self.encode(event)
        let fs = fileSystem
        let outcome = try? await io.runToCompletion { [self] () -> LocalFileError? in
            // Appends are rare (failed clean-ups) and short: one at a time, on the blocking pool.
            state.withLock { state -> LocalFileError? in
                do throws(LocalFileError) {
                    let file: LocalFileHandle
                    if let open = state.file {
                        file = open
                    } else {
                        file = try fs.createExclusive(path)
                        try fs.syncDirectory(directory)
                        state.file = file
                    }
                    try fs.write(file, bytes, at: state.end)
                    try fs.sync(file)
                    state.end += UInt64(bytes.count)
                    return nil
                } catch {
                    return error
                }
            }
        }
        return outcome ?? nil
    }

    /// Closes the file.
    func close() {
        state.withLock { state in
            if let file = state.file { fileSystem.close(file) }
            state.file = nil
        }
    }
}
