/* Photo substitution (emas.md §7.1, OkayDoc `substitution`): many ID cards and passports print
 * the holder's portrait twice, the main portrait and a smaller, fainter "ghost" image. A forger
 * who pastes a new main portrait rarely remakes the ghost, so the two faces disagree.
 *
 * ghost_photo_compare finds both faces on a document image (no layout model: the largest face
 * shaped like a face is the portrait, a smaller one beside it the ghost), and compares their
 * embeddings. It claims nothing it cannot see: no ghost, or one too small to carry a face
 * embedding, is said so. Thresholds and how they were chosen: docs/okaydoc.md. Pure
 * computation on an engine the caller owns. */
#ifndef EKYCD_KYC_GHOST_PHOTO_H
#define EKYCD_KYC_GHOST_PHOTO_H

#include <stdbool.h>

#include "kyc/document.h"
#include "kyc/face.h"
#include "vision/image.h"

/* A ghost's face height, in the photo's own pixels (an enlarged image adds no detail), below
 * which it is not compared. */
#define GHOST_MIN_HEIGHT       40
#define GHOST_SAME_COSINE      0.30f /* embeddings at least this similar: the same person */
#define GHOST_DIFFERENT_COSINE 0.15f /* less similar than this: someone else; between: unsure */

typedef enum {
    GHOST_NO_PORTRAIT, /* no main portrait on the image */
    GHOST_NOT_FOUND,   /* a portrait, but no second, smaller face */
    GHOST_TOO_SMALL,   /* a ghost face under GHOST_MIN_HEIGHT of the photo's pixels tall */
    GHOST_SAME,        /* the ghost shows the portrait's person */
    GHOST_UNSURE,      /* neither clearly the same nor clearly someone else */
    GHOST_DIFFERENT    /* the ghost shows someone else (the last verdict) */
} ghost_verdict;

typedef struct {
    ghost_verdict verdict;
    face_box portrait;  /* valid unless GHOST_NO_PORTRAIT */
    face_box ghost;     /* valid from GHOST_TOO_SMALL on */
    float ghost_height; /* its face's height in the photo's own pixels */
    float cosine;       /* from GHOST_SAME on: embedding similarity */
} ghost_comparison;

/* Looks for the portrait and its ghost on `document` (upright, cut to the document) and compares
 * them. `detail` is the photo's pixels per pixel of `document`: 1 when it is the photo itself,
 * less when it was enlarged from it (a small card straightened to a fixed size). Returns 0, or
 * -1 when out of memory or an engine failed. */
int ghost_photo_compare(face_engine *e, const image *document, float detail, ghost_comparison *out);

/* The same on a document reading's upright front: its document region, and the whole page when
 * that region holds no portrait (a TD1 card scanned front above back has its outline, found
 * through the MRZ, on the back). Boxes are in page[0]'s pixels; the detail is the page's
 * (document_page_detail). */
int ghost_photo_check_document(face_engine *e, const document_reading *doc, ghost_comparison *out);

/* The ghost photo's own colour (OkayDoc `holocolor`). A laser-engraved ghost (MyKad) is
 * monochrome: where it marks the card, each pixel is the card's colour darkened and mixed with
 * the engraving's grey — in RGB, a point of the plane through black spanned by the card's
 * colour around the ghost and the engraving's grey, which the main portrait (engraved alike)
 * shows under this photo's light. A ghost printed in colour leaves that plane with the photo's
 * skin tones. Returns the mean distance of the ghost face's middle pixels from the plane, in
 * grey levels (0-255), or -1 when the ghost box is under GHOST_COLOUR_MIN_SIDE pixels, the
 * image is grey, or too few pixels keep their colour (a channel at 250 or more has lost it:
 * glare, a strong colour cast). A main portrait printed in colour lets a colour ghost pass. */
#define GHOST_COLOUR_MAX      6.0f /* more colour of its own than this: printed in colour */
#define GHOST_COLOUR_MIN_SIDE 16
float ghost_photo_colour(const image *page, const face_box *portrait, const face_box *ghost);

const char *ghost_verdict_name(ghost_verdict v);

#endif
