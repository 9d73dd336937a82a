/*
 * state: sandboxes as the engine has them. A sandbox is a container that
 * carries sbx's labels: the canonical workspace path and its device and
 * inode (a directory re-created at the same path is another workspace),
 * the config path, the agent, the canonical form of its spec with that
 * form's version, the form's hash, and the sbx version that made it. This
 * module reads them into sbx types and writes them when it creates a
 * container; json-c stays here and in engine.
 */
#ifndef SBX_STATE_H
#define SBX_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"
#include "spec.h"

/* The engine transport (engine.h); only the docker backend hands it in. */
typedef struct sbx_engine sbx_engine;

#define SBX_LABEL_PREFIX       "dev.sbx."
#define SBX_LABEL_MANAGED      "dev.sbx.managed"
#define SBX_LABEL_WORKSPACE    "dev.sbx.workspace"
#define SBX_LABEL_WORKSPACE_ID "dev.sbx.workspace-id"
#define SBX_LABEL_CONFIG       "dev.sbx.config"
#define SBX_LABEL_AGENT	       "dev.sbx.agent"
#define SBX_LABEL_SPEC	       "dev.sbx.spec"
#define SBX_LABEL_SPEC_HASH    "dev.sbx.spec-hash"
#define SBX_LABEL_VERSION      "dev.sbx.version"
#define SBX_LABEL_VOLUME       "dev.sbx.credentials-volume"
#define SBX_LABEL_CONFIG_HASH  "dev.sbx.config-sha256"
#define SBX_LABEL_TOKENS       "dev.sbx.tokens-of" /* a volume of an agent's shared login */

/* The repository of the snapshot images a recreate with preserve_state commits. */
#define SBX_SNAPSHOT_REPO "sbx-snapshot"

/* The workspace a sandbox belongs to. */
typedef struct sbx_workspace {
	char *path;   /* canonical */
	char *id;     /* "device:inode" of the directory */
	char *config; /* canonical path of its sandbox.yaml */
	unsigned uid; /* its owner on the host */
	unsigned gid;
} sbx_workspace;

/* sbx_workspace_init: stat the canonical directory path for its identity. */
int sbx_workspace_init(sbx_workspace *ws, const char *path, const char *config, sbx_error **err);
void sbx_workspace_release(sbx_workspace *ws);

/*
 * sbx_state_default_name: "sbx-<directory>-<8 hex digits>" from the
 * workspace's path and identity: stable for a workspace, distinct for a
 * directory re-created at the same path. <directory> is its name made
 * readable for a container name (Latin letters without their marks, any
 * other run of characters one '-'), or left out when nothing is left:
 * "sbx-<8 hex digits>". Caller frees.
 */
char *sbx_state_default_name(const sbx_workspace *ws);

/* sbx_state_form_json: the canonical form as the label's JSON, keys sorted. Caller frees. */
char *sbx_state_form_json(const sbx_fields *fields);
/* sbx_state_form_hash: "<form version>:sha256:<hex>" of that JSON. Caller frees. */
char *sbx_state_form_hash(const char *form_json);

/*
 * sbx_state_decode: one container of the engine's list (or inspect) JSON
 * text into *out. For tests and the golden cases; SBX_EINVALID when the
 * text is not a container with sbx's labels.
 */
int sbx_state_decode(sbx_actual *out, const char *json_text, sbx_error **err);

/*
 * sbx_state_find: the sandbox of ws, with one list request filtered by its
 * labels. out->exists is false when there is none. SBX_ECONFLICT when more
 * than one container claims the workspace.
 */
int sbx_state_find(sbx_actual *out, sbx_engine *e, const sbx_workspace *ws, sbx_error **err);

/* One row of `sbx ls`. */
typedef struct sbx_sandbox_info {
	char *id;
	char *volume; /* the credentials volume it mounts, or NULL */
	char *name;
	char *agent;
	char *workspace;
	char *workspace_id;
	char *status; /* the engine's state: running, exited, ... */
	char *image;
	long long created;   /* unix seconds */
	bool workspace_gone; /* the directory is missing or is another one now */
	bool managed;	     /* it carries sbx's label (anyone may have put it there) */
} sbx_sandbox_info;

/* sbx_state_find_all: every container that claims ws (more than one after a crash). */
int sbx_state_find_all(sbx_actual **out, size_t *n, sbx_engine *e, const sbx_workspace *ws,
		       sbx_error **err);

/*
 * sbx_state_find_name: the sbx sandbox called name (exactly), as
 * sbx_state_find. out->exists is false when there is none.
 */
int sbx_state_find_name(sbx_actual *out, sbx_engine *e, const char *name, sbx_error **err);

/* sbx_state_list: every sbx sandbox on the engine, sorted by name. */
int sbx_state_list(sbx_sandbox_info **out, size_t *n, sbx_engine *e, sbx_error **err);
void sbx_sandbox_info_free(sbx_sandbox_info *list, size_t n);

/*
 * sbx_state_name_holder: the container called exactly name, sbx's or not,
 * with one list request filtered by that name. *out is NULL when the name
 * is free; free it with sbx_sandbox_info_free(*out, 1).
 */
int sbx_state_name_holder(sbx_sandbox_info **out, sbx_engine *e, const char *name, sbx_error **err);

/* What creating a container needs beyond the canonical form. */
typedef struct sbx_create {
	const sbx_spec *spec;
	const sbx_host_facts *facts;
	const sbx_workspace *ws;
	const sbx_fields *fields;
	const char *name;	 /* the name to create under (a temporary one on recreate) */
	const char *image;	 /* the image to start from (a snapshot on recreate) */
	char **pass_env;	 /* "NAME=value" of the host, NULL-terminated, or NULL */
	const char *config_hash; /* sha256 hex of the sandbox.yaml bytes, or NULL */
} sbx_create;

/* What happened to a volume or image removal. */
typedef enum sbx_removal {
	SBX_REMOVAL_ABSENT,   /* nothing of that name */
	SBX_REMOVAL_REMOVED,  /* removed */
	SBX_REMOVAL_NOT_OURS, /* left: its labels do not say sbx made it for this workspace */
} sbx_removal;

/*
 * sbx_state_remove_volume: remove a's own credentials volume (its label
 * names it), but only when the volume's own labels say sbx made it for the
 * workspace a claims (managed, workspace path and identity): a container's
 * labels may be anyone's, and name any volume.
 */
int sbx_state_remove_volume(sbx_removal *out, sbx_engine *e, const sbx_actual *a, sbx_error **err);

/*
 * sbx_state_remove_snapshot: remove a's snapshot image (sbx-snapshot:<its
 * name>) when the image's labels say sbx made it for a's workspace.
 */
int sbx_state_remove_snapshot(sbx_removal *out, sbx_engine *e, const sbx_actual *a,
			      sbx_error **err);

/*
 * sbx_state_create: create the container, and first the named volumes it
 * mounts with sbx's labels (an existing one is kept as it is); *id gets
 * its id. Caller frees *id.
 */
int sbx_state_create(char **id, sbx_engine *e, const sbx_create *c, sbx_error **err);

/*
 * sbx_state_read_resources: resource limits change in place, so the label
 * keeps the values of creation; read the container's own limits into
 * a->fields (one inspect, made only when the label and the file differ).
 */
int sbx_state_read_resources(sbx_actual *a, sbx_engine *e, sbx_error **err);

/* sbx_state_update: change the resource limits of container id in place. */
int sbx_state_update(sbx_engine *e, const char *id, const sbx_resources *r, sbx_error **err);

/*
 * sbx_state_ensure_image: make sure image is on the engine, pulling it when
 * it is missing. on_progress (may be NULL) gets the pull's status lines.
 */
int sbx_state_ensure_image(sbx_engine *e, const char *image,
			   void (*on_progress)(const char *line, void *arg), void *arg,
			   sbx_error **err);

/*
 * sbx_state_commit: commit container id to repo:tag; *image gets the image
 * id. The variables named in blank_env (NULL-terminated, may be NULL) are
 * emptied in the image's config: the host's pass_env values stay out of it.
 */
int sbx_state_commit(char **image, sbx_engine *e, const char *id, const char *repo, const char *tag,
		     const char *const *blank_env, sbx_error **err);

/* sbx_state_image_user: the image's own user (Config.User; "" for root). Caller frees *user. */
int sbx_state_image_user(char **user, sbx_engine *e, const char *image, sbx_error **err);

/*
 * sbx_state_exec: run argv in the running container id as user, wait for it,
 * and give its exit status. Its output is discarded. argv runs with sbx's own
 * PATH and no loader variables, not the container's (the file sets those).
 */
int sbx_state_exec(int *exit_code, sbx_engine *e, const char *id, const char *const *argv,
		   const char *user, sbx_error **err);

#endif
