/* API tests for POST /api/ekyc/okayid (emas.md §4.2, docs/okayid.md): an MRZ document read in
 * any orientation into the Regula field list, the optional crops and document type, the result
 * kept on the journey, and every kind of bad input answered with a clear code. The document is
 * tests/data/mrz_td3.png, rendered by text2image from the ICAO 9303 specimen (mrz_td3.txt); the
 * other mrz_td3_*.png pages are rendered the same way from their .txt (`text2image --font="OCR B"
 * --ptsize=5 --leading=14 --char_spacing=0.3 --xsize=900 --ysize=360 --margin=30`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "apiutil.h"
#include "util/b64.h"
#include "vision/image.h"

#define TD3_IMAGE "tests/data/mrz_td3.png"
#define LINE1     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define LINE2     "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

static char *g_dir;
static api_server g_srv;

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    if (api_add_account(g_dir, "ida", "ida-secret-123", "--steps", "okayid", NULL) != 0 ||
        api_add_account(g_dir, "quinn", "quinn-secret-1", "--max-api-calls", "2", NULL) != 0 ||
        api_server_start(&g_srv, g_dir, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return api_group_end(&g_srv, g_dir);
}

static void new_journey(char out[64]) {
    api_new_journey(g_srv.port, "ida", "ida-secret-123", out);
    assert_true(out[0] != '\0');
}

/* base64 of bytes, or of a file when path is set */
static char *base64_of(const char *path, const void *bytes, size_t len) {
    unsigned char *data = NULL;
    if (path) {
        data = tu_read_file(path, &len);
        assert_non_null(data);
        bytes = data;
    }
    char *text = b64_encode(bytes, len);
    free(data);
    assert_non_null(text);
    return text;
}

static api_resp okayid(const char *journey_id, const char *image_b64, const char *extra) {
    size_t n = strlen(image_b64) + 512;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"journeyId\":\"%s\",\"base64ImageString\":\"%s\"%s}", journey_id,
             image_b64, extra ? extra : "");
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/okayid", body);
    free(body);
    return r;
}

static void expect_code(api_resp *r, const char *code) {
    assert_int_equal(r->status, 200);
    assert_string_equal(api_str(r, "status"), "error");
    assert_string_equal(api_str(r, "message"), code);
}

/* An OkayID error: the code, and "result": null whatever step refused the call. */
static void expect_okayid_code(api_resp *r, const char *code) {
    expect_code(r, code);
    json_t *result = json_object_get(r->json, "result");
    assert_non_null(result);
    assert_true(json_is_null(result));
}

/* The field of wFieldType `type` in the first result, or NULL. */
static json_t *field(api_resp *r, int type) {
    json_t *maps =
        json_object_get(json_object_get(json_array_get(json_object_get(r->json, "result"), 0),
                                        "ListVerifiedFields"),
                        "pFieldMaps");
    for (size_t i = 0; i < json_array_size(maps); i++) {
        json_t *f = json_array_get(maps, i);
        if (json_integer_value(json_object_get(f, "wFieldType")) == type) return f;
    }
    return NULL;
}

static const char *mrz_value(api_resp *r, int type) {
    return json_string_value(json_object_get(field(r, type), "Field_MRZ"));
}

static int matrix_at(api_resp *r, int type, int index) {
    return (int)json_integer_value(
        json_array_get(json_object_get(field(r, type), "Matrix"), (size_t)index));
}

static int mrz_validity(api_resp *r, int type) {
    return matrix_at(r, type, 0);
}

static const char *visual_value(api_resp *r, int type) {
    return json_string_value(json_object_get(field(r, type), "Field_Visual"));
}

static void test_passport_fields(void **state) {
    (void)state;
    char id[64];
    new_journey(id);
    char *img = base64_of(TD3_IMAGE, NULL, 0);
    api_resp r = okayid(id, img, ",\"docTypeEnabled\":true");
    free(img);
    assert_int_equal(r.status, 200);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "message"), "");
    assert_string_equal(mrz_value(&r, 51), LINE1 "^" LINE2);
    assert_string_equal(mrz_value(&r, 0), "P");
    assert_string_equal(mrz_value(&r, 1), "UTO");
    assert_string_equal(mrz_value(&r, 2), "L898902C3");
    assert_string_equal(mrz_value(&r, 5), "1974-08-12");
    assert_string_equal(mrz_value(&r, 3), "2012-04-15");
    assert_string_equal(mrz_value(&r, 8), "ERIKSSON");
    assert_string_equal(mrz_value(&r, 9), "ANNA MARIA");
    assert_string_equal(mrz_value(&r, 25), "ERIKSSON ANNA MARIA");
    assert_string_equal(mrz_value(&r, 12), "F");
    assert_string_equal(mrz_value(&r, 80), "6");
    assert_string_equal(mrz_value(&r, 84), "0");
    /* check digits verified; ICAO's fictitious state is not a valid code */
    assert_int_equal(mrz_validity(&r, 80), 1);
    assert_int_equal(mrz_validity(&r, 84), 1);
    assert_int_equal(mrz_validity(&r, 1), 2);
    assert_int_equal(mrz_validity(&r, 2), 1);
    json_t *f = field(&r, 2);
    assert_int_equal(json_integer_value(json_object_get(f, "FieldType")), 2);
    assert_int_equal(json_array_size(json_object_get(f, "Matrix")), 10);
    /* MRZ versus visual zone: the page prints the birth date and sex, not the number */
    assert_true(json_is_null(json_object_get(f, "Field_Visual")));
    assert_int_equal(matrix_at(&r, 2, 5), 0);
    assert_string_equal(visual_value(&r, 5), "1974-08-12");
    assert_int_equal(matrix_at(&r, 5, 5), 3);
    assert_string_equal(visual_value(&r, 12), "F");
    assert_int_equal(matrix_at(&r, 12, 5), 3);
    assert_int_equal(matrix_at(&r, 8, 5), 0); /* names are not compared */
    assert_null(field(&r, 38));               /* no name for UTO */
    assert_string_equal(api_str(&r, "documentType"), "UTO - Passport");
    assert_null(json_object_get(r.json, "images"));
    assert_null(json_object_get(r.json, "faceImage"));
    api_resp_free(&r);

    /* the result is kept on the journey, so the okayid step counts for complete */
    char body[128];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", id);
    r = api_post_json(g_srv.port, "/api/ekyc/complete", body);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    /* and a completed journey takes no more documents */
    img = base64_of(TD3_IMAGE, NULL, 0);
    r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "JOURNEY_COMPLETED");
    api_resp_free(&r);
}

/* The test page, decoded. */
static image load_page(void) {
    size_t len = 0;
    unsigned char *png = tu_read_file(TD3_IMAGE, &len);
    assert_non_null(png);
    image page;
    char err[128];
    assert_int_equal(image_decode(png, len, 1u << 24, &page, err, sizeof err), IMG_OK);
    free(png);
    return page;
}

/* The image as a base64 JPEG (quality 92). */
static char *jpeg_base64(const image *img) {
    uint8_t *jpeg = NULL;
    size_t len = 0;
    assert_int_equal(image_encode_jpeg(img, 92, &jpeg, &len), IMG_OK);
    char *text = base64_of(NULL, jpeg, len);
    free(jpeg);
    return text;
}

/* Turned by each EXIF orientation (90/180/270 degrees, mirrored), the page still reads. */
static void test_any_orientation(void **state) {
    (void)state;
    image page = load_page();
    char err[128];
    for (int o = 3; o <= 8; o += 5) { /* 180 degrees, and 90 anticlockwise */
        image turned = page;
        turned.pixels = malloc(page.stride * (size_t)page.height);
        assert_non_null(turned.pixels);
        memcpy(turned.pixels, page.pixels, page.stride * (size_t)page.height);
        assert_int_equal(image_apply_orientation(&turned, o), IMG_OK);
        char *img = jpeg_base64(&turned);
        image_free(&turned);
        char id[64];
        new_journey(id);
        api_resp r = okayid(id, img, ",\"imageEnabled\":true,\"faceImageEnabled\":\"true\"");
        free(img);
        assert_string_equal(api_str(&r, "status"), "success");
        assert_string_equal(mrz_value(&r, 51), LINE1 "^" LINE2);
        /* the cropped page comes back upright as a JPEG; no face on this page */
        json_t *images = json_object_get(r.json, "images");
        assert_int_equal(json_array_size(images), 1);
        json_t *first = json_array_get(images, 0);
        assert_string_equal(json_string_value(json_object_get(first, "Format")), ".jpg");
        assert_int_equal(json_integer_value(json_object_get(first, "PageIndex")), 0);
        const char *crop = json_string_value(json_object_get(first, "Base64ImageString"));
        assert_non_null(crop);
        unsigned char *bytes = NULL;
        size_t n = 0;
        assert_int_equal(b64_decode(crop, strlen(crop), 1u << 24, &bytes, &n), B64_OK);
        image back;
        assert_int_equal(image_decode(bytes, n, 1u << 24, &back, err, sizeof err), IMG_OK);
        free(bytes);
        assert_true(back.width > back.height); /* landscape again, like the page */
        image_free(&back);
        assert_true(json_is_null(json_object_get(r.json, "faceImage")));
        api_resp_free(&r);
    }
    image_free(&page);
}

static void test_bad_input(void **state) {
    (void)state;
    char id[64];
    new_journey(id);
    /* missing image: the vendor's Spring Boot 500 body */
    char body[256];
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", id);
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/okayid", body);
    assert_int_equal(r.status, 500);
    assert_string_equal(api_str(&r, "error"), "Internal Server Error");
    assert_string_equal(api_str(&r, "path"), "/api/ekyc/okayid");
    api_resp_free(&r);
    /* unknown and malformed journeys */
    char *img = base64_of(TD3_IMAGE, NULL, 0);
    r = okayid("00000000-0000-4000-8000-000000000000", img, NULL);
    expect_okayid_code(&r, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    r = okayid("../../etc/passwd", img, NULL);
    expect_okayid_code(&r, "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    free(img);
    /* not JSON, wrong flag type */
    r = api_post_json(g_srv.port, "/api/ekyc/okayid", "{\"journeyId\":");
    assert_int_equal(r.status, 400);
    assert_string_equal(api_str(&r, "message"), "MALFORMED_JSON");
    assert_true(json_is_null(json_object_get(r.json, "result")));
    assert_non_null(json_object_get(r.json, "result"));
    api_resp_free(&r);
    r = okayid(id, "AAAA", ",\"imageEnabled\":[1]");
    expect_okayid_code(&r, "INVALID_ARGUMENT");
    api_resp_free(&r);
    /* not base64, base64 of text, empty */
    r = okayid(id, "%%%not base64%%%", NULL);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
    img = base64_of(NULL, "just some text, not an image", 28);
    r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
    r = okayid(id, "", NULL);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
    /* a 1x1 image and a blank page: no document */
    image tiny = {1, 1, 3, 3, (uint8_t[]){255, 255, 255}};
    img = jpeg_base64(&tiny);
    r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
    /* a PNG header claiming 20000 x 20000 pixels: refused before decoding */
    static const uint8_t bomb[] = {0x89, 'P',  'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0,    0, 0,
                                   13,   'I',  'H', 'D', 'R',  0,    0,    0x4e, 0x20, 0, 0,
                                   0x4e, 0x20, 8,   2,   0,    0,    0,    0,    0,    0, 0};
    img = base64_of(NULL, bomb, sizeof bomb);
    r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "PAYLOAD_TOO_LARGE");
    api_resp_free(&r);
    /* nothing was stored for any of these: complete still misses the okayid step */
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", id);
    r = api_post_json(g_srv.port, "/api/ekyc/complete", body);
    expect_code(&r, "INCOMPLETE_JOURNEY");
    api_resp_free(&r);
}

/* The MRZ band painted over: the rest of the page is text, not a document ekycd can read. */
static void test_blank_mrz_band(void **state) {
    (void)state;
    image page = load_page();
    for (int y = page.height * 55 / 100; y < page.height; y++)
        memset(page.pixels + (size_t)y * page.stride, 255, page.stride);
    char *img = jpeg_base64(&page);
    image_free(&page);
    char id[64];
    new_journey(id);
    api_resp r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
}

/* --max-api-calls 2: two readings, then MAX_API_CALL_EXCEEDED; refused input is not counted. */
static void test_api_call_quota(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "quinn", "quinn-secret-1", id);
    assert_true(id[0] != '\0');
    api_resp r = okayid(id, "%%%", NULL);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);
    char *img = base64_of(TD3_IMAGE, NULL, 0);
    for (int i = 0; i < 2; i++) {
        r = okayid(id, img, NULL);
        assert_string_equal(api_str(&r, "status"), "success");
        api_resp_free(&r);
    }
    r = okayid(id, img, NULL);
    expect_okayid_code(&r, "MAX_API_CALL_EXCEEDED");
    api_resp_free(&r);
    free(img);
    char out[700];
    snprintf(out, sizeof out, "%s/show-quinn.json", g_dir);
    const char *show[] = {"account", "show", "--data", g_dir, "--username", "quinn", NULL};
    assert_int_equal(api_run_cli(out, show), 0);
    json_t *j = json_load_file(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "maxApiCalls")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "apiCalls")), 2);
    json_decref(j);
}

/* A page whose visual zone prints the birth date with its four-digit year, 12 AUG 1915, over an
 * MRZ that says 150812 (which the MRZ's rule alone would put in 2015): the MRZ's date takes the
 * printed century, so the two agree in Matrix[5] because they are the same date, and the age
 * follows. Its state, Malaysia, has a passport model in the vendor's list: documentType is the
 * vendor's string, and the scorecard still sees a passport. */
static void test_century_from_visual_zone(void **state) {
    (void)state;
    char id[64], path[128];
    new_journey(id);
    char *img = base64_of("tests/data/mrz_td3_1915.png", NULL, 0);
    api_resp r = okayid(id, img, ",\"docTypeEnabled\":true");
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(mrz_value(&r, 5), "1915-08-12");
    assert_string_equal(visual_value(&r, 5), "1915-08-12");
    assert_int_equal(matrix_at(&r, 5, 5), 3);
    assert_true(atoi(mrz_value(&r, 185)) >= 110); /* Age */
    assert_string_equal(api_str(&r, "documentType"), "Malaysia - ePassport(2017)");
    api_resp_free(&r);
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", id);
    r = api_get(g_srv.port, path, NULL);
    json_t *card = json_array_get(json_object_get(r.json, "scorecardResultList"), 0);
    assert_non_null(card);
    assert_string_equal(json_string_value(json_object_get(card, "docType")), "passport");
    api_resp_free(&r);
}

/* An issuing state and nationality that are no ICAO code (a sample card's made-up CMW) but read
 * the same in both places, with every check digit right: read, named by its code. */
static void test_unknown_state_code(void **state) {
    (void)state;
    char id[64];
    new_journey(id);
    char *img = base64_of("tests/data/mrz_td3_cmw.png", NULL, 0);
    api_resp r = okayid(id, img, ",\"docTypeEnabled\":true");
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(mrz_value(&r, 1), "CMW");
    assert_string_equal(mrz_value(&r, 26), "CMW");
    assert_string_equal(mrz_value(&r, 2), "L898902C3");
    for (int type = 80; type <= 84; type++)
        if (type != 83) assert_int_equal(mrz_validity(&r, type), 1);
    assert_string_equal(api_str(&r, "documentType"), "CMW - Passport");
    api_resp_free(&r);
}

/* A page printed with wrong check digits (number, birth date, composite; only the expiry's
 * right): read as printed — the number is not bent to fit its check digit — and those check
 * digits reported not verified (Matrix[0] 2), which the scorecard's checkDigitValidation then
 * fails, rather than refused as no document. */
static void test_wrong_check_digits(void **state) {
    (void)state;
    char id[64];
    new_journey(id);
    char *img = base64_of("tests/data/mrz_td3_bad_check_digits.png", NULL, 0);
    api_resp r = okayid(id, img, NULL);
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(mrz_value(&r, 51), LINE1 "^C393939397UTO7408125F3404159<<<<<<<<<<<<<<<1");
    assert_string_equal(mrz_value(&r, 2), "C39393939");
    assert_string_equal(mrz_value(&r, 5), "1974-08-12");
    assert_int_equal(mrz_validity(&r, 80), 2);
    assert_int_equal(mrz_validity(&r, 81), 2);
    assert_int_equal(mrz_validity(&r, 82), 1);
    assert_int_equal(mrz_validity(&r, 84), 2);
    assert_int_equal(mrz_validity(&r, 51), 2);
    api_resp_free(&r);
}

/* The shared dev images (../shared/data/documents/dev, not in the repository: skipped without
 * them) that OkayID refused: the Spanish card printed with wrong check digits and the sample
 * card with the made-up state CMW are read; the closed French passport (its cover, no page
 * shown) stays UNRECOGNIZED_IMAGE. The Czech specimen's birth date, 1911 printed and 11 in the
 * MRZ, is 1911 on both sides. */
#define DEV_IMAGES(rel) tu_shared("documents/dev/images/" rel)
static void test_shared_dev_documents(void **state) {
    (void)state;
    const char *const paths[] = {
        DEV_IMAGES("konstantint__PassportEye/0_id-esp.png"),
        DEV_IMAGES("konstantint__PassportEye/77_card-cmw.png"),
        DEV_IMAGES("DoubangoTelecom__ultimateMRZ-SDK/Passport-France_1200x864.jpg"),
        DEV_IMAGES("Arg0s1080__mrz/passports_Czech_Republic.png"),
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) TU_NEED_SHARED(paths[i]);
    char id[64];
    new_journey(id);
    char *img = base64_of(paths[0], NULL, 0);
    api_resp r = okayid(id, img, ",\"docTypeEnabled\":true");
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "documentType"), "Spain - Id Card");
    assert_string_equal(mrz_value(&r, 2), "AAA100001");
    assert_int_equal(mrz_validity(&r, 80), 2); /* printed 4, the number's is 8 */
    assert_int_equal(mrz_validity(&r, 82), 1);
    api_resp_free(&r);

    img = base64_of(paths[1], NULL, 0);
    r = okayid(id, img, ",\"docTypeEnabled\":true");
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "documentType"), "CMW - Id Card");
    assert_string_equal(mrz_value(&r, 5), "1961-04-12");
    api_resp_free(&r);

    img = base64_of(paths[2], NULL, 0);
    r = okayid(id, img, NULL);
    free(img);
    expect_okayid_code(&r, "UNRECOGNIZED_IMAGE");
    api_resp_free(&r);

    img = base64_of(paths[3], NULL, 0);
    r = okayid(id, img, NULL);
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(mrz_value(&r, 5), "1911-01-01");
    assert_string_equal(visual_value(&r, 5), "1911-01-01");
    assert_int_equal(matrix_at(&r, 5, 5), 3);
    api_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passport_fields),
        cmocka_unit_test(test_any_orientation),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_blank_mrz_band),
        cmocka_unit_test(test_api_call_quota),
        cmocka_unit_test(test_century_from_visual_zone),
        cmocka_unit_test(test_unknown_state_code),
        cmocka_unit_test(test_wrong_check_digits),
        cmocka_unit_test(test_shared_dev_documents),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
