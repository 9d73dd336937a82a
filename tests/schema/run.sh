#!/bin/sh
# The schema agreement test: schema/sandbox.schema.json and sbx's loader must
# say the same of every file. examples/*.yaml and tests/schema/valid/*.yaml
# must be valid, tests/schema/invalid/*.yaml invalid (one problem each, named
# for it), both by the schema (check.py) and by `sbx validate -q --no-host`
# (exit 0 or 65: the language, not what this host has at the mount sources).
# A first check compares the schema's patterns with config.c's.
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
if [ "$n" -eq 0 ]; then
	echo "FAIL no files to check"
	failed=$((failed + 1))
fi

echo "schema agreement: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
