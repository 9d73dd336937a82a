/*
 * review: two versions of one sandbox.yaml compared on paper, for code
 * review (sbx diff --base): each made concrete without the host or the
 * engine, at the place the file has in this checkout, and the newer
 * planned against a sandbox made from the older, as apply would plan it.
 * What only the host knows at apply (the git identity, the engine's
 * socket, the mount sources' canonical paths, the name sbx derives from
 * the workspace's identity) stands as a placeholder, the same on both
 * sides: it shows only where the file changes it. Mount sources are
 * compared as written.
 */
#ifndef SBX_REVIEW_H
#define SBX_REVIEW_H

#include "plan.h"
#include "spec.h"

/* Placeholders of the canonical form on paper. */
#define SBX_REVIEW_NAME	    "(default name)"
#define SBX_REVIEW_IDENTITY "(from git, at apply)"
#define SBX_REVIEW_SOCKET   "(the engine socket)"

/* sbx_review_fields: the canonical form of spec on paper, for a workspace at workspace. */
void sbx_review_fields(sbx_fields *out, const sbx_spec *spec, const char *workspace);

/*
 * sbx_review_plan: the plan from a sandbox made from base (NULL: the file
 * is new, the plan creates) to now, the newer version's form on paper
 * (sbx_review_fields), both at workspace. Pure.
 */
int sbx_review_plan(sbx_plan **out, const sbx_spec *base, const sbx_fields *now,
		    const char *workspace);

#endif
