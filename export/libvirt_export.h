/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt export of a model: the domain <cpu> element that gives a guest
 * the model, in libvirt's own names (libvirt_cpu.h), and what libvirt cannot
 * express.
 *
 * x86_64: <cpu mode='custom' match='exact' check='full'> with the libvirt
 *   model closest to the model's feature set (fewest require + disable lines)
 *   and <feature policy='require|disable'> lines; the guest CPU libvirt
 *   expands from it is the model's feature set minus what libvirt marks
 *   non-migratable (listed, with the model bits libvirt has no name for).
 * arm64, riscv64: host-passthrough (libvirt 9 has no named guest models for
 *   KVM there) plus what libvirt can switch (arm64: sve off, pmu off); every
 *   other field where the model differs from the host is listed as not
 *   expressible.  The host is needed (host-passthrough gives the guest the
 *   host).
 */
#ifndef CPUMODELD_LIBVIRT_EXPORT_H
#define CPUMODELD_LIBVIRT_EXPORT_H

#include "cpumodel/cpumodel.h"
#include "libvirt_cpu.h"

struct json_object;

/* The export as JSON: {"format":"libvirt","arch","cpu_xml","features_xml"
 * (arm64 <features> additions or null),"model","require","disable",
 * "guest_features","not_expressible":[{"what","why"}]}.  host may be NULL on
 * x86_64.  0, or -1 with *err (CM_E_INPUT for bad input, CM_E_NOTSUP when
 * libvirt's data is missing). */
int lv_export(const struct cm_snapshot *model, const struct cm_snapshot *host, struct json_object **out,
              cm_error *err);
/* x86_64: the libvirt features a guest given the model's export gets (the
 * model's, minus those libvirt marks non-migratable), without choosing a
 * libvirt model; vendor (optional): libvirt's vendor name or NULL (caller
 * frees); nx
 * (optional JSON array): gets the not-expressible notes. */
int lv_model_guest_features(const struct cm_snapshot *model, struct lv_names *guest, char **vendor,
                            struct json_object *nx, cm_error *err);
/* The human rendering: the XML, then the not-expressible list as comments. */
void lv_export_print(FILE *f, const struct json_object *exp);

#endif
