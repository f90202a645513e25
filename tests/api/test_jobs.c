/* Jobs with a lease (docs/jobs.md), on whichever store the run uses (SQLite, or PostgreSQL under
 * `tests/run.sh --pg`): the store's lease rules (renewal keeps a job, expiry hands it over once,
 * then it fails; a lost claim cannot finish; concurrent claimers never share a job), and a
 * server killed in the middle of an OkayDoc whose job a restarted server finishes, or reports as
 * a failed step once the retry died too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>

#include "apiutil.h"
#include "store/store.h"
#include "util/crypto.h"

#define PASSPORT tu_shared("documents/dev/images/Arg0s1080__mrz/passports_Canada.png")

static char *g_dir;
static char g_url[1200];
static api_server g_srv; /* stopped by the teardown even when a test fails */

static int group_setup(void **state) {
    (void)state;
    if (sodium_init() < 0) return -1;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    const char *pg = api_pg_url();
    snprintf(g_url, sizeof g_url, pg ? "%s" : "sqlite:%s/ekycd.db", pg ? pg : g_dir);
    return api_add_account(g_dir, "jo", "jo-secret-123", NULL);
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

/* The store with the server's master key, and a fresh journey of account jo. */
static store *open_store(char journey[UUID_STR_LEN]) {
    char path[700], err[256];
    snprintf(path, sizeof path, "%s/ekycd.key", g_dir);
    uint8_t key[MASTER_KEY_BYTES];
    assert_int_equal(crypto_load_master_key(path, false, key, err, sizeof err), 0);
    store *st = NULL;
    assert_int_equal(store_open(g_url, key, &st, err, sizeof err), STORE_OK);
    store_account acc;
    assert_int_equal(store_account_get(st, "jo", &acc), STORE_OK);
    store_journey j;
    assert_int_equal(store_journey_create(st, &acc, time(NULL) * 1000LL, &j), STORE_OK);
    memcpy(journey, j.id, UUID_STR_LEN);
    return st;
}

static size_t failures_of(store *st, const char *journey, int *attempts) {
    store_job_failure *f = NULL;
    size_t n = 0;
    assert_int_equal(store_job_failures(st, journey, &f, &n), STORE_OK);
    if (n && attempts) *attempts = f[0].attempts;
    free(f);
    return n;
}

static void test_lease_rules(void **state) {
    (void)state;
    char journey[UUID_STR_LEN];
    store *st = open_store(journey);
    const int64_t t = time(NULL) * 1000LL;
    const char input[] = "{\"journeyId\":\"x\",\"halfSizeImage\":\"personal\"}";
    store_job a, b;
    assert_int_equal(store_job_start(st, journey, "okaydoc", (const uint8_t *)input, strlen(input),
                                     "node-a", t, 1000, &a),
                     STORE_OK);
    assert_int_equal(a.attempts, 1);
    size_t failed = 9;
    /* within the lease, and after a renewal, nobody else gets it */
    assert_int_equal(store_job_claim_expired(st, "node-b", t + 500, 1000, 2, &b, &failed),
                     STORE_NOT_FOUND);
    assert_int_equal(failed, 0);
    assert_int_equal(store_job_renew(st, "node-a", t + 900, 1000), STORE_OK);
    assert_int_equal(store_job_claim_expired(st, "node-b", t + 1500, 1000, 2, &b, NULL),
                     STORE_NOT_FOUND);
    /* node-a went silent: node-b takes the job over, with its input, as attempt 2 */
    assert_int_equal(store_job_claim_expired(st, "node-b", t + 2000, 1000, 2, &b, NULL), STORE_OK);
    assert_string_equal(b.id, a.id);
    assert_string_equal(b.journey_id, journey);
    assert_string_equal(b.kind, "okaydoc");
    assert_int_equal(b.attempts, 2);
    assert_int_equal(b.input_len, strlen(input));
    assert_memory_equal(b.input, input, b.input_len);
    /* node-a's claim is lost: it cannot finish the job any more */
    assert_int_equal(store_job_finish(st, &a, "node-a"), STORE_CONFLICT);
    /* node-b dies too: out of attempts, the job fails and shows on the journey */
    assert_int_equal(failures_of(st, journey, NULL), 0);
    store_job c;
    assert_int_equal(store_job_claim_expired(st, "node-c", t + 3500, 1000, 2, &c, &failed),
                     STORE_NOT_FOUND);
    assert_int_equal(failed, 1);
    int attempts = 0;
    assert_int_equal(failures_of(st, journey, &attempts), 1);
    assert_int_equal(attempts, 2);
    assert_int_equal(store_job_finish(st, &b, "node-b"), STORE_CONFLICT);
    store_job_free(&b);
    /* a job that finishes leaves nothing */
    assert_int_equal(store_job_start(st, journey, "okayid", (const uint8_t *)"{}", 2, "node-a",
                                     t + 4000, 1000, &a),
                     STORE_OK);
    assert_int_equal(store_job_finish(st, &a, "node-a"), STORE_OK);
    assert_int_equal(store_job_claim_expired(st, "node-b", t + 9000, 1000, 2, &b, NULL),
                     STORE_NOT_FOUND);
    /* a job needs a live journey; deleting the journey deletes its jobs */
    assert_int_equal(store_job_start(st, "00000000-0000-4000-8000-000000000000", "okayid",
                                     (const uint8_t *)"{}", 2, "node-a", t, 1000, &a),
                     STORE_NOT_FOUND);
    assert_int_equal(store_journey_delete(st, journey), STORE_OK);
    assert_int_equal(failures_of(st, journey, NULL), 0);
    store_close(st);
}

#define CLAIM_JOBS    24
#define CLAIM_THREADS 4

typedef struct {
    store *st;
    int64_t now;
    char node[24];
    char ids[CLAIM_JOBS][UUID_STR_LEN];
    int count;
} claimer;

static void *claim_all(void *arg) {
    claimer *c = arg;
    store_job job;
    while (c->count < CLAIM_JOBS &&
           store_job_claim_expired(c->st, c->node, c->now, 60000, 2, &job, NULL) == STORE_OK) {
        memcpy(c->ids[c->count++], job.id, UUID_STR_LEN);
        store_job_free(&job);
    }
    return NULL;
}

static void test_concurrent_claims_never_share(void **state) {
    (void)state;
    char journey[UUID_STR_LEN];
    store *st = open_store(journey);
    const int64_t t = time(NULL) * 1000LL;
    char ids[CLAIM_JOBS][UUID_STR_LEN];
    for (int i = 0; i < CLAIM_JOBS; i++) {
        store_job job;
        assert_int_equal(store_job_start(st, journey, "okayid", (const uint8_t *)"{}", 2, "dead",
                                         t - 10000, 1000, &job),
                         STORE_OK);
        memcpy(ids[i], job.id, UUID_STR_LEN);
    }
    claimer c[CLAIM_THREADS];
    pthread_t th[CLAIM_THREADS];
    for (int i = 0; i < CLAIM_THREADS; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].st = st;
        c[i].now = t;
        snprintf(c[i].node, sizeof c[i].node, "node-%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, claim_all, &c[i]), 0);
    }
    for (int i = 0; i < CLAIM_THREADS; i++) pthread_join(th[i], NULL);
    for (int j = 0; j < CLAIM_JOBS; j++) { /* every job exactly once */
        int seen = 0;
        for (int i = 0; i < CLAIM_THREADS; i++)
            for (int k = 0; k < c[i].count; k++) seen += !strcmp(c[i].ids[k], ids[j]);
        assert_int_equal(seen, 1);
    }
    assert_int_equal(store_journey_delete(st, journey), STORE_OK);
    store_close(st);
}

/* ---- a server killed in the middle of a job ---- */

static pid_t post_in_child(int port, const char *path, const char *body) {
    pid_t pid = fork();
    if (pid == 0) {
        api_resp r = api_post_json(port, path, body); /* dies with the server */
        api_resp_free(&r);
        _exit(0);
    }
    return pid;
}

static long long jobs_of(const char *journey, const char *status) {
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE journey_id = '%s' AND status = '%s'",
             journey, status);
    return api_store_count(g_dir, sql);
}

static void wait_for_job(const char *journey) {
    for (int i = 0; i < 600 && jobs_of(journey, "running") != 1; i++) usleep(50000);
    assert_int_equal(jobs_of(journey, "running"), 1);
}

/* The journey status once the job has left the running state (a result or a failure). */
static json_t *wait_until_settled(int port, const char *journey) {
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", journey);
    for (int i = 0; i < 600 && jobs_of(journey, "running") != 0; i++) usleep(100000);
    api_resp r = api_get(port, path, "jo:jo-secret-123");
    json_t *doc = json_incref(r.json);
    api_resp_free(&r);
    assert_non_null(doc);
    return doc;
}

static void kill_server(api_server *s, pid_t client) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    waitpid(client, NULL, 0);
}

static void test_killed_mid_job_then_finished_or_failed(void **state) {
    (void)state;
    TU_NEED_SHARED(PASSPORT);
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s/jobs.json", g_dir);
    assert_int_equal(tu_write_file(cfg, (const unsigned char *)"{\"job_lease_seconds\":2}", 23), 0);
    static char stall[] = "EKYCD_FAULT_JOB_STALL_MS=600000";
    char *b64 = api_file_base64(PASSPORT);
    assert_non_null(b64);
    api_server *s = &g_srv;
    char journey[64];
    for (int round = 0; round < 2; round++) {
        /* round 0: the node dies once and the restarted node finishes the job;
         * round 1: the restarted node stalls and dies too, the third start reports a failure */
        assert_int_equal(api_server_start(s, g_dir, cfg, stall), 0);
        api_new_journey(s->port, "jo", "jo-secret-123", journey);
        assert_int_equal(strlen(journey), 36);
        json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "journeyId", journey, "type", "passport",
                                "country", "OTHER", "version", "3", "halfSizeImage", b64);
        char *text = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        pid_t client = post_in_child(s->port, "/api/ekyc/okaydoc", text);
        free(text);
        wait_for_job(journey);
        kill_server(s, client);
        if (round == 1) { /* the take-over stalls as well, and its node dies */
            assert_int_equal(api_server_start(s, g_dir, cfg, stall), 0);
            char sql[300];
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM jobs WHERE journey_id = '%s' AND attempts = 2", journey);
            for (int i = 0; i < 600 && api_store_count(g_dir, sql) != 1; i++) usleep(50000);
            assert_int_equal(api_store_count(g_dir, sql), 1);
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = 0;
        }
        assert_int_equal(api_server_start(s, g_dir, cfg, NULL), 0);
        json_t *status = wait_until_settled(s->port, journey);
        json_t *results = json_object_get(status, "results");
        json_t *failed = json_object_get(status, "failedSteps");
        assert_true(json_is_array(failed));
        if (round == 0) {
            assert_int_equal(json_array_size(results), 1);
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(results, 0), "component")),
                "okaydoc");
            assert_int_equal(json_array_size(failed), 0);
        } else {
            assert_int_equal(json_array_size(results), 0);
            assert_int_equal(json_array_size(failed), 1);
            json_t *f = json_array_get(failed, 0);
            assert_string_equal(json_string_value(json_object_get(f, "step")), "okaydoc");
            assert_string_equal(json_string_value(json_object_get(f, "code")), "STEP_FAILED");
            assert_int_equal(json_integer_value(json_object_get(f, "attempts")), 2);
            assert_int_equal(jobs_of(journey, "failed"), 1);
            /* the failed job kept no input (the request's image) */
            char sql[300];
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM jobs WHERE journey_id = '%s' AND input IS NOT NULL",
                     journey);
            assert_int_equal(api_store_count(g_dir, sql), 0);
        }
        json_decref(status);
        assert_int_equal(api_server_stop(s), 0);
    }
    free(b64);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lease_rules),
        cmocka_unit_test(test_concurrent_claims_never_share),
        cmocka_unit_test(test_killed_mid_job_then_finished_or_failed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
