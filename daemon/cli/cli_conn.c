/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's connection to a daemon (cli_conn.h). */
#include "cli_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpumodel/util.h"
#include "paths.h"
#include "tls.h"
#include "varlink.h"

static bool env_yes(const char *name)
{
    const char *v = getenv(name);
    return v && (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true"));
}

int cli_conn_open(struct cli_conn *c, const char *cmd, const struct cli_transport *t)
{
    char why[512];
    c->fd = -1;
    c->tls = NULL;
    const char *addr = t->connect ? t->connect : t->socket ? t->socket : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!t->connect && !strchr(addr, '/')) /* a relative socket path */
        addr = unix_addr = cm_xasprintf("unix:%s", addr);
    struct cmd_tls_creds *creds = NULL;
    bool tls = t->connect && !t->tcp_insecure && !env_yes("CPUMODELD_TCP_INSECURE");
    if (tls) { /* the certificate first: a missing file is the user's to fix, whatever the network does */
        const char *env = getenv("CPUMODELD_PKI");
        const char *dir = t->pki ? t->pki : env && *env ? env : CMD_PKI_DIR;
        cm_error err = {0};
        creds = cmd_tls_creds_load(dir, CMD_TLS_CLIENT, NULL, 0, &err);
        if (!creds) {
            fprintf(stderr, "cpumodeld %s: --connect speaks TLS and needs a client certificate: %s (--pki DIR points "
                            "elsewhere; --tcp-insecure for a daemon with tcp_insecure = yes)\n", cmd, err.msg);
            return CM_EXIT_USAGE;
        }
    }
    c->fd = vl_connect(addr, t->timeout_ms, why, sizeof(why));
    if (c->fd < 0) {
        cmd_tls_creds_unref(creds);
        fprintf(stderr, "cpumodeld %s: cannot reach the daemon: %s\n", cmd, why);
        return CM_EXIT_SYSTEM;
    }
    if (tls) {
        char host[256], port[16];
        cm_error err = {0};
        vl_split_hostport(t->connect, host, sizeof(host), port, sizeof(port)); /* checked with the options */
        c->tls = cmd_tls_new(creds, c->fd, host, &err);
        cmd_tls_creds_unref(creds); /* the session holds its own reference */
        if (!c->tls || cmd_tls_handshake_wait(c->tls, c->fd, t->timeout_ms, why, sizeof(why)) < 0) {
            fprintf(stderr, "cpumodeld %s: TLS with %s failed: %s\n", cmd, t->connect, c->tls ? why : err.msg);
            cli_conn_close(c);
            return CM_EXIT_SYSTEM;
        }
    }
    return 0;
}

struct json_object *cli_conn_call(struct cli_conn *c, const char *method, struct json_object *params,
                                  int timeout_ms, size_t max_reply, char *why, size_t whylen)
{
    struct vl_io io = cmd_tls_io(c->tls);
    struct json_object *r = vl_call_sync_io(c->fd, &io, method, params, timeout_ms, max_reply, why, whylen);
    if (!r && c->tls && strstr(why, "Protocol error")) /* EPROTO: GnuTLS says more */
        snprintf(why, whylen, "%s", cmd_tls_error(c->tls));
    else if (!r && c->tls && (strstr(why, "reset") || strstr(why, "Broken pipe") || strstr(why, "closed before"))) {
        /* with TLS 1.3 the daemon checks our certificate after our side of
         * the handshake is done: a refusal can arrive as a reset only */
        size_t n = strlen(why);
        snprintf(why + n, whylen - n, " (the daemon ended the TLS connection: does it accept this client "
                                      "certificate? its log says why)");
    }
    return r;
}

void cli_conn_close(struct cli_conn *c)
{
    cmd_tls_free(c->tls);
    c->tls = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}
