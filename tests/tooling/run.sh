#!/bin/sh
# The shell completions and the man pages (contrib/completions, contrib/man): the committed
# files are what contrib/gen-docs.sh makes of the built sbx now; every command and each of
# its long options is in every one of them, every top-level key of the schema in
# sandbox.yaml(5); bash, zsh and fish load the completions without a word on stderr and
# complete with them; groff renders the man pages without a warning.
# usage: tests/tooling/run.sh [SBX]
set -u
SBX=${1:-./sbx}
case "$SBX" in /*) ;; *) SBX="$(pwd)/$SBX" ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-tooling.XXXXXX)
T=$(cd "$T" && pwd -P)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home"
mkdir -p "$HOME"
unset NO_COLOR XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME
export LC_ALL=C.UTF-8
OUT="$T/out"
ERR="$T/err"
RUN_TIMEOUT=30
. "$ROOT/tests/lib/harness.sh"

C="$ROOT/contrib/completions"
M="$ROOT/contrib/man"
# A stand-in sbx on PATH for the sandbox names: `sbx ls -q` prints two.
mkdir -p "$T/bin" &&
	printf '#!/bin/sh\n[ "$1 $2" = "ls -q" ] && printf "web-api\\nworker\\n"\n' >"$T/bin/sbx" &&
	chmod +x "$T/bin/sbx"
STUB_PATH="$T/bin:$PATH"

# The commands, and the long options one command's --help lists: its own and the global
# ones it takes after it.
commands() { "$SBX" help | awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }'; }
long_options() {
	"$SBX" help "$1" | grep -E '^  (-[a-zA-Z], |    )--[a-z]' | sed -E 's/^ +(-[a-zA-Z], )?--([a-z][a-z-]*).*/\2/' &&
		"$SBX" help "$1" | sed -n 's/^global options, also after the command: //p' |
		grep -oE -- '--[a-z][a-z-]*' | sed 's/^--//'
}
# One command's arm of a completion file's case: from "\tCMD)" to its ";;".
arm() { sed -n "/^	$2)\$/,/;;\$/p" "$1"; }
# bash_complete WORD...: the completions bash's function gives for the line of WORDs, the
# last being the one completed (empty: a new word), one a line.
bash_complete() {
	PATH="$STUB_PATH" bash -c '. "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
		_sbx && printf "%s\n" "${COMPREPLY[@]}"' bash "$C/sbx.bash" "$@"
}
# $T/zsh-complete LINE: the command line zsh's completion makes of LINE and a TAB, typed in
# an interactive zsh on a pseudo-terminal (zpty), with the completions on fpath.
# $T/fish-complete LINE: fish's completions of LINE. Commands, for run's timeout.
printf '#!/bin/sh\nPATH="%s" exec zsh -f "%s" "%s" "$1"\n' "$STUB_PATH" "$ROOT/tests/tooling/zcomplete.zsh" "$C" >"$T/zsh-complete" &&
	printf '#!/bin/sh\nPATH="%s" exec fish --no-config -c '"'"'source $argv[1]; complete -C"$argv[2]"'"'"' "%s" "$1"\n' "$STUB_PATH" "$C/sbx.fish" >"$T/fish-complete" &&
	chmod +x "$T/zsh-complete" "$T/fish-complete"

t "contrib/gen-docs.sh makes exactly the committed completions and man pages of this sbx" <<'EOF'
run 0 sh "$ROOT/contrib/gen-docs.sh" "$SBX" "$T/gen" &&
	for f in completions/sbx.bash completions/_sbx completions/sbx.fish man/sbx.1 man/sandbox.yaml.5; do
		{ cmp -s "$T/gen/$f" "$ROOT/contrib/$f" ||
			fail "contrib/$f is not what sbx says now: run 'make docs' ($(diff "$ROOT/contrib/$f" "$T/gen/$f" | head -5))"; } ||
			return 1
	done
EOF

t "every command and each of its long options is in the bash, zsh and fish completions" <<'EOF'
n=0 && for c in $(commands); do
	grep -q "compgen -W '[^']*\\b$c\\b" "$C/sbx.bash" || fail "sbx.bash: no command $c" || return 1
	grep -qF "'$c:" "$C/_sbx" || fail "_sbx: no command $c" || return 1
	grep -qF "complete -c sbx -n 'not __sbx_command' -a $c -d" "$C/sbx.fish" || fail "sbx.fish: no command $c" || return 1
	for o in $(long_options "$c"); do
		arm "$C/sbx.bash" "$c" | grep -q -- "[' ]--$o[' ]" || fail "sbx.bash: $c has no --$o" || return 1
		arm "$C/_sbx" "$c" | grep -qE -- "[')]--$o\\[" || fail "_sbx: $c has no --$o" || return 1
		grep -qF -- "-n '__sbx_using $c'" "$C/sbx.fish" &&
			grep -F -- "-n '__sbx_using $c'" "$C/sbx.fish" | grep -q -- " -l $o " ||
			fail "sbx.fish: $c has no --$o" || return 1
		n=$((n + 1))
	done
done && { [ "$n" -gt 100 ] || fail "only $n options"; }
EOF

t "bash loads its completion without a word and completes commands, options, values and names" <<'EOF'
run 0 bash -c '. "$1" && complete -p sbx' bash "$C/sbx.bash" && out_has "^complete -F _sbx sbx$" &&
	{ [ ! -s "$ERR" ] || fail "stderr"; } &&
	eq "$(bash_complete sbx ap)" "apply" "sbx ap" &&
	eq "$(bash_complete sbx rm --vo)" "--volumes" "sbx rm --vo" &&
	eq "$(bash_complete sbx --color = al)" "always" "sbx --color=al (bash splits at =)" &&
	eq "$(bash_complete sbx -C /tmp --color never stop w | tr '\n' ' ')" "web-api worker " "sbx -C /tmp --color never stop w" &&
	eq "$(bash_complete sbx help va)" "validate" "sbx help va" &&
	eq "$(bash_complete sbx init --agent co | tr '\n' ' ')" "codex copilot " "sbx init --agent co" &&
	eq "$(bash_complete sbx exec ls --fre)" "" "sbx exec ls --fre (CMD's own)" &&
	eq "$(bash_complete sbx ls -)" "$(bash_complete sbx ls - | grep -x -e --json -e -q -e --quiet -e --color -e --no-color -e --version -e -C -e --directory -e -f -e --file -e --follow-link -e -h -e --help)" "ls's options only"
EOF

t "zsh loads its completion from fpath, and by source after compinit, without a word" <<'EOF'
run 0 zsh -fc 'fpath=($1 $fpath) && autoload -U compinit && compinit -u -D && autoload +X _sbx && print -r -- $_comps[sbx]' zsh "$C" &&
	out_has "^_sbx$" && { [ ! -s "$ERR" ] || fail "stderr"; } &&
	run 0 zsh -fc 'autoload -U compinit && compinit -u -D && source $1 && print -r -- $_comps[sbx]' zsh "$C/_sbx" &&
	out_has "^_sbx$" && { [ ! -s "$ERR" ] || fail "stderr"; }
EOF

t "zsh completes commands, options, values and sandbox names" <<'EOF'
run 0 "$T/zsh-complete" "sbx ap" && out_has "^sbx apply$" &&
	run 0 "$T/zsh-complete" "sbx rm --vo" && out_has "^sbx rm --volumes$" &&
	run 0 "$T/zsh-complete" "sbx --color al" && out_has "^sbx --color always$" &&
	run 0 "$T/zsh-complete" "sbx stop web" && out_has "^sbx stop web-api$" &&
	run 0 "$T/zsh-complete" "sbx help vali" && out_has "^sbx help validate$"
EOF

t "fish loads its completion without a word and completes commands, options, values and names" <<'EOF'
run 0 "$T/fish-complete" "sbx " && out_has "^apply	converge" && out_has "^schema	" &&
	{ [ ! -s "$ERR" ] || fail "stderr"; } &&
	run 0 "$T/fish-complete" "sbx rm --vo" && out_has "^--volumes	" &&
	run 0 "$T/fish-complete" "sbx --color " && out_has "^always	" && out_has "^never	" &&
	run 0 "$T/fish-complete" "sbx -C /tmp stop " && out_has "^web-api$" && out_has "^worker$" &&
	run 0 "$T/fish-complete" "sbx inspect --" && out_has "^--json	" && ! out_has "^--volumes" &&
	run 0 env PATH=/usr/bin:/bin fish --no-config -c 'source $argv[1]; complete -C"sbx rm "' "$C/sbx.fish" &&
	{ [ ! -s "$ERR" ] || fail "stderr without sbx on PATH"; }
EOF

t "sbx(1) has every command and each of its long options; sandbox.yaml(5) every key of the schema" <<'EOF'
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$M/sbx.1" >"$T/sbx.1.txt" &&
	for c in $(commands); do
		grep -qx ".SS \"sbx $c\"" "$T/sbx.1.txt" || fail "sbx.1: no command $c" || return 1
		for o in $(long_options "$c"); do
			grep -q -- "--$o\\b" "$T/sbx.1.txt" || fail "sbx.1: no --$o ($c)" || return 1
		done
	done &&
	jq -r '.properties | keys[]' "$ROOT/schema/sandbox.schema.json" >"$T/keys" && [ -s "$T/keys" ] &&
	sed -e 's/\\-/-/g' "$M/sandbox.yaml.5" >"$T/yaml5.txt" &&
	while read -r k; do
		grep -q "^\\\\fB$k\\\\fR (" "$T/yaml5.txt" || fail "sandbox.yaml.5: no key $k" || return 1
	done <"$T/keys" &&
	grep -q '^\\fBreadonly\\fR (' "$T/yaml5.txt" && grep -q '^\\fBcpus\\fR (' "$T/yaml5.txt"
EOF

t "the exit codes in sbx(1) are the README's" <<'EOF'
awk '/^## Exit codes$/ { on = 1; next } on && /^## / { exit } on' "$ROOT/README.md" |
	sed -n 's/^| \([0-9][0-9]*\) |.*/\1/p' >"$T/codes" && [ -s "$T/codes" ] &&
	while read -r code; do
		sed -n '/^\.SH EXIT STATUS/,/^\.SH ENV/p' "$M/sbx.1" | grep -qx ".B $code" ||
			fail "sbx.1: no exit code $code" || return 1
	done <"$T/codes"
EOF

t "groff renders both man pages without a warning" <<'EOF'
for p in "$M/sbx.1" "$M/sandbox.yaml.5"; do
	run 0 groff -man -Tutf8 -ww -z "$p" && { [ ! -s "$ERR" ] || fail "$p: $(cat "$ERR")"; } || return 1
done &&
	run 0 groff -man -Tutf8 -ww -P-cbou "$M/sbx.1" && out_has "EXIT STATUS" && out_has "sandbox.yaml(5)"
EOF

t_done tooling
