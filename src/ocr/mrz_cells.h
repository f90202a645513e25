/* Reading MRZ lines cell by cell with ekycd's character classifier.
 *
 * MRZ characters are printed on a fixed pitch, so once a line's ends are known every character
 * sits in a known cell; a line photographed at an angle or stretched has a pitch that drifts
 * along it, so the cells are also placed by the characters' own ink (counted left to right,
 * fitted as a quadratic) and the more confident reading kept. The caller samples the line into
 * an upright strip MRZ_STRIP_HEIGHT pixels tall with the characters about MRZ_STRIP_HEIGHT /
 * MRZ_STRIP_THICKNESS pixels high and says where the line's ink starts and how long it runs;
 * mrz_cells_read cuts one tile per cell and names its character with the mean of two small
 * convolutional networks run by the inference core, both trained on rendered OCR-B by
 * tools/ocr-mrz/train_cells.py:
 * ocr/mrz_chars.onnx on prints as sharp as most captures, ocr/mrz_chars_soft.onnx with a share
 * of them blurred and shrunk as in soft phone photos and enlarged thumbnails. Each alone misreads
 * what the other reads (docs/accuracy.md). Each cell comes back with its best MRZ_CELL_CHOICES
 * characters and their probabilities, so check digits can choose among them, and its likeliest
 * digit. A reader is not thread-safe: each worker owns one. */
#ifndef EKYCD_OCR_MRZ_CELLS_H
#define EKYCD_OCR_MRZ_CELLS_H

#include <stddef.h>
#include <stdint.h>

#define MRZ_STRIP_HEIGHT     64   /* strip rows */
#define MRZ_STRIP_THICKNESS  1.9f /* strip height over character height */
#define MRZ_CELLS_MODEL      "mrz_chars.onnx"
#define MRZ_CELLS_SOFT_MODEL "mrz_chars_soft.onnx"
#define MRZ_CELLS_MODELS     2
#define MRZ_CELL_CHOICES     3
#define MRZ_CELLS_MAX        64 /* longest line read */

typedef struct {
    char ch[MRZ_CELL_CHOICES]; /* best first, from "A-Z0-9<" */
    float p[MRZ_CELL_CHOICES]; /* their probabilities */
    char digit;                /* the likeliest digit, for fields that hold only digits */
} mrz_cell;

typedef struct mrz_cell_reader mrz_cell_reader;

/* Loads DIR/mrz_chars.onnx and DIR/mrz_chars_soft.onnx. NULL on failure, with the reason in
 * err. */
mrz_cell_reader *mrz_cell_reader_new(const char *dir, char *err, size_t errlen);
void mrz_cell_reader_free(mrz_cell_reader *r);

/* Reads `length` (1..MRZ_CELLS_MAX) cells of a strip `width` x MRZ_STRIP_HEIGHT grey pixels
 * whose line ink runs from x = line_start for line_length pixels, inside the strip. Returns 0,
 * or -1 for bad arguments (a line reaching outside the strip among them) or an inference
 * failure. A strip without contrast reads as fillers with p = 0. */
int mrz_cells_read(mrz_cell_reader *r, const uint8_t *strip, int width, int stride,
                   float line_start, float line_length, int length, mrz_cell *cells);

/* Reads a grey image holding one horizontal MRZ line (a line crop): the text band is the longest
 * run of rows with ink (darker than the mid grey) across at least 2 % of the width, the line runs
 * from its first to its last ink column; that band is sampled into a strip and read as above.
 * Returns 0, or -1 for bad arguments, an image without such a band, or a failure. */
int mrz_cells_read_crop(mrz_cell_reader *r, const uint8_t *grey, int width, int height, int stride,
                        int length, mrz_cell *cells);

#endif
