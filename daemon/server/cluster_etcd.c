/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The etcd backend: talks to etcd's v3 JSON gateway (cluster_http.c) from
 * the event loop and keeps the registry view (cluster_view.c) current.
 *
 *   sync      one consistent range over the prefix (paged, every page at the
 *             revision of the first), then the watch from the next revision
 *   watch     every change, in revision order; a compacted revision means a
 *             full sync again
 *   register  a lease, then one transaction: the snapshot content, the host
 *             record (first registration time kept), the liveness key on
 *             the lease; keepalive every third of the TTL
 *   tick      drives all of the above again after any failure
 *
 * Reachability is what the last request that needs a quorum said (range,
 * keepalive, transactions): while etcd cannot be reached the view stays as
 * it was, writes are refused, and the first success resumes the watch from
 * the last revision seen.  Every write of a shared key is a transaction on
 * the revision this daemon saw, so concurrent writers cannot both win. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_answer.h"
#include "cluster_http.h"

struct cmd_cluster {
    struct cmd_daemon *d;
    struct ch_client *http;
    char *prefix;
    int ttl_s;
    long timeout_ms;
    struct cluster_view view;
    bool synced;
    bool reachable;
    time_t unreachable_since;
    char *error;
    int64_t revision; /* every change up to here is in the view */
    int64_t lease;
    bool registered;
    struct ch_req *sync_req, *watch_req, *ka_req, *reg_req, *gc_req;
    time_t gc_last; /* the last collection of unreferenced contents */
    struct sync_state *sync;
    sd_event_source *tick, *refresh;
    int ka_attempt;
    uint64_t version; /* view.version + reachability + this host */
    double baseline_ms; /* the last whole-registry baseline: compute + encode */
    struct cmd_cluster_reply replies[2];
    char *settings; /* what reaches the registry (endpoints, prefix, TLS files): a reload compares it */
    struct ch_client **retired; /* replaced by a reload, freed once their writes are answered */
    size_t nretired, rcap;
};

/* ---- small helpers -------------------------------------------------------- */

static struct json_object *jb64(const char *s)
{
    _cleanup_free_ char *e = ca_b64_encode(s, strlen(s));
    return json_object_new_string(e);
}

static struct json_object *jint(int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    return json_object_new_string(buf); /* the gateway's int64 is a string */
}

static char *key_of(const struct cmd_cluster *cl, const char *rel)
{
    return cm_xasprintf("%s%s", cl->prefix, rel);
}

/* The end of the prefix range: the prefix with its last byte + 1. */
static char *prefix_end(const char *prefix)
{
    char *e = cm_xstrdup(prefix);
    size_t n = strlen(e);
    e[n - 1]++;
    return e;
}

static char *iso_now(void)
{
    return cm_now_iso8601();
}

static void changed(struct cmd_cluster *cl);

/* ---- reachability --------------------------------------------------------- */

static void watch_start(struct cmd_cluster *cl);

static void set_reachable(struct cmd_cluster *cl)
{
    if (cl->reachable)
        return;
    cl->reachable = true;
    free(cl->error);
    cl->error = NULL;
    fprintf(stderr, "cpumodeld: registry reachable at %s\n", ch_client_endpoint(cl->http));
    if (cl->synced) { /* catch up: resume the watch from the last revision seen */
        ch_cancel(cl->watch_req);
        cl->watch_req = NULL;
        watch_start(cl);
    }
    changed(cl);
}

static void set_unreachable(struct cmd_cluster *cl, const char *error)
{
    cm_snapshot_set_str(&cl->error, error);
    if (!cl->reachable)
        return;
    cl->reachable = false;
    cl->unreachable_since = time(NULL);
    fprintf(stderr, "cpumodeld: registry unreachable: %s\n", error);
    changed(cl);
}

/* ---- the baseline reply, recomputed after changes ------------------------- */

static int on_refresh(sd_event_source *s, void *userdata)
{
    struct cmd_cluster *cl = userdata;
    sd_event_source_set_enabled(cl->refresh, SD_EVENT_OFF);
    if (cl->d->baseline_changed)
        cl->d->baseline_changed(cl->d);
    return 0;
}

/* Anything a GetBaseline reply shows changed: recompute once the current
 * batch of events is applied (one defer for any number of changes). */
static void changed(struct cmd_cluster *cl)
{
    cl->version++;
    cmd_reply_cache_clear(cl->d);
    if (cl->refresh)
        sd_event_source_set_enabled(cl->refresh, SD_EVENT_ONESHOT);
}

/* ---- writes of host records ----------------------------------------------- */

static struct json_object *host_record(const char *name, const char *content, const char *digest,
                                       const char *registered, const char *updated, const char *silent_since)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "content", json_object_new_string(content));
    json_object_object_add(o, "digest", digest ? json_object_new_string(digest) : NULL);
    json_object_object_add(o, "registered", json_object_new_string(registered ? registered : ""));
    json_object_object_add(o, "updated", json_object_new_string(updated ? updated : ""));
    if (silent_since)
        json_object_object_add(o, "silent_since", json_object_new_string(silent_since));
    return o;
}

static struct json_object *op_put(const char *key, const char *value, int64_t lease)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "key", jb64(key));
    json_object_object_add(p, "value", jb64(value));
    if (lease)
        json_object_object_add(p, "lease", jint(lease));
    struct json_object *op = json_object_new_object();
    json_object_object_add(op, "request_put", p);
    return op;
}

static struct json_object *op_delete(const char *key)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "key", jb64(key));
    struct json_object *op = json_object_new_object();
    json_object_object_add(op, "request_delete_range", p);
    return op;
}

static struct json_object *op_range(const char *key)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "key", jb64(key));
    struct json_object *op = json_object_new_object();
    json_object_object_add(op, "request_range", p);
    return op;
}

/* target: "MOD" or "CREATE"; 0 compares as "the key does not exist" */
static struct json_object *cmp_rev(const char *key, const char *target, int64_t rev)
{
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "key", jb64(key));
    json_object_object_add(c, "target", json_object_new_string(target));
    json_object_object_add(c, "result", json_object_new_string("EQUAL"));
    json_object_object_add(c, !strcmp(target, "MOD") ? "mod_revision" : "create_revision", jint(rev));
    return c;
}

static struct json_object *txn(struct json_object *compare, struct json_object *success, struct json_object *failure)
{
    struct json_object *t = json_object_new_object();
    if (compare)
        json_object_object_add(t, "compare", compare);
    json_object_object_add(t, "success", success);
    if (failure)
        json_object_object_add(t, "failure", failure);
    return t;
}

static void ignore_reply(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    if (error)
        set_unreachable(cl, error);
    else
        set_reachable(cl);
}

/* The first daemon that sees a host's lease end writes when: every daemon,
 * and every later one, then shows the same age.  A transaction on the
 * record's revision and the liveness key's absence, so it cannot overwrite
 * a registration that came back meanwhile. */
static void mark_silent(struct cmd_cluster *cl, struct cluster_host *h)
{
    if (h->silent_since || !h->content || !h->mod_revision || !cl->reachable)
        return;
    _cleanup_free_ char *now = iso_now();
    _cleanup_free_ char *rel = cm_xasprintf("hosts/%s", h->name);
    _cleanup_free_ char *k = key_of(cl, rel);
    _cleanup_free_ char *lrel = cm_xasprintf("live/%s", h->name);
    _cleanup_free_ char *lk = key_of(cl, lrel);
    struct json_object *rec = host_record(h->name, h->content, h->digest, h->registered, h->updated, now);
    struct json_object *cmp = json_object_new_array(), *ok = json_object_new_array();
    json_object_array_add(cmp, cmp_rev(k, "MOD", h->mod_revision));
    json_object_array_add(cmp, cmp_rev(lk, "CREATE", 0));
    json_object_array_add(ok, op_put(k, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN), 0));
    json_object_put(rec);
    ch_call(cl->http, "/v3/kv/txn", txn(cmp, ok, NULL), cl->timeout_ms, ignore_reply, cl);
}

/* ---- registration and the lease ------------------------------------------- */

static const char *self_name(const struct cmd_cluster *cl)
{
    return cm_snapshot_name(cl->d->host.snap);
}

static void register_put(struct cmd_cluster *cl, bool with_content);

static void on_registered(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    cl->reg_req = NULL;
    if (error) {
        set_unreachable(cl, error);
        return;
    }
    set_reachable(cl);
    struct ca_txn t;
    ca_txn_read(reply, &t);
    if (!t.succeeded) { /* the content this view had was collected meanwhile: send it along */
        fprintf(stderr, "cpumodeld: registry: this host's snapshot content was collected meanwhile; sending it\n");
        register_put(cl, true);
        return;
    }
    if (!cl->registered)
        fprintf(stderr, "cpumodeld: registered %s in the registry (lease %" PRId64 ", TTL %d s)\n", self_name(cl),
                cl->lease, cl->ttl_s);
    cl->registered = true;
}

/* The snapshot content (unless the registry has it), the record and the
 * liveness key, in one transaction.  Without the content, the transaction
 * requires it to exist: a collector may delete a content no record points
 * at (gc_start), and a record must never point at a missing one. */
static void register_put(struct cmd_cluster *cl, bool with_content)
{
    struct cmd_daemon *d = cl->d;
    const char *me = self_name(cl);
    _cleanup_free_ char *content = cluster_snapshot_content(d->host.snap);
    if (!content) {
        set_unreachable(cl, "cannot render this host's snapshot");
        return;
    }
    const char *digest = d->host.digest;
    struct cluster_host *h = cluster_view_host(&cl->view, me);
    _cleanup_free_ char *now = iso_now();
    struct json_object *ok = json_object_new_array();
    bool have_blob = false;
    for (size_t i = 0; i < cl->view.nblobs; i++)
        have_blob |= !strcmp(cl->view.blobs[i]->content, content);
    _cleanup_free_ char *crel = cm_xasprintf("snapshots/%s", content);
    _cleanup_free_ char *ck = key_of(cl, crel);
    struct json_object *cmp = NULL;
    if (!have_blob || with_content) {
        struct json_object *blob = cluster_snapshot_blob(d->host.snap);
        json_object_array_add(ok, op_put(ck, json_object_to_json_string_ext(blob, JSON_C_TO_STRING_PLAIN), 0));
        json_object_put(blob);
    } else {
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "key", jb64(ck));
        json_object_object_add(c, "target", json_object_new_string("VERSION"));
        json_object_object_add(c, "result", json_object_new_string("GREATER"));
        json_object_object_add(c, "version", jint(0));
        cmp = json_object_new_array();
        json_object_array_add(cmp, c);
    }
    struct json_object *rec =
        host_record(me, content, digest, h && h->registered && *h->registered ? h->registered : now, now, NULL);
    _cleanup_free_ char *hrel = cm_xasprintf("hosts/%s", me);
    _cleanup_free_ char *hk = key_of(cl, hrel);
    json_object_array_add(ok, op_put(hk, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN), 0));
    json_object_put(rec);
    struct json_object *live = json_object_new_object();
    json_object_object_add(live, "since", json_object_new_string(now));
    json_object_object_add(live, "lease", jint(cl->lease));
    _cleanup_free_ char *lrel = cm_xasprintf("live/%s", me);
    _cleanup_free_ char *lk = key_of(cl, lrel);
    json_object_array_add(ok, op_put(lk, json_object_to_json_string_ext(live, JSON_C_TO_STRING_PLAIN), cl->lease));
    json_object_put(live);
    ch_cancel(cl->reg_req);
    cl->reg_req = ch_call(cl->http, "/v3/kv/txn", txn(cmp, ok, NULL), cl->timeout_ms, on_registered, cl);
}

static void on_granted(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    cl->reg_req = NULL;
    int64_t id = ca_lease_granted(reply);
    if (error || !id) {
        set_unreachable(cl, error ? error : "lease grant: no lease ID");
        return;
    }
    set_reachable(cl);
    cl->lease = id;
    register_put(cl, false);
}

static void register_start(struct cmd_cluster *cl)
{
    if (cl->reg_req)
        return;
    struct json_object *b = json_object_new_object();
    json_object_object_add(b, "TTL", jint(cl->ttl_s));
    cl->reg_req = ch_call(cl->http, "/v3/lease/grant", b, cl->timeout_ms, on_granted, cl);
}

static void keepalive_start(struct cmd_cluster *cl);

static void on_keepalive(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    cl->ka_req = NULL;
    if (error) {
        /* the client moved to the next endpoint: try each once before
         * calling the registry unreachable */
        if (++cl->ka_attempt < 3) {
            keepalive_start(cl);
            return;
        }
        cl->ka_attempt = 0;
        set_unreachable(cl, error);
        return;
    }
    cl->ka_attempt = 0;
    set_reachable(cl);
    if (ca_keepalive_ttl(reply) <= 0) {
        /* the lease ended (etcd was out of reach longer than the TTL): a
         * new one, and the liveness key again */
        fprintf(stderr, "cpumodeld: lease %" PRId64 " expired; registering again\n", cl->lease);
        cl->lease = 0;
        cl->registered = false;
        register_start(cl);
    }
}

static void keepalive_start(struct cmd_cluster *cl)
{
    struct json_object *b = json_object_new_object();
    json_object_object_add(b, "ID", jint(cl->lease));
    cl->ka_req = ch_call(cl->http, "/v3/lease/keepalive", b, cl->timeout_ms, on_keepalive, cl);
}

/* ---- applying keys -------------------------------------------------------- */

static void apply_kv(struct cmd_cluster *cl, struct json_object *kv, bool deleted)
{
    struct ca_kv_seen seen;
    if (!ca_apply_kv(cl->d, &cl->view, cl->prefix, kv, deleted, &seen))
        return;
    if (seen.mod_revision > cl->revision)
        cl->revision = seen.mod_revision;
    free(seen.key);
}

/* Hosts whose liveness key just went: the first daemon to see it writes when. */
static void silenced(struct cmd_cluster *cl, char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cluster_host *h = strcmp(names[i], self_name(cl)) ? cluster_view_host(&cl->view, names[i]) : NULL;
        if (h)
            mark_silent(cl, h);
    }
}

/* ---- the watch ------------------------------------------------------------ */

static void sync_start(struct cmd_cluster *cl);

static void on_watch_object(void *userdata, struct json_object *o)
{
    struct cmd_cluster *cl = userdata;
    struct ca_watch w = {0};
    ca_apply_watch(cl->d, &cl->view, cl->prefix, o, &w);
    switch (w.kind) {
    case CA_WATCH_CANCELED:
        fprintf(stderr, "cpumodeld: registry watch canceled%s\n",
                w.compact_revision ? " (revision compacted): full resync" : "");
        ch_cancel(cl->watch_req);
        cl->watch_req = NULL;
        if (w.compact_revision)
            sync_start(cl);
        break;
    case CA_WATCH_EVENTS:
        silenced(cl, w.silenced, w.nsilenced);
        changed(cl);
        if (w.revision > cl->revision)
            cl->revision = w.revision;
        break;
    case CA_WATCH_PROGRESS: /* a progress notification: everything up to its revision was sent */
        if (w.revision > cl->revision)
            cl->revision = w.revision;
        break;
    case CA_WATCH_CREATED:
    case CA_WATCH_OTHER: break;
    }
    ca_watch_clear(&w);
}

static void on_watch_end(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    cl->watch_req = NULL; /* the tick starts it again (on the next endpoint) */
    fprintf(stderr, "cpumodeld: registry watch ended: %s\n", error ? error : "closed");
}

static void watch_start(struct cmd_cluster *cl)
{
    _cleanup_free_ char *end = prefix_end(cl->prefix);
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "key", jb64(cl->prefix));
    json_object_object_add(c, "range_end", jb64(end));
    json_object_object_add(c, "start_revision", jint(cl->revision + 1));
    json_object_object_add(c, "progress_notify", json_object_new_boolean(1));
    struct json_object *b = json_object_new_object();
    json_object_object_add(b, "create_request", c);
    cl->watch_req = ch_stream(cl->http, "/v3/watch", b, on_watch_object, on_watch_end, cl);
}

/* ---- the full sync -------------------------------------------------------- */

#define SYNC_PAGE 2048

struct sync_state {
    struct cluster_view view;
    struct ca_range range; /* the revision of the first page, model names seen */
};

static void sync_page(struct cmd_cluster *cl, const char *from);

static void sync_free(struct sync_state *s)
{
    if (!s)
        return;
    cluster_view_free(&s->view);
    ca_range_clear(&s->range);
    free(s);
}

static void on_sync_page(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    struct sync_state *s = cl->sync;
    cl->sync_req = NULL;
    if (error) {
        set_unreachable(cl, error);
        sync_free(s);
        cl->sync = NULL; /* the tick starts over */
        return;
    }
    set_reachable(cl);
    ca_apply_range(cl->d, &s->view, cl->prefix, reply, &s->range);
    if (s->range.more) {
        sync_page(cl, s->range.last_key);
        return;
    }
    /* complete: the new view replaces the old one in one step */
    for (size_t i = cl->d->nmodels; i-- > 0;) {
        const char *name = cl->d->models[i].name;
        bool seen = false;
        for (size_t j = 0; j < s->range.nmodels && !seen; j++)
            seen = !strcmp(s->range.models[j], name);
        if (!seen) {
            cm_error err = {0};
            cmd_model_unlink(cl->d, name, &err);
            cmd_model_drop(cl->d, name);
        }
    }
    cluster_view_free(&cl->view);
    cl->view = s->view;
    memset(&s->view, 0, sizeof(s->view));
    cl->revision = s->range.revision;
    sync_free(s);
    cl->sync = NULL;
    cl->synced = true;
    fprintf(stderr, "cpumodeld: registry synced at revision %" PRId64 ": %zu host(s), %zu model(s)\n", cl->revision,
            cl->view.nhosts, cl->d->nmodels);
    /* hosts whose lease ended while nobody watched */
    for (size_t i = 0; i < cl->view.nhosts; i++)
        if (!cl->view.hosts[i]->live && strcmp(cl->view.hosts[i]->name, self_name(cl)))
            mark_silent(cl, cl->view.hosts[i]);
    ch_cancel(cl->watch_req);
    watch_start(cl);
    if (!cl->registered)
        register_start(cl);
    changed(cl);
}

/* A page: "\0" appended to `from` is the first key after it. */
static void sync_page(struct cmd_cluster *cl, const char *from)
{
    _cleanup_free_ char *end = prefix_end(cl->prefix);
    struct json_object *b = json_object_new_object();
    if (from) {
        size_t l = strlen(from);
        _cleanup_free_ char *k = ca_b64_encode(from, l + 1); /* includes the NUL */
        json_object_object_add(b, "key", json_object_new_string(k));
    } else
        json_object_object_add(b, "key", jb64(cl->prefix));
    json_object_object_add(b, "range_end", jb64(end));
    json_object_object_add(b, "limit", jint(SYNC_PAGE));
    if (cl->sync->range.revision)
        json_object_object_add(b, "revision", jint(cl->sync->range.revision));
    cl->sync_req = ch_call(cl->http, "/v3/kv/range", b, cl->timeout_ms * 4, on_sync_page, cl);
}

static void sync_start(struct cmd_cluster *cl)
{
    if (cl->sync)
        return;
    cl->sync = cm_xcalloc(1, sizeof(*cl->sync));
    sync_page(cl, NULL);
}

/* ---- collecting unreferenced snapshot contents ---------------------------- */

static void on_gc(void *userdata, struct json_object *reply, const char *error)
{
    struct cmd_cluster *cl = userdata;
    cl->gc_req = NULL;
    if (error)
        return; /* the next tick's requests say whether etcd is reachable */
    struct ca_txn t;
    ca_txn_read(reply, &t);
    if (t.succeeded)
        fprintf(stderr, "cpumodeld: collected unreferenced snapshot contents at revision %" PRId64 "\n", t.revision);
}

/* Snapshot contents that no host record points at any more (pins hold their
 * model themselves) are deleted by one daemon, the first live host by name
 * in its view, at most once per lease TTL.  One transaction, conditioned on
 * every record under hosts/ being older than the revision this view is
 * complete at (so no record written since can point at them) and on each
 * content being the one seen; a registration that relies on a content
 * without sending it requires the content to exist (register_put).  etcd
 * orders the two: either the record came first and the collection fails,
 * or the collection came first and the registration sends the content. */
static void gc_start(struct cmd_cluster *cl)
{
    time_t now = time(NULL);
    if (cl->gc_req || !cl->synced || !cl->reachable || !cl->registered || now - cl->gc_last < cl->ttl_s)
        return;
    cl->gc_last = now;
    const char *collector = NULL;
    for (size_t i = 0; i < cl->view.nhosts && !collector; i++)
        if (cl->view.hosts[i]->live)
            collector = cl->view.hosts[i]->name;
    if (!collector || strcmp(collector, self_name(cl)))
        return;
    struct json_object *cmp = json_object_new_array(), *ok = json_object_new_array();
    for (size_t i = 0; i < cl->view.nblobs; i++) {
        struct cluster_blob *b = cl->view.blobs[i];
        if (cluster_blob_referenced(&cl->view, b) || !b->mod_revision)
            continue;
        _cleanup_free_ char *rel = cm_xasprintf("snapshots/%s", b->content);
        _cleanup_free_ char *k = key_of(cl, rel);
        json_object_array_add(cmp, cmp_rev(k, "MOD", b->mod_revision));
        json_object_array_add(ok, op_delete(k));
    }
    if (!json_object_array_length(ok)) {
        json_object_put(cmp);
        json_object_put(ok);
        return;
    }
    _cleanup_free_ char *hosts = key_of(cl, "hosts/");
    _cleanup_free_ char *end = prefix_end(hosts);
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "key", jb64(hosts));
    json_object_object_add(c, "range_end", jb64(end));
    json_object_object_add(c, "target", json_object_new_string("MOD"));
    json_object_object_add(c, "result", json_object_new_string("LESS"));
    json_object_object_add(c, "mod_revision", jint(cl->revision + 1));
    json_object_array_add(cmp, c);
    cl->gc_req = ch_call(cl->http, "/v3/kv/txn", txn(cmp, ok, NULL), cl->timeout_ms, on_gc, cl);
}

/* ---- the tick ------------------------------------------------------------- */

static uint64_t tick_usec(const struct cmd_cluster *cl)
{
    uint64_t us = (uint64_t)cl->ttl_s * 1000000 / 3;
    return us > 1000000 ? 1000000 : us;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct cmd_cluster *cl = userdata;
    for (size_t i = cl->nretired; i-- > 0;)
        if (!ch_client_busy(cl->retired[i])) {
            ch_client_free(cl->retired[i]);
            cl->retired[i] = cl->retired[--cl->nretired];
        }
    if (!cl->synced || (!cl->sync_req && cl->sync)) {
        if (!cl->sync)
            sync_start(cl);
    } else if (!cl->watch_req && !cl->sync && cl->reachable)
        watch_start(cl);
    if (cl->synced && !cl->reg_req) {
        if (!cl->lease)
            register_start(cl);
        else if (!cl->registered)
            register_put(cl, false);
        else if (!cl->ka_req)
            keepalive_start(cl);
    }
    gc_start(cl);
    sd_event_source_set_time_relative(s, tick_usec(cl));
    return 0;
}

/* ---- setup ---------------------------------------------------------------- */

/* The endpoints and prefix of a configuration, checked. */
static int parse_settings(const struct cmd_config *cfg, struct cmd_strv *eps, const char **prefix, cm_error *err)
{
    if (!cfg->etcd_endpoints || !*cfg->etcd_endpoints)
        return cm_fail(err, CM_E_INPUT, "cluster = etcd needs etcd_endpoints = URL,...");
    *prefix = cfg->etcd_prefix ? cfg->etcd_prefix : "/cpumodeld/";
    if (!**prefix || (*prefix)[strlen(*prefix) - 1] != '/')
        return cm_fail(err, CM_E_INPUT, "etcd_prefix: '%s' must end with '/'", *prefix);
    _cleanup_free_ char *list = cm_xstrdup(cfg->etcd_endpoints);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (strncmp(t, "http://", 7) && strncmp(t, "https://", 8)) {
            cmd_strv_free(eps);
            return cm_fail(err, CM_E_INPUT, "etcd_endpoints: '%s' is not an http:// or https:// URL", t);
        }
        cmd_strv_add(eps, t);
    }
    return 0;
}

/* What reaches the registry, as text: a line with the prefix and the
 * endpoints, then each TLS file with its identity and time (a certificate
 * renewed in place counts as a change). */
static char *settings_of(const struct cmd_config *cfg, const struct cmd_strv *eps, const char *prefix)
{
    char *s = cm_xstrdup(prefix);
    for (size_t i = 0; i < eps->n; i++) {
        char *n = cm_xasprintf("%s|%s", s, eps->v[i]);
        free(s);
        s = n;
    }
    const char *files[] = {cfg->etcd_cert, cfg->etcd_key, cfg->etcd_cacert};
    for (size_t i = 0; i < CM_ARRAY_SIZE(files); i++) {
        struct stat st = {0};
        if (files[i])
            stat(files[i], &st);
        char *n = cm_xasprintf("%s%s%s:%llu:%lld.%09ld:%lld", s, i ? "|" : "\n", files[i] ? files[i] : "-", (unsigned long long)st.st_ino,
                               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_size);
        free(s);
        s = n;
    }
    return s;
}

int cmd_cluster_setup(struct cmd_daemon *d, cm_error *err)
{
    const struct cmd_config *cfg = &d->cfg;
    if (!cfg->cluster || !strcmp(cfg->cluster, "static"))
        return 0;
    if (strcmp(cfg->cluster, "etcd"))
        return cm_fail(err, CM_E_INPUT, "cluster: '%s' is not static or etcd", cfg->cluster);
    struct cmd_strv eps = {0};
    const char *prefix;
    if (parse_settings(cfg, &eps, &prefix, err) < 0)
        return -1;
    if (!cmd_model_name_ok(cm_snapshot_name(d->host.snap))) {
        cmd_strv_free(&eps);
        return cm_fail(err, CM_E_INPUT, "host name '%s' cannot be a registry key ([A-Za-z0-9._-], 64 at most)",
                       cm_snapshot_name(d->host.snap));
    }
    struct cmd_cluster *cl = cm_xcalloc(1, sizeof(*cl));
    cl->d = d;
    cl->prefix = cm_xstrdup(prefix);
    cl->settings = settings_of(cfg, &eps, prefix);
    cl->ttl_s = cfg->etcd_lease_ttl_s;
    cl->timeout_ms = cfg->etcd_timeout_ms;
    cl->unreachable_since = time(NULL);
    cl->error = cm_xstrdup("not reached yet");
    struct ch_tls tls = {cfg->etcd_cert, cfg->etcd_key, cfg->etcd_cacert};
    cl->http = ch_client_new(d->event, eps.v, eps.n, &tls, err);
    cmd_strv_free(&eps);
    if (!cl->http || sd_event_add_time_relative(d->event, &cl->tick, CLOCK_MONOTONIC, 0, 1000, on_tick, cl) < 0 ||
        sd_event_source_set_enabled(cl->tick, SD_EVENT_ON) < 0 ||
        sd_event_add_defer(d->event, &cl->refresh, on_refresh, cl) < 0 ||
        sd_event_source_set_enabled(cl->refresh, SD_EVENT_OFF) < 0) {
        if (cl->http)
            cm_fail(err, CM_E_IO, "sd-event: cannot set up the registry timers");
        d->cluster = cl;
        cmd_cluster_free(d);
        return -1;
    }
    d->cluster = cl;
    return 0;
}

/* SIGHUP: d->cfg is the new configuration.  New endpoints or a new prefix
 * may be another registry: a fresh HTTP client, a full sync (the old view
 * answers meanwhile, writes wait for the sync) and a new lease and
 * registration there; the old lease is left to expire, so this host turns
 * silent in the registry it left.  New TLS files (other paths, or renewed in
 * place): a fresh client for the same registry, the watch resumed from the
 * last revision, the lease kept.  Writes in flight finish on the old client
 * (their retries go to the new one).  The backend itself (static or etcd)
 * changes only with a restart: switching would drop or orphan the pins. */
void cmd_cluster_reload(struct cmd_daemon *d)
{
    struct cmd_cluster *cl = d->cluster;
    const struct cmd_config *cfg = &d->cfg;
    bool want_etcd = cfg->cluster && !strcmp(cfg->cluster, "etcd");
    if (want_etcd != (cl != NULL)) {
        fprintf(stderr, "cpumodeld: reload: cluster = %s takes a restart (still %s)\n", cfg->cluster ? cfg->cluster : "static",
                cl ? "etcd" : "static");
        if (cl)
            cmd_cluster_host_changed(d);
        return;
    }
    if (!cl)
        return;
    cl->timeout_ms = cfg->etcd_timeout_ms;
    cl->ttl_s = cfg->etcd_lease_ttl_s; /* from the next lease on */
    struct cmd_strv eps = {0};
    const char *prefix;
    cm_error err = {0};
    if (parse_settings(cfg, &eps, &prefix, &err) < 0) {
        fprintf(stderr, "cpumodeld: reload: %s (keeping the running etcd settings)\n", err.msg);
        cmd_cluster_host_changed(d);
        return;
    }
    _cleanup_free_ char *settings = settings_of(cfg, &eps, prefix);
    if (!strcmp(settings, cl->settings)) {
        cmd_strv_free(&eps);
        cmd_cluster_host_changed(d);
        return;
    }
    struct ch_tls tls = {cfg->etcd_cert, cfg->etcd_key, cfg->etcd_cacert};
    struct ch_client *http = ch_client_new(d->event, eps.v, eps.n, &tls, &err);
    cmd_strv_free(&eps);
    if (!http) {
        fprintf(stderr, "cpumodeld: reload: %s (keeping the running etcd settings)\n", err.msg);
        cmd_cluster_host_changed(d);
        return;
    }
    /* the first line is the registry (prefix, endpoints), the second how it is reached (TLS) */
    size_t reg = strcspn(settings, "\n");
    bool same_registry = reg == strcspn(cl->settings, "\n") && !strncmp(settings, cl->settings, reg);
    ch_cancel(cl->sync_req);
    ch_cancel(cl->watch_req);
    ch_cancel(cl->ka_req);
    ch_cancel(cl->reg_req);
    ch_cancel(cl->gc_req);
    cl->sync_req = cl->watch_req = cl->ka_req = cl->reg_req = cl->gc_req = NULL;
    sync_free(cl->sync);
    cl->sync = NULL;
    cm_grow(&cl->retired, &cl->rcap, cl->nretired + 1, sizeof(*cl->retired));
    cl->retired[cl->nretired++] = cl->http;
    cl->http = http;
    free(cl->settings);
    cl->settings = cm_xstrdup(settings);
    if (same_registry) {
        fprintf(stderr, "cpumodeld: reload: new TLS files for the registry: reconnecting\n");
    } else {
        fprintf(stderr, "cpumodeld: reload: registry now %s%s: syncing\n", ch_client_endpoint(http), prefix);
        cm_snapshot_set_str(&cl->prefix, prefix);
        cl->synced = false;
        cl->registered = false;
        cl->lease = 0;
        cm_snapshot_set_str(&cl->error, "reconfigured: not synced with the new registry yet");
    }
    cl->ka_attempt = 0;
    changed(cl);
    sd_event_source_set_time_relative(cl->tick, 0); /* at once */
}

void cmd_cluster_free(struct cmd_daemon *d)
{
    struct cmd_cluster *cl = d->cluster;
    if (!cl)
        return;
    ch_client_free(cl->http); /* drops every request: no callback runs */
    for (size_t i = 0; i < cl->nretired; i++)
        ch_client_free(cl->retired[i]);
    free(cl->retired);
    free(cl->settings);
    sync_free(cl->sync);
    cluster_view_free(&cl->view);
    sd_event_source_disable_unref(cl->tick);
    sd_event_source_disable_unref(cl->refresh);
    for (int i = 0; i < 2; i++) {
        struct cmd_cluster_reply *r = &cl->replies[i];
        if (r->render)
            r->render_free(r->render);
        free(r->data);
    }
    free(cl->prefix);
    free(cl->error);
    free(cl);
    d->cluster = NULL;
}

void cmd_cluster_host_changed(struct cmd_daemon *d)
{
    struct cmd_cluster *cl = d->cluster;
    if (!cl)
        return;
    changed(cl);
    if (cl->lease && cl->synced)
        register_put(cl, false);
}

struct cluster_view *cmd_cluster_view(struct cmd_daemon *d)
{
    return d->cluster ? &d->cluster->view : NULL;
}

struct cmd_cluster_reply *cmd_cluster_reply_slot(struct cmd_daemon *d, bool groups)
{
    struct cmd_cluster *cl = d->cluster;
    struct cmd_cluster_reply *r = &cl->replies[groups];
    return r;
}

void cmd_cluster_note_render(struct cmd_daemon *d, double ms)
{
    d->cluster->baseline_ms = ms;
}

uint64_t cmd_cluster_version(struct cmd_daemon *d)
{
    return d->cluster->version;
}

static void iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct json_object *cmd_cluster_status(struct cmd_daemon *d)
{
    struct cmd_cluster *cl = d->cluster;
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "backend", json_object_new_string("etcd"));
    json_object_object_add(o, "endpoint", json_object_new_string(ch_client_endpoint(cl->http)));
    json_object_object_add(o, "reachable", json_object_new_boolean(cl->reachable));
    char since[32];
    iso_time(cl->unreachable_since, since, sizeof(since));
    json_object_object_add(o, "unreachable_since", cl->reachable ? NULL : json_object_new_string(since));
    json_object_object_add(o, "revision", json_object_new_int64(cl->revision));
    json_object_object_add(o, "error", cl->reachable || !cl->error ? NULL : json_object_new_string(cl->error));
    json_object_object_add(o, "hosts", json_object_new_int64((int64_t)cl->view.nhosts));
    json_object_object_add(o, "live", json_object_new_int64((int64_t)cl->view.nlive));
    json_object_object_add(o, "baseline_ms", json_object_new_double(cl->baseline_ms));
    return o;
}

const char *cmd_cluster_unwritable(struct cmd_daemon *d)
{
    struct cmd_cluster *cl = d->cluster;
    static char why[1200];
    if (cl->reachable && cl->synced)
        return NULL;
    char since[32];
    iso_time(cl->unreachable_since, since, sizeof(since));
    snprintf(why, sizeof(why),
             "registry unreachable since %s (%s): pins are refused until etcd has a quorum again, so that no two "
             "hosts decide alone",
             since, cl->error ? cl->error : "not synced");
    return why;
}

/* ---- pins, unpins, forget ------------------------------------------------- */

struct write_call {
    struct cmd_cluster *cl;
    char *name, *key, *value;
    char *pin_id;
    struct json_object *body; /* the transaction, kept for a retry */
    int attempt;
    int64_t expected; /* the mod_revision the transaction compares against */
    bool ambiguous;   /* an attempt failed in transit: it may have been applied */
    cmd_cluster_done done;
    void *userdata;
    enum { W_PIN, W_UNPIN, W_FORGET } kind;
};

static void write_free(struct write_call *w)
{
    free(w->name);
    free(w->key);
    free(w->value);
    free(w->pin_id);
    json_object_put(w->body);
    free(w);
}

static struct json_object *one(const char *k, const char *v)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, k, json_object_new_string(v));
    return p;
}

static void write_send(struct write_call *w);

static bool value_is_mine(const struct write_call *w, struct json_object *kv)
{
    return ca_value_has_pin_id(kv, w->pin_id);
}

static void on_write(void *userdata, struct json_object *reply, const char *error);

/* A pin whose first attempt got no answer, and whose retry found another
 * value: did the first attempt land (and others write on top of it)?  The
 * key's history says: every write after `expected` was made on top of the
 * one before, so walk back from the current value, one revision range at a
 * time, until our pin_id or a revision not after `expected`. */
static void walk_history(struct write_call *w, int64_t before);

static void on_walk(void *userdata, struct json_object *reply, const char *error)
{
    struct write_call *w = userdata;
    struct json_object *kvs = ca_get(reply, "kvs");
    struct json_object *kv = kvs && json_object_array_length(kvs) ? json_object_array_get_idx(kvs, 0) : NULL;
    if (error || !kv) {
        char msg[600];
        snprintf(msg, sizeof(msg),
                 "the outcome of pinning %s is unknown (etcd did not answer in time, and its history could not "
                 "be read back: %s); ListModels shows what is pinned now",
                 w->name, error ? error : "the key has no value there");
        w->done(w->userdata, CMD_IFACE ".StateError", one("message", msg));
        write_free(w);
        return;
    }
    int64_t rev = ca_int(kv, "mod_revision");
    if (value_is_mine(w, kv) || rev <= w->expected) {
        /* either it is ours (won, then overwritten by later pins), or the
         * walk reached the value we compared against: we lost */
        struct json_object *fake = json_object_new_object();
        if (value_is_mine(w, kv)) {
            json_object_object_add(fake, "succeeded", json_object_new_boolean(1));
            struct json_object *h = json_object_new_object();
            json_object_object_add(h, "revision", jint(rev));
            json_object_object_add(fake, "header", h);
        }
        w->ambiguous = false;
        on_write(w, fake, NULL);
        json_object_put(fake);
        return;
    }
    walk_history(w, rev);
}

static void walk_history(struct write_call *w, int64_t before)
{
    struct json_object *b = json_object_new_object();
    json_object_object_add(b, "key", jb64(w->key));
    json_object_object_add(b, "revision", jint(before - 1));
    if (!ch_call(w->cl->http, "/v3/kv/range", b, w->cl->timeout_ms, on_walk, w))
        on_walk(w, NULL, "libcurl refused the request");
}

static void on_write(void *userdata, struct json_object *reply, const char *error)
{
    struct write_call *w = userdata;
    struct cmd_cluster *cl = w->cl;
    if (error) {
        w->ambiguous = true;
        /* the same transaction on the next endpoint: safe, the compare makes
         * it apply at most once, and a pin recognises its own value */
        if (++w->attempt < 3) {
            write_send(w);
            return;
        }
        set_unreachable(cl, error);
        w->done(w->userdata, CMD_IFACE ".RegistryUnreachable", one("message", cmd_cluster_unwritable(cl->d)));
        write_free(w);
        return;
    }
    set_reachable(cl);
    struct ca_txn t;
    ca_txn_read(reply, &t);
    bool ok = t.succeeded;
    int64_t rev = t.revision;
    struct json_object *cur = ok ? NULL : t.current;
    if (w->kind == W_PIN && !ok && cur) {
        /* a retry after a lost reply finds its own value: it won */
        if (value_is_mine(w, cur)) {
            ok = true;
            rev = ca_int(cur, "mod_revision");
        } else if (w->ambiguous && ca_int(cur, "mod_revision") > w->expected) {
            apply_kv(cl, cur, false);
            changed(cl);
            walk_history(w, ca_int(cur, "mod_revision"));
            return;
        }
    }
    if (ok) {
        cm_error err = {0};
        _cleanup_free_ char *rel = cm_xasprintf("%s%s", w->kind == W_FORGET ? "hosts/" : "models/", w->name);
        /* read your own write: the view has it before the reply goes out
         * (the watch brings the same revision again, applied once) */
        if (w->kind == W_PIN)
            cluster_view_apply(cl->d, &cl->view, rel, w->value, strlen(w->value), rev, &err);
        else {
            cluster_view_apply(cl->d, &cl->view, rel, NULL, 0, rev, &err);
            if (w->kind == W_FORGET) {
                _cleanup_free_ char *lrel = cm_xasprintf("live/%s", w->name);
                cluster_view_apply(cl->d, &cl->view, lrel, NULL, 0, rev, &err);
            }
        }
        changed(cl);
        /* a pin's reply describes this write, whatever the watch brought since */
        struct json_object *info = NULL;
        if (w->kind == W_PIN) {
            struct json_object *o = vl_parse(w->value, strlen(w->value), 1024, (char[64]){0}, 64);
            struct cmd_model m;
            if (o && cmd_model_from_json(o, w->name, &m, &err) == 0) {
                info = cmd_model_info(&m);
                cmd_model_clear(&m);
            }
            json_object_put(o);
        }
        w->done(w->userdata, NULL, info);
    } else if (w->kind == W_PIN) {
        if (cur)
            apply_kv(cl, cur, false), changed(cl);
        struct cmd_model *m = cmd_model_find(cl->d, w->name);
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string(w->name));
        json_object_object_add(p, "generation", json_object_new_int64(m ? m->generation : 0));
        w->done(w->userdata, CMD_IFACE ".ModelExists", p);
    } else {
        char msg[300];
        snprintf(msg, sizeof(msg), "%s changed in the registry meanwhile (or came back): nothing was removed",
                 w->name);
        w->done(w->userdata, CMD_IFACE ".StateError", one("message", msg));
    }
    write_free(w);
}

static void write_send(struct write_call *w)
{
    if (!ch_call(w->cl->http, "/v3/kv/txn", json_object_get(w->body), w->cl->timeout_ms, on_write, w))
        on_write(w, NULL, "libcurl refused the request");
}

static struct write_call *write_new(struct cmd_cluster *cl, const char *name, cmd_cluster_done done, void *userdata)
{
    struct write_call *w = cm_xcalloc(1, sizeof(*w));
    w->cl = cl;
    w->name = cm_xstrdup(name);
    w->done = done;
    w->userdata = userdata;
    return w;
}

void cmd_cluster_pin(struct cmd_daemon *d, const char *name, struct cm_snapshot *model, bool replace,
                     cmd_cluster_done done, void *userdata)
{
    struct cmd_cluster *cl = d->cluster;
    const char *why = cmd_cluster_unwritable(d);
    if (why) {
        cm_snapshot_free(model);
        done(userdata, CMD_IFACE ".RegistryUnreachable", one("message", why));
        return;
    }
    struct cmd_model *old = cmd_model_find(d, name);
    if (old && !replace) {
        cm_snapshot_free(model);
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string(name));
        json_object_object_add(p, "generation", json_object_new_int64(old->generation));
        done(userdata, CMD_IFACE ".ModelExists", p);
        return;
    }
    struct write_call *w = write_new(cl, name, done, userdata);
    w->kind = W_PIN;
    cm_snapshot_set_str(&model->host, name);
    struct cmd_model m = {0};
    m.name = cm_xstrdup(name);
    m.generation = old ? old->generation + 1 : 1;
    m.created = cm_now_iso8601();
    m.snap = model;
    cm_error derr = {0};
    if (model->digest && cm_digest_valid(model->digest))
        snprintf(m.digest, sizeof(m.digest), "%s", model->digest);
    else if (cm_snapshot_digest(model, m.digest, &derr) < 0)
        snprintf(m.digest, sizeof(m.digest), "%s", "");
    struct json_object *o = cmd_model_to_json(&m);
    w->pin_id = cm_xasprintf("%s/%d/%ld/%ld", self_name(cl), (int)getpid(), (long)random(), (long)time(NULL));
    json_object_object_add(o, "pin_id", json_object_new_string(w->pin_id));
    w->value = cm_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    cmd_model_clear(&m); /* frees model too */
    _cleanup_free_ char *rel = cm_xasprintf("models/%s", name);
    w->key = key_of(cl, rel);
    struct json_object *cmp = json_object_new_array(), *ok = json_object_new_array(), *ko = json_object_new_array();
    w->expected = old ? old->mod_revision : 0;
    json_object_array_add(cmp, cmp_rev(w->key, "MOD", w->expected));
    json_object_array_add(ok, op_put(w->key, w->value, 0));
    json_object_array_add(ko, op_range(w->key));
    w->body = txn(cmp, ok, ko);
    write_send(w);
}

void cmd_cluster_unpin(struct cmd_daemon *d, const char *name, cmd_cluster_done done, void *userdata)
{
    struct cmd_cluster *cl = d->cluster;
    const char *why = cmd_cluster_unwritable(d);
    if (why) {
        done(userdata, CMD_IFACE ".RegistryUnreachable", one("message", why));
        return;
    }
    struct cmd_model *m = cmd_model_find(d, name);
    if (!m) {
        done(userdata, CMD_IFACE ".NoSuchModel", one("name", name));
        return;
    }
    struct write_call *w = write_new(cl, name, done, userdata);
    w->kind = W_UNPIN;
    _cleanup_free_ char *rel = cm_xasprintf("models/%s", name);
    w->key = key_of(cl, rel);
    struct json_object *cmp = json_object_new_array(), *ok = json_object_new_array();
    json_object_array_add(cmp, cmp_rev(w->key, "MOD", m->mod_revision));
    json_object_array_add(ok, op_delete(w->key));
    w->body = txn(cmp, ok, NULL);
    write_send(w);
}

void cmd_cluster_forget(struct cmd_daemon *d, const char *name, cmd_cluster_done done, void *userdata)
{
    struct cmd_cluster *cl = d->cluster;
    const char *why = cmd_cluster_unwritable(d);
    if (why) {
        done(userdata, CMD_IFACE ".RegistryUnreachable", one("message", why));
        return;
    }
    struct cluster_host *h = cluster_view_host(&cl->view, name);
    if (!h || !h->content) {
        done(userdata, CMD_IFACE ".NoSuchHost", one("name", name));
        return;
    }
    if (h->live || !strcmp(name, self_name(cl))) {
        char msg[300];
        snprintf(msg, sizeof(msg), "%s is live (its daemon holds its lease): stop that daemon first", name);
        done(userdata, CMD_IFACE ".StateError", one("message", msg));
        return;
    }
    struct write_call *w = write_new(cl, name, done, userdata);
    w->kind = W_FORGET;
    _cleanup_free_ char *rel = cm_xasprintf("hosts/%s", name);
    _cleanup_free_ char *lrel = cm_xasprintf("live/%s", name);
    w->key = key_of(cl, rel);
    _cleanup_free_ char *lk = key_of(cl, lrel);
    struct json_object *cmp = json_object_new_array(), *ok = json_object_new_array();
    /* only the record this daemon saw, and only while the host stays silent */
    json_object_array_add(cmp, cmp_rev(w->key, "MOD", h->mod_revision));
    json_object_array_add(cmp, cmp_rev(lk, "CREATE", 0));
    json_object_array_add(ok, op_delete(w->key));
    json_object_array_add(ok, op_delete(lk));
    w->body = txn(cmp, ok, NULL);
    write_send(w);
}
