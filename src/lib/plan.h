/*
 * plan: desired state against actual state, as an ordered list of actions
 * with reasons, and for each changed field its old value, new value and
 * effect, as the table of fields judges it (fields.h). Pure: no I/O, no
 * library types. `sbx diff` prints a plan and `sbx apply` runs the very
 * same plan.
 */
#ifndef SBX_PLAN_H
#define SBX_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"
#include "spec.h"

typedef enum sbx_action_type {
	SBX_ACTION_CREATE,
	SBX_ACTION_RECREATE,
	SBX_ACTION_RENAME,
	SBX_ACTION_UPDATE,
	SBX_ACTION_START,
	SBX_ACTION_NONE,
} sbx_action_type;

typedef struct sbx_change {
	char *path;
	char *old_value; /* NULL: added */
	char *new_value; /* NULL: removed */
	sbx_effect effect;
	sbx_access access;    /* SBX_ACCESS_WIDENS: a security change, marked as such */
	bool sensitive;	      /* print neither value */
	bool image_update;    /* path "image": the same reference, another image id (old, new) */
	const char *security; /* why a security review must see it (sbx_change_security), or NULL */
} sbx_change;

/* What a recreate does with the old sandbox's installed state (preserve_state). */
typedef enum sbx_keep {
	SBX_KEEP_OFF,		/* preserve_state is false: the new sandbox starts from the image */
	SBX_KEEP_SNAPSHOT,	/* kept: a snapshot of the old sandbox is the new one's image */
	SBX_KEEP_IMAGE_CHANGED, /* not kept: the image changed, the new one starts from it */
} sbx_keep;

/*
 * One step of the program apply runs, in order, with all it needs beyond
 * the desired state the plan was made from.
 */
typedef struct sbx_action {
	sbx_action_type type;
	char *reason;
	/* SBX_ACTION_RECREATE */
	sbx_keep keep;
	/* SBX_ACTION_RENAME */
	char *from; /* the name before */
} sbx_action;

/* What the engine has for a workspace, as state reads it. */
typedef struct sbx_actual {
	bool exists;
	char *id;
	char *name;
	bool running;
	char *status;	    /* the engine's word: running, exited, created, ... */
	int form_version;   /* of the canonical form in its label; 0: none */
	char *workspace;    /* its workspace label */
	char *workspace_id; /* its workspace-id label */
	long long created;  /* unix seconds; 0: not known */
	char *volume;	    /* its credentials volume label, or NULL */
	char *config_hash;  /* sha256 of the sandbox.yaml bytes it was made from, or NULL */
	char *image_id;	    /* the image id its reference named at create (a label), or NULL */
	/*
	 * Not of the engine's container, asked for by the caller of the plan:
	 * the image id the reference names now (NULL: not known, no
	 * comparison), and a recreate whatever changed (apply --recreate).
	 */
	char *image_now;
	bool force_recreate;
	sbx_fields fields;
} sbx_actual;

typedef struct sbx_plan {
	sbx_action *actions;
	size_t n_actions;
	sbx_change *changes;
	size_t n_changes;
	char *name; /* the sandbox's container name after the plan */
} sbx_plan;

/*
 * sbx_plan_make: compare desired (the canonical form, whose "name" field
 * names the container) with actual. Against an existing sandbox, a field
 * whose effect is SBX_EFFECT_NONE (command, preserve_state) is no change:
 * nothing on the container holds it, and sbx reads it from the file when it
 * uses it. SBX_ECONFLICT (in the return value
 * only; the plan is pure and says why in *why) when the container was made
 * by a newer sbx whose canonical form this one cannot read.
 */
int sbx_plan_make(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual, char **why);
/*
 * sbx_plan_make_paper: sbx_plan_make for review, where actual is a sandbox
 * made on paper from another version of the file: the fields no container
 * holds (pass_env, command, preserve_state) are compared too, each change
 * listed with its effect (none).
 */
int sbx_plan_make_paper(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual);
void sbx_plan_free(sbx_plan *plan);

/* sbx_plan_has_changes: anything to do, or any field changed (on paper: sbx_plan_make_paper). */
bool sbx_plan_has_changes(const sbx_plan *plan);
/* sbx_plan_security: how many of the plan's changes a security review must see. */
size_t sbx_plan_security(const sbx_plan *plan);
/* sbx_plan_widens: some change of the plan widens host access. */
bool sbx_plan_widens(const sbx_plan *plan);

/*
 * sbx_plan_changed_while_running: the tamper guard's question. actual runs,
 * its record names the sandbox.yaml bytes it was made from, the file's bytes
 * now (config_hash) differ, and the plan widens host access: someone gave
 * the sandbox more of the host while it ran. Edits that change anything
 * else are the user's everyday work and do not ask.
 */
bool sbx_plan_changed_while_running(const sbx_plan *plan, const sbx_actual *actual,
				    const char *config_hash);

const char *sbx_action_name(sbx_action_type t);
/* sbx_keep_kept: the recreate keeps the installed state. */
bool sbx_keep_kept(sbx_keep k);
/*
 * sbx_keep_reason: why a recreate keeps the installed state or not, a
 * phrase; unescaped (it may name a path from a label). Caller frees.
 */
char *sbx_keep_reason(const sbx_action *a);
/* sbx_plan_action: the plan's action of type t, or NULL. */
const sbx_action *sbx_plan_action(const sbx_plan *plan, sbx_action_type t);

/*
 * sbx_plan_render: the plan as text, Terraform's way: "+" create,
 * "~" in place, "-/+" recreate, "# forces recreate" markers, changes that
 * widen host access marked "# widens host access" (those that narrow it,
 * on an existing sandbox, "# narrows host access"), what may stand for a
 * secret as (sensitive), a summary line. Untrusted values are escaped. Caller frees.
 */
char *sbx_plan_render(const sbx_plan *plan, const sbx_fields *desired, bool color);
/*
 * sbx_plan_render_deleted: for review, a sandbox.yaml deleted: what its
 * sandbox was made from (was), each field removed. Caller frees.
 */
char *sbx_plan_render_deleted(const sbx_fields *was, bool color);

void sbx_actual_release(sbx_actual *a);

#endif
