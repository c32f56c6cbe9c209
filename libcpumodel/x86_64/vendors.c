/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU vendors by name: CPUID leaf 0 returns the vendor string in EBX, EDX,
 * ECX (4 ASCII bytes each, little-endian), and the model's vendor[0:3],
 * vendor[4:7], vendor[8:11] fields hold those pieces.  Reasons name the
 * vendor ("AuthenticAMD") instead of the piece's hex.  Vendor strings: Intel
 * SDM vol. 2A (CPUID leaf 0), AMD APM vol. 3, and the kernel's
 * arch/x86/kernel/cpu/{hygon,centaur,zhaoxin}.c c_ident.
 */
#include <stdio.h>
#include <string.h>

#include "x86_64/x86.h"

static const char *const vendors[] = {
    "GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls", "  Shanghai  ",
};

/* which 4-byte piece a vendor field holds: vendor[0:3] -> 0, [4:7] -> 1, [8:11] -> 2; -1 if none */
static int vendor_piece(const struct cm_field *f)
{
    unsigned lo;
    if (!f || sscanf(f->name, "vendor[%u:", &lo) != 1 || lo % 4 || lo > 8)
        return -1;
    return (int)(lo / 4);
}

static uint32_t piece_of(const char *vendor, int piece)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)(unsigned char)vendor[4 * piece + i] << (8 * i);
    return v;
}

const char *cm_x86_vendor_name(const struct cm_field *f, uint32_t v)
{
    int piece = vendor_piece(f);
    for (size_t i = 0; piece >= 0 && i < CM_ARRAY_SIZE(vendors); i++)
        if (piece_of(vendors[i], piece) == v)
            return vendors[i];
    return NULL;
}

bool cm_x86_value_meaning(const struct cm_word *w, const struct cm_field *f, uint64_t v, char *buf, size_t len)
{
    (void)w;
    if (vendor_piece(f) < 0)
        return false;
    char text[5];
    for (int i = 0; i < 4; i++) {
        char c = (char)((v >> (8 * i)) & 0xff);
        text[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    text[4] = 0;
    const char *vendor = cm_x86_vendor_name(f, (uint32_t)v);
    if (vendor) /* the whole vendor string says more than its piece */
        snprintf(buf, len, "%s", vendor);
    else
        snprintf(buf, len, "\"%s\"", text);
    return true;
}
