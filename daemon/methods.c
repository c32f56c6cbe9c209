/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The methods: org.varlink.service introspection and io.cpumodeld
 * (protocol/io.cpumodeld.varlink is the contract).  Methods that need the
 * cluster start a fan-out and finish from its callback. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpumodel/arch.h"
#include "daemon.h"

#ifndef CPUMODELD_VERSION
#define CPUMODELD_VERSION "0.1.0"
#endif

const char *cmd_param_str(struct json_object *params, const char *key, bool *bad)
{
    struct json_object *v;
    if (!json_object_object_get_ex(params, key, &v) || !v)
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

bool cmd_param_bool(struct json_object *params, const char *key, bool def, bool *bad)
{
    struct json_object *v;
    if (!json_object_object_get_ex(params, key, &v) || !v)
        return def;
    if (!json_object_is_type(v, json_type_boolean)) {
        *bad = true;
        return def;
    }
    return json_object_get_boolean(v);
}

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
        if (full)
            json_object_object_add(p, "snapshot", cm_snapshot_to_json(d->host.snap));
        d->host_reply[full] = vl_encode_reply(p, false, &d->host_reply_len[full]);
    }
    cmd_reply_raw(c, d->host_reply[full], d->host_reply_len[full]);
    return 0;
}

static int m_reprobe(struct cmd_conn *c, struct vl_call *call)
{
    cm_error err = {0};
    if (cmd_host_refresh(c->d, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".ProbeFailed", "message", err.msg);
        return 0;
    }
    cmd_host_changed(c->d);
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "host", cmd_host_json(c->d));
    cmd_reply(c, p);
    return 0;
}

/* ---- models --------------------------------------------------------------- */

static int m_list_models(struct cmd_conn *c, struct vl_call *call)
{
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < c->d->nmodels; i++)
        json_object_array_add(arr, cmd_model_info(&c->d->models[i]));
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "models", arr);
    cmd_reply(c, p);
    return 0;
}

static struct cmd_model *model_param(struct cmd_conn *c, struct vl_call *call, const char *key)
{
    bool bad = false;
    const char *name = cmd_param_str(call->params, key, &bad);
    if (!name || bad || !cmd_model_name_ok(name)) {
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

static int m_unpin(struct cmd_conn *c, struct vl_call *call)
{
    struct cmd_model *m = model_param(c, call, "name");
    if (!m)
        return 0;
    cm_error err = {0};
    if (cmd_model_unpin(c->d, m->name, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".StateError", "message", err.msg);
        return 0;
    }
    cmd_reply(c, NULL);
    return 0;
}

/* ---- cluster operations --------------------------------------------------- */

enum cluster_op { OP_BASELINE, OP_PIN, OP_COMPARE, OP_PLAN };

struct cluster_call {
    struct cmd_conn *c;
    enum cluster_op op;
    bool self;          /* this host takes part */
    bool groups, replace;
    char *name, *from, *to;
    struct cmd_fanout *f;
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

/* The members that answered or are cached, in a stable order: self first. */
struct members {
    const struct cm_vector **vecs;
    const struct cm_snapshot **snaps;
    const char **names;
    size_t n;
};

static void members_collect(struct cluster_call *cc, struct members *m)
{
    struct cmd_daemon *d = cc->c->d;
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
}

static void members_free(struct members *m)
{
    free(m->vecs);
    free(m->snaps);
    free(m->names);
}

static const char *status_name(enum cmd_member_status s)
{
    static const char *const names[] = {"self", "live", "cached", "missing"};
    return names[s];
}

/* Member list, unreachable and stale peers (GetBaseline's bookkeeping). */
static void add_membership(struct cluster_call *cc, const struct cm_baseline *b, struct json_object *p)
{
    struct cmd_daemon *d = cc->c->d;
    struct json_object *mem = json_object_new_array(), *unr = json_object_new_array(),
                       *stale = json_object_new_array();
    size_t k = 0;
    time_t now = time(NULL);
    if (cc->self) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(cm_snapshot_name(d->host.snap)));
        json_object_object_add(o, "address", json_object_new_string("self"));
        json_object_object_add(o, "status", json_object_new_string("self"));
        if (b)
            json_object_object_add(o, "enforceable", json_object_new_boolean(b->verdicts[k].enforceable));
        k++;
        json_object_array_add(mem, o);
    }
    for (size_t i = 0; i < cc->f->n; i++) {
        const struct cmd_fanout_result *r = &cc->f->res[i];
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(r->peer->name ? r->peer->name : r->peer->address));
        json_object_object_add(o, "address", json_object_new_string(r->peer->address));
        json_object_object_add(o, "status", json_object_new_string(status_name(r->status)));
        if (r->status == CMD_CACHED || r->from_cache)
            json_object_object_add(o, "age_s", json_object_new_double((double)(now - r->peer->fetched)));
        if (r->error)
            json_object_object_add(o, "error", json_object_new_string(r->error));
        if (cc->other_arch && cc->other_arch[i]) {
            if (b) /* cannot run a model of another architecture */
                json_object_object_add(o, "enforceable", json_object_new_boolean(0));
        } else if (r->status != CMD_MISSING && r->peer->have_vec) {
            if (b)
                json_object_object_add(o, "enforceable", json_object_new_boolean(b->verdicts[k].enforceable));
            k++;
        }
        json_object_array_add(mem, o);
        if (r->status == CMD_CACHED || r->status == CMD_MISSING)
            json_object_array_add(unr, json_object_new_string(r->peer->address));
        if (r->status == CMD_CACHED)
            json_object_array_add(stale, json_object_new_string(r->peer->address));
    }
    json_object_object_add(p, "members", mem);
    json_object_object_add(p, "unreachable", unr);
    json_object_object_add(p, "stale", stale);
}

/* The members of other architectures, one baseline per architecture. */
static struct json_object *arch_groups(struct cluster_call *cc)
{
    struct json_object *arr = json_object_new_array();
    size_t n = cc->f->n;
    bool *done = cm_xcalloc(n + 1, sizeof(bool));
    const struct cm_vector **vecs = cm_xcalloc(n + 1, sizeof(*vecs));
    for (size_t i = 0; i < n; i++) {
        if (!cc->other_arch[i] || done[i])
            continue;
        enum cm_arch arch = cc->f->res[i].peer->snap->arch;
        struct json_object *names = json_object_new_array();
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            struct cmd_peer *p = cc->f->res[j].peer;
            if (cc->other_arch[j] && !done[j] && p->snap->arch == arch) {
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

static void finish_baseline(struct cluster_call *cc, struct members *m)
{
    struct cmd_conn *c = cc->c;
    cm_error err = {0};
    struct cm_baseline b;
    if (!m->n) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", "no member answered and none is cached");
        return;
    }
    if (cm_baseline(m->vecs, m->n, cc->op == OP_BASELINE && cc->groups, &b, &err) < 0) {
        cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
        return;
    }
    if (cc->op == OP_BASELINE) {
        struct json_object *bj = cm_baseline_to_json(&b, &err);
        if (!bj) {
            cmd_error_msg(c, CMD_IFACE ".NegotiationFailed", "message", err.msg);
            cm_baseline_free(&b);
            return;
        }
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "baseline", bj);
        json_object_object_add(p, "enforceable_everywhere", json_object_new_boolean(b.enforceable_everywhere));
        add_membership(cc, &b, p);
        json_object_object_add(p, "arch_groups", arch_groups(cc));
        json_object_object_add(p, "pinned", pinned_status(c->d, m));
        cmd_reply(c, p);
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
            struct json_object *p = json_object_new_object();
            json_object_object_add(p, "info", cmd_model_info(pm));
            json_object_object_add(p, "enforceable_everywhere", json_object_new_boolean(b.enforceable_everywhere));
            add_membership(cc, NULL, p);
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
    struct cmd_daemon *d = cc->c->d;
    if (!strncmp(name, "model:", 6)) {
        struct cmd_model *pm = cmd_model_find(d, name + 6);
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
        cmd_error_msg(c, !strncmp(cc->from, "model:", 6) ? CMD_IFACE ".NoSuchModel" : CMD_IFACE ".NoSuchHost",
                      "name", cc->from);
        return;
    }
    if (!resolve(cc, m, cc->to, &tv, &ts) || !strncmp(cc->to, "model:", 6)) {
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
    struct cm_reasons rs = {0};
    bool ok = cm_compare(fv, tv, ts, &rs);
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "compatible", json_object_new_boolean(ok));
    json_object_object_add(p, "reasons", cm_reasons_to_json(&rs));
    cm_reasons_free(&rs);
    cmd_reply(c, p);
}

static void on_cluster(struct cmd_fanout *f, void *userdata)
{
    struct cluster_call *cc = userdata;
    struct cmd_daemon *d = f->d;
    struct members m;
    members_collect(cc, &m);
    if (cc->op == OP_COMPARE)
        finish_compare(cc, &m);
    else
        finish_baseline(cc, &m);
    members_free(&m);
    struct cmd_conn *c = cc->c;
    cmd_fanout_free(f);
    cluster_free(cc);
    d->active_fanouts--;
    cmd_call_done(c);
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

static int m_compare(struct cmd_conn *c, struct vl_call *call)
{
    bool bad = false;
    const char *from = cmd_param_str(call->params, "from", &bad);
    const char *to = cmd_param_str(call->params, "to", &bad);
    if (!from || bad) {
        cmd_error_param(c, !from ? "from" : "to");
        return 0;
    }
    struct cluster_call *cc = cm_xcalloc(1, sizeof(*cc));
    cc->op = OP_COMPARE;
    cc->from = cm_xstrdup(from);
    cc->to = cm_xstrdup(to ? to : "self");
    cc->c = c;
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
    {CMD_IFACE, "PinModel", m_pin, true, false},
    {CMD_IFACE, "UnpinModel", m_unpin, true, false},
    {CMD_IFACE, "Reprobe", m_reprobe, true, false},
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
