/*
 * The docker backend's rendering of a seccomp policy (seccomp.h): the JSON
 * profile that Docker's API (and Podman's) reads from
 * HostConfig.SecurityOpt "seccomp=<json>". What is refused is seccomp.c's;
 * this file only spells it the way the engine reads it.
 */
#include "docker.h"

#include <json-c/json.h>
#include <stdlib.h>

#include "util.h"

static const char *action_name(sbx_seccomp_action a)
{
	switch (a) {
	case SBX_SECCOMP_ALLOW:
		return "SCMP_ACT_ALLOW";
	case SBX_SECCOMP_ERRNO:
		return "SCMP_ACT_ERRNO";
	}
	abort();
}

static const char *op_name(sbx_seccomp_op op)
{
	switch (op) {
	case SBX_SECCOMP_EQ:
		return "SCMP_CMP_EQ";
	case SBX_SECCOMP_LT:
		return "SCMP_CMP_LT";
	case SBX_SECCOMP_GT:
		return "SCMP_CMP_GT";
	case SBX_SECCOMP_MASKED_EQ:
		return "SCMP_CMP_MASKED_EQ";
	}
	abort();
}

static json_object *strings(const char *const *v)
{
	json_object *a = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/*
 * Docker 20.10 reads the masked comparison as mask in "value", datum in
 * "valueTwo": (arg & value) == valueTwo.
 */
static json_object *arg_cmp(const sbx_seccomp_arg *arg)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "index", json_object_new_int64(arg->index));
	json_object_object_add(a, "value", json_object_new_uint64(arg->value));
	json_object_object_add(a, "valueTwo", json_object_new_uint64(arg->value_two));
	json_object_object_add(a, "op", json_object_new_string(op_name(arg->op)));
	return a;
}

static json_object *rule(const sbx_seccomp_rule *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "names", strings(r->names));
	json_object_object_add(o, "action", json_object_new_string(action_name(r->action)));
	if (r->errno_ret)
		json_object_object_add(o, "errnoRet", json_object_new_int(r->errno_ret));
	json_object *args = json_object_new_array();
	if (r->arg)
		json_object_array_add(args, arg_cmp(r->arg));
	json_object_object_add(o, "args", args);
	if (r->min_kernel || r->arches) {
		json_object *inc = json_object_new_object();
		if (r->min_kernel)
			json_object_object_add(inc, "minKernel",
					       json_object_new_string(r->min_kernel));
		if (r->arches)
			json_object_object_add(inc, "arches", strings(r->arches));
		json_object_object_add(o, "includes", inc);
	}
	return o;
}

char *sbx_docker_seccomp_json(const sbx_seccomp_profile *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "defaultAction",
			       json_object_new_string(action_name(p->default_action)));
	if (p->default_errno)
		json_object_object_add(o, "defaultErrnoRet", json_object_new_int(p->default_errno));
	json_object *arches = json_object_new_array();
	for (size_t i = 0; i < p->arches_len; i++) {
		json_object *a = json_object_new_object();
		json_object_object_add(a, "architecture",
				       json_object_new_string(p->arches[i].arch));
		json_object_object_add(a, "subArchitectures", strings(p->arches[i].subs));
		json_object_array_add(arches, a);
	}
	json_object_object_add(o, "archMap", arches);
	json_object *rules = json_object_new_array();
	for (size_t i = 0; i < p->rules_len; i++)
		json_object_array_add(rules, rule(&p->rules[i]));
	json_object_object_add(o, "syscalls", rules);

	char *out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}
