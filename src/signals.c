/*
 * SIGINT and SIGTERM while sbx converges a sandbox (apply, and the
 * converge of exec, run and shell): recorded for the library (interrupt.h),
 * which lets the engine request under way finish, stops before the next
 * step and rolls back what the run made; main then exits 128 + the signal.
 * A second signal changes nothing: the rollback is what leaves exactly one
 * sandbox (SIGKILL still ends sbx at once; the next apply repairs that).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/interrupt.h"
#include "lib/util.h"

static const int caught[] = {SIGINT, SIGTERM};
static struct sigaction saved[SBX_ARRAY_SIZE(caught)];
static bool catching;

static void on_interrupt(int sig)
{
	int e = errno;
	if (!sbx_interrupt_pending()) {
		static const char msg[] = "\nsbx: interrupted: finishing the current step, then "
					  "undoing this apply's changes\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* nowhere to say it */
		}
	}
	sbx_interrupt_raise(sig);
	errno = e;
}

void sbx_interrupts_catch(void)
{
	if (catching)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(caught); i++) {
		sigaction(caught[i], NULL, &saved[i]);
		/* one ignored before (a background job's SIGINT) stays ignored */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
	}
	catching = true;
}

bool sbx_interrupts_release(void)
{
	if (!catching)
		return false;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(caught); i++)
		sigaction(caught[i], &saved[i], NULL);
	catching = false;
	return true;
}
