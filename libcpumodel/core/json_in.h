/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private helpers for reading JSON input strictly (snapshot JSON, Firecracker
 * fingerprints, the file loader).  Every error names the input, the JSON path
 * of the offending member ("registers[12].value") and the problem, so that a
 * user can find it in the file.
 */
#ifndef CPUMODEL_CORE_JSON_IN_H
#define CPUMODEL_CORE_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cpumodel/error.h"

/* The place being read: input name + JSON path, grown and shrunk as the
 * reader descends (push returns the mark to pop back to). */
struct cm_jin {
    const char *what; /* file name for messages; NULL -> "(input)" */
    cm_error *err;
    char path[256];
    size_t len;
};

void cm_jin_init(struct cm_jin *j, const char *what, const char *prefix, cm_error *err);
size_t cm_jin_key(struct cm_jin *j, const char *key); /* appends ".key" */
size_t cm_jin_idx(struct cm_jin *j, size_t i);        /* appends "[i]" */
void cm_jin_pop(struct cm_jin *j, size_t mark);

/* "<what>: <path>: <problem>"; returns -1 (CM_E_INPUT). */
int cm_jin_fail(struct cm_jin *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, for the member `key` of the current path. */
int cm_jin_fail_at(struct cm_jin *j, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "an integer", "an array", … for messages. */
const char *cm_json_type_name(enum json_type t);

/* Member `key` of object o.  Absent (and, unless !null_ok, null) members give
 * *out = NULL: an error if `required`.  A member of another type than `type`
 * is an error. */
int cm_jin_member(struct cm_jin *j, const struct json_object *o, const char *key, enum json_type type, bool required,
                  struct json_object **out);

/* Typed members.  Absent optional members leave *dst untouched (the caller's default). */
int cm_jin_str(struct cm_jin *j, const struct json_object *o, const char *key, bool required, char **dst);
int cm_jin_bool(struct cm_jin *j, const struct json_object *o, const char *key, bool *dst);
int cm_jin_int(struct cm_jin *j, const struct json_object *o, const char *key, bool required, int64_t min,
               int64_t max, int64_t *dst);
/* A JSON integer value (not a member) in [min,max]; the path is the current one. */
int cm_jin_int_value(struct cm_jin *j, const struct json_object *v, int64_t min, int64_t max, int64_t *dst);

/* Parses "0x…" hex into nwords little-endian 64-bit words (word 0 least
 * significant); shorter strings are zero-extended, leading zeros are allowed,
 * but a value that does not fit in `bits` bits is rejected.  On error returns
 * -1 and writes the problem (no place) into why. */
int cm_hex_parse(const char *s, uint64_t *words, size_t nwords, unsigned bits, char *why, size_t whylen);
/* A hex string member/value of at most `bits` (≤ 64) bits. */
int cm_jin_hex_value(struct cm_jin *j, const struct json_object *v, unsigned bits, uint64_t *dst);
int cm_jin_hex(struct cm_jin *j, const struct json_object *o, const char *key, bool required, unsigned bits,
               uint64_t *dst);

/* Formats words as "0x" + exactly bits/4 hex digits (most significant first). */
char *cm_hex_format(const uint64_t *words, unsigned bits);

/* Parses a JSON text.  Errors name the line, column and byte offset. */
int cm_json_parse_text(const char *text, size_t len, const char *what, struct json_object **out, cm_error *err);

/* Reads a snapshot object whose JSON path is `prefix` ("" at top level,
 * "model" inside a baseline result), snapshot_json.c. */
struct cm_snapshot;
int cm_snapshot_from_json_at(const struct json_object *o, const char *what, const char *prefix,
                             struct cm_snapshot **out, cm_error *err);

/* The steps of reading a snapshot that act on values already taken out of
 * the text, shared by the json-c reader (snapshot_json.c) and the scanner
 * for the canonical layout (snapshot_scan.c) so that both accept exactly the
 * same snapshots.  Each returns -1 with the error at j's path. */
struct cm_cpuid_entry;
int cm_snap_arch_index(const char *name); /* enum cm_arch, -1 if unknown */
int cm_snap_kind_index(const char *name); /* enum cm_snapshot_kind, -1 if unknown */
uint32_t cm_snap_reg_flag(const char *name); /* 0 if unknown */
int cm_snap_put_cap(struct cm_jin *j, struct cm_snapshot *s, int64_t id, int64_t sys, bool has_vm, int64_t vm);
int cm_snap_check_reg_id(struct cm_jin *j, const struct cm_snapshot *s, uint64_t id);
/* value: the hex string, NULL for JSON null */
int cm_snap_put_reg(struct cm_jin *j, struct cm_snapshot *s, uint64_t id, uint32_t flags, const char *value);
int cm_snap_put_cpuid(struct cm_jin *j, struct cm_snapshot *s, bool emulated, const struct cm_cpuid_entry *c);
int cm_snap_put_msr(struct cm_jin *j, struct cm_snapshot *s, uint64_t idx, uint64_t val);
int cm_snap_put_msr_index(struct cm_jin *j, struct cm_snapshot *s, uint64_t idx);
int cm_snap_put_fact(struct cm_jin *j, struct cm_snapshot *s, const char *name, uint64_t val);
int cm_snap_finish(struct cm_jin *j, struct cm_snapshot *s); /* sort, check, verify the digest */
/* What a snapshot is compared on is there: x86_64 its CPUID table, else its register list. */
bool cm_snap_has_content(const struct cm_snapshot *s);

/* The scanner: reads a snapshot written in the canonical layout without a
 * json-c tree.  The text must be writable: strings are cut in place while
 * scanning, and put back when it declines.  Returns 1 with *out set (the
 * text is then cut up), or 0 ("declined", the text as it was) for anything
 * it does not take: the caller then reads the text with json-c, which
 * accepts it or reports the error.  It never accepts what json-c's path
 * refuses (tests/unit/test_snapshot_scan.c, fuzz/fuzz_snapshot_scan.c). */
int cm_snapshot_scan(char *text, size_t len, struct cm_snapshot **out);

#endif
