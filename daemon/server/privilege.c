/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may change state over the Unix socket: root, the daemon's own user,
 * or a member of the socket's group.  The first two, and a caller whose
 * group (SO_PEERCRED) is the socket's, need no lookup.  A supplementary
 * membership needs NSS (getpwuid_r, getgrouplist), which may ask LDAP or
 * sssd and take seconds: it is looked up in a child (job.c), one lookup per
 * uid at a time and at most PRIV_MAX_LOOKUPS at once, and the answer is kept
 * PRIV_TTL_US (a membership removed takes that long to count, as with nscd
 * or sssd's own caches).  Until the answer is known the connection counts as
 * unprivileged (admission, read-only calls); a writing call waits for it
 * (server.c: cmd_priv_answered, through d->priv_answered). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#define PRIV_TTL_US (60ull * 1000000)
#define PRIV_FAILED_TTL_US (5ull * 1000000) /* a lookup that failed is tried again soon */
#define PRIV_MAX_ENTRIES 1024
#define PRIV_MAX_LOOKUPS 8
#define PRIV_TIMEOUT_MS 30000

struct priv_entry {
    uint64_t id; /* names the entry to its lookup's completion */
    uid_t uid;
    gid_t group;
    bool known, member;
    uint64_t expires_us;
    struct cmd_job *job;
};

struct cmd_priv {
    struct priv_entry *v;
    size_t n;
    int lookups;
    uint64_t next_id;
};

static uint64_t now_us(struct cmd_daemon *d)
{
    uint64_t t = 0;
    sd_event_now(d->event, CLOCK_MONOTONIC, &t);
    return t;
}

/* ---- the lookup, in the child --------------------------------------------- */

struct lookup {
    uid_t uid;
    gid_t group;
};

/* Writes "1" (a member), "0" (not, or no such user) or "E" and why. */
static int lookup_run(struct cmd_daemon *d, void *run_arg, int fd)
{
    const struct lookup *l = run_arg;
    struct passwd pw, *res = NULL;
    char buf[16384];
    int e = getpwuid_r(l->uid, &pw, buf, sizeof(buf), &res);
    if (e || !res) {
        char msg[160];
        int n = e ? snprintf(msg, sizeof(msg), "Egetpwuid_r(%u): %s", (unsigned)l->uid, strerror(e))
                  : snprintf(msg, sizeof(msg), "0");
        return cmd_job_write(fd, msg, (size_t)n) < 0;
    }
    int ng = 64;
    gid_t *groups = NULL;
    for (;;) {
        groups = cm_xrealloc(groups, (size_t)ng * sizeof(*groups));
        int want = ng;
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) >= 0)
            break;
        if (ng <= want) /* no growth asked for: give up rather than loop */
            return cmd_job_write(fd, "Egetgrouplist failed", 20) < 0;
    }
    const char *member = "0";
    for (int i = 0; i < ng; i++)
        if (groups[i] == l->group)
            member = "1";
    free(groups);
    return cmd_job_write(fd, member, 1) < 0;
}

/* ---- the cache, on the loop ----------------------------------------------- */

static struct priv_entry *entry_find(struct cmd_priv *pv, uid_t uid, gid_t group)
{
    for (size_t i = 0; i < pv->n; i++)
        if (pv->v[i].uid == uid && pv->v[i].group == group)
            return &pv->v[i];
    return NULL;
}

static struct priv_entry *entry_new(struct cmd_priv *pv, uid_t uid, gid_t group)
{
    if (pv->n >= PRIV_MAX_ENTRIES) { /* full: forget one that is not being looked up */
        for (size_t i = 0; i < pv->n; i++)
            if (!pv->v[i].job) {
                pv->v[i] = pv->v[--pv->n];
                break;
            }
        if (pv->n >= PRIV_MAX_ENTRIES)
            return NULL;
    }
    pv->v = cm_xrealloc(pv->v, (pv->n + 1) * sizeof(*pv->v));
    struct priv_entry *e = &pv->v[pv->n++];
    *e = (struct priv_entry){.id = ++pv->next_id, .uid = uid, .group = group};
    return e;
}

static void on_lookup(struct cmd_daemon *d, void *arg, const char *out, size_t len, const char *error)
{
    struct cmd_priv *pv = d->priv;
    uint64_t id = (uint64_t)(uintptr_t)arg;
    pv->lookups--;
    struct priv_entry *e = NULL;
    for (size_t i = 0; i < pv->n && !e; i++)
        if (pv->v[i].id == id)
            e = &pv->v[i];
    if (e) {
        e->job = NULL;
        e->known = true;
        e->member = !error && len == 1 && out[0] == '1';
        bool failed = error || !len || out[0] == 'E';
        e->expires_us = now_us(d) + (failed ? PRIV_FAILED_TTL_US : PRIV_TTL_US);
        if (failed) {
            char why[256];
            snprintf(why, sizeof(why), "%s", error ? error : len > 1 ? out + 1 : "no answer");
            fprintf(stderr, "cpumodeld: group lookup for uid %u: %s (taken as not in the socket's group)\n",
                    (unsigned)e->uid, why);
        }
    }
    if (d->priv_answered)
        d->priv_answered(d); /* also starts lookups that waited for a free slot */
}

enum cmd_priv_answer cmd_priv_check(struct cmd_daemon *d, uid_t uid, gid_t gid, gid_t group)
{
    if (uid == 0 || uid == geteuid() || gid == group)
        return CMD_PRIV_YES;
    if (!d->priv)
        d->priv = cm_xcalloc(1, sizeof(*d->priv));
    struct cmd_priv *pv = d->priv;
    struct priv_entry *e = entry_find(pv, uid, group);
    if (e && e->known && now_us(d) < e->expires_us)
        return e->member ? CMD_PRIV_YES : CMD_PRIV_NO;
    if (e && e->job)
        return CMD_PRIV_UNKNOWN;
    if (pv->lookups >= PRIV_MAX_LOOKUPS)
        return CMD_PRIV_UNKNOWN; /* asked again when a lookup finishes */
    if (!e && !(e = entry_new(pv, uid, group)))
        return CMD_PRIV_NO;
    struct lookup l = {uid, group}; /* the child reads its copy */
    cm_error err = {0};
    e->job = cmd_job_start(d, "group lookup", PRIV_TIMEOUT_MS, 256, lookup_run, &l, on_lookup,
                           (void *)(uintptr_t)e->id, &err);
    if (!e->job) {
        fprintf(stderr, "cpumodeld: %s (uid %u taken as not in the socket's group)\n", err.msg, (unsigned)uid);
        return CMD_PRIV_NO;
    }
    pv->lookups++;
    return CMD_PRIV_UNKNOWN;
}

void cmd_priv_free(struct cmd_daemon *d)
{
    if (!d->priv)
        return;
    for (size_t i = 0; i < d->priv->n; i++)
        cmd_job_cancel(d->priv->v[i].job);
    free(d->priv->v);
    free(d->priv);
    d->priv = NULL;
}
