/* Unit tests for the multipart/form-data parser and the router. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/multipart.h"
#include "server/router.h"

#define CT "multipart/form-data; boundary=XyZ"

static multipart_status parse(const char *ct, const char *body, multipart_form *f) {
    return multipart_parse(ct, (const unsigned char *)body, strlen(body), f);
}

static void test_two_parts(void **state) {
    (void)state;
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"journeyId\"\r\n\r\n"
                       "abc\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"imageBest\"; filename=\"s.jpg\"\r\n"
                       "Content-Type: image/JPEG\r\n\r\n"
                       "\xff\xd8\r\n--X not a delimiter\xff\xd9\r\n"
                       "--XyZ--\r\n";
    multipart_form f;
    assert_int_equal(parse(CT, body, &f), MP_OK);
    assert_int_equal(f.count, 2);
    const multipart_part *j = multipart_get(&f, "journeyId");
    assert_non_null(j);
    assert_int_equal(j->len, 3);
    assert_memory_equal(j->data, "abc", 3);
    assert_false(j->is_file);
    const multipart_part *img = multipart_get(&f, "imageBest");
    assert_non_null(img);
    assert_true(img->is_file);
    assert_string_equal(img->filename, "s.jpg");
    assert_string_equal(img->content_type, "image/jpeg");
    assert_int_equal(img->len, strlen("\xff\xd8\r\n--X not a delimiter\xff\xd9"));
    assert_null(multipart_get(&f, "missing"));
}

static void test_quoted_boundary_preamble_lf(void **state) {
    (void)state;
    const char *body = "preamble text\r\n--a b\n"
                       "content-disposition: form-data; name=x\n\n"
                       "1\r\n--a b--";
    multipart_form f;
    assert_int_equal(parse("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", body, &f),
                     MP_OK);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.parts[0].name, "x");
    assert_int_equal(f.parts[0].len, 1);
}

static void test_rejects(void **state) {
    (void)state;
    multipart_form f;
    assert_int_equal(parse("application/json", "{}", &f), MP_NOT_MULTIPART);
    assert_int_equal(parse(NULL, "{}", &f), MP_NOT_MULTIPART);
    assert_int_equal(parse("multipart/form-data", "--x", &f), MP_NO_BOUNDARY);
    assert_int_equal(parse("multipart/form-data; boundary=", "--x", &f), MP_NO_BOUNDARY);
    assert_int_equal(parse("multipart/form-data; boundary=\"unterminated", "--x", &f),
                     MP_NO_BOUNDARY);
    /* truncated: no closing delimiter */
    assert_int_equal(
        parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc", &f),
        MP_MALFORMED);
    /* no Content-Disposition */
    assert_int_equal(parse(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--", &f),
                     MP_MALFORMED);
    /* header without colon */
    assert_int_equal(parse(CT, "--XyZ\r\ngarbage\r\n\r\nabc\r\n--XyZ--", &f), MP_MALFORMED);
    /* no delimiter at all, empty body, only the close delimiter */
    assert_int_equal(parse(CT, "hello", &f), MP_MALFORMED);
    assert_int_equal(parse(CT, "", &f), MP_MALFORMED);
    assert_int_equal(parse(CT, "--XyZ--", &f), MP_MALFORMED);
    /* name too long for its field */
    char body[600];
    char longname[300];
    memset(longname, 'n', 299);
    longname[299] = 0;
    snprintf(body, sizeof body,
             "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\nv\r\n--XyZ--", longname);
    assert_int_equal(parse(CT, body, &f), MP_MALFORMED);
}

static void test_limits(void **state) {
    (void)state;
    multipart_form f;
    static char body[200000];
    size_t o = 0;
    for (int i = 0; i < MULTIPART_MAX_PARTS + 1; i++)
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "--XyZ\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nv\r\n",
                              i);
    snprintf(body + o, sizeof body - o, "--XyZ--");
    assert_int_equal(parse(CT, body, &f), MP_TOO_MANY_PARTS);
    o = (size_t)snprintf(body, sizeof body,
                         "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n");
    for (int i = 0; i < 1000; i++)
        o += (size_t)snprintf(body + o, sizeof body - o, "X-Pad: 0123456789\r\n");
    snprintf(body + o, sizeof body - o, "\r\nv\r\n--XyZ--");
    assert_int_equal(parse(CT, body, &f), MP_HEADER_TOO_LONG);
}

static void noop(http_request *req, http_response *res) {
    (void)req;
    (void)res;
}

static void test_router(void **state) {
    (void)state;
    const route routes[] = {
        {"POST", "/api/ekyc/journeyid", noop},
        {"GET", "/api/ekyc/journey/{journeyId}", noop},
        {"DELETE", "/api/ekyc/journey/{journeyId}", noop},
    };
    size_t idx = 99;
    char param[64], allow[64];
    assert_int_equal(router_match(routes, 3, "POST", "/api/ekyc/journeyid", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(idx, 0);
    assert_string_equal(param, "");
    assert_int_equal(router_match(routes, 3, "GET", "/api/ekyc/journeyid", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_WRONG_METHOD);
    assert_string_equal(allow, "POST");
    assert_int_equal(router_match(routes, 3, "DELETE", "/api/ekyc/journey/abc", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(idx, 2);
    assert_string_equal(param, "abc");
    assert_int_equal(router_match(routes, 3, "HEAD", "/api/ekyc/journey/abc", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_FOUND);
    assert_int_equal(router_match(routes, 3, "PUT", "/api/ekyc/journey/abc", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_WRONG_METHOD);
    assert_string_equal(allow, "GET, DELETE");
    assert_int_equal(router_match(routes, 3, "GET", "/api/ekyc/journey/", &idx, param, sizeof param,
                                  allow, sizeof allow),
                     ROUTE_NOT_FOUND);
    assert_int_equal(router_match(routes, 3, "GET", "/api/ekyc/journey/a/b", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_NOT_FOUND);
    assert_int_equal(router_match(routes, 3, "POST", "/api/ekyc/journeyid/", &idx, param,
                                  sizeof param, allow, sizeof allow),
                     ROUTE_NOT_FOUND);
    char longpath[400];
    memset(longpath, 'a', sizeof longpath);
    memcpy(longpath, "/api/ekyc/journey/", 18);
    longpath[399] = 0;
    assert_int_equal(
        router_match(routes, 3, "GET", longpath, &idx, param, sizeof param, allow, sizeof allow),
        ROUTE_NOT_FOUND);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_parts), cmocka_unit_test(test_quoted_boundary_preamble_lf),
        cmocka_unit_test(test_rejects),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_router),
    };
    return cmocka_run_group_tests_name("multipart_router", tests, NULL, NULL);
}
