public import ObjectStore
public import WriteCache

/// How the runner runs a scenario, beyond what the scenario file says.
public struct RunOptions: Sendable {
    /// Replaces the scenario's seed.
    public var seedOverride: UInt64?
    /// Keep the cache directory (`DIR/cache`) and the fs store's root (`DIR/remote`) here after
    /// the run; a temp directory that is removed afterwards when `nil`.
    public var workDirectory: String?
    /// Called about once a second while flushes run.
    public var progress: (@Sendable (Progress) -> Void)?

    /// Called after the workload, before the checks, with the bare remote store and the cache:
    /// lets tests plant the breakage each check must catch (a temp file, an extra object).
    public var beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)?

    public init(seedOverride: UInt64? = nil, workDirectory: String? = nil, progress: (@Sendable (Progress) -> Void)? = nil,
                beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)? = nil) {
        self.seedOverride = seedOverride
        self.workDirectory = workDirectory
        self.progress = progress
        self.beforeChecks = beforeChecks
    }

    /// What a progress report says.
    public struct Progress: Sendable {
        public var scenario: String
        public var phase: String
        public var flushesDone: Int
        public var flushesTotal: Int
        public var uploadedMiBps: Double
        public var faultsInjected: Int
        public var elapsedSeconds: Double
    }
}

/// The runner could not set a scenario up (before any flush ran).
public struct RunSetupError: Error, Sendable, CustomStringConvertible {
    /// A stable label: `store`, `cache`, `faults`, `workdir`.
    public var code: String
    public var scenario: String
    public var message: String

    public var description: String { "scenario \(scenario): \(message) [\(code)]" }
}
