/// Bounded concurrency with a task group: start `limit` tasks, add one each time one finishes
/// (swift-nio's `ParallelDirCopy` pattern). The one copy of the loop for parts in flight,
/// ranged downloads and benchmark workers.
public enum BoundedConcurrency {
    /// Applies `transform` to every element with at most `limit` running at once, and returns
    /// the results in the order of `elements`.
    ///
    /// The first failure cancels the tasks still running and is thrown once they finished; no
    /// further element is started after it.
    ///
    /// - Parameters:
    ///   - elements: the inputs.
    ///   - limit: the most tasks in flight (at least 1).
    ///   - transform: the work for one element.
    /// - Errors: the first error `transform` threw.
    public static func map<Element: Sendable, Value: Sendable, Failure: Error>(
        _ elements: [Element], limit: Int,
        _ transform: @escaping @Sendable (Element) async throws(Failure) -> Value
    ) async throws(Failure) -> [Value] {
        let outcome: Result<[Value], Failure> = await withTaskGroup(of: (Int, Result<Value, Failure>).self) { group in
            var next = 0
            func startNext() {
                guard next < elements.count else { return }
                let index = next
                let element = elements[index]
                next += 1
                group.addTask {
                    do throws(Failure) {
                        return (index, .success(try await transform(element)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<max(1, limit) { startNext() }
            var values = [Value?](repeating: nil, count: elements.count)
            while let (index, result) = await group.next() {
                switch result {
                case let .success(value):
                    values[index] = value
                    startNext()
                case let .failure(error):
                    group.cancelAll()
                    return .failure(error)
                }
            }
            return .success(values.map { $0! })
        }
        return try outcome.get()
    }

    /// Runs `body` for every element with at most `limit` running at once.
    ///
    /// The first failure cancels the tasks still running and is thrown once they finished.
    /// - Errors: the first error `body` threw.
    public static func forEach<Element: Sendable, Failure: Error>(
        _ elements: [Element], limit: Int,
        _ body: @escaping @Sendable (Element) async throws(Failure) -> Void
    ) async throws(Failure) {
        _ = try await map(elements, limit: limit, body)
    }

    /// Runs `body` for the elements in order with at most `limit` running at once, and starts
    /// no further element once the calling task is cancelled (the running ones see the
    /// cancellation themselves). For work that records its own outcome, such as the flushes of
    /// a run, where stopping at a time limit must leave the rest unstarted.
    ///
    /// - Returns: how many elements were started.
    @discardableResult
    public static func forEachUntilCancelled<Element: Sendable>(
        _ elements: [Element], limit: Int,
        _ body: @escaping @Sendable (Element) async -> Void
    ) async -> Int {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func startNext() {
                guard next < elements.count, !Task.isCancelled else { return }
                let element = elements[next]
                next += 1
                group.addTask { await body(element) }
            }
            for _ in 0..<max(1, limit) { startNext() }
            while await group.next() != nil { startNext() }
            return next
        }
    }
}
