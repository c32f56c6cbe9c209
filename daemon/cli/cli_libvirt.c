/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * (The libvirt <cpu> for a model: `cpumodeld export --format libvirt`,
 * export/libvirt_export.h.)
 * `cpumodeld libvirt apply DOMAIN [--model NAME] [--dry-run] [--uri URI]
 *   [--socket PATH]`: through libvirt's API, set the inactive domain's <cpu>
 *   to the export of the pinned model NAME and record the model's name,
 *   generation and digest in the domain's <metadata> (the element the hook
 *   reads, docs/libvirt.md).  --dry-run prints the change and touches
 *   nothing.  A running domain is refused unless its CPU already is the
 *   model's (then only the definition and the metadata change).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
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

#define LV_NS "https://cpumodeld.invalid/xmlns/1"

static int usage(void)
{
    fprintf(stderr, "usage: cpumodeld libvirt apply DOMAIN [--model NAME] [--dry-run] [--uri URI] [--socket PATH]\n"
                    "  (the <cpu> alone: cpumodeld export --format libvirt MODEL; docs/libvirt.md)\n");
    return CM_EXIT_USAGE;
}

/* ---- apply ---------------------------------------------------------------- */

struct apply {
    const char *dom_name, *model_name, *uri, *socket;
    bool dry_run;
    virConnectPtr conn;
    virDomainPtr dom;
};

static const char *virt_err(void)
{
    const virError *e = virGetLastError();
    return e && e->message ? e->message : "unknown libvirt error";
}

static void quiet(void *opaque, virErrorPtr e) {}

/* One call to the daemon; NULL after printing why.  *rc gets the exit code. */
static struct json_object *daemon_call(const struct apply *a, const char *method, struct json_object *params, int *rc)
{
    char why[1100];
    const char *addr = a->socket ? a->socket : CMD_DEFAULT_SOCKET;
    _cleanup_free_ char *unix_addr = NULL;
    if (!strchr(addr, '/') && strncmp(addr, "unix:", 5))
        addr = unix_addr = cm_xasprintf("unix:%s", addr);
    int fd = vl_connect(addr, 30000, why, sizeof(why));
    if (fd < 0) {
        json_object_put(params);
        fprintf(stderr, "cpumodeld libvirt apply: cannot reach the daemon at %s: %s\n", addr, why);
        *rc = CM_EXIT_SYSTEM;
        return NULL;
    }
    struct json_object *r = vl_call_sync(fd, method, params, 30000, 1u << 30, why, sizeof(why));
    close(fd);
    if (!r) {
        fprintf(stderr, "cpumodeld libvirt apply: %s: %s\n", method, why);
        *rc = CM_EXIT_SYSTEM;
        return NULL;
    }
    struct json_object *e = NULL, *p = NULL;
    json_object_object_get_ex(r, "parameters", &p);
    if (json_object_object_get_ex(r, "error", &e)) {
        fprintf(stderr, "cpumodeld libvirt apply: %s: %s %s\n", method, json_object_get_string(e),
                p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN) : "");
        json_object_put(r);
        *rc = CM_EXIT_USAGE;
        return NULL;
    }
    p = p ? json_object_get(p) : json_object_new_object();
    json_object_put(r);
    return p;
}

/* The model to apply: --model, else the only pinned one. */
static char *pick_model(const struct apply *a, int *rc)
{
    if (a->model_name)
        return cm_xstrdup(a->model_name);
    struct json_object *r = daemon_call(a, CMD_IFACE ".ListModels", NULL, rc), *list = NULL;
    if (!r)
        return NULL;
    char *name = NULL;
    json_object_object_get_ex(r, "models", &list);
    size_t n = list ? json_object_array_length(list) : 0;
    if (n == 1) {
        struct json_object *nm = NULL;
        json_object_object_get_ex(json_object_array_get_idx(list, 0), "name", &nm);
        name = cm_xstrdup(json_object_get_string(nm));
    } else {
        fprintf(stderr, "cpumodeld libvirt apply: %zu models are pinned; say which with --model NAME (cpumodeld models)\n",
                n);
        *rc = CM_EXIT_USAGE;
    }
    json_object_put(r);
    return name;
}

static xmlNode *child(xmlNode *parent, const char *name)
{
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name))
            return n;
    return NULL;
}

static char *node_text(xmlDoc *doc, xmlNode *n)
{
    if (!n)
        return cm_xstrdup("(none)\n");
    xmlBuffer *b = xmlBufferCreate();
    xmlNodeDump(b, doc, n, 0, 1);
    char *s = cm_xasprintf("%s\n", (const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

/* Replaces the domain's <cpu> with the export's, keeping the old element's
 * topology/numa/cache children (they are not the CPU model); adds the
 * export's <features> entries. */
static void splice_cpu(xmlDoc *doc, xmlNode *root, xmlNode *new_cpu, xmlDoc *featdoc)
{
    xmlNode *old = child(root, "cpu");
    xmlNode *cpu = xmlDocCopyNode(new_cpu, doc, 1);
    for (xmlNode *n = old ? old->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)"model") &&
            xmlStrcmp(n->name, (const xmlChar *)"feature") && xmlStrcmp(n->name, (const xmlChar *)"vendor"))
            xmlAddChild(cpu, xmlDocCopyNode(n, doc, 1));
    if (old) {
        xmlReplaceNode(old, cpu);
        xmlFreeNode(old);
    } else {
        xmlAddChild(root, cpu);
    }
    if (featdoc) {
        xmlNode *features = child(root, "features");
        if (!features)
            features = xmlNewChild(root, NULL, (const xmlChar *)"features", NULL);
        for (xmlNode *n = xmlDocGetRootElement(featdoc); n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            xmlNode *same = child(features, (const char *)n->name);
            xmlNode *copy = xmlDocCopyNode(n, doc, 1);
            if (same) {
                xmlReplaceNode(same, copy);
                xmlFreeNode(same);
            } else {
                xmlAddChild(features, copy);
            }
        }
    }
}

/* The running guest's CPU equals the export's (same expanded feature set). */
static bool live_cpu_matches(xmlNode *live_cpu, struct json_object *exp, char *why, size_t whylen)
{
    _cleanup_free_ char *mode = NULL;
    struct lv_guest_cpu g = {0};
    if (lv_guest_cpu_parse(live_cpu, &mode, &g, why, whylen) < 0)
        return false;
    struct json_object *want = NULL;
    json_object_object_get_ex(exp, "guest_features", &want);
    if (!want || strcmp(mode, "custom")) {
        snprintf(why, whylen, "its CPU is mode '%s', the model needs the exported custom CPU", mode);
        lv_guest_cpu_free(&g);
        return false;
    }
    _cleanup_names_ struct lv_names have = {0}, need = {0}, extra = {0}, missing = {0};
    int rc = lv_guest_cpu_expand(&g, &have, why, whylen);
    lv_guest_cpu_free(&g);
    if (rc < 0)
        return false;
    for (size_t i = 0; i < json_object_array_length(want); i++)
        lv_names_add(&need, json_object_get_string(json_object_array_get_idx(want, i)));
    lv_names_minus(&have, &need, &extra);
    lv_names_minus(&need, &have, &missing);
    if (!extra.n && !missing.n)
        return true;
    _cleanup_free_ char *e = lv_names_join(&extra, 8), *m = lv_names_join(&missing, 8);
    snprintf(why, whylen, "its CPU has %zu feature(s) the model lacks (%s) and lacks %zu of the model's (%s)", extra.n,
             extra.n ? e : "-", missing.n, missing.n ? m : "-");
    return false;
}

static int do_apply(struct apply *a)
{
    int rc = CM_EXIT_OK;
    _cleanup_free_ char *name = pick_model(a, &rc);
    if (!name)
        return rc;
    struct json_object *params = json_object_new_object();
    json_object_object_add(params, "name", json_object_new_string(name));
    struct json_object *got = daemon_call(a, CMD_IFACE ".GetModel", params, &rc);
    if (!got)
        return rc;
    struct json_object *mjson = NULL, *info = NULL, *gen = NULL, *digest = NULL;
    json_object_object_get_ex(got, "model", &mjson);
    json_object_object_get_ex(got, "info", &info);
    json_object_object_get_ex(info, "generation", &gen);
    if (!json_object_object_get_ex(info, "digest", &digest))
        json_object_object_get_ex(mjson, "digest", &digest);
    cm_error err = {0};
    _cleanup_snapshot_ struct cm_snapshot *model = NULL, *host = NULL;
    struct json_object *exp = NULL, *hostr = NULL;
    xmlDoc *doc = NULL, *cpudoc = NULL, *featdoc = NULL, *livedoc = NULL;
    char *inactive = NULL, *live = NULL, *newxml = NULL;
    _cleanup_free_ char *before = NULL, *after = NULL, *meta = NULL;
    if (cm_snapshot_from_any_json(mjson, name, &model, &err) < 0) {
        fprintf(stderr, "cpumodeld libvirt apply: model '%s' from the daemon: %s\n", name, err.msg);
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    if (model->arch != CM_ARCH_X86_64) { /* host-passthrough: the export depends on this host */
        struct json_object *hp = json_object_new_object(), *snap = NULL;
        json_object_object_add(hp, "full", json_object_new_boolean(true));
        if (!(hostr = daemon_call(a, CMD_IFACE ".GetHost", hp, &rc)))
            goto out;
        json_object_object_get_ex(hostr, "snapshot", &snap);
        if (cm_snapshot_from_any_json(snap, "this host", &host, &err) < 0) {
            fprintf(stderr, "cpumodeld libvirt apply: this host's snapshot from the daemon: %s\n", err.msg);
            rc = CM_EXIT_SYSTEM;
            goto out;
        }
    }
    if (lv_export(model, host, &exp, &err) < 0) {
        fprintf(stderr, "cpumodeld libvirt apply: %s\n", err.msg);
        rc = err.code == CM_E_NOTSUP ? CM_EXIT_SYSTEM : CM_EXIT_USAGE;
        goto out;
    }
    struct json_object *cx = NULL, *fx = NULL, *nx = NULL;
    json_object_object_get_ex(exp, "cpu_xml", &cx);
    json_object_object_get_ex(exp, "features_xml", &fx);
    json_object_object_get_ex(exp, "not_expressible", &nx);

    virSetErrorFunc(NULL, quiet);
    if (!(a->conn = virConnectOpen(a->uri))) {
        fprintf(stderr, "cpumodeld libvirt apply: cannot connect to libvirt%s%s: %s\n", a->uri ? " at " : "",
                a->uri ? a->uri : "", virt_err());
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    if (!(a->dom = virDomainLookupByName(a->conn, a->dom_name))) {
        fprintf(stderr, "cpumodeld libvirt apply: no domain '%s': %s\n", a->dom_name, virt_err());
        rc = CM_EXIT_USAGE;
        goto out;
    }
    if (!(inactive = virDomainGetXMLDesc(a->dom, VIR_DOMAIN_XML_INACTIVE))) {
        fprintf(stderr, "cpumodeld libvirt apply: %s: %s\n", a->dom_name, virt_err());
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    int active = virDomainIsActive(a->dom);
    if (active == 1) {
        char why[1024] = "";
        if (!(live = virDomainGetXMLDesc(a->dom, 0)) ||
            !(livedoc = xmlReadMemory(live, (int)strlen(live), "live.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR)) ||
            !live_cpu_matches(child(xmlDocGetRootElement(livedoc), "cpu"), exp, why, sizeof(why))) {
            fprintf(stderr,
                    "cpumodeld libvirt apply: refusing: domain '%s' is running and its CPU is not model '%s': %s; "
                    "shut it down and apply again\n",
                    a->dom_name, name, *why ? why : virt_err());
            rc = CM_EXIT_INCOMPATIBLE;
            goto out;
        }
    }
    doc = xmlReadMemory(inactive, (int)strlen(inactive), "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    const char *cs = json_object_get_string(cx);
    cpudoc = xmlReadMemory(cs, (int)strlen(cs), "cpu.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    if (fx) {
        _cleanup_free_ char *wrapped = cm_xasprintf("<f>%s</f>", json_object_get_string(fx));
        featdoc = xmlReadMemory(wrapped, (int)strlen(wrapped), "features.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    }
    if (!doc || !cpudoc || (fx && !featdoc)) {
        fprintf(stderr, "cpumodeld libvirt apply: cannot parse the domain or the exported XML\n");
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    before = node_text(doc, child(root, "cpu"));
    if (featdoc) { /* the <f> wrapper's children are the entries */
        xmlNode *inner = xmlDocGetRootElement(featdoc)->children;
        xmlDoc *fd = xmlNewDoc((const xmlChar *)"1.0");
        xmlNode *first = NULL;
        for (xmlNode *n = inner; n; n = n->next)
            if (n->type == XML_ELEMENT_NODE) {
                xmlNode *c = xmlDocCopyNode(n, fd, 1);
                if (!first)
                    xmlDocSetRootElement(fd, first = c);
                else
                    xmlAddSibling(first, c);
            }
        xmlFreeDoc(featdoc);
        featdoc = fd;
    }
    splice_cpu(doc, root, xmlDocGetRootElement(cpudoc), featdoc);
    after = node_text(doc, child(root, "cpu"));
    xmlChar *esc = xmlEncodeSpecialChars(NULL, (const xmlChar *)name);
    meta = cm_xasprintf("<model name=\"%s\" generation=\"%lld\"%s%s%s/>", (const char *)esc,
                                             (long long)json_object_get_int64(gen), digest ? " digest=\"" : "",
                                             digest ? json_object_get_string(digest) : "", digest ? "\"" : "");
    xmlFree(esc);
    if (a->dry_run) {
        printf("domain %s: <cpu> now:\n%s<cpu> after apply:\n%s<metadata> gets (namespace %s):\n%s\n", a->dom_name,
               before, after, LV_NS, meta);
        if (fx)
            printf("<features> gets:\n%s\n", json_object_get_string(fx));
        size_t n = nx ? json_object_array_length(nx) : 0;
        if (n)
            printf("libvirt cannot express %zu restriction(s) of the model (cpumodeld libvirt export --json lists them)\n", n);
        printf("(dry run: nothing changed)\n");
        goto out;
    }
    xmlChar *mem = NULL;
    int memlen = 0;
    xmlDocDumpMemory(doc, &mem, &memlen);
    newxml = cm_xstrdup((const char *)mem);
    xmlFree(mem);
    virDomainPtr defined = virDomainDefineXML(a->conn, newxml);
    if (!defined) {
        fprintf(stderr, "cpumodeld libvirt apply: libvirt refused the new definition of '%s': %s\n", a->dom_name,
                virt_err());
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    virDomainFree(defined);
    unsigned flags = VIR_DOMAIN_AFFECT_CONFIG | (active == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
    if (virDomainSetMetadata(a->dom, VIR_DOMAIN_METADATA_ELEMENT, meta, "cpumodeld", LV_NS, flags) < 0) {
        fprintf(stderr, "cpumodeld libvirt apply: setting the metadata of '%s': %s\n", a->dom_name, virt_err());
        rc = CM_EXIT_SYSTEM;
        goto out;
    }
    printf("domain %s: CPU set to model '%s' generation %lld%s%s (%s)\n", a->dom_name, name,
           (long long)json_object_get_int64(gen), digest ? " " : "", digest ? json_object_get_string(digest) : "",
           active == 1 ? "running: definition and metadata updated, its CPU already was the model's"
                       : "takes effect at the next start");
out:
    free(inactive);
    free(live);
    free(newxml);
    xmlFreeDoc(doc);
    xmlFreeDoc(cpudoc);
    xmlFreeDoc(featdoc);
    xmlFreeDoc(livedoc);
    json_object_put(exp);
    json_object_put(hostr);
    json_object_put(got);
    if (a->dom)
        virDomainFree(a->dom);
    if (a->conn)
        virConnectClose(a->conn);
    return rc;
}

static int cmd_apply(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"dry-run", no_argument, 0, 'n'},
                                         {"uri", required_argument, 0, 'u'},
                                         {"socket", required_argument, 0, 's'},
                                         {0}};
    struct apply a = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': a.model_name = optarg; break;
        case 'n': a.dry_run = true; break;
        case 'u': a.uri = optarg; break;
        case 's': a.socket = optarg; break;
        default: return usage();
        }
    }
    if (optind != argc - 1)
        return usage();
    a.dom_name = argv[optind];
    int rc = do_apply(&a);
    xmlCleanupParser();
    return rc;
}

int cmd_libvirt(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "apply"))
        return cmd_apply(argc - 1, argv + 1);
    fprintf(stderr, "cpumodeld libvirt: unknown subcommand '%s'\n", argv[1]);
    return usage();
}
