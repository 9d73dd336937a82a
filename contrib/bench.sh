#!/bin/sh
# make bench: how close sbx comes to the engine's own speed. On an engine
# (the reachable one, or a private dockerd), with a workspace on a local
# busybox image, it times N runs each of:
#   docker inspect NAME         the engine's floor for "look at one container"
#   sbx apply (no changes)      load + plan + one list call
#   sbx diff  (no changes)
#   sbx apply (resource change) an in-place update
#   sbx apply/diff (no changes) again, with the git identity (the default) of a
#                               repository and a ~/.gitconfig
# and prints the mean milliseconds per run and the engine requests of a
# no-op apply. No thresholds: figures to compare across changes.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SBX="$ROOT/sbx"
N=${N:-30}
T=$(mktemp -d /tmp/sbx-bench.XXXXXX)
IMAGE="sbx-bench/busybox:1"
. "$ROOT/tests/lib/engine.sh"
cleanup() {
	"$SBX" -C "$T/ws" rm >/dev/null 2>&1 || true
	"$SBX" -C "$T/ws-git" rm >/dev/null 2>&1 || true
	docker rmi -f "$IMAGE" >/dev/null 2>&1 || true
	engine_down "$T/engine"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export HOME="$T/home" XDG_STATE_HOME="$T/state"
mkdir -p "$HOME" "$T/ws"
engine_up "$T/engine"
sbx_test_image "$T" "$IMAGE"
printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\ngit_identity: false\nresources: {pids: 1000}\n' \
	"$IMAGE" >"$T/ws/sandbox.yaml"
"$SBX" -C "$T/ws" apply >/dev/null
name=$("$SBX" -C "$T/ws" inspect --json | jq -r .name)

now_ms() { date +%s%3N; }
bench() {
	label=$1
	shift
	start=$(now_ms)
	i=0
	while [ $i -lt "$N" ]; do
		"$@" >/dev/null
		i=$((i + 1))
	done
	end=$(now_ms)
	awk -v l="$label" -v t="$((end - start))" -v n="$N" \
		'BEGIN { printf "%-34s %8.1f ms/run  (%d runs)\n", l, t / n, n }'
}
bench "docker inspect (engine floor)" docker inspect "$name"
bench "sbx apply, nothing to do" "$SBX" -C "$T/ws" apply
bench "sbx diff, nothing to do" "$SBX" -C "$T/ws" diff
pids=1000
flip() {
	pids=$((pids + 1))
	sed -i "s/pids: [0-9]*/pids: $pids/" "$T/ws/sandbox.yaml"
	"$SBX" -C "$T/ws" apply
}
bench "sbx apply, in-place update" flip
reqs=$(SBX_TRACE=1 "$SBX" -C "$T/ws" apply 2>&1 >/dev/null | grep -c 'engine request')
# After in-place updates the label keeps the creation-time limits, so one inspect is added.
echo "engine requests of a no-op apply after in-place updates: $reqs (ping, list, inspect, the image)"
mkdir -p "$T/ws-git" && git -C "$T/ws-git" init -q
printf '[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n[core]\n\teditor = vi\n' \
	>"$HOME/.gitconfig"
printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\nresources: {pids: 1000}\n' \
	"$IMAGE" >"$T/ws-git/sandbox.yaml"
"$SBX" -C "$T/ws-git" apply >/dev/null
bench "sbx apply, nothing to do, git id" "$SBX" -C "$T/ws-git" apply
bench "sbx diff, nothing to do, git id" "$SBX" -C "$T/ws-git" diff
