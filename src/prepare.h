/*
 * prepare: the path `sbx diff` and `sbx apply` share, so that what diff
 * shows is exactly what apply does: load sandbox.yaml, reach the engine,
 * make the file concrete on this host, read the actual sandbox, plan.
 */
#ifndef SBX_PREPARE_H
#define SBX_PREPARE_H

#include "cmd.h"
#include "lib/apply.h"
#include "lib/engine.h"
#include "lib/plan.h"
#include "lib/sandbox.h"
#include "lib/state.h"

typedef struct sbx_prepared {
	sbx_config *cfg;
	sbx_engine *engine;
	sbx_desired desired;
	sbx_actual actual;
	sbx_plan *plan;
	int lock_fd; /* -1: not locked */
} sbx_prepared;

/* sbx_prepare: everything up to the plan; with lock, under the workspace's lock. */
int sbx_prepare(sbx_prepared *p, sbx_ctx *ctx, bool lock, sbx_error **err);
void sbx_prepared_release(sbx_prepared *p);

#endif
