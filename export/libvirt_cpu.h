/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt's CPU vocabulary, taken from libvirt itself: feature names and
 * their CPUID/MSR bits from its cpu_map data (x86_features.xml, read at run
 * time), named models and their expansion from its CPU API
 * (virConnectGetCPUModelNames, virConnectBaselineCPU with
 * EXPAND_FEATURES on the in-process test:///default driver: no daemon is
 * needed, and the libvirt hook must not call back into the libvirtd that
 * runs it).  Nothing here is a copied table.
 *
 * Used by the libvirt export (libvirt_export.c), `cpumodeld libvirt apply`
 * and the hook's check of the guest's real CPU (cli_libvirt_hook.c).
 */
#ifndef CPUMODELD_LIBVIRT_CPU_H
#define CPUMODELD_LIBVIRT_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumodel/cpumodel.h"

/* A sorted set of feature names. */
struct lv_names {
    char **v;
    size_t n, cap;
};
void lv_names_add(struct lv_names *s, const char *name); /* keeps it sorted, no duplicates */
bool lv_names_has(const struct lv_names *s, const char *name);
void lv_names_free(struct lv_names *s);
/* out = a \ b */
void lv_names_minus(const struct lv_names *a, const struct lv_names *b, struct lv_names *out);
/* "a, b, c" (at most max names, then "+N more"); caller frees */
char *lv_names_join(const struct lv_names *s, size_t max);
static inline void lv_names_freep(struct lv_names *s) { lv_names_free(s); }
#define _cleanup_names_ __attribute__((cleanup(lv_names_freep)))

struct lv_map; /* libvirt's x86 feature table */

/* The cpu_map directory: $CPUMODELD_LIBVIRT_CPU_MAP, else libvirt's default. */
const char *lv_cpu_map_dir(void);
/* Loads x86_features.xml and x86_vendors.xml.  NULL and *why on error. */
struct lv_map *lv_map_load(char *why, size_t whylen);
void lv_map_free(struct lv_map *m);
static inline void lv_map_freep(struct lv_map **m) { lv_map_free(*m); }
#define _cleanup_lv_map_ __attribute__((cleanup(lv_map_freep)))

/* The libvirt features an x86 snapshot (a host or a model) has: every bit of
 * the feature's CPUID/MSR definition set.  unnamed (optional): "CPUID.07.0.EBX[29]"
 * for each set bit in a register libvirt defines features in but has no name
 * for.  vendor (optional): libvirt's vendor name ("Intel") or NULL. */
void lv_snapshot_features(const struct lv_map *m, const struct cm_snapshot *s, struct lv_names *have,
                          struct lv_names *unnamed, const char **vendor);
/* libvirt marks the feature migratable='no' (e.g. invtsc) */
bool lv_feature_migratable(const struct lv_map *m, const char *name);
bool lv_feature_known(const struct lv_map *m, const char *name);

/* A custom guest CPU as libvirt defines it: named model + require/disable. */
struct lv_guest_cpu {
    char *model;   /* NULL: none */
    char *vendor;  /* NULL: none */
    struct lv_names require, disable, forbid, optional;
};
void lv_guest_cpu_free(struct lv_guest_cpu *c);

/* Expands a named x86 model through libvirt's CPU API (every feature it
 * includes, inherited ones too) and its vendor (NULL if the model has none).
 * 0 or -1 and *why. */
int lv_model_expand(const char *model, struct lv_names *features, char **vendor, char *why, size_t whylen);
/* Every x86 model libvirt knows, through its CPU API. */
int lv_model_names(struct lv_names *out, char *why, size_t whylen);
/* The features a guest with this custom CPU sees: the model's expansion,
 * plus require/force/optional, minus disable/forbid. */
int lv_guest_cpu_expand(const struct lv_guest_cpu *c, struct lv_names *out, char *why, size_t whylen);

/* Reads a domain's <cpu> element (NULL: the domain has none).  *mode gets
 * libvirt's mode ("custom", "host-model", "host-passthrough", "maximum");
 * without <cpu> or <model>, the guest gets QEMU's default x86_64 model
 * (LV_QEMU_DEFAULT_X86_MODEL).  0, or -1 and *why for a malformed element. */
#define LV_QEMU_DEFAULT_X86_MODEL "qemu64" /* QEMU target/i386/cpu.h TARGET_DEFAULT_CPU_TYPE (x86_64) */
struct _xmlNode;
int lv_guest_cpu_parse(struct _xmlNode *cpu, char **mode, struct lv_guest_cpu *out, char *why, size_t whylen);
#endif
