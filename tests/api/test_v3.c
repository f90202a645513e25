/* API tests of the v3 family's merchant calls (docs/v3.md) against the real server: the company
 * key (`ekycd company key`; missing, wrong, another company's, rotated: one 401), opening a
 * session (text/plain token, its id in X-Session-Id, the spellings the vendor's samples send,
 * the spec's flat parameters), every validation with its own code, AUTH for a user never
 * enrolled, reading the session (fields, another company's: 404; the H5 API does not see it,
 * nor it an H5 link), users (404 before any enrolment), the drop-in mode without keys (unknown
 * company 401, disabled 403). Uses no shared data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>

#include "apiutil.h"

static char *g_dir, *g_dir_open;
static api_server g_srv, g_open; /* keys required (the default); keys off (drop-in) */
static char g_key[160], g_key_b[160];

#define OPEN_CONFIG "{\"v3_require_api_key\": false}"

/* `ekycd company key --account ACCOUNT --data DIR`; the printed api_key into key. */
static int company_key(const char *dir, const char *account, char key[160]) {
    char out[700];
    snprintf(out, sizeof out, "%s/company.out", dir);
    unlink(out);
    const char *args[] = {"company", "key", "--account", account, "--data", dir, NULL};
    int rc = api_run_cli(out, args);
    char *text = (char *)tu_read_file(out, NULL);
    const char *k = text ? strstr(text, "api_key: ") : NULL;
    key[0] = '\0';
    if (k) sscanf(k + 9, "%159s", key);
    free(text);
    return rc == 0 && key[0] ? 0 : -1;
}

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    g_dir_open = tu_mkdtemp();
    if (!g_dir || !g_dir_open) return -1;
    char config[700];
    snprintf(config, sizeof config, "%s/open.json", g_dir_open);
    if (tu_write_file(config, OPEN_CONFIG, strlen(OPEN_CONFIG)) != 0) return -1;
    /* under PostgreSQL both servers share one database: distinct names and company ids */
    if (api_add_account(g_dir, "acme", "acme-secret-1", "--company-id", "acme-001", NULL) ||
        api_add_account(g_dir, "beta", "beta-secret-1", "--company-id", "beta-002", NULL) ||
        api_add_account(g_dir_open, "open", "open-secret-1", "--company-id", "open-003", NULL) ||
        api_add_account(g_dir_open, "shut", "shut-secret-1", "--company-id", "shut-004",
                        "--disabled", NULL) ||
        company_key(g_dir, "acme", g_key) || company_key(g_dir, "beta", g_key_b))
        return -1;
    if (api_server_start(&g_srv, g_dir, NULL, NULL) != 0 ||
        api_server_start(&g_open, g_dir_open, config, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    int rc = api_server_stop(&g_open);
    tu_rmtree(g_dir_open);
    free(g_dir_open);
    return api_group_end(&g_srv, g_dir) || rc;
}

/* POST /api/v3/ekyc with body, and the key when not NULL. */
static api_resp open_session(int port, const char *key, const char *body) {
    char header[200];
    snprintf(header, sizeof header, "X-Api-Key: %s", key ? key : "");
    const char *headers[] = {header, NULL};
    api_req q = {.method = "POST",
                 .path = "/api/v3/ekyc",
                 .content_type = "application/json",
                 .body = body,
                 .body_len = strlen(body),
                 .headers = key ? headers : NULL};
    return api_call(port, &q);
}

static api_resp get_with_key(const char *method, const char *path, const char *key) {
    char header[200];
    snprintf(header, sizeof header, "X-Api-Key: %s", key);
    const char *headers[] = {header, NULL};
    api_req q = {.method = method, .path = path, .headers = headers};
    return api_call(g_srv.port, &q);
}

static void expect_v3_error(api_resp *r, long status, const char *code) {
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    assert_string_equal(api_str(r, "status"), "error");
    assert_string_equal(api_str(r, "code"), code);
    assert_non_null(api_str(r, "message"));
}

#define ENROLL_OCR                                                                                 \
    "{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\",\"OCR\"],\"extra\":{\"action\":"     \
    "\"ENROLL\",\"flow\":\"card_first\",\"userId\":\"user-42\",\"model\":\"gaze\",\"krPath\":"     \
    "\"https://krypton.acme.example\"}}"

static void test_open_session(void **state) {
    (void)state;
    api_resp r = open_session(g_srv.port, g_key, ENROLL_OCR);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/plain"));
    /* "<30 A-Z0-9 id>.<43 base64url>", the id also in X-Session-Id */
    assert_int_equal(r.len, 30 + 1 + 43);
    assert_int_equal(r.body[30], '.');
    assert_int_equal(strlen(r.session_id), 30);
    assert_memory_equal(r.body, r.session_id, 30);
    for (size_t i = 31; i < r.len; i++)
        assert_true(isalnum((unsigned char)r.body[i]) || r.body[i] == '-' || r.body[i] == '_');
    char path[128];
    snprintf(path, sizeof path, "/api/v3/ekyc/%s", r.session_id);
    api_resp s = get_with_key("GET", path, g_key);
    assert_int_equal(s.status, 200);
    assert_string_equal(api_str(&s, "sessionId"), r.session_id);
    assert_string_equal(api_str(&s, "companyId"), "acme-001");
    assert_string_equal(api_str(&s, "action"), "ENROLL");
    assert_string_equal(api_str(&s, "flow"), "card_first");
    assert_string_equal(api_str(&s, "userId"), "user-42");
    assert_string_equal(api_str(&s, "model"), "gaze");
    assert_string_equal(api_str(&s, "status"), "CREATED");
    json_t *types = json_object_get(s.json, "sessionTypes");
    assert_int_equal(json_array_size(types), 2);
    json_int_t created = json_integer_value(json_object_get(s.json, "createdAt"));
    json_int_t expires = json_integer_value(json_object_get(s.json, "expiresAt"));
    assert_int_equal(expires - created, 15 * 60 * 1000); /* 15 minutes by default */
    assert_true(json_is_null(json_object_get(s.json, "result")));
    /* the secret half of the token is nowhere in the answer */
    assert_null(strstr(s.body, r.body + 31));
    api_resp_free(&s);
    /* another company's key: the same 404 as an unknown id */
    api_resp other = get_with_key("GET", path, g_key_b);
    expect_v3_error(&other, 404, "SESSION_NOT_FOUND");
    api_resp unknown = get_with_key("GET", "/api/v3/ekyc/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", g_key);
    expect_v3_error(&unknown, 404, "SESSION_NOT_FOUND");
    assert_string_equal(unknown.body, other.body);
    api_resp_free(&other);
    api_resp_free(&unknown);
    /* the H5 family does not see it: its page refuses the id as a link token */
    api_req page = {.method = "GET", .path = "/api/h5/session"};
    char bearer[128];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", r.session_id);
    const char *h[] = {bearer, NULL};
    page.headers = h;
    api_resp p = api_call(g_srv.port, &page);
    assert_int_equal(p.status, 401);
    api_resp_free(&p);
    api_resp_free(&r);
}

/* The spellings of the vendor's samples: lower-case actions, "ekyc", the spec's flat table. */
static void test_sample_spellings(void **state) {
    (void)state;
    static const char *const bodies[] = {
        "{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\",\"OCR\"],\"extra\":{\"action\":"
        "\"ekyc\",\"flow\":\"face_first\",\"userId\":\"u-1\",\"model\":\"passive\"}}",
        "{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
        "\"enroll\",\"flow\":\"selfie_only\",\"userId\":\"u-1\",\"model\":\"GAZE\"}}",
        "{\"companyId\":\"acme-001\",\"sessionTypes\":[\"liveness\"],\"extra\":{\"action\":"
        "\"liveness\",\"model\":\"passive\",\"krPath\":\"http://127.0.0.1:9\"}}",
        "{\"companyId\":\"acme-001\",\"sessionTypes\":[\"LIVENESS\"],\"action\":\"LIVENESS\","
        "\"model\":\"passive\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        api_resp r = open_session(g_srv.port, g_key, bodies[i]);
        if (r.status != 200) printf("  body %zu answered %ld %s\n", i, r.status, r.body);
        assert_int_equal(r.status, 200);
        assert_int_equal(strlen(r.session_id), 30);
        api_resp_free(&r);
    }
}

static void test_validation(void **state) {
    (void)state;
    static const struct {
        const char *body, *code;
    } cases[] = {
        {"[1,2]", "MALFORMED_JSON"},
        {"{\"companyId\":", "MALFORMED_JSON"},
        {"{\"sessionTypes\":[\"LIVENESS\"],\"extra\":{\"action\":\"LIVENESS\",\"model\":"
         "\"passive\"}}",
         "MISSING_COMPANY_ID"},
        {"{\"companyId\":\"acme-001\",\"extra\":{\"action\":\"LIVENESS\",\"model\":\"passive\"}}",
         "INVALID_SESSION_TYPES"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[],\"extra\":{}}", "INVALID_SESSION_TYPES"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"SELFIE\"],\"extra\":{}}",
         "INVALID_SESSION_TYPES"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"AUTH\",\"AUTH\"],\"extra\":{}}",
         "INVALID_SESSION_TYPES"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"AUTH\",\"ENROLL\"],\"extra\":{}}",
         "INVALID_COMBINATION"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"LIVENESS\",\"OCR\"],\"extra\":{}}",
         "INVALID_COMBINATION"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":\"x\"}",
         "INVALID_EXTRA"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"AUTH\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"userId\":\"u\",\"model\":\"passive\"}}",
         "INVALID_ACTION"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
         "\"ekyc\",\"userId\":\"u\",\"model\":\"passive\"}}",
         "INVALID_ACTION"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\",\"OCR\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"userId\":\"u\",\"model\":\"passive\"}}",
         "INVALID_FLOW"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\",\"OCR\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"flow\":\"selfie_only\",\"userId\":\"u\",\"model\":\"passive\"}}",
         "INVALID_FLOW"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"model\":\"passive\"}}",
         "MISSING_USER_ID"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"userId\":\"a b\",\"model\":\"passive\"}}",
         "INVALID_USER_ID"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"userId\":\"u\",\"model\":\"active\"}}",
         "INVALID_MODEL"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"ENROLL\"],\"extra\":{\"action\":"
         "\"ENROLL\",\"userId\":\"u\"}}",
         "INVALID_MODEL"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":{\"action\":"
         "\"LIVENESS\",\"model\":\"gaze\",\"krPath\":\"javascript:alert(1)\"}}",
         "INVALID_KR_PATH"},
        {"{\"companyId\":\"acme-001\",\"sessionTypes\":[\"AUTH\"],\"extra\":{\"action\":\"AUTH\","
         "\"userId\":\"never-enrolled\",\"model\":\"passive\"}}",
         "USER_NOT_ENROLLED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_resp r = open_session(g_srv.port, g_key, cases[i].body);
        if (!r.json || !api_str(&r, "code") || strcmp(api_str(&r, "code"), cases[i].code))
            printf("  case %zu: expected %s, got %ld %s\n", i, cases[i].code, r.status, r.body);
        expect_v3_error(&r, 400, cases[i].code);
        api_resp_free(&r);
    }
    api_req text = {.method = "POST",
                    .path = "/api/v3/ekyc",
                    .content_type = "text/plain",
                    .body = "x",
                    .body_len = 1};
    api_resp r = api_call(g_srv.port, &text);
    expect_v3_error(&r, 415, "UNSUPPORTED_CONTENT_TYPE");
    api_resp_free(&r);
}

/* Missing, malformed, wrong, another company's and rotated keys: one 401 answer for all. */
static void test_keys(void **state) {
    (void)state;
    char wrong[160];
    snprintf(wrong, sizeof wrong, "%s", g_key);
    wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == '0' ? '1' : '0';
    const char *keys[] = {NULL, "", "nodot", wrong, g_key_b};
    api_resp first = {0};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        api_resp r = open_session(g_srv.port, keys[i], ENROLL_OCR);
        expect_v3_error(&r, 401, "UNAUTHORIZED");
        if (i == 0)
            first = r;
        else {
            assert_string_equal(r.body, first.body);
            api_resp_free(&r);
        }
    }
    api_resp_free(&first);
    api_resp g = get_with_key("GET", "/api/v3/users/user-42", wrong);
    expect_v3_error(&g, 401, "UNAUTHORIZED");
    api_resp_free(&g);
    /* a new company key replaces the old one */
    char fresh[160];
    assert_int_equal(company_key(g_dir, "beta", fresh), 0);
    assert_string_not_equal(fresh, g_key_b);
    const char *beta = "{\"companyId\":\"beta-002\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":{"
                       "\"action\":\"LIVENESS\",\"model\":\"passive\"}}";
    api_resp old = open_session(g_srv.port, g_key_b, beta);
    expect_v3_error(&old, 401, "UNAUTHORIZED");
    api_resp_free(&old);
    api_resp now = open_session(g_srv.port, fresh, beta);
    assert_int_equal(now.status, 200);
    api_resp_free(&now);
    snprintf(g_key_b, sizeof g_key_b, "%s", fresh);
}

static void test_users(void **state) {
    (void)state;
    api_resp g = get_with_key("GET", "/api/v3/users/user-42", g_key);
    expect_v3_error(&g, 404, "USER_NOT_FOUND");
    api_resp_free(&g);
    api_resp d = get_with_key("DELETE", "/api/v3/users/user-42", g_key);
    expect_v3_error(&d, 404, "USER_NOT_FOUND");
    api_resp_free(&d);
}

/* v3_require_api_key false: the vendor's bare call, the company named by companyId alone. */
static void test_drop_in_mode(void **state) {
    (void)state;
    const char *ok = "{\"companyId\":\"open-003\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":{"
                     "\"action\":\"LIVENESS\",\"model\":\"passive\"}}";
    api_resp r = open_session(g_open.port, NULL, ok);
    assert_int_equal(r.status, 200);
    assert_int_equal(strlen(r.session_id), 30);
    api_resp_free(&r);
    r = open_session(g_open.port, NULL,
                     "{\"companyId\":\"nobody-9\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":{"
                     "\"action\":\"LIVENESS\",\"model\":\"passive\"}}");
    expect_v3_error(&r, 401, "UNAUTHORIZED");
    api_resp_free(&r);
    r = open_session(g_open.port, NULL,
                     "{\"companyId\":\"shut-004\",\"sessionTypes\":[\"LIVENESS\"],\"extra\":{"
                     "\"action\":\"LIVENESS\",\"model\":\"passive\"}}");
    expect_v3_error(&r, 403, "COMPANY_DISABLED");
    api_resp_free(&r);
    /* a key sent anyway is checked */
    r = open_session(g_open.port, "0123.bad", ok);
    expect_v3_error(&r, 401, "UNAUTHORIZED");
    api_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_session), cmocka_unit_test(test_sample_spellings),
        cmocka_unit_test(test_validation),   cmocka_unit_test(test_keys),
        cmocka_unit_test(test_users),        cmocka_unit_test(test_drop_in_mode),
    };
    return cmocka_run_group_tests_name("api_v3", tests, group_setup, group_teardown);
}
