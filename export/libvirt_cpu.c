/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's CPU vocabulary, from libvirt's own data and API (libvirt_cpu.h). */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumodel/cpumodel.h"
#include "libvirt_cpu.h"

/* ---- name sets ------------------------------------------------------------ */

static size_t names_pos(const struct lv_names *s, const char *name, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->v[mid], name);
        if (!c) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

void lv_names_add(struct lv_names *s, const char *name)
{
    bool found;
    size_t at = names_pos(s, name, &found);
    if (found)
        return;
    cm_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
    s->v[at] = cm_xstrdup(name);
    s->n++;
}

bool lv_names_has(const struct lv_names *s, const char *name)
{
    bool found;
    names_pos(s, name, &found);
    return found;
}

void lv_names_free(struct lv_names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (struct lv_names){0};
}

void lv_names_minus(const struct lv_names *a, const struct lv_names *b, struct lv_names *out)
{
    for (size_t i = 0; i < a->n; i++)
        if (!lv_names_has(b, a->v[i]))
            lv_names_add(out, a->v[i]);
}

char *lv_names_join(const struct lv_names *s, size_t max)
{
    struct cm_buf b = {0};
    size_t shown = max && max < s->n ? max : s->n;
    for (size_t i = 0; i < shown; i++)
        cm_buf_printf(&b, "%s%s", i ? ", " : "", s->v[i]);
    if (shown < s->n)
        cm_buf_printf(&b, " (+%zu more)", s->n - shown);
    return cm_buf_steal(&b);
}

/* ---- libvirt's x86 feature table (cpu_map/x86_features.xml) --------------- */

/* One condition of a feature: every bit of mask set in a CPUID register or an MSR. */
struct lv_cond {
    bool msr;
    uint32_t leaf, sub; /* CPUID leaf/subleaf, or the MSR index in leaf */
    int reg;            /* 0..3 = EAX..EDX (CPUID only) */
    uint64_t mask;
};

struct lv_feat {
    char *name;
    bool migratable;
    struct lv_cond *c;
    size_t nc;
};

struct lv_vendor {
    char *name, *string;
};

struct lv_map {
    struct lv_feat *f;
    size_t nf, capf;
    struct lv_vendor *v;
    size_t nv, capv;
};

const char *lv_cpu_map_dir(void)
{
    const char *d = getenv("CPUMODELD_LIBVIRT_CPU_MAP");
    return d && *d ? d : "/usr/share/libvirt/cpu_map";
}

static bool hex_attr(xmlNode *n, const char *attr, uint64_t *out)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
    if (!v)
        return false;
    char *end = NULL;
    *out = strtoull((const char *)v, &end, 0);
    bool ok = end && !*end && end != (char *)v;
    xmlFree(v);
    return ok;
}

static xmlDoc *read_map_file(const char *file, char *why, size_t whylen)
{
    _cleanup_free_ char *path = cm_xasprintf("%s/%s", lv_cpu_map_dir(), file);
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        snprintf(why, whylen, "cannot read libvirt's CPU map %s (libvirt installed? CPUMODELD_LIBVIRT_CPU_MAP)",
                 path);
    return doc;
}

static int parse_feature(struct lv_map *m, xmlNode *fe, char *why, size_t whylen)
{
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    xmlChar *name = xmlGetNoNsProp(fe, (const xmlChar *)"name");
    xmlChar *migr = xmlGetNoNsProp(fe, (const xmlChar *)"migratable");
    struct lv_feat f = {.name = cm_xstrdup((const char *)name), .migratable = !(migr && !xmlStrcmp(migr, (const xmlChar *)"no"))};
    xmlFree(name);
    xmlFree(migr);
    size_t capc = 0;
    for (xmlNode *c = fe->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        uint64_t leaf = 0, sub = 0, lo = 0, hi = 0;
        if (!xmlStrcmp(c->name, (const xmlChar *)"cpuid")) {
            if (!hex_attr(c, "eax_in", &leaf))
                goto bad;
            hex_attr(c, "ecx_in", &sub);
            for (int r = 0; r < 4; r++) {
                uint64_t mask;
                if (!hex_attr(c, regs[r], &mask) || !mask)
                    continue;
                cm_grow(&f.c, &capc, f.nc + 1, sizeof(*f.c));
                f.c[f.nc++] = (struct lv_cond){.leaf = (uint32_t)leaf, .sub = (uint32_t)sub, .reg = r, .mask = mask};
            }
        } else if (!xmlStrcmp(c->name, (const xmlChar *)"msr")) {
            if (!hex_attr(c, "index", &leaf) || !hex_attr(c, "edx", &hi) || !hex_attr(c, "eax", &lo))
                goto bad;
            cm_grow(&f.c, &capc, f.nc + 1, sizeof(*f.c));
            f.c[f.nc++] = (struct lv_cond){.msr = true, .leaf = (uint32_t)leaf, .mask = hi << 32 | (lo & 0xffffffffu)};
        }
    }
    if (!f.name || !f.nc)
        goto bad;
    cm_grow(&m->f, &m->capf, m->nf + 1, sizeof(*m->f));
    m->f[m->nf++] = f;
    return 0;
bad:
    snprintf(why, whylen, "libvirt's x86_features.xml: feature '%s' has no CPUID or MSR bits cpumodeld understands",
             f.name ? f.name : "?");
    free(f.name);
    free(f.c);
    return -1;
}

struct lv_map *lv_map_load(char *why, size_t whylen)
{
    struct lv_map *m = cm_xcalloc(1, sizeof(*m));
    xmlDoc *doc = read_map_file("x86_features.xml", why, whylen);
    if (!doc)
        goto fail;
    for (xmlNode *fe = xmlDocGetRootElement(doc)->children; fe; fe = fe->next)
        if (fe->type == XML_ELEMENT_NODE && !xmlStrcmp(fe->name, (const xmlChar *)"feature") &&
            parse_feature(m, fe, why, whylen) < 0) {
            xmlFreeDoc(doc);
            goto fail;
        }
    xmlFreeDoc(doc);
    if (!m->nf) {
        snprintf(why, whylen, "libvirt's x86_features.xml in %s lists no features", lv_cpu_map_dir());
        goto fail;
    }
    if (!(doc = read_map_file("x86_vendors.xml", why, whylen)))
        goto fail;
    for (xmlNode *ve = xmlDocGetRootElement(doc)->children; ve; ve = ve->next) {
        if (ve->type != XML_ELEMENT_NODE || xmlStrcmp(ve->name, (const xmlChar *)"vendor"))
            continue;
        xmlChar *name = xmlGetNoNsProp(ve, (const xmlChar *)"name"), *str = xmlGetNoNsProp(ve, (const xmlChar *)"string");
        if (name && str && strlen((const char *)str) == 12) {
            cm_grow(&m->v, &m->capv, m->nv + 1, sizeof(*m->v));
            m->v[m->nv++] = (struct lv_vendor){cm_xstrdup((const char *)name), cm_xstrdup((const char *)str)};
        }
        xmlFree(name);
        xmlFree(str);
    }
    xmlFreeDoc(doc);
    return m;
fail:
    lv_map_free(m);
    return NULL;
}

void lv_map_free(struct lv_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nf; i++) {
        free(m->f[i].name);
        free(m->f[i].c);
    }
    for (size_t i = 0; i < m->nv; i++) {
        free(m->v[i].name);
        free(m->v[i].string);
    }
    free(m->f);
    free(m->v);
    free(m);
}

static const struct lv_feat *find_feat(const struct lv_map *m, const char *name)
{
    for (size_t i = 0; i < m->nf; i++)
        if (!strcmp(m->f[i].name, name))
            return &m->f[i];
    return NULL;
}

bool lv_feature_migratable(const struct lv_map *m, const char *name)
{
    const struct lv_feat *f = find_feat(m, name);
    return !f || f->migratable;
}

bool lv_feature_known(const struct lv_map *m, const char *name) { return find_feat(m, name) != NULL; }

static uint32_t cpuid_reg(const struct cm_cpuid_entry *e, int reg)
{
    const uint32_t r[4] = {e->eax, e->ebx, e->ecx, e->edx};
    return r[reg];
}

/* The value of one condition's register in s; false when s does not list it. */
static bool cond_value(const struct cm_snapshot *s, const struct lv_cond *c, uint64_t *v)
{
    if (c->msr) {
        const struct cm_msr *msr = cm_snapshot_find_msr(s, c->leaf);
        if (msr)
            *v = msr->value;
        return msr != NULL;
    }
    const struct cm_cpuid_entry *e = cm_snapshot_find_cpuid(s, c->leaf, c->sub);
    if (e)
        *v = cpuid_reg(e, c->reg);
    return e != NULL;
}

static bool same_reg(const struct lv_cond *a, const struct lv_cond *b)
{
    return a->msr == b->msr && a->leaf == b->leaf && a->sub == b->sub && a->reg == b->reg;
}

void lv_snapshot_features(const struct lv_map *m, const struct cm_snapshot *s, struct lv_names *have,
                          struct lv_names *unnamed, const char **vendor)
{
    for (size_t i = 0; i < m->nf; i++) {
        bool all = true;
        for (size_t j = 0; j < m->f[i].nc && all; j++) {
            uint64_t v = 0;
            all = cond_value(s, &m->f[i].c[j], &v) && (v & m->f[i].c[j].mask) == m->f[i].c[j].mask;
        }
        if (all)
            lv_names_add(have, m->f[i].name);
    }
    if (unnamed) {
        /* registers libvirt defines features in: a set bit no feature covers */
        for (size_t i = 0; i < m->nf; i++)
            for (size_t j = 0; j < m->f[i].nc; j++) {
                const struct lv_cond *c = &m->f[i].c[j];
                bool first = true; /* each register once: at its first condition */
                for (size_t k = 0; k < i && first; k++)
                    for (size_t l = 0; l < m->f[k].nc && first; l++)
                        first = !same_reg(&m->f[k].c[l], c);
                for (size_t l = 0; l < j && first; l++)
                    first = !same_reg(&m->f[i].c[l], c);
                uint64_t v = 0, covered = 0;
                if (!first || !cond_value(s, c, &v))
                    continue;
                for (size_t k = 0; k < m->nf; k++)
                    for (size_t l = 0; l < m->f[k].nc; l++)
                        if (same_reg(&m->f[k].c[l], c))
                            covered |= m->f[k].c[l].mask;
                for (int bit = 0; bit < (c->msr ? 64 : 32); bit++) {
                    if (!(v >> bit & 1) || covered >> bit & 1)
                        continue;
                    char buf[64];
                    if (c->msr)
                        snprintf(buf, sizeof(buf), "MSR 0x%x bit %d", c->leaf, bit);
                    else
                        snprintf(buf, sizeof(buf), "CPUID.%02X.%u.%s bit %d", c->leaf, c->sub,
                                 (const char *[]){"EAX", "EBX", "ECX", "EDX"}[c->reg], bit);
                    lv_names_add(unnamed, buf);
                }
            }
    }
    if (vendor) {
        *vendor = NULL;
        const struct cm_cpuid_entry *e = cm_snapshot_find_cpuid(s, 0, 0);
        char str[13] = "";
        if (e) {
            memcpy(str, &e->ebx, 4);
            memcpy(str + 4, &e->edx, 4);
            memcpy(str + 8, &e->ecx, 4);
        }
        for (size_t i = 0; e && i < m->nv; i++)
            if (!strcmp(m->v[i].string, str))
                *vendor = m->v[i].name;
    }
}

/* ---- libvirt's CPU API (in-process test driver) --------------------------- */

static void quiet(void *opaque, virErrorPtr e) {}

static virConnectPtr test_conn(char *why, size_t whylen)
{
    static virConnectPtr conn;
    if (conn)
        return conn;
    virSetErrorFunc(NULL, quiet);
    conn = virConnectOpen("test:///default");
    if (!conn) {
        const virError *e = virGetLastError();
        snprintf(why, whylen, "cannot open libvirt's test:///default driver for its CPU API: %s",
                 e && e->message ? e->message : "unknown error");
    }
    return conn;
}

void lv_guest_cpu_free(struct lv_guest_cpu *c)
{
    free(c->model);
    free(c->vendor);
    lv_names_free(&c->require);
    lv_names_free(&c->disable);
    lv_names_free(&c->forbid);
    lv_names_free(&c->optional);
    *c = (struct lv_guest_cpu){0};
}

int lv_model_names(struct lv_names *out, char *why, size_t whylen)
{
    virConnectPtr conn = test_conn(why, whylen);
    if (!conn)
        return -1;
    char **models = NULL;
    int n = virConnectGetCPUModelNames(conn, "x86_64", &models, 0);
    if (n < 0) {
        const virError *e = virGetLastError();
        snprintf(why, whylen, "libvirt lists no x86_64 CPU models: %s", e && e->message ? e->message : "?");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        lv_names_add(out, models[i]);
        free(models[i]);
    }
    free(models);
    return 0;
}

int lv_model_expand(const char *model, struct lv_names *features, char **vendor, char *why, size_t whylen)
{
    virConnectPtr conn = test_conn(why, whylen);
    if (!conn)
        return -1;
    /* a host CPU made of the model alone; baseline over one CPU, expanded */
    xmlChar *esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)model);
    _cleanup_free_ char *in = cm_xasprintf("<cpu><arch>x86_64</arch><model>%s</model></cpu>", (const char *)esc);
    xmlFree(esc);
    const char *xmls[] = {in};
    char *out = virConnectBaselineCPU(conn, xmls, 1, VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
    if (!out) {
        const virError *e = virGetLastError();
        snprintf(why, whylen, "libvirt cannot expand CPU model '%s': %s", model, e && e->message ? e->message : "?");
        return -1;
    }
    xmlDoc *doc = xmlReadMemory(out, (int)strlen(out), "baseline.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    free(out);
    if (!doc) {
        snprintf(why, whylen, "libvirt's expansion of '%s' is not XML", model);
        return -1;
    }
    if (vendor)
        *vendor = NULL;
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlStrcmp(n->name, (const xmlChar *)"feature")) {
            xmlChar *name = xmlGetNoNsProp(n, (const xmlChar *)"name");
            if (name)
                lv_names_add(features, (const char *)name);
            xmlFree(name);
        } else if (vendor && !xmlStrcmp(n->name, (const xmlChar *)"vendor")) {
            xmlChar *v = xmlNodeGetContent(n);
            free(*vendor);
            *vendor = cm_xstrdup((const char *)v);
            xmlFree(v);
        }
    }
    xmlFreeDoc(doc);
    return 0;
}

int lv_guest_cpu_expand(const struct lv_guest_cpu *c, struct lv_names *out, char *why, size_t whylen)
{
    if (c->model && lv_model_expand(c->model, out, NULL, why, whylen) < 0)
        return -1;
    for (size_t i = 0; i < c->require.n; i++)
        lv_names_add(out, c->require.v[i]);
    for (size_t i = 0; i < c->optional.n; i++)
        lv_names_add(out, c->optional.v[i]);
    struct lv_names gone = {0}, keep = {0};
    for (size_t i = 0; i < c->disable.n; i++)
        lv_names_add(&gone, c->disable.v[i]);
    for (size_t i = 0; i < c->forbid.n; i++)
        lv_names_add(&gone, c->forbid.v[i]);
    lv_names_minus(out, &gone, &keep);
    lv_names_free(out);
    *out = keep;
    lv_names_free(&gone);
    return 0;
}

int lv_guest_cpu_parse(struct _xmlNode *cpu, char **mode, struct lv_guest_cpu *out, char *why, size_t whylen)
{
    *out = (struct lv_guest_cpu){0};
    xmlChar *m = cpu ? xmlGetNoNsProp(cpu, (const xmlChar *)"mode") : NULL;
    *mode = cm_xstrdup(m ? (const char *)m : "custom");
    xmlFree(m);
    for (xmlNode *n = cpu ? cpu->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlStrcmp(n->name, (const xmlChar *)"model")) {
            xmlChar *v = xmlNodeGetContent(n);
            free(out->model);
            out->model = v && *v ? cm_xstrdup((const char *)v) : NULL;
            xmlFree(v);
        } else if (!xmlStrcmp(n->name, (const xmlChar *)"vendor")) {
            xmlChar *v = xmlNodeGetContent(n);
            free(out->vendor);
            out->vendor = cm_xstrdup((const char *)v);
            xmlFree(v);
        } else if (!xmlStrcmp(n->name, (const xmlChar *)"feature")) {
            xmlChar *name = xmlGetNoNsProp(n, (const xmlChar *)"name");
            xmlChar *pol = xmlGetNoNsProp(n, (const xmlChar *)"policy");
            const char *p = pol ? (const char *)pol : "require";
            struct lv_names *set = !strcmp(p, "require") || !strcmp(p, "force") ? &out->require
                                   : !strcmp(p, "disable")                      ? &out->disable
                                   : !strcmp(p, "forbid")                       ? &out->forbid
                                   : !strcmp(p, "optional")                     ? &out->optional
                                                                                : NULL;
            int bad = !name || !*name || !set;
            if (!bad)
                lv_names_add(set, (const char *)name);
            else
                snprintf(why, whylen, "the domain's <cpu> has a <feature> with %s",
                         !name || !*name ? "no name" : "an unknown policy (require, force, disable, forbid, optional)");
            xmlFree(name);
            xmlFree(pol);
            if (bad) {
                lv_guest_cpu_free(out);
                free(*mode);
                *mode = NULL;
                return -1;
            }
        }
    }
    if (!strcmp(*mode, "custom") && !out->model)
        out->model = cm_xstrdup(LV_QEMU_DEFAULT_X86_MODEL);
    return 0;
}
