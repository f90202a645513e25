/* Load-time rewriting: constant folding (all int64 shape arithmetic ends here), BatchNorm folded
 * into the Conv before it, Relu/PRelu/Sigmoid fused into the Conv before them, and removal of
 * everything that does not reach an output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/graph.h"

static bool all_inputs_const(const nn_model *m, const nn_node *n) {
    for (int i = 0; i < n->nin; i++) {
        if (n->in[i] >= 0 && m->values[n->in[i]].kind != VAL_CONST) return false;
    }
    return true;
}

int nn_try_fold(nn_model *m, nn_node *n, char *err, size_t errlen) {
    if (n->op == OP_CONSTANT) {
        n->dead = true;
        return 0;
    }
    if (n->op == OP_SHAPE) { /* shapes are static: always a constant */
        nn_value *x = &m->values[n->in[0]], *o = &m->values[n->out[0]];
        int64_t *d = malloc((size_t)(x->dims.rank ? x->dims.rank : 1) * sizeof *d);
        if (!d) return nn_fail(err, errlen, "out of memory");
        for (int i = 0; i < x->dims.rank; i++) d[i] = x->dims.dim[i];
        o->data = d;
        o->kind = VAL_CONST;
        n->dead = true;
        return 0;
    }
    if (n->op == OP_CONV || !all_inputs_const(m, n)) {
        for (int i = 0; i < n->nout; i++) {
            if (m->values[n->out[i]].dtype != NN_F32)
                return nn_fail(err, errlen,
                               "node '%s' (%s): int64 results must be computable at load time",
                               n->name, op_name(n->op));
        }
        return 0;
    }
    void **ptrs = calloc((size_t)m->nvalues, sizeof *ptrs);
    if (!ptrs) return nn_fail(err, errlen, "out of memory");
    for (int i = 0; i < n->nin; i++) {
        if (n->in[i] >= 0) ptrs[n->in[i]] = m->values[n->in[i]].data;
    }
    int rc = 0;
    for (int i = 0; i < n->nout && rc == 0; i++) {
        nn_value *o = &m->values[n->out[i]];
        size_t bytes = dims_count(&o->dims) * dtype_size(o->dtype);
        o->data = calloc(1, bytes ? bytes : 1);
        if (!o->data) rc = nn_fail(err, errlen, "out of memory");
        ptrs[n->out[i]] = o->data;
    }
    if (rc == 0 && nn_exec_node(m, n, ptrs, NULL) != 0)
        rc = nn_fail(err, errlen, "node '%s': constant folding failed", n->name);
    free(ptrs);
    if (rc != 0) return rc;
    for (int i = 0; i < n->nout; i++) m->values[n->out[i]].kind = VAL_CONST;
    n->dead = true;
    return 0;
}

/* How many live node inputs read each value (graph outputs count once more). */
static int *count_uses(const nn_model *m) {
    int *uses = calloc((size_t)m->nvalues, sizeof *uses);
    if (!uses) return NULL;
    for (int i = 0; i < m->nnodes; i++) {
        const nn_node *n = &m->nodes[i];
        if (n->dead) continue;
        for (int j = 0; j < n->nin; j++) {
            if (n->in[j] >= 0) uses[n->in[j]]++;
        }
        if (n->act_slope >= 0) uses[n->act_slope]++;
    }
    for (int i = 0; i < m->noutputs; i++) uses[m->outputs[i]]++;
    return uses;
}

static nn_node *producer_conv(nn_model *m, int value, const int *uses) {
    int p = m->values[value].producer;
    if (p < 0 || uses[value] != 1 || m->values[value].is_output) return NULL;
    nn_node *c = &m->nodes[p];
    return (!c->dead && c->op == OP_CONV && c->act == ACT_NONE) ? c : NULL;
}

/* W' = W * s, b' = (b - mean) * s + beta, with s = gamma / sqrt(var + eps). */
static bool fold_batchnorm(nn_model *m, nn_node *bn, nn_node *conv) {
    const float *gamma = m->values[bn->in[1]].data, *beta = m->values[bn->in[2]].data;
    const float *mean = m->values[bn->in[3]].data, *var = m->values[bn->in[4]].data;
    nn_value *w = &m->values[conv->in[1]];
    int64_t M = w->dims.dim[0];
    size_t per = dims_count(&w->dims) / (size_t)M;
    nn_dims wd = w->dims, bd = {1, {M}};
    float *nw = malloc(dims_count(&wd) * sizeof *nw), *nb = malloc((size_t)M * sizeof *nb);
    if (!nw || !nb) {
        free(nw);
        free(nb);
        return false;
    }
    const float *ow = w->data;
    const float *ob = conv->nin > 2 && conv->in[2] >= 0 ? m->values[conv->in[2]].data : NULL;
    for (int64_t c = 0; c < M; c++) {
        float s = gamma[c] / sqrtf(var[c] + bn->epsilon);
        for (size_t k = 0; k < per; k++) nw[c * per + k] = ow[c * per + k] * s;
        nb[c] = ((ob ? ob[c] : 0.0f) - mean[c]) * s + beta[c];
    }
    char name[256];
    snprintf(name, sizeof name, "%.200s/bn_folded_w", conv->name);
    int vw = nn_add_const(m, name, NN_F32, &wd, nw);
    snprintf(name, sizeof name, "%.200s/bn_folded_b", conv->name);
    int vb = vw >= 0 ? nn_add_const(m, name, NN_F32, &bd, nb) : -1;
    if (vw < 0 || vb < 0) {
        if (vw < 0) free(nw);
        free(nb);
        return false;
    }
    conv->in[1] = vw;
    conv->in[2] = vb;
    conv->nin = 3;
    conv->out[0] = bn->out[0];
    m->values[bn->out[0]].producer = (int)(conv - m->nodes);
    bn->dead = true;
    return true;
}

/* A PRelu slope can be fused when it is one value or one value per output channel. */
static bool per_channel_slope(const nn_value *slope, int64_t channels) {
    size_t n = dims_count(&slope->dims);
    if (slope->kind != VAL_CONST) return false;
    if (n == 1) return true;
    if (n != (size_t)channels) return false;
    const nn_dims *d = &slope->dims;
    return (d->rank == 3 && d->dim[0] == channels) || (d->rank == 4 && d->dim[1] == channels);
}

void nn_fuse(nn_model *m) {
    for (int i = 0; i < m->nnodes; i++) {
        nn_node *n = &m->nodes[i];
        if (n->dead ||
            (n->op != OP_BATCHNORM && n->op != OP_RELU && n->op != OP_PRELU && n->op != OP_SIGMOID))
            continue;
        int *uses = count_uses(m);
        if (!uses) return;
        nn_node *conv = producer_conv(m, n->in[0], uses);
        free(uses);
        if (!conv) continue;
        if (n->op == OP_BATCHNORM) {
            fold_batchnorm(m, n, conv);
            continue;
        }
        int64_t channels = m->values[conv->out[0]].dims.dim[1];
        if (n->op == OP_PRELU && !per_channel_slope(&m->values[n->in[1]], channels)) continue;
        conv->act = n->op == OP_RELU ? ACT_RELU : n->op == OP_PRELU ? ACT_PRELU : ACT_SIGMOID;
        conv->act_slope = n->op == OP_PRELU ? n->in[1] : -1;
        conv->out[0] = n->out[0];
        m->values[n->out[0]].producer = (int)(conv - m->nodes);
        n->dead = true;
    }
}

void nn_eliminate_dead(nn_model *m) {
    bool *needed = calloc((size_t)m->nvalues, sizeof *needed);
    if (!needed) return;
    for (int i = 0; i < m->noutputs; i++) needed[m->outputs[i]] = true;
    for (int i = m->nnodes - 1; i >= 0; i--) {
        nn_node *n = &m->nodes[i];
        if (n->dead) continue;
        bool live = false;
        for (int j = 0; j < n->nout; j++) live |= needed[n->out[j]];
        if (!live) {
            n->dead = true;
            continue;
        }
        for (int j = 0; j < n->nin; j++) {
            if (n->in[j] >= 0) needed[n->in[j]] = true;
        }
        if (n->act_slope >= 0) needed[n->act_slope] = true;
    }
    for (int i = 0; i < m->nvalues; i++) { /* drop weights nothing reads any more */
        nn_value *v = &m->values[i];
        if (v->kind == VAL_CONST && !needed[i] && !v->is_output) {
            free(v->data);
            v->data = NULL;
        }
    }
    free(needed);
}
