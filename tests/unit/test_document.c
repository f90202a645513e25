/* Unit tests for src/kyc/mrz_reader.c and src/kyc/document.c: the MRZ of a rendered passport
 * page (tests/data/mrz_td3.png) is found and read in all eight orientations, the reported turn
 * undoes the one applied, the outline lies on the page; pages without an MRZ give nothing; a
 * mark written on past one line's end does not shift the read; a date digit read as a letter is
 * mended; a page photographed at an angle (keystone from below, from the side), in dim, flat
 * light or with glare washing out the middle of its MRZ reads whole.
 * Also the state-name table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/document.h"
#include "kyc/states.h"
#include "testutil.h"
#include "vision/card.h"

#define LINE1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define LINE2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

static mrz_cell_reader *g_ocr;
static image g_page;

static int setup(void **state) {
    (void)state;
    char err[256];
    g_ocr = mrz_cell_reader_new("ocr", err, sizeof err);
    size_t len = 0;
    unsigned char *png = tu_read_file("tests/data/mrz_td3.png", &len);
    if (!g_ocr || !png) return -1;
    image_status st = image_decode(png, len, 1u << 24, &g_page, err, sizeof err);
    free(png);
    return st == IMG_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    mrz_cell_reader_free(g_ocr);
    image_free(&g_page);
    return 0;
}

static image turned_copy(const image *src, int orientation) {
    image t = *src;
    t.pixels = malloc(src->stride * (size_t)src->height);
    assert_non_null(t.pixels);
    memcpy(t.pixels, src->pixels, src->stride * (size_t)src->height);
    assert_int_equal(image_apply_orientation(&t, orientation), IMG_OK);
    return t;
}

/* Reads `page` (a front, no back) and checks its MRZ: found, the second line exact, the first
 * too when `first_line`, every check digit right when `checks`. */
static void assert_reads_mrz(const image *page, bool first_line, bool checks) {
    document_reading doc;
    assert_int_equal(document_read(&(document_engines){g_ocr, NULL, NULL, false}, page, NULL, &doc),
                     0);
    assert_true(doc.mrz_found);
    if (first_line) assert_string_equal(doc.mrz.mrz.lines[0], LINE1);
    assert_string_equal(doc.mrz.mrz.lines[1], LINE2);
    if (checks) assert_true(doc.mrz.mrz.check_digits_valid);
    document_reading_free(&doc);
}

static void test_every_orientation(void **state) {
    (void)state;
    static const int undo[9] = {0, 1, 2, 3, 4, 5, 8, 7, 6};
    for (int o = 1; o <= 8; o++) {
        image t = turned_copy(&g_page, o);
        document_reading doc;
        assert_int_equal(
            document_read(&(document_engines){g_ocr, NULL, NULL, false}, &t, NULL, &doc), 0);
        assert_true(doc.mrz_found);
        assert_int_equal(doc.mrz.mrz.line_count, 2);
        assert_string_equal(doc.mrz.mrz.lines[0], LINE1);
        assert_string_equal(doc.mrz.mrz.lines[1], LINE2);
        assert_int_equal(doc.mrz.check_digits_ok, doc.mrz.check_digits_total);
        assert_int_equal(document_upright_orientation(doc.mrz.rotation, doc.mrz.mirrored), undo[o]);
        assert_int_equal(doc.kind, DOC_PASSPORT);
        assert_string_equal(doc.document_type, "UTO - Passport");
        /* upright again: the page's own size, the outline inside it, around the MRZ */
        assert_int_equal(doc.page[0].width, g_page.width);
        assert_int_equal(doc.page[0].height, g_page.height);
        assert_true(doc.outline_found[0]);
        assert_true(doc.outline[0].x >= 0 && doc.outline[0].y >= 0);
        assert_true(doc.outline[0].x + doc.outline[0].w <= g_page.width);
        assert_true(doc.outline[0].y + doc.outline[0].h <= g_page.height);
        assert_true(doc.outline[0].w > g_page.width / 2);
        assert_false(doc.portrait_found); /* no face engine given */
        document_reading_free(&doc);
        image_free(&t);
    }
}

static void test_no_mrz(void **state) {
    (void)state;
    /* blank, noise, 1x1, and the page with its MRZ painted over */
    image blank = {640, 480, 1, 640, calloc(640 * 480, 1)};
    assert_non_null(blank.pixels);
    memset(blank.pixels, 255, 640 * 480);
    image noise = {640, 480, 1, 640, malloc(640 * 480)};
    assert_non_null(noise.pixels);
    srand(7);
    for (int i = 0; i < 640 * 480; i++) noise.pixels[i] = (uint8_t)(rand() & 255);
    uint8_t one = 0;
    image tiny = {1, 1, 1, 1, &one};
    image painted = turned_copy(&g_page, 1);
    for (int y = painted.height * 55 / 100; y < painted.height; y++)
        memset(painted.pixels + (size_t)y * painted.stride, 255, painted.stride);
    const image *cases[] = {&blank, &noise, &tiny, &painted};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        document_reading doc;
        assert_int_equal(
            document_read(&(document_engines){g_ocr, NULL, NULL, false}, cases[i], NULL, &doc), 0);
        if (doc.mrz_found)
            print_message("case %zu: %s / %s / %s\n", i, doc.mrz.mrz.lines[0], doc.mrz.mrz.lines[1],
                          doc.mrz.mrz.lines[2]);
        assert_false(doc.mrz_found);
        assert_int_equal(doc.kind, DOC_UNKNOWN);
        assert_string_equal(doc.document_type, "");
        document_reading_free(&doc);
    }
    image_free(&blank);
    image_free(&noise);
    image_free(&painted);
}

/* Handwriting or a stamp touching one MRZ line past its end (a visa's written number) makes
 * that line look longer than the others; read over the longer extent every character would
 * slip. The band is read over the extent its lines share as well. */
static void test_mark_past_line_end(void **state) {
    (void)state;
    image marked = turned_copy(&g_page, 1);
    /* the page: 900 px wide, line 2 of the MRZ on rows 268-283, ink from x 33 to 687 */
    for (int glyph = 0; glyph < 4; glyph++) {
        int x0 = 700 + glyph * 15;
        for (int y = 268; y <= 283; y++)
            for (int x = x0; x < x0 + 9; x++) {
                bool ring = y < 270 || y > 281 || x < x0 + 2 || x > x0 + 6;
                if (ring)
                    memset(marked.pixels + (size_t)y * marked.stride +
                               (size_t)x * (size_t)marked.channels,
                           20, (size_t)marked.channels);
            }
    }
    assert_reads_mrz(&marked, true, false);
    image_free(&marked);
}

/* A digit printed or worn so that it reads as a confident letter ('0' with its right side gone
 * reads 'C', with no digit among the runner-ups): a date holds only digits, so the cell's
 * likeliest digit is taken when the check digit then comes out right. */
static void test_letter_in_date(void **state) {
    (void)state;
    image worn = turned_copy(&g_page, 1);
    /* the expiry date's '0' (line 2, cell 23) spans x 377-387 on rows 268-283 */
    for (int y = 271; y < 281; y++)
        memset(worn.pixels + (size_t)y * worn.stride + 385 * (size_t)worn.channels, 255,
               4 * (size_t)worn.channels);
    assert_reads_mrz(&worn, false, true);
    image_free(&worn);
}

/* The page seen at an angle: view pixel (u, v) shows the page at the perspective map of the view
 * onto `q` (corners in page pixels), so a side of q longer than the page's shrinks the page
 * there, as a side farther from the camera does. */
static void read_in_perspective(const card_quad *q) {
    image view;
    assert_int_equal(card_warp(&g_page, q, g_page.width, g_page.height, &view), IMG_OK);
    assert_reads_mrz(&view, true, true);
    image_free(&view);
}

static void test_perspective(void **state) {
    (void)state;
    float w = (float)g_page.width, h = (float)g_page.height;
    /* from below: the top of the page narrower, the first MRZ line shorter than the second */
    read_in_perspective(&(card_quad){{{-0.3f * w, 0}, {1.3f * w, 0}, {w, h}, {0, h}}});
    /* from the left: the right side lower, the lines converging and their characters shrinking */
    read_in_perspective(&(card_quad){{{0, 0}, {w, -0.1f * h}, {w, 1.1f * h}, {0, h}}});
}

/* The page in dim, flat light: every level squeezed into 100..124 (ink 100, paper 124). */
static void test_dim_page(void **state) {
    (void)state;
    image dim = turned_copy(&g_page, 1);
    for (int y = 0; y < dim.height; y++)
        for (size_t x = 0; x < (size_t)dim.width * (size_t)dim.channels; x++) {
            uint8_t *p = dim.pixels + (size_t)y * dim.stride + x;
            *p = (uint8_t)(100 + *p * 24 / 255);
        }
    assert_reads_mrz(&dim, true, false);
    image_free(&dim);
}

/* Glare over the middle of the MRZ: the ink there lightened by up to 245 grey levels (an
 * elliptical spot 30 % of the page wide, 12 % high, centred on the band), nearly gone. The band
 * is still found and the second line, which the check digits cover, read whole; letters of the
 * name under the spot may be lost. */
static void test_glare(void **state) {
    (void)state;
    image glare = turned_copy(&g_page, 1);
    float cx = 0.5f * (float)glare.width, sx = 0.3f * (float)glare.width;
    float cy = 255.0f, sy = 0.12f * (float)glare.height;
    for (int y = 0; y < glare.height; y++)
        for (int x = 0; x < glare.width; x++) {
            float dx = ((float)x - cx) / sx, dy = ((float)y - cy) / sy;
            float lift = 245.0f * expf(-(dx * dx + dy * dy));
            for (int c = 0; c < glare.channels; c++) {
                uint8_t *p = glare.pixels + (size_t)y * glare.stride +
                             (size_t)x * (size_t)glare.channels + (size_t)c;
                if (*p < 128) *p = (uint8_t)fminf(255.0f, (float)*p + lift);
            }
        }
    assert_reads_mrz(&glare, false, true);
    image_free(&glare);
}

/* An ID card's MRZ is on its back: read there when the front has none. */
static void test_mrz_on_back(void **state) {
    (void)state;
    image blank = {400, 300, 1, 400, malloc(400 * 300)};
    assert_non_null(blank.pixels);
    memset(blank.pixels, 255, 400 * 300);
    document_reading doc;
    assert_int_equal(
        document_read(&(document_engines){g_ocr, NULL, NULL, false}, &blank, &g_page, &doc), 0);
    assert_true(doc.mrz_found);
    assert_int_equal(doc.mrz_page, 1);
    assert_true(doc.outline_found[1]);
    assert_false(doc.outline_found[0]);
    assert_non_null(doc.page[0].pixels);
    assert_non_null(doc.page[1].pixels);
    document_reading_free(&doc);
    image_free(&blank);
}

static void test_state_names(void **state) {
    (void)state;
    assert_string_equal(state_name("MYS"), "Malaysia");
    assert_string_equal(state_name("D<<"), "Germany");
    assert_string_equal(state_name("XXA"), "Stateless person");
    assert_null(state_name("UTO"));
    assert_null(state_name("<<<"));
    assert_null(state_name("ZZZ"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_orientation),
        cmocka_unit_test(test_no_mrz),
        cmocka_unit_test(test_mark_past_line_end),
        cmocka_unit_test(test_letter_in_date),
        cmocka_unit_test(test_perspective),
        cmocka_unit_test(test_dim_page),
        cmocka_unit_test(test_glare),
        cmocka_unit_test(test_mrz_on_back),
        cmocka_unit_test(test_state_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
