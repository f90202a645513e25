/* MRZ versus visual zone: the printed fields of an MRZ document, read with Tesseract and
 * compared with what its MRZ says, for the six fields emas.md §9.3 compares (document class,
 * issuing state, document number, expiry, birth date, sex).
 *
 * The zone is the document above the MRZ band, found from the band itself: the band's corners
 * extended upwards by the document's format (ICAO 9303 sizes) through the same perspective map,
 * so a page photographed turned or at an angle comes out upright and square-on. It is read as
 * sparse text and the fields are looked for by what they look like, not by where they are
 * (layouts differ by country): a token that is the MRZ's document number, a date that is its
 * birth or expiry date in any of the usual printed forms, a lone M or F.
 *
 * Each field ends up the same, different, or not compared:
 * - same: the MRZ's value is printed in the zone;
 * - different: it is not, but something one character away is, on a line the OCR read
 *   confidently (a number or date altered on one side, or misread); the printed value is
 *   reported;
 * - not compared: neither was read. Nothing is claimed about a field the OCR did not see.
 * Nothing is logged. */
#ifndef EKYCD_KYC_VISUAL_ZONE_H
#define EKYCD_KYC_VISUAL_ZONE_H

#include <stdbool.h>

#include "kyc/mrz.h"
#include "ocr/ocr.h"
#include "vision/card.h"
#include "vision/image.h"

typedef enum { VISUAL_NOT_COMPARED = 0, VISUAL_SAME, VISUAL_DIFFERENT } visual_comparison;

typedef enum {
    VISUAL_DOCUMENT_CLASS,
    VISUAL_ISSUING_STATE,
    VISUAL_DOCUMENT_NUMBER,
    VISUAL_EXPIRY,
    VISUAL_BIRTH,
    VISUAL_SEX,
    VISUAL_FIELD_COUNT
} visual_field_id;

#define VISUAL_VALUE_MAX 24
#define VISUAL_MAX_LINES 120 /* text lines of a zone compared */
/* A field is called different only from a line the OCR read with at least this confidence
 * (Tesseract's 0-100): misreads come from doubtful lines. Chosen on the dev documents
 * (docs/accuracy.md) */
#define VISUAL_MIN_CONFIDENCE 70

typedef struct {
    visual_comparison comparison;
    char value[VISUAL_VALUE_MAX]; /* as printed: dates as YYYY-MM-DD; "" when not compared */
    bool year_printed;            /* a date printed with its four-digit year (value's century is the
                                     page's, not the MRZ rule's) */
} visual_field;

typedef struct {
    bool read;      /* the zone was cut out and read (false: no zone, e.g. a degenerate band) */
    int line_count; /* lines of text Tesseract found in it */
    visual_field field[VISUAL_FIELD_COUNT];
} visual_zone;

/* Warps the quadrilateral `zone` of `img` (corners as the document reads: top-left, top-right,
 * bottom-right, bottom-left) to width x height, reads it with `text` (Tesseract "eng") and
 * compares it with `mrz`. Returns 0 (out->read false for a degenerate zone), or -1 when out of
 * memory or Tesseract failed. */
int visual_zone_read(ocr_engine *text, const image *img, const card_quad *zone, int width,
                     int height, const mrz_result *mrz, visual_zone *out);

/* The reading alone: the zone warped and read as sparse text into lines[] (up to cap), their
 * number in *count. Returns 0, 1 for a degenerate zone (nothing read), -1 when out of memory or
 * Tesseract failed. */
int visual_zone_text(ocr_engine *text, const image *img, const card_quad *zone, int width,
                     int height, ocr_text_line *lines, int cap, int *count);

/* The comparison alone, from lines of text already read (UTF-8) and the OCR's confidence in
 * each, 0-100 (NULL: every line read confidently). out->field is set; out->read and
 * out->line_count are left alone. Returns 0, or -1 when out of memory. */
int visual_zone_compare(const char *const *lines, const float *confidence, int count,
                        const mrz_result *mrz, visual_zone *out);

#endif
