/*
 * Unit tests of the config loader: one case per class of bad input, each
 * with its exact message and position; the accepted language and its
 * defaults; reading files (FIFOs, links, caps) and discovery.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/util.h"

/* ---- bad input: the first problem, exactly, and that it is the only one ---- */

typedef struct bad_case {
	const char *name;
	const char *yaml;
	size_t len;
	const char *want;
} bad_case;

#define CASE(n, y, w)                                                                              \
	{                                                                                          \
#n, y, sizeof(y) - 1, w                                                            \
	}

static const bad_case bad_cases[] = {
    CASE(syntax_unclosed_flow,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: {A: 1\n",
	 "sandbox.yaml:4:1: syntax error: did not find expected ',' or '}' (while parsing a flow "
	 "mapping at line 3, column 6)"),
    CASE(syntax_bad_indent,
	 "version: 1\n"
	 "agent: claude\n"
	 "  image: x\n",
	 "sandbox.yaml:3:8: syntax error: mapping values are not allowed in this context"),
    CASE(syntax_tab_indent,
	 "version: 1\n"
	 "env:\n"
	 "\x09"
	 "A: 1\n",
	 "sandbox.yaml:3:1: syntax error: found character that cannot start any token (while "
	 "scanning for the next token at line 3, column 1)"),
    CASE(reader_control_char,
	 "version: 1\n"
	 "agent: cl\x01"
	 "aude\n",
	 "sandbox.yaml:2:10: syntax error: control characters are not allowed"),
    CASE(invalid_utf8,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: {A: \"ab\xff"
	 "c\"}\n",
	 "sandbox.yaml:3:13: invalid UTF-8 (byte 0xff): sandbox.yaml must be UTF-8 text"),
    CASE(invalid_utf8_overlong,
	 "version: 1\n"
	 "name: \xc0"
	 "\xaf"
	 "\n",
	 "sandbox.yaml:2:7: invalid UTF-8 (byte 0xc0): sandbox.yaml must be UTF-8 text"),
    CASE(raw_nul,
	 "version: 1\n"
	 "agent: cla\x00"
	 "ude\n",
	 "sandbox.yaml:2:11: NUL byte: sandbox.yaml must be UTF-8 text"),
    CASE(nul_escape,
	 "version: 1\n"
	 "agent: claude\n"
	 "env:\n"
	 "  A: \"x\\0y\"\n",
	 "sandbox.yaml:4:6: NUL character in a value: not allowed"),
    CASE(utf16le_bom,
	 "\xff"
	 "\xfe"
	 "v\x00"
	 ":\x00"
	 "",
	 "sandbox.yaml:1:1: UTF-16 byte order mark: sandbox.yaml must be UTF-8"),
    CASE(utf16be_bom,
	 "\xfe"
	 "\xff"
	 "\x00"
	 "v",
	 "sandbox.yaml:1:1: UTF-16 byte order mark: sandbox.yaml must be UTF-8"),
    CASE(utf32_bom,
	 "\x00"
	 "\x00"
	 "\xfe"
	 "\xff"
	 "\x00"
	 "\x00"
	 "\x00"
	 "v",
	 "sandbox.yaml:1:1: UTF-32 byte order mark: sandbox.yaml must be UTF-8"),
    CASE(unknown_key_suggest,
	 "version: 1\n"
	 "agent: claude\n"
	 "mount: []\n",
	 "sandbox.yaml:3:1: unknown key 'mount' (did you mean 'mounts'?)"),
    CASE(unknown_key_nosuggest,
	 "version: 1\n"
	 "agent: claude\n"
	 "frobnicate: 1\n",
	 "sandbox.yaml:3:1: unknown key 'frobnicate'"),
    CASE(unknown_key_mount,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - source: /a\n"
	 "    target: /b\n"
	 "    read_only: true\n",
	 "sandbox.yaml:6:5: unknown key 'read_only' in a mount (did you mean 'readonly'?)"),
    CASE(unknown_key_resources,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources:\n"
	 "  cpu: 2\n",
	 "sandbox.yaml:4:3: unknown key 'cpu' in resources (did you mean 'cpus'?)"),
    CASE(dup_top,
	 "version: 1\n"
	 "agent: claude\n"
	 "agent: gemini\n",
	 "sandbox.yaml:3:1: duplicate key 'agent' (first at line 2, column 1)"),
    CASE(dup_env,
	 "version: 1\n"
	 "agent: claude\n"
	 "env:\n"
	 "  A: 1\n"
	 "  B: 2\n"
	 "  A: 3\n",
	 "sandbox.yaml:6:3: duplicate key 'A' (first at line 4, column 3)"),
    CASE(dup_mount,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - {source: /a, target: /b, source: /c}\n",
	 "sandbox.yaml:4:30: duplicate key 'source' (first at line 4, column 6)"),
    CASE(dup_resources,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {pids: 10, pids: 20}\n",
	 "sandbox.yaml:3:23: duplicate key 'pids' (first at line 3, column 13)"),
    CASE(anchor,
	 "version: 1\n"
	 "agent: &a claude\n",
	 "sandbox.yaml:2:8: anchor 'a': anchors and aliases are not allowed; write the value out"),
    CASE(alias,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: {A: x}\n"
	 "resources: *r\n",
	 "sandbox.yaml:4:12: alias 'r': anchors and aliases are not allowed; write the value out"),
    CASE(merge_key,
	 "version: 1\n"
	 "agent: claude\n"
	 "<<: {image: x}\n",
	 "sandbox.yaml:3:1: merge keys ('<<') are not allowed; write the keys out"),
    CASE(tag_str,
	 "version: 1\n"
	 "agent: !!str claude\n",
	 "sandbox.yaml:2:8: tag 'tag:yaml.org,2002:str': explicit tags are not allowed"),
    CASE(tag_local,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: !env {A: 1}\n",
	 "sandbox.yaml:3:6: tag '!env': explicit tags are not allowed"),
    CASE(two_docs,
	 "version: 1\n"
	 "agent: claude\n"
	 "---\n"
	 "version: 1\n",
	 "sandbox.yaml:3:1: a second document: sandbox.yaml holds exactly one (remove the '---')"),
    CASE(bool_yes,
	 "version: 1\n"
	 "agent: claude\n"
	 "docker_socket: yes\n",
	 "sandbox.yaml:3:16: docker_socket must be true or false, found 'yes' (booleans are "
	 "spelled true or false)"),
    CASE(bool_no,
	 "version: 1\n"
	 "agent: claude\n"
	 "git_identity: no\n",
	 "sandbox.yaml:3:15: git_identity must be true or false, found 'no' (booleans are spelled "
	 "true or false)"),
    CASE(bool_on,
	 "version: 1\n"
	 "agent: claude\n"
	 "preserve_state: on\n",
	 "sandbox.yaml:3:17: preserve_state must be true or false, found 'on' (booleans are "
	 "spelled true or false)"),
    CASE(bool_True,
	 "version: 1\n"
	 "agent: claude\n"
	 "docker_socket: True\n",
	 "sandbox.yaml:3:16: docker_socket must be true or false, found 'True' (booleans are "
	 "spelled true or false)"),
    CASE(bool_FALSE_mount,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - {source: /a, target: /b, readonly: FALSE}\n",
	 "sandbox.yaml:4:40: mount readonly must be true or false, found 'FALSE' (booleans are "
	 "spelled true or false)"),
    CASE(bool_quoted,
	 "version: 1\n"
	 "agent: claude\n"
	 "docker_socket: \"true\"\n",
	 "sandbox.yaml:3:16: docker_socket must be true or false, found the string 'true'"),
    CASE(type_env_string,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: FOO=bar\n",
	 "sandbox.yaml:3:6: env must be a mapping, found the string 'FOO=bar'"),
    CASE(type_image_seq,
	 "version: 1\n"
	 "agent: claude\n"
	 "image: [a, b]\n",
	 "sandbox.yaml:3:8: image must be a string, found a sequence"),
    CASE(type_command_item_map,
	 "version: 1\n"
	 "agent: claude\n"
	 "command: [run, {a: b}]\n",
	 "sandbox.yaml:3:16: a command argument must be a string, a number or a boolean, found a "
	 "mapping"),
    CASE(type_null_image,
	 "version: 1\n"
	 "agent: claude\n"
	 "image:\n",
	 "sandbox.yaml:3:7: image must be a string, found no value"),
    CASE(version_2,
	 "version: 2\n"
	 "agent: claude\n",
	 "sandbox.yaml:1:10: unsupported version 2: this sbx reads version 1 (a newer sbx may read "
	 "it)"),
    CASE(version_1_5,
	 "version: 1.5\n"
	 "agent: claude\n",
	 "sandbox.yaml:1:10: unsupported version 1.5: this sbx reads version 1 (a newer sbx may "
	 "read it)"),
    CASE(version_quoted,
	 "version: \"1\"\n"
	 "agent: claude\n",
	 "sandbox.yaml:1:10: version must be the number 1, found the string '1'"),
    CASE(agent_suggest,
	 "version: 1\n"
	 "agent: gemeni\n",
	 "sandbox.yaml:2:8: unknown agent 'gemeni' (did you mean 'gemini'?); known agents: claude, "
	 "gemini, codex, copilot, opencode, shell"),
    CASE(agent_nosuggest,
	 "version: 1\n"
	 "agent: emacs\n",
	 "sandbox.yaml:2:8: unknown agent 'emacs'; known agents: claude, gemini, codex, copilot, "
	 "opencode, shell"),
    CASE(env_name_digit,
	 "version: 1\n"
	 "agent: claude\n"
	 "env:\n"
	 "  9LIVES: x\n",
	 "sandbox.yaml:4:3: invalid env name '9LIVES': letters, digits and '_', not starting with "
	 "a digit"),
    CASE(env_name_dash,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: {MY-VAR: x}\n",
	 "sandbox.yaml:3:7: invalid env name 'MY-VAR': letters, digits and '_', not starting with "
	 "a digit"),
    CASE(pass_env_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "pass_env: [GOOD, \"a b\"]\n",
	 "sandbox.yaml:3:18: invalid pass_env name 'a b': letters, digits and '_', not starting "
	 "with a digit"),
    CASE(pass_env_dup,
	 "version: 1\n"
	 "agent: claude\n"
	 "pass_env:\n"
	 "  - TOKEN\n"
	 "  - TOKEN\n",
	 "sandbox.yaml:5:5: pass_env lists 'TOKEN' twice (first at line 4)"),
    CASE(pass_env_in_env,
	 "version: 1\n"
	 "agent: claude\n"
	 "env: {TOKEN: x}\n"
	 "pass_env: [TOKEN]\n",
	 "sandbox.yaml:4:12: 'TOKEN' is in both env (line 3) and pass_env; keep one"),
    CASE(empty, "",
	 "sandbox.yaml:1:1: empty file: sandbox.yaml needs at least 'version' and 'agent'"),
    CASE(comments_only,
	 "# nothing\n"
	 "# here\n",
	 "sandbox.yaml:1:1: no content: sandbox.yaml needs at least 'version' and 'agent'"),
    CASE(doc_marker_only, "---\n",
	 "sandbox.yaml:2:1: empty document: sandbox.yaml needs at least 'version' and 'agent'"),
    CASE(root_seq, "- version: 1\n",
	 "sandbox.yaml:1:1: sandbox.yaml must be a mapping of keys to values, found a sequence"),
    CASE(root_scalar, "hello\n",
	 "sandbox.yaml:1:1: sandbox.yaml must be a mapping of keys to values, found the string "
	 "'hello'"),
    CASE(missing_version, "agent: claude\n",
	 "sandbox.yaml:1:1: missing required key 'version' (write version: 1)"),
    CASE(missing_agent, "version: 1\n",
	 "sandbox.yaml:1:1: missing required key 'agent' (one of claude, gemini, codex, copilot, "
	 "opencode, shell)"),
    CASE(mount_missing_source,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - target: /b\n",
	 "sandbox.yaml:4:5: mount is missing 'source' (the host path)"),
    CASE(mount_missing_target,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - source: /a\n",
	 "sandbox.yaml:4:5: mount is missing 'target' (the path in the sandbox)"),
    CASE(mount_relative_target,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts: [{source: /a, target: b}]\n",
	 "sandbox.yaml:3:31: mount target 'b' must be an absolute path in the sandbox other than "
	 "'/', without '.', '..' or empty components"),
    CASE(mount_dotdot_target,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts: [{source: /a, target: /home/../etc}]\n",
	 "sandbox.yaml:3:31: mount target '/home/../etc' must be an absolute path in the sandbox "
	 "other than '/', without '.', '..' or empty components"),
    CASE(mount_dup_target,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts:\n"
	 "  - {source: /a, target: /x}\n"
	 "  - {source: /b, target: /x/}\n",
	 "sandbox.yaml:5:18: mount target '/x/' is already used by the mount at line 4"),
    CASE(mount_source_empty,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts: [{source: '', target: /x}]\n",
	 "sandbox.yaml:3:19: mount source must not be empty"),
    CASE(mount_source_control,
	 "version: 1\n"
	 "agent: claude\n"
	 "mounts: [{source: \"/a\\tb\", target: /x}]\n",
	 "sandbox.yaml:3:19: mount source '/a\\tb' contains a control character"),
    CASE(cpus_zero,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {cpus: 0}\n",
	 "sandbox.yaml:3:19: resources.cpus must be above 0 and at most 1024, found 0"),
    CASE(cpus_over,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {cpus: 1025}\n",
	 "sandbox.yaml:3:19: resources.cpus must be above 0 and at most 1024, found 1025"),
    CASE(cpus_string,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {cpus: \"2\"}\n",
	 "sandbox.yaml:3:19: resources.cpus must be a number, found the string '2'"),
    CASE(memory_small,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {memory: 5m}\n",
	 "sandbox.yaml:3:21: resources.memory must be between 6m and 1 PiB, found 5m"),
    CASE(memory_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {memory: 4gb}\n",
	 "sandbox.yaml:3:21: resources.memory '4gb' is not a size: write bytes or a number with k, "
	 "m or g (512m, 4g)"),
    CASE(memory_fraction,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {memory: 1.5}\n",
	 "sandbox.yaml:3:21: resources.memory must be a whole number of bytes, found 1.5"),
    CASE(pids_zero,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {pids: 0}\n",
	 "sandbox.yaml:3:19: resources.pids must be between 1 and 4194304, found 0"),
    CASE(pids_fraction,
	 "version: 1\n"
	 "agent: claude\n"
	 "resources: {pids: 2.5}\n",
	 "sandbox.yaml:3:19: resources.pids must be an integer, found 2.5"),
    CASE(credentials_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "credentials: sharde\n",
	 "sandbox.yaml:3:14: credentials must be one of shared, workspace, none, found 'sharde' "
	 "(did you mean 'shared'?)"),
    CASE(network_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "network: host\n",
	 "sandbox.yaml:3:10: network must be one of bridge, none, found 'host'"),
    CASE(image_upper,
	 "version: 1\n"
	 "agent: claude\n"
	 "image: Ubuntu:22.04\n",
	 "sandbox.yaml:3:8: invalid image reference 'Ubuntu:22.04': expected "
	 "[registry/]name[:tag][@digest] with a lowercase name"),
    CASE(name_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "name: -x\n",
	 "sandbox.yaml:3:7: invalid container name '-x': at least two of letters, digits, '_', '.' "
	 "and '-', starting with a letter or digit"),
    CASE(user_bad,
	 "version: 1\n"
	 "agent: claude\n"
	 "user: \"a b\"\n",
	 "sandbox.yaml:3:7: invalid user 'a b': expected name, uid, name:group or uid:gid"),
    CASE(command_empty,
	 "version: 1\n"
	 "agent: claude\n"
	 "command: []\n",
	 "sandbox.yaml:3:10: command must not be empty; leave it out for the agent's default"),
    CASE(complex_key,
	 "version: 1\n"
	 "agent: claude\n"
	 "? [a]\n"
	 ": b\n",
	 "sandbox.yaml:3:3: keys must be strings, found a sequence"),
    CASE(null_key,
	 "version: 1\n"
	 "agent: claude\n"
	 "~: b\n",
	 "sandbox.yaml:3:1: keys must be strings, found no value"),
};

static void test_bad(void **state)
{
	const bad_case *c = *state;
	sbx_spec *spec = (sbx_spec *)1;
	sbx_error *err = NULL;
	int rc = sbx_config_parse(&spec, c->yaml, c->len, "sandbox.yaml", &err);
	assert_int_equal(rc, SBX_EINVALID);
	assert_null(spec);
	assert_non_null(err);
	assert_int_equal(err->code, SBX_EINVALID);
	assert_string_equal(err->msg, c->want);
	assert_int_equal(sbx_error_count(err), 1);
	sbx_error_free(err);
}

/* ---- helpers ---- */

static sbx_spec *parse_ok(const char *yaml)
{
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	int rc = sbx_config_parse(&spec, yaml, strlen(yaml), "sandbox.yaml", &err);
	if (rc != 0)
		fail_msg("unexpected error: %s", err->msg);
	assert_null(err);
	assert_non_null(spec);
	return spec;
}

static sbx_error *parse_bad(const char *yaml, size_t len)
{
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_parse(&spec, yaml, len, "sandbox.yaml", &err), SBX_EINVALID);
	assert_null(spec);
	assert_non_null(err);
	return err;
}

static const char *nth(const sbx_error *e, size_t i)
{
	while (i-- && e)
		e = e->next;
	assert_non_null(e);
	return e->msg;
}

/* ---- the accepted language ---- */

static void test_full_file(void **state)
{
	(void)state;
	sbx_spec *s =
	    parse_ok("version: 1\n"
		     "agent: gemini\n"
		     "image: registry.example:5000/team/img:1.2\n"
		     "command: [gemini, --flag, 10, true]\n"
		     "name: my-box\n"
		     "user: agent:agent\n"
		     "env:\n"
		     "  PORT: 8080\n"
		     "  DEBUG: yes\n"
		     "  MSG: \"two\\nlines\"\n"
		     "pass_env: [TOKEN, OTHER]\n"
		     "docker_socket: true\n"
		     "mounts:\n"
		     "  - {source: ~/.cache/pip, target: /home/agent/.cache/pip, readonly: true}\n"
		     "  - source: ../data\n"
		     "    target: /data/\n"
		     "git_identity: false\n"
		     "credentials: workspace\n"
		     "network: none\n"
		     "resources: {cpus: 1.5, memory: 4g, pids: 100}\n"
		     "preserve_state: false\n");
	assert_string_equal(s->agent->name, "gemini");
	assert_string_equal(s->image, "registry.example:5000/team/img:1.2");
	assert_int_equal(s->command_len, 4);
	assert_string_equal(s->command[0], "gemini");
	assert_string_equal(s->command[2], "10");
	assert_string_equal(s->command[3], "true");
	assert_null(s->command[4]);
	assert_string_equal(s->name, "my-box");
	assert_string_equal(s->user, "agent:agent");
	assert_int_equal(s->env_len, 3);
	assert_string_equal(s->env[0].name, "PORT");
	assert_string_equal(s->env[0].value, "8080");
	assert_string_equal(s->env[1].value, "yes");
	assert_string_equal(s->env[2].value, "two\nlines");
	assert_int_equal(s->env[2].pos.line, 10);
	assert_int_equal(s->env[2].pos.col, 3);
	assert_int_equal(s->pass_env_len, 2);
	assert_string_equal(s->pass_env[1].name, "OTHER");
	assert_int_equal(s->pass_env[1].pos.line, 11);
	assert_int_equal(s->pass_env[1].pos.col, 19);
	assert_true(s->docker_socket);
	assert_int_equal(s->pos[SBX_FIELD_DOCKER_SOCKET].line, 12);
	assert_int_equal(s->pos[SBX_FIELD_DOCKER_SOCKET].col, 1);
	assert_int_equal(s->mounts_len, 2);
	assert_string_equal(s->mounts[0].source, "~/.cache/pip");
	assert_string_equal(s->mounts[0].target, "/home/agent/.cache/pip");
	assert_true(s->mounts[0].readonly);
	assert_int_equal(s->mounts[0].pos.line, 14);
	assert_int_equal(s->mounts[0].pos.col, 5);
	assert_string_equal(s->mounts[1].source, "../data");
	assert_false(s->mounts[1].readonly);
	assert_int_equal(s->mounts[1].pos.line, 15);
	assert_false(s->git_identity);
	assert_int_equal(s->credentials, SBX_CREDENTIALS_WORKSPACE);
	assert_int_equal(s->network, SBX_NETWORK_NONE);
	assert_true(s->resources.cpus == 1.5);
	assert_int_equal(s->resources.memory, 4LL << 30);
	assert_int_equal(s->resources.pids, 100);
	assert_false(s->preserve_state);
	assert_int_equal(s->pos[SBX_FIELD_VERSION].line, 1);
	assert_int_equal(s->pos[SBX_FIELD_PRESERVE_STATE].line, 21);
	sbx_spec_free(s);
}

static void test_defaults_per_agent(void **state)
{
	(void)state;
	for (const char *const *n = sbx_agent_names(); *n; n++) {
		_cleanup_free_ char *y = xasprintf("version: 1\nagent: %s\n", *n);
		sbx_spec *s = parse_ok(y);
		const sbx_agent *a = sbx_agent_find(*n);
		assert_ptr_equal(s->agent, a);
		assert_string_equal(s->image, a->image);
		for (size_t i = 0; a->command[i]; i++)
			assert_string_equal(s->command[i], a->command[i]);
		assert_null(s->name);
		assert_null(s->user);
		assert_int_equal(s->env_len, 0);
		assert_false(s->docker_socket);
		assert_true(s->git_identity);
		assert_int_equal(s->credentials, SBX_CREDENTIALS_SHARED);
		assert_int_equal(s->network, SBX_NETWORK_BRIDGE);
		assert_true(s->resources.cpus == 0);
		assert_int_equal(s->resources.memory, 0);
		assert_int_equal(s->resources.pids, SBX_SPEC_DEFAULT_PIDS);
		assert_true(s->preserve_state);
		assert_int_equal(s->pos[SBX_FIELD_IMAGE].line, 0);
		sbx_spec_free(s);
	}
}

static void test_numbers_json_semantics(void **state)
{
	(void)state;
	/* Integers in JSON's sense: 1.0 and 1e3 have no fractional part. */
	sbx_spec *s = parse_ok("version: 1.0\nagent: shell\n"
			       "resources: {cpus: 1e1, memory: 6291456, pids: 1e3}\n");
	assert_true(s->resources.cpus == 10);
	assert_int_equal(s->resources.memory, 6291456);
	assert_int_equal(s->resources.pids, 1000);
	sbx_spec_free(s);
	const char *sizes[][2] = {{"512k", "524288"}, {"512K", "524288"},   {"7m", "7340032"},
				  {"7M", "7340032"},  {"2g", "2147483648"}, {"2G", "2147483648"}};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sizes); i++) {
		_cleanup_free_ char *y =
		    xasprintf("version: 1\nagent: shell\nresources: {memory: %s}\n", sizes[i][0]);
		if (strcmp(sizes[i][0], "512k") == 0 || strcmp(sizes[i][0], "512K") == 0) {
			/* under the 6m minimum */
			sbx_error *err = parse_bad(y, strlen(y));
			sbx_error_free(err);
			continue;
		}
		s = parse_ok(y);
		assert_int_equal(s->resources.memory, strtoll(sizes[i][1], NULL, 10));
		sbx_spec_free(s);
	}
}

static void test_bom_and_crlf_positions(void **state)
{
	(void)state;
	sbx_spec *s = parse_ok("\xef\xbb\xbfversion: 1\nagent: shell\n");
	assert_int_equal(s->pos[SBX_FIELD_AGENT].line, 2);
	assert_int_equal(s->pos[SBX_FIELD_AGENT].col, 1);
	sbx_spec_free(s);
	const char *lf = "version: 1\nagent: shell\nimage: Bad\n";
	const char *crlf = "version: 1\r\nagent: shell\r\nimage: Bad\r\n";
	const char *bom = "\xef\xbb\xbfversion: 1\nagent: shell\nimage: Bad\n";
	const char *want = "sandbox.yaml:3:8: invalid image reference 'Bad': expected "
			   "[registry/]name[:tag][@digest] with a lowercase name";
	const char *inputs[] = {lf, crlf, bom};
	for (size_t i = 0; i < 3; i++) {
		sbx_error *err = parse_bad(inputs[i], strlen(inputs[i]));
		assert_string_equal(err->msg, want);
		sbx_error_free(err);
	}
	/* A reader error after a BOM and CRLFs: its byte offset becomes the same position. */
	const char *ctl = "\xef\xbb\xbfversion: 1\r\nagent: sh\x01ll\r\n";
	sbx_error *err = parse_bad(ctl, strlen(ctl));
	assert_string_equal(err->msg, "sandbox.yaml:2:10: syntax error: control characters are "
				      "not allowed");
	sbx_error_free(err);
	/* Columns count characters, not bytes. */
	err = parse_bad("version: 1\nagent: shell\nenv: {\xc3\xa9: x}\n", 36);
	assert_string_equal(err->msg, "sandbox.yaml:3:7: invalid env name '\xc3\xa9': letters, "
				      "digits and '_', not starting with a digit");
	sbx_error_free(err);
}

static void test_many_problems_sorted(void **state)
{
	(void)state;
	const char *y = "image: Bad\n"
			"agent: &a claud\n"
			"docker_socket: yes\n"
			"resources: {pids: 0}\n";
	sbx_error *err = parse_bad(y, strlen(y));
	assert_int_equal(sbx_error_count(err), 6);
	assert_string_equal(nth(err, 0), "sandbox.yaml:1:1: missing required key 'version' "
					 "(write version: 1)");
	assert_true(strncmp(nth(err, 1), "sandbox.yaml:1:8: invalid image reference", 41) == 0);
	assert_true(strncmp(nth(err, 2), "sandbox.yaml:2:8: anchor 'a'", 28) == 0);
	assert_true(strncmp(nth(err, 3), "sandbox.yaml:2:8: unknown agent 'claud'", 39) == 0);
	assert_true(strncmp(nth(err, 4), "sandbox.yaml:3:16: docker_socket", 32) == 0);
	assert_true(strncmp(nth(err, 5), "sandbox.yaml:4:19: resources.pids", 33) == 0);
	sbx_error_free(err);
}

static void test_errors_capped(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b, "version: 1\nagent: shell\n");
	for (int i = 0; i < 80; i++)
		sbx_buf_addf(&b, "bogus%d: 1\n", i);
	sbx_error *err = parse_bad(b.data, b.len);
	assert_int_equal(sbx_error_count(err), SBX_CONFIG_MAX_ERRORS + 1);
	assert_string_equal(nth(err, 0), "sandbox.yaml:3:1: unknown key 'bogus0'");
	assert_string_equal(nth(err, SBX_CONFIG_MAX_ERRORS),
			    "sandbox.yaml: too many errors; stopping here");
	sbx_error_free(err);
	sbx_buf_release(&b);
}

static void test_depth_cap(void **state)
{
	(void)state;
	/* Eight levels are allowed; the ninth is refused where it starts. */
	const char *ok8 = "version: 1\nagent: shell\nx: [[[[[[[1]]]]]]]\n";
	sbx_error *err = parse_bad(ok8, strlen(ok8));
	assert_string_equal(err->msg, "sandbox.yaml:3:1: unknown key 'x'");
	sbx_error_free(err);
	const char *deep9 = "version: 1\nagent: shell\nx: [[[[[[[[1]]]]]]]]\n";
	err = parse_bad(deep9, strlen(deep9));
	assert_string_equal(err->msg, "sandbox.yaml:3:11: nesting deeper than 8 levels");
	assert_int_equal(sbx_error_count(err), 1);
	sbx_error_free(err);
}

static void test_depth_100000_is_fast(void **state)
{
	(void)state;
	size_t n = 100000;
	char *y = xmalloc(n + 4);
	memcpy(y, "a: ", 3);
	memset(y + 3, '[', n);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sbx_error *err = parse_bad(y, n + 3);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(err->msg, "sandbox.yaml:1:11: nesting deeper than 8 levels");
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Only the first events are read: far below a second even under valgrind. */
	assert_true(secs < 1.0);
	sbx_error_free(err);
	free(y);
}

static void test_width_cap(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b, "version: 1\nagent: shell\ncommand: [");
	for (int i = 0; i <= SBX_CONFIG_MAX_ITEMS; i++)
		sbx_buf_adds(&b, "a,");
	sbx_buf_adds(&b, "]\n");
	sbx_error *err = parse_bad(b.data, b.len);
	assert_string_equal(err->msg,
			    "sandbox.yaml:3:2059: more than 1024 entries in one sequence");
	sbx_error_free(err);
	sbx_buf_release(&b);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_length_caps(void **state)
{
	(void)state;
	_cleanup_free_ char *n129 = repeat('a', 129);
	_cleanup_free_ char *v = repeat('v', SBX_SPEC_MAX_VALUE + 1);
	_cleanup_free_ char *img = repeat('a', SBX_SPEC_MAX_IMAGE + 1);
	_cleanup_free_ char *src = repeat('s', SBX_SPEC_MAX_PATH + 1);
	struct {
		char *yaml;
		const char *want;
	} cases[] = {
	    {xasprintf("version: 1\nagent: shell\nname: %s\n", n129),
	     "sandbox.yaml:3:7: name is 129 characters long, over the limit of 128"},
	    {xasprintf("version: 1\nagent: shell\nenv: {A: %s}\n", v),
	     "sandbox.yaml:3:10: env A is 32769 characters long, over the limit of 32768"},
	    {xasprintf("version: 1\nagent: shell\nimage: %s\n", img),
	     "sandbox.yaml:3:8: image is 513 characters long, over the limit of 512"},
	    {xasprintf("version: 1\nagent: shell\nmounts: [{source: /%s, target: /x}]\n", src),
	     "sandbox.yaml:3:19: mount source is 4098 characters long, over the limit of 4096"},
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		sbx_error *err = parse_bad(cases[i].yaml, strlen(cases[i].yaml));
		assert_string_equal(err->msg, cases[i].want);
		sbx_error_free(err);
		free(cases[i].yaml);
	}
}

static void test_count_caps(void **state)
{
	(void)state;
	sbx_buf b = SBX_BUF_INIT;
	sbx_buf_adds(&b, "version: 1\nagent: shell\nenv:\n");
	for (int i = 0; i <= SBX_SPEC_MAX_ENV; i++)
		sbx_buf_addf(&b, "  V%d: x\n", i);
	sbx_error *err = parse_bad(b.data, b.len);
	assert_string_equal(err->msg,
			    "sandbox.yaml:4:3: env has 257 entries, over the limit of 256");
	sbx_error_free(err);
	sbx_buf_release(&b);
	sbx_buf_adds(&b, "version: 1\nagent: shell\nmounts:\n");
	for (int i = 0; i <= SBX_SPEC_MAX_MOUNTS; i++)
		sbx_buf_addf(&b, "  - {source: /s, target: /t%d}\n", i);
	err = parse_bad(b.data, b.len);
	assert_string_equal(err->msg,
			    "sandbox.yaml:4:3: mounts has 65 entries, over the limit of 64");
	sbx_error_free(err);
	sbx_buf_release(&b);
}

static void test_template_parses_for_every_agent(void **state)
{
	(void)state;
	for (const char *const *n = sbx_agent_names(); *n; n++) {
		const sbx_agent *a = sbx_agent_find(*n);
		_cleanup_free_ char *t = sbx_config_template(a, "file:///x/sandbox.schema.json");
		assert_true(strncmp(t, "# yaml-language-server: $schema=file:///x/", 41) == 0);
		sbx_spec *s = parse_ok(t);
		assert_ptr_equal(s->agent, a);
		assert_string_equal(s->image, a->image);
		assert_int_equal(s->credentials, a->credentials_dir ? SBX_CREDENTIALS_SHARED
								    : SBX_CREDENTIALS_NONE);
		assert_false(s->docker_socket);
		sbx_spec_free(s);
	}
}

/* ---- reading files and discovery ---- */

static char tmp[PATH_MAX];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/sbx-unit.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	_cleanup_free_ char *home = xasprintf("%s/home", tmp);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	return 0;
}

static int remove_tmp(void **state)
{
	(void)state;
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_read_refuses_non_regular(void **state)
{
	(void)state;
	_cleanup_free_ char *fifo = xasprintf("%s/fifo.yaml", tmp);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	char *buf = NULL;
	size_t len = 0;
	sbx_error *err = NULL;
	/* No writer ever opens the FIFO: a blocking open would hang here. */
	assert_int_equal(sbx_config_read(&buf, &len, fifo, 0, &err), SBX_EINVALID);
	_cleanup_free_ char *want = xasprintf("%s:1:1: is a FIFO, not a regular file", fifo);
	assert_string_equal(err->msg, want);
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, tmp, 0, &err), SBX_EINVALID);
	_cleanup_free_ char *want2 = xasprintf("%s:1:1: is a directory, not a regular file", tmp);
	assert_string_equal(err->msg, want2);
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, "/dev/null", 0, &err), SBX_EINVALID);
	assert_string_equal(err->msg, "/dev/null:1:1: is a character device, not a regular file");
	sbx_error_free(err);
	assert_null(buf);
}

static void test_read_caps_size(void **state)
{
	(void)state;
	_cleanup_free_ char *path = xasprintf("%s/big.yaml", tmp);
	_cleanup_free_ char *big = repeat('#', SBX_CONFIG_MAX_BYTES + 1);
	write_file(path, big, SBX_CONFIG_MAX_BYTES + 1);
	char *buf = NULL;
	size_t len = 0;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, path, 0, &err), SBX_EINVALID);
	_cleanup_free_ char *want =
	    xasprintf("%s:1:1: file is 262145 bytes, over the limit of 262144 bytes", path);
	assert_string_equal(err->msg, want);
	sbx_error_free(err);
	/* Exactly at the cap is read. */
	write_file(path, big, SBX_CONFIG_MAX_BYTES);
	err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, path, 0, &err), 0);
	assert_int_equal(len, SBX_CONFIG_MAX_BYTES);
	assert_int_equal(buf[len], '\0');
	free(buf);
}

static void test_read_links_and_missing(void **state)
{
	(void)state;
	_cleanup_free_ char *real = xasprintf("%s/real.yaml", tmp);
	_cleanup_free_ char *link = xasprintf("%s/link.yaml", tmp);
	write_file(real, "version: 1\nagent: shell\n", 24);
	assert_int_equal(symlink("real.yaml", link), 0);
	char *buf = NULL;
	size_t len = 0;
	sbx_error *err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, link, SBX_CONFIG_NOFOLLOW, &err),
			 SBX_EINVALID);
	assert_non_null(strstr(err->msg, ":1:1: is a symbolic link"));
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(sbx_config_read(&buf, &len, link, 0, &err), 0);
	assert_int_equal(len, 24);
	free(buf);
	sbx_config *cfg = NULL;
	assert_int_equal(sbx_config_load(&cfg, link, 0, &err), 0);
	assert_string_equal(cfg->path, real);
	assert_string_equal(cfg->workspace, tmp);
	assert_int_equal(cfg->len, 24);
	assert_string_equal(cfg->bytes, "version: 1\nagent: shell\n");
	assert_string_equal(cfg->spec->agent->name, "shell");
	sbx_config_free(cfg);
	_cleanup_free_ char *missing = xasprintf("%s/missing.yaml", tmp);
	assert_int_equal(sbx_config_read(&buf, &len, missing, 0, &err), SBX_ENOTFOUND);
	sbx_error_free(err);
	err = NULL;
	assert_int_equal(sbx_config_load(&cfg, missing, 0, &err), SBX_ENOTFOUND);
	sbx_error_free(err);
}

static void test_find(void **state)
{
	(void)state;
	_cleanup_free_ char *ws = xasprintf("%s/ws", tmp);
	_cleanup_free_ char *deep = xasprintf("%s/ws/a/b", tmp);
	_cleanup_free_ char *a = xasprintf("%s/ws/a", tmp);
	_cleanup_free_ char *file = xasprintf("%s/ws/sandbox.yaml", tmp);
	_cleanup_free_ char *link = xasprintf("%s/shortcut", tmp);
	assert_int_equal(mkdir(ws, 0755), 0);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(deep, 0755), 0);
	char *path = NULL;
	sbx_error *err = NULL;
	/* None up to / (the tests run where no parent of /tmp has one). */
	assert_int_equal(sbx_config_find(&path, deep, &err), SBX_ENOTFOUND);
	assert_non_null(strstr(err->msg, "sbx init"));
	sbx_error_free(err);
	err = NULL;
	write_file(file, "version: 1\nagent: shell\n", 24);
	assert_int_equal(sbx_config_find(&path, deep, &err), 0);
	assert_string_equal(path, file);
	free(path);
	assert_int_equal(symlink(a, link), 0);
	assert_int_equal(sbx_config_find(&path, link, &err), 0);
	assert_string_equal(path, file); /* canonical, not through the link */
	free(path);
	assert_int_equal(sbx_config_find(&path, file, &err), SBX_ERROR); /* not a directory */
	sbx_error_free(err);
}

int main(void)
{
	struct CMUnitTest tests[SBX_ARRAY_SIZE(bad_cases) + 32];
	size_t n = 0;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad_cases); i++) {
		tests[n] =
		    (struct CMUnitTest)cmocka_unit_test_prestate(test_bad, (void *)&bad_cases[i]);
		tests[n].name = bad_cases[i].name;
		n++;
	}
	const struct CMUnitTest more[] = {
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_defaults_per_agent),
	    cmocka_unit_test(test_numbers_json_semantics),
	    cmocka_unit_test(test_bom_and_crlf_positions),
	    cmocka_unit_test(test_many_problems_sorted),
	    cmocka_unit_test(test_errors_capped),
	    cmocka_unit_test(test_depth_cap),
	    cmocka_unit_test(test_depth_100000_is_fast),
	    cmocka_unit_test(test_width_cap),
	    cmocka_unit_test(test_length_caps),
	    cmocka_unit_test(test_count_caps),
	    cmocka_unit_test(test_template_parses_for_every_agent),
	    cmocka_unit_test(test_read_refuses_non_regular),
	    cmocka_unit_test(test_read_caps_size),
	    cmocka_unit_test(test_read_links_and_missing),
	    cmocka_unit_test(test_find),
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(more); i++)
		tests[n++] = more[i];
	return _cmocka_run_group_tests("config", tests, n, make_tmp, remove_tmp);
}
