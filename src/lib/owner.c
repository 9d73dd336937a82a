#include "owner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BLOCK 512

static unsigned long long octal(const char *p, size_t n)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < n && p[i]; i++) {
		if (p[i] == ' ')
			continue;
		if (p[i] < '0' || p[i] > '7')
			break;
		v = v * 8 + (unsigned)(p[i] - '0');
	}
	return v;
}

bool sbx_tar_first_file(const char *tar, size_t len, const char **data, size_t *data_len)
{
	size_t off = 0;
	while (off + BLOCK <= len) {
		const char *h = tar + off;
		if (h[0] == '\0')
			return false; /* the end blocks */
		unsigned long long size = octal(h + 124, 12);
		char type = h[156];
		if (size > len - off - BLOCK)
			return false;
		if (type == '0' || type == '\0') {
			*data = h + BLOCK;
			*data_len = (size_t)size;
			return true;
		}
		off += BLOCK + (size_t)((size + BLOCK - 1) / BLOCK) * BLOCK;
	}
	return false;
}

char *sbx_tar_add_file(char *tar, size_t *len, const char *name, const char *data, size_t data_len,
		       unsigned mode)
{
	size_t pad = (data_len + BLOCK - 1) / BLOCK * BLOCK;
	tar = xrealloc(tar, *len + BLOCK + pad);
	char *h = tar + *len;
	memset(h, 0, BLOCK + pad);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", mode & 07777);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011llo", (unsigned long long)data_len);
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	memcpy(h + BLOCK, data, data_len);
	*len += BLOCK + pad;
	return tar;
}

char *sbx_tar_finish(char *tar, size_t *len)
{
	tar = xrealloc(tar, *len + 2 * BLOCK);
	memset(tar + *len, 0, 2 * BLOCK);
	*len += 2 * BLOCK;
	return tar;
}

/* Split one passwd line into its fields (at most 7); the line is modified. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static bool parse_id(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v > 0xfffffffeUL)
		return false;
	*out = (unsigned)v;
	return true;
}

bool sbx_passwd_find(const char *passwd, const char *user, sbx_passwd_user *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = passwd;
	while (*p) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, n);
		char *f[7];
		if (split(line, f, 7) == 7 && strcmp(f[0], user) == 0) {
			if (!parse_id(f[2], &out->uid) || !parse_id(f[3], &out->gid))
				return false;
			out->home = xstrdup(f[5]);
			return true;
		}
		p += n + (p[n] == '\n');
	}
	return false;
}

/* Rewrite field `field` (2: the id, 3: the gid) of matching lines. */
static char *rewrite(const char *text, const char *name, size_t nfields, size_t field_a,
		     unsigned value_a, size_t field_b, unsigned value_b, bool by_gid,
		     unsigned old_gid)
{
	sbx_buf b = SBX_BUF_INIT;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		bool nl = p[n] == '\n';
		_cleanup_free_ char *line = xstrndup(p, n);
		_cleanup_free_ char *copy = xstrndup(p, n);
		char *f[7];
		size_t got = split(copy, f, nfields);
		unsigned gid;
		bool match = got == nfields && (by_gid ? parse_id(f[2], &gid) && gid == old_gid
						       : strcmp(f[0], name) == 0);
		if (!match) {
			sbx_buf_adds(&b, line);
		} else {
			for (size_t i = 0; i < got; i++) {
				if (i)
					sbx_buf_addc(&b, ':');
				if (i == field_a)
					sbx_buf_addf(&b, "%u", value_a);
				else if (field_b && i == field_b)
					sbx_buf_addf(&b, "%u", value_b);
				else
					sbx_buf_adds(&b, f[i]);
			}
		}
		if (nl)
			sbx_buf_addc(&b, '\n');
		p += n + nl;
	}
	return sbx_buf_detach(&b);
}

char *sbx_passwd_remap(const char *passwd, const char *user, unsigned uid, unsigned gid)
{
	return rewrite(passwd, user, 7, 2, uid, 3, gid, false, 0);
}

char *sbx_group_remap(const char *group, unsigned old_gid, unsigned gid)
{
	return rewrite(group, NULL, 4, 2, gid, 0, 0, true, old_gid);
}
