/* Unit tests for the store over SQLite: accounts, journeys (quota, purge, delete), sealed results
 * and blobs, and proof that the database file holds no plaintext personal data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store/store.h"
#include "testutil.h"

typedef struct {
    char *dir;
    char url[1100], path[1024];
    uint8_t key[MASTER_KEY_BYTES];
    store *st;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    snprintf(f->path, sizeof f->path, "%s/db/ekycd.db", f->dir);
    snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
    randombytes_buf(f->key, sizeof f->key);
    char err[256];
    if (store_open(f->url, f->key, &f->st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    store_close(f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static store_account make_account(store *st, const char *name, int64_t max_journeys) {
    store_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.username, sizeof a.username, "%s", name);
    snprintf(a.password_hash, sizeof a.password_hash, "$argon2id$dummy");
    snprintf(a.company_id, sizeof a.company_id, "co-%s", name);
    a.max_journeys = max_journeys;
    a.retention_days = 14;
    a.created_at_ms = 1000;
    assert_int_equal(store_account_add(st, &a, &a.id), STORE_OK);
    return a;
}

static void test_accounts(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "alice", 0);
    store_account dup = a;
    assert_int_equal(store_account_add(f->st, &dup, NULL), STORE_CONFLICT);
    snprintf(dup.username, sizeof dup.username, "other");
    assert_int_equal(store_account_add(f->st, &dup, NULL), STORE_CONFLICT); /* company id */
    make_account(f->st, "x'); DROP TABLE accounts; --", 0);
    store_account got;
    assert_int_equal(store_account_get(f->st, "x'); DROP TABLE accounts; --", &got), STORE_OK);
    assert_int_equal(store_account_get(f->st, "' OR '1'='1", &got), STORE_NOT_FOUND);
    assert_int_equal(store_account_get(f->st, "alice", &got), STORE_OK);
    assert_int_equal(got.id, a.id);
    assert_string_equal(got.company_id, "co-alice");
    assert_false(got.disabled);
    assert_int_equal(store_account_set_disabled(f->st, "alice", true), STORE_OK);
    assert_int_equal(store_account_get_by_id(f->st, a.id, &got), STORE_OK);
    assert_true(got.disabled);
    assert_int_equal(store_account_set_disabled(f->st, "nobody", true), STORE_NOT_FOUND);
    store_account *list = NULL;
    size_t n = 0;
    assert_int_equal(store_account_list(f->st, &list, &n), STORE_OK);
    assert_int_equal(n, 2);
    free(list);
}

static void test_journey_quota_and_purge(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "quota", 2);
    store_journey j1, j2, j3, got;
    int64_t now = 1700000000000LL;
    assert_int_equal(store_journey_create(f->st, &a, now, &j1), STORE_OK);
    assert_int_equal(store_journey_create(f->st, &a, now, &j2), STORE_OK);
    assert_int_equal(store_journey_create(f->st, &a, now, &j3), STORE_QUOTA);
    assert_int_equal(j1.purge_at_ms, now + 14LL * 86400000);
    int64_t count = 0;
    assert_int_equal(store_journey_count(f->st, a.id, &count), STORE_OK);
    assert_int_equal(count, 2); /* the refused one left nothing behind */
    assert_int_equal(store_journey_get(f->st, j1.id, now + 1, &got), STORE_OK);
    assert_string_equal(got.status, "ACTIVE");
    assert_int_equal(got.account_id, a.id);
    assert_int_equal(store_journey_get(f->st, j1.id, j1.purge_at_ms, &got), STORE_NOT_FOUND);
    assert_int_equal(store_journey_get(f->st, "", now, &got), STORE_NOT_FOUND);
    assert_int_equal(store_journey_get(f->st, "' OR 1=1 --", now, &got), STORE_NOT_FOUND);
    size_t purged = 0;
    assert_int_equal(store_purge_expired(f->st, now + 1, &purged), STORE_OK);
    assert_int_equal(purged, 0);
    assert_int_equal(store_purge_expired(f->st, j1.purge_at_ms, &purged), STORE_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(store_journey_count(f->st, a.id, &count), STORE_OK);
    assert_int_equal(count, 0);
    /* the quota counts journeys ever created, so purging does not refund it */
    assert_int_equal(store_journey_create(f->st, &a, now, &j3), STORE_QUOTA);
}

static void test_results_and_blobs(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "bob", 0);
    store_journey j;
    int64_t now = 1700000000000LL;
    assert_int_equal(store_journey_create(f->st, &a, now, &j), STORE_OK);
    const char *payload = "{\"name\":\"SITI NURHALIZA BINTI TARUDIN\",\"id\":\"900101145678\"}";
    char rid[UUID_STR_LEN], rid2[UUID_STR_LEN];
    assert_int_equal(store_result_add(f->st, j.id, "okayid", payload, strlen(payload), now, rid),
                     STORE_OK);
    assert_int_equal(store_result_add(f->st, j.id, "okayface", "{}", 2, now + 5, rid2), STORE_OK);
    char missing[UUID_STR_LEN];
    uuid_v4(missing);
    assert_int_equal(store_result_add(f->st, missing, "okayid", "{}", 2, now, rid),
                     STORE_NOT_FOUND);
    store_result *res = NULL;
    size_t n = 0;
    assert_int_equal(store_result_list(f->st, j.id, &res, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(res[0].component, "okayid");
    assert_string_equal(res[0].payload, payload);
    assert_string_equal(res[1].component, "okayface");
    store_results_free(res, n);

    uint8_t image[4096];
    memcpy(image, "\xff\xd8\xff\xe0JFIF-MARKER-PIXELS", 22);
    for (size_t i = 22; i < sizeof image; i++) image[i] = (uint8_t)(i * 31);
    char bid[UUID_STR_LEN];
    assert_int_equal(
        store_blob_put(f->st, j.id, "imageBest", "image/jpeg", image, sizeof image, now, bid),
        STORE_OK);
    store_blob b;
    assert_int_equal(store_blob_get(f->st, bid, &b), STORE_OK);
    assert_int_equal(b.size, sizeof image);
    assert_memory_equal(b.data, image, sizeof image);
    assert_string_equal(b.journey_id, j.id);
    assert_string_equal(b.kind, "imageBest");
    store_blob_free(&b);

    /* Neither the database nor its WAL holds the name, the ID number or image bytes. */
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    const char *secrets[] = {"SITI NURHALIZA", "900101145678", "JFIF-MARKER-PIXELS"};
    for (int i = 0; i < 3; i++) {
        assert_false(tu_file_contains(f->path, secrets[i], strlen(secrets[i])));
        assert_false(tu_file_contains(wal, secrets[i], strlen(secrets[i])));
    }

    /* Altering the stored ciphertext is detected, not returned. */
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  /* byte 41 always changes (it is random ciphertext: it may
                                   * already be 00) */
                                  "UPDATE results SET payload = substr(payload,1,40) || "
                                  "CASE WHEN substr(payload,41,1) = x'00' THEN x'01' "
                                  "ELSE x'00' END || substr(payload,42) "
                                  "WHERE component = 'okayid'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(store_result_list(f->st, j.id, &res, &n), STORE_ERROR);

    /* Deleting the journey removes its results and blobs, and leaves nothing in the files. */
    assert_int_equal(store_journey_delete(f->st, j.id), STORE_OK);
    assert_int_equal(store_blob_get(f->st, bid, &b), STORE_NOT_FOUND);
    assert_int_equal(store_result_list(f->st, j.id, &res, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_journey_delete(f->st, j.id), STORE_NOT_FOUND);
}

/* Blacklist faces: the version moves on every add and delete of the account's own list only,
 * and one template is read back by id (the face index's float re-score). */
static void test_blacklist_version_and_template(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "alice", 0), b = make_account(f->st, "bob", 0);
    int64_t va = -1, vb = -1;
    assert_int_equal(store_blacklist_version(f->st, a.id, &va), STORE_OK);
    assert_int_equal(va, 0);
    assert_int_equal(store_blacklist_version(f->st, 424242, &va), STORE_NOT_FOUND);
    float t[512], back[512];
    for (int i = 0; i < 512; i++) t[i] = (float)i / 512.0f;
    char id[UUID_STR_LEN], id2[UUID_STR_LEN];
    assert_int_equal(store_blacklist_add(f->st, a.id, "one", t, 512, 2000, id), STORE_OK);
    assert_int_equal(store_blacklist_add(f->st, a.id, "two", t, 512, 2001, id2), STORE_OK);
    assert_int_equal(store_blacklist_version(f->st, a.id, &va), STORE_OK);
    assert_int_equal(store_blacklist_version(f->st, b.id, &vb), STORE_OK);
    assert_int_equal(va, 2);
    assert_int_equal(vb, 0);
    assert_int_equal(store_blacklist_template(f->st, a.id, id, back, 512), STORE_OK);
    assert_memory_equal(back, t, sizeof t);
    assert_int_equal(store_blacklist_template(f->st, b.id, id, back, 512), STORE_NOT_FOUND);
    assert_int_equal(store_blacklist_template(f->st, a.id, id, back, 128), STORE_NOT_FOUND);
    assert_int_equal(store_blacklist_template(f->st, a.id, "not-a-uuid", back, 512),
                     STORE_NOT_FOUND);
    assert_int_equal(store_blacklist_delete(f->st, b.id, id), STORE_NOT_FOUND); /* not bob's */
    assert_int_equal(store_blacklist_version(f->st, a.id, &va), STORE_OK);
    assert_int_equal(va, 2);
    assert_int_equal(store_blacklist_delete(f->st, a.id, id), STORE_OK);
    assert_int_equal(store_blacklist_version(f->st, a.id, &va), STORE_OK);
    assert_int_equal(va, 3);
    assert_int_equal(store_blacklist_template(f->st, a.id, id, back, 512), STORE_NOT_FOUND);
    assert_int_equal(store_blacklist_template(f->st, a.id, id2, back, 512), STORE_OK);
}

/* v3 users: sealed under (account, userId), another account's unseen; companies found by id. */
static void test_v3_users_and_companies(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "alice", 0), b = make_account(f->st, "bob", 0);
    store_account got;
    assert_int_equal(store_account_get_by_company(f->st, "co-bob", &got), STORE_OK);
    assert_int_equal(got.id, b.id);
    assert_int_equal(store_account_get_by_company(f->st, "co-nobody", &got), STORE_NOT_FOUND);
    assert_int_equal(store_account_get_by_company(f->st, "", &got), STORE_NOT_FOUND);
    const char *rec = "{\"userId\":\"user-42\",\"sessionId\":\"S1\"}";
    assert_int_equal(store_user_put(f->st, a.id, "user-42", rec, strlen(rec), 5000), STORE_OK);
    store_user u;
    assert_int_equal(store_user_get(f->st, a.id, "user-42", &u), STORE_OK);
    assert_string_equal(u.record, rec);
    assert_int_equal(u.created_at_ms, 5000);
    store_user_free(&u);
    assert_int_equal(store_user_get(f->st, b.id, "user-42", &u), STORE_NOT_FOUND);
    assert_int_equal(store_user_get(f->st, a.id, "user-43", &u), STORE_NOT_FOUND);
    /* a second enrolment replaces the record, keeps the first date */
    const char *again = "{\"userId\":\"user-42\",\"sessionId\":\"S2\"}";
    assert_int_equal(store_user_put(f->st, a.id, "user-42", again, strlen(again), 9000), STORE_OK);
    assert_int_equal(store_user_get(f->st, a.id, "user-42", &u), STORE_OK);
    assert_string_equal(u.record, again);
    assert_int_equal(u.created_at_ms, 5000);
    assert_int_equal(u.updated_at_ms, 9000);
    store_user_free(&u);
    /* neither the userId nor the record is in the database files in the clear */
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    const char *files[] = {f->path, wal};
    for (int i = 0; i < 2; i++) {
        assert_false(tu_file_contains(files[i], "user-42", 7));
        assert_false(tu_file_contains(files[i], "sessionId", 9));
    }
    assert_true(access(f->path, R_OK) == 0);
    assert_int_equal(store_user_delete(f->st, b.id, "user-42"), STORE_NOT_FOUND);
    assert_int_equal(store_user_delete(f->st, a.id, "user-42"), STORE_OK);
    assert_int_equal(store_user_get(f->st, a.id, "user-42", &u), STORE_NOT_FOUND);
    assert_int_equal(store_user_delete(f->st, a.id, "user-42"), STORE_NOT_FOUND);
}

static void test_wrong_key_cannot_read(void **state) {
    fixture *f = *state;
    store_account a = make_account(f->st, "carol", 0);
    store_journey j;
    assert_int_equal(store_journey_create(f->st, &a, 1, &j), STORE_OK);
    char rid[UUID_STR_LEN];
    assert_int_equal(store_result_add(f->st, j.id, "okaylive", "{\"p\":1}", 7, 1, rid), STORE_OK);
    uint8_t other[MASTER_KEY_BYTES];
    randombytes_buf(other, sizeof other);
    store *st2 = NULL;
    char err[256];
    assert_int_equal(store_open(f->url, other, &st2, err, sizeof err), STORE_OK);
    store_result *res = NULL;
    size_t n = 0;
    assert_int_equal(store_result_list(st2, j.id, &res, &n), STORE_ERROR);
    store_close(st2);
}

static void test_reopen_keeps_data(void **state) {
    fixture *f = *state;
    make_account(f->st, "dave", 0);
    store_close(f->st);
    char err[256];
    assert_int_equal(store_open(f->url, f->key, &f->st, err, sizeof err), STORE_OK);
    store_account got;
    assert_int_equal(store_account_get(f->st, "dave", &got), STORE_OK);
    assert_int_equal(store_ping(f->st), STORE_OK);
    store *bad = NULL;
    assert_int_equal(store_open("mysql://x", f->key, &bad, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "unsupported"));
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journey_quota_and_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_and_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blacklist_version_and_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v3_users_and_companies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_cannot_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
