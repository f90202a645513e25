/* API tests of the H5 family (docs/h5.md) against the real server: client keys (missing, wrong,
 * unknown, disabled, rotated: one answer for all), the rate limit, every validation message of
 * the create call, another account's token, the record's fields, the capture page's session,
 * document step (MyKad fixture accepted; a passport photo on an ID-card link uses up the
 * retries and ends the link), bad input to the page's calls, expired links, pruned links and
 * `ekycd usage`. Uses only committed fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "apiutil.h"

#define MYKAD    "tests/data/mykad/photo.jpg"
#define PASSPORT "tests/data/mrz_td3.png"

static char *g_dir, *g_dir_limited;
static api_server g_srv, g_limited;
/* g_srv's configuration: passive liveness accepts every frame. The fake camera (build/face-motion)
 * renders a printed photo, which passive liveness rightly doubts; these tests are about the
 * challenge. test_challenge_not_live runs it at a threshold no frame passes. */
static char g_config[700];
static char g_id[64], g_secret[128], g_id_b[64], g_secret_b[128];
static char g_id_l[64], g_secret_l[128];

/* `ekycd client ARGS...` in dir; the printed client_id / client_secret into id and secret. */
static int run_client(const char *dir, const char *const *args, char *id, char *secret) {
    char out[700];
    snprintf(out, sizeof out, "%s/client.out", dir);
    unlink(out);
    const char *argv[16] = {"client"};
    int n = 1;
    for (int i = 0; args[i] && n < 13; i++) argv[n++] = args[i];
    argv[n++] = "--data";
    argv[n++] = dir;
    argv[n] = NULL;
    int rc = api_run_cli(out, argv);
    size_t len = 0;
    char *text = (char *)tu_read_file(out, &len);
    if (text && id && secret) {
        const char *a = strstr(text, "client_id: "), *b = strstr(text, "client_secret: ");
        if (a) sscanf(a + 11, "%63s", id);
        if (b) sscanf(b + 15, "%127s", secret);
    }
    free(text);
    return rc;
}

static int add_client(const char *dir, const char *account, char *id, char *secret) {
    const char *args[] = {"add", "--account", account, "--name", "test", NULL};
    return run_client(dir, args, id, secret);
}

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    g_dir_limited = tu_mkdtemp();
    char config[700];
    snprintf(config, sizeof config, "%s/limited.json", g_dir_limited);
    const char *limited = "{\"client_rate_per_minute\": 5}";
    if (tu_write_file(config, limited, strlen(limited)) != 0) return -1;
    if (api_add_account(g_dir, "acme", "acme-secret-1", "--display-name", "Acme Bank", NULL) ||
        api_add_account(g_dir, "other", "other-secret-1", "--ocr-retries", "1", NULL) ||
        api_add_account(g_dir_limited, "lim", "lim-secret-1", NULL) ||
        add_client(g_dir, "acme", g_id, g_secret) ||
        add_client(g_dir, "other", g_id_b, g_secret_b) ||
        add_client(g_dir_limited, "lim", g_id_l, g_secret_l))
        return -1;
    snprintf(g_config, sizeof g_config, "%s/challenge.json", g_dir);
    const char *lenient = "{\"liveness_threshold\": -16}";
    if (tu_write_file(g_config, lenient, strlen(lenient)) != 0) return -1;
    if (api_server_start(&g_srv, g_dir, g_config, NULL) != 0 ||
        api_server_start(&g_limited, g_dir_limited, config, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    int rc = g_limited.pid > 0 ? api_server_stop(&g_limited) : 0;
    tu_rmtree(g_dir_limited);
    free(g_dir_limited);
    return api_group_end(&g_srv, g_dir) || rc;
}

/* An H5 API call with the given key (NULL: no key headers). */
static api_resp h5_call(int port, const char *method, const char *path, const char *id,
                        const char *secret, const char *json) {
    char h1[160], h2[200];
    snprintf(h1, sizeof h1, "client_id: %s", id ? id : "");
    snprintf(h2, sizeof h2, "client_secret: %s", secret ? secret : "");
    const char *headers[] = {h1, h2, NULL};
    api_req q = {.method = method,
                 .path = path,
                 .content_type = json ? "application/json" : NULL,
                 .body = json,
                 .body_len = json ? strlen(json) : 0,
                 .headers = id ? headers : NULL};
    return api_call(port, &q);
}

/* A page call with the link's token as a bearer. */
static api_resp page_call(int port, const char *method, const char *path, const char *token,
                          const char *json) {
    char auth[80];
    snprintf(auth, sizeof auth, "Bearer %s", token);
    api_req q = {.method = method,
                 .path = path,
                 .content_type = json ? "application/json" : NULL,
                 .body = json,
                 .body_len = json ? strlen(json) : 0,
                 .raw_auth = auth};
    return api_call(port, &q);
}

static json_t *result_of(api_resp *r) {
    assert_int_equal(r->status, 200);
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), 200);
    json_t *res = json_object_get(r->json, "result");
    assert_true(json_is_object(res));
    return res;
}

static void expect_error(api_resp *r, int status, const char *message) {
    assert_int_equal(r->status, status);
    assert_int_equal(json_integer_value(json_object_get(r->json, "status")), status);
    if (message) assert_string_equal(api_str(r, "message"), message);
}

/* Makes a link with body; token gets its token. */
static void make_link(int port, const char *id, const char *secret, const char *body,
                      char token[64]) {
    api_resp r = h5_call(port, "POST", "/api/ekyc/verifications", id, secret, body);
    json_t *res = result_of(&r);
    snprintf(token, 64, "%s", json_string_value(json_object_get(res, "token")));
    api_resp_free(&r);
}

#define MYKAD_LINK                                                                                 \
    "{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\","                             \
    "\"redirect_url\":\"https://merchant.example/kyc/cb?x=1\"}"
#define OCR_ONLY_LINK                                                                              \
    "{\"type\":\"01\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\","                             \
    "\"redirect_url\":\"https://merchant.example/done\"}"

static void test_create_and_read(void **state) {
    (void)state;
    api_resp r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", g_id, g_secret,
                         "{\"type\":\"00\",\"select_id_country\":true,\"select_id_type\":true,"
                         "\"redirect_url\":\"https://merchant.example/cb\","
                         "\"wallet_address\":\"0xAbC123\"}");
    json_t *res = result_of(&r);
    const char *token = json_string_value(json_object_get(res, "token"));
    const char *url = json_string_value(json_object_get(res, "url"));
    assert_non_null(token);
    assert_int_equal(strlen(token), 30);
    for (const char *p = token; *p; p++)
        assert_true(isupper((unsigned char)*p) || isdigit((unsigned char)*p));
    char tail[64];
    snprintf(tail, sizeof tail, "/verifications?token=%s", token);
    assert_non_null(strstr(url, tail));
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    api_resp g = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    json_t *rec = result_of(&g);
    static const char *const keys[] = {"id",
                                       "organisation_id",
                                       "type",
                                       "token",
                                       "url",
                                       "redirect_url",
                                       "medias",
                                       "ocr_country",
                                       "ocr_type",
                                       "ocr_success",
                                       "ocr_result",
                                       "ocr_charged",
                                       "face_id_success",
                                       "face_id_result",
                                       "face_id_charged",
                                       "is_success",
                                       "latest_error",
                                       "retries",
                                       "face_retries",
                                       "expire_at",
                                       "created_at",
                                       "updated_at",
                                       "pruned_at"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(json_object_get(rec, keys[i]));
    assert_string_equal(json_string_value(json_object_get(rec, "type")), "00");
    assert_string_equal(json_string_value(json_object_get(rec, "token")), token);
    assert_true(json_is_null(json_object_get(rec, "ocr_country")));
    assert_true(json_is_null(json_object_get(rec, "ocr_result")));
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 0);
    assert_string_equal(json_string_value(json_object_get(rec, "wallet_address")), "0xAbC123");
    /* 15 minutes between created_at and expire_at (same day in the test) */
    const char *c = json_string_value(json_object_get(rec, "created_at"));
    const char *e = json_string_value(json_object_get(rec, "expire_at"));
    assert_int_equal(strlen(c), 24);
    assert_int_equal(c[23], 'Z');
    int ch, cm, cs, eh, em, es;
    assert_int_equal(sscanf(c + 11, "%d:%d:%d", &ch, &cm, &cs), 3);
    assert_int_equal(sscanf(e + 11, "%d:%d:%d", &eh, &em, &es), 3);
    int diff = ((eh * 60 + em) * 60 + es) - ((ch * 60 + cm) * 60 + cs);
    assert_true(diff == 900 || diff == 900 - 86400);
    assert_true(json_is_null(json_object_get(rec, "pruned_at")));
    api_resp_free(&g);
    api_resp_free(&r);
}

static void test_keys(void **state) {
    (void)state;
    const char *denied = "Invalid client_id or client_secret.";
    const char *body = MYKAD_LINK;
    api_resp r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", NULL, NULL, body);
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", g_id, "sk_wrong", body);
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", "00112233445566778899aabbccddeeff",
                g_secret, body);
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", g_id_b, g_secret, body); /* mixed */
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    /* disabled, enabled; rotated: the old secret stops working, the new one works */
    char id[64], secret[128], id2[64], secret2[128];
    assert_int_equal(add_client(g_dir, "acme", id, secret), 0);
    const char *disable[] = {"disable", "--client-id", id, NULL};
    assert_int_equal(run_client(g_dir, disable, NULL, NULL), 0);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", id, secret, body);
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    const char *enable[] = {"enable", "--client-id", id, NULL};
    assert_int_equal(run_client(g_dir, enable, NULL, NULL), 0);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", id, secret, body);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    const char *rotate[] = {"rotate", "--client-id", id, NULL};
    assert_int_equal(run_client(g_dir, rotate, id2, secret2), 0);
    assert_string_equal(id2, id);
    assert_string_not_equal(secret2, secret);
    assert_memory_equal(secret2, "sk_", 3);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", id, secret, body);
    expect_error(&r, 401, denied);
    api_resp_free(&r);
    r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", id, secret2, body);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    /* the secret is not in the store, only its digest */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM api_clients WHERE secret_digest = '%s'",
             secret2);
    assert_int_equal(api_store_count(g_dir, sql), 0);
}

static void test_rate_limit(void **state) {
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", "NOSUCHTOKEN0000000000000000000");
    /* two nodes on one store share the count: 3 calls on each, the sixth answered 429 */
    char config[700];
    snprintf(config, sizeof config, "%s/limited.json", g_dir_limited);
    api_server second;
    assert_int_equal(api_server_start(&second, g_dir_limited, config, NULL), 0);
    /* the limit counts per calendar minute: not across a minute's end */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec % 60 >= 55) sleep((unsigned)(61 - now.tv_sec % 60));
    for (int i = 0; i < 5; i++) {
        api_resp r =
            h5_call(i % 2 ? second.port : g_limited.port, "GET", path, g_id_l, g_secret_l, NULL);
        assert_int_equal(r.status, 404);
        api_resp_free(&r);
    }
    api_resp r = h5_call(second.port, "GET", path, g_id_l, g_secret_l, NULL);
    assert_int_equal(api_server_stop(&second), 0);
    expect_error(&r, 429, "Too many requests, please try again later.");
    int retry = atoi(r.retry_after);
    assert_true(retry >= 1 && retry <= 60);
    api_resp_free(&r);
    /* done with it: under PostgreSQL its purge sweeper would share the other server's database */
    assert_int_equal(api_server_stop(&g_limited), 0);
}

static void test_validation(void **state) {
    (void)state;
    long long before = api_store_count(g_dir, "SELECT count(*) FROM verifications");
    static const char *const cases[][2] = {
        {"{}", "type is required: \"00\" (OCR + face + liveness) or \"01\" (OCR only)."},
        {"{\"type\":\"02\"}", "type must be \"00\" (OCR + face + liveness) or \"01\" (OCR only)."},
        {"{\"type\":0}", "type is required: \"00\" (OCR + face + liveness) or \"01\" (OCR only)."},
        {"{\"type\":\"00\",\"select_id_country\":\"yes\"}",
         "select_id_country must be true or false."},
        {"{\"type\":\"00\",\"id_type\":\"PASSPORT\",\"redirect_url\":\"https://a.b\"}",
         "id_country is required unless select_id_country is true."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"select_id_country\":true}",
         "Give either id_country or select_id_country, not both."},
        {"{\"type\":\"00\",\"id_country\":\"mys\"}",
         "id_country must be a supported ISO 3166 alpha-3 country code such as MYS."},
        {"{\"type\":\"00\",\"id_country\":\"XYZ\"}",
         "id_country must be a supported ISO 3166 alpha-3 country code such as MYS."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\"}",
         "id_type is required unless select_id_type is true."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"DRIVING\"}",
         "id_type must be ID_CARD or PASSPORT."},
        {"{\"type\":\"00\",\"id_country\":\"SGP\",\"id_type\":\"ID_CARD\"}",
         "id_type ID_CARD is supported only for id_country MYS."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\"}",
         "redirect_url is required: an http or https URL."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\",\"redirect_url\":"
         "\"javascript:alert(1)\"}",
         "redirect_url must be an absolute http or https URL of at most 2048 characters."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\",\"redirect_url\":"
         "\"https://a b.example\"}",
         "redirect_url must be an absolute http or https URL of at most 2048 characters."},
        {"{\"type\":\"00\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\",\"redirect_url\":"
         "\"https://a.example\",\"wallet_address\":\"<script>\"}",
         "wallet_address must be 1-128 letters, digits or _-.: characters."},
        {"[1,2]", "The body must be a JSON object."},
        {"{\"type\":", "The body must be a JSON object."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_resp r =
            h5_call(g_srv.port, "POST", "/api/ekyc/verifications", g_id, g_secret, cases[i][0]);
        expect_error(&r, 400, cases[i][1]);
        api_resp_free(&r);
    }
    /* a redirect longer than 2048 characters */
    char body[3000] = "{\"type\":\"01\",\"id_country\":\"MYS\",\"id_type\":\"ID_CARD\",\"redirect_"
                      "url\":\"https://a.example/";
    size_t n = strlen(body);
    memset(body + n, 'x', 2100);
    snprintf(body + n + 2100, sizeof body - n - 2100, "\"}");
    api_resp r = h5_call(g_srv.port, "POST", "/api/ekyc/verifications", g_id, g_secret, body);
    expect_error(&r, 400,
                 "redirect_url must be an absolute http or https URL of at most 2048 characters.");
    api_resp_free(&r);
    /* wrong content type */
    char h1[160], h2[200];
    snprintf(h1, sizeof h1, "client_id: %s", g_id);
    snprintf(h2, sizeof h2, "client_secret: %s", g_secret);
    const char *headers[] = {h1, h2, NULL};
    api_req q = {.method = "POST",
                 .path = "/api/ekyc/verifications",
                 .content_type = "text/plain",
                 .body = MYKAD_LINK,
                 .body_len = strlen(MYKAD_LINK),
                 .headers = headers};
    r = api_call(g_srv.port, &q);
    expect_error(&r, 415, "Content-Type must be application/json.");
    api_resp_free(&r);
    /* nothing was made by any of them */
    assert_int_equal(api_store_count(g_dir, "SELECT count(*) FROM verifications"), before);
}

static void test_other_account(void **state) {
    (void)state;
    char token[64], path[128];
    make_link(g_srv.port, g_id, g_secret, MYKAD_LINK, token);
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    api_resp mine = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    assert_int_equal(mine.status, 200);
    api_resp theirs = h5_call(g_srv.port, "GET", path, g_id_b, g_secret_b, NULL);
    expect_error(&theirs, 404, "Verification not found.");
    api_resp unknown =
        h5_call(g_srv.port, "GET", "/api/ekyc/verifications/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", g_id_b,
                g_secret_b, NULL);
    expect_error(&unknown, 404, "Verification not found.");
    assert_string_equal(theirs.body, unknown.body); /* not a hint that it exists */
    api_resp bad =
        h5_call(g_srv.port, "GET", "/api/ekyc/verifications/..%2f..", g_id, g_secret, NULL);
    assert_int_equal(bad.status, 404);
    api_resp_free(&bad);
    api_resp_free(&unknown);
    api_resp_free(&theirs);
    api_resp_free(&mine);
}

static void test_page_session_and_assets(void **state) {
    (void)state;
    char token[64];
    make_link(g_srv.port, g_id, g_secret, MYKAD_LINK, token);
    api_resp r = page_call(g_srv.port, "GET", "/api/h5/session", token, NULL);
    json_t *s = result_of(&r);
    assert_string_equal(json_string_value(json_object_get(s, "merchant")), "Acme Bank");
    assert_string_equal(json_string_value(json_object_get(s, "step")), "document");
    assert_int_equal(json_integer_value(json_object_get(s, "ocr_attempts_left")), 3);
    assert_int_equal(json_integer_value(json_object_get(s, "face_attempts_left")), 2);
    assert_int_equal(json_integer_value(json_object_get(s, "retention_days")), 14);
    api_resp_free(&r);
    r = page_call(g_srv.port, "GET", "/api/h5/session", "NOTATOKEN", NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(api_str(&r, "code"), "invalid_token");
    api_resp_free(&r);
    api_req none = {.method = "GET", .path = "/api/h5/session"};
    r = api_call(g_srv.port, &none);
    assert_int_equal(r.status, 401);
    api_resp_free(&r);
    /* the page and its files, with a strict policy; the QR code of the link */
    char path[128];
    snprintf(path, sizeof path, "/verifications?token=%s", token);
    r = api_get(g_srv.port, path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/html"));
    assert_non_null(strstr(r.body, "/h5/app.js"));
    assert_null(strstr(r.body, "<script>")); /* no inline script */
    api_resp_free(&r);
    r = api_get(g_srv.port, "/h5/app.js", NULL);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    r = api_get(g_srv.port, "/h5/nothing.js", NULL);
    assert_int_equal(r.status, 404);
    api_resp_free(&r);
    snprintf(path, sizeof path, "/api/h5/qr.svg?token=%s", token);
    r = api_get(g_srv.port, path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "image/svg+xml"));
    assert_non_null(strstr(r.body, "<svg"));
    api_resp_free(&r);
}

/* {"image": base64 of path} */
static char *image_body(const char *path, const char *extra) {
    char *b64 = api_file_base64(path);
    assert_non_null(b64);
    size_t n = strlen(b64) + 200;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{%s\"image\":\"%s\"}", extra ? extra : "", b64);
    free(b64);
    return body;
}

static void test_document_ocr_only(void **state) {
    (void)state;
    char token[64], path[128];
    make_link(g_srv.port, g_id, g_secret, OCR_ONLY_LINK, token);
    char *body = image_body(MYKAD, NULL);
    api_resp r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    json_t *res = result_of(&r);
    assert_true(json_is_true(json_object_get(res, "accepted")));
    assert_string_equal(json_string_value(json_object_get(res, "step")), "done");
    char expect[160];
    snprintf(expect, sizeof expect, "https://merchant.example/done?token=%s&is_success=1", token);
    assert_string_equal(json_string_value(json_object_get(res, "redirect")), expect);
    api_resp_free(&r);
    /* a second photo after the end is refused */
    r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    assert_int_equal(r.status, 409);
    api_resp_free(&r);
    free(body);
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    r = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    json_t *rec = result_of(&r);
    json_t *ocr = json_object_get(rec, "ocr_result");
    assert_string_equal(json_string_value(json_object_get(ocr, "ID")), "591020-02-6098");
    assert_string_equal(json_string_value(json_object_get(ocr, "Type")), "MyKad");
    assert_string_equal(json_string_value(json_object_get(ocr, "Sex")), "PEREMPUAN");
    assert_string_equal(json_string_value(json_object_get(ocr, "Birthday")), "20/10/1959");
    /* a sharp, whole, genuine card in colour: no warning (9101-9108 measured) */
    assert_true(json_is_array(json_object_get(ocr, "WarnCardInfos")));
    assert_int_equal(json_array_size(json_object_get(ocr, "WarnCardInfos")), 0);
    assert_true(strlen(json_string_value(json_object_get(ocr, "Image"))) > 100);
    assert_int_equal(json_integer_value(json_object_get(rec, "ocr_success")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "ocr_charged")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "retries")), 0);
    assert_int_equal(json_array_size(json_object_get(rec, "medias")), 1);
    api_resp_free(&r);
    /* nothing personal in the row: the record is sealed */
    assert_int_equal(api_store_count(g_dir, "SELECT count(*) FROM verifications WHERE "
                                            "CAST(record AS TEXT) LIKE '%merchant.example%'"),
                     0);
}

static void test_document_retries_end_the_link(void **state) {
    (void)state;
    char token[64], path[128];
    /* account "other" allows 1 OCR retry: two counted failures end the link */
    make_link(g_srv.port, g_id_b, g_secret_b, MYKAD_LINK, token);
    char *body = image_body(PASSPORT, NULL);
    api_resp r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    json_t *res = result_of(&r);
    assert_false(json_is_true(json_object_get(res, "accepted")));
    assert_true(json_is_true(json_object_get(res, "counted")));
    const char *hint = json_string_value(json_object_get(res, "hint"));
    assert_non_null(hint);
    assert_string_equal(json_string_value(json_object_get(res, "step")), "document");
    assert_int_equal(json_integer_value(json_object_get(res, "ocr_attempts_left")), 1);
    api_resp_free(&r);
    r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    res = result_of(&r);
    assert_string_equal(json_string_value(json_object_get(res, "step")), "failed");
    char expect[160];
    snprintf(expect, sizeof expect, "https://merchant.example/kyc/cb?x=1&token=%s&is_success=0",
             token);
    assert_string_equal(json_string_value(json_object_get(res, "redirect")), expect);
    api_resp_free(&r);
    free(body);
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    r = h5_call(g_srv.port, "GET", path, g_id_b, g_secret_b, NULL);
    json_t *rec = result_of(&r);
    assert_int_equal(json_integer_value(json_object_get(rec, "retries")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "ocr_success")), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "ocr_charged")), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 0);
    assert_non_null(json_string_value(json_object_get(rec, "latest_error")));
    assert_true(json_is_null(json_object_get(rec, "ocr_result")));
    api_resp_free(&r);
}

static void test_page_bad_input(void **state) {
    (void)state;
    char token[64];
    make_link(g_srv.port, g_id, g_secret, MYKAD_LINK, token);
    static const char *const bodies[][2] = {
        {"not json", "The body must be a JSON object."},
        {"{}", "image is required: a base64 JPEG or PNG."},
        {"{\"image\":42}", "image is required: a base64 JPEG or PNG."},
        {"{\"image\":\"@@@@\"}", "The photo could not be read as a JPEG or PNG image."},
        {"{\"image\":\"/9j/4AAQSkZJRg==\"}", "The photo could not be read as a JPEG or PNG image."},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        api_resp r = page_call(g_srv.port, "POST", "/api/h5/document", token, bodies[i][0]);
        expect_error(&r, 400, bodies[i][1]);
        api_resp_free(&r);
    }
    /* zeros in base64, too large once decoded (over the 3.5 MB cap) */
    size_t n = 4900u * 1024u; /* 4.9 MB of base64: 3.7 MB decoded, under the body cap */
    char *big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "{\"image\":\"", 10);
    memset(big + 10, 'A', n);
    memcpy(big + 10 + n, "\"}", 3);
    api_resp r = page_call(g_srv.port, "POST", "/api/h5/document", token, big);
    expect_error(&r, 413, "The photo is too large.");
    api_resp_free(&r);
    free(big);
    /* a link that leaves the document open needs the choice */
    char open_token[64];
    make_link(g_srv.port, g_id, g_secret,
              "{\"type\":\"01\",\"select_id_country\":true,\"select_id_type\":true,"
              "\"redirect_url\":\"https://merchant.example/cb\"}",
              open_token);
    char *body = image_body(MYKAD, NULL);
    r = page_call(g_srv.port, "POST", "/api/h5/document", open_token, body);
    expect_error(&r, 400, "Choose the country of your document.");
    api_resp_free(&r);
    free(body);
    body = image_body(MYKAD, "\"id_country\":\"SGP\",\"id_type\":\"ID_CARD\",");
    r = page_call(g_srv.port, "POST", "/api/h5/document", open_token, body);
    expect_error(&r, 400, "An identity card can be used only for Malaysia (MYS).");
    api_resp_free(&r);
    free(body);
    /* the refusals used no attempt and changed nothing */
    r = page_call(g_srv.port, "GET", "/api/h5/session", token, NULL);
    json_t *s = result_of(&r);
    assert_int_equal(json_integer_value(json_object_get(s, "ocr_attempts_left")), 3);
    assert_string_equal(json_string_value(json_object_get(s, "step")), "document");
    api_resp_free(&r);
}

/* A link made by a server whose clock stood `ago_ms` in the past (same data directory). */
static void make_old_link(long long ago_ms, char token[64]) {
    api_server_stop(&g_srv);
    char env[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(env, sizeof env, "EKYCD_FAKE_NOW_MS=%lld",
             (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - ago_ms);
    api_server past;
    assert_int_equal(api_server_start(&past, g_dir, NULL, env), 0);
    make_link(past.port, g_id, g_secret, OCR_ONLY_LINK, token);
    char *body = image_body(MYKAD, NULL);
    api_resp r = page_call(past.port, "POST", "/api/h5/document", token, body);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
    free(body);
    assert_int_equal(api_server_stop(&past), 0);
    assert_int_equal(api_server_start(&g_srv, g_dir, g_config, NULL), 0);
}

static void test_expired_link(void **state) {
    (void)state;
    char token[64], path[128];
    api_server_stop(&g_srv);
    char env[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(env, sizeof env, "EKYCD_FAKE_NOW_MS=%lld",
             (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - 20LL * 60 * 1000);
    api_server past;
    assert_int_equal(api_server_start(&past, g_dir, NULL, env), 0);
    make_link(past.port, g_id, g_secret, MYKAD_LINK, token);
    assert_int_equal(api_server_stop(&past), 0);
    assert_int_equal(api_server_start(&g_srv, g_dir, g_config, NULL), 0);
    api_resp r = page_call(g_srv.port, "GET", "/api/h5/session", token, NULL);
    json_t *s = result_of(&r);
    assert_string_equal(json_string_value(json_object_get(s, "step")), "expired");
    api_resp_free(&r);
    char *body = image_body(MYKAD, NULL);
    r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    expect_error(&r, 410, "This verification link has expired.");
    assert_string_equal(api_str(&r, "code"), "expired");
    api_resp_free(&r);
    free(body);
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    r = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    json_t *rec = result_of(&r);
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 0);
    api_resp_free(&r);
}

static void test_pruned_link_and_usage(void **state) {
    (void)state;
    char token[64], path[128];
    make_old_link(15LL * 24 * 3600 * 1000, token); /* past the 14 days' retention */
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    api_resp r = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    json_t *rec = result_of(&r);
    assert_true(json_is_string(json_object_get(rec, "pruned_at")));
    assert_true(json_is_null(json_object_get(rec, "ocr_result")));
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 1);
    api_resp_free(&r);
    /* ekycd usage counts this month's links of the account */
    char out[700];
    snprintf(out, sizeof out, "%s/usage.out", g_dir);
    unlink(out);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    time_t now = ts.tv_sec;
    gmtime_r(&now, &tm);
    char month[16];
    strftime(month, sizeof month, "%Y-%m", &tm);
    const char *args[] = {"usage", "--account", "acme", "--month", month, "--data", g_dir, NULL};
    assert_int_equal(api_run_cli(out, args), 0);
    size_t len = 0;
    char *text = (char *)tu_read_file(out, &len);
    assert_non_null(text);
    json_t *u = json_loads(strstr(text, "{\"account\""), JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(u);
    json_t *ocr_only = json_object_get(u, "01");
    assert_true(json_integer_value(json_object_get(ocr_only, "links")) >= 1);
    assert_true(json_integer_value(json_object_get(ocr_only, "ocr_charged")) >= 1);
    json_decref(u);
    free(text);
    const char *bad[] = {"usage", "--account", "acme", "--month", "2026-13", "--data", g_dir, NULL};
    assert_int_equal(api_run_cli(out, bad), 2);
}

/* ---- the selfie challenge ----
 * Frames made by build/face-motion from the committed card's portrait (the document photo's own
 * face, so the match with the portrait is not what these tests are about): the person following
 * the challenge, or not. Frames are sent in batches of 4 at their capture pace, as the page does.
 */

#define SECOND_FACE "tests/data/mykad/flat.jpg"
#define FPS         8

/* Runs build/face-motion with args into dir (frames as JPEG files); 0 on success. */
static int face_motion(const char *dir, const char *actions, const char *extra,
                       const char *extra_value) {
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen("/dev/null", "w", stdout);
        (void)f;
        char fps[8];
        snprintf(fps, sizeof fps, "%d", FPS);
        const char *argv[24] = {"build/face-motion", "--face",   MYKAD,    "--actions", actions,
                                "--step-ms",         "1500",     "--fps",  fps,         "--size",
                                "480x360",           "--models", "models", "--frames",  dir};
        int n = 15;
        if (extra) argv[n++] = extra;
        if (extra_value) argv[n++] = extra_value;
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The challenge's actions joined with commas, reversed when `reverse`. */
static void actions_of(json_t *challenge, bool reverse, char *out, size_t len) {
    json_t *a = json_object_get(challenge, "actions");
    size_t n = json_array_size(a);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(a, reverse ? n - 1 - i : i));
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "," : "", name);
    }
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends dir's frames (frame_*.jpg in name order) in batches of 4 at their pace; t_scale
 * multiplies the capture times claimed. Returns the last answer's HTTP status. */
static long send_frames(const char *token, const char *challenge_id, const char *dir, int t_scale) {
    long status = 0;
    int64_t start = mono_ms();
    int seq = 0;
    for (int i = 0, in_batch = 0;; i++) {
        char path[760];
        snprintf(path, sizeof path, "%.700s/frame_%04d.jpg", dir, i);
        bool last = access(path, R_OK) != 0;
        static char body[4 * 140000];
        if (!last) {
            int64_t t = (int64_t)i * 1000 / FPS;
            while (mono_ms() - start < t) usleep(5000);
            char *b64 = api_file_base64(path);
            assert_non_null(b64);
            if (in_batch == 0)
                snprintf(body, sizeof body, "{\"challenge_id\":\"%s\",\"seq\":%d,\"frames\":[",
                         challenge_id, seq);
            snprintf(body + strlen(body), sizeof body - strlen(body),
                     "%s{\"t\":%lld,\"image\":\"%s\"}", in_batch ? "," : "",
                     (long long)(t * t_scale), b64);
            free(b64);
            in_batch++;
        }
        if ((last && in_batch) || in_batch == 4) {
            snprintf(body + strlen(body), sizeof body - strlen(body), "]}");
            api_resp r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
            status = r.status;
            assert_int_equal(r.status, 200);
            api_resp_free(&r);
            seq++;
            in_batch = 0;
        }
        if (last) break;
    }
    return status;
}

/* A type-00 link past its document step. */
static void link_at_selfie(char token[64]) {
    make_link(g_srv.port, g_id, g_secret, MYKAD_LINK, token);
    char *body = image_body(MYKAD, NULL);
    api_resp r = page_call(g_srv.port, "POST", "/api/h5/document", token, body);
    json_t *res = result_of(&r);
    assert_string_equal(json_string_value(json_object_get(res, "step")), "selfie");
    api_resp_free(&r);
    free(body);
}

typedef enum { FOLLOW, STILL, REVERSED, SECOND_FACE_IN, CLAIMS_FUTURE } attempt_kind;

/* One challenge answered as kind says; the finish call's answer into *finish (caller frees). */
static void attempt(const char *token, attempt_kind kind, api_resp *finish) {
    api_resp c = page_call(g_srv.port, "POST", "/api/h5/challenge", token, NULL);
    json_t *ch = result_of(&c);
    char actions[64], dir[700], id[64];
    actions_of(ch, kind == REVERSED, actions, sizeof actions);
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(ch, "challenge_id")));
    assert_int_equal(json_integer_value(json_object_get(ch, "batch_max")), 8);
    snprintf(dir, sizeof dir, "%s/frames-%s", g_dir, id);
    assert_int_equal(mkdir(dir, 0700), 0);
    int rc = face_motion(dir, actions,
                         kind == STILL            ? "--still"
                         : kind == SECOND_FACE_IN ? "--second-face"
                                                  : NULL,
                         kind == SECOND_FACE_IN ? SECOND_FACE : NULL);
    assert_int_equal(rc, 0);
    send_frames(token, id, dir, kind == CLAIMS_FUTURE ? 4 : 1);
    char body[128];
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\"}", id);
    *finish = page_call(g_srv.port, "POST", "/api/h5/challenge/finish", token, body);
    api_resp_free(&c);
}

static json_t *record_of(const char *token, api_resp *r) {
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/verifications/%s", token);
    *r = h5_call(g_srv.port, "GET", path, g_id, g_secret, NULL);
    return result_of(r);
}

static void test_challenge_followed(void **state) {
    (void)state;
    char token[64];
    link_at_selfie(token);
    api_resp f;
    attempt(token, FOLLOW, &f);
    json_t *res = result_of(&f);
    assert_true(json_is_true(json_object_get(res, "passed")));
    assert_string_equal(json_string_value(json_object_get(res, "step")), "done");
    char expect[160];
    snprintf(expect, sizeof expect, "https://merchant.example/kyc/cb?x=1&token=%s&is_success=1",
             token);
    assert_string_equal(json_string_value(json_object_get(res, "redirect")), expect);
    api_resp_free(&f);
    api_resp g;
    json_t *rec = record_of(token, &g);
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "face_id_success")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "face_id_charged")), 1);
    json_t *face = json_object_get(rec, "face_id_result");
    assert_string_equal(json_string_value(json_object_get(face, "Result")), "Success");
    assert_true(json_number_value(json_object_get(face, "Sim")) >= 75.0);
    assert_true(strlen(json_string_value(json_object_get(face, "BestFrameBase64"))) > 1000);
    api_resp_free(&g);
    /* the challenge was single-use: its id answers no more */
    api_resp again = page_call(g_srv.port, "POST", "/api/h5/challenge", token, NULL);
    assert_int_equal(again.status, 409);
    api_resp_free(&again);
}

/* An attack fails with `reason` and uses a face attempt; a second one ends the link. */
static void expect_refused(attempt_kind kind, const char *reason) {
    char token[64];
    link_at_selfie(token);
    api_resp f;
    attempt(token, kind, &f);
    json_t *res = result_of(&f);
    assert_false(json_is_true(json_object_get(res, "passed")));
    if (reason) assert_string_equal(json_string_value(json_object_get(res, "reason")), reason);
    assert_int_equal(json_integer_value(json_object_get(res, "face_attempts_left")), 1);
    assert_string_equal(json_string_value(json_object_get(res, "step")), "selfie");
    api_resp_free(&f);
    if (kind != STILL) return;
    attempt(token, kind, &f); /* the retry, used up */
    res = result_of(&f);
    assert_false(json_is_true(json_object_get(res, "passed")));
    assert_string_equal(json_string_value(json_object_get(res, "step")), "failed");
    api_resp_free(&f);
    api_resp g;
    json_t *rec = record_of(token, &g);
    assert_int_equal(json_integer_value(json_object_get(rec, "is_success")), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "face_retries")), 1);
    assert_non_null(json_string_value(json_object_get(rec, "latest_error")));
    api_resp_free(&g);
}

/* Passive liveness gates the challenge: followed exactly, but at a threshold no frame passes. */
static void test_challenge_not_live(void **state) {
    (void)state;
    char strict[700];
    snprintf(strict, sizeof strict, "%s/strict.json", g_dir);
    const char *text = "{\"liveness_threshold\": 16}";
    assert_int_equal(tu_write_file(strict, text, strlen(text)), 0);
    assert_int_equal(api_server_stop(&g_srv), 0);
    assert_int_equal(api_server_start(&g_srv, g_dir, strict, NULL), 0);
    char token[64];
    link_at_selfie(token);
    api_resp f;
    attempt(token, FOLLOW, &f);
    json_t *res = result_of(&f);
    assert_false(json_is_true(json_object_get(res, "passed")));
    assert_string_equal(json_string_value(json_object_get(res, "reason")), "not_live");
    api_resp_free(&f);
    assert_int_equal(api_server_stop(&g_srv), 0);
    assert_int_equal(api_server_start(&g_srv, g_dir, g_config, NULL), 0);
}

static void test_challenge_still_photo(void **state) {
    (void)state;
    expect_refused(STILL, NULL);
}

static void test_challenge_replayed_order(void **state) {
    (void)state;
    expect_refused(REVERSED, NULL);
}

static void test_challenge_second_face(void **state) {
    (void)state;
    expect_refused(SECOND_FACE_IN, "one_face");
}

static void test_challenge_claimed_times(void **state) {
    (void)state;
    expect_refused(CLAIMS_FUTURE, NULL); /* frames claiming later capture than their arrival */
}

static void test_challenge_bad_input(void **state) {
    (void)state;
    char token[64];
    link_at_selfie(token);
    api_resp c = page_call(g_srv.port, "POST", "/api/h5/challenge", token, NULL);
    json_t *ch = result_of(&c);
    const char *id = json_string_value(json_object_get(ch, "challenge_id"));
    char *frame = api_file_base64(MYKAD);
    static char body[400000];
    /* a stale id, a missing seq, an empty batch, a batch out of turn, a non-image, too many */
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[]}", "0000");
    api_resp r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    assert_int_equal(r.status, 409);
    assert_string_equal(api_str(&r, "code"), "stale_challenge");
    api_resp_free(&r);
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\",\"frames\":[]}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 400, "seq (the batch's number from 0) is required.");
    api_resp_free(&r);
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[]}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 400, "frames must be a non-empty array.");
    api_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"challenge_id\":\"%s\",\"seq\":3,\"frames\":[{\"t\":1,\"image\":\"x\"}]}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 409, "This batch was sent already or out of turn.");
    api_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[{\"t\":1,\"image\":\"QUJD\"}]}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 400, "A frame is not a JPEG or PNG image.");
    api_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[{\"t\":-5,\"image\":\"QUJD\"}]}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 400, "Each frame needs t (ms, an integer) and image (base64 JPEG).");
    api_resp_free(&r);
    /* the card photo is over the frame size limit (1280 x 960 pixels, 215 KB) */
    snprintf(body, sizeof body,
             "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[{\"t\":1,\"image\":\"%s\"}]}", id,
             frame);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 413, "A frame is too large.");
    api_resp_free(&r);
    size_t n = strlen(body);
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[", id);
    for (int i = 0; i < 9; i++)
        snprintf(body + strlen(body), sizeof body - strlen(body), "%s{\"t\":%d,\"image\":\"QUJD\"}",
                 i ? "," : "", i);
    snprintf(body + strlen(body), sizeof body - strlen(body), "]}");
    (void)n;
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
    expect_error(&r, 400, "Too many frames in one batch.");
    api_resp_free(&r);
    /* a finish with no frames fails the attempt, it does not crash */
    snprintf(body, sizeof body, "{\"challenge_id\":\"%s\"}", id);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge/finish", token, body);
    json_t *res = result_of(&r);
    assert_false(json_is_true(json_object_get(res, "passed")));
    api_resp_free(&r);
    /* an OCR-only link has no selfie step */
    char ocr_only[64];
    make_link(g_srv.port, g_id, g_secret, OCR_ONLY_LINK, ocr_only);
    r = page_call(g_srv.port, "POST", "/api/h5/challenge", ocr_only, NULL);
    expect_error(&r, 409, "This link has no selfie step.");
    api_resp_free(&r);
    free(frame);
    api_resp_free(&c);
}

/* A challenge left with frames for a new one costs an attempt: a replayed recording cannot wait,
 * free, for an order it matches. */
static void test_challenge_abandoned(void **state) {
    (void)state;
    char token[64], dir[700];
    link_at_selfie(token);
    snprintf(dir, sizeof dir, "%s/frames-abandoned", g_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(face_motion(dir, "turn_left,blink,turn_right", NULL, NULL), 0);
    char path[760];
    snprintf(path, sizeof path, "%.700s/frame_0000.jpg", dir);
    char *frame = api_file_base64(path);
    assert_non_null(frame);
    static char body[200000];
    for (int round = 0; round < 2; round++) {
        api_resp c = page_call(g_srv.port, "POST", "/api/h5/challenge", token, NULL);
        json_t *ch = result_of(&c);
        snprintf(body, sizeof body,
                 "{\"challenge_id\":\"%s\",\"seq\":0,\"frames\":[{\"t\":0,\"image\":\"%s\"}]}",
                 json_string_value(json_object_get(ch, "challenge_id")), frame);
        api_resp f = page_call(g_srv.port, "POST", "/api/h5/challenge/frames", token, body);
        assert_int_equal(f.status, 200);
        api_resp_free(&f);
        api_resp_free(&c);
    }
    /* the first was abandoned (1 attempt); asking again abandons the second: none left */
    api_resp s = page_call(g_srv.port, "GET", "/api/h5/session", token, NULL);
    assert_int_equal(json_integer_value(json_object_get(result_of(&s), "face_attempts_left")), 1);
    api_resp_free(&s);
    api_resp c = page_call(g_srv.port, "POST", "/api/h5/challenge", token, NULL);
    expect_error(&c, 409, "The selfie attempts of this link are used up.");
    api_resp_free(&c);
    s = page_call(g_srv.port, "GET", "/api/h5/session", token, NULL);
    json_t *res = result_of(&s);
    assert_string_equal(json_string_value(json_object_get(res, "step")), "failed");
    assert_int_equal(json_integer_value(json_object_get(res, "is_success")), 0);
    api_resp_free(&s);
    free(frame);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_read),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_other_account),
        cmocka_unit_test(test_page_session_and_assets),
        cmocka_unit_test(test_document_ocr_only),
        cmocka_unit_test(test_document_retries_end_the_link),
        cmocka_unit_test(test_page_bad_input),
        cmocka_unit_test(test_challenge_followed),
        cmocka_unit_test(test_challenge_not_live),
        cmocka_unit_test(test_challenge_still_photo),
        cmocka_unit_test(test_challenge_replayed_order),
        cmocka_unit_test(test_challenge_second_face),
        cmocka_unit_test(test_challenge_claimed_times),
        cmocka_unit_test(test_challenge_bad_input),
        cmocka_unit_test(test_challenge_abandoned),
        cmocka_unit_test(test_expired_link),
        cmocka_unit_test(test_pruned_link_and_usage),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
