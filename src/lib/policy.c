#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

bool sbx_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Secrets and credentials under $HOME: refused with everything in and above them. */
static const char *const home_secrets[] = {
    ".ssh",	  ".aws",	    ".gnupg", ".docker",	  ".kube",
    ".config/gh", ".config/gcloud", ".netrc", ".git-credentials", NULL,
};

/* The host's system: refused with everything in and above them. */
static const char *const system_paths[] = {
    "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/run/docker.sock", "/run/docker.sock",
    NULL,
};

/* A subtree that may not be mounted, nor anything in it or above it. */
static char *subtree_rule(const char *path, const char *protected, const char *label)
{
	if (sbx_path_within(path, protected))
		return xasprintf("%s %s", strcmp(path, protected) == 0 ? "is" : "lies inside",
				 label);
	if (sbx_path_within(protected, path))
		return xasprintf("holds %s", label);
	return NULL;
}

char *sbx_policy_path(const char *path, const sbx_policy_host *host)
{
	/* / and $HOME as wholes: themselves, or anything above them. */
	if (strcmp(path, "/") == 0)
		return xstrdup("is the host's root directory");
	if (host->home && sbx_path_within(host->home, path))
		return xstrdup(strcmp(host->home, path) == 0 ? "is your home directory"
							     : "holds your home directory");
	for (size_t i = 0; host->home && home_secrets[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", host->home, home_secrets[i]);
		_cleanup_free_ char *label = xasprintf("~/%s", home_secrets[i]);
		char *why = subtree_rule(path, p, label);
		if (why)
			return why;
	}
	for (size_t i = 0; system_paths[i]; i++) {
		char *why = subtree_rule(path, system_paths[i], system_paths[i]);
		if (why)
			return why;
	}
	for (size_t i = 0; host->engine_paths && host->engine_paths[i]; i++) {
		_cleanup_free_ char *label = xasprintf("the engine's %s", host->engine_paths[i]);
		char *why = subtree_rule(path, host->engine_paths[i], label);
		if (why)
			return why;
	}
	for (size_t i = 0; host->sbx_paths && host->sbx_paths[i]; i++) {
		_cleanup_free_ char *label = xasprintf("sbx's own %s", host->sbx_paths[i]);
		char *why = subtree_rule(path, host->sbx_paths[i], label);
		if (why)
			return why;
	}
	return NULL;
}

static void refuse(sbx_refusals *out, sbx_pos pos, const char *subject, char *why)
{
	out->v = xreallocarray(out->v, out->n + 1, sizeof(sbx_refusal));
	out->v[out->n++] = (sbx_refusal){pos, xstrdup(subject), why};
}

void sbx_policy_check(sbx_refusals *out, const sbx_spec *spec, const char *workspace,
		      const char *const *real, const char *const *lexical,
		      const sbx_policy_host *host)
{
	sbx_refusals_release(out);
	/*
	 * The workspace is mounted read-write: it may not be /, $HOME or above
	 * it, and may not hold sbx's own files (the trust store would be the
	 * agent's to rewrite).
	 */
	sbx_pos top = {1, 1};
	_cleanup_free_ char *qws = sbx_quotes(workspace);
	_cleanup_free_ char *ws_subject = xasprintf("the workspace %s", qws);
	if (strcmp(workspace, "/") == 0)
		refuse(out, top, ws_subject, xstrdup("is the host's root directory"));
	else if (host->home && sbx_path_within(host->home, workspace))
		refuse(out, top, ws_subject,
		       xstrdup(strcmp(host->home, workspace) == 0 ? "is your home directory"
								  : "holds your home directory"));
	for (size_t i = 0; out->n == 0 && host->sbx_paths && host->sbx_paths[i]; i++)
		if (sbx_path_within(host->sbx_paths[i], workspace))
			refuse(out, top, ws_subject,
			       xasprintf("holds sbx's own %s", host->sbx_paths[i]));

	for (size_t i = 0; i < spec->mounts_len; i++) {
		const sbx_mount *m = &spec->mounts[i];
		_cleanup_free_ char *q = sbx_quotes(m->source);
		_cleanup_free_ char *subject = xasprintf("mount source %s", q);
		const char *forms[2] = {real ? real[i] : NULL, lexical ? lexical[i] : NULL};
		bool allowed = false;
		for (size_t a = 0; forms[0] && host->allowed && host->allowed[a]; a++)
			allowed = allowed || sbx_path_within(forms[0], host->allowed[a]);
		bool refused = false;
		for (size_t f = 0; f < 2 && !refused; f++) {
			if (!forms[f])
				continue;
			char *why = allowed ? NULL : sbx_policy_path(forms[f], host);
			if (!why && sbx_path_within(forms[f], workspace))
				why = xstrdup("lies inside the workspace, which the sandbox sees "
					      "already");
			if (why) {
				if (f == 0 && forms[1] && strcmp(forms[0], forms[1]) != 0) {
					_cleanup_free_ char *qr = sbx_quotes(forms[0]);
					char *w = xasprintf("%s (it resolves to %s)", why, qr);
					free(why);
					why = w;
				}
				refuse(out, m->pos, subject, why);
				refused = true;
			}
		}
	}
}

void sbx_refusals_release(sbx_refusals *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].subject);
		free(r->v[i].why);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

char *sbx_path_normalize(const char *abs)
{
	/* Components kept so far, as offsets into out; ".." drops the last one. */
	sbx_buf out = SBX_BUF_INIT;
	const char *p = abs;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.') {
			while (out.len > 0 && out.data[out.len - 1] != '/')
				out.len--;
			if (out.len > 0)
				out.len--;
			if (out.data)
				out.data[out.len] = '\0';
			continue;
		}
		sbx_buf_addc(&out, '/');
		sbx_buf_add(&out, start, len);
	}
	if (out.len == 0)
		sbx_buf_addc(&out, '/');
	return sbx_buf_detach(&out);
}
