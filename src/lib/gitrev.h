/*
 * gitrev: sandbox.yaml as a git revision holds it, for review (sbx diff
 * --base): the repository around a directory, a revision resolved to its
 * commit, a file's bytes at a commit, and the sandbox.yaml files that
 * differ between two commits or between a commit and the work tree. Read
 * only: the work tree, the index and the refs are never written, and
 * nothing the repository configures is run. libgit2's types stay here.
 */
#ifndef SBX_GITREV_H
#define SBX_GITREV_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct sbx_gitrev sbx_gitrev;

/*
 * sbx_gitrev_open: the repository whose work tree holds dir, searched
 * upward as git does. SBX_ENOTFOUND when dir is in none; SBX_ERROR for a
 * bare repository (no work tree to place a workspace in) or libgit2's own
 * refusal (its words: a repository another user owns, say).
 */
int sbx_gitrev_open(sbx_gitrev **out, const char *dir, sbx_error **err);
void sbx_gitrev_free(sbx_gitrev *g);

/* sbx_gitrev_workdir: the work tree's canonical path, without a trailing slash. Borrowed. */
const char *sbx_gitrev_workdir(const sbx_gitrev *g);

/*
 * sbx_gitrev_resolve: rev as git rev-parse takes it (a branch, a tag, a
 * commit id or its prefix, HEAD~1, origin/main) to the commit it names:
 * *out its id, 40 hex digits. SBX_ENOTFOUND for a revision the repository
 * does not have, one that is ambiguous or names no commit.
 */
int sbx_gitrev_resolve(sbx_gitrev *g, char **out, const char *rev, sbx_error **err);

/*
 * sbx_gitrev_read: the file at path ('/'-separated, from the top of the
 * work tree) in commit: *buf (NUL-terminated) and *len. SBX_ENOTFOUND
 * when the commit has no file there; SBX_EINVALID for what sbx does not
 * read as sandbox.yaml: a symbolic link, a directory, a submodule, a file
 * over SBX_CONFIG_MAX_BYTES (checked before its bytes are read).
 */
int sbx_gitrev_read(sbx_gitrev *g, char **buf, size_t *len, const char *commit, const char *path,
		    sbx_error **err);

/*
 * sbx_gitrev_has: commit holds an entry at path (of any kind: sbx_gitrev_read
 * says what it will not read); true too when the commit cannot be read, so
 * that the read which follows says why.
 */
bool sbx_gitrev_has(sbx_gitrev *g, const char *commit, const char *path);

/*
 * sbx_gitrev_changed: the paths of the files named sandbox.yaml under
 * prefix ("" for the whole repository, else a directory's path with a
 * trailing '/') that differ between commit base and commit head, or the
 * work tree when head is NULL (files not yet added included, ignored
 * ones not). Sorted, NULL-terminated; free with sbx_strv_free.
 */
int sbx_gitrev_changed(sbx_gitrev *g, char ***out, const char *base, const char *head,
		       const char *prefix, sbx_error **err);

#endif
