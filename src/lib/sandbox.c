#include "sandbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "policy.h"
#include "util.h"

char *sbx_credentials_volume_name(const sbx_spec *spec, const char *container_default_name)
{
	if (!spec->agent->credentials_dir)
		return NULL;
	switch (spec->credentials) {
	case SBX_CREDENTIALS_SHARED:
		return xasprintf("sbx-credentials-%s", spec->agent->name);
	case SBX_CREDENTIALS_WORKSPACE:
		return xasprintf("%s-credentials", container_default_name);
	case SBX_CREDENTIALS_NONE:
		break;
	}
	return NULL;
}

/* A mount source as written, made absolute: ~/ is the home, relative is the workspace's. */
static char *expand_source(const char *src, const char *workspace)
{
	if (strcmp(src, "~") == 0 || strncmp(src, "~/", 2) == 0) {
		const char *home = getenv("HOME");
		return xasprintf("%s%s", home ? home : "", src + 1);
	}
	if (src[0] == '/')
		return xstrdup(src);
	return xasprintf("%s/%s", strcmp(workspace, "/") == 0 ? "" : workspace, src);
}

/*
 * Tier 2: paths no sandbox.yaml may open, checked before the engine is asked
 * to change anything. Each refusal names its place in the file.
 */
static int check_policy(sbx_desired *d, const sbx_config *cfg, const char *engine_socket,
			sbx_error **err)
{
	const sbx_spec *spec = cfg->spec;
	const char *home_env = getenv("HOME");
	_cleanup_free_ char *home = home_env && *home_env ? realpath(home_env, NULL) : NULL;
	if (!home && home_env && *home_env)
		home = xstrdup(home_env);
	_cleanup_free_ char *socket = engine_socket ? realpath(engine_socket, NULL) : NULL;
	_cleanup_free_ char *data =
	    home ? sbx_xdg_dir("XDG_DATA_HOME", ".local/share", home) : NULL;
	_cleanup_free_ char *conf = home ? sbx_xdg_dir("XDG_CONFIG_HOME", ".config", home) : NULL;
	_cleanup_free_ char *state =
	    home ? sbx_xdg_dir("XDG_STATE_HOME", ".local/state", home) : NULL;
	const char *engine_paths[] = {socket ? socket : engine_socket, "/var/lib/docker", NULL};
	const char *sbx_paths[] = {data, conf, state, NULL};
	sbx_policy_host host = {home, engine_paths[0] ? engine_paths : engine_paths + 1,
				home ? sbx_paths : NULL};
	char **lexical = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *abs = expand_source(spec->mounts[i].source, d->ws.path);
		lexical[i] = sbx_path_normalize(abs);
	}
	sbx_refusals r = {0};
	sbx_policy_check(&r, spec, d->ws.path, (const char *const *)d->mount_sources,
			 (const char *const *)lexical, &host);
	for (size_t i = 0; i < spec->mounts_len; i++)
		free(lexical[i]);
	free(lexical);
	for (size_t i = 0; i < r.n; i++)
		sbx_error_set(err, SBX_EPOLICY,
			      "%s:%d:%d: %s refused: it %s; sbx never mounts that into a sandbox",
			      cfg->path, r.v[i].pos.line, r.v[i].pos.col, r.v[i].subject,
			      r.v[i].why);
	int rc = r.n ? SBX_EPOLICY : 0;
	sbx_refusals_release(&r);
	return rc;
}

int sbx_desired_init(sbx_desired *d, const sbx_config *cfg, const char *engine_socket,
		     sbx_error **err)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	const sbx_spec *spec = cfg->spec;
	int rc = sbx_workspace_init(&d->ws, cfg->workspace, cfg->path, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *default_name = sbx_state_default_name(&d->ws);
	d->name = xstrdup(spec->name ? spec->name : default_name);
	sbx_buf warn = SBX_BUF_INIT;

	if (spec->git_identity) {
		if ((rc = sbx_gitid_read(&d->git, d->ws.path, err)) < 0)
			goto fail;
		if (d->git.warning)
			sbx_buf_addf(&warn, "warning: %s\n", d->git.warning);
	}

	d->mount_sources = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *abs = expand_source(spec->mounts[i].source, d->ws.path);
		char *real = realpath(abs, NULL);
		if (!real) {
			int e = errno;
			_cleanup_free_ char *q = sbx_quotes(spec->mounts[i].source);
			rc = sbx_error_set(err, SBX_EINVALID,
					   "%s:%d:%d: mount source %s: %s (create it, or fix the "
					   "path)",
					   cfg->path, spec->mounts[i].pos.line,
					   spec->mounts[i].pos.col, q, strerror(e));
			goto fail;
		}
		d->mount_sources[i] = real;
	}

	if ((rc = check_policy(d, cfg, engine_socket, err)) < 0)
		goto fail;

	d->pass_env_digests = xcalloc(spec->pass_env_len + 1, sizeof(char *));
	d->pass_env = xcalloc(spec->pass_env_len + 1, sizeof(char *));
	size_t np = 0;
	for (size_t i = 0; i < spec->pass_env_len; i++) {
		const char *name = spec->pass_env[i].name;
		const char *v = getenv(name);
		if (!v) {
			sbx_buf_addf(&warn,
				     "warning: pass_env %s is not set on the host; not "
				     "passed in\n",
				     name);
			continue;
		}
		char hex[SBX_SHA256_HEX_LEN + 1];
		/* The name is hashed with the value: equal secrets under two names differ. */
		_cleanup_free_ char *kv = xasprintf("%s=%s", name, v);
		sbx_sha256_hex(hex, kv, strlen(kv));
		d->pass_env_digests[i] = xasprintf("sha256:%s", hex);
		d->pass_env[np++] = xstrdup(kv);
	}

	d->credentials_volume = sbx_credentials_volume_name(spec, default_name);
	if (spec->docker_socket) {
		if (!engine_socket) {
			rc = sbx_error_set(
			    err, SBX_EINVALID,
			    "%s:%d:%d: docker_socket needs an engine on a unix socket; "
			    "DOCKER_HOST names a TCP engine",
			    cfg->path, spec->pos[SBX_FIELD_DOCKER_SOCKET].line,
			    spec->pos[SBX_FIELD_DOCKER_SOCKET].col);
			goto fail;
		}
		d->docker_socket = xstrdup(engine_socket);
	}

	d->owner = xasprintf("%u:%u", d->ws.uid, d->ws.gid);
	d->facts = (sbx_host_facts){
	    .owner = d->owner,
	    .config = d->ws.config,
	    .workspace = d->ws.path,
	    .name = d->name,
	    .git_author_name = d->git.author_name,
	    .git_author_email = d->git.author_email,
	    .git_committer_name = d->git.committer_name,
	    .git_committer_email = d->git.committer_email,
	    .mount_sources = (const char *const *)d->mount_sources,
	    .pass_env_digests = (const char *const *)d->pass_env_digests,
	    .credentials_volume = d->credentials_volume,
	    .docker_socket = d->docker_socket,
	};
	sbx_spec_fields(spec, &d->facts, &d->fields);
	d->warnings = warn.len ? sbx_buf_detach(&warn) : NULL;
	sbx_buf_release(&warn);
	return 0;
fail:
	sbx_buf_release(&warn);
	sbx_desired_release(d);
	return rc;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void sbx_desired_release(sbx_desired *d)
{
	if (!d)
		return;
	size_t nm = d->cfg ? d->cfg->spec->mounts_len : 0;
	size_t np = d->cfg ? d->cfg->spec->pass_env_len : 0;
	sbx_workspace_release(&d->ws);
	free(d->name);
	sbx_gitid_release(&d->git);
	free_list(d->mount_sources, nm);
	free_list(d->pass_env_digests, np);
	if (d->pass_env) {
		for (char **p = d->pass_env; *p; p++) {
			/* The host's secrets: wipe before freeing. */
			memset(*p, 0, strlen(*p));
			free(*p);
		}
		free(d->pass_env);
	}
	free(d->credentials_volume);
	free(d->docker_socket);
	free(d->owner);
	sbx_fields_release(&d->fields);
	free(d->warnings);
	memset(d, 0, sizeof(*d));
}
