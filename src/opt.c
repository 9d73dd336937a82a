#include "opt.h"

#include <string.h>

/* Set o's value from an argument: a string, or one more of a list. */
static void set_value(const sbx_opt *o, const char *v)
{
	if (o->type == SBX_OPT_LIST) {
		sbx_opt_list *l = o->value;
		l->v = xreallocarray(l->v, l->n + 2, sizeof(*l->v));
		l->v[l->n++] = v;
		l->v[l->n] = NULL;
		return;
	}
	*(const char **)o->value = v;
}

static const sbx_opt *find_long(const sbx_opt *opts, const char *name, size_t len)
{
	for (const sbx_opt *o = opts; o->long_name || o->short_name; o++)
		if (o->long_name && strlen(o->long_name) == len &&
		    strncmp(o->long_name, name, len) == 0)
			return o;
	return NULL;
}

static const sbx_opt *find_short(const sbx_opt *opts, char c)
{
	for (const sbx_opt *o = opts; o->long_name || o->short_name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* opts has an option spelled as o, long or short. */
static bool shadowed(const sbx_opt *opts, const sbx_opt *o)
{
	return (o->long_name && find_long(opts, o->long_name, strlen(o->long_name))) ||
	       (o->short_name && find_short(opts, o->short_name));
}

sbx_opt *sbx_opt_merge(const sbx_opt *opts, const sbx_opt *more)
{
	size_t n = 0, m = 0;
	while (opts[n].long_name || opts[n].short_name)
		n++;
	while (more && (more[m].long_name || more[m].short_name))
		m++;
	sbx_opt *v = xcalloc(n + m + 1, sizeof(*v));
	memcpy(v, opts, n * sizeof(*v));
	for (size_t i = 0, k = n; i < m; i++)
		if (!shadowed(opts, &more[i]))
			v[k++] = more[i];
	return v;
}

static const char *suggest_long(const sbx_opt *opts, const char *name)
{
	const char *cands[64];
	size_t n = 0;
	for (const sbx_opt *o = opts; (o->long_name || o->short_name) && n < 63; o++)
		if (o->long_name)
			cands[n++] = o->long_name;
	cands[n] = "help";
	cands[n + 1] = NULL;
	return sbx_suggest(name, cands);
}

int sbx_opt_parse(const sbx_opt *opts, int argc, char **argv, int *nargs, bool *help,
		  bool stop_at_operand, sbx_error **err)
{
	int out = 1;
	bool only_operands = false;
	*help = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_operands || a[0] != '-' || a[1] == '\0') {
			argv[out++] = a;
			if (stop_at_operand)
				only_operands = true;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const sbx_opt *o = find_long(opts, name, len);
			if (!o) {
				_cleanup_free_ char *n = xstrndup(name, len);
				_cleanup_free_ char *dashed = xasprintf("--%s", n);
				_cleanup_free_ char *q = sbx_quotes(dashed);
				const char *s = suggest_long(opts, n);
				if (s)
					return sbx_error_set(err, SBX_EUSAGE,
							     "unknown option %s (did you mean "
							     "'--%s'?)",
							     q, s);
				return sbx_error_set(err, SBX_EUSAGE, "unknown option %s", q);
			}
			if (o->type == SBX_OPT_FLAG) {
				if (eq)
					return sbx_error_set(err, SBX_EUSAGE,
							     "option --%s takes no value",
							     o->long_name);
				*(bool *)o->value = true;
			} else if (eq) {
				set_value(o, eq + 1);
			} else if (i + 1 < argc) {
				set_value(o, argv[++i]);
			} else {
				return sbx_error_set(err, SBX_EUSAGE,
						     "option --%s needs a value (%s)", o->long_name,
						     o->arg_name);
			}
			continue;
		}
		/* A cluster of short options: -qv, -CDIR, -C DIR. */
		for (const char *p = a + 1; *p; p++) {
			const sbx_opt *o = find_short(opts, *p);
			if (!o) {
				char dashed[3] = {'-', *p, '\0'};
				_cleanup_free_ char *q = sbx_quotes(dashed);
				return sbx_error_set(err, SBX_EUSAGE, "unknown option %s", q);
			}
			if (o->type == SBX_OPT_FLAG) {
				*(bool *)o->value = true;
				continue;
			}
			if (p[1]) {
				set_value(o, p + 1);
			} else if (i + 1 < argc) {
				set_value(o, argv[++i]);
			} else {
				return sbx_error_set(err, SBX_EUSAGE,
						     "option -%c needs a value (%s)", o->short_name,
						     o->arg_name);
			}
			break;
		}
	}
	*nargs = out - 1;
	return 0;
}

void sbx_opt_table(FILE *f, const sbx_opt *opts)
{
	for (const sbx_opt *o = opts; o && (o->long_name || o->short_name); o++) {
		char left[64];
		const char *arg = o->type != SBX_OPT_FLAG ? o->arg_name : NULL;
		if (o->short_name && o->long_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->long_name,
				 arg ? " " : "", arg ? arg : "");
		else if (o->long_name)
			snprintf(left, sizeof(left), "    --%s%s%s", o->long_name, arg ? " " : "",
				 arg ? arg : "");
		else
			snprintf(left, sizeof(left), "-%c%s%s", o->short_name, arg ? " " : "",
				 arg ? arg : "");
		/* A help text of several lines: the others under the first. */
		const char *h = o->help;
		size_t n = strcspn(h, "\n");
		fprintf(f, "  %-24s %.*s\n", left, (int)n, h);
		while (h[n] == '\n') {
			h += n + 1;
			n = strcspn(h, "\n");
			fprintf(f, "  %-24s %.*s\n", "", (int)n, h);
		}
	}
	fprintf(f, "  %-24s %s\n", "-h, --help", "show this help");
}

void sbx_opt_usage(FILE *f, const char *name, const char *args, const char *summary,
		   const sbx_opt *opts, const sbx_opt *globals)
{
	fprintf(f, "usage: sbx %s%s%s\n\n%s\n", name, args && *args ? " " : "", args ? args : "",
		summary);
	fputs("\noptions:\n", f);
	sbx_opt_table(f, opts);
	size_t n = 0;
	for (const sbx_opt *o = globals; o && (o->long_name || o->short_name); o++) {
		if (opts && shadowed(opts, o))
			continue;
		fputs(n++ ? ", " : "\nglobal options, also after the command: ", f);
		if (o->short_name)
			fprintf(f, "-%c", o->short_name);
		else
			fprintf(f, "--%s", o->long_name);
		if (o->type != SBX_OPT_FLAG)
			fprintf(f, " %s", o->arg_name);
	}
	if (n)
		fputs(" (see sbx help)\n", f);
}
