#ifndef FLUSHBENCH_ALLOCATOR_CONFIG_H
#define FLUSHBENCH_ALLOCATOR_CONFIG_H

/// The jemalloc options compiled into the flushbench executable (see allocator_config.c).
const char *_Nonnull flushbench_allocator_config(void);

#endif
