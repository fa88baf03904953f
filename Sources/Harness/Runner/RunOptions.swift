public import ObjectStore
public import Platform
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
    /// The environment the S3 endpoint and credentials are read from (`AWS_ENDPOINT_URL`,
    /// `AWS_ACCESS_KEY_ID`, ...); the process's own when `nil`.
    public var environment: [String: String]?

    /// Called after the workload, before the checks, with the bare remote store and the cache:
    /// lets tests plant the breakage each check must catch (a temp file, an extra object). The
    /// store's keys are real: the run's objects are below `remotePrefix + RUN-ID + "/"`.
    public var beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)?
    /// Keep what the run wrote to an external S3 endpoint (it is removed after the checks otherwise).
    public var keepRemote: Bool
    /// Told what a person should know beyond the result: stale work areas and other runs'
    /// leftovers found at the start, what the clean-up did.
    public var notice: (@Sendable (String) -> Void)?
    /// Counts the cache's store operations and ends the process (`_exit(86)`) at the chosen
    /// one: a crash trial's death point (see ``CrashTrials``). With a death point, the scenario's
    /// `crash` fault rules end the process too (exit 86). `nil`: nothing counted.
    public var crashPoint: CrashPoint?
    /// The file layer under the cache (a crash trial's recording layer in power mode); the real
    /// disk when `nil`. The scenario's `local` fault rules and a crash point wrap it.
    public var fileSystem: (any FileSystem)?
    /// This runner's place in a multi-node run (`--nodes`, `--node-index`); `nil`: a run on its own.
    public var node: NodeAssignment?
    /// Where the run publishes its figures while it works (`run --metrics-port`); `nil`: nowhere.
    public var metrics: LiveMetrics?

    public init(seedOverride: UInt64? = nil, workDirectory: String? = nil, progress: (@Sendable (Progress) -> Void)? = nil,
                beforeChecks: (@Sendable (_ store: any ObjectStore, _ cache: WriteCache) async -> Void)? = nil,
                keepRemote: Bool = false, notice: (@Sendable (String) -> Void)? = nil, node: NodeAssignment? = nil) {
        self.node = node
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
        /// Bytes sent so far (every attempt) per second.
        public var uploadedMiBps: Double
        /// Bytes of acknowledged uploads so far per second (goodput).
        public var acknowledgedMiBps: Double
        public var faultsInjected: Int
        public var elapsedSeconds: Double
    }
}

/// The runner could not set a scenario up (before any flush ran).
public struct RunSetupError: Error, Sendable, CustomStringConvertible {
    /// A stable label: `endpoint`, `credentials`, `bucket`, `store`, `cache`, `faults`, `workdir`.
    public var code: String
    public var scenario: String
    public var message: String

    public var description: String { "scenario \(scenario): \(message) [\(code)]" }

    /// The exit status of a run that stopped here: nothing was attempted.
    public var exitStatus: ExitStatus { .setupFailed }
}
