/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpumodeld: the daemon and its CLI in one binary.  Each command lives in its
 * own file; commands from modules not built in this tree are weak and report
 * themselves missing.  The help of every command is here, once: `cpumodeld
 * help CMD`, `cpumodeld CMD --help` and `cpumodeld CMD -h` print the same
 * text, and the commands' usage errors print its first lines (cli_usage, through
 * cli_set_usage: cli_util.c never calls back into this file by name). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "paths.h"
#include "serve.h" /* the one entry into the server (not weak: it is always built) */

#ifndef CPUMODELD_VERSION
#define CPUMODELD_VERSION "unknown"
#endif
/* The hook path this build installs (cmake/install.cmake), as the help names it. */
#ifdef CPUMODELD_HOOK
#define CPUMODELD_HOOK_HELP CPUMODELD_HOOK
#else
#define CPUMODELD_HOOK_HELP "/usr/libexec/cpumodeld/libvirt-qemu-hook"
#endif

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary; /* one line for `cpumodeld help` */
    const char *help;    /* usage lines, a blank line, what it does, the options */
};

#define DAEMON_OPTS                                                                                              \
    "  --socket PATH         ask the daemon on this Unix socket (default /run/cpumodeld/io.cpumodeld)\n"         \
    "  --connect HOST:PORT   ask a daemon over TCP (read-only methods)\n"                                        \
    "  --pki DIR             --connect speaks TLS with DIR's cacert.pem, clientcert.pem and\n"                  \
    "                        private/clientkey.pem (default $CPUMODELD_PKI, else /etc/pki/cpumodeld)\n"         \
    "  --tcp-insecure        plain TCP, for a daemon with tcp_insecure = yes (or CPUMODELD_TCP_INSECURE)\n"      \
    "  --timeout-ms N        how long to wait for the daemon (default 30000)\n"

static const struct command commands[] = {
    {"import", cmd_import, "convert a Firecracker fingerprint to a snapshot",
     "usage: cpumodeld import [--from firecracker|snapshot|auto] FILE [-o OUT] [--json]\n"
     "\n"
     "Reads FILE (the format is detected; --from insists on one) and prints what it holds.\n"
     "  -o, --output OUT   write the snapshot (cpumodel.snapshot/1) to OUT\n"
     "  --json             print the snapshot JSON\n"},
    {"show", cmd_show, "the decoded feature vector of a snapshot",
     "usage: cpumodeld show FILE [--json] [--all] [-o OUT]\n"
     "\n"
     "Prints every feature field of FILE with its value and merge policy.\n"
     "  --all              also the fields equal to 0\n"
     "  --json             the fields as JSON (schema cpumodel.show/1)\n"
     "  -o, --output OUT   write that JSON document to OUT\n"},
    {"baseline", cmd_baseline, "the largest model every host can run",
     "usage: cpumodeld baseline FILE... [--json] [--all] [--host NAME] [-o MODEL] [--groups]\n"
     "       cpumodeld baseline [PEER...] --socket PATH|--connect HOST:PORT [--json] [-o MODEL]\n"
     "\n"
     "Merges hosts (or models) into the largest common model: the first line says whether it is\n"
     "enforceable on every host; then the fields where hosts differ and which host limits each,\n"
     "each host's verdict with reasons, and compatibility groups when one model does not fit all.\n"
     "  --json             the result as JSON (schema cpumodel.baseline/1)\n"
     "  -o, --output MODEL write the model as a snapshot usable by compare, plan and baseline\n"
     "  --all              every field, every host and every reason\n"
     "  --host NAME        (text) this host's verdict with every reason; repeat for more\n"
     "                     (above 256 hosts the report shows the first 30 failing hosts, one reason each)\n"
     "  --groups           inputs of several architectures: one baseline per architecture\n"
     "                     (a CPU model cannot span architectures); with -o, MODEL.ARCH.json each\n"
     "  --peers A,B        (daemon) ask these peers instead of the configured ones\n"
     "  --boot             a fresh boot's reading (identity registers show the host's values),\n"
     "                     not a migration's (the default)\n"
     "  --vmm=restore-all|plan-aware  what the VMM restores (default restore-all: every saved register)\n"
     "  --fact [HOST:]NAME=VALUE  state a host fact (writable-id-regs=yes, writable-imp-id-regs=yes)\n" DAEMON_OPTS},
    {"compare", cmd_compare, "can a guest move from one host or model to another",
     "usage: cpumodeld compare FROM TO [--json] [--all] [-o OUT]\n"
     "       cpumodeld compare FROM [TO] --socket PATH|--connect HOST:PORT [--json] [-o OUT]\n"
     "\n"
     "Can a guest using FROM (a model or a host) run on TO?  The first line is the verdict; each\n"
     "failing field follows with the reason.  With the daemon, FROM is a host name or model:NAME and\n"
     "TO a host name (default: this host).  Exit 0 compatible, 1 incompatible.\n"
     "  --json             the result as JSON (schema cpumodel.compare/1)\n"
     "  -o, --output OUT   write that JSON document to OUT\n"
     "  --all              every reason (default: the first 40)\n"
     "  --boot             a fresh boot's reading (identity registers show the host's values),\n"
     "                     not a migration's (the default)\n"
     "  --vmm=restore-all|plan-aware  what the VMM restores (default restore-all: every saved register)\n"
     "  --fact [HOST:]NAME=VALUE  state a host fact (writable-id-regs=yes, writable-imp-id-regs=yes)\n" DAEMON_OPTS},
    {"plan", cmd_plan, "the register writes that restrict a host to a model",
     "usage: cpumodeld plan MODEL HOST [--json] [-o OUT]\n"
     "       cpumodeld plan [NAME|model:NAME] --socket PATH|--connect HOST:PORT [--json] [-o OUT]\n"
     "\n"
     "The init features to leave out, the register writes in KVM's order before the first KVM_RUN,\n"
     "the registers that leave the vCPU's list, and the rollback class of every register HOST lists\n"
     "that the model's kernels do not.  With the daemon: a pinned model (default: the live cluster\n"
     "baseline) on this host.  Exit 0 enforceable, 1 not.\n"
     "  --json             the plan as JSON (schema cpumodel.plan/1)\n"
     "  -o, --output OUT   write that JSON document to OUT\n"
     "  --boot             a fresh boot's reading (identity registers show the host's values),\n"
     "                     not a migration's (the default)\n"
     "  --vmm=restore-all|plan-aware  what the VMM restores (default restore-all: every saved register)\n"
     "  --fact [HOST:]NAME=VALUE  state a host fact (writable-id-regs=yes, writable-imp-id-regs=yes)\n" DAEMON_OPTS},
    {"matrix", cmd_matrix, "which host can take guests from which",
     "usage: cpumodeld matrix SNAPSHOT... [--json] [--svg FILE] [-o OUT]\n"
     "       cpumodeld matrix --socket PATH|--connect HOST:PORT [--peers A,B] [--json] [--svg FILE]\n"
     "\n"
     "Compares every host with every other: row FROM, column TO, 'o' a guest of FROM runs on TO,\n"
     "'x' it does not.  Hosts are ordered by compatibility group (A, B, ...: each with a baseline\n"
     "enforceable on all its members).  With the daemon: the cluster's members.\n"
     "  --json             the matrix as JSON (schema cpumodel.matrix/1)\n"
     "  -o, --output OUT   write that JSON document to OUT\n"
     "  --svg FILE         a heat map: groups marked, the blocking feature on hover\n"
     "  --peers A,B        (daemon) ask these peers instead of the configured ones\n" DAEMON_OPTS},
    {"probe", cmd_probe, "read this host's KVM into a snapshot",
     "usage: cpumodeld probe [--json] [-o FILE] [--dev PATH] [--name NAME]\n"
     "\n"
     "Reads this host's KVM (capabilities, CPUID/MSRs or registers) into a snapshot.\n"
     "  --json             print the snapshot JSON (schema cpumodel.snapshot/1)\n"
     "  -o FILE            save the snapshot to FILE (atomic replace)\n"
     "  --dev PATH         the KVM device (default /dev/kvm)\n"
     "  --name NAME        the host name recorded (default: the system host name)\n"},
    {"verify", cmd_verify, "apply a plan on a scratch vCPU and read it back",
     "usage: cpumodeld verify PLAN [MODEL] [--json]\n"
     "\n"
     "Applies the plan on a scratch VM and vCPU of this host (never run) and reads every register\n"
     "back; MODEL is the model the plan was made for.  Exit 0 matches, 1 mismatches (listed).\n"
     "  --json             the result as JSON\n"},
    {"serve", cmd_serve, "run the daemon",
     "usage: cpumodeld serve [--config FILE] [--snapshot FILE] [--state-dir DIR] [--socket PATH]\n"
     "                       [--listen-tcp HOST:PORT]... [--peer HOST:PORT]... [--set KEY=VALUE]...\n"
     "\n"
     "Serves the Varlink interface io.cpumodeld on a Unix socket and optionally read-only TCP.\n"
     "  --config FILE          configuration (default " CMD_DEFAULT_CONFIG ", optional)\n"
     "  --snapshot FILE        serve this snapshot instead of probing KVM\n"
     "  --state-dir DIR        state directory (default /var/lib/cpumodeld)\n"
     "  --socket PATH          Unix socket (default /run/cpumodeld/io.cpumodeld; \"\" for none)\n"
     "  --listen-tcp HOST:PORT read-only TCP listener (repeatable)\n"
     "  --peer HOST:PORT       a peer (repeatable; adds to the configuration's)\n"
     "  --peer-timeout-ms N    per-peer timeout\n"
     "  --set KEY=VALUE        any configuration key (see cpumodeld.conf)\n"
     "  --varlink-certification  also serve org.varlink.certification\n"},
    {"query", cmd_query, "this host, the cluster baseline and the pinned models",
     "usage: cpumodeld query [--json] [--peers A,B] [--socket PATH|--connect HOST:PORT]\n"
     "       cpumodeld query --call METHOD [JSON]\n"
     "\n"
     "Asks the daemon: this host and its drift, the cluster baseline (on how many of how many hosts\n"
     "it was computed), the pinned models.  Exit 1 when a host did not answer, the baseline is not\n"
     "enforceable everywhere or a pinned model no longer runs everywhere.\n"
     "  --json             everything as JSON (schema cpumodel.query/1)\n"
     "  --peers A,B        ask these peers instead of the configured ones\n"
     "  --call METHOD      one raw Varlink call, printing the whole reply (for scripts)\n" DAEMON_OPTS},
    {"models", cmd_models, "list the pinned models",
     "usage: cpumodeld models [NAME|sha256:DIGEST] [--json] [--socket PATH|--connect HOST:PORT]\n"
     "\n"
     "Lists the pinned models with their generation, digest and creation time (or shows one).\n"
     "  --json             the list as JSON (schema cpumodel.models/1)\n" DAEMON_OPTS},
    {"pin", cmd_pin, "pin the current cluster baseline under a name",
     "usage: cpumodeld pin NAME [--replace] [--force] [--peers A,B] [--json] [--socket PATH]\n"
     "\n"
     "Stores the current cluster baseline under NAME with a new generation; a pinned model never\n"
     "changes silently.  Refused when a live member cannot run the model (they are named) unless\n"
     "--force.  Needs the Unix socket, as root or a member of the socket's group.\n"
     "  --replace          replace an existing model of that name (a new generation)\n"
     "  --force            pin even though some live members cannot run the model\n"
     "  --peers A,B        ask these peers instead of the configured ones\n"
     "  --json             the reply as JSON\n" DAEMON_OPTS},
    {"unpin", cmd_unpin, "forget a pinned model",
     "usage: cpumodeld unpin NAME [--socket PATH]\n"
     "\n"
     "Removes the pinned model NAME.  Needs the Unix socket, as root or a member of its group.\n" DAEMON_OPTS},
    {"reprobe", cmd_reprobe, "ask the daemon to probe again",
     "usage: cpumodeld reprobe [--json] [--socket PATH]\n"
     "\n"
     "Probes this host's KVM again and reports what drifted.\n"
     "  --json             the reply as JSON\n" DAEMON_OPTS},
    {"export", cmd_export, "the model in a VMM's own format",
     "usage: cpumodeld export --format firecracker|qemu|libvirt MODEL [--host SNAPSHOT] [-o FILE] [--json]\n"
     "\n"
     "Turns MODEL (a model file, a baseline result, model:NAME or sha256:DIGEST from the daemon) into\n"
     "what a VMM takes for HOST (default: the daemon's host, else this host probed): a Firecracker\n"
     "custom CPU template, a QEMU -cpu argument, a libvirt <cpu> element; what the format cannot\n"
     "express is listed.  A host that cannot reach the model gets the reasons (exit 1), no output.\n"
     "  --format NAME      firecracker, qemu or libvirt\n"
     "  --host SNAPSHOT    the host the output is for\n"
     "  -o, --output FILE  write the output to FILE\n"
     "  --json             the result as JSON (format, digest, output, cannot_express, reasons)\n" DAEMON_OPTS},
    {"forget", cmd_forget, "remove a silent host from the etcd registry",
     "usage: cpumodeld forget HOST [--socket PATH]\n"
     "\n"
     "Removes HOST, whose lease ended, from the cluster registry (etcd backend, docs/cluster.md);\n"
     "a live or unknown host is refused.  A silent host counts in the baseline until forgotten.\n" DAEMON_OPTS},
    {"libvirt-hook", cmd_libvirt_hook, "libvirt qemu hook that vetoes migrations",
     "usage: cpumodeld libvirt-hook DOMAIN OPERATION SUBOPERATION [EXTRA] < domain.xml\n"
     "\n"
     "Called by libvirtd; installed, and enabled by one link (then restart libvirtd):\n"
     "  ln -s " CPUMODELD_HOOK_HELP " \\\n"
     "        /etc/libvirt/hooks/qemu.d/cpumodeld\n"
     "On the destination's migrate begin and restore begin it derives the guest's real CPU from the\n"
     "domain XML (custom models expanded through libvirt; host-passthrough: checked against every other\n"
     "cluster member as a possible source) and vetoes what this host cannot run, or a label that is not\n"
     "the guest's CPU (docs/libvirt.md).  Environment: CPUMODELD_SOCKET,\n"
     "CPUMODELD_HOOK_STRICT (default 1), CPUMODELD_HOOK_TIMEOUT_MS (default 10000).\n"},
    {"libvirt", cmd_libvirt, "set a libvirt domain's CPU to a pinned model",
     "usage: cpumodeld libvirt apply DOMAIN [--model NAME] [--dry-run] [--uri URI] [--socket PATH]\n"
     "\n"
     "Through libvirt's API, sets the inactive domain's <cpu> to the libvirt export of the model\n"
     "(default: the cluster baseline) and records its name, generation and digest in <metadata>.\n"
     "A running domain is refused unless its CPU already is the model.\n"
     "  --model NAME       a pinned model (name, model:NAME or sha256:DIGEST)\n"
     "  --dry-run          print the XML change, change nothing\n"
     "  --uri URI          the libvirt connection (default qemu:///system)\n"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cpumodeld COMMAND [ARGS]\n       cpumodeld help COMMAND | --version\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-14s %s%s\n", commands[i].name, commands[i].summary, commands[i].fn ? "" : " (not built)");
    fprintf(f, "\nexit codes: 0 ok/compatible, 1 incompatible/not enforceable, 2 usage or input error,\n"
               "            3 KVM/system error or daemon unreachable\n");
}

static void print_help(const struct command *c)
{
    fputs(c->help, stdout);
    fputs("\nexit codes: 0 ok/compatible, 1 incompatible/not enforceable, 2 usage or input error,\n"
          "            3 KVM/system error or daemon unreachable\n",
          stdout);
}

static void usage_lines(const char *cmd)
{
    const struct command *c = find(cmd);
    if (!c)
        return;
    /* the usage lines: up to the first blank line */
    const char *end = strstr(c->help, "\n\n");
    fprintf(stderr, "%.*s\n(cpumodeld help %s for more)\n", (int)(end ? end - c->help : (long)strlen(c->help)),
            c->help, cmd);
}

/* Is -h/--help among the arguments (before "--")?  The hook's arguments come from libvirt, so only its first. */
static bool wants_help(const struct command *c, int argc, char **argv)
{
    int last = strcmp(c->name, "libvirt-hook") ? argc - 1 : (argc > 2 ? 2 : argc - 1);
    for (int i = 2; i <= last; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    }
    return false;
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS + 2];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    names[NCOMMANDS] = "help";
    names[NCOMMANDS + 1] = "version";
    const char *near = cli_nearest(name, names, NCOMMANDS + 2);
    fprintf(stderr, "cpumodeld: '%s' is not a command.", name);
    if (near)
        fprintf(stderr, " Did you mean '%s'?", near);
    fprintf(stderr, "\n(cpumodeld help lists the commands)\n");
    return CM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    cli_timing_start();
    cli_set_usage(usage_lines); /* the commands' usage errors print their lines from the table above */
    if (argc < 2) {
        usage(stderr);
        return CM_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("cpumodeld %s\n", CPUMODELD_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        if (argc > 2 && !strcmp(argv[1], "help")) {
            if (!strcmp(argv[2], "--commands")) { /* for the bash completion */
                for (size_t i = 0; i < NCOMMANDS; i++)
                    printf("%s\n", commands[i].name);
                return 0;
            }
            const struct command *c = find(argv[2]);
            if (!c)
                return unknown_command(argv[2]);
            print_help(c);
            return 0;
        }
        usage(stdout);
        return 0;
    }
    const struct command *c = find(argv[1]);
    if (!c)
        return unknown_command(argv[1]);
    if (wants_help(c, argc, argv)) {
        print_help(c);
        return 0;
    }
    if (!c->fn) {
        fprintf(stderr, "cpumodeld: command '%s' is not built into this binary\n", argv[1]);
        return CM_EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}
