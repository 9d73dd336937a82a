/*
 * frames: the engine's multiplexed stream, as an exec without a terminal
 * sends it (Docker's stdcopy format): frames of an 8-byte header (the
 * stream: 0 stdin, 1 stdout, 2 stderr, 3 the engine's own error; three
 * zero bytes; the payload's length, big-endian) and the payload. Bytes
 * arrive as the connection gives them, so a header or a payload may be
 * split across any number of reads; the demultiplexer keeps where it is
 * between calls and hands each piece of payload on as soon as it has it,
 * never buffering a frame whole (a frame may be megabytes). Pure: no I/O.
 */
#ifndef SBX_FRAMES_H
#define SBX_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum {
	SBX_FRAME_STDIN = 0,
	SBX_FRAME_STDOUT = 1,
	SBX_FRAME_STDERR = 2,
	SBX_FRAME_SYSERR = 3, /* the engine's own message (newer engines) */
};

typedef struct sbx_frames {
	unsigned char head[8];
	size_t head_len; /* bytes of the next header seen so far */
	int stream;	 /* the current frame's stream */
	uint32_t left;	 /* payload bytes of the current frame still to come */
} sbx_frames;

/*
 * The payload's bytes for one stream, in order; a nonzero return stops the
 * feed, which returns it.
 */
typedef int (*sbx_frames_fn)(int stream, const void *data, size_t len, void *arg);

void sbx_frames_init(sbx_frames *f);

/*
 * sbx_frames_feed: consume len bytes of the stream, calling out for each
 * piece of payload (never with len 0: a zero-length frame calls nothing).
 * Returns 0, out's nonzero return, or SBX_ERROR with *err set for a header
 * that names no stream (the connection is not what it should be).
 */
int sbx_frames_feed(sbx_frames *f, const void *data, size_t len, sbx_frames_fn out, void *arg,
		    sbx_error **err);

/* sbx_frames_between: at a frame boundary (an end of stream here is a clean one). */
bool sbx_frames_between(const sbx_frames *f);

#endif
