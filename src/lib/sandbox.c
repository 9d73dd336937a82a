#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allow.h"
#include "fields.h"
#include "hash.h"
#include "hostfacts.h"
#include "policy.h"
#include "util.h"

/*
 * The agent's directory is the workspace's own volume whatever the mode:
 * settings, hooks, plugins and histories there run with this workspace's
 * trust and reach no other. credentials: shared adds one volume per agent
 * that holds only the login (sbx_tokens_volume_name), so a workspace can
 * plant nothing there that another workspace's agent runs.
 */
char *sbx_credentials_volume_name(const sbx_spec *spec, const char *container_default_name)
{
	if (!spec->agent->credentials_dir || spec->credentials == SBX_CREDENTIALS_NONE)
		return NULL;
	return xasprintf("%s-credentials", container_default_name);
}

char *sbx_tokens_volume_name(const sbx_spec *spec)
{
	if (spec->credentials != SBX_CREDENTIALS_SHARED || !spec->agent->credentials_dir ||
	    !spec->agent->token_files)
		return NULL;
	return xasprintf("sbx-tokens-%s", spec->agent->name);
}

int sbx_check_limits(const sbx_spec *spec, const char *path, const sbx_host_limits *host,
		     sbx_error **err)
{
	const sbx_resources *r = &spec->resources;
	sbx_pos pos = spec->pos[SBX_FIELD_RESOURCES];
	int rc = 0;
	if (host->ncpu > 0 && r->cpus > (double)host->ncpu)
		rc =
		    sbx_error_set(err, SBX_EINVALID,
				  "%s:%d:%d: resources.cpus %g is more than the engine's %ld CPUs; "
				  "lower it for this host",
				  path, pos.line, pos.col, r->cpus, host->ncpu);
	if (host->memory > 0 && r->memory > host->memory)
		rc =
		    sbx_error_set(err, SBX_EINVALID,
				  "%s:%d:%d: resources.memory %lld bytes is more than the engine's "
				  "%lld (%.1f GiB); lower it for this host",
				  path, pos.line, pos.col, (long long)r->memory,
				  (long long)host->memory, (double)host->memory / (1 << 30));
	if (host->pid_max > 0 && r->pids > host->pid_max)
		rc = sbx_error_set(
		    err, SBX_EINVALID,
		    "%s:%d:%d: resources.pids %lld is more than the kernel's pid_max "
		    "(%lld), a limit that limits nothing; lower it for this host",
		    path, pos.line, pos.col, (long long)r->pids, (long long)host->pid_max);
	return rc;
}

int64_t sbx_host_pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	long long v = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lld", &v) != 1 || v < 0)
		v = 0;
	fclose(f);
	return (int64_t)v;
}

/* A problem of the file on this host, kept to be reported in file order. */
typedef struct host_problem {
	sbx_pos pos;
	int code;
	char *msg;
	char *hint; /* what to do, also said in msg, or NULL */
} host_problem;

typedef struct host_problems {
	host_problem *v;
	size_t n;
} host_problems;

static void add_problem_hint(host_problems *ps, sbx_pos pos, int code, char *msg, char *hint)
{
	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof(host_problem));
	ps->v[ps->n++] = (host_problem){pos, code, msg, hint};
}

static void add_problem(host_problems *ps, sbx_pos pos, int code, char *msg)
{
	add_problem_hint(ps, pos, code, msg, NULL);
}

static bool before(const host_problem *x, const host_problem *y)
{
	return x->pos.line != y->pos.line ? x->pos.line < y->pos.line : x->pos.col < y->pos.col;
}

/*
 * Where a problem is, as data (sbx_error_locate): its message opens with
 * "FILE:LINE:COL: " at its position.
 */
static void locate(sbx_error **err, const host_problem *p)
{
	_cleanup_free_ char *at = xasprintf(":%d:%d: ", p->pos.line, p->pos.col);
	const char *m = strstr(p->msg, at);
	if (!m || p->pos.line <= 0)
		return;
	_cleanup_free_ char *file = xstrndup(p->msg, (size_t)(m - p->msg));
	sbx_error_locate(err, file, p->pos.line, p->pos.col, m + strlen(at), p->hint);
}

/*
 * Every problem into *err in file order (an insertion sort, so problems at
 * one position keep the order they were found in), and free them. Returns
 * SBX_EINVALID when any is one, else the first's code, else 0.
 */
static int report_problems(host_problems *ps, sbx_error **err)
{
	for (size_t i = 1; i < ps->n; i++)
		for (size_t j = i; j > 0 && before(&ps->v[j], &ps->v[j - 1]); j--) {
			host_problem t = ps->v[j];
			ps->v[j] = ps->v[j - 1];
			ps->v[j - 1] = t;
		}
	int rc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		sbx_error_set(err, ps->v[i].code, "%s", ps->v[i].msg);
		locate(err, &ps->v[i]);
		if (rc == 0 || ps->v[i].code == SBX_EINVALID)
			rc = ps->v[i].code;
		free(ps->v[i].msg);
		free(ps->v[i].hint);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
	return rc;
}

/* A list with holes (a source that does not exist): freed by its length. */
static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Tier 2 into ps: the workspace and the mount sources (canonical, parallel
 * to spec->mounts; a NULL hole for one that does not exist, judged as
 * written).
 */
static int policy_problems(host_problems *ps, const sbx_config *cfg, const char *workspace,
			   char *const *sources, const char *engine_socket, const char *data_root,
			   sbx_error **err)
{
	const sbx_spec *spec = cfg->spec;
	/*
	 * The protected places: $HOME's and the real user's (the password
	 * database's, whatever $HOME says), each also where its links lead.
	 */
	_cleanup_free_ char *pw_home = sbx_home_passwd();
	sbx_protected prot;
	sbx_protected_init(&prot, getenv("HOME"), pw_home, engine_socket, data_root);
	char **allowed = NULL;
	int rc = 0;
	if (spec->mounts_len && (rc = sbx_allow_load(&allowed, workspace, err)) < 0) {
		sbx_protected_release(&prot);
		return rc;
	}
	sbx_policy_host host = sbx_protected_host(&prot);
	host.allowed = (const char *const *)allowed;
	/*
	 * Who else could swap a directory on the way of each source, or of
	 * the workspace (mounted read-write at every start). The workspace
	 * directory's own owner is left to discovery, which trusts only the
	 * user's own files.
	 */
	char **swappable = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; sources && i < spec->mounts_len; i++)
		swappable[i] = sources[i] ? sbx_path_swappable(sources[i], getuid()) : NULL;
	_cleanup_free_ char *ws_swap = sbx_path_swappable(workspace, getuid());
	host.swappable = (const char *const *)swappable;
	host.ws_swappable = ws_swap;
	char **lexical = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *abs = sbx_path_expand(spec->mounts[i].source, workspace);
		lexical[i] = sbx_path_normalize(abs);
	}
	sbx_refusals r = {0};
	sbx_policy_check(&r, spec, workspace, (const char *const *)sources,
			 (const char *const *)lexical, &host);
	sbx_strv_free(lexical);
	sbx_strv_free(allowed);
	free_list(swappable, spec->mounts_len);
	sbx_protected_release(&prot);
	_cleanup_free_ char *policy_file = sbx_allow_path();
	_cleanup_free_ char *qpf = sbx_quotes(policy_file);
	for (size_t i = 0; i < r.n; i++) {
		bool mount = strncmp(r.v[i].subject, "mount", 5) == 0 &&
			     !strstr(r.v[i].why, "inside the workspace") &&
			     !strstr(r.v[i].why, ", the read-write mount at line");
		add_problem_hint(
		    ps, r.v[i].pos, SBX_EPOLICY,
		    xasprintf("%s:%d:%d: %s refused: it %s; sbx never mounts that into a "
			      "sandbox%s%s%s",
			      cfg->path, r.v[i].pos.line, r.v[i].pos.col, r.v[i].subject,
			      r.v[i].why, mount ? " (unless your own policy file " : "",
			      mount ? qpf : "", mount ? " allows it for this workspace)" : ""),
		    mount ? xasprintf("unless your own policy file %s allows it for this workspace",
				      qpf)
			  : NULL);
	}
	sbx_refusals_release(&r);
	return 0;
}

int sbx_check_policy(const sbx_config *cfg, const char *workspace, char *const *sources,
		     const char *engine_socket, const char *data_root, sbx_error **err)
{
	host_problems ps = {0};
	int rc = policy_problems(&ps, cfg, workspace, sources, engine_socket, data_root, err);
	int found = report_problems(&ps, err);
	return rc < 0 ? rc : found;
}

/*
 * The canonical host path of each mount source, with a NULL hole and a
 * problem for each source that does not exist.
 */
static char **resolve_each(const sbx_config *cfg, const char *workspace, host_problems *ps)
{
	const sbx_spec *spec = cfg->spec;
	char **v = xcalloc(spec->mounts_len + 1, sizeof(char *));
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *abs = sbx_path_expand(spec->mounts[i].source, workspace);
		v[i] = realpath(abs, NULL);
		if (v[i])
			continue;
		int e = errno;
		_cleanup_free_ char *q = sbx_quotes(spec->mounts[i].source);
		add_problem_hint(
		    ps, spec->mounts[i].pos, SBX_EINVALID,
		    xasprintf("%s:%d:%d: mount source %s: %s (create it, or fix the path)",
			      cfg->path, spec->mounts[i].pos.line, spec->mounts[i].pos.col, q,
			      strerror(e)),
		    xstrdup("create it, or fix the path"));
	}
	return v;
}

/*
 * The loader refused two mounts with one written target; a mount without
 * one appears at its source's canonical path, known only now: a problem
 * for each mount whose target an earlier one has. A source that does not
 * exist has no path to compare.
 */
static void target_problems(host_problems *ps, const sbx_config *cfg, char *const *v)
{
	const sbx_spec *spec = cfg->spec;
	for (size_t i = 0; i < spec->mounts_len; i++) {
		if (!v[i] && !spec->mounts[i].target)
			continue;
		const char *ti = sbx_mount_target(&spec->mounts[i], v[i]);
		for (size_t j = 0; j < i; j++) {
			if ((!v[j] && !spec->mounts[j].target) ||
			    !sbx_mount_same_target(ti, sbx_mount_target(&spec->mounts[j], v[j])))
				continue;
			_cleanup_free_ char *q = sbx_quotes(ti);
			add_problem(
			    ps, spec->mounts[i].pos, SBX_EINVALID,
			    xasprintf(
				"%s:%d:%d: mount target %s%s is already used by the mount at "
				"line %d%s",
				cfg->path, spec->mounts[i].pos.line, spec->mounts[i].pos.col, q,
				spec->mounts[i].target ? ""
						       : " (its source's path: no target given)",
				spec->mounts[j].pos.line,
				spec->mounts[j].target ? ""
						       : " (its source's path: no target given)"));
			break;
		}
	}
}

int sbx_resolve_mounts(char ***out, const sbx_config *cfg, const char *workspace, sbx_error **err)
{
	*out = NULL;
	host_problems ps = {0};
	char **v = resolve_each(cfg, workspace, &ps);
	target_problems(&ps, cfg, v);
	if (ps.n) {
		free_list(v, cfg->spec->mounts_len);
		return report_problems(&ps, err);
	}
	*out = v;
	return 0;
}

int sbx_check_host(char ***sources, const sbx_config *cfg, const char *engine_socket,
		   sbx_error **err)
{
	const sbx_spec *spec = cfg->spec;
	if (sources)
		*sources = NULL;
	host_problems ps = {0};
	char **v = resolve_each(cfg, cfg->workspace, &ps);
	target_problems(&ps, cfg, v);
	int rc = policy_problems(&ps, cfg, cfg->workspace, v, engine_socket, NULL, err);
	if (spec->docker_socket && !engine_socket)
		add_problem(&ps, spec->pos[SBX_FIELD_DOCKER_SOCKET], SBX_EINVALID,
			    xasprintf("%s:%d:%d: docker_socket needs an engine on a unix socket; "
				      "DOCKER_HOST names a TCP engine",
				      cfg->path, spec->pos[SBX_FIELD_DOCKER_SOCKET].line,
				      spec->pos[SBX_FIELD_DOCKER_SOCKET].col));
	int found = report_problems(&ps, err);
	if (rc < 0 || found < 0) {
		free_list(v, spec->mounts_len);
		return rc < 0 ? rc : found;
	}
	if (sources)
		*sources = v;
	else
		sbx_strv_free(v);
	return 0;
}

/* path still resolves to want, or an SBX_EPOLICY error naming what moved. */
static int still_leads(const char *path, const char *want, const sbx_config *cfg, sbx_pos pos,
		       const char *what, sbx_error **err)
{
	_cleanup_free_ char *now = realpath(path, NULL);
	if (now && strcmp(now, want) == 0)
		return 0;
	_cleanup_free_ char *qw = sbx_quotes(want);
	_cleanup_free_ char *qn = now ? sbx_quotes(now) : NULL;
	return sbx_error_set(err, SBX_EPOLICY,
			     "%s:%d:%d: %s led to %s when sbx checked it and %s%s now (a "
			     "symlink on the way changed during the apply); nothing was started: "
			     "look at it, then run sbx apply again",
			     cfg->path, pos.line, pos.col, what, qw, now ? "to " : "nowhere",
			     now ? qn : "");
}

int sbx_desired_verify(const sbx_desired *d, sbx_error **err)
{
	const sbx_config *cfg = d->cfg;
	const sbx_spec *spec = cfg->spec;
	sbx_pos top = {1, 1};
	int rc;
	if ((rc = still_leads(d->ws.path, d->ws.path, cfg, top, "the workspace", err)) < 0)
		return rc;
	if (d->ws.config &&
	    (rc = still_leads(d->ws.config, d->ws.config, cfg, top, "the sandbox.yaml", err)) < 0)
		return rc;
	for (size_t i = 0; i < spec->mounts_len; i++) {
		_cleanup_free_ char *abs = sbx_path_expand(spec->mounts[i].source, d->ws.path);
		_cleanup_free_ char *q = sbx_quotes(spec->mounts[i].source);
		_cleanup_free_ char *what = xasprintf("mount source %s", q);
		/*
		 * realpath's answer has no link left in it, so arriving at the
		 * canonical path also proves it is still canonical: what the
		 * engine mounts.
		 */
		if ((rc = still_leads(abs, d->mount_sources[i], cfg, spec->mounts[i].pos, what,
				      err)) < 0)
			return rc;
	}
	/*
	 * The paths are the same; the host around them may not be: ~/.ssh
	 * made a link into a mounted directory since, or a directory on a
	 * source's way opened to others.
	 */
	return sbx_check_policy(cfg, d->ws.path, d->mount_sources, d->engine_socket, d->data_root,
				err);
}

int sbx_actual_verify(const sbx_actual *a, sbx_error **err)
{
	for (size_t i = 0; i < a->fields.n; i++) {
		const sbx_fieldv *f = &a->fields.v[i];
		_cleanup_free_ char *src = sbx_field_host_path(f->path, f->value);
		if (!src)
			continue;
		_cleanup_free_ char *now = realpath(src, NULL);
		if (now && strcmp(now, src) == 0)
			continue;
		_cleanup_free_ char *qs = sbx_quotes(src);
		_cleanup_free_ char *qp = sbx_quotes(f->path);
		_cleanup_free_ char *qn = now ? sbx_quotes(now) : NULL;
		return sbx_error_set(err, SBX_EPOLICY,
				     "%s of %s leads %s%s now (a symlink on the way changed): not "
				     "started again",
				     qp, qs, now ? "to " : "nowhere", now ? qn : "");
	}
	return 0;
}

int sbx_desired_name_taken(const sbx_desired *d, const sbx_sandbox_info *holder, sbx_error **err)
{
	const sbx_spec *spec = d->cfg->spec;
	_cleanup_free_ char *qname = sbx_quotes(d->name);
	_cleanup_free_ char *qholder = sbx_quotes(holder->name);
	_cleanup_free_ char *short_id = xstrndup(holder->id, 12);
	_cleanup_free_ char *id = sbx_escape(short_id);
	_cleanup_free_ char *image = sbx_quotes(holder->image);
	_cleanup_free_ char *ws = sbx_quotes(holder->workspace);
	_cleanup_free_ char *what = NULL, *hint = NULL;
	const char *rename = spec->name ? "choose another name" : "set a 'name' in sandbox.yaml";
	if (!holder->managed) {
		what = xasprintf("container %s (id %s, image %s), which sbx did not make and "
				 "does not touch",
				 qholder, id, image);
		hint = xasprintf("%s, or rename or remove that container with docker", rename);
	} else if (strcmp(holder->workspace, d->ws.path) == 0) {
		what = xasprintf("sandbox %s (id %s, image %s) of an earlier directory at this "
				 "workspace's path",
				 qholder, id, image);
		hint = xasprintf("remove it (sbx rm %s) if you no longer need it, or %s", qname,
				 rename);
	} else {
		what = xasprintf("sandbox %s (id %s, image %s) of the workspace %s", qholder, id,
				 image, ws);
		hint = xasprintf("%s, or remove that sandbox (sbx rm %s) if it is no longer needed",
				 rename, qname);
	}
	if (spec->name)
		return sbx_error_set(err, SBX_ECONFLICT, "%s:%d:%d: name %s is taken by the %s: %s",
				     d->cfg->path, spec->pos[SBX_FIELD_NAME].line,
				     spec->pos[SBX_FIELD_NAME].col, qname, what, hint);
	_cleanup_free_ char *qws = sbx_quotes(d->ws.path);
	return sbx_error_set(err, SBX_ECONFLICT,
			     "the default name %s of the workspace %s is taken by the %s: %s",
			     qname, qws, what, hint);
}

int sbx_desired_init(sbx_desired *d, const sbx_config *cfg, const char *engine_socket,
		     const char *data_root, sbx_error **err)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->engine_socket = engine_socket ? xstrdup(engine_socket) : NULL;
	d->data_root = data_root ? xstrdup(data_root) : NULL;
	const sbx_spec *spec = cfg->spec;
	/* Without a file there is no sandbox.yaml to guard inside. */
	int rc = sbx_workspace_init(&d->ws, cfg->workspace, cfg->defaults ? NULL : cfg->path, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *default_name = sbx_state_default_name(&d->ws);
	d->name = xstrdup(spec->name ? spec->name : default_name);
	sbx_buf warn = SBX_BUF_INIT;

	if (spec->git_identity) {
		if ((rc = sbx_gitid_read(&d->git, d->ws.path, err)) < 0)
			goto fail;
		if (d->git.warning)
			sbx_buf_addf(&warn, "warning: %s\n", d->git.warning);
	}

	if ((rc = sbx_resolve_mounts(&d->mount_sources, cfg, d->ws.path, err)) < 0)
		goto fail;

	if ((rc = sbx_check_policy(cfg, d->ws.path, d->mount_sources, engine_socket, data_root,
				   err)) < 0)
		goto fail;

	d->credentials_volume = sbx_credentials_volume_name(spec, default_name);
	d->tokens_volume = sbx_tokens_volume_name(spec);
	if (spec->docker_socket) {
		if (!engine_socket) {
			rc = sbx_error_set(
			    err, SBX_EINVALID,
			    "%s:%d:%d: docker_socket needs an engine on a unix socket; "
			    "DOCKER_HOST names a TCP engine",
			    cfg->path, spec->pos[SBX_FIELD_DOCKER_SOCKET].line,
			    spec->pos[SBX_FIELD_DOCKER_SOCKET].col);
			goto fail;
		}
		d->docker_socket = xstrdup(engine_socket);
		/*
		 * The socket's group goes to the user inside (HostConfig.GroupAdd),
		 * so that a user other than root can use the socket as the host's
		 * docker group does. Not known (no socket yet: validate without an
		 * engine), no group: root alone can use it.
		 */
		struct stat st;
		if (stat(engine_socket, &st) == 0)
			d->docker_socket_group = xasprintf("%u", (unsigned)st.st_gid);
	}

	d->owner = xasprintf("%u:%u", d->ws.uid, d->ws.gid);
	char hex[SBX_SHA256_HEX_LEN + 1];
	sbx_sha256_hex(hex, cfg->bytes, cfg->len);
	d->config_hash = xstrdup(hex);
	d->facts = (sbx_host_facts){
	    .owner = d->owner,
	    .config = d->ws.config,
	    .workspace = d->ws.path,
	    .name = d->name,
	    .git_author_name = d->git.author_name,
	    .git_author_email = d->git.author_email,
	    .git_committer_name = d->git.committer_name,
	    .git_committer_email = d->git.committer_email,
	    .mount_sources = (const char *const *)d->mount_sources,
	    .credentials_volume = d->credentials_volume,
	    .tokens_volume = d->tokens_volume,
	    .docker_socket = d->docker_socket,
	    .docker_socket_group = d->docker_socket_group,
	};
	sbx_spec_fields(spec, &d->facts, &d->fields);
	d->warnings = warn.len ? sbx_buf_detach(&warn) : NULL;
	sbx_buf_release(&warn);
	return 0;
fail:
	sbx_buf_release(&warn);
	sbx_desired_release(d);
	return rc;
}

void sbx_desired_keep_legacy_name(sbx_desired *d, const sbx_actual *a)
{
	if (!d->ws.legacy_id || !a->exists)
		return;
	_cleanup_free_ char *legacy = sbx_state_legacy_name(&d->ws);
	_cleanup_free_ char *volume = sbx_credentials_volume_name(d->cfg->spec, legacy);
	bool name = !d->cfg->spec->name && a->name && strcmp(a->name, legacy) == 0 &&
		    strcmp(d->name, legacy) != 0;
	bool vol = volume && a->volume && strcmp(a->volume, volume) == 0 &&
		   (!d->credentials_volume || strcmp(d->credentials_volume, volume) != 0);
	if (!name && !vol)
		return;
	if (name) {
		free(d->name);
		d->name = steal_pointer(&legacy);
	}
	if (vol) {
		free(d->credentials_volume);
		d->credentials_volume = steal_pointer(&volume);
	}
	d->facts.name = d->name;
	d->facts.credentials_volume = d->credentials_volume;
	sbx_fields_release(&d->fields);
	sbx_spec_fields(d->cfg->spec, &d->facts, &d->fields);
}

void sbx_desired_release(sbx_desired *d)
{
	if (!d)
		return;
	sbx_workspace_release(&d->ws);
	free(d->name);
	sbx_gitid_release(&d->git);
	sbx_strv_free(d->mount_sources);
	free(d->credentials_volume);
	free(d->tokens_volume);
	free(d->docker_socket);
	free(d->docker_socket_group);
	free(d->owner);
	free(d->config_hash);
	sbx_fields_release(&d->fields);
	free(d->warnings);
	free(d->engine_socket);
	free(d->data_root);
	memset(d, 0, sizeof(*d));
}
