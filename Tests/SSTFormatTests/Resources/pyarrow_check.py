"""Reads a Parquet file with pyarrow and compares it with the raw columns it was written from.

Usage: pyarrow_check.py FILE.parquet RAW_DIR
Prints one JSON object: pyarrow's view of the footer (schema, row groups, statistics, key-value
metadata), whether every column's values equal the raw columns, and for every column chunk
whether its statistics equal pyarrow's own min/max/null count of the row group's values.
"""
import json
import struct
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def load_expected(raw_dir):
    with open(f"{raw_dir}/columns.json") as f:
        desc = json.load(f)
    rows = desc["rows"]
    arrays = {}
    for i, col in enumerate(desc["columns"]):
        kind = col["kind"]
        base = f"{raw_dir}/c{i}"
        if kind == "string":
            data = open(base + ".dict", "rb").read()
            values, pos = [], 0
            while pos < len(data):
                (n,) = struct.unpack_from("<I", data, pos)
                values.append(data[pos + 4 : pos + 4 + n].decode("utf-8"))
                pos += 4 + n
            indices = np.fromfile(base + ".indices", dtype="<u4")
            arr = pa.array(values, pa.string()).take(pa.array(indices, pa.uint32()))
            try:
                valid = np.fromfile(base + ".valid", dtype="u1") != 0
                arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.string()))
            except FileNotFoundError:
                pass
        else:
            dtype = {"timestampMillis": "<i8", "int64": "<i8", "uint64": "<u8", "uint8": "u1", "double": "<f8"}[kind]
            values = np.fromfile(base + ".values", dtype=dtype)
            mask = None
            try:
                mask = np.fromfile(base + ".valid", dtype="u1") == 0
            except FileNotFoundError:
                pass
            arr = pa.array(values, mask=mask)
            if kind == "timestampMillis":
                arr = arr.cast(pa.timestamp("ms"))
        assert len(arr) == rows, (col["name"], len(arr), rows)
        arrays[col["name"]] = arr
    return rows, arrays


def scalar_text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def main():
    path, raw_dir = sys.argv[1], sys.argv[2]
    rows, expected = load_expected(raw_dir)
    pf = pq.ParquetFile(path)
    md = pf.metadata
    table = pf.read()
    out = {
        "num_rows": md.num_rows,
        "num_row_groups": md.num_row_groups,
        "created_by": md.created_by,
        "metadata": {k.decode(): v.decode() for k, v in (md.metadata or {}).items()},
        "schema": [],
        "arrow_types": {f.name: str(f.type) for f in table.schema},
        "values_equal": {},
        "first_mismatch": {},
        "row_groups": [],
    }
    for i in range(md.num_columns):
        c = md.schema.column(i)
        out["schema"].append({
            "name": c.name,
            "physical_type": c.physical_type,
            "logical_type": str(c.logical_type),
            "converted_type": c.converted_type,
            "max_definition_level": c.max_definition_level,
        })
    for name, exp in expected.items():
        got = table.column(name).combine_chunks() if table.num_rows else pa.array([], exp.type)
        if got.type == exp.type and pa.types.is_floating(exp.type):
            # Bit-exact, so NaN equals NaN and -0.0 differs from +0.0.
            equal = got.view(pa.int64()).equals(exp.view(pa.int64()))
        else:
            equal = got.type == exp.type and got.equals(exp)
        out["values_equal"][name] = equal
        if not equal:
            if got.type != exp.type:
                out["first_mismatch"][name] = f"type {got.type} != {exp.type}"
            else:
                diff = pc.fill_null(pc.not_equal(got, exp), True)
                idx = int(np.argmax(diff.to_numpy(zero_copy_only=False)))
                out["first_mismatch"][name] = f"row {idx}: {got[idx]} != {exp[idx]}"
    offset = 0
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        group = {"num_rows": rg.num_rows, "total_byte_size": rg.total_byte_size, "columns": []}
        for i in range(rg.num_columns):
            cc = rg.column(i)
            name = cc.path_in_schema
            values = table.column(name).slice(offset, rg.num_rows)
            computed = pc.min_max(values)
            cmin, cmax = computed["min"].as_py(), computed["max"].as_py()
            cnulls = values.null_count
            st = cc.statistics
            entry = {
                "path": name,
                "num_values": cc.num_values,
                "encodings": list(cc.encodings),
                "compression": cc.compression,
                "data_page_offset": cc.data_page_offset,
                "dictionary_page_offset": cc.dictionary_page_offset if cc.has_dictionary_page else None,
                "total_compressed_size": cc.total_compressed_size,
                "total_uncompressed_size": cc.total_uncompressed_size,
                "has_statistics": st is not None,
                "has_min_max": bool(st is not None and st.has_min_max),
                "null_count": st.null_count if st is not None and st.has_null_count else None,
                "min": scalar_text(st.min_raw) if st is not None and st.has_min_max else None,
                "max": scalar_text(st.max_raw) if st is not None and st.has_min_max else None,
                "computed_null_count": cnulls,
            }
            if st is not None and st.has_min_max:
                entry["stats_match"] = st.min == cmin and st.max == cmax and st.null_count == cnulls
            else:
                entry["stats_match"] = cmin is None and st is not None and st.null_count == cnulls
            group["columns"].append(entry)
        offset += rg.num_rows
        out["row_groups"].append(group)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
