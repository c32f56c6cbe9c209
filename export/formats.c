/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The export formats: name -> function (export.h explains how to add one). */
#include "export.h"

const struct cm_export_format cm_export_formats[] = {
    {"firecracker", "a Firecracker custom CPU template (docs/firecracker.md)", cm_export_firecracker,
     CM_EXPORT_REACH_PLAN, 1u << CM_ARCH_ARM64 | 1u << CM_ARCH_X86_64},
    {"qemu", "QEMU's -cpu argument (docs/qemu.md)", cm_export_qemu, CM_EXPORT_REACH_OFFER, 0},
    {"libvirt", "a libvirt domain <cpu> element (docs/libvirt.md)", cm_export_libvirt, CM_EXPORT_REACH_OFFER, 0},
};
const size_t cm_export_nformats = sizeof(cm_export_formats) / sizeof(cm_export_formats[0]);
