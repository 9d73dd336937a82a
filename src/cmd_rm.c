/* sbx rm [--volumes] [NAME...]: remove sandboxes; named volumes stay unless --volumes. */
#include <string.h>

#include "cmd.h"
#include "lib/apply.h"
#include "lib/state.h"
#include "output.h"
#include "prepare.h"

static void left(const char *what, const char *name)
{
	_cleanup_free_ char *q = sbx_quotes(name);
	sbx_out_warn("sbx: left the %s %s: its labels do not say sbx made it for this "
		     "sandbox's workspace\n",
		     what, q);
}

static int rm_one(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err)
{
	bool volumes = *(bool *)arg;
	int rc = b->remove(b, a->id, true, err);
	if (rc < 0)
		return rc;
	sbx_out_done("removed", a->name);
	/*
	 * The container's labels may be anyone's: a volume or snapshot it
	 * names is removed only when its own labels say sbx made it for that
	 * workspace. An agent's shared tokens volume belongs to no workspace
	 * and stays.
	 */
	sbx_removal r;
	_cleanup_free_ char *snap = xasprintf("%s:%s", SBX_SNAPSHOT_REPO, a->name);
	if ((rc = b->remove_snapshot(b, &r, a, err)) < 0)
		return rc;
	if (r == SBX_REMOVAL_REMOVED)
		sbx_out_done("removed image", snap);
	else if (r == SBX_REMOVAL_NOT_OURS)
		left("image", snap);
	if (!volumes || !a->volume)
		return 0;
	if ((rc = b->remove_volume(b, &r, a, err)) < 0)
		return rc;
	if (r == SBX_REMOVAL_REMOVED)
		sbx_out_done("removed volume", a->volume);
	else if (r == SBX_REMOVAL_NOT_OURS)
		left("volume", a->volume);
	return 0;
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
