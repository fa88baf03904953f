import ArgumentParser

@main
struct Flushbench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flushbench",
        abstract: "A write-through SST cache for object stores, and the benchmark and fault-injection harness around it.",
        subcommands: [RunCommand.self, ValidateCommand.self, ListCommand.self, ReportCommand.self, CompareCommand.self, GateCommand.self,
                      BenchCommand.self, SimulateCommand.self, CrashCommand.self, CrashTrialCommand.self, GcCommand.self,
                      MergeCommand.self]
    )
}
