#include "interrupt.h"

#include <signal.h>

static volatile sig_atomic_t pending;
static bool finishing;

void sbx_interrupt_raise(int sig)
{
	if (!pending)
		pending = sig;
}

int sbx_interrupt_pending(void)
{
	return pending;
}

void sbx_interrupt_finishing(bool on)
{
	finishing = on;
}

bool sbx_interrupt_cuts(void)
{
	return pending && !finishing;
}

void sbx_interrupt_reset(void)
{
	pending = 0;
}

int sbx_interrupt_check(sbx_error **err)
{
	int sig = pending;
	if (!sig)
		return 0;
	return sbx_error_set(err, SBX_EINTERRUPTED, "interrupted (%s)",
			     sig == SIGINT    ? "SIGINT"
			     : sig == SIGTERM ? "SIGTERM"
					      : "a signal");
}
