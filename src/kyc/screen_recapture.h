/* Screen recapture (OkayDoc `screenDetection` / `screen`, emas.md §4.7): a document shown on a
 * display and photographed carries the display's pixel grid. Whether the camera resolves the
 * grid or undersamples it into moiré, the photo holds one periodic pattern of the same
 * frequency everywhere on the document, in plain paper and print alike, which a photographed
 * card or page does not.
 *
 * screen_recapture_measure cuts the document region into 64 x 64 tiles, takes each tile's power
 * spectrum (R, G and B, Hann-windowed, a DFT as matrix products through nn_gemm), finds the
 * strongest narrow peak of the tiles' averaged spectrum that stands above its surroundings in
 * every direction (a ridge from text or an edge does not), and counts the tiles that show that
 * peak on their own. A recapture shows it on most tiles; a genuine photo on few, if any. A
 * display's pixels are square, so its grid also repeats a quarter turn away; a printed
 * background of parallel fine lines (a security hatching) repeats one way only and is no grid.
 * It claims nothing it cannot see: a grid finer than the camera's blur leaves no trace, so
 * "no pattern" is not proof of a genuine capture (docs/okaydoc.md says how often it is seen on
 * simulated recaptures). Thresholds and how they were chosen: docs/okaydoc.md. Pure
 * computation; nothing is logged. */
#ifndef EKYCD_KYC_SCREEN_RECAPTURE_H
#define EKYCD_KYC_SCREEN_RECAPTURE_H

#include <stdbool.h>

#include "vision/card.h"
#include "vision/image.h"

#define SCREEN_TILE      64  /* tile side, pixels */
#define SCREEN_MAX_TILES 144 /* tiles analysed at most (spread evenly over the region) */
#define SCREEN_MIN_TILES 6   /* fewer usable tiles: not measured */

typedef struct {
    bool measured;          /* enough usable tiles in the region */
    int tiles;              /* tiles analysed */
    float share;            /* share of the tiles that show the peak on their own, 0-1 */
    float prominence;       /* the averaged spectrum's peak over its surroundings (ratio) */
    float cross_prominence; /* the same a quarter turn from the peak (a grid's other axis) */
    float period_px;        /* the pattern's period in pixels; 0 when no peak */
    float angle_deg; /* the direction the pattern repeats in, 0-180 degrees from the x axis */
} screen_cues;

/* Measures the quadrilateral `region` of an RGB image (NULL: the whole image). Returns 0, or -1
 * when out of memory. */
int screen_recapture_measure(const image *rgb, const card_quad *region, screen_cues *out);

/* The decision: the pattern is shared by enough tiles, stands out enough and repeats along both
 * axes. */
bool screen_recapture_found(const screen_cues *s);

#endif
