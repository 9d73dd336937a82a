/*
 * owner: the sandbox's user acts with the uid and gid that own the
 * workspace on the host (devcontainers' updateRemoteUserUID), so that what
 * the agent creates in the workspace belongs to its owner and the agent can
 * write where the owner can. The image's /etc/passwd and /etc/group are
 * rewritten in the container before it starts, through the engine's archive
 * endpoint: the image needs no usermod. These are the pure parts: a
 * one-file tar archive, and the edits of passwd and group.
 */
#ifndef SBX_OWNER_H
#define SBX_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * sbx_tar_first_file: the contents of the first regular file in a tar
 * archive (what the archive endpoint answers for one path). Borrowed from
 * tar; false when the archive is malformed or holds no regular file.
 */
bool sbx_tar_first_file(const char *tar, size_t len, const char **data, size_t *data_len);

/* sbx_tar_one_file: a tar archive of one regular file name (mode, owner root). Caller frees. */
char *sbx_tar_add_file(char *tar, size_t *len, const char *name, const char *data, size_t data_len,
		       unsigned mode);
/* sbx_tar_finish: append the two zero blocks that end an archive. */
char *sbx_tar_finish(char *tar, size_t *len);

typedef struct sbx_passwd_user {
	unsigned uid;
	unsigned gid;
	char *home;
} sbx_passwd_user;

/* sbx_passwd_find: user's entry (by name) in passwd text; false when absent or malformed. */
bool sbx_passwd_find(const char *passwd, const char *user, sbx_passwd_user *out);

/*
 * sbx_passwd_remap: passwd with user's uid and gid set to uid and gid, and
 * group with the group whose gid was the user's primary gid set to gid.
 * Caller frees both results.
 */
char *sbx_passwd_remap(const char *passwd, const char *user, unsigned uid, unsigned gid);
char *sbx_group_remap(const char *group, unsigned old_gid, unsigned gid);

#endif
