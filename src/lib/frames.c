#include "frames.h"

#include <string.h>

void sbx_frames_init(sbx_frames *f)
{
	memset(f, 0, sizeof(*f));
}

bool sbx_frames_between(const sbx_frames *f)
{
	return f->left == 0 && f->head_len == 0;
}

int sbx_frames_feed(sbx_frames *f, const void *data, size_t len, sbx_frames_fn out, void *arg,
		    sbx_error **err)
{
	const unsigned char *p = data;
	while (len > 0) {
		if (f->left > 0) {
			size_t n = len < f->left ? len : f->left;
			int rc = out(f->stream, p, n, arg);
			if (rc != 0)
				return rc;
			f->left -= (uint32_t)n;
			p += n;
			len -= n;
			continue;
		}
		size_t n = sizeof(f->head) - f->head_len;
		if (n > len)
			n = len;
		memcpy(f->head + f->head_len, p, n);
		f->head_len += n;
		p += n;
		len -= n;
		if (f->head_len < sizeof(f->head))
			break;
		f->head_len = 0;
		if (f->head[0] > SBX_FRAME_SYSERR || f->head[1] || f->head[2] || f->head[3])
			return sbx_error_set(err, SBX_ERROR,
					     "the engine's stream is garbled (a frame header "
					     "names stream %u)",
					     (unsigned)f->head[0]);
		f->stream = f->head[0];
		f->left = (uint32_t)f->head[4] << 24 | (uint32_t)f->head[5] << 16 |
			  (uint32_t)f->head[6] << 8 | (uint32_t)f->head[7];
	}
	return 0;
}
