/*
 * config: sandbox.yaml bytes -> sbx_spec. The file arrives with every git
 * clone, so the loader treats it as hostile: it reads the file once, with
 * its size capped before a byte is parsed, refuses everything outside the
 * small, plain language of DESIGN.md (anchors, aliases, tags, several
 * documents, YAML 1.1 booleans, duplicate keys, unknown keys), caps nesting
 * on the event stream and every length, and reports each problem it finds
 * as "FILE:LINE:COL: message". libyaml's types never leave this module.
 */
#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

#define SBX_CONFIG_NAME	      "sandbox.yaml"
#define SBX_CONFIG_MAX_BYTES  (256 * 1024) /* checked with fstat before reading */
#define SBX_CONFIG_MAX_DEPTH  8		   /* nested mappings and sequences */
#define SBX_CONFIG_MAX_ITEMS  1024	   /* entries in any one mapping or sequence */
#define SBX_CONFIG_MAX_ERRORS 50	   /* problems reported before giving up */

/* A loaded sandbox.yaml: where it is, its exact bytes (read once), and what it asks for. */
typedef struct sbx_config {
	char *path;	 /* canonical path of the file */
	char *workspace; /* canonical path of the directory holding it */
	char *bytes;	 /* the exact bytes parsed, NUL-terminated; len excludes the NUL */
	size_t len;
	sbx_spec *spec;
	/*
	 * No file: the agent's defaults for a directory without sandbox.yaml
	 * (sbx_config_defaults). path is where `sbx init` would write it.
	 */
	bool defaults;
} sbx_config;

/*
 * sbx_config_parse: parse buf[0..len) as sandbox.yaml. filename prefixes
 * every message. On success *out owns a spec with defaults filled in. On
 * failure returns SBX_EINVALID and *err holds every problem found, in file
 * order, each "filename:line:col: message".
 */
int sbx_config_parse(sbx_spec **out, const char *buf, size_t len, const char *filename,
		     sbx_error **err);

/* Flags for sbx_config_read and sbx_config_load. */
enum {
	SBX_CONFIG_NOFOLLOW = 1 << 0, /* refuse a symbolic link (a discovered file) */
};

/*
 * sbx_config_read: read a whole config file into memory, once. Refuses,
 * before reading, what is not a regular file (a FIFO does not hang),
 * a file over SBX_CONFIG_MAX_BYTES, and with SBX_CONFIG_NOFOLLOW a symbolic
 * link. *out is NUL-terminated. SBX_ENOTFOUND when there is no such file,
 * SBX_EINVALID for a file sbx will not read, SBX_ERROR for I/O errors.
 */
int sbx_config_read(char **out, size_t *out_len, const char *path, int flags, sbx_error **err);

/*
 * sbx_config_load: canonicalise path, read it and parse it. The returned
 * config owns everything in it. Errors as sbx_config_read and
 * sbx_config_parse.
 */
int sbx_config_load(sbx_config **out, const char *path, int flags, sbx_error **err);

/* sbx_config_free: accepts NULL. */
void sbx_config_free(sbx_config *cfg);

/*
 * sbx_config_find: the sandbox.yaml that governs dir: dir/sandbox.yaml or
 * the first one in its parents, as git looks for .git. dir is made
 * canonical first. SBX_ENOTFOUND when there is none up to /.
 */
int sbx_config_find(char **out_path, const char *dir, sbx_error **err);

/*
 * sbx_config_template: the commented sandbox.yaml `sbx init` writes for
 * agent, with no path of this machine in it (no schema modeline). It
 * parses to the agent's defaults; with api_key, plus pass_env of the
 * agent's API key variables (agent->api_keys). Caller frees.
 */
char *sbx_config_template(const sbx_agent *agent, bool api_key);

/*
 * sbx_parse_memory: "512m", "4g", "1024k" or plain bytes -> bytes. -1 when
 * it is not written as a size; LLONG_MAX when it is too large to represent.
 */
long long sbx_parse_memory(const char *s);

/*
 * sbx_config_defaults: the configuration of a directory without
 * sandbox.yaml, from agent's defaults alone ("version: 1", "agent: NAME"):
 * dir (made canonical) is the workspace. Nothing is read from disk.
 */
int sbx_config_defaults(sbx_config **out, const sbx_agent *agent, const char *dir, sbx_error **err);

/* sbx_config_lib_version: libyaml's version string (static storage). */
const char *sbx_config_lib_version(void);

#endif
