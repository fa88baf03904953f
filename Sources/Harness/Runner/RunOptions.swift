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
    /// lets tests plant the breakage each check must catch (a temp file, an extra object). The
    /// store's keys are real: the run's objects are below `remotePrefix + RUN-ID + "/"`.
    public var beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)?
    /// Keep what the run wrote to an external S3 endpoint (it is removed after the checks otherwise).
    public var keepRemote: Bool
    /// Told what a person should know beyond the result: stale work areas and other runs'
    /// leftovers found at the start, what the clean-up did.
    public var notice: (@Sendable (String) -> Void)?

    public init(seedOverride: UInt64? = nil, workDirectory: String? = nil, progress: (@Sendable (Progress) -> Void)? = nil,
                beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)? = nil,
                keepRemote: Bool = false, notice: (@Sendable (String) -> Void)? = nil) {
        self.seedOverride = seedOverride
        self.workDirectory = workDirectory
        self.progress = progress
        self.beforeChecks = beforeChecks
        self.keepRemote = keepRemote
        self.notice = notice
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
