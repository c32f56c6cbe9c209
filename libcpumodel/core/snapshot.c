/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The snapshot container: allocation, registers, capabilities, CPUID, MSRs. */
#include <stdlib.h>
#include <string.h>

#include "cpumodel/snapshot.h"

struct cm_snapshot *cm_snapshot_new(enum cm_arch arch)
{
    struct cm_snapshot *s = cm_xcalloc(1, sizeof(*s));
    s->arch = arch;
    return s;
}

void cm_snapshot_free(struct cm_snapshot *s)
{
    if (!s)
        return;
    free(s->host);
    free(s->kernel);
    free(s->cpu);
    free(s->microcode);
    free(s->bios);
    free(s->source);
    free(s->created);
    free(s->digest);
    free(s->caps);
    free(s->regs);
    free(s->words);
    free(s->writable_masks);
    free(s->cpuid);
    free(s->cpuid_emulated);
    free(s->msrs);
    free(s->msr_index_list);
    for (size_t i = 0; i < s->nmembers; i++)
        free(s->members[i]);
    free(s->members);
    for (size_t i = 0; i < s->nfacts; i++)
        free(s->facts[i].name);
    free(s->facts);
    free(s);
}

#define DUP_ARRAY(dst, src, n)                                                 \
    do {                                                                       \
        if ((src) && (n)) {                                                    \
            (dst) = cm_xmalloc((n) * sizeof(*(src)));                          \
            memcpy((dst), (src), (n) * sizeof(*(src)));                        \
        } else {                                                               \
            (dst) = NULL;                                                      \
        }                                                                      \
    } while (0)

struct cm_snapshot *cm_snapshot_dup(const struct cm_snapshot *s)
{
    struct cm_snapshot *d = cm_xcalloc(1, sizeof(*d));
    *d = *s;
    d->host = cm_xstrdup(s->host);
    d->kernel = cm_xstrdup(s->kernel);
    d->cpu = cm_xstrdup(s->cpu);
    d->microcode = cm_xstrdup(s->microcode);
    d->bios = cm_xstrdup(s->bios);
    d->source = cm_xstrdup(s->source);
    d->created = cm_xstrdup(s->created);
    d->digest = cm_xstrdup(s->digest);
    DUP_ARRAY(d->caps, s->caps, s->ncaps);
    DUP_ARRAY(d->regs, s->regs, s->nregs);
    DUP_ARRAY(d->words, s->words, s->nwords);
    if (s->writable_masks)
        DUP_ARRAY(d->writable_masks, s->writable_masks, (size_t)CM_ARM64_MASKS_LEN);
    DUP_ARRAY(d->cpuid, s->cpuid, s->ncpuid);
    DUP_ARRAY(d->cpuid_emulated, s->cpuid_emulated, s->ncpuid_emulated);
    DUP_ARRAY(d->msrs, s->msrs, s->nmsrs);
    DUP_ARRAY(d->msr_index_list, s->msr_index_list, s->nmsr_index_list);
    d->members = NULL;
    d->nmembers = 0;
    d->cap_members = 0;
    for (size_t i = 0; i < s->nmembers; i++)
        cm_snapshot_add_member(d, s->members[i]);
    d->facts = NULL;
    d->nfacts = 0;
    d->cap_facts = 0;
    for (size_t i = 0; i < s->nfacts; i++)
        cm_snapshot_add_fact(d, s->facts[i].name, s->facts[i].value, NULL);
    d->cap_regs = d->nregs;
    d->cap_words = d->nwords;
    d->cap_caps = d->ncaps;
    d->cap_cpuid = d->ncpuid;
    d->cap_cpuid_emulated = d->ncpuid_emulated;
    d->cap_msrs = d->nmsrs;
    d->cap_msr_index_list = d->nmsr_index_list;
    return d;
}

void cm_snapshot_set_str(char **field, const char *value)
{
    /* copy before freeing: value may be *field itself (or point into it) */
    char *copy = cm_xstrdup(value);
    free(*field);
    *field = copy;
}

static int reg_cmp(const void *a, const void *b)
{
    const struct cm_reg *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

int cm_snapshot_add_reg(struct cm_snapshot *s, uint64_t id, const uint64_t *val, uint32_t flags, cm_error *err)
{
    /* Duplicates are cheap to detect while the list is still sorted (the
     * common case: probes and imports add in list order). */
    if (s->nregs && s->regs[s->nregs - 1].id >= id && cm_snapshot_find_reg(s, id))
        return cm_fail(err, CM_E_INPUT, "duplicate register 0x%016llx", (unsigned long long)id);
    if (s->nregs && s->regs[s->nregs - 1].id > id)
        s->regs_unsorted = true;
    size_t nw = cm_reg_words(id);
    cm_grow(&s->regs, &s->cap_regs, s->nregs + 1, sizeof(*s->regs));
    cm_grow(&s->words, &s->cap_words, s->nwords + nw, sizeof(*s->words));
    struct cm_reg *r = &s->regs[s->nregs++];
    r->id = id;
    r->flags = flags;
    r->off = (uint32_t)s->nwords;
    if (val)
        memcpy(&s->words[s->nwords], val, nw * sizeof(uint64_t));
    else
        memset(&s->words[s->nwords], 0, nw * sizeof(uint64_t));
    s->nwords += nw;
    return 0;
}

int cm_snapshot_finish(struct cm_snapshot *s, cm_error *err)
{
    if (s->regs_unsorted) {
        qsort(s->regs, s->nregs, sizeof(*s->regs), reg_cmp);
        for (size_t i = 1; i < s->nregs; i++)
            if (s->regs[i - 1].id == s->regs[i].id)
                return cm_fail(err, CM_E_INPUT, "duplicate register 0x%016llx",
                               (unsigned long long)s->regs[i].id);
        s->regs_unsorted = false;
    }
    if (s->kver == CM_KVER_UNKNOWN && s->kernel)
        s->kver = cm_kver_parse(s->kernel);
    return 0;
}

const struct cm_reg *cm_snapshot_find_reg(const struct cm_snapshot *s, uint64_t id)
{
    if (s->regs_unsorted) {
        for (size_t i = 0; i < s->nregs; i++)
            if (s->regs[i].id == id)
                return &s->regs[i];
        return NULL;
    }
    size_t lo = 0, hi = s->nregs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->regs[mid].id < id)
            lo = mid + 1;
        else if (s->regs[mid].id > id)
            hi = mid;
        else
            return &s->regs[mid];
    }
    return NULL;
}

bool cm_snapshot_get_u64(const struct cm_snapshot *s, uint64_t id, uint64_t *out)
{
    const struct cm_reg *r = cm_snapshot_find_reg(s, id);
    if (!r)
        return false;
    *out = s->words[r->off];
    return true;
}

void cm_snapshot_set_u64(struct cm_snapshot *s, uint64_t id, uint64_t v)
{
    struct cm_reg *r = (struct cm_reg *)cm_snapshot_find_reg(s, id);
    if (r) {
        /* a register given a value is no longer a value-less model entry */
        s->words[r->off] = v;
        r->flags &= ~CM_REGF_NOVALUE;
        return;
    }
    uint64_t val[1] = {v};
    size_t nw = cm_reg_words(id);
    if (nw == 1) {
        cm_snapshot_add_reg(s, id, val, 0, NULL);
    } else {
        uint64_t *w = cm_xcalloc(nw, sizeof(uint64_t));
        w[0] = v;
        cm_snapshot_add_reg(s, id, w, 0, NULL);
        free(w);
    }
    cm_snapshot_finish(s, NULL);
}

void cm_snapshot_add_cap(struct cm_snapshot *s, uint32_t id, int64_t sys, bool has_vm, int64_t vm)
{
    cm_grow(&s->caps, &s->cap_caps, s->ncaps + 1, sizeof(*s->caps));
    s->caps[s->ncaps++] = (struct cm_cap){.id = id, .sys = sys, .vm = has_vm ? vm : sys, .has_vm = has_vm};
}

const struct cm_cap *cm_snapshot_find_cap(const struct cm_snapshot *s, uint32_t id)
{
    for (size_t i = 0; i < s->ncaps; i++)
        if (s->caps[i].id == id)
            return &s->caps[i];
    return NULL;
}

void cm_snapshot_add_cpuid(struct cm_snapshot *s, const struct cm_cpuid_entry *e)
{
    cm_grow(&s->cpuid, &s->cap_cpuid, s->ncpuid + 1, sizeof(*s->cpuid));
    s->cpuid[s->ncpuid++] = *e;
}

void cm_snapshot_add_cpuid_emulated(struct cm_snapshot *s, const struct cm_cpuid_entry *e)
{
    cm_grow(&s->cpuid_emulated, &s->cap_cpuid_emulated, s->ncpuid_emulated + 1, sizeof(*s->cpuid_emulated));
    s->cpuid_emulated[s->ncpuid_emulated++] = *e;
}

const struct cm_cpuid_entry *cm_snapshot_find_cpuid(const struct cm_snapshot *s, uint32_t function, uint32_t index)
{
    for (size_t i = 0; i < s->ncpuid; i++) {
        const struct cm_cpuid_entry *e = &s->cpuid[i];
        if (e->function != function)
            continue;
        /* KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1): only then does the subleaf matter */
        if (!(e->flags & 1) || e->index == index)
            return e;
    }
    return NULL;
}

void cm_snapshot_add_msr(struct cm_snapshot *s, uint32_t index, uint64_t value)
{
    cm_grow(&s->msrs, &s->cap_msrs, s->nmsrs + 1, sizeof(*s->msrs));
    s->msrs[s->nmsrs++] = (struct cm_msr){.index = index, .value = value};
}

const struct cm_msr *cm_snapshot_find_msr(const struct cm_snapshot *s, uint32_t index)
{
    for (size_t i = 0; i < s->nmsrs; i++)
        if (s->msrs[i].index == index)
            return &s->msrs[i];
    return NULL;
}

void cm_snapshot_add_msr_index(struct cm_snapshot *s, uint32_t index)
{
    cm_grow(&s->msr_index_list, &s->cap_msr_index_list, s->nmsr_index_list + 1, sizeof(*s->msr_index_list));
    s->msr_index_list[s->nmsr_index_list++] = index;
}

void cm_snapshot_add_member(struct cm_snapshot *s, const char *name)
{
    cm_grow(&s->members, &s->cap_members, s->nmembers + 1, sizeof(*s->members));
    s->members[s->nmembers++] = cm_xstrdup(name);
}

bool cm_fact_name_valid(const char *name)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
            return false;
    return true;
}

int cm_snapshot_add_fact(struct cm_snapshot *s, const char *name, uint64_t value, cm_error *err)
{
    if (!cm_fact_name_valid(name))
        return cm_fail(err, CM_E_INPUT, "fact name \"%.64s\" is not [a-z0-9_.]+", name ? name : "");
    if (cm_snapshot_find_fact(s, name))
        return cm_fail(err, CM_E_INPUT, "duplicate fact \"%s\"", name);
    cm_grow(&s->facts, &s->cap_facts, s->nfacts + 1, sizeof(*s->facts));
    s->facts[s->nfacts++] = (struct cm_fact){.name = cm_xstrdup(name), .value = value};
    return 0;
}

const struct cm_fact *cm_snapshot_find_fact(const struct cm_snapshot *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->nfacts; i++)
        if (!strcmp(s->facts[i].name, name))
            return &s->facts[i];
    return NULL;
}

const char *cm_snapshot_name(const struct cm_snapshot *s)
{
    if (s->host && *s->host)
        return s->host;
    if (s->source && *s->source)
        return s->source;
    return "(unnamed)";
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* A field added to struct cm_snapshot must be placed on one side of this
 * comparison: compared below, or named as descriptive in the header.  The
 * size check makes the addition fail here until it is (LP64 builds). */
_Static_assert(sizeof(void *) != 8 || sizeof(struct cm_snapshot) == 344,
               "struct cm_snapshot changed: decide whether cm_snapshot_same_content compares the new field");

bool cm_snapshot_same_content(const struct cm_snapshot *a, const struct cm_snapshot *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    /* not compared (descriptive): host, source, created, probe_ms; and the
     * add_* helpers' capacities.  Everything else is. */
    if (a->arch != b->arch || a->kind != b->kind || a->kver != b->kver || a->api_version != b->api_version ||
        a->partial != b->partial || a->has_vcpu_features != b->has_vcpu_features ||
        a->vcpu_features != b->vcpu_features || a->preferred_target != b->preferred_target ||
        a->ncaps != b->ncaps || a->nregs != b->nregs || a->nwords != b->nwords || a->ncpuid != b->ncpuid ||
        a->ncpuid_emulated != b->ncpuid_emulated || a->nmsrs != b->nmsrs ||
        a->nmsr_index_list != b->nmsr_index_list || a->nmembers != b->nmembers || a->nfacts != b->nfacts ||
        !a->writable_masks != !b->writable_masks)
        return false;
    if (!same_str(a->kernel, b->kernel) || !same_str(a->cpu, b->cpu) || !same_str(a->microcode, b->microcode) ||
        !same_str(a->bios, b->bios) || !same_str(a->digest, b->digest))
        return false;
    for (size_t i = 0; i < a->ncaps; i++)
        if (a->caps[i].id != b->caps[i].id || a->caps[i].sys != b->caps[i].sys || a->caps[i].vm != b->caps[i].vm ||
            a->caps[i].has_vm != b->caps[i].has_vm)
            return false;
    /* registers: ids, flags and values (the same layout, as two files of one
     * kind read alike, compares the value words at once; struct cm_reg is
     * two words without padding, so equal entries compare equal bytewise) */
    _Static_assert(sizeof(struct cm_reg) == 16, "struct cm_reg has padding: compare it field by field");
    bool same_layout = !a->nregs || !memcmp(a->regs, b->regs, a->nregs * sizeof(*a->regs));
    for (size_t i = 0; !same_layout && i < a->nregs; i++) {
        if (a->regs[i].id != b->regs[i].id || a->regs[i].flags != b->regs[i].flags)
            return false;
    }
    if (same_layout) {
        if (a->nwords && memcmp(a->words, b->words, a->nwords * sizeof(*a->words)))
            return false;
    } else {
        for (size_t i = 0; i < a->nregs; i++)
            if (memcmp(a->words + a->regs[i].off, b->words + b->regs[i].off,
                       cm_reg_words(a->regs[i].id) * sizeof(*a->words)))
                return false;
    }
    if (a->writable_masks && memcmp(a->writable_masks, b->writable_masks, CM_ARM64_MASKS_LEN * sizeof(uint64_t)))
        return false;
    /* CPUID entries are seven uint32_t: no padding to compare */
    if ((a->ncpuid && memcmp(a->cpuid, b->cpuid, a->ncpuid * sizeof(*a->cpuid))) ||
        (a->ncpuid_emulated &&
         memcmp(a->cpuid_emulated, b->cpuid_emulated, a->ncpuid_emulated * sizeof(*a->cpuid_emulated))) ||
        (a->nmsr_index_list &&
         memcmp(a->msr_index_list, b->msr_index_list, a->nmsr_index_list * sizeof(*a->msr_index_list))))
        return false;
    for (size_t i = 0; i < a->nmsrs; i++)
        if (a->msrs[i].index != b->msrs[i].index || a->msrs[i].value != b->msrs[i].value)
            return false;
    for (size_t i = 0; i < a->nmembers; i++)
        if (!same_str(a->members[i], b->members[i]))
            return false;
    for (size_t i = 0; i < a->nfacts; i++)
        if (a->facts[i].value != b->facts[i].value || !same_str(a->facts[i].name, b->facts[i].name))
            return false;
    return true;
}
