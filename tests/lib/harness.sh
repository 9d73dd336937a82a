# Sourced by the shell test suites: named checks that count themselves.
#   t NAME          start a check (closing the previous one as passed)
#   run STATUS CMD  run CMD under a timeout ($RUN_TIMEOUT s), keep its output
#   ok / fail MSG   close the check
#   out_has / err_has PATTERN, eq GOT WANT WHAT
# The caller sets OUT and ERR (files) and prints "<suite>: N passed, M failed".
passed=0
failed=0
name=""
RUN_TIMEOUT=${RUN_TIMEOUT:-10}

fail() {
	echo "FAIL $name: $*"
	echo "  stdout: $(head -c 3000 "$OUT")"
	echo "  stderr: $(head -c 3000 "$ERR")"
	failed=$((failed + 1))
	name=""
}
ok() {
	[ -n "$name" ] || return 0
	echo "ok   $name"
	passed=$((passed + 1))
	name=""
}
t() {
	ok
	name=$1
}
run() {
	want=$1
	shift
	timeout "$RUN_TIMEOUT" "$@" >"$OUT" 2>"$ERR"
	got=$?
	[ "$got" -eq "$want" ] || { fail "exit status $got, expected $want: $*"; return 1; }
}
out_has() { grep -q -e "$1" "$OUT" || { fail "stdout lacks '$1'"; return 1; }; }
err_has() { grep -q -e "$1" "$ERR" || { fail "stderr lacks '$1'"; return 1; }; }
eq() { [ "$1" = "$2" ] || { fail "$3: got '$1', expected '$2'"; return 1; }; }
