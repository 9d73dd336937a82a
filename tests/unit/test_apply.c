/*
 * Unit tests of apply through the fake backend: the calls a create, a
 * no-op and a recreate make; every rollback path of a recreate (a failure
 * at each step puts the old sandbox back under its name, running); crash
 * recovery from each state a recreate passes through (the names are the
 * journal; a replacement that ran once is kept); and a name taken by a
 * concurrent create (the engine's 409). The engine's other answers: a
 * container that dies at its start, a paused sandbox, SIGINT during each
 * call of a recreate, a start or stop another client made first (the
 * engine's 304), a start refused for a stale engine task (recreated
 * from a snapshot of the stuck container, each call of that failing).
 * sbx adopt of a moved workspace's sandbox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_backend.h"
#include "lib/apply.h"
#include "lib/config.h"
#include "lib/fields.h"
#include "lib/interrupt.h"
#include "lib/sandbox.h"
#include "lib/session.h"
#include "lib/trust.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "apply") < 0)
		return -1;
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	mkdir(ws, 0755);
	return tmpdir_home(tmp);
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

/* sandbox.yaml: a shell sandbox as root (no owner mapping), no git, no credentials; + extra. */
static void write_yaml(const char *extra)
{
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"version: 1\nagent: shell\nuser: root\ngit_identity: false\n"
		"credentials: none\n%s",
		extra);
	fclose(f);
}

/* What sbx apply holds between its steps: a session (lib/session.h) over the fake. */
typedef struct world {
	fake_backend *fb;
	sbx_backend *b;
	sbx_session *s;
	const sbx_desired *d; /* the session's */
	const sbx_actual *actual;
	const sbx_plan *plan;
	sbx_buf notes;
} world;

static void note(const char *line, void *arg)
{
	sbx_buf_addf((sbx_buf *)arg, "%s\n", line);
}

static void unprepare(world *w)
{
	sbx_session_free(w->s);
	w->s = NULL;
	w->d = NULL;
	w->actual = NULL;
	w->plan = NULL;
}

/* A session of w's with o (on the fake, its notes in w); its rc. */
static int open_with(world *w, sbx_session_opts o, sbx_error **err)
{
	unprepare(w);
	o.backend = w->b;
	o.warn = note;
	o.arg = &w->notes;
	int rc = sbx_session_open(&w->s, &o, err);
	if (rc == 0) {
		w->d = sbx_session_desired(w->s);
		w->actual = sbx_session_actual(w->s);
		w->plan = sbx_session_plan(w->s);
	}
	return rc;
}

/* As sbx apply [--pull] [--recreate]: load, make concrete, check trust, lock, find, plan. */
static void prepare_with(world *w, bool pull, bool recreate)
{
	sbx_error *err = NULL;
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	const sbx_session_opts o = {
	    .intent = SBX_INTENT_APPLY, .file = path, .pull = pull, .recreate = recreate};
	if (open_with(w, o, &err) < 0)
		fail_msg("%s", err->msg);
}

static void prepare(world *w)
{
	prepare_with(w, false, false);
}

static int apply(world *w, sbx_error **err)
{
	return sbx_session_apply(w->s, note, &w->notes, err);
}

static void world_init(world *w)
{
	memset(w, 0, sizeof(*w));
	w->fb = fake_new();
	w->b = fake_backend_of(w->fb);
	w->notes = (sbx_buf)SBX_BUF_INIT;
}

static void world_release(world *w)
{
	unprepare(w);
	sbx_backend_free(w->b);
	sbx_buf_release(&w->notes);
}

/* s with each '@' replaced by the sandbox's name. Caller frees. */
static char *expand(const world *w, const char *s)
{
	sbx_buf out = SBX_BUF_INIT;
	for (; *s; s++)
		if (*s == '@')
			sbx_buf_adds(&out, w->d->name);
		else
			sbx_buf_addc(&out, *s);
	return sbx_buf_detach(&out);
}

static void expect_calls(world *w, const char *want)
{
	_cleanup_free_ char *x = expand(w, want);
	assert_string_equal(fake_calls(w->fb), x);
	fake_clear_calls(w->fb);
}

static void expect_state(world *w, const char *want)
{
	_cleanup_free_ char *x = expand(w, want);
	_cleanup_free_ char *have = fake_state(w->fb);
	assert_string_equal(have, x);
}

/* The failure rc is code, its message has text; *err is freed and reset. */
static void expect_error(sbx_error **err, int rc, int code, const char *text)
{
	assert_int_equal(rc, code);
	assert_non_null(*err);
	if (!strstr((*err)->msg, text))
		fail_msg("'%s' lacks '%s'", (*err)->msg, text);
	sbx_error_free(*err);
	*err = NULL;
}

#define IMAGE "docker/sandbox-templates:shell"

/* A sandbox made and running from the first file; the file then changed to force a recreate. */
static char *made_then_changed(world *w)
{
	world_init(w);
	write_yaml("");
	prepare(w);
	sbx_error *err = NULL;
	assert_int_equal(apply(w, &err), 0);
	fake_clear_calls(w->fb);
	char *old_id = xstrdup(fake_id(w->fb, w->d->name));
	write_yaml("env: {EDITOR: vi}\n");
	prepare(w);
	assert_int_equal(w->plan->actions[0].type, SBX_ACTION_RECREATE);
	return old_id;
}

/* After a rollback: the old container, and only it, under the name, running again. */
static void expect_restored(world *w, const char *old_id)
{
	expect_state(w, "@:running");
	assert_string_equal(fake_id(w->fb, w->d->name), old_id);
}

/* ---- create, no-op, update ---- */

static void test_create_then_noop(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "find\n"
			 "name_holder @\n"
			 "image_ensure " IMAGE "\n"
			 "create @ " IMAGE "\n"
			 "start @\n");
	expect_state(&w, "@:running");
	/* A converged workspace: one read, and apply asks the backend nothing. */
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "find\n");
	world_release(&w);
}

static void test_create_start_fails_removes(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	fake_fail(w.fb, "start", 1, SBX_EUNAVAILABLE, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EUNAVAILABLE, "removed again");
	expect_calls(&w, "find\n"
			 "name_holder @\n"
			 "image_ensure " IMAGE "\n"
			 "create @ " IMAGE "\n"
			 "start @\n"
			 "remove @\n");
	expect_state(&w, "");
	world_release(&w);
}

static void test_stopped_is_started(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	assert_int_equal(w.b->stop(w.b, w.d->name, &err), 0);
	fake_clear_calls(w.fb);
	prepare(&w);
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "find\nstart @\n");
	expect_state(&w, "@:running");
	world_release(&w);
}

/* A new name: one rename, in place. */
static void test_rename_in_place(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	_cleanup_free_ char *old_id = xstrdup(fake_id(w.fb, w.d->name));
	_cleanup_free_ char *want = xasprintf("find\nname_holder sbx-renamed\nrename %s sbx-renamed\n", w.d->name);
	fake_clear_calls(w.fb);
	write_yaml("name: sbx-renamed\n");
	prepare(&w);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RENAME);
	assert_int_equal(apply(&w, &err), 0);
	assert_string_equal(fake_calls(w.fb), want);
	expect_state(&w, "sbx-renamed:running");
	assert_string_equal(fake_id(w.fb, "sbx-renamed"), old_id);
	world_release(&w);
}

/* New limits: one update, in place; the sandbox is not recreated. */
static void test_update_in_place(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	fake_clear_calls(w.fb);
	write_yaml("resources: {pids: 512}\n");
	prepare(&w);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_UPDATE);
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "find\nread_resources @\nupdate @\n");
	expect_state(&w, "@:running");
	world_release(&w);
}

/* ---- the recreate, and its rollback at each step ---- */

static void test_recreate(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "stop @\n"
			 "rename @ @-sbx-old\n"
			 "rename @-sbx-new @\n"
			 "start @\n"
			 "remove @-sbx-old\n"
			 "remove_snapshot @\n");
	expect_state(&w, "@:running");
	/* The one snapshot the new sandbox runs from, no other. */
	assert_int_equal(fake_snapshots(w.fb), 1);
	assert_string_not_equal(fake_id(w.fb, w.d->name), old_id);
	/* Converged: planning again finds nothing to do. */
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

static void test_rollback_create_new(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "create", 1, SBX_EUNAVAILABLE, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	assert_int_equal(rc, SBX_EUNAVAILABLE);
	sbx_error_free(err);
	err = NULL;
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "remove_snapshot @\n");
	expect_restored(&w, old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

static void test_rollback_stop_old(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "stop", 1, SBX_ERROR, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_ERROR, "the previous sandbox is restored");
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "stop @\n"
			 "remove @-sbx-new\n"
			 "remove_snapshot @\n"
			 "start @\n");
	expect_restored(&w, old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

/* A stop that times out after the engine stopped it: the old one runs again all the same. */
static void test_rollback_stop_old_timeout(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "stop", 1, SBX_EUNAVAILABLE, true);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EUNAVAILABLE, "the previous sandbox is restored");
	expect_restored(&w, old_id);
	world_release(&w);
}

static void test_rollback_rename_old(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "rename", 1, SBX_ECONFLICT, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "the previous sandbox is restored");
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "stop @\n"
			 "rename @ @-sbx-old\n"
			 "remove @-sbx-new\n"
			 "remove_snapshot @\n"
			 "start @\n");
	expect_restored(&w, old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

static void test_rollback_rename_new(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "rename", 2, SBX_ECONFLICT, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "the previous sandbox is restored");
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "stop @\n"
			 "rename @ @-sbx-old\n"
			 "rename @-sbx-new @\n"
			 "remove @-sbx-new\n"
			 "remove_snapshot @\n"
			 "rename @-sbx-old @\n"
			 "start @\n");
	expect_restored(&w, old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

/*
 * The new one's start fails: it goes, and the old one is back under its
 * name, running; with flipped, someone started the old one again before
 * the rollback's start (the engine's 304: no error).
 */
static void start_new_fails(bool flipped)
{
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "start", 1, SBX_EUNAVAILABLE, false);
	if (flipped)
		fake_flip_at(w.fb, "start", 2);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EUNAVAILABLE, "the previous sandbox is restored");
	_cleanup_free_ char *want = xasprintf("find\n"
					      "sessions @\n"
					      "image_ensure " IMAGE "\n"
					      "snapshot @\n"
					      "create @-sbx-new sbx-snapshot:@\n"
					      "stop @\n"
					      "rename @ @-sbx-old\n"
					      "rename @-sbx-new @\n"
					      "start @\n"
					      "remove @\n"
					      "remove_snapshot @\n"
					      "rename @-sbx-old @\n"
					      "%s"
					      "start @\n",
					      flipped ? "flip @ running\n" : "");
	expect_calls(&w, want);
	expect_restored(&w, old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

static void test_rollback_start_new(void **state)
{
	(void)state;
	start_new_fails(false);
}

/* The rollback fails too: the error says so, and the next apply repairs it. */
static void test_rollback_fails_then_recovers(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "start", 1, SBX_EUNAVAILABLE, false);
	fake_fail(w.fb, "rename", 3, SBX_EUNAVAILABLE, false); /* the rename back */
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EUNAVAILABLE, "and so did part of the rollback");
	/* The old one runs again, but under the temporary name. */
	expect_state(&w, "@-sbx-old:running");
	fake_clear_calls(w.fb);
	/* A lone claimant is no crash to recover from: the plan recreates it under the name. */
	prepare(&w);
	expect_calls(&w, "find\nname_holder @\nsessions @-sbx-old\n");
	assert_string_equal(w.actual->id, old_id);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* The old container cannot be removed at the end: a warning, and the next apply finishes. */
static void test_remove_previous_fails(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "remove", 1, SBX_EUNAVAILABLE, false);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	assert_non_null(strstr(w.notes.data, "could not remove the previous container"));
	expect_state(&w, "@:running @-sbx-old:created");
	_cleanup_free_ char *new_id = xstrdup(fake_id(w.fb, w.d->name));
	fake_clear_calls(w.fb);
	prepare(&w);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-old\nremove_snapshot @\nfind\n");
	expect_state(&w, "@:running");
	assert_string_equal(fake_id(w.fb, w.d->name), new_id);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* A name taken between the check and the create: another sbx's recreate holds @-sbx-new. */
static void test_recreate_name_conflict(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_add(w.fb, "x", NULL, NULL, false); /* someone else's, untouched throughout */
	fake_fail(w.fb, "create", 1, SBX_ECONFLICT, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	assert_int_equal(rc, SBX_ECONFLICT);
	sbx_error_free(err);
	err = NULL;
	expect_state(&w, "@:running x:created");
	assert_string_equal(fake_id(w.fb, w.d->name), old_id);
	world_release(&w);
}

/* A create racing another one for the name: the engine's 409, and nothing of sbx's is left. */
static void test_create_name_conflict(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	fake_clear_calls(w.fb);
	const char *theirs = fake_add(w.fb, w.d->name, NULL, NULL, true);
	_cleanup_free_ char *their_id = xstrdup(theirs);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "409");
	expect_calls(&w, "image_ensure " IMAGE "\ncreate @ " IMAGE "\n");
	expect_state(&w, "@:running");
	assert_string_equal(fake_id(w.fb, w.d->name), their_id);
	world_release(&w);
}

/*
 * Each call of a recreate fails in turn, before its effect and after it (a
 * timeout that reached the engine). A failure before any effect leaves the
 * old sandbox as it was; and whatever the failure, the next apply, with
 * the engine well again, converges: one sandbox under the name, running,
 * and nothing left to do.
 */
static void test_fail_each_call_then_converge(void **state)
{
	(void)state;
	for (int after = 0; after <= 1; after++) {
		for (int n = 1;; n++) {
			world w;
			_cleanup_free_ char *old_id = made_then_changed(&w);
			fake_clear_calls(w.fb);
			fake_fail_call(w.fb, n, SBX_EUNAVAILABLE, after);
			sbx_error *err = NULL;
			int rc = apply(&w, &err);
			sbx_error_free(err);
			err = NULL;
			if ((size_t)n > fake_ncalls(w.fb)) {
				/* The recreate made fewer calls: every one has failed once. */
				assert_int_equal(rc, 0);
				assert_true(n > 8);
				world_release(&w);
				break;
			}
			if (rc < 0 && !after)
				expect_restored(&w, old_id);
			prepare(&w);
			if (apply(&w, &err) < 0)
				fail_msg("call %d failing%s: the next apply fails: %s", n,
					 after ? " after its effect" : "", err->msg);
			prepare(&w);
			if (sbx_plan_has_changes(w.plan))
				fail_msg("call %d failing%s: no convergence", n,
					 after ? " after its effect" : "");
			expect_state(&w, "@:running");
			world_release(&w);
		}
	}
}

/* ---- recovery: each state a crash can leave, the names as journal ---- */

/* The workspace's containers as a crash left them: name, running; then apply's prepare. */
static void crashed(world *w, const char *a, bool a_running, const char *b, bool b_running)
{
	world_init(w);
	write_yaml("");
	prepare(w);
	_cleanup_free_ char *an = expand(w, a);
	_cleanup_free_ char *bn = expand(w, b);
	fake_add(w->fb, an, &w->d->ws, &w->d->fields, a_running);
	fake_add(w->fb, bn, &w->d->ws, &w->d->fields, b_running);
	fake_clear_calls(w->fb);
	prepare(w);
}

/* After create-new (the old one running, or stopped after stop-old): the new one goes. */
static void test_recover_after_create_new(void **state)
{
	(void)state;
	world w;
	crashed(&w, "@", true, "@-sbx-new", false);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-new\nremove_snapshot @\nfind\n");
	expect_state(&w, "@:running");
	assert_non_null(strstr(w.notes.data, "rolled back"));
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

static void test_recover_after_stop_old(void **state)
{
	(void)state;
	world w;
	crashed(&w, "@", false, "@-sbx-new", false);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-new\nremove_snapshot @\nfind\n");
	expect_state(&w, "@:created");
	/* The old one was stopped on the way: the plan starts it. */
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_START);
	world_release(&w);
}

static void test_recover_after_rename_old(void **state)
{
	(void)state;
	world w;
	crashed(&w, "@-sbx-old", false, "@-sbx-new", false);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-new\nrename @-sbx-old @\n"
			 "remove_snapshot @-sbx-old\nfind\n");
	expect_state(&w, "@:created");
	world_release(&w);
}

static void test_recover_after_rename_new(void **state)
{
	(void)state;
	world w;
	crashed(&w, "@-sbx-old", false, "@", false);
	expect_calls(&w, "find\nfind_all\nremove @\nrename @-sbx-old @\n"
			 "remove_snapshot @-sbx-old\nfind\n");
	expect_state(&w, "@:created");
	world_release(&w);
}

static void test_recover_after_start_new(void **state)
{
	(void)state;
	world w;
	crashed(&w, "@-sbx-old", false, "@", true);
	_cleanup_free_ char *new_id = xstrdup(fake_id(w.fb, w.d->name));
	expect_calls(&w, "find\nfind_all\nremove @-sbx-old\nremove_snapshot @\nfind\n");
	expect_state(&w, "@:running");
	assert_string_equal(fake_id(w.fb, w.d->name), new_id);
	assert_non_null(strstr(w.notes.data, "finished an interrupted recreate"));
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* The new container's command exits at once: a failed start, the old sandbox restored. */
static void test_rollback_new_dies_at_start(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_die_at_start(w.fb, 1);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_ERROR, "the previous sandbox is restored");
	expect_restored(&w, old_id);
	prepare(&w);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	world_release(&w);
}

/* A paused sandbox: the plan starts it, the start unpauses it; no failure. */
static void test_paused_is_unpaused(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	_cleanup_free_ char *id = xstrdup(fake_id(w.fb, w.d->name));
	fake_set_paused(w.fb, w.d->name);
	expect_state(&w, "@:paused");
	prepare(&w);
	assert_int_equal(w.plan->n_actions, 1);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_START);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	assert_string_equal(fake_id(w.fb, w.d->name), id);
	world_release(&w);
}

/* ---- a stale engine task: the engine will not start the sandbox ---- */

/* A sandbox made, stopped, and then stuck: the engine holds a stale task of it. */
static char *made_then_stale(world *w, bool until_stop)
{
	world_init(w);
	write_yaml("");
	prepare(w);
	sbx_error *err = NULL;
	assert_int_equal(apply(w, &err), 0);
	char *id = xstrdup(fake_id(w->fb, w->d->name));
	fake_set_stale(w->fb, w->d->name, until_stop);
	prepare(w);
	assert_int_equal(w->plan->n_actions, 1);
	assert_int_equal(w->plan->actions[0].type, SBX_ACTION_START);
	fake_clear_calls(w->fb);
	return id;
}

/* What recovery must keep: the stuck container (stopped), or one made from its snapshot. */
static void expect_kept(world *w, const char *old_id, bool running)
{
	expect_state(w, running ? "@:running" : "@:created");
	const char *id = fake_id(w->fb, w->d->name);
	if (strcmp(id, old_id) != 0 && !fake_from_snapshot(w->fb, w->d->name))
		fail_msg("the sandbox %s was made from the image: its installed state is lost", id);
}

/*
 * The start is refused (SBX_ESTALE) and a stop and one more start are too:
 * the sandbox is recreated from a snapshot of the stuck container, which
 * goes once the new one runs. One sandbox, its state kept, the notes say so.
 */
static void test_stale_task_recreated(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_stale(&w, false);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "start @\n"
			 "stop @\n"
			 "start @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "rename @ @-sbx-old\n"
			 "rename @-sbx-new @\n"
			 "start @\n"
			 "remove @-sbx-old\n"
			 "remove_snapshot @\n");
	expect_state(&w, "@:running");
	assert_string_not_equal(fake_id(w.fb, w.d->name), old_id);
	assert_true(fake_from_snapshot(w.fb, w.d->name));
	assert_int_equal(fake_snapshots(w.fb), 1);
	assert_non_null(strstr(w.notes.data, "stale task"));
	assert_non_null(strstr(w.notes.data, "from a snapshot of its file system"));
	assert_non_null(strstr(w.notes.data, "replaced"));
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* preserve_state: false is about changes to the file; a stuck start keeps the state all the same.
 */
static void test_stale_task_preserve_state_off(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("preserve_state: false\n");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	fake_set_stale(w.fb, w.d->name, false);
	prepare(&w);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	assert_true(fake_from_snapshot(w.fb, w.d->name));
	world_release(&w);
}

/* An engine that clears the task on a stop: stopped and started again, the same container. */
static void test_stale_task_cleared_by_stop(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_stale(&w, true);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "start @\nstop @\nstart @\n");
	expect_state(&w, "@:running");
	assert_string_equal(fake_id(w.fb, w.d->name), old_id);
	assert_non_null(strstr(w.notes.data, "stopped and started"));
	world_release(&w);
}

/*
 * Each call of the recovery fails in turn, before its effect and after it:
 * a failed apply leaves the stuck container under the name, the only one,
 * stopped, its state in it, no snapshot left, and says what happened; the
 * next apply, the engine well again, converges to one running sandbox that
 * kept the state.
 */
static void test_stale_task_recovery_fails(void **state)
{
	(void)state;
	for (int after = 0; after <= 1; after++) {
		for (int n = 1;; n++) {
			world w;
			_cleanup_free_ char *old_id = made_then_stale(&w, false);
			fake_fail_call(w.fb, n, SBX_ERROR, after);
			sbx_error *err = NULL;
			int rc = apply(&w, &err);
			if ((size_t)n > fake_ncalls(w.fb)) {
				assert_int_equal(rc, 0);
				assert_true(n > 10);
				world_release(&w);
				break;
			}
			if (rc < 0) {
				/* The first start failing otherwise is no stale task: no recovery.
				 */
				if (n > 1 &&
				    !strstr(err->msg, "cannot start (a stale engine task)"))
					fail_msg("call %d failing%s: '%s'", n,
						 after ? " after" : "", err->msg);
				sbx_error_free(err);
				err = NULL;
				if (!after) {
					expect_state(&w, "@:created");
					assert_string_equal(fake_id(w.fb, w.d->name), old_id);
					assert_int_equal(fake_snapshots(w.fb), 0);
				}
			}
			prepare(&w);
			if (apply(&w, &err) < 0)
				fail_msg("call %d failing%s: the next apply fails: %s", n,
					 after ? " after its effect" : "", err->msg);
			prepare(&w);
			if (sbx_plan_has_changes(w.plan))
				fail_msg("call %d failing%s: no convergence", n,
					 after ? " after its effect" : "");
			expect_kept(&w, old_id, true);
			assert_true(fake_snapshots(w.fb) <= 1);
			world_release(&w);
		}
	}
}

/* The recovery fails for good (no snapshot can be taken): nothing lost, a clear error. */
static void test_stale_task_snapshot_fails(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_stale(&w, false);
	fake_fail(w.fb, "snapshot", 0, SBX_ERROR, false);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	assert_int_equal(rc, SBX_ERROR);
	if (!strstr(err->msg, "cannot start (a stale engine task) and recreating it from a "
			      "snapshot failed; the sandbox is as it was, stopped, with its "
			      "installed state: taking a snapshot of '"))
		fail_msg("'%s'", err->msg);
	sbx_error_free(err);
	expect_kept(&w, old_id, false);
	assert_string_equal(fake_id(w.fb, w.d->name), old_id);
	assert_int_equal(fake_snapshots(w.fb), 0);
	world_release(&w);
}

/*
 * The engine's 304 ("already started", "already stopped"), which the
 * docker backend makes success (tests/unit/test_engine.c holds it to that):
 * a create whose new container a concurrent apply started first keeps it,
 * running, and removes nothing; a recreate whose old container was
 * stopped by someone else first goes on to the end; a rollback whose old
 * container runs again already says it is restored, and it is.
 */
static void test_create_start_already_running(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	fake_flip_at(w.fb, "start", 1);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	assert_null(err);
	expect_calls(&w, "find\n"
			 "name_holder @\n"
			 "image_ensure " IMAGE "\n"
			 "create @ " IMAGE "\n"
			 "flip @ running\n"
			 "start @\n");
	expect_state(&w, "@:running");
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

static void test_recreate_old_already_stopped(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_flip_at(w.fb, "stop", 1);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	assert_null(err);
	expect_calls(&w, "find\n"
			 "sessions @\n"
			 "image_ensure " IMAGE "\n"
			 "snapshot @\n"
			 "create @-sbx-new sbx-snapshot:@\n"
			 "flip @ stopped\n"
			 "stop @\n"
			 "rename @ @-sbx-old\n"
			 "rename @-sbx-new @\n"
			 "start @\n"
			 "remove @-sbx-old\n"
			 "remove_snapshot @\n");
	expect_state(&w, "@:running");
	assert_string_not_equal(fake_id(w.fb, w.d->name), old_id);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

static void test_rollback_old_already_running(void **state)
{
	(void)state;
	start_new_fails(true);
}

/*
 * A finished recreate whose old container could not be removed, the new
 * sandbox stopped since (its work in it): recovery keeps the new one.
 */
static void test_remove_previous_fails_then_stopped(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	fake_fail(w.fb, "remove", 1, SBX_EUNAVAILABLE, false);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	_cleanup_free_ char *new_id = xstrdup(fake_id(w.fb, w.d->name));
	assert_int_equal(w.b->stop(w.b, new_id, &err), 0);
	expect_state(&w, "@:created @-sbx-old:created");
	fake_clear_calls(w.fb);
	prepare(&w);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-old\nremove_snapshot @\nfind\n");
	assert_non_null(strstr(w.notes.data, "finished an interrupted recreate"));
	assert_string_equal(fake_id(w.fb, w.d->name), new_id);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_START);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	world_release(&w);
}

/* Killed after the new one's start, the new one stopped since: the newer state, kept. */
static void test_recover_after_start_new_stopped(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	_cleanup_free_ char *on = expand(&w, "@-sbx-old");
	fake_add(w.fb, on, &w.d->ws, &w.d->fields, false);
	fake_add(w.fb, w.d->name, &w.d->ws, &w.d->fields, false);
	fake_set_started(w.fb, w.d->name);
	_cleanup_free_ char *new_id = xstrdup(fake_id(w.fb, w.d->name));
	fake_clear_calls(w.fb);
	prepare(&w);
	expect_calls(&w, "find\nfind_all\nremove @-sbx-old\nremove_snapshot @\nfind\n");
	assert_string_equal(fake_id(w.fb, w.d->name), new_id);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_START);
	world_release(&w);
}

/*
 * SIGINT during each call of a recreate: the step under way completes, the
 * run stops and rolls back (SBX_EINTERRUPTED), or, past its last step,
 * completes; either way exactly one sandbox runs under the name, and one
 * more apply converges with no second container.
 */
static void test_interrupt_each_call(void **state)
{
	(void)state;
	for (int n = 1;; n++) {
		world w;
		_cleanup_free_ char *old_id = made_then_changed(&w);
		fake_interrupt_at(w.fb, n);
		sbx_error *err = NULL;
		int rc = apply(&w, &err);
		size_t calls = fake_ncalls(w.fb);
		fake_interrupt_at(w.fb, 0);
		if (rc < 0) {
			expect_error(&err, rc, SBX_EINTERRUPTED, "interrupted (SIGINT)");
			expect_restored(&w, old_id);
		} else {
			expect_state(&w, "@:running");
			assert_string_not_equal(fake_id(w.fb, w.d->name), old_id);
		}
		sbx_interrupt_reset();
		prepare(&w);
		assert_int_equal(apply(&w, &err), 0);
		expect_state(&w, "@:running");
		prepare(&w);
		assert_false(sbx_plan_has_changes(w.plan));
		world_release(&w);
		if ((size_t)n > calls) {
			assert_true(n > 5); /* the recreate's calls were all interrupted in turn */
			break;
		}
	}
}

/* Interrupted in the create of a new sandbox: nothing is left. */
static void test_interrupt_create(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	fake_interrupt_at(w.fb, 2); /* image_ensure, then during the create */
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	sbx_interrupt_reset();
	expect_error(&err, rc, SBX_EINTERRUPTED, "(removed again)");
	expect_calls(&w, "find\nname_holder @\nimage_ensure " IMAGE "\ncreate @ " IMAGE "\nremove @\n");
	expect_state(&w, "");
	world_release(&w);
}

/* Another container claiming the workspace under a name of no recreate: refused, untouched. */
static void test_recover_refuses_strangers(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	fake_add(w.fb, w.d->name, &w.d->ws, &w.d->fields, true);
	fake_add(w.fb, "other", &w.d->ws, &w.d->fields, true);
	sbx_error *err = NULL;
	int rc = sbx_apply_recover(w.b, &w.d->ws, w.d->name, note, &w.notes, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "'other'");
	expect_state(&w, "other:running @:running");
	world_release(&w);
}

/* ---- the property: apply the plan, plan again, no changes ---- */

static unsigned pick(unsigned *seed, unsigned n)
{
	return (unsigned)rand_r(seed) % n;
}

/* A random sandbox.yaml, over what a file can change on a sandbox without the host's help. */
static char *random_yaml(unsigned *seed)
{
	static const char *const images[] = {NULL, "busybox:sbx-a", "busybox:sbx-b"};
	static const char *const names[] = {NULL, "sbx-prop-a", "sbx-prop-b"};
	static const char *const cpus[] = {NULL, "1", "2", "0.5"};
	static const char *const memory[] = {NULL, "64m", "128m"};
	static const char *const pids[] = {NULL, "100", "200"};
	static const char *const networks[] = {NULL, "bridge", "none"};
	static const char *const preserve[] = {NULL, "true", "false"};
	static const char *const commands[] = {NULL, "[sh]", "[sh, -l]"};
	sbx_buf b = SBX_BUF_INIT;
	const char *v;
	if ((v = images[pick(seed, 3)]))
		sbx_buf_addf(&b, "image: %s\n", v);
	if ((v = names[pick(seed, 3)]))
		sbx_buf_addf(&b, "name: %s\n", v);
	if ((v = commands[pick(seed, 3)]))
		sbx_buf_addf(&b, "command: %s\n", v);
	if ((v = networks[pick(seed, 3)]))
		sbx_buf_addf(&b, "network: %s\n", v);
	if ((v = preserve[pick(seed, 3)]))
		sbx_buf_addf(&b, "preserve_state: %s\n", v);
	unsigned env = pick(seed, 8);
	if (env) {
		sbx_buf_adds(&b, "env:\n");
		if (env & 1)
			sbx_buf_addf(&b, "  A: \"%u\"\n", pick(seed, 2));
		if (env & 2)
			sbx_buf_adds(&b, "  B: b\n");
		if (env & 4)
			sbx_buf_addf(&b, "  C: \"%u\"\n", pick(seed, 2));
	}
	const char *c = cpus[pick(seed, 4)], *m = memory[pick(seed, 3)], *p = pids[pick(seed, 3)];
	if (c || m || p) {
		sbx_buf_adds(&b, "resources:\n");
		if (c)
			sbx_buf_addf(&b, "  cpus: %s\n", c);
		if (m)
			sbx_buf_addf(&b, "  memory: %s\n", m);
		if (p)
			sbx_buf_addf(&b, "  pids: %s\n", p);
	}
	return sbx_buf_detach(&b);
}

/*
 * For random pairs of states: an actual sandbox made from one random file
 * (running or stopped, its record sometimes missing a field, as an older
 * sbx wrote it, or holding a value no file gives), then another random
 * file. Applying the plan and planning again gives "no changes": the
 * plan's actions are all it takes to converge.
 */
static void test_plan_converges(void **state)
{
	(void)state;
	static const char *const odd[] = {"env.A", "network", "resources.pids", "image"};
	unsigned seed = 20261130;
	for (int round = 0; round < 300; round++) {
		world w;
		world_init(&w);
		_cleanup_free_ char *a = random_yaml(&seed), *b = random_yaml(&seed);
		write_yaml(a);
		prepare(&w);
		sbx_error *err = NULL;
		if (apply(&w, &err) < 0)
			fail_msg("round %d: making the actual state: %s", round, err->msg);
		_cleanup_free_ char *made = xstrdup(w.d->name);
		if (pick(&seed, 2))
			assert_int_equal(w.b->stop(w.b, made, &err), 0);
		switch (pick(&seed, 4)) {
		case 0: /* an older record: a field it lacks */
			fake_set_label(w.fb, made, odd[pick(&seed, 4)], NULL);
			break;
		case 1: /* a value no file gives */
			fake_set_label(w.fb, made, odd[pick(&seed, 4)], "\033]0;odd\007");
			break;
		}
		write_yaml(b);
		prepare(&w);
		_cleanup_free_ char *plan = sbx_plan_render(w.plan, &w.d->fields, false);
		sbx_session_allow_fresh(w.s); /* the user said yes: a changed image loses the state */
		if (apply(&w, &err) < 0)
			fail_msg("round %d: from\n%s\nto\n%s\nthe plan\n%s\nfailed: %s", round, a, b,
				 plan, err->msg);
		prepare(&w);
		if (sbx_plan_has_changes(w.plan)) {
			_cleanup_free_ char *again = sbx_plan_render(w.plan, &w.d->fields, false);
			fail_msg("round %d: from\n%s\nto\n%s\nthe plan\n%s\nleft\n%s", round, a, b,
				 plan, again);
		}
		/* One sandbox, under the file's name, running; nothing else left behind. */
		_cleanup_free_ char *want = xasprintf("%s:running", w.d->name);
		_cleanup_free_ char *have = fake_state(w.fb);
		assert_string_equal(have, want);
		world_release(&w);
	}
}

/* ---- zero config: sbx run AGENT where there is no sandbox.yaml ---- */

/* A session in dir (chdir'd to and back) with agent and no file; its rc. */
static int open_in(world *w, const char *dir, const char *agent, sbx_intent intent,
		   sbx_error **err)
{
	_cleanup_free_ char *back = getcwd(NULL, 0);
	assert_int_equal(chdir(dir), 0);
	const sbx_session_opts o = {.intent = intent, .agent = agent};
	int rc = open_with(w, o, err);
	assert_int_equal(chdir(back), 0);
	return rc;
}

/*
 * No sandbox.yaml: the agent's defaults make the sandbox of the directory,
 * and say how to keep them. A sandbox.yaml that then appears there (the
 * agent could have written it: nothing guarded the name) needs approval.
 */
static void test_zero_config(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	_cleanup_free_ char *dir = xasprintf("%s/zc", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	sbx_error *err = NULL;
	assert_int_equal(open_in(&w, dir, "shell", SBX_INTENT_APPLY, &err), 0);
	assert_non_null(strstr(w.notes.data, "no sandbox.yaml in"));
	assert_non_null(strstr(w.notes.data, "sbx init --agent shell"));
	assert_null(w.d->ws.config);
	assert_string_equal(w.d->cfg->spec->agent->name, "shell");
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_CREATE);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	/* Converged: the same session again changes nothing. */
	assert_int_equal(open_in(&w, dir, "shell", SBX_INTENT_APPLY, &err), 0);
	assert_false(sbx_plan_has_changes(w.plan));

	/* Naming another agent than the sandbox's file is a usage error; so is an unknown one. */
	int rc = open_in(&w, dir, "nope", SBX_INTENT_PLAN, &err);
	expect_error(&err, rc, SBX_EUSAGE, "unknown agent 'nope'");

	/* A file appears, as an agent inside could write it: refused until approved. */
	_cleanup_free_ char *yaml = xasprintf("%s/sandbox.yaml", dir);
	FILE *f = fopen(yaml, "w");
	assert_non_null(f);
	fputs("version: 1\nagent: shell\nuser: root\ngit_identity: false\ncredentials: none\n", f);
	fclose(f);
	fake_clear_calls(w.fb);
	rc = open_in(&w, dir, NULL, SBX_INTENT_APPLY, &err);
	expect_error(&err, rc, SBX_EPOLICY, "appeared in a workspace whose sandbox");
	assert_null(strstr(fake_calls(w.fb), "create"));
	rc = open_in(&w, dir, "claude", SBX_INTENT_PLAN, &err);
	expect_error(&err, rc, SBX_EUSAGE, "agent 'claude' is not this workspace's");
	assert_int_equal(open_in(&w, dir, NULL, SBX_INTENT_PLAN, &err), 0);
	assert_non_null(strstr(w.notes.data, "apply will refuse it until 'sbx trust'"));
	/* Approved, it is the sandbox's file from now on: a recreate that guards it. */
	const sbx_config *cfg = w.d->cfg;
	assert_int_equal(sbx_trust_record(cfg->workspace, cfg->path, cfg->bytes, cfg->len, NULL, 0,
					  &err),
			 0);
	assert_int_equal(open_in(&w, dir, "shell", SBX_INTENT_APPLY, &err), 0);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	assert_int_equal(apply(&w, &err), 0);
	assert_int_equal(open_in(&w, dir, NULL, SBX_INTENT_APPLY, &err), 0);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* Zero config in the home directory is refused, as any workspace there is. */
static void test_zero_config_home(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	sbx_error *err = NULL;
	int rc = open_in(&w, getenv("HOME"), "shell", SBX_INTENT_APPLY, &err);
	expect_error(&err, rc, SBX_EPOLICY, "is your home directory");
	expect_state(&w, "");
	world_release(&w);
}

/* ---- sessions are not ended behind the user's back ---- */

static void test_busy_sessions(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	static const char *const running[] = {"claude --resume", "bash -l", NULL};
	fake_set_sessions(w.fb, w.d->name, running);
	prepare(&w);
	const char *const *busy = sbx_session_busy(w.s);
	assert_non_null(busy);
	assert_string_equal(busy[0], "claude --resume");
	assert_string_equal(busy[1], "bash -l");
	assert_null(busy[2]);
	/* Without the user's yes: refused, nothing touched. */
	fake_clear_calls(w.fb);
	sbx_error *err = NULL;
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EPOLICY, "end its running sessions ('claude --resume'; 'bash -l')");
	expect_calls(&w, "");
	expect_restored(&w, old_id);
	/* diff says so too. */
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	const sbx_session_opts o = {
	    .intent = SBX_INTENT_PLAN, .file = path, .backend = w.b, .warn = note, .arg = &w.notes};
	sbx_session *s = NULL;
	assert_int_equal(sbx_session_open(&s, &o, &err), 0);
	assert_non_null(strstr(w.notes.data, "apply would stop"));
	sbx_session_free(s);
	/* With it: the recreate runs. */
	sbx_session_allow_stop(w.s);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	/* The new sandbox has no sessions, and an update in place asks for none. */
	write_yaml("env: {EDITOR: vi}\nresources: {pids: 512}\n");
	fake_clear_calls(w.fb);
	prepare(&w);
	assert_null(sbx_session_busy(w.s));
	assert_null(strstr(fake_calls(w.fb), "sessions"));
	world_release(&w);
}

/* ---- installed state is not lost behind the user's back ---- */

static void test_fresh(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("env: {GONE: 1}\n");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	/* A removed variable keeps the state: nothing to ask. */
	write_yaml("");
	prepare(&w);
	assert_false(sbx_session_loses_state(w.s));
	assert_int_equal(apply(&w, &err), 0);
	assert_int_equal(fake_snapshots(w.fb), 1);
	/* The image changed: refused without the user's yes, nothing touched. */
	_cleanup_free_ char *old_id = xstrdup(fake_id(w.fb, w.d->name));
	write_yaml("image: other/image:1\n");
	prepare(&w);
	assert_true(sbx_session_loses_state(w.s));
	fake_clear_calls(w.fb);
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EPOLICY,
		     "without its installed state (the image changed: the new sandbox starts from "
		     "it): confirm with --fresh");
	expect_calls(&w, "");
	expect_restored(&w, old_id);
	/* With it: from the image, and the snapshot the old one ran from goes. */
	sbx_session_allow_fresh(w.s);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	assert_int_equal(fake_snapshots(w.fb), 0);
	/* preserve_state: false is the file's own choice: no question. */
	write_yaml("image: other/image:2\npreserve_state: false\n");
	prepare(&w);
	assert_false(sbx_session_loses_state(w.s));
	assert_int_equal(apply(&w, &err), 0);
	world_release(&w);
}

/* ---- rm ---- */

static void removed(const char *what, const char *name, sbx_removal r, void *arg)
{
	sbx_buf_addf((sbx_buf *)arg, "%s %s %d\n", what, name, (int)r);
}

/* attach on the fake: runs nothing, writes the canned output, gives the chosen status. */
static void test_fake_attach(void **state)
{
	(void)state;
	fake_backend *fb = fake_new();
	sbx_backend *b = fake_backend_of(fb);
	fake_add(fb, "box", NULL, NULL, true);
	fake_add(fb, "off", NULL, NULL, false);
	fake_set_exec(fb, "hello\n", 42);
	int p[2];
	assert_int_equal(pipe(p), 0);
	const char *const argv[] = {"sh", "-c", "exit 42", NULL};
	const sbx_exec_opts o = {
	    .argv = argv, .in_fd = -1, .out_fd = p[1], .err_fd = p[1], .wake_fd = -1};
	int code = 0;
	sbx_error *err = NULL;
	assert_int_equal(b->attach(b, &code, "box", &o, &err), 0);
	assert_null(err);
	assert_int_equal(code, 42);
	char buf[16] = {0};
	assert_int_equal(read(p[0], buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "hello\n");
	assert_int_equal(b->attach(b, &code, "off", &o, &err), SBX_ECONFLICT);
	sbx_error_free(err);
	assert_string_equal(fake_calls(fb), "attach box sh -c exit 42\nattach off sh -c exit 42\n");
	close(p[0]);
	close(p[1]);
	fake_free(fb);
}

/* The sandbox, then its snapshot; the volume only when asked; a failure stops there. */
static void test_remove_sandbox(void **state)
{
	(void)state;
	world w;
	_cleanup_free_ char *old_id = made_then_changed(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0); /* a recreate with a snapshot */
	assert_int_equal(fake_snapshots(w.fb), 1);
	prepare(&w);
	fake_clear_calls(w.fb);
	sbx_actual a = *w.actual;
	a.volume = "sbx-vol";
	sbx_buf out = SBX_BUF_INIT;
	assert_int_equal(sbx_remove_sandbox(w.b, &a, false, removed, &out, &err), 0);
	expect_calls(&w, "remove @\nremove_snapshot @\n");
	_cleanup_free_ char *want =
	    xasprintf("sandbox %s %d\nimage %s:%s %d\n", w.d->name, SBX_REMOVAL_REMOVED,
		      SBX_SNAPSHOT_REPO, w.d->name, SBX_REMOVAL_REMOVED);
	assert_string_equal(out.data, want);
	expect_state(&w, "");
	assert_int_equal(fake_snapshots(w.fb), 0);
	sbx_buf_release(&out);

	/* With volumes, the volume too; a failing snapshot removal stops before it. */
	const char *id = fake_add(w.fb, w.d->name, &w.d->ws, &w.d->fields, true);
	a.id = (char *)id;
	fake_fail(w.fb, "remove_snapshot", 1, SBX_EUNAVAILABLE, false);
	int rc = sbx_remove_sandbox(w.b, &a, true, removed, &out, &err);
	expect_error(&err, rc, SBX_EUNAVAILABLE, "remove_snapshot");
	assert_null(strstr(fake_calls(w.fb), "remove_volume"));
	fake_add(w.fb, w.d->name, &w.d->ws, &w.d->fields, true);
	a.id = (char *)fake_id(w.fb, w.d->name);
	fake_clear_calls(w.fb);
	assert_int_equal(sbx_remove_sandbox(w.b, &a, true, removed, &out, &err), 0);
	expect_calls(&w, "remove @\nremove_snapshot @\nremove_volume @\n");
	sbx_buf_release(&out);
	world_release(&w);
}

/* ---- the trust gate is the library's ---- */

/* A session opened to plan cannot apply; a file that needs approval opens to plan only. */
static void test_gate(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("pass_env: [SBX_UNIT_TOKEN]\n");
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	sbx_session_opts o = {.intent = SBX_INTENT_APPLY,
			      .file = path,
			      .backend = w.b,
			      .warn = note,
			      .arg = &w.notes};
	sbx_session *s = (sbx_session *)1;
	sbx_error *err = NULL;
	int rc = sbx_session_open(&s, &o, &err);
	assert_null(s);
	expect_error(&err, rc, SBX_EPOLICY, "needs your approval");
	/* Refused before the lock and before the engine is asked about the sandbox. */
	assert_null(strstr(fake_calls(w.fb), "find"));
	expect_state(&w, "");

	/* To plan, it opens, warns, and plans a create; applying it is refused. */
	o.intent = SBX_INTENT_PLAN;
	assert_int_equal(sbx_session_open(&s, &o, &err), 0);
	assert_non_null(strstr(w.notes.data, "is not approved; apply will refuse it"));
	assert_int_equal(sbx_session_plan(s)->actions[0].type, SBX_ACTION_CREATE);
	fake_clear_calls(w.fb);
	rc = sbx_session_apply(s, note, &w.notes, &err);
	expect_error(&err, rc, SBX_EPOLICY, "opened to plan");
	expect_calls(&w, "");
	expect_state(&w, "");
	sbx_session_free(s);
	world_release(&w);
}

/* ---- pass_env: live, per session, never at rest ---- */

/* The session's environment as one line each, to compare. Caller frees. */
static char *env_text(char **env)
{
	sbx_buf b = SBX_BUF_INIT;
	for (char **p = env; *p; p++)
		sbx_buf_addf(&b, "%s\n", *p);
	return sbx_buf_detach(&b);
}

/*
 * The sandbox holds no value of the host's (its record says only where
 * values come from); each session gets them read when it starts, so a
 * rotated key is the next session's without a change to the sandbox;
 * each variable the host lacks is a warning that names it, and no value
 * reaches a warning.
 */
static void test_session_env(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("pass_env: [SBX_UNIT_TOKEN, SBX_UNIT_UNSET]\n");
	unsetenv("SBX_UNIT_UNSET");
	setenv("SBX_UNIT_TOKEN", "s3cret-1", 1);
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	sbx_session_opts o = {
	    .intent = SBX_INTENT_PLAN, .file = path, .backend = w.b, .warn = note, .arg = &w.notes};
	sbx_error *err = NULL;
	assert_int_equal(sbx_session_open(&w.s, &o, &err), 0);
	/* Not approved yet, and opened to plan: no value of the host for it. */
	char **env = (char **)1;
	int rc = sbx_session_env(w.s, &env, &err);
	expect_error(&err, rc, SBX_EPOLICY, "opened to plan");
	assert_null(env);
	const sbx_config *cfg = sbx_session_config(w.s);
	assert_int_equal(sbx_trust_record(cfg->workspace, cfg->path, cfg->bytes, cfg->len, NULL, 0,
					  &err),
			 0);
	prepare(&w);
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "@:running");
	/* The record: this sbx's word for each name, set on the host or not. */
	const sbx_actual *a = NULL;
	prepare(&w);
	a = w.actual;
	assert_string_equal(sbx_fields_get(&a->fields, "pass_env.SBX_UNIT_TOKEN")->value,
			    SBX_VALUE_PASS_ENV);
	assert_string_equal(sbx_fields_get(&a->fields, "pass_env.SBX_UNIT_UNSET")->value,
			    SBX_VALUE_PASS_ENV);
	assert_false(sbx_plan_has_changes(w.plan));

	sbx_buf_release(&w.notes);
	w.notes = (sbx_buf)SBX_BUF_INIT;
	assert_int_equal(sbx_session_env(w.s, &env, &err), 0);
	_cleanup_free_ char *got = env_text(env);
	assert_string_equal(got, "SBX_UNIT_TOKEN=s3cret-1\n");
	sbx_session_env_free(env);
	assert_string_equal(w.notes.data, "warning: pass_env SBX_UNIT_UNSET is not set on the "
					  "host: this session runs without it\n");

	/* Rotated on the host: the same session's next call reads the new value. */
	setenv("SBX_UNIT_TOKEN", "s3cret-2", 1);
	setenv("SBX_UNIT_UNSET", "", 1);
	sbx_buf_release(&w.notes);
	w.notes = (sbx_buf)SBX_BUF_INIT;
	assert_int_equal(sbx_session_env(w.s, &env, &err), 0);
	_cleanup_free_ char *again = env_text(env);
	assert_string_equal(again, "SBX_UNIT_TOKEN=s3cret-2\nSBX_UNIT_UNSET=\n");
	sbx_session_env_free(env);
	assert_null(w.notes.data);
	/* And the sandbox needs nothing for it: no change, nothing asked of the engine. */
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	fake_clear_calls(w.fb);
	assert_int_equal(apply(&w, &err), 0);
	expect_calls(&w, "");
	_cleanup_free_ char *st = fake_state(w.fb);
	assert_null(strstr(st, "s3cret"));
	unsetenv("SBX_UNIT_TOKEN");
	unsetenv("SBX_UNIT_UNSET");
	world_release(&w);
}

/*
 * The fields of w's desired sandbox under the name name (the default name
 * an earlier sbx derived from "device:inode"). Caller releases.
 */
static void fields_named(sbx_fields *f, const world *w, const char *name)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < w->d->fields.n; i++)
		sbx_fields_set(f, w->d->fields.v[i].path, w->d->fields.v[i].value,
			       w->d->fields.v[i].sensitive);
	sbx_fields_set(f, sbx_field_path(SBX_F_NAME), name, false);
}

/*
 * Another directory at the same path is another workspace: a sandbox
 * labelled with the path and another identity (a directory removed and
 * made again, which got the same inode back but not the same birth time;
 * an earlier sbx's "device:inode" of a sandbox made before this directory
 * was born) is not found, and a sandbox of the workspace's own is created
 * beside it under a name of its own.
 */
static void test_identity_other_directory(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	if (!w.d->ws.legacy_id)
		skip(); /* a filesystem without birth times: the identity is device:inode */
	_cleanup_free_ char *other = xasprintf("%s:1.000000001", w.d->ws.legacy_id);
	fake_add_claim(w.fb, "sbx-old-reused", w.d->ws.path, other, 0, &w.d->fields, false);
	fake_add_claim(w.fb, "sbx-old-legacy", w.d->ws.path, w.d->ws.legacy_id,
		       w.d->ws.born - 10, &w.d->fields, false);
	prepare(&w);
	assert_false(w.actual->exists);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_CREATE);
	_cleanup_free_ char *legacy = sbx_state_legacy_name(&w.d->ws);
	assert_string_not_equal(w.d->name, legacy);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	expect_state(&w, "sbx-old-legacy:created sbx-old-reused:created @:running");
	prepare(&w);
	assert_true(w.actual->exists);
	assert_string_equal(w.actual->workspace_id, w.d->ws.id);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/*
 * A sandbox of an earlier sbx (labelled "device:inode", named from it) made
 * after the directory was born is the workspace's: found, kept under its
 * name, no change at all; a recreate labels the new identity and keeps the
 * name, and the next apply changes nothing.
 */
static void test_identity_legacy_migrates(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	if (!w.d->ws.legacy_id)
		skip();
	_cleanup_free_ char *legacy = sbx_state_legacy_name(&w.d->ws);
	sbx_fields f;
	fields_named(&f, &w, legacy);
	fake_add_claim(w.fb, legacy, w.d->ws.path, w.d->ws.legacy_id, w.d->ws.born + 5, &f,
		       true);
	sbx_fields_release(&f);
	fake_clear_calls(w.fb);
	prepare(&w);
	assert_true(w.actual->exists);
	assert_string_equal(w.d->name, legacy);
	assert_false(sbx_plan_has_changes(w.plan));
	expect_calls(&w, "find\n");
	/* A change that recreates: the successor carries the new identity, the same name. */
	write_yaml("env: {A: b}\n");
	prepare(&w);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	prepare(&w);
	assert_true(w.actual->exists);
	assert_string_equal(w.actual->workspace_id, w.d->ws.id);
	assert_string_equal(w.d->name, legacy);
	assert_false(sbx_plan_has_changes(w.plan));
	expect_state(&w, "@:running");
	world_release(&w);
}

/* ---- sbx adopt: a moved workspace takes its sandbox over, on request only ---- */

/* As sbx adopt [NAME] in dir (name NULL: the one there is); its rc. */
static int open_adopt(world *w, const char *dir, const char *name, sbx_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/sandbox.yaml", dir);
	const sbx_session_opts o = {
	    .intent = SBX_INTENT_APPLY, .file = path, .adopt = name ? name : ""};
	return open_with(w, o, err);
}

/*
 * The workspace moved (rename keeps the directory's identity): a plain
 * apply there would make a new sandbox; adopt takes the old one, recreated
 * under the new path, and from then on it is found there; a second adopt
 * finds the workspace has its sandbox already.
 */
static void test_adopt_moved(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	_cleanup_free_ char *old_id = xstrdup(fake_id(w.fb, w.d->name));
	_cleanup_free_ char *from = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *to = xasprintf("%s/moved", tmp);
	assert_int_equal(rename(from, to), 0);
	/* Not by accident: a plain apply in the moved directory finds nothing. */
	_cleanup_free_ char *file = xasprintf("%s/sandbox.yaml", to);
	const sbx_session_opts o = {.intent = SBX_INTENT_PLAN, .file = file};
	assert_int_equal(open_with(&w, o, &err), 0);
	assert_false(w.actual->exists);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_CREATE);
	fake_clear_calls(w.fb);
	assert_int_equal(open_adopt(&w, to, NULL, &err), 0);
	assert_string_equal(w.actual->id, old_id);
	assert_string_equal(w.actual->workspace, from);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	assert_true(sbx_keep_kept(w.plan->actions[0].keep));
	assert_int_equal(apply(&w, &err), 0);
	/* One sandbox, the new one, found by the new path with nothing to change. */
	_cleanup_free_ char *have = fake_state(w.fb);
	assert_null(strchr(have, ' '));
	assert_non_null(strstr(have, ":running"));
	assert_int_equal(open_with(&w, o, &err), 0);
	assert_true(w.actual->exists);
	assert_string_equal(w.actual->workspace, to);
	assert_string_not_equal(w.actual->id, old_id);
	assert_false(sbx_plan_has_changes(w.plan));
	/* Adopt again: this workspace has its sandbox. */
	int rc = open_adopt(&w, to, NULL, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "has its sandbox");
	world_release(&w);
}

/*
 * Nothing to adopt: no sandbox at all; a sandbox of this directory under
 * another path that still leads to it; a sandbox of a gone directory with another
 * identity (a copy's, a removed directory's); a name that is none of them.
 * Nothing is created or changed.
 */
static void test_adopt_no_candidate(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	sbx_error *err = NULL;
	int rc = open_adopt(&w, ws, NULL, &err);
	expect_error(&err, rc, SBX_ENOTFOUND, "no sandbox of a moved workspace");
	/* A sandbox of this directory by another path that leads to it still (a link). */
	_cleanup_free_ char *alias = xasprintf("%s/alias", tmp);
	assert_int_equal(symlink(ws, alias), 0);
	prepare(&w);
	fake_add_claim(w.fb, "sbx-there", alias, w.d->ws.id, 0, &w.d->fields, true);
	_cleanup_free_ char *gone = xasprintf("%s/gone", tmp);
	_cleanup_free_ char *copy_id = xasprintf("%s0", w.d->ws.id);
	fake_add_claim(w.fb, "sbx-copy", gone, copy_id, 0, &w.d->fields, true);
	fake_clear_calls(w.fb);
	rc = open_adopt(&w, ws, NULL, &err);
	expect_error(&err, rc, SBX_ENOTFOUND, "no sandbox of a moved workspace");
	rc = open_adopt(&w, ws, "sbx-copy", &err);
	expect_error(&err, rc, SBX_ENOTFOUND, "no sandbox called 'sbx-copy' of a moved workspace");
	expect_calls(&w, "find\nlist\nfind\nlist\n");
	expect_state(&w, "sbx-copy:running sbx-there:running");
	world_release(&w);
}

/* Two sandboxes of this directory under gone paths: adopt asks for a name, and takes that one. */
static void test_adopt_two_candidates(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	prepare(&w);
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *g1 = xasprintf("%s/gone1", tmp);
	_cleanup_free_ char *g2 = xasprintf("%s/gone2", tmp);
	sbx_fields f1, f2;
	fields_named(&f1, &w, "sbx-gone1");
	fields_named(&f2, &w, "sbx-gone2");
	/* made there: the workspace they mount is the path they were made at */
	sbx_fields_set(&f1, sbx_field_path(SBX_F_WORKSPACE), g1, false);
	sbx_fields_set(&f2, sbx_field_path(SBX_F_WORKSPACE), g2, false);
	fake_add_claim(w.fb, "sbx-gone1", g1, w.d->ws.id, 0, &f1, false);
	fake_add_claim(w.fb, "sbx-gone2", g2, w.d->ws.id, 0, &f2, true);
	sbx_fields_release(&f1);
	sbx_fields_release(&f2);
	sbx_error *err = NULL;
	int rc = open_adopt(&w, ws, NULL, &err);
	expect_error(&err, rc, SBX_ECONFLICT, "2 sandboxes of moved workspaces");
	assert_int_equal(open_adopt(&w, ws, "sbx-gone2", &err), 0);
	assert_string_equal(w.actual->name, "sbx-gone2");
	assert_string_equal(w.actual->workspace, g2);
	assert_int_equal(w.plan->actions[0].type, SBX_ACTION_RECREATE);
	assert_int_equal(apply(&w, &err), 0);
	/* The other one is left as it was, the adopted one is this workspace's now. */
	_cleanup_free_ char *have = fake_state(w.fb);
	assert_non_null(strstr(have, "sbx-gone1:created"));
	prepare(&w);
	assert_true(w.actual->exists);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/*
 * The image its reference names changed since the sandbox was made (rebuilt
 * under the same tag): a recreate that says so, and that it starts from the
 * new image without the installed state; then no change. A sandbox with no
 * record of its image id is not compared.
 */
static void test_image_updated(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	fake_set_image(w.fb, "sha256:1111111111111111111111111111111111111111111111111111111111111111", NULL);
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	fake_clear_calls(w.fb);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	_cleanup_free_ char *want = xasprintf("find\nimage_id %s\n", w.d->cfg->spec->image);
	assert_string_equal(fake_calls(w.fb), want);
	fake_set_image(w.fb, "sha256:2222222222222222222222222222222222222222222222222222222222222222", NULL);
	prepare(&w);
	const sbx_action *re = sbx_plan_action(w.plan, SBX_ACTION_RECREATE);
	assert_non_null(re);
	assert_int_equal(re->keep, SBX_KEEP_IMAGE_CHANGED);
	assert_int_equal(w.plan->n_changes, 1);
	assert_true(w.plan->changes[0].image_update);
	_cleanup_free_ char *text = sbx_plan_render(w.plan, &w.d->fields, false);
	if (!strstr(text, "~ image: updated (sha256:111111111111… → sha256:222222222222…)  # forces recreate") ||
	    !strstr(text, "installed state: not kept (the image changed"))
		fail_msg("%s", text);
	/* An update loses the installed state: not without the user's yes (--fresh). */
	assert_true(sbx_session_loses_state(w.s));
	int rc = apply(&w, &err);
	expect_error(&err, rc, SBX_EPOLICY, "--fresh");
	sbx_session_allow_fresh(w.s);
	assert_int_equal(apply(&w, &err), 0);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	/* no record (an earlier sbx, or an image the engine did not know): no comparison */
	fake_set_image(w.fb, NULL, NULL);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

/* apply --pull pulls the reference first: a newer image is noticed; --recreate keeps state. */
static void test_pull_and_recreate(void **state)
{
	(void)state;
	world w;
	world_init(&w);
	write_yaml("");
	fake_set_image(w.fb, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		       "sha256:3333333333333333333333333333333333333333333333333333333333333333");
	prepare(&w);
	sbx_error *err = NULL;
	assert_int_equal(apply(&w, &err), 0);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	fake_clear_calls(w.fb);
	prepare_with(&w, true, false);
	_cleanup_free_ char *want = xasprintf("find\nimage_pull %s\nimage_id %s\nsessions %s\n",
					      w.d->cfg->spec->image, w.d->cfg->spec->image, w.d->name);
	assert_string_equal(fake_calls(w.fb), want);
	assert_non_null(sbx_plan_action(w.plan, SBX_ACTION_RECREATE));
	sbx_session_allow_fresh(w.s); /* the newer image: a fresh start, agreed */
	assert_int_equal(apply(&w, &err), 0);
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	/* --recreate with nothing changed: a recreate that keeps the installed state */
	prepare_with(&w, false, true);
	const sbx_action *re = sbx_plan_action(w.plan, SBX_ACTION_RECREATE);
	assert_non_null(re);
	assert_int_equal(re->keep, SBX_KEEP_SNAPSHOT);
	assert_string_equal(re->reason, "asked for (--recreate)");
	assert_int_equal(w.plan->n_changes, 0);
	_cleanup_free_ char *old_id = xstrdup(fake_id(w.fb, w.d->name));
	assert_int_equal(apply(&w, &err), 0);
	assert_string_not_equal(fake_id(w.fb, w.d->name), old_id);
	expect_state(&w, "@:running");
	prepare(&w);
	assert_false(sbx_plan_has_changes(w.plan));
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_then_noop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_env, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_start_fails_removes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stopped_is_started, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identity_other_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identity_legacy_migrates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_moved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_no_candidate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_two_candidates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_image_updated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pull_and_recreate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recreate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_create_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_stop_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_stop_old_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_rename_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_rename_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_start_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_fails_then_recovers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_previous_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recreate_name_conflict, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_name_conflict, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fail_each_call_then_converge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_create_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_stop_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_rename_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_rename_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_start_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_refuses_strangers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupt_each_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupt_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_new_dies_at_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paused_is_unpaused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_start_already_running, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recreate_old_already_stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_old_already_running, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_task_recreated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_task_preserve_state_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_task_cleared_by_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_task_recovery_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_task_snapshot_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_previous_fails_then_stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_after_start_new_stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_config_home, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_sandbox, setup, teardown),
	    cmocka_unit_test(test_fake_attach),
	    cmocka_unit_test_setup_teardown(test_plan_converges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
