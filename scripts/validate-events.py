"""Validates event files against the JSON Schemas in streams/schemas (jsonschema, draft 2020-12).

Usage: python3 scripts/validate-events.py SCHEMA_NAME FILE [FILE ...]
  SCHEMA_NAME is a file name in streams/schemas, e.g. request.schema.json.
Prints one JSON line per file: {"file": ..., "valid": true|false, "error": "..."}; exits 0 unless it could not run.
Needs: pip install jsonschema (the Debian image has it).
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "streams" / "schemas"


def main() -> None:
    registry = Registry()
    schemas = {}
    for path in SCHEMAS.glob("*.schema.json"):
        contents = json.loads(path.read_text())
        Draft202012Validator.check_schema(contents)
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
        schemas[path.name] = contents
    validator = Draft202012Validator(schemas[sys.argv[1]], registry=registry)
    for name in sys.argv[2:]:
        instance = json.loads(pathlib.Path(name).read_text())
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        print(json.dumps({"file": name, "valid": not errors, "error": errors[0].message if errors else None}))


if __name__ == "__main__":
    main()
