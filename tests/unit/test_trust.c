/* Unit tests of trust: the grants a file asks for, and the approval store. */
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
#include <time.h>

#include "lib/config.h"
#include "lib/trust.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "trust") < 0)
		return -1;
	setenv("HOME", tmp, 1);
	unsetenv("XDG_DATA_HOME");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

static void test_grants(void **state)
{
	(void)state;
	const char *y = "version: 1\nagent: shell\n"
			"docker_socket: true\n"
			"mounts:\n  - {source: ~/data, target: /data, readonly: true}\n"
			"pass_env: [TOKEN]\n";
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_parse(&spec, y, strlen(y), "sandbox.yaml", &err), 0);
	sbx_grants g = {0};
	sbx_trust_grants(&g, spec, NULL);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.v[0].pos.line, 3);
	assert_string_equal(g.v[0].what,
			    "docker_socket: true (the engine's socket: root on the host)");
	assert_int_equal(g.v[1].pos.line, 5);
	assert_string_equal(g.v[1].what, "mount of the host's '~/data' at '/data' (read-only)");
	assert_int_equal(g.v[2].pos.line, 6);
	assert_string_equal(g.v[2].what, "pass_env TOKEN (your value of it, copied in)");
	sbx_grants_release(&g);
	/* where the source leads is shown beside it, escaped */
	const char *sources[] = {"/home/u/da\x1bta", NULL};
	sbx_trust_grants(&g, spec, sources);
	assert_string_equal(
	    g.v[1].what,
	    "mount of the host's '~/data' ('/home/u/da\\x1bta') at '/data' (read-only)");
	sbx_grants_release(&g);
	sbx_spec_free(spec);
	/* tier 0 only: nothing to approve (network: none narrows access) */
	const char *y0 = "version: 1\nagent: shell\nnetwork: none\nenv: {A: b}\n";
	assert_int_equal(sbx_config_parse(&spec, y0, strlen(y0), "sandbox.yaml", &err), 0);
	sbx_trust_grants(&g, spec, NULL);
	assert_int_equal(g.n, 0);
	sbx_grants_release(&g);
	sbx_spec_free(spec);
}

static bool trusted(const char *ws, const char *bytes, size_t len, const char *const *src, size_t n)
{
	sbx_trust_verdict v;
	sbx_error *err = NULL;
	assert_int_equal(sbx_trust_check(&v, ws, bytes, len, src, n, &err), 0);
	free(v.was);
	return v.trusted;
}

static void test_store(void **state)
{
	(void)state;
	const char *bytes = "version: 1\nagent: shell\ndocker_socket: true\n";
	size_t len = strlen(bytes);
	sbx_trust_verdict v;
	sbx_error *err = NULL;
	assert_false(trusted("/w", bytes, len, NULL, 0)); /* no store yet */
	assert_int_equal(sbx_trust_record("/w", "/w/sandbox.yaml", bytes, len, NULL, 0, &err), 0);
	assert_true(trusted("/w", bytes, len, NULL, 0));
	/* one more byte, or another workspace: not approved */
	assert_false(trusted("/w", bytes, len - 1, NULL, 0));
	assert_false(trusted("/w2", bytes, len, NULL, 0));
	/* private: 0700 directories, a 0600 file */
	_cleanup_free_ char *dir = xasprintf("%s/.local/share/sbx/trust", tmp);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* a store others can write is refused */
	chmod(dir, 0777);
	assert_int_equal(sbx_trust_check(&v, "/w", bytes, len, NULL, 0, &err), SBX_EPOLICY);
	assert_non_null(strstr(err->msg, "writable by others"));
	sbx_error_free(err);
	err = NULL;
	chmod(dir, 0700);
	size_t removed = 0;
	assert_int_equal(sbx_trust_remove(&removed, "/w", &err), 0);
	assert_int_equal(removed, 1);
	assert_false(trusted("/w", bytes, len, NULL, 0));
}

/* An approval holds where the mounts led; a source that leads elsewhere now voids it. */
static void test_store_mounts(void **state)
{
	(void)state;
	const char *bytes = "mounts: [...]\n";
	size_t len = strlen(bytes);
	/* a newline or a % in a path cannot forge a line of the record */
	const char *then[] = {"/srv/a", "/srv/b\nmount /x%41", NULL};
	sbx_error *err = NULL;
	assert_int_equal(sbx_trust_record("/w\nx", "/w/sandbox.yaml", bytes, len, then, 2, &err),
			 0);
	assert_true(trusted("/w\nx", bytes, len, then, 2));

	const char *now[] = {"/srv/a", "/home/u/.ssh", NULL};
	sbx_trust_verdict v;
	assert_int_equal(sbx_trust_check(&v, "/w\nx", bytes, len, now, 2, &err), 0);
	assert_false(v.trusted);
	assert_true(v.approved_bytes);
	assert_int_equal(v.moved, 1);
	assert_string_equal(v.was, "/srv/b\nmount /x%41");
	free(v.was);

	/* an approval recorded with fewer mounts than the file has (an older sbx) */
	assert_int_equal(sbx_trust_record("/w\nx", "/w/sandbox.yaml", bytes, len, then, 1, &err),
			 0);
	assert_int_equal(sbx_trust_check(&v, "/w\nx", bytes, len, then, 2, &err), 0);
	assert_false(v.trusted);
	assert_true(v.approved_bytes);
	assert_int_equal(v.moved, 1);
	assert_null(v.was);

	/* untrust finds the workspace through its encoded line */
	size_t removed = 0;
	assert_int_equal(sbx_trust_remove(&removed, "/w\nx", &err), 0);
	assert_int_equal(removed, 1);
}

/* The last approval keeps its bytes; a newer one of the workspace wins, another's never. */
static void test_last_approval(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	char *b = NULL;
	size_t n = 0;
	assert_int_equal(sbx_trust_last(&b, &n, "/v", &err), 0);
	assert_null(b);
	const char *one = "version: 1\nmounts: [a]\n";
	const char *two = "version: 1\r\n# 100%% \x1b[2J\nmounts: [b]\n";
	assert_int_equal(sbx_trust_record("/v", "/v/sandbox.yaml", one, strlen(one), NULL, 0, &err),
			 0);
	assert_int_equal(sbx_trust_record("/v2", "/v2/sandbox.yaml", two, strlen(two), NULL, 0,
					  &err),
			 0);
	assert_int_equal(sbx_trust_last(&b, &n, "/v", &err), 0);
	assert_non_null(b);
	assert_string_equal(b, one);
	assert_int_equal(n, strlen(one));
	free(b);
	struct timespec pause = {0, 20 * 1000 * 1000};
	nanosleep(&pause, NULL);
	assert_int_equal(sbx_trust_record("/v", "/v/sandbox.yaml", two, strlen(two), NULL, 0, &err),
			 0);
	assert_int_equal(sbx_trust_last(&b, &n, "/v", &err), 0);
	assert_string_equal(b, two);
	free(b);
	size_t removed;
	assert_int_equal(sbx_trust_remove(&removed, "/v", &err), 0);
	assert_int_equal(sbx_trust_remove(&removed, "/v2", &err), 0);
}

static sbx_grant grant(int line, const char *what)
{
	sbx_grant g = {{0}, (char *)what};
	g.pos.line = line;
	return g;
}

/* What changed: grants removed and added by description, then the lines. */
static void test_diff(void **state)
{
	(void)state;
	sbx_grant wv[] = {grant(3, "pass_env HOME"), grant(4, "mount of /a")};
	sbx_grant nv[] = {grant(3, "mount of /a"), grant(5, "docker_socket: true")};
	sbx_grants was = {wv, 2}, now = {nv, 2};
	const char *old = "version: 1\npass_env: [HOME]\nmounts: [/a]\nnetwork: none\n";
	const char *new = "version: 1\nmounts: [/a]\ndocker_socket: true\nnetwork: none";
	sbx_diff d = {0};
	sbx_trust_diff(&d, &was, &now, old, strlen(old), new, strlen(new));
	assert_int_equal(d.n, 4);
	assert_true(d.v[0].grant);
	assert_int_equal(d.v[0].op, '-');
	assert_string_equal(d.v[0].text, "pass_env HOME");
	assert_true(d.v[1].grant);
	assert_int_equal(d.v[1].op, '+');
	assert_int_equal(d.v[1].line, 5);
	assert_string_equal(d.v[1].text, "docker_socket: true");
	assert_false(d.v[2].grant);
	assert_int_equal(d.v[2].op, '-');
	assert_int_equal(d.v[2].line, 2);
	assert_string_equal(d.v[2].text, "pass_env: [HOME]");
	assert_int_equal(d.v[3].op, '+');
	assert_int_equal(d.v[3].line, 3);
	assert_string_equal(d.v[3].text, "docker_socket: true");
	sbx_diff_release(&d);
	/* the same bytes: nothing */
	sbx_trust_diff(&d, &now, &now, new, strlen(new), new, strlen(new));
	assert_int_equal(d.n, 0);
	sbx_diff_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grants),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_store_mounts),
	    cmocka_unit_test(test_last_approval),
	    cmocka_unit_test(test_diff),
	};
	return cmocka_run_group_tests_name("trust", tests, setup, teardown);
}
