/*
 * sandbox: a loaded sandbox.yaml made concrete on this host: the
 * workspace's identity, the container name, the git identity, the
 * canonical host paths of the mounts, the credentials volume, the engine
 * socket to mount. From these it builds the canonical form the plan
 * compares. The host's pass_env values are none of it: they are read for
 * each session (sbx_session_env), never at apply.
 */
#ifndef SBX_SANDBOX_H
#define SBX_SANDBOX_H

#include "config.h"
#include "error.h"
#include "gitid.h"
#include "spec.h"
#include "state.h"

typedef struct sbx_desired {
	const sbx_config *cfg; /* borrowed */
	sbx_workspace ws;
	char *name;
	sbx_gitid git;
	char **mount_sources; /* parallel to spec->mounts */
	char *credentials_volume;
	char *tokens_volume;
	char *docker_socket;
	char *docker_socket_group; /* its gid, for the user inside; NULL: not known */
	char *owner; /* "uid:gid" */
	sbx_host_facts facts;
	sbx_fields fields;
	char *config_hash;   /* sha256 hex of the file's bytes, labelled on the container */
	char *warnings;	     /* for the user, one per line; NULL: none */
	char *engine_socket; /* as given to sbx_desired_init, for the check before each start */
	char *data_root;
} sbx_desired;

/*
 * sbx_desired_init: resolve cfg on this host. engine_socket is the unix
 * socket of the engine in use (NULL for TCP), mounted when docker_socket
 * is asked for; data_root the engine's (NULL: /var/lib/docker). Tier 2 is
 * checked here (sbx_check_policy). SBX_EINVALID (file:line:col) for a
 * mount source that does not exist; SBX_EPOLICY for a refusal; SBX_ERROR
 * for host problems.
 */
int sbx_desired_init(sbx_desired *d, const sbx_config *cfg, const char *engine_socket,
		     const char *data_root, sbx_error **err);

/*
 * sbx_check_policy: tier 2 for cfg on this host: its workspace and its
 * mount sources (canonical, parallel to spec->mounts) against $HOME's
 * secrets, the system's paths, the engine's socket and data root, sbx's
 * own directories, less what the user's policy file allows the workspace.
 * Every refusal is one SBX_EPOLICY message "file:line:col: ...".
 */
int sbx_check_policy(const sbx_config *cfg, const char *workspace, char *const *sources,
		     const char *engine_socket, const char *data_root, sbx_error **err);
/*
 * sbx_desired_keep_legacy_name: the sandbox a (found for d's workspace)
 * has the default name or credentials volume an earlier sbx derived from
 * "device:inode" (sbx_state_legacy_name): keep them, so that the new
 * identity renames nothing and recreates nothing, now or after a recreate
 * (which labels the new identity). A directory re-created at that path
 * does not find the old sandbox, and so gets names of its own.
 */
void sbx_desired_keep_legacy_name(sbx_desired *d, const sbx_actual *a);
void sbx_desired_release(sbx_desired *d);

/*
 * sbx_resolve_mounts: the canonical host path of each mount source of cfg
 * (~ is the home, relative is the workspace's), NULL-terminated, into
 * *out. SBX_EINVALID (file:line:col) for each source that does not exist,
 * and for two mounts at one target once a mount without one takes its
 * source's path.
 */
int sbx_resolve_mounts(char ***out, const sbx_config *cfg, const char *workspace, sbx_error **err);

/*
 * sbx_check_host: what apply would refuse of cfg on this host before it
 * asks the engine anything, all of it in file order: each mount source
 * that does not exist, two mounts at one target (a mount without one is at
 * its source's path) and docker_socket with a TCP engine (engine_socket
 * NULL) are SBX_EINVALID; each tier-2 refusal of the workspace or a source
 * is SBX_EPOLICY, with engine_socket as the engine's socket and its data
 * root taken as /var/lib/docker (apply asks the engine for it). Returns
 * SBX_EINVALID when any problem is one, else SBX_EPOLICY when there are
 * refusals, else 0 and, when sources is not NULL, the canonical mount
 * sources (NULL-terminated) in *sources. Contacts no engine.
 */
int sbx_check_host(char ***sources, const sbx_config *cfg, const char *engine_socket,
		   sbx_error **err);

/*
 * sbx_desired_verify: just before a start, every host path the container
 * mounts (workspace, sandbox.yaml, mount sources) still leads where it did
 * when d was made and is still canonical; the engine follows host symlinks
 * anew at each start. Then tier 2 again, as the host is now (a protected
 * place's link, a directory others may write on a source's way).
 * SBX_EPOLICY, naming what moved or what is refused, otherwise.
 */
int sbx_desired_verify(const sbx_desired *d, sbx_error **err);

/*
 * sbx_actual_verify: the same for a container sbx made earlier, from the
 * host paths its canonical form records (workspace, sandbox.yaml, mount
 * sources, the engine socket): each must still be canonical. For the
 * start that puts a previous sandbox back after a failed recreate.
 */
int sbx_actual_verify(const sbx_actual *a, sbx_error **err);

/*
 * sbx_desired_name_taken: the error for d's container name held by holder,
 * another container: which one (name, id, image; whether its labels say
 * sbx made it, and for which workspace) and what to do. The holder's
 * labels may be anyone's: every value is escaped. Returns SBX_ECONFLICT.
 */
int sbx_desired_name_taken(const sbx_desired *d, const sbx_sandbox_info *holder, sbx_error **err);

/* What the host has, for the resource limits a file may ask for; 0: not known. */
typedef struct sbx_host_limits {
	long ncpu;	 /* the engine's CPUs (/info NCPU) */
	int64_t memory;	 /* the engine's memory in bytes (/info MemTotal) */
	int64_t pid_max; /* the kernel's pid_max, for an engine on this host */
} sbx_host_limits;

/*
 * sbx_check_limits: the resource limits of spec against what the host has:
 * a limit above it (more CPUs or memory than the engine has, more pids
 * than the kernel can number) would limit nothing, and the file reads as
 * if it did. Pure. Every limit above is one SBX_EINVALID message
 * "path:line:col: ..." at the file's resources.
 */
int sbx_check_limits(const sbx_spec *spec, const char *path, const sbx_host_limits *host,
		     sbx_error **err);

/* sbx_host_pid_max: the kernel's pid_max (/proc/sys/kernel/pid_max), or 0. */
int64_t sbx_host_pid_max(void);

/*
 * sbx_credentials_volume_name: the workspace's own volume at the agent's
 * directory ("<default name>-credentials"), or NULL for credentials: none
 * or an agent without one. Caller frees.
 */
char *sbx_credentials_volume_name(const sbx_spec *spec, const char *container_default_name);
/*
 * sbx_tokens_volume_name: for credentials: shared, the agent's volume of
 * login files every workspace shares ("sbx-tokens-<agent>"), or NULL (not
 * shared, or the agent has no file that is the login alone). Caller frees.
 */
char *sbx_tokens_volume_name(const sbx_spec *spec);

#endif
