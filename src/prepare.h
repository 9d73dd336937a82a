/*
 * prepare: how the commands that act on sandboxes by name or by workspace
 * (inspect, stop, rm) find them. diff, apply and adopt open a session
 * (lib/session.h) instead; apply and adopt through sbx_open_apply.
 */
#ifndef SBX_PREPARE_H
#define SBX_PREPARE_H

#include "cmd.h"
#include "lib/apply.h"
#include "lib/backend.h"
#include "lib/plan.h"
#include "lib/sandbox.h"
#include "lib/session.h"
#include "lib/state.h"
#include "output.h"

/*
 * sbx_find_sandbox: the sandbox NAME names, or with name NULL the one of
 * the workspace's sandbox.yaml (found as apply finds it). SBX_ENOTFOUND
 * when there is none.
 */
int sbx_find_sandbox(sbx_actual *out, sbx_ctx *ctx, sbx_backend *b, const char *name,
		     sbx_error **err);

/*
 * sbx_each_sandbox: run fn on each named sandbox, or on this workspace's
 * when there are no names; report each one's failure (sbx_report_item) and
 * go on. Returns the exit status of the first failure, or 0; a negative
 * code with *err set when there is no engine to ask. (cmd_stop.c)
 */
int sbx_each_sandbox(sbx_ctx *ctx, int nargs, char **names,
		     int (*fn)(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err),
		     void *arg, sbx_error **err);

/*
 * sbx_open_apply: the session of apply and adopt on ctx's file, after
 * sbx_ctx_enter: opened to plan with dry_run, else to apply; warnings on
 * stderr as they come, an image pull's progress drawn by pull (set up
 * here; released here when the open fails, else by the caller). o brings
 * the command's own options (pull, recreate, adopt); intent, file,
 * follow, warn and progress are set here.
 */
int sbx_open_apply(sbx_session **out, sbx_ctx *ctx, sbx_session_opts o, bool dry_run,
		   sbx_out_pull *pull, sbx_error **err);

/*
 * sbx_consent_stop: when the session's plan would end running exec
 * sessions (sbx_session_busy), the user's consent: yes (--yes) gives it;
 * else, with a terminal on stdin and stderr, the sessions are listed and
 * the user is asked. Without it, sbx_session_apply refuses (exit 3).
 */
void sbx_consent_stop(sbx_session *s, bool yes);

/*
 * sbx_changes_status: --exit-code's verdict (diff, apply --dry-run, diff
 * --base): 0 without exit_code or without changes, 5 when some of them are
 * security-relevant, else 2.
 */
int sbx_changes_status(bool exit_code, bool changes, size_t security);

/* sbx_ask_yes: ask question on stderr with " [y/N] "; true for a line "y", "Y" or "yes". */
bool sbx_ask_yes(const char *question);

/*
 * sbx_consent_fresh: when the session's plan would recreate the sandbox
 * without its installed state (sbx_session_loses_state), the user's
 * consent: fresh (--fresh) gives it; on a terminal the user is asked.
 * Without it, sbx_session_apply refuses (exit 3) and changes nothing.
 */
void sbx_consent_fresh(sbx_session *s, bool fresh);

#endif
