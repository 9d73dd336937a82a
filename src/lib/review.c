#include "review.h"

#include <string.h>

#include "config.h"
#include "fields.h"
#include "sandbox.h"
#include "util.h"

void sbx_review_fields(sbx_fields *out, const sbx_spec *spec, const char *workspace)
{
	_cleanup_free_ char *volume = sbx_credentials_volume_name(spec, SBX_REVIEW_NAME);
	_cleanup_free_ char *tokens = sbx_tokens_volume_name(spec);
	_cleanup_free_ char *config = xasprintf("%s/%s", workspace, SBX_CONFIG_NAME);
	const sbx_host_facts facts = {
	    .workspace = workspace,
	    .name = spec->name ? spec->name : SBX_REVIEW_NAME,
	    .git_author_name = SBX_REVIEW_IDENTITY,
	    .git_author_email = SBX_REVIEW_IDENTITY,
	    .git_committer_name = SBX_REVIEW_IDENTITY,
	    .git_committer_email = SBX_REVIEW_IDENTITY,
	    .mount_sources = NULL, /* as written */
	    .credentials_volume = volume,
	    .tokens_volume = tokens,
	    .docker_socket = SBX_REVIEW_SOCKET,
	    .docker_socket_group = NULL,
	    .config = config,
	    .owner = NULL,
	};
	sbx_spec_fields(spec, &facts, out);
}

int sbx_review_plan(sbx_plan **out, const sbx_spec *base, const sbx_fields *now,
		    const char *workspace)
{
	sbx_actual was = {0};
	if (base) {
		sbx_review_fields(&was.fields, base, workspace);
		const sbx_fieldv *name = sbx_fields_get(&was.fields, sbx_field_path(SBX_F_NAME));
		was.exists = true;
		was.running = true;
		was.name = xstrdup(name ? name->value : SBX_REVIEW_NAME);
		was.status = xstrdup("running");
		was.form_version = SBX_SPEC_FORM_VERSION;
	}
	int rc = sbx_plan_make_paper(out, now, &was);
	sbx_actual_release(&was);
	return rc;
}
