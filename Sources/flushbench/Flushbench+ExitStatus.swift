import ArgumentParser
import Foundation
import Harness

extension Flushbench {
    /// Runs the command line as ArgumentParser does, except that a usage error (an unknown
    /// option, a value `validate()` refuses) exits with ``ExitStatus/invalidInput`` (2), like
    /// every other invalid input, instead of ArgumentParser's 64: one table of exit statuses.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitStatus.invalidInput.rawValue)
        }
    }
}
