/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON renderings of negotiation results (json-c).  Ids and values are hex strings. */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "negotiate_internal.h"

static struct json_object *hex(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
    return json_object_new_string(b);
}

static struct json_object *hexid(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)v);
    return json_object_new_string(b);
}

static struct json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

struct json_object *cm_reasons_to_json(const struct cm_reasons *r)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct cm_reason *x = &r->v[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "severity", json_object_new_string(cm_severity_name(x->sev)));
        if (x->host)
            json_object_object_add(o, "host", json_object_new_string(x->host));
        if (x->reg) {
            json_object_object_add(o, "register", str_or_null(x->reg_name));
            json_object_object_add(o, "id", hexid(x->reg));
        }
        if (x->field)
            json_object_object_add(o, "field", json_object_new_string(x->field));
        if (x->has_values) {
            json_object_object_add(o, "host_value", hex(x->have));
            json_object_object_add(o, "model_value", hex(x->want));
        }
        json_object_object_add(o, "rule", str_or_null(x->rule));
        json_object_object_add(o, "text", str_or_null(x->text));
        json_object_array_add(a, o);
    }
    return a;
}

static struct json_object *fields_json(const struct cm_vector *model, const struct cm_vector *const *hosts, size_t n)
{
    const struct cm_arch_ops *ops = model->ops;
    struct json_object *a = json_object_new_array();
    size_t *idx = cm_xmalloc((n ? n : 1) * sizeof(size_t));
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!cm_word_valued(model, i))
            continue;
        const struct cm_word *w = &ops->words[i];
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            struct json_object *o = json_object_new_object();
            json_object_object_add(o, "register", json_object_new_string(w->name));
            json_object_object_add(o, "id", hexid(w->id));
            json_object_object_add(o, "field", json_object_new_string(f->name));
            json_object_object_add(o, "value", hex(cm_field_get(f, model->val[i])));
            json_object_object_add(o, "policy", json_object_new_string(cm_policy_name(f)));
            struct json_object *lb = json_object_new_array();
            size_t k = n ? cm_limited_by(hosts, n, model, i, f, idx) : 0;
            for (size_t j = 0; j < k; j++)
                json_object_array_add(lb, json_object_new_string(hosts[idx[j]]->name));
            json_object_object_add(o, "limited_by", lb);
            json_object_array_add(a, o);
        }
    }
    free(idx);
    return a;
}

static struct json_object *model_json(const struct cm_vector *model, const struct cm_vector *const *hosts,
                                      size_t n, cm_error *err)
{
    struct cm_snapshot *s = cm_model_snapshot(model, hosts, n, err);
    if (!s)
        return NULL;
    struct json_object *o = cm_snapshot_to_json(s);
    cm_snapshot_free(s);
    if (!o)
        return NULL;
    /* registers: add display names (ignored on input) */
    struct json_object *regs;
    if (json_object_object_get_ex(o, "registers", &regs)) {
        for (size_t i = 0; i < json_object_array_length(regs); i++) {
            struct json_object *r = json_object_array_get_idx(regs, i), *id;
            if (json_object_object_get_ex(r, "id", &id) && !json_object_object_get_ex(r, "name", NULL)) {
                char name[96];
                uint64_t v = strtoull(json_object_get_string(id), NULL, 16);
                json_object_object_add(r, "name", json_object_new_string(cm_regname(model->ops, v, name, sizeof(name))));
            }
        }
    }
    json_object_object_add(o, "fields", fields_json(model, hosts, n));
    return o;
}

struct json_object *cm_baseline_to_json(const struct cm_baseline *b, cm_error *err)
{
    struct json_object *o = json_object_new_object();
    struct json_object *m = model_json(&b->model, b->hosts, b->nhosts, err);
    if (!m) {
        json_object_put(o);
        return NULL;
    }
    json_object_object_add(o, "model", m);
    json_object_object_add(o, "enforceable_everywhere", json_object_new_boolean(b->enforceable_everywhere));
    json_object_object_add(o, "assumes", cm_assume_to_json(&b->assume));
    struct json_object *hosts = json_object_new_array();
    for (size_t h = 0; h < b->nhosts; h++) {
        struct json_object *ho = json_object_new_object();
        const struct cm_vector *v = b->hosts[h];
        char kb[32];
        json_object_object_add(ho, "name", json_object_new_string(v->name));
        json_object_object_add(ho, "kernel", json_object_new_string(v->snap && v->snap->kernel ? v->snap->kernel
                                                                    : cm_kver_str(v->kver, kb, sizeof(kb))));
        json_object_object_add(ho, "enforceable", json_object_new_boolean(b->verdicts[h].enforceable));
        json_object_object_add(ho, "reasons", cm_reasons_to_json(&b->verdicts[h].reasons));
        json_object_array_add(hosts, ho);
    }
    json_object_object_add(o, "hosts", hosts);
    struct json_object *groups = json_object_new_array();
    for (size_t g = 0; g < b->ngroups; g++) {
        const struct cm_group *grp = &b->groups[g];
        struct json_object *go = json_object_new_object();
        struct json_object *mem = json_object_new_array();
        const struct cm_vector **gh = cm_xmalloc(grp->nmembers * sizeof(*gh));
        for (size_t k = 0; k < grp->nmembers; k++) {
            json_object_array_add(mem, json_object_new_string(b->hosts[grp->members[k]]->name));
            gh[k] = b->hosts[grp->members[k]];
        }
        json_object_object_add(go, "hosts", mem);
        json_object_object_add(go, "why", str_or_null(grp->why));
        struct json_object *gm = model_json(&grp->model, gh, grp->nmembers, err);
        free(gh);
        if (!gm) {
            json_object_put(go);
            json_object_put(o);
            return NULL;
        }
        json_object_object_add(go, "model", gm);
        json_object_array_add(groups, go);
    }
    json_object_object_add(o, "groups", groups);
    json_object_object_add(o, "incompatibilities", cm_reasons_to_json(&b->incompat));
    json_object_object_add(o, "notes", cm_reasons_to_json(&b->notes));
    return o;
}

static struct json_object *order_name(uint8_t order)
{
    static const char *const names[] = {"id-register", "firmware", "config", "other"};
    return json_object_new_string(order < 4 ? names[order] : "other");
}

struct json_object *cm_assume_to_json(const struct cm_assume *a)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "reading", json_object_new_string(cm_reading_name(a->reading)));
    json_object_object_add(o, "vmm", json_object_new_string(cm_restore_name(a->restore)));
    return o;
}

/* Capabilities the VMM enables on the VM before creating vCPUs, else the
 * writes are refused: the plan's and the comparison's, one rendering. */
static struct json_object *caps_to_json(const uint32_t *caps, const char *const *names, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "cap", json_object_new_int64(caps[i]));
        json_object_object_add(c, "name", str_or_null(names[i]));
        json_object_object_add(c, "when", json_object_new_string("KVM_ENABLE_CAP on the VM before creating vCPUs"));
        json_object_array_add(a, c);
    }
    return a;
}

struct json_object *cm_comparison_to_json(const struct cm_comparison *c)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "compatible", json_object_new_boolean(c->compatible));
    json_object_object_add(o, "assumes", cm_assume_to_json(&c->assume));
    json_object_object_add(o, "enable_vm_capabilities", caps_to_json(c->caps, c->cap_names, c->ncaps));
    json_object_object_add(o, "reasons", cm_reasons_to_json(&c->reasons));
    return o;
}

struct json_object *cm_plan_to_json(const struct cm_plan *p)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "host", str_or_null(p->host));
    json_object_object_add(o, "model", str_or_null(p->model));
    json_object_object_add(o, "ok", json_object_new_boolean(p->ok));
    json_object_object_add(o, "assumes", cm_assume_to_json(&p->assume));
    json_object_object_add(o, "enable_vm_capabilities", caps_to_json(p->enable_caps, p->enable_cap_names, p->nenable_caps));
    json_object_object_add(o, "drop_init_features", json_object_new_int64(p->drop_init_features));
    struct json_object *w = json_object_new_array();
    for (size_t i = 0; i < p->nwrites; i++) {
        struct json_object *x = json_object_new_object();
        json_object_object_add(x, "step", json_object_new_int64((int64_t)i + 1));
        json_object_object_add(x, "id", hexid(p->writes[i].id));
        json_object_object_add(x, "name", str_or_null(p->writes[i].name));
        json_object_object_add(x, "order", order_name(p->writes[i].order));
        json_object_object_add(x, "old", hex(p->writes[i].old_value));
        json_object_object_add(x, "new", hex(p->writes[i].new_value));
        json_object_object_add(x, "why", str_or_null(p->writes[i].why));
        json_object_array_add(w, x);
    }
    json_object_object_add(o, "writes", w);
    struct json_object *v = json_object_new_array();
    for (size_t i = 0; i < p->nvanishing; i++)
        json_object_array_add(v, hexid(p->vanishing[i]));
    json_object_object_add(o, "vanishing", v);
    struct json_object *r = json_object_new_array();
    for (size_t i = 0; i < p->nrollback; i++) {
        struct json_object *x = json_object_new_object();
        json_object_object_add(x, "id", hexid(p->rollback[i].id));
        json_object_object_add(x, "name", str_or_null(p->rollback[i].name));
        json_object_object_add(x, "class", json_object_new_string(cm_rollback_name(p->rollback[i].cls)));
        json_object_object_add(x, "why", str_or_null(p->rollback[i].why));
        json_object_array_add(r, x);
    }
    json_object_object_add(o, "rollback", r);
    char *hidden = cm_plan_qemu_hidden_regs(p), *missing = cm_plan_qemu_safe_missing_regs(p);
    struct json_object *q = json_object_new_object();
    json_object_object_add(q, "x-mig-hidden-regs", json_object_new_string(hidden));
    json_object_object_add(q, "x-mig-safe-missing-regs", json_object_new_string(missing));
    free(hidden);
    free(missing);
    json_object_object_add(o, "qemu", q);
    json_object_object_add(o, "reasons", cm_reasons_to_json(&p->reasons));
    if (p->extra)
        json_object_object_add(o, "extra", json_object_get(p->extra));
    return o;
}
