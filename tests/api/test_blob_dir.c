/* Blobs on a directory instead of in the database (config blob_dir; docs/deploy.md), on either
 * store backend: an OkayDoc's image and result crops are sealed files under
 * <blob_dir>/<journey>/ with empty database rows, are served back intact, and disappear with the
 * journey, by the delete call and by the retention purge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sodium.h>

#include "apiutil.h"
#include "store/store.h"
#include "util/crypto.h"

#define PASSPORT tu_shared("documents/dev/images/Arg0s1080__mrz/passports_Canada.png")
#define USERPWD  "bo:bo-secret-123"

static char *g_dir;
static char g_blobs[700], g_cfg[700];
static api_server g_srv;

static int group_setup(void **state) {
    (void)state;
    if (sodium_init() < 0) return -1;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    snprintf(g_blobs, sizeof g_blobs, "%s/shared-blobs", g_dir);
    snprintf(g_cfg, sizeof g_cfg, "%s/blobs.json", g_dir);
    char text[800];
    int n = snprintf(text, sizeof text, "{\"blob_dir\":\"%s\"}", g_blobs);
    if (tu_write_file(g_cfg, text, (size_t)n) != 0) return -1;
    return api_add_account(g_dir, "bo", "bo-secret-123", "--allow-delete", NULL) ||
           api_server_start(&g_srv, g_dir, g_cfg, NULL);
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

/* Regular files in <blob_dir>/<journey>/ (-1: no such directory); *sealed says none of them
 * starts like the PNG or JPEG it holds. */
static int files_of(const char *journey, bool *sealed) {
    char path[800];
    snprintf(path, sizeof path, "%s/%s", g_blobs, journey);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    *sealed = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char file[1100];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        size_t len = 0;
        unsigned char *b = tu_read_file(file, &len);
        if (b && len >= 4 && ((b[0] == 0xFF && b[1] == 0xD8) || !memcmp(b + 1, "PNG", 3)))
            *sealed = false;
        free(b);
        n++;
    }
    closedir(d);
    return n;
}

static long long db_bytes_of(const char *journey) {
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(sum(length(data)), 0) FROM blobs WHERE journey_id = '%s'", journey);
    return api_store_count(g_dir, sql);
}

static void test_okaydoc_blobs_on_disk_then_deleted(void **state) {
    (void)state;
    TU_NEED_SHARED(PASSPORT);
    char journey[64], path[160];
    api_new_journey(g_srv.port, "bo", "bo-secret-123", journey);
    assert_int_equal(strlen(journey), 36);
    char *b64 = api_file_base64(PASSPORT);
    assert_non_null(b64);
    json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "journeyId", journey, "type", "passport",
                            "country", "OTHER", "version", "3", "halfSizeImage", b64);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    free(b64);
    api_resp doc = api_post_json(g_srv.port, "/api/ekyc/okaydoc", text);
    free(text);
    assert_string_equal(api_str(&doc, "status"), "success");
    /* the image and two crops: sealed files; the rows hold no bytes */
    bool sealed = false;
    assert_int_equal(files_of(journey, &sealed), 3);
    assert_true(sealed);
    assert_int_equal(db_bytes_of(journey), 0);
    json_t *out = json_array_get(json_object_get(doc.json, "outputImageList"), 0);
    snprintf(path, sizeof path, "%s", json_string_value(json_object_get(out, "imageUrl")));
    api_resp_free(&doc);
    api_resp img = api_get(g_srv.port, path, NULL); /* read back from the file, opened */
    assert_int_equal(img.status, 200);
    assert_int_equal((unsigned char)img.body[0], 0xFF);
    api_resp_free(&img);
    /* delete: the journey's directory goes with it */
    char del_path[128];
    snprintf(del_path, sizeof del_path, "/api/ekyc/details/%s", journey);
    api_req del = {.method = "DELETE", .path = del_path, .userpwd = USERPWD};
    api_resp gone = api_call(g_srv.port, &del);
    assert_string_equal(api_str(&gone, "status"), "success");
    api_resp_free(&gone);
    assert_int_equal(files_of(journey, &sealed), -1);
    img = api_get(g_srv.port, path, NULL);
    assert_int_equal(img.status, 404);
    api_resp_free(&img);
}

static void test_purge_removes_files(void **state) {
    (void)state;
    char key_path[700], err[256];
    snprintf(key_path, sizeof key_path, "%s/ekycd.key", g_dir);
    uint8_t key[MASTER_KEY_BYTES];
    assert_int_equal(crypto_load_master_key(key_path, false, key, err, sizeof err), 0);
    const char *pg = api_pg_url();
    char url[800];
    snprintf(url, sizeof url, pg ? "%s" : "sqlite:%s/ekycd.db", pg ? pg : g_dir);
    store *st = NULL;
    assert_int_equal(store_open(url, key, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_use_blob_dir(st, g_blobs, err, sizeof err), STORE_OK);
    store_account acc;
    assert_int_equal(store_account_get(st, "bo", &acc), STORE_OK);
    store_journey j;
    assert_int_equal(store_journey_create(st, &acc, time(NULL) * 1000LL, &j), STORE_OK);
    char blob_id[UUID_STR_LEN];
    const char secret[] = "a face, in no clear text on disk";
    assert_int_equal(store_blob_put(st, j.id, "test", NULL, (const uint8_t *)secret, sizeof secret,
                                    j.created_at_ms, blob_id),
                     STORE_OK);
    store_blob b;
    assert_int_equal(store_blob_get(st, blob_id, &b), STORE_OK);
    assert_memory_equal(b.data, secret, sizeof secret);
    store_blob_free(&b);
    bool sealed = false;
    assert_int_equal(files_of(j.id, &sealed), 1);
    size_t purged = 0; /* far past its retention; on PostgreSQL the server's own sweep may hold
                        * the sweeper lock for a moment, then this round purges nothing */
    for (int i = 0; i < 50 && !purged; i++) {
        assert_int_equal(store_purge_expired(st, j.purge_at_ms + 1, &purged), STORE_OK);
        if (!purged) usleep(100000);
    }
    assert_true(purged >= 1);
    assert_int_equal(files_of(j.id, &sealed), -1);
    assert_int_equal(store_blob_get(st, blob_id, &b), STORE_NOT_FOUND);
    store_close(st);
    /* a blob_dir that cannot be one is refused */
    assert_int_equal(store_open(url, key, &st, err, sizeof err), STORE_OK);
    assert_int_equal(store_use_blob_dir(st, key_path, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "blob_dir"));
    store_close(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_okaydoc_blobs_on_disk_then_deleted),
        cmocka_unit_test(test_purge_removes_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
