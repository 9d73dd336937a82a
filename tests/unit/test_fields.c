/*
 * fields: every row of the table (its path, type, comparison, effect, host
 * access both ways and baseline) against what the test writes down here,
 * the formatters and parsers of the values round-tripping, and the
 * canonical form of a full spec spelled out byte for byte: the engine's
 * labels on existing sandboxes hold it, so a change to any spelling shows
 * here first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fields.h"
#include "lib/spec.h"
#include "lib/util.h"

/* ---- the table, row by row ---- */

/*
 * What each row must say. member: a path the row governs. narrow, wide:
 * two values of it, the second reaching more of the host (NULL: the field
 * never changes host access; then any two values).
 */
static const struct row {
	sbx_field_id id;
	const char *path, *member;
	sbx_field_type type;
	sbx_compare compare;
	sbx_effect effect;
	const char *narrow, *wide;
	const char *baseline;
} rows[] = {
    {SBX_F_AGENT, "agent", "agent", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL,
     NULL, NULL},
    {SBX_F_COMMAND, "command", "command", SBX_TYPE_ARGV, SBX_COMPARE_TEXT, SBX_EFFECT_NONE, NULL,
     NULL, NULL},
    {SBX_F_CREDENTIALS, "credentials", "credentials", SBX_TYPE_CREDENTIALS, SBX_COMPARE_TEXT,
     SBX_EFFECT_RECREATE, "workspace (volume w at /h)", "shared (volume v at /h)", "shared"},
    {SBX_F_DOCKER_SOCKET, "docker_socket", "docker_socket", SBX_TYPE_SOCKET, SBX_COMPARE_TEXT,
     SBX_EFFECT_RECREATE, "false", "/var/run/docker.sock", "false"},
    {SBX_F_DOCKER_SOCKET_GROUP, "docker_socket.group", "docker_socket.group", SBX_TYPE_TEXT,
     SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL, NULL},
    {SBX_F_ENV, "env.", "env.HOME", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL,
     NULL, NULL},
    {SBX_F_GIT, "git.", "git.author_name", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE,
     NULL, NULL, NULL},
    {SBX_F_IMAGE, "image", "image", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL,
     NULL, NULL},
    {SBX_F_MOUNTS, "mounts.", "mounts./data", SBX_TYPE_MOUNT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE,
     "/src (read-only)", "/src (read-write)", NULL},
    {SBX_F_NAME, "name", "name", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_IN_PLACE, NULL, NULL,
     NULL},
    {SBX_F_NETWORK, "network", "network", SBX_TYPE_NETWORK, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE,
     "none", "bridge", "bridge"},
    /* Nothing on the container: a name listed (its one value) widens, one not listed does not. */
    {SBX_F_PASS_ENV, "pass_env.", "pass_env.TOKEN", SBX_TYPE_PASS_ENV, SBX_COMPARE_TEXT,
     SBX_EFFECT_NONE, NULL, "(from the host, per session)", NULL},
    {SBX_F_PRESERVE_STATE, "preserve_state", "preserve_state", SBX_TYPE_BOOL, SBX_COMPARE_TEXT,
     SBX_EFFECT_NONE, NULL, NULL, NULL},
    {SBX_F_CPUS, "resources.cpus", "resources.cpus", SBX_TYPE_CPUS, SBX_COMPARE_TEXT,
     SBX_EFFECT_IN_PLACE, NULL, NULL, NULL},
    {SBX_F_MEMORY, "resources.memory", "resources.memory", SBX_TYPE_BYTES, SBX_COMPARE_TEXT,
     SBX_EFFECT_IN_PLACE, NULL, NULL, NULL},
    {SBX_F_PIDS, "resources.pids", "resources.pids", SBX_TYPE_COUNT, SBX_COMPARE_TEXT,
     SBX_EFFECT_IN_PLACE, NULL, NULL, NULL},
    {SBX_F_SECURITY, "security", "security", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE,
     NULL, NULL, NULL},
    {SBX_F_USER, "user", "user", SBX_TYPE_TEXT, SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL,
     NULL},
    {SBX_F_WORKSPACE, "workspace", "workspace", SBX_TYPE_PATH, SBX_COMPARE_TEXT,
     SBX_EFFECT_RECREATE, NULL, NULL, NULL},
    {SBX_F_WORKSPACE_CONFIG, "workspace.config", "workspace.config", SBX_TYPE_MOUNT,
     SBX_COMPARE_TEXT, SBX_EFFECT_RECREATE, NULL, NULL, NULL},
    {SBX_F_WORKSPACE_OWNER, "workspace.owner", "workspace.owner", SBX_TYPE_TEXT, SBX_COMPARE_TEXT,
     SBX_EFFECT_RECREATE, NULL, NULL, NULL},
};

static const char *str(const char *s)
{
	return s ? s : "(absent)";
}

static void test_rows(void **state)
{
	(void)state;
	size_t n;
	const sbx_field_rule *rules = sbx_field_rules(&n);
	assert_int_equal(n, SBX_F__COUNT);
	assert_int_equal(SBX_ARRAY_SIZE(rows), SBX_F__COUNT);
	for (size_t i = 0; i < n; i++) {
		const sbx_field_rule *r = &rules[i];
		const struct row *w = &rows[i];
		/* Indexed by id, in the order of the paths (the canonical form's own). */
		assert_int_equal(r->id, i);
		assert_int_equal(r->id, w->id);
		assert_string_equal(r->path, w->path);
		if (i)
			assert_true(strcmp(rules[i - 1].path, r->path) < 0);
		assert_string_equal(sbx_field_path(r->id), w->path);
		if (r->type != w->type || r->compare != w->compare || r->effect != w->effect)
			fail_msg("%s: type %d, compare %d, effect %d", r->path, r->type, r->compare,
				 r->effect);
		if ((r->baseline == NULL) != (w->baseline == NULL) ||
		    (r->baseline && strcmp(r->baseline, w->baseline) != 0))
			fail_msg("%s: baseline %s, not %s", r->path, str(r->baseline),
				 str(w->baseline));
		if ((r->access == NULL) != (w->wide == NULL))
			fail_msg("%s: %s host access", r->path,
				 r->access ? "judges" : "never judges");
		/* The row governs its member, and is found by it. */
		assert_ptr_equal(sbx_field_rule_of(w->member), r);
		assert_int_equal(sbx_field_id_of(w->member), r->id);
		/* The form's values are never secrets; only what an earlier sbx wrote may be. */
		assert_false(sbx_field_sensitive(w->member, w->wide ? w->wide : "a"));
		assert_int_equal(sbx_field_sensitive(w->member, "hmac-sha256:00"),
				 r->type == SBX_TYPE_PASS_ENV);
	}
}

/* Every row's effect, the limits' exception included. */
static void test_row_effects(void **state)
{
	(void)state;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(rows); i++) {
		const struct row *w = &rows[i];
		assert_int_equal(sbx_change_effect(w->member, "a", "b"), w->effect);
		assert_int_equal(sbx_change_effect(w->member, NULL, "b"), w->effect);
		assert_int_equal(sbx_change_effect(w->member, "a", NULL), w->effect);
		/* The update endpoint cannot lift a limit, nor set one where there was none. */
		bool limit = w->type == SBX_TYPE_CPUS || w->type == SBX_TYPE_BYTES ||
			     w->type == SBX_TYPE_COUNT;
		assert_int_equal(sbx_field_is_limit(w->member), limit);
		sbx_effect lift = limit ? SBX_EFFECT_RECREATE : w->effect;
		assert_int_equal(sbx_change_effect(w->member, "2", SBX_VALUE_UNLIMITED), lift);
		assert_int_equal(sbx_change_effect(w->member, SBX_VALUE_UNLIMITED, "2"), lift);
	}
	/* No row: fixed at create. A family's bare prefix is no member of it. */
	const char *unknown[] = {"",	 "env.",      "mounts.",	"pass_env.",
				 "git.", "resources", "resources.swap", "from.a.newer.sbx",
				 "names"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(unknown); i++) {
		const sbx_field_rule *r = sbx_field_rule_of(unknown[i]);
		assert_int_equal(r->id, SBX_F_UNKNOWN);
		assert_string_equal(r->path, "");
		assert_int_equal(sbx_change_effect(unknown[i], "a", "b"), SBX_EFFECT_RECREATE);
		assert_int_equal(sbx_change_access(unknown[i], NULL, "/"), SBX_ACCESS_SAME);
		assert_false(sbx_field_sensitive(unknown[i], "hmac-sha256:00"));
	}
}

/* Every row's host access, both ways, and against its baseline. */
static void test_row_access(void **state)
{
	(void)state;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(rows); i++) {
		const struct row *w = &rows[i];
		const char *p = w->member;
		if (!w->wide) {
			assert_int_equal(sbx_change_access(p, "a", "b"), SBX_ACCESS_SAME);
			assert_int_equal(sbx_change_access(p, NULL, "/"), SBX_ACCESS_SAME);
			assert_int_equal(sbx_change_access(p, "/", NULL), SBX_ACCESS_SAME);
			continue;
		}
		if (sbx_change_access(p, w->narrow, w->wide) != SBX_ACCESS_WIDENS ||
		    sbx_change_access(p, w->wide, w->narrow) != SBX_ACCESS_NARROWS ||
		    sbx_change_access(p, w->wide, w->wide) != SBX_ACCESS_SAME ||
		    sbx_change_access(p, w->narrow, w->narrow) != SBX_ACCESS_SAME)
			fail_msg("%s: %s -> %s is not a widening both ways", p, str(w->narrow),
				 w->wide);
		/* Absent is the baseline; without one, absent reaches nothing. */
		const char *absent_is = w->baseline ? w->baseline : NULL;
		sbx_access from_absent = sbx_change_access(p, NULL, w->wide);
		if (absent_is) {
			assert_int_equal(sbx_change_access(p, NULL, absent_is), SBX_ACCESS_SAME);
			assert_int_equal(sbx_change_access(p, absent_is, NULL), SBX_ACCESS_SAME);
			assert_int_equal(from_absent, sbx_change_access(p, absent_is, w->wide));
		} else {
			assert_int_equal(from_absent, SBX_ACCESS_WIDENS);
			assert_int_equal(sbx_change_access(p, w->wide, NULL), SBX_ACCESS_NARROWS);
		}
	}
	/* The baselines themselves: sandbox.yaml's defaults reach the network and share logins. */
	assert_int_equal(sbx_change_access("network", NULL, "none"), SBX_ACCESS_NARROWS);
	assert_int_equal(sbx_change_access("credentials", NULL, "none"), SBX_ACCESS_NARROWS);
	assert_int_equal(sbx_change_access("docker_socket", NULL, "/s"), SBX_ACCESS_WIDENS);
	/* Another engine's socket is another root on the host. */
	assert_int_equal(sbx_change_access("docker_socket", "/a.sock", "/b.sock"),
			 SBX_ACCESS_WIDENS);
	/* Another source at the same target, even read-only, shows what was not shown. */
	assert_int_equal(sbx_change_access("mounts./d", "/a (read-write)", "/b (read-only)"),
			 SBX_ACCESS_WIDENS);
	/* Not sbx's words: taken as writable, the worst case. */
	assert_int_equal(sbx_change_access("mounts./d", "/a (read-only)", "/a"), SBX_ACCESS_WIDENS);
	/* An earlier sbx's record of a name (a digest, or unset then) passes it as well. */
	assert_int_equal(sbx_change_access("pass_env.T", "hmac-sha256:1", SBX_VALUE_PASS_ENV),
			 SBX_ACCESS_SAME);
	assert_int_equal(sbx_change_access("pass_env.T", "(unset on the host)", NULL),
			 SBX_ACCESS_NARROWS);
	assert_int_equal(sbx_change_access("credentials", "shared-ish", "shared (volume v at /h)"),
			 SBX_ACCESS_WIDENS);
}

/*
 * The baselines are what the canonical form writes for a file that does
 * not set the field: a default spec's form, field by field.
 */
static void test_baselines_are_defaults(void **state)
{
	(void)state;
	sbx_spec *spec = sbx_spec_new();
	spec->agent = sbx_agent_find("claude");
	sbx_spec_fill_defaults(spec);
	sbx_host_facts facts = {.workspace = "/w",
				.name = "sbx-w",
				.credentials_volume = "vol",
				.tokens_volume = "tok",
				.docker_socket = "/var/run/docker.sock"};
	sbx_fields form = {0};
	sbx_spec_fields(spec, &facts, &form);
	size_t n;
	const sbx_field_rule *rules = sbx_field_rules(&n);
	for (size_t i = 0; i < n; i++) {
		if (!rules[i].baseline)
			continue;
		const sbx_fieldv *f = sbx_fields_get(&form, rules[i].path);
		assert_non_null(f);
		/* credentials: the kind, whatever volumes it names. */
		bool same = rules[i].type == SBX_TYPE_CREDENTIALS
				? sbx_value_credentials_is(f->value, rules[i].baseline)
				: strcmp(f->value, rules[i].baseline) == 0;
		if (!same)
			fail_msg("%s: the default is %s, the baseline %s", rules[i].path, f->value,
				 rules[i].baseline);
		assert_int_equal(sbx_change_access(rules[i].path, NULL, f->value), SBX_ACCESS_SAME);
	}
	sbx_fields_release(&form);
	sbx_spec_free(spec);
}

/* ---- the canonical form, byte for byte ---- */

static char *strs[] = {"sh", "-c", "echo \"hi\" \\ there"};

static void test_form_spelled_out(void **state)
{
	(void)state;
	sbx_spec *spec = sbx_spec_new();
	spec->agent = sbx_agent_find("claude");
	spec->image = xstrdup("img:1");
	spec->command = xcalloc(4, sizeof(char *));
	for (size_t i = 0; i < 3; i++)
		spec->command[i] = xstrdup(strs[i]);
	spec->command_len = 3;
	spec->user = xstrdup("1000:1000");
	spec->env = xcalloc(1, sizeof(sbx_env_var));
	spec->env[0] = (sbx_env_var){xstrdup("NODE_ENV"), xstrdup("production"), {0, 0}};
	spec->env_len = 1;
	spec->pass_env = xcalloc(2, sizeof(sbx_pass_env));
	spec->pass_env[0] = (sbx_pass_env){xstrdup("TOKEN"), {0, 0}};
	spec->pass_env[1] = (sbx_pass_env){xstrdup("UNSET"), {0, 0}};
	spec->pass_env_len = 2;
	spec->docker_socket = true;
	spec->mounts = xcalloc(2, sizeof(sbx_mount));
	spec->mounts[0] = (sbx_mount){xstrdup("~/cache"), xstrdup("/cache//"), true, {0, 0}};
	spec->mounts[1] = (sbx_mount){xstrdup("/data"), NULL, false, {0, 0}};
	spec->mounts_len = 2;
	spec->credentials = SBX_CREDENTIALS_WORKSPACE;
	spec->network = SBX_NETWORK_NONE;
	spec->resources = (sbx_resources){1.5, 536870912, 100};
	spec->preserve_state = false;
	const char *sources[] = {"/home/u/cache", "/srv/data"};
	sbx_host_facts facts = {
	    .workspace = "/w",
	    .name = "sbx-w-1",
	    .git_author_name = "A U",
	    .git_author_email = "a@u",
	    .git_committer_name = NULL,
	    .git_committer_email = "c@u",
	    .mount_sources = sources,
	    .credentials_volume = "sbx-w-creds",
	    .tokens_volume = NULL,
	    .docker_socket = "/run/docker.sock",
	    .config = "/w/sandbox.yaml",
	    .owner = "1000:1000",
	};
	sbx_fields form = {0};
	sbx_spec_fields(spec, &facts, &form);
	const struct {
		const char *path, *value;
		bool sensitive;
	} want[] = {
	    {"agent", "claude", false},
	    {"command", "[\"sh\", \"-c\", \"echo \\\"hi\\\" \\\\ there\"]", false},
	    {"credentials", "workspace (volume sbx-w-creds at /home/agent/.claude)", false},
	    {"docker_socket", "/run/docker.sock", false},
	    {"env.NODE_ENV", "production", false},
	    {"git.author_email", "a@u", false},
	    {"git.author_name", "A U", false},
	    {"git.committer_email", "c@u", false},
	    {"image", "img:1", false},
	    {"mounts./cache", "/home/u/cache (read-only)", false},
	    {"mounts./srv/data", "/srv/data (read-write)", false},
	    {"name", "sbx-w-1", false},
	    {"network", "none", false},
	    /* No value of the host, set or not, nor anything made from one. */
	    {"pass_env.TOKEN", "(from the host, per session)", false},
	    {"pass_env.UNSET", "(from the host, per session)", false},
	    {"preserve_state", "false", false},
	    {"resources.cpus", "1.5", false},
	    {"resources.memory", "536870912", false},
	    {"resources.pids", "100", false},
	    {"security", SBX_SECURITY_PROFILE, false},
	    {"user", "1000:1000", false},
	    {"workspace", "/w", false},
	    {"workspace.config", "/w/sandbox.yaml (read-only)", false},
	    {"workspace.owner", "1000:1000", false},
	};
	for (size_t i = 0; i < form.n && i < SBX_ARRAY_SIZE(want); i++) {
		const sbx_fieldv *f = &form.v[i];
		if (strcmp(f->path, want[i].path) != 0 || strcmp(f->value, want[i].value) != 0 ||
		    f->sensitive != want[i].sensitive)
			fail_msg("#%zu: %s = %s (%d), not %s = %s", i, f->path, f->value,
				 f->sensitive, want[i].path, want[i].value);
		/* Every path of the form has its row. */
		assert_int_not_equal(sbx_field_id_of(f->path), SBX_F_UNKNOWN);
	}
	assert_int_equal(form.n, SBX_ARRAY_SIZE(want));

	/* The other spellings: the defaults, shared tokens, no volume, no socket. */
	free(spec->user);
	spec->user = NULL;
	spec->docker_socket = false;
	spec->credentials = SBX_CREDENTIALS_SHARED;
	spec->network = SBX_NETWORK_BRIDGE;
	spec->resources = (sbx_resources){0, 0, 4096};
	spec->preserve_state = true;
	spec->git_identity = false;
	facts.tokens_volume = "sbx-tokens-claude";
	facts.credentials_volume = "sbx-w-creds";
	sbx_spec_fields(spec, &facts, &form);
	const struct {
		const char *path, *value;
	} more[] = {
	    {"user", "(image default)"},
	    {"docker_socket", "false"},
	    {"credentials", "shared (tokens in volume sbx-tokens-claude at /opt/sbx/tokens; "
			    "volume sbx-w-creds at /home/agent/.claude)"},
	    {"network", "bridge"},
	    {"resources.cpus", "unlimited"},
	    {"resources.memory", "unlimited"},
	    {"resources.pids", "4096"},
	    {"preserve_state", "true"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(more); i++) {
		const sbx_fieldv *f = sbx_fields_get(&form, more[i].path);
		assert_non_null(f);
		assert_string_equal(f->value, more[i].value);
	}
	assert_null(sbx_fields_get(&form, "git.author_name"));
	facts.credentials_volume = NULL;
	sbx_spec_fields(spec, &facts, &form);
	assert_string_equal(sbx_fields_get(&form, "credentials")->value, "none");
	sbx_fields_release(&form);
	sbx_spec_free(spec);
}

/* ---- paths ---- */

static void test_paths(void **state)
{
	(void)state;
	_cleanup_free_ char *env = sbx_field_member(SBX_F_ENV, "HOME");
	assert_string_equal(env, "env.HOME");
	assert_string_equal(sbx_field_member_name(env, SBX_F_ENV), "HOME");
	assert_null(sbx_field_member_name(env, SBX_F_PASS_ENV));
	assert_null(sbx_field_member_name("env.", SBX_F_ENV));
	assert_null(sbx_field_member_name("environment", SBX_F_ENV));
	_cleanup_free_ char *pe = sbx_field_member(SBX_F_PASS_ENV, "TOKEN");
	assert_string_equal(pe, "pass_env.TOKEN");
	assert_string_equal(sbx_field_member_name(pe, SBX_F_PASS_ENV), "TOKEN");
	assert_true(sbx_field_in(pe, SBX_F_PASS_ENV));
	assert_false(sbx_field_in(pe, SBX_F_ENV));
	assert_false(sbx_field_in("pass_env.", SBX_F_PASS_ENV));

	const char *variables[] = {"env.X", "pass_env.X", "git.author_name", "git.committer_email"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(variables); i++)
		assert_true(sbx_field_is_variable(variables[i]));
	const char *not_variables[] = {"env.", "pass_env.",	 "git.",    "mounts./x",
				       "name", "resources.cpus", "environ", "gitx.a"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(not_variables); i++)
		assert_false(sbx_field_is_variable(not_variables[i]));

	assert_true(sbx_field_is("name", SBX_F_NAME));
	assert_false(sbx_field_is("names", SBX_F_NAME));
	assert_false(sbx_field_is("env.X", SBX_F_ENV));
	assert_true(sbx_field_is("resources.memory", SBX_F_MEMORY));
	assert_true(sbx_field_is_limit("resources.cpus"));
	assert_true(sbx_field_is_limit("resources.pids"));
	assert_false(sbx_field_is_limit("resources."));

	const struct {
		const char *target, *path;
	} mounts[] = {{"/data", "mounts./data"},
		      {"/data/", "mounts./data"},
		      {"/data///", "mounts./data"},
		      {"/", "mounts./"},
		      {"/a b", "mounts./a b"}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(mounts); i++) {
		_cleanup_free_ char *p = sbx_field_mount_path(mounts[i].target);
		assert_string_equal(p, mounts[i].path);
		assert_int_equal(sbx_field_id_of(p), SBX_F_MOUNTS);
	}

	const char *git[SBX_GIT__COUNT] = {"git.author_name", "git.author_email",
					   "git.committer_name", "git.committer_email"};
	for (size_t i = 0; i < SBX_GIT__COUNT; i++) {
		assert_string_equal(sbx_field_git_path(i), git[i]);
		assert_int_equal(sbx_field_id_of(git[i]), SBX_F_GIT);
	}
}

/* The host paths a form names: what is checked again before every start. */
static void test_host_paths(void **state)
{
	(void)state;
	const struct {
		const char *path, *value, *host;
	} cases[] = {
	    {"workspace", "/w", "/w"},
	    {"workspace.config", "/w/sandbox.yaml (read-only)", "/w/sandbox.yaml"},
	    {"mounts./d", "/src (read-write)", "/src"},
	    {"mounts./d", "/src (read-only)", "/src"},
	    {"mounts./d", "/a (b) (read-only)", "/a (b)"},
	    {"mounts./d", "/src", "/src"}, /* not sbx's words: the whole of it */
	    {"docker_socket", "/run/docker.sock", "/run/docker.sock"},
	    {"docker_socket", "false", NULL},
	    {"env.X", "/not/a/host/path", NULL},
	    {"image", "/x", NULL},
	    {"credentials", "none", NULL},
	    {"from.a.newer.sbx", "/x", NULL},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *h = sbx_field_host_path(cases[i].path, cases[i].value);
		if ((h == NULL) != (cases[i].host == NULL) || (h && strcmp(h, cases[i].host) != 0))
			fail_msg("%s = %s: host path %s, not %s", cases[i].path, cases[i].value,
				 str(h), str(cases[i].host));
	}
}

/* ---- values: formatters and parsers ---- */

static void test_limits(void **state)
{
	(void)state;
	const double cpus[] = {0.01, 0.5, 1, 1.25, 2, 3.75, 64, 1024};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cpus); i++) {
		_cleanup_free_ char *v = sbx_value_cpus(cpus[i]);
		double back = -1;
		assert_true(sbx_value_cpus_parse(v, &back));
		assert_true(back == cpus[i]);
		_cleanup_free_ char *again = sbx_value_cpus(back);
		assert_string_equal(again, v);
		/* The engine's NanoCpus, read back: the same words as the file's. */
		_cleanup_free_ char *engine =
		    sbx_value_cpus((double)(int64_t)(cpus[i] * 1e9) / 1e9);
		assert_string_equal(engine, v);
	}
	_cleanup_free_ char *c2 = sbx_value_cpus(2);
	assert_string_equal(c2, "2");
	_cleanup_free_ char *c15 = sbx_value_cpus(1.5);
	assert_string_equal(c15, "1.5");
	const int64_t ints[] = {1, 100, 4096, 6291456, 4194304, INT64_C(1) << 50};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(ints); i++) {
		_cleanup_free_ char *b = sbx_value_bytes(ints[i]);
		_cleanup_free_ char *c = sbx_value_count(ints[i]);
		char want[32];
		snprintf(want, sizeof(want), "%lld", (long long)ints[i]);
		assert_string_equal(b, want);
		assert_string_equal(c, want);
		int64_t x = -1, y = -1;
		assert_true(sbx_value_bytes_parse(b, &x));
		assert_true(sbx_value_count_parse(c, &y));
		assert_true(x == ints[i] && y == ints[i]);
	}
	/* No limit: 0 and the engine's -1 alike. */
	char *none[] = {sbx_value_cpus(0), sbx_value_cpus(-1), sbx_value_bytes(0),
			sbx_value_count(0), sbx_value_count(-1)};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(none); i++) {
		assert_string_equal(none[i], "unlimited");
		assert_true(sbx_value_is_unlimited(none[i]));
		free(none[i]);
	}
	double d = -1;
	int64_t n = -1;
	assert_true(sbx_value_cpus_parse("unlimited", &d));
	assert_true(d == 0);
	assert_true(sbx_value_count_parse("unlimited", &n));
	assert_int_equal(n, 0);
	const char *bad[] = {"", "0", "-1", "1x", "x", " 2", "Unlimited", "99999999999999999999"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		assert_false(sbx_value_bytes_parse(bad[i], &n));
		assert_false(sbx_value_count_parse(bad[i], &n));
	}
	const char *bad_cpus[] = {"", "0", "-1", "1x", "x", "nan", "Unlimited"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad_cpus); i++)
		assert_false(sbx_value_cpus_parse(bad_cpus[i], &d));
	assert_false(sbx_value_is_unlimited(NULL));
	assert_false(sbx_value_is_unlimited("4096"));
}

static void test_mounts(void **state)
{
	(void)state;
	const char *sources[] = {"/src", "/a b", "/x (read-only)", "/p (q)", "", "/"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sources); i++) {
		for (int ro = 0; ro < 2; ro++) {
			_cleanup_free_ char *v = sbx_value_mount(sources[i], ro);
			_cleanup_free_ char *want =
			    xasprintf("%s (%s)", sources[i], ro ? "read-only" : "read-write");
			assert_string_equal(v, want);
			size_t len = 0;
			bool writable = ro;
			assert_true(sbx_value_mount_parse(v, &len, &writable));
			assert_int_equal(len, strlen(sources[i]));
			assert_memory_equal(v, sources[i], len);
			assert_int_equal(writable, !ro);
		}
	}
	size_t len;
	bool writable = false;
	assert_false(sbx_value_mount_parse("/src", &len, &writable));
	assert_int_equal(len, 4);
	assert_true(writable);
	writable = false;
	assert_false(sbx_value_mount_parse("/src (read-only) ", &len, &writable));
	assert_int_equal(len, 17);
	assert_true(writable);
}

static void test_other_values(void **state)
{
	(void)state;
	bool b = false;
	assert_string_equal(sbx_value_bool(true), "true");
	assert_string_equal(sbx_value_bool(false), "false");
	assert_true(sbx_value_bool_parse(sbx_value_bool(true), &b) && b);
	assert_true(sbx_value_bool_parse(sbx_value_bool(false), &b) && !b);
	assert_false(sbx_value_bool_parse("yes", &b));
	assert_false(sbx_value_bool_parse("", &b));

	assert_string_equal(sbx_value_socket(NULL), "false");
	assert_string_equal(sbx_value_socket("/run/docker.sock"), "/run/docker.sock");
	assert_false(sbx_value_socket_on(sbx_value_socket(NULL)));
	assert_true(sbx_value_socket_on(sbx_value_socket("/s")));
	assert_false(sbx_value_socket_on(NULL));

	/* pass_env's word, and what may stand for a secret: anything else a record says. */
	assert_string_equal(SBX_VALUE_PASS_ENV, "(from the host, per session)");
	assert_false(sbx_field_sensitive("pass_env.T", SBX_VALUE_PASS_ENV));
	assert_true(sbx_field_sensitive("pass_env.T", "hmac-sha256:0a1b"));
	assert_true(sbx_field_sensitive("pass_env.T", "sha256:0a1b"));
	assert_true(sbx_field_sensitive("pass_env.T", "(unset on the host)"));
	assert_false(sbx_field_sensitive("env.T", "hmac-sha256:0a1b"));

	_cleanup_free_ char *c1 = sbx_value_credentials("workspace", "v", "/h", NULL, "/t");
	assert_string_equal(c1, "workspace (volume v at /h)");
	_cleanup_free_ char *c2 = sbx_value_credentials("shared", "v", "/h", "tok", "/t");
	assert_string_equal(c2, "shared (tokens in volume tok at /t; volume v at /h)");
	_cleanup_free_ char *c3 = sbx_value_credentials("shared", NULL, "/h", "tok", "/t");
	assert_string_equal(c3, "none");
	assert_true(sbx_value_credentials_is(c1, SBX_VALUE_WORKSPACE));
	assert_true(sbx_value_credentials_is(c2, SBX_VALUE_SHARED));
	assert_false(sbx_value_credentials_is(c2, SBX_VALUE_WORKSPACE));
	assert_true(sbx_value_credentials_is(c3, SBX_VALUE_NONE));
	assert_true(sbx_value_credentials_is("shared", SBX_VALUE_SHARED));
	assert_false(sbx_value_credentials_is("shared-ish", SBX_VALUE_SHARED));
	assert_false(sbx_value_credentials_is(NULL, SBX_VALUE_SHARED));
	/* Taken apart again for the JSON renderings. */
	sbx_credentials_value cv;
	assert_true(sbx_value_credentials_parse(c1, &cv));
	assert_string_equal(cv.kind, "workspace");
	assert_string_equal(cv.volume, "v");
	assert_string_equal(cv.dir, "/h");
	assert_null(cv.tokens_volume);
	sbx_credentials_value_release(&cv);
	assert_true(sbx_value_credentials_parse(c2, &cv));
	assert_string_equal(cv.kind, "shared");
	assert_string_equal(cv.tokens_volume, "tok");
	assert_string_equal(cv.tokens_dir, "/t");
	assert_string_equal(cv.volume, "v");
	assert_string_equal(cv.dir, "/h");
	sbx_credentials_value_release(&cv);
	assert_true(sbx_value_credentials_parse(c3, &cv));
	assert_string_equal(cv.kind, "none");
	assert_null(cv.volume);
	sbx_credentials_value_release(&cv);
	assert_false(sbx_value_credentials_parse("shared", &cv));
	assert_null(cv.kind);
	assert_false(sbx_value_credentials_parse("shared (volume v)", &cv));
	assert_false(
	    sbx_value_credentials_parse("shared (tokens in volume t at /t; v at /h)", &cv));

	assert_string_equal(sbx_credentials_name(SBX_CREDENTIALS_SHARED), SBX_VALUE_SHARED);
	assert_string_equal(sbx_credentials_name(SBX_CREDENTIALS_NONE), SBX_VALUE_NONE);
	assert_string_equal(sbx_network_name(SBX_NETWORK_BRIDGE), SBX_VALUE_BRIDGE);
	assert_string_equal(sbx_network_name(SBX_NETWORK_NONE), SBX_VALUE_NONE);

	char *argv[] = {"a", "b c", "\"q\"", "back\\slash"};
	_cleanup_free_ char *a = sbx_value_argv(argv, 4);
	assert_string_equal(a, "[\"a\", \"b c\", \"\\\"q\\\"\", \"back\\\\slash\"]");
	_cleanup_free_ char *empty = sbx_value_argv(argv, 0);
	assert_string_equal(empty, "[]");
	/* ... and back, as the JSON renderings take them apart. */
	char **got = NULL;
	size_t n = 9;
	assert_true(sbx_value_argv_parse(a, &got, &n));
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(got[i], argv[i]);
	assert_null(got[4]);
	sbx_strv_free(got);
	assert_true(sbx_value_argv_parse(empty, &got, &n));
	assert_int_equal(n, 0);
	sbx_strv_free(got);
	const char *bad[] = {"", "[", "[\"a\"", "[\"a\",\"b\"]", "[\"a\"] ", "x", "[\"a]"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++)
		assert_false(sbx_value_argv_parse(bad[i], &got, &n));

	/* Compared as text, every field. */
	assert_true(sbx_field_same("pass_env.T", SBX_VALUE_PASS_ENV, SBX_VALUE_PASS_ENV));
	assert_false(sbx_field_same("pass_env.T", "hmac-sha256:1", SBX_VALUE_PASS_ENV));
	assert_false(sbx_field_same("resources.cpus", "2", "2.0"));
	assert_true(sbx_field_same("image", "a", "a"));

	assert_string_equal(sbx_effect_name(SBX_EFFECT_NONE), "none");
	assert_string_equal(sbx_effect_name(SBX_EFFECT_IN_PLACE), "in-place");
	assert_string_equal(sbx_effect_name(SBX_EFFECT_RECREATE), "recreate");
	assert_string_equal(sbx_access_name(SBX_ACCESS_SAME), "same");
	assert_string_equal(sbx_access_name(SBX_ACCESS_WIDENS), "widens");
	assert_string_equal(sbx_access_name(SBX_ACCESS_NARROWS), "narrows");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_row_effects),
	    cmocka_unit_test(test_row_access),
	    cmocka_unit_test(test_baselines_are_defaults),
	    cmocka_unit_test(test_form_spelled_out),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_host_paths),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_mounts),
	    cmocka_unit_test(test_other_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
