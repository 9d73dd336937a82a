#!/bin/sh
# The unit tests, the fuzz corpus replay and a few sbx runs under valgrind:
# any leak or memory error fails.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
passed=0
failed=0
run() {
	if $VG "$@" >/dev/null 2>"$BUILD/valgrind.log"; then
		rc=0
	else
		rc=$?
	fi
	if [ "$rc" -eq 99 ] || grep -q "==[0-9]*==" "$BUILD/valgrind.log"; then
		echo "FAIL valgrind: $*"
		cat "$BUILD/valgrind.log"
		failed=$((failed + 1))
	else
		echo "ok   valgrind: $* (exit $rc)"
		passed=$((passed + 1))
	fi
}
for t in "$BUILD"/tests/test_*; do
	case "$t" in *.d) continue ;; esac
	run "$t"
done
for r in "$BUILD"/tests/fuzz_*_replay; do
	target=$(basename "$r" _replay)
	run "$r" "tests/fuzz/corpus/${target#fuzz_}" examples tests/schema/valid tests/schema/invalid
done
for f in examples/*.yaml tests/schema/invalid/*.yaml; do
	[ -e "$f" ] && run ./sbx validate -q "$f"
done
run ./sbx version --json
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
