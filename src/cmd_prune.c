/*
 * sbx prune [--yes]: remove the sandboxes whose workspace is gone, the
 * snapshot images no container uses, and the volumes no container uses of
 * workspaces that are gone; listed first, asked on a terminal.
 */
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/apply.h"
#include "lib/backend.h"
#include "output.h"
#include "prepare.h"

/* Why prune leaves an object it listed. */
static char not_ours[] = "in use, or its labels do not say sbx made it";

int cmd_prune(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool yes = false;
	const sbx_opt opts[] = {
	    {'y', "yes", SBX_OPT_FLAG, &yes, NULL,
	     "remove without asking (needed without a terminal, else exit 3)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("prune", "[--yes]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("prune", "prune takes no operands");
	(void)ctx;
	sbx_backend *b = NULL;
	int rc = sbx_backend_docker_open(&b, NULL, err);
	if (rc < 0)
		return rc;
	sbx_prune p;
	if ((rc = sbx_prune_find(b, &p, err)) < 0) {
		sbx_backend_free(b);
		return rc;
	}
	sbx_out_prune(&p);
	size_t n = p.n_sandboxes + p.n_left;
	if (n && !yes) {
		if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
			rc = sbx_error_set(err, SBX_EPOLICY,
					   "prune would remove %zu object%s: confirm with --yes", n,
					   n == 1 ? "" : "s");
		else if (!sbx_ask_yes("Remove them?"))
			n = 0; /* the user said no: nothing removed */
	}
	if (rc == 0 && n)
		rc = sbx_prune_run(b, &p, sbx_out_removal, not_ours, err);
	sbx_prune_release(&p);
	sbx_backend_free(b);
	return rc < 0 ? rc : SBX_EXIT_OK;
}
