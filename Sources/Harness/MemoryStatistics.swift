import CJemalloc

/// Heap figures from jemalloc, the allocator linked into the `flushbench` executable.
public struct MemoryStatistics: Sendable, Equatable, Codable {
    /// Bytes the application has allocated and not freed (`stats.allocated`).
    public var allocatedBytes: UInt64
    /// Bytes of physical memory the allocator holds (`stats.resident`).
    public var residentBytes: UInt64

    /// Reads current figures, or `nil` when jemalloc is not the process's allocator.
    public static func current() -> MemoryStatistics? {
        guard cjemalloc_refresh_stats() == 0 else { return nil }
        var allocated = 0
        var resident = 0
        guard cjemalloc_read_size("stats.allocated", &allocated) == 0,
              cjemalloc_read_size("stats.resident", &resident) == 0 else { return nil }
        return MemoryStatistics(allocatedBytes: UInt64(allocated), residentBytes: UInt64(resident))
    }
}
