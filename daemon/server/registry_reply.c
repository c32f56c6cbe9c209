/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The whole-registry GetBaseline reply, kept current one host at a time
 * (docs/cluster.md, "Fleet scale").
 *
 * Over 10,000 hosts the reply is about 1.7 MB, nearly all of it per-host
 * text: the member list and, per snapshot content, the names of its hosts
 * (baseline.hosts[].same_content, a pin's failing_hosts).  Everything else —
 * the baseline over one representative per content, its verdicts, the pins'
 * status — depends only on the contents, their representatives and the
 * pinned models: a handful of vectors.  So a render is
 *   1. one pass over the view's hosts (their rows, below), already in name
 *      order: the contents and their names, the unreachable and stale lists;
 *   2. the template — the reply encoded by methods.c with holes where the
 *      per-host parts go — made again only when its signature (contents,
 *      representatives, which contents have company, pinned models) moved;
 *   3. the template's text with the holes filled into the slot's buffer; a
 *      member's object is encoded once and again only when what it shows
 *      changed (status, age, error), its verdict spliced in from its
 *      content's, and kept with those of its run.
 * The host records are scattered over the heap, and reading 10,000 of them
 * cost more than the rest of a render: what the pass needs of each host is
 * kept in a row (an array in the view's order, names in one buffer), and
 * the members are kept encoded in runs of BLOCK hosts.  The view says which
 * hosts changed since (cluster.h, `touched`): their rows and runs are made
 * again; hosts added or removed (a new layout) make all of them again.
 * One host changed costs its own encoding, its run's, one pass over the
 * rows and one copy of the reply; a new content or representative also the
 * baseline over the representatives.  The reply is the one a full render
 * gives: the template comes from the functions that answer static peers,
 * and test_cluster_etcd_incremental.sh compares it with a fresh daemon's. */
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry_reply.h"

#define ENCODE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) /* as protocol/varlink.c */

struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (!n) /* an empty list's buffer may have no allocation yet */
        return;
    cm_grow(&b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* A list of JSON values, comma-separated (the inside of an array). */
static void put_item(struct buf *b, const char *s, size_t n)
{
    if (b->len)
        put(b, ",", 1);
    put(b, s, n);
}

static char *encode(struct json_object *o, size_t *len)
{
    const char *s = json_object_to_json_string_length(o, ENCODE_FLAGS, len);
    char *out = cm_xmalloc(*len + 1);
    memcpy(out, s, *len + 1);
    json_object_put(o);
    return out;
}

/* One snapshot content among the members, in the order of its first host. */
struct content {
    const char *id; /* what the content is: its registry key, or this host's own digest */
    const struct cm_vector *vec; /* its representative: the first host by name */
    const struct cm_snapshot *snap;
    const char *name;
    size_t count;
    struct buf names; /* every host with it, in name order */
};

/* A host of the view as the pass needs it (see the top). */
struct row {
    struct cluster_blob *blob; /* its content, when it has a vector */
    size_t name_off;           /* its name as JSON, in registry_render.names */
    size_t name_len;
    enum cmd_member_status status;
    enum cm_arch arch;
    bool shown; /* it has a record */
};

/* The members of BLOCK consecutive hosts of the view, encoded. */
#define BLOCK 64
struct block {
    struct buf text; /* ",{member}" for each shown host but this one's own record */
    bool dirty;      /* a host or a verdict in it changed */
    bool aged;       /* a member shows an age, as of `at` */
    time_t at;
};

struct hole_at {
    size_t off; /* in the template's text */
    enum rr_hole kind;
    size_t arg;
};

struct rr_holes {
    struct registry_render *r;
};

struct registry_render {
    /* the template and what it was made from */
    struct buf sig;
    char *text; /* the reply without its NUL; holes at their offsets */
    size_t len;
    struct hole_at *holes;
    size_t nholes, hcap;
    bool *verdicts; /* per content: its representative's */
    bool have_template;
    /* this render's pass */
    struct content *contents;
    size_t ncontents, ccap;
    char self_id[8 + CM_DIGEST_LEN];
    size_t self_content;
    bool self_other; /* this host's snapshot is not its registry content */
    struct buf unreachable, stale;
    struct cmd_peer **other_arch;
    size_t nother, ocap;
    struct buf next_sig;
    /* the view's hosts, as of its layout and its first ntouched changes since */
    struct row *rows;
    size_t nrows, rcap;
    struct buf names;
    uint64_t layout;
    size_t ntouched;
    bool have_rows;
    struct block *blocks;
    size_t nblocks, bcap;
    size_t self_row; /* this host's own record, not listed as a member; SIZE_MAX: none */
    enum cm_arch arch; /* this host's: the members' verdicts depend on it */
};

/* ---- holes ---------------------------------------------------------------- */

struct hole_node {
    struct registry_render *r;
    enum rr_hole kind;
    size_t arg;
};

/* json-c calls this where the hole's value goes: note where, write nothing */
static int hole_serialize(struct json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    (void)flags;
    struct hole_node *h = json_object_get_userdata(o);
    struct registry_render *r = h->r;
    cm_grow(&r->holes, &r->hcap, r->nholes + 1, sizeof(*r->holes));
    r->holes[r->nholes++] = (struct hole_at){(size_t)pb->bpos, h->kind, h->arg};
    return 0;
}

static void hole_free(struct json_object *o, void *userdata)
{
    (void)o;
    free(userdata);
}

static struct json_object *hole_node(struct registry_render *r, enum rr_hole kind, size_t arg)
{
    struct json_object *o = json_object_new_object();
    struct hole_node *h = cm_xcalloc(1, sizeof(*h));
    *h = (struct hole_node){r, kind, arg};
    json_object_set_serializer(o, hole_serialize, h, hole_free);
    return o;
}

struct json_object *rr_hole(struct rr_holes *hz, enum rr_hole kind, size_t arg)
{
    if (kind == RR_REGISTRY || kind == RR_ARCH_GROUPS)
        return hole_node(hz->r, kind, arg);
    /* a list: the hole is its inside (possibly empty) */
    struct json_object *a = json_object_new_array();
    json_object_array_add(a, hole_node(hz->r, kind, arg));
    return a;
}

/* ---- rows and runs, kept with the view ------------------------------------ */

static void row_set(struct row *row, const struct cluster_host *h)
{
    row->shown = h->content != NULL;
    row->status = cluster_host_status(h);
    row->blob = h->peer.have_vec ? h->blob : NULL;
    row->arch = h->snap.arch;
}

static void name_json(struct cluster_host *h);

static void blocks_dirty(struct registry_render *r)
{
    for (size_t b = 0; b < r->nblocks; b++)
        r->blocks[b].dirty = true;
}

/* Every row and run again: hosts were added or removed. */
static void rows_rebuild(struct registry_render *r, struct cluster_view *v)
{
    cm_grow(&r->rows, &r->rcap, v->nhosts + 1, sizeof(*r->rows));
    r->names.len = 0;
    for (size_t i = 0; i < v->nhosts; i++) {
        struct cluster_host *h = v->hosts[i];
        name_json(h);
        r->rows[i].name_off = r->names.len;
        r->rows[i].name_len = h->text.name_len;
        put(&r->names, h->text.name_json, h->text.name_len);
        row_set(&r->rows[i], h);
    }
    r->nrows = v->nhosts;
    size_t had = r->bcap;
    r->nblocks = (r->nrows + BLOCK - 1) / BLOCK;
    cm_grow(&r->blocks, &r->bcap, r->nblocks + 1, sizeof(*r->blocks));
    memset(&r->blocks[had], 0, (r->bcap - had) * sizeof(*r->blocks)); /* no text buffer yet */
    blocks_dirty(r);
    r->layout = v->layout;
    r->ntouched = v->ntouched;
    r->have_rows = true;
}

/* The rows as the view is now: the hosts it changed in place since, or all. */
static void rows_update(struct registry_render *r, struct cluster_view *v)
{
    if (!r->have_rows || r->layout != v->layout) {
        rows_rebuild(r, v);
        return;
    }
    for (size_t k = r->ntouched; k < v->ntouched; k++) {
        size_t i = v->touched[k];
        row_set(&r->rows[i], v->hosts[i]);
        r->blocks[i / BLOCK].dirty = true;
    }
    r->ntouched = v->ntouched;
}

/* This host's record is left out of the members (it is listed as "self"). */
static void self_row_set(struct registry_render *r, size_t row)
{
    if (row == r->self_row)
        return;
    if (r->self_row != SIZE_MAX && r->self_row < r->nrows)
        r->blocks[r->self_row / BLOCK].dirty = true;
    if (row != SIZE_MAX)
        r->blocks[row / BLOCK].dirty = true;
    r->self_row = row;
}

/* ---- the pass over the view ----------------------------------------------- */

static void text_clear(struct cluster_member_text *t)
{
    free(t->json);
    free(t->error);
    t->json = t->error = NULL;
}

static void name_json(struct cluster_host *h)
{
    if (!h->text.name_json)
        h->text.name_json = encode(json_object_new_string(h->name), &h->text.name_len);
}

/* The host's member object without its closing brace, encoded again only
 * when what it shows changed; an age changes with the second. */
static void member_text(struct cmd_daemon *d, struct cluster_host *h, time_t now)
{
    struct cluster_member_text *t = &h->text;
    enum cmd_member_status st = cluster_host_status(h);
    const char *err = h->peer.last_error;
    if (t->json && t->status == st && t->fetched == h->peer.fetched && (!t->fetched || t->at == now) &&
        (t->error ? err && !strcmp(t->error, err) : !err))
        return;
    text_clear(t);
    t->json = encode(d->baseline_parts->member_json(h->name, h->name, st, false, h->peer.fetched, now, err), &t->len);
    t->len--; /* the closing brace: the verdict goes before it */
    t->status = st;
    t->fetched = h->peer.fetched;
    t->at = now;
    t->error = err ? cm_xstrdup(err) : NULL;
}

static size_t content_new(struct registry_render *r, const char *id, const struct cm_vector *vec,
                          const struct cm_snapshot *snap, const char *name)
{
    size_t had = r->ccap;
    cm_grow(&r->contents, &r->ccap, r->ncontents + 1, sizeof(*r->contents));
    memset(&r->contents[had], 0, (r->ccap - had) * sizeof(*r->contents)); /* no names buffer yet */
    struct content *c = &r->contents[r->ncontents];
    struct buf names = c->names; /* kept: its allocation is reused */
    *c = (struct content){id, vec, snap, name, 0, names};
    c->names.len = 0;
    return r->ncontents++;
}

static void content_add(struct registry_render *r, size_t c, const char *name_json, size_t len)
{
    r->contents[c].count++;
    put_item(&r->contents[c].names, name_json, len);
}

/* Renders are numbered for every slot: a blob's mark says which content it
 * is in the render under way (one event loop: no two renders at once). */
static uint64_t render_count;

/* This host joins its registry content when the registry holds its current
 * snapshot (the record's digest is this host's), else it is its own. */
static struct cluster_blob *self_blob(struct cmd_daemon *d, struct registry_render *r)
{
    struct cluster_host *me = cluster_view_host(cmd_cluster_view(d), cm_snapshot_name(d->host.snap));
    const char *mine = d->host.digest;
    snprintf(r->self_id, sizeof(r->self_id), "self:%s", mine);
    return me && me->blob && me->digest && !strcmp(me->digest, mine) ? me->blob : NULL;
}

static size_t blob_content(struct registry_render *r, struct cluster_blob *b, const struct cm_vector *vec,
                           const struct cm_snapshot *snap, const char *name)
{
    if (b->render_id != render_count) {
        b->render_id = render_count;
        b->render_content = content_new(r, b->content, vec, snap, name);
    }
    return b->render_content;
}

/* Members in name order (this host at its place), as methods.c's members
 * are sorted: the contents in the order of their first host. */
static void pass(struct cmd_daemon *d, struct registry_render *r, bool *has_silent)
{
    struct cluster_view *v = cmd_cluster_view(d);
    const char *me = cm_snapshot_name(d->host.snap);
    enum cm_arch arch = d->host.snap->arch;
    render_count++;
    r->ncontents = r->nother = 0;
    r->unreachable.len = r->stale.len = 0;
    *has_silent = false;
    rows_update(r, v);
    if (arch != r->arch) {
        r->arch = arch;
        blocks_dirty(r);
    }
    struct cluster_blob *mine = self_blob(d, r);
    /* where this host sorts among the others: found once, not per host */
    size_t self_at = 0, hi = v->nhosts;
    while (self_at < hi) {
        size_t mid = self_at + (hi - self_at) / 2;
        if (strcmp(v->hosts[mid]->name, me) < 0)
            self_at = mid + 1;
        else
            hi = mid;
    }
    self_row_set(r, self_at < v->nhosts && !strcmp(v->hosts[self_at]->name, me) ? self_at : SIZE_MAX);
    for (size_t i = 0; i <= r->nrows; i++) {
        if (i == self_at) {
            r->self_other = !mine;
            r->self_content = mine ? blob_content(r, mine, &d->host.vec, d->host.snap, me)
                                   : content_new(r, r->self_id, &d->host.vec, d->host.snap, me);
            _cleanup_free_ char *nj = NULL;
            size_t nl;
            nj = encode(json_object_new_string(me), &nl);
            content_add(r, r->self_content, nj, nl);
        }
        if (i == r->nrows)
            break;
        struct row *row = &r->rows[i];
        if (!row->shown || i == r->self_row)
            continue;
        const char *nj = r->names.p + row->name_off;
        /* a silent host (its lease ended) counts like a cached peer */
        if (row->status == CMD_MISSING || row->status == CMD_SILENT)
            put_item(&r->unreachable, nj, row->name_len);
        if (row->status == CMD_SILENT) {
            put_item(&r->stale, nj, row->name_len);
            *has_silent = true;
        }
        if (row->status == CMD_MISSING)
            continue;
        struct cluster_host *h = v->hosts[i];
        if (row->arch != arch) { /* left to its own group (arch_groups) */
            cm_grow(&r->other_arch, &r->ocap, r->nother + 1, sizeof(*r->other_arch));
            r->other_arch[r->nother++] = &h->peer;
            continue;
        }
        /* the record itself is read only for a content's first host */
        size_t c = row->blob->render_id == render_count ? row->blob->render_content
                                                         : blob_content(r, row->blob, &h->peer.vec, &h->snap, h->name);
        content_add(r, c, nj, row->name_len);
    }
}

/* ---- the template --------------------------------------------------------- */

/* What the template shows besides the holes: the contents with their
 * representatives and whether they have company (same_content is shown
 * then), and the pinned models. */
static void signature(struct cmd_daemon *d, struct registry_render *r, struct buf *sig)
{
    sig->len = 0;
    char line[64];
    for (size_t i = 0; i < r->ncontents; i++) {
        const struct content *c = &r->contents[i];
        put(sig, c->id, strlen(c->id) + 1);
        put(sig, c->name, strlen(c->name) + 1);
        put(sig, c->count > 1 ? "+" : "-", 1);
    }
    for (size_t i = 0; i < d->nmodels; i++) {
        const struct cmd_model *m = &d->models[i];
        int n = snprintf(line, sizeof(line), "\nmodel %lld ", (long long)m->generation);
        put(sig, line, (size_t)n);
        put(sig, m->name, strlen(m->name) + 1);
        put(sig, m->digest, strlen(m->digest));
    }
}

/* Names every host behind a representative: baseline.hosts[i].same_content,
 * and the pinned models' failing hosts (failing representatives). */
static void expand(struct registry_render *r, struct rr_holes *hz, struct json_object *p)
{
    struct json_object *bl, *hosts, *pinned;
    if (json_object_object_get_ex(p, "baseline", &bl) && json_object_object_get_ex(bl, "hosts", &hosts))
        for (size_t i = 0; i < json_object_array_length(hosts) && i < r->ncontents; i++)
            if (r->contents[i].count > 1)
                json_object_object_add(json_object_array_get_idx(hosts, i), "same_content",
                                       rr_hole(hz, RR_NAMES, i));
    if (!json_object_object_get_ex(p, "pinned", &pinned))
        return;
    for (size_t k = 0; k < json_object_array_length(pinned); k++) {
        struct json_object *fh, *all;
        if (!json_object_object_get_ex(json_object_array_get_idx(pinned, k), "failing_hosts", &fh))
            continue;
        all = json_object_new_array();
        for (size_t j = 0; j < json_object_array_length(fh); j++) {
            const char *name = json_object_get_string(json_object_array_get_idx(fh, j));
            for (size_t i = 0; i < r->ncontents; i++)
                if (!strcmp(r->contents[i].name, name))
                    json_object_array_add(all, hole_node(r, RR_NAMES, i));
        }
        json_object_object_add(json_object_array_get_idx(pinned, k), "failing_hosts", all);
    }
}

static void template_make(struct cmd_daemon *d, struct registry_render *r, bool groups)
{
    size_t n = r->ncontents;
    const struct cm_vector **vecs = cm_xcalloc(n + 1, sizeof(*vecs));
    const struct cm_snapshot **snaps = cm_xcalloc(n + 1, sizeof(*snaps));
    const char **names = cm_xcalloc(n + 1, sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        vecs[i] = r->contents[i].vec;
        snaps[i] = r->contents[i].snap;
        names[i] = r->contents[i].name;
    }
    free(r->verdicts);
    r->verdicts = cm_xcalloc(n + 1, sizeof(bool));
    struct rr_holes hz = {r};
    cm_error err = {0};
    struct json_object *p = d->baseline_parts->registry_params(d, vecs, snaps, names, n, groups, &hz, r->verdicts, &err);
    free(vecs);
    free(snaps);
    free(names);
    free(r->text);
    r->nholes = 0; /* noted as the template is encoded */
    if (p) {
        expand(r, &hz, p);
        r->text = vl_encode_reply(p, false, &r->len);
    } else {
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "message", json_object_new_string(err.msg));
        r->text = vl_encode_error(CMD_IFACE ".NegotiationFailed", e, &r->len);
    }
    r->len--; /* the NUL ends the assembled reply */
    r->have_template = true;
}

/* ---- filling the holes ---------------------------------------------------- */

/* ,"enforceable":…} as methods.c writes it */
static void verdict_text(struct cmd_daemon *d, bool enforceable, struct buf *b)
{
    struct json_object *o = json_object_new_object();
    d->baseline_parts->member_verdict(o, enforceable);
    size_t len;
    _cleanup_free_ char *s = encode(o, &len);
    b->len = 0;
    put(b, ",", 1);
    put(b, s + 1, len - 1);
}

/* One run's members again: its hosts' objects (each encoded again only if
 * what it shows changed) and their verdicts. */
static void block_encode(struct cmd_daemon *d, struct registry_render *r, size_t b, const struct buf *yes,
                         const struct buf *no, time_t now)
{
    struct cluster_view *v = cmd_cluster_view(d);
    struct block *blk = &r->blocks[b];
    blk->text.len = 0;
    blk->aged = false;
    size_t end = (b + 1) * BLOCK < r->nrows ? (b + 1) * BLOCK : r->nrows;
    for (size_t i = b * BLOCK; i < end; i++) {
        const struct row *row = &r->rows[i];
        if (!row->shown || i == r->self_row)
            continue;
        struct cluster_host *h = v->hosts[i];
        member_text(d, h, now);
        blk->aged |= h->text.fetched != 0;
        put(&blk->text, ",", 1);
        put(&blk->text, h->text.json, h->text.len);
        if (row->status == CMD_MISSING)
            put(&blk->text, "}", 1);
        else {
            /* another architecture cannot run the model */
            const struct buf *vt = row->arch == r->arch && r->verdicts[row->blob->render_content] ? yes : no;
            put(&blk->text, vt->p, vt->len);
        }
    }
    blk->dirty = false;
    blk->at = now;
}

static void fill_members(struct cmd_daemon *d, struct registry_render *r, struct buf *out, time_t now)
{
    struct buf yes = {0}, no = {0};
    verdict_text(d, true, &yes);
    verdict_text(d, false, &no);
    const char *me = cm_snapshot_name(d->host.snap);
    size_t len;
    _cleanup_free_ char *self = encode(d->baseline_parts->member_json(me, "self", CMD_SELF, false, 0, now, NULL), &len);
    put(out, self, len - 1);
    const struct buf *sv = r->verdicts[r->self_content] ? &yes : &no;
    put(out, sv->p, sv->len);
    for (size_t b = 0; b < r->nblocks; b++) {
        struct block *blk = &r->blocks[b];
        if (blk->dirty || (blk->aged && blk->at != now))
            block_encode(d, r, b, &yes, &no, now);
        put(out, blk->text.p, blk->text.len);
    }
    free(yes.p);
    free(no.p);
}

static void fill(struct cmd_daemon *d, struct registry_render *r, const struct hole_at *h, struct buf *out,
                 time_t now)
{
    size_t len;
    switch (h->kind) {
    case RR_MEMBERS: fill_members(d, r, out, now); break;
    case RR_UNREACHABLE: put(out, r->unreachable.p, r->unreachable.len); break;
    case RR_STALE: put(out, r->stale.p, r->stale.len); break;
    case RR_NAMES: put(out, r->contents[h->arg].names.p, r->contents[h->arg].names.len); break;
    case RR_REGISTRY: {
        _cleanup_free_ char *s = encode(cmd_cluster_status(d), &len);
        put(out, s, len);
        break;
    }
    case RR_ARCH_GROUPS: {
        _cleanup_free_ char *s = encode(d->baseline_parts->arch_groups(r->other_arch, r->nother), &len);
        put(out, s, len);
        break;
    }
    }
}

/* ---- the slot ------------------------------------------------------------- */

static void render_free(struct registry_render *r);

static void registry_render(struct cmd_daemon *d, bool groups)
{
    struct cmd_cluster_reply *slot = cmd_cluster_reply_slot(d, groups);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!slot->render) {
        slot->render = cm_xcalloc(1, sizeof(*slot->render));
        slot->render->self_row = SIZE_MAX;
        slot->render_free = render_free;
    }
    struct registry_render *r = slot->render;
    time_t now = time(NULL);
    bool has_silent;
    pass(d, r, &has_silent);
    signature(d, r, &r->next_sig);
    if (!r->have_template || r->sig.len != r->next_sig.len || memcmp(r->sig.p, r->next_sig.p, r->sig.len)) {
        struct buf t = r->sig;
        r->sig = r->next_sig;
        r->next_sig = t;
        template_make(d, r, groups);
        blocks_dirty(r); /* the verdicts may have changed */
    }
    struct buf out = {slot->data, 0, slot->cap};
    size_t at = 0;
    for (size_t i = 0; i < r->nholes; i++) {
        put(&out, r->text + at, r->holes[i].off - at);
        fill(d, r, &r->holes[i], &out, now);
        at = r->holes[i].off;
    }
    put(&out, r->text + at, r->len - at);
    put(&out, "", 1); /* Varlink's message end */
    slot->data = out.p;
    slot->len = out.len;
    slot->cap = out.cap;
    slot->has_silent = has_silent;
    slot->version = cmd_cluster_version(d);
    uint64_t mono = 0;
    sd_event_now(d->event, CLOCK_MONOTONIC, &mono);
    slot->rendered_us = mono;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cmd_cluster_note_render(d, (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

void cmd_cluster_baseline_refresh(struct cmd_daemon *d)
{
    registry_render(d, true);
}

void cmd_reply_registry_baseline(struct cmd_conn *c, bool groups)
{
    struct cmd_daemon *d = c->d;
    struct cmd_cluster_reply *slot = cmd_cluster_reply_slot(d, groups);
    uint64_t now = 0;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (!slot->data || slot->version != cmd_cluster_version(d) ||
        (slot->has_silent && now - slot->rendered_us >= 1000000))
        registry_render(d, groups);
    cmd_reply_raw(c, slot->data, slot->len);
}

static void render_free(struct registry_render *r)
{
    {
        for (size_t i = 0; i < r->ccap; i++)
            free(r->contents[i].names.p);
        free(r->contents);
        free(r->sig.p);
        free(r->next_sig.p);
        free(r->text);
        free(r->holes);
        free(r->verdicts);
        free(r->unreachable.p);
        free(r->stale.p);
        free(r->other_arch);
        free(r->rows);
        free(r->names.p);
        for (size_t i = 0; i < r->bcap; i++)
            free(r->blocks[i].text.p);
        free(r->blocks);
        free(r);
    }
}
