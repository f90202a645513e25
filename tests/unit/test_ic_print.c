/* The IC number's print digit by digit (kyc/ic_print.h) and the font check built on it
 * (kyc/mykad_checks.h), on the synthetic MyKad fixture: its genuine number prints alike; one
 * digit moved off the line, thinned, or enlarged, as an edit would leave it, is found and named;
 * a number too small in the photo is not compared; no number, nothing cut. The religion field
 * against its neighbours likewise. The edits are made here, on the fixture's own pixels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "imageutil.h"
#include "kyc/ic_print.h"
#include "kyc/mykad_checks.h"

#define NUMBER "970414119722" /* the fixture's IC number, 970414-11-9722 */

static const image_box LINE = {IU_CARD_IC_LINE};

static image load_card(void) {
    image card;
    assert_true(iu_load(IU_CARD, &card));
    assert_int_equal(card.width, 1012);
    return card;
}

static ic_print measure(const image *card, float detail) {
    ic_print p;
    assert_int_equal(ic_print_measure(card, LINE, NUMBER, detail, &p), 0);
    return p;
}

/* The digit boxes of the genuine fixture */
static ic_print genuine_print(void) {
    image card = load_card();
    ic_print p = measure(&card, 1.0f);
    image_free(&card);
    assert_true(p.measured);
    return p;
}

/* A rectangle of the card grown by `by` pixels on every side */
static image_box grown(image_box b, int by) {
    return (image_box){b.x - by, b.y - by, b.w + 2 * by, b.h + 2 * by};
}

/* Moves the rectangle's pixels down by dy, filling what it leaves with the paper just above */
static void move_down(image *card, image_box b, int dy) {
    size_t row = (size_t)b.w * 3;
    uint8_t *saved = malloc(row * (size_t)b.h);
    assert_non_null(saved);
    for (int y = 0; y < b.h; y++)
        memcpy(saved + (size_t)y * row, card->pixels + (size_t)(b.y + y) * card->stride + b.x * 3,
               row);
    for (int y = b.y; y < b.y + b.h; y++)
        memcpy(card->pixels + (size_t)y * card->stride + b.x * 3,
               card->pixels + (size_t)(b.y - 1) * card->stride + b.x * 3, row);
    for (int y = 0; y < b.h; y++)
        memcpy(card->pixels + (size_t)(b.y + y + dy) * card->stride + b.x * 3,
               saved + (size_t)y * row, row);
    free(saved);
}

/* Thins the print in the rectangle by one pixel on each side */
static void thin(image *card, image_box b) {
    assert_true(iu_thin_print(card, b.x, b.y, b.w, b.h));
}

/* Reprints the rectangle `factor` times larger, standing on the same bottom edge and centred */
static void enlarge(image *card, image_box b, float factor) {
    int w = (int)((float)b.w * factor + 0.5f), h = (int)((float)b.h * factor + 0.5f);
    image_box to = {b.x - (w - b.w) / 2, b.y + b.h - h, w, h};
    float *rgb = malloc(sizeof *rgb * 3 * (size_t)w * (size_t)h);
    assert_non_null(rgb);
    image_crop_rgb_to_tensor(card, (float)b.x, (float)b.y, (float)b.w, (float)b.h, w, h, 0, 1, rgb);
    size_t plane = (size_t)w * (size_t)h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                card->pixels[(size_t)(to.y + y) * card->stride + (to.x + x) * 3 + c] =
                    (uint8_t)(rgb[c * plane + (size_t)y * w + x] + 0.5f);
    free(rgb);
}

static void test_genuine_number_prints_alike(void **state) {
    (void)state;
    ic_print p = genuine_print();
    assert_int_equal(p.digits_found, IC_DIGITS);
    assert_false(p.too_small);
    assert_true(p.worst < 1.0f);
    assert_true(p.digit_height > 30 && p.digit_height < 37); /* 46-pixel bold digits */
    for (int i = 1; i < IC_DIGITS; i++) assert_true(p.glyph[i].x > p.glyph[i - 1].x);
    /* the two dashes are not digits: a gap after the sixth and the eighth digit */
    int gap6 = p.glyph[6].x - (p.glyph[5].x + p.glyph[5].w);
    int gap2 = p.glyph[2].x - (p.glyph[1].x + p.glyph[1].w);
    assert_true(gap6 > 2 * gap2);
}

/* One digit edited (0 moved 4 pixels down, 1 thinned twice, 2 enlarged 12 %): it is the most
 * deviating digit, by at least at_least in measure `shows`, in which every other digit is
 * within tolerance */
static void edited_digit_is_found(int digit, int edit, ic_measure shows, float at_least) {
    image_box box = genuine_print().glyph[digit];
    image card = load_card();
    if (edit == 0) move_down(&card, grown(box, 2), 4);
    if (edit == 1) thin(&card, grown(box, 2)), thin(&card, grown(box, 2));
    if (edit == 2) enlarge(&card, grown(box, 1), 1.12f);
    ic_print p = measure(&card, 1.0f);
    image_free(&card);
    assert_true(p.measured);
    assert_int_equal(p.odd, digit);
    assert_true(p.by_measure[shows][digit] >= at_least);
    for (int i = 0; i < IC_DIGITS; i++)
        if (i != digit) assert_true(p.by_measure[shows][i] < 1.0f);
}

static void test_digit_off_the_line(void **state) {
    (void)state;
    edited_digit_is_found(8, 0, IC_MEASURE_TOP, 1.0f);
    edited_digit_is_found(8, 0, IC_MEASURE_BOTTOM, 1.0f);
}

static void test_thinner_digit(void **state) {
    (void)state;
    edited_digit_is_found(3, 1, IC_MEASURE_STROKE, IC_PRINT_FAIL_AT);
}

static void test_larger_digit(void **state) {
    (void)state;
    edited_digit_is_found(10, 2, IC_MEASURE_HEIGHT, 1.0f);
}

static void test_small_photo_is_not_compared(void **state) {
    (void)state;
    image card = load_card();
    ic_print p = measure(&card, 0.3f); /* a card 300 pixels wide in the photo, enlarged */
    image_free(&card);
    assert_false(p.measured);
    assert_true(p.too_small);
    assert_true(p.digit_height < IC_PRINT_MIN_GLYPH_PX);
}

static void test_no_number(void **state) {
    (void)state;
    image blank = {200, 100, 3, 600, malloc(600 * 100)};
    assert_non_null(blank.pixels);
    memset(blank.pixels, 230, 600 * 100);
    ic_print p;
    assert_int_equal(ic_print_measure(&blank, (image_box){10, 20, 150, 30}, NUMBER, 1, &p), 0);
    assert_false(p.measured);
    assert_int_equal(p.digits_found, 0);
    /* a line box off the image, or empty */
    assert_int_equal(ic_print_measure(&blank, (image_box){500, 500, 40, 20}, NUMBER, 1, &p), 0);
    assert_false(p.measured);
    assert_int_equal(ic_print_measure(&blank, (image_box){10, 20, 0, 0}, NULL, 1, &p), 0);
    assert_false(p.measured);
    image_free(&blank);
}

/* The font check's verdict and reason from the print */
static void test_font_check_names_the_digit(void **state) {
    (void)state;
    mykad_reading r;
    memset(&r, 0, sizeof r);
    r.ic_read = true;
    assert_int_equal(mykad_parse_ic("970414-11-9722", 2026, 12, 2, &r.ic), 0);
    r.ic_box = (mykad_box){LINE.x, LINE.y, LINE.w, LINE.h};
    char reason[160];
    ic_print p = genuine_print();
    assert_int_equal(mykad_font_check(&r, &p, NULL, reason, sizeof reason), MYKAD_PASS);
    assert_string_equal(reason, "");

    image_box box = p.glyph[3];
    image card = load_card();
    thin(&card, grown(box, 2));
    thin(&card, grown(box, 2));
    p = measure(&card, 1.0f);
    assert_int_equal(mykad_font_check(&r, &p, NULL, reason, sizeof reason), MYKAD_FAIL);
    assert_non_null(strstr(reason, "strokes (digit 4 of 12)"));
    /* an unplausible number outranks the print */
    r.ic.birth_date_valid = false;
    assert_int_equal(mykad_font_check(&r, &p, NULL, reason, sizeof reason), MYKAD_FAIL);
    assert_non_null(strstr(reason, "not a valid one"));
    r.ic.birth_date_valid = true;

    p = measure(&card, 0.3f); /* too small to see the edit: said, not passed silently */
    image_free(&card);
    assert_int_equal(mykad_font_check(&r, &p, NULL, reason, sizeof reason), MYKAD_PASS);
    assert_non_null(strstr(reason, "too small to compare"));
}

/* The fixture's right column as the reader boxes it: WARGANEGARA, ISLAM, PEREMPUAN */
static mykad_reading right_column(void) {
    mykad_reading r;
    memset(&r, 0, sizeof r);
    snprintf(r.citizenship, sizeof r.citizenship, "WARGANEGARA");
    snprintf(r.religion, sizeof r.religion, "ISLAM");
    snprintf(r.sex_word, sizeof r.sex_word, "PEREMPUAN");
    r.citizenship_box = (mykad_box){701, 502, 212, 18};
    r.religion_box = (mykad_box){702, 534, 80, 18};
    r.sex_box = (mykad_box){702, 566, 164, 18};
    return r;
}

/* The religion field: the fixture's prints like its neighbours; reprinted lighter, or moved
 * right by 8 pixels or down by 6 (as an added line would be), it does not; a card without a
 * religion, or too small in the photo, is not judged. */
static void test_religion_field(void **state) {
    (void)state;
    mykad_reading r = right_column();
    mykad_religion_print p;
    image card = load_card();
    assert_int_equal(mykad_religion_check(&r, &card, 1.0f, &p), 0);
    assert_true(p.performed);
    assert_int_equal(p.verdict, MYKAD_PASS);
    assert_true(p.deviation < 1.0f);
    assert_string_equal(p.reason, "");

    image_box word = {700, 530, 84, 26}; /* ISLAM and a margin */
    image edited;
    assert_int_equal(image_crop(&card, 0, 0, card.width, card.height, &edited), IMG_OK);
    thin(&edited, word);
    thin(&edited, word);
    assert_int_equal(mykad_religion_check(&r, &edited, 1.0f, &p), 0);
    assert_int_equal(p.verdict, MYKAD_FAIL);
    assert_non_null(strstr(p.reason, "strokes"));
    image_free(&edited);

    static const int moves[2][2] = {{8, 0}, {0, 6}}; /* right, down */
    static const char *const shows[2] = {"left edge", "line spacing"};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(image_crop(&card, 0, 0, card.width, card.height, &edited), IMG_OK);
        for (int y = word.y; y < word.y + word.h; y++) /* the paper left of the column */
            for (int x = word.x; x < word.x + word.w; x++)
                memcpy(edited.pixels + (size_t)y * edited.stride + (size_t)x * 3,
                       card.pixels + (size_t)y * card.stride + 690 * 3, 3);
        image_box from = word;
        from.w -= moves[k][0], from.h -= moves[k][1];
        for (int y = from.h - 1; y >= 0; y--) /* shift right/down, copying from the far end */
            memmove(edited.pixels + (size_t)(from.y + y + moves[k][1]) * edited.stride +
                        (size_t)(from.x + moves[k][0]) * 3,
                    card.pixels + (size_t)(from.y + y) * card.stride + (size_t)from.x * 3,
                    (size_t)from.w * 3);
        mykad_reading moved = r;
        moved.religion_box.x += moves[k][0], moved.religion_box.y += moves[k][1];
        assert_int_equal(mykad_religion_check(&moved, &edited, 1.0f, &p), 0);
        assert_true(p.verdict != MYKAD_PASS);
        assert_non_null(strstr(p.reason, shows[k]));
        image_free(&edited);
    }

    assert_int_equal(mykad_religion_check(&r, &card, 0.3f, &p), 0); /* a 300-pixel card */
    assert_false(p.performed);
    assert_non_null(strstr(p.reason, "too small"));
    r.religion[0] = '\0';
    assert_int_equal(mykad_religion_check(&r, &card, 1.0f, &p), 0);
    assert_false(p.performed);
    assert_non_null(strstr(p.reason, "no religion"));
    image_free(&card);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genuine_number_prints_alike),
        cmocka_unit_test(test_digit_off_the_line),
        cmocka_unit_test(test_thinner_digit),
        cmocka_unit_test(test_larger_digit),
        cmocka_unit_test(test_small_photo_is_not_compared),
        cmocka_unit_test(test_no_number),
        cmocka_unit_test(test_font_check_names_the_digit),
        cmocka_unit_test(test_religion_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
