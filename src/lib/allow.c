#include "allow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "util.h"

char *sbx_allow_path(void)
{
	_cleanup_free_ char *dir = sbx_xdg_dir("XDG_CONFIG_HOME", ".config", NULL);
	return xasprintf("%s/policy.yaml", dir);
}

typedef struct parse_ctx {
	yaml_document_t *doc;
	const char *filename;
	sbx_error **err;
	bool safe; /* an entry of the workspace says safe_directory: true */
} parse_ctx;

static int bad(parse_ctx *c, const yaml_node_t *n, const char *what)
{
	return sbx_error_set(c->err, SBX_EINVALID, "%s:%zu:%zu: %s", c->filename,
			     n->start_mark.line + 1, n->start_mark.column + 1, what);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A path of the file: ~ is $HOME, the rest absolute; its canonical form, or NULL if missing. */
static int resolve(char **out, parse_ctx *c, const yaml_node_t *n)
{
	*out = NULL;
	const char *v = scalar(n);
	if (!v || !*v)
		return bad(c, n, "expected a path");
	_cleanup_free_ char *abs = sbx_path_expand(v, NULL);
	if (!abs)
		return bad(c, n, "a path here is absolute or starts with ~/");
	*out = realpath(abs, NULL);
	return 0;
}

static int entry(parse_ctx *c, const yaml_node_t *e, const char *workspace, char ***out, size_t *n)
{
	if (e->type != YAML_MAPPING_NODE)
		return bad(c, e,
			   "an entry of allow is a mapping: {workspace: PATH, paths: [PATH...]}");
	const yaml_node_t *ws = NULL, *paths = NULL, *safe = NULL;
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = scalar(k);
		if (key && strcmp(key, "workspace") == 0)
			ws = v;
		else if (key && strcmp(key, "paths") == 0)
			paths = v;
		else if (key && strcmp(key, "safe_directory") == 0)
			safe = v;
		else
			return bad(c, k,
				   "unknown key (an entry has workspace, paths and "
				   "safe_directory)");
	}
	if (!ws || (!paths && !safe))
		return bad(c, e,
			   "an entry of allow needs both workspace and paths (or "
			   "safe_directory)");
	if (paths && paths->type != YAML_SEQUENCE_NODE)
		return bad(c, paths, "paths is a list of host paths");
	if (safe && (!scalar(safe) ||
		     (strcmp(scalar(safe), "true") != 0 && strcmp(scalar(safe), "false") != 0)))
		return bad(c, safe, "safe_directory is true or false");
	_cleanup_free_ char *real_ws = NULL;
	int rc = resolve(&real_ws, c, ws);
	if (rc < 0)
		return rc;
	if (safe && strcmp(scalar(safe), "true") == 0 && real_ws && strcmp(real_ws, workspace) == 0)
		c->safe = true;
	for (yaml_node_item_t *i = paths ? paths->data.sequence.items.start : NULL;
	     paths && i < paths->data.sequence.items.top; i++) {
		char *real = NULL;
		if ((rc = resolve(&real, c, yaml_document_get_node(c->doc, *i))) < 0)
			return rc;
		if (real && real_ws && strcmp(real_ws, workspace) == 0) {
			*out = xreallocarray(*out, *n + 2, sizeof(char *));
			(*out)[(*n)++] = real;
			(*out)[*n] = NULL;
		} else {
			free(real);
		}
	}
	return 0;
}

static int parse(char ***out, bool *safe, const char *buf, size_t len, const char *filename,
		 const char *workspace, sbx_error **err)
{
	*safe = false;
	*out = xcalloc(1, sizeof(char *));
	size_t n = 0;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		int rc = sbx_error_set(err, SBX_EINVALID, "%s:%zu:%zu: %s", filename,
				       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		sbx_strv_free(*out);
		*out = NULL;
		return rc;
	}
	yaml_parser_delete(&parser);
	parse_ctx c = {&doc, filename, err, false};
	int rc = 0;
	const yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		goto out; /* an empty file allows nothing */
	if (root->type != YAML_MAPPING_NODE) {
		rc = bad(&c, root, "the policy file is a mapping: version: 1, allow: [...]");
		goto out;
	}
	bool versioned = false;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *key = scalar(k);
		if (key && strcmp(key, "version") == 0) {
			if (!scalar(v) || strcmp(scalar(v), "1") != 0)
				rc = bad(&c, v, "version must be 1");
			versioned = true;
		} else if (key && strcmp(key, "allow") == 0) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = bad(&c, v, "allow is a list of {workspace, paths} entries");
				break;
			}
			for (yaml_node_item_t *i = v->data.sequence.items.start;
			     rc == 0 && i < v->data.sequence.items.top; i++)
				rc =
				    entry(&c, yaml_document_get_node(&doc, *i), workspace, out, &n);
		} else {
			rc = bad(&c, k, "unknown key (the policy file has version and allow)");
		}
	}
	if (rc == 0 && !versioned)
		rc = bad(&c, root, "the policy file needs version: 1");
out:
	yaml_document_delete(&doc);
	if (rc < 0) {
		sbx_strv_free(*out);
		*out = NULL;
	}
	*safe = rc == 0 && c.safe;
	return rc;
}

int sbx_allow_parse(char ***out, const char *buf, size_t len, const char *filename,
		    const char *workspace, sbx_error **err)
{
	bool safe;
	return parse(out, &safe, buf, len, filename, workspace, err);
}

int sbx_allow_safe_parse(bool *out, const char *buf, size_t len, const char *filename,
			 const char *workspace, sbx_error **err)
{
	char **paths = NULL;
	int rc = parse(&paths, out, buf, len, filename, workspace, err);
	sbx_strv_free(paths);
	return rc;
}

/* Others may not write the file nor the directory holding it. */
static int private_to_user(const char *path, const struct stat *st, sbx_error **err)
{
	_cleanup_free_ char *q = sbx_quotes(path);
	if (st->st_uid != geteuid())
		return sbx_error_set(err, SBX_EPOLICY,
				     "%s belongs to another user; sbx ignores "
				     "no policy file: remove it or chown it",
				     q);
	if (st->st_mode & 022)
		return sbx_error_set(err, SBX_EPOLICY,
				     "%s is writable by others, who could allow themselves "
				     "anything: chmod go-w %s",
				     q, q);
	return 0;
}

/*
 * The user's policy file, read only when it is theirs and no one else can
 * write it or its directory; *buf NULL when there is none.
 */
static int read_policy(char **buf, size_t *len, char **path_out, sbx_error **err)
{
	*buf = NULL;
	*len = 0;
	*path_out = sbx_allow_path();
	const char *path = *path_out;
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot read %s: %s", q, strerror(errno));
	}
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	struct stat dst;
	int rc;
	if (stat(dir, &dst) < 0)
		return sbx_error_set(err, SBX_ERROR, "cannot read %s: %s", dir, strerror(errno));
	if ((rc = private_to_user(dir, &dst, err)) < 0 ||
	    (rc = private_to_user(path, &st, err)) < 0)
		return rc;
	/* Not a symbolic link, not a FIFO, not huge: sandbox.yaml's reader. */
	return sbx_config_read(buf, len, path, SBX_CONFIG_NOFOLLOW, err);
}

int sbx_allow_load(char ***out, const char *workspace, sbx_error **err)
{
	*out = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc = read_policy(&buf, &len, &path, err);
	if (rc < 0)
		return rc;
	if (!buf) {
		*out = xcalloc(1, sizeof(char *));
		return 0;
	}
	return sbx_allow_parse(out, buf, len, path, workspace, err);
}

int sbx_allow_safe(bool *out, const char *workspace, sbx_error **err)
{
	*out = false;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc = read_policy(&buf, &len, &path, err);
	if (rc < 0 || !buf)
		return rc;
	return sbx_allow_safe_parse(out, buf, len, path, workspace, err);
}
