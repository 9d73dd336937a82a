/*
 * Unit tests of engine: what the user is told when the engine refuses a
 * request. A fake engine on a unix socket in a private directory (a child
 * process) answers /_ping and then the request under test with canned
 * HTTP; the error must carry the engine's own message, escaped, whether it
 * came as an error status with a JSON body, as a line of a 200 stream (a
 * pull), or as plain text. And a pull's stream as the docker backend hands
 * it on: progress events in sbx's types, the digest, the error. And the
 * docker backend's start, refused for a stale task of the engine's runtime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/backend.h"
#include "lib/docker.h"
#include "lib/engine.h"
#include "lib/util.h"
#include "tmpdir.h"

static char tmp[PATH_MAX];
static char sock[PATH_MAX + 16];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(tmp, "engine") < 0)
		return -1;
	snprintf(sock, sizeof(sock), "%s/engine.sock", tmp);
	unsetenv("SBX_TRACE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

/* Read one request (headers and a Content-Length body) from fd; false at EOF. */
static bool read_request(int fd)
{
	char buf[65536];
	size_t len = 0;
	char *end = NULL;
	while (!end) {
		if (len == sizeof(buf) - 1)
			return false;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	const char *cl = strcasestr(buf, "content-length:");
	size_t want = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
	size_t have = len - (size_t)(end + 4 - buf);
	while (have < want) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		have += (size_t)n;
	}
	return true;
}

/* An HTTP/1.1 answer that closes the connection. */
static char *answer(int status, const char *type, const char *body)
{
	return xasprintf("HTTP/1.1 %d X\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, type, strlen(body), body);
}

/* A fake engine that answers the ping and then each of replies (n), once each; its pid. */
static pid_t fake_engine_n(const char *const *replies, size_t n)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(l >= 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	assert_true(strlen(sock) < sizeof(a.sun_path));
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	/* Not on the heap: the child ends with _exit, and leaves nothing there. */
	static const char ping[] =
	    "HTTP/1.1 200 X\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\nOK";
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (size_t i = 0; i <= n; i++) {
			const char *r = i == 0 ? ping : replies[i - 1];
			int c = accept(l, NULL, NULL);
			if (c < 0)
				_exit(1);
			if (read_request(c)) {
				size_t len = strlen(r);
				if (write(c, r, len) != (ssize_t)len)
					_exit(1);
			}
			close(c);
		}
		_exit(0);
	}
	close(l);
	return pid;
}

static pid_t fake_engine(const char *reply)
{
	return fake_engine_n(&reply, 1);
}

static void reap(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

static void ignore(json_object *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

/* Open the fake engine and make one request; the error it gives, or NULL. */
static sbx_error *request(const char *reply, bool stream, bool raw, int *rc)
{
	pid_t pid = fake_engine(reply);
	_cleanup_free_ char *host = xasprintf("unix://%s", sock);
	sbx_engine *e = NULL;
	sbx_error *err = NULL;
	*rc = sbx_engine_open(&e, host, &err);
	if (*rc == 0) {
		if (stream)
			*rc = sbx_engine_call_stream(e, "POST", "/images/create?fromImage=x%3A1",
						     60, ignore, NULL, &err);
		else if (raw)
			*rc = sbx_engine_call_raw(e, "GET", "/containers/c/archive?path=/etc", NULL,
						  0, NULL, 60, NULL, NULL, &err);
		else
			*rc = sbx_engine_call(e, "POST", "/containers/create?name=x", NULL, 60,
					      NULL, NULL, &err);
	}
	sbx_engine_free(e);
	reap(pid);
	return err;
}

static void has(const sbx_error *err, const char *want)
{
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("the error '%s' lacks '%s'", err->msg, want);
}

/* A pull the engine refuses before streaming: 500 and a JSON message (Docker 20.10). */
static void test_pull_error_status(void **state)
{
	(void)state;
	_cleanup_free_ char *reply =
	    answer(500, "application/json",
		   "{\"message\":\"Get \\\"https://no-such.invalid/v2/\\\": dial tcp: lookup "
		   "no-such.invalid: no such host\"}\n");
	int rc;
	sbx_error *err = request(reply, true, false, &rc);
	assert_int_equal(rc, SBX_ERROR);
	has(err, "engine: POST /images/create: 500: 'Get \"https://no-such.invalid/v2/\": dial "
		 "tcp: lookup no-such.invalid: no such host'");
	sbx_error_free(err);
}

/* A pull that fails mid-stream: 200, progress, then errorDetail. */
static void test_pull_error_in_stream(void **state)
{
	(void)state;
	_cleanup_free_ char *reply = answer(
	    200, "application/json",
	    "{\"status\":\"Pulling from library/x\",\"id\":\"1\"}\r\n"
	    "{\"errorDetail\":{\"message\":\"manifest for x:1 not found: manifest unknown\"},"
	    "\"error\":\"manifest for x:1 not found\"}\r\n");
	int rc;
	sbx_error *err = request(reply, true, false, &rc);
	assert_int_equal(rc, SBX_ERROR);
	has(err, "engine: POST /images/create: 'manifest for x:1 not found: manifest unknown'");
	sbx_error_free(err);
}

/* Only "error", no detail: that string. */
static void test_stream_error_without_detail(void **state)
{
	(void)state;
	_cleanup_free_ char *reply = answer(
	    200, "application/json", "{\"error\":\"unauthorized: authentication required\"}");
	int rc;
	sbx_error *err = request(reply, true, false, &rc);
	/* The last line has no newline: it is still the engine's answer. */
	assert_int_equal(rc, SBX_ERROR);
	has(err, "'unauthorized: authentication required'");
	sbx_error_free(err);
}

/* A message with a terminal escape is passed on escaped; the status keeps its code. */
static void test_message_escaped(void **state)
{
	(void)state;
	_cleanup_free_ char *reply =
	    answer(409, "application/json",
		   "{\"message\":\"Conflict. The name \\\"/x\\u001b[2J\\\" is already in use\"}");
	int rc;
	sbx_error *err = request(reply, false, false, &rc);
	assert_int_equal(rc, SBX_ECONFLICT);
	has(err, "engine: POST /containers/create: 409: 'Conflict. The name \"/x\\x1b[2J\" is "
		 "already in use'");
	assert_null(strchr(err->msg, '\033'));
	sbx_error_free(err);
}

/* Not JSON (a proxy, an old engine): the text itself, without its line end. */
static void test_plain_text(void **state)
{
	(void)state;
	_cleanup_free_ char *reply = answer(404, "text/plain", "404 page not found\n");
	int rc;
	sbx_error *err = request(reply, false, true, &rc);
	assert_int_equal(rc, SBX_ENOTFOUND);
	has(err, "engine: GET /containers/c/archive: 404: '404 page not found'");
	sbx_error_free(err);
}

/* Nothing at all: said so, not ''. */
static void test_no_message(void **state)
{
	(void)state;
	_cleanup_free_ char *reply = answer(500, "application/json", "");
	int rc;
	sbx_error *err = request(reply, true, false, &rc);
	assert_int_equal(rc, SBX_ERROR);
	has(err, "engine: POST /images/create: 500: (no message)");
	sbx_error_free(err);
}

/* What a pull's progress callback heard, one line an event. */
static void record(const sbx_pull_event *ev, void *arg)
{
	sbx_buf *b = arg;
	switch (ev->kind) {
	case SBX_PULL_START:
		sbx_buf_addf(b, "start %s\n", ev->image);
		break;
	case SBX_PULL_LAYER:
		sbx_buf_addf(b, "layer %s %s %lld/%lld\n", ev->id, ev->status,
			     (long long)ev->current, (long long)ev->total);
		break;
	case SBX_PULL_DONE:
		sbx_buf_addf(b, "done %s %s\n", ev->image, ev->digest ? ev->digest : "(none)");
		break;
	case SBX_PULL_ERROR:
		sbx_buf_addf(b, "error %s %s\n", ev->image, ev->status);
		break;
	}
}

/*
 * The stream's objects as events: a layer's status with its byte counts,
 * the digest kept; the tag's "Pulling from", the closing "Status:", errors
 * and whatever is not an object of strings and numbers are no events, and
 * counts that are not non-negative integers are 0 (not known).
 */
static void test_pull_messages_decoded(void **state)
{
	(void)state;
	static const char *const stream[] = {
	    "{\"status\":\"Pulling from sbx-test/pull\",\"id\":\"1\"}",
	    "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":36445,\"total\":1064729},"
	    "\"progress\":\"[=>   ]  36.45kB/1.065MB\",\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":\"Extracting\",\"progressDetail\":{\"current\":-5,\"total\":\"big\"},"
	    "\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":\"Downloading\",\"progressDetail\":[1],\"id\":\"x\\u001b[2J\"}",
	    "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":\"Digest: sha256:44bf\"}",
	    "{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/sbx-test/pull:1\"}",
	    "{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\",\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":5,\"id\":\"2799b9a2ba6c\"}",
	    "{\"status\":\"Waiting\",\"id\":7}",
	    "{\"status\":\"Waiting\",\"id\":\"\"}",
	    "[\"status\",\"id\"]",
	    "\"Downloading\"",
	};
	sbx_buf got = SBX_BUF_INIT;
	sbx_docker_pull p = {"127.0.0.1:5000/sbx-test/pull:1", record, &got, NULL};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(stream); i++) {
		json_object *msg = json_tokener_parse(stream[i]);
		assert_non_null(msg);
		sbx_docker_pull_message(msg, &p);
		json_object_put(msg);
	}
	assert_string_equal(got.data, "layer 2799b9a2ba6c Pulling fs layer 0/0\n"
				      "layer 2799b9a2ba6c Downloading 36445/1064729\n"
				      "layer 2799b9a2ba6c Extracting 0/0\n"
				      "layer x\033[2J Downloading 0/0\n"
				      "layer 2799b9a2ba6c Pull complete 0/0\n");
	assert_string_equal(p.digest, "sha256:44bf");
	free(p.digest);
	sbx_buf_release(&got);
}

/* Run sbx_docker_ensure_image on the fake engine's answers; what the callback heard. */
static int ensure(const char *const *replies, size_t n, sbx_buf *got, sbx_error **err)
{
	pid_t pid = fake_engine_n(replies, n);
	_cleanup_free_ char *host = xasprintf("unix://%s", sock);
	sbx_engine *e = NULL;
	int rc = sbx_engine_open(&e, host, err);
	if (rc == 0)
		rc = sbx_docker_ensure_image(e, "reg.example/x:1", record, got, err);
	sbx_engine_free(e);
	reap(pid);
	return rc;
}

/* A missing image is pulled: start, the layers, then done with the stream's digest. */
static void test_pull_events(void **state)
{
	(void)state;
	_cleanup_free_ char *missing =
	    answer(404, "application/json", "{\"message\":\"No such image: reg.example/x:1\"}");
	_cleanup_free_ char *pull = answer(
	    200, "application/json",
	    "{\"status\":\"Pulling from x\",\"id\":\"1\"}\r\n"
	    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":10},"
	    "\"id\":\"abc\"}\r\n"
	    "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"abc\"}\r\n"
	    "{\"status\":\"Digest: sha256:0123\"}\r\n"
	    "{\"status\":\"Status: Downloaded newer image for reg.example/x:1\"}\r\n");
	const char *replies[] = {missing, pull};
	sbx_buf got = SBX_BUF_INIT;
	sbx_error *err = NULL;
	assert_int_equal(ensure(replies, 2, &got, &err), 0);
	assert_null(err);
	assert_string_equal(got.data, "start reg.example/x:1\n"
				      "layer abc Downloading 5/10\n"
				      "layer abc Pull complete 0/0\n"
				      "done reg.example/x:1 sha256:0123\n");
	sbx_buf_release(&got);
}

/* A pull that fails mid-stream: the error event carries the error returned. */
static void test_pull_error_event(void **state)
{
	(void)state;
	_cleanup_free_ char *missing = answer(404, "application/json", "{\"message\":\"no\"}");
	_cleanup_free_ char *pull = answer(
	    200, "application/json",
	    "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"abc\"}\r\n"
	    "{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest "
	    "unknown\"}\r\n");
	const char *replies[] = {missing, pull};
	sbx_buf got = SBX_BUF_INIT;
	sbx_error *err = NULL;
	assert_int_equal(ensure(replies, 2, &got, &err), SBX_ERROR);
	has(err, "pulling image 'reg.example/x:1': engine: POST /images/create: 'manifest unknown'");
	_cleanup_free_ char *want = xasprintf("start reg.example/x:1\n"
					      "layer abc Pulling fs layer 0/0\n"
					      "error reg.example/x:1 %s\n",
					      err->msg);
	assert_string_equal(got.data, want);
	sbx_error_free(err);
	sbx_buf_release(&got);
}

/* An image that is there: no pull, no event. */
static void test_present_image_no_events(void **state)
{
	(void)state;
	_cleanup_free_ char *present = answer(200, "application/json", "{\"Id\":\"sha256:1\"}");
	const char *replies[] = {present};
	sbx_buf got = SBX_BUF_INIT;
	sbx_error *err = NULL;
	assert_int_equal(ensure(replies, 1, &got, &err), 0);
	assert_int_equal(got.len, 0);
	sbx_buf_release(&got);
}

/* The docker backend's start or stop of container c1, on the fake engine's answers. */
static int backend_verb(const char *verb, const char *const *replies, size_t n, sbx_error **err)
{
	pid_t pid = fake_engine_n(replies, n);
	_cleanup_free_ char *host = xasprintf("unix://%s", sock);
	sbx_backend *b = NULL;
	int rc = sbx_backend_docker_open(&b, host, err);
	if (rc == 0)
		rc = strcmp(verb, "start") == 0 ? b->start(b, "c1", err) : b->stop(b, "c1", err);
	sbx_backend_free(b);
	reap(pid);
	return rc;
}

/*
 * The engine's 304 to a start (the container runs already: a concurrent
 * apply started it) and to a stop (it is stopped already) is success, not
 * an error: apply would otherwise remove a sandbox another apply had just
 * started, or call a stopped one restored (tests/unit/test_apply.c holds
 * apply to the same contract on the fake backend). The start still checks
 * that the container runs.
 */
static void test_304_is_success(void **state)
{
	(void)state;
	_cleanup_free_ char *nm = answer(304, "text/plain", "");
	_cleanup_free_ char *running =
	    answer(200, "application/json",
		   "{\"State\":{\"Running\":true,\"Paused\":false,\"ExitCode\":0}}");
	_cleanup_free_ char *exited =
	    answer(200, "application/json",
		   "{\"State\":{\"Running\":false,\"Paused\":false,\"ExitCode\":127}}");
	sbx_error *err = NULL;
	const char *start[] = {nm, running};
	assert_int_equal(backend_verb("start", start, 2, &err), 0);
	assert_null(err);
	const char *stop[] = {nm};
	assert_int_equal(backend_verb("stop", stop, 1, &err), 0);
	assert_null(err);
	/* Already started, but not running by the check after it: a failure. */
	const char *dead[] = {nm, exited};
	assert_int_equal(backend_verb("start", dead, 2, &err), SBX_ERROR);
	has(err, "the container stopped right after its start (exit code 127");
	sbx_error_free(err);
}

/*
 * A start the engine refuses for its runtime's stale task (an engine killed
 * during a start): the docker backend's start asks the inspect and names it
 * SBX_ESTALE, in both forms Docker 20.10 gives, only when State.Error names
 * the container's own id; any other failed start stays SBX_ERROR.
 */
static int start_with(const char *start_status, const char *error, const char *id, sbx_error **err)
{
	_cleanup_free_ char *msg = xasprintf("{\"message\":\"%s\"}", error);
	_cleanup_free_ char *start = answer(atoi(start_status), "application/json", msg);
	_cleanup_free_ char *body = xasprintf("{\"Id\":\"%s\",\"State\":{\"Status\":\"exited\","
					      "\"Running\":false,\"Paused\":false,\"Pid\":0,"
					      "\"ExitCode\":143,\"Error\":\"%s\"}}",
					      id, error);
	_cleanup_free_ char *inspect = answer(200, "application/json", body);
	const char *replies[] = {start, inspect};
	pid_t pid = fake_engine_n(replies, 2);
	_cleanup_free_ char *host = xasprintf("unix://%s", sock);
	sbx_backend *b = NULL;
	int rc = sbx_backend_docker_open(&b, host, err);
	if (rc == 0)
		rc = b->start(b, "sbx-ws-1", err);
	sbx_backend_free(b);
	reap(pid);
	return rc;
}

#define ID    "75d9a232c4a1e62a77e8c840dfb1e5913ad205bc7945999dc0edd2ce5d41186f"
#define OTHER "11aaaab166e5086762ad6480c6274584e0234baa9573bd0f701d8a1817d7ee18"

static void test_start_stale_task(void **state)
{
	(void)state;
	sbx_error *err = NULL;
	assert_int_equal(start_with("500", "task " ID ": already exists", ID, &err), SBX_ESTALE);
	has(err, "the engine holds a stale task of the container");
	has(err, "'task " ID ": already exists'");
	sbx_error_free(err);
	err = NULL;
	/* An engine that names it a conflict. */
	assert_int_equal(start_with("409", "task " ID ": already exists", ID, &err), SBX_ESTALE);
	sbx_error_free(err);
	err = NULL;
	/* The shim killed too: its bundle directory stays. */
	assert_int_equal(start_with("500",
				    "failed to start shim: mkdir /var/run/docker/containerd/daemon/"
				    "io.containerd.runtime.v2.task/moby/" ID
				    ": file exists: unknown",
				    ID, &err),
			 SBX_ESTALE);
	sbx_error_free(err);
	err = NULL;
	/* Another container's task, or another failure: no stale task of this one. */
	assert_int_equal(start_with("500", "task " OTHER ": already exists", ID, &err), SBX_ERROR);
	has(err, "POST /containers/sbx-ws-1/start: 500: 'task " OTHER ": already exists'");
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(start_with("500", "OCI runtime create failed: already exists", ID, &err),
			 SBX_ERROR);
	sbx_error_free(err);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pull_error_status),
	    cmocka_unit_test(test_pull_error_in_stream),
	    cmocka_unit_test(test_stream_error_without_detail),
	    cmocka_unit_test(test_message_escaped),
	    cmocka_unit_test(test_plain_text),
	    cmocka_unit_test(test_no_message),
	    cmocka_unit_test(test_pull_messages_decoded),
	    cmocka_unit_test(test_pull_events),
	    cmocka_unit_test(test_pull_error_event),
	    cmocka_unit_test(test_present_image_no_events),
	    cmocka_unit_test(test_304_is_success),
	    cmocka_unit_test(test_start_stale_task),
	};
	return cmocka_run_group_tests_name("engine", tests, setup, teardown);
}
