/*
 * output: the only code that writes to stdout. Text for people (colour
 * only on a terminal, never with NO_COLOR) and JSON for programs. Every
 * untrusted string is escaped here before it reaches a terminal.
 */
#ifndef SBX_OUTPUT_H
#define SBX_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/apply.h"
#include "lib/backend.h"
#include "lib/config.h"
#include "lib/plan.h"
#include "lib/state.h"
#include "lib/trust.h"
#include "lib/version.h"
#include "opt.h"

/* --color=WHEN (--no-color is never). */
typedef enum sbx_color_mode {
	SBX_COLOR_AUTO,	  /* a terminal, NO_COLOR unset or empty, TERM not "dumb" */
	SBX_COLOR_ALWAYS, /* escapes through a pipe too (`sbx --color=always diff | less -R`) */
	SBX_COLOR_NEVER,
} sbx_color_mode;

/*
 * sbx_color_mode_parse: "auto", "always" or "never" -> *mode; -1 for any
 * other word.
 */
int sbx_color_mode_parse(const char *s, sbx_color_mode *mode);
/* sbx_out_color: decide colour for stdout from mode, the terminal, NO_COLOR and TERM. */
bool sbx_out_color(sbx_color_mode mode);

/* `sbx validate`: the file is valid. */
void sbx_out_valid(const sbx_config *cfg, bool color);
/* `sbx validate --json`: one file's result. */
typedef struct sbx_out_checked {
	const char *path;	   /* as named (operand, -f); NULL: the one sbx looked for */
	const sbx_config *cfg;	   /* NULL: not valid */
	const sbx_error *problems; /* NULL: none */
} sbx_out_checked;
/* The results of every file as one JSON object, kind "validation"; host: checked on this host. */
void sbx_out_validation(const sbx_out_checked *files, size_t n, bool host);
/* `sbx version`, as text or as a JSON object; libs NULL: the one-line `sbx --version`. */
void sbx_out_version(const sbx_lib_version *libs, bool json);
/* `sbx init`: what was written. */
void sbx_out_init(const char *path, const sbx_agent *agent);
/*
 * sbx_out_bytes: write len bytes to stdout as they are (sbx schema) and
 * flush them; SBX_ERROR when stdout takes them not (a full disk, a closed pipe).
 */
int sbx_out_bytes(const unsigned char *data, size_t len, sbx_error **err);
/* `sbx help`: the command list. */
typedef struct sbx_out_cmd {
	const char *name;
	const char *summary;
} sbx_out_cmd;
/* sbx_out_commands: `sbx help`: the usage, the commands, the global options' table. */
void sbx_out_commands(const sbx_out_cmd *cmds, size_t n, const sbx_opt *globals);
/* --help of one command, and the global options (may be NULL) that work after it too. */
void sbx_out_usage(const char *name, const char *args, const char *summary, const sbx_opt *opts,
		   const sbx_opt *globals);

/* The plan, as sbx_plan_render writes it. */
void sbx_out_plan(const sbx_plan *plan, const sbx_fields *desired, bool color);
/*
 * The --json renderings share one envelope, {"format_version", "kind", ...}
 * (schema/README.md); a change to any of their shapes that a reader could
 * trip on is a new format_version.
 */
#define SBX_JSON_FORMAT_VERSION 1
/*
 * The same plan as data (`diff --json`, `apply --dry-run --json`), kind
 * "plan"; busy: the running sessions it would end (sbx_session_busy), or NULL.
 */
void sbx_out_plan_json(const sbx_plan *plan, const char *const *busy);
/*
 * diff --base --json (kind "review"): begin with the two sides (head NULL:
 * the work tree), add each file (plan NULL when deleted at the head, was its
 * form at the base then), end prints the document with the caller's
 * totals over every file (changes at all; security-relevant changes) and
 * frees it.
 */
typedef struct sbx_out_review sbx_out_review;
sbx_out_review *sbx_out_review_begin(const char *base, const char *base_commit, const char *head,
				     const char *head_commit);
void sbx_out_review_add(sbx_out_review *r, const char *path, bool in_base, bool in_head,
			const sbx_plan *plan, const sbx_fields *was);
void sbx_out_review_end(sbx_out_review *r, bool changes, size_t security);
/* sbx_out_review_discard: drop it unprinted (an error came first); accepts NULL. */
void sbx_out_review_discard(sbx_out_review *r);
/* diff --base: the line that opens one file's review, which sides hold it. */
void sbx_out_review_file(const char *path, const char *base, const char *head, bool in_base,
			 bool in_head);
/* diff --base: the file is deleted at the head; was is its canonical form at the base. */
void sbx_out_review_deleted(const sbx_fields *was, bool color);
/* diff --base: the two versions ask for the same sandbox. */
void sbx_out_review_same(void);
/* diff --base --all: no sandbox.yaml under dir (NULL: the repository) differs. */
void sbx_out_review_none(const char *dir, const char *base, const char *head);
/* One line of progress during apply (already escaped). */
void sbx_out_note(const char *line);
/*
 * sbx_out_warn: a message for stderr (printf-style), its control
 * characters and escape sequences escaped on the way out.
 */
void sbx_out_warn(const char *fmt, ...) SBX_PRINTF(1, 2);
/* sbx_out_warn_line: one line of the library's warnings (sbx_line_fn), as sbx_out_warn. */
void sbx_out_warn_line(const char *line, void *arg);
/*
 * An image's pull, drawn on stderr (sbx_out_pull_event is a sbx_progress_fn,
 * arg a sbx_out_pull). On a terminal (tty): a block of one line per layer,
 * "ID: STATUS CURRENT/TOTAL", each redrawn in place with cursor movement as
 * its layer moves on; elsewhere quiet lines: the start, each layer when it is
 * complete, and the end. Every string from the engine is escaped, and on a
 * terminal cut to the width, so the block's lines never wrap.
 */
typedef struct sbx_out_pull_layer {
	char *id;   /* as the engine named it (raw) */
	char *line; /* what was drawn for it (escaped), or NULL */
	bool done;  /* its completion is printed (quiet lines) */
} sbx_out_pull_layer;

typedef struct sbx_out_pull {
	FILE *f;
	bool tty;	 /* redraw in place */
	size_t width;	 /* the terminal's columns (tty) */
	size_t max_rows; /* the block's lines at most (tty): it must fit the screen */
	sbx_out_pull_layer *layers;
	size_t n;
	size_t drawn; /* lines of the block on the screen; the cursor is below them */
} sbx_out_pull;

/*
 * sbx_out_progress_tty: whether stderr takes a block redrawn in place: a
 * terminal, TERM set and not "dumb", no NO_COLOR and no --no-color.
 */
bool sbx_out_progress_tty(sbx_color_mode mode);
/* sbx_out_pull_init: a renderer on f; on a tty its size is read from f's terminal. */
void sbx_out_pull_init(sbx_out_pull *p, FILE *f, bool tty);
void sbx_out_pull_event(const sbx_pull_event *ev, void *arg);
void sbx_out_pull_release(sbx_out_pull *p);

/* The closing line of a successful apply. */
void sbx_out_applied(const sbx_plan *plan);
/*
 * The same three on stderr, for exec and run, whose stdout is the
 * command's: the plan, a line of progress, the closing line. colour as
 * sbx_out_color_stderr decides.
 */
void sbx_out_plan_stderr(const sbx_plan *plan, const sbx_fields *desired, bool color);
void sbx_out_note_stderr(const char *line);
void sbx_out_applied_stderr(const sbx_plan *plan);
/* sbx_out_color_stderr: sbx_out_color for stderr. */
bool sbx_out_color_stderr(sbx_color_mode mode);

/* `sbx ls`: a table whose columns fit their widest cell, names only, or JSON (kind "sandboxes"). */
void sbx_out_ls(const sbx_sandbox_info *list, size_t n, bool json, bool quiet);
/* `sbx inspect`, as text or as JSON (kind "sandbox"). */
void sbx_out_inspect(const sbx_actual *a, bool json);
/* `sbx trust`: what the file asks for. */
/*
 * sbx_out_trust_diff: what changed since the last approval (sbx_trust_diff),
 * grants first, then the file's lines, escaped.
 */
void sbx_out_trust_diff(const sbx_diff *d);
void sbx_out_grants(const char *path, const sbx_grants *g, const char *enclosing);
/* "stopped 'name'" and the like. */
void sbx_out_done(const char *what, const char *name);
/*
 * sbx_out_removal: an sbx_removed_fn (lib/apply.h) for rm and prune:
 * "removed 'name'" (a sandbox) or "removed WHAT 'name'" on stdout; for one
 * left alone (SBX_REMOVAL_NOT_OURS) a warning that gives why_left (a
 * string, the callback's arg): what the command found of it.
 */
void sbx_out_removal(const char *what, const char *name, sbx_removal r, void *why_left);
/* `sbx prune`: what it would remove, one line each, and why; "Nothing to prune." when nothing. */
void sbx_out_prune(const sbx_prune *p);

#endif
