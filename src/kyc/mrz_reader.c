/* MRZ band finding and reading.
 *
 * 1. The image is scaled so its long side is ANALYSIS_SIDE pixels, binarised, and cut into dark
 *    connected components (vision/components.c).
 * 2. Components of similar height whose centres line up and whose gaps are character-sized are
 *    chained into text lines, once along x and once along y (a document turned by 90°).
 * 3. Lines long for their height (an MRZ line is 30-44 characters), parallel, of similar length,
 *    aligned at the start and spaced like MRZ lines form groups of two or three.
 * 4. Each group is sampled line by line into upright strips (deskewed by the fitted line) in
 *    each of four reading directions; each strip is cut into fixed-pitch cells (30 characters
 *    for three lines, 36 and 44 both tried for two) and read by the cell classifier
 *    (ocr/mrz_cells.h), then parsed. Wrong check digits choose among the classifier's runner-up
 *    characters; so does a state code that is no known code, and a date read with letters takes
 *    its cells' likeliest digits. The first reading with every check digit right wins,
 *    otherwise the best-scoring one that passes as an MRZ (looks_like_mrz).
 * 5. When none checks out, the most confidently read band and direction is read again over the
 *    extent its lines share, if they disagree about their ends (band_extents). */
#include "kyc/mrz_reader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vision/card.h"

#define ANALYSIS_SIDE              1200 /* long side of the image the components come from */
#define MIN_CHAR_HEIGHT            5.0f /* in analysis pixels */
#define MAX_CHAR_SIDE              200  /* in analysis pixels: a larger component is no character */
#define MAX_ELONGATION             12.0f /* nor one longer than this many times its thickness */
#define MIN_CHAIN                  3     /* components in a line piece worth merging */
#define MIN_LINE_CHARS             8     /* components in a candidate line */
#define MIN_LINE_LENGTH            14.0f /* line length over character height */
#define STRIP_THICKNESS            MRZ_STRIP_THICKNESS /* strip height over character height */
#define STRIP_MARGIN               0.8f /* extra length at each end, over character height */
#define MAX_GROUPS                 24
#define ALTERNATIVE_READS          3 /* group readings tried again over other extents, in perspective */
#define EXTENT_DISAGREEMENT        0.5f /* line ends further apart than this, over character height */
#define PERSPECTIVE_SKEW           0.25f /* line lengths differing by more, over char height */
#define PERSPECTIVE_CONVERGENCE    0.04f /* spacing at the two ends differing by more, relative */
#define PERSPECTIVE_MIN_CONFIDENCE 80    /* a band read again in perspective reads at least this */
#define LEVEL_TAIL                 0.005f /* darkest and lightest shares of pixels set to 0 and 255 */
#define FLAT_RANGE                 128    /* … in an image whose levels between those span less */
#define MIN_CHECK_DIGITS           2      /* right check digits before a reading counts as an MRZ */
#define PRINTED_MIN_CONFIDENCE                                                                     \
    95                   /* … or the least confidence of a reading taken for what its            \
                            layout says despite its check digits (looks_like_mrz) */
#define MAX_SWAPS  3     /* runner-up characters taken for check digits */
#define MIN_CHOICE 0.02f /* least probability of a runner-up worth taking */

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
    mrz_cell_reader *cells;
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
    float thick = fminf(STRIP_THICKNESS * l->height, 1.1f * pitch), k = thick / MRZ_STRIP_HEIGHT;
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
    float w = (float)*width, h = MRZ_STRIP_HEIGHT;
    const float uv[4][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
    for (int i = 0; i < 4; i++) {
        corners[i][0] = m[0] * uv[i][0] + m[1] * uv[i][1] + m[2];
        corners[i][1] = m[3] * uv[i][0] + m[4] * uv[i][1] + m[5];
    }
}

/* One line sampled into an upright strip, and where the line's ink runs in it. */
typedef struct {
    image strip;
    float line_start, line_length; /* strip pixels */
} line_strip;

static int sample_strip(const read_context *c, const text_line *l, float pitch, int sd, int sn,
                        line_strip *out, float corners[4][2]) {
    float m[6];
    int width;
    strip_map(c, l, pitch, sd, sn, m, &width, corners);
    if (image_warp_grey(c->grey, m, width, MRZ_STRIP_HEIGHT, &out->strip) != IMG_OK) return -1;
    float k = hypotf(m[0], m[3]) * c->scale; /* analysis pixels per strip pixel */
    out->line_start = STRIP_MARGIN * l->height / k;
    out->line_length = (l->end - l->start) * sqrtf(1 + l->b * l->b) / k;
    return 0;
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

/* Parses raw[] (line_count lines) into out->mrz with the parser's repairs and counts the right
 * check digits. */
static void parse_raw(mrz_reading *out, int line_count) {
    const char *texts[MRZ_MAX_LINES];
    for (int k = 0; k < line_count; k++) texts[k] = out->raw[k];
    if (mrz_parse(texts, line_count, MRZ_AUTOCORRECT, &out->mrz) != MRZ_OK)
        out->mrz.format = MRZ_FORMAT_NONE;
    count_check_digits(&out->mrz, &out->check_digits_ok, &out->check_digits_total);
}

static bool field_valid(const mrz_result *m, const char *name) {
    const mrz_field *f = mrz_field_get(m, name);
    return f && f->valid;
}

/* A state code field that is a real code or ICAO's specimen state UTO. */
static bool state_known(const mrz_result *m, const char *name) {
    const mrz_field *f = mrz_field_get(m, name);
    return f && (f->valid || strcmp(f->value, "UTO") == 0);
}

/* The issuing state and the nationality are the same three letters: a code ekycd's table does
 * not hold (a new code, a sample card's made-up state) that two fields of the MRZ confirm. */
static bool states_agree(const mrz_result *m) {
    const mrz_field *a = mrz_field_get(m, "issuingState"), *b = mrz_field_get(m, "nationality");
    if (!a || !b || a->length != 3 || b->length != 3) return false;
    const char *x = m->lines[a->line] + a->start, *y = m->lines[b->line] + b->start;
    for (int i = 0; i < 3; i++)
        if (x[i] < 'A' || x[i] > 'Z' || x[i] != y[i]) return false;
    return true;
}

static bool state_confirmed(const mrz_result *m, const char *name) {
    return state_known(m, name) || states_agree(m);
}

/* Text that happens to fit a format is not an MRZ until its check digits say so. Check digits
 * alone are not enough: a run of one repeated digit checks itself (555555555 has check digit 5)
 * and runner-up swaps can fix a check digit of any text. A real MRZ also holds a real date of
 * birth or of expiry and a known issuing state or nationality (or the same three letters for
 * both). A document can also be printed with wrong check digits (a specimen, an issuer's slip):
 * with fewer than two right, a reading is still an MRZ when its layout says so throughout — both
 * dates real, both state codes known (or the same), the sex a valid letter — and the classifier
 * read it with confidence; its check digits are then reported not verified. */
static bool looks_like_mrz(const mrz_result *m, int check_digits_ok, int confidence) {
    if (m->format == MRZ_FORMAT_NONE) return false;
    if (check_digits_ok >= MIN_CHECK_DIGITS) {
        bool dated = field_valid(m, "birthDate") || field_valid(m, "expirationDate");
        bool stated = state_confirmed(m, "issuingState") || state_confirmed(m, "nationality");
        return dated && stated;
    }
    return confidence >= PRINTED_MIN_CONFIDENCE && field_valid(m, "birthDate") &&
           field_valid(m, "expirationDate") && state_confirmed(m, "issuingState") &&
           state_confirmed(m, "nationality") && field_valid(m, "sex");
}

/* How a reading ranks against another of the same band (lengths, extents) and of other bands:
 * one whose state codes are confirmed (a known code or the same letters in both) first, as the
 * gate will ask for them and no mending changes them; then right check digits, valid fields and
 * confidence. Not found: -1. */
static int score_of(const mrz_reading *r) {
    if (!r->found) return -1;
    int valid_fields = 0;
    for (int i = 0; i < r->mrz.field_count; i++) valid_fields += r->mrz.fields[i].valid;
    bool stated =
        state_confirmed(&r->mrz, "issuingState") || state_confirmed(&r->mrz, "nationality");
    return 100000 * stated + 1000 * r->check_digits_ok + 10 * valid_fields + r->confidence / 10;
}

/* The classifier's best characters as the reading; confidence = mean top probability. */
static void reading_from_cells(const mrz_cell (*cells)[MRZ_CELLS_MAX], int line_count, int length,
                               mrz_reading *out) {
    double sum = 0;
    for (int k = 0; k < line_count; k++) {
        for (int i = 0; i < length; i++) {
            out->raw[k][i] = cells[k][i].ch[0];
            sum += cells[k][i].p[0];
        }
        out->raw[k][length] = '\0';
    }
    out->confidence = (int)(100 * sum / (line_count * length) + 0.5);
    parse_raw(out, line_count);
    /* a candidate until the runner-up swaps are made (swap_by_check_digits) */
    out->found = out->mrz.format != MRZ_FORMAT_NONE &&
                 (out->check_digits_ok >= MIN_CHECK_DIGITS ||
                  looks_like_mrz(&out->mrz, out->check_digits_ok, out->confidence));
}

/* Once a reading is an MRZ, its wrong check digits choose among the classifier's runner-up
 * characters: up to MAX_SWAPS times, the single swap (a cell's second or third choice, at least
 * MIN_CHOICE probable) that makes the most check digits right, the likeliest on a tie. */
static void swap_by_check_digits(const mrz_cell (*cells)[MRZ_CELLS_MAX], int line_count, int length,
                                 mrz_reading *r) {
    mrz_reading *trial = malloc(sizeof *trial);
    if (!trial) return;
    for (int round = 0; round < MAX_SWAPS && !r->mrz.check_digits_valid; round++) {
        int best_ok = r->check_digits_ok, best_k = -1, best_i = 0, best_j = 0;
        float best_p = 0;
        for (int k = 0; k < line_count; k++)
            for (int i = 0; i < length; i++)
                for (int j = 1; j < MRZ_CELL_CHOICES; j++) {
                    const mrz_cell *cell = &cells[k][i];
                    if (cell->p[j] < MIN_CHOICE || r->raw[k][i] == cell->ch[j]) continue;
                    memcpy(trial->raw, r->raw, sizeof trial->raw);
                    trial->raw[k][i] = cell->ch[j];
                    parse_raw(trial, line_count);
                    if (trial->check_digits_ok > best_ok ||
                        (trial->check_digits_ok == best_ok && best_k >= 0 && cell->p[j] > best_p))
                        best_ok = trial->check_digits_ok, best_k = k, best_i = i, best_j = j,
                        best_p = cell->p[j];
                }
        if (best_k < 0) break;
        r->raw[best_k][best_i] = cells[best_k][best_i].ch[best_j];
        parse_raw(r, line_count);
    }
    free(trial);
}

/* A state code field (issuing state, nationality) has no check digit but only a few hundred
 * right values: when it is not one, the likeliest combination of its cells' choices (each at
 * least MIN_CHOICE probable) that spells a known code or UTO replaces it — unless the other
 * state field reads the same letters, which confirms them. */
static void mend_state_code(const mrz_cell (*cells)[MRZ_CELLS_MAX], int line_count,
                            const char *name, mrz_reading *r) {
    const mrz_field *f = mrz_field_get(&r->mrz, name);
    if (!f || f->length != 3 || f->line >= line_count || state_known(&r->mrz, name) ||
        states_agree(&r->mrz))
        return;
    const mrz_cell *cell = &cells[f->line][f->start];
    float best_p = 0;
    char best[4] = {0}, code[4] = {0};
    for (int a = 0; a < MRZ_CELL_CHOICES; a++)
        for (int b = 0; b < MRZ_CELL_CHOICES; b++)
            for (int d = 0; d < MRZ_CELL_CHOICES; d++) {
                const int pick[3] = {a, b, d};
                float p = 1;
                for (int i = 0; i < 3; i++) {
                    code[i] = cell[i].ch[pick[i]];
                    p *= cell[i].p[pick[i]] >= MIN_CHOICE ? cell[i].p[pick[i]] : 0;
                }
                if (p > best_p && (mrz_state_code_valid(code) || strcmp(code, "UTO") == 0))
                    best_p = p, memcpy(best, code, 3);
            }
    if (best_p == 0) return;
    memcpy(&r->raw[f->line][f->start], best, 3);
    parse_raw(r, line_count);
}

/* A date (birth, expiry) and its check digit hold only digits: when they are wrong and read with
 * letters (a face whose 0 the classifier calls C with certainty), every letter becomes its cell's
 * likeliest digit, however unlikely, and the result is kept only when the date is a real date and
 * its check digit then agrees (one chance in ten by accident), with no fewer check digits right
 * overall (the composite may have agreed with the letter by accident). Before the gate, which
 * still asks for a known state code besides. */
static void mend_date(const mrz_cell (*cells)[MRZ_CELLS_MAX], int line_count, const char *name,
                      mrz_reading *r) {
    char check_name[64];
    snprintf(check_name, sizeof check_name, "%sCheckDigit", name);
    const mrz_field *f = mrz_field_get(&r->mrz, name), *c = mrz_field_get(&r->mrz, check_name);
    if (!f || !c || f->line >= line_count || c->line >= line_count || (f->valid && c->valid))
        return;
    mrz_reading *trial = malloc(sizeof *trial);
    if (!trial) return;
    *trial = *r;
    const mrz_field *parts[2] = {f, c};
    for (int k = 0; k < 2; k++)
        for (int i = parts[k]->start; i < parts[k]->start + parts[k]->length; i++) {
            char *ch = &trial->raw[parts[k]->line][i];
            if (*ch < '0' || *ch > '9') *ch = cells[parts[k]->line][i].digit;
        }
    parse_raw(trial, line_count);
    if (field_valid(&trial->mrz, name) && field_valid(&trial->mrz, check_name) &&
        trial->check_digits_ok >= r->check_digits_ok)
        *r = *trial;
    free(trial);
}

/* A candidate reading of `line_count` lines of `length` cells mended from its cells and put
 * through the MRZ gate: runner-up swaps for wrong check digits, dates read with letters, then
 * the gate, then (only after it, which must see the state codes as read: mended codes would let
 * text through that only looks like an MRZ) unknown state codes. A reading taken for its layout,
 * with fewer than MIN_CHECK_DIGITS right, is not swapped: its check digits are more likely
 * printed wrong than misread, and swaps would make its text fit them (8 and 0 read as B and O
 * until they do). */
static void mend_reading(const mrz_cell (*cells)[MRZ_CELLS_MAX], int line_count, int length,
                         mrz_reading *r) {
    if (!r->found) return;
    if (r->check_digits_ok < MIN_CHECK_DIGITS) {
        r->found = looks_like_mrz(&r->mrz, r->check_digits_ok, r->confidence);
        if (r->found) mend_state_code(cells, line_count, "issuingState", r);
        if (r->found) mend_state_code(cells, line_count, "nationality", r);
        return;
    }
    swap_by_check_digits(cells, line_count, length, r);
    mend_date(cells, line_count, "birthDate", r);
    mend_date(cells, line_count, "expirationDate", r);
    r->found = looks_like_mrz(&r->mrz, r->check_digits_ok, r->confidence);
    if (!r->found) return;
    mend_state_code(cells, line_count, "issuingState", r);
    mend_state_code(cells, line_count, "nationality", r);
}

/* A band's lines sampled into upright strips, in reading order (reading upside down, the lowest
 * line comes first), and where the band lies in the image. */
typedef struct {
    line_strip strip[MRZ_MAX_LINES];
    int count;
    float corners[4][2]; /* as mrz_reading.corners */
    float char_height;   /* image pixels */
} band_strips;

static void band_strips_free(band_strips *b) {
    for (int k = 0; k < MRZ_MAX_LINES; k++) image_free(&b->strip[k].strip);
}

/* The corners of the band from the first strip's top and the last strip's bottom. */
static void band_corners(band_strips *b, const float first[4][2], const float last[4][2]) {
    memcpy(b->corners[0], first[0], sizeof first[0]);
    memcpy(b->corners[1], first[1], sizeof first[1]);
    memcpy(b->corners[2], last[2], sizeof last[2]);
    memcpy(b->corners[3], last[3], sizeof last[3]);
}

/* Every line of the group sampled over one extent [start, end] along the axis (an affine map
 * per line: a band seen square-on or turned). Returns 0, or -1 when out of memory. */
static int sample_extent(const read_context *c, const text_line *lines, const line_group *g, int sd,
                         int sn, float start, float end, band_strips *b) {
    float first[4][2] = {{0}}, corners[4][2] = {{0}};
    b->count = g->count;
    for (int k = 0; k < g->count; k++) {
        text_line line = lines[g->line[sn > 0 ? k : g->count - 1 - k]];
        line.start = start, line.end = end;
        if (sample_strip(c, &line, g->pitch, sd, sn, &b->strip[k], corners) != 0) return -1;
        if (k == 0) memcpy(first, corners, sizeof first);
        b->char_height = line.height / c->scale;
    }
    band_corners(b, first, corners);
    return 0;
}

/* The tallest character height among the band's lines. */
static float band_height(const text_line *lines, const line_group *g) {
    float h = 0;
    for (int k = 0; k < g->count; k++) h = fmaxf(h, lines[g->line[k]].height);
    return h;
}

/* The band's quadrilateral in analysis coordinates, from the ends of its first and last lines:
 * first line's start, its end, the last line's end, its start. */
static void band_quad(const text_line *lines, const line_group *g, float q[4][2]) {
    const text_line *f = &lines[g->line[0]], *l = &lines[g->line[g->count - 1]];
    q[0][0] = f->start, q[0][1] = across_at(f, f->start);
    q[1][0] = f->end, q[1][1] = across_at(f, f->end);
    q[2][0] = l->end, q[2][1] = across_at(l, l->end);
    q[3][0] = l->start, q[3][1] = across_at(l, l->start);
}

/* Whether the band looks photographed at an angle: its first and last lines differ in length by
 * more than PERSPECTIVE_SKEW character heights, or the lines' spacing at one end differs from the
 * other's by more than PERSPECTIVE_CONVERGENCE of it (lines converging: characters shrink along
 * them). A band seen square-on, even turned or sheared, is a parallelogram. */
static bool band_in_perspective(const text_line *lines, const line_group *g) {
    float q[4][2], h = band_height(lines, g);
    band_quad(lines, g, q);
    float first = hypotf(q[1][0] - q[0][0], q[1][1] - q[0][1]);
    float last = hypotf(q[2][0] - q[3][0], q[2][1] - q[3][1]);
    float gap_start = hypotf(q[3][0] - q[0][0], q[3][1] - q[0][1]);
    float gap_end = hypotf(q[2][0] - q[1][0], q[2][1] - q[1][1]);
    return fabsf(first - last) > PERSPECTIVE_SKEW * h ||
           fabsf(gap_end - gap_start) > PERSPECTIVE_CONVERGENCE * (gap_start + gap_end) / 2;
}

/* Every line of the group sampled through the perspective map that takes the band's
 * quadrilateral (band_quad) to a rectangle: MRZ lines are equally long and evenly spaced on the
 * page, so the first and last lines' ends fix the map, and characters that shrink with distance
 * come out on an even pitch. Returns 0, 1 when the quadrilateral is degenerate, -1 when out of
 * memory. */
static int sample_perspective(const read_context *c, const text_line *lines, const line_group *g,
                              int sd, int sn, band_strips *b) {
    float q[4][2], height = band_height(lines, g);
    band_quad(lines, g, q);
    card_quad band;
    for (int i = 0; i < 4; i++)
        to_image(c, q[i][0], q[i][1], &band.corner[i][0], &band.corner[i][1]);
    float length = (hypotf(q[1][0] - q[0][0], q[1][1] - q[0][1]) +
                    hypotf(q[2][0] - q[3][0], q[2][1] - q[3][1])) /
                   2;
    if (length < MIN_LINE_LENGTH * height || g->count < 2) return 1;
    /* in unit-square terms: v runs from the first line (0) to the last (1) */
    float thick = fminf(STRIP_THICKNESS * height, 1.1f * g->pitch);
    float half_v = thick / 2 / (g->pitch * (float)(g->count - 1));
    float margin_u = STRIP_MARGIN * height / length;
    int width = (int)((length + 2 * STRIP_MARGIN * height) / (thick / MRZ_STRIP_HEIGHT) + 0.5f);
    float first[4][2] = {{0}}, corners[4][2] = {{0}};
    b->count = g->count;
    for (int k = 0; k < g->count; k++) {
        float v = (float)(sn > 0 ? k : g->count - 1 - k) / (float)(g->count - 1);
        float u0 = sd > 0 ? -margin_u : 1 + margin_u, u1 = sd > 0 ? 1 + margin_u : -margin_u;
        float v0 = v - (float)sn * half_v, v1 = v + (float)sn * half_v;
        const float uv[4][2] = {{u0, v0}, {u1, v0}, {u1, v1}, {u0, v1}};
        card_quad strip;
        for (int i = 0; i < 4; i++)
            if (!card_quad_point(&band, uv[i][0], uv[i][1], strip.corner[i])) return 1;
        memcpy(corners, strip.corner, sizeof corners);
        if (k == 0) memcpy(first, corners, sizeof first);
        image_status st = card_warp(c->grey, &strip, width, MRZ_STRIP_HEIGHT, &b->strip[k].strip);
        if (st == IMG_NOMEM) return -1;
        if (st != IMG_OK) return 1;
        b->strip[k].line_start = (float)width * margin_u / (1 + 2 * margin_u);
        b->strip[k].line_length = (float)width / (1 + 2 * margin_u);
    }
    b->char_height = height / c->scale;
    band_corners(b, first, corners);
    return 0;
}

/* The band's strips read at each length the group can have, the better-scoring length kept in
 * *out with its cells in best_cells. Returns 0, or -1 when out of memory or the classifier
 * failed. */
static int read_strips(const read_context *c, const band_strips *b, mrz_reading *out,
                       mrz_cell (*best_cells)[MRZ_CELLS_MAX], int *best_length) {
    memset(out, 0, sizeof *out);
    mrz_cell(*cells)[MRZ_CELLS_MAX] = calloc(MRZ_MAX_LINES, sizeof *cells);
    mrz_reading *attempt = malloc(sizeof *attempt);
    int rc = -1, best_score = -2;
    if (!cells || !attempt) goto done;
    /* three lines are TD1; two are 36 or 44 characters long: both are read, the better wins */
    static const int two_line_lengths[2] = {36, 44}, three_line_length[1] = {30};
    const int *lengths = b->count == 3 ? three_line_length : two_line_lengths;
    int length_count = b->count == 3 ? 1 : 2;
    for (int n = 0; n < length_count; n++) {
        for (int k = 0; k < b->count; k++) {
            const line_strip *s = &b->strip[k];
            if (mrz_cells_read(c->cells, s->strip.pixels, s->strip.width, (int)s->strip.stride,
                               s->line_start, s->line_length, lengths[n], cells[k]) != 0)
                goto done;
        }
        memset(attempt, 0, sizeof *attempt);
        reading_from_cells((const mrz_cell(*)[MRZ_CELLS_MAX])cells, b->count, lengths[n], attempt);
        int score = score_of(attempt);
        if (score > best_score) {
            *out = *attempt, best_score = score, *best_length = lengths[n];
            memcpy(best_cells, cells, MRZ_MAX_LINES * sizeof *cells);
        }
    }
    out->char_height = b->char_height;
    memcpy(out->corners, b->corners, sizeof out->corners);
    rc = 0;
done:
    free(cells), free(attempt);
    return rc;
}

/* The band read over one extent [start, end] along the axis (sample_extent, read_strips).
 * Returns 0, or -1 when out of memory or the classifier failed. */
static int read_extent(const read_context *c, const text_line *lines, const line_group *g, int sd,
                       int sn, float start, float end, mrz_reading *out,
                       mrz_cell (*best_cells)[MRZ_CELLS_MAX], int *best_length) {
    band_strips b = {0};
    int rc = sample_extent(c, lines, g, sd, sn, start, end, &b) != 0
                 ? -1
                 : read_strips(c, &b, out, best_cells, best_length);
    band_strips_free(&b);
    return rc;
}

/* The band read through its perspective map (sample_perspective, read_strips). Returns 0, 1 for
 * a degenerate band (nothing read), or -1 when out of memory or the classifier failed. */
static int read_perspective(const read_context *c, const text_line *lines, const line_group *g,
                            int sd, int sn, mrz_reading *out, mrz_cell (*best_cells)[MRZ_CELLS_MAX],
                            int *best_length) {
    band_strips b = {0};
    memset(out, 0, sizeof *out);
    int sampled = sample_perspective(c, lines, g, sd, sn, &b);
    int rc = sampled != 0 ? sampled : read_strips(c, &b, out, best_cells, best_length);
    band_strips_free(&b);
    return rc;
}

/* The extents a band is read over. MRZ lines are all equally long and start together, so the
 * group's lines should agree on both ends; where one line runs further (a stamp or handwriting
 * touching it) or stops short (cut at the image edge, overprinted), both the widest extent and
 * the one its lines share are tried. Returns how many extents were written. */
static int band_extents(const text_line *lines, const line_group *g, float extents[4][2]) {
    float start_min = lines[g->line[0]].start, start_max = start_min;
    float end_min = lines[g->line[0]].end, end_max = end_min, height = 0;
    for (int k = 0; k < g->count; k++) {
        const text_line *l = &lines[g->line[k]];
        start_min = fminf(start_min, l->start), start_max = fmaxf(start_max, l->start);
        end_min = fminf(end_min, l->end), end_max = fmaxf(end_max, l->end);
        height = fmaxf(height, l->height);
    }
    float starts[2] = {start_min, start_max}, ends[2] = {end_max, end_min};
    int start_count = start_max - start_min > EXTENT_DISAGREEMENT * height ? 2 : 1;
    int end_count = end_max - end_min > EXTENT_DISAGREEMENT * height ? 2 : 1;
    int n = 0;
    for (int i = 0; i < start_count; i++)
        for (int j = 0; j < end_count; j++)
            if (ends[j] - starts[i] > MIN_LINE_LENGTH * height)
                extents[n][0] = starts[i], extents[n][1] = ends[j], n++;
    if (n == 0) extents[n][0] = start_min, extents[n][1] = end_max, n++;
    return n;
}

/* Whether the reading of a band through its perspective map beats its square-on reading: the
 * map is the geometry such a band has, so it wins unless the square-on reading checks out
 * better (every check digit right against not, or more of them right). Comparing whole scores
 * would not do: a name line slid out of its cells can turn into another format's document code
 * with more check digits, or into a real state code. */
static bool perspective_wins(const mrz_reading *perspective, const mrz_reading *square) {
    if (!perspective->found) return false;
    if (!square->found) return true;
    bool p = perspective->mrz.check_digits_valid, s = square->mrz.check_digits_valid;
    if (p != s) return p;
    return perspective->check_digits_ok >= square->check_digits_ok;
}

/* What read_group reads besides a band's widest extent (none: that extent alone). */
enum { READ_OTHER_EXTENTS = 1, READ_PERSPECTIVE = 2 };

/* Which alternatives are worth reading for a band whose widest extent read with `confidence`
 * and did not check out: other extents when its lines disagree about their ends, its
 * perspective map when it looks photographed at an angle and reads like an MRZ band (text lines
 * of other documents read by the MRZ classifier score lower). */
static int alternatives_of(const text_line *lines, const line_group *g, int confidence) {
    float extents[4][2];
    int alternatives = band_extents(lines, g, extents) > 1 ? READ_OTHER_EXTENTS : 0;
    if (confidence >= PERSPECTIVE_MIN_CONFIDENCE && band_in_perspective(lines, g))
        alternatives |= READ_PERSPECTIVE;
    return alternatives;
}

/* Reads one group in one direction into *out: with no `alternatives` over its widest extent,
 * else over its other extents (READ_OTHER_EXTENTS) and through its perspective map
 * (READ_PERSPECTIVE); the best reading, mended and gated (mend_reading). A band read over its
 * widest extent that passes as an MRZ and looks photographed at an angle is read through its
 * perspective map as well.
 * Returns 0, or -1 when out of memory or the classifier failed. */
static int read_group(const read_context *c, const text_line *lines, const line_group *g, int sd,
                      int sn, int alternatives, mrz_reading *out) {
    memset(out, 0, sizeof *out);
    mrz_cell(*cells)[MRZ_CELLS_MAX] = calloc(2 * MRZ_MAX_LINES, sizeof *cells);
    mrz_cell(*best_cells)[MRZ_CELLS_MAX] = cells ? cells + MRZ_MAX_LINES : NULL;
    mrz_reading *attempt = malloc(sizeof *attempt);
    float extents[4][2];
    int rc = -1, best_score = -2, best_length = 0, length = 0;
    if (!cells || !attempt) goto done;
    int extent_count = band_extents(lines, g, extents);
    if (alternatives && !(alternatives & READ_OTHER_EXTENTS)) extent_count = 1;
    for (int e = alternatives ? 1 : 0; e < (alternatives ? extent_count : 1); e++) {
        if (read_extent(c, lines, g, sd, sn, extents[e][0], extents[e][1], attempt, cells,
                        &length) != 0)
            goto done;
        int score = score_of(attempt);
        if (score > best_score) {
            *out = *attempt, best_score = score, best_length = length;
            memcpy(best_cells, cells, MRZ_MAX_LINES * sizeof *cells);
        }
        if (attempt->found && attempt->mrz.check_digits_valid) break;
    }
    mend_reading((const mrz_cell(*)[MRZ_CELLS_MAX])best_cells, g->count, best_length, out);
    /* through the perspective map, mended the same way, the better reading kept: as an
     * alternative, and when the widest extent's reading passed as an MRZ (a name line has no
     * check digit to tell that its characters slid out of their cells) */
    bool retry = alternatives ? (alternatives & READ_PERSPECTIVE) &&
                                    !(out->found && out->mrz.check_digits_valid)
                              : out->found && band_in_perspective(lines, g);
    if (retry) {
        int read = read_perspective(c, lines, g, sd, sn, attempt, cells, &length);
        if (read < 0) goto done;
        if (read == 0) {
            mend_reading((const mrz_cell(*)[MRZ_CELLS_MAX])cells, g->count, length, attempt);
            if (perspective_wins(attempt, out)) *out = *attempt;
        }
    }
    /* reading direction in the image: 0° = left to right */
    float dx = out->corners[1][0] - out->corners[0][0],
          dy = out->corners[1][1] - out->corners[0][1];
    float ex = out->corners[3][0] - out->corners[0][0],
          ey = out->corners[3][1] - out->corners[0][1];
    float angle = atan2f(dy, dx) * 180.0f / (float)M_PI;
    int quarter = ((int)lroundf(angle / 90.0f) % 4 + 4) % 4;
    out->rotation = quarter * 90;
    out->mirrored = dx * ey - dy * ex < 0;
    rc = 0;
done:
    free(cells), free(attempt);
    return rc;
}

/* Keeps *attempt in *best when it scores higher. Returns 1 when it has every check digit right. */
static int keep_better(const mrz_reading *attempt, mrz_reading *best, int *best_score) {
    int score = score_of(attempt);
    if (score > *best_score) *best = *attempt, *best_score = score;
    return attempt->found && attempt->mrz.check_digits_valid;
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
        if (thick < MIN_CHAR_HEIGHT || thick > MAX_CHAR_SIDE || len > MAX_ELONGATION * thick)
            continue;
        pieces[n++] = (piece){along, along + len, across + thick / 2, thick};
    }
    int line_count = find_lines(pieces, n, lines, count);
    int group_count = find_groups(lines, line_count, groups, MAX_GROUPS);
    static const int directions[4][2] = {{1, 1}, {-1, -1}, {-1, 1}, {1, -1}};
    /* which group and direction to read again when nothing checks out (alternatives_of), most
     * confident first (the classifier's confidence over the widest extent; -1: none) */
    int rank[MAX_GROUPS][4], alternatives[MAX_GROUPS][4];
    rc = 0;
    for (int g = 0; g < group_count && rc == 0; g++)
        for (int d = 0; d < 4 && rc == 0; d++) {
            if (read_group(c, lines, &groups[g], directions[d][0], directions[d][1], 0, attempt) !=
                0)
                rc = -1;
            else
                rc = keep_better(attempt, best, best_score);
            alternatives[g][d] = alternatives_of(lines, &groups[g], attempt->confidence);
            rank[g][d] = alternatives[g][d] ? attempt->confidence : -1;
        }
    /* no reading checks out: the best-ranked bands and directions are read again over the
     * extents their lines share (band_extents) and through their perspective map */
    for (int round = 0; round < ALTERNATIVE_READS && rc == 0; round++) {
        int top_g = -1, top_d = 0;
        for (int g = 0; g < group_count; g++)
            for (int d = 0; d < 4; d++)
                if (rank[g][d] >= 0 && (top_g < 0 || rank[g][d] > rank[top_g][top_d]))
                    top_g = g, top_d = d;
        if (top_g < 0) break;
        rank[top_g][top_d] = -1;
        if (read_group(c, lines, &groups[top_g], directions[top_d][0], directions[top_d][1],
                       alternatives[top_g][top_d], attempt) != 0)
            rc = -1;
        else
            rc = keep_better(attempt, best, best_score);
    }
done:
    free(pieces), free(lines), free(attempt);
    return rc;
}

/* The components of `lines` (local_contrast as component_search) read along both axes; the best
 * reading kept in *out. Returns 1 when it has every check digit right, 0 otherwise, -1 on a
 * failure. */
static int read_components(read_context *c, const image *lines, bool local_contrast,
                           mrz_reading *out, int *best_score) {
    component_search how = {c->scale, MAX_CHAR_SIDE, MAX_ELONGATION, local_contrast};
    image_box *boxes = NULL;
    int count = 0, rc = -1;
    if (image_dark_components(lines, &how, &boxes, &count) == IMG_OK) {
        c->transposed = false;
        rc = read_axis(c, boxes, count, out, best_score);
        if (rc == 0) {
            c->transposed = true;
            rc = read_axis(c, boxes, count, out, best_score);
        }
    }
    free(boxes);
    return rc;
}

int mrz_reader_read(mrz_cell_reader *cells, const image *img, mrz_search search, mrz_reading *out) {
    memset(out, 0, sizeof *out);
    image grey, lines;
    if (image_to_grey(img, &grey) != IMG_OK) return -1;
    if (image_to_grey(&grey, &lines) != IMG_OK) {
        image_free(&grey);
        return -1;
    }
    /* the lines are found on a copy with full contrast (a dim photo's faint characters would
     * fall apart in binarisation); the cells are read from the original, each strip normalised
     * to its own ink and paper */
    image_stretch_flat_levels(&lines, LEVEL_TAIL, FLAT_RANGE);
    int side = grey.width > grey.height ? grey.width : grey.height;
    read_context c = {cells, &grey, (float)ANALYSIS_SIDE / (float)side, false};
    int best_score = -1, rc = 0;
    if (search == MRZ_SEARCH_USUAL) rc = read_components(&c, &lines, false, out, &best_score);
    /* an MRZ whose check digits do not all check out, or asked: once more with the contrast
     * stretched tile by tile (characters washed out by glare) */
    if (rc == 0 && (search == MRZ_SEARCH_GLARE || out->found))
        rc = read_components(&c, &lines, true, out, &best_score);
    image_free(&lines);
    image_free(&grey);
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}
