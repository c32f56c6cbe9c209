/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster fan-out: every selected peer is asked for its snapshot
 * (io.cpumodeld.GetHost full=true) at the same time, from inside the event
 * loop, each with its own deadline.  A peer that does not answer in time,
 * refuses, or answers garbage falls back to its cached snapshot (reported as
 * cached, with its age) or is reported missing.  Only configured peers are
 * ever contacted: the addresses come from the configuration, never from a
 * request. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/un.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

/* One fetch per peer at a time: concurrent fan-outs that want the same peer
 * wait on the same fetch (waiters), so N concurrent GetBaseline calls cost
 * each peer one connection, not N. */
struct cmd_waiter {
    struct cmd_fanout *f;
    size_t i;
};

struct cmd_fetch {
    struct cmd_daemon *d;
    struct cmd_peer *p;
    int fd;
    sd_event_source *io, *timer;
    struct vl_outbuf out;
    struct vl_inbuf in;
    bool connected;
    struct cmd_waiter *w;
    size_t nw;
};

static void fanout_check(struct cmd_fanout *f);

static void fetch_release(struct cmd_fetch *x)
{
    x->io = sd_event_source_disable_unref(x->io);
    x->timer = sd_event_source_disable_unref(x->timer);
    if (x->fd >= 0)
        close(x->fd);
    vl_outbuf_free(&x->out);
    vl_inbuf_free(&x->in);
    free(x->w);
    free(x);
}

/* A result from what the peer last showed (its last fetch's outcome). */
static void result_from_peer(struct cmd_fanout_result *r, const struct cmd_peer *p)
{
    if (p->last_error) {
        r->error = cm_xstrdup(p->last_error);
        r->status = p->have_vec ? CMD_CACHED : CMD_MISSING;
    } else
        r->status = p->have_vec ? CMD_LIVE : CMD_MISSING;
}

static void fetch_finish(struct cmd_fetch *x, const char *error)
{
    struct cmd_peer *p = x->p;
    cm_snapshot_set_str(&p->last_error, error);
    sd_event_now(x->d->event, CLOCK_MONOTONIC, &p->attempted_us);
    p->fetch = NULL;
    for (size_t k = 0; k < x->nw; k++) {
        struct cmd_fanout *f = x->w[k].f;
        result_from_peer(&f->res[x->w[k].i], p);
        f->pending--;
        fanout_check(f);
    }
    fetch_release(x);
}

void cmd_fetch_cancel(struct cmd_peer *p)
{
    if (p->fetch)
        fetch_release(p->fetch);
    p->fetch = NULL;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct cmd_fetch *x = userdata;
    char msg[96];
    snprintf(msg, sizeof(msg), "no answer within %d ms", x->d->cfg.peer_timeout_ms);
    fetch_finish(x, msg);
    return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct cmd_fetch *x = userdata;
    struct cmd_daemon *d = x->d;
    char msg[1100];
    if (!x->connected) {
        int soerr = 0;
        socklen_t l = sizeof(soerr);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
        if (soerr) {
            snprintf(msg, sizeof(msg), "connect: %s", strerror(soerr));
            fetch_finish(x, msg);
            return 0;
        }
        x->connected = true;
    }
    if (vl_outbuf_pending(&x->out)) {
        int r = vl_outbuf_flush(&x->out, fd);
        if (r < 0) {
            snprintf(msg, sizeof(msg), "send: %s", strerror(errno));
            fetch_finish(x, msg);
            return 0;
        }
        sd_event_source_set_io_events(x->io, r ? EPOLLIN : EPOLLIN | EPOLLOUT);
    }
    if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return 0;
    for (;;) {
        ssize_t n = vl_inbuf_read(&x->in, fd);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            snprintf(msg, sizeof(msg), n == 0 ? "connection closed before a reply" : "receive: %s",
                     strerror(errno));
            fetch_finish(x, msg);
            return 0;
        }
        char *nul = memchr(x->in.data + x->in.len - (size_t)n, '\0', (size_t)n);
        if (nul) {
            cm_error err = {0};
            size_t len = (size_t)(nul - x->in.data);
            if (len > d->cfg.max_peer_reply) {
                snprintf(msg, sizeof(msg), "reply larger than %zu bytes", d->cfg.max_peer_reply);
                fetch_finish(x, msg);
            } else if (cmd_peer_accept(d, x->p, x->in.data, len, &err) < 0)
                fetch_finish(x, err.msg);
            else
                fetch_finish(x, NULL);
            return 0;
        }
        if (x->in.len > d->cfg.max_peer_reply) {
            snprintf(msg, sizeof(msg), "reply larger than %zu bytes", d->cfg.max_peer_reply);
            fetch_finish(x, msg);
            return 0;
        }
    }
    return 0;
}

/* Starts a fetch of p (or finishes it at once with the reason it cannot
 * start); the waiter is added before, so it learns the outcome either way. */
static void fetch_start(struct cmd_daemon *d, struct cmd_peer *p, struct cmd_fanout *f, size_t i)
{
    struct cmd_fetch *x = p->fetch;
    if (!x) {
        x = cm_xcalloc(1, sizeof(*x));
        x->d = d;
        x->p = p;
        x->fd = -1;
    }
    x->w = cm_xrealloc(x->w, (x->nw + 1) * sizeof(*x->w));
    x->w[x->nw++] = (struct cmd_waiter){f, i};
    if (p->fetch)
        return; /* already on its way: share it */
    p->fetch = x;
    char msg[256];
    if (!p->salen) {
        /* p->last_error says why it has no address (cm_snapshot_set_str copes with the alias) */
        fetch_finish(x, p->last_error ? p->last_error : "unresolved address");
        return;
    }
    x->fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (x->fd < 0) {
        snprintf(msg, sizeof(msg), "socket: %s", strerror(errno));
        fetch_finish(x, msg);
        return;
    }
    if (connect(x->fd, (struct sockaddr *)&p->sa, p->salen) < 0 && errno != EINPROGRESS && errno != EAGAIN) {
        snprintf(msg, sizeof(msg), "connect: %s", strerror(errno));
        fetch_finish(x, msg);
        return;
    }
    struct json_object *params = json_object_new_object();
    json_object_object_add(params, "full", json_object_new_boolean(1));
    size_t len;
    _cleanup_free_ char *call = vl_encode_call(CMD_IFACE ".GetHost", params, false, false, &len);
    vl_outbuf_append(&x->out, call, len);
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_io(d->event, &x->io, x->fd, EPOLLOUT | EPOLLIN, on_io, x) < 0 ||
        sd_event_add_time(d->event, &x->timer, CLOCK_MONOTONIC, now + (uint64_t)d->cfg.peer_timeout_ms * 1000,
                          1000, on_timer, x) < 0)
        fetch_finish(x, "event loop: cannot watch the connection");
}

static int on_defer(sd_event_source *s, void *userdata)
{
    struct cmd_fanout *f = userdata;
    f->defer = sd_event_source_disable_unref(f->defer);
    f->done(f, f->userdata);
    return 0;
}

static void fanout_check(struct cmd_fanout *f)
{
    if (f->pending || f->defer)
        return;
    /* finish from the loop, never from inside a peer's callback */
    if (sd_event_add_defer(f->d->event, &f->defer, on_defer, f) < 0)
        f->done(f, f->userdata);
}

struct cmd_fanout *cmd_fanout_start(struct cmd_daemon *d, const size_t *idx, size_t n, uint64_t max_age_us,
                                    cmd_fanout_done done, void *userdata)
{
    struct cmd_fanout *f = cm_xcalloc(1, sizeof(*f));
    f->d = d;
    f->n = n;
    f->pending = n + 1; /* held until every fetch is started */
    f->done = done;
    f->userdata = userdata;
    f->res = cm_xcalloc(n ? n : 1, sizeof(*f->res));
    for (size_t i = 0; i < n; i++)
        f->res[i].peer = &d->peers[idx[i]];
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    for (size_t i = 0; i < n; i++) {
        struct cmd_peer *p = f->res[i].peer;
        if (max_age_us && !p->fetch && p->attempted_us && now - p->attempted_us <= max_age_us) {
            result_from_peer(&f->res[i], p); /* recent enough: no new connection */
            f->res[i].from_cache = true;
            f->pending--;
        } else
            fetch_start(d, p, f, i);
    }
    f->pending--;
    fanout_check(f);
    return f;
}

/* Only once done ran: every fetch it waited on has finished (fetches
 * outlive the fan-outs that share them only until they finish). */
void cmd_fanout_free(struct cmd_fanout *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->res[i].error);
    sd_event_source_disable_unref(f->defer);
    free(f->res);
    free(f);
}

struct cmd_fanout *cmd_fanout_static(struct cmd_daemon *d, struct cmd_peer *const *peers,
                                     const enum cmd_member_status *status, size_t n)
{
    struct cmd_fanout *f = cm_xcalloc(1, sizeof(*f));
    f->d = d;
    f->n = n;
    f->res = cm_xcalloc(n ? n : 1, sizeof(*f->res));
    for (size_t i = 0; i < n; i++) {
        f->res[i].peer = peers[i];
        f->res[i].status = status[i];
        if (peers[i]->last_error)
            f->res[i].error = cm_xstrdup(peers[i]->last_error);
    }
    return f;
}

/* ---- the peer table: addresses, caches on disk, accepted replies ---------------------------------------------------------------- */

static char *peer_cache_path(const struct cmd_daemon *d, const char *address)
{
    _cleanup_free_ char *safe = cm_xstrdup(address);
    for (char *p = safe; *p; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-", *p))
            *p = '_';
    _cleanup_free_ char *rel = cm_xasprintf("peers/%s.json", safe);
    return cmd_state_path(d, rel);
}

static void peer_clear(struct cmd_peer *p)
{
    cmd_fetch_cancel(p);
    free(p->address);
    free(p->name);
    free(p->raw);
    if (p->have_vec)
        cm_vector_free(&p->vec);
    cm_snapshot_free(p->snap);
    free(p->last_error);
    json_object_put(p->models);
    memset(p, 0, sizeof(*p));
}

void cmd_peers_free(struct cmd_daemon *d)
{
    for (size_t i = 0; i < d->npeers; i++)
        peer_clear(&d->peers[i]);
    free(d->peers);
    d->peers = NULL;
    d->npeers = 0;
}

/* Keeps the peer's pinned models (an array, else nothing): what conflict
 * detection compares with ours. */
static void peer_set_models(struct cmd_peer *p, struct json_object *models)
{
    json_object_put(p->models);
    p->models = models && json_object_is_type(models, json_type_array) ? json_object_get(models) : NULL;
}

/* Installs a parsed snapshot as the peer's current one. */
static int peer_install(struct cmd_peer *p, struct json_object *snapobj, const char *what, cm_error *err)
{
    struct cm_snapshot *s = NULL;
    if (cm_snapshot_from_json(snapobj, what, &s, err) < 0)
        return -1;
    if (!cm_str_printable(cm_snapshot_name(s))) {
        _cleanup_free_ char *shown = cm_str_escape(cm_snapshot_name(s));
        cm_snapshot_free(s);
        return cm_fail(err, CM_E_INPUT, "%s: host name '%s' holds control characters", what, shown);
    }
    struct cm_vector v;
    if (cm_vector_from_snapshot(s, &v, err) < 0) {
        cm_snapshot_free(s);
        return -1;
    }
    if (p->have_vec)
        cm_vector_free(&p->vec);
    cm_snapshot_free(p->snap);
    p->snap = s;
    p->vec = v;
    p->have_vec = true;
    cm_snapshot_set_str(&p->name, cm_snapshot_name(s));
    return 0;
}

static void peer_load_cache(struct cmd_daemon *d, struct cmd_peer *p)
{
    _cleanup_free_ char *path = peer_cache_path(d, p->address);
    if (access(path, F_OK) < 0)
        return;
    cm_error err = {0};
    size_t len;
    _cleanup_free_ char *text = cmd_read_file(path, CMD_STATE_FILE_MAX, &len, &err);
    char why[256];
    struct json_object *o = text ? vl_parse(text, len, 1024, why, sizeof(why)) : NULL;
    struct json_object *fetched, *snap;
    if (!o || !json_object_object_get_ex(o, "fetched", &fetched) ||
        !json_object_object_get_ex(o, "snapshot", &snap) || peer_install(p, snap, path, &err) < 0) {
        fprintf(stderr, "cpumodeld: peer cache %s ignored: %s\n", path, err.msg[0] ? err.msg : why);
        json_object_put(o);
        return;
    }
    p->fetched = (time_t)json_object_get_int64(fetched);
    struct json_object *models = NULL;
    json_object_object_get_ex(o, "models", &models);
    peer_set_models(p, models);
    json_object_put(o);
}

/* Peers are resolved when the configuration is read, never inside the loop. */
static void peer_resolve(struct cmd_peer *p)
{
    const char *path = !strncmp(p->address, "unix:", 5) ? p->address + 5 : NULL;
    if (path) {
        struct sockaddr_un *sun = (struct sockaddr_un *)&p->sa;
        if (strlen(path) >= sizeof(sun->sun_path)) {
            cm_snapshot_set_str(&p->last_error, "socket path too long");
            return;
        }
        sun->sun_family = AF_UNIX;
        strcpy(sun->sun_path, path);
        p->salen = sizeof(*sun);
        return;
    }
    char host[256], port[16];
    if (!vl_split_hostport(p->address, host, sizeof(host), port, sizeof(port))) {
        cm_snapshot_set_str(&p->last_error, "not HOST:PORT");
        return;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r || !res) {
        cm_snapshot_set_str(&p->last_error, r ? gai_strerror(r) : "no address");
        return;
    }
    memcpy(&p->sa, res->ai_addr, res->ai_addrlen);
    p->salen = res->ai_addrlen;
    freeaddrinfo(res);
}

void cmd_peers_setup(struct cmd_daemon *d)
{
    cmd_peers_free(d);
    _cleanup_free_ char *dir = cmd_state_path(d, "peers");
    cm_error err = {0};
    if (cmd_mkdir_p(dir, 0750, &err) < 0)
        fprintf(stderr, "cpumodeld: %s\n", err.msg);
    d->peers = cm_xcalloc(d->cfg.peers.n ? d->cfg.peers.n : 1, sizeof(*d->peers));
    for (size_t i = 0; i < d->cfg.peers.n; i++) {
        d->peers[i].address = cm_xstrdup(d->cfg.peers.v[i]);
        peer_resolve(&d->peers[i]);
        peer_load_cache(d, &d->peers[i]);
    }
    d->npeers = d->cfg.peers.n;
}

int cmd_peer_accept(struct cmd_daemon *d, struct cmd_peer *p, const char *raw, size_t len, cm_error *err)
{
    time_t now = time(NULL);
    if (p->raw && p->rawlen == len && !memcmp(p->raw, raw, len) && p->have_vec) {
        p->fetched = now; /* same answer as last time: nothing to parse or store */
        return 0;
    }
    char why[256];
    struct json_object *o = vl_parse(raw, len, d->cfg.max_depth, why, sizeof(why));
    if (!o)
        return cm_fail(err, CM_E_INPUT, "%s: %s", p->address, why);
    struct json_object *errname, *params, *snap;
    int r = -1;
    if (json_object_object_get_ex(o, "error", &errname)) {
        cm_fail(err, CM_E_INPUT, "%s: error %s", p->address, json_object_get_string(errname));
        goto out;
    }
    if (!json_object_object_get_ex(o, "parameters", &params) || !json_object_object_get_ex(params, "snapshot", &snap) ||
        !json_object_is_type(snap, json_type_object)) {
        cm_fail(err, CM_E_INPUT, "%s: the reply has no snapshot", p->address);
        goto out;
    }
    if (peer_install(p, snap, p->address, err) < 0)
        goto out;
    struct json_object *models = NULL;
    json_object_object_get_ex(params, "models", &models);
    peer_set_models(p, models);
    free(p->raw);
    p->raw = cm_xmalloc(len);
    memcpy(p->raw, raw, len);
    p->rawlen = len;
    p->fetched = now;
    /* the on-disk cache: atomic, but not fsynced (it can be fetched again) */
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "address", json_object_new_string(p->address));
    json_object_object_add(c, "fetched", json_object_new_int64((int64_t)now));
    json_object_object_add(c, "snapshot", json_object_get(snap));
    if (p->models)
        json_object_object_add(c, "models", json_object_get(p->models));
    {
        /* own scope: the `goto out` paths above must not reach this cleanup variable */
        size_t clen;
        const char *text = json_object_to_json_string_length(c, JSON_C_TO_STRING_PLAIN, &clen);
        _cleanup_free_ char *path = peer_cache_path(d, p->address);
        cm_error werr = {0};
        if (cmd_write_atomic_ex(path, text, clen, false, &werr) < 0)
            fprintf(stderr, "cpumodeld: %s\n", werr.msg);
    }
    json_object_put(c);
    r = 0;
out:
    json_object_put(o);
    return r;
}
