/* Unit tests for src/vision/card.c and src/kyc/mykad_reader.c.
 * Card finding on drawn cards: a light card turned on a dark table and a dark card on a light
 * one are found within 2 % of their corners; a square, a sliver and a blank image are not
 * cards, nor is the background around a card; warping maps a known quadrilateral's corners onto the
 * output's corners. MyKad reading on the synthetic fronts in tests/data/mykad (flat and
 * photographed): every field equals the generator's truth, also upside down and turned by 90°; the
 * passport page of tests/data/mrz_td3.png and a blank card are not MyKads; document_read classifies
 * the front. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/document.h"
#include "kyc/mykad_reader.h"
#include "testutil.h"
#include "vision/card.h"

static ocr_engine *g_text;
static mrz_cell_reader *g_mrz;

static int setup(void **state) {
    (void)state;
    char err[256];
    g_text = ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err);
    g_mrz = mrz_cell_reader_new("ocr", err, sizeof err);
    return g_text && g_mrz ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    ocr_engine_free(g_text);
    mrz_cell_reader_free(g_mrz);
    return 0;
}

static image load(const char *path) {
    size_t len = 0;
    unsigned char *bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    image img;
    char err[256];
    assert_int_equal(image_decode(bytes, len, 1u << 24, &img, err, sizeof err), IMG_OK);
    free(bytes);
    return img;
}

/* ---- card finding ---- */

/* A w x h grey image of `back`, with a filled rectangle of `front` of the given size turned
 * by `degrees` about (cx, cy); its corners (top-left first, clockwise) into corners. */
static image drawn_card(int w, int h, uint8_t back, uint8_t front, float cx, float cy, float cw,
                        float ch, float degrees, float corners[4][2]) {
    image img = {w, h, 1, (size_t)w, malloc((size_t)w * h)};
    assert_non_null(img.pixels);
    float a = degrees * 3.14159265f / 180.0f, c = cosf(a), s = sinf(a);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
            float u = c * dx + s * dy, v = -s * dx + c * dy;
            bool inside = fabsf(u) <= cw / 2 && fabsf(v) <= ch / 2;
            img.pixels[(size_t)y * w + x] = inside ? front : back;
        }
    const float local[4][2] = {
        {-cw / 2, -ch / 2}, {cw / 2, -ch / 2}, {cw / 2, ch / 2}, {-cw / 2, ch / 2}};
    for (int i = 0; i < 4; i++) {
        corners[i][0] = cx + c * local[i][0] - s * local[i][1];
        corners[i][1] = cy + s * local[i][0] + c * local[i][1];
    }
    return img;
}

static void assert_corners_near(const card_quad *q, float want[4][2], float tolerance) {
    for (int i = 0; i < 4; i++) {
        float d = hypotf(q->corner[i][0] - want[i][0], q->corner[i][1] - want[i][1]);
        if (d > tolerance)
            fail_msg("corner %d at (%.1f, %.1f), want (%.1f, %.1f)", i, q->corner[i][0],
                     q->corner[i][1], want[i][0], want[i][1]);
    }
}

static void test_finds_turned_cards(void **state) {
    (void)state;
    const float turns[] = {-12.0f, -3.0f, 0.0f, 7.0f, 15.0f};
    for (size_t t = 0; t < sizeof turns / sizeof turns[0]; t++) {
        for (int dark = 0; dark < 2; dark++) {
            float want[4][2];
            image img = drawn_card(1600, 1200, dark ? 235 : 70, dark ? 40 : 225, 820, 590, 900,
                                   900 / CARD_ASPECT, turns[t], want);
            card_quad q;
            assert_int_equal(card_find(&img, &q), 1);
            assert_corners_near(&q, want, 0.02f * 900);
            image_free(&img);
        }
    }
}

static void test_standing_card_comes_back_lying(void **state) {
    (void)state;
    float want[4][2];
    image img = drawn_card(1200, 1600, 60, 220, 600, 800, 900, 900 / CARD_ASPECT, 90.0f, want);
    card_quad q;
    assert_int_equal(card_find(&img, &q), 1);
    float top = hypotf(q.corner[1][0] - q.corner[0][0], q.corner[1][1] - q.corner[0][1]);
    float side = hypotf(q.corner[2][0] - q.corner[1][0], q.corner[2][1] - q.corner[1][1]);
    assert_true(top > 1.4f * side);
    image_free(&img);
}

static void test_not_cards(void **state) {
    (void)state;
    float ignored[4][2];
    card_quad q;
    image square = drawn_card(1200, 900, 60, 220, 600, 450, 500, 500, 5.0f, ignored);
    assert_int_equal(card_find(&square, &q), 0);
    image sliver = drawn_card(1200, 900, 60, 220, 600, 450, 900, 120, 0.0f, ignored);
    assert_int_equal(card_find(&sliver, &q), 0);
    image tiny = drawn_card(1200, 900, 60, 220, 600, 450, 200, 200 / CARD_ASPECT, 0, ignored);
    assert_int_equal(card_find(&tiny, &q), 0);
    image blank = drawn_card(640, 480, 128, 128, 0, 0, 0, 0, 0, ignored);
    assert_int_equal(card_find(&blank, &q), 0);
    image_free(&square);
    image_free(&sliver);
    image_free(&tiny);
    image_free(&blank);
}

static void test_warp_maps_corners(void **state) {
    (void)state;
    /* a gradient image: value = x / 4 (0..255); the quadrilateral's corners land at the
     * output's corners, so the output's left column reads the left edge's value */
    image img = {1024, 600, 1, 1024, malloc(1024 * 600)};
    assert_non_null(img.pixels);
    for (int y = 0; y < 600; y++)
        for (int x = 0; x < 1024; x++) img.pixels[(size_t)y * 1024 + x] = (uint8_t)(x / 4);
    card_quad q = {{{200, 100}, {800, 80}, {820, 500}, {180, 520}}};
    image out;
    assert_int_equal(card_warp(&img, &q, 300, 200, &out), IMG_OK);
    assert_int_equal(out.width, 300);
    assert_int_equal(out.channels, 1);
    assert_true(abs(out.pixels[0] - 200 / 4) <= 2);                       /* (200, 100) */
    assert_true(abs(out.pixels[299] - 800 / 4) <= 2);                     /* (800, 80) */
    assert_true(abs(out.pixels[(size_t)199 * 300 + 299] - 820 / 4) <= 2); /* (820, 500) */
    assert_true(abs(out.pixels[(size_t)199 * 300] - 180 / 4) <= 2);       /* (180, 520) */
    image_free(&out);
    card_quad flat = {{{0, 0}, {0, 0}, {0, 0}, {0, 0}}};
    assert_int_equal(card_warp(&img, &flat, 300, 200, &out), IMG_CORRUPT);
    image_free(&img);
}

/* ---- MyKad reading ---- */

static void assert_reads(const mykad_reading *r, const char *truth_path) {
    json_t *truth = json_load_file(truth_path, 0, NULL);
    assert_non_null(truth);
    assert_true(r->found);
    assert_string_equal(r->ic.number, json_string_value(json_object_get(truth, "icNumber")));
    assert_string_equal(r->ic.formatted, json_string_value(json_object_get(truth, "icFormatted")));
    assert_string_equal(r->name, json_string_value(json_object_get(truth, "name")));
    assert_string_equal(r->address, json_string_value(json_object_get(truth, "address")));
    assert_string_equal(r->sex_word, json_string_value(json_object_get(truth, "sexWord")));
    assert_string_equal(r->citizenship, "WARGANEGARA");
    const char *religion = json_string_value(json_object_get(truth, "religion"));
    assert_string_equal(r->religion, religion ? religion : "");
    assert_int_equal(r->header_words, 3);
    assert_int_equal(r->card.width, MYKAD_CARD_W);
    assert_int_equal(r->card.height, MYKAD_CARD_H);
    /* the IC number where the layout puts it */
    assert_true(r->ic_box.x <= mykad_layout_ic.x0_max);
    int cy = r->ic_box.y + r->ic_box.h / 2;
    assert_true(cy >= mykad_layout_ic.y_centre_min && cy <= mykad_layout_ic.y_centre_max);
    json_decref(truth);
}

static void test_reads_flat_card(void **state) {
    (void)state;
    image img = load("tests/data/mykad/flat.jpg");
    mykad_reading r;
    assert_int_equal(mykad_read(g_text, &img, 2026, 12, 2, &r), 0);
    assert_reads(&r, "tests/data/mykad/flat.json");
    assert_int_equal(r.ic.corrections, 0);
    assert_false(r.edge_found); /* a scan: the card fills the image */
    mykad_reading_free(&r);
    image_free(&img);
}

static void test_reads_photo_any_way_up(void **state) {
    (void)state;
    static const int orientations[] = {1, 3, 6};
    for (size_t i = 0; i < sizeof orientations / sizeof orientations[0]; i++) {
        image img = load("tests/data/mykad/photo.jpg");
        assert_int_equal(image_apply_orientation(&img, orientations[i]), IMG_OK);
        mykad_reading r;
        assert_int_equal(mykad_read(g_text, &img, 2026, 12, 2, &r), 0);
        assert_true(r.edge_found);
        assert_reads(&r, "tests/data/mykad/photo.json");
        mykad_reading_free(&r);
        image_free(&img);
    }
}

static void test_not_a_mykad(void **state) {
    (void)state;
    image page = load("tests/data/mrz_td3.png");
    mykad_reading r;
    assert_int_equal(mykad_read(g_text, &page, 2026, 12, 2, &r), 0);
    assert_false(r.found);
    mykad_reading_free(&r);
    float ignored[4][2];
    image blank = drawn_card(1012, 638, 240, 240, 0, 0, 0, 0, 0, ignored);
    assert_int_equal(mykad_read(g_text, &blank, 2026, 12, 2, &r), 0);
    assert_false(r.found);
    assert_false(r.ic_read);
    mykad_reading_free(&r);
    image_free(&blank);
    /* the passport still reads as a passport through document_read, never as a MyKad */
    document_reading doc;
    assert_int_equal(
        document_read(&(document_engines){g_mrz, g_text, NULL, false}, &page, NULL, &doc), 0);
    assert_true(doc.mrz_found);
    assert_false(doc.mykad_found);
    document_reading_free(&doc);
    image_free(&page);
}

static void test_document_read_classifies_mykad(void **state) {
    (void)state;
    image img = load("tests/data/mykad/photo.jpg");
    document_reading doc;
    assert_int_equal(
        document_read(&(document_engines){g_mrz, g_text, NULL, false}, &img, NULL, &doc), 0);
    assert_false(doc.mrz_found);
    assert_true(doc.mykad_found);
    assert_int_equal(doc.kind, DOC_ID_CARD);
    assert_string_equal(doc.document_type, "Malaysia - Id Card #2");
    assert_string_equal(doc.issuing_state, "Malaysia");
    assert_int_equal(doc.page[0].width, MYKAD_CARD_W); /* the straightened card */
    assert_null(doc.mykad.card.pixels);                /* moved, not copied */
    document_reading_free(&doc);
    /* without a general-text engine there is no MyKad reading */
    assert_int_equal(document_read(&(document_engines){g_mrz, NULL, NULL, false}, &img, NULL, &doc),
                     0);
    assert_false(doc.mykad_found);
    document_reading_free(&doc);
    image_free(&img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_turned_cards),
        cmocka_unit_test(test_standing_card_comes_back_lying),
        cmocka_unit_test(test_not_cards),
        cmocka_unit_test(test_warp_maps_corners),
        cmocka_unit_test(test_reads_flat_card),
        cmocka_unit_test(test_reads_photo_any_way_up),
        cmocka_unit_test(test_not_a_mykad),
        cmocka_unit_test(test_document_read_classifies_mykad),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
