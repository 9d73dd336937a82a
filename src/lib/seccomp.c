#include "seccomp.h"

#include "util.h"

/*
 * Why sbx ships its own profile.
 *
 * Root in the sandbox (user "0", an image whose user is root, or sudo)
 * owns what it creates in the workspace, and the owner of a file needs no
 * capability to make it set-user-id: `chown 0:0 f; chmod 4755 f` in the
 * sandbox leaves a root shell for any host user who can reach the
 * workspace. A nosuid mount inside the container does not help (the host
 * runs the file through its own mount), dropping CAP_FSETID does not help
 * (the owner's chmod keeps the bits), and Docker sets user namespaces per
 * daemon, not per container. What is left is to refuse the system calls
 * that put S_ISUID or S_ISGID on a file, whatever the path: seccomp sees
 * the mode argument of each of them and can test it with a masked
 * comparison.
 *
 * The engine takes a profile only whole (a given profile replaces its
 * default), so this one is complete: default EPERM, and an allowlist of
 * what Docker's default profile allows a container holding sbx's
 * capabilities (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
 * NET_BIND_SERVICE AUDIT_WRITE: none of the CAP_SYS_* groups), written
 * here by purpose, with these differences:
 *
 *  - chmod, fchmod, fchmodat, mknod, mknodat, mkdir, mkdirat, creat are
 *    allowed only when the mode has no set-id bit; open and openat also
 *    when the flags create nothing (no O_CREAT, no O_TMPFILE: the kernel
 *    ignores the mode then, and callers leave it unset).
 *  - openat2 (the mode is inside a struct seccomp cannot read), fchmodat2
 *    and clone3 (the flags are inside a struct) answer ENOSYS, so that
 *    libc falls back to openat, fchmodat and clone, which are checked.
 *  - no io_uring: its requests open and create files with a mode seccomp
 *    never sees (Docker's newer defaults leave it out too).
 *
 * What stays in place from the capability set: CAP_SETFCAP is dropped, so
 * setxattr of security.capability (file capabilities) fails with EPERM
 * although setxattr itself is allowed; chown of a set-id file clears the
 * bits; a hard link or rename from the image into a bind mount crosses
 * mounts and fails with EXDEV.
 *
 * The cost: a package that ships a set-id file (sudo, passwd, ssh-keysign)
 * cannot be installed inside the sandbox, since dpkg cannot give the file
 * its mode. Images should carry those already.
 *
 * The architectures are those whose open flags have the generic values
 * tested below (O_CREAT 0100, __O_TMPFILE 020000000) and whose clone takes
 * the flags first: x86-64 with its 32-bit ABIs, arm64 with arm. On others
 * the runtime still adds the native architecture, with these rules.
 */

/* The calls a normal container makes; allowed whatever their arguments. */
static const char *const allowed[] = {
    /* paths and metadata (chmod and friends are conditional, below) */
    "access", "chdir", "chown", "chown32", "faccessat", "faccessat2", "fchdir", "fchown",
    "fchown32", "fchownat", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "futimesat",
    "getcwd", "getdents", "getdents64", "lchown", "lchown32", "link", "linkat", "listmount",
    "lstat", "lstat64", "name_to_handle_at", "newfstatat", "readlink", "readlinkat", "rename",
    "renameat", "renameat2", "rmdir", "stat", "stat64", "statfs", "statfs64", "statmount",
    "statx", "symlink", "symlinkat", "truncate", "truncate64", "umask", "unlink", "unlinkat",
    "utime", "utimensat", "utimensat_time64", "utimes",
    /* extended attributes: security.capability needs CAP_SETFCAP, which sbx drops */
    "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "getxattr", "getxattrat",
    "lgetxattr", "listxattr", "listxattrat", "llistxattr", "lremovexattr", "lsetxattr",
    "removexattr", "removexattrat", "setxattr", "setxattrat",
    /* descriptors and I/O */
    "_llseek", "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64",
    "fadvise64_64", "fallocate", "fcntl", "fcntl64", "fdatasync", "flock", "fsync", "ftruncate",
    "ftruncate64", "ioctl", "lseek", "pipe", "pipe2", "pread64", "preadv", "preadv2", "pwrite64",
    "pwritev", "pwritev2", "read", "readahead", "readv", "sendfile", "sendfile64", "splice",
    "sync", "sync_file_range", "syncfs", "tee", "vmsplice", "write", "writev",
    /* waiting for events */
    "_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "fanotify_mark",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "poll", "ppoll",
    "ppoll_time64", "pselect6", "pselect6_time64", "select", "signalfd", "signalfd4",
    "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64",
    /* asynchronous I/O (the old interface: its calls pass no mode) */
    "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
    "io_setup", "io_submit", "ioprio_get", "ioprio_set",
    /* memory */
    "brk", "cachestat", "madvise", "map_shadow_stack", "membarrier", "memfd_create",
    "memfd_secret", "mincore", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
    "mremap", "mseal", "msync", "munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "remap_file_pages",
    /* processes and threads (clone is conditional, below) */
    "capget", "capset", "execve", "execveat", "exit", "exit_group", "fork", "futex",
    "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "get_robust_list",
    "get_thread_area", "getcpu", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getrlimit", "getrusage", "getsid", "gettid", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "pidfd_open", "pidfd_send_signal",
    "prctl", "prlimit64", "process_mrelease", "restart_syscall", "riscv_hwprobe", "rseq",
    "seccomp", "set_robust_list", "set_thread_area", "set_tid_address", "setpgid",
    "setpriority", "setrlimit", "setsid", "sysinfo", "times", "ugetrlimit", "uname", "uretprobe",
    "vfork", "wait4", "waitid", "waitpid",
    /* signals and timers */
    "alarm", "getitimer", "kill", "pause", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
    "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "setitimer", "sigaltstack", "sigprocmask",
    "sigreturn", "tgkill", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_gettime64", "timer_settime", "timer_settime64", "tkill",
    /* scheduling */
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield",
    /* clocks (setting one needs CAP_SYS_TIME, which sbx does not keep) */
    "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
    "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
    "gettimeofday", "nanosleep", "time",
    /* identity: sudo, su and apt's _apt user switch users */
    "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
    "getgroups32", "getresgid", "getresgid32", "getresuid", "getresuid32", "getuid", "getuid32",
    "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32",
    /* System V and POSIX IPC, private to the container's IPC namespace */
    "ipc", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl", "msgget", "msgrcv", "msgsnd",
    "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl", "shmdt",
    "shmget",
    /* sockets (socket itself is conditional, below) */
    "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen",
    "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg",
    "sendto", "setsockopt", "shutdown", "socketcall", "socketpair", NULL,
};

/* Flags that make open/openat use their mode: O_CREAT and __O_TMPFILE. */
#define CREATE_FLAGS (0100 | 020000000)

/* A NULL-terminated list of names, and an argument test, as static data. */
#define NAMES(...)			 ((const char *const[]){__VA_ARGS__, NULL})
#define ARG(index, value, value_two, op) (&(const sbx_seccomp_arg){index, value, value_two, op})
/* Allow name only when argument index, masked with SBX_SECCOMP_SETID_MASK, is 0. */
#define ALLOW_NO_SETID(name, index)                                                                \
	{                                                                                          \
		.names = NAMES(name), .action = SBX_SECCOMP_ALLOW,                                 \
		.arg = ARG(index, SBX_SECCOMP_SETID_MASK, 0, SBX_SECCOMP_MASKED_EQ)                \
	}
/* Allow name only when argument 0 compares with value by op. */
#define ALLOW_IF(name, value, op)                                                                  \
	{                                                                                          \
		.names = NAMES(name), .action = SBX_SECCOMP_ALLOW, .arg = ARG(0, value, 0, op)     \
	}

static const sbx_seccomp_rule rules[] = {
    {.names = allowed, .action = SBX_SECCOMP_ALLOW},

    /* No set-id bit through a mode, at creation or after (see the comment on top). */
    ALLOW_NO_SETID("chmod", 1),
    ALLOW_NO_SETID("fchmod", 1),
    ALLOW_NO_SETID("fchmodat", 2),
    ALLOW_NO_SETID("creat", 1),
    ALLOW_NO_SETID("open", 2),
    {.names = NAMES("open"),
     .action = SBX_SECCOMP_ALLOW,
     .arg = ARG(1, CREATE_FLAGS, 0, SBX_SECCOMP_MASKED_EQ)},
    ALLOW_NO_SETID("openat", 3),
    {.names = NAMES("openat"),
     .action = SBX_SECCOMP_ALLOW,
     .arg = ARG(2, CREATE_FLAGS, 0, SBX_SECCOMP_MASKED_EQ)},
    ALLOW_NO_SETID("mknod", 1),
    ALLOW_NO_SETID("mknodat", 2),
    ALLOW_NO_SETID("mkdir", 1),
    ALLOW_NO_SETID("mkdirat", 2),
    {.names = NAMES("openat2", "fchmodat2", "clone3"),
     .action = SBX_SECCOMP_ERRNO,
     .errno_ret = 38 /* ENOSYS */},

    /*
     * clone without namespace flags (CLONE_NEWNS, NEWCGROUP, NEWUTS,
     * NEWIPC, NEWUSER, NEWPID, NEWNET): new namespaces need CAP_SYS_ADMIN,
     * and a user namespace would give root's capabilities back.
     */
    ALLOW_IF("clone", 0x7E020000, SBX_SECCOMP_MASKED_EQ),
    /* No AF_ALG (38), no AF_VSOCK (40): kernel surfaces a container does not need. */
    ALLOW_IF("socket", 38, SBX_SECCOMP_LT),
    ALLOW_IF("socket", 39, SBX_SECCOMP_EQ),
    ALLOW_IF("socket", 40, SBX_SECCOMP_GT),
    /*
     * personality: only the ordinary execution domains (PER_LINUX,
     * PER_LINUX32, with UNAME26, and the query 0xffffffff); the others
     * turn off address randomisation and such.
     */
    ALLOW_IF("personality", 0x0, SBX_SECCOMP_EQ),
    ALLOW_IF("personality", 0x8, SBX_SECCOMP_EQ),
    ALLOW_IF("personality", 0x20000, SBX_SECCOMP_EQ),
    ALLOW_IF("personality", 0x20008, SBX_SECCOMP_EQ),
    ALLOW_IF("personality", 0xffffffff, SBX_SECCOMP_EQ),
    /*
     * Debuggers (gdb, strace): since Linux 4.8 seccomp checks a call again
     * after a tracer changed it, so ptrace cannot lift this profile.
     */
    {.names = NAMES("ptrace", "process_vm_readv", "process_vm_writev"),
     .action = SBX_SECCOMP_ALLOW,
     .min_kernel = "4.8"},
    /* Per-architecture calls that threads and old runtimes need. */
    {.names = NAMES("arch_prctl", "modify_ldt"),
     .action = SBX_SECCOMP_ALLOW,
     .arches = NAMES("amd64", "x32", "x86")},
    {.names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
		    "cacheflush", "set_tls"),
     .action = SBX_SECCOMP_ALLOW,
     .arches = NAMES("arm", "arm64")},
};

static const sbx_seccomp_arch arches[] = {
    {"SCMP_ARCH_X86_64", NAMES("SCMP_ARCH_X86", "SCMP_ARCH_X32")},
    {"SCMP_ARCH_AARCH64", NAMES("SCMP_ARCH_ARM")},
};

static const sbx_seccomp_profile policy = {
    .default_action = SBX_SECCOMP_ERRNO,
    .default_errno = 1, /* EPERM */
    .arches = arches,
    .arches_len = SBX_ARRAY_SIZE(arches),
    .rules = rules,
    .rules_len = SBX_ARRAY_SIZE(rules),
};

const sbx_seccomp_profile *sbx_seccomp_policy(void)
{
	return &policy;
}
