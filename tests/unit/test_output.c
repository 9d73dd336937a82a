/*
 * Unit tests of output's pull renderer: the bytes it writes for a pull's
 * events, on a terminal (a block redrawn in place) and elsewhere (quiet
 * lines), with the engine's strings escaped and cut to the terminal. And
 * the JSON plan's values, typed by the field table, secrets as (sensitive).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "output.h"

#define IMAGE "127.0.0.1:5000/sbx-test/pull:1"

typedef struct screen {
	char *data;
	size_t len;
	FILE *f;
	sbx_out_pull p;
} screen;

static void open_screen(screen *s, bool tty, size_t width, size_t rows)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->data, &s->len);
	assert_non_null(s->f);
	sbx_out_pull_init(&s->p, s->f, tty);
	s->p.width = width;
	s->p.max_rows = rows;
}

/* What was written; the screen is closed. Caller frees. */
static char *close_screen(screen *s)
{
	sbx_out_pull_release(&s->p);
	fclose(s->f);
	return s->data;
}

static void start(screen *s)
{
	sbx_pull_event ev = {.kind = SBX_PULL_START, .image = IMAGE};
	sbx_out_pull_event(&ev, &s->p);
}

static void layer(screen *s, const char *id, const char *status, int64_t cur, int64_t total)
{
	sbx_pull_event ev = {.kind = SBX_PULL_LAYER,
			     .image = IMAGE,
			     .id = id,
			     .status = status,
			     .current = cur,
			     .total = total};
	sbx_out_pull_event(&ev, &s->p);
}

static void done(screen *s, const char *digest)
{
	sbx_pull_event ev = {.kind = SBX_PULL_DONE, .image = IMAGE, .digest = digest};
	sbx_out_pull_event(&ev, &s->p);
}

/* The same pull, as the engine streams it, for both modes. */
static void a_pull(screen *s)
{
	start(s);
	layer(s, "2799b9a2ba6c", "Pulling fs layer", 0, 0);
	layer(s, "7b4c52b64b26", "Pulling fs layer", 0, 0);
	layer(s, "2799b9a2ba6c", "Downloading", 12300000, 40100000);
	layer(s, "2799b9a2ba6c", "Downloading", 12300000, 40100000);
	layer(s, "7b4c52b64b26", "Already exists", 0, 0);
	layer(s, "2799b9a2ba6c", "Extracting", 999, 40100000);
	layer(s, "2799b9a2ba6c", "Pull complete", 0, 0);
	layer(s, "2799b9a2ba6c", "Pull complete", 0, 0);
	done(s, "sha256:44bf");
}

/* Not a terminal: the start, each layer once when complete, the end; no escape sequence. */
static void test_quiet_lines(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, false, 80, 22);
	a_pull(&s);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out, "  pulling '" IMAGE "'\n"
				 "  7b4c52b64b26: Already exists\n"
				 "  2799b9a2ba6c: Pull complete\n"
				 "  pulled '" IMAGE "' (sha256:44bf)\n");
}

/*
 * A terminal: one line a layer, appended when it first appears, then
 * rewritten in place (up to it, clear it, write, back below the block); an
 * event that changes nothing on the screen writes nothing.
 */
static void test_tty_block(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, true, 80, 22);
	a_pull(&s);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out,
			    "  pulling '" IMAGE "'\n"
			    "  2799b9a2ba6c: Pulling fs layer\n"
			    "  7b4c52b64b26: Pulling fs layer\n"
			    "\033[2A\r\033[2K  2799b9a2ba6c: Downloading 12.3MB/40.1MB\033[2B\r"
			    "\033[1A\r\033[2K  7b4c52b64b26: Already exists\033[1B\r"
			    "\033[2A\r\033[2K  2799b9a2ba6c: Extracting 999B/40.1MB\033[2B\r"
			    "\033[2A\r\033[2K  2799b9a2ba6c: Pull complete\033[2B\r"
			    "  pulled '" IMAGE "' (sha256:44bf)\n");
}

/* Sizes: bytes, decimal units, three significant digits; a count without a total. */
static void test_tty_sizes(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, true, 80, 22);
	layer(&s, "a", "Downloading", 512, 0);
	layer(&s, "b", "Downloading", 1000, 2500000000);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out, "  a: Downloading 512B\n"
				 "  b: Downloading 1kB/2.5GB\n");
}

/*
 * The engine's strings are hostile: a layer id or status with terminal
 * escapes, newlines or bidi overrides is written escaped, in both modes;
 * the only escape sequences on a terminal are sbx's own cursor movements.
 */
static void test_hostile_strings_escaped(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, true, 200, 22);
	layer(&s, "\033]0;owned\a", "Downloading\n\033[2J", 1, 2);
	layer(&s, "\033]0;owned\a",
	      "Pull \xe2\x80\xae"
	      "complete",
	      0, 0);
	done(&s, "sha256:\033[31mred");
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out,
			    "  \\x1b]0;owned\\x07: Downloading\\n\\x1b[2J 1B/2B\n"
			    "\033[1A\r\033[2K  \\x1b]0;owned\\x07: Pull \\u202ecomplete\033[1B\r"
			    "  pulled '" IMAGE "' (sha256:\\x1b[31mred)\n");

	open_screen(&s, false, 80, 22);
	layer(&s, "\033]0;owned\a", "Already exists", 0, 0);
	_cleanup_free_ char *quiet = close_screen(&s);
	assert_string_equal(quiet, "  \\x1b]0;owned\\x07: Already exists\n");
}

/*
 * A line never wraps (the cursor movements count lines): it is cut to one
 * column less than the terminal, a character beyond ASCII counted as two.
 */
static void test_tty_lines_cut_to_width(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, true, 20, 22);
	layer(&s, "0123456789abcdef0123456789", "Downloading", 0, 0);
	layer(&s,
	      "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
	      "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad",
	      "Waiting", 0, 0);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out, "  0123456789abcdef0\n"
				 "  \xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad"
				 "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\n");
}

/* The block fits the screen: layers past its rows are not drawn, nor moved to. */
static void test_tty_block_fits_the_screen(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, true, 80, 2);
	layer(&s, "a", "Waiting", 0, 0);
	layer(&s, "b", "Waiting", 0, 0);
	layer(&s, "c", "Waiting", 0, 0);
	layer(&s, "c", "Pull complete", 0, 0);
	layer(&s, "a", "Pull complete", 0, 0);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out, "  a: Waiting\n"
				 "  b: Waiting\n"
				 "\033[2A\r\033[2K  a: Pull complete\033[2B\r");
}

/* A pull without a digest, and one that fails: the error is the command's to report. */
static void test_no_digest_and_error(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, false, 80, 22);
	start(&s);
	done(&s, NULL);
	sbx_pull_event ev = {.kind = SBX_PULL_ERROR, .image = IMAGE, .status = "boom"};
	sbx_out_pull_event(&ev, &s.p);
	_cleanup_free_ char *out = close_screen(&s);
	assert_string_equal(out, "  pulling '" IMAGE "'\n  pulled '" IMAGE "'\n");
}

/* An engine that names layers without end is followed for 256 of them. */
static void test_layers_bounded(void **state)
{
	(void)state;
	screen s;
	open_screen(&s, false, 80, 22);
	for (int i = 0; i < 300; i++) {
		char id[16];
		snprintf(id, sizeof(id), "l%d", i);
		layer(&s, id, "Pull complete", 0, 0);
	}
	assert_int_equal(s.p.n, 256);
	_cleanup_free_ char *out = close_screen(&s);
	size_t lines = 0;
	for (const char *c = out; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 256);
}

/* NO_COLOR, TERM=dumb or no TERM, --no-color: no block redrawn in place. */
static void test_progress_tty_refusals(void **state)
{
	(void)state;
	setenv("TERM", "xterm", 1);
	assert_false(sbx_out_progress_tty(SBX_COLOR_NEVER));
	setenv("NO_COLOR", "1", 1);
	assert_false(sbx_out_progress_tty(SBX_COLOR_AUTO));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_false(sbx_out_progress_tty(SBX_COLOR_AUTO));
	unsetenv("TERM");
	assert_false(sbx_out_progress_tty(SBX_COLOR_AUTO));
	/* --color=always colours a pipe, but draws no block in place on one. */
	if (!isatty(STDERR_FILENO))
		assert_false(sbx_out_progress_tty(SBX_COLOR_ALWAYS));
}

/* --color=WHEN: always beats a pipe, NO_COLOR and TERM=dumb; never beats everything. */
static void test_color_modes(void **state)
{
	(void)state;
	sbx_color_mode m = SBX_COLOR_NEVER;
	assert_int_equal(sbx_color_mode_parse("auto", &m), 0);
	assert_int_equal(m, SBX_COLOR_AUTO);
	assert_int_equal(sbx_color_mode_parse("always", &m), 0);
	assert_int_equal(m, SBX_COLOR_ALWAYS);
	assert_int_equal(sbx_color_mode_parse("never", &m), 0);
	assert_int_equal(m, SBX_COLOR_NEVER);
	assert_int_equal(sbx_color_mode_parse("yes", &m), -1);
	assert_int_equal(sbx_color_mode_parse("", &m), -1);
	assert_int_equal(sbx_color_mode_parse("Always", &m), -1);
	setenv("NO_COLOR", "1", 1);
	setenv("TERM", "dumb", 1);
	assert_true(sbx_out_color(SBX_COLOR_ALWAYS));
	assert_true(sbx_out_color_stderr(SBX_COLOR_ALWAYS));
	assert_false(sbx_out_color(SBX_COLOR_AUTO));
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_false(sbx_out_color(SBX_COLOR_NEVER));
	assert_false(sbx_out_color_stderr(SBX_COLOR_NEVER));
	assert_int_equal(sbx_out_color(SBX_COLOR_AUTO), isatty(STDOUT_FILENO));
	unsetenv("TERM");
}

/* What fn wrote to stdout, all whitespace outside strings and in them removed. Caller frees. */
static char *stdout_of(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/sbx-test-output.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	fn(arg);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	FILE *f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	sbx_buf b = SBX_BUF_INIT;
	int c;
	while ((c = fgetc(f)) != EOF)
		if (c != ' ' && c != '\n' && c != '\t')
			sbx_buf_addc(&b, (char)c);
	fclose(f);
	unlink(path);
	return sbx_buf_detach(&b);
}

static void plan_json(void *arg)
{
	const char *const busy[] = {"sleep 300", NULL};
	sbx_out_plan_json(arg, busy);
}

static void test_plan_json_typed(void **state)
{
	(void)state;
	sbx_change changes[] = {
	    {"command", NULL, "[\"sh\", \"-c\", \"a \\\"b\\\"\"]", SBX_EFFECT_NONE, SBX_ACCESS_SAME,
	     false, false, NULL},
	    {"docker_socket", "false", "/run/docker.sock", SBX_EFFECT_RECREATE, SBX_ACCESS_WIDENS,
	     false, false, "widens"},
	    {"env.TOKENISH", "one", "two", SBX_EFFECT_RECREATE, SBX_ACCESS_SAME, false, false, NULL},
	    {"mounts./data", NULL, "/srv/data (read-only)", SBX_EFFECT_RECREATE, SBX_ACCESS_WIDENS,
	     false, false, "widens"},
	    {"pass_env.GH", "hmac-sha256:deadbeef", SBX_VALUE_PASS_ENV, SBX_EFFECT_NONE,
	     SBX_ACCESS_SAME, true, false, NULL},
	    {"preserve_state", "true", "false", SBX_EFFECT_NONE, SBX_ACCESS_SAME, false, false, NULL},
	    {"resources.cpus", "1.5", "unlimited", SBX_EFFECT_RECREATE, SBX_ACCESS_SAME, false,
	     false, NULL},
	    {"resources.memory", "268435456", "536870912", SBX_EFFECT_IN_PLACE, SBX_ACCESS_SAME,
	     false, false, NULL},
	    {"workspace.config", "/w/sandbox.yaml (read-only)", "weird", SBX_EFFECT_RECREATE,
	     SBX_ACCESS_SAME, false, false, NULL},
	};
	sbx_action actions[] = {
	    {SBX_ACTION_RECREATE, "the image changed", SBX_KEEP_SNAPSHOT, NULL}};
	sbx_plan plan = {actions, 1, changes, SBX_ARRAY_SIZE(changes), "sbx-a"};
	_cleanup_free_ char *out = stdout_of(plan_json, &plan);
	const char *want[] = {
	    "{\"format_version\":1,\"kind\":\"plan\",\"sandbox\":\"sbx-a\",\"changes_present\":"
	    "true,",
	    "\"installed_state\":{\"kept\":true,",
	    "\"security\":[{\"field\":\"docker_socket\",\"change\":\"change\",\"why\":\"widens\"},"
	    "{\"field\":\"mounts./data\",\"change\":\"add\",\"why\":\"widens\"}]",
	    "\"busy_sessions\":[\"sleep300\"]",
	    "\"path\":\"command\",\"action\":\"add\",\"before\":null,\"after\":[\"sh\",\"-c\","
	    "\"a\\\"b\\\"\"],\"effect\":\"none\"",
	    "\"before\":false,\"after\":\"/run/"
	    "docker.sock\",\"effect\":\"recreate\",\"host_access\":\"widens\"",
	    "\"before\":\"one\",\"after\":\"two\"",
	    "\"after\":{\"source\":\"/srv/data\",\"target\":\"/data\",\"readonly\":true}",
	    "\"path\":\"pass_env.GH\",\"action\":\"change\",\"before\":\"(sensitive)\",\"after\":"
	    "\"(sensitive)\"",
	    "\"before\":true,\"after\":false",
	    "\"before\":1.5,\"after\":\"unlimited\"",
	    "\"before\":268435456,\"after\":536870912,\"effect\":\"in-place\"",
	    "\"before\":{\"source\":\"/w/sandbox.yaml\",\"readonly\":true},\"after\":\"weird\"",
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(want); i++)
		if (!strstr(out, want[i]))
			fail_msg("no %s in %s", want[i], out);
	/* The digest, never. */
	assert_null(strstr(out, "deadbeef"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quiet_lines),
	    cmocka_unit_test(test_tty_block),
	    cmocka_unit_test(test_tty_sizes),
	    cmocka_unit_test(test_hostile_strings_escaped),
	    cmocka_unit_test(test_tty_lines_cut_to_width),
	    cmocka_unit_test(test_tty_block_fits_the_screen),
	    cmocka_unit_test(test_no_digest_and_error),
	    cmocka_unit_test(test_layers_bounded),
	    cmocka_unit_test(test_progress_tty_refusals),
	    cmocka_unit_test(test_plan_json_typed),
	    cmocka_unit_test(test_color_modes),
	};
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
