/*
 * state: sandboxes as the engine has them. A sandbox is a container that
 * carries sbx's labels: the canonical workspace path and its device and
 * inode (a directory re-created at the same path is another workspace),
 * the config path, the agent, the canonical form of its spec with that
 * form's version, the form's hash, and the sbx version that made it. This
 * header holds those types and names; the docker backend reads and writes
 * them (docker.h, docker_state.c), and so would any other backend.
 */
#ifndef SBX_STATE_H
#define SBX_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"
#include "spec.h"

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
#define SBX_LABEL_IMAGE_ID     "dev.sbx.image-id" /* what the image reference named at create */
#define SBX_LABEL_TOKENS       "dev.sbx.tokens-of" /* a volume of an agent's shared login */

/* The repository of the snapshot images a recreate with preserve_state commits. */
#define SBX_SNAPSHOT_REPO "sbx-snapshot"

/* The workspace a sandbox belongs to. */
typedef struct sbx_workspace {
	char *path;	 /* canonical */
	char *id;	 /* "device:inode:birth" of the directory, or "device:inode" */
	char *legacy_id; /* "device:inode", what an earlier sbx labelled; NULL: id is that */
	long long born;	 /* the directory's birth time, unix seconds; 0: not known */
	char *config;	 /* canonical path of its sandbox.yaml */
	unsigned uid;	 /* its owner on the host */
	unsigned gid;
} sbx_workspace;

/*
 * sbx_workspace_init: the identity of the canonical directory path, from
 * the host's own record of the directory (statx): its device, inode and
 * birth time "device:inode:seconds.nanoseconds", or "device:inode" where
 * the filesystem keeps no birth time. SBX_ERROR when path cannot be read.
 *
 * Why these and nothing stored inside: the workspace is written by the
 * agent. An id in a file, in .git or in an xattr of the directory can be
 * read and copied by the agent (or by `cp -a` of a project), so it could
 * only ever be a claim. The directory's device, inode and birth time are
 * set by the kernel when the directory is made and no process inside the
 * sandbox can set them: the workspace is the container's mount point, it
 * can be neither removed nor replaced from inside. An inode comes back
 * when a directory is re-created at the same path (19 times in 20 on
 * ext4), its birth time does not. `cp -a` or a clone makes a new inode and
 * a new birth time: a copy is a new workspace; `mv` within one filesystem
 * keeps all three: a moved workspace is the same directory under another
 * path, which `sbx adopt` may accept on request, never find by itself
 * (a sandbox is found by path and identity both).
 */
int sbx_workspace_init(sbx_workspace *ws, const char *path, const char *config, sbx_error **err);
void sbx_workspace_release(sbx_workspace *ws);

/*
 * sbx_workspace_claimed: does a sandbox labelled with path and id, created
 * at created (unix seconds; 0: not known), belong to ws? The path must be
 * ws's and the id its id; or, for a sandbox of an earlier sbx, labelled
 * with "device:inode" alone, that legacy id, and made no earlier than the
 * directory was born (a directory born after its sandbox is a new one at
 * the same path and inode). With moved set, the path is not compared:
 * `sbx adopt` of a moved workspace's sandbox.
 */
bool sbx_workspace_claimed(const sbx_workspace *ws, const char *path, const char *id,
			   long long created, bool moved);

/*
 * sbx_workspace_gone: is the workspace of a sandbox labelled with path and
 * id gone: no directory at path now (or no label), or another one there
 * (sbx_workspace_claimed by the directory at path, created dating an
 * earlier sbx's "device:inode" id against its birth; an object of unknown
 * age, 0, with such an id is taken as the directory's, never as gone).
 * The same rule as finding a workspace's sandbox: `sbx ls` marks such a
 * sandbox gone, `sbx prune` removes it, `sbx adopt` may take it.
 */
bool sbx_workspace_gone(const char *path, const char *id, long long created);

/* sbx_workspace_legacy: was a sandbox labelled with id matched by the legacy id? */
bool sbx_workspace_legacy(const sbx_workspace *ws, const char *id);

/*
 * sbx_state_default_name: "sbx-<directory>-<8 hex digits>" from the
 * workspace's path and identity: stable for a workspace, distinct for a
 * directory re-created at the same path. <directory> is its name made
 * readable for a container name (Latin letters without their marks, any
 * other run of characters one '-'), or left out when nothing is left:
 * "sbx-<8 hex digits>". Caller frees.
 */
char *sbx_state_default_name(const sbx_workspace *ws);

/*
 * sbx_state_legacy_name: the default name an earlier sbx gave ws (from
 * its path and "device:inode"), kept for a sandbox of that sbx so that it
 * is neither renamed nor given another credentials volume. Caller frees.
 */
char *sbx_state_legacy_name(const sbx_workspace *ws);

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

/* sbx_sandbox_info_release: one entry's strings; _free: n entries' and the list. */
void sbx_sandbox_info_release(sbx_sandbox_info *s);
void sbx_sandbox_info_free(sbx_sandbox_info *list, size_t n);

/* What creating a container needs beyond the canonical form. */
typedef struct sbx_create {
	const sbx_spec *spec;
	const sbx_host_facts *facts;
	const sbx_workspace *ws;
	const sbx_fields *fields;
	const char *name;	 /* the name to create under (a temporary one on recreate) */
	const char *image;	 /* the image to start from (a snapshot on recreate) */
	const char *config_hash; /* sha256 hex of the sandbox.yaml bytes, or NULL */
} sbx_create;

/* What happened to a volume or image removal. */
typedef enum sbx_removal {
	SBX_REMOVAL_ABSENT,   /* nothing of that name */
	SBX_REMOVAL_REMOVED,  /* removed */
	SBX_REMOVAL_NOT_OURS, /* left: its labels do not say sbx made it for this workspace */
} sbx_removal;

/*
 * An image or volume of sbx's that no container uses (sbx prune): all of
 * sbx's labels on it (managed, workspace path and identity), an image with
 * no tag but sbx-snapshot's.
 */
typedef struct sbx_leftover {
	bool image;	     /* an image (a snapshot); else a volume */
	char *id;	     /* the image's id, the volume's name */
	char *workspace;     /* its labels' workspace */
	bool workspace_gone; /* the directory is missing or is another one now */
} sbx_leftover;

/* sbx_leftover_release: one entry's strings; _free: n entries' and the list. */
void sbx_leftover_release(sbx_leftover *l);
void sbx_leftover_free(sbx_leftover *list, size_t n);

#endif
