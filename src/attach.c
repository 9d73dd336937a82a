#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "lib/interrupt.h"
#include "output.h"
#include "prepare.h"

static void note(const char *line, void *arg)
{
	(void)arg;
	sbx_out_note_stderr(line);
}

/* Warnings wait for the plan: a sandbox that is up to date says nothing. */
static void keep_warning(const char *line, void *arg)
{
	sbx_buf *b = arg;
	sbx_buf_adds(b, line);
	sbx_buf_addc(b, '\n');
}

int sbx_converge(sbx_ctx *ctx, const char *agent, sbx_session **out, sbx_error **err)
{
	*out = NULL;
	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	sbx_session *s = NULL;
	sbx_buf warnings = SBX_BUF_INIT;
	sbx_out_pull pull;
	sbx_out_pull_init(&pull, stderr, sbx_out_progress_tty(ctx->color_mode));
	const sbx_session_opts o = {
	    .intent = SBX_INTENT_APPLY,
	    .file = ctx->file,
	    .follow = ctx->follow,
	    /* the file's agent must be it; with no file, its defaults (zero config) */
	    .agent = agent,
	    .warn = keep_warning,
	    .arg = &warnings,
	    .lock_wait = sbx_out_warn_line, /* at once, not with the warnings */
	    .progress = sbx_out_pull_event,
	    .progress_arg = &pull,
	};
	sbx_interrupts_catch();
	rc = sbx_session_open(&s, &o, err);
	bool changes = rc == 0 && sbx_plan_has_changes(sbx_session_plan(s));
	if (rc < 0 || changes) {
		/* one line each, as sbx_out_warn_line prints them */
		for (char *l = warnings.data, *nl; l && *l; l = nl + 1) {
			nl = strchr(l, '\n');
			*nl = '\0';
			sbx_out_warn_line(l, NULL);
		}
	}
	sbx_buf_release(&warnings);
	if (rc == 0 && changes) {
		const sbx_plan *plan = sbx_session_plan(s);
		sbx_out_plan_stderr(plan, &sbx_session_desired(s)->fields,
				    sbx_out_color_stderr(ctx->color_mode));
		/* sessions a recreate would end: asked on a terminal, else refused (exit 3) */
		sbx_consent_fresh(s, ctx->fresh);
		sbx_consent_stop(s, false);
		rc = sbx_session_apply(s, note, NULL, err);
		if (rc == 0)
			sbx_out_applied_stderr(plan);
	}
	/*
	 * A Ctrl-C that came during the last step: the apply finished, but
	 * the user asked sbx to stop, so the command is not started (exit 130).
	 */
	if (rc == 0)
		rc = sbx_interrupt_check(err);
	/* the pull's renderer serves apply only, which is over */
	sbx_out_pull_release(&pull);
	/* the command's own: a Ctrl-C from now on is its business (or ends sbx) */
	if (rc == 0)
		sbx_interrupts_release();
	if (rc < 0) {
		sbx_session_free(s);
		return rc;
	}
	/* converged: the command may run for hours, and other sbx runs must not wait for it */
	sbx_session_unlock(s);
	/* the buffer above is gone: from now on warnings go out at once */
	sbx_session_set_warn(s, sbx_out_warn_line, NULL);
	*out = s;
	return 0;
}

/*
 * The working directory inside: the caller's own when it is in the
 * workspace (mounted at the same path), else the workspace; a relative
 * -w from there.
 */
static char *workdir_of(const char *ws, const char *w)
{
	if (w && w[0] == '/')
		return xstrdup(w);
	char *cwd = realpath(".", NULL);
	size_t n = strlen(ws);
	char *base = cwd && strncmp(cwd, ws, n) == 0 && (cwd[n] == '\0' || cwd[n] == '/')
			 ? xstrdup(cwd)
			 : xstrdup(ws);
	free(cwd);
	if (!w || !*w || strcmp(w, ".") == 0)
		return base;
	char *full = xasprintf("%s%s%s", base, strcmp(base, "/") == 0 ? "" : "/", w);
	free(base);
	return full;
}

/* ---- the terminal: raw while the command runs, restored on every way out ---- */

static struct termios saved_termios;
static volatile sig_atomic_t raw_fd = -1; /* the terminal in raw mode, or -1 */
static int wake_pipe[2] = {-1, -1};
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction saved_actions[SBX_ARRAY_SIZE(fatal_signals)];
static struct sigaction saved_winch;

static void restore_terminal(void)
{
	int fd = raw_fd;
	if (fd >= 0) {
		tcsetattr(fd, TCSADRAIN, &saved_termios);
		raw_fd = -1;
	}
}

/* A signal that ends sbx: the terminal back as it was, then the signal's own end. */
static void on_fatal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_winch(int sig)
{
	(void)sig;
	int e = errno;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "w", 1) < 0) {
		/* full already: a wake is pending */
	}
	errno = e;
}

static bool term_size(void *arg, unsigned *rows, unsigned *cols)
{
	(void)arg;
	struct winsize ws;
	const int fds[] = {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(fds); i++) {
		if (ioctl(fds[i], TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			return true;
		}
	}
	return false;
}

static int make_raw(int fd, sbx_error **err)
{
	static bool registered;
	if (tcgetattr(fd, &saved_termios) < 0)
		return sbx_error_set(err, SBX_ERROR, "reading the terminal's mode: %s",
				     strerror(errno));
	if (!registered) {
		atexit(restore_terminal);
		registered = true;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(fatal_signals); i++) {
		sigaction(fatal_signals[i], NULL, &saved_actions[i]);
		/* one ignored before (nohup's SIGHUP) stays ignored */
		if (saved_actions[i].sa_handler != SIG_IGN)
			sigaction(fatal_signals[i], &sa, NULL);
	}
	struct termios raw = saved_termios;
	cfmakeraw(&raw);
	raw_fd = fd;
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0) {
		raw_fd = -1;
		for (size_t i = 0; i < SBX_ARRAY_SIZE(fatal_signals); i++)
			sigaction(fatal_signals[i], &saved_actions[i], NULL);
		return sbx_error_set(err, SBX_ERROR, "putting the terminal in raw mode: %s",
				     strerror(errno));
	}
	return 0;
}

static void unmake_raw(void)
{
	restore_terminal();
	for (size_t i = 0; i < SBX_ARRAY_SIZE(fatal_signals); i++)
		sigaction(fatal_signals[i], &saved_actions[i], NULL);
}

static int watch_size(sbx_error **err)
{
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return sbx_error_set(err, SBX_ERROR, "pipe: %s", strerror(errno));
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &saved_winch);
	return 0;
}

static void unwatch_size(void)
{
	if (wake_pipe[0] < 0)
		return;
	sigaction(SIGWINCH, &saved_winch, NULL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

/* r with pass (the pass_env values, "K=V") in its environment. */
static int attach_env(sbx_session *s, const sbx_attach_req *r, char **pass, sbx_error **err)
{
	const sbx_desired *d = sbx_session_desired(s);
	sbx_backend *b = sbx_session_backend(s);
	_cleanup_free_ char *workdir = workdir_of(d->ws.path, r->workdir);

	/*
	 * pass_env: the host's values now, for this session only (the sandbox
	 * never holds them); then -e, which wins; then the terminal's type,
	 * which goes in with the terminal: colours as on the host.
	 */
	size_t np = 0, n = 0;
	while (pass[np])
		np++;
	while (r->env && r->env[n])
		n++;
	_cleanup_free_ const char **env = xcalloc(np + n + 2, sizeof(*env));
	for (size_t i = 0; i < np; i++)
		env[i] = pass[i];
	for (size_t i = 0; i < n; i++)
		env[np + i] = r->env[i];
	n += np;
	const char *term = getenv("TERM");
	_cleanup_free_ char *term_var = r->tty && term && *term ? xasprintf("TERM=%s", term) : NULL;
	bool has_term = false;
	for (size_t i = 0; i < n; i++)
		has_term = has_term || strncmp(env[i], "TERM=", 5) == 0;
	if (term_var && !has_term)
		env[n] = term_var;

	/* raw input whenever stdin is the terminal, as docker does (sbx run | tee log too) */
	bool terminal = r->tty && isatty(STDIN_FILENO);
	sbx_exec_opts o = {
	    .argv = r->argv,
	    .env = env,
	    .user = r->user,
	    .workdir = workdir,
	    .tty = r->tty,
	    .in_fd = r->interactive ? STDIN_FILENO : -1,
	    .out_fd = STDOUT_FILENO,
	    .err_fd = STDERR_FILENO,
	    .wake_fd = -1,
	};
	int rc;
	if (r->tty && (isatty(STDOUT_FILENO) || isatty(STDIN_FILENO))) {
		if ((rc = watch_size(err)) < 0)
			return rc;
		o.wake_fd = wake_pipe[0];
		o.size = term_size;
	}
	bool raw = terminal && r->interactive;
	if (raw && (rc = make_raw(STDIN_FILENO, err)) < 0) {
		unwatch_size();
		return rc;
	}
	int status = -1;
	fflush(stdout);
	fflush(stderr);
	rc = b->attach(b, &status, d->name, &o, err);
	if (raw)
		unmake_raw();
	unwatch_size();
	if (rc < 0)
		return rc;
	if (status < 0 || status > 255)
		return sbx_error_set(err, SBX_ERROR, "the command ended with status %d", status);
	return status;
}

int sbx_attach(sbx_session *s, const sbx_attach_req *r, sbx_error **err)
{
	char **pass = NULL;
	int rc = sbx_session_env(s, &pass, err);
	if (rc < 0)
		return rc;
	rc = attach_env(s, r, pass, err);
	sbx_session_env_free(pass);
	return rc;
}
