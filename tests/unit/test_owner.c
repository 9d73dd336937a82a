/* Unit tests of owner: the one-file tar archives and the passwd/group edits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/owner.h"

static void test_tar_round_trip(void **state)
{
	(void)state;
	char *tar = NULL;
	size_t len = 0;
	tar = sbx_tar_add_file(tar, &len, "passwd", "root:x:0:0::/root:/bin/sh\n", 26, 0644);
	tar = sbx_tar_add_file(tar, &len, "group", "root:x:0:\n", 10, 0644);
	tar = sbx_tar_finish(tar, &len);
	assert_int_equal(len, 512 * 6);
	assert_memory_equal(tar + 257, "ustar", 6);
	const char *data;
	size_t dlen;
	assert_true(sbx_tar_first_file(tar, len, &data, &dlen));
	assert_int_equal(dlen, 26);
	assert_memory_equal(data, "root:x:0:0::/root:/bin/sh\n", 26);
	/* A checksum a tar reader accepts: the sum of the header with the field as spaces. */
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += (unsigned char)(i >= 148 && i < 156 ? ' ' : tar[i]);
	assert_int_equal(strtoul(tar + 148, NULL, 8), sum);
	assert_false(sbx_tar_first_file(tar, 100, &data, &dlen)); /* truncated */
	free(tar);
}

static void test_passwd(void **state)
{
	(void)state;
	const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
			     "agent:x:1000:1000:Agent:/home/agent:/bin/bash\n"
			     "agentx:x:1001:1001::/home/agentx:/bin/sh\n";
	sbx_passwd_user pw;
	assert_true(sbx_passwd_find(passwd, "agent", &pw));
	assert_int_equal(pw.uid, 1000);
	assert_int_equal(pw.gid, 1000);
	assert_string_equal(pw.home, "/home/agent");
	free(pw.home);
	assert_false(sbx_passwd_find(passwd, "agen", &pw));
	assert_false(sbx_passwd_find("bad:x:notanumber:0::/:/bin/sh\n", "bad", &pw));
	char *out = sbx_passwd_remap(passwd, "agent", 4242, 4343);
	assert_string_equal(out, "root:x:0:0:root:/root:/bin/sh\n"
				 "agent:x:4242:4343:Agent:/home/agent:/bin/bash\n"
				 "agentx:x:1001:1001::/home/agentx:/bin/sh\n");
	free(out);
	char *g = sbx_group_remap("root:x:0:\nagent:x:1000:\nother:x:1001:agent\n", 1000, 4343);
	assert_string_equal(g, "root:x:0:\nagent:x:4343:\nother:x:1001:agent\n");
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tar_round_trip),
	    cmocka_unit_test(test_passwd),
	};
	return cmocka_run_group_tests_name("owner", tests, NULL, NULL);
}
