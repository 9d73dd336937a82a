/*
 * discover: whether the sandbox.yaml that discovery found (or -f named) may
 * govern a sandbox at all, before a byte of it is parsed. It must be the
 * user's own: the file, the workspace directory and every directory from
 * where sbx ran up to the workspace are owned by the user and writable by
 * no one else (git's safe.directory idea). The directories above the
 * workspace are tier 2's (sbx_path_swappable). And whether the workspace
 * lies inside another one: an agent in that sandbox could have written
 * this file, so it is not silently a new sandbox.
 */
#ifndef SBX_DISCOVER_H
#define SBX_DISCOVER_H

#include <sys/types.h>

#include "error.h"

/*
 * sbx_discover_check: file is the canonical path of a sandbox.yaml, from
 * the caller's canonical directory (at or below the file's directory; NULL
 * for a file named with -f: then only the file and its directory). 0 when
 * each is uid's own (sbx_path_not_own; a directory strictly between them may
 * instead be a sticky one of uid's or root's whose entry on the way is
 * uid's, as /tmp), or when the user's policy file lists
 * the workspace with safe_directory: true; else SBX_EPOLICY naming the
 * first one that is not, its owner and mode, and the way out. A file that
 * cannot be inspected is left to the loader, which says why. Errors of the
 * policy file as sbx_allow_safe.
 */
int sbx_discover_check(const char *file, const char *from, uid_t uid, sbx_error **err);

/*
 * sbx_discover_enclosing: the nearest directory above workspace (canonical)
 * that holds an entry named sandbox.yaml, or NULL. Caller frees.
 */
char *sbx_discover_enclosing(const char *workspace);

#endif
