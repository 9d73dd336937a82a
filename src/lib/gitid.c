#include "gitid.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool sbx_gitid_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || !sbx_utf8_valid(s, len, NULL) || sbx_utf8_length(s, len) > SBX_GITID_MAX)
		return false;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return false;
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] < 0xa0)
			return false; /* C1 controls */
	}
	return true;
}

typedef struct lookup {
	git_config *cfg;
	sbx_buf *warn;
} lookup;

/* The environment first (as git), then the config key; NULL when absent or refused. */
static char *value(lookup *l, const char *env, const char *key, const char *fallback_env)
{
	const char *v = getenv(env);
	const char *from = env;
	git_buf buf = {0};
	if ((!v || !*v) && l->cfg && git_config_get_string_buf(&buf, l->cfg, key) == 0) {
		v = buf.ptr;
		from = key;
	}
	if ((!v || !*v) && fallback_env) {
		v = getenv(fallback_env);
		from = fallback_env;
	}
	char *out = NULL;
	if (v && *v) {
		if (sbx_gitid_valid(v)) {
			out = xstrdup(v);
		} else {
			_cleanup_free_ char *q = sbx_quotes(v);
			sbx_buf_addf(l->warn,
				     "%sgit identity: %s %s is not a single printable line; "
				     "not passed on",
				     l->warn->len ? "; " : "", from, q);
		}
	}
	git_buf_dispose(&buf);
	return out;
}

int sbx_gitid_read(sbx_gitid *id, const char *workspace, sbx_error **err)
{
	memset(id, 0, sizeof(*id));
	git_libgit2_init();
	/*
	 * Only configuration is read, nothing is run: a workspace owned by
	 * another user (as a test's, or a mounted one) still gives its identity.
	 */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	int rc = git_repository_open_ext(&repo, workspace, 0, NULL);
	if (rc == 0)
		rc = git_repository_config_snapshot(&cfg, repo);
	else if (rc == GIT_ENOTFOUND) {
		git_config *def = NULL;
		rc = git_config_open_default(&def);
		if (rc == 0)
			rc = git_config_snapshot(&cfg, def);
		git_config_free(def);
	}
	if (rc < 0) {
		const git_error *ge = git_error_last();
		_cleanup_free_ char *q = sbx_quotes(ge && ge->message ? ge->message : "unknown");
		git_repository_free(repo);
		git_libgit2_shutdown();
		return sbx_error_set(err, SBX_ERROR, "reading the git identity: %s", q);
	}
	sbx_buf warn = SBX_BUF_INIT;
	lookup l = {cfg, &warn};
	id->author_name = value(&l, "GIT_AUTHOR_NAME", "user.name", NULL);
	id->author_email = value(&l, "GIT_AUTHOR_EMAIL", "user.email", "EMAIL");
	id->committer_name = value(&l, "GIT_COMMITTER_NAME", "user.name", NULL);
	id->committer_email = value(&l, "GIT_COMMITTER_EMAIL", "user.email", "EMAIL");
	if (!id->author_name || !id->author_email)
		sbx_buf_addf(&warn,
			     "%sno git identity (user.name and user.email) for this "
			     "workspace: commits in the sandbox will need one "
			     "(git config --global user.name ...)",
			     warn.len ? "; " : "");
	git_config_free(cfg);
	git_repository_free(repo);
	git_libgit2_shutdown();
	id->warning = warn.len ? sbx_buf_detach(&warn) : NULL;
	sbx_buf_release(&warn);
	return 0;
}

void sbx_gitid_release(sbx_gitid *id)
{
	if (!id)
		return;
	free(id->author_name);
	free(id->author_email);
	free(id->committer_name);
	free(id->committer_email);
	free(id->warning);
	memset(id, 0, sizeof(*id));
}
