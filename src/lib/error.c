#include "error.h"

#include <stdlib.h>
#include <string.h>

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

void sbx_error_locate(sbx_error **err, const char *file, int line, int col, const char *text,
		      const char *hint)
{
	if (!err || !*err)
		return;
	sbx_error *e = *err;
	while (e->next)
		e = e->next;
	free(e->file);
	free(e->text);
	free(e->hint);
	e->file = file ? xstrdup(file) : NULL;
	e->line = line;
	e->col = col;
	e->text = text ? xstrdup(text) : NULL;
	e->hint = hint ? xstrdup(hint) : NULL;
}

void sbx_error_locate_msg(sbx_error **err, const char *shown, const char *file)
{
	if (!err || !*err)
		return;
	sbx_error *e = *err;
	while (e->next)
		e = e->next;
	size_t n = strlen(shown);
	if (e->file || strncmp(e->msg, shown, n) != 0 || e->msg[n] != ':')
		return;
	char *end;
	long line = strtol(e->msg + n + 1, &end, 10);
	if (*end != ':' || line <= 0 || line > 1000000000)
		return;
	long col = strtol(end + 1, &end, 10);
	if (end[0] != ':' || end[1] != ' ' || col <= 0 || col > 1000000000)
		return;
	sbx_error_locate(err, file, (int)line, (int)col, end + 2, NULL);
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
		free(err->file);
		free(err->text);
		free(err->hint);
		free(err);
		err = next;
	}
}
