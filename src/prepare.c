#include "prepare.h"

#include "lib/discover.h"
#include "lib/trust.h"
#include "output.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void recover_note(const char *line, void *arg)
{
	(void)arg;
	sbx_out_warn("sbx: %s\n", line);
}

/* Did the file change a resource limit? Only then is the container inspected. */
static bool resources_differ(const sbx_fields *want, const sbx_fields *have)
{
	const char *paths[] = {"resources.cpus", "resources.memory", "resources.pids"};
	for (size_t i = 0; i < 3; i++) {
		const sbx_fieldv *a = sbx_fields_get(want, paths[i]);
		const sbx_fieldv *b = sbx_fields_get(have, paths[i]);
		if (!a || !b || strcmp(a->value, b->value) != 0)
			return true;
	}
	return false;
}

/* The sandbox's name is free, or its own; else who holds it, as an error. */
static int check_name_free(const sbx_prepared *p, sbx_error **err)
{
	sbx_sandbox_info *holder = NULL;
	int rc = p->backend->name_holder(p->backend, &holder, p->desired.name, err);
	if (rc < 0 || !holder)
		return rc;
	if (!p->actual.exists || strcmp(holder->id, p->actual.id) != 0)
		rc = sbx_desired_name_taken(&p->desired, holder, err);
	sbx_sandbox_info_free(holder, 1);
	return rc;
}

static bool plan_sets_limits(const sbx_plan *plan)
{
	for (size_t i = 0; i < plan->n_actions; i++)
		if (plan->actions[i].type == SBX_ACTION_CREATE ||
		    plan->actions[i].type == SBX_ACTION_RECREATE ||
		    plan->actions[i].type == SBX_ACTION_UPDATE)
			return true;
	return false;
}

/*
 * Limits above what the host has are refused, not clamped: a clamped
 * limit would differ from the file at every diff. Checked only when the
 * plan sets limits (a create, recreate or update), so a no-op apply still
 * costs the ping and one list; the engine's /info only when the file
 * limits CPUs or memory; pid_max only for an engine on this host.
 */
static int check_limits(const sbx_prepared *p, sbx_error **err)
{
	const sbx_spec *spec = p->cfg->spec;
	if (!plan_sets_limits(p->plan))
		return 0;
	sbx_host_limits host = {0};
	sbx_backend_info info;
	unsigned what =
	    spec->resources.cpus > 0 || spec->resources.memory > 0 ? SBX_INFO_CAPACITY : 0;
	int rc = p->backend->info(p->backend, &info, what, err);
	if (rc < 0)
		return rc;
	host.ncpu = info.ncpu;
	host.memory = info.memory;
	if (info.socket)
		host.pid_max = sbx_host_pid_max();
	sbx_backend_info_release(&info);
	return sbx_check_limits(spec, p->cfg->path, &host, err);
}

int sbx_prepare(sbx_prepared *p, sbx_ctx *ctx, bool lock, sbx_error **err)
{
	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	int rc = sbx_ctx_load_config(ctx, &p->cfg, err);
	if (rc < 0)
		return rc;
	if ((rc = sbx_backend_docker_open(&p->backend, NULL, err)) < 0)
		return rc;
	/* Where the engine keeps its data: asked only when the file mounts host paths. */
	sbx_backend_info info;
	if ((rc = p->backend->info(p->backend, &info,
				   p->cfg->spec->mounts_len ? SBX_INFO_DATA_ROOT : 0, err)) < 0)
		return rc;
	rc = sbx_desired_init(&p->desired, p->cfg, info.socket, info.data_root, err);
	sbx_backend_info_release(&info);
	if (rc < 0)
		return rc;
	/* sbx's own lines, each with its untrusted parts quoted: printed one by one. */
	for (char *w = p->desired.warnings, *nl; w && *w; w = nl ? nl + 1 : w + strlen(w)) {
		nl = strchr(w, '\n');
		sbx_out_warn("%.*s\n", nl ? (int)(nl - w) : (int)strlen(w), w);
	}
	/*
	 * Tier 1: what a file may ask for only with the user's approval of its
	 * exact bytes. apply refuses without it; diff, which grants nothing,
	 * says so.
	 */
	const sbx_spec *spec = p->cfg->spec;
	const char *const *sources = (const char *const *)p->desired.mount_sources;
	sbx_grants g = {0};
	sbx_trust_grants(&g, spec, sources);
	/*
	 * A workspace inside another one (a sandbox.yaml in one of its
	 * parents) may be a file an agent in that sandbox wrote, in its own
	 * workspace, to get a sandbox of its own making: it needs approval
	 * even when it asks for no host access. Judged from the file system
	 * alone, so a no-op apply asks the engine nothing more.
	 */
	_cleanup_free_ char *enclosing = sbx_discover_enclosing(p->cfg->workspace);
	sbx_trust_verdict v = {.trusted = true};
	if ((g.n || enclosing) &&
	    (rc = sbx_trust_check(&v, p->cfg->workspace, p->cfg->bytes, p->cfg->len, sources,
				  spec->mounts_len, err)) < 0) {
		sbx_grants_release(&g);
		return rc;
	}
	if (!v.trusted && v.approved_bytes) {
		/* The file is approved, but a mount leads elsewhere than it did then. */
		const sbx_mount *m = &spec->mounts[v.moved];
		_cleanup_free_ char *qs = sbx_quotes(m->source);
		_cleanup_free_ char *qwas = v.was ? sbx_quotes(v.was) : NULL;
		_cleanup_free_ char *qnow = sbx_quotes(sources[v.moved]);
		_cleanup_free_ char *then =
		    qwas ? xasprintf("led to %s when you approved the file", qwas)
			 : xstrdup("was approved before sbx kept where mounts lead");
		_cleanup_free_ char *msg = xasprintf(
		    "%s:%d:%d: mount source %s %s, and leads to %s now (a symlink on the way "
		    "changed?); look at it, then approve again: sbx trust",
		    p->cfg->path, m->pos.line, m->pos.col, qs, then, qnow);
		if (lock)
			sbx_error_set(err, SBX_EPOLICY, "%s", msg);
		else
			sbx_out_warn("warning: %s\n", msg);
	} else {
		_cleanup_free_ char *qe = enclosing ? sbx_quotes(enclosing) : NULL;
		if (!v.trusted && enclosing && lock)
			sbx_error_set(
			    err, SBX_EPOLICY,
			    "%s:1:1: this sandbox.yaml sits inside the workspace %s, "
			    "which has a sandbox.yaml of its own: an agent in that sandbox "
			    "could have written it; review the file, then run 'sbx trust' "
			    "to make it a sandbox of its own (any edit asks again)",
			    p->cfg->path, qe);
		else if (!v.trusted && enclosing)
			sbx_out_warn("warning: %s:1:1: this sandbox.yaml sits inside the "
				     "workspace %s, where an agent in that sandbox could have "
				     "written it; apply will refuse it until 'sbx trust'\n",
				     p->cfg->path, qe);
		for (size_t i = 0; !v.trusted && i < g.n; i++) {
			if (lock)
				sbx_error_set(err, SBX_EPOLICY,
					      "%s:%d:%d: %s needs your approval: review the file, "
					      "then run 'sbx trust' (any edit asks again)",
					      p->cfg->path, g.v[i].pos.line, g.v[i].pos.col,
					      g.v[i].what);
			else
				sbx_out_warn("warning: %s:%d:%d: %s is not approved; apply will "
					     "refuse it until 'sbx trust'\n",
					     p->cfg->path, g.v[i].pos.line, g.v[i].pos.col,
					     g.v[i].what);
		}
	}
	free(v.was);
	sbx_grants_release(&g);
	if (!v.trusted && lock)
		return SBX_EPOLICY;
	if (lock && (p->lock_fd = sbx_lock_workspace(p->desired.ws.path, err)) < 0) {
		rc = p->lock_fd;
		p->lock_fd = -1;
		return rc;
	}
	rc = p->backend->find(p->backend, &p->actual, &p->desired.ws, err);
	if (rc == SBX_ECONFLICT && lock) {
		/* Several claimants: a recreate a crash interrupted, finished or reversed here. */
		sbx_error_free(*err);
		*err = NULL;
		if ((rc = sbx_apply_recover(p->backend, &p->desired.ws, p->desired.name,
					    recover_note, NULL, err)) < 0)
			return rc;
		rc = p->backend->find(p->backend, &p->actual, &p->desired.ws, err);
	}
	if (rc < 0) {
		if (rc == SBX_ECONFLICT)
			sbx_error_wrap(err, "an interrupted apply? 'sbx apply' repairs that");
		return rc;
	}
	if (p->actual.exists && p->actual.form_version &&
	    resources_differ(&p->desired.fields, &p->actual.fields) &&
	    (rc = p->backend->read_resources(p->backend, &p->actual, err)) < 0)
		return rc;
	/*
	 * A create, a rename or a recreate under a new name needs the name
	 * free: when another container holds it, say which now, not as the
	 * engine's 409 halfway through. Asked only then, so a no-op apply
	 * still costs the ping and one list.
	 */
	if ((!p->actual.exists || strcmp(p->actual.name, p->desired.name) != 0) &&
	    (rc = check_name_free(p, err)) < 0)
		return rc;
	char *why = NULL;
	rc = sbx_plan_make(&p->plan, &p->desired.fields, &p->actual, &why);
	if (rc < 0) {
		sbx_error_set(err, rc, "%s", why);
		free(why);
		return rc;
	}
	return check_limits(p, err);
}

void sbx_prepared_release(sbx_prepared *p)
{
	sbx_plan_free(p->plan);
	sbx_actual_release(&p->actual);
	sbx_desired_release(&p->desired);
	sbx_backend_free(p->backend);
	sbx_config_free(p->cfg);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
}

int sbx_find_sandbox(sbx_actual *out, sbx_ctx *ctx, sbx_backend *b, const char *name,
		     sbx_error **err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	if (name) {
		if ((rc = b->find_name(b, out, name, err)) < 0)
			return rc;
		if (!out->exists) {
			_cleanup_free_ char *q = sbx_quotes(name);
			return sbx_error_set(err, SBX_ENOTFOUND,
					     "no sbx sandbox is called %s (see sbx ls)", q);
		}
		return 0;
	}
	sbx_config *cfg = NULL;
	if ((rc = sbx_ctx_load_config(ctx, &cfg, err)) < 0)
		return rc;
	sbx_workspace ws;
	rc = sbx_workspace_init(&ws, cfg->workspace, cfg->path, err);
	if (rc == 0) {
		rc = b->find(b, out, &ws, err);
		if (rc == 0 && !out->exists) {
			_cleanup_free_ char *q = sbx_quotes(ws.path);
			rc = sbx_error_set(err, SBX_ENOTFOUND,
					   "the workspace %s has no sandbox (sbx apply makes it)",
					   q);
		}
		sbx_workspace_release(&ws);
	}
	sbx_config_free(cfg);
	return rc;
}
