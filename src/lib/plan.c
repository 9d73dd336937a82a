#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

/*
 * Host access, field by field. Each function is told a field's value before
 * and after (NULL: absent) and says whether the sandbox then reaches more
 * of the host, or less. They read the values the canonical form writes
 * (spec.c, sbx_spec_fields), never the file's words.
 */

/* docker_socket: "false", or the host path of the engine's socket. */
static sbx_access socket_access(const char *was, const char *now)
{
	bool a = was && strcmp(was, "false") != 0, b = now && strcmp(now, "false") != 0;
	if (a != b)
		return b ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
	/* Another engine's socket is another root on the host. */
	return a && strcmp(was, now) != 0 ? SBX_ACCESS_WIDENS : SBX_ACCESS_SAME;
}

/* A mount's value: "SOURCE (read-only)" or "SOURCE (read-write)". */
static void mount_parts(const char *v, size_t *src_len, bool *writable)
{
	static const char ro[] = " (read-only)", rw[] = " (read-write)";
	size_t n = strlen(v);
	if (n >= sizeof(rw) - 1 && strcmp(v + n - (sizeof(rw) - 1), rw) == 0) {
		*src_len = n - (sizeof(rw) - 1);
		*writable = true;
		return;
	}
	if (n >= sizeof(ro) - 1 && strcmp(v + n - (sizeof(ro) - 1), ro) == 0) {
		*src_len = n - (sizeof(ro) - 1);
		*writable = false;
		return;
	}
	/* Not sbx's words (a label someone wrote): assume the worst, a writable mount. */
	*src_len = n;
	*writable = true;
}

static sbx_access mount_access(const char *was, const char *now)
{
	if (!was)
		return now ? SBX_ACCESS_WIDENS : SBX_ACCESS_SAME;
	if (!now)
		return SBX_ACCESS_NARROWS;
	size_t la, lb;
	bool wa, wb;
	mount_parts(was, &la, &wa);
	mount_parts(now, &lb, &wb);
	/* Another host directory at the same target: the sandbox sees what it did not. */
	if (la != lb || strncmp(was, now, la) != 0)
		return SBX_ACCESS_WIDENS;
	if (wa != wb)
		return wb ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
	return SBX_ACCESS_SAME;
}

/*
 * pass_env: a host variable's value goes in only when the host has it (its
 * keyed digest, "hmac-sha256:..."); "(unset on the host)" passes nothing. A new value
 * of a variable already passed is the same access.
 */
static bool passed(const char *v)
{
	/* "sha256:" is what sbx labelled before its digests were keyed. */
	return v && (strncmp(v, "hmac-sha256:", 12) == 0 || strncmp(v, "sha256:", 7) == 0);
}

static sbx_access pass_env_access(const char *was, const char *now)
{
	bool a = passed(was);
	bool b = passed(now);
	return a == b ? SBX_ACCESS_SAME : b ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
}

/* network: "none" reaches nothing; any other network reaches the host's networks. */
static sbx_access network_access(const char *was, const char *now)
{
	bool a = was && strcmp(was, "none") != 0, b = now && strcmp(now, "none") != 0;
	return a == b ? SBX_ACCESS_SAME : b ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
}

/*
 * credentials: "shared (volume ...)" is one volume for every sandbox of the
 * agent, whatever their workspace: what one sandbox writes there (a token,
 * the agent's settings and hooks) the others read. "workspace (...)" and
 * "none" reach no other sandbox.
 */
static bool shared_credentials(const char *v)
{
	return v && strncmp(v, "shared", 6) == 0 && (v[6] == '\0' || v[6] == ' ');
}

static sbx_access credentials_access(const char *was, const char *now)
{
	bool a = shared_credentials(was), b = shared_credentials(now);
	return a == b ? SBX_ACCESS_SAME : b ? SBX_ACCESS_WIDENS : SBX_ACCESS_NARROWS;
}

/*
 * The field table. Resource limits change in place through the update
 * endpoint (but see sbx_change_effect) and the name through a rename; the
 * command is only what `sbx run` starts and preserve_state only how a
 * recreate is done, so neither is on the container. Everything else is
 * fixed when a container is created: changing it forces a recreate.
 */
static const sbx_field_rule field_rules[] = {
    {"agent", SBX_EFFECT_RECREATE, NULL, NULL},
    {"command", SBX_EFFECT_NONE, NULL, NULL},
    {"credentials", SBX_EFFECT_RECREATE, credentials_access, "shared"},
    {"docker_socket", SBX_EFFECT_RECREATE, socket_access, "false"},
    {"docker_socket.group", SBX_EFFECT_RECREATE, NULL, NULL},
    {"env.", SBX_EFFECT_RECREATE, NULL, NULL},
    {"git.", SBX_EFFECT_RECREATE, NULL, NULL},
    {"image", SBX_EFFECT_RECREATE, NULL, NULL},
    {"mounts.", SBX_EFFECT_RECREATE, mount_access, NULL},
    {"name", SBX_EFFECT_IN_PLACE, NULL, NULL},
    {"network", SBX_EFFECT_RECREATE, network_access, "bridge"},
    {"pass_env.", SBX_EFFECT_RECREATE, pass_env_access, NULL},
    {"preserve_state", SBX_EFFECT_NONE, NULL, NULL},
    {"resources.cpus", SBX_EFFECT_IN_PLACE, NULL, NULL},
    {"resources.memory", SBX_EFFECT_IN_PLACE, NULL, NULL},
    {"resources.pids", SBX_EFFECT_IN_PLACE, NULL, NULL},
    {"security", SBX_EFFECT_RECREATE, NULL, NULL},
    {"user", SBX_EFFECT_RECREATE, NULL, NULL},
    {"workspace", SBX_EFFECT_RECREATE, NULL, NULL},
    {"workspace.config", SBX_EFFECT_RECREATE, NULL, NULL},
    {"workspace.owner", SBX_EFFECT_RECREATE, NULL, NULL},
};

/* A path the table does not know (a label from another sbx): fixed at create, as most are. */
static const sbx_field_rule unknown_rule = {"", SBX_EFFECT_RECREATE, NULL, NULL};

const sbx_field_rule *sbx_field_rules(size_t *n)
{
	*n = SBX_ARRAY_SIZE(field_rules);
	return field_rules;
}

const sbx_field_rule *sbx_field_rule_of(const char *path)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(field_rules); i++) {
		const char *r = field_rules[i].path;
		size_t n = strlen(r);
		bool family = r[n - 1] == '.';
		if (family ? strncmp(path, r, n) == 0 && path[n] : strcmp(path, r) == 0)
			return &field_rules[i];
	}
	return &unknown_rule;
}

/*
 * The update endpoint sets limits but cannot lift one: a limit that goes
 * to or from "unlimited" needs a new container.
 */
sbx_effect sbx_change_effect(const char *path, const char *was, const char *now)
{
	sbx_effect e = sbx_field_rule_of(path)->effect;
	if (e == SBX_EFFECT_IN_PLACE && strncmp(path, "resources.", 10) == 0 &&
	    ((was && strcmp(was, "unlimited") == 0) || (now && strcmp(now, "unlimited") == 0)))
		return SBX_EFFECT_RECREATE;
	return e;
}

sbx_access sbx_change_access(const char *path, const char *was, const char *now)
{
	const sbx_field_rule *r = sbx_field_rule_of(path);
	if (!r->access)
		return SBX_ACCESS_SAME;
	/* An absent value is what a file that does not set the field gets. */
	return r->access(was ? was : r->baseline, now ? now : r->baseline);
}

const char *sbx_access_name(sbx_access a)
{
	switch (a) {
	case SBX_ACCESS_SAME:
		return "same";
	case SBX_ACCESS_WIDENS:
		return "widens";
	case SBX_ACCESS_NARROWS:
		return "narrows";
	}
	return "?";
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
		return xstrdup("preserve_state: the new sandbox starts from a snapshot of the old one");
	case SBX_KEEP_IMAGE_CHANGED:
		return xstrdup("the image changed: the new sandbox starts from it");
	case SBX_KEEP_VARIABLE_REMOVED:
		return xasprintf("%s is removed: a snapshot would keep it",
				 a->removed ? a->removed : "");
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

/* A variable name as sandbox.yaml allows it (the label it comes from is the engine's word). */
static bool env_name_ok(const char *n)
{
	if (!*n || (*n >= '0' && *n <= '9'))
		return false;
	for (; *n; n++)
		if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') ||
		      (*n >= '0' && *n <= '9') || *n == '_'))
			return false;
	return true;
}

/*
 * What a recreate does with the installed state. A committed snapshot
 * carries the old container's environment in its image config, and the
 * engine merges an image's environment into every container made from
 * it: a variable removed from the file would live on, so a recreate that
 * removes one starts from the image instead. A snapshot empties the old
 * container's pass_env values, which would otherwise be baked into it.
 */
static void decide_keep(sbx_action *a, const sbx_plan *p, const sbx_fields *desired,
			const sbx_actual *actual)
{
	const sbx_fieldv *ps = sbx_fields_get(desired, "preserve_state");
	bool image_changed = false;
	const char *removed = NULL;
	for (size_t i = 0; i < p->n_changes; i++) {
		const sbx_change *c = &p->changes[i];
		if (strcmp(c->path, "image") == 0)
			image_changed = true;
		else if (!removed && !c->new_value &&
			 (strncmp(c->path, "env.", 4) == 0 ||
			  strncmp(c->path, "pass_env.", 9) == 0 || strncmp(c->path, "git.", 4) == 0))
			removed = c->path;
	}
	if (!ps || strcmp(ps->value, "true") != 0) {
		a->keep = SBX_KEEP_OFF;
	} else if (image_changed) {
		a->keep = SBX_KEEP_IMAGE_CHANGED;
	} else if (removed) {
		a->keep = SBX_KEEP_VARIABLE_REMOVED;
		a->removed = xstrdup(removed);
	} else {
		a->keep = SBX_KEEP_SNAPSHOT;
		const sbx_fields *old = &actual->fields;
		a->blank_env = xcalloc(old->n + 1, sizeof(char *));
		size_t nb = 0;
		for (size_t i = 0; i < old->n; i++)
			if (strncmp(old->v[i].path, "pass_env.", 9) == 0 &&
			    env_name_ok(old->v[i].path + 9))
				a->blank_env[nb++] = xstrdup(old->v[i].path + 9);
	}
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
	c->path = xstrdup(path);
	c->old_value = was ? xstrdup(was->value) : NULL;
	c->new_value = now ? xstrdup(now->value) : NULL;
	c->effect = sbx_change_effect(path, c->old_value, c->new_value);
	c->access = sbx_change_access(path, c->old_value, c->new_value);
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
static void diff_fields(sbx_plan *p, const sbx_fields *want, const sbx_fields *have, bool existing)
{
	size_t i = 0, j = 0;
	while (i < want->n || j < have->n) {
		int c = i == want->n   ? 1
			: j == have->n ? -1
				       : strcmp(want->v[i].path, have->v[j].path);
		const char *path = c > 0 ? have->v[j].path : want->v[i].path;
		if (existing && off_container(path)) {
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
		diff_fields(p, desired, &none, false);
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
	diff_fields(p, desired, &actual->fields, true);

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
		sbx_action *a = add_action(p, SBX_ACTION_RECREATE, xasprintf("changed: %s", paths));
		decide_keep(a, p, desired, actual);
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

bool sbx_plan_has_changes(const sbx_plan *plan)
{
	return !(plan->n_actions == 1 && plan->actions[0].type == SBX_ACTION_NONE);
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
		free(a->removed);
		free(a->from);
		for (size_t j = 0; a->blank_env && a->blank_env[j]; j++)
			free(a->blank_env[j]);
		free(a->blank_env);
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
