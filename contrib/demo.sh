#!/bin/sh
# make demo: what sbx does today, on a fresh machine. Writes a workspace in a
# temporary directory, shows `sbx init`, `sbx validate` on the examples, and
# what a hostile or broken sandbox.yaml gets. The reconciler (apply, diff,
# run) arrives with the next issue; this demo does not pretend it is here.
set -eu
cd "$(dirname "$0")/.."
SBX="$(pwd)/sbx"
demo=$(mktemp -d /tmp/sbx-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
	step() { printf '\n$ %s\n' "$*"; }
fi

mkdir -p "$demo/my-project/src"
step "sbx -C my-project init --agent claude"
"$SBX" -C "$demo/my-project" init --agent claude
step "sed -n '1,12p' my-project/sandbox.yaml"
sed -n '1,12p' "$demo/my-project/sandbox.yaml"
step "cd my-project/src && sbx validate     # found in a parent, as git finds .git"
(cd "$demo/my-project/src" && "$SBX" validate)

step "sbx validate examples/*.yaml"
"$SBX" validate examples/*.yaml

cat >"$demo/my-project/sandbox.yaml" <<'YAML'
version: 1
agent: claud
docker_socket: yes
env:
  NODE_ENV: development
  NODE_ENV: production
mount:
  - {source: ~/.ssh, target: /home/agent/.ssh}
defaults: &d {cpus: 2}
resources: *d
YAML
step "sbx -C my-project validate     # a broken (or hostile) sandbox.yaml"
"$SBX" -C "$demo/my-project" validate || echo "(exit status $?)"

printf '\nThe reconciler (sbx apply / diff / run against the Docker engine) arrives with\nthe next issue; today sbx reads, checks and writes sandbox.yaml.\n'
