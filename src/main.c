/*
 * main: global options, the command table, and the one place where errors
 * become exit statuses: a command returns its error, and main reports it
 * (crun's libcrun_fail_with_error).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/interrupt.h"
#include "lib/session.h"
#include "output.h"

static const sbx_command commands[] = {
    {"apply", cmd_apply, "converge the workspace's sandbox on sandbox.yaml"},
    {"diff", cmd_diff, "show what apply would change; change nothing"},
    {"adopt", cmd_adopt, "take on the sandbox of this workspace before it was moved"},
    {"ls", cmd_ls, "list every sbx sandbox on the engine"},
    {"inspect", cmd_inspect, "show one sandbox and what it was made from"},
    {"stop", cmd_stop, "stop sandboxes (they keep their state)"},
    {"rm", cmd_rm, "remove sandboxes"},
    {"prune", cmd_prune, "remove sandboxes of gone workspaces, unused snapshots and volumes"},
    {"trust", cmd_trust, "approve the host access this sandbox.yaml asks for"},
    {"untrust", cmd_untrust, "withdraw that approval"},
    {"validate", cmd_validate, "check sandbox.yaml and report every problem in it"},
    {"exec", cmd_exec, "run a command in the workspace's sandbox (converged first)"},
    {"run", cmd_run, "start the agent in the workspace's sandbox, on this terminal"},
    {"shell", cmd_shell, "a login shell in the workspace's sandbox"},
    {"init", cmd_init, "write a commented sandbox.yaml for an agent"},
    {"schema", cmd_schema, "print the JSON Schema of sandbox.yaml, for editors"},
    {"version", cmd_version, "print the versions of sbx and its libraries"},
    {"help", cmd_help, "show help for sbx or for one command"},
};

const sbx_command *sbx_command_find(const char *name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const sbx_command *sbx_command_list(size_t *n)
{
	*n = SBX_ARRAY_SIZE(commands);
	return commands;
}

static int exit_status(int code)
{
	switch (code) {
	case SBX_OK:
		return SBX_EXIT_OK;
	case SBX_EINVALID:
		return SBX_EXIT_CONFIG;
	case SBX_EUSAGE:
		return SBX_EXIT_USAGE;
	case SBX_EPOLICY:
		return SBX_EXIT_POLICY;
	case SBX_EUNAVAILABLE:
		return SBX_EXIT_ENGINE;
	case SBX_EINTERRUPTED:
		/* 130 for SIGINT, 143 for SIGTERM, as a shell reports them */
		return sbx_interrupt_pending() ? 128 + sbx_interrupt_pending()
					       : SBX_EXIT_INTERRUPTED;
	default:
		return SBX_EXIT_ERROR;
	}
}

/* The first problem's status, but an invalid file whenever one problem says so. */
int sbx_item_status(const sbx_error *err)
{
	if (!err)
		return SBX_EXIT_OK;
	int status = exit_status(err->code);
	for (const sbx_error *e = err; e; e = e->next)
		if (e->code == SBX_EINVALID)
			status = SBX_EXIT_CONFIG;
	return status;
}

/* Print every problem in err to stderr, free it, and return its exit status. */
static int report(sbx_error *err)
{
	if (!err)
		return SBX_EXIT_OK;
	int status = sbx_item_status(err);
	for (sbx_error *e = err; e; e = e->next) {
		/* Config problems carry their own "file:line:col:" prefix. */
		/* One line per problem: a newline inside one is escaped, never printed. */
		_cleanup_free_ char *msg = sbx_escape_line(e->msg);
		if (e->code == SBX_EINVALID || e->code == SBX_EPOLICY)
			fprintf(stderr, "%s\n", msg);
		else
			fprintf(stderr, "sbx: %s\n", msg);
	}
	sbx_error_free(err);
	return status;
}

int sbx_report_item(sbx_error *err)
{
	return report(err);
}

/* A command's result: its exit status, or its error reported. */
static int finish(int rc, sbx_error *err)
{
	if (rc < 0)
		return report(err);
	sbx_error_free(err); /* NULL: *err is set only on failure */
	return rc;
}

int sbx_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "sbx: %s\n", msg);
	if (name)
		fprintf(stderr, "run 'sbx %s --help' for its usage\n", name);
	else
		fprintf(stderr, "run 'sbx help' for the list of commands\n");
	return SBX_EXIT_USAGE;
}

/*
 * The global options, bound to main's context. Every command takes them
 * after its name too (`sbx validate --no-color`), as git and kubectl users
 * expect; an option of the command's own with the same name wins (init's
 * -C, and the -C and -f of the commands that read sandbox.yaml, set the
 * very same fields).
 */
static const sbx_opt *global_opts;
static sbx_ctx *global_ctx;

const sbx_opt *sbx_global_opts(void)
{
	return global_opts;
}

/*
 * --color=WHEN and --no-color made into ctx's mode and stdout's colour: 0,
 * or a usage error's status for a word that is not auto, always or never.
 * --no-color is --color=never, whichever comes first.
 */
static int resolve_color(sbx_ctx *ctx, const char *name)
{
	ctx->color_mode = SBX_COLOR_AUTO;
	if (ctx->color_when && sbx_color_mode_parse(ctx->color_when, &ctx->color_mode) < 0) {
		_cleanup_free_ char *q = sbx_quotes(ctx->color_when);
		return sbx_usage_error(name, "--color takes auto, always or never, not %s", q);
	}
	if (ctx->no_color)
		ctx->color_mode = SBX_COLOR_NEVER;
	ctx->color = sbx_out_color(ctx->color_mode);
	return 0;
}

static int parse_args(const char *name, const char *synopsis, const sbx_opt *opts, int argc,
		      char **argv, int *nargs, int *status, bool stop_at_operand)
{
	bool help;
	sbx_error *err = NULL;
	_cleanup_free_ sbx_opt *all = sbx_opt_merge(opts, global_opts);
	if (sbx_opt_parse(all, argc, argv, nargs, &help, stop_at_operand, &err) < 0) {
		*status = sbx_usage_error(name, "%s", err->msg);
		sbx_error_free(err);
		return -1;
	}
	if (help) {
		const sbx_command *cmd = sbx_command_find(name);
		sbx_out_usage(name, synopsis, cmd ? cmd->summary : "", opts, global_opts);
		*status = SBX_EXIT_OK;
		return 1;
	}
	if (global_ctx) {
		if ((*status = resolve_color(global_ctx, name)) != 0)
			return -1;
		if (global_ctx->version) {
			sbx_out_version(NULL, false);
			*status = SBX_EXIT_OK;
			return 1;
		}
	}
	return 0;
}

int sbx_parse_args(const char *name, const char *synopsis, const sbx_opt *opts, int argc,
		   char **argv, int *nargs, int *status)
{
	return parse_args(name, synopsis, opts, argc, argv, nargs, status, false);
}

int sbx_parse_args_command(const char *name, const char *synopsis, const sbx_opt *opts, int argc,
			   char **argv, int *nargs, int *status)
{
	return parse_args(name, synopsis, opts, argc, argv, nargs, status, true);
}

int sbx_ctx_enter(sbx_ctx *ctx, sbx_error **err)
{
	if (ctx->entered || !ctx->dir)
		return 0;
	if (chdir(ctx->dir) < 0) {
		int e = errno;
		_cleanup_free_ char *q = sbx_quotes(ctx->dir);
		return sbx_error_set(err, SBX_EUSAGE, "cannot change to directory %s (-C): %s", q,
				     strerror(e));
	}
	ctx->entered = true;
	return 0;
}

int sbx_ctx_load_config(sbx_ctx *ctx, sbx_config **out, sbx_error **err)
{
	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	return sbx_config_discover(out, ctx->file, ctx->follow, err);
}

int main(int argc, char **argv)
{
	sbx_ctx ctx = {0};
	const sbx_opt global[] = {
	    SBX_OPTS_CONFIG(&ctx),
	    {0, "color", SBX_OPT_STRING, &ctx.color_when, "WHEN",
	     "colour the output: auto (on a terminal, NO_COLOR unset or empty;\n"
	     "the default), always, never"},
	    {0, "no-color", SBX_OPT_FLAG, &ctx.no_color, NULL,
	     "never colour the output (--color=never)"},
	    {0, "version", SBX_OPT_FLAG, &ctx.version, NULL, "print the version and exit"},
	    SBX_OPT_END,
	};
	int nargs;
	bool help;
	sbx_error *err = NULL;

	if (argc < 1)
		return SBX_EXIT_USAGE;
	global_opts = global;
	if (sbx_opt_parse(global, argc, argv, &nargs, &help, true, &err) < 0) {
		int status = sbx_usage_error(NULL, "%s", err->msg);
		sbx_error_free(err);
		return status;
	}
	int cstatus = resolve_color(&ctx, NULL);
	if (cstatus != 0)
		return cstatus;
	if (ctx.version) {
		sbx_out_version(NULL, false);
		return SBX_EXIT_OK;
	}
	if (help || nargs == 0) {
		char *hargv[] = {"help", NULL};
		int rc = cmd_help(&ctx, 1, hargv, &err);
		int status = finish(rc, err);
		return help ? status : SBX_EXIT_USAGE;
	}
	const sbx_command *cmd = sbx_command_find(argv[1]);
	if (!cmd) {
		const char *names[SBX_ARRAY_SIZE(commands) + 1];
		for (size_t i = 0; i < SBX_ARRAY_SIZE(commands); i++)
			names[i] = commands[i].name;
		names[SBX_ARRAY_SIZE(commands)] = NULL;
		const char *s = sbx_suggest(argv[1], names);
		_cleanup_free_ char *q = sbx_quotes(argv[1]);
		if (s)
			return sbx_usage_error(NULL, "unknown command %s (did you mean '%s'?)", q,
					       s);
		return sbx_usage_error(NULL, "unknown command %s", q);
	}
	global_ctx = &ctx;
	int rc = cmd->fn(&ctx, nargs, argv + 1, &err);
	return finish(rc, err);
}
