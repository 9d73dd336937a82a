#include "output.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

#define GREEN "\033[32m"
#define BOLD  "\033[1m"
#define RESET "\033[0m"

int sbx_color_mode_parse(const char *s, sbx_color_mode *mode)
{
	if (strcmp(s, "auto") == 0)
		*mode = SBX_COLOR_AUTO;
	else if (strcmp(s, "always") == 0)
		*mode = SBX_COLOR_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*mode = SBX_COLOR_NEVER;
	else
		return -1;
	return 0;
}

/*
 * Escape sequences on fd: a terminal, no --no-color, no NO_COLOR, and a
 * TERM that is not "dumb" (with need_term, set at all: cursor movement).
 * --color=always asks for colour whatever fd is and whatever NO_COLOR says
 * (the user's word on this command line), but cursor movement (need_term)
 * still needs a terminal.
 */
static bool fancy(int fd, sbx_color_mode mode, bool need_term)
{
	if (mode == SBX_COLOR_NEVER)
		return false;
	if (mode == SBX_COLOR_ALWAYS && !need_term)
		return true;
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (need_term && (!term || !*term))
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd);
}

bool sbx_out_color(sbx_color_mode mode)
{
	return fancy(STDOUT_FILENO, mode, false);
}

void sbx_out_valid(const sbx_config *cfg, bool color)
{
	_cleanup_free_ char *path = sbx_quotes(cfg->path);
	_cleanup_free_ char *image = sbx_quotes(cfg->spec->image);
	printf("%s%s%s: %s is valid (agent %s, image %s)\n", color ? GREEN : "", "ok",
	       color ? RESET : "", path, cfg->spec->agent->name, image);
}

void sbx_out_version(const sbx_lib_version *libs, bool json)
{
	if (!json) {
		printf("sbx %s\n", SBX_VERSION);
		for (size_t i = 0; libs && libs[i].name; i++)
			printf("  %-8s %s\n", libs[i].name, libs[i].version);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(SBX_VERSION));
	json_object *l = json_object_new_object();
	for (size_t i = 0; libs[i].name; i++)
		json_object_object_add(l, libs[i].name, json_object_new_string(libs[i].version));
	json_object_object_add(o, "libraries", l);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void sbx_out_init(const char *path, const sbx_agent *agent)
{
	_cleanup_free_ char *q = sbx_quotes(path);
	printf("wrote %s for agent %s\n", q, agent->name);
	printf("next: review it, commit it, and run 'sbx validate'\n");
	if (agent->login)
		printf("first login: %s\n", agent->login);
}

int sbx_out_bytes(const unsigned char *data, size_t len, sbx_error **err)
{
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		return sbx_error_set(err, SBX_ERROR, "cannot write to stdout: %s", strerror(errno));
	return 0;
}

void sbx_out_commands(const sbx_out_cmd *cmds, size_t n, const sbx_opt *globals)
{
	printf("usage: sbx [-C DIR] [-f FILE] [--color=WHEN] COMMAND [ARGS]\n\n"
	       "sbx converges a Docker container that isolates an AI coding agent to its\n"
	       "workspace, from the sandbox.yaml the workspace commits.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-10s %s\n", cmds[i].name, cmds[i].summary);
	printf("\nGlobal options go before or after the command:\n");
	sbx_opt_table(stdout, globals);
	printf("\nRun 'sbx help COMMAND' for a command's options.\n");
}

void sbx_out_usage(const char *name, const char *args, const char *summary, const sbx_opt *opts,
		   const sbx_opt *globals)
{
	sbx_opt_usage(stdout, name, args, summary, opts, globals);
}

/* The plan, apply's notes and its closing line, to stdout (apply) or stderr (exec, run). */
static void plan_to(FILE *f, const sbx_plan *plan, const sbx_fields *desired, bool color)
{
	char *text = sbx_plan_render(plan, desired, color);
	fputs(text, f);
	free(text);
	fflush(f);
}

static void note_to(FILE *f, const char *line)
{
	_cleanup_free_ char *safe = sbx_escape_line(line);
	fprintf(f, "  %s\n", safe);
	fflush(f);
}

static void applied_to(FILE *f, const sbx_plan *plan, const char *after)
{
	_cleanup_free_ char *q = sbx_quotes(plan->name);
	fprintf(f, "\nApply complete: sandbox %s is up to date and running.\n%s", q, after);
}

void sbx_out_plan(const sbx_plan *plan, const sbx_fields *desired, bool color)
{
	plan_to(stdout, plan, desired, color);
}

void sbx_out_review_file(const char *path, const char *base, const char *head, bool in_base,
			 bool in_head)
{
	_cleanup_free_ char *qp = sbx_quotes(path);
	_cleanup_free_ char *qb = sbx_escape(base);
	_cleanup_free_ char *qh = sbx_escape(head);
	printf("== %s: %s -> %s%s\n", qp, qb, qh,
	       !in_base	  ? " (new file)"
	       : !in_head ? " (deleted)"
			  : "");
}

void sbx_out_review_deleted(const sbx_fields *was, bool color)
{
	_cleanup_free_ char *text = sbx_plan_render_deleted(was, color);
	fputs(text, stdout);
}

void sbx_out_review_same(void)
{
	puts("No changes: both versions ask for the same sandbox.");
}

void sbx_out_review_none(const char *dir, const char *base, const char *head)
{
	_cleanup_free_ char *qd = dir ? sbx_quotes(dir) : NULL;
	_cleanup_free_ char *qb = sbx_escape(base);
	_cleanup_free_ char *qh = sbx_escape(head);
	printf("No changes. No sandbox.yaml %s%s differs between %s and %s.\n",
	       dir ? "under " : "in the repository", dir ? qd : "", qb, qh);
}

void sbx_out_note(const char *line)
{
	note_to(stdout, line);
}

void sbx_out_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* One line: only its own final newline is printed as one. */
	size_t len = strlen(msg);
	bool nl = len > 0 && msg[len - 1] == '\n';
	if (nl)
		msg[len - 1] = '\0';
	_cleanup_free_ char *safe = sbx_escape_line(msg);
	fprintf(stderr, "%s%s", safe, nl ? "\n" : "");
}

void sbx_out_warn_line(const char *line, void *arg)
{
	(void)arg;
	sbx_out_warn("%s\n", line);
}

bool sbx_out_progress_tty(sbx_color_mode mode)
{
	return fancy(STDERR_FILENO, mode, true);
}

/* An engine that names more layers than this is not drawn past it. */
#define PULL_MAX_LAYERS 256

void sbx_out_pull_init(sbx_out_pull *p, FILE *f, bool tty)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->tty = tty;
	p->width = 80;
	p->max_rows = 22;
	struct winsize ws;
	if (tty && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		p->width = ws.ws_col;
		p->max_rows = ws.ws_row > 3 ? (size_t)ws.ws_row - 2 : 1;
	}
}

void sbx_out_pull_release(sbx_out_pull *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->layers[i].id);
		free(p->layers[i].line);
	}
	free(p->layers);
	p->layers = NULL;
	p->n = 0;
}

/* Bytes as the Docker CLI writes them: decimal units, three significant digits. */
static void human_size(char *buf, size_t len, int64_t n)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000 && u + 1 < SBX_ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

/*
 * s cut to at most cols columns, on a character boundary (s is escaped: valid
 * UTF-8 without controls). A character beyond ASCII is counted as two
 * columns, as wide as it may be, so that a line never wraps.
 */
static void cut_to(char *s, size_t cols)
{
	size_t used = 0;
	for (char *q = s; *q;) {
		size_t len = 1;
		unsigned char c = (unsigned char)*q;
		if (c >= 0xc0)
			while ((q[len] & 0xc0) == 0x80)
				len++;
		size_t w = c < 0x80 ? 1 : 2;
		if (used + w > cols) {
			*q = '\0';
			return;
		}
		used += w;
		q += len;
	}
}

/* The layer's line: "  ID: STATUS[ CURRENT[/TOTAL]]", escaped. */
static char *layer_line(const sbx_pull_event *ev)
{
	_cleanup_free_ char *id = sbx_escape(ev->id);
	_cleanup_free_ char *status = sbx_escape(ev->status);
	char cur[32], tot[32];
	human_size(cur, sizeof(cur), ev->current);
	human_size(tot, sizeof(tot), ev->total);
	if (ev->total > 0)
		return xasprintf("  %s: %s %s/%s", id, status, cur, tot);
	if (ev->current > 0)
		return xasprintf("  %s: %s %s", id, status, cur);
	return xasprintf("  %s: %s", id, status);
}

static bool layer_complete(const char *status)
{
	return strcmp(status, "Pull complete") == 0 || strcmp(status, "Already exists") == 0;
}

static void pull_layer(sbx_out_pull *p, const sbx_pull_event *ev)
{
	size_t i = 0;
	while (i < p->n && strcmp(p->layers[i].id, ev->id) != 0)
		i++;
	if (i == p->n) {
		if (p->n == PULL_MAX_LAYERS)
			return;
		p->layers = xrealloc(p->layers, (p->n + 1) * sizeof(*p->layers));
		p->layers[p->n++] = (sbx_out_pull_layer){xstrdup(ev->id), NULL, false};
	}
	sbx_out_pull_layer *l = &p->layers[i];
	if (!p->tty) {
		/* Quiet: a layer's line once, when it is complete. */
		if (l->done || !layer_complete(ev->status))
			return;
		l->done = true;
		_cleanup_free_ char *id = sbx_escape(ev->id);
		_cleanup_free_ char *status = sbx_escape(ev->status);
		fprintf(p->f, "  %s: %s\n", id, status);
		return;
	}
	char *line = layer_line(ev);
	cut_to(line, p->width > 1 ? p->width - 1 : 1);
	if (l->line && strcmp(l->line, line) == 0) {
		free(line);
		return;
	}
	free(l->line);
	l->line = line;
	if (i == p->drawn && p->drawn < p->max_rows) {
		/* A new line at the bottom of the block. */
		fprintf(p->f, "%s\n", line);
		p->drawn++;
	} else if (i < p->drawn) {
		/* Up to its line, rewrite it, and back down below the block. */
		size_t up = p->drawn - i;
		fprintf(p->f, "\033[%zuA\r\033[2K%s\033[%zuB\r", up, line, up);
	}
}

void sbx_out_pull_event(const sbx_pull_event *ev, void *arg)
{
	sbx_out_pull *p = arg;
	switch (ev->kind) {
	case SBX_PULL_START: {
		_cleanup_free_ char *q = sbx_quotes(ev->image);
		fprintf(p->f, "  pulling %s\n", q);
		break;
	}
	case SBX_PULL_LAYER:
		pull_layer(p, ev);
		break;
	case SBX_PULL_DONE: {
		_cleanup_free_ char *q = sbx_quotes(ev->image);
		_cleanup_free_ char *d = ev->digest ? sbx_escape(ev->digest) : NULL;
		fprintf(p->f, "  pulled %s%s%s%s\n", q, d ? " (" : "", d ? d : "", d ? ")" : "");
		break;
	}
	case SBX_PULL_ERROR:
		/* The error itself is the command's to report; the block stays as it was. */
		break;
	}
	fflush(p->f);
}

void sbx_out_applied(const sbx_plan *plan)
{
	applied_to(stdout, plan, "");
}

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/*
 * json-c escapes the C0 controls but passes DEL, the C1 controls (U+0080 to
 * U+009F: an 8-bit CSI is U+009B), the bidi overrides and the line and
 * paragraph separators through raw: a terminal or an editor that shows the
 * JSON then obeys them. Outside strings JSON is ASCII, so each of these can
 * be written as \u00XX wherever it appears in the text.
 */
static void put_json_text(const char *text)
{
	sbx_buf b = SBX_BUF_INIT;
	const unsigned char *u = (const unsigned char *)text;
	size_t len = strlen(text);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			/* json-c writes strings as given; sbx's are UTF-8, but say so if not. */
			sbx_buf_adds(&b, "\\ufffd");
			i++;
			continue;
		}
		if (cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || sbx_is_hidden_control(cp))
			sbx_buf_addf(&b, "\\u%04x", (unsigned)cp);
		else
			sbx_buf_add(&b, u + i, n);
		i += n;
	}
	_cleanup_free_ char *safe = sbx_buf_detach(&b);
	puts(safe);
}

static void put_json(json_object *o)
{
	put_json_text(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * ---- the JSON renderings ----
 *
 * One envelope for every --json output (schema/README.md): format_version,
 * kind, then the kind's own members, each value typed by its row of the
 * field table: numbers as numbers, lists as arrays, mounts as objects, and
 * a value that may stand for a secret as SBX_VALUE_SENSITIVE, wherever it
 * appears. schema/output/KIND.schema.json describes each; the tests hold
 * real outputs to them.
 */
static json_object *envelope(const char *kind)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "format_version", json_object_new_int(SBX_JSON_FORMAT_VERSION));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	return o;
}

static json_object *jmount(const char *target, const char *value)
{
	size_t n;
	bool writable;
	if (!sbx_value_mount_parse(value, &n, &writable))
		return NULL;
	json_object *m = json_object_new_object();
	_cleanup_free_ char *source = xstrndup(value, n);
	json_object_object_add(m, "source", json_object_new_string(source));
	if (target)
		json_object_object_add(m, "target", json_object_new_string(target));
	json_object_object_add(m, "readonly", json_object_new_boolean(!writable));
	return m;
}

static json_object *jcredentials(const char *value)
{
	sbx_credentials_value c;
	if (!sbx_value_credentials_parse(value, &c))
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", jstr(c.kind));
	if (c.volume) {
		json_object_object_add(o, "volume", jstr(c.volume));
		json_object_object_add(o, "dir", jstr(c.dir));
	}
	if (c.tokens_volume) {
		json_object_object_add(o, "tokens_volume", jstr(c.tokens_volume));
		json_object_object_add(o, "tokens_dir", jstr(c.tokens_dir));
	}
	sbx_credentials_value_release(&c);
	return o;
}

/*
 * A field's value as JSON, typed by its row of the table; NULL (null) for
 * an absent one. "unlimited" and the other words stay strings, and so does
 * a value that is not in sbx's words (a label another program wrote).
 */
static json_object *jvalue(const char *path, const char *value, bool sensitive)
{
	if (!value)
		return NULL;
	if (sensitive)
		return json_object_new_string(SBX_VALUE_SENSITIVE);
	json_object *j = NULL;
	switch (sbx_field_rule_of(path)->type) {
	case SBX_TYPE_ARGV: {
		char **v;
		size_t n;
		if (!sbx_value_argv_parse(value, &v, &n))
			break;
		j = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(j, json_object_new_string(v[i]));
		sbx_strv_free(v);
		break;
	}
	case SBX_TYPE_BOOL: {
		bool b;
		if (sbx_value_bool_parse(value, &b))
			j = json_object_new_boolean(b);
		break;
	}
	case SBX_TYPE_CPUS: {
		double d;
		/* As the formatter wrote it ("%g"), a JSON number: no binary rounding shows. */
		if (!sbx_value_is_unlimited(value) && sbx_value_cpus_parse(value, &d))
			j = json_object_new_double_s(d, value);
		break;
	}
	case SBX_TYPE_BYTES:
	case SBX_TYPE_COUNT: {
		int64_t n;
		if (!sbx_value_is_unlimited(value) && sbx_value_count_parse(value, &n))
			j = json_object_new_int64(n);
		break;
	}
	case SBX_TYPE_MOUNT:
		j = jmount(sbx_field_member_name(path, SBX_F_MOUNTS), value);
		break;
	case SBX_TYPE_SOCKET:
		if (!sbx_value_socket_on(value))
			j = json_object_new_boolean(false);
		break;
	case SBX_TYPE_CREDENTIALS:
		j = jcredentials(value);
		break;
	case SBX_TYPE_TEXT:
	case SBX_TYPE_PATH:
	case SBX_TYPE_PASS_ENV:
	case SBX_TYPE_NETWORK:
		break;
	}
	return j ? j : json_object_new_string(value);
}

/* o[key], an object made when missing. Borrowed. */
static json_object *member(json_object *o, const char *key, bool array)
{
	json_object *m;
	if (!json_object_object_get_ex(o, key, &m)) {
		m = array ? json_object_new_array() : json_object_new_object();
		json_object_object_add(o, key, m);
	}
	return m;
}

/*
 * A canonical form (sorted (path, value) pairs) as one nested object: the
 * families env, pass_env and git as objects by name, mounts as a list of
 * {source, target, readonly}, the limits under resources, the fields that
 * qualify another (docker_socket.group, workspace.config, .owner) beside
 * it with an underscore, and a path no row knows under other, as text.
 */
static json_object *spec_json(const sbx_fields *f)
{
	json_object *o = json_object_new_object();
	static const sbx_field_id families[] = {SBX_F_ENV, SBX_F_PASS_ENV, SBX_F_GIT};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(families); i++) {
		_cleanup_free_ char *key =
		    xstrndup(sbx_field_path(families[i]), strlen(sbx_field_path(families[i])) - 1);
		member(o, key, false);
	}
	member(o, "mounts", true);
	for (size_t i = 0; i < f->n; i++) {
		const char *path = f->v[i].path;
		json_object *v = jvalue(path, f->v[i].value, f->v[i].sensitive);
		sbx_field_id id = sbx_field_id_of(path);
		switch (id) {
		case SBX_F_ENV:
		case SBX_F_PASS_ENV:
		case SBX_F_GIT: {
			_cleanup_free_ char *key =
			    xstrndup(sbx_field_path(id), strlen(sbx_field_path(id)) - 1);
			json_object_object_add(member(o, key, false),
					       sbx_field_member_name(path, id), v);
			break;
		}
		case SBX_F_MOUNTS:
			json_object_array_add(member(o, "mounts", true), v);
			break;
		case SBX_F_CPUS:
		case SBX_F_MEMORY:
		case SBX_F_PIDS:
			json_object_object_add(member(o, "resources", false), strchr(path, '.') + 1,
					       v);
			break;
		case SBX_F_UNKNOWN:
			json_object_object_add(member(o, "other", false), path, v);
			break;
		default: {
			/* "docker_socket.group" beside docker_socket as "docker_socket_group" */
			_cleanup_free_ char *key = xstrdup(path);
			for (char *p = key; *p; p++)
				if (*p == '.')
					*p = '_';
			json_object_object_add(o, key, v);
			break;
		}
		}
	}
	return o;
}

static json_object *ls_json(const sbx_sandbox_info *list, size_t n)
{
	json_object *o = envelope("sandboxes");
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const sbx_sandbox_info *s = &list[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "name", jstr(s->name));
		json_object_object_add(j, "id", jstr(s->id));
		json_object_object_add(j, "agent", jstr(s->agent));
		json_object_object_add(j, "workspace", jstr(s->workspace));
		json_object_object_add(j, "workspace_gone",
				       json_object_new_boolean(s->workspace_gone));
		json_object_object_add(j, "status", jstr(s->status));
		json_object_object_add(j, "created",
				       s->created > 0 ? json_object_new_int64(s->created) : NULL);
		json_object_object_add(j, "image", jstr(s->image));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "sandboxes", arr);
	return o;
}

static json_object *inspect_json(const sbx_actual *a)
{
	json_object *o = envelope("sandbox");
	json_object_object_add(o, "name", jstr(a->name));
	json_object_object_add(o, "id", jstr(a->id));
	json_object_object_add(o, "status", jstr(a->status));
	json_object_object_add(o, "running", json_object_new_boolean(a->running));
	json_object_object_add(o, "workspace", jstr(a->workspace));
	json_object_object_add(o, "created",
			       a->created > 0 ? json_object_new_int64(a->created) : NULL);
	json_object_object_add(o, "form_version", json_object_new_int(a->form_version));
	/* From the labels: an earlier sbx's digest of a secret is "(sensitive)" there. */
	json_object_object_add(o, "spec", spec_json(&a->fields));
	return o;
}

static const char *change_action(const sbx_change *c)
{
	return !c->old_value ? "add" : !c->new_value ? "remove" : "change";
}

static json_object *plan_json(const sbx_plan *plan, const char *const *busy)
{
	json_object *o = envelope("plan");
	json_object_object_add(o, "sandbox", jstr(plan->name));
	json_object_object_add(o, "changes_present",
			       json_object_new_boolean(sbx_plan_has_changes(plan)));
	json_object *actions = json_object_new_array();
	json_object *state = NULL;
	for (size_t i = 0; i < plan->n_actions; i++) {
		const sbx_action *act = &plan->actions[i];
		json_object *a = json_object_new_object();
		json_object_object_add(a, "action", jstr(sbx_action_name(act->type)));
		json_object_object_add(a, "reason", jstr(act->reason));
		if (act->type == SBX_ACTION_RENAME && act->from)
			json_object_object_add(a, "from", jstr(act->from));
		if (act->type == SBX_ACTION_RECREATE && !state) {
			/* What the recreate does with the installed state, and why. */
			_cleanup_free_ char *why = sbx_keep_reason(act);
			state = json_object_new_object();
			json_object_object_add(state, "kept",
					       json_object_new_boolean(sbx_keep_kept(act->keep)));
			json_object_object_add(state, "reason", jstr(why));
		}
		json_object_array_add(actions, a);
	}
	json_object_object_add(o, "actions", actions);
	json_object_object_add(o, "installed_state", state);
	/* The running sessions a recreate would end (apply asks before it does). */
	json_object *sessions = json_object_new_array();
	for (size_t i = 0; busy && busy[i]; i++)
		json_object_array_add(sessions, json_object_new_string(busy[i]));
	json_object_object_add(o, "busy_sessions", sessions);
	json_object *changes = json_object_new_array();
	for (size_t i = 0; i < plan->n_changes; i++) {
		const sbx_change *c = &plan->changes[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "path", jstr(c->path));
		json_object_object_add(j, "action", jstr(change_action(c)));
		json_object_object_add(j, "before", jvalue(c->path, c->old_value, c->sensitive));
		json_object_object_add(j, "after", jvalue(c->path, c->new_value, c->sensitive));
		json_object_object_add(j, "effect", jstr(sbx_effect_name(c->effect)));
		json_object_object_add(j, "host_access", jstr(sbx_access_name(c->access)));
		json_object_object_add(j, "sensitive", json_object_new_boolean(c->sensitive));
		/* The same reference naming another image: before and after are image ids. */
		json_object_object_add(j, "image_update", json_object_new_boolean(c->image_update));
		json_object_array_add(changes, j);
	}
	json_object_object_add(o, "changes", changes);
	/* What a security review must see, as the text's "!!" header lists it. */
	json_object *security = json_object_new_array();
	for (size_t i = 0; i < plan->n_changes; i++) {
		const sbx_change *c = &plan->changes[i];
		if (!c->security)
			continue;
		json_object *j = json_object_new_object();
		json_object_object_add(j, "field", jstr(c->path));
		json_object_object_add(j, "change", jstr(change_action(c)));
		json_object_object_add(j, "why", jstr(c->security));
		json_object_array_add(security, j);
	}
	json_object_object_add(o, "security", security);
	return o;
}

void sbx_out_plan_json(const sbx_plan *plan, const char *const *busy)
{
	put_json(plan_json(plan, busy));
}

struct sbx_out_review {
	json_object *o, *files;
};

sbx_out_review *sbx_out_review_begin(const char *base, const char *base_commit, const char *head,
				     const char *head_commit)
{
	sbx_out_review *r = xcalloc(1, sizeof(*r));
	r->o = envelope("review");
	json_object *b = json_object_new_object();
	json_object_object_add(b, "rev", jstr(base));
	json_object_object_add(b, "commit", jstr(base_commit));
	json_object_object_add(r->o, "base", b);
	json_object *h = json_object_new_object();
	json_object_object_add(h, "rev", head ? jstr(head) : NULL);
	json_object_object_add(h, "commit", head_commit ? jstr(head_commit) : NULL);
	json_object_object_add(r->o, "head", h);
	r->files = json_object_new_array();
	return r;
}

void sbx_out_review_add(sbx_out_review *r, const char *path, bool in_base, bool in_head,
			const sbx_plan *plan, const sbx_fields *was)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "path", jstr(path));
	bool changed = !in_head || sbx_plan_has_changes(plan);
	json_object_object_add(f, "status", jstr(!in_base   ? "added"
						 : !in_head ? "deleted"
						 : changed  ? "modified"
							    : "unchanged"));
	json_object_object_add(f, "plan", in_head ? plan_json(plan, NULL) : NULL);
	/* A deleted file: what its sandbox was made from, as inspect --json gives a form. */
	json_object_object_add(f, "removed", in_head ? NULL : spec_json(was));
	json_object_array_add(r->files, f);
}

void sbx_out_review_discard(sbx_out_review *r)
{
	if (!r)
		return;
	json_object_put(r->o);
	json_object_put(r->files);
	free(r);
}

void sbx_out_review_end(sbx_out_review *r, bool changes, size_t security)
{
	json_object_object_add(r->o, "changes_present", json_object_new_boolean(changes));
	json_object_object_add(r->o, "security_relevant", json_object_new_int64((int64_t)security));
	json_object_object_add(r->o, "files", r->files);
	put_json(r->o);
	free(r);
}

static const char *problem_code(int code)
{
	switch (code) {
	case SBX_EINVALID:
		return "invalid";
	case SBX_EPOLICY:
		return "refused";
	case SBX_ENOTFOUND:
		return "not-found";
	default:
		return "error";
	}
}

void sbx_out_validation(const sbx_out_checked *files, size_t n, bool host)
{
	json_object *o = envelope("validation");
	bool all = true;
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const sbx_out_checked *f = &files[i];
		json_object *j = json_object_new_object();
		const char *path = f->path	 ? f->path
				   : f->cfg	 ? f->cfg->path
				   : f->problems ? f->problems->file
						 : NULL;
		json_object_object_add(j, "path", jstr(path));
		json_object_object_add(j, "valid", json_object_new_boolean(f->cfg != NULL));
		json_object_object_add(j, "agent", f->cfg ? jstr(f->cfg->spec->agent->name) : NULL);
		json_object_object_add(j, "image", f->cfg ? jstr(f->cfg->spec->image) : NULL);
		json_object *ps = json_object_new_array();
		for (const sbx_error *e = f->problems; e; e = e->next) {
			json_object *p = json_object_new_object();
			json_object_object_add(p, "code", jstr(problem_code(e->code)));
			json_object_object_add(p, "file", jstr(e->file));
			json_object_object_add(p, "line",
					       e->line > 0 ? json_object_new_int(e->line) : NULL);
			json_object_object_add(p, "col",
					       e->col > 0 ? json_object_new_int(e->col) : NULL);
			json_object_object_add(p, "message", jstr(e->text ? e->text : e->msg));
			json_object_object_add(p, "hint", jstr(e->hint));
			json_object_array_add(ps, p);
		}
		json_object_object_add(j, "problems", ps);
		all &= f->cfg != NULL;
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "valid", json_object_new_boolean(all));
	json_object_object_add(o, "host_checked", json_object_new_boolean(host));
	json_object_object_add(o, "files", arr);
	put_json(o);
}

void sbx_out_ls(const sbx_sandbox_info *list, size_t n, bool json, bool quiet)
{
	if (json) {
		put_json(ls_json(list, n));
		return;
	}
	if (quiet) {
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *q = sbx_quotes(list[i].name);
			/* Names are [a-zA-Z0-9_.-]: print them bare, as the quoting changes
			 * nothing. */
			printf("%.*s\n", (int)strlen(q) - 2, q + 1);
		}
		return;
	}
	/* Columns as wide as their widest cell: long names, images and paths stay aligned. */
	enum { COLS = 6 };
	char **cells = xcalloc((n + 1) * COLS, sizeof(char *));
	const char *head[COLS] = {"NAME", "AGENT", "STATUS", "CREATED", "IMAGE", "WORKSPACE"};
	for (size_t c = 0; c < COLS; c++)
		cells[c] = xstrdup(head[c]);
	for (size_t i = 0; i < n; i++) {
		const sbx_sandbox_info *s = &list[i];
		char when[32] = "?";
		time_t t = (time_t)s->created;
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		/* From the engine: escaped, without quotes in a table. */
		_cleanup_free_ char *ws = sbx_escape(s->workspace);
		char **row = &cells[(i + 1) * COLS];
		row[0] = sbx_escape(s->name);
		row[1] = sbx_escape(s->agent);
		row[2] = sbx_escape(s->status);
		row[3] = xstrdup(when);
		row[4] = sbx_escape(s->image);
		row[5] = xasprintf("%s%s", ws, s->workspace_gone ? " (gone)" : "");
	}
	char *text = sbx_table((const char *const *)cells, n + 1, COLS);
	fputs(text, stdout);
	free(text);
	for (size_t i = 0; i < (n + 1) * COLS; i++)
		free(cells[i]);
	free(cells);
}

void sbx_out_inspect(const sbx_actual *a, bool json)
{
	if (json) {
		put_json(inspect_json(a));
		return;
	}
	_cleanup_free_ char *name = sbx_quotes(a->name);
	_cleanup_free_ char *status = sbx_quotes(a->status);
	_cleanup_free_ char *id = sbx_escape(a->id);
	printf("sandbox %s\n  id:     %s\n  status: %s\n", name, id, status);
	for (size_t i = 0; i < a->fields.n; i++) {
		/* From the engine's labels: anyone with the socket could have written them. */
		_cleanup_free_ char *path = sbx_escape(a->fields.v[i].path);
		_cleanup_free_ char *v = a->fields.v[i].sensitive
					     ? xstrdup(SBX_VALUE_SENSITIVE)
					     : sbx_quotes(a->fields.v[i].value);
		printf("  %s = %s\n", path, v);
	}
}

void sbx_out_done(const char *what, const char *name)
{
	_cleanup_free_ char *q = sbx_quotes(name);
	printf("%s %s\n", what, q);
}

void sbx_out_removal(const char *what, const char *name, sbx_removal r, void *why_left)
{
	if (r == SBX_REMOVAL_REMOVED) {
		_cleanup_free_ char *done = strcmp(what, "sandbox") == 0
						? xstrdup("removed")
						: xasprintf("removed %s", what);
		sbx_out_done(done, name);
	} else if (r == SBX_REMOVAL_NOT_OURS) {
		_cleanup_free_ char *q = sbx_quotes(name);
		sbx_out_warn("sbx: left the %s %s: %s\n", what, q, (const char *)why_left);
	}
}

void sbx_out_prune(const sbx_prune *p)
{
	if (!p->n_sandboxes && !p->n_left) {
		printf("Nothing to prune.\n");
		return;
	}
	for (size_t i = 0; i < p->n_sandboxes; i++) {
		_cleanup_free_ char *qn = sbx_quotes(p->sandboxes[i].name);
		_cleanup_free_ char *qw =
		    sbx_quotes(p->sandboxes[i].workspace ? p->sandboxes[i].workspace : "");
		printf("sandbox %s (its workspace %s is gone), with its snapshots and own volume\n",
		       qn, qw);
	}
	for (size_t i = 0; i < p->n_left; i++) {
		const sbx_leftover *l = &p->left[i];
		_cleanup_free_ char *qn = sbx_quotes(l->id);
		_cleanup_free_ char *qw = sbx_quotes(l->workspace ? l->workspace : "");
		if (l->image)
			printf("image %s (a snapshot of %s that no container uses)\n", qn, qw);
		else
			printf("volume %s (of %s, which is gone; no container uses it)\n", qn, qw);
	}
}

void sbx_out_trust_diff(const sbx_diff *d)
{
	if (d->n == 0)
		return;
	printf("Changed since your last approval:\n");
	for (size_t i = 0; i < d->n; i++) {
		if (!d->v[i].grant)
			continue;
		_cleanup_free_ char *e = sbx_escape(d->v[i].text);
		printf("  %s line %d: %s\n", d->v[i].op == '+' ? "+ asks now " : "- no longer",
		       d->v[i].line, e);
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].grant)
			continue;
		_cleanup_free_ char *e = sbx_escape(d->v[i].text);
		printf("  %c%4d | %s\n", d->v[i].op, d->v[i].line, e);
	}
}

void sbx_out_grants(const char *path, const sbx_grants *g, const char *enclosing)
{
	_cleanup_free_ char *q = sbx_quotes(path);
	if (enclosing) {
		_cleanup_free_ char *qe = sbx_quotes(enclosing);
		printf(
		    "%s sits inside the workspace %s, which has a sandbox.yaml of its own: an "
		    "agent in that sandbox could have written it; trusting it makes it a sandbox "
		    "of its own\n",
		    q, qe);
	}
	if (g->n == 0) {
		printf("%s asks for no host access%s\n", q, enclosing ? "" : ": nothing to trust");
		return;
	}
	printf("%s asks for host access:\n", q);
	for (size_t i = 0; i < g->n; i++)
		printf("  line %d: %s\n", g->v[i].pos.line, g->v[i].what);
}

bool sbx_out_color_stderr(sbx_color_mode mode)
{
	return fancy(STDERR_FILENO, mode, false);
}

void sbx_out_plan_stderr(const sbx_plan *plan, const sbx_fields *desired, bool color)
{
	plan_to(stderr, plan, desired, color);
}

void sbx_out_note_stderr(const char *line)
{
	note_to(stderr, line);
}

/* A blank line after it: the command's own output follows on the terminal. */
void sbx_out_applied_stderr(const sbx_plan *plan)
{
	applied_to(stderr, plan, "\n");
}
