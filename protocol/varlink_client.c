/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Blocking Varlink client side: connect to an address, one call, one reply.
 * Used by the CLI; the daemon's peer fan-out is non-blocking (daemon/server/peers.c). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cpumodel/util.h"
#include "varlink.h"

bool vl_split_hostport(const char *address, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;
    const char *h = address;
    size_t hl;
    if (address[0] == '[') {
        const char *close = strchr(address, ']');
        if (!close || close[1] != ':')
            return false;
        h = address + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(address, ':');
        if (!colon)
            return false;
        hl = (size_t)(colon - address);
    }
    const char *p = colon + 1;
    if (hl == 0 || hl >= hostlen || !*p || strlen(p) >= portlen || strspn(p, "0123456789") != strlen(p))
        return false;
    /* 1-65535: getaddrinfo would take 99999 modulo 65536 (34463) */
    if (strlen(p) > 5 || atoi(p) < 1 || atoi(p) > 65535)
        return false;
    for (size_t i = 0; i < hl; i++) /* printable, no NUL: it is shown in errors and replies */
        if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f)
            return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    strcpy(port, p);
    return true;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return 0;
        if (r == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (errno != EINTR)
            return -1;
    }
}

static int connect_wait(int fd, const struct sockaddr *sa, socklen_t salen, long long deadline)
{
    if (connect(fd, sa, salen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EAGAIN)
        return -1;
    if (wait_fd(fd, POLLOUT, deadline) < 0)
        return -1;
    int soerr = 0;
    socklen_t l = sizeof(soerr);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
    if (soerr) {
        errno = soerr;
        return -1;
    }
    return 0;
}

int vl_connect(const char *address, int timeout_ms, char *why, size_t whylen)
{
    long long deadline = now_ms() + timeout_ms;
    const char *path = NULL;
    if (!strncmp(address, "unix:", 5))
        path = address + 5;
    else if (strchr(address, '/'))
        path = address;
    if (path) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sun.sun_path)) {
            snprintf(why, whylen, "%s: socket path too long", path);
            return -1;
        }
        strcpy(sun.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || connect_wait(fd, (struct sockaddr *)&sun, sizeof(sun), deadline) < 0) {
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        return fd;
    }
    char host[256], port[16];
    if (!vl_split_hostport(address, host, sizeof(host), port, sizeof(port))) {
        snprintf(why, whylen, "%s: not HOST:PORT", address);
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int r = getaddrinfo(host, port, &hints, &res);
    if (r) {
        snprintf(why, whylen, "%s: %s", address, gai_strerror(r));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0 && connect_wait(fd, a->ai_addr, a->ai_addrlen, deadline) == 0)
            break;
        saved = errno;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(why, whylen, "%s: %s", address, strerror(saved));
    return fd;
}

struct json_object *vl_call_sync(int fd, const char *method, struct json_object *params, int timeout_ms,
                                 size_t max_reply, char *why, size_t whylen)
{
    long long deadline = now_ms() + timeout_ms;
    size_t len;
    _cleanup_free_ char *msg = vl_encode_call(method, params, false, false, &len);
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, msg + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline) == 0)
                continue;
            snprintf(why, whylen, "send: %s", strerror(errno));
            return NULL;
        }
        off += (size_t)n;
    }
    struct vl_inbuf in = {0};
    struct vl_limits lim = {.max_message = max_reply, .max_depth = 256};
    struct json_object *reply = NULL;
    for (;;) {
        int r = vl_inbuf_next(&in, &lim, &reply, why, whylen);
        if (r > 0)
            break;
        if (r < 0)
            goto fail;
        ssize_t n = vl_inbuf_read(&in, fd);
        if (n > 0)
            continue;
        if (n == 0) {
            snprintf(why, whylen, "connection closed before a reply");
            goto fail;
        }
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLIN, deadline) == 0)
            continue;
        snprintf(why, whylen, "receive: %s", strerror(errno));
        goto fail;
    }
    vl_inbuf_free(&in);
    return reply;
fail:
    vl_inbuf_free(&in);
    return NULL;
}
