#include "spec.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const field_names[SBX_FIELD__COUNT] = {
    [SBX_FIELD_VERSION] = "version",
    [SBX_FIELD_AGENT] = "agent",
    [SBX_FIELD_IMAGE] = "image",
    [SBX_FIELD_COMMAND] = "command",
    [SBX_FIELD_NAME] = "name",
    [SBX_FIELD_USER] = "user",
    [SBX_FIELD_ENV] = "env",
    [SBX_FIELD_PASS_ENV] = "pass_env",
    [SBX_FIELD_DOCKER_SOCKET] = "docker_socket",
    [SBX_FIELD_MOUNTS] = "mounts",
    [SBX_FIELD_GIT_IDENTITY] = "git_identity",
    [SBX_FIELD_CREDENTIALS] = "credentials",
    [SBX_FIELD_NETWORK] = "network",
    [SBX_FIELD_RESOURCES] = "resources",
    [SBX_FIELD_PRESERVE_STATE] = "preserve_state",
};

const char *sbx_field_name(sbx_field f)
{
	assert(f < SBX_FIELD__COUNT);
	return field_names[f];
}

const char *sbx_credentials_name(sbx_credentials c)
{
	switch (c) {
	case SBX_CREDENTIALS_SHARED:
		return "shared";
	case SBX_CREDENTIALS_WORKSPACE:
		return "workspace";
	case SBX_CREDENTIALS_NONE:
		return "none";
	}
	return "?";
}

const char *sbx_network_name(sbx_network n)
{
	switch (n) {
	case SBX_NETWORK_BRIDGE:
		return "bridge";
	case SBX_NETWORK_NONE:
		return "none";
	}
	return "?";
}

sbx_spec *sbx_spec_new(void)
{
	sbx_spec *s = xcalloc(1, sizeof(*s));
	s->version = SBX_SPEC_VERSION;
	s->git_identity = true;
	s->credentials = SBX_CREDENTIALS_SHARED;
	s->network = SBX_NETWORK_BRIDGE;
	s->resources.pids = SBX_SPEC_DEFAULT_PIDS;
	s->preserve_state = true;
	return s;
}

void sbx_spec_fill_defaults(sbx_spec *spec)
{
	assert(spec->agent);
	if (!spec->image)
		spec->image = xstrdup(spec->agent->image);
	if (!spec->command) {
		size_t n = 0;
		while (spec->agent->command[n])
			n++;
		spec->command = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			spec->command[i] = xstrdup(spec->agent->command[i]);
		spec->command_len = n;
	}
}

void sbx_spec_free(sbx_spec *spec)
{
	if (!spec)
		return;
	free(spec->image);
	for (size_t i = 0; i < spec->command_len; i++)
		free(spec->command[i]);
	free(spec->command);
	free(spec->name);
	free(spec->user);
	for (size_t i = 0; i < spec->env_len; i++) {
		free(spec->env[i].name);
		free(spec->env[i].value);
	}
	free(spec->env);
	for (size_t i = 0; i < spec->pass_env_len; i++)
		free(spec->pass_env[i].name);
	free(spec->pass_env);
	for (size_t i = 0; i < spec->mounts_len; i++) {
		free(spec->mounts[i].source);
		free(spec->mounts[i].target);
	}
	free(spec->mounts);
	free(spec);
}

const char *sbx_mount_target(const sbx_mount *m, const char *source)
{
	return m->target ? m->target : source ? source : m->source;
}

bool sbx_mount_same_target(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

/* ---- the canonical form ---- */

static size_t find_slot(const sbx_fields *f, const char *path, bool *found)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(f->v[mid].path, path);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void sbx_fields_set(sbx_fields *f, const char *path, const char *value, bool sensitive)
{
	bool found;
	size_t i = find_slot(f, path, &found);
	if (found) {
		free(f->v[i].value);
		f->v[i].value = xstrdup(value);
		f->v[i].sensitive = sensitive;
		return;
	}
	f->v = xreallocarray(f->v, f->n + 1, sizeof(sbx_fieldv));
	memmove(&f->v[i + 1], &f->v[i], (f->n - i) * sizeof(sbx_fieldv));
	f->v[i] = (sbx_fieldv){xstrdup(path), xstrdup(value), sensitive};
	f->n++;
}

const sbx_fieldv *sbx_fields_get(const sbx_fields *f, const char *path)
{
	bool found;
	size_t i = find_slot(f, path, &found);
	return found ? &f->v[i] : NULL;
}

void sbx_fields_release(sbx_fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].value);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static void set_fmt(sbx_fields *f, const char *path, bool sensitive, const char *fmt, ...)
    SBX_PRINTF(4, 5);

static void set_fmt(sbx_fields *f, const char *path, bool sensitive, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	sbx_fields_set(f, path, v, sensitive);
	free(v);
}

/* A JSON-style array of strings: the one value that is a list. */
static char *argv_text(char *const *argv, size_t n)
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

void sbx_spec_fields(const sbx_spec *spec, const sbx_host_facts *facts, sbx_fields *out)
{
	sbx_fields_release(out);
	sbx_fields_set(out, "agent", spec->agent->name, false);
	sbx_fields_set(out, "image", spec->image, false);
	sbx_fields_set(out, "name", facts->name, false);
	sbx_fields_set(out, "user", spec->user ? spec->user : "(image default)", false);
	sbx_fields_set(out, "workspace", facts->workspace, false);
	if (facts->owner)
		sbx_fields_set(out, "workspace.owner", facts->owner, false);
	if (facts->config)
		set_fmt(out, "workspace.config", false, "%s (read-only)", facts->config);
	char *cmd = argv_text(spec->command, spec->command_len);
	sbx_fields_set(out, "command", cmd, false);
	free(cmd);
	for (size_t i = 0; i < spec->env_len; i++) {
		char *p = xasprintf("env.%s", spec->env[i].name);
		sbx_fields_set(out, p, spec->env[i].value, false);
		free(p);
	}
	for (size_t i = 0; i < spec->pass_env_len; i++) {
		char *p = xasprintf("pass_env.%s", spec->pass_env[i].name);
		const char *d = facts->pass_env_digests ? facts->pass_env_digests[i] : NULL;
		sbx_fields_set(out, p, d ? d : "(unset on the host)", true);
		free(p);
	}
	sbx_fields_set(out, "docker_socket",
		       spec->docker_socket && facts->docker_socket ? facts->docker_socket : "false",
		       false);
	/* Fixed at create (the user's groups), and the host's: a new group is a new sandbox. */
	if (spec->docker_socket && facts->docker_socket && facts->docker_socket_group)
		sbx_fields_set(out, "docker_socket.group", facts->docker_socket_group, false);
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const sbx_mount *m = &spec->mounts[i];
		const char *src = facts->mount_sources ? facts->mount_sources[i] : m->source;
		const char *target = sbx_mount_target(m, src);
		size_t tl = strlen(target);
		while (tl > 1 && target[tl - 1] == '/')
			tl--;
		char *p = xasprintf("mounts.%.*s", (int)tl, target);
		set_fmt(out, p, false, "%s (%s)", src, m->readonly ? "read-only" : "read-write");
		free(p);
	}
	if (spec->git_identity) {
		const char *ids[4][2] = {{"git.author_name", facts->git_author_name},
					 {"git.author_email", facts->git_author_email},
					 {"git.committer_name", facts->git_committer_name},
					 {"git.committer_email", facts->git_committer_email}};
		for (size_t i = 0; i < 4; i++)
			if (ids[i][1])
				sbx_fields_set(out, ids[i][0], ids[i][1], false);
	}
	if (facts->credentials_volume && facts->tokens_volume)
		set_fmt(out, "credentials", false,
			"%s (tokens in volume %s at %s; volume %s at %s)",
			sbx_credentials_name(spec->credentials), facts->tokens_volume,
			SBX_TOKENS_DIR, facts->credentials_volume, spec->agent->credentials_dir);
	else if (facts->credentials_volume)
		set_fmt(out, "credentials", false, "%s (volume %s at %s)",
			sbx_credentials_name(spec->credentials), facts->credentials_volume,
			spec->agent->credentials_dir);
	else
		sbx_fields_set(out, "credentials", "none", false);
	sbx_fields_set(out, "network", sbx_network_name(spec->network), false);
	if (spec->resources.cpus > 0)
		set_fmt(out, "resources.cpus", false, "%g", spec->resources.cpus);
	else
		sbx_fields_set(out, "resources.cpus", "unlimited", false);
	if (spec->resources.memory > 0)
		set_fmt(out, "resources.memory", false, "%lld", (long long)spec->resources.memory);
	else
		sbx_fields_set(out, "resources.memory", "unlimited", false);
	set_fmt(out, "resources.pids", false, "%lld", (long long)spec->resources.pids);
	sbx_fields_set(out, "preserve_state", spec->preserve_state ? "true" : "false", false);
	sbx_fields_set(out, "security", SBX_SECURITY_PROFILE, false);
}
