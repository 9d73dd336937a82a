#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "agent.h"
#include "util.h"

/*
 * The loader works in two passes over memory it owns. The first turns
 * libyaml's event stream into a small tree of nodes, refusing on the way
 * what the language does not have (anchors, aliases, tags, several
 * documents) and stopping at once at the depth and width caps, so a hostile
 * file costs no more than its first few hundred events. The second walks
 * the tree against the field tables below and fills the spec. Problems are
 * collected with their positions and reported sorted, so `sbx validate`
 * lists every one it can find.
 */

/* The patterns of the language. schema/sandbox.schema.json states the same ones. */
#define RE_IMAGE                                                                                   \
	"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"                                      \
	"(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(:[0-9]+)?/)?"                     \
	"[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*"                 \
	"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"                                                    \
	"(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
#define RE_NAME	    "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"
#define RE_USER	    "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$"
#define RE_ENV_NAME "^[A-Za-z_][A-Za-z0-9_]*$"
#define RE_MEMORY   "^[1-9][0-9]*[kKmMgG]?$"

enum { P_IMAGE, P_NAME, P_USER, P_ENV_NAME, P_MEMORY, P__COUNT };

static const char *const pattern_src[P__COUNT] = {RE_IMAGE, RE_NAME, RE_USER, RE_ENV_NAME,
						  RE_MEMORY};

static bool matches(int which, const char *s)
{
	static regex_t re[P__COUNT];
	static bool compiled[P__COUNT];
	if (!compiled[which]) {
		int rc = regcomp(&re[which], pattern_src[which], REG_EXTENDED | REG_NOSUB);
		if (rc != 0)
			abort(); /* a constant pattern: a programming error */
		compiled[which] = true;
	}
	return regexec(&re[which], s, 0, NULL, 0) == 0;
}

/* ---- reading ---- */

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

static int read_config(char **out, size_t *out_len, const char *path, const char *fp, int flags,
		       sbx_error **err)
{
	*out = NULL;
	*out_len = 0;
	_cleanup_free_ char *qp = sbx_quotes(path);
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & SBX_CONFIG_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	int fd = open(path, oflags);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return sbx_error_set(err, SBX_ENOTFOUND, "%s: no such file", qp);
		if (e == ELOOP && (flags & SBX_CONFIG_NOFOLLOW))
			return sbx_error_set(err, SBX_EINVALID,
					     "%s:1:1: is a symbolic link; sbx reads only a regular "
					     "sandbox.yaml (name the link's target, or pass "
					     "--follow-link)",
					     fp);
		return sbx_error_set(err, SBX_ERROR, "cannot open %s: %s", qp, strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return sbx_error_set(err, SBX_ERROR, "cannot stat %s: %s", qp, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sbx_error_set(err, SBX_EINVALID, "%s:1:1: is %s, not a regular file", fp,
				     file_kind(st.st_mode));
	}
	if (st.st_size > SBX_CONFIG_MAX_BYTES) {
		close(fd);
		return sbx_error_set(err, SBX_EINVALID,
				     "%s:1:1: file is %lld bytes, over the limit of %d bytes", fp,
				     (long long)st.st_size, SBX_CONFIG_MAX_BYTES);
	}
	/* Read at most one byte past the cap, in case the file grew since fstat. */
	size_t cap = (size_t)st.st_size + 1;
	if (cap > SBX_CONFIG_MAX_BYTES + 1)
		cap = SBX_CONFIG_MAX_BYTES + 1;
	char *buf = xmalloc(cap + 1);
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			if (len > SBX_CONFIG_MAX_BYTES) {
				free(buf);
				close(fd);
				return sbx_error_set(err, SBX_EINVALID,
						     "%s:1:1: file is over the limit of %d bytes",
						     fp, SBX_CONFIG_MAX_BYTES);
			}
			cap = SBX_CONFIG_MAX_BYTES + 1;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return sbx_error_set(err, SBX_ERROR, "cannot read %s: %s", qp, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > SBX_CONFIG_MAX_BYTES) {
		free(buf);
		return sbx_error_set(err, SBX_EINVALID,
				     "%s:1:1: file is over the limit of %d bytes", fp,
				     SBX_CONFIG_MAX_BYTES);
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int sbx_config_read(char **out, size_t *out_len, const char *path, int flags, sbx_error **err)
{
	/* The path in "FILE:LINE:COL:" form: escaped, so a newline in it forges no line. */
	_cleanup_free_ char *fp = sbx_escape(path);
	int rc = read_config(out, out_len, path, fp, flags, err);
	if (rc < 0)
		sbx_error_locate_msg(err, fp, path);
	return rc;
}

/* ---- problems ---- */

typedef struct problem {
	sbx_pos pos;
	size_t seq;
	char *msg;
	char *hint; /* what to do, also said in msg ("did you mean 'mounts'?"), or NULL */
} problem;

typedef struct ctx {
	const char *file;
	const char *buf;
	size_t len;
	problem *probs;
	size_t nprobs;
	bool fatal;   /* stop: the event stream cannot be trusted any further */
	sbx_pos doc;  /* where the document starts (its '---', or its first node) */
	char **shown; /* what messages would quote of the file: see hide() */
	size_t nshown;
} ctx;

/*
 * Content of the file enters a message only through hide(), which keeps
 * the quoted text aside and puts a marker ("\x01N\x02") in the message.
 * Once the whole file is read, sbx_config_parse puts the text back only if
 * the file is plausibly a sandbox.yaml (a mapping with a 'version' or an
 * 'agent' key);
 * otherwise the marker becomes "(not shown)". sbx reads what -f, an operand
 * of validate or a link in a repository names: ~/.git-credentials must not
 * end up in a CI log as "found the string 'https://user:token@...'".
 * Quoted text is escaped, so it never holds the marker's bytes.
 */
static char *hide(ctx *c, char *text)
{
	c->shown = xreallocarray(c->shown, c->nshown + 1, sizeof(char *));
	c->shown[c->nshown] = text;
	return xasprintf("\x01%zu\x02", c->nshown++);
}

/* The file's text s[0..len), quoted and escaped, behind a marker. Caller frees. */
static char *cq(ctx *c, const char *s, size_t len)
{
	return hide(c, sbx_quote(s, len));
}

static char *cqs(ctx *c, const char *s)
{
	return hide(c, sbx_quotes(s));
}

/* A number as written in the file (JSON number syntax: nothing to escape). */
static char *craw(ctx *c, const char *s)
{
	return hide(c, xstrdup(s));
}

/* msg with every marker replaced by what it hides, or by "(not shown)". */
static char *unhide(const ctx *c, const char *msg, bool show, bool *hidden)
{
	sbx_buf b = SBX_BUF_INIT;
	for (const char *m = msg; *m;) {
		char *end;
		unsigned long long i;
		if (*m == '\x01' && (i = strtoull(m + 1, &end, 10), *end == '\x02') &&
		    i < c->nshown) {
			sbx_buf_adds(&b, show ? c->shown[i] : "(not shown)");
			*hidden |= !show;
			m = end + 1;
			continue;
		}
		sbx_buf_addc(&b, *m++);
	}
	return sbx_buf_detach(&b);
}

static void report(ctx *c, sbx_pos pos, const char *fmt, ...) SBX_PRINTF(3, 4);

static void vreport(ctx *c, sbx_pos pos, char *hint, const char *fmt, va_list ap) SBX_PRINTF(4, 0);

static void vreport(ctx *c, sbx_pos pos, char *hint, const char *fmt, va_list ap)
{
	/* Kept well past the cap, so that the first ones in file order are among them. */
	if (c->nprobs >= 64 * SBX_CONFIG_MAX_ERRORS) {
		free(hint);
		return;
	}
	char *msg = xvasprintf(fmt, ap);
	c->probs = xreallocarray(c->probs, c->nprobs + 1, sizeof(problem));
	c->probs[c->nprobs] = (problem){pos, c->nprobs, msg, hint};
	c->nprobs++;
}

static void report(ctx *c, sbx_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, pos, NULL, fmt, ap);
	va_end(ap);
}

/* report, with a suggestion that msg also gives: "did you mean 'SUGGESTION'?". */
static void report_suggest(ctx *c, sbx_pos pos, const char *suggestion, const char *fmt, ...)
    SBX_PRINTF(4, 5);

static void report_suggest(ctx *c, sbx_pos pos, const char *suggestion, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, pos, xasprintf("did you mean '%s'?", suggestion), fmt, ap);
	va_end(ap);
}

static int cmp_problem(const void *a, const void *b)
{
	const problem *x = a, *y = b;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Position of a byte offset as an editor shows it, which is how libyaml
 * counts marks once NEL, LS and PS are refused (check_bytes): lines break at
 * \n, \r\n and \r; columns count characters; a leading byte order mark takes
 * no column.
 */
static sbx_pos pos_of_offset(const char *buf, size_t len, size_t off)
{
	const unsigned char *u = (const unsigned char *)buf;
	sbx_pos p = {1, 1};
	size_t i = 0;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		i = 3;
	while (i < off && i < len) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0)
			n = 1, cp = 0xfffd;
		if (cp == '\r' && i + 1 < len && u[i + 1] == '\n') {
			i += 2;
			p.line++, p.col = 1;
			continue;
		}
		if (cp == '\n' || cp == '\r')
			p.line++, p.col = 1;
		else
			p.col++;
		i += n;
	}
	return p;
}

/* The byte at a 1-based position, or -1 past the end: the inverse of pos_of_offset. */
static int byte_at(const char *buf, size_t len, sbx_pos want)
{
	const unsigned char *u = (const unsigned char *)buf;
	sbx_pos p = {1, 1};
	size_t i = len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
	while (i < len) {
		if (p.line == want.line && p.col == want.col)
			return u[i];
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		if (n == 0)
			n = 1, cp = 0xfffd;
		if (cp == '\r' && i + 1 < len && u[i + 1] == '\n')
			n = 2, cp = '\n';
		if (cp == '\n' || cp == '\r')
			p.line++, p.col = 1;
		else
			p.col++;
		i += n;
	}
	return -1;
}

/* ---- pass 1: events -> nodes ---- */

typedef enum { N_SCALAR, N_MAP, N_SEQ, N_ALIAS } node_type;
typedef enum { S_NULL, S_BOOL, S_NUMBER, S_STRING } scalar_type;

typedef struct node {
	node_type type;
	sbx_pos pos;
	/* N_SCALAR */
	char *text;
	size_t len;
	scalar_type st;
	bool reported; /* already refused (an alias, a NUL): later checks stay silent */
	/* N_MAP (keys and values alternate) and N_SEQ */
	struct node **items;
	size_t n;
} node;

/* A document worth quoting from: a mapping with a top-level 'version' or 'agent' key. */
static bool plausible(const node *root)
{
	if (!root || root->type != N_MAP)
		return false;
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const node *k = root->items[i];
		if (k->type == N_SCALAR &&
		    (strcmp(k->text, "version") == 0 || strcmp(k->text, "agent") == 0))
			return true;
	}
	return false;
}

static void node_free(node *n)
{
	if (!n)
		return;
	free(n->text);
	for (size_t i = 0; i < n->n; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n);
}

static sbx_pos mark_pos(yaml_mark_t m)
{
	sbx_pos p = {(int)m.line + 1, (int)m.column + 1};
	return p;
}

/*
 * YAML 1.2's JSON schema, with ~ and the empty scalar as null too: a plain
 * scalar is null, a boolean (true/false only) or a JSON number; everything
 * else, and every quoted or block scalar, is a string.
 */
static bool is_json_number(const char *s)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static scalar_type resolve_plain(const char *s)
{
	if (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)
		return S_NULL;
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return S_BOOL;
	if (is_json_number(s))
		return S_NUMBER;
	return S_STRING;
}

static bool check_props(ctx *c, const yaml_event_t *ev, const yaml_char_t *anchor,
			const yaml_char_t *tag)
{
	bool ok = true;
	sbx_pos p = mark_pos(ev->start_mark);
	if (anchor) {
		_cleanup_free_ char *q = cqs(c, (const char *)anchor);
		report(c, p, "anchor %s: anchors and aliases are not allowed; write the value out",
		       q);
		ok = false;
	}
	if (tag) {
		/* Shown as written: libyaml hands over !!str as tag:yaml.org,2002:str. */
		static const char core[] = "tag:yaml.org,2002:";
		_cleanup_free_ char *shown =
		    strncmp((const char *)tag, core, sizeof(core) - 1) == 0
			? xasprintf("!!%s", (const char *)tag + sizeof(core) - 1)
			: xstrdup((const char *)tag);
		_cleanup_free_ char *q = cqs(c, shown);
		report(c, p, "tag %s: explicit tags are not allowed", q);
		ok = false;
	}
	return ok;
}

static node *new_node(node_type t, sbx_pos p)
{
	node *n = xcalloc(1, sizeof(*n));
	n->type = t;
	n->pos = p;
	return n;
}

static bool attach(ctx *c, node **stack, size_t depth, node **root, node *n)
{
	if (depth == 0) {
		*root = n;
		return true;
	}
	node *parent = stack[depth - 1];
	size_t limit = parent->type == N_MAP ? 2 * SBX_CONFIG_MAX_ITEMS : SBX_CONFIG_MAX_ITEMS;
	if (parent->n >= limit) {
		report(c, n->pos, "more than %d entries in one %s", SBX_CONFIG_MAX_ITEMS,
		       parent->type == N_MAP ? "mapping" : "sequence");
		node_free(n);
		c->fatal = true;
		return false;
	}
	parent->items = xreallocarray(parent->items, parent->n + 1, sizeof(node *));
	parent->items[parent->n++] = n;
	return true;
}

static void syntax_error(ctx *c, const yaml_parser_t *p)
{
	const char *what = p->problem ? p->problem : "unknown error";
	sbx_pos pos;
	if (p->error == YAML_READER_ERROR)
		pos = pos_of_offset(c->buf, c->len, p->problem_offset);
	else
		pos = mark_pos(p->problem_mark);
	if (p->error == YAML_MEMORY_ERROR) {
		report(c, pos, "out of memory while parsing");
	} else if (p->error == YAML_SCANNER_ERROR && byte_at(c->buf, c->len, pos) == '\t') {
		report(c, pos, "tab character in indentation: indent with spaces");
	} else if (p->context) {
		sbx_pos cp = mark_pos(p->context_mark);
		report(c, pos, "syntax error: %s (%s at line %d, column %d)", what, p->context,
		       cp.line, cp.col);
	} else {
		report(c, pos, "syntax error: %s", what);
	}
	c->fatal = true;
}

/* Check the raw bytes for what libyaml would accept but sbx refuses, or would word poorly. */
static bool check_bytes(ctx *c)
{
	const unsigned char *u = (const unsigned char *)c->buf;
	size_t len = c->len;
	sbx_pos start = {1, 1};
	if ((len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xfe && u[3] == 0xff) ||
	    (len >= 4 && u[0] == 0xff && u[1] == 0xfe && u[2] == 0 && u[3] == 0)) {
		report(c, start, "UTF-32 byte order mark: sandbox.yaml must be UTF-8");
		return false;
	}
	if (len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) || (u[0] == 0xff && u[1] == 0xfe))) {
		report(c, start, "UTF-16 byte order mark: sandbox.yaml must be UTF-8");
		return false;
	}
	const char *nul = memchr(c->buf, '\0', len);
	size_t bad;
	bool utf8 = sbx_utf8_valid(c->buf, len, &bad);
	if (nul && (utf8 || (size_t)(nul - c->buf) < bad)) {
		report(c, pos_of_offset(c->buf, len, (size_t)(nul - c->buf)),
		       "NUL byte: sandbox.yaml must be UTF-8 text");
		return false;
	}
	if (!utf8) {
		report(c, pos_of_offset(c->buf, len, bad),
		       "invalid UTF-8 (byte 0x%02x): sandbox.yaml must be UTF-8 text", u[bad]);
		return false;
	}
	/*
	 * YAML 1.1 (libyaml) breaks lines at NEL, LS and PS; editors, diffs and
	 * code review do not. A key after one would hide on a comment's line.
	 */
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = sbx_utf8_decode(u + i, len - i, &cp);
		/* A lone CR is a line break to YAML but not to most editors and diffs: the same. */
		if (cp == '\r' && (i + 1 >= len || u[i + 1] != '\n')) {
			report(c, pos_of_offset(c->buf, len, i),
			       "a carriage return without a line feed: YAML breaks the line here "
			       "but editors do not; end lines with LF or CRLF");
			return false;
		}
		if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
			report(
			    c, pos_of_offset(c->buf, len, i),
			    "raw U+%04X (%s): YAML breaks the line here but editors do not; remove "
			    "it (a quoted value may write \\%c)",
			    (unsigned)cp,
			    cp == 0x85	   ? "next line"
			    : cp == 0x2028 ? "line separator"
					   : "paragraph separator",
			    cp == 0x85	   ? 'N'
			    : cp == 0x2028 ? 'L'
					   : 'P');
			return false;
		}
		i += n;
	}
	return true;
}

static node *build_tree(ctx *c)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	node *stack[SBX_CONFIG_MAX_DEPTH];
	size_t depth = 0;
	node *root = NULL;
	int docs = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->buf, c->len);
	/* No encoding preset: libyaml then consumes a UTF-8 byte order mark itself. */

	while (!done && !c->fatal) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(c, &parser);
			break;
		}
		sbx_pos p = mark_pos(ev.start_mark);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (docs == 0)
				c->doc = p;
			if (++docs > 1) {
				report(c, p,
				       "a second document: sandbox.yaml holds exactly one (remove "
				       "the '---')");
				c->fatal = true;
			}
			break;
		case YAML_ALIAS_EVENT: {
			_cleanup_free_ char *q = cqs(c, (const char *)ev.data.alias.anchor);
			report(c, p,
			       "alias %s: anchors and aliases are not allowed; write the value out",
			       q);
			node *a = new_node(N_ALIAS, p);
			a->reported = true;
			attach(c, stack, depth, &root, a);
			break;
		}
		case YAML_SCALAR_EVENT: {
			check_props(c, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
			node *n = new_node(N_SCALAR, p);
			n->len = ev.data.scalar.length;
			n->text = xstrndup((const char *)ev.data.scalar.value, n->len);
			if (memchr(n->text, '\0', n->len)) {
				report(c, p, "NUL character in a value: not allowed");
				n->st = S_STRING;
				n->reported = true;
			} else if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
				n->st = resolve_plain(n->text);
			} else {
				n->st = S_STRING;
			}
			attach(c, stack, depth, &root, n);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool map = ev.type == YAML_MAPPING_START_EVENT;
			if (map)
				check_props(c, &ev, ev.data.mapping_start.anchor,
					    ev.data.mapping_start.tag);
			else
				check_props(c, &ev, ev.data.sequence_start.anchor,
					    ev.data.sequence_start.tag);
			if (depth >= SBX_CONFIG_MAX_DEPTH) {
				report(c, p, "nesting deeper than %d levels", SBX_CONFIG_MAX_DEPTH);
				c->fatal = true;
				break;
			}
			node *n = new_node(map ? N_MAP : N_SEQ, p);
			if (!attach(c, stack, depth, &root, n))
				break;
			stack[depth++] = n;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return root;
}

/* ---- pass 2: nodes -> spec ---- */

static const char *const yaml11_bools[] = {"y",	  "Y",	 "yes",	 "Yes",	 "YES",	  "n",	   "N",
					   "no",  "No",	 "NO",	 "on",	 "On",	  "ON",	   "off",
					   "Off", "OFF", "True", "TRUE", "False", "FALSE", NULL};

static bool is_yaml11_bool(const char *s)
{
	for (size_t i = 0; yaml11_bools[i]; i++)
		if (strcmp(s, yaml11_bools[i]) == 0)
			return true;
	return false;
}

/* describe: "a mapping", "the string 'x'", ... for "found ..." in messages. Caller frees. */
static char *describe(ctx *c, const node *n)
{
	switch (n->type) {
	case N_MAP:
		return xstrdup("a mapping");
	case N_SEQ:
		return xstrdup("a sequence");
	case N_ALIAS:
		return xstrdup("an alias");
	case N_SCALAR:
		break;
	}
	_cleanup_free_ char *q = NULL;
	size_t len = n->len > 64 ? 64 : n->len;
	while (len < n->len && len > 0 && ((unsigned char)n->text[len] & 0xc0) == 0x80)
		len--; /* do not cut a character in two */
	q = cq(c, n->text, len);
	const char *more = len < n->len ? "..." : "";
	switch (n->st) {
	case S_NULL:
		return xstrdup("no value");
	case S_BOOL:
		return xasprintf("the boolean %s", n->text);
	case S_NUMBER: {
		_cleanup_free_ char *num = craw(c, n->text);
		return xasprintf("the number %s", num);
	}
	case S_STRING:
		break;
	}
	return xasprintf("the string %s%s", q, more);
}

static void wrong_type(ctx *c, const node *n, const char *what, const char *expected)
{
	if (n->reported)
		return;
	_cleanup_free_ char *d = describe(c, n);
	report(c, n->pos, "%s must be %s, found %s", what, expected, d);
}

static bool get_bool(ctx *c, const node *n, const char *what, bool *out)
{
	if (n->reported)
		return false;
	if (n->type == N_SCALAR && n->st == S_BOOL) {
		*out = strcmp(n->text, "true") == 0;
		return true;
	}
	if (n->type == N_SCALAR && n->st == S_STRING && is_yaml11_bool(n->text)) {
		_cleanup_free_ char *q = cq(c, n->text, n->len);
		report(c, n->pos,
		       "%s must be true or false, found %s (booleans are spelled true or false)",
		       what, q);
		return false;
	}
	wrong_type(c, n, what, "true or false");
	return false;
}

/* A string scalar, checked for length (in characters) and control characters. */
static bool get_string(ctx *c, const node *n, const char *what, size_t maxlen, bool no_controls,
		       const char **out)
{
	if (n->reported)
		return false;
	if (n->type != N_SCALAR || n->st != S_STRING) {
		wrong_type(c, n, what, "a string");
		return false;
	}
	size_t chars = sbx_utf8_length(n->text, n->len);
	if (chars > maxlen) {
		report(c, n->pos, "%s is %zu characters long, over the limit of %zu", what, chars,
		       maxlen);
		return false;
	}
	if (no_controls) {
		const unsigned char *u = (const unsigned char *)n->text;
		for (size_t i = 0; i < n->len; i++) {
			bool c1 =
			    u[i] == 0xc2 && i + 1 < n->len && u[i + 1] >= 0x80 && u[i + 1] < 0xa0;
			if (u[i] < 0x20 || u[i] == 0x7f || c1) {
				_cleanup_free_ char *q = cq(c, n->text, n->len);
				report(c, n->pos, "%s %s contains a control character", what, q);
				return false;
			}
		}
	}
	*out = n->text;
	return true;
}

/* The text of any non-null scalar, verbatim: env values and command arguments. */
static bool get_text(ctx *c, const node *n, const char *what, const char **out)
{
	if (n->reported)
		return false;
	if (n->type != N_SCALAR || n->st == S_NULL) {
		wrong_type(c, n, what, "a string, a number or a boolean");
		return false;
	}
	size_t chars = sbx_utf8_length(n->text, n->len);
	if (chars > SBX_SPEC_MAX_VALUE) {
		report(c, n->pos, "%s is %zu characters long, over the limit of %d", what, chars,
		       SBX_SPEC_MAX_VALUE);
		return false;
	}
	*out = n->text;
	return true;
}

static bool get_number(ctx *c, const node *n, const char *what, const char *expected, double *out)
{
	if (n->reported)
		return false;
	if (n->type != N_SCALAR || n->st != S_NUMBER) {
		wrong_type(c, n, what, expected);
		return false;
	}
	*out = strtod(n->text, NULL);
	return true;
}

/* An integer in JSON's sense: any number without a fractional part (1, 1.0, 1e3). */
static bool get_integer(ctx *c, const node *n, const char *what, double min, double max,
			int64_t *out)
{
	double v;
	if (!get_number(c, n, what, "an integer", &v))
		return false;
	_cleanup_free_ char *num = craw(c, n->text);
	if (!isfinite(v) || v != floor(v)) {
		report(c, n->pos, "%s must be an integer, found %s", what, num);
		return false;
	}
	if (v < min || v > max) {
		report(c, n->pos, "%s must be between %.0f and %.0f, found %s", what, min, max,
		       num);
		return false;
	}
	*out = (int64_t)v;
	return true;
}

static bool expect_type(ctx *c, const node *n, node_type t, const char *what)
{
	if (n->type == t)
		return true;
	wrong_type(c, n, what, t == N_MAP ? "a mapping" : "a sequence");
	return false;
}

/*
 * Walk the keys of a mapping: refuse non-string keys, merge keys and
 * duplicates, suggest a spelling for unknown keys, and hand each known
 * key to fn with its index in keys[].
 */
typedef void (*field_fn)(ctx *c, void *obj, int key, const node *k, const node *v);

static void walk_mapping(ctx *c, const node *m, const char *const *keys, const char *where,
			 field_fn fn, void *obj, const node **seen)
{
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const node *k = m->items[i], *v = m->items[i + 1];
		if (k->reported)
			continue;
		if (k->type != N_SCALAR || k->st == S_NULL) {
			_cleanup_free_ char *d = describe(c, k);
			report(c, k->pos, "keys must be strings, found %s", d);
			continue;
		}
		_cleanup_free_ char *qk = cq(c, k->text, k->len);
		if (strcmp(k->text, "<<") == 0 && k->st == S_STRING) {
			report(c, k->pos, "merge keys ('<<') are not allowed; write the keys out");
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < i; j += 2) {
			const node *pk = m->items[j];
			if (pk->type == N_SCALAR && pk->len == k->len &&
			    memcmp(pk->text, k->text, k->len) == 0) {
				report(c, k->pos, "duplicate key %s (first at line %d, column %d)",
				       qk, pk->pos.line, pk->pos.col);
				dup = true;
				break;
			}
		}
		if (dup)
			continue;
		int idx = -1;
		for (int j = 0; keys[j]; j++)
			if (strlen(keys[j]) == k->len && strcmp(keys[j], k->text) == 0)
				idx = j;
		if (idx < 0) {
			const char *s = sbx_suggest(k->text, keys);
			if (s)
				report_suggest(c, k->pos, s,
					       "unknown key %s%s (did you mean '%s'?)", qk, where,
					       s);
			else
				report(c, k->pos, "unknown key %s%s", qk, where);
			continue;
		}
		if (seen)
			seen[idx] = k;
		fn(c, obj, idx, k, v);
	}
}

static bool valid_env_name(ctx *c, const node *n, const char *what)
{
	if (n->len > SBX_SPEC_MAX_ENV_NAME) {
		report(c, n->pos, "%s is %zu characters long, over the limit of %d", what, n->len,
		       SBX_SPEC_MAX_ENV_NAME);
		return false;
	}
	if (!matches(P_ENV_NAME, n->text)) {
		_cleanup_free_ char *q = cq(c, n->text, n->len);
		report(c, n->pos,
		       "invalid %s %s: letters, digits and '_', not starting with a digit", what,
		       q);
		return false;
	}
	return true;
}

/* -- mounts -- */

enum { M_SOURCE, M_TARGET, M_READONLY };
static const char *const mount_keys[] = {"source", "target", "readonly", NULL};

/*
 * A target is an absolute path of non-empty components, none of them '.'
 * or '..', with at most a trailing slash: so that no spelling of '/' and no
 * escape from the named directory gets through.
 */
static bool valid_target(const char *p)
{
	if (*p != '/')
		return false;
	size_t components = 0;
	while (*p == '/') {
		const char *start = ++p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - start);
		if (len == 0)
			return *p == '\0' && components > 0; /* a trailing slash */
		if ((len == 1 && start[0] == '.') ||
		    (len == 2 && start[0] == '.' && start[1] == '.'))
			return false;
		components++;
	}
	return components > 0;
}

static void mount_field(ctx *c, void *obj, int key, const node *k, const node *v)
{
	sbx_mount *m = obj;
	const char *s;
	(void)k;
	switch (key) {
	case M_SOURCE:
		if (!get_string(c, v, "mount source", SBX_SPEC_MAX_PATH, true, &s))
			return;
		if (!*s) {
			report(c, v->pos, "mount source must not be empty");
			return;
		}
		m->source = xstrdup(s);
		break;
	case M_TARGET:
		if (!get_string(c, v, "mount target", SBX_SPEC_MAX_PATH, true, &s))
			return;
		if (!valid_target(s)) {
			_cleanup_free_ char *q = cqs(c, s);
			report(c, v->pos,
			       "mount target %s must be an absolute path in the sandbox other than "
			       "'/', without '.', '..' or empty components",
			       q);
			return;
		}
		m->target = xstrdup(s);
		break;
	case M_READONLY:
		get_bool(c, v, "mount readonly", &m->readonly);
		break;
	}
}

/* The value node of key k in mapping m. */
static const node *value_of(const node *m, const node *k)
{
	for (size_t i = 0; i + 1 < m->n; i += 2)
		if (m->items[i] == k)
			return m->items[i + 1];
	return k;
}

static void parse_mounts(ctx *c, sbx_spec *spec, const node *v)
{
	if (!expect_type(c, v, N_SEQ, "mounts"))
		return;
	if (v->n > SBX_SPEC_MAX_MOUNTS) {
		report(c, v->pos, "mounts has %zu entries, over the limit of %d", v->n,
		       SBX_SPEC_MAX_MOUNTS);
		return;
	}
	spec->mounts = xcalloc(v->n, sizeof(sbx_mount));
	for (size_t i = 0; i < v->n; i++) {
		const node *item = v->items[i];
		if (!expect_type(c, item, N_MAP, "a mount"))
			continue;
		sbx_mount m = {.pos = item->pos};
		const node *seen[3] = {0};
		walk_mapping(c, item, mount_keys, " in a mount", mount_field, &m, seen);
		if (!seen[M_SOURCE])
			report(c, item->pos, "mount is missing 'source' (the host path)");
		/* Without a target, the source's canonical path (sbx_mount_target), found later. */
		if (!m.source || (seen[M_TARGET] && !m.target)) {
			free(m.source);
			free(m.target);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; m.target && j < spec->mounts_len; j++) {
			if (spec->mounts[j].target &&
			    sbx_mount_same_target(spec->mounts[j].target, m.target)) {
				_cleanup_free_ char *q = cqs(c, m.target);
				report(c, value_of(item, seen[M_TARGET])->pos,
				       "mount target %s is already used by the mount at line %d", q,
				       spec->mounts[j].pos.line);
				dup = true;
				break;
			}
		}
		if (dup) {
			free(m.source);
			free(m.target);
			continue;
		}
		spec->mounts[spec->mounts_len++] = m;
	}
}

/* -- resources -- */

enum { R_CPUS, R_MEMORY, R_PIDS };
static const char *const resource_keys[] = {"cpus", "memory", "pids", NULL};

long long sbx_parse_memory(const char *s)
{
	if (!matches(P_MEMORY, s))
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return LLONG_MAX;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (v > ((unsigned long long)LLONG_MAX >> shift))
		return LLONG_MAX;
	return (long long)(v << shift);
}

static void resource_field(ctx *c, void *obj, int key, const node *k, const node *v)
{
	sbx_resources *r = obj;
	(void)k;
	switch (key) {
	case R_CPUS: {
		double d;
		if (!get_number(c, v, "resources.cpus", "a number", &d))
			return;
		/*
		 * The engine counts nano-CPUs: below 0.01 a limit rounds toward 0,
		 * which it reads as no limit at all.
		 */
		if (!(d >= 0.01) || d > SBX_SPEC_MAX_CPUS) {
			_cleanup_free_ char *num = craw(c, v->text);
			report(c, v->pos, "resources.cpus must be between 0.01 and %d, found %s",
			       SBX_SPEC_MAX_CPUS, num);
			return;
		}
		r->cpus = d;
		break;
	}
	case R_MEMORY: {
		long long bytes;
		if (v->type == N_SCALAR && v->st == S_NUMBER) {
			double d = strtod(v->text, NULL);
			if (!isfinite(d) || d != floor(d)) {
				_cleanup_free_ char *num = craw(c, v->text);
				report(c, v->pos,
				       "resources.memory must be a whole number of bytes, "
				       "found %s",
				       num);
				return;
			}
			/* Out of range, it is refused below without a cast that overflows. */
			bytes = d < SBX_SPEC_MIN_MEMORY || d > (double)SBX_SPEC_MAX_MEMORY
				    ? -1
				    : (long long)d;
		} else if (v->type == N_SCALAR && v->st == S_STRING) {
			bytes = sbx_parse_memory(v->text);
			if (bytes < 0) {
				_cleanup_free_ char *q = cq(c, v->text, v->len);
				report(c, v->pos,
				       "resources.memory %s is not a size: write bytes or a number "
				       "with k, m or g (512m, 4g)",
				       q);
				return;
			}
		} else {
			wrong_type(c, v, "resources.memory", "a size such as 512m or 4g");
			return;
		}
		if (bytes < SBX_SPEC_MIN_MEMORY || bytes > SBX_SPEC_MAX_MEMORY) {
			_cleanup_free_ char *num = craw(c, v->text);
			report(c, v->pos, "resources.memory must be between 6m and 1 PiB, found %s",
			       num);
			return;
		}
		r->memory = bytes;
		break;
	}
	case R_PIDS: {
		int64_t p;
		if (get_integer(c, v, "resources.pids", 1, SBX_SPEC_MAX_PIDS, &p))
			r->pids = p;
		break;
	}
	}
}

/* -- the top level -- */

static const char *const top_keys[SBX_FIELD__COUNT + 1] = {
    "version", "agent",	    "image",	      "command", "name",	 "user",
    "env",     "pass_env",  "docker_socket",  "mounts",	 "git_identity", "credentials",
    "network", "resources", "preserve_state", NULL};

static const char *const credentials_values[] = {"shared", "workspace", "none", NULL};
static const char *const network_values[] = {"bridge", "none", NULL};

static bool get_enum(ctx *c, const node *v, const char *what, const char *const *values, int *out)
{
	const char *s;
	if (!get_string(c, v, what, 64, false, &s))
		return false;
	for (int i = 0; values[i]; i++) {
		if (strcmp(s, values[i]) == 0) {
			*out = i;
			return true;
		}
	}
	_cleanup_free_ char *q = cq(c, v->text, v->len);
	sbx_buf list = SBX_BUF_INIT;
	for (int i = 0; values[i]; i++)
		sbx_buf_addf(&list, "%s%s", i ? ", " : "", values[i]);
	const char *sug = sbx_suggest(s, values);
	if (sug)
		report_suggest(c, v->pos, sug,
			       "%s must be one of %s, found %s (did you mean '%s'?)", what,
			       list.data, q, sug);
	else
		report(c, v->pos, "%s must be one of %s, found %s", what, list.data, q);
	sbx_buf_release(&list);
	return false;
}

static void parse_env(ctx *c, sbx_spec *spec, const node *v)
{
	if (!expect_type(c, v, N_MAP, "env"))
		return;
	size_t n = v->n / 2;
	if (n > SBX_SPEC_MAX_ENV) {
		report(c, v->pos, "env has %zu entries, over the limit of %d", n, SBX_SPEC_MAX_ENV);
		return;
	}
	spec->env = xcalloc(n, sizeof(sbx_env_var));
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const node *k = v->items[i], *val = v->items[i + 1];
		if (k->reported)
			continue;
		if (k->type != N_SCALAR || k->st == S_NULL) {
			_cleanup_free_ char *d = describe(c, k);
			report(c, k->pos, "env names must be strings, found %s", d);
			continue;
		}
		if (strcmp(k->text, "<<") == 0 && k->st == S_STRING) {
			report(c, k->pos, "merge keys ('<<') are not allowed; write the keys out");
			continue;
		}
		/* Among all earlier names, also those whose value was refused. */
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j += 2) {
			const node *pk = v->items[j];
			if (pk->type == N_SCALAR && !pk->reported && pk->len == k->len &&
			    memcmp(pk->text, k->text, k->len) == 0) {
				_cleanup_free_ char *q = cq(c, k->text, k->len);
				report(c, k->pos, "duplicate key %s (first at line %d, column %d)",
				       q, pk->pos.line, pk->pos.col);
				dup = true;
			}
		}
		if (dup || !valid_env_name(c, k, "env name"))
			continue;
		const char *text;
		_cleanup_free_ char *what = xasprintf("env %s", k->text);
		if (!get_text(c, val, what, &text))
			continue;
		sbx_env_var *e = &spec->env[spec->env_len++];
		e->name = xstrdup(k->text);
		e->value = xstrdup(text);
		e->pos = k->pos;
	}
}

static void parse_pass_env(ctx *c, sbx_spec *spec, const node *v)
{
	if (!expect_type(c, v, N_SEQ, "pass_env"))
		return;
	if (v->n > SBX_SPEC_MAX_PASS_ENV) {
		report(c, v->pos, "pass_env has %zu entries, over the limit of %d", v->n,
		       SBX_SPEC_MAX_PASS_ENV);
		return;
	}
	spec->pass_env = xcalloc(v->n, sizeof(sbx_pass_env));
	for (size_t i = 0; i < v->n; i++) {
		const node *item = v->items[i];
		const char *s;
		if (!get_string(c, item, "a pass_env entry", SBX_SPEC_MAX_ENV_NAME, false, &s) ||
		    !valid_env_name(c, item, "pass_env name"))
			continue;
		bool dup = false;
		for (size_t j = 0; j < spec->pass_env_len; j++) {
			if (strcmp(spec->pass_env[j].name, s) == 0) {
				report(c, item->pos, "pass_env lists '%s' twice (first at line %d)",
				       s, spec->pass_env[j].pos.line);
				dup = true;
			}
		}
		if (dup)
			continue;
		sbx_pass_env *p = &spec->pass_env[spec->pass_env_len++];
		p->name = xstrdup(s);
		p->pos = item->pos;
	}
}

static void parse_command(ctx *c, sbx_spec *spec, const node *v)
{
	if (!expect_type(c, v, N_SEQ, "command"))
		return;
	if (v->n == 0) {
		report(c, v->pos,
		       "command must not be empty; leave it out for the agent's default");
		return;
	}
	if (v->n > SBX_SPEC_MAX_COMMAND) {
		report(c, v->pos, "command has %zu entries, over the limit of %d", v->n,
		       SBX_SPEC_MAX_COMMAND);
		return;
	}
	char **argv = xcalloc(v->n + 1, sizeof(char *));
	size_t n = 0;
	bool ok = true;
	for (size_t i = 0; i < v->n; i++) {
		const char *s;
		if (!get_text(c, v->items[i], "a command argument", &s)) {
			ok = false;
			continue;
		}
		argv[n++] = xstrdup(s);
	}
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		free(argv);
		return;
	}
	spec->command = argv;
	spec->command_len = n;
}

static void top_field(ctx *c, void *obj, int key, const node *k, const node *v)
{
	sbx_spec *spec = obj;
	const char *s;
	spec->pos[key] = k->pos;
	switch ((sbx_field)key) {
	case SBX_FIELD_VERSION: {
		double d;
		if (!get_number(c, v, "version", "the number 1", &d))
			return;
		if (d != SBX_SPEC_VERSION)
			report(c, v->pos,
			       "unsupported version %s: this sbx reads version %d (a newer sbx may "
			       "read it)",
			       v->text, SBX_SPEC_VERSION);
		break;
	}
	case SBX_FIELD_AGENT: {
		if (!get_string(c, v, "agent", 64, false, &s))
			return;
		spec->agent = sbx_agent_find(s);
		if (!spec->agent) {
			_cleanup_free_ char *q = cq(c, v->text, v->len);
			const char *sug = sbx_suggest(s, sbx_agent_names());
			if (sug)
				report_suggest(
				    c, v->pos, sug,
				    "unknown agent %s (did you mean '%s'?); known agents: %s", q,
				    sug, sbx_agent_list());
			else
				report(c, v->pos, "unknown agent %s; known agents: %s", q,
				       sbx_agent_list());
		}
		break;
	}
	case SBX_FIELD_IMAGE:
		if (!get_string(c, v, "image", SBX_SPEC_MAX_IMAGE, false, &s))
			return;
		if (!matches(P_IMAGE, s)) {
			_cleanup_free_ char *q = cq(c, v->text, v->len);
			report(
			    c, v->pos,
			    "invalid image reference %s: expected [registry/]name[:tag][@digest] "
			    "with a lowercase name",
			    q);
			return;
		}
		spec->image = xstrdup(s);
		break;
	case SBX_FIELD_COMMAND:
		parse_command(c, spec, v);
		break;
	case SBX_FIELD_NAME:
		if (!get_string(c, v, "name", SBX_SPEC_MAX_NAME, false, &s))
			return;
		if (!matches(P_NAME, s)) {
			_cleanup_free_ char *q = cq(c, v->text, v->len);
			report(c, v->pos,
			       "invalid container name %s: at least two of letters, digits, '_', "
			       "'.' and '-', starting with a letter or digit",
			       q);
			return;
		}
		spec->name = xstrdup(s);
		break;
	case SBX_FIELD_USER:
		if (v->type == N_SCALAR && v->st == S_NUMBER) {
			_cleanup_free_ char *num = craw(c, v->text);
			report(c, v->pos,
			       "user must be a string, found the number %s (quote a uid: "
			       "user: \"%s\")",
			       num, num);
			return;
		}
		if (!get_string(c, v, "user", SBX_SPEC_MAX_USER, false, &s))
			return;
		if (!matches(P_USER, s)) {
			_cleanup_free_ char *q = cq(c, v->text, v->len);
			report(c, v->pos,
			       "invalid user %s: expected name, uid, name:group or uid:gid", q);
			return;
		}
		spec->user = xstrdup(s);
		break;
	case SBX_FIELD_ENV:
		parse_env(c, spec, v);
		break;
	case SBX_FIELD_PASS_ENV:
		parse_pass_env(c, spec, v);
		break;
	case SBX_FIELD_DOCKER_SOCKET:
		get_bool(c, v, "docker_socket", &spec->docker_socket);
		break;
	case SBX_FIELD_MOUNTS:
		parse_mounts(c, spec, v);
		break;
	case SBX_FIELD_GIT_IDENTITY:
		get_bool(c, v, "git_identity", &spec->git_identity);
		break;
	case SBX_FIELD_CREDENTIALS: {
		int i;
		if (get_enum(c, v, "credentials", credentials_values, &i))
			spec->credentials = (sbx_credentials)i;
		break;
	}
	case SBX_FIELD_NETWORK: {
		int i;
		if (get_enum(c, v, "network", network_values, &i))
			spec->network = (sbx_network)i;
		break;
	}
	case SBX_FIELD_RESOURCES:
		if (expect_type(c, v, N_MAP, "resources"))
			walk_mapping(c, v, resource_keys, " in resources", resource_field,
				     &spec->resources, NULL);
		break;
	case SBX_FIELD_PRESERVE_STATE:
		get_bool(c, v, "preserve_state", &spec->preserve_state);
		break;
	case SBX_FIELD__COUNT:
		break;
	}
}

static void cross_checks(ctx *c, sbx_spec *spec)
{
	for (size_t i = 0; i < spec->pass_env_len; i++) {
		for (size_t j = 0; j < spec->env_len; j++) {
			if (strcmp(spec->pass_env[i].name, spec->env[j].name) == 0)
				report(c, spec->pass_env[i].pos,
				       "'%s' is in both env (line %d) and pass_env; keep one",
				       spec->env[j].name, spec->env[j].pos.line);
		}
	}
}

static void build_spec(ctx *c, const node *root, sbx_spec *spec)
{
	if (root->reported)
		return; /* an alias or a NUL at the top: said already */
	if (root->type != N_MAP) {
		if (root->type == N_SCALAR && root->st == S_NULL) {
			/* libyaml puts the empty node after the '---', maybe past the last line */
			report(c, c->doc,
			       "empty document: sandbox.yaml needs at least 'version' and 'agent'");
			return;
		}
		_cleanup_free_ char *d = describe(c, root);
		report(c, root->pos, "sandbox.yaml must be a mapping of keys to values, found %s",
		       d);
		return;
	}
	const node *seen[SBX_FIELD__COUNT] = {0};
	walk_mapping(c, root, top_keys, "", top_field, spec, seen);
	if (!seen[SBX_FIELD_VERSION])
		report(c, root->pos, "missing required key 'version' (write version: 1)");
	if (!seen[SBX_FIELD_AGENT])
		report(c, root->pos, "missing required key 'agent' (one of %s)", sbx_agent_list());
	cross_checks(c, spec);
}

int sbx_config_parse(sbx_spec **out, const char *buf, size_t len, const char *filename,
		     sbx_error **err)
{
	*out = NULL;
	ctx c = {.file = filename, .buf = buf, .len = len};
	sbx_spec *spec = sbx_spec_new();
	node *root = NULL;

	if (len == 0) {
		report(&c, (sbx_pos){1, 1},
		       "empty file: sandbox.yaml needs at least 'version' and 'agent'");
	} else if (check_bytes(&c)) {
		root = build_tree(&c);
		if (!root && c.nprobs == 0)
			report(&c, (sbx_pos){1, 1},
			       "no content: sandbox.yaml needs at least 'version' and 'agent'");
		if (root && !c.fatal)
			build_spec(&c, root, spec);
	}
	bool show = plausible(root);
	node_free(root);

	if (c.nprobs == 0) {
		for (size_t i = 0; i < c.nshown; i++)
			free(c.shown[i]);
		free(c.shown);
		sbx_spec_fill_defaults(spec);
		*out = spec;
		return 0;
	}
	sbx_spec_free(spec);
	qsort(c.probs, c.nprobs, sizeof(problem), cmp_problem);
	/* The path as a message shows it: a newline in a directory's name forges no line. */
	_cleanup_free_ char *fn = sbx_escape(filename);
	bool hidden = false;
	for (size_t i = 0; i < c.nprobs; i++) {
		if (i < SBX_CONFIG_MAX_ERRORS) {
			_cleanup_free_ char *msg = unhide(&c, c.probs[i].msg, show, &hidden);
			sbx_error_set(err, SBX_EINVALID, "%s:%d:%d: %s", fn, c.probs[i].pos.line,
				      c.probs[i].pos.col, msg);
			sbx_error_locate(err, filename, c.probs[i].pos.line, c.probs[i].pos.col,
					 msg, c.probs[i].hint);
		} else if (i == SBX_CONFIG_MAX_ERRORS) {
			sbx_error_set(err, SBX_EINVALID, "%s: too many errors; stopping here", fn);
			sbx_error_locate(err, filename, 0, 0, "too many errors; stopping here",
					 NULL);
		}
		free(c.probs[i].msg);
		free(c.probs[i].hint);
	}
	free(c.probs);
	for (size_t i = 0; i < c.nshown; i++)
		free(c.shown[i]);
	free(c.shown);
	/* Said once, within the cap on lines (a file past it has said "too many" instead). */
	if (hidden && c.nprobs <= SBX_CONFIG_MAX_ERRORS)
		sbx_error_set(
		    err, SBX_EINVALID,
		    "%s:1:1: this file does not look like a sandbox.yaml (no mapping with "
		    "'version' or 'agent'), so sbx quotes nothing of it",
		    fn);
	sbx_error_locate_msg(err, fn, filename);
	return SBX_EINVALID;
}

/* ---- loading and discovery ---- */

int sbx_config_load(sbx_config **out, const char *path, int flags, sbx_error **err)
{
	*out = NULL;
	char *real = realpath(path, NULL);
	if (!real) {
		int e = errno;
		_cleanup_free_ char *q = sbx_quotes(path);
		if (e == ENOENT)
			return sbx_error_set(err, SBX_ENOTFOUND, "%s: no such file", q);
		return sbx_error_set(err, SBX_ERROR, "cannot resolve %s: %s", q, strerror(e));
	}
	/*
	 * A discovered file is opened by the name it was found under, so that
	 * O_NOFOLLOW sees a link; -f FILE follows one to its target.
	 */
	const char *open_path = (flags & SBX_CONFIG_NOFOLLOW) ? path : real;
	char *bytes;
	size_t len;
	int rc = sbx_config_read(&bytes, &len, open_path, flags, err);
	if (rc < 0) {
		free(real);
		return rc;
	}
	sbx_spec *spec;
	rc = sbx_config_parse(&spec, bytes, len, real, err);
	if (rc < 0) {
		free(real);
		free(bytes);
		return rc;
	}
	sbx_config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = real;
	char *slash = strrchr(real, '/');
	cfg->workspace = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));
	cfg->bytes = bytes;
	cfg->len = len;
	cfg->spec = spec;
	*out = cfg;
	return 0;
}

void sbx_config_free(sbx_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->workspace);
	free(cfg->bytes);
	sbx_spec_free(cfg->spec);
	free(cfg);
}

int sbx_config_find(char **out_path, const char *dir, sbx_error **err)
{
	*out_path = NULL;
	char *real = realpath(dir, NULL);
	if (!real) {
		int e = errno;
		_cleanup_free_ char *q = sbx_quotes(dir);
		return sbx_error_set(err, e == ENOENT ? SBX_ENOTFOUND : SBX_ERROR,
				     "cannot use directory %s: %s", q, strerror(e));
	}
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		_cleanup_free_ char *q = sbx_quotes(dir);
		free(real);
		return sbx_error_set(err, SBX_ERROR, "%s is not a directory", q);
	}
	size_t len = strlen(real);
	for (;;) {
		char *candidate = xasprintf("%s%s" SBX_CONFIG_NAME, real,
					    len > 0 && real[len - 1] == '/' ? "" : "/");
		if (lstat(candidate, &st) == 0) {
			free(real);
			*out_path = candidate;
			return 0;
		}
		free(candidate);
		if (len <= 1)
			break;
		char *slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		len = strlen(real);
	}
	_cleanup_free_ char *q = sbx_quotes(dir);
	free(real);
	return sbx_error_set(err, SBX_ENOTFOUND,
			     "no " SBX_CONFIG_NAME " in %s or any parent directory (write one "
			     "with 'sbx init')",
			     q);
}

/* ---- the template of `sbx init` ---- */

static void add_json_string(sbx_buf *b, const char *s)
{
	sbx_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbx_buf_addc(b, '\\');
		sbx_buf_addc(b, *s);
	}
	sbx_buf_addc(b, '"');
}

/*
 * No schema modeline: any path to the schema is one machine's (where sbx was
 * installed, under whose home), and the file is committed for everyone. An
 * editor maps the schema to sandbox.yaml once, in its own settings.
 */
char *sbx_config_template(const sbx_agent *agent, bool api_key)
{
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b,
		     "# The sandbox sbx keeps for this workspace: one container, this directory\n"
		     "# mounted at the same path, nothing else of the host. Commit this file.\n"
		     "# Every key but version and agent is optional; the commented values are\n"
		     "# the defaults. Check it with 'sbx validate'. For an editor's completion\n"
		     "# and checks, 'sbx schema' prints the JSON Schema to register for\n"
		     "# sandbox.yaml in its settings (sandbox.yaml(5), EDITORS).\n\n");
	sbx_buf_addf(&b, "version: %d\n", SBX_SPEC_VERSION);
	sbx_buf_addf(&b, "agent: %s  # %s\n\n", agent->name, agent->summary);
	sbx_buf_adds(&b, "# The image of the sandbox.\n");
	sbx_buf_addf(&b, "# image: %s\n\n", agent->image);
	sbx_buf_adds(&b, "# What 'sbx run' starts inside the sandbox.\n# command: [");
	for (size_t i = 0; agent->command[i]; i++) {
		if (i)
			sbx_buf_adds(&b, ", ");
		add_json_string(&b, agent->command[i]);
	}
	sbx_buf_adds(&b, "]\n\n");
	sbx_buf_adds(&b, "# Environment variables: literal strings, no host interpolation.\n"
			 "# env:\n#   NODE_ENV: development\n\n"
			 "# Host variables given to each 'sbx run' or 'sbx exec' session,\n"
			 "# read then; never kept in the sandbox, never printed.\n"
			 "# Asks for 'sbx trust'.\n");
	sbx_buf_adds(&b, api_key && agent->api_keys ? "pass_env: [" : "# pass_env: [");
	for (size_t i = 0; agent->api_keys && agent->api_keys[i]; i++)
		sbx_buf_addf(&b, "%s%s", i ? ", " : "", agent->api_keys[i]);
	sbx_buf_adds(&b, agent->api_keys ? "]\n\n" : "GITHUB_TOKEN]\n\n");
	sbx_buf_adds(&b, "# Mount the Docker engine's socket: that is root on the host.\n"
			 "# Asks for 'sbx trust'.\n"
			 "docker_socket: false\n\n"
			 "# Extra host paths, outside the workspace. Ask for 'sbx trust'.\n"
			 "# mounts:\n"
			 "#   - {source: ~/datasets, target: /data, readonly: true}\n"
			 "#   - {source: ~/src/shared-lib}   # no target: at the same path\n\n"
			 "# Give the sandbox your git user.name and user.email.\n"
			 "git_identity: true\n\n");
	if (agent->credentials_dir)
		sbx_buf_addf(&b,
			     "# Where %s keeps its login (%s): shared (one volume for all\n"
			     "# %s sandboxes), workspace (one for this workspace) or none.\n"
			     "credentials: shared\n\n",
			     agent->name, agent->credentials_dir, agent->name);
	else
		sbx_buf_adds(&b, "# The shell agent keeps no login: shared, workspace or none.\n"
				 "credentials: none\n\n");
	sbx_buf_adds(&b, "# bridge (the engine's default network) or none (no network at all).\n"
			 "network: bridge\n\n");
	sbx_buf_addf(&b,
		     "# Limits: cpus (a number), memory (512m, 4g), pids (default %d).\n"
		     "# resources: {cpus: 2, memory: 4g, pids: %d}\n\n",
		     SBX_SPEC_DEFAULT_PIDS, SBX_SPEC_DEFAULT_PIDS);
	sbx_buf_adds(&b, "# Keep what was installed in the container when a change recreates it.\n"
			 "preserve_state: true\n");
	return sbx_buf_detach(&b);
}

const char *sbx_config_lib_version(void)
{
	return yaml_get_version_string();
}

int sbx_config_defaults(sbx_config **out, const sbx_agent *agent, const char *dir,
			sbx_error **err)
{
	*out = NULL;
	char *real = realpath(dir, NULL);
	if (!real) {
		_cleanup_free_ char *q = sbx_quotes(dir);
		return sbx_error_set(err, SBX_ERROR, "cannot resolve %s: %s", q, strerror(errno));
	}
	char *bytes = xasprintf("version: %d\nagent: %s\n", SBX_SPEC_VERSION, agent->name);
	_cleanup_free_ char *what = xasprintf("(the defaults of %s)", agent->name);
	sbx_spec *spec;
	int rc = sbx_config_parse(&spec, bytes, strlen(bytes), what, err);
	if (rc < 0) {
		free(real);
		free(bytes);
		return rc;
	}
	sbx_config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xasprintf("%s%s" SBX_CONFIG_NAME, real, strcmp(real, "/") == 0 ? "" : "/");
	cfg->workspace = real;
	cfg->bytes = bytes;
	cfg->len = strlen(bytes);
	cfg->spec = spec;
	cfg->defaults = true;
	*out = cfg;
	return 0;
}
