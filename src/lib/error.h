/*
 * error: the error object every fallible library function fills in (crun's
 * libcrun_error_t, libgit2's named codes). A function returns 0 or a
 * negative SBX_E* code and sets *err iff it failed. An error may carry a
 * chain of further problems of the same operation (`next`), which is how the
 * config loader reports every problem it found in one go. Only main.c turns
 * codes into exit statuses.
 */
#ifndef SBX_ERROR_H
#define SBX_ERROR_H

#include "util.h"

enum {
	SBX_OK = 0,
	SBX_ERROR = -1,	       /* anything without a more specific code */
	SBX_ENOTFOUND = -2,    /* a file, sandbox or object does not exist */
	SBX_ECONFLICT = -3,    /* something is already there (a file, a name) */
	SBX_EUNAVAILABLE = -4, /* the engine cannot be reached */
	SBX_EPOLICY = -5,      /* refused by policy or missing trust */
	SBX_EINVALID = -6,     /* an invalid sandbox.yaml */
	SBX_EUSAGE = -7,       /* a usage error on the command line */
	SBX_EINTERRUPTED = -8, /* a signal asked to stop (interrupt.h); rolled back */
	SBX_ESTALE = -9,       /* the engine holds a stale task of a container: it will not start */
};

typedef struct sbx_error {
	int code;
	char *msg; /* the whole line as printed: "FILE:LINE:COL: TEXT (HINT)" for a located one */
	struct sbx_error *next;
	/*
	 * A problem at a place in a file (sbx_error_locate), as data for the
	 * JSON renderings: the file as given (NULL: at no place), its line and
	 * column (0: not known), the text alone, and what to do about it
	 * ("did you mean 'mounts'?"), or NULL.
	 */
	char *file;
	int line, col;
	char *text;
	char *hint;
} sbx_error;

/*
 * sbx_error_set: set *err (when err is not NULL) to a new error with a
 * printf-style message. An error already in *err is kept and the new one
 * appended to its chain. Returns code, so `return sbx_error_set(...)` works.
 */
int sbx_error_set(sbx_error **err, int code, const char *fmt, ...) SBX_PRINTF(3, 4);
/* sbx_error_setv: sbx_error_set with a va_list. */
int sbx_error_setv(sbx_error **err, int code, const char *fmt, va_list ap) SBX_PRINTF(3, 0);
/* sbx_error_wrap: prefix context to the first message of *err: "context: message". */
void sbx_error_wrap(sbx_error **err, const char *fmt, ...) SBX_PRINTF(2, 3);
/*
 * sbx_error_locate: say where the last problem of *err is (file, line, col;
 * 0 when not known) and its text and hint apart from the position (hint may
 * be NULL). The message itself is left as the caller wrote it.
 */
void sbx_error_locate(sbx_error **err, const char *file, int line, int col, const char *text,
		      const char *hint);
/*
 * sbx_error_locate_msg: sbx_error_locate from the message of the last
 * problem of *err when it opens with "SHOWN:LINE:COL: " (shown: the file
 * as the message spells it); otherwise nothing.
 */
void sbx_error_locate_msg(sbx_error **err, const char *shown, const char *file);
/* sbx_error_count: how many problems the chain holds. */
size_t sbx_error_count(const sbx_error *err);
/* sbx_error_free: free the whole chain; accepts NULL. */
void sbx_error_free(sbx_error *err);

#endif
