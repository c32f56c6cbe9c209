/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compatibility matrix and its renderings (text within 100 columns, JSON
 * cpumodel.matrix/1, an SVG heat map whose cells carry the blocking field in
 * their <title>), shared by the offline form (cli_matrix.c) and the daemon
 * form (client.c). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli_util.h"
#include "exit_codes.h"
#include "files.h"
#include "matrix.h"


void matrix_init(struct matrix *m, size_t n, size_t ngroups)
{
    memset(m, 0, sizeof(*m));
    m->n = n;
    m->names = cm_xcalloc(n ? n : 1, sizeof(*m->names));
    m->group = cm_xcalloc(n ? n : 1, sizeof(*m->group));
    m->ngroups = ngroups;
    m->groups = cm_xcalloc(ngroups ? ngroups : 1, sizeof(*m->groups));
    m->cells = cm_xcalloc(n ? n * n : 1, sizeof(*m->cells));
}

void matrix_free(struct matrix *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->names[i]);
    for (size_t i = 0; i < m->n * m->n; i++) {
        free(m->cells[i].blocking);
        free(m->cells[i].reason);
    }
    for (size_t g = 0; g < m->ngroups; g++) {
        free(m->groups[g].arch);
        free(m->groups[g].why);
    }
    free(m->names);
    free(m->group);
    free(m->groups);
    free(m->cells);
    free(m->missing);
}

void matrix_set(struct matrix *m, size_t from, size_t to, bool ok, const char *reg, const char *field,
                const char *text)
{
    struct matrix_cell *c = &m->cells[from * m->n + to];
    c->ok = ok;
    if (ok)
        return;
    c->blocking = reg && field ? cm_xasprintf("%s.%s", reg, field) : cm_xstrdup(reg ? reg : "?");
    c->reason = cm_xstrdup(text ? text : "?");
}

void matrix_group_label(size_t g, char out[8])
{
    if (g < 26)
        snprintf(out, 8, "%c", (char)('A' + g));
    else
        snprintf(out, 8, "%c%c", (char)('A' + (g / 26 - 1) % 26), (char)('A' + g % 26));
}

static size_t count_ok(const struct matrix *m)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = 0; j < m->n; j++)
            k += i != j && m->cells[i * m->n + j].ok;
    return k;
}

/* ---- text ---------------------------------------------------------------- */

void matrix_print_text(FILE *f, const struct matrix *m)
{
    char c1[32], c2[32], c3[32];
    size_t pairs = m->n ? m->n * (m->n - 1) : 0, ok = count_ok(m);
    fprintf(f, "Matrix of %s host(s), %zu group(s): %s of %s migrations between hosts possible\n",
            cli_count(m->n, c1), m->ngroups, cli_count(ok, c2), cli_count(pairs, c3));
    if (m->missing)
        cli_print_wrapped(f, "Not in the matrix (did not answer): ", "  ", m->missing, CLI_WIDTH);
    size_t nw = 0;
    for (size_t i = 0; i < m->n; i++)
        nw = strlen(m->names[i]) > nw ? strlen(m->names[i]) : nw;
    nw = nw > 28 ? 28 : nw;
    size_t digits = m->n >= 100 ? 3 : m->n >= 10 ? 2 : 1;
    size_t label = 3 + digits + 1 + nw + 1; /* "AB " index " " name " " */
    size_t cols = m->n + (m->ngroups ? m->ngroups - 1 : 0);
    const char *on = cli_color(f, CLI_GREEN), *off = cli_color(f, CLI_OFF), *bad = cli_color(f, CLI_RED);
    if (label + cols > CLI_WIDTH) {
        /* no room for a cell per host: per host, how many hosts take its guests, and from how many it takes */
        fprintf(f, "\n(%s hosts do not fit %d columns as a matrix: counts per host; --svg draws it)\n\n",
                cli_count(m->n, c1), CLI_WIDTH);
        fprintf(f, "%-3s %*s %-*s %10s %10s\n", "GRP", (int)digits, "#", (int)nw, "HOST", "RUNS ON", "TAKES FROM");
        for (size_t i = 0; i < m->n; i++) {
            size_t out = 0, in = 0;
            for (size_t j = 0; j < m->n; j++) {
                out += i != j && m->cells[i * m->n + j].ok;
                in += i != j && m->cells[j * m->n + i].ok;
            }
            char g[8];
            matrix_group_label(m->group[i], g);
            fprintf(f, "%-3s %*zu %-*.*s %10zu %10zu\n", g, (int)digits, i + 1, (int)nw, (int)nw, m->names[i], out, in);
        }
    } else {
        /* header: group letters over their first column, then the column numbers top to bottom */
        fprintf(f, "\n%*s", (int)label, "");
        for (size_t j = 0; j < m->n; j++) {
            bool first = !j || m->group[j] != m->group[j - 1];
            if (j && first)
                fputc(' ', f);
            char g[8];
            matrix_group_label(m->group[j], g);
            fputc(first ? g[0] : ' ', f);
        }
        fputc('\n', f);
        for (size_t d = digits; d-- > 0;) {
            fprintf(f, "%*s", (int)label, "");
            for (size_t j = 0; j < m->n; j++) {
                if (j && m->group[j] != m->group[j - 1])
                    fputc('|', f);
                size_t p = 1;
                for (size_t k = 0; k < d; k++)
                    p *= 10;
                fputc((j + 1) >= p || d == 0 ? (char)('0' + (j + 1) / p % 10) : ' ', f);
            }
            fputc('\n', f);
        }
        for (size_t i = 0; i < m->n; i++) {
            char g[8];
            matrix_group_label(m->group[i], g);
            fprintf(f, "%-2s %*zu %-*.*s ", g, (int)digits, i + 1, (int)nw, (int)nw, m->names[i]);
            for (size_t j = 0; j < m->n; j++) {
                if (j && m->group[j] != m->group[j - 1])
                    fputc('|', f);
                const struct matrix_cell *c = &m->cells[i * m->n + j];
                fprintf(f, "%s%c%s", c->ok ? on : bad, i == j ? (c->ok ? '=' : '!') : c->ok ? 'o' : 'x', off);
            }
            fputc('\n', f);
        }
        fprintf(f, "\nrow FROM, column TO: o a guest of FROM runs on TO, x it does not, = the host itself\n"
                   "(--json lists the blocking field of every x; --svg shows it on hover)\n");
    }
    fprintf(f, "\nGroups (each with a baseline enforceable on all its members):\n");
    for (size_t g = 0; g < m->ngroups; g++) {
        char lab[8];
        matrix_group_label(g, lab);
        size_t first = SIZE_MAX, last = 0, k = 0;
        for (size_t i = 0; i < m->n; i++)
            if (m->group[i] == g) {
                first = first == SIZE_MAX ? i : first;
                last = i;
                k++;
            }
        _cleanup_free_ char *head = cm_xasprintf("  %s  %s, %zu host(s) (%zu-%zu)%s", lab, m->groups[g].arch, k,
                                                 first + 1, last + 1, m->groups[g].why ? ": " : "");
        if (m->groups[g].why)
            cli_print_wrapped(f, head, "      ", m->groups[g].why, CLI_WIDTH);
        else
            fprintf(f, "%s\n", head);
    }
}

/* ---- JSON ---------------------------------------------------------------- */

struct json_object *matrix_to_json(const struct matrix *m)
{
    struct json_object *j = cli_json_doc("matrix");
    struct json_object *hosts = json_object_new_array(), *groups = json_object_new_array(),
                       *cells = json_object_new_array(), *missing = json_object_new_array();
    for (size_t i = 0; i < m->n; i++) {
        struct json_object *h = json_object_new_object();
        char g[8];
        matrix_group_label(m->group[i], g);
        json_object_object_add(h, "name", json_object_new_string(m->names[i]));
        json_object_object_add(h, "group", json_object_new_string(g));
        json_object_array_add(hosts, h);
        struct json_object *row = json_object_new_array();
        for (size_t k = 0; k < m->n; k++) {
            const struct matrix_cell *c = &m->cells[i * m->n + k];
            struct json_object *x = json_object_new_object();
            json_object_object_add(x, "ok", json_object_new_boolean(c->ok));
            json_object_object_add(x, "blocking", c->blocking ? json_object_new_string(c->blocking) : NULL);
            json_object_object_add(x, "reason", c->reason ? json_object_new_string(c->reason) : NULL);
            json_object_array_add(row, x);
        }
        json_object_array_add(cells, row);
    }
    for (size_t g = 0; g < m->ngroups; g++) {
        struct json_object *o = json_object_new_object(), *mem = json_object_new_array();
        char lab[8];
        matrix_group_label(g, lab);
        for (size_t i = 0; i < m->n; i++)
            if (m->group[i] == g)
                json_object_array_add(mem, json_object_new_string(m->names[i]));
        json_object_object_add(o, "name", json_object_new_string(lab));
        json_object_object_add(o, "arch", json_object_new_string(m->groups[g].arch));
        json_object_object_add(o, "hosts", mem);
        json_object_object_add(o, "why", m->groups[g].why ? json_object_new_string(m->groups[g].why) : NULL);
        json_object_array_add(groups, o);
    }
    if (m->missing) {
        _cleanup_free_ char *copy = cm_xstrdup(m->missing);
        char *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            json_object_array_add(missing, json_object_new_string(t));
    }
    size_t pairs = m->n ? m->n * (m->n - 1) : 0;
    json_object_object_add(j, "possible", json_object_new_int64((int64_t)count_ok(m)));
    json_object_object_add(j, "pairs", json_object_new_int64((int64_t)pairs));
    json_object_object_add(j, "hosts", hosts);
    json_object_object_add(j, "groups", groups);
    json_object_object_add(j, "cells", cells);
    json_object_object_add(j, "missing", missing);
    return j;
}

/* ---- SVG ----------------------------------------------------------------- */

static void xml_text(struct cm_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': cm_buf_printf(b, "&amp;"); break;
        case '<': cm_buf_printf(b, "&lt;"); break;
        case '>': cm_buf_printf(b, "&gt;"); break;
        case '"': cm_buf_printf(b, "&quot;"); break;
        case '\'': cm_buf_printf(b, "&apos;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
                cm_buf_printf(b, "%c", *s);
        }
    }
}

/* Group colours for the bands beside the labels (any distinct hues; the cells say ok / blocked). */
static const char *const group_fill[] = {"#5b8def", "#f0a33a", "#9b59b6", "#1abc9c", "#e67e22", "#34495e",
                                         "#c0392b", "#7f8c8d"};

int matrix_write_svg(const struct matrix *m, const char *path)
{
    const int cell = 16, font = 11, band = 8;
    size_t nw = 0;
    for (size_t i = 0; i < m->n; i++)
        nw = strlen(m->names[i]) > nw ? strlen(m->names[i]) : nw;
    int label = (int)nw * 7 + 40; /* monospace ~0.6 em per character, the index and the band */
    int left = label + band + 4, top = label + band + 30;
    int width = left + (int)m->n * cell + 20, height = top + (int)m->n * cell + 60;
    if (width < 800) /* room for the headline and the legend */
        width = 800;
    char c1[32], c2[32], c3[32];
    size_t pairs = m->n ? m->n * (m->n - 1) : 0;
    struct cm_buf b = {0};
    cm_buf_printf(&b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "font-family=\"monospace\" font-size=\"%d\">\n"
                  "<title>cpumodeld matrix: which host can take guests from which</title>\n"
                  "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
                  "<text x=\"8\" y=\"18\" font-size=\"13\">%s hosts, %zu group(s): %s of %s migrations possible "
                  "(row: from, column: to)</text>\n",
                  width, height, width, height, font, cli_count(m->n, c1), m->ngroups, cli_count(count_ok(m), c2),
                  cli_count(pairs, c3));
    for (size_t i = 0; i < m->n; i++) {
        const char *gf = group_fill[m->group[i] % (sizeof(group_fill) / sizeof(group_fill[0]))];
        int y = top + (int)i * cell, x = left + (int)i * cell;
        char g[8];
        matrix_group_label(m->group[i], g);
        /* row label and band */
        cm_buf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label - 2, y + cell - 4);
        xml_text(&b, m->names[i]);
        cm_buf_printf(&b, " %zu</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                          "<title>group %s</title></rect>\n",
                      i + 1, label + 2, y, band, cell, gf, g);
        /* column label (rotated) and band */
        cm_buf_printf(&b, "<text transform=\"translate(%d,%d) rotate(-90)\" x=\"0\" y=\"0\">%zu ", x + cell - 4,
                      top - band - 6, i + 1);
        xml_text(&b, m->names[i]);
        cm_buf_printf(&b, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                          "<title>group %s</title></rect>\n",
                      x, top - band - 2, cell, band, gf, g);
    }
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = 0; j < m->n; j++) {
            const struct matrix_cell *c = &m->cells[i * m->n + j];
            const char *fill = i == j ? (c->ok ? "#a5d6a7" : "#ef9a9a") : c->ok ? "#2e7d32" : "#c62828";
            cm_buf_printf(&b,
                          "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                          "stroke=\"#ffffff\"><title>",
                          c->ok ? "ok" : "blocked", left + (int)j * cell, top + (int)i * cell, cell, cell, fill);
            xml_text(&b, m->names[i]);
            cm_buf_printf(&b, " -> ");
            xml_text(&b, m->names[j]);
            if (c->ok) {
                cm_buf_printf(&b, ": compatible");
            } else {
                cm_buf_printf(&b, ": blocked by ");
                xml_text(&b, c->blocking ? c->blocking : "?");
                cm_buf_printf(&b, ": ");
                xml_text(&b, c->reason ? c->reason : "?");
            }
            cm_buf_printf(&b, "</title></rect>\n");
        }
    /* each group's square on the diagonal: its members all take each other's guests or the why says not */
    for (size_t g = 0; g < m->ngroups; g++) {
        size_t first = SIZE_MAX, k = 0;
        for (size_t i = 0; i < m->n; i++)
            if (m->group[i] == g) {
                first = first == SIZE_MAX ? i : first;
                k++;
            }
        if (!k)
            continue;
        char lab[8];
        matrix_group_label(g, lab);
        cm_buf_printf(&b,
                      "<g class=\"group\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                      "stroke=\"#000000\" stroke-width=\"2\"><title>group %s (%s)",
                      left + (int)first * cell, top + (int)first * cell, (int)k * cell, (int)k * cell, lab,
                      m->groups[g].arch);
        if (m->groups[g].why) {
            cm_buf_printf(&b, ": ");
            xml_text(&b, m->groups[g].why);
        }
        cm_buf_printf(&b, "</title></rect><text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text></g>\n",
                      left + (int)(first + k) * cell + 3, top + (int)first * cell + font, lab);
    }
    cm_buf_printf(&b,
                  "<text x=\"8\" y=\"%d\">green: a guest of the row's host runs on the column's host; red: it "
                  "does not (hover: the blocking field)</text>\n</svg>\n",
                  height - 20);
    cm_error err = {0};
    int rc = 0;
    if (cmd_write_atomic(path, b.s, b.len, &err) < 0) {
        fprintf(stderr, "cpumodeld matrix: %s\n", err.msg);
        rc = CM_EXIT_SYSTEM;
    }
    cm_buf_free(&b);
    return rc;
}

int matrix_emit(const struct matrix *m, bool json, const char *out, const char *svg)
{
    int rc = count_ok(m) == (m->n ? m->n * (m->n - 1) : 0) && !m->missing ? CM_EXIT_OK : CM_EXIT_INCOMPATIBLE;
    struct json_object *j = matrix_to_json(m);
    if (json)
        cli_print_json(j);
    else
        matrix_print_text(stdout, m);
    int wr = out ? cli_write_json("matrix", out, j) : 0;
    json_object_put(j);
    if (!wr && svg)
        wr = matrix_write_svg(m, svg);
    return wr ? wr : rc;
}
