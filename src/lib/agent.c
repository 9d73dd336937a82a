#include "agent.h"

#include <string.h>

static const char *const claude_cmd[] = {"claude", "--dangerously-skip-permissions", NULL};
static const char *const gemini_cmd[] = {"gemini", "--yolo", NULL};
static const char *const codex_cmd[] = {"codex", "--dangerously-bypass-approvals-and-sandbox",
					NULL};
static const char *const copilot_cmd[] = {"copilot", "--allow-all-tools", NULL};
static const char *const opencode_cmd[] = {"opencode", NULL};
static const char *const shell_cmd[] = {"bash", "-l", NULL};

/*
 * The login files, by what each agent writes: Claude Code's OAuth tokens,
 * Gemini CLI's OAuth credentials, Codex's and OpenCode's auth.json. Their
 * settings, hooks, plugins and histories sit beside them and are never
 * shared. Copilot CLI keeps its token in config.json with its settings
 * (trusted folders among them): nothing of it is shared.
 */
static const char *const claude_tokens[] = {".credentials.json", NULL};
static const char *const gemini_tokens[] = {"oauth_creds.json", NULL};
static const char *const auth_json[] = {"auth.json", NULL};

/*
 * The agents run as the templates' non-root `agent` user, so their
 * credentials live under /home/agent. The agent runs with its own
 * approval prompts off: the sandbox is the boundary.
 */
static const sbx_agent agents[] = {
    {"claude", "Claude Code", "docker/sandbox-templates:claude-code", claude_cmd,
     "/home/agent/.claude", claude_tokens},
    {"gemini", "Gemini CLI", "docker/sandbox-templates:gemini", gemini_cmd, "/home/agent/.gemini",
     gemini_tokens},
    {"codex", "OpenAI Codex CLI", "docker/sandbox-templates:codex", codex_cmd, "/home/agent/.codex",
     auth_json},
    {"copilot", "GitHub Copilot CLI", "docker/sandbox-templates:copilot", copilot_cmd,
     "/home/agent/.copilot", NULL},
    {"opencode", "OpenCode", "docker/sandbox-templates:opencode", opencode_cmd,
     "/home/agent/.local/share/opencode", auth_json},
    {"shell", "a login shell, no agent", "docker/sandbox-templates:shell", shell_cmd, NULL, NULL},
};

#define N_AGENTS (sizeof(agents) / sizeof(agents[0]))

const sbx_agent *sbx_agent_find(const char *name)
{
	for (size_t i = 0; i < N_AGENTS; i++)
		if (strcmp(agents[i].name, name) == 0)
			return &agents[i];
	return NULL;
}

const char *const *sbx_agent_names(void)
{
	static const char *names[N_AGENTS + 1];
	if (!names[0])
		for (size_t i = 0; i < N_AGENTS; i++)
			names[i] = agents[i].name;
	return names;
}

const char *sbx_agent_list(void)
{
	static char list[256];
	if (!list[0]) {
		for (size_t i = 0; i < N_AGENTS; i++) {
			if (i)
				strcat(list, ", ");
			strcat(list, agents[i].name);
		}
	}
	return list;
}
