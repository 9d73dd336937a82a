#!/bin/sh
# Fault injection: a recreate (an env change on a sandbox with an installed
# file: snapshot, create beside, stop, rename, start, remove the old one) with
# one of its engine requests held by a proxy (tests/lib/hold_proxy.py), before
# the engine got it or after the engine answered it, and while it is held:
#   - sbx gets SIGKILL,
#   - sbx gets SIGINT (the step finishes, the apply is undone: exit 130),
#   - the engine is killed (SIGKILL), the request dropped; the engine is
#     started again once sbx gave up. Where the request changes something
#     (POST, DELETE), the engine is also killed at work on it: held after it
#     was forwarded, before its answer.
# Each point ends, after one more apply without the proxy, in exactly one
# running sandbox with the installed file and the new env, and a second apply
# has nothing to do; all of it checked through the engine's own answers.
#
# Always a private dockerd of its own (it is killed), with its own bridge.
# Every point runs with SBX_TEST_LONG=1 (CI's first make test); otherwise a
# sample: every 6th point, and every fault at the renames and the start.
# usage: tests/integration/faults.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-faults.XXXXXX)
T=$(cd "$T" && pwd -P)
export HOME="$T/home"
export XDG_STATE_HOME="$T/state"
mkdir -p "$HOME"
unset NO_COLOR GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL EMAIL \
	DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH SBX_TRACE
IMAGE="sbx-faults/busybox:$(basename "$T" | tr 'A-Z.' 'a-z-')"

OUT="$T/out"
ERR="$T/err"

. "$ROOT/tests/lib/engine.sh"
. "$ROOT/tests/lib/harness.sh"

PROXY=""
cleanup() {
	t_aborted faults
	[ -z "$PROXY" ] || kill "$PROXY" 2>/dev/null
	# the engine is this suite's own: its containers and images go with its directories
	engine_down "$T/engine"
	# and the shims an engine killed at work on a start left (the restarted one never
	# ends them): each names its containerd's socket, under $T (/proc read: no procps)
	for _p in $(pids_with containerd-shim "-address" "$T/engine/"); do kill -9 "$_p" 2>/dev/null; done
	rm -rf "$T" 2>/dev/null
}
trap cleanup EXIT INT TERM

if ! engine_up "$T/engine" private; then
	echo "FAIL no private engine (in CI nothing skips)"
	echo "faults: 0 passed, 1 failed"
	exit 1
fi
SOCKET=${DOCKER_HOST#unix://}
if ! sbx_test_image "$T" "$IMAGE"; then
	echo "FAIL cannot make the test image"
	echo "faults: 0 passed, 1 failed"
	exit 1
fi

RUN_TIMEOUT=60
WS="$T/ws"
containers_of() { docker ps -aq --no-trunc --filter "label=dev.sbx.workspace=$1"; }
ins() { docker inspect -f "$2" "$1"; }
# the workspace's sandbox.yaml, env V set to $1
workspace_v() {
	mkdir -p "$WS" &&
		printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\nenv: {V: %s}\n' "$IMAGE" "$1" \
			>"$WS/sandbox.yaml"
}

# proxy_up [K MODE]: the hold proxy in front of the engine on $T/proxy/sock, holding request K
# (MODE before|after); its pid in $PROXY
proxy_up() {
	rm -rf "$T/proxy" && mkdir -p "$T/proxy" || return 1
	python3 "$ROOT/tests/lib/hold_proxy.py" "$T/proxy/sock" "$SOCKET" "$T/proxy" "$@" \
		2>"$T/proxy/stderr" &
	PROXY=$!
	_i=0
	while [ ! -e "$T/proxy/ready" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] && kill -0 "$PROXY" 2>/dev/null ||
			{ fail "the proxy did not come up: $(cat "$T/proxy/stderr")"; return 1; }
		sleep 0.05
	done
}
proxy_down() {
	[ -z "$PROXY" ] || { kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; }
	PROXY=""
}
# request_of LOG K: the proxy's request K, its ids and names in words:
# "POST /containers/(new)/start", "GET /images/(snapshot)/json"
request_of() {
	_old=$(sed -n 's|^[0-9]* GET /v[0-9.]*/containers/\([0-9a-f]\{64\}\)/json$|\1|p' "$1" | head -n 1)
	sed -n "s|^$2 \([A-Z]*\) \(/v[0-9.]*\)\{0,1\}\(/[^?]*\).*|\1 \3|p" "$1" |
		sed -e "s|/containers/${_old:-x}|/containers/(old)|" -e 's|/containers/[0-9a-f]\{64\}|/containers/(new)|' \
			-e 's|/images/sha256%3A[0-9a-f]*|/images/(an id)|' -e 's|/images/sbx-snapshot%3A[^/]*|/images/(snapshot)|' \
			-e "s|/images/$(echo "$IMAGE" | sed 's|/|%2F|g; s|:|%3A|g')/|/images/(the image)/|"
}

# release drop|pass: the held request dropped or let through (the file whole at once)
release() { echo "$1" >"$T/proxy/release.tmp" && mv "$T/proxy/release.tmp" "$T/proxy/release"; }

# caught: sbx's handler has recorded the SIGINT (it says so at once), so that the held
# answer reaches it after the signal, not before
caught() {
	_i=0
	until grep -q "^sbx: interrupted" "$T/fault.err"; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { fail "sbx never said it was interrupted"; return 1; }
		sleep 0.02
	done
}

# fault KIND K MODE: the recreate that the next value of V asks for, through the proxy,
# its request K held MODE (before: the engine has not got it; after: the engine answered,
# the answer not passed on); while it is held, KIND: kill (SIGKILL to sbx), int (SIGINT to
# sbx), engine (the engine killed). Then the hold ends: the request goes on for int, is
# dropped (the connection closed) for kill and engine; a killed engine is started again
# once sbx ended. sbx's exit status in $frc, its output in $T/fault.out and
# $T/fault.err, the held request in $fheld.
V=0
fault() {
	_kind=$1 _k=$2 _mode=$3 fheld="" frc=""
	V=$((V + 1))
	workspace_v "$V" && proxy_up "$_k" "$_mode" || return 1
	env --default-signal=INT DOCKER_HOST="unix://$T/proxy/sock" SBX_TRACE=1 "$SBX" -C "$WS" apply --yes \
		>"$T/fault.out" 2>"$T/fault.err" &
	_sp=$!
	_i=0
	while [ ! -e "$T/proxy/held" ]; do
		_i=$((_i + 1))
		if ! kill -0 "$_sp" 2>/dev/null || [ $_i -gt 600 ]; then
			kill -9 "$_sp" 2>/dev/null
			wait "$_sp"
			frc=$?
			proxy_down
			fail "request $_k was never held: sbx ended first (exit $frc) or took over 30 s"
			return 1
		fi
		sleep 0.05
	done
	fheld=$(request_of "$T/proxy/log" "$_k")
	case $_kind in
	kill) kill -9 "$_sp" && release drop ;;
	int) kill -INT "$_sp" && caught && release pass ;;
	engine) engine_crash "$T/engine" && release drop ;;
	esac || {
		kill -9 "$_sp" 2>/dev/null
		proxy_down
		[ "$_kind" != engine ] || engine_restart "$T/engine"
		fail "the fault ($_kind) could not be made"
		return 1
	}
	# sbx ends on its own within 60 s, whatever happened to the engine
	_i=0 _hung=""
	while kill -0 "$_sp" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 1200 ]; then
			kill -9 "$_sp"
			_hung=1
			break
		fi
		sleep 0.05
	done
	wait "$_sp"
	frc=$?
	proxy_down
	# the engine back only once sbx gave up on it (or hung: the next points need it)
	if [ "$_kind" = engine ]; then
		engine_restart "$T/engine" || { fail "the engine did not come back"; return 1; }
	fi
	[ -z "$_hung" ] || fail "sbx hung after the fault ($_kind at request $_k, $fheld): killed after 60 s"
}

# settled: one more apply (no proxy, no fault) leaves exactly one container for the
# workspace, running, with the installed file and the env V the file asks for, and one
# snapshot image (at most $SNAP_MAX); a second apply has nothing to do
#
# KNOWN, left as it is: an apply stopped after it removed the old container, in its
# sweep of the snapshots (SIGKILL, SIGINT: a read cut off, the engine gone), leaves
# the old snapshot; the next apply has nothing to change and looks at no image (an
# apply with nothing to do costs three requests), so the leftover stays until the next
# recreate, sbx rm or sbx prune. Those points allow two, and sbx prune removes it.
SNAP_MAX=1
snapshots() { docker images -q --no-trunc --filter "label=dev.sbx.workspace=$WS" | sort -u | grep -c . || :; }
settled() {
	SBX_TRACE=1 run 0 "$SBX" -C "$WS" apply &&
		_ids=$(containers_of "$WS") &&
		eq "$(echo "$_ids" | grep -c .)" 1 "the workspace's containers after one more apply" &&
		eq "$(ins "$_ids" '{{.State.Running}}')" true "running" &&
		eq "$(docker exec "$_ids" cat /root/installed)" kept "the installed file" &&
		eq "$(docker exec "$_ids" sh -c 'echo $V')" "$V" "the env" &&
		_snaps=$(snapshots) &&
		{ [ "$_snaps" -ge 1 ] && [ "$_snaps" -le "$SNAP_MAX" ] ||
			fail "the workspace's snapshot images: $_snaps, expected 1 to $SNAP_MAX"; } &&
		{ [ "$_snaps" -eq 1 ] || { run 0 "$SBX" prune --yes && eq "$(snapshots)" 1 "snapshot images after sbx prune"; }; } &&
		run 0 "$SBX" -C "$WS" apply && out_has "^No changes"
}

# what the faulted apply said and sent, for a check that failed
fault_said() {
	echo "the faulted apply (exit ${frc:-?}, request held: ${fheld:-?}):"
	sed 's/^/    | /' "$T/fault.out" "$T/fault.err" 2>/dev/null | tail -n 40
	echo "  the workspace's images now (id, tags, created), and what its containers run:"
	docker images -a --no-trunc --filter "label=dev.sbx.workspace=$WS" \
		--format '    | {{.ID}} {{.Repository}}:{{.Tag}} {{.CreatedAt}}' | sort -u
	for _c in $(containers_of "$WS"); do echo "    | $(ins "$_c" '{{.Name}} {{.Image}} {{.State.Status}}')"; done
	echo "  the proxy's log:"
	sed 's/^/    | /' "$T/proxy.log" 2>/dev/null | tail -n 60
	return 1
}

# baseline: what each point starts from, made again after a point that failed (so that
# the next one is not failed by what it left): one container for the workspace,
# running, with the installed file
baseline() {
	_ids=$(containers_of "$WS")
	[ "$(echo "$_ids" | grep -c .)" = 1 ] && [ "$(ins "$_ids" '{{.State.Running}}')" = true ] &&
		[ "$(docker exec "$_ids" cat /root/installed 2>/dev/null)" = kept ] && return 0
	echo "(the workspace's sandbox made again first: what an earlier point left is not this one's)"
	for _c in $_ids; do docker rm -f "$_c" >/dev/null || return 1; done
	"$SBX" -C "$WS" apply >/dev/null 2>&1 &&
		docker exec "$(containers_of "$WS")" sh -c 'echo kept > /root/installed'
}

# point KIND K MODE: the fault, what sbx did about it, then settled
point() {
	SNAP_MAX=1 && { [ "$2" -lt "$COMMIT_K" ] || SNAP_MAX=2; } &&
		rm -f "$T/proxy.log" && baseline &&
		{ fault "$@" && cp "$T/proxy/log" "$T/proxy.log" && faulted "$@" && settled || fault_said; }
}

# faulted KIND K MODE: sbx's exit and the engine's state right after the fault
faulted() {
	case $1 in
	kill)
		eq "$frc" 137 "sbx's exit status (SIGKILL)"
		;;
	int)
		# SIGINT before the last step's end: the step finishes, the apply is undone, 130;
		# from the old container's removal on (the recreate done) the apply completes, 0
		if [ "$2" -lt "$COMMIT_K" ]; then
			eq "$frc" 130 "sbx's exit status (SIGINT at $fheld)" &&
				{ grep -q "interrupted (SIGINT)" "$T/fault.err" || fail "no 'interrupted (SIGINT)'"; }
		else
			eq "$frc" 0 "sbx's exit status (SIGINT at $fheld, past the last step)"
		fi &&
			_ids=$(containers_of "$WS") &&
			eq "$(echo "$_ids" | grep -c .)" 1 "the workspace's containers right after SIGINT" &&
			eq "$(ins "$_ids" '{{.State.Running}}')" true "running right after SIGINT" &&
			eq "$(docker exec "$_ids" cat /root/installed)" kept "the installed file right after SIGINT"
		;;
	engine)
		# the engine gone mid-request: sbx says so and exits non-zero, unless the
		# request was past the last step (the old container's removal, the snapshot
		# sweep: a warning, exit 0)
		if [ "$2" -lt "$COMMIT_K" ]; then
			{ [ "$frc" -ne 0 ] || fail "sbx's exit status: 0 after the engine died at $fheld"; } &&
				{ grep -q "^sbx: .*engine" "$T/fault.err" || fail "no error naming the engine"; }
		else
			eq "$frc" 0 "sbx's exit status (the engine killed at $fheld, past the last step)" &&
				{ grep -q "warning: could not remove" "$T/fault.out" "$T/fault.err" ||
					fail "no warning of what was left"; }
		fi
		;;
	esac
}

# ---- the sandbox, and the recreate counted (whatever T_ONLY says: the matrix needs it) ----
only=$T_ONLY
T_ONLY=""
t "a sandbox with an installed file; its recreate (an env change) through the proxy, its requests counted" <<'EOF'
workspace_v 0 && run 0 "$SBX" -C "$WS" apply &&
	docker exec "$(containers_of "$WS")" sh -c 'echo kept > /root/installed' &&
	# the recreate counted is one from a snapshot, as every later one: its sweep has two to see
	V=1 && workspace_v 1 && run 0 "$SBX" -C "$WS" apply &&
	V=2 && workspace_v 2 && proxy_up &&
	DOCKER_HOST="unix://$T/proxy/sock" run 0 "$SBX" -C "$WS" apply && proxy_down &&
	out_has "kept the installed state" &&
	cp "$T/proxy/log" "$T/count.log" &&
	R=$(grep -c '^[0-9]* [A-Z]' "$T/count.log") &&
	COMMIT_K=$(sed -n 's|^\([0-9]*\) DELETE /v[0-9.]*/containers/.*|\1|p' "$T/count.log" | head -n 1) &&
	START_K=$(sed -n 's|^\([0-9]*\) POST /v[0-9.]*/containers/[0-9a-f]*/start$|\1|p' "$T/count.log") &&
	RENAME_K=$(sed -n 's|^\([0-9]*\) POST /v[0-9.]*/containers/[0-9a-f]*/rename?.*|\1|p' "$T/count.log") &&
	{ [ "$R" -ge 15 ] || fail "only $R requests"; } &&
	{ [ -n "$COMMIT_K" ] && [ -n "$START_K" ] && [ -n "$RENAME_K" ] ||
		fail "no removal, start or rename in: $(cat "$T/count.log")"; } &&
	settled
EOF
T_ONLY=$only
R=${R:-0}
COMMIT_K=${COMMIT_K:-0}
echo "  the recreate: $R requests (start: $START_K, renames: $(echo "$RENAME_K" | tr '\n' ' ')old one removed: $COMMIT_K)"

# ---- the matrix: each request K of the recreate, five faults at each (six where it changes something) ----
# With SBX_TEST_LONG set, every point; else every 6th (the faults take turns) and
# every fault at the renames and the start.
always() { [ "$1" = "$START_K" ] || echo "$RENAME_K" | grep -qx "$1"; }
k=1 n=0
while [ "$k" -le "$R" ]; do
	req=$(request_of "$T/count.log" "$k")
	# where the engine changes something, it is also killed at work on it
	during=""
	case $req in POST* | DELETE*) during=engine-during ;; esac
	for f in kill-before kill-after int-after engine-before engine-after $during; do
		n=$((n + 1))
		[ -n "${SBX_TEST_LONG:-}" ] || [ $((n % 6)) -eq 1 ] || always "$k" || continue
		int=130 engine="sbx fails"
		[ "$k" -lt "$COMMIT_K" ] || int="0 (past the last step)" engine="a warning, exit 0"
		case $f in
		kill-before) what="SIGKILL at request $k/$R ($req), held before the engine got it" ;;
		kill-after) what="SIGKILL at request $k/$R ($req), held after the engine answered" ;;
		int-after) what="SIGINT at request $k/$R ($req): exit $int, one running sandbox, the installed file" ;;
		engine-before) what="the engine killed at request $k/$R ($req), before it got it: $engine, no hang" ;;
		engine-after) what="the engine killed at request $k/$R ($req), after it answered: $engine, no hang" ;;
		engine-during) what="the engine killed at request $k/$R ($req), at work on it: $engine, no hang" ;;
		esac
		t "$what; one more apply: one running sandbox, the installed file, the new env" "point ${f%-*} \"\$k\" ${f#*-}"
	done
	k=$((k + 1))
done

t_done faults
