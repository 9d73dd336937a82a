/* sbx rm [--volumes] [NAME...]: remove sandboxes; named volumes stay unless --volumes. */
#include <string.h>

#include "cmd.h"
#include "lib/apply.h"
#include "output.h"
#include "prepare.h"

static int rm_one(sbx_engine *e, const sbx_actual *a, void *arg, sbx_error **err)
{
	bool volumes = *(bool *)arg;
	int rc = sbx_container_remove(e, a->id, true, err);
	if (rc < 0)
		return rc;
	sbx_out_done("removed", a->name);
	/*
	 * The shared credentials volume of an agent serves every sandbox of
	 * that agent: --volumes removes only a workspace's own.
	 */
	if (volumes && a->volume && strncmp(a->volume, "sbx-credentials-", 16) != 0) {
		_cleanup_free_ char *ev = sbx_engine_escape(a->volume);
		_cleanup_free_ char *path = xasprintf("/volumes/%s", ev);
		rc = sbx_engine_call(e, "DELETE", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL,
				     err);
		if (rc == SBX_ENOTFOUND) {
			sbx_error_free(*err);
			*err = NULL;
			rc = 0;
		}
		if (rc == 0)
			sbx_out_done("removed volume", a->volume);
	}
	return rc;
}

int cmd_rm(sbx_ctx *ctx, int argc, char **argv)
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
	return sbx_each_sandbox(ctx, nargs, argv + 1, rm_one, &volumes);
}
