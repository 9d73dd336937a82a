/*
 * sbx diff --base REV [--head REV] [--all]: sandbox.yaml in code review.
 * The file at a git revision against the work tree (or another revision),
 * read through gitrev without touching the work tree or the index, each
 * version made concrete on paper (review.h) and planned as apply would
 * plan it; no engine is asked. Which file: -f FILE; else the one that
 * governs this directory (here or above, within the repository, in the
 * work tree or at the base); else, and with --all, every sandbox.yaml
 * under this directory that differs between the two.
 */
#include "cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/gitrev.h"
#include "lib/review.h"
#include "output.h"
#include "prepare.h"

typedef struct side {
	const char *rev; /* as the user wrote it; NULL: the work tree */
	char *commit;	 /* its commit id; NULL: the work tree */
} side;

typedef struct review {
	sbx_gitrev *g;
	side base, head;
	bool color;
	sbx_out_review *json; /* --json: the document being built; NULL: text */
	size_t changed, security;
} review;

/* path relative to the work tree top dir, or NULL when abs lies outside it. */
static char *relative(const char *top, const char *abs)
{
	size_t n = strlen(top);
	if (strcmp(top, "/") == 0)
		return xstrdup(abs + 1);
	if (strncmp(abs, top, n) != 0 || (abs[n] != '/' && abs[n] != '\0'))
		return NULL;
	return xstrdup(abs[n] ? abs + n + 1 : "");
}

/*
 * The bytes of path on one side: *found false when that side has no file
 * there. label names the file in messages ("REV:path", or the work tree's
 * path).
 */
static int read_side(review *rv, const side *s, const char *path, char **buf, size_t *len,
		     bool *found, char **label, sbx_error **err)
{
	*found = false;
	*buf = NULL;
	*label = NULL;
	sbx_error *e = NULL;
	int rc;
	if (s->commit) {
		*label = xasprintf("%s:%s", s->rev, path);
		rc = sbx_gitrev_read(rv->g, buf, len, s->commit, path, &e);
	} else {
		*label = xasprintf("%s/%s", sbx_gitrev_workdir(rv->g), path);
		rc = sbx_config_read(buf, len, *label, SBX_CONFIG_NOFOLLOW, &e);
	}
	if (rc == SBX_ENOTFOUND) {
		sbx_error_free(e);
		return 0;
	}
	if (rc < 0) {
		if (s->commit)
			sbx_error_wrap(&e, "%s", s->rev);
		if (err)
			*err = e;
		else
			sbx_error_free(e);
		return rc;
	}
	*found = true;
	return 0;
}

static bool exists_on(review *rv, const side *s, const char *path)
{
	if (!s->commit) {
		_cleanup_free_ char *abs = xasprintf("%s/%s", sbx_gitrev_workdir(rv->g), path);
		struct stat st;
		return lstat(abs, &st) == 0;
	}
	return sbx_gitrev_has(rv->g, s->commit, path);
}

static const char *side_name(const side *s)
{
	return s->rev ? s->rev : "the work tree";
}

/* One file: its header, then the plan from the base's version to the head's. */
static int review_file(review *rv, const char *path, sbx_error **err)
{
	char *bbuf = NULL, *hbuf = NULL, *blabel = NULL, *hlabel = NULL;
	size_t blen = 0, hlen = 0;
	bool bfound, hfound;
	sbx_spec *bspec = NULL, *hspec = NULL;
	sbx_plan *plan = NULL;
	sbx_fields was = {0}, now = {0};
	char *workspace = NULL;
	int rc = read_side(rv, &rv->base, path, &bbuf, &blen, &bfound, &blabel, err);
	if (rc == 0)
		rc = read_side(rv, &rv->head, path, &hbuf, &hlen, &hfound, &hlabel, err);
	if (rc < 0)
		goto out;
	if (bfound && (rc = sbx_config_parse(&bspec, bbuf, blen, blabel, err)) < 0)
		goto out;
	if (hfound && (rc = sbx_config_parse(&hspec, hbuf, hlen, hlabel, err)) < 0)
		goto out;
	const char *slash = strrchr(path, '/');
	workspace = slash
			? xasprintf("%s/%.*s", sbx_gitrev_workdir(rv->g), (int)(slash - path), path)
			: xstrdup(sbx_gitrev_workdir(rv->g));
	if (!rv->json)
		sbx_out_review_file(path, side_name(&rv->base), side_name(&rv->head), bfound,
				    hfound);
	if (!hfound) {
		if (bfound) {
			sbx_review_fields(&was, bspec, workspace);
			if (rv->json)
				sbx_out_review_add(rv->json, path, true, false, NULL, &was);
			else
				sbx_out_review_deleted(&was, rv->color);
			rv->changed++;
		}
		goto out;
	}
	sbx_review_fields(&now, hspec, workspace);
	if ((rc = sbx_review_plan(&plan, bspec, &now, workspace)) < 0) {
		rc = sbx_error_set(err, SBX_ERROR, "planning %s", hlabel);
		goto out;
	}
	bool changes = sbx_plan_has_changes(plan);
	if (rv->json)
		sbx_out_review_add(rv->json, path, bfound, true, plan, NULL);
	else if (changes)
		sbx_out_plan(plan, &now, rv->color);
	else
		sbx_out_review_same();
	rv->changed += changes;
	rv->security += sbx_plan_security(plan);
out:
	sbx_fields_release(&now);
	free(workspace);
	sbx_plan_free(plan);
	sbx_fields_release(&was);
	sbx_spec_free(bspec);
	sbx_spec_free(hspec);
	free(bbuf);
	free(hbuf);
	free(blabel);
	free(hlabel);
	return rc;
}

/*
 * The file that governs dir (rel, from the top, "" or ending in '/'):
 * dir's sandbox.yaml or its parents', up to the top, on either side.
 */
static char *governing(review *rv, const char *rel)
{
	_cleanup_free_ char *d = xstrdup(rel);
	for (;;) {
		_cleanup_free_ char *p = xasprintf("%s%s", d, SBX_CONFIG_NAME);
		if (exists_on(rv, &rv->head, p) || exists_on(rv, &rv->base, p))
			return steal_pointer(&p);
		if (!*d)
			return NULL;
		/* d is "a/b/": up to "a/" */
		d[strlen(d) - 1] = '\0';
		char *s = strrchr(d, '/');
		if (s)
			s[1] = '\0';
		else
			d[0] = '\0';
	}
}

int sbx_diff_review(sbx_ctx *ctx, const char *base, const char *head, bool all, bool exit_code,
		    bool json, sbx_error **err)
{
	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return sbx_error_set(err, SBX_ERROR, "the current directory: %s", strerror(errno));
	review rv = {.base.rev = base, .head.rev = head, .color = ctx->color};
	char **paths = NULL;
	_cleanup_free_ char *file_abs = NULL, *rel = NULL, *one = NULL;
	if (ctx->file && !(file_abs = realpath(ctx->file, NULL))) {
		_cleanup_free_ char *q = sbx_quotes(ctx->file);
		return sbx_error_set(err, SBX_ENOTFOUND, "%s (-f): %s", q, strerror(errno));
	}
	if ((rc = sbx_gitrev_open(&rv.g, cwd, err)) < 0)
		return rc;
	const char *top = sbx_gitrev_workdir(rv.g);
	if ((rc = sbx_gitrev_resolve(rv.g, &rv.base.commit, base, err)) < 0)
		goto out;
	if (head && (rc = sbx_gitrev_resolve(rv.g, &rv.head.commit, head, err)) < 0)
		goto out;
	/* getcwd's answer is canonical already, as the work tree's path is */
	rel = relative(top, cwd);
	if (!rel) {
		_cleanup_free_ char *q = sbx_quotes(cwd);
		rc = sbx_error_set(err, SBX_ERROR, "%s is outside the work tree of its repository",
				   q);
		goto out;
	}
	if (*rel) {
		char *r2 = xasprintf("%s/", rel);
		free(rel);
		rel = r2;
	}
	if (file_abs) {
		if (!(one = relative(top, file_abs))) {
			_cleanup_free_ char *q = sbx_quotes(ctx->file);
			_cleanup_free_ char *qt = sbx_quotes(top);
			rc = sbx_error_set(err, SBX_EUSAGE, "%s (-f) is outside the repository %s",
					   q, qt);
			goto out;
		}
	} else if (!all) {
		one = governing(&rv, rel);
	}
	if (one) {
		paths = xcalloc(2, sizeof(*paths));
		paths[0] = xstrdup(one);
	} else if ((rc = sbx_gitrev_changed(rv.g, &paths, rv.base.commit, rv.head.commit, rel,
					    err)) < 0) {
		goto out;
	}
	if (json)
		rv.json = sbx_out_review_begin(base, rv.base.commit, head, rv.head.commit);
	else if (!paths[0])
		sbx_out_review_none(*rel ? rel : NULL, side_name(&rv.base), side_name(&rv.head));
	for (size_t i = 0; paths[i]; i++) {
		if (i && !json)
			putchar('\n');
		if ((rc = review_file(&rv, paths[i], err)) < 0)
			goto out;
	}
	if (rv.json) {
		/* only whole: nothing printed on an error */
		sbx_out_review_end(rv.json, rv.changed > 0, rv.security);
		rv.json = NULL;
	}
	rc = sbx_changes_status(exit_code, rv.changed > 0, rv.security);
out:
	sbx_out_review_discard(rv.json);
	sbx_strv_free(paths);
	free(rv.base.commit);
	free(rv.head.commit);
	sbx_gitrev_free(rv.g);
	return rc;
}
