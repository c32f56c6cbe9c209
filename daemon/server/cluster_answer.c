/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* etcd's answers without a network (cluster_answer.h).  Everything here
 * reads what a remote process sent: nothing is trusted to be present, of
 * the right type, base64, or under the prefix; what does not fit is
 * skipped, never guessed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_answer.h"

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ca_b64_encode(const char *in, size_t len)
{
    char *out = cm_xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        *o++ = b64chars[v >> 18 & 63];
        *o++ = b64chars[v >> 12 & 63];
        *o++ = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? b64chars[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *ca_b64_decode(const char *in, size_t *outlen)
{
    size_t n = strlen(in);
    char *out = cm_xmalloc(n / 4 * 3 + 4);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        const char *c = strchr(b64chars, in[i]);
        if (!c) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)(c - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

struct json_object *ca_get(struct json_object *o, const char *key)
{
    struct json_object *x;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &x) ? x : NULL;
}

int64_t ca_int(struct json_object *o, const char *key)
{
    struct json_object *x = ca_get(o, key);
    if (!x)
        return 0;
    if (json_object_is_type(x, json_type_string))
        return strtoll(json_object_get_string(x), NULL, 10);
    return json_object_is_type(x, json_type_int) ? json_object_get_int64(x) : 0;
}

static const char *ca_str(struct json_object *o, const char *key)
{
    struct json_object *x = ca_get(o, key);
    return x && json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
}

static struct json_object *parse(const char *data, size_t len)
{
    if (!len || len > INT32_MAX)
        return NULL;
    struct json_tokener *tok = json_tokener_new_ex(1024);
    struct json_object *o = json_tokener_parse_ex(tok, data, (int)len);
    if (o && json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

struct json_object *ca_parse_body(const char *data, size_t len, long status, char *msg, size_t msglen)
{
    struct json_object *reply = parse(data, len);
    if (status == 200 && reply && json_object_is_type(reply, json_type_object))
        return reply;
    const char *what = ca_str(reply, "message");
    snprintf(msg, msglen, "HTTP %ld: %s", status, what ? what : "no JSON reply");
    json_object_put(reply);
    return NULL;
}

struct json_object *ca_parse_line(const char *line, size_t len, char *msg, size_t msglen)
{
    struct json_object *o = parse(line, len), *e = ca_get(o, "error");
    if (o && json_object_is_type(o, json_type_object) && !e)
        return o;
    snprintf(msg, msglen, "stream: %s", e ? json_object_to_json_string(e) : "malformed object");
    json_object_put(o);
    return NULL;
}

int ca_apply_kv(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *kv, bool deleted,
                struct ca_kv_seen *seen)
{
    memset(seen, 0, sizeof(*seen));
    const char *k64 = ca_str(kv, "key");
    size_t klen, vlen = 0, plen = strlen(prefix);
    char *key = k64 ? ca_b64_decode(k64, &klen) : NULL;
    /* a key with a NUL inside, or outside the prefix, is not one of ours */
    if (!key || klen != strlen(key) || strncmp(key, prefix, plen)) {
        free(key);
        return 0;
    }
    _cleanup_free_ char *value = NULL;
    if (!deleted) {
        const char *v64 = ca_str(kv, "value");
        value = ca_b64_decode(v64 ? v64 : "", &vlen); /* an empty value is left out by the gateway */
        if (!value) {
            free(key);
            return 0;
        }
    }
    seen->key = key;
    seen->rel = key + plen;
    seen->mod_revision = ca_int(kv, "mod_revision");
    cm_error err = {0};
    if (cluster_view_apply(d, v, seen->rel, value, vlen, seen->mod_revision, &err) < 0)
        fprintf(stderr, "cpumodeld: registry key %s ignored: %s\n", key, err.msg);
    return 1;
}

static void strv_push(char ***v, size_t *n, size_t *cap, const char *s)
{
    cm_grow(v, cap, *n + 1, sizeof(char *));
    (*v)[(*n)++] = cm_xstrdup(s);
}

int ca_apply_range(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *reply,
                   struct ca_range *r)
{
    if (!r->revision)
        r->revision = ca_int(ca_get(reply, "header"), "revision");
    struct json_object *kvs = ca_get(reply, "kvs");
    size_t n = kvs && json_object_is_type(kvs, json_type_array) ? json_object_array_length(kvs) : 0;
    size_t before = r->nkeys;
    for (size_t i = 0; i < n; i++) {
        struct ca_kv_seen seen;
        if (!ca_apply_kv(d, v, prefix, json_object_array_get_idx(kvs, i), false, &seen))
            continue;
        r->nkeys++;
        if (!strncmp(seen.rel, "models/", 7))
            strv_push(&r->models, &r->nmodels, &r->cap, seen.rel + 7);
        free(r->last_key);
        r->last_key = seen.key;
    }
    struct json_object *more = ca_get(reply, "more");
    /* the next page starts after this page's last key: a page without one
     * of ours cannot say where, and must not ask for itself again */
    r->more = more && json_object_get_boolean(more) && r->nkeys > before;
    return 0;
}

void ca_range_clear(struct ca_range *r)
{
    for (size_t i = 0; i < r->nmodels; i++)
        free(r->models[i]);
    free(r->models);
    free(r->last_key);
    memset(r, 0, sizeof(*r));
}

int ca_apply_watch(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *obj,
                   struct ca_watch *w)
{
    struct json_object *r = ca_get(obj, "result");
    w->kind = CA_WATCH_OTHER;
    if (!r || !json_object_is_type(r, json_type_object))
        return 0;
    w->revision = ca_int(ca_get(r, "header"), "revision");
    struct json_object *b = ca_get(r, "canceled");
    if (b && json_object_get_boolean(b)) {
        w->kind = CA_WATCH_CANCELED;
        w->compact_revision = ca_int(r, "compact_revision");
        return 0;
    }
    struct json_object *events = ca_get(r, "events");
    size_t n = events && json_object_is_type(events, json_type_array) ? json_object_array_length(events) : 0;
    if (!n) {
        b = ca_get(r, "created");
        w->kind = b && json_object_get_boolean(b) ? CA_WATCH_CREATED : CA_WATCH_PROGRESS;
        return 0;
    }
    w->kind = CA_WATCH_EVENTS;
    int64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(events, i);
        const char *type = ca_str(e, "type");
        bool deleted = type && !strcmp(type, "DELETE");
        struct ca_kv_seen seen;
        if (!ca_apply_kv(d, v, prefix, ca_get(e, "kv"), deleted, &seen))
            continue;
        w->nevents++;
        if (deleted && !strncmp(seen.rel, "live/", 5) && seen.rel[5])
            strv_push(&w->silenced, &w->nsilenced, &w->cap, seen.rel + 5);
        if (seen.mod_revision > last)
            last = seen.mod_revision;
        free(seen.key);
    }
    if (last)
        w->revision = last;
    return 0;
}

void ca_watch_clear(struct ca_watch *w)
{
    for (size_t i = 0; i < w->nsilenced; i++)
        free(w->silenced[i]);
    free(w->silenced);
    memset(w, 0, sizeof(*w));
}

void ca_txn_read(struct json_object *reply, struct ca_txn *t)
{
    struct json_object *b = ca_get(reply, "succeeded");
    t->succeeded = b && json_object_get_boolean(b);
    t->revision = ca_int(ca_get(reply, "header"), "revision");
    t->current = NULL;
    struct json_object *rs = ca_get(reply, "responses");
    struct json_object *r0 =
        rs && json_object_is_type(rs, json_type_array) && json_object_array_length(rs) ? json_object_array_get_idx(rs, 0)
                                                                                       : NULL;
    struct json_object *kvs = ca_get(ca_get(r0, "response_range"), "kvs");
    if (kvs && json_object_is_type(kvs, json_type_array) && json_object_array_length(kvs))
        t->current = json_object_array_get_idx(kvs, 0);
}

bool ca_value_has_pin_id(struct json_object *kv, const char *pin_id)
{
    size_t vlen;
    const char *v64 = ca_str(kv, "value");
    _cleanup_free_ char *v = v64 ? ca_b64_decode(v64, &vlen) : NULL;
    struct json_object *o = v ? vl_parse(v, vlen, 1024, (char[64]){0}, 64) : NULL;
    const char *id = ca_str(o, "pin_id");
    bool mine = id && pin_id && !strcmp(id, pin_id);
    json_object_put(o);
    return mine;
}

int64_t ca_lease_granted(struct json_object *reply)
{
    return ca_int(reply, "ID");
}

int64_t ca_keepalive_ttl(struct json_object *reply)
{
    return ca_int(ca_get(reply, "result"), "TTL");
}
