/* Screen recapture cues (kyc/screen_recapture.h): the synthetic MyKad fixture as it is shows no
 * display grid, and neither does a page of monospaced MRZ print; the same card with an RGB-stripe
 * display's grid laid over it (tests/imageutil.h) shows one, at the period and angle it was laid
 * at, faint or strong; a background of parallel fine lines (a printed security hatching) is no
 * grid; a grid outside the region measured is not counted; a black, a tiny and a grey image are
 * not measured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "imageutil.h"
#include "kyc/screen_recapture.h"

static image load_card(void) {
    image card;
    assert_true(iu_load(IU_CARD, &card)); /* 1012 x 638, committed */
    assert_int_equal(card.channels, 3);
    return card;
}

static void test_card_as_photographed(void **state) {
    (void)state;
    image card = load_card();
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&card, NULL, &s), 0);
    assert_true(s.measured);
    assert_true(s.tiles >= 100);
    assert_false(screen_recapture_found(&s));
    image_free(&card);
}

static void test_card_off_a_screen(void **state) {
    (void)state;
    static const struct {
        float period, angle;
    } grids[] = {{2.7f, 3.0f}, {3.6f, 30.0f}, {4.5f, 95.0f}};
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++) {
        image card = load_card();
        iu_display_grid(&card, 0, 0, card.width, card.height, grids[i].period, grids[i].angle,
                        0.4f);
        screen_cues s;
        assert_int_equal(screen_recapture_measure(&card, NULL, &s), 0);
        assert_true(screen_recapture_found(&s));
        assert_true(s.share >= 0.9f);
        /* the peak is the grid's own period along its direction (the rows' is the same) */
        assert_true(fabsf(s.period_px - grids[i].period) < 0.1f * grids[i].period);
        float turn = fmodf(fabsf(s.angle_deg - grids[i].angle), 90.0f);
        assert_true(turn < 5.0f || turn > 85.0f);
        image_free(&card);
    }
}

/* Darkens the image by up to `depth` along parallel lines `period` px apart, at `angle_deg`. */
static void hatch(image *img, float period, float angle_deg, float depth) {
    float a = angle_deg * 3.14159265f / 180.0f;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            float along = (float)x * cosf(a) + (float)y * sinf(a);
            float keep = 1.0f - 0.5f * depth * (1.0f + cosf(6.2831853f * along / period));
            uint8_t *p = img->pixels + (size_t)y * img->stride + (size_t)x * 3;
            for (int c = 0; c < 3; c++) p[c] = (uint8_t)((float)p[c] * keep);
        }
}

static void test_printed_hatching_is_no_grid(void **state) {
    (void)state;
    image card = load_card();
    hatch(&card, 2.4f, 45.0f, 0.3f);
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&card, NULL, &s), 0);
    assert_true(s.share >= 0.9f); /* the lines are everywhere */
    assert_true(s.prominence >= 50.0f);
    assert_true(s.cross_prominence < 2.0f); /* but repeat one way only */
    assert_false(screen_recapture_found(&s));
    image_free(&card);
}

static void test_faint_grid(void **state) {
    (void)state;
    image card = load_card();
    iu_display_grid(&card, 0, 0, card.width, card.height, 3.1f, 8.0f, 0.08f);
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&card, NULL, &s), 0);
    assert_true(screen_recapture_found(&s));
    image_free(&card);
}

static void test_grid_outside_the_region(void **state) {
    (void)state;
    image card = load_card();
    int half = card.width / 2;
    iu_display_grid(&card, half, 0, card.width - half, card.height, 2.7f, 3.0f, 0.4f);
    card_quad left = {
        {{0, 0}, {(float)half, 0}, {(float)half, (float)card.height}, {0, (float)card.height}}};
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&card, &left, &s), 0);
    assert_true(s.measured);
    assert_false(screen_recapture_found(&s));
    card_quad right = {{{(float)half, 0},
                        {(float)card.width, 0},
                        {(float)card.width, (float)card.height},
                        {(float)half, (float)card.height}}};
    assert_int_equal(screen_recapture_measure(&card, &right, &s), 0);
    assert_true(screen_recapture_found(&s));
    image_free(&card);
}

static void test_mrz_print_is_no_grid(void **state) {
    (void)state;
    image page;
    assert_true(iu_load("tests/data/mrz_td3.png", &page)); /* 900 x 360, 44-character lines */
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&page, NULL, &s), 0);
    assert_true(s.measured);
    assert_false(screen_recapture_found(&s));
    image_free(&page);
}

static void test_not_measured(void **state) {
    (void)state;
    image black = {640, 480, 3, 640 * 3, calloc(640 * 480, 3)};
    assert_non_null(black.pixels);
    screen_cues s;
    assert_int_equal(screen_recapture_measure(&black, NULL, &s), 0);
    assert_false(s.measured);
    assert_int_equal(s.tiles, 0);
    assert_false(screen_recapture_found(&s));
    image_free(&black);

    image card = load_card(), tiny;
    assert_int_equal(image_crop(&card, 100, 100, 150, 150, &tiny), IMG_OK);
    iu_display_grid(&tiny, 0, 0, tiny.width, tiny.height, 2.7f, 3.0f, 0.4f);
    assert_int_equal(screen_recapture_measure(&tiny, NULL, &s), 0);
    assert_false(s.measured); /* 4 tiles */
    image_free(&tiny);

    image grey;
    assert_int_equal(image_to_grey(&card, &grey), IMG_OK);
    assert_int_equal(screen_recapture_measure(&grey, NULL, &s), 0);
    assert_false(s.measured);
    image_free(&grey);

    card_quad off = {{{-500, -500}, {-10, -500}, {-10, -10}, {-500, -10}}};
    assert_int_equal(screen_recapture_measure(&card, &off, &s), 0);
    assert_false(s.measured);
    image_free(&card);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_as_photographed),
        cmocka_unit_test(test_card_off_a_screen),
        cmocka_unit_test(test_printed_hatching_is_no_grid),
        cmocka_unit_test(test_faint_grid),
        cmocka_unit_test(test_grid_outside_the_region),
        cmocka_unit_test(test_mrz_print_is_no_grid),
        cmocka_unit_test(test_not_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
