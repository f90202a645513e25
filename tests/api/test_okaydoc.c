/* API tests for POST /api/ekyc/okaydoc (emas.md §4.7, docs/okaydoc.md): the passport and
 * non-passport use cases, checks that pass on a clean colour document and fail on a greyscale
 * copy, a defocused one, a dark one and one photographed off a display (its pixel grid laid
 * over it), checks that cannot be measured answered "NotPerformed"
 * with a reason, and the error answers. The document is tests/data/mrz_td3.png tinted like a
 * printed page (cream paper, dark blue ink). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "apiutil.h"
#include "imageutil.h"
#include "kyc/ic_print.h"
#include "util/b64.h"
#include "vision/image.h"

static char *g_dir;
static api_server g_srv;
static image g_page; /* the tinted colour page */

static int group_setup(void **state) {
    (void)state;
    curl_global_init(CURL_GLOBAL_ALL);
    g_dir = tu_mkdtemp();
    size_t len = 0;
    unsigned char *png = tu_read_file("tests/data/mrz_td3.png", &len);
    image grey;
    char err[128];
    if (!png || image_decode(png, len, 1u << 24, &grey, err, sizeof err) != IMG_OK) return -1;
    free(png);
    g_page = grey; /* decoded as RGB: tint every pixel between ink and paper */
    for (size_t i = 0; i < (size_t)grey.width * (size_t)grey.height; i++) {
        uint8_t *p = g_page.pixels + i * 3;
        float t = p[0] / 255.0f;
        p[0] = (uint8_t)(30 + t * 206), p[1] = (uint8_t)(40 + t * 186),
        p[2] = (uint8_t)(90 + t * 110);
    }
    if (api_add_account(g_dir, "olga", "olga-secret-123", NULL) != 0 ||
        api_server_start(&g_srv, g_dir, NULL, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    image_free(&g_page);
    return api_group_end(&g_srv, g_dir);
}

static char *jpeg_base64(const image *img) {
    uint8_t *jpeg = NULL;
    size_t len = 0;
    assert_int_equal(image_encode_jpeg(img, 92, &jpeg, &len), IMG_OK);
    char *text = b64_encode(jpeg, len);
    free(jpeg);
    assert_non_null(text);
    return text;
}

/* A copy of the page changed by kind: 'g' greyscale, 'd' dark, 'b' box-blurred (radius 4), 's'
 * a display's pixel grid over it (period 2.8 px, faint). */
static image variant(char kind) {
    image v = g_page;
    size_t bytes = g_page.stride * (size_t)g_page.height;
    v.pixels = malloc(bytes);
    assert_non_null(v.pixels);
    memcpy(v.pixels, g_page.pixels, bytes);
    int w = v.width, h = v.height, r = 4;
    if (kind == 's') {
        iu_display_grid(&v, 0, 0, w, h, 2.8f, 4.0f, 0.15f);
        return v;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = v.pixels + ((size_t)y * w + x) * 3;
            if (kind == 'g')
                p[0] = p[1] = p[2] = (uint8_t)(0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
            if (kind == 'd')
                for (int c = 0; c < 3; c++) p[c] = (uint8_t)(p[c] / 4);
            if (kind == 'b')
                for (int c = 0; c < 3; c++) {
                    int sum = 0, n = 0;
                    for (int dy = -r; dy <= r; dy++)
                        for (int dx = -r; dx <= r; dx++) {
                            int yy = y + dy, xx = x + dx;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            sum += g_page.pixels[((size_t)yy * w + xx) * 3 + c], n++;
                        }
                    p[c] = (uint8_t)(sum / n);
                }
        }
    return v;
}

static api_resp okaydoc(const char *journey_id, const char *fields, const char *image_b64) {
    size_t n = strlen(image_b64) + strlen(fields) + 256;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"journeyId\":\"%s\",%s\"%s\"}", journey_id, fields, image_b64);
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/okaydoc", body);
    free(body);
    return r;
}

/* The value of the method's (first) component, or NULL when the method is absent. */
static const char *value_of(api_resp *r, const char *method) {
    json_t *list = json_object_get(r->json, "methodList");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *m = json_array_get(list, i);
        if (strcmp(json_string_value(json_object_get(m, "method")), method) != 0) continue;
        json_t *c = json_array_get(json_object_get(m, "componentList"), 0);
        return json_string_value(json_object_get(c, "value"));
    }
    return NULL;
}

#define PASSPORT_SGP                                                                               \
    "\"type\":\"passport\",\"version\":\"3\",\"country\":\"SGP\",\"fullSizeImage\":"

static void test_passport_checks(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *img = jpeg_base64(&g_page);
    api_resp r = okaydoc(id, PASSPORT_SGP, img);
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(api_str(&r, "messageCode"), "api.success");
    assert_int_equal(strlen(api_str(&r, "id")), 36);
    assert_string_equal(value_of(&r, "blurrinessDetection"), "Pass");
    assert_string_equal(value_of(&r, "brightnessDetection"), "Pass");
    assert_string_equal(value_of(&r, "colorDetection"), "Pass");
    assert_string_equal(value_of(&r, "screenDetection"), "Pass");
    assert_int_equal(json_array_size(json_object_get(r.json, "outputImageList")), 0);
    api_resp_free(&r);

    static const struct {
        char kind;
        const char *method;
    } failing[] = {{'g', "colorDetection"},
                   {'b', "blurrinessDetection"},
                   {'d', "brightnessDetection"},
                   {'s', "screenDetection"}};
    for (size_t i = 0; i < sizeof failing / sizeof failing[0]; i++) {
        image v = variant(failing[i].kind);
        img = jpeg_base64(&v);
        image_free(&v);
        r = okaydoc(id, PASSPORT_SGP, img);
        free(img);
        assert_string_equal(api_str(&r, "status"), "success");
        assert_string_equal(value_of(&r, failing[i].method), "Fail");
        api_resp_free(&r);
    }
    /* OTHER: colour and screen only */
    img = jpeg_base64(&g_page);
    r = okaydoc(id, "\"type\":\"passport\",\"country\":\"OTHER\",\"halfSizeImage\":", img);
    free(img);
    assert_string_equal(value_of(&r, "colorDetection"), "Pass");
    assert_non_null(value_of(&r, "screenDetection"));
    assert_null(value_of(&r, "blurrinessDetection"));
    assert_int_equal(json_array_size(json_object_get(r.json, "methodList")), 2);
    api_resp_free(&r);
}

static void test_nonpassport_checks(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *img = jpeg_base64(&g_page);
    api_resp r = okaydoc(id,
                         "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7\","
                         "\"colorMode\":true,\"idBlurDetection\":\"true\",\"landmarkCheck\":true,"
                         "\"hologram\":false,\"idImageBase64Image\":",
                         img);
    free(img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(value_of(&r, "colorMode"), "Pass");
    assert_string_equal(value_of(&r, "idBlurDetection"), "Pass");
    assert_string_equal(value_of(&r, "landmark"), "NotPerformed");
    assert_null(value_of(&r, "hologram")); /* not asked for */
    json_t *landmark = json_array_get(json_object_get(r.json, "methodList"), 0);
    json_t *c = json_array_get(json_object_get(landmark, "componentList"), 0);
    assert_non_null(json_string_value(json_object_get(c, "reason")));
    assert_int_equal(json_array_size(json_object_get(r.json, "methodList")), 3);
    api_resp_free(&r);
}

/* The methods of an answer, in order, as "method=value" joined by spaces. */
static void method_values(api_resp *r, char *out, size_t size) {
    json_t *m, *list = json_object_get(r->json, "methodList");
    size_t i, used = 0;
    out[0] = '\0';
    json_array_foreach(list, i, m) {
        json_t *c = json_array_get(json_object_get(m, "componentList"), 0);
        int n = snprintf(out + used, size - used, "%s%s=%s", i ? " " : "",
                         json_string_value(json_object_get(m, "method")),
                         json_string_value(json_object_get(c, "value")));
        assert_true(n > 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
}

/* A docType other than mykad (mykas, ektp_front, ...) sent without switches gets every check
 * ekycd measures on any card, and the landmark check answered NotPerformed with its reason; a
 * switch sent as false is off, one sent as true on. Every value is a string (Pass / Fail /
 * NotPerformed here) and every measured component carries its score. A MyKad without switches
 * still gets none (the MyKad engine's switches are off unless sent). */
static void test_other_doctype_checks(void **state) {
    (void)state;
    char id[64], got[512];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *img = jpeg_base64(&g_page);
    api_resp r = okaydoc(id,
                         "\"type\":\"nonpassport\",\"docType\":\"mykas\",\"version\":\"2\","
                         "\"idImageBase64Image\":",
                         img);
    assert_string_equal(api_str(&r, "status"), "success");
    method_values(&r, got, sizeof got);
    /* the page is sharp, lit and in colour, but a web-sized scan: too few pixels per mm */
    assert_string_equal(got, "landmark=NotPerformed colorMode=Pass screen=Pass "
                             "idBlurDetection=Pass idBrightnessDetc=Pass qualityCheck=Fail");
    json_t *m, *list = json_object_get(r.json, "methodList");
    size_t i;
    json_array_foreach(list, i, m) {
        json_t *c = json_array_get(json_object_get(m, "componentList"), 0);
        assert_true(json_is_string(json_object_get(c, "value")));
        if (i == 0) {
            assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "layout"));
            assert_null(json_object_get(c, "score"));
            assert_true(json_is_null(json_object_get(c, "imageUrl")));
        } else {
            assert_true(json_is_number(json_object_get(c, "score")));
            assert_non_null(json_string_value(json_object_get(c, "imageUrl")));
        }
    }
    api_resp_free(&r);

    /* switches sent: false turns a default off, true asks for one ekycd cannot perform */
    r = okaydoc(id,
                "\"type\":\"nonpassport\",\"docType\":\"ektp_front\",\"landmarkCheck\":false,"
                "\"qualityCheckDetection\":\"false\",\"screenDetection\":null,\"hologram\":true,"
                "\"idImageBase64Image\":",
                img);
    method_values(&r, got, sizeof got);
    assert_string_equal(got, "colorMode=Pass hologram=NotPerformed screen=Pass "
                             "idBlurDetection=Pass idBrightnessDetc=Pass");
    api_resp_free(&r);
    free(img);

    /* a greyscale copy of the e-KTP: the colour check fails without being asked by name */
    image grey = variant('g');
    img = jpeg_base64(&grey);
    image_free(&grey);
    r = okaydoc(id,
                "\"type\":\"nonpassport\",\"docType\":\"ektp_front\",\"idImageBase64Image\":", img);
    assert_string_equal(value_of(&r, "colorMode"), "Fail");
    api_resp_free(&r);
    free(img);

    img = api_file_base64("tests/data/mykad/flat.jpg");
    assert_non_null(img);
    r = okaydoc(id,
                "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7-1\","
                "\"idImageBase64Image\":",
                img);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_int_equal(json_array_size(json_object_get(r.json, "methodList")), 0);
    api_resp_free(&r);
    free(img);
}

/* The font method's component */
static json_t *font_component(api_resp *r) {
    json_t *m, *list = json_object_get(r->json, "methodList");
    size_t i;
    json_array_foreach(list, i, m) {
        if (!strcmp(json_string_value(json_object_get(m, "method")), "font"))
            return json_array_get(json_object_get(m, "componentList"), 0);
    }
    fail_msg("no font method");
    return NULL;
}

/* A MyKad front: the card type, its landmarks measured, its religion line printed like its
 * neighbours, the IC number's print passing with its line's crop behind the component; the same
 * card with another idNumber fails the font check with its reason, and with one digit reprinted
 * lighter fails naming the digit. */
static void test_mykad_checks(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *card = api_file_base64("tests/data/mykad/flat.jpg");
    assert_non_null(card);
    const char *fields = "\"type\":\"nonpassport\",\"docType\":\"MyKad\",\"version\":\"7-1\","
                         "\"fontCheck\":true,\"landmarkCheck\":true,\"icTypeCheck\":true,"
                         "\"islamFieldTamperingDetection\":true,"
                         "\"idNumber\":\"970414-11-9722\",\"idImageBase64Image\":";
    api_resp r = okaydoc(id, fields, card);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(value_of(&r, "font"), "Pass");
    assert_string_equal(value_of(&r, "docType"), "New IC");
    assert_true(atof(value_of(&r, "landmark")) >= 60);                /* the header's score */
    assert_string_equal(value_of(&r, "islamFieldTampering"), "Pass"); /* ISLAM printed alike */
    json_t *font = font_component(&r); /* score: the most deviating digit, in tolerances */
    assert_true(json_number_value(json_object_get(font, "score")) < 1.0);
    const char *url = json_string_value(json_object_get(font, "imageUrl"));
    assert_non_null(url);
    assert_non_null(strstr(url, "?type=f-id-no"));
    api_resp line = api_get(g_srv.port, url, NULL); /* the number's line */
    assert_int_equal(line.status, 200);
    assert_int_equal((unsigned char)line.body[0], 0xFF);
    api_resp_free(&line);
    api_resp_free(&r);
    const char *other = "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7-1\","
                        "\"fontCheck\":true,\"idNumber\":\"970414119723\",\"idImageBase64Image\":";
    r = okaydoc(id, other, card);
    assert_string_equal(value_of(&r, "font"), "Fail");
    json_t *m = json_array_get(json_object_get(r.json, "methodList"), 0);
    json_t *c = json_array_get(json_object_get(m, "componentList"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "code")), "f-id-no");
    assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "idNumber"));
    api_resp_free(&r);
    free(card);

    /* the fourth digit reprinted lighter (thinned twice), as an edit: Fail, the digit named */
    image edited;
    assert_true(iu_load("tests/data/mykad/flat.jpg", &edited));
    ic_print genuine;
    assert_int_equal(
        ic_print_measure(&edited, (image_box){IU_CARD_IC_LINE}, "970414119722", 1, &genuine), 0);
    assert_true(genuine.measured);
    image_box d = genuine.glyph[3];
    for (int pass = 0; pass < 2; pass++)
        assert_true(iu_thin_print(&edited, d.x - 2, d.y - 2, d.w + 4, d.h + 4));
    card = jpeg_base64(&edited);
    image_free(&edited);
    r = okaydoc(id, fields, card);
    assert_string_equal(value_of(&r, "font"), "Fail");
    font = font_component(&r);
    assert_true(json_number_value(json_object_get(font, "score")) >= 2.0);
    assert_non_null(strstr(json_string_value(json_object_get(font, "reason")), "digit 4 of 12"));
    api_resp_free(&r);
    free(card);
}

/* The MyKad fixture with an LFW photo as its portrait and `ghost` as its ghost photo
 * (tests/imageutil.h), base64 JPEG; NULL without the shared data. */
#define LFW_DIR(rel) IU_LFW(rel)
static char *card_with_ghost(const char *portrait, const char *ghost, bool ghost_in_colour) {
    image card;
    int rc = iu_mykad_with_ghost(portrait, ghost, 110, 140, ghost_in_colour, &card);
    if (rc < 0) return NULL;
    assert_int_equal(rc, 0);
    char *text = jpeg_base64(&card);
    image_free(&card);
    return text;
}

/* The component of the answer's only method. */
static json_t *only_component(api_resp *r) {
    json_t *m = json_array_get(json_object_get(r->json, "methodList"), 0);
    return json_array_get(json_object_get(m, "componentList"), 0);
}

/* Photo substitution on a MyKad: a ghost of the portrait's photo passes, with the ghost's crop
 * behind the component and as holoFace; a ghost of someone else fails; a card printed without
 * a ghost and a document that is no MyKad are not performed, with the reason. */
static void test_mykad_photo_substitution(void **state) {
    (void)state;
    char *genuine = card_with_ghost(LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"),
                                    LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"), false);
    if (!genuine) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return;
    }
    char *forged = card_with_ghost(LFW_DIR("Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg"),
                                   LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"), false);
    char *plain = api_file_base64("tests/data/mykad/flat.jpg"), *page = jpeg_base64(&g_page);
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    const char *fields = "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7-1\","
                         "\"photoSubstitutionCheck\":true,\"idImageBase64Image\":";
    api_resp r = okaydoc(id, fields, genuine);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_string_equal(value_of(&r, "substitution"), "Pass");
    json_t *c = only_component(&r);
    assert_true(json_number_value(json_object_get(c, "score")) >= 0.30);
    const char *url = json_string_value(json_object_get(c, "imageUrl"));
    assert_non_null(url);
    assert_non_null(strstr(url, "?type=substitution"));
    json_t *outputs = json_object_get(r.json, "outputImageList");
    assert_string_equal(json_string_value(json_object_get(json_array_get(outputs, 0), "tag")),
                        "holoFace");
    api_resp img = api_get(g_srv.port, url, NULL);
    assert_int_equal(img.status, 200);
    assert_int_equal((unsigned char)img.body[0], 0xFF); /* a JPEG */
    api_resp_free(&img);
    img = api_get(g_srv.port,
                  json_string_value(json_object_get(json_array_get(outputs, 0), "imageUrl")), NULL);
    assert_int_equal(img.status, 200);
    api_resp_free(&img);
    api_resp_free(&r);

    r = okaydoc(id, fields, forged);
    assert_string_equal(value_of(&r, "substitution"), "Fail");
    api_resp_free(&r);

    static const char *const not_performed[2][2] = {{"mykad", "no ghost photo"},
                                                    {"passport", "not read as a MyKad"}};
    for (int i = 0; i < 2; i++) {
        r = okaydoc(id, fields, i == 0 ? plain : page);
        assert_string_equal(value_of(&r, "substitution"), "NotPerformed");
        c = only_component(&r);
        assert_non_null(
            strstr(json_string_value(json_object_get(c, "reason")), not_performed[i][1]));
        assert_true(json_is_null(json_object_get(c, "imageUrl")));
        api_resp_free(&r);
    }
    free(genuine), free(forged), free(plain), free(page);
}

/* ghostPhotoColorDetection on a MyKad: a grey ghost passes with the ghost's crop behind the
 * component, one printed in colour fails with the reason, a card without a ghost is not
 * performed; photoSubstitutionCheck off: the ghost is searched for all the same. */
static void test_mykad_ghost_colour(void **state) {
    (void)state;
    char *grey = card_with_ghost(LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"),
                                 LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"), false);
    if (!grey) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return;
    }
    char *coloured = card_with_ghost(LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"),
                                     LFW_DIR("Abel_Pacheco/Abel_Pacheco_0001.jpg"), true);
    char *plain = api_file_base64("tests/data/mykad/flat.jpg");
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    const char *fields = "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7-1\","
                         "\"ghostPhotoColorDetection\":true,\"idImageBase64Image\":";
    api_resp r = okaydoc(id, fields, grey);
    assert_string_equal(value_of(&r, "holocolor"), "Pass");
    json_t *c = only_component(&r);
    assert_true(json_number_value(json_object_get(c, "score")) < 6.0);
    const char *url = json_string_value(json_object_get(c, "imageUrl"));
    assert_non_null(url);
    assert_non_null(strstr(url, "?type=holocolor"));
    api_resp img = api_get(g_srv.port, url, NULL);
    assert_int_equal(img.status, 200);
    api_resp_free(&img);
    api_resp_free(&r);

    r = okaydoc(id, fields, coloured);
    assert_string_equal(value_of(&r, "holocolor"), "Fail");
    c = only_component(&r);
    assert_true(json_number_value(json_object_get(c, "score")) > 6.0);
    assert_non_null(strstr(json_string_value(json_object_get(c, "reason")), "monochrome"));
    api_resp_free(&r);

    r = okaydoc(id, fields, plain);
    assert_string_equal(value_of(&r, "holocolor"), "NotPerformed");
    assert_non_null(
        strstr(json_string_value(json_object_get(only_component(&r), "reason")), "no ghost photo"));
    api_resp_free(&r);
    free(grey), free(coloured), free(plain);
}

/* qualityCheckDetection: the MyKad fixture (about 12 pixels per mm) passes with its scale as
 * score; the same card darkened fails as badly lit; the tinted page (under 6 pixels per mm)
 * fails for its resolution; an image without a document is not judged. */
static void test_quality_check(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    const char *fields = "\"type\":\"nonpassport\",\"docType\":\"mykad\",\"version\":\"7-1\","
                         "\"qualityCheckDetection\":true,\"idImageBase64Image\":";
    image card;
    assert_true(iu_load("tests/data/mykad/flat.jpg", &card));
    char *img = jpeg_base64(&card);
    api_resp r = okaydoc(id, fields, img);
    free(img);
    assert_string_equal(value_of(&r, "qualityCheck"), "Pass");
    double scale = json_number_value(json_object_get(only_component(&r), "score"));
    assert_true(scale > 11 && scale < 13); /* 1012 pixels over 85.6 mm */
    api_resp_free(&r);

    for (size_t i = 0; i < card.stride * (size_t)card.height; i++) card.pixels[i] /= 5;
    img = jpeg_base64(&card);
    r = okaydoc(id, fields, img);
    free(img);
    assert_string_equal(value_of(&r, "qualityCheck"), "Fail");
    assert_non_null(
        strstr(json_string_value(json_object_get(only_component(&r), "reason")), "badly lit"));
    api_resp_free(&r);

    img = jpeg_base64(&g_page);
    r = okaydoc(id, fields, img);
    free(img);
    assert_string_equal(value_of(&r, "qualityCheck"), "Fail");
    const char *reason = json_string_value(json_object_get(only_component(&r), "reason"));
    assert_non_null(strstr(reason, "too few pixels"));
    assert_null(strstr(reason, "badly lit"));
    api_resp_free(&r);

    memset(card.pixels, 200, card.stride * (size_t)card.height); /* no document at all */
    img = jpeg_base64(&card);
    r = okaydoc(id, fields, img);
    free(img);
    assert_string_equal(value_of(&r, "qualityCheck"), "NotPerformed");
    assert_non_null(json_object_get(only_component(&r), "reason"));
    api_resp_free(&r);
    image_free(&card);
}

static void test_errors(void **state) {
    (void)state;
    char id[64];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    /* no image, not base64, text: the vendor's "empty verification result" */
    api_resp r = okaydoc(id, "\"type\":\"passport\",\"country\":\"SGP\",\"x\":", "");
    assert_string_equal(api_str(&r, "status"), "error");
    assert_string_equal(api_str(&r, "messageCode"), "api.error");
    assert_non_null(strstr(api_str(&r, "message"), "Empty verification result"));
    assert_true(json_is_null(json_object_get(r.json, "methodList")));
    api_resp_free(&r);
    r = okaydoc(id, PASSPORT_SGP, "%%%not base64");
    assert_non_null(strstr(api_str(&r, "message"), "Empty verification result"));
    api_resp_free(&r);
    r = okaydoc(id, PASSPORT_SGP, "aGVsbG8gd29ybGQ=");
    assert_non_null(strstr(api_str(&r, "message"), "Empty verification result"));
    api_resp_free(&r);
    /* arguments */
    r = okaydoc(id, "\"type\":\"passport\",\"country\":\"XYZ\",\"fullSizeImage\":", "AAAA");
    assert_string_equal(api_str(&r, "message"), "UNSUPPORTED_COUNTRY");
    api_resp_free(&r);
    r = okaydoc(id, "\"type\":\"passport\",\"fullSizeImage\":", "AAAA");
    assert_string_equal(api_str(&r, "message"), "MISSING_ARGUMENT");
    api_resp_free(&r);
    r = okaydoc(id, "\"type\":\"selfie\",\"x\":", "AAAA");
    assert_string_equal(api_str(&r, "message"), "INVALID_ARGUMENT");
    api_resp_free(&r);
    r = okaydoc(id, "\"type\":\"nonpassport\",\"idImageBase64Image\":", "AAAA");
    assert_string_equal(api_str(&r, "message"), "MISSING_ARGUMENT");
    api_resp_free(&r);
    /* a check switch that is neither a boolean nor "true"/"false": refused before any work */
    static const char *const bad_switches[] = {"\"fontCheck\":\"yes\"", "\"hologram\":1",
                                               "\"islamFieldTamperingDetection\":[true]"};
    for (size_t i = 0; i < sizeof bad_switches / sizeof bad_switches[0]; i++) {
        char fields[256];
        snprintf(fields, sizeof fields,
                 "\"type\":\"nonpassport\",\"docType\":\"mykad\",%s,\"idImageBase64Image\":",
                 bad_switches[i]);
        r = okaydoc(id, fields, "AAAA");
        assert_string_equal(api_str(&r, "message"), "INVALID_ARGUMENT");
        api_resp_free(&r);
    }
    r = okaydoc("00000000-0000-4000-8000-000000000000", PASSPORT_SGP, "AAAA");
    assert_string_equal(api_str(&r, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/okaydoc", "[1,2]");
    assert_int_equal(r.status, 400);
    api_resp_free(&r);
}

/* The scorecard of a passport journey (emas.md §4.8, §6) with the documented default: liveness
 * is not available and OkayFace was not called, so those checks are F with a reason; the page
 * prints two of the six compared fields (birth date, sex), both the same as its MRZ: the
 * comparison's code is COMPARE_TRUE (3), which the rule's =3 passes (a count, 2, would have
 * failed a genuine page); every check digit is right: VERIFIED (1), P: FFPP = suspicious. */
static void test_scorecard(void **state) {
    (void)state;
    char id[64], path[128], body[160];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", id);
    api_resp r = api_get(g_srv.port, path, NULL);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_int_equal(json_array_size(json_object_get(r.json, "scorecardResultList")), 0);
    api_resp_free(&r);

    char *img = jpeg_base64(&g_page);
    size_t n = strlen(img) + 256;
    char *okayid = malloc(n);
    assert_non_null(okayid);
    snprintf(okayid, n, "{\"journeyId\":\"%s\",\"base64ImageString\":\"%s\"}", id, img);
    r = api_post_json(g_srv.port, "/api/ekyc/okayid", okayid);
    free(okayid);
    assert_string_equal(api_str(&r, "status"), "success");
    api_resp_free(&r);
    r = okaydoc(id, PASSPORT_SGP, img);
    free(img);
    api_resp_free(&r);

    r = api_get(g_srv.port, path, NULL);
    assert_string_equal(api_str(&r, "status"), "success");
    assert_true(json_is_null(json_object_get(r.json, "messageCode")));
    json_t *list = json_object_get(r.json, "scorecardResultList");
    assert_int_equal(json_array_size(list), 1);
    json_t *card = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(card, "docType")), "passport");
    assert_string_equal(json_string_value(json_object_get(card, "scorecardStatus")), "suspicious");
    json_t *checks = json_object_get(card, "checkResultList");
    static const char *const want[4][2] = {{"liveFaceCheck", "F"},
                                           {"facialVerification", "F"},
                                           {"mrzVizConsistencyCheck", "P"},
                                           {"checkDigitValidation", "P"}};
    assert_int_equal(json_array_size(checks), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *c = json_array_get(checks, i);
        assert_string_equal(json_string_value(json_object_get(c, "checkType")), want[i][0]);
        assert_string_equal(json_string_value(json_object_get(c, "checkStatus")), want[i][1]);
        if (i < 2) assert_non_null(json_string_value(json_object_get(c, "reason")));
    }
    assert_int_equal((int)json_number_value(json_object_get(json_array_get(checks, 2), "metric")),
                     3);
    assert_int_equal((int)json_number_value(json_object_get(json_array_get(checks, 3), "metric")),
                     1);
    api_resp_free(&r);

    /* POST with a body, as older clients call it; and an unknown journey */
    snprintf(body, sizeof body, "{\"journeyId\":\"%s\"}", id);
    r = api_post_json(g_srv.port, "/api/ekyc/scorecard", body);
    assert_int_equal(json_array_size(json_object_get(r.json, "scorecardResultList")), 1);
    api_resp_free(&r);
    r = api_get(g_srv.port, "/api/ekyc/scorecard?journeyId=00000000-0000-4000-8000-000000000000",
                NULL);
    assert_string_equal(api_str(&r, "message"), "INVALID_JOURNEY_ID");
    assert_true(json_is_null(json_object_get(r.json, "scorecardResult")));
    api_resp_free(&r);
    r = api_get(g_srv.port, "/api/ekyc/scorecard", NULL);
    assert_string_equal(api_str(&r, "message"), "INVALID_JOURNEY_ID");
    api_resp_free(&r);
}

/* The field map of wFieldType `type` among an OkayID answer's pFieldMaps, or NULL. */
static json_t *field_map_of(json_t *maps, int type) {
    for (size_t i = 0; i < json_array_size(maps); i++)
        if (json_integer_value(json_object_get(json_array_get(maps, i), "wFieldType")) == type)
            return json_array_get(maps, i);
    return NULL;
}

/* A page whose printed birth date is not its MRZ's (tests/data/mrz_td3_altered.png, rendered
 * by `text2image --font="OCR B" --ptsize=5 --leading=14 --char_spacing=0.3 --xsize=900
 * --ysize=360 --margin=30` from mrz_td3_altered.txt: 75 printed where the MRZ says 74; the
 * number printed as in the MRZ): OkayID says so in Matrix[5] with the printed value, and the
 * scorecard's MRZ-visual metric is COMPARE_FALSE (4), which the default =3,=6 fails, however
 * many other fields agree. */
static void test_scorecard_visual_difference(void **state) {
    (void)state;
    char id[64], path[128];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *img = api_file_base64("tests/data/mrz_td3_altered.png");
    assert_non_null(img);
    size_t n = strlen(img) + 256;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"journeyId\":\"%s\",\"base64ImageString\":\"%s\"}", id, img);
    free(img);
    api_resp r = api_post_json(g_srv.port, "/api/ekyc/okayid", body);
    free(body);
    assert_string_equal(api_str(&r, "status"), "success");
    json_t *maps = json_object_get(
        json_object_get(json_array_get(json_object_get(r.json, "result"), 0), "ListVerifiedFields"),
        "pFieldMaps");
    json_t *birth = field_map_of(maps, 5);
    assert_non_null(birth);
    assert_string_equal(json_string_value(json_object_get(birth, "Field_MRZ")), "1974-08-12");
    assert_string_equal(json_string_value(json_object_get(birth, "Field_Visual")), "1975-08-12");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(birth, "Matrix"), 5)), 4);
    json_t *number = field_map_of(maps, 2);
    assert_non_null(number);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(number, "Matrix"), 5)), 3);
    api_resp_free(&r);

    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", id);
    r = api_get(g_srv.port, path, NULL);
    json_t *checks = json_object_get(
        json_array_get(json_object_get(r.json, "scorecardResultList"), 0), "checkResultList");
    json_t *viz = json_array_get(checks, 2);
    assert_string_equal(json_string_value(json_object_get(viz, "checkType")),
                        "mrzVizConsistencyCheck");
    assert_string_equal(json_string_value(json_object_get(viz, "checkStatus")), "F");
    assert_int_equal((int)json_number_value(json_object_get(viz, "metric")), 4);
    api_resp_free(&r);
}

/* scorecardConfig shows the rules in force; `ekycd scorecard set` replaces them for one docType
 * (checked first), and the scorecard follows. */
static void test_scorecard_rules(void **state) {
    (void)state;
    api_resp r = api_get(g_srv.port,
                         "/api/ekyc/scorecardConfig?username=olga&password=olga-secret-123"
                         "&docType=passport",
                         NULL);
    assert_string_equal(api_str(&r, "status"), "success");
    json_t *rules = json_object_get(r.json, "configList");
    assert_int_equal(json_array_size(rules), 4);
    assert_string_equal(json_string_value(json_array_get(rules, 0)),
                        "liveFaceCheck@P:>=0.5;F:otherwise");
    assert_int_equal(json_array_size(json_object_get(r.json, "scorecardList")), 6);
    const char *when = api_str(&r, "lastModifiedDate"); /* "01-May-2020 00:00" */
    assert_non_null(when);
    assert_int_equal(strlen(when), 17);
    assert_int_equal(when[2], '-');
    api_resp_free(&r);
    r = api_post_json(
        g_srv.port, "/api/ekyc/scorecardConfig",
        "{\"username\":\"olga\",\"password\":\"wrong-one\",\"docType\":\"passport\"}");
    assert_string_equal(api_str(&r, "message"), "INCORRECT_PASSWORD");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/scorecardConfig",
                      "{\"username\":\"olga\",\"password\":\"olga-secret-123\"}");
    assert_string_equal(api_str(&r, "message"), "MISSING_ARGUMENT");
    api_resp_free(&r);
    r = api_post_json(g_srv.port, "/api/ekyc/scorecardConfig",
                      "{\"username\":\"olga\",\"password\":\"olga-secret-123\","
                      "\"docType\":\"driving_licence\"}");
    assert_string_equal(api_str(&r, "message"), "SCORECARD_NOT_CONFIGURED");
    api_resp_free(&r);

    char rules_path[700], log[700];
    snprintf(rules_path, sizeof rules_path, "%s/rules.json", g_dir);
    snprintf(log, sizeof log, "%s/scorecard-cli.log", g_dir);
    const char *bad =
        "{\"configList\":[\"checkDigitValidation@P=4\"],\"scorecardList\":[\"P=clear\"]}";
    assert_int_equal(tu_write_file(rules_path, bad, strlen(bad)), 0);
    const char *set[] = {"scorecard",  "set",      "--data",  g_dir,      "--username", "olga",
                         "--doc-type", "passport", "--rules", rules_path, NULL};
    assert_int_equal(api_run_cli(log, set), 2); /* refused: nothing stored */
    const char *good = "{\"configList\":[\"checkDigitValidation@P:=1;F:otherwise\"],"
                       "\"scorecardList\":[\"P=clear\",\"otherwise=suspicious\"]}";
    assert_int_equal(tu_write_file(rules_path, good, strlen(good)), 0);
    assert_int_equal(api_run_cli(log, set), 0);

    r = api_get(g_srv.port,
                "/api/ekyc/scorecardConfig?username=olga&password=olga-secret-123&docType=passport",
                NULL);
    assert_int_equal(json_array_size(json_object_get(r.json, "configList")), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(r.json, "scorecardList"), 0)), "P=clear");
    api_resp_free(&r);
    /* a passport journey now scores on the check digits alone */
    char id[64], path[128];
    api_new_journey(g_srv.port, "olga", "olga-secret-123", id);
    char *img = jpeg_base64(&g_page);
    size_t n = strlen(img) + 256;
    char *body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"journeyId\":\"%s\",\"base64ImageString\":\"%s\"}", id, img);
    free(img);
    r = api_post_json(g_srv.port, "/api/ekyc/okayid", body);
    free(body);
    api_resp_free(&r);
    snprintf(path, sizeof path, "/api/ekyc/scorecard?journeyId=%s", id);
    r = api_get(g_srv.port, path, NULL);
    json_t *card = json_array_get(json_object_get(r.json, "scorecardResultList"), 0);
    assert_string_equal(json_string_value(json_object_get(card, "scorecardStatus")), "clear");
    assert_int_equal(json_array_size(json_object_get(card, "checkResultList")), 1);
    api_resp_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passport_checks),
        cmocka_unit_test(test_nonpassport_checks),
        cmocka_unit_test(test_other_doctype_checks),
        cmocka_unit_test(test_mykad_checks),
        cmocka_unit_test(test_mykad_photo_substitution),
        cmocka_unit_test(test_mykad_ghost_colour),
        cmocka_unit_test(test_quality_check),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_scorecard),
        cmocka_unit_test(test_scorecard_visual_difference),
        cmocka_unit_test(test_scorecard_rules),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
