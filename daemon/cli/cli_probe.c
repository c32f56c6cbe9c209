/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cpumodeld probe [--json] [-o FILE] [--dev PATH] [--name NAME]`: reads this
 * host's KVM into a snapshot.  Without --json a short human summary; with -o
 * the snapshot is saved (atomically) to FILE.
 *
 * Exit codes: 0 probed; 2 usage error (bad option, unwritable -o FILE is 3);
 * 3 KVM/system error (no /dev/kvm, no permission, an ioctl failed, not
 * supported on this arch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "cpumodel/probe.h"

static const char probe_usage[] =
    "usage: cpumodeld probe [--json] [-o FILE] [--dev PATH] [--name NAME]\n"
    "  Reads this host's KVM (capabilities, CPUID/MSRs or registers) into a snapshot.\n"
    "  --json       print the snapshot JSON (schema " CM_SNAPSHOT_SCHEMA ")\n"
    "  -o FILE      save the snapshot to FILE (atomic replace)\n"
    "  --dev PATH   the KVM device (default /dev/kvm)\n"
    "  --name NAME  the host name recorded (default: the system host name)\n"
    "exit codes: 0 ok, 2 usage error, 3 KVM/system error (no /dev/kvm, permission, ioctl failure)\n";

/* Probe failures are all about this system (device, permission, kernel). */
static int probe_fail(const cm_error *err)
{
    fprintf(stderr, "cpumodeld: probe: %s\n", err->msg);
    return err->code == CM_E_INPUT ? CM_EXIT_USAGE : CM_EXIT_SYSTEM;
}

static void print_summary(const struct cm_snapshot *s)
{
    printf("host:        %s\n", s->host ? s->host : "(unknown)");
    printf("arch:        %s\n", cm_arch_name(s->arch));
    printf("kernel:      %s (KVM API %d)\n", s->kernel ? s->kernel : "(unknown)", s->api_version);
    printf("cpu:         %s\n", s->cpu ? s->cpu : "(unknown)");
    if (s->microcode)
        printf("microcode:   %s\n", s->microcode);
    if (s->bios)
        printf("bios:        %s\n", s->bios);
    printf("probed:      %s in %.2f ms\n", s->created ? s->created : "?", s->probe_ms);
    printf("capabilities: %zu recorded", s->ncaps);
    size_t differ = 0;
    for (size_t i = 0; i < s->ncaps; i++)
        differ += s->caps[i].has_vm && s->caps[i].vm != s->caps[i].sys;
    printf(", %zu differ between the system fd and a VM fd\n", differ);
    for (size_t i = 0; i < s->ncaps; i++) {
        const struct cm_cap *c = &s->caps[i];
        if (c->has_vm && c->vm != c->sys) {
            const char *n = cm_kvm_cap_name(c->id);
            printf("  %s (%u): system %lld, VM %lld\n", n ? n : "cap", c->id, (long long)c->sys, (long long)c->vm);
        }
    }
    printf("registers:   %zu\n", s->nregs);
    if (s->arch == CM_ARCH_X86_64) {
        const struct cm_cpuid_entry *l0 = cm_snapshot_find_cpuid(s, 0, 0);
        const struct cm_cpuid_entry *e0 = cm_snapshot_find_cpuid(s, 0x80000000, 0);
        char vendor[13] = "?";
        if (l0) {
            memcpy(vendor, &l0->ebx, 4);
            memcpy(vendor + 4, &l0->edx, 4);
            memcpy(vendor + 8, &l0->ecx, 4);
            vendor[12] = '\0';
        }
        printf("cpuid:       %zu entries (+%zu emulated), vendor %s, max leaf 0x%x, max extended 0x%x\n", s->ncpuid,
               s->ncpuid_emulated, vendor, l0 ? l0->eax : 0, e0 ? e0->eax : 0);
        printf("msrs:        %zu saved/restored (KVM_GET_MSR_INDEX_LIST), %zu feature MSRs:", s->nmsr_index_list,
               s->nmsrs);
        for (size_t i = 0; i < s->nmsrs; i++)
            printf(" 0x%x=0x%llx", s->msrs[i].index, (unsigned long long)s->msrs[i].value);
        printf("\n");
    }
    if (s->has_vcpu_features)
        printf("vcpu init:   features 0x%x\n", s->vcpu_features);
    if (s->writable_masks)
        printf("writable ID register masks: yes\n");
}

int cmd_probe(int argc, char **argv)
{
    struct cm_probe_opts opts = {.arm64_all_features = true};
    const char *out = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
            opts.dev = argv[++i];
        } else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
            opts.host_name = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(probe_usage, stdout);
            return CM_EXIT_OK;
        } else {
            fprintf(stderr, "cpumodeld: probe: unexpected argument '%s'\n%s", argv[i], probe_usage);
            return CM_EXIT_USAGE;
        }
    }

    cm_error err = {0};
    _cleanup_snapshot_ struct cm_snapshot *s = NULL;
    if (cm_probe(&opts, &s, &err) < 0)
        return probe_fail(&err);
    if (out && cm_snapshot_save(s, out, &err) < 0) {
        fprintf(stderr, "cpumodeld: probe: %s\n", err.msg);
        return CM_EXIT_SYSTEM;
    }
    if (json) {
        _cleanup_free_ char *text = NULL;
        if (cm_snapshot_to_json_string(s, &text) < 0 || !text) {
            fprintf(stderr, "cpumodeld: probe: could not render the snapshot as JSON\n");
            return CM_EXIT_SYSTEM;
        }
        fputs(text, stdout);
        if (text[0] && text[strlen(text) - 1] != '\n')
            fputc('\n', stdout);
    } else if (!out || !opts.quiet) {
        print_summary(s);
        if (out)
            printf("saved:       %s\n", out);
    }
    return CM_EXIT_OK;
}
