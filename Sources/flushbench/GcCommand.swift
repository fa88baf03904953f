import ArgumentParser
import FaultInjection
import Foundation
import Harness
import ObjectStore
import Platform
import WriteCache

/// `flushbench gc`: removes what a run left on the remote that its journal does not name.
struct GcCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete a run's remote objects its journal does not name; abort its incomplete uploads.",
        discussion: """
            Lists the remote below the run's prefix (from the work area's marker, or the journal's \
            keys), deletes every object no journal entry names and aborts every incomplete \
            multipart upload, when older than --grace (by the object's time where the store has \
            one: the fs store's file time; S3 listings here carry none, so on S3 an object of \
            unknown age is taken only with --work-area, whose free lock proves its writer gone, or \
            with --grace 0). Refuses (exit 5) while the work area's lock is held by a live process. \
            Prints what it did and writes it as JSON (--report, else beside the journal). Exit \
            status: 0 when the remote then holds exactly the journal's objects, 1 when something \
            is missing, kept or failed, 2 on bad input, 5 when locked or the store cannot be reached.
            """
    )

    @Option(help: "The remote: fs:PATH (an fs store's root) or s3://BUCKET[/PREFIX] (endpoint and credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).")
    var store: String

    @Option(help: "A journal (journal.jsonl) of acknowledged objects.")
    var manifest: String?

    @Option(help: "A run's work area: its journal, marker (remote prefix), lock and orphan ledger.")
    var workArea: String?

    @Option(help: "Keep objects and uploads younger than this (e.g. 0, 30s, 1h).")
    var grace = "1h"

    @Flag(help: "Only report what would be done.")
    var dryRun = false

    @Option(help: "Where to write what gc did (JSON).")
    var report: String?

    func validate() throws {
        guard (manifest == nil) != (workArea == nil) else { throw ValidationError("give exactly one of --manifest FILE and --work-area DIR") }
        guard store.hasPrefix("fs:") || store.hasPrefix("s3://") else { throw ValidationError("--store must be fs:PATH or s3://BUCKET[/PREFIX]") }
        do { _ = try graceDuration() } catch { throw ValidationError("--grace '\(grace)': \(error)") }
    }

    /// `--grace` as a duration (`0` needs no unit).
    func graceDuration() throws -> Duration {
        grace == "0" ? .zero : try DurationText(parsing: grace).duration
    }

    func run() async throws {
        let graceDuration = try graceDuration()
        let journalPath = workArea.map { $0 + "/" + WorkArea.journalName } ?? manifest!
        let (workArea, manifest) = (workArea, manifest)
        let prepared = try await BlockingIO.run { try Self.prepare(journalPath: journalPath, workArea: workArea, manifest: manifest) }
        let (journal, lock, ledger) = (prepared.journal, prepared.lock, prepared.ledger)
        defer { lock?.release() }
        guard let prefix = prepared.prefix else {
            printError("the journal '\(journalPath)' names no object (or objects of several runs), so the run's prefix is unknown; use --work-area DIR")
            throw ExitCode(.invalidInput)
        }
        let (objectStore, age) = try await openStore(prefix: prefix)
        let target = GarbageCollection.Target(store: objectStore, prefix: prefix, manifest: journal, grace: graceDuration,
                                              writerIsDead: lock != nil || graceDuration <= .zero, age: age)
        let result = await GarbageCollection.run(target, dryRun: dryRun)
        for line in result.lines { print(line) }
        if !ledger.isEmpty {
            let removed = Set(result.deleted + result.abortedUploads.map { String($0.prefix { $0 != " " }) })
            print("the cache's orphan ledger names \(ledger.count) leftover(s); \(ledger.filter { removed.contains($0.key) }.count) of them were taken now")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = try await ResultWriter.writeFile(try encoder.encode(result), to: report ?? (journalPath as NSString).deletingLastPathComponent + "/gc.json")
        print("report: \(path)")
        if !result.isClean { throw ExitCode(.failed) }
    }

    /// Reads the journal and, with a work area, takes its lock and reads its marker's prefix and
    /// the cache's orphan ledger; blocking (run it on the blocking-I/O pool).
    static func prepare(journalPath: String, workArea: String?, manifest: String?) throws
        -> (journal: [RunJournal.Entry], lock: DirectoryLock?, prefix: String?, ledger: [KnownOrphan]) {
        let journal: [RunJournal.Entry]
        do {
            journal = FileManager.default.fileExists(atPath: journalPath) || manifest != nil ? try RunJournal.read(journalPath) : []
        } catch {
            printError("cannot read the journal '\(journalPath)': \(error)")
            throw ExitCode(.invalidInput)
        }
        guard let workArea else { return (journal, nil, GarbageCollection.prefix(of: journal), []) }
        let lock: DirectoryLock
        do {
            lock = try DirectoryLock.acquire(workArea + "/" + WorkArea.lockName)
        } catch {
            printError("'\(workArea)' is locked by a live process (\(error.message)): gc refuses to reconcile a run that may still be writing")
            throw ExitCode(.setupFailed)
        }
        guard let marked = try? WorkArea.readMarker(workArea).remotePrefix else {
            lock.release()
            printError("'\(workArea)' has no work-area marker naming a remote prefix")
            throw ExitCode(.invalidInput)
        }
        return (journal, lock, marked, OrphanLedger.read(directory: workArea + "/cache"))
    }

    /// The store `--store` names, and how it knows an object's age.
    func openStore(prefix: String) async throws -> (any ObjectStore, @Sendable (String) -> Duration?) {
        if store.hasPrefix("fs:") {
            do {
                let fs = try await FileSystemStore.open(root: String(store.dropFirst(3)))
                return (fs, GarbageCollection.fileAge(fs))
            } catch {
                printError("cannot open the fs store '\(store)': \(error)")
                throw ExitCode(.setupFailed)
            }
        }
        let rest = store.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let keyPrefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
        guard prefix.hasPrefix(keyPrefix) else {
            printError("the run's prefix '\(prefix)' is not below '\(keyPrefix)' of --store")
            throw ExitCode(.invalidInput)
        }
        do {
            guard let configuration = try S3Configuration.fromEnvironment(bucket: bucket) else {
                printError("no S3 endpoint: set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                throw ExitCode(.setupFailed)
            }
            return (S3Store(configuration: configuration), { _ in nil })
        } catch let error as ObjectStoreError {
            printError(error.message)
            throw ExitCode(.setupFailed)
        }
    }
}
