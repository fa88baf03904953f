"""Validates scenario files against Scenarios/scenario.schema.json.

Usage: check_schema.py SCHEMA FILE...   Prints one JSON line per file: {"file", "valid", "error"}.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in sys.argv[2:]:
    errors = list(validator.iter_errors(json.load(open(path))))
    print(json.dumps({"file": path, "valid": not errors, "error": errors[0].message[:300] if errors else None}))
