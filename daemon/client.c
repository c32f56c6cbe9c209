/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's daemon client: query, models, pin, unpin, reprobe and the
 * socket-backed forms of baseline, compare and plan.
 * Exit codes: 0 ok/compatible, 1 incompatible / not enforceable everywhere /
 * a pinned model no longer runs everywhere, 2 usage or an error reply,
 * 3 the daemon cannot be reached. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"

struct copts {
    const char *socket, *connect, *out, *peers;
    bool json, replace, groups;
    int timeout_ms;
    int fd;
};

enum { O_SOCKET = 1000, O_CONNECT, O_JSON, O_TIMEOUT, O_PEERS, O_REPLACE, O_GROUPS, O_CALL };

static const struct option common_opts[] = {
    {"socket", required_argument, NULL, O_SOCKET},
    {"connect", required_argument, NULL, O_CONNECT},
    {"json", no_argument, NULL, O_JSON},
    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
    {"peers", required_argument, NULL, O_PEERS},
    {"replace", no_argument, NULL, O_REPLACE},
    {"groups", no_argument, NULL, O_GROUPS},
    {"call", no_argument, NULL, O_CALL},
    {"output", required_argument, NULL, 'o'},
    {0},
};

/* Parses the common options; returns the index of the first operand or -1. */
static int parse(int argc, char **argv, struct copts *o, bool *raw_call)
{
    memset(o, 0, sizeof(*o));
    o->timeout_ms = 30000;
    o->fd = -1;
    int opt;
    optind = 1;
    opterr = 1;
    while ((opt = getopt_long(argc, argv, "o:", common_opts, NULL)) != -1) {
        switch (opt) {
        case O_SOCKET: o->socket = optarg; break;
        case O_CONNECT: o->connect = optarg; break;
        case O_JSON: o->json = true; break;
        case O_TIMEOUT: o->timeout_ms = atoi(optarg) > 0 ? atoi(optarg) : 30000; break;
        case O_PEERS: o->peers = optarg; break;
        case O_REPLACE: o->replace = true; break;
        case O_GROUPS: o->groups = true; break;
        case O_CALL:
            if (!raw_call)
                return -1;
            *raw_call = true;
            break;
        case 'o': o->out = optarg; break;
        default: return -1;
        }
    }
    if (o->socket && o->connect) {
        fprintf(stderr, "cpumodeld %s: --socket and --connect exclude each other\n", argv[0]);
        return -1;
    }
    char host[256], port[16];
    if (o->connect && !vl_split_hostport(o->connect, host, sizeof(host), port, sizeof(port))) {
        fprintf(stderr, "cpumodeld %s: --connect: not HOST:PORT with a printable host and a port in 1-65535\n",
                argv[0]);
        return -1;
    }
    return optind;
}

static int open_conn(struct copts *o, const char *cmd)
{
    char why[512];
    const char *addr = o->connect ? o->connect : o->socket ? o->socket : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!o->connect && !strchr(addr, '/')) /* a relative socket path */
        addr = unix_addr = cm_xasprintf("unix:%s", addr);
    o->fd = vl_connect(addr, o->timeout_ms, why, sizeof(why));
    if (o->fd < 0) {
        fprintf(stderr, "cpumodeld %s: cannot reach the daemon: %s\n", cmd, why);
        return CM_EXIT_SYSTEM;
    }
    return 0;
}

/* One call.  Returns the reply parameters (caller puts) or NULL after
 * printing the error; *rc gets the exit code. */
static struct json_object *call(struct copts *o, const char *cmd, const char *method, struct json_object *params,
                                int *rc)
{
    char why[1100];
    struct json_object *r = vl_call_sync(o->fd, method, params, o->timeout_ms, 1u << 30, why, sizeof(why));
    if (!r) {
        fprintf(stderr, "cpumodeld %s: %s: %s\n", cmd, method, why);
        *rc = CM_EXIT_SYSTEM;
        return NULL;
    }
    struct json_object *err, *p = NULL;
    json_object_object_get_ex(r, "parameters", &p);
    if (json_object_object_get_ex(r, "error", &err)) {
        fprintf(stderr, "cpumodeld %s: %s: %s %s\n", cmd, method, json_object_get_string(err),
                p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN) : "");
        json_object_put(r);
        *rc = CM_EXIT_USAGE;
        return NULL;
    }
    p = p ? json_object_get(p) : json_object_new_object();
    json_object_put(r);
    return p;
}

static void print_json(struct json_object *o)
{
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static const char *jstr(struct json_object *o, const char *key, const char *def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return def;
    const char *s = json_object_get_string(v);
    if (json_object_is_type(v, json_type_string) && !cm_str_printable(s)) {
        /* a name a peer chose: shown, never acted on by the terminal */
        _cleanup_free_ char *safe = cm_str_escape(s);
        json_object_set_string(v, safe);
        s = json_object_get_string(v);
    }
    return s;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (o)
        json_object_object_get_ex(o, key, &v);
    return v;
}

static bool jbool(struct json_object *o, const char *key)
{
    struct json_object *v = jget(o, key);
    return v && json_object_get_boolean(v);
}

static struct json_object *peers_param(const char *list)
{
    struct json_object *a = json_object_new_array();
    _cleanup_free_ char *copy = cm_xstrdup(list);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_object_array_add(a, json_object_new_string(t));
    return a;
}

/* ---- human output --------------------------------------------------------- */

static void print_host(struct json_object *h)
{
    printf("This host: %s (%s), kernel %s\n", jstr(h, "name", "?"), jstr(h, "arch", "?"), jstr(h, "kernel", "?"));
    printf("  cpu: %s   source: %s\n", jstr(h, "cpu", "-"), jstr(h, "source", "-"));
    struct json_object *drift = jget(h, "drift"), *changes = jget(drift, "changes");
    if (!jbool(drift, "changed")) {
        printf("  drift: none since the previous snapshot%s%s\n", jget(drift, "since") ? " of " : "",
               jstr(drift, "since", ""));
        struct json_object *last = jget(drift, "last_change"), *lcs = jget(last, "changes");
        if (last && lcs)
            printf("  last change: %zu value(s), seen %s\n", json_object_array_length(lcs), jstr(last, "checked", "?"));
        return;
    }
    size_t n = changes ? json_object_array_length(changes) : 0;
    printf("  drift: %zu value(s) changed since %s\n", n, jstr(drift, "since", "-"));
    for (size_t i = 0; i < n && i < 10; i++) {
        struct json_object *c = json_object_array_get_idx(changes, i);
        printf("    %s: %s -> %s\n", jstr(c, "what", "?"), jstr(c, "old", "(none)"), jstr(c, "new", "(none)"));
    }
    if (n > 10)
        printf("    ... and %zu more\n", n - 10);
}

static void print_members(struct json_object *b)
{
    struct json_object *mem = jget(b, "members");
    size_t n = mem ? json_object_array_length(mem) : 0;
    printf("Cluster baseline: %zu member(s), enforceable everywhere: %s\n", n,
           jbool(b, "enforceable_everywhere") ? "yes" : "no");
    printf("  %-28s %-22s %-8s %-7s %-11s %s\n", "HOST", "ADDRESS", "STATUS", "AGE", "ENFORCEABLE", "NOTE");
    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(mem, i), *e = jget(m, "enforceable");
        char age[32] = "-";
        if (jget(m, "age_s"))
            snprintf(age, sizeof(age), "%.0fs", json_object_get_double(jget(m, "age_s")));
        printf("  %-28s %-22s %-8s %-7s %-11s %s\n", jstr(m, "name", "?"), jstr(m, "address", "?"),
               jstr(m, "status", "?"), age, e ? (json_object_get_boolean(e) ? "yes" : "no") : "-",
               jstr(m, "error", ""));
    }
    struct json_object *groups = jget(jget(b, "baseline"), "groups");
    if (groups && json_object_array_length(groups) > 1)
        printf("  %zu compatibility groups (see --json)\n", json_object_array_length(groups));
}

static void print_pinned(struct json_object *models, struct json_object *pinned)
{
    size_t n = models ? json_object_array_length(models) : 0;
    printf("Pinned models: %zu\n", n);
    if (!n)
        return;
    printf("  %-20s %-4s %-21s %-8s %s\n", "NAME", "GEN", "CREATED", "RUNS", "FAILING HOSTS");
    for (size_t i = 0; i < n; i++) {
        struct json_object *m = json_object_array_get_idx(models, i), *st = NULL;
        for (size_t k = 0; pinned && k < json_object_array_length(pinned); k++) {
            struct json_object *p = json_object_array_get_idx(pinned, k);
            if (!strcmp(jstr(p, "name", ""), jstr(m, "name", "?")))
                st = p;
        }
        struct cm_buf fail = {0};
        struct json_object *fh = jget(st, "failing_hosts");
        for (size_t k = 0; fh && k < json_object_array_length(fh); k++)
            cm_buf_printf(&fail, "%s%s", k ? ", " : "", json_object_get_string(json_object_array_get_idx(fh, k)));
        printf("  %-20s %-4s %-21s %-8s %s\n", jstr(m, "name", "?"), jstr(m, "generation", "?"),
               jstr(m, "created", "?"), st ? (jbool(st, "runs_everywhere") ? "yes" : "NO") : "-",
               fail.s ? fail.s : "");
        cm_buf_free(&fail);
    }
}

static bool any_pinned_failing(struct json_object *pinned)
{
    for (size_t k = 0; pinned && k < json_object_array_length(pinned); k++)
        if (!jbool(json_object_array_get_idx(pinned, k), "runs_everywhere"))
            return true;
    return false;
}

/* ---- commands ------------------------------------------------------------- */

static int usage_err(const char *cmd, const char *usage)
{
    fprintf(stderr, "usage: cpumodeld %s %s [--socket PATH | --connect HOST:PORT] [--timeout-ms N]\n", cmd, usage);
    return CM_EXIT_USAGE;
}

int cmd_query(int argc, char **argv)
{
    struct copts o;
    bool raw = false;
    int first = parse(argc, argv, &o, &raw);
    if (first < 0)
        return usage_err("query", "[--json] [--peers A,B] | --call METHOD [JSON]");
    int rc = open_conn(&o, "query");
    if (rc)
        return rc;
    if (raw) {
        /* a raw Varlink call, for scripts and tests: prints the whole reply */
        if (first >= argc) {
            close(o.fd);
            return usage_err("query", "--call METHOD [JSON]");
        }
        struct json_object *params = NULL;
        if (first + 1 < argc) {
            char why[256];
            params = vl_parse(argv[first + 1], strlen(argv[first + 1]), 64, why, sizeof(why));
            if (!params) {
                fprintf(stderr, "cpumodeld query: parameters: %s\n", why);
                close(o.fd);
                return CM_EXIT_USAGE;
            }
        }
        char why[1100];
        struct json_object *r = vl_call_sync(o.fd, argv[first], params, o.timeout_ms, 1u << 30, why, sizeof(why));
        close(o.fd);
        if (!r) {
            fprintf(stderr, "cpumodeld query: %s\n", why);
            return CM_EXIT_SYSTEM;
        }
        print_json(r);
        rc = jget(r, "error") ? CM_EXIT_USAGE : 0;
        json_object_put(r);
        return rc;
    }
    if (first < argc) {
        close(o.fd);
        return usage_err("query", "[--json]");
    }
    struct json_object *host = call(&o, "query", CMD_IFACE ".GetHost", NULL, &rc);
    struct json_object *bp = json_object_new_object();
    if (o.peers)
        json_object_object_add(bp, "peers", peers_param(o.peers));
    struct json_object *base = host ? call(&o, "query", CMD_IFACE ".GetBaseline", bp, &rc) : NULL;
    if (!host || !base)
        json_object_put(bp);
    struct json_object *models = base ? call(&o, "query", CMD_IFACE ".ListModels", NULL, &rc) : NULL;
    close(o.fd);
    if (!host || !base || !models) {
        json_object_put(host);
        json_object_put(base);
        return rc;
    }
    rc = jbool(base, "enforceable_everywhere") && !any_pinned_failing(jget(base, "pinned")) ? 0
                                                                                              : CM_EXIT_INCOMPATIBLE;
    if (o.json) {
        struct json_object *all = json_object_new_object();
        json_object_object_add(all, "host", json_object_get(jget(host, "host")));
        json_object_object_add(all, "cluster", json_object_get(base));
        json_object_object_add(all, "models", json_object_get(jget(models, "models")));
        print_json(all);
        json_object_put(all);
    } else {
        print_host(jget(host, "host"));
        print_members(base);
        print_pinned(jget(models, "models"), jget(base, "pinned"));
    }
    json_object_put(host);
    json_object_put(base);
    json_object_put(models);
    return rc;
}

int cmd_models(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first < argc)
        return usage_err("models", "[--json]");
    int rc = open_conn(&o, "models");
    if (rc)
        return rc;
    struct json_object *r = call(&o, "models", CMD_IFACE ".ListModels", NULL, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.json)
        print_json(jget(r, "models"));
    else
        print_pinned(jget(r, "models"), NULL);
    json_object_put(r);
    return 0;
}

int cmd_pin(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first + 1 != argc)
        return usage_err("pin", "NAME [--replace] [--peers A,B] [--json]");
    int rc = open_conn(&o, "pin");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(argv[first]));
    if (o.replace)
        json_object_object_add(p, "replace", json_object_new_boolean(1));
    if (o.peers)
        json_object_object_add(p, "peers", peers_param(o.peers));
    struct json_object *r = call(&o, "pin", CMD_IFACE ".PinModel", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.json)
        print_json(r);
    else {
        struct json_object *info = jget(r, "info");
        printf("pinned %s generation %s over %zu host(s)\n", jstr(info, "name", "?"), jstr(info, "generation", "?"),
               jget(info, "members") ? json_object_array_length(jget(info, "members")) : 0);
        struct json_object *unr = jget(r, "unreachable");
        if (unr && json_object_array_length(unr))
            printf("warning: unreachable peers (cached or left out): %s\n",
                   json_object_to_json_string_ext(unr, JSON_C_TO_STRING_PLAIN));
    }
    json_object_put(r);
    return 0;
}

int cmd_unpin(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first + 1 != argc)
        return usage_err("unpin", "NAME");
    int rc = open_conn(&o, "unpin");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(argv[first]));
    struct json_object *r = call(&o, "unpin", CMD_IFACE ".UnpinModel", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    json_object_put(r);
    return 0;
}

int cmd_reprobe(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first != argc)
        return usage_err("reprobe", "[--json]");
    int rc = open_conn(&o, "reprobe");
    if (rc)
        return rc;
    struct json_object *r = call(&o, "reprobe", CMD_IFACE ".Reprobe", NULL, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.json)
        print_json(r);
    else
        print_host(jget(r, "host"));
    json_object_put(r);
    return 0;
}

int cmd_baseline_remote(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0)
        return usage_err("baseline", "[PEER...] [--json] [-o MODEL] [--groups]");
    int rc = open_conn(&o, "baseline");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "groups", json_object_new_boolean(1));
    if (first < argc || o.peers) {
        struct json_object *a = o.peers ? peers_param(o.peers) : json_object_new_array();
        for (int i = first; i < argc; i++)
            json_object_array_add(a, json_object_new_string(argv[i]));
        json_object_object_add(p, "peers", a);
    }
    struct json_object *r = call(&o, "baseline", CMD_IFACE ".GetBaseline", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.out) {
        /* the model alone, loadable again by `plan`/`compare` */
        struct json_object *model = jget(jget(r, "baseline"), "model");
        size_t len;
        const char *text = json_object_to_json_string_length(model, JSON_C_TO_STRING_PRETTY, &len);
        cm_error err = {0};
        if (!model || cmd_write_atomic(o.out, text, len, &err) < 0) {
            fprintf(stderr, "cpumodeld baseline: %s\n", model ? err.msg : "the reply has no model");
            json_object_put(r);
            return CM_EXIT_SYSTEM;
        }
    }
    rc = jbool(r, "enforceable_everywhere") ? 0 : CM_EXIT_INCOMPATIBLE;
    if (o.json)
        print_json(r);
    else {
        print_members(r);
        struct json_object *unr = jget(r, "unreachable");
        if (unr && json_object_array_length(unr))
            printf("unreachable: %s\n", json_object_to_json_string_ext(unr, JSON_C_TO_STRING_PLAIN));
        print_pinned(jget(r, "pinned"), jget(r, "pinned"));
    }
    json_object_put(r);
    return rc;
}

int cmd_compare_remote(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || argc - first < 1 || argc - first > 2)
        return usage_err("compare", "FROM [TO] (FROM: model:NAME or a host name; TO: a host name, default this "
                                    "host) [--json]");
    int rc = open_conn(&o, "compare");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "from", json_object_new_string(argv[first]));
    if (argc - first == 2)
        json_object_object_add(p, "to", json_object_new_string(argv[first + 1]));
    struct json_object *r = call(&o, "compare", CMD_IFACE ".Compare", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    bool ok = jbool(r, "compatible");
    if (o.json)
        print_json(r);
    else {
        printf("%s -> %s: %s\n", argv[first], argc - first == 2 ? argv[first + 1] : "this host",
               ok ? "compatible" : "INCOMPATIBLE");
        struct json_object *rs = jget(r, "reasons");
        for (size_t i = 0; rs && json_object_is_type(rs, json_type_array) && i < json_object_array_length(rs); i++) {
            struct json_object *x = json_object_array_get_idx(rs, i);
            printf("  - [%s] %s\n", jstr(x, "severity", "?"), jstr(x, "text", json_object_to_json_string(x)));
        }
    }
    json_object_put(r);
    return ok ? 0 : CM_EXIT_INCOMPATIBLE;
}

int cmd_plan_remote(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || argc - first > 1)
        return usage_err("plan", "[MODEL] (a pinned model; none: the live cluster baseline) [--json]");
    int rc = open_conn(&o, "plan");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    /* "model:NAME" as `compare` spells it, or the bare NAME */
    const char *name = first < argc ? argv[first] : NULL;
    if (name && !strncmp(name, "model:", 6))
        name += 6;
    if (name)
        json_object_object_add(p, "model", json_object_new_string(name));
    struct json_object *r = call(&o, "plan", CMD_IFACE ".GetPlan", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    bool ok = jbool(r, "ok");
    if (o.json)
        print_json(r);
    else {
        struct json_object *plan = jget(r, "plan"), *w = jget(plan, "writes");
        printf("plan %s -> this host: %s, %zu register write(s)\n", first < argc ? argv[first] : "(cluster baseline)",
               ok ? "enforceable" : "NOT enforceable", w ? json_object_array_length(w) : 0);
        for (size_t i = 0; w && i < json_object_array_length(w); i++) {
            struct json_object *x = json_object_array_get_idx(w, i);
            printf("  %-24s %s -> %s\n", jstr(x, "name", "?"), jstr(x, "old", jstr(x, "old_value", "?")),
                   jstr(x, "new", jstr(x, "new_value", "?")));
        }
    }
    json_object_put(r);
    return ok ? 0 : CM_EXIT_INCOMPATIBLE;
}
