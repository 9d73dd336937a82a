/*
 * The docker backend's half of state: sandboxes read from the Engine API's
 * JSON into sbx types, and containers, volumes and images made, changed
 * and removed through it. The canonical form travels in a label as JSON.
 * Only backend_docker.c (and the tests of these codecs) include this.
 */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "fields.h"
#include "hash.h"
#include "policy.h"
#include "util.h"
#include "version.h"

static json_object *form_object(const sbx_fields *fields)
{
	json_object *o = json_object_new_object();
	json_object *f = json_object_new_object();
	for (size_t i = 0; i < fields->n; i++)
		json_object_object_add(f, fields->v[i].path,
				       json_object_new_string(fields->v[i].value));
	/* Keys in sorted order: "fields" before "form". */
	json_object_object_add(o, "fields", f);
	json_object_object_add(o, "form", json_object_new_int(SBX_SPEC_FORM_VERSION));
	return o;
}

char *sbx_docker_form_json(const sbx_fields *fields)
{
	json_object *o = form_object(fields);
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

char *sbx_docker_form_hash(const char *form_json)
{
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, form_json, strlen(form_json));
	return xasprintf("%d:sha256:%s", SBX_SPEC_FORM_VERSION, hex);
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int decode_form(sbx_actual *out, const char *text, sbx_error **err)
{
	json_object *o = json_tokener_parse(text);
	json_object *form, *fields;
	if (!o || !json_object_object_get_ex(o, "form", &form) ||
	    !json_object_is_type(form, json_type_int) ||
	    !json_object_object_get_ex(o, "fields", &fields) ||
	    !json_object_is_type(fields, json_type_object)) {
		json_object_put(o);
		_cleanup_free_ char *q = sbx_quotes(out->name ? out->name : "?");
		return sbx_error_set(err, SBX_EINVALID,
				     "container %s has a malformed %s label: remove it with "
				     "'sbx rm %s' or 'docker rm'",
				     q, SBX_LABEL_SPEC, out->name ? out->name : "NAME");
	}
	out->form_version = json_object_get_int(form);
	json_object_object_foreach(fields, key, val)
	{
		if (json_object_is_type(val, json_type_string))
			sbx_fields_set(&out->fields, key, json_object_get_string(val),
				       sbx_field_sensitive(key, json_object_get_string(val)));
	}
	json_object_put(o);
	return 0;
}

/* A container of the list endpoint (Names, State, Labels) into out. */
static int decode_container(sbx_actual *out, json_object *c, sbx_error **err)
{
	memset(out, 0, sizeof(*out));
	json_object *names, *labels;
	const char *id = get_string(c, "Id");
	const char *state = get_string(c, "State");
	if (!id || !state || !json_object_object_get_ex(c, "Labels", &labels) ||
	    !json_object_object_get_ex(c, "Names", &names) ||
	    !json_object_is_type(names, json_type_array) || json_object_array_length(names) < 1)
		return sbx_error_set(err, SBX_EINVALID, "the engine's container list is malformed");
	const char *name = json_object_get_string(json_object_array_get_idx(names, 0));
	out->exists = true;
	out->id = xstrdup(id);
	out->name = xstrdup(name && name[0] == '/' ? name + 1 : name ? name : "");
	out->status = xstrdup(state);
	out->running = strcmp(state, "running") == 0;
	const char *ws = get_string(labels, SBX_LABEL_WORKSPACE);
	const char *wsid = get_string(labels, SBX_LABEL_WORKSPACE_ID);
	const char *vol = get_string(labels, SBX_LABEL_VOLUME);
	out->workspace = ws ? xstrdup(ws) : NULL;
	out->workspace_id = wsid ? xstrdup(wsid) : NULL;
	json_object *created;
	if (json_object_object_get_ex(c, "Created", &created))
		out->created = json_object_get_int64(created);
	out->volume = vol && *vol ? xstrdup(vol) : NULL;
	const char *ch = get_string(labels, SBX_LABEL_CONFIG_HASH);
	out->config_hash = ch && *ch ? xstrdup(ch) : NULL;
	const char *iid = get_string(labels, SBX_LABEL_IMAGE_ID);
	out->image_id = iid && *iid ? xstrdup(iid) : NULL;
	const char *form = get_string(labels, SBX_LABEL_SPEC);
	if (!form)
		return 0; /* made by hand or by an sbx without the label: every field differs */
	int rc = decode_form(out, form, err);
	/* The name changes in place (rename): the container's own name is the truth. */
	if (rc == 0)
		sbx_fields_set(&out->fields, sbx_field_path(SBX_F_NAME), out->name, false);
	return rc;
}

int sbx_docker_decode(sbx_actual *out, const char *json_text, sbx_error **err)
{
	json_object *c = json_tokener_parse(json_text);
	if (!c)
		return sbx_error_set(err, SBX_EINVALID, "not JSON");
	int rc = decode_container(out, c, err);
	json_object_put(c);
	if (rc < 0)
		sbx_actual_release(out);
	return rc;
}

static char *label_filter(const char *const *labels, size_t n, const char *name)
{
	json_object *f = json_object_new_object();
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(labels[i]));
	if (n)
		json_object_object_add(f, "label", arr);
	else
		json_object_put(arr);
	if (name) {
		/* Narrow on the engine's side; find_one keeps the exact match. */
		json_object *names = json_object_new_array();
		json_object_array_add(names, json_object_new_string(name));
		json_object_object_add(f, "name", names);
	}
	char *esc = sbx_engine_escape(json_object_to_json_string_ext(
	    f, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(f);
	return esc;
}

/* The containers that carry all of labels (and, when name is set, a name like it). */
static int list_containers(json_object **list, sbx_engine *e, const char *const *labels, size_t n,
			   const char *name, sbx_error **err)
{
	*list = NULL;
	_cleanup_free_ char *filter = label_filter(labels, n, name);
	_cleanup_free_ char *path = xasprintf("/containers/json?all=1&filters=%s", filter);
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, list, NULL, err);
	if (rc < 0)
		return rc;
	if (!json_object_is_type(*list, json_type_array)) {
		json_object_put(*list);
		*list = NULL;
		return sbx_error_set(err, SBX_ERROR, "the engine's container list is malformed");
	}
	return 0;
}

/* Does the container c of a list claim ws (sbx_workspace_claimed)? */
static bool claims(json_object *c, const sbx_workspace *ws)
{
	json_object *labels = NULL, *created;
	json_object_object_get_ex(c, "Labels", &labels);
	long long t = json_object_object_get_ex(c, "Created", &created)
			  ? (long long)json_object_get_int64(created)
			  : 0;
	return sbx_workspace_claimed(ws, get_string(labels, SBX_LABEL_WORKSPACE),
				     get_string(labels, SBX_LABEL_WORKSPACE_ID), t, false);
}

/* The one container with labels (and name, and claiming ws, when set). */
static int find_one(sbx_actual *out, sbx_engine *e, const char *const *labels, size_t nlabels,
		    const char *name, const sbx_workspace *ws, const char *what, sbx_error **err)
{
	memset(out, 0, sizeof(*out));
	json_object *list = NULL;
	int rc = list_containers(&list, e, labels, nlabels, name, err);
	if (rc < 0)
		return rc;
	json_object *found = NULL;
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i), *names;
		if (name) {
			/* The engine's name filter is a pattern: keep the exact name only. */
			const char *nm = NULL;
			if (json_object_object_get_ex(c, "Names", &names) &&
			    json_object_array_length(names) > 0)
				nm = json_object_get_string(json_object_array_get_idx(names, 0));
			if (!nm || strcmp(nm[0] == '/' ? nm + 1 : nm, name) != 0)
				continue;
		}
		if (ws && !claims(c, ws))
			continue;
		found = c;
		n++;
	}
	if (n > 1) {
		json_object_put(list);
		return sbx_error_set(err, SBX_ECONFLICT,
				     "%zu containers claim %s; keep one (sbx ls, docker rm)", n,
				     what);
	}
	if (found)
		rc = decode_container(out, found, err);
	json_object_put(list);
	if (rc < 0)
		sbx_actual_release(out);
	return rc;
}

/*
 * The engine filters on the path label; the identity is judged here
 * (sbx_workspace_claimed), which also accepts the "device:inode" of an
 * earlier sbx: one request, as before.
 */
int sbx_docker_find(sbx_actual *out, sbx_engine *e, const sbx_workspace *ws, sbx_error **err)
{
	_cleanup_free_ char *l1 = xasprintf(SBX_LABEL_WORKSPACE "=%s", ws->path);
	const char *labels[] = {l1};
	_cleanup_free_ char *q = sbx_quotes(ws->path);
	_cleanup_free_ char *what = xasprintf("the workspace %s", q);
	return find_one(out, e, labels, 1, NULL, ws, what, err);
}

int sbx_docker_find_name(sbx_actual *out, sbx_engine *e, const char *name, sbx_error **err)
{
	const char *labels[] = {SBX_LABEL_MANAGED};
	_cleanup_free_ char *q = sbx_quotes(name);
	_cleanup_free_ char *what = xasprintf("the name %s", q);
	return find_one(out, e, labels, 1, name, NULL, what, err);
}

static char *dup_or(const char *s, const char *def)
{
	return xstrdup(s ? s : def);
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const sbx_sandbox_info *)a)->name, ((const sbx_sandbox_info *)b)->name);
}

/* A container of the list endpoint into an `sbx ls` row; its labels are only claims. */
static void decode_info(sbx_sandbox_info *s, json_object *c)
{
	json_object *labels_o = NULL, *names, *created;
	json_object_object_get_ex(c, "Labels", &labels_o);
	const char *name = NULL;
	if (json_object_object_get_ex(c, "Names", &names) &&
	    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0)
		name = json_object_get_string(json_object_array_get_idx(names, 0));
	s->id = dup_or(get_string(c, "Id"), "");
	s->managed = get_string(labels_o, SBX_LABEL_MANAGED) != NULL;
	const char *vol = get_string(labels_o, SBX_LABEL_VOLUME);
	s->volume = vol && *vol ? xstrdup(vol) : NULL;
	s->name = dup_or(name && name[0] == '/' ? name + 1 : name, "");
	s->agent = dup_or(get_string(labels_o, SBX_LABEL_AGENT), "?");
	s->workspace = dup_or(get_string(labels_o, SBX_LABEL_WORKSPACE), "?");
	s->workspace_id = dup_or(get_string(labels_o, SBX_LABEL_WORKSPACE_ID), "");
	s->status = dup_or(get_string(c, "State"), "?");
	/* The image the file asked for, not the snapshot a recreate started from. */
	json_object *form = json_tokener_parse(get_string(labels_o, SBX_LABEL_SPEC)
						   ? get_string(labels_o, SBX_LABEL_SPEC)
						   : "null"),
		    *fields = NULL;
	if (form)
		json_object_object_get_ex(form, "fields", &fields);
	const char *img = get_string(fields, sbx_field_path(SBX_F_IMAGE));
	s->image = dup_or(img ? img : get_string(c, "Image"), "?");
	json_object_put(form);
	if (json_object_object_get_ex(c, "Created", &created))
		s->created = json_object_get_int64(created);
	s->workspace_gone = sbx_workspace_gone(s->workspace, s->workspace_id, s->created);
}

int sbx_docker_list(sbx_sandbox_info **out, size_t *n, sbx_engine *e, sbx_error **err)
{
	*out = NULL;
	*n = 0;
	const char *labels[] = {SBX_LABEL_MANAGED};
	json_object *list = NULL;
	int rc = list_containers(&list, e, labels, 1, NULL, err);
	if (rc < 0)
		return rc;
	size_t len = json_object_array_length(list);
	sbx_sandbox_info *v = xcalloc(len, sizeof(*v));
	for (size_t i = 0; i < len; i++)
		decode_info(&v[i], json_object_array_get_idx(list, i));
	json_object_put(list);
	qsort(v, len, sizeof(*v), cmp_info);
	*out = v;
	*n = len;
	return 0;
}

int sbx_docker_name_holder(sbx_sandbox_info **out, sbx_engine *e, const char *name, sbx_error **err)
{
	*out = NULL;
	json_object *list = NULL;
	int rc = list_containers(&list, e, NULL, 0, name, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i), *names;
		/* The engine's name filter is a pattern: keep the exact name only. */
		const char *nm = NULL;
		if (json_object_object_get_ex(c, "Names", &names) &&
		    json_object_is_type(names, json_type_array) &&
		    json_object_array_length(names) > 0)
			nm = json_object_get_string(json_object_array_get_idx(names, 0));
		if (!nm || strcmp(nm[0] == '/' ? nm + 1 : nm, name) != 0)
			continue;
		*out = xcalloc(1, sizeof(**out));
		decode_info(*out, c);
		break;
	}
	json_object_put(list);
	return 0;
}


static void add_env(json_object *env, const char *name, const char *value)
{
	char *kv = xasprintf("%s=%s", name, value);
	json_object_array_add(env, json_object_new_string(kv));
	free(kv);
}

static void add_mount(json_object *mounts, const char *type, const char *source, const char *target,
		      bool readonly)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "Type", json_object_new_string(type));
	json_object_object_add(m, "Source", json_object_new_string(source));
	json_object_object_add(m, "Target", json_object_new_string(target));
	json_object_object_add(m, "ReadOnly", json_object_new_boolean(readonly));
	json_object_array_add(mounts, m);
}

/*
 * The tamper guard through every mount. A read-write mount whose source
 * holds sandbox.yaml (the workspace's parent, a monorepo root) shows the
 * file a second time, at the mount's target plus the file's path below the
 * source, and there the agent could rewrite it. So the file is bound
 * read-only at each such path too: the engine mounts deeper targets after
 * shallower ones, so the read-only bind covers the file in the writable
 * mount. A rename, link or replacement of the file through that path fails
 * (the path is a mount point; links across mounts are EXDEV). guards holds
 * the container paths already bound (no second mount at one target).
 * Read-only mounts need no guard.
 */
typedef struct guard_list {
	char **v; /* NULL-terminated, room for every mount twice */
	size_t n;
} guard_list;

static void add_guards(json_object *mounts, guard_list *guards, const sbx_create *c,
		       const sbx_host_facts *facts)
{
	const sbx_spec *spec = c->spec;
	const char *config = c->ws->config;
	if (!config)
		return;
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const char *src =
		    facts->mount_sources ? facts->mount_sources[i] : spec->mounts[i].source;
		if (spec->mounts[i].readonly || strcmp(src, config) == 0 ||
		    !sbx_path_within(config, src))
			continue;
		const char *target = sbx_mount_target(&spec->mounts[i], src);
		const char *below = strcmp(src, "/") == 0 ? config : config + strlen(src);
		_cleanup_free_ char *at = strcmp(target, "/") == 0
					      ? xstrdup(below)
					      : xasprintf("%s%s", target, below);
		bool seen = false;
		for (size_t k = 0; k < guards->n; k++)
			seen = seen || sbx_mount_same_target(guards->v[k], at);
		if (seen)
			continue;
		add_mount(mounts, "bind", config, at, true);
		guards->v[guards->n++] = xstrdup(at);
	}
}

/* POST a body (borrowed, may be NULL) to path and take the "Id" of what the engine made. */
static int post_for_id(char **id, sbx_engine *e, const char *path, json_object *body, int timeout,
		       const char *what, sbx_error **err)
{
	*id = NULL;
	json_object *resp = NULL;
	int rc = sbx_engine_call(e, "POST", path, body, timeout, &resp, NULL, err);
	if (rc < 0)
		return rc;
	const char *v = get_string(resp, "Id");
	if (v)
		*id = xstrdup(v);
	json_object_put(resp);
	if (!*id)
		return sbx_error_set(err, SBX_ERROR, "the engine made %s but gave no id", what);
	return 0;
}

/*
 * The capabilities a sandbox keeps (SBX_SECURITY_PROFILE "hardened-3"): what
 * an agent needs to install packages with sudo and apt/dpkg (change owners
 * and modes, read and write past file modes as root, switch users, keep
 * setuid bits, signal its own processes, log through PAM's audit hook) and
 * to serve on a low port. Docker's default set less MKNOD, NET_RAW,
 * SYS_CHROOT, SETPCAP and SETFCAP.
 */
static const char *const kept_caps[] = {
    "CAP_AUDIT_WRITE", "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",		 "CAP_FSETID",
    "CAP_KILL",	       "CAP_SETGID", "CAP_SETUID",	 "CAP_NET_BIND_SERVICE",
};

/*
 * sbx's defaults over the image's and the daemon's: every capability
 * dropped but kept_caps, not privileged, no devices, sbx's own seccomp
 * profile (the engine's default allowlist, less every call that could put
 * a set-id bit on a file the host can reach: seccomp.c), private IPC, PID,
 * UTS and cgroup namespaces. no-new-privileges stays off: it would disarm
 * sudo, the way an agent installs packages.
 */
static void harden(json_object *host)
{
	json_object_object_add(host, "Privileged", json_object_new_boolean(false));
	json_object *drop = json_object_new_array();
	json_object_array_add(drop, json_object_new_string("ALL"));
	json_object_object_add(host, "CapDrop", drop);
	json_object *add = json_object_new_array();
	for (size_t i = 0; i < SBX_ARRAY_SIZE(kept_caps); i++)
		json_object_array_add(add, json_object_new_string(kept_caps[i]));
	json_object_object_add(host, "CapAdd", add);
	json_object *opts = json_object_new_array();
	_cleanup_free_ char *profile = sbx_docker_seccomp_json(sbx_seccomp_policy());
	_cleanup_free_ char *opt = xasprintf("seccomp=%s", profile);
	json_object_array_add(opts, json_object_new_string(opt));
	json_object_object_add(host, "SecurityOpt", opts);
	json_object_object_add(host, "Devices", json_object_new_array());
	json_object_object_add(host, "DeviceCgroupRules", json_object_new_array());
	json_object_object_add(host, "IpcMode", json_object_new_string("private"));
	json_object_object_add(host, "PidMode", json_object_new_string(""));
	json_object_object_add(host, "UTSMode", json_object_new_string(""));
	json_object_object_add(host, "CgroupnsMode", json_object_new_string("private"));
	json_object_object_add(host, "ReadonlyRootfs", json_object_new_boolean(false));
}

/*
 * Make the named volume with sbx's labels before a container names it (the
 * engine would make it unlabelled): for a workspace's own volume, that
 * workspace's path and identity; for an agent's shared tokens, the agent.
 * A volume of that name that exists already is kept as it is, labels and
 * all; only one whose labels say sbx made it for the workspace is ever
 * removed (sbx_docker_remove_volume).
 */
static int ensure_volume(sbx_engine *e, const char *name, const sbx_workspace *ws,
			 const char *tokens_of, sbx_error **err)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "Name", json_object_new_string(name));
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, SBX_LABEL_MANAGED, json_object_new_string("1"));
	if (ws) {
		json_object_object_add(labels, SBX_LABEL_WORKSPACE,
				       json_object_new_string(ws->path));
		json_object_object_add(labels, SBX_LABEL_WORKSPACE_ID,
				       json_object_new_string(ws->id));
	}
	if (tokens_of)
		json_object_object_add(labels, SBX_LABEL_TOKENS, json_object_new_string(tokens_of));
	json_object_object_add(body, "Labels", labels);
	int rc = sbx_engine_call(e, "POST", "/volumes/create", body, SBX_ENGINE_TIMEOUT_SHORT, NULL,
				 NULL, err);
	json_object_put(body);
	return rc;
}

/* Do labels (borrowed) say sbx made the object for a's workspace? */
static bool labels_match(json_object *labels, const sbx_actual *a)
{
	const char *m = get_string(labels, SBX_LABEL_MANAGED);
	const char *ws = get_string(labels, SBX_LABEL_WORKSPACE);
	const char *id = get_string(labels, SBX_LABEL_WORKSPACE_ID);
	return m && strcmp(m, "1") == 0 && ws && a->workspace && strcmp(ws, a->workspace) == 0 &&
	       id && a->workspace_id && strcmp(id, a->workspace_id) == 0;
}

/* Inspect path, and say whether the labels at its key (Labels, Config.Labels) match a. */
static int owned_by(bool *owned, sbx_engine *e, const char *path, bool image, const sbx_actual *a,
		    sbx_error **err)
{
	*owned = false;
	json_object *o = NULL, *labels = NULL, *config = NULL;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &o, NULL, err);
	if (rc < 0)
		return rc;
	if (image)
		json_object_object_get_ex(o, "Config", &config);
	json_object_object_get_ex(image ? config : o, "Labels", &labels);
	*owned = labels && json_object_is_type(labels, json_type_object) && labels_match(labels, a);
	json_object_put(o);
	return 0;
}

/*
 * Removes the object at path (inspected at inspect) when its own labels say
 * sbx made it for a's workspace; else says why it was left.
 */
static int remove_if_ours(sbx_removal *out, sbx_engine *e, const char *inspect, bool image,
			  const char *path, const sbx_actual *a, sbx_error **err)
{
	bool owned;
	int rc = owned_by(&owned, e, inspect, image, a, err);
	if (rc == SBX_ENOTFOUND) {
		sbx_error_free(*err);
		*err = NULL;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!owned) {
		*out = SBX_REMOVAL_NOT_OURS;
		return 0;
	}
	if ((rc = sbx_engine_call(e, "DELETE", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL,
				  err)) < 0)
		return rc;
	*out = SBX_REMOVAL_REMOVED;
	return 0;
}

int sbx_docker_remove_volume(sbx_removal *out, sbx_engine *e, const sbx_actual *a, sbx_error **err)
{
	*out = SBX_REMOVAL_ABSENT;
	if (!a->volume)
		return 0;
	_cleanup_free_ char *ev = sbx_engine_escape(a->volume);
	_cleanup_free_ char *path = xasprintf("/volumes/%s", ev);
	return remove_if_ours(out, e, path, false, path, a, err);
}

/* Only sbx's snapshot tag, or none: an image someone tagged is theirs, whatever its labels. */
static bool snapshot_tags(json_object *img)
{
	json_object *tags;
	if (!json_object_object_get_ex(img, "RepoTags", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return true;
	for (size_t i = 0; i < json_object_array_length(tags); i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
		if (!t || strcmp(t, "<none>:<none>") == 0)
			continue;
		if (strncmp(t, SBX_SNAPSHOT_REPO ":", sizeof(SBX_SNAPSHOT_REPO)) != 0)
			return false;
	}
	return true;
}

/*
 * Every snapshot of a's workspace that no container uses: images whose own
 * labels say sbx made them for it (managed, workspace path and identity,
 * all three) and that carry no tag but sbx's. The engine refuses to remove
 * one a container uses (409): that one stays.
 */
static int sweep_snapshots(size_t *removed, sbx_engine *e, const sbx_actual *a, sbx_error **err)
{
	*removed = 0;
	if (!a->workspace || !a->workspace_id)
		return 0;
	json_object *f = json_object_new_object(), *lab = json_object_new_array();
	_cleanup_free_ char *idl = xasprintf("%s=%s", SBX_LABEL_WORKSPACE_ID, a->workspace_id);
	json_object_array_add(lab, json_object_new_string(SBX_LABEL_MANAGED "=1"));
	json_object_array_add(lab, json_object_new_string(idl));
	json_object_object_add(f, "label", lab);
	_cleanup_free_ char *filter =
	    sbx_engine_escape(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	_cleanup_free_ char *path = xasprintf("/images/json?all=1&filters=%s", filter);
	json_object *list = NULL;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &list, NULL, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; list && json_object_is_type(list, json_type_array) &&
			   i < json_object_array_length(list);
	     i++) {
		json_object *img = json_object_array_get_idx(list, i), *labels = NULL;
		const char *id = get_string(img, "Id");
		if (!id || !json_object_object_get_ex(img, "Labels", &labels) ||
		    !json_object_is_type(labels, json_type_object) || !labels_match(labels, a) ||
		    !snapshot_tags(img))
			continue;
		_cleanup_free_ char *eid = sbx_engine_escape(id);
		_cleanup_free_ char *del = xasprintf("/images/%s", eid);
		sbx_error *derr = NULL;
		rc = sbx_engine_call(e, "DELETE", del, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL,
				     &derr);
		if (rc == SBX_ECONFLICT || rc == SBX_ENOTFOUND) { /* in use, or gone meanwhile */
			sbx_error_free(derr);
			rc = 0;
			continue;
		}
		if (rc < 0) {
			*err = derr;
			break;
		}
		(*removed)++;
	}
	json_object_put(list);
	return rc;
}

/* All three of sbx's labels, each with a value: what prune asks of an object. */
static bool labels_complete(json_object *labels)
{
	const char *m = get_string(labels, SBX_LABEL_MANAGED);
	const char *ws = get_string(labels, SBX_LABEL_WORKSPACE);
	const char *id = get_string(labels, SBX_LABEL_WORKSPACE_ID);
	return m && strcmp(m, "1") == 0 && ws && *ws == '/' && id && *id;
}

static void add_leftover(sbx_leftover **out, size_t *n, bool image, const char *id,
			 json_object *labels)
{
	*out = xreallocarray(*out, *n + 1, sizeof(**out));
	sbx_leftover *l = &(*out)[(*n)++];
	l->image = image;
	l->id = xstrdup(id);
	l->workspace = xstrdup(get_string(labels, SBX_LABEL_WORKSPACE));
	l->workspace_gone =
	    sbx_workspace_gone(l->workspace, get_string(labels, SBX_LABEL_WORKSPACE_ID), 0);
}

static char *managed_filter(const char *extra_key, const char *extra_value)
{
	json_object *f = json_object_new_object(), *lab = json_object_new_array();
	json_object_array_add(lab, json_object_new_string(SBX_LABEL_MANAGED "=1"));
	json_object_object_add(f, "label", lab);
	if (extra_key) {
		json_object *x = json_object_new_array();
		json_object_array_add(x, json_object_new_string(extra_value));
		json_object_object_add(f, extra_key, x);
	}
	char *esc = sbx_engine_escape(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	return esc;
}

int sbx_docker_leftovers(sbx_leftover **out, size_t *n, sbx_engine *e, sbx_error **err)
{
	*out = NULL;
	*n = 0;
	json_object *ctrs = NULL, *imgs = NULL, *vols = NULL;
	_cleanup_free_ char *mf = managed_filter(NULL, NULL);
	_cleanup_free_ char *df = managed_filter("dangling", "true");
	_cleanup_free_ char *ipath = xasprintf("/images/json?all=1&filters=%s", mf);
	_cleanup_free_ char *vpath = xasprintf("/volumes?filters=%s", df);
	int rc = sbx_engine_call(e, "GET", "/containers/json?all=1", NULL, SBX_ENGINE_TIMEOUT_SHORT,
				 &ctrs, NULL, err);
	if (rc == 0)
		rc = sbx_engine_call(e, "GET", ipath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &imgs, NULL,
				     err);
	if (rc == 0)
		rc = sbx_engine_call(e, "GET", vpath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &vols, NULL,
				     err);
	if (rc == 0 && json_object_is_type(imgs, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(imgs); i++) {
			json_object *img = json_object_array_get_idx(imgs, i), *labels = NULL;
			const char *id = get_string(img, "Id");
			if (!id || !json_object_object_get_ex(img, "Labels", &labels) ||
			    !json_object_is_type(labels, json_type_object) ||
			    !labels_complete(labels) || !snapshot_tags(img))
				continue;
			bool used = false;
			for (size_t j = 0; !used && json_object_is_type(ctrs, json_type_array) &&
					   j < json_object_array_length(ctrs);
			     j++) {
				const char *cid =
				    get_string(json_object_array_get_idx(ctrs, j), "ImageID");
				used = cid && strcmp(cid, id) == 0;
			}
			if (!used)
				add_leftover(out, n, true, id, labels);
		}
	}
	json_object *vl = NULL;
	if (rc == 0 && json_object_object_get_ex(vols, "Volumes", &vl) &&
	    json_object_is_type(vl, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(vl); i++) {
			json_object *v = json_object_array_get_idx(vl, i), *labels = NULL;
			const char *name = get_string(v, "Name");
			if (name && json_object_object_get_ex(v, "Labels", &labels) &&
			    json_object_is_type(labels, json_type_object) && labels_complete(labels))
				add_leftover(out, n, false, name, labels);
		}
	}
	json_object_put(ctrs);
	json_object_put(imgs);
	json_object_put(vols);
	if (rc < 0) {
		sbx_leftover_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int sbx_docker_remove_leftover(sbx_engine *e, const sbx_leftover *l, sbx_error **err)
{
	_cleanup_free_ char *eid = sbx_engine_escape(l->id);
	/* No force: the engine refuses (409) what a container uses. */
	_cleanup_free_ char *path = xasprintf(l->image ? "/images/%s" : "/volumes/%s", eid);
	return sbx_engine_call(e, "DELETE", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL, err);
}

int sbx_docker_remove_snapshot(sbx_removal *out, sbx_engine *e, const sbx_actual *a,
			       sbx_error **err)
{
	*out = SBX_REMOVAL_ABSENT;
	_cleanup_free_ char *ref = xasprintf("%s:%s", SBX_SNAPSHOT_REPO, a->name);
	_cleanup_free_ char *eref = sbx_engine_escape(ref);
	_cleanup_free_ char *inspect = xasprintf("/images/%s/json", eref);
	bool owned = false;
	int rc = owned_by(&owned, e, inspect, true, a, err);
	if (rc == SBX_ENOTFOUND) {
		sbx_error_free(*err);
		*err = NULL;
		owned = true; /* nothing of anyone's under the name */
	} else if (rc < 0) {
		return rc;
	}
	size_t removed = 0;
	if ((rc = sweep_snapshots(&removed, e, a, err)) < 0)
		return rc;
	*out = removed ? SBX_REMOVAL_REMOVED : owned ? SBX_REMOVAL_ABSENT : SBX_REMOVAL_NOT_OURS;
	return 0;
}

int sbx_docker_image_id(char **id, sbx_engine *e, const char *image, sbx_error **err)
{
	*id = NULL;
	_cleanup_free_ char *eimg = sbx_engine_escape(image);
	_cleanup_free_ char *path = xasprintf("/images/%s/json", eimg);
	json_object *img = NULL;
	sbx_error *local = NULL;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &img, NULL, &local);
	if (rc == SBX_ENOTFOUND) {
		sbx_error_free(local);
		return 0;
	}
	if (rc < 0) {
		*err = local;
		return rc;
	}
	const char *v = get_string(img, "Id");
	*id = v && *v ? xstrdup(v) : NULL;
	json_object_put(img);
	return 0;
}

int sbx_docker_create(char **id, sbx_engine *e, const sbx_create *c, sbx_error **err)
{
	*id = NULL;
	const sbx_spec *spec = c->spec;
	const sbx_host_facts *facts = c->facts;
	/* The image the file's reference names now, which the plan compares with later. */
	_cleanup_free_ char *image_id = NULL;
	int rc = sbx_docker_image_id(&image_id, e, spec->image, err);
	if (rc < 0)
		return rc;
	json_object *body = json_object_new_object();
	json_object_object_add(body, "Image", json_object_new_string(c->image));
	/* An idle PID 1 under the engine's init; agents run through exec. */
	json_object *cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string("sleep"));
	json_object_array_add(cmd, json_object_new_string("infinity"));
	json_object_object_add(body, "Cmd", cmd);
	json_object_object_add(body, "Entrypoint", json_object_new_array());
	json_object_object_add(body, "WorkingDir", json_object_new_string(c->ws->path));
	if (spec->user)
		json_object_object_add(body, "User", json_object_new_string(spec->user));

	json_object *env = json_object_new_array();
	for (size_t i = 0; i < spec->env_len; i++)
		add_env(env, spec->env[i].name, spec->env[i].value);
	if (spec->git_identity) {
		const char *ids[4][2] = {{"GIT_AUTHOR_NAME", facts->git_author_name},
					 {"GIT_AUTHOR_EMAIL", facts->git_author_email},
					 {"GIT_COMMITTER_NAME", facts->git_committer_name},
					 {"GIT_COMMITTER_EMAIL", facts->git_committer_email}};
		for (size_t i = 0; i < 4; i++)
			if (ids[i][1])
				add_env(env, ids[i][0], ids[i][1]);
	}
	/*
	 * No pass_env: the host's values go to each session (sbx run, sbx
	 * exec), never into the container's config, which `docker inspect`
	 * shows and a snapshot copies.
	 */
	/*
	 * git inside trusts the workspace (Docker Sandboxes does the same): its
	 * owner on the host may have no name in the image. Through the
	 * environment (git 2.31+), so no file in the image is touched.
	 */
	bool user_git_config = false;
	for (size_t i = 0; i < spec->env_len; i++)
		if (strcmp(spec->env[i].name, "GIT_CONFIG_COUNT") == 0)
			user_git_config = true;
	if (!user_git_config) {
		add_env(env, "GIT_CONFIG_COUNT", "1");
		add_env(env, "GIT_CONFIG_KEY_0", "safe.directory");
		add_env(env, "GIT_CONFIG_VALUE_0", c->ws->path);
	}
	json_object_object_add(body, "Env", env);

	_cleanup_free_ char *form = sbx_docker_form_json(c->fields);
	_cleanup_free_ char *hash = sbx_docker_form_hash(form);
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, SBX_LABEL_MANAGED, json_object_new_string("1"));
	json_object_object_add(labels, SBX_LABEL_WORKSPACE, json_object_new_string(c->ws->path));
	json_object_object_add(labels, SBX_LABEL_WORKSPACE_ID, json_object_new_string(c->ws->id));
	if (c->ws->config)
		json_object_object_add(labels, SBX_LABEL_CONFIG,
				       json_object_new_string(c->ws->config));
	json_object_object_add(labels, SBX_LABEL_AGENT, json_object_new_string(spec->agent->name));
	json_object_object_add(labels, SBX_LABEL_SPEC, json_object_new_string(form));
	json_object_object_add(labels, SBX_LABEL_SPEC_HASH, json_object_new_string(hash));
	json_object_object_add(labels, SBX_LABEL_VERSION, json_object_new_string(SBX_VERSION));
	/* Always set, even empty: a snapshot's image labels must not speak for this container. */
	json_object_object_add(labels, SBX_LABEL_CONFIG_HASH,
			       json_object_new_string(c->config_hash ? c->config_hash : ""));
	json_object_object_add(
	    labels, SBX_LABEL_VOLUME,
	    json_object_new_string(facts->credentials_volume ? facts->credentials_volume : ""));
	json_object_object_add(labels, SBX_LABEL_IMAGE_ID,
			       json_object_new_string(image_id ? image_id : ""));
	json_object_object_add(body, "Labels", labels);

	json_object *host = json_object_new_object();
	harden(host);
	json_object_object_add(host, "Init", json_object_new_boolean(true));
	json_object *restart = json_object_new_object();
	json_object_object_add(restart, "Name", json_object_new_string("no"));
	json_object_object_add(host, "RestartPolicy", restart);
	json_object_object_add(host, "NetworkMode",
			       json_object_new_string(sbx_network_name(spec->network)));
	/* HostConfig.Mounts, never Binds: Binds would create a missing source as root. */
	json_object *mounts = json_object_new_array();
	add_mount(mounts, "bind", c->ws->path, c->ws->path, false);
	/*
	 * The tamper guard: inside, sandbox.yaml is read-only over itself, so
	 * the agent cannot grant itself more on the next apply. (A file inside
	 * the workspace mount: the engine mounts the shallower path first.)
	 */
	/* the container paths where sandbox.yaml is bound read-only: at most one per mount */
	guard_list guards = {xcalloc(2 * spec->mounts_len + 2, sizeof(char *)), 0};
	if (c->ws->config && sbx_path_within(c->ws->config, c->ws->path)) {
		add_mount(mounts, "bind", c->ws->config, c->ws->config, true);
		guards.v[guards.n++] = xstrdup(c->ws->config);
	}
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const char *src =
		    facts->mount_sources ? facts->mount_sources[i] : spec->mounts[i].source;
		const char *target = sbx_mount_target(&spec->mounts[i], src);
		bool ro = spec->mounts[i].readonly;
		/* A mount of sandbox.yaml itself is read-only whatever it says. */
		if (c->ws->config && strcmp(src, c->ws->config) == 0) {
			ro = true;
			guards.v[guards.n++] = xstrdup(target);
		}
		add_mount(mounts, "bind", src, target, ro);
	}
	add_guards(mounts, &guards, c, facts);
	sbx_strv_free(guards.v);
	if (spec->docker_socket && facts->docker_socket) {
		add_mount(mounts, "bind", facts->docker_socket, "/var/run/docker.sock", false);
		/* The socket's group for whichever user runs inside: it may use the socket. */
		if (facts->docker_socket_group) {
			json_object *groups = json_object_new_array();
			json_object_array_add(groups,
					      json_object_new_string(facts->docker_socket_group));
			json_object_object_add(host, "GroupAdd", groups);
		}
	}
	if (facts->credentials_volume && spec->agent->credentials_dir)
		add_mount(mounts, "volume", facts->credentials_volume, spec->agent->credentials_dir,
			  false);
	if (facts->tokens_volume)
		add_mount(mounts, "volume", facts->tokens_volume, SBX_TOKENS_DIR, false);
	json_object_object_add(host, "Mounts", mounts);
	if (spec->resources.cpus > 0)
		json_object_object_add(
		    host, "NanoCpus", json_object_new_int64((int64_t)(spec->resources.cpus * 1e9)));
	if (spec->resources.memory > 0)
		json_object_object_add(host, "Memory",
				       json_object_new_int64(spec->resources.memory));
	json_object_object_add(host, "PidsLimit", json_object_new_int64(spec->resources.pids));
	json_object_object_add(body, "HostConfig", host);

	rc = 0;
	if (facts->credentials_volume && spec->agent->credentials_dir)
		rc = ensure_volume(e, facts->credentials_volume, c->ws, NULL, err);
	if (rc == 0 && facts->tokens_volume)
		rc = ensure_volume(e, facts->tokens_volume, NULL, spec->agent->name, err);
	_cleanup_free_ char *ename = sbx_engine_escape(c->name);
	_cleanup_free_ char *path = xasprintf("/containers/create?name=%s", ename);
	if (rc == 0)
		rc = post_for_id(id, e, path, body, SBX_ENGINE_TIMEOUT_SHORT, "a container", err);
	json_object_put(body);
	return rc;
}

int sbx_docker_update(sbx_engine *e, const char *id, const sbx_resources *r, sbx_error **err)
{
	json_object *body = json_object_new_object();
	json_object_object_add(body, "NanoCpus", json_object_new_int64((int64_t)(r->cpus * 1e9)));
	if (r->memory > 0) {
		json_object_object_add(body, "Memory", json_object_new_int64(r->memory));
		/* Swap follows memory, as at create: no more than the memory again. */
		json_object_object_add(body, "MemorySwap", json_object_new_int64(2 * r->memory));
	}
	json_object_object_add(body, "PidsLimit", json_object_new_int64(r->pids));
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/update", eid);
	int rc = sbx_engine_call(e, "POST", path, body, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL, err);
	json_object_put(body);
	return rc;
}

/* A number of progressDetail (current, total): a non-negative integer, else 0. */
static int64_t detail_bytes(json_object *detail, const char *key)
{
	json_object *v;
	if (!detail || !json_object_object_get_ex(detail, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	int64_t n = json_object_get_int64(v);
	return n > 0 ? n : 0;
}

void sbx_docker_pull_message(json_object *msg, void *arg)
{
	sbx_docker_pull *p = arg;
	if (!json_object_is_type(msg, json_type_object))
		return;
	const char *status = get_string(msg, "status");
	const char *id = get_string(msg, "id");
	/* The error itself becomes the pull's error (engine.c); here it only ends the block. */
	if (json_object_object_get_ex(msg, "errorDetail", NULL) ||
	    json_object_object_get_ex(msg, "error", NULL))
		return;
	if (!status)
		return;
	if (strncmp(status, "Digest: ", 8) == 0) {
		free(p->digest);
		p->digest = xstrdup(status + 8);
		return;
	}
	/*
	 * Only a layer's messages carry a layer: "Pulling from REPO" names the
	 * tag in its id, and "Status: ..." and the like no id at all.
	 */
	if (!id || !*id || strncmp(status, "Pulling from ", 13) == 0 || !p->fn)
		return;
	json_object *detail = NULL;
	json_object_object_get_ex(msg, "progressDetail", &detail);
	if (detail && !json_object_is_type(detail, json_type_object))
		detail = NULL;
	sbx_pull_event ev = {
	    .kind = SBX_PULL_LAYER,
	    .image = p->image,
	    .id = id,
	    .status = status,
	    .current = detail_bytes(detail, "current"),
	    .total = detail_bytes(detail, "total"),
	};
	p->fn(&ev, p->arg);
}

int sbx_docker_ensure_image(sbx_engine *e, const char *image, sbx_progress_fn on_progress,
			    void *arg, sbx_error **err)
{
	_cleanup_free_ char *eimg = sbx_engine_escape(image);
	_cleanup_free_ char *path = xasprintf("/images/%s/json", eimg);
	sbx_error *local = NULL;
	long status = 0;
	int rc =
	    sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, &status, &local);
	if (rc == 0)
		return 0;
	if (rc != SBX_ENOTFOUND) {
		*err = local;
		return rc;
	}
	sbx_error_free(local);
	return sbx_docker_pull_image(e, image, on_progress, arg, err);
}

int sbx_docker_pull_image(sbx_engine *e, const char *image, sbx_progress_fn on_progress,
			  void *arg, sbx_error **err)
{
	_cleanup_free_ char *eimg = sbx_engine_escape(image);
	int rc;
	sbx_docker_pull p = {image, on_progress, arg, NULL};
	sbx_pull_event ev = {.kind = SBX_PULL_START, .image = image};
	if (on_progress)
		on_progress(&ev, arg);
	/* fromImage takes the whole reference; the engine splits name, tag and digest. */
	_cleanup_free_ char *pull = xasprintf("/images/create?fromImage=%s", eimg);
	rc = sbx_engine_call_stream(e, "POST", pull, SBX_ENGINE_TIMEOUT_LONG,
				    sbx_docker_pull_message, &p, err);
	if (rc < 0) {
		_cleanup_free_ char *q = sbx_quotes(image);
		sbx_error_wrap(err, "pulling image %s", q);
		ev =
		    (sbx_pull_event){.kind = SBX_PULL_ERROR, .image = image, .status = (*err)->msg};
	} else {
		ev = (sbx_pull_event){.kind = SBX_PULL_DONE, .image = image, .digest = p.digest};
	}
	if (on_progress)
		on_progress(&ev, arg);
	free(p.digest);
	return rc;
}

/*
 * One word of a builder instruction, in double quotes: the builder's lexer
 * undoes \\, \" and \$ there and expands nothing escaped. A newline would
 * end the instruction: refused.
 */
static bool add_word(sbx_buf *b, const char *s)
{
	sbx_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			return false;
		if (*s == '"' || *s == '\\' || *s == '$')
			sbx_buf_addc(b, '\\');
		sbx_buf_addc(b, *s);
	}
	sbx_buf_addc(b, '"');
	return true;
}

static bool add_change(sbx_buf *path, const char *verb, const char *key, const char *value)
{
	sbx_buf c = SBX_BUF_INIT;
	sbx_buf_addf(&c, "%s ", verb);
	bool ok = add_word(&c, key);
	if (ok && value) {
		sbx_buf_addc(&c, '=');
		ok = add_word(&c, value);
	}
	if (ok) {
		_cleanup_free_ char *ec = sbx_engine_escape(c.data);
		sbx_buf_addf(path, "&changes=%s", ec);
	}
	sbx_buf_release(&c);
	return ok;
}

/*
 * The import's config, as builder instructions: base's own environment and
 * user (what a container of base gets from it; sbx sets the rest at
 * create), and sbx's labels of the container's workspace. Nothing of the
 * container's own config: its environment (variables since removed from
 * the file, an earlier sbx's pass_env values) stays behind.
 */
static int snapshot_changes(sbx_buf *path, sbx_engine *e, const char *id, const char *base,
			    sbx_error **err)
{
	_cleanup_free_ char *ebase = sbx_engine_escape(base);
	_cleanup_free_ char *ipath = xasprintf("/images/%s/json", ebase);
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *cpath = xasprintf("/containers/%s/json", eid);
	json_object *img = NULL, *ctr = NULL, *config, *env, *labels;
	int rc = sbx_engine_call(e, "GET", ipath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &img, NULL, err);
	if (rc < 0)
		return rc;
	if ((rc = sbx_engine_call(e, "GET", cpath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &ctr, NULL,
				  err)) < 0) {
		json_object_put(img);
		return rc;
	}
	bool ok = true;
	if (json_object_object_get_ex(img, "Config", &config) &&
	    json_object_is_type(config, json_type_object)) {
		if (json_object_object_get_ex(config, "Env", &env) &&
		    json_object_is_type(env, json_type_array)) {
			for (size_t i = 0; ok && i < json_object_array_length(env); i++) {
				const char *kv =
				    json_object_get_string(json_object_array_get_idx(env, i));
				const char *eq = kv ? strchr(kv, '=') : NULL;
				if (!eq || eq == kv)
					continue;
				_cleanup_free_ char *k = xstrndup(kv, (size_t)(eq - kv));
				ok = add_change(path, "ENV", k, eq + 1);
			}
		}
		const char *user = get_string(config, "User");
		if (ok && user && *user)
			ok = add_change(path, "USER", user, NULL);
	}
	static const char *const keep[] = {SBX_LABEL_MANAGED, SBX_LABEL_WORKSPACE,
					   SBX_LABEL_WORKSPACE_ID};
	labels = NULL;
	if (json_object_object_get_ex(ctr, "Config", &config))
		json_object_object_get_ex(config, "Labels", &labels);
	for (size_t i = 0; ok && i < sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v = labels ? get_string(labels, keep[i]) : NULL;
		ok = add_change(path, "LABEL", keep[i], v ? v : "");
	}
	json_object_put(img);
	json_object_put(ctr);
	if (!ok)
		return sbx_error_set(err, SBX_ERROR,
				     "the image's config or the workspace's path holds a newline");
	return 0;
}

static void ignore_message(json_object *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

int sbx_docker_snapshot(char **image, sbx_engine *e, const char *id, const char *base,
			const char *repo, const char *tag, sbx_error **err)
{
	*image = NULL;
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *erepo = sbx_engine_escape(repo);
	_cleanup_free_ char *etag = sbx_engine_escape(tag);
	_cleanup_free_ char *src = xasprintf("/containers/%s/export", eid);
	sbx_buf path = SBX_BUF_INIT;
	sbx_buf_addf(&path, "/images/create?fromSrc=-&repo=%s&tag=%s", erepo, etag);
	int rc = snapshot_changes(&path, e, id, base, err);
	if (rc == 0)
		rc = sbx_engine_call_stream_from(e, src, "POST", path.data, "application/x-tar",
						 SBX_ENGINE_TIMEOUT_LONG, ignore_message, NULL, err);
	sbx_buf_release(&path);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *ref = xasprintf("%s:%s", repo, tag);
	_cleanup_free_ char *eref = sbx_engine_escape(ref);
	_cleanup_free_ char *ipath = xasprintf("/images/%s/json", eref);
	json_object *o = NULL;
	if ((rc = sbx_engine_call(e, "GET", ipath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &o, NULL, err)) <
	    0)
		return rc;
	const char *v = get_string(o, "Id");
	if (v)
		*image = xstrdup(v);
	json_object_put(o);
	if (!*image)
		return sbx_error_set(err, SBX_ERROR, "the engine made a snapshot image but gave no id");
	return 0;
}

int sbx_docker_read_resources(sbx_actual *a, sbx_engine *e, sbx_error **err)
{
	_cleanup_free_ char *eid = sbx_engine_escape(a->id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", eid);
	json_object *c = NULL, *host, *v;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &c, NULL, err);
	if (rc < 0)
		return rc;
	if (!json_object_object_get_ex(c, "HostConfig", &host)) {
		json_object_put(c);
		return sbx_error_set(err, SBX_ERROR, "the engine's container is malformed");
	}
	int64_t cpus = 0, mem = 0, pids = 0;
	if (json_object_object_get_ex(host, "NanoCpus", &v))
		cpus = json_object_get_int64(v);
	if (json_object_object_get_ex(host, "Memory", &v))
		mem = json_object_get_int64(v);
	if (json_object_object_get_ex(host, "PidsLimit", &v))
		pids = json_object_get_int64(v);
	json_object_put(c);
	/* Rendered as spec.c renders the desired values, so equal limits compare equal. */
	const struct {
		sbx_field_id id;
		char *value;
	} limits[] = {
	    {SBX_F_CPUS, sbx_value_cpus((double)cpus / 1e9)},
	    {SBX_F_MEMORY, sbx_value_bytes(mem)},
	    {SBX_F_PIDS, sbx_value_count(pids)},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(limits); i++) {
		sbx_fields_set(&a->fields, sbx_field_path(limits[i].id), limits[i].value, false);
		free(limits[i].value);
	}
	return 0;
}

int sbx_docker_image_user(char **user, sbx_engine *e, const char *image, sbx_error **err)
{
	*user = NULL;
	_cleanup_free_ char *eimg = sbx_engine_escape(image);
	_cleanup_free_ char *path = xasprintf("/images/%s/json", eimg);
	json_object *img = NULL, *config = NULL;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &img, NULL, err);
	if (rc < 0)
		return rc;
	json_object_object_get_ex(img, "Config", &config);
	const char *u = get_string(config, "User");
	*user = xstrdup(u ? u : "");
	json_object_put(img);
	return 0;
}

int sbx_docker_exec(int *exit_code, sbx_engine *e, const char *id, const char *const *argv,
		    const char *user, sbx_error **err)
{
	*exit_code = -1;
	json_object *body = json_object_new_object();
	json_object *cmd = json_object_new_array();
	for (size_t i = 0; argv[i]; i++)
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	json_object_object_add(body, "Cmd", cmd);
	json_object_object_add(body, "User", json_object_new_string(user));
	/* Not the container's PATH or loader variables, which the file's env sets. */
	static const char *const clean_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LD_PRELOAD=",
						"LD_LIBRARY_PATH=", "LD_AUDIT=", NULL};
	json_object *env = json_object_new_array();
	for (size_t i = 0; clean_env[i]; i++)
		json_object_array_add(env, json_object_new_string(clean_env[i]));
	json_object_object_add(body, "Env", env);
	json_object_object_add(body, "AttachStdout", json_object_new_boolean(true));
	json_object_object_add(body, "AttachStderr", json_object_new_boolean(true));
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/exec", eid);
	_cleanup_free_ char *xid = NULL;
	int rc = post_for_id(&xid, e, path, body, SBX_ENGINE_TIMEOUT_SHORT, "an exec", err);
	json_object_put(body);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *exec_id = sbx_engine_escape(xid);
	_cleanup_free_ char *start = xasprintf("/exec/%s/start", exec_id);
	static const char start_body[] = "{\"Detach\":false,\"Tty\":false}";
	char *out = NULL;
	rc = sbx_engine_call_raw(e, "POST", start, start_body, sizeof(start_body) - 1, NULL,
				 SBX_ENGINE_TIMEOUT_LONG, &out, NULL, err);
	free(out);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *inspect = xasprintf("/exec/%s/json", exec_id);
	json_object *info = NULL, *code;
	if ((rc = sbx_engine_call(e, "GET", inspect, NULL, SBX_ENGINE_TIMEOUT_SHORT, &info, NULL,
				  err)) < 0)
		return rc;
	if (json_object_object_get_ex(info, "ExitCode", &code))
		*exit_code = json_object_get_int(code);
	json_object_put(info);
	return 0;
}

int sbx_docker_find_all(sbx_actual **out, size_t *n, sbx_engine *e, const sbx_workspace *ws,
			sbx_error **err)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *l1 = xasprintf(SBX_LABEL_WORKSPACE "=%s", ws->path);
	const char *labels[] = {l1};
	json_object *list = NULL;
	int rc = list_containers(&list, e, labels, 1, NULL, err);
	if (rc < 0)
		return rc;
	size_t len = json_object_array_length(list), k = 0;
	sbx_actual *v = xcalloc(len ? len : 1, sizeof(*v));
	for (size_t i = 0; i < len && rc == 0; i++)
		if (claims(json_object_array_get_idx(list, i), ws))
			rc = decode_container(&v[k++], json_object_array_get_idx(list, i), err);
	json_object_put(list);
	len = k;
	if (rc < 0) {
		for (size_t i = 0; i < len; i++)
			sbx_actual_release(&v[i]);
		free(v);
		return rc;
	}
	*out = v;
	*n = len;
	return 0;
}

int sbx_docker_sessions(char ***out, sbx_engine *e, const char *id, sbx_error **err)
{
	*out = NULL;
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/json", eid);
	json_object *c = NULL, *ids;
	int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &c, NULL, err);
	if (rc < 0)
		return rc;
	/* The engine drops an exec from ExecIDs when it ends: these are live or about to be. */
	if (!json_object_object_get_ex(c, "ExecIDs", &ids) ||
	    !json_object_is_type(ids, json_type_array)) {
		json_object_put(c);
		return 0;
	}
	size_t n = json_object_array_length(ids), k = 0;
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *xid = json_object_get_string(json_object_array_get_idx(ids, i));
		if (!xid)
			continue;
		_cleanup_free_ char *ex = sbx_engine_escape(xid);
		_cleanup_free_ char *ipath = xasprintf("/exec/%s/json", ex);
		json_object *x = NULL, *running, *proc, *v1;
		if ((rc = sbx_engine_call(e, "GET", ipath, NULL, SBX_ENGINE_TIMEOUT_SHORT, &x, NULL,
					  err)) < 0) {
			if (rc == SBX_ENOTFOUND) { /* ended between the two requests */
				sbx_error_free(*err);
				*err = NULL;
				rc = 0;
			}
			continue;
		}
		if (json_object_object_get_ex(x, "Running", &running) &&
		    json_object_get_boolean(running) &&
		    json_object_object_get_ex(x, "ProcessConfig", &proc)) {
			sbx_buf cmd = SBX_BUF_INIT;
			const char *s;
			if (json_object_object_get_ex(proc, "entrypoint", &v1) &&
			    (s = json_object_get_string(v1)))
				sbx_buf_adds(&cmd, s);
			json_object *args;
			if (json_object_object_get_ex(proc, "arguments", &args) &&
			    json_object_is_type(args, json_type_array))
				for (size_t j = 0; j < json_object_array_length(args); j++)
					if ((s = json_object_get_string(
						 json_object_array_get_idx(args, j))))
						sbx_buf_addf(&cmd, " %s", s);
			v[k++] = sbx_buf_detach(&cmd);
		}
		json_object_put(x);
	}
	json_object_put(c);
	if (rc < 0 || k == 0) {
		sbx_strv_free(v);
		return rc;
	}
	*out = v;
	return 0;
}
