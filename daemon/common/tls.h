/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TLS on the TCP paths (GnuTLS, x509, libvirt's PKI layout): the daemon's
 * listeners (server side), its peer fetches and the CLI's --connect (client
 * side).  Sessions are non-blocking: the handshake is driven by the caller's
 * readiness events, never waited for. */
#ifndef CPUMODELD_TLS_H
#define CPUMODELD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpumodel/error.h"
#include "cpumodel/util.h"
#include "varlink.h"

/* libvirt's layout (/etc/pki/libvirt): the CA, then one certificate and key
 * per role, the keys under private/. */
#define CMD_PKI_DIR "/etc/pki/cpumodeld"
#define CMD_PKI_CACERT "cacert.pem"
#define CMD_PKI_SERVERCERT "servercert.pem"
#define CMD_PKI_SERVERKEY "private/serverkey.pem"
#define CMD_PKI_CLIENTCERT "clientcert.pem"
#define CMD_PKI_CLIENTKEY "private/clientkey.pem"

enum cmd_tls_role { CMD_TLS_SERVER, CMD_TLS_CLIENT };

/* Credentials of one role, shared by the sessions made from them (counted
 * references: a reload may replace them while sessions still run). */
struct cmd_tls_creds;
/* Loads dir's CA and the role's certificate and key.  A missing or unreadable
 * file, or one GnuTLS refuses, is a CM_E_INPUT error naming the file.
 * allowed_dn (server role, may be NULL or empty): the client certificate's
 * subject DN must match one of these fnmatch(3) patterns (libvirt's
 * tls_allowed_dn_list). */
struct cmd_tls_creds *cmd_tls_creds_load(const char *dir, enum cmd_tls_role role, char *const *allowed_dn,
                                         size_t n_allowed_dn, cm_error *err);
struct cmd_tls_creds *cmd_tls_creds_ref(struct cmd_tls_creds *c);
void cmd_tls_creds_unref(struct cmd_tls_creds *c);

/* One session on a connected non-blocking socket.  Client role: host is the
 * name or address the peer's certificate must carry (DNS name or IP SAN). */
struct cmd_tls;
struct cmd_tls *cmd_tls_new(struct cmd_tls_creds *creds, int fd, const char *host, cm_error *err);
/* Sends close_notify if it can without waiting; does not close fd. */
void cmd_tls_free(struct cmd_tls *t);
/* Advances the handshake: 1 done and the other side verified (its chain
 * against our CA, client certificates required; the host name; the DN
 * allow-list), 0 call again once *events (EPOLLIN or EPOLLOUT) is ready,
 * -1 failed with *why. */
int cmd_tls_handshake(struct cmd_tls *t, uint32_t *events, char *why, size_t whylen);
/* Resumption, for a client that dials the same server again (peer
 * fetches): what a finished session saves (malloc'd, NULL when it has
 * nothing to save) and what a new session to that same server offers
 * before its handshake.  A resumed handshake makes no signature and checks
 * no certificate again: the server was verified when the state was saved,
 * the caller offers it only to that server and only for a bounded time. */
void *cmd_tls_session_save(struct cmd_tls *t, size_t *len);
void cmd_tls_session_offer(struct cmd_tls *t, const void *data, size_t len);
bool cmd_tls_resumed(struct cmd_tls *t);
/* Decrypted bytes already received and not yet read (no socket event will
 * announce them). */
bool cmd_tls_pending(struct cmd_tls *t);
/* The session as a vl_io for the varlink buffers; t NULL: the plain socket. */
struct vl_io cmd_tls_io(struct cmd_tls *t);
/* The last error of a read or write, in words. */
const char *cmd_tls_error(struct cmd_tls *t);
/* Blocking handshake with a deadline (the CLI).  0 or -1 with *why. */
int cmd_tls_handshake_wait(struct cmd_tls *t, int fd, int timeout_ms, char *why, size_t whylen);

#endif
