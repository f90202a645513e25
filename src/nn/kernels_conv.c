/* Convolution: depthwise directly, everything else as GEMM (OpenBLAS) over the input itself
 * (1x1, stride 1, no padding) or over an im2col copy in scratch; bias and the fused activation
 * are applied in one pass afterwards. */
#include <math.h>
#include <string.h>

#include "nn/kernels.h"

/* Output columns ox for which ix = ox*s + off lies in [0, W): [*lo, *hi). */
static void valid_range(int64_t off, int64_t s, int64_t W, int64_t Wo, int64_t *lo, int64_t *hi) {
    int64_t l = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t h = (W - 1 - off) < 0 ? 0 : (W - 1 - off) / s + 1;
    if (h > Wo) h = Wo;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

NN_HOT static void epilogue(float *y, size_t hw, float b, nn_act act, float slope) {
    if (act == ACT_RELU) {
        for (size_t i = 0; i < hw; i++) {
            float v = y[i] + b;
            y[i] = v > 0.0f ? v : 0.0f;
        }
    } else if (act == ACT_PRELU) {
        for (size_t i = 0; i < hw; i++) {
            float v = y[i] + b;
            y[i] = v > 0.0f ? v : v * slope;
        }
    } else if (act == ACT_SIGMOID) {
        for (size_t i = 0; i < hw; i++) y[i] = 1.0f / (1.0f + expf(-(y[i] + b)));
    } else if (b != 0.0f) {
        for (size_t i = 0; i < hw; i++) y[i] += b;
    }
}

/* Bias and activation for output channels [m0, m1) over `len` values starting at `offset` of
 * each channel plane: run on each tile right after it is computed, while it is in cache. */
static void finish_tile(const conv_params *p, const float *bias, float *y, int64_t m0, int64_t m1,
                        int64_t offset, int64_t len) {
    int64_t plane = p->Ho * p->Wo;
    for (int64_t m = m0; m < m1; m++) {
        float slope = p->slope ? p->slope[p->slope_n == 1 ? 0 : m] : 0.0f;
        epilogue(y + m * plane + offset, (size_t)len, bias ? bias[m] : 0.0f, p->act, slope);
    }
}

NN_HOT static void axpy_row(float *restrict o, const float *restrict in, float w, int64_t n) {
    for (int64_t i = 0; i < n; i++) o[i] += w * in[i];
}

NN_HOT static void axpy_row_strided(float *restrict o, const float *restrict in, float w, int64_t n,
                                    int64_t s) {
    for (int64_t i = 0; i < n; i++) o[i] += w * in[i * s];
}

/* Generic depthwise channel: accumulate each tap over the valid span of every output row. */
static void dw_generic(const conv_params *p, const float *xc, const float *wc, float *yc) {
    memset(yc, 0, (size_t)(p->Ho * p->Wo) * sizeof *yc);
    for (int64_t oy = 0; oy < p->Ho; oy++) {
        float *orow = yc + oy * p->Wo;
        for (int64_t ky = 0; ky < p->kh; ky++) {
            int64_t iy = oy * p->sh - p->pt + ky * p->dh;
            if (iy < 0 || iy >= p->H) continue;
            const float *irow = xc + iy * p->W;
            for (int64_t kx = 0; kx < p->kw; kx++) {
                int64_t off = kx * p->dw - p->pl, lo, hi;
                valid_range(off, p->sw, p->W, p->Wo, &lo, &hi);
                if (hi <= lo) continue;
                float wv = wc[ky * p->kw + kx];
                if (p->sw == 1)
                    axpy_row(orow + lo, irow + lo + off, wv, hi - lo);
                else
                    axpy_row_strided(orow + lo, irow + lo * p->sw + off, wv, hi - lo, p->sw);
            }
        }
    }
}

/* 3x3 interior: all nine taps in registers, one store per output; rows r0..r2 start at the
 * first tap of output column 0 (invalid rows come with zero weights). */
NN_HOT static void dw3x3_s1(float *restrict o, const float *r0, const float *r1, const float *r2,
                            const float *w, int64_t n, int64_t d) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
                w7 = w[7], w8 = w[8];
    for (int64_t i = 0; i < n; i++)
        o[i] = w0 * r0[i] + w1 * r0[i + d] + w2 * r0[i + 2 * d] + w3 * r1[i] + w4 * r1[i + d] +
               w5 * r1[i + 2 * d] + w6 * r2[i] + w7 * r2[i + d] + w8 * r2[i + 2 * d];
}

NN_HOT static void dw3x3_s2(float *restrict o, const float *r0, const float *r1, const float *r2,
                            const float *w, int64_t n, int64_t d) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
                w7 = w[7], w8 = w[8];
    for (int64_t i = 0; i < n; i++) {
        int64_t j = 2 * i;
        o[i] = w0 * r0[j] + w1 * r0[j + d] + w2 * r0[j + 2 * d] + w3 * r1[j] + w4 * r1[j + d] +
               w5 * r1[j + 2 * d] + w6 * r2[j] + w7 * r2[j + d] + w8 * r2[j + 2 * d];
    }
}

static bool is_dw3x3(const conv_params *p) {
    return p->kh == 3 && p->kw == 3 && (p->sw == 1 || p->sw == 2) && p->sh == p->sw;
}

/* A kernel that covers the whole unpadded input: each output is one dot product. */
static bool is_global(const conv_params *p) {
    return p->Ho == 1 && p->Wo == 1 && p->kh == p->H && p->kw == p->W && !p->pt && !p->pl &&
           !p->pb && !p->pr;
}

/* 3x3 depthwise over a zero-padded copy of the channel in scratch: no border cases. Stride 1
 * runs over the flattened padded plane in one call (the columns past Wo are computed and
 * dropped); stride 2 runs one call per output row. */
static void dw_3x3(const conv_params *p, const float *xc, const float *wc, float *yc, float *buf) {
    int64_t Hp = p->H + p->pt + p->pb, Wp = p->W + p->pl + p->pr;
    int64_t dh = p->dh, dw = p->dw;
    float *pad = buf, *tmp = buf + Hp * Wp;
    memset(pad, 0, (size_t)(p->pt * Wp) * sizeof *pad);
    for (int64_t y = 0; y < p->H; y++) {
        float *row = pad + (y + p->pt) * Wp;
        memset(row, 0, (size_t)p->pl * sizeof *row);
        memcpy(row + p->pl, xc + y * p->W, (size_t)p->W * sizeof *row);
        memset(row + p->pl + p->W, 0, (size_t)p->pr * sizeof *row);
    }
    memset(pad + (p->H + p->pt) * Wp, 0, (size_t)(p->pb * Wp) * sizeof *pad);
    if (p->sw == 1 && p->Wo * p->Ho <= 4096) {
        /* small plane: one call over the flattened plane beats a call per row */
        int64_t n = (p->Ho - 1) * Wp + p->Wo;
        dw3x3_s1(tmp, pad, pad + dh * Wp, pad + 2 * dh * Wp, wc, n, dw);
        for (int64_t oy = 0; oy < p->Ho; oy++)
            memcpy(yc + oy * p->Wo, tmp + oy * Wp, (size_t)p->Wo * sizeof *yc);
    } else if (p->sw == 1) {
        for (int64_t oy = 0; oy < p->Ho; oy++) {
            const float *r0 = pad + oy * Wp;
            dw3x3_s1(yc + oy * p->Wo, r0, r0 + dh * Wp, r0 + 2 * dh * Wp, wc, p->Wo, dw);
        }
    } else if (p->Ho * Wp <= 4096) {
        /* small plane: output j = oy*Wp + ox reads input 2j + tap offset, so one call covers the
         * plane (columns past Wo are computed and dropped) */
        int64_t n = (p->Ho - 1) * Wp + p->Wo;
        dw3x3_s2(tmp, pad, pad + dh * Wp, pad + 2 * dh * Wp, wc, n, dw);
        for (int64_t oy = 0; oy < p->Ho; oy++)
            memcpy(yc + oy * p->Wo, tmp + oy * Wp, (size_t)p->Wo * sizeof *yc);
    } else {
        for (int64_t oy = 0; oy < p->Ho; oy++) {
            const float *r0 = pad + 2 * oy * Wp;
            dw3x3_s2(yc + oy * p->Wo, r0, r0 + dh * Wp, r0 + 2 * dh * Wp, wc, p->Wo, dw);
        }
    }
}

static void conv_depthwise(const conv_params *p, const float *x, const float *w, const float *bias,
                           float *y, float *scratch) {
    bool k3 = is_dw3x3(p), global = is_global(p);
    for (int64_t c = 0; c < p->C; c++) {
        const float *xc = x + c * p->H * p->W, *wc = w + c * p->kh * p->kw;
        float *yc = y + c * p->Ho * p->Wo;
        if (global)
            yc[0] = nn_dot(xc, wc, p->H * p->W);
        else if (k3)
            dw_3x3(p, xc, wc, yc, scratch);
        else
            dw_generic(p, xc, wc, yc);
        finish_tile(p, bias, y, c, c + 1, 0, p->Ho * p->Wo);
    }
}

NN_HOT static void copy_strided(float *restrict dst, const float *restrict src, int64_t n,
                                int64_t s) {
    for (int64_t i = 0; i < n; i++) dst[i] = src[i * s];
}

/* Columns for channels [0, Cg) of x and output rows [oy0, oy1): rows (c, ky, kx), columns
 * (oy - oy0, ox). */
static void im2col(const conv_params *p, const float *x, int64_t Cg, int64_t oy0, int64_t oy1,
                   float *col) {
    int64_t cols = (oy1 - oy0) * p->Wo;
    for (int64_t c = 0; c < Cg; c++) {
        const float *xc = x + c * p->H * p->W;
        for (int64_t ky = 0; ky < p->kh; ky++) {
            for (int64_t kx = 0; kx < p->kw; kx++) {
                float *row = col + ((c * p->kh + ky) * p->kw + kx) * cols;
                int64_t off = kx * p->dw - p->pl, lo, hi;
                valid_range(off, p->sw, p->W, p->Wo, &lo, &hi);
                for (int64_t oy = oy0; oy < oy1; oy++) {
                    float *dst = row + (oy - oy0) * p->Wo;
                    int64_t iy = oy * p->sh - p->pt + ky * p->dh;
                    if (iy < 0 || iy >= p->H) {
                        memset(dst, 0, (size_t)p->Wo * sizeof *dst);
                        continue;
                    }
                    const float *src = xc + iy * p->W;
                    if (lo > 0) memset(dst, 0, (size_t)lo * sizeof *dst);
                    if (p->sw == 1)
                        memcpy(dst + lo, src + lo + off, (size_t)(hi - lo) * sizeof *dst);
                    else
                        copy_strided(dst + lo, src + lo * p->sw + off, hi - lo, p->sw);
                    if (hi < p->Wo) memset(dst + hi, 0, (size_t)(p->Wo - hi) * sizeof *dst);
                }
            }
        }
    }
}

/* Tiny output planes (network heads): gather each output position's patch once into a
 * contiguous column (scratch), then every output channel is one vectorised dot product. */
static void conv_direct_small(const conv_params *p, const float *x, const float *w, float *y,
                              float *cols) {
    int64_t Cg = p->C / p->group, Mg = p->M / p->group, K = Cg * p->kh * p->kw;
    int64_t plane = p->Ho * p->Wo;
    for (int64_t g = 0; g < p->group; g++) {
        const float *xg = x + g * Cg * p->H * p->W;
        for (int64_t oy = 0; oy < p->Ho; oy++)
            for (int64_t ox = 0; ox < p->Wo; ox++) {
                float *col = cols + (oy * p->Wo + ox) * K;
                for (int64_t c = 0; c < Cg; c++)
                    for (int64_t ky = 0; ky < p->kh; ky++) {
                        int64_t iy = oy * p->sh - p->pt + ky * p->dh;
                        for (int64_t kx = 0; kx < p->kw; kx++) {
                            int64_t ix = ox * p->sw - p->pl + kx * p->dw;
                            bool in = iy >= 0 && iy < p->H && ix >= 0 && ix < p->W;
                            *col++ = in ? xg[(c * p->H + iy) * p->W + ix] : 0.0f;
                        }
                    }
            }
        for (int64_t m = g * Mg; m < (g + 1) * Mg; m++)
            for (int64_t pos = 0; pos < plane; pos++)
                y[m * plane + pos] = nn_dot(w + m * K, cols + pos * K, K);
    }
}

/* Output rows per im2col tile: keep a tile near 64K floats (256 KiB, cache-resident). */
static int64_t im2col_tile_rows(const conv_params *p) {
    int64_t K = p->C / p->group * p->kh * p->kw;
    int64_t rows = 65536 / (K * p->Wo > 0 ? K * p->Wo : 1);
    return rows < 1 ? 1 : (rows > p->Ho ? p->Ho : rows);
}

size_t k_conv_scratch(const conv_params *p) {
    bool depthwise = p->group == p->C && p->group == p->M;
    bool pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && !p->pt && !p->pl &&
                     p->Ho == p->H && p->Wo == p->W;
    if (depthwise) {
        if (is_global(p) || !is_dw3x3(p)) return 0;
        int64_t Hp = p->H + p->pt + p->pb, Wp = p->W + p->pl + p->pr;
        return (size_t)(Hp * Wp + p->Ho * Wp + 16);
    }
    if (pointwise) return 0;
    if (p->Ho * p->Wo <= 16) return (size_t)(p->C / p->group * p->kh * p->kw * p->Ho * p->Wo);
    return (size_t)(p->C / p->group * p->kh * p->kw * im2col_tile_rows(p) * p->Wo);
}

void k_conv(const conv_params *p, const float *x, const float *w, const float *bias, float *y,
            float *scratch) {
    int64_t g = p->group, Cg = p->C / g, Mg = p->M / g, plane = p->Ho * p->Wo;
    int64_t K = Cg * p->kh * p->kw;
    bool depthwise = g == p->C && g == p->M;
    bool pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 &&
                     p->pl == 0 && p->Ho == p->H && p->Wo == p->W;
    for (int64_t n = 0; n < p->N; n++) {
        const float *xn = x + n * p->C * p->H * p->W;
        float *yn = y + n * p->M * plane;
        if (depthwise) {
            conv_depthwise(p, xn, w, bias, yn, scratch);
        } else if (!pointwise && plane <= 16) {
            conv_direct_small(p, xn, w, yn, scratch);
            finish_tile(p, bias, yn, 0, p->M, 0, plane);
        } else {
            for (int64_t gi = 0; gi < g; gi++) {
                const float *xg = xn + gi * Cg * p->H * p->W;
                float *yg = yn + gi * Mg * plane;
                if (pointwise) {
                    const int64_t chunk = 4096;
                    for (int64_t c0 = 0; c0 < plane; c0 += chunk) {
                        int64_t cols = c0 + chunk < plane ? chunk : plane - c0;
                        nn_gemm(0, 0, (int)Mg, (int)cols, (int)K, 1.0f, w + gi * Mg * K, (int)K,
                                xg + c0, (int)plane, 0.0f, yg + c0, (int)plane);
                        finish_tile(p, bias, yn, gi * Mg, (gi + 1) * Mg, c0, cols);
                    }
                    continue;
                }
                int64_t tile = im2col_tile_rows(p);
                for (int64_t oy0 = 0; oy0 < p->Ho; oy0 += tile) {
                    int64_t oy1 = oy0 + tile < p->Ho ? oy0 + tile : p->Ho;
                    int64_t cols = (oy1 - oy0) * p->Wo;
                    im2col(p, xg, Cg, oy0, oy1, scratch);
                    nn_gemm(0, 0, (int)Mg, (int)cols, (int)K, 1.0f, w + gi * Mg * K, (int)K,
                            scratch, (int)cols, 0.0f, yg + oy0 * p->Wo, (int)plane);
                    finish_tile(p, bias, yn, gi * Mg, (gi + 1) * Mg, oy0 * p->Wo, cols);
                }
            }
        }
    }
}
