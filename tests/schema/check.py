#!/usr/bin/python3
"""Validate a sandbox.yaml against schema/sandbox.schema.json, as sbx reads it.

usage: check.py [--schema SCHEMA] FILE
       check.py --patterns CONFIG_C [--schema SCHEMA]

Prints `valid` (exit 0) or `invalid` (exit 1), the reason on stderr; exit 2
on a usage or internal error. With --patterns, checks instead that the
schema's patterns are the RE_* patterns of config.c, character for character.

The file becomes JSON data the way sbx's loader sees it (src/lib/config.c):
UTF-8 only, exactly one document, no anchors, aliases or explicit tags, keys
that are non-null scalars taken as their text, no duplicate keys, no merge
keys ('<<'), no NUL in a value. Scalars resolve by YAML 1.2's JSON schema
with ~ and the empty scalar as null: a plain true/false is a boolean, a plain
null/~/empty is null, a plain JSON number is an int (no '.', no exponent) or
a float; everything else, and every quoted or block scalar, is a string.
PyYAML's own YAML 1.1 resolver is never used: nodes are read from
yaml.compose() and resolved here.

Regular expressions follow ECMA-262, as JSON Schema says: '$' outside a
character class matches only at the end of the string (Python's '$' also
matches before a final newline).

Run it with Debian's /usr/bin/python3 (python3-yaml, python3-jsonschema).
"""

import json
import os
import re
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "schema", "sandbox.schema.json")

JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?")
MAX_DEPTH = 8  # SBX_CONFIG_MAX_DEPTH; the schema refuses anything this deep anyway

# libyaml, as sbx uses, when PyYAML was built with it.
LOADER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)  # a long run of digits is still a number


class Invalid(Exception):
    pass


def where(node_or_event):
    m = node_or_event.start_mark
    return "%d:%d" % (m.line + 1, m.column + 1)


def resolve_plain(text):
    if text in ("", "~", "null"):
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if JSON_NUMBER.fullmatch(text):
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    return text


def is_plain(node):
    return node.style in (None, "")  # the pure-Python parser says None, libyaml's ''


def to_data(node):
    if isinstance(node, yaml.ScalarNode):
        if "\0" in node.value:
            raise Invalid("%s: NUL character in a value" % where(node))
        return resolve_plain(node.value) if is_plain(node) else node.value
    if isinstance(node, yaml.SequenceNode):
        return [to_data(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or (is_plain(k) and resolve_plain(k.value) is None):
                raise Invalid("%s: keys must be non-null scalars" % where(k))
            if "\0" in k.value:
                raise Invalid("%s: NUL character in a key" % where(k))
            if k.value == "<<":
                raise Invalid("%s: merge key" % where(k))
            if k.value in out:
                raise Invalid("%s: duplicate key %r" % (where(k), k.value))
            out[k.value] = to_data(v)
        return out
    raise Invalid("unexpected node %r" % node)


def load(raw):
    """The data sbx would validate, or raise Invalid."""
    if not raw:
        raise Invalid("empty file")
    if raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") or raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        raise Invalid("UTF-16/32 byte order mark")
    if b"\0" in raw:
        raise Invalid("NUL byte")
    try:
        raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        raise Invalid("invalid UTF-8: %s" % e)
    try:
        docs = 0
        depth = 0
        for ev in yaml.parse(raw, Loader=LOADER):
            if isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise Invalid("%s: a second document" % where(ev))
            elif isinstance(ev, yaml.AliasEvent):
                raise Invalid("%s: alias" % where(ev))
            if isinstance(ev, yaml.NodeEvent) and ev.anchor is not None:
                raise Invalid("%s: anchor" % where(ev))
            if isinstance(ev, (yaml.ScalarEvent, yaml.CollectionStartEvent)) and ev.tag is not None:
                raise Invalid("%s: explicit tag %r" % (where(ev), ev.tag))
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise Invalid("%s: nesting deeper than %d" % (where(ev), MAX_DEPTH))
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
        if docs == 0:
            raise Invalid("no document")
        node = yaml.compose(raw, Loader=LOADER)
    except yaml.YAMLError as e:
        raise Invalid("syntax error: %s" % str(e).replace("\n", " "))
    if node is None:
        raise Invalid("no document")
    return to_data(node)


# ---- JSON Schema with ECMA-262 regular expressions ----


def ecma_to_python(pattern):
    """Make '$' (outside a character class) match only at the very end, as in ECMA-262."""
    out = []
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


_compiled = {}


def ecma_pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    rx = _compiled.get(pattern)
    if rx is None:
        rx = _compiled[pattern] = re.compile(ecma_to_python(pattern))
    if not rx.search(instance):
        yield jsonschema.ValidationError("%r does not match %r" % (instance, pattern))


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": ecma_pattern})


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    Validator.check_schema(schema)
    return schema


def check_file(path, schema):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        data = load(raw)
    except Invalid as e:
        return False, str(e)
    errors = sorted(Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        return False, "; ".join(
            "%s: %s" % ("/" + "/".join(str(p) for p in e.absolute_path), e.message) for e in errors
        )
    return True, ""


# ---- --patterns: the schema states config.c's patterns ----


def c_patterns(config_c):
    """RE_NAME -> the regular expression, from the #defines of config.c."""
    with open(config_c, encoding="utf-8") as f:
        src = f.read()
    out = {}
    for m in re.finditer(r"#define (RE_\w+)((?:[^\n]*\\\n)*[^\n]*)", src):
        body = m.group(2).replace("\\\n", " ")
        lits = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
        out[m.group(1)] = "".join(lit.encode("ascii").decode("unicode_escape") for lit in lits)
    return out


def check_patterns(config_c, schema):
    pats = c_patterns(config_c)
    props = schema["properties"]
    res = props["resources"]["properties"]
    memory_string = [s for s in res["memory"]["anyOf"] if s.get("type") == "string"][0]
    pairs = [
        ("RE_IMAGE", "image", props["image"]["pattern"]),
        ("RE_NAME", "name", props["name"]["pattern"]),
        ("RE_USER", "user", props["user"]["pattern"]),
        ("RE_ENV_NAME", "env names", props["env"]["propertyNames"]["pattern"]),
        ("RE_ENV_NAME", "pass_env items", props["pass_env"]["items"]["pattern"]),
        ("RE_MEMORY", "resources.memory", memory_string["pattern"]),
    ]
    bad = []
    for macro, field, pattern in pairs:
        if macro not in pats:
            bad.append("%s is not in %s" % (macro, config_c))
        elif pats[macro] != pattern:
            bad.append("%s: schema %r, config.c %s %r" % (field, pattern, macro, pats[macro]))
    return not bad, "; ".join(bad)


def main(argv):
    args = argv[1:]
    schema_path = DEFAULT_SCHEMA
    config_c = None
    files = []
    while args:
        a = args.pop(0)
        if a == "--schema" and args:
            schema_path = args.pop(0)
        elif a == "--patterns" and args:
            config_c = args.pop(0)
        elif a.startswith("-"):
            files = []
            break
        else:
            files.append(a)
    if (config_c is None) == (len(files) != 1):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    try:
        schema = load_schema(schema_path)
        if config_c is not None:
            ok, why = check_patterns(config_c, schema)
        else:
            ok, why = check_file(files[0], schema)
    except (OSError, ValueError, KeyError, IndexError, jsonschema.SchemaError) as e:
        sys.stderr.write("check.py: %s\n" % e)
        return 2
    print("valid" if ok else "invalid")
    if why:
        sys.stderr.write(why + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
