/*
 * tmpdir.h: the unit tests' private directories under /tmp, named for the
 * test and given canonically (the code under test resolves every path),
 * and removed with everything in them. Included by the test files that
 * touch the file system.
 */
#ifndef SBX_TEST_TMPDIR_H
#define SBX_TEST_TMPDIR_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* tmpdir_make: a new directory /tmp/sbx-NAME.XXXXXX, its canonical path in buf. */
static inline int tmpdir_make(char buf[PATH_MAX], const char *name)
{
	char made[PATH_MAX];
	snprintf(made, sizeof(made), "/tmp/sbx-%s.XXXXXX", name);
	return mkdtemp(made) && realpath(made, buf) ? 0 : -1;
}

static inline int tmpdir_remove_entry(const char *path, const struct stat *st, int flag,
				      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* tmpdir_remove: dir and everything in it, symbolic links not followed. */
static inline int tmpdir_remove(const char *dir)
{
	return nftw(dir, tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * tmpdir_home: a home of the test's own, dir/home (0700), as $HOME, and none
 * of the host's variables that would point sbx elsewhere (its XDG
 * directories, the runtime directory, the ssh agent, the engine).
 */
static inline int tmpdir_home(const char *dir)
{
	char home[PATH_MAX + 8];
	snprintf(home, sizeof(home), "%s/home", dir);
	if (mkdir(home, 0700) < 0)
		return -1;
	setenv("HOME", home, 1);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("SSH_AUTH_SOCK");
	unsetenv("DOCKER_HOST");
	return 0;
}

#endif
