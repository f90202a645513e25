/* Finding an ID-1 card (85.6 x 54 mm) in a photo and straightening it.
 *
 * card_find looks for the card as the largest region that differs from the background (a light
 * card on a darker table, or a dark card on a light one), takes its four corners and checks that
 * they make a card-shaped quadrilateral. card_warp maps that quadrilateral onto an upright
 * rectangle (a perspective transform), so a card photographed at an angle reads as if scanned.
 * When no card edge is found the caller treats the whole image as the card. */
#ifndef EKYCD_VISION_CARD_H
#define EKYCD_VISION_CARD_H

#include <stdbool.h>

#include "vision/image.h"

#define CARD_ASPECT 1.586f /* ISO/IEC 7810 ID-1: 85.60 / 53.98 */

/* Corners in source pixels: top-left, top-right, bottom-right, bottom-left, with the card's
 * long side from corner 0 to corner 1 (a card turned by 90° comes back lying down; whether it
 * is upside down is for the reader to find out). */
typedef struct {
    float corner[4][2];
} card_quad;

/* Finds the card in an RGB or grey image. Returns 1 when found, 0 when not (no edge, a shape
 * that is not a card, or a card too small to read), -1 when out of memory. */
int card_find(const image *img, card_quad *out);

/* The quadrilateral q of img warped to an out_w x out_h image with img's channels (bilinear;
 * shrinking averages over the footprint). */
image_status card_warp(const image *img, const card_quad *q, int out_w, int out_h, image *out);

/* The point of q at (u, v) of the unit square mapped perspectively onto q: (0, 0) is corner 0,
 * (1, 0) corner 1, (1, 1) corner 2, (0, 1) corner 3; other values extrapolate. Returns false
 * for a degenerate quadrilateral. */
bool card_quad_point(const card_quad *q, float u, float v, float out[2]);

/* The quadrilateral of the whole image (the fallback when no card is found). */
card_quad card_whole_image(const image *img);

/* q turned by 180° (corner 0 becomes the old corner 2). */
card_quad card_turned(const card_quad *q);

#endif
