/* sbx trust [--yes] / sbx untrust: approve or withdraw a file's host-access grants. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/config.h"
#include "lib/discover.h"
#include "lib/backend.h"
#include "lib/hostfacts.h"
#include "lib/sandbox.h"
#include "lib/trust.h"
#include "output.h"
#include "prepare.h"

static bool ask(const char *workspace)
{
	_cleanup_free_ char *q = sbx_quotes(workspace);
	_cleanup_free_ char *question =
	    xasprintf("Approve these for %s, until the file changes?", q);
	return sbx_ask_yes(question);
}

/*
 * A unix socket in a mount source is a door out of the sandbox (an agent,
 * an engine, a session bus): the listing says so where the mount is, from
 * a bounded look that follows no links.
 */
static void note_sockets(sbx_grants *g, const sbx_spec *spec, const char *const *sources)
{
	for (size_t i = 0; sources && i < spec->mounts_len; i++) {
		_cleanup_free_ char *sock = sources[i] ? sbx_find_socket(sources[i], 10000) : NULL;
		for (size_t k = 0; sock && k < g->n; k++) {
			if (g->v[k].pos.line != spec->mounts[i].pos.line ||
			    g->v[k].pos.col != spec->mounts[i].pos.col)
				continue;
			_cleanup_free_ char *q = sbx_quotes(sock);
			char *what = xasprintf("%s; it holds the unix socket %s: the sandbox can "
					       "talk to whatever listens there",
					       g->v[k].what, q);
			free(g->v[k].what);
			g->v[k].what = what;
		}
	}
}

/*
 * What changed since this workspace's file was last approved: its grants
 * and its lines. An edit voids an approval, and a prompt that shows only
 * the grants now would hide which of them are new.
 */
static int show_changes(const sbx_config *cfg, sbx_error **err)
{
	_cleanup_free_ char *old = NULL;
	size_t old_len = 0;
	int rc = sbx_trust_last(&old, &old_len, cfg->workspace, err);
	if (rc < 0)
		return rc;
	/* none, or only approvals by an sbx that kept no text: nothing to compare with */
	if (!old)
		return 0;
	if (old_len == cfg->len && memcmp(old, cfg->bytes, old_len) == 0)
		return 0;
	sbx_spec *was_spec = NULL;
	sbx_error *perr = NULL;
	sbx_grants was = {0}, now = {0};
	/* the approved bytes parsed then; a stricter sbx may refuse them now */
	if (sbx_config_parse(&was_spec, old, old_len, cfg->path, &perr) == 0)
		sbx_trust_grants(&was, was_spec, NULL);
	sbx_error_free(perr);
	sbx_trust_grants(&now, cfg->spec, NULL);
	sbx_diff d = {0};
	sbx_trust_diff(&d, &was, &now, old, old_len, cfg->bytes, cfg->len);
	sbx_out_trust_diff(&d);
	sbx_diff_release(&d);
	sbx_grants_release(&was);
	sbx_grants_release(&now);
	sbx_spec_free(was_spec);
	return 0;
}

static int trust(const sbx_config *cfg, const char *const *sources, size_t ns, bool yes,
		 sbx_error **err)
{
	sbx_grants g = {0};
	sbx_trust_grants(&g, cfg->spec, sources);
	note_sockets(&g, cfg->spec, sources);
	/* A file inside another workspace needs approval even when it asks for nothing. */
	_cleanup_free_ char *enclosing = sbx_discover_enclosing(cfg->workspace);
	sbx_out_grants(cfg->path, &g, enclosing);
	size_t n = g.n;
	sbx_grants_release(&g);
	int rc = show_changes(cfg, err);
	if (rc < 0)
		return rc;
	/*
	 * A file that asks for nothing is recorded without asking: it grants
	 * nothing, and the record is what a sandbox.yaml that appeared where a
	 * sandbox ran without one (zero config) waits for.
	 */
	if (!yes && (n || enclosing)) {
		if (!isatty(STDIN_FILENO))
			return sbx_error_set(err, SBX_EPOLICY,
					     "no terminal to ask on: review the file, then run "
					     "'sbx trust --yes'");
		if (!ask(cfg->workspace))
			return sbx_error_set(err, SBX_EPOLICY, "not approved");
	}
	rc = sbx_trust_record(cfg->workspace, cfg->path, cfg->bytes, cfg->len, sources, ns, err);
	if (rc == 0)
		sbx_out_done("trusted", cfg->path);
	return rc;
}

int cmd_trust(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	bool yes = false;
	const sbx_opt opts[] = {
	    SBX_OPTS_CONFIG(ctx),
	    {'y', "yes", SBX_OPT_FLAG, &yes, NULL, "approve without asking"},
	    SBX_OPT_END,
	};
	int nargs, status;
	if (sbx_parse_args("trust", "[--yes]", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("trust", "trust takes no operands");
	sbx_config *cfg = NULL;
	int rc = sbx_ctx_load_config(ctx, &cfg, err);
	if (rc < 0)
		return rc;
	/*
	 * What is approved is where each mount leads now: shown, and recorded.
	 * Tier 2 is refused whatever the approval: say so now, not at apply.
	 */
	char **sources = NULL;
	_cleanup_free_ char *socket = sbx_backend_docker_socket();
	rc = sbx_check_host(&sources, cfg, socket, err);
	size_t ns = cfg->spec->mounts_len;
	if (rc == 0)
		rc = trust(cfg, (const char *const *)sources, ns, yes, err);
	sbx_strv_free(sources);
	sbx_config_free(cfg);
	return rc < 0 ? rc : SBX_EXIT_OK;
}

int cmd_untrust(sbx_ctx *ctx, int argc, char **argv, sbx_error **err)
{
	const sbx_opt opts[] = {SBX_OPTS_CONFIG(ctx), SBX_OPT_END};
	int nargs, status;
	if (sbx_parse_args("untrust", "", opts, argc, argv, &nargs, &status))
		return status;
	if (nargs > 0)
		return sbx_usage_error("untrust", "untrust takes no operands");
	sbx_config *cfg = NULL;
	int rc = sbx_ctx_load_config(ctx, &cfg, err);
	if (rc < 0)
		return rc;
	size_t n = 0;
	rc = sbx_trust_remove(&n, cfg->workspace, err);
	if (rc == 0)
		sbx_out_done(n ? "withdrew the approvals of" : "nothing was approved for",
			     cfg->workspace);
	sbx_config_free(cfg);
	return rc < 0 ? rc : SBX_EXIT_OK;
}
