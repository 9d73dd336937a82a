/* sbx version: sbx's version and its libraries'. */
#include "cmd.h"
#include "output.h"

int cmd_version(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool json = false;
	const sbx_opt opts[] = {
	    {0, "json", SBX_OPT_FLAG, &json, NULL, "print a JSON object"},
	    SBX_OPT_END,
	};
	int nargs, status;
	(void)ctx;
	(void)err;
	if (sbx_parse_args("version", "[--json]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("version", "version takes no operands");
	sbx_out_version(sbx_lib_versions(), json);
	return SBX_EXIT_OK;
}
