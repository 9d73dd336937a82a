#!/bin/sh
# make demo: sbx's main job on a fresh machine. Starts the Docker engine when
# none answers, makes a local image when the example's image cannot be pulled
# (no registry is reachable here), then validates, diffs, applies, changes and
# re-applies a workspace, and shows what the engine has. The demo's sandbox is
# removed at the end; an engine it started keeps running.
set -eu
cd "$(dirname "$0")/.."
SBX="$(pwd)/sbx"
demo=$(mktemp -d /tmp/sbx-demo.XXXXXX)
ws="$demo/my-project"
# On any exit: the demo's sandbox and its files go; an engine it started stays.
trap '"$SBX" -C "$ws" rm >/dev/null 2>&1 || true; cd /; rm -rf "$demo"' EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
	step() { printf '\n$ %s\n' "$*"; }
fi
say() { printf '\n# %s\n' "$*"; }

# ---- the engine ----
if ! docker version >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: no Docker engine answers; start one (sudo dockerd &) and run make demo again" >&2
		exit 4
	fi
	say "no Docker engine answers: starting dockerd (log: /var/log/sbx-demo-dockerd.log)"
	nohup dockerd >/var/log/sbx-demo-dockerd.log 2>&1 &
	i=0
	until docker version >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then
			echo "demo: dockerd did not come up; see /var/log/sbx-demo-dockerd.log" >&2
			exit 4
		fi
		sleep 0.2
	done
fi

# ---- the workspace and its image ----
mkdir -p "$ws/src"
cp examples/shell-minimal.yaml "$ws/sandbox.yaml"
image=$(sed -n 's/^image: *//p' "$ws/sandbox.yaml")
image=${image:-docker/sandbox-templates:shell}
if ! docker image inspect "$image" >/dev/null 2>&1 && ! docker pull -q "$image" >/dev/null 2>&1; then
	say "$image cannot be pulled here (no registry); making sbx-demo/shell:local from busybox-static"
	image=sbx-demo/shell:local
	if ! docker image inspect "$image" >/dev/null 2>&1; then
		root="$demo/rootfs"
		sh contrib/busybox-rootfs.sh "$root" sh ls cat id env echo sleep touch mkdir chown
		tar -C "$root" -c . | docker import - "$image" >/dev/null
	fi
	if grep -q '^image:' "$ws/sandbox.yaml"; then
		sed -i "s|^image:.*|image: $image|" "$ws/sandbox.yaml"
	else
		printf 'image: %s\n' "$image" >>"$ws/sandbox.yaml"
	fi
fi
git -C "$ws" init -q 2>/dev/null || true
git -C "$ws" config user.name "Demo User"
git -C "$ws" config user.email demo@example.org

cd "$ws"
step "cat sandbox.yaml"
grep -v '^#' sandbox.yaml | sed '/^$/d'
step "sbx validate"
"$SBX" validate
step "sbx diff --exit-code     # what apply would do; exit 2: there are changes"
"$SBX" diff --exit-code || echo "(exit status $?)"
step "sbx apply"
"$SBX" apply
step "sbx apply                # again: nothing to do, one list call"
"$SBX" apply
step "sbx exec -- sh -c 'pwd; id; echo \$GIT_AUTHOR_NAME; touch /home/agent/installed-tool'"
"$SBX" exec -- sh -c 'pwd; id; echo "$GIT_AUTHOR_NAME"; touch /home/agent/installed-tool'

say "an env change forces a recreate; preserve_state keeps what was installed"
printf 'env:\n  GREETING: hello\n' >>sandbox.yaml
step "sbx diff"
"$SBX" diff
step "sbx apply"
"$SBX" apply
step "sbx exec -- sh -c 'echo \$GREETING; ls /home/agent'"
"$SBX" exec -- sh -c 'echo "$GREETING"; ls /home/agent'

say "a resource limit changes in place: same container"
printf 'resources: {pids: 512}\n' >>sandbox.yaml
step "sbx apply"
"$SBX" apply
say "host access needs your approval: a file that asks for the engine's socket is refused (exit 3)"
cp sandbox.yaml "$demo/approved.yaml"
printf 'docker_socket: true\n' >>sandbox.yaml
step "sbx apply"
"$SBX" apply || echo "(exit status $?)"
step "sbx diff                 # diff still shows the plan, and warns"
"$SBX" diff || true
cp "$demo/approved.yaml" sandbox.yaml

step "sbx ls"
"$SBX" ls
step "sbx inspect"
"$SBX" inspect

step "sbx rm                   # the demo cleans up after itself"
"$SBX" rm
