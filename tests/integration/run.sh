#!/bin/sh
# Integration tests: the built sbx against a real Docker engine, checked
# through the engine's own answers (docker inspect), not sbx's words.
#
# The engine: the one DOCKER_HOST or /var/run/docker.sock reaches, or else a
# private dockerd (own socket, data-root and exec-root in a temp dir) that is
# stopped afterwards. An engine this script did not start is only touched
# through what the tests make: containers of workspaces under the test's temp
# dir, their snapshot images and volumes, and the test image. In CI nothing
# skips: no engine is a failure. usage: tests/integration/run.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-it.XXXXXX)
T=$(cd "$T" && pwd -P)
export HOME="$T/home"
export XDG_STATE_HOME="$T/state"
mkdir -p "$HOME"
unset NO_COLOR GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL EMAIL
IMAGE="sbx-it/busybox:$(basename "$T" | tr 'A-Z.' 'a-z-')"

OUT="$T/out"
ERR="$T/err"

. "$ROOT/tests/lib/engine.sh"
. "$ROOT/tests/lib/harness.sh"

cleanup() {
	t_aborted integration
	if engine_ok; then
		for c in $(docker ps -aq --filter label=dev.sbx.managed 2>/dev/null); do
			ws=$(docker inspect -f '{{index .Config.Labels "dev.sbx.workspace"}}' "$c" 2>/dev/null)
			case "$ws" in "$T"/*)
				n=$(docker inspect -f '{{.Name}}' "$c" | sed 's|^/||')
				v=$(docker inspect -f '{{index .Config.Labels "dev.sbx.credentials-volume"}}' "$c")
				docker rm -f "$c" >/dev/null 2>&1
				docker rmi -f "sbx-snapshot:$n" >/dev/null 2>&1
				# a workspace's own volume; the shared per-agent ones are not the test's
				case "$v" in "" | sbx-credentials-*) ;; *) docker volume rm "$v" >/dev/null 2>&1 ;; esac
				;;
			esac
		done
		docker rmi -f "$IMAGE" "$IMAGE-agent" "$IMAGE-debian" "$IMAGE-rebuilt" "$IMAGE-nosleep" \
			${PULL_IMAGE:+"$PULL_IMAGE"} ${PULL_SRC:+"$PULL_SRC" "$PULL_SRC-base" "$PULL_SRC-v2"} >/dev/null 2>&1
	fi
	[ -z "${REG_PID:-}" ] || kill "$REG_PID" 2>/dev/null
	[ -z "${SDIR:-}" ] || stale_engine_down
	engine_down "$T/engine"
	rm -rf "$T" 2>/dev/null
}
trap cleanup EXIT INT TERM

if ! engine_up "$T/engine"; then
	echo "FAIL no engine (in CI nothing skips)"
	echo "integration: 0 passed, 1 failed"
	exit 1
fi
SOCKET=${DOCKER_HOST#unix://}

# ---- the test images: busybox-static with an agent user, made offline ----
IMAGE_AGENT="$IMAGE-agent"
# and one without sleep: a sandbox's command exits at once
IMAGE_NOSLEEP="$IMAGE-nosleep"
if ! sbx_test_image "$T" "$IMAGE" || ! sbx_test_image "$T" "$IMAGE_AGENT" --change 'USER agent' ||
	! { sh "$ROOT/contrib/busybox-rootfs.sh" "$T/rootfs-nosleep" sh cat >/dev/null &&
		tar -C "$T/rootfs-nosleep" -c . | docker import - "$IMAGE_NOSLEEP" >/dev/null; }; then
	echo "FAIL cannot make the test images"
	echo "integration: 0 passed, 1 failed"
	exit 1
fi

# ---- the harness ----
RUN_TIMEOUT=120
# The containers the engine has for a workspace (by sbx's label), one id a line.
containers_of() { docker ps -aq --no-trunc --filter "label=dev.sbx.workspace=$1"; }
count_of() { containers_of "$1" | grep -c . ; }
ins() { docker inspect -f "$2" "$1"; }
# name_of ID: the container's name without the leading slash; fails when it has none
name_of() { _n=$(ins "$1" '{{.Name}}') && [ -n "$_n" ] && echo "${_n#/}"; }

# safe_directory DIR: the user's policy file lets discovery use DIR's sandbox.yaml,
# whoever owns it, until the check ends (call it in the chain)
safe_directory() {
	mkdir -p "$HOME/.config/sbx" &&
		printf 'version: 1\nallow:\n  - workspace: %s\n    safe_directory: true\n' "$1" >"$HOME/.config/sbx/policy.yaml" &&
		when_finished 'rm -f "$HOME/.config/sbx/policy.yaml"'
}

# workspace DIR [extra yaml...]: a workspace with a sandbox.yaml on the test image
workspace() {
	_wd=$1
	shift
	mkdir -p "$_wd" || fail "cannot make '$_wd'" || return 1
	{
		printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\n' "$IMAGE"
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} >"$_wd/sandbox.yaml" || fail "cannot write '$_wd/sandbox.yaml'"
}

# The namespaces a container shares with this (host) process; a namespace
# that cannot be read inside is named as such, so that it never looks unshared.
shared_ns() {
	for _ns in net pid ipc uts mnt cgroup; do
		_in=$(docker exec "$1" stat -L -c %i /proc/self/ns/$_ns) && [ -n "$_in" ] ||
			{ printf 'unreadable:%s ' "$_ns" && continue; }
		[ "$_in" != "$(stat -L -c %i /proc/self/ns/$_ns)" ] || printf '%s ' "$_ns"
	done
}

# The engine saw only reads: the SBX_TRACE log has requests, and none but GETs
# (a run that never traced would otherwise pass).
only_gets() {
	{ grep -q "engine request [0-9]*: GET '" "$ERR" || fail "no traced request: was SBX_TRACE set?"; } &&
		{ ! grep 'engine request' "$ERR" | grep -qv "GET '" || fail "a state-changing request was sent"; }
}

# The engine's socket, by what it resolves to: /var/run is often a link to /run.
SOCK_REAL=$(readlink -f "$SOCKET")
# What apply says of a mount of the engine's PATH (its socket, its data root):
# the path as it resolves, named as the system's own for the standard socket
# paths (sbx refuses those whatever engine is in use), as the engine's
# otherwise; and where the spelling differs, what it resolves to.
engine_refusal() {
	_real=$(readlink -f "$1") && [ -n "$_real" ] || return 1
	case "$_real" in
	/run/docker.sock | /var/run/docker.sock) _label="" ;;
	*) _label="the engine's " ;;
	esac
	if [ "$_real" = "$1" ]; then
		printf "mount source '%s' refused: it is %s%s;" "$1" "$_label" "$_real"
	else
		printf "mount source '%s' refused: it is %s%s (it resolves to '%s');" "$1" "$_label" \
			"$_real" "$_real"
	fi
}
# No mount of the container has the engine's socket for its source.
no_socket_mount() {
	for _src in $(ins "$1" '{{range .Mounts}}{{.Source}} {{end}}'); do
		[ "$(readlink -f "$_src")" != "$SOCK_REAL" ] || fail "'$_src' is the engine's socket" || return 1
	done
}

# ---- tests ----
# The workspaces; checks that make a sandbox leave its id for later ones.
W="$T/ws-main" W2="$T/ws-second" W3="$T/ws-socket" W5="$T/ws-git" W6="$T/ws-cred"
W7="$T/ws-again" W8="$T/ws-owner" W9="$T/ws-crash" W10="$T/ws-trust" WD="$T/ws-debian"
WP="$T/ws-passenv" WN="$T/ws-network"
first_id="" first_name="" id="" id2="" id6="" vol=""
SECRET="s3cr3t-value-$$"
no_secret() { ! grep -q "$SECRET" "$OUT" "$ERR" || fail "the value was printed"; }
# by_schema KIND: $OUT is valid by schema/output/KIND.schema.json (python3-jsonschema)
by_schema() {
	_v=$(/usr/bin/python3 "$ROOT/tests/schema/check_output.py" "$1" "$OUT" 2>"$T/schema-err")
	[ "$_v" = valid ] || fail "$1 output not valid by its schema ($_v): $(head -5 "$T/schema-err")"
}

t "apply creates a running sandbox, the workspace mounted at its own path" <<'EOF'
workspace "$W" "env: {FOO: one}" &&
	run 0 "$SBX" -C "$W" apply && out_has "will be created" && out_has "Apply complete" &&
	id=$(containers_of "$W") && first_id=$id && first_name=$(ins "$first_id" '{{.Name}}') &&
	eq "$(count_of "$W")" 1 "containers" &&
	eq "$(ins "$id" '{{.State.Running}}')" true "running" &&
	eq "$(ins "$id" '{{.Config.WorkingDir}}')" "$W" "working directory" &&
	eq "$(ins "$id" '{{range .Mounts}}{{if eq .Destination "'"$W"'"}}{{.Type}} {{.Source}} {{.RW}}{{end}}{{end}}')" "bind $W true" "workspace mount" &&
	eq "$(ins "$id" '{{.HostConfig.Binds}}')" "[]" "no Binds" &&
	eq "$(ins "$id" '{{.HostConfig.Init}}')" true "init" &&
	eq "$(ins "$id" '{{.HostConfig.RestartPolicy.Name}}')" no "restart policy" &&
	eq "$(ins "$id" '{{json .Config.Cmd}}')" '["sleep","infinity"]' "idle PID 1" &&
	eq "$(ins "$id" '{{index .Config.Labels "dev.sbx.workspace"}}')" "$W" "workspace label" &&
	eq "$(docker exec "$id" sh -c 'echo $FOO')" one "env" &&
	docker exec "$id" sh -c "test -f '$W/sandbox.yaml'"
EOF

t "tamper guard: inside, sandbox.yaml is read-only; the rest of the workspace is writable" <<'EOF'
{
	! docker exec "$first_id" sh -c "echo 'docker_socket: true' >> '$W/sandbox.yaml'" 2>/dev/null ||
		fail "sandbox.yaml was writable inside"
} &&
	docker exec "$first_id" touch "$W/written-inside" && [ -e "$W/written-inside" ] &&
	{ ! grep -q docker_socket "$W/sandbox.yaml" || fail "sandbox.yaml was changed"; }
EOF

t "tamper guard through every mount: a read-write mount of the workspace's parent cannot rewrite sandbox.yaml" <<'EOF'
# The parent at another path (/parent) and at its own path: the file shows
# through both, and through the workspace; read-only at each.
WG_P="$T/tamper-parent" && WG="$WG_P/ws" && mkdir -p "$WG_P" &&
	workspace "$WG" "mounts:" "  - {source: '$WG_P', target: /parent}" "  - {source: '$WG_P'}" &&
	cp "$WG/sandbox.yaml" "$T/tamper-before" &&
	run 0 "$SBX" -C "$WG" trust --yes && run 0 "$SBX" -C "$WG" apply && idg=$(containers_of "$WG") &&
	for p in /parent/ws/sandbox.yaml "$WG/sandbox.yaml"; do
		{ ! docker exec "$idg" sh -c "echo 'docker_socket: true' >>'$p'" 2>/dev/null ||
			fail "'$p' was writable inside"; } &&
			{ ! docker exec "$idg" sh -c "echo x >'$p.new' && mv -f '$p.new' '$p'" 2>/dev/null ||
				fail "'$p' could be replaced inside"; } &&
			{ ! docker exec "$idg" rm -f "$p" 2>/dev/null || fail "'$p' could be removed inside"; } ||
			return 1
	done &&
	docker exec "$idg" touch /parent/written-inside "$WG/written-inside" &&
	[ -e "$WG_P/written-inside" ] && [ -e "$WG/written-inside" ] &&
	{ cmp -s "$T/tamper-before" "$WG/sandbox.yaml" || fail "sandbox.yaml changed on the host"; }
EOF

t "hardening, seen from inside: capabilities, seccomp, namespaces, devices, mounts" <<'EOF'
# CapEff: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID NET_BIND_SERVICE AUDIT_WRITE
# (bits 0 1 3 4 5 6 7 10 29): the set the README documents, nothing more.
docker exec "$first_id" cat /proc/self/status >"$T/status" &&
	docker exec "$first_id" cat /proc/self/mountinfo >"$T/mountinfo" &&
	docker exec "$first_id" ls -l /dev >"$T/dev" &&
	eq "$(sed -n 's/^CapEff:[[:space:]]*//p' "$T/status")" 00000000200004fb "CapEff" &&
	eq "$(sed -n 's/^CapBnd:[[:space:]]*//p' "$T/status")" 00000000200004fb "CapBnd" &&
	eq "$(sed -n 's/^Seccomp:[[:space:]]*//p' "$T/status")" 2 "seccomp filter mode (the engine's default profile)" &&
	eq "$(shared_ns "$first_id")" "" "namespaces shared with the host" &&
	eq "$(grep -c '^[bc]' "$T/dev")" "$(grep -c -E ' (null|zero|full|random|urandom|tty|ptmx|console)$' "$T/dev")" \
		"device nodes beyond the standard ones" &&
	eq "$(grep -c '^b' "$T/dev")" 0 "block devices" &&
	eq "$(awk '$5 == "/var/run/docker.sock" || $5 == "/run/docker.sock"' "$T/mountinfo")" "" \
		"mounts at the docker socket's paths" &&
	no_socket_mount "$first_id" &&
	eq "$(awk '{print $5}' "$T/mountinfo" | grep -v -E '^/$|^/(proc|dev|sys)(/|$)|^/etc/(resolv.conf|hostname|hosts)$|^/sbin/docker-init$' | sort | tr '\n' ' ')" \
		"$W $W/sandbox.yaml " "host mounts" &&
	eq "$(awk -v p="$W/sandbox.yaml" '$5 == p {print substr($6, 1, 2)}' "$T/mountinfo")" ro "sandbox.yaml mount" &&
	eq "$(ins "$first_id" '{{.HostConfig.Privileged}} {{json .HostConfig.CapDrop}} {{.HostConfig.PidMode}}|{{.HostConfig.IpcMode}}|{{.HostConfig.UTSMode}}|{{.HostConfig.NetworkMode}}|{{.HostConfig.CgroupnsMode}} {{json .HostConfig.Devices}} {{len .HostConfig.SecurityOpt}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.PidsLimit}}')" \
		'false ["ALL"] |private||bridge|private [] 1 no 4096' "engine's view" &&
	ins "$first_id" '{{index .HostConfig.SecurityOpt 0}}' >"$T/secopt" &&
	eq "$(python3 -c 'import json,sys
o = open(sys.argv[1]).read().rstrip("\n")
assert o.startswith("seccomp="), o[:40]
p = json.loads(o[len("seccomp="):])
names = [n for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for n in r["names"]]
print(p["defaultAction"], p["defaultErrnoRet"], "chmod" in names, "setxattr" in names)' "$T/secopt")" \
		"SCMP_ACT_ERRNO 1 False True" "sbx's seccomp profile, seen by the engine"
EOF

t "nothing planted on the host: as root (user 0) no call sets a set-id bit or a file capability" <<'EOF'
# The kernel answers each call (a static probe, raw system calls), then the
# host looks: no file under the workspace has a set-id bit.
WS_ID="$T/ws-setid" &&
	{ workspace "$WS_ID" 'user: "0"' && mkdir "$WS_ID/p" &&
		cc -static -O1 -o "$WS_ID/probe" "$ROOT/tests/integration/setid-probe.c" ||
		fail "cannot build the probe"; } &&
	run 0 "$SBX" -C "$WS_ID" apply && ids=$(containers_of "$WS_ID") &&
	eq "$(docker exec "$ids" id -u)" 0 "uid inside" &&
	docker exec "$ids" "$WS_ID/probe" "$WS_ID/p" >"$T/probe.out" &&
	eq "$(cat "$T/probe.out")" "control-open-creat-0755 ok
control-chown-0:0 ok
control-chmod-0700 ok
control-open-rdonly-junk-mode ok
control-mkdir-0755 ok
chmod-4755 EPERM
chmod-2755 EPERM
fchmod-4755 EPERM
fchmodat-6755 EPERM
open-creat-4755 EPERM
openat-creat-2755 EPERM
openat-tmpfile-4755 EPERM
creat-4755 EPERM
mknod-4755 EPERM
mknodat-2755 EPERM
mkdir-2755 EPERM
mkdirat-2755 EPERM
openat2 ENOSYS
fchmodat2 ENOSYS
clone3 ENOSYS
io_uring_setup EPERM
setxattr-security.capability EPERM" "the kernel's answers inside" &&
	docker exec "$ids" sh -c "cd '$WS_ID' && touch b && chown 0:0 b && chmod 755 b && mkdir -m 755 d" &&
	{ ! docker exec "$ids" chmod 4755 "$WS_ID/b" 2>/dev/null || fail "chmod 4755 worked"; } &&
	{ ! docker exec "$ids" chmod g+s "$WS_ID/b" 2>/dev/null || fail "chmod g+s worked"; } &&
	{ ! docker exec "$ids" chmod g+s "$WS_ID/d" 2>/dev/null || fail "chmod g+s on a directory worked"; } &&
	{ ! docker exec "$ids" install -m 4755 /bin/busybox "$WS_ID/i" 2>/dev/null || fail "install -m 4755 worked"; } &&
	{ ! docker exec "$ids" mkdir -m 2755 "$WS_ID/d2" 2>/dev/null || fail "mkdir -m 2755 worked"; } &&
	eq "$(find "$WS_ID" -perm /6000)" "" "set-id files on the host" &&
	eq "$(stat -c '%u %a' "$WS_ID/b")" "0 755" "the file root made inside"
EOF

t "a second apply changes nothing and reuses the same container" <<'EOF'
run 0 "$SBX" -C "$W" apply && out_has "No changes" &&
	eq "$(containers_of "$W")" "$first_id" "container id"
EOF

t "an apply with nothing to do costs the engine three requests: the ping, one list, the image's id" <<'EOF'
SBX_TRACE=1 run 0 "$SBX" -C "$W" apply && eq "$(grep -c 'engine request' "$ERR")" 3 "requests" &&
	err_has "request 1: GET '/_ping'" && err_has "request 2: GET '/v1.[0-9]*/containers/json" &&
	err_has "request 3: GET '/v1.[0-9]*/images/.*/json'"
EOF

t "diff --exit-code: 0 without changes" <<'EOF'
run 0 "$SBX" -C "$W" diff --exit-code && out_has "No changes"
EOF

t "a stopped sandbox is started again, same container" <<'EOF'
docker stop "$first_id" >/dev/null &&
	run 2 "$SBX" -C "$W" diff --exit-code && out_has "will be started" &&
	run 0 "$SBX" -C "$W" apply && eq "$(ins "$first_id" '{{.State.Running}}')" true "running" &&
	eq "$(containers_of "$W")" "$first_id" "container id"
EOF

t "an env change: diff exits 2 and names it, --dry-run changes nothing" <<'EOF'
docker exec "$first_id" sh -c 'echo kept > /root/installed' &&
	sed -i 's/FOO: one/FOO: two/' "$W/sandbox.yaml" &&
	run 2 "$SBX" -C "$W" diff --exit-code && out_has "env.FOO: 'one' -> 'two'  # forces recreate" &&
	{ ! grep -q "changed while" "$ERR" || fail "a warning about an edit that widens nothing"; } &&
	run 2 "$SBX" -C "$W" apply --dry-run --exit-code &&
	eq "$(containers_of "$W")" "$first_id" "container id after --dry-run"
EOF

t "diff --json: the same plan as data" <<'EOF'
run 2 "$SBX" -C "$W" diff --json --exit-code &&
	jq -e '.format_version == 1 and .kind == "plan" and .changes_present and .actions[0].action == "recreate" and (.changes[] | select(.path == "env.FOO") | .action == "change" and .before == "one" and .after == "two" and .effect == "recreate")' "$OUT" >/dev/null
EOF

t "diff --json: C1 controls and bidi overrides from the file are written as \\u escapes, never raw" <<'EOF'
workspace "$T/ws-json" 'env: {X: "a\x9b2Jb\u202ec\u2028d\x7fe"}' &&
	run 2 "$SBX" -C "$T/ws-json" diff --json --exit-code &&
	{ ! LC_ALL=C grep -q "$(printf '\302\233')" "$OUT" || fail "raw U+009B (CSI) in the JSON"; } &&
	{ ! LC_ALL=C grep -q "$(printf '\342\200\256')" "$OUT" || fail "raw U+202E in the JSON"; } &&
	{ ! LC_ALL=C grep -q "$(printf '\342\200\250')" "$OUT" || fail "raw U+2028 in the JSON"; } &&
	{ ! LC_ALL=C grep -q "$(printf '\177')" "$OUT" || fail "raw DEL in the JSON"; } &&
	out_has 'a\\u009b2Jb\\u202ec\\u2028d\\u007fe' &&
	eq "$(jq -r '.changes[] | select(.path == "env.X") | .after' "$OUT")" "$(printf 'a\302\2332Jb\342\200\256c\342\200\250d\177e')" "the value, decoded"
EOF

t "apply recreates: exactly one container, new env, installed state kept" <<'EOF'
run 0 "$SBX" -C "$W" apply && out_has "must be replaced" &&
	new_id=$(containers_of "$W") &&
	eq "$(count_of "$W")" 1 "containers" &&
	{ [ "$new_id" != "$first_id" ] || fail "the same container"; } &&
	eq "$(docker exec "$new_id" sh -c 'echo $FOO')" two "env" &&
	eq "$(docker exec "$new_id" cat /root/installed)" kept "preserved state" &&
	eq "$(ins "$new_id" '{{.Name}}')" "$first_name" "name" &&
	{ ! docker inspect "$first_id" >/dev/null 2>&1 || fail "the old container is still there"; } &&
	eq "$(ins "$new_id" '{{index .Config.Labels "dev.sbx.config-sha256"}}')" \
		"$(sha256sum "$W/sandbox.yaml" | cut -d' ' -f1)" "the file's hash" &&
	printf '# a comment changes nothing\n' >>"$W/sandbox.yaml" &&
	run 0 "$SBX" -C "$W" diff && { ! grep -q "changed while" "$ERR" || fail "a warning about the user's own edit"; }
EOF

t "an image rebuilt under the same tag: diff shows 'image: updated' and that installed state is not kept; apply recreates from the new image" <<'EOF'
WR="$T/ws-rebuilt" && RB="$IMAGE-rebuilt" && docker tag "$IMAGE" "$RB" &&
	workspace "$WR" "git_identity: false" && sed -i "s|^image: .*|image: $RB|" "$WR/sandbox.yaml" &&
	run 0 "$SBX" -C "$WR" apply && idr=$(containers_of "$WR") && old_img=$(docker image inspect -f '{{.Id}}' "$RB") &&
	eq "$(ins "$idr" '{{index .Config.Labels "dev.sbx.image-id"}}')" "$old_img" "the image id it was made from" &&
	docker exec "$idr" sh -c 'echo kept >/root/installed' &&
	run 0 "$SBX" -C "$WR" apply && out_has "No changes" &&
	_c=$(docker create "$RB" sh) && echo rebuilt >"$T/rebuilt" && docker cp "$T/rebuilt" "$_c:/rebuilt" &&
	docker commit "$_c" "$RB" >/dev/null && docker rm "$_c" >/dev/null &&
	new_img=$(docker image inspect -f '{{.Id}}' "$RB") && { [ "$new_img" != "$old_img" ] || fail "not rebuilt"; } &&
	run 5 "$SBX" -C "$WR" diff --exit-code && out_has "^!!   ~ image: another image runs with the workspace mounted$" &&
	out_has "~ image: updated ($(printf %.19s "$old_img")… → $(printf %.19s "$new_img")…)  # forces recreate" &&
	out_has "installed state: not kept (the image changed" &&
	run 0 "$SBX" -C "$WR" diff --json && eq "$(jq -r '.changes[] | select(.image_update) | .after' "$OUT")" "$new_img" "the JSON change" &&
	run 3 "$SBX" -C "$WR" apply </dev/null && err_has "fresh" && eq "$(containers_of "$WR")" "$idr" "the sandbox without --fresh" &&
	run 0 "$SBX" -C "$WR" apply --fresh && out_has "must be replaced" && idr2=$(containers_of "$WR") &&
	{ [ "$idr2" != "$idr" ] || fail "the same container"; } && eq "$(count_of "$WR")" 1 "containers" &&
	eq "$(ins "$idr2" '{{.Image}}')" "$new_img" "the new container's image" &&
	eq "$(docker exec "$idr2" cat /rebuilt)" rebuilt "the new image's file" &&
	run 0 "$SBX" -C "$WR" apply && out_has "No changes"
EOF

t "apply --recreate: a new container with nothing changed, its installed file kept" <<'EOF'
idr=$(containers_of "$WR") && docker exec "$idr" sh -c 'echo kept >/root/installed' &&
	run 0 "$SBX" -C "$WR" apply --recreate && out_has "must be replaced" &&
	out_has "installed state: kept" && idr3=$(containers_of "$WR") &&
	{ [ "$idr3" != "$idr" ] || fail "the same container"; } && eq "$(count_of "$WR")" 1 "containers" &&
	eq "$(docker exec "$idr3" cat /root/installed)" kept "the installed file" &&
	run 0 "$SBX" -C "$WR" apply && out_has "No changes" &&
	run 0 "$SBX" -C "$WR" rm && docker rmi "$RB" >/dev/null
EOF

t "a resource change is made in place: same container, new limit" <<'EOF'
id=$(containers_of "$W") && printf 'resources: {pids: 321}\n' >>"$W/sandbox.yaml" &&
	run 0 "$SBX" -C "$W" apply && out_has "updated in place" &&
	eq "$(containers_of "$W")" "$id" "container id" &&
	eq "$(ins "$id" '{{.HostConfig.PidsLimit}}')" 321 "pids limit" &&
	run 0 "$SBX" -C "$W" diff --exit-code
EOF

t "a command change is no change: nothing on the container, nothing listed, diff --exit-code 0" <<'EOF'
printf 'command: [sh]\n' >>"$W/sandbox.yaml" &&
	run 0 "$SBX" -C "$W" diff --exit-code && out_has "^No changes" &&
	{ ! grep -q "command" "$OUT" || fail "the plan lists the command"; } &&
	run 0 "$SBX" -C "$W" diff --json --exit-code &&
	jq -e '.changes_present == false and (.changes | length) == 0' "$OUT" >/dev/null &&
	run 0 "$SBX" -C "$W" apply && out_has "^No changes" &&
	eq "$(containers_of "$W")" "$id" "container id"
EOF

t "a file changed while its sandbox ran: diff warns only when the change widens host access" <<'EOF'
workspace "$WN" "network: none" &&
	run 0 "$SBX" -C "$WN" apply && idn=$(containers_of "$WN") &&
	eq "$(ins "$idn" '{{.HostConfig.NetworkMode}}')" none "network" &&
	printf 'env: {A: "1"}\n' >>"$WN/sandbox.yaml" &&
	run 2 "$SBX" -C "$WN" diff --exit-code && out_has "+ env.A = '1'  # forces recreate" &&
	{ ! grep -q "changed while" "$ERR" || fail "a warning about an env edit"; } &&
	sed -i 's/^network: none$/network: bridge/' "$WN/sandbox.yaml" &&
	run 5 "$SBX" -C "$WN" diff --exit-code && out_has "^!!   ~ network: the sandbox reaches the network$" &&
	out_has "~ network: 'none' -> 'bridge'  # forces recreate  # widens host access" &&
	err_has "sandbox.yaml' changed while '$(name_of "$idn")' was running, and the change widens its host access"
EOF

t "a sub-directory is an entry point to the same sandbox" <<'EOF'
mkdir -p "$W/src/deep" &&
	run 0 "$SBX" -C "$W/src/deep" apply && eq "$(containers_of "$W")" "$id" "container id"
EOF

t "a sandbox.yaml an agent writes inside its workspace is not silently a new sandbox" <<'EOF'
WNE="$T/ws-nest" && workspace "$WNE" && run 0 "$SBX" -C "$WNE" apply && idne=$(containers_of "$WNE") &&
	# the agent, inside, writes a file asking for no host access at all
	docker exec "$idne" sh -c "mkdir -p '$WNE/src' && printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\n' '$IMAGE' >'$WNE/src/sandbox.yaml'" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$WNE/src" apply &&
	err_has "$WNE/src/sandbox.yaml:1:1: this sandbox.yaml sits inside the workspace '$WNE'" &&
	err_has "an agent in that sandbox could have written it" && err_has "sbx trust" && only_gets &&
	eq "$(count_of "$WNE/src")" 0 "containers before the approval" &&
	run 0 "$SBX" -C "$WNE/src" diff && err_has "warning: .*sits inside the workspace '$WNE'" &&
	run 0 "$SBX" -C "$WNE/src" trust --yes && out_has "sits inside the workspace '$WNE'" &&
	run 0 "$SBX" -C "$WNE/src" apply && eq "$(count_of "$WNE/src")" 1 "containers after it" &&
	SBX_TRACE=1 run 0 "$SBX" -C "$WNE/src" apply && out_has "No changes" &&
	eq "$(grep -c 'engine request' "$ERR")" 3 "requests of a no-op apply (ping, list, image)" &&
	# any edit asks again; the enclosing workspace itself needs nothing
	docker exec "$idne" sh -c "echo 'env: {X: y}' >>'$WNE/src/sandbox.yaml'" &&
	run 3 "$SBX" -C "$WNE/src" apply && err_has "sits inside the workspace" &&
	run 0 "$SBX" -C "$WNE" apply && out_has "No changes"
EOF

t "a symlinked entry point is the same sandbox, labelled with the canonical path" <<'EOF'
ln -s "$W" "$T/link-to-ws" &&
	(cd "$T/link-to-ws/src" && run 0 "$SBX" apply) && eq "$(containers_of "$W")" "$id" "container id" &&
	eq "$(ins "$id" '{{index .Config.Labels "dev.sbx.workspace"}}')" "$W" "label"
EOF

t "two workspaces, two sandboxes with distinct names" <<'EOF'
workspace "$W2" && run 0 "$SBX" -C "$W2" apply &&
	id2=$(containers_of "$W2") &&
	eq "$(count_of "$W2")" 1 "containers" && { [ "$id2" != "$id" ] || fail "the same container"; } &&
	{ [ "$(name_of "$id2")" != "$(name_of "$id")" ] || fail "the same name"; }
EOF

t "tier 1: a file asking for the docker socket is refused (exit 3, nothing created) until trusted" <<'EOF'
workspace "$W10" "docker_socket: true" "pass_env: [HOME]" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$W10" apply &&
	err_has "sandbox.yaml:5:1: docker_socket: true (the engine's socket: root on the host) needs your approval" &&
	err_has "sandbox.yaml:6:12: pass_env HOME (your value of it, copied in) needs your approval" &&
	only_gets &&
	eq "$(count_of "$W10")" 0 "containers" &&
	run 0 "$SBX" -C "$W10" diff && err_has "apply will refuse it until 'sbx trust'"
EOF

t "sbx trust without a terminal asks for --yes; with it, apply goes through" <<'EOF'
run 3 "$SBX" -C "$W10" trust </dev/null && err_has "sbx trust --yes" &&
	run 0 "$SBX" -C "$W10" trust --yes && out_has "line 5: docker_socket: true" &&
	out_has "line 6: pass_env HOME" && run 0 "$SBX" -C "$W10" apply &&
	eq "$(count_of "$W10")" 1 "containers"
EOF

t "any edit voids the approval; re-trust; untrust withdraws it" <<'EOF'
printf '# a comment is an edit too\n' >>"$W10/sandbox.yaml" &&
	run 3 "$SBX" -C "$W10" apply && err_has "needs your approval" &&
	run 0 "$SBX" -C "$W10" trust --yes && run 0 "$SBX" -C "$W10" apply &&
	run 0 "$SBX" -C "$W10" untrust && out_has "withdrew the approvals" &&
	run 3 "$SBX" -C "$W10" apply
EOF

t "sbx trust shows what changed since the last approval: grants and lines" <<'EOF'
WTD="$T/ws-trust-diff" && mkdir -p "$T/trust-diff-src" &&
	workspace "$WTD" "pass_env: [HOME]" &&
	run 0 "$SBX" -C "$WTD" trust --yes && { ! grep -q "Changed since" "$OUT" || fail "a diff on first approval"; } &&
	sed -i 's|^pass_env: .*$|mounts: [{source: "'"$T/trust-diff-src"'", target: /d}]|' "$WTD/sandbox.yaml" &&
	printf 'docker_socket: true\n# a comment\n' >>"$WTD/sandbox.yaml" &&
	run 0 "$SBX" -C "$WTD" trust --yes && out_has "Changed since your last approval:" &&
	out_has "^  - no longer line 5: pass_env HOME" &&
	out_has "^  + asks now  line 6: docker_socket: true" &&
	out_has "^  + asks now  line 5: mount of the host's '$T/trust-diff-src' at '/d'" &&
	out_has "^  -   5 | pass_env: \[HOME\]" && out_has "^  +   6 | docker_socket: true" &&
	out_has '^  +   7 | # a comment' &&
	run 0 "$SBX" -C "$WTD" trust --yes && { ! grep -q "Changed since" "$OUT" || fail "a diff with no change"; }
EOF

t "a file that asks for nothing needs no trust" <<'EOF'
run 0 "$SBX" -C "$W2" trust && out_has "nothing to trust"
EOF

t "a trust store others can write is refused" <<'EOF'
when_finished 'chmod 700 "$HOME/.local/share/sbx/trust"' &&
	chmod 777 "$HOME/.local/share/sbx/trust" &&
	run 3 "$SBX" -C "$W10" apply && err_has "writable by others"
EOF

t "the docker socket, when asked for" <<'EOF'
workspace "$W3" "docker_socket: true" &&
	run 0 "$SBX" -C "$W3" trust --yes && run 0 "$SBX" -C "$W3" apply && id3=$(containers_of "$W3") &&
	src=$(ins "$id3" '{{range .Mounts}}{{if eq .Destination "/var/run/docker.sock"}}{{.Source}}{{end}}{{end}}') &&
	eq "$(readlink -f "$src")" "$SOCK_REAL" "socket mount, as it resolves" &&
	docker exec "$id3" test -S /var/run/docker.sock &&
	eq "$(docker exec "$id3" stat -L -c %i /var/run/docker.sock)" "$(stat -L -c %i "$SOCK_REAL")" \
		"the inode of the socket inside"
EOF

t "extra mounts: read-only and read-write, relative and ~ sources" <<'EOF'
mkdir -p "$T/data-ro" "$HOME/cache" && echo hello >"$T/data-ro/file" &&
	workspace "$T/ws-mounts" "mounts:" "  - {source: ../data-ro, target: /data, readonly: true}" \
		"  - {source: ~/cache, target: /cache}" &&
	run 0 "$SBX" -C "$T/ws-mounts" trust --yes && run 0 "$SBX" -C "$T/ws-mounts" apply &&
	id4=$(containers_of "$T/ws-mounts") &&
	eq "$(docker exec "$id4" cat /data/file)" hello "read" &&
	{ ! docker exec "$id4" touch /data/new 2>/dev/null || fail "the read-only mount is writable"; } &&
	docker exec "$id4" touch /cache/new && [ -e "$HOME/cache/new" ] &&
	eq "$(ins "$id4" '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Source}}{{end}}{{end}}')" "$T/data-ro" "canonical source"
EOF

t "a mount without a target appears at its source's canonical path, read through there" <<'EOF'
mkdir -p "$T/data-pm" && echo matched >"$T/data-pm/file" && ln -s data-pm "$T/link-pm" &&
	workspace "$T/ws-pathmatch" "mounts:" "  - {source: ../link-pm, readonly: true}" &&
	run 0 "$SBX" -C "$T/ws-pathmatch" trust --yes && out_has "at the same path (read-only)" &&
	run 0 "$SBX" -C "$T/ws-pathmatch" apply && out_has "mounts.$T/data-pm" &&
	idpm=$(containers_of "$T/ws-pathmatch") &&
	eq "$(ins "$idpm" '{{range .Mounts}}{{if eq .Source "'"$T/data-pm"'"}}{{.Destination}} {{.RW}}{{end}}{{end}}')" \
		"$T/data-pm false" "mount at the source's canonical path" &&
	eq "$(docker exec "$idpm" cat "$T/data-pm/file")" matched "read at the same path" &&
	run 0 "$SBX" -C "$T/ws-pathmatch" apply && out_has "No changes"
EOF

t "a workspace directory with accented and non-Latin letters gets a readable default name" <<'EOF'
workspace "$T/Café Straße 项目" && run 0 "$SBX" -C "$T/Café Straße 项目" apply &&
	nm=$(name_of "$(containers_of "$T/Café Straße 项目")") &&
	{ printf '%s\n' "$nm" | grep -Eqx 'sbx-Cafe-Strasse-[0-9a-f]{8}' || fail "name '$nm'"; } &&
	workspace "$T/项目" && run 0 "$SBX" -C "$T/项目" apply &&
	nm=$(name_of "$(containers_of "$T/项目")") &&
	{ printf '%s\n' "$nm" | grep -Eqx 'sbx-[0-9a-f]{8}' || fail "name '$nm'"; }
EOF

t "a name another container holds: diff and apply say which, at plan time, and change nothing" <<'EOF'
# A container sbx did not make, with a hostile label; then a workspace wanting W2's sandbox's name.
taken="sbx-it-taken-$(basename "$T" | tr 'A-Z.' 'a-z-')" &&
	when_finished "docker rm -f '$taken' >/dev/null 2>&1" &&
	foreign=$(docker create --name "$taken" --label "dev.evil=$(printf '\033[31m')" "$IMAGE" sleep 1) &&
	workspace "$T/ws-taken" "name: $taken" &&
	run 1 "$SBX" -C "$T/ws-taken" diff &&
	err_has "sandbox.yaml:5:1: name '$taken' is taken by the container '$taken' (id $(printf %.12s "$foreign"), image '$IMAGE'), which sbx did not make" &&
	err_has "choose another name, or rename or remove that container with docker" &&
	SBX_TRACE=1 run 1 "$SBX" -C "$T/ws-taken" apply && err_has "is taken by the container" && only_gets &&
	{ ! grep -q 409 "$ERR" || fail "the engine's 409 reached the user"; } &&
	eq "$(count_of "$T/ws-taken")" 0 "containers of the workspace" &&
	eq "$(ins "$taken" '{{.Id}}')" "$foreign" "the other container, untouched" &&
	n2=$(name_of "$id2") && workspace "$T/ws-taken2" "name: $n2" &&
	run 1 "$SBX" -C "$T/ws-taken2" apply &&
	err_has "name '$n2' is taken by the sandbox '$n2' (id [0-9a-f]*, image '$IMAGE') of the workspace '$W2'" &&
	err_has "(sbx rm '$n2')" && eq "$(count_of "$T/ws-taken2")" 0 "containers of the second workspace" &&
	when_finished "docker rm -f '$taken-forged' >/dev/null 2>&1" &&
	docker create --name "$taken-forged" --label dev.sbx.managed=1 \
		--label "dev.sbx.workspace=$T/forged$(printf '\033')[31m" "$IMAGE" sleep 1 >/dev/null &&
	workspace "$T/ws-taken3" "name: $taken-forged" && run 1 "$SBX" -C "$T/ws-taken3" diff &&
	{ grep -qF "of the workspace '$T/forged\x1b[31m'" "$ERR" || fail "the forged label, not escaped"; } &&
	{ ! LC_ALL=C grep -q "$(printf '\033')" "$ERR" || fail "a raw escape on stderr"; }
EOF

t "a mount source swapped for a symlink while the sandbox was stopped: the start is refused until re-approved" <<'EOF'
# The engine follows host symlinks at every start; the approval holds where the source led.
mkdir -p "$T/swap/data" "$T/swap/elsewhere" &&
	echo approved >"$T/swap/data/file" && echo other >"$T/swap/elsewhere/file" &&
	workspace "$T/ws-swap" "mounts:" "  - {source: ../swap/data, target: /data, readonly: true}" &&
	run 0 "$SBX" -C "$T/ws-swap" trust --yes && out_has "'../swap/data' ('$T/swap/data')" &&
	run 0 "$SBX" -C "$T/ws-swap" apply && run 0 "$SBX" -C "$T/ws-swap" stop &&
	ids=$(containers_of "$T/ws-swap") &&
	mv "$T/swap/data" "$T/swap/data.real" && ln -s elsewhere "$T/swap/data" &&
	run 0 "$SBX" -C "$T/ws-swap" diff && err_has "led to '$T/swap/data' when you approved" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$T/ws-swap" apply &&
	err_has "sandbox.yaml:6:5: mount source '../swap/data' led to '$T/swap/data' when you approved the file, and leads to '$T/swap/elsewhere' now" &&
	err_has "sbx trust" && only_gets &&
	eq "$(containers_of "$T/ws-swap")" "$ids" "the same container" &&
	eq "$(ins "$ids" '{{.State.Running}}')" false "still stopped" &&
	run 0 "$SBX" -C "$T/ws-swap" trust --yes && run 0 "$SBX" -C "$T/ws-swap" apply &&
	out_has "must be replaced" &&
	eq "$(docker exec "$(containers_of "$T/ws-swap")" cat /data/file)" other "the newly approved source"
EOF

t "a mount source swapped for a symlink to a secret: tier 2, even when re-approved" <<'EOF'
mkdir -p "$HOME/.ssh" && rm -f "$T/swap/data" && ln -s "$HOME/.ssh" "$T/swap/data" &&
	run 3 "$SBX" -C "$T/ws-swap" trust --yes &&
	run 3 "$SBX" -C "$T/ws-swap" apply && err_has "refused: it is ~/.ssh" &&
	eq "$(count_of "$T/ws-swap")" 1 "containers"
EOF

t "pass_env needs sbx trust; then the container holds no value (config, labels), nothing prints it, a rotated or unset host value is no change" <<'EOF'
workspace "$WP" "pass_env: [SBX_IT_SECRET]" &&
	SBX_IT_SECRET=$SECRET run 3 "$SBX" -C "$WP" apply && no_secret &&
	err_has "sandbox.yaml:5:12: pass_env SBX_IT_SECRET (your value of it, copied in) needs your approval" &&
	eq "$(count_of "$WP")" 0 "containers before the approval" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WP" trust --yes && no_secret &&
	SBX_IT_SECRET=$SECRET run 5 "$SBX" -C "$WP" diff --exit-code && no_secret &&
	out_has "^      + pass_env.SBX_IT_SECRET = '(from the host, per session)'  # widens host access$" &&
	SBX_IT_SECRET=$SECRET run 5 "$SBX" -C "$WP" diff --json --exit-code && no_secret &&
	eq "$(jq -r '.changes[] | select(.path == "pass_env.SBX_IT_SECRET") | "\(.after) \(.host_access)"' "$OUT")" \
		"(from the host, per session) widens" "diff --json" &&
	SBX_IT_SECRET=$SECRET SBX_TRACE=1 run 0 "$SBX" -C "$WP" apply && no_secret &&
	{ grep -q "engine request" "$ERR" || fail "no traced request: was SBX_TRACE set?"; } &&
	idp=$(containers_of "$WP") && [ -n "$idp" ] &&
	{ ! docker inspect "$idp" | grep -q "$SECRET" || fail "docker inspect of the container shows the value"; } &&
	{ ! ins "$idp" '{{json .Config.Env}}' | grep -q SBX_IT_SECRET || fail "the container's Env names the variable"; } &&
	{ ! ins "$idp" '{{json .Config.Labels}}' | grep -q "hmac-sha256" || fail "a label holds a digest"; } &&
	eq "$(ins "$idp" '{{index .Config.Labels "dev.sbx.spec"}}' | jq -r '.fields["pass_env.SBX_IT_SECRET"]')" \
		"(from the host, per session)" "the label's record of the variable" &&
	eq "$(docker exec "$idp" sh -c 'echo "${SBX_IT_SECRET-unset}"')" unset "the variable for docker exec" &&
	run 0 "$SBX" -C "$WP" inspect && no_secret &&
	out_has "pass_env.SBX_IT_SECRET = '(from the host, per session)'" &&
	run 0 "$SBX" -C "$WP" inspect --json && no_secret &&
	eq "$(jq -r '.spec.pass_env.SBX_IT_SECRET' "$OUT")" "(from the host, per session)" "inspect --json" &&
	SBX_IT_SECRET=rotated-$SECRET run 0 "$SBX" -C "$WP" diff --exit-code && out_has "^No changes" &&
	{ ! grep -q "rotated-" "$OUT" "$ERR" || fail "the rotated value was printed"; } &&
	SBX_IT_SECRET=rotated-$SECRET run 0 "$SBX" -C "$WP" apply && out_has "^No changes" &&
	{ env -u SBX_IT_SECRET "$SBX" -C "$WP" diff --exit-code >"$OUT" 2>"$ERR" || fail "diff with the variable unset: $(cat "$ERR")"; } &&
	out_has "^No changes" &&
	eq "$(containers_of "$WP")" "$idp" "the same container" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WP" exec -- sh -c 'echo "$SBX_IT_SECRET"' &&
	eq "$(cat "$OUT")" "$SECRET" "the value in an exec session" &&
	{ ! grep -q "$SECRET" "$ERR" || fail "stderr shows the value"; } &&
	SBX_IT_SECRET=rotated-$SECRET run 0 "$SBX" -C "$WP" exec -- sh -c 'echo "$SBX_IT_SECRET"' &&
	eq "$(cat "$OUT")" "rotated-$SECRET" "the next session's value, rotated" &&
	eq "$(containers_of "$WP")" "$idp" "the same container after the sessions" &&
	{ ! docker inspect "$idp" | grep -q "$SECRET" || fail "docker inspect shows the value after a session"; } &&
	{ env -u SBX_IT_SECRET "$SBX" -C "$WP" exec -- sh -c 'echo "${SBX_IT_SECRET-unset}"' >"$OUT" 2>"$ERR" ||
		fail "exec with the variable unset: $(cat "$ERR")"; } &&
	eq "$(cat "$OUT")" unset "the session without the host's variable" &&
	err_has "warning: pass_env SBX_IT_SECRET is not set on the host: this session runs without it"
EOF

t "pass_env and a recreate: the snapshot image holds no value (Config, ContainerConfig) and blanks nothing" <<'EOF'
printf 'env: {SBX_IT_MORE: "1"}\n' >>"$WP/sandbox.yaml" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WP" trust --yes &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WP" apply && no_secret &&
	out_has "kept the installed state" &&
	idp=$(containers_of "$WP") && snap="sbx-snapshot:$(name_of "$idp")" &&
	docker image inspect "$snap" >"$T/snap.json" &&
	eq "$(jq -c '.[0].Config.Env' "$T/snap.json")" "$(docker image inspect -f '{{json .Config.Env}}' "$IMAGE")" "the snapshot's Env: the image's own" &&
	eq "$(jq -c '.[0].ContainerConfig.Env' "$T/snap.json")" null "the snapshot's ContainerConfig.Env" &&
	{ ! grep -q "$SECRET\|SBX_IT_MORE" "$T/snap.json" || fail "the snapshot image holds the container's environment"; } &&
	{ ! jq -c '.[0].Config.Env, .[0].ContainerConfig.Env' "$T/snap.json" | grep -q SBX_IT_SECRET ||
		fail "the snapshot's Config or ContainerConfig names the variable: $(jq -c '.[0].Config.Env, .[0].ContainerConfig.Env' "$T/snap.json")"; } &&
	{ ! docker inspect "$idp" | grep -q "$SECRET" || fail "docker inspect of the new container shows the value"; }
EOF

t "a sandbox the previous sbx made (the value in its Env, a digest in its labels) is recreated once, keeping its files: no snapshot keeps the value; its successor holds none" <<'EOF'
OLD_REV=6163e3b &&
	{ git -C "$ROOT" rev-parse -q --verify "$OLD_REV^{commit}" >/dev/null || fail "no commit $OLD_REV to build the previous sbx from"; } &&
	mkdir -p "$T/old-sbx" && git -C "$ROOT" archive "$OLD_REV" | tar -x -C "$T/old-sbx" &&
	{ env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$T/old-sbx" -j2 BUILD=build CFLAGS="-O0 -g" \
		EXTRA_LDFLAGS= sbx >"$T/old-sbx.log" 2>&1 || fail "cannot build the previous sbx: $(tail -5 "$T/old-sbx.log")"; } &&
	OLD="$T/old-sbx/sbx" && WO="$T/ws-passenv-old" &&
	workspace "$WO" "pass_env: [SBX_IT_SECRET]" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WO" trust --yes &&
	SBX_IT_SECRET=$SECRET run 0 "$OLD" -C "$WO" apply &&
	ido=$(containers_of "$WO") && [ -n "$ido" ] &&
	{ ins "$ido" '{{json .Config.Env}}' | grep -q "SBX_IT_SECRET=$SECRET" || fail "the previous sbx did not put the value in Env"; } &&
	{ ins "$ido" '{{json .Config.Labels}}' | grep -q "hmac-sha256:" || fail "the previous sbx labelled no digest"; } &&
	docker exec "$ido" touch /installed &&
	SBX_IT_SECRET=$SECRET run 2 "$SBX" -C "$WO" diff --exit-code && no_secret &&
	out_has "^      ~ security: 'hardened-2' -> 'hardened-3'  # forces recreate$" &&
	out_has "installed state: kept (preserve_state: the new sandbox starts from a snapshot of the old one)" &&
	{ ! grep -q "^      [-~+] pass_env\|hmac-sha256" "$OUT" || fail "the plan lists a pass_env change or a digest"; } &&
	run 0 "$SBX" -C "$WO" inspect && no_secret && out_has "pass_env.SBX_IT_SECRET = (sensitive)" &&
	{ ! grep -q "hmac-sha256" "$OUT" || fail "inspect prints the digest"; } &&
	run 0 "$SBX" -C "$WO" inspect --json && no_secret && by_schema sandbox &&
	eq "$(jq -r '.spec.pass_env.SBX_IT_SECRET' "$OUT")" "(sensitive)" "inspect --json of the digest" &&
	{ ! grep -q "hmac-sha256" "$OUT" || fail "inspect --json prints the digest"; } &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WO" apply && no_secret &&
	out_has "kept the installed state" &&
	idn=$(containers_of "$WO") && [ -n "$idn" ] && [ "$idn" != "$ido" ] &&
	{ docker exec "$idn" test -e /installed || fail "the old sandbox's files were lost"; } &&
	{ ! docker inspect "$idn" | grep -q "$SECRET" || fail "docker inspect of the successor shows the value"; } &&
	{ ! ins "$idn" '{{json .Config.Labels}}' | grep -q "hmac-sha256" || fail "the successor's labels hold a digest"; } &&
	eq "$(docker exec "$idn" sh -c 'echo "[${SBX_IT_SECRET-unset}]"')" "[unset]" "the variable inside the successor" &&
	snap="sbx-snapshot:$(name_of "$idn")" &&
	{ docker image inspect "$snap" >/dev/null 2>&1 || fail "no snapshot image was made of the old sandbox"; } &&
	{ ! docker images --no-trunc -q | while read -r im; do docker image inspect "$im"; done | grep -q "$SECRET" ||
		fail "an image on the engine holds the value"; } &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WO" diff --exit-code && out_has "^No changes" &&
	SBX_IT_SECRET=rotated-$SECRET run 0 "$SBX" -C "$WO" apply && out_has "^No changes" &&
	eq "$(containers_of "$WO")" "$idn" "recreated once only"
EOF

t "a mount source that does not exist: exit 65 at its position, nothing created" <<'EOF'
workspace "$T/ws-nosrc" "mounts:" "  - {source: /nonexistent/sbx, target: /x}" &&
	run 65 "$SBX" -C "$T/ws-nosrc" apply && err_has "sandbox.yaml:6:5: mount source '/nonexistent/sbx'" &&
	eq "$(count_of "$T/ws-nosrc")" 0 "containers"
EOF

t "git identity: the workspace repository's, injected; off with git_identity: false" <<'EOF'
workspace "$W5" && git -C "$W5" init -q && git -C "$W5" config user.name "Ada Lovelace" &&
	git -C "$W5" config user.email ada@example.org &&
	run 0 "$SBX" -C "$W5" apply && id5=$(containers_of "$W5") &&
	eq "$(docker exec "$id5" sh -c 'echo "$GIT_AUTHOR_NAME/$GIT_COMMITTER_EMAIL"')" \
		"Ada Lovelace/ada@example.org" "identity" &&
	docker exec "$id5" touch /installed &&
	printf 'git_identity: false\n' >>"$W5/sandbox.yaml" &&
	run 0 "$SBX" -C "$W5" apply && id5=$(containers_of "$W5") &&
	eq "$(docker exec "$id5" sh -c 'echo "${GIT_AUTHOR_NAME-none}"')" none "no identity" &&
	out_has "kept the installed state" &&
	{ docker exec "$id5" test -e /installed || fail "the installed file was lost"; }
EOF

t "no git identity is a warning, not an error" <<'EOF'
run 0 "$SBX" -C "$W2" diff && err_has "no git identity"
EOF

t "a FIFO as the workspace's .git/config, or as a file it includes, hangs nothing" <<'EOF'
workspace "$T/ws-fifo" && mkdir -p "$T/ws-fifo/.git" && mkfifo "$T/ws-fifo/.git/config" &&
	run 0 timeout 20 "$SBX" -C "$T/ws-fifo" diff && err_has "config' is not a regular file" &&
	rm "$T/ws-fifo/.git/config" && mkfifo "$T/fifo-include" &&
	printf '[include]\n\tpath = %s\n[user]\n\tname = Ada Fifo\n\temail = ada@example.org\n' "$T/fifo-include" >"$T/ws-fifo/.git/config" &&
	run 0 timeout 20 "$SBX" -C "$T/ws-fifo" diff && out_has "Ada Fifo" &&
	rm -r "$T/ws-fifo/.git" && mkfifo "$T/ws-fifo/.git" &&
	run 0 timeout 20 "$SBX" -C "$T/ws-fifo" diff && err_has "ws-fifo/.git' is not a regular file"
EOF

t "the image's home is given to the workspace owner by /bin/chown, not by the chown the file's PATH finds" <<'EOF'
W6p="$T/ws-path" && mkdir -p "$W6p/bin" &&
	printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\nenv: {PATH: "%s/bin:/bin", LD_PRELOAD: /nonexistent.so}\n' "$IMAGE_AGENT" "$W6p" >"$W6p/sandbox.yaml" &&
	printf '#!/bin/sh\necho planted >/tmp/planted\n' >"$W6p/bin/chown" && chmod 755 "$W6p/bin/chown" &&
	chown -R 4242:4343 "$W6p" &&
	# root on another user's checkout: discovery wants the user's own word for it
	safe_directory "$W6p" &&
	run 0 "$SBX" -C "$W6p" apply && idp6=$(containers_of "$W6p") &&
	eq "$(docker exec "$idp6" stat -c %u /home/agent)" 4242 "home" &&
	{ ! docker exec "$idp6" test -e /tmp/planted || fail "the workspace's chown ran as root"; }
EOF

t "credentials: workspace mounts a named volume at the agent's directory" <<'EOF'
mkdir -p "$W6" &&
	printf 'version: 1\nagent: claude\nimage: %s\ncredentials: workspace\n' "$IMAGE" >"$W6/sandbox.yaml" &&
	run 0 "$SBX" -C "$W6" apply && id6=$(containers_of "$W6") &&
	vol=$(ins "$id6" '{{range .Mounts}}{{if eq .Destination "/home/agent/.claude"}}{{.Name}}{{end}}{{end}}') &&
	{ [ -n "$vol" ] || fail "no volume at /home/agent/.claude"; } &&
	eq "$(ins "$id6" '{{range .Mounts}}{{if eq .Destination "/home/agent/.claude"}}{{.Type}}{{end}}{{end}}')" volume "type"
EOF

t "the image's user acts as the workspace owner, a uid the image does not have" <<'EOF'
mkdir -p "$W8" &&
	printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\n' "$IMAGE_AGENT" >"$W8/sandbox.yaml" &&
	chown -R 4242:4343 "$W8" &&
	# root on uid 4242's checkout is another user's file: refused, then allowed by root's policy
	run 3 "$SBX" -C "$W8" apply && err_has "$W8/sandbox.yaml:1:1: not used: the file belongs to uid 4242" &&
	err_has "safe_directory: true" && eq "$(count_of "$W8")" 0 "containers before the policy entry" &&
	safe_directory "$W8" &&
	run 0 "$SBX" -C "$W8" apply && out_has "acts as the workspace owner, uid 4242 gid 4343" &&
	id8=$(containers_of "$W8") &&
	eq "$(docker exec "$id8" id -u)" 4242 "uid" &&
	eq "$(docker exec "$id8" id -g)" 4343 "gid" &&
	eq "$(docker exec "$id8" id -un)" agent "name" &&
	docker exec "$id8" touch "$W8/made-inside" &&
	eq "$(stat -c %u:%g "$W8/made-inside")" 4242:4343 "owner on the host" &&
	eq "$(docker exec "$id8" stat -c %u /home/agent)" 4242 "home" &&
	eq "$(docker exec "$id8" sh -c 'echo $GIT_CONFIG_KEY_0=$GIT_CONFIG_VALUE_0')" "safe.directory=$W8" "safe.directory" &&
	run 0 "$SBX" -C "$W8" apply && out_has "No changes"
EOF

t "a recreate interrupted after the names were swapped is rolled back by the next apply" <<'EOF'
workspace "$W9" "env: {V: 1}" && run 0 "$SBX" -C "$W9" apply &&
	old9=$(containers_of "$W9") && n9=$(name_of "$old9") &&
	# what a crash leaves: the old one stopped and renamed, a replacement made
	docker stop "$old9" >/dev/null && docker rename "$old9" "$n9-sbx-old" &&
	docker create --name "$n9-sbx-new" --label "dev.sbx.workspace=$W9" \
		--label "dev.sbx.workspace-id=$(ins "$old9" '{{index .Config.Labels "dev.sbx.workspace-id"}}')" \
		--label dev.sbx.managed=1 "$IMAGE" sleep 1 >/dev/null &&
	run 1 "$SBX" -C "$W9" diff && err_has "repairs that" &&
	run 0 "$SBX" -C "$W9" apply && err_has "rolled back an interrupted recreate" &&
	eq "$(containers_of "$W9")" "$old9" "the old container is back" &&
	eq "$(ins "$old9" '{{.Name}}')" "/$n9" "its name" &&
	eq "$(ins "$old9" '{{.State.Running}}')" true "running"
EOF

t "tier 2: a mount of ~/.ssh, even through a symlink, is refused with exit 3 and no state-changing request" <<'EOF'
mkdir -p "$HOME/.ssh" && ln -s "$HOME/.ssh" "$T/ws-secret-link" &&
	workspace "$T/ws-secret" "mounts:" "  - {source: ~/.ssh, target: /keys}" \
		"  - {source: ../ws-secret-link, target: /more}" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$T/ws-secret" apply &&
	err_has "sandbox.yaml:6:5: mount source '~/.ssh' refused: it is ~/.ssh" &&
	err_has "sandbox.yaml:7:5: mount source '../ws-secret-link' refused: it is ~/.ssh (it resolves to" &&
	only_gets &&
	eq "$(count_of "$T/ws-secret")" 0 "containers"
EOF

t "the user's policy file allows a named path for one workspace; the file itself cannot" <<'EOF'
mkdir -p "$HOME/.kube" "$HOME/.config/sbx" && echo cfg >"$HOME/.kube/config" &&
	workspace "$T/ws-kube" "mounts:" "  - {source: ~/.kube, target: /kube, readonly: true}" &&
	workspace "$T/ws-kube2" "mounts:" "  - {source: ~/.kube, target: /kube, readonly: true}" &&
	run 3 "$SBX" -C "$T/ws-kube" apply && err_has "refused: it is ~/.kube" && err_has "policy.yaml' allows it" &&
	when_finished 'rm -f "$HOME/.config/sbx/policy.yaml"' &&
	printf 'version: 1\nallow:\n  - workspace: %s\n    paths: [~/.kube]\n' "$T/ws-kube" >"$HOME/.config/sbx/policy.yaml" &&
	run 3 "$SBX" -C "$T/ws-kube" apply && err_has "needs your approval" &&
	run 0 "$SBX" -C "$T/ws-kube" trust --yes && run 0 "$SBX" -C "$T/ws-kube" apply &&
	eq "$(docker exec "$(containers_of "$T/ws-kube")" cat /kube/config)" cfg "the allowed mount" &&
	run 3 "$SBX" -C "$T/ws-kube2" trust --yes && err_has "refused: it is ~/.kube" &&
	eq "$(count_of "$T/ws-kube2")" 0 "another workspace's containers" &&
	chmod g+w "$HOME/.config/sbx/policy.yaml" && run 3 "$SBX" -C "$T/ws-kube" apply &&
	err_has "writable by others"
EOF

t "tier 2: a workspace that is the home directory is refused" <<'EOF'
when_finished 'rm -f "$HOME/sandbox.yaml"' && workspace "$HOME" &&
	run 3 "$SBX" -C "$HOME" diff && err_has "the workspace '$HOME' refused: it is your home directory"
EOF

# refused CASE "YAML LINE..." -- EXPECTED...: apply exits 3 with each expected text,
# creates nothing and sends the engine no request but GETs.
refused() { _refused "$@" || fail "in the case '$1'"; }
_refused() {
	_rw="$T/ws-refused-$1"
	shift
	_lines=""
	while [ "$1" != "--" ]; do
		_lines="$_lines$1
"
		shift
	done
	shift
	mkdir -p "$_rw" || return 1
	{
		printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\n' "$IMAGE"
		printf '%s' "$_lines"
	} >"$_rw/sandbox.yaml" || return 1
	SBX_TRACE=1 run 3 "$SBX" -C "$_rw" apply || return 1
	for _want in "$@"; do err_has "$_want" || return 1; done
	only_gets && eq "$(count_of "$_rw")" 0 "containers"
}
t "every refusal: exit 3 at its file:line:col with why and what to do, nothing created, only GETs sent" <<'EOF'
DATA_ROOT=$(docker info -f '{{.DockerRootDir}}') && [ -n "$DATA_ROOT" ] &&
	socket_why=$(engine_refusal "$SOCKET") && data_root_why=$(engine_refusal "$DATA_ROOT") &&
	mkdir -p "$HOME/.aws" "$HOME/.local/share/sbx" "$T/outside" "$T/ws-refused-t2-inside/sub" &&
	refused t1-mount "mounts:" "  - {source: $T/outside, target: /o}" -- \
		"sandbox.yaml:6:5: mount of the host's '$T/outside' at '/o' (read-write) needs your approval: review the file, then run 'sbx trust'" &&
	refused t1-passenv "pass_env: [HOME]" -- "sandbox.yaml:5:12: pass_env HOME" &&
	refused t1-socket "docker_socket: true" -- "sandbox.yaml:5:1: docker_socket: true" &&
	refused t2-aws "mounts:" "  - {source: ~/.aws, target: /a}" -- \
		"sandbox.yaml:6:5: mount source '~/.aws' refused: it is ~/.aws; sbx never mounts that into a sandbox (unless your own policy file" &&
	refused t2-etc "mounts:" "  - {source: /etc, target: /e, readonly: true}" -- "sandbox.yaml:6:5: mount source '/etc' refused: it is /etc" &&
	refused t2-root "mounts:" "  - {source: /, target: /host}" -- "refused: it is the host's root directory" &&
	refused t2-home "mounts:" "  - {source: ~/, target: /h}" -- "refused: it is your home directory" &&
	refused t2-socket "mounts:" "  - {source: $SOCKET, target: /s}" -- "sandbox.yaml:6:5: $socket_why" &&
	refused t2-dataroot "mounts:" "  - {source: $DATA_ROOT, target: /d}" -- "sandbox.yaml:6:5: $data_root_why" &&
	refused t2-sbx "mounts:" "  - {source: ~/.local/share/sbx, target: /t}" -- "refused: it is sbx's own" &&
	refused t2-inside "mounts:" "  - {source: ./sub, target: /t}" -- \
		"mount source './sub' refused: it lies inside the workspace"
EOF

t "tier 2 by what it is: a dotfile link makes ~/dotfiles hold ~/.ssh and ~/sync hold sbx's store; refused, nothing made" <<'EOF'
H="$T/home-dl" && mkdir -p "$H/dotfiles/ssh/proj" "$H/sync/share" "$H/.local" &&
	ln -s dotfiles/ssh "$H/.ssh" && ln -s ../sync/share "$H/.local/share" &&
	workspace "$T/ws-dl1" "mounts:" "  - {source: ~/dotfiles, target: /d, readonly: true}" &&
	SBX_TRACE=1 run 3 env HOME="$H" "$SBX" -C "$T/ws-dl1" apply &&
	err_has "sandbox.yaml:6:5: mount source '~/dotfiles' refused: it holds ~/.ssh (which leads to '$H/dotfiles/ssh')" &&
	err_has "policy.yaml' allows it" && only_gets && eq "$(count_of "$T/ws-dl1")" 0 "containers" &&
	workspace "$T/ws-dl2" "mounts:" "  - {source: ~/sync, target: /s}" &&
	run 3 env HOME="$H" "$SBX" -C "$T/ws-dl2" trust --yes && err_has "refused: it holds sbx's own $H/sync/share/sbx" &&
	SBX_TRACE=1 run 3 env HOME="$H" "$SBX" -C "$T/ws-dl2" apply && only_gets &&
	{ [ ! -e "$H/sync/share/sbx" ] || fail "a trust store was made in the synced directory"; } &&
	eq "$(count_of "$T/ws-dl2")" 0 "containers" &&
	workspace "$H/dotfiles/ssh/proj" && SBX_TRACE=1 run 3 env HOME="$H" "$SBX" -C "$H/dotfiles/ssh/proj" apply &&
	err_has "the workspace '$H/dotfiles/ssh/proj' refused: it lies inside ~/.ssh (which leads to" && only_gets &&
	eq "$(count_of "$H/dotfiles/ssh/proj")" 0 "containers of a workspace in ~/.ssh"
EOF

t "tier 2: a sandbox.yaml in ~/.aws or ~/.config is a mount of it: refused, nothing made" <<'EOF'
mkdir -p "$HOME/.aws" "$HOME/.config" && when_finished 'rm -f "$HOME/.aws/sandbox.yaml" "$HOME/.config/sandbox.yaml"' &&
	workspace "$HOME/.aws" && SBX_TRACE=1 run 3 "$SBX" -C "$HOME/.aws" apply &&
	err_has "the workspace '$HOME/.aws' refused: it is ~/.aws" && only_gets &&
	workspace "$HOME/.config" && SBX_TRACE=1 run 3 "$SBX" -C "$HOME/.config" apply &&
	err_has "the workspace '$HOME/.config' refused: it holds ~/.config/gh" && only_gets &&
	eq "$(count_of "$HOME/.aws")$(count_of "$HOME/.config")" 00 "containers"
EOF

t "HOME unset: ~ is the password database's home, protected as the home" <<'EOF'
workspace "$T/ws-nohome" "mounts:" "  - {source: ~/, target: /h, readonly: true}" &&
	SBX_TRACE=1 run 3 env -u HOME "$SBX" -C "$T/ws-nohome" apply &&
	err_has "sandbox.yaml:6:5: mount source '~/' refused: it is your home directory" && only_gets &&
	eq "$(count_of "$T/ws-nohome")" 0 "containers"
EOF

t "engine-equivalent sockets: the runtime directory's engines and the ssh agent's directory are tier 2" <<'EOF'
mkdir -p "$T/rt/podman" "$T/agent" &&
	workspace "$T/ws-rt" "mounts:" "  - {source: $T/rt/podman, target: /p}" "  - {source: $T/agent, target: /a}" &&
	SBX_TRACE=1 run 3 env XDG_RUNTIME_DIR="$T/rt" SSH_AUTH_SOCK="$T/agent/S.ssh" "$SBX" -C "$T/ws-rt" apply &&
	err_has "sandbox.yaml:6:5: mount source '$T/rt/podman' refused: it lies inside the container engines' runtime directory $T/rt" &&
	err_has "sandbox.yaml:7:5: mount source '$T/agent' refused: it is your ssh agent's $T/agent" &&
	only_gets && eq "$(count_of "$T/ws-rt")" 0 "containers"
EOF

t "sbx trust says when a mount source holds a unix socket" <<'EOF'
mkdir -p "$T/socksrc/a" &&
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$T/socksrc/a/agent.sock" &&
	workspace "$T/ws-sock" "mounts:" "  - {source: $T/socksrc, target: /s, readonly: true}" &&
	run 0 "$SBX" -C "$T/ws-sock" trust --yes &&
	out_has "line 6: mount of the host's '$T/socksrc'.*it holds the unix socket '$T/socksrc/a/agent.sock'"
EOF

t "the swap race: a mount source below a directory others can write is refused, nothing made; a sticky one with your own entry is fine" <<'EOF'
mkdir -p "$T/shared/data" "$T/stick/data" && chmod 0777 "$T/shared" && chmod 1777 "$T/stick" &&
	workspace "$T/ws-race" "mounts:" "  - {source: $T/shared/data, target: /d}" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$T/ws-race" apply &&
	err_has "sandbox.yaml:6:5: mount source '$T/shared/data' refused: it lies below '$T/shared', which others can write (mode 0777)" &&
	err_has "chmod go-w" && only_gets && eq "$(count_of "$T/ws-race")" 0 "containers" &&
	workspace "$T/ws-race2" "mounts:" "  - {source: $T/stick/data, target: /d}" &&
	run 0 "$SBX" -C "$T/ws-race2" trust --yes && run 0 "$SBX" -C "$T/ws-race2" apply &&
	idr=$(containers_of "$T/ws-race2") && eq "$(ins "$idr" '{{.State.Running}}')" true "running" &&
	run 0 "$SBX" -C "$T/ws-race2" stop && chown 65534 "$T/stick/data" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$T/ws-race2" apply && err_has "and the entry is not yours" && only_gets &&
	eq "$(ins "$idr" '{{.State.Running}}')" false "not started again" &&
	workspace "$T/ws-race3" "mounts:" "  - {source: $T/stick, target: /s}" "  - {source: $T/stick/data, target: /d}" &&
	SBX_TRACE=1 run 3 "$SBX" -C "$T/ws-race3" apply &&
	err_has "sandbox.yaml:7:5: mount source '$T/stick/data' refused: it lies inside '$T/stick', the read-write mount at line 6" &&
	only_gets && eq "$(count_of "$T/ws-race3")" 0 "containers" &&
	mkdir -p "$T/shared/ws" && workspace "$T/shared/ws" && SBX_TRACE=1 run 3 "$SBX" -C "$T/shared/ws" apply &&
	err_has "the workspace '$T/shared/ws' refused: it lies below '$T/shared', which others can write" && only_gets
EOF

t "diff --exit-code and apply --dry-run --exit-code: a refusal exits 3, not 0 or 2" <<'EOF'
mkdir -p "$HOME/.aws" && workspace "$T/ws-xc3" "mounts:" "  - {source: ~/.aws, target: /a}" &&
	run 3 "$SBX" -C "$T/ws-xc3" diff --exit-code && err_has "sandbox.yaml:6:5: mount source '~/.aws' refused" &&
	run 3 "$SBX" -C "$T/ws-xc3" apply --dry-run --exit-code &&
	eq "$(count_of "$T/ws-xc3")" 0 "containers"
EOF

t "ls lists the sandboxes; --json and -q agree" <<'EOF'
n=$(name_of "$id") && n2=$(name_of "$id2") &&
	run 0 "$SBX" ls && out_has "$n" && out_has "$W2" &&
	run 0 "$SBX" ls --json && jq -e --arg w "$W" '.sandboxes | map(select(.workspace == $w)) | length == 1' "$OUT" >/dev/null &&
	run 0 "$SBX" ls -q && { grep -qx "$n2" "$OUT" || fail "ls -q lacks '$n2'"; }
EOF

t "ls: every column as wide as its widest cell, long names and paths included" <<'EOF'
long="sbx-it-a-rather-long-sandbox-name-$(basename "$T" | tr 'A-Z.' 'a-z-')" &&
	workspace "$T/ws-with-a-long-directory-name-for-ls" "name: $long" &&
	run 0 "$SBX" -C "$T/ws-with-a-long-directory-name-for-ls" apply &&
	run 0 "$SBX" ls && head -n 1 "$OUT" >"$T/ls-head" && grep "^$long " "$OUT" >"$T/ls-row" &&
	for col in AGENT STATUS CREATED IMAGE WORKSPACE; do
		# where a column starts in the header, a cell starts in the row, after a gap
		at=$(awk -v c="$col" '{ print index($0, c) }' "$T/ls-head") && [ "$at" -gt 2 ] &&
			{ cut -c "$((at - 2))-" "$T/ls-row" | grep -q '^  [^ ]' ||
				fail "$col not aligned: $(cat "$T/ls-head" "$T/ls-row")"; } || return 1
	done &&
	at=$(awk '{ print index($0, "WORKSPACE") }' "$T/ls-head") &&
	eq "$(cut -c "$at-" "$T/ls-row")" "$T/ws-with-a-long-directory-name-for-ls" "the workspace cell"
EOF

t "inspect shows this workspace's sandbox and what it was made from" <<'EOF'
run 0 "$SBX" -C "$W" inspect --json &&
	jq -e --arg w "$W" '.workspace == $w and .running and .spec.env.FOO == "two"' "$OUT" >/dev/null
EOF

t "json outputs: ls, inspect, diff, apply --dry-run and validate valid by their schemas; values typed; no pass_env value in any" <<'EOF'
WJ="$T/ws-json-out" && mkdir -p "$T/json-data" "$T/json-more" &&
	workspace "$WJ" "env: {PLAIN: visible}" "pass_env: [SBX_IT_SECRET]" "resources: {memory: 256m, cpus: 0.5, pids: 200}" \
		"mounts:" "  - {source: $T/json-data, target: /data, readonly: true}" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" trust --yes && SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" apply && no_secret &&
	idj=$(containers_of "$WJ") && [ -n "$idj" ] &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" inspect --json && no_secret && by_schema sandbox &&
	jq -e --arg d "$T/json-data" '.kind == "sandbox" and .spec.resources.memory == 268435456 and .spec.resources.cpus == 0.5 and
		.spec.resources.pids == 200 and .spec.env.PLAIN == "visible" and .spec.pass_env.SBX_IT_SECRET == "(from the host, per session)" and
		.spec.mounts == [{"source": $d, "target": "/data", "readonly": true}] and (.spec.command | type) == "array" and
		.spec.docker_socket == false and .spec.preserve_state == true and .spec.credentials == {"kind": "none"} and (.created | type) == "number"' "$OUT" >/dev/null &&
	run 0 "$SBX" ls --json && no_secret && by_schema sandboxes &&
	jq -e --arg w "$WJ" '.kind == "sandboxes" and (.sandboxes | map(select(.workspace == $w and (.created | type) == "number")) | length) == 1' "$OUT" >/dev/null &&
	sed -i -e 's/PLAIN: visible/PLAIN: changed/' -e 's/memory: 256m/memory: 512m/' "$WJ/sandbox.yaml" &&
	printf '  - {source: %s, target: /more}\n' "$T/json-more" >>"$WJ/sandbox.yaml" &&
	docker exec -d "$idj" sleep 300 &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" diff --json && no_secret && by_schema plan && cp "$OUT" "$T/diff.json" &&
	jq -e --arg m "$T/json-more" '.kind == "plan" and .changes_present and .installed_state.kept == true and .busy_sessions == ["sleep 300"] and
		(.changes[] | select(.path == "resources.memory") | .before == 268435456 and .after == 536870912 and .action == "change") and
		(.changes[] | select(.path == "mounts./more") | .action == "add" and .before == null and .after == {"source": $m, "target": "/more", "readonly": false} and .host_access == "widens") and
		(.changes[] | select(.path == "env.PLAIN") | .before == "visible" and .after == "changed" and .effect == "recreate") and
		([.changes[] | select(.path | startswith("pass_env."))] | length) == 0' "$OUT" >/dev/null &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" apply --dry-run --json && no_secret && by_schema plan &&
	{ cmp -s "$OUT" "$T/diff.json" || fail "apply --dry-run --json differs from diff --json: $(diff "$T/diff.json" "$OUT" | head -5)"; } &&
	run 64 "$SBX" -C "$WJ" apply --json && err_has "goes with --dry-run" &&
	SBX_IT_SECRET=$SECRET run 0 "$SBX" -C "$WJ" validate --json && no_secret && by_schema validation &&
	jq -e '.kind == "validation" and .valid and .host_checked and .files[0].problems == []' "$OUT" >/dev/null &&
	eq "$(containers_of "$WJ")" "$idj" "the container after the --json commands"
EOF

t "a recreate that would end running sessions asks: refused without a yes (exit 3, nothing touched), done with --yes or y on a terminal" <<'EOF'
WB="$T/ws-busy" && workspace "$WB" &&
	run 0 "$SBX" -C "$WB" apply && id0=$(containers_of "$WB") &&
	docker exec -d "$id0" sleep 300 &&
	printf 'env: {STAGE: one}\n' >>"$WB/sandbox.yaml" &&
	run 0 "$SBX" -C "$WB" diff && err_has "apply would stop" && err_has "'sleep 300'" &&
	run 3 "$SBX" -C "$WB" apply </dev/null && err_has "end its running sessions ('sleep 300')" &&
	err_has "sbx apply --yes" &&
	eq "$(containers_of "$WB")" "$id0" "the sandbox after a refusal" &&
	eq "$(ins "$id0" '{{.State.Running}}')" true "still running" &&
	printf 'n\n' | TERM=xterm run 3 script -qec "'$SBX' -C '$WB' apply" /dev/null &&
	out_has "End them? \\[y/N\\]" && eq "$(containers_of "$WB")" "$id0" "the sandbox after a no" &&
	printf 'y\n' | TERM=xterm run 0 script -qec "'$SBX' -C '$WB' apply" /dev/null &&
	id1=$(containers_of "$WB") && [ "$id1" != "$id0" ] &&
	docker exec -d "$id1" sleep 300 &&
	sed -i 's/STAGE: one/STAGE: two/' "$WB/sandbox.yaml" &&
	run 0 "$SBX" -C "$WB" apply --yes </dev/null && [ "$(containers_of "$WB")" != "$id1" ] &&
	run 0 "$SBX" -C "$WB" rm
EOF

t "stop stops it; apply starts it again" <<'EOF'
run 0 "$SBX" -C "$W" stop && eq "$(ins "$id" '{{.State.Running}}')" false "running" &&
	run 0 "$SBX" -C "$W" apply && eq "$(ins "$id" '{{.State.Running}}')" true "running"
EOF

t "rm removes the sandbox and keeps its named volume; rm --volumes removes that too" <<'EOF'
n6=$(name_of "$id6") && [ -n "$vol" ] &&
	run 0 "$SBX" rm "$n6" && eq "$(count_of "$W6")" 0 "containers" &&
	{ docker volume inspect "$vol" >/dev/null 2>&1 || fail "the volume is gone"; } &&
	run 0 "$SBX" -C "$W6" apply && run 0 "$SBX" -C "$W6" rm --volumes &&
	{ ! docker volume inspect "$vol" >/dev/null 2>&1 || fail "the volume is still there"; }
EOF

t "rm touches only what sbx made: a hand-made container's labels name a foreign volume and snapshot; both stay" <<'EOF'
fv="sbx-it-foreign-$$" && fv2="sbx-it-foreign2-$$" && hn="sbx-it-handmade-$$" &&
	docker volume create "$fv" >/dev/null && when_finished docker volume rm -f "$fv" ">/dev/null" &&
	docker volume create --label dev.sbx.managed=1 --label "dev.sbx.workspace=$T/ws-other" \
		--label dev.sbx.workspace-id=3:4 "$fv2" >/dev/null && when_finished docker volume rm -f "$fv2" ">/dev/null" &&
	docker tag "$IMAGE" "sbx-snapshot:$hn" && when_finished docker rmi "sbx-snapshot:$hn" ">/dev/null" &&
	for v in "$fv" "$fv2"; do
		docker create --name "$hn" --label dev.sbx.managed=1 --label "dev.sbx.workspace=$T/ws-handmade" \
			--label dev.sbx.workspace-id=1:2 --label "dev.sbx.credentials-volume=$v" "$IMAGE" sleep 1 >/dev/null &&
		run 0 "$SBX" rm --volumes "$hn" && err_has "left the volume '$v': its labels do not say sbx made it" &&
		err_has "left the image 'sbx-snapshot:$hn'" &&
		{ docker volume inspect "$v" >/dev/null 2>&1 || fail "the volume '$v' was deleted"; } || return 1
	done &&
	{ docker image inspect "sbx-snapshot:$hn" >/dev/null 2>&1 || fail "the foreign image was deleted"; }
EOF

t "rm removes the sandbox's own snapshot image; its volumes carry sbx's labels" <<'EOF'
WS="$T/ws-snap" && workspace "$WS" "env: {V: 1}" && sed -i 's/agent: shell/agent: claude/; s/credentials: none/credentials: workspace/' "$WS/sandbox.yaml" &&
	run 0 "$SBX" -C "$WS" apply && sed -i 's/V: 1/V: 2/' "$WS/sandbox.yaml" && run 0 "$SBX" -C "$WS" apply &&
	ids=$(containers_of "$WS") && ns=$(name_of "$ids") &&
	vs=$(ins "$ids" '{{index .Config.Labels "dev.sbx.credentials-volume"}}') &&
	eq "$(docker volume inspect -f '{{index .Labels "dev.sbx.workspace"}} {{index .Labels "dev.sbx.managed"}}' "$vs")" "$WS 1" "the volume's labels" &&
	{ docker image inspect "sbx-snapshot:$ns" >/dev/null 2>&1 || fail "no snapshot was made"; } &&
	run 0 "$SBX" -C "$WS" rm --volumes && out_has "sbx-snapshot:$ns" &&
	{ ! docker image inspect "sbx-snapshot:$ns" >/dev/null 2>&1 || fail "the snapshot is still there"; } &&
	{ ! docker volume inspect "$vs" >/dev/null 2>&1 || fail "the volume is still there"; }
EOF

t "snapshots: env changed, added, removed: the installed file stays, a removed variable is absent, the snapshot holds no environment of the old container (Config, ContainerConfig), one layer, sbx's labels" <<'EOF'
WK="$T/ws-keep" && workspace "$WK" "env: {KEEP_A: one, KEEP_B: two}" &&
	run 0 "$SBX" -C "$WK" apply && idk=$(containers_of "$WK") &&
	docker exec "$idk" sh -c 'echo kept >/installed' &&
	workspace "$WK" "env: {KEEP_A: changed, KEEP_C: three}" &&
	run 0 "$SBX" -C "$WK" diff && out_has "^      - env.KEEP_B = 'two'" &&
	out_has "installed state: kept (preserve_state: the new sandbox starts from a snapshot of the old one)" &&
	run 0 "$SBX" -C "$WK" apply && out_has "kept the installed state" &&
	idk=$(containers_of "$WK") && eq "$(docker exec "$idk" cat /installed)" kept "the installed file" &&
	eq "$(docker exec "$idk" sh -c 'echo "$KEEP_A/${KEEP_B-absent}/$KEEP_C"')" "changed/absent/three" "the environment" &&
	{ ! ins "$idk" '{{json .Config.Env}}' | grep -q KEEP_B || fail "the container's Env names KEEP_B"; } &&
	snap="sbx-snapshot:$(name_of "$idk")" && docker image inspect "$snap" >"$T/keep.json" &&
	eq "$(jq -r '.[0].Id' "$T/keep.json")" "$(ins "$idk" '{{.Image}}')" "the image the sandbox runs" &&
	{ ! jq -c '.[0].Config, .[0].ContainerConfig' "$T/keep.json" | grep -q 'KEEP_\|GIT_\|SBX_' ||
		fail "the snapshot's config holds the old container's environment: $(jq -c '.[0].Config.Env, .[0].ContainerConfig.Env' "$T/keep.json")"; } &&
	eq "$(jq -c '.[0].Config.Env' "$T/keep.json")" "$(docker image inspect -f '{{json .Config.Env}}' "$IMAGE")" "the snapshot's Env: the image's own" &&
	eq "$(jq -c '.[0].ContainerConfig.Env' "$T/keep.json")" null "the snapshot's ContainerConfig.Env" &&
	eq "$(jq -r '.[0].RootFS.Layers | length' "$T/keep.json")" 1 "the snapshot's layers" &&
	eq "$(jq -r '.[0].Config.Labels | [."dev.sbx.managed", ."dev.sbx.workspace", ."dev.sbx.workspace-id"] | join(" ")' "$T/keep.json")" \
		"1 $WK $(ins "$idk" '{{index .Config.Labels "dev.sbx.workspace-id"}}')" "the snapshot's labels"
EOF

t "snapshots: each change that keeps the image recreates keeping the installed file: git identity absent then present, a mount, the docker socket, credentials" <<'EOF'
# keep2 STEP: trust what the file asks now, apply, and want a recreate that kept /installed
keep2() {
	run 0 "$SBX" -C "$WK2" trust --yes && run 0 "$SBX" -C "$WK2" apply &&
		{ grep -q "kept the installed state" "$OUT" || fail "$1: apply did not keep the state: $(cat "$OUT")"; } &&
		idk2=$(containers_of "$WK2") && eq "$(count_of "$WK2")" 1 "$1: containers" &&
		eq "$(docker exec "$idk2" cat /installed)" kept "$1: the installed file"
} &&
	WK2="$T/ws-keep2" && mkdir -p "$WK2" "$T/data-keep2" && git -C "$WK2" init -q &&
	printf 'version: 1\nagent: claude\nimage: %s\ncredentials: none\n' "$IMAGE" >"$WK2/sandbox.yaml" &&
	run 0 "$SBX" -C "$WK2" apply && err_has "no git identity" && idk2=$(containers_of "$WK2") &&
	docker exec "$idk2" sh -c 'echo kept >/installed' &&
	git -C "$WK2" config user.name "Ada Keep" && git -C "$WK2" config user.email ada@example.org &&
	run 0 "$SBX" -C "$WK2" diff && out_has "installed state: kept" && keep2 "identity now present" &&
	eq "$(docker exec "$idk2" sh -c 'echo "$GIT_AUTHOR_NAME"')" "Ada Keep" "the identity" &&
	printf 'mounts:\n  - {source: ../data-keep2, target: /data, readonly: true}\n' >>"$WK2/sandbox.yaml" &&
	keep2 "a mount added" && docker exec "$idk2" test -d /data &&
	printf 'docker_socket: true\n' >>"$WK2/sandbox.yaml" && keep2 "the docker socket" &&
	sed -i 's/^credentials: none$/credentials: workspace/' "$WK2/sandbox.yaml" && keep2 "credentials" &&
	{ [ -n "$(ins "$idk2" '{{range .Mounts}}{{if eq .Destination "/home/agent/.claude"}}{{.Name}}{{end}}{{end}}')" ] ||
		fail "no credentials volume"; } &&
	eq "$(docker images -q --filter "label=dev.sbx.workspace=$WK2" | wc -l)" 1 "snapshot images of the workspace"
EOF

t "snapshots: recreates in a row (300 with SBX_TEST_LONG=1, as CI runs make test), variables added and removed: the installed file stays, one snapshot image of one layer, no leftovers" <<'EOF'
WL="$T/ws-loop" && N=${SBX_TEST_LONG:+300} && N=${N:-12} && workspace "$WL" "env: {L0: x}" &&
	run 0 "$SBX" -C "$WL" apply && docker exec "$(containers_of "$WL")" sh -c 'echo kept >/installed' &&
	dangling=$(docker images -q --filter dangling=true | wc -l) && i=1 &&
	while [ "$i" -le "$N" ]; do
		if [ $((i % 2)) = 0 ]; then workspace "$WL"; else workspace "$WL" "env: {L$i: x}"; fi &&
			"$SBX" -C "$WL" apply >"$OUT" 2>"$ERR" && grep -q "kept the installed state" "$OUT" ||
			{ fail "recreate $i: $(cat "$OUT" "$ERR")"; break; }
		i=$((i + 1))
	done && [ "$i" -gt "$N" ] &&
	idl=$(containers_of "$WL") && eq "$(echo "$idl" | wc -l)" 1 "containers" &&
	eq "$(docker exec "$idl" cat /installed)" kept "the installed file after $N recreates" &&
	eq "$(docker exec "$idl" sh -c 'env | grep -c "^L[0-9]"')" 0 "variables left of removed ones" &&
	eq "$(docker images -q --no-trunc --filter "label=dev.sbx.workspace=$WL" | sort -u | wc -l)" 1 "the workspace's snapshot images" &&
	img=$(ins "$idl" '{{.Image}}') &&
	eq "$(docker image inspect -f '{{len .RootFS.Layers}}' "$img")" 1 "the layers of the image the sandbox runs" &&
	eq "$(docker history -q "$img" | wc -l)" 1 "the history of the image the sandbox runs" &&
	eq "$(docker images -q --filter dangling=true | wc -l)" "$dangling" "dangling images" &&
	run 0 "$SBX" -C "$WL" rm &&
	eq "$(docker images -q --filter "label=dev.sbx.workspace=$WL" | wc -l)" 0 "the workspace's snapshot images after rm"
EOF

t "snapshots: rm removes the workspace's untagged leftovers too, and leaves an image someone tagged" <<'EOF'
WR="$T/ws-leftover" && workspace "$WR" "env: {R: 1}" && run 0 "$SBX" -C "$WR" apply &&
	workspace "$WR" "env: {R: 2}" && run 0 "$SBX" -C "$WR" apply &&
	idr=$(containers_of "$WR") && nr=$(name_of "$idr") &&
	docker commit "$idr" "sbx-snapshot:$nr" >/dev/null && docker commit "$idr" "sbx-snapshot:$nr" >/dev/null &&
	docker commit "$idr" "sbx-it-mine-$nr" >/dev/null && when_finished docker rmi -f "sbx-it-mine-$nr" ">/dev/null" &&
	before=$(docker images -q --filter "label=dev.sbx.workspace=$WR" | sort -u | wc -l) &&
	{ [ "$before" -ge 3 ] || fail "images before: $before, expected 3 or more"; } &&
	run 0 "$SBX" -C "$WR" rm && out_has "sbx-snapshot:$nr" &&
	eq "$(docker images -q --filter "label=dev.sbx.workspace=$WR" | sort -u | wc -l)" 1 "images after" &&
	{ docker image inspect "sbx-it-mine-$nr" >/dev/null 2>&1 || fail "the image someone tagged was removed"; }
EOF

t "snapshots: a changed image loses the installed state only with --fresh: without a terminal exit 3 and nothing changes (apply, exec); the plan says it (text, JSON); preserve_state: false asks nothing" <<'EOF'
WF="$T/ws-fresh" && workspace "$WF" && run 0 "$SBX" -C "$WF" apply && idf=$(containers_of "$WF") &&
	docker exec "$idf" touch /installed &&
	sed -i "s|^image: .*|image: $IMAGE_AGENT|" "$WF/sandbox.yaml" &&
	run 0 "$SBX" -C "$WF" diff && out_has "installed state: not kept (the image changed: the new sandbox starts from it)" &&
	run 0 "$SBX" -C "$WF" diff --json &&
	eq "$(jq -c '.installed_state' "$OUT")" \
		'{"kept":false,"reason":"the image changed: the new sandbox starts from it"}' "the plan's JSON" &&
	run 3 "$SBX" -C "$WF" apply </dev/null &&
	err_has "without its installed state (the image changed: the new sandbox starts from it): confirm with --fresh" &&
	eq "$(containers_of "$WF")" "$idf" "the sandbox after the refusal" &&
	{ docker exec "$idf" test -e /installed || fail "the installed file is gone after the refusal"; } &&
	run 3 "$SBX" -C "$WF" exec -- true </dev/null && err_has "confirm with --fresh" &&
	eq "$(containers_of "$WF")" "$idf" "the sandbox after exec's refusal" &&
	run 0 "$SBX" -C "$WF" exec --fresh -- true </dev/null &&
	idf2=$(containers_of "$WF") && { [ "$idf2" != "$idf" ] || fail "not recreated"; } &&
	{ ! docker exec "$idf2" test -e /installed || fail "the installed file survived an image change"; } &&
	eq "$(ins "$idf2" '{{.Config.Image}}')" "$IMAGE_AGENT" "the new sandbox's image" &&
	sed -i "s|^image: .*|image: $IMAGE|" "$WF/sandbox.yaml" && printf 'preserve_state: false\n' >>"$WF/sandbox.yaml" &&
	run 0 "$SBX" -C "$WF" apply </dev/null && out_has "installed state: not kept (preserve_state is false)" &&
	eq "$(ins "$(containers_of "$WF")" '{{.Config.Image}}')" "$IMAGE" "the image after preserve_state: false"
EOF

t "credentials: shared carries the login to another workspace, never its settings, hooks or plugins" <<'EOF'
WA="$T/ws-share-a" WB="$T/ws-share-b" C=/home/agent/.claude &&
	{ ! docker volume inspect sbx-tokens-claude >/dev/null 2>&1 ||
		fail "this engine has a real sbx-tokens-claude volume; run the suite where it has none"; } &&
	when_finished 'for w in "$WA" "$WB"; do for c in $(containers_of "$w"); do v=$(ins "$c" "{{index .Config.Labels \"dev.sbx.credentials-volume\"}}"); docker rm -f "$c" >/dev/null; docker volume rm "$v" >/dev/null; done; done; docker volume rm sbx-tokens-claude >/dev/null' &&
	mkdir -p "$WA" "$WB" &&
	for w in "$WA" "$WB"; do printf 'version: 1\nagent: claude\nimage: %s\n' "$IMAGE" >"$w/sandbox.yaml" || return 1; done &&
	run 0 "$SBX" -C "$WA" apply && ida=$(containers_of "$WA") &&
	docker exec "$ida" sh -c "mkdir -p $C/hooks $C/plugins && echo '{\"hooks\":{}}' >$C/settings.json && echo x >$C/hooks/h.sh && echo x >$C/plugins/p && echo token-a >$C/.credentials.json" &&
	run 0 "$SBX" -C "$WB" apply && idb=$(containers_of "$WB") &&
	eq "$(docker exec "$idb" cat $C/.credentials.json)" token-a "the login in the other workspace" &&
	for f in settings.json hooks plugins; do
		{ ! docker exec "$idb" test -e "$C/$f" || fail "$f reached the other workspace"; } || return 1
	done &&
	docker exec "$idb" sh -c "echo token-b >$C/.credentials.json" &&
	eq "$(docker exec "$ida" cat $C/.credentials.json)" token-b "a later login, back in the first" &&
	eq "$(docker volume inspect -f '{{index .Labels "dev.sbx.tokens-of"}}' sbx-tokens-claude)" claude "the tokens volume's label" &&
	docker exec "$idb" sh -c "rm $C/.credentials.json && echo token-c >$C/.credentials.tmp && mv $C/.credentials.tmp $C/.credentials.json" &&
	docker stop "$idb" >/dev/null && run 0 "$SBX" -C "$WB" apply &&
	eq "$(docker exec "$ida" cat $C/.credentials.json)" token-c "a login written by rename, shared again at the next start"
EOF

# sbx_reuse_cleanup: the sandboxes and directories of the inode-reuse check, outside $T
sbx_reuse_cleanup() {
	for _c in $(docker ps -aq --filter label=dev.sbx.managed 2>/dev/null); do
		case "$(ins "$_c" '{{index .Config.Labels "dev.sbx.workspace"}}')" in
		"$RU"/*) docker rm -f "$_c" >/dev/null 2>&1 ;;
		esac
	done
	rm -rf "$RU"
}

t "a workspace re-created at the same path, its inode given back, is a new workspace; ls marks the old one gone" <<'EOF'
# On a filesystem that gives inodes back, as ext4 does: /var/tmp (tmpfs never does, and CI's
# fresh root has /tmp on one; the repository may lie under /root, which sbx never mounts).
RU=$(mktemp -d /var/tmp/sbx-it-reuse.XXXXXX) && when_finished 'sbx_reuse_cleanup' &&
	k=0 && got="" && ino7="" && old7="" &&
	while [ -z "$got" ] && [ "$k" -lt 8 ]; do
		k=$((k + 1)) && W7="$RU/reuse-$k/ws" && workspace "$W7" &&
			run 0 "$SBX" -C "$W7" apply && old7=$(containers_of "$W7") && n7=$(name_of "$old7") &&
			run 0 "$SBX" -C "$W7" stop && ino7=$(stat -c %i "$W7") && rm -rf "$W7" && mkdir "$W7" || break
		# another directory's group under load: a fresh parent, another try
		[ "$(stat -c %i "$W7")" = "$ino7" ] && got=1 || docker rm -f "$old7" >/dev/null
	done &&
	eq "$(stat -c %i "$W7")" "$ino7" "the inode the filesystem gave back ($k tries)" &&
	workspace "$W7" && run 0 "$SBX" -C "$W7" apply && out_has "will be created" &&
	eq "$(count_of "$W7")" 2 "containers" &&
	new7=$(docker ps -q --no-trunc --filter "label=dev.sbx.workspace=$W7" --filter status=running) &&
	{ [ -n "$new7" ] && [ "$new7" != "$old7" ] || fail "the old sandbox was adopted"; } &&
	eq "$(ins "$old7" '{{.State.Status}}')" exited "the old sandbox, untouched" &&
	run 0 "$SBX" ls && { grep "$n7" "$OUT" | grep -q "(gone)" || fail "ls does not mark '$n7' gone"; } &&
	{ ! grep "$(name_of "$new7")" "$OUT" | grep -q "(gone)" || fail "ls marks the new one gone"; } &&
	run 0 "$SBX" -C "$W7" apply && out_has "No changes" &&
	docker rm -f "$old7" >/dev/null
EOF

t "sbx adopt after a mv: the sandbox is recreated under the new path and keeps its installed file" <<'EOF'
WM="$T/ws-moving" WM2="$T/ws-moved" &&
	workspace "$WM" && run 0 "$SBX" -C "$WM" apply && idm=$(containers_of "$WM") &&
	docker exec "$idm" sh -c 'echo kept >/root/installed' && mv "$WM" "$WM2" &&
	run 0 "$SBX" -C "$WM2" diff && out_has "will be created" &&
	run 0 "$SBX" ls && { grep "$(name_of "$idm")" "$OUT" | grep -q "(gone)" || fail "ls does not mark it gone"; } &&
	run 0 "$SBX" -C "$WM2" adopt && out_has "must be replaced" &&
	eq "$(count_of "$WM")" 0 "containers of the old path" && eq "$(count_of "$WM2")" 1 "containers of the new path" &&
	idm2=$(containers_of "$WM2") && eq "$(ins "$idm2" '{{.State.Status}}')" running "status" &&
	eq "$(docker exec "$idm2" cat /root/installed)" kept "the installed file" &&
	eq "$(ins "$idm2" '{{.Config.WorkingDir}}')" "$WM2" "the working directory" &&
	run 0 "$SBX" -C "$WM2" apply && out_has "No changes" &&
	run 1 "$SBX" -C "$WM2" adopt && err_has "nothing to adopt"
EOF

t "sbx adopt that would lose the installed state (the image changed too): exit 3 and nothing touched without --fresh, done with it" <<'EOF'
WF="$T/ws-adopt-fresh" WF2="$T/ws-adopt-fresh-moved" &&
	when_finished "docker rmi '$IMAGE-adopt' >/dev/null 2>&1" && docker tag "$IMAGE" "$IMAGE-adopt" &&
	workspace "$WF" && run 0 "$SBX" -C "$WF" apply && idf=$(containers_of "$WF") && mv "$WF" "$WF2" &&
	sed -i "s|^image: .*|image: $IMAGE-adopt|" "$WF2/sandbox.yaml" &&
	run 3 "$SBX" -C "$WF2" adopt && err_has "without its installed state" && err_has "\-\-fresh" &&
	eq "$(count_of "$WF2")" 0 "containers of the new path" &&
	eq "$(ins "$idf" '{{.State.Status}}')" running "the old sandbox" &&
	run 0 "$SBX" -C "$WF2" adopt --fresh && eq "$(count_of "$WF")" 0 "containers of the old path" &&
	eq "$(count_of "$WF2")" 1 "containers of the new path" &&
	eq "$(ins "$(containers_of "$WF2")" '{{.Config.Image}}')" "$IMAGE-adopt" "the image"
EOF

t "sbx adopt never takes another workspace's sandbox: not a copy's, not one whose directory is still there" <<'EOF'
WA="$T/ws-adopt-a" WB="$T/ws-adopt-b" WC="$T/ws-adopt-copy" &&
	workspace "$WA" && run 0 "$SBX" -C "$WA" apply && ida=$(containers_of "$WA") &&
	workspace "$WB" && run 1 "$SBX" -C "$WB" adopt && err_has "no sandbox" &&
	eq "$(count_of "$WB")" 0 "containers of B" &&
	cp -a "$WA" "$WC" && run 1 "$SBX" -C "$WC" adopt && err_has "no sandbox" &&
	mv "$WA" "$WA.gone" && run 1 "$SBX" -C "$WC" adopt "$(name_of "$ida")" && err_has "no sandbox" &&
	eq "$(count_of "$WC")" 0 "containers of the copy" &&
	eq "$(containers_of "$WA")" "$ida" "A's sandbox, still A's" &&
	ln -s "$WA.gone" "$WA" && run 1 "$SBX" -C "$WA.gone" adopt && err_has "no sandbox" &&
	rm "$WA" && mv "$WA.gone" "$WA" && run 0 "$SBX" -C "$WA" apply && out_has "No changes"
EOF

t "the kept capabilities are enough to install packages with sudo (Debian image, apt from the mirror)" <<'EOF'
{
	sbx_debian_image "$IMAGE-debian" >"$T/debian.log" 2>&1 ||
		fail "cannot make the Debian image: $(tail -3 "$T/debian.log")"
} &&
	mkdir -p "$WD" &&
	printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\ngit_identity: false\n' "$IMAGE-debian" >"$WD/sandbox.yaml" &&
	run 0 "$SBX" -C "$WD" apply && idd=$(containers_of "$WD") &&
	run 0 docker exec "$idd" sh -c 'sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends tree' &&
	eq "$(docker exec "$idd" dpkg-query -W -f '${Status}' tree)" "install ok installed" "package status" &&
	run 0 docker exec "$idd" tree -d /etc/apt &&
	eq "$(docker exec "$idd" sudo id -u)" 0 "sudo" &&
	docker exec "$idd" bash -c 'cd /tmp && printf "x\n" >f && test -s f && rm f' &&
	docker exec "$idd" sudo sh -c "printf x >'$WD/f' && chown 0:0 '$WD/f' && chmod 755 '$WD/f'" &&
	{ ! docker exec "$idd" sudo chmod u+s "$WD/f" 2>/dev/null || fail "sudo chmod u+s worked"; } &&
	{ ! docker exec "$idd" sudo perl -e 'use Fcntl; sysopen(my $h, $ARGV[0], O_CREAT|O_WRONLY, 02755) or exit 1' "$WD/g" ||
		fail "perl's sysopen with 02755 worked"; } &&
	eq "$(find "$WD" -perm /6000)" "" "set-id files on the host (sudo)" &&
	eq "$(docker exec "$idd" sh -c 'grep ^CapEff /proc/self/status | cut -f2')" 0000000000000000 "the agent's own capabilities"
EOF

# The Debian image's user is agent (not root); perl-base speaks over a unix socket.
t "docker_socket: the sandbox's user, not root, talks to the engine through the socket (its group added)" <<'EOF'
{ docker image inspect "$IMAGE-debian" >/dev/null 2>&1 || sbx_debian_image "$IMAGE-debian" >"$T/debian.log" 2>&1 ||
	fail "cannot make the Debian image: $(tail -3 "$T/debian.log")"; } &&
	mkdir -p "$T/ws-socket-user" &&
	printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\ngit_identity: false\ndocker_socket: true\n' \
		"$IMAGE-debian" >"$T/ws-socket-user/sandbox.yaml" &&
	run 0 "$SBX" -C "$T/ws-socket-user" trust --yes && run 0 "$SBX" -C "$T/ws-socket-user" apply &&
	gid=$(stat -L -c %g "$SOCK_REAL") && out_has "+ docker_socket.group = '$gid'" &&
	ids=$(containers_of "$T/ws-socket-user") &&
	eq "$(ins "$ids" '{{json .HostConfig.GroupAdd}}')" "[\"$gid\"]" "GroupAdd" &&
	{ [ "$(docker exec "$ids" id -u)" != 0 ] || fail "the sandbox's user is root"; } &&
	{ docker exec "$ids" id -G | tr ' ' '\n' | grep -qx "$gid" || fail "$gid is not among $(docker exec "$ids" id -G)"; } &&
	docker exec "$ids" test -r /var/run/docker.sock && docker exec "$ids" test -w /var/run/docker.sock &&
	ping=$(docker exec "$ids" perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => "/var/run/docker.sock") or die "connect: $!\n";
		print $s "GET /_ping HTTP/1.0\r\nHost: engine\r\n\r\n";
		local $/; my $r = <$s>; $r =~ s/\r//g; print $r;') &&
	{ printf '%s\n' "$ping" | grep -q '^HTTP/1\.[01] 200' || fail "the engine's answer: $ping"; } &&
	{ printf '%s\n' "$ping" | tail -n 1 | grep -qx OK || fail "no OK from /_ping: $ping"; } &&
	run 0 "$SBX" -C "$T/ws-socket-user" inspect && out_has "docker_socket.group"
EOF

# pid_max is the kernel's, and since Linux 6.14 its pid namespace's: where it is
# already the most a file may ask (4194304, as in a new pid namespace), no pids
# value is over it, and the check holds for cpus and memory (the unit test
# test_limits_above_the_host covers pids on any host).
t "limits above the host's (pids over pid_max, more CPUs or memory than the engine has): exit 65, nothing created" <<'EOF'
workspace "$T/ws-limits" "resources: {cpus: 1024, memory: 1024g, pids: 4194304}" &&
	ncpu=$(docker info -f '{{.NCPU}}') && pid_max=$(cat /proc/sys/kernel/pid_max) &&
	run 65 "$SBX" -C "$T/ws-limits" apply &&
	err_has "sandbox.yaml:5:1: resources.cpus 1024 is more than the engine's $ncpu CPUs" &&
	err_has "resources.memory 1099511627776 bytes is more than the engine's" &&
	if [ "$pid_max" -lt 4194304 ]; then
		err_has "resources.pids 4194304 is more than the kernel's pid_max ($pid_max)"
	else
		! grep -q pid_max "$ERR"
	fi &&
	eq "$(count_of "$T/ws-limits")" 0 "containers" &&
	run 65 "$SBX" -C "$T/ws-limits" diff && err_has "resources.cpus 1024" &&
	workspace "$T/ws-limits" "resources: {pids: $pid_max}" &&
	run 0 "$SBX" -C "$T/ws-limits" apply &&
	eq "$(ins "$(containers_of "$T/ws-limits")" '{{.HostConfig.PidsLimit}}')" "$pid_max" "pids limit"
EOF

t "an unreachable engine: exit 4, says the socket is missing" <<'EOF'
DOCKER_HOST="unix://$T/no-such.sock" run 4 "$SBX" -C "$W" apply && err_has "no-such.sock' is missing"
EOF

t "an engine socket nobody listens on: exit 4, says refused" <<'EOF'
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$T/dead.sock" &&
	DOCKER_HOST="unix://$T/dead.sock" run 4 "$SBX" -C "$W" diff && err_has "refused"
EOF

t "a missing image that cannot be pulled: the engine's own message, nothing created" <<'EOF'
workspace "$T/ws-noimg" && sed -i "s|image: .*|image: 127.0.0.1:9/sbx-none/nothing:1|" "$T/ws-noimg/sandbox.yaml" &&
	run 1 "$SBX" -C "$T/ws-noimg" apply &&
	err_has "pulling image '127.0.0.1:9/sbx-none/nothing:1': engine: POST /images/create: " &&
	err_has "/images/create: .*127\.0\.0\.1:9.*'$" &&
	{ ! grep -q ": ''$" "$ERR" || fail "an empty message"; } &&
	eq "$(count_of "$T/ws-noimg")" 0 "containers"
EOF

# ---- pulls, from a registry of the test's own ----
# reg_up: Debian's docker-registry on 127.0.0.1 at a free port, with its own
# config and storage under $T (never the system's service), stopped by cleanup;
# REG is its host:port. The engine pulls from 127.0.0.1 without TLS by default,
# and a private dockerd shares this network namespace.
REG_PID=""
reg_up() {
	command -v docker-registry >/dev/null 2>&1 || fail "docker-registry is missing (make deps)" || return 1
	REG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') &&
		mkdir -p "$T/registry/data" &&
		printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
			"$T/registry/data" "$REG_PORT" >"$T/registry/config.yml" || return 1
	docker-registry serve "$T/registry/config.yml" >"$T/registry/log" 2>&1 &
	REG_PID=$!
	REG="127.0.0.1:$REG_PORT"
	python3 - "$REG_PORT" <<'PY' || { fail "the registry did not come up: $(tail -3 "$T/registry/log")"; return 1; }
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/v2/" % sys.argv[1], timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
PY
}
# The image the test pulls: two layers of its own (the busybox root with a
# random file, and another random file on top), pushed to the registry and
# then removed here, so that the engine has none of it.
WPL="$T/ws-pull"
pull_image() {
	PULL_SRC="sbx-it/pull-src:$(basename "$T" | tr 'A-Z.' 'a-z-')" &&
		PULL_IMAGE="$REG/sbx-test/pull:1" &&
		mkdir -p "$T/pull" && sh "$ROOT/contrib/busybox-rootfs.sh" "$T/pull/root" sh sleep cat &&
		head -c 1500000 /dev/urandom >"$T/pull/root/blob1" && head -c 3000000 /dev/urandom >"$T/pull/blob2" &&
		tar -C "$T/pull/root" -c . | docker import - "$PULL_SRC-base" >/dev/null &&
		_c=$(docker create "$PULL_SRC-base" sh) && docker cp "$T/pull/blob2" "$_c:/blob2" &&
		docker commit "$_c" "$PULL_SRC" >/dev/null && docker rm "$_c" >/dev/null &&
		docker tag "$PULL_SRC" "$PULL_IMAGE" && docker push "$PULL_IMAGE" >"$T/pull/push.log" 2>&1 &&
		docker rmi "$PULL_IMAGE" "$PULL_SRC" "$PULL_SRC-base" >/dev/null &&
		{ ! docker image inspect "$PULL_IMAGE" >/dev/null 2>&1 || fail "the image is still here"; }
}
ESC=$(printf '\033')

t "a missing image is pulled from a registry: quiet lines on a pipe, then the sandbox runs from it" <<'EOF'
reg_up && pull_image && workspace "$WPL" "git_identity: false" && sed -i "s|^image: .*|image: $PULL_IMAGE|" "$WPL/sandbox.yaml" &&
	run 0 "$SBX" -C "$WPL" apply &&
	eq "$(sed -n 1p "$ERR")" "  pulling '$PULL_IMAGE'" "the first line" &&
	eq "$(grep -c '^  [0-9a-f]\{12\}: Pull complete$' "$ERR")" 2 "one line per layer, when complete" &&
	digest=$(docker image inspect -f '{{index .RepoDigests 0}}' "$PULL_IMAGE") &&
	eq "$(sed -n '$p' "$ERR")" "  pulled '$PULL_IMAGE' (${digest#*@})" "the last line" &&
	eq "$(wc -l <"$ERR")" 4 "lines on stderr" &&
	{ ! grep -q "$ESC" "$ERR" || fail "an escape sequence on a pipe"; } &&
	id=$(containers_of "$WPL") && eq "$(ins "$id" '{{.State.Running}}')" true "running" &&
	eq "$(ins "$id" '{{.Config.Image}}')" "$PULL_IMAGE" "its image"
EOF

t "on a terminal the pull is one block redrawn in place, not a line per message" <<'EOF'
run 0 "$SBX" -C "$WPL" rm && docker rmi "$PULL_IMAGE" >/dev/null &&
	run 0 env TERM=xterm script -qec "'$SBX' -C '$WPL' apply >/dev/null" /dev/null &&
	out_has "pulling '$PULL_IMAGE'" && out_has "pulled '$PULL_IMAGE' (sha256:" &&
	ups=$(grep -o "$ESC\[[0-9]*A" "$OUT" | wc -l) && downs=$(grep -o "$ESC\[[0-9]*B" "$OUT" | wc -l) &&
	{ [ "$ups" -ge 2 ] || fail "$ups cursor-up sequences"; } && eq "$downs" "$ups" "cursor-down sequences" &&
	msgs=$(grep -o ': \(Pulling fs layer\|Waiting\|Downloading\|Verifying Checksum\|Download complete\|Extracting\|Pull complete\)' "$OUT" | wc -l) &&
	{ [ "$msgs" -gt "$(grep -c '' "$OUT")" ] || fail "$msgs layer messages on $(grep -c '' "$OUT") lines"; } &&
	eq "$(grep -c '^  [0-9a-f]\{12\}: ' "$OUT")" 2 "the block's lines, one per layer" &&
	eq "$(ins "$(containers_of "$WPL")" '{{.State.Running}}')" true "running" &&
	docker image inspect "$PULL_IMAGE" >/dev/null
EOF

t "apply --pull: a new version pushed under the tag is noticed and the sandbox recreated from it; without --pull, no change" <<'EOF'
run 0 "$SBX" -C "$WPL" apply && out_has "No changes" && old_pl=$(docker image inspect -f '{{.Id}}' "$PULL_IMAGE") &&
	_c=$(docker create "$PULL_IMAGE" sh) && echo v2 >"$T/pull/v2" && docker cp "$T/pull/v2" "$_c:/v2" &&
	docker commit "$_c" "$PULL_SRC-v2" >/dev/null && docker rm "$_c" >/dev/null &&
	docker tag "$PULL_SRC-v2" "$PULL_IMAGE" && docker push "$PULL_IMAGE" >"$T/pull/push2.log" 2>&1 &&
	docker tag "$old_pl" "$PULL_IMAGE" && docker rmi "$PULL_SRC-v2" >/dev/null &&
	run 0 "$SBX" -C "$WPL" apply && out_has "No changes" &&
	run 0 "$SBX" -C "$WPL" apply --pull --fresh && err_has "pulled '$PULL_IMAGE'" &&
	out_has "~ image: updated ($(printf %.19s "$old_pl")…" && out_has "must be replaced" &&
	new_pl=$(docker image inspect -f '{{.Id}}' "$PULL_IMAGE") && { [ "$new_pl" != "$old_pl" ] || fail "the same image"; } &&
	idp=$(containers_of "$WPL") && eq "$(docker exec "$idp" cat /v2)" v2 "the new version's file" &&
	eq "$(ins "$idp" '{{index .Config.Labels "dev.sbx.image-id"}}')" "$new_pl" "the image id it was made from" &&
	run 0 "$SBX" -C "$WPL" apply --pull && out_has "No changes"
EOF

t "pull: a tag the registry lacks: the engine's message, exit 1, nothing created" <<'EOF'
workspace "$T/ws-pull-none" "git_identity: false" && sed -i "s|^image: .*|image: $REG/sbx-test/pull:nope|" "$T/ws-pull-none/sandbox.yaml" &&
	run 1 "$SBX" -C "$T/ws-pull-none" apply &&
	err_has "^  pulling '$REG/sbx-test/pull:nope'$" &&
	err_has "^sbx: pulling image '$REG/sbx-test/pull:nope': engine: POST /images/create: 404: 'manifest for $REG/sbx-test/pull:nope not found: manifest unknown" &&
	{ ! grep -q "pulled" "$ERR" || fail "said pulled"; } &&
	eq "$(count_of "$T/ws-pull-none")" 0 "containers"
EOF

t "prune: lists, without a terminal and --yes exit 3 and nothing removed; --yes removes exactly the sandboxes of gone workspaces (their snapshots, own volumes), unused snapshots and volumes; hostile-labelled foreign objects and what a live sandbox uses stay" <<'EOF'
WG="$T/ws-prune-gone" WLV="$T/ws-prune-live" && hv="sbx-it-hostile-vol-$$" && gv="sbx-it-gone-vol-$$" &&
	workspace "$WG" "env: {G: 1}" && sed -i 's/agent: shell/agent: claude/; s/credentials: none/credentials: workspace/' "$WG/sandbox.yaml" &&
	run 0 "$SBX" -C "$WG" apply && sed -i 's/G: 1/G: 2/' "$WG/sandbox.yaml" && run 0 "$SBX" -C "$WG" apply &&
	idg=$(containers_of "$WG") && ng=$(name_of "$idg") && gimg=$(ins "$idg" '{{.Image}}') &&
	gvol=$(ins "$idg" '{{index .Config.Labels "dev.sbx.credentials-volume"}}') && [ -n "$gvol" ] &&
	workspace "$WLV" "env: {L: 1}" && run 0 "$SBX" -C "$WLV" apply && workspace "$WLV" "env: {L: 2}" &&
	run 0 "$SBX" -C "$WLV" apply && idl=$(containers_of "$WLV") && limg=$(ins "$idl" '{{.Image}}') &&
	dimg=$(docker commit "$idl") && dimg=$(docker image inspect -f '{{.Id}}' "$dimg") &&
	docker volume create --label dev.sbx.managed=1 --label "dev.sbx.workspace=$T/ws-prune-vol-gone" \
		--label dev.sbx.workspace-id=1:1 "$gv" >/dev/null && when_finished docker volume rm -f "$gv" ">/dev/null 2>&1" &&
	docker volume create --label dev.sbx.managed=1 --label "dev.sbx.workspace=$T/ws-prune-vol-gone" "$hv" >/dev/null &&
	when_finished docker volume rm -f "$hv" ">/dev/null" &&
	docker create --name "sbx-it-hostile-$$" "$IMAGE" true >/dev/null &&
	himg=$(docker commit --change 'LABEL dev.sbx.managed=1' --change "LABEL dev.sbx.workspace=$WG" "sbx-it-hostile-$$") &&
	himg2=$(docker commit --change 'LABEL dev.sbx.managed=1' --change "LABEL dev.sbx.workspace=$WG" \
		--change 'LABEL dev.sbx.workspace-id=1:1' "sbx-it-hostile-$$" "sbx-it-hostile-tagged:$$") &&
	docker rm "sbx-it-hostile-$$" >/dev/null &&
	when_finished docker rmi -f "$himg" "sbx-it-hostile-tagged:$$" ">/dev/null 2>&1" &&
	rm -rf "$WG" &&
	run 3 "$SBX" prune </dev/null && err_has "confirm with --yes" &&
	out_has "^sandbox '$ng' (its workspace '$WG' is gone)" && out_has "^image '$dimg' (a snapshot of '$WLV'" &&
	out_has "^volume '$gv' (of '$T/ws-prune-vol-gone', which is gone" &&
	{ ! grep -q "$hv\|$himg\|$limg\|$gimg\|$gvol" "$OUT" || fail "prune lists what it must leave: $(cat "$OUT")"; } &&
	eq "$(count_of "$WG")" 1 "the gone workspace's sandbox after the refusal" &&
	docker image inspect "$dimg" >/dev/null && docker volume inspect "$gv" >/dev/null &&
	if [ "$started_engine" = 1 ]; then
		run 0 "$SBX" prune --yes </dev/null && out_has "^removed '$ng'" && out_has "^removed image '$dimg'" &&
			out_has "^removed volume '$gv'" &&
			eq "$(count_of "$WG")" 0 "the gone workspace's sandbox" &&
			{ ! docker image inspect "$gimg" >/dev/null 2>&1 || fail "its snapshot stays"; } &&
			{ ! docker volume inspect "$gvol" >/dev/null 2>&1 || fail "its own volume stays"; } &&
			{ ! docker image inspect "$dimg" >/dev/null 2>&1 || fail "the unused snapshot stays"; } &&
			{ ! docker volume inspect "$gv" >/dev/null 2>&1 || fail "the unused volume of a gone workspace stays"; } &&
			eq "$(containers_of "$WLV")" "$idl" "the live sandbox" && docker image inspect "$limg" >/dev/null &&
			docker volume inspect "$hv" >/dev/null && docker image inspect "$himg" >/dev/null &&
			docker image inspect "sbx-it-hostile-tagged:$$" >/dev/null &&
			run 0 "$SBX" prune </dev/null && out_has "^Nothing to prune.$"
	else
		echo "  (an engine this suite did not start: prune --yes not run on it)"
	fi
EOF

# ---- every engine answer as what it means ----
t "a new sandbox whose command exits at once (an image without sleep): the old one restored, running, its installed file there" <<'EOF'
workspace "$T/ws-nosleep" && run 0 "$SBX" -C "$T/ws-nosleep" apply &&
	old=$(containers_of "$T/ws-nosleep") && docker exec "$old" sh -c 'echo kept > /root/installed' &&
	sed -i "s|^image: .*|image: $IMAGE_NOSLEEP|" "$T/ws-nosleep/sandbox.yaml" &&
	run 1 "$SBX" -C "$T/ws-nosleep" apply --yes --fresh &&
	err_has "the previous sandbox is restored: the container stopped right after its start (exit code 127)" &&
	{ ! grep -q "up to date and running" "$OUT" || fail "called up to date"; } &&
	eq "$(containers_of "$T/ws-nosleep")" "$old" "the old container, alone" &&
	eq "$(ins "$old" '{{.State.Running}}')" true "running" &&
	eq "$(docker exec "$old" cat /root/installed)" kept "installed file"
EOF
t "a paused sandbox is unpaused by apply: same container, running, exit 0" <<'EOF'
workspace "$T/ws-paused" && run 0 "$SBX" -C "$T/ws-paused" apply &&
	id=$(containers_of "$T/ws-paused") && docker pause "$id" >/dev/null &&
	run 0 "$SBX" -C "$T/ws-paused" apply &&
	eq "$(containers_of "$T/ws-paused")" "$id" "container id" &&
	eq "$(ins "$id" '{{.State.Running}} {{.State.Paused}}')" "true false" "running, not paused"
EOF
t "a finished recreate whose old container stayed, the new sandbox stopped since: the next apply keeps the new one and its work" <<'EOF'
workspace "$T/ws-fin" "env: {V: 1}" && run 0 "$SBX" -C "$T/ws-fin" apply &&
	old=$(containers_of "$T/ws-fin") && n=$(name_of "$old") &&
	sed -i 's/V: 1/V: 2/' "$T/ws-fin/sandbox.yaml" && run 0 "$SBX" -C "$T/ws-fin" apply &&
	new=$(containers_of "$T/ws-fin") && docker exec "$new" sh -c 'echo work > /root/done' &&
	# what a failed removal of the old one leaves: a container under the old one's name
	docker create --name "$n-sbx-old" --label "dev.sbx.workspace=$T/ws-fin" \
		--label "dev.sbx.workspace-id=$(ins "$new" '{{index .Config.Labels "dev.sbx.workspace-id"}}')" \
		--label dev.sbx.managed=1 "$IMAGE" sleep 1 >/dev/null &&
	docker stop "$new" >/dev/null &&
	run 0 "$SBX" -C "$T/ws-fin" apply && err_has "finished an interrupted recreate" &&
	eq "$(containers_of "$T/ws-fin")" "$new" "the new container, alone" &&
	eq "$(ins "$new" '{{.State.Running}}')" true "running" &&
	eq "$(docker exec "$new" cat /root/done)" work "the work done in it"
EOF

# ---- a stale engine task: dockerd killed during a start ----
# A second private dockerd of the check's own, since the check kills it:
# own socket, data-root, exec-root under SDIR and a bridge of its own (no
# iptables rules: its containers need no way out). sdocker talks to it.
# stale_engine_down stops it, the shims of its containerd that outlive it
# (by pid, found by its own socket's path), its mounts and its bridge.
SDIR=""
SPID=""
SBR=""
sdocker() { docker -H "unix://$SDIR/docker.sock" "$@"; }
stale_dockerd() {
	dockerd --host "unix://$SDIR/docker.sock" --data-root "$SDIR/data" --exec-root "$SDIR/exec" \
		--pidfile "$SDIR/dockerd.pid" --bridge "$SBR" --iptables=false >>"$SDIR/log" 2>&1 &
	SPID=$!
	_i=0
	until sdocker version >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 150 ] || ! kill -0 "$SPID" 2>/dev/null; then
			fail "the check's dockerd did not come up: $(tail -3 "$SDIR/log")"
			return 1
		fi
		sleep 0.2
	done
}
stale_engine_up() {
	SDIR=$1
	SBR="sbxs$$"
	mkdir -p "$SDIR" || return 1
	_n=200
	while ip -4 route | grep -q "^172\.29\.$_n\." || ip -4 addr | grep -q " 172\.29\.$_n\."; do
		_n=$((_n + 1))
		[ $_n -lt 255 ] || { fail "no free 172.29.x.0/24 for the check's engine"; return 1; }
	done
	{ ip link add "$SBR" type bridge && ip addr add "172.29.$_n.1/24" dev "$SBR" &&
		ip link set "$SBR" up; } || { fail "cannot make the bridge $SBR"; return 1; }
	stale_dockerd
}
stale_shims() { pids_with containerd-shim-runc-v2 "$SDIR/exec/containerd/containerd.sock"; }
stale_engine_down() {
	[ -n "$SDIR" ] || return 0
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		_i=0
		while kill -0 "$SPID" 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.2
			_i=$((_i + 1))
		done
		kill -9 "$SPID" 2>/dev/null
	fi
	for _p in $(stale_shims); do kill -9 "$_p" 2>/dev/null; done
	grep " $SDIR/" /proc/mounts | awk '{print $2}' | sort -r | while read -r _m; do
		umount -l "$_m" 2>/dev/null
	done
	ip link del "$SBR" 2>/dev/null
	rm -rf "$SDIR"
	SDIR=""
	SPID=""
	return 0
}
# stale_start ID: start the stopped container ID and kill -9 dockerd (its
# containerd dies with it) as soon as the runtime's shim for ID exists,
# between the task's creation and its start; then the same engine again.
# The dead containerd's pid file goes first: under an init that does not
# reap orphans, its zombie would pass for a live containerd to dockerd.
stale_start() {
	_cpid=$(cat "$SDIR/exec/containerd/containerd.pid") || { fail "no containerd pid file"; return 1; }
	(sdocker start "$1" >/dev/null 2>&1 &)
	_i=0
	while [ -z "$(pids_with containerd-shim "$1" "$SDIR/")" ]; do
		_i=$((_i + 1))
		[ $_i -lt 3000 ] || { fail "no shim for the container appeared"; return 1; }
	done
	kill -9 "$SPID" && wait "$SPID" 2>/dev/null
	_i=0
	while grep -q '^State:[[:space:]]*[^Z]' "/proc/$_cpid/status" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || { fail "containerd $_cpid outlived dockerd"; return 1; }
		sleep 0.05
	done
	rm -f "$SDIR/exec/containerd/containerd.pid"
	stale_dockerd
}

t "an engine killed during a start leaves a stale task (every start: 'task ...: already exists'): apply recreates the sandbox from a snapshot of the stuck container, its installed file kept, one sandbox" <<'EOF'
WST="$T/ws-stale" && stale_engine_up "$T/stale-engine" && when_finished stale_engine_down &&
	tar -C "$T/rootfs" -c . | sdocker import - "$IMAGE" >/dev/null &&
	workspace "$WST" "git_identity: false" &&
	DOCKER_HOST="unix://$SDIR/docker.sock" run 0 "$SBX" -C "$WST" apply &&
	old=$(sdocker ps -aq --no-trunc --filter "label=dev.sbx.workspace=$WST") &&
	sdocker exec -u root "$old" sh -c 'echo kept >/installed' &&
	sdocker stop -t 1 "$old" >/dev/null &&
	stale_start "$old" &&
	{ ! sdocker start "$old" >/dev/null 2>"$T/stale.err" || fail "the engine started it: no stale task"; } &&
	{ grep -q "task $old: already exists" "$T/stale.err" || fail "not a stale task: $(cat "$T/stale.err")"; } &&
	DOCKER_HOST="unix://$SDIR/docker.sock" run 0 "$SBX" -C "$WST" apply &&
	out_has "the engine holds a stale task of the container .*'task $old: already exists'" &&
	out_has "recreating '.*' from a snapshot of its file system, to keep its installed state" &&
	new=$(sdocker ps -aq --no-trunc --filter "label=dev.sbx.workspace=$WST") &&
	eq "$(echo "$new" | grep -c .)" 1 "containers of the workspace" &&
	{ [ "$new" != "$old" ] || fail "still the stuck container"; } &&
	eq "$(sdocker inspect -f '{{.State.Running}}' "$new")" true "running" &&
	eq "$(sdocker exec "$new" cat /installed)" kept "the installed file" &&
	eq "$(sdocker images -q sbx-snapshot | grep -c .)" 1 "snapshot images" &&
	DOCKER_HOST="unix://$SDIR/docker.sock" run 0 "$SBX" -C "$WST" apply && out_has "^No changes"
EOF
t "an engine whose port drops every SYN: exit 4 after the ping's 5 seconds, and the message says 5" <<'EOF'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') &&
	iptables -I INPUT -p tcp -d 127.0.0.1 --dport "$port" --syn -j DROP &&
	when_finished "iptables -D INPUT -p tcp -d 127.0.0.1 --dport $port --syn -j DROP" &&
	s=$(date +%s) && DOCKER_HOST="tcp://127.0.0.1:$port" run 4 "$SBX" ls &&
	took=$(($(date +%s) - s)) &&
	err_has "cannot connect to the engine at 'tcp://127.0.0.1:$port': no connection after 5 seconds" &&
	{ [ $took -ge 4 ] && [ $took -le 7 ] || fail "took $took s"; }
EOF

# ---- signals and the lock ----
# interrupt_at WS N: sbx apply --yes in WS, SIGINT while its Nth request that changes
# something is in flight (sigint_at); the apply's exit status in $irc.
interrupt_at() { sigint_at "$2" "$SBX" -C "$1" apply --yes; }
t "SIGINT at each request of a recreate: 130 (or 0 past its last step), never two containers nor two snapshots; one more apply: one running sandbox with the installed file" <<'EOF'
workspace "$T/ws-int" "env: {V: 0}" && run 0 "$SBX" -C "$T/ws-int" apply &&
	docker exec "$(containers_of "$T/ws-int")" sh -c 'echo kept > /root/installed' &&
	interrupted=0 &&
	for n in 1 2 3 4 5 6 7; do
		sed -i "s/V: .*}/V: $n}/" "$T/ws-int/sandbox.yaml" && interrupt_at "$T/ws-int" "$n" &&
			{ [ "$irc" -eq 130 ] || [ "$irc" -eq 0 ] || fail "step $n: exit $irc"; } &&
			{ [ "$irc" -ne 130 ] || { interrupted=$((interrupted + 1)) && err_has "interrupted (SIGINT)"; }; } &&
			eq "$(count_of "$T/ws-int")" 1 "containers after SIGINT at step $n" &&
			{ [ "$(docker images -q --filter "label=dev.sbx.workspace=$T/ws-int" | wc -l)" -le 1 ] ||
				fail "snapshot images after SIGINT at step $n: $(docker images --filter "label=dev.sbx.workspace=$T/ws-int")"; } &&
			run 0 "$SBX" -C "$T/ws-int" apply &&
			id=$(containers_of "$T/ws-int") &&
			eq "$(count_of "$T/ws-int")" 1 "containers after one more apply (step $n)" &&
			eq "$(ins "$id" '{{.State.Running}}')" true "running (step $n)" &&
			eq "$(docker exec "$id" sh -c 'echo $V')" "$n" "env (step $n)" &&
			eq "$(docker exec "$id" cat /root/installed)" kept "installed file (step $n)" ||
			return 1
	done &&
	{ [ "$interrupted" -ge 5 ] || fail "only $interrupted of 7 applies were interrupted"; }
EOF
# hold_lock WS HOME [setpriv args...]: sbx apply in WS against a fake engine (its socket in
# WS.engine/, which WS's user can reach) that answers /_ping and never anything else, so that
# it holds WS's lock while it waits for its list; its pid in $holder once the list is asked
# for (the lock is taken before it).
hold_lock() {
	_hw=$1 _hh=$2
	shift 2
	mkdir -p "$_hw.engine" && chmod 777 "$_hw.engine" && fake_engine ping "$_hw.engine/ping.sock" &&
		_hl="$_hw.engine/ping.sock.log" && : >"$_hl" && chmod 666 "$_hl" &&
		{ env --default-signal=INT HOME="$_hh" XDG_STATE_HOME="$_hh/state" DOCKER_HOST="unix://$_hw.engine/ping.sock" "$@" "$SBX" -C "$_hw" apply \
			>"$T/holder.out" 2>&1 &
		holder=$!
		when_finished "kill -INT $holder 2>/dev/null; wait $holder 2>/dev/null; :"; } &&
		_hi=0 && while ! grep -q "containers/json" "$_hl"; do
			[ $_hi -lt 100 ] || { fail "the holder never asked for its list: $(cat "$T/holder.out")"; return 1; }
			sleep 0.1
			_hi=$((_hi + 1))
		done
}
# fake_engine MODE [SOCKET]: a misbehaving engine (tests/lib/fake_engine.py) on SOCKET, by
# default $T/MODE.sock, stopped after the check.
fake_engine() {
	_fs=${2:-$T/$1.sock}
	python3 "$ROOT/tests/lib/fake_engine.py" "$_fs" "$1" >/dev/null 2>&1 &
	when_finished "kill $!; rm -f '$_fs'" &&
		i=0 &&
		while [ ! -S "$_fs" ]; do
			[ $i -lt 50 ] || { fail "the fake engine did not come up"; return 1; }
			sleep 0.1
			i=$((i + 1))
		done
}
t "the lock is the workspace's, whatever the HOME: a second apply waits, names the holder, gives up after SBX_LOCK_TIMEOUT (exit 1)" <<'EOF'
workspace "$T/ws-lock" "git_identity: false" && mkdir -p "$T/h1" "$T/h2" &&
	hold_lock "$T/ws-lock" "$T/h1" &&
	s=$(date +%s) &&
	HOME="$T/h2" XDG_STATE_HOME="$T/h2/state" SBX_LOCK_TIMEOUT=2 run 1 "$SBX" -C "$T/ws-lock" apply &&
	took=$(($(date +%s) - s)) &&
	err_has "^waiting for the workspace's lock, held by pid $holder (user 'root': '$SBX -C $T/ws-lock apply', since [0-9-]* [0-9:]*); giving up after 2 seconds (SBX_LOCK_TIMEOUT)$" &&
	err_has "^sbx: the workspace's lock is still held by pid $holder (user 'root': .*) after 2 seconds" &&
	{ [ $took -ge 2 ] && [ $took -le 4 ] || fail "gave up after $took s"; } &&
	# the holder, interrupted while it waits for the engine's answer: 130, and the lock is free
	kill -INT "$holder" && { wait "$holder"; eq "$?" 130 "the holder's exit"; } &&
	grep -q "interrupted (SIGINT)" "$T/holder.out" &&
	flock -n "$T/ws-lock" true &&
	HOME="$T/h2" SBX_LOCK_TIMEOUT=x run 64 "$SBX" -C "$T/ws-lock" apply && err_has "SBX_LOCK_TIMEOUT='x'"
EOF
t "the lock across users: sbx as nobody holds it on a workspace it owns, root's apply waits for it and names it" <<'EOF'
base=$(mktemp -d /tmp/sbx-lock-nobody.XXXXXX) && when_finished "rm -rf '$base'" &&
	chmod 755 "$base" && wsn="$base/ws" && mkdir -p "$wsn" "$base/home" &&
	printf 'version: 1\nagent: shell\nimage: %s\ncredentials: none\ngit_identity: false\n' "$IMAGE" >"$wsn/sandbox.yaml" &&
	chown -R nobody:nogroup "$wsn" "$base/home" &&
	hold_lock "$wsn" "$base/home" setpriv --reuid=nobody --regid=nogroup --clear-groups &&
	safe_directory "$wsn" &&
	XDG_STATE_HOME="$T/root-state" SBX_LOCK_TIMEOUT=1 run 1 "$SBX" -C "$wsn" apply &&
	err_has "^waiting for the workspace's lock, held by pid $holder (user 'nobody': " &&
	err_has "still held by pid $holder (user 'nobody'"
EOF

t_done integration
