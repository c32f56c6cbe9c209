/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's connection to a daemon: the Unix socket, or --connect HOST:PORT
 * over TLS with the client certificate of a PKI directory (plain TCP only
 * with --tcp-insecure). */
#ifndef CPUMODELD_CLI_CONN_H
#define CPUMODELD_CLI_CONN_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct cmd_tls;

struct cli_conn {
    int fd;
    struct cmd_tls *tls;
};

/* What the options say about the transport (the options are the same in
 * every command that talks to a daemon). */
struct cli_transport {
    const char *connect; /* HOST:PORT, or NULL: the socket */
    const char *socket;  /* PATH, or NULL: the default socket */
    const char *pki;     /* --pki DIR; NULL: $CPUMODELD_PKI, else /etc/pki/cpumodeld */
    bool tcp_insecure;   /* --tcp-insecure, or CPUMODELD_TCP_INSECURE=yes */
    int timeout_ms;
};
/* Connects (TLS handshake included, the daemon's certificate checked against
 * the CA and the host dialled).  0, or the exit code after printing why
 * (missing certificate files: 2, naming the file). */
int cli_conn_open(struct cli_conn *c, const char *cmd, const struct cli_transport *t);
/* vl_call_sync over the connection. */
struct json_object *cli_conn_call(struct cli_conn *c, const char *method, struct json_object *params,
                                  int timeout_ms, size_t max_reply, char *why, size_t whylen);
void cli_conn_close(struct cli_conn *c);

#endif
