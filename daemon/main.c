/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpumodeld: the daemon and its CLI in one binary.  Each command lives in its
 * own file; commands from modules not built in this tree are weak and report
 * themselves missing. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    {"import", cmd_import, "import --from firecracker FILE [-o OUT] [--json]"},
    {"baseline", cmd_baseline, "baseline FILE... [--json] [--all] [-o MODEL] [--groups] | --socket PATH|--connect HOST:PORT [--peers A,B]"},
    {"compare", cmd_compare, "compare FROM TO [--json] | --socket PATH (FROM: host or model:NAME)"},
    {"plan", cmd_plan, "plan MODEL HOST [--json] | plan [NAME] --socket PATH"},
    {"show", cmd_show, "show FILE [--json] [--all]: the decoded feature vector"},
    {"probe", cmd_probe, "probe [--json] [-o FILE] [--dev PATH] [--name NAME]: read this host's KVM"},
    {"verify", cmd_verify, "verify PLAN [MODEL] [--json]: apply a plan on a scratch VM/vCPU and read back"},
    {"serve", cmd_serve, "serve [--config FILE] [--snapshot FILE] [--socket PATH] [--listen-tcp HOST:PORT] [--peer HOST:PORT]...: run the daemon"},
    {"query", cmd_query, "query [--json] [--socket PATH|--connect HOST:PORT]: this host, the cluster baseline, pinned models"},
    {"models", cmd_models, "models [NAME|sha256:DIGEST] [--json]: list pinned models (or show one)"},
    {"pin", cmd_pin, "pin NAME [--replace]: pin the current cluster baseline"},
    {"unpin", cmd_unpin, "unpin NAME"},
    {"reprobe", cmd_reprobe, "reprobe: ask the daemon to probe again"},
    {"export", cmd_export, "export --format firecracker|qemu|libvirt MODEL [--host SNAPSHOT] [-o FILE] [--json]: the model for a VMM (MODEL: file, model:NAME or sha256:DIGEST)"},
    {"forget", cmd_forget, "forget HOST: remove a silent host from the etcd registry (docs/cluster.md)"},
    {"libvirt-hook", cmd_libvirt_hook, "libvirt-hook DOM OP SUBOP EXTRA < XML: libvirt qemu hook (docs/libvirt.md)"},
    {"libvirt", cmd_libvirt, "libvirt apply DOMAIN [--model NAME] [--dry-run] [--uri URI]: set a domain's <cpu> to a pinned model (docs/libvirt.md)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cpumodeld COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %s%s\n", commands[i].help, commands[i].fn ? "" : "   (not built)");
    fprintf(f, "\nexit codes: 0 ok/compatible, 1 incompatible/not enforceable, 2 usage or input error, "
               "3 KVM/system error or daemon unreachable\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CM_EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        if (!commands[i].fn) {
            fprintf(stderr, "cpumodeld: command '%s' is not built into this binary\n", argv[1]);
            return CM_EXIT_USAGE;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "cpumodeld: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CM_EXIT_USAGE;
}
