/* What the evaluations over synthetic card sets (build/mykad-gen) share: the set's card images
 * listed in order and decoded, the document engines loaded and freed, the folders named on the
 * command line run in turn, times sorted and printed.
 * Header-only (each evaluation is one program). */
#ifndef EKYCD_BENCH_CARD_SET_H
#define EKYCD_BENCH_CARD_SET_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/document.h"
#include "kyc/face.h"
#include "util/file.h"
#include "vision/image.h"

/* qsort order of doubles, ascending (for percentiles of times) */
static int card_set_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts n times (ms) and prints their p50 and p95 after `opening` (which ends in an open
 * parenthesis's text, closed after the count) with `decimals` decimals; nothing when n is 0 */
static inline void card_set_print_times(const char *opening, double *ms, int n, int decimals) {
    if (n <= 0) return;
    qsort(ms, (size_t)n, sizeof *ms, card_set_cmp_double);
    printf("%sn=%d): p50 %.*f ms, p95 %.*f ms\n", opening, n, decimals, ms[n / 2], decimals,
           ms[n * 95 / 100]);
}

/* Whether "-v" is among argv[first..] */
static inline bool card_set_verbose(int argc, char **argv, int first) {
    for (int i = first; i < argc; i++)
        if (!strcmp(argv[i], "-v")) return true;
    return false;
}

/* Runs `run` on each card-set folder among argv[first..] ("-v" is not one) */
static inline void card_set_each(const document_engines *e, int argc, char **argv, int first,
                                 void (*run)(const document_engines *, const char *)) {
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-v") != 0) run(e, argv[i]);
}

/* Decodes the image file at path (up to 64 MiB, 100 MP); false when it cannot be read */
static bool card_set_load_image(const char *path, image *img) {
    size_t len = 0;
    uint8_t *bytes = file_read_all(path, 64u << 20, &len);
    char err[256];
    bool ok = bytes && image_decode(bytes, len, 100000000, img, err, sizeof err) == IMG_OK;
    free(bytes);
    return ok;
}

static int card_name_order(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's .jpg files, sorted (card_0001.jpg first); *count of them (perhaps 0).
 * NULL when the folder cannot be opened (said on stderr) or out of memory. Free each name and
 * the array. */
static inline char **card_set_list(const char *dir, size_t *count) {
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open\n", dir);
        return NULL;
    }
    size_t cap = 64;
    char **names = malloc(cap * sizeof *names);
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".jpg")) continue;
        if (!names) break;
        if (*count == cap) {
            cap *= 2;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        names[*count] = strdup(de->d_name);
        if (names[*count]) ++*count;
    }
    closedir(d);
    if (names) qsort(names, *count, sizeof *names, card_name_order);
    return names;
}

/* Loads the face models (models_dir) and the document engines (MRZ classifiers in ocr_dir,
 * Tesseract's text engine, a face engine). False, said on stderr, when one cannot be loaded;
 * card_set_engines_free is then still to be called. */
static bool card_set_engines_load(const char *models_dir, const char *ocr_dir,
                                  bool read_visual_zone, face_models **fm, document_engines *e) {
    char err[512] = "";
    memset(e, 0, sizeof *e);
    *fm = NULL;
    if (face_models_load(models_dir, fm, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return false;
    }
    e->mrz = mrz_cell_reader_new(ocr_dir, err, sizeof err);
    e->text = ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err);
    e->faces = face_engine_create(*fm);
    e->read_visual_zone = read_visual_zone;
    if (e->mrz && e->text && e->faces) return true;
    fprintf(stderr, "cannot load the engines: %s\n", err);
    return false;
}

static void card_set_engines_free(face_models *fm, document_engines *e) {
    mrz_cell_reader_free(e->mrz);
    ocr_engine_free(e->text);
    face_engine_free(e->faces);
    face_models_free(fm);
}

#endif
