/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 enforce(): can a host's KVM present the model's value?
 * Rules from KVM-FACTS §A.3 (writable ID registers from 6.7, the older
 * special setters, masks, acceptance per policy), §A.3.4 (init features)
 * and §A.4 (firmware registers).  Hosts are the real 6.1 dumps and
 * synthetic newer kernels made from them (kernel version + writable masks
 * changed, values kept).
 */
#include <string.h>

#include "../../libcpumodel/arm64/arm64.h"
#include "cpumodel/arch.h"
#include "cpumodel/vector.h"
#include "testlib.h"

static struct cm_snapshot *snap;
static struct cm_vector host;

/* load a dump, optionally pretend it runs kernel maj.min, optionally with the 6.19 writable masks */
static void make_host(const char *name, unsigned maj, unsigned min, bool masks)
{
    cm_error err = {0};
    snap = tl_load(name);
    if (maj)
        snap->kver = CM_KVER(maj, min);
    if (masks) {
        /* KVM-FACTS §A.3.1 "6.19 writable masks"; index per §A.3.2 */
        snap->writable_masks = calloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
        snap->writable_masks[32] = 0xffff00f0ff00ffffULL; /* ID_AA64PFR0 */
        snap->writable_masks[40] = 0x000000f000f00f0fULL; /* ID_AA64DFR0 */
        snap->writable_masks[48] = 0xfffffffffffffff0ULL; /* ID_AA64ISAR0 */
        snap->writable_masks[49] = 0xffffffff00fff00fULL; /* ID_AA64ISAR1 */
        snap->writable_masks[56] = 0xff00ffffffffff0fULL; /* ID_AA64MMFR0 */
        snap->writable_masks[129] = 0x00000000300fc00fULL; /* CTR_EL0 */
    }
    ck_assert_msg(cm_vector_from_snapshot(snap, &host, &err) == 0, "%s", err.msg);
}

static void drop_host(void)
{
    cm_vector_free(&host);
    cm_snapshot_free(snap);
}

static const struct cm_field *fld(size_t slot, const char *name)
{
    const struct cm_field *f = a64_field(&cm_arm64_words[slot], name);
    ck_assert_msg(f, "no field %s", name);
    return f;
}

static struct cm_buf why;

/* enforce(field `name` of word `id`: host's own value -> want) */
static enum cm_enforce enf(uint64_t id, const char *name, uint64_t want, uint32_t *bit)
{
    long slot = a64_slot(id);
    ck_assert(slot >= 0);
    const struct cm_field *f = name ? fld((size_t)slot, name) : NULL;
    uint64_t have = f ? cm_field_get(f, host.val[slot]) : host.val[slot];
    cm_buf_free(&why);
    uint32_t dummy = 0;
    return cm_arm64_ops.enforce(&host, (size_t)slot, f, have, want, &why, bit ? bit : &dummy);
}

static uint64_t hostf(uint64_t id, const char *name)
{
    long slot = a64_slot(id);
    return cm_field_get(fld((size_t)slot, name), host.val[slot]);
}

START_TEST(linux61_refuses_id_writes)
{
    make_host("ARM_NEOVERSE_N1_6.1", 0, 0, false);
    ck_assert_uint_eq(CM_KVER_MAJOR(host.kver), 6);
    ck_assert_uint_eq(CM_KVER_MINOR(host.kver), 1);
    /* same value: nothing to do */
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "LRCPC", hostf(A64_ID_AA64ISAR1, "LRCPC"), NULL), CM_ENF_SAME);
    /* N1 has LRCPC 1 (Armv8.3 RCpc, a v8.2 extra); lowering it needs writable ID registers (6.7) */
    ck_assert_uint_eq(hostf(A64_ID_AA64ISAR1, "LRCPC"), 1);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "LRCPC", 0, NULL), CM_ENF_NO);
    ck_assert_msg(strstr(why.s, "ID_AA64ISAR1_EL1.LRCPC") && strstr(why.s, "6.1") && strstr(why.s, "6.7"), "%s",
                  why.s);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR0, "ATOMIC", 0, NULL), CM_ENF_NO);
    ck_assert_uint_eq(hostf(A64_ID_AA64PFR0, "RAS"), 1); /* N1 implements RAS */
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "RAS", 0, NULL), CM_ENF_NO);
    /* CTR_EL0 is invariant before 6.10 */
    ck_assert_int_eq(enf(A64_CTR_EL0, "DIC", 0, NULL), CM_ENF_NO);
    /* the special setter: CSV2/CSV3 may be set to 0 or 1 (host has 1) since <=5.15 */
    ck_assert_uint_eq(hostf(A64_ID_AA64PFR0, "CSV2"), 1);
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "CSV2", 0, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "CSV3", 0, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "CSV2", 2, NULL), CM_ENF_NO);
    /* identity registers: writable only from 6.15; before, a fresh boot sees the host's value and a
     * restore of another is refused (KVM-FACTS §A.3.1) */
    ck_assert_int_eq(enf(A64_MIDR_EL1, "MIDR", 0x411fd401, NULL), CM_ENF_HOST_VALUE);
    ck_assert_ptr_nonnull(strstr(why.s, "6.15"));
    /* raw bits (no field) must be equal: ID_AA64PFR0 has none, use CTR_EL0 bit 30 (RES0 in the table) */
    long ctr = a64_slot(A64_CTR_EL0);
    ck_assert_int_eq(cm_arm64_ops.enforce(&host, (size_t)ctr, NULL, 0, 1ULL << 30, &why, NULL), CM_ENF_NO);
    drop_host();
}
END_TEST

START_TEST(linux61_firmware)
{
    make_host("ARM_NEOVERSE_N1_6.1", 0, 0, false);
    uint32_t bit = 99;
    /* hypercall bitmaps (5.19): any subset of the host's bits; the host offers TRNG, PV time, FUNC_FEAT+PTP */
    ck_assert_int_eq(enf(A64_STD_BMAP, "TRNG_V1_0", 0, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_VENDOR_HYP_BMAP, "PTP", 0, NULL), CM_ENF_WRITE);
    long vh = a64_slot(A64_VENDOR_HYP_BMAP);
    host.val[vh] = 0x1; /* pretend the host offers only FUNC_FEAT */
    ck_assert_int_eq(enf(A64_VENDOR_HYP_BMAP, "PTP", 1, NULL), CM_ENF_NO);
    /* PSCI: host default 1.1 on 6.1; 1.0 is accepted, 1.2 arrived in 6.13, 0.1 = leave PSCI_0_2 out */
    ck_assert_uint_eq(host.val[a64_slot(A64_PSCI_VERSION)], 0x10001);
    ck_assert_int_eq(enf(A64_PSCI_VERSION, "version", 0x10000, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_PSCI_VERSION, "version", 0x10002, NULL), CM_ENF_NO);
    ck_assert_ptr_nonnull(strstr(why.s, "6.13"));
    ck_assert_int_eq(enf(A64_PSCI_VERSION, "version", 0x1, &bit), CM_ENF_INIT_DROP);
    ck_assert_uint_eq(bit, A64_FEAT_PSCI_0_2);
    /* workaround levels: KVM stores nothing, so only the host's own level can be presented */
    ck_assert_uint_eq(host.val[a64_slot(A64_WA1)], 2);
    ck_assert_int_eq(enf(A64_WA1, "level", 2, NULL), CM_ENF_SAME);
    ck_assert_int_eq(enf(A64_WA1, "level", 1, NULL), CM_ENF_NO);
    drop_host();
}
END_TEST

START_TEST(linux612_with_masks)
{
    make_host("ARM_NEOVERSE_N1_6.1", 6, 12, true);
    /* LOWER_SAFE: a decrease is accepted, an increase refused */
    ck_assert_uint_eq(hostf(A64_ID_AA64ISAR0, "ATOMIC"), 2);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR0, "ATOMIC", 0, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR0, "ATOMIC", 3, NULL), CM_ENF_NO);
    ck_assert_ptr_nonnull(strstr(why.s, "LOWER_SAFE"));
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "LRCPC", 0, NULL), CM_ENF_WRITE);
    /* outside the mask (ISAR1.APA/API: no writable bits) — and ptrauth is not on this vCPU */
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "GPI", 1, NULL), CM_ENF_NO);
    /* in the mask but no ftr entry (ISAR0.TME): must stay */
    ck_assert_int_eq(enf(A64_ID_AA64ISAR0, "TME", 1, NULL), CM_ENF_NO);
    /* the mask rules even when the kernel version would allow: clear ISAR0's mask */
    host.masks[48] = 0;
    ck_assert_int_eq(enf(A64_ID_AA64ISAR0, "ATOMIC", 0, NULL), CM_ENF_NO);
    ck_assert_ptr_nonnull(strstr(why.s, "mask"));
    /* HIGHER_OR_ZERO_SAFE (CTR_EL0.CWG) is not writable at all; DminLine (LOWER_SAFE) is since 6.11 */
    ck_assert_int_eq(enf(A64_CTR_EL0, "CWG", 0, NULL), CM_ENF_NO);
    uint64_t dmin = hostf(A64_CTR_EL0, "DminLine");
    ck_assert_uint_gt(dmin, 1);
    ck_assert_int_eq(enf(A64_CTR_EL0, "DminLine", dmin - 1, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_CTR_EL0, "DminLine", dmin + 1, NULL), CM_ENF_NO);
    drop_host();
}
END_TEST

START_TEST(by_kernel_version_without_masks)
{
    /* 6.8: generic writability, but ID_AA64PFR2.FPMR only from 6.12 and MMFR3 fields from 6.12 */
    make_host("ARM_NEOVERSE_V1_6.1", 6, 8, false);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "BF16", 0, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64ISAR1, "BF16", 2, NULL), CM_ENF_NO);
    host.val[a64_slot(A64_ID_AA64PFR2)] = 1ULL << 32; /* pretend FPMR implemented */
    ck_assert_int_eq(enf(A64_ID_AA64PFR2, "FPMR", 0, NULL), CM_ENF_NO);
    ck_assert_ptr_nonnull(strstr(why.s, "6.12"));
    /* GIC writable from 6.12 only */
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "GIC", 0, NULL), CM_ENF_NO);
    /* DebugVer: KVM treats it LOWER_SAFE (cpufeature EXACT), but refuses anything below Armv8 debug (6) */
    uint64_t dv = hostf(A64_ID_AA64DFR0, "DebugVer");
    ck_assert_uint_ge(dv, 6);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "DebugVer", 5, NULL), CM_ENF_NO);
    drop_host();
    /* PMUVer is LOWER_SAFE for KVM too: with a PMU, PMUv3 (1) instead of PMUv3p1 (4) is writable on 6.8 */
    make_host("ARM_NEOVERSE_N1_5.10", 6, 8, false);
    ck_assert_uint_eq(hostf(A64_ID_AA64DFR0, "PMUVer"), 4);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 1, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 5, NULL), CM_ENF_NO);
    drop_host();
    /* 6.15 identity registers (no capability information in the snapshot: assumed available) */
    make_host("ARM_NEOVERSE_V1_6.1", 6, 15, false);
    ck_assert_int_eq(enf(A64_MIDR_EL1, "MIDR", 0x413fd0c1, NULL), CM_ENF_WRITE);
    /* ... unless the snapshot says KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) is absent */
    cm_snapshot_add_cap(snap, 239, 0, false, 0);
    ck_assert_int_eq(enf(A64_MIDR_EL1, "MIDR", 0x413fd0c1, NULL), CM_ENF_HOST_VALUE);
    drop_host();
}
END_TEST

START_TEST(init_features)
{
    uint32_t bit = 99;
    /* the 5.10 dump's vCPU has a PMU (inferred from its PMU registers): PMUVer -> 0 is leaving PMU_V3 out */
    make_host("ARM_NEOVERSE_N1_5.10", 0, 0, false);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 0, &bit), CM_ENF_INIT_DROP);
    ck_assert_uint_eq(bit, A64_FEAT_PMU_V3);
    /* a lower non-zero PMU version is not possible on 5.10 (setter from 6.2) */
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 1, NULL), CM_ENF_NO);
    drop_host();
    /* 6.2-6.6: the PMUVer setter allows a lower version but not 0 on a vCPU with a PMU */
    make_host("ARM_NEOVERSE_N1_5.10", 6, 4, false);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 1, NULL), CM_ENF_WRITE);
    ck_assert_int_eq(enf(A64_ID_AA64DFR0, "PMUVer", 5, NULL), CM_ENF_NO);
    drop_host();
    /* SVE: a synthetic host whose vCPU has SVE */
    make_host("ARM_NEOVERSE_V1_6.1", 6, 12, false);
    host.vcpu_features |= 1u << A64_FEAT_SVE;
    long p0 = a64_slot(A64_ID_AA64PFR0);
    host.val[p0] = cm_field_put(fld((size_t)p0, "SVE"), host.val[p0], 1);
    host.val[a64_slot(A64_ID_AA64ZFR0)] = 0x1; /* SVEver */
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "SVE", 0, &bit), CM_ENF_INIT_DROP);
    ck_assert_uint_eq(bit, A64_FEAT_SVE);
    ck_assert_int_eq(enf(A64_ID_AA64ZFR0, "SVEver", 0, &bit), CM_ENF_INIT_DROP);
    /* without the feature on the vCPU there is nothing to drop, and SVE is never writable */
    host.vcpu_features &= ~(1u << A64_FEAT_SVE);
    ck_assert_int_eq(enf(A64_ID_AA64PFR0, "SVE", 0, NULL), CM_ENF_NO);
    /* drop_init_feature(SVE): PFR0.SVE = 0 and ZFR0 reads as zero */
    cm_arm64_ops.drop_init_feature(&host, A64_FEAT_SVE);
    ck_assert_uint_eq(hostf(A64_ID_AA64PFR0, "SVE"), 0);
    ck_assert_uint_eq(host.val[a64_slot(A64_ID_AA64ZFR0)], 0);
    drop_host();
}
END_TEST

START_TEST(firmware_policies)
{
    const struct cm_field *psci = fld((size_t)a64_slot(A64_PSCI_VERSION), "version");
    const struct cm_field *wa1 = fld((size_t)a64_slot(A64_WA1), "level");
    const struct cm_field *wa2 = fld((size_t)a64_slot(A64_WA2), "state");
    uint64_t out;
    /* PSCI: the common version is the lower one; a host provides any known version up to its own */
    ck_assert(cm_field_merge(psci, 0x10001, 0x10000, &out));
    ck_assert_uint_eq(out, 0x10000);
    ck_assert(cm_field_provides(psci, 0x10001, 0x10000));
    ck_assert(!cm_field_provides(psci, 0x10000, 0x10001));
    ck_assert(!cm_field_provides(psci, 0x10001, 0x10000 | 0x7)); /* not a PSCI version */
    /* WA1/WA3: NOT_AVAIL < AVAIL < NOT_REQUIRED */
    ck_assert(cm_field_merge(wa1, 2, 1, &out));
    ck_assert_uint_eq(out, 1);
    ck_assert(cm_field_provides(wa1, 2, 1));
    ck_assert(!cm_field_provides(wa1, 1, 2));
    ck_assert(!cm_field_merge(wa1, 2, 5, &out));
    /* WA2: incoming 0/1 always accepted, 2/3 only by a host reporting 3 (NOT_REQUIRED) */
    ck_assert(cm_field_provides(wa2, 0, 1));
    ck_assert(cm_field_provides(wa2, 0, 0));
    ck_assert(!cm_field_provides(wa2, 0, 2));
    ck_assert(!cm_field_provides(wa2, 0, 3));
    ck_assert(cm_field_provides(wa2, 3, 2));
    ck_assert(cm_field_provides(wa2, 3, 0x12)); /* AVAIL | ENABLED */
    ck_assert(!cm_field_provides(wa2, 3, 0x13)); /* ENABLED only with AVAIL */
    ck_assert(cm_field_merge(wa2, 3, 0, &out));
    ck_assert_uint_eq(out, 0);
    ck_assert(cm_field_merge(wa2, 3, 3, &out));
    ck_assert_uint_eq(out, 3);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("arm64_enforce");
    TCase *tc = tcase_create("enforce");
    tcase_add_test(tc, linux61_refuses_id_writes);
    tcase_add_test(tc, linux61_firmware);
    tcase_add_test(tc, linux612_with_masks);
    tcase_add_test(tc, by_kernel_version_without_masks);
    tcase_add_test(tc, init_features);
    tcase_add_test(tc, firmware_policies);
    suite_add_tcase(s, tc);
    int rc = tl_run(s);
    cm_buf_free(&why);
    return rc;
}
