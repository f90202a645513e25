/* MRZ band finding and reading.
 *
 * 1. The image is scaled so its long side is ANALYSIS_SIDE pixels, binarised, and cut into dark
 *    connected components (vision/components.c).
 * 2. Components of similar height whose centres line up and whose gaps are character-sized are
 *    chained into text lines, once along x and once along y (a document turned by 90°).
 * 3. Lines long for their height (an MRZ line is 30-44 characters), parallel, of similar length,
 *    aligned at the start and spaced like MRZ lines form groups of two or three.
 * 4. Each group is sampled line by line into upright strips (deskewed by the fitted line) in
 *    each of four reading directions, read by OCR and parsed; the first reading with every check
 *    digit right wins, otherwise the best-scoring one that parses. */
#include "kyc/mrz_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ANALYSIS_SIDE    1200  /* long side of the image the components come from */
#define MIN_CHAR_HEIGHT  5.0f  /* in analysis pixels */
#define MIN_CHAIN        3     /* components in a line piece worth merging */
#define MIN_LINE_CHARS   8     /* components in a candidate line */
#define MIN_LINE_LENGTH  14.0f /* line length over character height */
#define STRIP_HEIGHT     64    /* OCR strip height in pixels; characters come out ~32 px tall */
#define STRIP_THICKNESS  1.9f  /* strip height over character height */
#define STRIP_MARGIN     0.8f  /* extra length at each end, over character height */
#define MAX_GROUPS       24
#define MIN_CHECK_DIGITS 2 /* right check digits before a reading counts as an MRZ */
#define WHITELIST        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

/* A component in line coordinates: `along` the reading axis and `across` it. */
typedef struct {
    float start, end, centre, thick;
} piece;

typedef struct {
    int pieces;       /* components chained into it */
    float start, end; /* extent along the axis */
    float a, b;       /* centre line: across = a + b * along */
    float height;     /* character height */
} text_line;

typedef struct {
    int line[3];
    int count;
    float pitch; /* distance between the lines' centres */
} line_group;

typedef struct {
    int i, j;
    float cost;
} link_edge;

typedef struct {
    ocr_engine *ocr;
    const image *grey; /* full resolution */
    float scale;       /* analysis pixels per image pixel */
    bool transposed;   /* along = y */
} read_context;

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int cmp_edge(const void *a, const void *b) {
    const link_edge *x = a, *y = b;
    return (x->cost > y->cost) - (x->cost < y->cost);
}

static int cmp_piece_index(const void *a, const void *b, void *pieces) {
    const piece *p = pieces;
    float x = p[*(const int *)a].start, y = p[*(const int *)b].start;
    return (x > y) - (x < y);
}

/* Least-squares centre line through the chain's pieces; pieces off by more than a third of the
 * character height are dropped from a second fit. */
static void fit_line(const piece *p, const int *chain, int n, text_line *out) {
    float keep = INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int m = 0;
        for (int k = 0; k < n; k++) {
            const piece *q = &p[chain[k]];
            float x = (q->start + q->end) / 2;
            if (pass && fabsf(q->centre - (out->a + out->b * x)) > keep) continue;
            sx += x, sy += q->centre, sxx += (double)x * x, sxy += (double)x * q->centre, m++;
        }
        double det = m * sxx - sx * sx;
        if (m < 2 || fabs(det) < 1e-6) return;
        out->b = (float)((m * sxy - sx * sy) / det);
        out->a = (float)((sy - out->b * sx) / m);
        keep = out->height / 3;
    }
}

static float across_at(const text_line *l, float along) {
    return l->a + l->b * along;
}

static int cmp_line_start(const void *x, const void *y) {
    const text_line *a = x, *b = y;
    return (a->start > b->start) - (a->start < b->start);
}

/* Joins pieces of one line that the chaining left apart (a faint or merged character breaks a
 * chain): collinear, of similar height, a few characters apart. Returns the new count. */
static int merge_lines(text_line *lines, int n) {
    qsort(lines, (size_t)n, sizeof *lines, cmp_line_start);
    for (int i = 0; i < n; i++) {
        text_line *a = &lines[i];
        for (int j = i + 1; j < n; j++) {
            text_line *b = &lines[j];
            float h = fmaxf(a->height, b->height);
            if (b->start > a->end + 4 * h) break;
            if (b->start < a->end - h || a->height > 1.3f * b->height ||
                b->height > 1.3f * a->height || fabsf(a->b - b->b) > 0.05f ||
                fabsf(across_at(a, b->start) - across_at(b, b->start)) > 0.3f * h)
                continue;
            /* keep the longer piece's centre line; it is the better fit */
            if (b->end - b->start > a->end - a->start) a->a = b->a, a->b = b->b;
            a->end = b->end;
            a->pieces += b->pieces;
            a->height = fmaxf(a->height, b->height);
            memmove(b, b + 1, sizeof *b * (size_t)(n - j - 1));
            n--, j = i; /* look again from the grown line */
        }
    }
    return n;
}

/* Chains pieces into lines (step 2). Returns the number of lines written to lines[cap]. */
static int find_lines(const piece *p, int n, text_line *lines, int cap) {
    int *order = malloc(sizeof *order * (size_t)(n ? n : 1));
    int *next = malloc(sizeof *next * (size_t)(n ? n : 1));
    int *prev = malloc(sizeof *prev * (size_t)(n ? n : 1));
    size_t edge_cap = (size_t)n * 4 + 16, edge_count = 0;
    link_edge *edges = malloc(sizeof *edges * edge_cap);
    float *heights = malloc(sizeof *heights * (size_t)(n ? n : 1));
    int *chain = malloc(sizeof *chain * (size_t)(n ? n : 1));
    int found = 0;
    if (!order || !next || !prev || !edges || !heights || !chain) goto done;
    for (int i = 0; i < n; i++) order[i] = i, next[i] = prev[i] = -1;
    qsort_r(order, (size_t)n, sizeof *order, cmp_piece_index, (void *)p);
    for (int oi = 0; oi < n; oi++) {
        const piece *a = &p[order[oi]];
        for (int oj = oi + 1; oj < n; oj++) {
            const piece *b = &p[order[oj]];
            float h = fmaxf(a->thick, b->thick);
            if (b->start > a->end + 2.2f * h) break;
            float gap = b->start - a->end, dc = fabsf(b->centre - a->centre);
            float ratio = b->thick / a->thick;
            if (b->end <= a->end || gap < -0.3f * fminf(a->end - a->start, b->end - b->start) ||
                dc > 0.45f * h || ratio < 0.4f || ratio > 2.5f)
                continue;
            if (edge_count == edge_cap) {
                link_edge *grown = realloc(edges, sizeof *edges * edge_cap * 2);
                if (!grown) goto done;
                edges = grown, edge_cap *= 2;
            }
            edges[edge_count++] = (link_edge){order[oi], order[oj], fmaxf(gap, 0) / h + dc / h};
        }
    }
    qsort(edges, edge_count, sizeof *edges, cmp_edge);
    for (size_t e = 0; e < edge_count; e++)
        if (next[edges[e].i] < 0 && prev[edges[e].j] < 0)
            next[edges[e].i] = edges[e].j, prev[edges[e].j] = edges[e].i;
    for (int head = 0; head < n && found < cap; head++) {
        if (prev[head] >= 0 || next[head] < 0) continue;
        int m = 0;
        for (int k = head; k >= 0 && m < n; k = next[k]) chain[m] = k, heights[m++] = p[k].thick;
        if (m < MIN_CHAIN) continue;
        qsort(heights, (size_t)m, sizeof *heights, cmp_float);
        text_line line = {.pieces = m,
                          .start = p[chain[0]].start,
                          .end = p[chain[m - 1]].end,
                          .height = heights[(m * 4) / 5]};
        if (line.height < MIN_CHAR_HEIGHT) continue;
        fit_line(p, chain, m, &line);
        lines[found++] = line;
    }
    found = merge_lines(lines, found);
    int kept = 0;
    for (int i = 0; i < found; i++)
        if (lines[i].pieces >= MIN_LINE_CHARS &&
            lines[i].end - lines[i].start >= MIN_LINE_LENGTH * lines[i].height)
            lines[kept++] = lines[i];
    found = kept;
done:
    free(order), free(next), free(prev), free(edges), free(heights), free(chain);
    return found;
}

/* Whether line b can follow line a in one MRZ band (step 3): MRZ lines are equally long, so
 * their starts or (when overprinting hid the first characters of one) their ends line up. */
static bool lines_pair(const text_line *a, const text_line *b) {
    float h = fmaxf(a->height, b->height), mid = (a->start + a->end) / 2;
    float len_a = a->end - a->start, len_b = b->end - b->start;
    float gap = across_at(b, mid) - across_at(a, mid);
    bool starts = fabsf(a->start - b->start) < 2.5f * h, ends = fabsf(a->end - b->end) < 2.5f * h;
    bool lengths = starts && ends ? len_a < 1.3f * len_b && len_b < 1.3f * len_a
                                  : len_a < 1.6f * len_b && len_b < 1.6f * len_a;
    return fabsf(a->b - b->b) < 0.05f && a->height < 1.4f * b->height &&
           b->height < 1.4f * a->height && (starts || ends) && lengths && gap > 1.2f * h &&
           gap < 2.6f * h;
}

static int cmp_line_across(const void *x, const void *y) {
    const text_line *a = x, *b = y;
    float ca = across_at(a, (a->start + a->end) / 2), cb = across_at(b, (b->start + b->end) / 2);
    return (ca > cb) - (ca < cb);
}

/* Groups of three first (TD1), then pairs. */
static float spacing(const text_line *a, const text_line *b) {
    float mid = (a->start + a->end) / 2;
    return fabsf(across_at(b, mid) - across_at(a, mid));
}

static int find_groups(text_line *lines, int n, line_group *groups, int cap) {
    qsort(lines, (size_t)n, sizeof *lines, cmp_line_across);
    int count = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (!lines_pair(&lines[i], &lines[j])) continue;
            float pitch = spacing(&lines[i], &lines[j]);
            for (int k = j + 1; k < n && count < cap; k++)
                if (lines_pair(&lines[j], &lines[k]) &&
                    fabsf(spacing(&lines[j], &lines[k]) - pitch) < 0.25f * pitch)
                    groups[count++] = (line_group){{i, j, k}, 3, pitch};
        }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && count < cap; j++)
            if (lines_pair(&lines[i], &lines[j]))
                groups[count++] = (line_group){{i, j, 0}, 2, spacing(&lines[i], &lines[j])};
    return count;
}

/* (along, across) in the analysis frame to (x, y) in image pixels. */
static void to_image(const read_context *c, float along, float across, float *x, float *y) {
    float ax = c->transposed ? across : along, ay = c->transposed ? along : across;
    *x = ax / c->scale, *y = ay / c->scale;
}

/* The affine map from strip pixels to image pixels for one line read in direction (sd, sn):
 * sd = -1 reads right to left, sn = -1 upside down. Also the strip width. */
static void strip_map(const read_context *c, const text_line *l, float pitch, int sd, int sn,
                      float m[6], int *width, float corners[4][2]) {
    float norm = sqrtf(1 + l->b * l->b);
    float dir[2] = {1 / norm, l->b / norm}, nrm[2] = {-l->b / norm, 1 / norm};
    float mid = (l->start + l->end) / 2, cmid = across_at(l, mid);
    float length = (l->end - l->start) * norm + 2 * STRIP_MARGIN * l->height;
    /* as thick as the line spacing allows, so the neighbouring lines stay out */
    float thick = fminf(STRIP_THICKNESS * l->height, 1.1f * pitch), k = thick / STRIP_HEIGHT;
    *width = (int)(length / k + 0.5f);
    float u[2] = {k * sd * dir[0], k * sd * dir[1]}, v[2] = {k * sn * nrm[0], k * sn * nrm[1]};
    float o[2] = {mid - length / 2 * sd * dir[0] - thick / 2 * sn * nrm[0],
                  cmid - length / 2 * sd * dir[1] - thick / 2 * sn * nrm[1]};
    float ox, oy, ux, uy, vx, vy;
    to_image(c, o[0], o[1], &ox, &oy);
    to_image(c, o[0] + u[0], o[1] + u[1], &ux, &uy);
    to_image(c, o[0] + v[0], o[1] + v[1], &vx, &vy);
    m[0] = ux - ox, m[1] = vx - ox, m[2] = ox;
    m[3] = uy - oy, m[4] = vy - oy, m[5] = oy;
    float w = (float)*width, h = STRIP_HEIGHT;
    const float uv[4][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
    for (int i = 0; i < 4; i++) {
        corners[i][0] = m[0] * uv[i][0] + m[1] * uv[i][1] + m[2];
        corners[i][1] = m[3] * uv[i][0] + m[4] * uv[i][1] + m[5];
    }
}

/* One line read from its strip: the characters, and where the line runs in the strip. */
typedef struct {
    ocr_char chars[2 * MRZ_READER_RAW];
    int count;
    float line_start, line_length; /* strip pixels */
} strip_reading;

static int read_strip(const read_context *c, const text_line *l, float pitch, int sd, int sn,
                      strip_reading *out, float corners[4][2]) {
    float m[6];
    int width;
    strip_map(c, l, pitch, sd, sn, m, &width, corners);
    image strip;
    if (image_warp_grey(c->grey, m, width, STRIP_HEIGHT, &strip) != IMG_OK) return -1;
    int rc = ocr_read_line_chars(c->ocr, strip.pixels, strip.width, strip.height, (int)strip.stride,
                                 WHITELIST, out->chars,
                                 (int)(sizeof out->chars / sizeof out->chars[0]), &out->count);
    image_free(&strip);
    float k = hypotf(m[0], m[3]) * c->scale; /* analysis pixels per strip pixel */
    out->line_start = STRIP_MARGIN * l->height / k;
    out->line_length = (l->end - l->start) * sqrtf(1 + l->b * l->b) / k;
    return rc;
}

/* The line as text of exactly `length` characters: MRZ characters sit on a fixed pitch, so each
 * recognised character falls in the cell under its centre; a cell claimed twice keeps the more
 * confident character, an empty one reads '<'. Used when OCR split or merged characters. */
static void fit_to_cells(const strip_reading *r, int length, char *out) {
    float best[MRZ_MAX_LINE];
    for (int i = 0; i < length; i++) out[i] = '<', best[i] = -1;
    out[length] = '\0';
    float pitch = r->line_length / (float)length;
    for (int i = 0; i < r->count && pitch > 0; i++) {
        float centre = (float)(r->chars[i].x0 + r->chars[i].x1) / 2 - r->line_start;
        int cell = (int)floorf(centre / pitch);
        if (cell < 0) cell = 0;
        if (cell >= length) cell = length - 1;
        if (r->chars[i].confidence > best[cell])
            out[cell] = r->chars[i].ch, best[cell] = r->chars[i].confidence;
    }
}

/* The MRZ line length the group most likely has: 30 for three lines, else 36 or 44, whichever is
 * nearer the lengths read. */
static int expected_length(const strip_reading *r, int lines) {
    if (lines == 3) return 30;
    int total = 0;
    for (int k = 0; k < lines; k++) total += r[k].count;
    return total <= 40 * lines ? 36 : 44;
}

static void count_check_digits(const mrz_result *r, int *ok, int *total) {
    *ok = *total = 0;
    for (int i = 0; i < r->field_count; i++) {
        const char *name = r->fields[i].name;
        size_t n = strlen(name);
        if (n < 10 || strcmp(name + n - 10, "CheckDigit") != 0) continue;
        (*total)++;
        /* a filler check digit over an empty field is valid but says nothing */
        char digit = r->lines[r->fields[i].line][r->fields[i].start];
        *ok += r->fields[i].valid && digit >= '0' && digit <= '9';
    }
}

static int score_of(const mrz_reading *r) {
    if (!r->found) return -1;
    int valid_fields = 0;
    for (int i = 0; i < r->mrz.field_count; i++) valid_fields += r->mrz.fields[i].valid;
    return 1000 * r->check_digits_ok + 10 * valid_fields + r->confidence / 10;
}

/* Reads one group in one direction into *out. Returns 0, or -1 on OCR failure. */
static int read_group(const read_context *c, const text_line *lines, const line_group *g, int sd,
                      int sn, mrz_reading *out) {
    memset(out, 0, sizeof *out);
    const char *texts[MRZ_MAX_LINES];
    strip_reading *strips = malloc(sizeof *strips * MRZ_MAX_LINES);
    if (!strips) return -1;
    float first[4][2] = {{0}}, last[4][2] = {{0}}, corners[4][2] = {{0}};
    float conf_sum = 0;
    int chars = 0;
    /* every line of the band spans the band's whole length */
    float start = lines[g->line[0]].start, end = lines[g->line[0]].end;
    for (int k = 1; k < g->count; k++) {
        start = fminf(start, lines[g->line[k]].start);
        end = fmaxf(end, lines[g->line[k]].end);
    }
    for (int k = 0; k < g->count; k++) {
        /* reading upside down, the lowest line comes first */
        text_line line = lines[g->line[sn > 0 ? k : g->count - 1 - k]];
        const text_line *l = &line;
        line.start = start, line.end = end;
        if (read_strip(c, l, g->pitch, sd, sn, &strips[k], corners) != 0) {
            free(strips);
            return -1;
        }
        for (int i = 0; i < strips[k].count; i++) conf_sum += strips[k].chars[i].confidence;
        chars += strips[k].count;
        if (k == 0) memcpy(first, corners, sizeof first);
        memcpy(last, corners, sizeof last);
        out->char_height = l->height / c->scale;
    }
    int length = expected_length(strips, g->count);
    for (int k = 0; k < g->count; k++) {
        const strip_reading *r = &strips[k];
        if (r->count == length) {
            for (int i = 0; i < length; i++) out->raw[k][i] = r->chars[i].ch;
            out->raw[k][length] = '\0';
        } else {
            fit_to_cells(r, length, out->raw[k]);
        }
        texts[k] = out->raw[k];
    }
    free(strips);
    out->confidence = chars ? (int)(conf_sum / (float)chars) : 0;
    memcpy(out->corners[0], first[0], sizeof first[0]);
    memcpy(out->corners[1], first[1], sizeof first[1]);
    memcpy(out->corners[2], last[2], sizeof last[2]);
    memcpy(out->corners[3], last[3], sizeof last[3]);
    if (mrz_parse(texts, g->count, MRZ_AUTOCORRECT, &out->mrz) != MRZ_OK)
        out->mrz.format = MRZ_FORMAT_NONE;
    count_check_digits(&out->mrz, &out->check_digits_ok, &out->check_digits_total);
    /* reading direction in the image: 0° = left to right */
    float dx = out->corners[1][0] - out->corners[0][0],
          dy = out->corners[1][1] - out->corners[0][1];
    float ex = out->corners[3][0] - out->corners[0][0],
          ey = out->corners[3][1] - out->corners[0][1];
    float angle = atan2f(dy, dx) * 180.0f / (float)M_PI;
    int quarter = ((int)lroundf(angle / 90.0f) % 4 + 4) % 4;
    out->rotation = quarter * 90;
    out->mirrored = dx * ey - dy * ex < 0;
    /* text that happens to fit a format is not an MRZ until its check digits say so */
    out->found = out->mrz.format != MRZ_FORMAT_NONE && out->check_digits_ok >= MIN_CHECK_DIGITS;
    return 0;
}

/* Tries every group of one axis in every direction; keeps the best reading in *best. Returns 1
 * when a reading with every check digit right was found, 0 otherwise, -1 on failure. */
static int read_axis(const read_context *c, const image_box *boxes, int count, mrz_reading *best,
                     int *best_score) {
    piece *pieces = malloc(sizeof *pieces * (size_t)(count ? count : 1));
    text_line *lines = malloc(sizeof *lines * (size_t)(count ? count : 1));
    line_group groups[MAX_GROUPS];
    mrz_reading *attempt = malloc(sizeof *attempt);
    int rc = -1;
    if (!pieces || !lines || !attempt) goto done;
    int n = 0;
    for (int i = 0; i < count; i++) {
        const image_box *b = &boxes[i];
        float along = (float)(c->transposed ? b->y : b->x),
              len = (float)(c->transposed ? b->h : b->w);
        float across = (float)(c->transposed ? b->x : b->y),
              thick = (float)(c->transposed ? b->w : b->h);
        if (thick < MIN_CHAR_HEIGHT || thick > 200 || len > 12 * thick) continue;
        pieces[n++] = (piece){along, along + len, across + thick / 2, thick};
    }
    int line_count = find_lines(pieces, n, lines, count);
    int group_count = find_groups(lines, line_count, groups, MAX_GROUPS);
    static const int directions[4][2] = {{1, 1}, {-1, -1}, {-1, 1}, {1, -1}};
    rc = 0;
    for (int g = 0; g < group_count && rc == 0; g++)
        for (int d = 0; d < 4; d++) {
            if (read_group(c, lines, &groups[g], directions[d][0], directions[d][1], attempt) !=
                0) {
                rc = -1;
                break;
            }
            int score = score_of(attempt);
            if (score > *best_score) *best = *attempt, *best_score = score;
            if (attempt->found && attempt->mrz.check_digits_valid) {
                rc = 1;
                break;
            }
        }
done:
    free(pieces), free(lines), free(attempt);
    return rc;
}

int mrz_reader_read(ocr_engine *ocr, const image *img, mrz_reading *out) {
    memset(out, 0, sizeof *out);
    image grey;
    if (image_to_grey(img, &grey) != IMG_OK) return -1;
    int side = grey.width > grey.height ? grey.width : grey.height;
    read_context c = {ocr, &grey, (float)ANALYSIS_SIDE / (float)side, false};
    image_box *boxes = NULL;
    int count = 0, best_score = -1, rc = -1;
    if (image_dark_components(&grey, c.scale, &boxes, &count) == IMG_OK) {
        rc = read_axis(&c, boxes, count, out, &best_score);
        if (rc == 0) {
            c.transposed = true;
            rc = read_axis(&c, boxes, count, out, &best_score);
        }
    }
    free(boxes);
    image_free(&grey);
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}
