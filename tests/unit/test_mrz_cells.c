/* Unit tests for src/ocr/mrz_cells with ekycd's committed classifiers (ocr/mrz_chars.onnx and
 * ocr/mrz_chars_soft.onnx): load errors (no file, a model of the wrong shape, the second
 * missing), bad arguments, a blank strip, a line whose pitch drifts (a page photographed at an
 * angle: the cells follow the characters' ink), and a regression bound on real MRZ line crops
 * from ../shared/data (every 50th line; the full figure is in docs/accuracy.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include <math.h>

#include "ocr/mrz_cells.h"
#include "line_crops.h"
#include "testutil.h"

/* regression bounds for every 50th line (docs/accuracy.md has the figures on all lines) */
#define CELLS_MAX_CER   2  /* % of characters (0.5 measured) */
#define CELLS_MIN_EXACT 88 /* % of lines (95 measured) */

static void test_load_errors(void **state) {
    (void)state;
    char err[256] = "", dir[] = "/tmp/ekycd-cells-XXXXXX", link[512], target[4096];
    assert_null(mrz_cell_reader_new("/nonexistent", err, sizeof err));
    assert_non_null(strstr(err, "cannot load"));
    /* a valid ONNX model that is not a 32x32 tile classifier */
    assert_non_null(mkdtemp(dir));
    assert_non_null(realpath("models/fr_eye.onnx", target));
    snprintf(link, sizeof link, "%s/%s", dir, MRZ_CELLS_MODEL);
    assert_int_equal(symlink(target, link), 0);
    assert_null(mrz_cell_reader_new(dir, err, sizeof err));
    assert_non_null(strstr(err, "expected one 32x32 tile"));
    unlink(link);
    /* the sharp-print classifier without its soft-print partner */
    assert_non_null(realpath("ocr/" MRZ_CELLS_MODEL, target));
    assert_int_equal(symlink(target, link), 0);
    assert_null(mrz_cell_reader_new(dir, err, sizeof err));
    assert_non_null(strstr(err, "cannot load"));
    assert_non_null(strstr(err, MRZ_CELLS_SOFT_MODEL));
    unlink(link);
    rmdir(dir);
}

static void test_bad_arguments_and_blank(void **state) {
    (void)state;
    char err[256];
    mrz_cell_reader *r = mrz_cell_reader_new("ocr", err, sizeof err);
    assert_non_null(r);
    static uint8_t white[MRZ_STRIP_HEIGHT * 400];
    memset(white, 255, sizeof white);
    mrz_cell cells[MRZ_CELLS_MAX];
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 20, 300, 0, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 20, 300, MRZ_CELLS_MAX + 1, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 20, 0, 30, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 399, 20, 300, 30, cells), -1);
    assert_int_equal(mrz_cells_read(r, NULL, 400, 400, 20, 300, 30, cells), -1);
    /* a line outside the strip, or not a number */
    assert_int_equal(mrz_cells_read(r, white, 400, 400, -5, 300, 30, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 20, 390, 30, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 1e30f, 300, 30, cells), -1);
    assert_int_equal(mrz_cells_read(r, white, 400, 400, NAN, 300, 30, cells), -1);
    /* a crop one pixel tall has no text band */
    assert_int_equal(mrz_cells_read_crop(r, white, 400, 1, 400, 30, cells), -1);
    /* no contrast: fillers that claim nothing */
    assert_int_equal(mrz_cells_read(r, white, 400, 400, 20, 300, 30, cells), 0);
    for (int i = 0; i < 30; i++) {
        assert_int_equal(cells[i].ch[0], '<');
        assert_true(cells[i].p[0] == 0.0f);
    }
    /* a crop without a text band is refused */
    assert_int_equal(mrz_cells_read_crop(r, white, 400, MRZ_STRIP_HEIGHT, 400, 30, cells), -1);
    mrz_cell_reader_free(r);
}

/* The second MRZ line of tests/data/mrz_td3.png (rows 255-300), its pitch growing along the line
 * by `growth` (0.1: the last character is 10 % wider apart than the first), as a page turned
 * away from the camera prints it: output x reads the source at x + k (x - 33)^2. */
static image drifting_line(float growth) {
    size_t len = 0;
    unsigned char *png = tu_read_file("tests/data/mrz_td3.png", &len);
    image page, out = {0};
    char err[128];
    assert_non_null(png);
    assert_int_equal(image_decode(png, len, 1u << 24, &page, err, sizeof err), IMG_OK);
    free(png);
    const float x0 = 33.0f, span = 655.0f, k = growth / (2.0f * span);
    out.width = 900, out.height = 46, out.channels = 1, out.stride = 900;
    out.pixels = malloc((size_t)out.width * (size_t)out.height);
    assert_non_null(out.pixels);
    for (int y = 0; y < out.height; y++)
        for (int x = 0; x < out.width; x++) {
            float d = (float)x - x0, sx = (float)x + (d > 0 ? k * d * d : 0.0f);
            int i = (int)sx;
            float f = sx - (float)i;
            const uint8_t *row = page.pixels + (size_t)(255 + y) * page.stride;
            float a = i < page.width ? row[(size_t)i * 3] : 255.0f;
            float b = i + 1 < page.width ? row[(size_t)(i + 1) * 3] : 255.0f;
            out.pixels[(size_t)y * out.stride + (size_t)x] = (uint8_t)(a + f * (b - a) + 0.5f);
        }
    image_free(&page);
    return out;
}

static void test_drifting_pitch(void **state) {
    (void)state;
    static const char truth[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    char err[256];
    mrz_cell_reader *r = mrz_cell_reader_new("ocr", err, sizeof err);
    assert_non_null(r);
    static const float growths[] = {0.0f, 0.15f};
    for (size_t g = 0; g < sizeof growths / sizeof growths[0]; g++) {
        image line = drifting_line(growths[g]);
        mrz_cell cells[MRZ_CELLS_MAX];
        assert_int_equal(mrz_cells_read_crop(r, line.pixels, line.width, line.height,
                                             (int)line.stride, 44, cells),
                         0);
        char text[45];
        /* where the line holds a digit, the cell's likeliest digit (as the parser's field
         * alphabets take it: this print's 0 and O look alike) */
        for (int i = 0; i < 44; i++)
            text[i] = truth[i] >= '0' && truth[i] <= '9' ? cells[i].digit : cells[i].ch[0];
        text[44] = '\0';
        assert_string_equal(text, truth);
        image_free(&line);
    }
    mrz_cell_reader_free(r);
}

static void test_real_mrz_lines(void **state) {
    (void)state;
    char err[256], truth[64];
    TU_NEED_SHARED(LINE_CROPS("lines.tsv")); /* before anything is allocated */
    mrz_cell_reader *r = mrz_cell_reader_new("ocr", err, sizeof err);
    assert_non_null(r);
    FILE *f = fopen(LINE_CROPS("lines.tsv"), "r");
    assert_non_null(f);
    line_crops_tally t = {0};
    int row = 0;
    image grey;
    while (line_crops_next(f, 50, &row, &grey, truth, sizeof truth)) {
        int len = (int)strlen(truth);
        mrz_cell cells[MRZ_CELLS_MAX];
        char text[MRZ_CELLS_MAX + 1];
        assert_int_equal(mrz_cells_read_crop(r, grey.pixels, grey.width, grey.height,
                                             (int)grey.stride, len, cells),
                         0);
        for (int k = 0; k < len; k++) {
            text[k] = cells[k].ch[0];
            assert_true(cells[k].p[0] >= cells[k].p[1] && cells[k].p[1] >= cells[k].p[2]);
        }
        text[len] = '\0';
        line_crops_score(&t, text, truth);
        image_free(&grey);
    }
    fclose(f);
    mrz_cell_reader_free(r);
    line_crops_report("mrz cells", &t);
    assert_true(t.lines >= 60);
    assert_true(t.errors * 100 < t.chars * CELLS_MAX_CER);
    assert_true(t.exact * 100 > t.lines * CELLS_MIN_EXACT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_bad_arguments_and_blank),
        cmocka_unit_test(test_drifting_pitch),
        cmocka_unit_test(test_real_mrz_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
