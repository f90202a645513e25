/* PostgreSQL-only API tests (run by `tests/run.sh --pg`, skipped on SQLite): two nodes on one
 * database serve the same journey (created on A, OkayID on B, OkayDoc on A, scorecard on A);
 * node A is killed in the middle of its OkayDoc job and node B finishes it; a node whose
 * database goes away keeps running, says so on /readyz, and serves again once it is back; the
 * retention sweep deletes nothing while another node holds the sweeper lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "apiutil.h"
#include "store/store.h"
#include "util/crypto.h"

#define PASSPORT tu_shared("documents/dev/images/Arg0s1080__mrz/passports_Canada.png")

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
    if (!g_on_pg) {
        printf("  skipped: PostgreSQL only (the --pg pass of make test)\n");
        skip();
    }
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

static api_resp post_body(int port, const char *path, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    api_resp r = api_post_json(port, path, text);
    free(text);
    return r;
}

static long long job_attempts(const char *journey) {
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(max(attempts), 0) FROM jobs WHERE journey_id = '%s' AND status = "
             "'running'",
             journey);
    return api_store_count(g_dir_a, sql);
}

/* The components of the journey's results, as node `port` reports them, comma-joined. */
static void components(int port, const char *journey, char *out, size_t len) {
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", journey);
    api_resp r = api_get(port, path, "nina:nina-secret-1");
    out[0] = 0;
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(r.json, "results"), i, v) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", used ? "," : "",
                 json_string_value(json_object_get(v, "component")));
    }
    api_resp_free(&r);
}

static void test_node_killed_mid_job(void **state) {
    (void)state;
    if (!g_on_pg) {
        printf("  skipped: PostgreSQL only (the --pg pass of make test)\n");
        skip();
    }
    TU_NEED_SHARED(PASSPORT);
    /* node A again, now with a 2 s lease and every job held until the node is killed */
    assert_int_equal(api_server_stop(&g_a), 0);
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s/lease.json", g_dir_a);
    assert_int_equal(tu_write_file(cfg, "{\"job_lease_seconds\":2}", 23), 0);
    static char stall[] = "EKYCD_FAULT_JOB_STALL_MS=600000";
    assert_int_equal(api_server_start(&g_a, g_dir_a, cfg, stall), 0);
    char journey[64], got[128];
    api_new_journey(g_a.port, "nina", "nina-secret-1", journey);
    assert_int_equal(strlen(journey), 36);
    char *passport = api_file_base64(PASSPORT);
    assert_non_null(passport);
    api_resp id = post_body(
        g_b.port, "/api/ekyc/okayid",
        json_pack("{s:s,s:s}", "journeyId", journey, "base64ImageString", passport)); /* on B */
    assert_string_equal(api_str(&id, "status"), "success");
    api_resp_free(&id);
    /* OkayDoc on A, whose node is then held in the middle of the job */
    json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s}", "journeyId", journey, "type", "passport",
                            "country", "OTHER", "version", "3", "halfSizeImage", passport);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(passport);
    pid_t client = fork();
    if (client == 0) {
        api_resp r = api_post_json(g_a.port, "/api/ekyc/okaydoc", text);
        api_resp_free(&r);
        _exit(0);
    }
    free(text);
    for (int i = 0; i < 600 && job_attempts(journey) != 1; i++) usleep(50000);
    assert_int_equal(job_attempts(journey), 1);
    /* while A lives it renews its lease: after twice the lease B still has not taken the job */
    sleep(4);
    assert_int_equal(job_attempts(journey), 1);
    components(g_b.port, journey, got, sizeof got);
    assert_string_equal(got, "okayid");
    kill(g_a.pid, SIGKILL);
    waitpid(g_a.pid, NULL, 0);
    g_a.pid = 0;
    waitpid(client, NULL, 0);
    /* B takes the job over once A's lease runs out, and finishes it */
    for (int i = 0; i < 600 && job_attempts(journey) != 0; i++) usleep(100000);
    components(g_b.port, journey, got, sizeof got);
    assert_string_equal(got, "okayid,okaydoc");
    /* A back (no fault): the scorecard there sees both steps */
    assert_int_equal(api_server_start(&g_a, g_dir_a, NULL, NULL), 0);
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", journey);
    api_resp sc = api_get(g_a.port, path, NULL);
    assert_string_equal(api_str(&sc, "status"), "success");
    json_t *entry = json_array_get(json_object_get(sc.json, "scorecardResultList"), 0);
    assert_string_equal(json_string_value(json_object_get(entry, "docType")), "passport");
    assert_true(json_array_size(json_object_get(entry, "checkResultList")) > 0);
    api_resp_free(&sc);
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
    if (!g_on_pg) {
        printf("  skipped: PostgreSQL only (the --pg pass of make test)\n");
        skip();
    }
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

/* The retention sweep runs on one node at a time: while another session holds the sweeper's
 * advisory lock (as a sweeping node does for its transaction), a sweep deletes nothing. */
static void test_sweeper_one_node_at_a_time(void **state) {
    (void)state;
    if (!g_on_pg) {
        printf("  skipped: PostgreSQL only (the --pg pass of make test)\n");
        skip();
    }
    assert_true(sodium_init() >= 0);
    char key_path[700], err[256];
    snprintf(key_path, sizeof key_path, "%s/ekycd.key", g_dir_a);
    uint8_t key[MASTER_KEY_BYTES];
    assert_int_equal(crypto_load_master_key(key_path, false, key, err, sizeof err), 0);
    store *st = NULL;
    assert_int_equal(store_open(api_pg_url(), key, &st, err, sizeof err), STORE_OK);
    store_account acc;
    assert_int_equal(store_account_get(st, "nina", &acc), STORE_OK);
    store_journey j;
    assert_int_equal(store_journey_create(st, &acc, time(NULL) * 1000LL, &j), STORE_OK);
    PGconn *other = PQconnectdb(api_pg_url()); /* "another node", mid-sweep */
    assert_int_equal(PQstatus(other), CONNECTION_OK);
    PGresult *r = PQexec(other, "BEGIN; SELECT pg_advisory_xact_lock(7325002)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    size_t purged = 99;
    assert_int_equal(store_purge_expired(st, j.purge_at_ms + 1, &purged), STORE_OK);
    assert_int_equal(purged, 0);
    store_journey still;
    assert_int_equal(store_journey_get(st, j.id, time(NULL) * 1000LL, &still), STORE_OK);
    r = PQexec(other, "COMMIT");
    PQclear(r);
    PQfinish(other);
    for (int i = 0; i < 50 && !purged; i++) { /* a running node's own sweep may hold it a moment */
        assert_int_equal(store_purge_expired(st, j.purge_at_ms + 1, &purged), STORE_OK);
        if (!purged) usleep(100000);
    }
    assert_true(purged >= 1);
    assert_int_equal(store_journey_get(st, j.id, j.created_at_ms, &still), STORE_NOT_FOUND);
    store_close(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_nodes_one_journey),
        cmocka_unit_test(test_node_killed_mid_job),
        cmocka_unit_test(test_database_lost_and_back),
        cmocka_unit_test(test_sweeper_one_node_at_a_time),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
