"""Validates scenario files against Scenarios/scenario.schema.json.

Usage: check_schema.py SCHEMA FILE...   Prints one JSON line per file: {"file", "valid", "error"}.

Reads JSON as strictly as flushbench does, so the two agree on what a valid file is: a
duplicate key, NaN or Infinity makes a file invalid (Python's json module would otherwise keep
the last duplicate and accept the constants).
"""
import json
import sys

import jsonschema


class Rejected(ValueError):
    pass


def unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise Rejected(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def no_constant(name):
    raise Rejected(f"{name} is not JSON")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle, object_pairs_hook=unique_keys, parse_constant=no_constant)


schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    try:
        document = load(path)
    except (Rejected, ValueError) as error:
        print(json.dumps({"file": path, "valid": False, "error": str(error)[:300]}))
        continue
    errors = list(validator.iter_errors(document))
    print(json.dumps({"file": path, "valid": not errors, "error": errors[0].message[:300] if errors else None}))
