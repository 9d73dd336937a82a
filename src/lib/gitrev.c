#include "gitrev.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

struct sbx_gitrev {
	git_repository *repo;
	char *workdir;
};

/* libgit2's last word on what failed, quoted; "unknown" when it left none. */
static char *git_why(void)
{
	const git_error *ge = git_error_last();
	return sbx_escape(ge && ge->message ? ge->message : "unknown");
}

int sbx_gitrev_open(sbx_gitrev **out, const char *dir, sbx_error **err)
{
	*out = NULL;
	git_libgit2_init();
	git_repository *repo = NULL;
	int rc = git_repository_open_ext(&repo, dir, 0, NULL);
	_cleanup_free_ char *qd = sbx_quotes(dir);
	if (rc == GIT_ENOTFOUND) {
		git_libgit2_shutdown();
		return sbx_error_set(err, SBX_ENOTFOUND,
				     "%s is in no git repository: --base compares revisions of one",
				     qd);
	}
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		git_libgit2_shutdown();
		return sbx_error_set(err, SBX_ERROR, "opening the git repository of %s: %s", qd,
				     why);
	}
	const char *wd = git_repository_workdir(repo);
	if (!wd || git_repository_is_bare(repo)) {
		git_repository_free(repo);
		git_libgit2_shutdown();
		return sbx_error_set(err, SBX_ERROR,
				     "the git repository of %s is bare: it has no work tree to "
				     "place a workspace in",
				     qd);
	}
	sbx_gitrev *g = xcalloc(1, sizeof(*g));
	g->repo = repo;
	char *canon = realpath(wd, NULL);
	g->workdir = canon ? canon : xstrdup(wd);
	size_t n = strlen(g->workdir);
	while (n > 1 && g->workdir[n - 1] == '/')
		g->workdir[--n] = '\0';
	*out = g;
	return 0;
}

void sbx_gitrev_free(sbx_gitrev *g)
{
	if (!g)
		return;
	git_repository_free(g->repo);
	free(g->workdir);
	free(g);
	git_libgit2_shutdown();
}

const char *sbx_gitrev_workdir(const sbx_gitrev *g)
{
	return g->workdir;
}

int sbx_gitrev_resolve(sbx_gitrev *g, char **out, const char *rev, sbx_error **err)
{
	*out = NULL;
	_cleanup_free_ char *qr = sbx_quotes(rev);
	git_object *obj = NULL, *commit = NULL;
	int rc = git_revparse_single(&obj, g->repo, rev);
	if (rc == 0)
		rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		git_object_free(obj);
		const char *what = rc == GIT_EAMBIGUOUS ? "ambiguous" : "unknown";
		return sbx_error_set(
		    err, SBX_ENOTFOUND,
		    "%s revision %s (git: %s): give a branch, a tag, a commit id, "
		    "HEAD~1 or origin/main; fetch it first if it is another clone's",
		    what, qr, why);
	}
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_object_id(commit));
	git_object_free(commit);
	git_object_free(obj);
	*out = xstrdup(hex);
	return 0;
}

/* The tree of commit (40 hex digits, from sbx_gitrev_resolve). */
static int commit_tree(git_tree **tree, sbx_gitrev *g, const char *commit, sbx_error **err)
{
	git_oid oid;
	git_commit *c = NULL;
	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, g->repo, &oid) < 0 ||
	    git_commit_tree(tree, c) < 0) {
		_cleanup_free_ char *why = git_why();
		_cleanup_free_ char *q = sbx_quotes(commit);
		git_commit_free(c);
		return sbx_error_set(err, SBX_ERROR, "reading the commit %s: %s", q, why);
	}
	git_commit_free(c);
	return 0;
}

int sbx_gitrev_read(sbx_gitrev *g, char **buf, size_t *len, const char *commit, const char *path,
		    sbx_error **err)
{
	*buf = NULL;
	*len = 0;
	git_tree *tree = NULL;
	int rc = commit_tree(&tree, g, commit, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *qp = sbx_quotes(path);
	git_tree_entry *te = NULL;
	rc = git_tree_entry_bypath(&te, tree, path);
	git_tree_free(tree);
	if (rc == GIT_ENOTFOUND)
		return sbx_error_set(err, SBX_ENOTFOUND, "no file %s at that revision", qp);
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		return sbx_error_set(err, SBX_ERROR, "looking up %s: %s", qp, why);
	}
	git_filemode_t mode = git_tree_entry_filemode(te);
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		git_tree_entry_free(te);
		return sbx_error_set(err, SBX_EINVALID,
				     "%s at that revision is %s, not a file: sbx reads no other",
				     qp,
				     mode == GIT_FILEMODE_LINK	   ? "a symbolic link"
				     : mode == GIT_FILEMODE_COMMIT ? "a submodule"
								   : "a directory");
	}
	git_blob *blob = NULL;
	rc = git_blob_lookup(&blob, g->repo, git_tree_entry_id(te));
	git_tree_entry_free(te);
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		return sbx_error_set(err, SBX_ERROR, "reading %s: %s", qp, why);
	}
	git_object_size_t size = git_blob_rawsize(blob);
	if (size > SBX_CONFIG_MAX_BYTES) {
		git_blob_free(blob);
		return sbx_error_set(err, SBX_EINVALID,
				     "%s at that revision is %llu bytes, over the %d sbx reads", qp,
				     (unsigned long long)size, SBX_CONFIG_MAX_BYTES);
	}
	char *b = xmalloc((size_t)size + 1);
	memcpy(b, git_blob_rawcontent(blob), (size_t)size);
	b[size] = '\0';
	git_blob_free(blob);
	*buf = b;
	*len = (size_t)size;
	return 0;
}

bool sbx_gitrev_has(sbx_gitrev *g, const char *commit, const char *path)
{
	git_tree *tree = NULL;
	if (commit_tree(&tree, g, commit, NULL) < 0)
		return true;
	git_tree_entry *te = NULL;
	int rc = git_tree_entry_bypath(&te, tree, path);
	git_tree_entry_free(te);
	git_tree_free(tree);
	return rc == 0;
}

typedef struct changed {
	const char *prefix;
	char **v;
	size_t n;
} changed;

static bool is_config_path(const char *path, const char *prefix)
{
	if (!path || strncmp(path, prefix, strlen(prefix)) != 0)
		return false;
	const char *base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, SBX_CONFIG_NAME) == 0;
}

static void add_path(changed *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], path) == 0)
			return;
	c->v = xrealloc(c->v, (c->n + 2) * sizeof(*c->v));
	c->v[c->n++] = xstrdup(path);
	c->v[c->n] = NULL;
}

static int on_delta(const git_diff_delta *d, float progress, void *arg)
{
	(void)progress;
	changed *c = arg;
	if (is_config_path(d->old_file.path, c->prefix) && d->status != GIT_DELTA_ADDED &&
	    d->status != GIT_DELTA_UNTRACKED)
		add_path(c, d->old_file.path);
	if (is_config_path(d->new_file.path, c->prefix) && d->status != GIT_DELTA_DELETED)
		add_path(c, d->new_file.path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sbx_gitrev_changed(sbx_gitrev *g, char ***out, const char *base, const char *head,
		       const char *prefix, sbx_error **err)
{
	*out = NULL;
	git_tree *bt = NULL, *ht = NULL;
	int rc = commit_tree(&bt, g, base, err);
	if (rc < 0)
		return rc;
	if (head && (rc = commit_tree(&ht, g, head, err)) < 0) {
		git_tree_free(bt);
		return rc;
	}
	git_diff_options opts;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	/* Content, not stat data: a file touched but not changed is no change. */
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	git_diff *diff = NULL;
	rc = head ? git_diff_tree_to_tree(&diff, g->repo, bt, ht, &opts)
		  : git_diff_tree_to_workdir(&diff, g->repo, bt, &opts);
	git_tree_free(bt);
	git_tree_free(ht);
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		return sbx_error_set(err, SBX_ERROR, "comparing the revisions: %s", why);
	}
	changed c = {.prefix = prefix};
	rc = git_diff_foreach(diff, on_delta, NULL, NULL, NULL, &c);
	git_diff_free(diff);
	if (rc < 0) {
		_cleanup_free_ char *why = git_why();
		sbx_strv_free(c.v);
		return sbx_error_set(err, SBX_ERROR, "comparing the revisions: %s", why);
	}
	if (!c.v)
		c.v = xcalloc(1, sizeof(*c.v));
	qsort(c.v, c.n, sizeof(*c.v), cmp_str);
	*out = c.v;
	return 0;
}
