/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cpumodeld export --format F MODEL [--host SNAPSHOT] [-o FILE] [--json]`
 * MODEL: a model file (snapshot, baseline result), or "model:NAME" /
 * "sha256:…" pinned in the daemon (then the daemon's Export method does the
 * work).  SNAPSHOT: the host the output is for; default this host (the
 * daemon's, with --socket/--connect, else a local probe).
 * Exit: 0 output written, 1 the host cannot reach the model (reasons on
 * stderr, no output), 2 bad input, 3 no KVM / daemon unreachable.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"
#include "cpumodel/probe.h"
#include "files.h"
#include "paths.h"
#include "varlink.h"
#include "export.h"

struct eopts {
    const char *format, *host, *out, *socket, *connect;
    bool json;
    int timeout_ms;
};

static int usage(void)
{
    fprintf(stderr, "usage: cpumodeld export --format %s MODEL [--host SNAPSHOT] [-o FILE] [--json]\n"
                    "         [--socket PATH | --connect HOST:PORT]\n"
                    "  MODEL: a model or baseline file, model:NAME or sha256:DIGEST (pinned in the daemon)\n",
            cm_export_names());
    return CM_EXIT_USAGE;
}

static const char *jstr(struct json_object *o, const char *k)
{
    struct json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static void print_reason_list(FILE *f, struct json_object *a, const char *prefix)
{
    for (size_t i = 0; a && i < json_object_array_length(a); i++)
        fprintf(f, "%s%s\n", prefix, jstr(json_object_array_get_idx(a, i), "text"));
}

/* Prints/writes one export (the JSON rendering, local or from the daemon). */
static int render(struct json_object *e, const struct eopts *o)
{
    struct json_object *ok = NULL, *cannot = NULL, *reasons = NULL;
    json_object_object_get_ex(e, "ok", &ok);
    json_object_object_get_ex(e, "cannot_express", &cannot);
    json_object_object_get_ex(e, "reasons", &reasons);
    if (o->json)
        printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    if (!ok || !json_object_get_boolean(ok)) {
        fprintf(stderr, "cpumodeld export: host %s cannot reach model %s (%s):\n", jstr(e, "host"), jstr(e, "model"),
                jstr(e, "digest"));
        for (size_t i = 0; reasons && i < json_object_array_length(reasons); i++) {
            struct json_object *r = json_object_array_get_idx(reasons, i);
            if (!strcmp(jstr(r, "severity") ? jstr(r, "severity") : "", "error"))
                fprintf(stderr, "  - %s\n", jstr(r, "text"));
        }
        return CM_EXIT_INCOMPATIBLE;
    }
    const char *text = jstr(e, "output");
    if (o->out) {
        _cleanup_free_ char *body = cm_xasprintf("%s\n", text ? text : "");
        cm_error err = {0};
        if (cmd_write_atomic(o->out, body, strlen(body), &err) < 0)
            return cli_fail(&err);
        if (!o->json) {
            printf("wrote %s: %s export of model %s (%s) for host %s\n", o->out, jstr(e, "format"), jstr(e, "model"),
                   jstr(e, "digest"), jstr(e, "host"));
            if (cannot && json_object_array_length(cannot))
                printf("cannot express:\n");
            print_reason_list(stdout, cannot, "  - ");
        }
    } else if (!o->json) {
        printf("%s\n", text ? text : "");
        if (cannot && json_object_array_length(cannot))
            fprintf(stderr, "cpumodeld export: cannot express:\n");
        print_reason_list(stderr, cannot, "  - ");
    }
    return CM_EXIT_OK;
}

static int connect_daemon(const struct eopts *o)
{
    char why[512];
    const char *addr = o->connect ? o->connect : o->socket ? o->socket : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!o->connect && !strchr(addr, '/'))
        addr = unix_addr = cm_xasprintf("unix:%s", addr);
    int fd = vl_connect(addr, o->timeout_ms, why, sizeof(why));
    if (fd < 0)
        fprintf(stderr, "cpumodeld export: cannot reach the daemon: %s\n", why);
    return fd;
}

/* One call; the reply's parameters or NULL (printed; *rc set). */
static struct json_object *call(int fd, const struct eopts *o, const char *method, struct json_object *params, int *rc)
{
    char why[1100];
    struct json_object *r = vl_call_sync(fd, method, params, o->timeout_ms, 1u << 30, why, sizeof(why));
    if (!r) {
        fprintf(stderr, "cpumodeld export: %s: %s\n", method, why);
        *rc = CM_EXIT_SYSTEM;
        return NULL;
    }
    struct json_object *er, *p = NULL;
    json_object_object_get_ex(r, "parameters", &p);
    if (json_object_object_get_ex(r, "error", &er)) {
        fprintf(stderr, "cpumodeld export: %s: %s %s\n", method, json_object_get_string(er),
                p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN) : "");
        json_object_put(r);
        *rc = CM_EXIT_USAGE;
        return NULL;
    }
    p = json_object_get(p);
    json_object_put(r);
    return p;
}

static bool daemon_ref(const char *model)
{
    return !strncmp(model, "model:", 6) || cm_digest_is_ref(model);
}

static int export_remote(const char *model, const struct eopts *o)
{
    struct json_object *host = NULL;
    if (o->host) {
        cm_error err = {0};
        size_t len;
        _cleanup_free_ char *text = cmd_read_file(o->host, 64u << 20, &len, &err);
        if (!text)
            return cli_fail(&err);
        char why[256];
        host = vl_parse(text, len, 64, why, sizeof(why));
        if (!host) {
            fprintf(stderr, "cpumodeld export: %s: %s\n", o->host, why);
            return CM_EXIT_USAGE;
        }
    }
    int fd = connect_daemon(o);
    if (fd < 0) {
        json_object_put(host);
        return CM_EXIT_SYSTEM;
    }
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "model", json_object_new_string(model));
    json_object_object_add(p, "format", json_object_new_string(o->format));
    if (host)
        json_object_object_add(p, "host", host);
    int rc = 0;
    struct json_object *r = call(fd, o, CMD_IFACE ".Export", p, &rc);
    close(fd);
    if (!r)
        return rc;
    struct json_object *e = NULL;
    json_object_object_get_ex(r, "export", &e);
    rc = e ? render(e, o) : CM_EXIT_SYSTEM;
    json_object_put(r);
    return rc;
}

/* This host: the daemon's snapshot when one was named, else a probe. */
static int this_host(const struct eopts *o, struct cm_snapshot **out)
{
    cm_error err = {0};
    if (o->socket || o->connect) {
        int fd = connect_daemon(o), rc = 0;
        if (fd < 0)
            return CM_EXIT_SYSTEM;
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "full", json_object_new_boolean(1));
        struct json_object *r = call(fd, o, CMD_IFACE ".GetHost", p, &rc), *snap = NULL;
        close(fd);
        if (!r)
            return rc;
        json_object_object_get_ex(r, "snapshot", &snap);
        rc = cm_snapshot_from_any_json(snap, "the daemon's host", out, &err) < 0 ? cli_fail(&err) : 0;
        json_object_put(r);
        return rc;
    }
    struct cm_probe_opts po = {.arm64_all_features = true, .quiet = true};
    if (cm_probe(&po, out, &err) < 0) {
        fprintf(stderr, "cpumodeld export: cannot probe this host (give --host SNAPSHOT or --socket PATH):\n");
        return cli_fail(&err);
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    enum { O_FORMAT = 1000, O_HOST, O_JSON, O_SOCKET, O_CONNECT, O_TIMEOUT };
    static const struct option lo[] = {
        {"format", required_argument, NULL, O_FORMAT}, {"host", required_argument, NULL, O_HOST},
        {"output", required_argument, NULL, 'o'},      {"json", no_argument, NULL, O_JSON},
        {"socket", required_argument, NULL, O_SOCKET}, {"connect", required_argument, NULL, O_CONNECT},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT}, {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct eopts o = {.timeout_ms = 30000};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case O_FORMAT: o.format = optarg; break;
        case O_HOST: o.host = optarg; break;
        case 'o': o.out = optarg; break;
        case O_JSON: o.json = true; break;
        case O_SOCKET: o.socket = optarg; break;
        case O_CONNECT: o.connect = optarg; break;
        case O_TIMEOUT: o.timeout_ms = atoi(optarg) > 0 ? atoi(optarg) : 30000; break;
        case 'h':
        default: return usage();
        }
    }
    if (optind + 1 != argc || !o.format || (o.socket && o.connect))
        return usage();
    if (!cm_export_find(o.format)) {
        fprintf(stderr, "cpumodeld export: unknown format '%s' (known: %s)\n", o.format, cm_export_names());
        return CM_EXIT_USAGE;
    }
    const char *model = argv[optind];
    if (daemon_ref(model))
        return export_remote(model, &o);

    cm_error err = {0};
    _cleanup_snapshot_ struct cm_snapshot *ms = NULL;
    _cleanup_snapshot_ struct cm_snapshot *hs = NULL;
    if (cm_snapshot_load(model, &ms, &err) < 0)
        return cli_fail(&err);
    int rc = o.host ? (cm_snapshot_load(o.host, &hs, &err) < 0 ? cli_fail(&err) : 0) : this_host(&o, &hs);
    if (rc)
        return rc;
    struct cm_export e;
    if (cm_export_make(o.format, ms, hs, &e, &err) < 0)
        return cli_fail(&err);
    struct json_object *j = cm_export_to_json(&e);
    rc = render(j, &o);
    json_object_put(j);
    cm_export_free(&e);
    return rc;
}
