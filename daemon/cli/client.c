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
#include "matrix.h"
#include "cli_util.h"
#include "files.h"
#include "paths.h"
#include "varlink.h"

struct copts {
    const char *socket, *connect, *out, *peers;
    bool json, replace, groups, force, all;
    const char *svg;
    bool boot;        /* compare: a fresh boot's reading (Compare's boot) */
    const char *vmm;  /* compare: restore-all | plan-aware (Compare's vmm) */
    int timeout_ms;
    int fd;
};

enum { O_SOCKET = 1000, O_CONNECT, O_JSON, O_TIMEOUT, O_PEERS, O_REPLACE, O_GROUPS, O_CALL, O_FORCE, O_ALL, O_SVG, O_BOOT, O_VMM };

static const struct option common_opts[] = {
    {"socket", required_argument, NULL, O_SOCKET},
    {"connect", required_argument, NULL, O_CONNECT},
    {"boot", no_argument, NULL, O_BOOT},
    {"vmm", required_argument, NULL, O_VMM},
    {"json", no_argument, NULL, O_JSON},
    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
    {"peers", required_argument, NULL, O_PEERS},
    {"replace", no_argument, NULL, O_REPLACE},
    {"groups", no_argument, NULL, O_GROUPS},
    {"call", no_argument, NULL, O_CALL},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, O_FORCE},
    {"all", no_argument, NULL, O_ALL},
    {"svg", required_argument, NULL, O_SVG},
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
    opterr = 0; /* cli_bad_option says what was wrong, with the nearest option */
    while ((opt = getopt_long(argc, argv, ":o:", common_opts, NULL)) != -1) {
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
        case O_FORCE: o->force = true; break;
        case O_ALL: o->all = true; break;
        case O_SVG: o->svg = optarg; break;
        case O_BOOT: o->boot = true; break;
        case O_VMM: {
            enum cm_restore r;
            if (!cm_restore_parse(optarg, &r)) {
                fprintf(stderr, "cpumodeld %s: --vmm must be restore-all or plan-aware, not '%s'\n", argv[0], optarg);
                return -2;
            }
            o->vmm = optarg;
            break;
        }
        default: cli_bad_option(argv[0], opt, argc, argv, optind, common_opts); return -2;
        }
    }
    /* -o writes the document a command produces; commands that produce none refuse it */
    static const char *const with_out[] = {"baseline", "compare", "plan", "matrix"};
    bool takes_out = false;
    for (size_t i = 0; i < sizeof(with_out) / sizeof(with_out[0]); i++)
        takes_out |= !strcmp(argv[0], with_out[i]);
    if (o->out && !takes_out) {
        fprintf(stderr, "cpumodeld %s: -o is not supported here (it prints a report; --json > FILE keeps it)\n",
                argv[0]);
        return -2;
    }
    /* the daemon judges a boot or another VMM only in Compare: elsewhere the
     * options would be silently ignored, so they are refused */
    if ((o->boot || o->vmm) && strcmp(argv[0], "compare")) {
        fprintf(stderr, "cpumodeld %s: --boot and --vmm go with compare through the daemon (its %s judges "
                        "a migration with a VMM restoring every register); the offline form takes them\n",
                argv[0], argv[0]);
        return -2;
    }
    if (o->socket && o->connect) {
        fprintf(stderr, "cpumodeld %s: --socket and --connect exclude each other\n", argv[0]);
        return -2;
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

static const char *jstr(struct json_object *o, const char *key, const char *def);

/* A Varlink error reply as a sentence for a person (the error names are for programs). */
static char *error_sentence(const char *error, struct json_object *p)
{
    static const struct {
        const char *name, *before, *key, *after; /* the sentence: before, the parameter `key`, after */
    } sentences[] = {
        {CMD_IFACE ".NoSuchModel", "There is no pinned model named '", "name", "' (cpumodeld models lists them)."},
        {CMD_IFACE ".ModelExists", "A model named '", "name", "' is pinned already; --replace makes a new generation."},
        {CMD_IFACE ".NoSuchHost", "No member of the cluster is named '", "name", "'."},
        {CMD_IFACE ".NoSuchPeer", "'", "peer", "' is not one of the configured peers."},
        {CMD_IFACE ".NegotiationFailed", "The negotiation failed: ", "message", ""},
        {CMD_IFACE ".ProbeFailed", "Probing this host's KVM failed: ", "message", ""},
        {CMD_IFACE ".ExportFailed", "The export failed: ", "message", ""},
        {CMD_IFACE ".RegistryUnreachable", "The cluster registry (etcd) cannot be reached, so nothing can be "
                                           "changed now: ", "message", ""},
        {CMD_IFACE ".StateError", "The daemon could not read or write its state: ", "message", ""},
        {CMD_IFACE ".InvalidMessage", "The daemon refused the request: ", "reason", ""},
        {CMD_IFACE ".PermissionDenied", "Permission denied: ", "reason", ""},
        {"org.varlink.service.MethodNotFound", "The daemon does not know the method ", "method", " (an older version?)."},
        {"org.varlink.service.InvalidParameter", "The daemon refused the parameter '", "parameter", "'."},
    };
    for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++)
        if (!strcmp(error, sentences[i].name))
            return cm_xasprintf("%s%s%s", sentences[i].before, jstr(p, sentences[i].key, "?"), sentences[i].after);
    return cm_xasprintf("The daemon answered with the error %s %s", error,
                        p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN) : "");
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
        _cleanup_free_ char *text = error_sentence(json_object_get_string(err), p);
        fprintf(stderr, "cpumodeld %s: %s\n", cmd, text);
        /* no quorum behind the registry: a system condition, not bad input */
        *rc = !strcmp(json_object_get_string(err), CMD_IFACE ".RegistryUnreachable") ? CM_EXIT_SYSTEM : CM_EXIT_USAGE;
        json_object_put(r);
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

/* Members that did not answer and have no cached snapshot: the baseline says nothing about them. */
static size_t count_status(struct json_object *b, const char *status)
{
    struct json_object *mem = jget(b, "members");
    size_t k = 0;
    for (size_t i = 0; mem && i < json_object_array_length(mem); i++)
        k += !strcmp(jstr(json_object_array_get_idx(mem, i), "status", ""), status);
    return k;
}

/* The headline never claims more than the answers show: on how many of how many hosts. */
static void print_members(struct json_object *b)
{
    struct json_object *mem = jget(b, "members");
    size_t n = mem ? json_object_array_length(mem) : 0;
    size_t missing = count_status(b, "missing"), cached = count_status(b, "cached");
    bool ee = jbool(b, "enforceable_everywhere");
    printf("Cluster baseline over %zu of %zu host(s)", n - missing, n);
    if (cached)
        printf(" (%zu from cache)", cached);
    if (missing)
        printf(": %s%s%s on those %zu; %zu host(s) did not answer and are not covered\n",
               cli_color(stdout, ee ? CLI_GREEN : CLI_RED), ee ? "enforceable" : "NOT enforceable",
               cli_color(stdout, CLI_OFF), n - missing, missing);
    else
        printf(": %s%s%s\n", cli_color(stdout, ee ? CLI_GREEN : CLI_RED),
               ee ? "enforceable everywhere" : "NOT enforceable everywhere", cli_color(stdout, CLI_OFF));
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
    struct json_object *reg = jget(b, "registry");
    if (reg && !jbool(reg, "reachable"))
        printf("Registry: %s unreachable since %s (%s): answers from the last view (revision %s), pins refused\n",
               jstr(reg, "backend", "?"), jstr(reg, "unreachable_since", "?"), jstr(reg, "error", "?"),
               jstr(reg, "revision", "?"));
    else if (reg)
        printf("Registry: %s at %s, revision %s, %s host(s), %s live\n", jstr(reg, "backend", "?"),
               jstr(reg, "endpoint", "?"), jstr(reg, "revision", "?"), jstr(reg, "hosts", "?"), jstr(reg, "live", "?"));
}

static void print_pinned(struct json_object *models, struct json_object *pinned)
{
    size_t n = models ? json_object_array_length(models) : 0;
    printf("Pinned models: %zu\n", n);
    if (!n)
        return;
    printf("  %-20s %-4s %-19s %-21s %-8s %s\n", "NAME", "GEN", "DIGEST", "CREATED", "RUNS", "FAILING HOSTS");
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
        printf("  %-20s %-4s %-19.19s %-21s %-8s %s\n", jstr(m, "name", "?"), jstr(m, "generation", "?"),
               jstr(m, "digest", "?"), jstr(m, "created", "?"), st ? (jbool(st, "runs_everywhere") ? "yes" : "NO") : "-",
               fail.s ? fail.s : "");
        cm_buf_free(&fail);
    }
}

/* One name and generation, two contents: print both sides. */
static void print_conflicts(struct json_object *conflicts)
{
    size_t n = conflicts ? json_object_array_length(conflicts) : 0;
    if (!n)
        return;
    printf("MODEL CONFLICTS: %zu (same name and generation, different content: not the same model)\n", n);
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conflicts, i);
        printf("  %s generation %s: here %s, on %s (%s) %s\n", jstr(c, "name", "?"), jstr(c, "generation", "?"),
               jstr(c, "digest", "?"), jstr(c, "peer_host", "?"), jstr(c, "peer", "?"), jstr(c, "peer_digest", "?"));
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

/* `first` is parse()'s result: -2 when the option error was reported already. */
static int usage_err(int first, const char *cmd, const char *usage)
{
    (void)usage; /* the help text in main.c is the one synopsis */
    if (first != -2)
        cli_usage(cmd);
    return CM_EXIT_USAGE;
}

int cmd_query(int argc, char **argv)
{
    struct copts o;
    bool raw = false;
    int first = parse(argc, argv, &o, &raw);
    if (first < 0)
        return usage_err(first, "query", "[--json] [--peers A,B] | --call METHOD [JSON]");
    int rc = open_conn(&o, "query");
    if (rc)
        return rc;
    if (raw) {
        /* a raw Varlink call, for scripts and tests: prints the whole reply */
        if (first >= argc) {
            close(o.fd);
            return usage_err(first, "query", "--call METHOD [JSON]");
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
        return usage_err(first, "query", "[--json]");
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
    struct json_object *conflicts = jget(base, "model_conflicts");
    rc = jbool(base, "enforceable_everywhere") && !any_pinned_failing(jget(base, "pinned")) &&
                 !count_status(base, "missing") && !(conflicts && json_object_array_length(conflicts))
             ? 0
             : CM_EXIT_INCOMPATIBLE;
    if (o.json) {
        struct json_object *all = cli_json_doc("query");
        json_object_object_add(all, "host", json_object_get(jget(host, "host")));
        json_object_object_add(all, "cluster", json_object_get(base));
        json_object_object_add(all, "models", json_object_get(jget(models, "models")));
        print_json(all);
        json_object_put(all);
    } else {
        /* the verdict first: the cluster's headline and members, then this host */
        print_members(base);
        print_host(jget(host, "host"));
        print_pinned(jget(models, "models"), jget(base, "pinned"));
        print_conflicts(conflicts);
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
    if (first < 0 || first + 1 < argc)
        return usage_err(first, "models", "[NAME|sha256:DIGEST] [--json]");
    int rc = open_conn(&o, "models");
    if (rc)
        return rc;
    if (first < argc) {
        /* one model, by name or by content */
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string(argv[first]));
        struct json_object *r = call(&o, "models", CMD_IFACE ".GetModel", p, &rc);
        close(o.fd);
        if (!r)
            return rc;
        if (o.json)
            print_json(r);
        else {
            struct json_object *a = json_object_new_array();
            json_object_array_add(a, json_object_get(jget(r, "info")));
            print_pinned(a, NULL);
            json_object_put(a);
        }
        json_object_put(r);
        return 0;
    }
    struct json_object *r = call(&o, "models", CMD_IFACE ".ListModels", NULL, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.json) {
        struct json_object *doc = cli_json_doc("models");
        json_object_object_add(doc, "models", json_object_get(jget(r, "models")));
        print_json(doc);
        json_object_put(doc);
    } else {
        print_pinned(jget(r, "models"), NULL);
    }
    json_object_put(r);
    return 0;
}

/* A pin is refused while a member that answered cannot run the baseline it would store: the
 * model would be pinned for hosts it does not fit.  Asked just before PinModel; --force skips it. */
static int pin_check(struct copts *o, const char *name)
{
    int rc = 0;
    struct json_object *bp = json_object_new_object();
    json_object_object_add(bp, "groups", json_object_new_boolean(0));
    if (o->peers)
        json_object_object_add(bp, "peers", peers_param(o->peers));
    struct json_object *b = call(o, "pin", CMD_IFACE ".GetBaseline", bp, &rc);
    if (!b)
        return rc;
    struct json_object *mem = jget(b, "members");
    struct cm_buf bad = {0};
    size_t nbad = 0;
    for (size_t i = 0; mem && i < json_object_array_length(mem); i++) {
        struct json_object *m = json_object_array_get_idx(mem, i), *e = jget(m, "enforceable");
        const char *st = jstr(m, "status", "");
        if ((!strcmp(st, "self") || !strcmp(st, "live")) && e && !json_object_get_boolean(e))
            cm_buf_printf(&bad, "%s%s", nbad++ ? ", " : "", jstr(m, "name", "?"));
    }
    if (nbad) {
        fprintf(stderr,
                "cpumodeld pin: not pinning '%s': %zu live host(s) cannot run the cluster baseline: %s.\n"
                "Pin a group they share with --peers, or pin anyway with --force.\n",
                name, nbad, bad.s);
        rc = CM_EXIT_INCOMPATIBLE;
    }
    cm_buf_free(&bad);
    json_object_put(b);
    return rc;
}

int cmd_pin(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first + 1 != argc)
        return usage_err(first, "pin", "NAME [--replace] [--peers A,B] [--json]");
    int rc = open_conn(&o, "pin");
    if (rc)
        return rc;
    if (!o.force) {
        rc = pin_check(&o, argv[first]);
        if (rc) {
            close(o.fd);
            return rc;
        }
    }
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
    if (o.json) {
        r = cli_json_wrap("cluster-pin", r);
        print_json(r);
    }
    else {
        struct json_object *info = jget(r, "info");
        printf("pinned %s generation %s over %zu host(s), digest %s\n", jstr(info, "name", "?"),
               jstr(info, "generation", "?"), jget(info, "members") ? json_object_array_length(jget(info, "members")) : 0,
               jstr(info, "digest", "?"));
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
        return usage_err(first, "unpin", "NAME");
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

int cmd_forget(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first + 1 != argc)
        return usage_err(first, "forget", "HOST");
    int rc = open_conn(&o, "forget");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(argv[first]));
    struct json_object *r = call(&o, "forget", CMD_IFACE ".ForgetHost", p, &rc);
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
        return usage_err(first, "reprobe", "[--json]");
    int rc = open_conn(&o, "reprobe");
    if (rc)
        return rc;
    struct json_object *r = call(&o, "reprobe", CMD_IFACE ".Reprobe", NULL, &rc);
    close(o.fd);
    if (!r)
        return rc;
    if (o.json) {
        r = cli_json_wrap("reprobe", r);
        print_json(r);
    }
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
        return usage_err(first, "baseline", "[PEER...] [--json] [-o MODEL] [--groups]");
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
    rc = jbool(r, "enforceable_everywhere") && !count_status(r, "missing") ? 0 : CM_EXIT_INCOMPATIBLE;
    if (o.json) {
        r = cli_json_wrap("cluster-baseline", r);
        print_json(r);
    } else {
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
        return usage_err(first, "compare", "FROM [TO] (FROM: model:NAME or a host name; TO: a host name, default this "
                                    "host) [--json]");
    int rc = open_conn(&o, "compare");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "from", json_object_new_string(argv[first]));
    if (argc - first == 2)
        json_object_object_add(p, "to", json_object_new_string(argv[first + 1]));
    if (o.boot)
        json_object_object_add(p, "boot", json_object_new_boolean(1));
    if (o.vmm)
        json_object_object_add(p, "vmm", json_object_new_string(o.vmm));
    struct json_object *r = call(&o, "compare", CMD_IFACE ".Compare", p, &rc);
    close(o.fd);
    if (!r)
        return rc;
    bool ok = jbool(r, "compatible");
    r = cli_json_wrap("cluster-compare", r);
    if (o.json)
        print_json(r);
    else {
        printf("%s -> %s: %s%s%s\n", argv[first], argc - first == 2 ? argv[first + 1] : "this host",
               cli_color(stdout, ok ? CLI_GREEN : CLI_RED), ok ? "COMPATIBLE" : "INCOMPATIBLE",
               cli_color(stdout, CLI_OFF));
        struct json_object *rs = jget(r, "reasons");
        size_t n = rs && json_object_is_type(rs, json_type_array) ? json_object_array_length(rs) : 0;
        for (size_t i = 0; i < n && (o.all || i < 40); i++) {
            struct json_object *x = json_object_array_get_idx(rs, i);
            _cleanup_free_ char *lead = cm_xasprintf("  %s: ", jstr(x, "severity", "?"));
            cli_print_wrapped(stdout, lead, "      ", jstr(x, "text", json_object_to_json_string(x)), CLI_WIDTH);
        }
        if (n > 40 && !o.all)
            printf("  ... and %zu more (--all or --json for all)\n", n - 40);
    }
    rc = o.out ? cli_write_json("compare", o.out, r) : 0;
    json_object_put(r);
    return rc ? rc : ok ? 0 : CM_EXIT_INCOMPATIBLE;
}

int cmd_plan_remote(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || argc - first > 1)
        return usage_err(first, "plan", "[MODEL] (a pinned model; none: the live cluster baseline) [--json]");
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
    r = cli_json_wrap("cluster-plan", r);
    if (o.json)
        print_json(r);
    else {
        /* the offline plan's layout and names (cli_offline.c print_plan_human) */
        struct json_object *plan = jget(r, "plan"), *w = jget(plan, "writes");
        size_t nw = w ? json_object_array_length(w) : 0;
        printf("Plan: restrict %s to model %s — %s%s%s\n", jstr(plan, "host", "this host"),
               jstr(plan, "model", first < argc ? argv[first] : "(cluster baseline)"),
               cli_color(stdout, ok ? CLI_GREEN : CLI_RED), ok ? "enforceable" : "NOT enforceable (see reasons)",
               cli_color(stdout, CLI_OFF));
        printf("\nRegister writes before the first KVM_RUN, in this order:\n");
        if (!nw)
            printf("   (none: the host already presents the model)\n");
        for (size_t i = 0; i < nw; i++) {
            struct json_object *x = json_object_array_get_idx(w, i);
            printf("  %3zu  %-24s %-18s  %s -> %s  (%s)\n", i + 1, jstr(x, "name", "?"), jstr(x, "id", "?"),
                   jstr(x, "old", "?"), jstr(x, "new", "?"), jstr(x, "why", ""));
        }
        struct json_object *rs = jget(plan, "reasons");
        size_t n = rs && json_object_is_type(rs, json_type_array) ? json_object_array_length(rs) : 0;
        if (n)
            printf("\nReasons:\n");
        for (size_t i = 0; i < n && i < 40; i++) {
            struct json_object *x = json_object_array_get_idx(rs, i);
            _cleanup_free_ char *lead = cm_xasprintf("  %s: ", jstr(x, "severity", "?"));
            cli_print_wrapped(stdout, lead, "      ", jstr(x, "text", "?"), CLI_WIDTH);
        }
    }
    rc = o.out ? cli_write_json("plan", o.out, r) : 0;
    json_object_put(r);
    return rc ? rc : ok ? 0 : CM_EXIT_INCOMPATIBLE;
}

static int by_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The matrix over the daemon's cluster: the members that answered (or are cached), in the
 * baseline's groups, each pair asked with Compare (the daemon's own comparison). */
int cmd_matrix_remote(int argc, char **argv)
{
    struct copts o;
    int first = parse(argc, argv, &o, NULL);
    if (first < 0 || first != argc)
        return usage_err(first, "matrix", "");
    int rc = open_conn(&o, "matrix");
    if (rc)
        return rc;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "groups", json_object_new_boolean(1));
    if (o.peers)
        json_object_object_add(p, "peers", peers_param(o.peers));
    struct json_object *b = call(&o, "matrix", CMD_IFACE ".GetBaseline", p, &rc);
    if (!b) {
        close(o.fd);
        return rc;
    }
    struct json_object *mem = jget(b, "members"), *base = jget(b, "baseline"), *groups = jget(base, "groups");
    const char *arch = jstr(jget(base, "model"), "arch", "?");
    size_t nm = mem ? json_object_array_length(mem) : 0, n = 0;
    size_t ng = groups && json_object_array_length(groups) ? json_object_array_length(groups) : 1;
    struct cm_buf missing = {0};
    for (size_t i = 0; i < nm; i++) {
        struct json_object *x = json_object_array_get_idx(mem, i);
        if (!strcmp(jstr(x, "status", ""), "missing"))
            cm_buf_printf(&missing, "%s%s", missing.s ? ", " : "", jstr(x, "address", "?"));
        else
            n++;
    }
    struct matrix m;
    matrix_init(&m, n, ng);
    m.missing = missing.s;
    for (size_t g = 0; g < ng; g++) {
        m.groups[g].arch = cm_xstrdup(arch);
        struct json_object *why = jget(json_object_array_get_idx(groups, g), "why");
        m.groups[g].why = why ? cm_xstrdup(json_object_get_string(why)) : NULL;
    }
    /* hosts in group order (the baseline's), then any member no group lists */
    size_t k = 0;
    for (size_t g = 0; groups && g < json_object_array_length(groups); g++) {
        struct json_object *hs = jget(json_object_array_get_idx(groups, g), "hosts");
        for (size_t i = 0; hs && i < json_object_array_length(hs) && k < n; i++) {
            m.group[k] = g;
            m.names[k++] = cm_xstrdup(json_object_get_string(json_object_array_get_idx(hs, i)));
        }
    }
    for (size_t i = 0; i < nm && k < n; i++) {
        struct json_object *x = json_object_array_get_idx(mem, i);
        const char *name = jstr(x, "name", "?");
        bool listed = false;
        for (size_t j = 0; j < k; j++)
            listed |= !strcmp(m.names[j], name);
        if (!listed && strcmp(jstr(x, "status", ""), "missing")) {
            m.group[k] = 0;
            m.names[k++] = cm_xstrdup(name);
        }
    }
    /* members no group lists (one model fits all: no groups) in name order, as the offline matrix */
    size_t grouped = 0;
    for (size_t g = 0; groups && g < json_object_array_length(groups); g++) {
        struct json_object *hs = jget(json_object_array_get_idx(groups, g), "hosts");
        grouped += hs ? json_object_array_length(hs) : 0;
    }
    json_object_put(b);
    if (grouped < k)
        qsort(m.names + grouped, k - grouped, sizeof(*m.names), by_strcmp);
    for (size_t i = 0; i < n && !rc; i++)
        for (size_t j = 0; j < n && !rc; j++) {
            struct json_object *cp = json_object_new_object();
            json_object_object_add(cp, "from", json_object_new_string(m.names[i]));
            json_object_object_add(cp, "to", json_object_new_string(m.names[j]));
            struct json_object *r = call(&o, "matrix", CMD_IFACE ".Compare", cp, &rc);
            if (!r)
                break;
            struct json_object *rs = jget(r, "reasons"), *firsterr = NULL;
            for (size_t x = 0; rs && json_object_is_type(rs, json_type_array) && x < json_object_array_length(rs) &&
                               !firsterr;
                 x++)
                if (!strcmp(jstr(json_object_array_get_idx(rs, x), "severity", ""), "error"))
                    firsterr = json_object_array_get_idx(rs, x);
            matrix_set(&m, i, j, jbool(r, "compatible"), jstr(firsterr, "register", "?"), jstr(firsterr, "field", NULL),
                       jstr(firsterr, "text", "incompatible"));
            json_object_put(r);
        }
    close(o.fd);
    if (!rc)
        rc = matrix_emit(&m, o.json, o.out, o.svg);
    matrix_free(&m);
    return rc;
}
