/*
 * hash: SHA-256 through OpenSSL's libcrypto, as lowercase hex. Used for the
 * spec hash on the engine, the container name's suffix and the trust
 * store's keys.
 */
#ifndef SBX_HASH_H
#define SBX_HASH_H

#include <stddef.h>

#define SBX_SHA256_HEX_LEN 64

/* sbx_sha256_hex: out receives 64 hex digits and a NUL. */
void sbx_sha256_hex(char out[SBX_SHA256_HEX_LEN + 1], const void *data, size_t len);

/* sbx_hash_lib_version: libcrypto's version string (static storage). */
const char *sbx_hash_lib_version(void);

#endif
