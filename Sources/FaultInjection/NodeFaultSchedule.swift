import Platform
import Servers
import Synchronization

/// Plays a scenario's node faults against a cluster at their times and records what it did.
///
/// Each fault waits for its `at`, acts (SIGKILL, SIGSTOP, restart), and undoes itself after
/// its `for` (restart, SIGCONT). When the run is cancelled (its workload ended early or a
/// signal came), faults that have not started never start, and faults in progress are undone at
/// once, so the cluster is whole again when ``run(from:)`` returns: the checks after the run
/// then see every node.
public final class NodeFaultSchedule: Sendable {
    /// The faults, in the order of the scenario.
    public let faults: [NodeFault]
    private let control: any ClusterNodeControl
    private let recorded = Mutex<[NodeFaultEvent]>([])
    private let retries: (@Sendable () -> Int)?

    /// - Parameters:
    ///   - retries: counts the client's retries so far; each event records the count.
    public init(faults: [NodeFault], control: any ClusterNodeControl, retries: (@Sendable () -> Int)? = nil) {
        self.faults = faults
        self.control = control
        self.retries = retries
    }

    /// What the faults did so far, by time.
    public var events: [NodeFaultEvent] {
        recorded.withLock { $0 }.sorted { ($0.atSeconds, $0.rule) < ($1.atSeconds, $1.rule) }
    }

    /// Runs every fault, measured from `start`; returns once each has been undone (or never
    /// started because the task was cancelled first).
    public func run(from start: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            for fault in faults {
                group.addTask { await self.play(fault, from: start) }
            }
        }
    }

    private func play(_ fault: NodeFault, from start: ContinuousClock.Instant) async {
        try? await Task.sleep(until: start + fault.at, clock: .continuous)
        guard !Task.isCancelled else { return }
        let node = fault.node
        switch fault.kind {
        case .restart:
            await act(fault, start, "restarted", "stopped and started again") { try await self.control.restart(node) }
        case .kill:
            guard await act(fault, start, "killed", "SIGKILL", { try await self.control.kill(node) }) else { return }
            try? await Task.sleep(until: start + fault.end, clock: .continuous)
            await act(fault, start, "restarted", "started again on its ports and data") { try await self.control.restart(node) }
        case .pause:
            guard await act(fault, start, "paused", "SIGSTOP", { try await self.control.pause(node) }) else { return }
            try? await Task.sleep(until: start + fault.end, clock: .continuous)
            await act(fault, start, "resumed", "SIGCONT") { try await self.control.resume(node) }
        }
    }

    /// Runs `body` to completion even when the task is cancelled (an undo must happen), and
    /// records it; returns whether it succeeded.
    @discardableResult
    private func act(_ fault: NodeFault, _ start: ContinuousClock.Instant, _ action: String, _ detail: String,
                     _ body: @escaping @Sendable () async throws -> Void) async -> Bool {
        let outcome: Result<Void, any Error> = await Task { () -> Result<Void, any Error> in
            do {
                try await body()
                return .success(())
            } catch {
                return .failure(error)
            }
        }.value
        let failed: String? = if case .failure(let error) = outcome { "\(error)" } else { nil }
        let event = NodeFaultEvent(rule: fault.rule, kind: fault.kind.rawValue, node: fault.node.description,
                                   action: failed == nil ? action : "failed",
                                   atSeconds: ((ContinuousClock.now - start).inSeconds * 1000).rounded() / 1000,
                                   detail: failed.map { "\(action) failed: \($0)" } ?? detail, retriesSoFar: retries?())
        recorded.withLock { $0.append(event) }
        return failed == nil
    }
}
