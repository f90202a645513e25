#include "kyc/ic_print.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS  64 /* connected ink parts kept from the line */
#define MAX_GLYPHS 24
#define SHAPE_W    16 /* a digit resampled to this grid for the shape comparison */
#define SHAPE_H    24

/* A connected part of the ink, or a glyph made of parts */
typedef struct {
    int x0, y0, x1, y1; /* bounds, x1 and y1 exclusive */
    long ink;
    int part; /* a glyph: the index of its main part */
} blob;

/* The line's crop, binarised, with its parts labelled */
typedef struct {
    int x, y;               /* the crop's top left on the card */
    float paper, ink_level; /* mean grey of the paper and of the ink */
    float edge_level; /* an edge lies where the grey crosses this: halfway from ink to paper */
    image grey;       /* the crop, luma */
    uint8_t *ink;     /* 1 where dark */
    int *label;       /* part index + 1, 0 for background */
    blob part[MAX_PARTS];
    int parts;
} line_crop;

static void line_crop_free(line_crop *c) {
    image_free(&c->grey);
    free(c->ink);
    free(c->label);
}

/* Otsu's threshold of the crop's grey levels */
static int otsu_threshold(const image *g) {
    long hist[256] = {0}, total = 0;
    double sum = 0;
    for (int y = 0; y < g->height; y++)
        for (int x = 0; x < g->width; x++) hist[g->pixels[(size_t)y * g->stride + x]]++;
    for (int i = 0; i < 256; i++) {
        total += hist[i];
        sum += (double)i * (double)hist[i];
    }
    double sum_low = 0, best = -1;
    long low = 0;
    int threshold = 128;
    for (int t = 0; t < 256; t++) {
        low += hist[t];
        sum_low += (double)t * (double)hist[t];
        long high = total - low;
        if (low == 0 || high == 0) continue;
        double m0 = sum_low / (double)low, m1 = (sum - sum_low) / (double)high;
        double between = (double)low * (double)high * (m0 - m1) * (m0 - m1);
        if (between > best) best = between, threshold = t;
    }
    return threshold;
}

/* Labels the 8-connected ink parts; parts beyond MAX_PARTS (noise on a busy crop) are dropped
 * by keeping the largest. Returns 0 or -1 (memory). */
static int label_parts(line_crop *c) {
    int w = c->grey.width, h = c->grey.height;
    size_t n = (size_t)w * (size_t)h;
    int *stack = malloc(n * sizeof *stack);
    if (!stack) return -1;
    blob found[MAX_PARTS * 4];
    int count = 0;
    for (size_t start = 0; start < n; start++) {
        if (!c->ink[start] || c->label[start]) continue;
        if (count == MAX_PARTS * 4) break;
        blob b = {w, h, 0, 0, 0, 0};
        size_t top = 0;
        stack[top++] = (int)start;
        c->label[start] = count + 1;
        while (top) {
            int p = stack[--top], x = p % w, y = p / w;
            b.ink++;
            if (x < b.x0) b.x0 = x;
            if (y < b.y0) b.y0 = y;
            if (x + 1 > b.x1) b.x1 = x + 1;
            if (y + 1 > b.y1) b.y1 = y + 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    size_t q = (size_t)ny * (size_t)w + (size_t)nx;
                    if (c->ink[q] && !c->label[q]) {
                        c->label[q] = count + 1;
                        stack[top++] = (int)q;
                    }
                }
        }
        found[count++] = b;
    }
    free(stack);
    /* keep the MAX_PARTS largest; relabel the rest as background */
    int keep[MAX_PARTS * 4];
    for (int i = 0; i < count; i++) keep[i] = 1;
    for (int dropped = count - MAX_PARTS; dropped > 0; dropped--) {
        int smallest = -1;
        for (int i = 0; i < count; i++)
            if (keep[i] && (smallest < 0 || found[i].ink < found[smallest].ink)) smallest = i;
        keep[smallest] = 0;
    }
    int map[MAX_PARTS * 4];
    c->parts = 0;
    for (int i = 0; i < count; i++) {
        map[i] = keep[i] ? ++c->parts : 0;
        if (keep[i]) c->part[c->parts - 1] = found[i];
    }
    for (size_t p = 0; p < n; p++)
        if (c->label[p]) c->label[p] = map[c->label[p] - 1];
    return 0;
}

/* Cuts the line out of the card (with a margin), binarises and labels it */
static int crop_line(const image *card, image_box line, line_crop *c) {
    memset(c, 0, sizeof *c);
    int mx = line.h / 2, my = line.h / 3;
    int x0 = line.x - mx, y0 = line.y - my, x1 = line.x + line.w + mx, y1 = line.y + line.h + my;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > card->width) x1 = card->width;
    if (y1 > card->height) y1 = card->height;
    if (x1 - x0 < 8 || y1 - y0 < 8) return 1;
    c->x = x0;
    c->y = y0;
    image part = {0};
    if (image_crop(card, x0, y0, x1 - x0, y1 - y0, &part) != IMG_OK) return -1;
    image_status st = part.channels == 1 ? IMG_OK : image_to_grey(&part, &c->grey);
    if (part.channels == 1)
        c->grey = part;
    else
        image_free(&part);
    if (st != IMG_OK) return -1;
    size_t n = (size_t)c->grey.width * (size_t)c->grey.height;
    c->ink = calloc(n, 1);
    c->label = calloc(n, sizeof *c->label);
    if (!c->ink || !c->label) return -1;
    int t = otsu_threshold(&c->grey);
    double sum[2] = {0, 0};
    long count[2] = {0, 0};
    for (int y = 0; y < c->grey.height; y++)
        for (int x = 0; x < c->grey.width; x++) {
            uint8_t v = c->grey.pixels[(size_t)y * c->grey.stride + (size_t)x];
            c->ink[(size_t)y * (size_t)c->grey.width + (size_t)x] = v <= t;
            sum[v <= t] += v;
            count[v <= t]++;
        }
    /* the midpoint of the paper's and the ink's mean grey: where a blurred edge crosses half
     * way, whatever the blur and whatever share of the crop the ink is */
    c->paper = count[0] ? (float)(sum[0] / (double)count[0]) : 255.0f;
    c->ink_level = count[1] ? (float)(sum[1] / (double)count[1]) : 0.0f;
    c->edge_level = count[0] && count[1] ? 0.5f * (c->paper + c->ink_level) : (float)t;
    return label_parts(c);
}

static int overlap(int a0, int a1, int b0, int b1) {
    int lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0;
}

static void grow(blob *g, const blob *p) {
    if (p->x0 < g->x0) g->x0 = p->x0;
    if (p->y0 < g->y0) g->y0 = p->y0;
    if (p->x1 > g->x1) g->x1 = p->x1;
    if (p->y1 > g->y1) g->y1 = p->y1;
    g->ink += p->ink;
}

static int by_x(const void *a, const void *b) {
    return ((const blob *)a)->x0 - ((const blob *)b)->x0;
}

/* Glyphs (digits, capitals), left to right: parts at least half the line's height tall, with the
 * smaller parts lying within their columns (a stroke broken by binarisation) added. The dashes and
 * specks, short and between the digits, belong to none. `owner` gets, per part, the glyph it
 * belongs to or -1. Returns the count. */
static int cut_glyphs(const line_crop *c, int line_h, blob *glyph, int *owner) {
    int n = 0;
    for (int i = 0; i < c->parts; i++) {
        owner[i] = -1;
        if (c->part[i].y1 - c->part[i].y0 >= line_h / 2 && n < MAX_GLYPHS) {
            glyph[n] = c->part[i];
            glyph[n++].part = i;
        }
    }
    qsort(glyph, (size_t)n, sizeof *glyph, by_x);
    for (int g = 0; g < n; g++) owner[glyph[g].part] = g;
    for (int i = 0; i < c->parts; i++) { /* broken strokes join the glyph whose columns hold them */
        const blob *p = &c->part[i];
        if (owner[i] >= 0) continue;
        for (int g = 0; g < n; g++)
            if (overlap(p->x0, p->x1, glyph[g].x0, glyph[g].x1) * 2 >= p->x1 - p->x0 &&
                overlap(p->y0, p->y1, glyph[g].y0, glyph[g].y1) > 0) {
                owner[i] = g;
                break;
            }
    }
    for (int i = 0; i < c->parts; i++)
        if (owner[i] >= 0 && c->part[i].y1 - c->part[i].y0 < line_h / 2)
            grow(&glyph[owner[i]], &c->part[i]);
    return n;
}

/* The glyph's top and bottom edge to a fraction of a pixel (pixel centres at whole numbers):
 * over its columns, the first and last crossing of the edge level between an ink pixel and
 * the paper beside it, interpolated between their grey levels. */
static void edges(const line_crop *c, const blob *b, float *top, float *bottom) {
    const image *g = &c->grey;
    float level = c->edge_level;
    *top = (float)b->y1;
    *bottom = (float)b->y0;
    for (int x = b->x0; x < b->x1; x++) {
        for (int y = b->y0; y < b->y1; y++)
            if (c->ink[(size_t)y * (size_t)g->width + (size_t)x]) {
                float at = (float)y - 0.5f;
                if (y > 0) {
                    float above = g->pixels[(size_t)(y - 1) * g->stride + (size_t)x],
                          here = g->pixels[(size_t)y * g->stride + (size_t)x];
                    if (above > here) at = (float)(y - 1) + (above - level) / (above - here);
                    at = at < (float)(y - 1) ? (float)(y - 1) : at > (float)y ? (float)y : at;
                }
                if (at < *top) *top = at;
                break;
            }
        for (int y = b->y1 - 1; y >= b->y0; y--)
            if (c->ink[(size_t)y * (size_t)g->width + (size_t)x]) {
                float at = (float)y + 0.5f;
                if (y + 1 < g->height) {
                    float below = g->pixels[(size_t)(y + 1) * g->stride + (size_t)x],
                          here = g->pixels[(size_t)y * g->stride + (size_t)x];
                    if (below > here) at = (float)y + (level - here) / (below - here);
                    at = at < (float)y ? (float)y : at > (float)(y + 1) ? (float)(y + 1) : at;
                }
                if (at > *bottom) *bottom = at;
                break;
            }
    }
}

/* Length of the ink run through (x, y) in direction (dx, dy), counting only glyph g's ink */
static int run_length(const line_crop *c, const int *owner, int g, int x, int y, int dx, int dy) {
    int w = c->grey.width, h = c->grey.height, n = 1;
    for (int sign = -1; sign <= 1; sign += 2)
        for (int k = 1;; k++) {
            int nx = x + sign * k * dx, ny = y + sign * k * dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) break;
            int l = c->label[(size_t)ny * (size_t)w + (size_t)nx];
            if (!l || owner[l - 1] != g) break;
            n++;
        }
    return n;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The median of n values (sorted in place) */
static float median_of(float *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* The width of the ink run through (x, y) along its row, to a fraction of a pixel: the
 * darkness of the run and of the pixel on each side of it, each pixel counted from 0 (paper)
 * to 1 (ink) */
static float ink_across(const line_crop *c, int x, int y) {
    const image *g = &c->grey;
    const uint8_t *row = g->pixels + (size_t)y * g->stride;
    const uint8_t *ink = c->ink + (size_t)y * (size_t)g->width;
    int a = x, b = x;
    while (a > 0 && ink[a - 1]) a--;
    while (b + 1 < g->width && ink[b + 1]) b++;
    float span = c->paper - c->ink_level, width = 0;
    for (int i = a - 1; i <= b + 1; i++) {
        if (i < 0 || i >= g->width) continue;
        float dark = span > 0 ? (c->paper - (float)row[i]) / span : (float)ink[i];
        width += dark < 0 ? 0 : dark > 1 ? 1 : dark;
    }
    return width;
}

/* The glyph's stem width: through each ink pixel, its horizontal, vertical and two diagonal
 * ink runs (diagonal steps count sqrt 2); where the horizontal one is the shortest the pixel
 * lies on an upright stroke, and the median of those horizontal runs is the stem width.
 * Upright stems are what a typeface draws most alike across its digits (bars and bowls thin
 * and thicken by design). 0 when the glyph has no upright stroke. */
static float stem_width(const line_crop *c, const int *owner, int g, const blob *b) {
    int w = c->grey.width;
    float widths[4096];
    int n = 0;
    for (int y = b->y0; y < b->y1; y++)
        for (int x = b->x0; x < b->x1 && n < (int)(sizeof widths / sizeof widths[0]); x++) {
            int l = c->label[(size_t)y * (size_t)w + (size_t)x];
            if (!l || owner[l - 1] != g) continue;
            int across = run_length(c, owner, g, x, y, 1, 0);
            if (across > run_length(c, owner, g, x, y, 0, 1) ||
                (float)across > 1.4142f * (float)run_length(c, owner, g, x, y, 1, 1) ||
                (float)across > 1.4142f * (float)run_length(c, owner, g, x, y, 1, -1))
                continue;
            widths[n++] = ink_across(c, x, y);
        }
    return n ? median_of(widths, n) : 0;
}

/* The glyph's darkness resampled to SHAPE_W x SHAPE_H, zero mean and unit length */
static void shape_of(const image *grey, const blob *b, float *out) {
    float sum = 0;
    for (int v = 0; v < SHAPE_H; v++)
        for (int u = 0; u < SHAPE_W; u++) {
            float fx = (float)b->x0 + ((float)u + 0.5f) * (float)(b->x1 - b->x0) / SHAPE_W - 0.5f;
            float fy = (float)b->y0 + ((float)v + 0.5f) * (float)(b->y1 - b->y0) / SHAPE_H - 0.5f;
            int x = (int)floorf(fx), y = (int)floorf(fy);
            float ax = fx - (float)x, ay = fy - (float)y, acc = 0;
            for (int k = 0; k < 4; k++) {
                int sx = x + (k & 1), sy = y + (k >> 1);
                if (sx < 0) sx = 0;
                if (sy < 0) sy = 0;
                if (sx >= grey->width) sx = grey->width - 1;
                if (sy >= grey->height) sy = grey->height - 1;
                float wgt = ((k & 1) ? ax : 1 - ax) * ((k >> 1) ? ay : 1 - ay);
                acc += wgt * (255.0f - grey->pixels[(size_t)sy * grey->stride + (size_t)sx]);
            }
            out[v * SHAPE_W + u] = acc;
            sum += acc;
        }
    float mean = sum / (SHAPE_W * SHAPE_H), norm = 0;
    for (int i = 0; i < SHAPE_W * SHAPE_H; i++) {
        out[i] -= mean;
        norm += out[i] * out[i];
    }
    norm = sqrtf(norm);
    for (int i = 0; i < SHAPE_W * SHAPE_H; i++) out[i] = norm > 0 ? out[i] / norm : 0;
}

/* The median of up to IC_DIGITS^2 values, left as they are */
static float median(const float *v, int n) {
    float tmp[IC_DIGITS * IC_DIGITS];
    memcpy(tmp, v, (size_t)n * sizeof *tmp);
    return median_of(tmp, n);
}

/* The value a quarter of the way up n (at most MAX_GLYPHS) values, left as they are */
static float lower_quartile(const float *v, int n) {
    float tmp[MAX_GLYPHS];
    memcpy(tmp, v, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_float);
    return tmp[n / 4];
}

/* Residuals of y against a robust line through (x, y) (Theil-Sen: the median pairwise slope) */
static void line_residuals(const float *x, const float *y, int n, float *residual) {
    float slopes[IC_DIGITS * IC_DIGITS], offsets[IC_DIGITS] = {0};
    int s = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (x[j] != x[i]) slopes[s++] = (y[j] - y[i]) / (x[j] - x[i]);
    float slope = s ? median(slopes, s) : 0;
    for (int i = 0; i < n; i++) offsets[i] = y[i] - slope * x[i];
    float offset = median(offsets, n);
    for (int i = 0; i < n; i++) residual[i] = y[i] - (slope * x[i] + offset);
}

/* Digits whose top (or bottom) is round overshoot the line flat ones sit on, in every
 * typeface; they are compared with their own kind. */
static bool round_top(char d) {
    return d != '1' && d != '4' && d != '5' && d != '7';
}

static bool round_bottom(char d) {
    return d != '1' && d != '2' && d != '4' && d != '7';
}

/* Residuals from a line fitted through all, less the median residual of the digit's kind (round
 * or flat) when three or more of that kind were printed */
static void kind_residuals(const float *x, const float *y, const bool *round, float *residual) {
    line_residuals(x, y, IC_DIGITS, residual);
    for (int kind = 0; kind < 2; kind++) {
        float same[IC_DIGITS];
        int n = 0;
        for (int i = 0; i < IC_DIGITS; i++)
            if (round[i] == (kind == 1)) same[n++] = residual[i];
        if (n < 3) continue;
        float offset = median(same, n);
        for (int i = 0; i < IC_DIGITS; i++)
            if (round[i] == (kind == 1)) residual[i] -= offset;
    }
}

static void note(ic_print *out, int i, ic_measure m, float deviation) {
    out->by_measure[m][i] = deviation;
    if (deviation > out->deviation[i]) {
        out->deviation[i] = deviation;
        out->which[i] = m;
    }
}

/* Compares the 12 digits with each other into out */
static void compare_digits(const line_crop *c, const blob *g, const int *owner, const char *digits,
                           ic_print *out) {
    float cx[IC_DIGITS], top[IC_DIGITS], bottom[IC_DIGITS], stroke[IC_DIGITS], h[IC_DIGITS];
    bool rtop[IC_DIGITS], rbottom[IC_DIGITS];
    for (int i = 0; i < IC_DIGITS; i++) {
        cx[i] = 0.5f * (float)(g[i].x0 + g[i].x1);
        edges(c, &g[i], &top[i], &bottom[i]);
        h[i] = bottom[i] - top[i];
        stroke[i] = stem_width(c, owner, i, &g[i]);
        rtop[i] = digits ? round_top(digits[i]) : true;
        rbottom[i] = digits ? round_bottom(digits[i]) : true;
    }
    float mh = median(h, IC_DIGITS), ms = median(stroke, IC_DIGITS);
    float rt[IC_DIGITS], rb[IC_DIGITS];
    kind_residuals(cx, top, rtop, rt);
    kind_residuals(cx, bottom, rbottom, rb);
    for (int i = 0; i < IC_DIGITS; i++) {
        if (mh > 0) {
            note(out, i, IC_MEASURE_HEIGHT, fabsf(rb[i] - rt[i]) / mh / IC_PRINT_HEIGHT_TOL);
            note(out, i, IC_MEASURE_TOP, fabsf(rt[i]) / mh / IC_PRINT_LINE_TOL);
            note(out, i, IC_MEASURE_BOTTOM, fabsf(rb[i]) / mh / IC_PRINT_LINE_TOL);
        }
        if (ms > 0)
            note(out, i, IC_MEASURE_STROKE, fabsf(stroke[i] / ms - 1) / IC_PRINT_STROKE_TOL);
    }
    if (!digits) return;
    float shape[IC_DIGITS][SHAPE_W * SHAPE_H];
    for (int i = 0; i < IC_DIGITS; i++) shape_of(&c->grey, &g[i], shape[i]);
    for (int i = 0; i < IC_DIGITS; i++) {
        float best = -2;
        for (int j = 0; j < IC_DIGITS; j++) {
            if (j == i || digits[j] != digits[i]) continue;
            float dot = 0;
            for (int k = 0; k < SHAPE_W * SHAPE_H; k++) dot += shape[i][k] * shape[j][k];
            if (dot > best) best = dot;
        }
        if (best > -2) note(out, i, IC_MEASURE_SHAPE, (1 - best) / IC_PRINT_SHAPE_TOL);
    }
}

/* Crops, binarises and labels the line and cuts it into glyphs (*n of them). 0 with c to be
 * freed; 1 when the line is too small to crop, -1 when out of memory (nothing to free). */
static int cut_line(const image *card, image_box line, line_crop *c, blob *glyph, int *owner,
                    int *n) {
    int rc = crop_line(card, line, c);
    if (rc != 0) {
        line_crop_free(c);
        return rc;
    }
    *n = cut_glyphs(c, line.h, glyph, owner);
    return 0;
}

/* The median height of the glyphs, in their pixels */
static float median_height(const blob *g, int n) {
    float h[IC_DIGITS];
    for (int i = 0; i < n; i++) h[i] = (float)(g[i].y1 - g[i].y0);
    return median(h, n);
}

int ic_print_measure(const image *card, image_box line, const char *digits, float detail,
                     ic_print *out) {
    memset(out, 0, sizeof *out);
    out->odd = -1;
    if (!card->pixels || line.h <= 0 || line.w <= 0) return 0;
    if (digits && strlen(digits) != IC_DIGITS) digits = NULL;
    line_crop c;
    blob glyph[MAX_GLYPHS];
    int owner[MAX_PARTS], n = 0, rc = cut_line(card, line, &c, glyph, owner, &n);
    if (rc != 0) return rc < 0 ? -1 : 0;
    out->digits_found = n;
    if (n == IC_DIGITS) out->digit_height = median_height(glyph, n) * detail;
    out->too_small = n == IC_DIGITS && out->digit_height < IC_PRINT_MIN_GLYPH_PX;
    if (n == IC_DIGITS && !out->too_small) {
        compare_digits(&c, glyph, owner, digits, out);
        out->measured = true;
        for (int i = 0; i < IC_DIGITS; i++) {
            out->glyph[i] = (image_box){c.x + glyph[i].x0, c.y + glyph[i].y0,
                                        glyph[i].x1 - glyph[i].x0, glyph[i].y1 - glyph[i].y0};
            if (out->odd < 0 || out->deviation[i] > out->worst) {
                out->odd = i;
                out->worst = out->deviation[i];
            }
        }
    }
    line_crop_free(&c);
    return 0;
}

int line_print_measure(const image *card, image_box line, line_print *out) {
    memset(out, 0, sizeof *out);
    if (!card->pixels || line.h <= 0 || line.w <= 0) return 0;
    line_crop c;
    blob glyph[MAX_GLYPHS];
    int owner[MAX_PARTS], n = 0, rc = cut_line(card, line, &c, glyph, owner, &n);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (n >= 3) {
        float h[MAX_GLYPHS], stem[MAX_GLYPHS], bottom[MAX_GLYPHS];
        for (int i = 0; i < n; i++) {
            float top;
            edges(&c, &glyph[i], &top, &bottom[i]);
            h[i] = bottom[i] - top;
            stem[i] = stem_width(&c, owner, i, &glyph[i]);
        }
        out->measured = true;
        out->letters = n;
        out->height = lower_quartile(h, n); /* flat capitals: round and pointed overshoot */
        out->stem = median(stem, n);
        out->baseline = (float)c.y + median(bottom, n);
        out->left = (float)(c.x + glyph[0].x0);
    }
    line_crop_free(&c);
    return 0;
}

const char *ic_measure_name(ic_measure m) {
    switch (m) {
    case IC_MEASURE_HEIGHT:
        return "height";
    case IC_MEASURE_TOP:
        return "top";
    case IC_MEASURE_BOTTOM:
        return "bottom";
    case IC_MEASURE_STROKE:
        return "stroke width";
    case IC_MEASURE_SHAPE:
        return "shape";
    default:
        return "";
    }
}
