/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpumodeld serve: configuration, the sd-event loop, signals and sd_notify.
 *   SIGHUP  re-reads the configuration (listeners stay) and re-probes
 *   SIGTERM stops accepting, finishes in-flight calls, exits
 * The watchdog is sd-event's (WATCHDOG_USEC from the service manager). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "exit_codes.h"
#include "serve.h"
#include "cluster.h"
#include "daemon.h"
#include "registry_reply.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cpumodeld serve [OPTIONS]\n"
               "  --config FILE          configuration (default " CMD_DEFAULT_CONFIG ", optional)\n"
               "  --snapshot FILE        serve this snapshot instead of probing KVM\n"
               "  --state-dir DIR        state directory (default " CMD_DEFAULT_STATE_DIR ")\n"
               "  --socket PATH          Unix socket (default " CMD_DEFAULT_SOCKET "; \"\" for none)\n"
               "  --listen-tcp HOST:PORT read-only TCP listener (repeatable)\n"
               "  --peer HOST:PORT       a peer (repeatable; adds to the configuration's)\n"
               "  --peer-timeout-ms N    per-peer timeout\n"
               "  --set KEY=VALUE        any configuration key (see conf/cpumodeld.conf; TCP is TLS\n"
               "                         with pki_dir's certificates unless tcp_insecure=yes)\n"
               "  --varlink-certification  also serve org.varlink.certification\n");
}

static void add_override(struct cmd_daemon *d, const char *key, const char *value)
{
    d->overrides = cm_xrealloc(d->overrides, (d->noverrides + 1) * sizeof(char *));
    d->overrides[d->noverrides++] = cm_xasprintf("%s=%s", key, value);
}

/* defaults, then the file, then the command line */
static int load_config(struct cmd_daemon *d, struct cmd_config *out, cm_error *err)
{
    cmd_config_defaults(out);
    if (cmd_config_load(out, d->config_path, !d->config_explicit, err) < 0)
        goto fail;
    for (size_t i = 0; i < d->noverrides; i++) {
        _cleanup_free_ char *kv = cm_xstrdup(d->overrides[i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            cm_fail(err, CM_E_INPUT, "--set %s: expected KEY=VALUE", kv);
            goto fail;
        }
        *eq = '\0';
        if (cmd_config_set(out, kv, eq + 1, "command line", err) < 0)
            goto fail;
    }
    return 0;
fail:
    cmd_config_free(out);
    return -1;
}

static void notify_status(struct cmd_daemon *d, const char *state)
{
    sd_notifyf(0, "%sSTATUS=Serving %s (%s); %zu peer(s), %zu pinned model(s)", state,
               cm_snapshot_name(d->host.snap), cm_arch_name(d->host.snap->arch), d->npeers, d->nmodels);
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    struct cmd_daemon *d = userdata;
    if (d->draining)
        return 0;
    sd_notify(0, "STOPPING=1\nSTATUS=Finishing in-flight calls");
    cmd_server_drain(d);
    /* bounded: connections that never finish do not keep the daemon alive */
    sd_event_add_time_relative(d->event, NULL, CLOCK_MONOTONIC, (uint64_t)d->cfg.drain_timeout_ms * 1000, 0, NULL,
                               NULL);
    return 0;
}

static void host_refreshed(struct cmd_daemon *d)
{
    cmd_host_changed(d);
    cmd_cluster_host_changed(d);
}

static void on_reload_refreshed(struct cmd_daemon *d, void *arg, const cm_error *err)
{
    if (err)
        fprintf(stderr, "cpumodeld: reload: re-probe failed: %s (keeping the previous snapshot)\n", err->msg);
    notify_status(d, "READY=1\n");
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
    struct cmd_daemon *d = userdata;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading",
               (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    cm_error err = {0};
    struct cmd_config cfg;
    if (load_config(d, &cfg, &err) < 0) {
        fprintf(stderr, "cpumodeld: reload: %s (keeping the running configuration)\n", err.msg);
    } else {
        /* listeners were set up from the old values and stay as they are */
        cmd_config_free(&d->cfg);
        d->cfg = cfg;
        cmd_tls_reload(d); /* rotated certificates, new TCP peers */
    }
    cmd_cluster_reload(d); /* new etcd settings; the refresh below registers this host again */
    if (cmd_models_load(d, &err) < 0)
        fprintf(stderr, "cpumodeld: reload: %s\n", err.msg);
    if (d->active_fanouts) {
        d->peers_reload_pending = true; /* in-flight fan-outs point into the peer table */
        sd_event_source_set_enabled(d->post, SD_EVENT_ON);
    } else
        cmd_peers_setup(d);
    cmd_host_changed(d); /* GetHost lists the pinned models */
    /* the re-probe runs off the loop: READY once it is done */
    if (cmd_host_refresh(d, on_reload_refreshed, NULL, &err) < 0)
        on_reload_refreshed(d, NULL, &err);
    return 0;
}

/* Enabled only while a reload waits for fan-outs to finish: an enabled post
 * source costs every loop iteration (every call) an extra epoll_wait. */
static int on_post(sd_event_source *s, void *userdata)
{
    struct cmd_daemon *d = userdata;
    if (!d->peers_reload_pending) {
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
    } else if (!d->active_fanouts) {
        sd_event_source_set_enabled(s, SD_EVENT_OFF);
        d->peers_reload_pending = false;
        cmd_peers_setup(d);
    }
    return 0;
}

/* The state directory holds what the daemon promised (pinned models): it
 * must be a real directory of the daemon's own user that no one else may
 * write (a group- or world-writable one could have models swapped under it). */
static int check_state_dir(const char *dir, cm_error *err)
{
    struct stat st;
    if (lstat(dir, &st) < 0)
        return cm_fail(err, CM_E_IO, "state directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return cm_fail(err, CM_E_INPUT, "state directory %s: not a directory%s", dir,
                       S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
    if (st.st_uid != geteuid())
        return cm_fail(err, CM_E_INPUT, "state directory %s: owned by uid %u, the daemon runs as uid %u", dir,
                       (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & 022)
        return cm_fail(err, CM_E_INPUT, "state directory %s: mode %04o lets others write (at most 0755, 0750 advised)",
                       dir, (unsigned)(st.st_mode & 07777));
    return 0;
}

/* The first snapshot, through the same child as every later refresh (a
 * probe that crashes fails the start with the signal, not silently); the loop
 * runs only for it, nothing is listening yet.  A SIGTERM meanwhile ends the
 * start (no error message, exit 0). */
struct first {
    bool done;
    cm_error err;
};

static void on_first_refresh(struct cmd_daemon *d, void *arg, const cm_error *err)
{
    struct first *f = arg;
    f->done = true;
    if (err)
        f->err = *err;
}

static int first_refresh(struct cmd_daemon *d, cm_error *err)
{
    struct first f = {0};
    if (cmd_host_refresh(d, on_first_refresh, &f, err) < 0)
        return -1;
    while (!f.done && sd_event_get_state(d->event) != SD_EVENT_FINISHED)
        if (sd_event_run(d->event, UINT64_MAX) < 0)
            return cm_fail(err, CM_E_IO, "the event loop failed during the first probe");
    if (!f.done)
        return -1; /* stopped: err stays empty */
    if (f.err.msg[0]) {
        *err = f.err;
        return -1;
    }
    return 0;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        /* peers and clients are file descriptors; sd-event copes with any number */
        rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},     {"snapshot", required_argument, NULL, 's'},
        {"state-dir", required_argument, NULL, 'd'},  {"socket", required_argument, NULL, 'S'},
        {"listen-tcp", required_argument, NULL, 't'}, {"peer", required_argument, NULL, 'p'},
        {"peer-timeout-ms", required_argument, NULL, 'T'}, {"set", required_argument, NULL, 'o'},
        {"varlink-certification", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cmd_daemon d = {0};
    d.config_path = CMD_DEFAULT_CONFIG;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            d.config_path = optarg;
            d.config_explicit = true;
            break;
        case 's': add_override(&d, "snapshot", optarg); break;
        case 'd': add_override(&d, "state_dir", optarg); break;
        case 'S': add_override(&d, "listen_unix", optarg); break;
        case 't': add_override(&d, "listen_tcp", optarg); break;
        case 'p': add_override(&d, "peer", optarg); break;
        case 'T': add_override(&d, "peer_timeout_ms", optarg); break;
        case 'C': add_override(&d, "varlink_certification", "yes"); break;
        case 'o': {
            const char *eq = strchr(optarg, '=');
            if (!eq) {
                fprintf(stderr, "cpumodeld serve: --set %s: expected KEY=VALUE\n", optarg);
                return CM_EXIT_USAGE;
            }
            _cleanup_free_ char *key = strndup(optarg, (size_t)(eq - optarg));
            add_override(&d, key, eq + 1);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return CM_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cpumodeld serve: unexpected argument '%s'\n", argv[optind]);
        return CM_EXIT_USAGE;
    }
    int rc = CM_EXIT_SYSTEM;
    cm_error err = {0};
    if (load_config(&d, &d.cfg, &err) < 0) {
        fprintf(stderr, "cpumodeld serve: %s\n", err.msg);
        rc = CM_EXIT_USAGE;
        goto out_overrides;
    }
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGHUP);
    sigaddset(&ss, SIGCHLD); /* the workers' exits (job.c) come through the loop */
    sigprocmask(SIG_BLOCK, &ss, NULL);
    if (sd_event_new(&d.event) < 0 || sd_event_add_signal(d.event, NULL, SIGTERM, on_term, &d) < 0 ||
        sd_event_add_signal(d.event, NULL, SIGINT, on_term, &d) < 0 ||
        sd_event_add_post(d.event, &d.post, on_post, &d) < 0 ||
        sd_event_source_set_enabled(d.post, SD_EVENT_OFF) < 0) {
        fprintf(stderr, "cpumodeld serve: cannot set up the event loop\n");
        goto out;
    }
    /* the parts above the transport and the registry, reached through these */
    d.method_lookup = cmd_method_find;
    d.host_refreshed = host_refreshed;
    d.baseline_changed = cmd_cluster_baseline_refresh;
    d.baseline_parts = &cmd_baseline_parts;
    if (cmd_mkdir_p(d.cfg.state_dir, 0750, &err) < 0 || check_state_dir(d.cfg.state_dir, &err) < 0 ||
        first_refresh(&d, &err) < 0 || cmd_models_load(&d, &err) < 0) {
        if (err.msg[0])
            fprintf(stderr, "cpumodeld serve: %s\n", err.msg);
        rc = !err.msg[0] ? 0 : err.code == CM_E_INPUT ? CM_EXIT_USAGE : CM_EXIT_SYSTEM;
        goto out;
    }
    cmd_peers_setup(&d);
    /* SIGHUP only once there is a host to reload */
    if (sd_event_add_signal(d.event, NULL, SIGHUP, on_hup, &d) < 0) {
        fprintf(stderr, "cpumodeld serve: cannot set up the event loop\n");
        goto out;
    }
    if (cmd_cluster_setup(&d, &err) < 0) {
        fprintf(stderr, "cpumodeld serve: %s\n", err.msg);
        rc = err.code == CM_E_INPUT ? CM_EXIT_USAGE : CM_EXIT_SYSTEM;
        goto out;
    }
    if (cmd_server_setup(&d, &err) < 0) {
        fprintf(stderr, "cpumodeld serve: %s\n", err.msg);
        rc = err.code == CM_E_INPUT ? CM_EXIT_USAGE : CM_EXIT_SYSTEM;
        goto out;
    }
    sd_event_set_watchdog(d.event, 1); /* pings at half WATCHDOG_USEC when the manager asks */
    notify_status(&d, "READY=1\n");
    fprintf(stderr, "cpumodeld: serving %s (%s) with %zu peer(s)\n", cm_snapshot_name(d.host.snap),
            cm_arch_name(d.host.snap->arch), d.npeers);
    int r = sd_event_loop(d.event);
    rc = r < 0 ? CM_EXIT_SYSTEM : 0;
out:
    cmd_server_shutdown(&d);
    cmd_refresh_free(&d);
    cmd_priv_free(&d);
    cmd_resolver_cancel(&d);
    cmd_jobs_shutdown(&d);
    cmd_cluster_free(&d);
    d.post = sd_event_source_unref(d.post);
    d.event = sd_event_unref(d.event);
    cmd_peers_free(&d);
    cmd_models_free(&d);
    cmd_host_changed(&d);
    if (d.host.have_vec)
        cm_vector_free(&d.host.vec);
    cm_snapshot_free(d.host.snap);
    json_object_put(d.host.drift);
    free(d.host.text);
    json_object_put(d.cert);
    cmd_config_free(&d.cfg);
out_overrides:
    for (size_t i = 0; i < d.noverrides; i++)
        free(d.overrides[i]);
    free(d.overrides);
    return rc;
}
