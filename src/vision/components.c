/* Dark connected components of a grey image, through Leptonica: scale, Sauvola binarisation, a
 * small closing, 8-connected labelling. The building block of text-line finding
 * (kyc/mrz_reader.c). */
#include <leptonica/allheaders.h>
#include <stdlib.h>
#include <string.h>

#include "vision/image.h"

#define SAUVOLA_HALF_WINDOW 16    /* pixels of the scaled image either side */
#define SAUVOLA_FACTOR      0.34f /* Sauvola's k */
/* A closing of the binary image, in pixels of the scaled image: rejoins a character's strokes
 * that binarisation broke apart (blur, thin print on a tinted background) without bridging
 * the gaps between characters or lines (docs/accuracy.md, "Documents as phone photos"). */
#define CLOSE_WIDTH  2
#define CLOSE_HEIGHT 3

static PIX *grey_to_pix(const image *grey) {
    PIX *pix = pixCreate(grey->width, grey->height, 8);
    if (!pix) return NULL;
    l_uint32 *data = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    for (int y = 0; y < grey->height; y++) {
        const uint8_t *src = grey->pixels + (size_t)y * grey->stride;
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < grey->width; x++) SET_DATA_BYTE(line, x, src[x]);
    }
    return pix;
}

image_status image_dark_components(const image *grey, float scale, image_box **boxes, int *count) {
    *boxes = NULL;
    *count = 0;
    if (grey->channels != 1 || grey->width <= 0 || grey->height <= 0 || !(scale > 0.0f))
        return IMG_CORRUPT;
    PIX *pix = grey_to_pix(grey);
    if (!pix) return IMG_NOMEM;
    PIX *scaled = scale == 1.0f ? pixClone(pix) : pixScale(pix, scale, scale);
    pixDestroy(&pix);
    if (!scaled) return IMG_NOMEM;
    int w = pixGetWidth(scaled), h = pixGetHeight(scaled);
    if (w < 2 * SAUVOLA_HALF_WINDOW + 3 || h < 2 * SAUVOLA_HALF_WINDOW + 3) {
        pixDestroy(&scaled);
        return IMG_OK; /* too small to hold text */
    }
    PIX *binary = NULL;
    image_status st = IMG_NOMEM;
    BOXA *found = NULL;
    PIX *closed = NULL;
    if (pixSauvolaBinarizeTiled(scaled, SAUVOLA_HALF_WINDOW, SAUVOLA_FACTOR, 1, 1, NULL, &binary) ==
            0 &&
        binary && (closed = pixCloseBrick(NULL, binary, CLOSE_WIDTH, CLOSE_HEIGHT)) != NULL)
        found = pixConnCompBB(closed, 8);
    if (found) {
        int n = boxaGetCount(found);
        *boxes = malloc(sizeof **boxes * (size_t)(n > 0 ? n : 1));
        if (*boxes) {
            for (int i = 0; i < n; i++) {
                l_int32 bx, by, bw, bh;
                if (boxaGetBoxGeometry(found, i, &bx, &by, &bw, &bh) == 0)
                    (*boxes)[(*count)++] = (image_box){bx, by, bw, bh};
            }
            st = IMG_OK;
        }
    }
    boxaDestroy(&found);
    pixDestroy(&closed);
    pixDestroy(&binary);
    pixDestroy(&scaled);
    return st;
}
