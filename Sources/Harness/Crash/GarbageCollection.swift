import Foundation
import Platform
public import ObjectStore

/// Reconciles a run's remote prefix with its journal (`flushbench gc`): every object below the
/// prefix that no journal entry names is deleted, every incomplete multipart upload aborted.
///
/// An object is taken only when it is older than the grace period, so a live writer's object
/// about to be acknowledged is never taken. Its age comes from the listing's last-modified time
/// (S3 `LastModified`, the fs store's file time, the memory store's clock), else from the
/// target's ``Target/age``. Where neither tells it, an object counts as old only when the caller
/// proved its writer dead (``Target/writerIsDead``: gc holds the work area's lock), and is kept
/// otherwise.
public enum GarbageCollection {
    /// What gc works on.
    public struct Target: Sendable {
        /// The store, with real keys (no run prefixing).
        public var store: any ObjectStore
        /// The run's remote prefix (`… flushbench/<scenario>/<run id>/`).
        public var prefix: String
        /// The acknowledged objects (the journal).
        public var manifest: [RunJournal.Entry]
        /// Objects and uploads younger than this are kept.
        public var grace: Duration
        /// Whether the run that wrote below ``prefix`` is known to be gone (its lock is free).
        public var writerIsDead: Bool
        /// The age of an object, where the store knows it.
        public var age: @Sendable (String) -> Duration?

        /// A target; `age` defaults to "unknown" (see ``Target/writerIsDead``).
        public init(store: any ObjectStore, prefix: String, manifest: [RunJournal.Entry], grace: Duration, writerIsDead: Bool,
                    age: @escaping @Sendable (String) -> Duration? = { _ in nil }) {
            self.store = store
            self.prefix = prefix
            self.manifest = manifest
            self.grace = grace
            self.writerIsDead = writerIsDead
            self.age = age
        }
    }

    /// What gc did (or, in a dry run, would do). Written as JSON beside its printed lines.
    public struct Report: Sendable, Codable, Equatable {
        /// The prefix it reconciled.
        public var prefix: String
        /// Whether nothing was changed.
        public var dryRun: Bool
        /// Journal entries (objects that must stay).
        public var journalEntries: Int
        /// Objects listed below the prefix.
        public var listed: Int
        /// Journal objects found and kept.
        public var kept: Int
        /// Unknown objects deleted (or to delete, in a dry run).
        public var deleted: [String] = []
        /// Unknown objects kept because they are younger than the grace period (or of unknown age
        /// while the writer may be alive).
        public var tooYoung: [String] = []
        /// Incomplete uploads aborted (`key (upload id)`).
        public var abortedUploads: [String] = []
        /// Journal entries with no object below the prefix: acknowledged objects that are lost.
        public var missing: [String] = []
        /// What failed.
        public var failures: [String] = []

        /// Whether, afterwards, the remote holds exactly the journal's objects (nothing unknown,
        /// nothing missing, nothing failed).
        public var isClean: Bool { tooYoung.isEmpty && missing.isEmpty && failures.isEmpty }

        /// One line per finding, for the terminal.
        public var lines: [String] {
            let verb = dryRun ? "would delete" : "deleted"
            var lines = ["gc '\(prefix)': \(listed) object(s) listed, \(kept) in the journal kept, \(verb) \(deleted.count) unknown, "
                + "\(dryRun ? "would abort" : "aborted") \(abortedUploads.count) incomplete upload(s), \(tooYoung.count) kept as too young, "
                + "\(missing.count) journal object(s) missing"]
            lines += deleted.map { "  \(verb) \($0)" }
            lines += abortedUploads.map { "  \(dryRun ? "would abort" : "aborted") \($0)" }
            lines += tooYoung.map { "  kept (younger than the grace period) \($0)" }
            lines += missing.map { "  MISSING (in the journal, not on the remote) \($0)" }
            lines += failures.map { "  FAILED \($0)" }
            return lines
        }
    }

    /// Runs gc on `target`.
    ///
    /// - Parameter dryRun: only report what would be done.
    /// - Returns: what was done; failures are in the report, not thrown.
    public static func run(_ target: Target, dryRun: Bool) async -> Report {
        let known = Set(target.manifest.map(\.key))
        var report = Report(prefix: target.prefix, dryRun: dryRun, journalEntries: known.count, listed: 0, kept: 0)
        do {
            let objects = try await target.store.list(prefix: target.prefix)
            // Ages may come from the file system: read them off the cooperative pool, at once.
            // The listing's last-modified time where the store gives one (S3, fs, memory); else
            // the target's own way to tell an age.
            let age = target.age
            let keys = objects.filter { $0.lastModified == nil }.map(\.key)
            let ages = keys.isEmpty ? [:] : (try? await BlockingIO.run { Dictionary(keys.map { ($0, age($0)) }, uniquingKeysWith: { first, _ in first }) }) ?? [:]
            let modified = Dictionary(objects.compactMap { object in object.lastModified.map { (object.key, $0) } }, uniquingKeysWith: { first, _ in first })
            let now = Date().timeIntervalSince1970
            func isOld(_ key: String) -> Bool {
                if target.grace <= .zero { return true }
                if let modified = modified[key] { return Duration.seconds(max(0, now - modified)) >= target.grace }
                if let age = ages[key] ?? nil { return age >= target.grace }
                return target.writerIsDead
            }
            report.listed = objects.count
            let present = Set(objects.map(\.key))
            report.missing = known.subtracting(present).sorted()
            for object in objects.sorted(by: { $0.key < $1.key }) {
                if known.contains(object.key) {
                    report.kept += 1
                } else if !isOld(object.key) {
                    report.tooYoung.append(object.key)
                } else if dryRun {
                    report.deleted.append(object.key)
                } else {
                    do {
                        try await target.store.delete(key: object.key)
                        report.deleted.append(object.key)
                    } catch {
                        report.failures.append("delete '\(object.key)': \(error)")
                    }
                }
            }
        } catch {
            report.failures.append("list '\(target.prefix)': \(error)")
        }
        do {
            // An upload's start time is not listed here: taken when the grace is zero or its writer is gone.
            for upload in try await target.store.incompleteUploads(prefix: target.prefix) {
                let name = "\(upload.key) (upload id \(upload.uploadID))"
                guard target.grace <= .zero || target.writerIsDead else {
                    report.tooYoung.append(name)
                    continue
                }
                if dryRun {
                    report.abortedUploads.append(name)
                    continue
                }
                do {
                    try await target.store.abortIncompleteUpload(upload)
                    report.abortedUploads.append(name)
                } catch {
                    report.failures.append("abort \(name): \(error)")
                }
            }
        } catch {
            report.failures.append("list incomplete uploads under '\(target.prefix)': \(error)")
        }
        return report
    }

    /// The age of `key`'s file in an fs store (from its modification time), or `nil`.
    public static func fileAge(_ store: FileSystemStore) -> @Sendable (String) -> Duration? {
        { key in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: store.path(of: key)),
                  let modified = attributes[.modificationDate] as? Date else { return nil }
            return .milliseconds(Int64(Date().timeIntervalSince(modified) * 1000))
        }
    }

    /// The run prefix the journal's keys are below (`… /<run id>/`), or `nil` when it names no
    /// object or its keys disagree.
    public static func prefix(of manifest: [RunJournal.Entry]) -> String? {
        let prefixes = Set(manifest.compactMap { entry -> String? in
            guard let range = entry.key.range(of: "/" + entry.runID.value + "/") else { return nil }
            return String(entry.key[..<range.upperBound])
        })
        return prefixes.count == 1 ? prefixes.first : nil
    }
}
