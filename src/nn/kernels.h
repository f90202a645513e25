/* Operator kernels on dense row-major tensors. No allocation; scratch is provided by the caller.
 * Hot loops are compiled twice (AVX2+FMA and baseline) and chosen at run time by the loader. */
#ifndef EKYCD_NN_KERNELS_H
#define EKYCD_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "nn/graph.h"

#if defined(__x86_64__) && !defined(__clang__)
#define NN_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif

/* Row-major C = alpha * op(A) op(B) + beta * C, through oneDNN's sgemm (chosen over OpenBLAS by
 * measurement: docs/performance.md). Safe from any thread: it sets the thread's OpenMP team to
 * what nn_run uses (nn_set_threads, capped by OMP_THREAD_LIMIT). */
void nn_gemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
             int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc);

typedef struct conv_params {
    int64_t N, C, H, W; /* input */
    int64_t M, Ho, Wo;  /* output channels and size */
    int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    int64_t group;
    nn_act act;
    const float *slope; /* PRelu slope: 1 or M values */
    size_t slope_n;
} conv_params;

void k_conv(const conv_params *p, const float *x, const float *w, const float *bias, float *y,
            float *scratch);
/* Fills the parameters of a Conv node (ptrs may be NULL at load time; run.c). */
void nn_conv_params(const nn_model *m, const nn_node *n, const void *const *ptrs, conv_params *out);
/* Floats of scratch k_conv needs for these parameters. */
size_t k_conv_scratch(const conv_params *p);

/* Dot product with 16 independent partial sums (vectorises without reassociating). */
float nn_dot(const float *a, const float *b, int64_t n);

void k_unary(nn_op op, const float *x, float *y, size_t n);
/* y = a (op) b with numpy broadcasting; op is ADD, SUB, MUL, DIV or PRELU (b = slope). */
void k_binary(nn_op op, const float *a, const nn_dims *da, const float *b, const nn_dims *db,
              float *y, const nn_dims *dy);
void k_batchnorm(const float *x, const nn_dims *d, const float *gamma, const float *beta,
                 const float *mean, const float *var, float eps, float *y);
void k_matmul(const float *a, const nn_dims *da, const float *b, const nn_dims *db, float *y);
void k_gemm(const float *a, const float *b, const float *c, const nn_dims *dc, float *y, int64_t M,
            int64_t N, int64_t K, int ta, int tb, float alpha, float beta);
void k_pool(nn_op op, const float *x, const nn_dims *dx, float *y, const nn_dims *dy,
            const int64_t k[2], const int64_t s[2], const int64_t pad[4], int count_include_pad);
void k_global_avgpool(const float *x, const nn_dims *dx, float *y);
void k_softmax(const float *x, const nn_dims *d, int axis, float *y);
void k_reduce_mean(const float *x, const nn_dims *dx, const int64_t *axes, int naxes, float *y);
void k_pad(const float *x, const nn_dims *dx, float *y, const nn_dims *dy, const int64_t *pads,
           nn_pad_mode mode, float value);

/* data movement, for any element size (float32 or int64) */
void k_transpose(size_t esize, const void *x, const nn_dims *dx, const int64_t *perm, void *y);
void k_concat(size_t esize, const void *const *xs, const nn_dims *const *dxs, int n, int axis,
              void *y);
void k_split(size_t esize, const void *x, const nn_dims *dx, int axis, const int64_t *sizes, int n,
             void *const *ys);
void k_slice(size_t esize, const void *x, const nn_dims *dx, const int64_t *starts,
             const int64_t *axes, int naxes, void *y, const nn_dims *dy);
void k_gather(size_t esize, const void *x, const nn_dims *dx, const int64_t *idx, size_t nidx,
              int axis, void *y);

#endif
