/*
 * Unit tests of frames: the engine's multiplexed exec stream, fed as a
 * connection hands it over: frames whole, split anywhere (a header too),
 * empty, megabytes long; a garbled header is an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/frames.h"
#include "lib/util.h"

typedef struct sink {
	sbx_buf out, err;
	size_t calls;
	size_t empty_calls;
	int stop_at; /* >0: return 99 at that call */
} sink;

static int collect(int stream, const void *data, size_t len, void *arg)
{
	sink *s = arg;
	s->calls++;
	if (len == 0)
		s->empty_calls++;
	if (s->stop_at && (int)s->calls == s->stop_at)
		return 99;
	sbx_buf_add(stream == SBX_FRAME_STDERR || stream == SBX_FRAME_SYSERR ? &s->err : &s->out,
		    data, len);
	return 0;
}

/* Append one frame of stream with payload to b. */
static void frame(sbx_buf *b, int stream, const void *data, uint32_t len)
{
	unsigned char h[8] = {(unsigned char)stream,
			      0,
			      0,
			      0,
			      (unsigned char)(len >> 24),
			      (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8),
			      (unsigned char)len};
	sbx_buf_add(b, h, 8);
	if (len)
		sbx_buf_add(b, data, len);
}

static void sink_init(sink *s)
{
	memset(s, 0, sizeof(*s));
	s->out = (sbx_buf)SBX_BUF_INIT;
	s->err = (sbx_buf)SBX_BUF_INIT;
}

static void sink_release(sink *s)
{
	sbx_buf_release(&s->out);
	sbx_buf_release(&s->err);
}

/* Feed the whole stream in pieces of the given sizes (cycled); 0 means the rest. */
static void feed_in(const sbx_buf *in, const size_t *sizes, size_t nsizes, sink *s)
{
	sbx_frames f;
	sbx_frames_init(&f);
	sbx_error *err = NULL;
	size_t off = 0, i = 0;
	while (off < in->len) {
		size_t n = sizes[i++ % nsizes];
		if (n == 0 || n > in->len - off)
			n = in->len - off;
		assert_int_equal(sbx_frames_feed(&f, in->data + off, n, collect, s, &err), 0);
		off += n;
	}
	assert_null(err);
	assert_true(sbx_frames_between(&f));
}

static void test_whole_frames_apart(void **state)
{
	(void)state;
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 1, "out one\n", 8);
	frame(&in, 2, "err\n", 4);
	frame(&in, 1, "out two\n", 8);
	sink s;
	sink_init(&s);
	size_t all = 0;
	feed_in(&in, &all, 1, &s);
	assert_int_equal(s.out.len, 16);
	assert_memory_equal(s.out.data, "out one\nout two\n", 16);
	assert_int_equal(s.err.len, 4);
	assert_memory_equal(s.err.data, "err\n", 4);
	assert_int_equal(s.calls, 3);
	sink_release(&s);
	sbx_buf_release(&in);
}

/* Every split point, one byte at a time: the same bytes on the same streams. */
static void test_split_everywhere(void **state)
{
	(void)state;
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 1, "hello ", 6);
	frame(&in, 2, "oops", 4);
	frame(&in, 1, "world", 5);
	frame(&in, 3, "engine", 6);
	for (size_t step = 1; step <= in.len; step++) {
		sink s;
		sink_init(&s);
		feed_in(&in, &step, 1, &s);
		assert_int_equal(s.out.len, 11);
		assert_memory_equal(s.out.data, "hello world", 11);
		assert_int_equal(s.err.len, 10);
		assert_memory_equal(s.err.data, "oopsengine", 10);
		assert_int_equal(s.empty_calls, 0);
		sink_release(&s);
	}
	sbx_buf_release(&in);
}

/* A header split across reads: 3 bytes, then 5, then the payload. */
static void test_header_split(void **state)
{
	(void)state;
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 2, "abc", 3);
	sbx_frames f;
	sbx_frames_init(&f);
	sink s;
	sink_init(&s);
	sbx_error *err = NULL;
	assert_int_equal(sbx_frames_feed(&f, in.data, 3, collect, &s, &err), 0);
	assert_false(sbx_frames_between(&f));
	assert_int_equal(s.calls, 0);
	assert_int_equal(sbx_frames_feed(&f, in.data + 3, 5, collect, &s, &err), 0);
	assert_int_equal(s.calls, 0);
	assert_false(sbx_frames_between(&f));
	assert_int_equal(sbx_frames_feed(&f, in.data + 8, 3, collect, &s, &err), 0);
	assert_true(sbx_frames_between(&f));
	assert_int_equal(s.err.len, 3);
	assert_memory_equal(s.err.data, "abc", 3);
	assert_int_equal(s.out.len, 0);
	sink_release(&s);
	sbx_buf_release(&in);
}

/* Zero-length frames, alone and between others: nothing is handed on for them. */
static void test_empty_frames(void **state)
{
	(void)state;
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 1, NULL, 0);
	frame(&in, 1, "a", 1);
	frame(&in, 2, NULL, 0);
	frame(&in, 2, NULL, 0);
	frame(&in, 2, "b", 1);
	frame(&in, 1, NULL, 0);
	const size_t sizes[] = {1, 7, 2, 9, 0};
	sink s;
	sink_init(&s);
	feed_in(&in, sizes, SBX_ARRAY_SIZE(sizes), &s);
	assert_int_equal(s.out.len, 1);
	assert_int_equal(s.out.data[0], 'a');
	assert_int_equal(s.err.len, 1);
	assert_int_equal(s.err.data[0], 'b');
	assert_int_equal(s.empty_calls, 0);
	assert_int_equal(s.calls, 2);
	sink_release(&s);
	sbx_buf_release(&in);
}

/*
 * A huge frame (8 MiB and a byte) in pieces of odd sizes: whole and in
 * order, handed on piece by piece (never buffered whole).
 */
static void test_huge_frame(void **state)
{
	(void)state;
	const uint32_t big = 8 * 1024 * 1024 + 1;
	unsigned char *payload = xmalloc(big);
	uint32_t x = 12345;
	for (uint32_t i = 0; i < big; i++) {
		x = x * 1103515245u + 12345u;
		payload[i] = (unsigned char)(x >> 16);
	}
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 1, "<", 1);
	frame(&in, 1, payload, big);
	frame(&in, 2, "tail", 4);
	const size_t sizes[] = {65536, 7, 4093, 1, 100000};
	sink s;
	sink_init(&s);
	feed_in(&in, sizes, SBX_ARRAY_SIZE(sizes), &s);
	assert_int_equal(s.out.len, (size_t)big + 1);
	assert_int_equal(s.out.data[0], '<');
	assert_memory_equal(s.out.data + 1, payload, big);
	assert_int_equal(s.err.len, 4);
	assert_true(s.calls > 100); /* piece by piece, as it came */
	sink_release(&s);
	sbx_buf_release(&in);
	free(payload);
}

static void test_garbled_header(void **state)
{
	(void)state;
	sbx_frames f;
	sbx_frames_init(&f);
	sink s;
	sink_init(&s);
	sbx_error *err = NULL;
	/* "HTTP/1.1": no stream 'H' */
	assert_int_equal(sbx_frames_feed(&f, "HTTP/1.1 200 OK", 15, collect, &s, &err), SBX_ERROR);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "garbled"));
	sbx_error_free(err);
	err = NULL;
	/* a known stream with junk where the zero bytes go */
	sbx_frames_init(&f);
	const unsigned char bad[8] = {1, 0, 7, 0, 0, 0, 0, 1};
	assert_int_equal(sbx_frames_feed(&f, bad, 8, collect, &s, &err), SBX_ERROR);
	sbx_error_free(err);
	assert_int_equal(s.calls, 0);
	sink_release(&s);
}

/* The sink's nonzero return stops the feed and is returned. */
static void test_sink_stops(void **state)
{
	(void)state;
	sbx_buf in = SBX_BUF_INIT;
	frame(&in, 1, "a", 1);
	frame(&in, 1, "b", 1);
	frame(&in, 1, "c", 1);
	sbx_frames f;
	sbx_frames_init(&f);
	sink s;
	sink_init(&s);
	s.stop_at = 2;
	sbx_error *err = NULL;
	assert_int_equal(sbx_frames_feed(&f, in.data, in.len, collect, &s, &err), 99);
	assert_null(err);
	assert_int_equal(s.out.len, 1);
	sink_release(&s);
	sbx_buf_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_frames_apart), cmocka_unit_test(test_split_everywhere),
	    cmocka_unit_test(test_header_split),       cmocka_unit_test(test_empty_frames),
	    cmocka_unit_test(test_huge_frame),	       cmocka_unit_test(test_garbled_header),
	    cmocka_unit_test(test_sink_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
