/*
 * hostfacts: what the tier-2 policy needs to know of this host, read from
 * the file system so that policy stays pure: the user's homes (the password
 * database's as well as $HOME), where the protected places' own links lead,
 * the engine-equivalent and agent sockets of this host, whether a path can
 * be swapped under sbx by someone else (a directory on its way that others
 * may write), and whether a mount source holds a unix socket.
 */
#ifndef SBX_HOSTFACTS_H
#define SBX_HOSTFACTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "policy.h"

/* sbx_home_passwd: the real user's home, from the password database (getpwuid(getuid())). */
char *sbx_home_passwd(void);

/*
 * sbx_resolve_as_far: abs (absolute) with ".." resolved as text, then every
 * link of its longest existing prefix followed (realpath); the components
 * that do not exist yet appended. Where a place would appear if made.
 */
char *sbx_resolve_as_far(const char *abs);

/*
 * The protected places of this host, for sbx_policy_host: everything is
 * owned here and borrowed by the policy host made from it.
 */
typedef struct sbx_protected {
	char *home;	   /* $HOME resolved, else the password database's home */
	char **homes;	   /* every other spelling and home, NULL-terminated */
	char **engine;	   /* the engine in use: socket and data root, as given and resolved */
	char **own;	   /* sbx's own directories, as spelled and resolved */
	sbx_place *places; /* links' targets and sockets, ended by {NULL} */
	size_t nplaces;
} sbx_protected;

/*
 * sbx_protected_init: gather them. env_home is $HOME (NULL or "": unset),
 * pw_home the password database's home for the real user (NULL: none);
 * both are protected, with the secrets under them and sbx's XDG
 * directories, each as spelled and as its links lead. engine_socket (NULL:
 * TCP) and data_root (NULL: /var/lib/docker) name the engine in use; the
 * rootless engines' sockets under $XDG_RUNTIME_DIR (else /run/user/UID) and
 * $SSH_AUTH_SOCK's directory are added.
 */
void sbx_protected_init(sbx_protected *p, const char *env_home, const char *pw_home,
			const char *engine_socket, const char *data_root);
void sbx_protected_release(sbx_protected *p);
/* sbx_protected_host: a policy host borrowing p's paths. */
sbx_policy_host sbx_protected_host(const sbx_protected *p);

/*
 * sbx_path_swappable: why someone other than uid and root could swap
 * canonical between sbx's check and the engine's mount, or NULL: a
 * directory from / down to its parent that another user owns, or may write
 * (group or other write bits) unless it is sticky and the entry below it
 * belongs to uid or root (the kernel then lets no one else rename or unlink
 * it). A group's write bit is harmless only for the user's own primary
 * group with no other members. Caller frees.
 */
char *sbx_path_swappable(const char *canonical, uid_t uid);

/*
 * sbx_path_not_own: why path itself (a link not followed) is not uid's
 * own, or NULL: another user owns it (root too, unless uid is root), or
 * others may write it (group or other write bits; a group's write bit is
 * harmless only for the user's own primary group with no other members, as
 * in sbx_path_swappable). The reason names the owner and the mode. Caller
 * frees.
 */
char *sbx_path_not_own(const char *path, uid_t uid);

/*
 * sbx_find_socket: the first unix socket at or below path (symbolic links
 * not followed), looking at no more than budget entries and 8 levels
 * down; NULL when none was seen. Caller frees.
 */
char *sbx_find_socket(const char *path, size_t budget);

#endif
