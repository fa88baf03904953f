import Simulation
import Testing

/// Seeds of `flushbench simulate --seeds 1..2000 --ops 500` that found a download racing this
/// cache's own write of the key: the download cached the attempt's torn or corrupt object before
/// its verification failed, and an upload again then acknowledged it (seed 892, shrunk: a torn
/// put, a download of the key while the put is in flight, an upload again). Replays are exact
/// on the memory store, so each seed fails the same way without the fix.
@Test("a download never caches an object this cache is still writing (seeds that found it stay clean)",
      arguments: [619, 624, 892, 1105, 1242, 1514] as [UInt64])
func aDownloadWaitsForTheCachesOwnWriteOfItsKey(seed: UInt64) async throws {
    var configuration = SimulationConfiguration(operations: 500, concurrency: 4)
    configuration.checkDescriptors = true
    let (summary, failures) = try await Sweep(configuration: configuration, shrink: false).run(seeds: seed...seed)
    #expect(failures.isEmpty, "\(summary.text())")
}
