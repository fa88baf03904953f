import Foundation
import Harness
import Testing

@Suite("Gate calibration (A/A): each metric's noise, the thresholds it calls for, written into thresholds.json")
struct GateCalibrationTests {
    @Test("an A/A comparison passes and recommends thresholds from the median ratio's interval")
    func calibrationFromAA() async throws {
        let base = try await GateFixture.result()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5, 10.8, 11.2]),
                                             GateFixture.runs(base, side: "b", p50: [10.2, 11.1, 11.8, 10.4, 11.6, 10.9, 11.3]))
        let calibration = GateCalibration(aa: report)
        #expect(calibration.passed)
        let p50 = try #require(calibration.noise.first { $0.metric == "latency.flush.p50Ms" })
        let interval = try #require(p50.ratioInterval)
        #expect(interval.contains(1))
        #expect(p50.runs == 14)
        #expect(p50.coefficientOfVariation.map { $0 > 0.03 && $0 < 0.1 } == true, "\(String(describing: p50.coefficientOfVariation))")
        let distance = max(abs(interval.lowerBound - 1), abs(interval.upperBound - 1))
        #expect(p50.recommended.relative >= 2 * distance && p50.recommended.relative < 2 * distance + 0.05 + 1e-9)
        #expect(p50.recommended.relative >= 0.05)
        #expect(p50.recommended.absolute == p50.current.absolute, "the absolute floor is kept")
        // Identical figures: no noise, the 5% floor.
        let flat = try #require(calibration.noise.first { $0.metric == "throughput.flushesPerSecond" })
        #expect(flat.recommended.relative == 0.05)
        let text = calibration.markdown()
        #expect(text.contains("# flushbench gate --calibrate (A/A): PASS"))
        #expect(text.contains("| gate-fixture | latency.flush.p50Ms | 14 |"))
    }

    @Test("an A/A comparison whose sides differ does not pass")
    func differingSidesFail() async throws {
        let base = try await GateFixture.result()
        var current = GateFixture.runs(base, side: "b", p50: [10, 11, 12])
        current[0].result.bytes.uploaded += 1
        let calibration = GateCalibration(aa: try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12]), current))
        #expect(!calibration.passed)
        #expect(calibration.markdown().contains("FAIL"))
    }

    @Test("--write stores the recommendations as per-scenario overrides and keeps the rest of the file")
    func writesThresholds() async throws {
        let base = try await GateFixture.result()
        let report = try GateFixture.compare(GateFixture.runs(base, side: "a", p50: [10, 11, 12, 10.5, 11.5]),
                                             GateFixture.runs(base, side: "b", p50: [10.2, 11.1, 11.8, 10.4, 11.6]))
        let calibration = GateCalibration(aa: report)
        let path = try LocalTemporary.directory() + "/thresholds.json"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Results/baseline/thresholds.json", toPath: path)
        try calibration.write(thresholdsFile: path)
        let loaded = try GateThresholds.load(path: path)
        for item in calibration.noise {
            #expect(loaded.threshold(item.metric, scenario: "gate-fixture") == item.recommended, "\(item.metric)")
        }
        #expect(loaded.metrics == (try GateThresholds.load(path: repositoryRoot + "/Results/baseline/thresholds.json")).metrics,
                "the top level is untouched")
        #expect(loaded.scenarios["gate-latency"]?.metrics["latency.flush.p50Ms"] == MetricThreshold(relative: 0.15, absolute: 2),
                "other scenarios' overrides are kept")
        let raw = try String(contentsOfFile: path, encoding: .utf8)
        #expect(raw.contains("\"comment\""))

        // A file that is not JSON is not overwritten.
        let broken = try LocalTemporary.directory() + "/thresholds.json"
        try "not json".write(toFile: broken, atomically: true, encoding: .utf8)
        #expect(throws: GateInputError.self) { try calibration.write(thresholdsFile: broken) }
        #expect(try String(contentsOfFile: broken, encoding: .utf8) == "not json")
    }
}
