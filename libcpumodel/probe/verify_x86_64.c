/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plan verification on x86_64: a scratch VM + vCPU (never run), the model's
 * CPUID table through KVM_SET_CPUID2 and back through KVM_GET_CPUID2, then the
 * plan's MSR writes (and the model's feature MSRs) through KVM_SET_ONE_REG
 * (6.18+; KVM_SET_MSRS before) and read back.
 *
 * KVM_SET_CPUID2 accepts bits the host cannot provide, so a plain read-back
 * would "match" an impossible model; the model's feature bits are therefore
 * also checked against KVM_GET_SUPPORTED_CPUID | KVM_GET_EMULATED_CPUID.
 *
 * The CPUID table comes from plan->extra "cpuid" (the x86 driver's plan
 * extra) when present, else from the model vector via the x86 driver's
 * encode().  Entries: {"function"|"leaf", "index"|"subleaf", "flags",
 * "eax", "ebx", "ecx", "edx"}, numbers or "0x…"/"0b…" strings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cpumodel/arch.h"
#include "cpumodel/kvm_compat.h"
#include "probe/probe_internal.h"

#if defined(__x86_64__)

enum { EAX, EBX, ECX, EDX };
static const char *const reg_names[] = {"EAX", "EBX", "ECX", "EDX"};

#define ANY_INDEX 0xffffffffu

/* Registers that are feature bitmaps (KVM-FACTS.md §C.3): a model bit the
 * host's KVM does not offer cannot be given to a guest.  `mask` leaves out
 * bits that are not capabilities (OSXSAVE, hypervisor, OSPKE: set at run
 * time; MAWAU: a number). */
struct feature_reg {
    uint32_t function, index;
    uint8_t reg;
    uint32_t mask;
};
static const struct feature_reg feature_regs[] = {
    {0x1, ANY_INDEX, ECX, ~((1u << 27) | (1u << 31))},
    {0x1, ANY_INDEX, EDX, ~0u},
    {0x6, ANY_INDEX, EAX, ~0u},
    {0x7, 0, EBX, ~0u},
    {0x7, 0, ECX, ~((1u << 4) | (0x1fu << 17))},
    {0x7, 0, EDX, ~0u},
    {0x7, 1, EAX, ~0u},
    {0x7, 1, EBX, ~0u},
    {0x7, 1, ECX, ~0u},
    {0x7, 1, EDX, ~0u},
    {0x7, 2, EDX, ~0u},
    {0xd, 0, EAX, ~0u},
    {0xd, 0, EDX, ~0u},
    {0xd, 1, EAX, ~0u},
    {0xd, 1, ECX, ~0u},
    {0xd, 1, EDX, ~0u},
    {0x40000001, ANY_INDEX, EAX, ~0u},
    {0x80000001, ANY_INDEX, ECX, ~0u},
    {0x80000001, ANY_INDEX, EDX, ~0u},
    {0x80000008, ANY_INDEX, EBX, ~0u},
    {0x8000001f, ANY_INDEX, EAX, ~0u},
    {0x80000021, ANY_INDEX, EAX, ~0u},
    {0x80000022, ANY_INDEX, EAX, ~0u},
};

/* Bits KVM rewrites from vCPU state when CPUID is set or CR4/XCR0/MSRs change
 * (kvm_update_cpuid_runtime()): the read-back legitimately differs there. */
struct runtime_bits {
    uint32_t function, index;
    uint8_t reg;
    uint32_t mask;
};
static const struct runtime_bits runtime_bits[] = {
    {0x1, ANY_INDEX, ECX, 1u << 27}, /* OSXSAVE = CR4.OSXSAVE */
    {0x1, ANY_INDEX, ECX, 1u << 3},  /* MONITOR, from MISC_ENABLE (quirk) */
    {0x1, ANY_INDEX, EDX, 1u << 9},  /* APIC = APIC_BASE enable bit */
    {0x7, 0, ECX, 1u << 4},          /* OSPKE = CR4.PKE */
    {0xd, 0, EBX, ~0u},              /* XSAVE size for the current XCR0 */
    {0xd, 1, EBX, ~0u},              /* XSAVE size for XCR0 | XSS */
};

static uint32_t entry_reg(const struct cm_cpuid_entry *e, int r)
{
    switch (r) {
    case EAX: return e->eax;
    case EBX: return e->ebx;
    case ECX: return e->ecx;
    default: return e->edx;
    }
}

static bool index_matches(uint32_t want, uint32_t have)
{
    return want == ANY_INDEX || want == have;
}

/* Finds (function, index) in a table; entries without
 * KVM_CPUID_FLAG_SIGNIFCANT_INDEX match any index. */
static const struct cm_cpuid_entry *find_entry(const struct cm_cpuid_entry *t, size_t n, uint32_t function,
                                               uint32_t index)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].function == function &&
            (!(t[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || t[i].index == index))
            return &t[i];
    return NULL;
}

static uint32_t runtime_mask(uint32_t function, uint32_t index, int reg)
{
    uint32_t m = 0;
    for (size_t i = 0; i < CM_ARRAY_SIZE(runtime_bits); i++)
        if (runtime_bits[i].function == function && index_matches(runtime_bits[i].index, index) &&
            runtime_bits[i].reg == reg)
            m |= runtime_bits[i].mask;
    return m;
}

/* reg: the ONE_REG id for MSRs; 0 for CPUID (named in reg_name and text). */
static void add_reason(struct cm_reasons *r, const char *rule, uint64_t reg, const char *name, bool has_values,
                       uint64_t have, uint64_t want, const char *text)
{
    struct cm_reason t = {.sev = CM_SEV_ERROR, .reg = reg, .reg_name = (char *)name, .has_values = has_values, .have = have,
                          .want = want, .rule = (char *)rule, .text = (char *)text};
    cm_reasons_add(r, &t);
}

/* ---- the wanted CPUID table ---------------------------------------------- */

static bool json_u32(struct json_object *o, const char *k1, const char *k2, uint32_t *out)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, k1, &v) && !(k2 && json_object_object_get_ex(o, k2, &v)))
        return false;
    if (json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        if (x < 0 || x > 0xffffffffLL)
            return false;
        *out = (uint32_t)x;
        return true;
    }
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    char *end;
    errno = 0;
    unsigned long long x = !strncmp(s, "0b", 2) ? strtoull(s + 2, &end, 2) : strtoull(s, &end, 0);
    if (errno || *end || end == s || x > 0xffffffffULL)
        return false;
    *out = (uint32_t)x;
    return true;
}

static int cpuid_from_extra(const struct json_object *extra, struct cm_snapshot *t, cm_error *err)
{
    struct json_object *arr = NULL;
    if (!json_object_object_get_ex(extra, "cpuid", &arr))
        return 0;
    if (!json_object_is_type(arr, json_type_array))
        return cm_fail(err, CM_E_INPUT, "plan: extra.cpuid: expected an array");
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        struct cm_cpuid_entry e = {0};
        if (!json_object_is_type(o, json_type_object) || !json_u32(o, "function", "leaf", &e.function))
            return cm_fail(err, CM_E_INPUT, "plan: extra.cpuid[%zu]: needs an object with \"function\" (or \"leaf\")",
                           i);
        static const char *const keys[] = {"index", "flags", "eax", "ebx", "ecx", "edx"};
        uint32_t *dst[] = {&e.index, &e.flags, &e.eax, &e.ebx, &e.ecx, &e.edx};
        for (size_t k = 0; k < CM_ARRAY_SIZE(keys); k++) {
            struct json_object *v;
            bool present = json_object_object_get_ex(o, keys[k], &v) ||
                           (k == 0 && json_object_object_get_ex(o, "subleaf", &v));
            if (present && !json_u32(o, keys[k], k == 0 ? "subleaf" : NULL, dst[k]))
                return cm_fail(err, CM_E_INPUT, "plan: extra.cpuid[%zu].%s: not a 32-bit number", i, keys[k]);
        }
        cm_snapshot_add_cpuid(t, &e);
    }
    /* optional feature MSRs: [{"index", "value"}] */
    struct json_object *msrs = NULL;
    if (json_object_object_get_ex(extra, "msrs", &msrs) && json_object_is_type(msrs, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(msrs); i++) {
            struct json_object *o = json_object_array_get_idx(msrs, i), *v = NULL;
            uint32_t idx;
            if (!json_object_is_type(o, json_type_object) || !json_u32(o, "index", "addr", &idx) ||
                !json_object_object_get_ex(o, "value", &v))
                return cm_fail(err, CM_E_INPUT, "plan: extra.msrs[%zu]: needs \"index\" and \"value\"", i);
            const char *s = json_object_get_string(v);
            char *end;
            errno = 0;
            unsigned long long x = json_object_is_type(v, json_type_int) ? (unsigned long long)json_object_get_int64(v)
                                   : strtoull(s, &end, 0);
            if (!json_object_is_type(v, json_type_int) && (errno || *end || end == s))
                return cm_fail(err, CM_E_INPUT, "plan: extra.msrs[%zu].value: not a number", i);
            cm_snapshot_add_msr(t, idx, x);
        }
    }
    return 0;
}

/* The model's table: plan extra first (what the VMM will be told to set),
 * else the x86 driver's encoding of the model vector. */
static int wanted_table(const struct cm_plan *plan, const struct cm_vector *model, struct cm_snapshot *t,
                        cm_error *err)
{
    if (plan && plan->extra && cpuid_from_extra(plan->extra, t, err) < 0)
        return -1;
    if (t->ncpuid)
        return 0;
    if (!model)
        return cm_fail(err, CM_E_INPUT, "the plan has no CPUID table (extra.cpuid) and no model was given");
    const struct cm_arch_ops *ops = cm_arch_ops(CM_ARCH_X86_64);
    if (!ops || !ops->encode)
        return cm_fail(err, CM_E_NOTSUP, "the x86_64 driver is not built: cannot encode the model's CPUID");
    t->kind = CM_KIND_MODEL;
    for (size_t i = 0; i < model->nregs; i++)
        if (cm_snapshot_add_reg(t, model->reg_ids[i], NULL, CM_REGF_NOVALUE, err) < 0)
            return -1;
    if (cm_snapshot_finish(t, err) < 0 || ops->encode(model, t, err) < 0)
        return cm_fail_prefix(err, "encoding the model");
    if (!t->ncpuid)
        return cm_fail(err, CM_E_INPUT, "the model encodes to an empty CPUID table");
    return 0;
}

/* ---- checks --------------------------------------------------------------- */

/* Model feature bits the host's KVM does not offer (supported | emulated). */
static void check_offered(const struct cm_snapshot *want, const struct cm_snapshot *host, struct cm_reasons *mm)
{
    for (size_t i = 0; i < want->ncpuid; i++) {
        const struct cm_cpuid_entry *w = &want->cpuid[i];
        const struct cm_cpuid_entry *s = find_entry(host->cpuid, host->ncpuid, w->function, w->index);
        const struct cm_cpuid_entry *e =
            find_entry(host->cpuid_emulated, host->ncpuid_emulated, w->function, w->index);
        for (size_t k = 0; k < CM_ARRAY_SIZE(feature_regs); k++) {
            const struct feature_reg *f = &feature_regs[k];
            if (f->function != w->function || !index_matches(f->index, w->index))
                continue;
            uint32_t offered = (s ? entry_reg(s, f->reg) : 0) | (e ? entry_reg(e, f->reg) : 0);
            uint32_t missing = entry_reg(w, f->reg) & f->mask & ~offered;
            if (!missing)
                continue;
            char name[64], text[256];
            snprintf(name, sizeof(name), "CPUID.0x%x.%u.%s", w->function, w->index, reg_names[f->reg]);
            snprintf(text, sizeof(text), "%s: the model wants bits 0x%08x that this host's KVM does not offer "
                     "(KVM_GET_SUPPORTED_CPUID | KVM_GET_EMULATED_CPUID = 0x%08x)", name, missing, offered);
            add_reason(mm, "not-offered", 0, name, true, offered, entry_reg(w, f->reg), text);
        }
    }
    /* The vendor string must be the host's: KVM cannot emulate another vendor. */
    const struct cm_cpuid_entry *w0 = find_entry(want->cpuid, want->ncpuid, 0, 0);
    const struct cm_cpuid_entry *h0 = find_entry(host->cpuid, host->ncpuid, 0, 0);
    if (w0 && h0 && (w0->ebx != h0->ebx || w0->ecx != h0->ecx || w0->edx != h0->edx)) {
        char wv[13], hv[13], text[160];
        memcpy(wv, &w0->ebx, 4), memcpy(wv + 4, &w0->edx, 4), memcpy(wv + 8, &w0->ecx, 4), wv[12] = 0;
        memcpy(hv, &h0->ebx, 4), memcpy(hv + 4, &h0->edx, 4), memcpy(hv + 8, &h0->ecx, 4), hv[12] = 0;
        snprintf(text, sizeof(text), "CPUID.0 vendor: the model is \"%s\", this host is \"%s\"", wv, hv);
        add_reason(mm, "vendor", 0, "CPUID.0.vendor", false, 0, 0, text);
    }
}

/* Every register of every set entry must read back (except run-time bits). */
static void check_readback(const struct cm_snapshot *want, const struct kvm_cpuid2 *got, struct cm_reasons *mm)
{
    for (size_t i = 0; i < want->ncpuid; i++) {
        const struct cm_cpuid_entry *w = &want->cpuid[i];
        const struct kvm_cpuid_entry2 *g = NULL;
        for (uint32_t j = 0; j < got->nent && !g; j++)
            if (got->entries[j].function == w->function &&
                (!(w->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || got->entries[j].index == w->index))
                g = &got->entries[j];
        char name[64], text[256];
        if (!g) {
            snprintf(name, sizeof(name), "CPUID.0x%x.%u", w->function, w->index);
            snprintf(text, sizeof(text), "%s: set with KVM_SET_CPUID2 but absent from KVM_GET_CPUID2", name);
            add_reason(mm, "readback", 0, name, false, 0, 0, text);
            continue;
        }
        uint32_t gv[4] = {g->eax, g->ebx, g->ecx, g->edx};
        for (int r = EAX; r <= EDX; r++) {
            uint32_t ign = runtime_mask(w->function, w->index, r);
            if (((gv[r] ^ entry_reg(w, r)) & ~ign) == 0)
                continue;
            snprintf(name, sizeof(name), "CPUID.0x%x.%u.%s", w->function, w->index, reg_names[r]);
            snprintf(text, sizeof(text), "%s: KVM_GET_CPUID2 reads back 0x%08x, the model set 0x%08x", name, gv[r],
                     entry_reg(w, r));
            add_reason(mm, "readback", 0, name, true, gv[r], entry_reg(w, r), text);
        }
    }
}

/* ---- MSRs ------------------------------------------------------------------ */

struct msr_ops {
    bool one_reg;
};

static long msr_access(const struct msr_ops *m, int vcpu, bool set, uint32_t index, uint64_t *val)
{
    if (m->one_reg) {
        struct kvm_one_reg one = {.id = CM_X86_REG_MSR(index), .addr = (uintptr_t)val};
        return cm_kvm_ioctl_raw(vcpu, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &one);
    }
    /* before 6.18: KVM_SET_MSRS / KVM_GET_MSRS return the number processed */
    /* a kvm_msrs header with room for one entry (a union: the header's
     * flexible array may not be followed by a member, -Wgnu-variable-sized-type-not-at-end) */
    union {
        struct kvm_msrs h;
        unsigned char room[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 1;
    b.h.entries[0].index = index;
    b.h.entries[0].data = *val;
    long r = cm_kvm_ioctl_raw(vcpu, set ? KVM_SET_MSRS : KVM_GET_MSRS, &b);
    if (r == 0)
        return -EINVAL;
    if (r > 0) {
        *val = b.h.entries[0].data;
        return 0;
    }
    return r;
}

static void write_msr(const struct msr_ops *m, int vcpu, uint32_t index, uint64_t value, const char *name,
                      struct cm_reasons *mm)
{
    char buf[48], text[256];
    if (!name) {
        snprintf(buf, sizeof(buf), "MSR 0x%x", index);
        name = buf;
    }
    uint64_t v = value;
    long r = msr_access(m, vcpu, true, index, &v);
    if (r < 0) {
        snprintf(text, sizeof(text), "%s: KVM refused the write of 0x%llx (%s)", name, (unsigned long long)value,
                 strerror((int)-r));
        add_reason(mm, "write-refused", CM_X86_REG_MSR(index), name, true, 0, value, text);
        return;
    }
    if (index == 0x10)
        return; /* IA32_TSC runs: a read-back never equals the write */
    v = 0;
    r = msr_access(m, vcpu, false, index, &v);
    if (r < 0 || v != value) {
        if (r < 0)
            snprintf(text, sizeof(text), "%s: written, but the read-back failed (%s)", name, strerror((int)-r));
        else
            snprintf(text, sizeof(text), "%s: wrote 0x%llx, read back 0x%llx", name, (unsigned long long)value,
                     (unsigned long long)v);
        add_reason(mm, "readback", CM_X86_REG_MSR(index), name, r >= 0, v, value, text);
    }
}

/* Vanishing registers: on x86 only KVM-type registers are listed (SSP). */
static int check_vanishing(int vcpu, const struct cm_plan *plan, struct cm_reasons *mm, cm_error *err)
{
    if (!plan || !plan->nvanishing)
        return 0;
    union {
        struct kvm_reg_list h;
        unsigned char room[sizeof(struct kvm_reg_list) + 64 * sizeof(uint64_t)];
    } l;
    memset(&l, 0, sizeof(l));
    l.h.n = 64;
    long r = cm_kvm_ioctl_raw(vcpu, KVM_GET_REG_LIST, &l);
    if (r < 0)
        return cm_fail(err, CM_E_KVM, "KVM_GET_REG_LIST: %s (errno %ld)", strerror((int)-r), -r);
    for (size_t i = 0; i < plan->nvanishing; i++)
        for (uint64_t j = 0; j < l.h.n && j < 64; j++)
            if (l.h.reg[j] == plan->vanishing[i]) {
                char name[32], text[128];
                snprintf(name, sizeof(name), "0x%016llx", (unsigned long long)plan->vanishing[i]);
                snprintf(text, sizeof(text), "register %s should leave the list but is still listed", name);
                add_reason(mm, "still-listed", plan->vanishing[i], name, false, 0, 0, text);
            }
    return 0;
}

static int to_kvm_cpuid(const struct cm_snapshot *t, struct kvm_cpuid2 **out)
{
    struct kvm_cpuid2 *c = cm_xcalloc(1, sizeof(*c) + t->ncpuid * sizeof(struct kvm_cpuid_entry2));
    c->nent = (uint32_t)t->ncpuid;
    for (size_t i = 0; i < t->ncpuid; i++) {
        const struct cm_cpuid_entry *e = &t->cpuid[i];
        c->entries[i] = (struct kvm_cpuid_entry2){.function = e->function, .index = e->index, .flags = e->flags,
                                                  .eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx};
    }
    *out = c;
    return 0;
}

int cm_verify_x86_64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                     struct cm_reasons *mm, cm_error *err);

int cm_verify_x86_64(int kvm, const char *dev, const struct cm_plan *plan, const struct cm_vector *model,
                     struct cm_reasons *mm, cm_error *err)
{
    _cleanup_snapshot_ struct cm_snapshot *want = cm_snapshot_new(CM_ARCH_X86_64);
    _cleanup_snapshot_ struct cm_snapshot *host = cm_snapshot_new(CM_ARCH_X86_64);
    if (wanted_table(plan, model, want, err) < 0)
        return -1;
    size_t before = mm->n;

    /* what this host's KVM offers */
    _cleanup_free_ struct kvm_cpuid2 *sup = cm_x86_get_cpuid(kvm, KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID",
                                                           err);
    if (!sup)
        return cm_fail_prefix(err, "%s", dev);
    for (uint32_t i = 0; i < sup->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &sup->entries[i];
        cm_snapshot_add_cpuid(host, &(struct cm_cpuid_entry){e->function, e->index, e->flags, e->eax, e->ebx,
                                                             e->ecx, e->edx});
    }
    if (cm_kvm_ioctl_raw(kvm, KVM_CHECK_EXTENSION, (void *)(unsigned long)KVM_CAP_EXT_EMUL_CPUID) > 0) {
        _cleanup_free_ struct kvm_cpuid2 *em =
            cm_x86_get_cpuid(kvm, KVM_GET_EMULATED_CPUID, "KVM_GET_EMULATED_CPUID", err);
        if (!em)
            return cm_fail_prefix(err, "%s", dev);
        for (uint32_t i = 0; i < em->nent; i++) {
            const struct kvm_cpuid_entry2 *e = &em->entries[i];
            cm_snapshot_add_cpuid_emulated(host, &(struct cm_cpuid_entry){e->function, e->index, e->flags, e->eax,
                                                                          e->ebx, e->ecx, e->edx});
        }
    }
    check_offered(want, host, mm);

    /* the scratch VM and vCPU */
    int vm = cm_kvm_create_vm(kvm, 0, err);
    if (vm < 0)
        return cm_fail_prefix(err, "%s", dev);
    int vcpu = cm_kvm_create_vcpu(vm, 0, err), rc = -1;
    if (vcpu < 0) {
        cm_fail_prefix(err, "%s", dev);
        close(vm);
        return -1;
    }
    _cleanup_free_ struct kvm_cpuid2 *set = NULL;
    to_kvm_cpuid(want, &set);
    long r = cm_kvm_ioctl_raw(vcpu, KVM_SET_CPUID2, set);
    if (r < 0) {
        char text[160];
        snprintf(text, sizeof(text), "KVM_SET_CPUID2 refused the model's %zu-entry table: %s", want->ncpuid,
                 strerror((int)-r));
        add_reason(mm, "set-refused", 0, "CPUID", false, 0, 0, text);
    } else {
        size_t cap = want->ncpuid + 64;
        _cleanup_free_ struct kvm_cpuid2 *got = cm_xcalloc(1, sizeof(*got) + cap * sizeof(struct kvm_cpuid_entry2));
        got->nent = (uint32_t)cap;
        if (cm_kvm_ioctl(vcpu, KVM_GET_CPUID2, got, "KVM_GET_CPUID2", err) < 0)
            goto out;
        check_readback(want, got, mm);

        struct msr_ops m = {.one_reg = cm_kvm_ioctl_raw(vm, KVM_CHECK_EXTENSION,
                                                        (void *)(unsigned long)KVM_CAP_ONE_REG) > 0};
        /* the plan's MSR writes, in plan order, then the model's feature MSRs */
        for (size_t i = 0; plan && i < plan->nwrites; i++)
            if (CM_X86_REG_IS_MSR(plan->writes[i].id))
                write_msr(&m, vcpu, (uint32_t)plan->writes[i].id, plan->writes[i].new_value, plan->writes[i].name,
                          mm);
        for (size_t i = 0; i < want->nmsrs; i++) {
            bool in_plan = false;
            for (size_t j = 0; plan && j < plan->nwrites; j++)
                in_plan |= plan->writes[j].id == CM_X86_REG_MSR(want->msrs[i].index);
            if (!in_plan)
                write_msr(&m, vcpu, want->msrs[i].index, want->msrs[i].value, NULL, mm);
        }
        if (check_vanishing(vcpu, plan, mm, err) < 0)
            goto out;
    }
    rc = 0;
    for (size_t i = before; i < mm->n; i++)
        if (mm->v[i].sev == CM_SEV_ERROR)
            rc = 1;
out:
    close(vcpu);
    close(vm);
    return rc;
}

#endif
