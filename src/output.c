#include "output.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#define GREEN "\033[32m"
#define BOLD  "\033[1m"
#define RESET "\033[0m"

bool sbx_out_color(bool no_color)
{
	if (no_color)
		return false;
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO);
}

void sbx_out_valid(const sbx_config *cfg, bool color)
{
	_cleanup_free_ char *path = sbx_quotes(cfg->path);
	_cleanup_free_ char *image = sbx_quotes(cfg->spec->image);
	printf("%s%s%s: %s is valid (agent %s, image %s)\n", color ? GREEN : "", "ok",
	       color ? RESET : "", path, cfg->spec->agent->name, image);
}

void sbx_out_version(const sbx_lib_version *libs, bool json)
{
	if (!json) {
		printf("sbx %s\n", SBX_VERSION);
		for (size_t i = 0; libs && libs[i].name; i++)
			printf("  %-8s %s\n", libs[i].name, libs[i].version);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(SBX_VERSION));
	json_object *l = json_object_new_object();
	for (size_t i = 0; libs[i].name; i++)
		json_object_object_add(l, libs[i].name, json_object_new_string(libs[i].version));
	json_object_object_add(o, "libraries", l);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void sbx_out_init(const char *path, const char *agent)
{
	_cleanup_free_ char *q = sbx_quotes(path);
	printf("wrote %s for agent %s\n", q, agent);
	printf("next: review it, commit it, and run 'sbx validate'\n");
}

void sbx_out_commands(const sbx_out_cmd *cmds, size_t n)
{
	printf("usage: sbx [-C DIR] [-f FILE] [--no-color] COMMAND [ARGS]\n\n"
	       "sbx converges a Docker container that isolates an AI coding agent to its\n"
	       "workspace, from the sandbox.yaml the workspace commits.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-10s %s\n", cmds[i].name, cmds[i].summary);
	printf("\nRun 'sbx help COMMAND' for a command's options.\n");
}

void sbx_out_usage(const char *name, const char *args, const char *summary, const sbx_opt *opts)
{
	sbx_opt_usage(stdout, name, args, summary, opts);
}

void sbx_out_plan(const sbx_plan *plan, const sbx_fields *desired, bool color)
{
	char *text = sbx_plan_render(plan, desired, color);
	fputs(text, stdout);
	free(text);
	fflush(stdout);
}

void sbx_out_note(const char *line)
{
	printf("  %s\n", line);
	fflush(stdout);
}

void sbx_out_applied(const sbx_plan *plan)
{
	_cleanup_free_ char *q = sbx_quotes(plan->name);
	printf("\nApply complete: sandbox %s is up to date and running.\n", q);
}
