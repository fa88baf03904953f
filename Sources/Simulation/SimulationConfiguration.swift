import WriteCache
public import FaultInjection
import ObjectStore
import Platform

/// The parameters of a simulation run: how long, how concurrent, which store, which faults and
/// which operations the generator may choose.
public struct SimulationConfiguration: Codable, Sendable, Equatable {
    /// The remote store under the fault layer.
    public enum StoreKind: String, Codable, Sendable, CaseIterable {
        /// ``ObjectStore/MemoryStore`` (the default).
        case memory
        /// ``ObjectStore/FileSystemStore`` in a temporary directory.
        case fs
    }

    /// The operations the generator can choose.
    public enum Operation: String, Codable, Sendable, CaseIterable {
        case put, flush, upload, read, download, remove, advance, cancel, reopen
    }

    /// Steps per history.
    public var operations: Int
    /// Cache operations in flight at once, at most.
    public var concurrency: Int
    /// The remote store.
    public var store: StoreKind
    /// Fault kinds the generator draws rules from (empty: no faults).
    public var faultKinds: Set<FaultKind>
    /// Operations the generator may choose.
    public var enabledOperations: Set<Operation>
    /// The cache's capacity in bytes (small, so evictions happen).
    public var capacity: UInt64
    /// Largest file the generator writes.
    public var maxFileSize: Int
    /// Check that no file descriptor is left open once quiet, by counting the process's open
    /// descriptors: only sound when nothing else in the process opens files (the CLI, not a test
    /// process running other suites in parallel).
    public var checkDescriptors: Bool = false

    /// Fault rules every history uses instead of drawing its own from ``faultKinds`` (a fault
    /// file's); not stored in a history, whose own rules say what it ran with.
    public var faultRules: [FaultRule]?

    /// A history file records what the history is, not how this process checks it.
    private enum CodingKeys: String, CodingKey {
        case operations, concurrency, store, faultKinds, enabledOperations, capacity, maxFileSize
    }

    /// The fault kinds `--faults all` draws from (everything but `crash`, which ends the process).
    public static let allFaultKinds: Set<FaultKind> = [.latency, .error, .partial, .torn, .ackLost, .hang, .bandwidth, .corrupt]

    /// Creates a configuration; 200 steps, 4 in flight, memory store, every fault kind and operation.
    public init(
        operations: Int = 200,
        concurrency: Int = 4,
        store: StoreKind = .memory,
        faultKinds: Set<FaultKind> = SimulationConfiguration.allFaultKinds,
        enabledOperations: Set<Operation> = Set(Operation.allCases),
        capacity: UInt64 = 24 << 10,
        maxFileSize: Int = 6000
    ) {
        self.operations = max(0, operations)
        self.concurrency = max(1, concurrency)
        self.store = store
        self.faultKinds = faultKinds
        self.enabledOperations = enabledOperations
        self.capacity = capacity
        self.maxFileSize = max(1, maxFileSize)
    }
}

extension History {
    /// Generates the history of `seed`: fault rules and steps, all drawn from one SplitMix64.
    public static func generate(seed: UInt64, configuration: SimulationConfiguration) -> History {
        var random = SplitMix64(seed: seed)
        let drawn = generateFaults(&random, kinds: configuration.faultKinds)
        let faults = configuration.faultRules ?? drawn
        var steps: [SimStep] = []
        var sizes: [SimKey: Int] = [:]
        var nextSST = 0
        let weights: [(SimulationConfiguration.Operation, Int)] = [
            (.put, 14), (.flush, 12), (.upload, 8), (.read, 28), (.download, 10), (.remove, 8),
            (.advance, 10), (.cancel, 5), (.reopen, 1),
        ].filter { configuration.enabledOperations.contains($0.0) }
        let total = weights.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return History(seed: seed, configuration: configuration, faults: faults, steps: []) }

        func pickKey() -> SimKey {
            // Mostly a key that exists; sometimes one never written (a miss that must fail).
            let sst = nextSST == 0 ? 0 : Int(random.next() % UInt64(nextSST + 1))
            return SimKey(sst: sst, type: random.next() % 3 == 0 ? .puffin : .parquet)
        }
        func size() -> Int { 1 + Int(random.next() % UInt64(configuration.maxFileSize)) }

        while steps.count < configuration.operations {
            var roll = Int(random.next() % UInt64(total))
            var chosen = weights[0].0
            for (operation, weight) in weights {
                if roll < weight { chosen = operation; break }
                roll -= weight
            }
            switch chosen {
            case .put:
                let key = SimKey(sst: nextSST, type: .parquet)
                let bytes = size()
                sizes[key] = bytes
                nextSST += 1
                steps.append(.put(key: key, size: bytes))
            case .flush:
                let data = size()
                let index = random.next() % 4 == 0 ? 0 : size() / 4
                sizes[SimKey(sst: nextSST, type: .parquet)] = data
                if index > 0 { sizes[SimKey(sst: nextSST, type: .puffin)] = index }
                steps.append(.flush(sst: nextSST, dataSize: data, indexSize: index))
                nextSST += 1
            case .upload:
                steps.append(.upload(key: pickKey()))
            case .read:
                let key = pickKey()
                let bound = sizes[key] ?? 4096
                let offset = Int(random.next() % UInt64(bound))
                let length = 1 + Int(random.next() % UInt64(bound - offset))
                steps.append(.read(key: key, offset: offset, length: length))
            case .download:
                steps.append(.download(key: pickKey()))
            case .remove:
                steps.append(.remove(sst: pickKey().sst))
            case .advance:
                let choices = [1, 20, 100, 500, 2_000, 15_000]
                steps.append(.advance(milliseconds: choices[Int(random.next() % UInt64(choices.count))]))
            case .cancel:
                steps.append(.cancel(pick: Int(random.next() % 16)))
            case .reopen:
                steps.append(.reopen)
            }
        }
        return History(seed: seed, configuration: configuration, faults: faults, steps: steps)
    }

    /// One to four rules of the enabled kinds, each with a random operation, chance and shape.
    static func generateFaults(_ random: inout SplitMix64, kinds: Set<FaultKind>) -> [FaultRule] {
        let available = kinds.subtracting([.crash]).sorted()
        guard !available.isEmpty else { return [] }
        let count = 1 + Int(random.next() % 4)
        var rules: [FaultRule] = []
        for _ in 0..<count {
            let kind = available[Int(random.next() % UInt64(available.count))]
            let chance = 0.05 + random.nextUnit() * 0.25
            let maxCount: Int? = random.next() % 3 == 0 ? 1 : nil
            func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
            let rule: FaultRule
            switch kind {
            case .latency:
                rule = FaultRule(operation: .any, fault: .latency(LatencyDistribution(.uniform(min: .zero, max: .milliseconds(200)))),
                                 probability: 0.5)
            case .error:
                let code = pick([ObjectStoreError.Code.internalError, .slowDown, .serviceUnavailable, .accessDenied])
                // Aborts fail too: the cache must record what a failed abort left.
                rule = FaultRule(operation: pick([.write, .read, .stat, .delete, .any, .abort]), fault: .error(InjectedError(code: code)),
                                 probability: chance, maxCount: maxCount)
            case .partial:
                rule = FaultRule(operation: pick([.write, .read]),
                                 fault: .partial(.afterFraction(random.nextUnit()), error: InjectedError(code: .internalError)),
                                 probability: chance, maxCount: maxCount)
            case .torn:
                rule = FaultRule(operation: .write, fault: .torn(.afterFraction(random.nextUnit())), probability: chance, maxCount: maxCount)
            case .ackLost:
                rule = FaultRule(operation: pick([.write, .delete]), fault: .ackLost(InjectedError(code: .timeout)),
                                 probability: chance, maxCount: maxCount)
            case .hang:
                rule = FaultRule(operation: pick([.write, .read, .stat, .any]), fault: .hang(limit: .seconds(Int64(1 + random.next() % 5))),
                                 probability: chance / 3, maxCount: maxCount)
            case .bandwidth:
                rule = FaultRule(operation: pick([.write, .read]), fault: .bandwidth(bytesPerSecond: pick([16 << 10, 256 << 10, 1 << 20])))
            case .corrupt:
                rule = FaultRule(operation: pick([.write, .read]), fault: .corrupt(bytes: 1 + Int(random.next() % 3)),
                                 probability: chance, maxCount: maxCount)
            case .crash, .truncate, .error200:
                continue
            }
            rules.append(rule)
        }
        return rules
    }
}
