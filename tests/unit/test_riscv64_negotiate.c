/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 through the generic engine (baseline, groups, plan, rollback) on
 * fact-built hosts (helpers/rv_fixtures.c).  Expectations come from
 * KVM-FACTS.md §B: the model has an extension only if every host has it
 * enabled; an extension KVM cannot disable keeps its host out of a model
 * without it; block sizes must be equal; satp_mode can only be the host's.
 */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "helpers/rv_fixtures.h"
#include "testlib.h"

struct host {
    struct cm_snapshot *s;
    struct cm_vector v;
};

static void mk(struct host *h, struct rvf_opts *o)
{
    cm_error err = {0};
    ck_assert_ptr_eq(cm_arch_ops(CM_ARCH_RISCV64), &cm_riscv64_ops);
    h->s = rvf_build(o);
    ck_assert_msg(cm_vector_from_snapshot(h->s, &h->v, &err) == 0, "%s", err.msg);
}

static void drop(struct host *h)
{
    cm_vector_free(&h->v);
    cm_snapshot_free(h->s);
}

static long slot(const struct cm_vector *v, uint64_t id)
{
    long i = cm_vector_word_index(v, id);
    ck_assert(i >= 0);
    return i;
}

static bool reasons_have(const struct cm_reasons *r, enum cm_severity sev, const char *needle)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].sev == sev && r->v[i].text && strstr(r->v[i].text, needle))
            return true;
    return false;
}

static void dump_reasons(const char *what, const struct cm_reasons *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  %s [%s] %s\n", what, cm_severity_name(r->v[i].sev), r->v[i].text);
}

/* Different extension sets: the model holds the AND, and every host can be restricted to it. */
START_TEST(baseline_is_the_and)
{
    struct rvf_opts o;
    struct host a, b;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    rvf_set(&o, RVF_V);       /* V allowed here */
    rvf_set(&o, RVF_SVPBMT);  /* disable-able, A only */
    o.sbi_pmu = true;         /* SBI PMU available on A only */
    mk(&a, &o);
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    rvf_set(&o, RVF_V);
    o.v_allowed = false;      /* listed with 0: KVM does not allow V for guests on B */
    mk(&b, &o);

    const struct cm_vector *set[2] = {&a.v, &b.v};
    struct cm_baseline bl;
    cm_error err = {0};
    /* A VMM restoring every saved register (the default): A's state carries
     * ISA_EXT.svpbmt (listed while the host has Svpbmt, even when disabled),
     * which B does not list: KVM_SET_ONE_REG answers ENOENT there (measured
     * in the migration lab: rvb -> rva, ISA_EXT.v, 6.12 and 7.2). */
    ck_assert_msg(cm_baseline(set, 2, true, &bl, &err) == 0, "%s", err.msg);
    ck_assert(!bl.verdicts[0].enforceable);
    ck_assert(bl.verdicts[1].enforceable);
    bool enoent = false;
    for (size_t i = 0; i < bl.verdicts[0].reasons.n; i++) {
        const struct cm_reason *r = &bl.verdicts[0].reasons.v[i];
        if (r->sev == CM_SEV_ERROR && r->reg == RVF_ISA_EXT(RVF_SVPBMT))
            enoent = strstr(r->text, "ENOENT") != NULL;
    }
    ck_assert(enoent);
    cm_baseline_free(&bl);

    /* A VMM applying the plan's register lists leaves it out of the stream */
    ck_assert_msg(cm_baseline_ex(set, 2, CM_BL_GROUPS | CM_BL_PLAN_AWARE, &bl, &err) == 0, "%s", err.msg);
    dump_reasons("verdict a", &bl.verdicts[0].reasons);
    dump_reasons("verdict b", &bl.verdicts[1].reasons);
    ck_assert_uint_eq(bl.incompat.n, 0);
    ck_assert(bl.verdicts[0].enforceable);
    ck_assert(bl.verdicts[1].enforceable);
    ck_assert(bl.enforceable_everywhere);

    /* per extension: in the model iff both hosts list it enabled (values read from the snapshots) */
    for (unsigned e = 0; e < 75; e++) {
        uint64_t va = 0, vb = 0;
        bool la = cm_snapshot_get_u64(a.s, RVF_ISA_EXT(e), &va), lb = cm_snapshot_get_u64(b.s, RVF_ISA_EXT(e), &vb);
        long i = slot(&bl.model, RVF_ISA_EXT(e));
        bool in_model = bl.model.present[i] && !bl.model.novalue[i] && bl.model.val[i] == 1;
        ck_assert_msg(in_model == (la && lb && va == 1 && vb == 1), "ext %u: model %d, a %d/%llu, b %d/%llu", e,
                      in_model, la, (unsigned long long)va, lb, (unsigned long long)vb);
    }
    uint64_t ia = 0, ib = 0;
    cm_snapshot_get_u64(a.s, RVF_CONFIG(0), &ia);
    cm_snapshot_get_u64(b.s, RVF_CONFIG(0), &ib);
    ck_assert_uint_eq(bl.model.val[slot(&bl.model, RVF_CONFIG(0))], ia & ib);
    ck_assert(ia & (1ULL << ('v' - 'a')));
    ck_assert(!(ia & ib & (1ULL << ('v' - 'a'))));

    /* the plan for A: V off (config.isa and ISA_EXT.v), SVPBMT and SBI PMU off; vector registers leave */
    struct cm_plan p;
    const struct cm_assume aware = {CM_READ_MIGRATION, CM_RESTORE_PLAN_AWARE};
    ck_assert_msg(cm_plan_make_ex(&bl.model, a.s, &aware, &p, &err) == 0, "%s", err.msg);
    dump_reasons("plan a", &p.reasons);
    ck_assert(p.ok);
    bool isa_w = false, v_w = false, svpbmt_w = false, pmu_w = false;
    for (size_t i = 0; i < p.nwrites; i++) {
        ck_assert_uint_eq(p.writes[i].order, CM_ORDER_CONFIG);
        if (i)
            ck_assert(p.writes[i - 1].id < p.writes[i].id); /* config, then ISA_EXT, then SBI_EXT */
        if (p.writes[i].id == RVF_CONFIG(0))
            isa_w = p.writes[i].new_value == (ia & ib);
        if (p.writes[i].id == RVF_ISA_EXT(RVF_V))
            v_w = p.writes[i].new_value == 0;
        if (p.writes[i].id == RVF_ISA_EXT(RVF_SVPBMT))
            svpbmt_w = p.writes[i].new_value == 0;
        if (p.writes[i].id == RVF_SBI_EXT(RVF_SBI_PMU))
            pmu_w = p.writes[i].new_value == 0;
    }
    ck_assert(isa_w && v_w && svpbmt_w && pmu_w);
    size_t vec = 0;
    for (size_t i = 0; i < p.nvanishing; i++)
        vec += (p.vanishing[i] & 0xff000000ULL) == 0x09000000ULL;
    ck_assert_uint_eq(vec, 5 + 32);
    /* ISA_EXT.svpbmt stays listed on A (one register per host extension): droppable for B */
    bool svpbmt_rb = false;
    for (size_t i = 0; i < p.nrollback; i++)
        if (p.rollback[i].id == RVF_ISA_EXT(RVF_SVPBMT))
            svpbmt_rb = p.rollback[i].cls == CM_RB_DROPPABLE;
    ck_assert(svpbmt_rb);
    cm_plan_free(&p);

    /* B needs nothing */
    ck_assert_msg(cm_plan_make(&bl.model, b.s, &p, &err) == 0, "%s", err.msg);
    ck_assert(p.ok);
    ck_assert_uint_eq(p.nwrites, 0);
    cm_plan_free(&p);

    /* the model as a snapshot decodes again and merges with a third host (associativity) */
    struct cm_snapshot *ms = cm_model_snapshot(&bl.model, set, 2, &err);
    ck_assert_msg(ms != NULL, "%s", err.msg);
    struct cm_vector mv;
    ck_assert_msg(cm_vector_from_snapshot(ms, &mv, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < mv.ops->nwords; i++) {
        ck_assert_uint_eq(mv.present[i], bl.model.present[i]);
        if (mv.present[i])
            ck_assert_uint_eq(mv.val[i], bl.model.val[i]);
    }
    cm_vector_free(&mv);
    cm_snapshot_free(ms);
    cm_baseline_free(&bl);
    drop(&a);
    drop(&b);
}
END_TEST

/* ZBA (cannot be disabled on 6.12) on one host only */
START_TEST(non_disableable_on_one_host)
{
    struct rvf_opts o;
    struct host a, b;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    mk(&a, &o);
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    rvf_clear(&o, RVF_ZBA);
    mk(&b, &o);
    const struct cm_vector *set[2] = {&a.v, &b.v};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 2, true, &bl, &err) == 0, "%s", err.msg);
    dump_reasons("verdict a", &bl.verdicts[0].reasons);
    ck_assert(!bl.model.present[slot(&bl.model, RVF_ISA_EXT(RVF_ZBA))]);
    ck_assert(!bl.verdicts[0].enforceable);
    ck_assert(bl.verdicts[1].enforceable);
    ck_assert(!bl.enforceable_everywhere);
    ck_assert(reasons_have(&bl.verdicts[0].reasons, CM_SEV_ERROR, "ZBA cannot be disabled by KVM on Linux 6.12"));
    ck_assert(reasons_have(&bl.verdicts[0].reasons, CM_SEV_ERROR, "cannot run a guest model without it"));
    /* groups: each host alone, the split explained by ZBA */
    ck_assert_uint_eq(bl.ngroups, 2);
    ck_assert_uint_eq(bl.groups[0].nmembers, 1);
    ck_assert_uint_eq(bl.groups[1].nmembers, 1);
    ck_assert_msg(strstr(bl.groups[1].why, "ZBA"), "%s", bl.groups[1].why);
    /* each group's model is enforceable on its member */
    for (size_t g = 0; g < bl.ngroups; g++) {
        struct cm_reasons r = {0};
        ck_assert(cm_enforceable(&bl.groups[g].model, set[bl.groups[g].members[0]], &r));
        cm_reasons_free(&r);
    }
    cm_baseline_free(&bl);
    drop(&a);
    drop(&b);
}
END_TEST

/* Same hardware, kernels 6.12 and 7.2: the 7.2-only registers decide (rollback) */
START_TEST(kernel_612_vs_72)
{
    struct rvf_opts o;
    struct host old, neu;
    rvf_defaults(&o, "rv-612", "6.12.107+deb13-riscv64");
    mk(&old, &o);
    rvf_defaults(&o, "rv-72", "7.2.13+deb14-riscv64");
    mk(&neu, &o);
    const struct cm_vector *set[2] = {&old.v, &neu.v};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 2, true, &bl, &err) == 0, "%s", err.msg);
    dump_reasons("verdict 7.2", &bl.verdicts[1].reasons);
    ck_assert(bl.verdicts[0].enforceable);
    /* ZAAMO/ZALRSC are in the cannot-disable list since 6.15: the 7.2 host cannot run the 6.12 model */
    ck_assert(!bl.verdicts[1].enforceable);
    ck_assert(reasons_have(&bl.verdicts[1].reasons, CM_SEV_ERROR, "ZAAMO cannot be disabled by KVM on Linux 7.2"));
    ck_assert(reasons_have(&bl.verdicts[1].reasons, CM_SEV_ERROR, "ZALRSC"));
    ck_assert_uint_eq(bl.ngroups, 2);

    /* the plan for the 7.2 host: FWFT disabled then droppable, SUSP/MPXY droppable as they are, ZAAMO blocking */
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&bl.model, neu.s, &p, &err) == 0, "%s", err.msg);
    ck_assert(!p.ok);
    int seen = 0;
    for (size_t i = 0; i < p.nrollback; i++) {
        uint64_t id = p.rollback[i].id;
        if (id == RVF_ISA_EXT(RVF_ZAAMO) || id == RVF_ISA_EXT(RVF_ZALRSC))
        {
            ck_assert_int_eq(p.rollback[i].cls, CM_RB_BLOCKING);
            seen++;
        }
        if (id == RVF_SBI_EXT(RVF_SBI_FWFT) || id == RVF_SBI_EXT(RVF_SBI_SUSP) || id == RVF_SBI_EXT(RVF_SBI_MPXY))
        {
            ck_assert_int_eq(p.rollback[i].cls, CM_RB_DROPPABLE);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 5);
    bool fwft_off = false;
    for (size_t i = 0; i < p.nwrites; i++)
        if (p.writes[i].id == RVF_SBI_EXT(RVF_SBI_FWFT))
            fwft_off = p.writes[i].new_value == 0 && p.writes[i].old_value == 1;
    ck_assert(fwft_off);
    char *hidden = cm_plan_qemu_hidden_regs(&p);
    ck_assert_msg(strstr(hidden, "0x803000000800000c"), "%s", hidden); /* SBI_EXT.fwft */
    free(hidden);
    cm_plan_free(&p);
    cm_baseline_free(&bl);

    /* a 7.2 host on its own kernel line is fine with another 7.2 host */
    struct host neu2;
    rvf_defaults(&o, "rv-72b", "7.2.13+deb14-riscv64");
    mk(&neu2, &o);
    const struct cm_vector *set2[2] = {&neu.v, &neu2.v};
    ck_assert_msg(cm_baseline(set2, 2, true, &bl, &err) == 0, "%s", err.msg);
    ck_assert(bl.enforceable_everywhere);
    cm_baseline_free(&bl);
    drop(&neu2);
    drop(&old);
    drop(&neu);
}
END_TEST

START_TEST(block_size_mismatch)
{
    struct rvf_opts o;
    struct host a, b;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    mk(&a, &o);
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    o.cbom_block = 128;
    mk(&b, &o);
    const struct cm_vector *set[2] = {&a.v, &b.v};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 2, true, &bl, &err) == 0, "%s", err.msg);
    ck_assert(!bl.enforceable_everywhere);
    ck_assert(bl.incompat.n >= 1);
    ck_assert(reasons_have(&bl.incompat, CM_SEV_ERROR, "zicbom_block_size"));
    ck_assert_uint_eq(bl.ngroups, 2);
    cm_baseline_free(&bl);
    drop(&a);
    drop(&b);
}
END_TEST

/* satp_mode: the smaller mode is the model; a larger-mode host cannot present it (EINVAL) */
START_TEST(satp_mode_split)
{
    struct rvf_opts o;
    struct host a, b, c;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    mk(&a, &o);               /* Sv57 */
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    o.satp_mode = 9;          /* Sv48 */
    mk(&b, &o);
    rvf_defaults(&o, "rv-c", "6.12.107+deb13-riscv64");
    o.cap_set_hgatp = true;   /* Sv57 host with KVM_CAP_RISCV_SET_HGATP_MODE */
    mk(&c, &o);
    const struct cm_vector *set[3] = {&a.v, &b.v, &c.v};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 3, true, &bl, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(bl.model.val[slot(&bl.model, RVF_CONFIG(6))], 9);
    ck_assert(!bl.verdicts[0].enforceable);
    ck_assert(bl.verdicts[1].enforceable);
    ck_assert(bl.verdicts[2].enforceable);
    ck_assert(reasons_have(&bl.verdicts[0].reasons, CM_SEV_ERROR, "satp"));
    ck_assert_uint_eq(bl.ngroups, 2);
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&bl.model, c.s, &p, &err) == 0, "%s", err.msg);
    ck_assert(p.ok);
    ck_assert_uint_eq(p.nwrites, 1);
    ck_assert_uint_eq(p.writes[0].id, RVF_CONFIG(6));
    ck_assert_uint_eq(p.writes[0].new_value, 9);
    cm_plan_free(&p);
    cm_baseline_free(&bl);
    drop(&a);
    drop(&b);
    drop(&c);
}
END_TEST

/* mvendorid differs: a warning, no value in the model; writable on >= 6.2 when a model has one */
START_TEST(identity_registers)
{
    struct rvf_opts o;
    struct host a, b;
    rvf_defaults(&o, "rv-a", "6.12.107+deb13-riscv64");
    o.mvendorid = 0x489; /* SiFive JEDEC id */
    mk(&a, &o);
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    mk(&b, &o);
    const struct cm_vector *set[2] = {&a.v, &b.v};
    struct cm_baseline bl;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(set, 2, true, &bl, &err) == 0, "%s", err.msg);
    ck_assert(bl.enforceable_everywhere);
    long mv = slot(&bl.model, RVF_CONFIG(2));
    ck_assert(bl.model.present[mv] && bl.model.novalue[mv]);
    ck_assert(reasons_have(&bl.notes, CM_SEV_WARNING, "mvendorid"));
    cm_baseline_free(&bl);
    /* plan A's identity onto B: a write (6.12 >= 6.2) */
    const struct cm_vector *one[1] = {&a.v};
    ck_assert(cm_baseline(one, 1, false, &bl, &err) == 0);
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&bl.model, b.s, &p, &err) == 0, "%s", err.msg);
    bool w = false;
    for (size_t i = 0; i < p.nwrites; i++)
        w |= p.writes[i].id == RVF_CONFIG(2) && p.writes[i].new_value == 0x489;
    ck_assert(w);
    cm_plan_free(&p);
    cm_baseline_free(&bl);
    drop(&a);
    drop(&b);
}
END_TEST

/* JSON round trip of a fact-built host (U32 FP, U128 vector registers included) and compare A -> B */
START_TEST(json_roundtrip_and_compare)
{
    struct rvf_opts o;
    struct host a, b;
    rvf_defaults(&o, "rv-a", "7.2.13+deb14-riscv64");
    rvf_set(&o, RVF_V);
    mk(&a, &o);
    char *text = NULL;
    ck_assert(cm_snapshot_to_json_string(a.s, &text) == 0);
    struct cm_snapshot *back = NULL;
    cm_error err = {0};
    ck_assert_msg(cm_snapshot_parse(text, strlen(text), "rv-a.json", &back, &err) == 0, "%s", err.msg);
    free(text);
    ck_assert_uint_eq(back->nregs, a.s->nregs);
    for (size_t i = 0; i < back->nregs; i++) {
        ck_assert_uint_eq(back->regs[i].id, a.s->regs[i].id);
        size_t nw = cm_reg_words(back->regs[i].id);
        ck_assert(!memcmp(cm_snapshot_reg_val(back, &back->regs[i]), cm_snapshot_reg_val(a.s, &a.s->regs[i]),
                          nw * sizeof(uint64_t)));
    }
    struct cm_vector bv;
    ck_assert_msg(cm_vector_from_snapshot(back, &bv, &err) == 0, "%s", err.msg);
    ck_assert(!memcmp(bv.val, a.v.val, bv.ops->nwords * sizeof(uint64_t)));
    cm_vector_free(&bv);
    cm_snapshot_free(back);

    /* compare: a guest of the 7.2 host with V cannot go to a 6.12 host without V */
    rvf_defaults(&o, "rv-b", "6.12.107+deb13-riscv64");
    mk(&b, &o);
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&a.v, &b.v, b.s, &r));
    dump_reasons("compare", &r);
    bool v_reason = false;
    for (size_t i = 0; i < r.n; i++)
        v_reason |= r.v[i].sev == CM_SEV_ERROR && (r.v[i].reg == RVF_ISA_EXT(RVF_V) || r.v[i].reg == RVF_CONFIG(0));
    ck_assert(v_reason);
    cm_reasons_free(&r);
    /* and the other way round works once B's guest is the model (B's extensions are a subset) */
    ck_assert(cm_compare(&b.v, &b.v, b.s, &r));
    cm_reasons_free(&r);
    drop(&a);
    drop(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv64_negotiate");
    TCase *tc = tcase_create("engine");
    tcase_add_test(tc, baseline_is_the_and);
    tcase_add_test(tc, non_disableable_on_one_host);
    tcase_add_test(tc, kernel_612_vs_72);
    tcase_add_test(tc, block_size_mismatch);
    tcase_add_test(tc, satp_mode_split);
    tcase_add_test(tc, identity_registers);
    tcase_add_test(tc, json_roundtrip_and_compare);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
