import ObjectStore

/// What a run finds and removes on a remote that outlives it (an external S3 endpoint).
enum RemoteLeftovers {
    /// Lines naming what other runs left under `keys.basePrefix`: objects and incomplete
    /// multipart uploads, grouped by run id. They are not this run's objects and do not count as
    /// its orphans; `flushbench gc` removes them (a run that is still going elsewhere owns them).
    static func describe(store: any ObjectStore, keys: RunKeys) async -> [String] {
        let objects = (try? await store.list(prefix: keys.basePrefix)) ?? []
        let uploads = (try? await store.incompleteUploads(prefix: keys.basePrefix)) ?? []
        var byRun: [String: (objects: [String], uploads: [String])] = [:]
        for object in objects where !object.key.hasPrefix(keys.runPrefix) {
            byRun[run(of: object.key, keys: keys), default: ([], [])].objects.append(object.key)
        }
        for upload in uploads where !upload.key.hasPrefix(keys.runPrefix) {
            byRun[run(of: upload.key, keys: keys), default: ([], [])].uploads.append("\(upload.key) (upload id \(upload.uploadID))")
        }
        var lines: [String] = []
        for (run, found) in byRun.sorted(by: { $0.key < $1.key }) {
            let pid = RunID(run)?.processID.map { ", pid \($0)" } ?? ""
            lines.append("the remote holds \(found.objects.count) object(s) and \(found.uploads.count) incomplete upload(s) of run \(run)\(pid) "
                + "under '\(keys.basePrefix)': a killed run's (remove them with `flushbench gc`) or one still running elsewhere")
            for key in (found.objects + found.uploads).sorted().prefix(20) { lines.append("  \(key)") }
            if found.objects.count + found.uploads.count > 20 { lines.append("  ... and \(found.objects.count + found.uploads.count - 20) more") }
        }
        return lines
    }

    /// The run-id segment of `key` below the base prefix.
    private static func run(of key: String, keys: RunKeys) -> String {
        key.dropFirst(keys.basePrefix.count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? "(none)"
    }

    /// Deletes this run's objects and aborts its incomplete uploads (everything below
    /// `keys.runPrefix`), in a task of its own so a cancelled caller still gets a full clean-up.
    ///
    /// - Returns: what was done and what failed, as sentences.
    static func remove(store: any ObjectStore, keys: RunKeys) async -> [String] {
        await Task {
            var deleted = 0, aborted = 0
            var failures: [String] = []
            do {
                for object in try await store.list(prefix: keys.runPrefix) {
                    do {
                        try await store.delete(key: object.key)
                        deleted += 1
                    } catch {
                        failures.append("cannot delete '\(object.key)': \(error)")
                    }
                }
            } catch {
                failures.append("cannot list '\(keys.runPrefix)': \(error)")
            }
            do {
                for upload in try await store.incompleteUploads(prefix: keys.runPrefix) {
                    do {
                        try await store.abortIncompleteUpload(upload)
                        aborted += 1
                    } catch {
                        failures.append("cannot abort the upload of '\(upload.key)': \(error)")
                    }
                }
            } catch {
                failures.append("cannot list incomplete uploads under '\(keys.runPrefix)': \(error)")
            }
            return ["removed \(deleted) object(s) and aborted \(aborted) incomplete upload(s) under '\(keys.runPrefix)'"] + failures
        }.value
    }
}
