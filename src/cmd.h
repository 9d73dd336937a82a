/*
 * cmd: the command line's shared context and every command. main.c owns
 * the table that maps names to these functions; each cmd_<verb>.c parses
 * its options (its table also prints its --help), calls the library, hands
 * results to output, and returns either an exit status or its error, which
 * main reports (crun's libcrun_error_t and libcrun_fail_with_error).
 * Adding a command touches three places: its file, this header, the table
 * in main.c.
 */
#ifndef SBX_CMD_H
#define SBX_CMD_H

#include <stdbool.h>

#include "lib/config.h"
#include "lib/error.h"
#include "opt.h"
#include "output.h"

/* Exit statuses (README "Exit codes"). */
enum {
	SBX_EXIT_OK = 0,
	SBX_EXIT_ERROR = 1,
	SBX_EXIT_CHANGES = 2,
	SBX_EXIT_POLICY = 3,
	SBX_EXIT_ENGINE = 4,
	SBX_EXIT_SECURITY = 5, /* diff --exit-code: changes, some of them security-relevant */
	SBX_EXIT_USAGE = 64,
	SBX_EXIT_CONFIG = 65,
	SBX_EXIT_INTERRUPTED = 130,
};

/*
 * sbx_interrupts_catch: from now on SIGINT and SIGTERM are recorded for the
 * library (lib/interrupt.h), which finishes the step under way and rolls
 * back (SBX_EINTERRUPTED; main exits 128 + the signal). _release puts the
 * previous handlers back (before a command runs in the sandbox) and says
 * whether they had been caught.
 */
void sbx_interrupts_catch(void);
bool sbx_interrupts_release(void);

typedef struct sbx_ctx {
	const char *dir;  /* -C DIR: run as if started there */
	const char *file; /* -f FILE: this sandbox.yaml, no discovery */
	bool follow;	  /* --follow-link: -f FILE (and validate's FILE) may be a symbolic link */
	bool no_color;	  /* --no-color: --color=never */
	const char *color_when;	   /* --color=WHEN: auto, always or never */
	sbx_color_mode color_mode; /* what the two make (auto without either) */
	bool version;		   /* --version: print it and exit */
	bool entered;		   /* the chdir for -C is done */
	bool color;		   /* colour on stdout, by color_mode */
	bool fresh;		   /* --fresh: a recreate may lose the installed state */
} sbx_ctx;

/*
 * -C and -f, in main's global table and in the tables of the commands that
 * read sandbox.yaml (so that their --help lists them). Every command takes
 * all the global options after its name too (sbx_parse_args).
 */
/* --fresh, in the tables of the commands that apply (apply, exec, run, shell). */
#define SBX_OPT_FRESH(ctx)                                                                         \
	{                                                                                          \
		0, "fresh", SBX_OPT_FLAG, &(ctx)->fresh, NULL,                                     \
		    "a recreate may start from the image, without the installed state\n"           \
		    "(without --fresh sbx asks on a terminal, else exits 3)"                       \
	}

#define SBX_OPTS_CONFIG(ctx)                                                                       \
	{                                                                                          \
	    'C',	 "directory", SBX_OPT_STRING,                                              \
	    &(ctx)->dir, "DIR",	      "run as if sbx was started in DIR"},                         \
	    {'f',	   "file", SBX_OPT_STRING,                                                 \
	     &(ctx)->file, "FILE", "use this sandbox.yaml instead of searching for one"},          \
	{                                                                                          \
		0, "follow-link", SBX_OPT_FLAG, &(ctx)->follow, NULL,                              \
		    "read -f FILE even when it is a symbolic link (refused otherwise)"             \
	}

/*
 * sbx_ctx_enter: change to -C DIR, once. Every command calls it before it
 * touches a relative path.
 */
int sbx_ctx_enter(sbx_ctx *ctx, sbx_error **err);
/* sbx_ctx_load_config: -f FILE, or the sandbox.yaml found from the current directory up. */
int sbx_ctx_load_config(sbx_ctx *ctx, sbx_config **out, sbx_error **err);
/*
 * sbx_parse_args: parse a command's options against its table and the
 * global options (-C, -f, --color, --no-color, --version; the table's own option of
 * a name wins). Returns 0 to go on; otherwise the command returns *status
 * at once: after printing --help (synopsis, the table's summary, the
 * options) or the version, or after a usage error.
 */
int sbx_parse_args(const char *name, const char *synopsis, const sbx_opt *opts, int argc,
		   char **argv, int *nargs, int *status);
/*
 * sbx_parse_args_command: sbx_parse_args for a command that takes a
 * command line of its own (exec, run): the first operand and everything
 * after it are operands, options included (`sbx exec ls -l`).
 */
int sbx_parse_args_command(const char *name, const char *synopsis, const sbx_opt *opts, int argc,
			   char **argv, int *nargs, int *status);
/*
 * sbx_report_item: for a command that goes on after one of several items
 * failed (stop and rm of several sandboxes, validate of several files):
 * print every problem in that item's err to stderr now, in turn with what
 * the other items print, free it, and return its exit status for the
 * command to weigh. Every other error goes back to main, which reports it
 * the same way.
 */
int sbx_report_item(sbx_error *err);
/* sbx_item_status: the exit status sbx_report_item would return for err, printing nothing. */
int sbx_item_status(const sbx_error *err);
/* sbx_usage_error: print a usage error for command name and return 64. */
int sbx_usage_error(const char *name, const char *fmt, ...) SBX_PRINTF(2, 3);

/*
 * A command: fn runs it with argv[0] its name. It returns an exit status
 * (>= 0: success, diff's 2 for changes, the worst of several items, or
 * after --help or a usage error it printed through sbx_parse_args or
 * sbx_usage_error), or a negative SBX_E* code with *err set; main reports
 * that error, once, and exits with the status its code stands for.
 */
typedef struct sbx_command {
	const char *name;
	int (*fn)(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
	const char *summary;
} sbx_command;

/* sbx_command_find: the command of exactly this name (no prefixes), or NULL. */
const sbx_command *sbx_command_find(const char *name);
/* sbx_global_opts: main's table of the global options (-C, -f, --color, ...). */
const sbx_opt *sbx_global_opts(void);
/* sbx_command_list: the table, in the order `sbx help` lists it. */
const sbx_command *sbx_command_list(size_t *n);

int cmd_apply(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_adopt(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_diff(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
/*
 * sbx_diff_review: diff --base (diff_base.c): sandbox.yaml at base against
 * head (NULL: the work tree), no engine asked; every changed file under
 * this directory with all; json: one document of kind "review". The exit
 * status as diff's, 5 with exit_code when a change is security-relevant.
 */
int sbx_diff_review(sbx_ctx *ctx, const char *base, const char *head, bool all, bool exit_code,
		    bool json, sbx_error **err);
int cmd_help(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_inspect(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_ls(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_rm(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_prune(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_stop(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_trust(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_untrust(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_exec(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_run(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_shell(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_schema(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_init(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_validate(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);
int cmd_version(sbx_ctx *ctx, int argc, char **argv, sbx_error **err);

#endif
