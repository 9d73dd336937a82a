/*
 * agent: the one table of agents sbx knows, with what each defaults to:
 * the image (Docker's public sandbox templates), the command `sbx run`
 * starts, and the directory inside the sandbox where the agent keeps its
 * credentials (the mount point of the workspace's credentials volume),
 * with the files in it that are the login alone (what credentials: shared
 * shares). Every default
 * that depends on the agent comes from here.
 */
#ifndef SBX_AGENT_H
#define SBX_AGENT_H

#include <stddef.h>

typedef struct sbx_agent {
	const char *name;
	const char *summary;
	const char *image;
	const char *const *command;  /* NULL-terminated argv */
	const char *credentials_dir; /* NULL: the agent keeps no credentials */
	/*
	 * The files in credentials_dir that hold the login and nothing else,
	 * NULL-terminated; NULL when the agent has none apart from its
	 * settings. Only these are shared between workspaces.
	 */
	const char *const *token_files;
	/*
	 * The host variables that hold the agent's API key, NULL-terminated
	 * (NULL: none): what `sbx init --api-key` puts in pass_env.
	 */
	const char *const *api_keys;
	/* How to log in the first time, a sentence; NULL when there is nothing to log in to. */
	const char *login;
} sbx_agent;

/* sbx_agent_find: the agent called name, or NULL. Borrowed from the static table. */
const sbx_agent *sbx_agent_find(const char *name);
/* sbx_agent_names: the agents' names in table order, NULL-terminated. */
const char *const *sbx_agent_names(void);
/* sbx_agent_list: "claude, gemini, ...", for messages. Static storage. */
const char *sbx_agent_list(void);

#endif
