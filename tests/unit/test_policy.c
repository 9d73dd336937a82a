/* Unit tests of policy: tier-2 paths, decided on canonical and lexical forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/policy.h"
#include "lib/util.h"

static const char *const engine[] = {"/run/user/1000/docker.sock", "/var/lib/docker", NULL};
static const char *const own[] = {"/home/u/.local/share/sbx", "/home/u/.config/sbx", NULL};
static const sbx_policy_host host = {.home = "/home/u", .engine_paths = engine, .sbx_paths = own};

static void refused(const char *path, const char *why)
{
	char *got = sbx_policy_path(path, &host);
	if (!got)
		fail_msg("%s was allowed; expected: %s", path, why);
	assert_string_equal(got, why);
	free(got);
}

static void allowed(const char *path)
{
	char *got = sbx_policy_path(path, &host);
	if (got)
		fail_msg("%s was refused: %s", path, got);
}

static void test_home_secrets(void **state)
{
	(void)state;
	refused("/home/u/.ssh", "is ~/.ssh");
	refused("/home/u/.ssh/id_ed25519", "lies inside ~/.ssh");
	refused("/home/u/.aws", "is ~/.aws");
	refused("/home/u/.gnupg/private-keys-v1.d", "lies inside ~/.gnupg");
	refused("/home/u/.docker", "is ~/.docker");
	refused("/home/u/.kube/config", "lies inside ~/.kube");
	refused("/home/u/.config/gh", "is ~/.config/gh");
	refused("/home/u/.config/gcloud/credentials.db", "lies inside ~/.config/gcloud");
	refused("/home/u/.netrc", "is ~/.netrc");
	refused("/home/u/.git-credentials", "is ~/.git-credentials");
	/* an ancestor of a secret exposes it */
	refused("/home/u/.config", "holds ~/.config/gh");
	refused("/home/u", "is your home directory");
	refused("/home", "holds your home directory");
	refused("/", "is the host's root directory");
	/* near misses are not secrets */
	allowed("/home/u/.sshx");
	allowed("/home/u/.ssh-backup-notes");
	allowed("/home/u/.config/ghostty");
	allowed("/home/u/.cache/pip");
	allowed("/home/u/projects/data");
	allowed("/home/uu/.ssh"); /* another directory whose name starts alike */
}

static void test_system_paths(void **state)
{
	(void)state;
	refused("/etc", "is /etc");
	refused("/etc/passwd", "lies inside /etc");
	refused("/proc/self", "lies inside /proc");
	refused("/sys", "is /sys");
	refused("/dev/sda", "lies inside /dev");
	refused("/boot", "is /boot");
	refused("/root/.bashrc", "lies inside /root");
	refused("/var/run/docker.sock", "is /var/run/docker.sock");
	refused("/var/run", "holds /var/run/docker.sock");
	refused("/run", "holds /run/docker.sock");
	refused("/var", "holds /var/run/docker.sock");
	refused("/run/user/1000/docker.sock", "is the engine's /run/user/1000/docker.sock");
	refused("/run/user/1000", "holds the engine's /run/user/1000/docker.sock");
	refused("/var/lib/docker/volumes", "lies inside the engine's /var/lib/docker");
	refused("/var/lib", "holds the engine's /var/lib/docker");
	refused("/home/u/.local/share/sbx/trust", "lies inside sbx's own /home/u/.local/share/sbx");
	refused("/home/u/.local", "holds sbx's own /home/u/.local/share/sbx");
	allowed("/srv/data");
	allowed("/opt/datasets");
	allowed("/etcetera");
	allowed("/tmp/cache");
	allowed("/var/cache/apt");
}

static void test_normalize(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"/a/b/../c", "/a/c"},
	    {"/a/./b//c/", "/a/b/c"},
	    {"/..", "/"},
	    {"/a/../../b", "/b"},
	    {"/", "/"},
	    {"/home/u/x/../.ssh", "/home/u/.ssh"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		char *n = sbx_path_normalize(cases[i][0]);
		assert_string_equal(n, cases[i][1]);
		free(n);
	}
	assert_true(sbx_path_within("/a/b", "/a"));
	assert_true(sbx_path_within("/a", "/a/"));
	assert_false(sbx_path_within("/ab", "/a"));
	assert_true(sbx_path_within("/x", "/"));
}

static sbx_mount mount_of(const char *src, int line)
{
	sbx_mount m = {(char *)src, (char *)"/t", false, {line, 5}};
	return m;
}

static void test_check_spec(void **state)
{
	(void)state;
	sbx_mount mounts[] = {mount_of("~/.ssh", 5), mount_of("link", 6), mount_of("data", 7),
			      mount_of("/srv/ok", 8)};
	sbx_spec spec = {.mounts = mounts, .mounts_len = 4};
	/* canonical and lexical: a link in the workspace pointing at ~/.aws is caught by its target
	 */
	const char *real[] = {"/home/u/.ssh", "/home/u/.aws", "/home/u/p/data", "/srv/ok"};
	const char *lexical[] = {"/home/u/.ssh", "/home/u/p/link", "/home/u/p/data", "/srv/ok"};
	sbx_refusals r = {0};
	sbx_policy_check(&r, &spec, "/home/u/p", real, lexical, &host);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.v[0].pos.line, 5);
	assert_string_equal(r.v[0].subject, "mount source '~/.ssh'");
	assert_string_equal(r.v[0].why, "is ~/.ssh");
	assert_int_equal(r.v[1].pos.line, 6);
	assert_string_equal(r.v[1].why, "is ~/.aws (it resolves to '/home/u/.aws')");
	assert_int_equal(r.v[2].pos.line, 7);
	assert_string_equal(r.v[2].why,
			    "lies inside the workspace, which the sandbox sees already");
	sbx_refusals_release(&r);

	/* the lexical form alone can name the secret: a path through a symlinked parent */
	const char *real2[] = {"/srv/elsewhere"};
	const char *lex2[] = {"/home/u/.ssh"};
	spec.mounts_len = 1;
	sbx_policy_check(&r, &spec, "/work/p", real2, lex2, &host);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].why, "is ~/.ssh");
	sbx_refusals_release(&r);

	/* workspaces */
	spec.mounts_len = 0;
	const char *bad_ws[][2] = {{"/", "is the host's root directory"},
				   {"/home/u", "is your home directory"},
				   {"/home", "holds your home directory"}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad_ws); i++) {
		sbx_policy_check(&r, &spec, bad_ws[i][0], NULL, NULL, &host);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.v[0].why, bad_ws[i][1]);
		assert_int_equal(r.v[0].pos.line, 1);
		sbx_refusals_release(&r);
	}
	const sbx_policy_host other = {.home = "/home/u",
				       .engine_paths = engine,
				       .sbx_paths = (const char *const[]){"/work/sbx", NULL}};
	sbx_policy_check(&r, &spec, "/work", NULL, NULL, &other);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].why, "holds sbx's own /work/sbx");
	sbx_refusals_release(&r);
	sbx_policy_check(&r, &spec, "/home/u/projects/app", NULL, NULL, &host);
	assert_int_equal(r.n, 0);
	sbx_refusals_release(&r);
}

/* The user's policy file allows named paths: their canonical form decides. */
static void test_check_allowed(void **state)
{
	(void)state;
	sbx_mount mounts[] = {mount_of("~/.kube", 5), mount_of("~/.kube/config", 6),
			      mount_of("/srv/kube-link", 7), mount_of("~/.ssh", 8),
			      mount_of("inside", 9)};
	/* read-only: a source inside a read-write one is refused on its own (the swap race) */
	mounts[0].readonly = mounts[2].readonly = true;
	sbx_spec spec = {.mounts = mounts, .mounts_len = 5};
	const char *real[] = {"/home/u/.kube", "/home/u/.kube/config", "/home/u/.kube",
			      "/home/u/.ssh", "/home/u/p/inside"};
	const char *lexical[] = {"/home/u/.kube", "/home/u/.kube/config", "/srv/kube-link",
				 "/home/u/.ssh", "/home/u/p/inside"};
	const char *const allow[] = {"/home/u/.kube", "/home/u/p/inside", NULL};
	const sbx_policy_host h = {
	    .home = "/home/u", .engine_paths = engine, .sbx_paths = own, .allowed = allow};
	sbx_refusals r = {0};
	sbx_policy_check(&r, &spec, "/home/u/p", real, lexical, &h);
	/* ~/.kube, inside it, and a link to it pass; ~/.ssh does not; nor a path in the workspace
	 */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].pos.line, 8);
	assert_string_equal(r.v[0].why, "is ~/.ssh");
	assert_int_equal(r.v[1].pos.line, 9);
	assert_string_equal(r.v[1].why,
			    "lies inside the workspace, which the sandbox sees already");
	sbx_refusals_release(&r);
	/* allowing a path inside a secret does not allow the secret: /home/u/.kube/sub */
	const char *const narrow[] = {"/home/u/.kube/sub", NULL};
	const sbx_policy_host h2 = {
	    .home = "/home/u", .engine_paths = engine, .sbx_paths = own, .allowed = narrow};
	spec.mounts_len = 1;
	sbx_policy_check(&r, &spec, "/home/u/p", real, lexical, &h2);
	assert_int_equal(r.n, 1);
	sbx_refusals_release(&r);
}

/* The engines' own directories are as good as their sockets: containerd, Podman, CRI-O. */
static void test_engine_equivalents(void **state)
{
	(void)state;
	refused("/run/docker", "is /run/docker");
	refused("/run/docker/containerd/containerd.sock", "lies inside /run/docker");
	refused("/run/containerd", "is /run/containerd");
	refused("/run/containerd/containerd.sock", "lies inside /run/containerd");
	refused("/var/run/containerd", "is /var/run/containerd");
	refused("/run/podman/podman.sock", "lies inside /run/podman");
	refused("/run/crio/crio.sock", "lies inside /run/crio");
	allowed("/run/dockerish");
	allowed("/srv/containerd-notes");
}

/*
 * The places the host resolved: a second home (the password database's,
 * $HOME pointing elsewhere) and where protected places' links lead.
 */
static void test_homes_and_places(void **state)
{
	(void)state;
	const char *const homes[] = {"/home/real", NULL};
	const sbx_place places[] = {
	    {"/home/u/dotfiles/ssh", "~/.ssh (which leads to '/home/u/dotfiles/ssh')"},
	    {"/home/u/sync/share/sbx", "sbx's own /home/u/sync/share/sbx"},
	    {NULL, NULL}};
	const sbx_policy_host h = {.home = "/home/u",
				   .engine_paths = engine,
				   .sbx_paths = own,
				   .homes = homes,
				   .places = places};
	const char *cases[][2] = {
	    {"/home/u/dotfiles", "holds ~/.ssh (which leads to '/home/u/dotfiles/ssh')"},
	    {"/home/u/dotfiles/ssh/id_ed25519",
	     "lies inside ~/.ssh (which leads to '/home/u/dotfiles/ssh')"},
	    {"/home/u/sync", "holds sbx's own /home/u/sync/share/sbx"},
	    {"/home/real/.ssh", "is /home/real/.ssh"},
	    {"/home/real/.config", "holds /home/real/.config/gh"},
	    {"/home/real", "is your home directory '/home/real'"},
	    {"/home", "holds your home directory"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		char *got = sbx_policy_path(cases[i][0], &h);
		if (!got || strcmp(got, cases[i][1]) != 0)
			fail_msg("%s: got '%s', expected '%s'", cases[i][0],
				 got ? got : "(allowed)", cases[i][1]);
		free(got);
	}
	char *ok = sbx_policy_path("/home/u/dotfiles-notes", &h);
	assert_null(ok);
	ok = sbx_policy_path("/home/real/projects", &h);
	assert_null(ok);
}

/* A workspace is mounted read-write: inside or holding any protected place, it is refused. */
static void test_workspace_protected(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"/home/u/.ssh/proj", "lies inside ~/.ssh"},
	    {"/home/u/.aws", "is ~/.aws"},
	    {"/home/u/.config", "holds ~/.config/gh"},
	    {"/home/u/.config/sbx", "is sbx's own /home/u/.config/sbx"},
	    {"/etc/app", "lies inside /etc"},
	    {"/run/user/1000", "holds the engine's /run/user/1000/docker.sock"},
	};
	sbx_spec spec = {0};
	sbx_refusals r = {0};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		sbx_policy_check(&r, &spec, cases[i][0], NULL, NULL, &host);
		if (r.n != 1 || strcmp(r.v[0].why, cases[i][1]) != 0)
			fail_msg("%s: %zu refusals, '%s'", cases[i][0], r.n, r.n ? r.v[0].why : "");
		sbx_refusals_release(&r);
	}
	sbx_policy_check(&r, &spec, "/home/u/.config/myproj", NULL, NULL, &host);
	assert_int_equal(r.n, 0);
	/* a workspace others could swap on its way */
	sbx_policy_host h = host;
	h.ws_swappable = "lies below '/srv/shared', which others can write";
	sbx_policy_check(&r, &spec, "/srv/shared/p", NULL, NULL, &h);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].why, "lies below '/srv/shared', which others can write");
	sbx_refusals_release(&r);
}

/*
 * The swap race: a source inside another read-write mount's source (the
 * sandbox can rename on its way), and a source the host says others could
 * swap. The user's policy file may accept the second, not the first.
 */
static void test_swappable_sources(void **state)
{
	(void)state;
	sbx_mount mounts[] = {mount_of("/srv/a", 5), mount_of("/srv/a/b", 6), mount_of("/srv/a", 7),
			      mount_of("/srv/c", 8)};
	mounts[2].readonly = true;
	sbx_spec spec = {.mounts = mounts, .mounts_len = 4};
	const char *real[] = {"/srv/a", "/srv/a/b", "/srv/a", "/srv/c"};
	const char *swap[] = {NULL, NULL, NULL, "lies below '/srv', which others can write"};
	sbx_policy_host h = host;
	h.swappable = swap;
	sbx_refusals r = {0};
	sbx_policy_check(&r, &spec, "/home/u/p", real, real, &h);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].pos.line, 6);
	assert_string_equal(
	    r.v[0].why, "lies inside '/srv/a', the read-write mount at line 5: the sandbox could "
			"swap a directory on its way for a link before the engine mounts it");
	assert_int_equal(r.v[1].pos.line, 8);
	assert_string_equal(r.v[1].why, swap[3]);
	sbx_refusals_release(&r);
	/* the outer mount read-only: nothing to rename with; allowed by the policy file: accepted
	 */
	mounts[0].readonly = true;
	const char *const allow[] = {"/srv", NULL};
	h.allowed = allow;
	sbx_policy_check(&r, &spec, "/home/u/p", real, real, &h);
	assert_int_equal(r.n, 0);
	sbx_refusals_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_home_secrets),      cmocka_unit_test(test_system_paths),
	    cmocka_unit_test(test_normalize),	      cmocka_unit_test(test_check_spec),
	    cmocka_unit_test(test_check_allowed),     cmocka_unit_test(test_engine_equivalents),
	    cmocka_unit_test(test_homes_and_places),  cmocka_unit_test(test_workspace_protected),
	    cmocka_unit_test(test_swappable_sources),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
