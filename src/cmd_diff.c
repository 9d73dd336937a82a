/* sbx diff: the plan apply would carry out, printed; nothing changes. */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "prepare.h"

int cmd_diff(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool exit_code = false, json = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {0, "exit-code", SBX_OPT_FLAG, &exit_code, NULL,
	     "exit 0 when there are no changes, 2 when there are; a failure\n"
	     "exits with its own status, never 0 or 2: 1 error, 3 refused by\n"
	     "policy, 4 engine unreachable, 64 usage, 65 invalid sandbox.yaml"},
	    {0, "json", SBX_OPT_FLAG, &json, NULL, "print the plan as JSON (format_version 1)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("diff", "[--exit-code] [--json]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("diff", "diff takes no operands");
	sbx_prepared p;
	int rc = sbx_prepare(&p, ctx, false, err);
	if (rc < 0) {
		sbx_prepared_release(&p);
		return rc;
	}
	/*
	 * The tamper guard's second half: the agent cannot write sandbox.yaml
	 * from inside, but something changed it while the sandbox ran, and the
	 * change gives the sandbox more of the host.
	 */
	if (sbx_plan_changed_while_running(p.plan, &p.actual, p.desired.config_hash)) {
		_cleanup_free_ char *qf = sbx_quotes(p.cfg->path);
		_cleanup_free_ char *qn = sbx_quotes(p.actual.name);
		sbx_out_warn("warning: %s changed while %s was running, and the change widens its "
			     "host access (# widens host access below): review who changed it "
			     "(git diff, git log) before sbx apply\n",
			     qf, qn);
	}
	if (json)
		sbx_out_plan_json(p.plan);
	else
		sbx_out_plan(p.plan, &p.desired.fields, ctx->color);
	bool changes = sbx_plan_has_changes(p.plan);
	sbx_prepared_release(&p);
	return exit_code && changes ? SBX_EXIT_CHANGES : SBX_EXIT_OK;
}
