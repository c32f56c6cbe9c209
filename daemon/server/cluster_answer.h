/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* etcd's answers, from bytes to what they do to the registry view, without a
 * network (cluster_answer.c): the HTTP body or stream line as the v3 JSON
 * gateway sends it, the keys of a range page or a watch response (base64,
 * under the prefix) applied to a view, a transaction's outcome, a lease.
 * cluster_etcd.c calls these from its request callbacks; fuzz/fuzz_etcd.c
 * calls them with recorded and mutated answers. */
#ifndef CPUMODELD_CLUSTER_ANSWER_H
#define CPUMODELD_CLUSTER_ANSWER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

/* base64 as the gateway writes keys and values (NULL: not base64) */
char *ca_b64_encode(const char *in, size_t len);
char *ca_b64_decode(const char *in, size_t *outlen);
/* a member of an answer (NULL when o is NULL or lacks it); int64 values come
 * as strings from the gateway, 0 when absent or not a number */
struct json_object *ca_get(struct json_object *o, const char *key);
int64_t ca_int(struct json_object *o, const char *key);

/* The body of a unary answer: the reply object of a 200 answer, else NULL
 * with why in msg (HTTP status, etcd's message). */
struct json_object *ca_parse_body(const char *data, size_t len, long status, char *msg, size_t msglen);
/* One line of a stream: the object, else NULL with why in msg (malformed, or
 * an error object such as the gateway's end of a failed stream). */
struct json_object *ca_parse_line(const char *line, size_t len, char *msg, size_t msglen);

/* One key of an answer ("kv" objects of range, watch and transaction
 * answers), decoded and applied to the view.  Returns 1 when applied, 0 when
 * the key is not under the prefix or not decodable (nothing changed);
 * seen->key is the whole key (to free), seen->rel the part after the prefix. */
struct ca_kv_seen {
    char *key;
    const char *rel;
    int64_t mod_revision;
};
int ca_apply_kv(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *kv, bool deleted,
                struct ca_kv_seen *seen);

/* The pages of one range (a full sync), accumulated: the revision of the
 * first page, whether more follow and the key to continue after, the model
 * names seen (so the sync can drop pins that are gone). */
struct ca_range {
    int64_t revision;
    bool more;
    char *last_key;
    char **models;
    size_t nmodels, cap;
    size_t nkeys;
};
int ca_apply_range(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *reply,
                   struct ca_range *r);
void ca_range_clear(struct ca_range *r);

/* One object of the watch stream. */
enum ca_watch_kind {
    CA_WATCH_OTHER,    /* no result: ignored */
    CA_WATCH_CREATED,  /* the watch runs */
    CA_WATCH_EVENTS,   /* changes, applied to the view in order */
    CA_WATCH_PROGRESS, /* nothing changed up to `revision` */
    CA_WATCH_CANCELED, /* etcd ended the watch; compact_revision > 0: our revision was compacted */
};
struct ca_watch {
    enum ca_watch_kind kind;
    int64_t revision;         /* the header's (progress), or the last event's */
    int64_t compact_revision;
    size_t nevents;
    char **silenced; /* hosts whose liveness key was deleted by these events */
    size_t nsilenced, cap;
};
int ca_apply_watch(struct cmd_daemon *d, struct cluster_view *v, const char *prefix, struct json_object *obj,
                   struct ca_watch *w);
void ca_watch_clear(struct ca_watch *w);

/* A transaction's answer: succeeded, the revision it was applied at, and on
 * failure the first key its failure branch read (borrowed, NULL if none). */
struct ca_txn {
    bool succeeded;
    int64_t revision;
    struct json_object *current;
};
void ca_txn_read(struct json_object *reply, struct ca_txn *t);

/* A pin's value carries its writer's pin_id: is this key's value the one
 * with `pin_id`? */
bool ca_value_has_pin_id(struct json_object *kv, const char *pin_id);

/* A lease grant's ID (0: none), a keepalive's remaining TTL (<= 0: the lease
 * is gone). */
int64_t ca_lease_granted(struct json_object *reply);
int64_t ca_keepalive_ttl(struct json_object *reply);

#endif
