/*
 * allow: the user's own policy file, ${XDG_CONFIG_HOME:-~/.config}/sbx/
 * policy.yaml, which lies outside every repository: per workspace, host
 * paths that tier 2 refuses but that the user allows to be mounted there.
 * Nothing in a sandbox.yaml can do this, and an allowed mount is still
 * tier 1 (it needs `sbx trust`).
 *
 *   version: 1
 *   allow:
 *     - workspace: ~/src/infra          # this workspace only
 *       paths: [~/.kube, ~/.config/gcloud]
 *     - workspace: /srv/shared/app      # a sandbox.yaml of another user's
 *       safe_directory: true            # that discovery may use (git's safe.directory)
 *
 * The file must be a regular file of the user's, in a directory of theirs,
 * neither writable by others.
 */
#ifndef SBX_ALLOW_H
#define SBX_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* sbx_allow_path: where the file is. Caller frees. */
char *sbx_allow_path(void);

/*
 * sbx_allow_parse: the canonical paths buf[0..len) allows for workspace (a
 * canonical path), NULL-terminated, into *out. ~ is $HOME; entries whose
 * workspace or path does not exist are skipped. SBX_EINVALID with
 * file:line:col for a malformed file.
 */
int sbx_allow_parse(char ***out, const char *buf, size_t len, const char *filename,
		    const char *workspace, sbx_error **err);

/*
 * sbx_allow_load: sbx_allow_parse of the user's file; an empty list when
 * there is none. SBX_EPOLICY when others could write it.
 */
int sbx_allow_load(char ***out, const char *workspace, sbx_error **err);
/* Free the lists with sbx_strv_free. */

/*
 * sbx_allow_safe_parse: whether buf[0..len) has an entry for workspace (a
 * canonical path, matched exactly) with safe_directory: true. Errors as
 * sbx_allow_parse.
 */
int sbx_allow_safe_parse(bool *out, const char *buf, size_t len, const char *filename,
			 const char *workspace, sbx_error **err);

/* sbx_allow_safe: sbx_allow_safe_parse of the user's file, under sbx_allow_load's guards. */
int sbx_allow_safe(bool *out, const char *workspace, sbx_error **err);

#endif
