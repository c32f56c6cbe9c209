/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster backend `etcd` (docs/cluster.md): host registry, pinned
 * models and the registry's view, kept current by an etcd watch.  With the
 * default backend (static peers) none of this exists: d->cluster is NULL. */
#ifndef CPUMODELD_CLUSTER_H
#define CPUMODELD_CLUSTER_H

#include "daemon.h"

/* ---- the view (cluster_view.c) -------------------------------------------- */

/* A snapshot as stored once in the registry, shared by every host whose
 * snapshot has its digest (hosts of one hardware generation). */
struct cluster_blob {
    char *content;
    int64_t mod_revision; /* of snapshots/CONTENT */
    struct cm_snapshot *snap; /* without host name and time */
    struct cm_vector vec;
    /* registry_reply.c: the content's index in the render numbered render_id */
    uint64_t render_id;
    size_t render_content;
};

/* A host's member object as registry_reply.c last encoded it, without its
 * verdict, and what it showed (encoded again when that changes). */
struct cluster_member_text {
    char *json;      /* {"name":…,"address":…,"status":… without the closing brace */
    size_t len;
    char *name_json; /* the name as a JSON string: lists of hosts */
    size_t name_len;
    enum cmd_member_status status;
    time_t fetched, at; /* an age is shown as of `at` */
    char *error;
};

struct cluster_host {
    char *name;
    char *content;      /* key of its snapshot content (snapshots/CONTENT); NULL: no record */
    char *digest;       /* the host's model digest (cpumodel/digest.h) */
    char *registered;   /* first registration (ISO 8601), kept across restarts */
    char *updated;      /* last registration */
    char *silent_since; /* written by the first daemon that saw the lease expire */
    int64_t mod_revision;
    bool live;          /* its liveness key exists */
    time_t seen_silent; /* local fallback when silent_since is unknown */
    struct cluster_blob *blob; /* NULL: the snapshot is not in the registry */
    /* what the methods see: shallow views of the blob under this host's name */
    struct cm_snapshot snap;
    struct cmd_peer peer;
    struct cluster_member_text text;
};

struct cluster_view {
    struct cluster_host **hosts; /* sorted by name */
    size_t nhosts, cap;
    struct cluster_blob **blobs;
    size_t nblobs, bcap;
    uint64_t version; /* bumped on every change that alters a baseline */
    size_t nlive;     /* hosts whose liveness key exists */
    /* What changed, for registry_reply.c to redo only that: `layout` is new
     * whenever hosts are added or removed (their indexes move); `touched`
     * lists by index the hosts changed in place since (repeats allowed).
     * Layouts are numbered across views, so a view replaced by a resync
     * never passes for the one it replaced. */
    uint64_t layout;
    size_t *touched;
    size_t ntouched, tcap;
};

struct cluster_host *cluster_view_host(struct cluster_view *v, const char *name);
/* Applies one key of the registry (value NULL: deleted).  rel is the key
 * without the prefix ("hosts/NAME", "snapshots/DIGEST", ...). */
int cluster_view_apply(struct cmd_daemon *d, struct cluster_view *v, const char *rel, const char *value, size_t len,
                       int64_t mod_revision, cm_error *err);
void cluster_view_free(struct cluster_view *v);
/* Does any host record point at this content? (pins hold their model themselves) */
bool cluster_blob_referenced(const struct cluster_view *v, const struct cluster_blob *b);
time_t cluster_host_silent_since(const struct cluster_host *h);
/* What GetBaseline shows for a host with a record: live, silent, or missing
 * (its snapshot is not in the registry). */
enum cmd_member_status cluster_host_status(const struct cluster_host *h);

/* the registry's form of a snapshot and the key it is stored under:
 * "sha256:" over exactly the stored text (cluster_digest.c) */
char *cluster_snapshot_content(const struct cm_snapshot *s);
struct json_object *cluster_snapshot_blob(const struct cm_snapshot *s);

/* ---- the backend (cluster_etcd.c) ----------------------------------------- */
struct cmd_cluster;

int cmd_cluster_setup(struct cmd_daemon *d, cm_error *err); /* no-op for static peers */
void cmd_cluster_free(struct cmd_daemon *d);
void cmd_cluster_host_changed(struct cmd_daemon *d);        /* this host re-probed: register again */
/* SIGHUP, d->cfg reloaded: new endpoints, prefix or TLS files take effect;
 * then as cmd_cluster_host_changed */
void cmd_cluster_reload(struct cmd_daemon *d);
struct cluster_view *cmd_cluster_view(struct cmd_daemon *d);
/* Registry (io.cpumodeld.varlink): backend, reachable, since, revision, error */
struct json_object *cmd_cluster_status(struct cmd_daemon *d);
/* NULL when writes can go to the registry now, else why not (static buffer) */
const char *cmd_cluster_unwritable(struct cmd_daemon *d);

/* asynchronous writes; `done` gets error NULL on success (params: a pin's
 * ModelInfo as written, else NULL), else the Varlink error name and its
 * parameters; params are taken */
typedef void (*cmd_cluster_done)(void *userdata, const char *error, struct json_object *params);
void cmd_cluster_pin(struct cmd_daemon *d, const char *name, struct cm_snapshot *model, bool replace,
                     cmd_cluster_done done, void *userdata);
void cmd_cluster_unpin(struct cmd_daemon *d, const char *name, cmd_cluster_done done, void *userdata);
void cmd_cluster_forget(struct cmd_daemon *d, const char *name, cmd_cluster_done done, void *userdata);

/* The GetBaseline reply over the whole registry, kept encoded between
 * changes (slot: groups or not; registry_reply.c). */
struct registry_render;
struct cmd_cluster_reply {
    char *data;
    size_t len, cap;
    struct registry_render *render; /* what the next render reuses */
    void (*render_free)(struct registry_render *r); /* set with it (cluster_etcd.c frees it on shutdown) */
    uint64_t version;  /* view version it was computed at */
    uint64_t rendered_us;
    bool has_silent;   /* its ages go stale: render again after a second */
};
struct cmd_cluster_reply *cmd_cluster_reply_slot(struct cmd_daemon *d, bool groups);
uint64_t cmd_cluster_version(struct cmd_daemon *d); /* changes with anything a reply shows */
void cmd_cluster_note_render(struct cmd_daemon *d, double ms); /* Registry.baseline_ms */
/* registry_reply.c: computes the whole-registry GetBaseline reply into its slot */
void cmd_cluster_baseline_refresh(struct cmd_daemon *d);

#endif
