/*
 * trust: the user's approval of a sandbox.yaml that asks for host access
 * (tier 1: docker_socket, extra mounts, pass_env). An approval is a file in
 * ${XDG_DATA_HOME:-~/.local/share}/sbx/trust/ named by the SHA-256 of the
 * canonical workspace path and the exact bytes that were parsed (read
 * once), so any edit voids it. The approval also keeps where each mount
 * source led when it was given (its canonical path): the engine follows host
 * symlinks anew at every start, so a source that leads elsewhere now is no
 * longer approved either. It keeps the approved bytes too (escaped, on one
 * line), so that `sbx trust` shows what changed since. Written atomically (temp file, fsync,
 * rename), 0600 in 0700 directories; a store that others can write is
 * refused.
 */
#ifndef SBX_TRUST_H
#define SBX_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

/* One thing a file asks for that needs approval. */
typedef struct sbx_grant {
	sbx_pos pos;
	char *what; /* "docker_socket: true (root on the host)", "mount '~/x' -> /y (read-only)" */
} sbx_grant;

typedef struct sbx_grants {
	sbx_grant *v;
	size_t n;
} sbx_grants;

/*
 * sbx_trust_grants: the tier-1 items of spec, in file order (pure).
 * sources (may be NULL): where each mount source leads, parallel to
 * spec->mounts, shown beside it.
 */
void sbx_trust_grants(sbx_grants *out, const sbx_spec *spec, const char *const *sources);
void sbx_grants_release(sbx_grants *g);

/* What the store says of a file. */
typedef struct sbx_trust_verdict {
	bool trusted;	     /* these bytes are approved, and every mount leads where it did */
	bool approved_bytes; /* these bytes were approved (whatever the mounts do now) */
	size_t moved;	     /* when not trusted but approved_bytes: the mount that moved */
	char *was;	     /* ...and where it led then (NULL: not recorded); caller frees */
} sbx_trust_verdict;

/*
 * sbx_trust_check: whether these bytes of the workspace's file are
 * approved with its mount sources leading to sources[0..n) (canonical).
 */
int sbx_trust_check(sbx_trust_verdict *v, const char *workspace, const char *bytes, size_t len,
		    const char *const *sources, size_t n, sbx_error **err);
/* sbx_trust_record: approve them, the mounts leading to sources[0..n). */
int sbx_trust_record(const char *workspace, const char *config, const char *bytes, size_t len,
		     const char *const *sources, size_t n, sbx_error **err);
/*
 * sbx_trust_last: the bytes of the workspace's file as last approved (the
 * newest record), in *bytes (NUL-terminated, caller frees) and *len; NULL
 * when nothing was approved, or only by an sbx that kept no text.
 */
int sbx_trust_last(char **bytes, size_t *len, const char *workspace, sbx_error **err);

/* One line of what changed since the last approval. */
typedef struct sbx_diff_line {
	char op;    /* '-': as approved, '+': now */
	bool grant; /* a grant (text is its description) rather than a line of the file */
	int line;   /* its line in the approved file ('-') or in the file now ('+') */
	char *text; /* raw, from the file: escape before printing */
} sbx_diff_line;

typedef struct sbx_diff {
	sbx_diff_line *v;
	size_t n;
} sbx_diff;

/*
 * sbx_trust_diff: what changed from the approved file to the file now
 * (pure): first the grants removed and added (compared by description,
 * file order), then the file's lines removed and added (a line diff on
 * the longest common subsequence; past a size bound, every differing
 * line between the common head and tail). Appends to out.
 */
void sbx_trust_diff(sbx_diff *out, const sbx_grants *was, const sbx_grants *now,
		    const char *old_bytes, size_t old_len, const char *new_bytes, size_t new_len);
void sbx_diff_release(sbx_diff *d);

/* sbx_trust_remove: withdraw every approval for the workspace; *removed counts them. */
int sbx_trust_remove(size_t *removed, const char *workspace, sbx_error **err);

#endif
