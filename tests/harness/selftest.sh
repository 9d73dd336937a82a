#!/bin/sh
# The harness's own test: a check passes only when its whole body succeeds.
# Each case runs a small suite in a separate shell and looks at what it
# reported and how it exited. usage: tests/harness/selftest.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S=$(mktemp -d /tmp/sbx-harness.XXXXXX)
trap 'rm -rf "$S"' EXIT

# suite BODY: a suite with one check whose body is BODY; prints its report,
# and its exit status last
suite() {
	printf '%s\n' "$1" >"$S/body"
	sh -c '
		set -u
		OUT=$1/out ERR=$1/err
		. "$2/tests/lib/harness.sh"
		trap "t_aborted inner" EXIT
		t "the check" <"$1/body"
		t_done inner
	' sh "$S" "$ROOT" >"$S/report" 2>&1
	echo "status $?" >>"$S/report"
}
# Counted: the inner suite said "1 passed, 0 failed" and exited 0, or the other way.
passes() { grep -qx 'ok   the check' "$S/report" && grep -qx 'inner: 1 passed, 0 failed' "$S/report" &&
	grep -qx 'status 0' "$S/report"; }
fails() { grep -q '^FAIL the check' "$S/report" && grep -qx 'inner: 0 passed, 1 failed' "$S/report" &&
	! grep -qx 'status 0' "$S/report"; }

n=0
bad=0
check() { # WANT(passes|fails) DESCRIPTION BODY
	n=$((n + 1))
	suite "$3"
	if "$1"; then
		echo "ok   $2"
	else
		echo "FAIL $2: expected the check to be counted as $1"
		sed 's/^/  | /' "$S/report"
		bad=$((bad + 1))
	fi
}

check passes "a true chain passes" 'true && [ 1 = 1 ]'
check fails "a chain ending in a false [ ] fails" 'true && [ 1 = 2 ]'
check fails "a chain ending in a false cmp -s fails" 'echo a >"$OUT" && echo b >"$ERR" && cmp -s "$OUT" "$ERR"'
check fails "a chain ending in ! grep -q that matches fails" 'echo here >"$OUT" && ! grep -q here "$OUT"'
check fails "a false command in the middle fails" 'true && false && true'
check fails "a broken chain fails even when its last command succeeds" 'false
true'
check fails "a ; breaks the chain" 'false; true'
check fails "a failing helper fails the check" 'eq a b "letters"'
check fails "run with an unexpected exit status fails" 'run 0 sh -c "exit 3"'
check passes "run with the expected exit status passes" 'run 3 sh -c "exit 3" && [ ! -s "$OUT" ]'
check fails "a loop whose body fails, with || return 1, fails" 'for i in 1 2; do [ $i = 1 ] || return 1; done'
check passes "a multi-line chain passes" 'true &&
	true &&
	[ -n x ]'
check passes "an if inside the chain passes" 'if true; then true; else false; fi && true'
check fails "an if whose branch fails, fails" 'if true; then false; fi'
check fails "an empty check fails (no status 0 by accident)" ''
check fails "a check that ends the suite's shell (an unset variable under set -u) fails, and says so" \
	'true && echo "$no_such_variable" && true'

check fails "a failing CMD || fail MSG in braces fails" '{ false || fail "the reason"; }'
check fails "CMD || fail MSG outside braces is a broken chain" 'false || fail "the reason"'
check fails "a failing when_finished cleanup fails a passing check" 'when_finished false && true'
check passes "a passing when_finished cleanup keeps a passing check" 'when_finished true && true'

# A suite of several checks: the bodies are the files $S/b1, $S/b2, ...
several() {
	sh -c '
		OUT=$1/out ERR=$1/err
		. "$2/tests/lib/harness.sh"
		for b in "$1"/b[0-9]; do
			t "check ${b##*/b}" <"$b"
		done
		t_done inner
	' sh "$S" "$ROOT" >"$S/report" 2>&1
	echo "status $?" >>"$S/report"
	rm -f "$S"/b[0-9]
}
# counted DESCRIPTION TEST: TEST (a shell condition on $S/report) holds
counted() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		sed 's/^/  | /' "$S/report"
		bad=$((bad + 1))
	fi
}

# A false check anywhere fails the whole suite's exit status.
printf 'true\n' >"$S/b1"
printf '[ 1 = 2 ]\n' >"$S/b2"
several
counted "one false check fails the suite" \
	'grep -qx "inner: 1 passed, 1 failed" "$S/report" && ! grep -qx "status 0" "$S/report"'

printf 'x=kept && true\n' >"$S/b1"
printf '[ "$x" = kept ]\n' >"$S/b2"
several
counted "a variable set by one check is seen by the next" \
	'grep -qx "inner: 2 passed, 0 failed" "$S/report" && grep -qx "status 0" "$S/report"'

printf '{ false || fail "the reason"; }\n' >"$S/b1"
printf 'true\n' >"$S/b2"
several
counted "a failure is reported under its check, with its reason" \
	'[ "$(sed -n 1p "$S/report")" = "FAIL check 1 (status 1)" ] &&
	[ "$(sed -n 2p "$S/report")" = "  the reason" ] && grep -qx "ok   check 2" "$S/report"'

printf '%s\n' 'when_finished "echo cleaned >\"\$OUT-cleaned\"" && false' >"$S/b1"
several
counted "a when_finished cleanup runs when the body fails" \
	'grep -qx cleaned "$S/out-cleaned" && grep -qx "inner: 0 passed, 1 failed" "$S/report"'

echo "harness: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
