#ifndef FLUSHBENCH_CJEMALLOC_SHIM_H
#define FLUSHBENCH_CJEMALLOC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <jemalloc/jemalloc.h>

/// Bumps jemalloc's statistics epoch so the next reads are fresh. Returns 0 on success.
static inline int cjemalloc_refresh_stats(void) {
    uint64_t epoch = 1;
    size_t size = sizeof(epoch);
    return mallctl("epoch", &epoch, &size, &epoch, size);
}

/// Reads a size_t statistic such as "stats.allocated" or "stats.resident". Returns 0 on success.
static inline int cjemalloc_read_size(const char *_Nonnull name, size_t *_Nonnull value) {
    size_t size = sizeof(*value);
    return mallctl(name, value, &size, NULL, 0);
}

#endif
