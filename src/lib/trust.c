#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"

static void add_grant(sbx_grants *g, sbx_pos pos, char *what)
{
	g->v = xreallocarray(g->v, g->n + 1, sizeof(sbx_grant));
	g->v[g->n++] = (sbx_grant){pos, what};
}

void sbx_trust_grants(sbx_grants *out, const sbx_spec *spec, const char *const *sources)
{
	sbx_grants_release(out);
	if (spec->docker_socket)
		add_grant(out, spec->pos[SBX_FIELD_DOCKER_SOCKET],
			  xstrdup("docker_socket: true (the engine's socket: root on the host)"));
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *src = sbx_quotes(spec->mounts[i].source);
		_cleanup_free_ char *dst = spec->mounts[i].target
					       ? sbx_quotes(spec->mounts[i].target)
					       : xstrdup("the same path");
		_cleanup_free_ char *real = NULL;
		if (sources && sources[i] && strcmp(sources[i], spec->mounts[i].source) != 0) {
			_cleanup_free_ char *q = sbx_quotes(sources[i]);
			real = xasprintf(" (%s)", q);
		}
		add_grant(out, spec->mounts[i].pos,
			  xasprintf("mount of the host's %s%s at %s (%s)", src, real ? real : "",
				    dst, spec->mounts[i].readonly ? "read-only" : "read-write"));
	}
	for (size_t i = 0; i < spec->pass_env_len; i++)
		add_grant(
		    out, spec->pass_env[i].pos,
		    xasprintf("pass_env %s (your value of it, copied in)", spec->pass_env[i].name));
}

void sbx_grants_release(sbx_grants *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].what);
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

static char *store_dir(void)
{
	_cleanup_free_ char *base = sbx_xdg_dir("XDG_DATA_HOME", ".local/share", NULL);
	return xasprintf("%s/trust", base);
}

/* The store and its parent must be ours and closed to others. */
static int check_dir(const char *dir, bool create, sbx_error **err)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	const char *dirs[] = {parent, dir};
	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		if (lstat(dirs[i], &st) < 0) {
			if (errno != ENOENT || !create)
				return errno == ENOENT
					   ? SBX_ENOTFOUND
					   : sbx_error_set(err, SBX_ERROR, "cannot use %s: %s",
							   dirs[i], strerror(errno));
			/* mkdir -p of what leads to it, the last two levels 0700 */
			_cleanup_free_ char *p = xstrdup(dirs[i]);
			for (char *s = p + 1; *s; s++) {
				if (*s != '/')
					continue;
				*s = '\0';
				mkdir(p, 0755);
				*s = '/';
			}
			if (mkdir(dirs[i], 0700) < 0 && errno != EEXIST)
				return sbx_error_set(err, SBX_ERROR, "cannot create %s: %s",
						     dirs[i], strerror(errno));
			if (lstat(dirs[i], &st) < 0)
				return sbx_error_set(err, SBX_ERROR, "cannot use %s: %s", dirs[i],
						     strerror(errno));
		}
		_cleanup_free_ char *q = sbx_quotes(dirs[i]);
		if (!S_ISDIR(st.st_mode))
			return sbx_error_set(err, SBX_EPOLICY,
					     "the trust store %s is not a directory", q);
		if (st.st_uid != geteuid())
			return sbx_error_set(err, SBX_EPOLICY,
					     "the trust store %s belongs to another user", q);
		if (st.st_mode & 022)
			return sbx_error_set(
			    err, SBX_EPOLICY,
			    "the trust store %s is writable by others; fix it: chmod "
			    "700 %s",
			    q, q);
	}
	return 0;
}

static char *key_of(const char *workspace, const char *bytes, size_t len)
{
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b, workspace);
	sbx_buf_addc(&b, '\0');
	sbx_buf_add(&b, bytes, len);
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, b.data, b.len);
	sbx_buf_release(&b);
	return xstrdup(hex);
}

/* A path on one line of a record: %, control bytes and DEL as %XX. */
static void add_encoded(sbx_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '%')
			sbx_buf_addf(b, "%%%02X", *p);
		else
			sbx_buf_addc(b, (char)*p);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *decode(const char *s, size_t len)
{
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			sbx_buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			sbx_buf_addc(&b, s[i]);
		}
	}
	return sbx_buf_detach(&b);
}

static char *record_text(const char *workspace, const char *config, const char *const *sources,
			 size_t n)
{
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b, "workspace ");
	add_encoded(&b, workspace);
	sbx_buf_adds(&b, "\nconfig ");
	add_encoded(&b, config);
	sbx_buf_addc(&b, '\n');
	for (size_t i = 0; i < n; i++) {
		sbx_buf_adds(&b, "mount ");
		add_encoded(&b, sources[i]);
		sbx_buf_addc(&b, '\n');
	}
	return sbx_buf_detach(&b);
}

/* The record's "mount" lines against sources: trusted, or the first that differs. */
static void compare_mounts(sbx_trust_verdict *v, const char *text, const char *const *sources,
			   size_t n)
{
	size_t i = 0;
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, "mount ", 6) == 0) {
			_cleanup_free_ char *was = decode(line + 6, len - 6);
			if (i >= n || strcmp(was, sources[i]) != 0) {
				v->moved = i;
				v->was = i < n ? xstrdup(was) : NULL;
				return;
			}
			i++;
		}
		line += len + (end != NULL);
	}
	if (i != n) {
		/* Fewer mounts recorded than the file has: an approval made before they were. */
		v->moved = i;
		return;
	}
	v->trusted = true;
}

int sbx_trust_check(sbx_trust_verdict *v, const char *workspace, const char *bytes, size_t len,
		    const char *const *sources, size_t n, sbx_error **err)
{
	memset(v, 0, sizeof(*v));
	_cleanup_free_ char *dir = store_dir();
	int rc = check_dir(dir, false, err);
	if (rc == SBX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	_cleanup_free_ char *key = key_of(workspace, bytes, len);
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, key);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY, "cannot read the approval %s: %s", q,
				     strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size > 1 << 20) {
		close(fd);
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY,
				     "the approval %s is not a private file of yours; remove it",
				     q);
	}
	_cleanup_free_ char *text = xmalloc((size_t)st.st_size + 1);
	ssize_t got = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (got < 0) {
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY, "cannot read the approval %s: %s", q,
				     strerror(errno));
	}
	text[got] = '\0';
	v->approved_bytes = true;
	compare_mounts(v, text, sources, n);
	return 0;
}

int sbx_trust_record(const char *workspace, const char *config, const char *bytes, size_t len,
		     const char *const *sources, size_t n, sbx_error **err)
{
	_cleanup_free_ char *dir = store_dir();
	int rc = check_dir(dir, true, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *key = key_of(workspace, bytes, len);
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, key);
	_cleanup_free_ char *tmp = xasprintf("%s/.%s.%ld", dir, key, (long)getpid());
	_cleanup_free_ char *text = record_text(workspace, config, sources, n);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sbx_error_set(err, SBX_ERROR, "cannot write the approval: %s",
				     strerror(errno));
	size_t tn = strlen(text);
	bool ok = write(fd, text, tn) == (ssize_t)tn && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_error_set(err, SBX_ERROR, "cannot write the approval: %s", strerror(e));
	}
	return 0;
}

int sbx_trust_remove(size_t *removed, const char *workspace, sbx_error **err)
{
	*removed = 0;
	_cleanup_free_ char *dir = store_dir();
	int rc = check_dir(dir, false, err);
	if (rc == SBX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	DIR *d = opendir(dir);
	if (!d)
		return sbx_error_set(err, SBX_ERROR, "cannot read the trust store: %s",
				     strerror(errno));
	sbx_buf wb = SBX_BUF_INIT;
	sbx_buf_adds(&wb, "workspace ");
	add_encoded(&wb, workspace);
	sbx_buf_addc(&wb, '\n');
	_cleanup_free_ char *want = sbx_buf_detach(&wb);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
		char buf[8192];
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strncmp(buf, want, strlen(want)) == 0 && unlink(path) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}
