/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TLS sessions over GnuTLS (the library libvirt uses), x509 only.
 *
 * Both sides verify: a client checks the server's chain against cacert.pem,
 * its key purpose (TLS server) and that it names the host it dialled (DNS
 * name or IP address); a server requires a client certificate, checks its
 * chain, its purpose (TLS client) and, when configured, its subject DN
 * against an allow-list.  GnuTLS does the chain, purpose and name checks
 * inside the handshake (gnutls_session_set_verify_cert2), so a session that
 * finished its handshake is verified; the DN check follows it.
 *
 * Non-blocking throughout: GNUTLS_E_AGAIN becomes errno EAGAIN for the
 * varlink buffers, and the handshake tells which readiness it waits for. */
#define _GNU_SOURCE
#include "tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct cmd_tls_creds {
    unsigned refs;
    enum cmd_tls_role role;
    gnutls_certificate_credentials_t x509;
    char **allowed_dn;
    size_t n_allowed_dn;
    gnutls_datum_t ticket_key; /* server: resumption tickets, valid as long as these credentials */
};

struct cmd_tls {
    gnutls_session_t s;
    struct cmd_tls_creds *creds;
    bool handshaken;
    bool send_again; /* a record_send returned AGAIN: the next call retries it */
    char host[256];  /* client: the name to verify */
    gnutls_typed_vdata_st verify[2]; /* what the handshake checks (GnuTLS keeps the pointers) */
    char error[256];
};

/* The file must be there and readable: GnuTLS's own error for a missing
 * file does not name it. */
static int need_file(const char *dir, const char *rel, char **out, cm_error *err)
{
    *out = cm_xasprintf("%s/%s", dir, rel);
    if (access(*out, R_OK) < 0)
        return cm_fail(err, CM_E_INPUT, "%s: %s", *out, strerror(errno));
    return 0;
}

struct cmd_tls_creds *cmd_tls_creds_load(const char *dir, enum cmd_tls_role role, char *const *allowed_dn,
                                         size_t n_allowed_dn, cm_error *err)
{
    _cleanup_free_ char *ca = NULL, *cert = NULL, *key = NULL;
    bool server = role == CMD_TLS_SERVER;
    if (need_file(dir, CMD_PKI_CACERT, &ca, err) < 0 ||
        need_file(dir, server ? CMD_PKI_SERVERCERT : CMD_PKI_CLIENTCERT, &cert, err) < 0 ||
        need_file(dir, server ? CMD_PKI_SERVERKEY : CMD_PKI_CLIENTKEY, &key, err) < 0)
        return NULL;
    struct cmd_tls_creds *c = cm_xcalloc(1, sizeof(*c));
    c->refs = 1;
    c->role = role;
    int r = gnutls_certificate_allocate_credentials(&c->x509);
    if (r < 0) {
        free(c);
        cm_fail(err, CM_E_IO, "TLS credentials: %s", gnutls_strerror(r));
        return NULL;
    }
    r = gnutls_certificate_set_x509_trust_file(c->x509, ca, GNUTLS_X509_FMT_PEM);
    if (r <= 0) {
        cm_fail(err, CM_E_INPUT, "%s: %s", ca, r < 0 ? gnutls_strerror(r) : "no certificate in the file");
        cmd_tls_creds_unref(c);
        return NULL;
    }
    r = gnutls_certificate_set_x509_key_file(c->x509, cert, key, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        cm_fail(err, CM_E_INPUT, "%s with %s: %s", cert, key, gnutls_strerror(r));
        cmd_tls_creds_unref(c);
        return NULL;
    }
    if (server && (r = gnutls_session_ticket_key_generate(&c->ticket_key)) < 0) {
        cm_fail(err, CM_E_IO, "TLS session tickets: %s", gnutls_strerror(r));
        cmd_tls_creds_unref(c);
        return NULL;
    }
    if (server && n_allowed_dn) {
        c->allowed_dn = cm_xcalloc(n_allowed_dn, sizeof(char *));
        for (size_t i = 0; i < n_allowed_dn; i++)
            c->allowed_dn[i] = cm_xstrdup(allowed_dn[i]);
        c->n_allowed_dn = n_allowed_dn;
    }
    return c;
}

struct cmd_tls_creds *cmd_tls_creds_ref(struct cmd_tls_creds *c)
{
    if (c)
        c->refs++;
    return c;
}

void cmd_tls_creds_unref(struct cmd_tls_creds *c)
{
    if (!c || --c->refs)
        return;
    gnutls_certificate_free_credentials(c->x509);
    if (c->ticket_key.data) {
        gnutls_memset(c->ticket_key.data, 0, c->ticket_key.size);
        gnutls_free(c->ticket_key.data);
    }
    for (size_t i = 0; i < c->n_allowed_dn; i++)
        free(c->allowed_dn[i]);
    free(c->allowed_dn);
    free(c);
}

struct cmd_tls *cmd_tls_new(struct cmd_tls_creds *creds, int fd, const char *host, cm_error *err)
{
    bool server = creds->role == CMD_TLS_SERVER;
    struct cmd_tls *t = cm_xcalloc(1, sizeof(*t));
    /* NO_SIGNAL: a peer gone mid-write is an error, not SIGPIPE */
    int r = gnutls_init(&t->s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
    if (r < 0) {
        free(t);
        cm_fail(err, CM_E_IO, "TLS session: %s", gnutls_strerror(r));
        return NULL;
    }
    t->creds = cmd_tls_creds_ref(creds);
    if ((r = gnutls_set_default_priority(t->s)) < 0 ||
        (r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, creds->x509)) < 0)
        goto fail;
    if (server) {
        gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_REQUIRE);
        /* no list of accepted CAs in the request: a client sends the
         * certificate it has, and one of another CA is refused for what it
         * is (unknown issuer), not taken for a missing one */
        gnutls_certificate_send_x509_rdn_sequence(t->s, 1);
        if ((r = gnutls_session_ticket_enable_server(t->s, &creds->ticket_key)) < 0)
            goto fail;
        /* the client's chain and its purpose; no name to match */
        t->verify[0] = (gnutls_typed_vdata_st){.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (void *)GNUTLS_KP_TLS_WWW_CLIENT};
        gnutls_session_set_verify_cert2(t->s, t->verify, 1, 0);
    } else {
        /* SNI only for names: RFC 6066 forbids literal addresses there */
        if (host) {
            snprintf(t->host, sizeof(t->host), "%s", host);
            host = t->host;
        }
        unsigned char addr[16];
        bool literal = host && (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1);
        if (host && !literal && (r = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host, strlen(host))) < 0)
            goto fail;
        unsigned n = 0;
        t->verify[n++] = (gnutls_typed_vdata_st){.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (void *)GNUTLS_KP_TLS_WWW_SERVER};
        if (host) /* a name, or an address matched against the IP SANs */
            t->verify[n++] = (gnutls_typed_vdata_st){.type = GNUTLS_DT_DNS_HOSTNAME, .data = (void *)host};
        gnutls_session_set_verify_cert2(t->s, t->verify, n, 0);
    }
    gnutls_transport_set_int(t->s, fd);
    /* TLS writes one record at a time: with Nagle a record's short tail
     * waits for the ACK of the one before, which the other side delays (40 ms
     * on Linux) - a reply of a few records took ~100 ms on loopback */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    gnutls_handshake_set_timeout(t->s, 0); /* the caller's timers bound it */
    return t;
fail:
    cm_fail(err, CM_E_IO, "TLS session: %s", gnutls_strerror(r));
    cmd_tls_free(t);
    return NULL;
}

void cmd_tls_free(struct cmd_tls *t)
{
    if (!t)
        return;
    if (t->handshaken)
        gnutls_bye(t->s, GNUTLS_SHUT_WR); /* non-blocking: sent if the socket takes it */
    gnutls_deinit(t->s);
    cmd_tls_creds_unref(t->creds);
    free(t);
}

/* The client certificate's subject against the allow-list. */
static int check_dn(struct cmd_tls *t, char *why, size_t whylen)
{
    const struct cmd_tls_creds *c = t->creds;
    if (!c->n_allowed_dn)
        return 0;
    unsigned n = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(t->s, &n);
    gnutls_x509_crt_t crt;
    gnutls_datum_t dn = {0};
    if (!chain || !n || gnutls_x509_crt_init(&crt) < 0) {
        snprintf(why, whylen, "no client certificate");
        return -1;
    }
    int r = gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER);
    if (r >= 0)
        r = gnutls_x509_crt_get_dn3(crt, &dn, 0);
    gnutls_x509_crt_deinit(crt);
    if (r < 0) {
        snprintf(why, whylen, "client certificate: %s", gnutls_strerror(r));
        return -1;
    }
    bool ok = false;
    for (size_t i = 0; i < c->n_allowed_dn && !ok; i++)
        ok = fnmatch(c->allowed_dn[i], (const char *)dn.data, 0) == 0;
    if (!ok)
        snprintf(why, whylen, "client certificate DN '%s' is not in tls_allowed_dn", (const char *)dn.data);
    gnutls_free(dn.data);
    return ok ? 0 : -1;
}

int cmd_tls_handshake(struct cmd_tls *t, uint32_t *events, char *why, size_t whylen)
{
    if (t->handshaken)
        return 1;
    int r = gnutls_handshake(t->s);
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        *events = gnutls_record_get_direction(t->s) ? EPOLLOUT : EPOLLIN;
        return 0;
    }
    if (r < 0) /* tell the other side why, if the socket takes it now (no waiting) */
        gnutls_alert_send_appropriate(t->s, r);
    if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        gnutls_datum_t text = {0};
        unsigned status = gnutls_session_get_verify_cert_status(t->s);
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0) {
            snprintf(why, whylen, "%s", (const char *)text.data);
            gnutls_free(text.data);
            for (size_t n = strlen(why); n && why[n - 1] == ' '; n--) /* GnuTLS ends its sentences with one */
                why[n - 1] = '\0';
        } else
            snprintf(why, whylen, "%s", gnutls_strerror(r));
        return -1;
    }
    if (r < 0) {
        if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
            snprintf(why, whylen, "the other side refused: %s",
                     gnutls_alert_get_name(gnutls_alert_get(t->s)) ? gnutls_alert_get_name(gnutls_alert_get(t->s)) : "?");
        else if (r == GNUTLS_E_NO_CERTIFICATE_FOUND)
            snprintf(why, whylen, "no certificate from the other side");
        else
            snprintf(why, whylen, "%s", gnutls_strerror(r));
        return -1;
    }
    if (t->creds->role == CMD_TLS_SERVER && check_dn(t, why, whylen) < 0) {
        gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_ACCESS_DENIED);
        return -1;
    }
    t->handshaken = true;
    return 1;
}

void *cmd_tls_session_save(struct cmd_tls *t, size_t *len)
{
    gnutls_datum_t d = {0};
    if (!t->handshaken || gnutls_session_get_data2(t->s, &d) < 0 || !d.size) {
        gnutls_free(d.data);
        return NULL;
    }
    void *copy = cm_xmalloc(d.size);
    memcpy(copy, d.data, d.size);
    *len = d.size;
    gnutls_free(d.data);
    return copy;
}

void cmd_tls_session_offer(struct cmd_tls *t, const void *data, size_t len)
{
    if (data && len)
        gnutls_session_set_data(t->s, data, len); /* refused or stale: a full handshake, as without */
}

bool cmd_tls_resumed(struct cmd_tls *t) { return t && t->handshaken && gnutls_session_is_resumed(t->s); }

bool cmd_tls_pending(struct cmd_tls *t) { return t && t->handshaken && gnutls_record_check_pending(t->s) > 0; }

const char *cmd_tls_error(struct cmd_tls *t) { return t && t->error[0] ? t->error : strerror(errno); }

static ssize_t fail_errno(struct cmd_tls *t, ssize_t r)
{
    if (r == GNUTLS_E_AGAIN) {
        errno = EAGAIN;
        return -1;
    }
    if (r == GNUTLS_E_INTERRUPTED) {
        errno = EINTR;
        return -1;
    }
    if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) { /* e.g. the daemon refusing our certificate after the handshake */
        const char *alert = gnutls_alert_get_name(gnutls_alert_get(t->s));
        snprintf(t->error, sizeof(t->error), "TLS: the other side refused: %s", alert ? alert : "?");
    } else
        snprintf(t->error, sizeof(t->error), "TLS: %s", gnutls_strerror((int)r));
    errno = r == GNUTLS_E_PREMATURE_TERMINATION ? ECONNRESET : EPROTO;
    return -1;
}

static ssize_t tls_read(void *ctx, void *buf, size_t len)
{
    struct cmd_tls *t = ctx;
    ssize_t r = gnutls_record_recv(t->s, buf, len);
    return r >= 0 ? r : fail_errno(t, r);
}

/* GnuTLS wants a send that returned AGAIN repeated (NULL, 0 retries it);
 * the caller's queue keeps its bytes meanwhile, and only ever appends, so
 * the count it gets back applies to the same bytes. */
static ssize_t tls_write(void *ctx, const void *buf, size_t len)
{
    struct cmd_tls *t = ctx;
    ssize_t r = t->send_again ? gnutls_record_send(t->s, NULL, 0) : gnutls_record_send(t->s, buf, len);
    t->send_again = r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED;
    return r >= 0 ? r : fail_errno(t, r);
}

struct vl_io cmd_tls_io(struct cmd_tls *t)
{
    if (!t)
        return (struct vl_io){0};
    return (struct vl_io){.read = tls_read, .write = tls_write, .ctx = t};
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_tls_handshake_wait(struct cmd_tls *t, int fd, int timeout_ms, char *why, size_t whylen)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        uint32_t ev = 0;
        int r = cmd_tls_handshake(t, &ev, why, whylen);
        if (r != 0)
            return r > 0 ? 0 : -1;
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = ev == EPOLLOUT ? POLLOUT : POLLIN};
        if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR)) {
            snprintf(why, whylen, "TLS handshake: no answer within %d ms", timeout_ms);
            return -1;
        }
    }
}
