#include "gitid.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * The repository's own config files are written by whoever writes the
 * workspace: the cloned repository and the agent inside the sandbox. libgit2
 * opens them (and every include.path in them) with a blocking open(), so a
 * FIFO there hung sbx, and an include could lead anywhere on the host. sbx
 * therefore never lets libgit2 open a repository: it finds .git itself,
 * reads the repository's config with read_small() (no links followed, never
 * blocking, regular files only, SBX_GITID_MAX_CONFIG bytes at most) and
 * takes user.name and user.email from those bytes with parse_user(). Its
 * include.path and includeIf entries are not followed. libgit2 reads only
 * the user's own global and system config.
 */
#define SBX_GITID_MAX_CONFIG (64 * 1024)

/* path's bytes, if it is a regular file of bounded size; NULL otherwise (why in *why). */
static char *read_small(const char *path, size_t *len, const char **why)
{
	*len = 0;
	*why = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		*why = errno == ENOENT ? NULL : errno == ELOOP ? "a symbolic link" : strerror(errno);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SBX_GITID_MAX_CONFIG) {
		*why = S_ISREG(st.st_mode) ? "too large" : "not a regular file";
		close(fd);
		return NULL;
	}
	char *buf = xmalloc(SBX_GITID_MAX_CONFIG + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, SBX_GITID_MAX_CONFIG + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > SBX_GITID_MAX_CONFIG)
			break;
	}
	close(fd);
	if (n > SBX_GITID_MAX_CONFIG) {
		free(buf);
		*why = "too large";
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *sbx_gitid_parse_user(const char *text, size_t len, const char *key)
{
	char *found = NULL;
	bool in_user = false;
	size_t i = 0;
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i >= len)
			break;
		char ch = text[i];
		if (ch == '\n') {
			i++;
			continue;
		}
		if (ch == '#' || ch == ';') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (ch == '[') {
			size_t j = ++i;
			while (j < len && text[j] != ']' && text[j] != '\n' && text[j] != ' ' &&
			       text[j] != '\t')
				j++;
			in_user = j - i == 4 && strncasecmp(text + i, "user", 4) == 0 && j < len &&
				  text[j] == ']';
			while (j < len && text[j] != ']' && text[j] != '\n')
				j++;
			i = j < len && text[j] == ']' ? j + 1 : j;
			continue;
		}
		/* name [= value] */
		size_t k = i;
		while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '-'))
			i++;
		size_t klen = i - k;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i >= len || text[i] != '=') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		i++;
		sbx_buf v = SBX_BUF_INIT;
		bool quoted = false, bad = false;
		size_t keep = 0; /* v's length up to its last character that is not trailing space */
		while (i < len && text[i] == ' ')
			i++;
		for (; i < len; i++) {
			char c = text[i];
			if (c == '\n' && !quoted)
				break;
			if (c == '\n' || c == '\0') {
				bad = true;
				break;
			}
			if (!quoted && (c == '#' || c == ';'))
				break;
			if (c == '"') {
				quoted = !quoted;
				keep = v.len;
				continue;
			}
			if (c == '\\') {
				char e = i + 1 < len ? text[++i] : '\0';
				if (e == '\n')
					continue; /* a continued line */
				c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'b' ? '\b' : e;
				if (c != '\n' && c != '\t' && c != '\b' && c != '"' && c != '\\') {
					bad = true;
					break;
				}
				sbx_buf_addc(&v, c);
				keep = v.len;
				continue;
			}
			sbx_buf_addc(&v, c);
			if (quoted || (c != ' ' && c != '\t' && c != '\r'))
				keep = v.len;
		}
		while (i < len && text[i] != '\n')
			i++;
		if (!bad && in_user && klen == strlen(key) && strncasecmp(text + k, key, klen) == 0) {
			free(found);
			found = xstrndup(v.data ? v.data : "", keep);
		}
		sbx_buf_release(&v);
	}
	return found;
}

/*
 * The repository's config file that governs workspace, found as git finds
 * .git (from workspace up), read safely. NULL when there is none or it is
 * not a file sbx reads (then *warn says so).
 */
static char *repo_config(const char *workspace, size_t *len, sbx_buf *warn)
{
	_cleanup_free_ char *dir = xstrdup(workspace);
	for (;;) {
		_cleanup_free_ char *dotgit =
		    xasprintf("%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
		struct stat st;
		if (lstat(dotgit, &st) == 0) {
			_cleanup_free_ char *config = NULL;
			const char *why = NULL;
			if (S_ISDIR(st.st_mode)) {
				config = xasprintf("%s/config", dotgit);
			} else {
				/* A worktree or a submodule: "gitdir: PATH" in a small regular file. */
				size_t n;
				_cleanup_free_ char *gitfile = read_small(dotgit, &n, &why);
				if (gitfile && strncmp(gitfile, "gitdir: ", 8) == 0) {
					char *p = gitfile + 8;
					p[strcspn(p, "\r\n")] = '\0';
					_cleanup_free_ char *gitdir =
					    p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", dir, p);
					_cleanup_free_ char *cd = xasprintf("%s/commondir", gitdir);
					const char *cwhy;
					_cleanup_free_ char *common = read_small(cd, &n, &cwhy);
					if (common) {
						common[strcspn(common, "\r\n")] = '\0';
						config = common[0] == '/'
							     ? xasprintf("%s/config", common)
							     : xasprintf("%s/%s/config", gitdir, common);
					} else {
						config = xasprintf("%s/config", gitdir);
					}
				} else if (!why) {
					why = "not a gitdir file";
				}
			}
			char *bytes = config ? read_small(config, len, &why) : NULL;
			if (!bytes && why) {
				_cleanup_free_ char *q = sbx_quotes(config ? config : dotgit);
				sbx_buf_addf(warn,
					     "%sgit identity: %s is %s; the repository's config is "
					     "not read",
					     warn->len ? "; " : "", q, why);
			}
			return bytes;
		}
		char *slash = strrchr(dir, '/');
		if (!slash || strcmp(dir, "/") == 0)
			return NULL;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

typedef struct lookup {
	const char *repo; /* the repository's config, or NULL */
	size_t repo_len;
	git_config *cfg;  /* the user's global and system config */
	sbx_buf *warn;
} lookup;

/* The environment first (as git), then the config key; NULL when absent or refused. */
static char *value(lookup *l, const char *env, const char *key, const char *fallback_env)
{
	const char *v = getenv(env);
	const char *from = env;
	git_buf buf = {0};
	_cleanup_free_ char *local = NULL;
	if ((!v || !*v) && l->repo &&
	    (local = sbx_gitid_parse_user(l->repo, l->repo_len, key + strlen("user.")))) {
		v = local;
		from = key;
	}
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
	sbx_buf warn = SBX_BUF_INIT;
	size_t repo_len = 0;
	_cleanup_free_ char *repo = repo_config(workspace, &repo_len, &warn);
	git_libgit2_init();
	git_config *cfg = NULL;
	git_config *def = NULL;
	int rc = git_config_open_default(&def);
	if (rc == 0)
		rc = git_config_snapshot(&cfg, def);
	git_config_free(def);
	if (rc < 0) {
		const git_error *ge = git_error_last();
		_cleanup_free_ char *q = sbx_quotes(ge && ge->message ? ge->message : "unknown");
		git_libgit2_shutdown();
		sbx_buf_release(&warn);
		return sbx_error_set(err, SBX_ERROR, "reading the git identity: %s", q);
	}
	lookup l = {repo, repo_len, cfg, &warn};
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
