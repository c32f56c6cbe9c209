/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The riscv64 driver on its own: vector layout and ids (KVM-FACTS.md §B.1),
 * decode of fact-built snapshots, the per-kernel disable rules of §B.2
 * ("how the cannot-disable list grew"), vanishing registers, rollback
 * classification, names, and bad input.  Expected answers come from the
 * facts, not from the driver's tables.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "helpers/rv_fixtures.h"
#include "testlib.h"

static const struct cm_arch_ops *ops(void)
{
    const struct cm_arch_ops *o = cm_arch_ops(CM_ARCH_RISCV64);
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_eq(o, &cm_riscv64_ops);
    return o;
}

static void decode(const struct cm_snapshot *s, struct cm_vector *v)
{
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s", err.msg);
}

static long slot_of(const struct cm_vector *v, uint64_t id)
{
    long i = cm_vector_word_index(v, id);
    ck_assert_msg(i >= 0, "no feature word for 0x%016llx", (unsigned long long)id);
    return i;
}

static const struct cm_field *field0(long slot)
{
    return &ops()->words[slot].fields[0];
}

/* enforce() for a one-field word; returns the verdict, fills why */
static enum cm_enforce enf(const struct cm_vector *host, uint64_t id, uint64_t have, uint64_t want, char *why,
                           size_t len)
{
    long slot = cm_vector_word_index(host, id);
    ck_assert(slot >= 0);
    struct cm_buf b = {0};
    uint32_t feat = 0;
    enum cm_enforce e = ops()->enforce(host, (size_t)slot, field0(slot), have, want, &b, &feat);
    snprintf(why, len, "%s", b.s ? b.s : "");
    cm_buf_free(&b);
    return e;
}

static struct cm_snapshot *host_with(const char *name, const char *kernel, const unsigned *add, size_t nadd,
                                     const unsigned *del, size_t ndel)
{
    struct rvf_opts o;
    rvf_defaults(&o, name, kernel);
    for (size_t i = 0; i < nadd; i++)
        rvf_set(&o, add[i]);
    for (size_t i = 0; i < ndel; i++)
        rvf_clear(&o, del[i]);
    return rvf_build(&o);
}

START_TEST(layout_ids)
{
    const struct cm_arch_ops *o = ops();
    struct cm_vector v;
    cm_vector_init(&v, o, "x");
    /* B.1: ISA_EXT SINGLE = 0x8030000007000000 + ext id, SBI_EXT = …08… + id, config = …01… + index */
    ck_assert_int_ge(cm_vector_word_index(&v, 0x8030000007000000ULL + 17), 0);           /* ZBA */
    ck_assert_int_ge(cm_vector_word_index(&v, 0x8030000007000000ULL + 74), 0);           /* ZVFBFWMA, last in 6.19 */
    ck_assert_int_lt(cm_vector_word_index(&v, 0x8030000007000000ULL + 75), 0);
    ck_assert_int_ge(cm_vector_word_index(&v, 0x8030000008000000ULL + 13), 0);           /* MPXY */
    ck_assert_int_lt(cm_vector_word_index(&v, 0x8030000008000000ULL + 14), 0);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_int_ge(cm_vector_word_index(&v, 0x8030000001000000ULL + i), 0);
    ck_assert_uint_eq(o->nwords, 8 + 75 + 14);
    /* every word is ordered with the config class (before the first run, §B.2) */
    for (size_t i = 0; i < o->nwords; i++)
        ck_assert_uint_eq(o->words[i].order, CM_ORDER_CONFIG);
    /* block sizes must be equal everywhere; ISA/SBI bits are AND-merged; satp is the smallest */
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000001000001ULL))->policy, CM_POL_EQUAL);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000001000005ULL))->policy, CM_POL_EQUAL);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000001000007ULL))->policy, CM_POL_EQUAL);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000001000006ULL))->policy, CM_POL_LOWER_SAFE);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000001000002ULL))->policy, CM_POL_IDENTITY);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000007000011ULL))->policy, CM_POL_BITMAP);
    ck_assert_uint_eq(field0(slot_of(&v, 0x8030000008000009ULL))->policy, CM_POL_BITMAP);
    cm_vector_free(&v);
}
END_TEST

START_TEST(names_and_volatile)
{
    const struct cm_arch_ops *o = ops();
    char b[96];
    ck_assert_str_eq(o->reg_name(0x8030000007000011ULL, b, sizeof(b)), "ISA_EXT.zba");
    ck_assert_str_eq(o->reg_name(0x8030000007000045ULL, b, sizeof(b)), "ISA_EXT.zaamo"); /* 69 */
    ck_assert_str_eq(o->reg_name(0x8030000008000009ULL, b, sizeof(b)), "SBI_EXT.dbcn");
    ck_assert_str_eq(o->reg_name(0x8030000001000006ULL, b, sizeof(b)), "config.satp_mode");
    ck_assert_str_eq(o->reg_name(0x8030000002000000ULL, b, sizeof(b)), "core.pc");
    ck_assert_str_eq(o->reg_name(0x803000000200000aULL, b, sizeof(b)), "core.a0");
    ck_assert_str_eq(o->reg_name(0x8030000002000020ULL, b, sizeof(b)), "core.mode");
    ck_assert_str_eq(o->reg_name(0x8030000003000008ULL, b, sizeof(b)), "csr.satp");
    ck_assert_str_eq(o->reg_name(0x8030000003010000ULL, b, sizeof(b)), "csr.aia.siselect");
    ck_assert_str_eq(o->reg_name(0x8030000004000001ULL, b, sizeof(b)), "timer.time");
    ck_assert_str_eq(o->reg_name(0x8020000006000020ULL, b, sizeof(b)), "fp.d.fcsr");
    ck_assert_str_eq(o->reg_name(0x8030000006000003ULL, b, sizeof(b)), "fp.d.f3");
    ck_assert_str_eq(o->reg_name(0x8030000009000004ULL, b, sizeof(b)), "vector.vlenb");
    ck_assert_str_eq(o->reg_name(0x8040000009000006ULL, b, sizeof(b)), "vector.v0");
    ck_assert_str_eq(o->reg_name(0x803000000A000001ULL, b, sizeof(b)), "sbi_state.sta.shmem_hi");
    ck_assert_str_eq(o->reg_name(0x803000000A010003ULL, b, sizeof(b)), "sbi_state.fwft.pointer_masking.enable");
    ck_assert_str_eq(o->reg_name(0x80300000070000c8ULL, b, sizeof(b)), "ISA_EXT.200");
    ck_assert_str_eq(o->reg_name(0x80300000ee000000ULL, b, sizeof(b)), "0x80300000ee000000");
    /* lab README: riscv timer.time is the run-to-run noise */
    ck_assert(o->reg_volatile(RVF_TIMER_TIME));
    ck_assert(!o->reg_volatile(0x8030000004000000ULL)); /* frequency must match (EINVAL otherwise) */
    ck_assert(!o->reg_volatile(0x8030000007000011ULL));
}
END_TEST

START_TEST(fixture_register_lists)
{
    struct cm_snapshot *a = rvf_host_6_12("rv-a"), *b = rvf_host_7_2("rv-b");
    /* lab README §A: ~150 registers on 6.12 and ~158 on 7.2 for rv64,h=true */
    ck_assert_msg(a->nregs >= 140 && a->nregs <= 160, "6.12: %zu registers", a->nregs);
    ck_assert_msg(b->nregs >= 148 && b->nregs <= 168, "7.2: %zu registers", b->nregs);
    ck_assert_uint_gt(b->nregs, a->nregs);
    /* 7.2 adds ZAAMO, ZALRSC, SBI SUSP, FWFT, MPXY */
    static const uint64_t only72[] = {RVF_ISA_EXT(RVF_ZAAMO), RVF_ISA_EXT(RVF_ZALRSC), RVF_SBI_EXT(RVF_SBI_SUSP),
                                      RVF_SBI_EXT(RVF_SBI_FWFT), RVF_SBI_EXT(RVF_SBI_MPXY)};
    for (size_t i = 0; i < CM_ARRAY_SIZE(only72); i++) {
        ck_assert_ptr_null(cm_snapshot_find_reg(a, only72[i]));
        ck_assert_ptr_nonnull(cm_snapshot_find_reg(b, only72[i]));
    }
    ck_assert_str_eq(a->kernel, "6.12.107+deb13-riscv64");
    ck_assert_str_eq(b->kernel, "7.2.13+deb14-riscv64");
    fprintf(stderr, "rv fixtures: 6.12 lists %zu registers, 7.2 lists %zu\n", a->nregs, b->nregs);
    cm_snapshot_free(a);
    cm_snapshot_free(b);
}
END_TEST

START_TEST(decode_presence_and_values)
{
    struct cm_snapshot *s = rvf_host_6_12("rv-a");
    struct cm_vector v;
    decode(s, &v);
    long zba = slot_of(&v, RVF_ISA_EXT(RVF_ZBA)), h = slot_of(&v, RVF_ISA_EXT(RVF_H));
    long zaamo = slot_of(&v, RVF_ISA_EXT(RVF_ZAAMO)), dbcn = slot_of(&v, RVF_SBI_EXT(RVF_SBI_DBCN));
    long pmu = slot_of(&v, RVF_SBI_EXT(RVF_SBI_PMU)), isa = slot_of(&v, RVF_CONFIG(0));
    ck_assert(v.present[zba] && v.val[zba] == 1);
    ck_assert(v.present[h] && v.val[h] == 0);   /* listed (host has H) but never enabled for a guest */
    ck_assert(!v.present[zaamo]);               /* not known to 6.12 */
    ck_assert(v.present[dbcn] && v.val[dbcn] == 0); /* DBCN is disabled by default */
    ck_assert(!v.present[pmu]);                 /* UNAVAILABLE without host Sscofpmf: not listed */
    /* config.isa: a c d f i m (h never) */
    uint64_t want = 0;
    for (const char *l = "acdfim"; *l; l++)
        want |= 1ULL << (*l - 'a');
    ck_assert_uint_eq(v.val[isa], want);
    ck_assert_uint_eq(v.val[slot_of(&v, RVF_CONFIG(6))], 10);
    cm_vector_free(&v);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(encode_roundtrip)
{
    struct cm_snapshot *s = rvf_host_7_2("rv-b");
    struct cm_vector v, w;
    decode(s, &v);
    struct cm_snapshot *out = cm_snapshot_new(CM_ARCH_RISCV64);
    cm_snapshot_set_str(&out->host, "model");
    out->kind = CM_KIND_MODEL;
    cm_error err = {0};
    ck_assert_msg(ops()->encode(&v, out, &err) == 0, "%s", err.msg);
    ck_assert(cm_snapshot_finish(out, &err) == 0);
    decode(out, &w);
    for (size_t i = 0; i < ops()->nwords; i++) {
        ck_assert_uint_eq(v.present[i], w.present[i]);
        ck_assert_uint_eq(v.val[i], w.val[i]);
    }
    cm_vector_free(&v);
    cm_vector_free(&w);
    cm_snapshot_free(out);
    cm_snapshot_free(s);
}
END_TEST

/* §B.2: "a non-disableable extension the host has but the model lacks" */
START_TEST(enforce_disable_per_kernel)
{
    char why[512];
    static const unsigned smnpm[] = {RVF_SMNPM, RVF_SMSTATEEN, RVF_SSAIA};
    struct cm_snapshot *s612 = rvf_host_6_12("rv-612");
    struct cm_snapshot *s614 = host_with("rv-614", "6.14.3", smnpm, 3, NULL, 0);
    struct cm_snapshot *s72 = host_with("rv-72", "7.2.13+deb14-riscv64", smnpm, 3, NULL, 0);
    struct cm_snapshot *s65 = host_with("rv-65", "6.5.1", smnpm + 2, 1, NULL, 0);
    struct cm_vector v612, v614, v72, v65;
    decode(s612, &v612);
    decode(s614, &v614);
    decode(s72, &v72);
    decode(s65, &v65);

    /* ZBA: in the cannot-disable list (6.8 on) */
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_ZBA), 1, 0, why, sizeof(why)), CM_ENF_NO);
    ck_assert_msg(strstr(why, "ZBA cannot be disabled by KVM on Linux 6.12"), "%s", why);
    ck_assert_msg(strstr(why, "this host cannot run a guest model without it"), "%s", why);
    /* D, SVPBMT, ZICBOM: disable-able -> a write of 0 */
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_D), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_ZICBOM), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    /* SMNPM: refused 6.13-6.17, disable-able from 6.18 */
    ck_assert_int_eq(enf(&v614, RVF_ISA_EXT(RVF_SMNPM), 1, 0, why, sizeof(why)), CM_ENF_NO);
    ck_assert_msg(strstr(why, "SMNPM cannot be disabled by KVM on Linux 6.14"), "%s", why);
    ck_assert_int_eq(enf(&v72, RVF_ISA_EXT(RVF_SMNPM), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    /* SSAIA: refused 6.4-6.7; from 6.8 only with Smstateen */
    ck_assert_int_eq(enf(&v65, RVF_ISA_EXT(RVF_SSAIA), 1, 0, why, sizeof(why)), CM_ENF_NO);
    ck_assert_int_eq(enf(&v72, RVF_ISA_EXT(RVF_SSAIA), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    /* enabling: only what the host has; H never */
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_ZFH), 0, 1, why, sizeof(why)), CM_ENF_NO);
    ck_assert_msg(strstr(why, "does not have ZFH"), "%s", why);
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_H), 0, 1, why, sizeof(why)), CM_ENF_NO);
    ck_assert_int_eq(enf(&v612, RVF_ISA_EXT(RVF_ZBA), 1, 1, why, sizeof(why)), CM_ENF_SAME);
    /* SBI: any available extension toggles before the first run; unavailable ones cannot be enabled */
    ck_assert_int_eq(enf(&v612, RVF_SBI_EXT(RVF_SBI_DBCN), 0, 1, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&v612, RVF_SBI_EXT(RVF_SBI_STA), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&v612, RVF_SBI_EXT(RVF_SBI_PMU), 0, 1, why, sizeof(why)), CM_ENF_NO);
    ck_assert_int_eq(enf(&v612, RVF_SBI_EXT(RVF_SBI_FWFT), 0, 1, why, sizeof(why)), CM_ENF_NO);

    cm_vector_free(&v612);
    cm_vector_free(&v614);
    cm_vector_free(&v72);
    cm_vector_free(&v65);
    cm_snapshot_free(s612);
    cm_snapshot_free(s614);
    cm_snapshot_free(s72);
    cm_snapshot_free(s65);
}
END_TEST

START_TEST(enforce_early_kernels)
{
    char why[512];
    static const unsigned svpbmt[] = {RVF_SVPBMT};
    static const unsigned drop[] = {RVF_ZBA, RVF_ZBB, RVF_ZBC, RVF_ZBS, RVF_ZICSR, RVF_ZIFENCEI, RVF_ZICNTR,
                                    RVF_ZIHPM, RVF_ZAWRS, RVF_ZICBOZ, RVF_ZICBOM, RVF_ZIHINTPAUSE};
    struct cm_snapshot *s = host_with("rv-60", "6.0.7", svpbmt, 1, drop, CM_ARRAY_SIZE(drop));
    struct cm_vector v;
    decode(s, &v);
    /* 5.19-6.0: only d, f, h could be cleared; multi-letter extensions could not */
    ck_assert_int_eq(enf(&v, RVF_ISA_EXT(RVF_D), 1, 0, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&v, RVF_ISA_EXT(RVF_SVPBMT), 1, 0, why, sizeof(why)), CM_ENF_NO);
    ck_assert_int_eq(enf(&v, RVF_ISA_EXT(RVF_SSTC), 1, 0, why, sizeof(why)), CM_ENF_NO);
    cm_vector_free(&v);
    cm_snapshot_free(s);
}
END_TEST

START_TEST(enforce_config)
{
    char why[512];
    struct rvf_opts o;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    struct cm_snapshot *s = rvf_build(&o);
    o.cap_set_hgatp = true;
    o.host = "rv-hgatp";
    struct cm_snapshot *sc = rvf_build(&o);
    rvf_defaults(&o, "rv-61", "6.1.100");
    struct cm_snapshot *s61 = rvf_build(&o);
    struct cm_vector v, vc, v61;
    decode(s, &v);
    decode(sc, &vc);
    decode(s61, &v61);
    /* block sizes are read-only: a write must equal the host's value */
    ck_assert_int_eq(enf(&v, RVF_CONFIG(1), 64, 32, why, sizeof(why)), CM_ENF_NO);
    ck_assert_msg(strstr(why, "EINVAL"), "%s", why);
    /* satp_mode: the write must equal the host's mode, unless KVM_CAP_RISCV_SET_HGATP_MODE */
    ck_assert_int_eq(enf(&v, RVF_CONFIG(6), 10, 9, why, sizeof(why)), CM_ENF_NO);
    ck_assert_int_eq(enf(&vc, RVF_CONFIG(6), 10, 9, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&vc, RVF_CONFIG(6), 9, 10, why, sizeof(why)), CM_ENF_NO);
    /* mvendorid/marchid/mimpid: writable before the first run since 6.2 */
    ck_assert_int_eq(enf(&v, RVF_CONFIG(2), 0, 0x489, why, sizeof(why)), CM_ENF_WRITE);
    ck_assert_int_eq(enf(&v61, RVF_CONFIG(4), 0, 1, why, sizeof(why)), CM_ENF_NO);
    /* config.isa letter fields follow the extension rules: d can go, a cannot */
    long isa = slot_of(&v, RVF_CONFIG(0));
    const struct cm_word *w = &ops()->words[isa];
    for (uint16_t i = 0; i < w->nfields; i++) {
        struct cm_buf b = {0};
        uint32_t feat;
        enum cm_enforce e = ops()->enforce(&v, (size_t)isa, &w->fields[i], 1, 0, &b, &feat);
        if (!strcmp(w->fields[i].name, "d"))
            ck_assert_int_eq(e, CM_ENF_WRITE);
        if (!strcmp(w->fields[i].name, "a"))
            ck_assert_int_eq(e, CM_ENF_NO);
        cm_buf_free(&b);
    }
    cm_vector_free(&v);
    cm_vector_free(&vc);
    cm_vector_free(&v61);
    cm_snapshot_free(s);
    cm_snapshot_free(sc);
    cm_snapshot_free(s61);
}
END_TEST

static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

START_TEST(vanishing_vector)
{
    static const unsigned v_ext[] = {RVF_V};
    struct cm_snapshot *s = host_with("rv-v", "6.12.107+deb13-riscv64", v_ext, 1, NULL, 0);
    struct cm_vector host, model;
    decode(s, &host);
    cm_vector_copy(&model, &host);
    model.is_model = true;
    /* the model without V: ISA_EXT.v = 0 and config.isa without 'v' */
    model.val[slot_of(&model, RVF_ISA_EXT(RVF_V))] = 0;
    model.val[slot_of(&model, RVF_CONFIG(0))] &= ~(1ULL << ('v' - 'a'));
    uint64_t *ids = NULL;
    size_t n = 0;
    ops()->vanishing(&host, &model, &ids, &n);
    /* 5 vector CSRs + 32 vector registers leave; ISA_EXT.v itself stays listed */
    ck_assert_uint_eq(n, 37);
    ck_assert(has_id(ids, n, RVF_VECTOR_CSR(4)));
    ck_assert(!has_id(ids, n, RVF_ISA_EXT(RVF_V)));
    free(ids);
    /* nothing vanishes when the model keeps everything */
    ids = NULL;
    n = 0;
    ops()->vanishing(&host, &host, &ids, &n);
    ck_assert_uint_eq(n, 0);
    free(ids);
    cm_vector_free(&host);
    cm_vector_free(&model);
    cm_snapshot_free(s);
}
END_TEST

static enum cm_rollback classify(const struct cm_snapshot *host, const struct cm_vector *model, uint64_t id,
                                 bool *write, uint64_t *wv, char *why, size_t len)
{
    const struct cm_reg *r = cm_snapshot_find_reg(host, id);
    ck_assert_msg(r != NULL, "host does not list 0x%016llx", (unsigned long long)id);
    struct cm_buf b = {0};
    enum cm_rollback c = ops()->classify_missing(host, model, id, cm_snapshot_reg_val(host, r), write, wv, &b);
    snprintf(why, len, "%s", b.s ? b.s : "");
    cm_buf_free(&b);
    return c;
}

/* A 7.2 host against a model whose oldest member runs 6.12 */
START_TEST(rollback_72_to_612)
{
    static const unsigned extra[] = {RVF_SMNPM, RVF_ZICBOP};
    struct cm_snapshot *s72 = host_with("rv-72", "7.2.13+deb14-riscv64", extra, 2, NULL, 0);
    struct cm_snapshot *s612 = rvf_host_6_12("rv-612");
    struct cm_vector model;
    decode(s612, &model);
    model.is_model = true;
    char why[768];
    bool write;
    uint64_t wv;
    /* ZAAMO is in the cannot-disable list (6.15 on): blocking */
    ck_assert_int_eq(classify(s72, &model, RVF_ISA_EXT(RVF_ZAAMO), &write, &wv, why, sizeof(why)), CM_RB_BLOCKING);
    ck_assert_msg(strstr(why, "ZAAMO cannot be disabled by KVM on Linux 7.2"), "%s", why);
    ck_assert_msg(strstr(why, "6.12") && strstr(why, "6.15"), "%s", why);
    /* SMNPM (6.13) is disable-able on 7.2 (>= 6.18): droppable after writing 0 */
    write = false;
    ck_assert_int_eq(classify(s72, &model, RVF_ISA_EXT(RVF_SMNPM), &write, &wv, why, sizeof(why)),
                     CM_RB_DROPPABLE);
    ck_assert(write);
    ck_assert_uint_eq(wv, 0);
    /* SBI FWFT (6.18, enabled by default): disabled by the plan, then droppable */
    write = false;
    ck_assert_int_eq(classify(s72, &model, RVF_SBI_EXT(RVF_SBI_FWFT), &write, &wv, why, sizeof(why)),
                     CM_RB_DROPPABLE);
    ck_assert(write && wv == 0);
    /* SBI SUSP (6.14) is disabled by default: droppable as is */
    write = true;
    ck_assert_int_eq(classify(s72, &model, RVF_SBI_EXT(RVF_SBI_SUSP), &write, &wv, why, sizeof(why)),
                     CM_RB_DROPPABLE);
    ck_assert(!write);
    /* zicbop_block_size (6.18) follows Zicbop, which KVM cannot disable: blocking */
    ck_assert_int_eq(classify(s72, &model, RVF_CONFIG(7), &write, &wv, why, sizeof(why)), CM_RB_BLOCKING);
    cm_vector_free(&model);
    cm_snapshot_free(s72);
    cm_snapshot_free(s612);
}
END_TEST

/* A 6.12 host against a model whose oldest member runs 5.18 (no ISA_EXT/SBI_EXT registers yet) */
START_TEST(rollback_612_to_518)
{
    struct cm_snapshot *s612 = rvf_host_6_12("rv-612");
    struct rvf_opts o;
    rvf_defaults(&o, "rv-518", "5.18.19");
    struct cm_snapshot *s518 = rvf_build(&o);
    ck_assert_ptr_null(cm_snapshot_find_reg(s518, RVF_ISA_EXT(RVF_A))); /* ISA_EXT is 5.19 */
    struct cm_vector model;
    decode(s518, &model);
    model.is_model = true;
    char why[768];
    bool write;
    uint64_t wv;
    /* A and D: the 5.18 guest has them through config.isa */
    ck_assert_int_eq(classify(s612, &model, RVF_ISA_EXT(RVF_A), &write, &wv, why, sizeof(why)), CM_RB_DROPPABLE);
    ck_assert(!write);
    ck_assert_int_eq(classify(s612, &model, RVF_ISA_EXT(RVF_D), &write, &wv, why, sizeof(why)), CM_RB_DROPPABLE);
    ck_assert(!write);
    /* H reads 0: nothing to hide */
    ck_assert_int_eq(classify(s612, &model, RVF_ISA_EXT(RVF_H), &write, &wv, why, sizeof(why)), CM_RB_DROPPABLE);
    /* Zicbom (6.1) is disable-able on 6.12: write 0 first */
    ck_assert_int_eq(classify(s612, &model, RVF_ISA_EXT(RVF_ZICBOM), &write, &wv, why, sizeof(why)),
                     CM_RB_DROPPABLE);
    ck_assert(write && wv == 0);
    /* ZBA is not */
    ck_assert_int_eq(classify(s612, &model, RVF_ISA_EXT(RVF_ZBA), &write, &wv, why, sizeof(why)), CM_RB_BLOCKING);
    ck_assert_msg(strstr(why, "5.18") && strstr(why, "6.6"), "%s", why);
    /* DBCN (6.7) is off by default: droppable as is */
    ck_assert_int_eq(classify(s612, &model, RVF_SBI_EXT(RVF_SBI_DBCN), &write, &wv, why, sizeof(why)),
                     CM_RB_DROPPABLE);
    ck_assert(!write);
    /* zicbom_block_size leaves the list with Zicbom */
    ck_assert_int_eq(classify(s612, &model, RVF_CONFIG(1), &write, &wv, why, sizeof(why)), CM_RB_HIDDEN);
    cm_vector_free(&model);
    cm_snapshot_free(s612);
    cm_snapshot_free(s518);
}
END_TEST

/* Issue 9 item 5, facts measured in the migration lab (docs/migration-lab.md,
 * tests/test_lab_migrate.sh; QEMU 7.2 `-cpu rv64,h=true`, which has neither
 * Zicbom nor Zicboz): Linux 7.2.13 lists config.zicbom_block_size and
 * config.zicboz_block_size reading 0 although the host lacks both extensions,
 * 6.12.107 lists neither; restoring the 7.2 state on 6.12 fails on
 * zicbom_block_size with ENOENT.  The 6.6 source (vcpu_onereg.c,
 * copy_config_reg_indices) lists them only while the vCPU's isa has the
 * extension. */
START_TEST(block_sizes_listed_without_extension)
{
    static const unsigned no_cbo[] = {RVF_ZICBOM, RVF_ZICBOZ};
    struct cm_snapshot *s72 = host_with("rv72", "7.2.13+deb14-riscv64", NULL, 0, no_cbo, 2);
    struct cm_snapshot *s612 = host_with("rv612", "6.12.107+deb13-riscv64", NULL, 0, no_cbo, 2);
    /* the 7.2 fact: listed, reading 0, without the extension */
    cm_error err = {0};
    ck_assert(cm_snapshot_find_reg(s72, RVF_CONFIG(1)) == NULL); /* the fixture follows the 6.x rule */
    ck_assert(cm_snapshot_add_reg(s72, RVF_CONFIG(1), (uint64_t[]){0}, 0, &err) == 0);
    ck_assert(cm_snapshot_add_reg(s72, RVF_CONFIG(5), (uint64_t[]){0}, 0, &err) == 0);
    ck_assert_msg(cm_snapshot_finish(s72, &err) == 0, "%s", err.msg);
    ck_assert(cm_snapshot_find_reg(s612, RVF_CONFIG(1)) == NULL);

    /* 7.2 -> 6.12: the destination refuses the register (ENOENT): not
     * hidden (it never leaves the 7.2 list), droppable for a VMM that leaves
     * it out, and the reason says a restore-all VMM fails */
    struct cm_vector model;
    decode(s612, &model);
    char why[1024];
    bool write;
    uint64_t wv;
    for (unsigned idx = 1; idx <= 5; idx += 4) {
        enum cm_rollback c = classify(s72, &model, RVF_CONFIG(idx), &write, &wv, why, sizeof(why));
        ck_assert_msg(c == CM_RB_DROPPABLE, "config %u: class %d: %s", idx, c, why);
        ck_assert(!write);
        ck_assert_msg(strstr(why, "ENOENT") && strstr(why, "7.2") && strstr(why, "every saved register"), "%s", why);
    }
    cm_vector_free(&model);

    /* a plan turning Zicbom off: on 7.2 the register stays listed (not in
     * the vanishing list); on 6.12 it leaves with the extension */
    struct cm_snapshot *h72 = host_with("rv72cbo", "7.2.13+deb14-riscv64", NULL, 0, NULL, 0);
    struct cm_snapshot *h612 = host_with("rv612cbo", "6.12.107+deb13-riscv64", NULL, 0, NULL, 0);
    struct cm_snapshot *hs[] = {h72, h612};
    for (size_t i = 0; i < 2; i++) {
        struct cm_vector host, m;
        decode(hs[i], &host);
        ck_assert(cm_vector_has_reg(&host, RVF_CONFIG(1)));
        cm_vector_copy(&m, &host);
        m.is_model = true;
        m.val[slot_of(&m, RVF_ISA_EXT(RVF_ZICBOM))] = 0;
        uint64_t *ids = NULL;
        size_t n = 0;
        ops()->vanishing(&host, &m, &ids, &n);
        ck_assert_msg(has_id(ids, n, RVF_CONFIG(1)) == (i == 1), "%s: zicbom_block_size vanishing %d",
                      hs[i]->kernel, has_id(ids, n, RVF_CONFIG(1)));
        free(ids);
        cm_vector_free(&host);
        cm_vector_free(&m);
    }
    cm_snapshot_free(h72);
    cm_snapshot_free(h612);
    cm_snapshot_free(s72);
    cm_snapshot_free(s612);
}
END_TEST

/* "unknown ISA extension ids -> clear error, nothing lost" */
START_TEST(bad_input)
{
    struct cm_snapshot *s = rvf_host_6_12("rv-bad");
    cm_error err = {0};
    ck_assert(cm_snapshot_add_reg(s, 0x8030000007000000ULL + 200, (uint64_t[]){1}, 0, &err) == 0);
    ck_assert(cm_snapshot_finish(s, &err) == 0);
    struct cm_vector v;
    ck_assert_int_lt(cm_vector_from_snapshot(s, &v, &err), 0);
    ck_assert_int_eq(err.code, CM_E_INPUT);
    ck_assert_msg(strstr(err.msg, "unknown ISA extension id 200"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "0x80300000070000c8"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "rv-bad"), "%s", err.msg);
    cm_snapshot_free(s);

    /* an ISA_EXT value other than 0/1 */
    s = rvf_host_6_12("rv-bad2");
    cm_snapshot_set_u64(s, RVF_ISA_EXT(RVF_ZBA), 2);
    ck_assert_int_lt(cm_vector_from_snapshot(s, &v, &err), 0);
    ck_assert_msg(strstr(err.msg, "ISA_EXT.zba") && strstr(err.msg, "0 or 1"), "%s", err.msg);
    cm_snapshot_free(s);

    /* an unknown SBI id, an unknown config index, a MULTI register, a foreign id */
    static const uint64_t bad[] = {0x8030000008000000ULL + 40, 0x8030000001000000ULL + 9,
                                   0x8030000007010000ULL, 0x6030000000130000ULL};
    static const char *const msg[] = {"unknown SBI extension id 40", "unknown config register index 9", "MULTI",
                                      "not a RISC-V"};
    for (size_t i = 0; i < CM_ARRAY_SIZE(bad); i++) {
        s = rvf_host_6_12("rv-bad3");
        ck_assert(cm_snapshot_add_reg(s, bad[i], (uint64_t[]){0}, 0, &err) == 0);
        ck_assert(cm_snapshot_finish(s, &err) == 0);
        ck_assert_int_lt(cm_vector_from_snapshot(s, &v, &err), 0);
        ck_assert_msg(strstr(err.msg, msg[i]), "%s", err.msg);
        cm_snapshot_free(s);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv64_driver");
    TCase *tc = tcase_create("driver");
    tcase_add_test(tc, layout_ids);
    tcase_add_test(tc, names_and_volatile);
    tcase_add_test(tc, fixture_register_lists);
    tcase_add_test(tc, decode_presence_and_values);
    tcase_add_test(tc, encode_roundtrip);
    tcase_add_test(tc, enforce_disable_per_kernel);
    tcase_add_test(tc, enforce_early_kernels);
    tcase_add_test(tc, enforce_config);
    tcase_add_test(tc, vanishing_vector);
    tcase_add_test(tc, block_sizes_listed_without_extension);
    tcase_add_test(tc, rollback_72_to_612);
    tcase_add_test(tc, rollback_612_to_518);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
