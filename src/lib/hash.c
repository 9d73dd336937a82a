#include "hash.h"

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <stdlib.h>

void sbx_sha256_hex(char out[SBX_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		abort(); /* SHA-256 cannot fail short of a broken libcrypto */
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SBX_SHA256_HEX_LEN] = '\0';
}

const char *sbx_hash_lib_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION_STRING);
}
