/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which TLS credentials the daemon needs, loaded at start and on SIGHUP.
 *
 * TCP is TLS unless tcp_insecure = yes: a TCP listener needs the server
 * certificate, TCP peers need the client certificate (a peer's listener
 * asks for one).  Missing credentials stop the start with the file named;
 * on reload the running ones stay (a certificate being rotated is replaced
 * only by a complete new set).  Sessions hold their own reference, so
 * replacing the credentials never pulls them from under a connection. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static bool has_tcp_peer(const struct cmd_config *cfg)
{
    for (size_t i = 0; i < cfg->peers.n; i++)
        if (strncmp(cfg->peers.v[i], "unix:", 5))
            return true;
    return false;
}

static int load(struct cmd_daemon *d, enum cmd_tls_role role, const char *what, struct cmd_tls_creds **slot,
                cm_error *err)
{
    cm_error e = {0};
    struct cmd_tls_creds *c = cmd_tls_creds_load(d->cfg.pki_dir, role, d->cfg.tls_allowed_dn.v,
                                                 d->cfg.tls_allowed_dn.n, &e);
    if (!c)
        return cm_fail(err, e.code, "%s needs TLS credentials: %s (or set tcp_insecure = yes for plain TCP)", what,
                       e.msg);
    cmd_tls_creds_unref(*slot);
    *slot = c;
    return 0;
}

int cmd_tls_setup(struct cmd_daemon *d, bool tcp_listener, cm_error *err)
{
    if (d->cfg.tcp_insecure) {
        if (tcp_listener)
            fprintf(stderr, "cpumodeld: tcp_insecure = yes: TCP is plain (no TLS, anyone on the network may read "
                            "and tamper)\n");
        return 0;
    }
    if (tcp_listener && load(d, CMD_TLS_SERVER, "a TCP listener", &d->tls_server, err) < 0)
        return -1;
    if (has_tcp_peer(&d->cfg) && load(d, CMD_TLS_CLIENT, "fetching TCP peers", &d->tls_client, err) < 0)
        return -1;
    return 0;
}

void cmd_tls_reload(struct cmd_daemon *d)
{
    cm_error err = {0};
    bool listener = false;
    for (size_t i = 0; i < d->nlisteners; i++)
        listener |= d->listeners[i].tcp;
    if (d->cfg.tcp_insecure)
        return; /* sessions made before keep their credentials; new connections are plain */
    if (listener && load(d, CMD_TLS_SERVER, "the TCP listener", &d->tls_server, &err) < 0)
        fprintf(stderr, "cpumodeld: reload: %s; keeping the running certificate\n", err.msg);
    if (has_tcp_peer(&d->cfg) && load(d, CMD_TLS_CLIENT, "fetching TCP peers", &d->tls_client, &err) < 0)
        fprintf(stderr, "cpumodeld: reload: %s; keeping the running certificate\n", err.msg);
}

void cmd_tls_free_creds(struct cmd_daemon *d)
{
    cmd_tls_creds_unref(d->tls_server);
    cmd_tls_creds_unref(d->tls_client);
    d->tls_server = d->tls_client = NULL;
}
