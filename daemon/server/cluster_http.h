/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP/JSON requests to etcd's v3 gateway from inside the daemon's sd-event
 * loop: libcurl's multi interface, its sockets and timer driven by sd-event
 * sources, so no call ever blocks the loop.  Unary calls (one JSON body in,
 * one out) and streams (the watch: one JSON object per line, as long as the
 * connection lives). */
#ifndef CPUMODELD_CLUSTER_HTTP_H
#define CPUMODELD_CLUSTER_HTTP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "cpumodel/error.h"

struct ch_client;
struct ch_req;

struct ch_tls {
    const char *cert, *key, *cacert; /* NULL: not used (etcd's --cert, --key, --cacert) */
};

/* reply: the parsed body of a 200 answer (borrowed for the callback), NULL
 * with `error` set otherwise (transport, HTTP status, gRPC error). */
typedef void (*ch_done_fn)(void *userdata, struct json_object *reply, const char *error);
/* one object of a stream (borrowed) */
typedef void (*ch_object_fn)(void *userdata, struct json_object *obj);

/* endpoints: "http(s)://HOST:PORT", tried in turn: a transport failure moves
 * every later request to the next one. */
struct ch_client *ch_client_new(sd_event *ev, char *const *endpoints, size_t n, const struct ch_tls *tls,
                                cm_error *err);
void ch_client_free(struct ch_client *c);
const char *ch_client_endpoint(const struct ch_client *c);

/* POST path (e.g. "/v3/kv/range") with body (taken); `done` runs from the loop. */
struct ch_req *ch_call(struct ch_client *c, const char *path, struct json_object *body, long timeout_ms,
                       ch_done_fn done, void *userdata);
/* A stream: every line-delimited object goes to on_object, `done` (reply NULL)
 * when the stream ends for any reason. */
struct ch_req *ch_stream(struct ch_client *c, const char *path, struct json_object *body, ch_object_fn on_object,
                         ch_done_fn done, void *userdata);
/* Drops a request: its callbacks never run. */
void ch_cancel(struct ch_req *r);

#endif
