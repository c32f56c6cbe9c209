/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import of a Firecracker `cpu-template-helper fingerprint dump` file (the
 * guest vCPU configuration Firecracker read from KVM on a real host) as a
 * host snapshot.  Format: tests/data/firecracker/README.md; the rules
 * this reader applies are in docs/snapshot-format.md ("Firecracker import").
 *
 * A dump is a host's state, so template-only syntax (don't-care 'x' bits) is
 * refused, and every bitmap must carry the register's whole value.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/json_in.h"
#include "cpumodel/arch.h"
#include "cpumodel/snapshot.h"

/* Run-to-run noise is the driver's fact (cm_arch_ops.reg_volatile). */
static bool reg_is_volatile(enum cm_arch arch, uint64_t id)
{
    const struct cm_arch_ops *ops = cm_arch_ops(arch);
    return ops && ops->reg_volatile && ops->reg_volatile(id);
}

/* The x86 CPUID output registers as Firecracker names them. */
static const struct {
    const char *name;
    size_t off;
} cpuid_regs[] = {
    {"eax", offsetof(struct cm_cpuid_entry, eax)},
    {"ebx", offsetof(struct cm_cpuid_entry, ebx)},
    {"ecx", offsetof(struct cm_cpuid_entry, ecx)},
    {"edx", offsetof(struct cm_cpuid_entry, edx)},
};

#define MAX_REG_SIZE_FIELD 8 /* U2048 */

/*
 * "0b" + binary digits, most significant first, into nwords little-endian
 * words of a `bits`-wide register.  Leading zero digits beyond the width are
 * fine (Firecracker writes 128 digits for every arm64 register); a 1 beyond
 * the width is not.  Fewer than min(64, bits) digits is a truncated bitmap:
 * Firecracker writes at least the full u64 for every register.
 */
static int parse_bitmap(const char *s, uint64_t *words, size_t nwords, unsigned bits, char *why, size_t len)
{
    if (strncmp(s, "0b", 2)) {
        snprintf(why, len, "\"%.40s\" is not a bitmap (expected \"0b\" followed by binary digits)", s);
        return -1;
    }
    const char *d = s + 2;
    size_t n = strlen(d);
    if (n == 0) {
        snprintf(why, len, "empty bitmap \"0b\"");
        return -1;
    }
    memset(words, 0, nwords * sizeof(*words));
    for (size_t i = 0; i < n; i++) {
        if (d[i] == 'x' || d[i] == 'X') {
            snprintf(why, len,
                     "don't-care digit 'x' at position %zu: templates with don't-care bits are not host dumps", i + 2);
            return -1;
        }
        if (d[i] != '0' && d[i] != '1') {
            snprintf(why, len, "'%c' at position %zu is not a binary digit", d[i], i + 2);
            return -1;
        }
    }
    unsigned need = bits < 64 ? bits : 64;
    if (n < need) {
        snprintf(why, len, "truncated bitmap: %zu binary digits, a %u-bit register needs at least %u", n, bits, need);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (d[i] != '1')
            continue;
        size_t bit = n - 1 - i;
        if (bit >= bits) {
            snprintf(why, len, "value is wider than the %u-bit register (bit %zu is set)", bits, bit);
            return -1;
        }
        words[bit / 64] |= 1ULL << (bit % 64);
    }
    return 0;
}

static int read_bitmap(struct cm_jin *j, const struct json_object *o, uint64_t *words, size_t nwords, unsigned bits)
{
    struct json_object *v;
    char why[200];
    if (cm_jin_member(j, o, "bitmap", json_type_string, true, &v) < 0)
        return -1;
    if (parse_bitmap(json_object_get_string(v), words, nwords, bits, why, sizeof(why)) < 0)
        return cm_jin_fail_at(j, "bitmap", "%s", why);
    return 0;
}

/* leaf/subleaf/addr: "0x…" strings in the dumps; plain JSON integers are accepted too. */
static int read_num(struct cm_jin *j, const struct json_object *o, const char *key, unsigned bits, uint64_t *dst)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return cm_jin_fail_at(j, key, "missing (a hex string or an integer)");
    if (json_object_is_type(v, json_type_string))
        return cm_jin_hex(j, o, key, true, bits, dst);
    int64_t x = 0;
    size_t m = cm_jin_key(j, key);
    int r = cm_jin_int_value(j, v, 0, bits >= 63 ? INT64_MAX : (int64_t)((1ULL << bits) - 1), &x);
    cm_jin_pop(j, m);
    *dst = (uint64_t)x;
    return r;
}

/* Calls fn for each object of the optional array member `key`, path at "key[i]". */
typedef int (*elem_fn)(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s);
static int each(struct cm_jin *j, const struct json_object *o, const char *key, elem_fn fn, struct cm_snapshot *s)
{
    struct json_object *a;
    if (cm_jin_member(j, o, key, json_type_array, false, &a) < 0)
        return -1;
    if (!a)
        return 0;
    size_t m = cm_jin_key(j, key);
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        size_t mi = cm_jin_idx(j, i);
        const struct json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_object))
            return cm_jin_fail(j, "expected an object, got %s", cm_json_type_name(json_object_get_type(e)));
        if (fn(j, e, s) < 0)
            return -1;
        cm_jin_pop(j, mi);
    }
    cm_jin_pop(j, m);
    return 0;
}

static int read_reg_modifier(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t id = 0;
    if (read_num(j, e, "addr", 64, &id) < 0)
        return -1;
    if ((id & CM_REG_ARCH_MASK) != CM_REG_ARM64)
        return cm_jin_fail_at(j, "addr", "0x%016" PRIx64 " is not an arm64 ONE_REG id (top byte must be 0x60)", id);
    unsigned sz = (unsigned)((id & CM_REG_SIZE_MASK) >> CM_REG_SIZE_SHIFT);
    if (sz > MAX_REG_SIZE_FIELD)
        return cm_jin_fail_at(j, "addr", "0x%016" PRIx64 ": size field %u is beyond U2048", id, sz);
    if (cm_snapshot_find_reg(s, id))
        return cm_jin_fail_at(j, "addr", "duplicate register 0x%016" PRIx64, id);

    size_t nw = cm_reg_words(id);
    uint64_t words[32]; /* up to U2048 (MAX_REG_SIZE_FIELD) */
    if (read_bitmap(j, e, words, nw, (unsigned)cm_reg_bytes(id) * 8) < 0)
        return -1;
    uint32_t flags = reg_is_volatile(CM_ARCH_ARM64, id) ? CM_REGF_VOLATILE : 0;
    if (cm_snapshot_add_reg(s, id, words, flags, j->err) < 0)
        return cm_jin_fail_at(j, "addr", "duplicate register 0x%016" PRIx64, id);
    return 0;
}

static int read_cpuid_modifier(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t leaf = 0, subleaf = 0;
    int64_t flags = 0;
    struct json_object *mods;
    if (read_num(j, e, "leaf", 32, &leaf) < 0 || read_num(j, e, "subleaf", 32, &subleaf) < 0 ||
        cm_jin_int(j, e, "flags", false, 0, UINT32_MAX, &flags) < 0 ||
        cm_jin_member(j, e, "modifiers", json_type_array, true, &mods) < 0)
        return -1;
    struct cm_cpuid_entry c = {.function = (uint32_t)leaf, .index = (uint32_t)subleaf, .flags = (uint32_t)flags};
    for (size_t i = 0; i < s->ncpuid; i++)
        if (s->cpuid[i].function == c.function && s->cpuid[i].index == c.index)
            return cm_jin_fail(j, "duplicate CPUID entry leaf 0x%x subleaf 0x%x", c.function, c.index);

    bool seen[CM_ARRAY_SIZE(cpuid_regs)] = {false}; /* registers not listed stay 0 */
    size_t m = cm_jin_key(j, "modifiers");
    for (size_t i = 0; i < json_object_array_length(mods); i++) {
        size_t mi = cm_jin_idx(j, i);
        const struct json_object *mod = json_object_array_get_idx(mods, i);
        struct json_object *rn;
        if (!json_object_is_type(mod, json_type_object))
            return cm_jin_fail(j, "expected an object, got %s", cm_json_type_name(json_object_get_type(mod)));
        if (cm_jin_member(j, mod, "register", json_type_string, true, &rn) < 0)
            return -1;
        size_t k;
        for (k = 0; k < CM_ARRAY_SIZE(cpuid_regs); k++)
            if (!strcmp(json_object_get_string(rn), cpuid_regs[k].name))
                break;
        if (k == CM_ARRAY_SIZE(cpuid_regs))
            return cm_jin_fail_at(j, "register", "unknown CPUID register \"%.16s\" (expected eax, ebx, ecx or edx)",
                                  json_object_get_string(rn));
        if (seen[k])
            return cm_jin_fail_at(j, "register", "%s given twice for leaf 0x%x subleaf 0x%x", cpuid_regs[k].name,
                                  c.function, c.index);
        seen[k] = true;
        uint64_t w[1];
        if (read_bitmap(j, mod, w, 1, 32) < 0)
            return -1;
        uint32_t v32 = (uint32_t)w[0];
        memcpy((char *)&c + cpuid_regs[k].off, &v32, sizeof(v32));
        cm_jin_pop(j, mi);
    }
    cm_jin_pop(j, m);
    cm_snapshot_add_cpuid(s, &c);
    return 0;
}

static int read_msr_modifier(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t addr = 0, w[1];
    if (read_num(j, e, "addr", 32, &addr) < 0)
        return -1;
    if (cm_snapshot_find_msr(s, (uint32_t)addr))
        return cm_jin_fail_at(j, "addr", "duplicate MSR 0x%x", (unsigned)addr);
    if (read_bitmap(j, e, w, 1, 64) < 0)
        return -1;
    cm_snapshot_add_msr(s, (uint32_t)addr, w[0]);
    return 0;
}

/* "…/fingerprint_ARM_NEOVERSE_N1_6.1host.json" -> "ARM_NEOVERSE_N1_6.1" */
static char *host_from_file(const char *what)
{
    const char *base = strrchr(what, '/');
    base = base ? base + 1 : what;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".json"))
        n -= 5;
    if (n > 12 && !strncmp(base, "fingerprint_", 12)) {
        base += 12;
        n -= 12;
    }
    if (n > 4 && !strncmp(base + n - 4, "host", 4))
        n -= 4;
    return cm_xasprintf("%.*s", (int)n, base);
}

/* The arch the guest_cpu_config describes: arm64 has register modifiers,
 * x86_64 CPUID/MSR modifiers. */
static enum cm_arch detect_arch(struct cm_jin *j, const struct json_object *g)
{
    bool arm = json_object_object_get_ex(g, "reg_modifiers", NULL);
    bool x86 = json_object_object_get_ex(g, "cpuid_modifiers", NULL) ||
               json_object_object_get_ex(g, "msr_modifiers", NULL);
    if (arm && x86) {
        cm_jin_fail_at(j, "guest_cpu_config",
                       "has both reg_modifiers (arm64) and cpuid_modifiers/msr_modifiers (x86_64)");
        return CM_ARCH_UNKNOWN;
    }
    if (!arm && !x86) {
        cm_jin_fail_at(j, "guest_cpu_config", "unknown architecture: neither reg_modifiers (arm64) "
                                              "nor cpuid_modifiers/msr_modifiers (x86_64)");
        return CM_ARCH_UNKNOWN;
    }
    return arm ? CM_ARCH_ARM64 : CM_ARCH_X86_64;
}

int cm_import_firecracker(const struct json_object *o, const char *what, struct cm_snapshot **out, cm_error *err)
{
    struct cm_jin j;
    struct json_object *g, *ignored;
    *out = NULL;
    cm_jin_init(&j, what, "", err);
    if (!o || !json_object_is_type(o, json_type_object))
        return cm_jin_fail(&j, "expected a Firecracker fingerprint object, got %s",
                           o ? cm_json_type_name(json_object_get_type(o)) : "nothing");
    if (cm_jin_member(&j, o, "guest_cpu_config", json_type_object, true, &g) < 0)
        return -1;
    enum cm_arch arch = detect_arch(&j, g);
    if (arch == CM_ARCH_UNKNOWN)
        return -1;

    _cleanup_snapshot_ struct cm_snapshot *s = cm_snapshot_new(arch);
    _cleanup_free_ char *bios_ver = NULL, *bios_rev = NULL;
    if (cm_jin_str(&j, o, "kernel_version", true, &s->kernel) < 0 ||
        cm_jin_str(&j, o, "microcode_version", false, &s->microcode) < 0 ||
        cm_jin_str(&j, o, "bios_version", false, &bios_ver) < 0 ||
        cm_jin_str(&j, o, "bios_revision", false, &bios_rev) < 0)
        return -1;

    /* "6.1.172-216.329.amzn2023.aarch64": a build-arch suffix must agree */
    const char *dot = strrchr(s->kernel, '.');
    enum cm_arch karch = dot ? cm_arch_from_name(dot + 1) : CM_ARCH_UNKNOWN;
    if (karch != CM_ARCH_UNKNOWN && karch != arch)
        return cm_jin_fail_at(&j, "kernel_version",
                              "kernel \"%.80s\" is built for %s, but guest_cpu_config describes an %s host",
                              s->kernel, cm_arch_name(karch), cm_arch_name(arch));

    if (bios_ver && bios_rev)
        s->bios = cm_xasprintf("%s %s", bios_ver, bios_rev);
    else
        s->bios = cm_xstrdup(bios_ver ? bios_ver : bios_rev);

    /* Template-only members: capability and vCPU-feature *modifications*,
     * not host facts; type-checked, otherwise ignored (docs/snapshot-format.md). */
    size_t mg = cm_jin_key(&j, "guest_cpu_config");
    if (cm_jin_member(&j, g, "kvm_capabilities", json_type_array, false, &ignored) < 0 ||
        cm_jin_member(&j, g, "vcpu_features", json_type_array, false, &ignored) < 0)
        return -1;

    int r;
    if (arch == CM_ARCH_ARM64)
        r = each(&j, g, "reg_modifiers", read_reg_modifier, s);
    else
        r = (each(&j, g, "cpuid_modifiers", read_cpuid_modifier, s) < 0 ||
             each(&j, g, "msr_modifiers", read_msr_modifier, s) < 0) ? -1 : 0;
    if (r < 0)
        return -1;
    cm_jin_pop(&j, mg);

    if (what) {
        s->host = host_from_file(what);
        const char *base = strrchr(what, '/');
        s->source = cm_xasprintf("firecracker:%s", base ? base + 1 : what);
    } else {
        s->source = cm_xstrdup("firecracker");
    }
    s->created = cm_now_iso8601();
    s->kind = CM_KIND_HOST;

    cm_error ferr = {0};
    if (cm_snapshot_finish(s, &ferr) < 0)
        return cm_jin_fail(&j, "%s", ferr.msg);
    *out = s;
    s = NULL;
    return 0;
}
