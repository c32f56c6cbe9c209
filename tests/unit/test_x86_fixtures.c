/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86_64 driver on the 12 real Firecracker dumps (Skylake, Cascade Lake,
 * Ice Lake, Milan; host kernels 4.14 / 5.10 / 6.1).  The oracle for decode is
 * the fixture JSON itself, read here with json-c independently of the
 * importer; kernel-dependent differences are computed from the dumps and
 * every one must be reported by the engine; CPU facts (which generation has
 * which AVX-512 subset, Zen 3 has none) come from Intel/AMD documentation.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "testlib.h"
#include "../../libcpumodel/x86_64/x86.h"

static const struct cm_arch_ops *ops(void) { return &cm_x86_64_ops; }

/* ---- the oracle: the fixture's own JSON -------------------------------- */

struct oentry {
    uint32_t leaf, sub, flags;
    uint32_t r[4];
};
struct oracle {
    struct oentry e[128];
    size_t n;
    struct {
        uint32_t index;
        uint64_t value;
    } m[64];
    size_t nm;
};

static uint64_t bits(const char *s)
{
    ck_assert_msg(s[0] == '0' && s[1] == 'b', "bitmap %s", s);
    uint64_t v = 0;
    for (s += 2; *s; s++)
        v = (v << 1) | (uint64_t)(*s == '1');
    return v;
}

static json_object *get(json_object *o, const char *k)
{
    json_object *x = NULL;
    ck_assert_msg(json_object_object_get_ex(o, k, &x), "fixture lacks %s", k);
    return x;
}

static void load_oracle(const char *name, struct oracle *o)
{
    char file[256];
    snprintf(file, sizeof(file), "fingerprint_%shost.json", name);
    json_object *root = json_object_from_file(tl_fixture_path(file));
    ck_assert_ptr_nonnull(root);
    json_object *g = get(root, "guest_cpu_config");
    json_object *cm = get(g, "cpuid_modifiers"), *mm = get(g, "msr_modifiers");
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < json_object_array_length(cm); i++) {
        json_object *e = json_object_array_get_idx(cm, i);
        ck_assert_uint_lt(o->n, CM_ARRAY_SIZE(o->e));
        struct oentry *x = &o->e[o->n++];
        x->leaf = (uint32_t)strtoul(json_object_get_string(get(e, "leaf")), NULL, 16);
        x->sub = (uint32_t)strtoul(json_object_get_string(get(e, "subleaf")), NULL, 16);
        x->flags = (uint32_t)json_object_get_int(get(e, "flags"));
        json_object *mods = get(e, "modifiers");
        for (size_t k = 0; k < json_object_array_length(mods); k++) {
            json_object *md = json_object_array_get_idx(mods, k);
            const char *r = json_object_get_string(get(md, "register"));
            int ri = !strcmp(r, "eax") ? 0 : !strcmp(r, "ebx") ? 1 : !strcmp(r, "ecx") ? 2 : 3;
            x->r[ri] = (uint32_t)bits(json_object_get_string(get(md, "bitmap")));
        }
    }
    for (size_t i = 0; i < json_object_array_length(mm); i++) {
        json_object *e = json_object_array_get_idx(mm, i);
        ck_assert_uint_lt(o->nm, CM_ARRAY_SIZE(o->m));
        o->m[o->nm].index = (uint32_t)strtoul(json_object_get_string(get(e, "addr")), NULL, 16);
        o->m[o->nm++].value = bits(json_object_get_string(get(e, "bitmap")));
    }
    json_object_put(root);
}

static const struct oentry *ofind(const struct oracle *o, uint32_t leaf, uint32_t sub)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->e[i].leaf == leaf && o->e[i].sub == sub)
            return &o->e[i];
    return NULL;
}

/* The architectural visibility rule: a leaf above its range's maximum (leaf
 * 0 / 0x40000000 / 0x80000000 EAX) or a leaf-7 subleaf above 7.0 EAX is not there. */
static bool ovisible(const struct oracle *o, uint32_t leaf, uint32_t sub)
{
    uint32_t base = leaf >= 0x80000000u ? 0x80000000u : leaf >= 0x40000000u ? 0x40000000u : 0;
    const struct oentry *b = ofind(o, base, 0);
    if (!b || (leaf != base && leaf > b->r[0]))
        return false;
    if (leaf == 7 && sub > 0) {
        const struct oentry *l7 = ofind(o, 7, 0);
        if (!l7 || sub > l7->r[0])
            return false;
    }
    return ofind(o, leaf, sub) != NULL;
}

static void vec(const char *name, struct cm_vector *v, struct cm_snapshot **keep)
{
    struct cm_snapshot *s = tl_load(name);
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s: %s", name, err.msg);
    *keep = s;
}

static long slot_of(uint64_t id)
{
    for (size_t i = 0; i < ops()->nwords; i++)
        if (ops()->words[i].id == id)
            return (long)i;
    return -1;
}

/* ---- decode ------------------------------------------------------------- */

START_TEST(decode_matches_json)
{
    const char *name = tl_x86_fixtures[_i];
    struct oracle o;
    load_oracle(name, &o);
    struct cm_vector v;
    struct cm_snapshot *s;
    vec(name, &v, &s);
    size_t present = 0;
    for (size_t i = 0; i < ops()->nwords; i++) {
        uint64_t id = ops()->words[i].id;
        if (cm_x86_is_msr_id(id)) {
            bool found = false;
            for (size_t k = 0; k < o.nm; k++)
                if (o.m[k].index == cm_x86_id_msr(id)) {
                    found = true;
                    ck_assert_msg(v.val[i] == o.m[k].value, "%s %s", name, ops()->words[i].name);
                }
            ck_assert_msg(v.present[i] == found, "%s %s presence", name, ops()->words[i].name);
        } else {
            uint32_t leaf = cm_x86_id_leaf(id), sub = cm_x86_id_subleaf(id);
            bool vis = ovisible(&o, leaf, sub);
            ck_assert_msg(v.present[i] == vis, "%s %s presence %d, JSON says %d", name, ops()->words[i].name,
                          v.present[i], vis);
            if (vis)
                ck_assert_msg(v.val[i] == ofind(&o, leaf, sub)->r[cm_x86_id_reg(id)], "%s %s value", name,
                              ops()->words[i].name);
        }
        present += v.present[i];
    }
    ck_assert_uint_ge(present, 30); /* most words are there on every host */
    /* the driver's table of indexed leaves agrees with the flags KVM 5.10/6.1 set
     * (4.14 still flagged leaf 2, whose stateful reading KVM later dropped) */
    if (!strstr(name, "4.14"))
        for (size_t k = 0; k < o.n; k++)
            ck_assert_msg((o.e[k].flags & 1) == cm_x86_leaf_indexed(o.e[k].leaf), "%s leaf 0x%x flags %u", name,
                          o.e[k].leaf, o.e[k].flags);

    /* vendor string: leaf 0 EBX, EDX, ECX */
    char vendor[13];
    uint32_t parts[3] = {(uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EBX))],
                         (uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EDX))],
                         (uint32_t)v.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_ECX))]};
    memcpy(vendor, parts, 12);
    vendor[12] = 0;
    ck_assert_str_eq(vendor, strncmp(name, "AMD", 3) ? "GenuineIntel" : "AuthenticAMD");
    /* every x86-64 CPU has lm, sse2, cx16-era basics */
    ck_assert_int_eq(cm_x86_has_flag(&v, "lm"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&v, "sse2"), 1);
    ck_assert_uint_gt(cm_x86_flag_names(&v, NULL, 0), 60);
    cm_vector_free(&v);
    cm_snapshot_free(s);
}
END_TEST

static void expect_flags(const char *name, const char *const *yes, const char *const *no)
{
    struct cm_vector v;
    struct cm_snapshot *s;
    vec(name, &v, &s);
    for (; yes && *yes; yes++)
        ck_assert_msg(cm_x86_has_flag(&v, *yes) == 1, "%s should have %s", name, *yes);
    for (; no && *no; no++)
        ck_assert_msg(cm_x86_has_flag(&v, *no) == 0, "%s should not have %s", name, *no);
    cm_vector_free(&v);
    cm_snapshot_free(s);
}

START_TEST(cpu_generations)
{
    /* Skylake-SP: AVX-512 F/DQ/CD/BW/VL, no VNNI (that came with Cascade Lake) */
    static const char *const skl_yes[] = {"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "mpx", NULL};
    static const char *const skl_no[] = {"avx512_vnni", "avx512vbmi", "avx512ifma", "gfni", NULL};
    static const char *const clx_yes[] = {"avx512f", "avx512_vnni", NULL};
    static const char *const clx_no[] = {"avx512vbmi", "avx512_vbmi2", "gfni", NULL};
    /* Ice Lake-SP: VBMI, VBMI2, IFMA, BITALG, VPOPCNTDQ, GFNI, VAES, VPCLMULQDQ; no MPX */
    static const char *const icx_yes[] = {"avx512f", "avx512_vnni", "avx512vbmi", "avx512_vbmi2", "avx512ifma",
                                          "avx512_bitalg", "avx512_vpopcntdq", "gfni", "vaes", "vpclmulqdq",
                                          "sha_ni", NULL};
    static const char *const icx_no[] = {"mpx", NULL};
    /* Zen 3 (Milan): no AVX-512 at all, SSE4a, VAES */
    static const char *const milan_yes[] = {"avx2", "sse4a", "vaes", "vpclmulqdq", "sha_ni", NULL};
    static const char *const milan_no[] = {"avx512f", "avx512_vnni", NULL};
    static const char *const kern[] = {"4.14", "5.10", "6.1"};
    char n[64];
    for (int k = 0; k < 3; k++) {
        snprintf(n, sizeof(n), "INTEL_SKYLAKE_%s", kern[k]);
        expect_flags(n, skl_yes, skl_no);
        snprintf(n, sizeof(n), "INTEL_CASCADELAKE_%s", kern[k]);
        /* 4.14's KVM did not know AVX512_VNNI: checked as a kernel difference below */
        expect_flags(n, k ? clx_yes : NULL, clx_no);
    }
    expect_flags("INTEL_ICELAKE_5.10", icx_yes, icx_no);
    expect_flags("INTEL_ICELAKE_6.1", icx_yes, icx_no);
    expect_flags("AMD_MILAN_5.10", milan_yes, milan_no);
    expect_flags("AMD_MILAN_6.1", milan_yes, milan_no);
    static const char *const old_kvm_no[] = {"avx512_vbmi2", "gfni", "avx512_vnni", NULL};
    expect_flags("INTEL_ICELAKE_4.14", NULL, old_kvm_no);
}
END_TEST

/* ---- engine level -------------------------------------------------------- */

START_TEST(baseline_intel_generations)
{
    const char *names[] = {"INTEL_SKYLAKE_6.1", "INTEL_CASCADELAKE_6.1", "INTEL_ICELAKE_6.1"};
    struct cm_vector v[3];
    struct cm_snapshot *s[3];
    for (int i = 0; i < 3; i++)
        vec(names[i], &v[i], &s[i]);
    const struct cm_vector *h[] = {&v[0], &v[1], &v[2]};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert_msg(cm_baseline(h, 3, true, &b, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "avx512f"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "avx512bw"), 1);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "avx512_vnni"), 0); /* Skylake lacks it */
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "avx512vbmi"), 0);  /* only Ice Lake */
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "mpx"), 0);         /* Ice Lake dropped MPX */
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "hle"), 0);         /* TSX off on Cascade/Ice Lake */
    ck_assert_uint_eq(b.incompat.n, 0);
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(b.verdicts[i].enforceable, "%s: %s", names[i],
                      b.verdicts[i].reasons.n ? b.verdicts[i].reasons.v[0].text : "");
    ck_assert(b.enforceable_everywhere);
    /* every flag of the model is a flag of every member */
    const char *mf[256];
    size_t nm = cm_x86_flag_names(&b.model, mf, 256);
    ck_assert_uint_le(nm, 256);
    for (size_t k = 0; k < nm; k++)
        for (int i = 0; i < 3; i++)
            ck_assert_msg(cm_x86_has_flag(&v[i], mf[k]) == 1, "model flag %s not on %s", mf[k], names[i]);
    /* the max basic leaf is the minimum; 7.1 (Ice Lake only) is not in the model */
    uint64_t m0 = b.model.val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EAX))];
    for (int i = 0; i < 3; i++)
        ck_assert_uint_le(m0, v[i].val[slot_of(CM_X86_CPUID_ID(0, 0, CM_X86_EAX))]);
    ck_assert(!b.model.present[slot_of(CM_X86_CPUID_ID(7, 1, CM_X86_EAX))]);

    /* the model as a snapshot decodes to itself, and merging it again with a member changes nothing */
    struct cm_snapshot *ms = cm_model_snapshot(&b.model, h, 3, &err);
    ck_assert_msg(ms, "%s", err.msg);
    struct cm_vector mv;
    ck_assert_msg(cm_vector_from_snapshot(ms, &mv, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < ops()->nwords; i++) {
        ck_assert_msg(mv.present[i] == b.model.present[i], "%s", ops()->words[i].name);
        if (b.model.present[i] && !b.model.novalue[i])
            ck_assert_msg(mv.val[i] == b.model.val[i], "%s", ops()->words[i].name);
    }
    const struct cm_vector *again[] = {&mv, &v[0]};
    struct cm_vector m2;
    ck_assert(cm_merge(again, 2, &m2, NULL, NULL, &err) == 0);
    ck_assert(!memcmp(m2.val, b.model.val, ops()->nwords * sizeof(uint64_t)));

    /* the plan for Ice Lake: a CPUID table without VNNI/VBMI, the reduction as a write */
    struct cm_plan p;
    ck_assert_msg(cm_plan_make(&mv, s[2], &p, &err) == 0, "%s", err.msg);
    ck_assert_msg(p.ok, "plan not ok: %s", p.reasons.n ? p.reasons.v[0].text : "");
    bool wrote_ecx = false;
    for (size_t i = 0; i < p.nwrites; i++)
        if (p.writes[i].id == CM_X86_CPUID_ID(7, 0, CM_X86_ECX)) {
            wrote_ecx = true;
            ck_assert_uint_eq(p.writes[i].new_value, b.model.val[slot_of(CM_X86_CPUID_ID(7, 0, CM_X86_ECX))]);
        }
    ck_assert(wrote_ecx);
    ck_assert_ptr_nonnull(p.extra);
    json_object *t;
    ck_assert(json_object_object_get_ex(p.extra, "cpuid", &t));
    bool saw7 = false;
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        json_object *e = json_object_array_get_idx(t, i), *x;
        ck_assert(json_object_object_get_ex(e, "function", &x));
        unsigned long fn = strtoul(json_object_get_string(x), NULL, 16);
        ck_assert_msg(fn <= m0 || fn >= 0x40000000, "leaf 0x%lx above the model's max 0x%llx", fn,
                      (unsigned long long)m0);
        ck_assert(json_object_object_get_ex(e, "index", &x));
        unsigned long ix = strtoul(json_object_get_string(x), NULL, 16);
        ck_assert_msg(fn != 7 || ix == 0, "7.%lu in the table (the model's max subleaf is 0)", ix);
        if (fn == 7 && ix == 0) {
            saw7 = true;
            ck_assert(json_object_object_get_ex(e, "ecx", &x));
            unsigned long ecx = strtoul(json_object_get_string(x), NULL, 16);
            ck_assert_uint_eq(ecx & ((1u << 11) | (1u << 1)), 0); /* avx512_vnni, avx512vbmi */
        }
    }
    ck_assert(saw7);
    cm_plan_free(&p);

    cm_vector_free(&m2);
    cm_vector_free(&mv);
    cm_snapshot_free(ms);
    cm_baseline_free(&b);
    for (int i = 0; i < 3; i++) {
        cm_vector_free(&v[i]);
        cm_snapshot_free(s[i]);
    }
}
END_TEST

START_TEST(vendor_conflict_groups)
{
    struct cm_vector a, i1, i2;
    struct cm_snapshot *sa, *s1, *s2;
    vec("AMD_MILAN_6.1", &a, &sa);
    vec("INTEL_CASCADELAKE_6.1", &i1, &s1);
    vec("INTEL_ICELAKE_6.1", &i2, &s2);
    const struct cm_vector *h[] = {&i1, &a, &i2};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(h, 3, true, &b, &err) == 0);
    ck_assert(!b.enforceable_everywhere);
    bool vendor = false;
    for (size_t k = 0; k < b.incompat.n; k++)
        vendor |= b.incompat.v[k].reg == CM_X86_CPUID_ID(0, 0, CM_X86_EBX);
    ck_assert(vendor);
    ck_assert_uint_eq(b.ngroups, 2);
    for (size_t g = 0; g < b.ngroups; g++) {
        bool has_amd = false, has_intel = false;
        for (size_t m = 0; m < b.groups[g].nmembers; m++) {
            if (h[b.groups[g].members[m]] == &a)
                has_amd = true;
            else
                has_intel = true;
        }
        ck_assert(has_amd != has_intel);
    }
    /* compare Milan -> Ice Lake: the vendor is a reason */
    struct cm_reasons r = {0};
    ck_assert(!cm_compare(&a, &i2, s2, &r));
    bool vr = false;
    for (size_t k = 0; k < r.n; k++)
        vr |= r.v[k].sev == CM_SEV_ERROR && r.v[k].reg == CM_X86_CPUID_ID(0, 0, CM_X86_EBX);
    ck_assert(vr);
    cm_reasons_free(&r);
    cm_baseline_free(&b);
    cm_vector_free(&a);
    cm_vector_free(&i1);
    cm_vector_free(&i2);
    cm_snapshot_free(sa);
    cm_snapshot_free(s1);
    cm_snapshot_free(s2);
}
END_TEST

static bool has_reason(const struct cm_reasons *r, uint64_t reg, int sev)
{
    for (size_t k = 0; k < r->n; k++)
        if (r->v[k].reg == reg && (sev < 0 || (int)r->v[k].sev == sev))
            return true;
    return false;
}

/* Does `from` hold something `to` cannot provide in word i (by the field
 * algebra; IGNORE fields never count, identity is a note, raw bits AND)? */
static bool word_lacks(const struct cm_vector *from, const struct cm_vector *to, size_t i, bool *identity_differs)
{
    const struct cm_word *w = &ops()->words[i];
    bool lacks = false;
    for (uint16_t k = 0; k < w->nfields; k++) {
        const struct cm_field *f = &w->fields[k];
        uint64_t a = cm_field_get(f, from->val[i]), b = cm_field_get(f, to->val[i]);
        if (a == b || f->policy == CM_POL_IGNORE)
            continue;
        if (f->policy == CM_POL_IDENTITY)
            *identity_differs = true;
        else if (!cm_field_provides(f, b, a))
            lacks = true;
    }
    uint64_t rm = cm_word_raw_mask(w);
    return lacks || (from->val[i] & rm & ~to->val[i]);
}

START_TEST(kernel_differences_reported)
{
    static const char *const cpus[] = {"INTEL_SKYLAKE", "INTEL_CASCADELAKE", "INTEL_ICELAKE", "AMD_MILAN"};
    static const char *const kern[] = {"4.14", "5.10", "6.1"};
    size_t total = 0;
    for (size_t c = 0; c < CM_ARRAY_SIZE(cpus); c++) {
        struct cm_vector v[3];
        struct cm_snapshot *s[3];
        char n[64];
        for (int k = 0; k < 3; k++) {
            snprintf(n, sizeof(n), "%s_%s", cpus[c], kern[k]);
            vec(n, &v[k], &s[k]);
        }
        size_t per_cpu = 0;
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++) {
                if (x == y)
                    continue;
                struct cm_reasons r = {0};
                cm_compare(&v[x], &v[y], s[y], &r);
                const struct cm_vector *pair[] = {&v[x], &v[y]};
                struct cm_reasons notes = {0}, incompat = {0};
                struct cm_vector m;
                cm_error err = {0};
                ck_assert(cm_merge(pair, 2, &m, &incompat, &notes, &err) == 0);
                ck_assert_uint_eq(incompat.n, 0); /* one CPU: nothing incompatible */
                for (size_t i = 0; i < ops()->nwords; i++) {
                    uint64_t id = ops()->words[i].id;
                    bool ident = false;
                    if (v[x].present[i] && !v[y].present[i]) {
                        /* a word the older/newer kernel does not report */
                        /* an error, or a rollback class when the word is also a register (MSRs) */
                        ck_assert_msg(has_reason(&r, id, -1), "%s %s->%s: %s missing not reported",
                                      cpus[c], kern[x], kern[y], ops()->words[i].name);
                        ck_assert_msg(has_reason(&notes, id, -1), "%s: %s not noted by the baseline", cpus[c],
                                      ops()->words[i].name);
                        ck_assert(!m.present[i]);
                        per_cpu++;
                    } else if (v[x].present[i] && v[y].present[i]) {
                        if (word_lacks(&v[x], &v[y], i, &ident)) {
                            ck_assert_msg(has_reason(&r, id, CM_SEV_ERROR), "%s %s->%s: %s (0x%llx vs 0x%llx) "
                                          "not reported",
                                          cpus[c], kern[x], kern[y], ops()->words[i].name,
                                          (unsigned long long)v[x].val[i], (unsigned long long)v[y].val[i]);
                            /* the merged model drops what one kernel lacks */
                            ck_assert(m.val[i] != v[x].val[i]);
                            per_cpu++;
                        } else {
                            ck_assert_msg(!has_reason(&r, id, CM_SEV_ERROR), "%s %s->%s: spurious error on %s",
                                          cpus[c], kern[x], kern[y], ops()->words[i].name);
                        }
                        if (ident)
                            ck_assert_msg(has_reason(&notes, id, CM_SEV_WARNING), "%s: identity %s not noted",
                                          cpus[c], ops()->words[i].name);
                    }
                }
                /* every error names a word or an x86 register */
                for (size_t k = 0; k < r.n; k++)
                    if (r.v[k].sev == CM_SEV_ERROR)
                        ck_assert_msg(slot_of(r.v[k].reg) >= 0 || cm_x86_is_msr_id(r.v[k].reg) ||
                                          cm_x86_is_leaf_id(r.v[k].reg),
                                      "%s", r.v[k].text);
                cm_vector_free(&m);
                cm_reasons_free(&notes);
                cm_reasons_free(&incompat);
                cm_reasons_free(&r);
            }
        /* 4.14 -> 6.1 changed something on every CPU (new KVM flags, UCODE_REV listed, …) */
        ck_assert_msg(per_cpu > 0, "%s: no kernel differences found", cpus[c]);
        total += per_cpu;
        for (int k = 0; k < 3; k++) {
            cm_vector_free(&v[k]);
            cm_snapshot_free(s[k]);
        }
    }
    fprintf(stderr, "kernel-dependent word differences checked: %zu\n", total);
}
END_TEST

START_TEST(rollback_cascadelake_6_1_to_4_14)
{
    /* a model for the 4.14 kernel imposed on the 6.1 host: enforceable (CPUID
     * and feature MSRs are writable, the extra KVM PV flags are hidden) */
    struct cm_vector old, cur;
    struct cm_snapshot *so, *sc;
    vec("INTEL_CASCADELAKE_4.14", &old, &so);
    vec("INTEL_CASCADELAKE_6.1", &cur, &sc);
    const struct cm_vector *h[] = {&old, &cur};
    struct cm_baseline b;
    cm_error err = {0};
    ck_assert(cm_baseline(h, 2, false, &b, &err) == 0);
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "avx512_vnni"), 0);     /* 4.14 KVM lacks it */
    ck_assert_int_eq(cm_x86_has_flag(&b.model, "kvm_poll_control"), 0); /* PV feature of 5.x */
    ck_assert(!b.model.present[slot_of(CM_X86_MSR_ID(CM_X86_MSR_UCODE_REV))]); /* 4.14 does not list it */
    /* ARCH_CAPABILITIES: bits both kernels report, RSBA-style weakness bits from either */
    uint64_t ac = b.model.val[slot_of(CM_X86_MSR_ID(0x10a))];
    uint64_t ao = old.val[slot_of(CM_X86_MSR_ID(0x10a))], an = cur.val[slot_of(CM_X86_MSR_ID(0x10a))];
    uint64_t inv = (1ULL << 2) | (1ULL << 19);
    ck_assert_uint_eq(ac & ~inv, ao & an & ~inv);
    ck_assert_uint_eq(ac & inv, (ao | an) & inv);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(b.verdicts[i].enforceable, "%s", b.verdicts[i].reasons.n ? b.verdicts[i].reasons.v[0].text : "");
    cm_baseline_free(&b);
    cm_vector_free(&old);
    cm_vector_free(&cur);
    cm_snapshot_free(so);
    cm_snapshot_free(sc);
}
END_TEST

/* With register lists (cm_x86_snapshot_registers): every CPUID leaf and every
 * MSR one kernel's dump has and the other's lacks is reported by compare, and
 * classified: leaves are hidden (the table is written whole), PV MSRs whose
 * KVM feature flag the older kernel lacks are hidden, zero-valued state MSRs
 * droppable. */
static void vec_regs(const char *name, struct cm_vector *v, struct cm_snapshot **keep)
{
    struct cm_snapshot *s = tl_load(name);
    cm_error err = {0};
    ck_assert_msg(cm_x86_snapshot_registers(s, &err) == 0, "%s", err.msg);
    size_t n = s->nregs;
    ck_assert(cm_x86_snapshot_registers(s, &err) == 0); /* idempotent */
    ck_assert_uint_eq(s->nregs, n);
    ck_assert_msg(cm_vector_from_snapshot(s, v, &err) == 0, "%s: %s", name, err.msg);
    *keep = s;
}

static const struct cm_reason *reason_for(const struct cm_reasons *r, uint64_t reg)
{
    for (size_t k = 0; k < r->n; k++)
        if (r->v[k].reg == reg)
            return &r->v[k];
    return NULL;
}

START_TEST(kernel_register_lists)
{
    static const char *const cpus[] = {"INTEL_SKYLAKE", "INTEL_CASCADELAKE", "INTEL_ICELAKE", "AMD_MILAN"};
    size_t leaves = 0, msrs = 0;
    for (size_t c = 0; c < CM_ARRAY_SIZE(cpus); c++) {
        char old_name[64], new_name[64];
        snprintf(old_name, sizeof(old_name), "%s_4.14", cpus[c]);
        snprintf(new_name, sizeof(new_name), "%s_6.1", cpus[c]);
        struct oracle oo, on;
        load_oracle(old_name, &oo);
        load_oracle(new_name, &on);
        struct cm_vector vo, vn;
        struct cm_snapshot *so, *sn;
        vec_regs(old_name, &vo, &so);
        vec_regs(new_name, &vn, &sn);
        struct cm_reasons r = {0};
        cm_compare(&vn, &vo, so, &r);
        /* leaves the 6.1 dump has and the 4.14 dump lacks (from the JSON) */
        for (size_t i = 0; i < on.n; i++) {
            const struct oentry *e = &on.e[i];
            bool in_old = false;
            for (size_t k = 0; k < oo.n; k++)
                in_old |= oo.e[k].leaf == e->leaf && oo.e[k].sub == e->sub;
            if (in_old)
                continue;
            const struct cm_reason *x = reason_for(&r, CM_X86_LEAF_ID(e->leaf, e->sub));
            ck_assert_msg(x, "%s: leaf 0x%x.%u only on 6.1 not reported", cpus[c], e->leaf, e->sub);
            ck_assert_msg(x->sev != CM_SEV_ERROR, "%s: %s", cpus[c], x->text);
            ck_assert_str_eq(x->rule, cm_rollback_name(CM_RB_HIDDEN));
            leaves++;
        }
        /* MSRs the 6.1 dump has and the 4.14 dump lacks */
        for (size_t i = 0; i < on.nm; i++) {
            bool in_old = false;
            for (size_t k = 0; k < oo.nm; k++)
                in_old |= oo.m[k].index == on.m[i].index;
            if (in_old)
                continue;
            const struct cm_reason *x = reason_for(&r, CM_X86_MSR_ID(on.m[i].index));
            ck_assert_msg(x, "%s: MSR 0x%x only on 6.1 not reported", cpus[c], on.m[i].index);
            /* KVM_FEATURE_POLL_CONTROL (bit 12) is not in the 4.14 dumps: the MSR is hidden with it */
            if (on.m[i].index == 0x4b564d05)
                ck_assert_str_eq(x->rule, cm_rollback_name(CM_RB_HIDDEN));
            if (on.m[i].index == CM_X86_MSR_UCODE_REV)
                ck_assert_str_eq(x->rule, cm_rollback_name(CM_RB_DROPPABLE));
            msrs++;
        }
        cm_reasons_free(&r);

        /* a model for both kernels is still enforceable on the 6.1 host: what
         * only 6.1 lists is hidden or droppable */
        const struct cm_vector *h[] = {&vo, &vn};
        struct cm_baseline b;
        cm_error err = {0};
        ck_assert(cm_baseline(h, 2, false, &b, &err) == 0);
        ck_assert_msg(b.verdicts[1].enforceable, "%s 6.1: %s", cpus[c],
                      b.verdicts[1].reasons.n ? b.verdicts[1].reasons.v[0].text : "");
        cm_baseline_free(&b);
        cm_vector_free(&vo);
        cm_vector_free(&vn);
        cm_snapshot_free(so);
        cm_snapshot_free(sn);
    }
    ck_assert_uint_gt(leaves, 0);
    ck_assert_uint_gt(msrs, 0);
    fprintf(stderr, "leaves / MSRs only the 6.1 dumps list, all reported: %zu / %zu\n", leaves, msrs);
}
END_TEST

/* The MSR table's "saved since 4.14" marks agree with the dumps: every MSR a
 * 4.14 dump lists is marked, and a marked MSR a 6.1 dump lists is in the
 * same CPU's 4.14 dump. */
START_TEST(msr_table_matches_dumps)
{
    static const char *const cpus[] = {"INTEL_SKYLAKE", "INTEL_CASCADELAKE", "INTEL_ICELAKE", "AMD_MILAN"};
    for (size_t c = 0; c < CM_ARRAY_SIZE(cpus); c++) {
        char n[64];
        struct oracle o414, o61;
        snprintf(n, sizeof(n), "%s_4.14", cpus[c]);
        load_oracle(n, &o414);
        snprintf(n, sizeof(n), "%s_6.1", cpus[c]);
        load_oracle(n, &o61);
        for (size_t i = 0; i < o414.nm; i++) {
            const struct cm_x86_msr_info *mi = cm_x86_msr_info(o414.m[i].index);
            ck_assert_msg(mi && mi->since_4_14, "%s 4.14 lists MSR 0x%x, not marked", cpus[c], o414.m[i].index);
        }
        for (size_t i = 0; i < o61.nm; i++) {
            const struct cm_x86_msr_info *mi = cm_x86_msr_info(o61.m[i].index);
            ck_assert_msg(mi, "%s: MSR 0x%x has no name", cpus[c], o61.m[i].index);
            if (!mi->since_4_14)
                continue;
            bool in414 = false;
            for (size_t k = 0; k < o414.nm; k++)
                in414 |= o414.m[k].index == o61.m[i].index;
            ck_assert_msg(in414, "%s: MSR 0x%x marked since 4.14 but absent from the 4.14 dump", cpus[c],
                          o61.m[i].index);
        }
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("x86_fixtures");
    TCase *t = tcase_create("fixtures");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, decode_matches_json, 0, 12);
    tcase_add_test(t, cpu_generations);
    tcase_add_test(t, baseline_intel_generations);
    tcase_add_test(t, vendor_conflict_groups);
    tcase_add_test(t, kernel_differences_reported);
    tcase_add_test(t, rollback_cascadelake_6_1_to_4_14);
    tcase_add_test(t, kernel_register_lists);
    tcase_add_test(t, msr_table_matches_dumps);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    tl_require_fixtures();
    return tl_run(suite());
}
