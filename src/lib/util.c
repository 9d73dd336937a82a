#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum escape_mode { ESC_QUOTED, ESC_BARE, ESC_TEXT };

/*
 * ESC_QUOTED: '...' with \ and ' escaped too; ESC_BARE: the same without
 * quotes; ESC_TEXT: a message, whose newlines and tabs stay and whose
 * backslashes are left alone (its quoted parts are escaped already).
 */
static char *escape(const char *s, size_t len, enum escape_mode mode)
{
	bool quoted = mode == ESC_QUOTED;
	bool text = mode == ESC_TEXT;
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
			sbx_buf_adds(&b, text ? "\n" : "\\n");
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

char *sbx_xdg_dir(const char *var, const char *fallback, const char *home)
{
	const char *v = getenv(var);
	if (v && v[0] == '/')
		return xasprintf("%s/sbx", v);
	if (!home)
		home = getenv("HOME");
	return xasprintf("%s/%s/sbx", home ? home : "", fallback);
}

char *sbx_path_expand(const char *path, const char *base)
{
	if (strcmp(path, "~") == 0 || strncmp(path, "~/", 2) == 0) {
		const char *home = getenv("HOME");
		return xasprintf("%s%s", home ? home : "", path + 1);
	}
	if (path[0] == '/')
		return xstrdup(path);
	if (!base)
		return NULL;
	return xasprintf("%s/%s", strcmp(base, "/") == 0 ? "" : base, path);
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
