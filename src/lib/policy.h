/*
 * policy: which host paths a sandbox.yaml may never open (tier 2), decided
 * on paths alone. Pure: the caller resolves every path (realpath) and hands
 * in both the canonical and the lexical form, because either may be the
 * one that names a secret (a symlink into ~/.ssh, or /home that holds it).
 * A path is refused when it is a protected path, lies inside one, or is an
 * ancestor of one (mounting /home exposes ~/.ssh). / and $HOME themselves
 * are protected as wholes only: what lies below them is judged on its own.
 */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

/* The host facts the decisions rest on, all canonical absolute paths. */
typedef struct sbx_policy_host {
	const char *home;		 /* $HOME */
	const char *const *engine_paths; /* the engine's socket(s), data-root; NULL-terminated */
	const char *const *sbx_paths;	 /* sbx's own host-side directories; NULL-terminated */
	const char *const *allowed;	 /* what the user's policy file allows this workspace */
} sbx_policy_host;

typedef struct sbx_refusal {
	sbx_pos pos;   /* where the file asks for it */
	char *subject; /* what is refused: a mount source, the workspace */
	char *why;     /* the protected path it touches, and how */
} sbx_refusal;

typedef struct sbx_refusals {
	sbx_refusal *v;
	size_t n;
} sbx_refusals;

/*
 * sbx_policy_path: why path may not be mounted into a sandbox, or NULL.
 * Caller frees the answer.
 */
char *sbx_policy_path(const char *path, const sbx_policy_host *host);

/*
 * sbx_policy_check: the tier-2 refusals of a spec: its workspace (/, $HOME,
 * an ancestor of $HOME, or a directory holding sbx's own files) and each
 * mount source, given canonically (real[i]) and as written then made
 * absolute (lexical[i]); a source inside the workspace is refused too (it
 * is visible already, and re-mounting it invites a symlink swap). A mount
 * whose canonical source lies in one of host->allowed escapes the protected
 * paths (not the workspace rule): the user's own policy file said so.
 */
void sbx_policy_check(sbx_refusals *out, const sbx_spec *spec, const char *workspace,
		      const char *const *real, const char *const *lexical,
		      const sbx_policy_host *host);
void sbx_refusals_release(sbx_refusals *r);

/* sbx_path_normalize: an absolute path with ".", ".." and repeated slashes resolved as text. */
char *sbx_path_normalize(const char *abs);

/* sbx_path_within: path is dir or lies below it (component-wise, both canonical). */
bool sbx_path_within(const char *path, const char *dir);

#endif
