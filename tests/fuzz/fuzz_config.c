/*
 * The config loader under a fuzzer: any bytes in, either a spec with every
 * default filled or a chain of positioned problems out, never both, never
 * a crash or a leak. Built with libFuzzer by `make fuzz`; its corpus is
 * replayed under gcc by `make test` through tests/fuzz/standalone.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_positioned(const char *msg)
{
	/* "fuzz.yaml:LINE:COL: message" */
	const char *p = msg + strlen("fuzz.yaml:");
	if (strncmp(msg, "fuzz.yaml:", strlen("fuzz.yaml:")) != 0)
		return 0;
	if (strncmp(p, " too many errors", 16) == 0)
		return 1;
	for (int field = 0; field < 2; field++) {
		if (*p < '1' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != ':')
			return 0;
	}
	return *p == ' ' && p[1] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SBX_CONFIG_MAX_BYTES)
		return 0;
	sbx_spec *spec = NULL;
	sbx_error *err = NULL;
	int rc = sbx_config_parse(&spec, (const char *)data, size, "fuzz.yaml", &err);
	if (rc == 0) {
		if (!spec || err || !spec->agent || !spec->image || !spec->command ||
		    spec->command_len == 0 || spec->command[spec->command_len])
			abort();
	} else {
		if (rc != SBX_EINVALID || spec || !err)
			abort();
		if (sbx_error_count(err) > SBX_CONFIG_MAX_ERRORS + 1)
			abort();
		for (sbx_error *e = err; e; e = e->next)
			if (e->code != SBX_EINVALID || !is_positioned(e->msg))
				abort();
	}
	sbx_spec_free(spec);
	sbx_error_free(err);
	return 0;
}
