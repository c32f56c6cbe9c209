/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Builds riscv64 host snapshots from the facts of KVM-FACTS.md §B.1/§B.2:
 * the register list KVM_GET_REG_LIST gives on rv64 for a kernel and a host
 * extension set, with a fresh vCPU's values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rv_fixtures.h"

#define KV(maj, min) (((maj) << 8) | (min))

/* SBI extensions: id, first kernel with its SBI_EXT register, default value
 * (1 enabled, 0 disabled; KVM-FACTS.md §B.2 "SBI extension ids"). */
static const struct { unsigned id, since, def; } sbi_facts[] = {
    {0, KV(6, 4), 1},  {1, KV(6, 4), 1},  {2, KV(6, 4), 1},  {3, KV(6, 4), 1}, {4, KV(6, 4), 1},
    {5, KV(6, 4), 1},  {6, KV(6, 4), 1},  {7, KV(6, 4), 1},  {8, KV(6, 4), 1}, {9, KV(6, 7), 0},
    {10, KV(6, 8), 1}, {11, KV(6, 14), 0}, {12, KV(6, 18), 1}, {13, KV(6, 19), 0},
};

static unsigned kv_of(const char *kernel)
{
    unsigned maj = 0, min = 0;
    if (sscanf(kernel, "%u.%u", &maj, &min) != 2)
        abort();
    return KV(maj, min);
}

static void add(struct cm_snapshot *s, uint64_t id, uint64_t v)
{
    cm_error err = {0};
    size_t bytes = (size_t)1 << ((id >> 52) & 0xf);
    size_t nw = bytes < 8 ? 1 : bytes / 8;
    uint64_t *w = calloc(nw, sizeof(uint64_t));
    for (size_t i = 0; i < nw; i++)
        w[i] = v + i;
    if (bytes < 8)
        w[0] &= (1ULL << (bytes * 8)) - 1;
    if (cm_snapshot_add_reg(s, id, w, 0, &err) < 0)
        abort();
    free(w);
}

void rvf_defaults(struct rvf_opts *o, const char *host, const char *kernel)
{
    static const unsigned base[] = {
        RVF_A, RVF_C, RVF_D, RVF_F, RVF_H, RVF_I, RVF_M, RVF_SSTC, RVF_ZIHINTPAUSE, RVF_ZICBOM, RVF_ZICBOZ,
        RVF_ZBA, RVF_ZBB, RVF_ZBC, RVF_ZBS, RVF_ZICSR, RVF_ZIFENCEI, RVF_ZICNTR, RVF_ZIHPM, RVF_ZAWRS,
    };
    memset(o, 0, sizeof(*o));
    o->host = host;
    o->kernel = kernel;
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        rvf_set(o, base[i]);
    if (kv_of(kernel) >= KV(6, 15)) { /* subsets of "a" (KVM ids 69/70 appeared in 6.15) */
        rvf_set(o, RVF_ZAAMO);
        rvf_set(o, RVF_ZALRSC);
    }
    o->sbi_sta = true;
    o->v_allowed = true;
    o->satp_mode = 10;
    o->cbom_block = o->cboz_block = o->cbop_block = 64;
    o->vlenb = 16;
}

struct cm_snapshot *rvf_build(const struct rvf_opts *o)
{
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_RISCV64);
    unsigned k = kv_of(o->kernel);
    cm_snapshot_set_str(&s->host, o->host);
    cm_snapshot_set_str(&s->kernel, o->kernel);
    s->kver = cm_kver_parse(o->kernel);
    s->api_version = 12;
    cm_snapshot_set_str(&s->source, "facts:rv_fixtures");
    cm_snapshot_set_str(&s->cpu, "qemu rv64,h=true");
    cm_snapshot_add_cap(s, 70 /* KVM_CAP_ONE_REG */, 1, false, 1);
    if (o->cap_set_hgatp)
        cm_snapshot_add_cap(s, 247, 1, false, 1);

    /* the guest's extensions at vCPU creation: every host extension KVM allows */
    bool on[128] = {0};
    for (unsigned e = 0; e < 128; e++) {
        if (!rvf_has(o, e))
            continue;
        on[e] = true;
        if (e == RVF_H)                      /* never enabled for a guest */
            on[e] = false;
        if (e == RVF_V && !o->v_allowed)
            on[e] = false;
        if (e == 54 && !rvf_has(o, RVF_SSAIA)) /* Sscofpmf needs Ssaia */
            on[e] = false;
    }

    /* config (B.1): block sizes only when the guest has the extension */
    uint64_t isa = 0;
    static const struct { unsigned ext; char letter; } letters[] = {
        {RVF_A, 'a'}, {RVF_C, 'c'}, {RVF_D, 'd'}, {RVF_F, 'f'}, {RVF_H, 'h'}, {RVF_I, 'i'}, {RVF_M, 'm'}, {RVF_V, 'v'},
    };
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
        if (on[letters[i].ext])
            isa |= 1ULL << (letters[i].letter - 'a');
    add(s, RVF_CONFIG(0), isa);
    if (k >= KV(6, 1) && on[RVF_ZICBOM])
        add(s, RVF_CONFIG(1), o->cbom_block);
    if (k >= KV(6, 2)) {
        add(s, RVF_CONFIG(2), o->mvendorid);
        add(s, RVF_CONFIG(3), o->marchid);
        add(s, RVF_CONFIG(4), o->mimpid);
    }
    if (k >= KV(6, 4) && on[RVF_ZICBOZ])
        add(s, RVF_CONFIG(5), o->cboz_block);
    if (k >= KV(6, 6))
        add(s, RVF_CONFIG(6), o->satp_mode);
    if (k >= KV(6, 18) && on[RVF_ZICBOP])
        add(s, RVF_CONFIG(7), o->cbop_block);

    /* core: pc, ra … t6 (0..31), mode (32) */
    for (unsigned i = 0; i <= 32; i++)
        add(s, 0x8030000002000000ULL + i, i == 32 ? 1 : (i == 0 ? 0x80200000ULL : 0));
    /* CSRs: general 0..9, senvcfg (6.7); AIA with Ssaia; sstateen0 with Smstateen */
    unsigned ncsr = k >= KV(6, 7) ? 11 : 10;
    for (unsigned i = 0; i < ncsr; i++)
        add(s, 0x8030000003000000ULL + i, 0);
    if (on[RVF_SSAIA])
        for (unsigned i = 0; i < 7; i++)
            add(s, 0x8030000003010000ULL + i, 0);
    if (on[RVF_SMSTATEEN])
        add(s, 0x8030000003020000ULL, 0);
    /* timer: frequency (QEMU virt timebase 10 MHz), time, compare, state */
    add(s, 0x8030000004000000ULL, 10000000);
    add(s, RVF_TIMER_TIME, 0x12345678);
    add(s, 0x8030000004000002ULL, ~0ULL);
    add(s, 0x8030000004000003ULL, 0);
    /* FP: F = 32 x U32 + fcsr; D = 32 x U64 + fcsr (U32) */
    if (on[RVF_F])
        for (unsigned i = 0; i <= 32; i++)
            add(s, 0x8020000005000000ULL + i, 0);
    if (on[RVF_D]) {
        for (unsigned i = 0; i < 32; i++)
            add(s, 0x8030000006000000ULL + i, 0);
        add(s, 0x8020000006000020ULL, 0);
    }
    /* vector: vstart, vl, vtype, vcsr, vlenb, then v0..v31 at 6.. sized vlenb */
    if (on[RVF_V]) {
        for (unsigned i = 0; i < 5; i++)
            add(s, RVF_VECTOR_CSR(i), i == 4 ? o->vlenb : 0);
        unsigned lg = 0;
        while ((1u << lg) < o->vlenb)
            lg++;
        for (unsigned i = 0; i < 32; i++)
            add(s, 0x8000000009000000ULL | ((uint64_t)lg << 52) | (6 + i), 0);
    }
    /* ISA_EXT: one SINGLE register per host-supported extension, enabled or not */
    if (k >= KV(5, 19))
        for (unsigned e = 0; e < 128; e++)
            if (rvf_has(o, e))
                add(s, RVF_ISA_EXT(e), on[e] ? 1 : 0);
    /* SBI_EXT: every extension that is not UNAVAILABLE */
    bool sbi_on[16] = {0};
    for (size_t i = 0; i < sizeof(sbi_facts) / sizeof(sbi_facts[0]); i++) {
        unsigned id = sbi_facts[i].id;
        if (k < sbi_facts[i].since)
            continue;
        if ((id == RVF_SBI_PMU && !o->sbi_pmu) || (id == RVF_SBI_STA && !o->sbi_sta))
            continue;
        sbi_on[id] = sbi_facts[i].def;
        add(s, RVF_SBI_EXT(id), sbi_facts[i].def);
    }
    /* SBI state: STA shmem_lo/hi while STA is enabled.  FWFT features need
     * firmware/hardware support (misaligned delegation, Ssnpm) this QEMU host
     * lacks, so FWFT has no state registers here. */
    if (sbi_on[RVF_SBI_STA]) {
        add(s, 0x803000000A000000ULL, ~0ULL);
        add(s, 0x803000000A000001ULL, ~0ULL);
    }
    cm_error err = {0};
    if (cm_snapshot_finish(s, &err) < 0)
        abort();
    return s;
}

struct cm_snapshot *rvf_host_6_12(const char *host)
{
    struct rvf_opts o;
    rvf_defaults(&o, host, "6.12.107+deb13-riscv64");
    return rvf_build(&o);
}

struct cm_snapshot *rvf_host_7_2(const char *host)
{
    struct rvf_opts o;
    rvf_defaults(&o, host, "7.2.13+deb14-riscv64");
    return rvf_build(&o);
}
