/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file: "key = value" lines, '#' comments; repeated keys
 * (peer, listen_tcp) accumulate.  One table describes every key. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

void cmd_strv_add(struct cmd_strv *s, const char *x)
{
    s->v = cm_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = cm_xstrdup(x);
}

void cmd_strv_free(struct cmd_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void cmd_config_defaults(struct cmd_config *c)
{
    memset(c, 0, sizeof(*c));
    c->listen_unix = cm_xstrdup(CMD_DEFAULT_SOCKET);
    c->socket_mode = 0660;
    c->peer_timeout_ms = 2000;
    c->connect_timeout_ms = 1000;
    c->peer_cache_ms = 10000;
    c->state_dir = cm_xstrdup(CMD_DEFAULT_STATE_DIR);
    c->max_message = VL_DEFAULT_MAX_MESSAGE;
    c->max_depth = VL_DEFAULT_MAX_DEPTH;
    c->max_peer_reply = 64u << 20;
    c->max_connections = 2048;
    c->max_connections_tcp = 1024;
    c->reserved_connections = 64;
    c->max_connections_per_client = 64;
    c->max_output = 64u << 10;
    c->send_timeout_ms = 10000;
    c->idle_timeout_ms = 60000;
    c->drain_timeout_ms = 10000;
    c->etcd_lease_ttl_s = 10;
    c->etcd_timeout_ms = 2000;
}

void cmd_config_free(struct cmd_config *c)
{
    free(c->listen_unix);
    cmd_strv_free(&c->listen_tcp);
    free(c->socket_group);
    cmd_strv_free(&c->peers);
    free(c->state_dir);
    free(c->snapshot);
    free(c->cluster);
    free(c->etcd_endpoints);
    free(c->etcd_cert);
    free(c->etcd_key);
    free(c->etcd_cacert);
    free(c->etcd_prefix);
    memset(c, 0, sizeof(*c));
}

enum kind { K_STR, K_STRV, K_ADDRV, K_INT, K_SIZE, K_MODE, K_BOOL };
static const struct key {
    const char *name;
    enum kind kind;
    size_t off;
    long long min, max;
} keys[] = {
    {"listen_unix", K_STR, offsetof(struct cmd_config, listen_unix), 0, 0},
    {"listen_tcp", K_ADDRV, offsetof(struct cmd_config, listen_tcp), 0, 0},
    {"socket_mode", K_MODE, offsetof(struct cmd_config, socket_mode), 0, 0777},
    {"socket_group", K_STR, offsetof(struct cmd_config, socket_group), 0, 0},
    {"peer", K_ADDRV, offsetof(struct cmd_config, peers), 1, 0}, /* min 1: unix:PATH allowed */
    {"peer_timeout_ms", K_INT, offsetof(struct cmd_config, peer_timeout_ms), 1, 600000},
    {"peer_cache_ms", K_INT, offsetof(struct cmd_config, peer_cache_ms), 0, 3600000},
    {"connect_timeout_ms", K_INT, offsetof(struct cmd_config, connect_timeout_ms), 1, 600000},
    {"state_dir", K_STR, offsetof(struct cmd_config, state_dir), 0, 0},
    {"snapshot", K_STR, offsetof(struct cmd_config, snapshot), 0, 0},
    {"max_message_bytes", K_SIZE, offsetof(struct cmd_config, max_message), 256, 1LL << 30},
    {"max_depth", K_INT, offsetof(struct cmd_config, max_depth), 4, 1024},
    {"max_peer_reply_bytes", K_SIZE, offsetof(struct cmd_config, max_peer_reply), 1024, 1LL << 31},
    {"max_connections", K_INT, offsetof(struct cmd_config, max_connections), 1, 1000000},
    {"max_connections_tcp", K_INT, offsetof(struct cmd_config, max_connections_tcp), 0, 1000000},
    {"reserved_connections", K_INT, offsetof(struct cmd_config, reserved_connections), 0, 1000000},
    {"max_connections_per_client", K_INT, offsetof(struct cmd_config, max_connections_per_client), 1, 1000000},
    {"max_output_bytes", K_SIZE, offsetof(struct cmd_config, max_output), 4096, 1LL << 30},
    {"send_timeout_ms", K_INT, offsetof(struct cmd_config, send_timeout_ms), 10, 86400000},
    {"idle_timeout_ms", K_INT, offsetof(struct cmd_config, idle_timeout_ms), 10, 86400000},
    {"drain_timeout_ms", K_INT, offsetof(struct cmd_config, drain_timeout_ms), 0, 3600000},
    {"varlink_certification", K_BOOL, offsetof(struct cmd_config, certification), 0, 0},
    {"cluster", K_STR, offsetof(struct cmd_config, cluster), 0, 0},
    {"etcd_endpoints", K_STR, offsetof(struct cmd_config, etcd_endpoints), 0, 0},
    {"etcd_cert", K_STR, offsetof(struct cmd_config, etcd_cert), 0, 0},
    {"etcd_key", K_STR, offsetof(struct cmd_config, etcd_key), 0, 0},
    {"etcd_cacert", K_STR, offsetof(struct cmd_config, etcd_cacert), 0, 0},
    {"etcd_prefix", K_STR, offsetof(struct cmd_config, etcd_prefix), 0, 0},
    {"etcd_lease_ttl_s", K_INT, offsetof(struct cmd_config, etcd_lease_ttl_s), 1, 3600},
    {"etcd_timeout_ms", K_INT, offsetof(struct cmd_config, etcd_timeout_ms), 50, 600000},
};

int cmd_config_set(struct cmd_config *c, const char *key, const char *value, const char *where, cm_error *err)
{
    for (size_t i = 0; i < CM_ARRAY_SIZE(keys); i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->name, key))
            continue;
        void *p = (char *)c + k->off;
        char *end = NULL;
        long long v;
        switch (k->kind) {
        case K_STR:
            cm_snapshot_set_str(p, value);
            return 0;
        case K_STRV:
            if (!*value)
                return cm_fail(err, CM_E_INPUT, "%s: %s: empty value", where, key);
            cmd_strv_add(p, value);
            return 0;
        case K_ADDRV: {
            /* checked here, not when first used: a bad port or a control
             * character is a configuration error with its line */
            char host[256], port[16];
            const char *path = k->min && !strncmp(value, "unix:", 5) ? value + 5 : NULL;
            if (!cm_str_printable(value))
                return cm_fail(err, CM_E_INPUT, "%s: %s: control character in the value", where, key);
            if (path ? !*path || strlen(path) >= 108 : !vl_split_hostport(value, host, sizeof(host), port, sizeof(port)))
                return cm_fail(err, CM_E_INPUT, "%s: %s: '%s' is not HOST:PORT with a port in 1-65535%s", where, key,
                               value, k->min ? " (or unix:PATH)" : "");
            cmd_strv_add(p, value);
            return 0;
        }
        case K_BOOL:
            if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
                *(bool *)p = true;
            else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
                *(bool *)p = false;
            else
                return cm_fail(err, CM_E_INPUT, "%s: %s: '%s' is not yes/no", where, key, value);
            return 0;
        case K_MODE:
        case K_INT:
        case K_SIZE:
            errno = 0;
            v = strtoll(value, &end, k->kind == K_MODE ? 8 : 10);
            if (errno || end == value || *end || v < k->min || v > k->max)
                return cm_fail(err, CM_E_INPUT, "%s: %s: '%s' is not a number in [%lld, %lld]%s", where, key,
                               value, k->min, k->max, k->kind == K_MODE ? " (octal)" : "");
            if (k->kind == K_SIZE)
                *(size_t *)p = (size_t)v;
            else if (k->kind == K_MODE)
                *(unsigned *)p = (unsigned)v;
            else
                *(int *)p = (int)v;
            return 0;
        }
    }
    return cm_fail(err, CM_E_INPUT, "%s: unknown key '%s'", where, key);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int cmd_config_load(struct cmd_config *c, const char *path, bool missing_ok, cm_error *err)
{
    if (missing_ok && access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    int fd = cm_input_open(path, err); /* a FIFO or device is refused, not waited on */
    if (fd < 0)
        return -1;
    _cleanup_fclose_ FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return cm_fail(err, CM_E_IO, "%s: %s", path, strerror(errno));
    }
    char line[4096];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char where[PATH_MAX + 32];
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        if (!strchr(line, '\n') && !feof(f))
            return cm_fail(err, CM_E_INPUT, "%s: line too long", where);
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            return cm_fail(err, CM_E_INPUT, "%s: expected 'key = value'", where);
        *eq = '\0';
        if (cmd_config_set(c, trim(s), trim(eq + 1), where, err) < 0)
            return -1;
    }
    return 0;
}
