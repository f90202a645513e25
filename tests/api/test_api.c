/* API tests for the foundation: journeys, the error envelope, bad input, limits, ownership,
 * metrics and health. Each runs against a real `ekycd serve` (sanitizer build) on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include "apiutil.h"
#include "util/ids.h"

static char *g_dir;
static char g_config[700];
static api_server g_srv;

#define PORT g_srv.port

static void add_account(const char *user, const char *password, const char *extra1,
                        const char *extra2) {
    assert_int_equal(api_add_account(g_dir, user, password, extra1, extra2, NULL), 0);
}

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    snprintf(g_config, sizeof g_config, "%s/ekycd.json", g_dir);
    const char *cfg = "{\"connection_timeout_s\": 2, \"threads\": 4, \"work_slots\": 2}";
    tu_write_file(g_config, cfg, strlen(cfg));
    add_account("alice", "alice-secret-1", "--company-id", "alice-co");
    add_account("bob", "bob-secret-12", NULL, NULL);
    add_account("quota", "quota-secret", "--max-journeys", "5");
    add_account("expired", "expired-secret", "--expires", "2001-01-01");
    add_account("frozen", "frozen-secret", "--disabled", NULL);
    if (api_server_start(&g_srv, g_dir, g_config, NULL) != 0) {
        fprintf(stderr, "server did not start; see %s/server.log\n", g_dir);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

static void expect_error(api_resp *r, long http, const char *code) {
    assert_int_equal(r->err, CURLE_OK);
    assert_int_equal(r->status, http);
    assert_non_null(r->json);
    assert_string_equal(api_str(r, "status"), "error");
    if (code) assert_string_equal(api_str(r, "message"), code);
    assert_non_null(strstr(r->content_type, "application/json"));
}

static void post_expect(const char *json, long http, const char *code) {
    api_resp r = api_post_json(PORT, "/api/ekyc/journeyid", json);
    expect_error(&r, http, code);
    api_resp_free(&r);
}

/* Creates a journey for user and copies its id into out. */
static void new_journey(const char *user, const char *password, char out[UUID_STR_LEN]) {
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    api_resp r = api_post_json(PORT, "/api/ekyc/journeyid", body);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    snprintf(out, UUID_STR_LEN, "%s", api_str(&r, "journeyId"));
    api_resp_free(&r);
}

static void test_health_ready(void **state) {
    (void)state;
    api_resp r = api_get(PORT, "/healthz", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "ok");
    api_resp_free(&r);
    r = api_get(PORT, "/readyz", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "store"), "ok");
    api_resp_free(&r);
}

static void test_journeyid_success(void **state) {
    (void)state;
    api_resp r = api_post_json(PORT, "/api/ekyc/journeyid",
                               "{\"username\":\"alice\",\"password\":\"alice-secret-1\","
                               "\"apiKey\":\"ignored\"}");
    assert_int_equal(r.err, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "message"), "api.success");
    const char *id = api_str(&r, "journeyId");
    assert_true(uuid_is_valid(id));
    assert_int_equal(id[14], '4');
    assert_int_equal(strlen(r.request_id), 16);
    char first[UUID_STR_LEN];
    snprintf(first, sizeof first, "%s", id);
    api_resp_free(&r);
    char second[UUID_STR_LEN];
    new_journey("alice", "alice-secret-1", second);
    assert_string_not_equal(first, second);
}

static void test_journeyid_missing_credentials(void **state) {
    (void)state;
    const char *cases[] = {"{}",
                           "{\"username\":\"alice\"}",
                           "{\"password\":\"alice-secret-1\"}",
                           "{\"username\":\"\",\"password\":\"x\"}",
                           "{\"username\":\"alice\",\"password\":\"\"}",
                           "{\"username\":42,\"password\":\"alice-secret-1\"}",
                           "{\"username\":null,\"password\":null}",
                           "{\"username\":[\"alice\"],\"password\":{}}"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        post_expect(cases[i], 200, "MISSING_PARAM_CRENDENTIAL");
}

static void test_journeyid_wrong_credentials(void **state) {
    (void)state;
    post_expect("{\"username\":\"nobody\",\"password\":\"whatever1\"}", 200, "USERNAME_NOT_EXIST");
    post_expect("{\"username\":\"Alice\",\"password\":\"alice-secret-1\"}", 200,
                "USERNAME_NOT_EXIST");
    post_expect("{\"username\":\"alice\",\"password\":\"alice-secret-2\"}", 200,
                "INCORRECT_PASSWORD");
    post_expect("{\"username\":\"alice\",\"password\":\"bob-secret-12\"}", 200,
                "INCORRECT_PASSWORD");
}

static void test_journeyid_expired_or_disabled(void **state) {
    (void)state;
    post_expect("{\"username\":\"expired\",\"password\":\"expired-secret\"}", 200,
                "ERROR_IDV_EXPIRED");
    post_expect("{\"username\":\"frozen\",\"password\":\"frozen-secret\"}", 200,
                "ERROR_IDV_EXPIRED");
    /* expiry is only revealed to whoever knows the password */
    post_expect("{\"username\":\"expired\",\"password\":\"guess-guess\"}", 200,
                "INCORRECT_PASSWORD");
}

typedef struct {
    int ok, quota, other;
} quota_tally;

static pthread_mutex_t tally_lock = PTHREAD_MUTEX_INITIALIZER;

static void *quota_worker(void *arg) {
    quota_tally *t = arg;
    api_resp r = {0};
    /* as a client honouring Retry-After would: a 503 (the password hashing is at capacity on a
     * loaded machine) is asked again, so the quota's count stays exact */
    for (int attempt = 0; attempt < 20; attempt++) {
        api_resp_free(&r);
        r = api_post_json(PORT, "/api/ekyc/journeyid",
                          "{\"username\":\"quota\",\"password\":\"quota-secret\"}");
        if (r.status != 503) break;
        sleep(1);
    }
    const char *status = api_str(&r, "status"), *msg = api_str(&r, "message");
    pthread_mutex_lock(&tally_lock);
    if (r.status == 200 && status && strcmp(status, "success") == 0)
        t->ok++;
    else if (r.status == 200 && msg && strcmp(msg, "MAX_JOURNEY_EXCEEDED") == 0)
        t->quota++;
    else
        t->other++;
    pthread_mutex_unlock(&tally_lock);
    api_resp_free(&r);
    return NULL;
}

static void test_journey_quota_under_concurrency(void **state) {
    (void)state;
    quota_tally t = {0, 0, 0};
    pthread_t th[12];
    for (int i = 0; i < 12; i++) pthread_create(&th[i], NULL, quota_worker, &t);
    for (int i = 0; i < 12; i++) pthread_join(th[i], NULL);
    assert_int_equal(t.ok, 5);
    assert_int_equal(t.quota, 7);
    assert_int_equal(t.other, 0);
}

static void test_bad_bodies(void **state) {
    (void)state;
    post_expect("", 200, "Error in processing.");
    post_expect("  \r\n ", 200, "Error in processing.");
    post_expect("{\"username\":", 400, "MALFORMED_JSON");
    post_expect("not json at all", 400, "MALFORMED_JSON");
    post_expect("[\"alice\",\"alice-secret-1\"]", 400, "JSON_OBJECT_EXPECTED");
    post_expect("\"alice\"", 400, "JSON_OBJECT_EXPECTED");
    post_expect("{\"username\":\"alice\",\"username\":\"bob\",\"password\":\"x\"}", 400,
                "MALFORMED_JSON");
    post_expect("{\"username\":\"al\xff\xfe\",\"password\":\"x\"}", 400, "MALFORMED_JSON");
    post_expect("{\"username\":\"al\\u0000ice\",\"password\":\"alice-secret-1\"}", 400,
                "MALFORMED_JSON"); /* NUL inside a string is refused outright */

    /* wrong content type */
    api_req q = {.method = "POST",
                 .path = "/api/ekyc/journeyid",
                 .content_type = "text/plain",
                 .body = "{}",
                 .body_len = 2};
    api_resp r = api_call(PORT, &q);
    expect_error(&r, 415, "UNSUPPORTED_CONTENT_TYPE");
    api_resp_free(&r);
    q.content_type = "application/x-www-form-urlencoded";
    q.body = "username=alice&password=alice-secret-1";
    q.body_len = strlen(q.body);
    r = api_call(PORT, &q);
    expect_error(&r, 415, "UNSUPPORTED_CONTENT_TYPE");
    api_resp_free(&r);
    /* a JSON body with a charset parameter is fine */
    q.content_type = "application/json; charset=utf-8";
    q.body = "{\"username\":\"alice\",\"password\":\"alice-secret-1\"}";
    q.body_len = strlen(q.body);
    r = api_call(PORT, &q);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);

    /* 10^6 levels of nesting (2 MB, under the cap): refused by depth, no stack overflow */
    size_t depth = 1000000;
    char *deep = malloc(depth * 2 + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[depth * 2] = 0;
    post_expect(deep, 400, "MALFORMED_JSON");
    for (size_t i = 0; i < depth; i++) deep[i] = (i % 2) ? ':' : '{';
    post_expect(deep, 400, "MALFORMED_JSON");
    free(deep);

    /* 4.5 MB of fields under the cap: parsed, bounded, answered with a business error */
    size_t big = 4500000;
    char *huge = malloc(big + 64);
    size_t o = (size_t)sprintf(huge, "{\"username\":\"alice\",\"password\":\"");
    memset(huge + o, 'p', big);
    o += big;
    strcpy(huge + o, "\"}");
    post_expect(huge, 200, "INCORRECT_PASSWORD");
    o = (size_t)sprintf(huge, "{");
    for (int i = 0; o < big; i++) o += (size_t)sprintf(huge + o, "\"f%d\":%d,", i, i);
    strcpy(huge + o, "\"username\":\"x\"}");
    post_expect(huge, 200, "MISSING_PARAM_CRENDENTIAL");
    free(huge);
}

typedef struct {
    long long remaining;
} stream_state;

static size_t stream_zeros(char *buf, size_t size, size_t n, void *ud) {
    stream_state *s = ud;
    size_t want = size * n;
    if (s->remaining <= 0) return 0;
    if ((long long)want > s->remaining) want = (size_t)s->remaining;
    memset(buf, ' ', want);
    s->remaining -= (long long)want;
    return want;
}

static void test_body_over_cap(void **state) {
    (void)state;
    /* 100 MB declared: refused from Content-Length, before the body is read */
    stream_state s = {100LL * 1024 * 1024};
    api_req q = {.method = "POST",
                 .path = "/api/ekyc/journeyid",
                 .content_type = "application/json",
                 .read_cb = stream_zeros,
                 .read_ud = &s,
                 .stream_len = 100LL * 1024 * 1024};
    api_resp r = api_call(PORT, &q);
    expect_error(&r, 413, "Request size exceed 5MB.");
    assert_true(r.uploaded < 6LL * 1024 * 1024);
    api_resp_free(&r);

    /* exactly one byte over the 5 MB cap */
    size_t cap = 5u * 1024 * 1024;
    char *body = malloc(cap + 1);
    memset(body, ' ', cap + 1);
    body[0] = '{';
    body[cap] = '}';
    api_req q2 = {.method = "POST",
                  .path = "/api/ekyc/journeyid",
                  .content_type = "application/json",
                  .body = body,
                  .body_len = cap + 1};
    r = api_call(PORT, &q2);
    expect_error(&r, 413, "Request size exceed 5MB.");
    api_resp_free(&r);
    /* exactly at the cap: accepted and parsed */
    body[cap - 1] = '}';
    q2.body_len = cap;
    r = api_call(PORT, &q2);
    expect_error(&r, 200, "MISSING_PARAM_CRENDENTIAL");
    api_resp_free(&r);
    free(body);

    /* chunked (no Content-Length) past the cap: the connection is cut, nothing more is read */
    stream_state s2 = {50LL * 1024 * 1024};
    api_req q3 = q;
    q3.read_ud = &s2;
    q3.stream_len = -1;
    r = api_call(PORT, &q3);
    assert_true(r.err != CURLE_OK || r.status == 413);
    assert_true(r.uploaded < 20LL * 1024 * 1024);
    api_resp_free(&r);

    /* and the server is still fine */
    r = api_get(PORT, "/healthz", NULL);
    assert_int_equal(r.status, 200);
    api_resp_free(&r);
}

static void test_unknown_route_and_method(void **state) {
    (void)state;
    api_resp r = api_get(PORT, "/api/ekyc/nothing-here", NULL);
    expect_error(&r, 404, "NOT_FOUND");
    api_resp_free(&r);
    r = api_get(PORT, "/", NULL);
    expect_error(&r, 404, "NOT_FOUND");
    api_resp_free(&r);
    r = api_get(PORT, "/api/ekyc/journeyid", NULL);
    expect_error(&r, 405, "METHOD_NOT_ALLOWED");
    assert_string_equal(r.allow, "POST");
    api_resp_free(&r);
    api_req q = {.method = "DELETE", .path = "/healthz"};
    r = api_call(PORT, &q);
    expect_error(&r, 405, "METHOD_NOT_ALLOWED");
    assert_string_equal(r.allow, "GET");
    api_resp_free(&r);
}

static void test_journey_ownership(void **state) {
    (void)state;
    char mine[UUID_STR_LEN], path[128];
    new_journey("alice", "alice-secret-1", mine);
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", mine);

    api_resp r = api_get(PORT, path, "alice:alice-secret-1");
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "journeyId"), mine);
    assert_string_equal(api_str(&r, "journeyStatus"), "ACTIVE");
    assert_string_equal(api_str(&r, "companyId"), "alice-co");
    json_int_t created = json_integer_value(json_object_get(r.json, "createdDate"));
    json_int_t purge = json_integer_value(json_object_get(r.json, "purgeDate"));
    assert_int_equal(purge - created, 14LL * 24 * 3600 * 1000);
    api_resp_free(&r);

    /* another account gets exactly what an unknown id gets: no hint that it exists */
    api_resp other = api_get(PORT, path, "bob:bob-secret-12");
    expect_error(&other, 200, "INVALID_JOURNEY_ID");
    char unknown[UUID_STR_LEN], upath[128];
    uuid_v4(unknown);
    snprintf(upath, sizeof upath, "/api/ekyc/journey/%s", unknown);
    api_resp none = api_get(PORT, upath, "bob:bob-secret-12");
    expect_error(&none, 200, "INVALID_JOURNEY_ID");
    assert_string_equal(other.body, none.body);
    assert_true(json_is_null(json_object_get(none.json, "scorecardResult")));
    api_resp_free(&other);
    api_resp_free(&none);

    const char *bad_ids[] = {"/api/ekyc/journey/not-a-uuid",
                             "/api/ekyc/journey/%27%20OR%20%271%27%3D%271", "/api/ekyc/journey/%00",
                             "/api/ekyc/journey/..%2F..%2Fetc"};
    for (size_t i = 0; i < 4; i++) {
        r = api_get(PORT, bad_ids[i], "alice:alice-secret-1");
        /* a decoded "/" or NUL changes the path itself: no route, 404 */
        if (r.status == 404)
            expect_error(&r, 404, "NOT_FOUND");
        else
            expect_error(&r, 200, "INVALID_JOURNEY_ID");
        api_resp_free(&r);
    }

    r = api_get(PORT, path, NULL);
    expect_error(&r, 200, "INVALID_AUTH_HEADER");
    api_resp_free(&r);
    api_req q = {.method = "GET", .path = path, .raw_auth = "Bearer abc"};
    r = api_call(PORT, &q);
    expect_error(&r, 200, "INVALID_AUTH_HEADER");
    api_resp_free(&r);
    q.raw_auth = "Basic !!!notbase64";
    r = api_call(PORT, &q);
    expect_error(&r, 200, "INVALID_AUTH_HEADER");
    api_resp_free(&r);
    q.raw_auth = "Basic YWxpY2U="; /* "alice" without a colon */
    r = api_call(PORT, &q);
    expect_error(&r, 200, "INVALID_AUTH_HEADER");
    api_resp_free(&r);
    r = api_get(PORT, path, "alice:wrong-password");
    expect_error(&r, 200, "WRONG_CREDENTIAL");
    api_resp_free(&r);
    r = api_get(PORT, path, "mallory:alice-secret-1");
    expect_error(&r, 200, "WRONG_CREDENTIAL");
    api_resp_free(&r);
    r = api_get(PORT, path, "expired:expired-secret");
    expect_error(&r, 200, "ERROR_IDV_EXPIRED");
    api_resp_free(&r);
}

static void test_sql_metacharacters(void **state) {
    (void)state;
    const char *evil[] = {"' OR '1'='1", "alice' --", "alice\\\"; DROP TABLE accounts; --",
                          "%' OR username LIKE '%", "alice'; UPDATE accounts SET disabled=0; --"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        char body[512];
        json_t *j = json_pack("{s:s,s:s}", "username", evil[i], "password", evil[i]);
        char *text = json_dumps(j, JSON_COMPACT);
        snprintf(body, sizeof body, "%s", text);
        free(text);
        json_decref(j);
        post_expect(body, 200, "USERNAME_NOT_EXIST");
        j = json_pack("{s:s,s:s}", "username", "alice", "password", evil[i]);
        text = json_dumps(j, JSON_COMPACT);
        snprintf(body, sizeof body, "%s", text);
        free(text);
        json_decref(j);
        post_expect(body, 200, "INCORRECT_PASSWORD");
    }
    post_expect("{\"username\":\"frozen\",\"password\":\"frozen-secret\"}", 200,
                "ERROR_IDV_EXPIRED"); /* nothing was updated */
    char id[UUID_STR_LEN];
    new_journey("alice", "alice-secret-1", id); /* and nothing was dropped */
}

static void test_slow_client_is_timed_out(void **state) {
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)PORT)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *partial = "POST /api/ekyc/journeyid HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(send(fd, partial, strlen(partial), 0), (ssize_t)strlen(partial));
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[64];
    time_t t0 = time(NULL);
    ssize_t n = recv(fd, buf, sizeof buf, 0); /* server closes after its 2 s timeout */
    time_t waited = time(NULL) - t0;
    close(fd);
    assert_true(n <= 0);
    assert_true(waited < 9);
}

static void test_metrics(void **state) {
    (void)state;
    api_resp r = api_get(PORT, "/metrics", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/plain"));
    assert_non_null(strstr(r.body, "ekycd_http_requests_total{method=\"POST\","
                                   "route=\"/api/ekyc/journeyid\",status=\"200\"}"));
    assert_non_null(strstr(r.body, "status=\"413\""));
    assert_non_null(strstr(r.body, "route=\"unmatched\",status=\"404\""));
    assert_non_null(strstr(r.body, "ekycd_http_request_duration_seconds_bucket{"));
    assert_non_null(strstr(r.body, "ekycd_work_queue_depth "));
    assert_non_null(strstr(r.body, "ekycd_http_requests_in_flight "));
    api_resp_free(&r);
}

static long long db_count(const char *sql) {
    return api_store_count(g_dir, sql);
}

static void test_no_secrets_in_logs(void **state) {
    (void)state;
    size_t n = 0;
    unsigned char *log = tu_read_file(g_srv.log, &n);
    assert_non_null(log);
    assert_null(memmem(log, n, "alice-secret-1", 14));
    /* access lines carry the route pattern, never the journey id from the path */
    const char *needle = "\"route\":\"/api/ekyc/journey/";
    size_t nlen = strlen(needle);
    int seen = 0;
    for (unsigned char *p = log; (p = memmem(p, n - (size_t)(p - log), needle, nlen)); p += nlen) {
        assert_memory_equal(p + nlen, "{journeyId}", 11);
        seen++;
    }
    assert_true(seen > 0);
    free(log);
}

static void test_zz_clean_shutdown_and_consistent_store(void **state) {
    (void)state;
    char alice_journey[UUID_STR_LEN];
    new_journey("alice", "alice-secret-1", alice_journey);
    assert_int_equal(api_server_stop(&g_srv), 0); /* 0: no sanitizer or leak report */
    if (!api_pg_url()) {                          /* SQLite's own consistency checks */
        char path[700];
        snprintf(path, sizeof path, "%s/ekycd.db", g_dir);
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_stmt *s = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
        sqlite3_finalize(s);
        sqlite3_close(db);
        assert_int_equal(db_count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    }
    assert_int_equal(db_count("SELECT count(*) FROM accounts"), 5);
    /* every account's journey counter matches the journeys it really has */
    assert_int_equal(db_count("SELECT count(*) FROM accounts a WHERE a.journeys_created <> "
                              "(SELECT count(*) FROM journeys j WHERE j.account_id = a.id)"),
                     0);
    assert_int_equal(db_count("SELECT journeys_created FROM accounts WHERE username='quota'"), 5);
    assert_int_equal(db_count("SELECT count(*) FROM journeys WHERE account_id IN "
                              "(SELECT id FROM accounts WHERE username IN "
                              "('expired','frozen','bob'))"),
                     0);

    /* Restart 15 days later: the sweeper purges on start, and ids answer INVALID_JOURNEY_ID. */
    static char fake_now[64];
    snprintf(fake_now, sizeof fake_now, "EKYCD_FAKE_NOW_MS=%lld",
             (long long)time(NULL) * 1000 + 15LL * 24 * 3600 * 1000);
    assert_int_equal(api_server_start(&g_srv, g_dir, g_config, fake_now), 0);
    char jpath[128];
    snprintf(jpath, sizeof jpath, "/api/ekyc/journey/%s", alice_journey);
    api_resp r = api_get(PORT, jpath, "alice:alice-secret-1");
    expect_error(&r, 200, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    long long left = -1;
    for (int i = 0; i < 100 && left != 0; i++) {
        left = db_count("SELECT count(*) FROM journeys");
        if (left) usleep(50000);
    }
    assert_int_equal(left, 0);
    assert_int_equal(api_server_stop(&g_srv), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_ready),
        cmocka_unit_test(test_journeyid_success),
        cmocka_unit_test(test_journeyid_missing_credentials),
        cmocka_unit_test(test_journeyid_wrong_credentials),
        cmocka_unit_test(test_journeyid_expired_or_disabled),
        cmocka_unit_test(test_journey_quota_under_concurrency),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_body_over_cap),
        cmocka_unit_test(test_unknown_route_and_method),
        cmocka_unit_test(test_journey_ownership),
        cmocka_unit_test(test_sql_metacharacters),
        cmocka_unit_test(test_slow_client_is_timed_out),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_no_secrets_in_logs),
        cmocka_unit_test(test_zz_clean_shutdown_and_consistent_store),
    };
    return cmocka_run_group_tests_name("api_foundation", tests, group_setup, group_teardown);
}
