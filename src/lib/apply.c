#include "apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "interrupt.h"
#include "owner.h"
#include "state.h"
#include "util.h"

static void notef(sbx_apply_note note, void *arg, const char *fmt, ...) SBX_PRINTF(3, 4);

static void notef(sbx_apply_note note, void *arg, const char *fmt, ...)
{
	if (!note)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	note(s, arg);
	free(s);
}

/* ---- the workspace owner's uid and gid for the sandbox's user ---- */

typedef struct owner_map {
	bool chown; /* the home must change hands after the start */
	char *home;
} owner_map;

/* The user that runs the agent: the file's, else the image's; NULL for root or a bare id. */
static int sandbox_user(char **name, sbx_backend *b, const sbx_spec *spec, sbx_error **err)
{
	*name = NULL;
	char *u = NULL;
	if (spec->user) {
		u = xstrdup(spec->user);
	} else {
		int rc = b->image_user(b, &u, spec->image, err);
		if (rc < 0)
			return rc;
	}
	u[strcspn(u, ":")] = '\0';
	bool numeric = u[0] && strspn(u, "0123456789") == strlen(u);
	if (!u[0] || strcmp(u, "root") == 0 || numeric) {
		free(u);
		return 0;
	}
	*name = u;
	return 0;
}

/*
 * Before the first start: give the sandbox's user the workspace owner's
 * uid and gid in the container's /etc/passwd and /etc/group. A root-owned
 * workspace, a root or numeric user, or a user the image lacks change nothing.
 */
static int map_owner(owner_map *m, sbx_backend *b, const char *id, const sbx_desired *d,
		     sbx_apply_note note, void *arg, sbx_error **err)
{
	memset(m, 0, sizeof(*m));
	if (d->ws.uid == 0)
		return 0;
	_cleanup_free_ char *user = NULL;
	int rc = sandbox_user(&user, b, d->cfg->spec, err);
	if (rc < 0 || !user)
		return rc;
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	if ((rc = b->copy_out(b, &passwd, id, "/etc/passwd", err)) < 0)
		return rc;
	sbx_passwd_user pw;
	if (!passwd || !sbx_passwd_find(passwd, user, &pw)) {
		_cleanup_free_ char *q = sbx_quotes(user);
		notef(note, arg,
		      "warning: the image has no user %s in /etc/passwd; its uid is left "
		      "as it is",
		      q);
		return 0;
	}
	if (pw.uid == d->ws.uid && pw.gid == d->ws.gid) {
		free(pw.home);
		return 0;
	}
	sbx_error *gerr = NULL;
	if (b->copy_out(b, &group, id, "/etc/group", &gerr) < 0)
		sbx_error_free(gerr); /* no /etc/group: only passwd changes */
	_cleanup_free_ char *new_passwd = sbx_passwd_remap(passwd, user, d->ws.uid, d->ws.gid);
	char *tar = NULL;
	size_t len = 0;
	tar = sbx_tar_add_file(tar, &len, "passwd", new_passwd, strlen(new_passwd), 0644);
	if (group) {
		_cleanup_free_ char *new_group = sbx_group_remap(group, pw.gid, d->ws.gid);
		tar = sbx_tar_add_file(tar, &len, "group", new_group, strlen(new_group), 0644);
	}
	tar = sbx_tar_finish(tar, &len);
	rc = b->copy_in(b, id, "/etc", tar, len, err);
	free(tar);
	if (rc < 0) {
		free(pw.home);
		return rc;
	}
	_cleanup_free_ char *q = sbx_quotes(user);
	notef(note, arg, "user %s acts as the workspace owner, uid %u gid %u (was %u:%u)", q,
	      d->ws.uid, d->ws.gid, pw.uid, pw.gid);
	m->chown = pw.home && pw.home[0] == '/' && pw.home[1] && strcmp(pw.home, d->ws.path) != 0;
	m->home = pw.home;
	return 0;
}

/* After the start: the user's home follows its new uid. */
static void chown_home(owner_map *m, sbx_backend *b, const char *id, const sbx_desired *d,
		       sbx_apply_note note, void *arg)
{
	if (m->chown) {
		char owner[32];
		snprintf(owner, sizeof(owner), "%u:%u", d->ws.uid, d->ws.gid);
		/*
		 * By its absolute path, in an environment of sbx's: found through
		 * PATH, "chown" would be whatever the file's env.PATH names first
		 * (the workspace, which the agent writes), run as root.
		 */
		const char *argv[] = {"/bin/chown", "-R", owner, m->home, NULL};
		int code = -1;
		sbx_error *err = NULL;
		if (b->exec(b, &code, id, argv, "root", &err) < 0 || code != 0) {
			_cleanup_free_ char *q = sbx_quotes(m->home);
			notef(note, arg, "warning: could not give %s to the workspace owner (%s)",
			      q, err ? err->msg : "chown failed");
		}
		sbx_error_free(err);
	}
	free(m->home);
	m->home = NULL;
}

/*
 * Inside, as root, with the agent's directory ($1), the shared tokens
 * directory ($2, "" when nothing is shared) and the token file names: each
 * token in the agent's directory becomes a link to the shared one. A real
 * file there (a login made before, or by an agent that replaced the link
 * by renaming a new file over it) first moves to the shared directory, so
 * the newest login carries over. Without a shared directory, a link left
 * from shared days goes. Only these names are touched: whatever else a
 * workspace puts in the shared volume is never linked, so never read.
 * The script is constant; paths are arguments (no value in a shell line).
 */
static const char link_script[] =
    "d=$1 s=$2; shift 2\n"
    "for f; do\n"
    "  if [ -z \"$s\" ]; then\n"
    "    if [ -L \"$d/$f\" ]; then rm -f \"$d/$f\"; fi\n"
    "    continue\n"
    "  fi\n"
    "  if [ -L \"$d/$f\" ] && [ \"$(readlink \"$d/$f\")\" = \"$s/$f\" ]; then continue; fi\n"
    "  if [ -f \"$d/$f\" ] && [ ! -L \"$d/$f\" ]; then mv -f \"$d/$f\" \"$s/$f\" || exit 1; fi\n"
    "  rm -f \"$d/$f\" && ln -s \"$s/$f\" \"$d/$f\" || exit 1\n"
    "done\n"
    "if [ -n \"$s\" ]; then chown -h \"$(stat -c %u:%g \"$d\")\" \"$s\"; fi\n";

/* After a start: the agent's token files lead to the shared volume (or no longer do). */
static void link_tokens(sbx_backend *b, const char *id, const sbx_desired *d, sbx_apply_note note,
			void *arg)
{
	const sbx_agent *agent = d->cfg->spec->agent;
	if (!d->credentials_volume || !agent->credentials_dir || !agent->token_files)
		return;
	size_t n = 0;
	while (agent->token_files[n])
		n++;
	const char **argv = xcalloc(n + 7, sizeof(char *));
	size_t k = 0;
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = link_script;
	argv[k++] = "sh";
	argv[k++] = agent->credentials_dir;
	argv[k++] = d->tokens_volume ? SBX_TOKENS_DIR : "";
	for (size_t i = 0; i < n; i++)
		argv[k++] = agent->token_files[i];
	int code = -1;
	sbx_error *err = NULL;
	if (b->exec(b, &code, id, argv, "root", &err) < 0 || code != 0)
		notef(note, arg,
		      "warning: could not link the agent's login to the shared tokens volume (%s); "
		      "the login stays in this workspace",
		      err ? err->msg : "the link script failed");
	sbx_error_free(err);
	free(argv);
}

/*
 * What a run of the plan holds between its steps: the container the next
 * step acts on, and what a failure must undo.
 */
typedef struct run {
	sbx_backend *b;
	const sbx_desired *d;
	const sbx_actual *old; /* the sandbox as the plan found it */
	const char *old_name;  /* old's name now (a rename step changes it); borrowed */
	sbx_apply_note note;
	void *arg;
	sbx_progress_fn progress; /* a pull's progress, or NULL */
	void *progress_arg;
	char *qname;  /* the sandbox's name, quoted */
	char *id;     /* the container the next step acts on */
	bool made;    /* id was created by this run: removed on failure */
	bool replace; /* a recreate: id replaces old */
	bool swapping;	/* a recreate past its checks: a failure puts old back */
	bool old_stopped, old_renamed;
	bool snapshot; /* a recreate made a snapshot image */
	bool stale;    /* a recreate to get past a stale engine task (recover_stale) */
	owner_map om;
} run;

/* The container for the sandbox, from image, under name: made, owner mapped, checked. */
static int make_container(run *r, const char *name, const char *image, sbx_error **err)
{
	const sbx_desired *d = r->d;
	sbx_create c = {d->cfg->spec, &d->facts, &d->ws, &d->fields, name, image, d->config_hash};
	int rc = r->b->create(r->b, &r->id, &c, err);
	if (rc < 0)
		return rc; /* nothing made */
	r->made = true;
	if (!r->replace)
		notef(r->note, r->arg, "created %s (%.12s)", r->qname, r->id);
	if ((rc = map_owner(&r->om, r->b, r->id, d, r->note, r->arg, err)) < 0)
		return rc;
	return sbx_desired_verify(d, err);
}

static int do_create(run *r, sbx_error **err)
{
	int rc = r->b->image_ensure(r->b, r->d->cfg->spec->image, r->progress, r->progress_arg,
				    err);
	if (rc < 0)
		return rc;
	return make_container(r, r->d->name, r->d->cfg->spec->image, err);
}

/*
 * The recreate's first half: the new container beside the old one (from a
 * snapshot of it when the plan keeps the installed state), then the names
 * swap. The old container stays intact until the new one runs under the
 * name (the start step); only then does commit remove it.
 */
static int do_recreate(run *r, const sbx_action *a, sbx_error **err)
{
	const sbx_desired *d = r->d;
	const sbx_spec *spec = d->cfg->spec;
	_cleanup_free_ char *tmp_name = xasprintf("%s-sbx-new", d->name);
	_cleanup_free_ char *prev_name = xasprintf("%s-sbx-old", d->name);
	_cleanup_free_ char *snapshot = NULL;
	const char *image = spec->image;
	sbx_backend *b = r->b;
	int rc;

	r->replace = true;
	if ((rc = b->image_ensure(b, spec->image, r->progress, r->progress_arg, err)) < 0)
		return rc;
	switch (a->keep) {
	case SBX_KEEP_OFF:
		break;
	case SBX_KEEP_IMAGE_CHANGED:
		notef(r->note, r->arg,
		      "the image changed: the new sandbox starts from it, without the "
		      "old one's installed state");
		break;
	case SBX_KEEP_SNAPSHOT:
		rc = b->snapshot(b, &snapshot, r->old->id, spec->image, SBX_SNAPSHOT_REPO,
				 d->name, err);
		if (rc < 0) {
			if (r->stale)
				sbx_error_wrap(err, "taking a snapshot of %s", r->qname);
			else
				sbx_error_wrap(err, "keeping the state of %s (preserve_state)",
					       r->qname);
			return rc;
		}
		image = snapshot;
		r->snapshot = true;
		notef(r->note, r->arg, "kept the installed state of %s in a snapshot image",
		      r->qname);
		break;
	}
	if ((rc = make_container(r, tmp_name, image, err)) < 0)
		return rc; /* the old sandbox untouched */
	if ((rc = sbx_interrupt_check(err)) < 0)
		return rc; /* the new one goes, the old sandbox untouched */

	/* From here on, a failure puts the old container back. */
	r->swapping = true;
	if (r->old->running) {
		/*
		 * A stop that fails may have stopped it all the same (a timeout
		 * after the engine acted): the rollback starts it again either
		 * way, and a start of a running container is no error.
		 */
		r->old_stopped = true;
		if ((rc = b->stop(b, r->old->id, err)) < 0)
			return rc;
	}
	/* One a rollback could not rename back has the previous name already. */
	if (strcmp(r->old_name, prev_name) != 0) {
		if ((rc = b->rename(b, r->old->id, prev_name, err)) < 0)
			return rc;
		r->old_renamed = true;
	}
	return b->rename(b, r->id, d->name, err);
}

static int do_rename(run *r, const sbx_action *a, sbx_error **err)
{
	int rc = r->b->rename(r->b, r->id, r->d->name, err);
	if (rc < 0)
		return rc;
	if (r->old && r->old->exists && strcmp(r->id, r->old->id) == 0)
		r->old_name = r->d->name;
	_cleanup_free_ char *qold = sbx_quotes(a->from ? a->from : "");
	notef(r->note, r->arg, "renamed %s to %s", qold, r->qname);
	return 0;
}

static int do_update(run *r, sbx_error **err)
{
	int rc = r->b->update(r->b, r->id, &r->d->cfg->spec->resources, err);
	if (rc < 0)
		return rc;
	notef(r->note, r->arg, "updated the resource limits of %s", r->qname);
	return 0;
}

/*
 * The engine will not start the sandbox's container: its runtime still holds
 * a task of it (SBX_ESTALE), left by an engine that died during a start. First
 * what changes nothing: a stop and one more start, which an engine that
 * clears the task on a stop accepts. Else the sandbox is recreated from a
 * snapshot of the container's file system, as a recreate that keeps the
 * installed state is, whatever preserve_state says (nothing in the file
 * changed): the stuck container goes only once the new one runs under the
 * name, and a failure on the way leaves it as it was. *err holds the
 * start's error on entry.
 */
static int recover_stale(run *r, sbx_error **err)
{
	sbx_backend *b = r->b;
	notef(r->note, r->arg, "%s: %s", r->qname, (*err)->msg);
	sbx_error_free(*err);
	*err = NULL;
	sbx_error *e = NULL;
	if (b->stop(b, r->id, &e) == 0 && b->start(b, r->id, &e) == 0) {
		notef(r->note, r->arg, "stopped and started %s again: the engine let it start",
		      r->qname);
		return 0;
	}
	sbx_error_free(e);
	int rc;
	if ((rc = sbx_interrupt_check(err)) < 0)
		return rc;
	notef(r->note, r->arg,
	      "recreating %s from a snapshot of its file system, to keep its installed state",
	      r->qname);
	r->stale = true;
	free(r->id);
	r->id = NULL;
	const sbx_action a = {.type = SBX_ACTION_RECREATE, .keep = SBX_KEEP_SNAPSHOT};
	rc = do_recreate(r, &a, err);
	if (rc == 0)
		rc = b->start(b, r->id, err);
	return rc;
}

/* Every host path checked again just before the start; then the owner's home and the tokens. */
static int do_start(run *r, sbx_error **err)
{
	int rc;
	if ((rc = sbx_desired_verify(r->d, err)) < 0)
		return rc;
	rc = r->b->start(r->b, r->id, err);
	/* Only the sandbox's own container, as the plan found it: one this run made is new. */
	if (rc == SBX_ESTALE && !r->made && !r->replace && r->old && r->old->exists &&
	    strcmp(r->id, r->old->id) == 0)
		rc = recover_stale(r, err);
	if (rc < 0)
		return rc;
	chown_home(&r->om, r->b, r->id, r->d, r->note, r->arg);
	link_tokens(r->b, r->id, r->d, r->note, r->arg);
	if (r->replace)
		notef(r->note, r->arg, "replaced %s (new container %.12s)", r->qname, r->id);
	else
		notef(r->note, r->arg, "started %s", r->qname);
	return 0;
}

/*
 * The snapshots of a's workspace that no container uses go: the one a
 * replaced sandbox ran from once it is removed, the one a failed or
 * interrupted recreate made. At most the one the sandbox runs from stays.
 * A failure is a warning: the next recreate, rm or prune takes them.
 */
static void sweep_snapshots(sbx_backend *b, const sbx_actual *a, sbx_apply_note note, void *arg)
{
	sbx_error *e = NULL;
	sbx_removal rm;
	if (a && b->remove_snapshot(b, &rm, a, &e) < 0) {
		notef(note, arg, "warning: could not remove an unused snapshot image: %s", e->msg);
		sbx_error_free(e);
	}
}

static void sweep(run *r)
{
	sweep_snapshots(r->b, r->old, r->note, r->arg);
}

/* Every step done: the sandbox a recreate replaced goes, and the snapshot it ran from. */
static void commit(run *r)
{
	if (!r->replace)
		return;
	sbx_error *rm_err = NULL;
	if (r->b->remove(r->b, r->old->id, true, &rm_err) < 0) {
		notef(r->note, r->arg, "warning: could not remove the previous container: %s",
		      rm_err->msg);
		sbx_error_free(rm_err);
		return;
	}
	sweep(r);
}

/*
 * A step failed: no half-made sandbox. A container this run made is
 * removed; past a recreate's checks the old one gets its name back and
 * runs again if it ran. err is wrapped to say what was restored.
 */
static void rollback(run *r, sbx_error **err)
{
	sbx_error *rb = NULL;
	if (r->made)
		r->b->remove(r->b, r->id, true, r->swapping ? &rb : NULL);
	if (!r->replace) {
		if (r->made)
			sbx_error_wrap(err, "starting %s (removed again)", r->qname);
		return;
	}
	if (r->snapshot)
		sweep(r); /* the snapshot it made, now of no container */
	if (r->swapping && r->old_renamed)
		r->b->rename(r->b, r->old->id, r->old_name, &rb);
	if (r->swapping && r->old_stopped && sbx_actual_verify(r->old, &rb) == 0)
		r->b->start(r->b, r->old->id, &rb);
	if (r->stale) {
		/* It was stopped: nothing to start again, its file system is as it was. */
		if (rb)
			sbx_error_wrap(
			    err,
			    "%s cannot start (a stale engine task), recreating it from a "
			    "snapshot failed, and so did part of the rollback (%s)",
			    r->qname, rb->msg);
		else
			sbx_error_wrap(err,
				       "%s cannot start (a stale engine task) and recreating it "
				       "from a snapshot failed; the sandbox is as it was, stopped, "
				       "with its installed state",
				       r->qname);
		sbx_error_free(rb);
		return;
	}
	if (!r->swapping)
		return; /* the old sandbox untouched */
	if (rb) {
		sbx_error_wrap(err, "recreating %s failed, and so did part of the rollback (%s)",
			       r->qname, rb->msg);
		sbx_error_free(rb);
	} else {
		sbx_error_wrap(err, "recreating %s failed; the previous sandbox is restored",
			       r->qname);
	}
}

int sbx_apply(sbx_backend *b, const sbx_plan *plan, const sbx_desired *d, const sbx_actual *actual,
	      sbx_apply_note note, void *arg, sbx_progress_fn progress, void *progress_arg,
	      sbx_error **err)
{
	run r = {.b = b,
		 .d = d,
		 .old = actual,
		 .note = note,
		 .arg = arg,
		 .progress = progress,
		 .progress_arg = progress_arg};
	r.qname = sbx_quotes(d->name);
	r.id = actual && actual->exists ? xstrdup(actual->id) : NULL;
	r.old_name = r.id ? actual->name : NULL;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < plan->n_actions; i++) {
		const sbx_action *a = &plan->actions[i];
		/* A signal: no further step; the rollback below undoes this run's. */
		if ((rc = sbx_interrupt_check(err)) < 0)
			break;
		switch (a->type) {
		case SBX_ACTION_CREATE:
			free(r.id);
			r.id = NULL;
			rc = do_create(&r, err);
			break;
		case SBX_ACTION_RECREATE:
			free(r.id);
			r.id = NULL;
			rc = do_recreate(&r, a, err);
			break;
		case SBX_ACTION_RENAME:
			rc = do_rename(&r, a, err);
			break;
		case SBX_ACTION_UPDATE:
			rc = do_update(&r, err);
			break;
		case SBX_ACTION_START:
			rc = do_start(&r, err);
			break;
		case SBX_ACTION_NONE:
			break;
		}
	}
	/* what follows runs to its end, a signal or not: it leaves one sandbox */
	sbx_interrupt_finishing(true);
	if (rc < 0)
		rollback(&r, err);
	else
		commit(&r);
	sbx_interrupt_finishing(false);
	free(r.om.home);
	free(r.id);
	free(r.qname);
	return rc;
}

static int recover(sbx_backend *b, const sbx_workspace *ws, const char *name, sbx_actual *all,
		   size_t n, sbx_apply_note note, void *arg, sbx_error **err)
{
	_cleanup_free_ char *new_name = xasprintf("%s-sbx-new", name);
	_cleanup_free_ char *old_name = xasprintf("%s-sbx-old", name);
	_cleanup_free_ char *qname = sbx_quotes(name);
	sbx_actual *canon = NULL, *newc = NULL, *oldc = NULL;
	sbx_buf others = SBX_BUF_INIT;
	int rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0) {
			canon = &all[i];
		} else if (strcmp(all[i].name, new_name) == 0) {
			newc = &all[i];
		} else if (strcmp(all[i].name, old_name) == 0) {
			oldc = &all[i];
		} else {
			_cleanup_free_ char *q = sbx_quotes(all[i].name);
			sbx_buf_addf(&others, "%s%s", others.len ? ", " : "", q);
		}
	}
	if (others.len) {
		_cleanup_free_ char *q = sbx_quotes(ws->path);
		rc = sbx_error_set(err, SBX_ECONFLICT,
				   "%zu containers claim the workspace %s (%s): keep one (sbx rm "
				   "NAME)",
				   n, q, others.data);
		sbx_buf_release(&others);
		return rc;
	}
	/*
	 * The replacement under the name ran once (running, or stopped since:
	 * "exited", where one that never started is "created"): it is the newer
	 * state, work may have been done in it, so the recreate is finished by
	 * removing the old one, never rolled back. A paused one ran too.
	 */
	if (canon && oldc && !newc &&
	    (canon->running || (canon->status && strcmp(canon->status, "created") != 0))) {
		if ((rc = b->remove(b, oldc->id, true, err)) < 0)
			return rc;
		notef(note, arg, "finished an interrupted recreate of %s", qname);
		sweep_snapshots(b, canon, note, arg);
		return 0;
	}
	/* Otherwise back to the old sandbox. */
	if (newc && (rc = b->remove(b, newc->id, true, err)) < 0)
		return rc;
	if (oldc) {
		if (canon && (rc = b->remove(b, canon->id, true, err)) < 0)
			return rc;
		if ((rc = b->rename(b, oldc->id, name, err)) < 0)
			return rc;
	}
	notef(note, arg, "rolled back an interrupted recreate of %s", qname);
	sweep_snapshots(b, oldc ? oldc : canon, note, arg);
	return 0;
}

int sbx_apply_recover(sbx_backend *b, const sbx_workspace *ws, const char *name,
		      sbx_apply_note note, void *arg, sbx_error **err)
{
	sbx_actual *all = NULL;
	size_t n = 0;
	int rc = b->find_all(b, &all, &n, ws, err);
	if (rc == 0 && n > 1)
		rc = recover(b, ws, name, all, n, note, arg, err);
	for (size_t i = 0; i < n; i++)
		sbx_actual_release(&all[i]);
	free(all);
	return rc;
}

int sbx_remove_sandbox(sbx_backend *b, const sbx_actual *a, bool volumes, sbx_removed_fn fn,
		       void *arg, sbx_error **err)
{
	int rc = b->remove(b, a->id, true, err);
	if (rc < 0)
		return rc;
	fn("sandbox", a->name, SBX_REMOVAL_REMOVED, arg);
	sbx_removal r;
	_cleanup_free_ char *snap = xasprintf("%s:%s", SBX_SNAPSHOT_REPO, a->name);
	if ((rc = b->remove_snapshot(b, &r, a, err)) < 0)
		return rc;
	fn("image", snap, r, arg);
	if (!volumes || !a->volume)
		return 0;
	if ((rc = b->remove_volume(b, &r, a, err)) < 0)
		return rc;
	fn("volume", a->volume, r, arg);
	return 0;
}

int sbx_prune_find(sbx_backend *b, sbx_prune *p, sbx_error **err)
{
	memset(p, 0, sizeof(*p));
	sbx_sandbox_info *all = NULL;
	sbx_leftover *left = NULL;
	size_t n = 0, nl = 0;
	int rc = b->list(b, &all, &n, err);
	if (rc == 0)
		rc = b->leftovers(b, &left, &nl, err);
	if (rc < 0) {
		sbx_sandbox_info_free(all, n);
		return rc;
	}
	/* Keep what goes; the rest is freed in place (each entry's strings, then the arrays). */
	for (size_t i = 0; i < n; i++) {
		if (all[i].managed && all[i].workspace_gone)
			all[p->n_sandboxes++] = all[i];
		else
			sbx_sandbox_info_release(&all[i]);
	}
	p->sandboxes = all;
	for (size_t i = 0; i < nl; i++) {
		if (left[i].image || left[i].workspace_gone)
			left[p->n_left++] = left[i];
		else
			sbx_leftover_release(&left[i]);
	}
	p->left = left;
	return 0;
}

int sbx_prune_run(sbx_backend *b, const sbx_prune *p, sbx_removed_fn fn, void *arg,
		  sbx_error **err)
{
	int rc;
	for (size_t i = 0; i < p->n_sandboxes; i++) {
		sbx_actual a = {0};
		if ((rc = b->find_name(b, &a, p->sandboxes[i].name, err)) < 0)
			return rc;
		if (a.exists && a.workspace_id && p->sandboxes[i].workspace_id &&
		    strcmp(a.workspace_id, p->sandboxes[i].workspace_id) == 0)
			rc = sbx_remove_sandbox(b, &a, true, fn, arg, err);
		sbx_actual_release(&a);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < p->n_left; i++) {
		const sbx_leftover *l = &p->left[i];
		sbx_error *e = NULL;
		rc = b->remove_leftover(b, l, &e);
		if (rc == SBX_ENOTFOUND || rc == SBX_ECONFLICT) {
			/* gone meanwhile (a sandbox's removal took it), or in use now */
			sbx_error_free(e);
			if (rc == SBX_ECONFLICT)
				fn(l->image ? "image" : "volume", l->id, SBX_REMOVAL_NOT_OURS, arg);
			continue;
		}
		if (rc < 0) {
			*err = e;
			return rc;
		}
		fn(l->image ? "image" : "volume", l->id, SBX_REMOVAL_REMOVED, arg);
	}
	return 0;
}

void sbx_prune_release(sbx_prune *p)
{
	if (!p)
		return;
	sbx_sandbox_info_free(p->sandboxes, p->n_sandboxes);
	sbx_leftover_free(p->left, p->n_left);
	memset(p, 0, sizeof(*p));
}
