/*
 * trust: the user's approval of a sandbox.yaml that asks for host access
 * (tier 1: docker_socket, extra mounts, pass_env). An approval is a file in
 * ${XDG_DATA_HOME:-~/.local/share}/sbx/trust/ named by the SHA-256 of the
 * canonical workspace path and the exact bytes that were parsed (read
 * once), so any edit voids it. Written atomically (temp file, fsync,
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

/* sbx_trust_grants: the tier-1 items of spec, in file order (pure). */
void sbx_trust_grants(sbx_grants *out, const sbx_spec *spec);
void sbx_grants_release(sbx_grants *g);

/* sbx_trust_check: whether these bytes of the workspace's file are approved. */
int sbx_trust_check(bool *trusted, const char *workspace, const char *bytes, size_t len,
		    sbx_error **err);
/* sbx_trust_record: approve them. */
int sbx_trust_record(const char *workspace, const char *config, const char *bytes, size_t len,
		     sbx_error **err);
/* sbx_trust_remove: withdraw every approval for the workspace; *removed counts them. */
int sbx_trust_remove(size_t *removed, const char *workspace, sbx_error **err);

#endif
