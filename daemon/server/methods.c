/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The methods: org.varlink.service introspection and io.cpumodeld
 * (protocol/io.cpumodeld.varlink is the contract).  Methods that need the
 * cluster start a fan-out and finish from its callback. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "cpumodel/arch.h"
#include "daemon.h"
#include "export.h"
#include "registry_reply.h"

#ifndef CPUMODELD_VERSION
#define CPUMODELD_VERSION "unknown"
#endif

/* ---- org.varlink.service -------------------------------------------------- */

static int m_get_info(struct cmd_conn *c, struct vl_call *call)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "vendor", json_object_new_string("cpumodeld"));
    json_object_object_add(p, "product", json_object_new_string("cpumodeld"));
    json_object_object_add(p, "version", json_object_new_string(CPUMODELD_VERSION));
    json_object_object_add(p, "url", json_object_new_string("https://varlink.org/"));
    struct json_object *ifs = json_object_new_array();
    json_object_array_add(ifs, json_object_new_string("org.varlink.service"));
    json_object_array_add(ifs, json_object_new_string(CMD_IFACE));
    if (c->d->cfg.certification)
        json_object_array_add(ifs, json_object_new_string("org.varlink.certification"));
    json_object_object_add(p, "interfaces", ifs);
    cmd_reply(c, p);
    return 0;
}

static int m_get_iface(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, "interface", &bad);
    if (!name || bad) {
        cmd_error_param(c, "interface");
        return 0;
    }
    const char *text = NULL;
    if (!strcmp(name, "org.varlink.service"))
        text = vl_iface_service;
    else if (!strcmp(name, CMD_IFACE))
        text = vl_iface_cpumodeld;
    else if (!strcmp(name, "org.varlink.certification") && c->d->cfg.certification)
        text = vl_iface_certification;
    if (!text) {
        cmd_error_msg(c, VL_ERR_INTERFACE_NOT_FOUND, "interface", name);
        return 0;
    }
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "description", json_object_new_string(text));
    cmd_reply(c, p);
    return 0;
}

/* ---- GetHost, Reprobe ----------------------------------------------------- */

void cmd_host_changed(struct cmd_daemon *d)
{
    for (int i = 0; i < 2; i++) {
        free(d->host_reply[i]);
        d->host_reply[i] = NULL;
    }
    cmd_reply_cache_clear(d);
}

static int m_get_host(struct cmd_conn *c, struct vl_call *call)
{
    struct cmd_daemon *d = c->d;
    bool bad = false;
    bool full = cmd_param_bool(call->params, "full", false, &bad);
    if (bad) {
        cmd_error_param(c, "full");
        return 0;
    }
    /* the answer only changes on a re-probe: encode it once */
    if (!d->host_reply[full]) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "host", cmd_host_json(d));
        /* peers compare these with their own: one name and generation with
         * two digests is a conflict (GetBaseline model_conflicts) */
        json_object_object_add(p, "models", cmd_models_json(d));
        if (full)
            json_object_object_add(p, "snapshot", cm_snapshot_to_json(d->host.snap));
        d->host_reply[full] = vl_encode_reply(p, false, &d->host_reply_len[full]);
    }
    cmd_reply_raw(c, d->host_reply[full], d->host_reply_len[full]);
    return 0;
}

/* The refresh runs in a child (state.c): the caller waits, everyone else
 * keeps being answered from the current snapshot. */
static void on_reprobed(struct cmd_daemon *d, void *arg, const cm_error *err)
{
    struct cmd_conn *c = arg;
    if (err)
        cmd_error_msg(c, CMD_IFACE ".ProbeFailed", "message", err->msg);
    else {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "host", cmd_host_json(d));
        cmd_reply(c, p);
    }
    cmd_call_done(c);
}

static int m_reprobe(struct cmd_conn *c, struct vl_call *call)
{
    cm_error err = {0};
    if (cmd_host_refresh(c->d, on_reprobed, c, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".ProbeFailed", "message", err.msg);
        return 0;
    }
    return 1;
}

/* ---- models --------------------------------------------------------------- */

static int m_list_models(struct cmd_conn *c, struct vl_call *call)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "models", cmd_models_json(c->d));
    cmd_reply(c, p);
    return 0;
}

static struct cmd_model *model_param(struct cmd_conn *c, struct vl_call *call, const char *key)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, key, &bad);
    if (name && !strncmp(name, "model:", 6))
        name += 6;
    if (!name || bad || (!cmd_model_name_ok(name) && !cm_digest_valid(name))) {
        cmd_error_param(c, key);
        return NULL;
    }
    struct cmd_model *m = cmd_model_find(c->d, name);
    if (!m)
        cmd_error_msg(c, CMD_IFACE ".NoSuchModel", "name", name);
    return m;
}

static int m_get_model(struct cmd_conn *c, struct vl_call *call)
{
    struct cmd_model *m = model_param(c, call, "name");
    if (!m)
        return 0;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "info", cmd_model_info(m));
    json_object_object_add(p, "model", cm_snapshot_to_json(m->snap));
    cmd_reply(c, p);
    return 0;
}

/* A write to the registry finishing after the method returned (or before:
 * then the method replies itself and returns 0). */
struct registry_write {
    struct cmd_conn *c;
    bool in_call, finished;
    char *model;                  /* PinModel: the model the reply describes */
    struct json_object *ok_params; /* PinModel: the reply without its info */
};

static void on_registry_write(void *userdata, const char *error, struct json_object *params)
{
    struct registry_write *w = userdata;
    if (error) {
        cmd_error(w->c, error, params);
        json_object_put(w->ok_params);
    } else if (w->ok_params) {
        /* params: the info of the model as written */
        struct cmd_model *pm = params ? NULL : cmd_model_find(w->c->d, w->model);
        json_object_object_add(w->ok_params, "info", params ? params : pm ? cmd_model_info(pm) : NULL);
        cmd_reply(w->c, w->ok_params);
    } else {
        json_object_put(params);
        cmd_reply(w->c, NULL);
    }
    w->ok_params = NULL;
    if (w->in_call) {
        w->finished = true;
        return;
    }
    struct cmd_conn *c = w->c;
    free(w->model);
    free(w);
    cmd_call_done(c);
}

static struct registry_write *registry_write_new(struct cmd_conn *c)
{
    struct registry_write *w = cm_xcalloc(1, sizeof(*w));
    w->c = c;
    w->in_call = true;
    return w;
}

/* After starting the write: 0 when it already finished (replied), 1 when
 * the reply comes later. */
static int registry_write_started(struct registry_write *w)
{
    w->in_call = false;
    if (!w->finished)
        return 1;
    free(w->model);
    free(w);
    return 0;
}

static int m_unpin(struct cmd_conn *c, struct vl_call *call)
{
    struct cmd_model *m = model_param(c, call, "name");
    if (!m)
        return 0;
    if (c->d->cluster) {
        struct registry_write *w = registry_write_new(c);
        cmd_cluster_unpin(c->d, m->name, on_registry_write, w);
        return registry_write_started(w);
    }
    cm_error err = {0};
    if (cmd_model_unpin(c->d, m->name, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".StateError", "message", err.msg);
        return 0;
    }
    cmd_host_changed(c->d); /* GetHost lists the pinned models */
    cmd_reply(c, NULL);
    return 0;
}

/* ---- cluster operations --------------------------------------------------- */

enum cluster_op { OP_BASELINE, OP_PIN, OP_COMPARE, OP_PLAN };

struct cluster_call {
    struct cmd_conn *c;
    struct cmd_daemon *d; /* c->d, or the daemon alone for the registry's template (cmd_registry_params) */
    enum cluster_op op;
    bool self;          /* this host takes part */
    bool groups, replace;
    char *name, *from, *to;
    struct cm_assume assume; /* Compare: migration or boot, VMM restore behaviour */
    struct cmd_fanout *f;
    int pending; /* a registry write replies later */
    bool *other_arch;   /* per fan-out result: a peer of another arch, left to its own group */
};

static void cluster_free(struct cluster_call *cc)
{
    free(cc->other_arch);
    free(cc->name);
    free(cc->from);
    free(cc->to);
    free(cc);
}

/* The members that answered or are cached, in name order (members_sort). */
struct members {
    const struct cm_vector **vecs;
    const struct cm_snapshot **snaps;
    const char **names;
    size_t n;
};

struct member_ref {
    const struct cm_vector *vec;
    const struct cm_snapshot *snap;
    const char *name;
};

static int member_by_name(const void *a, const void *b)
{
    const struct member_ref *x = a, *y = b;
    return strcmp(x->vec->name, y->vec->name);
}

/* Members in name order, as the offline CLI orders hosts: the cluster baseline (its model, groups,
 * reasons) does not depend on the order of the configured peers and equals `cpumodeld baseline`
 * of the same snapshots. */
static void members_sort(struct members *m)
{
    struct member_ref *r = cm_xcalloc(m->n ? m->n : 1, sizeof(*r));
    for (size_t i = 0; i < m->n; i++)
        r[i] = (struct member_ref){m->vecs[i], m->snaps[i], m->names[i]};
    qsort(r, m->n, sizeof(*r), member_by_name);
    for (size_t i = 0; i < m->n; i++) {
        m->vecs[i] = r[i].vec;
        m->snaps[i] = r[i].snap;
        m->names[i] = r[i].name;
    }
    free(r);
}

static void members_collect(struct cluster_call *cc, struct members *m)
{
    struct cmd_daemon *d = cc->d;
    size_t cap = cc->f->n + 1;
    m->vecs = cm_xcalloc(cap, sizeof(*m->vecs));
    m->snaps = cm_xcalloc(cap, sizeof(*m->snaps));
    m->names = cm_xcalloc(cap, sizeof(*m->names));
    m->n = 0;
    /* The baseline is over one architecture: this host's when it takes
     * part, else the first member's.  A member of another one (a peer
     * reinstalled, a stale cache) never breaks it: it is left to its own
     * group (arch_groups). */
    enum cm_arch arch = d->host.snap->arch;
    bool arch_set = cc->self || cc->op == OP_COMPARE; /* Compare names the mismatch itself */
    free(cc->other_arch);
    cc->other_arch = cm_xcalloc(cc->f->n + 1, sizeof(bool));
    if (cc->self) {
        m->vecs[m->n] = &d->host.vec;
        m->snaps[m->n] = d->host.snap;
        m->names[m->n++] = cm_snapshot_name(d->host.snap);
    }
    for (size_t i = 0; i < cc->f->n; i++) {
        struct cmd_peer *p = cc->f->res[i].peer;
        if (cc->f->res[i].status == CMD_MISSING || !p->have_vec)
            continue;
        if (!arch_set) {
            arch = p->snap->arch;
            arch_set = true;
        }
        if (p->snap->arch != arch && cc->op != OP_COMPARE) {
            cc->other_arch[i] = true;
            continue;
        }
        m->vecs[m->n] = &p->vec;
        m->snaps[m->n] = p->snap;
        m->names[m->n++] = p->name;
    }
    members_sort(m);
}

/* The verdict of the member whose vector is `v` (b->hosts is in name order). */
static const struct cm_host_verdict *verdict_of(const struct cm_baseline *b, const struct cm_vector *v)
{
    size_t lo = 0, hi = b->nhosts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(b->hosts[mid]->name, v->name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < b->nhosts && !strcmp(b->hosts[i]->name, v->name); i++)
        if (b->hosts[i] == v)
            return &b->verdicts[i];
    return NULL;
}

static void members_free(struct members *m)
{
    free(m->vecs);
    free(m->snaps);
    free(m->names);
}

static const char *status_name(enum cmd_member_status s)
{
    static const char *const names[] = {"self", "live", "cached", "missing", "silent"};
    return names[s];
}

/* One member as GetBaseline lists it, but for its verdict ("enforceable",
 * added last by the caller): the registry's reply keeps this encoded per host
 * (registry_reply.c).  The age is shown for a member answered from a cache
 * or silent, as of `now`. */
static struct json_object *cmd_member_json(const char *name, const char *address, enum cmd_member_status status,
                                           bool from_cache, time_t fetched, time_t now, const char *error)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "address", json_object_new_string(address));
    json_object_object_add(o, "status", json_object_new_string(status_name(status)));
    if ((status == CMD_CACHED || status == CMD_SILENT || from_cache) && fetched)
        json_object_object_add(o, "age_s", json_object_new_double((double)(now - fetched)));
    if (error)
        json_object_object_add(o, "error", json_object_new_string(error));
    return o;
}

static void cmd_member_verdict(struct json_object *member, bool enforceable)
{
    json_object_object_add(member, "enforceable", json_object_new_boolean(enforceable));
}

/* Member list, unreachable and stale peers (GetBaseline's bookkeeping); the
 * registry's reply fills them in at each render (holes). */
static void add_membership(struct cluster_call *cc, const struct cm_baseline *b, struct json_object *p,
                           struct rr_holes *holes)
{
    struct cmd_daemon *d = cc->d;
    if (holes) {
        json_object_object_add(p, "members", rr_hole(holes, RR_MEMBERS, 0));
        json_object_object_add(p, "unreachable", rr_hole(holes, RR_UNREACHABLE, 0));
        json_object_object_add(p, "stale", rr_hole(holes, RR_STALE, 0));
        json_object_object_add(p, "registry", rr_hole(holes, RR_REGISTRY, 0));
        return;
    }
    struct json_object *mem = json_object_new_array(), *unr = json_object_new_array(),
                       *stale = json_object_new_array();
    time_t now = time(NULL);
    if (cc->self) {
        struct json_object *o = cmd_member_json(cm_snapshot_name(d->host.snap), "self", CMD_SELF, false, 0, now, NULL);
        const struct cm_host_verdict *hv = b ? verdict_of(b, &d->host.vec) : NULL;
        if (hv)
            cmd_member_verdict(o, hv->enforceable);
        json_object_array_add(mem, o);
    }
    for (size_t i = 0; i < cc->f->n; i++) {
        const struct cmd_fanout_result *r = &cc->f->res[i];
        struct json_object *o = cmd_member_json(r->peer->name ? r->peer->name : r->peer->address, r->peer->address,
                                                r->status, r->from_cache, r->peer->fetched, now, r->error);
        if (cc->other_arch && cc->other_arch[i]) {
            if (b) /* cannot run a model of another architecture */
                cmd_member_verdict(o, false);
        } else if (r->status != CMD_MISSING && r->peer->have_vec) {
            const struct cm_host_verdict *hv = b ? verdict_of(b, &r->peer->vec) : NULL;
            if (hv)
                cmd_member_verdict(o, hv->enforceable);
        }
        json_object_array_add(mem, o);
        /* a silent host (its lease ended) counts like a cached peer */
        if (r->status == CMD_CACHED || r->status == CMD_MISSING || r->status == CMD_SILENT)
            json_object_array_add(unr, json_object_new_string(r->peer->address));
        if (r->status == CMD_CACHED || r->status == CMD_SILENT)
            json_object_array_add(stale, json_object_new_string(r->peer->address));
    }
    json_object_object_add(p, "members", mem);
    json_object_object_add(p, "unreachable", unr);
    json_object_object_add(p, "stale", stale);
    if (d->cluster)
        json_object_object_add(p, "registry", cmd_cluster_status(d));
}

/* Models pinned here and on a member under one name and generation but with
 * different content: never the same model, whatever the label says.  None
 * over the whole registry (no fan-out): its hosts carry no GetHost models,
 * the pins are the registry's own. */
static struct json_object *model_conflicts(struct cluster_call *cc)
{
    struct cmd_daemon *d = cc->d;
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; cc->f && i < cc->f->n; i++) {
        const struct cmd_fanout_result *r = &cc->f->res[i];
        struct json_object *pm = r->peer->models;
        if (r->status == CMD_MISSING || !pm)
            continue;
        for (size_t k = 0; k < json_object_array_length(pm); k++) {
            struct json_object *o = json_object_array_get_idx(pm, k), *jn, *jg, *jd;
            if (!json_object_object_get_ex(o, "name", &jn) || !json_object_object_get_ex(o, "generation", &jg) ||
                !json_object_object_get_ex(o, "digest", &jd) || !json_object_is_type(jn, json_type_string) ||
                !json_object_is_type(jd, json_type_string))
                continue; /* a peer too old to say what its model is: nothing to compare */
            struct cmd_model *mine = cmd_model_find(d, json_object_get_string(jn));
            if (!mine || mine->generation != json_object_get_int64(jg) ||
                !strcmp(mine->digest, json_object_get_string(jd)))
                continue;
            struct json_object *c = json_object_new_object();
            json_object_object_add(c, "name", json_object_new_string(mine->name));
            json_object_object_add(c, "generation", json_object_new_int64(mine->generation));
            json_object_object_add(c, "digest", json_object_new_string(mine->digest));
            json_object_object_add(c, "peer", json_object_new_string(r->peer->address));
            json_object_object_add(c, "peer_host",
                                   json_object_new_string(r->peer->name ? r->peer->name : r->peer->address));
            json_object_object_add(c, "peer_digest", json_object_new_string(json_object_get_string(jd)));
            json_object_array_add(arr, c);
        }
    }
    return arr;
}

/* Members of other architectures than the baseline's, one baseline per
 * architecture (in the order of their first member). */
static struct json_object *cmd_arch_groups(struct cmd_peer *const *peers, size_t n)
{
    struct json_object *arr = json_object_new_array();
    bool *done = cm_xcalloc(n + 1, sizeof(bool));
    const struct cm_vector **vecs = cm_xcalloc(n + 1, sizeof(*vecs));
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        enum cm_arch arch = peers[i]->snap->arch;
        struct json_object *names = json_object_new_array();
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            struct cmd_peer *p = peers[j];
            if (!done[j] && p->snap->arch == arch) {
                done[j] = true;
                vecs[k++] = &p->vec;
                json_object_array_add(names, json_object_new_string(p->name ? p->name : p->address));
            }
        }
        struct json_object *g = json_object_new_object();
        json_object_object_add(g, "arch", json_object_new_string(cm_arch_name(arch)));
        json_object_object_add(g, "members", names);
        cm_error err = {0};
        struct cm_baseline b;
        if (cm_baseline(vecs, k, false, &b, &err) == 0) {
            struct json_object *bj = cm_baseline_to_json(&b, &err);
            json_object_object_add(g, "enforceable_everywhere", json_object_new_boolean(b.enforceable_everywhere));
            json_object_object_add(g, "baseline", bj);
            cm_baseline_free(&b);
        }
        if (err.msg[0])
            json_object_object_add(g, "error", json_object_new_string(err.msg));
        json_object_array_add(arr, g);
    }
    free(vecs);
    free(done);
    return arr;
}

static struct json_object *arch_groups(struct cluster_call *cc)
{
    size_t n = cc->f ? cc->f->n : 0, k = 0;
    struct cmd_peer **peers = cm_xcalloc(n + 1, sizeof(*peers));
    for (size_t i = 0; cc->other_arch && i < n; i++)
        if (cc->other_arch[i])
            peers[k++] = cc->f->res[i].peer;
    struct json_object *arr = cmd_arch_groups(peers, k);
    free(peers);
    return arr;
}

/* Which pinned models the current members can no longer all run. */
static struct json_object *pinned_status(struct cmd_daemon *d, const struct members *m)
{
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < d->nmodels; i++) {
        struct cmd_model *model = &d->models[i];
        struct json_object *failing = json_object_new_array(), *reasons = json_object_new_object();
        for (size_t k = 0; k < m->n; k++) {
            if (m->snaps[k]->arch != model->snap->arch) {
                json_object_array_add(failing, json_object_new_string(m->names[k]));
                struct json_object *r = json_object_new_array();
                json_object_array_add(r, json_object_new_string("the host's architecture differs from the model's"));
                json_object_object_add(reasons, m->names[k], r);
                continue;
            }
            struct cm_reasons rs = {0};
            if (!cm_enforceable(&model->vec, m->vecs[k], &rs)) {
                json_object_array_add(failing, json_object_new_string(m->names[k]));
                json_object_object_add(reasons, m->names[k], cm_reasons_to_json(&rs));
            }
            cm_reasons_free(&rs);
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(model->name));
        json_object_object_add(o, "generation", json_object_new_int64(model->generation));
        json_object_object_add(o, "runs_everywhere", json_object_new_boolean(json_object_array_length(failing) == 0));
        json_object_object_add(o, "failing_hosts", failing);
        json_object_object_add(o, "reasons", reasons);
        json_object_array_add(arr, o);
    }
    return arr;
}

/* GetBaseline's reply: the parameters, or NULL with the error's message.
 * With holes (the whole registry), the parts that change with any one host
 * are left for registry_reply.c, and verdicts (m->n) gets each member's. */
static struct json_object *baseline_params(struct cluster_call *cc, struct members *m, struct cmd_daemon *d,
                                           struct rr_holes *holes, bool *verdicts, cm_error *err)
{
    struct cm_baseline b;
    if (!m->n) {
        cm_fail(err, CM_E_INPUT, "no member answered and none is cached");
        return NULL;
    }
    if (cm_baseline(m->vecs, m->n, cc->groups, &b, err) < 0)
        return NULL;
    struct json_object *bj = cm_baseline_to_json(&b, err);
    if (!bj) {
        cm_baseline_free(&b);
        return NULL;
    }
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "baseline", bj);
    json_object_object_add(p, "enforceable_everywhere", json_object_new_boolean(b.enforceable_everywhere));
    add_membership(cc, &b, p, holes);
    json_object_object_add(p, "arch_groups", holes ? rr_hole(holes, RR_ARCH_GROUPS, 0) : arch_groups(cc));
    json_object_object_add(p, "pinned", pinned_status(d, m));
    json_object_object_add(p, "model_conflicts", model_conflicts(cc));
    for (size_t i = 0; verdicts && i < m->n; i++)
        verdicts[i] = b.verdicts[i].enforceable; /* b.hosts is m, in its order */
    cm_baseline_free(&b);
    return p;
}

static struct json_object *cmd_registry_params(struct cmd_daemon *d, const struct cm_vector **vecs,
                                               const struct cm_snapshot **snaps, const char **names, size_t n, bool groups,
                                               struct rr_holes *holes, bool *verdicts, cm_error *err)
{
    struct cluster_call cc = {.d = d, .op = OP_BASELINE, .self = true, .groups = groups};
    struct members m = {.vecs = vecs, .snaps = snaps, .names = names, .n = n};
    return baseline_params(&cc, &m, d, holes, verdicts, err);
}

static void finish_baseline(struct cluster_call *cc, struct members *m)
{
    struct cmd_conn *c = cc->c;
    cm_error err = {0};
    struct cm_baseline b;
    if (cc->op == OP_BASELINE) {
        struct json_object *p = baseline_params(cc, m, c->d, NULL, NULL, &err);
        if (!p)
            cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        else
            cmd_reply(c, p);
        return;
    }
    if (!m->n) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", "no member answered and none is cached");
        return;
    }
    if (cm_baseline(m->vecs, m->n, false, &b, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        return;
    }
    if (cc->op == OP_PIN && c->d->cluster) {
        struct cm_snapshot *model = cm_model_snapshot(&b.model, m->vecs, m->n, &err);
        if (!model)
            cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        else {
            /* the registry decides; the reply is ready but for the model's info */
            struct registry_write *w = registry_write_new(c);
            w->model = cm_xstrdup(cc->name);
            w->ok_params = json_object_new_object();
            json_object_object_add(w->ok_params, "enforceable_everywhere",
                                    json_object_new_boolean(b.enforceable_everywhere));
            add_membership(cc, NULL, w->ok_params, NULL);
            cmd_cluster_pin(c->d, cc->name, model, cc->replace, on_registry_write, w);
            cc->pending = registry_write_started(w);
        }
    } else if (cc->op == OP_PIN) {
        struct cm_snapshot *model = cm_model_snapshot(&b.model, m->vecs, m->n, &err);
        struct cmd_model *pm = NULL;
        if (!model)
            cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        else if (cmd_model_pin(c->d, cc->name, model, cc->replace, &pm, &err) < 0) {
            cm_snapshot_free(model);
            if (err.code == CM_E_MISMATCH) {
                struct cmd_model *old = cmd_model_find(c->d, cc->name);
                struct json_object *p = json_object_new_object();
                json_object_object_add(p, "name", json_object_new_string(cc->name));
                json_object_object_add(p, "generation", json_object_new_int64(old ? old->generation : 0));
                cmd_error(c, CMD_IFACE ".ModelExists", p);
            } else
                cmd_error_msg(c, CMD_IFACE ".StateError", "message", err.msg);
        } else {
            cmd_host_changed(c->d); /* GetHost lists the pinned models */
            struct json_object *p = json_object_new_object();
            json_object_object_add(p, "info", cmd_model_info(pm));
            json_object_object_add(p, "enforceable_everywhere", json_object_new_boolean(b.enforceable_everywhere));
            add_membership(cc, NULL, p, NULL);
            cmd_reply(c, p);
        }
    } else { /* OP_PLAN over the live baseline */
        struct cm_plan plan;
        if (cm_plan_make(&b.model, c->d->host.snap, &plan, &err) < 0)
            cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        else {
            struct json_object *p = json_object_new_object();
            json_object_object_add(p, "ok", json_object_new_boolean(plan.ok));
            json_object_object_add(p, "plan", cm_plan_to_json(&plan));
            cmd_reply(c, p);
            cm_plan_free(&plan);
        }
    }
    cm_baseline_free(&b);
}

/* A vector by name: "model:NAME", "self", this host's name, a member's name. */
static bool resolve(struct cluster_call *cc, const struct members *m, const char *name, const struct cm_vector **v,
                    const struct cm_snapshot **s)
{
    struct cmd_daemon *d = cc->d;
    if (!strncmp(name, "model:", 6) || cm_digest_is_ref(name)) {
        struct cmd_model *pm = cmd_model_find(d, name + (cm_digest_is_ref(name) ? 0 : 6));
        if (!pm)
            return false;
        *v = &pm->vec;
        *s = pm->snap;
        return true;
    }
    if (!strcmp(name, "self") || !strcmp(name, cm_snapshot_name(d->host.snap))) {
        *v = &d->host.vec;
        *s = d->host.snap;
        return true;
    }
    for (size_t k = 0; m && k < m->n; k++) {
        if (!strcmp(m->names[k], name)) {
            *v = m->vecs[k];
            *s = m->snaps[k];
            return true;
        }
    }
    return false;
}

static void finish_compare(struct cluster_call *cc, struct members *m)
{
    struct cmd_conn *c = cc->c;
    const struct cm_vector *fv, *tv;
    const struct cm_snapshot *fs, *ts;
    if (!resolve(cc, m, cc->from, &fv, &fs)) {
        cmd_error_msg(c, !strncmp(cc->from, "model:", 6) || cm_digest_is_ref(cc->from) ? CMD_IFACE ".NoSuchModel"
                                                                                       : CMD_IFACE ".NoSuchHost",
                      "name", cc->from);
        return;
    }
    if (!resolve(cc, m, cc->to, &tv, &ts) || !strncmp(cc->to, "model:", 6) || cm_digest_is_ref(cc->to)) {
        cmd_error_msg(c, CMD_IFACE ".NoSuchHost", "name", cc->to);
        return;
    }
    if (fs->arch != ts->arch) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s is %s, %s is %s", cc->from, cm_arch_name(fs->arch), cc->to,
                 cm_arch_name(ts->arch));
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", msg);
        return;
    }
    struct cm_comparison cmp;
    cm_comparison_run(fv, tv, &cc->assume, &cmp);
    struct json_object *p = cm_comparison_to_json(&cmp);
    cm_comparison_free(&cmp);
    cmd_reply(c, p);
}

/* Replies (or starts the registry write); returns cc->pending. */
static int cluster_finish(struct cluster_call *cc)
{
    struct members m;
    members_collect(cc, &m);
    if (cc->op == OP_COMPARE)
        finish_compare(cc, &m);
    else
        finish_baseline(cc, &m);
    members_free(&m);
    int pending = cc->pending;
    cmd_fanout_free(cc->f);
    cluster_free(cc);
    return pending;
}

static void on_cluster(struct cmd_fanout *f, void *userdata)
{
    struct cluster_call *cc = userdata;
    struct cmd_daemon *d = f->d;
    struct cmd_conn *c = cc->c;
    cluster_finish(cc);
    d->active_fanouts--;
    cmd_call_done(c);
}

/* ---- the etcd registry: members from the view, no fan-out ----------------- */

/* The registry's hosts as a finished fan-out: every host but this one,
 * sorted by name; names (NULL: all) select. */
static struct cmd_fanout *registry_members(struct cmd_daemon *d, const char *const *names, size_t nnames)
{
    struct cluster_view *v = cmd_cluster_view(d);
    const char *me = cm_snapshot_name(d->host.snap);
    size_t cap = names ? nnames : v->nhosts;
    struct cmd_peer **peers = cm_xcalloc(cap ? cap : 1, sizeof(*peers));
    enum cmd_member_status *st = cm_xcalloc(cap ? cap : 1, sizeof(*st));
    size_t n = 0;
    for (size_t i = 0; i < (names ? nnames : v->nhosts); i++) {
        struct cluster_host *h = names ? cluster_view_host(v, names[i]) : v->hosts[i];
        if (!h || !h->content || !strcmp(h->name, me))
            continue;
        peers[n] = &h->peer;
        st[n++] = cluster_host_status(h);
    }
    struct cmd_fanout *f = cmd_fanout_static(d, peers, st, n);
    free(peers);
    free(st);
    return f;
}

/* Selection by the "peers" parameter over the registry: host names, "self". */
static struct cmd_fanout *registry_select(struct cmd_conn *c, struct vl_call *call, struct cluster_call *cc)
{
    struct cmd_daemon *d = c->d;
    struct json_object *list;
    if (!json_object_object_get_ex(call->params, "peers", &list) || !list) {
        cc->self = true;
        return registry_members(d, NULL, 0);
    }
    if (!json_object_is_type(list, json_type_array)) {
        cmd_error_param(c, "peers");
        return NULL;
    }
    size_t n = json_object_array_length(list), k = 0;
    _cleanup_free_ const char **names = cm_xcalloc(n ? n : 1, sizeof(*names));
    for (size_t j = 0; j < n; j++) {
        struct json_object *e = json_object_array_get_idx(list, j);
        if (!json_object_is_type(e, json_type_string)) {
            cmd_error_param(c, "peers");
            return NULL;
        }
        const char *s = json_object_get_string(e);
        if (!strcmp(s, "self") || !strcmp(s, cm_snapshot_name(d->host.snap))) {
            cc->self = true;
            continue;
        }
        struct cluster_host *h = cluster_view_host(cmd_cluster_view(d), s);
        if (!h || !h->content) {
            cmd_error_msg(c, CMD_IFACE ".NoSuchPeer", "peer", s);
            return NULL;
        }
        names[k++] = s;
    }
    return registry_members(d, names, k);
}

/* Selects members from the "peers" parameter: configured addresses, peer
 * host names (as last seen), "self" or this host's name.  Anything else is
 * an error: the daemon never connects to a host named in a request. */
static int select_members(struct cmd_conn *c, struct vl_call *call, struct cluster_call *cc, size_t **idx, size_t *n)
{
    struct cmd_daemon *d = c->d;
    struct json_object *list;
    *idx = cm_xcalloc(d->npeers ? d->npeers : 1, sizeof(**idx));
    *n = 0;
    if (!json_object_object_get_ex(call->params, "peers", &list) || !list) {
        cc->self = true;
        for (size_t i = 0; i < d->npeers; i++)
            (*idx)[(*n)++] = i;
        return 0;
    }
    if (!json_object_is_type(list, json_type_array)) {
        cmd_error_param(c, "peers");
        return -1;
    }
    bool *chosen = cm_xcalloc(d->npeers + 1, sizeof(bool));
    for (size_t j = 0; j < json_object_array_length(list); j++) {
        struct json_object *e = json_object_array_get_idx(list, j);
        if (!json_object_is_type(e, json_type_string)) {
            free(chosen);
            cmd_error_param(c, "peers");
            return -1;
        }
        const char *s = json_object_get_string(e);
        if (!strcmp(s, "self") || !strcmp(s, cm_snapshot_name(d->host.snap))) {
            cc->self = true;
            continue;
        }
        bool found = false;
        for (size_t i = 0; i < d->npeers; i++) {
            if (!strcmp(d->peers[i].address, s) || (d->peers[i].name && !strcmp(d->peers[i].name, s))) {
                chosen[i] = found = true;
            }
        }
        if (!found) {
            free(chosen);
            cmd_error_msg(c, CMD_IFACE ".NoSuchPeer", "peer", s);
            return -1;
        }
    }
    for (size_t i = 0; i < d->npeers; i++)
        if (chosen[i])
            (*idx)[(*n)++] = i;
    free(chosen);
    return 0;
}

static int start_cluster(struct cmd_conn *c, struct vl_call *call, struct cluster_call *cc, bool all_peers)
{
    if (c->d->cluster) { /* the registry's view: answered now */
        cc->c = c;
        cc->d = c->d;
        if (all_peers) {
            cc->self = true;
            cc->f = registry_members(c->d, NULL, 0);
        } else if (!(cc->f = registry_select(c, call, cc))) {
            cluster_free(cc);
            return 0;
        }
        return cluster_finish(cc);
    }
    _cleanup_free_ size_t *idx = NULL;
    size_t n = 0;
    if (all_peers) {
        cc->self = true;
        idx = cm_xcalloc(c->d->npeers ? c->d->npeers : 1, sizeof(*idx));
        for (size_t i = 0; i < c->d->npeers; i++)
            idx[n++] = i;
    } else if (select_members(c, call, cc, &idx, &n) < 0) {
        cluster_free(cc);
        return 0;
    }
    cc->c = c;
    cc->d = c->d;
    c->d->active_fanouts++;
    /* remote callers cannot make the daemon fetch every peer on every call */
    uint64_t max_age_us = c->tcp ? (uint64_t)c->d->cfg.peer_cache_ms * 1000 : 0;
    cc->f = cmd_fanout_start(c->d, idx, n, max_age_us, on_cluster, cc);
    return 1;
}

static int m_get_baseline(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    struct cluster_call *cc = cm_xcalloc(1, sizeof(*cc));
    cc->op = OP_BASELINE;
    cc->groups = cmd_param_bool(call->params, "groups", true, &bad);
    if (bad) {
        cluster_free(cc);
        cmd_error_param(c, "groups");
        return 0;
    }
    struct json_object *sel;
    if (c->d->cluster && (!json_object_object_get_ex(call->params, "peers", &sel) || !sel)) {
        bool groups = cc->groups;
        cluster_free(cc);
        cmd_reply_registry_baseline(c, groups);
        return 0;
    }
    return start_cluster(c, call, cc, false);
}

static int m_pin(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, "name", &bad);
    bool replace = cmd_param_bool(call->params, "replace", false, &bad);
    if (!name || bad || !cmd_model_name_ok(name)) {
        cmd_error_param(c, !name || !cmd_model_name_ok(name) ? "name" : "replace");
        return 0;
    }
    struct cmd_model *old = cmd_model_find(c->d, name);
    if (old && !replace) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string(name));
        json_object_object_add(p, "generation", json_object_new_int64(old->generation));
        cmd_error(c, CMD_IFACE ".ModelExists", p);
        return 0;
    }
    struct cluster_call *cc = cm_xcalloc(1, sizeof(*cc));
    cc->op = OP_PIN;
    cc->name = cm_xstrdup(name);
    cc->replace = replace;
    return start_cluster(c, call, cc, false);
}

/* Removes a silent host from the registry (etcd backend only). */
static int m_forget(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, "name", &bad);
    if (!name || bad) {
        cmd_error_param(c, "name");
        return 0;
    }
    if (!c->d->cluster) {
        cmd_error_msg(c, CMD_IFACE ".StateError", "message",
                      "this daemon uses static peers (no registry): remove the peer from its configuration instead");
        return 0;
    }
    struct registry_write *w = registry_write_new(c);
    cmd_cluster_forget(c->d, name, on_registry_write, w);
    return registry_write_started(w);
}

static int m_compare(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *from = cmd_param_str(call->params, "from", &bad);
    const char *to = cmd_param_str(call->params, "to", &bad);
    if (!from || bad) {
        cmd_error_param(c, !from ? "from" : "to");
        return 0;
    }
    bool boot = cmd_param_bool(call->params, "boot", false, &bad);
    const char *vmm = cmd_param_str(call->params, "vmm", &bad);
    enum cm_restore restore = CM_RESTORE_ALL;
    if (bad || (vmm && !cm_restore_parse(vmm, &restore))) {
        cmd_error_param(c, bad ? "boot" : "vmm");
        return 0;
    }
    struct cluster_call *cc = cm_xcalloc(1, sizeof(*cc));
    cc->op = OP_COMPARE;
    cc->assume.reading = boot ? CM_READ_BOOT : CM_READ_MIGRATION;
    cc->assume.restore = restore;
    cc->from = cm_xstrdup(from);
    cc->to = cm_xstrdup(to ? to : "self");
    cc->c = c;
    cc->d = c->d;
    const struct cm_vector *v;
    const struct cm_snapshot *s;
    /* no peer involved: answer at once */
    bool local = resolve(cc, NULL, cc->from, &v, &s) && resolve(cc, NULL, cc->to, &v, &s);
    if (local || !c->d->npeers) {
        finish_compare(cc, NULL);
        cluster_free(cc);
        return 0;
    }
    return start_cluster(c, call, cc, true);
}

static int m_get_plan(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, "model", &bad);
    if (bad) {
        cmd_error_param(c, "model");
        return 0;
    }
    if (!name) {
        struct cluster_call *cc = cm_xcalloc(1, sizeof(*cc));
        cc->op = OP_PLAN;
        return start_cluster(c, call, cc, true);
    }
    struct cmd_model *m = model_param(c, call, "model");
    if (!m)
        return 0;
    if (m->snap->arch != c->d->host.snap->arch) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", "the model's architecture differs from this host's");
        return 0;
    }
    cm_error err = {0};
    struct cm_plan plan;
    if (cm_plan_make(&m->vec, c->d->host.snap, &plan, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        return 0;
    }
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "ok", json_object_new_boolean(plan.ok));
    json_object_object_add(p, "plan", cm_plan_to_json(&plan));
    cm_plan_free(&plan);
    cmd_reply(c, p);
    return 0;
}

/* ---- Export --------------------------------------------------------------- */

/* A host snapshot given by the caller (any format cm_snapshot_load reads). */
static struct cm_snapshot *host_param(struct cmd_conn *c, struct json_object *o)
{
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_from_any_json(o, "host", &s, &err) == 0) {
        const struct cm_arch_ops *ops = cm_arch_ops(s->arch);
        if (!ops || !ops->complete || ops->complete(s, &err) == 0)
            return s;
        cm_snapshot_free(s);
        s = NULL;
    }
    cmd_error_msg(c, CMD_IFACE ".ExportFailed", "message", err.msg);
    return NULL;
}

static int m_export(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *format = cmd_param_str(call->params, "format", &bad);
    struct json_object *hostobj = NULL;
    json_object_object_get_ex(call->params, "host", &hostobj);
    if (!format || bad) {
        cmd_error_param(c, "format");
        return 0;
    }
    if (hostobj && !json_object_is_type(hostobj, json_type_object)) {
        cmd_error_param(c, "host");
        return 0;
    }
    struct cmd_model *m = model_param(c, call, "model");
    if (!m)
        return 0;
    struct cm_snapshot *given = hostobj ? host_param(c, hostobj) : NULL;
    if (hostobj && !given)
        return 0;
    struct cm_export e;
    cm_error err = {0};
    if (cm_export_make(format, m->snap, given ? given : c->d->host.snap, &e, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".ExportFailed", "message", err.msg);
    } else {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "export", cm_export_to_json(&e));
        cm_export_free(&e);
        cmd_reply(c, p);
    }
    cm_snapshot_free(given);
    return 0;
}

/* What registry_reply.c builds the registry's reply from (serve.c wires it). */
const struct cmd_baseline_parts cmd_baseline_parts = {
    .member_json = cmd_member_json,
    .member_verdict = cmd_member_verdict,
    .arch_groups = cmd_arch_groups,
    .registry_params = cmd_registry_params,
};

/* ---- the table ------------------------------------------------------------ */

static const struct cmd_method methods[] = {
    /* cacheable: GetInfo and the descriptions change only with the
     * configuration (reload), GetHost with the host (reprobe, reload) */
    {"org.varlink.service", "GetInfo", m_get_info, false, true},
    {"org.varlink.service", "GetInterfaceDescription", m_get_iface, false, true},
    {CMD_IFACE, "GetHost", m_get_host, false, true},
    {CMD_IFACE, "GetBaseline", m_get_baseline, false, false},
    {CMD_IFACE, "Compare", m_compare, false, false},
    {CMD_IFACE, "GetPlan", m_get_plan, false, false},
    {CMD_IFACE, "ListModels", m_list_models, false, false},
    {CMD_IFACE, "GetModel", m_get_model, false, false},
    {CMD_IFACE, "Export", m_export, false, false},
    {CMD_IFACE, "PinModel", m_pin, true, false},
    {CMD_IFACE, "UnpinModel", m_unpin, true, false},
    {CMD_IFACE, "Reprobe", m_reprobe, true, false},
    {CMD_IFACE, "ForgetHost", m_forget, true, false},
};

static const struct cmd_method cert_method = {"org.varlink.certification", "*", cmd_cert_call, false, false};

bool cmd_iface_served(const struct cmd_daemon *d, const char *iface)
{
    return !strcmp(iface, "org.varlink.service") || !strcmp(iface, CMD_IFACE) ||
           (d->cfg.certification && !strcmp(iface, "org.varlink.certification"));
}

const struct cmd_method *cmd_method_find(const struct cmd_daemon *d, const char *iface, const char *name,
                                         bool *iface_known)
{
    *iface_known = cmd_iface_served(d, iface);
    if (!*iface_known)
        return NULL;
    if (!strcmp(iface, "org.varlink.certification"))
        return &cert_method;
    for (size_t i = 0; i < CM_ARRAY_SIZE(methods); i++)
        if (!strcmp(methods[i].iface, iface) && !strcmp(methods[i].name, name))
            return &methods[i];
    return NULL;
}
