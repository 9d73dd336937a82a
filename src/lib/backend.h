/*
 * backend: every operation sbx performs on an engine, as one table of
 * function pointers (libgit2's backends, crun's libcrun_* verbs). apply,
 * recovery and the commands speak only these verbs, in sbx types; what an
 * engine calls them on the wire stays in the implementation. The Docker
 * Engine API is the "docker" backend (backend_docker.c over the engine
 * transport and docker_state.c's codecs; Podman and remote engines are the same
 * backend over another transport); tests/unit/fake_backend.c is an
 * in-memory one that fails any call on demand.
 *
 * Every operation takes the backend first and sbx_error **err last, and
 * returns 0 or a negative SBX_E*: SBX_ENOTFOUND for a container, image or
 * volume that is not there, SBX_ECONFLICT for a name another container
 * holds, SBX_EUNAVAILABLE when the engine cannot be reached.
 */
#ifndef SBX_BACKEND_H
#define SBX_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plan.h"
#include "state.h"

/* What the engine says of itself (info). */
typedef struct sbx_backend_info {
	long ncpu;	    /* the engine host's CPUs; 0: not known */
	int64_t memory;	    /* its memory in bytes; 0: not known */
	char *data_root;    /* where it keeps its data; NULL: not known */
	const char *socket; /* its unix socket on this host (borrowed), NULL: a remote one */
} sbx_backend_info;
void sbx_backend_info_release(sbx_backend_info *info);

/* What info is asked for: each costs a request of the docker backend. */
enum {
	SBX_INFO_CAPACITY = 1 << 0,  /* ncpu, memory */
	SBX_INFO_DATA_ROOT = 1 << 1, /* data_root */
};

/*
 * A pull's progress, as events in sbx's terms (the backend decodes the
 * engine's stream; a renderer draws them). Strings are borrowed for the
 * call and untrusted: they are the engine's (and the registry's) words.
 */
typedef enum sbx_pull_kind {
	SBX_PULL_START, /* the pull of image begins */
	SBX_PULL_LAYER, /* layer id is at status (current of total bytes; 0: not known) */
	SBX_PULL_DONE,	/* image is pulled; digest (may be NULL) is what the registry named */
	SBX_PULL_ERROR, /* the pull failed: status is the engine's message */
} sbx_pull_kind;

typedef struct sbx_pull_event {
	sbx_pull_kind kind;
	const char *image;  /* the reference being pulled */
	const char *id;	    /* SBX_PULL_LAYER: the layer's id */
	const char *status; /* SBX_PULL_LAYER: "Downloading", "Pull complete"...; ERROR: message */
	int64_t current;    /* SBX_PULL_LAYER: bytes done, 0 when not known */
	int64_t total;	    /* SBX_PULL_LAYER: bytes in all, 0 when not known */
	const char *digest; /* SBX_PULL_DONE: "sha256:...", or NULL */
} sbx_pull_event;

typedef void (*sbx_progress_fn)(const sbx_pull_event *ev, void *arg);

/*
 * An exec session with live streams (attach): a command in the sandbox
 * with the caller's file descriptors for its stdin, stdout and stderr.
 * Without a terminal its stdout and stderr stay apart; with one they are
 * one stream of raw bytes to out_fd. in_fd is read to its end, and then
 * the process's stdin is closed, so that it sees end of file. A caller with
 * a terminal passes size, called at the start and whenever wake_fd becomes
 * readable (a SIGWINCH handler writes a byte to a pipe): the session drains
 * wake_fd and sends the size on.
 */
typedef struct sbx_exec_opts {
	const char *const *argv; /* NULL-terminated, at least one */
	const char *const *env;	 /* "K=V", NULL-terminated, over the container's; may be NULL */
	const char *user;	 /* NULL or "": the container's user */
	const char *workdir;	 /* NULL: the container's working directory */
	bool tty;		 /* a terminal inside: stdout and stderr are one raw stream */
	int in_fd;		 /* -1: no stdin (it is at its end from the start) */
	int out_fd, err_fd;	 /* err_fd: unused with tty */
	int wake_fd;		 /* -1: none */
	/* size: the terminal's size now; false when it is not known. NULL: never sent. */
	bool (*size)(void *arg, unsigned *rows, unsigned *cols);
	void *arg;
} sbx_exec_opts;

typedef struct sbx_backend sbx_backend;
struct sbx_backend {
	const char *name; /* "docker", "fake" */

	/* ---- sandboxes, read ---- */
	/* find: the sandbox of ws; out->exists false when none; SBX_ECONFLICT for several. */
	int (*find)(sbx_backend *b, sbx_actual *out, const sbx_workspace *ws, sbx_error **err);
	/* find_all: every container that claims ws (more than one after a crash). */
	int (*find_all)(sbx_backend *b, sbx_actual **out, size_t *n, const sbx_workspace *ws,
			sbx_error **err);
	/* find_name: the sbx sandbox called exactly name; out->exists false when none. */
	int (*find_name)(sbx_backend *b, sbx_actual *out, const char *name, sbx_error **err);
	/* list: every sbx sandbox, sorted by name. */
	int (*list)(sbx_backend *b, sbx_sandbox_info **out, size_t *n, sbx_error **err);
	/* name_holder: the container called exactly name, sbx's or not; *out NULL: free. */
	int (*name_holder)(sbx_backend *b, sbx_sandbox_info **out, const char *name,
			   sbx_error **err);
	/* read_resources: the container's own limits into a->fields (they change in place). */
	int (*read_resources)(sbx_backend *b, sbx_actual *a, sbx_error **err);
	/*
	 * sessions: the commands of the exec sessions running in id, one
	 * string each ("claude --resume"), NULL-terminated; *out NULL when
	 * none. What a stop would end.
	 */
	int (*sessions)(sbx_backend *b, char ***out, const char *id, sbx_error **err);

	/* ---- sandboxes, lifecycle (by id or name) ---- */
	/* create: the container of c (and the named volumes it mounts); *id: caller frees. */
	int (*create)(sbx_backend *b, char **id, const sbx_create *c, sbx_error **err);
	/*
	 * start, stop: a container already in that state is no error. After a
	 * start the container runs: a paused one is unpaused, and one that is
	 * not running a moment after it started (its command exited) is
	 * SBX_ERROR, so that apply restores what it replaced. SBX_ESTALE: the
	 * engine's runtime still holds a task of the container (an engine
	 * killed during a start leaves one) and refuses to start it; neither a
	 * stop nor an engine restart is known to clear it, the container's
	 * file system is intact.
	 */
	int (*start)(sbx_backend *b, const char *id, sbx_error **err);
	int (*stop)(sbx_backend *b, const char *id, sbx_error **err);
	int (*rename)(sbx_backend *b, const char *id, const char *name, sbx_error **err);
	/* remove: force; volumes: its anonymous volumes too (named ones stay). */
	int (*remove)(sbx_backend *b, const char *id, bool volumes, sbx_error **err);
	/* update: change the resource limits in place. */
	int (*update)(sbx_backend *b, const char *id, const sbx_resources *r, sbx_error **err);
	/*
	 * snapshot: id's file system as a new image repo:tag, *image its id
	 * (caller frees), labelled with id's workspace; its config is base's
	 * (environment, user), nothing of id's, and its depth is bounded.
	 */
	int (*snapshot)(sbx_backend *b, char **image, const char *id, const char *base,
			const char *repo, const char *tag, sbx_error **err);
	/* exec: run argv in running id as user, wait, *exit_code; output discarded. */
	int (*exec)(sbx_backend *b, int *exit_code, const char *id, const char *const *argv,
		    const char *user, sbx_error **err);
	/*
	 * attach: run o->argv in running id with live streams (sbx_exec_opts),
	 * until it ends and its output is all out; *exit_code its status (126:
	 * it could not be run, 127: not found, as the engine says).
	 */
	int (*attach)(sbx_backend *b, int *exit_code, const char *id, const sbx_exec_opts *o,
		      sbx_error **err);
	/* copy_in: unpack a tar archive at dir in the container (created or running). */
	int (*copy_in)(sbx_backend *b, const char *id, const char *dir, const void *tar, size_t len,
		       sbx_error **err);
	/*
	 * copy_out: the contents of the regular file path in the container, *out
	 * (caller frees, NUL-terminated); *out NULL when it is no regular file.
	 */
	int (*copy_out)(sbx_backend *b, char **out, const char *id, const char *path,
			sbx_error **err);

	/* ---- images ---- */
	/*
	 * image_ensure: the image present, pulled when missing; progress (may
	 * be NULL) hears of the pull: START, LAYER events, then DONE or ERROR.
	 */
	int (*image_ensure)(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			    sbx_error **err);
	/* image_user: the image's own user ("" for root); caller frees *user. */
	int (*image_user)(sbx_backend *b, char **user, const char *image, sbx_error **err);
	/* image_id: the id of the local image that image names, *id NULL when none; caller frees. */
	int (*image_id)(sbx_backend *b, char **id, const char *image, sbx_error **err);
	/* image_pull: pull image even when it is present (apply --pull); progress as above. */
	int (*image_pull)(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			  sbx_error **err);
	/* remove_snapshot: a's snapshot image, when its labels say sbx made it for a's workspace.
	 */
	int (*remove_snapshot)(sbx_backend *b, sbx_removal *out, const sbx_actual *a,
			       sbx_error **err);

	/* ---- leftovers (sbx prune) ---- */
	/*
	 * leftovers: every image and volume no container uses whose own labels
	 * carry all of sbx's (managed, workspace path and identity); images
	 * only with no tag but sbx-snapshot's. *out (sbx_leftover_free).
	 */
	int (*leftovers)(sbx_backend *b, sbx_leftover **out, size_t *n, sbx_error **err);
	/* remove_leftover: remove it; SBX_ECONFLICT when a container uses it now. */
	int (*remove_leftover)(sbx_backend *b, const sbx_leftover *l, sbx_error **err);

	/* ---- volumes ---- */
	/* remove_volume: a's own credentials volume, when its labels say it is a's workspace's. */
	int (*remove_volume)(sbx_backend *b, sbx_removal *out, const sbx_actual *a,
			     sbx_error **err);

	/* ---- the engine ---- */
	/* info: what the engine says of itself; what names SBX_INFO_* to ask for. */
	int (*info)(sbx_backend *b, sbx_backend_info *out, unsigned what, sbx_error **err);
	/* requests: how many requests went to the engine (for tests and benchmarks). */
	unsigned long (*requests)(const sbx_backend *b);
	void (*free)(sbx_backend *b);
};

/* sbx_backend_free: release b through its own free; accepts NULL. */
void sbx_backend_free(sbx_backend *b);

/*
 * sbx_backend_docker_open: the Docker Engine API backend on the engine named
 * by host (NULL: $DOCKER_HOST, else the default socket), the API version
 * negotiated. SBX_EUNAVAILABLE as sbx_engine_open.
 */
int sbx_backend_docker_open(sbx_backend **out, const char *host, sbx_error **err);

/*
 * sbx_backend_docker_socket: the unix socket DOCKER_HOST names (or the
 * default one), without connecting; NULL for a TCP engine. Caller frees.
 */
char *sbx_backend_docker_socket(void);

/*
 * sbx_backend_docker_lib_versions: the versions of the libraries the docker
 * backend speaks through, json-c's and libcurl's (static storage).
 */
void sbx_backend_docker_lib_versions(const char **json_c, const char **curl);

#endif
