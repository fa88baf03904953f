import Harness
import Testing

/// The zero-fault overhead benchmark runs its three variants and reports consistent figures.
@Suite("FaultOverheadBenchmark")
struct FaultOverheadBenchmarkTests {
    @Test("a small run reports the bare store and both fault-layer variants with consistent figures")
    func smallRunReportsEveryVariant() async throws {
        let benchmark = FaultOverheadBenchmark(configuration: .init(
            totalBytes: 4 << 20, chunkSize: 1 << 20, objectSize: 2 << 20, stats: 2000, rounds: 2))
        let report = try await benchmark.run()
        #expect(report.variants.map(\.name) == ["bare", "empty plan", "idle rules"])
        #expect(report.rounds == 2)
        for variant in report.variants {
            #expect(variant.writeSeconds > 0 && variant.statSeconds > 0)
            #expect(abs(variant.writeMiBps * variant.writeSeconds - 4) < 0.001)
            #expect(abs(variant.statsPerSecond * variant.statSeconds - 2000) < 0.01)
        }
        #expect(report.variants[0].writeOverheadPercent == 0 && report.variants[0].statOverheadPercent == 0)
        #expect(report.table().contains("empty plan"))
    }
}

extension FaultOverheadBenchmarkTests {
    @Test("one variant can run alone; an unknown variant is refused")
    func singleVariantRunsAlone() async throws {
        var configuration = FaultOverheadBenchmark.Configuration(totalBytes: 1 << 20, chunkSize: 1 << 20, objectSize: 1 << 20, stats: 100, rounds: 1)
        configuration.onlyVariant = "idle rules"
        #expect(try await FaultOverheadBenchmark(configuration: configuration).run().variants.map(\.name) == ["idle rules"])
        configuration.onlyVariant = "turbo"
        await #expect(throws: FaultOverheadBenchmarkError.self) { try await FaultOverheadBenchmark(configuration: configuration).run() }
    }
}
