import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A local disk fault: which operation it hits, which error it raises, and how it selects.
///
/// Decisions are a pure function of (seed, rule, operation, file, attempt), never of a shared
/// random stream, so the order in which tasks reach the disk does not change which ones fail.
/// A file is named by its stable name: a temp file's random suffix (`.1a2b3c4d.tmp`) is left
/// out, so `nth: [1]` hits the first write of every cached file of a run, and again in a replay.
public struct LocalFaultRule: Sendable, Hashable {
    /// The operation a rule hits.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// A positional write of a file.
        case write
        /// An `fsync` of a file or a directory.
        case fsync
    }

    /// The error injected.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The disk is full (`ENOSPC`).
        case enospc
        /// An I/O error (`EIO`).
        case eio

        /// The `errno` value raised.
        public var errno: Int32 { self == .enospc ? ENOSPC : EIO }
    }

    /// The operation hit.
    public var operation: Operation
    /// The error raised.
    public var kind: Kind
    /// Only paths containing this substring; `nil` for any path.
    public var pathContains: String?
    /// Attempt numbers (1-based, per operation and file) hit; `nil` for every attempt.
    public var nth: [Int]?
    /// Chance that a selected operation is hit; `nil` means always.
    public var probability: Double?
    /// Most hits of this rule on one operation and file; `nil` for no bound.
    public var maxCount: Int?

    /// Creates a rule; every selector defaults to "no restriction".
    public init(operation: Operation, kind: Kind, pathContains: String? = nil, nth: [Int]? = nil,
                probability: Double? = nil, maxCount: Int? = nil) {
        self.operation = operation
        self.kind = kind
        self.pathContains = pathContains
        self.nth = nth
        self.probability = probability
        self.maxCount = maxCount
    }
}

/// A fault a ``FaultyFileSystem`` injected, for the trace.
public struct LocalFaultEvent: Sendable, Equatable {
    /// The index of the rule that fired.
    public var rule: Int
    /// The operation hit.
    public var operation: LocalFaultRule.Operation
    /// The error raised.
    public var kind: LocalFaultRule.Kind
    /// The file or directory.
    public var path: String
    /// The attempt of that operation on that file (1-based).
    public var attempt: Int
}

/// A file layer that makes writes and fsyncs of another fail with `ENOSPC` or `EIO`, as its
/// ``LocalFaultRule``s select: the `local` layer of a fault plan.
///
/// A hit write writes nothing; a hit fsync syncs nothing. Everything else passes through.
public final class FaultyFileSystem: FileSystem {
    /// The layer underneath.
    public let base: any FileSystem
    /// The rules, in order; the first that hits wins.
    public let rules: [LocalFaultRule]
    private let seed: UInt64
    private let onFault: (@Sendable (LocalFaultEvent) -> Void)?
    /// Attempts per (operation, stable file name), and hits per (rule, operation, name).
    private let counts = Mutex<(attempts: [String: Int], hits: [String: Int])>(([:], [:]))

    /// Wraps `base`.
    ///
    /// - Parameters:
    ///   - base: the layer the operations reach when no rule hits.
    ///   - rules: the faults to inject.
    ///   - seed: the seed of probabilistic decisions.
    ///   - onFault: called (synchronously) for every fault injected.
    public init(base: any FileSystem, rules: [LocalFaultRule], seed: UInt64,
                onFault: (@Sendable (LocalFaultEvent) -> Void)? = nil) {
        self.base = base
        self.rules = rules
        self.seed = seed
        self.onFault = onFault
    }

    public var preferredExecutor: BlockingExecutor { base.preferredExecutor }

    /// `path`'s last component without a temp file's random suffix.
    static func stableName(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasSuffix(".tmp") else { return name }
        let parts = name.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.last!.count == 8, parts.last!.allSatisfy(\.isHexDigit) else { return name }
        return parts.dropLast().joined(separator: ".")
    }

    /// Throws the fault a rule injects into `operation` on `path`, if one does.
    private func check(_ operation: LocalFaultRule.Operation, _ path: String) throws(LocalFileError) {
        let name = Self.stableName(path)
        let hit: (Int, LocalFaultRule, Int)? = counts.withLock { counts in
            let attemptKey = "\(operation.rawValue) \(name)"
            let attempt = counts.attempts[attemptKey, default: 0] + 1
            counts.attempts[attemptKey] = attempt
            for (index, rule) in rules.enumerated() where rule.operation == operation {
                if let fragment = rule.pathContains, !path.contains(fragment) { continue }
                if let nth = rule.nth, !nth.contains(attempt) { continue }
                let hitKey = "\(index) \(attemptKey)"
                if let maxCount = rule.maxCount, counts.hits[hitKey, default: 0] >= maxCount { continue }
                if let probability = rule.probability {
                    var hash = SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(index)))
                    hash = SplitMix64.mix(hash ^ Self.digest(attemptKey))
                    hash = SplitMix64.mix(hash ^ UInt64(attempt))
                    if Double(hash >> 11) * 0x1.0p-53 >= probability { continue }
                }
                counts.hits[hitKey, default: 0] += 1
                return (index, rule, attempt)
            }
            return nil
        }
        guard let (index, rule, attempt) = hit else { return }
        onFault?(LocalFaultEvent(rule: index, operation: operation, kind: rule.kind, path: path, attempt: attempt))
        var error = LocalFileError(operation: operation == .write ? "pwrite" : "fsync", path: path, errno: rule.kind.errno)
        error.message += " (injected by local fault rule \(index))"
        throw error
    }

    /// FNV-1a of `text`'s UTF-8 bytes.
    private static func digest(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    public func openForReading(_ path: String) throws(LocalFileError) -> LocalFileHandle { try base.openForReading(path) }
    public func createExclusive(_ path: String) throws(LocalFileError) -> LocalFileHandle { try base.createExclusive(path) }
    public func size(of handle: LocalFileHandle) throws(LocalFileError) -> UInt64 { try base.size(of: handle) }

    public func read(_ handle: LocalFileHandle, at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        try base.read(handle, at: offset, count: count)
    }

    public func write(_ handle: LocalFileHandle, _ bytes: [UInt8], at offset: UInt64) throws(LocalFileError) {
        try check(.write, handle.path)
        try base.write(handle, bytes, at: offset)
    }

    public func sync(_ handle: LocalFileHandle) throws(LocalFileError) {
        try check(.fsync, handle.path)
        try base.sync(handle)
    }

    public func close(_ handle: LocalFileHandle) { base.close(handle) }
    public func createDirectories(_ path: String) throws(LocalFileError) { try base.createDirectories(path) }
    public func listDirectory(_ path: String) throws(LocalFileError) -> [String] { try base.listDirectory(path) }
    public func status(_ path: String) throws(LocalFileError) -> LocalFiles.FileStatus? { try base.status(path) }
    @discardableResult
    public func remove(_ path: String) throws(LocalFileError) -> Bool { try base.remove(path) }
    public func rename(_ source: String, to destination: String) throws(LocalFileError) { try base.rename(source, to: destination) }

    public func syncDirectory(_ path: String) throws(LocalFileError) {
        try check(.fsync, path)
        try base.syncDirectory(path)
    }

    public func lock(_ path: String) throws(LocalFileError) -> LocalFileHandle { try base.lock(path) }
    public func unlock(_ handle: LocalFileHandle) { base.unlock(handle) }
}
