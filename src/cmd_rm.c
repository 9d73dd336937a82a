/* sbx rm [--volumes] [NAME...]: remove sandboxes; named volumes stay unless --volumes. */
#include <string.h>

#include "cmd.h"
#include "lib/apply.h"
#include "lib/state.h"
#include "output.h"
#include "prepare.h"

static void removed(const char *what, const char *name, sbx_removal r, void *arg)
{
	(void)arg;
	if (r == SBX_REMOVAL_REMOVED) {
		_cleanup_free_ char *done =
		    strcmp(what, "sandbox") == 0 ? xstrdup("removed") : xasprintf("removed %s", what);
		sbx_out_done(done, name);
	} else if (r == SBX_REMOVAL_NOT_OURS) {
		_cleanup_free_ char *q = sbx_quotes(name);
		sbx_out_warn("sbx: left the %s %s: its labels do not say sbx made it for this "
			     "sandbox's workspace\n",
			     what, q);
	}
}

static int rm_one(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err)
{
	return sbx_remove_sandbox(b, a, *(bool *)arg, removed, NULL, err);
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
