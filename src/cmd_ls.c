/* sbx ls: every sbx sandbox on the engine. */
#include "cmd.h"
#include "lib/backend.h"
#include "lib/state.h"
#include "output.h"

int cmd_ls(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool json = false, quiet = false;
	const sbx_opt opts[] = {
	    {0, "json", SBX_OPT_FLAG, &json, NULL, "print a JSON array"},
	    {'q', "quiet", SBX_OPT_FLAG, &quiet, NULL, "print the names only"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("ls", "[--json | -q]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("ls", "ls takes no operands");
	if (json && quiet)
		return sbx_usage_error("ls", "--json and -q exclude each other");
	(void)ctx;
	sbx_backend *b = NULL;
	int rc = sbx_backend_docker_open(&b, NULL, err);
	if (rc < 0)
		return rc;
	sbx_sandbox_info *list = NULL;
	size_t n = 0;
	rc = b->list(b, &list, &n, err);
	sbx_backend_free(b);
	if (rc < 0)
		return rc;
	sbx_out_ls(list, n, json, quiet);
	sbx_sandbox_info_free(list, n);
	return SBX_EXIT_OK;
}
