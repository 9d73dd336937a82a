/* gitid: the repository's config is parsed by sbx, from bytes it read safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/gitid.h"
#include "lib/util.h"

static void expect_user(const char *text, const char *key, const char *want)
{
	char *got = sbx_gitid_parse_user(text, strlen(text), key);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_parse_user(void **state)
{
	(void)state;
	expect_user("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n", "name",
		    "Ada Lovelace");
	expect_user("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n", "email",
		    "ada@example.org");
	expect_user("[core]\n\tname = no\n[User]\n\tNAME = Ada ; a comment\n", "name", "Ada");
	expect_user("[user]\nname = \"  Ada # not a comment \" # comment\n", "name",
		    "  Ada # not a comment ");
	expect_user("[user]\nname = A\\\n da\n", "name", "A da");
	expect_user("[user]\nname = first\nname = last\n", "name", "last");
	expect_user("[user \"sub\"]\nname = no\n", "name", NULL);
	expect_user("[include]\npath = /dev/stdin\n", "name", NULL);
	expect_user("[user]\nname = bad \\q escape\n", "name", NULL);
	expect_user("", "name", NULL);
	expect_user("[user", "name", NULL);
	expect_user("[user]\nname", "name", NULL);
	expect_user("[user]\nname =", "name", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
