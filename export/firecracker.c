/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Firecracker format: a custom CPU template (docs/firecracker.md) that
 * turns one host into the model.  Every feature word the model gives a value
 * becomes a modifier whose bitmap fixes (0/1) the bits the model decides
 * (the word's fields, except per-vCPU IGNORE fields, and the raw bits the
 * model keeps) and leaves every other bit as 'x':
 *   arm64   reg_modifiers (ID and firmware registers by ONE_REG id), the init
 *           features the model leaves out as 0 bits of vcpu_features[0],
 *           and the KVM capabilities the kept init features need;
 *   x86_64  cpuid_modifiers (per leaf/subleaf/register, KVM's flags from the
 *           host's table) and msr_modifiers (feature MSRs).
 * Words KVM derives per VM (CM_WORDF_DERIVED) cannot be written; the plan's
 * verdict already covers what the host presents there.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "export.h"
#include "fc_template.h"
#include "arm64/arm64.h"
#include "x86_64/x86.h"

/* The bits of word `slot` the model decides. */
static uint64_t fixed_mask(const struct cm_word *w)
{
    uint64_t m = cm_word_raw_mask(w);
    for (uint16_t i = 0; i < w->nfields; i++)
        if (w->fields[i].policy != CM_POL_IGNORE)
            m |= cm_field_mask(&w->fields[i]);
    return m;
}

static bool word_exported(const struct cm_vector *model, size_t slot)
{
    const struct cm_word *w = &model->ops->words[slot];
    return model->present[slot] && !model->novalue[slot] &&
           !(w->flags & (CM_WORDF_NOVALUE | CM_WORDF_DERIVED | CM_WORDF_RAZ));
}

static struct json_object *modifier(const char *key, uint64_t addr, uint64_t mask, uint64_t val, unsigned bits)
{
    struct json_object *o = json_object_new_object();
    char a[24];
    snprintf(a, sizeof(a), "0x%llx", (unsigned long long)addr);
    json_object_object_add(o, key, json_object_new_string(a));
    char *bm = cm_fc_bitmap_format(mask, val, bits);
    json_object_object_add(o, "bitmap", json_object_new_string(bm));
    free(bm);
    return o;
}

static int arm64_template(const struct cm_export_req *req, struct json_object *t, struct cm_export *out,
                          cm_error *err)
{
    const struct cm_vector *m = req->model;
    struct cm_plan plan;
    if (cm_plan_make(m, req->host_snap, &plan, err) < 0)
        return -1;
    uint32_t drop = plan.drop_init_features;
    /* A template only checks KVM capabilities; Firecracker never enables a VM
     * capability.  Writes that KVM accepts only after one (identity registers
     * need KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, KVM-FACTS §A.3.3) would fail with
     * EINVAL when Firecracker applies the template: refuse, naming it. */
    for (size_t k = 0; k < plan.nenable_caps; k++) {
        struct cm_reason r = {.sev = CM_SEV_ERROR, .host = (char *)req->host->name, .rule = (char *)"needs-vm-capability"};
        char *text = cm_xasprintf("the model needs %s (%u) enabled on the VM before vCPUs are created, which a "
                                  "Firecracker template cannot request",
                                  plan.enable_cap_names[k] ? plan.enable_cap_names[k] : "a VM capability",
                                  plan.enable_caps[k]);
        r.text = text;
        cm_reasons_add(&out->reasons, &r);
        free(text);
        out->ok = false;
    }
    cm_plan_free(&plan);
    if (!out->ok)
        return 1;

    struct json_object *caps = json_object_new_array();
    uint32_t kept = m->has_vcpu_features ? m->vcpu_features & ~drop : 0;
    for (uint32_t bit = 0; bit < 32; bit++) /* the capability each kept init feature needs (the driver's table) */
        if ((kept & (1u << bit)) && a64_init_feature_cap(bit)) {
            char c[16];
            snprintf(c, sizeof(c), "%u", a64_init_feature_cap(bit));
            json_object_array_add(caps, json_object_new_string(c));
        }
    json_object_object_add(t, "kvm_capabilities", caps);

    struct json_object *feats = json_object_new_array();
    if (drop) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "index", json_object_new_int(0));
        char *bm = cm_fc_bitmap_format(drop, 0, 32);
        json_object_object_add(f, "bitmap", json_object_new_string(bm));
        free(bm);
        json_object_array_add(feats, f);
    }
    json_object_object_add(t, "vcpu_features", feats);

    struct json_object *regs = json_object_new_array();
    for (size_t i = 0; i < m->ops->nwords; i++) {
        if (!word_exported(m, i))
            continue;
        const struct cm_word *w = &m->ops->words[i];
        size_t bytes = cm_reg_bytes(w->id);
        json_object_array_add(regs, modifier("addr", w->id, fixed_mask(w), m->val[i], (unsigned)bytes * 8));
    }
    json_object_object_add(t, "reg_modifiers", regs);
    return 0;
}

struct leaf_group {
    uint32_t leaf, sub;
    struct json_object *mods;
};

static int x86_template(const struct cm_export_req *req, struct json_object *t, cm_error *err)
{
    static const char *const reg_names[] = {"eax", "ebx", "ecx", "edx"};
    const struct cm_vector *m = req->model;
    const struct cm_snapshot *h = req->host_snap;
    struct json_object *cpuid = json_object_new_array(), *msrs = json_object_new_array();
    struct leaf_group *g = cm_xcalloc(m->ops->nwords ? m->ops->nwords : 1, sizeof(*g));
    size_t ng = 0;
    for (size_t i = 0; i < m->ops->nwords; i++) {
        if (!word_exported(m, i))
            continue;
        const struct cm_word *w = &m->ops->words[i];
        if (cm_x86_is_msr_id(w->id)) {
            json_object_array_add(msrs, modifier("addr", cm_x86_id_msr(w->id), fixed_mask(w), m->val[i], 64));
            continue;
        }
        if (!cm_x86_is_cpuid_id(w->id))
            continue;
        uint32_t leaf = cm_x86_id_leaf(w->id), sub = cm_x86_id_subleaf(w->id);
        size_t k = 0;
        while (k < ng && (g[k].leaf != leaf || g[k].sub != sub))
            k++;
        if (k == ng) {
            g[ng].leaf = leaf;
            g[ng].sub = sub;
            g[ng++].mods = json_object_new_array();
        }
        struct json_object *mod = json_object_new_object();
        json_object_object_add(mod, "register", json_object_new_string(reg_names[cm_x86_id_reg(w->id)]));
        char *bm = cm_fc_bitmap_format(fixed_mask(w) & 0xffffffffu, m->val[i], 32);
        json_object_object_add(mod, "bitmap", json_object_new_string(bm));
        free(bm);
        json_object_array_add(g[k].mods, mod);
    }
    for (size_t k = 0; k < ng; k++) {
        const struct cm_cpuid_entry *e = cm_x86_cpuid_find(h->cpuid, h->ncpuid, g[k].leaf, g[k].sub);
        uint32_t flags = e ? e->flags
                           : (cm_x86_leaf_indexed(g[k].leaf) ? CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX : 0);
        struct json_object *o = json_object_new_object();
        char b[24];
        snprintf(b, sizeof(b), "0x%x", g[k].leaf);
        json_object_object_add(o, "leaf", json_object_new_string(b));
        snprintf(b, sizeof(b), "0x%x", g[k].sub);
        json_object_object_add(o, "subleaf", json_object_new_string(b));
        json_object_object_add(o, "flags", json_object_new_int((int32_t)flags));
        json_object_object_add(o, "modifiers", g[k].mods);
        json_object_array_add(cpuid, o);
    }
    free(g);
    json_object_object_add(t, "kvm_capabilities", json_object_new_array());
    json_object_object_add(t, "cpuid_modifiers", cpuid);
    json_object_object_add(t, "msr_modifiers", msrs);
    (void)err;
    return 0;
}

int cm_export_firecracker(const struct cm_export_req *req, struct cm_export *out, cm_error *err)
{
    enum cm_arch arch = req->model->ops->arch;
    if (arch != CM_ARCH_ARM64 && arch != CM_ARCH_X86_64)
        return cm_fail(err, CM_E_NOTSUP, "Firecracker templates exist for arm64 and x86_64, not %s",
                       cm_arch_name(arch));
    struct json_object *t = json_object_new_object();
    int r = arch == CM_ARCH_ARM64 ? arm64_template(req, t, out, err) : x86_template(req, t, err);
    if (r > 0) { /* refused, with reasons */
        json_object_put(t);
        return 0;
    }
    /* every template we hand out passes the checker written from Firecracker's rules */
    if (r == 0 && cm_fc_check(t, arch, err) < 0) {
        cm_fail_prefix(err, "internal error: the exported template fails the Firecracker checker");
        r = -1;
    }
    if (r < 0) {
        json_object_put(t);
        return -1;
    }
    out->text = cm_xstrdup(json_object_to_json_string_ext(t, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    out->data = t;
    return 0;
}
