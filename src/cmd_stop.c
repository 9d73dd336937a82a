/* sbx stop [NAME...]: stop sandboxes; they keep their state for the next apply. */
#include "cmd.h"
#include "lib/apply.h"
#include "output.h"
#include "prepare.h"

/* Shared by stop and rm: act on each named sandbox, or on this workspace's. */
int sbx_each_sandbox(sbx_ctx *ctx, int nargs, char **names,
		     int (*fn)(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err),
		     void *arg, sbx_error **err)
{
	sbx_backend *b = NULL;
	int rc = sbx_backend_docker_open(&b, NULL, err);
	if (rc < 0)
		return rc;
	int worst = SBX_EXIT_OK;
	int n = nargs > 0 ? nargs : 1;
	for (int i = 0; i < n; i++) {
		sbx_actual a = {0};
		sbx_error *item = NULL;
		rc = sbx_find_sandbox(&a, ctx, b, nargs > 0 ? names[i] : NULL, &item);
		if (rc == 0)
			rc = fn(b, &a, arg, &item);
		if (rc < 0) {
			int s = sbx_report_item(item);
			if (worst == SBX_EXIT_OK)
				worst = s;
		}
		sbx_actual_release(&a);
	}
	sbx_backend_free(b);
	return worst;
}

static int stop_one(sbx_backend *b, const sbx_actual *a, void *arg, sbx_error **err)
{
	(void)arg;
	if (!a->running) {
		sbx_out_done("already stopped", a->name);
		return 0;
	}
	int rc = b->stop(b, a->id, err);
	if (rc == 0)
		sbx_out_done("stopped", a->name);
	return rc;
}

int cmd_stop(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {SBX_OPTS_CONFIG(ctx), SBX_OPT_END};
	int nargs, status;
	if (sbx_parse_args("stop", "[NAME...]", opts, argc, argv, &nargs, &status))
		return status;
	return sbx_each_sandbox(ctx, nargs, argv + 1, stop_one, NULL, err);
}
