/* Dark connected components of a grey image, through Leptonica: scale, Sauvola binarisation, a
 * small closing, 8-connected labelling. The building block of text-line finding
 * (kyc/mrz_reader.c). */
#include <leptonica/allheaders.h>
#include <stdbool.h>
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
/* Local contrast stretch (component_search.local_contrast): in tiles this many pixels wide and
 * high, the darkest and lightest levels become 0 and 255 where they are at least MIN_DIFF apart;
 * the tile map is smoothed over SMOOTH tiles either side. */
#define CONTRAST_TILE     60
#define CONTRAST_MIN_DIFF 50
#define CONTRAST_SMOOTH   1

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

static bool box_inside(const image_box *in, const image_box *out) {
    return in->x >= out->x && in->y >= out->y && in->x + in->w <= out->x + out->w &&
           in->y + in->h <= out->y + out->h;
}

static bool no_character(const image_box *b, int max_side, float max_elongation) {
    int lo = b->w < b->h ? b->w : b->h, hi = b->w < b->h ? b->h : b->w;
    return hi > max_side || (float)hi > max_elongation * (float)lo;
}

/* The boxes of a BOXA, malloc'd. */
static image_box *boxes_of(BOXA *a, int *n) {
    *n = boxaGetCount(a);
    image_box *out = malloc(sizeof *out * (size_t)(*n > 0 ? *n : 1));
    if (!out) return NULL;
    int m = 0;
    for (int i = 0; i < *n; i++) {
        l_int32 x, y, w, h;
        if (boxaGetBoxGeometry(a, i, &x, &y, &w, &h) == 0) out[m++] = (image_box){x, y, w, h};
    }
    *n = m;
    return out;
}

/* The closed components, each one that is no character replaced by the plain components inside
 * its box that no kept closed component inside that box holds. Returns the count, or -1 when
 * out of memory. */
static int merge_boxes(const image_box *closed, int nc, const image_box *plain, int np,
                       int max_side, float max_elongation, image_box *out) {
    bool *rejected = calloc((size_t)(nc > 0 ? nc : 1), sizeof *rejected);
    int *inside = malloc(sizeof *inside * (size_t)(nc > 0 ? nc : 1));
    if (!rejected || !inside) {
        free(rejected), free(inside);
        return -1;
    }
    int n = 0;
    for (int i = 0; i < nc; i++)
        if (!(rejected[i] = no_character(&closed[i], max_side, max_elongation)))
            out[n++] = closed[i];
    for (int i = 0; i < nc; i++) {
        if (!rejected[i]) continue;
        int ni = 0; /* the kept components inside this one's box */
        for (int k = 0; k < nc; k++)
            if (!rejected[k] && box_inside(&closed[k], &closed[i])) inside[ni++] = k;
        for (int j = 0; j < np; j++) {
            if (!box_inside(&plain[j], &closed[i])) continue;
            bool held = false;
            for (int k = 0; k < ni && !held; k++) held = box_inside(&plain[j], &closed[inside[k]]);
            if (!held) out[n++] = plain[j];
        }
    }
    free(rejected), free(inside);
    return n;
}

image_status image_dark_components(const image *grey, const component_search *how,
                                   image_box **boxes, int *count) {
    *boxes = NULL;
    *count = 0;
    float scale = how->scale;
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
    if (how->local_contrast) {
        PIX *stretched = pixContrastNorm(NULL, scaled, CONTRAST_TILE, CONTRAST_TILE,
                                         CONTRAST_MIN_DIFF, CONTRAST_SMOOTH, CONTRAST_SMOOTH);
        pixDestroy(&scaled);
        if (!stretched) return IMG_NOMEM;
        scaled = stretched;
    }
    PIX *binary = NULL, *closed = NULL;
    BOXA *closed_found = NULL, *plain_found = NULL;
    image_box *closed_boxes = NULL, *plain_boxes = NULL;
    int nc = 0, np = 0;
    image_status st = IMG_NOMEM;
    if (pixSauvolaBinarizeTiled(scaled, SAUVOLA_HALF_WINDOW, SAUVOLA_FACTOR, 1, 1, NULL, &binary) !=
            0 ||
        !binary || !(closed = pixCloseBrick(NULL, binary, CLOSE_WIDTH, CLOSE_HEIGHT)) ||
        !(closed_found = pixConnCompBB(closed, 8)) || !(plain_found = pixConnCompBB(binary, 8)) ||
        !(closed_boxes = boxes_of(closed_found, &nc)) ||
        !(plain_boxes = boxes_of(plain_found, &np)))
        goto done;
    *boxes = malloc(sizeof **boxes * (size_t)(nc + np > 0 ? nc + np : 1));
    if (!*boxes) goto done;
    int n =
        merge_boxes(closed_boxes, nc, plain_boxes, np, how->max_side, how->max_elongation, *boxes);
    if (n < 0) {
        free(*boxes);
        *boxes = NULL;
        goto done;
    }
    *count = n;
    st = IMG_OK;
done:
    free(closed_boxes), free(plain_boxes);
    boxaDestroy(&closed_found), boxaDestroy(&plain_found);
    pixDestroy(&closed), pixDestroy(&binary), pixDestroy(&scaled);
    return st;
}
