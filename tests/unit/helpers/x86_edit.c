/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cpumodel/arch.h"
#include "testlib.h"
#include "x86_edit.h"

static uint64_t from_bits(const char *s)
{
    uint64_t v = 0;
    if (s[0] == '0' && s[1] == 'b')
        s += 2;
    for (; *s; s++)
        v = (v << 1) | (uint64_t)(*s == '1');
    return v;
}

static json_object *to_bits(uint64_t v, int width)
{
    char b[80] = "0b";
    for (int i = width - 1, k = 2; i >= 0; i--)
        b[k++] = (char)('0' + ((v >> i) & 1));
    b[width + 2] = 0;
    return json_object_new_string(b);
}

static json_object *member(json_object *o, const char *k)
{
    json_object *x = NULL;
    if (!json_object_object_get_ex(o, k, &x))
        ck_abort_msg("fixture lacks %s", k);
    return x;
}

static json_object *find_leaf(json_object *cpuid, uint32_t leaf, uint32_t sub)
{
    for (size_t i = 0; i < json_object_array_length(cpuid); i++) {
        json_object *e = json_object_array_get_idx(cpuid, i);
        if (strtoul(json_object_get_string(member(e, "leaf")), NULL, 16) == leaf &&
            strtoul(json_object_get_string(member(e, "subleaf")), NULL, 16) == sub)
            return e;
    }
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    char h[16];
    json_object *e = json_object_new_object(), *mods = json_object_new_array();
    snprintf(h, sizeof(h), "0x%x", leaf);
    json_object_object_add(e, "leaf", json_object_new_string(h));
    snprintf(h, sizeof(h), "0x%x", sub);
    json_object_object_add(e, "subleaf", json_object_new_string(h));
    json_object_object_add(e, "flags", json_object_new_int(0));
    for (int r = 0; r < 4; r++) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "register", json_object_new_string(regs[r]));
        json_object_object_add(m, "bitmap", to_bits(0, 32));
        json_object_array_add(mods, m);
    }
    json_object_object_add(e, "modifiers", mods);
    json_object_array_add(cpuid, e);
    return e;
}

static json_object *find_msr(json_object *msrs, uint32_t index)
{
    for (size_t i = 0; i < json_object_array_length(msrs); i++) {
        json_object *e = json_object_array_get_idx(msrs, i);
        if (strtoul(json_object_get_string(member(e, "addr")), NULL, 16) == index)
            return e;
    }
    char h[16];
    snprintf(h, sizeof(h), "0x%x", index);
    json_object *e = json_object_new_object();
    json_object_object_add(e, "addr", json_object_new_string(h));
    json_object_object_add(e, "bitmap", to_bits(0, 64));
    json_object_array_add(msrs, e);
    return e;
}

static void edit_bits(json_object *holder, uint64_t set, uint64_t clear, int width)
{
    uint64_t v = from_bits(json_object_get_string(member(holder, "bitmap")));
    v = (v & ~clear) | set;
    json_object_object_add(holder, "bitmap", to_bits(v, width));
}

struct cm_snapshot *x86_edited(const char *fixture, const char *host_name, const struct x86_edit *e, size_t n)
{
    char file[256];
    snprintf(file, sizeof(file), "fingerprint_%shost.json", fixture);
    json_object *root = json_object_from_file(tl_fixture_path(file));
    ck_assert_msg(root != NULL, "cannot read %s", file);
    json_object *g = member(root, "guest_cpu_config");
    json_object *cpuid = member(g, "cpuid_modifiers"), *msrs = member(g, "msr_modifiers");
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == X86E_MSR) {
            edit_bits(find_msr(msrs, e[i].index), e[i].set, e[i].clear, 64);
            continue;
        }
        json_object *mods = member(find_leaf(cpuid, e[i].leaf, e[i].sub), "modifiers");
        for (size_t k = 0; k < json_object_array_length(mods); k++) {
            json_object *m = json_object_array_get_idx(mods, k);
            if (!strcmp(json_object_get_string(member(m, "register")), regs[e[i].reg]))
                edit_bits(m, e[i].set, e[i].clear, 32);
        }
    }
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_from_any_json(root, host_name, &s, &err) < 0)
        ck_abort_msg("importing the edited %s: %s", file, err.msg);
    json_object_put(root);
    const struct cm_arch_ops *ops = cm_arch_ops(s->arch);
    if (ops && ops->complete && ops->complete(s, &err) < 0)
        ck_abort_msg("completing the edited %s: %s", file, err.msg);
    free(s->host);
    s->host = strdup(host_name);
    return s;
}

#define CPUID_SET(l, r, v) {.kind = X86E_CPUID, .leaf = (l), .reg = (r), .set = (v), .clear = 0}
#define CPUID_IS(l, r, v) {.kind = X86E_CPUID, .leaf = (l), .reg = (r), .set = (v), .clear = ~0ULL}
#define MSR_IS(i, v) {.kind = X86E_MSR, .index = (i), .set = (v), .clear = ~0ULL}

/*
 * Genoa (AMD EPYC 9004, Zen 4), only what the PerfMonV2 questions need; the
 * rest (AVX-512, …) stays Milan's, since a flag without its XSAVE state would
 * be a host no kernel reports:
 *  - CPUID 1 EAX 0x00A10F11: family 19h, model 11h, stepping 1 (AMD Revision
 *    Guide for Family 19h Models 10h-1Fh, "Genoa" B1).
 *  - max extended leaf 0x80000022: KVM since 6.3 reports min(host, 0x80000022)
 *    (arch/x86/kvm/cpuid.c, case 0x80000000); Genoa's own maximum is higher.
 *  - CPUID 0x80000022: EAX bit 0 PerfMonV2, EBX[3:0] NumPerfCtrCore = 6 (AMD
 *    APM vol. 3, Fn8000_0022; KVM reports PERFMON_V2 and num_core_pmc =
 *    kvm_pmu_cap.num_counters_gp, the 6 core counters of Zen 4).
 *  - MSRs 0xC0000300-0xC0000303 (PerfCntrGlobalStatus, PerfCntrGlobalCtl,
 *    PerfCntrGlobalStatusClr, PerfCntrGlobalStatusSet; msr-index.h): KVM saves
 *    them when it offers PerfMonV2 (kvm_init_msr_lists); GlobalCtl holds 0x3f,
 *    the value KVM gives a PerfMonV2 vCPU at RESET (every GP counter enabled,
 *    arch/x86/kvm/pmu.c kvm_pmu_refresh since 6.9).
 */
struct cm_snapshot *x86_genoa_like(void)
{
    static const struct x86_edit e[] = {
        CPUID_IS(0x1, 0, 0x00A10F11),
        CPUID_IS(0x80000001, 0, 0x00A10F11), /* AMD repeats the signature in 0x80000001 EAX */
        CPUID_IS(0x80000000, 0, 0x80000022),
        CPUID_IS(0x80000022, 0, 0x1),
        CPUID_IS(0x80000022, 1, 0x6),
        MSR_IS(0xc0000300, 0),
        MSR_IS(0xc0000301, 0x3f),
        MSR_IS(0xc0000302, 0),
        MSR_IS(0xc0000303, 0),
    };
    return x86_edited("AMD_MILAN_6.1", "genoa-like", e, sizeof(e) / sizeof(e[0]));
}

/* Milan on a 6.3+ kernel: the maximum extended leaf becomes 0x80000022 and
 * KVM reports that leaf all zero without PerfMonV2 (cpuid.c, case 0x80000022). */
struct cm_snapshot *x86_milan_newer_kernel(void)
{
    static const struct x86_edit e[] = {
        CPUID_IS(0x80000000, 0, 0x80000022),
        CPUID_IS(0x80000022, 0, 0),
    };
    return x86_edited("AMD_MILAN_6.1", "milan-6.3+", e, sizeof(e) / sizeof(e[0]));
}
