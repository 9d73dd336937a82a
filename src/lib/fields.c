#include "fields.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LITERAL_LEN(s) (sizeof(s) - 1)

/* ---- values ---- */

static const char mount_ro[] = " (read-only)", mount_rw[] = " (read-write)";

const char *sbx_value_bool(bool b)
{
	return b ? SBX_VALUE_TRUE : SBX_VALUE_FALSE;
}

bool sbx_value_bool_parse(const char *v, bool *b)
{
	if (strcmp(v, SBX_VALUE_TRUE) == 0)
		*b = true;
	else if (strcmp(v, SBX_VALUE_FALSE) == 0)
		*b = false;
	else
		return false;
	return true;
}

char *sbx_value_cpus(double cpus)
{
	return cpus > 0 ? xasprintf("%g", cpus) : xstrdup(SBX_VALUE_UNLIMITED);
}

char *sbx_value_bytes(int64_t bytes)
{
	return bytes > 0 ? xasprintf("%lld", (long long)bytes) : xstrdup(SBX_VALUE_UNLIMITED);
}

char *sbx_value_count(int64_t n)
{
	return n > 0 ? xasprintf("%lld", (long long)n) : xstrdup(SBX_VALUE_UNLIMITED);
}

bool sbx_value_is_unlimited(const char *v)
{
	return v && strcmp(v, SBX_VALUE_UNLIMITED) == 0;
}

bool sbx_value_cpus_parse(const char *v, double *cpus)
{
	if (sbx_value_is_unlimited(v)) {
		*cpus = 0;
		return true;
	}
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || *end || errno || !(d > 0))
		return false;
	*cpus = d;
	return true;
}

static bool int_parse(const char *v, int64_t *n)
{
	if (sbx_value_is_unlimited(v)) {
		*n = 0;
		return true;
	}
	if (*v < '1' || *v > '9')
		return false;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (*end || errno)
		return false;
	*n = x;
	return true;
}

bool sbx_value_bytes_parse(const char *v, int64_t *bytes)
{
	return int_parse(v, bytes);
}

bool sbx_value_count_parse(const char *v, int64_t *n)
{
	return int_parse(v, n);
}

char *sbx_value_mount(const char *source, bool readonly)
{
	return xasprintf("%s%s", source, readonly ? mount_ro : mount_rw);
}

static bool ends_with(const char *v, size_t n, const char *suffix, size_t len)
{
	return n >= len && strcmp(v + n - len, suffix) == 0;
}

bool sbx_value_mount_parse(const char *v, size_t *source_len, bool *writable)
{
	size_t n = strlen(v);
	if (ends_with(v, n, mount_rw, LITERAL_LEN(mount_rw))) {
		*source_len = n - LITERAL_LEN(mount_rw);
		*writable = true;
		return true;
	}
	if (ends_with(v, n, mount_ro, LITERAL_LEN(mount_ro))) {
		*source_len = n - LITERAL_LEN(mount_ro);
		*writable = false;
		return true;
	}
	/* Not sbx's words (a label someone wrote): assume the worst, a writable mount. */
	*source_len = n;
	*writable = true;
	return false;
}

const char *sbx_value_socket(const char *socket)
{
	return socket ? socket : SBX_VALUE_FALSE;
}

bool sbx_value_socket_on(const char *v)
{
	return v && strcmp(v, SBX_VALUE_FALSE) != 0;
}

char *sbx_value_credentials(const char *kind, const char *volume, const char *dir,
			    const char *tokens_volume, const char *tokens_dir)
{
	if (!volume)
		return xstrdup(SBX_VALUE_NONE);
	if (tokens_volume)
		return xasprintf("%s (tokens in volume %s at %s; volume %s at %s)", kind,
				 tokens_volume, tokens_dir, volume, dir);
	return xasprintf("%s (volume %s at %s)", kind, volume, dir);
}

bool sbx_value_credentials_is(const char *v, const char *kind)
{
	size_t n = strlen(kind);
	return v && strncmp(v, kind, n) == 0 && (v[n] == '\0' || v[n] == ' ');
}

/* v from *p up to the first of sep, copied out, *p past sep; false when sep is not there. */
static bool take_until(const char **p, const char *sep, char **out)
{
	const char *e = strstr(*p, sep);
	if (!e || e == *p)
		return false;
	*out = xstrndup(*p, (size_t)(e - *p));
	*p = e + strlen(sep);
	return true;
}

void sbx_credentials_value_release(sbx_credentials_value *c)
{
	free(c->kind);
	free(c->volume);
	free(c->dir);
	free(c->tokens_volume);
	free(c->tokens_dir);
	memset(c, 0, sizeof(*c));
}

bool sbx_value_credentials_parse(const char *v, sbx_credentials_value *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(v, SBX_VALUE_NONE) == 0) {
		out->kind = xstrdup(SBX_VALUE_NONE);
		return true;
	}
	size_t n = strlen(v);
	_cleanup_free_ char *inner = NULL;
	const char *p = v;
	if (n < 2 || v[n - 1] != ')' || !take_until(&p, " (", &out->kind))
		goto bad;
	inner = xstrndup(p, (size_t)(v + n - 1 - p));
	p = inner;
	if (strncmp(p, "tokens in volume ", 17) == 0) {
		p += 17;
		if (!take_until(&p, " at ", &out->tokens_volume) ||
		    !take_until(&p, "; ", &out->tokens_dir))
			goto bad;
	}
	if (strncmp(p, "volume ", 7) != 0)
		goto bad;
	p += 7;
	if (!take_until(&p, " at ", &out->volume) || !*p)
		goto bad;
	out->dir = xstrdup(p);
	return true;
bad:
	sbx_credentials_value_release(out);
	return false;
}

char *sbx_value_argv(char *const *argv, size_t n)
{
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_addc(&b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbx_buf_adds(&b, ", ");
		sbx_buf_addc(&b, '"');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				sbx_buf_addc(&b, '\\');
			sbx_buf_addc(&b, *p);
		}
		sbx_buf_addc(&b, '"');
	}
	sbx_buf_addc(&b, ']');
	return sbx_buf_detach(&b);
}

bool sbx_value_argv_parse(const char *v, char ***argv, size_t *n)
{
	char **list = xcalloc(1, sizeof(char *));
	size_t k = 0;
	const char *p = v;
	if (*p++ != '[')
		goto bad;
	while (*p != ']') {
		if (k > 0 && (*p++ != ',' || *p++ != ' '))
			goto bad;
		if (*p++ != '"')
			goto bad;
		sbx_buf b = SBX_BUF_INIT;
		while (*p && *p != '"') {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			sbx_buf_addc(&b, *p++);
		}
		list = xreallocarray(list, k + 2, sizeof(char *));
		list[k++] = sbx_buf_detach(&b);
		list[k] = NULL;
		if (*p++ != '"')
			goto bad;
	}
	if (p[1])
		goto bad;
	*argv = list;
	*n = k;
	return true;
bad:
	sbx_strv_free(list);
	return false;
}

/*
 * ---- host access ----
 *
 * Field by field. Each function is told a field's value before and after
 * (NULL: absent) and says whether the sandbox then reaches more of the
 * host, or less. They read the values the formatters above write, never
 * the file's words.
 */

static sbx_access direction(bool was, bool now)
{
	return was == now ? SBX_ACCESS_SAME : now ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
}

/* docker_socket: "false", or the host path of the engine's socket. */
static sbx_access socket_access(const char *was, const char *now)
{
	bool a = sbx_value_socket_on(was), b = sbx_value_socket_on(now);
	if (a != b)
		return direction(a, b);
	/* Another engine's socket is another root on the host. */
	return a && strcmp(was, now) != 0 ? SBX_ACCESS_WIDENS : SBX_ACCESS_SAME;
}

static sbx_access mount_access(const char *was, const char *now)
{
	if (!was)
		return now ? SBX_ACCESS_WIDENS : SBX_ACCESS_SAME;
	if (!now)
		return SBX_ACCESS_NARROWS;
	size_t la, lb;
	bool wa, wb;
	sbx_value_mount_parse(was, &la, &wa);
	sbx_value_mount_parse(now, &lb, &wb);
	/* Another host directory at the same target: the sandbox sees what it did not. */
	if (la != lb || strncmp(was, now, la) != 0)
		return SBX_ACCESS_WIDENS;
	return direction(wa, wb);
}

/*
 * pass_env: a name listed gives every session the host's value of that
 * variable, whatever value it has then: a name added widens, a name
 * removed narrows. (Its value in the form is always SBX_VALUE_PASS_ENV.)
 */
static sbx_access pass_env_access(const char *was, const char *now)
{
	return direction(was != NULL, now != NULL);
}

/* network: "none" reaches nothing; any other network reaches the host's networks. */
static sbx_access network_access(const char *was, const char *now)
{
	return direction(was && strcmp(was, SBX_VALUE_NONE) != 0,
			 now && strcmp(now, SBX_VALUE_NONE) != 0);
}

/*
 * credentials: "shared (volume ...)" is one volume for every sandbox of the
 * agent, whatever their workspace: what one sandbox writes there (a token,
 * the agent's settings and hooks) the others read. "workspace (...)" and
 * "none" reach no other sandbox.
 */
static sbx_access credentials_access(const char *was, const char *now)
{
	return direction(sbx_value_credentials_is(was, SBX_VALUE_SHARED),
			 sbx_value_credentials_is(now, SBX_VALUE_SHARED));
}

/* ---- the table ---- */

#define ROW(id_, path_, type_, effect_, access_, baseline_)                                        \
	[id_] = {id_, path_, type_, SBX_COMPARE_TEXT, effect_, access_, baseline_}

/*
 * Resource limits change in place through the update endpoint (but see
 * sbx_change_effect) and the name through a rename; the command is only
 * what `sbx run` starts and preserve_state only how a recreate is done, so
 * neither is on the container. Nor is pass_env: its values go to each
 * session that `sbx run` or `sbx exec` starts, read from the host then,
 * and the container never holds them (nor their digests), so a name added
 * or removed, or a value rotated on the host, changes nothing on it; which
 * way a name moves host access still shows where the plan lists it (a
 * create), and tier 1 asks for approval of any pass_env. Everything else
 * is fixed when a container is created: changing it forces a recreate.
 */
static const sbx_field_rule field_rules[SBX_F__COUNT] = {
    ROW(SBX_F_AGENT, "agent", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_COMMAND, "command", SBX_TYPE_ARGV, SBX_EFFECT_NONE, NULL, NULL),
    ROW(SBX_F_CREDENTIALS, "credentials", SBX_TYPE_CREDENTIALS, SBX_EFFECT_RECREATE,
	credentials_access, SBX_VALUE_SHARED),
    ROW(SBX_F_DOCKER_SOCKET, "docker_socket", SBX_TYPE_SOCKET, SBX_EFFECT_RECREATE, socket_access,
	SBX_VALUE_FALSE),
    ROW(SBX_F_DOCKER_SOCKET_GROUP, "docker_socket.group", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL,
	NULL),
    ROW(SBX_F_ENV, "env.", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_GIT, "git.", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_IMAGE, "image", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_MOUNTS, "mounts.", SBX_TYPE_MOUNT, SBX_EFFECT_RECREATE, mount_access, NULL),
    ROW(SBX_F_NAME, "name", SBX_TYPE_TEXT, SBX_EFFECT_IN_PLACE, NULL, NULL),
    ROW(SBX_F_NETWORK, "network", SBX_TYPE_NETWORK, SBX_EFFECT_RECREATE, network_access,
	SBX_VALUE_BRIDGE),
    ROW(SBX_F_PASS_ENV, "pass_env.", SBX_TYPE_PASS_ENV, SBX_EFFECT_NONE, pass_env_access, NULL),
    ROW(SBX_F_PRESERVE_STATE, "preserve_state", SBX_TYPE_BOOL, SBX_EFFECT_NONE, NULL, NULL),
    ROW(SBX_F_CPUS, "resources.cpus", SBX_TYPE_CPUS, SBX_EFFECT_IN_PLACE, NULL, NULL),
    ROW(SBX_F_MEMORY, "resources.memory", SBX_TYPE_BYTES, SBX_EFFECT_IN_PLACE, NULL, NULL),
    ROW(SBX_F_PIDS, "resources.pids", SBX_TYPE_COUNT, SBX_EFFECT_IN_PLACE, NULL, NULL),
    ROW(SBX_F_SECURITY, "security", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_USER, "user", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_WORKSPACE, "workspace", SBX_TYPE_PATH, SBX_EFFECT_RECREATE, NULL, NULL),
    ROW(SBX_F_WORKSPACE_CONFIG, "workspace.config", SBX_TYPE_MOUNT, SBX_EFFECT_RECREATE, NULL,
	NULL),
    ROW(SBX_F_WORKSPACE_OWNER, "workspace.owner", SBX_TYPE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL),
};

/* A path the table does not know (a label from another sbx): fixed at create, as most are. */
static const sbx_field_rule unknown_rule = {
    SBX_F_UNKNOWN, "", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL};

static const char *const git_paths[SBX_GIT__COUNT] = {
    [SBX_GIT_AUTHOR_NAME] = "git.author_name",
    [SBX_GIT_AUTHOR_EMAIL] = "git.author_email",
    [SBX_GIT_COMMITTER_NAME] = "git.committer_name",
    [SBX_GIT_COMMITTER_EMAIL] = "git.committer_email",
};

static bool is_family(const char *path)
{
	return path[0] && path[strlen(path) - 1] == '.';
}

const sbx_field_rule *sbx_field_rules(size_t *n)
{
	*n = SBX_ARRAY_SIZE(field_rules);
	return field_rules;
}

const sbx_field_rule *sbx_field_rule_of(const char *path)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(field_rules); i++) {
		const char *r = field_rules[i].path;
		size_t n = strlen(r);
		if (is_family(r) ? strncmp(path, r, n) == 0 && path[n] : strcmp(path, r) == 0)
			return &field_rules[i];
	}
	return &unknown_rule;
}

sbx_field_id sbx_field_id_of(const char *path)
{
	return sbx_field_rule_of(path)->id;
}

static bool limit_type(sbx_field_type t)
{
	return t == SBX_TYPE_CPUS || t == SBX_TYPE_BYTES || t == SBX_TYPE_COUNT;
}

/*
 * The update endpoint sets limits but cannot lift one: a limit that goes
 * to or from "unlimited" needs a new container.
 */
sbx_effect sbx_change_effect(const char *path, const char *was, const char *now)
{
	const sbx_field_rule *r = sbx_field_rule_of(path);
	if (r->effect == SBX_EFFECT_IN_PLACE && limit_type(r->type) &&
	    (sbx_value_is_unlimited(was) || sbx_value_is_unlimited(now)))
		return SBX_EFFECT_RECREATE;
	return r->effect;
}

sbx_access sbx_change_access(const char *path, const char *was, const char *now)
{
	const sbx_field_rule *r = sbx_field_rule_of(path);
	if (!r->access)
		return SBX_ACCESS_SAME;
	/* An absent value is what a file that does not set the field gets. */
	return r->access(was ? was : r->baseline, now ? now : r->baseline);
}

const char *sbx_change_security(const char *path, const char *was, const char *now)
{
	sbx_field_id id = sbx_field_id_of(path);
	/* A new sandbox's image is no change of one: its other grants still show. */
	if (id == SBX_F_IMAGE)
		return was && now ? "another image runs with the workspace mounted" : NULL;
	if (sbx_change_access(path, was, now) != SBX_ACCESS_WIDENS)
		return NULL;
	switch (id) {
	case SBX_F_DOCKER_SOCKET:
		return "the engine's socket: root on the host";
	case SBX_F_MOUNTS:
		return was ? "a host mount widened: another source, or write access"
			   : "a host path the sandbox reaches";
	case SBX_F_PASS_ENV:
		return "a host variable's value goes into the sandbox's sessions";
	case SBX_F_NETWORK:
		return "the sandbox reaches the network";
	case SBX_F_CREDENTIALS:
		return "the agent's login shared with its other workspaces";
	default:
		return "host access widened";
	}
}

bool sbx_field_same(const char *path, const char *a, const char *b)
{
	switch (sbx_field_rule_of(path)->compare) {
	case SBX_COMPARE_TEXT:
		return strcmp(a, b) == 0;
	}
	return false;
}

bool sbx_field_sensitive(const char *path, const char *value)
{
	return sbx_field_rule_of(path)->type == SBX_TYPE_PASS_ENV &&
	       strcmp(value, SBX_VALUE_PASS_ENV) != 0;
}

const char *sbx_effect_name(sbx_effect e)
{
	switch (e) {
	case SBX_EFFECT_NONE:
		return "none";
	case SBX_EFFECT_IN_PLACE:
		return "in-place";
	case SBX_EFFECT_RECREATE:
		return "recreate";
	}
	return "?";
}

const char *sbx_access_name(sbx_access a)
{
	switch (a) {
	case SBX_ACCESS_SAME:
		return "same";
	case SBX_ACCESS_WIDENS:
		return "widens";
	case SBX_ACCESS_NARROWS:
		return "narrows";
	}
	return "?";
}

/* ---- paths ---- */

const char *sbx_field_path(sbx_field_id id)
{
	assert(id < SBX_F__COUNT);
	return field_rules[id].path;
}

bool sbx_field_is(const char *path, sbx_field_id id)
{
	return strcmp(path, sbx_field_path(id)) == 0;
}

char *sbx_field_member(sbx_field_id family, const char *name)
{
	assert(is_family(sbx_field_path(family)));
	return xasprintf("%s%s", sbx_field_path(family), name);
}

const char *sbx_field_member_name(const char *path, sbx_field_id family)
{
	const char *prefix = sbx_field_path(family);
	size_t n = strlen(prefix);
	assert(is_family(prefix));
	return strncmp(path, prefix, n) == 0 && path[n] ? path + n : NULL;
}

bool sbx_field_in(const char *path, sbx_field_id family)
{
	return sbx_field_member_name(path, family) != NULL;
}

bool sbx_field_is_variable(const char *path)
{
	return sbx_field_in(path, SBX_F_ENV) || sbx_field_in(path, SBX_F_PASS_ENV) ||
	       sbx_field_in(path, SBX_F_GIT);
}

bool sbx_field_is_limit(const char *path)
{
	return limit_type(sbx_field_rule_of(path)->type);
}

char *sbx_field_mount_path(const char *target)
{
	size_t n = strlen(target);
	while (n > 1 && target[n - 1] == '/')
		n--;
	return xasprintf("%s%.*s", sbx_field_path(SBX_F_MOUNTS), (int)n, target);
}

const char *sbx_field_git_path(sbx_git_field g)
{
	assert(g < SBX_GIT__COUNT);
	return git_paths[g];
}

char *sbx_field_host_path(const char *path, const char *value)
{
	switch (sbx_field_rule_of(path)->type) {
	case SBX_TYPE_SOCKET:
		if (value[0] != '/')
			return NULL;
		break;
	case SBX_TYPE_PATH:
	case SBX_TYPE_MOUNT:
		break;
	default:
		return NULL;
	}
	/*
	 * A value in a mount's words names its source, whatever the field:
	 * a label someone wrote is checked for the path it would mount.
	 */
	size_t n;
	bool writable;
	sbx_value_mount_parse(value, &n, &writable);
	return xstrndup(value, n);
}
