/*
 * seccomp: sbx's own seccomp policy, as plain data: which system calls a
 * sandbox may make, and with which arguments. A profile given to an engine
 * replaces its default, so this one is complete: an allowlist of what a
 * container with sbx's capability set needs, plus the rules that keep
 * set-id bits off every file the sandbox writes (see seccomp.c for why
 * each rule is there). Calls, actions and architectures carry libseccomp's
 * names, as the OCI runtime spec and the engines do; a backend renders the
 * policy in its engine's format (the docker backend's JSON:
 * sbx_docker_seccomp_json in docker.h).
 */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The set-id bits (S_ISUID | S_ISGID) that no mode argument may carry.
 * A call whose mode has any of them fails with EPERM.
 */
#define SBX_SECCOMP_SETID_MASK 06000

/* What the filter does with a call. */
typedef enum {
	SBX_SECCOMP_ALLOW, /* SCMP_ACT_ALLOW */
	SBX_SECCOMP_ERRNO, /* SCMP_ACT_ERRNO: the call fails with the rule's errno */
} sbx_seccomp_action;

/* How an argument is compared with a rule's values. */
typedef enum {
	SBX_SECCOMP_EQ,	       /* SCMP_CMP_EQ: arg == value */
	SBX_SECCOMP_LT,	       /* SCMP_CMP_LT: arg < value */
	SBX_SECCOMP_GT,	       /* SCMP_CMP_GT: arg > value */
	SBX_SECCOMP_MASKED_EQ, /* SCMP_CMP_MASKED_EQ: (arg & value) == value_two */
} sbx_seccomp_op;

/* A test of one argument of the call (index counts from 0). */
typedef struct sbx_seccomp_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	sbx_seccomp_op op;
} sbx_seccomp_arg;

/* One rule: the calls it names, what it does with them, and when it applies. */
typedef struct sbx_seccomp_rule {
	const char *const *names; /* NULL-terminated */
	sbx_seccomp_action action;
	int errno_ret;		    /* with SBX_SECCOMP_ERRNO: the errno; 0 otherwise */
	const sbx_seccomp_arg *arg; /* NULL: whatever the arguments */
	const char *min_kernel;	    /* NULL, or the oldest kernel it applies on ("4.8") */
	const char *const *arches;  /* NULL, or the only architectures it applies on, as the
				       engines name them ("amd64", "arm64"; NULL-terminated) */
} sbx_seccomp_rule;

/* An architecture the filter admits, with the ABIs that go with it. */
typedef struct sbx_seccomp_arch {
	const char *arch;	 /* "SCMP_ARCH_X86_64" */
	const char *const *subs; /* NULL-terminated: "SCMP_ARCH_X86", "SCMP_ARCH_X32" */
} sbx_seccomp_arch;

/* A whole profile: a call no rule names gets the default action. */
typedef struct sbx_seccomp_profile {
	sbx_seccomp_action default_action;
	int default_errno;
	const sbx_seccomp_arch *arches;
	size_t arches_len;
	const sbx_seccomp_rule *rules; /* in the order the engine gets them */
	size_t rules_len;
} sbx_seccomp_profile;

/*
 * sbx_seccomp_policy: sbx's profile, static data (the same on every call;
 * its rendering's digest is pinned by a unit test together with
 * SBX_SECURITY_PROFILE, so a changed policy changes the version).
 */
const sbx_seccomp_profile *sbx_seccomp_policy(void);

#endif
