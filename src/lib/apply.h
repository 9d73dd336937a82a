/*
 * apply: run a plan through a backend (backend.h). The executor behind
 * sbx_session_apply (session.h), which is how callers apply: it runs a
 * plan only for a session that passed the trust gate and holds the lock. Under the workspace's lock
 * (lock.h), the image is made present before anything is
 * touched; a recreate builds the new container under a temporary name
 * (from a snapshot of the old one when preserve_state keeps its
 * installed packages), swaps the names, starts it, and only then removes
 * the old one. A failure on the way rolls back: the old container gets its
 * name back and runs again if it ran.
 */
#ifndef SBX_APPLY_H
#define SBX_APPLY_H

#include "backend.h"
#include "error.h"
#include "plan.h"
#include "sandbox.h"

/* Progress for the user, one line at a time (already escaped). */
typedef void (*sbx_apply_note)(const char *line, void *arg);

/*
 * sbx_apply: run plan, made from d and actual: its actions in order, each
 * with what the plan decided for it (a recreate's installed state, a
 * rename's old name), and nothing else. A failing action rolls back what
 * the run did; errors from the backend pass through, wrapped to say what
 * was restored. progress (may be NULL) hears of an image's pull (backend.h).
 */
int sbx_apply(sbx_backend *b, const sbx_plan *plan, const sbx_desired *d, const sbx_actual *actual,
	      sbx_apply_note note, void *arg, sbx_progress_fn progress, void *progress_arg,
	      sbx_error **err);

/*
 * sbx_apply_recover: finish or reverse a recreate that a crash interrupted.
 * The containers' names are the journal: "<name>-sbx-new" is a replacement
 * not yet in place, "<name>-sbx-old" the sandbox it replaces. A running
 * replacement under the name is kept and the old one removed; anything
 * else is rolled back to the old sandbox. Call it under the workspace's
 * lock. SBX_ECONFLICT when other containers claim the workspace.
 */
int sbx_apply_recover(sbx_backend *b, const sbx_workspace *ws, const char *name,
		      sbx_apply_note note, void *arg, sbx_error **err);

/* What sbx_remove_sandbox did with one thing: what ("sandbox", "image", "volume"), its name. */
typedef void (*sbx_removed_fn)(const char *what, const char *name, sbx_removal r, void *arg);

/*
 * sbx_remove_sandbox: remove the sandbox a (by force, running or not),
 * then its snapshot image, and with volumes its own credentials volume.
 * The container's labels may be anyone's: a volume or snapshot it names is
 * removed only when its own labels say sbx made it for that workspace
 * (SBX_REMOVAL_NOT_OURS otherwise). An agent's shared tokens volume belongs
 * to no workspace and is never removed here. fn hears of each outcome.
 */
int sbx_remove_sandbox(sbx_backend *b, const sbx_actual *a, bool volumes, sbx_removed_fn fn,
		       void *arg, sbx_error **err);

/*
 * What sbx prune removes: the sandboxes whose workspace is gone (missing,
 * or another directory now), the snapshot images no container uses, and
 * the volumes no container uses whose workspace is gone. Only objects that
 * carry all of sbx's labels (managed, workspace path and identity), an
 * image only with no tag but sbx-snapshot's: see sbx_docker_leftovers.
 */
typedef struct sbx_prune {
	sbx_sandbox_info *sandboxes;
	size_t n_sandboxes;
	sbx_leftover *left;
	size_t n_left;
} sbx_prune;

/* sbx_prune_find: what prune would remove, into *p (sbx_prune_release). */
int sbx_prune_find(sbx_backend *b, sbx_prune *p, sbx_error **err);

/*
 * sbx_prune_run: remove what p lists; a sandbox with its snapshots and its
 * own credentials volume (sbx_remove_sandbox). Something a container came
 * to use meanwhile is left (SBX_REMOVAL_NOT_OURS to fn). fn hears of each.
 */
int sbx_prune_run(sbx_backend *b, const sbx_prune *p, sbx_removed_fn fn, void *arg,
		  sbx_error **err);

void sbx_prune_release(sbx_prune *p);

#endif
