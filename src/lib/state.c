#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "hash.h"
#include "util.h"

int sbx_workspace_init(sbx_workspace *ws, const char *path, const char *config, sbx_error **err)
{
	memset(ws, 0, sizeof(*ws));
	struct statx st;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS | STATX_BTIME, &st) < 0) {
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot stat the workspace %s: %s", q,
				     strerror(errno));
	}
	unsigned long long dev = makedev(st.stx_dev_major, st.stx_dev_minor);
	ws->path = xstrdup(path);
	if ((st.stx_mask & STATX_BTIME) && (st.stx_btime.tv_sec || st.stx_btime.tv_nsec)) {
		ws->id = xasprintf("%llu:%llu:%lld.%09u", dev, (unsigned long long)st.stx_ino,
				   (long long)st.stx_btime.tv_sec, st.stx_btime.tv_nsec);
		ws->legacy_id = xasprintf("%llu:%llu", dev, (unsigned long long)st.stx_ino);
		ws->born = st.stx_btime.tv_sec;
	} else {
		ws->id = xasprintf("%llu:%llu", dev, (unsigned long long)st.stx_ino);
	}
	ws->config = config ? xstrdup(config) : NULL;
	ws->uid = (unsigned)st.stx_uid;
	ws->gid = (unsigned)st.stx_gid;
	return 0;
}

void sbx_workspace_release(sbx_workspace *ws)
{
	if (!ws)
		return;
	free(ws->path);
	free(ws->id);
	free(ws->legacy_id);
	free(ws->config);
	memset(ws, 0, sizeof(*ws));
}

bool sbx_workspace_legacy(const sbx_workspace *ws, const char *id)
{
	return ws->legacy_id && id && strcmp(id, ws->legacy_id) == 0;
}

bool sbx_workspace_claimed(const sbx_workspace *ws, const char *path, const char *id,
			   long long created, bool moved)
{
	if (!path || !id || (!moved && strcmp(path, ws->path) != 0))
		return false;
	if (strcmp(id, ws->id) == 0)
		return true;
	/*
	 * A sandbox of an earlier sbx carries "device:inode" alone. It is this
	 * workspace's if it was made after the directory was born; one made
	 * before belongs to an earlier directory that had the same inode.
	 * Unknown times (0) are not evidence either way: the earlier sbx's
	 * answer stands.
	 */
	return sbx_workspace_legacy(ws, id) && (!created || !ws->born || created >= ws->born);
}

bool sbx_workspace_gone(const char *path, const char *id, long long created)
{
	if (!path || !id)
		return true;
	sbx_workspace ws;
	sbx_error *err = NULL;
	if (sbx_workspace_init(&ws, path, NULL, &err) < 0) {
		sbx_error_free(err);
		return true;
	}
	bool gone = !sbx_workspace_claimed(&ws, path, id, created, false);
	sbx_workspace_release(&ws);
	return gone;
}

/*
 * Latin letters and the ASCII they are written with once their marks are
 * dropped, by code point: U+00C0 to U+024F and U+1E00 to U+1EFF (French,
 * German, the Nordic, Polish, Czech, Turkish, Romanian, Vietnamese ...).
 * A space: not a letter; '*': a letter written with two (two_letters).
 */
static const char latin_00c0[] =
    "AAAAAA*CEEEEIIIIDNOOOOO OUUUUY**aaaaaa*ceeeeiiiidnooooo ouuuuy*y" /* U+00C0 */
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi**JjKkkLlLlLlL" /* U+0100 */
    "lLlNnNnNnn**OoOoOo**RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs" /* U+0140 */
    "b             EE  f    I  l     Oo             Uu    Zz         " /* U+0180 */
    "    *********AaIiOoUuUuUuUuUueAaAa  GgGgKkOoOo  j***Gg  NnAa    " /* U+01C0 */
    "AaAaEeEeIiIiOoOoRrRrUuUuSsTt  Hh d    AaEeOoOoOoOoYylntj        " /* U+0200 */
    "                ";						       /* U+0240 */
static const char latin_1e00[] =
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"	/* U+1E00 */
    "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"	/* U+1E40 */
    "WwWwWwWwWwXxXxYyZzZzZzhtwy s  * AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"	/* U+1E80 */
    "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy      "; /* U+1EC0 */
static const struct {
	uint32_t cp;
	const char *ascii;
} two_letters[] = {
    {0xc6, "AE"},  {0xde, "TH"},  {0xdf, "ss"},	 {0xe6, "ae"},	{0xfe, "th"},  {0x132, "IJ"},
    {0x133, "ij"}, {0x14a, "NG"}, {0x14b, "ng"}, {0x152, "OE"}, {0x153, "oe"}, {0x1c4, "DZ"},
    {0x1c5, "Dz"}, {0x1c6, "dz"}, {0x1c7, "LJ"}, {0x1c8, "Lj"}, {0x1c9, "lj"}, {0x1ca, "NJ"},
    {0x1cb, "Nj"}, {0x1cc, "nj"}, {0x1f1, "DZ"}, {0x1f2, "Dz"}, {0x1f3, "dz"}, {0x1e9e, "SS"},
};

/* The ASCII of a Latin letter (é: "e", ß: "ss"), in one (two bytes), or NULL. */
static const char *latin_ascii(uint32_t cp, char one[2])
{
	char c = 0;
	if (cp >= 0xc0 && cp - 0xc0 < sizeof(latin_00c0) - 1)
		c = latin_00c0[cp - 0xc0];
	else if (cp >= 0x1e00 && cp - 0x1e00 < sizeof(latin_1e00) - 1)
		c = latin_1e00[cp - 0x1e00];
	if (c == '*') {
		for (size_t i = 0; i < SBX_ARRAY_SIZE(two_letters); i++)
			if (two_letters[i].cp == cp)
				return two_letters[i].ascii;
		return NULL;
	}
	if (!c || c == ' ')
		return NULL;
	one[0] = c;
	one[1] = '\0';
	return one;
}

/*
 * The readable part of a default name: the directory's name with the marks
 * of its Latin letters dropped (é: e, ß: ss), combining marks too (a name
 * in decomposed form), and every run of anything else a container name
 * cannot hold (spaces, symbols, CJK, emoji, invalid bytes) one '-', none at
 * either end: never a run of dashes. At most 40 characters; "" when nothing
 * readable is left, and then the hash alone names the sandbox.
 */
static char *name_slug(const char *base)
{
	sbx_buf b = SBX_BUF_INIT;
	const unsigned char *u = (const unsigned char *)base;
	size_t len = strlen(base), i = 0;
	bool gap = false;
	while (i < len) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		char one[2];
		const char *ascii = NULL;
		if (n == 0) {
			n = 1;
		} else if (cp >= 0x300 && cp <= 0x36f) {
			i += n;
			continue;
		} else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
			   (cp >= '0' && cp <= '9') || cp == '_' || cp == '.') {
			one[0] = (char)cp;
			one[1] = '\0';
			ascii = one;
		} else {
			ascii = latin_ascii(cp, one);
		}
		i += n;
		if (!ascii) {
			gap = true;
			continue;
		}
		size_t need = strlen(ascii) + (gap && b.len ? 1 : 0);
		if (b.len + need > 40)
			break;
		if (gap && b.len)
			sbx_buf_addc(&b, '-');
		gap = false;
		sbx_buf_adds(&b, ascii);
	}
	return sbx_buf_detach(&b);
}

static char *default_name(const char *path, const char *id)
{
	const char *base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : "root";
	_cleanup_free_ char *slug = name_slug(base);
	_cleanup_free_ char *key = xasprintf("%s\n%s", path, id);
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, key, strlen(key));
	return xasprintf("sbx-%s%s%.8s", slug, *slug ? "-" : "", hex);
}

void sbx_leftover_release(sbx_leftover *l)
{
	free(l->id);
	free(l->workspace);
}

void sbx_leftover_free(sbx_leftover *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		sbx_leftover_release(&list[i]);
	free(list);
}

char *sbx_state_default_name(const sbx_workspace *ws)
{
	return default_name(ws->path, ws->id);
}

char *sbx_state_legacy_name(const sbx_workspace *ws)
{
	return default_name(ws->path, ws->legacy_id ? ws->legacy_id : ws->id);
}

void sbx_sandbox_info_release(sbx_sandbox_info *s)
{
	free(s->id);
	free(s->volume);
	free(s->name);
	free(s->agent);
	free(s->workspace);
	free(s->workspace_id);
	free(s->status);
	free(s->image);
}

void sbx_sandbox_info_free(sbx_sandbox_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		sbx_sandbox_info_release(&list[i]);
	free(list);
}
