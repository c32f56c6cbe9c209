/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A scanner for snapshot files in the layout this project writes, filling the
 * snapshot straight from the text, without building a json-c tree.
 *
 * Why not json-c alone: loading 10,000 snapshot files spent three quarters of
 * its time building and freeing json-c trees (an object, a hash table and a
 * strdup'd key per member, ~1,000 members a file) and the heap fragmentation
 * they leave behind (bench/README.md, "End to end").  Why not a private JSON
 * parser instead of json-c: this is not one.  It takes only the shape
 * cm_snapshot_to_json_string writes (known keys, plain ASCII strings without
 * escapes, integers of at most 18 digits, no nulls but a register's value,
 * no duplicate keys) and *declines* anything else, after which the caller
 * reads the same text with json-c as before.  So every refusal, and every
 * error message, still comes from the json-c path; the scanner only needs to
 * never accept what that path refuses and to build the same snapshot when
 * both accept — checked over every fixture and mutations of them by
 * tests/unit/test_snapshot_scan.c and fuzz/fuzz_snapshot_scan.c.  The value
 * checks (register ids, widths, duplicates, the digest) are the json-c
 * reader's own functions (cm_snap_put_*), not copies.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_in.h"
#include "cpumodel/snapshot.h"

struct scan {
    char *p, *end;
    struct cm_jin j; /* errors from the shared checks go to a scratch error: any error is a decline */
    cm_error err;
};

/* Declining is an ordinary outcome (return 0 through every level). */
#define TRY(x)                                                                                                        \
    do {                                                                                                              \
        if (!(x))                                                                                                     \
            return false;                                                                                             \
    } while (0)

/* Bytes that may end a number or a literal (a NUL is never one: it is refused). */
static bool ends_token(const struct scan *c, const char *q)
{
    return q == c->end || (*q && strchr(" \n\t\r,]}", *q));
}

static void ws(struct scan *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static bool lit(struct scan *c, char ch)
{
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool peek(struct scan *c, char ch)
{
    ws(c);
    return c->p < c->end && *c->p == ch;
}

/* A string of printable ASCII without escapes, cut in place at its closing quote. */
static bool str(struct scan *c, char **out)
{
    TRY(lit(c, '"'));
    char *s = c->p;
    for (; c->p < c->end && *c->p != '"'; c->p++) {
        unsigned char b = (unsigned char)*c->p;
        TRY(b >= 0x20 && b < 0x7f && b != '\\');
    }
    TRY(c->p < c->end);
    *c->p++ = '\0';
    *out = s;
    return true;
}

static bool word(struct scan *c, const char *w)
{
    ws(c);
    size_t n = strlen(w);
    TRY((size_t)(c->end - c->p) >= n && !memcmp(c->p, w, n));
    c->p += n;
    /* "nullx" is not null: the next byte must end the token */
    TRY(ends_token(c, c->p));
    return true;
}

/* -?(0|[1-9][0-9]{0,17}): what fits int64 for sure; anything else declines. */
static bool int64(struct scan *c, int64_t min, int64_t max, int64_t *out)
{
    ws(c);
    bool neg = c->p < c->end && *c->p == '-';
    char *d = c->p + neg;
    int64_t v = 0;
    int n = 0;
    /* at most 18 digits are accumulated (< 10^18, no overflow); a 19th digit
     * is not a token end, so ends_token declines the literal */
    while (d + n < c->end && d[n] >= '0' && d[n] <= '9' && n < 18)
        v = v * 10 + (d[n] - '0'), n++;
    TRY(n >= 1 && !(d[0] == '0' && (n > 1 || neg)));
    TRY(ends_token(c, d + n));
    c->p = d + n;
    v = neg ? -v : v;
    TRY(v >= min && v <= max);
    *out = v;
    return true;
}

/* A JSON number read as json-c reads it: an integer literal as an int64, a
 * fraction or exponent with strtod (json-c's own conversion). */
static bool number(struct scan *c, double *out)
{
    ws(c);
    char *s = c->p, *q = s;
    if (q < c->end && *q == '-')
        q++;
    TRY(q < c->end && *q >= '0' && *q <= '9');
    if (*q == '0')
        q++;
    else
        while (q < c->end && *q >= '0' && *q <= '9')
            q++;
    bool frac = false;
    if (q < c->end && *q == '.') {
        frac = true;
        TRY(++q < c->end && *q >= '0' && *q <= '9');
        while (q < c->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < c->end && (*q == 'e' || *q == 'E')) {
        frac = true;
        if (++q < c->end && (*q == '+' || *q == '-'))
            q++;
        TRY(q < c->end && *q >= '0' && *q <= '9');
        while (q < c->end && *q >= '0' && *q <= '9')
            q++;
    }
    TRY(q - s <= 32 && ends_token(c, q));
    if (!frac) {
        int64_t v;
        TRY(int64(c, INT64_MIN, INT64_MAX, &v));
        *out = (double)v;
        return true;
    }
    char buf[40];
    memcpy(buf, s, (size_t)(q - s));
    buf[q - s] = '\0';
    *out = strtod(buf, NULL);
    c->p = q;
    return true;
}

static bool hex(struct scan *c, unsigned bits, uint64_t *out)
{
    char *s, why[200];
    TRY(str(c, &s));
    return cm_hex_parse(s, out, 1, bits, why, sizeof(why)) == 0;
}

/* Members of an object: obj_next() is true before each member (with its
 * key read, and the colon), false at the closing brace (*done) or on a decline. */
static bool obj_next(struct scan *c, size_t i, char **key, bool *done)
{
    if (lit(c, '}')) {
        *done = true;
        return false;
    }
    if (i)
        TRY(lit(c, ','));
    return str(c, key) && lit(c, ':');
}

/* Elements of an array (after its '['): the same for each element. */
static bool arr_next(struct scan *c, size_t i, bool *done)
{
    if (lit(c, ']')) {
        *done = true;
        return false;
    }
    return !i || lit(c, ',');
}

/* Key -> its index in keys[] (-1 if unknown).  The keys come in the order
 * we write them, so the one after the previous match is tried first. */
static int key_bit(const char *key, const char *const *keys, size_t n, int *last)
{
    size_t guess = (size_t)(*last + 1) % n;
    if (!strcmp(key, keys[guess]))
        return *last = (int)guess;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(key, keys[i]))
            return *last = (int)i;
    return -1;
}

static bool once(unsigned *seen, int bit)
{
    TRY(bit >= 0 && !(*seen & (1u << bit)));
    *seen |= 1u << bit;
    return true;
}

static bool cap(struct scan *c, struct cm_snapshot *s)
{
    static const char *const keys[] = {"id", "sys", "vm"};
    int64_t v[3] = {0};
    int64_t lim[3][2] = {{0, UINT32_MAX}, {INT64_MIN, INT64_MAX}, {INT64_MIN, INT64_MAX}};
    unsigned seen = 0;
    int last = -1;
    char *key;
    bool done = false;
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        int b = key_bit(key, keys, 3, &last);
        TRY(once(&seen, b) && int64(c, lim[b][0], lim[b][1], &v[b]));
    }
    TRY(done && (seen & 3) == 3);
    return cm_snap_put_cap(&c->j, s, v[0], v[1], seen & 4, v[2]) == 0;
}

static bool reg(struct scan *c, struct cm_snapshot *s)
{
    static const char *const keys[] = {"id", "name", "value", "flags"};
    uint64_t id = 0;
    uint32_t flags = 0;
    char *value = NULL, *name;
    unsigned seen = 0;
    int last = -1;
    char *key;
    bool done = false;
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        int b = key_bit(key, keys, 4, &last);
        TRY(once(&seen, b));
        switch (b) {
        case 0: TRY(hex(c, 64, &id)); break;
        case 1: TRY(str(c, &name)); break; /* for people; the id is the register */
        case 2:
            if (peek(c, 'n'))
                TRY(word(c, "null"));
            else
                TRY(str(c, &value));
            break;
        case 3: {
            bool end = false;
            TRY(lit(c, '['));
            for (size_t i = 0; arr_next(c, i, &end); i++) {
                char *f;
                TRY(str(c, &f));
                uint32_t flag = cm_snap_reg_flag(f);
                TRY(flag);
                flags |= flag;
            }
            TRY(end);
            break;
        }
        }
    }
    TRY(done && (seen & 1) && (seen & 4));
    return cm_snap_check_reg_id(&c->j, s, id) == 0 && cm_snap_put_reg(&c->j, s, id, flags, value) == 0;
}

static bool cpuid(struct scan *c, struct cm_snapshot *s, bool emulated)
{
    static const char *const keys[] = {"function", "index", "flags", "eax", "ebx", "ecx", "edx"};
    uint64_t v[7] = {0};
    unsigned seen = 0;
    int last = -1;
    char *key;
    bool done = false;
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        int b = key_bit(key, keys, 7, &last);
        TRY(once(&seen, b));
        if (b == 2) {
            int64_t fl;
            TRY(int64(c, 0, UINT32_MAX, &fl));
            v[2] = (uint64_t)fl;
        } else {
            TRY(hex(c, 32, &v[b]));
        }
    }
    TRY(done && seen == 0x7f);
    struct cm_cpuid_entry e = {.function = (uint32_t)v[0], .index = (uint32_t)v[1], .flags = (uint32_t)v[2],
                               .eax = (uint32_t)v[3], .ebx = (uint32_t)v[4], .ecx = (uint32_t)v[5],
                               .edx = (uint32_t)v[6]};
    return cm_snap_put_cpuid(&c->j, s, emulated, &e) == 0;
}

static bool msr(struct scan *c, struct cm_snapshot *s)
{
    static const char *const keys[] = {"index", "value"};
    static const unsigned bits[] = {32, 64};
    uint64_t v[2] = {0};
    unsigned seen = 0;
    int last = -1;
    char *key;
    bool done = false;
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        int b = key_bit(key, keys, 2, &last);
        TRY(once(&seen, b) && hex(c, bits[b], &v[b]));
    }
    TRY(done && seen == 3);
    return cm_snap_put_msr(&c->j, s, v[0], v[1]) == 0;
}

static bool facts(struct scan *c, struct cm_snapshot *s)
{
    char *key;
    bool done = false;
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        uint64_t v;
        /* a name given twice: json-c keeps one, add_fact refuses the second: decline */
        TRY(cm_fact_name_valid(key) && hex(c, 64, &v) && cm_snap_put_fact(&c->j, s, key, v) == 0);
    }
    return done;
}

enum top {
    T_SCHEMA, T_ARCH, T_KIND, T_HOST, T_KERNEL, T_API, T_CPU, T_MICROCODE, T_BIOS, T_SOURCE, T_CREATED, T_DIGEST,
    T_PROBE_MS, T_PARTIAL, T_CAPS, T_VCPU_FEATURES, T_PREFERRED_TARGET, T_REGISTERS, T_MASKS, T_CPUID,
    T_CPUID_EMULATED, T_MSRS, T_MSR_INDEX_LIST, T_MEMBERS, T_FACTS, T_COUNT
};
static const char *const top_keys[T_COUNT] = {
    [T_SCHEMA] = "schema", [T_ARCH] = "arch", [T_KIND] = "kind", [T_HOST] = "host", [T_KERNEL] = "kernel",
    [T_API] = "api_version", [T_CPU] = "cpu", [T_MICROCODE] = "microcode", [T_BIOS] = "bios",
    [T_SOURCE] = "source", [T_CREATED] = "created", [T_DIGEST] = "digest", [T_PROBE_MS] = "probe_ms",
    [T_PARTIAL] = "partial", [T_CAPS] = "capabilities", [T_VCPU_FEATURES] = "vcpu_features",
    [T_PREFERRED_TARGET] = "preferred_target", [T_REGISTERS] = "registers", [T_MASKS] = "writable_masks",
    [T_CPUID] = "cpuid", [T_CPUID_EMULATED] = "cpuid_emulated", [T_MSRS] = "msrs",
    [T_MSR_INDEX_LIST] = "msr_index_list", [T_MEMBERS] = "members", [T_FACTS] = "facts",
};

static bool set_str(struct scan *c, char **field)
{
    char *v;
    TRY(str(c, &v));
    cm_snapshot_set_str(field, v);
    return true;
}

/* How many elements the array starting at c->p ('[' after blanks) has, by
 * brackets and commas at its top level, skipping strings: the tables are
 * sized once instead of growing by doubling (a realloc per doubling was a
 * fifth of the load time).  Only a size hint: a malformed text gets some
 * count and is then declined by the real scan. */
static size_t count_elements(const struct scan *c)
{
    const char *q = c->p;
    while (q < c->end && *q != '[')
        q++;
    size_t n = 0, depth = 0;
    bool any = false; /* an element at all: "[ ]" has none */
    for (; q < c->end; q++) {
        switch (*q) {
        case '"':
            any = true;
            q = memchr(q + 1, '"', (size_t)(c->end - q - 1));
            if (!q)
                return n;
            break;
        case '[':
        case '{':
            any |= depth > 0;
            depth++;
            break;
        case ']':
        case '}':
            if (--depth == 0)
                return any ? n + 1 : 0;
            break;
        case ',': n += depth == 1; break;
        case ' ': case '\n': case '\t': case '\r': break;
        default: any = true;
        }
    }
    return n;
}

static bool top_member(struct scan *c, struct cm_snapshot *s, int k, unsigned seen)
{
    char *v;
    int64_t i;
    switch (k) {
    case T_SCHEMA: TRY(str(c, &v) && !strcmp(v, CM_SNAPSHOT_SCHEMA)); return true;
    case T_ARCH: {
        TRY(str(c, &v));
        int a = cm_snap_arch_index(v);
        TRY(a >= 0);
        s->arch = (enum cm_arch)a;
        return true;
    }
    case T_KIND: {
        TRY(str(c, &v));
        int a = cm_snap_kind_index(v);
        TRY(a >= 0);
        s->kind = (enum cm_snapshot_kind)a;
        return true;
    }
    case T_HOST: return set_str(c, &s->host);
    case T_KERNEL: return set_str(c, &s->kernel);
    case T_CPU: return set_str(c, &s->cpu);
    case T_MICROCODE: return set_str(c, &s->microcode);
    case T_BIOS: return set_str(c, &s->bios);
    case T_SOURCE: return set_str(c, &s->source);
    case T_CREATED: return set_str(c, &s->created);
    case T_DIGEST: return set_str(c, &s->digest);
    case T_API: TRY(int64(c, 0, INT32_MAX, &i)); s->api_version = (int)i; return true;
    case T_PREFERRED_TARGET: TRY(int64(c, 0, UINT32_MAX, &i)); s->preferred_target = (uint32_t)i; return true;
    case T_VCPU_FEATURES:
        TRY(int64(c, 0, UINT32_MAX, &i));
        s->has_vcpu_features = true;
        s->vcpu_features = (uint32_t)i;
        return true;
    case T_PROBE_MS: {
        double d;
        TRY(number(c, &d) && isfinite(d) && d >= 0);
        s->probe_ms = d;
        return true;
    }
    case T_PARTIAL:
        if (peek(c, 't')) {
            TRY(word(c, "true"));
            s->partial = true;
        } else {
            TRY(word(c, "false"));
            s->partial = false;
        }
        return true;
    case T_FACTS: return facts(c, s);
    case T_MASKS: {
        s->writable_masks = cm_xcalloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
        size_t n = 0;
        bool end = false;
        TRY(lit(c, '['));
        for (; arr_next(c, n, &end); n++)
            TRY(n < CM_ARM64_MASKS_LEN && hex(c, 64, &s->writable_masks[n]));
        return end && n == CM_ARM64_MASKS_LEN;
    }
    default: break;
    }
    /* the arrays: registers are checked against the arch, which must come first */
    TRY(k != T_REGISTERS || (seen & (1u << T_ARCH)));
    size_t n = count_elements(c);
    switch (k) {
    case T_REGISTERS:
        cm_grow(&s->regs, &s->cap_regs, n, sizeof(*s->regs));
        cm_grow(&s->words, &s->cap_words, n + n / 4, sizeof(*s->words)); /* a few registers are wider */
        break;
    case T_CAPS: cm_grow(&s->caps, &s->cap_caps, n, sizeof(*s->caps)); break;
    case T_CPUID: cm_grow(&s->cpuid, &s->cap_cpuid, n, sizeof(*s->cpuid)); break;
    case T_CPUID_EMULATED: cm_grow(&s->cpuid_emulated, &s->cap_cpuid_emulated, n, sizeof(*s->cpuid_emulated)); break;
    case T_MSRS: cm_grow(&s->msrs, &s->cap_msrs, n, sizeof(*s->msrs)); break;
    default: break;
    }
    bool end = false;
    TRY(lit(c, '['));
    for (size_t e = 0; arr_next(c, e, &end); e++) {
        uint64_t x;
        switch (k) {
        case T_CAPS: TRY(cap(c, s)); break;
        case T_REGISTERS: TRY(reg(c, s)); break;
        case T_CPUID: TRY(cpuid(c, s, false)); break;
        case T_CPUID_EMULATED: TRY(cpuid(c, s, true)); break;
        case T_MSRS: TRY(msr(c, s)); break;
        case T_MSR_INDEX_LIST: TRY(hex(c, 32, &x) && cm_snap_put_msr_index(&c->j, s, x) == 0); break;
        case T_MEMBERS: TRY(str(c, &v)); cm_snapshot_add_member(s, v); break;
        default: return false;
        }
    }
    return end;
}

static bool scan_top(struct scan *c, struct cm_snapshot *s)
{
    unsigned seen = 0;
    int last = -1;
    char *key;
    bool done = false;
    s->kind = CM_KIND_HOST; /* a snapshot without "kind" is a host's */
    TRY(lit(c, '{'));
    for (size_t m = 0; obj_next(c, m, &key, &done); m++) {
        int k = key_bit(key, top_keys, T_COUNT, &last);
        TRY(once(&seen, k) && top_member(c, s, k, seen));
    }
    TRY(done);
    ws(c);
    TRY(c->p == c->end); /* nothing after the object */
    TRY((seen & (1u << T_SCHEMA)) && (seen & (1u << T_ARCH)));
    return cm_snap_finish(&c->j, s) == 0 && cm_snap_has_content(s);
}

int cm_snapshot_scan(char *text, size_t len, struct cm_snapshot **out)
{
    struct scan c = {.p = text, .end = text + len};
    *out = NULL;
    cm_jin_init(&c.j, NULL, "", &c.err);
    struct cm_snapshot *s = cm_snapshot_new(CM_ARCH_UNKNOWN);
    if (!scan_top(&c, s)) {
        cm_snapshot_free(s);
        /* Put the text back as it was for json-c: every NUL before the
         * place reached is a cut made here (a NUL in the input stops the
         * scan where it stands), and each was a closing quote. */
        for (char *q = text; q < c.p && q < c.end; q++)
            if (!*q)
                *q = '"';
        return 0;
    }
    *out = s;
    return 1;
}
