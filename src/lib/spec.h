/*
 * spec: the desired state of one sandbox, as sandbox.yaml asks for it with
 * every default filled in. The config loader builds it; policy, the plan
 * and apply read it. Plain data (tests build it literally): no library
 * types, no I/O. Each field remembers where the file set it, so that later
 * stages (policy refusals, trust prompts) can point at file:line:col.
 */
#ifndef SBX_SPEC_H
#define SBX_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

/* The only version of the sandbox.yaml language this sbx reads. */
#define SBX_SPEC_VERSION 1

/* Limits of the language; the schema states the same ones. */
#define SBX_SPEC_MAX_ENV      256
#define SBX_SPEC_MAX_PASS_ENV 256
#define SBX_SPEC_MAX_MOUNTS   64
#define SBX_SPEC_MAX_COMMAND  256
#define SBX_SPEC_MAX_NAME     128 /* container name */
#define SBX_SPEC_MAX_IMAGE    512
#define SBX_SPEC_MAX_USER     65 /* name[:group], 32 each */
#define SBX_SPEC_MAX_ENV_NAME 255
#define SBX_SPEC_MAX_VALUE    32768 /* an env value or a command argument */
#define SBX_SPEC_MAX_PATH     4096
#define SBX_SPEC_MAX_CPUS     1024
#define SBX_SPEC_MIN_MEMORY   (6 * 1024 * 1024)	 /* the engine's own minimum */
#define SBX_SPEC_MAX_MEMORY   (INT64_C(1) << 50) /* 1 PiB */
#define SBX_SPEC_MAX_PIDS     4194304		 /* the kernel's pid_max limit */
#define SBX_SPEC_DEFAULT_PIDS 4096

/* A position in the config file, 1-based; line 0 means "not from the file". */
typedef struct sbx_pos {
	int line;
	int col;
} sbx_pos;

typedef enum sbx_credentials {
	SBX_CREDENTIALS_SHARED,	   /* one named volume per agent, shared by all sandboxes */
	SBX_CREDENTIALS_WORKSPACE, /* one named volume per workspace */
	SBX_CREDENTIALS_NONE,	   /* nothing kept */
} sbx_credentials;

typedef enum sbx_network {
	SBX_NETWORK_BRIDGE,
	SBX_NETWORK_NONE,
} sbx_network;

/* The top-level fields, to index where each was set (sbx_spec.pos). */
typedef enum sbx_field {
	SBX_FIELD_VERSION,
	SBX_FIELD_AGENT,
	SBX_FIELD_IMAGE,
	SBX_FIELD_COMMAND,
	SBX_FIELD_NAME,
	SBX_FIELD_USER,
	SBX_FIELD_ENV,
	SBX_FIELD_PASS_ENV,
	SBX_FIELD_DOCKER_SOCKET,
	SBX_FIELD_MOUNTS,
	SBX_FIELD_GIT_IDENTITY,
	SBX_FIELD_CREDENTIALS,
	SBX_FIELD_NETWORK,
	SBX_FIELD_RESOURCES,
	SBX_FIELD_PRESERVE_STATE,
	SBX_FIELD__COUNT
} sbx_field;

typedef struct sbx_env_var {
	char *name;
	char *value;
	sbx_pos pos;
} sbx_env_var;

typedef struct sbx_pass_env {
	char *name;
	sbx_pos pos;
} sbx_pass_env;

typedef struct sbx_mount {
	char *source; /* as written: absolute, ~/..., or relative to the workspace */
	char
	    *target; /* absolute path inside the sandbox; NULL: the source's own (canonical) path */
	bool readonly;
	sbx_pos pos;
} sbx_mount;

typedef struct sbx_resources {
	double cpus;	/* 0: no limit */
	int64_t memory; /* bytes; 0: no limit */
	int64_t pids;	/* always limited */
} sbx_resources;

typedef struct sbx_spec {
	int version;
	const sbx_agent *agent; /* borrowed from the agent table */
	char *image;
	char **command; /* NULL-terminated */
	size_t command_len;
	char *name; /* NULL: derived from the workspace path when it is known */
	char *user; /* NULL: the image's own user */
	sbx_env_var *env;
	size_t env_len;
	sbx_pass_env *pass_env;
	size_t pass_env_len;
	bool docker_socket;
	sbx_mount *mounts;
	size_t mounts_len;
	bool git_identity;
	sbx_credentials credentials;
	sbx_network network;
	sbx_resources resources;
	bool preserve_state;
	sbx_pos pos[SBX_FIELD__COUNT]; /* where each field was set; line 0: defaulted */
} sbx_spec;

/*
 * The canonical form: a spec made concrete for one workspace on this host,
 * flattened to sorted (path, value) pairs: "image", "env.NODE_ENV",
 * "mounts./data", "resources.cpus". The engine keeps it in a label; the
 * plan diffs two of them path by path. No secret is in it: pass_env's
 * members hold one constant word (SBX_VALUE_PASS_ENV), the host's values
 * going to each session alone.
 */
#define SBX_SPEC_FORM_VERSION 1

typedef struct sbx_fieldv {
	char *path;
	char *value;
	bool sensitive;
} sbx_fieldv;

typedef struct sbx_fields {
	sbx_fieldv *v;
	size_t n;
} sbx_fields;

/* sbx_fields_set: add or replace path's value. Keeps the set sorted by path. */
void sbx_fields_set(sbx_fields *f, const char *path, const char *value, bool sensitive);
/* sbx_fields_get: the entry for path, or NULL. Borrowed. */
const sbx_fieldv *sbx_fields_get(const sbx_fields *f, const char *path);
void sbx_fields_release(sbx_fields *f);

/* What the host adds to a spec: facts found at apply time, all borrowed. */
typedef struct sbx_host_facts {
	const char *workspace;	     /* canonical path, mounted at the same path */
	const char *name;	     /* the container name (spec->name or derived) */
	const char *git_author_name; /* NULL: none injected */
	const char *git_author_email;
	const char *git_committer_name;
	const char *git_committer_email;
	const char *const *mount_sources; /* canonical host paths, parallel to spec->mounts */
	const char *credentials_volume; /* the workspace's own; NULL when credentials: none */
	const char *tokens_volume;	/* the agent's shared login files; NULL: none shared */
	const char *docker_socket;	/* host path of the engine socket, when asked for */
	const char *docker_socket_group; /* its group id on the host ("998"); NULL: not known */
	const char *config;		/* sandbox.yaml, mounted read-only over itself; or NULL */
	const char *owner;		/* "uid:gid" owning the workspace, or NULL */
} sbx_host_facts;

/*
 * sbx_mount_target: where m appears in the sandbox: its target, or without
 * one the path of its source on the host (path matching, as the workspace):
 * source is that canonical path, or NULL where it is not known (then the
 * source as written). Borrowed.
 */
const char *sbx_mount_target(const sbx_mount *m, const char *source);

/* sbx_mount_same_target: whether the engine takes two targets as one (trailing slashes aside). */
bool sbx_mount_same_target(const char *a, const char *b);

/* sbx_spec_fields: the canonical form of spec on this host into out (which it resets). */
void sbx_spec_fields(const sbx_spec *spec, const sbx_host_facts *facts, sbx_fields *out);

/* sbx_spec_new: an empty spec with the agent-independent defaults. Free with sbx_spec_free. */
sbx_spec *sbx_spec_new(void);
/*
 * sbx_spec_fill_defaults: fill what the file left unset from the agent's
 * defaults (image, command). spec->agent must be set.
 */
void sbx_spec_fill_defaults(sbx_spec *spec);
/* sbx_spec_free: accepts NULL. */
void sbx_spec_free(sbx_spec *spec);

/* sbx_field_name: the sandbox.yaml key of a field ("docker_socket"). */
const char *sbx_field_name(sbx_field f);
/* Names of the enum values, as written in sandbox.yaml. */
const char *sbx_credentials_name(sbx_credentials c);
const char *sbx_network_name(sbx_network n);

/*
 * The container defaults sbx imposes whatever the image says, by name: the
 * canonical form carries it, so a sandbox made under an older profile shows
 * as a change and is recreated. What the name stands for is in docker_state.c
 * (sbx_docker_create) and the README's "Security model".
 *
 * hardened-3 is hardened-2 (the same capabilities, seccomp profile and
 * namespaces) less the host's pass_env values: a container of hardened-2
 * or older holds them in its environment and their keyed digests in its
 * labels. The new name makes the next apply recreate every such sandbox
 * once, so the values leave it (its snapshot empties them: plan.c).
 */
#define SBX_SECURITY_PROFILE "hardened-3"

/*
 * Where credentials: shared mounts the agent's shared volume: outside the
 * agent's directory, which is the workspace's own. Only the agent's token
 * files are linked from there into its directory.
 */
#define SBX_TOKENS_DIR "/opt/sbx/tokens"

#endif
