/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Negotiation: baseline (largest common subset), enforceability and
 * compatibility groups, compare (A -> B with a reason per field), and the
 * restriction plan (the register writes a source VMM makes before KVM_RUN).
 */
#ifndef CPUMODEL_NEGOTIATE_H
#define CPUMODEL_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/arch.h"
#include "cpumodel/error.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/vector.h"

enum cm_severity {
    CM_SEV_ERROR = 0, /* incompatible / not enforceable */
    CM_SEV_WARNING,   /* works, but the guest may notice (identity registers…) */
    CM_SEV_INFO,
};

struct cm_reason {
    enum cm_severity sev;
    char *host;       /* the host it is about (may be NULL) */
    uint64_t reg;     /* register / feature word id (0 if none) */
    char *reg_name;
    char *field;      /* NULL: the whole register */
    bool has_values;
    uint64_t have;    /* the host's (destination's) value */
    uint64_t want;    /* the model's (source's) value */
    char *rule;       /* short machine word: "LOWER_SAFE", "not-writable", "missing-register", … */
    char *text;       /* one readable sentence */
};

struct cm_reasons {
    struct cm_reason *v;
    size_t n, cap;
};
void cm_reasons_add(struct cm_reasons *r, const struct cm_reason *tmpl); /* deep-copies strings */
void cm_reasons_free(struct cm_reasons *r);
size_t cm_reasons_count(const struct cm_reasons *r, enum cm_severity sev);

/* ---- baseline ------------------------------------------------------------ */

struct cm_host_verdict {
    bool enforceable;          /* the model can be imposed on this host */
    struct cm_reasons reasons; /* why not (errors) and what the guest may notice (warnings) */
};

struct cm_group {
    size_t *members;           /* indices into cm_baseline.hosts */
    size_t nmembers;
    struct cm_vector model;    /* the group's baseline, enforceable on every member */
    char *why;                 /* why this group is split from the others */
};

struct cm_baseline {
    size_t nhosts;
    const struct cm_vector *const *hosts; /* borrowed */
    struct cm_vector model;               /* merged over all hosts */
    struct cm_host_verdict *verdicts;     /* nhosts */
    bool enforceable_everywhere;
    struct cm_reasons incompat;           /* fields with no common value (EQUAL policy…) */
    struct cm_reasons notes;              /* registers not listed by every host, identity differences */
    struct cm_group *groups;              /* computed when !enforceable_everywhere or incompatible */
    size_t ngroups;
};

/* Merges the vectors (all one arch, else CM_E_MISMATCH naming the hosts).
 * Inputs may be models.  `with_groups` also computes compatibility groups
 * when one model does not fit all. */
int cm_baseline(const struct cm_vector *const *hosts, size_t n, bool with_groups, struct cm_baseline *out,
                cm_error *err);
void cm_baseline_free(struct cm_baseline *b);

/* Flags for cm_baseline_ex */
#define CM_BL_GROUPS 0x1u      /* compute compatibility groups when one model does not fit all */
#define CM_BL_FIRST_REASON 0x2u /* per host, stop at the first error (large clusters: the verdict,
                                   not the full list of reasons) */
int cm_baseline_ex(const struct cm_vector *const *hosts, size_t n, unsigned flags, struct cm_baseline *out,
                   cm_error *err);

/* Merge only (no verdicts): out = merge(hosts). */
int cm_merge(const struct cm_vector *const *hosts, size_t n, struct cm_vector *out, struct cm_reasons *incompat,
             struct cm_reasons *notes, cm_error *err);

/* Hosts that limit a model field: those whose own value equals the merged
 * value while some host differs.  Returns the count; fills idx (nhosts). */
size_t cm_limited_by(const struct cm_vector *const *hosts, size_t n, const struct cm_vector *model, size_t slot,
                     const struct cm_field *f, size_t *idx);

/* Is `model` enforceable on `host`?  Reasons (errors + warnings) appended. */
bool cm_enforceable(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons);
/* The same, stopping once `max_errors` errors were found (0 = all). */
bool cm_enforceable_max(const struct cm_vector *model, const struct cm_vector *host, struct cm_reasons *reasons,
                        size_t max_errors);

/* A model snapshot for a merged vector (register list, feature values,
 * members), ready for JSON and for use as an input again. */
struct cm_snapshot *cm_model_snapshot(const struct cm_vector *model, const struct cm_vector *const *members,
                                      size_t nmembers, cm_error *err);

/* ---- compare ------------------------------------------------------------- */

/* Can a guest using `from` (a model or a source host) run on `to`?  Every
 * field the destination cannot provide or enforce is a reason with both
 * values and the rule that failed; registers `from` lists and `to` does not
 * are classified as in a rollback plan. */
bool cm_compare(const struct cm_vector *from, const struct cm_vector *to, const struct cm_snapshot *to_snap,
                struct cm_reasons *reasons);

/* ---- plan ---------------------------------------------------------------- */

struct cm_write {
    uint64_t id;
    char *name;
    uint8_t order;          /* enum cm_order */
    uint64_t old_value, new_value;
    char *why;              /* which fields change */
};

struct cm_rollback_reg {
    uint64_t id;
    char *name;
    enum cm_rollback cls;
    char *why;
};

struct cm_plan {
    char *host;
    char *model;
    bool ok;                          /* every change is enforceable and nothing blocks */
    uint32_t drop_init_features;      /* arm64 KVM_ARM_VCPU_INIT bits to leave out */
    struct cm_write *writes;          /* in KVM order: ID registers, firmware, config, others */
    size_t nwrites;
    uint64_t *vanishing;              /* registers leaving the host's list */
    size_t nvanishing;
    struct cm_rollback_reg *rollback; /* host registers the model's (older) kernels lack */
    size_t nrollback;
    struct cm_reasons reasons;        /* errors: what cannot be enforced / blocks rollback */
    struct json_object *extra;        /* arch extras, may be NULL */
};

int cm_plan_make(const struct cm_vector *model, const struct cm_snapshot *host, struct cm_plan *out, cm_error *err);
void cm_plan_free(struct cm_plan *p);
/* Applies a plan to a host vector (init drops, then writes), as KVM would. */
void cm_plan_apply(const struct cm_plan *p, struct cm_vector *host);
/* QEMU's x-mig-hidden-regs / x-mig-safe-missing-regs property strings
 * ("0x6030000000160003, 0x…"); caller frees.  Droppable registers are hidden
 * on the source; feature-hidden ones are safe to miss on the destination. */
char *cm_plan_qemu_hidden_regs(const struct cm_plan *p);
char *cm_plan_qemu_safe_missing_regs(const struct cm_plan *p);

/* ---- JSON renderings (libcpumodel/core/result_json.c) --------------------- */
struct json_object;
struct json_object *cm_reasons_to_json(const struct cm_reasons *r);
/* {"model": <model snapshot + "fields">, "hosts": [...], "groups": [...], "incompatibilities": [...], "notes": [...]} */
struct json_object *cm_baseline_to_json(const struct cm_baseline *b, cm_error *err);
struct json_object *cm_plan_to_json(const struct cm_plan *p);
const char *cm_severity_name(enum cm_severity s);
const char *cm_rollback_name(enum cm_rollback c);

#endif
