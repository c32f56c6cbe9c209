/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Firecracker custom CPU templates: the bitmap syntax and the checker against
 * the examples and rules in Firecracker's documentation
 * (docs/cpu_templates/cpu-templates.md, schema.json, the template parser's
 * validation), and the exports for the real dumps: every template passes the
 * checker, and applied to a member's dump it gives the model on every field
 * where the members differ.  A host that cannot reach the model gets the
 * reasons and no template.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/cpumodel.h"
#include "export.h"
#include "fc_template.h"
#include "testlib.h"

static struct cm_fc_bitmap parse_ok(const char *s, unsigned bits)
{
    struct cm_fc_bitmap b;
    cm_error err = {0};
    ck_assert_msg(cm_fc_bitmap_parse(s, bits, &b, &err) == 0, "%s: %s", s, err.msg);
    return b;
}

START_TEST(bitmap_documented_examples)
{
    /* cpu-templates.md: leaf 0x1 eax "0bxxxx000000000011xx00011011110010" clears
     * 0b00001111111111000011100100001101, sets 0b00000000000000110000011011110010
     * and leaves 0b11110000000000001100000000000000 intact */
    struct cm_fc_bitmap b = parse_ok("0bxxxx000000000011xx00011011110010", 32);
    ck_assert_uint_eq(b.value[0], 0x000306F2u);
    ck_assert_uint_eq(b.filter[0] & ~b.value[0], 0x0FFC390Du);
    ck_assert_uint_eq(~b.filter[0] & 0xffffffffu, 0xF000C000u);
    /* the ARM example clears 0b0000000000001111000000000000111100000000000000000000000000000000 */
    b = parse_ok("0bxxxxxxxxxxxx0000xxxxxxxxxxxx0000xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 128);
    ck_assert_uint_eq(b.filter[0], 0x000F000F00000000ull);
    ck_assert_uint_eq(b.value[0], 0);
    /* "contracted" bitmaps: the missing leading characters are x */
    b = parse_ok("0b101", 32);
    ck_assert_uint_eq(b.filter[0], 7);
    ck_assert_uint_eq(b.value[0], 5);
    /* '_' separates, as in Firecracker's own serde test */
    b = parse_ok("0b0_101_xx_xx", 8);
    ck_assert_uint_eq(b.filter[0], 0xF0);
    ck_assert_uint_eq(b.value[0], 0x50);
    /* 128-bit ARM registers: the high word */
    char wide[2 + 128 + 1] = "0b1";
    memset(wide + 3, 'x', 127);
    wide[130] = '\0';
    b = parse_ok(wide, 128);
    ck_assert_uint_eq(b.filter[1], 1ull << 63);
    ck_assert_uint_eq(b.filter[0], 0);
    /* refused: unknown characters (Firecracker's tests), too many bits, no bits */
    cm_error err = {0};
    ck_assert_int_ne(cm_fc_bitmap_parse("0bx0?1_0_0x_?x1xxxx00xxx1xxxxxxxxxxx1", 64, &b, &err), 0);
    ck_assert_int_ne(cm_fc_bitmap_parse("0bx00100x0x1xxxx05xxx1xxxxxxxxxxx1", 64, &b, &err), 0);
    ck_assert_int_ne(cm_fc_bitmap_parse("0b11abc00", 32, &b, &err), 0);
    ck_assert_int_ne(cm_fc_bitmap_parse("0b111111111111111111111111111111111", 32, &b, &err), 0); /* 33 */
    ck_assert_int_ne(cm_fc_bitmap_parse("0b", 32, &b, &err), 0);
    /* formatting is the inverse */
    char *s = cm_fc_bitmap_format(0x0FFF3FFFu, 0x000306F2u, 32);
    ck_assert_str_eq(s, "0bxxxx000000000011xx00011011110010");
    free(s);
}
END_TEST

static int check_text(const char *text, enum cm_arch arch, cm_error *err)
{
    struct json_object *o = json_tokener_parse(text);
    ck_assert_msg(o, "test JSON does not parse: %s", text);
    int r = cm_fc_check(o, arch, err);
    json_object_put(o);
    return r;
}

#define ACCEPT(arch, text)                                                                                     \
    do {                                                                                                       \
        cm_error e_ = {0};                                                                                     \
        ck_assert_msg(check_text(text, arch, &e_) == 0, "refused %s: %s", text, e_.msg);                        \
    } while (0)
#define REFUSE(arch, text, needle)                                                                             \
    do {                                                                                                       \
        cm_error e_ = {0};                                                                                     \
        ck_assert_msg(check_text(text, arch, &e_) != 0, "accepted %s", text);                                   \
        ck_assert_msg(strstr(e_.msg, needle), "%s: error \"%s\" lacks \"%s\"", text, e_.msg, needle);          \
    } while (0)

START_TEST(checker_rules)
{
    /* the documented examples (the ARM one with the comma its text lacks) */
    ACCEPT(CM_ARCH_X86_64, "{\"kvm_capabilities\": [\"!56\"], \"cpuid_modifiers\": [{\"leaf\": \"0x1\", \"subleaf\": "
                           "\"0x0\", \"flags\": 0, \"modifiers\": [{\"register\": \"eax\", \"bitmap\": "
                           "\"0bxxxx000000000011xx00011011110010\"}]}], \"msr_modifiers\": [{\"addr\": \"0x10a\", "
                           "\"bitmap\": \"0b0000000000000000000000000000000000000000000000000000000000000000\"}]}");
    ACCEPT(CM_ARCH_ARM64, "{\"kvm_capabilities\": [\"171\", \"172\"], \"vcpu_features\": [{\"index\": 0, \"bitmap\": "
                          "\"0b1100000\"}], \"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": "
                          "\"0bxxxxxxxxxxxx0000xxxxxxxxxxxx0000xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}]}");
    ACCEPT(CM_ARCH_ARM64, "{}");
    /* the parser's refusals */
    REFUSE(CM_ARCH_ARM64, "{\"kvm_capabilities\": [\"1\", \"!a2\"]}", "kvm_capabilities[1]");
    REFUSE(CM_ARCH_ARM64, "{\"vcpu_features\": [{\"index\": 0, \"bitmap\": \"0b11abc00\"}]}", "vcpu_features[0].bitmap");
    REFUSE(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"j\", \"bitmap\": \"0b1\"}]}", "prefix");
    REFUSE(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"0bK\", \"bitmap\": \"0b1\"}]}", "reg_modifiers[0].addr");
    REFUSE(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": \"0bx0?1\"}]}", "'?'");
    REFUSE(CM_ARCH_ARM64, "{\"cpuid_modifiers\": []}", "unknown key");
    REFUSE(CM_ARCH_X86_64, "{\"reg_modifiers\": []}", "unknown key");
    /* validate(): only 32, 64, 128-bit registers; a bitmap no wider than its register */
    REFUSE(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"0x6010000000000000\", \"bitmap\": \"0b1\"}]}", "only 32, 64");
    REFUSE(CM_ARCH_ARM64,
           "{\"reg_modifiers\": [{\"addr\": \"0x6020000000000000\", \"bitmap\": \"0b1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}]}",
           "wider");
    ACCEPT(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"0x6020000000000000\", \"bitmap\": \"0b1x\"}]}");
    /* register ids are KVM ONE_REG ids of the template's arch */
    REFUSE(CM_ARCH_ARM64, "{\"reg_modifiers\": [{\"addr\": \"0x2030000200000010\", \"bitmap\": \"0b1\"}]}", "arm64");
    /* one modifier per register */
    REFUSE(CM_ARCH_ARM64,
           "{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": \"0b1\"}, {\"addr\": "
           "\"0x603000000013c020\", \"bitmap\": \"0b0\"}]}",
           "twice");
    REFUSE(CM_ARCH_X86_64,
           "{\"cpuid_modifiers\": [{\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 1, \"modifiers\": [{\"register\": "
           "\"fax\", \"bitmap\": \"0b1\"}]}]}",
           "eax, ebx");
    REFUSE(CM_ARCH_X86_64,
           "{\"cpuid_modifiers\": [{\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"modifiers\": []}]}", "flags");
    REFUSE(CM_ARCH_X86_64, "{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1"
                           "0000000000000000000000000000000000000000000000000000000000000000\"}]}", "more than 64");
    REFUSE(CM_ARCH_ARM64, "{\"vcpu_features\": [{\"index\": 7, \"bitmap\": \"0b1\"}]}", "features[0..6]");
    REFUSE(CM_ARCH_RISCV64, "{}", "arm64 and x86_64");
}
END_TEST

/* model of the named hosts (snapshots given) */
static struct cm_snapshot *model_of(struct cm_snapshot **hosts, size_t n, struct cm_vector *vecs)
{
    const struct cm_vector *pv[8];
    cm_error err = {0};
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(cm_vector_from_snapshot(hosts[i], &vecs[i], &err) == 0, "%s", err.msg);
        pv[i] = &vecs[i];
    }
    struct cm_vector m;
    ck_assert_msg(cm_merge(pv, n, &m, NULL, NULL, &err) == 0, "%s", err.msg);
    struct cm_snapshot *ms = cm_model_snapshot(&m, pv, n, &err);
    ck_assert_msg(ms, "%s", err.msg);
    cm_vector_free(&m);
    return ms;
}

/* Applies the template to the member and checks every field where the
 * members differ (and the model has a value) against the model.  Returns the
 * number of such fields checked. */
static size_t applied_gives_model(struct json_object *tmpl, const struct cm_snapshot *member,
                                  const struct cm_vector *model, const struct cm_vector *vecs, size_t n)
{
    struct cm_snapshot *s = cm_snapshot_dup(member);
    cm_error err = {0};
    ck_assert_msg(cm_fc_apply(tmpl, s, &err) == 0, "apply on %s: %s", member->host, err.msg);
    struct cm_vector after;
    ck_assert_msg(cm_vector_from_snapshot(s, &after, &err) == 0, "%s", err.msg);
    const struct cm_arch_ops *ops = model->ops;
    size_t checked = 0;
    for (size_t i = 0; i < ops->nwords; i++) {
        const struct cm_word *w = &ops->words[i];
        if (!model->present[i] || model->novalue[i] || (w->flags & CM_WORDF_DERIVED))
            continue;
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            if (f->policy == CM_POL_IGNORE)
                continue;
            bool differ = false;
            for (size_t k = 1; k < n; k++)
                differ |= cm_field_get(f, vecs[k].val[i]) != cm_field_get(f, vecs[0].val[i]);
            if (!differ)
                continue;
            ck_assert_msg(after.present[i], "%s: %s not listed after the template", member->host, w->name);
            ck_assert_msg(cm_field_get(f, after.val[i]) == cm_field_get(f, model->val[i]),
                          "%s: %s.%s is 0x%llx after the template, the model has 0x%llx", member->host, w->name,
                          f->name, (unsigned long long)cm_field_get(f, after.val[i]),
                          (unsigned long long)cm_field_get(f, model->val[i]));
            checked++;
        }
    }
    cm_vector_free(&after);
    cm_snapshot_free(s);
    return checked;
}

START_TEST(x86_cascadelake_icelake)
{
    struct cm_snapshot *h[2] = {tl_load("INTEL_CASCADELAKE_6.1"), tl_load("INTEL_ICELAKE_6.1")};
    struct cm_vector v[2], mv;
    struct cm_snapshot *ms = model_of(h, 2, v);
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(ms, &mv, &err) == 0, "%s", err.msg);
    for (int k = 0; k < 2; k++) {
        struct cm_export e;
        ck_assert_msg(cm_export_make("firecracker", ms, h[k], &e, &err) == 0, "%s", err.msg);
        ck_assert_msg(e.ok, "%s cannot reach the model: %s", h[k]->host, e.reasons.n ? e.reasons.v[0].text : "?");
        ck_assert_str_eq(e.digest, ms->digest);
        struct json_object *t = json_tokener_parse(e.text);
        ck_assert_msg(t && cm_fc_check(t, CM_ARCH_X86_64, &err) == 0, "checker: %s", err.msg);
        size_t n = applied_gives_model(t, h[k], &mv, v, 2);
        /* Ice Lake adds AVX-512 VBMI/VNNI/GFNI/VAES/… to Cascade Lake (fields that differ) */
        ck_assert_msg(n >= 10, "only %zu differing fields checked", n);
        /* 0/1 only where the model decides: CPUID.1.EBX[31:24] is the initial APIC id (per vCPU,
         * Intel SDM vol. 2A CPUID) and stays x */
        struct json_object *mods = NULL;
        json_object_object_get_ex(t, "cpuid_modifiers", &mods);
        bool seen_ebx = false;
        for (size_t i = 0; i < json_object_array_length(mods); i++) {
            struct json_object *m = json_object_array_get_idx(mods, i), *leaf, *regs;
            json_object_object_get_ex(m, "leaf", &leaf);
            json_object_object_get_ex(m, "modifiers", &regs);
            if (strcmp(json_object_get_string(leaf), "0x1"))
                continue;
            for (size_t r = 0; r < json_object_array_length(regs); r++) {
                struct json_object *rm = json_object_array_get_idx(regs, r), *rn, *bm;
                json_object_object_get_ex(rm, "register", &rn);
                json_object_object_get_ex(rm, "bitmap", &bm);
                if (!strcmp(json_object_get_string(rn), "ebx")) {
                    ck_assert_msg(!strncmp(json_object_get_string(bm), "0bxxxxxxxx", 10), "leaf 1 ebx %s",
                                  json_object_get_string(bm));
                    seen_ebx = true;
                }
            }
        }
        (void)seen_ebx; /* leaf 1 EBX may carry no decided bit at all: then it is not there */
        json_object_put(t);
        cm_export_free(&e);
    }
    cm_vector_free(&mv);
    for (int k = 0; k < 2; k++) {
        cm_vector_free(&v[k]);
        cm_snapshot_free(h[k]);
    }
    cm_snapshot_free(ms);
}
END_TEST

static bool reasons_mention(const struct cm_reasons *r, const char *needle)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].sev == CM_SEV_ERROR && strstr(r->v[i].text, needle))
            return true;
    return false;
}

START_TEST(arm64_neoverse_n1_v1)
{
    struct cm_snapshot *h[2] = {tl_load("ARM_NEOVERSE_N1_6.1"), tl_load("ARM_NEOVERSE_V1_6.1")};
    struct cm_vector v[2];
    struct cm_snapshot *ms = model_of(h, 2, v);
    cm_error err = {0};
    /* Linux 6.1 cannot write ID registers (writable from 6.7): both get reasons */
    for (int k = 0; k < 2; k++) {
        struct cm_export e;
        ck_assert_msg(cm_export_make("firecracker", ms, h[k], &e, &err) == 0, "%s", err.msg);
        ck_assert_msg(!e.ok && !e.text, "%s on 6.1 got a template", h[k]->host);
        ck_assert_msg(reasons_mention(&e.reasons, "6.1"), "%s: reasons do not name the kernel", h[k]->host);
        cm_export_free(&e);
    }
    for (int k = 0; k < 2; k++)
        cm_vector_free(&v[k]);
    cm_snapshot_free(ms);

    /* The same dumps on a kernel with writable ID registers (only the kernel
     * release changed): N1 reaches the model, V1 still cannot (fields KVM
     * never lets userspace lower, e.g. ID_AA64MMFR2_EL1.EVT) */
    for (int k = 0; k < 2; k++) {
        cm_snapshot_set_str(&h[k]->kernel, "6.18.0");
        h[k]->kver = cm_kver_parse("6.18.0");
    }
    /* N1 and V1 differ in MIDR/REVIDR: on 6.18 KVM takes another MIDR only
     * once the VMM enabled KVM_CAP_ARM_WRITABLE_IMP_ID_REGS (239) on the VM
     * (KVM-FACTS §A.3.3), which a Firecracker template cannot request */
    {
        ms = model_of(h, 2, v);
        struct cm_export e0;
        ck_assert_msg(cm_export_make("firecracker", ms, h[0], &e0, &err) == 0, "%s", err.msg);
        ck_assert_msg(!e0.ok && !e0.text && reasons_mention(&e0.reasons, "239"),
                      "N1 with V1's identity: a template, or reasons without the capability");
        cm_export_free(&e0);
        for (int k = 0; k < 2; k++)
            cm_vector_free(&v[k]);
        cm_snapshot_free(ms);
    }
    /* one identity, different features: V1's features behind N1's MIDR/REVIDR/AIDR */
    static const uint64_t ident[] = {0x603000000013C000ULL, 0x603000000013C006ULL, 0x603000000013C807ULL};
    for (size_t i = 0; i < CM_ARRAY_SIZE(ident); i++) {
        uint64_t x;
        if (cm_snapshot_get_u64(h[0], ident[i], &x))
            cm_snapshot_set_u64(h[1], ident[i], x);
    }
    ms = model_of(h, 2, v);
    struct cm_vector mv;
    ck_assert_msg(cm_vector_from_snapshot(ms, &mv, &err) == 0, "%s", err.msg);
    struct cm_export e;
    ck_assert_msg(cm_export_make("firecracker", ms, h[0], &e, &err) == 0, "%s", err.msg);
    ck_assert_msg(e.ok, "N1 on 6.12: %s", e.reasons.n ? e.reasons.v[0].text : "?");
    struct json_object *t = json_tokener_parse(e.text);
    ck_assert_msg(t && cm_fc_check(t, CM_ARCH_ARM64, &err) == 0, "checker: %s", err.msg);
    size_t n = applied_gives_model(t, h[0], &mv, v, 2);
    ck_assert_msg(n >= 20, "only %zu differing fields checked", n);
    /* ID_AA64DFR0_EL1 (0x603000000013c028): DoubleLock (bits 39:36) is where V1 limits N1 (0xf) */
    struct json_object *regs = NULL;
    json_object_object_get_ex(t, "reg_modifiers", &regs);
    bool dfr0 = false;
    for (size_t i = 0; i < json_object_array_length(regs); i++) {
        struct json_object *r = json_object_array_get_idx(regs, i), *a, *b;
        json_object_object_get_ex(r, "addr", &a);
        json_object_object_get_ex(r, "bitmap", &b);
        if (strcmp(json_object_get_string(a), "0x603000000013c028"))
            continue;
        const char *bm = json_object_get_string(b);
        ck_assert_uint_eq(strlen(bm), 2 + 64);
        ck_assert_msg(!strncmp(bm + 2 + (63 - 39), "1111", 4), "DoubleLock bits in %s", bm);
        dfr0 = true;
    }
    ck_assert_msg(dfr0, "no modifier for ID_AA64DFR0_EL1");
    json_object_put(t);
    cm_export_free(&e);

    ck_assert_msg(cm_export_make("firecracker", ms, h[1], &e, &err) == 0, "%s", err.msg);
    ck_assert_msg(!e.ok && !e.text && e.reasons.n > 0, "V1 got a template");
    ck_assert_msg(reasons_mention(&e.reasons, "ID_AA64MMFR2_EL1.EVT"), "V1 reasons do not name EVT");
    cm_export_free(&e);

    cm_vector_free(&mv);
    for (int k = 0; k < 2; k++) {
        cm_vector_free(&v[k]);
        cm_snapshot_free(h[k]);
    }
    cm_snapshot_free(ms);
}
END_TEST

/* A host with PMUv3 in a fleet without: the template leaves the init feature
 * out.  The PMU host is the real N1 dump with ID_AA64DFR0_EL1.PMUVer = 4
 * (PMUv3 for Armv8.1, what N1 implements) on a kernel with writable ID
 * registers; KVM_ARM_VCPU_PMU_V3 is bit 3 of features[0]
 * (arch/arm64/include/uapi/asm/kvm.h), KVM_CAP_ARM_PMU_V3 is 126. */
START_TEST(arm64_init_feature_left_out)
{
    const uint64_t dfr0 = 0x603000000013c028ull; /* ID_AA64DFR0_EL1 */
    struct cm_snapshot *h[2] = {tl_load("ARM_NEOVERSE_N1_6.1"), tl_load("ARM_NEOVERSE_N1_6.1")};
    for (int k = 0; k < 2; k++) {
        cm_snapshot_set_str(&h[k]->kernel, "6.18.0");
        h[k]->kver = cm_kver_parse("6.18.0");
    }
    cm_snapshot_set_str(&h[1]->host, "N1-with-PMU");
    uint64_t v;
    ck_assert(cm_snapshot_get_u64(h[1], dfr0, &v));
    cm_snapshot_set_u64(h[1], dfr0, (v & ~0xf00ull) | 0x400ull);
    struct cm_vector vv[2], hv;
    cm_error err = {0};
    ck_assert_msg(cm_vector_from_snapshot(h[1], &hv, &err) == 0, "%s", err.msg);
    ck_assert_msg(hv.vcpu_features & (1u << 3), "the PMU host does not have PMU_V3 (features 0x%x)", hv.vcpu_features);
    cm_vector_free(&hv);
    struct cm_snapshot *ms = model_of(h, 2, vv);
    struct cm_export e;
    ck_assert_msg(cm_export_make("firecracker", ms, h[1], &e, &err) == 0, "%s", err.msg);
    ck_assert_msg(e.ok, "%s", e.reasons.n ? e.reasons.v[0].text : "?");
    struct json_object *t = json_tokener_parse(e.text), *feats, *caps;
    ck_assert(json_object_object_get_ex(t, "vcpu_features", &feats) && json_object_array_length(feats) == 1);
    struct json_object *f0 = json_object_array_get_idx(feats, 0), *idx, *bm;
    ck_assert(json_object_object_get_ex(f0, "index", &idx) && json_object_get_int(idx) == 0);
    ck_assert(json_object_object_get_ex(f0, "bitmap", &bm));
    struct cm_fc_bitmap b;
    ck_assert_int_eq(cm_fc_bitmap_parse(json_object_get_string(bm), 32, &b, &err), 0);
    ck_assert_msg(b.filter[0] == 1u << 3 && b.value[0] == 0, "vcpu_features bitmap %s", json_object_get_string(bm));
    ck_assert(json_object_object_get_ex(t, "kvm_capabilities", &caps));
    for (size_t i = 0; i < json_object_array_length(caps); i++)
        ck_assert_str_ne(json_object_get_string(json_object_array_get_idx(caps, i)), "126");
    struct cm_vector mv;
    ck_assert_msg(cm_vector_from_snapshot(ms, &mv, &err) == 0, "%s", err.msg);
    ck_assert_uint_ge(applied_gives_model(t, h[1], &mv, vv, 2), 1); /* PMUVer */
    cm_vector_free(&mv);
    json_object_put(t);
    cm_export_free(&e);
    /* the host without PMU has nothing to leave out */
    ck_assert_int_eq(cm_export_make("firecracker", ms, h[0], &e, &err), 0);
    t = json_tokener_parse(e.text);
    ck_assert(json_object_object_get_ex(t, "vcpu_features", &feats) && json_object_array_length(feats) == 0);
    json_object_put(t);
    cm_export_free(&e);
    for (int k = 0; k < 2; k++) {
        cm_vector_free(&vv[k]);
        cm_snapshot_free(h[k]);
    }
    cm_snapshot_free(ms);
}
END_TEST

START_TEST(framework_refuses_bad_input)
{
    struct cm_snapshot *a = tl_load("ARM_NEOVERSE_N1_6.1"), *x = tl_load("INTEL_ICELAKE_6.1");
    struct cm_export e;
    cm_error err = {0};
    ck_assert_int_ne(cm_export_make("vmware", x, x, &e, &err), 0);
    ck_assert_msg(strstr(err.msg, "vmware") && strstr(err.msg, "firecracker"), "%s", err.msg);
    ck_assert_int_ne(cm_export_make("firecracker", a, x, &e, &err), 0);
    ck_assert_msg(strstr(err.msg, "arm64") && strstr(err.msg, "x86_64"), "%s", err.msg);
    /* a host as its own model: nothing to change, a valid template */
    ck_assert_msg(cm_export_make("firecracker", x, x, &e, &err) == 0 && e.ok, "%s", err.msg);
    cm_export_free(&e);
    cm_snapshot_free(a);
    cm_snapshot_free(x);
}
END_TEST

int main(void)
{
    tl_require_fixtures();
    Suite *s = suite_create("export_firecracker");
    TCase *tc = tcase_create("firecracker");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bitmap_documented_examples);
    tcase_add_test(tc, checker_rules);
    tcase_add_test(tc, x86_cascadelake_icelake);
    tcase_add_test(tc, arm64_neoverse_n1_v1);
    tcase_add_test(tc, arm64_init_feature_left_out);
    tcase_add_test(tc, framework_refuses_bad_input);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
