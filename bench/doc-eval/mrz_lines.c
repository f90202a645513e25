/* mrz-lines: reads the MRZ line crops of ../shared/data/mrz-vectors/lines with ekycd's OCR engine
 * and prints exact-line rate and character error rate, overall and per line length.
 *   mrz-lines LINES_DIR DATAPATH LANG [STEP]   (every STEP-th line of lines.tsv; default 1)
 * LANG "cells" reads with the cell classifier (DATAPATH/mrz_chars.onnx) the way the MRZ reader
 * does: the crop's ink band and ends found, sampled into a strip, cut into as many cells as the
 * truth has characters (the reader knows the length from the band's shape); any other LANG is a
 * Tesseract model read as one line.
 * Lines whose length is not 30, 36 or 44 are skipped (partial or odd crops; see the manifest). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocr/mrz_cells.h"
#include "ocr/ocr.h"
#include "util/file.h"
#include "vision/image.h"

#define WHITELIST "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

static int edit_distance(const char *a, const char *b) {
    int n = (int)strlen(b), prev[128], cur[128];
    if (n > 127) return (int)strlen(a) + n;
    for (int j = 0; j <= n; j++) prev[j] = j;
    for (const char *p = a; *p; p++) {
        cur[0] = prev[0] + 1;
        for (int j = 1; j <= n; j++) {
            int sub = prev[j - 1] + (*p != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(int) * (size_t)(n + 1));
    }
    return prev[n];
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
    int lines, exact, errors, chars;
} tally;

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: mrz-lines LINES_DIR DATAPATH LANG [STEP]\n");
        return 2;
    }
    int step = argc > 4 ? atoi(argv[4]) : 1;
    char err[256], path[4096];
    bool use_cells = strcmp(argv[3], "cells") == 0;
    ocr_engine *e = use_cells ? NULL : ocr_engine_new(argv[2], argv[3], err, sizeof err);
    mrz_cell_reader *cells = use_cells ? mrz_cell_reader_new(argv[2], err, sizeof err) : NULL;
    if (!e && !cells) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/lines.tsv", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        ocr_engine_free(e);
        mrz_cell_reader_free(cells);
        return 1;
    }
    tally all = {0}, by_len[3] = {{0}};
    double ms = 0;
    char row[1024];
    for (int index = 0; fgets(row, sizeof row, f); index++) {
        if (row[0] == '#' || index % step) continue;
        char *save = NULL, *img_path = strtok_r(row, "\t", &save),
             *truth = strtok_r(NULL, "\t", &save);
        if (!img_path || !truth) continue;
        size_t len = strlen(truth);
        int slot = len == 30 ? 0 : len == 36 ? 1 : len == 44 ? 2 : -1;
        if (slot < 0) continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], img_path);
        size_t n = 0;
        uint8_t *bytes = file_read_all(path, 16u << 20, &n);
        image rgb, grey;
        if (!bytes || image_decode(bytes, n, 40000000, &rgb, err, sizeof err) != IMG_OK) {
            free(bytes);
            continue;
        }
        free(bytes);
        if (image_to_grey(&rgb, &grey) != IMG_OK) {
            image_free(&rgb);
            continue;
        }
        char text[128];
        int conf = 0;
        double t0 = now_ms();
        if (cells) {
            mrz_cell read[MRZ_CELLS_MAX];
            int rc = mrz_cells_read_crop(cells, grey.pixels, grey.width, grey.height,
                                         (int)grey.stride, (int)len, read);
            for (size_t i = 0; i < len; i++) text[i] = rc == 0 ? read[i].ch[0] : '?';
            text[len] = '\0';
        } else
            ocr_read_line(e, grey.pixels, grey.width, grey.height, (int)grey.stride, WHITELIST,
                          text, sizeof text, &conf);
        if (getenv("MRZ_LINES_VERBOSE") && strcmp(text, truth) != 0)
            printf("%s\n    %s\n    %s\n", img_path, text, truth);
        ms += now_ms() - t0;
        int d = edit_distance(text, truth);
        tally *ts[2] = {&all, &by_len[slot]};
        for (int k = 0; k < 2; k++) {
            ts[k]->lines++;
            ts[k]->exact += d == 0;
            ts[k]->errors += d;
            ts[k]->chars += (int)len;
        }
        image_free(&rgb);
        image_free(&grey);
    }
    fclose(f);
    ocr_engine_free(e);
    mrz_cell_reader_free(cells);
    static const char *const names[3] = {"30 (TD1)", "36 (TD2/MRV-B)", "44 (TD3/MRV-A)"};
    printf("model=%s lines=%d exact=%.1f%% cer=%.2f%% ms_per_line=%.1f\n", argv[3], all.lines,
           all.lines ? 100.0 * all.exact / all.lines : 0,
           all.chars ? 100.0 * all.errors / all.chars : 0, all.lines ? ms / all.lines : 0);
    for (int i = 0; i < 3; i++)
        printf("  length %-15s lines=%d exact=%.1f%% cer=%.2f%%\n", names[i], by_len[i].lines,
               by_len[i].lines ? 100.0 * by_len[i].exact / by_len[i].lines : 0,
               by_len[i].chars ? 100.0 * by_len[i].errors / by_len[i].chars : 0);
    return 0;
}
