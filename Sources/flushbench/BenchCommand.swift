import ArgumentParser

/// `flushbench bench ...`: side-by-side benchmarks of our code and the reference tools.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure flushbench beside the reference tools on the same work, machine and run.",
        subcommands: [BenchCacheCommand.self, BenchUploadCommand.self, BenchDownloadCommand.self, BenchTransferWorkerCommand.self,
                      BenchSSTCommand.self, BenchSSTWorkerCommand.self, FaultsOverheadCommand.self,
                      BenchRecoveryCommand.self, BenchFlushCommand.self, BenchFlushWorkerCommand.self, BenchProxyCommand.self]
    )
}
