/*
 * Unit tests of discover: a sandbox.yaml is used only when it, its
 * directory and the directories from the caller up to it are the user's
 * own (another owner is simulated by asking for another uid), unless the
 * user's policy file says safe_directory; and which workspace encloses
 * another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/discover.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	umask(022);
	if (tmpdir_make(tmp, "discover") < 0)
		return -1;
	setenv("HOME", tmp, 1);
	unsetenv("XDG_CONFIG_HOME");
	_cleanup_free_ char *cmd = xasprintf(
	    "mkdir -p '%s/ws/sub/deep' '%s/up/ws2' '%s/outer/src/inner' '%s/.config/sbx' && "
	    "chmod 700 '%s/.config/sbx' && "
	    "echo 'version: 1' >'%s/ws/sandbox.yaml' && echo 'version: 1' "
	    ">'%s/up/ws2/sandbox.yaml' && "
	    "echo 'version: 1' >'%s/outer/sandbox.yaml' && "
	    "echo 'version: 1' >'%s/outer/src/inner/sandbox.yaml'",
	    tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

/* sbx_discover_check's code, and its message containing want (NULL: it passes). */
static void check(const char *file, const char *from, uid_t uid, const char *want)
{
	sbx_error *err = NULL;
	int rc = sbx_discover_check(file, from, uid, &err);
	if (!want) {
		if (rc != 0)
			fail_msg("refused: %s", err ? err->msg : "?");
		assert_null(err);
		return;
	}
	assert_int_equal(rc, SBX_EPOLICY);
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("got '%s', expected '%s'", err->msg, want);
	sbx_error_free(err);
}

static void test_own_files(void **state)
{
	(void)state;
	_cleanup_free_ char *f = xasprintf("%s/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *deep = xasprintf("%s/ws/sub/deep", tmp);
	check(f, deep, getuid(), NULL);
	check(f, NULL, getuid(), NULL);
	/* a directory above the workspace that others can write is tier 2's, not discovery's */
	_cleanup_free_ char *up = xasprintf("%s/up", tmp);
	_cleanup_free_ char *f2 = xasprintf("%s/up/ws2/sandbox.yaml", tmp);
	chmod(up, 0777);
	check(f2, NULL, getuid(), NULL);
	chmod(up, 0755);
}

static void test_another_owner(void **state)
{
	(void)state;
	_cleanup_free_ char *f = xasprintf("%s/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *deep = xasprintf("%s/ws/sub/deep", tmp);
	uid_t other = getuid() + 4242;
	/* the file first, named with its owner, its mode and the ways out */
	_cleanup_free_ char *want =
	    xasprintf("%s:1:1: not used: the file belongs to uid %u", f, (unsigned)getuid());
	check(f, deep, other, want);
	check(f, deep, other, "not to you (uid");
	check(f, deep, other, "mode 0644");
	check(f, deep, other, "chown it to you");
	_cleanup_free_ char *entry = xasprintf("{workspace: %s/ws, safe_directory: true}", tmp);
	check(f, deep, other, entry);
	/* -f FILE is judged too */
	check(f, NULL, other, "the file belongs to");
}

static void test_writable_by_others(void **state)
{
	(void)state;
	_cleanup_free_ char *f = xasprintf("%s/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *sub = xasprintf("%s/ws/sub", tmp);
	_cleanup_free_ char *deep = xasprintf("%s/ws/sub/deep", tmp);
	chmod(f, 0666);
	check(f, deep, getuid(), "the file can be written by others (mode 0666");
	check(f, deep, getuid(), "chmod go-w it");
	chmod(f, 0644);
	chmod(ws, 0777);
	_cleanup_free_ char *want = xasprintf("its directory '%s' can be written by others", ws);
	check(f, deep, getuid(), want);
	chmod(ws, 0755);
	/* a directory between the caller and the workspace */
	chmod(sub, 0777);
	_cleanup_free_ char *want2 =
	    xasprintf("the directory '%s' (between here and the workspace) can be written", sub);
	check(f, deep, getuid(), want2);
	check(f, ws, getuid(), NULL); /* not between the workspace and the caller */
	check(f, NULL, getuid(), NULL);
	/* a sticky one, as /tmp, with the entry below it yours: fine */
	chmod(sub, 01777);
	check(f, deep, getuid(), NULL);
	/* ...but not as the caller's own directory, nor when the entry below is another's */
	check(f, sub, getuid(), want2);
	chmod(sub, 0755);
}

static void write_policy(const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/.config/sbx/policy.yaml", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static void test_safe_directory(void **state)
{
	(void)state;
	_cleanup_free_ char *f = xasprintf("%s/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *f2 = xasprintf("%s/up/ws2/sandbox.yaml", tmp);
	uid_t other = getuid() + 4242;
	_cleanup_free_ char *text =
	    xasprintf("version: 1\nallow:\n  - workspace: %s/ws\n    safe_directory: true\n", tmp);
	write_policy(text);
	check(f, NULL, other, NULL);
	/* that workspace only */
	check(f2, NULL, other, "belongs to");
	/* false, or paths alone, allow nothing */
	_cleanup_free_ char *no = xasprintf("version: 1\nallow:\n  - workspace: %s/ws\n    paths: "
					    "[/tmp]\n    safe_directory: false\n",
					    tmp);
	write_policy(no);
	check(f, NULL, other, "belongs to");
	/* the policy file's guards hold: one others can write is refused */
	write_policy(text);
	_cleanup_free_ char *pf = xasprintf("%s/.config/sbx/policy.yaml", tmp);
	chmod(pf, 0666);
	check(f, NULL, other, "is writable by others");
	unlink(pf);
}

static void test_enclosing(void **state)
{
	(void)state;
	_cleanup_free_ char *outer = xasprintf("%s/outer", tmp);
	_cleanup_free_ char *inner = xasprintf("%s/outer/src/inner", tmp);
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *e = sbx_discover_enclosing(inner);
	assert_non_null(e);
	assert_string_equal(e, outer);
	/* none above these (unless the host has a sandbox.yaml above /tmp) */
	_cleanup_free_ char *e2 = sbx_discover_enclosing(outer);
	_cleanup_free_ char *e3 = sbx_discover_enclosing(ws);
	assert_true(!e2 || strncmp(e2, tmp, strlen(tmp)) != 0);
	assert_true(!e3 || strncmp(e3, tmp, strlen(tmp)) != 0);
	_cleanup_free_ char *e4 = sbx_discover_enclosing("/");
	assert_null(e4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_own_files),	       cmocka_unit_test(test_another_owner),
	    cmocka_unit_test(test_writable_by_others), cmocka_unit_test(test_safe_directory),
	    cmocka_unit_test(test_enclosing),
	};
	return cmocka_run_group_tests_name("discover", tests, setup, teardown);
}
