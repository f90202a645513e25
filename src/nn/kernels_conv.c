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

/* y[i] = act(src[i] + b); y may be src. */
static inline void activate(float *y, const float *src, size_t hw, float b, nn_act act,
                            float slope) {
    if (act == ACT_RELU) {
        for (size_t i = 0; i < hw; i++) {
            float v = src[i] + b;
            y[i] = v > 0.0f ? v : 0.0f;
        }
    } else if (act == ACT_PRELU) {
        for (size_t i = 0; i < hw; i++) {
            float v = src[i] + b;
            y[i] = v > 0.0f ? v : v * slope;
        }
    } else if (act == ACT_SIGMOID) {
        for (size_t i = 0; i < hw; i++) y[i] = 1.0f / (1.0f + expf(-(src[i] + b)));
    } else {
        for (size_t i = 0; i < hw; i++) y[i] = src[i] + b;
    }
}

NN_HOT static void epilogue(float *y, size_t hw, float b, nn_act act, float slope) {
    if (act == ACT_NONE && b == 0.0f) return;
    activate(y, y, hw, b, act, slope);
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

/* Stride 2 gets its own loop: with a constant stride the compiler uses shuffles of contiguous
 * loads, while a variable stride becomes a gather (slow on AMD). */
NN_HOT static void copy_stride2(float *restrict dst, const float *restrict src, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = src[2 * i];
}

NN_HOT static void copy_strided(float *restrict dst, const float *restrict src, int64_t n,
                                int64_t s) {
    if (s == 2) {
        copy_stride2(dst, src, n);
        return;
    }
    for (int64_t i = 0; i < n; i++) dst[i] = src[i * s];
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
static inline void dw3x3_s1(float *restrict o, const float *r0, const float *r1, const float *r2,
                            const float *w, int64_t n, int64_t d) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
                w7 = w[7], w8 = w[8];
    for (int64_t i = 0; i < n; i++)
        o[i] = w0 * r0[i] + w1 * r0[i + d] + w2 * r0[i + 2 * d] + w3 * r1[i] + w4 * r1[i + d] +
               w5 * r1[i + 2 * d] + w6 * r2[i] + w7 * r2[i + d] + w8 * r2[i + 2 * d];
}

static inline void dw3x3_s2(float *restrict o, const float *r0, const float *r1, const float *r2,
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

/* Stride-2 3x3 depthwise by phase split, for large planes: the zero-padded input is cut into
 * four planes by row and column parity, each (Ho+1) x Wq with Wq = Wo + 1; output j = oy*Wq + ox
 * then reads tap (ky, kx) at plane[ky&1][kx&1][j + (ky>>1)*Wq + (kx>>1)]: contiguous loads
 * instead of a stride-2 gather. Columns past Wo are computed and dropped. */
static inline void dw3x3_phases(float *restrict o, const float *ee, const float *eo,
                                const float *oe, const float *oo, const float *w, int64_t n,
                                int64_t wq) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
                w7 = w[7], w8 = w[8];
    for (int64_t i = 0; i < n; i++)
        o[i] = w0 * ee[i] + w1 * eo[i] + w2 * ee[i + 1] + w3 * oe[i] + w4 * oo[i] + w5 * oe[i + 1] +
               w6 * ee[i + wq] + w7 * eo[i + wq] + w8 * ee[i + wq + 1];
}

/* Floats in one phase plane of dw_3x3_phase_split (one spare for the dropped last column). */
static int64_t phase_plane(const conv_params *p) {
    return (p->Ho + 1) * (p->Wo + 1) + 1;
}

/* Phase split pays for itself only on wide planes; small ones keep the gather kernel. */
static bool use_phase_split(const conv_params *p) {
    return p->sw == 2 && p->dh == 1 && p->dw == 1 && p->Wo >= 32;
}

/* One column parity of an input row (`off` = parity - pl) into wq phase columns, zero where the
 * padded frame lies outside the input. */
static void split_row(const conv_params *p, const float *src, int64_t off, int64_t wq, float *dst) {
    int64_t lo, hi;
    valid_range(off, 2, p->W, wq, &lo, &hi);
    if (lo > 0) memset(dst, 0, (size_t)lo * sizeof *dst);
    copy_strided(dst + lo, src + lo * 2 + off, hi - lo, 2);
    if (hi < wq) memset(dst + hi, 0, (size_t)(wq - hi) * sizeof *dst);
}

NN_HOT static void dw_3x3_phase_split(const conv_params *p, const float *xc, const float *wc,
                                      float *yc, float b, float slope, float *buf) {
    int64_t wq = p->Wo + 1, hq = p->Ho + 1, plane = phase_plane(p);
    float *ph[4] = {buf, buf + plane, buf + 2 * plane, buf + 3 * plane};
    float *tmp = buf + 4 * plane;
    for (int64_t r = 0; r < 2; r++)
        for (int64_t qy = 0; qy < hq; qy++) {
            int64_t iy = 2 * qy + r - p->pt;
            float *even = ph[2 * r] + qy * wq, *odd = ph[2 * r + 1] + qy * wq;
            if (iy < 0 || iy >= p->H) {
                memset(even, 0, (size_t)wq * sizeof *even);
                memset(odd, 0, (size_t)wq * sizeof *odd);
                continue;
            }
            split_row(p, xc + iy * p->W, -p->pl, wq, even);
            split_row(p, xc + iy * p->W, 1 - p->pl, wq, odd);
        }
    for (int k = 0; k < 4; k++) ph[k][hq * wq] = 0.0f;
    int64_t n = (p->Ho - 1) * wq + p->Wo;
    dw3x3_phases(tmp, ph[0], ph[1], ph[2], ph[3], wc, n, wq);
    for (int64_t oy = 0; oy < p->Ho; oy++)
        activate(yc + oy * p->Wo, tmp + oy * wq, (size_t)p->Wo, b, p->act, slope);
}

/* Every output row of a large-plane 3x3 depthwise channel from its zero-padded copy, with bias
 * and activation applied to each row while it is in cache. */
NN_HOT static void dw3x3_rows(const conv_params *p, const float *pad, int64_t Wp, const float *wc,
                              float *yc, float b, float slope) {
    int64_t dh = p->dh, dw = p->dw;
    for (int64_t oy = 0; oy < p->Ho; oy++) {
        float *orow = yc + oy * p->Wo;
        const float *r0 = pad + oy * p->sh * Wp;
        if (p->sw == 1)
            dw3x3_s1(orow, r0, r0 + dh * Wp, r0 + 2 * dh * Wp, wc, p->Wo, dw);
        else
            dw3x3_s2(orow, r0, r0 + dh * Wp, r0 + 2 * dh * Wp, wc, p->Wo, dw);
        activate(orow, orow, (size_t)p->Wo, b, p->act, slope);
    }
}

/* One large-plane 3x3 depthwise channel, bias and activation included: undilated stride 2 by
 * phase split, the rest over a zero-padded copy of the channel in scratch (no border cases). */
static void dw_3x3(const conv_params *p, const float *xc, const float *wc, float *yc, float b,
                   float slope, float *buf) {
    if (use_phase_split(p)) {
        dw_3x3_phase_split(p, xc, wc, yc, b, slope, buf);
        return;
    }
    int64_t Hp = p->H + p->pt + p->pb, Wp = p->W + p->pl + p->pr;
    float *pad = buf;
    memset(pad, 0, (size_t)(p->pt * Wp) * sizeof *pad);
    for (int64_t y = 0; y < p->H; y++) {
        float *row = pad + (y + p->pt) * Wp;
        memset(row, 0, (size_t)p->pl * sizeof *row);
        memcpy(row + p->pl, xc + y * p->W, (size_t)p->W * sizeof *row);
        memset(row + p->pl + p->W, 0, (size_t)p->pr * sizeof *row);
    }
    memset(pad + (p->H + p->pt) * Wp, 0, (size_t)((Hp - p->H - p->pt) * Wp) * sizeof *pad);
    dw3x3_rows(p, pad, Wp, wc, yc, b, slope);
}

/* Small planes (the common case after the first layers): flattened kernel over the padded
 * plane when it fits, as in dw_3x3; these loops are short, so every channel's padding, taps and
 * activation run inside this one function (one dispatch per layer, not several per channel). */
static bool dw3x3_small(const conv_params *p) {
    int64_t Wp = p->W + p->pl + p->pr;
    return p->sw == 1 ? p->Wo * p->Ho <= 4096 : p->Ho * Wp <= 4096;
}

NN_HOT static void dw3x3_small_all(const conv_params *p, const float *x, const float *w,
                                   const float *bias, float *y, float *buf) {
    int64_t Hp = p->H + p->pt + p->pb, Wp = p->W + p->pl + p->pr, dh = p->dh, dw = p->dw;
    int64_t n = (p->Ho - 1) * Wp + p->Wo;
    float *pad = buf, *tmp = buf + Hp * Wp;
    for (int64_t i = 0; i < Hp * Wp; i++) pad[i] = 0.0f;
    for (int64_t c = 0; c < p->C; c++) {
        const float *xc = x + c * p->H * p->W;
        for (int64_t yy = 0; yy < p->H; yy++) {
            float *row = pad + (yy + p->pt) * Wp + p->pl;
            for (int64_t i = 0; i < p->W; i++) row[i] = xc[yy * p->W + i];
        }
        const float *wc = w + c * 9;
        if (p->sw == 1)
            dw3x3_s1(tmp, pad, pad + dh * Wp, pad + 2 * dh * Wp, wc, n, dw);
        else
            dw3x3_s2(tmp, pad, pad + dh * Wp, pad + 2 * dh * Wp, wc, n, dw);
        float b = bias ? bias[c] : 0.0f;
        float slope = p->slope ? p->slope[p->slope_n == 1 ? 0 : c] : 0.0f;
        float *yc = y + c * p->Ho * p->Wo;
        for (int64_t oy = 0; oy < p->Ho; oy++)
            activate(yc + oy * p->Wo, tmp + oy * Wp, (size_t)p->Wo, b, p->act, slope);
    }
}

static void conv_depthwise(const conv_params *p, const float *x, const float *w, const float *bias,
                           float *y, float *scratch) {
    bool k3 = is_dw3x3(p), global = is_global(p);
    if (k3 && !global && !use_phase_split(p) && dw3x3_small(p)) {
        dw3x3_small_all(p, x, w, bias, y, scratch);
        return;
    }
    for (int64_t c = 0; c < p->C; c++) {
        const float *xc = x + c * p->H * p->W, *wc = w + c * p->kh * p->kw;
        float *yc = y + c * p->Ho * p->Wo;
        if (k3 && !global) {
            float slope = p->slope ? p->slope[p->slope_n == 1 ? 0 : c] : 0.0f;
            dw_3x3(p, xc, wc, yc, bias ? bias[c] : 0.0f, slope, scratch);
            continue;
        }
        if (global)
            yc[0] = nn_dot(xc, wc, p->H * p->W);
        else
            dw_generic(p, xc, wc, yc);
        finish_tile(p, bias, y, c, c + 1, 0, p->Ho * p->Wo);
    }
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
        if (use_phase_split(p)) return (size_t)(5 * phase_plane(p));
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
