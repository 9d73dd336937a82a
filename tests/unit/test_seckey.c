/* seckey: the per-user key of the secret digests: made once, private, refused when open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/hash.h"
#include "lib/seckey.h"
#include "lib/util.h"
#include "tmpdir.h"

static void test_key_made_once_private(void **state)
{
	(void)state;
	char tmp[PATH_MAX];
	assert_int_equal(tmpdir_make(tmp, "seckey"), 0);
	_cleanup_free_ char *dir = xasprintf("%s/data/sbx", tmp);
	unsigned char a[SBX_SECKEY_LEN], b[SBX_SECKEY_LEN];
	sbx_error *err = NULL;
	assert_int_equal(sbx_seckey_load(a, dir, &err), 0);
	assert_int_equal(sbx_seckey_load(b, dir, &err), 0);
	assert_memory_equal(a, b, SBX_SECKEY_LEN);
	struct stat st;
	_cleanup_free_ char *key = xasprintf("%s/digest-key", dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SBX_SECKEY_LEN);

	/* The digest is keyed: not the plain SHA-256 of NAME=value, and not reversible by trying. */
	char keyed[SBX_SHA256_HEX_LEN + 1], plain[SBX_SHA256_HEX_LEN + 1];
	sbx_hmac_sha256_hex(keyed, a, sizeof(a), "PIN=1234", 8);
	sbx_sha256_hex(plain, "PIN=1234", 8);
	assert_string_not_equal(keyed, plain);

	/* Open to others: refused, never used. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(sbx_seckey_load(b, dir, &err), SBX_EPOLICY);
	assert_non_null(strstr(err->msg, "open to other users"));
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(sbx_seckey_load(b, dir, &err), SBX_EPOLICY);
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(chmod(dir, 0700), 0);
	/* A link in its place is not followed. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(symlink("/etc/hostname", key), 0);
	assert_true(sbx_seckey_load(b, dir, &err) < 0);
	sbx_error_free(err);
	tmpdir_remove(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_made_once_private),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
