#include "hostfacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char *sbx_home_passwd(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? xstrdup(pw->pw_dir) : NULL;
}

char *sbx_resolve_as_far(const char *abs)
{
	_cleanup_free_ char *norm = sbx_path_normalize(abs);
	/* The longest prefix that exists, ending at a component boundary. */
	size_t n = strlen(norm);
	for (;;) {
		_cleanup_free_ char *prefix = xstrndup(norm, n ? n : 1);
		_cleanup_free_ char *real = realpath(prefix, NULL);
		if (real) {
			const char *rest = norm + n;
			if (!*rest)
				return steal_pointer(&real);
			return xasprintf("%s%s", strcmp(real, "/") == 0 ? "" : real, rest);
		}
		if (n <= 1)
			return steal_pointer(&norm);
		while (n > 1 && norm[n - 1] != '/')
			n--;
		if (n > 1)
			n--; /* drop the slash too: "/a/b" -> "/a" */
	}
}

/* A growing NULL-terminated list of distinct strings. */
static void add_unique(char ***v, size_t *n, char *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* Adds path, and where it leads if that differs, to the list. */
static void add_both(char ***v, size_t *n, const char *path)
{
	if (!path || path[0] != '/')
		return;
	add_unique(v, n, sbx_path_normalize(path));
	add_unique(v, n, sbx_resolve_as_far(path));
}

static void add_place(sbx_protected *p, char *path, char *label)
{
	for (size_t i = 0; i < p->nplaces; i++)
		if (strcmp(p->places[i].path, path) == 0) {
			free(path);
			free(label);
			return;
		}
	p->places = xreallocarray(p->places, p->nplaces + 2, sizeof(sbx_place));
	p->places[p->nplaces++] = (sbx_place){path, label};
	p->places[p->nplaces] = (sbx_place){NULL, NULL};
}

/* path is one of the homes (every spelling): the place is already protected as written. */
static bool is_home_secret(const sbx_protected *p, const char *path)
{
	for (size_t s = 0; sbx_policy_home_secrets[s]; s++) {
		for (size_t h = 0; p->homes && p->homes[h]; h++) {
			_cleanup_free_ char *x =
			    xasprintf("%s/%s", p->homes[h], sbx_policy_home_secrets[s]);
			if (strcmp(x, path) == 0)
				return true;
		}
		_cleanup_free_ char *x =
		    p->home ? xasprintf("%s/%s", p->home, sbx_policy_home_secrets[s]) : NULL;
		if (x && strcmp(x, path) == 0)
			return true;
	}
	return false;
}

/*
 * A directory that is only the agent's or the engine's: it exists as a
 * plain directory, is not sticky (a shared /tmp), and is neither / nor a
 * home nor above one. Such a directory is protected whole; elsewhere only
 * the socket itself.
 */
static bool dedicated_dir(const sbx_protected *p, const char *dir)
{
	if (strcmp(dir, "/") == 0 || (p->home && sbx_path_within(p->home, dir)))
		return false;
	for (size_t h = 0; p->homes && p->homes[h]; h++)
		if (sbx_path_within(p->homes[h], dir))
			return false;
	struct stat st;
	if (stat(dir, &st) < 0)
		return true;
	return S_ISDIR(st.st_mode) && !(st.st_mode & S_ISVTX);
}

/* A socket's place: its directory when dedicated, else itself; as spelled and resolved. */
static void add_socket(sbx_protected *p, const char *sock, const char *what)
{
	if (!sock || sock[0] != '/')
		return;
	char *forms[2] = {sbx_path_normalize(sock), sbx_resolve_as_far(sock)};
	for (size_t f = 0; f < 2; f++) {
		_cleanup_free_ char *dir = xstrdup(forms[f]);
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		char *place = dedicated_dir(p, dir) ? xstrdup(dir) : xstrdup(forms[f]);
		add_place(p, place, xasprintf("%s %s", what, place));
		free(forms[f]);
	}
}

void sbx_protected_init(sbx_protected *p, const char *env_home, const char *pw_home,
			const char *engine_socket, const char *data_root)
{
	memset(p, 0, sizeof(*p));
	if (env_home && env_home[0] != '/')
		env_home = NULL;
	if (pw_home && pw_home[0] != '/')
		pw_home = NULL;
	/* The home messages call ~: $HOME's, or the real one when $HOME is unset. */
	const char *primary = env_home ? env_home : pw_home;
	if (primary) {
		p->home = realpath(primary, NULL);
		if (!p->home)
			p->home = sbx_path_normalize(primary);
	}
	size_t nh = 0, no = 0, ne = 0;
	add_both(&p->homes, &nh, env_home);
	add_both(&p->homes, &nh, pw_home);

	/*
	 * Each secret where its own links lead: ~/.ssh a link into
	 * ~/dotfiles, or ~/.config one into ~/sync, makes that directory
	 * hold the keys. Resolved as far as it exists, so that a place not
	 * made yet is protected where it would appear.
	 */
	for (size_t h = 0; p->homes && h < nh; h++) {
		bool tilde = p->home && (strcmp(p->homes[h], p->home) == 0 ||
					 (env_home && strcmp(p->homes[h], env_home) == 0));
		for (size_t s = 0; sbx_policy_home_secrets[s]; s++) {
			_cleanup_free_ char *lex =
			    xasprintf("%s/%s", p->homes[h], sbx_policy_home_secrets[s]);
			char *res = sbx_resolve_as_far(lex);
			if (is_home_secret(p, res)) {
				free(res);
				continue;
			}
			_cleanup_free_ char *q = sbx_quotes(res);
			char *label = tilde ? xasprintf("~/%s (which leads to %s)",
							sbx_policy_home_secrets[s], q)
					    : xasprintf("%s (which leads to %s)", lex, q);
			add_place(p, res, label);
		}
	}

	/* sbx's own directories (trust store, policy, journal) for each home, and where they lead.
	 */
	static const char *const xdg[][2] = {{"XDG_DATA_HOME", ".local/share"},
					     {"XDG_CONFIG_HOME", ".config"},
					     {"XDG_STATE_HOME", ".local/state"}};
	const char *bases[] = {env_home, pw_home};
	for (size_t b = 0; b < SBX_ARRAY_SIZE(bases); b++)
		for (size_t x = 0; bases[b] && x < SBX_ARRAY_SIZE(xdg); x++) {
			_cleanup_free_ char *d = sbx_xdg_dir(xdg[x][0], xdg[x][1], bases[b]);
			add_both(&p->own, &no, d);
		}

	/* The engine in use: its socket and data root, as given and as they resolve. */
	if (engine_socket)
		add_unique(&p->engine, &ne, xstrdup(engine_socket));
	if (engine_socket)
		add_unique(&p->engine, &ne, realpath(engine_socket, NULL));
	const char *root = data_root ? data_root : "/var/lib/docker";
	add_unique(&p->engine, &ne, xstrdup(root));
	add_unique(&p->engine, &ne, realpath(root, NULL));

	/*
	 * The system paths where their own links lead (/var/run is a link
	 * to /run): the policy compares canonical paths with them.
	 */
	for (size_t i = 0; sbx_policy_system_paths[i]; i++) {
		char *res = sbx_resolve_as_far(sbx_policy_system_paths[i]);
		if (strcmp(res, sbx_policy_system_paths[i]) == 0) {
			free(res);
			continue;
		}
		_cleanup_free_ char *q = sbx_quotes(res);
		add_place(p, res,
			  xasprintf("%s (which leads to %s)", sbx_policy_system_paths[i], q));
	}

	/*
	 * The runtime directory holds the session bus, the user's agents and
	 * the rootless engines (docker.sock, podman/, containerd/): each as
	 * good as a shell on the host. Protected whole unless it is a shared
	 * sticky directory, then by name.
	 */
	const char *xrd = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *rt =
	    xrd && xrd[0] == '/' ? xstrdup(xrd) : xasprintf("/run/user/%u", (unsigned)getuid());
	static const char *const rootless[] = {
	    "docker.sock", "docker", "podman", "containerd", "containerd-rootless", "buildkit"};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(rootless); i++) {
		_cleanup_free_ char *s = xasprintf("%s/%s", rt, rootless[i]);
		add_socket(p, s, "the container engines' runtime directory");
	}
	add_socket(p, getenv("SSH_AUTH_SOCK"), "your ssh agent's");
}

void sbx_protected_release(sbx_protected *p)
{
	if (!p)
		return;
	free(p->home);
	sbx_strv_free(p->homes);
	sbx_strv_free(p->engine);
	sbx_strv_free(p->own);
	for (size_t i = 0; i < p->nplaces; i++) {
		free((char *)p->places[i].path);
		free((char *)p->places[i].label);
	}
	free(p->places);
	memset(p, 0, sizeof(*p));
}

sbx_policy_host sbx_protected_host(const sbx_protected *p)
{
	return (sbx_policy_host){
	    .home = p->home,
	    .engine_paths = (const char *const *)p->engine,
	    .sbx_paths = (const char *const *)p->own,
	    .homes = (const char *const *)p->homes,
	    .places = p->places,
	};
}

/* gid is the user's own primary group and no one else is listed in it. */
static bool own_group(gid_t gid, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	if (!pw || pw->pw_gid != gid)
		return false;
	_cleanup_free_ char *name = xstrdup(pw->pw_name);
	struct group *gr = getgrgid(gid);
	for (size_t i = 0; gr && gr->gr_mem && gr->gr_mem[i]; i++)
		if (strcmp(gr->gr_mem[i], name) != 0)
			return false;
	return true;
}

char *sbx_path_swappable(const char *canonical, uid_t uid)
{
	/*
	 * Whoever may write a directory on the way can rename an entry in it
	 * (renameat2 RENAME_EXCHANGE swaps two at once) after sbx's last look
	 * and before the engine's mount, and the engine follows the new one.
	 * The kernel lets no one but the entry's owner, the directory's owner
	 * and root rename an entry of a sticky directory.
	 */
	if (canonical[0] != '/')
		return NULL;
	_cleanup_free_ char *path = xstrdup(canonical);
	struct stat dir;
	if (lstat("/", &dir) < 0)
		return xasprintf("cannot inspect '/': %s", strerror(errno));
	size_t i = 1;
	while (path[i]) {
		size_t j = i;
		while (path[j] && path[j] != '/')
			j++;
		char save = path[j];
		path[j] = '\0';
		struct stat ent;
		if (lstat(path, &ent) < 0) {
			_cleanup_free_ char *q = sbx_quotes(path);
			return xasprintf("cannot be inspected on its way (%s: %s)", q,
					 strerror(errno));
		}
		_cleanup_free_ char *parent = xstrndup(path, i > 1 ? i - 1 : 1);
		_cleanup_free_ char *qd = sbx_quotes(parent);
		_cleanup_free_ char *qe = sbx_quotes(path);
		if (dir.st_uid != uid && dir.st_uid != 0)
			return xasprintf("lies below %s, which belongs to uid %u: that user could "
					 "swap %s for a link between sbx's check and the engine's "
					 "mount; move it somewhere only you and root can change",
					 qd, (unsigned)dir.st_uid, qe);
		bool others = (dir.st_mode & S_IWOTH) ||
			      ((dir.st_mode & S_IWGRP) && !own_group(dir.st_gid, uid));
		bool kept = (dir.st_mode & S_ISVTX) && (ent.st_uid == uid || ent.st_uid == 0);
		if (others && !kept)
			return xasprintf(
			    "lies below %s, which others can write (mode %04o%s): they could swap "
			    "%s for a link between sbx's check and the engine's mount; make it "
			    "writable by you and root only (chmod go-w), or move it",
			    qd, (unsigned)(dir.st_mode & 07777),
			    dir.st_mode & S_ISVTX ? ", and the entry is not yours" : "", qe);
		dir = ent;
		path[j] = save;
		i = save ? j + 1 : j;
	}
	return NULL;
}

/* "uid 4242 ('alice')", or "uid 4242" when the password database has no name for it. */
static char *describe_uid(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	if (!pw || !pw->pw_name)
		return xasprintf("uid %u", (unsigned)uid);
	_cleanup_free_ char *q = sbx_quotes(pw->pw_name);
	return xasprintf("uid %u (%s)", (unsigned)uid, q);
}

char *sbx_path_not_own(const char *path, uid_t uid)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return xasprintf("cannot be inspected: %s", strerror(errno));
	unsigned mode = (unsigned)(st.st_mode & 07777);
	if (st.st_uid != uid) {
		_cleanup_free_ char *who = describe_uid(st.st_uid);
		return xasprintf("belongs to %s, not to you (uid %u; mode %04o)", who,
				 (unsigned)uid, mode);
	}
	/* A link's own mode bits mean nothing. */
	if (!S_ISLNK(st.st_mode) &&
	    ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && !own_group(st.st_gid, uid))))
		return xasprintf("can be written by others (mode %04o, group gid %u)", mode,
				 (unsigned)st.st_gid);
	return NULL;
}

/* Depth-first over dirfd's entries; *budget counts down the entries seen. */
static char *scan(int dfd, const char *path, int depth, size_t *budget)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return NULL;
	}
	char *found = NULL;
	struct dirent *e;
	while (!found && *budget > 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(*budget)--;
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		_cleanup_free_ char *sub =
		    xasprintf("%s/%s", strcmp(path, "/") == 0 ? "" : path, e->d_name);
		if (S_ISSOCK(st.st_mode))
			found = steal_pointer(&sub);
		else if (S_ISDIR(st.st_mode) && depth < 8) {
			int fd =
			    openat(dfd, e->d_name,
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0)
				found = scan(fd, sub, depth + 1, budget);
		}
	}
	closedir(d);
	return found;
}

char *sbx_find_socket(const char *path, size_t budget)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return NULL;
	if (S_ISSOCK(st.st_mode))
		return xstrdup(path);
	if (!S_ISDIR(st.st_mode))
		return NULL;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? NULL : scan(fd, path, 1, &budget);
}
