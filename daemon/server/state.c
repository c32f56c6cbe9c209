/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's state: this host's snapshot (and drift against the previous
 * one kept in the state directory), the pinned models, the peers' caches.
 *
 * Layout of the state directory:
 *   host.json            the last snapshot of this host
 *   host.prev.json       the one before the last change (drift evidence)
 *   drift.json           the last detected drift
 *   models/NAME.json     a pinned model {"name","generation","created","model"}
 *   peers/ADDRESS.json   a peer's last good snapshot {"address","fetched","snapshot"}
 * Every file is replaced atomically (atomic.c). */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpumodel/arch.h"
#include "cpumodel/probe.h"
#include "daemon.h"

/* The probe may be absent from a build (another arch, a stub library). */
#pragma weak cm_probe


char *cmd_state_path(const struct cmd_daemon *d, const char *rel)
{
    return cm_xasprintf("%s/%s", d->cfg.state_dir, rel);
}

/* ---- drift ---------------------------------------------------------------- */

static void add_change(struct json_object *changes, const char *what, const char *old, const char *new)
{
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "what", json_object_new_string(what));
    json_object_object_add(c, "old", old ? json_object_new_string(old) : NULL);
    json_object_object_add(c, "new", new ? json_object_new_string(new) : NULL);
    json_object_array_add(changes, c);
}

static void cmp_str(struct json_object *changes, const char *what, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
        add_change(changes, what, a, b);
}

static void hex_words(char *buf, size_t len, const uint64_t *w, size_t n)
{
    size_t off = (size_t)snprintf(buf, len, "0x");
    for (size_t i = n; i-- > 0 && off < len;)
        off += (size_t)snprintf(buf + off, len - off, i + 1 == n ? "%" PRIx64 : "%016" PRIx64, w[i]);
}

/* Every value that identifies the host or its KVM, register by register. */
static struct json_object *diff_snapshots(const struct cm_snapshot *old, const struct cm_snapshot *new)
{
    struct json_object *changes = json_object_new_array();
    cmp_str(changes, "arch", cm_arch_name(old->arch), cm_arch_name(new->arch));
    cmp_str(changes, "kernel", old->kernel, new->kernel);
    cmp_str(changes, "cpu", old->cpu, new->cpu);
    cmp_str(changes, "microcode", old->microcode, new->microcode);
    cmp_str(changes, "bios", old->bios, new->bios);
    if (old->api_version != new->api_version) {
        char a[16], b[16];
        snprintf(a, sizeof(a), "%d", old->api_version);
        snprintf(b, sizeof(b), "%d", new->api_version);
        add_change(changes, "kvm_api_version", a, b);
    }
    const struct cm_arch_ops *ops = cm_arch_ops(new->arch);
    char name[128], what[160], va[160], vb[160];
    for (size_t i = 0; i < new->nregs; i++) {
        const struct cm_reg *r = &new->regs[i];
        if (r->flags & (CM_REGF_VOLATILE | CM_REGF_NOVALUE))
            continue;
        if (ops)
            ops->reg_name(r->id, name, sizeof(name));
        else
            snprintf(name, sizeof(name), "0x%016" PRIx64, r->id);
        snprintf(what, sizeof(what), "register %s", name);
        const struct cm_reg *o = old->arch == new->arch ? cm_snapshot_find_reg(old, r->id) : NULL;
        size_t nw = cm_reg_words(r->id);
        hex_words(vb, sizeof(vb), cm_snapshot_reg_val(new, r), nw);
        if (!o) {
            add_change(changes, what, NULL, vb);
            continue;
        }
        if (memcmp(cm_snapshot_reg_val(old, o), cm_snapshot_reg_val(new, r), nw * 8)) {
            hex_words(va, sizeof(va), cm_snapshot_reg_val(old, o), nw);
            add_change(changes, what, va, vb);
        }
    }
    for (size_t i = 0; old->arch == new->arch && i < old->nregs; i++) {
        if (cm_snapshot_find_reg(new, old->regs[i].id))
            continue;
        if (ops)
            ops->reg_name(old->regs[i].id, name, sizeof(name));
        else
            snprintf(name, sizeof(name), "0x%016" PRIx64, old->regs[i].id);
        snprintf(what, sizeof(what), "register %s", name);
        add_change(changes, what, "listed", NULL);
    }
    for (size_t i = 0; i < new->ncpuid; i++) {
        const struct cm_cpuid_entry *e = &new->cpuid[i];
        const struct cm_cpuid_entry *o = cm_snapshot_find_cpuid(old, e->function, e->index);
        snprintf(what, sizeof(what), "cpuid 0x%x.%u", e->function, e->index);
        snprintf(vb, sizeof(vb), "%08x %08x %08x %08x", e->eax, e->ebx, e->ecx, e->edx);
        if (!o)
            add_change(changes, what, NULL, vb);
        else if (o->eax != e->eax || o->ebx != e->ebx || o->ecx != e->ecx || o->edx != e->edx) {
            snprintf(va, sizeof(va), "%08x %08x %08x %08x", o->eax, o->ebx, o->ecx, o->edx);
            add_change(changes, what, va, vb);
        }
    }
    for (size_t i = 0; i < new->nmsrs; i++) {
        const struct cm_msr *m = &new->msrs[i];
        const struct cm_msr *o = cm_snapshot_find_msr(old, m->index);
        snprintf(what, sizeof(what), "msr 0x%x", m->index);
        snprintf(vb, sizeof(vb), "0x%" PRIx64, m->value);
        if (!o)
            add_change(changes, what, NULL, vb);
        else if (o->value != m->value) {
            snprintf(va, sizeof(va), "0x%" PRIx64, o->value);
            add_change(changes, what, va, vb);
        }
    }
    for (size_t i = 0; i < new->ncaps; i++) {
        const struct cm_cap *c = &new->caps[i];
        const struct cm_cap *o = cm_snapshot_find_cap(old, c->id);
        snprintf(what, sizeof(what), "kvm capability %u", c->id);
        snprintf(vb, sizeof(vb), "%lld", (long long)c->vm);
        if (!o)
            add_change(changes, what, NULL, vb);
        else if (o->vm != c->vm || o->sys != c->sys) {
            snprintf(va, sizeof(va), "%lld", (long long)o->vm);
            add_change(changes, what, va, vb);
        }
    }
    return changes;
}

static int load_snapshot_text(const char *path, struct cm_snapshot **out, cm_error *err)
{
    size_t len;
    _cleanup_free_ char *text = cmd_read_file(path, CMD_STATE_FILE_MAX, &len, err);
    if (!text)
        return -1;
    return cm_snapshot_parse(text, len, path, out, err);
}

static int save_snapshot(const char *path, const struct cm_snapshot *s, cm_error *err)
{
    struct json_object *o = cm_snapshot_to_json(s);
    if (!o)
        return cm_fail(err, CM_E_INPUT, "%s: cannot render the snapshot", path);
    size_t len;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY, &len);
    int r = cmd_write_atomic(path, text, len, err);
    json_object_put(o);
    return r;
}

/* ---- the host refresh ------------------------------------------------------
 * The probe (or the load of --snapshot), the drift check and the state files
 * are written in a child (job.c); the daemon gets the snapshot and the drift
 * back as JSON, decodes and installs them.  The same path serves a real
 * probe, a snapshot file, the first refresh at start, Reprobe and SIGHUP. */

/* --snapshot is read under a shared flock: a tool that rewrites the file in
 * place under an exclusive flock is waited for, never read half-written. */
static int load_locked(const char *path, struct cm_snapshot **out, cm_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
            ;
    int r = cm_snapshot_load(path, out, err); /* says what is wrong with the path, if anything */
    if (fd >= 0)
        close(fd);
    return r;
}

/* Probes (or loads --snapshot) and records drift in the state directory;
 * runs in the refresh child, where blocking holds up no client. */
static int refresh_compute(const struct cmd_daemon *d, struct cm_snapshot **out, struct json_object **drift_out,
                           cm_error *err)
{
    struct cm_snapshot *snap = NULL;
    if (d->cfg.snapshot) {
        if (load_locked(d->cfg.snapshot, &snap, err) < 0)
            return -1;
    } else {
        if (!cm_probe)
            return cm_fail(err, CM_E_NOTSUP, "this build has no KVM probe; use --snapshot FILE");
        struct cm_probe_opts opts = {.arm64_all_features = true, .quiet = true};
        if (cm_probe(&opts, &snap, err) < 0)
            return -1;
    }
    struct cm_vector vec;
    if (cm_vector_from_snapshot(snap, &vec, err) < 0) {
        cm_snapshot_free(snap);
        return -1;
    }

    /* drift against the snapshot kept in the state directory */
    _cleanup_free_ char *path = cmd_state_path(d, "host.json");
    _cleanup_free_ char *prev_path = cmd_state_path(d, "host.prev.json");
    _cleanup_free_ char *drift_path = cmd_state_path(d, "drift.json");
    struct cm_snapshot *old = NULL;
    cm_error lerr = {0};
    struct json_object *drift = json_object_new_object();
    if (access(path, F_OK) == 0 && load_snapshot_text(path, &old, &lerr) < 0)
        fprintf(stderr, "cpumodeld: previous snapshot ignored: %s\n", lerr.msg);
    struct json_object *changes = old ? diff_snapshots(old, snap) : json_object_new_array();
    bool changed = json_object_array_length(changes) > 0;
    json_object_object_add(drift, "changed", json_object_new_boolean(changed));
    json_object_object_add(drift, "since", old && old->created ? json_object_new_string(old->created) : NULL);
    json_object_object_add(drift, "changes", changes);
    _cleanup_free_ char *detected = cm_now_iso8601();
    json_object_object_add(drift, "checked", json_object_new_string(detected));
    if (!changed && old && access(drift_path, F_OK) == 0) {
        /* nothing changed now: still say what the last change was, and when */
        size_t dlen;
        cm_error derr = {0};
        _cleanup_free_ char *dtext = cmd_read_file(drift_path, CMD_STATE_FILE_MAX, &dlen, &derr);
        char why[128];
        struct json_object *last = dtext ? vl_parse(dtext, dlen, 64, why, sizeof(why)) : NULL;
        struct json_object *lc;
        if (last && json_object_object_get_ex(last, "changed", &lc) && json_object_get_boolean(lc)) {
            json_object_object_del(last, "last_change");
            json_object_object_add(drift, "last_change", last);
        } else
            json_object_put(last);
    }
    if (!old || changed) {
        /* drift first, then the previous snapshot as a copy, then the new
         * one, each replaced atomically: a full disk or a crash at any step
         * leaves host.json as it was, and the next refresh finds the same
         * drift again (nothing is lost, nothing renamed away) */
        size_t len;
        const char *text = json_object_to_json_string_length(drift, JSON_C_TO_STRING_PRETTY, &len);
        if (cmd_write_atomic(drift_path, text, len, err) < 0)
            goto fail;
        if (old && save_snapshot(prev_path, old, err) < 0)
            goto fail;
        if (save_snapshot(path, snap, err) < 0)
            goto fail;
    }
    cm_snapshot_free(old);
    if (changed)
        fprintf(stderr, "cpumodeld: drift: %zu value(s) changed since %s\n",
                json_object_array_length(changes), old ? "the previous snapshot" : "-");

    cm_vector_free(&vec); /* the daemon decodes what it receives */
    *out = snap;
    *drift_out = drift;
    return 0;
fail:
    cm_snapshot_free(old);
    json_object_put(drift);
    cm_vector_free(&vec);
    cm_snapshot_free(snap);
    return -1;
}

/* In the child: {"drift"} or {"error","code"}, then (on success) a NUL and
 * the snapshot's JSON, apart so that the daemon can tell an unchanged
 * snapshot by its bytes without decoding it. */
static int refresh_run(struct cmd_daemon *d, void *unused, int fd)
{
    struct cm_snapshot *snap = NULL;
    struct json_object *drift = NULL;
    cm_error err = {0};
    struct json_object *o = json_object_new_object();
    struct json_object *so = NULL;
    if (refresh_compute(d, &snap, &drift, &err) < 0) {
        json_object_object_add(o, "error", json_object_new_string(err.msg));
        json_object_object_add(o, "code", json_object_new_int((int)err.code));
    } else {
        json_object_object_add(o, "drift", drift);
        so = cm_snapshot_to_json(snap);
    }
    size_t len, slen = 0;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
    const char *stext = so ? json_object_to_json_string_length(so, JSON_C_TO_STRING_PLAIN, &slen) : NULL;
    if (cmd_job_write(fd, text, len) < 0 || (stext && (cmd_job_write(fd, "", 1) < 0 ||
                                                        cmd_job_write(fd, stext, slen) < 0)))
        return 1;
    return 0;
}

/* On the loop: decodes the child's answer and makes it the served host (a
 * snapshot equal to the served one byte for byte only updates the drift:
 * the usual re-probe finds the same host, and decoding costs the loop). */
static int refresh_install(struct cmd_daemon *d, const char *text, size_t len, cm_error *err)
{
    const char *what = d->cfg.snapshot ? d->cfg.snapshot : "probe";
    const char *nul = memchr(text, '\0', len);
    size_t hlen = nul ? (size_t)(nul - text) : len;
    const char *stext = nul ? nul + 1 : NULL;
    size_t slen = nul ? len - hlen - 1 : 0;
    char why[256];
    struct json_object *o = vl_parse(text, hlen, 1024, why, sizeof(why));
    if (!o)
        return cm_fail(err, CM_E_IO, "%s: the refresh's answer: %s", what, why);
    struct json_object *msg, *code, *drift, *snapobj = NULL;
    struct cm_snapshot *snap = NULL;
    struct cm_vector vec;
    int r = -1;
    if (json_object_object_get_ex(o, "error", &msg)) {
        enum cm_errcode c = json_object_object_get_ex(o, "code", &code) ? (enum cm_errcode)json_object_get_int(code)
                                                                         : CM_E_IO;
        cm_fail(err, c, "%s", json_object_get_string(msg));
        goto out;
    }
    if (!stext || !json_object_object_get_ex(o, "drift", &drift)) {
        cm_fail(err, CM_E_IO, "%s: the refresh's answer has no snapshot", what);
        goto out;
    }
    bool same = d->host.snap && d->host.text && d->host.text_len == slen && !memcmp(d->host.text, stext, slen);
    if (!same) {
        if (!(snapobj = vl_parse(stext, slen, 1024, why, sizeof(why)))) {
            cm_fail(err, CM_E_IO, "%s: the refresh's snapshot: %s", what, why);
            goto out;
        }
        if (cm_snapshot_from_json(snapobj, what, &snap, err) < 0)
            goto out;
        if (cm_vector_from_snapshot(snap, &vec, err) < 0) {
            cm_snapshot_free(snap);
            goto out;
        }
        if (d->host.have_vec)
            cm_vector_free(&d->host.vec);
        cm_snapshot_free(d->host.snap);
        d->host.snap = snap;
        d->host.vec = vec;
        d->host.have_vec = true;
        cm_vector_digest(&d->host.vec, d->host.digest);
        free(d->host.text);
        d->host.text = cm_xmalloc(slen ? slen : 1);
        memcpy(d->host.text, stext, slen);
        d->host.text_len = slen;
    }
    json_object_put(d->host.drift);
    d->host.drift = json_object_get(drift);
    if (d->host_refreshed)
        d->host_refreshed(d); /* cached replies go (the drift's "checked" time is in GetHost), the registry learns */
    r = 0;
out:
    json_object_put(snapobj);
    json_object_put(o);
    return r;
}

struct refresh_waiter {
    cmd_refresh_done done;
    void *arg;
};

struct cmd_refresh {
    struct cmd_job *job;
    struct refresh_waiter *running, *next; /* served by the job in flight / by the one after it */
    size_t nrunning, nnext;
};

static void waiter_add(struct refresh_waiter **v, size_t *n, cmd_refresh_done done, void *arg)
{
    *v = cm_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct refresh_waiter){done, arg};
}

static void on_refreshed(struct cmd_daemon *d, void *arg, const char *out, size_t len, const char *error);

static int refresh_start(struct cmd_daemon *d, cm_error *err)
{
    d->refresh->job = cmd_job_start(d, d->cfg.snapshot ? "snapshot load" : "probe", d->cfg.probe_timeout_ms,
                                    CMD_STATE_FILE_MAX, refresh_run, NULL, on_refreshed, NULL, err);
    return d->refresh->job ? 0 : -1;
}

static void on_refreshed(struct cmd_daemon *d, void *arg, const char *out, size_t len, const char *error)
{
    struct cmd_refresh *rf = d->refresh;
    cm_error err = {0};
    int r = error ? cm_fail(&err, CM_E_IO, "%s", error) : refresh_install(d, out, len, &err);
    struct refresh_waiter *done = rf->running;
    size_t ndone = rf->nrunning;
    rf->job = NULL;
    rf->running = rf->next;
    rf->nrunning = rf->nnext;
    rf->next = NULL;
    rf->nnext = 0;
    cm_error serr = {0};
    if (rf->nrunning && refresh_start(d, &serr) < 0) {
        /* nothing is running now: those callers learn why at once */
        struct refresh_waiter *failed = rf->running;
        size_t nfailed = rf->nrunning;
        rf->running = NULL;
        rf->nrunning = 0;
        for (size_t i = 0; i < nfailed; i++)
            failed[i].done(d, failed[i].arg, &serr);
        free(failed);
    }
    for (size_t i = 0; i < ndone; i++)
        done[i].done(d, done[i].arg, r < 0 ? &err : NULL);
    free(done);
}

int cmd_host_refresh(struct cmd_daemon *d, cmd_refresh_done done, void *arg, cm_error *err)
{
    if (!d->refresh)
        d->refresh = cm_xcalloc(1, sizeof(*d->refresh));
    struct cmd_refresh *rf = d->refresh;
    if (rf->job) { /* started before this request: serve it with the next one */
        waiter_add(&rf->next, &rf->nnext, done, arg);
        return 0;
    }
    if (refresh_start(d, err) < 0)
        return -1;
    waiter_add(&rf->running, &rf->nrunning, done, arg);
    return 0;
}

void cmd_refresh_free(struct cmd_daemon *d)
{
    if (!d->refresh)
        return;
    cmd_job_cancel(d->refresh->job);
    free(d->refresh->running);
    free(d->refresh->next);
    free(d->refresh);
    d->refresh = NULL;
}

static struct json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

struct json_object *cmd_host_json(const struct cmd_daemon *d)
{
    const struct cm_snapshot *s = d->host.snap;
    struct json_object *h = json_object_new_object();
    json_object_object_add(h, "name", json_object_new_string(cm_snapshot_name(s)));
    json_object_object_add(h, "arch", json_object_new_string(cm_arch_name(s->arch)));
    json_object_object_add(h, "kernel", str_or_null(s->kernel));
    json_object_object_add(h, "cpu", str_or_null(s->cpu));
    json_object_object_add(h, "microcode", str_or_null(s->microcode));
    json_object_object_add(h, "bios", str_or_null(s->bios));
    json_object_object_add(h, "source", str_or_null(s->source));
    json_object_object_add(h, "created", str_or_null(s->created));
    json_object_object_add(h, "probe_ms", json_object_new_double(s->probe_ms));
    json_object_object_add(h, "partial", json_object_new_boolean(s->partial));
    struct json_object *feats = json_object_new_array();
    const struct cm_vector *v = &d->host.vec;
    for (size_t i = 0; v->ops && i < v->ops->nwords; i++) {
        if (!v->present[i])
            continue;
        const struct cm_word *w = &v->ops->words[i];
        char id[32], val[32];
        snprintf(id, sizeof(id), "0x%016" PRIx64, w->id);
        snprintf(val, sizeof(val), "0x%016" PRIx64, v->val[i]);
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(w->name));
        json_object_object_add(f, "id", json_object_new_string(id));
        json_object_object_add(f, "value", json_object_new_string(val));
        json_object_array_add(feats, f);
    }
    json_object_object_add(h, "features", feats);
    json_object_object_add(h, "drift", json_object_get(d->host.drift));
    return h;
}

/* ---- pinned models -------------------------------------------------------- */

bool cmd_model_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
        return false;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int models_read(struct cmd_daemon *d, cm_error *err);

struct cmd_model *cmd_model_find(struct cmd_daemon *d, const char *name)
{
    bool by_digest = cm_digest_is_ref(name);
    for (size_t i = 0; i < d->nmodels; i++)
        if (!strcmp(by_digest ? d->models[i].digest : d->models[i].name, name))
            return &d->models[i];
    return NULL;
}

void cmd_model_clear(struct cmd_model *m)
{
    free(m->name);
    free(m->created);
    if (m->have_vec)
        cm_vector_free(&m->vec);
    cm_snapshot_free(m->snap);
    memset(m, 0, sizeof(*m));
}

void cmd_models_free(struct cmd_daemon *d)
{
    for (size_t i = 0; i < d->nmodels; i++)
        cmd_model_clear(&d->models[i]);
    free(d->models);
    d->models = NULL;
    d->nmodels = 0;
}

struct json_object *cmd_model_info(const struct cmd_model *m)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(m->name));
    json_object_object_add(o, "generation", json_object_new_int64(m->generation));
    json_object_object_add(o, "digest", json_object_new_string(m->digest));
    json_object_object_add(o, "created", json_object_new_string(m->created ? m->created : ""));
    json_object_object_add(o, "arch", json_object_new_string(cm_arch_name(m->snap->arch)));
    struct json_object *mem = json_object_new_array();
    for (size_t i = 0; i < m->snap->nmembers; i++)
        json_object_array_add(mem, json_object_new_string(m->snap->members[i]));
    json_object_object_add(o, "members", mem);
    return o;
}

struct json_object *cmd_models_json(const struct cmd_daemon *d)
{
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < d->nmodels; i++)
        json_object_array_add(arr, cmd_model_info(&d->models[i]));
    return arr;
}

/* The digest of a pinned model: of its content, whatever the file says
 * (a file whose "digest" disagrees was refused by the reader already). */
static void model_set_digest(struct cmd_model *m)
{
    cm_vector_digest(&m->vec, m->digest);
    if (!m->snap->digest)
        m->snap->digest = cm_xstrdup(m->digest);
}

/* The stored form of a pinned model (a file in models/, a value in etcd). */
struct json_object *cmd_model_to_json(const struct cmd_model *m)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(m->name));
    json_object_object_add(o, "generation", json_object_new_int64(m->generation));
    json_object_object_add(o, "created", json_object_new_string(m->created ? m->created : ""));
    /* for readers of the file or the etcd value; loading computes it again */
    if (m->digest[0])
        json_object_object_add(o, "digest", json_object_new_string(m->digest));
    if (m->mod_revision)
        json_object_object_add(o, "mod_revision", json_object_new_int64(m->mod_revision));
    json_object_object_add(o, "model", cm_snapshot_to_json(m->snap));
    return o;
}

int cmd_model_from_json(struct json_object *o, const char *what, struct cmd_model *m, cm_error *err)
{
    struct json_object *name, *gen, *created, *model, *rev;
    memset(m, 0, sizeof(*m));
    if (!json_object_object_get_ex(o, "name", &name) || !json_object_is_type(name, json_type_string) ||
        !json_object_object_get_ex(o, "generation", &gen) || !json_object_is_type(gen, json_type_int) ||
        !json_object_object_get_ex(o, "model", &model))
        return cm_fail(err, CM_E_INPUT, "%s: not a pinned model (name, generation, model)", what);
    /* 1 .. INT64_MAX-1: json-c clamps what overflows to INT64_MAX, and the
     * next pin must still fit */
    if (json_object_get_int64(gen) < 1 || json_object_get_int64(gen) == INT64_MAX)
        return cm_fail(err, CM_E_INPUT, "%s: generation %s out of range (1 to %" PRId64 ")", what,
                       json_object_to_json_string(gen), INT64_MAX - 1);
    if (cm_snapshot_from_json(model, what, &m->snap, err) < 0)
        return -1;
    if (cm_vector_from_snapshot(m->snap, &m->vec, err) < 0) {
        cm_snapshot_free(m->snap);
        m->snap = NULL;
        return -1;
    }
    m->have_vec = true;
    model_set_digest(m); /* of the content, whatever the value says */
    m->name = cm_xstrdup(json_object_get_string(name));
    m->generation = json_object_get_int64(gen);
    m->created = json_object_object_get_ex(o, "created", &created) ? cm_xstrdup(json_object_get_string(created))
                                                                   : NULL;
    if (json_object_object_get_ex(o, "mod_revision", &rev) && json_object_is_type(rev, json_type_int))
        m->mod_revision = json_object_get_int64(rev);
    return 0;
}

static int model_from_file(const char *path, struct cmd_model *m, cm_error *err)
{
    size_t len;
    _cleanup_free_ char *text = cmd_read_file(path, CMD_STATE_FILE_MAX, &len, err);
    if (!text)
        return -1;
    char why[256];
    struct json_object *o = vl_parse(text, len, 1024, why, sizeof(why));
    if (!o)
        return cm_fail(err, CM_E_INPUT, "%s: %s", path, why);
    int r = cmd_model_from_json(o, path, m, err);
    json_object_put(o);
    return r;
}

int cmd_model_save(struct cmd_daemon *d, const struct cmd_model *m, cm_error *err)
{
    struct json_object *o = cmd_model_to_json(m);
    size_t len;
    const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY, &len);
    _cleanup_free_ char *rel = cm_xasprintf("models/%s.json", m->name);
    _cleanup_free_ char *path = cmd_state_path(d, rel);
    int r = cmd_write_atomic(path, text, len, err);
    json_object_put(o);
    return r;
}

/* Installs m (taken) in memory, replacing a model of the same name. */
struct cmd_model *cmd_model_set(struct cmd_daemon *d, struct cmd_model *m)
{
    struct cmd_model *old = cmd_model_find(d, m->name);
    if (old) {
        cmd_model_clear(old);
        *old = *m;
        return old;
    }
    d->models = cm_xrealloc(d->models, (d->nmodels + 1) * sizeof(*d->models));
    d->models[d->nmodels] = *m;
    return &d->models[d->nmodels++];
}

void cmd_model_drop(struct cmd_daemon *d, const char *name)
{
    struct cmd_model *m = cmd_model_find(d, name);
    if (!m)
        return;
    size_t i = (size_t)(m - d->models);
    cmd_model_clear(m);
    memmove(&d->models[i], &d->models[i + 1], (d->nmodels - i - 1) * sizeof(*m));
    d->nmodels--;
}

/* A model on disk older than the one in memory (a backup restored over the
 * state directory, a stray copy): the newer one stays, both are named. */
static void models_keep_newer(struct cmd_daemon *d, struct cmd_model *old, size_t nold)
{
    for (size_t i = 0; i < nold; i++) {
        struct cmd_model *now = cmd_model_find(d, old[i].name);
        if (!now || now->generation >= old[i].generation) {
            cmd_model_clear(&old[i]);
            continue;
        }
        fprintf(stderr, "cpumodeld: model %s: generation %" PRId64 " on disk is older than %" PRId64
                        " in memory; keeping %" PRId64 "\n",
                old[i].name, now->generation, old[i].generation, old[i].generation);
        cmd_model_clear(now);
        *now = old[i];
    }
    free(old);
}

int cmd_models_load(struct cmd_daemon *d, cm_error *err)
{
    struct cmd_model *old = d->models;
    size_t nold = d->nmodels;
    d->models = NULL;
    d->nmodels = 0;
    if (models_read(d, err) < 0) { /* the directory is unreadable: keep what we have */
        cmd_models_free(d);
        d->models = old;
        d->nmodels = nold;
        return -1;
    }
    models_keep_newer(d, old, nold);
    return 0;
}

static int models_read(struct cmd_daemon *d, cm_error *err)
{
    _cleanup_free_ char *dir = cmd_state_path(d, "models");
    if (cmd_mkdir_p(dir, 0750, err) < 0)
        return -1;
    DIR *dp = opendir(dir);
    if (!dp)
        return cm_fail(err, CM_E_IO, "%s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t n = strlen(de->d_name);
        if (cm_is_temp_name(de->d_name)) {
            /* the leftover of a write that was killed: the rename never happened
             * (".tmp-...": no model name starts with a dot) */
            _cleanup_free_ char *tmp = cm_xasprintf("%s/%s", dir, de->d_name);
            unlink(tmp);
            continue;
        }
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = cm_xasprintf("%s/%s", dir, de->d_name);
        struct cmd_model m;
        cm_error merr = {0};
        if (model_from_file(path, &m, &merr) < 0) {
            fprintf(stderr, "cpumodeld: pinned model skipped: %s\n", merr.msg);
            continue;
        }
        d->models = cm_xrealloc(d->models, (d->nmodels + 1) * sizeof(*d->models));
        d->models[d->nmodels++] = m;
    }
    closedir(dp);
    return 0;
}

int cmd_model_pin(struct cmd_daemon *d, const char *name, struct cm_snapshot *model, bool replace,
                  struct cmd_model **out, cm_error *err)
{
    struct cmd_model *old = cmd_model_find(d, name);
    if (old && !replace)
        return cm_fail(err, CM_E_MISMATCH, "model '%s' exists (generation %lld)", name,
                       (long long)old->generation);
    if (old && old->generation >= INT64_MAX - 1)
        return cm_fail(err, CM_E_INPUT, "model '%s': generation %" PRId64 " cannot grow further", name,
                       old->generation);
    struct cmd_model m = {0};
    m.name = cm_xstrdup(name);
    m.generation = old ? old->generation + 1 : 1;
    m.created = cm_now_iso8601();
    cm_snapshot_set_str(&model->host, name);
    m.snap = model;
    if (cm_vector_from_snapshot(model, &m.vec, err) < 0) {
        m.snap = NULL;
        cmd_model_clear(&m);
        return -1;
    }
    m.have_vec = true;
    model_set_digest(&m);
    if (cmd_model_save(d, &m, err) < 0) {
        m.snap = NULL; /* the caller keeps its snapshot on failure */
        cmd_model_clear(&m);
        return -1;
    }
    *out = cmd_model_set(d, &m);
    return 0;
}

int cmd_model_unpin(struct cmd_daemon *d, const char *name, cm_error *err)
{
    if (!cmd_model_find(d, name))
        return cm_fail(err, CM_E_INPUT, "no model '%s'", name);
    if (cmd_model_unlink(d, name, err) < 0)
        return -1;
    cmd_model_drop(d, name);
    return 0;
}

/* Removes a model's file (durably: the directory is synced). */
int cmd_model_unlink(struct cmd_daemon *d, const char *name, cm_error *err)
{
    _cleanup_free_ char *rel = cm_xasprintf("models/%s.json", name);
    _cleanup_free_ char *path = cmd_state_path(d, rel);
    if (unlink(path) < 0 && errno != ENOENT)
        return cm_fail(err, CM_E_IO, "%s: %s", path, strerror(errno));
    _cleanup_free_ char *dir = cmd_state_path(d, "models");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}
