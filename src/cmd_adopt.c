/*
 * sbx adopt: after the workspace directory was moved (mv keeps its identity),
 * take on the sandbox it had under its old path. The sandbox is recreated
 * under the new path, keeping its installed state as any recreate does: the
 * workspace mount and the labels name the new path, and from then on the
 * sandbox is found there as if made there. Never implicit: apply makes a new
 * sandbox for a moved workspace and `sbx ls` marks the old one gone.
 */
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

int cmd_adopt(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool dry_run = false, yes = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'n', "dry-run", SBX_OPT_FLAG, &dry_run, NULL, "print the plan only; change nothing"},
	    SBX_OPT_FRESH(ctx),
	    {'y', "yes", SBX_OPT_FLAG, &yes, NULL,
	     "stop the sandbox even when sessions run in it (the recreate ends\n"
	     "them; without --yes sbx asks on a terminal, else exits 3)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("adopt", "[--dry-run] [--yes] [--fresh] [NAME]", opts, argc, argv, &nargs,
			   &status))
		return status;
	if (nargs > 1)
		return sbx_usage_error("adopt", "adopt takes at most one sandbox name");
	/* from before the lock's wait, as apply: a Ctrl-C rolls back (signals.c) */
	if (!dry_run)
		sbx_interrupts_catch();
	sbx_session *s = NULL;
	sbx_out_pull pull;
	const sbx_session_opts o = {.adopt = nargs ? argv[1] : ""};
	int rc = sbx_open_apply(&s, ctx, o, dry_run, &pull, err);
	if (rc < 0)
		return rc;
	const sbx_plan *plan = sbx_session_plan(s);
	sbx_out_plan(plan, &sbx_session_desired(s)->fields, ctx->color);
	if (dry_run || !sbx_plan_has_changes(plan)) {
		sbx_out_pull_release(&pull);
		sbx_session_free(s);
		return SBX_EXIT_OK;
	}
	sbx_consent_fresh(s, ctx->fresh);
	sbx_consent_stop(s, yes);
	rc = sbx_session_apply(s, note, NULL, err);
	sbx_out_pull_release(&pull);
	if (rc == 0)
		sbx_out_applied(plan);
	sbx_session_free(s);
	return rc < 0 ? rc : SBX_EXIT_OK;
}
