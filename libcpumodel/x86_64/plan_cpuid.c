/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x86 part of a restriction plan: the complete CPUID table the source
 * VMM passes to KVM_SET_CPUID2, and the feature-MSR writes (with their 6.18
 * ONE_REG ids; KVM_SET_MSRS on older kernels).  The table is the host's own
 * (cache, topology and brand leaves are the VMM's business) with every
 * modelled register replaced by the model's value, minus what the model
 * does not have: leaves above its maximum leaf and XSAVE components outside
 * its XCR0/XSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "x86_64/x86.h"


static json_object *hex(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
    return json_object_new_string(b);
}

static uint64_t model_word(const struct cm_vector *m, uint32_t leaf, uint32_t sub, enum cm_x86_reg r, bool *ok)
{
    long i = cm_vector_word_index(m, CM_X86_CPUID_ID(leaf, sub, r));
    *ok = i >= 0 && m->present[i];
    return *ok ? m->val[i] : 0;
}

/* XSAVE component n (0xD.n, n >= 2) is in the model's XCR0 or XSS. */
static bool model_has_xsave_component(const struct cm_vector *m, uint32_t n)
{
    bool ok;
    uint64_t mask;
    if (n < 32) {
        mask = model_word(m, 0xd, 0, CM_X86_EAX, &ok) | model_word(m, 0xd, 1, CM_X86_ECX, &ok);
        return (mask >> n) & 1;
    }
    mask = model_word(m, 0xd, 0, CM_X86_EDX, &ok) | model_word(m, 0xd, 1, CM_X86_EDX, &ok);
    return n < 64 && ((mask >> (n - 32)) & 1);
}

static bool keep_entry(const struct cm_vector *m, const struct cm_cpuid_entry *e)
{
    if (!cm_x86_model_has_leaf(m, e->function, e->index))
        return false;
    if (e->function == 0xd && e->index >= 2 && !model_has_xsave_component(m, e->index))
        return false;
    return true;
}

/* Overwrites the modelled registers of e with the model's values.  Words the
 * members did not agree on, and IGNORE fields (APIC id, XSAVE sizes for the
 * current XCR0: the VMM's or KVM's business), keep the host's value, as the
 * engine's plan writes do. */
static void apply_model(const struct cm_vector *m, struct cm_cpuid_entry *e)
{
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        if (!cm_x86_is_cpuid_id(w->id) || cm_x86_id_leaf(w->id) != e->function ||
            cm_x86_id_subleaf(w->id) != e->index || !m->present[i] || m->novalue[i])
            continue;
        enum cm_x86_reg r = cm_x86_id_reg(w->id);
        uint64_t host = cm_x86_cpuid_reg(e, r), target = m->val[i];
        for (uint16_t k = 0; k < w->nfields; k++)
            if (w->fields[k].policy == CM_POL_IGNORE)
                target = cm_field_put(&w->fields[k], target, cm_field_get(&w->fields[k], host));
        cm_x86_cpuid_set_reg(e, r, (uint32_t)target);
    }
}

static json_object *entry_json(const struct cm_cpuid_entry *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "function", hex(e->function));
    json_object_object_add(o, "index", hex(e->index));
    json_object_object_add(o, "flags", hex(e->flags));
    json_object_object_add(o, "eax", hex(e->eax));
    json_object_object_add(o, "ebx", hex(e->ebx));
    json_object_object_add(o, "ecx", hex(e->ecx));
    json_object_object_add(o, "edx", hex(e->edx));
    return o;
}

struct json_object *cm_x86_plan_extra(const struct cm_vector *model, const struct cm_snapshot *host)
{
    if (!model || !host)
        return NULL;
    json_object *cpuid = json_object_new_array();
    for (size_t i = 0; i < host->ncpuid; i++) {
        struct cm_cpuid_entry e = host->cpuid[i];
        if (!(e.flags & CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX))
            e.index = 0;
        if (!keep_entry(model, &e))
            continue;
        apply_model(model, &e);
        json_object_array_add(cpuid, entry_json(&e));
    }
    /* modelled leaves the host's table lacks (enforce() already reported them) */
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        uint64_t id = cm_x86_words[i].id;
        if (!cm_x86_is_cpuid_id(id) || !model->present[i] || cm_x86_id_reg(id) != CM_X86_EAX)
            continue;
        uint32_t leaf = cm_x86_id_leaf(id), sub = cm_x86_id_subleaf(id);
        if (cm_x86_cpuid_find(host->cpuid, host->ncpuid, leaf, sub) || !cm_x86_model_has_leaf(model, leaf, sub))
            continue;
        struct cm_cpuid_entry e = {.function = leaf, .index = sub,
                                   .flags = cm_x86_leaf_indexed(leaf) ? CM_X86_CPUID_FLAG_SIGNIFICANT_INDEX : 0};
        apply_model(model, &e);
        json_object_array_add(cpuid, entry_json(&e));
    }

    json_object *msrs = json_object_new_array();
    for (size_t i = 0; i < cm_x86_nwords; i++) {
        const struct cm_word *w = &cm_x86_words[i];
        if (!cm_x86_is_msr_id(w->id) || !model->present[i] || model->novalue[i])
            continue;
        const struct cm_msr *hm = cm_snapshot_find_msr(host, cm_x86_id_msr(w->id));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "index", hex(cm_x86_id_msr(w->id)));
        json_object_object_add(o, "id", hex(w->id));
        json_object_object_add(o, "name", json_object_new_string(w->name));
        json_object_object_add(o, "value", hex(model->val[i]));
        if (hm)
            json_object_object_add(o, "host_value", hex(hm->value));
        json_object_array_add(msrs, o);
    }

    json_object *o = json_object_new_object();
    json_object_object_add(o, "cpuid", cpuid);
    json_object_object_add(o, "msrs", msrs);
    return o;
}
