#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Samples jemalloc's allocated and resident bytes every 50 ms and keeps the peaks.
final class MemorySampler: Sendable {
    private let peaks = Mutex<(allocated: UInt64, resident: UInt64)>((0, 0))

    func sample() {
        guard let now = MemoryStatistics.current() else { return }
        peaks.withLock { peaks in
            peaks.allocated = max(peaks.allocated, now.allocatedBytes)
            peaks.resident = max(peaks.resident, now.residentBytes)
        }
    }

    /// Samples until cancelled.
    func run() async {
        while !Task.isCancelled {
            sample()
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func report() -> MemoryReport {
        sample()
        let (allocated, resident) = peaks.withLock { $0 }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let processPeak = UInt64(usage.ru_maxrss) * 1024
        if resident > 0 {
            return MemoryReport(peakAllocatedBytes: allocated, peakResidentBytes: resident, source: "jemalloc",
                                processPeakRssBytes: processPeak)
        }
        return MemoryReport(peakAllocatedBytes: 0, peakResidentBytes: processPeak, source: "rusage", processPeakRssBytes: processPeak)
    }
}
