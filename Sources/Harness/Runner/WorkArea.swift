public import Foundation
import Platform
import Synchronization
import WriteCache
#if canImport(Glibc)
import Glibc
#endif

/// The directory one run works in: its cache (`cache/`), the fs store's root (`remote/`), its
/// journal of acknowledged flushes (`journal.jsonl`), a lock (`LOCK`) and a marker
/// (`.flushbench-work-area`, JSON ``WorkAreaMarker``) that says flushbench made it.
///
/// The lock is taken before anything in the directory is touched, so a second run on the same
/// directory stops with "locked by another process". Only what a flushbench run made is ever
/// removed: a directory without the marker is refused unless it is empty, and a marked one is
/// cleaned only where every file matches the cache's or the fs store's own names.
public final class WorkArea: Sendable {
    /// The marker's file name.
    public static let markerName = ".flushbench-work-area"
    /// The lock file's name.
    public static let lockName = "LOCK"
    /// The journal's file name.
    public static let journalName = "journal.jsonl"
    /// Temporary work areas are `$TMPDIR/flushbench-run-SCENARIO.XXXXXX`.
    public static let temporaryPrefix = "flushbench-run-"

    /// The directory.
    public let path: String
    /// The run working in it.
    public let runID: RunID
    /// Whether it is a temporary directory removed after the run (else `--work-dir`, kept).
    public let isTemporary: Bool
    private let lock: DirectoryLock
    private let closed = Mutex(false)

    /// The cache directory.
    public var cacheDirectory: String { path + "/cache" }
    /// The fs store's root.
    public var remoteDirectory: String { path + "/remote" }
    /// The journal of acknowledged flushes.
    public var journalPath: String { path + "/" + Self.journalName }

    private init(path: String, runID: RunID, isTemporary: Bool, lock: DirectoryLock) {
        self.path = path
        self.runID = runID
        self.isTemporary = isTemporary
        self.lock = lock
    }

    /// Opens a work area for a run: a new temporary directory when `directory` is `nil`, else
    /// `directory` (created if missing).
    ///
    /// - Errors: ``WorkAreaError`` `locked` when another process works in `directory`;
    ///   `not_ours` when it holds files flushbench did not make (nothing is touched then); `io`
    ///   when it cannot be created or cleaned.
    public static func open(directory: String?, marker: WorkAreaMarker) async throws(WorkAreaError) -> WorkArea {
        let result: Result<WorkArea, WorkAreaError>
        do {
            result = try await BlockingIO.run {
                Result { () throws(WorkAreaError) in try openBlocking(directory: directory, marker: marker) }
            }
        } catch {
            throw WorkAreaError(code: .io, path: directory ?? "$TMPDIR", message: "preparing the work area was cancelled", cause: error)
        }
        return try result.get()
    }

    private static func openBlocking(directory: String?, marker: WorkAreaMarker) throws(WorkAreaError) -> WorkArea {
        guard let directory else {
            let path = try io("$TMPDIR") { () throws(LocalFileError) in
                try LocalFiles.makeTemporaryDirectory(prefix: temporaryPrefix + safeName(marker.scenario))
            }
            let lock = try io(path) { () throws(LocalFileError) in try DirectoryLock.acquire(path + "/" + lockName) }
            let area = WorkArea(path: path, runID: marker.runID, isTemporary: true, lock: lock)
            try area.writeMarker(marker)
            return area
        }
        let status = try io(directory) { () throws(LocalFileError) in try LocalFiles.status(directory) }
        if let status, !status.isDirectory {
            throw WorkAreaError(code: .notOurs, path: directory, message: "'\(directory)' is not a directory; give a new or empty directory as --work-dir")
        }
        let entries = status == nil ? [] : try io(directory) { () throws(LocalFileError) in try LocalFiles.listDirectory(directory) }
        let marked = entries.contains(markerName)
        if !marked, !Set(entries).isSubset(of: [lockName]) {
            let shown = entries.sorted().prefix(5).joined(separator: ", ")
            throw WorkAreaError(code: .notOurs, path: directory, message: "'\(directory)' is not empty and was not made by flushbench (no '\(markerName)' in it; it holds \(shown)\(entries.count > 5 ? ", ..." : "")); flushbench deletes only what it made: give a new or empty directory as --work-dir")
        }
        try io(directory) { () throws(LocalFileError) in try LocalFiles.createDirectories(directory) }
        let lock: DirectoryLock
        do {
            lock = try DirectoryLock.acquire(directory + "/" + lockName)
        } catch {
            let owner = (try? readMarker(directory)).map { " (run \($0.runID), pid \($0.processID))" } ?? ""
            if error.code == .locked {
                throw WorkAreaError(code: .locked, path: directory, message: "'\(directory)' is locked by another process\(owner): two runs cannot share one work directory; wait for it or give another --work-dir", cause: error)
            }
            throw WorkAreaError(code: .io, path: directory, message: "cannot lock '\(directory)': \(error.message)", cause: error)
        }
        let area = WorkArea(path: directory, runID: marker.runID, isTemporary: false, lock: lock)
        do throws(WorkAreaError) {
            if marked { try area.removeEarlierRun() }
            try area.writeMarker(marker)
        } catch {
            lock.release()
            throw error
        }
        return area
    }

    /// Removes what an earlier run left in a marked directory, refusing (before removing
    /// anything) when a file there does not match the names flushbench uses.
    private func removeEarlierRun() throws(WorkAreaError) {
        if let foreign = try io(path, { () throws(LocalFileError) in try WorkAreaContents.foreignFile(cache: cacheDirectory, remote: remoteDirectory) }) {
            throw WorkAreaError(code: .notOurs, path: foreign, message: "'\(foreign)' was not made by flushbench, so '\(path)' is left as it is; move that file away or give another --work-dir")
        }
        for name in ["cache", "remote", Self.journalName] {
            let target = path + "/" + name
            try io(target) { () throws(LocalFileError) in try LocalFiles.removeTree(target) }
        }
    }

    /// Writes the marker atomically (temp file, fsync, rename, fsync of the directory).
    func writeMarker(_ marker: WorkAreaMarker) throws(WorkAreaError) {
        let data: Data
        do {
            data = try JSONEncoder.sortedPretty.encode(marker)
        } catch {
            throw WorkAreaError(code: .io, path: path, message: "cannot encode the work area's marker", cause: error)
        }
        let temporary = path + "/" + Self.markerName + ".tmp"
        try io(path) { () throws(LocalFileError) in
            try LocalFiles.remove(temporary)
            let file = try LocalFile.create(temporary)
            do throws(LocalFileError) {
                try file.write(Array(data), at: 0)
                try file.sync()
                file.close()
            } catch {
                file.close()
                throw error
            }
            try LocalFiles.rename(temporary, to: path + "/" + Self.markerName)
            try LocalFiles.syncDirectory(path)
        }
    }

    /// Rewrites the marker once the run knows more (its remote store and prefix).
    public func update(_ marker: WorkAreaMarker) async throws(WorkAreaError) {
        let result: Result<Void, WorkAreaError>? = try? await BlockingIO.runToCompletion { [self] in
            Result { () throws(WorkAreaError) in try writeMarker(marker) }
        }
        try result?.get()
    }

    /// Ends the run's use of the area: a temporary area is removed (marker first, so no one takes
    /// it for a stale one while it goes), a `--work-dir` is kept; the lock is released last.
    /// Runs even when the calling task is cancelled.
    public func close() async {
        guard closed.withLock({ value -> Bool in
            defer { value = true }
            return !value
        }) else { return }
        _ = try? await BlockingIO.runToCompletion { [self] in
            if isTemporary {
                _ = try? LocalFiles.remove(path + "/" + Self.markerName)
                if (try? LocalFiles.removeTree(path)) == nil { _ = try? LocalFiles.removeTree(path) }
            }
            lock.release()
        }
    }

    /// The marker in `directory` (JSON ``WorkAreaMarker``).
    ///
    /// - Errors: when it cannot be read or decoded.
    public static func readMarker(_ directory: String) throws -> WorkAreaMarker {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + markerName))
        return try JSONDecoder().decode(WorkAreaMarker.self, from: data)
    }

    /// A scenario name as a file-name fragment.
    static func safeName(_ name: String) -> String {
        String(name.prefix(64).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    private static func io<T>(_ path: String, _ body: () throws(LocalFileError) -> T) throws(WorkAreaError) -> T {
        do {
            return try body()
        } catch {
            throw WorkAreaError(code: error.code == .locked ? .locked : .io, path: path, message: error.message, cause: error)
        }
    }

    private func io<T>(_ path: String, _ body: () throws(LocalFileError) -> T) throws(WorkAreaError) -> T {
        try Self.io(path, body)
    }
}

/// What the marker file of a work area says (JSON).
public struct WorkAreaMarker: Sendable, Codable, Equatable {
    /// The marker's format (1).
    public var schemaVersion: Int
    /// The format of the cache directory (`cache/`): 1 = files `{region}.{uuid}.{type}`, a `tmp/`
    /// directory and a `LOCK`. A later version refuses or converts an older cache.
    public var cacheSchemaVersion: Int
    /// The run that made or last used the area.
    public var runID: RunID
    /// Its process.
    public var processID: Int32
    /// When it started (ISO 8601).
    public var createdAt: String
    /// The scenario it ran.
    public var scenario: String
    /// `memory`, `fs`, `s3-managed` or `s3-external`; `nil` until the store is set up.
    public var store: String?
    /// The remote prefix the run wrote below (its run id included); `nil` until known.
    public var remotePrefix: String?
    /// The S3 endpoint (without credentials) and bucket of an external store.
    public var endpoint: String?
    public var bucket: String?

    /// The current marker format.
    public static let currentSchemaVersion = 1
    /// The current cache directory format.
    public static let currentCacheSchemaVersion = 1

    /// A marker for a run starting now.
    public init(runID: RunID, scenario: String, date: Date = Date()) {
        schemaVersion = Self.currentSchemaVersion
        cacheSchemaVersion = Self.currentCacheSchemaVersion
        self.runID = runID
        processID = getpid()
        createdAt = ISO8601DateFormatter().string(from: date)
        self.scenario = scenario
    }
}

/// A work area could not be used.
public struct WorkAreaError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a metrics label.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Another process works in the directory.
        public static let locked = Code("locked")
        /// The directory holds files flushbench did not make; nothing was touched.
        public static let notOurs = Code("not_ours")
        /// Creating, locking or cleaning failed.
        public static let io = Code("io")
    }

    public var code: Code
    /// The directory or file concerned.
    public var path: String
    /// A sentence a person can act on.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    public init(code: Code, path: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(message) [\(code)]" }
}

extension JSONEncoder {
    /// Sorted keys, pretty-printed: stable, readable files.
    static var sortedPretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
