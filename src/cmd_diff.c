/* sbx diff: the plan apply would carry out, printed; nothing changes. */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "prepare.h"
#include "lib/session.h"

int cmd_diff(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool exit_code = false, json = false, all = false;
	const char *base = NULL, *head = NULL;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {0, "base", SBX_OPT_STRING, &base, "REV",
	     "compare sandbox.yaml at this git revision (a branch, a tag,\n"
	     "a commit, HEAD~1, origin/main) with the work tree: code review,\n"
	     "no engine asked"},
	    {0, "head", SBX_OPT_STRING, &head, "REV",
	     "with --base: this revision instead of the work tree"},
	    {0, "all", SBX_OPT_FLAG, &all, NULL,
	     "with --base: every sandbox.yaml under this directory that\n"
	     "differs (without it: the one that governs it, else every one)"},
	    {0, "exit-code", SBX_OPT_FLAG, &exit_code, NULL,
	     "exit 0 when there are no changes, 2 when there are, 5 when some\n"
	     "are security-relevant; a failure exits with its own status, never\n"
	     "0, 2 or 5: 1 error (an unknown revision too), 3 refused by policy,\n"
	     "4 engine unreachable, 64 usage, 65 invalid sandbox.yaml"},
	    {0, "json", SBX_OPT_FLAG, &json, NULL,
	     "print the plan as JSON (kind \"plan\", schema/output/plan.schema.json)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("diff", "[--base REV [--head REV] [--all]] [--exit-code] [--json]", opts,
			   argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("diff", "diff takes no operands");
	if (!base && (head || all))
		return sbx_usage_error("diff", "--head and --all go with --base");
	if (base)
		return sbx_diff_review(ctx, base, head, all, exit_code, json, err);
	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	sbx_session *s = NULL;
	const sbx_session_opts o = {
	    .intent = SBX_INTENT_PLAN,
	    .file = ctx->file,
	    .follow = ctx->follow,
	    .warn = sbx_out_warn_line,
	};
	if ((rc = sbx_session_open(&s, &o, err)) < 0)
		return rc;
	const sbx_plan *plan = sbx_session_plan(s);
	if (json)
		sbx_out_plan_json(plan, sbx_session_busy(s));
	else
		sbx_out_plan(plan, &sbx_session_desired(s)->fields, ctx->color);
	int code = sbx_changes_status(exit_code, sbx_plan_has_changes(plan),
				      sbx_plan_security(plan));
	sbx_session_free(s);
	return code;
}
