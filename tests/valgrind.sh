#!/bin/sh
# The unit tests, the fuzz corpus replay and a few sbx runs under valgrind:
# any leak or memory error fails.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
passed=0
failed=0
# run CMD...: CMD under valgrind; any memory error or leak fails.
# want STATUS CMD...: the same, and CMD must exit STATUS (an engine path that
# stopped early would otherwise prove nothing).
run() { want any "$@"; }
want() {
	_want=$1
	shift
	if $VG "$@" >/dev/null 2>"$BUILD/valgrind.log"; then
		rc=0
	else
		rc=$?
	fi
	if [ "$rc" -eq 99 ] || grep -q "==[0-9]*==" "$BUILD/valgrind.log"; then
		echo "FAIL valgrind: $*"
		cat "$BUILD/valgrind.log"
		failed=$((failed + 1))
	elif [ "$_want" != any ] && [ "$rc" -ne "$_want" ]; then
		echo "FAIL valgrind: $* (exit $rc, expected $_want)"
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
run ./sbx validate --json --no-host examples/*.yaml tests/schema/invalid/*.yaml
run ./sbx version --json

# The engine paths: apply (create, no-op, recreate), diff, ls, inspect, stop, exec, run, rm.
T=$(mktemp -d /tmp/sbx-vg.XXXXXX)
. tests/lib/engine.sh
IMAGE="sbx-vg/busybox:$(basename "$T" | tr 'A-Z.' 'a-z-')"
vg_cleanup() {
	./sbx -C "$T/ws" rm --volumes >/dev/null 2>&1
	docker rmi -f "$IMAGE" >/dev/null 2>&1
	engine_down "$T/engine"
	rm -rf "$T"
}
trap vg_cleanup EXIT
export HOME="$T/home" XDG_STATE_HOME="$T/state"
if engine_up "$T/engine" && sbx_test_image "$T" "$IMAGE"; then
	mkdir -p "$T/ws" "$T/data" "$HOME"
	printf 'version: 1\nagent: claude\nimage: %s\ncredentials: workspace\nenv: {A: 1}\npass_env: [HOME]\nmounts: [{source: %s, target: /data, readonly: true}]\n' \
		"$IMAGE" "$T/data" >"$T/ws/sandbox.yaml"
	want 3 ./sbx -C "$T/ws" apply # not approved yet
	want 0 ./sbx -C "$T/ws" trust --yes
	want 0 ./sbx -C "$T/ws" apply   # create
	want 0 ./sbx -C "$T/ws" apply   # no-op
	want 0 ./sbx -C "$T/ws" diff --json
	want 0 ./sbx -C "$T/ws" ls
	want 0 ./sbx -C "$T/ws" ls --json
	want 0 ./sbx -C "$T/ws" inspect
	want 0 ./sbx -C "$T/ws" inspect --json
	want 0 ./sbx -C "$T/ws" stop
	want 0 ./sbx -C "$T/ws" apply   # start
	want 42 ./sbx -C "$T/ws" exec -- sh -c 'echo out; echo err >&2; exit 42'
	want 0 ./sbx -C "$T/ws" exec -i -- cat <"$ROOT/README.md"
	want 127 ./sbx -C "$T/ws" exec -- no-such-command
	want 127 ./sbx -C "$T/ws" run </dev/null  # the agent's default command: not in the image
	sed -i 's/A: 1/A: 2/' "$T/ws/sandbox.yaml"
	want 0 ./sbx -C "$T/ws" trust --yes
	want 2 ./sbx -C "$T/ws" diff --exit-code
	want 2 ./sbx -C "$T/ws" apply --dry-run --json --exit-code
	want 0 ./sbx -C "$T/ws" validate --json
	want 0 ./sbx -C "$T/ws" apply   # recreate, installed state kept
	want 0 ./sbx -C "$T/ws" apply --recreate
	want 1 ./sbx -C "$T/ws" adopt   # it has its sandbox: nothing to adopt
	mv "$T/ws" "$T/ws-moved"
	want 0 ./sbx -C "$T/ws-moved" trust --yes
	want 0 ./sbx -C "$T/ws-moved" adopt
	mv "$T/ws-moved" "$T/ws"
	want 0 ./sbx -C "$T/ws" adopt
	want 0 ./sbx -C "$T/ws" rm --volumes
else
	echo "FAIL valgrind: no engine for the engine paths"
	failed=$((failed + 1))
fi
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
