/* sbx diff: the plan apply would carry out, printed; nothing changes. */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "lib/session.h"

int cmd_diff(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool exit_code = false, json = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {0, "exit-code", SBX_OPT_FLAG, &exit_code, NULL,
	     "exit 0 when there are no changes, 2 when there are; a failure\n"
	     "exits with its own status, never 0 or 2: 1 error, 3 refused by\n"
	     "policy, 4 engine unreachable, 64 usage, 65 invalid sandbox.yaml"},
	    {0, "json", SBX_OPT_FLAG, &json, NULL,
	     "print the plan as JSON (kind \"plan\", schema/output/plan.schema.json)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("diff", "[--exit-code] [--json]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("diff", "diff takes no operands");
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
	bool changes = sbx_plan_has_changes(plan);
	sbx_session_free(s);
	return exit_code && changes ? SBX_EXIT_CHANGES : SBX_EXIT_OK;
}
