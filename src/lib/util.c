#include "util.h"

#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SBX_NORETURN void oom(void)
{
	fputs("sbx: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);
	if (!r)
		oom();
	return r;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom();
	return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void sbx_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

char *xstrndup(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		oom();
	char *s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void buf_grow(sbx_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		oom();
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void sbx_buf_add(sbx_buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void sbx_buf_adds(sbx_buf *b, const char *s)
{
	sbx_buf_add(b, s, strlen(s));
}

void sbx_buf_addc(sbx_buf *b, char c)
{
	sbx_buf_add(b, &c, 1);
}

void sbx_buf_addf(sbx_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sbx_buf_adds(b, s);
	free(s);
}

char *sbx_buf_detach(sbx_buf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbx_buf_release(sbx_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

size_t sbx_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

bool sbx_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			if (bad)
				*bad = i;
			return false;
		}
		i += n;
	}
	return true;
}

size_t sbx_utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Code points that reorder or hide text on a terminal or in an editor
 * ("Trojan Source", CVE-2021-42574): the bidi embeddings, overrides and
 * isolates, and the invisible marks that steer them.
 */
static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c;
}

bool sbx_is_hidden_control(uint32_t cp)
{
	return is_bidi_control(cp) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

enum escape_mode { ESC_QUOTED, ESC_BARE, ESC_TEXT, ESC_LINE };

/*
 * ESC_QUOTED: '...' with \ and ' escaped too; ESC_BARE: the same without
 * quotes; ESC_TEXT: a message, whose newlines and tabs stay and whose
 * backslashes are left alone (its quoted parts are escaped already);
 * ESC_LINE: ESC_TEXT for a message of one line, whose newlines are escaped.
 */
static char *escape(const char *s, size_t len, enum escape_mode mode)
{
	bool quoted = mode == ESC_QUOTED;
	bool text = mode == ESC_TEXT || mode == ESC_LINE;
	sbx_buf b = SBX_BUF_INIT;
	const unsigned char *u = (const unsigned char *)s;
	if (quoted)
		sbx_buf_addc(&b, '\'');
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			sbx_buf_addf(&b, "\\x%02x", u[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '\n':
			sbx_buf_adds(&b, mode == ESC_TEXT ? "\n" : "\\n");
			break;
		case '\t':
			sbx_buf_adds(&b, text ? "\t" : "\\t");
			break;
		case '\r':
			sbx_buf_adds(&b, "\\r");
			break;
		case '\\':
			sbx_buf_adds(&b, text ? "\\" : "\\\\");
			break;
		case '\'':
			sbx_buf_adds(&b, quoted ? "\\'" : "'");
			break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				sbx_buf_addf(&b, "\\x%02x", (unsigned)cp);
			else if ((cp >= 0x80 && cp < 0xa0) || is_bidi_control(cp) || cp == 0x2028 ||
				 cp == 0x2029 || cp == 0xfeff)
				sbx_buf_addf(&b, "\\u%04x", (unsigned)cp);
			else
				sbx_buf_add(&b, u + i, n);
		}
		i += n;
	}
	if (quoted)
		sbx_buf_addc(&b, '\'');
	return sbx_buf_detach(&b);
}

char *sbx_quote(const char *s, size_t len)
{
	return escape(s, len, ESC_QUOTED);
}

char *sbx_quotes(const char *s)
{
	return sbx_quote(s, strlen(s));
}

char *sbx_escape(const char *s)
{
	return escape(s, strlen(s), ESC_BARE);
}

char *sbx_escape_text(const char *s)
{
	return escape(s, strlen(s), ESC_TEXT);
}

char *sbx_escape_line(const char *s)
{
	return escape(s, strlen(s), ESC_LINE);
}

/* $HOME, or when it is unset or empty the real user's home from the password database. */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home)
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

char *sbx_xdg_dir(const char *var, const char *fallback, const char *home)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		return xasprintf("%s/sbx", v);
	if (!home)
		home = home_dir();
	return xasprintf("%s/%s/sbx", home ? home : "", fallback);
}

char *sbx_path_expand(const char *path, const char *base)
{
	if (strcmp(path, "~") == 0 || strncmp(path, "~/", 2) == 0) {
		const char *home = home_dir();
		return xasprintf("%s%s", home ? home : "", path + 1);
	}
	if (path[0] == '/')
		return xstrdup(path);
	if (!base)
		return NULL;
	return xasprintf("%s/%s", strcmp(base, "/") == 0 ? "" : base, path);
}

/* Code points a terminal draws in two columns (East Asian Wide and Fullwidth, emoji). */
static bool is_wide(uint32_t cp)
{
	static const uint32_t wide[][2] = {
	    {0x1100, 0x115f},	{0x231a, 0x231b},   {0x2329, 0x232a},	{0x23e9, 0x23ec},
	    {0x23f0, 0x23f0},	{0x23f3, 0x23f3},   {0x25fd, 0x25fe},	{0x2614, 0x2615},
	    {0x2648, 0x2653},	{0x267f, 0x267f},   {0x2693, 0x2693},	{0x26a1, 0x26a1},
	    {0x26aa, 0x26ab},	{0x26bd, 0x26be},   {0x26c4, 0x26c5},	{0x26ce, 0x26ce},
	    {0x26d4, 0x26d4},	{0x26ea, 0x26ea},   {0x26f2, 0x26f3},	{0x26f5, 0x26f5},
	    {0x26fa, 0x26fa},	{0x26fd, 0x26fd},   {0x2705, 0x2705},	{0x270a, 0x270b},
	    {0x2728, 0x2728},	{0x274c, 0x274c},   {0x274e, 0x274e},	{0x2753, 0x2755},
	    {0x2757, 0x2757},	{0x2795, 0x2797},   {0x27b0, 0x27b0},	{0x27bf, 0x27bf},
	    {0x2b1b, 0x2b1c},	{0x2b50, 0x2b50},   {0x2b55, 0x2b55},	{0x2e80, 0x303e},
	    {0x3041, 0x33ff},	{0x3400, 0x4dbf},   {0x4e00, 0x9fff},	{0xa000, 0xa4cf},
	    {0xa960, 0xa97f},	{0xac00, 0xd7a3},   {0xf900, 0xfaff},	{0xfe10, 0xfe19},
	    {0xfe30, 0xfe6f},	{0xff00, 0xff60},   {0xffe0, 0xffe6},	{0x16fe0, 0x16fe4},
	    {0x17000, 0x18cff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
	    {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
	    {0x1f680, 0x1f6ff}, {0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f9ff}, {0x1fa70, 0x1faff},
	    {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(wide); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return true;
	return false;
}

/* Code points drawn on the character before them, or not at all. */
static bool is_zero_width(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0xfeff || (cp >= 0xe0100 && cp <= 0xe01ef);
}

size_t sbx_text_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, w = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			w++;
			i++;
			continue;
		}
		w += is_zero_width(cp) ? 0 : is_wide(cp) ? 2 : 1;
		i += n;
	}
	return w;
}

char *sbx_table(const char *const *cells, size_t rows, size_t cols)
{
	size_t *width = xcalloc(cols ? cols : 1, sizeof(size_t));
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++) {
			size_t w = sbx_text_width(cells[r * cols + c]);
			if (w > width[c])
				width[c] = w;
		}
	sbx_buf b = SBX_BUF_INIT;
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			const char *cell = cells[r * cols + c];
			sbx_buf_adds(&b, cell);
			if (c + 1 == cols)
				break;
			for (size_t pad = width[c] - sbx_text_width(cell) + 3; pad > 0; pad--)
				sbx_buf_addc(&b, ' ');
		}
		sbx_buf_addc(&b, '\n');
	}
	free(width);
	return sbx_buf_detach(&b);
}

size_t sbx_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *sbx_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	size_t wl = strlen(word);
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = sbx_edit_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	/* Close enough: one edit for short words, up to a third of the longer word. */
	size_t cl = best ? strlen(best) : 0;
	size_t limit = (wl > cl ? wl : cl) / 3;
	if (limit < 1)
		limit = 1;
	return best && best_d <= limit ? best : NULL;
}
