#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "discover.h"
#include "fields.h"
#include "hostfacts.h"
#include "lock.h"
#include "policy.h"
#include "trust.h"
#include "util.h"

struct sbx_session {
	sbx_config *cfg;
	sbx_backend *backend;
	bool own_backend; /* opened here, freed here */
	sbx_desired desired;
	sbx_actual actual;
	sbx_plan *plan;
	int lock_fd; /* -1: not locked */
	bool gate;   /* opened to apply, and through the trust gate and the lock */
	char **busy; /* the sessions a stop of the plan would end (NULL: none) */
	bool stop_ok; /* the caller consents to ending them */
	bool fresh_ok; /* the caller consents to losing the installed state */
	sbx_line_fn warn;
	void *arg;
	sbx_progress_fn progress;
	void *progress_arg;
};

static void warn(const sbx_session *p, const char *fmt, ...) SBX_PRINTF(2, 3);

static void warn(const sbx_session *p, const char *fmt, ...)
{
	if (!p->warn)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	p->warn(s, p->arg);
}

static void recover_note(const char *line, void *arg)
{
	warn(arg, "sbx: %s", line);
}

int sbx_config_discover(sbx_config **out, const char *file, bool follow, sbx_error **err)
{
	int rc;
	*out = NULL;
	/*
	 * file is read through a symbolic link only when asked: a link in a
	 * repository can name any file of the user's (~/.git-credentials), and
	 * error messages would then be about that file.
	 *
	 * Discovery trusts only the user's own files, and so does a named
	 * file: naming a file says where it is, not who can change it, and its
	 * directory becomes the workspace all the same (git applies
	 * safe.directory however a repository is named). Checked before a
	 * byte is parsed.
	 */
	if (file) {
		struct stat st;
		_cleanup_free_ char *real = realpath(file, NULL);
		bool link = lstat(file, &st) == 0 && S_ISLNK(st.st_mode);
		/* a link without follow, or a missing file: the loader says why */
		if (real && (follow || !link) &&
		    (rc = sbx_discover_check(real, NULL, getuid(), err)) < 0)
			return rc;
		return sbx_config_load(out, file, follow ? 0 : SBX_CONFIG_NOFOLLOW, err);
	}
	_cleanup_free_ char *path = NULL;
	if ((rc = sbx_config_find(&path, ".", err)) < 0)
		return rc;
	_cleanup_free_ char *here = realpath(".", NULL);
	if ((rc = sbx_discover_check(path, here, getuid(), err)) < 0)
		return rc;
	return sbx_config_load(out, path, SBX_CONFIG_NOFOLLOW, err);
}

/* Did the file change a resource limit? Only then is the container inspected. */
static bool resources_differ(const sbx_fields *want, const sbx_fields *have)
{
	const sbx_field_id limits[] = {SBX_F_CPUS, SBX_F_MEMORY, SBX_F_PIDS};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(limits); i++) {
		const sbx_fieldv *a = sbx_fields_get(want, sbx_field_path(limits[i]));
		const sbx_fieldv *b = sbx_fields_get(have, sbx_field_path(limits[i]));
		if (!a || !b || strcmp(a->value, b->value) != 0)
			return true;
	}
	return false;
}

/* The sandbox's name is free, or its own; else who holds it, as an error. */
static int check_name_free(const sbx_session *p, sbx_error **err)
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
static int check_limits(const sbx_session *p, sbx_error **err)
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

/* The busy sessions for a message: each quoted, "; " between. Caller frees. */
static char *busy_list(const sbx_session *p)
{
	sbx_buf b = SBX_BUF_INIT;
	for (size_t i = 0; p->busy && p->busy[i]; i++) {
		_cleanup_free_ char *q = sbx_quotes(p->busy[i]);
		sbx_buf_addf(&b, "%s%s", i ? "; " : "", q);
	}
	return sbx_buf_detach(&b);
}

/*
 * No sandbox.yaml here or above, and the caller named an agent: its
 * defaults, with this directory as the workspace when it is the user's
 * own (discovery's rule for the file's directory; tier 2 refuses the home
 * and the other protected places as for any workspace).
 */
static int zero_config(sbx_session *p, const sbx_agent *agent, sbx_error **err)
{
	_cleanup_free_ char *here = realpath(".", NULL);
	if (!here)
		return sbx_error_set(err, SBX_ERROR, "cannot find the current directory: %s",
				     strerror(errno));
	_cleanup_free_ char *why = sbx_path_not_own(here, getuid());
	if (why) {
		_cleanup_free_ char *q = sbx_quotes(here);
		return sbx_error_set(err, SBX_EPOLICY,
				     "%s cannot be a workspace: it %s; sbx makes a sandbox only "
				     "for a directory that is yours and no one else can write",
				     q, why);
	}
	int rc = sbx_config_defaults(&p->cfg, agent, here, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *q = sbx_quotes(here);
	warn(p,
	     "sbx: no sandbox.yaml in %s or above: a %s sandbox with its defaults, this "
	     "directory as the workspace; to keep its settings with your code: sbx init "
	     "--agent %s",
	     q, agent->name, agent->name);
	return 0;
}

static int load_config(sbx_session *p, const sbx_session_opts *o, sbx_error **err)
{
	const sbx_agent *agent = NULL;
	if (o->agent && !(agent = sbx_agent_find(o->agent))) {
		_cleanup_free_ char *q = sbx_quotes(o->agent);
		return sbx_error_set(err, SBX_EUSAGE, "unknown agent %s; known agents: %s", q,
				     sbx_agent_list());
	}
	int rc = sbx_config_discover(&p->cfg, o->file, o->follow, err);
	if (rc == SBX_ENOTFOUND && agent && !o->file) {
		sbx_error_free(*err);
		*err = NULL;
		return zero_config(p, agent, err);
	}
	if (rc < 0)
		return rc;
	if (agent && p->cfg->spec->agent != agent) {
		_cleanup_free_ char *qa = sbx_quotes(agent->name);
		_cleanup_free_ char *qf = sbx_quotes(p->cfg->spec->agent->name);
		_cleanup_free_ char *qp = sbx_quotes(p->cfg->path);
		return sbx_error_set(err, SBX_EUSAGE,
				     "agent %s is not this workspace's: %s says agent %s (run "
				     "without naming the agent, or change the file)",
				     qa, qp, qf);
	}
	return 0;
}

/*
 * A sandbox.yaml in a workspace whose sandbox was made without one (from
 * an agent's defaults) may be a file the agent wrote: nothing inside
 * guarded that name. It needs the user's approval once, whatever it asks.
 */
static int check_appeared(sbx_session *p, bool lock, bool checked, sbx_error **err)
{
	if (p->cfg->defaults || !p->actual.exists ||
	    sbx_fields_get(&p->actual.fields, sbx_field_path(SBX_F_WORKSPACE_CONFIG)))
		return 0;
	sbx_trust_verdict v = {.trusted = checked};
	int rc = 0;
	if (!checked &&
	    (rc = sbx_trust_check(&v, p->cfg->workspace, p->cfg->bytes, p->cfg->len,
				  (const char *const *)p->desired.mount_sources,
				  p->cfg->spec->mounts_len, err)) < 0)
		return rc;
	free(v.was);
	if (v.approved_bytes || v.trusted)
		return 0;
	_cleanup_free_ char *qn = sbx_quotes(p->actual.name);
	if (lock)
		return sbx_error_set(err, SBX_EPOLICY,
				     "%s:1:1: this sandbox.yaml appeared in a workspace whose "
				     "sandbox %s ran without one: an agent in it could have "
				     "written it; review the file, then run 'sbx trust'",
				     p->cfg->path, qn);
	warn(p,
	     "warning: %s:1:1: this sandbox.yaml appeared in a workspace whose sandbox %s ran "
	     "without one, where an agent could have written it; apply will refuse it until "
	     "'sbx trust'",
	     p->cfg->path, qn);
	return 0;
}

/*
 * sbx adopt: the sandbox this directory had under the path it was moved
 * from. Labels are only claims, so what is accepted is narrow: a sandbox
 * whose identity label is this directory's own (device, inode and birth
 * time, which nothing inside a sandbox can set, and which a copy does not
 * carry), and whose workspace path no longer holds this directory (a
 * sandbox whose workspace is still there, by another path to the same
 * directory, stays that workspace's). name, when set, picks one. The plan
 * that follows recreates it under this path (the mount and the labels
 * change), keeping its installed state as any recreate does.
 */
static int find_moved(sbx_session *p, const char *name, sbx_error **err)
{
	_cleanup_free_ char *qws = sbx_quotes(p->desired.ws.path);
	if (p->actual.exists) {
		_cleanup_free_ char *qn = sbx_quotes(p->actual.name);
		return sbx_error_set(err, SBX_ECONFLICT,
				     "the workspace %s has its sandbox %s already; nothing to adopt",
				     qws, qn);
	}
	sbx_sandbox_info *list = NULL;
	size_t n = 0, k = 0;
	int rc = p->backend->list(p->backend, &list, &n, err);
	if (rc < 0)
		return rc;
	const char *found = NULL;
	for (size_t i = 0; i < n; i++) {
		const sbx_sandbox_info *s = &list[i];
		if (!s->managed || !s->workspace_gone || (name && strcmp(s->name, name) != 0) ||
		    !sbx_workspace_claimed(&p->desired.ws, s->workspace, s->workspace_id,
					   s->created, true))
			continue;
		found = s->name;
		k++;
	}
	if (k == 0) {
		_cleanup_free_ char *qn = name ? sbx_quotes(name) : NULL;
		rc = sbx_error_set(
		    err, SBX_ENOTFOUND,
		    "no sandbox %s%s%sof a moved workspace is this directory's (a copy "
		    "is a new workspace; 'sbx ls' shows the sandboxes there are)",
		    qn ? "called " : "", qn ? qn : "", qn ? " " : "");
	} else if (k > 1) {
		rc = sbx_error_set(err, SBX_ECONFLICT,
				   "%zu sandboxes of moved workspaces are this directory's; name one: "
				   "sbx adopt NAME",
				   k);
	} else {
		_cleanup_free_ char *pick = xstrdup(found);
		sbx_actual_release(&p->actual);
		rc = p->backend->find_name(p->backend, &p->actual, pick, err);
		if (rc == 0 && !p->actual.exists)
			rc = sbx_error_set(err, SBX_ENOTFOUND, "the sandbox %s went away", pick);
	}
	sbx_sandbox_info_free(list, n);
	return rc;
}

/*
 * What the plan needs of the image beyond the file: with o->pull, the
 * reference pulled first (a newer upstream is then what it names); for a
 * sandbox that recorded the image id its reference named at create, the id
 * it names now, one request (the backend's image_id). A sandbox of an
 * earlier sbx recorded none and is compared from its next recreate.
 */
static int image_now(sbx_session *p, const sbx_session_opts *o, sbx_error **err)
{
	const char *image = p->cfg->spec->image;
	int rc;
	if (o->pull && (rc = p->backend->image_pull(p->backend, image, p->progress,
						    p->progress_arg, err)) < 0)
		return rc;
	p->actual.force_recreate = o->recreate && p->actual.exists;
	if (!p->actual.exists || !p->actual.image_id)
		return 0;
	return p->backend->image_id(p->backend, &p->actual.image_now, image, err);
}

static int open_session(sbx_session *p, const sbx_session_opts *o, sbx_error **err)
{
	bool lock = o->intent == SBX_INTENT_APPLY;
	int rc = load_config(p, o, err);
	if (rc < 0)
		return rc;
	if (o->backend) {
		p->backend = o->backend;
	} else {
		if ((rc = sbx_backend_docker_open(&p->backend, NULL, err)) < 0)
			return rc;
		p->own_backend = true;
	}
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
		_cleanup_free_ char *line = xstrndup(w, nl ? (size_t)(nl - w) : strlen(w));
		warn(p, "%s", line);
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
			warn(p, "warning: %s", msg);
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
			warn(p,
			     "warning: %s:1:1: this sandbox.yaml sits inside the workspace %s, "
			     "where an agent in that sandbox could have written it; apply will "
			     "refuse it until 'sbx trust'",
			     p->cfg->path, qe);
		for (size_t i = 0; !v.trusted && i < g.n; i++) {
			if (lock)
				sbx_error_set(err, SBX_EPOLICY,
					      "%s:%d:%d: %s needs your approval: review the file, "
					      "then run 'sbx trust' (any edit asks again)",
					      p->cfg->path, g.v[i].pos.line, g.v[i].pos.col,
					      g.v[i].what);
			else
				warn(p,
				     "warning: %s:%d:%d: %s is not approved; apply will refuse it "
				     "until 'sbx trust'",
				     p->cfg->path, g.v[i].pos.line, g.v[i].pos.col, g.v[i].what);
		}
	}
	free(v.was);
	bool checked = g.n || enclosing; /* and so approved, or refused below */
	sbx_grants_release(&g);
	if (!v.trusted && lock)
		return SBX_EPOLICY;
	sbx_line_fn waitf = o->lock_wait ? o->lock_wait : p->warn;
	void *warg = o->lock_wait ? NULL : p->arg;
	if (lock && (p->lock_fd = sbx_lock_workspace(p->desired.ws.path, waitf, warg, err)) < 0) {
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
					    recover_note, p, err)) < 0)
			return rc;
		rc = p->backend->find(p->backend, &p->actual, &p->desired.ws, err);
	}
	if (rc < 0) {
		if (rc == SBX_ECONFLICT)
			sbx_error_wrap(err, "an interrupted apply? 'sbx apply' repairs that");
		return rc;
	}
	if (o->adopt && (rc = find_moved(p, *o->adopt ? o->adopt : NULL, err)) < 0)
		return rc;
	sbx_desired_keep_legacy_name(&p->desired, &p->actual);
	if ((rc = image_now(p, o, err)) < 0)
		return rc;
	if ((rc = check_appeared(p, lock, checked, err)) < 0)
		return rc;
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
	if ((rc = check_limits(p, err)) < 0)
		return rc;
	/*
	 * A recreate stops the running sandbox, and with it every exec
	 * session in it (an agent at work): which ones, asked only then.
	 */
	if (p->actual.exists && p->actual.running &&
	    sbx_plan_action(p->plan, SBX_ACTION_RECREATE) &&
	    (rc = p->backend->sessions(p->backend, &p->busy, p->actual.id, err)) < 0)
		return rc;
	if (p->busy && !lock) {
		_cleanup_free_ char *list = busy_list(p);
		_cleanup_free_ char *qn = sbx_quotes(p->actual.name);
		warn(p, "warning: apply would stop %s and end its running sessions: %s", qn, list);
	}
	p->gate = lock; /* trusted, locked, recovered: this session may apply */
	if (!lock && sbx_plan_changed_while_running(p->plan, &p->actual, p->desired.config_hash)) {
		/*
		 * The tamper guard's second half: the agent cannot write
		 * sandbox.yaml from inside, but something changed it while the
		 * sandbox ran, and the change gives the sandbox more of the host.
		 */
		_cleanup_free_ char *qf = sbx_quotes(p->cfg->path);
		_cleanup_free_ char *qn = sbx_quotes(p->actual.name);
		warn(p,
		     "warning: %s changed while %s was running, and the change widens its host "
		     "access (# widens host access below): review who changed it (git diff, git "
		     "log) before sbx apply",
		     qf, qn);
	}
	return 0;
}

int sbx_session_open(sbx_session **out, const sbx_session_opts *o, sbx_error **err)
{
	sbx_session *s = xcalloc(1, sizeof(*s));
	s->lock_fd = -1;
	s->warn = o->warn;
	s->arg = o->arg;
	s->progress = o->progress;
	s->progress_arg = o->progress_arg;
	int rc = open_session(s, o, err);
	if (rc < 0) {
		sbx_session_free(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

int sbx_session_apply(sbx_session *s, sbx_line_fn note, void *arg, sbx_error **err)
{
	if (!s->gate)
		return sbx_error_set(err, SBX_EPOLICY,
				     "this session was opened to plan, not to apply: open one "
				     "with SBX_INTENT_APPLY (trust and the lock are checked there)");
	if (s->lock_fd < 0)
		return sbx_error_set(err, SBX_ERROR,
				     "this session let go of the workspace's lock: open another to "
				     "apply");
	if (s->busy && !s->stop_ok) {
		_cleanup_free_ char *list = busy_list(s);
		_cleanup_free_ char *qn = sbx_quotes(s->actual.name);
		return sbx_error_set(err, SBX_EPOLICY,
				     "applying would stop %s and end its running sessions (%s): "
				     "finish them first, or confirm (sbx apply --yes)",
				     qn, list);
	}
	if (sbx_session_loses_state(s) && !s->fresh_ok) {
		const sbx_action *re = sbx_plan_action(s->plan, SBX_ACTION_RECREATE);
		_cleanup_free_ char *why = sbx_keep_reason(re);
		_cleanup_free_ char *qn = sbx_quotes(s->actual.name);
		return sbx_error_set(err, SBX_EPOLICY,
				     "applying would recreate %s without its installed state (%s): "
				     "confirm with --fresh",
				     qn, why);
	}
	return sbx_apply(s->backend, s->plan, &s->desired, &s->actual, note, arg, s->progress,
			 s->progress_arg, err);
}

bool sbx_session_loses_state(const sbx_session *s)
{
	const sbx_action *re = s->plan ? sbx_plan_action(s->plan, SBX_ACTION_RECREATE) : NULL;
	/* preserve_state: false in the file is the user's own choice, said there. */
	return s->actual.exists && re && !sbx_keep_kept(re->keep) && re->keep != SBX_KEEP_OFF;
}

void sbx_session_allow_fresh(sbx_session *s)
{
	s->fresh_ok = true;
}

const char *const *sbx_session_busy(const sbx_session *s)
{
	return (const char *const *)s->busy;
}

void sbx_session_allow_stop(sbx_session *s)
{
	s->stop_ok = true;
}

int sbx_session_env(const sbx_session *s, char ***env, sbx_error **err)
{
	*env = NULL;
	/*
	 * The host's values only through the trust gate: a file that lists
	 * pass_env is applied, and its values given, only once the user
	 * approved its bytes (tier 1), which a session opened to plan never
	 * checked.
	 */
	if (!s->gate)
		return sbx_error_set(err, SBX_EPOLICY,
				     "this session was opened to plan, not to apply: open one "
				     "with SBX_INTENT_APPLY to give pass_env to a session");
	const sbx_spec *spec = s->cfg->spec;
	char **v = xcalloc(spec->pass_env_len + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < spec->pass_env_len; i++) {
		const char *name = spec->pass_env[i].name;
		const char *value = getenv(name);
		if (!value) {
			/* A name the loader checked: letters, digits and '_' (config.c). */
			warn(s,
			     "warning: pass_env %s is not set on the host: this session runs "
			     "without it",
			     name);
			continue;
		}
		v[n++] = xasprintf("%s=%s", name, value);
	}
	*env = v;
	return 0;
}

void sbx_session_set_warn(sbx_session *s, sbx_line_fn fn, void *arg)
{
	s->warn = fn;
	s->arg = arg;
}

void sbx_session_env_free(char **env)
{
	for (char **p = env; p && *p; p++) {
		/* The host's secrets: wiped before the memory goes back. */
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
	free(env);
}

const sbx_plan *sbx_session_plan(const sbx_session *s)
{
	return s->plan;
}

const sbx_desired *sbx_session_desired(const sbx_session *s)
{
	return &s->desired;
}

const sbx_actual *sbx_session_actual(const sbx_session *s)
{
	return &s->actual;
}

const sbx_config *sbx_session_config(const sbx_session *s)
{
	return s->cfg;
}

void sbx_session_free(sbx_session *s)
{
	if (!s)
		return;
	sbx_plan_free(s->plan);
	sbx_actual_release(&s->actual);
	sbx_desired_release(&s->desired);
	if (s->own_backend)
		sbx_backend_free(s->backend);
	sbx_config_free(s->cfg);
	sbx_strv_free(s->busy);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

sbx_backend *sbx_session_backend(const sbx_session *s)
{
	return s->backend;
}

void sbx_session_unlock(sbx_session *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1; /* and so no apply: sbx_session_apply needs the lock */
}
