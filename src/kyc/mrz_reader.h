/* Finding and reading the machine-readable zone in a photo or scan of a document.
 *
 * mrz_reader_read() looks for two or three long, parallel, evenly spaced lines of characters
 * (the MRZ band) in any of the eight orientations (four rotations, each also mirrored), reads
 * every line cell by cell with ekycd's MRZ character classifier (ocr/mrz_cells.h), and parses
 * the text with mrz_parse (field alphabets and check digits repair OCR confusions; check digits
 * also choose among the classifier's runner-up characters). The candidate whose check
 * digits agree best wins; a candidate counts only with at least two right check digits, or, for
 * a document printed with wrong ones, a layout right throughout (both dates, both state codes,
 * sex) read confidently, so text that merely fits a format is not an MRZ. Without one, `found`
 * is false. */
#ifndef EKYCD_KYC_MRZ_READER_H
#define EKYCD_KYC_MRZ_READER_H

#include <stdbool.h>

#include "kyc/mrz.h"
#include "ocr/mrz_cells.h"
#include "vision/image.h"

#define MRZ_READER_RAW 64

typedef struct {
    bool found;
    mrz_result mrz;         /* after repairs */
    int rotation;           /* 0, 90, 180 or 270: clockwise turn of the document in the image */
    bool mirrored;          /* the image is a mirror image of the document */
    float corners[4][2];    /* the band in image pixels, as the document reads: top-left,
                               top-right, bottom-right, bottom-left */
    float char_height;      /* character height in image pixels */
    int confidence;         /* mean top probability of the characters, 0-100 */
    int check_digits_ok;    /* valid check digits (composite included) … */
    int check_digits_total; /* … of this many */
    char raw[MRZ_MAX_LINES][MRZ_READER_RAW]; /* the classifier's text (with runner-up swaps)
                                              before the parser's repairs */
} mrz_reading;

/* How hard to look. The lines are found on a binarised copy; glare washes characters out of it
 * unless the contrast is first stretched tile by tile, which costs a second search and loses
 * some clean pages, so that copy is looked at second. */
typedef enum {
    MRZ_SEARCH_USUAL, /* the plain copy; when it gives an MRZ without every check digit right,
                         the stretched copy too, the better reading kept */
    MRZ_SEARCH_GLARE  /* the stretched copy alone: for a page USUAL found nothing on and that is
                         no other document the caller reads */
} mrz_search;

/* Reads the MRZ of `img` (RGB or grey). Returns 0 (found or not, see out->found), or -1 when out
 * of memory or the classifier failed. */
int mrz_reader_read(mrz_cell_reader *cells, const image *img, mrz_search search, mrz_reading *out);

#endif
