/* sbx help [COMMAND]: the command list, or one command's --help. */
#include <stdlib.h>

#include "cmd.h"
#include "output.h"

int cmd_help(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {SBX_OPT_END};
	int nargs, status;
	if (sbx_parse_args("help", "[COMMAND]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 1)
		return sbx_usage_error("help", "help takes at most one command");
	if (nargs == 0) {
		size_t n;
		const sbx_command *cmds = sbx_command_list(&n);
		sbx_out_cmd *list = xcalloc(n, sizeof(*list));
		for (size_t i = 0; i < n; i++)
			list[i] = (sbx_out_cmd){cmds[i].name, cmds[i].summary};
		sbx_out_commands(list, n, sbx_global_opts());
		free(list);
		return SBX_EXIT_OK;
	}
	const sbx_command *cmd = sbx_command_find(argv[1]);
	if (!cmd) {
		_cleanup_free_ char *q = sbx_quotes(argv[1]);
		return sbx_usage_error(NULL, "unknown command %s", q);
	}
	/* A command's help is its own --help, printed from its option table. */
	char *hargv[] = {(char *)cmd->name, "--help", NULL};
	return cmd->fn(ctx, 2, hargv, err);
}
