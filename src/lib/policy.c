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
const char *const sbx_policy_home_secrets[] = {
    ".ssh",	  ".aws",	    ".gnupg", ".docker",	  ".kube",
    ".config/gh", ".config/gcloud", ".netrc", ".git-credentials", NULL,
};

/*
 * The host's system: refused with everything in and above them. The
 * engines' own directories are as good as their sockets: containerd's
 * socket for dockerd lives in /run/docker, and whoever reaches containerd,
 * Podman, CRI-O or BuildKit runs containers as root.
 */
const char *const sbx_policy_system_paths[] = {
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/docker",
    "/run/containerd",
    "/run/podman",
    "/run/crio",
    "/run/buildkit",
    "/run/cri-dockerd.sock",
    "/var/run/docker",
    "/var/run/containerd",
    "/var/run/podman",
    "/var/run/crio",
    "/var/run/buildkit",
    "/var/run/cri-dockerd.sock",
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

/* home as a whole, and its secrets; prefix names it in messages ("~" for $HOME). */
static char *home_rule(const char *path, const char *home, const char *prefix)
{
	if (sbx_path_within(home, path)) {
		if (strcmp(prefix, "~") == 0)
			return xstrdup(strcmp(home, path) == 0 ? "is your home directory"
							       : "holds your home directory");
		_cleanup_free_ char *q = sbx_quotes(home);
		return xasprintf("%s your home directory %s",
				 strcmp(home, path) == 0 ? "is" : "holds", q);
	}
	for (size_t i = 0; sbx_policy_home_secrets[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", home, sbx_policy_home_secrets[i]);
		_cleanup_free_ char *label = xasprintf("%s/%s", prefix, sbx_policy_home_secrets[i]);
		char *why = subtree_rule(path, p, label);
		if (why)
			return why;
	}
	return NULL;
}

char *sbx_policy_path(const char *path, const sbx_policy_host *host)
{
	/* / and the homes as wholes: themselves, or anything above them. */
	if (strcmp(path, "/") == 0)
		return xstrdup("is the host's root directory");
	char *why;
	if (host->home && (why = home_rule(path, host->home, "~")))
		return why;
	for (size_t i = 0; host->homes && host->homes[i]; i++)
		if ((why = home_rule(path, host->homes[i],
				     host->home && strcmp(host->homes[i], host->home) == 0
					 ? "~"
					 : host->homes[i])))
			return why;
	for (size_t i = 0; sbx_policy_system_paths[i]; i++)
		if ((why = subtree_rule(path, sbx_policy_system_paths[i],
					sbx_policy_system_paths[i])))
			return why;
	for (size_t i = 0; host->engine_paths && host->engine_paths[i]; i++) {
		_cleanup_free_ char *label = xasprintf("the engine's %s", host->engine_paths[i]);
		if ((why = subtree_rule(path, host->engine_paths[i], label)))
			return why;
	}
	for (size_t i = 0; host->sbx_paths && host->sbx_paths[i]; i++) {
		_cleanup_free_ char *label = xasprintf("sbx's own %s", host->sbx_paths[i]);
		if ((why = subtree_rule(path, host->sbx_paths[i], label)))
			return why;
	}
	for (size_t i = 0; host->places && host->places[i].path; i++)
		if ((why = subtree_rule(path, host->places[i].path, host->places[i].label)))
			return why;
	return NULL;
}

/* An allowed path of the user's policy file holds path. */
static bool is_allowed(const char *path, const sbx_policy_host *host)
{
	for (size_t a = 0; path && host->allowed && host->allowed[a]; a++)
		if (sbx_path_within(path, host->allowed[a]))
			return true;
	return false;
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
	 * it, and may not be, lie in or hold any protected place (a
	 * sandbox.yaml in ~/.ssh would mount ~/.ssh; one in a directory
	 * holding sbx's own files would hand the trust store to the agent).
	 */
	sbx_pos top = {1, 1};
	_cleanup_free_ char *qws = sbx_quotes(workspace);
	_cleanup_free_ char *ws_subject = xasprintf("the workspace %s", qws);
	char *ws_why = sbx_policy_path(workspace, host);
	if (!ws_why && host->ws_swappable)
		ws_why = xstrdup(host->ws_swappable);
	if (ws_why)
		refuse(out, top, ws_subject, ws_why);

	for (size_t i = 0; i < spec->mounts_len; i++) {
		const sbx_mount *m = &spec->mounts[i];
		_cleanup_free_ char *q = sbx_quotes(m->source);
		_cleanup_free_ char *subject = xasprintf("mount source %s", q);
		const char *forms[2] = {real ? real[i] : NULL, lexical ? lexical[i] : NULL};
		bool allowed = is_allowed(forms[0], host);
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
		/*
		 * Inside another read-write mount's source, the sandbox itself
		 * can exchange a directory on this source's way for a link
		 * (renameat2) between sbx's last check and the engine's mount
		 * at the next start. The same source twice is no such way: a
		 * mount's own root cannot be renamed from inside.
		 */
		for (size_t j = 0; !refused && forms[0] && j < spec->mounts_len; j++) {
			const char *rj = real ? real[j] : NULL;
			if (j == i || !rj || spec->mounts[j].readonly ||
			    strcmp(rj, forms[0]) == 0 || !sbx_path_within(forms[0], rj))
				continue;
			/* An outer mount refused on its own is never made: one refusal is enough.
			 */
			_cleanup_free_ char *outer =
			    is_allowed(rj, host) ? NULL : sbx_policy_path(rj, host);
			if (outer)
				continue;
			_cleanup_free_ char *qj = sbx_quotes(rj);
			refuse(out, m->pos, subject,
			       xasprintf("lies inside %s, the read-write mount at line %d: the "
					 "sandbox could swap a directory on its way for a link "
					 "before the engine mounts it",
					 qj, spec->mounts[j].pos.line));
			refused = true;
		}
		if (!refused && !allowed && host->swappable && host->swappable[i])
			refuse(out, m->pos, subject, xstrdup(host->swappable[i]));
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
