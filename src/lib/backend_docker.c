/*
 * The docker backend: sbx's verbs as Docker Engine API requests, over the
 * engine transport (engine.c). The sandbox reads and the container's
 * creation body are docker_state.c's codecs (docker.h); the container
 * verbs, the archive copies and /info are here.
 */
#include "backend.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker.h"
#include "engine.h"
#include "owner.h"
#include "util.h"

typedef struct docker_backend {
	sbx_backend parent;
	sbx_engine *engine;
} docker_backend;

static sbx_engine *engine_of(sbx_backend *b)
{
	return ((docker_backend *)b)->engine;
}

void sbx_backend_info_release(sbx_backend_info *info)
{
	if (!info)
		return;
	free(info->data_root);
	memset(info, 0, sizeof(*info));
}

void sbx_backend_free(sbx_backend *b)
{
	if (b)
		b->free(b);
}

static int d_find(sbx_backend *b, sbx_actual *out, const sbx_workspace *ws, sbx_error **err)
{
	return sbx_docker_find(out, engine_of(b), ws, err);
}

static int d_find_all(sbx_backend *b, sbx_actual **out, size_t *n, const sbx_workspace *ws,
		      sbx_error **err)
{
	return sbx_docker_find_all(out, n, engine_of(b), ws, err);
}

static int d_find_name(sbx_backend *b, sbx_actual *out, const char *name, sbx_error **err)
{
	return sbx_docker_find_name(out, engine_of(b), name, err);
}

static int d_list(sbx_backend *b, sbx_sandbox_info **out, size_t *n, sbx_error **err)
{
	return sbx_docker_list(out, n, engine_of(b), err);
}

static int d_name_holder(sbx_backend *b, sbx_sandbox_info **out, const char *name, sbx_error **err)
{
	return sbx_docker_name_holder(out, engine_of(b), name, err);
}

static int d_read_resources(sbx_backend *b, sbx_actual *a, sbx_error **err)
{
	return sbx_docker_read_resources(a, engine_of(b), err);
}

static int d_sessions(sbx_backend *b, char ***out, const char *id, sbx_error **err)
{
	return sbx_docker_sessions(out, engine_of(b), id, err);
}

static int d_create(sbx_backend *b, char **id, const sbx_create *c, sbx_error **err)
{
	return sbx_docker_create(id, engine_of(b), c, err);
}

/*
 * POST /containers/{id}/{verb}. With idem, the engine's 304 (the container
 * is already in the state asked for) is success.
 */
static int container_post(sbx_engine *e, const char *id, const char *verb, const char *query,
			  bool idem, sbx_error **err)
{
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path =
	    xasprintf("/containers/%s/%s%s%s", eid, verb, query ? "?" : "", query ? query : "");
	long status = 0;
	sbx_error *e304 = NULL;
	int rc =
	    sbx_engine_call(e, "POST", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, &status, &e304);
	if (rc < 0 && idem && status == 304) {
		sbx_error_free(e304);
		return 0;
	}
	if (rc < 0)
		*err = e304;
	return rc;
}

/* What GET /containers/{id}/json says of State. */
typedef struct run_state {
	bool running, paused;
	long exit_code;
	char *error; /* the engine's State.Error, or NULL */
	char *id;    /* the container's full id */
} run_state;

static void run_state_release(run_state *st)
{
	free(st->error);
	free(st->id);
	memset(st, 0, sizeof(*st));
}

static int container_state(run_state *st, sbx_engine *e, const char *id, sbx_error **err)
{
	memset(st, 0, sizeof(*st));
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", eid);
	json_object *c = NULL, *state, *v;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &c, NULL, err);
	if (rc < 0)
		return rc;
	if (!c || !json_object_object_get_ex(c, "State", &state)) {
		json_object_put(c);
		return sbx_error_set(err, SBX_ERROR, "the engine's inspect of a container has no "
						      "State");
	}
	if (json_object_object_get_ex(state, "Running", &v))
		st->running = json_object_get_boolean(v);
	if (json_object_object_get_ex(state, "Paused", &v))
		st->paused = json_object_get_boolean(v);
	if (json_object_object_get_ex(state, "ExitCode", &v))
		st->exit_code = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(state, "Error", &v) && json_object_get_string_len(v) > 0)
		st->error = xstrdup(json_object_get_string(v));
	if (json_object_object_get_ex(c, "Id", &v) && json_object_is_type(v, json_type_string))
		st->id = xstrdup(json_object_get_string(v));
	json_object_put(c);
	return 0;
}

/*
 * A start the engine refused because its runtime (containerd) still holds
 * what a task of the container left: dockerd (or containerd) killed between
 * creating the task and starting it leaves the task's shim alive, and every
 * later start is "task <id>: already exists" (500 from Docker 20.10); with
 * the shim killed too, its bundle directory may stay, and every start is
 * "failed to start shim: mkdir <exec-root>/.../<id>: file exists". dockerd
 * clears neither on a stop (304: not running), a kill (409) or its own
 * restart, and sbx may not reach the runtime; the container's file system
 * is intact. Recognised by the State.Error the engine recorded for this very
 * start, which names the container's own id; its message is the only sign.
 */
static bool stale_task(const char *error, const char *id)
{
	if (!error || !id || strlen(id) < 12)
		return false;
	_cleanup_free_ char *task = xasprintf("task %s: already exists", id);
	_cleanup_free_ char *dir = xasprintf("/%s: file exists", id);
	return strcmp(error, task) == 0 ||
	       (strncmp(error, "failed to start shim: mkdir ", 28) == 0 && strstr(error, dir));
}

/*
 * The container runs after it: one already running is no error (304), a
 * paused one is unpaused, and one that is not running a moment after the
 * engine started it (its command missing from the image, or one that ends
 * at once) is a failure, so that apply puts the previous sandbox back
 * rather than call a dead one up to date.
 */
static int d_start(sbx_backend *b, const char *id, sbx_error **err)
{
	sbx_engine *e = engine_of(b);
	run_state st;
	int rc = container_post(e, id, "start", NULL, true, err);
	if (rc == SBX_ECONFLICT || rc == SBX_ERROR) {
		/*
		 * The engine refuses to start a paused container (409): unpause
		 * it. One whose runtime holds a stale task (500, or 409 from an
		 * engine that names it a conflict) is SBX_ESTALE.
		 */
		sbx_error *serr = NULL;
		if (container_state(&st, e, id, &serr) == 0) {
			if (rc == SBX_ECONFLICT && st.paused) {
				sbx_error_free(*err);
				*err = NULL;
				rc = container_post(e, id, "unpause", NULL, false, err);
			} else if (!st.running && stale_task(st.error, st.id)) {
				_cleanup_free_ char *q = sbx_quotes(st.error);
				sbx_error_free(*err);
				*err = NULL;
				rc = sbx_error_set(
				    err, SBX_ESTALE,
				    "the engine holds a stale task of the container "
				    "(left by an engine that died during a start) and "
				    "will not start it: %s",
				    q);
			}
		}
		run_state_release(&st);
		sbx_error_free(serr);
	}
	if (rc < 0)
		return rc;
	/*
	 * A PID 1 that cannot exec its command exits within milliseconds of
	 * the start; a short settle lets the inspect see it.
	 */
	struct timespec settle = {0, 150 * 1000 * 1000};
	nanosleep(&settle, NULL);
	if ((rc = container_state(&st, e, id, err)) < 0)
		return rc;
	if (st.paused) {
		run_state_release(&st);
		return container_post(e, id, "unpause", NULL, false, err);
	}
	if (!st.running) {
		_cleanup_free_ char *q = st.error ? sbx_quotes(st.error) : NULL;
		rc = sbx_error_set(
		    err, SBX_ERROR,
		    "the container stopped right after its start (exit code %ld%s%s): "
		    "does the image have the command it runs?",
		    st.exit_code, q ? ", " : "", q ? q : "");
	}
	run_state_release(&st);
	return rc;
}

static int d_stop(sbx_backend *b, const char *id, sbx_error **err)
{
	/* The idle PID 1 under init stops at once on SIGTERM; 10 s for the agent's children. */
	return container_post(engine_of(b), id, "stop", "t=10", true, err);
}

static int d_rename(sbx_backend *b, const char *id, const char *name, sbx_error **err)
{
	_cleanup_free_ char *ename = sbx_engine_escape(name);
	_cleanup_free_ char *q = xasprintf("name=%s", ename);
	return container_post(engine_of(b), id, "rename", q, false, err);
}

static int d_remove(sbx_backend *b, const char *id, bool volumes, sbx_error **err)
{
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	/* v=1 removes anonymous volumes only; named volumes (credentials) stay. */
	_cleanup_free_ char *path =
	    xasprintf("/containers/%s?force=1%s", eid, volumes ? "&v=1" : "");
	return sbx_engine_call(engine_of(b), "DELETE", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL,
			       NULL, err);
}

static int d_update(sbx_backend *b, const char *id, const sbx_resources *r, sbx_error **err)
{
	return sbx_docker_update(engine_of(b), id, r, err);
}

static int d_snapshot(sbx_backend *b, char **image, const char *id, const char *base,
		      const char *repo, const char *tag, sbx_error **err)
{
	return sbx_docker_snapshot(image, engine_of(b), id, base, repo, tag, err);
}

static int d_exec(sbx_backend *b, int *exit_code, const char *id, const char *const *argv,
		  const char *user, sbx_error **err)
{
	return sbx_docker_exec(exit_code, engine_of(b), id, argv, user, err);
}

static int d_attach(sbx_backend *b, int *exit_code, const char *id, const sbx_exec_opts *o,
		    sbx_error **err)
{
	return sbx_docker_exec_session(exit_code, engine_of(b), id, o, err);
}

static int d_copy_in(sbx_backend *b, const char *id, const char *dir, const void *tar, size_t len,
		     sbx_error **err)
{
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *edir = sbx_engine_escape(dir);
	_cleanup_free_ char *path = xasprintf("/containers/%s/archive?path=%s", eid, edir);
	return sbx_engine_call_raw(engine_of(b), "PUT", path, tar, len, "application/x-tar",
				   SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL, err);
}

static int d_copy_out(sbx_backend *b, char **out, const char *id, const char *file, sbx_error **err)
{
	*out = NULL;
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *efile = sbx_engine_escape(file);
	_cleanup_free_ char *path = xasprintf("/containers/%s/archive?path=%s", eid, efile);
	char *tar = NULL;
	size_t len = 0;
	int rc = sbx_engine_call_raw(engine_of(b), "GET", path, NULL, 0, NULL,
				     SBX_ENGINE_TIMEOUT_SHORT, &tar, &len, err);
	if (rc < 0)
		return rc;
	const char *data;
	size_t dlen;
	if (sbx_tar_first_file(tar, len, &data, &dlen))
		*out = xstrndup(data, dlen);
	free(tar);
	return 0;
}

static int d_image_ensure(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			  sbx_error **err)
{
	return sbx_docker_ensure_image(engine_of(b), image, progress, arg, err);
}

static int d_image_user(sbx_backend *b, char **user, const char *image, sbx_error **err)
{
	return sbx_docker_image_user(user, engine_of(b), image, err);
}

static int d_image_id(sbx_backend *b, char **id, const char *image, sbx_error **err)
{
	return sbx_docker_image_id(id, engine_of(b), image, err);
}

static int d_image_pull(sbx_backend *b, const char *image, sbx_progress_fn progress, void *arg,
			sbx_error **err)
{
	return sbx_docker_pull_image(engine_of(b), image, progress, arg, err);
}

static int d_remove_snapshot(sbx_backend *b, sbx_removal *out, const sbx_actual *a, sbx_error **err)
{
	return sbx_docker_remove_snapshot(out, engine_of(b), a, err);
}

static int d_leftovers(sbx_backend *b, sbx_leftover **out, size_t *n, sbx_error **err)
{
	return sbx_docker_leftovers(out, n, engine_of(b), err);
}

static int d_remove_leftover(sbx_backend *b, const sbx_leftover *l, sbx_error **err)
{
	return sbx_docker_remove_leftover(engine_of(b), l, err);
}

static int d_remove_volume(sbx_backend *b, sbx_removal *out, const sbx_actual *a, sbx_error **err)
{
	return sbx_docker_remove_volume(out, engine_of(b), a, err);
}

static int d_info(sbx_backend *b, sbx_backend_info *out, unsigned what, sbx_error **err)
{
	sbx_engine *e = engine_of(b);
	memset(out, 0, sizeof(*out));
	out->socket = sbx_engine_socket_path(e);
	if (!(what & (SBX_INFO_CAPACITY | SBX_INFO_DATA_ROOT)))
		return 0;
	json_object *info = NULL, *v;
	int rc =
	    sbx_engine_call(e, "GET", "/info", NULL, SBX_ENGINE_TIMEOUT_SHORT, &info, NULL, err);
	if (rc < 0)
		return rc;
	if (json_object_object_get_ex(info, "NCPU", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		out->ncpu = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(info, "MemTotal", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
		out->memory = json_object_get_int64(v);
	if (json_object_object_get_ex(info, "DockerRootDir", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_get_string(v)[0] == '/')
		out->data_root = xstrdup(json_object_get_string(v));
	json_object_put(info);
	if ((what & SBX_INFO_DATA_ROOT) && !out->data_root)
		return sbx_error_set(err, SBX_ERROR,
				     "the engine's /info names no data root (DockerRootDir)");
	return 0;
}

static unsigned long d_requests(const sbx_backend *b)
{
	return sbx_engine_requests(((const docker_backend *)b)->engine);
}

static void d_free(sbx_backend *b)
{
	docker_backend *d = (docker_backend *)b;
	sbx_engine_free(d->engine);
	free(d);
}

int sbx_backend_docker_open(sbx_backend **out, const char *host, sbx_error **err)
{
	*out = NULL;
	sbx_engine *e = NULL;
	int rc = sbx_engine_open(&e, host, err);
	if (rc < 0)
		return rc;
	docker_backend *d = xcalloc(1, sizeof(*d));
	d->engine = e;
	d->parent = (sbx_backend){
	    .name = "docker",
	    .find = d_find,
	    .find_all = d_find_all,
	    .find_name = d_find_name,
	    .list = d_list,
	    .name_holder = d_name_holder,
	    .read_resources = d_read_resources,
	    .sessions = d_sessions,
	    .create = d_create,
	    .start = d_start,
	    .stop = d_stop,
	    .rename = d_rename,
	    .remove = d_remove,
	    .update = d_update,
	    .snapshot = d_snapshot,
	    .exec = d_exec,
	    .attach = d_attach,
	    .copy_in = d_copy_in,
	    .copy_out = d_copy_out,
	    .image_ensure = d_image_ensure,
	    .image_user = d_image_user,
	    .image_id = d_image_id,
	    .image_pull = d_image_pull,
	    .remove_snapshot = d_remove_snapshot,
	    .remove_volume = d_remove_volume,
	    .leftovers = d_leftovers,
	    .remove_leftover = d_remove_leftover,
	    .info = d_info,
	    .requests = d_requests,
	    .free = d_free,
	};
	*out = &d->parent;
	return 0;
}

char *sbx_backend_docker_socket(void)
{
	return sbx_engine_default_socket();
}

void sbx_backend_docker_lib_versions(const char **json_c, const char **curl)
{
	*json_c = json_c_version();
	*curl = sbx_engine_curl_version();
}
