#include "version.h"

#include "backend.h"
#include "config.h"
#include "gitid.h"
#include "hash.h"

/* Each library's version comes from the module that owns it (src/README.md). */
const sbx_lib_version *sbx_lib_versions(void)
{
	static sbx_lib_version v[6];
	if (!v[0].name) {
		const char *json_c, *curl;
		sbx_backend_docker_lib_versions(&json_c, &curl);
		v[0] = (sbx_lib_version){"libyaml", sbx_config_lib_version()};
		v[1] = (sbx_lib_version){"json-c", json_c};
		v[2] = (sbx_lib_version){"libcurl", curl};
		v[3] = (sbx_lib_version){"libgit2", sbx_gitid_lib_version()};
		v[4] = (sbx_lib_version){"openssl", sbx_hash_lib_version()};
	}
	return v;
}
