#!/bin/sh
# The review of a change to sandbox.yaml, for CI (the GitHub action in
# contrib/github-action, the GitLab job in contrib/gitlab): `sbx diff --base
# BASE --all --exit-code` in DIR (default: the current directory), the plan
# written to the job's log and, as Markdown, to SBX_SUMMARY (a file, e.g.
# $GITHUB_STEP_SUMMARY) when set. Exit status: 0 when nothing or nothing
# security-relevant changed, or when SBX_APPROVED is "true" (a label approved
# it); 1 when a security-relevant change is not approved; sbx's own status
# for its errors (1 an unknown revision, 65 an invalid file, ...).
#
# usage: SBX_BASE=REV [SBX=sbx] [SBX_APPROVED=true] [SBX_SUMMARY=FILE]
#        [SBX_APPROVE_LABEL=NAME] sh sbx-review.sh [DIR]
set -u
dir=${1:-.}
sbx=${SBX:-sbx}
label=${SBX_APPROVE_LABEL:-sbx-security-approved}
if [ -z "${SBX_BASE:-}" ]; then
	echo "sbx-review: SBX_BASE is not set: the revision to compare with (the pull request's base)" >&2
	exit 64
fi
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
NO_COLOR=1 "$sbx" -C "$dir" diff --base "$SBX_BASE" --all --exit-code >"$out" 2>&1
rc=$?
cat "$out"

# summary TITLE NOTE: the plan in a fence longer than any run of backticks in it,
# so that nothing in a file's values can end the block and write Markdown of its own
summary() {
	[ -n "${SBX_SUMMARY:-}" ] || return 0
	fence=$(awk '{ while (match($0, /`+/)) { if (RLENGTH > n) n = RLENGTH; $0 = substr($0, RSTART + RLENGTH) } }
		END { n = n < 3 ? 3 : n + 1; s = ""; for (i = 0; i < n; i++) s = s "`"; print s }' "$out")
	{
		printf '## sbx: %s\n\n%s\n\n%stext\n' "$1" "$2" "$fence"
		cat "$out"
		printf '%s\n' "$fence"
	} >>"$SBX_SUMMARY"
}

case $rc in
0)
	summary "no change to the sandbox" "No sandbox.yaml change changes a sandbox."
	exit 0
	;;
2)
	summary "sandbox changes" "The plan below is what \`sbx apply\` will do."
	exit 0
	;;
5)
	if [ "${SBX_APPROVED:-}" = true ]; then
		summary "security-relevant sandbox changes, approved" \
			"The changes marked \`!!\` widen what the sandbox reaches of the host; the label \`$label\` approved them."
		exit 0
	fi
	summary "security-relevant sandbox changes need approval" \
		"The changes marked \`!!\` widen what the sandbox reaches of the host. A reviewer approves them with the label \`$label\`."
	echo "::error::sandbox.yaml: security-relevant changes (marked !!) need the label '$label'"
	exit 1
	;;
*)
	summary "sbx diff failed (exit $rc)" "sbx could not compare the files; its message is below."
	exit "$rc"
	;;
esac
