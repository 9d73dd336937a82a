#include "spec.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
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
		return SBX_VALUE_SHARED;
	case SBX_CREDENTIALS_WORKSPACE:
		return SBX_VALUE_WORKSPACE;
	case SBX_CREDENTIALS_NONE:
		return SBX_VALUE_NONE;
	}
	return "?";
}

const char *sbx_network_name(sbx_network n)
{
	switch (n) {
	case SBX_NETWORK_BRIDGE:
		return SBX_VALUE_BRIDGE;
	case SBX_NETWORK_NONE:
		return SBX_VALUE_NONE;
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

/* Set path to a value that the caller made and no longer needs. */
static void set_owned(sbx_fields *f, const char *path, char *value, bool sensitive)
{
	sbx_fields_set(f, path, value, sensitive);
	free(value);
}

void sbx_spec_fields(const sbx_spec *spec, const sbx_host_facts *facts, sbx_fields *out)
{
	sbx_fields_release(out);
	sbx_fields_set(out, sbx_field_path(SBX_F_AGENT), spec->agent->name, false);
	sbx_fields_set(out, sbx_field_path(SBX_F_IMAGE), spec->image, false);
	sbx_fields_set(out, sbx_field_path(SBX_F_NAME), facts->name, false);
	sbx_fields_set(out, sbx_field_path(SBX_F_USER),
		       spec->user ? spec->user : SBX_VALUE_IMAGE_USER, false);
	sbx_fields_set(out, sbx_field_path(SBX_F_WORKSPACE), facts->workspace, false);
	if (facts->owner)
		sbx_fields_set(out, sbx_field_path(SBX_F_WORKSPACE_OWNER), facts->owner, false);
	if (facts->config)
		set_owned(out, sbx_field_path(SBX_F_WORKSPACE_CONFIG),
			  sbx_value_mount(facts->config, true), false);
	set_owned(out, sbx_field_path(SBX_F_COMMAND),
		  sbx_value_argv(spec->command, spec->command_len), false);
	for (size_t i = 0; i < spec->env_len; i++) {
		_cleanup_free_ char *p = sbx_field_member(SBX_F_ENV, spec->env[i].name);
		sbx_fields_set(out, p, spec->env[i].value, false);
	}
	for (size_t i = 0; i < spec->pass_env_len; i++) {
		_cleanup_free_ char *p = sbx_field_member(SBX_F_PASS_ENV, spec->pass_env[i].name);
		sbx_fields_set(out, p, SBX_VALUE_PASS_ENV, false);
	}
	sbx_fields_set(out, sbx_field_path(SBX_F_DOCKER_SOCKET),
		       sbx_value_socket(spec->docker_socket ? facts->docker_socket : NULL), false);
	/* Fixed at create (the user's groups), and the host's: a new group is a new sandbox. */
	if (spec->docker_socket && facts->docker_socket && facts->docker_socket_group)
		sbx_fields_set(out, sbx_field_path(SBX_F_DOCKER_SOCKET_GROUP),
			       facts->docker_socket_group, false);
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const sbx_mount *m = &spec->mounts[i];
		const char *src = facts->mount_sources ? facts->mount_sources[i] : m->source;
		_cleanup_free_ char *p = sbx_field_mount_path(sbx_mount_target(m, src));
		set_owned(out, p, sbx_value_mount(src, m->readonly), false);
	}
	if (spec->git_identity) {
		const char *ids[SBX_GIT__COUNT] = {
		    [SBX_GIT_AUTHOR_NAME] = facts->git_author_name,
		    [SBX_GIT_AUTHOR_EMAIL] = facts->git_author_email,
		    [SBX_GIT_COMMITTER_NAME] = facts->git_committer_name,
		    [SBX_GIT_COMMITTER_EMAIL] = facts->git_committer_email,
		};
		for (size_t i = 0; i < SBX_GIT__COUNT; i++)
			if (ids[i])
				sbx_fields_set(out, sbx_field_git_path(i), ids[i], false);
	}
	set_owned(out, sbx_field_path(SBX_F_CREDENTIALS),
		  sbx_value_credentials(sbx_credentials_name(spec->credentials),
					facts->credentials_volume, spec->agent->credentials_dir,
					facts->tokens_volume, SBX_TOKENS_DIR),
		  false);
	sbx_fields_set(out, sbx_field_path(SBX_F_NETWORK), sbx_network_name(spec->network), false);
	set_owned(out, sbx_field_path(SBX_F_CPUS), sbx_value_cpus(spec->resources.cpus), false);
	set_owned(out, sbx_field_path(SBX_F_MEMORY), sbx_value_bytes(spec->resources.memory),
		  false);
	set_owned(out, sbx_field_path(SBX_F_PIDS), sbx_value_count(spec->resources.pids), false);
	sbx_fields_set(out, sbx_field_path(SBX_F_PRESERVE_STATE),
		       sbx_value_bool(spec->preserve_state), false);
	sbx_fields_set(out, sbx_field_path(SBX_F_SECURITY), SBX_SECURITY_PROFILE, false);
}
