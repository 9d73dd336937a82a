#include "version.h"

#include <curl/curl.h>
#include <git2.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <yaml.h>

const sbx_lib_version *sbx_lib_versions(void)
{
	static char git2[32];
	static sbx_lib_version v[6];
	if (!v[0].name) {
		int major, minor, rev;
		git_libgit2_version(&major, &minor, &rev);
		snprintf(git2, sizeof(git2), "%d.%d.%d", major, minor, rev);
		v[0] = (sbx_lib_version){"libyaml", yaml_get_version_string()};
		v[1] = (sbx_lib_version){"json-c", json_c_version()};
		v[2] = (sbx_lib_version){"libcurl", curl_version_info(CURLVERSION_NOW)->version};
		v[3] = (sbx_lib_version){"libgit2", git2};
		v[4] = (sbx_lib_version){"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)};
	}
	return v;
}
