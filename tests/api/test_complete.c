/* API tests for POST /api/ekyc/complete (emas.md §4.10): INCOMPLETE_JOURNEY until every step the
 * account requires has a result, then completeDateTime, idempotently, and a read-only journey. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "apiutil.h"
#include "imageutil.h"

/* OkayFace's two photos, from the committed fixtures (a fresh clone has no shared data): the
 * synthetic MyKad as the ID and its holder's portrait cut out as the selfie */
#define PHOTO_A IU_CARD
static char g_photo_b[600];
#define PHOTO_B g_photo_b

static char *g_dir;
static api_server g_srv;

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    if (!g_dir) return -1;
    snprintf(g_photo_b, sizeof g_photo_b, "%s/selfie.jpg", g_dir);
    if (iu_fixture_face_jpeg(g_photo_b) != 0) return -1;
    if (api_add_account(g_dir, "carol", "carol-secret-1", "--steps", "okayface", NULL) != 0 ||
        api_add_account(g_dir, "dave", "dave-secret-12", NULL) != 0 ||
        api_add_account(g_dir, "erin", "erin-secret-12", "--steps", "okayface,selfie", NULL) == 0 ||
        api_server_start(&g_srv, g_dir, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

static void new_journey(const char *user, const char *pw, char out[64]) {
    api_new_journey(g_srv.port, user, pw, out);
    assert_true(out[0] != '\0');
}

static api_resp complete(const char *key, const char *journey_id) {
    char body[160];
    snprintf(body, sizeof body, "{\"%s\":\"%s\"}", key, journey_id);
    return api_post_json(g_srv.port, "/api/ekyc/complete", body);
}

static void expect_code(api_resp *r, const char *code) {
    assert_int_equal(r->status, 200);
    assert_string_equal(api_str(r, "status"), "error");
    assert_string_equal(api_str(r, "message"), code);
}

/* Runs OkayFace v1 on the journey with two photos of one person. */
static api_resp okayface(const char *journey_id) {
    api_part parts[] = {{.name = "journeyId", .value = journey_id},
                        {.name = "imageIdCard", .file = PHOTO_A},
                        {.name = "imageBest", .file = PHOTO_B}};
    return api_post_form(g_srv.port, "/api/ekyc/okayface", parts, 3, NULL);
}

static void test_complete_bad_requests(void **state) {
    (void)state;
    api_resp r = complete("journeyId", "00000000-0000-4000-8000-000000000000");
    expect_code(&r, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    r = complete("journeyId", "");
    expect_code(&r, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/complete", "{\"journeyId\":");
    assert_int_equal(r.status, 400);
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/complete", "{\"journeyId\":42}");
    expect_code(&r, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
}

static void test_complete_after_required_steps(void **state) {
    (void)state;
    char j[64];
    new_journey("carol", "carol-secret-1", j);
    api_resp r = complete("journeyId", j);
    expect_code(&r, "INCOMPLETE_JOURNEY");
    assert_true(json_is_null(json_object_get(r.json, "messageCode")));
    api_resp_free(&r);

    r = okayface(j);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);

    long long before = (long long)time(NULL) * 1000 - 1000;
    r = complete("journeyID", j); /* the spelling of the spec's table */
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_true(json_is_null(json_object_get(r.json, "message")));
    assert_true(json_is_null(json_object_get(r.json, "messageCode")));
    json_int_t when = json_integer_value(json_object_get(r.json, "completeDateTime"));
    assert_true(when >= before);
    api_resp_free(&r);

    /* a second call answers the same completion time */
    r = complete("journeyId", j);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_int_equal(json_integer_value(json_object_get(r.json, "completeDateTime")), when);
    api_resp_free(&r);

    /* read-only afterwards */
    r = okayface(j);
    expect_code(&r, "JOURNEY_COMPLETED");
    api_resp_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", j);
    r = api_get(g_srv.port, path, "carol:carol-secret-1");
    assert_string_equal(api_str(&r, "journeyStatus"), "COMPLETED");
    assert_int_equal(json_integer_value(json_object_get(r.json, "completeDateTime")), when);
    assert_int_equal(json_array_size(json_object_get(r.json, "results")), 1);
    api_resp_free(&r);
}

static void test_default_steps_need_document(void **state) {
    (void)state;
    char j[64];
    new_journey("dave", "dave-secret-12", j);
    api_resp r = okayface(j);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    r = complete("journeyId", j); /* okayid and okaydoc are still missing */
    expect_code(&r, "INCOMPLETE_JOURNEY");
    api_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_bad_requests),
        cmocka_unit_test(test_complete_after_required_steps),
        cmocka_unit_test(test_default_steps_need_document),
    };
    return cmocka_run_group_tests_name("api_complete", tests, group_setup, group_teardown);
}
