/*
 * plan: desired state against actual state, as an ordered list of actions
 * with reasons, and for each changed field its old value, new value and
 * effect. Pure: no I/O, no library types. `sbx diff` prints a plan and
 * `sbx apply` runs the very same plan.
 */
#ifndef SBX_PLAN_H
#define SBX_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

typedef enum sbx_effect {
	SBX_EFFECT_NONE,     /* recorded only (command: used by `sbx run`) */
	SBX_EFFECT_IN_PLACE, /* the update endpoint, or a rename */
	SBX_EFFECT_RECREATE, /* forces a new container */
} sbx_effect;

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
	bool sensitive; /* print neither value */
	bool security;	/* opens the host: docker socket, mounts, pass_env, network */
} sbx_change;

typedef struct sbx_action {
	sbx_action_type type;
	char *reason;
} sbx_action;

/* What the engine has for a workspace, as state reads it. */
typedef struct sbx_actual {
	bool exists;
	char *id;
	char *name;
	bool running;
	char *status;	   /* the engine's word: running, exited, created, ... */
	int form_version;  /* of the canonical form in its label; 0: none */
	char *workspace;   /* its workspace label */
	char *volume;	   /* its credentials volume label, or NULL */
	char *config_hash; /* sha256 of the sandbox.yaml bytes it was made from, or NULL */
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
 * names the container) with actual. SBX_ECONFLICT (in the return value
 * only; the plan is pure and says why in *why) when the container was made
 * by a newer sbx whose canonical form this one cannot read.
 */
int sbx_plan_make(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual, char **why);
void sbx_plan_free(sbx_plan *plan);

/* sbx_plan_has_changes: anything to do at all. */
bool sbx_plan_has_changes(const sbx_plan *plan);
/* sbx_effect_of: the effect of a change to path. */
sbx_effect sbx_effect_of(const char *path);
/* sbx_path_is_security: a path that opens the host to the sandbox. */
bool sbx_path_is_security(const char *path);
const char *sbx_action_name(sbx_action_type t);

/*
 * sbx_plan_render: the plan as text, Terraform's way: "+" create,
 * "~" in place, "-/+" recreate, "# forces recreate" markers, secrets as
 * (sensitive), a summary line. Untrusted values are escaped. Caller frees.
 */
char *sbx_plan_render(const sbx_plan *plan, const sbx_fields *desired, bool color);

void sbx_actual_release(sbx_actual *a);

#endif
