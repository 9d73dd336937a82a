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

/* Bytes on one line of a record: %, control bytes and DEL as %XX. */
static void add_encoded_n(sbx_buf *b, const char *s, size_t len)
{
	for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + len;
	     p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '%')
			sbx_buf_addf(b, "%%%02X", *p);
		else
			sbx_buf_addc(b, (char)*p);
	}
}

/* A path on one line of a record. */
static void add_encoded(sbx_buf *b, const char *s)
{
	add_encoded_n(b, s, strlen(s));
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

static char *record_text(const char *workspace, const char *config, const char *bytes,
			 size_t len, const char *const *sources, size_t n)
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
	sbx_buf_adds(&b, "text ");
	add_encoded_n(&b, bytes, len);
	sbx_buf_addc(&b, '\n');
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

/*
 * A record of the store into *text (NUL-terminated) and its mtime into
 * *mtime (may be NULL): a private regular file of ours, or SBX_EPOLICY;
 * SBX_ENOTFOUND when there is none.
 */
static int read_record(char **text, struct timespec *mtime, const char *path, sbx_error **err)
{
	*text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return SBX_ENOTFOUND;
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY, "cannot read the approval %s: %s", q,
				     strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size > 4 << 20) {
		close(fd);
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY,
				     "the approval %s is not a private file of yours; remove it",
				     q);
	}
	char *t = xmalloc((size_t)st.st_size + 1);
	ssize_t got = read(fd, t, (size_t)st.st_size);
	close(fd);
	if (got < 0) {
		free(t);
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_EPOLICY, "cannot read the approval %s: %s", q,
				     strerror(errno));
	}
	t[got] = '\0';
	if (mtime)
		*mtime = st.st_mtim;
	*text = t;
	return 0;
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
	_cleanup_free_ char *text = NULL;
	if ((rc = read_record(&text, NULL, path, err)) < 0)
		return rc == SBX_ENOTFOUND ? 0 : rc;
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
	_cleanup_free_ char *text = record_text(workspace, config, bytes, len, sources, n);
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

/*
 * The store opened for reading the records of one workspace: *d is NULL when
 * there is no store yet; *want is the first line each of its records has.
 */
static int open_records(DIR **d, char **dir, char **want, const char *workspace, sbx_error **err)
{
	*d = NULL;
	*want = NULL;
	*dir = store_dir();
	int rc = check_dir(*dir, false, err);
	if (rc == SBX_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (!(*d = opendir(*dir)))
		return sbx_error_set(err, SBX_ERROR, "cannot read the trust store: %s",
				     strerror(errno));
	sbx_buf wb = SBX_BUF_INIT;
	sbx_buf_adds(&wb, "workspace ");
	add_encoded(&wb, workspace);
	sbx_buf_addc(&wb, '\n');
	*want = sbx_buf_detach(&wb);
	return 0;
}

int sbx_trust_remove(size_t *removed, const char *workspace, sbx_error **err)
{
	*removed = 0;
	DIR *d;
	_cleanup_free_ char *dir = NULL, *want = NULL;
	int rc = open_records(&d, &dir, &want, workspace, err);
	if (rc < 0 || !d)
		return rc;
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

int sbx_trust_last(char **bytes, size_t *len, const char *workspace, sbx_error **err)
{
	*bytes = NULL;
	*len = 0;
	DIR *d;
	_cleanup_free_ char *dir = NULL, *want = NULL;
	int rc = open_records(&d, &dir, &want, workspace, err);
	if (rc < 0 || !d)
		return rc;
	struct timespec best = {0, 0};
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
		_cleanup_free_ char *text = NULL;
		struct timespec mt;
		sbx_error *ignored = NULL;
		/* a record that is not ours is refused where it matters, by check */
		if (read_record(&text, &mt, path, &ignored) < 0) {
			sbx_error_free(ignored);
			continue;
		}
		if (strncmp(text, want, strlen(want)) != 0)
			continue;
		const char *t = strstr(text, "\ntext ");
		if (!t)
			continue;
		if (*bytes && (mt.tv_sec < best.tv_sec ||
			       (mt.tv_sec == best.tv_sec && mt.tv_nsec <= best.tv_nsec)))
			continue;
		t += 6;
		size_t tl = strcspn(t, "\n");
		free(*bytes);
		*bytes = decode(t, tl);
		*len = strlen(*bytes);
		best = mt;
	}
	closedir(d);
	return 0;
}

static void add_line(sbx_diff *d, char op, bool grant, int line, const char *s, size_t len)
{
	d->v = xreallocarray(d->v, d->n + 1, sizeof(sbx_diff_line));
	d->v[d->n++] = (sbx_diff_line){op, grant, line, xstrndup(s, len)};
}

static bool has_grant(const sbx_grants *g, const char *what)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (strcmp(g->v[i].what, what) == 0)
			return true;
	return false;
}

typedef struct span {
	const char *s;
	size_t len;
} span;

/* The lines of bytes (a last line without a newline counts). */
static span *split_lines(size_t *n, const char *bytes, size_t len)
{
	span *v = NULL;
	*n = 0;
	const char *p = bytes, *end = bytes + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		v = xreallocarray(v, *n + 1, sizeof(span));
		v[(*n)++] = (span){p, l};
		p += l + (nl != NULL);
	}
	return v;
}

static bool same(span a, span b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/* Past this many cells the middle is shown whole, removed then added. */
#define LCS_MAX_CELLS (1u << 22)

static void diff_lines(sbx_diff *out, const span *a, size_t na, const span *b, size_t nb)
{
	size_t head = 0, tail = 0;
	while (head < na && head < nb && same(a[head], b[head]))
		head++;
	while (tail < na - head && tail < nb - head && same(a[na - 1 - tail], b[nb - 1 - tail]))
		tail++;
	size_t n = na - head - tail, m = nb - head - tail;
	const span *x = a + head, *y = b + head;
	if (n == 0 || m == 0 || (n + 1) * (m + 1) > LCS_MAX_CELLS) {
		for (size_t i = 0; i < n; i++)
			add_line(out, '-', false, (int)(head + i + 1), x[i].s, x[i].len);
		for (size_t j = 0; j < m; j++)
			add_line(out, '+', false, (int)(head + j + 1), y[j].s, y[j].len);
		return;
	}
	/* L[i][j]: the longest common subsequence of x[i..] and y[j..] */
	unsigned *L = xcalloc((n + 1) * (m + 1), sizeof(unsigned));
#define CELL(i, j) L[(i) * (m + 1) + (j)]
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			CELL(i, j) = same(x[i], y[j]) ? CELL(i + 1, j + 1) + 1
				     : CELL(i + 1, j) >= CELL(i, j + 1) ? CELL(i + 1, j)
									 : CELL(i, j + 1);
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && same(x[i], y[j])) {
			i++, j++;
		} else if (j >= m || (i < n && CELL(i + 1, j) >= CELL(i, j + 1))) {
			add_line(out, '-', false, (int)(head + i + 1), x[i].s, x[i].len);
			i++;
		} else {
			add_line(out, '+', false, (int)(head + j + 1), y[j].s, y[j].len);
			j++;
		}
	}
#undef CELL
	free(L);
}

void sbx_trust_diff(sbx_diff *out, const sbx_grants *was, const sbx_grants *now,
		    const char *old_bytes, size_t old_len, const char *new_bytes, size_t new_len)
{
	for (size_t i = 0; was && i < was->n; i++)
		if (!has_grant(now, was->v[i].what))
			add_line(out, '-', true, was->v[i].pos.line, was->v[i].what,
				 strlen(was->v[i].what));
	for (size_t i = 0; now && i < now->n; i++)
		if (!has_grant(was, now->v[i].what))
			add_line(out, '+', true, now->v[i].pos.line, now->v[i].what,
				 strlen(now->v[i].what));
	size_t na, nb;
	span *a = split_lines(&na, old_bytes, old_len);
	span *b = split_lines(&nb, new_bytes, new_len);
	diff_lines(out, a, na, b, nb);
	free(a);
	free(b);
}

void sbx_diff_release(sbx_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
