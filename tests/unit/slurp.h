/*
 * slurp.h: a whole file read into a NUL-terminated string (NULL when it
 * cannot be opened), for the unit tests that read golden cases and the
 * README. Caller frees.
 */
#ifndef SBX_TEST_SLURP_H
#define SBX_TEST_SLURP_H

#include <stdio.h>

#include "lib/util.h"

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	sbx_buf b = SBX_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbx_buf_add(&b, chunk, n);
	fclose(f);
	return sbx_buf_detach(&b);
}

#endif
