/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A snapshot is everything needed to negotiate for one host (or one model):
 * identity, KVM capabilities, vCPU init features, the register list with every
 * value, arm64 writable masks, and on x86 the CPUID table and feature MSRs.
 *
 * A CPU model (the result of a baseline) is also a snapshot, with kind MODEL
 * and a member list; that is what makes baseline(baseline(A,B),C) work and
 * lets `plan MODEL HOST` read either.
 *
 * Register values of any size are stored as 64-bit little-endian words in one
 * pool (`words`); a register of N bytes uses max(1, N/8) words.  U32 and
 * smaller registers occupy the low bits of one word.
 */
#ifndef CPUMODEL_SNAPSHOT_H
#define CPUMODEL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/error.h"
#include "cpumodel/util.h"

#define CM_SNAPSHOT_SCHEMA "cpumodel.snapshot/1"

enum cm_arch {
    CM_ARCH_UNKNOWN = 0,
    CM_ARCH_ARM64,
    CM_ARCH_RISCV64,
    CM_ARCH_X86_64,
};
#define CM_ARCH_LAST CM_ARCH_X86_64 /* the largest value above (arrays indexed by arch) */
/* The architectures' names and facts, from the one list (core/arch_registry.c) */
const char *cm_arch_name(enum cm_arch a);          /* "arm64", "riscv64", "x86_64" */
enum cm_arch cm_arch_from_name(const char *name);  /* also accepts aarch64, amd64 */
enum cm_arch cm_arch_at(size_t i);                 /* the i-th known arch, CM_ARCH_UNKNOWN past the end */
uint64_t cm_arch_reg_prefix(enum cm_arch a);       /* its ONE_REG ids' top byte (CM_REG_*) */
bool cm_arch_has_cpuid_tables(enum cm_arch a);     /* snapshots always carry cpuid/msrs tables */

enum cm_snapshot_kind {
    CM_KIND_HOST = 0,
    CM_KIND_MODEL,
};

/* ONE_REG id helpers (generic layout, all arches) */
#define CM_REG_ARCH_MASK 0xff00000000000000ULL
#define CM_REG_ARM64 0x6000000000000000ULL
#define CM_REG_RISCV 0x8000000000000000ULL
#define CM_REG_X86 0x2000000000000000ULL
#define CM_REG_SIZE_SHIFT 52
#define CM_REG_SIZE_MASK 0x00f0000000000000ULL
static inline size_t cm_reg_bytes(uint64_t id) { return (size_t)1 << ((id & CM_REG_SIZE_MASK) >> CM_REG_SIZE_SHIFT); }
static inline size_t cm_reg_words(uint64_t id) { size_t b = cm_reg_bytes(id); return b < 8 ? 1 : b / 8; }

/* register flags */
#define CM_REGF_VOLATILE 0x1u /* changes run to run (timer counters): never compared */
#define CM_REGF_NOVALUE 0x2u  /* listed, but no meaningful value (state registers in a model) */

struct cm_reg {
    uint64_t id;
    uint32_t flags;
    uint32_t off; /* index of the first word in snapshot->words */
};

struct cm_cap {
    uint32_t id;
    int64_t sys;      /* KVM_CHECK_EXTENSION on /dev/kvm */
    int64_t vm;       /* on a VM fd; equal to sys when has_vm is false */
    bool has_vm;
};

struct cm_cpuid_entry {
    uint32_t function, index, flags;
    uint32_t eax, ebx, ecx, edx;
};

struct cm_msr {
    uint32_t index;
    uint64_t value;
};

/* A named value the probe measured that is neither a register nor a
 * capability (e.g. a register read back under a changed VM configuration).
 * Names are [a-z0-9_.]+, "<arch>.<what>"; unique within a snapshot. */
struct cm_fact {
    char *name;
    uint64_t value;
};

/* SMCCC_ARCH_WORKAROUND_2 read on a scratch VM whose ID_AA64PFR1_EL1.SSBS was
 * written to 0 (Linux >= 6.12, hosts with SSBS): what the host presents to a
 * model without SSBS (KVM-FACTS §A.4, docs/arm64.md). */
#define CM_FACT_ARM64_WA2_WITHOUT_SSBS "arm64.wa2_without_ssbs"

/* Writability ground truth (docs/snapshot-format.md): 1 = KVM took a lowered
 * ID register value (the generic writable-ID-register mechanism, or a
 * backport of it), 0 = refused.  Measured by the probe on a scratch vCPU,
 * or stated by the operator (`--fact writable-id-regs=yes`). */
#define CM_FACT_ARM64_WRITABLE_ID_REGS "arm64.writable_id_regs"
/* 1 = a VM with KVM_CAP_ARM_WRITABLE_IMP_ID_REGS enabled took another
 * MIDR_EL1, 0 = the enable or the write was refused. */
#define CM_FACT_ARM64_WRITABLE_IMP_ID_REGS "arm64.writable_imp_id_regs"

struct cm_snapshot {
    enum cm_arch arch;
    enum cm_snapshot_kind kind;

    char *host;          /* host name (models: the model's name) */
    char *kernel;        /* uname -r */
    cm_kver kver;        /* parsed from kernel; for models: the oldest member */
    int api_version;     /* KVM_GET_API_VERSION, 0 if unknown */
    char *cpu;           /* CPU identity string (model name, MIDR…), may be NULL */
    char *microcode;     /* may be NULL */
    char *bios;          /* "version revision", may be NULL */
    char *source;        /* "probe", "firecracker:<file>", "file:<file>", "baseline" */
    char *created;       /* ISO 8601 UTC */
    double probe_ms;     /* probe duration, 0 if not probed */
    bool partial;        /* a probe that did not complete: never negotiated silently */

    struct cm_cap *caps;
    size_t ncaps;

    /* arm64 KVM_ARM_VCPU_INIT features[0] used for the register read-out */
    bool has_vcpu_features;
    uint32_t vcpu_features;
    uint32_t preferred_target; /* arm64 KVM_ARM_PREFERRED_TARGET, 0 unknown */

    struct cm_reg *regs; /* sorted by id, unique */
    size_t nregs;
    uint64_t *words;
    size_t nwords;

    /* arm64 KVM_ARM_GET_REG_WRITABLE_MASKS: NULL when unknown */
    uint64_t *writable_masks; /* CM_ARM64_MASKS_LEN entries */

    /* x86_64 */
    struct cm_cpuid_entry *cpuid; /* KVM_GET_SUPPORTED_CPUID (or the imported table) */
    size_t ncpuid;
    struct cm_cpuid_entry *cpuid_emulated;
    size_t ncpuid_emulated;
    struct cm_msr *msrs; /* feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST + KVM_GET_MSRS) or imported MSRs */
    size_t nmsrs;
    uint32_t *msr_index_list; /* KVM_GET_MSR_INDEX_LIST */
    size_t nmsr_index_list;

    /* models */
    char **members;
    size_t nmembers;
    char *digest; /* "sha256:…" of the content (cpumodel/digest.h); NULL for hosts and old files */

    /* probe facts (cm_snapshot_add_fact), in the order added */
    struct cm_fact *facts;
    size_t nfacts;
    size_t cap_facts;

    /* bookkeeping for the add_* helpers */
    size_t cap_regs, cap_words, cap_caps, cap_cpuid, cap_cpuid_emulated, cap_msrs, cap_msr_index_list, cap_members;
    /* an add_reg out of id order since the last cm_snapshot_finish: lookups
     * must scan instead of bisect (kept so a lookup never re-checks the order) */
    bool regs_unsorted;
};

#define CM_ARM64_MASKS_LEN 192

struct cm_snapshot *cm_snapshot_new(enum cm_arch arch);
void cm_snapshot_free(struct cm_snapshot *s);
static inline void cm_snapshot_freep(struct cm_snapshot **s) { cm_snapshot_free(*s); }
#define _cleanup_snapshot_ __attribute__((cleanup(cm_snapshot_freep)))
struct cm_snapshot *cm_snapshot_dup(const struct cm_snapshot *s);
/* Equal in everything a rule may read: every field but the host name, the
 * source, the creation time and the probe's duration (two hosts of one kind
 * read from two files).  NULL equals only NULL. */
bool cm_snapshot_same_content(const struct cm_snapshot *a, const struct cm_snapshot *b);

void cm_snapshot_set_str(char **field, const char *value); /* frees the old value */

/* Adds a register; `val` has cm_reg_words(id) words (NULL = zeros).
 * Fails (CM_E_INPUT) on a duplicate id.  Registers may be added in any order;
 * call cm_snapshot_finish() before lookups. */
int cm_snapshot_add_reg(struct cm_snapshot *s, uint64_t id, const uint64_t *val, uint32_t flags, cm_error *err);
/* Sorts registers, checks duplicates; idempotent. */
int cm_snapshot_finish(struct cm_snapshot *s, cm_error *err);

const struct cm_reg *cm_snapshot_find_reg(const struct cm_snapshot *s, uint64_t id);
static inline const uint64_t *cm_snapshot_reg_val(const struct cm_snapshot *s, const struct cm_reg *r)
{
    return &s->words[r->off];
}
/* First word of a register's value; false if the register is absent. */
bool cm_snapshot_get_u64(const struct cm_snapshot *s, uint64_t id, uint64_t *out);
/* Overwrites (or adds) a register of at most 64 bits. */
void cm_snapshot_set_u64(struct cm_snapshot *s, uint64_t id, uint64_t v);

void cm_snapshot_add_cap(struct cm_snapshot *s, uint32_t id, int64_t sys, bool has_vm, int64_t vm);
const struct cm_cap *cm_snapshot_find_cap(const struct cm_snapshot *s, uint32_t id);
void cm_snapshot_add_cpuid(struct cm_snapshot *s, const struct cm_cpuid_entry *e);
void cm_snapshot_add_cpuid_emulated(struct cm_snapshot *s, const struct cm_cpuid_entry *e);
const struct cm_cpuid_entry *cm_snapshot_find_cpuid(const struct cm_snapshot *s, uint32_t function, uint32_t index);
void cm_snapshot_add_msr(struct cm_snapshot *s, uint32_t index, uint64_t value);
const struct cm_msr *cm_snapshot_find_msr(const struct cm_snapshot *s, uint32_t index);
void cm_snapshot_add_msr_index(struct cm_snapshot *s, uint32_t index);
void cm_snapshot_add_member(struct cm_snapshot *s, const char *name);
/* Facts: a name that is not [a-z0-9_.]+ or is already present fails (CM_E_INPUT). */
bool cm_fact_name_valid(const char *name);
int cm_snapshot_add_fact(struct cm_snapshot *s, const char *name, uint64_t value, cm_error *err);
const struct cm_fact *cm_snapshot_find_fact(const struct cm_snapshot *s, const char *name);

/* A short display name: host name, else source, else "(unnamed)". */
const char *cm_snapshot_name(const struct cm_snapshot *s);

/* ---- JSON (libcpumodel/core/snapshot_json.c) ------------------------------
 * Schema "cpumodel.snapshot/1".  Lossless round trip.  Register ids and values
 * are hex strings ("0x603000000013c020"); values wider than 64 bits are one hex
 * string of the full width.  `what` names the input (a file name) in errors. */
struct json_object;
struct json_object *cm_snapshot_to_json(const struct cm_snapshot *s);
int cm_snapshot_from_json(const struct json_object *o, const char *what, struct cm_snapshot **out, cm_error *err);
int cm_snapshot_to_json_string(const struct cm_snapshot *s, char **out); /* pretty, caller frees */
int cm_snapshot_parse(const char *text, size_t len, const char *what, struct cm_snapshot **out, cm_error *err);
int cm_snapshot_save(const struct cm_snapshot *s, const char *path, cm_error *err); /* atomic */

/* ---- Import (libcpumodel/core/import_firecracker.c) ---------------------- */
int cm_import_firecracker(const struct json_object *o, const char *what, struct cm_snapshot **out, cm_error *err);

/* Loads a file that is a snapshot, a baseline result ({"model":...}), or a
 * Firecracker fingerprint; the format is auto-detected.  Errors name the file,
 * the place (JSON path or byte offset) and the problem; nothing is half-loaded. */
int cm_snapshot_load(const char *path, struct cm_snapshot **out, cm_error *err);
/* The same detection on an already parsed JSON value (e.g. received over Varlink). */
int cm_snapshot_from_any_json(const struct json_object *o, const char *what, struct cm_snapshot **out,
                              cm_error *err);

#endif
