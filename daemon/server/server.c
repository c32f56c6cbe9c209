/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Listeners and connections on the sd-event loop.
 *
 * Each connection reads NUL-framed messages, answers them in order, and
 * holds further messages while an asynchronous call (the cluster fan-out) is
 * in flight.  Hostile input is bounded: message size and JSON depth (the
 * codec), caps on connections per listener and per client with headroom
 * kept for the hook (admit), a cap on queued output per client, idle, trickle
 * and send timeouts; a protocol violation gets an
 * io.cpumodeld.InvalidMessage error and the connection is closed, the daemon
 * keeps serving.  Over TCP only read-only methods are served; writing
 * methods need the Unix socket and a caller that is root, the daemon's own
 * user, or in the socket's group (SO_PEERCRED).
 *
 * The request path is kept short because with many clients the daemon's
 * CPU time per call is what bounds latency:
 *  - all connections sit in one inner epoll set that sd-event watches as a
 *    single source, so one wakeup serves every ready connection with one
 *    epoll_wait.  (A source per connection makes sd-event call epoll_wait
 *    between any two dispatches, and each such call re-polls every
 *    connection still ready: quadratic in the number of busy clients.)
 *  - a connection's socket is read until it has nothing more (bounded), all
 *    its complete messages are answered, and the replies go out in one send.
 *  - replies of cacheable methods (GetHost, GetInfo, descriptions) are kept
 *    keyed by the exact request bytes: a repeated call is answered with a copy
 *    of the stored reply, without parsing it.  cmd_host_changed (reprobe,
 *    reload) drops them. */
#define _GNU_SOURCE /* accept4, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"

static uint64_t now_us(struct cmd_daemon *d)
{
    uint64_t t = 0;
    sd_event_now(d->event, CLOCK_MONOTONIC, &t);
    return t;
}

/* ---- replies -------------------------------------------------------------- */

static void queue(struct cmd_conn *c, char *msg, size_t len)
{
    vl_outbuf_append(&c->out, msg, len);
    free(msg);
}

void cmd_reply_more(struct cmd_conn *c, struct json_object *params, bool continues)
{
    if (c->oneway) {
        json_object_put(params);
        return;
    }
    size_t len;
    char *m = vl_encode_reply(params, continues, &len);
    queue(c, m, len);
}

void cmd_reply_raw(struct cmd_conn *c, const char *msg, size_t len)
{
    if (!c->oneway)
        vl_outbuf_append(&c->out, msg, len);
}

void cmd_reply(struct cmd_conn *c, struct json_object *params) { cmd_reply_more(c, params, false); }

void cmd_error(struct cmd_conn *c, const char *error, struct json_object *params)
{
    if (c->oneway) {
        json_object_put(params);
        return;
    }
    size_t len;
    char *m = vl_encode_error(error, params, &len);
    queue(c, m, len);
}

void cmd_error_msg(struct cmd_conn *c, const char *error, const char *key, const char *value)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, key, json_object_new_string(value ? value : ""));
    cmd_error(c, error, p);
}

void cmd_error_param(struct cmd_conn *c, const char *param)
{
    cmd_error_msg(c, VL_ERR_INVALID_PARAMETER, "parameter", param);
}

/* ---- connections ---------------------------------------------------------- */

/* A client that sends calls but does not read the replies stops being read
 * once max_output_bytes are queued (its socket buffer fills, not our
 * memory): what one client holds is bounded by that plus one reply, plus
 * what one read takes in. */
static bool out_full(const struct cmd_conn *c) { return c->out.len - c->out.off > c->d->cfg.max_output; }

/* A complete call is buffered: answer it before reading more, so calls a
 * client sends without reading wait in its socket, not in our memory. */
static bool call_buffered(struct cmd_conn *c)
{
    size_t len;
    return vl_inbuf_peek(&c->in, &len) != NULL;
}

/* ready connections taken per wakeup; more wait for the next one */
#define CONN_BATCH 256
/* bytes read from one connection per wakeup at most (fairness) */
#define CONN_READ_BURST (256u << 10)
/* what the reply cache holds at most */
#define CACHE_MAX_REQUEST 1024u
#define CACHE_MAX_REPLY (1u << 20)

/* Makes the inner epoll set match c->enabled / c->events; a system call
 * only when something changed.  Like a disabled sd-event source, a
 * disabled connection is not in the set at all (an fd in the set with no
 * events still reports EPOLLHUP). */
static void conn_watch_update(struct cmd_conn *c)
{
    struct cmd_daemon *d = c->d;
    if (c->enabled == c->watched && (!c->enabled || c->events == c->armed))
        return;
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    int op = !c->enabled ? EPOLL_CTL_DEL : c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(d->conn_epfd, op, c->fd, &ev) == 0 || op == EPOLL_CTL_DEL) {
        c->watched = c->enabled;
        c->armed = c->events;
    }
}

static void conn_set_events(struct cmd_conn *c, uint32_t events)
{
    c->events = events;
    conn_watch_update(c);
}

static void conn_set_enabled(struct cmd_conn *c, bool on)
{
    c->enabled = on;
    conn_watch_update(c);
}

/* ---- the reply cache ------------------------------------------------------ */

void cmd_reply_cache_clear(struct cmd_daemon *d)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(d->replies); i++) {
        free(d->replies[i].request);
        free(d->replies[i].reply);
        memset(&d->replies[i], 0, sizeof(d->replies[i]));
    }
    d->replies_next = 0;
}

static const struct cmd_cached_reply *cache_find(const struct cmd_daemon *d, const char *req, size_t len)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(d->replies); i++) {
        const struct cmd_cached_reply *e = &d->replies[i];
        if (e->request && e->request_len == len && !memcmp(e->request, req, len))
            return e;
    }
    return NULL;
}

/* Keeps a reply (round robin over the slots: a client varying its bytes
 * only evicts, it cannot grow the cache). */
static void cache_store(struct cmd_daemon *d, const char *req, size_t len, const char *reply, size_t reply_len)
{
    if (len > CACHE_MAX_REQUEST || reply_len > CACHE_MAX_REPLY || cache_find(d, req, len))
        return;
    struct cmd_cached_reply *e = &d->replies[d->replies_next++ % CM_ARRAY_SIZE(d->replies)];
    free(e->request);
    free(e->reply);
    e->request = cm_xmalloc(len);
    memcpy(e->request, req, len);
    e->request_len = len;
    e->reply = cm_xmalloc(reply_len);
    memcpy(e->reply, reply, reply_len);
    e->reply_len = reply_len;
}


static void conn_free(struct cmd_conn *c)
{
    struct cmd_daemon *d = c->d;
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    d->nconns--;
    if (c->tcp)
        d->ntcp--;
    conn_set_enabled(c, false);
    if (c->fd >= 0)
        close(c->fd);
    vl_inbuf_free(&c->in);
    vl_outbuf_free(&c->out);
    json_object_put(c->cur);
    free(c);
    if (d->draining && !d->conns)
        sd_event_exit(d->event, 0);
}

/* Closes now, or once the in-flight call completes. */
static void conn_drop(struct cmd_conn *c)
{
    c->dead = true;
    if (c->busy) {
        conn_set_enabled(c, false);
        return;
    }
    conn_free(c);
}

static void conn_process(struct cmd_conn *c);

/* Flushes output; returns false when the connection was freed. */
static bool conn_flush(struct cmd_conn *c)
{
    size_t before = c->out.len - c->out.off;
    int r = vl_outbuf_flush(&c->out, c->fd);
    if (r < 0) {
        conn_drop(c);
        return false;
    }
    if (r > 0 && c->closing && !c->busy) {
        conn_free(c);
        return false;
    }
    /* while a call is in flight further messages stay in the socket;
     * calls still buffered after the queue went out whole: EPOLLOUT (ready at
     * once) brings us back in the next round, after the other clients */
    bool waiting = !c->closing && !c->busy && call_buffered(c);
    uint32_t ev = (c->closing || c->busy || out_full(c) || waiting ? 0 : EPOLLIN) | (r == 0 || waiting ? EPOLLOUT : 0);
    /* the send timeout counts from the last time the client took anything
     * while something waits for it (queued replies, or calls held back) */
    bool sent = c->out.len - c->out.off < before;
    if (r == 0 || waiting) {
        if (sent || !c->stalled_since_us)
            c->stalled_since_us = now_us(c->d);
    } else
        c->stalled_since_us = 0;
    conn_set_events(c, ev);
    return true;
}

static bool method_allowed(struct cmd_conn *c, const struct cmd_method *m, const char **why)
{
    if (!m->writes)
        return true;
    if (c->tcp) {
        *why = "writing methods are served on the Unix socket only";
        return false;
    }
    if (!c->privileged) {
        *why = "the caller is neither root nor in the socket's group";
        return false;
    }
    return true;
}

/* Dispatches one message (raw: its bytes); returns 1 when the call went
 * asynchronous. */
static int dispatch(struct cmd_conn *c, struct json_object *msg, const char *raw, size_t rawlen)
{
    struct cmd_daemon *d = c->d;
    struct vl_call call;
    const char *bad = NULL;
    c->oneway = false;
    c->more = false;
    if (vl_call_decode(msg, &call, &bad) < 0) {
        char why[128];
        snprintf(why, sizeof(why), "bad or missing '%s' in the call", bad);
        cmd_error_msg(c, CMD_IFACE ".InvalidMessage", "reason", why);
        c->closing = true;
        return 0;
    }
    c->oneway = call.oneway;
    c->more = call.more;
    d->served++;
    if (call.upgrade) {
        cmd_error_msg(c, VL_ERR_METHOD_NOT_IMPLEMENTED, "method", call.method);
        return 0;
    }
    bool known = false;
    const struct cmd_method *m = d->method_lookup(d, call.iface, call.member, &known);
    if (!m) {
        if (!known)
            cmd_error_msg(c, VL_ERR_INTERFACE_NOT_FOUND, "interface", call.iface);
        else
            cmd_error_msg(c, VL_ERR_METHOD_NOT_FOUND, "method", call.method);
        return 0;
    }
    const char *why = NULL;
    if (!method_allowed(c, m, &why)) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "method", json_object_new_string(call.method));
        json_object_object_add(p, "reason", json_object_new_string(why));
        cmd_error(c, CMD_IFACE ".PermissionDenied", p);
        return 0;
    }
    size_t before = vl_outbuf_pending(&c->out) ? c->out.len : 0; /* a drained queue restarts at 0 */
    int r = m->fn(c, &call);
    if (r > 0) {
        c->busy = true;
        c->cur = json_object_get(msg);
    } else if (m->cacheable && !call.oneway && !call.more && c->out.len > before &&
               !strncmp(c->out.data + before, "{\"parameters\"", 13)) {
        /* a reply, not an error: the same bytes get the same answer until
         * the state changes (append only grows out.len within one call) */
        cache_store(d, raw, rawlen, c->out.data + before, c->out.len - before);
    }
    return r > 0;
}

static void conn_process(struct cmd_conn *c)
{
    struct cmd_daemon *d = c->d;
    struct vl_limits lim = {.max_message = d->cfg.max_message, .max_depth = d->cfg.max_depth};
    while (!c->busy && !c->closing && !out_full(c)) {
        struct json_object *msg = NULL;
        char why[256];
        size_t len;
        const char *raw = vl_inbuf_peek(&c->in, &len);
        const struct cmd_cached_reply *hit = raw && len <= lim.max_message ? cache_find(d, raw, len) : NULL;
        if (hit) { /* what dispatch would do for these bytes, minus the work */
            c->oneway = c->more = false;
            d->served++;
            vl_outbuf_append(&c->out, hit->reply, hit->reply_len);
            vl_inbuf_consume(&c->in, len);
            continue;
        }
        int r;
        if (raw) {
            r = vl_message_parse(raw, len, &lim, &msg, why, sizeof(why));
            if (r > 0)
                dispatch(c, msg, raw, len);
            vl_inbuf_consume(&c->in, len); /* whatever the outcome */
        } else {
            r = vl_inbuf_next(&c->in, &lim, &msg, why, sizeof(why)); /* 0, or -1: oversize */
        }
        if (r == 0)
            break;
        if (r < 0) {
            c->oneway = false;
            cmd_error_msg(c, CMD_IFACE ".InvalidMessage", "reason", why);
            c->closing = true;
            break;
        }
        json_object_put(msg);
    }
    /* a message begun and not finished is timed from its first byte */
    if (vl_inbuf_empty(&c->in)) {
        c->partial_since_us = 0;
        if (c->in.cap > (64u << 10))
            vl_inbuf_free(&c->in); /* one large message does not pin its buffer */
    } else if (!c->partial_since_us)
        c->partial_since_us = now_us(d);
    conn_flush(c);
}

void cmd_call_done(struct cmd_conn *c)
{
    c->busy = false;
    c->oneway = false;
    json_object_put(c->cur);
    c->cur = NULL;
    if (c->dead) {
        conn_free(c);
        return;
    }
    c->last_active_us = now_us(c->d);
    conn_set_enabled(c, true);
    conn_process(c);
}

static void on_conn(struct cmd_conn *c, uint32_t revents)
{
    c->last_active_us = now_us(c->d);
    if (revents & EPOLLOUT) {
        if (!conn_flush(c))
            return;
        /* go on with calls held back by a full queue (the queue may have
         * dropped below the cap in an earlier flush: whatever is buffered
         * must be answered now, no new byte may ever come to wake us) */
        if (!out_full(c) && !c->busy && !c->closing && !vl_inbuf_empty(&c->in)) {
            conn_process(c);
            return;
        }
    }
    if (c->busy || c->closing) {
        if (revents & (EPOLLHUP | EPOLLERR))
            conn_drop(c); /* gone: freed once the call completes */
        return;
    }
    if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    ssize_t n = vl_inbuf_read(&c->in, c->fd);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_drop(c);
        return;
    }
    /* drain: read again while a read fills the buffer (a read that comes
     * back short has taken everything: no extra read just to see EAGAIN)
     * and no message is complete yet (calls not yet answerable stay in the
     * socket, not in our memory: a client that never reads holds little).
     * A later EOF or error is left for the next wakeup, after the bytes
     * already read are answered. */
    while (n > 0 && c->in.len == c->in.cap && c->in.len < CONN_READ_BURST && c->in.len <= c->d->cfg.max_message &&
           !memchr(c->in.data + c->in.len - n, '\0', (size_t)n))
        n = vl_inbuf_read(&c->in, c->fd);
    conn_process(c);
}

/* The inner epoll set is ready: serve every ready connection.  Each appears
 * once per epoll_wait, and serving one never frees another (fan-outs finish
 * from their own event sources), so no pointer in evs goes stale. */
static int on_conns(sd_event_source *s, int epfd, uint32_t revents, void *userdata)
{
    struct epoll_event evs[CONN_BATCH];
    int n = epoll_wait(epfd, evs, CONN_BATCH, 0);
    for (int i = 0; i < n; i++)
        on_conn(evs[i].data.ptr, evs[i].events);
    return 0;
}


static bool caller_privileged(uid_t uid, gid_t gid, gid_t group)
{
    if (uid == 0 || uid == geteuid() || gid == group)
        return true;
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
        return false;
    gid_t groups[256];
    int ng = 256;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) < 0)
        return false;
    for (int i = 0; i < ng; i++)
        if (groups[i] == group)
            return true;
    return false;
}

/* Admission: TCP clients and unprivileged local ones never take the last
 * reserved_connections slots, so the libvirt hook (root or the socket's
 * group, on the Unix socket) always gets in; TCP has its own cap; one client
 * (a TCP address, an unprivileged uid) holds at most
 * max_connections_per_client. */
static bool same_client(const struct cmd_conn *c, bool tcp, const struct sockaddr_storage *sa, uid_t uid)
{
    if (c->tcp != tcp)
        return false;
    if (!tcp)
        return !c->privileged && c->uid == uid;
    if (c->addr.ss_family != sa->ss_family)
        return false;
    if (sa->ss_family == AF_INET)
        return !memcmp(&((const struct sockaddr_in *)&c->addr)->sin_addr,
                       &((const struct sockaddr_in *)sa)->sin_addr, sizeof(struct in_addr));
    if (sa->ss_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)&c->addr)->sin6_addr,
                       &((const struct sockaddr_in6 *)sa)->sin6_addr, sizeof(struct in6_addr));
    return true;
}

static bool admit(const struct cmd_daemon *d, bool tcp, bool privileged, const struct sockaddr_storage *sa, uid_t uid)
{
    const struct cmd_config *cfg = &d->cfg;
    if (d->draining || d->nconns >= cfg->max_connections)
        return false;
    if (!tcp && privileged)
        return true;
    int reserved = cfg->reserved_connections < cfg->max_connections ? cfg->reserved_connections
                                                                      : cfg->max_connections - 1;
    if (d->nconns >= cfg->max_connections - reserved || (tcp && d->ntcp >= cfg->max_connections_tcp))
        return false;
    int same = 0;
    for (const struct cmd_conn *c = d->conns; c; c = c->next)
        if (same_client(c, tcp, sa, uid) && ++same >= cfg->max_connections_per_client)
            return false;
    return true;
}

struct accept_ctx {
    struct cmd_daemon *d;
    struct cmd_listener *l;
};

static int on_accept_ctx(sd_event_source *s, int lfd, uint32_t revents, void *userdata)
{
    struct accept_ctx *a = userdata;
    struct cmd_daemon *d = a->d;
    for (int burst = 0; burst < 64; burst++) {
        struct sockaddr_storage sa = {0};
        socklen_t salen = sizeof(sa);
        int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return 0; /* EAGAIN, or a transient error: the loop calls again */
        struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
        bool privileged = false;
        if (!a->l->tcp) {
            socklen_t len = sizeof(cred);
            if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
                privileged = caller_privileged(cred.uid, cred.gid, a->l->group);
        }
        if (!admit(d, a->l->tcp, privileged, &sa, cred.uid)) {
            close(fd); /* over a cap: refuse, keep serving the others */
            continue;
        }
        struct cmd_conn *c = cm_xcalloc(1, sizeof(*c));
        c->d = d;
        c->fd = fd;
        c->tcp = a->l->tcp;
        c->addr = sa;
        c->pid = cred.pid;
        c->uid = cred.uid;
        c->privileged = privileged;
        c->events = EPOLLIN;
        conn_set_enabled(c, true);
        if (!c->watched) {
            close(fd);
            free(c);
            continue;
        }
        c->next = d->conns;
        if (d->conns)
            d->conns->prev = c;
        d->conns = c;
        d->nconns++;
        if (c->tcp)
            d->ntcp++;
        c->last_active_us = now_us(d);
    }
    return 0;
}

/* Closes idle connections, connections whose message has been incomplete
 * for as long (a client trickling bytes), and clients that take none of
 * their pending replies for send_timeout_ms (a client that never reads);
 * runs once a second. */
static int on_sweep(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct cmd_daemon *d = userdata;
    uint64_t now = now_us(d), limit = (uint64_t)d->cfg.idle_timeout_ms * 1000,
             send_limit = (uint64_t)d->cfg.send_timeout_ms * 1000;
    for (struct cmd_conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        if (c->stalled_since_us && now - c->stalled_since_us > send_limit)
            conn_drop(c);
        else if (!c->busy && (now - c->last_active_us > limit ||
                              (c->partial_since_us && now - c->partial_since_us > limit)))
            conn_drop(c);
    }
    sd_event_source_set_time(s, now + 1000000);
    return 0;
}

/* ---- listeners ------------------------------------------------------------ */

static int add_listener(struct cmd_daemon *d, int fd, bool tcp, gid_t group, const char *path, cm_error *err)
{
    d->listeners = cm_xrealloc(d->listeners, (d->nlisteners + 1) * sizeof(*d->listeners));
    struct cmd_listener *l = &d->listeners[d->nlisteners++];
    memset(l, 0, sizeof(*l));
    l->fd = fd;
    l->tcp = tcp;
    l->group = group;
    l->path = cm_xstrdup(path);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

static int listen_unix(struct cmd_daemon *d, const char *path, cm_error *err)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun.sun_path))
        return cm_fail(err, CM_E_INPUT, "%s: socket path too long", path);
    strcpy(sun.sun_path, path);
    _cleanup_free_ char *dir = cm_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (cmd_mkdir_p(dir, 0755, err) < 0)
            return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return cm_fail(err, CM_E_IO, "socket: %s", strerror(errno));
    unlink(path); /* a stale socket from an earlier run */
    mode_t old = umask(0777 & ~d->cfg.socket_mode);
    int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old);
    if (r < 0) {
        int e = errno;
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: bind: %s", path, strerror(e));
    }
    gid_t group = getegid();
    if (d->cfg.socket_group && *d->cfg.socket_group) {
        struct group *g = getgrnam(d->cfg.socket_group);
        if (!g) {
            close(fd);
            return cm_fail(err, CM_E_INPUT, "socket_group '%s': no such group", d->cfg.socket_group);
        }
        group = g->gr_gid;
        if (chown(path, (uid_t)-1, group) < 0) {
            int e = errno;
            close(fd);
            return cm_fail(err, CM_E_IO, "%s: chown: %s", path, strerror(e));
        }
    }
    chmod(path, d->cfg.socket_mode);
    if (listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: listen: %s", path, strerror(e));
    }
    return add_listener(d, fd, false, group, path, err);
}

static int listen_tcp(struct cmd_daemon *d, const char *address, cm_error *err)
{
    char host[256], port[16];
    if (!vl_split_hostport(address, host, sizeof(host), port, sizeof(port)))
        return cm_fail(err, CM_E_INPUT, "listen_tcp '%s': not HOST:PORT", address);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | AI_PASSIVE}, *res = NULL;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r)
        return cm_fail(err, CM_E_INPUT, "listen_tcp '%s': %s", address, gai_strerror(r));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return cm_fail(err, CM_E_IO, "listen_tcp '%s': %s", address, strerror(e));
    }
    freeaddrinfo(res);
    return add_listener(d, fd, true, 0, NULL, err);
}

/* Sockets passed by systemd: a Unix socket is the full interface, an
 * AF_INET/AF_INET6 one the read-only TCP listener. */
static int adopt_activated(struct cmd_daemon *d, cm_error *err)
{
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names);
    if (n < 0)
        return cm_fail(err, CM_E_IO, "sd_listen_fds_with_names: %s", strerror(-n));
    for (int i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0) {
            struct sockaddr_un sun;
            socklen_t len = sizeof(sun);
            gid_t group = getegid();
            struct stat st;
            if (getsockname(fd, (struct sockaddr *)&sun, &len) == 0 && len > sizeof(sa_family_t) &&
                sun.sun_path[0] && stat(sun.sun_path, &st) == 0)
                group = st.st_gid;
            add_listener(d, fd, false, group, NULL, err);
        } else if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) > 0) {
            add_listener(d, fd, true, 0, NULL, err);
        } else {
            fprintf(stderr, "cpumodeld: passed fd %d (%s) is not a listening stream socket; ignored\n", fd,
                    names && names[i] ? names[i] : "?");
            close(fd);
        }
        if (names)
            free(names[i]);
    }
    free(names);
    return n;
}

int cmd_server_setup(struct cmd_daemon *d, cm_error *err)
{
    int n = adopt_activated(d, err);
    if (n < 0)
        return -1;
    if (n == 0 && d->cfg.listen_unix && *d->cfg.listen_unix && listen_unix(d, d->cfg.listen_unix, err) < 0)
        return -1;
    /* listen_tcp holds under socket activation too (the unit passes the
     * Unix socket), unless systemd passed TCP sockets as well: then which
     * one was meant is unclear, and the daemon says so instead of guessing */
    bool passed_tcp = false;
    for (size_t i = 0; i < d->nlisteners; i++)
        passed_tcp |= d->listeners[i].tcp;
    if (passed_tcp && d->cfg.listen_tcp.n)
        return cm_fail(err, CM_E_INPUT, "listen_tcp is set and systemd passed TCP sockets too: configure TCP in one "
                                        "place (the .socket unit or listen_tcp)");
    for (size_t i = 0; i < d->cfg.listen_tcp.n; i++)
        if (listen_tcp(d, d->cfg.listen_tcp.v[i], err) < 0)
            return -1;
    if (!d->nlisteners)
        return cm_fail(err, CM_E_INPUT, "nothing to listen on (listen_unix is empty, no listen_tcp, no sockets passed)");
    d->conn_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (d->conn_epfd < 0)
        return cm_fail(err, CM_E_IO, "epoll_create1: %s", strerror(errno));
    if (sd_event_add_io(d->event, &d->conn_src, d->conn_epfd, EPOLLIN, on_conns, d) < 0) {
        close(d->conn_epfd);
        return cm_fail(err, CM_E_IO, "cannot watch the connections");
    }
    for (size_t i = 0; i < d->nlisteners; i++) {
        struct accept_ctx *a = cm_xcalloc(1, sizeof(*a));
        a->d = d;
        a->l = &d->listeners[i];
        if (sd_event_add_io(d->event, &d->listeners[i].src, d->listeners[i].fd, EPOLLIN, on_accept_ctx, a) < 0) {
            free(a);
            return cm_fail(err, CM_E_IO, "cannot watch listener %zu", i);
        }
        sd_event_source_set_destroy_callback(d->listeners[i].src, free);
    }
    if (sd_event_add_time_relative(d->event, &d->sweep, CLOCK_MONOTONIC, 1000000, 100000, on_sweep, d) < 0)
        return cm_fail(err, CM_E_IO, "cannot add the idle timer");
    sd_event_source_set_enabled(d->sweep, SD_EVENT_ON);
    return 0;
}

static void close_listeners(struct cmd_daemon *d)
{
    for (size_t i = 0; i < d->nlisteners; i++) {
        struct cmd_listener *l = &d->listeners[i];
        l->src = sd_event_source_disable_unref(l->src);
        if (l->fd >= 0)
            close(l->fd);
        l->fd = -1;
        if (l->path)
            unlink(l->path);
        free(l->path);
        l->path = NULL;
    }
}

/* SIGTERM: stop accepting, let in-flight calls finish, close idle
 * connections, exit when none is left (or when the drain timer fires). */
void cmd_server_drain(struct cmd_daemon *d)
{
    d->draining = true;
    close_listeners(d);
    for (struct cmd_conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        if (c->busy || vl_outbuf_pending(&c->out))
            c->closing = true; /* finish the call, flush, then close */
        else
            conn_drop(c);
    }
    if (!d->conns)
        sd_event_exit(d->event, 0);
}

void cmd_server_shutdown(struct cmd_daemon *d)
{
    close_listeners(d);
    while (d->conns) {
        d->conns->busy = false;
        conn_free(d->conns);
    }
    free(d->listeners);
    d->listeners = NULL;
    d->nlisteners = 0;
    d->sweep = sd_event_source_disable_unref(d->sweep);
    if (d->conn_src) {
        d->conn_src = sd_event_source_disable_unref(d->conn_src);
        close(d->conn_epfd);
    }
    cmd_reply_cache_clear(d);
}
