/* Unit tests of util and error: quoting, UTF-8, suggestions, buffers, memory sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <string.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/util.h"

static void check_quote(const char *in, size_t len, const char *want)
{
	char *q = sbx_quote(in, len);
	assert_string_equal(q, want);
	free(q);
}

static void test_quote(void **state)
{
	(void)state;
	check_quote("plain", 5, "'plain'");
	check_quote("", 0, "''");
	check_quote("a\nb\tc\rd", 7, "'a\\nb\\tc\\rd'");
	check_quote("\033[2J\033]0;t\a", 10, "'\\x1b[2J\\x1b]0;t\\x07'");
	check_quote("it's \\ ok", 9, "'it\\'s \\\\ ok'");
	check_quote("del\x7f", 4, "'del\\x7f'");
	check_quote("\xc2\x9b"
		    "31m",
		    5, "'\\u009b31m'");			     /* C1 CSI */
	check_quote("abc\xe2\x80\xaex", 7, "'abc\\u202ex'"); /* RIGHT-TO-LEFT OVERRIDE */
	check_quote("\xe2\x81\xa6i\xe2\x81\xa9", 7, "'\\u2066i\\u2069'"); /* isolates */
	check_quote("\xff\xfe"
		    "a",
		    3, "'\\xff\\xfea'"); /* invalid UTF-8 */
	check_quote("caf\xc3\xa9 \xe6\x97\xa5", 9, "'caf\xc3\xa9 \xe6\x97\xa5'"); /* kept */
	check_quote("nul\0x", 5, "'nul\\x00x'");
	char *q = sbx_quotes("x");
	assert_string_equal(q, "'x'");
	free(q);
}

static void test_utf8(void **state)
{
	(void)state;
	size_t bad = 99;
	assert_true(sbx_utf8_valid("", 0, &bad));
	assert_true(sbx_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, &bad));
	assert_false(sbx_utf8_valid("ab\xc0\xaf", 4, &bad)); /* overlong '/' */
	assert_int_equal(bad, 2);
	assert_false(sbx_utf8_valid("\xe0\x80\xaf", 3, &bad)); /* overlong, 3 bytes */
	assert_int_equal(bad, 0);
	assert_false(sbx_utf8_valid("x\xed\xa0\x80", 4, &bad)); /* surrogate U+D800 */
	assert_int_equal(bad, 1);
	assert_false(sbx_utf8_valid("\xf4\x90\x80\x80", 4, &bad)); /* above U+10FFFF */
	assert_false(sbx_utf8_valid("ab\xe2\x82", 4, &bad));	   /* truncated */
	assert_int_equal(bad, 2);
	assert_false(sbx_utf8_valid("\x80", 1, &bad)); /* lone continuation */
	assert_int_equal(sbx_utf8_length("caf\xc3\xa9", 5), 4);
	uint32_t cp;
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
}

static void test_suggest(void **state)
{
	(void)state;
	assert_int_equal(sbx_edit_distance("mount", "mounts"), 1);
	assert_int_equal(sbx_edit_distance("claude", "cluade"), 1); /* a transposition */
	assert_int_equal(sbx_edit_distance("", "abc"), 3);
	assert_int_equal(sbx_edit_distance("same", "same"), 0);
	const char *const keys[] = {"image", "mounts", "env", "pass_env", NULL};
	assert_string_equal(sbx_suggest("mount", keys), "mounts");
	assert_string_equal(sbx_suggest("imgae", keys), "image");
	assert_string_equal(sbx_suggest("passenv", keys), "pass_env");
	assert_null(sbx_suggest("frobnicate", keys));
	assert_null(sbx_suggest("x", keys));
}

static void test_buf(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	char *empty = sbx_buf_detach(&b);
	assert_string_equal(empty, "");
	free(empty);
	for (int i = 0; i < 1000; i++)
		sbx_buf_addf(&b, "%d,", i % 10);
	sbx_buf_addc(&b, '!');
	sbx_buf_add(&b, "xyz", 2);
	assert_int_equal(b.len, 2003);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_string_equal(b.data + 2000, "!xy");
	char *s = sbx_buf_detach(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	sbx_buf_release(&b);
}

static void test_parse_memory(void **state)
{
	(void)state;
	assert_int_equal(sbx_parse_memory("1024"), 1024);
	assert_int_equal(sbx_parse_memory("1k"), 1024);
	assert_int_equal(sbx_parse_memory("3K"), 3072);
	assert_int_equal(sbx_parse_memory("512m"), 512LL << 20);
	assert_int_equal(sbx_parse_memory("4G"), 4LL << 30);
	assert_int_equal(sbx_parse_memory("9999999999999999g"), LLONG_MAX); /* too large */
	assert_int_equal(sbx_parse_memory("4gb"), -1);
	assert_int_equal(sbx_parse_memory("-1"), -1);
	assert_int_equal(sbx_parse_memory("0"), -1);
	assert_int_equal(sbx_parse_memory("1.5g"), -1);
	assert_int_equal(sbx_parse_memory(""), -1);
}

static void test_error_chain(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	assert_int_equal(sbx_error_set(NULL, SBX_EPOLICY, "ignored"), SBX_EPOLICY);
	assert_int_equal(sbx_error_set(&err, SBX_EINVALID, "first %d", 1), SBX_EINVALID);
	assert_int_equal(sbx_error_set(&err, SBX_ENOTFOUND, "second"), SBX_ENOTFOUND);
	assert_int_equal(sbx_error_count(err), 2);
	assert_int_equal(err->code, SBX_EINVALID); /* the first problem stays first */
	sbx_error_wrap(&err, "loading %s", "x");
	assert_string_equal(err->msg, "loading x: first 1");
	assert_string_equal(err->next->msg, "second");
	assert_int_equal(sbx_error_count(NULL), 0);
	sbx_error_free(err);
	sbx_error_free(NULL);
	sbx_error_wrap(NULL, "nothing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote),	 cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_suggest),	 cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_parse_memory), cmocka_unit_test(test_error_chain),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
