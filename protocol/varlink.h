/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small Varlink codec over json-c (https://varlink.org/Protocol):
 * every message is one JSON object followed by a NUL byte.  Calls are
 * {"method": "iface.Method", "parameters": {...}, "more"?, "oneway"?,
 * "upgrade"?}; replies are {"parameters": {...}, "continues"?} or
 * {"error": "iface.Name", "parameters": {...}}.
 *
 * The codec enforces the limits a server needs against hostile input: a
 * maximum message size (bytes before the NUL) and a maximum JSON nesting
 * depth.  It never allocates more than one message beyond the limit.
 */
#ifndef CPUMODEL_VARLINK_H
#define CPUMODEL_VARLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct json_object;

struct vl_limits {
    size_t max_message; /* bytes of one message, NUL excluded */
    int max_depth;      /* JSON nesting depth */
};
#define VL_DEFAULT_MAX_MESSAGE (4u << 20)
#define VL_DEFAULT_MAX_DEPTH 64

/* An input buffer that splits a byte stream into messages. */
struct vl_inbuf {
    char *data;
    size_t len, cap;
    size_t scanned; /* bytes already known to hold no NUL */
};
void vl_inbuf_free(struct vl_inbuf *b);
/* Reads what fd has (non-blocking).  Returns bytes read, 0 on EOF, -1 with
 * errno (EAGAIN included). */
ssize_t vl_inbuf_read(struct vl_inbuf *b, int fd);

/* A byte stream layered on the socket (TLS, daemon/common/tls.c): read and
 * write behave like recv/send on a non-blocking socket (-1 with errno,
 * EAGAIN included).  The *_io variants below take one; NULL (or read NULL)
 * means the plain socket. */
struct vl_io {
    ssize_t (*read)(void *ctx, void *buf, size_t len);
    ssize_t (*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
};
ssize_t vl_inbuf_read_io(struct vl_inbuf *b, int fd, const struct vl_io *io);
/* Takes the next complete message.  Returns 1 (message in *out, caller puts
 * it), 0 (need more bytes), -1 (protocol violation: oversize, malformed, not
 * an object; *why says which; the stream cannot be resynchronised). */
int vl_inbuf_next(struct vl_inbuf *b, const struct vl_limits *lim, struct json_object **out, char *why,
                  size_t whylen);
/* The same in steps, for a server that looks at a message's bytes before
 * parsing them (a reply cache keyed by the exact request):
 * vl_inbuf_peek: the next complete message (NUL excluded, *len bytes, valid
 * until the buffer changes) or NULL when none is complete yet;
 * vl_message_parse: the checks of vl_inbuf_next on those bytes (1 or -1);
 * vl_inbuf_consume: drops them and their NUL. */
const char *vl_inbuf_peek(struct vl_inbuf *b, size_t *len);
int vl_message_parse(const char *text, size_t len, const struct vl_limits *lim, struct json_object **out, char *why,
                     size_t whylen);
void vl_inbuf_consume(struct vl_inbuf *b, size_t len);
static inline bool vl_inbuf_empty(const struct vl_inbuf *b) { return b->len == 0; }

/* Parses one JSON text with the depth limit; NULL + *why on error. */
struct json_object *vl_parse(const char *text, size_t len, int max_depth, char *why, size_t whylen);

/* A decoded call (borrowed pointers into the message object). */
struct vl_call {
    const char *method;    /* full name: "io.cpumodeld.GetHost" */
    const char *iface;     /* interface part, NUL-terminated copy in iface_buf */
    const char *member;    /* "GetHost" */
    struct json_object *params; /* never NULL after vl_call_decode (an empty object is supplied) */
    bool more, oneway, upgrade;
    char iface_buf[256];
};
/* Validates the call shape.  Returns 0, or -1 with *bad naming the bad key. */
int vl_call_decode(struct json_object *msg, struct vl_call *c, const char **bad);

/* Serialises a message with its trailing NUL; *len includes the NUL.
 * Takes ownership of params (may be NULL = {}).  Caller frees the result. */
char *vl_encode_reply(struct json_object *params, bool continues, size_t *len);
char *vl_encode_error(const char *error, struct json_object *params, size_t *len);
char *vl_encode_call(const char *method, struct json_object *params, bool more, bool oneway, size_t *len);

/* An output queue: bytes waiting to be written. */
struct vl_outbuf {
    char *data;
    size_t len, cap, off;
};
void vl_outbuf_free(struct vl_outbuf *o);
void vl_outbuf_append(struct vl_outbuf *o, const char *data, size_t len);
/* Writes what it can; returns 1 when empty, 0 when bytes remain (EAGAIN), -1 on error. */
int vl_outbuf_flush(struct vl_outbuf *o, int fd);
int vl_outbuf_flush_io(struct vl_outbuf *o, int fd, const struct vl_io *io);
static inline bool vl_outbuf_pending(const struct vl_outbuf *o) { return o->len > o->off; }

/* Blocking client helpers (the CLI, peers in tests).  vl_connect accepts
 * "unix:PATH", "PATH" (contains '/') or "HOST:PORT" / "[V6]:PORT".
 * Returns an fd or -1 with *why. */
int vl_connect(const char *address, int timeout_ms, char *why, size_t whylen);
/* Splits "host:port" / "[v6]:port"; false when malformed. */
bool vl_split_hostport(const char *address, char *host, size_t hostlen, char *port, size_t portlen);
/* Sends one call and waits for one reply (the first, when more).  Returns the
 * reply object (caller puts) or NULL with *why.  timeout_ms bounds the whole
 * exchange; max_reply bounds the reply's size. */
struct json_object *vl_call_sync(int fd, const char *method, struct json_object *params, int timeout_ms,
                                 size_t max_reply, char *why, size_t whylen);
struct json_object *vl_call_sync_io(int fd, const struct vl_io *io, const char *method, struct json_object *params,
                                    int timeout_ms, size_t max_reply, char *why, size_t whylen);

/* Interface descriptions embedded at build time (the protocol .varlink files). */
extern const char vl_iface_cpumodeld[];
extern const char vl_iface_service[];
extern const char vl_iface_certification[];

/* Standard org.varlink.service error names */
#define VL_ERR_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define VL_ERR_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define VL_ERR_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"
#define VL_ERR_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define VL_ERR_PERMISSION_DENIED "org.varlink.service.PermissionDenied"
#define VL_ERR_EXPECTED_MORE "org.varlink.service.ExpectedMore"

#endif
