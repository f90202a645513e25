/* Document capture quality: sharpness (variance of the Laplacian), brightness, glare and dark
 * shares, chroma. */
#include "kyc/doc_quality.h"

#include <stdlib.h>

/* Chosen on ../shared/data/documents/dev (make doc-quality; docs/okaydoc.md). */
#define MIN_SHARPNESS  40.0f /* Laplacian variance at DOC_QUALITY_WIDTH */
#define MIN_BRIGHTNESS 70.0f /* mean luma */
#define MAX_BRIGHTNESS 240.0f
#define MAX_GLARE      0.85f /* share of saturated pixels (white paper counts too) */
#define MAX_DARK       0.25f
#define MIN_COLOUR     6.0f /* mean chroma; a greyscale copy measures ~0-2 */

int doc_quality_measure(const image *rgb, int x, int y, int w, int h, doc_quality *out) {
    image crop;
    if (rgb->channels != 3 || image_crop(rgb, x, y, w, h, &crop) != IMG_OK) return -1;
    int ow = DOC_QUALITY_WIDTH;
    int oh = (int)((double)crop.height * ow / crop.width + 0.5);
    if (oh < 3) oh = 3;
    if (oh > 4 * ow) oh = 4 * ow;
    size_t plane = (size_t)ow * (size_t)oh;
    float *px = malloc(sizeof *px * plane * 4); /* R, G, B planes, then luma */
    if (!px) {
        image_free(&crop);
        return -1;
    }
    image_resize_to_tensor(&crop, ow, oh, 0.0f, 1.0f, px);
    image_free(&crop);
    float *luma = px + 3 * plane;
    double sum = 0, chroma = 0;
    size_t glare = 0, dark = 0;
    for (size_t i = 0; i < plane; i++) {
        float r = px[i], g = px[plane + i], b = px[2 * plane + i];
        float l = 0.299f * r + 0.587f * g + 0.114f * b;
        float hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
        float lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
        luma[i] = l;
        sum += l;
        chroma += hi - lo;
        glare += l >= 250.0f;
        dark += l <= 20.0f;
    }
    double lap_sum = 0, lap_sq = 0;
    size_t n = 0;
    for (int v = 1; v + 1 < oh; v++)
        for (int u = 1; u + 1 < ow; u++) {
            size_t i = (size_t)v * ow + u;
            double lap = 4.0 * luma[i] - luma[i - 1] - luma[i + 1] - luma[i - ow] - luma[i + ow];
            lap_sum += lap;
            lap_sq += lap * lap;
            n++;
        }
    double mean_lap = n ? lap_sum / (double)n : 0;
    out->sharpness = n ? (float)(lap_sq / (double)n - mean_lap * mean_lap) : 0.0f;
    out->brightness = (float)(sum / (double)plane);
    out->glare = (float)glare / (float)plane;
    out->dark = (float)dark / (float)plane;
    out->colour = (float)(chroma / (double)plane);
    free(px);
    return 0;
}

bool doc_quality_sharp(const doc_quality *q) {
    return q->sharpness >= MIN_SHARPNESS;
}

bool doc_quality_well_lit(const doc_quality *q) {
    return q->brightness >= MIN_BRIGHTNESS && q->brightness <= MAX_BRIGHTNESS &&
           q->glare <= MAX_GLARE && q->dark <= MAX_DARK;
}

bool doc_quality_in_colour(const doc_quality *q) {
    return q->colour >= MIN_COLOUR;
}

bool doc_quality_detailed(const doc_quality *q) {
    return q->px_per_mm >= DOC_QUALITY_MIN_PX_PER_MM;
}
