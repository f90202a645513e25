/* Reading the front of a MyKad (Malaysian identity card) from a photo or a scan.
 *
 * The card is found and straightened (vision/card.h; the whole image when no edge is found),
 * read with a general-text OCR model (Tesseract "eng") upright and, failing that, upside down,
 * and the lines are assigned to fields by the card's public layout (docs/okayid.md, MyKad):
 * the IC number under the header at the top left, the name and then the address in the lower
 * left, citizenship, religion and sex in the lower right under the portrait. A reading counts as
 * a MyKad when an IC number is read and at least one of the card's fixed words is. Nothing is
 * logged. */
#ifndef EKYCD_KYC_MYKAD_READER_H
#define EKYCD_KYC_MYKAD_READER_H

#include <stdbool.h>

#include "kyc/mykad.h"
#include "ocr/ocr.h"
#include "vision/card.h"
#include "vision/image.h"

/* The straightened card: ID-1 at about 300 dpi */
#define MYKAD_CARD_W 1012
#define MYKAD_CARD_H 638

typedef struct {
    int x, y, w, h;
} mykad_box;

typedef struct {
    bool found;       /* a MyKad front: IC number and card wording read */
    bool edge_found;  /* the card's edges were found (else the whole image was the card) */
    card_quad quad;   /* the card in the source image, corner 0 its upright top left */
    image card;       /* the card straightened and upright, MYKAD_CARD_W x MYKAD_CARD_H */
    bool ic_read;     /* an IC-number-shaped line was read */
    mykad_ic ic;      /* parsed (kyc/mykad.h) */
    mykad_box ic_box; /* the IC number's line on the card */
    mykad_box citizenship_box, religion_box, sex_box; /* their lines; w 0 when not read */
    char name[160];                                   /* lines joined with ^, "" when not read */
    char address[320];                                /* lines joined with ^ */
    char sex_word[16];                                /* LELAKI or PEREMPUAN, "" when not read */
    char religion[16];       /* e.g. ISLAM; "" when not printed or not read */
    char citizenship[16];    /* WARGANEGARA, "" when not read */
    int header_words;        /* of KAD PENGENALAN, MALAYSIA and MyKad, how many were read */
    float header_confidence; /* OCR confidence of KAD PENGENALAN / MALAYSIA (best), 0 unread */
    float logo_confidence;   /* OCR confidence of the MyKad wordmark, 0 unread */
    float ocr_confidence;    /* mean line confidence, 0-100 */
} mykad_reading;

/* Reads img (RGB or grey) with `text`, a general-text engine. today_* is the reference date for
 * the IC number's birth date. Returns 0 (check out->found), or -1 when out of memory or OCR
 * failed; out is then empty. */
int mykad_read(ocr_engine *text, const image *img, int today_year, int today_month, int today_day,
               mykad_reading *out);
void mykad_reading_free(mykad_reading *r);

/* Where the layout puts the IC number on the straightened card: a line whose box lies within
 * this region and whose height is within [min_h, max_h]. */
typedef struct {
    int x0_max, y_centre_min, y_centre_max, min_h, max_h;
} mykad_ic_zone;
extern const mykad_ic_zone mykad_layout_ic;

#endif
