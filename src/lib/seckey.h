/*
 * seckey: the per-user secret key that turns secret values into digests
 * nobody can reverse by guessing (a 4-digit PIN has 10,000 candidates; an
 * unsalted SHA-256 of it gave it away). 32 random bytes in sbx's data
 * directory, 0600 in a 0700 directory, created atomically on first use and
 * refused when others can read or write it.
 */
#ifndef SBX_SECKEY_H
#define SBX_SECKEY_H

#include "error.h"

#define SBX_SECKEY_LEN 32

/*
 * sbx_seckey_load: the key in dir/digest-key (dir: sbx's data directory,
 * NULL for ${XDG_DATA_HOME:-~/.local/share}/sbx), made on first use.
 * SBX_EPOLICY when the key or its directory is another user's or open to
 * others, SBX_ERROR for I/O errors.
 */
int sbx_seckey_load(unsigned char key[SBX_SECKEY_LEN], const char *dir, sbx_error **err);

#endif
