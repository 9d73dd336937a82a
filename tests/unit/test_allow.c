/* Unit tests of allow: the user's policy file, parsed and guarded. */
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

#include "lib/allow.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "allow") < 0)
		return -1;
	setenv("HOME", tmp, 1);
	unsetenv("XDG_CONFIG_HOME");
	_cleanup_free_ char *cmd =
	    xasprintf("mkdir -p '%s/ws' '%s/other' '%s/.kube' '%s/.config/gcloud' '%s/.config/sbx'",
		      tmp, tmp, tmp, tmp, tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

static const char *good = "version: 1\n"
			  "allow:\n"
			  "  - workspace: ~/ws\n"
			  "    paths: [~/.kube, ~/.config/gcloud, /nonexistent/skipped]\n"
			  "  - workspace: ~/other\n"
			  "    paths: [/tmp]\n"
			  "  - workspace: /nonexistent/ws\n"
			  "    paths: [/etc]\n";

static void test_parse(void **state)
{
	(void)state;
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	char **paths = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_allow_parse(&paths, good, strlen(good), "policy.yaml", ws, &err), 0);
	_cleanup_free_ char *kube = xasprintf("%s/.kube", tmp);
	_cleanup_free_ char *gcloud = xasprintf("%s/.config/gcloud", tmp);
	assert_non_null(paths[0]);
	assert_string_equal(paths[0], kube);
	assert_non_null(paths[1]);
	assert_string_equal(paths[1], gcloud);
	assert_null(paths[2]); /* missing paths and other workspaces' entries: not here */
	sbx_strv_free(paths);

	/* a workspace with no entry: nothing */
	assert_int_equal(sbx_allow_parse(&paths, good, strlen(good), "policy.yaml", tmp, &err), 0);
	assert_null(paths[0]);
	sbx_strv_free(paths);
	/* an empty file allows nothing */
	assert_int_equal(sbx_allow_parse(&paths, "", 0, "policy.yaml", ws, &err), 0);
	assert_null(paths[0]);
	sbx_strv_free(paths);
}

static void test_safe_directory(void **state)
{
	(void)state;
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *other = xasprintf("%s/other", tmp);
	const char *text = "version: 1\n"
			   "allow:\n"
			   "  - workspace: ~/ws\n"
			   "    safe_directory: true\n"
			   "  - workspace: ~/other\n"
			   "    paths: [~/.kube]\n"
			   "    safe_directory: false\n";
	bool safe = false;
	sbx_error *err = NULL;
	assert_int_equal(sbx_allow_safe_parse(&safe, text, strlen(text), "policy.yaml", ws, &err),
			 0);
	assert_true(safe);
	assert_int_equal(
	    sbx_allow_safe_parse(&safe, text, strlen(text), "policy.yaml", other, &err), 0);
	assert_false(safe);
	/* the paths of an entry with safe_directory still count; a safe entry alone allows none */
	char **paths = NULL;
	assert_int_equal(sbx_allow_parse(&paths, text, strlen(text), "policy.yaml", other, &err),
			 0);
	assert_non_null(paths[0]);
	sbx_strv_free(paths);
	assert_int_equal(sbx_allow_parse(&paths, text, strlen(text), "policy.yaml", ws, &err), 0);
	assert_null(paths[0]);
	sbx_strv_free(paths);
	/* a subdirectory of a safe workspace is another workspace */
	_cleanup_free_ char *sub = xasprintf("%s/ws/sub", tmp);
	assert_int_equal(sbx_allow_safe_parse(&safe, text, strlen(text), "policy.yaml", sub, &err),
			 0);
	assert_false(safe);
	/* only true or false */
	const char *yes = "version: 1\nallow:\n  - {workspace: /w, safe_directory: yes}\n";
	assert_int_equal(sbx_allow_safe_parse(&safe, yes, strlen(yes), "policy.yaml", "/w", &err),
			 SBX_EINVALID);
	assert_non_null(strstr(err->msg, "safe_directory is true or false"));
	sbx_error_free(err);
}

static void bad(const char *text, const char *want)
{
	char **paths = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_allow_parse(&paths, text, strlen(text), "policy.yaml", "/w", &err),
			 SBX_EINVALID);
	assert_null(paths);
	if (!strstr(err->msg, want))
		fail_msg("got '%s', expected '%s'", err->msg, want);
	sbx_error_free(err);
}

static void test_parse_errors(void **state)
{
	(void)state;
	bad("allow: []\n", "policy.yaml:1:1: the policy file needs version: 1");
	bad("version: 2\nallow: []\n", "policy.yaml:1:10: version must be 1");
	bad("version: 1\nallows: []\n", "policy.yaml:2:1: unknown key");
	bad("version: 1\nallow: {}\n", "policy.yaml:2:8: allow is a list");
	bad("version: 1\nallow:\n  - workspace: /w\n",
	    "policy.yaml:3:5: an entry of allow needs both");
	bad("version: 1\nallow:\n  - {workspace: /w, paths: x}\n",
	    "policy.yaml:3:28: paths is a list");
	bad("version: 1\nallow:\n  - {workspace: /w, paths: [rel/path]}\n",
	    "policy.yaml:3:29: a path here is absolute or starts with ~/");
	bad("version: 1\nallow:\n  - {workspace: /w, path: [/x]}\n",
	    "policy.yaml:3:21: unknown key");
	bad("version: 1\nallow: [\n", "policy.yaml:");
	bad("- 1\n", "policy.yaml:1:1: the policy file is a mapping");
}

static void write_policy(const char *text, mode_t mode)
{
	_cleanup_free_ char *path = xasprintf("%s/.config/sbx/policy.yaml", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void test_load(void **state)
{
	(void)state;
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	char **paths = NULL;
	sbx_error *err = NULL;
	/* none: nothing allowed */
	assert_int_equal(sbx_allow_load(&paths, ws, &err), 0);
	assert_null(paths[0]);
	sbx_strv_free(paths);

	write_policy(good, 0600);
	assert_int_equal(sbx_allow_load(&paths, ws, &err), 0);
	assert_non_null(paths[0]);
	sbx_strv_free(paths);

	/* others could allow themselves anything: refused */
	write_policy(good, 0620);
	assert_int_equal(sbx_allow_load(&paths, ws, &err), SBX_EPOLICY);
	assert_non_null(strstr(err->msg, "writable by others"));
	sbx_error_free(err);
	err = NULL;
	write_policy(good, 0600);
	_cleanup_free_ char *dir = xasprintf("%s/.config/sbx", tmp);
	chmod(dir, 0777);
	assert_int_equal(sbx_allow_load(&paths, ws, &err), SBX_EPOLICY);
	sbx_error_free(err);
	err = NULL;
	chmod(dir, 0700);
	/* XDG_CONFIG_HOME moves it */
	setenv("XDG_CONFIG_HOME", "/nonexistent-config", 1);
	assert_int_equal(sbx_allow_load(&paths, ws, &err), 0);
	assert_null(paths[0]);
	sbx_strv_free(paths);
	unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_safe_directory),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests_name("allow", tests, setup, teardown);
}
