/*
 * seccomp: sbx's own seccomp profile, in the JSON that Docker's API (and
 * Podman's) reads from HostConfig.SecurityOpt "seccomp=<json>". A profile
 * given there replaces the engine's default, so this one is complete: an
 * allowlist of what a container with sbx's capability set needs, plus the
 * rules that keep set-id bits off every file the sandbox writes (see
 * seccomp.c for why each rule is there). Built with json-c here; the JSON
 * type never leaves this file.
 */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

/*
 * The set-id bits (S_ISUID | S_ISGID) that no mode argument may carry.
 * A call whose mode has any of them fails with EPERM.
 */
#define SBX_SECCOMP_SETID_MASK 06000

/*
 * sbx_seccomp_profile_json: the profile as compact JSON, the same bytes on
 * every call (its digest is pinned by a unit test together with
 * SBX_SECURITY_PROFILE, so a changed profile changes the version). The
 * caller frees the string.
 */
char *sbx_seccomp_profile_json(void);

#endif
