/*
 * fields: the one table of the canonical form's fields, and every spelling
 * of the form. A spec made concrete on this host is flattened to sorted
 * (path, value) pairs (spec.h, sbx_fields); for each field, or family of
 * fields ("env."), the table says what its values look like (type), how
 * two of them compare, what a change costs (effect) and which way it moves
 * what the sandbox can reach of the host (access). The paths, the words of
 * the values and their formatters and parsers are here too: the canonical
 * form (spec.c), the plan, the labels read back (docker_state.c), the
 * checks before a start (sandbox.c) and the renderings spell no path and no
 * value of their own. Pure: no I/O, no library types.
 */
#ifndef SBX_FIELDS_H
#define SBX_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sbx_effect {
	SBX_EFFECT_NONE,     /* nothing on the container: read from the file when used */
	SBX_EFFECT_IN_PLACE, /* the update endpoint, or a rename */
	SBX_EFFECT_RECREATE, /* forces a new container */
} sbx_effect;

/* What a change does to what the sandbox can reach of the host (and of other sandboxes). */
typedef enum sbx_access {
	SBX_ACCESS_SAME,
	SBX_ACCESS_WIDENS,
	SBX_ACCESS_NARROWS,
} sbx_access;

/* The rows of the table, in the order of their paths. */
typedef enum sbx_field_id {
	SBX_F_AGENT,
	SBX_F_COMMAND,
	SBX_F_CREDENTIALS,
	SBX_F_DOCKER_SOCKET,
	SBX_F_DOCKER_SOCKET_GROUP, /* the socket's group id on the host, for the user inside */
	SBX_F_ENV,		   /* a family: env.NAME */
	SBX_F_GIT,		   /* a family: git.author_name, ... (sbx_git_field) */
	SBX_F_IMAGE,
	SBX_F_MOUNTS, /* a family: mounts.TARGET */
	SBX_F_NAME,
	SBX_F_NETWORK,
	SBX_F_PASS_ENV, /* a family: pass_env.NAME */
	SBX_F_PRESERVE_STATE,
	SBX_F_CPUS,
	SBX_F_MEMORY,
	SBX_F_PIDS,
	SBX_F_SECURITY,
	SBX_F_USER,
	SBX_F_WORKSPACE,
	SBX_F_WORKSPACE_CONFIG,
	SBX_F_WORKSPACE_OWNER,
	SBX_F__COUNT,
	SBX_F_UNKNOWN = SBX_F__COUNT, /* a path no row knows (a label of another sbx) */
} sbx_field_id;

/* What a field's values look like; each has its formatter below. */
typedef enum sbx_field_type {
	SBX_TYPE_TEXT,	   /* a string as the file or the host gives it */
	SBX_TYPE_ARGV,	   /* a list of strings: ["sh", "-c", "..."] (sbx_value_argv) */
	SBX_TYPE_BOOL,	   /* "true" | "false" (sbx_value_bool) */
	SBX_TYPE_CPUS,	   /* a number of CPUs | "unlimited" (sbx_value_cpus) */
	SBX_TYPE_BYTES,	   /* a number of bytes | "unlimited" (sbx_value_bytes) */
	SBX_TYPE_COUNT,	   /* a number | "unlimited" (sbx_value_count) */
	SBX_TYPE_PATH,	   /* a canonical host path */
	SBX_TYPE_MOUNT,	   /* "SOURCE (read-only)" | "SOURCE (read-write)" (sbx_value_mount) */
	SBX_TYPE_SOCKET,   /* "false" | the host path of the engine's socket (sbx_value_socket) */
	SBX_TYPE_PASS_ENV, /* a host variable for each session: SBX_VALUE_PASS_ENV, never a value */
	SBX_TYPE_NETWORK,  /* "bridge" | "none" (sbx_network_name) */
	SBX_TYPE_CREDENTIALS, /* "none" | "KIND (volume ...)" (sbx_value_credentials) */
} sbx_field_type;

/* How two values of a field compare. */
typedef enum sbx_compare {
	/* Byte for byte: both sides come from the formatters here (the engine's limits too). */
	SBX_COMPARE_TEXT,
} sbx_compare;

/*
 * One row of the field table: what a field's values are, what a change to
 * it costs and what it does to host access. The canonical form, the plan,
 * its renderings and the README's table of effects (checked by
 * test_readme) all come from it.
 */
typedef struct sbx_field_rule {
	sbx_field_id id;
	const char *path; /* a field ("network"), or a family of them ("env.") */
	sbx_field_type type;
	sbx_compare compare;
	sbx_effect effect;
	/* was and now are values of the field, NULL when absent; NULL: never host access */
	sbx_access (*access)(const char *was, const char *now);
	const char *baseline; /* its value when the file does not set it; NULL: absent */
} sbx_field_rule;

/* ---- the table ---- */

/* sbx_field_rules: the field table, *n rows, indexed by sbx_field_id. */
const sbx_field_rule *sbx_field_rules(size_t *n);
/*
 * sbx_field_rule_of: the row that governs path; a path no row knows (its
 * id SBX_F_UNKNOWN, its path "") forces a recreate. A family's row governs
 * its members, not its bare prefix ("env." alone is no variable).
 */
const sbx_field_rule *sbx_field_rule_of(const char *path);
/* sbx_field_id_of: the id of the row that governs path, or SBX_F_UNKNOWN. */
sbx_field_id sbx_field_id_of(const char *path);
/* sbx_change_effect: the effect of path going from was to now (NULL: absent). */
sbx_effect sbx_change_effect(const char *path, const char *was, const char *now);
/*
 * sbx_change_access: what path going from was to now does to host access;
 * NULL is an absent value, taken as the field's baseline.
 */
sbx_access sbx_change_access(const char *path, const char *was, const char *now);
/*
 * sbx_change_security: why a security review must see path going from was
 * to now (NULL: absent), a phrase, or NULL when it need not: a change that
 * widens host access (the engine's socket, a host mount, pass_env, the
 * network, credentials shared; sbx_change_access) and any change of the
 * image the sandbox runs. Static.
 */
const char *sbx_change_security(const char *path, const char *was, const char *now);
/* sbx_field_same: whether a and b are the same value of path (its row's comparison). */
bool sbx_field_same(const char *path, const char *a, const char *b);
/*
 * sbx_field_sensitive: value of path may stand for a secret: a pass_env
 * member whose value is not SBX_VALUE_PASS_ENV (a digest of the host's
 * value that an earlier sbx recorded in its labels, or a label someone
 * wrote). Render it as SBX_VALUE_SENSITIVE, never as itself.
 */
bool sbx_field_sensitive(const char *path, const char *value);
/* The words of an effect and of an access, as the JSON plan writes them. Static. */
const char *sbx_effect_name(sbx_effect e);
const char *sbx_access_name(sbx_access a);

/* ---- paths ---- */

/* sbx_field_path: the path of a field ("resources.cpus"), or a family's prefix ("env."). */
const char *sbx_field_path(sbx_field_id id);
/* sbx_field_is: path is exactly the field id (a family's members are not their family). */
bool sbx_field_is(const char *path, sbx_field_id id);
/* sbx_field_member: the path of name in family ("env." and "HOME": "env.HOME"). Caller frees. */
char *sbx_field_member(sbx_field_id family, const char *name);
/*
 * sbx_field_member_name: the name of path in family ("HOME" of "env.HOME"),
 * borrowed from path; NULL when path is no member of family.
 */
const char *sbx_field_member_name(const char *path, sbx_field_id family);
/* sbx_field_in: path is a member of family. */
bool sbx_field_in(const char *path, sbx_field_id family);
/*
 * sbx_field_is_variable: path becomes a variable of the container's
 * environment: a member of env., pass_env. or git.
 */
bool sbx_field_is_variable(const char *path);
/* sbx_field_is_limit: path is a resource limit, set in place by the update endpoint. */
bool sbx_field_is_limit(const char *path);
/*
 * sbx_field_mount_path: the path of a mount at target: "mounts.TARGET",
 * trailing slashes aside (the engine takes "/a/" as "/a"). Caller frees.
 */
char *sbx_field_mount_path(const char *target);

/* The members of git., the identity sbx injects. */
typedef enum sbx_git_field {
	SBX_GIT_AUTHOR_NAME,
	SBX_GIT_AUTHOR_EMAIL,
	SBX_GIT_COMMITTER_NAME,
	SBX_GIT_COMMITTER_EMAIL,
	SBX_GIT__COUNT
} sbx_git_field;

/* sbx_field_git_path: "git.author_name" and so on. Static. */
const char *sbx_field_git_path(sbx_git_field g);

/* ---- values ---- */

#define SBX_VALUE_TRUE	     "true"
#define SBX_VALUE_FALSE	     "false"
#define SBX_VALUE_UNLIMITED  "unlimited"       /* a resource limit that is none */
#define SBX_VALUE_IMAGE_USER "(image default)" /* user: the file names none */
/*
 * pass_env.NAME's one value: the host's value is read when `sbx run` or
 * `sbx exec` starts a session and given to that session alone
 * (sbx_session_env); the container, its labels and the plan hold this
 * word, never the value nor anything made from it.
 */
#define SBX_VALUE_PASS_ENV "(from the host, per session)"
/* How a value that may stand for a secret is shown in every rendering (sbx_field_sensitive). */
#define SBX_VALUE_SENSITIVE "(sensitive)"

/* The words of the enumerated values: sandbox.yaml's own, kept as they are. */
#define SBX_VALUE_SHARED    "shared"
#define SBX_VALUE_WORKSPACE "workspace"
#define SBX_VALUE_NONE	    "none"
#define SBX_VALUE_BRIDGE    "bridge"

/* sbx_value_bool: "true" or "false". Static. */
const char *sbx_value_bool(bool b);
/* sbx_value_bool_parse: "true" or "false" into *b; false when v is neither. */
bool sbx_value_bool_parse(const char *v, bool *b);

/*
 * Resource limits: a number, or "unlimited" for 0 and less (the engine's
 * word for none). The engine's readings go through the same formatters as
 * the file's values, so that equal limits are equal text. Caller frees.
 */
char *sbx_value_cpus(double cpus);
char *sbx_value_bytes(int64_t bytes);
char *sbx_value_count(int64_t n);
/* sbx_value_is_unlimited: v is a limit that is none. */
bool sbx_value_is_unlimited(const char *v);
/* The parsers: "unlimited" is 0; false when v is neither a number nor "unlimited". */
bool sbx_value_cpus_parse(const char *v, double *cpus);
bool sbx_value_bytes_parse(const char *v, int64_t *bytes);
bool sbx_value_count_parse(const char *v, int64_t *n);

/* sbx_value_mount: "SOURCE (read-only)" or "SOURCE (read-write)". Caller frees. */
char *sbx_value_mount(const char *source, bool readonly);
/*
 * sbx_value_mount_parse: the source of a mount's value (the first
 * *source_len bytes of v) and whether it is writable. A value not in
 * sbx's words (a label someone wrote) is its own source, writable: the
 * worst case. Returns whether v was in sbx's words.
 */
bool sbx_value_mount_parse(const char *v, size_t *source_len, bool *writable);
/*
 * sbx_field_host_path: the host path that path's value names (the
 * workspace, the config file, a mount's source, the engine's socket), or
 * NULL when it names none. Caller frees.
 */
char *sbx_field_host_path(const char *path, const char *value);

/* sbx_value_socket: docker_socket's value: the socket's host path, or "false" (NULL). */
const char *sbx_value_socket(const char *socket);
/* sbx_value_socket_on: v (NULL: absent) mounts an engine's socket. */
bool sbx_value_socket_on(const char *v);

/*
 * sbx_value_credentials: credentials' value. Without a volume, "none";
 * else "KIND (volume V at DIR)", and with the agent's shared tokens
 * "KIND (tokens in volume T at TDIR; volume V at DIR)". kind is the file's
 * word (sbx_credentials_name). Caller frees.
 */
char *sbx_value_credentials(const char *kind, const char *volume, const char *dir,
			    const char *tokens_volume, const char *tokens_dir);
/* sbx_value_credentials_is: v (NULL: absent) is credentials of kind ("shared"). */
bool sbx_value_credentials_is(const char *v, const char *kind);

/* credentials' value taken apart (sbx_value_credentials_parse). */
typedef struct sbx_credentials_value {
	char *kind;			  /* the file's word: "shared", "workspace", "none" */
	char *volume, *dir;		  /* NULL with "none" */
	char *tokens_volume, *tokens_dir; /* NULL: no shared tokens */
} sbx_credentials_value;
/*
 * sbx_value_credentials_parse: v, as sbx_value_credentials writes it, into
 * *out (release it with sbx_credentials_value_release); false, and *out
 * empty, when v is not in those words.
 */
bool sbx_value_credentials_parse(const char *v, sbx_credentials_value *out);
void sbx_credentials_value_release(sbx_credentials_value *c);

/* sbx_value_argv: a list of strings, JSON-style: ["a", "b \"c\""]. Caller frees. */
char *sbx_value_argv(char *const *argv, size_t n);
/*
 * sbx_value_argv_parse: the strings of v, as sbx_value_argv writes it, into
 * *argv (NULL-terminated, *n of them; free with sbx_strv_free); false, and
 * nothing allocated, when v is not in those words.
 */
bool sbx_value_argv_parse(const char *v, char ***argv, size_t *n);

#endif
