/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86_64 driver's ids and helpers (docs/x86_64.md).
 *
 * x86 has no ONE_REG for CPUID, so each CPUID output register the driver
 * models gets a *pseudo-id* inside the x86 arch byte (0x20).  It cannot
 * collide with a real 6.18 ONE_REG id (KVM-FACTS.md §C.1): real ids carry
 * type 2 (MSR) or 3 (KVM) in bits 39:32 and zero in bits 51:40, which KVM
 * checks; pseudo-ids use the type byte 0xC0 + register (EAX..EDX) and put the
 * subleaf in the reserved bits 47:40, so KVM would reject one with EINVAL.
 *
 *   63:56 0x20 (KVM_REG_X86)   55:52 size U32 (2)   47:40 subleaf (0..255)
 *   39:32 0xC0 | reg (0 EAX, 1 EBX, 2 ECX, 3 EDX)    31:0 leaf
 *
 * Feature MSRs use the real 6.18 id KVM_X86_REG_ID(2, index)
 * = 0x2030000200000000 | index; KVM's SSP register is 0x2030000300000000.
 */
#ifndef CPUMODEL_X86_64_X86_H
#define CPUMODEL_X86_64_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/arch.h"

enum cm_x86_reg { CM_X86_EAX = 0, CM_X86_EBX, CM_X86_ECX, CM_X86_EDX };

#define CM_X86_ARCH 0x2000000000000000ULL
#define CM_X86_SIZE_U32 0x0020000000000000ULL
#define CM_X86_MSR_BASE 0x2030000200000000ULL
#define CM_X86_KVM_SSP 0x2030000300000000ULL
#define CM_X86_CPUID_TYPE 0xC0u

#define CM_X86_MSR_ID(index) (CM_X86_MSR_BASE | (uint32_t)(index))
#define CM_X86_CPUID_ID(leaf, sub, reg)                                                                       \
    (CM_X86_ARCH | CM_X86_SIZE_U32 | ((uint64_t)((sub) & 0xffu) << 40) |                                     \
     ((uint64_t)(CM_X86_CPUID_TYPE | (reg)) << 32) | (uint32_t)(leaf))

/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX (sic, the uapi spelling) */
#define CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX 1u

static inline bool cm_x86_is_msr_id(uint64_t id) { return (id & 0xffffffff00000000ULL) == CM_X86_MSR_BASE; }
static inline bool cm_x86_is_cpuid_id(uint64_t id)
{
    return (id & 0xffff000000000000ULL) == (CM_X86_ARCH | CM_X86_SIZE_U32) &&
           ((id >> 32) & 0xfc) == CM_X86_CPUID_TYPE;
}
/* A whole CPUID leaf as a register (its presence in a host's table): size
 * U128 (EAX | EBX << 32, ECX | EDX << 32), type byte 0xC4, subleaf and leaf
 * as above.  Only in register lists (cm_x86_snapshot_registers()). */
#define CM_X86_SIZE_U128 0x0040000000000000ULL
#define CM_X86_LEAF_TYPE 0xC4u
#define CM_X86_LEAF_ID(leaf, sub)                                                                             \
    (CM_X86_ARCH | CM_X86_SIZE_U128 | ((uint64_t)((sub) & 0xffu) << 40) | ((uint64_t)CM_X86_LEAF_TYPE << 32) | \
     (uint32_t)(leaf))
static inline bool cm_x86_is_leaf_id(uint64_t id)
{
    return (id & 0xffff000000000000ULL) == (CM_X86_ARCH | CM_X86_SIZE_U128) &&
           ((id >> 32) & 0xff) == CM_X86_LEAF_TYPE;
}
static inline uint32_t cm_x86_id_leaf(uint64_t id) { return (uint32_t)id; }
static inline uint32_t cm_x86_id_subleaf(uint64_t id) { return (uint32_t)((id >> 40) & 0xff); }
static inline enum cm_x86_reg cm_x86_id_reg(uint64_t id) { return (enum cm_x86_reg)((id >> 32) & 3); }
static inline uint32_t cm_x86_id_msr(uint64_t id) { return (uint32_t)id; }

/* MSR indices the driver treats as feature words. */
#define CM_X86_MSR_UCODE_REV 0x8bu
#define CM_X86_MSR_PLATFORM_INFO 0xceu
#define CM_X86_MSR_ARCH_CAPABILITIES 0x10au
#define CM_X86_MSR_PERF_CAPABILITIES 0x345u

/* ---- tables (words.c) ---- */
/* The word count is a constant so the ops struct can be a constant initialiser;
 * words.c fails to compile if the table and this number disagree. */
#define CM_X86_NWORDS 50
extern const struct cm_word cm_x86_words[CM_X86_NWORDS];
#define cm_x86_nwords ((size_t)CM_X86_NWORDS)

/* Does leaf `leaf` carry a meaningful subleaf (KVM sets SIGNIFICANT_INDEX)? */
bool cm_x86_leaf_indexed(uint32_t leaf);

/* ---- CPUID table access (cpuid.c) ---- */
/* The entry for leaf/subleaf, honouring SIGNIFICANT_INDEX; NULL when absent. */
const struct cm_cpuid_entry *cm_x86_cpuid_find(const struct cm_cpuid_entry *t, size_t n, uint32_t leaf,
                                               uint32_t sub);
uint32_t cm_x86_cpuid_reg(const struct cm_cpuid_entry *e, enum cm_x86_reg r);
void cm_x86_cpuid_set_reg(struct cm_cpuid_entry *e, enum cm_x86_reg r, uint32_t v);
/* Highest leaf of the range `leaf` belongs to (basic, 0x4000xxxx, 0x8000xxxx),
 * read from the range's first leaf in the table; 0 when the table lacks it. */
uint32_t cm_x86_range_max(const struct cm_cpuid_entry *t, size_t n, uint32_t leaf);
/* Is `leaf` within its range's maximum (the "leaves above max vanish" rule)? */
bool cm_x86_leaf_in_range(uint32_t leaf, uint32_t range_max);
/* Rejects a table with a leaf/subleaf twice; the error names the leaf. */
int cm_x86_cpuid_check(const struct cm_cpuid_entry *t, size_t n, const char *what, cm_error *err);

/* ---- models (driver.c) and plans (plan_cpuid.c) ---- */
/* The model's maximum leaf for leaf's range; UINT32_MAX when no word holds it. */
uint32_t cm_x86_model_range_max(const struct cm_vector *m, uint32_t leaf);
/* Does a guest of the model see leaf/subleaf (not above its maximum leaf/subleaf)? */
bool cm_x86_model_has_leaf(const struct cm_vector *m, uint32_t leaf, uint32_t sub);
/* ops->plan_extra: {"cpuid": [...] for KVM_SET_CPUID2, "msrs": [...]} (read by probe/verify_x86_64.c) */
struct json_object *cm_x86_plan_extra(const struct cm_vector *model, const struct cm_snapshot *host);

/* ---- register lists (registers.c) ---- */
/* x86 hosts before 6.18 have no register list.  This gives a snapshot one:
 * every CPUID leaf/subleaf of its table as a leaf register (CM_X86_LEAF_ID,
 * value = the four registers) and every MSR as its 6.18 ONE_REG id (value
 * from s->msrs; MSRs only in s->msr_index_list are flagged NOVALUE), so that
 * the engine reports leaves and MSRs one kernel has and another lacks, and
 * classify_missing() can judge them.  Ids already listed are kept; idempotent.
 * Importers/probes call it after filling s->cpuid and s->msrs. */
int cm_x86_snapshot_registers(struct cm_snapshot *s, cm_error *err);

/* ---- names (names.c) ---- */
/* Known MSR names ("IA32_ARCH_CAPABILITIES"); NULL if unknown. */
const char *cm_x86_msr_name(uint32_t index);
/* "CPUID.07.0.EBX" */
const char *cm_x86_cpuid_name(uint32_t leaf, uint32_t sub, enum cm_x86_reg r, char *buf, size_t len);

/* The named feature flags (1-bit BITMAP fields, Linux /proc/cpuinfo names)
 * set in v, in table order.  Fills up to max names (may be 0 / NULL) and
 * returns how many there are in total.  For `cpumodeld show`. */
size_t cm_x86_flag_names(const struct cm_vector *v, const char **names, size_t max);
/* Is the named flag set (and its word present with a value)?  -1: no such flag name. */
int cm_x86_has_flag(const struct cm_vector *v, const char *name);
/* Where a flag lives: slot and field; false if the name is unknown. */
bool cm_x86_find_flag(const char *name, size_t *slot, const struct cm_field **f);

/* ---- MSR knowledge (msrs.c) ---- */
struct cm_x86_msr_info {
    uint32_t index;
    const char *name;
    uint64_t gate;      /* CPUID pseudo-id of the word holding the feature flag that enables it (0 none) */
    uint8_t gate_bit;
    uint64_t dflt;      /* the value a kernel that does not save it leaves the guest with */
    bool is_volatile;   /* changes run to run (TSC) */
    bool identity;      /* identity, not state: a difference is drift (microcode revision) */
    bool since_4_14;    /* saved by every KVM from 4.14 on (listed in all the 4.14 dumps of CPUs having it) */
};
const struct cm_x86_msr_info *cm_x86_msr_info(uint32_t index);

/* Vendors by name (vendors.c): the vendor whose CPUID leaf-0 piece in field f
 * (vendor[0:3], [4:7], [8:11]) is v, NULL if none; the cm_x86_64_ops
 * value_meaning hook ("AuthenticAMD"; an unknown vendor's piece as "\"Abcd\""). */
const char *cm_x86_vendor_name(const struct cm_field *f, uint32_t v);
bool cm_x86_value_meaning(const struct cm_word *w, const struct cm_field *f, uint64_t v, char *buf, size_t len);

#endif
