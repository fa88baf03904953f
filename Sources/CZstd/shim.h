#ifndef FLUSHBENCH_CZSTD_SHIM_H
#define FLUSHBENCH_CZSTD_SHIM_H

// libzstd (Debian libzstd-dev): page compression of the Parquet writer.
#include <zstd.h>

#endif
