/* Photo substitution (kyc/ghost_photo.h) on the synthetic MyKad fixture, its portrait and ghost
 * photo printed here at run time from LFW photos of the shared data (skipped without it): a
 * ghost of the portrait's photo is the same person, of another person's photo is not; no
 * ghost, a speck of a ghost and no portrait at all are said so; a document region without the
 * portrait falls back to the page; a ghost printed in colour shows colour of its own, a grey
 * one none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "imageutil.h"
#include "kyc/ghost_photo.h"

#define CARD    IU_CARD /* 1012 x 638, portrait at (690, 120) 280 x 355 */
#define HOLDER  IU_LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg")
#define OTHER   IU_LFW("Akhmed_Zakayev/Akhmed_Zakayev_0001.jpg")
#define GHOST_X IU_CARD_GHOST_X /* where the fixture's layout leaves room for a ghost */
#define GHOST_Y IU_CARD_GHOST_Y

static face_models *g_models;
static face_engine *g_engine;

static int setup(void **state) {
    (void)state;
    char err[512];
    if (face_models_load("models", &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    g_engine = face_engine_create(g_models);
    return g_engine ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    face_engine_free(g_engine);
    face_models_free(g_models);
    return 0;
}

/* The card with `portrait`'s photo as its portrait and `ghost`'s as a w x h ghost. False
 * without the shared data. */
static bool compose(image *card, const char *portrait, const char *ghost, int w, int h) {
    int rc = iu_mykad_with_ghost(portrait, ghost, w, h, false, card);
    if (rc < 0) return false;
    assert_int_equal(rc, 0);
    return true;
}

/* compose, then ghost_photo_compare on the card as the photo itself; false (the test skipped)
 * without the shared data. The card is freed. */
static bool compare_composed(const char *portrait, const char *ghost, int w, int h,
                             ghost_comparison *g) {
    image card;
    if (!compose(&card, portrait, ghost, w, h)) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return false;
    }
    assert_int_equal(ghost_photo_compare(g_engine, &card, 1.0f, g), 0);
    image_free(&card);
    return true;
}

static bool inside(const face_box *f, int x, int y, int w, int h) {
    float cx = (f->x1 + f->x2) / 2, cy = (f->y1 + f->y2) / 2;
    return cx > (float)x && cx < (float)(x + w) && cy > (float)y && cy < (float)(y + h);
}

static void test_own_ghost_is_the_same_person(void **state) {
    (void)state;
    ghost_comparison g;
    if (!compare_composed(HOLDER, HOLDER, 110, 140, &g)) return;
    assert_int_equal(g.verdict, GHOST_SAME);
    assert_true(g.cosine >= GHOST_SAME_COSINE);
    assert_true(inside(&g.portrait, 690, 120, 280, 355));
    assert_true(inside(&g.ghost, GHOST_X, GHOST_Y, 110, 140));
}

static void test_substituted_portrait_is_someone_else(void **state) {
    (void)state;
    ghost_comparison g;
    if (!compare_composed(OTHER, HOLDER, 110, 140, &g)) return;
    assert_int_equal(g.verdict, GHOST_DIFFERENT);
    assert_true(g.cosine < GHOST_DIFFERENT_COSINE);
    assert_true(inside(&g.ghost, GHOST_X, GHOST_Y, 110, 140));
}

static void test_no_ghost_and_no_portrait(void **state) {
    (void)state;
    image card;
    assert_true(iu_load(CARD, &card));
    ghost_comparison g;
    assert_int_equal(ghost_photo_compare(g_engine, &card, 1.0f, &g), 0);
    assert_int_equal(g.verdict, GHOST_NOT_FOUND);
    assert_true(inside(&g.portrait, 690, 120, 280, 355));
    /* a blank card: nothing to compare */
    memset(card.pixels, 230, card.stride * (size_t)card.height);
    assert_int_equal(ghost_photo_compare(g_engine, &card, 1.0f, &g), 0);
    assert_int_equal(g.verdict, GHOST_NO_PORTRAIT);
    image_free(&card);
}

/* A ghost printed at 42 % of the usual size: found, but its face is under GHOST_MIN_HEIGHT
 * pixels, too few for an embedding: not compared, never called the same or someone else. */
static void test_small_ghost_is_not_compared(void **state) {
    (void)state;
    ghost_comparison g;
    if (!compare_composed(HOLDER, HOLDER, 46, 58, &g)) return;
    assert_int_equal(g.verdict, GHOST_TOO_SMALL);
    assert_true(g.ghost_height < GHOST_MIN_HEIGHT);
    assert_true(inside(&g.ghost, GHOST_X, GHOST_Y, 46, 58));
    assert_true(inside(&g.portrait, 690, 120, 280, 355));
}

/* The document region (as the MRZ's outline of a card's back would be) holds no portrait: the
 * whole page is searched, and the boxes are in the page's pixels. */
static void test_region_without_portrait_falls_back_to_page(void **state) {
    (void)state;
    document_reading doc;
    memset(&doc, 0, sizeof doc);
    if (!compose(&doc.page[0], HOLDER, HOLDER, 110, 140)) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return;
    }
    doc.outline_found[0] = true;
    doc.outline[0] = (document_rect){0, 480, 400, 158};
    ghost_comparison g;
    assert_int_equal(ghost_photo_check_document(g_engine, &doc, &g), 0);
    assert_int_equal(g.verdict, GHOST_SAME);
    assert_true(inside(&g.ghost, GHOST_X, GHOST_Y, 110, 140));
    /* a region that holds both: the same answer, boxes moved back into the page */
    doc.outline[0] = (document_rect){300, 60, 712, 578};
    assert_int_equal(ghost_photo_check_document(g_engine, &doc, &g), 0);
    assert_int_equal(g.verdict, GHOST_SAME);
    assert_true(inside(&g.ghost, GHOST_X, GHOST_Y, 110, 140));
    assert_true(inside(&g.portrait, 690, 120, 280, 355));
    image_free(&doc.page[0]);
}

/* A MyKad photographed small is straightened to 1012 pixels all the same: its ghost looks large
 * on the page but carries only the photo's pixels, and is not compared below the floor. */
static void test_enlarged_card_counts_the_photo_pixels(void **state) {
    (void)state;
    document_reading doc;
    memset(&doc, 0, sizeof doc);
    if (!compose(&doc.page[0], HOLDER, HOLDER, 110, 140)) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return;
    }
    doc.mykad_found = true;
    doc.px_per_mm = 11.82f; /* the card was 1012 pixels wide in the photo */
    ghost_comparison g;
    assert_int_equal(ghost_photo_check_document(g_engine, &doc, &g), 0);
    assert_int_equal(g.verdict, GHOST_SAME);
    doc.px_per_mm = 4.0f; /* 342 pixels wide: the page is the photo enlarged 3 times */
    assert_int_equal(ghost_photo_check_document(g_engine, &doc, &g), 0);
    assert_int_equal(g.verdict, GHOST_TOO_SMALL);
    assert_true(g.ghost_height < GHOST_MIN_HEIGHT);
    assert_true(g.ghost.y2 - g.ghost.y1 >= GHOST_MIN_HEIGHT); /* on the page */
    image_free(&doc.page[0]);
}

/* Boxes the detector may score high on print that are no faces. */
/* The ghost's own colour: a grey ghost (as laser engraving makes it) shows none beyond the
 * card's; the same ghost printed in the photo's colours does; under a warm colour cast over the
 * whole photo the grey one still shows none; a grey image or a speck of a box is not measured. */
static void test_ghost_colour(void **state) {
    (void)state;
    image grey_ghost, colour_ghost;
    int rc = iu_mykad_with_ghost(HOLDER, HOLDER, 110, 140, false, &grey_ghost);
    if (rc < 0) {
        printf("  skipped: the shared LFW photos are absent (EKYCD_SHARED_DATA)\n");
        skip();
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(iu_mykad_with_ghost(HOLDER, HOLDER, 110, 140, true, &colour_ghost), 0);
    ghost_comparison g;
    assert_int_equal(ghost_photo_compare(g_engine, &grey_ghost, 1.0f, &g), 0);
    assert_true(g.verdict >= GHOST_TOO_SMALL);
    float grey = ghost_photo_colour(&grey_ghost, &g.portrait, &g.ghost);
    float colour = ghost_photo_colour(&colour_ghost, &g.portrait, &g.ghost);
    assert_true(grey >= 0 && grey < GHOST_COLOUR_MAX / 2);
    assert_true(colour > 2 * GHOST_COLOUR_MAX);
    for (size_t i = 0; i < grey_ghost.stride * (size_t)grey_ghost.height; i += 3) {
        uint8_t *p = grey_ghost.pixels + i; /* warm light: red up, blue down, nothing clipped */
        p[0] = (uint8_t)(p[0] * 0.95f), p[1] = (uint8_t)(p[1] * 0.85f),
        p[2] = (uint8_t)(p[2] * 0.7f);
    }
    float warm = ghost_photo_colour(&grey_ghost, &g.portrait, &g.ghost);
    assert_true(warm >= 0 && warm < GHOST_COLOUR_MAX / 2);
    face_box speck = g.ghost;
    speck.x2 = speck.x1 + 10, speck.y2 = speck.y1 + 12;
    assert_true(ghost_photo_colour(&colour_ghost, &g.portrait, &speck) < 0);
    image one_channel = {grey_ghost.width, grey_ghost.height, 1, (size_t)grey_ghost.width,
                         grey_ghost.pixels};
    assert_true(ghost_photo_colour(&one_channel, &g.portrait, &g.ghost) < 0);
    image_free(&grey_ghost);
    image_free(&colour_ghost);
}

static void test_face_shape(void **state) {
    (void)state;
    face_box f;
    memset(&f, 0, sizeof f);
    f.x1 = 100, f.y1 = 100, f.x2 = 200, f.y2 = 230; /* 100 x 130 */
    const float upright[10] = {130, 150, 170, 150, 150, 180, 135, 205, 165, 205};
    memcpy(f.points5, upright, sizeof upright);
    assert_true(face_shape_plausible(&f));
    face_box wide = f;
    wide.x2 = 260; /* as wide as tall and more: an emblem */
    assert_false(face_shape_plausible(&wide));
    face_box flipped = f; /* mouth above the eyes */
    flipped.points5[7] = flipped.points5[9] = 130;
    assert_false(face_shape_plausible(&flipped));
    face_box squint = f; /* eyes 10 pixels apart on a 100-pixel face */
    squint.points5[0] = 145, squint.points5[2] = 155;
    assert_false(face_shape_plausible(&squint));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_ghost_is_the_same_person),
        cmocka_unit_test(test_substituted_portrait_is_someone_else),
        cmocka_unit_test(test_no_ghost_and_no_portrait),
        cmocka_unit_test(test_small_ghost_is_not_compared),
        cmocka_unit_test(test_region_without_portrait_falls_back_to_page),
        cmocka_unit_test(test_enlarged_card_counts_the_photo_pixels),
        cmocka_unit_test(test_ghost_colour),
        cmocka_unit_test(test_face_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
