/* PostgreSQL-only API tests (run by `tests/run.sh --pg`, skipped on SQLite): two nodes on one
 * database serve the same journey, and a node whose database goes away keeps running, says so
 * on /readyz, and serves again once the database is back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "apiutil.h"

static char *g_dir_a, *g_dir_b;
static api_server g_a, g_b;
static int g_on_pg;

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_on_pg = api_pg_url() && getenv("EKYCD_TEST_PG_DIR");
    if (!g_on_pg) return 0;
    g_dir_a = tu_mkdtemp();
    g_dir_b = tu_mkdtemp();
    char key_b[700];
    if (api_add_account(g_dir_a, "nina", "nina-secret-1", NULL) != 0 ||
        api_server_start(&g_a, g_dir_a, NULL, NULL) != 0)
        return -1;
    /* node B: its own data directory, the same database and the same master key */
    size_t n = 0;
    char key_a[700];
    snprintf(key_a, sizeof key_a, "%s/ekycd.key", g_dir_a);
    snprintf(key_b, sizeof key_b, "%s/ekycd.key", g_dir_b);
    unsigned char *key = tu_read_file(key_a, &n);
    if (!key || tu_write_file(key_b, key, n) != 0 || chmod(key_b, 0600) != 0) return -1;
    free(key);
    return api_server_start(&g_b, g_dir_b, NULL, NULL);
}

static int group_teardown(void **state) {
    (void)state;
    if (!g_on_pg) {
        curl_global_cleanup();
        return 0;
    }
    api_server_stop(&g_b);
    tu_rmtree(g_dir_b);
    free(g_dir_b);
    return api_group_end(&g_a, g_dir_a);
}

static void test_two_nodes_one_journey(void **state) {
    (void)state;
    if (!g_on_pg) skip();
    char journey[64], path[128];
    api_new_journey(g_a.port, "nina", "nina-secret-1", journey);
    assert_int_equal(strlen(journey), 36);
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", journey);
    api_resp r = api_get(g_b.port, path, "nina:nina-secret-1"); /* created on A, read on B */
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    /* B issues capture keys for the journey A created, and A sees the same journey state */
    char body[128];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", journey);
    api_resp ka = api_post_json(g_b.port, "/api/ekyc/capture-key", body);
    assert_string_equal(api_str(&ka, "status"), "success");
    api_resp_free(&ka);
    api_resp done = api_post_json(g_a.port, "/api/ekyc/complete", body);
    assert_string_equal(api_str(&done, "message"), "INCOMPLETE_JOURNEY"); /* no steps yet */
    api_resp_free(&done);
}

static int ready_status(int port) {
    api_resp r = api_get(port, "/readyz", NULL);
    int s = (int)r.status;
    api_resp_free(&r);
    return s;
}

static void pg_control(const char *verb) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "tests/pg.sh %s '%s'", verb, getenv("EKYCD_TEST_PG_DIR"));
    assert_int_equal(system(cmd), 0);
}

static void test_database_lost_and_back(void **state) {
    (void)state;
    if (!g_on_pg) skip();
    assert_int_equal(ready_status(g_a.port), 200);
    pg_control("stop");
    assert_int_equal(ready_status(g_a.port), 503);
    api_resp r = api_post_json(g_a.port, "/api/ekyc/journeyid",
                               "{\"username\":\"nina\",\"password\":\"nina-secret-1\"}");
    assert_true(r.status == 500 || r.status == 503); /* an error, not a crash */
    api_resp_free(&r);
    assert_int_equal(kill(g_a.pid, 0), 0); /* still running */
    pg_control("restart");
    int s = 0;
    for (int i = 0; i < 50 && s != 200; i++) {
        s = ready_status(g_a.port);
        if (s != 200) usleep(100000);
    }
    assert_int_equal(s, 200);
    char journey[64];
    api_new_journey(g_a.port, "nina", "nina-secret-1", journey);
    assert_int_equal(strlen(journey), 36);
    api_new_journey(g_b.port, "nina", "nina-secret-1", journey); /* B recovered too */
    assert_int_equal(strlen(journey), 36);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_nodes_one_journey),
        cmocka_unit_test(test_database_lost_and_back),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
