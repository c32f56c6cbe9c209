/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 verdicts for a migration (issue 9 items 1, 2, 4, 11): identity and
 * cache-geometry registers, kernel upgrades and rollbacks on the same
 * silicon, and the VMM restore assumption.
 *
 * Hosts are the real Firecracker dumps (Linux 6.1), or those dumps moved to a
 * newer kernel by exactly the changes that kernel's rules make (on_kernel()
 * below, each one cited); the expected verdicts come from the same rules
 * (docs/KVM-FACTS.md), never from running the code under test first.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "../../libcpumodel/arm64/arm64.h"
#include "cpumodel/negotiate.h"
#include "testlib.h"

#define CAP_WRITABLE_IMP_ID_REGS 239
#define PFR0_MPAM_MASK (0xfULL << 40)
#define PFR1_MPAM_FRAC_MASK (0xfULL << 16)
#define MMFR2_NV_MASK (0xfULL << 24)
#define MMFR3_TCRX 1ULL

/* The dump's host on Linux maj.min, changed only as that kernel changes what
 * KVM reports for the same silicon:
 *  - 6.3+ (KVM-FACTS §A.5): all 14 CSSELR slots listed, emulated; an
 *    unwritten slot reads a fabricated value whose LineSize is the host's
 *    minimum line (CTR_EL0 DminLine for data, IminLine for instruction
 *    slots) and CLIDR_EL1 is built by reset_clidr(): with CTR_EL0.IDC and
 *    DIC (both set on Neoverse N1/V1: CTR 0xb444c004) one unified cache,
 *    LoC = 1, i.e. Ctype1 = 4 (unified) | LoC 1 << 24.
 *  - 6.13+ (§A.4): PSCI_VERSION defaults to 1.3.
 *  - 6.18+ (§A.2, §A.3.3 item 5): ID_AA64PFR0.MPAM, PFR1.MPAM_frac and
 *    MMFR2.NV read 0.
 *  - 6.15+ (§A.4): VENDOR_HYP_BMAP_2 listed, 0. */
static struct cm_snapshot *on_kernel(const char *dump, unsigned maj, unsigned min)
{
    struct cm_snapshot *s = tl_load(dump);
    cm_error err = {0};
    char k[32];
    snprintf(k, sizeof(k), "%u.%u.0-rules", maj, min);
    cm_snapshot_set_str(&s->kernel, k);
    s->kver = CM_KVER(maj, min);
    char name[64];
    snprintf(name, sizeof(name), "%.20s@%u.%u", dump, maj, min);
    cm_snapshot_set_str(&s->host, name);
    uint64_t ctr = 0;
    ck_assert(cm_snapshot_get_u64(s, A64_CTR_EL0, &ctr));
    if (CM_KVER(maj, min) >= CM_KVER(6, 3)) {
        unsigned dmin = (unsigned)((ctr >> 16) & 0xf) + 2, imin = (unsigned)(ctr & 0xf) + 2;
        for (unsigned c = 0; c < A64_CSSELR_SLOTS; c++)
            cm_snapshot_set_u64(s, A64_CCSIDR(c), ((c & 1) ? imin : dmin) - 4);
        ck_assert_uint_eq(ctr & (3ULL << 28), 3ULL << 28); /* IDC and DIC */
        cm_snapshot_set_u64(s, A64_CLIDR_EL1, 4 | (1ULL << 24));
    }
    if (CM_KVER(maj, min) >= CM_KVER(6, 13))
        cm_snapshot_set_u64(s, A64_PSCI_VERSION, 0x10003);
    if (CM_KVER(maj, min) >= CM_KVER(6, 15))
        cm_snapshot_set_u64(s, A64_VENDOR_HYP_BMAP_2, 0);
    if (CM_KVER(maj, min) >= CM_KVER(6, 18)) {
        uint64_t v;
        ck_assert(cm_snapshot_get_u64(s, A64_ID_AA64PFR0, &v));
        cm_snapshot_set_u64(s, A64_ID_AA64PFR0, v & ~PFR0_MPAM_MASK);
        ck_assert(cm_snapshot_get_u64(s, A64_ID_AA64PFR1, &v));
        cm_snapshot_set_u64(s, A64_ID_AA64PFR1, v & ~PFR1_MPAM_FRAC_MASK);
        ck_assert(cm_snapshot_get_u64(s, A64_ID_AA64MMFR2, &v));
        cm_snapshot_set_u64(s, A64_ID_AA64MMFR2, v & ~MMFR2_NV_MASK);
    }
    ck_assert_int_eq(cm_snapshot_finish(s, &err), 0);
    return s;
}

static void vec(const struct cm_snapshot *s, struct cm_vector *v)
{
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s", err.msg);
}

static const struct cm_reason *find(const struct cm_reasons *r, enum cm_severity sev, const char *rule, uint64_t reg)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].sev == sev && (!rule || (r->v[i].rule && !strcmp(r->v[i].rule, rule))) &&
            (!reg || r->v[i].reg == reg))
            return &r->v[i];
    return NULL;
}

static const struct cm_reason *first_error(const struct cm_reasons *r)
{
    return find(r, CM_SEV_ERROR, NULL, 0);
}

static void dump_reasons(const char *what, const struct cm_reasons *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s [%s] %s\n", what, cm_severity_name(r->v[i].sev), r->v[i].text);
}

/* Item 1: two N1 that differ only in stepping (the lab's r3p1 vs r4p0). */
START_TEST(stepping_change_is_a_restore_failure_before_6_15)
{
    static const struct cm_assume boot = {CM_READ_BOOT, CM_RESTORE_ALL};
    struct cm_snapshot *a = on_kernel("ARM_NEOVERSE_N1_6.1", 6, 12), *b = on_kernel("ARM_NEOVERSE_N1_6.1", 6, 12);
    cm_snapshot_set_u64(a, A64_MIDR_EL1, 0x413fd0c1);
    cm_snapshot_set_u64(b, A64_MIDR_EL1, 0x414fd0c0);
    cm_snapshot_set_str(&b->host, "n1-r4p0@6.12");
    struct cm_vector va, vb;
    vec(a, &va);
    vec(b, &vb);
    /* migration (default): MIDR_EL1 is invariant up to 6.14 (§A.3.1): the restore is EINVAL */
    struct cm_reasons r = {0};
    ck_assert(!cm_compare_ex(&va, &vb, NULL, &r));
    const struct cm_reason *e = first_error(&r);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->reg, A64_MIDR_EL1);
    ck_assert_str_eq(e->rule, "restore-refused");
    ck_assert_ptr_nonnull(strstr(e->text, "EINVAL"));
    cm_reasons_free(&r);
    /* a fresh boot: the guest sees the host's MIDR, a warning only, and labelled so */
    ck_assert(cm_compare_ex(&va, &vb, &boot, &r));
    const struct cm_reason *w = find(&r, CM_SEV_WARNING, "boot-sees-host-value", A64_MIDR_EL1);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_nonnull(strstr(w->text, "fresh boot"));
    cm_reasons_free(&r);
    /* the baseline of the two cannot be enforced on both: one of them keeps its own MIDR */
    const struct cm_vector *hosts[2] = {&va, &vb};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline(hosts, 2, true, &bl, &err), 0);
    ck_assert(!bl.enforceable_everywhere);
    ck_assert_uint_eq(bl.ngroups, 2);
    cm_baseline_free(&bl);
    cm_vector_free(&va);
    cm_vector_free(&vb);
    cm_snapshot_free(a);
    cm_snapshot_free(b);
}
END_TEST

/* Item 1 / 11: on 7.2 the identity registers are writable once the VM enabled cap 239. */
START_TEST(stepping_change_on_7_2_needs_the_capability)
{
    struct cm_snapshot *a = on_kernel("ARM_NEOVERSE_N1_6.1", 7, 2), *b = on_kernel("ARM_NEOVERSE_N1_6.1", 7, 2);
    cm_snapshot_set_u64(b, A64_MIDR_EL1, 0x414fd0c0);
    cm_snapshot_set_str(&b->host, "n1-r4p0@7.2");
    cm_snapshot_add_cap(a, CAP_WRITABLE_IMP_ID_REGS, 1, true, 1);
    cm_snapshot_add_cap(b, CAP_WRITABLE_IMP_ID_REGS, 1, true, 1);
    struct cm_vector va, vb;
    vec(a, &va);
    vec(b, &vb);
    struct cm_reasons r = {0};
    ck_assert(cm_compare_ex(&va, &vb, NULL, &r));
    const struct cm_reason *i = find(&r, CM_SEV_INFO, "needs-capability", A64_MIDR_EL1);
    ck_assert_ptr_nonnull(i);
    ck_assert_ptr_nonnull(strstr(i->text, "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS"));
    cm_reasons_free(&r);

    /* compare's result names the capability as data too (CLI and daemon JSON), not only in text */
    struct cm_comparison cmp;
    ck_assert(cm_comparison_run(&va, &vb, NULL, &cmp));
    ck_assert_uint_eq(cmp.ncaps, 1);
    ck_assert_uint_eq(cmp.caps[0], CAP_WRITABLE_IMP_ID_REGS);
    struct json_object *cj = cm_comparison_to_json(&cmp), *ccaps, *cc0, *ccap, *ccompat;
    ck_assert(json_object_object_get_ex(cj, "compatible", &ccompat) && json_object_get_boolean(ccompat));
    ck_assert(json_object_object_get_ex(cj, "enable_vm_capabilities", &ccaps));
    ck_assert_uint_eq(json_object_array_length(ccaps), 1);
    cc0 = json_object_array_get_idx(ccaps, 0);
    ck_assert(json_object_object_get_ex(cc0, "cap", &ccap));
    ck_assert_int_eq(json_object_get_int(ccap), CAP_WRITABLE_IMP_ID_REGS);
    json_object_put(cj);
    cm_comparison_free(&cmp);
    /* the same stepping on both sides: nothing to write, no capability needed */
    ck_assert(cm_comparison_run(&va, &va, NULL, &cmp));
    ck_assert_uint_eq(cmp.ncaps, 0);
    cm_comparison_free(&cmp);

    /* the model of both carries one MIDR; the plan writes it where it differs and says the VMM must
     * enable the capability first (text via the fields, JSON via enable_vm_capabilities) */
    const struct cm_vector *hosts[2] = {&va, &vb};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline(hosts, 2, false, &bl, &err), 0);
    ck_assert(bl.enforceable_everywhere);
    long ms = a64_slot(A64_MIDR_EL1);
    ck_assert(bl.model.present[ms] && !bl.model.novalue[ms]);
    uint64_t mm = bl.model.val[ms];
    ck_assert(mm == 0x413fd0c1 || mm == 0x414fd0c0);
    struct cm_snapshot *other = mm == 0x413fd0c1 ? b : a;
    struct cm_plan p;
    ck_assert_int_eq(cm_plan_make(&bl.model, other, &p, &err), 0);
    ck_assert(p.ok);
    bool wrote = false;
    for (size_t k = 0; k < p.nwrites; k++)
        wrote |= p.writes[k].id == A64_MIDR_EL1 && p.writes[k].new_value == mm;
    ck_assert(wrote);
    ck_assert_uint_eq(p.nenable_caps, 1);
    ck_assert_uint_eq(p.enable_caps[0], CAP_WRITABLE_IMP_ID_REGS);
    struct json_object *j = cm_plan_to_json(&p), *caps, *c0, *cap;
    ck_assert(json_object_object_get_ex(j, "enable_vm_capabilities", &caps));
    ck_assert_uint_eq(json_object_array_length(caps), 1);
    c0 = json_object_array_get_idx(caps, 0);
    ck_assert(json_object_object_get_ex(c0, "cap", &cap));
    ck_assert_int_eq(json_object_get_int(cap), CAP_WRITABLE_IMP_ID_REGS);
    json_object_put(j);
    cm_plan_free(&p);
    cm_baseline_free(&bl);

    /* a host whose KVM does not report the capability refuses the restore */
    cm_vector_free(&vb);
    struct cm_snapshot *c = on_kernel("ARM_NEOVERSE_N1_6.1", 7, 2);
    cm_snapshot_set_u64(c, A64_MIDR_EL1, 0x414fd0c0);
    cm_snapshot_add_cap(c, CAP_WRITABLE_IMP_ID_REGS, 0, true, 0);
    vec(c, &vb);
    ck_assert(!cm_compare_ex(&va, &vb, NULL, &r));
    ck_assert_ptr_nonnull(find(&r, CM_SEV_ERROR, "restore-refused", A64_MIDR_EL1));
    cm_reasons_free(&r);
    cm_vector_free(&va);
    cm_vector_free(&vb);
    cm_snapshot_free(a);
    cm_snapshot_free(b);
    cm_snapshot_free(c);
}
END_TEST

/* Item 1: CLIDR / CCSIDR between 6.1 (invariant host values, 3 slots) and 6.12 (emulated, 14). */
START_TEST(cache_geometry_upgrade_and_rollback)
{
    struct cm_snapshot *old = tl_load("ARM_NEOVERSE_N1_6.1"), *new = on_kernel("ARM_NEOVERSE_N1_6.1", 6, 12);
    struct cm_vector vo, vn;
    vec(old, &vo);
    vec(new, &vn);
    /* the 6.1 dump lists exactly the host's three caches (L1D, L1I, L2) */
    size_t listed = 0;
    for (unsigned c = 0; c < A64_CSSELR_SLOTS; c++)
        listed += cm_vector_has_reg(&vo, A64_CCSIDR(c));
    ck_assert_uint_eq(listed, 3);
    /* upgrade: 6.12 takes the saved CLIDR and CCSIDR values (set_clidr / set_ccsidr accept a valid
     * geometry with lines not below the host's minimum); the extra slots get the destination's defaults */
    struct cm_reasons r = {0};
    bool ok = cm_compare_ex(&vo, &vn, NULL, &r);
    if (!ok)
        dump_reasons("upgrade", &r);
    ck_assert(ok);
    cm_reasons_free(&r);
    /* rollback: 6.1 accepts only its own values, so the values are the obstacle and come first;
     * the slots 6.1 does not list (3..13) are a consequence, reported after them */
    ck_assert(!cm_compare_ex(&vn, &vo, NULL, &r));
    const struct cm_reason *e = first_error(&r);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->rule, "restore-refused");
    ck_assert(e->reg == A64_CLIDR_EL1 || A64_GROUP(e->reg) == A64_GROUP_DEMUX);
    ck_assert_ptr_nonnull(find(&r, CM_SEV_ERROR, "restore-refused", A64_CLIDR_EL1));
    ck_assert_ptr_nonnull(find(&r, CM_SEV_ERROR, "restore-refused", A64_CCSIDR(0)));
    cm_reasons_free(&r);
    /* a model of both: pinned to the 6.1 host's geometry, which 6.12 can write */
    const struct cm_vector *hosts[2] = {&vo, &vn};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_int_eq(cm_baseline_ex(hosts, 2, CM_BL_PLAN_AWARE, &bl, &err), 0);
    uint64_t clidr;
    ck_assert(cm_snapshot_get_u64(old, A64_CLIDR_EL1, &clidr));
    ck_assert_uint_eq(bl.model.val[a64_slot(A64_CLIDR_EL1)], clidr);
    for (unsigned c = 0; c < 3; c++) {
        uint64_t v;
        ck_assert(cm_snapshot_get_u64(old, A64_CCSIDR(c), &v));
        ck_assert_uint_eq(bl.model.val[a64_slot(A64_CCSIDR(c))], v);
    }
    ck_assert(bl.verdicts[0].enforceable);
    cm_baseline_free(&bl);
    cm_vector_free(&vo);
    cm_vector_free(&vn);
    cm_snapshot_free(old);
    cm_snapshot_free(new);
}
END_TEST

/* Item 2: V1 6.1 -> 6.18 on the same silicon: MPAM and NV hidden by the newer kernel, which accepts
 * a restore of the value 6.1 exposed (set_id_aa64pfr0_el1 / set_id_aa64mmfr2_el1, §A.3.3 item 5). */
START_TEST(kernel_upgrade_hides_mpam_and_nv)
{
    struct cm_snapshot *old = tl_load("ARM_NEOVERSE_V1_6.1"), *new = on_kernel("ARM_NEOVERSE_V1_6.1", 6, 18);
    uint64_t pfr0, mmfr2;
    ck_assert(cm_snapshot_get_u64(old, A64_ID_AA64PFR0, &pfr0));
    ck_assert(cm_snapshot_get_u64(old, A64_ID_AA64MMFR2, &mmfr2));
    ck_assert_uint_ne(pfr0 & PFR0_MPAM_MASK, 0); /* the real V1 dump exposes MPAM and NV on 6.1 */
    ck_assert_uint_ne(mmfr2 & MMFR2_NV_MASK, 0);
    struct cm_vector vo, vn;
    vec(old, &vo);
    vec(new, &vn);
    struct cm_reasons r = {0};
    bool ok = cm_compare_ex(&vo, &vn, NULL, &r);
    if (!ok)
        dump_reasons("upgrade", &r);
    ck_assert(ok);
    const struct cm_reason *m = find(&r, CM_SEV_INFO, "restore-ignored", A64_ID_AA64PFR0);
    const struct cm_reason *nv = find(&r, CM_SEV_INFO, "restore-ignored", A64_ID_AA64MMFR2);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(nv);
    ck_assert_str_eq(m->field, "MPAM");
    ck_assert_str_eq(nv->field, "NV");
    ck_assert_ptr_nonnull(strstr(m->text, "stops seeing"));
    cm_reasons_free(&r);
    /* the way back is not a migration 6.1 can take: its ID registers are not writable, and the
     * obstacle named first is an ID field, not the CCSIDR slots 6.1 does not list */
    ck_assert(!cm_compare_ex(&vn, &vo, NULL, &r));
    const struct cm_reason *e = first_error(&r);
    ck_assert_ptr_nonnull(e);
    ck_assert(A64_GROUP(e->reg) == A64_GROUP_SYSREG);
    ck_assert_ptr_nonnull(find(&r, CM_SEV_ERROR, "not-writable", A64_ID_AA64PFR0));
    cm_reasons_free(&r);
    /* another CPU (MIDR differs) is not given the benefit: KVM clears only its own hardware value */
    cm_snapshot_set_u64(new, A64_MIDR_EL1, 0x413fd0c1);
    cm_vector_free(&vn);
    vec(new, &vn);
    ck_assert(!cm_compare_ex(&vo, &vn, NULL, &r));
    ck_assert_ptr_null(find(&r, CM_SEV_INFO, "restore-ignored", 0));
    cm_reasons_free(&r);
    cm_vector_free(&vo);
    cm_vector_free(&vn);
    cm_snapshot_free(old);
    cm_snapshot_free(new);
}
END_TEST

/* Items 4 and 11: 6.12 lists TCR2_EL1/PIRE0_EL1/PIR_EL1 on every CPU (no visibility hook before
 * 6.13, §A.5); 7.2 hides them without the feature.  A guest saved on 6.12 carries them: a VMM that
 * restores every register gets ENOENT on 7.2, a plan-aware one skips them. */
START_TEST(tcr2_from_6_12_to_7_2_depends_on_the_vmm)
{
    static const struct cm_assume aware = {CM_READ_MIGRATION, CM_RESTORE_PLAN_AWARE};
    struct cm_snapshot *s612 = on_kernel("ARM_NEOVERSE_N1_6.1", 6, 12), *s72 = on_kernel("ARM_NEOVERSE_N1_6.1", 7, 2);
    /* 6.12 lists the three registers whatever MMFR3.TCRX/S1PIE say (N1 has neither) */
    cm_snapshot_set_u64(s612, A64_TCR2_EL1, 0);
    cm_snapshot_set_u64(s612, A64_PIRE0_EL1, 0);
    cm_snapshot_set_u64(s612, A64_PIR_EL1, 0);
    cm_error err = {0};
    ck_assert_int_eq(cm_snapshot_finish(s612, &err), 0);
    struct cm_vector v612, v72;
    vec(s612, &v612);
    vec(s72, &v72);
    uint64_t mmfr3 = 0;
    cm_snapshot_get_u64(s612, A64_ID_AA64MMFR3, &mmfr3);
    ck_assert_uint_eq(mmfr3 & MMFR3_TCRX, 0);
    /* item 4: on 6.12 they are not "hidden": they do not vanish under a model without the feature */
    uint64_t *ids = NULL;
    size_t n = 0;
    cm_arm64_ops.vanishing(&v612, &v612, &ids, &n);
    for (size_t i = 0; i < n; i++)
        ck_assert(ids[i] != A64_TCR2_EL1 && ids[i] != A64_PIR_EL1 && ids[i] != A64_PIRE0_EL1);
    free(ids);

    struct cm_reasons r = {0};
    ck_assert(!cm_compare_ex(&v612, &v72, NULL, &r));
    const struct cm_reason *e = find(&r, CM_SEV_ERROR, "restore-all-enoent", A64_TCR2_EL1);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(strstr(e->text, "ENOENT"));
    ck_assert_ptr_nonnull(find(&r, CM_SEV_ERROR, "restore-all-enoent", A64_PIR_EL1));
    cm_reasons_free(&r);
    bool ok = cm_compare_ex(&v612, &v72, &aware, &r);
    if (!ok)
        dump_reasons("plan-aware", &r);
    ck_assert(ok);
    ck_assert_ptr_nonnull(find(&r, CM_SEV_INFO, "hidden", A64_TCR2_EL1));
    cm_reasons_free(&r);

    /* the plan for the 6.12 host says which restore behaviour it assumes, in its JSON */
    const struct cm_vector *hosts[2] = {&v612, &v72};
    struct cm_baseline bl;
    ck_assert_int_eq(cm_baseline_ex(hosts, 2, CM_BL_PLAN_AWARE, &bl, &err), 0);
    struct cm_plan p;
    ck_assert_int_eq(cm_plan_make_ex(&bl.model, s612, &aware, &p, &err), 0);
    struct json_object *j = cm_plan_to_json(&p), *as, *vmm;
    ck_assert(json_object_object_get_ex(j, "assumes", &as));
    ck_assert(json_object_object_get_ex(as, "vmm", &vmm));
    ck_assert_str_eq(json_object_get_string(vmm), "plan-aware");
    json_object_put(j);
    cm_plan_free(&p);
    ck_assert_int_eq(cm_plan_make(&bl.model, s612, &p, &err), 0);
    ck_assert(!p.ok); /* restore-all: TCR2_EL1 & co. are saved on 6.12 and refused on 7.2 */
    cm_plan_free(&p);
    cm_baseline_free(&bl);
    cm_vector_free(&v612);
    cm_vector_free(&v72);
    cm_snapshot_free(s612);
    cm_snapshot_free(s72);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("arm64_migration");
    TCase *tc = tcase_create("migration");
    tcase_add_test(tc, stepping_change_is_a_restore_failure_before_6_15);
    tcase_add_test(tc, stepping_change_on_7_2_needs_the_capability);
    tcase_add_test(tc, cache_geometry_upgrade_and_rollback);
    tcase_add_test(tc, kernel_upgrade_hides_mpam_and_nv);
    tcase_add_test(tc, tcr2_from_6_12_to_7_2_depends_on_the_vmm);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
