/* API tests for the audit log (issue 6): every call that names an account or a journey leaves a
 * row with who (account, client address), what (route), the status and the answer's code; the
 * rows outlive the journey's deletion, hold no personal data, and `ekycd audit` prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "apiutil.h"
#include "util/b64.h"

static char *g_dir;
static api_server g_srv;

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    if (api_add_account(g_dir, "alice", "alice-secret-1", "--allow-delete", NULL) != 0 ||
        api_add_account(g_dir, "bob", "bob-secret-123", NULL) != 0 ||
        api_server_start(&g_srv, g_dir, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

/* Runs `ekycd audit ARGS` and returns its output lines parsed as JSON (an array). */
static json_t *audit(const char *flag, const char *value) {
    static int seq;
    char out[700];
    snprintf(out, sizeof out, "%s/audit-%d.txt", g_dir, seq++);
    const char *args[] = {"audit", "--data", g_dir, flag, value, NULL};
    assert_int_equal(api_run_cli(out, args), 0);
    size_t len = 0;
    unsigned char *text = tu_read_file(out, &len);
    assert_non_null(text);
    /* no personal data from the document that was read */
    assert_null(strstr((char *)text, "ERIKSSON"));
    assert_null(strstr((char *)text, "L898902C3"));
    json_t *rows = json_array();
    for (char *save = NULL, *line = strtok_r((char *)text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *row = json_loads(line, 0, NULL);
        assert_non_null(row);
        json_array_append_new(rows, row);
    }
    free(text);
    return rows;
}

static const char *field(json_t *rows, size_t i, const char *key) {
    return json_string_value(json_object_get(json_array_get(rows, i), key));
}

static void expect_row(json_t *rows, size_t i, const char *account, const char *action,
                       const char *outcome) {
    assert_true(i < json_array_size(rows));
    if (account)
        assert_string_equal(field(rows, i, "account"), account);
    else
        assert_null(field(rows, i, "account"));
    assert_string_equal(field(rows, i, "action"), action);
    assert_string_equal(field(rows, i, "outcome"), outcome);
    assert_string_equal(field(rows, i, "clientIp"), "127.0.0.1");
    assert_int_equal(strlen(field(rows, i, "requestId")), 16);
    assert_non_null(strstr(field(rows, i, "at"), "Z"));
}

static void test_journey_trail(void **state) {
    (void)state;
    char id[64], path[128], body[256];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", id);
    assert_true(id[0] != '\0');
    /* a document that is not an image, then the specimen passport */
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\",\"base64ImageString\":\"AAAA\"}", id);
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/okayid", body);
    api_resp_free(&r);
    size_t len = 0;
    unsigned char *png = tu_read_file("tests/data/mrz_td3.png", &len);
    assert_non_null(png);
    char *b64 = b64_encode(png, len);
    free(png);
    assert_non_null(b64);
    size_t n = strlen(b64) + 256;
    char *big = malloc(n);
    assert_non_null(big);
    snprintf(big, n, "{\"journeyId\":\"%s\",\"base64ImageString\":\"%s\"}", id, b64);
    free(b64);
    r = api_post_json(g_srv.port, "/api/ekyc/okayid", big);
    free(big);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    /* bob tries alice's journey; alice reads and deletes it; then it is gone */
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", id);
    r = api_get(g_srv.port, path, "bob:bob-secret-123");
    api_resp_free(&r);
    snprintf(path, sizeof path, "/api/ekyc/details/%s", id);
    r = api_get(g_srv.port, path, "alice:alice-secret-1");
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    api_req del = {.method = "DELETE", .path = path, .userpwd = "alice:alice-secret-1"};
    r = api_call(g_srv.port, &del);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    r = api_get(g_srv.port, path, "alice:alice-secret-1");
    api_resp_free(&r);

    json_t *rows = audit("--journey", id);
    assert_int_equal(json_array_size(rows), 7);
    expect_row(rows, 0, "alice", "POST /api/ekyc/journeyid", "success");
    expect_row(rows, 1, "alice", "POST /api/ekyc/okayid", "UNRECOGNIZED_IMAGE");
    expect_row(rows, 2, "alice", "POST /api/ekyc/okayid", "success");
    expect_row(rows, 3, "bob", "GET /api/ekyc/journey/{journeyId}", "INVALID_JOURNEY_ID");
    expect_row(rows, 4, "alice", "GET /api/ekyc/details/{journeyId}", "success");
    expect_row(rows, 5, "alice", "DELETE /api/ekyc/details/{journeyId}", "success");
    expect_row(rows, 6, "alice", "GET /api/ekyc/details/{journeyId}", "INVALID_JOURNEY_ID");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 1), "status")), 200);
    for (size_t i = 0; i < 7; i++) assert_string_equal(field(rows, i, "journeyId"), id);
    json_decref(rows);

    /* bob's own trail shows the attempt on a journey that is not his */
    rows = audit("--account", "bob");
    assert_int_equal(json_array_size(rows), 1);
    expect_row(rows, 0, "bob", "GET /api/ekyc/journey/{journeyId}", "INVALID_JOURNEY_ID");
    json_decref(rows);
}

static void test_failed_logins_and_unknown_journeys(void **state) {
    (void)state;
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/journeyid",
                               "{\"username\":\"bob\",\"password\":\"wrong-password\"}");
    assert_string_equal(api_str(&r, "message"), "INCORRECT_PASSWORD");
    api_resp_free(&r);
    json_t *rows = audit("--account", "bob");
    size_t last = json_array_size(rows) - 1;
    expect_row(rows, last, "bob", "POST /api/ekyc/journeyid", "INCORRECT_PASSWORD");
    assert_null(field(rows, last, "journeyId"));
    json_decref(rows);
    /* a probe of a journey that never existed is recorded without an account */
    const char *ghost = "11111111-2222-4333-8444-555555555555";
    char body[128];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", ghost);
    r = api_post_json(g_srv.port, "/api/ekyc/complete", body);
    api_resp_free(&r);
    rows = audit("--journey", ghost);
    assert_int_equal(json_array_size(rows), 1);
    expect_row(rows, 0, NULL, "POST /api/ekyc/complete", "INVALID_JOURNEY_ID");
    json_decref(rows);
    /* the CLI refuses what is not a journey id */
    char out[700];
    snprintf(out, sizeof out, "%s/audit-bad.txt", g_dir);
    const char *bad[] = {"audit", "--data", g_dir, "--journey", "../etc", NULL};
    assert_int_equal(api_run_cli(out, bad), 2);
    const char *none[] = {"audit", "--data", g_dir, NULL};
    assert_int_equal(api_run_cli(out, none), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journey_trail),
        cmocka_unit_test(test_failed_logins_and_unknown_journeys),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
