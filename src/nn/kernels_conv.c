/* Convolution: depthwise directly, everything else as GEMM (OpenBLAS) over the input itself
 * (1x1, stride 1, no padding) or over an im2col copy in scratch; bias and the fused activation
 * are applied in one pass afterwards. */
#include <cblas.h>
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
    } else if (b != 0.0f) {
        for (size_t i = 0; i < hw; i++) y[i] += b;
    }
}

NN_HOT static void axpy_row(float *restrict o, const float *restrict in, float w, int64_t n) {
    for (int64_t i = 0; i < n; i++) o[i] += w * in[i];
}

NN_HOT static void axpy_row_strided(float *restrict o, const float *restrict in, float w, int64_t n,
                                    int64_t s) {
    for (int64_t i = 0; i < n; i++) o[i] += w * in[i * s];
}

static void conv_depthwise(const conv_params *p, const float *x, const float *w, float *y) {
    for (int64_t c = 0; c < p->C; c++) {
        const float *xc = x + c * p->H * p->W, *wc = w + c * p->kh * p->kw;
        float *yc = y + c * p->Ho * p->Wo;
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
}

/* Columns for channels [0, Cg) of x: rows (c, ky, kx), columns (oy, ox). */
static void im2col(const conv_params *p, const float *x, int64_t Cg, float *col) {
    int64_t plane = p->Ho * p->Wo;
    for (int64_t c = 0; c < Cg; c++) {
        const float *xc = x + c * p->H * p->W;
        for (int64_t ky = 0; ky < p->kh; ky++) {
            for (int64_t kx = 0; kx < p->kw; kx++) {
                float *row = col + ((c * p->kh + ky) * p->kw + kx) * plane;
                int64_t off = kx * p->dw - p->pl, lo, hi;
                valid_range(off, p->sw, p->W, p->Wo, &lo, &hi);
                for (int64_t oy = 0; oy < p->Ho; oy++) {
                    float *dst = row + oy * p->Wo;
                    int64_t iy = oy * p->sh - p->pt + ky * p->dh;
                    if (iy < 0 || iy >= p->H) {
                        memset(dst, 0, (size_t)p->Wo * sizeof *dst);
                        continue;
                    }
                    const float *src = xc + iy * p->W;
                    if (lo > 0) memset(dst, 0, (size_t)lo * sizeof *dst);
                    if (p->sw == 1) {
                        memcpy(dst + lo, src + lo + off, (size_t)(hi - lo) * sizeof *dst);
                    } else {
                        for (int64_t ox = lo; ox < hi; ox++) dst[ox] = src[ox * p->sw + off];
                    }
                    if (hi < p->Wo) memset(dst + hi, 0, (size_t)(p->Wo - hi) * sizeof *dst);
                }
            }
        }
    }
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
            conv_depthwise(p, xn, w, yn);
        } else {
            for (int64_t gi = 0; gi < g; gi++) {
                const float *xg = xn + gi * Cg * p->H * p->W;
                const float *cols = xg;
                if (!pointwise) {
                    im2col(p, xg, Cg, scratch);
                    cols = scratch;
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Mg, (int)plane, (int)K,
                            1.0f, w + gi * Mg * K, (int)K, cols, (int)plane, 0.0f,
                            yn + gi * Mg * plane, (int)plane);
            }
        }
        for (int64_t m = 0; m < p->M; m++) {
            float slope = p->slope ? p->slope[p->slope_n == 1 ? 0 : m] : 0.0f;
            epilogue(yn + m * plane, (size_t)plane, bias ? bias[m] : 0.0f, p->act, slope);
        }
    }
}
