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

/* ---- what a verdict assumes ---------------------------------------------- */

/* Which question a verdict answers.  MIGRATION (the default): the guest's
 * saved state, every register of it, is restored on the destination, so a
 * value the destination cannot take (an identity register, an invariant
 * cache geometry) is refused.  BOOT: a guest freshly started there; such a
 * value is only seen differently (a warning). */
enum cm_reading { CM_READ_MIGRATION = 0, CM_READ_BOOT = 1 };

/* How the VMM restores.  RESTORE_ALL (the default; QEMU without the
 * x-mig-* properties, Firecracker): every saved register is written back and
 * KVM_SET_ONE_REG of a register the destination does not list fails with
 * ENOENT.  PLAN_AWARE: the VMM applies the plan's hidden (not saved) and
 * safe-missing (not restored) register lists. */
enum cm_restore { CM_RESTORE_ALL = 0, CM_RESTORE_PLAN_AWARE = 1 };

struct cm_assume {
    enum cm_reading reading;
    enum cm_restore restore;
};
const char *cm_reading_name(enum cm_reading r);  /* "migration", "boot" */
const char *cm_restore_name(enum cm_restore r);  /* "restore-all", "plan-aware" */
/* Parses the names above; false on anything else. */
bool cm_reading_parse(const char *s, enum cm_reading *out);
bool cm_restore_parse(const char *s, enum cm_restore *out);
struct json_object;
/* {"reading": …, "vmm": …} */
struct json_object *cm_assume_to_json(const struct cm_assume *a);

/* ---- the enforcement rule --------------------------------------------------
 * ONE function decides whether a model can be imposed on a host; baseline
 * (cm_enforceable*), compare and plan all call it.  It leaves out the init
 * features the model needs gone, checks every word against the host as KVM
 * then presents it, computes what the host presents after the plan's writes,
 * and classifies register-list differences under the VMM assumption. */

struct cm_extra_reg {
    uint64_t id;
    enum cm_rollback cls;
    bool write;              /* droppable after the source writes write_value */
    uint64_t write_value;
    char *why;
};

struct cm_enforcement {
    uint32_t drops;          /* init features left out (KVM_ARM_VCPU_INIT) */
    struct cm_vector after;  /* the host once they are left out */
    uint64_t *target;        /* per word: the value presented after the plan's writes */
    uint64_t *vanishing;     /* host registers leaving the list under the model */
    size_t nvanishing;
    struct cm_extra_reg *extras; /* host registers the model's kernels do not list */
    size_t nextras;
    uint32_t caps[4];        /* VM capabilities to enable before creating vCPUs */
    const char *cap_names[4];
    size_t ncaps;
};

#define CM_EF_ONE_WAY 0x1u   /* compare: the host's own extra registers are only noted (info) */

bool cm_enforce_rule(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                     unsigned flags, struct cm_reasons *reasons, size_t max_errors, struct cm_enforcement *out);
void cm_enforcement_free(struct cm_enforcement *e);

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
    struct cm_assume assume;              /* migration, and the VMM restore behaviour */
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
#define CM_BL_PLAN_AWARE 0x4u   /* members' VMMs apply the plan's register lists (else restore-all) */
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
/* The same under an explicit assumption (NULL = migration, restore-all). */
bool cm_enforceable_ex(const struct cm_vector *model, const struct cm_vector *host, const struct cm_assume *assume,
                       struct cm_reasons *reasons, size_t max_errors);

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
/* The same under an explicit assumption (NULL = migration, restore-all). */
bool cm_compare_ex(const struct cm_vector *from, const struct cm_vector *to, const struct cm_assume *assume,
                   struct cm_reasons *reasons);

/* A comparison with everything a caller shows: the verdict, the reasons, what
 * was assumed, and the VM capabilities the destination's VMM must enable for
 * the guest's values to be accepted (KVM_ENABLE_CAP before creating vCPUs).
 * The CLI and the daemon render it with cm_comparison_to_json. */
struct cm_comparison {
    bool compatible;
    struct cm_reasons reasons;
    struct cm_assume assume;
    uint32_t caps[4];
    const char *cap_names[4];
    size_t ncaps;
};
bool cm_comparison_run(const struct cm_vector *from, const struct cm_vector *to, const struct cm_assume *assume,
                       struct cm_comparison *out);
void cm_comparison_free(struct cm_comparison *c);

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
    struct cm_assume assume;          /* the VMM restore behaviour the plan was made for */
    uint32_t enable_caps[4];          /* VM capabilities the VMM must enable before creating vCPUs */
    const char *enable_cap_names[4];
    size_t nenable_caps;
};

int cm_plan_make(const struct cm_vector *model, const struct cm_snapshot *host, struct cm_plan *out, cm_error *err);
/* The same for a VMM restore behaviour (NULL = restore-all). */
int cm_plan_make_ex(const struct cm_vector *model, const struct cm_snapshot *host, const struct cm_assume *assume,
                    struct cm_plan *out, cm_error *err);
void cm_plan_free(struct cm_plan *p);
/* Applies a plan to a host vector (init drops, then writes), as KVM would. */
void cm_plan_apply(const struct cm_plan *p, struct cm_vector *host);
/* QEMU's x-mig-hidden-regs / x-mig-safe-missing-regs property strings
 * ("0x6030000000160003, 0x…"); caller frees.  Droppable registers are hidden
 * on the source; feature-hidden ones are safe to miss on the destination. */
char *cm_plan_qemu_hidden_regs(const struct cm_plan *p);
char *cm_plan_qemu_safe_missing_regs(const struct cm_plan *p);

/* ---- JSON renderings (libcpumodel/core/result_json.c) --------------------- */
struct json_object *cm_reasons_to_json(const struct cm_reasons *r);
/* {"model": <model snapshot + "fields">, "hosts": [...], "groups": [...], "incompatibilities": [...], "notes": [...]} */
struct json_object *cm_baseline_to_json(const struct cm_baseline *b, cm_error *err);
struct json_object *cm_plan_to_json(const struct cm_plan *p);
/* {compatible, assumes, enable_vm_capabilities, reasons} */
struct json_object *cm_comparison_to_json(const struct cm_comparison *c);
const char *cm_severity_name(enum cm_severity s);
const char *cm_rollback_name(enum cm_rollback c);

#endif
