#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

/*
 * What a change to each field costs. Resource limits change in place
 * through the update endpoint and the name through rename; the command is
 * only what `sbx run` starts, so it changes nothing on the container, and
 * preserve_state only says how a recreate is done. Everything else is fixed
 * when a container is created, so changing it forces a recreate.
 */
sbx_effect sbx_effect_of(const char *path)
{
	if (strncmp(path, "resources.", 10) == 0 || strcmp(path, "name") == 0)
		return SBX_EFFECT_IN_PLACE;
	if (strcmp(path, "command") == 0 || strcmp(path, "preserve_state") == 0)
		return SBX_EFFECT_NONE;
	return SBX_EFFECT_RECREATE;
}

bool sbx_path_is_security(const char *path)
{
	return strcmp(path, "docker_socket") == 0 || strncmp(path, "mounts.", 7) == 0 ||
	       strncmp(path, "pass_env.", 9) == 0 || strcmp(path, "network") == 0;
}

const char *sbx_action_name(sbx_action_type t)
{
	switch (t) {
	case SBX_ACTION_CREATE:
		return "create";
	case SBX_ACTION_RECREATE:
		return "recreate";
	case SBX_ACTION_RENAME:
		return "rename";
	case SBX_ACTION_UPDATE:
		return "update";
	case SBX_ACTION_START:
		return "start";
	case SBX_ACTION_NONE:
		return "none";
	}
	return "?";
}

static void add_action(sbx_plan *p, sbx_action_type t, char *reason)
{
	p->actions = xreallocarray(p->actions, p->n_actions + 1, sizeof(sbx_action));
	p->actions[p->n_actions++] = (sbx_action){t, reason};
}

/*
 * The update endpoint sets limits but cannot lift one: a limit that goes
 * to or from "unlimited" needs a new container.
 */
static sbx_effect change_effect(const char *path, const sbx_fieldv *was, const sbx_fieldv *now)
{
	sbx_effect e = sbx_effect_of(path);
	if (e == SBX_EFFECT_IN_PLACE && strncmp(path, "resources.", 10) == 0 &&
	    ((was && strcmp(was->value, "unlimited") == 0) ||
	     (now && strcmp(now->value, "unlimited") == 0)))
		return SBX_EFFECT_RECREATE;
	return e;
}

static void add_change(sbx_plan *p, const char *path, const sbx_fieldv *was, const sbx_fieldv *now)
{
	p->changes = xreallocarray(p->changes, p->n_changes + 1, sizeof(sbx_change));
	sbx_change *c = &p->changes[p->n_changes++];
	c->path = xstrdup(path);
	c->old_value = was ? xstrdup(was->value) : NULL;
	c->new_value = now ? xstrdup(now->value) : NULL;
	c->effect = change_effect(path, was, now);
	c->sensitive = (was && was->sensitive) || (now && now->sensitive);
	c->security = sbx_path_is_security(path);
}

/* Walk both sorted sets at once: every path added, removed or changed. */
static void diff_fields(sbx_plan *p, const sbx_fields *want, const sbx_fields *have)
{
	size_t i = 0, j = 0;
	while (i < want->n || j < have->n) {
		int c = i == want->n   ? 1
			: j == have->n ? -1
				       : strcmp(want->v[i].path, have->v[j].path);
		if (c < 0) {
			add_change(p, want->v[i].path, NULL, &want->v[i]);
			i++;
		} else if (c > 0) {
			add_change(p, have->v[j].path, &have->v[j], NULL);
			j++;
		} else {
			if (strcmp(want->v[i].value, have->v[j].value) != 0)
				add_change(p, want->v[i].path, &have->v[j], &want->v[i]);
			i++, j++;
		}
	}
}

static char *paths_of(const sbx_plan *p, sbx_effect effect)
{
	sbx_buf b = SBX_BUF_INIT;
	size_t n = 0;
	for (size_t i = 0; i < p->n_changes; i++) {
		if (p->changes[i].effect != effect)
			continue;
		if (n == 3) {
			sbx_buf_adds(&b, ", ...");
			break;
		}
		sbx_buf_addf(&b, "%s%s", n ? ", " : "", p->changes[i].path);
		n++;
	}
	return sbx_buf_detach(&b);
}

int sbx_plan_make(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual, char **why)
{
	*out = NULL;
	if (why)
		*why = NULL;
	const sbx_fieldv *name = sbx_fields_get(desired, "name");
	sbx_plan *p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name ? name->value : "");

	if (!actual || !actual->exists) {
		static const sbx_fields none = {NULL, 0};
		diff_fields(p, desired, &none);
		add_action(p, SBX_ACTION_CREATE, xstrdup("no sandbox exists for this workspace"));
		add_action(p, SBX_ACTION_START, xstrdup("a new sandbox is started"));
		*out = p;
		return 0;
	}
	if (actual->form_version > SBX_SPEC_FORM_VERSION) {
		if (why) {
			_cleanup_free_ char *q = sbx_quotes(actual->name ? actual->name : "");
			*why = xasprintf("sandbox %s was made by a newer sbx (canonical form %d; "
					 "this sbx reads %d): upgrade sbx",
					 q, actual->form_version, SBX_SPEC_FORM_VERSION);
		}
		sbx_plan_free(p);
		return SBX_ECONFLICT;
	}
	diff_fields(p, desired, &actual->fields);

	bool recreate = false, update = false, rename = false;
	for (size_t i = 0; i < p->n_changes; i++) {
		if (p->changes[i].effect == SBX_EFFECT_RECREATE)
			recreate = true;
		else if (strcmp(p->changes[i].path, "name") == 0)
			rename = true;
		else if (p->changes[i].effect == SBX_EFFECT_IN_PLACE)
			update = true;
	}
	if (recreate) {
		_cleanup_free_ char *paths = paths_of(p, SBX_EFFECT_RECREATE);
		add_action(p, SBX_ACTION_RECREATE, xasprintf("changed: %s", paths));
		add_action(p, SBX_ACTION_START, xstrdup("the new sandbox is started"));
	} else {
		if (rename)
			add_action(p, SBX_ACTION_RENAME,
				   xasprintf("the name changed from %s", actual->name));
		if (update) {
			_cleanup_free_ char *paths = paths_of(p, SBX_EFFECT_IN_PLACE);
			add_action(p, SBX_ACTION_UPDATE, xasprintf("changed: %s", paths));
		}
		if (!actual->running)
			add_action(p, SBX_ACTION_START,
				   xasprintf("the sandbox is %s",
					     actual->status ? actual->status : "stopped"));
	}
	if (p->n_actions == 0)
		add_action(p, SBX_ACTION_NONE, xstrdup("the sandbox is up to date and running"));
	*out = p;
	return 0;
}

bool sbx_plan_has_changes(const sbx_plan *plan)
{
	return !(plan->n_actions == 1 && plan->actions[0].type == SBX_ACTION_NONE);
}

void sbx_plan_free(sbx_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_actions; i++)
		free(plan->actions[i].reason);
	free(plan->actions);
	for (size_t i = 0; i < plan->n_changes; i++) {
		free(plan->changes[i].path);
		free(plan->changes[i].old_value);
		free(plan->changes[i].new_value);
	}
	free(plan->changes);
	free(plan->name);
	free(plan);
}

void sbx_actual_release(sbx_actual *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->name);
	free(a->status);
	free(a->workspace);
	free(a->volume);
	free(a->config_hash);
	sbx_fields_release(&a->fields);
	memset(a, 0, sizeof(*a));
}

/* ---- text ---- */

#define C_GREEN	 "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED	 "\033[31m"
#define C_BOLD	 "\033[1m"
#define C_RESET	 "\033[0m"

static void value_text(sbx_buf *b, const char *v, bool sensitive)
{
	if (sensitive) {
		sbx_buf_adds(b, "(sensitive)");
		return;
	}
	char *q = sbx_quotes(v);
	sbx_buf_adds(b, q);
	free(q);
}

static bool has_action(const sbx_plan *p, sbx_action_type t)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].type == t)
			return true;
	return false;
}

/* One line's start: the symbol in its colour, then the field's path, escaped (labels may lie). */
static void add_path(sbx_buf *b, const char *col, const char *sym, const char *reset,
		     const char *path)
{
	_cleanup_free_ char *p = sbx_escape(path);
	sbx_buf_addf(b, "      %s%s%s %s", col, sym, reset, p);
}

char *sbx_plan_render(const sbx_plan *plan, const sbx_fields *desired, bool color)
{
	sbx_buf b = SBX_BUF_INIT;
	const char *g = color ? C_GREEN : "", *y = color ? C_YELLOW : "", *r = color ? C_RED : "";
	const char *bold = color ? C_BOLD : "", *reset = color ? C_RESET : "";
	_cleanup_free_ char *qname = sbx_quotes(plan->name);
	bool create = has_action(plan, SBX_ACTION_CREATE);
	bool recreate = has_action(plan, SBX_ACTION_RECREATE);
	bool in_place = has_action(plan, SBX_ACTION_UPDATE) || has_action(plan, SBX_ACTION_RENAME);
	bool start = has_action(plan, SBX_ACTION_START);

	if (!sbx_plan_has_changes(plan)) {
		sbx_buf_addf(&b, "No changes. Sandbox %s is up to date and running.\n", qname);
		/* Changes that touch nothing on the container (command): shown, not applied. */
		for (size_t i = 0; i < plan->n_changes; i++) {
			const sbx_change *c = &plan->changes[i];
			add_path(&b, y, "~", reset, c->path);
			sbx_buf_adds(&b, ": ");
			value_text(&b, c->old_value ? c->old_value : "", c->sensitive);
			sbx_buf_adds(&b, " -> ");
			value_text(&b, c->new_value ? c->new_value : "", c->sensitive);
			sbx_buf_adds(&b, "  # no change to the container (used by sbx run)\n");
		}
		return sbx_buf_detach(&b);
	}
	if (create) {
		sbx_buf_addf(&b, "%s  +%s sandbox %s%s%s will be created\n", g, reset, bold, qname,
			     reset);
		for (size_t i = 0; i < desired->n; i++) {
			const sbx_fieldv *f = &desired->v[i];
			add_path(&b, g, "+", reset, f->path);
			sbx_buf_adds(&b, " = ");
			value_text(&b, f->value, f->sensitive);
			if (sbx_path_is_security(f->path) && strcmp(f->value, "false") != 0 &&
			    strcmp(f->value, "bridge") != 0)
				sbx_buf_adds(&b, "  # opens the host");
			sbx_buf_addc(&b, '\n');
		}
	} else {
		if (recreate)
			sbx_buf_addf(&b, "%s-/+%s sandbox %s%s%s must be replaced\n", r, reset,
				     bold, qname, reset);
		else if (in_place)
			sbx_buf_addf(&b, "%s  ~%s sandbox %s%s%s will be updated in place\n", y,
				     reset, bold, qname, reset);
		else if (plan->n_changes)
			sbx_buf_addf(&b, "  sandbox %s%s%s: recorded changes only\n", bold, qname,
				     reset);
		for (size_t i = 0; i < plan->n_changes; i++) {
			const sbx_change *c = &plan->changes[i];
			const char *sym = !c->old_value ? "+" : !c->new_value ? "-" : "~";
			const char *col = !c->old_value ? g : !c->new_value ? r : y;
			add_path(&b, col, sym, reset, c->path);
			if (c->old_value && c->new_value) {
				sbx_buf_adds(&b, ": ");
				value_text(&b, c->old_value, c->sensitive);
				sbx_buf_adds(&b, " -> ");
				value_text(&b, c->new_value, c->sensitive);
			} else {
				sbx_buf_adds(&b, " = ");
				value_text(&b, c->old_value ? c->old_value : c->new_value,
					   c->sensitive);
			}
			if (c->effect == SBX_EFFECT_RECREATE)
				sbx_buf_addf(&b, "  %s# forces recreate%s", r, reset);
			else if (c->effect == SBX_EFFECT_NONE)
				sbx_buf_adds(&b, "  # no change to the container");
			if (c->security)
				sbx_buf_adds(&b, "  # security");
			sbx_buf_addc(&b, '\n');
		}
	}
	if (start && !create && !recreate) {
		const char *reason = "";
		for (size_t i = 0; i < plan->n_actions; i++)
			if (plan->actions[i].type == SBX_ACTION_START)
				reason = plan->actions[i].reason;
		sbx_buf_addf(&b, "%s  >%s sandbox %s%s%s will be started (%s)\n", g, reset, bold,
			     qname, reset, reason);
	}
	sbx_buf_addf(&b,
		     "\n%sPlan:%s %d to create, %d to replace, %d to update in place, %d to "
		     "start.\n",
		     bold, reset, create, recreate, in_place, start && !create && !recreate);
	return sbx_buf_detach(&b);
}
