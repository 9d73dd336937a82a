/*
 * The plan: unit tests of its rules, and the golden cases of tests/cases/
 * (jq's data-driven style). Each case directory holds:
 *   sandbox.yaml   the desired state
 *   actual.json    the container as the engine's list endpoint gives it
 *                  (absent: no sandbox exists)
 *   expected.txt   the plan as `sbx diff` prints it (no colour)
 * The host facts are fixed: workspace /work/ws, no git identity, mount
 * sources as written (pass_env takes nothing of the host).
 *
 * To make actual.json from a before.yaml (the file the container was made
 * from) and a state file (running, exited, ...), run with
 * SBX_GOLDEN_WRITE=1; to rewrite expected.txt, SBX_GOLDEN_UPDATE=1. Review
 * what they write before committing it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/plan.h"
#include "lib/sandbox.h"
#include "lib/docker.h"
#include "lib/state.h"
#include "lib/util.h"
#include "slurp.h"

#define CASES "tests/cases"

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The canonical form of a sandbox.yaml with the fixed facts of the golden cases. */
static sbx_spec *fields_of(const char *yaml_path, sbx_fields *out)
{
	_cleanup_free_ char *text = slurp(yaml_path);
	assert_non_null(text);
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	if (sbx_config_parse(&spec, text, strlen(text), yaml_path, &err) < 0)
		fail_msg("%s", err->msg);
	const char **sources = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; i < spec->mounts_len; i++)
		sources[i] = spec->mounts[i].source;
	char *volume = sbx_credentials_volume_name(spec, "sbx-ws-00000000");
	char *tokens = sbx_tokens_volume_name(spec);
	sbx_host_facts facts = {
	    .workspace = "/work/ws",
	    .name = spec->name ? spec->name : "sbx-ws-00000000",
	    .mount_sources = sources,
	    .credentials_volume = volume,
	    .tokens_volume = tokens,
	    .docker_socket = "/var/run/docker.sock",
	};
	sbx_spec_fields(spec, &facts, out);
	free(sources);
	free(volume);
	free(tokens);
	return spec;
}

/* The engine's list entry for a container made from before.yaml. */
static void write_actual(const char *dir)
{
	_cleanup_free_ char *before = xasprintf("%s/before.yaml", dir);
	_cleanup_free_ char *state_path = xasprintf("%s/state", dir);
	_cleanup_free_ char *state = slurp(state_path);
	if (state)
		state[strcspn(state, "\n")] = '\0';
	sbx_fields f = {0};
	sbx_spec *spec = fields_of(before, &f);
	_cleanup_free_ char *form = sbx_docker_form_json(&f);
	const sbx_fieldv *name = sbx_fields_get(&f, "name");
	json_object *c = json_object_new_object();
	json_object_object_add(c, "Id", json_object_new_string("0123456789ab"));
	json_object *names = json_object_new_array();
	_cleanup_free_ char *slashed = xasprintf("/%s", name->value);
	json_object_array_add(names, json_object_new_string(slashed));
	json_object_object_add(c, "Names", names);
	json_object_object_add(c, "Image", json_object_new_string(spec->image));
	json_object_object_add(c, "State", json_object_new_string(state ? state : "running"));
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, SBX_LABEL_MANAGED, json_object_new_string("1"));
	json_object_object_add(labels, SBX_LABEL_WORKSPACE, json_object_new_string("/work/ws"));
	json_object_object_add(labels, SBX_LABEL_SPEC, json_object_new_string(form));
	json_object_object_add(c, "Labels", labels);
	_cleanup_free_ char *path = xasprintf("%s/actual.json", dir);
	_cleanup_free_ char *text =
	    xasprintf("%s\n", json_object_to_json_string_ext(
				  c, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	spit(path, text);
	json_object_put(c);
	sbx_fields_release(&f);
	sbx_spec_free(spec);
}

static void test_golden(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *yaml = xasprintf("%s/sandbox.yaml", dir);
	_cleanup_free_ char *before = xasprintf("%s/before.yaml", dir);
	_cleanup_free_ char *actual_path = xasprintf("%s/actual.json", dir);
	_cleanup_free_ char *expected_path = xasprintf("%s/expected.txt", dir);
	if (getenv("SBX_GOLDEN_WRITE") && access(before, R_OK) == 0)
		write_actual(dir);

	sbx_fields want = {0};
	sbx_spec *spec = fields_of(yaml, &want);
	sbx_actual actual = {0};
	_cleanup_free_ char *actual_text = slurp(actual_path);
	if (actual_text) {
		sbx_error *err = NULL;
		if (sbx_docker_decode(&actual, actual_text, &err) < 0)
			fail_msg("%s: %s", actual_path, err->msg);
	}
	sbx_plan *plan = NULL;
	char *why = NULL;
	char *got;
	if (sbx_plan_make(&plan, &want, &actual, &why) < 0) {
		got = xasprintf("error: %s\n", why);
		free(why);
	} else {
		got = sbx_plan_render(plan, &want, false);
	}
	if (getenv("SBX_GOLDEN_UPDATE"))
		spit(expected_path, got);
	_cleanup_free_ char *expected = slurp(expected_path);
	if (!expected)
		fail_msg("%s is missing; this plan is:\n%s", expected_path, got);
	if (strcmp(got, expected) != 0)
		fail_msg("%s: the plan differs.\n--- expected\n%s--- got\n%s", dir, expected, got);
	free(got);
	sbx_plan_free(plan);
	sbx_actual_release(&actual);
	sbx_fields_release(&want);
	sbx_spec_free(spec);
}

/* ---- rules ---- */

static void test_effects(void **state)
{
	(void)state;
	assert_int_equal(sbx_change_effect("resources.cpus", "2", "4"), SBX_EFFECT_IN_PLACE);
	assert_int_equal(sbx_change_effect("resources.cpus", "unlimited", "4"),
			 SBX_EFFECT_RECREATE);
	assert_int_equal(sbx_change_effect("resources.memory", "6291456", "unlimited"),
			 SBX_EFFECT_RECREATE);
	assert_int_equal(sbx_change_effect("resources.pids", "10", "20"), SBX_EFFECT_IN_PLACE);
	assert_int_equal(sbx_change_effect("name", "a", "b"), SBX_EFFECT_IN_PLACE);
	assert_int_equal(sbx_change_effect("command", "[\"a\"]", "[\"b\"]"), SBX_EFFECT_NONE);
	assert_int_equal(sbx_change_effect("preserve_state", "true", "false"), SBX_EFFECT_NONE);
	/* pass_env is given to each session: nothing on the container holds it. */
	assert_int_equal(sbx_change_effect("pass_env.T", NULL, SBX_VALUE_PASS_ENV),
			 SBX_EFFECT_NONE);
	assert_int_equal(sbx_change_effect("pass_env.T", "hmac-sha256:1", SBX_VALUE_PASS_ENV),
			 SBX_EFFECT_NONE);
	const char *recreate[] = {
	    "image",   "env.X",		  "mounts./a",	     "docker_socket",	"user",
	    "network", "git.author_name", "docker_socket.group", "credentials",	"workspace",
	    "agent",   "security",	  "workspace.owner", "from.a.newer.sbx"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(recreate); i++)
		assert_int_equal(sbx_change_effect(recreate[i], "a", "b"), SBX_EFFECT_RECREATE);
	/* A family needs a member: "env." alone is no env variable. */
	assert_string_equal(sbx_field_rule_of("env.")->path, "");
	assert_string_equal(sbx_field_rule_of("env.X")->path, "env.");
	assert_string_equal(sbx_field_rule_of("workspace.owner")->path, "workspace.owner");
}

/* Host access comes from what each field's values mean, both ways. */
static void test_access(void **state)
{
	(void)state;
	const struct {
		const char *path, *was, *now;
		sbx_access want;
	} cases[] = {
	    {"docker_socket", "false", "/var/run/docker.sock", SBX_ACCESS_WIDENS},
	    {"docker_socket", "/var/run/docker.sock", "false", SBX_ACCESS_NARROWS},
	    {"docker_socket", "/var/run/docker.sock", "/run/user/1/docker.sock", SBX_ACCESS_WIDENS},
	    {"docker_socket", "false", "false", SBX_ACCESS_SAME},
	    {"network", "none", "bridge", SBX_ACCESS_WIDENS},
	    {"network", "bridge", "none", SBX_ACCESS_NARROWS},
	    {"mounts./d", NULL, "/src (read-only)", SBX_ACCESS_WIDENS},
	    {"mounts./d", "/src (read-only)", NULL, SBX_ACCESS_NARROWS},
	    {"mounts./d", "/src (read-only)", "/src (read-write)", SBX_ACCESS_WIDENS},
	    {"mounts./d", "/src (read-write)", "/src (read-only)", SBX_ACCESS_NARROWS},
	    {"mounts./d", "/a (read-write)", "/b (read-only)", SBX_ACCESS_WIDENS},
	    {"mounts./d", "/a (read-only)", "/a (read-only)", SBX_ACCESS_SAME},
	    {"mounts./d", "/a (read-only)", "/a", SBX_ACCESS_WIDENS},
	    {"pass_env.T", NULL, "(from the host, per session)", SBX_ACCESS_WIDENS},
	    {"pass_env.T", "(from the host, per session)", NULL, SBX_ACCESS_NARROWS},
	    {"pass_env.T", "(from the host, per session)", "(from the host, per session)",
	     SBX_ACCESS_SAME},
	    {"pass_env.T", "hmac-sha256:1", "(from the host, per session)", SBX_ACCESS_SAME},
	    {"credentials", "none", "shared (volume v at /h)", SBX_ACCESS_WIDENS},
	    {"credentials", "workspace (volume w at /h)", "shared (volume v at /h)",
	     SBX_ACCESS_WIDENS},
	    {"credentials", "shared (volume v at /h)", "workspace (volume w at /h)",
	     SBX_ACCESS_NARROWS},
	    {"credentials", "none", "workspace (volume w at /h)", SBX_ACCESS_SAME},
	    {"credentials", "shared-ish", "shared (volume v at /h)", SBX_ACCESS_WIDENS},
	    {"env.X", NULL, "1", SBX_ACCESS_SAME},
	    {"image", "a", "b", SBX_ACCESS_SAME},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		sbx_access got = sbx_change_access(cases[i].path, cases[i].was, cases[i].now);
		if (got != cases[i].want)
			fail_msg("%s: %s -> %s: %s, not %s", cases[i].path,
				 cases[i].was ? cases[i].was : "(absent)",
				 cases[i].now ? cases[i].now : "(absent)", sbx_access_name(got),
				 sbx_access_name(cases[i].want));
	}
}

/*
 * command and preserve_state are not on the container: against an existing
 * sandbox a change to them is no change at all (no line, nothing to apply,
 * diff --exit-code 0); a new sandbox lists them with the rest.
 */
static void test_off_container_fields(void **state)
{
	(void)state;
	sbx_fields want = {0}, have = {0};
	sbx_fields_set(&want, "name", "x", false);
	sbx_fields_set(&want, "command", "[\"b\"]", false);
	sbx_fields_set(&want, "preserve_state", "false", false);
	sbx_fields_set(&have, "name", "x", false);
	sbx_fields_set(&have, "command", "[\"a\"]", false);
	sbx_fields_set(&have, "preserve_state", "true", false);
	sbx_actual a = {
	    .exists = true, .name = "x", .running = true, .form_version = 1, .fields = have};
	sbx_plan *p = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	assert_int_equal(p->n_changes, 0);
	assert_false(sbx_plan_has_changes(p));
	sbx_plan_free(p);
	/* A record that lacks them (an older sbx) is no change either. */
	sbx_fields bare = {0};
	sbx_fields_set(&bare, "name", "x", false);
	a.fields = bare;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	assert_int_equal(p->n_changes, 0);
	sbx_plan_free(p);
	assert_int_equal(sbx_plan_make(&p, &want, NULL, NULL), 0);
	assert_int_equal(p->n_changes, 3);
	assert_string_equal(p->changes[0].path, "command");
	assert_int_equal(p->changes[0].effect, SBX_EFFECT_NONE);
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
	sbx_fields_release(&bare);
}

/*
 * The "changed while running" warning: only for a file that changed under
 * a running sandbox in a way that widens its host access. The user's own
 * env, image or limit edits after an apply do not cry wolf.
 */
static void test_changed_while_running(void **state)
{
	(void)state;
	sbx_fields have = {0};
	sbx_fields_set(&have, "name", "x", false);
	sbx_fields_set(&have, "network", "none", false);
	sbx_fields_set(&have, "env.A", "1", false);
	sbx_actual a = {.exists = true,
			.name = "x",
			.running = true,
			.form_version = 1,
			.config_hash = "aaaa",
			.fields = have};
	struct {
		const char *path, *value, *hash;
		bool running, warn;
	} cases[] = {
	    {"env.A", "2", "bbbb", true, false},	 /* an everyday edit */
	    {"network", "bridge", "bbbb", true, true},	 /* the sandbox reaches the network */
	    {"network", "bridge", "aaaa", true, false},	 /* the same file: nothing changed it */
	    {"network", "bridge", "bbbb", false, false}, /* not running: nothing ran meanwhile */
	    {"network", "none", "bbbb", true, false},	 /* a comment: no change at all */
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		sbx_fields want = {0};
		for (size_t j = 0; j < have.n; j++)
			sbx_fields_set(&want, have.v[j].path, have.v[j].value, false);
		sbx_fields_set(&want, cases[i].path, cases[i].value, false);
		a.running = cases[i].running;
		sbx_plan *p = NULL;
		assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
		if (sbx_plan_changed_while_running(p, &a, cases[i].hash) != cases[i].warn)
			fail_msg("case %zu: %s = %s: expected %s", i, cases[i].path, cases[i].value,
				 cases[i].warn ? "a warning" : "none");
		sbx_plan_free(p);
		sbx_fields_release(&want);
	}
	/* A sandbox from before sbx labelled the file's hash: nothing to compare. */
	a.config_hash = NULL;
	a.running = true;
	sbx_fields want = {0};
	sbx_fields_set(&want, "name", "x", false);
	sbx_fields_set(&want, "network", "bridge", false);
	sbx_fields_set(&want, "env.A", "1", false);
	sbx_plan *p = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	assert_false(sbx_plan_changed_while_running(p, &a, "bbbb"));
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
}

static void test_fields_sorted(void **state)
{
	(void)state;
	sbx_fields f = {0};
	sbx_fields_set(&f, "b", "2", false);
	sbx_fields_set(&f, "a", "1", false);
	sbx_fields_set(&f, "c", "3", true);
	sbx_fields_set(&f, "b", "two", false);
	assert_int_equal(f.n, 3);
	assert_string_equal(f.v[0].path, "a");
	assert_string_equal(f.v[1].value, "two");
	assert_true(f.v[2].sensitive);
	assert_null(sbx_fields_get(&f, "d"));
	assert_string_equal(sbx_fields_get(&f, "c")->value, "3");
	sbx_fields_release(&f);
}

static void test_newer_form_refused(void **state)
{
	(void)state;
	sbx_fields want = {0};
	sbx_fields_set(&want, "name", "x", false);
	sbx_actual a = {.exists = true, .name = "x", .running = true, .form_version = 99};
	sbx_plan *p = (sbx_plan *)1;
	char *why = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, &why), SBX_ECONFLICT);
	assert_null(p);
	assert_non_null(strstr(why, "newer sbx"));
	free(why);
	sbx_fields_release(&want);
}

static void test_actions_ordered(void **state)
{
	(void)state;
	sbx_fields want = {0}, have = {0};
	sbx_fields_set(&want, "name", "new", false);
	sbx_fields_set(&want, "resources.pids", "10", false);
	sbx_fields_set(&have, "name", "old", false);
	sbx_fields_set(&have, "resources.pids", "20", false);
	sbx_actual a = {.exists = true,
			.name = "old",
			.running = false,
			.status = "exited",
			.form_version = 1,
			.fields = have};
	sbx_plan *p = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	assert_int_equal(p->n_actions, 3);
	assert_int_equal(p->actions[0].type, SBX_ACTION_RENAME);
	assert_int_equal(p->actions[1].type, SBX_ACTION_UPDATE);
	assert_int_equal(p->actions[2].type, SBX_ACTION_START);
	assert_string_equal(p->actions[2].reason, "the sandbox is exited");
	assert_int_equal(p->n_changes, 2);
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
}

/* The recreate's plan for want over have: its action, kept in *plan to free. */
static const sbx_action *recreate_of(sbx_plan **plan, const sbx_fields *want,
				     const sbx_fields *have)
{
	sbx_actual a = {.exists = true,
			.id = "c1",
			.name = "x",
			.running = true,
			.form_version = 1,
			.fields = *have};
	assert_int_equal(sbx_plan_make(plan, want, &a, NULL), 0);
	assert_int_equal((*plan)->actions[0].type, SBX_ACTION_RECREATE);
	return &(*plan)->actions[0];
}

/* The plan decides what a recreate does with the installed state, and says why. */
static void test_recreate_keeps_state(void **state)
{
	(void)state;
	sbx_fields want = {0}, have = {0};
	sbx_fields_set(&want, "name", "x", false);
	sbx_fields_set(&have, "name", "x", false);
	sbx_fields_set(&want, "preserve_state", "true", false);
	sbx_fields_set(&want, "env.A", "1", false);
	sbx_fields_set(&have, "env.A", "2", false);
	/* This sbx's record: nothing in the environment. */
	sbx_fields_set(&have, "pass_env.NOW", SBX_VALUE_PASS_ENV, false);
	sbx_fields_set(&want, "pass_env.TOKEN", SBX_VALUE_PASS_ENV, false);
	sbx_fields_set(&want, "pass_env.NOW", SBX_VALUE_PASS_ENV, false);
	sbx_plan *p = NULL;
	const sbx_action *a = recreate_of(&p, &want, &have);
	/* pass_env is no change. */
	assert_int_equal(p->n_changes, 1);
	assert_string_equal(p->changes[0].path, "env.A");
	assert_int_equal(a->keep, SBX_KEEP_SNAPSHOT);
	assert_true(sbx_keep_kept(a->keep));
	char *text = sbx_plan_render(p, &want, false);
	assert_non_null(strstr(text, "installed state: kept (preserve_state"));
	free(text);
	sbx_plan_free(p);

	/*
	 * An earlier sbx's record: a digest of a value it put in the
	 * environment. The snapshot carries none of the old container's
	 * environment: the state is kept. A name dropped from the file
	 * (OLDER) is no removed variable: pass_env is no change.
	 */
	sbx_fields_set(&have, "pass_env.TOKEN", "hmac-sha256:00", true);
	sbx_fields_set(&have, "pass_env.OLDER", "sha256:00", true);
	a = recreate_of(&p, &want, &have);
	assert_int_equal(p->n_changes, 1);
	assert_int_equal(a->keep, SBX_KEEP_SNAPSHOT);
	assert_true(sbx_keep_kept(a->keep));
	sbx_plan_free(p);
	sbx_fields_release(&have);
	have = (sbx_fields){0};
	sbx_fields_set(&have, "name", "x", false);
	sbx_fields_set(&have, "env.A", "2", false);

	/* A removed variable, a removed git identity: the snapshot keeps neither, the state stays. */
	sbx_fields_set(&have, "env.GONE", "1", false);
	sbx_fields_set(&have, "git.author_email", "a@b", false);
	a = recreate_of(&p, &want, &have);
	assert_int_equal(a->keep, SBX_KEEP_SNAPSHOT);
	assert_true(sbx_keep_kept(a->keep));
	text = sbx_plan_render(p, &want, false);
	assert_non_null(strstr(text, "installed state: kept (preserve_state"));
	free(text);
	sbx_plan_free(p);

	/* The image changed: the new sandbox starts from it. */
	sbx_fields_set(&want, "image", "b", false);
	sbx_fields_set(&have, "image", "a", false);
	a = recreate_of(&p, &want, &have);
	assert_int_equal(a->keep, SBX_KEEP_IMAGE_CHANGED);
	sbx_plan_free(p);

	/* preserve_state: false, or a file without it (an older record) keeps nothing. */
	sbx_fields_set(&want, "preserve_state", "false", false);
	a = recreate_of(&p, &want, &have);
	assert_int_equal(a->keep, SBX_KEEP_OFF);
	text = sbx_plan_render(p, &want, false);
	assert_non_null(strstr(text, "installed state: not kept (preserve_state is false)"));
	free(text);
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
}

/* A rename carries the name it renames from. */
static void test_rename_carries_from(void **state)
{
	(void)state;
	sbx_fields want = {0}, have = {0};
	sbx_fields_set(&want, "name", "new", false);
	sbx_fields_set(&have, "name", "old", false);
	sbx_actual a = {
	    .exists = true, .name = "old", .running = true, .form_version = 1, .fields = have};
	sbx_plan *p = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	assert_int_equal(p->n_actions, 1);
	assert_int_equal(p->actions[0].type, SBX_ACTION_RENAME);
	assert_string_equal(p->actions[0].from, "old");
	assert_ptr_equal(sbx_plan_action(p, SBX_ACTION_RENAME), &p->actions[0]);
	assert_null(sbx_plan_action(p, SBX_ACTION_RECREATE));
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
}

int main(void)
{
	struct CMUnitTest tests[128];
	char *dirs[100];
	size_t n = 0, nd = 0;
	const struct CMUnitTest rules[] = {
	    cmocka_unit_test(test_effects),
	    cmocka_unit_test(test_access),
	    cmocka_unit_test(test_off_container_fields),
	    cmocka_unit_test(test_changed_while_running),
	    cmocka_unit_test(test_fields_sorted),
	    cmocka_unit_test(test_newer_form_refused),
	    cmocka_unit_test(test_actions_ordered),
	    cmocka_unit_test(test_recreate_keeps_state),
	    cmocka_unit_test(test_rename_carries_from),
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(rules); i++)
		tests[n++] = rules[i];
	DIR *d = opendir(CASES);
	if (!d) {
		fprintf(stderr, "%s: run from the repository's top directory\n", CASES);
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d)) && nd < SBX_ARRAY_SIZE(dirs)) {
		if (e->d_name[0] == '.')
			continue;
		dirs[nd++] = xasprintf(CASES "/%s", e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < nd; i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_golden, dirs[i]);
		tests[n].name = dirs[i];
		n++;
	}
	int rc = _cmocka_run_group_tests("plan", tests, n, NULL, NULL);
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	return rc;
}
