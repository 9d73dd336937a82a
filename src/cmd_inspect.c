/* sbx inspect [NAME]: one sandbox, with the canonical form it was made from. */
#include "cmd.h"
#include "output.h"
#include "prepare.h"

int cmd_inspect(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool json = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {0, "json", SBX_OPT_FLAG, &json, NULL, "print a JSON object"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("inspect", "[--json] [NAME]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 1)
		return sbx_usage_error("inspect", "inspect takes at most one sandbox name");
	sbx_backend *b = NULL;
	sbx_actual a = {0};
	/* The label keeps the limits of creation; show the container's own. */
	int rc = sbx_backend_docker_open(&b, NULL, err);
	if (rc == 0)
		rc = sbx_find_sandbox(&a, ctx, b, nargs ? argv[1] : NULL, err);
	if (rc == 0)
		rc = b->read_resources(b, &a, err);
	if (rc < 0) {
		sbx_actual_release(&a);
		sbx_backend_free(b);
		return rc;
	}
	sbx_out_inspect(&a, json);
	sbx_actual_release(&a);
	sbx_backend_free(b);
	return SBX_EXIT_OK;
}
