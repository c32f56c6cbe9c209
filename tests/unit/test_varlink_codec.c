/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Varlink codec: NUL framing across partial reads, limits (size, depth),
 * call validation, encodings that parse back, output queues, addresses.
 * Expected behaviour comes from the Varlink protocol (varlink.org/Protocol):
 * one JSON object per message, terminated by NUL. */
#include <json-c/json.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testlib.h"
#include "varlink.h"

static const struct vl_limits lim = {.max_message = 1024, .max_depth = 8};

static void feed(int fd, const char *data, size_t len) { ck_assert_int_eq(write(fd, data, len), (ssize_t)len); }

START_TEST(framing_across_reads)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct vl_inbuf in = {0};
    struct json_object *m = NULL;
    char why[256];
    const char *msg = "{\"method\":\"a.B\",\"parameters\":{\"x\":1}}";
    /* byte by byte: no message until the NUL */
    for (size_t i = 0; i < strlen(msg); i++) {
        feed(sv[0], msg + i, 1);
        ck_assert_int_gt(vl_inbuf_read(&in, sv[1]), 0);
        ck_assert_int_eq(vl_inbuf_next(&in, &lim, &m, why, sizeof(why)), 0);
    }
    /* the NUL and a second whole message in one read */
    feed(sv[0], "\0{\"method\":\"a.C\"}\0", 18);
    ck_assert_int_gt(vl_inbuf_read(&in, sv[1]), 0);
    ck_assert_int_eq(vl_inbuf_next(&in, &lim, &m, why, sizeof(why)), 1);
    struct vl_call c;
    const char *bad = NULL;
    ck_assert_int_eq(vl_call_decode(m, &c, &bad), 0);
    ck_assert_str_eq(c.iface, "a");
    ck_assert_str_eq(c.member, "B");
    json_object_put(m);
    ck_assert_int_eq(vl_inbuf_next(&in, &lim, &m, why, sizeof(why)), 1);
    ck_assert_int_eq(vl_call_decode(m, &c, &bad), 0);
    ck_assert_str_eq(c.member, "C");
    ck_assert_ptr_nonnull(c.params); /* absent parameters: an empty object */
    json_object_put(m);
    ck_assert_int_eq(vl_inbuf_next(&in, &lim, &m, why, sizeof(why)), 0);
    ck_assert(vl_inbuf_empty(&in));
    vl_inbuf_free(&in);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

static int next_of(const char *data, size_t len, char *why)
{
    struct vl_inbuf in = {0};
    in.data = malloc(len + 1);
    memcpy(in.data, data, len);
    in.len = in.cap = len;
    struct json_object *m = NULL;
    int r = vl_inbuf_next(&in, &lim, &m, why, 256);
    json_object_put(m);
    vl_inbuf_free(&in);
    return r;
}

START_TEST(limits)
{
    char why[256];
    /* oversize with no NUL yet: refused before the end arrives */
    char big[2048];
    memset(big, ' ', sizeof(big));
    big[0] = '{';
    ck_assert_int_eq(next_of(big, sizeof(big), why), -1);
    ck_assert_ptr_nonnull(strstr(why, "exceeds"));
    /* depth 9 > 8 */
    const char *deep = "{\"a\":[[[[[[[[1]]]]]]]]}";
    ck_assert_int_eq(next_of(deep, strlen(deep) + 1, why), -1);
    ck_assert_ptr_nonnull(strstr(why, "deep"));
    /* depth 8 is fine */
    const char *ok = "{\"a\":[[[[[[1]]]]]]}";
    ck_assert_int_eq(next_of(ok, strlen(ok) + 1, why), 1);
    ck_assert_int_eq(next_of("[1]", 4, why), -1); /* not an object */
    ck_assert_int_eq(next_of("{\"a\":1} x", 10, why), -1); /* trailing garbage */
    ck_assert_int_eq(next_of("{\"a\":", 6, why), -1);      /* truncated before the NUL */
    ck_assert_int_eq(next_of("{\"a\":1} \n", 10, why), 1);  /* trailing whitespace is fine */
}
END_TEST

static int decode_text(const char *text, const char **bad)
{
    struct json_object *o = json_tokener_parse(text);
    struct vl_call c;
    int r = vl_call_decode(o, &c, bad);
    json_object_put(o);
    return r;
}

START_TEST(call_shape)
{
    const char *bad = NULL;
    ck_assert_int_eq(decode_text("{\"parameters\":{}}", &bad), -1);
    ck_assert_str_eq(bad, "method");
    ck_assert_int_eq(decode_text("{\"method\":\"NoDot\"}", &bad), -1);
    ck_assert_int_eq(decode_text("{\"method\":\"a.\"}", &bad), -1);
    ck_assert_int_eq(decode_text("{\"method\":5}", &bad), -1);
    ck_assert_int_eq(decode_text("{\"method\":\"a.B\",\"parameters\":[]}", &bad), -1);
    ck_assert_str_eq(bad, "parameters");
    ck_assert_int_eq(decode_text("{\"method\":\"a.B\",\"more\":\"yes\"}", &bad), -1);
    ck_assert_str_eq(bad, "more");
    struct json_object *o = json_tokener_parse("{\"method\":\"org.varlink.service.GetInfo\",\"more\":true,\"oneway\":false}");
    struct vl_call c;
    ck_assert_int_eq(vl_call_decode(o, &c, &bad), 0);
    ck_assert_str_eq(c.iface, "org.varlink.service");
    ck_assert(c.more && !c.oneway && !c.upgrade);
    json_object_put(o);
}
END_TEST

START_TEST(encodings)
{
    size_t len;
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "s", json_object_new_string("a/b\"c"));
    char *m = vl_encode_reply(p, true, &len);
    ck_assert_int_eq(m[len - 1], '\0');
    ck_assert_int_eq(strlen(m), len - 1); /* exactly one NUL, at the end */
    struct json_object *back = json_tokener_parse(m);
    struct json_object *v;
    ck_assert(json_object_object_get_ex(back, "continues", &v) && json_object_get_boolean(v));
    ck_assert(json_object_object_get_ex(back, "parameters", &v));
    ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "s")), "a/b\"c");
    json_object_put(back);
    free(m);
    m = vl_encode_error(VL_ERR_INVALID_PARAMETER, NULL, &len);
    back = json_tokener_parse(m);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(back, "error")), VL_ERR_INVALID_PARAMETER);
    ck_assert(json_object_is_type(json_object_object_get(back, "parameters"), json_type_object));
    json_object_put(back);
    free(m);
    m = vl_encode_call("a.B", NULL, false, true, &len);
    back = json_tokener_parse(m);
    ck_assert(json_object_get_boolean(json_object_object_get(back, "oneway")));
    ck_assert_ptr_null(json_object_object_get(back, "more"));
    json_object_put(back);
    free(m);
}
END_TEST

START_TEST(outbuf_backpressure)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct vl_outbuf o = {0};
    static char chunk[65536];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 64; i++) /* 4 MiB: more than a socket buffer holds */
        vl_outbuf_append(&o, chunk, sizeof(chunk));
    ck_assert_int_eq(vl_outbuf_flush(&o, sv[0]), 0); /* EAGAIN: bytes remain */
    ck_assert(vl_outbuf_pending(&o));
    size_t total = 0;
    char buf[65536];
    int r;
    do {
        ssize_t n;
        while ((n = read(sv[1], buf, sizeof(buf))) > 0)
            total += (size_t)n;
        r = vl_outbuf_flush(&o, sv[0]);
    } while (r == 0);
    ck_assert_int_eq(r, 1);
    ssize_t n;
    while ((n = read(sv[1], buf, sizeof(buf))) > 0)
        total += (size_t)n;
    ck_assert_uint_eq(total, 64 * sizeof(chunk));
    vl_outbuf_free(&o);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(addresses)
{
    char h[64], p[16];
    ck_assert(vl_split_hostport("127.0.0.1:7474", h, sizeof(h), p, sizeof(p)));
    ck_assert_str_eq(h, "127.0.0.1");
    ck_assert_str_eq(p, "7474");
    ck_assert(vl_split_hostport("[::1]:80", h, sizeof(h), p, sizeof(p)));
    ck_assert_str_eq(h, "::1");
    ck_assert(!vl_split_hostport("nohost", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport(":80", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("h:8a", h, sizeof(h), p, sizeof(p)));
    /* ports 1-65535 only: getaddrinfo would wrap 99999 to 34463 */
    ck_assert(vl_split_hostport("h:65535", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("h:65536", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("h:99999", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("h:0", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("h:0000080", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("a\033[2J:80", h, sizeof(h), p, sizeof(p)));
    ck_assert(!vl_split_hostport("[::1]80", h, sizeof(h), p, sizeof(p)));
}
END_TEST

START_TEST(contracts_embedded)
{
    /* the interface names the daemon introspects by */
    ck_assert_ptr_nonnull(strstr(vl_iface_cpumodeld, "interface io.cpumodeld\n"));
    ck_assert_ptr_nonnull(strstr(vl_iface_service, "interface org.varlink.service\n"));
    ck_assert_ptr_nonnull(strstr(vl_iface_certification, "interface org.varlink.certification\n"));
    ck_assert_ptr_nonnull(strstr(vl_iface_cpumodeld, "method GetBaseline("));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("varlink_codec");
    TCase *t = tcase_create("codec");
    tcase_add_test(t, framing_across_reads);
    tcase_add_test(t, limits);
    tcase_add_test(t, call_shape);
    tcase_add_test(t, encodings);
    tcase_add_test(t, outbuf_backpressure);
    tcase_add_test(t, addresses);
    tcase_add_test(t, contracts_embedded);
    suite_add_tcase(s, t);
    return tl_run(s);
}
