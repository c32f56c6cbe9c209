/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restriction plan: what the source VMM does to `host` before the first
 * KVM_RUN so the guest sees exactly the model.  Order matters to KVM:
 * init features first (they decide which ID values are legal), then ID
 * registers (before any other register, A.3.3), then firmware registers,
 * then the rest.  Registers the host lists and the model's (older) kernels
 * do not are classified for rollback.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "negotiate_internal.h"

static void add_write(struct cm_plan *p, size_t *cap, const struct cm_arch_ops *ops, uint64_t id, uint8_t order,
                      uint64_t old_value, uint64_t new_value, char *why)
{
    char name[96];
    cm_grow(&p->writes, cap, p->nwrites + 1, sizeof(*p->writes));
    p->writes[p->nwrites++] = (struct cm_write){
        .id = id,
        .name = cm_xstrdup(cm_regname(ops, id, name, sizeof(name))),
        .order = order,
        .old_value = old_value,
        .new_value = new_value,
        .why = why,
    };
}

static int write_cmp(const void *a, const void *b)
{
    const struct cm_write *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

static char *describe_change(const struct cm_word *w, uint64_t old_value, uint64_t new_value)
{
    struct cm_buf b = {0};
    for (uint16_t fi = 0; fi < w->nfields; fi++) {
        const struct cm_field *f = &w->fields[fi];
        uint64_t o = cm_field_get(f, old_value), n = cm_field_get(f, new_value);
        if (o != n)
            cm_buf_printf(&b, "%s%s %llx->%llx", b.len ? ", " : "", f->name, (unsigned long long)o,
                          (unsigned long long)n);
    }
    uint64_t rm = cm_word_raw_mask(w);
    if ((old_value & rm) != (new_value & rm))
        cm_buf_printf(&b, "%sraw bits 0x%llx", b.len ? ", " : "", (unsigned long long)((old_value ^ new_value) & rm));
    return cm_buf_steal(&b);
}

/* Why a rollback write: the destination is the model's kernel (the older
 * one the guest must be able to move to), named when the model knows it. */
static char *rollback_why(const struct cm_vector *model, uint64_t value)
{
    char k[32];
    if (model->kver == CM_KVER_UNKNOWN)
        return cm_xasprintf("rollback: the model's kernel behaves as 0x%llx", (unsigned long long)value);
    return cm_xasprintf("rollback: Linux %s (the model's kernel) behaves as 0x%llx",
                        cm_kver_str(model->kver, k, sizeof(k)), (unsigned long long)value);
}

int cm_plan_make(const struct cm_vector *model, const struct cm_snapshot *host, struct cm_plan *p, cm_error *err)
{
    return cm_plan_make_ex(model, host, NULL, p, err);
}

int cm_plan_make_ex(const struct cm_vector *model, const struct cm_snapshot *host, const struct cm_assume *assume,
                    struct cm_plan *p, cm_error *err)
{
    memset(p, 0, sizeof(*p));
    struct cm_vector hv;
    if (cm_vector_from_snapshot(host, &hv, err) < 0)
        return -1;
    if (hv.ops != model->ops) {
        cm_vector_free(&hv);
        return cm_fail(err, CM_E_MISMATCH, "the model is %s but host %s is %s", cm_arch_name(model->ops->arch),
                       cm_snapshot_name(host), cm_arch_name(host->arch));
    }
    const struct cm_arch_ops *ops = model->ops;
    p->host = cm_xstrdup(hv.name);
    p->model = cm_xstrdup(model->name);
    if (assume)
        p->assume = *assume;
    p->assume.reading = CM_READ_MIGRATION; /* a plan prepares a guest that may migrate */

    /* The one enforcement rule decides; the plan renders its result. */
    struct cm_enforcement e;
    bool ok = cm_enforce_rule(model, &hv, &p->assume, 0, &p->reasons, 0, &e);
    p->drop_init_features = e.drops;
    for (size_t k = 0; k < e.ncaps && k < CM_ARRAY_SIZE(p->enable_caps); k++) {
        p->enable_caps[k] = e.caps[k];
        p->enable_cap_names[k] = e.cap_names[k];
    }
    p->nenable_caps = e.ncaps;

    /* Writes: the words whose presented value changes. */
    size_t wcap = 0;
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!cm_word_valued(model, i) || !e.after.present[i] || e.after.novalue[i])
            continue;
        const struct cm_word *w = &ops->words[i];
        if (e.target[i] != e.after.val[i])
            add_write(p, &wcap, ops, w->id, w->order, e.after.val[i], e.target[i],
                      describe_change(w, e.after.val[i], e.target[i]));
    }
    p->vanishing = e.vanishing;
    p->nvanishing = e.nvanishing;
    e.vanishing = NULL;
    e.nvanishing = 0;

    /* Rollback: the host's registers the model's kernels do not list. */
    size_t rcap = 0;
    for (size_t r = 0; r < e.nextras; r++) {
        const struct cm_extra_reg *x = &e.extras[r];
        char name[96];
        if (x->write) {
            bool dup = false;
            for (size_t k = 0; k < p->nwrites && !dup; k++)
                dup = p->writes[k].id == x->id;
            const struct cm_reg *reg = cm_snapshot_find_reg(host, x->id);
            long wi = cm_vector_word_index(&hv, x->id);
            uint64_t old_value = reg ? cm_snapshot_reg_val(host, reg)[0] : 0;
            if (!dup && old_value != x->write_value)
                add_write(p, &wcap, ops, x->id, wi >= 0 ? ops->words[wi].order : CM_ORDER_OTHER, old_value,
                          x->write_value,
                          rollback_why(model, x->write_value));
        }
        cm_grow(&p->rollback, &rcap, p->nrollback + 1, sizeof(*p->rollback));
        p->rollback[p->nrollback++] = (struct cm_rollback_reg){
            .id = x->id,
            .name = cm_xstrdup(cm_regname(ops, x->id, name, sizeof(name))),
            .cls = x->cls,
            .why = x->why ? cm_xstrdup(x->why) : NULL,
        };
    }
    if (p->nwrites)
        qsort(p->writes, p->nwrites, sizeof(*p->writes), write_cmp);
    p->ok = ok && cm_reasons_count(&p->reasons, CM_SEV_ERROR) == 0;
    if (ops->plan_extra)
        p->extra = ops->plan_extra(model, host);
    cm_enforcement_free(&e);
    cm_vector_free(&hv);
    return 0;
}

void cm_plan_free(struct cm_plan *p)
{
    free(p->host);
    free(p->model);
    for (size_t i = 0; i < p->nwrites; i++) {
        free(p->writes[i].name);
        free(p->writes[i].why);
    }
    free(p->writes);
    free(p->vanishing);
    for (size_t i = 0; i < p->nrollback; i++) {
        free(p->rollback[i].name);
        free(p->rollback[i].why);
    }
    free(p->rollback);
    cm_reasons_free(&p->reasons);
    if (p->extra)
        json_object_put(p->extra);
    memset(p, 0, sizeof(*p));
}

void cm_plan_apply(const struct cm_plan *p, struct cm_vector *host)
{
    const struct cm_arch_ops *ops = host->ops;
    for (uint32_t bit = 0; bit < 32; bit++)
        if ((p->drop_init_features & (1u << bit)) && ops->drop_init_feature)
            ops->drop_init_feature(host, bit);
    host->vcpu_features &= ~p->drop_init_features;
    for (size_t i = 0; i < p->nwrites; i++) {
        long wi = cm_vector_word_index(host, p->writes[i].id);
        if (wi >= 0)
            host->val[wi] = p->writes[i].new_value;
    }
}

static char *id_list(const struct cm_plan *p, enum cm_rollback cls)
{
    struct cm_buf b = {0};
    for (size_t i = 0; i < p->nrollback; i++)
        if (p->rollback[i].cls == cls)
            cm_buf_printf(&b, "%s0x%016llx", b.len ? ", " : "", (unsigned long long)p->rollback[i].id);
    return cm_buf_steal(&b);
}

char *cm_plan_qemu_hidden_regs(const struct cm_plan *p)
{
    return id_list(p, CM_RB_DROPPABLE);
}

char *cm_plan_qemu_safe_missing_regs(const struct cm_plan *p)
{
    return id_list(p, CM_RB_HIDDEN);
}
