/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checker and applier for Firecracker custom CPU templates, written from
 * Firecracker's documentation (docs/cpu_templates/cpu-templates.md,
 * schema.json) and the rules its template parser and cpu-template-helper
 * enforce:
 *  - top level: an object; arm64 accepts kvm_capabilities, vcpu_features,
 *    reg_modifiers, x86_64 kvm_capabilities, cpuid_modifiers, msr_modifiers
 *    (unknown keys are refused);
 *  - kvm_capabilities: strings "N" (check the capability) or "!N" (drop the
 *    check), N decimal;
 *  - numbers given as strings (addr, leaf, subleaf) carry "0x" or "0b";
 *  - bitmaps: "0b" then 0, 1, x ('_' separates), at most the register's
 *    width (32 CPUID and vCPU features, 64 MSRs, 128 ARM registers, and an
 *    ARM register's own ONE_REG size: U32, U64 or U128 only);
 *  - vcpu_features: {"index": 0..6 (kvm_vcpu_init.features[7]), "bitmap"};
 *  - cpuid_modifiers: {"leaf","subleaf","flags" (integer),"modifiers":
 *    [{"register": eax|ebx|ecx|edx, "bitmap"}]};
 *  - reg_modifiers: ARM64 ONE_REG ids (0x60… arch byte);
 *  - one modifier per register (a second would silently win).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fc_template.h"
#include "x86_64/x86.h"

int cm_fc_bitmap_parse(const char *s, unsigned maxbits, struct cm_fc_bitmap *b, cm_error *err)
{
    memset(b, 0, sizeof(*b));
    if (strncmp(s, "0b", 2))
        return cm_fail(err, CM_E_INPUT, "bitmap \"%.140s\" does not start with \"0b\"", s);
    size_t len = strlen(s);
    unsigned i = 0;
    for (size_t k = len; k > 2; k--) {
        char c = s[k - 1];
        if (c == '_')
            continue;
        if (c != '0' && c != '1' && c != 'x')
            return cm_fail(err, CM_E_INPUT, "bitmap \"%.140s\": '%c' is not 0, 1, x or _", s, c);
        if (i >= maxbits)
            return cm_fail(err, CM_E_INPUT, "bitmap \"%.140s\" has more than %u bits", s, maxbits);
        if (c != 'x') {
            b->filter[i / 64] |= 1ULL << (i % 64);
            if (c == '1')
                b->value[i / 64] |= 1ULL << (i % 64);
        }
        i++;
    }
    if (!i)
        return cm_fail(err, CM_E_INPUT, "bitmap \"%.140s\" has no bits", s);
    b->nbits = i;
    return 0;
}

char *cm_fc_bitmap_format(uint64_t filter, uint64_t value, unsigned nbits)
{
    char *s = cm_xmalloc(nbits + 3);
    s[0] = '0';
    s[1] = 'b';
    for (unsigned i = 0; i < nbits; i++) {
        unsigned bit = nbits - 1 - i;
        uint64_t m = bit < 64 ? 1ULL << bit : 0;
        s[2 + i] = !(filter & m) ? 'x' : (value & m) ? '1' : '0';
    }
    s[nbits + 2] = '\0';
    return s;
}

/* "0x…" or "0b…" -> number (Firecracker refuses anything else) */
static int parse_num(const char *path, const char *s, uint64_t max, uint64_t *out, cm_error *err)
{
    int base = !strncmp(s, "0x", 2) ? 16 : !strncmp(s, "0b", 2) ? 2 : 0;
    if (!base)
        return cm_fail(err, CM_E_INPUT, "%s: \"%.60s\" has no \"0x\" or \"0b\" prefix", path, s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s + 2, &end, base);
    if (!s[2] || *end || errno || v > max || s[2] == '-' || s[2] == '+')
        return cm_fail(err, CM_E_INPUT, "%s: \"%.60s\" is not a number of at most 0x%llx", path, s,
                       (unsigned long long)max);
    *out = v;
    return 0;
}

static struct json_object *member(const struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static int want_type(const char *path, const struct json_object *v, json_type t, cm_error *err)
{
    if (!v || !json_object_is_type(v, t))
        return cm_fail(err, CM_E_INPUT, "%s: expected %s, got %s", path, json_type_to_name(t),
                       v ? json_type_to_name(json_object_get_type(v)) : "nothing");
    return 0;
}

static int only_keys(const char *path, const struct json_object *o, const char *const *keys, cm_error *err)
{
    json_object_object_foreach((struct json_object *)o, k, v) {
        (void)v;
        bool known = false;
        for (size_t i = 0; keys[i]; i++)
            known |= !strcmp(k, keys[i]);
        if (!known)
            return cm_fail(err, CM_E_INPUT, "%s: unknown key \"%.60s\"", path, k);
    }
    return 0;
}

static int check_bitmap(const char *path, const struct json_object *o, unsigned maxbits, struct cm_fc_bitmap *b,
                        cm_error *err)
{
    char p[160];
    snprintf(p, sizeof(p), "%s.bitmap", path);
    struct json_object *v = member(o, "bitmap");
    if (want_type(p, v, json_type_string, err) < 0)
        return -1;
    if (cm_fc_bitmap_parse(json_object_get_string(v), maxbits, b, err) < 0)
        return cm_fail_prefix(err, "%s", p);
    return 0;
}

static int check_caps(const struct json_object *t, cm_error *err)
{
    struct json_object *a = member(t, "kvm_capabilities");
    if (!a)
        return 0;
    if (want_type("kvm_capabilities", a, json_type_array, err) < 0)
        return -1;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        char p[64];
        snprintf(p, sizeof(p), "kvm_capabilities[%zu]", i);
        struct json_object *c = json_object_array_get_idx(a, i);
        if (want_type(p, c, json_type_string, err) < 0)
            return -1;
        const char *s = json_object_get_string(c), *d = s[0] == '!' ? s + 1 : s;
        char *end;
        errno = 0;
        unsigned long v = strtoul(d, &end, 10);
        if (!*d || *end || errno || v > UINT32_MAX || *d < '0' || *d > '9')
            return cm_fail(err, CM_E_INPUT, "%s: \"%.40s\" is not a capability number (\"N\" or \"!N\")", p, s);
    }
    return 0;
}

/* a modifier list: array of objects with `addr` (unique) and a bitmap */
static int check_addr_list(const struct json_object *t, const char *key, unsigned maxbits, bool arm64,
                           cm_error *err)
{
    static const char *const keys[] = {"addr", "bitmap", NULL};
    struct json_object *a = member(t, key);
    if (!a)
        return 0;
    if (want_type(key, a, json_type_array, err) < 0)
        return -1;
    size_t n = json_object_array_length(a);
    uint64_t *seen = cm_xcalloc(n ? n : 1, sizeof(uint64_t));
    int r = -1;
    for (size_t i = 0; i < n; i++) {
        char p[96];
        snprintf(p, sizeof(p), "%s[%zu]", key, i);
        struct json_object *o = json_object_array_get_idx(a, i), *addr;
        struct cm_fc_bitmap b;
        uint64_t id;
        if (want_type(p, o, json_type_object, err) < 0 || only_keys(p, o, keys, err) < 0)
            goto out;
        addr = member(o, "addr");
        char pa[112];
        snprintf(pa, sizeof(pa), "%s.addr", p);
        if (want_type(pa, addr, json_type_string, err) < 0 ||
            parse_num(pa, json_object_get_string(addr), arm64 ? UINT64_MAX : UINT32_MAX, &id, err) < 0 ||
            check_bitmap(p, o, maxbits, &b, err) < 0)
            goto out;
        if (arm64) {
            size_t bytes = cm_reg_bytes(id);
            if ((id & CM_REG_ARCH_MASK) != CM_REG_ARM64) {
                cm_fail(err, CM_E_INPUT, "%s: 0x%016" PRIx64 " is not an arm64 ONE_REG id (arch byte 0x60)", pa, id);
                goto out;
            }
            if (bytes != 4 && bytes != 8 && bytes != 16) {
                cm_fail(err, CM_E_INPUT, "%s: register 0x%016" PRIx64 " is %zu bytes; only 32, 64 and 128-bit "
                        "registers can be modified", pa, id, bytes);
                goto out;
            }
            if (bytes < 16 && ((b.filter[1] | b.value[1]) ||
                               (bytes == 4 && ((b.filter[0] | b.value[0]) >> 32)))) {
                cm_fail(err, CM_E_INPUT, "%s: the bitmap is wider than register 0x%016" PRIx64 " (%zu bits)", p, id,
                        bytes * 8);
                goto out;
            }
        }
        for (size_t k = 0; k < i; k++)
            if (seen[k] == id) {
                cm_fail(err, CM_E_INPUT, "%s: 0x%" PRIx64 " is modified twice (also %s[%zu])", pa, id, key, k);
                goto out;
            }
        seen[i] = id;
    }
    r = 0;
out:
    free(seen);
    return r;
}

static int check_vcpu_features(const struct json_object *t, cm_error *err)
{
    static const char *const keys[] = {"index", "bitmap", NULL};
    struct json_object *a = member(t, "vcpu_features");
    if (!a)
        return 0;
    if (want_type("vcpu_features", a, json_type_array, err) < 0)
        return -1;
    unsigned seen = 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        char p[64];
        snprintf(p, sizeof(p), "vcpu_features[%zu]", i);
        struct json_object *o = json_object_array_get_idx(a, i), *idx;
        struct cm_fc_bitmap b;
        if (want_type(p, o, json_type_object, err) < 0 || only_keys(p, o, keys, err) < 0)
            return -1;
        idx = member(o, "index");
        if (want_type(p, idx, json_type_int, err) < 0)
            return -1;
        int64_t k = json_object_get_int64(idx);
        if (k < 0 || k > 6)
            return cm_fail(err, CM_E_INPUT, "%s.index: %lld is outside kvm_vcpu_init.features[0..6]", p, (long long)k);
        if (seen & (1u << k))
            return cm_fail(err, CM_E_INPUT, "%s.index: features[%lld] is modified twice", p, (long long)k);
        seen |= 1u << k;
        if (check_bitmap(p, o, 32, &b, err) < 0)
            return -1;
    }
    return 0;
}

static int leaf_key(const char *p, const struct json_object *o, const char *k, uint64_t *v, cm_error *err)
{
    char pk[128];
    snprintf(pk, sizeof(pk), "%s.%s", p, k);
    struct json_object *s = member(o, k);
    if (want_type(pk, s, json_type_string, err) < 0)
        return -1;
    return parse_num(pk, json_object_get_string(s), UINT32_MAX, v, err);
}

static int reg_index(const char *name)
{
    static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, regs[i]))
            return i;
    return -1;
}

static int check_cpuid(const struct json_object *t, cm_error *err)
{
    static const char *const keys[] = {"leaf", "subleaf", "flags", "modifiers", NULL};
    static const char *const mkeys[] = {"register", "bitmap", NULL};
    struct json_object *a = member(t, "cpuid_modifiers");
    if (!a)
        return 0;
    if (want_type("cpuid_modifiers", a, json_type_array, err) < 0)
        return -1;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        char p[64];
        snprintf(p, sizeof(p), "cpuid_modifiers[%zu]", i);
        struct json_object *o = json_object_array_get_idx(a, i), *fl, *mods;
        uint64_t leaf, sub;
        if (want_type(p, o, json_type_object, err) < 0 || only_keys(p, o, keys, err) < 0 ||
            leaf_key(p, o, "leaf", &leaf, err) < 0 || leaf_key(p, o, "subleaf", &sub, err) < 0)
            return -1;
        fl = member(o, "flags");
        char pf[96];
        snprintf(pf, sizeof(pf), "%s.flags", p);
        if (want_type(pf, fl, json_type_int, err) < 0)
            return -1;
        if (json_object_get_int64(fl) < 0 || json_object_get_int64(fl) > UINT32_MAX)
            return cm_fail(err, CM_E_INPUT, "%s: %lld is not a u32", pf, (long long)json_object_get_int64(fl));
        for (size_t k = 0; k < i; k++) {
            struct json_object *q = json_object_array_get_idx(a, k);
            uint64_t l2, s2;
            if (leaf_key("", q, "leaf", &l2, err) == 0 && leaf_key("", q, "subleaf", &s2, err) == 0 && l2 == leaf &&
                s2 == sub)
                return cm_fail(err, CM_E_INPUT, "%s: leaf 0x%llx subleaf 0x%llx is modified twice (also "
                               "cpuid_modifiers[%zu])", p, (unsigned long long)leaf, (unsigned long long)sub, k);
        }
        mods = member(o, "modifiers");
        char pm[96];
        snprintf(pm, sizeof(pm), "%s.modifiers", p);
        if (want_type(pm, mods, json_type_array, err) < 0)
            return -1;
        unsigned seen = 0;
        for (size_t k = 0; k < json_object_array_length(mods); k++) {
            char pr[128];
            snprintf(pr, sizeof(pr), "%s[%zu]", pm, k);
            struct json_object *mo = json_object_array_get_idx(mods, k), *reg;
            struct cm_fc_bitmap b;
            if (want_type(pr, mo, json_type_object, err) < 0 || only_keys(pr, mo, mkeys, err) < 0)
                return -1;
            reg = member(mo, "register");
            if (want_type(pr, reg, json_type_string, err) < 0)
                return -1;
            int r = reg_index(json_object_get_string(reg));
            if (r < 0)
                return cm_fail(err, CM_E_INPUT, "%s.register: \"%.20s\" is not eax, ebx, ecx or edx", pr,
                               json_object_get_string(reg));
            if (seen & (1u << r))
                return cm_fail(err, CM_E_INPUT, "%s.register: %s is modified twice", pr, json_object_get_string(reg));
            seen |= 1u << r;
            if (check_bitmap(pr, mo, 32, &b, err) < 0)
                return -1;
        }
    }
    return 0;
}

int cm_fc_check(const struct json_object *t, enum cm_arch arch, cm_error *err)
{
    static const char *const arm64_keys[] = {"kvm_capabilities", "vcpu_features", "reg_modifiers", NULL};
    static const char *const x86_keys[] = {"kvm_capabilities", "cpuid_modifiers", "msr_modifiers", NULL};
    if (want_type("(top level)", t, json_type_object, err) < 0)
        return -1;
    if (arch == CM_ARCH_ARM64)
        return only_keys("(top level)", t, arm64_keys, err) < 0 || check_caps(t, err) < 0 ||
                       check_vcpu_features(t, err) < 0 || check_addr_list(t, "reg_modifiers", 128, true, err) < 0
                   ? -1
                   : 0;
    if (arch == CM_ARCH_X86_64)
        return only_keys("(top level)", t, x86_keys, err) < 0 || check_caps(t, err) < 0 || check_cpuid(t, err) < 0 ||
                       check_addr_list(t, "msr_modifiers", 64, false, err) < 0
                   ? -1
                   : 0;
    return cm_fail(err, CM_E_NOTSUP, "Firecracker has custom CPU templates for arm64 and x86_64, not %s",
                   cm_arch_name(arch));
}

/* ---- applying ---- */

static uint64_t apply64(uint64_t old, const struct cm_fc_bitmap *b)
{
    return (old & ~b->filter[0]) | (b->value[0] & b->filter[0]);
}

static int apply_regs(const struct json_object *t, struct cm_snapshot *s, cm_error *err)
{
    struct json_object *a = member(t, "reg_modifiers");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        struct json_object *o = json_object_array_get_idx(a, i);
        uint64_t id;
        struct cm_fc_bitmap b;
        if (parse_num("reg_modifiers", json_object_get_string(member(o, "addr")), UINT64_MAX, &id, err) < 0 ||
            cm_fc_bitmap_parse(json_object_get_string(member(o, "bitmap")), 128, &b, err) < 0)
            return -1;
        const struct cm_reg *r = cm_snapshot_find_reg(s, id);
        if (!r)
            return cm_fail(err, CM_E_INPUT, "reg_modifiers[%zu]: %s has no register 0x%016" PRIx64, i,
                           cm_snapshot_name(s), id);
        uint64_t *w = &s->words[r->off];
        w[0] = apply64(w[0], &b);
        if (cm_reg_words(id) > 1)
            w[1] = (w[1] & ~b.filter[1]) | (b.value[1] & b.filter[1]);
    }
    struct json_object *f = member(t, "vcpu_features");
    for (size_t i = 0; f && i < json_object_array_length(f); i++) {
        struct json_object *o = json_object_array_get_idx(f, i);
        struct cm_fc_bitmap b;
        if (cm_fc_bitmap_parse(json_object_get_string(member(o, "bitmap")), 32, &b, err) < 0)
            return -1;
        if (json_object_get_int(member(o, "index")) == 0 && s->has_vcpu_features)
            s->vcpu_features = (uint32_t)apply64(s->vcpu_features, &b);
    }
    return 0;
}

static int apply_x86(const struct json_object *t, struct cm_snapshot *s, cm_error *err)
{
    struct json_object *a = member(t, "cpuid_modifiers");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        struct json_object *o = json_object_array_get_idx(a, i), *mods = member(o, "modifiers");
        uint64_t leaf, sub;
        if (leaf_key("cpuid_modifiers", o, "leaf", &leaf, err) < 0 ||
            leaf_key("cpuid_modifiers", o, "subleaf", &sub, err) < 0)
            return -1;
        struct cm_cpuid_entry *e =
            (struct cm_cpuid_entry *)cm_x86_cpuid_find(s->cpuid, s->ncpuid, (uint32_t)leaf, (uint32_t)sub);
        if (!e)
            return cm_fail(err, CM_E_INPUT, "cpuid_modifiers[%zu]: %s has no CPUID leaf 0x%llx subleaf 0x%llx", i,
                           cm_snapshot_name(s), (unsigned long long)leaf, (unsigned long long)sub);
        for (size_t k = 0; k < json_object_array_length(mods); k++) {
            struct json_object *mo = json_object_array_get_idx(mods, k);
            struct cm_fc_bitmap b;
            if (cm_fc_bitmap_parse(json_object_get_string(member(mo, "bitmap")), 32, &b, err) < 0)
                return -1;
            enum cm_x86_reg r = (enum cm_x86_reg)reg_index(json_object_get_string(member(mo, "register")));
            cm_x86_cpuid_set_reg(e, r, (uint32_t)apply64(cm_x86_cpuid_reg(e, r), &b));
        }
    }
    struct json_object *m = member(t, "msr_modifiers");
    for (size_t i = 0; m && i < json_object_array_length(m); i++) {
        struct json_object *o = json_object_array_get_idx(m, i);
        uint64_t idx;
        struct cm_fc_bitmap b;
        if (parse_num("msr_modifiers", json_object_get_string(member(o, "addr")), UINT32_MAX, &idx, err) < 0 ||
            cm_fc_bitmap_parse(json_object_get_string(member(o, "bitmap")), 64, &b, err) < 0)
            return -1;
        struct cm_msr *x = (struct cm_msr *)cm_snapshot_find_msr(s, (uint32_t)idx);
        if (!x)
            return cm_fail(err, CM_E_INPUT, "msr_modifiers[%zu]: %s has no MSR 0x%llx", i, cm_snapshot_name(s),
                           (unsigned long long)idx);
        x->value = apply64(x->value, &b);
    }
    return 0;
}

int cm_fc_apply(const struct json_object *t, struct cm_snapshot *s, cm_error *err)
{
    if (cm_fc_check(t, s->arch, err) < 0)
        return -1;
    return s->arch == CM_ARCH_ARM64 ? apply_regs(t, s, err) : apply_x86(t, s, err);
}
