/* Image helpers for tests that compose their own pictures at run time (nothing derived from the
 * shared data is committed): loading a file, printing a faded grey "ghost" copy of one
 * picture's rectangle into another, as ID cards print their ghost portrait, thinning print
 * as an edit in a lighter weight would, and laying a display's pixel grid over a picture as a
 * photo of a screen shows it. Header-only. */
#ifndef EKYCD_IMAGEUTIL_H
#define EKYCD_IMAGEUTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vision/image.h"

/* Decodes an image file; false when it is absent or not an image. */
static inline bool iu_load(const char *path, image *out) {
    size_t len = 0;
    unsigned char *bytes = tu_read_file(path, &len);
    char err[128];
    bool ok = bytes && image_decode(bytes, len, 50000000, out, err, sizeof err) == IMG_OK;
    free(bytes);
    return ok;
}

/* Blends src's rectangle (sx, sy, sw, sh), resized, into dst's (dx, dy, dw, dh) at `strength`
 * (0-1) over what is there: its luma, or its colours when `colour`. dst is RGB; the rectangle
 * must lie inside it. */
static inline bool iu_paste_photo(image *dst, const image *src, int sx, int sy, int sw, int sh,
                                  int dx, int dy, int dw, int dh, float strength, bool colour) {
    float *rgb = malloc(sizeof *rgb * 3 * (size_t)dw * (size_t)dh);
    if (!rgb || dx < 0 || dy < 0 || dx + dw > dst->width || dy + dh > dst->height) {
        free(rgb);
        return false;
    }
    image_crop_rgb_to_tensor(src, (float)sx, (float)sy, (float)sw, (float)sh, dw, dh, 0.0f, 1.0f,
                             rgb);
    size_t plane = (size_t)dw * (size_t)dh;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            size_t i = (size_t)y * (size_t)dw + (size_t)x;
            float luma = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
            uint8_t *p = dst->pixels + (size_t)(dy + y) * dst->stride + (size_t)(dx + x) * 3;
            for (int c = 0; c < 3; c++) {
                float v = colour ? rgb[(size_t)c * plane + i] : luma;
                p[c] = (uint8_t)((1.0f - strength) * (float)p[c] + strength * v + 0.5f);
            }
        }
    free(rgb);
    return true;
}

/* The same in grey, as a ghost portrait is printed */
static inline bool iu_paste_ghost(image *dst, const image *src, int sx, int sy, int sw, int sh,
                                  int dx, int dy, int dw, int dh, float strength) {
    return iu_paste_photo(dst, src, sx, sy, sw, sh, dx, dy, dw, dh, strength, false);
}

/* The MyKad fixture (tests/data/mykad/flat.jpg, 1012 x 638) reprinted with the photo at
 * `portrait` as its portrait and the one at `ghost` as a faded w x h ghost photo between the
 * chip and the portrait, grey or, when ghost_in_colour, in the photo's colours; both photos are
 * 250 x 250 LFW images of the shared data, cut to their central face region as tools/mykad-gen
 * does. 0 when made; -1 when a photo is absent (no
 * shared data: skip); 1 when the fixture could not be read or printed on (a failure). */
#define IU_CARD            "tests/data/mykad/flat.jpg"
#define IU_CARD_PORTRAIT_X 690
#define IU_CARD_PORTRAIT_Y 120
#define IU_CARD_PORTRAIT_W 280
#define IU_CARD_PORTRAIT_H 355
#define IU_CARD_GHOST_X    535
#define IU_CARD_GHOST_Y    222
#define IU_LFW(rel)        tu_shared("faces-pairs/dev/images/lfw/" rel)
/* A rectangle (x, y, w, h) of the committed MyKad fixture (IU_CARD, a synthetic card printed
 * with an LFW photo), scaled by `scale` (<= 1), written as a JPEG to `path`. 0, or -1. */
static inline int iu_card_crop_jpeg(const char *path, int x, int y, int w, int h, float scale) {
    image card, crop, scaled;
    if (!iu_load(IU_CARD, &card)) return -1;
    image_status st = image_crop(&card, x, y, w, h, &crop);
    image_free(&card);
    if (st != IMG_OK) return -1;
    if (scale < 1) {
        st = image_frame(&crop, (int)((float)crop.width * scale + 0.5f),
                         (int)((float)crop.height * scale + 0.5f), 0, 0, scale, &scaled);
        image_free(&crop);
        if (st != IMG_OK) return -1;
        crop = scaled;
    }
    uint8_t *jpeg = NULL;
    size_t len = 0;
    st = image_encode_jpeg(&crop, 92, &jpeg, &len);
    image_free(&crop);
    int rc = st == IMG_OK ? tu_write_file(path, jpeg, len) : -1;
    free(jpeg);
    return rc;
}

/* The fixture card's portrait cut out: a face photo of one person, the card's holder, that tests
 * can use on a fresh clone without the shared data. 0, or -1. */
static inline int iu_fixture_face_jpeg(const char *path) {
    return iu_card_crop_jpeg(path, IU_CARD_PORTRAIT_X, IU_CARD_PORTRAIT_Y, IU_CARD_PORTRAIT_W,
                             IU_CARD_PORTRAIT_H, 1.0f);
}

/* Tight crops of the holder's face, as mobile SDKs send their "best image": the face filling a
 * 180 x 290 picture (the detector alone does not find it), and the same face so small (~70 px)
 * that it is found only framed, then too small for a selfie. */
#define IU_TIGHT_FACE       760, 175, 180, 290, 1.0f
#define IU_TIGHT_SMALL_FACE 770, 180, 165, 290, 0.25f

static inline int iu_mykad_with_ghost(const char *portrait, const char *ghost, int w, int h,
                                      bool ghost_in_colour, image *card) {
    image a, b;
    memset(card, 0, sizeof *card);
    if (!iu_load(portrait, &a)) return -1;
    if (!iu_load(ghost, &b)) {
        image_free(&a);
        return -1;
    }
    bool ok = iu_load(IU_CARD, card) &&
              iu_paste_ghost(card, &a, 50, 25, 150, 190, IU_CARD_PORTRAIT_X, IU_CARD_PORTRAIT_Y,
                             IU_CARD_PORTRAIT_W, IU_CARD_PORTRAIT_H, 1.0f) &&
              iu_paste_photo(card, &b, 50, 25, 150, 190, IU_CARD_GHOST_X, IU_CARD_GHOST_Y, w, h,
                             0.45f, ghost_in_colour);
    image_free(&a);
    image_free(&b);
    return ok ? 0 : 1;
}

/* Thins the dark print inside the RGB image's rectangle (x, y, w, h) by one pixel on each side
 * (3 x 3 maximum of each channel), as print in a lighter weight. The rectangle must lie at
 * least one pixel inside the image. False when out of memory. */
static inline bool iu_thin_print(image *img, int x, int y, int w, int h) {
    image copy;
    if (image_crop(img, 0, 0, img->width, img->height, &copy) != IMG_OK) return false;
    for (int v = y; v < y + h; v++)
        for (int u = x; u < x + w; u++)
            for (int c = 0; c < 3; c++) {
                uint8_t m = 0;
                for (int dv = -1; dv <= 1; dv++)
                    for (int du = -1; du <= 1; du++) {
                        uint8_t s = copy.pixels[(size_t)(v + dv) * copy.stride +
                                                (size_t)(u + du) * 3 + (size_t)c];
                        if (s > m) m = s;
                    }
                img->pixels[(size_t)v * img->stride + (size_t)u * 3 + (size_t)c] = m;
            }
    image_free(&copy);
    return true;
}

/* The IC number's line on the MyKad fixture (drawn at x 40, baseline 170, 46-pixel bold), as
 * the reader boxes it: x, y, w, h */
#define IU_CARD_IC_LINE 38, 134, 412, 38

/* Lays the pixel grid of an RGB-stripe display over the RGB image's rectangle (x, y, w, h), as a
 * camera that resolves the grid records it: along `angle_deg`, each channel's light swings by
 * `depth` (0-1) with the period `period` px, red, green and blue a third of a period apart;
 * across it the black matrix between rows dims the light with the same period. */
static inline void iu_display_grid(image *img, int x, int y, int w, int h, float period,
                                   float angle_deg, float depth) {
    const float two_pi = 6.2831853f, a = angle_deg * two_pi / 360.0f;
    for (int yy = y < 0 ? 0 : y; yy < y + h && yy < img->height; yy++)
        for (int xx = x < 0 ? 0 : x; xx < x + w && xx < img->width; xx++) {
            float along = (float)xx * cosf(a) + (float)yy * sinf(a);
            float across = -(float)xx * sinf(a) + (float)yy * cosf(a);
            float rows = 1.0f - 0.25f * depth * (1.0f - cosf(two_pi * across / period));
            uint8_t *p = img->pixels + (size_t)yy * img->stride + (size_t)xx * 3;
            for (int c = 0; c < 3; c++) {
                float swing = 1.0f - 0.5f * depth *
                                         (1.0f - cosf(two_pi * (along / period - (float)c / 3.0f)));
                float v = (float)p[c] * swing * rows;
                p[c] = (uint8_t)(v > 255.0f ? 255.0f : v);
            }
        }
}

#endif
