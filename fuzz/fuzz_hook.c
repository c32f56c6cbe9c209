/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt hook's input: the domain XML on stdin, down to the pinned
 * model reference it names (find_ref; the file is included to reach its
 * static functions without changing it). */
#include "cli_libvirt_hook.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hook_ref ref = {0};
    char why[512];
    find_ref((const char *)data, size, &ref, why, sizeof(why));
    free(ref.name);
    return 0;
}
