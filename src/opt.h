/*
 * opt: the option tables of the commands. One table both parses a command
 * line and prints the command's --help, so the two cannot drift apart.
 * Options and operands may be mixed (`sbx rm a --volumes b`); "--" ends the
 * options. Unknown options are usage errors with a suggestion.
 */
#ifndef SBX_OPT_H
#define SBX_OPT_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"

typedef enum sbx_opt_type {
	SBX_OPT_FLAG,	/* value is a bool * */
	SBX_OPT_STRING, /* value is a const char ** */
	SBX_OPT_LIST,	/* value is an sbx_opt_list *: each use adds one */
} sbx_opt_type;

/* The values of an SBX_OPT_LIST option, borrowed from argv, in order; the caller frees v. */
typedef struct sbx_opt_list {
	const char **v; /* NULL-terminated when n > 0 */
	size_t n;
} sbx_opt_list;

typedef struct sbx_opt {
	char short_name; /* 0: none */
	const char *long_name;
	sbx_opt_type type;
	void *value;
	const char *arg_name; /* SBX_OPT_STRING: "DIR" */
	const char *help;     /* one line, or several separated by '\n' */
} sbx_opt;

#define SBX_OPT_END                                                                                \
	{                                                                                          \
		0, NULL, SBX_OPT_FLAG, NULL, NULL, NULL                                            \
	}

/*
 * sbx_opt_parse: parse argv[1..argc) (argv[0] is the command's name) against
 * opts. Operands are moved, in order, to the front of argv[1..]; *nargs is
 * their count. -h/--help sets *help and stops. With stop_at_operand,
 * everything from the first operand on is an operand (global options stop
 * at the command's name). SBX_EUSAGE on a bad option.
 */
int sbx_opt_parse(const sbx_opt *opts, int argc, char **argv, int *nargs, bool *help,
		  bool stop_at_operand, sbx_error **err);

/*
 * sbx_opt_merge: opts followed by each option of more (may be NULL) that
 * opts has no option of the same long or short name for: a table's own
 * option wins. Caller frees the table (not the options' strings).
 */
sbx_opt *sbx_opt_merge(const sbx_opt *opts, const sbx_opt *more);

/*
 * sbx_opt_table: one row per option of opts (its names, its argument, its
 * help, a help of several lines under the first), and -h, --help last.
 */
void sbx_opt_table(FILE *f, const sbx_opt *opts);

/*
 * sbx_opt_usage: print "usage: sbx NAME ARGS", the summary, the option
 * table, and a line naming the global options (may be NULL) that also
 * work after the command, those opts does not have itself.
 */
void sbx_opt_usage(FILE *f, const char *name, const char *args, const char *summary,
		   const sbx_opt *opts, const sbx_opt *globals);

#endif
