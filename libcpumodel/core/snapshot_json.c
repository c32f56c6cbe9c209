/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The snapshot's own JSON form, schema "cpumodel.snapshot/1"
 * (docs/snapshot-format.md).  Writing is lossless; reading is strict about the
 * schema string, types, widths and duplicates, and tolerant of unknown keys so
 * that a newer writer's extra members do not break an older reader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/json_in.h"
#include "cpumodel/arch.h"
#include "cpumodel/digest.h"
#include "cpumodel/snapshot.h"

/* Register flags as they are spelled in JSON. */
static const struct {
    uint32_t flag;
    const char *name;
} reg_flag_names[] = {
    {CM_REGF_VOLATILE, "volatile"},
    {CM_REGF_NOVALUE, "novalue"},
};

static const char *const kind_names[] = {
    [CM_KIND_HOST] = "host",
    [CM_KIND_MODEL] = "model",
};

static int name_index(const char *const *names, size_t n, const char *str)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && !strcmp(str, names[i]))
            return (int)i;
    return -1;
}

/* The registry's names, exactly (aliases such as aarch64 are for the command line). */
int cm_snap_arch_index(const char *name)
{
    for (size_t i = 0; cm_arch_at(i) != CM_ARCH_UNKNOWN; i++)
        if (!strcmp(name, cm_arch_name(cm_arch_at(i))))
            return (int)cm_arch_at(i);
    return -1;
}

int cm_snap_kind_index(const char *name) { return name_index(kind_names, CM_ARRAY_SIZE(kind_names), name); }

/* KVM defines sizes up to U2048 (size field 8); anything larger is not a register. */
#define MAX_REG_SIZE_FIELD 8

/* ---- writing ------------------------------------------------------------- */

/* "0x" + at least `digits` hex digits (0: as few as needed) */
static struct json_object *jhex(int digits, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "0x%0*llx", digits, v);
    return json_object_new_string(buf);
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
    if (v)
        json_object_object_add(o, key, json_object_new_string(v));
}

static struct json_object *cpuid_array(const struct cm_cpuid_entry *e, size_t n)
{
    struct json_object *a = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "function", jhex(0, e[i].function));
        json_object_object_add(c, "index", jhex(0, e[i].index));
        json_object_object_add(c, "flags", json_object_new_int64(e[i].flags));
        json_object_object_add(c, "eax", jhex(8, e[i].eax));
        json_object_object_add(c, "ebx", jhex(8, e[i].ebx));
        json_object_object_add(c, "ecx", jhex(8, e[i].ecx));
        json_object_object_add(c, "edx", jhex(8, e[i].edx));
        json_object_array_add(a, c);
    }
    return a;
}

static struct json_object *reg_json(const struct cm_snapshot *s, const struct cm_reg *r, const struct cm_arch_ops *ops)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", jhex(16, r->id));
    if (ops && ops->reg_name) {
        char name[96];
        add_str(o, "name", ops->reg_name(r->id, name, sizeof(name)));
    }
    if (r->flags & CM_REGF_NOVALUE) {
        json_object_object_add(o, "value", NULL); /* JSON null */
    } else {
        char *hex = cm_hex_format(cm_snapshot_reg_val(s, r), (unsigned)cm_reg_bytes(r->id) * 8);
        json_object_object_add(o, "value", json_object_new_string(hex));
        free(hex);
    }
    struct json_object *flags = NULL;
    for (size_t k = 0; k < CM_ARRAY_SIZE(reg_flag_names); k++) {
        if (!(r->flags & reg_flag_names[k].flag))
            continue;
        if (!flags)
            flags = json_object_new_array();
        json_object_array_add(flags, json_object_new_string(reg_flag_names[k].name));
    }
    if (flags)
        json_object_object_add(o, "flags", flags);
    return o;
}

struct json_object *cm_snapshot_to_json(const struct cm_snapshot *s)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "schema", json_object_new_string(CM_SNAPSHOT_SCHEMA));
    json_object_object_add(o, "arch", json_object_new_string(cm_arch_name(s->arch)));
    json_object_object_add(o, "kind", json_object_new_string(kind_names[s->kind == CM_KIND_MODEL]));
    add_str(o, "host", s->host);
    add_str(o, "kernel", s->kernel);
    json_object_object_add(o, "api_version", json_object_new_int64(s->api_version));
    add_str(o, "cpu", s->cpu);
    add_str(o, "microcode", s->microcode);
    add_str(o, "bios", s->bios);
    add_str(o, "source", s->source);
    add_str(o, "created", s->created);
    add_str(o, "digest", s->digest);
    /* JSON has no NaN/Inf; a probe duration is never one (documented) */
    json_object_object_add(o, "probe_ms", json_object_new_double(isfinite(s->probe_ms) ? s->probe_ms : 0.0));
    json_object_object_add(o, "partial", json_object_new_boolean(s->partial));

    struct json_object *caps = json_object_new_array_ext((int)s->ncaps);
    for (size_t i = 0; i < s->ncaps; i++) {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "id", json_object_new_int64(s->caps[i].id));
        json_object_object_add(c, "sys", json_object_new_int64(s->caps[i].sys));
        if (s->caps[i].has_vm)
            json_object_object_add(c, "vm", json_object_new_int64(s->caps[i].vm));
        json_object_array_add(caps, c);
    }
    json_object_object_add(o, "capabilities", caps);

    if (s->has_vcpu_features)
        json_object_object_add(o, "vcpu_features", json_object_new_int64(s->vcpu_features));
    json_object_object_add(o, "preferred_target", json_object_new_int64(s->preferred_target));

    const struct cm_arch_ops *ops = cm_arch_ops(s->arch);
    struct json_object *regs = json_object_new_array_ext((int)s->nregs);
    for (size_t i = 0; i < s->nregs; i++)
        json_object_array_add(regs, reg_json(s, &s->regs[i], ops));
    json_object_object_add(o, "registers", regs);

    if (s->writable_masks) {
        struct json_object *m = json_object_new_array_ext(CM_ARM64_MASKS_LEN);
        for (size_t i = 0; i < CM_ARM64_MASKS_LEN; i++)
            json_object_array_add(m, jhex(16, s->writable_masks[i]));
        json_object_object_add(o, "writable_masks", m);
    }

    /* CPUID tables: always where the arch has them (even empty, so their absence is visible), elsewhere only if set */
    bool x86 = cm_arch_has_cpuid_tables(s->arch);
    if (x86 || s->ncpuid)
        json_object_object_add(o, "cpuid", cpuid_array(s->cpuid, s->ncpuid));
    if (x86 || s->ncpuid_emulated)
        json_object_object_add(o, "cpuid_emulated", cpuid_array(s->cpuid_emulated, s->ncpuid_emulated));
    if (x86 || s->nmsrs) {
        struct json_object *a = json_object_new_array_ext((int)s->nmsrs);
        for (size_t i = 0; i < s->nmsrs; i++) {
            struct json_object *m = json_object_new_object();
            json_object_object_add(m, "index", jhex(0, s->msrs[i].index));
            json_object_object_add(m, "value", jhex(16, s->msrs[i].value));
            json_object_array_add(a, m);
        }
        json_object_object_add(o, "msrs", a);
    }
    if (x86 || s->nmsr_index_list) {
        struct json_object *a = json_object_new_array_ext((int)s->nmsr_index_list);
        for (size_t i = 0; i < s->nmsr_index_list; i++)
            json_object_array_add(a, jhex(0, s->msr_index_list[i]));
        json_object_object_add(o, "msr_index_list", a);
    }

    if (s->kind == CM_KIND_MODEL || s->nmembers) {
        struct json_object *a = json_object_new_array_ext((int)s->nmembers);
        for (size_t i = 0; i < s->nmembers; i++)
            json_object_array_add(a, json_object_new_string(s->members[i] ? s->members[i] : ""));
        json_object_object_add(o, "members", a);
    }

    /* probe facts: omitted when there are none (older readers ignore the key) */
    if (s->nfacts) {
        struct json_object *f = json_object_new_object();
        for (size_t i = 0; i < s->nfacts; i++)
            json_object_object_add(f, s->facts[i].name, jhex(0, s->facts[i].value));
        json_object_object_add(o, "facts", f);
    }
    return o;
}

int cm_snapshot_to_json_string(const struct cm_snapshot *s, char **out)
{
    *out = NULL;
    struct json_object *o = cm_snapshot_to_json(s);
    if (!o)
        return -1;
    size_t len = 0;
    int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
    const char *txt = json_object_to_json_string_length(o, flags, &len);
    if (!txt) {
        json_object_put(o);
        return -1;
    }
    char *r = cm_xmalloc(len + 2);
    memcpy(r, txt, len);
    r[len] = '\n';
    r[len + 1] = '\0';
    json_object_put(o);
    *out = r;
    return 0;
}

/* ---- reading ------------------------------------------------------------- */

/* Each step reads one part of the object into s; returns -1 with err set. */

static int read_enum(struct cm_jin *j, const struct json_object *o, const char *key, bool required,
                     const char *const *names, size_t n, const char *expected, int *dst)
{
    struct json_object *v;
    if (cm_jin_member(j, o, key, json_type_string, required, &v) < 0)
        return -1;
    if (!v)
        return 0; /* optional and absent: *dst keeps its default */
    const char *str = json_object_get_string(v);
    int i = name_index(names, n, str);
    if (i >= 0) {
        *dst = i;
        return 0;
    }
    return cm_jin_fail_at(j, key, "unknown %s \"%.64s\" (expected %s)", key, str, expected);
}

static int read_header(struct cm_jin *j, const struct json_object *o, struct cm_snapshot *s)
{
    struct json_object *v;
    if (cm_jin_member(j, o, "schema", json_type_string, true, &v) < 0)
        return -1;
    if (strcmp(json_object_get_string(v), CM_SNAPSHOT_SCHEMA))
        return cm_jin_fail_at(j, "schema", "unsupported schema \"%.64s\" (this reader understands \"%s\")",
                              json_object_get_string(v), CM_SNAPSHOT_SCHEMA);

    /* the registry's names, exactly (aliases such as aarch64 are for the command line) */
    const char *arch_names[CM_ARCH_LAST + 1] = {0};
    char expected[128] = "";
    for (size_t i = 0; cm_arch_at(i) != CM_ARCH_UNKNOWN; i++) {
        enum cm_arch a = cm_arch_at(i);
        if ((size_t)a < CM_ARRAY_SIZE(arch_names))
            arch_names[a] = cm_arch_name(a);
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? (cm_arch_at(i + 1) ? ", " : " or ") : "",
                 cm_arch_name(a));
    }
    int arch = 0, kind = CM_KIND_HOST; /* a snapshot without "kind" is a host's */
    if (read_enum(j, o, "arch", true, arch_names, CM_ARRAY_SIZE(arch_names), expected, &arch) < 0 ||
        read_enum(j, o, "kind", false, kind_names, CM_ARRAY_SIZE(kind_names), "host or model", &kind) < 0)
        return -1;
    s->arch = (enum cm_arch)arch;
    s->kind = (enum cm_snapshot_kind)kind;

    int64_t api = 0, pt = 0;
    if (cm_jin_str(j, o, "host", false, &s->host) < 0 || cm_jin_str(j, o, "kernel", false, &s->kernel) < 0 ||
        cm_jin_str(j, o, "cpu", false, &s->cpu) < 0 || cm_jin_str(j, o, "microcode", false, &s->microcode) < 0 ||
        cm_jin_str(j, o, "bios", false, &s->bios) < 0 || cm_jin_str(j, o, "source", false, &s->source) < 0 ||
        cm_jin_str(j, o, "created", false, &s->created) < 0 || cm_jin_str(j, o, "digest", false, &s->digest) < 0 ||
        cm_jin_int(j, o, "api_version", false, 0, INT32_MAX, &api) < 0 ||
        cm_jin_bool(j, o, "partial", &s->partial) < 0 ||
        cm_jin_int(j, o, "preferred_target", false, 0, UINT32_MAX, &pt) < 0)
        return -1;
    s->api_version = (int)api;
    s->preferred_target = (uint32_t)pt;

    if (cm_jin_member(j, o, "probe_ms", json_type_double, false, &v) < 0)
        return -1;
    if (v) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < 0)
            return cm_jin_fail_at(j, "probe_ms", "expected a finite duration >= 0, got %g", d);
        s->probe_ms = d;
    }

    if (cm_jin_member(j, o, "vcpu_features", json_type_int, false, &v) < 0)
        return -1;
    if (v) {
        int64_t f = 0;
        if (cm_jin_int(j, o, "vcpu_features", true, 0, UINT32_MAX, &f) < 0)
            return -1;
        s->has_vcpu_features = true;
        s->vcpu_features = (uint32_t)f;
    }
    return 0;
}

/* Calls fn for each element of the optional array member `key`, with the path at "key[i]". */
typedef int (*elem_fn)(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s);
static int each(struct cm_jin *j, const struct json_object *o, const char *key, enum json_type etype, elem_fn fn,
                struct cm_snapshot *s)
{
    struct json_object *a;
    if (cm_jin_member(j, o, key, json_type_array, false, &a) < 0)
        return -1;
    if (!a)
        return 0;
    size_t m = cm_jin_key(j, key);
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        size_t mi = cm_jin_idx(j, i);
        const struct json_object *e = json_object_array_get_idx(a, i);
        enum json_type t = json_object_get_type(e);
        if (t != etype) {
            cm_jin_fail(j, "expected %s, got %s", etype == json_type_object ? "an object" : "a string",
                        cm_json_type_name(t));
            return -1;
        }
        if (fn(j, e, s) < 0)
            return -1;
        cm_jin_pop(j, mi);
    }
    cm_jin_pop(j, m);
    return 0;
}

int cm_snap_put_cap(struct cm_jin *j, struct cm_snapshot *s, int64_t id, int64_t sys, bool has_vm, int64_t vm)
{
    if (cm_snapshot_find_cap(s, (uint32_t)id))
        return cm_jin_fail_at(j, "id", "duplicate capability %lld", (long long)id);
    cm_snapshot_add_cap(s, (uint32_t)id, sys, has_vm, vm);
    return 0;
}

static int read_cap(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    int64_t id = 0, sys = 0, vm = 0;
    struct json_object *v;
    if (cm_jin_int(j, e, "id", true, 0, UINT32_MAX, &id) < 0 ||
        cm_jin_int(j, e, "sys", true, INT64_MIN, INT64_MAX, &sys) < 0 ||
        cm_jin_member(j, e, "vm", json_type_int, false, &v) < 0 ||
        cm_jin_int(j, e, "vm", false, INT64_MIN, INT64_MAX, &vm) < 0)
        return -1;
    return cm_snap_put_cap(j, s, id, sys, v != NULL, vm);
}

uint32_t cm_snap_reg_flag(const char *name)
{
    for (size_t k = 0; k < CM_ARRAY_SIZE(reg_flag_names); k++)
        if (!strcmp(name, reg_flag_names[k].name))
            return reg_flag_names[k].flag;
    return 0;
}

static int read_reg_flags(struct cm_jin *j, const struct json_object *e, uint32_t *flags)
{
    struct json_object *a;
    *flags = 0;
    if (cm_jin_member(j, e, "flags", json_type_array, false, &a) < 0)
        return -1;
    if (!a)
        return 0;
    size_t m = cm_jin_key(j, "flags");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        size_t mi = cm_jin_idx(j, i);
        struct json_object *f = json_object_array_get_idx(a, i);
        if (!json_object_is_type(f, json_type_string))
            return cm_jin_fail(j, "expected a flag name string, got %s", cm_json_type_name(json_object_get_type(f)));
        uint32_t flag = cm_snap_reg_flag(json_object_get_string(f));
        if (!flag)
            return cm_jin_fail(j, "unknown register flag \"%.40s\" (expected volatile or novalue)",
                               json_object_get_string(f));
        *flags |= flag;
        cm_jin_pop(j, mi);
    }
    cm_jin_pop(j, m);
    return 0;
}

/* The checks on a register id, before its value is looked at. */
int cm_snap_check_reg_id(struct cm_jin *j, const struct cm_snapshot *s, uint64_t id)
{
    if ((id & CM_REG_ARCH_MASK) != cm_arch_reg_prefix(s->arch))
        return cm_jin_fail_at(j, "id", "0x%016" PRIx64 " is not an %s register id (top byte must be 0x%02x)", id,
                              cm_arch_name(s->arch), (unsigned)(cm_arch_reg_prefix(s->arch) >> 56));
    unsigned sz = (unsigned)((id & CM_REG_SIZE_MASK) >> CM_REG_SIZE_SHIFT);
    if (sz > MAX_REG_SIZE_FIELD)
        return cm_jin_fail_at(j, "id", "0x%016" PRIx64 ": size field %u is beyond U2048", id, sz);

    /* checked here, not only in cm_snapshot_add_reg, so that unsorted input
     * also gets the place of the second occurrence */
    if (cm_snapshot_find_reg(s, id))
        return cm_jin_fail_at(j, "id", "duplicate register 0x%016" PRIx64, id);
    return 0;
}

int cm_snap_put_reg(struct cm_jin *j, struct cm_snapshot *s, uint64_t id, uint32_t flags, const char *value)
{
    size_t nw = cm_reg_words(id);
    uint64_t one[1], *words = nw > 1 ? cm_xcalloc(nw, sizeof(uint64_t)) : one;
    int r = 0;
    if (!value) {
        if (!(flags & CM_REGF_NOVALUE))
            r = cm_jin_fail_at(j, "value", "null, but flags do not include \"novalue\"");
        memset(words, 0, nw * sizeof(uint64_t));
    } else if (flags & CM_REGF_NOVALUE) {
        r = cm_jin_fail_at(j, "value", "must be null for a \"novalue\" register");
    } else {
        char why[200];
        if (cm_hex_parse(value, words, nw, (unsigned)cm_reg_bytes(id) * 8, why, sizeof(why)) < 0)
            r = cm_jin_fail_at(j, "value", "register 0x%016" PRIx64 ": %s", id, why);
    }
    if (r == 0 && cm_snapshot_add_reg(s, id, words, flags, j->err) < 0)
        r = cm_jin_fail_at(j, "id", "duplicate register 0x%016" PRIx64, id);
    if (words != one)
        free(words);
    return r;
}

static int read_reg(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t id = 0;
    uint32_t flags = 0;
    if (cm_jin_hex(j, e, "id", true, 64, &id) < 0 || read_reg_flags(j, e, &flags) < 0 ||
        cm_snap_check_reg_id(j, s, id) < 0)
        return -1;

    struct json_object *v = NULL;
    if (!json_object_object_get_ex(e, "value", &v))
        return cm_jin_fail_at(j, "value", "missing (a hex string, or null for a register without value)");
    /* the novalue rule speaks first: "must be null" for any non-null value */
    if (v && !(flags & CM_REGF_NOVALUE) && !json_object_is_type(v, json_type_string))
        return cm_jin_fail_at(j, "value", "expected a hex string, got %s", cm_json_type_name(json_object_get_type(v)));
    return cm_snap_put_reg(j, s, id, flags, v ? json_object_get_string(v) : NULL);
}

static bool cpuid_dup(const struct cm_cpuid_entry *t, size_t n, const struct cm_cpuid_entry *e)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].function == e->function && t[i].index == e->index)
            return true;
    return false;
}

static int read_cpuid_entry(struct cm_jin *j, const struct json_object *e, struct cm_cpuid_entry *c)
{
    uint64_t f = 0, idx = 0, a = 0, b = 0, cx = 0, d = 0;
    int64_t fl = 0;
    if (cm_jin_hex(j, e, "function", true, 32, &f) < 0 || cm_jin_hex(j, e, "index", true, 32, &idx) < 0 ||
        cm_jin_int(j, e, "flags", true, 0, UINT32_MAX, &fl) < 0 || cm_jin_hex(j, e, "eax", true, 32, &a) < 0 ||
        cm_jin_hex(j, e, "ebx", true, 32, &b) < 0 || cm_jin_hex(j, e, "ecx", true, 32, &cx) < 0 ||
        cm_jin_hex(j, e, "edx", true, 32, &d) < 0)
        return -1;
    *c = (struct cm_cpuid_entry){.function = (uint32_t)f, .index = (uint32_t)idx, .flags = (uint32_t)fl,
                                 .eax = (uint32_t)a, .ebx = (uint32_t)b, .ecx = (uint32_t)cx, .edx = (uint32_t)d};
    return 0;
}

int cm_snap_put_cpuid(struct cm_jin *j, struct cm_snapshot *s, bool emulated, const struct cm_cpuid_entry *c)
{
    if (emulated ? cpuid_dup(s->cpuid_emulated, s->ncpuid_emulated, c) : cpuid_dup(s->cpuid, s->ncpuid, c))
        return cm_jin_fail(j, "duplicate CPUID entry function 0x%x index 0x%x", c->function, c->index);
    if (emulated)
        cm_snapshot_add_cpuid_emulated(s, c);
    else
        cm_snapshot_add_cpuid(s, c);
    return 0;
}

static int read_cpuid(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    struct cm_cpuid_entry c;
    if (read_cpuid_entry(j, e, &c) < 0)
        return -1;
    return cm_snap_put_cpuid(j, s, false, &c);
}

static int read_cpuid_emulated(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    struct cm_cpuid_entry c;
    if (read_cpuid_entry(j, e, &c) < 0)
        return -1;
    return cm_snap_put_cpuid(j, s, true, &c);
}

int cm_snap_put_msr(struct cm_jin *j, struct cm_snapshot *s, uint64_t idx, uint64_t val)
{
    if (cm_snapshot_find_msr(s, (uint32_t)idx))
        return cm_jin_fail_at(j, "index", "duplicate MSR 0x%x", (unsigned)idx);
    cm_snapshot_add_msr(s, (uint32_t)idx, val);
    return 0;
}

static int read_msr(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t idx = 0, val = 0;
    if (cm_jin_hex(j, e, "index", true, 32, &idx) < 0 || cm_jin_hex(j, e, "value", true, 64, &val) < 0)
        return -1;
    return cm_snap_put_msr(j, s, idx, val);
}

int cm_snap_put_msr_index(struct cm_jin *j, struct cm_snapshot *s, uint64_t idx)
{
    for (size_t i = 0; i < s->nmsr_index_list; i++)
        if (s->msr_index_list[i] == idx)
            return cm_jin_fail(j, "duplicate MSR index 0x%x", (unsigned)idx);
    cm_snapshot_add_msr_index(s, (uint32_t)idx);
    return 0;
}

static int read_msr_index(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    uint64_t idx = 0;
    if (cm_jin_hex_value(j, e, 32, &idx) < 0)
        return -1;
    return cm_snap_put_msr_index(j, s, idx);
}

static int read_member(struct cm_jin *j, const struct json_object *e, struct cm_snapshot *s)
{
    const char *name = json_object_get_string((struct json_object *)e);
    if (strlen(name) != (size_t)json_object_get_string_len(e))
        return cm_jin_fail(j, "member name contains a NUL character");
    cm_snapshot_add_member(s, name);
    return 0;
}

static int read_masks(struct cm_jin *j, const struct json_object *o, struct cm_snapshot *s)
{
    struct json_object *a;
    if (cm_jin_member(j, o, "writable_masks", json_type_array, false, &a) < 0)
        return -1;
    if (!a)
        return 0;
    size_t n = json_object_array_length(a);
    if (n != CM_ARM64_MASKS_LEN)
        return cm_jin_fail_at(j, "writable_masks", "expected %d entries (KVM_ARM_GET_REG_WRITABLE_MASKS), got %zu",
                              CM_ARM64_MASKS_LEN, n);
    s->writable_masks = cm_xcalloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
    size_t m = cm_jin_key(j, "writable_masks");
    for (size_t i = 0; i < n; i++) {
        size_t mi = cm_jin_idx(j, i);
        if (cm_jin_hex_value(j, json_object_array_get_idx(a, i), 64, &s->writable_masks[i]) < 0)
            return -1;
        cm_jin_pop(j, mi);
    }
    cm_jin_pop(j, m);
    return 0;
}

int cm_snap_put_fact(struct cm_jin *j, struct cm_snapshot *s, const char *name, uint64_t val)
{
    cm_error ferr = {0};
    if (cm_snapshot_add_fact(s, name, val, &ferr) < 0)
        return cm_jin_fail(j, "%s", ferr.msg);
    return 0;
}

/* "facts": {"name": "0x…"}: names [a-z0-9_.]+, values 64-bit hex strings. */
static int read_facts(struct cm_jin *j, const struct json_object *o, struct cm_snapshot *s)
{
    struct json_object *f;
    if (cm_jin_member(j, o, "facts", json_type_object, false, &f) < 0)
        return -1;
    if (!f)
        return 0;
    size_t m = cm_jin_key(j, "facts");
    json_object_object_foreach(f, name, v)
    {
        if (!cm_fact_name_valid(name))
            return cm_jin_fail(j, "fact name \"%.64s\" is not [a-z0-9_.]+", name);
        size_t mk = cm_jin_key(j, name);
        uint64_t val = 0;
        if (cm_jin_hex_value(j, v, 64, &val) < 0 || cm_snap_put_fact(j, s, name, val) < 0)
            return -1;
        cm_jin_pop(j, mk);
    }
    cm_jin_pop(j, m);
    return 0;
}

/* A digest that does not match the content means the file was edited or
 * mixed up: never let it name a different model. */
static int check_digest(struct cm_jin *j, const struct cm_snapshot *s)
{
    if (!cm_digest_valid(s->digest))
        return cm_jin_fail_at(j, "digest", "expected \"sha256:\" and 64 lowercase hex digits, got \"%.80s\"",
                              s->digest);
    char d[CM_DIGEST_LEN];
    cm_error derr = {0};
    if (cm_snapshot_digest(s, d, &derr) < 0)
        return cm_jin_fail_at(j, "digest", "cannot verify: %s", derr.msg);
    if (strcmp(d, s->digest))
        return cm_jin_fail_at(j, "digest", "%s does not match the content (which gives %s): the model was edited or "
                              "is not the one named", s->digest, d);
    return 0;
}

int cm_snap_finish(struct cm_jin *j, struct cm_snapshot *s)
{
    cm_error ferr = {0};
    if (cm_snapshot_finish(s, &ferr) < 0)
        return cm_jin_fail_at(j, "registers", "%s", ferr.msg);
    if (s->digest && check_digest(j, s) < 0)
        return -1;
    return 0;
}

int cm_snapshot_from_json_at(const struct json_object *o, const char *what, const char *prefix,
                             struct cm_snapshot **out, cm_error *err)
{
    struct cm_jin j;
    *out = NULL;
    cm_jin_init(&j, what, prefix, err);
    if (!o || !json_object_is_type(o, json_type_object))
        return cm_jin_fail(&j, "expected a snapshot object, got %s",
                           o ? cm_json_type_name(json_object_get_type(o)) : "nothing");

    _cleanup_snapshot_ struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_UNKNOWN);
    if (read_header(&j, o, s) < 0 || each(&j, o, "capabilities", json_type_object, read_cap, s) < 0 ||
        each(&j, o, "registers", json_type_object, read_reg, s) < 0 || read_masks(&j, o, s) < 0 ||
        each(&j, o, "cpuid", json_type_object, read_cpuid, s) < 0 ||
        each(&j, o, "cpuid_emulated", json_type_object, read_cpuid_emulated, s) < 0 ||
        each(&j, o, "msrs", json_type_object, read_msr, s) < 0 ||
        each(&j, o, "msr_index_list", json_type_string, read_msr_index, s) < 0 ||
        each(&j, o, "members", json_type_string, read_member, s) < 0 || read_facts(&j, o, s) < 0)
        return -1;
    if (cm_snap_finish(&j, s) < 0)
        return -1;
    *out = s;
    s = NULL;
    return 0;
}

int cm_snapshot_from_json(const struct json_object *o, const char *what, struct cm_snapshot **out, cm_error *err)
{
    return cm_snapshot_from_json_at(o, what, "", out, err);
}

int cm_snapshot_parse(const char *text, size_t len, const char *what, struct cm_snapshot **out, cm_error *err)
{
    struct json_object *o = NULL;
    *out = NULL;
    if (cm_json_parse_text(text, len, what, &o, err) < 0)
        return -1;
    int r = cm_snapshot_from_json(o, what, out, err);
    json_object_put(o);
    return r;
}

/* ---- saving -------------------------------------------------------------- */

/* Atomic replace (cm_write_atomic): a reader sees the old file or the new
 * one, never a part; the new content is on disk once we return 0. */
int cm_snapshot_save(const struct cm_snapshot *s, const char *path, cm_error *err)
{
    _cleanup_free_ char *txt = NULL;
    if (cm_snapshot_to_json_string(s, &txt) < 0)
        return cm_fail(err, CM_E_NOMEM, "%s: cannot serialise the snapshot", path);
    return cm_write_atomic(path, txt, strlen(txt), 0644, true, err);
}
