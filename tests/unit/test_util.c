/*
 * Unit tests of util and error: quoting of untrusted strings, UTF-8,
 * "did you mean" suggestions, the byte buffer, memory sizes and the error
 * chain. Tests whose comment says "Was a bug" hold a fixed bug fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/util.h"

/* A string literal and its length, so that embedded NUL bytes count. */
#define Y(lit) (lit), (sizeof(lit) - 1)

static void check_quote(const char *in, size_t len, const char *want)
{
	char *q = sbx_quote(in, len);
	assert_string_equal(q, want);
	free(q);
}

/* ---- sbx_quote ---- */

static void test_quote_plain(void **state)
{
	(void)state;
	check_quote(Y("plain"), "'plain'");
	check_quote(Y(""), "''");
	check_quote(Y("with space, and: punctuation!"), "'with space, and: punctuation!'");
	/* Printable non-ASCII is kept as it is. */
	check_quote(Y("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
		    "'caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80'");
	/* Only len bytes are read. */
	check_quote("abcdef", 3, "'abc'");
	char *q = sbx_quotes("x");
	assert_string_equal(q, "'x'");
	free(q);
}

static void test_quote_control_characters(void **state)
{
	(void)state;
	check_quote(Y("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
	check_quote(Y("\x01\x02\x1f"), "'\\x01\\x02\\x1f'");
	check_quote(Y("bell\a"), "'bell\\x07'");
	check_quote(Y("del\x7f"), "'del\\x7f'");
	check_quote(Y("nul\0x"), "'nul\\x00x'");
	/* C1 controls, U+0080 to U+009F, as code points. */
	check_quote(Y("\xc2\x80\xc2\x85\xc2\x9f"), "'\\u0080\\u0085\\u009f'");
	/* U+00A0 is printable. */
	check_quote(Y("\xc2\xa0"), "'\xc2\xa0'");
}

static void test_quote_escape_sequences(void **state)
{
	(void)state;
	/* Clear the screen, set the title, ring the bell. */
	check_quote(Y("\033[2J\033]0;t\a"), "'\\x1b[2J\\x1b]0;t\\x07'");
	check_quote(Y("\033[31mred\033[0m"), "'\\x1b[31mred\\x1b[0m'");
	/* The 8-bit CSI, U+009B. */
	check_quote(Y("\xc2\x9b"
		      "31m"),
		    "'\\u009b31m'");
}

static void test_quote_bidi_and_invisible(void **state)
{
	(void)state;
	check_quote(Y("abc\xe2\x80\xae"
		      "x"),
		    "'abc\\u202ex'"); /* RIGHT-TO-LEFT OVERRIDE */
	check_quote(Y("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
		    "'\\u202a\\u202b\\u202c\\u202d'"); /* embeddings, pop, LTR override */
	check_quote(Y("\xe2\x81\xa6i\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"),
		    "'\\u2066i\\u2067\\u2068\\u2069'"); /* isolates */
	check_quote(Y("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"),
		    "'\\u200e\\u200f\\u061c'"); /* LRM, RLM, ARABIC LETTER MARK */
	check_quote(Y("\xe2\x80\xa8\xe2\x80\xa9"), "'\\u2028\\u2029'"); /* line, paragraph sep */
	check_quote(Y("\xef\xbb\xbf"), "'\\ufeff'");			/* BOM, zero width */
	/* Neighbours of those ranges are ordinary characters. */
	check_quote(Y("\xe2\x80\xa9\xe2\x80\xaf"), "'\\u2029\xe2\x80\xaf'");
}

static void test_quote_invalid_utf8(void **state)
{
	(void)state;
	check_quote(Y("\xff\xfe"
		      "a"),
		    "'\\xff\\xfea'");
	check_quote(Y("\xc0\xaf"), "'\\xc0\\xaf'");	     /* overlong '/' */
	check_quote(Y("\xed\xa0\x80"), "'\\xed\\xa0\\x80'"); /* surrogate */
	check_quote(Y("ab\xe2\x82"), "'ab\\xe2\\x82'");	     /* truncated */
	check_quote(Y("\x80x"), "'\\x80x'");		     /* lone continuation */
	/* A bad byte does not swallow the valid character after it. */
	check_quote(Y("\xe2\xc3\xa9"), "'\\xe2\xc3\xa9'");
}

static void test_quote_quotes_and_backslashes(void **state)
{
	(void)state;
	check_quote(Y("it's"), "'it\\'s'");
	check_quote(Y("a\\b"), "'a\\\\b'");
	check_quote(Y("\\'"), "'\\\\\\''");
	check_quote(Y("\"double\""), "'\"double\"'");
	/* A value that tries to close the quote and forge a message. */
	check_quote(Y("x'\n/etc/passwd:1:1: ok"), "'x\\'\\n/etc/passwd:1:1: ok'");
}

/* ---- UTF-8 ---- */

static void assert_invalid_at(const char *s, size_t len, size_t at)
{
	size_t bad = 12345;
	assert_false(sbx_utf8_valid(s, len, &bad));
	assert_int_equal(bad, at);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	size_t bad = 12345;
	assert_true(sbx_utf8_valid("", 0, &bad));
	assert_true(sbx_utf8_valid(Y("plain ascii\n\t"), &bad));
	assert_true(sbx_utf8_valid(Y("caf\xc3\xa9 \xf0\x9f\x98\x80"), &bad));
	assert_int_equal(bad, 12345); /* untouched when valid */
	/* The boundaries of each length. */
	assert_true(sbx_utf8_valid(Y("\x7f"), NULL));
	assert_true(sbx_utf8_valid(Y("\xc2\x80"), NULL));	  /* U+0080 */
	assert_true(sbx_utf8_valid(Y("\xdf\xbf"), NULL));	  /* U+07FF */
	assert_true(sbx_utf8_valid(Y("\xe0\xa0\x80"), NULL));	  /* U+0800 */
	assert_true(sbx_utf8_valid(Y("\xed\x9f\xbf"), NULL));	  /* U+D7FF */
	assert_true(sbx_utf8_valid(Y("\xee\x80\x80"), NULL));	  /* U+E000 */
	assert_true(sbx_utf8_valid(Y("\xef\xbf\xbf"), NULL));	  /* U+FFFF */
	assert_true(sbx_utf8_valid(Y("\xf0\x90\x80\x80"), NULL)); /* U+10000 */
	assert_true(sbx_utf8_valid(Y("\xf4\x8f\xbf\xbf"), NULL)); /* U+10FFFF */
	assert_true(sbx_utf8_valid(Y("\0"), NULL));		  /* NUL is valid UTF-8 */
	/* Only len bytes are read. */
	assert_true(sbx_utf8_valid("ab\xff", 2, NULL));
	/* NULL for bad is allowed. */
	assert_false(sbx_utf8_valid(Y("\xff"), NULL));
}

static void test_utf8_overlongs(void **state)
{
	(void)state;
	assert_invalid_at(Y("ab\xc0\xaf"), 2);		 /* '/' in two bytes */
	assert_invalid_at(Y("\xc0\x80"), 0);		 /* NUL in two bytes */
	assert_invalid_at(Y("\xc1\xbf"), 0);		 /* U+007F in two bytes */
	assert_invalid_at(Y("\xe0\x80\xaf"), 0);	 /* '/' in three bytes */
	assert_invalid_at(Y("x\xe0\x9f\xbf"), 1);	 /* U+07FF in three bytes */
	assert_invalid_at(Y("\xf0\x80\x80\xaf"), 0);	 /* '/' in four bytes */
	assert_invalid_at(Y("\xf0\x8f\xbf\xbf"), 0);	 /* U+FFFF in four bytes */
	assert_invalid_at(Y("\xf8\x88\x80\x80\x80"), 0); /* five-byte forms */
	assert_invalid_at(Y("\xfc\x84\x80\x80\x80\x80"), 0);
}

static void test_utf8_surrogates(void **state)
{
	(void)state;
	assert_invalid_at(Y("x\xed\xa0\x80"), 1); /* U+D800 */
	assert_invalid_at(Y("\xed\xaf\xbf"), 0);  /* U+DBFF */
	assert_invalid_at(Y("\xed\xb0\x80"), 0);  /* U+DC00 */
	assert_invalid_at(Y("\xed\xbf\xbf"), 0);  /* U+DFFF */
	/* A surrogate pair as CESU-8. */
	assert_invalid_at(Y("ok\xed\xa0\xbd\xed\xb8\x80"), 2);
}

static void test_utf8_above_max(void **state)
{
	(void)state;
	assert_invalid_at(Y("\xf4\x90\x80\x80"), 0); /* U+110000 */
	assert_invalid_at(Y("ab\xf5\x80\x80\x80"), 2);
	assert_invalid_at(Y("\xf7\xbf\xbf\xbf"), 0);
	assert_invalid_at(Y("\xfe"), 0);
	assert_invalid_at(Y("\xff"), 0);
}

static void test_utf8_truncated(void **state)
{
	(void)state;
	assert_invalid_at(Y("ab\xe2\x82"), 2); /* end of input */
	assert_invalid_at(Y("\xc3"), 0);
	assert_invalid_at(Y("\xf0\x9f\x98"), 0);
	assert_invalid_at(Y("\xc3(x"), 0); /* a lead byte, then ASCII */
	assert_invalid_at(Y("\xe2\x82(x"), 0);
	assert_invalid_at(Y("ok\x80"), 2);	 /* a lone continuation */
	assert_invalid_at(Y("\xc3\xa9\xa9"), 2); /* one continuation too many */
	/* Cut by len although the bytes after it would complete it. */
	assert_invalid_at("\xc3\xa9", 1, 0);
}

static void test_utf8_decode_and_length(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
	assert_int_equal(sbx_utf8_decode((const unsigned char *)"x", 0, &cp), 0);
	assert_int_equal(sbx_utf8_length(Y("")), 0);
	assert_int_equal(sbx_utf8_length(Y("abc")), 3);
	assert_int_equal(sbx_utf8_length(Y("caf\xc3\xa9")), 4);
	assert_int_equal(sbx_utf8_length(Y("\xe6\x97\xa5\xf0\x9f\x98\x80")), 2);
}

/* ---- suggestions ---- */

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(sbx_edit_distance("same", "same"), 0);
	assert_int_equal(sbx_edit_distance("", ""), 0);
	assert_int_equal(sbx_edit_distance("", "abc"), 3);
	assert_int_equal(sbx_edit_distance("abc", ""), 3);
	assert_int_equal(sbx_edit_distance("mount", "mounts"), 1);  /* insertion */
	assert_int_equal(sbx_edit_distance("mounts", "mount"), 1);  /* deletion */
	assert_int_equal(sbx_edit_distance("imago", "image"), 1);   /* substitution */
	assert_int_equal(sbx_edit_distance("claude", "cluade"), 1); /* transposition */
	assert_int_equal(sbx_edit_distance("ab", "ba"), 1);
	assert_int_equal(sbx_edit_distance("kitten", "sitting"), 3);
	/* Optimal string alignment: a transposed pair is not edited again. */
	assert_int_equal(sbx_edit_distance("ca", "abc"), 3);
	assert_int_equal(sbx_edit_distance("Image", "image"), 1); /* case counts */
	/* Words over 64 bytes are too far from everything. */
	char long_word[66];
	memset(long_word, 'a', 65);
	long_word[65] = '\0';
	assert_int_equal(sbx_edit_distance(long_word, "a"), SIZE_MAX);
	assert_int_equal(sbx_edit_distance("a", long_word), SIZE_MAX);
	long_word[64] = '\0';
	assert_int_equal(sbx_edit_distance(long_word, long_word), 0);
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const keys[] = {"version",  "agent",	 "image",	   "env",
					   "pass_env", "mounts", "preserve_state", NULL};
	assert_string_equal(sbx_suggest("mount", keys), "mounts");
	assert_string_equal(sbx_suggest("imgae", keys), "image");
	assert_string_equal(sbx_suggest("passenv", keys), "pass_env");
	assert_string_equal(sbx_suggest("Version", keys), "version");
	assert_string_equal(sbx_suggest("en", keys), "env");
	assert_string_equal(sbx_suggest("preserve-state", keys), "preserve_state");
	assert_string_equal(sbx_suggest("presrve_stat", keys), "preserve_state"); /* 2 of 14 */
	/* Close enough: one edit for short words, a third of the longer word otherwise. */
	assert_string_equal(sbx_suggest("ev", keys), "env");	      /* 1 edit, limit 1 */
	assert_string_equal(sbx_suggest("amounts_", keys), "mounts"); /* 2 edits, limit 8/3 */
	assert_null(sbx_suggest("frobnicate", keys));
	assert_null(sbx_suggest("x", keys));
	assert_null(sbx_suggest("amounts___", keys)); /* 4 edits, limit 10/3 */
	assert_null(sbx_suggest("eva", keys));	      /* 2 edits, limit 1 */
	assert_null(sbx_suggest("prsrv_stt", keys));  /* 5 of 14 */
	assert_null(sbx_suggest("", keys));
	/* An exact match is its own suggestion. */
	assert_string_equal(sbx_suggest("env", keys), "env");
	/* Ties go to the first candidate. */
	static const char *const tie[] = {"cat", "bat", NULL};
	assert_string_equal(sbx_suggest("hat", tie), "cat");
	static const char *const none[] = {NULL};
	assert_null(sbx_suggest("anything", none));
}

/* ---- sbx_buf ---- */

static void test_buf(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	/* Detaching an empty buffer gives "", owned by the caller. */
	char *empty = sbx_buf_detach(&b);
	assert_string_equal(empty, "");
	free(empty);
	sbx_buf_adds(&b, "");
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	for (int i = 0; i < 1000; i++)
		sbx_buf_addf(&b, "%d,", i % 10);
	sbx_buf_addc(&b, '!');
	sbx_buf_add(&b, "xyz", 2);
	assert_int_equal(b.len, 2003);
	assert_true(b.cap > b.len);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_string_equal(b.data + 2000, "!xy");
	/* Binary data with NUL bytes, still NUL-terminated after it. */
	sbx_buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 2006);
	assert_memory_equal(b.data + 2003, "a\0b", 3);
	assert_int_equal(b.data[b.len], '\0');
	char *s = sbx_buf_detach(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(s[0], '0');
	free(s);
	/* Reused after a detach; released twice harmlessly. */
	sbx_buf_addf(&b, "%s=%d", "n", 42);
	assert_string_equal(b.data, "n=42");
	sbx_buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	sbx_buf_release(&b);
}

/* ---- sbx_text_width, sbx_table: the columns of `sbx ls` ---- */

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(sbx_text_width(""), 0);
	assert_int_equal(sbx_text_width("sbx-proj-1a2b3c4d"), 17);
	assert_int_equal(sbx_text_width("/home/u/caf\xc3\xa9"), 12);	 /* é: one column */
	assert_int_equal(sbx_text_width("cafe\xcc\x81"), 4);		 /* e + combining acute */
	assert_int_equal(sbx_text_width("\xe9\xa1\xb9\xe7\x9b\xae"), 4); /* 项目: two each */
	assert_int_equal(sbx_text_width("a\xf0\x9f\x9a\x80\x62"), 4);	 /* a, an emoji (two), b */
	assert_int_equal(sbx_text_width("\xff"), 1);			 /* an invalid byte */
}

static void test_table(void **state)
{
	(void)state;
	const char *cells[][3] = {
	    {"NAME", "AGENT", "WORKSPACE"},
	    {"a-rather-long-sandbox-name-over-32-characters", "claude", "/w/a"},
	    {"b", "shell", "/w/\xe9\xa1\xb9\xe7\x9b\xae"},
	    {"\xe9\xa1\xb9", "x", ""},
	};
	char *t = sbx_table(&cells[0][0], 4, 3);
	/* Each column as wide as its widest cell plus three spaces; the last unpadded. */
	assert_string_equal(
	    t,
	    "NAME                                            AGENT    WORKSPACE\n"
	    "a-rather-long-sandbox-name-over-32-characters   claude   /w/a\n"
	    "b                                               shell    /w/\xe9\xa1\xb9\xe7\x9b\xae\n"
	    "\xe9\xa1\xb9                                              x        \n");
	free(t);
	/* Only a header. */
	t = sbx_table(&cells[0][0], 1, 3);
	assert_string_equal(t, "NAME   AGENT   WORKSPACE\n");
	free(t);
}

/* ---- sbx_parse_memory ---- */

static void test_parse_memory(void **state)
{
	(void)state;
	assert_int_equal(sbx_parse_memory("1024"), 1024);
	assert_int_equal(sbx_parse_memory("1k"), 1024);
	assert_int_equal(sbx_parse_memory("3K"), 3072);
	assert_int_equal(sbx_parse_memory("512m"), 512LL << 20);
	assert_int_equal(sbx_parse_memory("512M"), 512LL << 20);
	assert_int_equal(sbx_parse_memory("4g"), 4LL << 30);
	assert_int_equal(sbx_parse_memory("4G"), 4LL << 30);
	/* The largest that fits with a g, and one more. */
	assert_int_equal(sbx_parse_memory("8589934591g"), 8589934591LL << 30);
	assert_int_equal(sbx_parse_memory("8589934592g"), LLONG_MAX);
	assert_int_equal(sbx_parse_memory("9999999999999999g"), LLONG_MAX);
	assert_int_equal(sbx_parse_memory("9999999999999999"), 9999999999999999LL);
}

static void test_parse_memory_not_a_size(void **state)
{
	(void)state;
	static const char *const bad[] = {"",	  "4gb", "4 g", "-1",  "+1",  "0",   "0k",   "01",
					  "1.5g", "1e3", "g",	"4Gi", " 4g", "4g ", "0x10", "4t"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		if (sbx_parse_memory(bad[i]) != -1)
			fail_msg("'%s' gave %lld", bad[i], sbx_parse_memory(bad[i]));
	}
}

static void test_parse_memory_overflow(void **state)
{
	(void)state;
	/*
	 * Was a bug: RE_MEMORY admits at most 16 digits, so these return -1 ("not a
	 * size") where the header promises LLONG_MAX for what is too large to
	 * represent, and 19 digits that do fit in a long long are refused.
	 */
	assert_int_equal(sbx_parse_memory("99999999999999999g"), LLONG_MAX);
	assert_int_equal(sbx_parse_memory("99999999999999999999"), LLONG_MAX);
	assert_int_equal(sbx_parse_memory("9223372036854775807"), LLONG_MAX);
	assert_int_equal(sbx_parse_memory("1000000000000000000"), 1000000000000000000LL);
}

/* ---- the error chain ---- */

static void test_error_set_and_count(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	/* Without a place to put it, only the code comes back. */
	assert_int_equal(sbx_error_set(NULL, SBX_EPOLICY, "ignored %d", 1), SBX_EPOLICY);
	assert_int_equal(sbx_error_count(NULL), 0);
	assert_int_equal(sbx_error_set(&err, SBX_EINVALID, "first %d", 1), SBX_EINVALID);
	assert_non_null(err);
	assert_int_equal(sbx_error_count(err), 1);
	assert_null(err->next);
	assert_int_equal(sbx_error_set(&err, SBX_ENOTFOUND, "second %s", "x"), SBX_ENOTFOUND);
	assert_int_equal(sbx_error_set(&err, SBX_ERROR, "%s", "third"), SBX_ERROR);
	assert_int_equal(sbx_error_count(err), 3);
	/* Appended in order; the first problem stays first, with its code. */
	assert_int_equal(err->code, SBX_EINVALID);
	assert_string_equal(err->msg, "first 1");
	assert_int_equal(err->next->code, SBX_ENOTFOUND);
	assert_string_equal(err->next->msg, "second x");
	assert_string_equal(err->next->next->msg, "third");
	assert_null(err->next->next->next);
	/* A long message is not cut. */
	char big[5000];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbx_error_set(&err, SBX_ERROR, "%s", big);
	assert_int_equal(strlen(err->next->next->next->msg), sizeof(big) - 1);
	assert_int_equal(sbx_error_count(err), 4);
	sbx_error_free(err);
}

static int set_via_setv(sbx_error **err, int code, const char *fmt, ...) SBX_PRINTF(3, 4);

static int set_via_setv(sbx_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sbx_error_setv(err, code, fmt, ap);
	va_end(ap);
	return rc;
}

static void test_error_setv(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	assert_int_equal(set_via_setv(NULL, SBX_EUNAVAILABLE, "x"), SBX_EUNAVAILABLE);
	assert_int_equal(set_via_setv(&err, SBX_EUSAGE, "%s-%d-%c", "a", 7, 'z'), SBX_EUSAGE);
	assert_int_equal(set_via_setv(&err, SBX_ECONFLICT, "b"), SBX_ECONFLICT);
	assert_string_equal(err->msg, "a-7-z");
	assert_int_equal(err->code, SBX_EUSAGE);
	assert_string_equal(err->next->msg, "b");
	assert_int_equal(sbx_error_count(err), 2);
	sbx_error_free(err);
}

static void test_error_wrap(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	sbx_error_set(&err, SBX_ENOTFOUND, "no such file");
	sbx_error_set(&err, SBX_ERROR, "second");
	sbx_error_wrap(&err, "loading %s", "x.yaml");
	assert_string_equal(err->msg, "loading x.yaml: no such file");
	/* Only the first message, and the code is kept. */
	assert_string_equal(err->next->msg, "second");
	assert_int_equal(err->code, SBX_ENOTFOUND);
	sbx_error_wrap(&err, "sandbox %s", "box");
	assert_string_equal(err->msg, "sandbox box: loading x.yaml: no such file");
	assert_int_equal(sbx_error_count(err), 2);
	sbx_error_free(err);
	/* Nothing to wrap. */
	sbx_error *none = NULL;
	sbx_error_wrap(&none, "context");
	assert_null(none);
	sbx_error_wrap(NULL, "context");
}

static void test_error_free(void **state)
{
	(void)state;
	sbx_error_free(NULL);
	sbx_error *err = NULL;
	for (int i = 0; i < 100; i++)
		sbx_error_set(&err, SBX_EINVALID, "problem %d", i);
	assert_int_equal(sbx_error_count(err), 100);
	sbx_error_free(err); /* valgrind checks the whole chain goes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote_plain),
	    cmocka_unit_test(test_quote_control_characters),
	    cmocka_unit_test(test_quote_escape_sequences),
	    cmocka_unit_test(test_quote_bidi_and_invisible),
	    cmocka_unit_test(test_quote_invalid_utf8),
	    cmocka_unit_test(test_quote_quotes_and_backslashes),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_utf8_overlongs),
	    cmocka_unit_test(test_utf8_surrogates),
	    cmocka_unit_test(test_utf8_above_max),
	    cmocka_unit_test(test_utf8_truncated),
	    cmocka_unit_test(test_utf8_decode_and_length),
	    cmocka_unit_test(test_edit_distance),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_text_width),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_parse_memory),
	    cmocka_unit_test(test_parse_memory_not_a_size),
	    cmocka_unit_test(test_parse_memory_overflow),
	    cmocka_unit_test(test_error_set_and_count),
	    cmocka_unit_test(test_error_setv),
	    cmocka_unit_test(test_error_wrap),
	    cmocka_unit_test(test_error_free),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
