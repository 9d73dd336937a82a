/*
 * fake_backend: an in-memory sbx_backend for the unit tests of apply,
 * rollback and recovery. Containers live in a table; create, start, stop,
 * rename and remove change it as an engine would (a name is held by one
 * container: a second create or rename under it is SBX_ECONFLICT, the
 * engine's 409). Every call is recorded as one line, "verb target [arg]",
 * the target being the container's name at the time of the call, so a
 * test compares what apply did with what it should have done. Any verb can
 * be made to fail on demand: its n-th call, or every call, with any SBX_E*
 * code, before or after its effect (a timeout whose request did reach the
 * engine).
 */
#ifndef SBX_FAKE_BACKEND_H
#define SBX_FAKE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/backend.h"

typedef struct fake_backend fake_backend;

fake_backend *fake_new(void);
/* fake_backend_of: the backend table to hand to apply; borrowed from fb. */
sbx_backend *fake_backend_of(fake_backend *fb);
void fake_free(fake_backend *fb);

/*
 * fake_add: put a container there, as if sbx had made it for ws with
 * fields (copied) under name; returns its id (borrowed). With ws NULL it
 * claims no workspace (someone else's container).
 */
const char *fake_add(fake_backend *fb, const char *name, const sbx_workspace *ws,
		     const sbx_fields *fields, bool running);

/*
 * fake_fail: make the nth call of verb ("create", "rename", ...; 1-based,
 * counted from now; 0: every call) fail with code. With after, the call's
 * effect happens first (a timeout that reached the engine).
 */
void fake_fail(fake_backend *fb, const char *verb, int nth, int code, bool after);
/* fake_fail_call: the nth call of any verb fails, before or after its effect. */
void fake_fail_call(fake_backend *fb, int nth, int code, bool after);

/* fake_calls: the recorded calls, one per line ("" for none); borrowed. */
const char *fake_calls(fake_backend *fb);
void fake_clear_calls(fake_backend *fb);

/* What the fake holds: "name:running|created" per container, sorted by name, joined by ' '. */
char *fake_state(fake_backend *fb);
/* fake_id: the id of the container called name, or NULL. Borrowed. */
const char *fake_id(fake_backend *fb, const char *name);
/* fake_ncalls: how many calls were recorded since the last fake_clear_calls. */
size_t fake_ncalls(fake_backend *fb);
/*
 * fake_add_claim: put a container there that claims path and workspace_id
 * in its labels (an earlier sbx's "device:inode", another workspace's id),
 * made at created (unix seconds; 0: not known). Returns its id (borrowed).
 */
const char *fake_add_claim(fake_backend *fb, const char *name, const char *path,
			   const char *workspace_id, long long created, const sbx_fields *fields,
			   bool running);
/*
 * fake_set_image: the id the image reference names from now on (NULL: not
 * known; containers created record it), and what image_pull makes it
 * (NULL: a pull changes nothing).
 */
void fake_set_image(fake_backend *fb, const char *id, const char *pulled);
/*
 * fake_set_label: change a label of the container called name, as someone
 * with access to the engine could, or as an older sbx wrote it: the field
 * at path gets value, or with value NULL is dropped.
 */
void fake_set_label(fake_backend *fb, const char *name, const char *path, const char *value);
/*
 * fake_set_sessions: the exec sessions running in the container called
 * name (NULL-terminated commands; NULL: none), while it runs.
 */
void fake_set_sessions(fake_backend *fb, const char *name, const char *const *cmds);
/*
 * fake_set_exec: what attach does from now on: write output (may be NULL)
 * to the caller's out_fd and give exit_code. It runs nothing; the call is
 * recorded as "attach NAME ARGV..." (a stopped or missing container is
 * SBX_ECONFLICT, as the engine's 409).
 */
void fake_set_exec(fake_backend *fb, const char *output, int exit_code);
/*
 * fake_snapshots: how many snapshot images exist; remove_snapshot removes
 * every one no container was made from.
 */
size_t fake_snapshots(fake_backend *fb);
/*
 * fake_set_paused: the running container called name is paused (the list
 * says "paused", not running); a start unpauses it, as the docker
 * backend's does.
 */
void fake_set_paused(fake_backend *fb, const char *name);
/* fake_set_started: the container called name ran once (stopped, its status is "exited"). */
void fake_set_started(fake_backend *fb, const char *name);
/*
 * fake_set_stale: the container called name is stopped and the engine's
 * runtime holds a stale task of it (an engine killed during a start): every
 * start of it is SBX_ESTALE, as the docker backend's, and changes nothing;
 * with until_stop, a stop clears the task (an engine that cleans up then).
 */
void fake_set_stale(fake_backend *fb, const char *name, bool until_stop);
/* fake_from_snapshot: the container called name was made from a snapshot image. */
bool fake_from_snapshot(fake_backend *fb, const char *name);
/*
 * fake_die_at_start: the nth start from now (1-based) finds the container's
 * command exiting at once: it ran, is stopped, and the start is SBX_ERROR,
 * as the docker backend's check after a start says.
 */
void fake_die_at_start(fake_backend *fb, int nth);
/*
 * fake_interrupt_at: SIGINT arrives during the nth call from now (any
 * verb, 1-based): sbx_interrupt_raise, the call itself completing.
 */
void fake_interrupt_at(fake_backend *fb, int nth);
/*
 * fake_flip_at: just before the nth call of verb from now (1-based),
 * another client flips the run state of the container the call is for, as
 * a concurrent apply's start or a user's `docker stop` would: the call then
 * finds it running already (a start) or stopped already (a stop), where
 * the engine answers 304, which the backend's contract makes success.
 * Recorded as "flip NAME running|stopped" before the call's own line.
 */
void fake_flip_at(fake_backend *fb, const char *verb, int nth);

#endif
