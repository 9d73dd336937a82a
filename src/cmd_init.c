/* sbx init: write a commented sandbox.yaml, never over an existing one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/agent.h"
#include "output.h"

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int cmd_init(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const char *agent_name = "claude";
	bool api_key = false;
	const sbx_opt opts[] = {
	    {'C', "directory", SBX_OPT_STRING, &ctx->dir, "DIR",
	     "write DIR/sandbox.yaml instead of ./sandbox.yaml"},
	    {'a', "agent", SBX_OPT_STRING, &agent_name, "NAME",
	     "the agent: claude (default), gemini, codex, copilot, opencode, shell"},
	    {0, "api-key", SBX_OPT_FLAG, &api_key, NULL,
	     "pass the agent's API key variable from the host (pass_env:\n"
	     "ANTHROPIC_API_KEY, GEMINI_API_KEY, OPENAI_API_KEY or GH_TOKEN)"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("init", "[--agent NAME] [--api-key]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("init", "init takes no operands (use -C DIR for another "
					       "directory)");
	if (ctx->file)
		return sbx_usage_error("init",
				       "init always writes sandbox.yaml; -f does not apply");
	const sbx_agent *agent = sbx_agent_find(agent_name);
	if (!agent) {
		_cleanup_free_ char *q = sbx_quotes(agent_name);
		const char *s = sbx_suggest(agent_name, sbx_agent_names());
		if (s)
			return sbx_usage_error("init", "unknown agent %s (did you mean '%s'?)", q,
					       s);
		return sbx_usage_error("init", "unknown agent %s; known agents: %s", q,
				       sbx_agent_list());
	}

	int rc = sbx_ctx_enter(ctx, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return sbx_error_set(err, SBX_ERROR, "cannot find the current directory: %s",
				     strerror(errno));
	_cleanup_free_ char *path =
	    xasprintf("%s%s" SBX_CONFIG_NAME, cwd, strcmp(cwd, "/") == 0 ? "" : "/");
	if (api_key && !agent->api_keys)
		return sbx_usage_error("init", "the %s agent takes no API key", agent->name);
	_cleanup_free_ char *text = sbx_config_template(agent, api_key);

	/* O_EXCL: never overwrite, not even through a dangling symbolic link. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		_cleanup_free_ char *q = sbx_quotes(path);
		if (e == EEXIST)
			return sbx_error_set(
			    err, SBX_ECONFLICT,
			    "%s already exists; sbx init never overwrites it (edit it, or "
			    "remove it first)",
			    q);
		return sbx_error_set(err, SBX_ERROR, "cannot create %s: %s", q, strerror(e));
	}
	if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(path);
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot write %s: %s", q, strerror(e));
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(path);
		_cleanup_free_ char *q = sbx_quotes(path);
		return sbx_error_set(err, SBX_ERROR, "cannot write %s: %s", q, strerror(e));
	}
	sbx_out_init(path, agent);
	return SBX_EXIT_OK;
}
