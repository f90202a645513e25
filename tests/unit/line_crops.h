/* The shared MRZ line crops (../shared/data/mrz-vectors/lines) for unit tests: walk lines.tsv,
 * decode each crop to grey, score a reading by edit distance. Test code only (cmocka asserts). */
#ifndef EKYCD_TESTS_LINE_CROPS_H
#define EKYCD_TESTS_LINE_CROPS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/file.h"
#include "vision/image.h"

#define LINE_CROPS(rel) tu_shared("mrz-vectors/lines/" rel)

static inline int line_crops_edit_distance(const char *a, const char *b) {
    int n = (int)strlen(b), prev[64], cur[64];
    for (int j = 0; j <= n; j++) prev[j] = j;
    for (const char *p = a; *p; p++) {
        cur[0] = prev[0] + 1;
        for (int j = 1; j <= n; j++) {
            int best = prev[j - 1] + (*p != b[j - 1]);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (size_t)(n + 1));
    }
    return prev[n];
}

/* How a reader did on the crops walked: lines, exact lines, character errors over characters. */
typedef struct {
    int lines, exact, errors, chars;
} line_crops_tally;

static inline void line_crops_score(line_crops_tally *t, const char *text, const char *truth) {
    int d = line_crops_edit_distance(text, truth);
    t->lines++, t->errors += d, t->chars += (int)strlen(truth), t->exact += d == 0;
}

static inline void line_crops_report(const char *label, const line_crops_tally *t) {
    printf("%s: %d lines, %d exact, CER %.2f%%\n", label, t->lines, t->exact,
           t->chars ? 100.0 * t->errors / t->chars : 0.0);
}

/* The next crop of every `step`-th row of lines.tsv (*row counts rows, the header included) whose
 * truth is a whole MRZ line (30, 36 or 44 characters): *grey (the caller frees it) and its truth.
 * 1, or 0 at the end of the file. */
static inline int line_crops_next(FILE *tsv, int step, int *row, image *grey, char *truth,
                                  size_t cap) {
    char line[1024], path[1024], err[256];
    while (fgets(line, sizeof line, tsv)) {
        int index = (*row)++;
        if (line[0] == '#' || index % step) continue;
        char *save = NULL, *img = strtok_r(line, "\t", &save), *text = strtok_r(NULL, "\t", &save);
        size_t len = text ? strlen(text) : 0;
        if ((len != 30 && len != 36 && len != 44) || len >= cap) continue;
        snprintf(path, sizeof path, "%s%s", LINE_CROPS(""), img);
        size_t n = 0;
        uint8_t *bytes = file_read_all(path, 16u << 20, &n);
        image rgb;
        assert_non_null(bytes);
        assert_int_equal(image_decode(bytes, n, 40000000, &rgb, err, sizeof err), IMG_OK);
        free(bytes);
        assert_int_equal(image_to_grey(&rgb, grey), IMG_OK);
        image_free(&rgb);
        memcpy(truth, text, len + 1);
        return 1;
    }
    return 0;
}

#endif
