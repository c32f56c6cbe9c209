/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's view of the etcd registry, built from one consistent range
 * and kept current by the watch, one key at a time (docs/cluster.md):
 *   snapshots/DIGEST  a snapshot's content, shared by every host with it
 *   hosts/NAME        a host record: digest, registered, updated, silent_since
 *   live/NAME         exists while the host holds its lease
 *   models/NAME       a pinned model (also kept in the state directory, so a
 *                     restart without etcd still answers the libvirt hook)
 * Hosts are kept sorted by name: 10,000 hosts stay cheap to look up. */
#define _GNU_SOURCE /* strptime, timegm */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"

/* Layouts of every view, in the order they were made (see cluster.h). */
static uint64_t layouts;

static void relayout(struct cluster_view *v)
{
    v->layout = ++layouts;
    v->ntouched = 0;
}

static size_t host_pos(const struct cluster_view *v, const char *name, bool *found)
{
    size_t lo = 0, hi = v->nhosts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->hosts[mid]->name, name);
        if (!c) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

struct cluster_host *cluster_view_host(struct cluster_view *v, const char *name)
{
    bool found;
    size_t i = host_pos(v, name, &found);
    return found ? v->hosts[i] : NULL;
}

/* A host changed in place: its index joins the list since the layout (a
 * list grown that long is cheaper to replace with a new layout). */
static void touch(struct cluster_view *v, const char *name)
{
    bool found;
    size_t i = host_pos(v, name, &found);
    if (!found)
        return;
    if (v->ntouched >= 4096 + v->nhosts) {
        relayout(v);
        return;
    }
    cm_grow(&v->touched, &v->tcap, v->ntouched + 1, sizeof(*v->touched));
    v->touched[v->ntouched++] = i;
}

static struct cluster_host *host_get(struct cluster_view *v, const char *name)
{
    bool found;
    size_t i = host_pos(v, name, &found);
    if (found)
        return v->hosts[i];
    cm_grow(&v->hosts, &v->cap, v->nhosts + 1, sizeof(*v->hosts));
    memmove(&v->hosts[i + 1], &v->hosts[i], (v->nhosts - i) * sizeof(*v->hosts));
    struct cluster_host *h = cm_xcalloc(1, sizeof(*h));
    h->name = cm_xstrdup(name);
    v->hosts[i] = h;
    v->nhosts++;
    relayout(v);
    return h;
}

static void host_free(struct cluster_host *h)
{
    free(h->name);
    free(h->content);
    free(h->digest);
    free(h->registered);
    free(h->updated);
    free(h->silent_since);
    free(h->peer.last_error);
    free(h->text.json);
    free(h->text.name_json);
    free(h->text.error);
    free(h);
}

static void host_remove(struct cluster_view *v, const char *name)
{
    bool found;
    size_t i = host_pos(v, name, &found);
    if (!found)
        return;
    v->nlive -= v->hosts[i]->live;
    host_free(v->hosts[i]);
    memmove(&v->hosts[i], &v->hosts[i + 1], (v->nhosts - i - 1) * sizeof(*v->hosts));
    v->nhosts--;
    relayout(v);
}

time_t cluster_host_silent_since(const struct cluster_host *h)
{
    struct tm tm = {0};
    if (h->silent_since && strptime(h->silent_since, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return timegm(&tm);
    return h->seen_silent;
}

enum cmd_member_status cluster_host_status(const struct cluster_host *h)
{
    return !h->peer.have_vec ? CMD_MISSING : h->live ? CMD_LIVE : CMD_SILENT;
}

/* The host as the methods see it: the shared snapshot and vector under the
 * host's own name (shallow copies: the blob owns every array). */
static void host_bind(struct cluster_host *h)
{
    struct cmd_peer *p = &h->peer;
    p->address = h->name;
    p->name = h->name;
    p->have_vec = false;
    p->snap = NULL;
    if (!h->blob) {
        cm_snapshot_set_str(&p->last_error, "the host's snapshot is not in the registry");
        return;
    }
    cm_snapshot_set_str(&p->last_error, NULL);
    h->snap = *h->blob->snap;
    h->snap.host = h->name;
    p->snap = &h->snap;
    p->vec = h->blob->vec;
    p->vec.name = h->name;
    p->vec.snap = &h->snap;
    p->have_vec = true;
    p->fetched = h->live ? 0 : cluster_host_silent_since(h);
}

static struct cluster_blob *blob_find(struct cluster_view *v, const char *content)
{
    for (size_t i = 0; content && i < v->nblobs; i++)
        if (!strcmp(v->blobs[i]->content, content))
            return v->blobs[i];
    return NULL;
}

static void blob_free(struct cluster_blob *b)
{
    free(b->content);
    cm_vector_free(&b->vec);
    cm_snapshot_free(b->snap);
    free(b);
}

static struct json_object *parse(const char *value, size_t len, const char *what, cm_error *err)
{
    char why[256];
    struct json_object *o = vl_parse(value, len, 1024, why, sizeof(why));
    if (!o)
        cm_fail(err, CM_E_INPUT, "%s: %s", what, why);
    return o;
}

bool cluster_blob_referenced(const struct cluster_view *v, const struct cluster_blob *b)
{
    for (size_t i = 0; i < v->nhosts; i++)
        if (v->hosts[i]->content && !strcmp(v->hosts[i]->content, b->content))
            return true;
    return false;
}

/* A content deleted from the registry (collected: no host pointed at it
 * when it was deleted; a host that still does shows its snapshot missing). */
static void blob_remove(struct cluster_view *v, const char *content)
{
    for (size_t i = 0; i < v->nblobs; i++) {
        struct cluster_blob *b = v->blobs[i];
        if (strcmp(b->content, content))
            continue;
        for (size_t j = 0; j < v->nhosts; j++)
            if (v->hosts[j]->blob == b) {
                v->hosts[j]->blob = NULL;
                host_bind(v->hosts[j]);
                touch(v, v->hosts[j]->name);
            }
        blob_free(b);
        v->blobs[i] = v->blobs[--v->nblobs];
        return;
    }
}

static int apply_blob(struct cluster_view *v, const char *content, const char *value, size_t len, int64_t rev,
                      cm_error *err)
{
    if (!value) {
        blob_remove(v, content);
        return 0;
    }
    struct cluster_blob *have = blob_find(v, content);
    if (have) { /* content under its key never changes: only its revision */
        have->mod_revision = rev;
        return 0;
    }
    struct cluster_blob *b = cm_xcalloc(1, sizeof(*b));
    if (cm_snapshot_parse(value, len, content, &b->snap, err) < 0) {
        free(b);
        return -1;
    }
    if (cm_vector_from_snapshot(b->snap, &b->vec, err) < 0) {
        cm_snapshot_free(b->snap);
        free(b);
        return -1;
    }
    b->content = cm_xstrdup(content);
    b->mod_revision = rev;
    cm_grow(&v->blobs, &v->bcap, v->nblobs + 1, sizeof(*v->blobs));
    v->blobs[v->nblobs++] = b;
    for (size_t i = 0; i < v->nhosts; i++) {
        struct cluster_host *h = v->hosts[i];
        if (!h->blob && h->content && !strcmp(h->content, content)) {
            h->blob = b;
            host_bind(h);
            touch(v, h->name);
        }
    }
    return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *x;
    if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_string))
        return NULL;
    return json_object_get_string(x);
}

static int apply_host(struct cluster_view *v, const char *name, const char *value, size_t len, int64_t rev,
                      cm_error *err)
{
    if (!value) {
        struct cluster_host *h = cluster_view_host(v, name);
        if (!h)
            return 0;
        if (h->live) { /* its lease still runs: keep the entry until it ends */
            free(h->content);
            h->content = NULL;
            h->blob = NULL;
            h->mod_revision = 0;
            host_bind(h);
            touch(v, name);
        } else
            host_remove(v, name);
        return 0;
    }
    struct json_object *o = parse(value, len, name, err);
    if (!o)
        return -1;
    const char *content = jstr(o, "content");
    if (!content) {
        json_object_put(o);
        return cm_fail(err, CM_E_INPUT, "hosts/%s: no content key", name);
    }
    struct cluster_host *h = host_get(v, name);
    cm_snapshot_set_str(&h->content, content);
    cm_snapshot_set_str(&h->digest, jstr(o, "digest"));
    cm_snapshot_set_str(&h->registered, jstr(o, "registered"));
    cm_snapshot_set_str(&h->updated, jstr(o, "updated"));
    cm_snapshot_set_str(&h->silent_since, jstr(o, "silent_since"));
    h->mod_revision = rev;
    h->blob = blob_find(v, content);
    host_bind(h);
    touch(v, name);
    json_object_put(o);
    return 0;
}

static void apply_live(struct cluster_view *v, const char *name, bool live)
{
    struct cluster_host *h = live ? host_get(v, name) : cluster_view_host(v, name);
    if (!h)
        return;
    if (live != h->live)
        v->nlive = live ? v->nlive + 1 : v->nlive - 1;
    h->live = live;
    if (!live) {
        h->seen_silent = time(NULL);
        if (!h->content) { /* no record (forgotten while live): nothing left */
            host_remove(v, name);
            return;
        }
    }
    host_bind(h);
    touch(v, name);
}

static int apply_model(struct cmd_daemon *d, const char *name, const char *value, size_t len, int64_t rev,
                       cm_error *err)
{
    cm_error werr = {0};
    if (!value) {
        cmd_model_drop(d, name);
        if (cmd_model_unlink(d, name, &werr) < 0)
            fprintf(stderr, "cpumodeld: model cache: %s\n", werr.msg);
        return 0;
    }
    struct json_object *o = parse(value, len, name, err);
    if (!o)
        return -1;
    struct cmd_model m;
    int r = cmd_model_from_json(o, name, &m, err);
    json_object_put(o);
    if (r < 0)
        return -1;
    if (strcmp(m.name, name)) {
        cmd_model_clear(&m);
        return cm_fail(err, CM_E_INPUT, "models/%s: the value names another model", name);
    }
    m.mod_revision = rev;
    struct cmd_model *old = cmd_model_find(d, name);
    if (old && old->mod_revision >= rev) { /* already applied (our own write) */
        cmd_model_clear(&m);
        return 0;
    }
    struct cmd_model *in = cmd_model_set(d, &m);
    if (cmd_model_save(d, in, &werr) < 0)
        fprintf(stderr, "cpumodeld: model cache: %s\n", werr.msg);
    return 0;
}

int cluster_view_apply(struct cmd_daemon *d, struct cluster_view *v, const char *rel, const char *value, size_t len,
                       int64_t mod_revision, cm_error *err)
{
    static const struct {
        const char *dir;
        int kind;
    } dirs[] = {{"snapshots/", 0}, {"hosts/", 1}, {"live/", 2}, {"models/", 3}};
    for (size_t i = 0; i < CM_ARRAY_SIZE(dirs); i++) {
        size_t n = strlen(dirs[i].dir);
        if (strncmp(rel, dirs[i].dir, n) || !rel[n])
            continue;
        const char *name = rel + n;
        v->version++;
        switch (dirs[i].kind) {
        case 0: return apply_blob(v, name, value, len, mod_revision, err);
        case 1: return apply_host(v, name, value, len, mod_revision, err);
        case 2: apply_live(v, name, value != NULL); return 0;
        default: return apply_model(d, name, value, len, mod_revision, err);
        }
    }
    return 0; /* not ours (a newer daemon's key): ignored */
}

void cluster_view_free(struct cluster_view *v)
{
    for (size_t i = 0; i < v->nhosts; i++)
        host_free(v->hosts[i]);
    for (size_t i = 0; i < v->nblobs; i++)
        blob_free(v->blobs[i]);
    free(v->hosts);
    free(v->blobs);
    free(v->touched);
    memset(v, 0, sizeof(*v));
}
