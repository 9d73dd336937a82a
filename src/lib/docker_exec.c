/*
 * The docker backend's exec session with live streams (backend.h's attach):
 * create the exec, start it over a hijacked connection, pump the caller's
 * stdin to it and its output back (the engine's frames demultiplexed when
 * there is no terminal, raw bytes with one), send the terminal's size at
 * the start and whenever the caller wakes the pump, and read the exit
 * status from the exec's inspect.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "frames.h"
#include "util.h"

#define CHUNK	     65536
#define RESIZE_TRIES 10 /* the process may not run yet when the stream opens */
#define RESIZE_WAIT  20 /* ms between tries */
#define DRAIN_READS  64 /* reads of the connection in a row before the others get a turn */

/* Write all of data to fd, waiting when it is non-blocking and full. */
static int write_all(int fd, const void *data, size_t len, sbx_error **err)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd w = {.fd = fd, .events = POLLOUT};
			poll(&w, 1, -1);
			continue;
		}
		if (n < 0)
			return sbx_error_set(err, SBX_ERROR, "writing the command's output: %s",
					     strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * When the runtime cannot start the command, the engine writes its reason
 * into the command's stdout and the exit status is 126, whether the file
 * is missing or cannot be run (engines before 23 say 126 for both). The
 * first bytes of stdout are held while they could be that message, so
 * that it goes to stderr, and a missing file becomes 127 as in a shell.
 */
static const char start_failed[] = "OCI runtime exec failed";
#define MAX_HELD 4096

enum { HOLD_MAYBE, HOLD_YES, HOLD_NO };

typedef struct pump {
	const sbx_exec_opts *o;
	sbx_error **err;
	int hold;
	sbx_buf held;
} pump;

static int to_stdout(pump *p, const void *data, size_t len)
{
	if (p->hold == HOLD_NO)
		return write_all(p->o->out_fd, data, len, p->err);
	sbx_buf_add(&p->held, data, len);
	size_t n = sizeof(start_failed) - 1;
	size_t k = p->held.len < n ? p->held.len : n;
	if (memcmp(p->held.data, start_failed, k) != 0 || p->held.len > MAX_HELD)
		p->hold = HOLD_NO;
	else if (p->held.len >= n)
		p->hold = HOLD_YES;
	if (p->hold != HOLD_NO)
		return 0;
	int rc = write_all(p->o->out_fd, p->held.data, p->held.len, p->err);
	sbx_buf_release(&p->held);
	return rc;
}

static int to_caller(int stream, const void *data, size_t len, void *arg)
{
	pump *p = arg;
	if (stream == SBX_FRAME_STDERR || stream == SBX_FRAME_SYSERR)
		return write_all(p->o->err_fd, data, len, p->err);
	return to_stdout(p, data, len);
}

/* At the end: what was held is the engine's reason (on stderr) or the command's output. */
static int settle(pump *p, int *exit_code)
{
	int rc = 0;
	if (p->hold == HOLD_YES && *exit_code == 126) {
		char *msg = xstrndup(p->held.data, p->held.len);
		msg[strcspn(msg, "\r\n")] = '\0';
		if (strstr(msg, "executable file not found") || strstr(msg, "no such file"))
			*exit_code = 127;
		_cleanup_free_ char *line = sbx_escape_line(msg);
		/* with a terminal, the caller's may still be raw: \r too */
		_cleanup_free_ char *text = xasprintf("sbx: %s%s\n", line, p->o->tty ? "\r" : "");
		free(msg);
		rc = write_all(p->o->tty ? p->o->out_fd : p->o->err_fd, text, strlen(text), p->err);
	} else if (p->held.len) {
		rc = write_all(p->o->out_fd, p->held.data, p->held.len, p->err);
	}
	sbx_buf_release(&p->held);
	p->hold = HOLD_NO;
	return rc;
}

/* POST /exec/ID/resize with the caller's size; false when it did not take. */
static bool resize(sbx_engine *e, const char *exec_id, const sbx_exec_opts *o)
{
	unsigned rows = 0, cols = 0;
	if (!o->size || !o->size(o->arg, &rows, &cols) || rows == 0 || cols == 0)
		return true; /* nothing to send */
	_cleanup_free_ char *path = xasprintf("/exec/%s/resize?h=%u&w=%u", exec_id, rows, cols);
	sbx_error *ignored = NULL;
	if (sbx_engine_call(e, "POST", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, NULL, NULL, &ignored) <
	    0) {
		sbx_error_free(ignored);
		return false;
	}
	return true;
}

static json_object *strings(const char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* The exec's exit status; the engine may set it a moment after the streams end. */
static int exit_status(int *exit_code, sbx_engine *e, const char *exec_id, sbx_error **err)
{
	_cleanup_free_ char *path = xasprintf("/exec/%s/json", exec_id);
	for (int i = 0; i < 250; i++) {
		json_object *info = NULL, *v;
		int rc = sbx_engine_call(e, "GET", path, NULL, SBX_ENGINE_TIMEOUT_SHORT, &info,
					 NULL, err);
		if (rc < 0)
			return rc;
		bool running =
		    json_object_object_get_ex(info, "Running", &v) && json_object_get_boolean(v);
		bool known = json_object_object_get_ex(info, "ExitCode", &v) &&
			     json_object_is_type(v, json_type_int);
		if (known)
			*exit_code = json_object_get_int(v);
		json_object_put(info);
		if (known && !running)
			return 0;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return sbx_error_set(err, SBX_ERROR,
			     "the command's output ended but the engine gives no exit status");
}

/*
 * The pump: until the engine ends the stream, its bytes to the caller's
 * fds; the caller's stdin to it (then a half-close); resizes on wake.
 */
static int run_pump(sbx_engine *e, sbx_engine_conn *conn, const char *exec_id,
		    const sbx_exec_opts *o, pump *p, sbx_error **err)
{
	_cleanup_free_ char *buf = xmalloc(CHUNK);
	_cleanup_free_ char *in = xmalloc(CHUNK);
	size_t in_len = 0, in_off = 0;
	bool in_open = o->in_fd >= 0;
	sbx_frames frames;
	sbx_frames_init(&frames);
	int resize_tries = o->size ? RESIZE_TRIES : 0;
	int rc;

	if (resize_tries && resize(e, exec_id, o))
		resize_tries = 0;
	for (;;) {
		/* The connection first, until it has nothing (TLS may hold bytes the fd hides). */
		bool more = false;
		for (int i = 0;; i++) {
			if (i == DRAIN_READS) {
				more = true;
				break;
			}
			size_t n = 0;
			rc = sbx_engine_conn_recv(conn, buf, CHUNK, &n, err);
			if (rc < 0)
				return rc;
			if (rc == SBX_ENGINE_AGAIN)
				break;
			if (rc == SBX_ENGINE_EOF) {
				if (!o->tty && !sbx_frames_between(&frames))
					return sbx_error_set(err, SBX_EUNAVAILABLE,
							     "the engine's stream ended inside "
							     "a frame");
				return 0;
			}
			rc = o->tty ? to_stdout(p, buf, n)
				    : sbx_frames_feed(&frames, buf, n, to_caller, p, err);
			if (rc < 0)
				return rc;
		}
		/* What is read of stdin goes out before more is read. */
		while (in_off < in_len) {
			size_t n = 0;
			rc = sbx_engine_conn_send(conn, in + in_off, in_len - in_off, &n, err);
			if (rc < 0)
				return rc;
			if (rc == SBX_ENGINE_AGAIN)
				break;
			in_off += n;
		}
		if (in_off == in_len)
			in_off = in_len = 0;

		struct pollfd fds[3];
		int nfds = 0, in_i = -1, wake_i = -1;
		fds[nfds++] = (struct pollfd){.fd = sbx_engine_conn_fd(conn),
					      .events = (short)(POLLIN | (in_len ? POLLOUT : 0))};
		if (in_open && in_len == 0) {
			in_i = nfds;
			fds[nfds++] = (struct pollfd){.fd = o->in_fd, .events = POLLIN};
		}
		if (o->wake_fd >= 0) {
			wake_i = nfds;
			fds[nfds++] = (struct pollfd){.fd = o->wake_fd, .events = POLLIN};
		}
		int timeout = more ? 0 : resize_tries ? RESIZE_WAIT : -1;
		int n = poll(fds, (nfds_t)nfds, timeout);
		if (n < 0 && errno != EINTR)
			return sbx_error_set(err, SBX_ERROR, "poll: %s", strerror(errno));
		if (n <= 0) {
			/* a retry of the size is due when nothing else woke the poll */
			if (n == 0 && !more && resize_tries &&
			    (resize(e, exec_id, o) || --resize_tries == 0))
				resize_tries = 0;
			continue;
		}
		if (wake_i >= 0 && fds[wake_i].revents) {
			char drain[64];
			while (read(o->wake_fd, drain, sizeof(drain)) > 0)
				;
			if (o->size && !resize(e, exec_id, o))
				resize_tries = RESIZE_TRIES;
		}
		if (in_i >= 0 && fds[in_i].revents) {
			ssize_t k = read(o->in_fd, in, CHUNK);
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (k <= 0) {
				/* End of file (or a terminal hung up): the process reads its end.
				 */
				in_open = false;
				if ((rc = sbx_engine_conn_close_write(conn, err)) < 0)
					return rc;
			} else {
				in_len = (size_t)k;
			}
		}
	}
}

int sbx_docker_exec_session(int *exit_code, sbx_engine *e, const char *id, const sbx_exec_opts *o,
			    sbx_error **err)
{
	*exit_code = -1;
	json_object *body = json_object_new_object();
	json_object_object_add(body, "AttachStdin", json_object_new_boolean(o->in_fd >= 0));
	json_object_object_add(body, "AttachStdout", json_object_new_boolean(true));
	json_object_object_add(body, "AttachStderr", json_object_new_boolean(true));
	json_object_object_add(body, "Tty", json_object_new_boolean(o->tty));
	json_object_object_add(body, "Cmd", strings(o->argv));
	if (o->env && o->env[0])
		json_object_object_add(body, "Env", strings(o->env));
	if (o->user && *o->user)
		json_object_object_add(body, "User", json_object_new_string(o->user));
	if (o->workdir)
		json_object_object_add(body, "WorkingDir", json_object_new_string(o->workdir));
	_cleanup_free_ char *eid = sbx_engine_escape(id);
	_cleanup_free_ char *path = xasprintf("/containers/%s/exec", eid);
	json_object *resp = NULL, *v;
	int rc = sbx_engine_call(e, "POST", path, body, SBX_ENGINE_TIMEOUT_SHORT, &resp, NULL, err);
	json_object_put(body);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *exec_id =
	    json_object_object_get_ex(resp, "Id", &v) && json_object_is_type(v, json_type_string)
		? sbx_engine_escape(json_object_get_string(v))
		: NULL;
	json_object_put(resp);
	if (!exec_id)
		return sbx_error_set(err, SBX_ERROR, "the engine made an exec but gave no id");

	_cleanup_free_ char *start = xasprintf("/exec/%s/start", exec_id);
	json_object *sbody = json_object_new_object();
	json_object_object_add(sbody, "Detach", json_object_new_boolean(false));
	json_object_object_add(sbody, "Tty", json_object_new_boolean(o->tty));
	sbx_engine_conn *conn = NULL;
	rc = sbx_engine_hijack(e, &conn, start, sbody, err);
	json_object_put(sbody);
	if (rc < 0)
		return rc;
	pump p = {o, err, HOLD_MAYBE, SBX_BUF_INIT};
	rc = run_pump(e, conn, exec_id, o, &p, err);
	sbx_engine_conn_free(conn);
	if (rc == 0)
		rc = exit_status(exit_code, e, exec_id, err);
	if (rc == 0)
		rc = settle(&p, exit_code);
	sbx_buf_release(&p.held);
	return rc;
}
