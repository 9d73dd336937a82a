/*
 * version: sbx's own version and those of the libraries it was built
 * against, for `sbx version` and bug reports. Each library's version string
 * comes from the module that owns the library.
 */
#ifndef SBX_VERSION_H
#define SBX_VERSION_H

#ifndef SBX_VERSION
#define SBX_VERSION "0.1.0"
#endif

typedef struct sbx_lib_version {
	const char *name;
	const char *version; /* static storage */
} sbx_lib_version;

/* sbx_lib_versions: the libraries in use, ending with {NULL, NULL}. Static storage. */
const sbx_lib_version *sbx_lib_versions(void);

#endif
