/* Card finding: a small grey copy, Otsu's threshold, the largest region of either polarity, its
 * four extreme corners, shape checks; card warping: a homography from the output rectangle to
 * the quadrilateral, sampled bilinearly. */
#include "vision/card.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/linsolve.h"

#define WORK_SIDE      400   /* the long side of the grey copy the search runs on */
#define MIN_AREA_SHARE 0.10f /* of the image: smaller cards are too small to read */
#define MIN_FILL       0.55f /* region pixels / quadrilateral area (text and photo are holes) */
#define MIN_ASPECT     1.30f /* long side / short side, with room for perspective */
#define MAX_ASPECT     1.95f

typedef struct {
    uint8_t *v;
    int w, h, scale;
} small_grey;

/* Box-averaged grey copy whose long side is at most WORK_SIDE. */
static int shrink(const image *img, small_grey *out) {
    int side = img->width > img->height ? img->width : img->height;
    int s = (side + WORK_SIDE - 1) / WORK_SIDE;
    if (s < 1) s = 1;
    out->scale = s, out->w = img->width / s, out->h = img->height / s;
    if (out->w < 8 || out->h < 8) return 0;
    out->v = malloc((size_t)out->w * (size_t)out->h);
    if (!out->v) return -1;
    for (int y = 0; y < out->h; y++)
        for (int x = 0; x < out->w; x++) {
            unsigned sum = 0;
            for (int j = 0; j < s; j++) {
                const uint8_t *p =
                    img->pixels + (size_t)(y * s + j) * img->stride + (size_t)x * s * img->channels;
                for (int i = 0; i < s; i++, p += img->channels)
                    sum += img->channels >= 3 ? (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8 : p[0];
            }
            out->v[(size_t)y * out->w + x] = (uint8_t)(sum / (unsigned)(s * s));
        }
    return 1;
}

static int otsu(const small_grey *g) {
    double hist[256] = {0}, n = (double)g->w * g->h, total = 0;
    for (size_t i = 0; i < (size_t)g->w * g->h; i++) hist[g->v[i]]++;
    for (int i = 0; i < 256; i++) total += i * hist[i];
    double below = 0, below_sum = 0, best = -1;
    int t = 128;
    for (int i = 0; i < 256; i++) {
        below += hist[i];
        below_sum += i * hist[i];
        if (below == 0 || below == n) continue;
        double m0 = below_sum / below, m1 = (total - below_sum) / (n - below);
        double between = below * (n - below) * (m0 - m1) * (m0 - m1);
        if (between > best) best = between, t = i;
    }
    return t;
}

/* How many of the image's four borders the region `id` touches. */
static int borders_touched(const int *label, int w, int h, int id) {
    bool top = false, bottom = false, left = false, right = false;
    for (int x = 0; x < w; x++) {
        top = top || label[x] == id;
        bottom = bottom || label[(size_t)(h - 1) * w + x] == id;
    }
    for (int y = 0; y < h; y++) {
        left = left || label[(size_t)y * w] == id;
        right = right || label[(size_t)y * w + w - 1] == id;
    }
    return top + bottom + left + right;
}

/* Labels the 4-connected regions of `in` (nonzero = inside) into label[] (ids from 1, 0 outside)
 * and returns the id of the largest and its size (0 when there is none); -1 when out of memory. */
static int largest_region(const uint8_t *in, int *label, int w, int h, int *size) {
    int *stack = malloc(sizeof(int) * (size_t)w * (size_t)h);
    if (!stack) return -1;
    memset(label, 0, sizeof(int) * (size_t)w * (size_t)h);
    int best = 0, id = 0;
    *size = 0;
    for (int start = 0; start < w * h; start++) {
        if (!in[start] || label[start]) continue;
        id++;
        int top = 0, count = 0;
        stack[top++] = start;
        label[start] = id;
        while (top > 0) {
            int p = stack[--top], x = p % w, y = p / w;
            count++;
            int next[4] = {x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1,
                           y + 1 < h ? p + w : -1};
            for (int k = 0; k < 4; k++)
                if (next[k] >= 0 && in[next[k]] && !label[next[k]]) {
                    label[next[k]] = id;
                    stack[top++] = next[k];
                }
        }
        if (count > *size) *size = count, best = id;
    }
    free(stack);
    return best;
}

static float dist(const float a[2], const float b[2]) {
    return hypotf(a[0] - b[0], a[1] - b[1]);
}

static float quad_area(const card_quad *q) {
    float a = 0;
    for (int i = 0; i < 4; i++) {
        const float *p = q->corner[i], *n = q->corner[(i + 1) % 4];
        a += p[0] * n[1] - n[0] * p[1];
    }
    return a / 2; /* positive for clockwise corners in image coordinates (y down) */
}

static bool convex(const card_quad *q) {
    for (int i = 0; i < 4; i++) {
        const float *a = q->corner[i], *b = q->corner[(i + 1) % 4], *c = q->corner[(i + 2) % 4];
        float cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if (cross <= 0) return false;
    }
    return true;
}

/* The region's corners: the extremes along the two diagonals. */
static card_quad region_corners(const int *label, int w, int h, int id) {
    float best[4] = {1e30f, -1e30f, -1e30f, 1e30f}; /* min x+y, max x-y, max x+y, min x-y */
    card_quad q = {{{0}}};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (label[(size_t)y * w + x] != id) continue;
            float fx = (float)x + 0.5f, fy = (float)y + 0.5f, s = fx + fy, d = fx - fy;
            float value[4] = {s, d, s, d};
            for (int k = 0; k < 4; k++)
                if ((k == 1 || k == 2) ? value[k] > best[k] : value[k] < best[k]) {
                    best[k] = value[k];
                    q.corner[k][0] = fx, q.corner[k][1] = fy;
                }
        }
    return q;
}

/* True when q (in the small image) has the shape and size of a card seen from the front. */
static bool card_shaped(const card_quad *q, int region_size, int w, int h) {
    float area = quad_area(q);
    if (!convex(q) || area < MIN_AREA_SHARE * (float)w * (float)h) return false;
    if ((float)region_size < MIN_FILL * area) return false;
    float top = dist(q->corner[0], q->corner[1]), bottom = dist(q->corner[3], q->corner[2]);
    float left = dist(q->corner[0], q->corner[3]), right = dist(q->corner[1], q->corner[2]);
    float lng = (top + bottom) / 2, shrt = (left + right) / 2;
    if (shrt > lng) {
        float t = lng;
        lng = shrt, shrt = t;
    }
    return shrt > 0 && lng / shrt >= MIN_ASPECT && lng / shrt <= MAX_ASPECT;
}

/* Turns the corner order by one so that corner 0 to corner 1 is a long side. */
static card_quad lying_down(const card_quad *q) {
    if (dist(q->corner[0], q->corner[1]) >= dist(q->corner[1], q->corner[2])) return *q;
    card_quad r;
    for (int i = 0; i < 4; i++) memcpy(r.corner[i], q->corner[(i + 1) % 4], sizeof r.corner[i]);
    return r;
}

int card_find(const image *img, card_quad *out) {
    if (!img->pixels || img->width <= 0 || img->height <= 0) return 0;
    small_grey g;
    int rc = shrink(img, &g);
    if (rc <= 0) return rc;
    size_t n = (size_t)g.w * g.h;
    uint8_t *mask = malloc(n);
    int *label = malloc(sizeof(int) * n);
    if (!mask || !label) {
        free(mask);
        free(label);
        free(g.v);
        return -1;
    }
    int t = otsu(&g), found = 0;
    for (int polarity = 0; polarity < 2 && !found; polarity++) { /* light card, then dark card */
        for (size_t i = 0; i < n; i++) mask[i] = (g.v[i] > t) == (polarity == 0);
        int size = 0, id = largest_region(mask, label, g.w, g.h, &size);
        if (id < 0) {
            found = -1;
            break;
        }
        /* a region reaching three borders is the background around something, or a card that
         * fills the frame: either way the whole image is the card, which is the fallback */
        if (id == 0 || borders_touched(label, g.w, g.h, id) >= 3) continue;
        card_quad q = region_corners(label, g.w, g.h, id);
        if (!card_shaped(&q, size, g.w, g.h)) continue;
        q = lying_down(&q);
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 2; k++) q.corner[i][k] *= (float)g.scale;
        *out = q;
        found = 1;
    }
    free(label);
    free(mask);
    free(g.v);
    return found;
}

card_quad card_whole_image(const image *img) {
    float w = (float)img->width, h = (float)img->height;
    card_quad q = {{{0, 0}, {w, 0}, {w, h}, {0, h}}};
    return lying_down(&q);
}

card_quad card_turned(const card_quad *q) {
    card_quad r;
    for (int i = 0; i < 4; i++) memcpy(r.corner[i], q->corner[(i + 2) % 4], sizeof r.corner[i]);
    return r;
}

/* ---- warping ---- */

/* The homography h (h[8] = 1) taking the output rectangle's corners to q's corners. */
static bool homography(const card_quad *q, int out_w, int out_h, double h[9]) {
    const double dst[4][2] = {{0, 0}, {out_w, 0}, {out_w, out_h}, {0, out_h}};
    double a[8][9];
    for (int i = 0; i < 4; i++) {
        double u = dst[i][0], v = dst[i][1], x = q->corner[i][0], y = q->corner[i][1];
        double r0[9] = {u, v, 1, 0, 0, 0, -u * x, -v * x, x};
        double r1[9] = {0, 0, 0, u, v, 1, -u * y, -v * y, y};
        memcpy(a[2 * i], r0, sizeof r0);
        memcpy(a[2 * i + 1], r1, sizeof r1);
    }
    if (!linear_solve(&a[0][0], 8)) return false;
    for (int i = 0; i < 8; i++) h[i] = a[i][8];
    h[8] = 1;
    return true;
}

/* Bilinear sample of every channel at (fx, fy), border pixels repeated outside. */
static void sample(const image *img, float fx, float fy, float *acc) {
    float x = fx - 0.5f, y = fy - 0.5f;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x > (float)(img->width - 1)) x = (float)(img->width - 1);
    if (y > (float)(img->height - 1)) y = (float)(img->height - 1);
    int x0 = (int)x, y0 = (int)y, c = img->channels;
    int x1 = x0 + 1 < img->width ? x0 + 1 : x0, y1 = y0 + 1 < img->height ? y0 + 1 : y0;
    float ax = x - (float)x0, ay = y - (float)y0;
    const uint8_t *r0 = img->pixels + (size_t)y0 * img->stride,
                  *r1 = img->pixels + (size_t)y1 * img->stride;
    for (int k = 0; k < c; k++) {
        float top = r0[x0 * c + k] + ax * (float)(r0[x1 * c + k] - r0[x0 * c + k]);
        float bottom = r1[x0 * c + k] + ax * (float)(r1[x1 * c + k] - r1[x0 * c + k]);
        acc[k] += top + ay * (bottom - top);
    }
}

bool card_quad_point(const card_quad *q, float u, float v, float out[2]) {
    double h[9];
    if (!homography(q, 1, 1, h)) return false;
    double w = h[6] * u + h[7] * v + h[8];
    if (fabs(w) < 1e-9) return false;
    out[0] = (float)((h[0] * u + h[1] * v + h[2]) / w);
    out[1] = (float)((h[3] * u + h[4] * v + h[5]) / w);
    return true;
}

image_status card_warp(const image *img, const card_quad *q, int out_w, int out_h, image *out) {
    memset(out, 0, sizeof *out);
    int c = img->channels;
    if (!img->pixels || img->width <= 0 || (c != 1 && c != 3) || out_w <= 0 || out_h <= 0 ||
        out_w > 16384 || out_h > 16384)
        return IMG_CORRUPT;
    double h[9];
    if (!homography(q, out_w, out_h, h)) return IMG_CORRUPT;
    out->pixels = malloc((size_t)out_w * (size_t)out_h * (size_t)c);
    if (!out->pixels) return IMG_NOMEM;
    out->width = out_w, out->height = out_h, out->channels = c;
    out->stride = (size_t)out_w * (size_t)c;
    float shrink_by = dist(q->corner[0], q->corner[1]) / (float)out_w;
    int taps = shrink_by > 1.5f ? 3 : 1;
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) {
            float acc[3] = {0, 0, 0};
            for (int j = 0; j < taps; j++)
                for (int i = 0; i < taps; i++) {
                    double fu = u + (i + 0.5) / taps, fv = v + (j + 0.5) / taps;
                    double w = h[6] * fu + h[7] * fv + h[8];
                    if (fabs(w) < 1e-9) w = 1e-9;
                    sample(img, (float)((h[0] * fu + h[1] * fv + h[2]) / w),
                           (float)((h[3] * fu + h[4] * fv + h[5]) / w), acc);
                }
            uint8_t *o = out->pixels + (size_t)v * out->stride + (size_t)u * c;
            for (int k = 0; k < c; k++) o[k] = (uint8_t)(acc[k] / (float)(taps * taps) + 0.5f);
        }
    return IMG_OK;
}
