#include "lock.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "interrupt.h"
#include "util.h"

static int mkdirs(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The per-user lock file, where a directory cannot be flocked. */
static int open_fallback(const char *workspace, sbx_error **err)
{
	_cleanup_free_ char *base = sbx_xdg_dir("XDG_STATE_HOME", ".local/state", NULL);
	_cleanup_free_ char *dir = xasprintf("%s/locks", base);
	if (mkdirs(dir, 0700) < 0) {
		_cleanup_free_ char *q = sbx_quotes(dir);
		return sbx_error_set(err, SBX_ERROR, "cannot create %s: %s", q, strerror(errno));
	}
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, workspace, strlen(workspace));
	_cleanup_free_ char *path = xasprintf("%s/%.16s.lock", dir, hex);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot open the lock %s: %s", q,
				     strerror(errno));
	}
	return fd;
}

/* A file of /proc, at most max bytes; NULL when unreadable. */
static char *read_proc(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	char *buf = xmalloc(max + 1);
	size_t n = 0;
	ssize_t r;
	while (n < max && (r = read(fd, buf + n, max - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The pid of the process /proc/locks names as holding an flock on st's inode; 0: none seen. */
static long holder_pid(const struct stat *st)
{
	size_t len;
	_cleanup_free_ char *locks = read_proc("/proc/locks", 1 << 20, &len);
	if (!locks)
		return 0;
	for (char *l = locks, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2d:5678 0 EOF"; waiters have "->" */
		char kind[16], mode[16], rw[16];
		long pid;
		unsigned maj, min;
		unsigned long long ino;
		if (strstr(l, "->") ||
		    sscanf(l, "%*d: %15s %15s %15s %ld %x:%x:%llu", kind, mode, rw, &pid, &maj, &min,
			   &ino) != 7)
			continue;
		if (strcmp(kind, "FLOCK") == 0 && ino == (unsigned long long)st->st_ino &&
		    maj == major(st->st_dev) && min == minor(st->st_dev) && pid > 0)
			return pid;
	}
	return 0;
}

char *sbx_lock_holder(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	long pid = holder_pid(&st);
	if (!pid)
		return NULL;
	sbx_buf out = SBX_BUF_INIT;
	sbx_buf_addf(&out, "pid %ld", pid);
	_cleanup_free_ char *dir = xasprintf("/proc/%ld", pid);
	struct stat ps;
	if (stat(dir, &ps) < 0)
		return sbx_buf_detach(&out);
	/* The command line is the holder's to write: shown quoted, never trusted. */
	_cleanup_free_ char *cpath = xasprintf("%s/cmdline", dir);
	size_t len = 0;
	_cleanup_free_ char *cmd = read_proc(cpath, 200, &len);
	while (len && cmd[len - 1] == '\0')
		len--;
	for (size_t i = 0; cmd && i < len; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	struct passwd *pw = getpwuid(ps.st_uid);
	_cleanup_free_ char *user = pw ? sbx_quotes(pw->pw_name) : xasprintf("%u", ps.st_uid);
	sbx_buf_addf(&out, " (user %s", user);
	if (cmd && len) {
		_cleanup_free_ char *q = sbx_quote(cmd, len);
		sbx_buf_addf(&out, ": %s", q);
	}
	/* Its start: field 22 of /proc/PID/stat, in ticks after the boot (btime in /proc/stat). */
	_cleanup_free_ char *spath = xasprintf("%s/stat", dir);
	_cleanup_free_ char *pstat = read_proc(spath, 4096, &len);
	_cleanup_free_ char *sys = read_proc("/proc/stat", 1 << 16, &len);
	char *rp = pstat ? strrchr(pstat, ')') : NULL;
	char *bt = sys ? strstr(sys, "\nbtime ") : NULL;
	unsigned long long ticks = 0, btime = 0;
	if (rp && bt &&
	    sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			   "%*d %*d %llu",
		   &ticks) == 1 &&
	    sscanf(bt, "\nbtime %llu", &btime) == 1) {
		long hz = sysconf(_SC_CLK_TCK);
		time_t t = (time_t)(btime + ticks / (unsigned long long)(hz > 0 ? hz : 100));
		struct tm tm;
		char when[32];
		if (localtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			sbx_buf_addf(&out, ", since %s", when);
	}
	sbx_buf_adds(&out, ")");
	return sbx_buf_detach(&out);
}

static int lock_timeout(int *secs, sbx_error **err)
{
	const char *v = getenv("SBX_LOCK_TIMEOUT");
	*secs = SBX_LOCK_TIMEOUT_DEFAULT;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	/* digits only: strtol would also take leading blanks and a sign */
	if (!isdigit((unsigned char)v[0]) || errno || *end || n < 0 || n > 86400) {
		_cleanup_free_ char *q = sbx_quotes(v);
		return sbx_error_set(err, SBX_EUSAGE,
				     "SBX_LOCK_TIMEOUT=%s: not a number of seconds from 0 to 86400",
				     q);
	}
	*secs = (int)n;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sbx_lock_workspace(const char *path, sbx_lock_note note, void *arg, sbx_error **err)
{
	int timeout, rc;
	if ((rc = lock_timeout(&timeout, err)) < 0)
		return rc;
	/*
	 * The directory itself: O_RDONLY is all flock needs (an exclusive
	 * flock, unlike an fcntl lock, asks for no write access), so root and
	 * every user who can read the workspace take the same lock.
	 * O_NOFOLLOW: the path is canonical, a link there now is a swap.
	 */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot open the workspace %s to lock it: %s",
				     q, strerror(errno));
	}
	bool told = false;
	long long deadline = now_ms() + (long long)timeout * 1000;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		int e = errno;
		if (e == EINTR)
			continue;
		if (e != EWOULDBLOCK) {
			close(fd);
			if (e != EBADF && e != ENOLCK && e != EOPNOTSUPP && e != EINVAL) {
				return sbx_error_set(err, SBX_ERROR,
						     "cannot lock the workspace: %s", strerror(e));
			}
			/* A file system that cannot flock a directory (NFS): the per-user file. */
			if ((fd = open_fallback(path, err)) < 0)
				return fd;
			while (flock(fd, LOCK_EX) < 0) {
				if (errno != EINTR || (rc = sbx_interrupt_check(err)) < 0) {
					int e2 = errno;
					close(fd);
					return rc < 0 ? rc
						      : sbx_error_set(err, SBX_ERROR,
								      "cannot lock the workspace: %s",
								      strerror(e2));
				}
			}
			return fd;
		}
		if ((rc = sbx_interrupt_check(err)) < 0) {
			close(fd);
			sbx_error_wrap(err, "waiting for the workspace's lock");
			return rc;
		}
		if (now_ms() >= deadline) {
			_cleanup_free_ char *who = sbx_lock_holder(fd);
			close(fd);
			return sbx_error_set(err, SBX_ECONFLICT,
					     "the workspace's lock is still held by %s after %d "
					     "seconds (SBX_LOCK_TIMEOUT)",
					     who ? who : "another process", timeout);
		}
		if (!told) {
			told = true;
			_cleanup_free_ char *who = sbx_lock_holder(fd);
			if (note) {
				_cleanup_free_ char *line = xasprintf(
				    "waiting for the workspace's lock, held by %s; giving up after "
				    "%d seconds (SBX_LOCK_TIMEOUT)",
				    who ? who : "another process", timeout);
				note(line, arg);
			}
		}
		struct timespec pause = {0, 100 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
}
