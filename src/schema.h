/*
 * schema: schema/sandbox.schema.json, built into the binary (the Makefile
 * writes its bytes as a C array), so that `sbx schema` needs no data file.
 */
#ifndef SBX_SCHEMA_H
#define SBX_SCHEMA_H

#include <stddef.h>

/* The schema file's bytes, exactly; not NUL-terminated. */
extern const unsigned char sbx_schema_json[];
extern const size_t sbx_schema_json_len;

#endif
