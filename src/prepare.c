#include "prepare.h"

#include "lib/discover.h"
#include "lib/trust.h"
#include "output.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sbx_find_sandbox(sbx_actual *out, sbx_ctx *ctx, sbx_backend *b, const char *name,
		     sbx_error **err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	if (name) {
		if ((rc = b->find_name(b, out, name, err)) < 0)
			return rc;
		if (!out->exists) {
			_cleanup_free_ char *q = sbx_quotes(name);
			return sbx_error_set(err, SBX_ENOTFOUND,
					     "no sbx sandbox is called %s (see sbx ls)", q);
		}
		return 0;
	}
	sbx_config *cfg = NULL;
	if ((rc = sbx_ctx_load_config(ctx, &cfg, err)) < 0)
		return rc;
	sbx_workspace ws;
	rc = sbx_workspace_init(&ws, cfg->workspace, cfg->path, err);
	if (rc == 0) {
		rc = b->find(b, out, &ws, err);
		if (rc == 0 && !out->exists) {
			_cleanup_free_ char *q = sbx_quotes(ws.path);
			rc = sbx_error_set(err, SBX_ENOTFOUND,
					   "the workspace %s has no sandbox (sbx apply makes it)",
					   q);
		}
		sbx_workspace_release(&ws);
	}
	sbx_config_free(cfg);
	return rc;
}

void sbx_consent_fresh(sbx_session *s, bool fresh)
{
	if (!sbx_session_loses_state(s))
		return;
	if (fresh) {
		sbx_session_allow_fresh(s);
		return;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return; /* apply refuses, and says how to confirm */
	_cleanup_free_ char *qn = sbx_quotes(sbx_session_actual(s)->name);
	sbx_out_warn("sbx: this apply recreates %s from the image: what was installed in it is "
		     "lost\n",
		     qn);
	if (sbx_ask_yes("Recreate it without its installed state?"))
		sbx_session_allow_fresh(s);
}

void sbx_consent_stop(sbx_session *s, bool yes)
{
	const char *const *busy = sbx_session_busy(s);
	if (!busy)
		return;
	if (yes) {
		sbx_session_allow_stop(s);
		return;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return; /* apply refuses, and says how to confirm */
	_cleanup_free_ char *qn = sbx_quotes(sbx_session_actual(s)->name);
	sbx_out_warn("sbx: this apply stops %s, which ends the sessions running in it:\n", qn);
	for (size_t i = 0; busy[i]; i++) {
		_cleanup_free_ char *q = sbx_quotes(busy[i]);
		sbx_out_warn("  %s\n", q);
	}
	if (sbx_ask_yes("End them?"))
		sbx_session_allow_stop(s);
}

int sbx_open_apply(sbx_session **out, sbx_ctx *ctx, sbx_session_opts o, bool dry_run,
		   sbx_out_pull *pull, sbx_error **err)
{
	*out = NULL;
	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	sbx_out_pull_init(pull, stderr, sbx_out_progress_tty(ctx->color_mode));
	o.intent = dry_run ? SBX_INTENT_PLAN : SBX_INTENT_APPLY;
	o.file = ctx->file;
	o.follow = ctx->follow;
	o.warn = sbx_out_warn_line;
	o.progress = sbx_out_pull_event;
	o.progress_arg = pull;
	if ((rc = sbx_session_open(out, &o, err)) < 0)
		sbx_out_pull_release(pull);
	return rc;
}

bool sbx_ask_yes(const char *question)
{
	fprintf(stderr, "%s [y/N] ", question);
	char line[32];
	/* Nothing has changed yet: a Ctrl-C at the question ends sbx at once. */
	bool caught = sbx_interrupts_release();
	char *got = fgets(line, sizeof(line), stdin);
	if (caught)
		sbx_interrupts_catch();
	if (!got)
		return false;
	line[strcspn(line, "\n")] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

int sbx_changes_status(bool exit_code, bool changes, size_t security)
{
	if (!exit_code || !changes)
		return SBX_EXIT_OK;
	return security ? SBX_EXIT_SECURITY : SBX_EXIT_CHANGES;
}
