# Sourced by the shell test suites: named checks whose whole body decides
# (git's test_expect_success).
#
#   t NAME <<'EOF'        a check: the body is read from standard input and
#   BODY                  evaluated in the suite's shell (so it may set
#   EOF                   variables for later checks); it passes only when
#                         it exits 0. t NAME BODY takes the body as an argument.
#
# The body must be one &&-chain: before it runs for real, it is evaluated once
# behind `(exit 117) &&`, and any command that runs anyway (a `;` or a line
# without `&&`) makes the check fail as a broken chain (git's chain lint).
# Loops end with `|| return 1` on the commands inside them, as in git's tests;
# a `CMD || fail MSG` in the chain goes in braces: `{ CMD || fail MSG; } &&`.
#
# Helpers, for use inside a body; each prints why it failed and returns 1:
#   run STATUS CMD...    run CMD under a timeout ($RUN_TIMEOUT s) with its
#                        output in $OUT and $ERR, and want its exit status
#   out_has / err_has PATTERN, eq GOT WANT WHAT, fail MSG
#   when_finished CMD    evaluate CMD after the body, whether it passed or
#                        not (git's test_when_finished); a failing CMD fails
#                        the check. Call it in the chain, before what it undoes.
#   sigint_at N CMD...   CMD in the background (SBX_TRACE on, output in $OUT
#                        and $ERR, no stdin), SIGINT once its Nth request that
#                        changes something (POST or DELETE) is traced, so
#                        while that one is in flight; its status in $irc
#
# What a body prints is kept and shown under its FAIL line, with $OUT and
# $ERR; a passing check prints only its "ok" line.
#
# The caller sets OUT and ERR (files; the harness keeps scratch files next to
# them, $OUT.t and the like), then ends with `t_done SUITE`, which prints
# "SUITE: N passed, M failed" and returns non-zero when any failed or none
# ran. T_ONLY=TEXT runs only the checks whose name contains TEXT.
passed=0
failed=0
_t_running=""
RUN_TIMEOUT=${RUN_TIMEOUT:-10}
T_ONLY=${T_ONLY:-}

fail() {
	echo "$*"
	return 1
}

# The body runs inside a function, so that `return 1` in it ends the check.
_t_eval() {
	eval "$1
"
}

when_finished() {
	_t_cleanup="{ $*
} || _t_cleanup_failed=1
$_t_cleanup"
}

t() {
	_t_name=$1
	if [ $# -ge 2 ]; then
		_t_body=$2
	else
		_t_body=$(cat)
	fi
	if [ -n "$T_ONLY" ]; then
		case "$_t_name" in *$T_ONLY*) ;; *) return 0 ;; esac
	fi
	(_t_eval "(exit 117) && $_t_body") </dev/null >/dev/null 2>&1
	_t_lint=$?
	if [ "$_t_lint" -ne 117 ]; then
		echo "FAIL $_t_name: broken &&-chain (a command ran outside it, status $_t_lint)"
		failed=$((failed + 1))
		return 0
	fi
	: >"$OUT"
	: >"$ERR"
	_t_cleanup=""
	_t_cleanup_failed=0
	# What the body says (the helpers' reasons) is shown after the verdict.
	_t_running=$_t_name
	_t_eval "$_t_body" </dev/null >"$OUT.t" 2>&1
	_t_rc=$?
	_t_running=""
	cp "$OUT" "$OUT.body" 2>/dev/null
	cp "$ERR" "$ERR.body" 2>/dev/null
	_t_eval "$_t_cleanup" </dev/null >>"$OUT.t" 2>&1
	if [ "$_t_cleanup_failed" -ne 0 ]; then
		echo "its when_finished cleanup failed" >>"$OUT.t"
		[ "$_t_rc" -ne 0 ] || _t_rc=1
	fi
	if [ "$_t_rc" -eq 0 ]; then
		echo "ok   $_t_name"
		passed=$((passed + 1))
	else
		echo "FAIL $_t_name (status $_t_rc)"
		sed 's/^/  /' "$OUT.t"
		echo "  stdout: $(head -c 3000 "$OUT.body" 2>/dev/null)"
		echo "  stderr: $(head -c 3000 "$ERR.body" 2>/dev/null)"
		failed=$((failed + 1))
	fi
	rm -f "$OUT.t" "$OUT.body" "$ERR.body"
	return 0
}

# t_aborted: for the suite's EXIT trap. A body that ends the suite's shell
# (`exit`, or an unset variable under `set -u`) is reported as that check's
# failure, with what it printed, instead of the suite stopping in silence.
t_aborted() {
	[ -n "$_t_running" ] || return 0
	echo "FAIL $_t_running: the check ended the suite's shell (exit, or an unset variable under set -u)"
	sed 's/^/  /' "$OUT.t" 2>/dev/null
	failed=$((failed + 1))
	_t_running=""
	t_done "$1"
}

t_done() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

run() {
	_want=$1
	shift
	timeout "$RUN_TIMEOUT" "$@" >"$OUT" 2>"$ERR"
	_got=$?
	[ "$_got" -eq "$_want" ] || fail "exit status $_got, expected $_want: $*"
}
out_has() { grep -q -e "$1" "$OUT" || fail "stdout lacks '$1'"; }
err_has() { grep -q -e "$1" "$ERR" || fail "stderr lacks '$1'"; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
# SIGINT is made the default first: a background job's is ignored.
sigint_at() {
	_sn=$1
	shift
	env --default-signal=INT SBX_TRACE=1 "$@" >"$OUT" 2>"$ERR" </dev/null &
	_sp=$!
	_si=0
	while kill -0 "$_sp" 2>/dev/null &&
		[ "$(grep -c "engine request [0-9]*: \(POST\|DELETE\) " "$ERR")" -lt "$_sn" ]; do
		_si=$((_si + 1))
		[ $_si -lt 3000 ] || break
		sleep 0.01
	done
	kill -INT "$_sp" 2>/dev/null
	wait "$_sp"
	irc=$?
}
