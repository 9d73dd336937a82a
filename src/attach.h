/*
 * attach: what exec, run and shell share. Converge the workspace's sandbox
 * exactly as apply does, its words on stderr (stdout is the command's),
 * then run a command in it through the backend's attach with this
 * process's stdin, stdout and stderr: in the caller's directory when that
 * is inside the workspace (the workspace is at the same path inside), and
 * with a terminal in raw mode, restored on every way out (signals and exit
 * included), its size sent at the start and on every SIGWINCH.
 */
#ifndef SBX_ATTACH_H
#define SBX_ATTACH_H

#include <stdbool.h>

#include "cmd.h"
#include "lib/session.h"

typedef struct sbx_attach_req {
	const char *const *argv; /* NULL-terminated, at least one */
	const char *const *env;	 /* "K=V", NULL-terminated; may be NULL */
	const char *user;	 /* NULL: the sandbox's */
	const char *workdir;	 /* NULL: path matching; relative: from there */
	bool interactive;	 /* stdin passed, closed at its end */
	bool tty;		 /* a terminal inside */
} sbx_attach_req;

/*
 * sbx_converge: open the workspace's session to apply, print the plan and
 * apply's progress on stderr (nothing when nothing changes) and apply it.
 * *out (caller frees) is the session, its sandbox up to date and running,
 * the workspace's lock released.
 * agent (may be NULL): the file's agent must be it, or SBX_EUSAGE before
 * anything changes.
 */
int sbx_converge(sbx_ctx *ctx, const char *agent, sbx_session **out, sbx_error **err);

/*
 * sbx_attach: run r in the session's sandbox; returns the command's exit
 * status (0 to 255; 126 it could not be run, 127 not found), or a negative
 * SBX_E* with *err set when sbx itself failed.
 */
int sbx_attach(sbx_session *s, const sbx_attach_req *r, sbx_error **err);

#endif
