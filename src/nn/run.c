/* Execution: one pass over the live nodes in order, each reading and writing through the
 * per-run pointer table (arena offsets, constants, caller buffers). Nothing is allocated. */
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "nn/graph.h"
#include "nn/kernels.h"

static const nn_dims *D(const nn_model *m, int v) {
    return &m->values[v].dims;
}

void nn_conv_params(const nn_model *m, const nn_node *n, const void *const *ptrs,
                    conv_params *out) {
    const nn_dims *x = D(m, n->in[0]), *y = D(m, n->out[0]);
    conv_params p = {
        .N = x->dim[0],
        .C = x->dim[1],
        .H = x->dim[2],
        .W = x->dim[3],
        .M = y->dim[1],
        .Ho = y->dim[2],
        .Wo = y->dim[3],
        .kh = n->kernel[0],
        .kw = n->kernel[1],
        .sh = n->stride[0],
        .sw = n->stride[1],
        .dh = n->dilation[0],
        .dw = n->dilation[1],
        .pt = n->pad[0],
        .pl = n->pad[1],
        .pb = n->pad[2],
        .pr = n->pad[3],
        .group = n->group,
        .act = n->act,
        .slope = n->act_slope >= 0 && ptrs ? ptrs[n->act_slope] : NULL,
        .slope_n = n->act_slope >= 0 ? dims_count(D(m, n->act_slope)) : 0,
    };
    *out = p;
}

static void exec_conv(const nn_model *m, const nn_node *n, void **ptrs, float *scratch) {
    conv_params p;
    nn_conv_params(m, n, (const void *const *)ptrs, &p);
    const float *bias = n->nin > 2 && n->in[2] >= 0 ? ptrs[n->in[2]] : NULL;
    k_conv(&p, ptrs[n->in[0]], ptrs[n->in[1]], bias, ptrs[n->out[0]], scratch);
}

static void exec_gemm(const nn_model *m, const nn_node *n, void **ptrs) {
    const nn_dims *a = D(m, n->in[0]), *y = D(m, n->out[0]);
    int64_t K = n->trans_a ? a->dim[0] : a->dim[1];
    int c = n->nin > 2 ? n->in[2] : -1;
    k_gemm(ptrs[n->in[0]], ptrs[n->in[1]], c >= 0 ? ptrs[c] : NULL, c >= 0 ? D(m, c) : NULL,
           ptrs[n->out[0]], y->dim[0], y->dim[1], K, n->trans_a, n->trans_b, n->alpha, n->beta);
}

int nn_exec_node(const nn_model *m, const nn_node *n, void **ptrs, float *scratch) {
    int x = n->in[0] >= 0 ? n->in[0] : 0, y = n->out[0];
    size_t esize = dtype_size(m->values[y].dtype);
    switch (n->op) {
    case OP_CONV:
        if (!scratch && m->scratch_floats) return -1;
        exec_conv(m, n, ptrs, scratch);
        return 0;
    case OP_BATCHNORM:
        k_batchnorm(ptrs[x], D(m, x), ptrs[n->in[1]], ptrs[n->in[2]], ptrs[n->in[3]],
                    ptrs[n->in[4]], n->epsilon, ptrs[y]);
        return 0;
    case OP_RELU:
    case OP_SIGMOID:
    case OP_TANH:
    case OP_EXP:
        k_unary(n->op, ptrs[x], ptrs[y], dims_count(D(m, y)));
        return 0;
    case OP_PRELU:
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
        k_binary(n->op, ptrs[x], D(m, x), ptrs[n->in[1]], D(m, n->in[1]), ptrs[y], D(m, y));
        return 0;
    case OP_MATMUL:
        k_matmul(ptrs[x], D(m, x), ptrs[n->in[1]], D(m, n->in[1]), ptrs[y]);
        return 0;
    case OP_GEMM:
        exec_gemm(m, n, ptrs);
        return 0;
    case OP_MAXPOOL:
    case OP_AVGPOOL:
        k_pool(n->op, ptrs[x], D(m, x), ptrs[y], D(m, y), n->kernel, n->stride, n->pad,
               n->count_include_pad);
        return 0;
    case OP_GLOBALAVGPOOL:
        k_global_avgpool(ptrs[x], D(m, x), ptrs[y]);
        return 0;
    case OP_PAD:
        k_pad(ptrs[x], D(m, x), ptrs[y], D(m, y), n->ints, n->pad_mode, n->pad_value);
        return 0;
    case OP_CONCAT: {
        const void *xs[NN_MAX_IO];
        const nn_dims *dxs[NN_MAX_IO];
        for (int i = 0; i < n->nin; i++) {
            xs[i] = ptrs[n->in[i]];
            dxs[i] = D(m, n->in[i]);
        }
        k_concat(esize, xs, dxs, n->nin, (int)n->axis, ptrs[y]);
        return 0;
    }
    case OP_SPLIT: {
        void *ys[NN_MAX_IO];
        for (int i = 0; i < n->nout; i++) ys[i] = ptrs[n->out[i]];
        k_split(esize, ptrs[x], D(m, x), (int)n->axis, n->ints, n->nout, ys);
        return 0;
    }
    case OP_SLICE:
        k_slice(esize, ptrs[x], D(m, x), n->ints, n->ints3, n->nints, ptrs[y], D(m, y));
        return 0;
    case OP_RESHAPE:
    case OP_FLATTEN:
    case OP_UNSQUEEZE:
        if (ptrs[y] != ptrs[x]) memcpy(ptrs[y], ptrs[x], dims_count(D(m, y)) * esize);
        return 0;
    case OP_TRANSPOSE:
        k_transpose(esize, ptrs[x], D(m, x), n->ints, ptrs[y]);
        return 0;
    case OP_SOFTMAX:
        k_softmax(ptrs[x], D(m, x), (int)n->axis, ptrs[y]);
        return 0;
    case OP_REDUCEMEAN:
        k_reduce_mean(ptrs[x], D(m, x), n->ints, n->nints, ptrs[y]);
        return 0;
    case OP_GATHER:
        k_gather(esize, ptrs[x], D(m, x), ptrs[n->in[1]], dims_count(D(m, n->in[1])), (int)n->axis,
                 ptrs[y]);
        return 0;
    default:
        return -1; /* Shape and Constant are always folded at load */
    }
}

/* ---- public API ---- */

static _Atomic int intra_op_threads = 1;

void nn_set_threads(int threads) {
    intra_op_threads = threads > 0 ? threads : 1;
}

/* Sets the calling thread's OpenMP team size for oneDNN: the intra-op thread count, never more
 * than OMP_THREAD_LIMIT. oneDNN splits a product into omp_get_max_threads() parts and expects a
 * team that size; libgomp's default is one thread per core whatever the limit, and a team
 * capped by the limit leaves the other parts undone (measured: half of C never written with
 * OMP_THREAD_LIMIT=1 on 2 cores, which ekycd sets; util/openmp_env.h). */
static void gemm_team_size(void) {
    int want = intra_op_threads, limit = omp_get_thread_limit();
    if (limit > 0 && want > limit) want = limit;
    if (omp_get_max_threads() != want) omp_set_num_threads(want);
}

/* Tiny products: a library call costs more than the arithmetic. Row-major, no transposes. */
NN_HOT static void gemm_tiny(int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                             int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                             int64_t ldc) {
    for (int64_t m = 0; m < M; m++) {
        float *c = C + m * ldc;
        for (int64_t n = 0; n < N; n++) c[n] = beta != 0.0f ? beta * c[n] : 0.0f;
        for (int64_t k = 0; k < K; k++) {
            const float a = alpha * A[m * lda + k], *b = B + k * ldb;
            for (int64_t n = 0; n < N; n++) c[n] += a * b[n];
        }
    }
}

void nn_gemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
             int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    if (!trans_a && !trans_b && M * N * K <= 4096) {
        gemm_tiny(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    gemm_team_size();
    dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C,
               ldc);
}

nn_workspace *nn_workspace_create(const nn_model *m) {
    nn_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->model = m;
    size_t arena = (m->arena_bytes + 63) / 64 * 64;
    ws->arena = aligned_alloc(64, arena ? arena : 64);
    ws->scratch =
        m->scratch_floats ? aligned_alloc(64, (m->scratch_floats * 4 + 63) / 64 * 64) : NULL;
    ws->ptrs = calloc((size_t)m->nvalues, sizeof *ws->ptrs);
    if (!ws->arena || !ws->ptrs || (m->scratch_floats && !ws->scratch)) {
        nn_workspace_free(ws);
        return NULL;
    }
    for (int i = 0; i < m->nvalues; i++) {
        const nn_value *v = &m->values[i];
        if (v->kind == VAL_CONST)
            ws->ptrs[i] = v->data;
        else if (v->kind == VAL_TEMP)
            ws->ptrs[i] = ws->arena + v->offset;
    }
    return ws;
}

void nn_workspace_free(nn_workspace *ws) {
    if (!ws) return;
    free(ws->arena);
    free(ws->scratch);
    free(ws->ptrs);
    free(ws);
}

int nn_run(const nn_model *m, nn_workspace *ws, const float *const *inputs, float *const *outputs) {
    if (!ws || ws->model != m) return -1;
    gemm_team_size(); /* this thread's GEMMs: one thread unless asked */
#if defined(__x86_64__)
    /* flush denormals to zero on this thread: subnormal floats (< 1.2e-38) are noise in these
     * networks and cost up to 100x per operation */
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);
#endif
    for (int i = 0; i < m->ninputs; i++) ws->ptrs[m->inputs[i]] = (void *)inputs[i];
    /* outputs computed by a node are written straight into the caller's buffers */
    for (int i = 0; i < m->noutputs; i++) {
        const nn_value *v = &m->values[m->outputs[i]];
        if (v->kind == VAL_TEMP) ws->ptrs[m->outputs[i]] = outputs[i];
    }
    int rc = 0;
    static int profile = -1;
    if (profile < 0) profile = getenv("EKYCD_NN_PROFILE") != NULL;
    for (int i = 0; i < m->nnodes; i++) {
        const nn_node *n = &m->nodes[i];
        if (n->dead) continue;
        struct timespec t0, t1;
        if (profile) clock_gettime(CLOCK_MONOTONIC, &t0);
        if (nn_exec_node(m, n, ws->ptrs, ws->scratch) != 0) {
            rc = -1;
            break;
        }
        if (profile) { /* developer aid: per-node time on stderr */
            clock_gettime(CLOCK_MONOTONIC, &t1);
            const nn_dims *o = D(m, n->out[0]);
            fprintf(
                stderr,
                "%-18s %-28.28s %8.3f ms  out=[%lld,%lld,%lld,%lld] k=%lldx%lld s=%lld g=%lld\n",
                op_name(n->op), n->name,
                (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
                (long long)o->dim[0], (long long)(o->rank > 1 ? o->dim[1] : 0),
                (long long)(o->rank > 2 ? o->dim[2] : 0), (long long)(o->rank > 3 ? o->dim[3] : 0),
                (long long)n->kernel[0], (long long)n->kernel[1], (long long)n->stride[0],
                (long long)n->group);
        }
    }
#if defined(__x86_64__)
    _mm_setcsr(csr);
#endif
    if (rc != 0) return rc;
    for (int i = 0; i < m->noutputs; i++) {
        const nn_value *v = &m->values[m->outputs[i]];
        if (v->kind != VAL_TEMP)
            memcpy(outputs[i], ws->ptrs[m->outputs[i]], dims_count(&v->dims) * sizeof(float));
    }
    return 0;
}

int nn_model_num_inputs(const nn_model *m) {
    return m->ninputs;
}
int nn_model_num_outputs(const nn_model *m) {
    return m->noutputs;
}
const char *nn_model_input_name(const nn_model *m, int i) {
    return i >= 0 && i < m->ninputs ? m->values[m->inputs[i]].name : NULL;
}
const char *nn_model_output_name(const nn_model *m, int i) {
    return i >= 0 && i < m->noutputs ? m->values[m->outputs[i]].name : NULL;
}

static int copy_shape(const nn_dims *d, int64_t dims[NN_MAX_RANK]) {
    for (int i = 0; i < d->rank; i++) dims[i] = d->dim[i];
    return d->rank;
}

int nn_model_input_shape(const nn_model *m, int i, int64_t dims[NN_MAX_RANK]) {
    return i >= 0 && i < m->ninputs ? copy_shape(D(m, m->inputs[i]), dims) : -1;
}
int nn_model_output_shape(const nn_model *m, int i, int64_t dims[NN_MAX_RANK]) {
    return i >= 0 && i < m->noutputs ? copy_shape(D(m, m->outputs[i]), dims) : -1;
}
size_t nn_model_input_size(const nn_model *m, int i) {
    return i >= 0 && i < m->ninputs ? dims_count(D(m, m->inputs[i])) : 0;
}
size_t nn_model_output_size(const nn_model *m, int i) {
    return i >= 0 && i < m->noutputs ? dims_count(D(m, m->outputs[i])) : 0;
}
size_t nn_model_workspace_bytes(const nn_model *m) {
    return m->arena_bytes + m->scratch_floats * sizeof(float);
}
int nn_model_node_count(const nn_model *m) {
    int live = 0;
    for (int i = 0; i < m->nnodes; i++) live += !m->nodes[i].dead;
    return live;
}
