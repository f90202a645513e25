/* Element-wise, normalisation, pooling, reduction and dense (BLAS) kernels. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "nn/kernels.h"

NN_HOT void k_unary(nn_op op, const float *restrict x, float *restrict y, size_t n) {
    switch (op) {
    case OP_RELU:
        for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case OP_SIGMOID:
        for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case OP_TANH:
        for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
        break;
    default: /* OP_EXP */
        for (size_t i = 0; i < n; i++) y[i] = expf(x[i]);
        break;
    }
}

/* One run of the innermost broadcast loop: sa/sb are 0 (broadcast) or 1. */
NN_HOT static void binary_run(nn_op op, const float *restrict a, int64_t sa,
                              const float *restrict b, int64_t sb, float *restrict y, int64_t n) {
#define RUN(EXPR)                                                                                  \
    if (sa && sb) {                                                                                \
        for (int64_t i = 0; i < n; i++) {                                                          \
            float A = a[i], B = b[i];                                                              \
            y[i] = (EXPR);                                                                         \
        }                                                                                          \
    } else if (sa) {                                                                               \
        const float B = b[0];                                                                      \
        for (int64_t i = 0; i < n; i++) {                                                          \
            float A = a[i];                                                                        \
            y[i] = (EXPR);                                                                         \
        }                                                                                          \
    } else if (sb) {                                                                               \
        const float A = a[0];                                                                      \
        for (int64_t i = 0; i < n; i++) {                                                          \
            float B = b[i];                                                                        \
            y[i] = (EXPR);                                                                         \
        }                                                                                          \
    } else {                                                                                       \
        const float A = a[0], B = b[0];                                                            \
        for (int64_t i = 0; i < n; i++) y[i] = (EXPR);                                             \
    }
    switch (op) {
    case OP_ADD:
        RUN(A + B);
        break;
    case OP_SUB:
        RUN(A - B);
        break;
    case OP_MUL:
        RUN(A * B);
        break;
    case OP_DIV:
        RUN(A / B);
        break;
    default:
        RUN(A < 0.0f ? A * B : A);
        break; /* PRelu */
    }
#undef RUN
}

void k_binary(nn_op op, const float *a, const nn_dims *da, const float *b, const nn_dims *db,
              float *y, const nn_dims *dy) {
    /* Right-align both inputs to the output rank; strides are 0 on broadcast dims. Adjacent dims
     * whose broadcast pattern agrees are merged so the inner loop is as long as possible. */
    int r = dy->rank;
    int64_t dim[NN_MAX_RANK], sa[NN_MAX_RANK], sb[NN_MAX_RANK];
    int64_t acc_a = 1, acc_b = 1;
    for (int i = r - 1; i >= 0; i--) {
        int ia = i - (r - da->rank), ib = i - (r - db->rank);
        int64_t na = ia >= 0 ? da->dim[ia] : 1, nb = ib >= 0 ? db->dim[ib] : 1;
        dim[i] = dy->dim[i];
        sa[i] = na == 1 ? 0 : acc_a;
        sb[i] = nb == 1 ? 0 : acc_b;
        acc_a *= na;
        acc_b *= nb;
    }
    int64_t md[NN_MAX_RANK], ma[NN_MAX_RANK], mb[NN_MAX_RANK];
    int mr = 0;
    for (int i = 0; i < r; i++) {
        if (dim[i] == 1) continue;
        if (mr > 0 && ma[mr - 1] == sa[i] * dim[i] && mb[mr - 1] == sb[i] * dim[i]) {
            md[mr - 1] *= dim[i];
            ma[mr - 1] = sa[i];
            mb[mr - 1] = sb[i];
        } else {
            md[mr] = dim[i];
            ma[mr] = sa[i];
            mb[mr] = sb[i];
            mr++;
        }
    }
    if (mr == 0) {
        binary_run(op, a, 0, b, 0, y, 1);
        return;
    }
    int64_t inner = md[mr - 1], ia = ma[mr - 1] ? 1 : 0, ib = mb[mr - 1] ? 1 : 0;
    int64_t outer = 1;
    for (int i = 0; i < mr - 1; i++) outer *= md[i];
    int64_t idx[NN_MAX_RANK] = {0};
    int64_t oa = 0, ob = 0;
    for (int64_t o = 0; o < outer; o++) {
        binary_run(op, a + oa, ia, b + ob, ib, y + o * inner, inner);
        for (int d = mr - 2; d >= 0; d--) { /* odometer over the outer dims */
            idx[d]++;
            oa += ma[d];
            ob += mb[d];
            if (idx[d] < md[d]) break;
            oa -= ma[d] * md[d];
            ob -= mb[d] * md[d];
            idx[d] = 0;
        }
    }
}

void k_batchnorm(const float *x, const nn_dims *d, const float *gamma, const float *beta,
                 const float *mean, const float *var, float eps, float *y) {
    int64_t N = d->dim[0], C = d->dim[1], inner = 1;
    for (int i = 2; i < d->rank; i++) inner *= d->dim[i];
    for (int64_t n = 0; n < N; n++) {
        for (int64_t c = 0; c < C; c++) {
            float s = gamma[c] / sqrtf(var[c] + eps), t = beta[c] - mean[c] * s;
            const float *xc = x + (n * C + c) * inner;
            float *yc = y + (n * C + c) * inner;
            for (int64_t i = 0; i < inner; i++) yc[i] = xc[i] * s + t;
        }
    }
}

/* 16 independent partial sums, so the loop vectorises without reassociating float adds. */
NN_HOT float nn_dot(const float *a, const float *b, int64_t n) {
    float lane[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) lane[l] += a[i + l] * b[i + l];
    float acc = 0.0f;
    for (; i < n; i++) acc += a[i] * b[i];
    for (int l = 0; l < 16; l++) acc += lane[l];
    return acc;
}

/* y[N] = alpha * (a[K] x B[K, N]) + beta * y */
NN_HOT static void row_times_matrix(const float *a, const float *b, float *restrict y, int64_t K,
                                    int64_t N, float alpha, float beta) {
    for (int64_t j = 0; j < N; j++) y[j] = beta != 0.0f ? beta * y[j] : 0.0f;
    for (int64_t k = 0; k < K; k++) {
        const float av = alpha * a[k], *brow = b + k * N;
        for (int64_t j = 0; j < N; j++) y[j] += av * brow[j];
    }
}

void k_matmul(const float *a, const nn_dims *da, const float *b, const nn_dims *db, float *y) {
    int64_t K = db->dim[0], N = db->dim[1], rows = (int64_t)(dims_count(da) / (size_t)K);
    if (rows == 1) { /* y = B^T a */
        row_times_matrix(a, b, y, K, N, 1.0f, 0.0f);
        return;
    }
    nn_gemm(0, 0, (int)rows, (int)N, (int)K, 1.0f, a, (int)K, b, (int)N, 0.0f, y, (int)N);
}

void k_gemm(const float *a, const float *b, const float *c, const nn_dims *dc, float *y, int64_t M,
            int64_t N, int64_t K, int ta, int tb, float alpha, float beta) {
    float beta_blas = 0.0f;
    if (c && beta != 0.0f) {
        nn_dims dy = {2, {M, N}};
        float one = 1.0f;
        nn_dims d1 = {0, {0}};
        /* y = beta * broadcast(C) */
        k_binary(OP_MUL, c, dc, &one, &d1, y, &dy);
        if (beta != 1.0f) {
            for (int64_t i = 0; i < M * N; i++) y[i] *= beta;
        }
        beta_blas = 1.0f;
    }
    if (M == 1 && !ta) { /* one row: BLAS call overhead dwarfs the work */
        if (tb) {
            for (int64_t j = 0; j < N; j++)
                y[j] = alpha * nn_dot(a, b + j * K, K) + beta_blas * y[j];
        } else {
            row_times_matrix(a, b, y, K, N, alpha, beta_blas);
        }
        return;
    }
    nn_gemm(ta, tb, (int)M, (int)N, (int)K, alpha, a, ta ? (int)M : (int)K, b, tb ? (int)K : (int)N,
            beta_blas, y, (int)N);
}

/* One pooling window with bounds checks (borders, and average pooling). */
static float pool_point(nn_op op, const float *xp, int64_t H, int64_t W, int64_t y0, int64_t x0,
                        const int64_t k[2], const int64_t pad[4], int count_include_pad) {
    int64_t y1 = y0 + k[0], x1 = x0 + k[1];
    int64_t cy0 = y0 < 0 ? 0 : y0, cy1 = y1 > H ? H : y1;
    int64_t cx0 = x0 < 0 ? 0 : x0, cx1 = x1 > W ? W : x1;
    float acc = op == OP_MAXPOOL ? -FLT_MAX : 0.0f;
    for (int64_t iy = cy0; iy < cy1; iy++) {
        for (int64_t ix = cx0; ix < cx1; ix++) {
            float v = xp[iy * W + ix];
            if (op == OP_MAXPOOL)
                acc = v > acc ? v : acc;
            else
                acc += v;
        }
    }
    if (op == OP_AVGPOOL) {
        int64_t count;
        if (count_include_pad) {
            int64_t ey1 = y1 > H + pad[2] ? H + pad[2] : y1;
            int64_t ex1 = x1 > W + pad[3] ? W + pad[3] : x1;
            count = (ey1 - y0) * (ex1 - x0);
        } else {
            count = (cy1 - cy0) * (cx1 - cx0);
        }
        acc = count > 0 ? acc / (float)count : 0.0f;
    }
    return acc;
}

NN_HOT static void max_into(float *restrict acc, const float *restrict row, int64_t n) {
    for (int64_t i = 0; i < n; i++) acc[i] = row[i] > acc[i] ? row[i] : acc[i];
}

/* Max pooling of one plane: per output row, the vertical max of its valid input rows
 * (contiguous, vectorised) into `col`, then the horizontal max over each window. */
static void maxpool_plane(const float *xp, float *yp, int64_t H, int64_t W, int64_t Ho, int64_t Wo,
                          const int64_t k[2], const int64_t s[2], const int64_t pad[4],
                          float *col) {
    for (int64_t oy = 0; oy < Ho; oy++) {
        int64_t y0 = oy * s[0] - pad[0];
        int64_t cy0 = y0 < 0 ? 0 : y0, cy1 = y0 + k[0] > H ? H : y0 + k[0];
        for (int64_t i = 0; i < W; i++) col[i] = -FLT_MAX;
        for (int64_t iy = cy0; iy < cy1; iy++) max_into(col, xp + iy * W, W);
        float *out = yp + oy * Wo;
        for (int64_t ox = 0; ox < Wo; ox++) {
            int64_t x0 = ox * s[1] - pad[1];
            int64_t cx0 = x0 < 0 ? 0 : x0, cx1 = x0 + k[1] > W ? W : x0 + k[1];
            float m = -FLT_MAX;
            for (int64_t ix = cx0; ix < cx1; ix++) m = col[ix] > m ? col[ix] : m;
            out[ox] = m;
        }
    }
}

void k_pool(nn_op op, const float *x, const nn_dims *dx, float *y, const nn_dims *dy,
            const int64_t k[2], const int64_t s[2], const int64_t pad[4], int count_include_pad) {
    int64_t NC = dx->dim[0] * dx->dim[1], H = dx->dim[2], W = dx->dim[3];
    int64_t Ho = dy->dim[2], Wo = dy->dim[3];
    for (int64_t nc = 0; nc < NC; nc++) {
        const float *xp = x + nc * H * W;
        float *yp = y + nc * Ho * Wo;
        if (op == OP_MAXPOOL && W <= 4096) {
            float col[4096];
            maxpool_plane(xp, yp, H, W, Ho, Wo, k, s, pad, col);
            continue;
        }
        for (int64_t oy = 0; oy < Ho; oy++)
            for (int64_t ox = 0; ox < Wo; ox++)
                yp[oy * Wo + ox] = pool_point(op, xp, H, W, oy * s[0] - pad[0], ox * s[1] - pad[1],
                                              k, pad, count_include_pad);
    }
}

void k_global_avgpool(const float *x, const nn_dims *dx, float *y) {
    int64_t NC = dx->dim[0] * dx->dim[1], HW = dx->dim[2] * dx->dim[3];
    for (int64_t i = 0; i < NC; i++) {
        double acc = 0.0;
        for (int64_t j = 0; j < HW; j++) acc += x[i * HW + j];
        y[i] = (float)(acc / (double)HW);
    }
}

/* Opset <= 12 semantics: the input is seen as 2-D [prod(dims < axis), prod(dims >= axis)]. */
void k_softmax(const float *x, const nn_dims *d, int axis, float *y) {
    int64_t rows = 1, cols = 1;
    for (int i = 0; i < d->rank; i++) {
        if (i < axis)
            rows *= d->dim[i];
        else
            cols *= d->dim[i];
    }
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols, mx = -FLT_MAX, sum = 0.0f;
        for (int64_t c = 0; c < cols; c++) mx = xr[c] > mx ? xr[c] : mx;
        for (int64_t c = 0; c < cols; c++) sum += (yr[c] = expf(xr[c] - mx));
        for (int64_t c = 0; c < cols; c++) yr[c] /= sum;
    }
}

void k_reduce_mean(const float *x, const nn_dims *dx, const int64_t *axes, int naxes, float *y) {
    int r = dx->rank, reduced = 0;
    for (int i = 0; i < naxes; i++) reduced |= 1 << axes[i];
    int64_t ostride[NN_MAX_RANK], acc = 1, group = 1;
    for (int i = r - 1; i >= 0; i--) { /* output strides; 0 on reduced axes */
        if (reduced & (1 << i)) {
            ostride[i] = 0;
            group *= dx->dim[i];
        } else {
            ostride[i] = acc;
            acc *= dx->dim[i];
        }
    }
    memset(y, 0, (size_t)acc * sizeof *y);
    size_t total = dims_count(dx);
    int64_t idx[NN_MAX_RANK] = {0}, o = 0;
    for (size_t i = 0; i < total; i++) {
        y[o] += x[i];
        for (int d = r - 1; d >= 0; d--) {
            idx[d]++;
            o += ostride[d];
            if (idx[d] < dx->dim[d]) break;
            o -= ostride[d] * dx->dim[d];
            idx[d] = 0;
        }
    }
    for (int64_t i = 0; i < acc; i++) y[i] /= (float)group;
}

static int64_t pad_source(int64_t i, int64_t n, nn_pad_mode mode) {
    if (i >= 0 && i < n) return i;
    if (mode == PAD_EDGE) return i < 0 ? 0 : n - 1;
    if (mode == PAD_REFLECT) { /* pads < n checked at load */
        if (n == 1) return 0;
        return i < 0 ? -i : 2 * (n - 1) - i;
    }
    return -1;
}

void k_pad(const float *x, const nn_dims *dx, float *y, const nn_dims *dy, const int64_t *pads,
           nn_pad_mode mode, float value) {
    int r = dx->rank;
    int64_t xstride[NN_MAX_RANK], acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        xstride[i] = acc;
        acc *= dx->dim[i];
    }
    size_t total = dims_count(dy);
    int64_t idx[NN_MAX_RANK] = {0};
    for (size_t o = 0; o < total; o++) {
        int64_t src = 0;
        for (int d = 0; d < r && src >= 0; d++) {
            int64_t s = pad_source(idx[d] - pads[d], dx->dim[d], mode);
            src = s < 0 ? -1 : src + s * xstride[d];
        }
        y[o] = src < 0 ? value : x[src];
        for (int d = r - 1; d >= 0; d--) {
            if (++idx[d] < dy->dim[d]) break;
            idx[d] = 0;
        }
    }
}
