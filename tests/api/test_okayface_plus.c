/* API tests for OkayFace Plus (emas.md §4.5) with ekycd's capture bundle (docs/capture-bundle.md)
 * against the real server: a bundle built as a client SDK would (capture key from
 * /api/ekyc/capture-key, HMAC-SHA-256 with libsodium) scores high; replayed, altered, foreign,
 * forged, late, virtual-camera and malformed bundles score low with the reason; a missing one is
 * MISSING_ARGUMENTS. Photo-based tests skip when ../shared/data is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "apiutil.h"
#include "imageutil.h"
#include "util/b64.h"

#define LFW(rel) tu_shared("faces-pairs/dev/images/lfw/" rel)
#define ID_FACE  LFW("Abel_Pacheco/Abel_Pacheco_0004.jpg")
#define SELFIE   LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg")
#define OTHER    LFW("Dean_Barker/Dean_Barker_0001.jpg")

static char *g_dir;
static api_server g_srv;
/* a face of the committed fixtures (the synthetic MyKad holder's portrait), written at setup:
 * the bundle tests that need any face run on a fresh clone too */
static char g_face[600];

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    if (sodium_init() < 0) return -1;
    g_dir = tu_mkdtemp();
    if (!g_dir) return -1;
    snprintf(g_face, sizeof g_face, "%s/fixture-face.jpg", g_dir);
    if (iu_fixture_face_jpeg(g_face) != 0) return -1;
    if (api_add_account(g_dir, "alice", "alice-secret-1", NULL) != 0 ||
        api_server_start(&g_srv, g_dir, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

typedef struct {
    char nonce[64];
    unsigned char key[32];
    long long issued_at;
} capture_key;

static void get_capture_key(const char *journey, capture_key *k) {
    char body[128];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", journey);
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/capture-key", body);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "algorithm"), "HMAC-SHA256");
    snprintf(k->nonce, sizeof k->nonce, "%s", api_str(&r, "nonce"));
    const char *key = api_str(&r, "key");
    unsigned char *raw = NULL;
    size_t n = 0;
    assert_int_equal(b64_decode(key, strlen(key), 64, &raw, &n), B64_OK);
    assert_int_equal(n, 32);
    memcpy(k->key, raw, 32);
    free(raw);
    k->issued_at = json_integer_value(json_object_get(r.json, "issuedAt"));
    assert_true(json_integer_value(json_object_get(r.json, "expiresAt")) > k->issued_at);
    api_resp_free(&r);
}

typedef struct {
    const char *journey; /* in the payload */
    const char *image;   /* whose SHA-256 goes in the payload */
    const char *camera;
    long long started, ended; /* ms; 0 = just after the key was issued / now */
    int forge;                /* sign with a wrong key */
} bundle_spec;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The mobileSdkData JSON a client SDK sends (caller frees). */
static char *make_bundle(const capture_key *k, const bundle_spec *s) {
    size_t n = 0;
    unsigned char *img = tu_read_file(s->image, &n);
    assert_non_null(img);
    unsigned char sha[32];
    crypto_hash_sha256(sha, img, n);
    free(img);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
    long long now = now_ms(), started = s->started ? s->started : k->issued_at + 1;
    long long ended = s->ended ? s->ended : (now > started ? now : started + 1);
    json_t *payload = json_pack(
        "{s:s,s:s,s:s,s:I,s:I,s:{s:s,s:s},s:{s:s,s:s,s:b}}", "journeyId", s->journey, "nonce",
        k->nonce, "imageSha256", hex, "captureStartedAt", (json_int_t)started, "capturedAt",
        (json_int_t)ended, "camera", "label", s->camera ? s->camera : "camera2 1, facing front",
        "facing", "user", "device", "os", "ANDROID", "model", "Pixel 7", "emulator", 0);
    char *text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    unsigned char key[32], mac[32];
    memcpy(key, k->key, 32);
    if (s->forge) key[0] ^= 1;
    crypto_auth_hmacsha256(mac, (const unsigned char *)text, strlen(text), key);
    char *p64 = b64_encode((const unsigned char *)text, strlen(text));
    char *m64 = b64_encode(mac, sizeof mac);
    json_t *env = json_pack("{s:i,s:s,s:s,s:s}", "version", 1, "nonce", k->nonce, "payload", p64,
                            "signature", m64);
    char *out = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    free(text), free(p64), free(m64);
    return out;
}

static api_resp post_plus_with(const char *id_image, const char *journey, const char *selfie,
                               const char *bundle) {
    api_part p[] = {{"journeyId", NULL, journey, NULL, 0},
                    {"imageIdCard", id_image, NULL, NULL, 0},
                    {"imageBest", selfie, NULL, NULL, 0},
                    {"mobileSdkData", NULL, NULL, bundle, bundle ? strlen(bundle) : 0}};
    return api_post_form(g_srv.port, "/api/ekyc/okayface-plus/v1", p, bundle ? 4 : 3, NULL);
}

static api_resp post_plus(const char *journey, const char *selfie, const char *bundle) {
    return post_plus_with(ID_FACE, journey, selfie, bundle);
}

static json_t *capture_of(api_resp *r) {
    assert_int_equal(r->status, 200);
    assert_string_equal(api_str(r, "status"), "success");
    json_t *c = json_object_get(r->json, "imageBestCaptureLiveness");
    assert_non_null(c);
    return c;
}

static double probability(json_t *c) {
    return json_number_value(json_object_get(c, "probability"));
}

static int has_reason(json_t *c, const char *reason) {
    json_t *list = json_object_get(c, "reasons"), *v;
    size_t i;
    json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), reason)) return 1;
    return 0;
}

/* One fresh journey and key, one call with the bundle spec; returns the capture object's
 * probability and checks for `reason` (NULL: no reason at all). */
static double run_case(bundle_spec s, const char *selfie, const char *reason) {
    char journey[64];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", journey);
    capture_key k;
    get_capture_key(journey, &k);
    if (!s.journey) s.journey = journey;
    if (!s.image) s.image = SELFIE;
    char *bundle = make_bundle(&k, &s);
    api_resp r = post_plus(journey, selfie, bundle);
    json_t *c = capture_of(&r);
    double p = probability(c);
    if (reason)
        assert_true(has_reason(c, reason));
    else
        assert_int_equal(json_array_size(json_object_get(c, "reasons")), 0);
    api_resp_free(&r);
    free(bundle);
    return p;
}

static void test_genuine_capture(void **state) {
    (void)state;
    TU_NEED_SHARED(SELFIE);
    char journey[64];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", journey);
    capture_key k;
    get_capture_key(journey, &k);
    bundle_spec s = {.journey = journey, .image = SELFIE};
    char *bundle = make_bundle(&k, &s);
    api_resp r = post_plus(journey, SELFIE, bundle);
    json_t *c = capture_of(&r);
    assert_true(probability(c) > 0.5);
    assert_true(json_number_value(json_object_get(c, "score")) > 0);
    assert_int_equal(json_array_size(json_object_get(c, "reasons")), 0);
    assert_true(json_number_value(json_object_get(json_object_get(r.json, "result_idcard"),
                                                  "confidence")) >= 75.0);
    /* passive liveness at the shipped default threshold (this server is not calibrated) */
    json_t *passive = json_object_get(r.json, "imageBestLiveness");
    assert_true(json_is_object(passive));
    assert_true(json_is_number(json_object_get(passive, "probability")));
    api_resp_free(&r);

    /* the same bundle again: replay */
    r = post_plus(journey, SELFIE, bundle);
    c = capture_of(&r);
    assert_true(probability(c) < 0.5);
    assert_true(has_reason(c, "NONCE_REUSED"));
    api_resp_free(&r);
    free(bundle);
}

static void test_attacks_score_low(void **state) {
    (void)state;
    TU_NEED_SHARED(SELFIE);
    /* a different selfie than the one the bundle vouches for */
    assert_true(run_case((bundle_spec){0}, OTHER, "IMAGE_MISMATCH") < 0.5);
    /* signed with another key */
    assert_true(run_case((bundle_spec){.forge = 1}, SELFIE, "SIGNATURE_INVALID") < 0.5);
    /* made for another journey */
    char other[64];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", other);
    assert_true(run_case((bundle_spec){.journey = other}, SELFIE, "FOREIGN_JOURNEY") < 0.5);
    /* a virtual camera */
    assert_true(run_case((bundle_spec){.camera = "OBS Virtual Camera"}, SELFIE, "VIRTUAL_CAMERA") <
                0.5);
    /* captured before the key existed */
    assert_true(run_case((bundle_spec){.started = 1000, .ended = 2000}, SELFIE,
                         "CAPTURE_TIME_INVALID") < 0.5);
    /* a camera whose name merely contains "obs" inside a word is not flagged */
    assert_true(run_case((bundle_spec){.camera = "Globshutter HD"}, SELFIE, NULL) > 0.5);
}

static void test_key_of_one_journey_on_another(void **state) {
    (void)state;
    TU_NEED_SHARED(SELFIE);
    char a[64], b[64];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", a);
    api_new_journey(g_srv.port, "alice", "alice-secret-1", b);
    capture_key k;
    get_capture_key(a, &k);
    bundle_spec s = {.journey = b, .image = SELFIE}; /* payload claims journey b */
    char *bundle = make_bundle(&k, &s);
    api_resp r = post_plus(b, SELFIE, bundle);
    json_t *c = capture_of(&r);
    assert_true(probability(c) < 0.5);
    assert_true(has_reason(c, "FOREIGN_JOURNEY"));
    api_resp_free(&r);
    free(bundle);
}

static void test_bad_bundles(void **state) {
    (void)state;
    char journey[64];
    api_new_journey(g_srv.port, "alice", "alice-secret-1", journey);
    /* committed fixtures only: the synthetic MyKad as the ID, its holder's portrait as selfie */
    api_resp r = post_plus_with(IU_CARD, journey, g_face, NULL);
    assert_string_equal(api_str(&r, "status"), "error");
    assert_string_equal(api_str(&r, "message"), "MISSING_ARGUMENTS");
    api_resp_free(&r);
    const char *bad[] = {"not json at all", "{\"version\":1}", "[1,2,3]",
                         "{\"version\":2,\"nonce\":\"a\",\"payload\":\"e30=\",\"signature\":\"\"}"};
    /* a bundle ekycd cannot read (a vendor SDK's, say): the capture figure is not measured -
     * null, not a number that looks like a measured attack - and the passive figure is there */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = post_plus_with(IU_CARD, journey, g_face, bad[i]);
        json_t *c = capture_of(&r);
        assert_true(json_is_null(json_object_get(c, "probability")));
        assert_true(json_is_null(json_object_get(c, "score")));
        assert_true(json_is_false(json_object_get(c, "measured")));
        assert_true(has_reason(c, "BUNDLE_MALFORMED"));
        json_t *passive = json_object_get(r.json, "imageBestLiveness");
        assert_true(json_is_number(json_object_get(passive, "probability")));
        api_resp_free(&r);
    }
    /* well formed, but a nonce the server never issued */
    capture_key k = {.nonce = "0123456789abcdef0123456789abcdef"};
    bundle_spec s = {.journey = journey, .image = g_face};
    char *bundle = make_bundle(&k, &s);
    r = post_plus_with(IU_CARD, journey, g_face, bundle);
    assert_true(has_reason(capture_of(&r), "UNKNOWN_NONCE"));
    assert_true(probability(capture_of(&r)) < 0.5); /* measured: the bundle was read */
    assert_true(json_is_true(json_object_get(capture_of(&r), "measured")));
    api_resp_free(&r);
    free(bundle);
    /* capture keys only for live journeys */
    r = api_post_json(g_srv.port, "/api/ekyc/capture-key",
                      "{\"journeyId\":\"00000000-0000-4000-8000-000000000000\"}");
    assert_string_equal(api_str(&r, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/capture-key", "{\"journeyId\": ");
    assert_int_equal(r.status, 400);
    assert_string_equal(api_str(&r, "message"), "MALFORMED_JSON");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/capture-key", "{}");
    assert_string_equal(api_str(&r, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    api_req text = {.method = "POST",
                    .path = "/api/ekyc/capture-key",
                    .content_type = "text/plain",
                    .body = "journeyId",
                    .body_len = 9};
    r = api_call(g_srv.port, &text);
    assert_int_equal(r.status, 415);
    api_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genuine_capture),
        cmocka_unit_test(test_attacks_score_low),
        cmocka_unit_test(test_key_of_one_journey_on_another),
        cmocka_unit_test(test_bad_bundles),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
