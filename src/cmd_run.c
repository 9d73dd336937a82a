/*
 * sbx run and sbx shell: converge the workspace's sandbox, then start the
 * agent (or a login shell) in it, on this terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cmd.h"
#include "lib/agent.h"

/*
 * The user's login shell in the sandbox: its /etc/passwd entry's, else
 * /bin/sh, started as a login shell. A fixed script: nothing of the
 * user's or the file's goes into it.
 */
static const char login_shell[] = "me=$(id -u 2>/dev/null) || me=\n"
				  "sh=\n"
				  "if [ -n \"$me\" ] && [ -r /etc/passwd ]; then\n"
				  "  while IFS=: read -r n p u g c h s; do\n"
				  "    if [ \"$u\" = \"$me\" ]; then sh=$s; break; fi\n"
				  "  done </etc/passwd\n"
				  "fi\n"
				  "if [ -n \"$sh\" ] && [ -x \"$sh\" ]; then exec \"$sh\" -l; fi\n"
				  "exec /bin/sh -l\n";

/* Attached to the terminal when stdin is one; else as exec, stdin passed when it is no terminal. */
static int start(sbx_ctx *ctx, const char *const *argv, sbx_session *s, sbx_error **err)
{
	(void)ctx;
	bool terminal = isatty(STDIN_FILENO);
	const sbx_attach_req r = {
	    .argv = argv,
	    .interactive = true,
	    .tty = terminal,
	};
	return sbx_attach(s, &r, err);
}

int cmd_run(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    SBX_OPT_FRESH(ctx),
	    SBX_OPT_END,
	};
	int nargs, status;
	/* Only what comes before "--" is sbx's: sbx run claude -- --model x. */
	int dash = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	if (sbx_parse_args("run", "[--fresh] [AGENT] [-- ARGS...]", opts, dash, argv, &nargs, &status))
		return status;
	if (nargs > 1)
		return sbx_usage_error("run", "run takes one agent; its arguments go after '--'");
	const char *agent = nargs == 1 ? argv[1] : NULL;
	if (agent && !sbx_agent_find(agent)) {
		_cleanup_free_ char *q = sbx_quotes(agent);
		return sbx_usage_error("run", "unknown agent %s (one of %s)", q, sbx_agent_list());
	}
	sbx_session *s = NULL;
	int rc = sbx_converge(ctx, agent, &s, err);
	if (rc < 0)
		return rc;
	const sbx_spec *spec = sbx_session_config(s)->spec;
	size_t n = spec->command_len, extra = dash < argc ? (size_t)(argc - dash - 1) : 0;
	_cleanup_free_ const char **cmd = xcalloc(n + extra + 1, sizeof(*cmd));
	for (size_t i = 0; i < n; i++)
		cmd[i] = spec->command[i];
	for (size_t i = 0; i < extra; i++)
		cmd[n + i] = argv[dash + 1 + (int)i];
	rc = start(ctx, cmd, s, err);
	sbx_session_free(s);
	return rc;
}

int cmd_shell(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    SBX_OPT_FRESH(ctx),
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("shell", "[--fresh]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("shell", "shell takes no operands (see 'sbx exec')");
	sbx_session *s = NULL;
	int rc = sbx_converge(ctx, NULL, &s, err);
	if (rc < 0)
		return rc;
	const char *const cmd[] = {"/bin/sh", "-c", login_shell, NULL};
	rc = start(ctx, cmd, s, err);
	sbx_session_free(s);
	return rc;
}
