/* Reading an identity document from the image of its front (and optionally its back): the MRZ
 * (kyc/mrz_reader.h) on either side, what kind of document that makes it, the front turned
 * upright, the document's outline estimated from the MRZ's position and size, and the portrait.
 * A front without an MRZ is tried as a MyKad (kyc/mykad_reader.h), whose page is the card
 * found in the photo and straightened. Pure computation over engines the caller owns; nothing
 * is logged. */
#ifndef EKYCD_KYC_DOCUMENT_H
#define EKYCD_KYC_DOCUMENT_H

#include <stdbool.h>

#include "kyc/face.h"
#include "kyc/mrz_reader.h"
#include "kyc/mykad_reader.h"
#include "kyc/visual_zone.h"
#include "ocr/mrz_cells.h"
#include "ocr/ocr.h"
#include "vision/image.h"

typedef enum { DOC_UNKNOWN = 0, DOC_PASSPORT, DOC_ID_CARD, DOC_VISA, DOC_OTHER } document_kind;

typedef struct {
    int x, y, w, h;
} document_rect;

/* The engines a reading uses, owned by the caller. mrz reads MRZ lines (ekycd's classifier);
 * text, general print (Tesseract "eng"), NULL: no MyKad reading and no visual zone; faces,
 * NULL: no portrait. read_visual_zone: compare an MRZ document's visual zone with its MRZ (needs
 * text; about 0.2-0.5 s a page). */
typedef struct {
    mrz_cell_reader *mrz;
    ocr_engine *text;
    face_engine *faces;
    bool read_visual_zone;
} document_engines;

typedef struct {
    bool mrz_found;
    mrz_reading mrz;
    int mrz_page;              /* 0 front, 1 back */
    document_kind kind;        /* from the MRZ's format and document code */
    const char *issuing_state; /* English name of the issuing state, NULL when unknown */
    char document_type[128];   /* e.g. "Canada - Passport"; "" when not recognised */
    image page[2];             /* front and back turned upright (pixels NULL when absent) */
    bool outline_found[2];     /* document_outline valid for the page */
    document_rect outline[2];  /* the document within the upright page, from the MRZ */
    bool portrait_found;
    document_rect portrait; /* head and shoulders on the upright front */
    bool mykad_found;       /* no MRZ, and the front reads as a MyKad (page[0] is the card) */
    mykad_reading mykad;    /* its fields (its card image has moved to page[0]) */
    visual_zone visual;     /* the MRZ's fields compared with the printed ones (MRZ found,
                               a text engine given and read_visual_zone asked for) */
    float px_per_mm;        /* the document's scale in the image it was found in (pixels per
                               millimetre: from the MRZ's character pitch, or the MyKad's
                               width); 0 when no document was found */
} document_reading;

/* Reads `front` (and `back`, which may be NULL) with the engines in e. Returns 0, or -1 when
 * out of memory or an engine failed; out is then empty. */
int document_read(const document_engines *e, const image *front, const image *back,
                  document_reading *out);
void document_reading_free(document_reading *r);

/* The front's document region on page[0]: the outline when found, else the whole page. */
document_rect document_front_region(const document_reading *r);

/* Where the document lies in the pixels it was photographed in, for measures of the capture
 * itself (a display's pixel grid, which resampling would blur): a MyKad's card in `front` as
 * given, else the front's region on page[0] (the photo turned upright, not resampled). Returns
 * the image *q lies in; front itself when nothing was read. */
const image *document_capture_region(const document_reading *r, const image *front, card_quad *q);

/* The photo's pixels per pixel of page[0]: below 1 when page[0] is a MyKad straightened from a
 * smaller card (MYKAD_CARD_W wide whatever the photo), 1 otherwise (the page is the photo). */
float document_page_detail(const document_reading *r);

/* Where the visual zone of the document whose MRZ band r found lies in the image it was found
 * in (corners as the document reads), and the size it is read at (about 200 dpi). False when
 * the band is too short to measure. */
bool document_visual_zone(const mrz_reading *r, card_quad *q, int *width, int *height);

/* The EXIF orientation that turns an image holding a document read at (rotation, mirrored)
 * upright (image_apply_orientation). */
int document_upright_orientation(int rotation, bool mirrored);

#endif
