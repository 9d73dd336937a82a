/*
 * setid-probe DIR: run inside a sandbox as root, tries every system call
 * that can put a set-id bit or a file capability on a file under DIR, and
 * prints one line per attempt: its name and "ok" or the errno's name. The
 * integration test compares the lines with what sbx's seccomp profile must
 * answer, then looks at DIR from the host. Raw syscall(2) throughout, so
 * that no libc fallback hides which call was made. Built static by the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *dir;

static void report(const char *what, long rc)
{
	const char *e = "ok";
	if (rc < 0)
		e = errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" : strerror(errno);
	printf("%s %s\n", what, e);
}

static const char *at(const char *name)
{
	static char buf[4][4096];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 64;
	dir = argv[1];
	char f[4096];
	snprintf(f, sizeof(f), "%s", at("f"));
	int fd = (int)syscall(SYS_openat, AT_FDCWD, f, O_CREAT | O_WRONLY, 0755);
	report("control-open-creat-0755", fd);
	report("control-chown-0:0", syscall(SYS_fchownat, AT_FDCWD, f, 0, 0, 0));
	report("control-chmod-0700", syscall(SYS_fchmodat, AT_FDCWD, f, 0700));
	report("control-open-rdonly-junk-mode", syscall(SYS_openat, AT_FDCWD, f, O_RDONLY, 04755));
	report("control-mkdir-0755", syscall(SYS_mkdirat, AT_FDCWD, at("d0"), 0755));

#ifdef SYS_chmod
	report("chmod-4755", syscall(SYS_chmod, f, 04755));
	report("chmod-2755", syscall(SYS_chmod, f, 02755));
#endif
	report("fchmod-4755", syscall(SYS_fchmod, fd, 04755));
	report("fchmodat-6755", syscall(SYS_fchmodat, AT_FDCWD, f, 06755));
#ifdef SYS_open
	report("open-creat-4755", syscall(SYS_open, at("o1"), O_CREAT | O_WRONLY, 04755));
#endif
	report("openat-creat-2755", syscall(SYS_openat, AT_FDCWD, at("o2"), O_CREAT | O_WRONLY, 02755));
	report("openat-tmpfile-4755", syscall(SYS_openat, AT_FDCWD, dir, O_TMPFILE | O_WRONLY, 04755));
#ifdef SYS_creat
	report("creat-4755", syscall(SYS_creat, at("o3"), 04755));
#endif
#ifdef SYS_mknod
	report("mknod-4755", syscall(SYS_mknod, at("n1"), S_IFREG | 04755, 0));
#endif
	report("mknodat-2755", syscall(SYS_mknodat, AT_FDCWD, at("n2"), S_IFREG | 02755, 0));
#ifdef SYS_mkdir
	report("mkdir-2755", syscall(SYS_mkdir, at("d1"), 02755));
#endif
	report("mkdirat-2755", syscall(SYS_mkdirat, AT_FDCWD, at("d2"), 02755));
	/* openat2(2), fchmodat2(2), clone3(2) by number: libc may not know them */
	struct {
		unsigned long long flags, mode, resolve;
	} how = {O_CREAT | O_WRONLY, 04755, 0};
	report("openat2", syscall(437, AT_FDCWD, at("o4"), &how, sizeof(how)));
	report("fchmodat2", syscall(452, AT_FDCWD, f, 04755, 0));
	report("clone3", syscall(435, NULL, 0));
	report("io_uring_setup", syscall(425, 1, NULL));
	/* a VFS_CAP_REVISION_2 record granting cap_setuid: file capabilities */
	unsigned int cap[5] = {0x02000001, 1u << 7, 0, 0, 0};
	report("setxattr-security.capability",
	       syscall(SYS_setxattr, f, "security.capability", cap, sizeof(cap), 0));
	return 0;
}
