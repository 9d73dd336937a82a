#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

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

bool sbx_keep_kept(sbx_keep k)
{
	return k == SBX_KEEP_SNAPSHOT;
}

char *sbx_keep_reason(const sbx_action *a)
{
	switch (a->keep) {
	case SBX_KEEP_OFF:
		return xstrdup("preserve_state is false");
	case SBX_KEEP_SNAPSHOT:
		return xstrdup(
		    "preserve_state: the new sandbox starts from a snapshot of the old one");
	case SBX_KEEP_IMAGE_CHANGED:
		return xstrdup("the image changed: the new sandbox starts from it");
	}
	return xstrdup("?");
}

const sbx_action *sbx_plan_action(const sbx_plan *plan, sbx_action_type t)
{
	for (size_t i = 0; i < plan->n_actions; i++)
		if (plan->actions[i].type == t)
			return &plan->actions[i];
	return NULL;
}

static sbx_action *add_action(sbx_plan *p, sbx_action_type t, char *reason)
{
	p->actions = xreallocarray(p->actions, p->n_actions + 1, sizeof(sbx_action));
	sbx_action *a = &p->actions[p->n_actions++];
	*a = (sbx_action){.type = t, .reason = reason};
	return a;
}

/*
 * What a recreate does with the installed state. A snapshot holds the old
 * container's file system and nothing of its config (the backend's
 * snapshot: the image's own environment and user, sbx's labels): a
 * variable removed from the file, or a pass_env value an earlier sbx put
 * in the container's environment, does not live on in it, so every change
 * that keeps the image keeps the state. A changed image is a new base: the
 * snapshot of the old one would hide it.
 */
static void decide_keep(sbx_action *a, const sbx_plan *p, const sbx_fields *desired)
{
	const sbx_fieldv *ps = sbx_fields_get(desired, sbx_field_path(SBX_F_PRESERVE_STATE));
	bool image_changed = false;
	for (size_t i = 0; i < p->n_changes; i++)
		if (sbx_field_is(p->changes[i].path, SBX_F_IMAGE))
			image_changed = true;
	bool keep = false;
	if (!ps || !sbx_value_bool_parse(ps->value, &keep) || !keep)
		a->keep = SBX_KEEP_OFF;
	else if (image_changed)
		a->keep = SBX_KEEP_IMAGE_CHANGED;
	else
		a->keep = SBX_KEEP_SNAPSHOT;
}

/*
 * One changed path. On create there is no before: host access is judged
 * against what a file that does not set the field gets (its baseline), so
 * `network: none` narrows and a mount widens; and so is a field that an
 * older sandbox's record lacks.
 */
static void add_change(sbx_plan *p, const char *path, const sbx_fieldv *was, const sbx_fieldv *now)
{
	p->changes = xreallocarray(p->changes, p->n_changes + 1, sizeof(sbx_change));
	sbx_change *c = &p->changes[p->n_changes++];
	*c = (sbx_change){0};
	c->path = xstrdup(path);
	c->old_value = was ? xstrdup(was->value) : NULL;
	c->new_value = now ? xstrdup(now->value) : NULL;
	c->effect = sbx_change_effect(path, c->old_value, c->new_value);
	c->access = sbx_change_access(path, c->old_value, c->new_value);
	c->security = sbx_change_security(path, c->old_value, c->new_value);
	c->sensitive = (was && was->sensitive) || (now && now->sensitive);
}

/* Nothing on the container holds it: sbx reads it from the file when it uses it. */
static bool off_container(const char *path)
{
	return sbx_field_rule_of(path)->effect == SBX_EFFECT_NONE;
}

/*
 * Walk both sorted sets at once: every path added, removed or changed.
 * Against an existing sandbox, a field that is not on the container is no
 * change: there is nothing to apply, and a sandbox's record cannot be
 * changed without a new container (the engine's labels are fixed at
 * create), so counting it would show it as pending forever.
 */
static void diff_fields(sbx_plan *p, const sbx_fields *want, const sbx_fields *have, bool existing,
			bool paper)
{
	size_t i = 0, j = 0;
	while (i < want->n || j < have->n) {
		int c = i == want->n   ? 1
			: j == have->n ? -1
				       : strcmp(want->v[i].path, have->v[j].path);
		const char *path = c > 0 ? have->v[j].path : want->v[i].path;
		if (existing && !paper && off_container(path)) {
			i += c <= 0;
			j += c >= 0;
			continue;
		}
		if (c < 0) {
			add_change(p, want->v[i].path, NULL, &want->v[i]);
			i++;
		} else if (c > 0) {
			add_change(p, have->v[j].path, &have->v[j], NULL);
			j++;
		} else {
			if (!sbx_field_same(want->v[i].path, want->v[i].value, have->v[j].value))
				add_change(p, want->v[i].path, &have->v[j], &want->v[i]);
			i++, j++;
		}
	}
}

static const sbx_change *find_change(const sbx_plan *p, sbx_field_id id)
{
	for (size_t i = 0; i < p->n_changes; i++)
		if (sbx_field_is(p->changes[i].path, id))
			return &p->changes[i];
	return NULL;
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

static int make(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual, char **why,
		bool paper)
{
	*out = NULL;
	if (why)
		*why = NULL;
	const sbx_fieldv *name = sbx_fields_get(desired, sbx_field_path(SBX_F_NAME));
	sbx_plan *p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name ? name->value : "");

	if (!actual || !actual->exists) {
		static const sbx_fields none = {NULL, 0};
		diff_fields(p, desired, &none, false, paper);
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
	diff_fields(p, desired, &actual->fields, true, paper);
	/*
	 * The reference is the same, the image it names is not (rebuilt, or
	 * pulled anew): the sandbox runs the one it was made from, so a
	 * recreate, from the new one.
	 */
	if (actual->image_id && actual->image_now && strcmp(actual->image_id, actual->image_now) &&
	    !find_change(p, SBX_F_IMAGE)) {
		const char *path = sbx_field_path(SBX_F_IMAGE);
		sbx_fieldv was = {.path = (char *)path, .value = actual->image_id};
		sbx_fieldv now = {.path = (char *)path, .value = actual->image_now};
		add_change(p, path, &was, &now);
		p->changes[p->n_changes - 1].effect = SBX_EFFECT_RECREATE;
		p->changes[p->n_changes - 1].access = SBX_ACCESS_SAME;
		p->changes[p->n_changes - 1].image_update = true;
	}

	bool recreate = actual->force_recreate, update = false, rename = false;
	for (size_t i = 0; i < p->n_changes; i++) {
		if (p->changes[i].effect == SBX_EFFECT_RECREATE)
			recreate = true;
		else if (sbx_field_is(p->changes[i].path, SBX_F_NAME))
			rename = true;
		else if (p->changes[i].effect == SBX_EFFECT_IN_PLACE)
			update = true;
	}
	if (recreate) {
		_cleanup_free_ char *paths = paths_of(p, SBX_EFFECT_RECREATE);
		sbx_action *a = add_action(p, SBX_ACTION_RECREATE,
					   *paths ? xasprintf("changed: %s", paths)
						  : xstrdup("asked for (--recreate)"));
		decide_keep(a, p, desired);
		add_action(p, SBX_ACTION_START, xstrdup("the new sandbox is started"));
	} else {
		if (rename)
			add_action(p, SBX_ACTION_RENAME,
				   xasprintf("the name changed from %s", actual->name))
			    ->from = xstrdup(actual->name);
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

int sbx_plan_make(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual, char **why)
{
	return make(out, desired, actual, why, false);
}

int sbx_plan_make_paper(sbx_plan **out, const sbx_fields *desired, const sbx_actual *actual)
{
	return make(out, desired, actual, NULL, true);
}

bool sbx_plan_has_changes(const sbx_plan *plan)
{
	return plan->n_changes > 0 ||
	       !(plan->n_actions == 1 && plan->actions[0].type == SBX_ACTION_NONE);
}

size_t sbx_plan_security(const sbx_plan *plan)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->n_changes; i++)
		n += plan->changes[i].security != NULL;
	return n;
}

bool sbx_plan_widens(const sbx_plan *plan)
{
	for (size_t i = 0; i < plan->n_changes; i++)
		if (plan->changes[i].access == SBX_ACCESS_WIDENS)
			return true;
	return false;
}

bool sbx_plan_changed_while_running(const sbx_plan *plan, const sbx_actual *actual,
				    const char *config_hash)
{
	return actual && actual->exists && actual->running && actual->config_hash && config_hash &&
	       strcmp(actual->config_hash, config_hash) != 0 && sbx_plan_widens(plan);
}

void sbx_plan_free(sbx_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_actions; i++) {
		sbx_action *a = &plan->actions[i];
		free(a->reason);
		free(a->from);
	}
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
	free(a->workspace_id);
	free(a->volume);
	free(a->config_hash);
	free(a->image_id);
	free(a->image_now);
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
		sbx_buf_adds(b, SBX_VALUE_SENSITIVE);
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
		return sbx_buf_detach(&b);
	}
	/* Above the plan, impossible to miss: what a security review must see. */
	size_t n_security = sbx_plan_security(plan);
	if (n_security) {
		sbx_buf_addf(&b, "%s!! %zu security-relevant change%s: review before approving%s\n",
			     r, n_security, n_security == 1 ? "" : "s", reset);
		for (size_t i = 0; i < plan->n_changes; i++) {
			const sbx_change *c = &plan->changes[i];
			if (!c->security)
				continue;
			_cleanup_free_ char *qp = sbx_escape(c->path);
			sbx_buf_addf(&b, "%s!!%s   %s %s: %s\n", r, reset,
				     !c->old_value   ? "+"
				     : !c->new_value ? "-"
						     : "~",
				     qp, c->security);
		}
		sbx_buf_addc(&b, '\n');
	}
	if (create) {
		sbx_buf_addf(&b, "%s  +%s sandbox %s%s%s will be created\n", g, reset, bold, qname,
			     reset);
		for (size_t i = 0; i < desired->n; i++) {
			const sbx_fieldv *f = &desired->v[i];
			add_path(&b, g, "+", reset, f->path);
			sbx_buf_adds(&b, " = ");
			value_text(&b, f->value, f->sensitive);
			if (sbx_change_access(f->path, NULL, f->value) == SBX_ACCESS_WIDENS)
				sbx_buf_addf(&b, "  %s# widens host access%s", r, reset);
			sbx_buf_addc(&b, '\n');
		}
	} else {
		if (recreate)
			sbx_buf_addf(&b, "%s-/+%s sandbox %s%s%s must be replaced\n", r, reset,
				     bold, qname, reset);
		else if (in_place)
			sbx_buf_addf(&b, "%s  ~%s sandbox %s%s%s will be updated in place\n", y,
				     reset, bold, qname, reset);
		else if (!start)
			sbx_buf_addf(&b,
				     "    sandbox %s%s%s keeps its container: what changed is read "
				     "for each session, not held by it\n",
				     bold, qname, reset);
		for (size_t i = 0; i < plan->n_changes; i++) {
			const sbx_change *c = &plan->changes[i];
			const char *sym = !c->old_value ? "+" : !c->new_value ? "-" : "~";
			const char *col = !c->old_value ? g : !c->new_value ? r : y;
			add_path(&b, col, sym, reset, c->path);
			if (c->image_update) {
				_cleanup_free_ char *o = sbx_escape(c->old_value);
				_cleanup_free_ char *n = sbx_escape(c->new_value);
				sbx_buf_addf(&b, ": updated (%.19s… → %.19s…)", o, n);
			} else if (c->old_value && c->new_value) {
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
			if (c->access == SBX_ACCESS_WIDENS)
				sbx_buf_addf(&b, "  %s# widens host access%s", r, reset);
			else if (c->access == SBX_ACCESS_NARROWS)
				sbx_buf_adds(&b, "  # narrows host access");
			sbx_buf_addc(&b, '\n');
		}
	}
	const sbx_action *re = sbx_plan_action(plan, SBX_ACTION_RECREATE);
	if (re) {
		_cleanup_free_ char *reason = sbx_keep_reason(re);
		_cleanup_free_ char *why = sbx_escape(reason); /* a path from a label */
		sbx_buf_addf(&b, "      installed state: %s (%s)\n",
			     sbx_keep_kept(re->keep) ? "kept" : "not kept", why);
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

char *sbx_plan_render_deleted(const sbx_fields *was, bool color)
{
	sbx_buf b = SBX_BUF_INIT;
	const char *r = color ? C_RED : "", *reset = color ? C_RESET : "";
	sbx_buf_addf(&b,
		     "%s  -%s the file is deleted: apply has no sandbox to converge here; one "
		     "made from it stays until `sbx rm` removes it\n",
		     r, reset);
	for (size_t i = 0; i < was->n; i++) {
		add_path(&b, r, "-", reset, was->v[i].path);
		sbx_buf_adds(&b, " = ");
		value_text(&b, was->v[i].value, was->v[i].sensitive);
		sbx_buf_addc(&b, '\n');
	}
	return sbx_buf_detach(&b);
}
