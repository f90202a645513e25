/* MRZ cells: tile geometry and normalisation as tools/ocr-mrz/cells.py (keep them in step),
 * classification by the inference core (the mean of two classifiers' probabilities). */
#include "ocr/mrz_cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "util/linsolve.h"
#include "vision/image.h"

#define ALPHABET     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
#define CLASSES      37
#define FIRST_DIGIT  26    /* ALPHABET[26..35] = "0".."9" */
#define GLYPH_SHARE  0.72f /* glyph width over the pitch assumed at the line ends */
#define TILE         32
#define TILE_TOP     8.0f /* strip rows a tile covers */
#define TILE_BOTTOM  56.0f
#define TILE_WIDTH   1.4f  /* tile width over the pitch */
#define MIN_CONTRAST 8     /* paper minus ink grey levels below which a strip is blank */
#define THIN_MARK    0.25f /* an end mark this thin, over the pitch … */
#define MARK_GAP     0.5f  /* … and this far from the next ink may be a frame, not text */
#define CROP_MARGIN  0.8f  /* strip length beyond each end of a crop's line, over its height */
/* A character's ink this far off the fitted cell centre, over the pitch, is left out of the
 * fit; and above this mean top probability a line's first reading stands without a fitted one
 * (chosen on the shared line crops, docs/accuracy.md: no exact line lost, a third of the time). */
#define FIT_OFF             0.3f
#define FIT_SKIP_CONFIDENCE 0.995f

/* The classifiers a reader averages (mrz_cells.h says why two). */
static const char *const model_files[MRZ_CELLS_MODELS] = {MRZ_CELLS_MODEL, MRZ_CELLS_SOFT_MODEL};

struct mrz_cell_reader {
    nn_model *model[MRZ_CELLS_MODELS];
    nn_workspace *ws[MRZ_CELLS_MODELS];
    float tile[TILE * TILE];
    float out[CLASSES];  /* one classifier's probabilities */
    float prob[CLASSES]; /* their mean */
};

/* Loads DIR/FILE into r->model[k] with its workspace, checking that it classifies one tile.
 * Returns 0, or -1 with the reason in err. */
static int load_classifier(mrz_cell_reader *r, int k, const char *dir, const char *file, char *err,
                           size_t errlen) {
    char path[4096], why[256];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
        snprintf(err, errlen, "model directory path too long");
        return -1;
    }
    if (nn_model_load(path, &r->model[k], why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot load %s: %s", path, why);
        return -1;
    }
    if (nn_model_num_inputs(r->model[k]) != 1 || nn_model_num_outputs(r->model[k]) != 1 ||
        nn_model_input_size(r->model[k], 0) != TILE * TILE ||
        nn_model_output_size(r->model[k], 0) != CLASSES) {
        snprintf(err, errlen, "%s: expected one %dx%d tile in, %d probabilities out", path, TILE,
                 TILE, CLASSES);
        return -1;
    }
    r->ws[k] = nn_workspace_create(r->model[k]);
    if (!r->ws[k]) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

mrz_cell_reader *mrz_cell_reader_new(const char *dir, char *err, size_t errlen) {
    mrz_cell_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int k = 0; k < MRZ_CELLS_MODELS; k++)
        if (load_classifier(r, k, dir, model_files[k], err, errlen) != 0) {
            mrz_cell_reader_free(r);
            return NULL;
        }
    return r;
}

void mrz_cell_reader_free(mrz_cell_reader *r) {
    if (!r) return;
    for (int k = 0; k < MRZ_CELLS_MODELS; k++) {
        nn_workspace_free(r->ws[k]);
        nn_model_free(r->model[k]);
    }
    free(r);
}

/* r->prob = the classifiers' mean probabilities for r->tile. Returns 0, or -1 on a failure. */
static int classify_tile(mrz_cell_reader *r) {
    const float *in[1] = {r->tile};
    float *out[1] = {r->out};
    memset(r->prob, 0, sizeof r->prob);
    for (int k = 0; k < MRZ_CELLS_MODELS; k++) {
        if (nn_run(r->model[k], r->ws[k], in, out) != 0) return -1;
        for (int c = 0; c < CLASSES; c++) r->prob[c] += r->out[c] / MRZ_CELLS_MODELS;
    }
    return 0;
}

/* Ink and paper grey levels: the 5th and 95th percentiles of the strip. */
static void strip_levels(const uint8_t *strip, int width, int stride, int *ink, int *paper) {
    size_t hist[256] = {0};
    for (int y = 0; y < MRZ_STRIP_HEIGHT; y++)
        for (int x = 0; x < width; x++) hist[strip[(size_t)y * (size_t)stride + (size_t)x]]++;
    double n = (double)width * MRZ_STRIP_HEIGHT, cum = 0;
    *ink = *paper = -1;
    for (int v = 0; v < 256; v++) {
        cum += (double)hist[v];
        if (*ink < 0 && cum > 0.05 * n) *ink = v;
        if (*paper < 0 && cum > 0.95 * n) *paper = v;
    }
}

static float sample(const uint8_t *strip, int width, int stride, float fx, float fy) {
    float x = fx - 0.5f, y = fy - 0.5f;
    x = fminf(fmaxf(x, 0), (float)(width - 1));
    y = fminf(fmaxf(y, 0), (float)(MRZ_STRIP_HEIGHT - 1));
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < width ? x0 + 1 : x0, y1 = y0 + 1 < MRZ_STRIP_HEIGHT ? y0 + 1 : y0;
    float ax = x - (float)x0, ay = y - (float)y0;
    const uint8_t *r0 = strip + (size_t)y0 * (size_t)stride,
                  *r1 = strip + (size_t)y1 * (size_t)stride;
    float top = (float)r0[x0] + ax * (float)(r0[x1] - r0[x0]);
    float bottom = (float)r1[x0] + ax * (float)(r1[x1] - r1[x0]);
    return top + ay * (bottom - top);
}

/* The tile of the cell centred at x = centre, ink 1 and paper 0. */
static void cut_tile(const uint8_t *strip, int width, int stride, float centre, float pitch,
                     int ink, int paper, float *tile) {
    float sx = TILE_WIDTH * pitch / TILE, sy = (TILE_BOTTOM - TILE_TOP) / TILE;
    float x0 = centre - TILE_WIDTH * pitch / 2, range = (float)(paper - ink);
    for (int v = 0; v < TILE; v++)
        for (int u = 0; u < TILE; u++) {
            float value = sample(strip, width, stride, x0 + ((float)u + 0.5f) * sx,
                                 TILE_TOP + ((float)v + 0.5f) * sy);
            tile[v * TILE + u] = fminf(fmaxf(((float)paper - value) / range, 0.0f), 1.0f);
        }
}

/* The MRZ_CELL_CHOICES most probable characters of prob[], and the most probable digit, into
 * *cell. */
static void best_choices(const float *prob, mrz_cell *cell) {
    int digit = FIRST_DIGIT;
    for (int c = FIRST_DIGIT + 1; c < FIRST_DIGIT + 10; c++)
        if (prob[c] > prob[digit]) digit = c;
    cell->digit = ALPHABET[digit];
    for (int k = 0; k < MRZ_CELL_CHOICES; k++) cell->ch[k] = '<', cell->p[k] = -1.0f;
    for (int c = 0; c < CLASSES; c++) {
        int k = MRZ_CELL_CHOICES;
        while (k > 0 && prob[c] > cell->p[k - 1]) k--;
        if (k == MRZ_CELL_CHOICES) continue;
        for (int j = MRZ_CELL_CHOICES - 1; j > k; j--)
            cell->ch[j] = cell->ch[j - 1], cell->p[j] = cell->p[j - 1];
        cell->ch[k] = ALPHABET[c], cell->p[k] = prob[c];
    }
}

/* Where each cell lies: centre x + i * pitch + bend * i^2 (bend 0 for a line printed on one
 * pitch; otherwise perspective or a stretched crop); its pitch is the derivative. */
typedef struct {
    float first, pitch, bend;
} cell_layout;

static cell_layout even_layout(float start, float end, int length) {
    float pitch = (end - start) / ((float)length - 1 + GLYPH_SHARE);
    return (cell_layout){start + GLYPH_SHARE * pitch / 2, pitch, 0.0f};
}

static float cell_centre(const cell_layout *l, int i) {
    return l->first + (float)i * l->pitch + l->bend * (float)i * (float)i;
}

/* Classifies the line's cells; returns the mean top probability, or -1 on an inference
 * failure. */
static float classify_line(mrz_cell_reader *r, const uint8_t *strip, int width, int stride,
                           const cell_layout *l, int length, int ink, int paper, mrz_cell *cells) {
    float sum = 0;
    for (int i = 0; i < length; i++) {
        float pitch = l->pitch + 2.0f * l->bend * (float)i;
        cut_tile(strip, width, stride, cell_centre(l, i), pitch, ink, paper, r->tile);
        if (classify_tile(r) != 0) return -1;
        best_choices(r->prob, &cells[i]);
        sum += cells[i].p[0];
    }
    return sum / (float)length;
}

/* Columns [*x0, *x1) of the ink run that holds or follows column `from` (dir = 1) or holds or
 * precedes it (dir = -1), counting a column as ink with 2 dark pixels in the character rows.
 * Returns 0, or -1 when there is none. */
static int ink_run(const uint8_t *strip, int width, int stride, int cut, int from, int dir, int *x0,
                   int *x1) {
    int x = from < 0 ? 0 : from >= width ? width - 1 : from;
    for (;; x += dir) {
        if (x < 0 || x >= width) return -1;
        int dark = 0;
        for (int y = (int)TILE_TOP + 8; y < (int)TILE_BOTTOM - 8; y++)
            dark += strip[(size_t)y * (size_t)stride + (size_t)x] < cut;
        if (dark >= 2) break;
    }
    int a = x, b = x;
    for (;;) {
        int next = dir > 0 ? b + 1 : a - 1, dark = 0;
        if (next < 0 || next >= width) break;
        for (int y = (int)TILE_TOP + 8; y < (int)TILE_BOTTOM - 8; y++)
            dark += strip[(size_t)y * (size_t)stride + (size_t)next] < cut;
        if (dark < 2) break;
        if (dir > 0)
            b = next;
        else
            a = next;
    }
    *x0 = a, *x1 = b + 1;
    return 0;
}

/* Where the line may really start (or, dir = -1, end) if its end as given is a thin mark set
 * apart from the text (a frame line, a fold): the next ink after it. Returns 0 and sets *at, or
 * -1 when the end looks like a character. */
static int inner_end(const uint8_t *strip, int width, int stride, int cut, float at_given,
                     float pitch, int dir, float *at) {
    int a0, a1, b0, b1, from = (int)floorf(at_given) + (dir > 0 ? 0 : -1);
    if (ink_run(strip, width, stride, cut, from, dir, &a0, &a1) != 0) return -1;
    if ((float)(a1 - a0) > THIN_MARK * pitch) return -1;
    if (ink_run(strip, width, stride, cut, dir > 0 ? a1 : a0 - 1, dir, &b0, &b1) != 0) return -1;
    float gap = dir > 0 ? (float)(b0 - a1) : (float)(a0 - b1);
    if (gap < MARK_GAP * pitch) return -1;
    *at = dir > 0 ? (float)b0 : (float)b1;
    return 0;
}

/* The runs of ink columns one character wide (a quarter to 1.1 pitches) between the line's
 * ends, by their centres, left to right; returns how many (at most `cap`). */
static int character_runs(const uint8_t *strip, int width, int stride, int cut,
                          const cell_layout *even, int length, float *runs, int cap) {
    int n = 0;
    float from = cell_centre(even, 0) - even->pitch,
          to = cell_centre(even, length - 1) + even->pitch;
    for (int x = (int)fmaxf(0, from), x0, x1; x < (int)fminf((float)width, to) && n < cap; x = x1) {
        if (ink_run(strip, width, stride, cut, x, 1, &x0, &x1) != 0 || (float)x0 >= to) break;
        float w = (float)(x1 - x0);
        if (w >= 0.25f * even->pitch && w <= 1.1f * even->pitch)
            runs[n++] = 0.5f * (float)(x0 + x1);
    }
    return n;
}

/* cells, rounded, within 0..MRZ_CELLS_MAX (a line's pitch is never near zero, but a caller's
 * numbers are not trusted to keep the rounding in range) */
static int cell_count(float cells) {
    return !(cells > 0) ? 0 : cells >= (float)MRZ_CELLS_MAX ? MRZ_CELLS_MAX : (int)lroundf(cells);
}

/* The cell of each run counted along the line: the first where the even layout puts it, each
 * next one as many cells on as the gap holds pitches, the pitch followed from gap to gap (so a
 * pitch that drifts along the line is tracked); -1 for a run too close to the previous one. */
static void count_cells(const float *runs, int n, const cell_layout *even, int *cell) {
    float pitch = even->pitch;
    int prev = -1;
    for (int k = 0; k < n; k++) {
        if (prev < 0) {
            cell[k] = cell_count((runs[k] - even->first) / even->pitch);
            prev = k;
            continue;
        }
        float gap = runs[k] - runs[prev];
        int step = cell_count(gap / pitch);
        if (step < 1) {
            cell[k] = -1;
            continue;
        }
        cell[k] = cell[prev] + step > MRZ_CELLS_MAX ? MRZ_CELLS_MAX : cell[prev] + step;
        if (step == 1) pitch = 0.8f * pitch + 0.2f * gap;
        prev = k;
    }
}

/* The cell nearest x under layout l (centres increase with the index). */
static int nearest_cell(const cell_layout *l, int length, float x) {
    int i = cell_count((x - l->first) / l->pitch);
    i = i >= length ? length - 1 : i;
    while (i > 0 && fabsf(cell_centre(l, i - 1) - x) < fabsf(cell_centre(l, i) - x)) i--;
    while (i + 1 < length && fabsf(cell_centre(l, i + 1) - x) < fabsf(cell_centre(l, i) - x)) i++;
    return i;
}

/* The layout the characters' own ink says: the character runs, each given the cell counted
 * along the line, and centre(i) fitted to them by least squares; then fitted again to the runs
 * within FIT_OFF of a pitch of their nearest cell under that first fit. Returns 0, or -1 when
 * fewer than half the cells have a run (touching or broken print: the even layout stands). */
static int fitted_layout(const uint8_t *strip, int width, int stride, int cut,
                         const cell_layout *even, int length, cell_layout *out) {
    float runs[MRZ_CELLS_MAX * 2];
    int cell[MRZ_CELLS_MAX * 2];
    int n = character_runs(strip, width, stride, cut, even, length, runs, MRZ_CELLS_MAX * 2);
    count_cells(runs, n, even, cell);
    *out = *even;
    for (int round = 0; round < 2; round++) {
        double a[3][4] = {{0}}; /* the normal equations, right-hand side last */
        int used = 0, last = -1;
        for (int k = 0; k < n; k++) {
            int i = round == 0 ? cell[k] : nearest_cell(out, length, runs[k]);
            if (i < 0 || i >= length || i == last) continue;
            if (round > 0 && fabsf(cell_centre(out, i) - runs[k]) > FIT_OFF * out->pitch) continue;
            last = i;
            double p[3] = {1, i, (double)i * i};
            for (int u = 0; u < 3; u++) {
                a[u][3] += p[u] * runs[k];
                for (int v = 0; v < 3; v++) a[u][v] += p[u] * p[v];
            }
            used++;
        }
        if (used * 2 < length || !linear_solve(&a[0][0], 3)) return -1;
        *out = (cell_layout){(float)a[0][3], (float)a[1][3], (float)a[2][3]};
        float end_pitch = out->pitch + 2.0f * out->bend * (float)(length - 1);
        if (!(out->pitch > 0.5f * even->pitch) || !(end_pitch > 0.5f * even->pitch)) return -1;
    }
    /* the line keeps its ends: a layout that moves the first or last cell by half a pitch
     * holds another number of characters than the one asked for (a 44-character line read as
     * 36 would fit its first 36 characters) */
    float first_off = cell_centre(out, 0) - cell_centre(even, 0);
    float last_off = cell_centre(out, length - 1) - cell_centre(even, length - 1);
    if (!(fabsf(first_off) < 0.5f * even->pitch) || !(fabsf(last_off) < 0.5f * even->pitch))
        return -1;
    return 0;
}

int mrz_cells_read(mrz_cell_reader *r, const uint8_t *strip, int width, int stride,
                   float line_start, float line_length, int length, mrz_cell *cells) {
    if (!r || !strip || !cells || width <= 0 || stride < width || length <= 0 ||
        length > MRZ_CELLS_MAX || !(line_start >= 0) || !(line_length > 0) ||
        line_start + line_length > (float)width + 1)
        return -1; /* the line must lie within the strip */
    int ink, paper;
    strip_levels(strip, width, stride, &ink, &paper);
    if (paper - ink < MIN_CONTRAST) {
        for (int i = 0; i < length; i++) {
            memset(&cells[i], 0, sizeof cells[i]);
            memset(cells[i].ch, '<', sizeof cells[i].ch);
            cells[i].digit = '0';
        }
        return 0;
    }
    /* the line as given, and without a thin mark set apart at either end; the most confident
     * reading wins */
    int cut = (ink + paper) / 2, ns = 1, ne = 1;
    float pitch = line_length / ((float)length - 1 + GLYPH_SHARE);
    float starts[2] = {line_start, 0}, ends[2] = {line_start + line_length, 0};
    if (inner_end(strip, width, stride, cut, starts[0], pitch, 1, &starts[1]) == 0) ns++;
    if (inner_end(strip, width, stride, cut, ends[0], pitch, -1, &ends[1]) == 0) ne++;
    cell_layout as_given = even_layout(starts[0], ends[0], length), fitted;
    float best = classify_line(r, strip, width, stride, &as_given, length, ink, paper, cells);
    if (best < 0) return -1;
    mrz_cell trial[MRZ_CELLS_MAX];
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ne; j++) {
            if (i + j == 0 || ends[j] - starts[i] < pitch * (float)length / 2) continue;
            cell_layout l = even_layout(starts[i], ends[j], length);
            float conf = classify_line(r, strip, width, stride, &l, length, ink, paper, trial);
            if (conf < 0) return -1;
            if (conf > best) best = conf, memcpy(cells, trial, sizeof *cells * (size_t)length);
        }
    /* and the layout fitted to the characters' ink, for a line whose pitch drifts (not worth a
     * second reading when the first is all but certain) */
    if (best < FIT_SKIP_CONFIDENCE &&
        fitted_layout(strip, width, stride, cut, &as_given, length, &fitted) == 0) {
        float conf = classify_line(r, strip, width, stride, &fitted, length, ink, paper, trial);
        if (conf < 0) return -1;
        if (conf > best) memcpy(cells, trial, sizeof *cells * (size_t)length);
    }
    return 0;
}

/* The longest run of rows of `grey` where at least 2 % of the pixels are darker than `cut`. */
static void text_band(const uint8_t *grey, int width, int height, int stride, int cut, int *top,
                      int *rows) {
    *top = *rows = 0;
    for (int y = 0, run = 0; y < height; y++) {
        const uint8_t *row = grey + (size_t)y * (size_t)stride;
        int ink = 0;
        for (int x = 0; x < width; x++) ink += row[x] < cut;
        run = ink * 50 >= width ? run + 1 : 0;
        if (run > *rows) *rows = run, *top = y - run + 1;
    }
}

int mrz_cells_read_crop(mrz_cell_reader *r, const uint8_t *grey, int width, int height, int stride,
                        int length, mrz_cell *cells) {
    if (!grey || width <= 0 || height <= 0 || stride < width) return -1;
    int lo = 255, hi = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int v = grey[(size_t)y * (size_t)stride + (size_t)x];
            lo = v < lo ? v : lo, hi = v > hi ? v : hi;
        }
    int cut = (lo + hi) / 2, top, rows, start = width, end = 0;
    text_band(grey, width, height, stride, cut, &top, &rows);
    for (int y = top; y < top + rows; y++)
        for (int x = 0; x < width; x++)
            if (grey[(size_t)y * (size_t)stride + (size_t)x] < cut) {
                start = x < start ? x : start;
                end = x + 1 > end ? x + 1 : end;
            }
    if (rows < 4 || end <= start) return -1;
    /* strip pixel (u, v) -> crop (k u + start - margin, k v + centre - thickness / 2) */
    float h = (float)rows, k = MRZ_STRIP_THICKNESS * h / MRZ_STRIP_HEIGHT, margin = CROP_MARGIN * h;
    float m[6] = {k, 0, (float)start - margin,
                  0, k, (float)top + h / 2 - MRZ_STRIP_THICKNESS * h / 2};
    int strip_width = (int)(((float)(end - start) + 2 * margin) / k + 0.5f);
    image crop = {width, height, 1, (size_t)stride, (uint8_t *)grey}, strip;
    if (image_warp_grey(&crop, m, strip_width, MRZ_STRIP_HEIGHT, &strip) != IMG_OK) return -1;
    int rc = mrz_cells_read(r, strip.pixels, strip.width, (int)strip.stride, margin / k,
                            (float)(end - start) / k, length, cells);
    image_free(&strip);
    return rc;
}
