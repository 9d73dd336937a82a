/*
 * docker: the Docker Engine API side of state (docker_state.c), over the
 * transport in engine.h, and sbx's seccomp policy in Docker's profile
 * format (docker_seccomp.c). The docker backend (backend_docker.c) is its
 * one caller; everything else reaches an engine through backend.h. The
 * codecs (sbx_docker_decode, sbx_docker_form_json) are also the golden
 * cases', the profile's rendering test_seccomp's.
 */
#ifndef SBX_DOCKER_H
#define SBX_DOCKER_H

#include <stdbool.h>

#include "backend.h"
#include "engine.h"
#include "error.h"
#include "plan.h"
#include "seccomp.h"
#include "state.h"

/* sbx_docker_form_json: the canonical form as the label's JSON, keys sorted. Caller frees. */
char *sbx_docker_form_json(const sbx_fields *fields);
/* sbx_docker_form_hash: "<form version>:sha256:<hex>" of that JSON. Caller frees. */
char *sbx_docker_form_hash(const char *form_json);

/*
 * sbx_docker_decode: one container of the engine's list (or inspect) JSON
 * text into *out. For tests and the golden cases; SBX_EINVALID when the
 * text is not a container with sbx's labels.
 */
int sbx_docker_decode(sbx_actual *out, const char *json_text, sbx_error **err);

/*
 * sbx_docker_find: the sandbox of ws, with one list request filtered by its
 * labels. out->exists is false when there is none. SBX_ECONFLICT when more
 * than one container claims the workspace.
 */
int sbx_docker_find(sbx_actual *out, sbx_engine *e, const sbx_workspace *ws, sbx_error **err);

/* sbx_docker_find_all: every container that claims ws (more than one after a crash). */
int sbx_docker_find_all(sbx_actual **out, size_t *n, sbx_engine *e, const sbx_workspace *ws,
			sbx_error **err);

/*
 * sbx_docker_find_name: the sbx sandbox called name (exactly), as
 * sbx_docker_find. out->exists is false when there is none.
 */
int sbx_docker_find_name(sbx_actual *out, sbx_engine *e, const char *name, sbx_error **err);

/* sbx_docker_list: every sbx sandbox on the engine, sorted by name. */
int sbx_docker_list(sbx_sandbox_info **out, size_t *n, sbx_engine *e, sbx_error **err);
/*
 * sbx_docker_name_holder: the container called exactly name, sbx's or not,
 * with one list request filtered by that name. *out is NULL when the name
 * is free; free it with sbx_sandbox_info_free(*out, 1).
 */
int sbx_docker_name_holder(sbx_sandbox_info **out, sbx_engine *e, const char *name,
			   sbx_error **err);

/*
 * sbx_docker_remove_volume: remove a's own credentials volume (its label
 * names it), but only when the volume's own labels say sbx made it for the
 * workspace a claims (managed, workspace path and identity): a container's
 * labels may be anyone's, and name any volume.
 */
int sbx_docker_remove_volume(sbx_removal *out, sbx_engine *e, const sbx_actual *a, sbx_error **err);

/*
 * sbx_docker_remove_snapshot: remove every snapshot image of a's workspace
 * that no container uses (the tagged one and untagged leftovers): images
 * whose own labels say sbx made them for a's workspace (managed, path and
 * identity) and that carry no tag but sbx-snapshot's. *out says whether
 * any went, or that sbx-snapshot:<a's name> is someone else's and stays.
 */
int sbx_docker_remove_snapshot(sbx_removal *out, sbx_engine *e, const sbx_actual *a,
			       sbx_error **err);

/*
 * sbx_docker_create: create the container, and first the named volumes it
 * mounts with sbx's labels (an existing one is kept as it is); *id gets
 * its id. Caller frees *id.
 */
int sbx_docker_create(char **id, sbx_engine *e, const sbx_create *c, sbx_error **err);
/* sbx_docker_image_id: the id of the local image image names (*id NULL: none). Caller frees. */
int sbx_docker_image_id(char **id, sbx_engine *e, const char *image, sbx_error **err);
/* sbx_docker_pull_image: pull image, present or not, its progress to on_progress. */
int sbx_docker_pull_image(sbx_engine *e, const char *image, sbx_progress_fn on_progress,
			  void *arg, sbx_error **err);

/*
 * sbx_docker_read_resources: resource limits change in place, so the label
 * keeps the values of creation; read the container's own limits into
 * a->fields (one inspect, made only when the label and the file differ).
 */
int sbx_docker_read_resources(sbx_actual *a, sbx_engine *e, sbx_error **err);

/* sbx_docker_update: change the resource limits of container id in place. */
int sbx_docker_update(sbx_engine *e, const char *id, const sbx_resources *r, sbx_error **err);

/*
 * sbx_docker_ensure_image: make sure image is on the engine, pulling it when
 * it is missing. on_progress (may be NULL) hears of the pull: SBX_PULL_START,
 * a SBX_PULL_LAYER for each layer message of the engine's stream, then
 * SBX_PULL_DONE with the digest the stream named, or SBX_PULL_ERROR with the
 * error also returned (the engine's message).
 */
int sbx_docker_ensure_image(sbx_engine *e, const char *image, sbx_progress_fn on_progress,
			    void *arg, sbx_error **err);

/* A pull under way: where its events go, and the digest its stream named so far. */
typedef struct sbx_docker_pull {
	const char *image;  /* borrowed */
	sbx_progress_fn fn; /* may be NULL */
	void *arg;
	char *digest; /* from "Digest: sha256:...", or NULL; the caller frees */
} sbx_docker_pull;

/*
 * sbx_docker_pull_message: one object of the engine's pull stream (arg: a
 * sbx_docker_pull): a layer's message (id, status, progressDetail's current
 * and total) becomes a SBX_PULL_LAYER event; "Digest: ..." is kept in
 * p->digest; the rest (the tag's "Pulling from", "Status:", errors, which
 * the transport reports) is no event.
 */
void sbx_docker_pull_message(json_object *msg, void *arg);

/*
 * sbx_docker_snapshot: container id's file system, flattened into a new
 * image repo:tag of one layer (export, import); *image gets its id. Its
 * config is base's environment and user and sbx's workspace labels of the
 * container: nothing of the container's own config (Config and
 * ContainerConfig carry none of its environment), and its depth is one
 * whatever the container was made from.
 */
int sbx_docker_snapshot(char **image, sbx_engine *e, const char *id, const char *base,
			const char *repo, const char *tag, sbx_error **err);

/*
 * sbx_docker_leftovers: the images and volumes no container uses that
 * carry all of sbx's labels (managed, workspace path and identity), images
 * only with no tag but sbx-snapshot's (backend.h's leftovers).
 * sbx_docker_remove_leftover removes one; SBX_ECONFLICT when it is in use.
 */
int sbx_docker_leftovers(sbx_leftover **out, size_t *n, sbx_engine *e, sbx_error **err);
int sbx_docker_remove_leftover(sbx_engine *e, const sbx_leftover *l, sbx_error **err);

/* sbx_docker_image_user: the image's own user (Config.User; "" for root). Caller frees *user. */
int sbx_docker_image_user(char **user, sbx_engine *e, const char *image, sbx_error **err);

/*
 * sbx_docker_sessions: the exec sessions running in the container id (its
 * ExecIDs, each inspected: those still running), as "entrypoint args...";
 * *out NULL-terminated, NULL when none.
 */
int sbx_docker_sessions(char ***out, sbx_engine *e, const char *id, sbx_error **err);

/*
 * sbx_docker_exec: run argv in the running container id as user, wait for it,
 * and give its exit status. Its output is discarded. argv runs with sbx's own
 * PATH and no loader variables, not the container's (the file sets those).
 */
int sbx_docker_exec(int *exit_code, sbx_engine *e, const char *id, const char *const *argv,
		    const char *user, sbx_error **err);

/*
 * sbx_docker_exec_session: backend.h's attach: run o->argv in the running
 * container id with live streams until it ends and its output is all out;
 * *exit_code its status. (docker_exec.c)
 */
int sbx_docker_exec_session(int *exit_code, sbx_engine *e, const char *id, const sbx_exec_opts *o,
			    sbx_error **err);

/*
 * sbx_docker_seccomp_json: profile p as the compact JSON that Docker's API
 * (and Podman's) reads from HostConfig.SecurityOpt "seccomp=<json>", the
 * same bytes on every call. Caller frees. (docker_seccomp.c)
 */
char *sbx_docker_seccomp_json(const sbx_seccomp_profile *p);

#endif
