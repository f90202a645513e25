/* Unit tests for src/ocr with ekycd's committed MRZ model (ocr/mrz.traineddata): load errors, a
 * blank image, and a regression bound on real MRZ line crops from ../shared/data (every 100th
 * line; the full figure is in docs/accuracy.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ocr/ocr.h"
#include "line_crops.h"
#include "testutil.h"

#define WHITELIST "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

static void test_load_errors(void **state) {
    (void)state;
    char err[256] = "";
    assert_null(ocr_engine_new("/nonexistent", "mrz", err, sizeof err));
    assert_non_null(strstr(err, "cannot load OCR model"));
    assert_null(ocr_engine_new("ocr", "no-such-model", err, sizeof err));
}

static void test_blank_image(void **state) {
    (void)state;
    char err[256], text[64];
    ocr_engine *e = ocr_engine_new("ocr", "mrz", err, sizeof err);
    assert_non_null(e);
    uint8_t white[40 * 400];
    memset(white, 255, sizeof white);
    int conf = -1;
    assert_int_equal(ocr_read_line(e, white, 400, 40, 400, WHITELIST, text, sizeof text, &conf), 0);
    assert_string_equal(text, "");
    /* a 1-byte output buffer still gets a terminated string */
    assert_int_equal(ocr_read_line(e, white, 400, 40, 400, NULL, text, 1, &conf), 0);
    assert_int_equal(text[0], '\0');
    /* empty and inconsistent images are refused, not read */
    assert_int_equal(ocr_read_line(e, white, 0, 40, 400, NULL, text, sizeof text, &conf), -1);
    assert_int_equal(ocr_read_line(e, white, 400, 40, 10, NULL, text, sizeof text, &conf), -1);
    assert_int_equal(ocr_read_line(e, NULL, 400, 40, 400, NULL, text, sizeof text, &conf), -1);
    ocr_engine_free(e);
}

static void test_real_mrz_lines(void **state) {
    (void)state;
    char err[256], truth[64];
    TU_NEED_SHARED(LINE_CROPS("lines.tsv")); /* before anything is allocated */
    ocr_engine *e = ocr_engine_new("ocr", "mrz", err, sizeof err);
    assert_non_null(e);
    FILE *f = fopen(LINE_CROPS("lines.tsv"), "r");
    assert_non_null(f);
    line_crops_tally t = {0};
    int row = 0;
    image grey;
    while (line_crops_next(f, 100, &row, &grey, truth, sizeof truth)) {
        char text[128];
        int conf = 0;
        assert_int_equal(ocr_read_line(e, grey.pixels, grey.width, grey.height, (int)grey.stride,
                                       WHITELIST, text, sizeof text, &conf),
                         0);
        line_crops_score(&t, text, truth);
        image_free(&grey);
    }
    fclose(f);
    ocr_engine_free(e);
    line_crops_report("mrz model", &t);
    assert_true(t.lines >= 30);
    /* measured 3.0% on all 3474 lines; stock English reads 15.9% */
    assert_true(t.errors * 100 < t.chars * 6);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_blank_image),
        cmocka_unit_test(test_real_mrz_lines),
    };
    return cmocka_run_group_tests_name("ocr", tests, NULL, NULL);
}
