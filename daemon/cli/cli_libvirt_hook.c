/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cpumodeld libvirt-hook DOM OPERATION SUBOPERATION EXTRA`: a libvirt qemu
 * hook (installed as /etc/libvirt/hooks/qemu.d/cpumodeld, see
 * conf/libvirt-qemu-hook and docs/libvirt.md) that vetoes an incoming live
 * migration when this host cannot run the pinned CPU model the guest was set
 * up for.
 *
 * Only `DOM migrate begin -` is acted on: libvirt sends it on the destination
 * with the migratable domain XML on stdin, before QEMU starts.  Every other
 * operation passes with exit 0, no output, stdin unread.
 *
 * The guest names its model in the domain metadata:
 *   <metadata>
 *     <cpumodeld:model xmlns:cpumodeld="https://cpumodeld.invalid/xmlns/1"
 *                      name="prod" generation="2"/>
 *   </metadata>
 * No such element: not our guest, exit 0 silently.  Otherwise the local
 * daemon is asked GetPlan(model: NAME) (can this host impose it?) and
 * ListModels (the generation pinned here).
 *
 * Nothing is ever written to stdout: libvirt would take it as a replacement
 * domain XML.  Exit codes (any non-zero vetoes; the stderr line ends up in
 * virsh's error):
 *   0 allowed / not our guest / not our operation
 *   1 this host cannot run the model, it is not pinned here, or the pinned
 *     generation differs
 *   2 usage or input error (malformed XML, malformed metadata)
 *   3 the daemon cannot be asked and CPUMODELD_HOOK_STRICT is not 0
 * Environment (set it in the hook wrapper: libvirtd passes hooks only PATH
 * and a few others): CPUMODELD_SOCKET (default /run/cpumodeld/io.cpumodeld),
 * CPUMODELD_HOOK_STRICT (default 1), CPUMODELD_HOOK_TIMEOUT_MS (default 10000).
 */
#include <errno.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "paths.h"
#include "varlink.h"
#include "libvirt_cpu.h"
#include "libvirt_export.h"

#define HOOK_NS "https://cpumodeld.invalid/xmlns/1"
#define HOOK_MAX_XML (16u << 20)
#define HOOK_MAX_REASONS 3

struct hook_ref {
    char *name;
    long generation; /* 0: not given, any generation */
    char *digest;    /* NULL: not given */
};

/* The guest's CPU as the domain XML defines it. */
struct hook_guest {
    char *mode; /* libvirt's <cpu mode>: custom, host-model, host-passthrough, maximum */
    char *arch; /* <os><type arch> */
    struct lv_guest_cpu cpu;
};

/* ---- the domain XML ------------------------------------------------------- */

/* Reads all of stdin (bounded).  NULL with *why on error. */
static char *read_stdin(size_t *len, char *why, size_t whylen)
{
    size_t cap = 65536, n = 0;
    char *buf = cm_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= HOOK_MAX_XML) {
                snprintf(why, whylen, "the domain XML on stdin is larger than %u bytes", HOOK_MAX_XML);
                free(buf);
                return NULL;
            }
            cap *= 2;
            buf = cm_xrealloc(buf, cap + 1);
        }
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, whylen, "reading the domain XML from stdin: %s", strerror(errno));
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Finds /domain/metadata/cpumodeld:model and reads /domain/cpu.  Returns 0
 * (*ref->name NULL when the guest has no label), -1 (malformed, *why). */
static int read_domain(const char *xml, size_t len, struct hook_ref *ref, struct hook_guest *g, char *why,
                       size_t whylen)
{
    /* NONET and no entity substitution or DTD loading: the XML is data */
    xmlDoc *doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                      XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[256] = "not well-formed";
        if (e && e->message) {
            snprintf(msg, sizeof(msg), "%s", e->message);
            msg[strcspn(msg, "\n")] = '\0';
        }
        snprintf(why, whylen, "the domain XML on stdin is malformed (line %d): %s", e ? e->line : 0, msg);
        return -1;
    }
    int rc = 0;
    xmlNode *root = xmlDocGetRootElement(doc), *cpu = NULL;
    if (!root || !is_elem(root, "domain")) {
        snprintf(why, whylen, "the XML on stdin is not a libvirt domain (root element <%s>)",
                 root ? (const char *)root->name : "none");
        rc = -1;
        goto out;
    }
    for (xmlNode *md = root->children; md; md = md->next) {
        if (is_elem(md, "cpu"))
            cpu = md;
        if (is_elem(md, "os"))
            for (xmlNode *t = md->children; t; t = t->next)
                if (is_elem(t, "type")) {
                    xmlChar *arch = xmlGetNoNsProp(t, (const xmlChar *)"arch");
                    free(g->arch);
                    g->arch = cm_xstrdup(arch ? (const char *)arch : NULL);
                    xmlFree(arch);
                }
        if (!is_elem(md, "metadata"))
            continue;
        for (xmlNode *m = md->children; m; m = m->next) {
            if (!is_elem(m, "model") || !m->ns || !m->ns->href || strcmp((const char *)m->ns->href, HOOK_NS))
                continue;
            if (ref->name) {
                snprintf(why, whylen, "the domain metadata has more than one <model xmlns=\"%s\"> element", HOOK_NS);
                rc = -1;
                goto out;
            }
            xmlChar *name = xmlGetNoNsProp(m, (const xmlChar *)"name");
            xmlChar *gen = xmlGetNoNsProp(m, (const xmlChar *)"generation");
            xmlChar *dig = xmlGetNoNsProp(m, (const xmlChar *)"digest");
            char *end = NULL;
            long gn = 0;
            if (gen) {
                errno = 0;
                gn = strtol((const char *)gen, &end, 10);
            }
            if (!name || !*name) {
                snprintf(why, whylen, "the cpumodeld model element in the domain metadata has no name attribute");
                rc = -1;
            } else if (gen && (!*gen || *end || errno || gn < 1)) {
                snprintf(why, whylen, "the cpumodeld model element has a bad generation \"%.40s\" (a positive integer)",
                         (const char *)gen);
                rc = -1;
            } else if (dig && (strncmp((const char *)dig, "sha256:", 7) || strlen((const char *)dig) != 71)) {
                snprintf(why, whylen, "the cpumodeld model element has a bad digest \"%.80s\" (sha256:<64 hex>)",
                         (const char *)dig);
                rc = -1;
            } else {
                ref->name = cm_xstrdup((const char *)name);
                ref->generation = gn;
                ref->digest = cm_xstrdup((const char *)dig);
            }
            xmlFree(name);
            xmlFree(gen);
            xmlFree(dig);
            if (rc < 0)
                goto out;
        }
    }
    if (lv_guest_cpu_parse(cpu, &g->mode, &g->cpu, why, whylen) < 0)
        rc = -1;
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- asking the daemon ---------------------------------------------------- */

struct hook_conn {
    int fd, timeout_ms;
    char why[1100];
};

/* One call: 1 and *reply (the parameters), 0 and *err_name (a Varlink
 * error; *reply = its parameters), -1 when the daemon cannot be asked. */
struct hook_ctx {
    const char *dom, *op, *addr;
    const struct hook_ref *ref;
    struct hook_guest *g;
    struct hook_conn c;
    char self[256];
};

static int ask(struct hook_conn *c, const char *method, struct json_object *params, struct json_object **reply,
               char **err_name)
{
    *reply = NULL;
    *err_name = NULL;
    struct json_object *r = vl_call_sync(c->fd, method, params, c->timeout_ms, 64u << 20, c->why, sizeof(c->why));
    if (!r)
        return -1;
    struct json_object *p = NULL, *e = NULL;
    json_object_object_get_ex(r, "parameters", &p);
    *reply = p ? json_object_get(p) : json_object_new_object();
    int rc = 1;
    if (json_object_object_get_ex(r, "error", &e)) {
        *err_name = cm_xstrdup(json_object_get_string(e));
        rc = 0;
    }
    json_object_put(r);
    return rc;
}

static const char *jstr(struct json_object *o, const char *key, const char *def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v)
        return def;
    return json_object_get_string(v);
}

/* The first blocking reasons of a plan, "; "-separated, with a count of the rest. */
static char *blocking_reasons(struct json_object *plan, const char *lists_them)
{
    struct json_object *rs = NULL;
    json_object_object_get_ex(plan, "reasons", &rs);
    size_t n = rs && json_object_is_type(rs, json_type_array) ? json_object_array_length(rs) : 0;
    struct cm_buf b = {0};
    size_t shown = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *x = json_object_array_get_idx(rs, i);
        if (strcmp(jstr(x, "severity", "error"), "error"))
            continue;
        errors++;
        if (shown < HOOK_MAX_REASONS)
            cm_buf_printf(&b, "%s%s", shown++ ? "; " : "", jstr(x, "text", "(no text)"));
    }
    if (errors > shown)
        cm_buf_printf(&b, " (+%zu more: %s lists them)", errors - shown, lists_them);
    if (!errors)
        cm_buf_printf(&b, "the plan is not enforceable (no reason given)");
    return cm_buf_steal(&b);
}

static bool env_strict(void)
{
    const char *s = getenv("CPUMODELD_HOOK_STRICT");
    return !(s && !strcmp(s, "0")); /* anything but 0 keeps the safe default */
}

static int env_timeout_ms(void)
{
    const char *s = getenv("CPUMODELD_HOOK_TIMEOUT_MS");
    int t = s ? atoi(s) : 0;
    return t > 0 ? t : 10000;
}

/* The daemon could not be asked: the documented policy (docs/libvirt.md). */
static int unreachable(const struct hook_ctx *h, const char *why)
{
    _cleanup_free_ char *what = h->ref->name ? cm_xasprintf("pinned model '%s'", h->ref->name)
                                             : cm_xasprintf("the guest's CPU");
    if (env_strict()) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: cannot check %s on this host: the cpumodeld daemon at %s cannot be "
                "asked (%s); CPUMODELD_HOOK_STRICT=0 in the hook allows it\n",
                h->op, h->dom, what, h->addr, why);
        return CM_EXIT_SYSTEM;
    }
    fprintf(stderr,
            "cpumodeld: warning: allowing %s of %s UNCHECKED (CPUMODELD_HOOK_STRICT=0): %s, the cpumodeld daemon at "
            "%s cannot be asked (%s)\n",
            h->op, h->dom, what, h->addr, why);
    return CM_EXIT_OK;
}

/* Asks; on "cannot be asked" returns the policy's exit code in *rc and NULL. */
static struct json_object *ask_or_policy(struct hook_ctx *h, const char *method, struct json_object *params,
                                         char **err, int *rc)
{
    struct json_object *reply = NULL;
    int r = ask(&h->c, method, params, &reply, err);
    if (r < 0) {
        *rc = unreachable(h, h->c.why);
        return NULL;
    }
    return reply;
}

/* The label: this host can impose the pinned model, at the guest's generation. */
static int check_label(struct hook_ctx *h)
{
    const struct hook_ref *ref = h->ref;
    int rc = CM_EXIT_OK;
    struct json_object *params = json_object_new_object(), *plan = NULL, *models = NULL;
    json_object_object_add(params, "model", json_object_new_string(ref->name));
    _cleanup_free_ char *err = NULL, *err2 = NULL;
    if (!(plan = ask_or_policy(h, CMD_IFACE ".GetPlan", params, &err, &rc)))
        return rc;
    if (err) {
        if (!strcmp(err, CMD_IFACE ".NoSuchModel"))
            fprintf(stderr, "cpumodeld: vetoing %s of %s: model '%s' is not pinned on %s (cpumodeld models)\n", h->op,
                    h->dom, ref->name, h->self);
        else
            fprintf(stderr, "cpumodeld: vetoing %s of %s: %s cannot plan model '%s': %s %s\n", h->op, h->dom, h->self,
                    ref->name, err, json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN));
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    struct json_object *p = NULL, *ok = NULL;
    json_object_object_get_ex(plan, "plan", &p);
    json_object_object_get_ex(plan, "ok", &ok);
    const char *host = jstr(p, "host", h->self);
    if (!ok || !json_object_get_boolean(ok)) {
        _cleanup_free_ char *why = blocking_reasons(p, "cpumodeld plan MODEL");
        fprintf(stderr, "cpumodeld: vetoing %s of %s: host %s cannot run pinned model '%s': %s\n", h->op, h->dom, host,
                ref->name, why);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    if (!ref->generation)
        goto out;
    /* the generation pinned here must be the guest's */
    if (!(models = ask_or_policy(h, CMD_IFACE ".ListModels", NULL, &err2, &rc)))
        goto out;
    long here = 0;
    struct json_object *list = NULL;
    if (!err2 && json_object_object_get_ex(models, "models", &list) && json_object_is_type(list, json_type_array))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            struct json_object *m = json_object_array_get_idx(list, i), *g = NULL;
            if (!strcmp(jstr(m, "name", ""), ref->name) && json_object_object_get_ex(m, "generation", &g))
                here = json_object_get_int64(g);
        }
    if (here != ref->generation) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: host %s pins model '%s' at generation %ld, the guest was set up "
                "for generation %ld\n",
                h->op, h->dom, host, ref->name, here, ref->generation);
        rc = CM_EXIT_INCOMPATIBLE;
    }
out:
    json_object_put(plan);
    json_object_put(models);
    return rc;
}

/* "libvirt model Cooperlake +10 -8 features" */
static char *describe_custom(const struct lv_guest_cpu *c)
{
    return cm_xasprintf("libvirt model %s +%zu -%zu features", c->model ? c->model : "(none)",
                        c->require.n + c->optional.n, c->disable.n + c->forbid.n);
}

/* The label names the guest's actual CPU: the model's libvirt export expands
 * to the same feature set as the guest's <cpu>. */
static int check_label_is_guest(struct hook_ctx *h, const struct lv_names *guest)
{
    int rc = CM_EXIT_OK;
    struct json_object *params = json_object_new_object(), *got = NULL;
    json_object_object_add(params, "name", json_object_new_string(h->ref->name));
    _cleanup_free_ char *err = NULL;
    if (!(got = ask_or_policy(h, CMD_IFACE ".GetModel", params, &err, &rc)))
        return rc;
    struct json_object *mj = NULL, *dg = NULL, *info = NULL;
    json_object_object_get_ex(got, "model", &mj);
    json_object_object_get_ex(got, "info", &info);
    if (!json_object_object_get_ex(info, "digest", &dg))
        json_object_object_get_ex(mj, "digest", &dg);
    _cleanup_free_ char *label = dg ? cm_xasprintf("'%s' (%s)", h->ref->name, json_object_get_string(dg))
                                    : cm_xasprintf("'%s'", h->ref->name);
    /* one name and generation, two contents: never the same model */
    if (!err && h->ref->digest && (!dg || strcmp(h->ref->digest, json_object_get_string(dg)))) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: the guest was set up for model '%s' %s, host %s pins '%s' as %s: a "
                "different model under the same name\n",
                h->op, h->dom, h->ref->name, h->ref->digest, h->self, h->ref->name,
                dg ? json_object_get_string(dg) : "(no digest)");
        json_object_put(got);
        return CM_EXIT_INCOMPATIBLE;
    }
    _cleanup_snapshot_ struct cm_snapshot *model = NULL;
    _cleanup_free_ char *gdesc = NULL;
    _cleanup_names_ struct lv_names need = {0}, extra = {0}, missing = {0};
    cm_error e = {0};
    if (err || cm_snapshot_from_any_json(mj, h->ref->name, &model, &e) < 0) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: the daemon cannot give pinned model %s: %s\n", h->op, h->dom,
                label, err ? err : e.msg);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    if (strcmp(h->g->mode, "custom")) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: the label says model %s, but the guest's CPU is %s (the source host's "
                "CPU, not the model)\n",
                h->op, h->dom, label, h->g->mode);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    if (lv_model_guest_features(model, &need, NULL, NULL, &e) < 0) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: cannot express label model %s for libvirt: %s\n", h->op, h->dom,
                label, e.msg);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    lv_names_minus(guest, &need, &extra);
    lv_names_minus(&need, guest, &missing);
    if (extra.n || missing.n) {
        _cleanup_free_ char *x = lv_names_join(&extra, 6), *m = lv_names_join(&missing, 6);
        gdesc = describe_custom(&h->g->cpu);
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: the label says model %s, but the guest's CPU is %s, which is not that "
                "model: it has %zu feature(s) beyond it (%s) and lacks %zu of it (%s)\n",
                h->op, h->dom, label, gdesc, extra.n, extra.n ? x : "-", missing.n, missing.n ? m : "-");
        rc = CM_EXIT_INCOMPATIBLE;
    }
out:
    json_object_put(got);
    return rc;
}

/* A custom guest CPU: every feature it has must be one this host's KVM offers. */
static int check_custom(struct hook_ctx *h, const struct lv_names *guest)
{
    int rc = CM_EXIT_OK;
    struct json_object *params = json_object_new_object(), *r = NULL;
    json_object_object_add(params, "full", json_object_new_boolean(true));
    _cleanup_free_ char *err = NULL;
    if (!(r = ask_or_policy(h, CMD_IFACE ".GetHost", params, &err, &rc)))
        return rc;
    struct json_object *sj = NULL;
    json_object_object_get_ex(r, "snapshot", &sj);
    _cleanup_snapshot_ struct cm_snapshot *host = NULL;
    cm_error e = {0};
    char why[512];
    _cleanup_lv_map_ struct lv_map *map = NULL;
    _cleanup_names_ struct lv_names have = {0}, missing = {0};
    if (err || cm_snapshot_from_any_json(sj, "this host", &host, &e) < 0) {
        rc = unreachable(h, err ? err : e.msg);
        goto out;
    }
    if (!(map = lv_map_load(why, sizeof(why)))) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: %s\n", h->op, h->dom, why);
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    lv_snapshot_features(map, host, &have, NULL, NULL);
    lv_names_minus(guest, &have, &missing);
    if (missing.n) {
        _cleanup_free_ char *m = lv_names_join(&missing, 0), *gd = describe_custom(&h->g->cpu);
        fprintf(stderr, "cpumodeld: vetoing %s of %s: the guest's CPU (%s) has %zu feature(s) host %s cannot give: %s\n",
                h->op, h->dom, gd, missing.n, cm_snapshot_name(host), m);
        rc = CM_EXIT_INCOMPATIBLE;
    }
out:
    json_object_put(r);
    return rc;
}

/* host-passthrough, maximum, host-model: the guest has its source host's CPU.
 * The hook is not told the source, so every other member of the cluster the
 * daemon knows is a possible source, and each must be compatible with this
 * host (daemon Compare).  No other member known: refused (docs/libvirt.md). */
static int check_passthrough(struct hook_ctx *h)
{
    int rc = CM_EXIT_OK;
    struct json_object *params = json_object_new_object(), *b = NULL;
    json_object_object_add(params, "groups", json_object_new_boolean(false));
    _cleanup_free_ char *err = NULL;
    if (!(b = ask_or_policy(h, CMD_IFACE ".GetBaseline", params, &err, &rc)))
        return rc;
    if (err) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: the guest's CPU is %s, i.e. its source host's, and the daemon cannot "
                "list the cluster's members to check it against: %s %s\n",
                h->op, h->dom, h->g->mode, err, json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
        json_object_put(b);
        return CM_EXIT_INCOMPATIBLE;
    }
    struct json_object *members = NULL;
    json_object_object_get_ex(b, "members", &members);
    size_t n = members ? json_object_array_length(members) : 0, sources = 0;
    for (size_t i = 0; i < n && rc == CM_EXIT_OK; i++) {
        struct json_object *m = json_object_array_get_idx(members, i);
        const char *status = jstr(m, "status", "missing"), *name = jstr(m, "name", "");
        if (!strcmp(status, "self"))
            snprintf(h->self, sizeof(h->self), "%s", name); /* this host as the cluster knows it */
        if (!strcmp(status, "self") || !strcmp(status, "missing"))
            continue;
        sources++;
        struct json_object *cp = json_object_new_object(), *cr = NULL, *ok = NULL;
        json_object_object_add(cp, "from", json_object_new_string(name));
        _cleanup_free_ char *cerr = NULL;
        if (!(cr = ask_or_policy(h, CMD_IFACE ".Compare", cp, &cerr, &rc)))
            break;
        json_object_object_get_ex(cr, "compatible", &ok);
        if (cerr || !ok || !json_object_get_boolean(ok)) {
            _cleanup_free_ char *hint = cm_xasprintf("cpumodeld compare --socket S %s", name);
            _cleanup_free_ char *why = cerr ? cm_xstrdup(cerr) : blocking_reasons(cr, hint);
            fprintf(stderr,
                    "cpumodeld: vetoing %s of %s: the guest's CPU is %s, i.e. its source host's, and cluster member %s "
                    "(a possible source) has what host %s lacks: %s\n",
                    h->op, h->dom, h->g->mode, name, h->self, why);
            rc = CM_EXIT_INCOMPATIBLE;
        }
        json_object_put(cr);
    }
    if (rc == CM_EXIT_OK && !sources) {
        fprintf(stderr,
                "cpumodeld: vetoing %s of %s: the guest's CPU is %s, i.e. its source host's, and the cpumodeld daemon "
                "on %s knows no other cluster member to check it against (policy: refuse; give the guest an "
                "exported CPU: cpumodeld libvirt apply)\n",
                h->op, h->dom, h->g->mode, h->self);
        rc = CM_EXIT_INCOMPATIBLE;
    }
    json_object_put(b);
    return rc;
}

static int check(struct hook_ctx *h)
{
    const char *env = getenv("CPUMODELD_SOCKET");
    h->addr = env && *env ? env : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!strchr(h->addr, '/') && strncmp(h->addr, "unix:", 5)) /* a relative socket path, as in client.c */
        h->addr = unix_addr = cm_xasprintf("unix:%s", h->addr);
    h->c = (struct hook_conn){.timeout_ms = env_timeout_ms()};
    h->c.fd = vl_connect(h->addr, h->c.timeout_ms, h->c.why, sizeof(h->c.why));
    if (h->c.fd < 0)
        return unreachable(h, h->c.why);
    if (gethostname(h->self, sizeof(h->self) - 1) < 0)
        snprintf(h->self, sizeof(h->self), "this host");

    int rc = CM_EXIT_OK;
    bool custom = !strcmp(h->g->mode, "custom");
    _cleanup_names_ struct lv_names guest = {0};
    char why[512];
    if (custom && (!h->g->arch || !strcmp(h->g->arch, "x86_64")) &&
        lv_guest_cpu_expand(&h->g->cpu, &guest, why, sizeof(why)) < 0) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: the guest's <cpu>: %s\n", h->op, h->dom, why);
        rc = CM_EXIT_USAGE;
        goto out;
    }
    if (h->ref->name && ((rc = check_label(h)) || (rc = check_label_is_guest(h, &guest))))
        goto out;
    if (!custom)
        rc = check_passthrough(h);
    else if (!h->g->arch || !strcmp(h->g->arch, "x86_64"))
        rc = check_custom(h, &guest);
out:
    close(h->c.fd);
    return rc;
}

int cmd_libvirt_hook(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: cpumodeld libvirt-hook DOMAIN OPERATION SUBOPERATION [EXTRA] < domain.xml\n"
                        "  a libvirt qemu hook: install as /etc/libvirt/hooks/qemu.d/cpumodeld (docs/libvirt.md)\n");
        return CM_EXIT_USAGE;
    }
    const char *dom = argv[1];
    /* the destination's incoming migration and a restore; everything else passes untouched */
    const char *op = !strcmp(argv[2], "migrate") ? "migration" : !strcmp(argv[2], "restore") ? "restore" : NULL;
    if (!op || strcmp(argv[3], "begin"))
        return CM_EXIT_OK;

    char why[512];
    size_t len = 0;
    _cleanup_free_ char *xml = read_stdin(&len, why, sizeof(why));
    if (!xml) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: %s\n", op, dom, why);
        return CM_EXIT_USAGE;
    }
    struct hook_ref ref = {0};
    struct hook_guest g = {0};
    int found = read_domain(xml, len, &ref, &g, why, sizeof(why));
    int rc;
    if (found < 0) {
        fprintf(stderr, "cpumodeld: vetoing %s of %s: %s\n", op, dom, why);
        rc = CM_EXIT_USAGE;
    } else {
        struct hook_ctx h = {.dom = dom, .op = op, .ref = &ref, .g = &g};
        rc = check(&h);
    }
    xmlCleanupParser(); /* last: the checks read libvirt's cpu_map with libxml2 too */
    free(ref.name);
    free(ref.digest);
    free(g.mode);
    free(g.arch);
    lv_guest_cpu_free(&g.cpu);
    return rc;
}
