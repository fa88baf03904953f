import ArgumentParser
import Harness

extension ExitCode {
    /// The exit code of one of flushbench's statuses (the table in ``ExitStatus``).
    init(_ status: ExitStatus) {
        self.init(status.rawValue)
    }
}
