/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcurl's multi interface inside sd-event (see cluster_http.h).
 *
 * curl tells us which sockets it wants watched (socket callback) and when it
 * wants to be woken (timer callback); sd-event sources do both and hand the
 * readiness back with curl_multi_socket_action().  User callbacks never run
 * from inside a curl callback (curl forbids re-entering the multi handle
 * there): bodies are buffered by the write callback, and finished transfers
 * and complete stream lines are delivered once socket_action returned.
 * Requests dropped while callbacks run are freed when dispatch unwinds. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "cluster_http.h"
#include "cpumodel/util.h"

struct ch_req {
    struct ch_client *c;
    struct ch_req *prev, *next; /* c->reqs */
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    char *data; /* what arrived (streams: not yet delivered) */
    size_t len, cap;
    bool stream, dead, in_multi;
    size_t endpoint;
    ch_done_fn done;
    ch_object_fn on_object;
    void *userdata;
    char errbuf[CURL_ERROR_SIZE];
};

struct ch_client {
    sd_event *ev;
    CURLM *multi;
    sd_event_source *timer;
    char **endpoints;
    size_t nendpoints, cur;
    char *cert, *key, *cacert;
    struct ch_req *reqs;
    int depth;              /* > 0 while user callbacks may run */
    struct ch_req *graveyard; /* dropped during dispatch, freed when it unwinds */
};

static void req_free(struct ch_req *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r->data);
    free(r);
}

/* Unlinks and detaches from curl; frees now or once dispatch unwinds. */
static void req_drop(struct ch_req *r)
{
    struct ch_client *c = r->c;
    if (r->dead)
        return;
    r->dead = true;
    if (r->in_multi)
        curl_multi_remove_handle(c->multi, r->easy);
    r->in_multi = false;
    if (r->prev)
        r->prev->next = r->next;
    else
        c->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    if (c->depth) {
        r->next = c->graveyard;
        c->graveyard = r;
    } else
        req_free(r);
}

static void bury(struct ch_client *c)
{
    while (c->graveyard) {
        struct ch_req *r = c->graveyard;
        c->graveyard = r->next;
        req_free(r);
    }
}

/* A failure of the endpoint itself (not of the request): later requests go
 * to the next endpoint. */
static void endpoint_failed(struct ch_client *c, size_t which)
{
    if (c->cur == which && c->nendpoints > 1)
        c->cur = (c->cur + 1) % c->nendpoints;
}

/* Delivers the complete lines of a stream. */
static void stream_deliver(struct ch_req *r)
{
    size_t start = 0;
    while (!r->dead) {
        char *nl = memchr(r->data + start, '\n', r->len - start);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (r->data + start));
        if (n) {
            struct json_tokener *tok = json_tokener_new_ex(1024);
            struct json_object *o = json_tokener_parse_ex(tok, r->data + start, (int)n);
            bool bad = !o || json_tokener_get_error(tok) != json_tokener_success;
            json_tokener_free(tok);
            struct json_object *e;
            if (bad || json_object_object_get_ex(o, "error", &e)) {
                char msg[512];
                snprintf(msg, sizeof(msg), "stream: %s", bad ? "malformed object" : json_object_to_json_string(e));
                json_object_put(o);
                ch_done_fn done = r->done;
                void *ud = r->userdata;
                req_drop(r);
                done(ud, NULL, msg);
                return;
            }
            r->on_object(r->userdata, o);
            json_object_put(o);
        }
        start += n + 1;
    }
    if (r->dead)
        return;
    memmove(r->data, r->data + start, r->len - start);
    r->len -= start;
}

static void finish(struct ch_req *r, CURLcode code)
{
    struct ch_client *c = r->c;
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    char msg[CURL_ERROR_SIZE + 320];
    struct json_object *reply = NULL;
    const char *error = NULL;
    if (r->stream)
        stream_deliver(r);
    if (r->dead)
        return;
    if (code != CURLE_OK) {
        snprintf(msg, sizeof(msg), "%s: %s", c->endpoints[r->endpoint],
                 r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        error = msg;
        endpoint_failed(c, r->endpoint);
    } else if (r->stream) {
        snprintf(msg, sizeof(msg), "%s: the stream ended", c->endpoints[r->endpoint]);
        error = msg;
    } else {
        struct json_tokener *tok = json_tokener_new_ex(1024);
        reply = r->len ? json_tokener_parse_ex(tok, r->data, (int)r->len) : NULL;
        if (reply && json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(reply);
            reply = NULL;
        }
        json_tokener_free(tok);
        struct json_object *m;
        if (status != 200 || !reply) {
            const char *what = reply && json_object_object_get_ex(reply, "message", &m) ? json_object_get_string(m)
                                                                                       : "no JSON reply";
            snprintf(msg, sizeof(msg), "%s: HTTP %ld: %s", c->endpoints[r->endpoint], status, what);
            error = msg;
            json_object_put(reply);
            reply = NULL;
            if (status >= 500 || status == 0)
                endpoint_failed(c, r->endpoint);
        }
    }
    ch_done_fn done = r->done;
    void *ud = r->userdata;
    req_drop(r);
    done(ud, reply, error);
    json_object_put(reply);
}

/* After curl ran: finished transfers, then complete stream lines. */
static void dispatch(struct ch_client *c)
{
    c->depth++;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct ch_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode code = m->data.result;
        if (r && !r->dead)
            finish(r, code);
    }
    /* restart the scan after every delivery: a callback may drop requests */
    for (bool again = true; again;) {
        again = false;
        for (struct ch_req *r = c->reqs; r; r = r->next) {
            if (r->stream && !r->dead && r->len && memchr(r->data, '\n', r->len)) {
                stream_deliver(r);
                again = true;
                break;
            }
        }
    }
    if (--c->depth == 0)
        bury(c);
}

static int on_socket_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct ch_client *c = userdata;
    int flags = 0, running;
    if (revents & EPOLLIN)
        flags |= CURL_CSELECT_IN;
    if (revents & EPOLLOUT)
        flags |= CURL_CSELECT_OUT;
    if (revents & (EPOLLERR | EPOLLHUP))
        flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(c->multi, fd, flags, &running);
    dispatch(c);
    return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct ch_client *c = userdata;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    dispatch(c);
    return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct ch_client *c = userp;
    sd_event_source *src = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (src)
            sd_event_source_disable_unref(src);
        curl_multi_assign(c->multi, fd, NULL);
        return 0;
    }
    uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (src)
        return sd_event_source_set_io_events(src, ev) < 0 ? -1 : 0;
    if (sd_event_add_io(c->ev, &src, fd, ev, on_socket_ready, c) < 0)
        return -1;
    curl_multi_assign(c->multi, fd, src);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct ch_client *c = userp;
    if (timeout_ms < 0)
        return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
    uint64_t now;
    sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
    /* 0 means "as soon as possible": from the loop, never from here */
    if (sd_event_source_set_time(c->timer, now + (uint64_t)timeout_ms * 1000) < 0 ||
        sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
        return -1;
    return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct ch_req *r = userdata;
    size_t n = size * nmemb;
    cm_grow(&r->data, &r->cap, r->len + n + 1, 1);
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

struct ch_client *ch_client_new(sd_event *ev, char *const *endpoints, size_t n, const struct ch_tls *tls,
                                cm_error *err)
{
    static bool global;
    if (!n) {
        cm_fail(err, CM_E_INPUT, "etcd_endpoints: no endpoint");
        return NULL;
    }
    if (!global) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            cm_fail(err, CM_E_IO, "libcurl: cannot initialise");
            return NULL;
        }
        global = true;
    }
    struct ch_client *c = cm_xcalloc(1, sizeof(*c));
    c->ev = sd_event_ref(ev);
    c->multi = curl_multi_init();
    c->endpoints = cm_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        c->endpoints[i] = cm_xstrdup(endpoints[i]);
        size_t l = strlen(c->endpoints[i]);
        while (l && c->endpoints[i][l - 1] == '/')
            c->endpoints[i][--l] = '\0';
    }
    c->nendpoints = n;
    c->cur = 0;
    if (tls) {
        c->cert = cm_xstrdup(tls->cert);
        c->key = cm_xstrdup(tls->key);
        c->cacert = cm_xstrdup(tls->cacert);
    }
    if (!c->multi || sd_event_add_time(ev, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, c) < 0 ||
        sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0) {
        cm_fail(err, CM_E_IO, "libcurl/sd-event: cannot set up the HTTP client");
        ch_client_free(c);
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    return c;
}

void ch_client_free(struct ch_client *c)
{
    if (!c)
        return;
    while (c->reqs)
        req_drop(c->reqs);
    bury(c);
    if (c->multi)
        curl_multi_cleanup(c->multi); /* REMOVE callbacks unref the io sources */
    sd_event_source_disable_unref(c->timer);
    sd_event_unref(c->ev);
    for (size_t i = 0; i < c->nendpoints; i++)
        free(c->endpoints[i]);
    free(c->endpoints);
    free(c->cert);
    free(c->key);
    free(c->cacert);
    free(c);
}

const char *ch_client_endpoint(const struct ch_client *c)
{
    return c->endpoints[c->cur];
}

static struct ch_req *start(struct ch_client *c, const char *path, struct json_object *body, long timeout_ms,
                            bool stream, ch_object_fn on_object, ch_done_fn done, void *userdata)
{
    struct ch_req *r = cm_xcalloc(1, sizeof(*r));
    r->c = c;
    r->stream = stream;
    r->done = done;
    r->on_object = on_object;
    r->userdata = userdata;
    r->endpoint = c->cur;
    r->body = cm_xstrdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    json_object_put(body);
    r->easy = curl_easy_init();
    _cleanup_free_ char *url = cm_xasprintf("%s%s", c->endpoints[r->endpoint], path);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    r->headers = curl_slist_append(r->headers, "Expect:"); /* no 100-continue round trip for large bodies */
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 && timeout_ms < 2000 ? timeout_ms : 2000L);
    /* only HTTP(S) to the configured endpoints, never a redirect elsewhere */
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
    if (timeout_ms > 0)
        curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (c->cert)
        curl_easy_setopt(r->easy, CURLOPT_SSLCERT, c->cert);
    if (c->key)
        curl_easy_setopt(r->easy, CURLOPT_SSLKEY, c->key);
    if (c->cacert)
        curl_easy_setopt(r->easy, CURLOPT_CAINFO, c->cacert);
    r->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = r;
    c->reqs = r;
    if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
        /* report from the loop like any other failure */
        snprintf(r->errbuf, sizeof(r->errbuf), "libcurl refused the request");
        struct ch_req *dead = r;
        req_drop(dead);
        return NULL;
    }
    r->in_multi = true;
    return r;
}

struct ch_req *ch_call(struct ch_client *c, const char *path, struct json_object *body, long timeout_ms,
                       ch_done_fn done, void *userdata)
{
    return start(c, path, body, timeout_ms, false, NULL, done, userdata);
}

struct ch_req *ch_stream(struct ch_client *c, const char *path, struct json_object *body, ch_object_fn on_object,
                         ch_done_fn done, void *userdata)
{
    return start(c, path, body, 0, true, on_object, done, userdata);
}

void ch_cancel(struct ch_req *r)
{
    if (r)
        req_drop(r);
}
