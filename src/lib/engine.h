/*
 * engine: the Docker Engine HTTP API through libcurl, over the unix socket
 * (DOCKER_HOST=unix://..., default /var/run/docker.sock) or TCP with TLS
 * (DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). The API
 * version is negotiated once from /_ping. Every request has a timeout, and
 * an engine's error message is passed on, escaped. Bodies are json-c
 * objects; they never leave the docker backend (backend_docker.c,
 * docker_state.c), the transport's only callers.
 */
#ifndef SBX_ENGINE_H
#define SBX_ENGINE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* The API versions sbx speaks: Debian 12's docker.io 20.10 is 1.41. */
#define SBX_ENGINE_API_MIN "1.41"
#define SBX_ENGINE_API_MAX "1.51"

typedef struct sbx_engine sbx_engine;

/*
 * sbx_engine_open: connect to the engine named by host (NULL: $DOCKER_HOST,
 * else the default socket) and negotiate the API version. SBX_EUNAVAILABLE
 * when it cannot be reached, with the socket path and whether it is
 * missing, refused or denied.
 */
int sbx_engine_open(sbx_engine **out, const char *host, sbx_error **err);
void sbx_engine_free(sbx_engine *e);

/* sbx_engine_host: the endpoint in DOCKER_HOST form ("unix:///var/run/docker.sock"). */
const char *sbx_engine_host(const sbx_engine *e);
/* sbx_engine_socket_path: the unix socket's path, or NULL for TCP. */
const char *sbx_engine_socket_path(const sbx_engine *e);
/* sbx_engine_api_version: the negotiated version, "1.41". */
const char *sbx_engine_api_version(const sbx_engine *e);
/* sbx_engine_requests: how many requests this handle has sent (for tests and benchmarks). */
unsigned long sbx_engine_requests(const sbx_engine *e);

/* Per-request timeouts, in seconds. */
enum {
	SBX_ENGINE_TIMEOUT_PING = 5,	/* GET /_ping, the first request: an engine that hangs */
	SBX_ENGINE_TIMEOUT_SHORT = 30,	/* inspect, list, create, start, ... */
	SBX_ENGINE_TIMEOUT_LONG = 1800, /* pull, commit */
};

/*
 * sbx_engine_call: send method path (already escaped, without the /vX.Y
 * prefix) with an optional JSON body (borrowed). On a 2xx answer *out (if
 * out is not NULL) owns the parsed JSON body, or NULL when it was empty.
 * Any other status is an error carrying the engine's message; 404 is
 * SBX_ENOTFOUND and 409 SBX_ECONFLICT, so callers can branch on them.
 * *status (if not NULL) gets the HTTP status in every case it is known.
 */
int sbx_engine_call(sbx_engine *e, const char *method, const char *path, json_object *body,
		    int timeout, json_object **out, long *status, sbx_error **err);

/*
 * sbx_engine_call_stream: like sbx_engine_call, for the endpoints that
 * answer with a stream of JSON objects (pull). on_message is called with
 * each object; an object with an "error" member fails the call.
 */
int sbx_engine_call_stream(sbx_engine *e, const char *method, const char *path, int timeout,
			   void (*on_message)(json_object *msg, void *arg), void *arg,
			   sbx_error **err);

/*
 * sbx_engine_call_stream_from: GET src_path and send its answer, as it
 * comes, as the body (of type) of method path, whose answer is a stream of
 * JSON objects as for sbx_engine_call_stream (an image import from a
 * container's export). Nothing is held in memory; a failure of either
 * request fails the call, the source's first.
 */
int sbx_engine_call_stream_from(sbx_engine *e, const char *src_path, const char *method,
				const char *path, const char *type, int timeout,
				void (*on_message)(json_object *msg, void *arg), void *arg,
				sbx_error **err);

/*
 * sbx_engine_call_raw: a request whose body (may be NULL) or answer is not
 * JSON: archives, exec streams. *out (if out is not NULL) owns the answer's
 * bytes, NUL-terminated, *out_len their count. Errors as sbx_engine_call.
 */
int sbx_engine_call_raw(sbx_engine *e, const char *method, const char *path, const void *body,
			size_t len, const char *type, int timeout, char **out, size_t *out_len,
			sbx_error **err);

/*
 * A hijacked connection (the exec streams): after the engine's "101
 * UPGRADED" to a POST, the connection carries raw bytes both ways. Over
 * the unix socket and over TLS alike; read and write it only through these
 * calls (TLS may hold bytes the socket no longer shows: read until
 * SBX_ENGINE_AGAIN before polling the descriptor).
 */
typedef struct sbx_engine_conn sbx_engine_conn;

/* What a read or write of a hijacked connection says besides 0 (bytes moved). */
enum {
	SBX_ENGINE_AGAIN = 1, /* nothing now: poll sbx_engine_conn_fd */
	SBX_ENGINE_EOF = 2,   /* the engine closed its side */
};

/*
 * sbx_engine_hijack: POST path (already escaped, without the /vX.Y prefix)
 * with body (borrowed; NULL: {}), asking the engine to upgrade the
 * connection. *out (caller frees) is the connection, non-blocking. A
 * refusal is an error as sbx_engine_call's (404 SBX_ENOTFOUND, 409
 * SBX_ECONFLICT).
 */
int sbx_engine_hijack(sbx_engine *e, sbx_engine_conn **out, const char *path, json_object *body,
		      sbx_error **err);
/* sbx_engine_conn_fd: the socket, for poll only. */
int sbx_engine_conn_fd(const sbx_engine_conn *c);
/* sbx_engine_conn_recv: up to len bytes into buf, *n of them: 0, SBX_ENGINE_AGAIN or _EOF. */
int sbx_engine_conn_recv(sbx_engine_conn *c, void *buf, size_t len, size_t *n, sbx_error **err);
/* sbx_engine_conn_send: up to len bytes of buf, *n of them sent: 0 or SBX_ENGINE_AGAIN. */
int sbx_engine_conn_send(sbx_engine_conn *c, const void *buf, size_t len, size_t *n,
			 sbx_error **err);
/* sbx_engine_conn_close_write: half-close: the engine reads end of file, the reading goes on. */
int sbx_engine_conn_close_write(sbx_engine_conn *c, sbx_error **err);
void sbx_engine_conn_free(sbx_engine_conn *c);

/* sbx_engine_escape: percent-encode s for a path segment or a query value. Caller frees. */
char *sbx_engine_escape(const char *s);

/*
 * sbx_engine_default_socket: the unix socket DOCKER_HOST names (or the
 * default one), without connecting; NULL for a TCP engine. Caller frees.
 */
char *sbx_engine_default_socket(void);

/* sbx_engine_curl_version: libcurl's version string (static storage). */
const char *sbx_engine_curl_version(void);

#endif
