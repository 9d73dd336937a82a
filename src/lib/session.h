/*
 * session: the one way into a workspace's sandbox for whatever plans or
 * applies. sbx_session_open loads sandbox.yaml (found from the current
 * directory up, or named), reaches the engine through a backend, makes the
 * file concrete on this host (tier 2 policy included), checks trust (tier
 * 1: what only the user's approval of the file's exact bytes allows),
 * and, to apply, takes the workspace's lock and finishes or reverses a
 * recreate a crash interrupted; then reads the actual sandbox and plans.
 * sbx_session_apply runs that plan, and only for a session opened to
 * apply: the trust gate and the lock cannot be skipped by a caller that
 * applies. The session is opaque; what it found is read through it.
 *
 * It does no work a converged workspace does not need: a no-op costs the
 * engine's ping and one list, and no libgit2 (sandbox.h).
 */
#ifndef SBX_SESSION_H
#define SBX_SESSION_H

#include <stdbool.h>

#include "backend.h"
#include "config.h"
#include "error.h"
#include "plan.h"
#include "sandbox.h"

typedef enum sbx_intent {
	SBX_INTENT_PLAN,  /* diff: grants nothing; what needs approval is a warning */
	SBX_INTENT_APPLY, /* apply: refused without approval; under the workspace's lock */
} sbx_intent;

/* One line for the user (already escaped), e.g. a warning. */
typedef void (*sbx_line_fn)(const char *line, void *arg);

typedef struct sbx_session_opts {
	sbx_intent intent;
	const char *file;     /* this sandbox.yaml; NULL: found from the current directory up */
	/*
	 * The agent the caller asked for (sbx run AGENT), or NULL. The file's
	 * agent must be it (SBX_EUSAGE otherwise); with no file found, its
	 * defaults make the sandbox of the current directory (zero config).
	 */
	const char *agent;
	bool follow;	      /* file may be a symbolic link */
	sbx_backend *backend; /* borrowed; NULL: the docker backend of DOCKER_HOST */
	/*
	 * sbx adopt: plan for the sandbox this directory had before it was
	 * moved ("": the one there is; else the sandbox of that name): one
	 * labelled with this directory's identity whose workspace path holds
	 * it no more. SBX_ENOTFOUND when none, SBX_ECONFLICT when several or
	 * when the workspace has a sandbox already. NULL: not asked.
	 */
	const char *adopt;
	bool pull;     /* pull the image's reference first (apply --pull) */
	bool recreate; /* recreate the sandbox whatever changed, keeping state (apply --recreate) */
	sbx_line_fn warn;     /* warnings, one line each (NULL: dropped) */
	void *arg;
	/* the line that says who holds the workspace's lock, while it is awaited; NULL: warn's */
	sbx_line_fn lock_wait;
	sbx_progress_fn progress; /* an image's pull at apply (backend.h); NULL: not shown */
	void *progress_arg;
} sbx_session_opts;

typedef struct sbx_session sbx_session;

/*
 * sbx_session_open: everything up to the plan. On failure *out is NULL and
 * nothing is held (no lock, no backend). With SBX_INTENT_PLAN a sandbox.yaml
 * that changed while its sandbox ran, in a way that widens host access, is
 * warned of (the tamper guard's second half).
 */
int sbx_session_open(sbx_session **out, const sbx_session_opts *o, sbx_error **err);

/*
 * sbx_session_apply: run the plan (apply.h). SBX_EPOLICY when the session
 * was opened to plan only.
 */
int sbx_session_apply(sbx_session *s, sbx_line_fn note, void *arg, sbx_error **err);

/*
 * sbx_session_busy: the exec sessions (their commands) running in the
 * sandbox that the plan would stop (a recreate), NULL-terminated; NULL when
 * none. sbx_session_apply refuses (SBX_EPOLICY) to end them until the
 * caller says the user agreed: sbx_session_allow_stop. A session opened to
 * plan warns of them.
 */
const char *const *sbx_session_busy(const sbx_session *s);
void sbx_session_allow_stop(sbx_session *s);

/*
 * sbx_session_loses_state: the plan recreates an existing sandbox without
 * its installed state for a reason the file does not state itself (the
 * image changed; preserve_state: false is the file's own choice and does
 * not count). sbx_session_apply refuses (SBX_EPOLICY) until the caller
 * says the user agreed: sbx_session_allow_fresh.
 */
bool sbx_session_loses_state(const sbx_session *s);
void sbx_session_allow_fresh(sbx_session *s);

/*
 * sbx_session_env: what a session that `sbx run` or `sbx exec` starts in
 * the sandbox gets of the host: "NAME=value" for each pass_env variable
 * the host has, read now (not when s was opened: a key rotated since is
 * the new one), NULL-terminated, into *env (never NULL on success). Each
 * variable the host lacks is a warning through the session's warn
 * callback, naming it; no value is ever written anywhere. These values are
 * for that one session: the container, its labels, snapshots and plans
 * never hold them. The caller frees *env with sbx_session_env_free, which
 * wipes the values first. Only for a session opened to apply (through the
 * trust gate that pass_env needs): SBX_EPOLICY otherwise.
 */
int sbx_session_env(const sbx_session *s, char ***env, sbx_error **err);
/* sbx_session_set_warn: where the session's warnings go from now on (NULL: dropped). */
void sbx_session_set_warn(sbx_session *s, sbx_line_fn warn, void *arg);
void sbx_session_env_free(char **env);

const sbx_plan *sbx_session_plan(const sbx_session *s);
const sbx_desired *sbx_session_desired(const sbx_session *s);
const sbx_actual *sbx_session_actual(const sbx_session *s);
const sbx_config *sbx_session_config(const sbx_session *s);
/*
 * sbx_session_unlock: release the workspace's lock, for a caller that is
 * done applying and goes on using what the session found (exec and run: the
 * lock is not held while their command runs). The session cannot apply
 * after this; what passed the trust gate (sbx_session_env) it still gives.
 */
void sbx_session_unlock(sbx_session *s);
/* sbx_session_backend: the backend the session speaks to the engine through (borrowed). */
sbx_backend *sbx_session_backend(const sbx_session *s);

/* sbx_session_free: releases the lock and the backend it opened. NULL is fine. */
void sbx_session_free(sbx_session *s);

/*
 * sbx_config_discover: file (a symbolic link only with follow), or the
 * sandbox.yaml found from the current directory up; either only when it is
 * the user's own (discover.h), checked before a byte is parsed.
 */
int sbx_config_discover(sbx_config **out, const char *file, bool follow, sbx_error **err);

#endif
