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
#include "daemon.h"

#define HOOK_NS "https://cpumodeld.invalid/xmlns/1"
#define HOOK_MAX_XML (16u << 20)
#define HOOK_MAX_REASONS 3

struct hook_ref {
    char *name;
    long generation; /* 0: not given, any generation */
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

/* Finds /domain/metadata/cpumodeld:model.  Returns 1 (found, *ref filled),
 * 0 (none: not our guest), -1 (malformed, *why). */
static int find_ref(const char *xml, size_t len, struct hook_ref *ref, char *why, size_t whylen)
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
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is_elem(root, "domain")) {
        snprintf(why, whylen, "the XML on stdin is not a libvirt domain (root element <%s>)",
                 root ? (const char *)root->name : "none");
        rc = -1;
        goto out;
    }
    for (xmlNode *md = root->children; md && rc == 0; md = md->next) {
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
            char *end = NULL;
            long g = 0;
            if (gen) {
                errno = 0;
                g = strtol((const char *)gen, &end, 10);
            }
            if (!name || !*name) {
                snprintf(why, whylen, "the cpumodeld model element in the domain metadata has no name attribute");
                rc = -1;
            } else if (gen && (!*gen || *end || errno || g < 1)) {
                snprintf(why, whylen, "the cpumodeld model element has a bad generation \"%.40s\" (a positive integer)",
                         (const char *)gen);
                rc = -1;
            } else {
                ref->name = cm_xstrdup((const char *)name);
                ref->generation = g;
            }
            xmlFree(name);
            xmlFree(gen);
            if (rc < 0)
                goto out;
        }
    }
    rc = ref->name ? 1 : 0;
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
static char *blocking_reasons(struct json_object *plan)
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
        cm_buf_printf(&b, " (+%zu more: cpumodeld plan MODEL lists them)", errors - shown);
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
static int unreachable(const char *dom, const struct hook_ref *ref, const char *addr, const char *why)
{
    if (env_strict()) {
        fprintf(stderr,
                "cpumodeld: vetoing migration of %s: cannot check pinned model '%s' on this host: the cpumodeld "
                "daemon at %s cannot be asked (%s); CPUMODELD_HOOK_STRICT=0 in the hook allows it\n",
                dom, ref->name, addr, why);
        return CM_EXIT_SYSTEM;
    }
    fprintf(stderr,
            "cpumodeld: warning: allowing migration of %s UNCHECKED (CPUMODELD_HOOK_STRICT=0): pinned model '%s', "
            "the cpumodeld daemon at %s cannot be asked (%s)\n",
            dom, ref->name, addr, why);
    return CM_EXIT_OK;
}

static int check(const char *dom, const struct hook_ref *ref)
{
    const char *env = getenv("CPUMODELD_SOCKET");
    const char *addr = env && *env ? env : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!strchr(addr, '/') && strncmp(addr, "unix:", 5)) /* a relative socket path, as in client.c */
        addr = unix_addr = cm_xasprintf("unix:%s", addr);
    struct hook_conn c = {.timeout_ms = env_timeout_ms()};
    c.fd = vl_connect(addr, c.timeout_ms, c.why, sizeof(c.why));
    if (c.fd < 0)
        return unreachable(dom, ref, addr, c.why);

    char self[256] = "this host";
    if (gethostname(self, sizeof(self) - 1) < 0)
        snprintf(self, sizeof(self), "this host");
    int rc;
    struct json_object *params = json_object_new_object(), *plan = NULL, *models = NULL;
    json_object_object_add(params, "model", json_object_new_string(ref->name));
    _cleanup_free_ char *err = NULL, *err2 = NULL;
    int r = ask(&c, CMD_IFACE ".GetPlan", params, &plan, &err);
    if (r < 0) {
        rc = unreachable(dom, ref, addr, c.why);
        goto out;
    }
    if (!r) {
        if (!strcmp(err, CMD_IFACE ".NoSuchModel"))
            fprintf(stderr, "cpumodeld: vetoing migration of %s: model '%s' is not pinned on %s (cpumodeld models)\n",
                    dom, ref->name, self);
        else
            fprintf(stderr, "cpumodeld: vetoing migration of %s: %s cannot plan model '%s': %s %s\n", dom, self,
                    ref->name, err, json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN));
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    struct json_object *p = NULL, *ok = NULL;
    json_object_object_get_ex(plan, "plan", &p);
    json_object_object_get_ex(plan, "ok", &ok);
    const char *host = jstr(p, "host", self);
    if (!ok || !json_object_get_boolean(ok)) {
        _cleanup_free_ char *why = blocking_reasons(p);
        fprintf(stderr, "cpumodeld: vetoing migration of %s: host %s cannot run pinned model '%s': %s\n", dom, host,
                ref->name, why);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    if (!ref->generation) {
        rc = CM_EXIT_OK;
        goto out;
    }
    /* the generation pinned here must be the guest's */
    r = ask(&c, CMD_IFACE ".ListModels", NULL, &models, &err2);
    if (r < 0) {
        rc = unreachable(dom, ref, addr, c.why);
        goto out;
    }
    long here = 0;
    struct json_object *list = NULL;
    if (r > 0 && json_object_object_get_ex(models, "models", &list) && json_object_is_type(list, json_type_array))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            struct json_object *m = json_object_array_get_idx(list, i), *g = NULL;
            if (!strcmp(jstr(m, "name", ""), ref->name) && json_object_object_get_ex(m, "generation", &g))
                here = json_object_get_int64(g);
        }
    if (here != ref->generation) {
        fprintf(stderr,
                "cpumodeld: vetoing migration of %s: host %s pins model '%s' at generation %ld, the guest was set up "
                "for generation %ld\n",
                dom, host, ref->name, here, ref->generation);
        rc = CM_EXIT_INCOMPATIBLE;
        goto out;
    }
    rc = CM_EXIT_OK;
out:
    json_object_put(plan);
    json_object_put(models);
    close(c.fd);
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
    /* only the destination's incoming migration; everything else passes untouched */
    if (strcmp(argv[2], "migrate") || strcmp(argv[3], "begin"))
        return CM_EXIT_OK;

    char why[512];
    size_t len = 0;
    _cleanup_free_ char *xml = read_stdin(&len, why, sizeof(why));
    if (!xml) {
        fprintf(stderr, "cpumodeld: vetoing migration of %s: %s\n", dom, why);
        return CM_EXIT_USAGE;
    }
    struct hook_ref ref = {0};
    int found = find_ref(xml, len, &ref, why, sizeof(why));
    xmlCleanupParser();
    if (found < 0) {
        fprintf(stderr, "cpumodeld: vetoing migration of %s: %s\n", dom, why);
        free(ref.name);
        return CM_EXIT_USAGE;
    }
    if (!found)
        return CM_EXIT_OK; /* not a cpumodeld guest */
    int rc = check(dom, &ref);
    free(ref.name);
    return rc;
}
