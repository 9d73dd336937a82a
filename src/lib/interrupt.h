/*
 * interrupt: a signal that asks sbx to stop (SIGINT, SIGTERM), recorded by
 * the command line's handler and polled by the library at the points where
 * stopping leaves nothing half done: between the steps of an apply, and
 * while it waits for the workspace's lock. The step under way finishes (an
 * engine request is never cut off mid-way), then apply rolls back as for any
 * failure, and the caller gets SBX_EINTERRUPTED.
 */
#ifndef SBX_INTERRUPT_H
#define SBX_INTERRUPT_H

#include <stdbool.h>

#include "error.h"

/* sbx_interrupt_raise: record sig (the first one counts). Async-signal-safe. */
void sbx_interrupt_raise(int sig);
/* sbx_interrupt_pending: the signal recorded, or 0. */
int sbx_interrupt_pending(void);
/*
 * sbx_interrupt_finishing: while on, a recorded signal cuts no read off:
 * what runs then (apply's rollback and its closing clean-up) needs every
 * answer. Off again, reads are cut as before.
 */
void sbx_interrupt_finishing(bool on);
/* sbx_interrupt_cuts: a read in flight is to be cut off now (pending, not finishing). */
bool sbx_interrupt_cuts(void);
/* sbx_interrupt_reset: forget it (tests). */
void sbx_interrupt_reset(void);
/*
 * sbx_interrupt_check: SBX_EINTERRUPTED with "interrupted (SIGINT)" in
 * *err when a signal was recorded, else 0.
 */
int sbx_interrupt_check(sbx_error **err);

#endif
