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
	bool quiet = false, no_host = false, json = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'q', "quiet", SBX_OPT_FLAG, &quiet, NULL, "print nothing when the file is valid"},
	    {0, "no-host", SBX_OPT_FLAG, &no_host, NULL,
	     "check the language only, not what this host would refuse\n"
	     "(missing mount sources, refused paths): for CI and editors"},
	    {0, "json", SBX_OPT_FLAG, &json, NULL,
	     "print every file's result and problems as JSON (kind\n"
	     "\"validation\", schema/output/validation.schema.json); the\n"
	     "exit status is the same"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("validate", "[-q] [--no-host] [--json] [FILE...]", opts, argc, argv,
			   &nargs, &status))
		return status;
	if (nargs > 0 && ctx->file)
		return sbx_usage_error("validate", "name the files either with -f or as operands");
	if (json && quiet)
		return sbx_usage_error("validate", "--json and -q exclude each other");

	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;

	/* The engine's socket as DOCKER_HOST names it: a path to refuse, not a place to call. */
	_cleanup_free_ char *socket = sbx_backend_docker_socket();
	/* With operands, each is a file to check; the worst status wins. */
	int worst = SBX_EXIT_OK;
	int n = nargs > 0 ? nargs : 1;
	/* With --json, every file's result is kept to be printed at the end, as one object. */
	sbx_out_checked *checked = json ? xcalloc((size_t)n, sizeof(*checked)) : NULL;
	sbx_config **cfgs = json ? xcalloc((size_t)n, sizeof(*cfgs)) : NULL;
	sbx_error **items = json ? xcalloc((size_t)n, sizeof(*items)) : NULL;
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
			int s = json ? sbx_item_status(item) : sbx_report_item(item);
			if (worst == SBX_EXIT_OK || s == SBX_EXIT_CONFIG)
				worst = s;
		}
		if (json) {
			checked[i] =
			    (sbx_out_checked){nargs > 0 ? argv[1 + i] : ctx->file, cfg, item};
			cfgs[i] = cfg;
			items[i] = item;
			continue;
		}
		if (rc == 0 && !quiet)
			sbx_out_valid(cfg, ctx->color);
		sbx_config_free(cfg);
	}
	if (json) {
		sbx_out_validation(checked, (size_t)n, !no_host);
		for (int i = 0; i < n; i++) {
			sbx_config_free(cfgs[i]);
			sbx_error_free(items[i]);
		}
		free(checked);
		free(cfgs);
		free(items);
	}
	return worst;
}
