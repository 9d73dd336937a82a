/* sbx rm [--volumes] [NAME...]: remove sandboxes; named volumes stay unless --volumes. */

#include "cmd.h"
#include "lib/apply.h"
#include "lib/state.h"
#include "output.h"
#include "prepare.h"

/* Why rm leaves a snapshot or a volume. */
static char not_ours[] = "its labels do not say sbx made it for this sandbox's workspace";

static int rm_one(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err)
{
	return sbx_remove_sandbox(b, a, *(bool *)arg, sbx_out_removal, not_ours, err);
}

int cmd_rm(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool volumes = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {0, "volumes", SBX_OPT_FLAG, &volumes, NULL,
	     "also remove the sandbox's own credentials volume"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("rm", "[--volumes] [NAME...]", opts, argc, argv, &nargs, &status))
		return status;
	return sbx_each_sandbox(ctx, nargs, argv + 1, rm_one, &volumes, err);
}
