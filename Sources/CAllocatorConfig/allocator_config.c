#include "allocator_config.h"

// jemalloc reads this symbol from the executable when it starts, before main.
//
// oversize_threshold:0 keeps large allocations in the ordinary arenas: by default every
// allocation of 8 MiB or more goes to an arena that returns its pages to the kernel at once,
// so each new part or range buffer of a transfer is faulted in and zeroed page by page again
// (measured: 135,000 page faults and twice the CPU time of curl for a 512 MiB download,
// against 39,000 with this option). The usual decay still returns idle memory after seconds.
const char *malloc_conf = "oversize_threshold:0";

const char *flushbench_allocator_config(void) {
    return malloc_conf;
}
