/*
 * util: the small things every module needs. Allocation that aborts on
 * out-of-memory (as crun, git and bubblewrap do), scope cleanup for locals,
 * a growable byte buffer, UTF-8 helpers, and quoting of untrusted strings so
 * that nothing from a sandbox.yaml or an engine reaches a terminal raw.
 */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define SBX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SBX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SBX_NORETURN	 __attribute__((noreturn))
#else
#define SBX_PRINTF(f, a)
#define SBX_NORETURN
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: realloc of nmemb * size, aborting on overflow as on OOM. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* sbx_strv_free: free a NULL-terminated list of strings and the list; accepts NULL. */
void sbx_strv_free(char **v);
char *xasprintf(const char *fmt, ...) SBX_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) SBX_PRINTF(1, 0);

/* Scope cleanup: `_cleanup_free_ char *s = NULL;` frees s when it goes out of scope. */
static inline void sbx_freep(void *p)
{
	void **pp = (void **)p;
	free(*pp);
}
#define _cleanup_free_ __attribute__((cleanup(sbx_freep)))

/* steal_pointer: hand a pointer out of a cleanup-managed variable. */
static inline void *sbx_steal(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}
#define steal_pointer(pp) sbx_steal(pp)

/* A growable byte buffer, always NUL-terminated. */
typedef struct sbx_buf {
	char *data;
	size_t len;
	size_t cap;
} sbx_buf;

#define SBX_BUF_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void sbx_buf_add(sbx_buf *b, const void *data, size_t len);
void sbx_buf_adds(sbx_buf *b, const char *s);
void sbx_buf_addc(sbx_buf *b, char c);
void sbx_buf_addf(sbx_buf *b, const char *fmt, ...) SBX_PRINTF(2, 3);
/* sbx_buf_detach: the caller owns the returned string ("" when empty); b is reset. */
char *sbx_buf_detach(sbx_buf *b);
void sbx_buf_release(sbx_buf *b);

/*
 * sbx_utf8_decode: decode one code point of s[0..len). Returns its length in
 * bytes and sets *cp, or returns 0 when the bytes there are not well-formed
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
 */
size_t sbx_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* sbx_utf8_valid: true when s[0..len) is well-formed UTF-8; else *bad is the first bad offset. */
bool sbx_utf8_valid(const char *s, size_t len, size_t *bad);
/* sbx_utf8_length: number of code points in a well-formed UTF-8 string. */
size_t sbx_utf8_length(const char *s, size_t len);

/*
 * sbx_quote: a printable, single-quoted rendering of an untrusted string for
 * messages: control characters, escape sequences, DEL, C1 controls, invalid
 * UTF-8 and bidirectional overrides are written as escapes (\n, \x1b,
 * \u202e), and a single quote as \'. Caller frees.
 */
char *sbx_quote(const char *s, size_t len);
/* sbx_quotes: sbx_quote of a NUL-terminated string. */
char *sbx_quotes(const char *s);
/*
 * sbx_escape: the same escapes without the quotes, for a path that leads a
 * message ("FILE:LINE:COL: ..."). Caller frees.
 */
char *sbx_escape(const char *s);
/*
 * sbx_escape_text: a whole message made safe for a terminal: control
 * characters, escape sequences and bidi overrides escaped, its newlines
 * and tabs kept. The last line of defence before stderr. Caller frees.
 */
char *sbx_escape_text(const char *s);
/*
 * sbx_escape_line: sbx_escape_text for a message of one line: a newline in
 * it (from a directory's name, say) is written \n, so that it cannot forge a
 * second "FILE:LINE:COL:" line. Caller frees.
 */
char *sbx_escape_line(const char *s);
/*
 * sbx_is_hidden_control: a code point that reorders or hides text on a
 * terminal or in an editor without being a control character: the bidi
 * embeddings, overrides, isolates and marks, U+2028, U+2029, U+FEFF.
 */
bool sbx_is_hidden_control(uint32_t cp);

/*
 * sbx_xdg_dir: sbx's directory under an XDG base directory: "$var/sbx" when
 * $var is an absolute path (the spec ignores relative ones), else
 * "<home>/<fallback>/sbx". home NULL: $HOME, or the password database's home
 * when $HOME is unset or empty. Caller frees.
 */
char *sbx_xdg_dir(const char *var, const char *fallback, const char *home);

/*
 * sbx_path_expand: a host path as a file writes it, made absolute: "~" and
 * "~/..." are $HOME's (unset: the password database's home), "/..." stays, anything else lies under
 * base (NULL: relative paths are not allowed, and the answer is NULL). Caller frees.
 */
char *sbx_path_expand(const char *path, const char *base);

/*
 * sbx_text_width: the terminal columns a printable UTF-8 string takes: East
 * Asian wide and fullwidth characters and emoji two, combining marks and
 * variation selectors none, everything else one (an invalid byte one).
 */
size_t sbx_text_width(const char *s);

/*
 * sbx_table: a table as text lines. cells holds rows x cols strings, row by
 * row, the header first; each must be printable already (escaped). Every
 * column is as wide as its widest cell (sbx_text_width), columns are three
 * spaces apart, and the last one is not padded. Caller frees.
 */
char *sbx_table(const char *const *cells, size_t rows, size_t cols);

/* sbx_edit_distance: optimal-string-alignment distance, for "did you mean" suggestions. */
size_t sbx_edit_distance(const char *a, const char *b);
/*
 * sbx_suggest: the candidate closest to word, or NULL when none is close
 * enough to be worth suggesting. candidates ends with NULL. Borrowed.
 */
const char *sbx_suggest(const char *word, const char *const *candidates);

#endif
