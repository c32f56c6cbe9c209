/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster store's answers (etcd v3 JSON gateway), as the etcd backend
 * takes them: an input is one or more answers separated by a line "#", each
 * starting with a letter saying what was asked:
 *   r  a range page (a full sync; pages of one input accumulate)
 *   w  the watch stream (lines, each an object applied to the view)
 *   t  a transaction's answer (its outcome, the failure branch's key)
 *   l  a lease grant or keepalive
 * The bytes after the letter go through the same body/line parsing as the
 * HTTP client (cluster_answer.c), then into a registry view of a daemon whose
 * state directory is a temporary one.  Seeds: fuzz/seeds/etcd, answers
 * recorded from a real etcd 3.4 (fuzz/record_etcd_seeds.sh).  Besides the
 * sanitizers, the view's invariants are checked after every input. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_answer.h"

static struct cmd_daemon daemon_;
static char state_dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(state_dir, sizeof(state_dir), "%s", "/tmp/fuzz-etcd.XXXXXX");
    if (!mkdtemp(state_dir))
        abort();
    daemon_.cfg.state_dir = state_dir;
    return 0;
}

/* hosts sorted and unique; a host bound to a blob has that blob's content;
 * one blob per content */
static void check_view(struct cluster_view *v)
{
    for (size_t i = 0; i + 1 < v->nhosts; i++)
        if (strcmp(v->hosts[i]->name, v->hosts[i + 1]->name) >= 0)
            abort();
    for (size_t i = 0; i < v->nhosts; i++) {
        struct cluster_host *h = v->hosts[i];
        if (h->blob && (!h->content || strcmp(h->blob->content, h->content)))
            abort();
        if (h->blob && (!h->peer.have_vec || h->peer.snap != &h->snap))
            abort();
    }
    for (size_t i = 0; i < v->nblobs; i++)
        for (size_t j = i + 1; j < v->nblobs; j++)
            if (!strcmp(v->blobs[i]->content, v->blobs[j]->content))
                abort();
}

static void one_answer(struct cluster_view *v, struct ca_range *range, char kind, const char *body, size_t len)
{
    char msg[512];
    const char *prefix = "/cpumodeld/";
    if (kind == 'w') {
        for (size_t start = 0; start < len;) {
            const char *nl = memchr(body + start, '\n', len - start);
            size_t n = nl ? (size_t)(nl - (body + start)) : len - start;
            struct json_object *o = n ? ca_parse_line(body + start, n, msg, sizeof(msg)) : NULL;
            if (o) {
                struct ca_watch w = {0};
                ca_apply_watch(&daemon_, v, prefix, o, &w);
                ca_watch_clear(&w);
                json_object_put(o);
            }
            start += n + 1;
        }
        return;
    }
    struct json_object *reply = ca_parse_body(body, len, 200, msg, sizeof(msg));
    if (!reply)
        return;
    switch (kind) {
    case 'r': ca_apply_range(&daemon_, v, prefix, reply, range); break;
    case 't': {
        struct ca_txn t;
        ca_txn_read(reply, &t);
        if (t.current) {
            ca_value_has_pin_id(t.current, "fuzz/1/2/3");
            struct ca_kv_seen seen;
            if (ca_apply_kv(&daemon_, v, prefix, t.current, false, &seen))
                free(seen.key);
        }
        break;
    }
    case 'l':
        ca_lease_granted(reply);
        ca_keepalive_ttl(reply);
        break;
    default: break;
    }
    json_object_put(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cluster_view v = {0};
    struct ca_range range = {0};
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *sep = memmem(p, (size_t)(end - p), "\n#\n", 3);
        const char *stop = sep ? sep : end;
        if (stop > p)
            one_answer(&v, &range, *p, p + 1, (size_t)(stop - p - 1));
        p = sep ? sep + 3 : end;
    }
    check_view(&v);
    ca_range_clear(&range);
    cluster_view_free(&v);
    cmd_models_free(&daemon_);
    return 0;
}
