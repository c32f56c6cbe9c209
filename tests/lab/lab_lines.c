/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lab's snapshot text format (lab_lines.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_lines.h"

void lab_print_snapshot(FILE *f, const char *p, const struct cm_snapshot *s)
{
    fprintf(f, "%sMETA arch %s\n", p, cm_arch_name(s->arch));
    fprintf(f, "%sMETA kind %s\n", p, s->kind == CM_KIND_MODEL ? "model" : "host");
    fprintf(f, "%sMETA host %s\n", p, s->host ? s->host : "");
    fprintf(f, "%sMETA kernel %s\n", p, s->kernel ? s->kernel : "");
    fprintf(f, "%sMETA api %d\n", p, s->api_version);
    if (s->cpu)
        fprintf(f, "%sMETA cpu %s\n", p, s->cpu);
    if (s->has_vcpu_features)
        fprintf(f, "%sMETA features 0x%x\n", p, s->vcpu_features);
    if (s->preferred_target)
        fprintf(f, "%sMETA target %u\n", p, s->preferred_target);
    for (size_t i = 0; i < s->nmembers; i++)
        fprintf(f, "%sMETA member %s\n", p, s->members[i]);
    for (size_t i = 0; i < s->ncaps; i++)
        fprintf(f, "%sCAP %u %lld %d %lld\n", p, s->caps[i].id, (long long)s->caps[i].sys, s->caps[i].has_vm,
                (long long)s->caps[i].vm);
    for (size_t i = 0; i < s->nregs; i++) {
        const struct cm_reg *r = &s->regs[i];
        const uint64_t *v = cm_snapshot_reg_val(s, r);
        size_t bytes = cm_reg_bytes(r->id), nw = cm_reg_words(r->id);
        fprintf(f, "%sREG 0x%016llx %u ", p, (unsigned long long)r->id, r->flags);
        if (bytes < 8)
            fprintf(f, "%0*llx", (int)(bytes * 2), (unsigned long long)v[0]);
        else
            for (size_t w = nw; w-- > 0;)
                fprintf(f, "%016llx", (unsigned long long)v[w]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < s->nfacts; i++)
        fprintf(f, "%sFACT %s 0x%llx\n", p, s->facts[i].name, (unsigned long long)s->facts[i].value);
    if (s->writable_masks) {
        fprintf(f, "%sMASKS present\n", p);
        for (size_t i = 0; i < CM_ARM64_MASKS_LEN; i++)
            if (s->writable_masks[i])
                fprintf(f, "%sMASK %zu 0x%016llx\n", p, i, (unsigned long long)s->writable_masks[i]);
    }
}

/* A full-width hex value, most significant digit first, into nw LE words. */
static int parse_value(const char *hex, uint64_t *w, size_t nw)
{
    size_t len = strlen(hex);
    memset(w, 0, nw * sizeof(*w));
    if (!len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = hex[len - 1 - i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
        if (d > 15 || i / 16 >= nw)
            return -1;
        w[i / 16] |= (uint64_t)d << (4 * (i % 16));
    }
    return 0;
}

int lab_parse_line(struct cm_snapshot *s, const char *p, char *err, size_t errlen)
{
    char key[32], val[600];
    unsigned long long a, b, c;
    unsigned flags;
    int hv;
    cm_error e = {0};
    int n = sscanf(p, "META %31s %599[^\n]", key, val);
    if (n >= 1) {
        if (n < 2)
            val[0] = 0;
        if (!strcmp(key, "arch"))
            s->arch = cm_arch_from_name(val);
        else if (!strcmp(key, "kind"))
            s->kind = !strcmp(val, "model") ? CM_KIND_MODEL : CM_KIND_HOST;
        else if (!strcmp(key, "host"))
            cm_snapshot_set_str(&s->host, val);
        else if (!strcmp(key, "kernel"))
            cm_snapshot_set_str(&s->kernel, val);
        else if (!strcmp(key, "cpu"))
            cm_snapshot_set_str(&s->cpu, val);
        else if (!strcmp(key, "api"))
            s->api_version = atoi(val);
        else if (!strcmp(key, "features"))
            s->has_vcpu_features = true, s->vcpu_features = (uint32_t)strtoul(val, NULL, 0);
        else if (!strcmp(key, "target"))
            s->preferred_target = (uint32_t)strtoul(val, NULL, 0);
        else if (!strcmp(key, "member"))
            cm_snapshot_add_member(s, val);
        else if (!strcmp(key, "probe_ms"))
            s->probe_ms = strtod(val, NULL);
        return 1; /* other META keys are lab notes (base_regs, writes…) */
    }
    if (sscanf(p, "CAP %llu %lld %d %lld", &a, (long long *)&b, &hv, (long long *)&c) == 4) {
        cm_snapshot_add_cap(s, (uint32_t)a, (int64_t)b, hv != 0, (int64_t)c);
        return 1;
    }
    if (!strncmp(p, "REG ", 4)) {
        /* a U2048 value is 512 hex digits */
        char hex[520];
        uint64_t w[32];
        if (sscanf(p, "REG %llx %u %519s", &a, &flags, hex) != 3 || cm_reg_words(a) > 32 ||
            parse_value(hex, w, cm_reg_words(a)) < 0) {
            snprintf(err, errlen, "malformed register line");
            return -1;
        }
        if (cm_snapshot_add_reg(s, a, w, flags, &e) < 0) {
            snprintf(err, errlen, "%s", e.msg);
            return -1;
        }
        return 1;
    }
    if (!strncmp(p, "FACT ", 5)) {
        char name[128], end;
        if (sscanf(p, "FACT %127s %llx %c", name, &a, &end) != 2) {
            snprintf(err, errlen, "malformed fact line");
            return -1;
        }
        if (cm_snapshot_add_fact(s, name, a, &e) < 0) {
            snprintf(err, errlen, "%s", e.msg);
            return -1;
        }
        return 1;
    }
    if (!strncmp(p, "MASKS present", 13)) {
        if (!s->writable_masks)
            s->writable_masks = cm_xcalloc(CM_ARM64_MASKS_LEN, sizeof(uint64_t));
        return 1;
    }
    if (sscanf(p, "MASK %llu %llx", &a, &b) == 2) {
        if (!s->writable_masks || a >= CM_ARM64_MASKS_LEN) {
            snprintf(err, errlen, "mask outside the 192-entry range or before MASKS");
            return -1;
        }
        s->writable_masks[a] = b;
        return 1;
    }
    return 0;
}

/* The plan lines (lab_init.c header) into p. */
int lab_read_plan(const char *path, struct cm_plan *p)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        char name[128] = "";
        unsigned long long a = 0, b = 0;
        unsigned ord = 0;
        if (sscanf(line, "DROP %llx", &a) == 1) {
            p->drop_init_features = (uint32_t)a;
        } else if (sscanf(line, "WRITE %llx %llx %u %127s", &a, &b, &ord, name) >= 3) {
            p->writes = cm_xrealloc(p->writes, (p->nwrites + 1) * sizeof(*p->writes));
            struct cm_write *w = &p->writes[p->nwrites++];
            memset(w, 0, sizeof(*w));
            w->id = a;
            w->new_value = b;
            w->order = (uint8_t)ord;
            w->name = name[0] && strcmp(name, "-") ? cm_xstrdup(name) : NULL;
        } else if (sscanf(line, "HIDDEN %llx %127s", &a, name) >= 1) {
            p->rollback = cm_xrealloc(p->rollback, (p->nrollback + 1) * sizeof(*p->rollback));
            struct cm_rollback_reg *rb = &p->rollback[p->nrollback++];
            memset(rb, 0, sizeof(*rb));
            rb->id = a;
            rb->cls = CM_RB_HIDDEN;
            rb->name = name[0] ? cm_xstrdup(name) : NULL;
        } else if (sscanf(line, "VANISH %llx", &a) == 1) {
            p->vanishing = cm_xrealloc(p->vanishing, (p->nvanishing + 1) * sizeof(uint64_t));
            p->vanishing[p->nvanishing++] = a;
        }
    }
    fclose(f);
    return 0;
}
