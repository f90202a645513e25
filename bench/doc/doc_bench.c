/* doc-bench: latency of one OkayID reading on one core: decode the JPEG, find and read the MRZ,
 * turn the page upright, read the visual zone, find the portrait (what POST /api/ekyc/okayid
 * does before storing).
 *   doc-bench IMAGE MEGAPIXELS RUNS [OCR_DIR MODELS_DIR]
 * IMAGE is scaled (bilinear) to about MEGAPIXELS and encoded as JPEG quality 92, like a phone
 * photo of that size. Prints p50/p95 in ms and the part spent decoding, and, from runs
 * alternating with those, the p50 without the general-text engine (no visual zone) and the
 * ratio. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyc/document.h"
#include "util/file.h"
#include "util/openmp_env.h"
#include "vision/image.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* src scaled to w x h, RGB, bilinear (this is test-input preparation, not product code) */
static int scaled(const image *src, int w, int h, image *out) {
    out->pixels = malloc((size_t)w * (size_t)h * 3);
    if (!out->pixels) return -1;
    out->width = w, out->height = h, out->channels = 3, out->stride = (size_t)w * 3;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float fx = ((float)x + 0.5f) * (float)src->width / (float)w - 0.5f;
            float fy = ((float)y + 0.5f) * (float)src->height / (float)h - 0.5f;
            int x0 = fx < 0 ? 0 : (int)fx, y0 = fy < 0 ? 0 : (int)fy;
            int x1 = x0 + 1 < src->width ? x0 + 1 : x0, y1 = y0 + 1 < src->height ? y0 + 1 : y0;
            float ax = fx - (float)x0, ay = fy - (float)y0;
            if (ax < 0) ax = 0;
            if (ay < 0) ay = 0;
            for (int c = 0; c < 3; c++) {
                const uint8_t *r0 = src->pixels + (size_t)y0 * src->stride;
                const uint8_t *r1 = src->pixels + (size_t)y1 * src->stride;
                float top = r0[x0 * 3 + c] + ax * (float)(r0[x1 * 3 + c] - r0[x0 * 3 + c]);
                float bot = r1[x0 * 3 + c] + ax * (float)(r1[x1 * 3 + c] - r1[x0 * 3 + c]);
                out->pixels[((size_t)y * w + x) * 3 + c] = (uint8_t)(top + ay * (bot - top) + 0.5f);
            }
        }
    return 0;
}

int main(int argc, char **argv) {
    openmp_env_single_thread(argv); /* as the server runs */
    if (argc < 4) {
        fprintf(stderr, "usage: doc-bench IMAGE MEGAPIXELS RUNS [OCR_DIR MODELS_DIR]\n");
        return 2;
    }
    double mp = atof(argv[2]);
    int runs = atoi(argv[3]);
    const char *ocr_dir = argc > 4 ? argv[4] : "ocr", *models = argc > 5 ? argv[5] : "models";
    char err[512];
    size_t len = 0;
    uint8_t *bytes = file_read_all(argv[1], 64u << 20, &len);
    image src, big;
    if (!bytes || image_decode(bytes, len, 100000000, &src, err, sizeof err) != IMG_OK) {
        fprintf(stderr, "%s: cannot read (the shared data is absent?); skipping\n", argv[1]);
        free(bytes);
        return 0;
    }
    free(bytes);
    double factor = sqrt(mp * 1e6 / ((double)src.width * src.height));
    int w = (int)(src.width * factor), h = (int)(src.height * factor);
    uint8_t *jpeg = NULL;
    if (runs < 1 || mp <= 0 || scaled(&src, w, h, &big) != 0 ||
        image_encode_jpeg(&big, 92, &jpeg, &len) != IMG_OK) {
        fprintf(stderr, "cannot prepare the input\n");
        return 1;
    }
    image_free(&src);
    image_free(&big);
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    face_engine *faces = face_engine_create(fm);
    mrz_cell_reader *ocr = mrz_cell_reader_new(ocr_dir, err, sizeof err);
    ocr_engine *text = ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err);
    document_engines engines = {ocr, text, faces, true};
    double *total = malloc(sizeof *total * (size_t)runs),
           *decode = malloc(sizeof *decode * (size_t)runs);
    if (!faces || !ocr || !text || !total || !decode) {
        fprintf(stderr, "cannot load the engines\n");
        return 1;
    }
    /* as OkayID reads it, then without the general-text engine (no visual zone, no MyKad),
     * alternating run by run so both see the same machine */
    document_engines plain = {ocr, NULL, faces, false};
    double *without = malloc(sizeof *without * (size_t)runs);
    if (!without) return 1;
    int found = 0;
    for (int i = 0; i < runs; i++) {
        for (int pass = 0; pass < 2; pass++) {
            double t0 = now_ms();
            image img;
            if (image_decode(jpeg, len, 40000000, &img, err, sizeof err) != IMG_OK) return 1;
            double t1 = now_ms();
            document_reading doc;
            if (document_read(pass ? &plain : &engines, &img, NULL, &doc) != 0) return 1;
            if (!pass) found += doc.mrz_found;
            document_reading_free(&doc);
            image_free(&img);
            if (pass) {
                without[i] = now_ms() - t0;
            } else {
                total[i] = now_ms() - t0;
                decode[i] = t1 - t0;
            }
        }
    }
    qsort(total, (size_t)runs, sizeof *total, cmp_double);
    qsort(decode, (size_t)runs, sizeof *decode, cmp_double);
    qsort(without, (size_t)runs, sizeof *without, cmp_double);
    printf("okayid %dx%d (%.1f MP) JPEG %zu bytes: p50=%.0f ms p95=%.0f ms (decode p50 %.0f ms), "
           "MRZ found %d/%d, one core\n",
           w, h, w * (double)h / 1e6, len, total[runs / 2],
           total[(runs * 95) / 100 < runs ? (runs * 95) / 100 : runs - 1], decode[runs / 2], found,
           runs);
    printf("  without the text engine (no visual zone, no MyKad): p50=%.0f ms (ratio %.2f)\n",
           without[runs / 2], total[runs / 2] / without[runs / 2]);
    free(without);
    free(total), free(decode), free(jpeg);
    mrz_cell_reader_free(ocr);
    ocr_engine_free(text);
    face_engine_free(faces);
    face_models_free(fm);
    return 0;
}
