/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reasons say what a value means.  The expected words come from the Arm
 * Architecture Reference Manual (DDI 0487) / the kernel's
 * arch/arm64/tools/sysreg value names, asm/cputype.h implementer codes and
 * the Intel SDM / AMD APM vendor strings, written here, not read from the
 * code's tables:
 *   ID_AA64PFR0_EL1.SVE 0 = not implemented; FP / AdvSIMD are signed and 0xF
 *   (-1) = not implemented; ID_AA64DFR0_EL1.PMUVer is unsigned and 0xF = an
 *   IMPLEMENTATION DEFINED PMU; ISAR0.AES 2 = AES + PMULL; ISAR0.ATOMIC 2 =
 *   LSE; ISAR0.SHA2 2 = SHA512; ISAR1.APA = QARMA5 address authentication;
 *   MIDR implementer 0x41 = Arm, 0x51 = Qualcomm, 0xC0 = Ampere.
 * Then the same words in real reasons: compare and merge of the Firecracker
 * dumps (Neoverse N1 vs V1, AMD Milan vs Intel Skylake), and a rollback plan
 * names its destination kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/arch.h"
#include "cpumodel/negotiate.h"
#include "testlib.h"

static const struct cm_word *word(const struct cm_arch_ops *ops, const char *name)
{
    for (size_t i = 0; i < ops->nwords; i++)
        if (!strcmp(ops->words[i].name, name))
            return &ops->words[i];
    ck_abort_msg("no word %s", name);
    return NULL;
}

static const struct cm_field *field(const struct cm_word *w, const char *name)
{
    for (size_t i = 0; i < w->nfields; i++)
        if (!strcmp(w->fields[i].name, name))
            return &w->fields[i];
    ck_abort_msg("no field %s.%s", w->name, name);
    return NULL;
}

/* the meaning of REG.FIELD = v on arm64, or "" when the driver has none */
static const char *a64(const char *reg, const char *fld, uint64_t v)
{
    static char buf[128];
    const struct cm_word *w = word(&cm_arm64_ops, reg);
    if (!cm_arm64_ops.value_meaning(w, field(w, fld), v, buf, sizeof(buf)))
        buf[0] = 0;
    return buf;
}

START_TEST(arm64_field_meanings)
{
    ck_assert_str_eq(a64("ID_AA64PFR0_EL1", "SVE", 0), "not implemented");
    ck_assert_str_eq(a64("ID_AA64PFR0_EL1", "SVE", 1), "implemented");
    /* signed fields: 0 is implemented, 0xF (-1) is not */
    ck_assert_str_eq(a64("ID_AA64PFR0_EL1", "FP", 0), "implemented");
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR0_EL1", "FP", 0xf), "not implemented"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR0_EL1", "AdvSIMD", 0xf), "not implemented"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR0_EL1", "FP", 1), "half-precision"));
    /* PMUVer is unsigned: 0xF is an IMPLEMENTATION DEFINED PMU, not "-1" */
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64DFR0_EL1", "PMUVer", 0xf), "IMPLEMENTATION DEFINED"));
    ck_assert_ptr_null(strstr(a64("ID_AA64DFR0_EL1", "PMUVer", 0xf), "not implemented"));
    ck_assert_str_eq(a64("ID_AA64DFR0_EL1", "PMUVer", 0), "not implemented");
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64DFR0_EL1", "PMUVer", 1), "PMUv3"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64DFR0_EL1", "PMUVer", 4), "Armv8.1"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64ISAR0_EL1", "AES", 2), "PMULL"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64ISAR0_EL1", "ATOMIC", 2), "LSE"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64ISAR0_EL1", "SHA2", 2), "SHA512"));
    ck_assert_str_eq(a64("ID_AA64ISAR0_EL1", "CRC32", 0), "not implemented");
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64ISAR1_EL1", "APA", 1), "QARMA5"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64ISAR2_EL1", "APA3", 1), "QARMA3"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR1_EL1", "SME", 2), "SME2"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR1_EL1", "MTE", 2), "MTE2"));
    ck_assert_ptr_nonnull(strstr(a64("ID_AA64PFR1_EL1", "SSBS", 2), "SSBS2"));
    ck_assert_str_eq(a64("ID_AA64PFR1_EL1", "BT", 0), "not implemented");
    ck_assert_str_eq(a64("ID_AA64PFR0_EL1", "DIT", 0), "not implemented");
    /* values the Arm ARM reserves have no meaning: hex alone */
    ck_assert_str_eq(a64("ID_AA64PFR0_EL1", "SVE", 7), "");
    ck_assert_str_eq(a64("ID_AA64ISAR0_EL1", "ATOMIC", 1), ""); /* 0b0001 is reserved */
}
END_TEST

START_TEST(arm64_vendors_by_name)
{
    ck_assert_str_eq(a64("MIDR_EL1", "MIDR", 0x413fd0c1), "Arm part 0xd0c r3p1"); /* Neoverse N1 r3p1 */
    ck_assert_ptr_nonnull(strstr(a64("MIDR_EL1", "MIDR", 0x510f8000), "Qualcomm"));
    ck_assert_ptr_nonnull(strstr(a64("MIDR_EL1", "MIDR", 0xc00fac30), "Ampere"));
    ck_assert_str_eq(a64("MIDR_EL1", "MIDR", 0x000f0000), ""); /* 0x00: reserved for software use */
}
END_TEST

START_TEST(value_text_falls_back_to_hex)
{
    char buf[128];
    const struct cm_word *w = word(&cm_arm64_ops, "ID_AA64PFR0_EL1");
    ck_assert_str_eq(cm_value_text(&cm_arm64_ops, w, field(w, "SVE"), 0, buf, sizeof(buf)), "0x0 (not implemented)");
    ck_assert_str_eq(cm_value_text(&cm_arm64_ops, w, field(w, "SVE"), 7, buf, sizeof(buf)), "0x7");
    /* without a driver the signed rule still speaks: 0xF of a signed field is -1 */
    ck_assert_str_eq(cm_value_text(NULL, NULL, field(w, "FP"), 0xf, buf, sizeof(buf)), "0xf (-1: not implemented)");
}
END_TEST

static const struct cm_reason *find(const struct cm_reasons *r, const char *reg, const char *fld)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].reg_name && r->v[i].field && !strcmp(r->v[i].reg_name, reg) && !strcmp(r->v[i].field, fld))
            return &r->v[i];
    return NULL;
}

START_TEST(compare_reasons_in_words)
{
    struct cm_vector n1, v1;
    struct cm_snapshot *sn = tl_vec("ARM_NEOVERSE_N1_6.1", &n1), *sv = tl_vec("ARM_NEOVERSE_V1_6.1", &v1);
    struct cm_reasons r = {0};
    ck_assert(!cm_enforceable(&v1, &n1, &r)); /* V1's model on an N1 host */
    /* N1 has no RNDR (Neoverse N1 TRM: ID_AA64ISAR0_EL1.RNDR = 0), V1 has it */
    const struct cm_reason *x = find(&r, "ID_AA64ISAR0_EL1", "RNDR");
    ck_assert_msg(x, "no RNDR reason");
    ck_assert_msg(strstr(x->text, "offers 0x0 (not implemented), the model needs 0x1 ("), "%s", x->text);
    /* MIDR: a restore of V1's identity names both parts by vendor */
    x = find(&r, "MIDR_EL1", "MIDR");
    ck_assert_msg(x && strstr(x->text, "Arm part 0xd40") && strstr(x->text, "Arm part 0xd0c"), "%s",
                  x ? x->text : "no MIDR reason");
    cm_reasons_free(&r);
    cm_vector_free(&n1);
    cm_vector_free(&v1);
    cm_snapshot_free(sn);
    cm_snapshot_free(sv);
}
END_TEST

START_TEST(merge_names_x86_vendors)
{
    struct cm_vector amd, intel;
    struct cm_snapshot *sa = tl_vec("AMD_MILAN_6.1", &amd), *si = tl_vec("INTEL_SKYLAKE_6.1", &intel);
    const struct cm_vector *hosts[2] = {&amd, &intel};
    struct cm_vector model;
    struct cm_reasons incompat = {0}, notes = {0};
    cm_error err = {0};
    ck_assert_int_eq(cm_merge(hosts, 2, &model, &incompat, &notes, &err), 0);
    const struct cm_reason *x = find(&incompat, "CPUID.00.0.EBX", "vendor[0:3]");
    ck_assert_msg(x, "no vendor reason");
    ck_assert_msg(strstr(x->text, "AuthenticAMD") && strstr(x->text, "GenuineIntel"), "%s", x->text);
    /* and the enforce rule says the vendor cannot change, by name */
    struct cm_reasons r = {0};
    ck_assert(!cm_enforceable(&amd, &intel, &r));
    bool named = false;
    for (size_t i = 0; i < r.n; i++)
        named |= strstr(r.v[i].text, "GenuineIntel") && strstr(r.v[i].text, "AuthenticAMD");
    ck_assert(named);
    cm_reasons_free(&r);
    cm_reasons_free(&incompat);
    cm_reasons_free(&notes);
    cm_vector_free(&model);
    cm_vector_free(&amd);
    cm_vector_free(&intel);
    cm_snapshot_free(sa);
    cm_snapshot_free(si);
}
END_TEST

/* A rollback plan (a 6.1 host restricted to a 5.10 model, so the guest can
 * move back to 5.10) names 5.10 -- the destination -- in every rollback
 * write and class text, never the host's own kernel. */
START_TEST(rollback_names_the_destination)
{
    struct cm_vector model;
    struct cm_snapshot *sm = tl_vec("ARM_NEOVERSE_N1_5.10", &model), *host = tl_load("ARM_NEOVERSE_N1_6.1");
    struct cm_plan p;
    cm_error err = {0};
    ck_assert_int_eq(cm_plan_make(&model, host, &p, &err), 0);
    size_t writes = 0;
    for (size_t i = 0; i < p.nwrites; i++)
        if (p.writes[i].why && !strncmp(p.writes[i].why, "rollback:", 9)) {
            writes++;
            ck_assert_msg(strstr(p.writes[i].why, "Linux 5.10") && !strstr(p.writes[i].why, "6.1"), "%s",
                          p.writes[i].why);
        }
    ck_assert_uint_ge(writes, 1); /* the hypercall bitmaps 5.10 does not have */
    ck_assert_uint_ge(p.nrollback, 1);
    for (size_t i = 0; i < p.nrollback; i++)
        ck_assert_msg(!p.rollback[i].why || !strstr(p.rollback[i].why, "unknown"), "%s", p.rollback[i].why);
    cm_plan_free(&p);
    cm_vector_free(&model);
    cm_snapshot_free(sm);
    cm_snapshot_free(host);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("value_words");
    TCase *tc = tcase_create("words");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, arm64_field_meanings);
    tcase_add_test(tc, arm64_vendors_by_name);
    tcase_add_test(tc, value_text_falls_back_to_hex);
    tcase_add_test(tc, compare_reasons_in_words);
    tcase_add_test(tc, merge_names_x86_vendors);
    tcase_add_test(tc, rollback_names_the_destination);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
