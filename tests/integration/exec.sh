#!/bin/sh
# Integration tests of sbx exec, run and shell against a real Docker engine:
# converge first (the plan on stderr), exit statuses, stdout and stderr apart,
# stdin to its end, megabytes whole, path matching, SIGINT during the
# converge, the same over TCP+TLS (a TLS endpoint in front of the engine's
# socket, tls-proxy.py); and a terminal, driven in tmux: the prompt, the
# size and its changes, Ctrl-C, the exit status, the host terminal back in
# cooked mode on every way out.
#
# The engine as in run.sh (tests/lib/engine.sh): the one DOCKER_HOST or the
# default socket reaches, else a private dockerd, stopped afterwards. Only
# what the tests make is touched. usage: tests/integration/exec.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-exec.XXXXXX)
T=$(cd "$T" && pwd -P)
export HOME="$T/home"
export XDG_STATE_HOME="$T/state"
mkdir -p "$HOME"
unset NO_COLOR GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL EMAIL
IMAGE="sbx-exec/busybox:$(basename "$T" | tr 'A-Z.' 'a-z-')"
TMUX_SOCK="sbx-exec-$$"
OUT="$T/out"
ERR="$T/err"

. "$ROOT/tests/lib/engine.sh"
. "$ROOT/tests/lib/harness.sh"

cleanup() {
	t_aborted exec
	tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
	[ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null
	if engine_ok; then
		for c in $(docker ps -aq --filter label=dev.sbx.managed 2>/dev/null); do
			ws=$(docker inspect -f '{{index .Config.Labels "dev.sbx.workspace"}}' "$c" 2>/dev/null)
			case "$ws" in "$T"/*)
				n=$(docker inspect -f '{{.Name}}' "$c" | sed 's|^/||')
				docker rm -f "$c" >/dev/null 2>&1
				docker rmi -f "sbx-snapshot:$n" >/dev/null 2>&1
				;;
			esac
		done
		docker rmi -f "$IMAGE" >/dev/null 2>&1
		[ -z "${ZC_MADE:-}" ] || docker rmi -f "$ZC_IMAGE" >/dev/null 2>&1
	fi
	engine_down "$T/engine"
	rm -rf "$T" 2>/dev/null
}
trap cleanup EXIT INT TERM

if ! engine_up "$T/engine"; then
	echo "FAIL no engine (in CI nothing skips)"
	echo "exec: 0 passed, 1 failed"
	exit 1
fi
# busybox with what these tests run inside, made offline
if ! sh "$ROOT/contrib/busybox-rootfs.sh" "$T/rootfs" sh sleep cat id echo ls env touch mkdir \
	rm test true false head sha256sum stty printf chmod pwd wc ||
	! tar -C "$T/rootfs" -c . | docker import - "$IMAGE" >/dev/null; then
	echo "FAIL cannot make the test image"
	echo "exec: 0 passed, 1 failed"
	exit 1
fi

RUN_TIMEOUT=120
containers_of() { docker ps -aq --no-trunc --filter "label=dev.sbx.workspace=$1"; }

# workspace DIR [extra yaml...]: a workspace with a sandbox.yaml on the test image
workspace() {
	_wd=$1
	shift
	mkdir -p "$_wd" || fail "cannot make '$_wd'" || return 1
	{
		printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\ngit_identity: false\n' "$IMAGE"
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} >"$_wd/sandbox.yaml" || fail "cannot write '$_wd/sandbox.yaml'"
}
# exactly FILE TEXT: FILE holds TEXT and a newline, nothing else
exactly() { eq "$(cat "$1")" "$2" "$(basename "$1")" && eq "$(wc -l <"$1")" "$(printf '%s\n' "$2" | wc -l)" "lines of $(basename "$1")"; }

W="$T/ws"

# ---- exec ----
t "exec converges first: the plan on stderr, only the command's output on stdout" <<'EOF'
workspace "$W" && mkdir -p "$W/sub/deeper" &&
	(cd "$W" && run 0 "$SBX" exec -- echo hello) &&
	exactly "$OUT" hello &&
	err_has "will be created" && err_has "Apply complete" &&
	id=$(containers_of "$W") && [ -n "$id" ] &&
	eq "$(docker inspect -f '{{.State.Running}}' "$id")" true "running"
EOF

t "exec on a sandbox that is up to date prints nothing of its own" <<'EOF'
(cd "$W" && run 0 "$SBX" exec -- echo again) && exactly "$OUT" again &&
	eq "$(cat "$ERR")" "" "stderr"
EOF

t "exec after a change: the plan and apply's progress on stderr, stdout untouched" <<'EOF'
workspace "$W" "env: {GREETING: bonjour}" &&
	(cd "$W" && run 0 "$SBX" exec -- sh -c 'echo $GREETING') &&
	exactly "$OUT" bonjour && err_has "GREETING" && err_has "Apply complete"
EOF

t "exit statuses are the command's: 0, 3, 42" <<'EOF'
(cd "$W" && run 0 "$SBX" exec -- true && run 3 "$SBX" exec -- sh -c 'exit 3' &&
	run 42 "$SBX" exec -- sh -c 'exit 42' && run 1 "$SBX" exec -- false)
EOF

t "a missing command: 127, the engine's reason on stderr, nothing on stdout" <<'EOF'
(cd "$W" && run 127 "$SBX" exec -- no-such-command-here) &&
	eq "$(cat "$OUT")" "" "stdout" && err_has "no-such-command-here" && err_has "not found"
EOF

t "a file that is not executable: 126" <<'EOF'
printf 'echo never\n' >"$W/not-executable" && chmod 644 "$W/not-executable" &&
	(cd "$W" && run 126 "$SBX" exec -- "$W/not-executable") &&
	eq "$(cat "$OUT")" "" "stdout" && err_has "permission denied"
EOF

t "stdout and stderr stay apart, each to its own file" <<'EOF'
(cd "$W" && run 0 "$SBX" exec -- sh -c 'echo to-out; echo to-err >&2; echo out-again; echo err-again >&2') &&
	eq "$(cat "$OUT")" "to-out
out-again" "stdout" &&
	eq "$(cat "$ERR")" "to-err
err-again" "stderr"
EOF

t "-i: stdin passes through and its end closes the command's stdin" <<'EOF'
(cd "$W" && printf abc | timeout 60 "$SBX" exec -i -- cat >"$OUT" 2>"$ERR") &&
	eq "$(cat "$OUT")" abc "stdout" &&
	(cd "$W" && printf 'one\ntwo\n' | timeout 60 "$SBX" exec -i -- wc -l >"$OUT" 2>"$ERR") &&
	eq "$(tr -d ' ' <"$OUT")" 2 "lines counted inside" &&
	(cd "$W" && timeout 60 "$SBX" exec -i -- cat </dev/null >"$OUT" 2>"$ERR") &&
	eq "$(cat "$OUT")" "" "empty stdin"
EOF

t "without -i, stdin is not passed" <<'EOF'
(cd "$W" && printf abc | timeout 60 "$SBX" exec -- cat >"$OUT" 2>"$ERR") &&
	eq "$(cat "$OUT")" "" "stdout"
EOF

t "5 MB of output arrive whole and in order, on stdout and on stderr; 5 MB in through stdin" <<'EOF'
head -c 5000000 /dev/urandom >"$W/big" &&
	want=$(sha256sum <"$W/big" | cut -d' ' -f1) &&
	got=$(cd "$W" && timeout 60 "$SBX" exec -- cat big | sha256sum | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 of stdout" &&
	got=$(cd "$W" && timeout 60 "$SBX" exec -- sh -c 'cat big >&2' 2>&1 >/dev/null | sha256sum | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 of stderr" &&
	got=$(cd "$W" && timeout 60 "$SBX" exec -i -- sha256sum <"$W/big" | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 inside of stdin" &&
	got=$(cd "$W" && timeout 60 "$SBX" exec -i -- cat <"$W/big" | sha256sum | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 of stdin echoed"
EOF

t "path matching: the workspace, a subdirectory, -w absolute and relative, from outside" <<'EOF'
(cd "$W" && run 0 "$SBX" exec -- pwd) && exactly "$OUT" "$W" &&
	(cd "$W/sub/deeper" && run 0 "$SBX" exec -- pwd) && exactly "$OUT" "$W/sub/deeper" &&
	(cd "$W/sub" && run 0 "$SBX" exec -w /tmp -- pwd) && exactly "$OUT" /tmp &&
	(cd "$W/sub" && run 0 "$SBX" exec -w deeper -- pwd) && exactly "$OUT" "$W/sub/deeper" &&
	(cd "$T" && run 0 "$SBX" -f "$W/sandbox.yaml" exec -- pwd) && exactly "$OUT" "$W" &&
	(cd "$T" && run 0 "$SBX" -C "$W/sub" exec -- pwd) && exactly "$OUT" "$W/sub" &&
	echo from-host >"$W/sub/note" &&
	(cd "$W/sub" && run 0 "$SBX" exec -- cat "$W/sub/note" note) && eq "$(cat "$OUT")" "from-host
from-host" "a file at its absolute and relative path" &&
	(cd "$W" && run 0 "$SBX" exec -- sh -c "echo from-inside >'$W/sub/made-inside'") &&
	exactly "$W/sub/made-inside" from-inside
EOF

t "-e, -u, -t and the command's own options" <<'EOF'
(cd "$W" && run 0 "$SBX" exec -e A=1 -e 'B=two words' -- sh -c 'echo "$A|$B"') &&
	exactly "$OUT" "1|two words" &&
	(cd "$W" && run 0 "$SBX" exec -u 1000 -- id -u) && exactly "$OUT" 1000 &&
	(cd "$W" && run 0 "$SBX" exec ls -d /tmp) && exactly "$OUT" /tmp &&
	(cd "$W" && run 0 "$SBX" exec -t -- sh -c 'echo tty-out; echo tty-err >&2') &&
	eq "$(tr -d '\r' <"$OUT" | sort | tr '\n' ' ')" "tty-err tty-out " "one stream with -t"
EOF

t "exec's usage errors: no command, -e without a value; 64" <<'EOF'
(cd "$W" && run 64 "$SBX" exec) && err_has "needs a command" &&
	(cd "$W" && run 64 "$SBX" exec -e NOVALUE -- true) && err_has "NAME=VALUE"
EOF

t "sbx's own failures keep sbx's codes: no sandbox.yaml 1, an invalid one 65, no engine 4" <<'EOF'
mkdir -p "$T/empty" && (cd "$T/empty" && run 1 "$SBX" exec -- true) &&
	err_has "sandbox.yaml" &&
	printf 'version: 1\nagent: nobody\n' >"$T/empty/sandbox.yaml" &&
	(cd "$T/empty" && run 65 "$SBX" exec -- true) &&
	(cd "$W" && DOCKER_HOST="unix://$T/no-such.sock" run 4 "$SBX" exec -- true)
EOF

t "a running session holds no lock; a change that would end it: exec refuses (3) without a terminal" <<'EOF'
WB="$T/ws-busy" && workspace "$WB" && (cd "$WB" && run 0 "$SBX" exec -- true) &&
	idb=$(containers_of "$WB") &&
	{ (cd "$WB" && exec "$SBX" exec -- sh -c 'touch started && exec sleep 120' >/dev/null 2>&1 </dev/null) &
	bg=$!; } && when_finished 'kill "$bg" 2>/dev/null || :' &&
	_i=0 && until [ -e "$WB/started" ]; do
		_i=$((_i + 1)) && [ $_i -lt 200 ] && sleep 0.1 || return 1
	done &&
	(cd "$WB" && run 0 "$SBX" exec -- echo beside) && exactly "$OUT" beside &&
	workspace "$WB" "env: {CHANGED: 1}" &&
	(cd "$WB" && run 3 "$SBX" exec -- echo never </dev/null) &&
	err_has "sleep" && err_has "apply --yes" && eq "$(cat "$OUT")" "" "stdout" &&
	eq "$(containers_of "$WB")" "$idb" "the sandbox after the refusal" &&
	run 0 "$SBX" -C "$WB" apply --yes &&
	(cd "$WB" && run 0 "$SBX" exec -- sh -c 'echo $CHANGED') && exactly "$OUT" 1
EOF

# ---- signals ----
# interrupted_converge WS N EXTRA CMD...: WS's file changed to V=N (and the yaml line EXTRA),
# sbx -C WS CMD... interrupted at its Nth request that changes something (sigint_at), then
# what must hold: exit 130 with "interrupted (SIGINT)" and the command never run (nothing on
# stdout), or, the converge over, the command's own end (0 and "ran", or 130: the signal
# ended it); one container; one more apply: one running sandbox with V=N and the installed
# file. $interrupted counts the converges stopped.
interrupted_converge() {
	_cw=$1 _cn=$2 _cx=$3
	shift 3
	workspace "$_cw" "env: {V: $_cn}" "$_cx" && sigint_at "$_cn" "$SBX" -C "$_cw" "$@" &&
		{ [ "$irc" -eq 130 ] || { [ "$irc" -eq 0 ] && exactly "$OUT" ran; } ||
			fail "step $_cn: exit $irc: $(tail -3 "$ERR")"; } &&
		{ ! grep -q "interrupted (SIGINT)" "$ERR" || {
			interrupted=$((interrupted + 1)) && eq "$irc" 130 "exit (step $_cn)" &&
				eq "$(cat "$OUT")" "" "stdout after SIGINT at step $_cn"
		}; } &&
		eq "$(containers_of "$_cw" | wc -l)" 1 "containers after SIGINT at step $_cn" &&
		run 0 "$SBX" -C "$_cw" apply && _cid=$(containers_of "$_cw") &&
		eq "$(containers_of "$_cw" | wc -l)" 1 "containers after one more apply (step $_cn)" &&
		eq "$(docker inspect -f '{{.State.Running}}' "$_cid")" true "running (step $_cn)" &&
		eq "$(docker exec "$_cid" sh -c 'echo $V')" "$_cn" "env (step $_cn)" &&
		eq "$(docker exec "$_cid" cat /root/installed)" kept "installed file (step $_cn)"
}

t "SIGINT at each request of exec's converge (a recreate): 130 and the command never runs, never two containers; one more apply: one running sandbox with the installed file" <<'EOF'
WI="$T/ws-int" && workspace "$WI" "env: {V: 0}" && run 0 "$SBX" -C "$WI" apply &&
	docker exec "$(containers_of "$WI")" sh -c 'echo kept >/root/installed' &&
	interrupted=0 &&
	for n in 1 2 3 4 5 6 7; do
		interrupted_converge "$WI" "$n" "" exec -- echo ran || return 1
	done &&
	{ [ "$interrupted" -ge 5 ] || fail "only $interrupted of 7 converges were interrupted"; }
EOF

t "SIGINT during run's converge (a recreate): 130 and the command never runs, never two containers; one more apply: one running sandbox with the installed file" <<'EOF'
WI="$T/ws-int-run" && workspace "$WI" "env: {V: 0}" "command: [echo, ran]" &&
	run 0 "$SBX" -C "$WI" apply &&
	docker exec "$(containers_of "$WI")" sh -c 'echo kept >/root/installed' &&
	interrupted=0 &&
	for n in 1 3 5; do
		interrupted_converge "$WI" "$n" "command: [echo, ran]" run || return 1
	done &&
	{ [ "$interrupted" -ge 2 ] || fail "only $interrupted of 3 converges were interrupted"; }
EOF

# ---- over TCP and TLS ----
# certs DIR: a CA, a server certificate for 127.0.0.1 and a client one, as
# DOCKER_CERT_PATH names them (ca.pem, cert.pem, key.pem)
certs() {
	mkdir -p "$1" && (cd "$1" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 \
			-subj /CN=sbx-test-ca &&
		openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out server-cert.pem -days 2 -extfile server.ext &&
		openssl req -newkey rsa:2048 -nodes -keyout key.pem -out client.csr -subj /CN=sbx-client &&
		printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-out cert.pem -days 2 -extfile client.ext) >"$1/log" 2>&1 ||
		{ cat "$1/log" && fail "cannot make the certificates"; }
}
PROXY_PID=""

t "over TCP+TLS (a TLS endpoint in front of the engine): streams apart, exit status, stdin's end, 5 MB" <<'EOF'
workspace "$W" && { [ -s "$W/big" ] || head -c 5000000 /dev/urandom >"$W/big"; } &&
	(cd "$W" && run 0 "$SBX" exec -- true) &&
	certs "$T/certs" && SOCK=${DOCKER_HOST#unix://} &&
	{ python3 "$ROOT/tests/integration/tls-proxy.py" "$T/certs/ca.pem" "$T/certs/server-cert.pem" \
		"$T/certs/server-key.pem" "$SOCK" "$T/port" >"$T/proxy.log" 2>&1 &
	PROXY_PID=$!; } &&
	when_finished 'kill "$PROXY_PID"' &&
	_i=0 && until [ -s "$T/port" ]; do _i=$((_i + 1)) && [ $_i -lt 100 ] && sleep 0.1 || return 1; done &&
	TLS_HOST="tcp://127.0.0.1:$(cat "$T/port")" &&
	(cd "$W" && run 3 env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/certs" \
		"$SBX" exec -- sh -c 'echo over-tls; echo err-tls >&2; exit 3') &&
	exactly "$OUT" over-tls && exactly "$ERR" err-tls &&
	got=$(cd "$W" && printf abc | env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 \
		DOCKER_CERT_PATH="$T/certs" timeout 60 "$SBX" exec -i -- cat) && eq "$got" abc "stdin's end" &&
	want=$(sha256sum <"$W/big" | cut -d' ' -f1) &&
	got=$(cd "$W" && env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/certs" \
		timeout 60 "$SBX" exec -- cat big | sha256sum | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 of 5 MB over TLS" &&
	got=$(cd "$W" && env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T/certs" \
		timeout 60 "$SBX" exec -i -- sha256sum <"$W/big" | cut -d' ' -f1) &&
	eq "$got" "$want" "sha256 of 5 MB in over TLS" &&
	run 4 env DOCKER_HOST="$TLS_HOST" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T" \
		"$SBX" -C "$W" exec -- true
EOF

# ---- run ----
t "run: the file's command with the arguments after --, stdin passed without a terminal" <<'EOF'
WR="$T/ws-run" &&
	workspace "$WR" "command: [sh, -c, 'echo started \"\$@\"; cat; exit 5', agent]" &&
	printf 'from stdin\n' >"$T/stdin" &&
	(cd "$WR" && run 5 "$SBX" run -- one 'two three' <"$T/stdin") &&
	eq "$(cat "$OUT")" "started one two three
from stdin" "stdout" &&
	(cd "$WR" && run 5 "$SBX" run shell </dev/null) && exactly "$OUT" "started"
EOF

t "run AGENT must be the file's agent, or nothing changes; an unknown one is a usage error" <<'EOF'
before=$(containers_of "$T/ws-run") && [ -n "$before" ] &&
	workspace "$T/ws-run" "command: [sh, -c, 'echo started \"\$@\"; cat; exit 5', agent]" "env: {NEW: 1}" &&
	(cd "$T/ws-run" && run 64 "$SBX" run claude </dev/null) && err_has "'claude' is not this workspace's" &&
	err_has "agent 'shell'" && { ! grep -q "will be" "$ERR" || fail "a plan was printed"; } &&
	eq "$(containers_of "$T/ws-run")" "$before" "the sandbox after a refused run" &&
	(cd "$T/ws-run" && run 64 "$SBX" run nobody </dev/null) && err_has "unknown agent 'nobody'"
EOF

# ---- zero config ----
# The shell agent's default image, made from the test image with a bash that
# is busybox's sh, unless the engine has one already (then it is used, and
# left as it was).
ZC_IMAGE=docker/sandbox-templates:shell
zc_image() {
	docker image inspect "$ZC_IMAGE" >/dev/null 2>&1 && return 0
	rm -rf "$T/rootfs-zc" && cp -a "$T/rootfs" "$T/rootfs-zc" &&
		printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$T/rootfs-zc/bin/bash" &&
		chmod 755 "$T/rootfs-zc/bin/bash" &&
		tar -C "$T/rootfs-zc" -c . | docker import - "$ZC_IMAGE" >/dev/null &&
		ZC_MADE=1
}

t "zero config: run AGENT where there is no sandbox.yaml makes that agent's sandbox of the directory, says how to keep it; a file that then appears needs approval; the home is refused" <<'EOF'
ZC="$T/zc" && mkdir -p "$ZC/sub" && zc_image &&
	(cd "$ZC/sub" && run 3 "$SBX" run shell -- -c 'echo in "$PWD"; exit 3' </dev/null) &&
	exactly "$OUT" "in $ZC/sub" && err_has "no sandbox.yaml in '$ZC/sub' or above" &&
	err_has "sbx init --agent shell" && [ ! -e "$ZC/sub/sandbox.yaml" ] &&
	id=$(containers_of "$ZC/sub") && [ -n "$id" ] &&
	eq "$(docker inspect -f '{{.Config.Image}}' "$id")" "$ZC_IMAGE" "the agent's image" &&
	(cd "$ZC/sub" && run 0 "$SBX" run shell -- -c 'exit 0' </dev/null) &&
	eq "$(containers_of "$ZC/sub")" "$id" "the sandbox after a second run" &&
	(cd "$ZC/sub" && run 1 "$SBX" exec -- true </dev/null) && err_has "no sandbox.yaml" &&
	printf 'version: 1\nagent: shell\ngit_identity: false\n' >"$ZC/sub/sandbox.yaml" &&
	(cd "$ZC/sub" && run 3 "$SBX" run shell -- -c 'exit 0' </dev/null) &&
	err_has "appeared in a workspace whose sandbox" &&
	eq "$(containers_of "$ZC/sub")" "$id" "the sandbox after the refusal" &&
	(cd "$ZC/sub" && run 0 "$SBX" trust --yes) &&
	(cd "$ZC/sub" && run 0 "$SBX" run shell -- -c 'exit 0' </dev/null) &&
	[ "$(containers_of "$ZC/sub")" != "$id" ] &&
	(cd "$HOME" && run 3 "$SBX" run shell </dev/null) && err_has "is your home directory" &&
	eq "$(containers_of "$HOME")" "" "sandboxes of the home"
EOF

# ---- a terminal, in tmux ----
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t sbx; }
# pane_has PATTERN: the pane shows a line matching PATTERN within 20 s
pane_has() {
	_i=0
	until pane | grep -q -e "$1"; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || { pane && fail "the pane never showed '$1'"; return 1; }
		sleep 0.1
	done
}
keys() { tmux -L "$TMUX_SOCK" send-keys -t sbx "$@"; }
# in_pane CMD: an 80x24 pane of a new tmux server that runs CMD in the
# workspace, then prints sbx's status ("status=N") and the terminal's mode
# (stty -a, then "end-of-modes"), and waits
in_pane() {
	tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1
	tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s sbx -x 80 -y 24 \
		"cd '$W' && $1; echo status=\$?; stty -a; echo end-of-modes; sleep 600"
}
# cooked: the mode stty -a printed in the pane after sbx is canonical, with echo and signals
cooked() {
	pane_has '^end-of-modes$' && pane | tr ' ;' '\n\n' >"$T/modes" &&
		{ grep -qx icanon "$T/modes" || fail "no icanon after sbx"; } &&
		{ grep -qx echo "$T/modes" || fail "no echo after sbx"; } &&
		{ grep -qx isig "$T/modes" || fail "no isig after sbx"; }
}

t "shell in a terminal: prompt, its size and a resize, Ctrl-C, exit 7, the terminal restored" <<'EOF'
when_finished 'tmux -L "$TMUX_SOCK" kill-server' &&
	workspace "$W" && in_pane "'$SBX' shell" &&
	pane_has "^$W #" &&
	keys 'stty size' Enter && pane_has '^24 80$' &&
	tmux -L "$TMUX_SOCK" resize-window -t sbx -x 100 -y 30 &&
	keys 'clear; stty size' Enter && pane_has '^30 100$' &&
	keys 'sleep 100; echo slept' Enter && sleep 1 && keys C-c &&
	keys 'echo after-$((6 * 7))' Enter && pane_has '^after-42$' &&
	{ ! pane | grep -q '^slept$' || fail "Ctrl-C did not interrupt sleep"; } &&
	{ ! pane | grep -q '^status=' || fail "sbx ended at Ctrl-C"; } &&
	keys 'exit 7' Enter && pane_has '^status=7$' && cooked
EOF

t "run in a terminal: the file's command gets a tty; its status is sbx's" <<'EOF'
when_finished 'tmux -L "$TMUX_SOCK" kill-server' &&
	workspace "$W" "command: [sh, -c, 'test -t 0 && test -t 1 && echo has-a-tty; read line; exit \$line']" &&
	in_pane "'$SBX' run" &&
	pane_has '^has-a-tty' && keys '9' Enter && pane_has '^status=9$' && cooked
EOF

t "a signal to sbx in raw mode: the terminal is restored, sbx ends by it" <<'EOF'
when_finished 'tmux -L "$TMUX_SOCK" kill-server' &&
	workspace "$W" &&
	in_pane "sh -c 'echo \$\$ >$T/sbx.pid; exec \"$SBX\" shell'" &&
	pane_has "^$W #" && pid=$(cat "$T/sbx.pid") && kill -TERM "$pid" &&
	pane_has '^status=143$' && cooked
EOF

t_done exec
