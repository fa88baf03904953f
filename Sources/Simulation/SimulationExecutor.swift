import Foundation
import Platform

/// A serial `TaskExecutor` for a simulation's tasks: one thread runs every job enqueued on it,
/// choosing the next among those ready with a SplitMix64 seeded from the history's seed.
///
/// Tasks that prefer it (the simulator's own, the operations it starts with
/// `Task(executorPreference:)`, and the cache's internal tasks, which take the preference from
/// ``WriteCacheConfiguration/taskExecutor``) interleave in an order that follows from the seed
/// rather than from the cooperative pool's threads; one thread also means no wake-ups across
/// cores, which is most of what a simulated step costs on the shared pool.
final class SimulationExecutor: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [UnownedJob] = []
    private var random: SplitMix64
    private var stopping = false
    private var thread: Thread?

    /// Starts the executor's thread.
    init(seed: UInt64) {
        random = SplitMix64(seed: seed ^ 0x5E71_A11E_0000_0001)
        let thread = Thread { [unowned self] in self.runLoop() }
        thread.name = "flushbench-simulation"
        self.thread = thread
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        ready.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread once the jobs enqueued so far have run out.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while ready.isEmpty && !stopping { condition.wait() }
            if ready.isEmpty {
                condition.unlock()
                return
            }
            let index = ready.count == 1 ? 0 : Int(random.next() % UInt64(ready.count))
            let job = ready[index]
            ready[index] = ready[ready.count - 1]
            ready.removeLast()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
