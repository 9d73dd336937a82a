/*
 * policy: which host paths a sandbox.yaml may never open (tier 2), decided
 * on paths alone. Pure: the caller resolves every path (realpath) and hands
 * in both the canonical and the lexical form, because either may be the
 * one that names a secret (a symlink into ~/.ssh, or /home that holds it).
 * A path is refused when it is a protected path, lies inside one, or is an
 * ancestor of one (mounting /home exposes ~/.ssh). / and $HOME themselves
 * are protected as wholes only: what lies below them is judged on its own.
 * A protected place is also judged by where its own links lead (~/.ssh a
 * link into ~/dotfiles protects ~/dotfiles): the caller resolves them and
 * hands the targets in as places.
 */
#ifndef SBX_POLICY_H
#define SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

/* A protected subtree found on this host, and how a refusal names it. */
typedef struct sbx_place {
	const char *path;  /* absolute, canonical */
	const char *label; /* "~/.ssh (which leads to '/home/u/dotfiles/ssh')" */
} sbx_place;

/* The host facts the decisions rest on, all canonical absolute paths. */
typedef struct sbx_policy_host {
	const char *home;		 /* $HOME, else the password database's home */
	const char *const *engine_paths; /* the engine's socket(s), data-root; NULL-terminated */
	const char *const *sbx_paths;	 /* sbx's own host-side directories; NULL-terminated */
	const char *const *allowed;	 /* what the user's policy file allows this workspace */
	/*
	 * Further homes, protected like home (the password database's home
	 * when $HOME names another place, each home's other spelling);
	 * NULL-terminated, or NULL.
	 */
	const char *const *homes;
	/*
	 * Further protected subtrees: where the protected places' own links
	 * lead, engine-equivalent and agent sockets of this host; ended by a
	 * {NULL} entry, or NULL.
	 */
	const sbx_place *places;
	/*
	 * Why each mount source (parallel to the spec's mounts; NULL: nothing)
	 * and the workspace (ws_swappable) could be swapped between sbx's
	 * check and the engine's mount: a directory on its way that someone
	 * else may write. Filled in by the caller, who looked (stat).
	 */
	const char *const *swappable;
	const char *ws_swappable;
} sbx_policy_host;

/* The secrets under a home directory, relative to it; NULL-terminated. */
extern const char *const sbx_policy_home_secrets[];
/* The host's system paths refused with everything in and above them; NULL-terminated. */
extern const char *const sbx_policy_system_paths[];

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
 * an ancestor of $HOME, or any path that is, lies inside or holds a
 * protected place: a sandbox.yaml in ~/.ssh is a mount of ~/.ssh) and each
 * mount source, given canonically (real[i]) and as written then made
 * absolute (lexical[i]); a source inside the workspace or inside another
 * read-write mount's source is refused too (it is visible already, and the
 * sandbox could swap a directory on its way for a symlink before the
 * engine mounts it), and so is a path host->swappable says others could
 * swap. A mount whose canonical source lies in one of host->allowed escapes
 * the protected paths and the swap rule (not the nesting rules): the
 * user's own policy file said so.
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
