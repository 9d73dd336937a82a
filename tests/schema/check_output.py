#!/usr/bin/python3
"""Validate one output of `sbx ... --json` against its schema in schema/output/.

usage: check_output.py KIND [FILE]       (FILE: default stdin)
       check_output.py --schemas         (each schema is a valid JSON Schema)

KIND is the output's kind: plan, sandboxes, sandbox, validation or review; the
schema is schema/output/KIND.schema.json. The document's own "kind" must
be KIND too. Prints `valid` (exit 0) or `invalid` and every reason (exit
1); exit 2 on a usage or internal error.

Run it with Debian's /usr/bin/python3 (python3-jsonschema).
"""

import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "..", "schema", "output")
KINDS = ("plan", "sandboxes", "sandbox", "validation", "review")


def load(kind):
    with open(os.path.join(SCHEMAS, kind + ".schema.json"), encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) == 2 and argv[1] == "--schemas":
        for kind in KINDS:
            jsonschema.Draft202012Validator.check_schema(load(kind))
        print("valid")
        return 0
    if len(argv) not in (2, 3) or argv[1] not in KINDS:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    kind = argv[1]
    if len(argv) == 3:
        with open(argv[2], "rb") as f:
            text = f.read()
    else:
        text = sys.stdin.buffer.read()
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        print("invalid")
        print("not JSON: %s" % e, file=sys.stderr)
        return 1
    # One schema may refer to another by its $id (review's files hold plans).
    store = {}
    for k in KINDS:
        s = load(k)
        store[s.get("$id", k + ".schema.json")] = s
    schema = load(kind)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    v = jsonschema.Draft202012Validator(schema, resolver=resolver)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if isinstance(doc, dict) and doc.get("kind") != kind:
        print("invalid")
        print("kind is %r, not %r" % (doc.get("kind"), kind), file=sys.stderr)
        return 1
    if errors:
        print("invalid")
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print("%s: %s" % (where, e.message), file=sys.stderr)
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # an internal error is no verdict
        print("error: %s" % e, file=sys.stderr)
        sys.exit(2)
