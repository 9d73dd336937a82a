#!/bin/sh
# One-way layering, read off the sources (src/README.md): which files may
# include which third-party headers, and which may speak the Engine API's
# paths. Each rule is also run on a copy of src/ with one violation planted
# outside the files it allows, and must fail there: a check that cannot
# fail checks nothing.
# usage: tests/layering/run.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-layering.XXXXXX)
trap 'rm -rf "$T"' EXIT
OUT="$T/out"
ERR="$T/err"
. "$ROOT/tests/lib/harness.sh"

INC='^[[:space:]]*#[[:space:]]*include[[:space:]]*'
# json-c's headers by either spelling: <json-c/json.h>, or <json.h> and its
# siblings through pkg-config's -I.../json-c.
JSONC="${INC}[<\"](json-c/|json[a-z_]*\\.h|linkhash\\.h|arraylist\\.h|printbuf\\.h)"
CURL="${INC}[<\"]curl/"
# The docker backend's own headers: whoever includes them has json-c.
BACKEND_H="${INC}\"(lib/)?(engine|docker)\\.h\""
# Engine API paths, as sbx writes them: "/containers/json", "/info", "/_ping?..."
API='/(containers|images|volumes|exec)(/|\?|")|/(info|_ping|version|commit)(\?|"|/)'
BACKEND="src/lib/engine.c src/lib/engine.h src/lib/docker.h src/lib/docker_state.c
src/lib/docker_seccomp.c src/lib/backend_docker.c src/lib/docker_exec.c"

# only TREE FILES ERE ALLOWED...: every line matching ERE in FILES (shell
# patterns under TREE) is in one of the ALLOWED files; prints the others
# as file:line:text and fails when there are any (or when grep cannot read).
only() {
	_tree=$1 _files=$2 _ere=$3
	shift 3
	(cd "$_tree" && grep -nE -e "$_ere" $_files /dev/null) >"$T/hits"
	[ $? -le 1 ] || { echo "grep failed in $_tree"; return 1; }
	awk -F: -v allow="$*" 'BEGIN { n = split(allow, a, /[ \n]+/); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		!ok[$1]' "$T/hits" >"$T/bad"
	[ ! -s "$T/bad" ] || { sed 's/^/  not allowed here: /' "$T/bad"; return 1; }
}

# The rules, each on a tree (a directory holding src/).
rule1() { # no header of the library brings in json-c or curl but the backend's two
	only "$1" "src/lib/*.h" "$JSONC|$CURL" src/lib/engine.h src/lib/docker.h &&
		only "$1" "src/lib/*.h" "$BACKEND_H" src/lib/docker.h
}
rule2() { # json-c only in the docker backend and the output renderer
	only "$1" "src/*.[ch] src/lib/*.[ch]" "$JSONC" $BACKEND src/output.c &&
		only "$1" "src/*.[ch] src/lib/*.[ch]" "$BACKEND_H" $BACKEND
}
rule3() { # libcurl only in the transport
	only "$1" "src/*.[ch] src/lib/*.[ch]" "$CURL" src/lib/engine.c src/lib/engine.h
}
rule4() { # the Engine API's paths only in the docker backend
	only "$1" "src/*.[ch] src/lib/*.[ch]" "$API" src/lib/engine.c src/lib/docker_state.c \
		src/lib/backend_docker.c src/lib/docker_exec.c
}
rule5() { # libgit2 only in gitid and gitrev, libyaml only in the two loaders
	only "$1" "src/*.[ch] src/lib/*.[ch]" "${INC}[<\"]git2(\\.h|/)" src/lib/gitid.c src/lib/gitrev.c &&
		only "$1" "src/*.[ch] src/lib/*.[ch]" "${INC}[<\"]yaml\\.h" src/lib/config.c \
			src/lib/allow.c
}

# planted RULE FILE LINE: RULE fails on a copy of src/ with LINE added to
# FILE, and names FILE; the same copy without it passes.
planted() {
	rm -rf "$T/tree" && mkdir "$T/tree" && cp -R "$ROOT/src" "$T/tree/src" &&
		{ "$1" "$T/tree" >"$T/clean" 2>&1 || { cat "$T/clean" && fail "$1 fails on a clean copy"; }; } &&
		[ -f "$T/tree/$2" ] && printf '%s\n' "$3" >>"$T/tree/$2" &&
		{ ! "$1" "$T/tree" >"$T/said" 2>&1 || fail "$1 passed with '$3' in $2"; } &&
		{ grep -q "not allowed here: $2:" "$T/said" || { cat "$T/said" && fail "$1 did not name $2"; }; }
}

t "1: no library header but engine.h and docker.h includes json-c or curl" <<'X'
rule1 "$ROOT"
X
t "1 can fail: json-c in plan.h" <<'X'
planted rule1 src/lib/plan.h '#include <json-c/json.h>'
X
t "1 can fail: json-c by its short name in backend.h" <<'X'
planted rule1 src/lib/backend.h '#include <json.h>'
X
t "1 can fail: curl in state.h" <<'X'
planted rule1 src/lib/state.h '#include <curl/curl.h>'
X
t "1 can fail: engine.h (and so json-c) through backend.h" <<'X'
planted rule1 src/lib/backend.h '#include "engine.h"'
X

t "2: json-c only in the docker backend and output.c" <<'X'
rule2 "$ROOT"
X
t "2 can fail: json-c in plan.c" <<'X'
planted rule2 src/lib/plan.c '#include <json-c/json_object.h>'
X
t "2 can fail: json-c in a command" <<'X'
planted rule2 src/cmd_ls.c '  #  include <json-c/json.h>'
X
t "2 can fail: docker.h in apply.c" <<'X'
planted rule2 src/lib/apply.c '#include "docker.h"'
X

t "3: libcurl only in engine.c and engine.h" <<'X'
rule3 "$ROOT"
X
t "3 can fail: curl in docker_state.c" <<'X'
planted rule3 src/lib/docker_state.c '#include <curl/curl.h>'
X
t "3 can fail: curl in output.c" <<'X'
planted rule3 src/output.c '#include "curl/easy.h"'
X

t "4: Engine API paths only in engine.c, docker_state.c and backend_docker.c" <<'X'
rule4 "$ROOT"
X
t "4 can fail: a container path in apply.c" <<'X'
planted rule4 src/lib/apply.c 'static const char *p = "/containers/%s/start";'
X
t "4 can fail: /_ping in a command" <<'X'
planted rule4 src/cmd_version.c 'static const char *p = "/_ping";'
X
t "4 can fail: /info in sandbox.c" <<'X'
planted rule4 src/lib/sandbox.c 'static const char *p = "/info";'
X
t "4 can fail: a volume path in docker_seccomp.c" <<'X'
planted rule4 src/lib/docker_seccomp.c 'static const char *p = "/volumes/create";'
X

t "5: libgit2 only in gitid.c and gitrev.c, libyaml only in config.c and allow.c" <<'X'
rule5 "$ROOT"
X
t "5 can fail: git2.h in sandbox.c" <<'X'
planted rule5 src/lib/sandbox.c '#include <git2.h>'
X
t "5 can fail: yaml.h in spec.c" <<'X'
planted rule5 src/lib/spec.c '#include <yaml.h>'
X
t "5 can fail: yaml.h in trust.c" <<'X'
planted rule5 src/lib/trust.c '#include "yaml.h"'
X

t_done layering
