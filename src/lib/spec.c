#include "spec.h"

#include <assert.h>
#include <stdlib.h>

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
