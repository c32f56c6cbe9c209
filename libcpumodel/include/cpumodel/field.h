/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Feature words and fields: the declarative tables every architecture writes.
 *
 * A *feature word* is one slot of a host's feature vector: an arm64 ID
 * register, a firmware pseudo-register, a RISC-V ISA_EXT register, an x86
 * CPUID output register or feature MSR.  Its fields are described one line
 * each, like arch/arm64/kernel/cpufeature.c: name, shift, width, sign, merge
 * policy, safe value.  Bits no field covers are "raw": kept when every host
 * agrees, else 0 (the reading KVM's sanitisation gives them).
 */
#ifndef CPUMODEL_FIELD_H
#define CPUMODEL_FIELD_H

#include <stdbool.h>
#include <stdint.h>

#include "cpumodel/util.h"

enum cm_policy {
    CM_POL_LOWER_SAFE = 0,      /* min (signed compare when is_signed; 0xF = -1 = NI) */
    CM_POL_HIGHER_SAFE,         /* max */
    CM_POL_HIGHER_OR_ZERO_SAFE, /* 0 if either is 0, else max */
    CM_POL_EXACT,               /* equal, else the table's safe value */
    CM_POL_BITMAP,              /* bitwise AND: the destination must have every bit the guest may use */
    CM_POL_BITMAP_INVERTED,     /* bitwise OR: a set bit means "absent" (x86 CPUID.0xA EBX) */
    CM_POL_EQUAL,               /* must be equal on every host, else incompatible (vendor, block sizes) */
    CM_POL_IDENTITY,            /* identity, not capability (MIDR, family/model): kept when equal,
                                   else the model has no value; a difference is a warning */
    CM_POL_IGNORE,              /* per-vCPU or run-time values (APIC id, topology): never compared */
    CM_POL_CUSTOM,              /* field->custom decides (PSCI version, SMCCC workaround levels) */
};

struct cm_custom_policy {
    const char *name;
    /* Common value of a and b; false when there is none (then the field is
     * incompatible and a is kept).  Required, as of every built-in policy:
     * merge(a, a) gives a, and a value that merged once keeps merging without
     * changing what it merges into: merge(a, b) = m succeeding, then m moved
     * on by more merges (failed ones keep it) to m', merge(m', b) succeeds
     * and gives m'.  The merge counts on it to fold each value once
     * (tests/unit/test_custom_policies.c checks every custom policy). */
    bool (*merge)(uint64_t a, uint64_t b, uint64_t *out);
    /* Can a host whose own value is `host` give a guest the value `want`? */
    bool (*provides)(uint64_t host, uint64_t want);
};

struct cm_field {
    const char *name;
    uint8_t shift;
    uint8_t width;
    bool is_signed;
    uint8_t policy; /* enum cm_policy */
    uint64_t safe;  /* CM_POL_EXACT: the safe value */
    const struct cm_custom_policy *custom;
    /* Arch-specific: the first kernel on which KVM lets userspace change this
     * field (0 = never).  The arch driver interprets it. */
    cm_kver writable_since;
    uint32_t aux; /* arch-specific (arm64: the vCPU init feature bit + 1 that controls it, 0 none) */
};

/* feature word flags */
#define CM_WORDF_RAZ 0x1u      /* unallocated / hidden slot: reads as zero */
#define CM_WORDF_NOVALUE 0x2u  /* presence matters, value does not */
#define CM_WORDF_DERIVED 0x4u  /* KVM derives the value per VM from other registers (arch presented()) */
#define CM_WORDF_PINNABLE 0x8u /* some kernels cannot change it at all (arch pinned()): identity, cache geometry */
#define CM_WORDF_WRITTEN 0x10u /* the VMM writes the whole word before the first KVM_RUN (x86 CPUID through
                                  KVM_SET_CPUID2): the arch's enforce() answers WRITE for every BITMAP field the
                                  host provides and for raw bits the host has (tests/unit/test_x86_driver.c) */

/* plan ordering classes: KVM wants ID registers first, then firmware, then the rest */
enum cm_order {
    CM_ORDER_ID = 0,
    CM_ORDER_FIRMWARE = 1,
    CM_ORDER_CONFIG = 2, /* riscv config / ISA_EXT / SBI_EXT, x86 CPUID */
    CM_ORDER_OTHER = 3,  /* x86 MSRs, anything else */
};

struct cm_word {
    uint64_t id;       /* ONE_REG id, or an arch pseudo-id (documented by the arch) */
    const char *name;
    const struct cm_field *fields;
    uint16_t nfields;
    uint8_t order;     /* enum cm_order */
    uint8_t bits;      /* 32 or 64: the width raw bits are taken from */
    uint32_t flags;    /* CM_WORDF_* */
    uint32_t aux;      /* arch-specific */
};

static inline uint64_t cm_field_mask(const struct cm_field *f)
{
    return (f->width >= 64 ? ~0ULL : ((1ULL << f->width) - 1)) << f->shift;
}
static inline uint64_t cm_field_get(const struct cm_field *f, uint64_t word)
{
    return (word & cm_field_mask(f)) >> f->shift;
}
static inline uint64_t cm_field_put(const struct cm_field *f, uint64_t word, uint64_t v)
{
    return (word & ~cm_field_mask(f)) | ((v << f->shift) & cm_field_mask(f));
}
/* The bits of a word that no field covers (within w->bits). */
uint64_t cm_word_raw_mask(const struct cm_word *w);

/* Merges two field values by the field's policy.  Returns false when they
 * have no common value (CM_POL_EQUAL mismatch, custom failure); *out is then
 * left as `a`.  CM_POL_IDENTITY returns false on a difference too: callers
 * treat that as "no value", not as an incompatibility. */
bool cm_field_merge(const struct cm_field *f, uint64_t a, uint64_t b, uint64_t *out);
/* Can a host presenting `host` give a guest `want` (i.e. merge(want, host) == want)? */
bool cm_field_provides(const struct cm_field *f, uint64_t host, uint64_t want);
/* Signed/unsigned ordering used by LOWER/HIGHER policies: <0, 0, >0 */
int cm_field_cmp(const struct cm_field *f, uint64_t a, uint64_t b);

const char *cm_policy_name(const struct cm_field *f); /* "LOWER_SAFE", …, custom->name */
/* A field value for a person: "0x1", or "0xf (-1: not implemented)" for a signed field's -1. */
const char *cm_field_value_text(const struct cm_field *f, uint64_t v, char *buf, size_t n);

#endif
