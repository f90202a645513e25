/* Capture-quality measures of a document image, for OkayDoc's blur, brightness and colour
 * checks (emas.md §4.7, §7). Each measure is computed on the document region resized to a fixed
 * width, so it does not depend on the photo's resolution. The pass thresholds were chosen on the
 * shared development documents (docs/okaydoc.md says how) and live here, in one place. */
#ifndef EKYCD_KYC_DOC_QUALITY_H
#define EKYCD_KYC_DOC_QUALITY_H

#include <stdbool.h>

#include "vision/image.h"

#define DOC_QUALITY_WIDTH 640 /* pixels the region is resized to before measuring */

typedef struct {
    float sharpness;  /* variance of the Laplacian of the grey region (higher = sharper) */
    float brightness; /* mean luma, 0-255 */
    float glare;      /* share of pixels at 250 or more, 0-1 */
    float dark;       /* share of pixels at 20 or less, 0-1 */
    float colour;     /* mean chroma max(R,G,B) - min(R,G,B) over the region, 0-255 */
    float px_per_mm;  /* the document's scale in the photo, pixels per millimetre; 0 unknown
                         (not measured here: the caller sets it from the document reading) */
} doc_quality;

/* Measures the rectangle (x, y, w, h) of an RGB image. Returns 0, or -1 (out of memory, or an
 * empty region). */
int doc_quality_measure(const image *rgb, int x, int y, int w, int h, doc_quality *out);

/* The decisions, each true for a pass. */
bool doc_quality_sharp(const doc_quality *q);
bool doc_quality_well_lit(const doc_quality *q);
bool doc_quality_in_colour(const doc_quality *q);
/* Enough pixels on the document to read its print (px_per_mm known and at least the floor). */
bool doc_quality_detailed(const doc_quality *q);
#define DOC_QUALITY_MIN_PX_PER_MM 6.0f /* about 150 dpi */

#endif
