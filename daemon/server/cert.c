/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.varlink.certification (protocol/org.varlink.certification.varlink):
 * the server side of the Varlink certification walk, so that an independent
 * client (varlink-go-certification -client) can check this Varlink layer.
 * Served only with --varlink-certification / varlink_certification = yes.
 *
 * The walk is a table: for each step, the method, the arguments it must
 * receive (the previous step's reply), and its reply.  Each client id
 * advances one step per call; any difference is a CertificationError with
 * what was wanted and what came. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define CERT_IFACE "org.varlink.certification"
#define CERT_MAX_CLIENTS 64

static const char mytype_json[] =
    "{\"object\": {\"method\": \"org.varlink.certification.Test09\", \"parameters\": {\"map\": {\"foo\": \"Foo\", "
    "\"bar\": \"Bar\"}}}, \"enum\": \"two\", \"struct\": {\"first\": 1, \"second\": \"2\"}, \"array\": [\"one\", "
    "\"two\", \"three\"], \"dictionary\": {\"foo\": \"Foo\", \"bar\": \"Bar\"}, \"stringset\": {\"one\": {}, "
    "\"two\": {}, \"three\": {}}, \"interface\": {\"foo\": [null, {\"foo\": \"foo\", \"bar\": \"bar\"}, null, "
    "{\"one\": \"foo\", \"two\": \"bar\"}], \"anon\": {\"foo\": true, \"bar\": false}}}";

#define PI "3.141592653589793"
#define FOUR "\"bool\": false, \"int\": 2, \"float\": " PI ", \"string\": \"a lot of string\""
#define MORE_REPLIES                                                                                               \
    "[\"Reply number 1\", \"Reply number 2\", \"Reply number 3\", \"Reply number 4\", \"Reply number 5\", "       \
    "\"Reply number 6\", \"Reply number 7\", \"Reply number 8\", \"Reply number 9\", \"Reply number 10\"]"

/* wants: the arguments besides client_id; reply: what is answered.  "@" in
 * a template stands for the MyType value above. */
static const struct step {
    const char *method;
    const char *wants;
    const char *reply;
} steps[] = {
    {"Test01", "{}", "{\"bool\": true}"},
    {"Test02", "{\"bool\": true}", "{\"int\": 1}"},
    {"Test03", "{\"int\": 1}", "{\"float\": 1.0}"},
    {"Test04", "{\"float\": 1.0}", "{\"string\": \"ping\"}"},
    {"Test05", "{\"string\": \"ping\"}", "{" FOUR "}"},
    {"Test06", "{" FOUR "}", "{\"struct\": {" FOUR "}}"},
    {"Test07", "{\"struct\": {" FOUR "}}", "{\"map\": {\"foo\": \"Foo\", \"bar\": \"Bar\"}}"},
    {"Test08", "{\"map\": {\"foo\": \"Foo\", \"bar\": \"Bar\"}}",
     "{\"set\": {\"one\": {}, \"two\": {}, \"three\": {}}}"},
    {"Test09", "{\"set\": {\"one\": {}, \"two\": {}, \"three\": {}}}", "{\"mytype\": @}"},
    {"Test10", "{\"mytype\": @}", NULL /* ten streamed replies */},
    {"Test11", "{\"last_more_replies\": " MORE_REPLIES "}", NULL /* oneway */},
    {"End", "{}", "{\"all_ok\": true}"},
};

static struct json_object *parse_template(const char *t)
{
    const char *at = strchr(t, '@');
    if (!at)
        return json_tokener_parse(t);
    _cleanup_free_ char *s = cm_xasprintf("%.*s%s%s", (int)(at - t), t, mytype_json, at + 1);
    return json_tokener_parse(s);
}

/* Equality as Varlink means it: numbers by value (1 == 1.0), an absent
 * member equals a null one, object members in any order. */
static bool vl_equal(struct json_object *a, struct json_object *b)
{
    if (!a || !b)
        return !a && !b;
    enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
    bool na = ta == json_type_int || ta == json_type_double, nb = tb == json_type_int || tb == json_type_double;
    if (na || nb)
        return na && nb && json_object_get_double(a) == json_object_get_double(b);
    if (ta != tb)
        return false;
    switch (ta) {
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return !strcmp(json_object_get_string(a), json_object_get_string(b));
    case json_type_array: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!vl_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                return false;
        return true;
    }
    case json_type_object: {
        json_object_object_foreach(a, ka, va)
        {
            struct json_object *vb = NULL;
            json_object_object_get_ex(b, ka, &vb);
            if (!vl_equal(va, vb))
                return false;
        }
        json_object_object_foreach(b, kb, vb2)
        {
            struct json_object *va2 = NULL;
            json_object_object_get_ex(a, kb, &va2);
            if (!va2 && vb2)
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

static void cert_error(struct cmd_conn *c, struct json_object *wants, struct json_object *got)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "wants", wants);
    json_object_object_add(p, "got", got);
    cmd_error(c, CERT_IFACE ".CertificationError", p);
}

int cmd_cert_call(struct cmd_conn *c, struct vl_call *call)
{
    struct cmd_daemon *d = c->d;
    if (!d->cert)
        d->cert = json_object_new_object();
    if (!strcmp(call->member, "Start")) {
        if (json_object_object_length(d->cert) >= CERT_MAX_CLIENTS) {
            json_object_put(d->cert); /* a bounded table: abandoned walks are forgotten */
            d->cert = json_object_new_object();
        }
        char id[64];
        snprintf(id, sizeof(id), "client-%llu-%ld", (unsigned long long)d->served, (long)random());
        json_object_object_add(d->cert, id, json_object_new_int(0));
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "client_id", json_object_new_string(id));
        cmd_reply(c, p);
        return 0;
    }
    size_t k;
    for (k = 0; k < CM_ARRAY_SIZE(steps); k++)
        if (!strcmp(steps[k].method, call->member))
            break;
    if (k == CM_ARRAY_SIZE(steps)) {
        cmd_error_msg(c, VL_ERR_METHOD_NOT_FOUND, "method", call->method);
        return 0;
    }
    bool bad = false;
    const char *id = cmd_param_str(call->params, "client_id", &bad);
    struct json_object *state = NULL;
    if (!id || bad || !json_object_object_get_ex(d->cert, id, &state)) {
        cmd_error(c, CERT_IFACE ".ClientIdError", NULL);
        return 0;
    }
    _cleanup_free_ char *idc = cm_xstrdup(id);
    int at = json_object_get_int(state);
    struct json_object *got = json_object_new_object();
    json_object_object_foreach(call->params, key, val)
    {
        if (strcmp(key, "client_id"))
            json_object_object_add(got, key, json_object_get(val));
    }
    if ((size_t)at != k) {
        struct json_object *w = json_object_new_object();
        json_object_object_add(w, "method", json_object_new_string(at < (int)CM_ARRAY_SIZE(steps) ? steps[at].method : "-"));
        cert_error(c, w, got);
        json_object_object_del(d->cert, idc);
        return 0;
    }
    struct json_object *wants = parse_template(steps[k].wants);
    if (!vl_equal(wants, got)) {
        cert_error(c, wants, got);
        json_object_object_del(d->cert, idc);
        return 0;
    }
    json_object_put(wants);
    json_object_put(got);
    json_object_object_add(d->cert, idc, json_object_new_int(at + 1));
    if (!strcmp(call->member, "Test10")) {
        if (!call->more) {
            cmd_error(c, VL_ERR_EXPECTED_MORE, NULL);
            return 0;
        }
        for (int i = 1; i <= 10; i++) {
            char s[32];
            snprintf(s, sizeof(s), "Reply number %d", i);
            struct json_object *p = json_object_new_object();
            json_object_object_add(p, "string", json_object_new_string(s));
            cmd_reply_more(c, p, i < 10);
        }
        return 0;
    }
    if (!strcmp(call->member, "Test11")) {
        if (!call->oneway) /* the walk says oneway; answer anyway so a client does not hang */
            cmd_reply(c, NULL);
        return 0;
    }
    if (!strcmp(call->member, "End"))
        json_object_object_del(d->cert, idc);
    cmd_reply(c, parse_template(steps[k].reply));
    return 0;
}
