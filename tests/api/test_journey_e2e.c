/* End-to-end passport journey against the real server (issue 6's proof): journeyid → OkayID
 * (portrait crop) → OkayDoc ∥ OkayFace (ID portrait vs selfie, two requests at once) → OkayLive
 * → scorecard → complete → details decrypted with the openssl command-line tool → delete →
 * nothing of the journey left (rows, result images) and INVALID_JOURNEY_ID everywhere. The same
 * for a MyKad journey on the synthetic card in tests/data/mykad (its holder's own selfie from
 * LFW). Skips when ../shared/data is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "apiutil.h"
#include "imageutil.h"

#define PASSPORT tu_shared("documents/dev/images/Arg0s1080__mrz/passports_Canada.png")
#define SELFIE   tu_shared("faces-pairs/dev/images/lfw/Abel_Pacheco/Abel_Pacheco_0001.jpg")
#define USERPWD  "pat:pat-secret-123"
#define MYKAD    "tests/data/mykad/photo.jpg"
/* a face of the committed fixtures (the synthetic MyKad holder's portrait), for the tests that
 * need any face: written at setup */
static char g_face[600];
#define MYKAD_HOLDER_SELFIE tu_shared("faces-pairs/dev/images/lfw/Bo_Pelini/Bo_Pelini_0001.jpg")

static char *g_dir;
static api_server g_srv;
static char g_env[64];

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    if (!g_dir) return -1;
    snprintf(g_face, sizeof g_face, "%s/fixture-face.jpg", g_dir);
    if (iu_fixture_face_jpeg(g_face) != 0) return -1;
    snprintf(g_env, sizeof g_env, "EKYCD_LIVENESS_THRESHOLD=-2.2");
    if (api_add_account(g_dir, "pat", "pat-secret-123", "--allow-delete", "--steps",
                        "okayid,okaydoc,okayface,okaylive", NULL) != 0 ||
        api_add_account(g_dir, "quinn", "quinn-secret-123", "--allow-delete", NULL) != 0 ||
        api_server_start(&g_srv, g_dir, NULL, g_env) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

static void expect_success(api_resp *r) {
    assert_int_equal(r->status, 200);
    assert_non_null(r->json);
    assert_string_equal(api_str(r, "status"), "success");
}

static api_resp post_json_body(const char *path, json_t *body) {
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    api_resp r = api_post_json(g_srv.port, path, text);
    free(text);
    return r;
}

typedef struct {
    const char *journey, *passport_b64, *portrait_b64;
    api_resp doc, face;
} parallel_steps;

static void *run_okaydoc(void *arg) {
    parallel_steps *p = arg;
    p->doc = post_json_body("/api/ekyc/okaydoc",
                            json_pack("{s:s,s:s,s:s,s:s,s:s}", "journeyId", p->journey, "type",
                                      "passport", "version", "3", "country", "OTHER",
                                      "halfSizeImage", p->passport_b64));
    return NULL;
}

typedef struct {
    parallel_steps *steps;
    const char *selfie;
} face_args;

static void *run_okayface_with(void *arg) {
    face_args *f = arg;
    parallel_steps *p = f->steps;
    api_part parts[] = {{"journeyId", NULL, p->journey, NULL, 0},
                        {"imageIdCardBase64", NULL, p->portrait_b64, NULL, 0},
                        {"imageBest", f->selfie, NULL, NULL, 0}};
    p->face = api_post_form(g_srv.port, "/api/ekyc/okayface/v1-1", parts, 3, NULL);
    return NULL;
}

static void *run_okayface(void *arg) {
    face_args f = {arg, SELFIE};
    return run_okayface_with(&f);
}

/* GET details (the vendor's AES-128-CBC) and decrypt it with `openssl enc`. */
static json_t *details_via_openssl(const char *journey) {
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/details/%s", journey);
    api_resp r = api_get(g_srv.port, path, USERPWD);
    expect_success(&r);
    char key[17];
    assert_int_equal(api_details_key(g_dir, "pat", key), 0);
    json_t *doc = api_openssl_details(g_dir, api_str(&r, "result"), key);
    api_resp_free(&r);
    return doc;
}

static long long rows_left(const char *journey) {
    char sql[800];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM journeys WHERE id='%s') + (SELECT count(*) FROM results "
             "WHERE journey_id='%s') + (SELECT count(*) FROM blobs WHERE journey_id='%s') + "
             "(SELECT count(*) FROM capture_nonces WHERE journey_id='%s') + (SELECT count(*) FROM "
             "public_images WHERE journey_id='%s') + (SELECT count(*) FROM jobs WHERE "
             "journey_id='%s')",
             journey, journey, journey, journey, journey, journey);
    return api_store_count(g_dir, sql);
}

/* DELETE /api/ekyc/details/{id}: nothing of the journey is left in any table and its details
 * answer INVALID_JOURNEY_ID. */
static void delete_and_expect_gone(const char *journey) {
    char path[128];
    snprintf(path, sizeof path, "/api/ekyc/details/%s", journey);
    assert_true(rows_left(journey) > 0);
    api_req del = {.method = "DELETE", .path = path, .userpwd = USERPWD};
    api_resp gone = api_call(g_srv.port, &del);
    expect_success(&gone);
    api_resp_free(&gone);
    assert_int_equal(rows_left(journey), 0);
    gone = api_get(g_srv.port, path, USERPWD);
    assert_string_equal(api_str(&gone, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&gone);
}

static void test_passport_journey(void **state) {
    (void)state;
    TU_NEED_SHARED(PASSPORT);
    TU_NEED_SHARED(SELFIE);
    char journey[64];
    api_new_journey(g_srv.port, "pat", "pat-secret-123", journey);

    /* OkayID: the MRZ read and the portrait cut out */
    char *passport = api_file_base64(PASSPORT);
    assert_non_null(passport);
    api_resp id =
        post_json_body("/api/ekyc/okayid",
                       json_pack("{s:s,s:s,s:b,s:b}", "journeyId", journey, "base64ImageString",
                                 passport, "faceImageEnabled", 1, "docTypeEnabled", 1));
    expect_success(&id);
    assert_string_equal(api_str(&id, "documentType"), "Canada - Passport");
    const char *portrait = api_str(&id, "faceImage");
    assert_non_null(portrait);

    /* OkayDoc and OkayFace at the same time, as a client runs them */
    parallel_steps p = {.journey = journey, .passport_b64 = passport, .portrait_b64 = portrait};
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, run_okaydoc, &p), 0);
    assert_int_equal(pthread_create(&b, NULL, run_okayface, &p), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    expect_success(&p.doc);
    expect_success(&p.face);
    /* OkayDoc's images: the measured region and the portrait, served as JPEG by their URLs */
    json_t *colour =
        json_array_get(json_object_get(json_array_get(json_object_get(p.doc.json, "methodList"), 0),
                                       "componentList"),
                       0);
    assert_string_equal(json_string_value(json_object_get(colour, "code")), "colorDetection");
    char region_url[200], face_url[200];
    snprintf(region_url, sizeof region_url, "%s",
             json_string_value(json_object_get(colour, "imageUrl")));
    json_t *out = json_array_get(json_object_get(p.doc.json, "outputImageList"), 0);
    assert_string_equal(json_string_value(json_object_get(out, "tag")), "idFace");
    snprintf(face_url, sizeof face_url, "%s", json_string_value(json_object_get(out, "imageUrl")));
    assert_int_equal(strncmp(region_url, "/public/passport/image/", 23), 0);
    const char *urls[] = {region_url, face_url};
    for (int i = 0; i < 2; i++) {
        api_resp img = api_get(g_srv.port, urls[i], NULL);
        assert_int_equal(img.status, 200);
        assert_non_null(strstr(img.content_type, "image/jpeg"));
        assert_true(img.len > 1000);
        assert_int_equal((unsigned char)img.body[0], 0xFF);
        assert_int_equal((unsigned char)img.body[1], 0xD8);
        api_resp_free(&img);
    }
    /* the same id under the other route, an unknown type, an unknown id: 404 alike */
    char wrong[240];
    snprintf(wrong, sizeof wrong, "/public/image/v2/%s", region_url + 23);
    const char *misses[] = {wrong, "/public/passport/image/00000000-0000-4000-8000-000000000000"
                                   "?type=colorDetection"};
    for (int i = 0; i < 2; i++) {
        api_resp img = api_get(g_srv.port, misses[i], NULL);
        assert_int_equal(img.status, 404);
        assert_string_equal(api_str(&img, "message"), "IMAGE_NOT_FOUND");
        api_resp_free(&img);
    }
    char *q = strstr(region_url, "?type=");
    assert_non_null(q);
    snprintf(wrong, sizeof wrong, "%.*s?type=holoFace", (int)(q - region_url), region_url);
    api_resp miss = api_get(g_srv.port, wrong, NULL);
    assert_int_equal(miss.status, 404);
    api_resp_free(&miss);
    double confidence = json_number_value(
        json_object_get(json_object_get(p.face.json, "result_idcard"), "confidence"));
    assert_true(confidence >= 0 && confidence < 75); /* a stranger's selfie */

    /* OkayLive */
    api_part live[] = {{"journeyId", NULL, journey, NULL, 0}, {"imageBest", SELFIE, NULL, NULL, 0}};
    api_resp lv = api_post_form(g_srv.port, "/api/ekyc/okaylive", live, 2, NULL);
    expect_success(&lv);

    /* scorecard: the passport rules over what was measured; a stranger is not "clear" */
    char path[160];
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", journey);
    api_resp sc = api_get(g_srv.port, path, NULL);
    expect_success(&sc);
    json_t *entry = json_array_get(json_object_get(sc.json, "scorecardResultList"), 0);
    assert_non_null(entry);
    assert_string_equal(json_string_value(json_object_get(entry, "docType")), "passport");
    const char *verdict = json_string_value(json_object_get(entry, "scorecardStatus"));
    assert_non_null(verdict);
    assert_string_not_equal(verdict, "clear");

    /* complete; the journey is read-only afterwards */
    char body[160];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", journey);
    api_resp done = api_post_json(g_srv.port, "/api/ekyc/complete", body);
    expect_success(&done);
    json_int_t completed = json_integer_value(json_object_get(done.json, "completeDateTime"));
    assert_true(completed > 0);
    api_resp again = api_post_form(g_srv.port, "/api/ekyc/okaylive", live, 2, NULL);
    assert_string_equal(api_str(&again, "message"), "JOURNEY_COMPLETED");
    api_resp_free(&again);

    /* details, decrypted with openssl: every step, the scorecard, the completion time */
    json_t *doc = details_via_openssl(journey);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "id")), journey);
    assert_int_equal(json_array_size(json_object_get(doc, "okayIds")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "okayDocs")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "okayFaces")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "okayLives")), 1);
    json_t *card = json_array_get(json_object_get(doc, "scorecard"), 0);
    assert_string_equal(json_string_value(json_object_get(card, "scorecardStatus")), verdict);
    assert_int_equal(json_integer_value(json_object_get(doc, "completeDateTime")), completed);
    json_decref(doc);

    /* delete: nothing left, the id is unknown everywhere */
    delete_and_expect_gone(journey);
    api_resp gone;
    for (int i = 0; i < 2; i++) { /* the images went with the journey */
        gone = api_get(g_srv.port, urls[i], NULL);
        assert_int_equal(gone.status, 404);
        api_resp_free(&gone);
    }
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", journey);
    gone = api_get(g_srv.port, path, NULL);
    assert_string_equal(api_str(&gone, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&gone);

    api_resp_free(&done);
    api_resp_free(&sc);
    api_resp_free(&lv);
    api_resp_free(&p.doc);
    api_resp_free(&p.face);
    api_resp_free(&id);
    free(passport);
}

/* An OkayID field's Field_Visual by wFieldType and wLCID, or NULL. */
static const char *visual(json_t *okayid, int type, int lcid) {
    json_t *maps = json_object_get(
        json_object_get(json_array_get(json_object_get(okayid, "result"), 0), "ListVerifiedFields"),
        "pFieldMaps");
    for (size_t i = 0; i < json_array_size(maps); i++) {
        json_t *f = json_array_get(maps, i);
        if (json_integer_value(json_object_get(f, "wFieldType")) == type &&
            json_integer_value(json_object_get(f, "wLCID")) == lcid)
            return json_string_value(json_object_get(f, "Field_Visual"));
    }
    return NULL;
}

/* A method's component of an OkayDoc answer, or NULL. */
static json_t *doc_component(json_t *okaydoc, const char *method, const char *code) {
    json_t *list = json_object_get(okaydoc, "methodList");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *m = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(m, "method")), method) != 0) continue;
        json_t *components = json_object_get(m, "componentList");
        for (size_t k = 0; k < json_array_size(components); k++) {
            json_t *c = json_array_get(components, k);
            if (!strcmp(json_string_value(json_object_get(c, "code")), code)) return c;
        }
    }
    return NULL;
}

static const char *check_status(json_t *entry, const char *check) {
    json_t *list = json_object_get(entry, "checkResultList");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *c = json_array_get(list, i);
        if (!strcmp(json_string_value(json_object_get(c, "checkType")), check))
            return json_string_value(json_object_get(c, "checkStatus"));
    }
    return NULL;
}

static void test_mykad_journey(void **state) {
    (void)state;
    TU_NEED_SHARED(MYKAD_HOLDER_SELFIE);
    json_t *truth = json_load_file("tests/data/mykad/photo.json", 0, NULL);
    assert_non_null(truth);
    char journey[64];
    api_new_journey(g_srv.port, "pat", "pat-secret-123", journey);

    /* OkayID reads the card's fields and cuts out the portrait */
    char *card = api_file_base64(MYKAD);
    assert_non_null(card);
    api_resp id =
        post_json_body("/api/ekyc/okayid", json_pack("{s:s,s:s,s:b,s:b,s:b}", "journeyId", journey,
                                                     "base64ImageString", card, "faceImageEnabled",
                                                     1, "docTypeEnabled", 1, "imageEnabled", 1));
    expect_success(&id);
    assert_string_equal(api_str(&id, "documentType"), "Malaysia - Id Card #2");
    assert_string_equal(visual(id.json, 1, 0), "MYS");
    assert_string_equal(visual(id.json, 2, 0),
                        json_string_value(json_object_get(truth, "icNumber")));
    assert_string_equal(visual(id.json, 5, 0),
                        json_string_value(json_object_get(truth, "birthDate")));
    assert_string_equal(visual(id.json, 25, 0), json_string_value(json_object_get(truth, "name")));
    assert_string_equal(visual(id.json, 17, 0),
                        json_string_value(json_object_get(truth, "address")));
    assert_string_equal(visual(id.json, 12, 1086),
                        json_string_value(json_object_get(truth, "sexWord")));
    assert_string_equal(visual(id.json, 12, 0), json_string_value(json_object_get(truth, "sex")));
    assert_string_equal(visual(id.json, 38, 0), "Malaysia");
    assert_string_equal(visual(id.json, 433, 0), "WARGANEGARA");
    assert_null(visual(id.json, 51, 0)); /* no MRZ on a MyKad */
    const char *portrait = api_str(&id, "faceImage");
    assert_non_null(portrait);
    assert_int_equal(json_array_size(json_object_get(id.json, "images")), 1);

    /* OkayDoc (MyKad checks) and OkayFace (the holder's own selfie) at once */
    parallel_steps p = {.journey = journey, .portrait_b64 = portrait};
    pthread_t b;
    assert_int_equal(
        pthread_create(&b, NULL, run_okayface_with, &(face_args){&p, MYKAD_HOLDER_SELFIE}), 0);
    p.doc = post_json_body(
        "/api/ekyc/okaydoc",
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:b}", "journeyId", journey, "type",
                  "nonpassport", "docType", "mykad", "version", "7-1", "idImageBase64Image", card,
                  "idNumber", json_string_value(json_object_get(truth, "icFormatted")),
                  "landmarkCheck", 1, "fontCheck", 1, "icTypeCheck", 1, "colorMode", 1,
                  "screenDetection", 1, "photoSubstitutionCheck", 1));
    pthread_join(b, NULL);
    expect_success(&p.doc);
    expect_success(&p.face);
    json_t *c = doc_component(p.doc.json, "font", "f-id-no");
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "value")), "Pass");
    c = doc_component(p.doc.json, "docType", "docType");
    assert_string_equal(json_string_value(json_object_get(c, "value")), "New IC");
    const char *landmarks[] = {"l-mykad-header", "l-mykad-logo", "l-chip"};
    for (int i = 0; i < 3; i++) {
        c = doc_component(p.doc.json, "landmark", landmarks[i]);
        assert_non_null(c);
        assert_true(atof(json_string_value(json_object_get(c, "value"))) >= 60);
    }
    c = doc_component(p.doc.json, "landmark", "l-hibiscus");
    assert_string_equal(json_string_value(json_object_get(c, "value")), "NotPerformed");
    c = doc_component(p.doc.json, "substitution", "substitution");
    assert_string_equal(json_string_value(json_object_get(c, "value")), "NotPerformed");
    assert_non_null(json_object_get(c, "reason"));
    double confidence = json_number_value(
        json_object_get(json_object_get(p.face.json, "result_idcard"), "confidence"));
    assert_true(confidence >= 75); /* the card's holder */

    api_part live[] = {{"journeyId", NULL, journey, NULL, 0},
                       {"imageBest", MYKAD_HOLDER_SELFIE, NULL, NULL, 0}};
    api_resp lv = api_post_form(g_srv.port, "/api/ekyc/okaylive", live, 2, NULL);
    expect_success(&lv);

    /* scorecard: the mykad_new rules over what OkayDoc measured */
    char path[160];
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", journey);
    api_resp sc = api_get(g_srv.port, path, NULL);
    expect_success(&sc);
    json_t *entry = json_array_get(json_object_get(sc.json, "scorecardResultList"), 0);
    assert_non_null(entry);
    assert_string_equal(json_string_value(json_object_get(entry, "docType")), "mykad_new");
    assert_string_equal(check_status(entry, "landmark"), "P");
    assert_string_equal(check_status(entry, "idNoFontCheck"), "P");
    assert_string_equal(check_status(entry, "facialVerification"), "P");

    char body[160];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", journey);
    api_resp done = api_post_json(g_srv.port, "/api/ekyc/complete", body);
    expect_success(&done);

    /* details hold the MyKad reading */
    json_t *doc = details_via_openssl(journey);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "okayIds")), 1);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    assert_non_null(strstr(text, json_string_value(json_object_get(truth, "icNumber"))));
    assert_non_null(strstr(text, "Malaysia - Id Card #2"));
    free(text);
    json_decref(doc);

    /* delete: nothing left */
    delete_and_expect_gone(journey);

    api_resp_free(&done);
    api_resp_free(&sc);
    api_resp_free(&lv);
    api_resp_free(&p.doc);
    api_resp_free(&p.face);
    api_resp_free(&id);
    free(card);
    json_decref(truth);
}

/* The body holds nothing that belongs to the journey: no result ids, no steps, no document. */
static void expect_nothing_of(api_resp *r, const char *result_id) {
    assert_int_equal(r->status, 200);
    assert_string_equal(api_str(r, "status"), "error");
    assert_null(json_object_get(r->json, "result"));
    assert_null(json_object_get(r->json, "results"));
    if (result_id) assert_null(strstr(r->body, result_id));
}

static void test_other_account_gets_nothing(void **state) {
    (void)state;
    char journey[64], path[200];
    api_new_journey(g_srv.port, "pat", "pat-secret-123", journey);
    api_part live[] = {{"journeyId", NULL, journey, NULL, 0}, {"imageBest", g_face, NULL, NULL, 0}};
    char result_id[64] = "";
    api_resp lv = api_post_form(g_srv.port, "/api/ekyc/okaylive", live, 2, NULL);
    expect_success(&lv);
    api_resp_free(&lv);
    snprintf(path, sizeof path, "/api/ekyc/journey/%s", journey);
    api_resp st = api_get(g_srv.port, path, USERPWD);
    json_t *first = json_array_get(json_object_get(st.json, "results"), 0);
    snprintf(result_id, sizeof result_id, "%s", json_string_value(json_object_get(first, "id")));
    api_resp_free(&st);
    assert_int_equal(strlen(result_id), 36);
    const char *rid = result_id;
    const char *gets[][2] = {{"/api/ekyc/journey/", ""},
                             {"/api/ekyc/details/", ""},
                             {"/api/ekyc/details/", "?enc=none"},
                             {"/api/ekyc/details/", "?enc=aes-256-gcm"}};
    for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
        snprintf(path, sizeof path, "%s%s%s", gets[i][0], journey, gets[i][1]);
        api_resp r = api_get(g_srv.port, path, "quinn:quinn-secret-123");
        expect_nothing_of(&r, rid);
        api_resp_free(&r);
    }
    const char *dels[] = {"/api/ekyc/details/", "/api/ekyc/journey/"};
    for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
        snprintf(path, sizeof path, "%s%s", dels[i], journey);
        api_req del = {.method = "DELETE", .path = path, .userpwd = "quinn:quinn-secret-123"};
        api_resp r = api_call(g_srv.port, &del);
        expect_nothing_of(&r, rid);
        api_resp_free(&r);
    }
    /* the journey and its results are still there for their owner */
    snprintf(path, sizeof path, "/api/ekyc/details/%s?enc=none", journey);
    api_resp mine = api_get(g_srv.port, path, USERPWD);
    expect_success(&mine);
    assert_non_null(strstr(mine.body, rid));
    api_resp_free(&mine);

    /* blacklists are per account: quinn neither sees nor deletes pat's faces */
    api_part face[] = {{"label", NULL, "pat-watch", NULL, 0}, {"image", g_face, NULL, NULL, 0}};
    api_resp add = api_post_form(g_srv.port, "/api/ekyc/blacklist/faces", face, 2, USERPWD);
    expect_success(&add);
    char face_id[64];
    snprintf(face_id, sizeof face_id, "%s", api_str(&add, "id"));
    api_resp_free(&add);
    api_resp list = api_get(g_srv.port, "/api/ekyc/blacklist/faces", "quinn:quinn-secret-123");
    assert_int_equal(json_array_size(json_object_get(list.json, "faces")), 0);
    assert_null(strstr(list.body, "pat-watch"));
    api_resp_free(&list);
    snprintf(path, sizeof path, "/api/ekyc/blacklist/faces/%s", face_id);
    api_req del = {.method = "DELETE", .path = path, .userpwd = "quinn:quinn-secret-123"};
    api_resp r = api_call(g_srv.port, &del);
    assert_string_equal(api_str(&r, "message"), "INVALID_FACE_ID");
    api_resp_free(&r);
    list = api_get(g_srv.port, "/api/ekyc/blacklist/faces", USERPWD);
    assert_int_equal(json_array_size(json_object_get(list.json, "faces")), 1);
    api_resp_free(&list);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passport_journey),
        cmocka_unit_test(test_mykad_journey),
        cmocka_unit_test(test_other_account_gets_nothing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
