#include "seckey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Ours, a directory or a regular file as wanted, and closed to others (mask). */
static int check(const struct stat *st, bool dir, mode_t mask, const char *path, sbx_error **err)
{
	_cleanup_free_ char *q = sbx_quotes(path);
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return sbx_error_set(err, SBX_EPOLICY, "sbx's digest key: %s is not a %s", q,
				     dir ? "directory" : "regular file");
	if (st->st_uid != geteuid())
		return sbx_error_set(err, SBX_EPOLICY, "sbx's digest key: %s belongs to another user",
				     q);
	if (st->st_mode & mask)
		return sbx_error_set(err, SBX_EPOLICY,
				     "sbx's digest key: %s is open to other users; fix it: chmod %s %s",
				     q, dir ? "700" : "600", q);
	return 0;
}

static int read_key(unsigned char *key, int fd, const char *path, sbx_error **err)
{
	struct stat st;
	int rc;
	if (fstat(fd, &st) < 0)
		return sbx_error_set(err, SBX_ERROR, "cannot stat %s: %s", path, strerror(errno));
	if ((rc = check(&st, false, 077, path, err)) < 0)
		return rc;
	ssize_t n = read(fd, key, SBX_SECKEY_LEN);
	if (n != SBX_SECKEY_LEN || st.st_size != SBX_SECKEY_LEN) {
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR,
				     "sbx's digest key %s is damaged (not %d bytes); remove it",
				     q, SBX_SECKEY_LEN);
	}
	return 0;
}

int sbx_seckey_load(unsigned char key[SBX_SECKEY_LEN], const char *dir, sbx_error **err)
{
	_cleanup_free_ char *own = dir ? NULL : sbx_xdg_dir("XDG_DATA_HOME", ".local/share", NULL);
	if (!dir)
		dir = own;
	/* mkdir -p: the levels above as usual, sbx's own 0700. */
	_cleanup_free_ char *p = xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sbx_error_set(err, SBX_ERROR, "cannot create %s: %s", dir, strerror(errno));
	struct stat st;
	int rc;
	if (lstat(dir, &st) < 0)
		return sbx_error_set(err, SBX_ERROR, "cannot use %s: %s", dir, strerror(errno));
	if ((rc = check(&st, true, 022, dir, err)) < 0)
		return rc;
	_cleanup_free_ char *path = xasprintf("%s/digest-key", dir);
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd >= 0) {
			rc = read_key(key, fd, path, err);
			close(fd);
			return rc;
		}
		if (errno != ENOENT) {
			_cleanup_free_ char *q = sbx_quotes(path);
			return sbx_error_set(err, errno == ELOOP ? SBX_EPOLICY : SBX_ERROR,
					     "cannot open sbx's digest key %s: %s", q,
					     strerror(errno));
		}
		/* First use: a new key in a temp file, linked in place (never over another's). */
		unsigned char fresh[SBX_SECKEY_LEN];
		if (RAND_bytes(fresh, sizeof(fresh)) != 1)
			return sbx_error_set(err, SBX_ERROR, "no random bytes for the digest key");
		_cleanup_free_ char *tmp = xasprintf("%s/.digest-key.XXXXXX", dir);
		int t = mkstemp(tmp);
		if (t < 0)
			return sbx_error_set(err, SBX_ERROR, "cannot create %s: %s", tmp,
					     strerror(errno));
		bool ok = fchmod(t, 0600) == 0 && write(t, fresh, sizeof(fresh)) == sizeof(fresh) &&
			  fsync(t) == 0;
		close(t);
		int linked = ok ? link(tmp, path) : -1;
		int e = errno;
		unlink(tmp);
		if (!ok || (linked < 0 && e != EEXIST))
			return sbx_error_set(err, SBX_ERROR, "cannot write %s: %s", path,
					     strerror(ok ? e : errno));
		/* Linked, or another sbx was first: read what is there now. */
	}
	return sbx_error_set(err, SBX_ERROR, "cannot make sbx's digest key %s", path);
}
