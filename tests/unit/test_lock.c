/*
 * Unit tests of lock: the workspace's lock, an flock on the directory. A
 * second locker waits, says once who holds it (the kernel's pid, from
 * /proc/locks) and gives up after SBX_LOCK_TIMEOUT with a message naming
 * the holder; 0 is no wait at all; a released lock is taken; a malformed
 * SBX_LOCK_TIMEOUT is a usage error; a signal ends the wait; a link or a
 * missing directory is refused. The other locker is a forked child, so
 * that the holder's pid is not this process's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/interrupt.h"
#include "lib/lock.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];
static char ws[PATH_MAX + 8];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "lock") < 0)
		return -1;
	snprintf(ws, sizeof(ws), "%s/ws", tmp);
	unsetenv("SBX_LOCK_TIMEOUT");
	sbx_interrupt_reset();
	return mkdir(ws, 0755) < 0 ? -1 : tmpdir_home(tmp);
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("SBX_LOCK_TIMEOUT");
	sbx_interrupt_reset();
	return tmpdir_remove(tmp);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void collect(const char *line, void *arg)
{
	sbx_buf_addf((sbx_buf *)arg, "%s\n", line);
}

/*
 * A child that takes the lock, says so on its pipe, holds it for hold_ms
 * (-1: until killed), then exits releasing it. Returns its pid once it
 * holds the lock.
 */
static pid_t holder(int hold_ms)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		sbx_error *err = NULL;
		setenv("SBX_LOCK_TIMEOUT", "0", 1);
		int fd = sbx_lock_workspace(ws, NULL, NULL, &err);
		if (fd < 0 || write(p[1], "y", 1) != 1)
			_exit(1);
		close(p[1]);
		if (hold_ms < 0)
			pause();
		struct timespec t = {hold_ms / 1000, (long)(hold_ms % 1000) * 1000000};
		nanosleep(&t, NULL);
		_exit(0);
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

/* The error's message has text; the error is freed. */
static void has(sbx_error *err, const char *text)
{
	assert_non_null(err);
	if (!strstr(err->msg, text))
		fail_msg("'%s' lacks '%s'", err->msg, text);
	sbx_error_free(err);
}

/* Free: taken at once, no note; closed, it is free again, for this process as for another. */
static void test_take_release_take(void **state)
{
	(void)state;
	sbx_buf notes = SBX_BUF_INIT;
	sbx_error *err = NULL;
	int fd = sbx_lock_workspace(ws, collect, &notes, &err);
	assert_true(fd >= 0);
	assert_null(err);
	assert_int_equal(notes.len, 0);
	/* Held: the kernel names this process. */
	_cleanup_free_ char *who = sbx_lock_holder(fd);
	_cleanup_free_ char *want = xasprintf("pid %ld (user ", (long)getpid());
	assert_non_null(who);
	if (strncmp(who, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", who, want);
	assert_non_null(strstr(who, ", since "));
	close(fd);
	fd = sbx_lock_workspace(ws, collect, &notes, &err);
	assert_true(fd >= 0);
	close(fd);
	pid_t pid = holder(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(notes.len, 0);
	sbx_buf_release(&notes);
}

/* Nobody holds it: sbx_lock_holder names no one. */
static void test_holder_none(void **state)
{
	(void)state;
	int fd = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_null(sbx_lock_holder(fd));
	close(fd);
}

/* One attempt at the lock while a child holds it (contend). */
typedef struct attempt {
	pid_t holder;
	int rc;		/* the descriptor, or the SBX_E* code */
	long long took; /* milliseconds */
	sbx_buf notes;
	sbx_error *err;
} attempt;

/*
 * Take the lock with SBX_LOCK_TIMEOUT=timeout while a child holds it for
 * hold_ms (-1: until the attempt is over); the notes collected unless
 * deaf (no callback at all).
 */
static void contend(attempt *a, const char *timeout, int hold_ms, bool deaf)
{
	memset(a, 0, sizeof(*a));
	a->notes = (sbx_buf)SBX_BUF_INIT;
	a->holder = holder(hold_ms);
	setenv("SBX_LOCK_TIMEOUT", timeout, 1);
	long long t0 = now_ms();
	a->rc = sbx_lock_workspace(ws, deaf ? NULL : collect, &a->notes, &a->err);
	a->took = now_ms() - t0;
	if (hold_ms < 0)
		reap(a->holder);
	else
		waitpid(a->holder, NULL, 0);
}

/* The attempt's notes have text (with the holder's pid for %ld). */
static void noted(const attempt *a, const char *fmt)
{
	_cleanup_free_ char *want = xasprintf(fmt, (long)a->holder);
	if (!a->notes.data || !strstr(a->notes.data, want))
		fail_msg("the notes '%s' lack '%s'", a->notes.data ? a->notes.data : "", want);
}

/*
 * Held by another process for longer than the timeout: one note naming the
 * holder's pid while waiting, then SBX_ECONFLICT after the timeout with a
 * message that names it again, and the duration.
 */
static void test_wait_then_timeout(void **state)
{
	(void)state;
	attempt a;
	contend(&a, "1", -1, false);
	assert_int_equal(a.rc, SBX_ECONFLICT);
	assert_true(a.took >= 1000 && a.took < 5000);
	noted(&a, "waiting for the workspace's lock, held by pid %ld (user ");
	noted(&a, "giving up after 1 seconds (SBX_LOCK_TIMEOUT)");
	/* one note, however long the wait */
	assert_int_equal(strchr(a.notes.data, '\n') - a.notes.data + 1, (long)a.notes.len);
	assert_non_null(strstr(a.err->msg, "after 1 seconds (SBX_LOCK_TIMEOUT)"));
	_cleanup_free_ char *who = xasprintf("held by pid %ld (user ", (long)a.holder);
	has(a.err, who);
	sbx_buf_release(&a.notes);
}

/* SBX_LOCK_TIMEOUT=0: no wait and no note, the holder named in the error; free, taken. */
static void test_timeout_zero(void **state)
{
	(void)state;
	attempt a;
	contend(&a, "0", -1, false);
	assert_int_equal(a.rc, SBX_ECONFLICT);
	assert_true(a.took < 1000);
	assert_int_equal(a.notes.len, 0);
	_cleanup_free_ char *who = xasprintf("held by pid %ld ", (long)a.holder);
	has(a.err, who);
	sbx_error *err = NULL;
	int fd = sbx_lock_workspace(ws, NULL, NULL, &err);
	assert_true(fd >= 0);
	close(fd);
}

/* Released while waited for: taken, after one note naming the holder. */
static void test_wait_then_taken(void **state)
{
	(void)state;
	attempt a;
	contend(&a, "10", 400, false);
	assert_true(a.rc >= 0);
	assert_null(a.err);
	assert_true(a.took < 5000);
	noted(&a, "held by pid %ld ");
	noted(&a, "giving up after 10 seconds");
	close(a.rc);
	sbx_buf_release(&a.notes);
}

/* Nobody listening: the wait is the same, without a note. */
static void test_no_note_callback(void **state)
{
	(void)state;
	attempt a;
	contend(&a, "0", -1, true);
	assert_int_equal(a.rc, SBX_ECONFLICT);
	has(a.err, "is still held by pid");
}

/* SBX_LOCK_TIMEOUT is a whole number of seconds from 0 to 86400; else a usage error. */
static void test_timeout_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {"x", "-1", "1.5", "86401", "10s", " 1", "+1", "-0"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		setenv("SBX_LOCK_TIMEOUT", bad[i], 1);
		sbx_error *err = NULL;
		assert_int_equal(sbx_lock_workspace(ws, NULL, NULL, &err), SBX_EUSAGE);
		has(err, "not a number of seconds from 0 to 86400");
	}
	/* Empty is the default; 86400 is allowed. */
	static const char *const good[] = {"", "86400"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(good); i++) {
		setenv("SBX_LOCK_TIMEOUT", good[i], 1);
		sbx_error *err = NULL;
		int fd = sbx_lock_workspace(ws, NULL, NULL, &err);
		assert_true(fd >= 0);
		close(fd);
	}
}

/* A signal recorded while waiting: SBX_EINTERRUPTED, said to be while waiting for the lock. */
static void test_interrupted_wait(void **state)
{
	(void)state;
	sbx_interrupt_raise(SIGTERM);
	attempt a;
	contend(&a, "10", -1, true);
	sbx_interrupt_reset();
	assert_int_equal(a.rc, SBX_EINTERRUPTED);
	assert_true(a.took < 5000);
	assert_non_null(strstr(a.err->msg, "waiting for the workspace's lock"));
	has(a.err, "interrupted (SIGTERM)");
}

/* No directory there, or a symbolic link to one (the path is canonical: a link is a swap). */
static void test_refused_paths(void **state)
{
	(void)state;
	_cleanup_free_ char *missing = xasprintf("%s/missing", tmp);
	sbx_error *err = NULL;
	assert_int_equal(sbx_lock_workspace(missing, NULL, NULL, &err), SBX_ERROR);
	has(err, "cannot open the workspace");
	_cleanup_free_ char *link = xasprintf("%s/link", tmp);
	assert_int_equal(symlink(ws, link), 0);
	err = NULL;
	assert_int_equal(sbx_lock_workspace(link, NULL, NULL, &err), SBX_ERROR);
	has(err, "cannot open the workspace");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_take_release_take, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_holder_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_then_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_then_taken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_note_callback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupted_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_paths, setup, teardown),
	};
	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
