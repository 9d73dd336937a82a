/*
 * sbx prune [--yes]: remove the sandboxes whose workspace is gone, the
 * snapshot images no container uses, and the volumes no container uses of
 * workspaces that are gone; listed first, asked on a terminal.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/apply.h"
#include "lib/backend.h"
#include "output.h"
#include "prepare.h"

static void removed(const char *what, const char *name, sbx_removal r, void *arg)
{
	(void)arg;
	if (r == SBX_REMOVAL_REMOVED) {
		_cleanup_free_ char *done =
		    strcmp(what, "sandbox") == 0 ? xstrdup("removed") : xasprintf("removed %s", what);
		sbx_out_done(done, name);
	} else if (r == SBX_REMOVAL_NOT_OURS) {
		_cleanup_free_ char *q = sbx_quotes(name);
		sbx_out_warn("sbx: left the %s %s: in use, or its labels do not say sbx made it\n",
			     what, q);
	}
}

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
		rc = sbx_prune_run(b, &p, removed, NULL, err);
	sbx_prune_release(&p);
	sbx_backend_free(b);
	return rc < 0 ? rc : SBX_EXIT_OK;
}
