/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt export of a model (libvirt_export.h). */
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "cpumodel/arch.h"
#include "cpumodel/cpumodel.h"
#include "libvirt_cpu.h"
#include "libvirt_export.h"

static struct json_object *names_json(const struct lv_names *s)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < s->n; i++)
        json_object_array_add(a, json_object_new_string(s->v[i]));
    return a;
}

static void not_expressible(struct json_object *list, const char *what, const char *why)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "what", json_object_new_string(what));
    json_object_object_add(o, "why", json_object_new_string(why));
    json_object_array_add(list, o);
}

/* ---- x86_64 --------------------------------------------------------------- */

/* The libvirt model closest to want: fewest require + disable lines; a model
 * with a vendor only for that vendor; ties go to the first name. */
static int closest_model(const struct lv_names *want, const char *vendor, char **best, struct lv_names *best_feats,
                         cm_error *err)
{
    char why[512];
    _cleanup_names_ struct lv_names models = {0};
    if (lv_model_names(&models, why, sizeof(why)) < 0)
        return cm_fail(err, CM_E_NOTSUP, "%s", why);
    size_t best_score = (size_t)-1;
    for (size_t i = 0; i < models.n; i++) {
        struct lv_names f = {0}, extra = {0}, missing = {0};
        _cleanup_free_ char *mvendor = NULL;
        if (lv_model_expand(models.v[i], &f, &mvendor, why, sizeof(why)) < 0) {
            lv_names_free(&f);
            return cm_fail(err, CM_E_NOTSUP, "%s", why);
        }
        lv_names_minus(&f, want, &extra);
        lv_names_minus(want, &f, &missing);
        size_t score = extra.n + missing.n;
        bool vendor_ok = !mvendor || (vendor && !strcmp(mvendor, vendor));
        if (vendor_ok && score < best_score) {
            best_score = score;
            free(*best);
            *best = cm_xstrdup(models.v[i]);
            lv_names_free(best_feats);
            *best_feats = f;
            f = (struct lv_names){0};
        }
        lv_names_free(&f);
        lv_names_free(&extra);
        lv_names_free(&missing);
    }
    if (!*best)
        return cm_fail(err, CM_E_NOTSUP, "libvirt offers no x86_64 CPU model for vendor %s", vendor ? vendor : "(none)");
    return 0;
}

int lv_model_guest_features(const struct cm_snapshot *model, struct lv_names *guest, char **vendor,
                            struct json_object *nx, cm_error *err)
{
    char why[512];
    _cleanup_lv_map_ struct lv_map *map = lv_map_load(why, sizeof(why));
    if (!map)
        return cm_fail(err, CM_E_NOTSUP, "%s", why);
    if (model->arch != CM_ARCH_X86_64)
        return cm_fail(err, CM_E_INPUT, "model '%s' is %s: libvirt names CPU features for x86_64 only", model->host,
                       cm_arch_name(model->arch));
    _cleanup_names_ struct lv_names have = {0}, unnamed = {0};
    const char *v = NULL; /* points into map */
    lv_snapshot_features(map, model, &have, &unnamed, &v);
    if (vendor)
        *vendor = cm_xstrdup(v);
    if (!have.n)
        return cm_fail(err, CM_E_INPUT, "model '%s' has no CPUID features libvirt names (no CPUID table?)", model->host);
    for (size_t i = 0; i < have.n; i++) {
        if (lv_feature_migratable(map, have.v[i]))
            lv_names_add(guest, have.v[i]);
        else if (nx)
            not_expressible(nx, have.v[i],
                            "libvirt marks it migratable='no' (x86_features.xml): a guest with it cannot migrate live");
    }
    for (size_t i = 0; nx && i < unnamed.n; i++)
        not_expressible(nx, unnamed.v[i], "set in the model, but libvirt has no feature name for it: the guest will not see it");
    return 0;
}

static int export_x86(const struct cm_snapshot *model, struct json_object *o, cm_error *err)
{
    _cleanup_names_ struct lv_names guest = {0}, base = {0}, require = {0}, disable = {0};
    _cleanup_free_ char *vendor = NULL;
    struct json_object *nx = json_object_new_array();
    json_object_object_add(o, "not_expressible", nx);
    if (lv_model_guest_features(model, &guest, &vendor, nx, err) < 0)
        return -1;
    _cleanup_free_ char *name = NULL;
    if (closest_model(&guest, vendor, &name, &base, err) < 0)
        return -1;
    lv_names_minus(&guest, &base, &require);
    lv_names_minus(&base, &guest, &disable);

    struct cm_buf x = {0};
    xmlChar *esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)name);
    cm_buf_printf(&x, "<cpu mode='custom' match='exact' check='full'>\n  <model fallback='forbid'>%s</model>\n",
                  (const char *)esc);
    xmlFree(esc);
    for (size_t i = 0; i < require.n; i++)
        cm_buf_printf(&x, "  <feature policy='require' name='%s'/>\n", require.v[i]);
    for (size_t i = 0; i < disable.n; i++)
        cm_buf_printf(&x, "  <feature policy='disable' name='%s'/>\n", disable.v[i]);
    cm_buf_printf(&x, "</cpu>\n");
    _cleanup_free_ char *xml = cm_buf_steal(&x);
    json_object_object_add(o, "cpu_xml", json_object_new_string(xml));
    json_object_object_add(o, "features_xml", NULL);
    json_object_object_add(o, "libvirt_model", json_object_new_string(name));
    json_object_object_add(o, "vendor", vendor ? json_object_new_string(vendor) : NULL);
    json_object_object_add(o, "require", names_json(&require));
    json_object_object_add(o, "disable", names_json(&disable));
    json_object_object_add(o, "guest_features", names_json(&guest));
    return 0;
}

/* ---- arm64, riscv64 ------------------------------------------------------- */

/* What libvirt can switch off on a host-passthrough guest, per field that
 * the model sets to 0 (absent).  cpu_feature: a name in libvirt's
 * <arch>_features.xml, checked at run time; domain_feature: an element under
 * the domain's <features> (libvirt's domain XML, formatdomain). */
struct lv_switch {
    enum cm_arch arch;
    const char *word, *field;
    const char *cpu_feature;    /* <feature policy='disable' name='...'/> in <cpu> */
    const char *domain_feature; /* in <features> */
};
static const struct lv_switch switches[] = {
    {CM_ARCH_ARM64, "ID_AA64PFR0_EL1", "SVE", "sve", NULL},
    {CM_ARCH_ARM64, "ID_AA64DFR0_EL1", "PMUVer", NULL, "<pmu state='off'/>"},
};

static bool libvirt_names_feature(const char *file, const char *name)
{
    _cleanup_free_ char *path = cm_xasprintf("%s/%s", lv_cpu_map_dir(), file);
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    bool found = false;
    for (xmlNode *n = doc ? xmlDocGetRootElement(doc)->children : NULL; n && !found; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, (const xmlChar *)"feature"))
            continue;
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"name");
        found = v && !strcmp((const char *)v, name);
        xmlFree(v);
    }
    xmlFreeDoc(doc);
    return found;
}

static const struct lv_switch *find_switch(enum cm_arch arch, const char *word, const char *field)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(switches); i++)
        if (switches[i].arch == arch && !strcmp(switches[i].word, word) && !strcmp(switches[i].field, field))
            return &switches[i];
    return NULL;
}

static int export_passthrough(const struct cm_snapshot *model, const struct cm_snapshot *host, struct json_object *o,
                              cm_error *err)
{
    if (!host)
        return cm_fail(err, CM_E_INPUT,
                       "the libvirt export for %s is host-passthrough plus switches: it needs the host it is for "
                       "(--host SNAPSHOT)",
                       cm_arch_name(model->arch));
    if (host->arch != model->arch)
        return cm_fail(err, CM_E_MISMATCH, "model '%s' is %s, host '%s' is %s", model->host, cm_arch_name(model->arch),
                       host->host, cm_arch_name(host->arch));
    struct cm_vector mv = {0}, hv = {0};
    if (cm_vector_from_snapshot(model, &mv, err) < 0)
        return -1;
    if (cm_vector_from_snapshot(host, &hv, err) < 0) {
        cm_vector_free(&mv);
        return -1;
    }
    struct json_object *nx = json_object_new_array();
    json_object_object_add(o, "not_expressible", nx);
    struct cm_buf cpu = {0}, feat = {0};
    cm_buf_printf(&cpu, "<cpu mode='host-passthrough' check='none' migratable='on'>\n");
    const char *cpu_map_file = model->arch == CM_ARCH_ARM64 ? "arm_features.xml" : "riscv64_features.xml";
    for (size_t i = 0; i < mv.ops->nwords; i++) {
        const struct cm_word *w = &mv.ops->words[i];
        if (hv.present[i] && !mv.present[i] && !(w->flags & CM_WORDF_RAZ)) {
            _cleanup_free_ char *what = cm_xasprintf("%s: the host has it, the model leaves it out", w->name);
            not_expressible(nx, what, "libvirt's host-passthrough CPU has no setting to hide it");
            continue;
        }
        if (!mv.present[i] || !hv.present[i] || mv.novalue[i] || hv.novalue[i] || (w->flags & CM_WORDF_NOVALUE))
            continue;
        for (size_t k = 0; k < w->nfields; k++) {
            const struct cm_field *f = &w->fields[k];
            uint64_t m = cm_field_get(f, mv.val[i]), h = cm_field_get(f, hv.val[i]);
            if (m == h)
                continue;
            const struct lv_switch *sw = find_switch(model->arch, w->name, f->name);
            _cleanup_free_ char *what =
                cm_xasprintf("%s.%s: host 0x%llx, model 0x%llx", w->name, f->name, (unsigned long long)h,
                             (unsigned long long)m);
            if (sw && m == 0 && sw->cpu_feature && libvirt_names_feature(cpu_map_file, sw->cpu_feature)) {
                cm_buf_printf(&cpu, "  <feature policy='disable' name='%s'/>\n", sw->cpu_feature);
            } else if (sw && m == 0 && sw->domain_feature) {
                cm_buf_printf(&feat, "%s%s", feat.len ? "\n" : "", sw->domain_feature);
            } else {
                not_expressible(nx, what,
                                sw ? "libvirt can only switch this off, the model keeps a lower non-zero value"
                                   : "libvirt's host-passthrough CPU has no setting for this field");
            }
        }
    }
    cm_buf_printf(&cpu, "</cpu>\n");
    _cleanup_free_ char *cx = cm_buf_steal(&cpu);
    _cleanup_free_ char *fx = feat.len ? cm_buf_steal(&feat) : NULL;
    cm_buf_free(&feat);
    json_object_object_add(o, "cpu_xml", json_object_new_string(cx));
    json_object_object_add(o, "features_xml", fx ? json_object_new_string(fx) : NULL);
    json_object_object_add(o, "host", json_object_new_string(host->host ? host->host : ""));
    cm_vector_free(&mv);
    cm_vector_free(&hv);
    return 0;
}

int lv_export(const struct cm_snapshot *model, const struct cm_snapshot *host, struct json_object **out,
              cm_error *err)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("libvirt"));
    json_object_object_add(o, "arch", json_object_new_string(cm_arch_name(model->arch)));
    json_object_object_add(o, "model", json_object_new_string(model->host ? model->host : ""));
    int rc = model->arch == CM_ARCH_X86_64 ? export_x86(model, o, err) : export_passthrough(model, host, o, err);
    if (rc < 0) {
        json_object_put(o);
        return -1;
    }
    *out = o;
    return 0;
}

void lv_export_print(FILE *f, const struct json_object *exp)
{
    struct json_object *v = NULL, *nx = NULL;
    if (json_object_object_get_ex(exp, "cpu_xml", &v))
        fputs(json_object_get_string(v), f);
    if (json_object_object_get_ex(exp, "features_xml", &v) && v)
        fprintf(f, "<!-- under <features>: -->\n%s\n", json_object_get_string(v));
    json_object_object_get_ex(exp, "not_expressible", &nx);
    size_t n = nx ? json_object_array_length(nx) : 0;
    if (n)
        fprintf(f, "<!-- libvirt cannot express %zu restriction(s) of the model:\n", n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(nx, i), *w = NULL, *y = NULL;
        json_object_object_get_ex(e, "what", &w);
        json_object_object_get_ex(e, "why", &y);
        fprintf(f, "     %s: %s\n", json_object_get_string(w), json_object_get_string(y));
    }
    if (n)
        fprintf(f, "-->\n");
}
