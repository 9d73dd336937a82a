/*
 * sbx validate: load sandbox.yaml and report every problem in it, and
 * everything apply would refuse of it on this host before asking the
 * engine: mount sources that do not exist, tier-2 paths. No engine is
 * contacted.
 */
#include "cmd.h"
#include "lib/backend.h"
#include "lib/sandbox.h"
#include "output.h"

int cmd_validate(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool quiet = false, no_host = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'q', "quiet", SBX_OPT_FLAG, &quiet, NULL, "print nothing when the file is valid"},
	    {0, "no-host", SBX_OPT_FLAG, &no_host, NULL,
	     "check the language only, not what this host would refuse\n"
	     "(missing mount sources, refused paths): for CI and editors"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("validate", "[-q] [--no-host] [FILE...]", opts, argc, argv, &nargs,
			   &status))
		return status;
	if (nargs > 0 && ctx->file)
		return sbx_usage_error("validate", "name the files either with -f or as operands");

	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;

	/* The engine's socket as DOCKER_HOST names it: a path to refuse, not a place to call. */
	_cleanup_free_ char *socket = sbx_backend_docker_socket();
	/* With operands, each is a file to check; the worst status wins. */
	int worst = SBX_EXIT_OK;
	int n = nargs > 0 ? nargs : 1;
	for (int i = 0; i < n; i++) {
		sbx_config *cfg = NULL;
		sbx_error *item = NULL;
		if (nargs > 0) {
			rc = sbx_config_load(&cfg, argv[1 + i],
					     ctx->follow ? 0 : SBX_CONFIG_NOFOLLOW, &item);
		} else {
			rc = sbx_ctx_load_config(ctx, &cfg, &item);
		}
		if (rc == 0 && !no_host && (rc = sbx_check_host(NULL, cfg, socket, &item)) < 0) {
			sbx_config_free(cfg);
			cfg = NULL;
		}
		if (rc < 0) {
			int s = sbx_report_item(item);
			if (worst == SBX_EXIT_OK || s == SBX_EXIT_CONFIG)
				worst = s;
			continue;
		}
		if (!quiet)
			sbx_out_valid(cfg, ctx->color);
		sbx_config_free(cfg);
	}
	return worst;
}
