/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The whole-registry GetBaseline reply, kept current one host at a time
 * (registry_reply.c), and the parts of GetBaseline's reply it shares with
 * every other caller (methods.c): one definition of each key. */
#ifndef CPUMODELD_REGISTRY_REPLY_H
#define CPUMODELD_REGISTRY_REPLY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cluster.h"
#include "daemon.h"

/* ---- registry_reply.c ----------------------------------------------------- */

/* GetBaseline without "peers" on a registry daemon: from the slot's encoded
 * reply, rendered again after a change (or after a second when silent
 * hosts' ages are shown). */
void cmd_reply_registry_baseline(struct cmd_conn *c, bool groups);

/* Parts of the reply that change with any one host: methods.c places a hole
 * where each goes and registry_reply.c fills it at every render.  RR_NAMES
 * (arg: the content's index) is every host with one snapshot content. */
enum rr_hole { RR_MEMBERS, RR_UNREACHABLE, RR_STALE, RR_REGISTRY, RR_ARCH_GROUPS, RR_NAMES };
struct rr_holes;
/* The value that goes where the part goes (an array for the lists). */
struct json_object *rr_hole(struct rr_holes *h, enum rr_hole kind, size_t arg);

/* ---- methods.c (reached through d->baseline_parts, wired by serve.c) ------ */

struct cmd_baseline_parts {
    /* One member as GetBaseline lists it, without its verdict. */
    struct json_object *(*member_json)(const char *name, const char *address, enum cmd_member_status status,
                                       bool from_cache, time_t fetched, time_t now, const char *error);
    /* A member's verdict, as GetBaseline adds it to member_json's object. */
    void (*member_verdict)(struct json_object *member, bool enforceable);
    /* The baseline over members of other architectures, one per architecture. */
    struct json_object *(*arch_groups)(struct cmd_peer *const *peers, size_t n);
    /* GetBaseline's parameters over the whole registry, given one
     * representative per snapshot content (in name order, this host among
     * them), with the per-host parts left as holes; verdicts[i] gets
     * representative i's.  NULL with err when there is no baseline. */
    struct json_object *(*registry_params)(struct cmd_daemon *d, const struct cm_vector **vecs,
                                           const struct cm_snapshot **snaps, const char **names, size_t n,
                                           bool groups, struct rr_holes *holes, bool *verdicts, cm_error *err);
};
extern const struct cmd_baseline_parts cmd_baseline_parts;

#endif
