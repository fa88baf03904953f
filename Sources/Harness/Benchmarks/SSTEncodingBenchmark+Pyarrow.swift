extension SSTEncodingBenchmark {
    /// The pyarrow side: loads the raw columns (not timed), builds the table with the same
    /// schema (required columns, the tag as a dictionary or as plain strings), then times
    /// `pyarrow.parquet.write_table` with the same row-group size, dictionary encoding for the
    /// tag only, no compression or the same zstd level as ours. Prints a ``WorkerResult`` as JSON.
    static let pyarrowScript = #"""
import json, os, struct, sys, time
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

raw, out, tag_mode, row_group_size, level = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
with open(f"{raw}/columns.json") as f:
    desc = json.load(f)
arrays, fields = [], []
for i, col in enumerate(desc["columns"]):
    base, kind = f"{raw}/c{i}", col["kind"]
    if kind == "string":
        data = open(base + ".dict", "rb").read()
        values, pos = [], 0
        while pos < len(data):
            (n,) = struct.unpack_from("<I", data, pos)
            values.append(data[pos + 4:pos + 4 + n].decode())
            pos += 4 + n
        indices = pa.array(np.fromfile(base + ".indices", dtype="<u4").astype(np.int32))
        arr = pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string()))
        if tag_mode == "string":
            arr = arr.cast(pa.string())
    else:
        dtype = {"timestampMillis": "<i8", "int64": "<i8", "uint64": "<u8", "uint8": "u1", "double": "<f8"}[kind]
        arr = pa.array(np.fromfile(base + ".values", dtype=dtype))
        if kind == "timestampMillis":
            arr = arr.cast(pa.timestamp("ms"))
    arrays.append(arr)
    fields.append(pa.field(col["name"], arr.type, nullable=col["nullable"]))
table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
tags = [c["name"] for c in desc["columns"] if c["kind"] == "string"]
start = time.perf_counter()
if level == "none":
    pq.write_table(table, out, row_group_size=row_group_size, compression="none", use_dictionary=tags)
else:
    pq.write_table(table, out, row_group_size=row_group_size, compression="zstd", compression_level=int(level), use_dictionary=tags)
seconds = time.perf_counter() - start
print(json.dumps({"rows": table.num_rows, "seconds": seconds, "bytes": os.path.getsize(out)}))
"""#
}
