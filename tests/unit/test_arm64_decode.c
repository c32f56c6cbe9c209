/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 driver: decoding the six real Firecracker dumps (Neoverse N1 =
 * Graviton2, Neoverse V1 = Graviton3; kernels 4.14, 5.10, 6.1), the vector
 * layout, encode round trip and register names.
 *
 * Expected values come from Arm documentation (MIDR layout and part numbers
 * from the Arm ARM and the N1/V1 TRMs, ISA features of the cores) and from
 * what the dumps themselves say — never from the driver's tables.
 */
#include <stdio.h>
#include <string.h>

#include "../../libcpumodel/arm64/arm64.h" /* private helpers: slots, mask index */
#include "cpumodel/arch.h"
#include "cpumodel/vector.h"
#include "testlib.h"

/* ONE_REG ids computed from (op0,op1,CRn,CRm,op2), KVM-FACTS §A.1 */
#define SYSREG(op0, op1, crn, crm, op2)                                                                       \
    (0x6030000000130000ULL | ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) |   \
     ((uint64_t)(crm) << 3) | (op2))
#define MIDR SYSREG(3, 0, 0, 0, 0)
#define ID_PFR0 SYSREG(3, 0, 0, 1, 0)
#define ID_AA64PFR0 SYSREG(3, 0, 0, 4, 0)
#define ID_AA64ZFR0 SYSREG(3, 0, 0, 4, 4)
#define ID_AA64DFR0 SYSREG(3, 0, 0, 5, 0)
#define ID_AA64ISAR0 SYSREG(3, 0, 0, 6, 0)
#define ID_AA64ISAR1 SYSREG(3, 0, 0, 6, 1)
#define ID_AA64MMFR0 SYSREG(3, 0, 0, 7, 0)

static void load_vec(const char *name, struct cm_snapshot **s, struct cm_vector *v)
{
    cm_error err = {0};
    *s = tl_load(name);
    ck_assert_msg(cm_vector_from_snapshot(*s, v, &err) == 0, "%s: %s", name, err.msg);
}

static long slot_of(const struct cm_vector *v, uint64_t id)
{
    long i = cm_vector_word_index(v, id);
    ck_assert_msg(i >= 0, "no word 0x%llx", (unsigned long long)id);
    return i;
}

/* Field value looked up by name in the driver's word (the name is the Arm ARM's). */
static uint64_t field(const struct cm_vector *v, uint64_t id, const char *fname)
{
    long i = slot_of(v, id);
    ck_assert_msg(v->present[i], "word 0x%llx not present in %s", (unsigned long long)id, v->name);
    const struct cm_word *w = &v->ops->words[i];
    for (uint16_t k = 0; k < w->nfields; k++)
        if (!strcmp(w->fields[k].name, fname))
            return cm_field_get(&w->fields[k], v->val[i]);
    ck_abort_msg("%s has no field %s", w->name, fname);
    return 0;
}

START_TEST(all_fixtures_decode)
{
    for (size_t i = 0; i < 6; i++) {
        struct cm_snapshot *s;
        struct cm_vector v;
        load_vec(tl_arm64_fixtures[i], &s, &v);
        ck_assert_ptr_eq(v.ops, &cm_arm64_ops);
        ck_assert_uint_eq(v.ops->nwords, 83);
        /* every word present is exactly a register the dump lists, value = the dump's */
        size_t present = 0;
        for (size_t k = 0; k < v.ops->nwords; k++) {
            uint64_t val;
            bool listed = cm_snapshot_get_u64(s, v.ops->words[k].id, &val);
            ck_assert_int_eq(v.present[k], listed);
            if (listed) {
                ck_assert_uint_eq(v.val[k], val);
                present++;
            }
        }
        ck_assert_uint_gt(present, 4);
        ck_assert(v.has_vcpu_features);
        cm_vector_free(&v);
        cm_snapshot_free(s);
    }
}
END_TEST

START_TEST(midr_identity)
{
    static const struct {
        const char *name;
        uint64_t part;
    } cases[] = {
        /* Neoverse N1 TRM: MIDR_EL1.PartNum 0xD0C; Neoverse V1 TRM: 0xD40 */
        {"ARM_NEOVERSE_N1_4.14", 0xd0c}, {"ARM_NEOVERSE_N1_5.10", 0xd0c}, {"ARM_NEOVERSE_N1_6.1", 0xd0c},
        {"ARM_NEOVERSE_V1_4.14", 0xd40}, {"ARM_NEOVERSE_V1_5.10", 0xd40}, {"ARM_NEOVERSE_V1_6.1", 0xd40},
    };
    for (size_t i = 0; i < CM_ARRAY_SIZE(cases); i++) {
        struct cm_snapshot *s;
        struct cm_vector v;
        load_vec(cases[i].name, &s, &v);
        long k = slot_of(&v, MIDR);
        ck_assert(v.present[k]);
        uint64_t midr = v.val[k];
        /* Arm ARM MIDR_EL1: Implementer 31:24 (0x41 = Arm Ltd), Architecture 19:16 (0xF), PartNum 15:4 */
        ck_assert_uint_eq((midr >> 24) & 0xff, 0x41);
        ck_assert_uint_eq((midr >> 16) & 0xf, 0xf);
        ck_assert_uint_eq((midr >> 4) & 0xfff, cases[i].part);
        /* a single field covering MIDR's writable bits 31:0 (KVM-FACTS §A.3.1, 6.15); a migration
         * restores the value, so it is a VALUE the model carries, pinned where KVM cannot change it */
        const struct cm_word *w = &v.ops->words[k];
        ck_assert_uint_eq(w->nfields, 1);
        ck_assert_int_eq(w->fields[0].policy, CM_POL_CUSTOM);
        ck_assert(w->flags & CM_WORDF_PINNABLE);
        ck_assert_uint_eq(cm_field_mask(&w->fields[0]), 0xffffffffULL);
        cm_vector_free(&v);
        cm_snapshot_free(s);
    }
}
END_TEST

START_TEST(cpu_features_from_documentation)
{
    static const char *const kernels[] = {"5.10", "6.1"};
    for (size_t i = 0; i < 2; i++) {
        char n1n[64], v1n[64];
        snprintf(n1n, sizeof(n1n), "ARM_NEOVERSE_N1_%s", kernels[i]);
        snprintf(v1n, sizeof(v1n), "ARM_NEOVERSE_V1_%s", kernels[i]);
        struct cm_snapshot *s1, *s2;
        struct cm_vector n1, v1;
        load_vec(n1n, &s1, &n1);
        load_vec(v1n, &s2, &v1);
        /* Neoverse V1 (Armv8.4 + BF16/I8MM from 8.6) implements BFloat16 and Int8 matrix multiply;
         * Neoverse N1 (Armv8.2) does not. */
        ck_assert_uint_ge(field(&v1, ID_AA64ISAR1, "BF16"), 1);
        ck_assert_uint_ge(field(&v1, ID_AA64ISAR1, "I8MM"), 1);
        ck_assert_uint_eq(field(&n1, ID_AA64ISAR1, "BF16"), 0);
        ck_assert_uint_eq(field(&n1, ID_AA64ISAR1, "I8MM"), 0);
        /* both have the Armv8.1 LSE atomics: ID_AA64ISAR0_EL1.Atomic = 0b0010 */
        ck_assert_uint_eq(field(&n1, ID_AA64ISAR0, "ATOMIC"), 2);
        ck_assert_uint_eq(field(&v1, ID_AA64ISAR0, "ATOMIC"), 2);
        /* N1 is Armv8.2: DotProd yes, SHA3/SM4 no (crypto extension subset); V1 has SHA3 */
        ck_assert_uint_eq(field(&n1, ID_AA64ISAR0, "DP"), 1);
        ck_assert_uint_eq(field(&n1, ID_AA64ISAR0, "SHA3"), 0);
        ck_assert_uint_eq(field(&v1, ID_AA64ISAR0, "SHA3"), 1);
        /* FP and AdvSIMD implemented with half precision (0b0001) on both cores (signed fields) */
        ck_assert_uint_eq(field(&n1, ID_AA64PFR0, "FP"), 1);
        ck_assert_uint_eq(field(&v1, ID_AA64PFR0, "AdvSIMD"), 1);
        /* The V1 has SVE, but the dumps show PFR0.SVE = 0 on BOTH cores: Firecracker does not
         * request the KVM_ARM_VCPU_SVE init feature, and without it KVM clears SVE and makes
         * ID_AA64ZFR0_EL1 read as zero (KVM-FACTS §A.3.4).  We assert what the data says. */
        ck_assert_uint_eq(field(&n1, ID_AA64PFR0, "SVE"), 0);
        ck_assert_uint_eq(field(&v1, ID_AA64PFR0, "SVE"), 0);
        long z = slot_of(&v1, ID_AA64ZFR0);
        ck_assert(v1.present[z]);
        ck_assert_uint_eq(v1.val[z], 0);
        ck_assert(!(v1.vcpu_features & (1u << A64_FEAT_SVE)));
        /* EL1 and EL0 AArch64 (and AArch32 at EL0: 0b0010) */
        ck_assert_uint_ge(field(&n1, ID_AA64PFR0, "EL1"), 1);
        ck_assert_uint_eq(field(&n1, ID_AA64PFR0, "EL0"), 2);
        /* 4K granules supported (TGRAN4 = 0, signed 0xF would be "not implemented") */
        ck_assert_uint_eq(field(&n1, ID_AA64MMFR0, "TGRAN4"), 0);
        /* PSCI: KVM_ARM_VCPU_PSCI_0_2 was requested (the version is not 0.1) */
        ck_assert(n1.vcpu_features & (1u << A64_FEAT_PSCI_0_2));
        cm_vector_free(&n1);
        cm_vector_free(&v1);
        cm_snapshot_free(s1);
        cm_snapshot_free(s2);
    }
}
END_TEST

START_TEST(pmu_inferred_from_dumps)
{
    /* The 5.10 dumps list the PMU registers (PMCR_EL0 = S3_3_C9_C12_0) and show PMUVer 4
     * (PMUv3 for Armv8.1); the 6.1 dumps list none and show 0: Firecracker's vCPU setup
     * differed.  The inferred init features must follow the data. */
    struct cm_snapshot *a, *b;
    struct cm_vector v510, v61;
    load_vec("ARM_NEOVERSE_N1_5.10", &a, &v510);
    load_vec("ARM_NEOVERSE_N1_6.1", &b, &v61);
    ck_assert(cm_vector_has_reg(&v510, SYSREG(3, 3, 9, 12, 0)));
    ck_assert(!cm_vector_has_reg(&v61, SYSREG(3, 3, 9, 12, 0)));
    ck_assert_uint_eq(field(&v510, ID_AA64DFR0, "PMUVer"), 4);
    ck_assert_uint_eq(field(&v61, ID_AA64DFR0, "PMUVer"), 0);
    ck_assert(v510.vcpu_features & (1u << A64_FEAT_PMU_V3));
    ck_assert(!(v61.vcpu_features & (1u << A64_FEAT_PMU_V3)));
    /* no ptrauth keys listed, APA/API 0: no ptrauth */
    ck_assert(!(v61.vcpu_features & A64_FEAT_PTRAUTH_MASK));

    /* given init features are not overwritten by the inference */
    b->has_vcpu_features = true;
    b->vcpu_features = 1u << A64_FEAT_SVE;
    struct cm_vector g;
    cm_error err = {0};
    ck_assert_int_eq(cm_vector_from_snapshot(b, &g, &err), 0);
    ck_assert_uint_eq(g.vcpu_features, 1u << A64_FEAT_SVE);
    cm_vector_free(&g);

    /* drop_init_feature(PMU_V3) applies KVM's effect: PMUVer 0, PerfMon 0 */
    v510.ops->drop_init_feature(&v510, A64_FEAT_PMU_V3);
    ck_assert_uint_eq(field(&v510, ID_AA64DFR0, "PMUVer"), 0);
    ck_assert_uint_eq(field(&v510, SYSREG(3, 0, 0, 1, 2), "PerfMon"), 0);
    ck_assert(!(v510.vcpu_features & (1u << A64_FEAT_PMU_V3)));
    cm_vector_free(&v510);
    cm_vector_free(&v61);
    cm_snapshot_free(a);
    cm_snapshot_free(b);
}
END_TEST

START_TEST(old_kernel_lacks_id_registers)
{
    /* The 4.14 dumps list only a few ID registers: no AArch64 feature ID registers. */
    for (size_t i = 0; i < 2; i++) {
        struct cm_snapshot *s;
        struct cm_vector v;
        load_vec(i ? "ARM_NEOVERSE_V1_4.14" : "ARM_NEOVERSE_N1_4.14", &s, &v);
        ck_assert(!v.present[slot_of(&v, ID_AA64PFR0)]);
        ck_assert(!v.present[slot_of(&v, ID_AA64ISAR0)]);
        ck_assert(!v.present[slot_of(&v, ID_AA64ISAR1)]);
        ck_assert(!v.present[slot_of(&v, ID_AA64MMFR0)]);
        ck_assert(v.present[slot_of(&v, MIDR)]);
        ck_assert(v.present[slot_of(&v, ID_PFR0)]);
        /* firmware: only PSCI_VERSION (1.0) on 4.14, no workaround or bitmap registers */
        ck_assert(v.present[slot_of(&v, 0x6030000000140000ULL)]);
        ck_assert_uint_eq(v.val[slot_of(&v, 0x6030000000140000ULL)], 0x10000);
        ck_assert(!v.present[slot_of(&v, 0x6030000000140001ULL)]);
        ck_assert(!v.present[slot_of(&v, 0x6030000000160000ULL)]);
        size_t n = 0;
        for (size_t k = 0; k < 56; k++)
            n += v.present[k];
        ck_assert_uint_lt(n, 20);
        cm_vector_free(&v);
        cm_snapshot_free(s);
    }
}
END_TEST

START_TEST(layout_and_tables)
{
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_ARM64);
    ck_assert_ptr_eq(ops, &cm_arm64_ops);
    /* slots 0..55 are the feature ID space in encoding order (KVM-FACTS §A.1) */
    for (unsigned crm = 1; crm <= 7; crm++)
        for (unsigned op2 = 0; op2 < 8; op2++) {
            size_t k = (crm - 1) * 8 + op2;
            ck_assert_uint_eq(ops->words[k].id, SYSREG(3, 0, 0, crm, op2));
            ck_assert_int_eq(ops->words[k].order, CM_ORDER_ID);
        }
    /* unallocated / hidden slots are RAZ with no fields; allocated AArch64 ones have fields */
    static const unsigned raz[][2] = {{3, 3}, {3, 7}, {4, 3}, {4, 6}, {5, 3}, {5, 6}, {5, 7}, {6, 4},
                                      {6, 7}, {7, 5}, {7, 7}, {4, 5} /* SMFR0 hidden */, {1, 3} /* AFR0 */};
    for (size_t i = 0; i < CM_ARRAY_SIZE(raz); i++) {
        const struct cm_word *w = &ops->words[(raz[i][0] - 1) * 8 + raz[i][1]];
        ck_assert_msg(w->flags & CM_WORDF_RAZ, "%s should be RAZ", w->name);
        ck_assert_uint_eq(w->nfields, 0);
    }
    /* masks[] index (KVM-FACTS §A.3.2 examples) */
    ck_assert_int_eq(a64_mask_index(ID_AA64PFR0), 32);
    ck_assert_int_eq(a64_mask_index(ID_AA64ISAR0), 48);
    ck_assert_int_eq(a64_mask_index(ID_AA64MMFR0), 56);
    ck_assert_int_eq(a64_mask_index(MIDR), 0);
    ck_assert_int_eq(a64_mask_index(SYSREG(3, 0, 0, 0, 6)), 6);
    ck_assert_int_eq(a64_mask_index(SYSREG(3, 1, 0, 0, 7)), 71);
    ck_assert_int_eq(a64_mask_index(SYSREG(3, 3, 0, 0, 1)), 129);
    ck_assert_int_eq(a64_mask_index(SYSREG(3, 0, 1, 0, 0)), -1);
    /* fields never overlap and stay inside the word; firmware words are ordered after ID ones */
    for (size_t k = 0; k < ops->nwords; k++) {
        const struct cm_word *w = &ops->words[k];
        uint64_t seen = 0;
        for (uint16_t i = 0; i < w->nfields; i++) {
            const struct cm_field *f = &w->fields[i];
            ck_assert_uint_le(f->shift + f->width, w->bits);
            ck_assert_msg(!(seen & cm_field_mask(f)), "%s.%s overlaps", w->name, f->name);
            seen |= cm_field_mask(f);
        }
        ck_assert_int_eq(w->order, A64_GROUP(w->id) == A64_GROUP_SYSREG || A64_GROUP(w->id) == A64_GROUP_DEMUX
                                       ? CM_ORDER_ID
                                       : CM_ORDER_FIRMWARE);
        ck_assert_int_eq(a64_slot(w->id), (long)k);
    }
    /* KVM's overrides (§A.2): PMUVer, DebugVer, PerfMon merge as LOWER_SAFE */
    struct cm_vector v;
    cm_vector_init(&v, ops, "t");
    v.present[slot_of(&v, ID_AA64DFR0)] = 1;
    const struct cm_word *dfr0 = &ops->words[slot_of(&v, ID_AA64DFR0)];
    ck_assert_int_eq(a64_field(dfr0, "DebugVer")->policy, CM_POL_LOWER_SAFE);
    /* issue 9 item 8: PMUVer / PerfMon are unsigned in current kernels (cpufeature.c ftr_id_aa64dfr0,
     * ftr_id_dfr0) and LOWER_SAFE for KVM (kvm_arm64_ftr_safe_value()); 0xF is IMPLEMENTATION
     * DEFINED, which set_id_aa64dfr0_el1() / set_id_dfr0_el1() rewrite to 0 (no architected PMU). */
    const struct cm_field *pmu[2] = {a64_field(dfr0, "PMUVer"),
                                     a64_field(&ops->words[slot_of(&v, SYSREG(3, 0, 0, 1, 2))], "PerfMon")};
    for (int k = 0; k < 2; k++) {
        const struct cm_field *f = pmu[k];
        uint64_t m;
        ck_assert(!f->is_signed);
        ck_assert_ptr_nonnull(strstr(cm_policy_name(f), "IMPLEMENTATION DEFINED"));
        ck_assert(cm_field_merge(f, 4, 1, &m) && m == 1);     /* LOWER_SAFE: PMUv3 < PMUv3p1 ... */
        ck_assert(cm_field_merge(f, 0xf, 4, &m) && m == 0);   /* IMP DEF with PMUv3: no common PMU */
        ck_assert(cm_field_merge(f, 4, 0xf, &m) && m == 0);
        ck_assert(cm_field_merge(f, 0xf, 0xf, &m) && m == 0xf);
        ck_assert(!cm_field_provides(f, 0xf, 1));             /* an IMP DEF PMU is no PMUv3 */
        ck_assert(cm_field_provides(f, 4, 0xf));              /* accepted, becomes 0 */
        ck_assert(cm_field_provides(f, 6, 4));
        ck_assert(!cm_field_provides(f, 4, 6));
    }
    /* a "not in table" field is EXACT with safe 0 and never writable (ISAR0.TME 27:24) */
    const struct cm_field *tme = a64_field(&ops->words[slot_of(&v, ID_AA64ISAR0)], "TME");
    ck_assert_int_eq(tme->policy, CM_POL_EXACT);
    ck_assert_uint_eq(tme->safe, 0);
    ck_assert_uint_eq(tme->writable_since, 0);
    ck_assert_uint_eq(tme->shift, 24);
    /* ASIDBITS: writable only 6.7-6.11, modelled as never */
    ck_assert_uint_eq(a64_field(&ops->words[slot_of(&v, ID_AA64MMFR0)], "ASIDBITS")->writable_since, 0);
    cm_vector_free(&v);
}
END_TEST

START_TEST(encode_round_trip)
{
    struct cm_snapshot *s;
    struct cm_vector v;
    load_vec("ARM_NEOVERSE_V1_6.1", &s, &v);
    struct cm_snapshot *out = cm_snapshot_new(CM_ARCH_ARM64);
    cm_error err = {0};
    ck_assert_int_eq(v.ops->encode(&v, out, &err), 0);
    for (size_t k = 0; k < v.ops->nwords; k++) {
        uint64_t val;
        ck_assert_int_eq(cm_snapshot_get_u64(out, v.ops->words[k].id, &val), v.present[k]);
        if (v.present[k])
            ck_assert_uint_eq(val, v.val[k]);
    }
    /* encode into a snapshot of another arch is refused, not crashed */
    struct cm_snapshot *x = cm_snapshot_new(CM_ARCH_X86_64);
    ck_assert_int_eq(v.ops->encode(&v, x, &err), -1);
    cm_snapshot_free(x);
    cm_snapshot_free(out);
    cm_vector_free(&v);
    cm_snapshot_free(s);
}
END_TEST

static const char *nm(uint64_t id)
{
    static char buf[8][64];
    static int n;
    char *b = buf[n++ % 8];
    return cm_arm64_ops.reg_name(id, b, 64);
}

START_TEST(register_names)
{
    /* KVM-FACTS §A.1 ids */
    ck_assert_str_eq(nm(0x603000000013C020ULL), "ID_AA64PFR0_EL1");
    ck_assert_str_eq(nm(0x6030000000100000ULL), "x0");
    ck_assert_str_eq(nm(0x603000000010003CULL), "x30");
    ck_assert_str_eq(nm(0x603000000010003EULL), "sp");
    ck_assert_str_eq(nm(0x6030000000100040ULL), "pc");
    ck_assert_str_eq(nm(0x6030000000100042ULL), "pstate");
    ck_assert_str_eq(nm(0x6030000000100048ULL), "spsr[0]");
    ck_assert_str_eq(nm(0x6040000000100054ULL), "v0");
    ck_assert_str_eq(nm(0x60400000001000D0ULL), "v31");
    ck_assert_str_eq(nm(0x60200000001000D4ULL), "fpsr");
    ck_assert_str_eq(nm(0x60200000001000D5ULL), "fpcr");
    ck_assert_str_eq(nm(0x6030000000140000ULL), "PSCI_VERSION");
    ck_assert_str_eq(nm(0x6030000000160003ULL), "VENDOR_HYP_BMAP_2");
    ck_assert_str_eq(nm(0x603000000013C103ULL), "TCR2_EL1");
    ck_assert_str_eq(nm(0x603000000013DA22ULL), "FPMR");
    ck_assert_str_eq(nm(0x603000000013DD14ULL), "POR_EL0");
    ck_assert_str_eq(nm(0x603000000013808CULL), "OSLSR_EL1");
    ck_assert_str_eq(nm(0x603000000013D801ULL), "CTR_EL0");
    ck_assert_str_eq(nm(0x6020000000110001ULL), "CCSIDR_L1I");
    ck_assert_str_eq(nm(0x606000000015FFFFULL), "SVE_VLS");
    ck_assert_str_eq(nm(0x6080000000150000ULL | (3 << 5)), "z3");
    /* unknown system registers render as S<op0>_<op1>_C<n>_C<m>_<op2>, which parses back */
    uint64_t odd = SYSREG(3, 0, 15, 9, 5);
    unsigned a, b, c, d, e;
    ck_assert_int_eq(sscanf(nm(odd), "S%u_%u_C%u_C%u_%u", &a, &b, &c, &d, &e), 5);
    ck_assert_uint_eq(SYSREG(a, b, c, d, e), odd);
    ck_assert_str_eq(nm(0x1234ULL), "0x0000000000001234");
    /* every register of every dump has a name, and no two ids share one (round trip by name) */
    for (size_t i = 0; i < 6; i++) {
        struct cm_snapshot *s = tl_load(tl_arm64_fixtures[i]);
        char (*names)[64] = calloc(s->nregs, 64);
        for (size_t k = 0; k < s->nregs; k++) {
            cm_arm64_ops.reg_name(s->regs[k].id, names[k], 64);
            ck_assert(names[k][0]);
            for (size_t j = 0; j < k; j++)
                ck_assert_msg(strcmp(names[j], names[k]), "%s: two ids named %s", tl_arm64_fixtures[i], names[k]);
            /* a generic S-form name must encode the id exactly */
            if (sscanf(names[k], "S%u_%u_C%u_C%u_%u", &a, &b, &c, &d, &e) == 5)
                ck_assert_uint_eq(SYSREG(a, b, c, d, e), s->regs[k].id);
        }
        free(names);
        cm_snapshot_free(s);
    }
    /* volatile: the three timer ids KVM-FACTS names */
    ck_assert(cm_arm64_ops.reg_volatile(0x603000000013df1aULL));
    ck_assert(cm_arm64_ops.reg_volatile(0x603000000013df02ULL));
    ck_assert(cm_arm64_ops.reg_volatile(0x603000000013df01ULL));
    ck_assert(!cm_arm64_ops.reg_volatile(0x603000000013df19ULL));
    ck_assert_str_eq(cm_arm64_ops.init_feature_name(4), "SVE");
    ck_assert_str_eq(cm_arm64_ops.init_feature_name(3), "PMU_V3");
    ck_assert_ptr_null(cm_arm64_ops.init_feature_name(31));
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("arm64_decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, all_fixtures_decode);
    tcase_add_test(tc, midr_identity);
    tcase_add_test(tc, cpu_features_from_documentation);
    tcase_add_test(tc, pmu_inferred_from_dumps);
    tcase_add_test(tc, old_kernel_lacks_id_registers);
    tcase_add_test(tc, layout_and_tables);
    tcase_add_test(tc, encode_round_trip);
    tcase_add_test(tc, register_names);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
