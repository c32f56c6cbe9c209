/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"
#include "files.h"

static void (*usage_printer)(const char *cmd);

void cli_set_usage(void (*print)(const char *cmd))
{
    usage_printer = print;
}

void cli_usage(const char *cmd)
{
    if (usage_printer)
        usage_printer(cmd);
}

void cli_print_json(struct json_object *o)
{
    fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
    fputc('\n', stdout);
}

void cli_print_reasons(FILE *f, const struct cm_reasons *r, const char *indent, size_t max)
{
    size_t shown = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (max && shown == max) {
            fprintf(f, "%s… %zu more (use --json for all)\n", indent, r->n - shown);
            break;
        }
        _cleanup_free_ char *first = cm_xasprintf("%s%s: ", indent, cm_severity_name(r->v[i].sev));
        _cleanup_free_ char *more = cm_xasprintf("%s    ", indent);
        cli_print_wrapped(f, first, more, r->v[i].text, CLI_WIDTH);
        shown++;
    }
}

bool cli_has_opt(int argc, char **argv, const char *opt)
{
    size_t n = strlen(opt);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], opt, n) && (argv[i][n] == 0 || argv[i][n] == '='))
            return true;
    return false;
}

int cli_fail(const cm_error *err)
{
    fprintf(stderr, "cpumodeld: %s\n", err->msg);
    switch (err->code) {
    case CM_E_KVM:
    case CM_E_IO:
    case CM_E_NOMEM:
        return CM_EXIT_SYSTEM;
    default:
        return CM_EXIT_USAGE;
    }
}

int cli_load_all(char **files, size_t n, struct cm_snapshot **snaps)
{
    for (size_t i = 0; i < n; i++) {
        cm_error err = {0};
        snaps[i] = NULL;
        if (cm_snapshot_load(files[i], &snaps[i], &err) < 0) {
            for (size_t k = 0; k < i; k++) { /* nothing left behind for a caller's cleanup to free twice */
                cm_snapshot_free(snaps[k]);
                snaps[k] = NULL;
            }
            return cli_fail(&err);
        }
    }
    return 0;
}

const char *cli_nearest(const char *word, const char *const *cands, size_t n)
{
    /* Levenshtein distance, one row; a candidate within a third of the word's length (at least 2) is near */
    size_t wl = strlen(word), best = SIZE_MAX;
    const char *near = NULL;
    for (size_t c = 0; c < n; c++) {
        size_t cl = strlen(cands[c]);
        if (cl > 64 || wl > 64)
            continue;
        size_t row[65];
        for (size_t j = 0; j <= cl; j++)
            row[j] = j;
        for (size_t i = 1; i <= wl; i++) {
            size_t diag = row[0];
            row[0] = i;
            for (size_t j = 1; j <= cl; j++) {
                size_t up = row[j];
                size_t sub = diag + (word[i - 1] != cands[c][j - 1]);
                size_t m = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
                row[j] = sub < m ? sub : m;
                diag = up;
            }
        }
        /* a prefix of a candidate ("base" for "baseline") is near too */
        size_t d = (wl >= 3 && !strncmp(word, cands[c], wl)) ? 1 : row[cl];
        if (d < best) {
            best = d;
            near = cands[c];
        }
    }
    size_t limit = wl / 3 > 2 ? wl / 3 : 2;
    return best <= limit ? near : NULL;
}

int cli_bad_option(const char *cmd, int c, int argc, char **argv, int optind_now, const struct option *lo)
{
    const char *arg = argv[optind_now - 1 < argc ? optind_now - 1 : argc - 1];
    if (c == ':') {
        fprintf(stderr, "cpumodeld %s: option '%s' needs a value\n", cmd, arg);
    } else {
        char name[64];
        snprintf(name, sizeof(name), "%s", arg + strspn(arg, "-"));
        name[strcspn(name, "=")] = 0;
        const char *names[64];
        size_t n = 0;
        for (; lo[n].name && n < 64; n++)
            names[n] = lo[n].name;
        const char *near = cli_nearest(name, names, n);
        fprintf(stderr, "cpumodeld %s: unknown option '%s'", cmd, arg);
        if (near)
            fprintf(stderr, "; did you mean '--%s'?", near);
        fputc('\n', stderr);
    }
    cli_usage(cmd);
    return CM_EXIT_USAGE;
}

int cli_write_json(const char *cmd, const char *path, struct json_object *doc)
{
    size_t len;
    const char *text = json_object_to_json_string_length(
        doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    _cleanup_free_ char *withnl = cm_xasprintf("%s\n", text);
    cm_error err = {0};
    if (cmd_write_atomic(path, withnl, len + 1, &err) < 0) {
        fprintf(stderr, "cpumodeld %s: %s\n", cmd, err.msg);
        return CM_EXIT_SYSTEM;
    }
    return 0;
}

struct json_object *cli_json_doc(const char *name)
{
    struct json_object *j = json_object_new_object();
    _cleanup_free_ char *schema = cm_xasprintf("cpumodel.%s/1", name);
    json_object_object_add(j, "schema", json_object_new_string(schema));
    return j;
}

struct json_object *cli_json_wrap(const char *name, struct json_object *obj)
{
    struct json_object *j = cli_json_doc(name);
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "schema"))
            json_object_object_add(j, key, json_object_get(val));
    }
    json_object_put(obj);
    return j;
}

static double timing_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double timing_start = -1;

void cli_timing_start(void)
{
    timing_start = timing_ms();
}

void cli_timing(const char *what, ...)
{
    const char *on = getenv("CPUMODELD_TIMING");
    if (!on || !*on)
        return;
    fflush(stdout); /* what was printed before this mark is out before the mark says so */
    va_list ap;
    va_start(ap, what);
    fprintf(stderr, "cpumodeld: timing: ");
    vfprintf(stderr, what, ap);
    va_end(ap);
    fprintf(stderr, " at %.1f ms\n", timing_ms() - (timing_start < 0 ? timing_ms() : timing_start));
}

const char *cli_color(FILE *f, const char *esc)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((no && *no) || (term && !strcmp(term, "dumb")) || !isatty(fileno(f)))
        return "";
    return esc;
}

void cli_print_wrapped(FILE *f, const char *first, const char *indent, const char *text, size_t width)
{
    const char *lead = first;
    size_t used = strlen(first);
    const char *p = text;
    bool line_has_words = false;
    while (*p) {
        size_t w = strcspn(p, " ");
        /* break before a word that would cross the width, unless the line holds no word yet */
        if (line_has_words && used + 1 + w > width) {
            fputc('\n', f);
            lead = indent;
            used = strlen(indent);
            line_has_words = false;
        }
        fprintf(f, "%s%s%.*s", line_has_words ? " " : "", line_has_words ? "" : lead, (int)w, p);
        used += w + (line_has_words ? 1 : 0);
        line_has_words = true;
        p += w;
        p += strspn(p, " ");
    }
    if (!line_has_words)
        fputs(first, f);
    fputc('\n', f);
}

const char *cli_count(size_t n, char buf[32])
{
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%zu", n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

char *cli_join_fit(const char *const *names, size_t n, size_t room)
{
    struct cm_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        size_t need = b.len + (i ? 2 : 0) + strlen(names[i]);
        char cb[32], tail[64];
        /* the rest must still fit its summary after this name, unless this is the last */
        snprintf(tail, sizeof(tail), " ... and %s more", cli_count(n - i - 1, cb));
        if (need + (i + 1 < n ? strlen(tail) : 0) > room && i) {
            snprintf(tail, sizeof(tail), " ... and %s more", cli_count(n - i, cb));
            cm_buf_printf(&b, "%s", tail);
            break;
        }
        cm_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    }
    return cm_buf_steal(&b);
}
