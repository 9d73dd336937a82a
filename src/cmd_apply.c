/* sbx apply: converge the workspace's sandbox on sandbox.yaml. */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "prepare.h"

static void note(const char *line, void *arg)
{
	(void)arg;
	sbx_out_note(line);
}

int cmd_apply(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool dry_run = false, exit_code = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'n', "dry-run", SBX_OPT_FLAG, &dry_run, NULL, "print the plan only; change nothing"},
	    {0, "exit-code", SBX_OPT_FLAG, &exit_code, NULL,
	     "with --dry-run: exit 0 when there are no changes, 2 when there\n"
	     "are; a failure exits with its own status, never 0 or 2: 1 error,\n"
	     "3 refused by policy, 4 engine unreachable, 64 usage, 65 invalid\n"
	     "sandbox.yaml"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("apply", "[--dry-run [--exit-code]]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("apply", "apply takes no operands");
	if (exit_code && !dry_run)
		return sbx_usage_error("apply", "--exit-code goes with --dry-run");
	sbx_prepared p;
	int rc = sbx_prepare(&p, ctx, !dry_run, err);
	if (rc < 0) {
		sbx_prepared_release(&p);
		return rc;
	}
	sbx_out_plan(p.plan, &p.desired.fields, ctx->color);
	bool changes = sbx_plan_has_changes(p.plan);
	if (dry_run || !changes) {
		sbx_prepared_release(&p);
		return exit_code && changes ? SBX_EXIT_CHANGES : SBX_EXIT_OK;
	}
	rc = sbx_apply(p.backend, p.plan, &p.desired, &p.actual, note, NULL, err);
	if (rc < 0) {
		sbx_prepared_release(&p);
		return rc;
	}
	sbx_out_applied(p.plan);
	sbx_prepared_release(&p);
	return SBX_EXIT_OK;
}
