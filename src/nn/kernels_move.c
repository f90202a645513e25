/* Data movement for float32 and int64 tensors: transpose, concat, split, slice, gather. */
#include <string.h>

#include "nn/kernels.h"

static void strides_of(const nn_dims *d, int64_t *s) {
    int64_t acc = 1;
    for (int i = d->rank - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= d->dim[i];
    }
}

void k_transpose(size_t esize, const void *x, const nn_dims *dx, const int64_t *perm, void *y) {
    int r = dx->rank;
    int64_t xs[NN_MAX_RANK], src_stride[NN_MAX_RANK], odim[NN_MAX_RANK];
    strides_of(dx, xs);
    for (int i = 0; i < r; i++) {
        odim[i] = dx->dim[perm[i]];
        src_stride[i] = xs[perm[i]];
    }
    /* Trailing output dims that are also trailing, in order, in the input form one contiguous
     * run (e.g. H, W in a channel shuffle): copy runs, not elements. */
    int outer_rank = r;
    size_t run = 1;
    while (outer_rank > 0 && perm[outer_rank - 1] == outer_rank - 1 &&
           src_stride[outer_rank - 1] == (int64_t)run) {
        run *= (size_t)odim[outer_rank - 1];
        outer_rank--;
    }
    size_t total = dims_count(dx), bytes = run * esize;
    int64_t idx[NN_MAX_RANK] = {0}, src = 0;
    const unsigned char *xb = x;
    unsigned char *yb = y;
    for (size_t o = 0; o < total; o += run) {
        memcpy(yb + o * esize, xb + (size_t)src * esize, bytes);
        for (int d = outer_rank - 1; d >= 0; d--) {
            idx[d]++;
            src += src_stride[d];
            if (idx[d] < odim[d]) break;
            src -= src_stride[d] * odim[d];
            idx[d] = 0;
        }
    }
}

static void outer_inner(const nn_dims *d, int axis, int64_t *outer, int64_t *inner) {
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++) *outer *= d->dim[i];
    for (int i = axis + 1; i < d->rank; i++) *inner *= d->dim[i];
}

void k_concat(size_t esize, const void *const *xs, const nn_dims *const *dxs, int n, int axis,
              void *y) {
    int64_t outer, inner;
    outer_inner(dxs[0], axis, &outer, &inner);
    unsigned char *dst = y;
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < n; i++) {
            size_t chunk = (size_t)(dxs[i]->dim[axis] * inner) * esize;
            memcpy(dst, (const unsigned char *)xs[i] + (size_t)o * chunk, chunk);
            dst += chunk;
        }
    }
}

void k_split(size_t esize, const void *x, const nn_dims *dx, int axis, const int64_t *sizes, int n,
             void *const *ys) {
    int64_t outer, inner;
    outer_inner(dx, axis, &outer, &inner);
    const unsigned char *src = x;
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < n; i++) {
            size_t chunk = (size_t)(sizes[i] * inner) * esize;
            if (ys[i]) memcpy((unsigned char *)ys[i] + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
    }
}

void k_slice(size_t esize, const void *x, const nn_dims *dx, const int64_t *starts,
             const int64_t *axes, int naxes, void *y, const nn_dims *dy) {
    int r = dx->rank;
    int64_t xs[NN_MAX_RANK], start[NN_MAX_RANK] = {0};
    strides_of(dx, xs);
    for (int i = 0; i < naxes; i++) start[axes[i]] = starts[i];
    size_t total = dims_count(dy);
    if (total == 0) return;
    int64_t inner = dy->dim[r - 1];
    int64_t idx[NN_MAX_RANK] = {0};
    const unsigned char *xb = x;
    unsigned char *yb = y;
    for (size_t o = 0; o < total; o += (size_t)inner) {
        int64_t src = 0;
        for (int d = 0; d < r; d++) src += (idx[d] + start[d]) * xs[d];
        memcpy(yb + o * esize, xb + (size_t)src * esize, (size_t)inner * esize);
        for (int d = r - 2; d >= 0; d--) {
            if (++idx[d] < dy->dim[d]) break;
            idx[d] = 0;
        }
    }
}

void k_gather(size_t esize, const void *x, const nn_dims *dx, const int64_t *idx, size_t nidx,
              int axis, void *y) {
    int64_t outer, inner, n = dx->dim[axis];
    outer_inner(dx, axis, &outer, &inner);
    size_t chunk = (size_t)inner * esize;
    unsigned char *dst = y;
    for (int64_t o = 0; o < outer; o++) {
        for (size_t k = 0; k < nidx; k++) {
            int64_t i = idx[k] < 0 ? idx[k] + n : idx[k];
            memcpy(dst, (const unsigned char *)x + (size_t)(o * n + i) * chunk, chunk);
            dst += chunk;
        }
    }
}
