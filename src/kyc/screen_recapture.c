/* Screen recapture cues: one periodic pattern shared by the whole document (screen_recapture.h).
 *
 * Spectra: each tile's R, G and B planes, less their means, times a 2-D Hann window, go through
 * a DFT written as two matrix products (x C33 and x S33 for the horizontal frequencies 0..32,
 * then the vertical ones), batched over tiles so that nn_gemm does the work. A tile's spectrum
 * is the sum of its three channels' power, scaled to unit energy in the band (so that busy tiles
 * do not outvote plain ones). */
#include "kyc/screen_recapture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/kernels.h"

#define T         SCREEN_TILE
#define HALF      (T / 2 + 1) /* horizontal frequencies 0..T/2 (the input is real) */
#define BIN(k, l) ((size_t)(k)*T + (size_t)(l))
#define SPECTRUM  ((size_t)HALF * T)
#define BATCH     24 /* tiles transformed per round of matrix products */

/* The band searched, in cycles per pixel: below it lie the print's own strokes and lines;
 * above it the camera's demosaicing. */
#define BAND_LOW  0.07f
#define BAND_HIGH 0.48f
/* A tile shows the peak when its spectrum there is this many times its surroundings. */
#define TILE_PEAK_RATIO 4.0f
/* A recapture: the peak on at least this share of the tiles, standing this far above its
 * surroundings in the averaged spectrum. */
#define FOUND_SHARE      0.5f
#define FOUND_PROMINENCE 8.0f
/* ... and repeating a quarter turn away at least this far above its surroundings (a grid, not a
 * printed hatching of parallel lines) */
#define FOUND_CROSS 2.0f
/* Tiles this dark (a display's black shows no grid) or this bright (clipped) are left out. */
#define DARK_LEVEL   30
#define BRIGHT_LEVEL 250

typedef struct {
    int x, y;
} tile_origin;

/* The DFT's tables: cos and sin of 2 pi j k / T, for k up to HALF and up to T, and the window */
typedef struct {
    float c_half[T * HALF], s_half[T * HALF], c_full[T * T], s_full[T * T], hann[T];
} dft_tables;

static void dft_tables_fill(dft_tables *d) {
    const double two_pi = 6.283185307179586;
    for (int j = 0; j < T; j++) {
        d->hann[j] = (float)(0.5 - 0.5 * cos(two_pi * (j + 0.5) / T));
        for (int k = 0; k < T; k++) {
            double a = two_pi * (double)((j * k) % T) / T;
            d->c_full[j * T + k] = (float)cos(a);
            d->s_full[j * T + k] = (float)sin(a);
            if (k < HALF) {
                d->c_half[j * HALF + k] = (float)cos(a);
                d->s_half[j * HALF + k] = (float)sin(a);
            }
        }
    }
}

/* Whether (x, y) lies inside the convex quadrilateral q (either winding). */
static bool inside_quad(const card_quad *q, float x, float y) {
    int sign = 0;
    for (int i = 0; i < 4; i++) {
        const float *a = q->corner[i], *b = q->corner[(i + 1) % 4];
        float cross = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
        int s = cross > 0 ? 1 : cross < 0 ? -1 : 0;
        if (s && sign && s != sign) return false;
        if (s) sign = s;
    }
    return true;
}

/* Mean luma of a tile, from every other pixel of every other row. */
static int tile_luma(const image *img, int x0, int y0) {
    long sum = 0, n = 0;
    for (int y = y0; y < y0 + T; y += 2) {
        const uint8_t *row = img->pixels + (size_t)y * img->stride;
        for (int x = x0; x < x0 + T; x += 2, n++) {
            const uint8_t *p = row + (size_t)x * 3;
            sum += (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000;
        }
    }
    return (int)(sum / n);
}

/* The tiles inside the region that are neither dark nor clipped, at most SCREEN_MAX_TILES of
 * them spread evenly. Returns the count (*out malloc'd), or -1 when out of memory. */
static int pick_tiles(const image *img, const card_quad *q, tile_origin **out) {
    *out = NULL;
    float x0 = 0, y0 = 0, x1 = (float)img->width, y1 = (float)img->height;
    if (q) {
        x0 = y0 = 1e9f, x1 = y1 = -1e9f;
        for (int i = 0; i < 4; i++) {
            x0 = fminf(x0, q->corner[i][0]), x1 = fmaxf(x1, q->corner[i][0]);
            y0 = fminf(y0, q->corner[i][1]), y1 = fmaxf(y1, q->corner[i][1]);
        }
    }
    int bx0 = (int)fmaxf(0, x0), by0 = (int)fmaxf(0, y0);
    int bx1 = (int)fminf((float)img->width, x1), by1 = (int)fminf((float)img->height, y1);
    if (bx1 - bx0 < T || by1 - by0 < T) return 0;
    size_t cap = (size_t)((bx1 - bx0) / T) * (size_t)((by1 - by0) / T);
    tile_origin *all = malloc(cap * sizeof *all);
    if (!all) return -1;
    int n = 0;
    for (int y = by0; y + T <= by1; y += T)
        for (int x = bx0; x + T <= bx1; x += T) {
            if (q &&
                !(inside_quad(q, (float)x, (float)y) && inside_quad(q, (float)(x + T), (float)y) &&
                  inside_quad(q, (float)x, (float)(y + T)) &&
                  inside_quad(q, (float)(x + T), (float)(y + T))))
                continue;
            int luma = tile_luma(img, x, y);
            if (luma >= DARK_LEVEL && luma < BRIGHT_LEVEL) all[n++] = (tile_origin){x, y};
        }
    if (n > SCREEN_MAX_TILES) {
        for (int i = 0; i < SCREEN_MAX_TILES; i++)
            all[i] = all[(size_t)i * (size_t)n / SCREEN_MAX_TILES];
        n = SCREEN_MAX_TILES;
    }
    *out = all;
    return n;
}

/* Buffers for one batch of tiles (3 planes each). */
typedef struct {
    float *x, *p, *q, *pt, *qt, *re, *im;
} dft_batch;

static void dft_batch_free(dft_batch *b) {
    free(b->x), free(b->p), free(b->q), free(b->pt), free(b->qt), free(b->re), free(b->im);
}

static int dft_batch_alloc(dft_batch *b) {
    size_t planes = (size_t)BATCH * 3, full = planes * T * T, half = planes * T * HALF;
    memset(b, 0, sizeof *b);
    b->x = malloc(full * sizeof(float));
    b->p = malloc(half * sizeof(float)), b->q = malloc(half * sizeof(float));
    b->pt = malloc(half * sizeof(float)), b->qt = malloc(half * sizeof(float));
    b->re = malloc(half * sizeof(float)), b->im = malloc(half * sizeof(float));
    if (b->x && b->p && b->q && b->pt && b->qt && b->re && b->im) return 0;
    dft_batch_free(b);
    return -1;
}

/* Fills the batch's planes from the tiles: each channel less its mean, windowed. */
static void load_planes(const image *img, const tile_origin *tiles, int n, const float *hann,
                        float *x) {
    for (int t = 0; t < n; t++) {
        double mean[3] = {0, 0, 0};
        for (int y = 0; y < T; y++) {
            const uint8_t *row =
                img->pixels + (size_t)(tiles[t].y + y) * img->stride + (size_t)tiles[t].x * 3;
            for (int i = 0; i < T * 3; i++) mean[i % 3] += row[i];
        }
        for (int c = 0; c < 3; c++) {
            float m = (float)(mean[c] / (T * T));
            float *plane = x + ((size_t)t * 3 + (size_t)c) * T * T;
            for (int y = 0; y < T; y++) {
                const uint8_t *row =
                    img->pixels + (size_t)(tiles[t].y + y) * img->stride + (size_t)tiles[t].x * 3;
                for (int i = 0; i < T; i++)
                    plane[y * T + i] = ((float)row[i * 3 + c] - m) * hann[y] * hann[i];
            }
        }
    }
}

/* The power spectra of n tiles' planes in b->x into spectra (HALF x T per tile, the three
 * channels summed): spectrum[k][l] at horizontal frequency k and vertical frequency l. */
static void batch_spectra(const dft_tables *d, dft_batch *b, int n, float *spectra) {
    int64_t planes = (int64_t)n * 3;
    /* along each row: P = x C, Q = x S (horizontal frequencies 0..T/2) */
    nn_gemm(0, 0, planes * T, HALF, T, 1.0f, b->x, T, d->c_half, HALF, 0.0f, b->p, HALF);
    nn_gemm(0, 0, planes * T, HALF, T, 1.0f, b->x, T, d->s_half, HALF, 0.0f, b->q, HALF);
    for (int64_t pl = 0; pl < planes; pl++) /* each plane transposed: frequency k by row y */
        for (int y = 0; y < T; y++)
            for (int k = 0; k < HALF; k++) {
                b->pt[(pl * HALF + k) * T + y] = b->p[(pl * T + y) * HALF + k];
                b->qt[(pl * HALF + k) * T + y] = b->q[(pl * T + y) * HALF + k];
            }
    /* down each column: Re = Pt C - Qt S, Im = Pt S + Qt C (the sign of Im is immaterial) */
    int64_t rows = planes * HALF;
    nn_gemm(0, 0, rows, T, T, 1.0f, b->pt, T, d->c_full, T, 0.0f, b->re, T);
    nn_gemm(0, 0, rows, T, T, -1.0f, b->qt, T, d->s_full, T, 1.0f, b->re, T);
    nn_gemm(0, 0, rows, T, T, 1.0f, b->pt, T, d->s_full, T, 0.0f, b->im, T);
    nn_gemm(0, 0, rows, T, T, 1.0f, b->qt, T, d->c_full, T, 1.0f, b->im, T);
    for (int t = 0; t < n; t++) {
        float *s = spectra + (size_t)t * SPECTRUM;
        memset(s, 0, SPECTRUM * sizeof *s);
        for (int c = 0; c < 3; c++) {
            const float *re = b->re + ((size_t)t * 3 + (size_t)c) * SPECTRUM;
            const float *im = b->im + ((size_t)t * 3 + (size_t)c) * SPECTRUM;
            for (size_t i = 0; i < SPECTRUM; i++) s[i] += re[i] * re[i] + im[i] * im[i];
        }
    }
}

/* The power at frequency (k, l) of a half spectrum, for any integers (the spectrum of a real
 * image is periodic and symmetric through the origin). */
static float power_at(const float *s, int k, int l) {
    k = ((k % T) + T) % T, l = ((l % T) + T) % T;
    if (k > T / 2) k = T - k, l = (T - l) % T;
    return s[BIN(k, l)];
}

/* Signed vertical frequency of row l, in bins. */
static int signed_l(int l) {
    return l <= T / 2 ? l : l - T;
}

static bool in_band(int k, int l) {
    if (k % 8 == 0 && l % 8 == 0) return false; /* the JPEG block grid's harmonics */
    if (k == 0 && l > T / 2) return false;      /* the other half of the k = 0 column */
    float r = hypotf((float)k, (float)signed_l(l)) / T;
    return r >= BAND_LOW && r <= BAND_HIGH;
}

static float median6(float *v) {
    for (int i = 1; i < 6; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            float t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    return 0.5f * (v[2] + v[3]);
}

/* What surrounds (k, l): in each of four directions the median power 3 to 5 bins away on both
 * sides; the largest of the four, so that a ridge (text, an edge: a line of high power through
 * the origin or across it) is its own surrounding and a narrow peak is not. */
static float surroundings(const float *s, int k, int l) {
    static const int dir[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
    float most = 0;
    for (int d = 0; d < 4; d++) {
        float v[6];
        int n = 0;
        for (int step = 3; step <= 5; step++) {
            v[n++] = power_at(s, k + step * dir[d][0], l + step * dir[d][1]);
            v[n++] = power_at(s, k - step * dir[d][0], l - step * dir[d][1]);
        }
        most = fmaxf(most, median6(v));
    }
    return most + 1e-12f;
}

/* Scales a spectrum to unit power in the band. */
static void normalise(float *s) {
    double sum = 0;
    for (int k = 0; k < HALF; k++)
        for (int l = 0; l < T; l++)
            if (in_band(k, l)) sum += s[BIN(k, l)];
    float scale = sum > 0 ? (float)(1.0 / sum) : 0.0f;
    for (size_t i = 0; i < SPECTRUM; i++) s[i] *= scale;
}

/* Whether a tile's spectrum shows the peak at (k, l), give or take a bin. */
static bool tile_shows(const float *s, int k, int l) {
    float peak = 0;
    for (int dk = -1; dk <= 1; dk++)
        for (int dl = -1; dl <= 1; dl++) peak = fmaxf(peak, power_at(s, k + dk, l + dl));
    return peak >= TILE_PEAK_RATIO * surroundings(s, k, l);
}

/* How far the averaged spectrum stands out at the frequency a quarter turn from (k, l), give or
 * take two bins (perspective skews the grid): a display's pixels are square, so its grid
 * repeats alike along both axes, where a printed hatching repeats along one. */
static float cross_peak(const float *mean, int k, int l) {
    float best = 0;
    for (int dk = -2; dk <= 2; dk++)
        for (int dl = -2; dl <= 2; dl++) {
            int ck = -l + dk, cl = k + dl;
            if (ck < 0) ck = -ck, cl = -cl; /* the same power, in the stored half */
            float r = hypotf((float)ck, (float)cl) / T;
            if (r < BAND_LOW || r > 0.5f) continue;
            best = fmaxf(best, power_at(mean, ck, cl) / surroundings(mean, ck, cl));
        }
    return best;
}

/* The averaged spectrum's most prominent in-band peak; fills out's prominence, period, angle
 * and share. */
static void find_shared_peak(const float *spectra, int n, float *mean, screen_cues *out) {
    memset(mean, 0, SPECTRUM * sizeof *mean);
    for (int t = 0; t < n; t++)
        for (size_t i = 0; i < SPECTRUM; i++) mean[i] += spectra[(size_t)t * SPECTRUM + i] / n;
    int bk = -1, bl = -1;
    float best = 0;
    for (int k = 0; k < HALF; k++)
        for (int l = 0; l < T; l++) {
            if (!in_band(k, l)) continue;
            float p = mean[BIN(k, l)] / surroundings(mean, k, l);
            if (p > best) best = p, bk = k, bl = l;
        }
    if (bk < 0) return;
    out->cross_prominence = cross_peak(mean, bk, signed_l(bl));
    int shown = 0;
    for (int t = 0; t < n; t++) shown += tile_shows(spectra + (size_t)t * SPECTRUM, bk, bl);
    float fy = (float)signed_l(bl);
    out->prominence = best;
    out->share = (float)shown / (float)n;
    out->period_px = (float)T / hypotf((float)bk, fy);
    float angle = atan2f(fy, (float)bk) * 57.29578f;
    out->angle_deg = angle < 0 ? angle + 180.0f : angle;
}

int screen_recapture_measure(const image *rgb, const card_quad *region, screen_cues *out) {
    memset(out, 0, sizeof *out);
    if (!rgb || rgb->channels != 3 || !rgb->pixels) return 0;
    tile_origin *tiles = NULL;
    int n = pick_tiles(rgb, region, &tiles);
    if (n < 0) return -1;
    out->tiles = n;
    if (n < SCREEN_MIN_TILES) {
        free(tiles);
        return 0;
    }
    dft_tables *d = malloc(sizeof *d);
    float *spectra = malloc((size_t)n * SPECTRUM * sizeof *spectra);
    float *mean = malloc(SPECTRUM * sizeof *mean);
    dft_batch b;
    int rc = d && spectra && mean && dft_batch_alloc(&b) == 0 ? 0 : -1;
    if (rc == 0) {
        dft_tables_fill(d);
        for (int first = 0; first < n; first += BATCH) {
            int count = n - first < BATCH ? n - first : BATCH;
            load_planes(rgb, tiles + first, count, d->hann, b.x);
            batch_spectra(d, &b, count, spectra + (size_t)first * SPECTRUM);
        }
        for (int t = 0; t < n; t++) normalise(spectra + (size_t)t * SPECTRUM);
        find_shared_peak(spectra, n, mean, out);
        out->measured = true;
        dft_batch_free(&b);
    }
    free(d), free(spectra), free(mean), free(tiles);
    return rc;
}

bool screen_recapture_found(const screen_cues *s) {
    return s->measured && s->share >= FOUND_SHARE && s->prominence >= FOUND_PROMINENCE &&
           s->cross_prominence >= FOUND_CROSS;
}
