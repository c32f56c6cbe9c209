/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Varlink framing, parsing with limits, message encoding and output queues. */
#include "varlink.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpumodel/util.h"

void vl_inbuf_free(struct vl_inbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

ssize_t vl_inbuf_read(struct vl_inbuf *b, int fd) { return vl_inbuf_read_io(b, fd, NULL); }

/* (16384: at least one whole TLS record fits) */
ssize_t vl_inbuf_read_io(struct vl_inbuf *b, int fd, const struct vl_io *io)
{
    if (b->cap - b->len < 16384)
        cm_grow(&b->data, &b->cap, b->len + 16384, 1);
    ssize_t n = io && io->read ? io->read(io->ctx, b->data + b->len, b->cap - b->len)
                               : read(fd, b->data + b->len, b->cap - b->len);
    if (n > 0)
        b->len += (size_t)n;
    return n;
}

struct json_object *vl_parse(const char *text, size_t len, int max_depth, char *why, size_t whylen)
{
    struct json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8); /* bytes that are not UTF-8: an error */
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!o) {
        if (e == json_tokener_continue)
            snprintf(why, whylen, "truncated JSON at byte %zu", end);
        else
            snprintf(why, whylen, "malformed JSON at byte %zu: %s", end, json_tokener_error_desc(e));
        json_tokener_free(tok);
        return NULL;
    }
    json_tokener_free(tok);
    for (size_t i = end; i < len; i++) {
        if (!strchr(" \t\r\n", text[i])) {
            snprintf(why, whylen, "trailing bytes after the JSON value at byte %zu", i);
            json_object_put(o);
            return NULL;
        }
    }
    if (cm_json_has_nul(o)) {
        snprintf(why, whylen, "a string holds a NUL character (\\u0000)");
        json_object_put(o);
        return NULL;
    }
    return o;
}

const char *vl_inbuf_peek(struct vl_inbuf *b, size_t *len)
{
    char *nul = b->len > b->scanned ? memchr(b->data + b->scanned, '\0', b->len - b->scanned) : NULL;
    if (!nul) {
        b->scanned = b->len;
        return NULL;
    }
    *len = (size_t)(nul - b->data);
    return b->data;
}

void vl_inbuf_consume(struct vl_inbuf *b, size_t len)
{
    memmove(b->data, b->data + len + 1, b->len - len - 1);
    b->len -= len + 1;
    b->scanned = 0;
}

int vl_message_parse(const char *text, size_t len, const struct vl_limits *lim, struct json_object **out, char *why,
                     size_t whylen)
{
    *out = NULL;
    if (len > lim->max_message) {
        snprintf(why, whylen, "message of %zu bytes exceeds %zu", len, lim->max_message);
        return -1;
    }
    struct json_object *o = vl_parse(text, len, lim->max_depth, why, whylen);
    if (!o)
        return -1;
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(why, whylen, "a message must be a JSON object");
        json_object_put(o);
        return -1;
    }
    *out = o;
    return 1;
}

int vl_inbuf_next(struct vl_inbuf *b, const struct vl_limits *lim, struct json_object **out, char *why,
                  size_t whylen)
{
    *out = NULL;
    size_t mlen;
    const char *text = vl_inbuf_peek(b, &mlen);
    if (!text) {
        if (b->len > lim->max_message) {
            snprintf(why, whylen, "message exceeds %zu bytes", lim->max_message);
            return -1;
        }
        return 0;
    }
    int r = vl_message_parse(text, mlen, lim, out, why, whylen);
    /* consume the message and its NUL whatever the outcome */
    vl_inbuf_consume(b, mlen);
    return r;
}

int vl_call_decode(struct json_object *msg, struct vl_call *c, const char **bad)
{
    memset(c, 0, sizeof(*c));
    struct json_object *m = NULL, *p = NULL, *v;
    if (!json_object_object_get_ex(msg, "method", &m) || !json_object_is_type(m, json_type_string)) {
        *bad = "method";
        return -1;
    }
    c->method = json_object_get_string(m);
    const char *dot = strrchr(c->method, '.');
    size_t ilen = dot ? (size_t)(dot - c->method) : 0;
    if (!dot || ilen == 0 || ilen >= sizeof(c->iface_buf) || !dot[1]) {
        *bad = "method";
        return -1;
    }
    memcpy(c->iface_buf, c->method, ilen);
    c->iface_buf[ilen] = '\0';
    c->iface = c->iface_buf;
    c->member = dot + 1;
    if (json_object_object_get_ex(msg, "parameters", &p) && p && !json_object_is_type(p, json_type_object)) {
        *bad = "parameters";
        return -1;
    }
    if (!p) {
        /* supply an empty object owned by the message so lookups never see NULL */
        p = json_object_new_object();
        json_object_object_add(msg, "parameters", p);
    }
    c->params = p;
    static const struct {
        const char *key;
        size_t off;
    } flags[] = {
        {"more", offsetof(struct vl_call, more)},
        {"oneway", offsetof(struct vl_call, oneway)},
        {"upgrade", offsetof(struct vl_call, upgrade)},
    };
    for (size_t i = 0; i < CM_ARRAY_SIZE(flags); i++) {
        if (!json_object_object_get_ex(msg, flags[i].key, &v) || !v)
            continue;
        if (!json_object_is_type(v, json_type_boolean)) {
            *bad = flags[i].key;
            return -1;
        }
        *(bool *)((char *)c + flags[i].off) = json_object_get_boolean(v);
    }
    return 0;
}

static char *encode(struct json_object *o, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                      &n);
    char *out = cm_xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    *len = n + 1;
    json_object_put(o);
    return out;
}

char *vl_encode_reply(struct json_object *params, bool continues, size_t *len)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "parameters", params ? params : json_object_new_object());
    if (continues)
        json_object_object_add(o, "continues", json_object_new_boolean(1));
    return encode(o, len);
}

char *vl_encode_error(const char *error, struct json_object *params, size_t *len)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    json_object_object_add(o, "parameters", params ? params : json_object_new_object());
    return encode(o, len);
}

char *vl_encode_call(const char *method, struct json_object *params, bool more, bool oneway, size_t *len)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "method", json_object_new_string(method));
    json_object_object_add(o, "parameters", params ? params : json_object_new_object());
    if (more)
        json_object_object_add(o, "more", json_object_new_boolean(1));
    if (oneway)
        json_object_object_add(o, "oneway", json_object_new_boolean(1));
    return encode(o, len);
}

void vl_outbuf_free(struct vl_outbuf *o)
{
    free(o->data);
    memset(o, 0, sizeof(*o));
}

void vl_outbuf_append(struct vl_outbuf *o, const char *data, size_t len)
{
    if (o->off == o->len) /* drained: reuse from the start */
        o->off = o->len = 0;
    else if (o->off >= o->len - o->off) { /* mostly sent: move the rest down, so a reader that */
        memmove(o->data, o->data + o->off, o->len - o->off); /* keeps up but never drains */
        o->len -= o->off;                                     /* cannot grow the buffer */
        o->off = 0;
    }
    cm_grow(&o->data, &o->cap, o->len + len, 1);
    memcpy(o->data + o->len, data, len);
    o->len += len;
}

int vl_outbuf_flush(struct vl_outbuf *o, int fd) { return vl_outbuf_flush_io(o, fd, NULL); }

int vl_outbuf_flush_io(struct vl_outbuf *o, int fd, const struct vl_io *io)
{
    while (o->off < o->len) {
        ssize_t n = io && io->write ? io->write(io->ctx, o->data + o->off, o->len - o->off)
                                    : send(fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        o->off += (size_t)n;
    }
    o->off = o->len = 0;
    return 1;
}
