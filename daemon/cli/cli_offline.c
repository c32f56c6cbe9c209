/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offline commands: import, baseline, compare, plan, show — on snapshot files
 * or Firecracker fingerprints (auto-detected).  With --socket/--connect the
 * daemon module's remote forms answer instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"

/* Above this many hosts, baseline keeps one reason per host unless --all. */
#define CLI_FULL_REASONS_MAX 256

/* Remote forms (daemon module); weak so an offline-only build still links. */
int cmd_baseline_remote(int argc, char **argv) __attribute__((weak));
int cmd_compare_remote(int argc, char **argv) __attribute__((weak));
int cmd_plan_remote(int argc, char **argv) __attribute__((weak));

/* Operands (not options, not an option's value). */
static int count_operands(int argc, char **argv)
{
    static const char *const with_value[] = {"-o", "--output", "--from", "--socket", "--connect",
                                             "--timeout-ms", "--peers", "--svg"};
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || !argv[i][1]) {
            n++;
            continue;
        }
        for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
            if (!strcmp(argv[i], with_value[k])) {
                i++; /* its value */
                break;
            }
    }
    return n;
}

/* The daemon answers when asked for (--socket, --connect) or when the operands only make sense to
 * it: `plan`, `plan NAME`, `plan model:NAME` (a pinned model on this host), `compare model:NAME`. */
static bool wants_daemon(int argc, char **argv)
{
    if (cli_has_opt(argc, argv, "--socket") || cli_has_opt(argc, argv, "--connect"))
        return true;
    int n = count_operands(argc, argv);
    if (!strcmp(argv[0], "plan"))
        return n <= 1;
    if (!strcmp(argv[0], "compare")) {
        for (int i = 1; i < argc; i++)
            if (!strncmp(argv[i], "model:", 6))
                return true;
        return n == 1;
    }
    return false;
}

static int remote_or_null(int (*fn)(int, char **), int argc, char **argv)
{
    if (!wants_daemon(argc, argv))
        return -1;
    if (!fn) {
        fprintf(stderr, "cpumodeld %s: the daemon client is not built into this binary\n", argv[0]);
        return CM_EXIT_USAGE;
    }
    return fn(argc, argv);
}

struct opts {
    bool json, groups, all;
    const char *out;
    const char *from;
    struct cm_assume assume; /* --boot, --vmm=restore-all|plan-aware */
    const char *facts[16];   /* --fact [HOST:]NAME=VALUE, in order */
    size_t nfacts;
    const char *hosts[16];   /* baseline --host NAME: these hosts' verdicts, every reason */
    size_t nhosts;
};

static int parse(int argc, char **argv, struct opts *o, int *first)
{
    static const struct option lo[] = {
        {"json", no_argument, NULL, 'j'},   {"groups", no_argument, NULL, 'g'},
        {"all", no_argument, NULL, 'a'},    {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {"boot", no_argument, NULL, 'B'},   {"vmm", required_argument, NULL, 'V'},
        {"fact", required_argument, NULL, 'F'}, {"host", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    optind = 1;
    opterr = 0; /* cli_bad_option says what was wrong, with the nearest option */
    int c;
    while ((c = getopt_long(argc, argv, ":jgao:f:h", lo, NULL)) != -1) {
        switch (c) {
        case 'j': o->json = true; break;
        case 'g': o->groups = true; break;
        case 'a': o->all = true; break;
        case 'o': o->out = optarg; break;
        case 'f': o->from = optarg; break;
        case 'B': o->assume.reading = CM_READ_BOOT; break;
        case 'V':
            if (!cm_restore_parse(optarg, &o->assume.restore)) {
                fprintf(stderr, "cpumodeld: --vmm must be restore-all or plan-aware, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 'F':
            if (o->nfacts == CM_ARRAY_SIZE(o->facts)) {
                fprintf(stderr, "cpumodeld: at most %zu --fact options\n", CM_ARRAY_SIZE(o->facts));
                return -1;
            }
            o->facts[o->nfacts++] = optarg;
            break;
        case 'H':
            if (o->nhosts == CM_ARRAY_SIZE(o->hosts)) {
                fprintf(stderr, "cpumodeld: at most %zu --host options\n", CM_ARRAY_SIZE(o->hosts));
                return -1;
            }
            o->hosts[o->nhosts++] = optarg;
            break;
        case 'h': return 1;
        default: cli_bad_option(argv[0], c, argc, argv, optind, lo); return -1;
        }
    }
    *first = optind;
    return 0;
}

/* Short names an operator types for the facts a verdict can rest on (docs/snapshot-format.md). */
static const struct {
    const char *alias, *name;
} fact_aliases[] = {
    {"writable-id-regs", CM_FACT_ARM64_WRITABLE_ID_REGS},
    {"writable-imp-id-regs", CM_FACT_ARM64_WRITABLE_IMP_ID_REGS},
};

static bool fact_value(const char *v, uint64_t *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true"))
        return *out = 1, true;
    if (!strcmp(v, "no") || !strcmp(v, "false"))
        return *out = 0, true;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || end == v || *end || *v == '-')
        return false;
    *out = x;
    return true;
}

/* --fact [HOST:]NAME=VALUE: the operator states a fact about a host (all inputs without HOST:),
 * e.g. that a distribution kernel carries the writable-ID-register backport.  Exit 2 on bad input. */
static int apply_facts(const struct opts *o, struct cm_snapshot **s, size_t n, const char *cmd)
{
    for (size_t i = 0; i < o->nfacts; i++) {
        const char *spec = o->facts[i], *eq = strchr(spec, '='), *colon = strchr(spec, ':');
        if (!eq || eq == spec || !eq[1]) {
            fprintf(stderr, "cpumodeld %s: --fact '%s' is not [HOST:]NAME=VALUE\n", cmd, spec);
            return CM_EXIT_USAGE;
        }
        if (colon && colon > eq)
            colon = NULL;
        char host[256] = "", name[128];
        if (colon)
            snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
        const char *nb = colon ? colon + 1 : spec;
        snprintf(name, sizeof(name), "%.*s", (int)(eq - nb), nb);
        for (size_t k = 0; k < CM_ARRAY_SIZE(fact_aliases); k++)
            if (!strcmp(name, fact_aliases[k].alias))
                snprintf(name, sizeof(name), "%s", fact_aliases[k].name);
        uint64_t value;
        if (!cm_fact_name_valid(name) || !fact_value(eq + 1, &value)) {
            fprintf(stderr, "cpumodeld %s: --fact '%s': the name must be [a-z0-9_.]+ or one of writable-id-regs, "
                            "writable-imp-id-regs, the value yes, no or a number\n",
                    cmd, spec);
            return CM_EXIT_USAGE;
        }
        size_t hit = 0;
        for (size_t h = 0; h < n; h++) {
            if (*host && strcmp(host, cm_snapshot_name(s[h])))
                continue;
            hit++;
            bool set = false;
            for (size_t f = 0; f < s[h]->nfacts; f++)
                if (!strcmp(s[h]->facts[f].name, name)) {
                    s[h]->facts[f].value = value;
                    set = true;
                }
            cm_error err = {0};
            if (!set && cm_snapshot_add_fact(s[h], name, value, &err) < 0)
                return cli_fail(&err);
        }
        if (!hit) {
            fprintf(stderr, "cpumodeld %s: --fact '%s': no input is named '%s'\n", cmd, spec, host);
            return CM_EXIT_USAGE;
        }
    }
    return 0;
}

/* Loads the snapshots the command names and applies its --fact options;
 * on failure nothing stays loaded and the exit code is returned. */
static int load_with_facts(const struct opts *o, char **files, size_t n, struct cm_snapshot **snaps, const char *cmd)
{
    int rc = cli_load_all(files, n, snaps); /* frees what it loaded when it fails */
    if (!rc && (rc = apply_facts(o, snaps, n, cmd)) != 0)
        for (size_t i = 0; i < n; i++) {
            cm_snapshot_free(snaps[i]);
            snaps[i] = NULL;
        }
    return rc;
}

/* A parse error was reported already; a wrong operand count gets the usage lines. */
static int usage(int parsed, const char *cmd)
{
    if (!parsed)
        cli_usage(cmd);
    return CM_EXIT_USAGE;
}

/* ---- import ---- */
int cmd_import(int argc, char **argv)
{
    struct opts o;
    int first;
    int pr = parse(argc, argv, &o, &first);
    if (pr || argc - first != 1)
        return usage(pr, "import");
    if (o.from && strcmp(o.from, "firecracker") && strcmp(o.from, "auto") && strcmp(o.from, "snapshot")) {
        fprintf(stderr, "cpumodeld import: unknown format '%s' (known: firecracker, snapshot, auto)\n", o.from);
        return CM_EXIT_USAGE;
    }
    struct cm_snapshot *s = NULL;
    cm_error err = {0};
    if (cm_snapshot_load(argv[first], &s, &err) < 0)
        return cli_fail(&err);
    if (o.from && !strcmp(o.from, "firecracker") && (!s->source || strncmp(s->source, "firecracker:", 12))) {
        fprintf(stderr, "cpumodeld import: %s is not a Firecracker fingerprint (it is a %s)\n", argv[first],
                s->kind == CM_KIND_MODEL ? "model" : "snapshot");
        cm_snapshot_free(s);
        return CM_EXIT_USAGE;
    }
    int rc = apply_facts(&o, &s, 1, "import");
    if (rc) {
        cm_snapshot_free(s);
        return rc;
    }
    if (o.out) {
        if (cm_snapshot_save(s, o.out, &err) < 0)
            rc = cli_fail(&err);
    } else if (o.json) {
        struct json_object *j = cm_snapshot_to_json(s);
        cli_print_json(j);
        json_object_put(j);
    }
    if (!o.json && rc == CM_EXIT_OK) {
        FILE *f = stdout;
        fprintf(f, "%-10s %s\n%-10s %s\n%-10s %s\n%-10s %zu\n", "host", cm_snapshot_name(s), "arch",
                cm_arch_name(s->arch), "kernel", s->kernel ? s->kernel : "?", "registers", s->nregs);
        if (s->arch == CM_ARCH_X86_64)
            fprintf(f, "%-10s %zu\n%-10s %zu\n", "cpuid", s->ncpuid, "msrs", s->nmsrs);
        if (o.out)
            fprintf(f, "%-10s %s\n", "written", o.out);
    }
    cm_snapshot_free(s);
    return rc;
}

/* ---- baseline ---- */
/* How much of the host table a text report shows. */
struct host_view {
    bool all;                /* every host, every reason */
    bool page;               /* a large cluster: the first CLI_PAGE_HOSTS failing hosts, one reason each */
    const char *const *only; /* --host: just these, every reason */
    size_t nonly;
};

/* Failing hosts shown with their reason on a large cluster's first page. */
#define CLI_PAGE_HOSTS 30

static void print_host(const struct cm_baseline *b, size_t h, size_t max_errors, size_t max_shown)
{
    const struct cm_vector *v = b->hosts[h];
    char kb[32];
    printf("%-28s %-34s %s\n", v->name,
           v->snap && v->snap->kernel ? v->snap->kernel : cm_kver_str(v->kver, kb, sizeof(kb)),
           b->verdicts[h].enforceable ? "yes" : "NO");
    if (!b->verdicts[h].enforceable || max_shown == 0) {
        struct cm_reasons rs = {0};
        cm_baseline_host_reasons(b, h, max_errors, &rs);
        cli_print_reasons(stdout, &rs, "    ", max_shown);
        cm_reasons_free(&rs);
    }
}

/* The host table: reasons are rendered only for the hosts shown (the
 * first page of a large cluster, or the hosts named with --host). */
static void print_hosts(const struct cm_baseline *b, const struct host_view *hv, const char **names)
{
    printf("\n%-28s %-34s %s\n", "HOST", "KERNEL", "MODEL ENFORCEABLE");
    if (hv->nonly) {
        for (size_t h = 0; h < b->nhosts; h++)
            for (size_t k = 0; k < hv->nonly; k++)
                if (!strcmp(b->hosts[h]->name, hv->only[k])) {
                    print_host(b, h, 0, 0);
                    break;
                }
        return;
    }
    if (!hv->page) {
        for (size_t h = 0; h < b->nhosts; h++)
            print_host(b, h, 0, hv->all ? 0 : 5);
        return;
    }
    size_t shown = 0, bad = 0, good = 0;
    for (size_t h = 0; h < b->nhosts; h++) {
        if (b->verdicts[h].enforceable) {
            names[good++] = b->hosts[h]->name;
            continue;
        }
        if (bad++ < CLI_PAGE_HOSTS) {
            print_host(b, h, 1, 5);
            shown++;
        }
    }
    char cb[32], cb2[32];
    if (bad > shown)
        printf("... and %s more host(s) NOT enforceable (--host NAME shows one, --all every host)\n",
               cli_count(bad - shown, cb));
    if (good) {
        _cleanup_free_ char *head = cm_xasprintf("%s host(s) enforceable: ", cli_count(good, cb2));
        _cleanup_free_ char *list = cli_join_fit(names, good, CLI_WIDTH - strlen(head));
        printf("%s%s\n", head, list);
    }
}

/* Text output renders reasons lazily: each host's while its line is written
 * (cm_baseline_host_reasons, the same rule as the verdict), dropped after, so
 * the first screen comes before the rest is rendered and memory stays that
 * of the verdicts.  `max_errors` 1: one reason per failing host (large
 * clusters without --all). */
static void print_baseline_human(const struct cm_baseline *b, const struct host_view *v)
{
    bool all = v->all;
    const struct cm_vector *m = &b->model;
    const struct cm_arch_ops *ops = m->ops;
    const char **names = cm_xmalloc((b->nhosts + 1) * sizeof(*names));
    for (size_t h = 0; h < b->nhosts; h++)
        names[h] = b->hosts[h]->name;
    {
        /* the first line is the verdict */
        char cb[32], cb2[32];
        size_t bad = 0;
        for (size_t h = 0; h < b->nhosts; h++)
            bad += !b->verdicts[h].enforceable;
        printf("Baseline of %s host(s), %s: ", cli_count(b->nhosts, cb), cm_arch_name(ops->arch));
        if (b->enforceable_everywhere)
            printf("%senforceable everywhere%s\n", cli_color(stdout, CLI_GREEN), cli_color(stdout, CLI_OFF));
        else
            printf("%sNOT enforceable%s on %s of them; %zu compatibility group(s)\n", cli_color(stdout, CLI_RED),
                   cli_color(stdout, CLI_OFF), cli_count(bad, cb2), b->ngroups);
        _cleanup_free_ char *list = cli_join_fit(names, b->nhosts, CLI_WIDTH - 7);
        printf("Hosts: %s", list);
    }
    size_t words = 0, fields = 0;
    for (size_t i = 0; i < ops->nwords; i++)
        if (m->present[i] && !m->novalue[i]) {
            words++;
            fields += ops->words[i].nfields;
        }
    printf("\nModel: %zu registers in the list, %zu feature words, %zu fields\n", m->nregs, words, fields);
    printf("Verdicts assume: a migration between members, %s\n\n",
           b->assume.restore == CM_RESTORE_PLAN_AWARE ? "VMMs applying the plan's hidden / safe-missing register lists"
                                                      : "VMMs restoring every saved register (restore-all)");

    size_t *idx = cm_xmalloc(b->nhosts * sizeof(size_t));
    /* the bits some host has otherwise than the first, per word, in one pass over the hosts: a
     * field no host differs in limits nothing, and is not scanned host by host */
    uint64_t *differ = cm_xcalloc(ops->nwords, sizeof(uint64_t));
    for (size_t h = 1; h < b->nhosts; h++)
        for (size_t i = 0; i < ops->nwords; i++)
            differ[i] |= b->hosts[h]->val[i] ^ b->hosts[0]->val[i];
    printf("%-20s %-16s %-24s %s\n", "REGISTER", "FIELD", "MODEL", all ? "LIMITED BY / VALUE" : "LIMITED BY");
    size_t shown = 0;
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!m->present[i] || m->novalue[i])
            continue;
        const struct cm_word *w = &ops->words[i];
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            if (!all && !(differ[i] & cm_field_mask(f)))
                continue;
            size_t k = cm_limited_by(b->hosts, b->nhosts, m, i, f, idx);
            if (!k && !all)
                continue;
            /* the value in words where the driver knows them (vendors, field meanings) and they fit
             * the column; the reasons below carry the long ones */
            char vb[96], meaning[96];
            uint64_t mv = cm_field_get(f, m->val[i]);
            if (strlen(cm_value_text(ops, w, f, mv, vb, sizeof(vb))) > 24) {
                if (ops->value_meaning && ops->value_meaning(w, f, mv, meaning, sizeof(meaning)) && strlen(meaning) <= 24)
                    snprintf(vb, sizeof(vb), "%s", meaning); /* a vendor: "AuthenticAMD" */
                else
                    cm_field_value_text(f, mv, vb, sizeof(vb));
            }
            int used = printf("%-20s %-16s %-24s ", w->name, f->name, vb);
            const char **lim = cm_xmalloc((k + 1) * sizeof(*lim));
            for (size_t j = 0; j < k; j++)
                lim[j] = b->hosts[idx[j]]->name;
            _cleanup_free_ char *list = cli_join_fit(lim, k, used < CLI_WIDTH - 20 ? CLI_WIDTH - (size_t)used : 20);
            printf("%s\n", list);
            free(lim);
            shown++;
        }
    }
    if (!shown)
        printf("(every field is equal on all hosts)\n");
    free(idx);
    free(differ);
    cli_timing("verdict, model and limited-by table printed (the first screen)");

    print_hosts(b, v, names);
    if (b->incompat.n) {
        printf("\nIncompatibilities (no common value):\n");
        cli_print_reasons(stdout, &b->incompat, "  ", all ? 0 : 10);
    }
    if (b->ngroups) {
        printf("\nCompatibility groups (each with a baseline enforceable on all its members):\n");
        for (size_t g = 0; g < b->ngroups; g++) {
            const struct cm_group *grp = &b->groups[g];
            for (size_t k = 0; k < grp->nmembers; k++)
                names[k] = b->hosts[grp->members[k]]->name;
            _cleanup_free_ char *head = cm_xasprintf("  group %zu (%zu): ", g + 1, grp->nmembers);
            _cleanup_free_ char *list = cli_join_fit(names, grp->nmembers, CLI_WIDTH - strlen(head));
            printf("%s%s\n", head, list);
            if (grp->why)
                cli_print_wrapped(stdout, "    why: ", "         ", grp->why, CLI_WIDTH);
        }
    }
    if (b->notes.n) {
        printf("\nNotes:\n");
        cli_print_reasons(stdout, &b->notes, "  ", all ? 0 : 8);
    }
    free(names);
}

static int by_name(const void *a, const void *b)
{
    const struct cm_vector *x = *(const struct cm_vector *const *)a, *y = *(const struct cm_vector *const *)b;
    return strcmp(x->name, y->name);
}

/* "model.json" -> "model.arm64.json" (a name without ".json" gets ".arm64"). */
static char *arch_out(const char *out, enum cm_arch arch)
{
    size_t len = strlen(out);
    if (len > 5 && !strcmp(out + len - 5, ".json"))
        return cm_xasprintf("%.*s.%s.json", (int)(len - 5), out, cm_arch_name(arch));
    return cm_xasprintf("%s.%s", out, cm_arch_name(arch));
}

/* Baseline per architecture (--groups over a mix). */
static int baseline_of(struct cm_vector *const *vecs, size_t n, const struct opts *o, const char *out,
                       struct json_object *jarr)
{
    struct cm_baseline b;
    cm_error err = {0};
    /* Large clusters: one reason per host (rendering every reason for
     * thousands of hosts costs seconds and hundreds of MiB); --all for all. */
    bool cut = n > CLI_FULL_REASONS_MAX && !o->all;
    /* JSON carries every host's reasons (first one only when cut): an
     * orchestrator reads them all.  Text renders them as it prints. */
    unsigned flags = CM_BL_GROUPS | (o->json ? (cut ? CM_BL_FIRST_REASON : 0) : CM_BL_LAZY) |
                     (o->assume.restore == CM_RESTORE_PLAN_AWARE ? CM_BL_PLAN_AWARE : 0);
    if (cm_baseline_ex((const struct cm_vector *const *)vecs, n, flags, &b, &err) < 0)
        return cli_fail(&err);
    cli_timing("baseline of %zu hosts (model, verdicts%s)", n, b.ngroups ? ", groups" : "");
    int rc = b.enforceable_everywhere ? CM_EXIT_OK : CM_EXIT_INCOMPATIBLE;
    if (o->json) {
        struct json_object *j = cm_baseline_to_json(&b, &err);
        if (!j) {
            cm_baseline_free(&b);
            return cli_fail(&err);
        }
        if (flags & CM_BL_FIRST_REASON) /* only when cut, so small clusters read as the daemon's */
            json_object_object_add(j, "first_reason_only", json_object_new_boolean(true));
        json_object_array_add(jarr, cli_json_wrap("baseline", j));
    } else {
        struct host_view hv = {.all = o->all, .page = cut, .only = o->hosts, .nonly = o->nhosts};
        print_baseline_human(&b, &hv);
        if (cut && !o->nhosts)
            printf("\n(%zu hosts: reasons for the first %d failing ones; --host NAME, --all for more)\n", n,
                   CLI_PAGE_HOSTS);
    }
    if (out) {
        struct cm_snapshot *ms = cm_model_snapshot(&b.model, (const struct cm_vector *const *)vecs, n, &err);
        if (!ms || cm_snapshot_save(ms, out, &err) < 0)
            rc = cli_fail(&err);
        else if (!o->json)
            printf("\nModel written to %s, digest %s\n", out, ms->digest);
        cm_snapshot_free(ms);
    }
    cli_timing("report printed");
    cm_baseline_free(&b);
    return rc;
}

int cmd_baseline(int argc, char **argv)
{
    int r = remote_or_null(cmd_baseline_remote, argc, argv);
    if (r >= 0)
        return r;
    struct opts o;
    int first;
    int pr = parse(argc, argv, &o, &first);
    if (pr || argc - first < 1)
        return usage(pr, "baseline");
    size_t n = (size_t)(argc - first);
    struct cm_snapshot **snaps = cm_xcalloc(n, sizeof(*snaps));
    struct cm_vector *vecs = cm_xcalloc(n, sizeof(*vecs));
    int rc = load_with_facts(&o, argv + first, n, snaps, "baseline");
    if (rc) {
        free(snaps);
        free(vecs);
        return rc;
    }
    /* group by architecture; a mix is refused unless --groups */
    enum cm_arch arches[4] = {0};
    size_t narch = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < narch; k++)
            seen |= arches[k] == snaps[i]->arch;
        if (!seen && narch < 4)
            arches[narch++] = snaps[i]->arch;
    }
    if (o.nhosts && o.json) {
        fprintf(stderr, "cpumodeld baseline: --host selects hosts of the text report; --json carries every host\n");
        rc = CM_EXIT_USAGE;
    }
    for (size_t k = 0; k < o.nhosts && !rc; k++) {
        size_t i = 0;
        while (i < n && strcmp(cm_snapshot_name(snaps[i]), o.hosts[k]))
            i++;
        if (i == n) {
            _cleanup_free_ char *shown = cm_str_escape(o.hosts[k]);
            fprintf(stderr, "cpumodeld baseline: --host %s: no input is a host of that name\n", shown);
            rc = CM_EXIT_USAGE;
        }
    }
    if (!rc && narch > 1 && !o.groups) {
        fprintf(stderr, "cpumodeld baseline: the inputs mix architectures (");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s%s=%s", i ? ", " : "", cm_snapshot_name(snaps[i]), cm_arch_name(snaps[i]->arch));
        fprintf(stderr, "); a CPU model cannot span architectures. Use --groups to get one baseline per "
                        "architecture.\n");
        rc = CM_EXIT_USAGE;
    }
    cli_timing("read %zu inputs", n);
    size_t nv = 0;
    if (!rc) { /* hosts whose files hold the same content decode once */
        cm_error err = {0};
        nv = cm_vectors_from_snapshots((const struct cm_snapshot *const *)snaps, n, vecs, &err);
        if (nv < n)
            rc = cli_fail(&err);
    }
    cli_timing("decoded %zu hosts", nv);
    if (!rc) {
        {
            struct json_object *jarr = json_object_new_array();
            struct cm_vector **sel = cm_xcalloc(n, sizeof(*sel));
            for (size_t a = 0; a < narch && rc != CM_EXIT_USAGE && rc != CM_EXIT_SYSTEM; a++) {
                size_t k = 0;
                for (size_t i = 0; i < n; i++)
                    if (snaps[i]->arch == arches[a])
                        sel[k++] = &vecs[i];
                /* hosts in name order: the model, its vendor and the groups do not depend on the
                 * order the files were given in (baseline a b == baseline b a) */
                qsort(sel, k, sizeof(*sel), by_name);
                if (o.groups && !o.json)
                    printf("%s== %s: %zu host(s) ==\n", a ? "\n" : "", cm_arch_name(arches[a]), k);
                /* several architectures: one model file each, MODEL.ARCH.json, never one silently */
                _cleanup_free_ char *out = o.out && narch > 1 ? arch_out(o.out, arches[a]) : NULL;
                int r2 = baseline_of(sel, k, &o, out ? out : o.out, jarr);
                if (r2 > rc)
                    rc = r2;
            }
            free(sel);
            /* the shape follows the flags, never the input: --groups always gives the per-architecture
             * list, even of one architecture */
            if (o.json && json_object_array_length(jarr) == narch) {
                if (!o.groups) {
                    cli_print_json(json_object_array_get_idx(jarr, 0));
                } else {
                    struct json_object *wrap = cli_json_doc("baseline-groups");
                    json_object_object_add(wrap, "architectures", json_object_get(jarr));
                    cli_print_json(wrap);
                    json_object_put(wrap);
                }
            }
            json_object_put(jarr);
        }
    }
    for (size_t i = 0; i < nv; i++)
        cm_vector_free(&vecs[i]);
    for (size_t i = 0; i < n; i++)
        cm_snapshot_free(snaps[i]);
    free(vecs);
    free(snaps);
    return rc;
}

/* ---- compare ---- */
int cmd_compare(int argc, char **argv)
{
    int r = remote_or_null(cmd_compare_remote, argc, argv);
    if (r >= 0)
        return r;
    struct opts o;
    int first;
    int pr = parse(argc, argv, &o, &first);
    if (pr || argc - first != 2)
        return usage(pr, "compare");
    struct cm_snapshot *s[2] = {0};
    int rc = load_with_facts(&o, argv + first, 2, s, argv[0]);
    if (rc)
        return rc;
    struct cm_vector v[2];
    cm_error err = {0};
    if (cm_vector_from_snapshot(s[0], &v[0], &err) < 0) {
        rc = cli_fail(&err);
    } else if (cm_vector_from_snapshot(s[1], &v[1], &err) < 0) {
        cm_vector_free(&v[0]);
        rc = cli_fail(&err);
    } else {
        struct cm_comparison cmp;
        bool ok = cm_comparison_run(&v[0], &v[1], &o.assume, &cmp);
        const struct cm_reasons *reasons = &cmp.reasons;
        rc = ok ? CM_EXIT_OK : CM_EXIT_INCOMPATIBLE;
        struct json_object *j = cli_json_doc("compare");
        json_object_object_add(j, "from", json_object_new_string(v[0].name));
        json_object_object_add(j, "to", json_object_new_string(v[1].name));
        struct json_object *res = cm_comparison_to_json(&cmp);
        json_object_object_foreach(res, key, val)
            json_object_object_add(j, key, json_object_get(val));
        json_object_put(res);
        if (o.json) {
            cli_print_json(j);
        } else {
            printf("%s -> %s: %s%s%s (%zu errors, %zu warnings)\n", v[0].name, v[1].name,
                   cli_color(stdout, ok ? CLI_GREEN : CLI_RED), ok ? "COMPATIBLE" : "INCOMPATIBLE",
                   cli_color(stdout, CLI_OFF), cm_reasons_count(reasons, CM_SEV_ERROR),
                   cm_reasons_count(reasons, CM_SEV_WARNING));
            printf("  assumes: %s, %s\n", o.assume.reading == CM_READ_BOOT ? "a fresh boot (--boot)" : "a migration",
                   o.assume.restore == CM_RESTORE_PLAN_AWARE
                       ? "a VMM skipping the plan's hidden / safe-missing registers"
                       : "a VMM restoring every saved register (Firecracker, QEMU)");
            for (size_t i = 0; i < cmp.ncaps; i++)
                printf("  the VMM must enable %s (%u) on the VM before creating vCPUs\n",
                       cmp.cap_names[i] ? cmp.cap_names[i] : "a VM capability", cmp.caps[i]);
            cli_print_reasons(stdout, reasons, "  ", o.all ? 0 : 40);
        }
        if (o.out) {
            int wr = cli_write_json("compare", o.out, j);
            if (wr)
                rc = wr;
        }
        json_object_put(j);
        cm_comparison_free(&cmp);
        cm_vector_free(&v[0]);
        cm_vector_free(&v[1]);
    }
    cm_snapshot_free(s[0]);
    cm_snapshot_free(s[1]);
    return rc;
}

/* ---- plan ---- */
static void print_plan_human(const struct cm_plan *p)
{
    printf("Plan: restrict %s to model %s — %s%s%s\n", p->host, p->model, cli_color(stdout, p->ok ? CLI_GREEN : CLI_RED),
           p->ok ? "enforceable" : "NOT enforceable (see reasons)", cli_color(stdout, CLI_OFF));
    printf("Assumes: %s\n", p->assume.restore == CM_RESTORE_PLAN_AWARE
                                 ? "a VMM applying this plan's hidden / safe-missing register lists (--vmm=plan-aware)"
                                 : "a VMM restoring every saved register (--vmm=restore-all)");
    for (size_t i = 0; i < p->nenable_caps; i++)
        printf("\n0. The VMM must enable %s (%u) on the VM (KVM_ENABLE_CAP) before creating vCPUs, or the identity "
               "writes below are refused\n",
               p->enable_cap_names[i] ? p->enable_cap_names[i] : "a capability", p->enable_caps[i]);
    if (p->drop_init_features) { /* arm64 only: the driver's init-feature table names them */
        const struct cm_arch_ops *a64 = cm_arch_ops(CM_ARCH_ARM64);
        printf("\n1. KVM_ARM_VCPU_INIT: leave out");
        for (uint32_t bit = 0; bit < 32; bit++)
            if (p->drop_init_features & (1u << bit)) {
                const char *name = a64 && a64->init_feature_name ? a64->init_feature_name(bit) : NULL;
                printf(" %s (bit %u)", name ? name : "feature", bit);
            }
        printf(" = 0x%x\n", p->drop_init_features);
    }
    printf("\n%s. Register writes before the first KVM_RUN, in this order:\n", p->drop_init_features ? "2" : "1");
    if (!p->nwrites)
        printf("   (none: the host already presents the model)\n");
    for (size_t i = 0; i < p->nwrites; i++)
        printf("  %3zu  %-24s 0x%016llx  0x%llx -> 0x%llx  (%s)\n", i + 1, p->writes[i].name,
               (unsigned long long)p->writes[i].id, (unsigned long long)p->writes[i].old_value,
               (unsigned long long)p->writes[i].new_value, p->writes[i].why ? p->writes[i].why : "");
    if (p->nvanishing) {
        printf("\nRegisters that leave the vCPU's register list:\n");
        for (size_t i = 0; i < p->nvanishing; i++)
            printf("  0x%016llx\n", (unsigned long long)p->vanishing[i]);
    }
    if (p->nrollback) {
        printf("\nRegisters this host lists that the model's kernels do not (rollback):\n");
        for (size_t i = 0; i < p->nrollback; i++)
            printf("  %-10s %-24s 0x%016llx  %s\n", cm_rollback_name(p->rollback[i].cls), p->rollback[i].name,
                   (unsigned long long)p->rollback[i].id, p->rollback[i].why ? p->rollback[i].why : "");
        char *h = cm_plan_qemu_hidden_regs(p), *m = cm_plan_qemu_safe_missing_regs(p);
        printf("\nQEMU: x-mig-hidden-regs=\"%s\"\n      x-mig-safe-missing-regs=\"%s\"\n", h, m);
        free(h);
        free(m);
    }
    if (p->reasons.n) {
        printf("\nReasons:\n");
        cli_print_reasons(stdout, &p->reasons, "  ", 40);
    }
}

int cmd_plan(int argc, char **argv)
{
    int r = remote_or_null(cmd_plan_remote, argc, argv);
    if (r >= 0)
        return r;
    struct opts o;
    int first;
    int pr = parse(argc, argv, &o, &first);
    if (pr || argc - first != 2)
        return usage(pr, "plan");
    struct cm_snapshot *s[2] = {0};
    int rc = load_with_facts(&o, argv + first, 2, s, argv[0]);
    if (rc)
        return rc;
    struct cm_vector model;
    cm_error err = {0};
    if (cm_vector_from_snapshot(s[0], &model, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        struct cm_plan p;
        if (cm_plan_make_ex(&model, s[1], &o.assume, &p, &err) < 0) {
            rc = cli_fail(&err);
        } else {
            rc = p.ok ? CM_EXIT_OK : CM_EXIT_INCOMPATIBLE;
            struct json_object *j = cli_json_wrap("plan", cm_plan_to_json(&p));
            if (o.json)
                cli_print_json(j);
            else
                print_plan_human(&p);
            if (o.out) {
                int wr = cli_write_json("plan", o.out, j);
                if (wr)
                    rc = wr;
            }
            json_object_put(j);
            cm_plan_free(&p);
        }
        cm_vector_free(&model);
    }
    cm_snapshot_free(s[0]);
    cm_snapshot_free(s[1]);
    return rc;
}

/* ---- show ---- */
int cmd_show(int argc, char **argv)
{
    struct opts o;
    int first;
    int pr = parse(argc, argv, &o, &first);
    if (pr || argc - first != 1)
        return usage(pr, "show");
    struct cm_snapshot *s = NULL;
    int rc = cli_load_all(argv + first, 1, &s);
    if (rc)
        return rc;
    struct cm_vector v;
    cm_error err = {0};
    if (cm_vector_from_snapshot(s, &v, &err) < 0) {
        cm_snapshot_free(s);
        return cli_fail(&err);
    }
    const struct cm_arch_ops *ops = v.ops;
    struct json_object *arr = json_object_new_array();
    if (!o.json && v.is_model) {
        char d[CM_DIGEST_LEN];
        cm_vector_digest(&v, d);
        printf("model digest %s\n", d);
    }
    if (!o.json)
        printf("%s (%s, kernel %s): %zu registers\n\n%-22s %-18s %-10s %s\n", v.name, cm_arch_name(ops->arch),
               s->kernel ? s->kernel : "?", v.nregs, "REGISTER", "FIELD", "VALUE", "POLICY");
    for (size_t i = 0; i < ops->nwords; i++) {
        if (!v.present[i])
            continue;
        const struct cm_word *w = &ops->words[i];
        if (v.novalue[i]) {
            if (!o.json)
                printf("%-22s %-18s %-10s\n", w->name, "-", "(no value)");
            continue;
        }
        for (uint16_t fi = 0; fi < w->nfields; fi++) {
            const struct cm_field *f = &w->fields[fi];
            uint64_t fv = cm_field_get(f, v.val[i]);
            if (!o.all && fv == 0 && !o.json && !o.out)
                continue;
            if (o.json || o.out) {
                struct json_object *j = json_object_new_object();
                json_object_object_add(j, "register", json_object_new_string(w->name));
                json_object_object_add(j, "field", json_object_new_string(f->name));
                char hb[24];
                snprintf(hb, sizeof(hb), "0x%llx", (unsigned long long)fv);
                json_object_object_add(j, "value", json_object_new_string(hb));
                json_object_object_add(j, "policy", json_object_new_string(cm_policy_name(f)));
                json_object_array_add(arr, j);
            }
            if (!o.json && (o.all || fv != 0))
                printf("%-22s %-18s 0x%-8llx %s\n", w->name, f->name, (unsigned long long)fv, cm_policy_name(f));
        }
    }
    struct json_object *j = cli_json_doc("show");
    json_object_object_add(j, "host", json_object_new_string(v.name));
    json_object_object_add(j, "arch", json_object_new_string(cm_arch_name(ops->arch)));
    json_object_object_add(j, "fields", arr);
    if (o.json)
        cli_print_json(j);
    else if (!o.all)
        printf("\n(fields equal to 0 hidden; --all shows them)\n");
    rc = o.out ? cli_write_json("show", o.out, j) : CM_EXIT_OK;
    json_object_put(j);
    cm_vector_free(&v);
    cm_snapshot_free(s);
    return rc;
}
