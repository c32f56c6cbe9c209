/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exports: a model turned into what a VMM consumes, for one host.
 *
 * One table (formats.c) maps a format name to a function.  The framework
 * (export.c) decodes the model and the host, checks they are one arch,
 * computes the model's digest, refuses a host that cannot reach the model
 * (cm_enforceable: the reasons, no output; enum cm_export_reach says which
 * reasons count for a format) and only then calls the format.
 * A format fills `text` (what the VMM reads: a template, a -cpu argument,
 * XML), optionally `data` (the same, structured, for --json and Varlink),
 * and `cannot` (model restrictions it cannot express, one reason each,
 * rule "cannot-express").  It may also set ok = false with its own reasons.
 *
 * Adding a format: write `int cm_export_<name>(const struct cm_export_req *,
 * struct cm_export *, cm_error *)` in export/<name>.c (picked up by the glob
 * in export/CMakeLists.txt; link extra libraries to `cmexport` there),
 * declare it below and put it in the table in formats.c.  The "libvirt"
 * entry is already there with fn = NULL ("not built"): replace NULL.
 */
#ifndef CPUMODEL_EXPORT_H
#define CPUMODEL_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cpumodel/cpumodel.h"

struct json_object;

/* What a format gets (all borrowed, all non-NULL). */
struct cm_export_req {
    const struct cm_snapshot *model_snap; /* kind "model", or a host used as a model */
    const struct cm_vector *model;
    const struct cm_snapshot *host_snap;  /* the host the output is for */
    const struct cm_vector *host;
    const char *digest;                   /* the model's "sha256:…" */
};

/* What a format produces. */
struct cm_export {
    const char *format, *arch;
    char *model_name, *host_name;
    char digest[CM_DIGEST_LEN];
    bool ok;                   /* false: the host cannot reach the model; `reasons` say why, no text */
    char *text;                /* the output as the VMM reads it */
    struct json_object *data;  /* the output structured (owned), may be NULL */
    struct cm_reasons cannot;  /* what the format cannot express (rule "cannot-express") */
    struct cm_reasons reasons; /* errors when !ok, warnings otherwise */
};

typedef int (*cm_export_fn)(const struct cm_export_req *req, struct cm_export *out, cm_error *err);

/* Which hosts a format refuses (before it runs). */
enum cm_export_reach {
    /* The output has KVM present the model (register writes before the
     * first KVM_RUN, like cpumodeld's plan): every reason cm_enforceable
     * gives blocks, including values this host's kernel cannot write. */
    CM_EXPORT_REACH_PLAN = 0,
    /* The output asks the VMM for features: a host that lacks what the model
     * has blocks; values KVM or the VMM cannot change (rules "not-writable",
     * "raw-bits", "unpredictable", "rollback-blocking") do not, the format
     * lists them as "cannot express". */
    CM_EXPORT_REACH_OFFER,
};

struct cm_export_format {
    const char *name;
    const char *what; /* one line for help output */
    cm_export_fn fn;  /* NULL: not built in this tree */
    enum cm_export_reach reach;
    unsigned arches;  /* 1u << enum cm_arch for each arch the format has; 0: all */
};

extern const struct cm_export_format cm_export_formats[];
extern const size_t cm_export_nformats;
const struct cm_export_format *cm_export_find(const char *name);
/* "firecracker, qemu, libvirt" (static buffer) */
const char *cm_export_names(void);

/* Runs `format` for model -> host.  Returns -1 (err set, CM_E_INPUT for an
 * unknown format or mismatched arches) only for bad input; a host that
 * cannot reach the model is a success with out->ok == false. */
int cm_export_make(const char *format, const struct cm_snapshot *model, const struct cm_snapshot *host,
                   struct cm_export *out, cm_error *err);
void cm_export_free(struct cm_export *e);
/* {"format","model","digest","host","arch","ok","output","data","cannot_express","reasons"} */
struct json_object *cm_export_to_json(const struct cm_export *e);

/* Adds a "cannot express" note (printf-style text). */
void cm_export_cannot(struct cm_export *out, const struct cm_vector *model, uint64_t reg, const char *field,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- formats ---- */
int cm_export_firecracker(const struct cm_export_req *req, struct cm_export *out, cm_error *err);
int cm_export_qemu(const struct cm_export_req *req, struct cm_export *out, cm_error *err);
int cm_export_libvirt(const struct cm_export_req *req, struct cm_export *out, cm_error *err);

#endif
