import Foundation
import Platform
import WriteCache

/// The names flushbench itself gives files in a work area's `cache/` and `remote/`, so a run
/// removes an earlier run's files only when every one of them is recognisably its own.
enum WorkAreaContents {
    /// The first file under `cache` or `remote` that flushbench would not have made, or `nil`.
    ///
    /// `cache/`: `LOCK`, `tmp/*.tmp` and cache files `{region}.{uuid}.{parquet|puffin}`.
    /// `remote/` (an fs store's root): `tmp/*.tmp` and objects `.../{region}/{uuid}.{parquet|puffin}`
    /// below `objects/`.
    static func foreignFile(cache: String, remote: String) throws(LocalFileError) -> String? {
        if LocalFiles.isDirectory(cache) {
            for name in try LocalFiles.listDirectory(cache) {
                let path = cache + "/" + name
                if name == "LOCK" || name == OrphanLedger.fileName { continue }
                if name == "tmp", LocalFiles.isDirectory(path) {
                    if let stray = try LocalFiles.listDirectory(path).first(where: { !$0.hasSuffix(".tmp") }) { return path + "/" + stray }
                    continue
                }
                guard FileKey(fileName: name) != nil, try LocalFiles.status(path)?.isRegularFile == true else { return path }
            }
        } else if try LocalFiles.status(cache) != nil {
            return cache
        }
        if LocalFiles.isDirectory(remote) {
            for name in try LocalFiles.listDirectory(remote) {
                let path = remote + "/" + name
                switch name {
                case "tmp" where LocalFiles.isDirectory(path):
                    if let stray = try LocalFiles.listDirectory(path).first(where: { !$0.hasSuffix(".tmp") }) { return path + "/" + stray }
                case "objects" where LocalFiles.isDirectory(path):
                    if let stray = try foreignObject(below: path, parent: "") { return stray }
                default:
                    return path
                }
            }
        } else if try LocalFiles.status(remote) != nil {
            return remote
        }
        return nil
    }

    /// The first file below `directory` that is not an SST object `{region}/{uuid}.{type}`.
    private static func foreignObject(below directory: String, parent: String) throws(LocalFileError) -> String? {
        for name in try LocalFiles.listDirectory(directory) {
            let path = directory + "/" + name
            guard let status = try LocalFiles.status(path) else { continue }
            if status.isDirectory {
                if let stray = try foreignObject(below: path, parent: name) { return stray }
            } else if !status.isRegularFile || FileKey(fileName: parent + "." + name) == nil {
                return path
            }
        }
        return nil
    }
}

/// A work area whose run died without cleaning up (its lock is free).
public struct StaleWorkArea: Sendable, Equatable {
    /// The directory.
    public var path: String
    /// What its marker says.
    public var marker: WorkAreaMarker
    /// Whether this run removed it (it had nothing to reconcile: its store was local or managed).
    public var removed: Bool
}

extension WorkArea {
    /// Finds the temporary work areas in `$TMPDIR` whose runs died (SIGKILL, power loss): a
    /// marker and a lock no process holds. Those whose store lived with the run (memory, fs, a
    /// managed SeaweedFS) are removed; those of an external store are kept, with their journal,
    /// for `flushbench gc`.
    public static func sweepStale(in base: String? = nil) async -> [StaleWorkArea] {
        let base = base ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let found = try? await BlockingIO.runToCompletion { () -> [StaleWorkArea] in
            var stale: [StaleWorkArea] = []
            for name in (try? LocalFiles.listDirectory(base)) ?? [] where name.hasPrefix(temporaryPrefix) {
                let path = base + "/" + name
                guard LocalFiles.isDirectory(path), (try? LocalFiles.status(path + "/" + markerName)) != nil,
                      let lock = try? DirectoryLock.acquire(path + "/" + lockName) else { continue }
                defer { lock.release() }
                guard let marker = try? readMarker(path) else { continue }
                let reconcile = marker.store == "s3-external"
                if !reconcile {
                    _ = try? LocalFiles.remove(path + "/" + markerName)
                    _ = try? LocalFiles.removeTree(path)
                }
                stale.append(StaleWorkArea(path: path, marker: marker, removed: !reconcile))
            }
            return stale
        }
        return (found ?? []).sorted { $0.path < $1.path }
    }
}
