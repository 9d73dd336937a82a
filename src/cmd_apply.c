/* sbx apply: converge the workspace's sandbox on sandbox.yaml. */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "lib/session.h"
#include "prepare.h"

static void note(const char *line, void *arg)
{
	(void)arg;
	sbx_out_note(line);
}

int cmd_apply(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool dry_run = false, exit_code = false, yes = false, pull_first = false, recreate = false,
	     json = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'n', "dry-run", SBX_OPT_FLAG, &dry_run, NULL, "print the plan only; change nothing"},
	    {0, "exit-code", SBX_OPT_FLAG, &exit_code, NULL,
	     "with --dry-run: exit 0 when there are no changes, 2 when there\n"
	     "are, 5 when some are security-relevant; a failure exits with its\n"
	     "own status, never 0, 2 or 5: 1 error, 3 refused by policy, 4\n"
	     "engine unreachable, 64 usage, 65 invalid sandbox.yaml"},
	    {0, "json", SBX_OPT_FLAG, &json, NULL,
	     "with --dry-run: print the plan as JSON, as diff --json does"},
	    SBX_OPT_FRESH(ctx),
	    {0, "pull", SBX_OPT_FLAG, &pull_first, NULL,
	     "pull the image first, so that a newer one under its tag is\n"
	     "noticed (a new image is a recreate, from it)"},
	    {0, "recreate", SBX_OPT_FLAG, &recreate, NULL,
	     "recreate the sandbox even when nothing changed, keeping its\n"
	     "installed state (a snapshot, as any recreate that can)"},
	    {'y', "yes", SBX_OPT_FLAG, &yes, NULL,
	     "stop the sandbox even when sessions run in it (a recreate ends\n"
	     "them; without --yes sbx asks on a terminal, else exits 3)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args(
		"apply",
		"[--dry-run [--exit-code] [--json]] [--pull] [--recreate] [--yes] [--fresh]", opts,
		argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("apply", "apply takes no operands");
	if (exit_code && !dry_run)
		return sbx_usage_error("apply", "--exit-code goes with --dry-run");
	if (json && !dry_run)
		return sbx_usage_error("apply", "--json goes with --dry-run");
	/* from before the lock's wait: a Ctrl-C there, or later, is recorded (signals.c) */
	if (!dry_run)
		sbx_interrupts_catch();
	sbx_session *s = NULL;
	sbx_out_pull pull;
	const sbx_session_opts o = {.pull = pull_first, .recreate = recreate};
	int rc = sbx_open_apply(&s, ctx, o, dry_run, &pull, err);
	if (rc < 0)
		return rc;
	const sbx_plan *plan = sbx_session_plan(s);
	if (json)
		sbx_out_plan_json(plan, sbx_session_busy(s));
	else
		sbx_out_plan(plan, &sbx_session_desired(s)->fields, ctx->color);
	bool changes = sbx_plan_has_changes(plan);
	if (dry_run || !changes) {
		/* the plan is the session's: its verdict first, then the session goes */
		int code = sbx_changes_status(exit_code, changes, sbx_plan_security(plan));
		sbx_out_pull_release(&pull);
		sbx_session_free(s);
		return code;
	}
	sbx_consent_fresh(s, ctx->fresh);
	sbx_consent_stop(s, yes);
	rc = sbx_session_apply(s, note, NULL, err);
	sbx_out_pull_release(&pull);
	if (rc < 0) {
		sbx_session_free(s);
		return rc;
	}
	sbx_out_applied(plan);
	sbx_session_free(s);
	return SBX_EXIT_OK;
}
