/*
 * The README's words against the code. "What a change does" is a table of
 * changes with the plan line each makes (`path`: `old` → `new`, — for
 * absent): every example is built into a desired/actual pair and planned,
 * and the plan must have the effect and the host access the row says.
 * Every row of the plan's field table must have an example. The schema's
 * descriptions of resource limits say the same. The Status paragraph may
 * not call missing what the code has. Run from the
 * repository's top directory, as test_plan is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/plan.h"
#include "lib/util.h"
#include "slurp.h"

#define README "README.md"
#define ABSENT "\xe2\x80\x94" /* — */
#define ARROW  "\xe2\x86\x92" /* → */

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* A table cell without the spaces around it (in place). */
static char *trim(char *cell)
{
	cell = (char *)skip_spaces(cell);
	size_t n = strlen(cell);
	while (n && cell[n - 1] == ' ')
		cell[--n] = '\0';
	return cell;
}

/* A `code` span into *out, or — into NULL. Returns where it ends, or NULL when neither. */
static const char *token(const char *p, char **out)
{
	p = skip_spaces(p);
	*out = NULL;
	if (strncmp(p, ABSENT, strlen(ABSENT)) == 0)
		return p + strlen(ABSENT);
	if (*p != '`')
		return NULL;
	const char *end = strchr(p + 1, '`');
	if (!end)
		return NULL;
	*out = xstrndup(p + 1, (size_t)(end - p - 1));
	return end + 1;
}

typedef struct example {
	char *path, *was, *now;
} example;

/* "`path`: OLD → NEW" at *p; advances past it. */
static bool parse_example(const char **p, example *ex)
{
	memset(ex, 0, sizeof(*ex));
	const char *q = token(*p, &ex->path);
	if (!q || !ex->path || *q != ':')
		return false;
	if (!(q = token(q + 1, &ex->was)))
		return false;
	q = skip_spaces(q);
	if (strncmp(q, ARROW, strlen(ARROW)) != 0)
		return false;
	if (!(q = token(q + strlen(ARROW), &ex->now)))
		return false;
	*p = skip_spaces(q);
	return true;
}

static void example_release(example *ex)
{
	free(ex->path);
	free(ex->was);
	free(ex->now);
}

static bool has_action(const sbx_plan *p, sbx_action_type t)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].type == t)
			return true;
	return false;
}

/* Plan the example against a running sandbox and hold it to the row's words. */
static void check_example(const example *ex, sbx_effect effect, sbx_access access, const char *row)
{
	sbx_fields want = {0}, have = {0};
	bool is_name = strcmp(ex->path, "name") == 0;
	const char *old_name = is_name ? ex->was : "sbx-x";
	sbx_fields_set(&want, "name", is_name ? ex->now : "sbx-x", false);
	sbx_fields_set(&have, "name", old_name, false);
	if (!is_name) {
		if (ex->now)
			sbx_fields_set(&want, ex->path, ex->now, false);
		if (ex->was)
			sbx_fields_set(&have, ex->path, ex->was, false);
	}
	sbx_actual a = {.exists = true,
			.name = (char *)old_name,
			.running = true,
			.form_version = SBX_SPEC_FORM_VERSION,
			.fields = have};
	sbx_plan *p = NULL;
	assert_int_equal(sbx_plan_make(&p, &want, &a, NULL), 0);
	const char *why = NULL;
	if (effect == SBX_EFFECT_NONE) {
		/*
		 * Not a change of a sandbox that exists; which way it moves host
		 * access still shows where the plan lists it (a create).
		 */
		if (p->n_changes != 0 || sbx_plan_has_changes(p))
			why = "the plan lists it or has something to do";
		else if (sbx_change_access(ex->path, ex->was, ex->now) != access)
			why = "the field's host access differs";
	} else if (p->n_changes != 1 || strcmp(p->changes[0].path, ex->path) != 0) {
		why = "the plan does not list exactly this change";
	} else if (p->changes[0].effect != effect) {
		why = "the change's effect differs";
	} else if (effect == SBX_EFFECT_RECREATE && !has_action(p, SBX_ACTION_RECREATE)) {
		why = "the plan does not recreate";
	} else if (effect == SBX_EFFECT_IN_PLACE &&
		   (has_action(p, SBX_ACTION_RECREATE) ||
		    !has_action(p, is_name ? SBX_ACTION_RENAME : SBX_ACTION_UPDATE))) {
		why = "the plan does not change it in place";
	} else if (p->changes[0].access != access) {
		why = "the change's host access differs";
	}
	if (why)
		fail_msg("README row '%s': %s: %s -> %s: %s (the plan: effect %d, access %s)", row,
			 ex->path, ex->was ? ex->was : "(absent)", ex->now ? ex->now : "(absent)",
			 why, p->n_changes ? (int)p->changes[0].effect : -1,
			 sbx_access_name(p->n_changes
					     ? p->changes[0].access
					     : sbx_change_access(ex->path, ex->was, ex->now)));
	sbx_plan_free(p);
	sbx_fields_release(&want);
	sbx_fields_release(&have);
}

static void test_effects_table(void **state)
{
	(void)state;
	_cleanup_free_ char *text = slurp(README);
	if (!text)
		fail_msg("%s: run from the repository's top directory", README);
	static const char header[] = "| field | change | example | effect | host access |\n";
	char *line = strstr(text, header);
	if (!line)
		fail_msg("%s has no table '%.*s'", README, (int)strlen(header) - 1, header);
	line = strchr(line + strlen(header), '\n') + 1; /* past the |---| line */

	size_t n_rules;
	const sbx_field_rule *rules = sbx_field_rules(&n_rules);
	size_t *covered = xcalloc(n_rules, sizeof(size_t));
	size_t rows = 0, examples = 0;
	while (line[0] == '|') {
		char *eol = strchr(line, '\n');
		_cleanup_free_ char *row =
		    xstrndup(line, eol ? (size_t)(eol - line) : strlen(line));
		line = eol ? eol + 1 : line + strlen(line);
		char *cells[7] = {0};
		size_t nc = 0;
		for (char *c = row; c && nc < 7; nc++) {
			cells[nc] = c;
			c = strchr(c, '|');
			if (c)
				*c++ = '\0';
		}
		if (nc != 7 || *skip_spaces(cells[6]) != '\0')
			fail_msg("README row '%s' has not 5 cells", row);
		for (size_t i = 1; i < 6; i++)
			cells[i] = trim(cells[i]);
		const char *eff = skip_spaces(cells[4]), *acc = skip_spaces(cells[5]);
		sbx_effect effect = SBX_EFFECT_NONE;
		if (strncmp(eff, "in place", 8) == 0)
			effect = SBX_EFFECT_IN_PLACE;
		else if (strncmp(eff, "forces recreate", 15) == 0)
			effect = SBX_EFFECT_RECREATE;
		else if (strncmp(eff, "none on the container", 21) == 0)
			effect = SBX_EFFECT_NONE;
		else
			fail_msg("README row '%s': unknown effect '%s'", cells[1], eff);
		sbx_access access = SBX_ACCESS_SAME;
		if (strncmp(acc, "widens", 6) == 0)
			access = SBX_ACCESS_WIDENS;
		else if (strncmp(acc, "narrows", 7) == 0)
			access = SBX_ACCESS_NARROWS;
		else if (strncmp(acc, ABSENT, strlen(ABSENT)) == 0)
			access = SBX_ACCESS_SAME;
		else
			fail_msg("README row '%s': unknown host access '%s'", cells[1], acc);

		const char *p = cells[3];
		for (;;) {
			example ex;
			if (!parse_example(&p, &ex))
				fail_msg("README row '%s': cannot read the example at '%s'",
					 cells[1], p);
			check_example(&ex, effect, access, cells[1]);
			const sbx_field_rule *r = sbx_field_rule_of(ex.path);
			for (size_t i = 0; i < n_rules; i++)
				covered[i] += r == &rules[i];
			example_release(&ex);
			examples++;
			if (*p != ';')
				break;
			p++;
		}
		if (*skip_spaces(p) != '\0')
			fail_msg("README row '%s': text after the examples: '%s'", cells[1], p);
		rows++;
	}
	for (size_t i = 0; i < n_rules; i++)
		if (!covered[i])
			fail_msg("the README's table has no example of %s%s", rules[i].path,
				 rules[i].path[strlen(rules[i].path) - 1] == '.' ? "*" : "");
	free(covered);
	print_message("%zu rows, %zu examples checked against the plan\n", rows, examples);
	assert_true(rows > 0);
}

/* The schema tells editors what a limit change costs: the table's words, not "in place". */
static void test_schema_resources(void **state)
{
	(void)state;
	json_object *schema = json_object_from_file("schema/sandbox.schema.json");
	assert_non_null(schema);
	json_object *props, *res, *rprops, *o, *d;
	assert_true(json_object_object_get_ex(schema, "properties", &props));
	assert_true(json_object_object_get_ex(props, "resources", &res));
	assert_true(json_object_object_get_ex(res, "properties", &rprops));
	json_object *describe[] = {res, NULL, NULL};
	assert_true(json_object_object_get_ex(rprops, "cpus", &describe[1]));
	assert_true(json_object_object_get_ex(rprops, "memory", &describe[2]));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(describe); i++) {
		o = describe[i];
		assert_true(json_object_object_get_ex(o, "description", &d));
		const char *text = json_object_get_string(d);
		if (!strstr(text, "in place") || !strstr(text, "recreates the sandbox"))
			fail_msg("the schema's description '%s' does not say which limit changes "
				 "apply in place and which recreate",
				 text);
	}
	json_object_put(schema);
}

/* What the code has, the Status paragraph may not call missing. */
static void test_status(void **state)
{
	(void)state;
	_cleanup_free_ char *text = slurp(README);
	assert_non_null(text);
	char *status = strstr(text, "**Status.**");
	assert_non_null(status);
	char *end = strstr(status, "\n\n");
	assert_non_null(end);
	*end = '\0';
	for (char *p = status; p != end; p++)
		if (*p == '\n')
			*p = ' ';
	const char *done[] = {"hardened", "policy file", "re-check",  "trust",	    "validate",
			      "apply",	  "`sbx exec`",	 "`sbx run`", "`sbx shell`"};
	/* Clause by clause (";", or "." and a space): a clause that says "not yet" names what is
	 * missing. */
	for (char *clause = status; clause && *clause;) {
		char *next = NULL;
		for (char *p = clause; *p; p++)
			if (*p == ';' || (*p == '.' && (p[1] == ' ' || p[1] == '\0'))) {
				*p = '\0';
				next = p + 1;
				break;
			}
		if (strstr(clause, "not yet") || strstr(clause, "ot there yet"))
			for (size_t i = 0; i < SBX_ARRAY_SIZE(done); i++)
				if (strstr(clause, done[i]))
					fail_msg(
					    "README Status calls '%s' missing; it is done: '%s'",
					    done[i], clause);
		clause = next;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_effects_table),
	    cmocka_unit_test(test_schema_resources),
	    cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests_name("readme", tests, NULL, NULL);
}
