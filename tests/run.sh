#!/bin/sh
# The whole test run: unit tests (cmocka), the fuzz corpora replayed, the shell
# test harness's self-test, the layering rules on the sources, the command-line
# tests against the built binary, the schema agreement, the review of sandbox.yaml
# at git revisions, the shell completions and man pages, and the integration tests
# against a real Docker engine (exec, run and shell, and the fault matrix: suites
# of their own).
# usage: tests/run.sh BUILD_DIR SBX_BINARY
set -u
BUILD=${1:-build}
SBX=${2:-./sbx}
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Each suite prints its own results; the counts are summed from its closing line:
# cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)", or "N passed, M failed".
suite() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	if [ -z "$p" ]; then
		p=$(sed -n 's/^.*[^0-9]\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^.*[^0-9]\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\2/p' "$log" | tail -n 1)
	fi
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # a crash or a harness failure counts as a failure
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$BUILD"/tests/test_*; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	# a binary left in the build directory by a test whose source is gone is not a test
	[ -f "tests/unit/$(basename "$t").c" ] || continue
	suite "unit: $(basename "$t")" "$t"
done
for r in "$BUILD"/tests/fuzz_*_replay; do
	[ -x "$r" ] || continue
	target=$(basename "$r" _replay)
	target=${target#fuzz_}
	suite "fuzz replay: $target" "$r" "tests/fuzz/corpus/$target" examples tests/schema/valid \
		tests/schema/invalid
done
suite "harness self-test" sh tests/harness/selftest.sh
suite "deps (make deps's decisions)" sh tests/deps/run.sh
suite "layering (who may include and call what)" sh tests/layering/run.sh
suite "cli" sh tests/cli/run.sh "$SBX"
suite "review (diff --base: git revisions, no engine)" sh tests/review/run.sh "$SBX"
suite "schema agreement" sh tests/schema/run.sh "$SBX"
suite "completions and man pages" sh tests/tooling/run.sh "$SBX"
suite "integration (a real Docker engine)" sh tests/integration/run.sh "$SBX"
suite "exec, run and shell (a real Docker engine, a terminal in tmux)" sh tests/integration/exec.sh "$SBX"
suite "faults (SIGKILL, SIGINT, the engine killed at each request of a recreate)" sh tests/integration/faults.sh "$SBX"

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
