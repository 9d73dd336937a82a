/*
 * Unit tests of state that need no engine: the default container name of a
 * workspace, readable whatever its directory is called.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/state.h"
#include "lib/util.h"

/* A name the engine takes: [a-zA-Z0-9][a-zA-Z0-9_.-]+, and never two dashes in a row. */
static void assert_engine_name(const char *name)
{
	size_t n = strlen(name);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '.' || c == '-'));
		if (!ok)
			fail_msg("'%s': byte %zu (0x%02x) is not for a container name", name, i,
				 (unsigned char)c);
	}
	if (strstr(name, "--"))
		fail_msg("'%s' has a run of dashes", name);
}

/* The default name of directory dir (under /w) is "sbx-<want>-<hash>", or "sbx-<hash>". */
static void check_name(const char *dir, const char *want)
{
	_cleanup_free_ char *path = xasprintf("/w/%s", dir);
	sbx_workspace ws = {.path = path, .id = "2049:12345"};
	_cleanup_free_ char *name = sbx_state_default_name(&ws);
	/* The hash is the workspace's path and identity, as it always was. */
	_cleanup_free_ char *key = xasprintf("%s\n%s", path, ws.id);
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, key, strlen(key));
	_cleanup_free_ char *expect =
	    *want ? xasprintf("sbx-%s-%.8s", want, hex) : xasprintf("sbx-%.8s", hex);
	if (strcmp(name, expect) != 0)
		fail_msg("directory '%s': got '%s', want '%s'", dir, name, expect);
	assert_engine_name(name);
}

static void test_default_name_ascii_unchanged(void **state)
{
	(void)state;
	/* Names sbx gave before stay the same: no rename for existing sandboxes. */
	check_name("proj", "proj");
	check_name("my-proj_v2.1", "my-proj_v2.1");
	check_name("My Project", "My-Project");
	check_name(".dotfiles", ".dotfiles");
}

static void test_default_name_latin(void **state)
{
	(void)state;
	check_name("café", "cafe");
	check_name("Über Straße", "Uber-Strasse");
	check_name("Ærøskøbing", "AEroskobing");
	check_name("łódź", "lodz");
	check_name("příliš žluťoučký", "prilis-zlutoucky");
	check_name("școală", "scoala");
	check_name("Tiếng Việt", "Tieng-Viet");
	check_name("İstanbul", "Istanbul");
	check_name("cafe\xcc\x81", "cafe"); /* café decomposed: e and a combining acute */
}

static void test_default_name_no_latin(void **state)
{
	(void)state;
	check_name("项目", ""); /* the hash alone */
	check_name("项目-api", "api");
	check_name("проект", "");
	check_name("🚀 rocket", "rocket");
	check_name("a🚀🚀z", "a-z");
	check_name("!!!", "");
	check_name("a & b", "a-b");
	check_name("--x--", "x");
	check_name("a\xff\xfe-b", "a-b"); /* invalid UTF-8 */
}

static void test_default_name_long(void **state)
{
	(void)state;
	char dir[256];
	memset(dir, 'a', 255);
	dir[255] = '\0';
	check_name(dir, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 40 */
	/* 120 é (240 bytes): 40 plain letters */
	for (size_t i = 0; i < 120; i++)
		memcpy(dir + 2 * i, "\xc3\xa9", 2);
	dir[240] = '\0';
	check_name(dir, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
	/* ß is two letters: the cut never leaves half of one, nor a dash at the end */
	dir[0] = 'x';
	for (size_t i = 0; i < 60; i++)
		memcpy(dir + 1 + 2 * i, "\xc3\x9f", 2);
	dir[121] = '\0';
	check_name(dir, "xssssssssssssssssssssssssssssssssssssss");
	/* a word that would end on the 41st character is left out, with its dash */
	check_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bc",
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

/*
 * Which labels claim a workspace: its path and identity both; an earlier
 * sbx's "device:inode" only for a sandbox made no earlier than the
 * directory was born; another path only when asked (a moved workspace).
 */
static void test_claimed(void **state)
{
	(void)state;
	sbx_workspace ws = {.path = "/w/p",
			    .id = "2049:12:1700000000.000000005",
			    .legacy_id = "2049:12",
			    .born = 1700000000};
	assert_true(sbx_workspace_claimed(&ws, "/w/p", ws.id, 0, false));
	assert_false(sbx_workspace_claimed(&ws, "/w/q", ws.id, 0, false));
	assert_true(sbx_workspace_claimed(&ws, "/w/q", ws.id, 0, true));
	/* the same inode, born another time: a directory made again at the path */
	assert_false(sbx_workspace_claimed(&ws, "/w/p", "2049:12:1700000000.000000006", 0, false));
	assert_false(sbx_workspace_claimed(&ws, "/w/p", "2049:13", 1700000001, false));
	assert_true(sbx_workspace_claimed(&ws, "/w/p", "2049:12", 1700000001, false));
	assert_true(sbx_workspace_claimed(&ws, "/w/p", "2049:12", 1700000000, false));
	assert_false(sbx_workspace_claimed(&ws, "/w/p", "2049:12", 1699999999, false));
	assert_false(sbx_workspace_claimed(&ws, "/w/p", NULL, 0, false));
	assert_false(sbx_workspace_claimed(&ws, NULL, ws.id, 0, false));
	assert_true(sbx_workspace_legacy(&ws, "2049:12"));
	assert_false(sbx_workspace_legacy(&ws, ws.id));
	/* without a birth time the identity is device:inode, and there is no legacy one */
	sbx_workspace old = {.path = "/w/p", .id = "2049:12"};
	assert_true(sbx_workspace_claimed(&old, "/w/p", "2049:12", 5, false));
	assert_false(sbx_workspace_legacy(&old, "2049:12"));
	_cleanup_free_ char *a = sbx_state_default_name(&ws);
	_cleanup_free_ char *b = sbx_state_legacy_name(&ws);
	assert_string_not_equal(a, b);
	_cleanup_free_ char *c = sbx_state_legacy_name(&old);
	_cleanup_free_ char *d = sbx_state_default_name(&old);
	assert_string_equal(b, c);
	assert_string_equal(c, d);
}

/* A directory of this host: its identity has a birth time where the filesystem keeps one. */
static void test_workspace_init(void **state)
{
	(void)state;
	sbx_workspace ws;
	sbx_error *err = NULL;
	assert_int_equal(sbx_workspace_init(&ws, "/", NULL, &err), 0);
	if (ws.legacy_id) {
		assert_true(strncmp(ws.id, ws.legacy_id, strlen(ws.legacy_id)) == 0);
		assert_int_equal(ws.id[strlen(ws.legacy_id)], ':');
		assert_true(ws.born > 0);
	} else {
		assert_int_equal(ws.born, 0);
	}
	sbx_workspace_release(&ws);
	assert_int_equal(sbx_workspace_init(&ws, "/nonexistent/sbx", NULL, &err), SBX_ERROR);
	sbx_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_name_ascii_unchanged),
	    cmocka_unit_test(test_default_name_latin),
	    cmocka_unit_test(test_default_name_no_latin),
	    cmocka_unit_test(test_default_name_long),
	    cmocka_unit_test(test_claimed),
	    cmocka_unit_test(test_workspace_init),
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
