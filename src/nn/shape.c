/* Shape inference: checks each node's inputs and computes its outputs' dtype and dims, for the
 * model's fixed input shapes. Anything inconsistent is a load error naming the node. */
#include <string.h>

#include "nn/graph.h"

#define FAIL(...) return nn_fail(err, errlen, __VA_ARGS__)

static nn_value *in_val(nn_model *m, const nn_node *n, int i) {
    return (i < n->nin && n->in[i] >= 0) ? &m->values[n->in[i]] : NULL;
}

static void set_out(nn_model *m, const nn_node *n, int i, nn_dtype t, const nn_dims *d) {
    nn_value *v = &m->values[n->out[i]];
    v->dtype = t;
    v->dims = *d;
}

static int norm_axis(int64_t axis, int rank, bool allow_end) {
    int lim = allow_end ? rank + 1 : rank;
    if (axis < 0) axis += lim;
    return (axis < 0 || axis >= lim) ? -1 : (int)axis;
}

/* numpy-style multidirectional broadcast of a and b into out */
static int broadcast(const nn_dims *a, const nn_dims *b, nn_dims *out) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    out->rank = r;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        out->dim[i] = da == 1 ? db : da;
    }
    return 0;
}

static int require_inputs(const nn_node *n, int lo, int hi, char *err, size_t errlen) {
    int present = 0;
    for (int i = 0; i < n->nin; i++) present += n->in[i] >= 0 && i < lo;
    if (n->nin < lo || n->nin > hi || present < lo)
        FAIL("node '%s' (%s): expects %d to %d inputs, has %d", n->name, op_name(n->op), lo, hi,
             n->nin);
    return 0;
}

static int require_float(nn_model *m, const nn_node *n, char *err, size_t errlen) {
    for (int i = 0; i < n->nin; i++) {
        if (n->in[i] >= 0 && m->values[n->in[i]].dtype != NN_F32)
            FAIL("node '%s' (%s): input %d must be float32", n->name, op_name(n->op), i);
    }
    return 0;
}

static int infer_conv(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0), *w = in_val(m, n, 1), *b = in_val(m, n, 2);
    if (x->dims.rank != 4 || w->dims.rank != 4)
        FAIL("node '%s': Conv needs 4-D input and weights", n->name);
    if (w->kind != VAL_CONST || (b && b->kind != VAL_CONST))
        FAIL("node '%s': Conv weights and bias must be constant", n->name);
    int64_t C = x->dims.dim[1], M = w->dims.dim[0], g = n->group;
    if (g < 1 || C % g || M % g || w->dims.dim[1] != C / g)
        FAIL("node '%s': Conv group %lld does not fit %lld input / %lld output channels", n->name,
             (long long)g, (long long)C, (long long)M);
    if (n->kernel[0] == 0 && n->kernel[1] == 0) {
        n->kernel[0] = w->dims.dim[2];
        n->kernel[1] = w->dims.dim[3];
    }
    if (n->kernel[0] != w->dims.dim[2] || n->kernel[1] != w->dims.dim[3])
        FAIL("node '%s': kernel_shape does not match the weights", n->name);
    if (b && (b->dims.rank != 1 || b->dims.dim[0] != M)) FAIL("node '%s': bad Conv bias", n->name);
    nn_dims o = {4, {x->dims.dim[0], M, 0, 0}};
    for (int i = 0; i < 2; i++) {
        if (n->stride[i] < 1 || n->dilation[i] < 1 || n->pad[i] < 0 || n->pad[i + 2] < 0)
            FAIL("node '%s': invalid stride, dilation or padding", n->name);
        int64_t ext = n->dilation[i] * (n->kernel[i] - 1) + 1;
        int64_t span = x->dims.dim[2 + i] + n->pad[i] + n->pad[i + 2] - ext;
        if (span < 0) FAIL("node '%s': kernel larger than the padded input", n->name);
        o.dim[2 + i] = span / n->stride[i] + 1;
    }
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_pool(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    if (x->dims.rank != 4) FAIL("node '%s': pooling needs a 4-D input", n->name);
    nn_dims o = x->dims;
    if (n->op == OP_GLOBALAVGPOOL) {
        o.dim[2] = o.dim[3] = 1;
    } else {
        for (int i = 0; i < 2; i++) {
            if (n->kernel[i] < 1 || n->stride[i] < 1 || n->pad[i] < 0 || n->pad[i + 2] < 0 ||
                n->pad[i] >= n->kernel[i] || n->pad[i + 2] >= n->kernel[i])
                FAIL("node '%s': invalid pooling kernel, stride or padding", n->name);
            int64_t span = x->dims.dim[2 + i] + n->pad[i] + n->pad[i + 2] - n->kernel[i];
            if (span < 0) FAIL("node '%s': pooling kernel larger than the input", n->name);
            o.dim[2 + i] = span / n->stride[i] + 1;
        }
    }
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_matmul(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *a = in_val(m, n, 0), *b = in_val(m, n, 1);
    if (a->dims.rank < 2 || b->dims.rank != 2)
        FAIL("node '%s': MatMul supports [..., M, K] x [K, N] only", n->name);
    if (a->dims.dim[a->dims.rank - 1] != b->dims.dim[0])
        FAIL("node '%s': MatMul inner dimensions differ", n->name);
    nn_dims o = a->dims;
    o.dim[o.rank - 1] = b->dims.dim[1];
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_gemm(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *a = in_val(m, n, 0), *b = in_val(m, n, 1), *c = in_val(m, n, 2);
    if (a->dims.rank != 2 || b->dims.rank != 2) FAIL("node '%s': Gemm needs 2-D A and B", n->name);
    int64_t M = n->trans_a ? a->dims.dim[1] : a->dims.dim[0];
    int64_t K = n->trans_a ? a->dims.dim[0] : a->dims.dim[1];
    int64_t Kb = n->trans_b ? b->dims.dim[1] : b->dims.dim[0];
    int64_t N = n->trans_b ? b->dims.dim[0] : b->dims.dim[1];
    if (K != Kb) FAIL("node '%s': Gemm inner dimensions differ", n->name);
    nn_dims o = {2, {M, N}}, tmp;
    if (c &&
        (broadcast(&c->dims, &o, &tmp) != 0 || tmp.rank != 2 || tmp.dim[0] != M || tmp.dim[1] != N))
        FAIL("node '%s': Gemm C does not broadcast to [M, N]", n->name);
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_reshape(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0), *s = in_val(m, n, 1);
    if (!s || s->kind != VAL_CONST || s->dtype != NN_I64 || s->dims.rank != 1 ||
        s->dims.dim[0] > NN_MAX_RANK)
        FAIL("node '%s': Reshape needs a constant int64 shape (of rank <= %d)", n->name,
             NN_MAX_RANK);
    const int64_t *want = s->data;
    nn_dims o = {(int)s->dims.dim[0], {0}};
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < o.rank; i++) {
        int64_t d = want[i];
        if (d == 0) {
            if (i >= x->dims.rank) FAIL("node '%s': Reshape copies a missing dimension", n->name);
            d = x->dims.dim[i];
        }
        if (d == -1) {
            if (infer >= 0) FAIL("node '%s': Reshape has two -1 dimensions", n->name);
            infer = i;
            continue;
        }
        if (d < 0) FAIL("node '%s': Reshape dimension %lld", n->name, (long long)d);
        o.dim[i] = d;
        known *= d;
    }
    size_t total = dims_count(&x->dims);
    if (infer >= 0) {
        if (known == 0 || total % (size_t)known)
            FAIL("node '%s': Reshape cannot infer -1", n->name);
        o.dim[infer] = (int64_t)(total / (size_t)known);
    }
    if (dims_count(&o) != total) FAIL("node '%s': Reshape changes the element count", n->name);
    set_out(m, n, 0, x->dtype, &o);
    return 0;
}

static int infer_concat(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *first = in_val(m, n, 0);
    int axis = norm_axis(n->axis, first->dims.rank, false);
    if (axis < 0) FAIL("node '%s': Concat axis out of range", n->name);
    n->axis = axis;
    nn_dims o = first->dims;
    o.dim[axis] = 0;
    for (int i = 0; i < n->nin; i++) {
        nn_value *v = in_val(m, n, i);
        if (!v || v->dtype != first->dtype || v->dims.rank != o.rank)
            FAIL("node '%s': Concat inputs differ in type or rank", n->name);
        for (int d = 0; d < o.rank; d++) {
            if (d != axis && v->dims.dim[d] != first->dims.dim[d])
                FAIL("node '%s': Concat inputs differ outside the axis", n->name);
        }
        o.dim[axis] += v->dims.dim[axis];
    }
    set_out(m, n, 0, first->dtype, &o);
    return 0;
}

static int infer_split(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int axis = norm_axis(n->axis, x->dims.rank, false);
    if (axis < 0) FAIL("node '%s': Split axis out of range", n->name);
    n->axis = axis;
    int64_t total = x->dims.dim[axis], sum = 0;
    if (n->nints == 0) {
        if (total % n->nout) FAIL("node '%s': Split is not even", n->name);
        for (int i = 0; i < n->nout; i++) n->ints[i] = total / n->nout;
        n->nints = n->nout;
    }
    if (n->nints != n->nout) FAIL("node '%s': Split sizes do not match the outputs", n->name);
    for (int i = 0; i < n->nout; i++) {
        if (n->ints[i] < 0) FAIL("node '%s': negative split", n->name);
        sum += n->ints[i];
        nn_dims o = x->dims;
        o.dim[axis] = n->ints[i];
        set_out(m, n, i, x->dtype, &o);
    }
    if (sum != total) FAIL("node '%s': Split sizes do not add up", n->name);
    return 0;
}

static int infer_slice(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int r = x->dims.rank;
    if (n->nints != n->nints2 || n->nints > r || (n->nints3 && n->nints3 != n->nints))
        FAIL("node '%s': Slice starts/ends/axes lengths differ", n->name);
    if (!n->nints3) {
        for (int i = 0; i < n->nints; i++) n->ints3[i] = i;
        n->nints3 = n->nints;
    }
    nn_dims o = x->dims;
    for (int i = 0; i < n->nints; i++) {
        int ax = norm_axis(n->ints3[i], r, false);
        if (ax < 0) FAIL("node '%s': Slice axis out of range", n->name);
        n->ints3[i] = ax;
        int64_t dim = x->dims.dim[ax], s = n->ints[i], e = n->ints2[i];
        if (s < 0) s += dim;
        if (e < 0) e += dim;
        s = s < 0 ? 0 : (s > dim ? dim : s);
        e = e < 0 ? 0 : (e > dim ? dim : e);
        n->ints[i] = s; /* normalised start */
        o.dim[ax] = e > s ? e - s : 0;
    }
    set_out(m, n, 0, x->dtype, &o);
    return 0;
}

static int infer_transpose(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int r = x->dims.rank;
    if (n->nints == 0) {
        for (int i = 0; i < r; i++) n->ints[i] = r - 1 - i;
        n->nints = r;
    }
    if (n->nints != r) FAIL("node '%s': Transpose perm has the wrong length", n->name);
    nn_dims o = {r, {0}};
    int seen = 0;
    for (int i = 0; i < r; i++) {
        if (n->ints[i] < 0 || n->ints[i] >= r || (seen & (1 << n->ints[i])))
            FAIL("node '%s': Transpose perm is not a permutation", n->name);
        seen |= 1 << n->ints[i];
        o.dim[i] = x->dims.dim[n->ints[i]];
    }
    set_out(m, n, 0, x->dtype, &o);
    return 0;
}

static int infer_reduce(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int r = x->dims.rank;
    if (n->nints == 0) {
        for (int i = 0; i < r; i++) n->ints[i] = i;
        n->nints = r;
    }
    int mask = 0;
    for (int i = 0; i < n->nints; i++) {
        int ax = norm_axis(n->ints[i], r, false);
        if (ax < 0) FAIL("node '%s': ReduceMean axis out of range", n->name);
        mask |= 1 << ax;
    }
    n->nints = 0;
    nn_dims o = {0, {0}};
    for (int i = 0; i < r; i++) {
        if (mask & (1 << i)) {
            n->ints[n->nints++] = i;
            if (n->keepdims) o.dim[o.rank++] = 1;
        } else {
            o.dim[o.rank++] = x->dims.dim[i];
        }
    }
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_gather(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0), *idx = in_val(m, n, 1);
    if (idx->dtype != NN_I64 || idx->kind != VAL_CONST)
        FAIL("node '%s': Gather indices must be constant int64", n->name);
    int axis = norm_axis(n->axis, x->dims.rank, false);
    if (axis < 0) FAIL("node '%s': Gather axis out of range", n->name);
    n->axis = axis;
    const int64_t *ix = idx->data;
    for (size_t i = 0; i < dims_count(&idx->dims); i++) {
        if (ix[i] < -x->dims.dim[axis] || ix[i] >= x->dims.dim[axis])
            FAIL("node '%s': Gather index %lld out of range", n->name, (long long)ix[i]);
    }
    nn_dims o = {0, {0}};
    if (x->dims.rank - 1 + idx->dims.rank > NN_MAX_RANK)
        FAIL("node '%s': Gather rank too high", n->name);
    for (int i = 0; i < axis; i++) o.dim[o.rank++] = x->dims.dim[i];
    for (int i = 0; i < idx->dims.rank; i++) o.dim[o.rank++] = idx->dims.dim[i];
    for (int i = axis + 1; i < x->dims.rank; i++) o.dim[o.rank++] = x->dims.dim[i];
    set_out(m, n, 0, x->dtype, &o);
    return 0;
}

static int infer_unsqueeze(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int r = x->dims.rank + n->nints;
    if (r > NN_MAX_RANK || n->nints == 0) FAIL("node '%s': Unsqueeze axes invalid", n->name);
    int mask = 0;
    for (int i = 0; i < n->nints; i++) {
        int ax = norm_axis(n->ints[i], r, false);
        if (ax < 0 || (mask & (1 << ax))) FAIL("node '%s': Unsqueeze axes invalid", n->name);
        mask |= 1 << ax;
    }
    nn_dims o = {r, {0}};
    for (int i = 0, j = 0; i < r; i++) o.dim[i] = (mask & (1 << i)) ? 1 : x->dims.dim[j++];
    set_out(m, n, 0, x->dtype, &o);
    return 0;
}

static int infer_pad(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    int r = x->dims.rank;
    if (n->nints != 2 * r) FAIL("node '%s': Pad needs 2*rank pads", n->name);
    nn_dims o = x->dims;
    for (int i = 0; i < r; i++) {
        if (n->ints[i] < 0 || n->ints[i + r] < 0)
            FAIL("node '%s': negative pads are not supported", n->name);
        if (n->pad_mode == PAD_REFLECT &&
            (n->ints[i] >= x->dims.dim[i] || n->ints[i + r] >= x->dims.dim[i]))
            FAIL("node '%s': reflect pad larger than the input", n->name);
        o.dim[i] += n->ints[i] + n->ints[i + r];
    }
    set_out(m, n, 0, NN_F32, &o);
    return 0;
}

static int infer_batchnorm(nn_model *m, nn_node *n, char *err, size_t errlen) {
    nn_value *x = in_val(m, n, 0);
    if (x->dims.rank < 2) FAIL("node '%s': BatchNormalization needs rank >= 2", n->name);
    for (int i = 1; i < 5; i++) {
        nn_value *p = in_val(m, n, i);
        if (p->kind != VAL_CONST || p->dims.rank != 1 || p->dims.dim[0] != x->dims.dim[1])
            FAIL("node '%s': BatchNormalization parameters must be constant [C]", n->name);
    }
    if (n->nout > 1) FAIL("node '%s': training-mode BatchNormalization outputs", n->name);
    set_out(m, n, 0, NN_F32, &x->dims);
    return 0;
}

int nn_infer_node(nn_model *m, nn_node *n, char *err, size_t errlen) {
    static const struct {
        int lo, hi, outs;
    } arity[OP_COUNT] = {
        [OP_CONV] = {2, 3, 1},          [OP_BATCHNORM] = {5, 5, 1}, [OP_RELU] = {1, 1, 1},
        [OP_PRELU] = {2, 2, 1},         [OP_SIGMOID] = {1, 1, 1},   [OP_TANH] = {1, 1, 1},
        [OP_EXP] = {1, 1, 1},           [OP_ADD] = {2, 2, 1},       [OP_SUB] = {2, 2, 1},
        [OP_MUL] = {2, 2, 1},           [OP_DIV] = {2, 2, 1},       [OP_MATMUL] = {2, 2, 1},
        [OP_GEMM] = {2, 3, 1},          [OP_MAXPOOL] = {1, 1, 1},   [OP_AVGPOOL] = {1, 1, 1},
        [OP_GLOBALAVGPOOL] = {1, 1, 1}, [OP_PAD] = {1, 1, 1},       [OP_CONCAT] = {1, NN_MAX_IO, 1},
        [OP_SPLIT] = {1, 1, NN_MAX_IO}, [OP_SLICE] = {1, 1, 1},     [OP_RESHAPE] = {2, 2, 1},
        [OP_FLATTEN] = {1, 1, 1},       [OP_TRANSPOSE] = {1, 1, 1}, [OP_SOFTMAX] = {1, 1, 1},
        [OP_REDUCEMEAN] = {1, 1, 1},    [OP_SHAPE] = {1, 1, 1},     [OP_GATHER] = {2, 2, 1},
        [OP_UNSQUEEZE] = {1, 1, 1},     [OP_CONSTANT] = {0, 0, 1},
    };
    if (require_inputs(n, arity[n->op].lo, arity[n->op].hi, err, errlen) != 0) return -1;
    if (n->nout > arity[n->op].outs && n->op != OP_BATCHNORM)
        FAIL("node '%s' (%s): too many outputs", n->name, op_name(n->op));
    nn_op op = n->op;
    bool float_only = op != OP_CONCAT && op != OP_SPLIT && op != OP_SLICE && op != OP_RESHAPE &&
                      op != OP_FLATTEN && op != OP_TRANSPOSE && op != OP_SHAPE && op != OP_GATHER &&
                      op != OP_UNSQUEEZE && op != OP_CONSTANT;
    if (float_only && op != OP_GATHER && require_float(m, n, err, errlen) != 0) return -1;
    nn_value *x = in_val(m, n, 0);
    nn_dims o;
    switch (op) {
    case OP_CONV:
        return infer_conv(m, n, err, errlen);
    case OP_BATCHNORM:
        return infer_batchnorm(m, n, err, errlen);
    case OP_RELU:
    case OP_SIGMOID:
    case OP_TANH:
    case OP_EXP:
    case OP_SOFTMAX:
        if (op == OP_SOFTMAX && norm_axis(n->axis, x->dims.rank, false) < 0)
            FAIL("node '%s': Softmax axis out of range", n->name);
        if (op == OP_SOFTMAX) n->axis = norm_axis(n->axis, x->dims.rank, false);
        set_out(m, n, 0, NN_F32, &x->dims);
        return 0;
    case OP_PRELU:
        if (broadcast(&x->dims, &in_val(m, n, 1)->dims, &o) != 0 || o.rank != x->dims.rank ||
            dims_count(&o) != dims_count(&x->dims))
            FAIL("node '%s': PRelu slope does not broadcast to the input", n->name);
        set_out(m, n, 0, NN_F32, &x->dims);
        return 0;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
        if (broadcast(&x->dims, &in_val(m, n, 1)->dims, &o) != 0)
            FAIL("node '%s' (%s): shapes do not broadcast", n->name, op_name(op));
        set_out(m, n, 0, NN_F32, &o);
        return 0;
    case OP_MATMUL:
        return infer_matmul(m, n, err, errlen);
    case OP_GEMM:
        return infer_gemm(m, n, err, errlen);
    case OP_MAXPOOL:
    case OP_AVGPOOL:
    case OP_GLOBALAVGPOOL:
        return infer_pool(m, n, err, errlen);
    case OP_PAD:
        return infer_pad(m, n, err, errlen);
    case OP_CONCAT:
        return infer_concat(m, n, err, errlen);
    case OP_SPLIT:
        return infer_split(m, n, err, errlen);
    case OP_SLICE:
        return infer_slice(m, n, err, errlen);
    case OP_RESHAPE:
        return infer_reshape(m, n, err, errlen);
    case OP_FLATTEN: {
        int axis = norm_axis(n->axis, x->dims.rank, true);
        if (axis < 0) FAIL("node '%s': Flatten axis out of range", n->name);
        o.rank = 2;
        o.dim[0] = 1;
        o.dim[1] = 1;
        for (int i = 0; i < x->dims.rank; i++) o.dim[i < axis ? 0 : 1] *= x->dims.dim[i];
        set_out(m, n, 0, x->dtype, &o);
        return 0;
    }
    case OP_TRANSPOSE:
        return infer_transpose(m, n, err, errlen);
    case OP_REDUCEMEAN:
        return infer_reduce(m, n, err, errlen);
    case OP_SHAPE:
        o.rank = 1;
        o.dim[0] = x->dims.rank;
        set_out(m, n, 0, NN_I64, &o);
        return 0;
    case OP_GATHER:
        return infer_gather(m, n, err, errlen);
    case OP_UNSQUEEZE:
        return infer_unsqueeze(m, n, err, errlen);
    case OP_CONSTANT:
        if (m->values[n->out[0]].kind != VAL_CONST)
            FAIL("node '%s': Constant without value", n->name);
        return 0;
    default:
        FAIL("node '%s': no shape rule", n->name);
    }
}
