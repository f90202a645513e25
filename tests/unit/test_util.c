/* Unit tests for src/util: base64, ids, config, crypto and key files, dates, work gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <sodium.h>

#include "testutil.h"
#include "util/b64.h"
#include "util/config.h"
#include "util/crypto.h"
#include "util/ids.h"
#include "util/linsolve.h"
#include "util/timeutil.h"
#include "util/workgate.h"

static void decode_ok(const char *in, const char *expect) {
    unsigned char *out = NULL;
    size_t n = 0;
    assert_int_equal(b64_decode(in, strlen(in), 1024, &out, &n), B64_OK);
    assert_int_equal(n, strlen(expect));
    assert_memory_equal(out, expect, n);
    free(out);
}

static void test_b64_variants(void **state) {
    (void)state;
    decode_ok("aGVsbG8gd29ybGQ=", "hello world");
    decode_ok("aGVsbG8gd29ybGQ", "hello world");          /* no padding */
    decode_ok("aGVs\nbG8g\r\nd29y bGQ=", "hello world");  /* whitespace */
    decode_ok("data:image/png;base64,aGVsbG8=", "hello"); /* data URI */
    decode_ok("-_8=", "\xfb\xff");                        /* URL-safe */
    decode_ok("+/8=", "\xfb\xff");                        /* standard */
}

static void test_b64_rejects(void **state) {
    (void)state;
    unsigned char *out = (unsigned char *)"x";
    size_t n = 7;
    assert_int_equal(b64_decode("", 0, 100, &out, &n), B64_EMPTY);
    assert_null(out);
    assert_int_equal(b64_decode("   \n", 4, 100, &out, &n), B64_EMPTY);
    assert_int_equal(b64_decode("not base64!!", 12, 100, &out, &n), B64_INVALID);
    assert_int_equal(b64_decode("aGVsbG8=x", 9, 100, &out, &n), B64_INVALID);
    assert_int_equal(b64_decode("QQ==QQ==", 8, 100, &out, &n), B64_INVALID);
    /* 4000 chars decode to 3000 bytes: over a 1000-byte cap, refused before decoding */
    char big[4001];
    memset(big, 'A', 4000);
    big[4000] = 0;
    assert_int_equal(b64_decode(big, 4000, 1000, &out, &n), B64_TOO_LARGE);
    assert_null(out);
}

static void test_b64_roundtrip(void **state) {
    (void)state;
    unsigned char data[257];
    for (int i = 0; i < 257; i++) data[i] = (unsigned char)(i * 7);
    char *enc = b64_encode(data, sizeof data);
    assert_non_null(enc);
    unsigned char *dec = NULL;
    size_t n = 0;
    assert_int_equal(b64_decode(enc, strlen(enc), 1000, &dec, &n), B64_OK);
    assert_int_equal(n, sizeof data);
    assert_memory_equal(dec, data, n);
    free(dec);
    free(enc);
}

static void test_uuid(void **state) {
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN];
    uuid_v4(a);
    uuid_v4(b);
    assert_true(uuid_is_valid(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_false(uuid_is_valid("not-a-uuid"));
    assert_false(uuid_is_valid("' OR '1'='1"));
    assert_false(uuid_is_valid("5f0c2d7e-1b9a-4c1e-9d3a-2e7f6a1b0c4"));
    assert_false(uuid_is_valid("5f0c2d7e-1b9a-4c1e-9d3a-2e7f6a1b0c4g"));
    assert_false(uuid_is_valid(NULL));
}

static void test_config_listen(void **state) {
    (void)state;
    config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set_listen(&c, "0.0.0.0:9000", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(config_set_listen(&c, "[::1]:0", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 0);
    assert_int_not_equal(config_set_listen(&c, "localhost", err, sizeof err), 0);
    assert_int_not_equal(config_set_listen(&c, "localhost:99999", err, sizeof err), 0);
    assert_int_not_equal(config_set_listen(&c, "localhost:80x", err, sizeof err), 0);
    assert_int_not_equal(config_set_listen(&c, ":80", err, sizeof err), 0);
}

static void test_config_file(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char path[600];
    snprintf(path, sizeof path, "%s/c.json", dir);
    config c;
    char err[256];
    const char *good = "{\"listen\":\"127.0.0.1:7000\",\"threads\":3,\"data\":\"/srv/x\"}";
    tu_write_file(path, good, strlen(good));
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
    assert_int_equal(c.listen_port, 7000);
    assert_int_equal(c.threads, 3);
    config_finish(&c);
    assert_string_equal(c.store_url, "sqlite:/srv/x/ekycd.db");
    assert_string_equal(c.key_file, "/srv/x/ekycd.key");
    assert_true(c.okayid_visual_zone); /* on by default */
    const char *off = "{\"okayid_visual_zone\":false}";
    tu_write_file(path, off, strlen(off));
    assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
    assert_false(c.okayid_visual_zone);
    const char *not_bool = "{\"okayid_visual_zone\":\"no\"}";
    tu_write_file(path, not_bool, strlen(not_bool));
    assert_int_not_equal(config_load_file(&c, path, err, sizeof err), 0);
    const char *typo = "{\"thread\":3}";
    tu_write_file(path, typo, strlen(typo));
    assert_int_not_equal(config_load_file(&c, path, err, sizeof err), 0);
    assert_non_null(strstr(err, "unknown key"));
    const char *range = "{\"threads\":0}";
    tu_write_file(path, range, strlen(range));
    assert_int_not_equal(config_load_file(&c, path, err, sizeof err), 0);
    const char *broken = "{\"threads\":";
    tu_write_file(path, broken, strlen(broken));
    assert_int_not_equal(config_load_file(&c, path, err, sizeof err), 0);
    tu_rmtree(dir);
    free(dir);
}

static void test_seal_open(void **state) {
    (void)state;
    uint8_t master[MASTER_KEY_BYTES];
    randombytes_buf(master, sizeof master);
    crypto_keys k;
    crypto_derive_keys(master, &k);
    const char *msg = "{\"name\":\"AHMAD BIN ALI\"}";
    size_t slen = 0, plen = 0;
    uint8_t *sealed = crypto_seal(&k, "results:1", (const uint8_t *)msg, strlen(msg), &slen);
    assert_non_null(sealed);
    assert_int_equal(slen, strlen(msg) + SEAL_OVERHEAD);
    assert_null(memmem(sealed, slen, "AHMAD", 5));
    uint8_t *plain = crypto_open(&k, "results:1", sealed, slen, &plen);
    assert_non_null(plain);
    assert_string_equal((char *)plain, msg);
    free(plain);
    assert_null(crypto_open(&k, "results:2", sealed, slen, &plen)); /* moved to another row */
    sealed[30] ^= 1;
    assert_null(crypto_open(&k, "results:1", sealed, slen, &plen)); /* altered */
    sealed[30] ^= 1;
    uint8_t other[MASTER_KEY_BYTES];
    randombytes_buf(other, sizeof other);
    crypto_keys k2;
    crypto_derive_keys(other, &k2);
    assert_null(crypto_open(&k2, "results:1", sealed, slen, &plen)); /* other key */
    assert_null(crypto_open(&k, "results:1", sealed, 10, &plen));    /* truncated */
    free(sealed);
    char d1[65], d2[65];
    crypto_digest_hex(&k, (const uint8_t *)"abc", 3, d1);
    crypto_digest_hex(&k2, (const uint8_t *)"abc", 3, d2);
    assert_string_not_equal(d1, d2); /* keyed: not a plain hash */
}

static void test_key_file(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/sub/ekycd.key", dir);
    uint8_t k1[MASTER_KEY_BYTES], k2[MASTER_KEY_BYTES];
    assert_int_not_equal(crypto_load_master_key(path, false, k1, err, sizeof err), 0);
    assert_int_equal(crypto_load_master_key(path, true, k1, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(crypto_load_master_key(path, true, k2, err, sizeof err), 0);
    assert_memory_equal(k1, k2, sizeof k1); /* loaded, not regenerated */
    chmod(path, 0644);
    assert_int_not_equal(crypto_load_master_key(path, false, k2, err, sizeof err), 0);
    assert_non_null(strstr(err, "chmod 600"));
    chmod(path, 0600);
    tu_write_file(path, "short", 5);
    assert_int_not_equal(crypto_load_master_key(path, false, k2, err, sizeof err), 0);
    tu_rmtree(dir);
    free(dir);
}

static void test_dates(void **state) {
    (void)state;
    int64_t ms = 0;
    assert_int_equal(time_parse_date("2026-11-23", &ms), 0);
    assert_int_equal(ms, 1795392000000LL);
    assert_int_not_equal(time_parse_date("2026-02-31", &ms), 0);
    assert_int_not_equal(time_parse_date("2026-13-01", &ms), 0);
    assert_int_not_equal(time_parse_date("2026-11-23x", &ms), 0);
    assert_int_not_equal(time_parse_date("yesterday", &ms), 0);
    char buf[32];
    time_format_iso(1795392000000LL, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-23T00:00:00Z");
}

static void *hold_slot(void *arg) {
    workgate *g = arg;
    if (workgate_enter(g)) {
        usleep(200000);
        workgate_leave(g);
    }
    return NULL;
}

static void test_workgate(void **state) {
    (void)state;
    workgate g;
    workgate_init(&g, 1, 1);
    assert_true(workgate_enter(&g)); /* running = 1 */
    pthread_t t;
    pthread_create(&t, NULL, hold_slot, &g); /* waits: queue = 1 */
    unsigned running = 0, waiting = 0;
    unsigned long long rejected = 0;
    for (int i = 0; i < 100 && waiting == 0; i++) {
        usleep(5000);
        workgate_stats(&g, &running, &waiting, &rejected);
    }
    assert_int_equal(waiting, 1);
    assert_false(workgate_enter(&g)); /* queue full: refused at once */
    workgate_stats(&g, &running, &waiting, &rejected);
    assert_int_equal(rejected, 1);
    workgate_leave(&g);
    pthread_join(t, NULL);
    workgate_stats(&g, &running, &waiting, &rejected);
    assert_int_equal(running, 0);
    assert_int_equal(waiting, 0);
    workgate_destroy(&g);
}

/* linear_solve: a 3 x 3 system needing a row swap, and a singular one */
static void test_linear_solve(void **state) {
    (void)state;
    double a[3][4] = {{0, 2, 1, 7}, {1, 1, 1, 6}, {2, 1, -1, 1}}; /* x = 1, 2, 3 */
    assert_true(linear_solve(&a[0][0], 3));
    for (int r = 0; r < 3; r++) assert_true(fabs(a[r][3] - (r + 1)) < 1e-9);
    double s[2][3] = {{1, 2, 3}, {2, 4, 6}};
    assert_false(linear_solve(&s[0][0], 2));
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_variants),  cmocka_unit_test(test_b64_rejects),
        cmocka_unit_test(test_b64_roundtrip), cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_config_listen), cmocka_unit_test(test_config_file),
        cmocka_unit_test(test_seal_open),     cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_dates),         cmocka_unit_test(test_workgate),
        cmocka_unit_test(test_linear_solve),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
