/* sbx inspect [NAME]: one sandbox, with the canonical form it was made from. */
#include "cmd.h"
#include "output.h"
#include "prepare.h"

int cmd_inspect(sbx_ctx *ctx, int argc, char **argv)
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
	sbx_engine *e = NULL;
	sbx_error *err = NULL;
	sbx_actual a = {0};
	/* The label keeps the limits of creation; show the container's own. */
	if (sbx_engine_open(&e, NULL, &err) < 0 ||
	    sbx_find_sandbox(&a, ctx, e, nargs ? argv[1] : NULL, &err) < 0 ||
	    sbx_state_read_resources(&a, e, &err) < 0) {
		sbx_actual_release(&a);
		sbx_engine_free(e);
		return sbx_report(err);
	}
	sbx_out_inspect(&a, json);
	sbx_actual_release(&a);
	sbx_engine_free(e);
	return SBX_EXIT_OK;
}
