/* sbx exec: converge the workspace's sandbox, then run a command in it. */
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "cmd.h"

int cmd_exec(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool interactive = false, tty = false;
	const char *user = NULL, *workdir = NULL;
	sbx_opt_list env = {0};
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    SBX_OPT_FRESH(ctx),
	    {'i', "interactive", SBX_OPT_FLAG, &interactive, NULL,
	     "pass stdin to the command (closed at its end)"},
	    {'t', "tty", SBX_OPT_FLAG, &tty, NULL,
	     "a terminal inside (stdout and stderr become one stream)"},
	    {'e', "env", SBX_OPT_LIST, &env, "K=V", "set a variable for the command (repeatable)"},
	    {'u', "user", SBX_OPT_STRING, &user, "USER", "run as USER (default: the sandbox's)"},
	    {'w', "workdir", SBX_OPT_STRING, &workdir, "DIR",
	     "run in DIR (default: this directory when it is in the workspace,\n"
	     "else the workspace; a relative DIR is taken from there)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args_command("exec",
				   "[-i] [-t] [-e K=V]... [-u USER] [-w DIR] [--fresh] [--] CMD [ARGS...]",
				   opts, argc, argv, &nargs, &status)) {
		free(env.v);
		return status;
	}
	_cleanup_free_ const char **envv = env.v;
	if (nargs == 0)
		return sbx_usage_error("exec", "exec needs a command to run");
	for (size_t i = 0; i < env.n; i++) {
		const char *eq = strchr(env.v[i], '=');
		if (!eq || eq == env.v[i]) {
			_cleanup_free_ char *q = sbx_quotes(env.v[i]);
			return sbx_usage_error("exec", "-e %s: give NAME=VALUE", q);
		}
	}
	if (user && !*user)
		return sbx_usage_error("exec", "-u needs a user name or id");
	sbx_session *s = NULL;
	int rc = sbx_converge(ctx, NULL, &s, err);
	if (rc < 0)
		return rc;
	/* argv[1..nargs] are NULL-terminated: sbx_opt_parse moved the operands to the front. */
	_cleanup_free_ const char **cmd = xcalloc((size_t)nargs + 1, sizeof(*cmd));
	for (int i = 0; i < nargs; i++)
		cmd[i] = argv[i + 1];
	const sbx_attach_req r = {
	    .argv = cmd,
	    .env = envv,
	    .user = user,
	    .workdir = workdir,
	    .interactive = interactive,
	    .tty = tty,
	};
	rc = sbx_attach(s, &r, err);
	sbx_session_free(s);
	return rc;
}
