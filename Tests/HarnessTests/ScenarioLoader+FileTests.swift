import Foundation
import Harness
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Scenario files: what a path is, and bounded input")
struct ScenarioLoaderFileTests {
    /// The error of loading `path`, or `nil`; gives up (and records an issue) after `seconds`
    /// instead of hanging the test run when the loader blocks.
    func loadError(path: String, within seconds: Double = 10, unblock: () -> Void = {}) -> ScenarioError? {
        let outcome = LockedBox<ScenarioError?>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do throws(ScenarioError) {
                _ = try ScenarioLoader.load(path: path, validateFault: ScenarioFaults.validator)
                outcome.set(nil)
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            Issue.record("loading \(path) did not finish within \(seconds) s")
            unblock()
            _ = done.wait(timeout: .now() + 5)
            return nil
        }
        return outcome.get() ?? nil
    }

    @Test("a directory is said to be a directory")
    func directory() throws {
        let error = try #require(loadError(path: try LocalTemporary.directory()))
        #expect(error.code == "unreadable")
        #expect(error.description.contains("is a directory"), "\(error)")
    }

    @Test("a FIFO is said to be a FIFO, without blocking on it")
    func fifo() throws {
        let path = try LocalTemporary.directory() + "/pipe.json"
        #expect(mkfifo(path, 0o600) == 0)
        let error = loadError(path: path, within: 5) {
            // Release a reader that blocked in open(2) by opening the write side.
            let writer = open(path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        #expect(error?.description.contains("named pipe (FIFO)") == true, "\(String(describing: error))")
    }

    @Test("/dev/zero is said to be a device, not read forever")
    func devZero() {
        let error = loadError(path: "/dev/zero", within: 10)
        #expect(error?.description.contains("character device") == true, "\(String(describing: error))")
    }

    @Test("a symbolic link loop is said to be one")
    func symlinkLoop() throws {
        let directory = try LocalTemporary.directory()
        try FileManager.default.createSymbolicLink(atPath: directory + "/a.json", withDestinationPath: directory + "/b.json")
        try FileManager.default.createSymbolicLink(atPath: directory + "/b.json", withDestinationPath: directory + "/a.json")
        let error = try #require(loadError(path: directory + "/a.json"))
        #expect(error.description.contains("symbolic link loop"), "\(error)")
    }

    @Test("a missing file is said to be missing")
    func missing() throws {
        let error = try #require(loadError(path: try LocalTemporary.directory() + "/none.json"))
        #expect(error.description.contains("no such file"), "\(error)")
    }

    @Test("a file over 1 MiB is refused with its size, before it is parsed")
    func tooLarge() throws {
        let path = try LocalTemporary.directory() + "/big.json"
        let text = smallScenario(extra: "\"x\": \"\(String(repeating: "y", count: 3 << 20))\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(loadError(path: path))
        #expect(error.description.contains("at most 1 MiB"), "\(error.description.prefix(500))")
        #expect(error.description.count < 1000)
    }

    @Test("a huge value is cut short in the message, not echoed whole")
    func hugeValueTruncated() throws {
        let huge = String(repeating: "z", count: 500_000)
        for text in [smallScenario(name: huge), smallScenario().replacingOccurrences(of: "\"memory\"", with: "\"\(huge)\""),
                     smallScenario(extra: "\"\(huge)\": 1"), smallScenario().replacingOccurrences(of: "\"64MiB\"", with: "\"\(huge)\"")] {
            do {
                _ = try scenarios(text)
                Issue.record("a huge value loaded")
            } catch {
                #expect(error.description.count < 4000, "\(error.description.prefix(300))")
            }
        }
    }
}

/// A value set by one thread and read by another after a semaphore.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func get() -> Value? { lock.withLock { value } }
}
