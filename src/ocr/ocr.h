/* OCR through Tesseract's C API.
 *
 * An engine is one Tesseract instance with one language model: Debian's "eng" for MyKad fields,
 * or ekycd's OCR-B "mrz", kept as the baseline MRZ line reading is measured against (MRZ bands
 * themselves are read by the cell classifier, ocr/mrz_cells.h). An engine is not thread-safe,
 * so each worker owns one. Images come in as 8-bit grey; the caller crops and scales, the
 * engine reads. Text never goes to the log. */
#ifndef EKYCD_OCR_OCR_H
#define EKYCD_OCR_OCR_H

#include <stddef.h>
#include <stdint.h>

typedef struct ocr_engine ocr_engine;

#define OCR_TEXT_LANG "eng" /* the general-print model (MyKad fields) */

/* Loads `lang` from the directory `datapath` (which holds LANG.traineddata; NULL: Tesseract's
 * own tessdata directory, where Debian's tesseract-ocr-eng installs eng). NULL on failure, with
 * the reason in err. */
ocr_engine *ocr_engine_new(const char *datapath, const char *lang, char *err, size_t errlen);
void ocr_engine_free(ocr_engine *e);

/* Reads the image as one line of text (page segmentation "single line"). `whitelist` limits the
 * characters (NULL: the model's whole set). out gets the text without spaces or line breaks,
 * NUL-terminated and cut to cap - 1 bytes; *confidence the mean word confidence 0-100.
 * Returns 0, or -1 for an empty or inconsistent image or if Tesseract failed. */
int ocr_read_line(ocr_engine *e, const uint8_t *grey, int width, int height, int stride,
                  const char *whitelist, char *out, size_t cap, int *confidence);

/* One line of text found on a page, with its box in the image. */
#define OCR_LINE_MAX 160
typedef struct {
    char text[OCR_LINE_MAX]; /* UTF-8, words separated by single spaces, cut to fit */
    int x0, y0, x1, y1;      /* left, top, right, bottom, pixels */
    float confidence;        /* 0-100 */
} ocr_text_line;

/* Finds and reads the scattered text of a page (page segmentation "sparse text": labels and
 * fields on a card rather than paragraphs). Up to `cap` lines, in Tesseract's reading order,
 * into lines[], their number in *count. Returns 0, or -1 as ocr_read_line. */
int ocr_read_text(ocr_engine *e, const uint8_t *grey, int width, int height, int stride,
                  ocr_text_line *lines, int cap, int *count);

#endif
