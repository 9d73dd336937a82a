#!/bin/sh
# sbx diff --base in code review: temporary git repositories, sandbox.yaml at
# revisions against the work tree or each other, read without an engine (every
# check runs with DOCKER_HOST naming a socket that does not exist) and without
# writing the work tree, the index or the refs. usage: tests/review/run.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-review.XXXXXX)
T=$(cd "$T" && pwd -P)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home"
mkdir -p "$HOME"
unset NO_COLOR GIT_DIR GIT_WORK_TREE
export DOCKER_HOST="unix://$T/no-engine.sock"
export GIT_AUTHOR_NAME=Rev GIT_AUTHOR_EMAIL=rev@example.org
export GIT_COMMITTER_NAME=Rev GIT_COMMITTER_EMAIL=rev@example.org

OUT="$T/out"
ERR="$T/err"
RUN_TIMEOUT=20
. "$ROOT/tests/lib/harness.sh"

R="$T/repo"
# yaml FILE LINE...: write a sandbox.yaml of agent shell with these lines more
yaml() {
	_f=$1
	shift
	mkdir -p "$(dirname "$_f")" && {
		printf 'version: 1\nagent: shell\nimage: busybox:1\n'
		for _l in "$@"; do printf '%s\n' "$_l"; done
	} >"$_f"
}
commit() { git -C "$R" add -A && git -C "$R" commit -q -m "$1"; }
# the repository's state, to prove a diff wrote nothing: index (bytes and time), refs, work
# tree (git status told not to refresh the index itself)
snapshot() {
	{ sha256sum "$R/.git/index" && stat -c %Y.%y "$R/.git/index" && git -C "$R" for-each-ref &&
		GIT_OPTIONAL_LOCKS=0 git -C "$R" status --porcelain; } >"$1"
}
no_engine_needed() { [ ! -e "$T/no-engine.sock" ] || fail "something made the engine socket"; }

t "setup: a monorepo with a root sandbox.yaml and services/api's, a branch, a tag, two commits" <<'EOF'
git init -q "$R" && yaml "$R/sandbox.yaml" "env: {A: '1'}" &&
	yaml "$R/services/api/sandbox.yaml" "env: {PORT: '80'}" && mkdir -p "$R/services/api/src" &&
	echo x >"$R/services/api/src/main.c" && commit one && git -C "$R" branch base-one &&
	git -C "$R" tag v1 && c1=$(git -C "$R" rev-parse HEAD) &&
	yaml "$R/sandbox.yaml" "env: {A: '2'}" && commit two && c2=$(git -C "$R" rev-parse HEAD)
EOF

t "a branch: the file at it against the work tree, the same plan language as against the engine" <<'EOF'
yaml "$R/sandbox.yaml" "env: {A: '3'}" &&
	run 0 "$SBX" -C "$R" diff --base base-one && out_has "^== 'sandbox.yaml': base-one -> the work tree$" &&
	out_has "must be replaced" && out_has "~ env.A: '1' -> '3'  # forces recreate" &&
	out_has "installed state: kept" && { ! grep -q "security-relevant" "$OUT" || fail "an env change marked"; } &&
	run 2 "$SBX" -C "$R" diff --base base-one --exit-code && no_engine_needed
EOF

t "a commit id, whole or abbreviated, and a tag" <<'EOF'
run 2 "$SBX" -C "$R" diff --base "$c1" --exit-code && out_has "~ env.A: '1' -> '3'" &&
	run 2 "$SBX" -C "$R" diff --base "$(printf %.8s "$c1")" --exit-code && out_has "~ env.A: '1' -> '3'" &&
	run 2 "$SBX" -C "$R" diff --base v1 --exit-code && out_has "~ env.A: '1' -> '3'"
EOF

t "--head: two revisions, the work tree not read" <<'EOF'
run 2 "$SBX" -C "$R" diff --base v1 --head "$c2" --exit-code && out_has "^== 'sandbox.yaml': v1 -> $c2$" &&
	out_has "~ env.A: '1' -> '2'" && { ! grep -q "'3'" "$OUT" || fail "the work tree was read"; } &&
	run 0 "$SBX" -C "$R" diff --base HEAD --head HEAD --exit-code && out_has "^No changes: both versions ask for the same sandbox"
EOF

t "a relative revision from a subdirectory: the sandbox.yaml that governs it" <<'EOF'
yaml "$R/services/api/sandbox.yaml" "env: {PORT: '8080'}" &&
	run 2 "$SBX" -C "$R/services/api/src" diff --base HEAD~1 --exit-code &&
	out_has "^== 'services/api/sandbox.yaml': HEAD~1 -> the work tree$" &&
	out_has "~ env.PORT: '80' -> '8080'" && { ! grep -q "env.A" "$OUT" || fail "the root file was compared"; }
EOF

t "a monorepo from the top with --all: each changed file, the unchanged ones not" <<'EOF'
yaml "$R/services/web/sandbox.yaml" && yaml "$R/services/db/sandbox.yaml" && echo db >"$R/services/db/README" &&
	commit three && yaml "$R/services/web/sandbox.yaml" "env: {W: '1'}" &&
	yaml "$R/sandbox.yaml" "env: {A: '4'}" && yaml "$R/services/api/sandbox.yaml" "env: {PORT: '8081'}" &&
	run 2 "$SBX" -C "$R" diff --base HEAD --all --exit-code &&
	out_has "^== 'sandbox.yaml': HEAD -> the work tree$" &&
	out_has "^== 'services/api/sandbox.yaml': HEAD -> the work tree$" &&
	out_has "^== 'services/web/sandbox.yaml': HEAD -> the work tree$" &&
	{ ! grep -q "services/db" "$OUT" || fail "an unchanged file listed"; } &&
	eq "$(grep -c '^== ' "$OUT")" 3 "files listed" &&
	run 2 "$SBX" -C "$R/services" diff --base HEAD --all --exit-code &&
	eq "$(grep -c '^== ' "$OUT")" 2 "files under services/" &&
	run 2 "$SBX" -C "$R/services" diff --base HEAD --exit-code &&
	out_has "^== 'sandbox.yaml': HEAD -> the work tree$" && eq "$(grep -c '^== ' "$OUT")" 1 "files governing services/" &&
	run 0 "$SBX" -C "$R/services/db" diff --base HEAD --exit-code && out_has "^No changes"
EOF

t "no sandbox.yaml governs the directory (none at the top): every changed one under it" <<'EOF'
R2="$T/repo2" && git init -q "$R2" && yaml "$R2/a/sandbox.yaml" && yaml "$R2/b/sandbox.yaml" &&
	yaml "$R2/c/sandbox.yaml" && git -C "$R2" add -A && git -C "$R2" commit -q -m one &&
	yaml "$R2/a/sandbox.yaml" "env: {X: '1'}" && yaml "$R2/c/sandbox.yaml" "docker_socket: true" &&
	run 5 "$SBX" -C "$R2" diff --base HEAD --exit-code && eq "$(grep -c '^== ' "$OUT")" 2 "files listed" &&
	out_has "^== 'a/sandbox.yaml'" && out_has "^== 'c/sandbox.yaml'" && out_has "^!! 1 security-relevant change" &&
	git -C "$R2" checkout -q -- . && run 0 "$SBX" -C "$R2" diff --base HEAD --exit-code &&
	out_has "^No changes. No sandbox.yaml in the repository differs between HEAD and the work tree.$"
EOF

t "a file absent at the base shows as all new; one deleted, as removed" <<'EOF'
yaml "$R/services/new/sandbox.yaml" "env: {N: '1'}" &&
	run 2 "$SBX" -C "$R/services/new" diff --base HEAD --exit-code && out_has "(new file)$" &&
	out_has "will be created" && out_has "+ env.N = '1'" &&
	git -C "$R" rm -q services/db/sandbox.yaml &&
	run 2 "$SBX" -C "$R/services/db" diff --base HEAD --exit-code && out_has "(deleted)$" &&
	out_has "the file is deleted" && out_has "- image = 'busybox:1'" &&
	git -C "$R" reset -q --hard && rm -rf "$R/services/new"
EOF

t "an unknown revision: exit 1 and git's words, never changes; --exit-code too" <<'EOF'
run 1 "$SBX" -C "$R" diff --base no-such-branch && err_has "unknown revision 'no-such-branch'" &&
	[ ! -s "$OUT" ] && run 1 "$SBX" -C "$R" diff --base no-such-branch --exit-code &&
	run 1 "$SBX" -C "$R" diff --base HEAD --head 0000000 && err_has "revision '0000000'"
EOF

t "enabling the docker socket, a host mount, pass_env, the network, another image: a header above the plan, exit 5" <<'EOF'
printf 'version: 1\nagent: shell\nimage: busybox:2\nnetwork: none\n' >"$R/services/web/sandbox.yaml" && commit four &&
	printf 'version: 1\nagent: shell\nimage: busybox:3\ndocker_socket: true\npass_env: [AWS_SECRET_ACCESS_KEY]\nmounts:\n  - {source: ~/.aws, target: /aws}\n' >"$R/services/web/sandbox.yaml" &&
	run 5 "$SBX" -C "$R/services/web" diff --base HEAD --exit-code &&
	out_has "^!! 5 security-relevant changes: review before approving$" &&
	out_has "^!!   ~ docker_socket: the engine's socket: root on the host$" &&
	out_has "^!!   + mounts./aws: a host path the sandbox reaches$" &&
	out_has "^!!   + pass_env.AWS_SECRET_ACCESS_KEY: a host variable's value goes into the sandbox's sessions$" &&
	out_has "^!!   ~ network: the sandbox reaches the network$" &&
	out_has "^!!   ~ image: another image runs with the workspace mounted$" &&
	[ "$(grep -n '^!!' "$OUT" | head -1 | cut -d: -f1)" -lt "$(grep -n 'must be replaced' "$OUT" | cut -d: -f1)" ] &&
	run 0 "$SBX" -C "$R/services/web" diff --base HEAD && git -C "$R" checkout -q -- services/web
EOF

t "the work tree, the index and the refs are left as they were" <<'EOF'
yaml "$R/sandbox.yaml" "env: {A: '9'}" && touch "$R/services/api/src/main.c" && snapshot "$T/before" &&
	run 2 "$SBX" -C "$R" diff --base v1 --all --exit-code && snapshot "$T/after" &&
	{ cmp -s "$T/before" "$T/after" || fail "the repository changed: $(diff "$T/before" "$T/after")"; }
EOF

t "a base whose sandbox.yaml is invalid: exit 65 at REV:path:line:col" <<'EOF'
printf 'version: 1\nagent: shel\n' >"$R/services/api/sandbox.yaml" && commit bad &&
	yaml "$R/services/api/sandbox.yaml" &&
	run 65 "$SBX" -C "$R/services/api" diff --base HEAD && err_has "^HEAD:services/api/sandbox.yaml:2:8: unknown agent 'shel'" &&
	git -C "$R" reset -q --hard HEAD~1
EOF

t "a base whose sandbox.yaml is a symbolic link: refused (exit 65), nothing read through it" <<'EOF'
echo "secret" >"$T/outside" && rm "$R/services/web/sandbox.yaml" && ln -s "$T/outside" "$R/services/web/sandbox.yaml" &&
	commit link && rm "$R/services/web/sandbox.yaml" && yaml "$R/services/web/sandbox.yaml" &&
	run 65 "$SBX" -C "$R/services/web" diff --base HEAD && err_has "is a symbolic link, not a file" &&
	{ ! grep -q secret "$OUT" "$ERR" || fail "read through the link"; } && git -C "$R" reset -q --hard HEAD~1
EOF

t "outside a repository, and options that go with --base alone: clear errors" <<'EOF'
mkdir -p "$T/plain" && yaml "$T/plain/sandbox.yaml" &&
	run 1 "$SBX" -C "$T/plain" diff --base HEAD && err_has "is in no git repository" &&
	run 64 "$SBX" -C "$R" diff --head HEAD && err_has "go with --base" &&
	run 64 "$SBX" -C "$R" diff --all && err_has "go with --base"
EOF

t "-f names the file to compare, from anywhere in the repository" <<'EOF'
yaml "$R/services/api/sandbox.yaml" "env: {PORT: '81'}" &&
	run 2 "$SBX" -C "$R" -f services/api/sandbox.yaml diff --base v1 --exit-code &&
	out_has "^== 'services/api/sandbox.yaml'" && out_has "~ env.PORT: '80' -> '81'" &&
	git -C "$R" checkout -q -- services/api && no_engine_needed
EOF

t "--json with --base: one document of kind review, valid by its schema: modified, added, deleted and unchanged files, the security list" <<'EOF'
R4="$T/repo4" && git init -q "$R4" && yaml "$R4/m/sandbox.yaml" && yaml "$R4/d/sandbox.yaml" "env: {D: '1'}" &&
	yaml "$R4/u/sandbox.yaml" && git -C "$R4" add -A && git -C "$R4" commit -q -m one &&
	yaml "$R4/m/sandbox.yaml" "docker_socket: true" && rm "$R4/d/sandbox.yaml" && yaml "$R4/a/sandbox.yaml" &&
	run 5 "$SBX" -C "$R4" diff --base HEAD --all --json --exit-code &&
	/usr/bin/python3 "$ROOT/tests/schema/check_output.py" review "$OUT" >/dev/null &&
	eq "$(jq -r '[.files[] | .path + ":" + .status] | join(" ")' "$OUT")" "a/sandbox.yaml:added d/sandbox.yaml:deleted m/sandbox.yaml:modified" "files" &&
	eq "$(jq -r '.security_relevant' "$OUT")" 1 "security_relevant" &&
	eq "$(jq -c '.files[2].plan.security' "$OUT")" '[{"field":"docker_socket","change":"change","why":"the engine'"'"'s socket: root on the host"}]' "the plan's security list" &&
	eq "$(jq -r '.files[1].removed.env.D' "$OUT")" 1 "the deleted file's form" &&
	eq "$(jq -r '.base.commit' "$OUT")" "$(git -C "$R4" rev-parse HEAD)" "base commit" && eq "$(jq -r '.head.commit' "$OUT")" null "head" &&
	run 0 "$SBX" -C "$R4/u" diff --base HEAD --json --exit-code &&
	/usr/bin/python3 "$ROOT/tests/schema/check_output.py" review "$OUT" >/dev/null &&
	eq "$(jq -r '.files[0].status' "$OUT")" unchanged "an unchanged file" &&
	run 1 "$SBX" -C "$R4" diff --base nope --json && [ ! -s "$OUT" ]
EOF

t "the CI script (the GitHub action's and GitLab's): a plain change passes with the plan in the summary" <<'EOF'
R3="$T/repo3" && git init -q "$R3" && yaml "$R3/svc/sandbox.yaml" && git -C "$R3" add -A &&
	git -C "$R3" commit -q -m one && base3=$(git -C "$R3" rev-parse HEAD) &&
	yaml "$R3/svc/sandbox.yaml" "env: {X: '1'}" &&
	SBX="$SBX" SBX_BASE="$base3" SBX_SUMMARY="$T/summary.md" run 0 sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" &&
	out_has "~ env.X\|+ env.X" && grep -q '^## sbx: sandbox changes$' "$T/summary.md" &&
	grep -q "^== 'svc/sandbox.yaml': $base3 -> the work tree$" "$T/summary.md" && grep -qx '```text' "$T/summary.md"
EOF

t "the CI script: a security-relevant change fails (exit 1, an ::error:: line) until the label approves it" <<'EOF'
printf 'docker_socket: true\n' >>"$R3/svc/sandbox.yaml" && rm -f "$T/summary.md" &&
	SBX="$SBX" SBX_BASE="$base3" SBX_SUMMARY="$T/summary.md" run 1 sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" &&
	out_has "^::error::sandbox.yaml: security-relevant changes (marked !!) need the label 'sbx-security-approved'$" &&
	grep -q '^## sbx: security-relevant sandbox changes need approval$' "$T/summary.md" &&
	grep -q '^!!   ~ docker_socket' "$T/summary.md" && rm -f "$T/summary.md" &&
	SBX="$SBX" SBX_BASE="$base3" SBX_APPROVED=true SBX_SUMMARY="$T/summary.md" run 0 sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" &&
	grep -q '^## sbx: security-relevant sandbox changes, approved$' "$T/summary.md"
EOF

t "the CI script: a value that holds backticks cannot end the summary's code block; sbx's errors pass through" <<'EOF'
yaml "$R3/svc/sandbox.yaml" 'env: {X: "````` # not markdown"}' && rm -f "$T/summary.md" &&
	SBX="$SBX" SBX_BASE="$base3" SBX_SUMMARY="$T/summary.md" run 0 sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" &&
	grep -qx '``````text' "$T/summary.md" && eq "$(grep -cx '``````' "$T/summary.md")" 1 "closing fences" &&
	SBX="$SBX" SBX_BASE=no-such-rev run 1 sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" && out_has "unknown revision" &&
	run 64 env -u SBX_BASE sh "$ROOT/contrib/ci/sbx-review.sh" "$R3" && git -C "$R3" checkout -q -- .
EOF

t "the GitHub action and the GitLab job are valid YAML and run the same script" <<'EOF'
for f in contrib/github-action/action.yml contrib/github-action/example.yml contrib/gitlab/sbx-review.gitlab-ci.yml; do
	/usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$ROOT/$f" || { fail "$f is not YAML"; return 1; }
done &&
	grep -q 'ci/sbx-review.sh' "$ROOT/contrib/github-action/action.yml" &&
	grep -q 'sbx-review.sh' "$ROOT/contrib/gitlab/sbx-review.gitlab-ci.yml" &&
	grep -q 'pull_request.base.sha' "$ROOT/contrib/github-action/action.yml" &&
	grep -q 'CI_MERGE_REQUEST_DIFF_BASE_SHA' "$ROOT/contrib/gitlab/sbx-review.gitlab-ci.yml"
EOF

t "the pre-commit hook: a commit of an invalid sandbox.yaml is refused at path:line:col; the index's copy is what counts" <<'EOF'
R5="$T/repo5" && git init -q "$R5" && cp "$ROOT/contrib/pre-commit/sbx-validate" "$R5/.git/hooks/pre-commit" &&
	mkdir -p "$R5/svc" && printf 'version: 1\nagent: shel\n' >"$R5/svc/sandbox.yaml" && git -C "$R5" add -A &&
	SBX="$SBX" run 1 git -C "$R5" commit -q -m bad &&
	err_has "^svc/sandbox.yaml:2:8: unknown agent 'shel'" && err_has "or commit with --no-verify" &&
	{ ! git -C "$R5" rev-parse -q --verify HEAD >/dev/null || fail "the commit was made"; } &&
	yaml "$R5/svc/sandbox.yaml" && git -C "$R5" add -A && printf 'version: 1\nagent: shel\n' >"$R5/svc/sandbox.yaml" &&
	SBX="$SBX" run 0 git -C "$R5" commit -q -m good && git -C "$R5" rev-parse -q --verify HEAD >/dev/null &&
	echo other >"$R5/README" && git -C "$R5" add README && SBX=/nonexistent run 0 git -C "$R5" commit -q -m "no sandbox.yaml in it"
EOF

t "the pre-commit framework's hook: sbx validate --no-host, on files named sandbox.yaml" <<'EOF'
/usr/bin/python3 - "$ROOT/.pre-commit-hooks.yaml" <<'PY'
import re, sys, yaml
h = [x for x in yaml.safe_load(open(sys.argv[1])) if x["id"] == "sbx-validate"][0]
assert h["entry"].split()[:2] == ["sbx", "validate"] and "--no-host" in h["entry"], h["entry"]
assert h["language"] == "system"
f = re.compile(h["files"])
assert f.search("sandbox.yaml") and f.search("services/api/sandbox.yaml")
assert not f.search("xsandbox.yaml") and not f.search("sandbox.yaml.bak")
PY
EOF

t_done review
