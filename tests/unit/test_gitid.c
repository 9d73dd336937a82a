/* gitid: the repository's config is parsed by sbx, from bytes it read safely; the user's
 * config too, where sbx reads it exactly as libgit2 does (checked against libgit2 itself). */
#include <git2.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/gitid.h"
#include "lib/util.h"
#include "tmpdir.h"

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

/*
 * The user's config is read by sbx only where it reads it as libgit2 does:
 * every text sbx_gitid_parse_user_config() accepts gives libgit2's values.
 */
static char difftmp[PATH_MAX];
static unsigned accepted;

static void libgit2_values(const char *path, int *rc, char **name, char **email)
{
	git_config *cfg = NULL;
	*name = *email = NULL;
	*rc = git_config_open_ondisk(&cfg, path);
	if (*rc < 0)
		return;
	git_buf buf = {0};
	if (git_config_get_string_buf(&buf, cfg, "user.name") == 0)
		*name = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	if (git_config_get_string_buf(&buf, cfg, "user.email") == 0)
		*email = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
}

static void expect_same_str(const char *mine, const char *theirs, const char *text)
{
	if (!mine || !theirs) {
		if (mine != theirs)
			fail_msg("%s vs libgit2's %s for %s", mine ? mine : "(none)",
				 theirs ? theirs : "(none)", text);
		return;
	}
	if (strcmp(mine, theirs) != 0)
		fail_msg("'%s' vs libgit2's '%s' for %s", mine, theirs, text);
}

/* true when sbx read text itself (and then agrees with libgit2) */
static bool differ(const char *text, size_t len)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config", difftmp);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	char *name, *email;
	if (!sbx_gitid_parse_user_config(text, len, &name, &email)) {
		assert_null(name);
		assert_null(email);
		return false;
	}
	accepted++;
	int rc;
	char *gname, *gemail;
	libgit2_values(path, &rc, &gname, &gemail);
	_cleanup_free_ char *copy = xstrndup(text, len); /* text need not end in a NUL */
	_cleanup_free_ char *q = sbx_quotes(copy);
	if (rc < 0)
		fail_msg("libgit2 refuses what sbx read: %s", q);
	expect_same_str(name, gname, q);
	expect_same_str(email, gemail, q);
	free(name);
	free(email);
	free(gname);
	free(gemail);
	return true;
}

static int setup_differ(void **state)
{
	(void)state;
	git_libgit2_init();
	return tmpdir_make(difftmp, "gitid-differ");
}

static int teardown_differ(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return tmpdir_remove(difftmp);
}

#define DIFFER(s) differ((s), sizeof(s) - 1)

static void test_user_config_like_libgit2(void **state)
{
	(void)state;
	/* what users' configs look like: read by sbx */
	assert_true(DIFFER("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n"));
	assert_true(DIFFER("# mine\n[core]\n\teditor = vim\n\tpager = less -FRX\n[user]\n"
			   "\tname = \"Ada Lovelace\"\n\temail = ada@example.org ; work\n"
			   "[alias]\n\tlg = log --graph --pretty=format:'%h %s'\n"
			   "\tst = \"!f() { git status \\\"$@\\\"; }; f\"\n"
			   "[remote \"origin\"]\n\turl = git@git.example.invalid:a/b.git\n"
			   "[url \"git@git.example.invalid:\"]\n"
			   "\tinsteadOf = https://git.example.invalid/\n"
			   "[filter \"lfs\"]\n\trequired = true\n\tclean = git-lfs clean -- %f\n"
			   "[pull]\n\trebase\n"));
	assert_true(DIFFER("\xef\xbb\xbf[User]\nNAME=Ada\nname = \"  spaced  \"\nEmail\n"));
	assert_true(DIFFER("[user] # me\nname = a \"#b\" ;c\nemail = \"x\\ty\\\\\"\n"));
	assert_true(DIFFER("[user]\nname = first\n[core]\nname = no\n[user]\nname = last\n"));
	assert_true(DIFFER("[user \"sub\"]\nname = no\n[user.x]\nname = no\n"));
	assert_true(DIFFER("name = before any section\n[user]\nemail =\n"));
	assert_true(DIFFER("[user]\nname = \"unterminated\n"));
	assert_true(DIFFER(""));
	/* left to libgit2 */
	assert_false(DIFFER("[include]\n\tpath = other\n[user]\nname = x\n"));
	assert_false(DIFFER("[includeIf \"gitdir:~/w/\"]\n\tpath = w\n"));
	assert_false(DIFFER("[user]\nname = A\\\n da\n"));
	assert_false(DIFFER("[user]\r\nname = Ada\r\n"));
	assert_false(DIFFER("[user]\nname = bad \\q escape\n"));
	assert_false(DIFFER("[user]\nname = nul\0byte\n"));
	assert_false(DIFFER("[user\nname = x\n"));
	assert_false(DIFFER("[user \"x\"] # \"q\"\n"));
	assert_false(DIFFER("[user]\nmy.name = x\n"));
	assert_false(DIFFER("[user]\n=x\n"));
}

/* Random texts from the pieces that matter: every one sbx reads agrees with libgit2. */
static void test_user_config_like_libgit2_random(void **state)
{
	(void)state;
	static const char *const pieces[] = {
	    "[user]", "[User]", "[user \"x\"]", "[core]", "[include]", "[user.x]",
	    "[",      "]",      "name",          "email",  "NAME",      "Email",
	    "my-key", " = ",    "=",             "\"",     "\\",        "\\n",
	    "\\t",    "\\\"",   "\\\\",          "#",      ";",         " ",
	    "\t",     "\n",     "\n",            "\n",     "Ada",       "a@b.org",
	    "\r",     "\xc3\xa9", "\x01",          "1",      "\xef\xbb\xbf", "-",
	    ".",      "name = ", "[user]\n",     "email= ",
	};

	unsigned seed = 12345;
	char text[256];
	unsigned before = accepted;
	for (int round = 0; round < 4000; round++) {
		size_t len = 0;
		int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 14;
		for (int k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(*pieces))];
			size_t pl = strlen(p);
			if (len + pl >= sizeof(text))
				break;
			memcpy(text + len, p, pl);
			len += pl;
		}
		differ(text, len);
	}
	assert_true(accepted - before > 400);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* user.name / user.email of libgit2's default config, as sbx read it before it read any itself. */
static void libgit2_default(char **name, char **email)
{
	git_libgit2_init(); /* the search paths are taken from the environment now */
	git_config *cfg = NULL;
	*name = *email = NULL;
	assert_int_equal(git_config_open_default(&cfg), 0);
	git_buf buf = {0};
	if (git_config_get_string_buf(&buf, cfg, "user.name") == 0 && buf.ptr[0])
		*name = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	if (git_config_get_string_buf(&buf, cfg, "user.email") == 0 && buf.ptr[0])
		*email = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	git_libgit2_shutdown();
}

/* sbx_gitid_read in ws: the identity libgit2 gives, and whether sbx needed libgit2 for it. */
static void expect_identity(const char *ws, const char *name, const char *email, bool libgit2)
{
	unsigned before = sbx_gitid_libgit2_reads();
	sbx_gitid id;
	sbx_error *err = NULL;
	assert_int_equal(sbx_gitid_read(&id, ws, &err), 0);
	assert_int_equal(sbx_gitid_libgit2_reads() - before, libgit2 ? 1 : 0);
	expect_same_str(id.author_name, name, "author_name");
	expect_same_str(id.committer_name, name, "committer_name");
	if (!getenv("EMAIL")) {
		expect_same_str(id.author_email, email, "author_email");
		expect_same_str(id.committer_email, email, "committer_email");
		char *gname, *gemail;
		libgit2_default(&gname, &gemail);
		expect_same_str(gname, name, "libgit2's user.name");
		expect_same_str(gemail, email, "libgit2's user.email");
		free(gname);
		free(gemail);
	}
	sbx_gitid_release(&id);
}

static void test_read_user_config(void **state)
{
	(void)state;
	char t[PATH_MAX], home[PATH_MAX + 8], ws[PATH_MAX + 8], xdg[PATH_MAX + 8];
	char xdggit[PATH_MAX + 32], dot[PATH_MAX + 32], gc[PATH_MAX + 32];
	assert_int_equal(tmpdir_make(t, "gitid-user"), 0);
	snprintf(home, sizeof(home), "%s/home", t);
	snprintf(ws, sizeof(ws), "%s/ws", t);
	snprintf(xdg, sizeof(xdg), "%s/xdg", t);
	snprintf(xdggit, sizeof(xdggit), "%s/home/.config/git", t);
	snprintf(gc, sizeof(gc), "%s/.gitconfig", home);
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(mkdir(ws, 0700), 0);
	_cleanup_free_ char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	static const char *const unset[] = {"XDG_CONFIG_HOME",	  "GIT_AUTHOR_NAME",
					    "GIT_AUTHOR_EMAIL",	  "GIT_COMMITTER_NAME",
					    "GIT_COMMITTER_EMAIL", "EMAIL"};
	for (size_t i = 0; i < sizeof(unset) / sizeof(*unset); i++)
		unsetenv(unset[i]);
	setenv("HOME", home, 1);

	write_file(home, ".gitconfig", "[user]\n\tname = Ada\n\temail = ada@example.org\n");
	expect_identity(ws, "Ada", "ada@example.org", false);
	/* no cache: a change is seen at once */
	write_file(home, ".gitconfig", "[user]\n\tname = Ada L\n\temail = ada@example.org\n");
	expect_identity(ws, "Ada L", "ada@example.org", false);

	/* the XDG file under the global one; XDG_CONFIG_HOME moves it */
	snprintf(dot, sizeof(dot), "%s/home/.config", t);
	assert_int_equal(mkdir(dot, 0700), 0);
	assert_int_equal(mkdir(xdggit, 0700), 0);
	write_file(home, ".gitconfig", "[user]\n\tname = Ada\n");
	write_file(xdggit, "config", "[user]\n\tname = Xdg\n\temail = xdg@example.org\n");
	expect_identity(ws, "Ada", "xdg@example.org", false);
	assert_int_equal(mkdir(xdg, 0700), 0);
	snprintf(dot, sizeof(dot), "%s/git", xdg);
	assert_int_equal(mkdir(dot, 0700), 0);
	write_file(dot, "config", "[user]\n\temail = moved@example.org\n");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	expect_identity(ws, "Ada", "moved@example.org", false);
	unsetenv("XDG_CONFIG_HOME");

	/* a key without a value in the global file hides the XDG one; EMAIL is taken then */
	write_file(home, ".gitconfig", "[user]\n\tname = Ada\n\temail\n");
	expect_identity(ws, "Ada", NULL, false);
	setenv("EMAIL", "env@example.org", 1);
	expect_identity(ws, "Ada", "env@example.org", false);
	unsetenv("EMAIL");

	/* an include is libgit2's to follow */
	write_file(home, ".gitconfig", "[include]\n\tpath = inc\n");
	write_file(home, "inc", "[user]\n\tname = Included\n\temail = inc@example.org\n");
	expect_identity(ws, "Included", "inc@example.org", true);

	/* a link to a regular file is followed */
	assert_int_equal(unlink(gc), 0);
	snprintf(dot, sizeof(dot), "%s/inc", home);
	assert_int_equal(symlink(dot, gc), 0);
	expect_identity(ws, "Included", "inc@example.org", false);

	/* a FIFO (or a link to one) hangs nothing: refused, and no user config is read */
	assert_int_equal(unlink(gc), 0);
	assert_int_equal(mkfifo(gc, 0600), 0);
	unsigned before = sbx_gitid_libgit2_reads();
	sbx_gitid id;
	sbx_error *err = NULL;
	assert_int_equal(sbx_gitid_read(&id, ws, &err), 0);
	assert_int_equal(sbx_gitid_libgit2_reads(), before);
	assert_null(id.author_name);
	assert_non_null(id.warning);
	assert_non_null(strstr(id.warning, ".gitconfig' is not a regular file"));
	sbx_gitid_release(&id);
	assert_int_equal(unlink(gc), 0);
	/* also when another file (here one with an include) would have been libgit2's to read */
	write_file(home, ".gitconfig", "[include]\n\tpath = inc\n");
	char fifo[PATH_MAX + 64];
	snprintf(fifo, sizeof(fifo), "%s/config", xdggit);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(sbx_gitid_read(&id, ws, &err), 0);
	assert_int_equal(sbx_gitid_libgit2_reads(), before);
	assert_null(id.author_name);
	assert_non_null(strstr(id.warning, "git/config' is not a regular file"));
	sbx_gitid_release(&id);
	assert_int_equal(unlink(fifo), 0);

	/* a relative HOME is libgit2's to resolve */
	setenv("HOME", "relative-home", 1);
	before = sbx_gitid_libgit2_reads();
	assert_int_equal(sbx_gitid_read(&id, ws, &err), 0);
	assert_int_equal(sbx_gitid_libgit2_reads(), before + 1);
	sbx_gitid_release(&id);

	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	assert_int_equal(tmpdir_remove(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_user),
	    cmocka_unit_test_setup_teardown(test_user_config_like_libgit2, setup_differ,
					    teardown_differ),
	    cmocka_unit_test_setup_teardown(test_user_config_like_libgit2_random, setup_differ,
					    teardown_differ),
	    cmocka_unit_test(test_read_user_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
