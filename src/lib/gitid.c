#include "gitid.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
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

static const char not_regular[] = "not a regular file";

/*
 * path's bytes, if it is a regular file of bounded size; NULL otherwise (why
 * in *why: NULL when there is no such file, not_regular, or another reason).
 * follow: a symbolic link is followed (never into anything but a regular
 * file, which is checked before it is opened and again once it is open).
 */
static char *read_file(const char *path, bool follow, size_t *len, const char **why)
{
	*len = 0;
	*why = NULL;
	struct stat st;
	if (follow && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*why = not_regular;
		return NULL;
	}
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
	int fd = open(path, flags);
	if (fd < 0) {
		*why = errno == ENOENT ? NULL : errno == ELOOP ? "a symbolic link" : strerror(errno);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*why = strerror(errno);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SBX_GITID_MAX_CONFIG) {
		*why = S_ISREG(st.st_mode) ? "too large" : not_regular;
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

/* read_file() of a file the workspace's writers control: no link is followed. */
static char *read_small(const char *path, size_t *len, const char **why)
{
	return read_file(path, false, len, why);
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

/*
 * The user's own config: libgit2 reads $HOME/.gitconfig, then
 * $XDG_CONFIG_HOME/git/config (or $HOME/.config/git/config), then
 * /etc/gitconfig, the first that has a key winning. libgit2 cannot be asked
 * for that cheaply: git_libgit2_init() alone (Debian's build parses every CA
 * certificate for a TLS sbx never uses there) costs more than the rest of a
 * no-op apply. So sbx finds and reads those files itself and reads them as
 * libgit2 would, but only where that is certain: the plain environment
 * (HOME and XDG_CONFIG_HOME absolute, no setuid), files of bounded size and
 * text in the subset sbx_gitid_parse_user_config() accepts (no include,
 * no continued line, nothing libgit2 would refuse). Anything else is left to
 * libgit2, exactly as before. A file there that is not a regular file (a FIFO
 * would hang the reader) is refused with a warning, and then none of the
 * user's config is read.
 */
#define SBX_GITID_USER_FILES 3

/* libgit2's paths, in its order of precedence; false: an environment left to libgit2. */
static bool user_config_paths(char *paths[SBX_GITID_USER_FILES])
{
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (getuid() != geteuid() || getenv("APP_SANDBOX_CONTAINER_ID"))
		return false;
	/* libgit2 takes these as lists (':') and joins relative ones to the working directory. */
	if ((home && (home[0] != '/' || strchr(home, ':'))) ||
	    (xdg && (xdg[0] != '/' || strchr(xdg, ':'))))
		return false;
	paths[0] = home ? xasprintf("%s/.gitconfig", home) : NULL;
	paths[1] = xdg	  ? xasprintf("%s/git/config", xdg)
		   : home ? xasprintf("%s/.config/git/config", home)
			  : NULL;
	paths[2] = xstrdup("/etc/gitconfig");
	return true;
}

static bool cfg_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool cfg_keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* libgit2's strip_comments(line, 0): cut at a comment outside quotes, trailing space gone. */
static void strip_comments(char *line)
{
	int quotes = 0, backslashes = 0;
	char *p;
	for (p = line; *p; p++) {
		if (p[0] == '"' && (p == line || p[-1] != '\\'))
			quotes++;
		if ((p[0] == ';' || p[0] == '#') && quotes % 2 == 0 && backslashes % 2 == 0)
			break;
		backslashes = p[0] == '\\' ? backslashes + 1 : 0;
	}
	while (p > line && cfg_space(p[-1]))
		p--;
	*p = '\0';
}

/* libgit2's unescape_line(); false where it fails or continues the value on the next line. */
static bool unescape(sbx_buf *out, const char *p)
{
	static const char escapes[] = "ntb\"\\", escaped[] = "\n\t\b\"\\";
	for (; *p; p++) {
		if (*p == '"')
			continue;
		if (*p != '\\') {
			sbx_buf_addc(out, *p);
			continue;
		}
		const char *e = *++p ? strchr(escapes, *p) : NULL;
		if (!e)
			return false;
		sbx_buf_addc(out, escaped[e - escapes]);
	}
	return true;
}

/* A section header line (from '['): false when outside the subset; in_user, whether [user]. */
static bool header(const char *line, bool *in_user)
{
	const char *q = line + 1;
	size_t n = 0;
	while (cfg_keychar(q[n]) || q[n] == '.')
		n++;
	if (n == 0)
		return false;
	if (n >= 7 && strncasecmp(q, "include", 7) == 0)
		return false; /* include.path, includeIf.*.path: left to libgit2 */
	const char *rest;
	bool sub = false;
	if (q[n] == ']') {
		rest = q + n + 1;
	} else if (cfg_space(q[n])) {
		const char *r = q + n;
		while (cfg_space(*r))
			r++;
		if (*r++ != '"')
			return false;
		const char *s = r;
		while (*r && *r != '"' && *r != '\\' && *r != ']')
			r++;
		if (r == s || r[0] != '"' || r[1] != ']')
			return false;
		rest = r + 2;
		sub = true;
	} else {
		return false;
	}
	while (cfg_space(*rest))
		rest++;
	if (*rest && (sub || (*rest != '#' && *rest != ';')))
		return false;
	*in_user = !sub && n == 4 && strncasecmp(q, "user", 4) == 0;
	return true;
}

bool sbx_gitid_parse_user_config(const char *text, size_t len, char **name, char **email)
{
	*name = NULL;
	*email = NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 && c != '\t' && c != '\n')
			return false; /* NUL, CR and the like: left to libgit2 */
	}
	size_t i = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	bool in_user = false, ok = true;
	while (ok && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		_cleanup_free_ char *line = xstrndup(text + i, end - i);
		i = end + 1;
		char *p = line;
		while (cfg_space(*p))
			p++;
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			ok = header(p, &in_user);
			continue;
		}
		strip_comments(p);
		char *e = p;
		while (cfg_keychar(*e))
			e++;
		char *v = e;
		while (cfg_space(*v))
			v++;
		if (e == p || (*v && *v != '=')) {
			ok = false; /* libgit2: invalid configuration key */
			break;
		}
		sbx_buf val = SBX_BUF_INIT;
		if (*v == '=') {
			v++;
			while (cfg_space(*v))
				v++;
			ok = unescape(&val, v);
		}
		char **slot = !in_user			       ? NULL
			      : e - p == 4 && !strncasecmp(p, "name", 4)  ? name
			      : e - p == 5 && !strncasecmp(p, "email", 5) ? email
								       : NULL;
		if (ok && slot) {
			free(*slot);
			*slot = xstrndup(val.data ? val.data : "", val.len);
		}
		sbx_buf_release(&val);
	}
	if (!ok) {
		free(*name);
		free(*email);
		*name = *email = NULL;
	}
	return ok;
}

static unsigned libgit2_reads;

unsigned sbx_gitid_libgit2_reads(void)
{
	return libgit2_reads;
}

/* user.name and user.email of the user's config, read by libgit2 (NULL: no such key). */
static int libgit2_user(char **name, char **email, sbx_error **err)
{
	libgit2_reads++;
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
		return sbx_error_set(err, SBX_ERROR, "reading the git identity: %s", q);
	}
	git_buf buf = {0};
	if (git_config_get_string_buf(&buf, cfg, "user.name") == 0)
		*name = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	if (git_config_get_string_buf(&buf, cfg, "user.email") == 0)
		*email = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	git_libgit2_shutdown();
	return 0;
}

/*
 * user.name and user.email of the user's own config (NULL: no such key), read
 * by sbx where it reads them as libgit2 would, else by libgit2.
 */
static int user_config(char **name, char **email, sbx_buf *warn, sbx_error **err)
{
	*name = *email = NULL;
	char *paths[SBX_GITID_USER_FILES] = {NULL, NULL, NULL};
	bool mine = user_config_paths(paths);
	bool refused = false;
	/* Every file is looked at, even once libgit2 is to read them: it never opens a FIFO. */
	for (size_t f = 0; !refused && f < SBX_GITID_USER_FILES; f++) {
		if (!paths[f])
			continue;
		size_t len;
		const char *why;
		_cleanup_free_ char *text = read_file(paths[f], true, &len, &why);
		char *n = NULL, *e = NULL;
		if (!text && why == not_regular) {
			_cleanup_free_ char *q = sbx_quotes(paths[f]);
			sbx_buf_addf(warn,
				     "%sgit identity: %s is not a regular file; the user's git "
				     "config is not read",
				     warn->len ? "; " : "", q);
			refused = true;
		} else if (!text && why) {
			mine = false; /* too large, unreadable...: as libgit2 decides */
		} else if (text && mine && !sbx_gitid_parse_user_config(text, len, &n, &e)) {
			mine = false;
		}
		if (!*name)
			*name = steal_pointer(&n);
		if (!*email)
			*email = steal_pointer(&e);
		free(n);
		free(e);
	}
	for (size_t k = 0; k < SBX_GITID_USER_FILES; k++)
		free(paths[k]);
	if (mine && !refused)
		return 0;
	free(*name);
	free(*email);
	*name = *email = NULL;
	return refused ? 0 : libgit2_user(name, email, err);
}

typedef struct lookup {
	const char *repo; /* the repository's config, or NULL */
	size_t repo_len;
	const char *user_name; /* the user's config: the value, "" for no value, NULL: no key */
	const char *user_email;
	sbx_buf *warn;
} lookup;

/* The environment first (as git), then the config key; NULL when absent or refused. */
static char *value(lookup *l, const char *env, const char *key, const char *fallback_env)
{
	const char *v = getenv(env);
	const char *from = env;
	_cleanup_free_ char *local = NULL;
	if ((!v || !*v) && l->repo &&
	    (local = sbx_gitid_parse_user(l->repo, l->repo_len, key + strlen("user.")))) {
		v = local;
		from = key;
	}
	const char *user = strcmp(key, "user.name") == 0 ? l->user_name : l->user_email;
	if ((!v || !*v) && user) {
		v = user;
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
	return out;
}

int sbx_gitid_read(sbx_gitid *id, const char *workspace, sbx_error **err)
{
	memset(id, 0, sizeof(*id));
	sbx_buf warn = SBX_BUF_INIT;
	size_t repo_len = 0;
	_cleanup_free_ char *repo = repo_config(workspace, &repo_len, &warn);
	_cleanup_free_ char *user_name = NULL;
	_cleanup_free_ char *user_email = NULL;
	int rc = user_config(&user_name, &user_email, &warn, err);
	if (rc < 0) {
		sbx_buf_release(&warn);
		return rc;
	}
	lookup l = {repo, repo_len, user_name, user_email, &warn};
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

const char *sbx_gitid_lib_version(void)
{
	static char v[32];
	if (!v[0]) {
		int major, minor, rev;
		git_libgit2_version(&major, &minor, &rev);
		snprintf(v, sizeof(v), "%d.%d.%d", major, minor, rev);
	}
	return v;
}
