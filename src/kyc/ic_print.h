/* The IC number's print, digit by digit (OkayDoc `font`, docs/okaydoc.md "Font check").
 *
 * A forger who edits a number prints the new digits over the card, rarely in exactly the
 * card's typeface, size, weight and baseline. The number's line on the straightened card is
 * binarised (Otsu), cut into glyphs (connected ink), and each of the 12 digits is measured
 * against the other eleven: top and bottom (to a fraction of a pixel) against lines fitted
 * through the others, allowing for the overshoot of round digits; height; stroke width (the
 * shortest of four directional ink runs through each ink pixel, median over the digit); and,
 * for digits printed more than once, shape against the other prints of the same digit. No reference
 * typeface is needed: the card is its own reference, so a whole number reprinted consistently in
 * another typeface is not caught here. Pure computation; nothing is logged. */
#ifndef EKYCD_KYC_IC_PRINT_H
#define EKYCD_KYC_IC_PRINT_H

#include <stdbool.h>

#include "vision/image.h"

#define IC_DIGITS 12

/* Tolerances: a digit this far from the rest is outside (deviation 1). Chosen on synthetic
 * cards (docs/okaydoc.md, make font-eval). */
#define IC_PRINT_HEIGHT_TOL 0.06f /* relative height */
#define IC_PRINT_LINE_TOL   0.04f /* top or bottom off the line, in digit heights */
#define IC_PRINT_STROKE_TOL 0.14f /* relative stroke width */
#define IC_PRINT_SHAPE_TOL  0.12f /* 1 - correlation with the other prints of the digit */

/* Digits (or a line's letters) shorter than this, in the photo's own pixels, are not compared (too
 * few pixels: on development cards the first false alarms came under 10.5) */
#define IC_PRINT_MIN_GLYPH_PX 12.0f

typedef enum {
    IC_MEASURE_NONE = 0,
    IC_MEASURE_HEIGHT,
    IC_MEASURE_TOP,
    IC_MEASURE_BOTTOM,
    IC_MEASURE_STROKE,
    IC_MEASURE_SHAPE,
    IC_MEASURES
} ic_measure;

typedef struct {
    bool measured;               /* cut into exactly 12 digits, tall enough, and compared */
    bool too_small;              /* 12 digits, but under IC_PRINT_MIN_GLYPH_PX: not compared */
    int digits_found;            /* digit-sized glyphs found */
    float digit_height;          /* their median height, in the photo's own pixels */
    image_box glyph[IC_DIGITS];  /* each digit on the card */
    float deviation[IC_DIGITS];  /* how far from the rest, in tolerances (>= 1: outside) */
    ic_measure which[IC_DIGITS]; /* the measure that deviates most */
    float by_measure[IC_MEASURES][IC_DIGITS]; /* each measure's deviation, in tolerances */
    int odd;                                  /* the most deviating digit */
    float worst;                              /* its deviation */
} ic_print;

/* Measures the print of the IC number whose line is `line` on `card` (RGB or grey, upright).
 * `digits` are the 12 digits read (for the same-digit shape comparison; NULL skips it).
 * `detail` is the photo's pixels per card pixel (1 when the card is the photo; less when it was
 * enlarged from it). Returns 0 (check out->measured), or -1 when out of memory. */
int ic_print_measure(const image *card, image_box line, const char *digits, float detail,
                     ic_print *out);

/* The print of any line of capitals on the card, for comparing lines printed together (the
 * religion field against the lines around it): its letters' height (to a fraction of a pixel;
 * the lower quartile, that of the flat capitals, as round and pointed ones overshoot), median
 * stem width, left edge and baseline (median bottom), in card pixels. */
typedef struct {
    bool measured; /* at least 3 letters cut */
    int letters;
    float height, stem, left, baseline;
} line_print;

/* Measures the line boxed `line` on `card`. Returns 0 (check out->measured), -1 when out of
 * memory. */
int line_print_measure(const image *card, image_box line, line_print *out);

/* "height", "top", "bottom", "stroke width", "shape", or "" */
const char *ic_measure_name(ic_measure m);

#endif
