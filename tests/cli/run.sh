#!/bin/sh
# Command-line tests: run the built sbx as a user would and check its exit
# status, its output and the files it leaves. usage: tests/cli/run.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-cli.XXXXXX)
T=$(cd "$T" && pwd -P)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home"
mkdir -p "$HOME"
unset NO_COLOR

OUT="$T/out"
ERR="$T/err"

RUN_TIMEOUT=10
. "$ROOT/tests/lib/harness.sh"
err_is() {
	printf '%s\n' "$1" >"$T/want" && cmp -s "$T/want" "$ERR" || fail "stderr is not exactly '$1'"
}
out_empty() { [ ! -s "$OUT" ] || fail "stdout is not empty"; }
# stderr holds no raw ESC and no raw U+202E (right-to-left override)
no_raw_controls() {
	! LC_ALL=C grep -q "$(printf '\033')" "$ERR" && ! LC_ALL=C grep -q "$(printf '\342\200\256')" "$ERR" ||
		fail "raw control sequence in the output"
}
# every line of stderr is FILE:LINE:COL: message
positioned() {
	! grep -v "^$1:[0-9][0-9]*:[0-9][0-9]*: " "$ERR" | grep -q . || fail "a line without a position"
}

W="$T/ws"

# ---- global ----
t "no arguments: usage, exit 64" <<'EOF'
run 64 "$SBX" && out_has "usage: sbx"
EOF
t "--help and help list the commands" <<'EOF'
run 0 "$SBX" --help && out_has "validate" && out_has "init" && run 0 "$SBX" help &&
	out_has "commands:"
EOF
t "--version" <<'EOF'
run 0 "$SBX" --version && out_has "^sbx [0-9]"
EOF
t "version --json is JSON naming the libraries" <<'EOF'
run 0 "$SBX" version --json &&
	{ jq -e '.version and .libraries.libyaml and .libraries.libgit2' "$OUT" >/dev/null || fail "bad JSON"; }
EOF
t "adopt takes at most one sandbox name: exit 64; --help names it" <<'EOF'
run 64 "$SBX" adopt one two && err_has "adopt takes at most one sandbox name" &&
	run 0 "$SBX" adopt --help && out_has "usage: sbx adopt \[--dry-run\] \[--yes\] \[--fresh\] \[NAME\]"
EOF

t "unknown command: exit 64 with a suggestion" <<'EOF'
run 64 "$SBX" valdate && err_has "unknown command 'valdate' (did you mean 'validate'?)"
EOF
t "no prefix matching of commands" <<'EOF'
run 64 "$SBX" val
EOF
t "unknown option: exit 64 with a suggestion" <<'EOF'
run 64 "$SBX" validate --quite && err_has "unknown option '--quite' (did you mean '--quiet'?)" &&
	err_has "sbx validate --help"
EOF
t "option without its value" <<'EOF'
run 64 "$SBX" -C && err_has "needs a value"
EOF
t "help COMMAND equals COMMAND --help" <<'EOF'
run 0 "$SBX" help validate && cp "$OUT" "$T/h1" && run 0 "$SBX" validate --help &&
	{ cmp -s "$T/h1" "$OUT" || fail "help validate differs from validate --help"; } &&
	out_has "usage: sbx validate" && out_has "\-\-quiet"
EOF
t "help of an unknown command" <<'EOF'
run 64 "$SBX" help nope
EOF
t "-C to a missing directory" <<'EOF'
run 64 "$SBX" -C "$T/missing" validate && err_has "cannot change to directory"
EOF

t "usage errors of the reconciler's commands exit 64 before touching the engine" <<'EOF'
DOCKER_HOST="unix://$T/no-engine.sock" run 64 "$SBX" apply --exit-code && err_has "goes with --dry-run" &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 64 "$SBX" apply extra &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 64 "$SBX" diff extra &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 64 "$SBX" ls --json -q &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 64 "$SBX" inspect a b
EOF
t "an engine that is not there: exit 4 naming the socket" <<'EOF'
DOCKER_HOST="unix://$T/no-engine.sock" run 4 "$SBX" ls && err_has "no-engine.sock' is missing"
EOF
# A misbehaving engine on $T/$1.sock (tests/lib/fake_engine.py MODE $1), stopped after the check.
fake_engine() {
	python3 "$ROOT/tests/lib/fake_engine.py" "$T/$1.sock" "$1" >/dev/null 2>&1 &
	when_finished "kill $!" &&
		i=0 &&
		while [ ! -S "$T/$1.sock" ]; do
			[ $i -lt 50 ] || { fail "the fake engine did not come up"; return 1; }
			sleep 0.1
			i=$((i + 1))
		done
}
t "an engine that answers /_ping 503: exit 4 with the engine's message" <<'EOF'
fake_engine 503 && DOCKER_HOST="unix://$T/503.sock" run 4 "$SBX" ls &&
	err_has "is not available: GET /_ping: 503: 'engine is starting up'"
EOF
t "an engine that never answers: given up after the ping's 5 seconds, which the message says" <<'EOF'
fake_engine hang && s=$(date +%s) && DOCKER_HOST="unix://$T/hang.sock" run 4 "$SBX" ls &&
	took=$(($(date +%s) - s)) && err_has "did not answer within 5 seconds" &&
	{ [ $took -ge 4 ] && [ $took -le 7 ] || fail "took $took s"; }
EOF
t "DOCKER_HOST that sbx cannot use: a usage error" <<'EOF'
DOCKER_HOST="ssh://host" run 64 "$SBX" ls && err_has "is not supported"
EOF
t "diff --exit-code and apply --dry-run --exit-code: the help gives the whole contract" <<'EOF'
run 0 "$SBX" diff --help && out_has "exit 0 when there are no changes, 2 when there are, 5 when some" &&
	out_has "are security-relevant; a failure exits with its own status, never" &&
	out_has "0, 2 or 5: 1 error (an unknown revision too), 3 refused by policy," &&
	out_has "4 engine unreachable, 64 usage, 65 invalid sandbox.yaml" &&
	{ ! grep -q "1 on errors" "$OUT" || fail "the old contract"; } &&
	run 0 "$SBX" apply --help && out_has "with --dry-run: exit 0 when there are no changes, 2 when there" &&
	out_has "are, 5 when some are security-relevant" && out_has "engine unreachable, 64 usage, 65 invalid sandbox.yaml"
EOF
t "diff --exit-code and apply --dry-run --exit-code: a failure exits with its own status, never 0 or 2" <<'EOF'
mkdir -p "$T/xc" && printf 'version: 1\nagent: shel\n' >"$T/xc/sandbox.yaml" &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 65 "$SBX" -C "$T/xc" diff --exit-code &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 65 "$SBX" -C "$T/xc" apply --dry-run --exit-code &&
	printf 'version: 1\nagent: shell\n' >"$T/xc/sandbox.yaml" &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 4 "$SBX" -C "$T/xc" diff --exit-code &&
	DOCKER_HOST="unix://$T/no-engine.sock" run 4 "$SBX" -C "$T/xc" apply --dry-run --exit-code &&
	run 64 "$SBX" -C "$T/xc" diff --exit-code --bogus
EOF

# ---- init ----
t "init writes a sandbox.yaml that validates" <<'EOF'
mkdir -p "$W/sub/deeper" &&
	run 0 "$SBX" -C "$W" init && [ -f "$W/sandbox.yaml" ] && out_has "wrote '$W/sandbox.yaml'" &&
	! grep -q 'yaml-language-server' "$W/sandbox.yaml" && ! grep -q 'file:' "$W/sandbox.yaml" &&
	grep -q "'sbx schema'" "$W/sandbox.yaml" &&
	run 0 "$SBX" -C "$W" validate && out_has "agent claude"
EOF
t "init never overwrites" <<'EOF'
echo "# mine" >>"$W/sandbox.yaml" && cp "$W/sandbox.yaml" "$T/before" &&
	run 1 "$SBX" -C "$W" init --agent shell && err_has "already exists" &&
	{ cmp -s "$T/before" "$W/sandbox.yaml" || fail "sandbox.yaml was changed"; }
EOF
t "init --agent for every agent" <<'EOF'
for a in claude gemini codex copilot opencode shell; do
	mkdir -p "$T/init-$a" &&
		run 0 "$SBX" init -C "$T/init-$a" --agent "$a" &&
		run 0 "$SBX" validate -f "$T/init-$a/sandbox.yaml" &&
		out_has "agent $a" || return 1
done
EOF
t "init --api-key puts the agent's key variable in pass_env; init says how to log in" <<'EOF'
for ak in claude:ANTHROPIC_API_KEY gemini:GEMINI_API_KEY codex:OPENAI_API_KEY copilot:GH_TOKEN; do
	a=${ak%%:*} k=${ak#*:} &&
		mkdir -p "$T/key-$a" &&
		run 0 "$SBX" init -C "$T/key-$a" --agent "$a" --api-key &&
		out_has "first login: " &&
		grep -qx "pass_env: \[$k\]" "$T/key-$a/sandbox.yaml" &&
		run 0 "$SBX" validate -f "$T/key-$a/sandbox.yaml" || return 1
done &&
	mkdir -p "$T/nokey" && run 0 "$SBX" init -C "$T/nokey" --agent claude &&
	grep -qx "# pass_env: \[ANTHROPIC_API_KEY\]" "$T/nokey/sandbox.yaml" &&
	! grep -q "^pass_env" "$T/nokey/sandbox.yaml" &&
	mkdir -p "$T/shellkey" && run 64 "$SBX" init -C "$T/shellkey" --agent shell --api-key &&
	err_has "takes no API key" && [ ! -e "$T/shellkey/sandbox.yaml" ]
EOF
t "init --agent with a typo" <<'EOF'
run 64 "$SBX" -C "$T" init --agent cluade && err_has "did you mean 'claude'" &&
	[ ! -e "$T/sandbox.yaml" ]
EOF
t "init does not write through a dangling symbolic link" <<'EOF'
mkdir -p "$T/dangle" && ln -s "$T/dangle/elsewhere" "$T/dangle/sandbox.yaml" &&
	run 1 "$SBX" -C "$T/dangle" init && [ ! -e "$T/dangle/elsewhere" ]
EOF

# ---- schema ----
t "schema prints schema/sandbox.schema.json byte for byte, valid JSON, from the binary alone" <<'EOF'
run 0 env -i PATH=/usr/bin:/bin "$SBX" schema && cmp "$OUT" "$ROOT/schema/sandbox.schema.json" &&
	{ jq -e '."$schema" and .properties.version' "$OUT" >/dev/null || fail "not the schema as JSON"; } &&
	mkdir -p "$T/schema-cwd" && run 0 "$SBX" -C "$T/schema-cwd" schema &&
	cmp "$OUT" "$ROOT/schema/sandbox.schema.json"
EOF
t "schema takes no operands; a write error is an error" <<'EOF'
run 64 "$SBX" schema extra && err_has "schema takes no operands" &&
	{ [ ! -w /dev/full ] || { run 1 sh -c '"$1" schema >/dev/full' sh "$SBX" && err_has "cannot write to stdout"; }; }
EOF

# ---- discovery ----
t "validate finds sandbox.yaml in a parent directory" <<'EOF'
run 0 "$SBX" -C "$W/sub/deeper" validate && out_has "'$W/sandbox.yaml'"
EOF
t "validate from the current directory" <<'EOF'
(cd "$W/sub" && run 0 "$SBX" validate)
EOF
t "the reported path is canonical through a symlinked directory" <<'EOF'
ln -s "$W/sub" "$T/link" &&
	run 0 "$SBX" -C "$T/link/deeper" validate && out_has "'$W/sandbox.yaml'"
EOF
t "no sandbox.yaml anywhere: exit 1, says what to do" <<'EOF'
mkdir -p "$T/empty" &&
	run 1 "$SBX" -C "$T/empty" validate && err_has "no sandbox.yaml in" && err_has "sbx init"
EOF
t "-f names the file, relative to -C" <<'EOF'
cp "$W/sandbox.yaml" "$T/empty/other.yaml" &&
	run 0 "$SBX" -C "$T/empty" validate -f other.yaml && out_has "'$T/empty/other.yaml'"
EOF
t "-f to a missing file" <<'EOF'
run 1 "$SBX" validate -f "$T/nope.yaml" && err_has "no such file"
EOF
t "operands: several files, the worst status wins" <<'EOF'
run 65 "$SBX" validate "$W/sandbox.yaml" "$ROOT/tests/fuzz/corpus/config/dups.yaml" &&
	out_has "is valid" && err_has "duplicate key"
EOF
t "-f and operands together are a usage error" <<'EOF'
run 64 "$SBX" validate -f a.yaml b.yaml
EOF
t "-q prints nothing for a valid file" <<'EOF'
run 0 "$SBX" -C "$W" validate -q && out_empty
EOF

# ---- what this host would refuse, found without an engine ----
t "validate reports what apply would refuse on this host: every problem at its position, no engine asked" <<'EOF'
mkdir -p "$T/vh/ws" "$HOME/.ssh" && touch "$T/vh/engine.sock" &&
	printf 'version: 1\nagent: shell\nmounts:\n  - {source: ~/.ssh, target: /a}\n  - {source: ../nowhere, target: /b}\n  - {source: ~/, target: /c}\n  - {source: ../engine.sock, target: /d}\n  - {source: ./, target: /e}\n' >"$T/vh/ws/sandbox.yaml" &&
	DOCKER_HOST="unix://$T/vh/engine.sock" SBX_TRACE=1 run 65 "$SBX" -C "$T/vh/ws" validate && out_empty &&
	err_has "^$T/vh/ws/sandbox.yaml:4:5: mount source '~/.ssh' refused: it is ~/.ssh;" &&
	err_has "^$T/vh/ws/sandbox.yaml:5:5: mount source '../nowhere': No such file or directory" &&
	err_has "^$T/vh/ws/sandbox.yaml:6:5: mount source '~/' refused: it is your home directory" &&
	err_has "^$T/vh/ws/sandbox.yaml:7:5: mount source '../engine.sock' refused: it is the engine's $T/vh/engine.sock" &&
	err_has "^$T/vh/ws/sandbox.yaml:8:5: mount source './' refused: it lies inside the workspace" &&
	eq "$(wc -l <"$ERR")" 5 "problems" &&
	{ ! grep -q "engine request" "$ERR" || fail "an engine was asked"; }
EOF
t "validate: exit 3 when only this host's policy refuses the file; --no-host checks the language alone" <<'EOF'
sed -i '/nowhere/d' "$T/vh/ws/sandbox.yaml" &&
	DOCKER_HOST="unix://$T/vh/engine.sock" run 3 "$SBX" -C "$T/vh/ws" validate && out_empty &&
	eq "$(wc -l <"$ERR")" 4 "problems" &&
	run 0 "$SBX" -C "$T/vh/ws" validate --no-host && out_has "is valid"
EOF
t "validate: docker_socket with a TCP engine is refused as apply refuses it" <<'EOF'
mkdir -p "$T/vt" && printf 'version: 1\nagent: shell\ndocker_socket: true\n' >"$T/vt/sandbox.yaml" &&
	DOCKER_HOST="tcp://127.0.0.1:9" run 65 "$SBX" -C "$T/vt" validate &&
	err_has "sandbox.yaml:3:1: docker_socket needs an engine on a unix socket" &&
	run 0 "$SBX" -C "$T/vt" validate
EOF

# ---- files sbx will not read ----
t "a FIFO named sandbox.yaml: refused at once, no hang" <<'EOF'
mkdir -p "$T/fifo" && mkfifo "$T/fifo/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/fifo" validate && err_is "$T/fifo/sandbox.yaml:1:1: is a FIFO, not a regular file"
EOF
t "a directory named sandbox.yaml" <<'EOF'
mkdir -p "$T/dir/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/dir" validate && err_has "is a directory, not a regular file"
EOF
t "a discovered sandbox.yaml that is a symbolic link is refused" <<'EOF'
mkdir -p "$T/sym" && cp "$W/sandbox.yaml" "$T/sym/real.yaml" && ln -s real.yaml "$T/sym/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/sym" validate && err_has "is a symbolic link"
EOF
t "... and with -f too, unless --follow-link asks to follow it" <<'EOF'
run 65 "$SBX" -C "$T/sym" validate -f sandbox.yaml && err_has "is a symbolic link" &&
	run 0 "$SBX" -C "$T/sym" validate --follow-link -f sandbox.yaml && out_has "'$T/sym/real.yaml'"
EOF
t "a link to a secret: validate FILE and -f refuse it, and nothing of it is quoted when followed" <<'EOF'
mkdir -p "$T/leak" && printf 'https://me:ghp_S3CR3T@git.example.invalid\n' >"$HOME/.git-credentials" &&
	printf 'apiVersion: v1\ntoken: ghp_S3CR3T\n' >"$T/leak/kube" &&
	ln -s "$HOME/.git-credentials" "$T/leak/sandbox.yaml" &&
	run 65 "$SBX" validate "$T/leak/sandbox.yaml" && err_has "is a symbolic link" &&
	run 65 "$SBX" validate -f "$T/leak/sandbox.yaml" && err_has "is a symbolic link" &&
	run 65 "$SBX" -C "$T/leak" diff -f sandbox.yaml && err_has "is a symbolic link" &&
	run 65 "$SBX" validate --follow-link "$T/leak/sandbox.yaml" &&
	{ ! grep -q S3CR3T "$ERR" || fail "the secret is in the message"; } &&
	err_has "does not look like a sandbox.yaml" &&
	run 65 "$SBX" validate "$T/leak/kube" && { ! grep -q S3CR3T "$ERR" || fail "the secret is in the message"; }
EOF
t "a directory name with newlines forges no FILE:LINE:COL line" <<'EOF'
D="$T/nl/$(printf 'a\n/x/sandbox.yaml:1:1: forged\nb')" && mkdir -p "$D" &&
	printf 'version: 1\nagent: nope\n' >"$D/sandbox.yaml" &&
	run 65 "$SBX" -C "$D" validate && eq "$(wc -l <"$ERR")" 1 "lines of stderr" &&
	err_has 'a\\n/x/sandbox.yaml:1:1: forged\\nb/sandbox.yaml:2:8: unknown agent' &&
	run 65 "$SBX" validate "$D/sandbox.yaml" && eq "$(wc -l <"$ERR")" 1 "lines of stderr" &&
	mkfifo "$D/fifo.yaml" && run 65 "$SBX" validate "$D/fifo.yaml" && eq "$(wc -l <"$ERR")" 1 "lines of stderr"
EOF
t "a lone carriage return is refused like NEL, LS and PS; CRLF is fine" <<'EOF'
mkdir -p "$T/cr" && printf 'version: 1\ragent: shell\n' >"$T/cr/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/cr" validate --no-host && err_has "sandbox.yaml:1:11: a carriage return without a line feed" &&
	printf 'version: 1\r\nagent: shell\r\n' >"$T/cr/sandbox.yaml" && run 0 "$SBX" -C "$T/cr" validate -q --no-host
EOF
t "a file over the size cap, refused before parsing" <<'EOF'
mkdir -p "$T/big" && head -c 300000 /dev/zero | tr '\0' '#' >"$T/big/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/big" validate && err_has "sandbox.yaml:1:1: file is 300000 bytes, over the limit"
EOF
t "an empty file" <<'EOF'
mkdir -p "$T/e" && : >"$T/e/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/e" validate && err_has "sandbox.yaml:1:1: empty file"
EOF
t "an unreadable file: exit 1, says why" <<'EOF'
mkdir -p "$T/unr" && cp "$W/sandbox.yaml" "$T/unr/" && chmod 000 "$T/unr/sandbox.yaml" &&
	if [ "$(id -u)" -eq 0 ]; then
		# root reads everything: check as nobody, in nobody's own directory
		# (discovery uses only the caller's own files)
		# (a copy of sbx that nobody can run: the clone may sit in root's 0700 home)
		chmod 755 "$T" "$T/unr" && chown -R 65534 "$T/unr" &&
			cp "$SBX" "$T/sbx-copy" && chmod 755 "$T/sbx-copy" &&
			run 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$T/sbx-copy" -C "$T/unr" validate &&
			err_has "cannot open '$T/unr/sandbox.yaml': Permission denied"
	else
		run 1 "$SBX" -C "$T/unr" validate && err_has "cannot open"
	fi
EOF

# ---- discovery trusts only the user's own files ----
t "a sandbox.yaml others can write is not used: exit 3, its path, mode and the way out" <<'EOF'
mkdir -p "$T/gw/sub" && cp "$W/sandbox.yaml" "$T/gw/" && chmod 666 "$T/gw/sandbox.yaml" &&
	when_finished 'chmod 644 "$T/gw/sandbox.yaml"' &&
	run 3 "$SBX" -C "$T/gw/sub" validate &&
	err_has "^$T/gw/sandbox.yaml:1:1: not used: the file can be written by others (mode 0666" &&
	err_has "chmod go-w it ('$T/gw/sandbox.yaml')" &&
	err_has "{workspace: $T/gw, safe_directory: true}" &&
	run 3 "$SBX" -f "$T/gw/sandbox.yaml" validate && err_has "not used: the file can be written"
EOF
t "a directory between here and the workspace that others can write: not used" <<'EOF'
chmod 644 "$T/gw/sandbox.yaml" && mkdir -p "$T/gw/sub/deep" && chmod 777 "$T/gw/sub" &&
	when_finished 'chmod 755 "$T/gw/sub"' &&
	run 3 "$SBX" -C "$T/gw/sub/deep" validate &&
	err_has "the directory '$T/gw/sub' (between here and the workspace) can be written by others (mode 0777" &&
	run 0 "$SBX" -C "$T/gw" validate && run 0 "$SBX" -C "$T/gw/sub/deep" -f "$T/gw/sandbox.yaml" validate &&
	# a sticky one, as /tmp, is fine when the entry below it on the way is yours
	chmod 1777 "$T/gw/sub" && run 0 "$SBX" -C "$T/gw/sub/deep" validate &&
	run 3 "$SBX" -C "$T/gw/sub" validate && err_has "(mode 1777"
EOF
t "another user's sandbox.yaml or workspace is not used, unless the policy file says safe_directory" <<'EOF'
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/theirs" "$HOME/.config/sbx" && cp "$W/sandbox.yaml" "$T/theirs/" &&
		chown 4242 "$T/theirs/sandbox.yaml" &&
		run 3 "$SBX" -C "$T/theirs" validate &&
		err_has "not used: the file belongs to uid 4242, not to you (uid 0; mode 0644)" &&
		run 3 "$SBX" -f "$T/theirs/sandbox.yaml" validate &&
		chown 0 "$T/theirs/sandbox.yaml" && chown 65534 "$T/theirs" &&
		run 3 "$SBX" -C "$T/theirs" validate && err_has "its directory '$T/theirs' belongs to uid 65534" &&
		when_finished 'rm -f "$HOME/.config/sbx/policy.yaml"' &&
		printf 'version: 1\nallow:\n  - workspace: %s\n    safe_directory: true\n' "$T/theirs" >"$HOME/.config/sbx/policy.yaml" &&
		chmod 600 "$HOME/.config/sbx/policy.yaml" &&
		run 0 "$SBX" -C "$T/theirs" validate &&
		chmod 666 "$HOME/.config/sbx/policy.yaml" && run 3 "$SBX" -C "$T/theirs" validate &&
		err_has "policy.yaml' is writable by others"
else
	# another owner takes root to make; the mode cases above run for every user
	true
fi
EOF

# ---- problems are positioned and escaped ----
t "every problem is FILE:LINE:COL: message, exit 65" <<'EOF'
mkdir -p "$T/bad" &&
	printf 'version: 2\nagent: claud\nimag: x\ndocker_socket: yes\n' >"$T/bad/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/bad" validate &&
	eq "$(wc -l <"$ERR")" 4 "problems" && positioned "$T/bad/sandbox.yaml" &&
	err_has "sandbox.yaml:1:10: unsupported version 2" &&
	err_has "sandbox.yaml:2:8: unknown agent 'claud' (did you mean 'claude'?)" &&
	err_has "sandbox.yaml:3:1: unknown key 'imag' (did you mean 'image'?)" &&
	err_has "sandbox.yaml:4:16: docker_socket must be true or false"
EOF
t "validate --json: each file's problems as data (file, line, col, message, hint), valid by its schema; the same exit status, nothing on stderr" <<'EOF'
mkdir -p "$T/bad" &&
	printf 'version: 2\nagent: claud\nimag: x\ndocker_socket: yes\n' >"$T/bad/sandbox.yaml" &&
	run 65 "$SBX" validate --json --no-host "$T/bad/sandbox.yaml" "$T/no-such.yaml" &&
	eq "$(/usr/bin/python3 "$ROOT/tests/schema/check_output.py" validation "$OUT")" valid "by validation.schema.json" &&
	{ [ ! -s "$ERR" ] || fail "stderr: $(cat "$ERR")"; } &&
	eq "$(jq -c '[.valid, .host_checked, (.files | length)]' "$OUT")" '[false,false,2]' "valid, host_checked, files" &&
	eq "$(jq -r '.files[0].problems[] | "\(.code) \(.line):\(.col) \(.hint) \(.message)"' "$OUT" | sed -n 2,3p)" \
		"invalid 2:8 did you mean 'claude'? unknown agent 'claud' (did you mean 'claude'?); known agents: claude, gemini, codex, copilot, opencode, shell
invalid 3:1 did you mean 'image'? unknown key 'imag' (did you mean 'image'?)" "the problems" &&
	eq "$(jq -r '.files[0].problems[0].file' "$OUT")" "$T/bad/sandbox.yaml" "the problem's file" &&
	eq "$(jq -c '.files[1].problems[0] | [.code, .file, .line]' "$OUT")" '["not-found",null,null]' "a missing file" &&
	run 0 "$SBX" validate --json --no-host "$ROOT/examples/shell-minimal.yaml" &&
	eq "$(jq -c '[.valid, .files[0].agent, .files[0].problems]' "$OUT")" '[true,"shell",[]]' "a valid file" &&
	mkdir -p "$T/nosrc" && printf 'version: 1\nagent: shell\nmounts:\n  - {source: %s, target: /x}\n' "$T/no-such-dir" >"$T/nosrc/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/nosrc" validate --json &&
	eq "$(jq -c '[.host_checked, .files[0].path] + [.files[0].problems[] | .code, .line, .col, .hint]' "$OUT")" \
		"[true,\"$T/nosrc/sandbox.yaml\",\"invalid\",4,5,\"create it, or fix the path\"]" "a host problem" &&
	run 64 "$SBX" validate --json -q && err_has "exclude each other" &&
	run 64 "$SBX" apply --json && err_has "--json goes with --dry-run"
EOF
t "escape sequences and bidi overrides from the file never reach the terminal raw" <<'EOF'
mkdir -p "$T/esc" &&
	printf 'version: 1\nagent: "\\e]0;pwned\\a\\e[2J\\u202eevil"\n"\\e[31mkey": 1\n' >"$T/esc/sandbox.yaml" &&
	run 65 "$SBX" -C "$T/esc" validate && no_raw_controls &&
	err_has "\\\\x1b\\]0;pwned" && err_has "\\\\u202e"
EOF
t "a directory name with escape sequences is escaped where it leads a message" <<'EOF'
D="$T/$(printf 'evil\033[2J\342\200\256dir')" && mkdir -p "$D" &&
	printf 'version: 1\nagent: nope\n' >"$D/sandbox.yaml" &&
	run 65 "$SBX" -C "$D" validate && no_raw_controls &&
	err_has 'evil\\x1b\[2J\\u202edir/sandbox.yaml:2:8: unknown agent'
EOF
t "every invalid corpus file exits 65 with positioned problems" <<'EOF'
bad=0 && n=0 &&
	for f in "$ROOT"/tests/schema/invalid/*.yaml; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		{ run 65 "$SBX" validate "$f" && positioned "$f"; } || { echo "in $f" && bad=$((bad + 1)); }
	done &&
	{ [ "$n" -gt 0 ] || fail "no invalid corpus files"; } &&
	eq "$bad" 0 "files with a wrong status or an unpositioned problem"
EOF
t "every example validates (its language: --no-host)" <<'EOF'
for f in "$ROOT"/examples/*.yaml; do
	run 0 "$SBX" validate -q --no-host "$f" || return 1
done
EOF
# On a terminal (script gives one, TERM names one that has colours) validate
# colours its verdict; each way of saying no colour stops it.
coloured() { LC_ALL=C grep -q "$(printf '\033')" "$OUT"; }
t "NO_COLOR, --no-color and TERM=dumb: no escape sequences on a terminal that would have them" <<'EOF'
TERM=xterm run 0 script -qec "'$SBX' -C '$W' validate" /dev/null &&
	{ coloured || fail "no colour on a terminal to begin with"; } &&
	NO_COLOR=1 TERM=xterm run 0 script -qec "'$SBX' -C '$W' validate" /dev/null && out_has "is valid" &&
	{ ! coloured || fail "colour despite NO_COLOR"; } &&
	TERM=xterm run 0 script -qec "'$SBX' --no-color -C '$W' validate" /dev/null && out_has "is valid" &&
	{ ! coloured || fail "colour despite --no-color"; } &&
	TERM=dumb run 0 script -qec "'$SBX' -C '$W' validate" /dev/null && out_has "is valid" &&
	{ ! coloured || fail "colour despite TERM=dumb"; } &&
	run 0 "$SBX" -C "$W" validate && { ! coloured || fail "colour on a pipe"; }
EOF
t "--color=always: escape sequences through a pipe, despite NO_COLOR and TERM=dumb, before or after the command" <<'EOF'
run 0 "$SBX" --color=always -C "$W" validate && out_has "is valid" && { coloured || fail "no colour"; } &&
	NO_COLOR=1 TERM=dumb run 0 "$SBX" -C "$W" validate --color always && { coloured || fail "no colour"; } &&
	run 0 "$SBX" --color=auto -C "$W" validate && { ! coloured || fail "colour on a pipe with auto"; }
EOF
t "--color=never and --no-color: none on a terminal; auto there: colour unless NO_COLOR" <<'EOF'
TERM=xterm run 0 script -qec "'$SBX' --color=never -C '$W' validate" /dev/null && out_has "is valid" &&
	{ ! coloured || fail "colour despite --color=never"; } &&
	TERM=xterm run 0 script -qec "'$SBX' -C '$W' validate --color=always --no-color" /dev/null &&
	{ ! coloured || fail "colour despite --no-color"; } &&
	TERM=xterm run 0 script -qec "'$SBX' --color=auto -C '$W' validate" /dev/null &&
	{ coloured || fail "no colour on a terminal with auto"; } &&
	NO_COLOR=1 TERM=xterm run 0 script -qec "'$SBX' --color=auto -C '$W' validate" /dev/null &&
	{ ! coloured || fail "colour despite NO_COLOR with auto"; } &&
	NO_COLOR= TERM=xterm run 0 script -qec "'$SBX' --color=auto -C '$W' validate" /dev/null &&
	{ coloured || fail "an empty NO_COLOR took the colour away"; }
EOF
t "--color with another word, or none: a usage error, exit 64, before or after the command" <<'EOF'
run 64 "$SBX" --color=yes -C "$W" validate && err_has "--color takes auto, always or never, not 'yes'" &&
	out_empty && run 64 "$SBX" -C "$W" validate --color=Always && err_has "not 'Always'" &&
	err_has "sbx validate --help" && run 64 "$SBX" validate --color && err_has "needs a value" &&
	run 64 "$SBX" --color= ls && err_has "not ''"
EOF

t "global options after the command too: --no-color, -C, -f, --version" <<'EOF'
# On a terminal (script gives one) validate colours its verdict; --no-color after the command stops it.
TERM=xterm run 0 script -qec "'$SBX' -C '$W' validate" /dev/null &&
	{ coloured || fail "no colour on a terminal to begin with"; } &&
	TERM=xterm run 0 script -qec "'$SBX' validate -C '$W' --no-color" /dev/null && out_has "is valid" &&
	{ ! coloured || fail "colour despite --no-color after the command"; } &&
	run 0 "$SBX" validate --no-color -f "$W/sandbox.yaml" && out_has "is valid" &&
	run 0 "$SBX" ls --version && out_has "^sbx [0-9]" &&
	run 0 "$SBX" validate -q --version && out_has "^sbx [0-9]" &&
	run 64 "$SBX" validate --no-colour && err_has "unknown option '--no-colour' (did you mean '--no-color'?)" &&
	run 64 "$SBX" init -f x && err_has "-f does not apply"
EOF
t "a command's own option of a global name wins: init's -C after the command writes there" <<'EOF'
mkdir -p "$T/init-after" && run 0 "$SBX" init --agent shell -C "$T/init-after" &&
	[ -f "$T/init-after/sandbox.yaml" ] && run 0 "$SBX" validate -q -C "$T/init-after"
EOF
t "a command's --help names the global options it takes after it" <<'EOF'
run 0 "$SBX" ls --help && out_has "global options, also after the command: -C DIR, -f FILE, --follow-link, --color WHEN, --no-color, --version" &&
	run 0 "$SBX" apply --help && out_has "global options, also after the command: --color WHEN, --no-color, --version" &&
	run 0 "$SBX" help && out_has "Global options go before or after the command"
EOF
t "examples do what they say: no path of one machine, no unreachable PORT, no pip cache pip would ignore" <<'EOF'
# validate checks the host too: the wheelhouse exists, as the example says to make it
mkdir -p "$HOME/wheelhouse" &&
for f in "$ROOT"/examples/*.yaml; do
	{ ! grep -Eq 'yaml-language-server|file:|/usr/local' "$f" ||
		fail "$f: names a path of one machine (a schema modeline)"; } &&
		{ ! grep -v '^[[:space:]]*#' "$f" | grep -Eq '^[[:space:]]+PORT:' ||
			fail "$f: sets PORT, but sbx publishes no port"; } &&
		{ ! grep -v '^[[:space:]]*#' "$f" | grep -q '\.cache/pip' ||
			fail "$f: mounts a pip cache (pip turns off a cache it cannot write)"; } &&
		mkdir -p "$T/copy" && cp "$f" "$T/copy/sandbox.yaml" && run 0 "$SBX" -C "$T/copy" validate -q ||
		return 1
done
EOF

t "trust asks on a terminal: no keeps nothing, yes records the approval; untrust withdraws it" <<'EOF'
mkdir -p "$T/ask" && printf 'version: 1\nagent: shell\npass_env: [HOME]\n' >"$T/ask/sandbox.yaml" &&
	store="$HOME/.local/share/sbx/trust" &&
	printf 'n\n' | run 3 script -qec "'$SBX' -C '$T/ask' trust" /dev/null && out_has "line 3: pass_env HOME" &&
	out_has "Approve these for '$T/ask', until the file changes? \[y/N\]" && out_has "not approved" &&
	eq "$(ls "$store" 2>/dev/null | wc -l)" 0 "approvals after no" &&
	printf 'y\n' | run 0 script -qec "'$SBX' -C '$T/ask' trust" /dev/null && out_has "trusted" &&
	eq "$(ls "$store" | wc -l)" 1 "approvals after yes" &&
	eq "$(stat -c %a "$store" "$store"/*)" "700
600" "modes" &&
	run 0 "$SBX" -C "$T/ask" untrust && out_has "withdrew the approvals of" &&
	eq "$(ls "$store" | wc -l)" 0 "approvals after untrust"
EOF

t "prune: its help, and a usage error before any engine is asked" <<'EOF'
run 0 "$SBX" prune --help && out_has "usage: sbx prune \\[--yes\\]" &&
	out_has "remove sandboxes of gone workspaces, unused snapshots and volumes" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" prune extra && err_has "prune takes no operands"
EOF

t "exec, run and shell: their help, and usage errors before any engine is asked" <<'EOF'
mkdir -p "$T/ex" && printf 'version: 1\nagent: shell\n' >"$T/ex/sandbox.yaml" &&
	run 0 "$SBX" exec --help && out_has "usage: sbx exec \\[-i\\] \\[-t\\] \\[-e K=V\\]" &&
	out_has "^  -e, --env K=V" && out_has "^  -w, --workdir DIR" &&
	run 0 "$SBX" help run && out_has "usage: sbx run \\[--fresh\\] \\[AGENT\\] \\[-- ARGS...\\]" && out_has "--fresh  *a recreate may start from the image" &&
	run 0 "$SBX" shell --help && out_has "login shell" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" -C "$T/ex" exec && err_has "exec needs a command" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" -C "$T/ex" exec -e 1 -- true && err_has "'1': give NAME=VALUE" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" -C "$T/ex" run nobody && err_has "unknown agent 'nobody'" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" -C "$T/ex" run shell claude && err_has "after '--'" &&
	DOCKER_HOST="unix://$T/no.sock" run 64 "$SBX" -C "$T/ex" shell x &&
	DOCKER_HOST="unix://$T/no.sock" run 4 "$SBX" -C "$T/ex" exec -- true && err_has "no.sock' is missing"
EOF

t_done cli
