#include "discover.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "allow.h"
#include "config.h"
#include "hostfacts.h"
#include "util.h"

/* The directory holding path ("/" for a top-level entry). Caller frees. */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * dir (from[0..j), strictly between the workspace and from) is sticky,
 * yours or root's, and the entry below it on the way is yours: as for /tmp,
 * the kernel lets no one else rename or remove that entry, and a
 * sandbox.yaml others put in dir is theirs, which discovery refuses.
 */
static bool kept_by_sticky(const char *dir, const char *from, size_t j, uid_t uid)
{
	if (!from[j])
		return false; /* the caller's own directory has no entry below it on the way */
	size_t k = j + 1;
	while (from[k] && from[k] != '/')
		k++;
	_cleanup_free_ char *below = xstrndup(from, k);
	struct stat d, e;
	return lstat(dir, &d) == 0 && lstat(below, &e) == 0 && (d.st_mode & S_ISVTX) &&
	       (d.st_uid == uid || d.st_uid == 0) && e.st_uid == uid;
}

/*
 * The first of the file, the workspace, and the directories from the
 * workspace down to from, that is not uid's own: *what names it, the
 * return value says why. NULL when all are.
 */
static char *first_not_own(char **what, char **which, const char *file, const char *ws,
			   const char *from, uid_t uid)
{
	*what = NULL;
	char *why = sbx_path_not_own(file, uid);
	if (why) {
		*what = xstrdup("the file");
		*which = xstrdup(file);
		return why;
	}
	if ((why = sbx_path_not_own(ws, uid))) {
		_cleanup_free_ char *q = sbx_quotes(ws);
		*what = xasprintf("its directory %s", q);
		*which = xstrdup(ws);
		return why;
	}
	if (!from || strcmp(from, ws) == 0 || !sbx_path_within(from, ws))
		return NULL;
	/* From the workspace down, so the message names the highest one. */
	size_t n = strlen(ws);
	while (from[n]) {
		size_t j = n + 1;
		while (from[j] && from[j] != '/')
			j++;
		_cleanup_free_ char *dir = xstrndup(from, j);
		if ((why = sbx_path_not_own(dir, uid)) && kept_by_sticky(dir, from, j, uid)) {
			free(why);
			why = NULL;
		}
		if (why) {
			_cleanup_free_ char *q = sbx_quotes(dir);
			*what = xasprintf("the directory %s (between here and the workspace)", q);
			*which = steal_pointer(&dir);
			return why;
		}
		n = j;
	}
	return NULL;
}

int sbx_discover_check(const char *file, const char *from, uid_t uid, sbx_error **err)
{
	struct stat st;
	/* Missing, or a link (refused unless -f --follow-link, which names its target): the
	 * loader says why. */
	if (lstat(file, &st) < 0 || S_ISLNK(st.st_mode))
		return 0;
	/*
	 * Whoever owns or may write the file, its directory or a directory
	 * between here and it decides what sandbox sbx makes here: which
	 * image runs with your workspace, and what the next `sbx trust`
	 * shows you. Root is no exception: a sandbox's root (user "0", an
	 * image whose user is root, sudo inside) writes root-owned files
	 * into every read-write mount, and the workspace of a sandbox is one.
	 */
	_cleanup_free_ char *ws = parent_of(file);
	_cleanup_free_ char *what = NULL, *which = NULL;
	_cleanup_free_ char *why = first_not_own(&what, &which, file, ws, from, uid);
	if (!why)
		return 0;
	bool safe = false;
	int rc = sbx_allow_safe(&safe, ws, err);
	if (rc < 0)
		return rc;
	if (safe)
		return 0;
	_cleanup_free_ char *fp = sbx_escape(file);
	_cleanup_free_ char *qws = sbx_quotes(ws);
	_cleanup_free_ char *policy = sbx_allow_path();
	_cleanup_free_ char *qpolicy = sbx_quotes(policy);
	_cleanup_free_ char *qwhich = sbx_quotes(which);
	bool owner = strncmp(why, "belongs", 7) == 0;
	return sbx_error_set(
	    err, SBX_EPOLICY,
	    "%s:1:1: not used: %s %s; sbx uses a sandbox.yaml only when it, its directory and "
	    "every directory from here up to it are yours and no one else can write them (git's "
	    "safe.directory rule); if you trust it: %s (%s), or allow the workspace in your policy "
	    "file %s with 'allow: [{workspace: %s, safe_directory: true}]'",
	    fp, what, why, owner ? "chown it to you" : "chmod go-w it", qwhich, qpolicy, ws);
}

char *sbx_discover_enclosing(const char *workspace)
{
	_cleanup_free_ char *dir = xstrdup(workspace);
	while (strcmp(dir, "/") != 0) {
		char *up = parent_of(dir);
		free(dir);
		dir = up;
		_cleanup_free_ char *f =
		    xasprintf("%s/" SBX_CONFIG_NAME, strcmp(dir, "/") == 0 ? "" : dir);
		struct stat st;
		if (lstat(f, &st) == 0)
			return steal_pointer(&dir);
	}
	return NULL;
}
