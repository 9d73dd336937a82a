#include "engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"
#include "util.h"
#include "version.h"

#define DEFAULT_SOCKET	"/var/run/docker.sock"
#define MAX_BODY	(64 * 1024 * 1024) /* an engine answer larger than this is refused */
#define CONNECT_TIMEOUT 10L
#define MAX_HEAD	4096 /* of a streamed answer, kept for its error message */

struct sbx_engine {
	CURL *curl;
	char *host;   /* DOCKER_HOST form */
	char *socket; /* unix socket path, or NULL */
	char *base;   /* "http://localhost" or "https://host:port" */
	char api[16];
	unsigned long requests;
};

typedef struct body_buf {
	sbx_buf buf;
	bool too_big;
	/* streaming: one JSON object per line */
	void (*on_message)(json_object *msg, void *arg);
	void *arg;
	char *stream_error; /* the first error the stream reported */
	sbx_buf head;	    /* its first bytes: an error status's message is handed on too */
} body_buf;

/*
 * The engine's words in a streamed object that reports a failure (a pull
 * whose registry cannot be reached): errorDetail.message, else error.
 */
static char *stream_error_of(json_object *msg)
{
	json_object *detail, *m;
	if (json_object_object_get_ex(msg, "errorDetail", &detail) &&
	    json_object_object_get_ex(detail, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		return xstrdup(json_object_get_string(m));
	if (json_object_object_get_ex(msg, "error", &m))
		return xstrdup(json_object_is_type(m, json_type_string)
				   ? json_object_get_string(m)
				   : json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	return NULL;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	body_buf *b = userp;
	size_t n = size * nmemb;
	if (b->buf.len + n > MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	sbx_buf_add(&b->buf, data, n);
	if (!b->on_message)
		return n;
	if (b->head.len < MAX_HEAD)
		sbx_buf_add(&b->head, data,
			    n < MAX_HEAD - b->head.len ? n : MAX_HEAD - b->head.len);
	/* Hand over every complete line; keep the rest for the next chunk. */
	char *start = b->buf.data, *nl;
	while ((nl = memchr(start, '\n', b->buf.len - (size_t)(start - b->buf.data)))) {
		*nl = '\0';
		json_object *msg = json_tokener_parse(start);
		if (msg) {
			if (!b->stream_error)
				b->stream_error = stream_error_of(msg);
			b->on_message(msg, b->arg);
			json_object_put(msg);
		}
		start = nl + 1;
	}
	size_t rest = b->buf.len - (size_t)(start - b->buf.data);
	memmove(b->buf.data, start, rest);
	b->buf.len = rest;
	b->buf.data[rest] = '\0';
	return n;
}

typedef struct header_buf {
	char api[16];
} header_buf;

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	header_buf *h = userp;
	size_t n = size * nmemb;
	static const char name[] = "api-version:";
	if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		const char *v = data + sizeof(name) - 1;
		size_t len = n - (sizeof(name) - 1);
		while (len && (*v == ' ' || *v == '\t'))
			v++, len--;
		while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
			len--;
		if (len < sizeof(h->api)) {
			memcpy(h->api, v, len);
			h->api[len] = '\0';
		}
	}
	return n;
}

/* Compare "1.41" and "1.9" as versions, not as strings. */
static int version_cmp(const char *a, const char *b)
{
	unsigned long amaj = strtoul(a, NULL, 10), bmaj = strtoul(b, NULL, 10);
	const char *ad = strchr(a, '.'), *bd = strchr(b, '.');
	unsigned long amin = ad ? strtoul(ad + 1, NULL, 10) : 0;
	unsigned long bmin = bd ? strtoul(bd + 1, NULL, 10) : 0;
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

static bool valid_version(const char *v)
{
	const char *p = v;
	if (!(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || !(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

char *sbx_engine_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	sbx_buf b = SBX_BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			sbx_buf_addc(&b, (char)*p);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			sbx_buf_add(&b, enc, 3);
		}
	}
	return sbx_buf_detach(&b);
}

/* Why a unix socket cannot be used, in words a user can act on; NULL when it looks usable. */
static char *socket_problem(const char *path)
{
	struct stat st;
	_cleanup_free_ char *q = sbx_quotes(path);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return xasprintf(
			    "the engine's socket %s is missing: is the Docker engine "
			    "installed and started (dockerd, or systemctl start docker)?",
			    q);
		if (errno == EACCES)
			return xasprintf("access to the engine's socket %s is denied: %s", q,
					 strerror(errno));
		return xasprintf("cannot use the engine's socket %s: %s", q, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return xasprintf("%s is not a socket: check DOCKER_HOST", q);
	if (access(path, R_OK | W_OK) < 0 && errno == EACCES)
		return xasprintf("access to the engine's socket %s is denied: join the socket's "
				 "group (often 'docker') or run as root",
				 q);
	return NULL;
}

static int transport_error_of(sbx_engine *e, CURL *curl, CURLcode rc, int timeout, sbx_error **err);

static int transport_error(sbx_engine *e, CURLcode rc, int timeout, sbx_error **err)
{
	return transport_error_of(e, e->curl, rc, timeout, err);
}

static int transport_error_of(sbx_engine *e, CURL *curl, CURLcode rc, int timeout, sbx_error **err)
{
	long os_errno = 0;
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	_cleanup_free_ char *qh = sbx_quotes(e->host);
	if (rc == CURLE_ABORTED_BY_CALLBACK && sbx_interrupt_check(err) < 0)
		return SBX_EINTERRUPTED;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		/*
		 * The time it really took: a connection that never opens gives up
		 * at CONNECT_TIMEOUT (or the request's timeout, the shorter), an
		 * answer that never comes at the request's timeout.
		 */
		curl_off_t total = 0, connect = 0;
		curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total);
		curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect);
		long secs = (long)((total + 500000) / 1000000);
		if (secs < 1)
			secs = timeout < CONNECT_TIMEOUT ? timeout : CONNECT_TIMEOUT;
		if (connect == 0)
			return sbx_error_set(err, SBX_EUNAVAILABLE,
					     "cannot connect to the engine at %s: no connection "
					     "after %ld seconds",
					     qh, secs);
		return sbx_error_set(err, SBX_EUNAVAILABLE,
				     "the engine at %s did not answer within %ld seconds", qh,
				     secs);
	}
	if (rc == CURLE_COULDNT_CONNECT && e->socket) {
		_cleanup_free_ char *p = socket_problem(e->socket);
		if (p)
			return sbx_error_set(err, SBX_EUNAVAILABLE, "%s", p);
		_cleanup_free_ char *q = sbx_quotes(e->socket);
		if (os_errno == EACCES)
			return sbx_error_set(err, SBX_EUNAVAILABLE,
					     "access to the engine's socket %s is denied", q);
		return sbx_error_set(err, SBX_EUNAVAILABLE,
				     "the engine's socket %s refused the connection: no engine "
				     "listens there (start it: dockerd, or systemctl start docker)",
				     q);
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return sbx_error_set(err, SBX_EUNAVAILABLE,
				     "cannot connect to the engine at %s: %s", qh,
				     curl_easy_strerror(rc));
	return sbx_error_set(err, SBX_EUNAVAILABLE, "talking to the engine at %s: %s", qh,
			     curl_easy_strerror(rc));
}

/*
 * The engine's own words for a failed request, escaped for a terminal: the
 * "message" of its JSON answer, else the answer's text, else a note that
 * it gave none.
 */
static char *engine_message(const char *body, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	json_tokener_free(tok);
	json_object *m;
	char *msg;
	if (o && json_object_object_get_ex(o, "message", &m) &&
	    json_object_is_type(m, json_type_string)) {
		msg = sbx_quote(json_object_get_string(m), (size_t)json_object_get_string_len(m));
	} else {
		while (len &&
		       (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
			len--;
		msg = len ? sbx_quote(body, len > 200 ? 200 : len) : xstrdup("(no message)");
	}
	json_object_put(o);
	return msg;
}

/* A request body: JSON text, or raw bytes of another type (a tar archive). */
typedef struct payload {
	const void *data;
	size_t len;
	const char *type; /* NULL: application/json */
} payload;

/* The way to the engine: its unix socket, or TLS with DOCKER_CERT_PATH's files. */
static void transport_setopts(sbx_engine *e, CURL *c)
{
	if (e->socket) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, e->socket);
	} else if (strncmp(e->base, "https:", 6) == 0) {
		const char *dir = getenv("DOCKER_CERT_PATH");
		_cleanup_free_ char *def = NULL;
		if (!dir || !*dir) {
			const char *home = getenv("HOME");
			def = xasprintf("%s/.docker", home ? home : "");
			dir = def;
		}
		_cleanup_free_ char *ca = xasprintf("%s/ca.pem", dir);
		_cleanup_free_ char *cert = xasprintf("%s/cert.pem", dir);
		_cleanup_free_ char *key = xasprintf("%s/key.pem", dir);
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
}

/* SBX_TRACE=1: each request on stderr, for tests and for curious users. */
static void trace_request(sbx_engine *e, const char *method, const char *url)
{
	const char *trace = getenv("SBX_TRACE");
	if (trace && *trace && strcmp(trace, "0") != 0) {
		const char *p = strstr(url, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		_cleanup_free_ char *q = sbx_quotes(p ? p : url);
		fprintf(stderr, "sbx: engine request %lu: %s %s\n", e->requests, method, q);
	}
}

/*
 * A read in flight when a signal asks sbx to stop (interrupt.h) is cut off:
 * it changes nothing. A request that changes something runs to its answer,
 * so that the rollback knows what the engine did.
 */
static int on_progress(void *cut, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return cut && sbx_interrupt_cuts() ? 1 : 0;
}

/*
 * What every request on e's own handle starts with: the handle reset, the
 * URL, the timeouts, the answer into resp, the protocols, the way to the
 * engine.
 */
static void request_setopts(sbx_engine *e, const char *url, int timeout, body_buf *resp)
{
	CURL *c = e->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	transport_setopts(e, c);
}

static int perform(sbx_engine *e, const char *method, const char *url, const payload *body,
		   int timeout, body_buf *resp, header_buf *hdr, long *status, sbx_error **err)
{
	CURL *c = e->curl;
	request_setopts(e, url, timeout, resp);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA,
			 strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ? (void *)c : NULL);
	if (hdr) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, hdr);
	}
	struct curl_slist *headers = NULL;
	headers = curl_slist_append(headers, "User-Agent: sbx/" SBX_VERSION);
	/* JSON unless said otherwise: curl's default form type is refused by some endpoints. */
	_cleanup_free_ char *ctype =
	    xasprintf("Content-Type: %s", body && body->type ? body->type : "application/json");
	headers = curl_slist_append(headers, ctype);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	}
	/* No "Expect: 100-continue" round trip. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0 && !body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
	    strcmp(method, "HEAD") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);

	e->requests++;
	trace_request(e, method, url);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(headers);
	if (resp->too_big)
		return sbx_error_set(err, SBX_ERROR, "the engine's answer to %s is over %d bytes",
				     method, MAX_BODY);
	if (rc != CURLE_OK)
		return transport_error(e, rc, timeout, err);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static int status_error(long status, const char *method, const char *path, const sbx_buf *body,
			sbx_error **err)
{
	_cleanup_free_ char *msg = engine_message(body->data ? body->data : "", body->len);
	int code = status == 404 ? SBX_ENOTFOUND : status == 409 ? SBX_ECONFLICT : SBX_ERROR;
	/* The query string may hold user data; the path is enough to say what failed. */
	size_t plen = strcspn(path, "?");
	return sbx_error_set(err, code, "engine: %s %.*s: %ld: %s", method, (int)plen, path, status,
			     msg);
}

int sbx_engine_call(sbx_engine *e, const char *method, const char *path, json_object *body,
		    int timeout, json_object **out, long *status, sbx_error **err)
{
	if (out)
		*out = NULL;
	_cleanup_free_ char *url = xasprintf("%s/v%s%s", e->base, e->api, path);
	const char *text =
	    body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
	body_buf resp = {SBX_BUF_INIT, false, NULL, NULL, NULL, SBX_BUF_INIT};
	long st = 0;
	payload pl = {text, text ? strlen(text) : 0, NULL};
	int rc = perform(e, method, url, text ? &pl : NULL, timeout, &resp, NULL, &st, err);
	if (status)
		*status = st;
	if (rc < 0) {
		sbx_buf_release(&resp.buf);
		return rc;
	}
	if (st < 200 || st > 299) {
		rc = status_error(st, method, path, &resp.buf, err);
		sbx_buf_release(&resp.buf);
		return rc;
	}
	if (out && resp.buf.len > 0) {
		json_tokener *tok = json_tokener_new_ex(64);
		json_object *o = json_tokener_parse_ex(tok, resp.buf.data, (int)resp.buf.len);
		enum json_tokener_error jerr = json_tokener_get_error(tok);
		json_tokener_free(tok);
		if (!o || jerr != json_tokener_success) {
			json_object_put(o);
			sbx_buf_release(&resp.buf);
			return sbx_error_set(err, SBX_ERROR,
					     "engine: %s %.*s: the answer is not valid JSON",
					     method, (int)strcspn(path, "?"), path);
		}
		*out = o;
	}
	sbx_buf_release(&resp.buf);
	return 0;
}

/*
 * The end of a streamed answer, rc being the transfer's: the last object
 * (it may end without a newline, and is part of the answer too) to the line
 * splitter; then an error status (its answer went through the splitter, its
 * first bytes are kept) or the error the stream reported. Releases resp.
 */
static int stream_end(int rc, body_buf *resp, long st, const char *method, const char *path,
		      sbx_error **err)
{
	if (rc == 0 && resp->buf.len > 0)
		on_body((char *)"\n", 1, 1, resp);
	if (rc == 0 && (st < 200 || st > 299))
		rc = status_error(st, method, path, &resp->head, err);
	if (rc == 0 && resp->stream_error) {
		_cleanup_free_ char *q = sbx_quotes(resp->stream_error);
		rc = sbx_error_set(err, SBX_ERROR, "engine: %s %.*s: %s", method,
				   (int)strcspn(path, "?"), path, q);
	}
	free(resp->stream_error);
	sbx_buf_release(&resp->buf);
	sbx_buf_release(&resp->head);
	return rc;
}

int sbx_engine_call_stream(sbx_engine *e, const char *method, const char *path, int timeout,
			   void (*on_message)(json_object *msg, void *arg), void *arg,
			   sbx_error **err)
{
	_cleanup_free_ char *url = xasprintf("%s/v%s%s", e->base, e->api, path);
	body_buf resp = {SBX_BUF_INIT, false, on_message, arg, NULL, SBX_BUF_INIT};
	long st = 0;
	int rc = perform(e, method, url, NULL, timeout, &resp, NULL, &st, err);
	return stream_end(rc, &resp, st, method, path, err);
}

/* Parse DOCKER_HOST into the socket path or the base URL. */
static int parse_host(sbx_engine *e, const char *host, sbx_error **err)
{
	_cleanup_free_ char *q = sbx_quotes(host);
	if (strncmp(host, "unix://", 7) == 0) {
		if (host[7] != '/')
			return sbx_error_set(err, SBX_EUSAGE,
					     "DOCKER_HOST %s: a unix socket needs an absolute path",
					     q);
		e->socket = xstrdup(host + 7);
		e->base = xstrdup("http://localhost");
		return 0;
	}
	if (strncmp(host, "tcp://", 6) == 0) {
		const char *hp = host + 6;
		size_t len = strcspn(hp, "/");
		if (len == 0)
			return sbx_error_set(err, SBX_EUSAGE, "DOCKER_HOST %s names no host", q);
		const char *verify = getenv("DOCKER_TLS_VERIFY");
		bool tls = verify && *verify;
		e->base = xasprintf("%s://%.*s", tls ? "https" : "http", (int)len, hp);
		return 0;
	}
	return sbx_error_set(err, SBX_EUSAGE,
			     "DOCKER_HOST %s is not supported: use unix:///path or tcp://host:port",
			     q);
}

/* The engine the environment names: DOCKER_HOST, else the default socket. */
static const char *env_host(void)
{
	const char *host = getenv("DOCKER_HOST");
	return host && *host ? host : "unix://" DEFAULT_SOCKET;
}

int sbx_engine_open(sbx_engine **out, const char *host, sbx_error **err)
{
	static bool curl_ready;
	*out = NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return sbx_error_set(err, SBX_ERROR, "cannot initialise libcurl");
		curl_ready = true;
	}
	if (!host)
		host = env_host();
	sbx_engine *e = xcalloc(1, sizeof(*e));
	e->host = xstrdup(host);
	int rc = parse_host(e, host, err);
	if (rc < 0) {
		sbx_engine_free(e);
		return rc;
	}
	e->curl = curl_easy_init();
	if (!e->curl) {
		sbx_engine_free(e);
		return sbx_error_set(err, SBX_ERROR, "cannot initialise libcurl");
	}
	if (e->socket) {
		char *p = socket_problem(e->socket);
		if (p) {
			rc = sbx_error_set(err, SBX_EUNAVAILABLE, "%s", p);
			free(p);
			sbx_engine_free(e);
			return rc;
		}
	}

	/* Negotiate: the engine's version, capped at the newest sbx knows. */
	_cleanup_free_ char *url = xasprintf("%s/_ping", e->base);
	body_buf resp = {SBX_BUF_INIT, false, NULL, NULL, NULL, SBX_BUF_INIT};
	header_buf hdr = {{0}};
	long st = 0;
	rc = perform(e, "GET", url, NULL, SBX_ENGINE_TIMEOUT_PING, &resp, &hdr, &st, err);
	if (rc == 0 && st >= 500) {
		/* An engine that answers but is not ready (starting, or its daemon broken). */
		_cleanup_free_ char *qh = sbx_quotes(e->host);
		_cleanup_free_ char *msg =
		    engine_message(resp.buf.data ? resp.buf.data : "", resp.buf.len);
		rc = sbx_error_set(err, SBX_EUNAVAILABLE,
				   "the engine at %s is not available: GET /_ping: %ld: %s", qh, st,
				   msg);
	} else if (rc == 0 && st != 200) {
		rc = status_error(st, "GET", "/_ping", &resp.buf, err);
	}
	sbx_buf_release(&resp.buf);
	if (rc < 0) {
		sbx_engine_free(e);
		return rc;
	}
	if (!valid_version(hdr.api)) {
		_cleanup_free_ char *qh = sbx_quotes(e->host);
		sbx_engine_free(e);
		return sbx_error_set(
		    err, SBX_ERROR, "the engine at %s gives no API version: is it a Docker engine?",
		    qh);
	}
	if (version_cmp(hdr.api, SBX_ENGINE_API_MIN) < 0) {
		sbx_engine_free(e);
		return sbx_error_set(
		    err, SBX_ERROR,
		    "the engine speaks API %s; sbx needs %s or newer (Docker 20.10)", hdr.api,
		    SBX_ENGINE_API_MIN);
	}
	snprintf(e->api, sizeof(e->api), "%s",
		 version_cmp(hdr.api, SBX_ENGINE_API_MAX) > 0 ? SBX_ENGINE_API_MAX : hdr.api);
	*out = e;
	return 0;
}

void sbx_engine_free(sbx_engine *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e->host);
	free(e->socket);
	free(e->base);
	free(e);
}

const char *sbx_engine_host(const sbx_engine *e)
{
	return e->host;
}

const char *sbx_engine_socket_path(const sbx_engine *e)
{
	return e->socket;
}

char *sbx_engine_default_socket(void)
{
	const char *host = env_host();
	if (strncmp(host, "unix://", 7) == 0 && host[7] == '/')
		return xstrdup(host + 7);
	return NULL;
}

const char *sbx_engine_api_version(const sbx_engine *e)
{
	return e->api;
}

unsigned long sbx_engine_requests(const sbx_engine *e)
{
	return e->requests;
}

int sbx_engine_call_raw(sbx_engine *e, const char *method, const char *path, const void *body,
			size_t len, const char *type, int timeout, char **out, size_t *out_len,
			sbx_error **err)
{
	if (out)
		*out = NULL;
	if (out_len)
		*out_len = 0;
	_cleanup_free_ char *url = xasprintf("%s/v%s%s", e->base, e->api, path);
	payload pl = {body, len, type};
	body_buf resp = {SBX_BUF_INIT, false, NULL, NULL, NULL, SBX_BUF_INIT};
	long st = 0;
	int rc = perform(e, method, url, body ? &pl : NULL, timeout, &resp, NULL, &st, err);
	if (rc == 0 && (st < 200 || st > 299))
		rc = status_error(st, method, path, &resp.buf, err);
	if (rc == 0 && out) {
		if (out_len)
			*out_len = resp.buf.len;
		*out = sbx_buf_detach(&resp.buf);
	}
	sbx_buf_release(&resp.buf);
	return rc;
}

/* ---- hijacked connections ---- */

#define MAX_HIJACK_HEAD 16384 /* the answer's status line and headers */
#define MAX_HIJACK_BODY 65536 /* of a refusal, kept for its message */

struct sbx_engine_conn {
	CURL *curl;
	int fd;
	sbx_buf early; /* stream bytes that came with the answer's head */
	size_t off;
};

/* Wait until fd is ready for events, or the deadline (ms since the epoch of CLOCK_MONOTONIC). */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long ms = deadline - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		if (ms <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static long long deadline_in(int seconds)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + (long long)seconds * 1000;
}

static int conn_send_all(sbx_engine_conn *c, const char *data, size_t len, long long deadline,
			 sbx_error **err)
{
	while (len > 0) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(c->curl, data, len, &n);
		if (rc == CURLE_AGAIN) {
			if (wait_fd(c->fd, POLLOUT, deadline) < 0)
				return sbx_error_set(err, SBX_EUNAVAILABLE,
						     "the engine took no request within %d seconds",
						     SBX_ENGINE_TIMEOUT_SHORT);
			continue;
		}
		if (rc != CURLE_OK)
			return sbx_error_set(err, SBX_EUNAVAILABLE, "writing to the engine: %s",
					     curl_easy_strerror(rc));
		data += n;
		len -= n;
	}
	return 0;
}

/* Read into b until it holds "\r\n\r\n" (the head) or limit bytes; *eof at its end. */
static int conn_read_until(sbx_engine_conn *c, sbx_buf *b, bool head, size_t limit,
			   long long deadline, bool *eof, sbx_error **err)
{
	char chunk[4096];
	*eof = false;
	while (b->len < limit && !(head && b->data && strstr(b->data, "\r\n\r\n"))) {
		size_t n = 0;
		size_t want = limit - b->len < sizeof(chunk) ? limit - b->len : sizeof(chunk);
		CURLcode rc = curl_easy_recv(c->curl, chunk, want, &n);
		if (rc == CURLE_AGAIN) {
			if (wait_fd(c->fd, POLLIN, deadline) < 0)
				return sbx_error_set(err, SBX_EUNAVAILABLE,
						     "the engine did not answer within %d seconds",
						     SBX_ENGINE_TIMEOUT_SHORT);
			continue;
		}
		if (rc != CURLE_OK)
			return sbx_error_set(err, SBX_EUNAVAILABLE, "reading from the engine: %s",
					     curl_easy_strerror(rc));
		if (n == 0) {
			*eof = true;
			break;
		}
		sbx_buf_add(b, chunk, n);
	}
	return 0;
}

int sbx_engine_hijack(sbx_engine *e, sbx_engine_conn **out, const char *path, json_object *body,
		      sbx_error **err)
{
	*out = NULL;
	_cleanup_free_ char *url = xasprintf("%s/v%s%s", e->base, e->api, path);
	sbx_engine_conn *c = xcalloc(1, sizeof(*c));
	c->fd = -1;
	c->early = (sbx_buf)SBX_BUF_INIT;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return sbx_error_set(err, SBX_ERROR, "cannot initialise libcurl");
	}
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	transport_setopts(e, c->curl);
	e->requests++;
	trace_request(e, "POST", url);
	CURLcode crc = curl_easy_perform(c->curl);
	if (crc != CURLE_OK) {
		int rc = transport_error_of(e, c->curl, crc, SBX_ENGINE_TIMEOUT_SHORT, err);
		sbx_engine_conn_free(c);
		return rc;
	}
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD) {
		sbx_engine_conn_free(c);
		return sbx_error_set(err, SBX_ERROR, "libcurl gives no socket for the engine");
	}
	c->fd = (int)fd;

	/*
	 * The request by hand, as the Docker CLI's hijack sends it: the engine
	 * answers "101 UPGRADED" (older ones "200 OK") and from then on the
	 * connection carries the process's streams both ways.
	 */
	const char *text =
	    body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : "{}";
	const char *host = strstr(e->base, "://") + 3;
	_cleanup_free_ char *req = xasprintf("POST /v%s%s HTTP/1.1\r\n"
					     "Host: %s\r\n"
					     "User-Agent: sbx/" SBX_VERSION "\r\n"
					     "Content-Type: application/json\r\n"
					     "Content-Length: %zu\r\n"
					     "Connection: Upgrade\r\n"
					     "Upgrade: tcp\r\n"
					     "\r\n%s",
					     e->api, path, host, strlen(text), text);
	long long deadline = deadline_in(SBX_ENGINE_TIMEOUT_SHORT);
	bool eof = false;
	sbx_buf head = SBX_BUF_INIT;
	int rc = conn_send_all(c, req, strlen(req), deadline, err);
	if (rc == 0)
		rc = conn_read_until(c, &head, true, MAX_HIJACK_HEAD, deadline, &eof, err);
	char *end = rc == 0 && head.data ? strstr(head.data, "\r\n\r\n") : NULL;
	if (rc == 0 && !end)
		rc = sbx_error_set(err, SBX_ERROR,
				   "engine: POST %.*s: the answer has no end of head",
				   (int)strcspn(path, "?"), path);
	long status = 0;
	if (rc == 0 && (sscanf(head.data, "HTTP/1.%*1[01] %ld", &status) != 1 || status < 100))
		rc = sbx_error_set(err, SBX_ERROR, "engine: POST %.*s: the answer is not HTTP",
				   (int)strcspn(path, "?"), path);
	if (rc < 0) {
		sbx_buf_release(&head);
		sbx_engine_conn_free(c);
		return rc;
	}
	size_t head_len = (size_t)(end - head.data) + 4;
	if (status == 101 || status == 200) {
		sbx_buf_add(&c->early, head.data + head_len, head.len - head_len);
		sbx_buf_release(&head);
		*out = c;
		return 0;
	}
	/* A refusal: its body (Content-Length, else to the end) carries the engine's words. */
	sbx_buf msg = SBX_BUF_INIT;
	sbx_buf_add(&msg, head.data + head_len, head.len - head_len);
	const char *cl = strcasestr(head.data, "\r\ncontent-length:");
	size_t want = MAX_HIJACK_BODY;
	if (cl && cl < end) {
		unsigned long v = strtoul(cl + 17, NULL, 10);
		if (v < want)
			want = v;
	}
	sbx_buf_release(&head);
	sbx_error *ignored = NULL;
	if (!eof && msg.len < want &&
	    conn_read_until(c, &msg, false, want, deadline, &eof, &ignored) < 0)
		sbx_error_free(ignored);
	rc = status_error(status, "POST", path, &msg, err);
	sbx_buf_release(&msg);
	sbx_engine_conn_free(c);
	return rc;
}

int sbx_engine_conn_fd(const sbx_engine_conn *c)
{
	return c->fd;
}

int sbx_engine_conn_recv(sbx_engine_conn *c, void *buf, size_t len, size_t *n, sbx_error **err)
{
	*n = 0;
	if (c->off < c->early.len) {
		size_t k = c->early.len - c->off < len ? c->early.len - c->off : len;
		memcpy(buf, c->early.data + c->off, k);
		c->off += k;
		*n = k;
		return 0;
	}
	CURLcode rc = curl_easy_recv(c->curl, buf, len, n);
	if (rc == CURLE_AGAIN)
		return SBX_ENGINE_AGAIN;
	if (rc != CURLE_OK)
		return sbx_error_set(err, SBX_EUNAVAILABLE, "reading from the engine: %s",
				     curl_easy_strerror(rc));
	return *n == 0 ? SBX_ENGINE_EOF : 0;
}

int sbx_engine_conn_send(sbx_engine_conn *c, const void *buf, size_t len, size_t *n,
			 sbx_error **err)
{
	*n = 0;
	CURLcode rc = curl_easy_send(c->curl, buf, len, n);
	if (rc == CURLE_AGAIN)
		return SBX_ENGINE_AGAIN;
	if (rc != CURLE_OK)
		return sbx_error_set(err, SBX_EUNAVAILABLE, "writing to the engine: %s",
				     curl_easy_strerror(rc));
	return 0;
}

int sbx_engine_conn_close_write(sbx_engine_conn *c, sbx_error **err)
{
	if (shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
		return sbx_error_set(err, SBX_EUNAVAILABLE, "closing the stream to the engine: %s",
				     strerror(errno));
	return 0;
}

void sbx_engine_conn_free(sbx_engine_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	sbx_buf_release(&c->early);
	free(c);
}

const char *sbx_engine_curl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

/* ---- one request's answer as another's body ---- */

/* The source request, run on a thread of its own: its answer goes into fd as it comes. */
typedef struct feed {
	sbx_engine *e;
	char *url;
	int fd; /* a socket: a reader that left is EPIPE, not SIGPIPE */
	int timeout;
	CURLcode rc;
	long status;
	sbx_buf head; /* an error status's answer, for its message */
	bool gone;    /* the reader closed its end */
} feed;

static size_t feed_write(char *data, size_t size, size_t nmemb, void *userp)
{
	feed *f = userp;
	size_t n = size * nmemb, off = 0;
	if (f->status == 0 || (f->status >= 200 && f->status <= 299)) {
		while (off < n) {
			ssize_t w = send(f->fd, data + off, n - off, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				f->gone = true;
				return 0;
			}
			off += (size_t)w;
		}
	} else if (f->head.len < MAX_HEAD) {
		sbx_buf_add(&f->head, data, n < MAX_HEAD - f->head.len ? n : MAX_HEAD - f->head.len);
	}
	return n;
}

static size_t feed_header(char *data, size_t size, size_t nmemb, void *userp)
{
	feed *f = userp;
	size_t n = size * nmemb;
	/* The status line comes first: "HTTP/1.1 200 OK". */
	if (n > 9 && strncmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', n);
		if (sp)
			f->status = strtol(sp + 1, NULL, 10);
	}
	return n;
}

static void *feed_run(void *arg)
{
	feed *f = arg;
	CURL *c = curl_easy_init();
	if (!c) {
		f->rc = CURLE_OUT_OF_MEMORY;
		close(f->fd);
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)f->timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, feed_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, feed_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	transport_setopts(f->e, c);
	struct curl_slist *headers = curl_slist_append(NULL, "User-Agent: sbx/" SBX_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	f->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	close(f->fd); /* the body's end */
	return NULL;
}

static size_t feed_read(char *buf, size_t size, size_t nitems, void *userp)
{
	int fd = *(int *)userp;
	for (;;) {
		ssize_t r = recv(fd, buf, size * nitems, 0);
		if (r >= 0)
			return (size_t)r;
		if (errno != EINTR)
			return CURL_READFUNC_ABORT;
	}
}

int sbx_engine_call_stream_from(sbx_engine *e, const char *src_path, const char *method,
				const char *path, const char *type, int timeout,
				void (*on_message)(json_object *msg, void *arg), void *arg,
				sbx_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return sbx_error_set(err, SBX_ERROR, "socketpair: %s", strerror(errno));
	feed f = {.e = e, .fd = sv[1], .timeout = timeout, .head = SBX_BUF_INIT};
	f.url = xasprintf("%s/v%s%s", e->base, e->api, src_path);
	pthread_t th;
	if (pthread_create(&th, NULL, feed_run, &f) != 0) {
		close(sv[0]);
		close(sv[1]);
		free(f.url);
		return sbx_error_set(err, SBX_ERROR, "cannot start a thread");
	}
	e->requests++;
	trace_request(e, "GET", f.url);

	_cleanup_free_ char *url = xasprintf("%s/v%s%s", e->base, e->api, path);
	body_buf resp = {SBX_BUF_INIT, false, on_message, arg, NULL, SBX_BUF_INIT};
	CURL *c = e->curl;
	request_setopts(e, url, timeout, &resp);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &sv[0]);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	struct curl_slist *headers = NULL;
	headers = curl_slist_append(headers, "User-Agent: sbx/" SBX_VERSION);
	_cleanup_free_ char *ctype = xasprintf("Content-Type: %s", type);
	headers = curl_slist_append(headers, ctype);
	headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	e->requests++;
	trace_request(e, method, url);
	CURLcode crc = curl_easy_perform(c);
	curl_slist_free_all(headers);
	long st = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	close(sv[0]); /* a source still sending stops */
	pthread_join(th, NULL);
	free(f.url);

	int rc = 0;
	/* The source's failure first: the body it cut short is what the other refused. */
	if (f.rc != CURLE_OK && !f.gone)
		rc = transport_error_of(e, c, f.rc, timeout, err);
	else if (f.status < 200 || f.status > 299)
		rc = status_error(f.status, "GET", src_path, &f.head, err);
	else if (resp.too_big)
		rc = sbx_error_set(err, SBX_ERROR, "the engine's answer to %s is over %d bytes",
				   method, MAX_BODY);
	else if (crc != CURLE_OK)
		rc = transport_error(e, crc, timeout, err);
	sbx_buf_release(&f.head);
	return stream_end(rc, &resp, st, method, path, err);
}
