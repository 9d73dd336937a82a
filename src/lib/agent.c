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

static const char *const anthropic_key[] = {"ANTHROPIC_API_KEY", NULL};
static const char *const gemini_key[] = {"GEMINI_API_KEY", NULL};
static const char *const openai_key[] = {"OPENAI_API_KEY", NULL};
static const char *const github_token[] = {"GH_TOKEN", NULL};
static const char *const opencode_keys[] = {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", NULL};

/*
 * The agents run as the templates' non-root `agent` user, so their
 * credentials live under /home/agent. The agent runs with its own
 * approval prompts off: the sandbox is the boundary. A login is made
 * inside the sandbox, on the terminal: the sandbox has no browser, and a
 * host browser cannot reach a login that waits for a redirect to the
 * sandbox's own localhost, so the ways that print a URL or a code (or an
 * API key passed with pass_env) are the ones that work.
 */
static const sbx_agent agents[] = {
    {"claude", "Claude Code", "docker/sandbox-templates:claude-code", claude_cmd,
     "/home/agent/.claude", claude_tokens, anthropic_key,
     "run 'sbx run claude' and log in when Claude Code asks (or type /login): it prints a URL "
     "to open in your browser and asks for the code that page shows"},
    {"gemini", "Gemini CLI", "docker/sandbox-templates:gemini", gemini_cmd, "/home/agent/.gemini",
     gemini_tokens, gemini_key,
     "run 'sbx run gemini' and choose Login with Google; if it waits for a browser, set "
     "NO_BROWSER: \"true\" in env, and it prints a URL to open on your host and asks for the "
     "code; or pass GEMINI_API_KEY"},
    {"codex", "OpenAI Codex CLI", "docker/sandbox-templates:codex", codex_cmd, "/home/agent/.codex",
     auth_json, openai_key,
     "pass OPENAI_API_KEY ('sbx init --agent codex --api-key'): Codex's ChatGPT sign-in waits "
     "for a redirect to the sandbox's own localhost, which your browser cannot reach"},
    {"copilot", "GitHub Copilot CLI", "docker/sandbox-templates:copilot", copilot_cmd,
     "/home/agent/.copilot", NULL, github_token,
     "run 'sbx run copilot' and type /login: a device code to enter at github.com/login/device "
     "in any browser; or pass GH_TOKEN (a token with the Copilot Requests permission)"},
    {"opencode", "OpenCode", "docker/sandbox-templates:opencode", opencode_cmd,
     "/home/agent/.local/share/opencode", auth_json, opencode_keys,
     "run 'sbx shell', then 'opencode auth login' and pick your provider; or pass its API key "
     "(ANTHROPIC_API_KEY, OPENAI_API_KEY)"},
    {"shell", "a login shell, no agent", "docker/sandbox-templates:shell", shell_cmd, NULL, NULL,
     NULL, NULL},
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
