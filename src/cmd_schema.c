/* sbx schema: print the JSON Schema of sandbox.yaml, for editors. */
#include "cmd.h"
#include "output.h"
#include "schema.h"

int cmd_schema(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {SBX_OPT_END};
	int nargs, status;
	(void)ctx;
	if (sbx_parse_args("schema", "", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("schema", "schema takes no operands");
	return sbx_out_bytes(sbx_schema_json, sbx_schema_json_len, err);
}
