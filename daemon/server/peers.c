/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster fan-out: every selected peer is asked for its snapshot
 * (io.cpumodeld.GetHost full=true) at the same time, from inside the event
 * loop, each with its own deadline.  A peer that does not answer in time,
 * refuses, or answers garbage falls back to its cached snapshot (reported as
 * cached, with its age) or is reported missing.  Only configured peers are
 * ever contacted: the addresses come from the configuration, never from a
 * request. */
#include <errno.h>
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
    snprintf(msg, sizeof(msg), x->p->resolving ? "name not resolved within %d ms" : "no answer within %d ms",
             x->d->cfg.peer_timeout_ms);
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

/* Connects and sends the call; the fetch's timer runs already. */
static void fetch_connect(struct cmd_fetch *x)
{
    struct cmd_daemon *d = x->d;
    struct cmd_peer *p = x->p;
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
    if (sd_event_add_io(d->event, &x->io, x->fd, EPOLLOUT | EPOLLIN, on_io, x) < 0)
        fetch_finish(x, "event loop: cannot watch the connection");
}

/* Starts a fetch of p (or finishes it at once with the reason it cannot
 * start); the waiter is added before, so it learns the outcome either way.
 * A peer whose name is still being resolved (off the loop, state.c) is
 * connected to once it is: its timeout counts from now all the same. */
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
    uint64_t now;
    sd_event_now(d->event, CLOCK_MONOTONIC, &now);
    if (sd_event_add_time(d->event, &x->timer, CLOCK_MONOTONIC, now + (uint64_t)d->cfg.peer_timeout_ms * 1000,
                          1000, on_timer, x) < 0) {
        fetch_finish(x, "event loop: cannot time the fetch");
        return;
    }
    if (!p->resolving)
        fetch_connect(x);
}

void cmd_fetch_resolved(struct cmd_peer *p)
{
    if (p->fetch && p->fetch->fd < 0 && !p->fetch->io)
        fetch_connect(p->fetch);
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
