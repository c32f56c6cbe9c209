/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpumodeld serve: shared state of the daemon (one sd-event loop, one thread). */
#ifndef CPUMODELD_DAEMON_H
#define CPUMODELD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <systemd/sd-event.h>

#include "cpumodel/digest.h"
#include "cpumodel/negotiate.h"
#include "cpumodel/snapshot.h"
#include "cpumodel/vector.h"
#include "tls.h"
#include "varlink.h"

#include "files.h"
#include "paths.h"


/* ---- configuration (config.c) -------------------------------------------- */
struct cmd_strv {
    char **v;
    size_t n;
};
void cmd_strv_add(struct cmd_strv *s, const char *x);
void cmd_strv_free(struct cmd_strv *s);

struct cmd_config {
    char *listen_unix;        /* "" disables the Unix listener */
    struct cmd_strv listen_tcp; /* HOST:PORT */
    unsigned socket_mode;     /* 0660 */
    char *socket_group;       /* NULL: the socket keeps the daemon's group */
    struct cmd_strv peers;    /* HOST:PORT (or unix:PATH) */
    int peer_timeout_ms;
    int peer_cache_ms;        /* TCP callers get peers' answers this recent without a new fetch */
    int connect_timeout_ms;
    char *state_dir;
    char *snapshot;           /* serve this file instead of probing */
    size_t max_message;
    int max_depth;
    size_t max_peer_reply;
    int max_connections;      /* every listener together */
    int max_connections_tcp;  /* the TCP listeners together */
    int reserved_connections; /* of max_connections, only privileged Unix callers (the hook) may take */
    int max_connections_per_client; /* per TCP address, per unprivileged Unix uid */
    size_t max_output;        /* queued reply bytes per client before its calls wait */
    int send_timeout_ms;      /* a client that takes none of its pending output this long is dropped */
    int idle_timeout_ms;
    int drain_timeout_ms;
    bool certification;       /* serve org.varlink.certification */
    /* TLS on TCP (tls.c): listeners and peer fetches; plain only when asked */
    char *pki_dir;            /* cacert.pem, servercert.pem, private/serverkey.pem, client* */
    bool tcp_insecure;
    struct cmd_strv tls_allowed_dn; /* fnmatch patterns for client subjects; empty: any of the CA */
    /* cluster backend (docs/cluster.md): "static" (peers) or "etcd" */
    char *cluster;
    char *etcd_endpoints;     /* URL,URL,... */
    char *etcd_cert, *etcd_key, *etcd_cacert;
    char *etcd_prefix;        /* default /cpumodeld/ */
    int etcd_lease_ttl_s;
    int etcd_timeout_ms;
    int probe_timeout_ms;     /* a host refresh (probe, --snapshot load) taking longer is stopped */
};
void cmd_config_defaults(struct cmd_config *c);
void cmd_config_free(struct cmd_config *c);
/* Reads "key = value" lines; unknown keys and bad values are errors that
 * name the file and line.  missing_ok: an absent file is not an error. */
int cmd_config_load(struct cmd_config *c, const char *path, bool missing_ok, cm_error *err);
/* Applies one "key=value" override (command line). */
int cmd_config_set(struct cmd_config *c, const char *key, const char *value, const char *where, cm_error *err);

/* the largest state file read back (host, drift, models, peer caches) */
#define CMD_STATE_FILE_MAX (256u << 20)
/* how long after a full TLS handshake with a peer its session may be resumed
 * (a peer whose certificate changes is verified again within this time) */
#define CMD_TLS_RESUME_US (300ull * 1000000)

/* ---- state (state.c) ------------------------------------------------------ */
struct cmd_host {
    struct cm_snapshot *snap;
    struct cm_vector vec;
    bool have_vec;
    char digest[CM_DIGEST_LEN]; /* vec's (cpumodel/digest.h), made with it: what the registry knows it by */
    struct json_object *drift; /* Drift */
    char *text;                /* the snapshot as the refresh child sent it: an equal one is not decoded again */
    size_t text_len;
};

struct cmd_model {
    char *name;
    int64_t generation;
    char digest[CM_DIGEST_LEN]; /* what the model is (cpumodel/digest.h); the name only labels it */
    char *created;
    struct cm_snapshot *snap;
    struct cm_vector vec;
    bool have_vec;
    int64_t mod_revision; /* of its registry key (etcd backend), 0 otherwise */
};

struct cmd_peer {
    char *address;
    char *name;        /* host name of the last good snapshot */
    char *raw;         /* raw reply bytes of the last good fetch (to skip re-parsing) */
    size_t rawlen;
    struct cm_snapshot *snap;
    struct cm_vector vec;
    bool have_vec;
    time_t fetched;    /* realtime of the last good fetch; 0 never */
    uint64_t attempted_us; /* monotonic end of the last fetch, good or not; 0 never */
    char *last_error;
    struct json_object *models; /* the peer's pinned models (ModelInfo[]) from its GetHost, or NULL */
    struct cmd_fetch *fetch; /* in flight, shared by every fan-out that wants this peer */
    /* TLS: the last session's resumption state, offered for CMD_TLS_RESUME_US
     * after the full handshake that verified the peer (peers.c) */
    void *tls_session;
    size_t tls_session_len;
    uint64_t tls_verified_us;
    /* resolved once at (re)configuration: no name lookups inside the loop
     * (a name goes to a resolver child: resolving until it answers) */
    struct sockaddr_storage sa;
    socklen_t salen;
    bool resolving;
};

/* ---- the daemon ----------------------------------------------------------- */
struct cmd_conn;
struct cmd_listener {
    int fd;
    bool tcp;
    gid_t group;       /* unix: the socket's group (privileged callers) */
    char *path;        /* unix: path we created (unlinked at exit), NULL otherwise */
    sd_event_source *src;
};

struct cmd_method;
struct cmd_daemon;
/* Looks a call up (methods.c); server.c reaches the methods only through this. */
typedef const struct cmd_method *(*cmd_method_lookup)(const struct cmd_daemon *d, const char *iface,
                                                      const char *name, bool *iface_known);

struct cmd_daemon {
    sd_event *event;
    /* Set by serve.c, which wires the parts together, so that the transport
     * (server.c) and the etcd backend (cluster_etcd.c) never call back into
     * methods.c by name: each part depends only on the ones below it. */
    cmd_method_lookup method_lookup;
    void (*baseline_changed)(struct cmd_daemon *d); /* the registry changed: re-render GetBaseline */
    /* methods.c's parts of GetBaseline's reply, for registry_reply.c (which
     * methods.c calls: the layers stay one way) */
    const struct cmd_baseline_parts *baseline_parts;
    void (*host_refreshed)(struct cmd_daemon *d);   /* state.c installed a refresh: drop replies, tell the registry */
    void (*priv_answered)(struct cmd_daemon *d);    /* privilege.c: a group lookup answered (server.c) */
    struct cmd_config cfg;
    char *config_path;
    bool config_explicit;
    char **overrides;  /* "key=value" from the command line, re-applied on reload */
    size_t noverrides;

    struct cmd_listener *listeners;
    size_t nlisteners;

    struct cmd_conn *conns; /* doubly linked */
    int nconns;
    int ntcp;               /* of nconns, over TCP */
    /* every connection in one inner epoll set, one sd-event source for all:
     * a wakeup serves all ready connections (server.c) */
    int conn_epfd;            /* valid while conn_src is set */
    sd_event_source *conn_src;
    bool draining;
    sd_event_source *sweep;

    struct cmd_host host;
    struct cmd_peer *peers;
    size_t npeers;
    struct cmd_model *models;
    size_t nmodels;

    /* serialised GetHost replies (summary, full), dropped on every refresh */
    char *host_reply[2];
    size_t host_reply_len[2];
    /* replies of cacheable methods keyed by the exact request bytes: a repeated
     * call is answered without parsing (server.c); dropped with host_reply */
    struct cmd_cached_reply {
        char *request, *reply;
        size_t request_len, reply_len;
    } replies[8];
    unsigned replies_next;
    int active_fanouts;
    bool peers_reload_pending;
    sd_event_source *post;     /* applies a pending peer reload; on only while one waits */

    struct cmd_cluster *cluster; /* the etcd backend; NULL with static peers */

    /* TLS credentials (tls.c): the TCP listeners', the peer fetches' */
    struct cmd_tls_creds *tls_server, *tls_client;
    unsigned tls_refused;   /* handshakes refused since start (logged, rate limited) */
    /* work off the loop (job.c), the host refresh in flight and the ones
     * asked for meanwhile (state.c), callers' group membership (privilege.c) */
    struct cmd_job *jobs;
    struct cmd_refresh *refresh;
    struct cmd_priv *priv;
    struct cmd_job *resolver; /* peers' names being resolved (peers.c) */

    /* certification clients */
    struct json_object *cert;
    uint64_t served;
};

/* job.c: work that may block runs in a forked child, off the loop.
 * run: in the child, writes its result to fd; its return is the exit status.
 * done: on the loop, with the bytes written (exit status 0) or an error
 * (crash, timeout, non-zero exit, output over max_out). */
struct cmd_job;
typedef int (*cmd_job_fn)(struct cmd_daemon *d, void *run_arg, int fd);
typedef void (*cmd_job_done)(struct cmd_daemon *d, void *arg, const char *out, size_t len, const char *error);
struct cmd_job *cmd_job_start(struct cmd_daemon *d, const char *what, int timeout_ms, size_t max_out,
                              cmd_job_fn run, void *run_arg, cmd_job_done done, void *arg, cm_error *err);
int cmd_job_write(int fd, const void *data, size_t len); /* in the child */
pid_t cmd_job_pid(const struct cmd_job *j);
void cmd_job_cancel(struct cmd_job *j); /* kills it; done is not called */
void cmd_jobs_shutdown(struct cmd_daemon *d);

/* state.c */
/* Probe (or load --snapshot) and record drift in a child; installs the
 * result and calls done (err NULL on success) from the loop.  A request made
 * while a refresh runs is served by the next one, so its answer is never
 * older than the request; requests made meanwhile share that next one. */
typedef void (*cmd_refresh_done)(struct cmd_daemon *d, void *arg, const cm_error *err);
int cmd_host_refresh(struct cmd_daemon *d, cmd_refresh_done done, void *arg, cm_error *err); /* -1: not started */
void cmd_refresh_free(struct cmd_daemon *d);
struct json_object *cmd_host_json(const struct cmd_daemon *d);   /* Host */
int cmd_models_load(struct cmd_daemon *d, cm_error *err);
void cmd_models_free(struct cmd_daemon *d);
/* By name, or by content when `name` is a digest ("sha256:…"). */
struct cmd_model *cmd_model_find(struct cmd_daemon *d, const char *name);
/* Pinned models as ModelInfo[] (ListModels, GetHost). */
struct json_object *cmd_models_json(const struct cmd_daemon *d);
bool cmd_model_name_ok(const char *name);
struct json_object *cmd_model_info(const struct cmd_model *m);
int cmd_model_pin(struct cmd_daemon *d, const char *name, struct cm_snapshot *model, bool replace,
                  struct cmd_model **out, cm_error *err);
int cmd_model_unpin(struct cmd_daemon *d, const char *name, cm_error *err);
void cmd_model_clear(struct cmd_model *m);
struct json_object *cmd_model_to_json(const struct cmd_model *m);
int cmd_model_from_json(struct json_object *o, const char *what, struct cmd_model *m, cm_error *err);
int cmd_model_save(struct cmd_daemon *d, const struct cmd_model *m, cm_error *err);
int cmd_model_unlink(struct cmd_daemon *d, const char *name, cm_error *err);
struct cmd_model *cmd_model_set(struct cmd_daemon *d, struct cmd_model *m); /* takes m */
void cmd_model_drop(struct cmd_daemon *d, const char *name);                /* memory only */
void cmd_peers_setup(struct cmd_daemon *d);           /* (re)builds d->peers from cfg, loads disk caches */
void cmd_peers_free(struct cmd_daemon *d);
int cmd_peer_accept(struct cmd_daemon *d, struct cmd_peer *p, const char *raw, size_t len, cm_error *err);
char *cmd_state_path(const struct cmd_daemon *d, const char *rel);

/* peers.c: concurrent fetch of peers' snapshots inside the event loop */
enum cmd_member_status { CMD_SELF, CMD_LIVE, CMD_CACHED, CMD_MISSING, CMD_SILENT };
struct cmd_fanout;
typedef void (*cmd_fanout_done)(struct cmd_fanout *f, void *userdata);
struct cmd_fanout_result {
    struct cmd_peer *peer;
    enum cmd_member_status status;
    bool from_cache;   /* answered from a recent fetch (peer_cache_ms), not fetched for this call */
    char *error;
};
struct cmd_fanout {
    struct cmd_daemon *d;
    struct cmd_fanout_result *res;
    size_t n, pending;
    cmd_fanout_done done;
    void *userdata;
    sd_event_source *defer;
};
/* Starts fetching `n` peers (indices into d->peers); `done` runs from the
 * loop when every peer answered, failed or timed out (also when n == 0).
 * A peer already being fetched is not asked again: the fan-out waits for
 * that fetch.  max_age_us > 0: a peer whose last fetch ended that recently
 * is answered from it without a new one (remote callers). */
struct cmd_fanout *cmd_fanout_start(struct cmd_daemon *d, const size_t *idx, size_t n, uint64_t max_age_us,
                                    cmd_fanout_done done, void *userdata);
void cmd_fetch_cancel(struct cmd_peer *p); /* peers.c: drops an in-flight fetch (peer table freed) */
void cmd_fetch_resolved(struct cmd_peer *p); /* peers.c: p's name is resolved (or failed): go on */
void cmd_resolver_cancel(struct cmd_daemon *d); /* peers.c: the resolver child is no longer wanted */
void cmd_fanout_free(struct cmd_fanout *f);
/* A fan-out that is already complete (the etcd registry: no fetching). */
struct cmd_fanout *cmd_fanout_static(struct cmd_daemon *d, struct cmd_peer *const *peers,
                                     const enum cmd_member_status *status, size_t n);

/* tls_setup.c: the credentials TCP needs (listener: server, TCP peers:
 * client), unless tcp_insecure; a missing file is an error naming it */
int cmd_tls_setup(struct cmd_daemon *d, bool tcp_listener, cm_error *err);
void cmd_tls_reload(struct cmd_daemon *d); /* SIGHUP: a complete new set replaces the running one */
void cmd_tls_free_creds(struct cmd_daemon *d);
/* privilege.c: may this local caller change state (root, the daemon's
 * user, or in the socket's group)?  Group membership comes from NSS, looked
 * up in a child and cached per uid; CMD_PRIV_UNKNOWN starts that lookup. */
enum cmd_priv_answer { CMD_PRIV_NO, CMD_PRIV_YES, CMD_PRIV_UNKNOWN };
enum cmd_priv_answer cmd_priv_check(struct cmd_daemon *d, uid_t uid, gid_t gid, gid_t group);
void cmd_priv_free(struct cmd_daemon *d);
/* server.c (as d->priv_answered): a lookup was answered, writing calls
 * waiting for one go on */
void cmd_priv_answered(struct cmd_daemon *d);

/* server.c */
int cmd_server_setup(struct cmd_daemon *d, cm_error *err);
void cmd_server_shutdown(struct cmd_daemon *d);
void cmd_server_drain(struct cmd_daemon *d);

struct cmd_conn {
    struct cmd_daemon *d;
    struct cmd_conn *prev, *next;
    int fd;
    bool tcp, privileged;
    pid_t pid;
    uid_t uid;
    gid_t gid;        /* unix: the caller's group (SO_PEERCRED) */
    gid_t group;      /* unix: the listener's group (who is privileged) */
    bool priv_wait;   /* the current (writing) call waits for a group lookup */
    uint32_t events;  /* epoll events wanted */
    uint32_t armed;   /* ... and registered in d->conn_epfd */
    bool enabled;     /* watched at all (off: a dead connection awaiting its call) */
    bool watched;     /* registered in d->conn_epfd */
    struct vl_inbuf in;
    struct vl_outbuf out;
    uint64_t last_active_us;
    uint64_t partial_since_us; /* first byte of an unfinished message, 0 none */
    uint64_t stalled_since_us; /* output pending and not taken since, 0 none */
    struct sockaddr_storage addr; /* tcp: the client's address (per-client limit) */
    struct cmd_tls *tls;  /* TLS listener: the session; NULL: plain */
    bool handshaking;     /* tls: nothing is read or written but the handshake yet */
    bool busy;      /* an asynchronous call is in flight: later messages wait */
    bool closing;   /* close once the output is flushed */
    bool dead;      /* the peer hung up: free once not busy */
    bool oneway;    /* the current call wants no reply */
    bool more;      /* the current call asked for more */
    struct json_object *cur; /* the current call message (owned while busy) */
};
/* Replies to the current call (no-op on oneway). Takes params. */
void cmd_reply(struct cmd_conn *c, struct json_object *params);
/* Queues an already encoded message (with its NUL). */
void cmd_reply_raw(struct cmd_conn *c, const char *msg, size_t len);
void cmd_host_changed(struct cmd_daemon *d); /* drops cached replies too */
void cmd_reply_cache_clear(struct cmd_daemon *d);
void cmd_reply_more(struct cmd_conn *c, struct json_object *params, bool continues);
void cmd_error(struct cmd_conn *c, const char *error, struct json_object *params);
void cmd_error_param(struct cmd_conn *c, const char *param);
void cmd_error_msg(struct cmd_conn *c, const char *error, const char *key, const char *value);
/* An asynchronous call finished: flush and go on with buffered messages. */
void cmd_call_done(struct cmd_conn *c);

/* methods.c: returns 0 when replied, 1 when the call went asynchronous */
typedef int (*cmd_method_fn)(struct cmd_conn *c, struct vl_call *call);
struct cmd_method {
    const char *iface;
    const char *name;
    cmd_method_fn fn;
    bool writes; /* Unix socket + privileged caller only */
    bool cacheable; /* the reply depends only on the request bytes and on state
                       that changes with cmd_host_changed (reprobe, reload) */
};
const struct cmd_method *cmd_method_find(const struct cmd_daemon *d, const char *iface, const char *name,
                                         bool *iface_known);
bool cmd_iface_served(const struct cmd_daemon *d, const char *iface);

/* cert.c */
int cmd_cert_call(struct cmd_conn *c, struct vl_call *call);

/* helpers for parameters (params.c) */
const char *cmd_param_str(struct json_object *params, const char *key, bool *bad);
bool cmd_param_bool(struct json_object *params, const char *key, bool def, bool *bad);

#endif
