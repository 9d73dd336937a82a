/*
 * Unit tests of sandbox: the check before every start, that each host path
 * a container mounts still leads where it did when the plan was made (the
 * engine follows host symlinks anew at each start); what a taken name says;
 * and the host checks validate and trust make without an engine
 * (sbx_check_host).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/hostfacts.h"
#include "lib/sandbox.h"
#include "lib/trust.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "sandbox") < 0)
		return -1;
	return tmpdir_home(tmp);
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

static void sh(const char *fmt, const char *arg)
{
	_cleanup_free_ char *cmd = xasprintf(fmt, arg, arg, arg);
	assert_int_equal(system(cmd), 0);
}

static void load(sbx_config **cfg, sbx_desired *d)
{
	sbx_error *err = NULL;
	_cleanup_free_ char *path = xasprintf("%s/ws/sandbox.yaml", tmp);
	assert_int_equal(sbx_config_load(cfg, path, 0, &err), 0);
	int rc = sbx_desired_init(d, *cfg, NULL, NULL, &err);
	if (rc < 0)
		fail_msg("%s", err->msg);
}

/* sbx_desired_verify refuses d, with each of the NULL-terminated texts in its message. */
static void verify_refuses(const sbx_desired *d, ...)
{
	sbx_error *err = NULL;
	assert_int_equal(sbx_desired_verify(d, &err), SBX_EPOLICY);
	va_list ap;
	va_start(ap, d);
	for (const char *want; (want = va_arg(ap, const char *));)
		if (!strstr(err->msg, want))
			fail_msg("'%s' lacks '%s'", err->msg, want);
	va_end(ap);
	sbx_error_free(err);
}

static void test_verify_mount_swapped(void **state)
{
	(void)state;
	sh("cd '%s' && mkdir -p ws data other && printf 'version: 1\\nagent: shell\\nimage: x\\n"
	   "git_identity: false\\nmounts:\\n  - {source: ../data, target: /data}\\n' "
	   ">ws/sandbox.yaml",
	   tmp);
	sbx_config *cfg = NULL;
	sbx_desired d;
	load(&cfg, &d);
	sbx_error *err = NULL;
	assert_int_equal(sbx_desired_verify(&d, &err), 0);

	/* between the plan and the start, the source becomes a symlink elsewhere */
	sh("cd '%s' && mv data data.real && ln -s other data", tmp);
	_cleanup_free_ char *other = xasprintf("to '%s/other' now", tmp);
	verify_refuses(&d, "sandbox.yaml:6:5: mount source '../data' led to", other,
		       "nothing was started", NULL);

	/* gone altogether */
	sh("cd '%s' && rm data", tmp);
	verify_refuses(&d, "nowhere now", NULL);

	/* back as it was: fine again */
	sh("cd '%s' && mv data.real data", tmp);
	assert_int_equal(sbx_desired_verify(&d, &err), 0);
	sbx_desired_release(&d);
	sbx_config_free(cfg);
}

static void test_verify_workspace_swapped(void **state)
{
	(void)state;
	sh("cd '%s' && mkdir -p ws2 && printf 'version: 1\\nagent: shell\\nimage: x\\n"
	   "git_identity: false\\n' >ws/sandbox.yaml",
	   tmp);
	sbx_config *cfg = NULL;
	sbx_desired d;
	load(&cfg, &d);
	sbx_error *err = NULL;
	assert_int_equal(sbx_desired_verify(&d, &err), 0);
	/* the workspace directory itself becomes a symlink (to a copy holding the file) */
	sh("cd '%s' && cp ws/sandbox.yaml ws2/ && mv ws ws.old && ln -s ws2 ws", tmp);
	verify_refuses(&d, "the workspace led to", NULL);
	sh("cd '%s' && rm ws && mv ws.old ws", tmp);
	assert_int_equal(sbx_desired_verify(&d, &err), 0);
	/* the tamper guard's file mount: sandbox.yaml swapped for a symlink */
	sh("cd '%s/ws' && mv sandbox.yaml s.real && ln -s s.real sandbox.yaml", tmp);
	verify_refuses(&d, "the sandbox.yaml led to", NULL);
	sbx_desired_release(&d);
	sbx_config_free(cfg);
}

/* A previous sandbox put back after a failed recreate: its recorded host paths, checked. */
static void test_verify_actual(void **state)
{
	(void)state;
	sh("cd '%s' && rm -rf act && mkdir -p act/ws act/data act/other && touch "
	   "act/ws/sandbox.yaml",
	   tmp);
	sbx_actual a = {0};
	_cleanup_free_ char *ws = xasprintf("%s/act/ws", tmp);
	_cleanup_free_ char *cfgv = xasprintf("%s/act/ws/sandbox.yaml (read-only)", tmp);
	_cleanup_free_ char *data = xasprintf("%s/act/data (read-write)", tmp);
	sbx_fields_set(&a.fields, "workspace", ws, false);
	sbx_fields_set(&a.fields, "workspace.config", cfgv, false);
	sbx_fields_set(&a.fields, "mounts./data", data, false);
	sbx_fields_set(&a.fields, "docker_socket", "false", false);
	sbx_fields_set(&a.fields, "env.X", "/not/a/host/path", false);
	sbx_error *err = NULL;
	assert_int_equal(sbx_actual_verify(&a, &err), 0);
	sh("cd '%s/act' && mv data data.real && ln -s other data", tmp);
	assert_int_equal(sbx_actual_verify(&a, &err), SBX_EPOLICY);
	_cleanup_free_ char *want =
	    xasprintf("'mounts./data' of '%s/act/data' leads to '%s/act/other' now", tmp, tmp);
	if (!strstr(err->msg, want))
		fail_msg("got '%s'", err->msg);
	sbx_error_free(err);
	sbx_actual_release(&a);
}

/* A mount without a target appears at its source's canonical path, and is counted as there. */
static void test_mount_without_target(void **state)
{
	(void)state;
	sh("cd '%s' && mkdir -p ws data other && rm -f ws/sandbox.yaml link && ln -s data link && "
	   "printf 'version: 1\\nagent: shell\\nimage: x\\ngit_identity: false\\nmounts:\\n"
	   "  - {source: ../link, readonly: true}\\n  - {source: ../ws/../data, target: /d}\\n' "
	   ">ws/sandbox.yaml",
	   tmp);
	sbx_config *cfg = NULL;
	sbx_desired d;
	load(&cfg, &d);
	_cleanup_free_ char *path = xasprintf("mounts.%s/data", tmp);
	_cleanup_free_ char *value = xasprintf("%s/data (read-only)", tmp);
	const sbx_fieldv *f = sbx_fields_get(&d.fields, path);
	assert_non_null(f);
	assert_string_equal(f->value, value);
	assert_non_null(sbx_fields_get(&d.fields, "mounts./d"));
	/* What trust asks about says where it appears. */
	sbx_grants g = {0};
	sbx_trust_grants(&g, cfg->spec, (const char *const *)d.mount_sources);
	assert_int_equal(g.n, 2);
	_cleanup_free_ char *grant = xasprintf(
	    "mount of the host's '../link' ('%s/data') at the same path (read-only)", tmp);
	assert_string_equal(g.v[0].what, grant);
	sbx_grants_release(&g);
	sbx_desired_release(&d);
	sbx_config_free(cfg);

	/* Two mounts at one path once the defaults are known: refused at the later one. */
	static const char *const dups[][2] = {
	    {"  - {source: ../data}\\n  - {source: ../link/}\\n",
	     "sandbox.yaml:7:5: mount target '%s/data' (its source's path: no target given) is "
	     "already used by the mount at line 6 (its source's path: no target given)"},
	    {"  - {source: ../link}\\n  - {source: ../other, target: %s/data/}\\n",
	     "sandbox.yaml:7:5: mount target '%s/data/' is already used by the mount at line 6 "
	     "(its source's path: no target given)"},
	    {"  - {source: ../data, target: %s/link}\\n  - {source: ../link}\\n", NULL},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(dups); i++) {
		_cleanup_free_ char *mounts = xasprintf(dups[i][0], tmp);
		_cleanup_free_ char *cmd =
		    xasprintf("cd '%%s' && rm -f ws/sandbox.yaml && printf 'version: 1\\nagent: "
			      "shell\\nimage: x\\ngit_identity: false\\nmounts:\\n%s' "
			      ">ws/sandbox.yaml",
			      mounts);
		sh(cmd, tmp);
		_cleanup_free_ char *yaml = xasprintf("%s/ws/sandbox.yaml", tmp);
		sbx_error *err = NULL;
		assert_int_equal(sbx_config_load(&cfg, yaml, 0, &err), 0);
		int rc = sbx_desired_init(&d, cfg, NULL, NULL, &err);
		if (!dups[i][1]) {
			/* link resolves to data: the default target is data's path, not /link */
			if (rc < 0)
				fail_msg("%s", err->msg);
			sbx_desired_release(&d);
		} else {
			assert_int_equal(rc, SBX_EINVALID);
			_cleanup_free_ char *want = xasprintf(dups[i][1], tmp);
			if (!strstr(err->msg, want))
				fail_msg("'%s' lacks '%s'", err->msg, want);
			sbx_error_free(err);
		}
		sbx_config_free(cfg);
	}
}

/* sbx_desired_name_taken's message for holder has each NULL-terminated text and no raw ESC. */
static void taken_says(const sbx_desired *d, const sbx_sandbox_info *holder, ...)
{
	sbx_error *err = NULL;
	assert_int_equal(sbx_desired_name_taken(d, holder, &err), SBX_ECONFLICT);
	assert_null(err->next);
	va_list ap;
	va_start(ap, holder);
	for (const char *want; (want = va_arg(ap, const char *));)
		if (!strstr(err->msg, want))
			fail_msg("'%s' lacks '%s'", err->msg, want);
	va_end(ap);
	if (strchr(err->msg, '\033') || strstr(err->msg, "\xe2\x80\xae"))
		fail_msg("raw control in '%s'", err->msg);
	sbx_error_free(err);
}

static void test_name_taken(void **state)
{
	(void)state;
	sh("cd '%s' && mkdir -p ws && rm -f ws/sandbox.yaml && "
	   "printf 'version: 1\\nagent: shell\\nimage: x\\ngit_identity: false\\nname: web\\n' "
	   ">ws/sandbox.yaml",
	   tmp);
	sbx_config *cfg = NULL;
	sbx_desired d;
	load(&cfg, &d);
	/* Not sbx's, with a hostile image name: escaped. */
	sbx_sandbox_info other = {
	    .id = "0123456789abcdef0123",
	    .name = "web",
	    .image = "nginx\033[31m",
	    .agent = "?",
	    .workspace = "?",
	};
	taken_says(&d, &other,
		   "sandbox.yaml:5:1: name 'web' is taken by the container 'web' (id "
		   "0123456789ab, image 'nginx\\x1b[31m'), which sbx did not make",
		   "choose another name, or rename or remove that container with docker", NULL);
	/* sbx's, by its labels, for another workspace whose label is hostile. */
	other.managed = true;
	other.workspace = "/w/\u202eevil";
	other.image = "busybox";
	taken_says(&d, &other,
		   "the sandbox 'web' (id 0123456789ab, image 'busybox') of the workspace "
		   "'/w/\\u202eevil': choose another name, or remove that sandbox (sbx rm 'web')",
		   NULL);
	/* sbx's, for an earlier directory at this very path. */
	other.workspace = d.ws.path;
	taken_says(&d, &other, "of an earlier directory at this workspace's path",
		   "remove it (sbx rm 'web') if you no longer need it, or choose another name",
		   NULL);
	other.workspace = "?";
	sbx_desired_release(&d);
	sbx_config_free(cfg);

	/* The default name: no position, the workspace named, and how to pick one. */
	sh("cd '%s' && printf 'version: 1\\nagent: shell\\nimage: x\\ngit_identity: false\\n' "
	   ">ws/sandbox.yaml",
	   tmp);
	load(&cfg, &d);
	other.managed = false;
	other.name = d.name;
	_cleanup_free_ char *want =
	    xasprintf("the default name '%s' of the workspace '%s/ws' is taken by the container",
		      d.name, tmp);
	taken_says(&d, &other, want, "set a 'name' in sandbox.yaml, or rename or remove", NULL);
	sbx_desired_release(&d);
	sbx_config_free(cfg);
}

/* err's chain, one message a line. */
static char *messages(const sbx_error *err)
{
	sbx_buf b = SBX_BUF_INIT;
	for (; err; err = err->next)
		sbx_buf_addf(&b, "%s\n", err->msg);
	return sbx_buf_detach(&b);
}

/*
 * Everything apply would refuse before asking an engine, all of it, in file
 * order, each at its position: a missing source, ~/.ssh, the home itself,
 * a source inside the workspace, the engine's socket as DOCKER_HOST names it.
 */
static void test_check_host_all_problems(void **state)
{
	(void)state;
	sh("cd '%s' && rm -rf hw && mkdir -p hw/ws/sub home/.ssh home/data", tmp);
	_cleanup_free_ char *sock = xasprintf("%s/hw/engine.sock", tmp);
	sh("touch '%s'", sock);
	_cleanup_free_ char *yaml =
	    xasprintf("version: 1\nagent: shell\nimage: x\nmounts:\n"
		      "  - {source: ~/.ssh, target: /a}\n"	   /* 5: tier 2 */
		      "  - {source: ../nowhere, target: /b}\n"	   /* 6: missing */
		      "  - {source: ~/data, target: /c}\n"	   /* 7: fine */
		      "  - {source: ~/, target: /d}\n"		   /* 8: tier 2, the home */
		      "  - {source: ./sub, target: /e}\n"	   /* 9: inside the workspace */
		      "  - {source: %s, target: /f}\n"		   /* 10: the engine's socket */
		      "  - {source: /also/nowhere, target: /g}\n", /* 11: missing */
		      sock);
	_cleanup_free_ char *path = xasprintf("%s/hw/ws/sandbox.yaml", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	sbx_config *cfg = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	char **sources = (char **)1;
	assert_int_equal(sbx_check_host(&sources, cfg, sock, &err), SBX_EINVALID);
	assert_null(sources);
	_cleanup_free_ char *got = messages(err);
	const char *want[] = {":5:5: mount source '~/.ssh' refused: it is ~/.ssh",
			      ":6:5: mount source '../nowhere': No such file or directory",
			      ":8:5: mount source '~/' refused: it is your home directory",
			      ":9:5: mount source './sub' refused: it lies inside the workspace",
			      ":10:5: mount source",
			      ":11:5: mount source '/also/nowhere': No such file"};
	assert_int_equal(sbx_error_count(err), SBX_ARRAY_SIZE(want));
	const sbx_error *e = err;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(want); i++, e = e->next)
		if (strncmp(e->msg, path, strlen(path)) != 0 || !strstr(e->msg, want[i]))
			fail_msg("problem %zu is not '%s'; all:\n%s", i, want[i], got);
	assert_non_null(strstr(got, "refused: it is the engine's"));
	sbx_error_free(err);
	sbx_config_free(cfg);
}

/* Only refusals: SBX_EPOLICY. A clean file: 0 and its canonical sources. */
static void test_check_host_codes(void **state)
{
	(void)state;
	sh("cd '%s' && rm -rf hc && mkdir -p hc/ws home/.aws home/data", tmp);
	_cleanup_free_ char *path = xasprintf("%s/hc/ws/sandbox.yaml", tmp);
	sh("printf 'version: 1\nagent: shell\nimage: x\nmounts:\n"
	   "  - {source: ~/.aws, target: /a}\n' >'%s'",
	   path);
	sbx_config *cfg = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	assert_int_equal(sbx_check_host(NULL, cfg, "/var/run/docker.sock", &err), SBX_EPOLICY);
	assert_int_equal(sbx_error_count(err), 1);
	sbx_error_free(err);
	err = NULL;
	sbx_config_free(cfg);

	sh("printf 'version: 1\nagent: shell\nimage: x\ndocker_socket: true\nmounts:\n"
	   "  - {source: ~/data, target: /a}\n' >'%s'",
	   path);
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	char **sources = NULL;
	assert_int_equal(sbx_check_host(&sources, cfg, "/var/run/docker.sock", &err), 0);
	assert_null(err);
	_cleanup_free_ char *data = xasprintf("%s/home/data", tmp);
	assert_string_equal(sources[0], data);
	assert_null(sources[1]);
	sbx_strv_free(sources);
	sbx_config_free(cfg);
	/* two mounts at one path once the defaults are known, as apply says */
	sh("printf 'version: 1\nagent: shell\nimage: x\nmounts:\n"
	   "  - {source: ~/data}\n  - {source: ~/data/}\n' >'%s'",
	   path);
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	assert_int_equal(sbx_check_host(NULL, cfg, NULL, &err), SBX_EINVALID);
	if (!strstr(err->msg, ":6:5: mount target") || !strstr(err->msg, "already used"))
		fail_msg("got %s", err->msg);
	sbx_error_free(err);
	err = NULL;
	sbx_config_free(cfg);
	sh("printf 'version: 1\nagent: shell\nimage: x\ndocker_socket: true\n' >'%s'", path);
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	/* docker_socket with a TCP engine: nothing to mount, as apply says */
	assert_int_equal(sbx_check_host(NULL, cfg, NULL, &err), SBX_EINVALID);
	if (!strstr(err->msg, ":4:1: docker_socket needs an engine on a unix socket"))
		fail_msg("got %s", err->msg);
	sbx_error_free(err);
	sbx_config_free(cfg);
}

/*
 * docker_socket: the engine socket's group on the host is in the canonical
 * form (the user inside gets it at create); a socket that is not there (a
 * validate with no engine up) has none, and no error.
 */
static void test_socket_group(void **state)
{
	(void)state;
	sh("cd '%s' && rm -rf sg && mkdir -p sg/ws && : >sg/engine.sock && printf 'version: 1\n"
	   "agent: shell\nimage: x\ngit_identity: false\ndocker_socket: true\n' >sg/ws/sandbox.yaml",
	   tmp);
	_cleanup_free_ char *path = xasprintf("%s/sg/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *sock = xasprintf("%s/sg/engine.sock", tmp);
	_cleanup_free_ char *none = xasprintf("%s/sg/none.sock", tmp);
	struct stat st;
	assert_int_equal(stat(sock, &st), 0);
	_cleanup_free_ char *gid = xasprintf("%u", (unsigned)st.st_gid);
	sbx_config *cfg = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	sbx_desired d;
	if (sbx_desired_init(&d, cfg, sock, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(d.facts.docker_socket_group, gid);
	assert_string_equal(sbx_fields_get(&d.fields, "docker_socket")->value, sock);
	assert_string_equal(sbx_fields_get(&d.fields, "docker_socket.group")->value, gid);
	sbx_desired_release(&d);
	if (sbx_desired_init(&d, cfg, none, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	assert_null(d.facts.docker_socket_group);
	assert_null(sbx_fields_get(&d.fields, "docker_socket.group"));
	sbx_desired_release(&d);
	sbx_config_free(cfg);
}

/* Limits above what the host has are refused, each at the file's resources. */
static void test_limits_above_the_host(void **state)
{
	(void)state;
	static const char yaml[] = "version: 1\nagent: shell\n"
				   "resources: {cpus: 4, memory: 64g, pids: 4194304}\n";
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_parse(&spec, yaml, sizeof(yaml) - 1, "sandbox.yaml", &err), 0);
	sbx_host_limits small = {2, INT64_C(16) << 30, 32768};
	assert_int_equal(sbx_check_limits(spec, "sandbox.yaml", &small, &err), SBX_EINVALID);
	assert_int_equal(sbx_error_count(err), 3);
	assert_string_equal(err->msg, "sandbox.yaml:3:1: resources.cpus 4 is more than the "
				      "engine's 2 CPUs; lower it for this host");
	assert_non_null(strstr(err->next->msg, "resources.memory 68719476736 bytes is more than "
					       "the engine's 17179869184 (16.0 GiB)"));
	assert_non_null(strstr(err->next->next->msg,
			       "resources.pids 4194304 is more than the kernel's pid_max (32768)"));
	sbx_error_free(err);
	err = NULL;
	/* At the host's own size, and where the host is not known: allowed. */
	sbx_host_limits big = {4, INT64_C(64) << 30, 4194304};
	assert_int_equal(sbx_check_limits(spec, "sandbox.yaml", &big, &err), 0);
	sbx_host_limits unknown = {0, 0, 0};
	assert_int_equal(sbx_check_limits(spec, "sandbox.yaml", &unknown, &err), 0);
	assert_null(err);
	sbx_spec_free(spec);
}

/* sbx_check_host of a sandbox.yaml at DIR (under tmp) with mounts: each wanted text, or 0. */
static void host_says(const char *dir, const char *mounts, ...)
{
	_cleanup_free_ char *d = xasprintf("%s/%s", tmp, dir);
	_cleanup_free_ char *mk = xasprintf("mkdir -p '%s'", d);
	assert_int_equal(system(mk), 0);
	_cleanup_free_ char *path = xasprintf("%s/sandbox.yaml", d);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "version: 1\nagent: shell\nimage: x\n%s", mounts);
	fclose(f);
	sbx_config *cfg = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_load(&cfg, path, 0, &err), 0);
	int rc = sbx_check_host(NULL, cfg, NULL, &err);
	va_list ap;
	va_start(ap, mounts);
	const char *want = va_arg(ap, const char *);
	if (!want && rc != 0)
		fail_msg("%s: refused: %s", dir, err->msg);
	if (want && rc != SBX_EPOLICY)
		fail_msg("%s: not refused (rc %d), expected '%s'", dir, rc, want);
	_cleanup_free_ char *got = err ? messages(err) : NULL;
	for (; want; want = va_arg(ap, const char *))
		if (!strstr(got, want))
			fail_msg("%s: '%s' lacks '%s'", dir, got, want);
	va_end(ap);
	sbx_error_free(err);
	sbx_config_free(cfg);
}

/*
 * Dotfile setups: ~/.ssh a link into ~/dotfiles, ~/.local/share one into
 * ~/sync (sbx's trust store not made yet). Mounting the link targets'
 * directories exposes the keys, and hands the agent the trust store.
 */
static void test_protected_links_resolved(void **state)
{
	(void)state;
	sh("cd '%s/home' && rm -rf .ssh .local && mkdir -p dotfiles/ssh sync/share .local && ln -s "
	   "dotfiles/ssh "
	   ".ssh && ln -s ../sync/share .local/share && mkdir -p ../dl",
	   tmp);
	host_says("dl/ws1", "mounts:\n  - {source: ~/dotfiles, target: /d}\n",
		  "sandbox.yaml:5:5: mount source '~/dotfiles' refused: it holds ~/.ssh (which "
		  "leads to '",
		  "/home/dotfiles/ssh')", NULL);
	host_says("dl/ws2", "mounts:\n  - {source: ~/sync, target: /s, readonly: true}\n",
		  "mount source '~/sync' refused: it holds sbx's own", "/home/sync/share/sbx",
		  NULL);
	sh("mkdir -p '%s/home/dotfiles/vim'", tmp);
	host_says("dl/ws3", "mounts:\n  - {source: ~/dotfiles/vim, target: /v}\n", NULL);
	/* a workspace in the dotfiles directory's secret part, or holding it */
	host_says("home/dotfiles/ssh/proj", "", "the workspace", "refused: it lies inside ~/.ssh",
		  NULL);
	host_says("home/sync", "", "the workspace", "refused: it holds sbx's own", NULL);
	sh("cd '%s/home' && rm -f .ssh .local/share && rm -rf sync/share/sbx dotfiles/ssh/proj "
	   "sync/sandbox.yaml",
	   tmp);
}

/* A sandbox.yaml inside ~/.ssh, ~/.aws or ~/.config: refused like a mount of it. */
static void test_workspace_in_protected(void **state)
{
	(void)state;
	host_says("home/.ssh/p", "", "the workspace '",
		  "/home/.ssh/p' refused: it lies inside ~/.ssh", NULL);
	host_says("home/.aws", "", "refused: it is ~/.aws", NULL);
	host_says("home/.config", "", "refused: it holds ~/.config/gh", NULL);
	host_says("home/.config/myproj", "", NULL);
	sh("rm -rf '%s/home/.ssh' '%s/home/.aws' '%s/home/.config'", tmp);
}

/*
 * The home is also the password database's: with $HOME unset or elsewhere,
 * the real ~/.ssh is protected, and ~ still means the real home.
 */
static void test_passwd_home(void **state)
{
	(void)state;
	_cleanup_free_ char *pw = xasprintf("%s/pwhome", tmp);
	_cleanup_free_ char *ssh = xasprintf("%s/pwhome/.ssh", tmp);
	_cleanup_free_ char *elsewhere = xasprintf("%s/elsewhere", tmp);
	sh("mkdir -p '%s/pwhome/.ssh' '%s/elsewhere'", tmp);
	const char *envs[] = {NULL, elsewhere};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(envs); i++) {
		sbx_protected p;
		sbx_protected_init(&p, envs[i], pw, NULL, NULL);
		sbx_policy_host h = sbx_protected_host(&p);
		char *why = sbx_policy_path(ssh, &h);
		assert_non_null(why);
		assert_true(strstr(why, ".ssh") != NULL);
		free(why);
		why = sbx_policy_path(pw, &h);
		assert_non_null(why);
		free(why);
		/* sbx's own store under the real home too */
		_cleanup_free_ char *store = xasprintf("%s/pwhome/.local/share/sbx", tmp);
		why = sbx_policy_path(store, &h);
		assert_non_null(why);
		free(why);
		sbx_protected_release(&p);
	}
	/* $HOME unset: ~ is the password database's home, not "" */
	_cleanup_free_ char *saved = xstrdup(getenv("HOME"));
	unsetenv("HOME");
	_cleanup_free_ char *real = sbx_home_passwd();
	_cleanup_free_ char *x = sbx_path_expand("~/.ssh", NULL);
	setenv("HOME", saved, 1);
	assert_non_null(real);
	_cleanup_free_ char *want = xasprintf("%s/.ssh", real);
	assert_string_equal(x, want);
}

/* Engine-equivalent sockets of this host: the rootless engines' and the ssh agent's. */
static void test_runtime_sockets(void **state)
{
	(void)state;
	_cleanup_free_ char *rt = xasprintf("%s/rt", tmp);
	_cleanup_free_ char *agent = xasprintf("%s/agent/S.sock", tmp);
	sh("mkdir -p '%s/rt/podman' '%s/agent' '%s/sw'", tmp);
	setenv("XDG_RUNTIME_DIR", rt, 1);
	setenv("SSH_AUTH_SOCK", agent, 1);
	host_says("sw/ws1", "mounts:\n  - {source: ../../rt/podman, target: /p}\n",
		  "refused: it lies inside the container engines' runtime directory", NULL);
	host_says("sw/ws2", "mounts:\n  - {source: ../../agent, target: /a}\n",
		  "refused: it is your ssh agent's", NULL);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("SSH_AUTH_SOCK");
	host_says("sw/ws3", "mounts:\n  - {source: ../../agent, target: /a}\n", NULL);
}

/*
 * The swap race: a directory on a source's way that someone else may write
 * lets them exchange it for a link between the check and the mount. Sticky
 * directories as the kernel judges them; the check is made again at start.
 */
static void test_swappable_paths(void **state)
{
	(void)state;
	sh("cd '%s' && mkdir -p sp/open/data sp/sticky/data sp/sticky/theirs/data sp/other/data "
	   "sp/grp/data && chmod 0777 sp/open && chmod 1777 sp/sticky && chown 65534 "
	   "sp/sticky/theirs sp/other && chmod 0775 sp/grp && chgrp 65534 sp/grp",
	   tmp);
	host_says("sp/ws1", "mounts:\n  - {source: ../open/data, target: /d}\n",
		  "mount source '../open/data' refused: it lies below '",
		  "/sp/open', which others "
		  "can write (mode 0777)",
		  "chmod go-w", NULL);
	host_says("sp/ws2", "mounts:\n  - {source: ../sticky/data, target: /d}\n", NULL);
	host_says("sp/ws3", "mounts:\n  - {source: ../sticky/theirs/data, target: /d}\n",
		  "refused: it lies below '",
		  "/sp/sticky', which others can write (mode 1777, and "
		  "the entry is not yours)",
		  NULL);
	host_says("sp/ws4", "mounts:\n  - {source: ../other/data, target: /d}\n",
		  "/sp/other', which belongs to uid 65534", NULL);
	host_says("sp/ws5", "mounts:\n  - {source: ../grp/data, target: /d}\n",
		  "/sp/grp', which others can write (mode 0775)", NULL);
	/* a workspace in a directory others can write, its sandbox.yaml included */
	host_says("sp/open/ws", "", "the workspace '", "refused: it lies below '", NULL);
	host_says("sp/sticky/ws", "", NULL);
	/* inside another read-write mount's source */
	host_says("sp/ws6",
		  "mounts:\n  - {source: ../sticky, target: /s}\n  - {source: ../sticky/data, "
		  "target: /d}\n",
		  "sandbox.yaml:6:5: mount source '../sticky/data' refused: it lies inside '",
		  "the read-write mount at line 5", NULL);

	/* checked again before each start: a directory on the way opened since */
	sh("cd '%s' && rm -rf ws && mkdir -p ws later/data && printf 'version: 1\\nagent: shell\\n"
	   "image: x\\ngit_identity: false\\nmounts:\\n  - {source: ../later/data, target: /d}\\n' "
	   ">ws/sandbox.yaml",
	   tmp);
	sbx_config *cfg = NULL;
	sbx_desired d;
	load(&cfg, &d);
	sbx_error *err = NULL;
	assert_int_equal(sbx_desired_verify(&d, &err), 0);
	sh("chmod 0777 '%s/later'", tmp);
	verify_refuses(&d, "sandbox.yaml:6:5: mount source '../later/data' refused: it lies below",
		       NULL);
	sh("chmod 0755 '%s/later'", tmp);
	assert_int_equal(sbx_desired_verify(&d, &err), 0);
	/* and a protected place's link made into a mounted directory since */
	sh("ln -s '%s/later/data' '%s/home/.aws'", tmp);
	verify_refuses(&d, "refused: it is ~/.aws (which leads to", NULL);
	sh("rm '%s/home/.aws'", tmp);
	sbx_desired_release(&d);
	sbx_config_free(cfg);
}

/* A unix socket under a mount source is found, within a budget. */
static void test_find_socket(void **state)
{
	(void)state;
	sh("mkdir -p '%s/sock/a/b' && python3 -c 'import socket,sys; "
	   "socket.socket(socket.AF_UNIX).bind(sys.argv[1])' '%s/sock/a/b/agent.sock'",
	   tmp);
	_cleanup_free_ char *dir = xasprintf("%s/sock", tmp);
	_cleanup_free_ char *want = xasprintf("%s/sock/a/b/agent.sock", tmp);
	_cleanup_free_ char *got = sbx_find_socket(dir, 1000);
	assert_non_null(got);
	assert_string_equal(got, want);
	_cleanup_free_ char *none = sbx_find_socket(dir, 1);
	assert_null(none);
	_cleanup_free_ char *self = sbx_find_socket(want, 1);
	assert_string_equal(self, want);
	_cleanup_free_ char *home = xasprintf("%s/home", tmp);
	_cleanup_free_ char *nothing = sbx_find_socket(home, 1000);
	assert_null(nothing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_mount_swapped),
	    cmocka_unit_test(test_verify_workspace_swapped),
	    cmocka_unit_test(test_verify_actual),
	    cmocka_unit_test(test_name_taken),
	    cmocka_unit_test(test_mount_without_target),
	    cmocka_unit_test(test_check_host_all_problems),
	    cmocka_unit_test(test_check_host_codes),
	    cmocka_unit_test(test_limits_above_the_host),
	    cmocka_unit_test(test_socket_group),
	    cmocka_unit_test(test_protected_links_resolved),
	    cmocka_unit_test(test_workspace_in_protected),
	    cmocka_unit_test(test_passwd_home),
	    cmocka_unit_test(test_runtime_sockets),
	    cmocka_unit_test(test_swappable_paths),
	    cmocka_unit_test(test_find_socket),
	};
	return cmocka_run_group_tests_name("sandbox", tests, setup, teardown);
}
