/*
 * gitid: the git identity git itself would use for a commit in a workspace:
 * GIT_AUTHOR_* / GIT_COMMITTER_* from the environment over the repository's
 * config over the user's global, XDG and system config. The sandbox gets it
 * as GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL, GIT_COMMITTER_NAME and
 * GIT_COMMITTER_EMAIL. sbx reads the repository's config itself, and the
 * user's config too wherever it reads it exactly as libgit2 does; libgit2
 * (costly to initialise) reads the rest. Its types never leave this module.
 */
#ifndef SBX_GITID_H
#define SBX_GITID_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define SBX_GITID_MAX 256

typedef struct sbx_gitid {
	char *author_name; /* NULL: none found (or refused; see warning) */
	char *author_email;
	char *committer_name;
	char *committer_email;
	char *warning; /* for the user: what was missing or refused; NULL when all is well */
} sbx_gitid;

/*
 * sbx_gitid_read: fill id for workspace. A missing or malformed value is a
 * warning in id->warning, not an error: every value that is there is a
 * single printable line of at most SBX_GITID_MAX characters. Errors only
 * when libgit2 fails on a repository it found.
 */
int sbx_gitid_read(sbx_gitid *id, const char *workspace, sbx_error **err);
void sbx_gitid_release(sbx_gitid *id);

/*
 * sbx_gitid_parse_user: the value of user.<key> (key: "name", "email") in
 * git config text[0..len), the last one winning, as git reads it (quotes,
 * escapes, comments, continued lines); includes are not followed. NULL when
 * absent. Caller frees.
 */
char *sbx_gitid_parse_user(const char *text, size_t len, const char *key);

/*
 * sbx_gitid_parse_user_config: user.name and user.email (NULL: no such key,
 * "": a key without a value) of one file of the user's config, text[0..len),
 * exactly as libgit2 1.x reads them. False, with both NULL, when the text is
 * outside the subset for which that is certain (an include or includeIf
 * section, a value continued on the next line, control characters, anything
 * libgit2 refuses): then libgit2 reads it. Caller frees.
 */
bool sbx_gitid_parse_user_config(const char *text, size_t len, char **name, char **email);

/* sbx_gitid_libgit2_reads: how often this process had libgit2 read the user's config. */
unsigned sbx_gitid_libgit2_reads(void);

/* sbx_gitid_valid: a single printable line: UTF-8, no control characters, not empty, capped. */
bool sbx_gitid_valid(const char *s);

/* sbx_gitid_lib_version: libgit2's version, "MAJOR.MINOR.REV" (static storage). */
const char *sbx_gitid_lib_version(void);

#endif
