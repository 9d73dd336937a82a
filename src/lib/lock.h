/*
 * lock: the workspace's lock, one for every user of the engine. It is an
 * flock(2) on the workspace directory itself, opened read-only: an flock
 * belongs to the inode, not to a file a user made, so `sbx` and `sudo sbx`,
 * two HOMEs and two users who can read the workspace all exclude each other,
 * and it needs no write access and leaves no file behind (it goes when the
 * holder's descriptor closes, a killed holder included). Who holds it is
 * read from the kernel (/proc/locks: the pid; /proc/PID: its user, command
 * line and start), never from a file anyone could write.
 */
#ifndef SBX_LOCK_H
#define SBX_LOCK_H

#include "error.h"

/* A line for the user while the lock is awaited. */
typedef void (*sbx_lock_note)(const char *line, void *arg);

/* How long sbx_lock_workspace waits by default, in seconds (SBX_LOCK_TIMEOUT overrides). */
#define SBX_LOCK_TIMEOUT_DEFAULT 300

/*
 * sbx_lock_workspace: take the lock of the workspace directory path (its
 * canonical path). When another process holds it, note gets one line that
 * says who, and the wait lasts up to SBX_LOCK_TIMEOUT seconds (the
 * environment's, a whole number; 0: do not wait; default 300). Returns the
 * descriptor to close, or SBX_ECONFLICT when the time is up (the message
 * says who still holds it), SBX_EINTERRUPTED on a signal (interrupt.h),
 * SBX_EUSAGE for a malformed SBX_LOCK_TIMEOUT, SBX_ERROR otherwise. On a
 * file system where a directory cannot be flocked (NFS), the lock falls back
 * to a file under ${XDG_STATE_HOME:-~/.local/state}/sbx/locks: per user.
 */
int sbx_lock_workspace(const char *path, sbx_lock_note note, void *arg, sbx_error **err);

/*
 * sbx_lock_holder: who holds an flock on the file open as fd, as one line
 * ("pid 123 (user 'root': 'sbx apply', since 2026-11-30 22:01:02)"), or
 * NULL when the kernel names no holder this process can see. Caller frees.
 */
char *sbx_lock_holder(int fd);

#endif
