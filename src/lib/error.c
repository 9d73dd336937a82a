#include "error.h"

#include <stdlib.h>

int sbx_error_setv(sbx_error **err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	sbx_error *e = xcalloc(1, sizeof(*e));
	e->code = code;
	e->msg = xvasprintf(fmt, ap);
	sbx_error **tail = err;
	while (*tail)
		tail = &(*tail)->next;
	*tail = e;
	return code;
}

int sbx_error_set(sbx_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbx_error_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void sbx_error_wrap(sbx_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
}

size_t sbx_error_count(const sbx_error *err)
{
	size_t n = 0;
	for (; err; err = err->next)
		n++;
	return n;
}

void sbx_error_free(sbx_error *err)
{
	while (err) {
		sbx_error *next = err->next;
		free(err->msg);
		free(err);
		err = next;
	}
}
