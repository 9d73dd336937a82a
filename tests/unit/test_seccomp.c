/*
 * Unit tests of seccomp: the content of sbx's own profile, rendered by the
 * docker backend and read back as the engine reads it (JSON), rule by rule,
 * and the rendering of each kind of rule. The kernel's answers are the
 * integration test's; these pin what sbx sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "lib/docker.h"
#include "lib/hash.h"
#include "lib/seccomp.h"
#include "lib/spec.h"

/* sbx's profile as the engine gets it. */
static char *rendered(void)
{
	return sbx_docker_seccomp_json(sbx_seccomp_policy());
}

static json_object *profile(void)
{
	char *s = rendered();
	json_object *p = json_tokener_parse(s);
	free(s);
	assert_non_null(p);
	return p;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static bool has_name(json_object *rule, const char *name)
{
	json_object *names;
	assert_true(json_object_object_get_ex(rule, "names", &names));
	for (size_t i = 0; i < json_object_array_length(names); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0)
			return true;
	return false;
}

static size_t nargs(json_object *rule)
{
	json_object *args;
	if (!json_object_object_get_ex(rule, "args", &args))
		return 0;
	return json_object_array_length(args);
}

static json_object *rules(json_object *p)
{
	json_object *r;
	assert_true(json_object_object_get_ex(p, "syscalls", &r));
	return r;
}

/* The rules that name a call; out receives up to 8 of them. */
static size_t rules_for(json_object *out[8], json_object *p, const char *name)
{
	json_object *r = rules(p);
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(r); i++) {
		json_object *rule = json_object_array_get_idx(r, i);
		if (has_name(rule, name) && n < 8)
			out[n++] = rule;
	}
	return n;
}

static void test_default_refuses(void **state)
{
	(void)state;
	json_object *p = profile();
	assert_string_equal(str(p, "defaultAction"), "SCMP_ACT_ERRNO");
	json_object *v;
	assert_true(json_object_object_get_ex(p, "defaultErrnoRet", &v));
	assert_int_equal(json_object_get_int(v), 1); /* EPERM */
	json_object_put(p);
}

/*
 * Every call that takes a file mode is allowed only by rules that test
 * that mode with SBX_SECCOMP_SETID_MASK (or, for open/openat, test that
 * the flags create nothing): never unconditionally.
 */
static void test_mode_calls_are_masked(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int mode_index;
		int flags_index;
	} calls[] = {
	    {"chmod", 1, -1},	{"fchmod", 1, -1},  {"fchmodat", 2, -1}, {"creat", 1, -1},
	    {"open", 2, 1},	{"openat", 3, 2},   {"mknod", 1, -1},	 {"mknodat", 2, -1},
	    {"mkdir", 1, -1},	{"mkdirat", 2, -1},
	};
	json_object *p = profile();
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		json_object *found[8];
		size_t n = rules_for(found, p, calls[i].name);
		size_t expect = calls[i].flags_index >= 0 ? 2 : 1;
		if (n != expect)
			fail_msg("%s: %zu rules, expected %zu", calls[i].name, n, expect);
		for (size_t k = 0; k < n; k++) {
			assert_string_equal(str(found[k], "action"), "SCMP_ACT_ALLOW");
			assert_int_equal(nargs(found[k]), 1);
			json_object *args, *a, *v;
			json_object_object_get_ex(found[k], "args", &args);
			a = json_object_array_get_idx(args, 0);
			assert_string_equal(str(a, "op"), "SCMP_CMP_MASKED_EQ");
			assert_true(json_object_object_get_ex(a, "index", &v));
			int index = json_object_get_int(v);
			assert_true(json_object_object_get_ex(a, "value", &v));
			uint64_t mask = json_object_get_uint64(v);
			assert_true(json_object_object_get_ex(a, "valueTwo", &v));
			assert_int_equal(json_object_get_uint64(v), 0);
			if (index == calls[i].mode_index) {
				assert_int_equal(mask, 06000);
			} else {
				assert_int_equal(index, calls[i].flags_index);
				assert_int_equal(mask, 0100 | 020000000); /* O_CREAT, __O_TMPFILE */
			}
		}
	}
	json_object_put(p);
}

/* Calls whose mode or flags seccomp cannot read answer ENOSYS, so libc falls back. */
static void test_fallbacks_and_refusals(void **state)
{
	(void)state;
	json_object *p = profile();
	const char *enosys[] = {"openat2", "fchmodat2", "clone3"};
	for (size_t i = 0; i < 3; i++) {
		json_object *found[8], *v;
		assert_int_equal(rules_for(found, p, enosys[i]), 1);
		assert_string_equal(str(found[0], "action"), "SCMP_ACT_ERRNO");
		assert_true(json_object_object_get_ex(found[0], "errnoRet", &v));
		assert_int_equal(json_object_get_int(v), 38);
		assert_int_equal(nargs(found[0]), 0);
	}
	/* never named: refused by the default (io_uring creates files with a mode unseen) */
	const char *absent[] = {"io_uring_setup", "io_uring_enter", "io_uring_register", "mount",
				"unshare", "setns", "bpf", "open_by_handle_at", "keyctl",
				"add_key", "chroot", "userfaultfd", "perf_event_open"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		json_object *found[8];
		if (rules_for(found, p, absent[i]) != 0)
			fail_msg("%s is named in the profile", absent[i]);
	}
	/* what sudo, apt and a shell need is there, whatever the arguments */
	const char *needed[] = {"setresuid", "setgroups", "execve", "fchownat", "setxattr",
				"renameat2", "wait4", "socketpair", "statx", "getdents64"};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		json_object *found[8];
		if (rules_for(found, p, needed[i]) != 1 || nargs(found[0]) != 0 ||
		    strcmp(str(found[0], "action"), "SCMP_ACT_ALLOW") != 0)
			fail_msg("%s is not allowed unconditionally", needed[i]);
	}
	/* clone only without namespace flags */
	json_object *found[8], *args, *v;
	assert_int_equal(rules_for(found, p, "clone"), 1);
	json_object_object_get_ex(found[0], "args", &args);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(args, 0), "value", &v));
	assert_int_equal(json_object_get_uint64(v), 0x7E020000);
	json_object_put(p);
}

/*
 * The profile is part of SBX_SECURITY_PROFILE: a change to its bytes
 * without a new version would leave sandboxes made under the old one in
 * place. Pin both together; change them together. (The digest is that of
 * the profile as seccomp.c built it with json-c, before the policy became
 * data and its JSON the docker backend's: the split changed no byte.
 * hardened-3 changed no byte of it either: it took the host's pass_env
 * values out of the container, spec.h.)
 */
static void test_version_pins_profile(void **state)
{
	(void)state;
	char *s = rendered();
	char *again = rendered();
	assert_string_equal(s, again);
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, s, strlen(s));
	assert_string_equal(SBX_SECURITY_PROFILE, "hardened-3");
	assert_string_equal(hex, "be1d182eb7f16aad321f9b317112220ff19235154e8e27136e91b0f2f215d352");
	free(s);
	free(again);
}

/*
 * The docker backend's spelling of each kind of rule, on a small policy of
 * the test's own: Docker 20.10 reads a masked comparison as mask in
 * "value", datum in "valueTwo"; errnoRet only with an errno; includes only
 * with a kernel or architectures.
 */
static void test_docker_rendering(void **state)
{
	(void)state;
	static const sbx_seccomp_arg masked = {2, 06000, 0, SBX_SECCOMP_MASKED_EQ};
	static const sbx_seccomp_arg gt = {0, 40, 0, SBX_SECCOMP_GT};
	const sbx_seccomp_rule rules[] = {
	    {.names = (const char *const[]){"read", "write", NULL}, .action = SBX_SECCOMP_ALLOW},
	    {.names = (const char *const[]){"fchmodat", NULL},
	     .action = SBX_SECCOMP_ALLOW,
	     .arg = &masked},
	    {.names = (const char *const[]){"socket", NULL},
	     .action = SBX_SECCOMP_ALLOW,
	     .arg = &gt},
	    {.names = (const char *const[]){"clone3", NULL},
	     .action = SBX_SECCOMP_ERRNO,
	     .errno_ret = 38},
	    {.names = (const char *const[]){"ptrace", NULL},
	     .action = SBX_SECCOMP_ALLOW,
	     .min_kernel = "4.8"},
	    {.names = (const char *const[]){"arch_prctl", NULL},
	     .action = SBX_SECCOMP_ALLOW,
	     .arches = (const char *const[]){"amd64", "x86", NULL}},
	};
	const sbx_seccomp_arch arches[] = {
	    {"SCMP_ARCH_X86_64", (const char *const[]){"SCMP_ARCH_X86", NULL}},
	};
	const sbx_seccomp_profile p = {SBX_SECCOMP_ERRNO, 1, arches, 1, rules, 6};
	char *s = sbx_docker_seccomp_json(&p);
	assert_string_equal(
	    s, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
	       "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
	       "\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],\"syscalls\":["
	       "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[]},"
	       "{\"names\":[\"fchmodat\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,"
	       "\"value\":3072,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	       "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	       "\"value\":40,\"valueTwo\":0,\"op\":\"SCMP_CMP_GT\"}]},"
	       "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"args\":[]},"
	       "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],"
	       "\"includes\":{\"minKernel\":\"4.8\"}},"
	       "{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],"
	       "\"includes\":{\"arches\":[\"amd64\",\"x86\"]}}]}");
	free(s);
}

/*
 * The policy itself, as data: every rule names at least one call, an ERRNO
 * rule carries its errno, and every call that takes a mode is named only
 * by rules that test an argument.
 */
static void test_policy_data(void **state)
{
	(void)state;
	const sbx_seccomp_profile *p = sbx_seccomp_policy();
	assert_int_equal(p->default_action, SBX_SECCOMP_ERRNO);
	assert_true(p->rules_len > 0 && p->arches_len > 0);
	const char *mode_calls[] = {"chmod",  "fchmod", "fchmodat", "creat", "open",
				    "openat", "mknod",	"mknodat",  "mkdir", "mkdirat"};
	for (size_t i = 0; i < p->rules_len; i++) {
		const sbx_seccomp_rule *r = &p->rules[i];
		assert_non_null(r->names);
		assert_non_null(r->names[0]);
		assert_true((r->action == SBX_SECCOMP_ERRNO) == (r->errno_ret != 0));
		for (const char *const *n = r->names; *n; n++)
			for (size_t k = 0; k < sizeof(mode_calls) / sizeof(mode_calls[0]); k++)
				if (strcmp(*n, mode_calls[k]) == 0 && !r->arg)
					fail_msg("%s is allowed whatever its mode", *n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_refuses),
	    cmocka_unit_test(test_mode_calls_are_masked),
	    cmocka_unit_test(test_fallbacks_and_refusals),
	    cmocka_unit_test(test_version_pins_profile),
	    cmocka_unit_test(test_docker_rendering),
	    cmocka_unit_test(test_policy_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
