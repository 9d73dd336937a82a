/* fake_backend: see fake_backend.h. */
#include "fake_backend.h"

#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fields.h"
#include "lib/interrupt.h"
#include "lib/util.h"

typedef struct fake_container {
	char *id;
	char *name;
	char *workspace; /* NULL: claims none */
	char *workspace_id;
	long long created; /* unix seconds; 0: not known */
	char *image_id;	   /* what the image reference named at create */
	bool running;
	bool started; /* ran once: its status, stopped, is "exited", not "created" */
	bool paused;  /* fake_set_paused: neither running nor startable (the engine's 409) */
	sbx_fields fields;   /* its labels: fixed at create */
	sbx_resources limits; /* what the engine enforces: set at create, changed by update */
	char **sessions;      /* the exec sessions running in it (fake_set_sessions) */
	bool from_snapshot;   /* made from a snapshot image: it uses that image */
	int stale;	      /* fake_set_stale: its starts are SBX_ESTALE (2: until a stop) */
} fake_container;

typedef struct fake_failure {
	char *verb; /* NULL: any verb */
	int nth;    /* 0: every call */
	int seen;
	int code;
	bool after;
} fake_failure;

struct fake_backend {
	sbx_backend parent;
	fake_container *c;
	size_t n;
	unsigned next_id;
	size_t snapshots;
	fake_failure *f;
	size_t nf;
	unsigned long requests;
	sbx_buf calls;
	char *image_id;	   /* the id the image reference names now; NULL: not known */
	char *pulled_id;   /* what image_pull makes it; NULL: no change */
	char *exec_output; /* what attach writes to the caller's stdout; NULL: nothing */
	int exec_status;   /* and the exit status it gives */
	int die_nth;	   /* fake_die_at_start: that start (1-based, from then) dies */
	int starts;	   /* starts seen since */
	int interrupt_nth; /* fake_interrupt_at: SIGINT during that call (1-based, from then) */
	int interrupt_seen;
	char *flip_verb; /* fake_flip_at: before that call of this verb, the run state flips */
	int flip_nth;
	int flip_seen;
};

static fake_backend *fb_of(sbx_backend *b)
{
	return (fake_backend *)b;
}

static void fields_copy(sbx_fields *dst, const sbx_fields *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; src && i < src->n; i++)
		sbx_fields_set(dst, src->v[i].path, src->v[i].value, src->v[i].sensitive);
}

static fake_container *by_ref(fake_backend *fb, const char *ref)
{
	for (size_t i = 0; i < fb->n; i++)
		if (strcmp(fb->c[i].id, ref) == 0 || strcmp(fb->c[i].name, ref) == 0)
			return &fb->c[i];
	return NULL;
}

static void record(fake_backend *fb, const char *verb, const char *target, const char *arg)
{
	sbx_buf_addf(&fb->calls, "%s%s%s%s%s\n", verb, target ? " " : "", target ? target : "",
		     arg ? " " : "", arg ? arg : "");
}

/*
 * One call of verb: recorded, counted, and judged against the failures
 * asked for. Returns 0 to go on, or the code to fail with; *after says the
 * effect is to happen first.
 */
static int enter(fake_backend *fb, const char *verb, const char *target, const char *arg,
		 bool *after)
{
	/* Another client got there first: the container already runs, or already stopped. */
	fake_container *c = target ? by_ref(fb, target) : NULL;
	if (fb->flip_verb && strcmp(fb->flip_verb, verb) == 0 && ++fb->flip_seen == fb->flip_nth &&
	    c) {
		c->running = !c->running;
		c->started = true;
		c->paused = false;
		record(fb, "flip", c->name, c->running ? "running" : "stopped");
	}
	fb->requests++;
	record(fb, verb, target, arg);
	*after = false;
	/* A signal that arrives while this call is under way: the call still completes. */
	if (fb->interrupt_nth && ++fb->interrupt_seen == fb->interrupt_nth)
		sbx_interrupt_raise(SIGINT);
	for (size_t i = 0; i < fb->nf; i++) {
		fake_failure *f = &fb->f[i];
		if (f->verb && strcmp(f->verb, verb) != 0)
			continue;
		f->seen++;
		if (f->nth == 0 || f->seen == f->nth) {
			*after = f->after;
			return f->code;
		}
	}
	return 0;
}

static int fail(int code, const char *verb, sbx_error **err)
{
	if (code == SBX_EUNAVAILABLE)
		return sbx_error_set(err, code, "fake: %s timed out", verb);
	if (code == SBX_ECONFLICT)
		return sbx_error_set(err, code, "fake: %s: conflict (409)", verb);
	return sbx_error_set(err, code, "fake: %s failed", verb);
}

/* The usual prologue: an injected failure before the effect returns here. */
#define ENTER(verb, target, arg)                                                                   \
	bool after_;                                                                               \
	int code_ = enter(fb, verb, target, arg, &after_);                                         \
	if (code_ && !after_)                                                                      \
		return fail(code_, verb, err);
#define LEAVE(verb) return code_ ? fail(code_, verb, err) : 0

/* The engine's word for its state, as the list endpoint gives it. */
static const char *status_of(const fake_container *c)
{
	return c->paused ? "paused" : c->running ? "running" : c->started ? "exited" : "created";
}

static void to_actual(sbx_actual *a, const fake_container *c)
{
	memset(a, 0, sizeof(*a));
	a->exists = true;
	a->id = xstrdup(c->id);
	a->name = xstrdup(c->name);
	a->running = c->running;
	a->status = xstrdup(status_of(c));
	a->form_version = SBX_SPEC_FORM_VERSION;
	a->workspace = c->workspace ? xstrdup(c->workspace) : NULL;
	a->workspace_id = c->workspace_id ? xstrdup(c->workspace_id) : NULL;
	a->created = c->created;
	a->image_id = c->image_id ? xstrdup(c->image_id) : NULL;
	fields_copy(&a->fields, &c->fields);
	/* As the docker backend does: the name is the container's own, not its label's. */
	sbx_fields_set(&a->fields, sbx_field_path(SBX_F_NAME), c->name, false);
}

static bool claims(const fake_container *c, const sbx_workspace *ws)
{
	return sbx_workspace_claimed(ws, c->workspace, c->workspace_id, c->created, false);
}

static int f_find_all(sbx_backend *b, sbx_actual **out, size_t *n, const sbx_workspace *ws,
		      sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = NULL;
	*n = 0;
	ENTER("find_all", NULL, NULL);
	*out = xcalloc(fb->n + 1, sizeof(sbx_actual));
	for (size_t i = 0; i < fb->n; i++)
		if (claims(&fb->c[i], ws))
			to_actual(&(*out)[(*n)++], &fb->c[i]);
	LEAVE("find_all");
}

static int f_find(sbx_backend *b, sbx_actual *out, const sbx_workspace *ws, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	memset(out, 0, sizeof(*out));
	ENTER("find", NULL, NULL);
	size_t k = 0;
	for (size_t i = 0; i < fb->n; i++) {
		if (!claims(&fb->c[i], ws))
			continue;
		if (k++ == 0) {
			to_actual(out, &fb->c[i]);
		} else {
			sbx_actual_release(out);
			return sbx_error_set(err, SBX_ECONFLICT, "fake: several claim %s",
					     ws->path);
		}
	}
	LEAVE("find");
}

static int f_find_name(sbx_backend *b, sbx_actual *out, const char *name, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	memset(out, 0, sizeof(*out));
	ENTER("find_name", name, NULL);
	for (size_t i = 0; i < fb->n; i++)
		if (strcmp(fb->c[i].name, name) == 0 && fb->c[i].workspace)
			to_actual(out, &fb->c[i]);
	LEAVE("find_name");
}

static void to_info(sbx_sandbox_info *s, const fake_container *c)
{
	memset(s, 0, sizeof(*s));
	s->id = xstrdup(c->id);
	s->name = xstrdup(c->name);
	s->status = xstrdup(status_of(c));
	s->workspace = c->workspace ? xstrdup(c->workspace) : NULL;
	s->workspace_id = c->workspace_id ? xstrdup(c->workspace_id) : NULL;
	s->image = xstrdup("fake:image");
	s->created = c->created;
	/* As the docker backend's list: the directory at the path is asked. */
	s->workspace_gone = sbx_workspace_gone(c->workspace, c->workspace_id, c->created);
	s->managed = c->workspace != NULL;
}

static int f_list(sbx_backend *b, sbx_sandbox_info **out, size_t *n, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = NULL;
	*n = 0;
	ENTER("list", NULL, NULL);
	*out = xcalloc(fb->n + 1, sizeof(sbx_sandbox_info));
	for (size_t i = 0; i < fb->n; i++)
		if (fb->c[i].workspace)
			to_info(&(*out)[(*n)++], &fb->c[i]);
	LEAVE("list");
}

static int f_name_holder(sbx_backend *b, sbx_sandbox_info **out, const char *name, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = NULL;
	ENTER("name_holder", name, NULL);
	for (size_t i = 0; i < fb->n; i++)
		if (strcmp(fb->c[i].name, name) == 0) {
			*out = xcalloc(1, sizeof(sbx_sandbox_info));
			to_info(*out, &fb->c[i]);
		}
	LEAVE("name_holder");
}

/* The limits a label claims ("unlimited" or a number), as if the engine had them. */
static void limits_of(sbx_resources *r, const sbx_fields *f)
{
	const sbx_fieldv *v;
	memset(r, 0, sizeof(*r));
	if (!f)
		return;
	if ((v = sbx_fields_get(f, sbx_field_path(SBX_F_CPUS))))
		sbx_value_cpus_parse(v->value, &r->cpus);
	if ((v = sbx_fields_get(f, sbx_field_path(SBX_F_MEMORY))))
		sbx_value_bytes_parse(v->value, &r->memory);
	if ((v = sbx_fields_get(f, sbx_field_path(SBX_F_PIDS))))
		sbx_value_count_parse(v->value, &r->pids);
}

static void set_limit(sbx_fields *f, sbx_field_id id, char *value)
{
	sbx_fields_set(f, sbx_field_path(id), value, false);
	free(value);
}

static int f_sessions(sbx_backend *b, char ***out, const char *id, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	*out = NULL;
	ENTER("sessions", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "sessions", err);
	if (c->sessions && c->running && c->sessions[0]) {
		size_t n = 0;
		while (c->sessions[n])
			n++;
		*out = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			(*out)[i] = xstrdup(c->sessions[i]);
	}
	LEAVE("sessions");
}

static int f_read_resources(sbx_backend *b, sbx_actual *a, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, a->id);
	ENTER("read_resources", a->name, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "read_resources", err);
	/* As the docker backend renders the engine's limits. */
	set_limit(&a->fields, SBX_F_CPUS, sbx_value_cpus(c->limits.cpus));
	set_limit(&a->fields, SBX_F_MEMORY, sbx_value_bytes(c->limits.memory));
	set_limit(&a->fields, SBX_F_PIDS, sbx_value_count(c->limits.pids));
	LEAVE("read_resources");
}

static fake_container *add(fake_backend *fb, const char *name, const char *workspace,
			   const char *workspace_id, const sbx_fields *fields, bool running)
{
	fb->c = xrealloc(fb->c, (fb->n + 1) * sizeof(*fb->c));
	fake_container *c = &fb->c[fb->n++];
	memset(c, 0, sizeof(*c));
	c->id = xasprintf("c%u", ++fb->next_id);
	c->name = xstrdup(name);
	c->workspace = workspace ? xstrdup(workspace) : NULL;
	c->workspace_id = workspace_id ? xstrdup(workspace_id) : NULL;
	c->running = running;
	c->started = running;
	fields_copy(&c->fields, fields);
	limits_of(&c->limits, fields);
	return c;
}

static int f_create(sbx_backend *b, char **id, const sbx_create *c, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*id = NULL;
	ENTER("create", c->name, c->image);
	if (by_ref(fb, c->name))
		return fail(SBX_ECONFLICT, "create", err);
	fake_container *n = add(fb, c->name, c->ws->path, c->ws->id, c->fields, false);
	n->limits = c->spec->resources;
	n->from_snapshot = strncmp(c->image, SBX_SNAPSHOT_REPO ":", sizeof(SBX_SNAPSHOT_REPO)) == 0;
	n->image_id = fb->image_id ? xstrdup(fb->image_id) : NULL;
	if (code_)
		return fail(code_, "create", err);
	*id = xstrdup(n->id);
	return 0;
}

static int f_start(sbx_backend *b, const char *id, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("start", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "start", err);
	if (c->stale && !code_)
		return sbx_error_set(
		    err, SBX_ESTALE,
		    "fake: the engine holds a stale task of the container (left by "
		    "an engine that died during a start) and will not start it");
	/* The backend's contract: a paused one is unpaused, a running one is no error. */
	c->paused = false;
	c->running = true;
	c->started = true;
	if (fb->die_nth && ++fb->starts == fb->die_nth) {
		/* Its command exits at once: not running by the check after the start. */
		c->running = false;
		fb->die_nth = 0;
		return sbx_error_set(err, SBX_ERROR, "fake: the container stopped right after "
						      "its start (exit code 127)");
	}
	LEAVE("start");
}

static int f_stop(sbx_backend *b, const char *id, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("stop", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "stop", err);
	c->running = false;
	c->paused = false;
	if (c->stale == 2)
		c->stale = 0;
	LEAVE("stop");
}

static int f_rename(sbx_backend *b, const char *id, const char *name, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("rename", c ? c->name : id, name);
	if (!c)
		return fail(SBX_ENOTFOUND, "rename", err);
	/* As the engine: the same name is a 400, another's a 409. */
	if (strcmp(c->name, name) == 0)
		return sbx_error_set(err, SBX_ERROR, "fake: rename: %s is its name already", name);
	fake_container *holder = by_ref(fb, name);
	if (holder)
		return fail(SBX_ECONFLICT, "rename", err);
	free(c->name);
	c->name = xstrdup(name);
	LEAVE("rename");
}

static void drop(fake_backend *fb, fake_container *c)
{
	free(c->id);
	free(c->name);
	free(c->workspace);
	free(c->workspace_id);
	free(c->image_id);
	sbx_fields_release(&c->fields);
	sbx_strv_free(c->sessions);
	size_t i = (size_t)(c - fb->c);
	memmove(&fb->c[i], &fb->c[i + 1], (fb->n - i - 1) * sizeof(*fb->c));
	fb->n--;
}

static int f_remove(sbx_backend *b, const char *id, bool volumes, sbx_error **err)
{
	(void)volumes;
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("remove", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "remove", err);
	drop(fb, c);
	LEAVE("remove");
}

static int f_update(sbx_backend *b, const char *id, const sbx_resources *r, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("update", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "update", err);
	c->limits = *r;
	LEAVE("update");
}

static int f_snapshot(sbx_backend *b, char **image, const char *id, const char *base,
		      const char *repo, const char *tag, sbx_error **err)
{
	(void)base;
	fake_backend *fb = fb_of(b);
	*image = NULL;
	fake_container *c = by_ref(fb, id);
	ENTER("snapshot", c ? c->name : id, NULL);
	if (!c)
		return fail(SBX_ENOTFOUND, "snapshot", err);
	fb->snapshots++;
	if (code_)
		return fail(code_, "snapshot", err);
	*image = xasprintf("%s:%s", repo, tag);
	return 0;
}

static int f_exec(sbx_backend *b, int *exit_code, const char *id, const char *const *argv,
		  const char *user, sbx_error **err)
{
	(void)user;
	fake_backend *fb = fb_of(b);
	*exit_code = -1;
	fake_container *c = by_ref(fb, id);
	ENTER("exec", c ? c->name : id, argv[0]);
	if (!c || !c->running)
		return fail(SBX_ECONFLICT, "exec", err);
	*exit_code = 0;
	LEAVE("exec");
}

/* attach runs nothing: it records argv, writes the canned output and gives the chosen status. */
static int f_attach(sbx_backend *b, int *exit_code, const char *id, const sbx_exec_opts *o,
		    sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*exit_code = -1;
	fake_container *c = by_ref(fb, id);
	sbx_buf argv = SBX_BUF_INIT;
	for (size_t i = 0; o->argv[i]; i++)
		sbx_buf_addf(&argv, "%s%s", i ? " " : "", o->argv[i]);
	bool after_;
	int code_ = enter(fb, "attach", c ? c->name : id, argv.data, &after_);
	sbx_buf_release(&argv);
	(void)after_;
	if (!code_ && (!c || !c->running))
		code_ = SBX_ECONFLICT;
	if (code_)
		return fail(code_, "attach", err);
	size_t len = fb->exec_output ? strlen(fb->exec_output) : 0;
	if (len && write(o->out_fd, fb->exec_output, len) != (ssize_t)len)
		return fail(SBX_ERROR, "attach", err);
	*exit_code = fb->exec_status;
	return 0;
}

void fake_set_exec(fake_backend *fb, const char *output, int exit_code)
{
	free(fb->exec_output);
	fb->exec_output = output ? xstrdup(output) : NULL;
	fb->exec_status = exit_code;
}

static int f_copy_in(sbx_backend *b, const char *id, const char *dir, const void *tar, size_t len,
		     sbx_error **err)
{
	(void)tar;
	(void)len;
	fake_backend *fb = fb_of(b);
	fake_container *c = by_ref(fb, id);
	ENTER("copy_in", c ? c->name : id, dir);
	LEAVE("copy_in");
}

static int f_copy_out(sbx_backend *b, char **out, const char *id, const char *path, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = NULL;
	fake_container *c = by_ref(fb, id);
	ENTER("copy_out", c ? c->name : id, path);
	LEAVE("copy_out");
}

static int f_image_ensure(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			  sbx_error **err)
{
	(void)progress;
	(void)arg;
	fake_backend *fb = fb_of(b);
	ENTER("image_ensure", image, NULL);
	LEAVE("image_ensure");
}

static int f_image_user(sbx_backend *b, char **user, const char *image, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*user = NULL;
	ENTER("image_user", image, NULL);
	*user = xstrdup(""); /* root: no owner mapping */
	LEAVE("image_user");
}

static int f_image_id(sbx_backend *b, char **id, const char *image, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*id = NULL;
	ENTER("image_id", image, NULL);
	*id = fb->image_id ? xstrdup(fb->image_id) : NULL;
	LEAVE("image_id");
}

static int f_image_pull(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			sbx_error **err)
{
	(void)progress;
	(void)arg;
	fake_backend *fb = fb_of(b);
	ENTER("image_pull", image, NULL);
	if (fb->pulled_id) {
		free(fb->image_id);
		fb->image_id = xstrdup(fb->pulled_id);
	}
	LEAVE("image_pull");
}

static int f_remove_snapshot(sbx_backend *b, sbx_removal *out, const sbx_actual *a, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = SBX_REMOVAL_ABSENT;
	ENTER("remove_snapshot", a->name, NULL);
	/* Every snapshot goes but those a container uses (each its own). */
	size_t used = 0;
	for (size_t i = 0; i < fb->n; i++)
		used += fb->c[i].from_snapshot;
	if (fb->snapshots > used) {
		fb->snapshots = used;
		*out = SBX_REMOVAL_REMOVED;
	}
	LEAVE("remove_snapshot");
}

/* No image or volume outlives its container here: prune finds sandboxes only. */
static int f_leftovers(sbx_backend *b, sbx_leftover **out, size_t *n, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = NULL;
	*n = 0;
	ENTER("leftovers", NULL, NULL);
	LEAVE("leftovers");
}

static int f_remove_leftover(sbx_backend *b, const sbx_leftover *l, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	ENTER("remove_leftover", l->id, NULL);
	return fail(SBX_ENOTFOUND, "remove_leftover", err);
}

static int f_remove_volume(sbx_backend *b, sbx_removal *out, const sbx_actual *a, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	*out = SBX_REMOVAL_ABSENT;
	ENTER("remove_volume", a->name, NULL);
	LEAVE("remove_volume");
}

static int f_info(sbx_backend *b, sbx_backend_info *out, unsigned what, sbx_error **err)
{
	fake_backend *fb = fb_of(b);
	memset(out, 0, sizeof(*out));
	if (!what)
		return 0; /* the docker backend asks the engine nothing either */
	ENTER("info", NULL, NULL);
	out->ncpu = 4;
	out->memory = (int64_t)8 << 30;
	out->data_root = xstrdup("/var/lib/docker");
	LEAVE("info");
}

static unsigned long f_requests(const sbx_backend *b)
{
	return ((const fake_backend *)b)->requests;
}

static void f_free(sbx_backend *b)
{
	fake_free(fb_of(b));
}

fake_backend *fake_new(void)
{
	fake_backend *fb = xcalloc(1, sizeof(*fb));
	fb->calls = (sbx_buf)SBX_BUF_INIT;
	fb->parent = (sbx_backend){
	    .name = "fake",
	    .find = f_find,
	    .find_all = f_find_all,
	    .find_name = f_find_name,
	    .list = f_list,
	    .name_holder = f_name_holder,
	    .read_resources = f_read_resources,
	    .sessions = f_sessions,
	    .create = f_create,
	    .start = f_start,
	    .stop = f_stop,
	    .rename = f_rename,
	    .remove = f_remove,
	    .update = f_update,
	    .snapshot = f_snapshot,
	    .exec = f_exec,
	    .attach = f_attach,
	    .copy_in = f_copy_in,
	    .copy_out = f_copy_out,
	    .image_ensure = f_image_ensure,
	    .image_user = f_image_user,
	    .image_id = f_image_id,
	    .image_pull = f_image_pull,
	    .remove_snapshot = f_remove_snapshot,
	    .leftovers = f_leftovers,
	    .remove_leftover = f_remove_leftover,
	    .remove_volume = f_remove_volume,
	    .info = f_info,
	    .requests = f_requests,
	    .free = f_free,
	};
	return fb;
}

sbx_backend *fake_backend_of(fake_backend *fb)
{
	return &fb->parent;
}

void fake_free(fake_backend *fb)
{
	if (!fb)
		return;
	while (fb->n)
		drop(fb, &fb->c[fb->n - 1]);
	free(fb->c);
	for (size_t i = 0; i < fb->nf; i++)
		free(fb->f[i].verb);
	free(fb->f);
	sbx_buf_release(&fb->calls);
	free(fb->exec_output);
	free(fb->image_id);
	free(fb->pulled_id);
	free(fb->flip_verb);
	free(fb);
}

const char *fake_add(fake_backend *fb, const char *name, const sbx_workspace *ws,
		     const sbx_fields *fields, bool running)
{
	return add(fb, name, ws ? ws->path : NULL, ws ? ws->id : NULL, fields, running)->id;
}

const char *fake_add_claim(fake_backend *fb, const char *name, const char *path,
			   const char *workspace_id, long long created, const sbx_fields *fields,
			   bool running)
{
	fake_container *c = add(fb, name, path, workspace_id, fields, running);
	c->created = created;
	return c->id;
}

void fake_set_image(fake_backend *fb, const char *id, const char *pulled)
{
	free(fb->image_id);
	free(fb->pulled_id);
	fb->image_id = id ? xstrdup(id) : NULL;
	fb->pulled_id = pulled ? xstrdup(pulled) : NULL;
}

void fake_fail(fake_backend *fb, const char *verb, int nth, int code, bool after)
{
	fb->f = xrealloc(fb->f, (fb->nf + 1) * sizeof(*fb->f));
	fb->f[fb->nf++] = (fake_failure){verb ? xstrdup(verb) : NULL, nth, 0, code, after};
}

void fake_fail_call(fake_backend *fb, int nth, int code, bool after)
{
	fake_fail(fb, NULL, nth, code, after);
}

size_t fake_ncalls(fake_backend *fb)
{
	size_t n = 0;
	for (const char *p = fake_calls(fb); *p; p++)
		n += *p == '\n';
	return n;
}

const char *fake_calls(fake_backend *fb)
{
	return fb->calls.data ? fb->calls.data : "";
}

void fake_clear_calls(fake_backend *fb)
{
	sbx_buf_release(&fb->calls);
	fb->calls = (sbx_buf)SBX_BUF_INIT;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const fake_container *)a)->name, ((const fake_container *)b)->name);
}

char *fake_state(fake_backend *fb)
{
	if (fb->n)
		qsort(fb->c, fb->n, sizeof(*fb->c), by_name);
	sbx_buf s = SBX_BUF_INIT;
	for (size_t i = 0; i < fb->n; i++)
		sbx_buf_addf(&s, "%s%s:%s", i ? " " : "", fb->c[i].name,
			     fb->c[i].paused	? "paused"
			     : fb->c[i].running ? "running"
						: "created");
	return s.data ? sbx_buf_detach(&s) : xstrdup("");
}

const char *fake_id(fake_backend *fb, const char *name)
{
	for (size_t i = 0; i < fb->n; i++)
		if (strcmp(fb->c[i].name, name) == 0)
			return fb->c[i].id;
	return NULL;
}

size_t fake_snapshots(fake_backend *fb)
{
	return fb->snapshots;
}

void fake_set_label(fake_backend *fb, const char *name, const char *path, const char *value)
{
	fake_container *c = by_ref(fb, name);
	if (!c)
		return;
	if (value) {
		sbx_fields_set(&c->fields, path, value, false);
		return;
	}
	sbx_fields rest = {0};
	for (size_t i = 0; i < c->fields.n; i++)
		if (strcmp(c->fields.v[i].path, path) != 0)
			sbx_fields_set(&rest, c->fields.v[i].path, c->fields.v[i].value,
				       c->fields.v[i].sensitive);
	sbx_fields_release(&c->fields);
	c->fields = rest;
}

void fake_set_sessions(fake_backend *fb, const char *name, const char *const *cmds)
{
	fake_container *c = by_ref(fb, name);
	if (!c)
		return;
	sbx_strv_free(c->sessions);
	c->sessions = NULL;
	size_t n = 0;
	while (cmds && cmds[n])
		n++;
	c->sessions = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c->sessions[i] = xstrdup(cmds[i]);
}

void fake_set_paused(fake_backend *fb, const char *name)
{
	fake_container *c = by_ref(fb, name);
	if (c && c->running) {
		c->running = false;
		c->paused = true;
	}
}

void fake_set_stale(fake_backend *fb, const char *name, bool until_stop)
{
	fake_container *c = by_ref(fb, name);
	if (!c)
		return;
	c->running = false;
	c->paused = false;
	c->started = true;
	c->stale = until_stop ? 2 : 1;
}

bool fake_from_snapshot(fake_backend *fb, const char *name)
{
	fake_container *c = by_ref(fb, name);
	return c && c->from_snapshot;
}

void fake_set_started(fake_backend *fb, const char *name)
{
	fake_container *c = by_ref(fb, name);
	if (c)
		c->started = true;
}

void fake_die_at_start(fake_backend *fb, int nth)
{
	fb->die_nth = nth;
	fb->starts = 0;
}

void fake_interrupt_at(fake_backend *fb, int nth)
{
	fb->interrupt_nth = nth;
	fb->interrupt_seen = 0;
}

void fake_flip_at(fake_backend *fb, const char *verb, int nth)
{
	free(fb->flip_verb);
	fb->flip_verb = xstrdup(verb);
	fb->flip_nth = nth;
	fb->flip_seen = 0;
}
