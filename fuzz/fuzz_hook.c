/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt hook's input: the domain XML on stdin, down to the pinned
 * model reference and the guest CPU it describes (read_domain; the file is
 * included to reach its static functions without changing it). */
#include "cli_libvirt_hook.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hook_ref ref = {0};
    struct hook_guest g = {0};
    char why[512];
    read_domain((const char *)data, size, &ref, &g, why, sizeof(why));
    free(ref.name);
    free(ref.digest);
    free(g.mode);
    free(g.arch);
    lv_guest_cpu_free(&g.cpu);
    return 0;
}
