/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict JSON input helpers: typed members, hex values, parse errors with positions. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/json_in.h"
#include "cpumodel/util.h"

void cm_jin_init(struct cm_jin *j, const char *what, const char *prefix, cm_error *err)
{
    j->what = what ? what : "(input)";
    j->err = err;
    j->path[0] = '\0';
    j->len = 0;
    if (prefix && *prefix) {
        snprintf(j->path, sizeof(j->path), "%s", prefix);
        j->len = strlen(j->path);
    }
}

/* Appends n bytes of p to the path (truncated at the end: a truncated path
 * still points near the place); returns the mark to pop back to.  Done by
 * hand, not with snprintf: the path follows every member read, and a
 * formatted print per member was a tenth of the time to load a snapshot. */
static size_t jin_put(struct cm_jin *j, const char *p, size_t n)
{
    size_t mark = j->len, room = sizeof(j->path) - 1 - j->len;
    if (n > room)
        n = room;
    memcpy(j->path + j->len, p, n);
    j->len += n;
    j->path[j->len] = '\0';
    return mark;
}

size_t cm_jin_key(struct cm_jin *j, const char *key)
{
    size_t mark = j->len;
    if (j->len)
        jin_put(j, ".", 1);
    jin_put(j, key, strlen(key));
    return mark;
}

size_t cm_jin_idx(struct cm_jin *j, size_t i)
{
    char buf[24], *p = buf + sizeof(buf);
    *--p = ']';
    do
        *--p = (char)('0' + i % 10);
    while (i /= 10);
    *--p = '[';
    return jin_put(j, p, (size_t)(buf + sizeof(buf) - p));
}

void cm_jin_pop(struct cm_jin *j, size_t mark)
{
    if (mark < sizeof(j->path)) {
        j->len = mark;
        j->path[mark] = '\0';
    }
}

static int jin_vfail(struct cm_jin *j, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static int jin_vfail(struct cm_jin *j, const char *fmt, va_list ap)
{
    char problem[768];
    vsnprintf(problem, sizeof(problem), fmt, ap);
    return cm_fail(j->err, CM_E_INPUT, "%s: %s: %s", j->what, j->len ? j->path : "(top level)", problem);
}

int cm_jin_fail(struct cm_jin *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = jin_vfail(j, fmt, ap);
    va_end(ap);
    return r;
}

int cm_jin_fail_at(struct cm_jin *j, const char *key, const char *fmt, ...)
{
    size_t m = cm_jin_key(j, key);
    va_list ap;
    va_start(ap, fmt);
    int r = jin_vfail(j, fmt, ap);
    va_end(ap);
    cm_jin_pop(j, m);
    return r;
}

const char *cm_json_type_name(enum json_type t)
{
    switch (t) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number with a fraction";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "something else";
}

int cm_jin_member(struct cm_jin *j, const struct json_object *o, const char *key, enum json_type type, bool required,
                  struct json_object **out)
{
    struct json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return cm_jin_fail_at(j, key, "missing (required: %s)", cm_json_type_name(type));
        return 0;
    }
    if (json_object_get_type(v) == json_type_null) {
        if (required)
            return cm_jin_fail_at(j, key, "expected %s, got null", cm_json_type_name(type));
        return 0; /* null = absent for optional members */
    }
    enum json_type t = json_object_get_type(v);
    /* an integer is a fine value for a number field */
    if (t != type && !(type == json_type_double && t == json_type_int))
        return cm_jin_fail_at(j, key, "expected %s, got %s",
                              type == json_type_double ? "a number" : cm_json_type_name(type), cm_json_type_name(t));
    *out = v;
    return 0;
}

int cm_jin_str(struct cm_jin *j, const struct json_object *o, const char *key, bool required, char **dst)
{
    struct json_object *v;
    if (cm_jin_member(j, o, key, json_type_string, required, &v) < 0)
        return -1;
    if (v) {
        const char *s = json_object_get_string(v);
        if (strlen(s) != (size_t)json_object_get_string_len(v))
            return cm_jin_fail_at(j, key, "string contains a NUL character");
        free(*dst);
        *dst = cm_xstrdup(s);
    }
    return 0;
}

int cm_jin_bool(struct cm_jin *j, const struct json_object *o, const char *key, bool *dst)
{
    struct json_object *v;
    if (cm_jin_member(j, o, key, json_type_boolean, false, &v) < 0)
        return -1;
    if (v)
        *dst = json_object_get_boolean(v);
    return 0;
}

int cm_jin_int_value(struct cm_jin *j, const struct json_object *v, int64_t min, int64_t max, int64_t *dst)
{
    if (!json_object_is_type(v, json_type_int))
        return cm_jin_fail(j, "expected an integer, got %s", cm_json_type_name(json_object_get_type(v)));
    int64_t x = json_object_get_int64(v);
    /* json-c clamps out-of-range literals to INT64_MIN/MAX; any field here is narrower */
    if (x < min || x > max)
        return cm_jin_fail(j, "%lld is out of range [%lld, %lld]", (long long)x, (long long)min, (long long)max);
    *dst = x;
    return 0;
}

int cm_jin_int(struct cm_jin *j, const struct json_object *o, const char *key, bool required, int64_t min,
               int64_t max, int64_t *dst)
{
    struct json_object *v;
    if (cm_jin_member(j, o, key, json_type_int, required, &v) < 0)
        return -1;
    if (!v)
        return 0;
    size_t m = cm_jin_key(j, key);
    int r = cm_jin_int_value(j, v, min, max, dst);
    cm_jin_pop(j, m);
    return r;
}

/* Digit value + 1, 0 for anything else (a table: hex strings are most of a snapshot's bytes). */
static const unsigned char hex_digit1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(char c)
{
    return (int)hex_digit1[(unsigned char)c] - 1;
}

int cm_hex_parse(const char *s, uint64_t *words, size_t nwords, unsigned bits, char *why, size_t whylen)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        snprintf(why, whylen, "\"%.40s\" is not a hex string (expected \"0x…\")", s);
        return -1;
    }
    const char *d = s + 2;
    size_t n = strlen(d);
    if (n == 0) {
        snprintf(why, whylen, "empty hex string \"%s\"", s);
        return -1;
    }
    /* The problem reported is the first one met reading left to right: a
     * digit that is not hex, or a set bit at or beyond `bits`.  The first
     * non-zero digit holds the highest set bit, so it alone decides the width. */
    size_t bad = n, first = n;
    for (size_t i = 0; i < n; i++) {
        int v = hexval(d[i]);
        if (v < 0) {
            bad = i;
            break;
        }
        if (v && first == n)
            first = i;
    }
    if (first < bad) {
        size_t k = n - 1 - first; /* digit `first` holds bits [4k, 4k+3] */
        unsigned top = 31 - (unsigned)__builtin_clz((unsigned)hexval(d[first]));
        if (4 * k + top >= bits) {
            snprintf(why, whylen, "value %.48s%s is wider than %u bits", s, strlen(s) > 48 ? "…" : "", bits);
            return -1;
        }
    }
    if (bad < n) {
        snprintf(why, whylen, "'%c' at position %zu of \"%.40s\" is not a hex digit", d[bad], bad + 2, s);
        return -1;
    }
    memset(words, 0, nwords * sizeof(*words));
    for (size_t i = first; i < n; i++) {
        size_t k = n - 1 - i;
        words[k / 16] |= (uint64_t)hexval(d[i]) << (4 * (k % 16));
    }
    return 0;
}

int cm_jin_hex_value(struct cm_jin *j, const struct json_object *v, unsigned bits, uint64_t *dst)
{
    char why[200];
    if (!json_object_is_type(v, json_type_string))
        return cm_jin_fail(j, "expected a hex string, got %s", cm_json_type_name(json_object_get_type(v)));
    uint64_t w[1];
    if (cm_hex_parse(json_object_get_string((struct json_object *)v), w, 1, bits, why, sizeof(why)) < 0)
        return cm_jin_fail(j, "%s", why);
    *dst = w[0];
    return 0;
}

int cm_jin_hex(struct cm_jin *j, const struct json_object *o, const char *key, bool required, unsigned bits,
               uint64_t *dst)
{
    struct json_object *v;
    if (cm_jin_member(j, o, key, json_type_string, required, &v) < 0)
        return -1;
    if (!v)
        return 0;
    size_t m = cm_jin_key(j, key);
    int r = cm_jin_hex_value(j, v, bits, dst);
    cm_jin_pop(j, m);
    return r;
}

char *cm_hex_format(const uint64_t *words, unsigned bits)
{
    unsigned ndig = bits < 4 ? 1 : bits / 4;
    char *s = cm_xmalloc(ndig + 3);
    s[0] = '0';
    s[1] = 'x';
    for (unsigned i = 0; i < ndig; i++) {
        unsigned k = ndig - 1 - i; /* nibble index from the least significant end */
        unsigned v = (unsigned)(words[k / 16] >> (4 * (k % 16))) & 0xf;
        s[2 + i] = "0123456789abcdef"[v];
    }
    s[ndig + 2] = '\0';
    return s;
}

int cm_json_parse_text(const char *text, size_t len, const char *what, struct json_object **out, cm_error *err)
{
    *out = NULL;
    if (!what)
        what = "(input)";
    if (len == 0)
        return cm_fail(err, CM_E_INPUT, "%s: empty input (0 bytes), expected a JSON object", what);
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return cm_fail(err, CM_E_INPUT, "%s: byte offset %zu: NUL byte in input, not a JSON text", what,
                       (size_t)(nul - text));
    if (len > INT32_MAX)
        return cm_fail(err, CM_E_INPUT, "%s: input too large (%zu bytes)", what, len);

    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return cm_fail(err, CM_E_NOMEM, "%s: cannot allocate a JSON parser", what);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (o && jerr == json_tokener_success && end == len && cm_json_has_nul(o)) {
        json_object_put(o);
        return cm_fail(err, CM_E_INPUT, "%s: a string holds a NUL character (\\u0000)", what);
    }
    if (o && jerr == json_tokener_success && end == len) {
        *out = o;
        return 0;
    }
    json_object_put(o);

    /* Position of the problem as line:column (1-based) for editors */
    size_t pos = end < len ? end : len;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    const char *problem;
    if (jerr == json_tokener_continue)
        problem = "unexpected end of input (truncated JSON?)";
    else if (jerr == json_tokener_success)
        problem = "trailing data after the JSON value";
    else
        problem = json_tokener_error_desc(jerr);
    return cm_fail(err, CM_E_INPUT, "%s: line %zu, column %zu (byte offset %zu): not valid JSON: %s", what, line,
                   col, pos, problem);
}
