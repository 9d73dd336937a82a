#!/bin/sh
# The schema agreement test: schema/sandbox.schema.json and sbx's loader must
# say the same of every file. examples/*.yaml and tests/schema/valid/*.yaml
# must be valid, tests/schema/invalid/*.yaml invalid (one problem each, named
# for it), both by the schema (check.py) and by `sbx validate -q --no-host`
# (exit 0 or 65: the language, not what this host has at the mount sources).
# A first check compares the schema's patterns with config.c's. And `sbx
# validate --json` of each file must be valid by schema/output/
# validation.schema.json (check_output.py) and say the same of the file.
# usage: tests/schema/run.sh [SBX]   (default: $SBX, else ./sbx)
#        PYTHON=... overrides /usr/bin/python3 (it needs python3-yaml and
#        python3-jsonschema, Debian's packages)
set -u
SBX=${1:-${SBX:-./sbx}}
PYTHON=${PYTHON:-/usr/bin/python3}
# A path to the binary is taken from where we were started; a bare name from $PATH.
case "$SBX" in
/*) ;;
*/*) SBX="$(pwd)/$SBX" ;;
esac
cd "$(dirname "$0")/../.." || exit 1

CHECK=tests/schema/check.py
T=$(mktemp -d /tmp/sbx-schema.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

passed=0
failed=0

indent() {
	sed 's/^/    /' "$1" | head -n 20
}

if ! "$PYTHON" -c 'import yaml, jsonschema' 2>"$T/err"; then
	echo "FAIL $PYTHON lacks python3-yaml or python3-jsonschema:"
	indent "$T/err"
	echo "schema agreement: 0 passed, 1 failed"
	exit 1
fi

if out=$("$PYTHON" "$CHECK" --patterns src/lib/config.c 2>"$T/err") && [ "$out" = valid ]; then
	echo "ok   patterns: the schema's are config.c's"
	passed=$((passed + 1))
else
	echo "FAIL patterns: the schema's differ from config.c's"
	indent "$T/err"
	failed=$((failed + 1))
fi

CHECK_OUT=tests/schema/check_output.py
# pass NAME / flunk NAME [FILE...]: count a check, showing FILEs on failure
pass() {
	echo "ok   $1"
	passed=$((passed + 1))
}
flunk() {
	echo "FAIL $1"
	shift
	for _f in "$@"; do [ -s "$_f" ] && indent "$_f"; done
	failed=$((failed + 1))
}

if [ "$("$PYTHON" "$CHECK_OUT" --schemas 2>"$T/err")" = valid ]; then
	pass "schema/output/*.schema.json are JSON Schemas (2020-12)"
else
	flunk "schema/output/*.schema.json are not all valid JSON Schemas" "$T/err"
fi

# The output schemas can fail: a line as a string, a kind that is not the schema's.
printf '%s' '{"format_version": 1, "kind": "validation", "valid": false, "host_checked": false, "files": [{"path": "x", "valid": false, "agent": null, "image": null, "problems": [{"code": "invalid", "file": "x", "line": "2", "col": 1, "message": "m", "hint": null}]}]}' >"$T/bad.json"
if [ "$("$PYTHON" "$CHECK_OUT" validation "$T/bad.json" 2>"$T/err")" = invalid ] &&
	grep -q "line: '2' is not of type" "$T/err" &&
	[ "$("$PYTHON" "$CHECK_OUT" plan "$T/bad.json" 2>/dev/null)" = invalid ]; then
	pass "check_output.py refuses a line that is a string, and another kind"
else
	flunk "check_output.py accepted a broken validation output" "$T/err"
fi

# validate --json of every file, one object: by its schema, each file's verdict the expected one.
# json_check WANT FILE...
json_check() {
	want=$1
	shift
	"$SBX" validate --json --no-host "$@" >"$T/json" 2>"$T/json-err"
	rc=$?
	verdict=$("$PYTHON" "$CHECK_OUT" validation "$T/json" 2>"$T/schema")
	wrong=$("$PYTHON" -c '
import json, sys
want = sys.argv[2] == "valid"
doc = json.load(open(sys.argv[1]))
for f in doc["files"]:
    if f["valid"] != want or (not want and not all(p["line"] and p["message"] for p in f["problems"] if p["code"] == "invalid")):
        print(f["path"])
' "$T/json" "$want" 2>&1)
	n_files=$(grep -c '"path":' "$T/json")
	want_rc=0
	[ "$want" = valid ] || want_rc=65
	if [ "$verdict" = valid ] && [ -z "$wrong" ] && [ ! -s "$T/json-err" ] && [ "$n_files" -eq $# ] &&
		[ $rc -eq $want_rc ]; then
		pass "validate --json of the $# $want files: by validation.schema.json, each $want, exit $rc"
	else
		echo "  schema: $verdict; exit $rc; files: $n_files of $#; wrong verdict or position: $wrong" >"$T/why"
		flunk "validate --json of the $want files" "$T/why" "$T/schema" "$T/json-err"
	fi
}

# check FILE EXPECTED
check() {
	f=$1
	want=$2
	schema=$("$PYTHON" "$CHECK" "$f" 2>"$T/schema")
	case "$schema" in valid | invalid) ;; *) schema="error" ;; esac
	"$SBX" validate -q --no-host "$f" >"$T/sbx" 2>&1
	rc=$?
	case $rc in
	0) sbx=valid ;;
	65) sbx=invalid ;;
	*) sbx="error (exit $rc)" ;;
	esac
	if [ "$schema" = "$want" ] && [ "$sbx" = "$want" ]; then
		if [ "$want" = invalid ]; then
			# The first problem sbx saw, to show that it is the one the file is named for.
			printf '%s\n' "ok   $f: invalid: $(sed -n '1s/^[^:]*:[0-9]*:[0-9]*: //p' "$T/sbx" | cut -c 1-110)"
		else
			echo "ok   $f: valid"
		fi
		passed=$((passed + 1))
	else
		echo "FAIL $f: expected $want; schema says $schema, sbx says $sbx"
		[ -s "$T/schema" ] && echo "  schema:" && indent "$T/schema"
		[ -s "$T/sbx" ] && echo "  sbx:" && indent "$T/sbx"
		failed=$((failed + 1))
	fi
}

n=0
for f in examples/*.yaml tests/schema/valid/*.yaml; do
	[ -e "$f" ] || continue
	check "$f" valid
	n=$((n + 1))
done
for f in tests/schema/invalid/*.yaml; do
	[ -e "$f" ] || continue
	check "$f" invalid
	n=$((n + 1))
done
set -- examples/*.yaml tests/schema/valid/*.yaml
[ -e "$1" ] && json_check valid "$@"
set -- tests/schema/invalid/*.yaml
[ -e "$1" ] && json_check invalid "$@"

if [ "$n" -eq 0 ]; then
	echo "FAIL no files to check"
	failed=$((failed + 1))
fi

echo "schema agreement: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
