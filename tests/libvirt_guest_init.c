/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /init of the x86_64 guest in tests/test_libvirt_hook.sh part (b): reports
 * on the serial console (ttyS0) what CPU the guest sees, then keeps ticking
 * so the test can tell the guest survived its migrations.
 *
 *   CPUID <leaf> <subleaf> <eax> <ebx> <ecx> <edx>   the raw CPUID instruction
 *   FLAGS <the /proc/cpuinfo flags line>              what Linux made of it
 *   CPUID-END <n>
 *   TICK <n> <fnv1a over the CPUID lines>             every second, CPUID read again
 *
 * Static, no libc beyond the basics, no device nodes needed (devtmpfs).
 */
#include <cpuid.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t fnv(uint32_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Leaves 0..max basic with subleaves 0..3, 0x80000000..max extended. */
static uint32_t dump(bool print)
{
    uint32_t h = 2166136261u, a, b, c, d, max;
    char line[128];
    const uint32_t bases[] = {0, 0x80000000u};
    for (int k = 0; k < 2; k++) {
        __cpuid_count(bases[k], 0, max, b, c, d);
        if (max < bases[k] || max > bases[k] + 0x40)
            continue;
        for (uint32_t leaf = bases[k]; leaf <= max; leaf++)
            for (uint32_t sub = 0; sub < 4; sub++) {
                __cpuid_count(leaf, sub, a, b, c, d);
                snprintf(line, sizeof(line), "CPUID 0x%x 0x%x 0x%08x 0x%08x 0x%08x 0x%08x\n", leaf, sub, a, b, c, d);
                h = fnv(h, line);
                if (print)
                    fputs(line, stdout);
            }
    }
    return h;
}

int main(void)
{
    mkdir("/dev", 0755);
    mkdir("/proc", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mount("proc", "/proc", "proc", 0, NULL);
    int fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("CPUMODELD-GUEST up\n");
    uint32_t h = dump(true);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "flags", 5)) {
            printf("FLAGS %s", strchr(line, ':') ? strchr(line, ':') + 2 : line);
            break;
        }
    if (f)
        fclose(f);
    printf("CPUID-END 0x%08x\n", h);
    for (unsigned long n = 1;; n++) {
        sleep(1);
        printf("TICK %lu 0x%08x\n", n, dump(false));
    }
}
