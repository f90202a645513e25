/* Image helpers for tests that compose their own pictures at run time (nothing derived from the
 * shared data is committed): loading a file, and printing a faded grey "ghost" copy of one
 * picture's rectangle into another, as ID cards print their ghost portrait. Header-only. */
#ifndef EKYCD_IMAGEUTIL_H
#define EKYCD_IMAGEUTIL_H

#include <stdlib.h>

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

/* Blends the luma of src's rectangle (sx, sy, sw, sh), resized, into dst's (dx, dy, dw, dh) at
 * `strength` (0-1) over what is there. dst is RGB; the rectangle must lie inside it. */
static inline bool iu_paste_ghost(image *dst, const image *src, int sx, int sy, int sw, int sh,
                                  int dx, int dy, int dw, int dh, float strength) {
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
            for (int c = 0; c < 3; c++)
                p[c] = (uint8_t)((1.0f - strength) * (float)p[c] + strength * luma + 0.5f);
        }
    free(rgb);
    return true;
}

#endif
