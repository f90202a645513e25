/* Reading an ONNX file into the internal graph: protobuf-c decodes the bytes (code generated at
 * build time from Debian's onnx.proto), then every field ekycd relies on is validated here:
 * opset, operator names, attribute names/types/counts, tensor types, dims and data sizes, value
 * names and topological order. Then shapes are inferred and constants folded node by node, the
 * graph is fused and pruned, and memory is planned. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn/graph.h"
#include "onnx.pb-c.h"

#define MAX_MODEL_BYTES  (512u * 1024u * 1024u)
#define MAX_TENSOR_ELEMS (1LL << 30)

static const struct {
    const char *name;
    nn_op op;
} op_table[] = {
    {"Conv", OP_CONV},
    {"BatchNormalization", OP_BATCHNORM},
    {"Relu", OP_RELU},
    {"PRelu", OP_PRELU},
    {"Sigmoid", OP_SIGMOID},
    {"Tanh", OP_TANH},
    {"Exp", OP_EXP},
    {"Add", OP_ADD},
    {"Sub", OP_SUB},
    {"Mul", OP_MUL},
    {"Div", OP_DIV},
    {"MatMul", OP_MATMUL},
    {"Gemm", OP_GEMM},
    {"MaxPool", OP_MAXPOOL},
    {"AveragePool", OP_AVGPOOL},
    {"GlobalAveragePool", OP_GLOBALAVGPOOL},
    {"Pad", OP_PAD},
    {"Concat", OP_CONCAT},
    {"Split", OP_SPLIT},
    {"Slice", OP_SLICE},
    {"Reshape", OP_RESHAPE},
    {"Flatten", OP_FLATTEN},
    {"Transpose", OP_TRANSPOSE},
    {"Softmax", OP_SOFTMAX},
    {"ReduceMean", OP_REDUCEMEAN},
    {"Shape", OP_SHAPE},
    {"Gather", OP_GATHER},
    {"Unsqueeze", OP_UNSQUEEZE},
    {"Constant", OP_CONSTANT},
};

/* ---- values ---- */

static int find_value(const nn_model *m, const char *name) {
    for (int i = m->nvalues - 1; i >= 0; i--) {
        if (strcmp(m->values[i].name, name) == 0) return i;
    }
    return -1;
}

static int add_value(nn_model *m, const char *name, char *err, size_t errlen) {
    if (find_value(m, name) >= 0)
        return nn_fail(err, errlen, "value '%s' is defined twice", name), -1;
    if (m->nvalues == m->cap_values) {
        int ncap = m->cap_values ? m->cap_values * 2 : 256;
        nn_value *grown = realloc(m->values, (size_t)ncap * sizeof *grown);
        if (!grown) return nn_fail(err, errlen, "out of memory"), -1;
        m->values = grown;
        m->cap_values = ncap;
    }
    nn_value *v = &m->values[m->nvalues];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (!v->name) return nn_fail(err, errlen, "out of memory"), -1;
    v->producer = -1;
    v->last_use = -1;
    return m->nvalues++;
}

static int read_dims(const int64_t *dims, size_t n, nn_dims *out, const char *what, char *err,
                     size_t errlen) {
    if (n > NN_MAX_RANK)
        return nn_fail(err, errlen, "%s: rank %zu exceeds %d", what, n, NN_MAX_RANK);
    out->rank = (int)n;
    long long total = 1;
    for (size_t i = 0; i < n; i++) {
        if (dims[i] < 0 || dims[i] > MAX_TENSOR_ELEMS)
            return nn_fail(err, errlen, "%s: invalid dimension %lld", what, (long long)dims[i]);
        out->dim[i] = dims[i];
        total *= dims[i] ? dims[i] : 1;
        if (total > MAX_TENSOR_ELEMS) return nn_fail(err, errlen, "%s: tensor too large", what);
    }
    return 0;
}

/* Copies a TensorProto's data into a new dense buffer. */
static int read_tensor(const Onnx__TensorProto *t, nn_dtype *dtype, nn_dims *dims, void **data,
                       const char *what, char *err, size_t errlen) {
    if (!t->has_data_type || (t->data_type != NN_F32 && t->data_type != NN_I64))
        return nn_fail(err, errlen, "%s: unsupported tensor data type %d (float32 and int64 only)",
                       what, t->has_data_type ? t->data_type : 0);
    if (t->n_external_data > 0)
        return nn_fail(err, errlen, "%s: external data is not supported", what);
    if (read_dims(t->dims, t->n_dims, dims, what, err, errlen) != 0) return -1;
    *dtype = (nn_dtype)t->data_type;
    size_t count = dims_count(dims), esize = dtype_size(*dtype);
    void *buf = malloc(count ? count * esize : 1);
    if (!buf) return nn_fail(err, errlen, "out of memory");
    if (t->has_raw_data) {
        if (t->raw_data.len != count * esize) {
            free(buf);
            return nn_fail(err, errlen, "%s: raw data has %zu bytes, its shape needs %zu", what,
                           t->raw_data.len, count * esize);
        }
        if (count) memcpy(buf, t->raw_data.data, count * esize);
    } else if (*dtype == NN_F32 && t->n_float_data == count) {
        if (count) memcpy(buf, t->float_data, count * esize);
    } else if (*dtype == NN_I64 && t->n_int64_data == count) {
        if (count) memcpy(buf, t->int64_data, count * esize);
    } else {
        free(buf);
        return nn_fail(err, errlen, "%s: tensor data does not match its shape", what);
    }
    *data = buf;
    return 0;
}

int nn_add_const(nn_model *m, const char *name, nn_dtype t, const nn_dims *d, void *data) {
    char err[64];
    int v = add_value(m, name, err, sizeof err);
    if (v < 0) return -1;
    m->values[v].kind = VAL_CONST;
    m->values[v].dtype = t;
    m->values[v].dims = *d;
    m->values[v].data = data;
    return v;
}

/* ---- attributes ---- */

typedef struct {
    const char *name;
    int type; /* ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__* */
} attr_spec;

#define A_F  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
#define A_I  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT
#define A_S  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING
#define A_T  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR
#define A_IS ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS

static const attr_spec *allowed_attrs(nn_op op) {
    static const attr_spec conv[] = {
        {"kernel_shape", A_IS}, {"strides", A_IS}, {"pads", A_IS}, {"dilations", A_IS},
        {"group", A_I},         {"auto_pad", A_S}, {NULL, 0}};
    static const attr_spec bn[] = {
        {"epsilon", A_F}, {"momentum", A_F}, {"spatial", A_I}, {NULL, 0}};
    static const attr_spec gemm[] = {
        {"alpha", A_F}, {"beta", A_F}, {"transA", A_I}, {"transB", A_I}, {NULL, 0}};
    static const attr_spec maxpool[] = {{"kernel_shape", A_IS}, {"strides", A_IS},
                                        {"pads", A_IS},         {"auto_pad", A_S},
                                        {"storage_order", A_I}, {NULL, 0}};
    static const attr_spec avgpool[] = {
        {"kernel_shape", A_IS}, {"strides", A_IS},          {"pads", A_IS},
        {"auto_pad", A_S},      {"count_include_pad", A_I}, {NULL, 0}};
    static const attr_spec pad[] = {{"mode", A_S}, {"pads", A_IS}, {"value", A_F}, {NULL, 0}};
    static const attr_spec axis[] = {{"axis", A_I}, {NULL, 0}};
    static const attr_spec split[] = {{"axis", A_I}, {"split", A_IS}, {NULL, 0}};
    static const attr_spec slice[] = {{"starts", A_IS}, {"ends", A_IS}, {"axes", A_IS}, {NULL, 0}};
    static const attr_spec perm[] = {{"perm", A_IS}, {NULL, 0}};
    static const attr_spec reduce[] = {{"axes", A_IS}, {"keepdims", A_I}, {NULL, 0}};
    static const attr_spec axes[] = {{"axes", A_IS}, {NULL, 0}};
    static const attr_spec constant[] = {{"value", A_T}, {NULL, 0}};
    static const attr_spec none[] = {{NULL, 0}};
    switch (op) {
    case OP_CONV:
        return conv;
    case OP_BATCHNORM:
        return bn;
    case OP_GEMM:
        return gemm;
    case OP_MAXPOOL:
        return maxpool;
    case OP_AVGPOOL:
        return avgpool;
    case OP_PAD:
        return pad;
    case OP_CONCAT:
    case OP_FLATTEN:
    case OP_SOFTMAX:
    case OP_GATHER:
        return axis;
    case OP_SPLIT:
        return split;
    case OP_SLICE:
        return slice;
    case OP_TRANSPOSE:
        return perm;
    case OP_REDUCEMEAN:
        return reduce;
    case OP_UNSQUEEZE:
        return axes;
    case OP_CONSTANT:
        return constant;
    default:
        return none;
    }
}

static int copy_ints(const Onnx__AttributeProto *a, int64_t *dst, int max, int *n, const char *node,
                     char *err, size_t errlen) {
    if ((int)a->n_ints > max)
        return nn_fail(err, errlen, "node '%s': attribute '%s' has too many values", node, a->name);
    for (size_t i = 0; i < a->n_ints; i++) dst[i] = a->ints[i];
    *n = (int)a->n_ints;
    return 0;
}

static int expect_len(const Onnx__AttributeProto *a, size_t want, const char *node, char *err,
                      size_t errlen) {
    if (a->n_ints != want)
        return nn_fail(err, errlen,
                       "node '%s': attribute '%s' must have %zu values (2-D spatial ops only)",
                       node, a->name, want);
    return 0;
}

static int apply_attr(nn_model *m, nn_node *n, const Onnx__AttributeProto *a, char *err,
                      size_t errlen) {
    const char *nm = a->name, *node = n->name;
    int dummy = 0;
    if (n->op == OP_CONV || n->op == OP_MAXPOOL || n->op == OP_AVGPOOL) {
        if (!strcmp(nm, "kernel_shape")) {
            if (expect_len(a, 2, node, err, errlen)) return -1;
            n->kernel[0] = a->ints[0], n->kernel[1] = a->ints[1];
        } else if (!strcmp(nm, "strides")) {
            if (expect_len(a, 2, node, err, errlen)) return -1;
            n->stride[0] = a->ints[0], n->stride[1] = a->ints[1];
        } else if (!strcmp(nm, "dilations")) {
            if (expect_len(a, 2, node, err, errlen)) return -1;
            n->dilation[0] = a->ints[0], n->dilation[1] = a->ints[1];
        } else if (!strcmp(nm, "pads")) {
            if (expect_len(a, 4, node, err, errlen)) return -1;
            for (int i = 0; i < 4; i++) n->pad[i] = a->ints[i];
        } else if (!strcmp(nm, "group")) {
            n->group = a->i;
        } else if (!strcmp(nm, "auto_pad")) {
            if (!(a->s.len == 6 && !memcmp(a->s.data, "NOTSET", 6)) &&
                !(a->s.len == 5 && !memcmp(a->s.data, "VALID", 5)))
                return nn_fail(err, errlen, "node '%s': auto_pad '%.*s' is not supported", node,
                               (int)(a->s.len > 20 ? 20 : a->s.len), (const char *)a->s.data);
        } else if (!strcmp(nm, "storage_order")) {
            if (a->i != 0)
                return nn_fail(err, errlen, "node '%s': storage_order=1 is not supported", node);
        } else if (!strcmp(nm, "count_include_pad")) {
            n->count_include_pad = (int)a->i;
        }
        return 0;
    }
    switch (n->op) {
    case OP_BATCHNORM:
        if (!strcmp(nm, "epsilon")) n->epsilon = a->f;
        if (!strcmp(nm, "spatial") && a->i != 1)
            return nn_fail(err, errlen, "node '%s': spatial=0 is not supported", node);
        return 0;
    case OP_GEMM:
        if (!strcmp(nm, "alpha")) n->alpha = a->f;
        if (!strcmp(nm, "beta")) n->beta = a->f;
        if (!strcmp(nm, "transA")) n->trans_a = a->i != 0;
        if (!strcmp(nm, "transB")) n->trans_b = a->i != 0;
        return 0;
    case OP_PAD:
        if (!strcmp(nm, "pads"))
            return copy_ints(a, n->ints, 2 * NN_MAX_RANK, &n->nints, node, err, errlen);
        if (!strcmp(nm, "value")) n->pad_value = a->f;
        if (!strcmp(nm, "mode")) {
            if (a->s.len == 8 && !memcmp(a->s.data, "constant", 8))
                n->pad_mode = PAD_CONSTANT;
            else if (a->s.len == 4 && !memcmp(a->s.data, "edge", 4))
                n->pad_mode = PAD_EDGE;
            else if (a->s.len == 7 && !memcmp(a->s.data, "reflect", 7))
                n->pad_mode = PAD_REFLECT;
            else
                return nn_fail(err, errlen, "node '%s': unknown Pad mode", node);
        }
        return 0;
    case OP_CONCAT:
    case OP_FLATTEN:
    case OP_SOFTMAX:
    case OP_GATHER:
        n->axis = a->i;
        return 0;
    case OP_SPLIT:
        if (!strcmp(nm, "axis"))
            n->axis = a->i;
        else
            return copy_ints(a, n->ints, 2 * NN_MAX_RANK, &n->nints, node, err, errlen);
        return 0;
    case OP_SLICE:
        if (!strcmp(nm, "starts"))
            return copy_ints(a, n->ints, NN_MAX_RANK, &n->nints, node, err, errlen);
        if (!strcmp(nm, "ends"))
            return copy_ints(a, n->ints2, NN_MAX_RANK, &n->nints2, node, err, errlen);
        return copy_ints(a, n->ints3, NN_MAX_RANK, &n->nints3, node, err, errlen);
    case OP_TRANSPOSE:
    case OP_UNSQUEEZE:
        return copy_ints(a, n->ints, NN_MAX_RANK, &n->nints, node, err, errlen);
    case OP_REDUCEMEAN:
        if (!strcmp(nm, "keepdims"))
            n->keepdims = a->i != 0;
        else
            return copy_ints(a, n->ints, NN_MAX_RANK, &n->nints, node, err, errlen);
        return 0;
    case OP_CONSTANT: {
        if (!a->t) return nn_fail(err, errlen, "node '%s': Constant without a tensor", node);
        nn_value *v = &m->values[n->out[0]];
        if (read_tensor(a->t, &v->dtype, &v->dims, &v->data, node, err, errlen) != 0) return -1;
        v->kind = VAL_CONST;
        (void)dummy;
        return 0;
    }
    default:
        return 0;
    }
}

static int parse_attrs(nn_model *m, nn_node *n, const Onnx__NodeProto *np, char *err,
                       size_t errlen) {
    const attr_spec *allowed = allowed_attrs(n->op);
    for (size_t i = 0; i < np->n_attribute; i++) {
        const Onnx__AttributeProto *a = np->attribute[i];
        if (!a || !a->name) return nn_fail(err, errlen, "node '%s': unnamed attribute", n->name);
        const attr_spec *spec = NULL;
        for (const attr_spec *s = allowed; s->name; s++) {
            if (!strcmp(s->name, a->name)) spec = s;
        }
        if (!spec)
            return nn_fail(err, errlen, "node '%s' (%s): unsupported attribute '%s'", n->name,
                           op_name(n->op), a->name);
        if (a->has_type && (int)a->type != spec->type)
            return nn_fail(err, errlen, "node '%s': attribute '%s' has the wrong type", n->name,
                           a->name);
        if (apply_attr(m, n, a, err, errlen) != 0) return -1;
    }
    return 0;
}

static void node_defaults(nn_node *n) {
    n->stride[0] = n->stride[1] = 1;
    n->dilation[0] = n->dilation[1] = 1;
    n->group = 1;
    n->alpha = n->beta = 1.0f;
    n->epsilon = 1e-5f;
    n->keepdims = 1;
    n->axis = n->op == OP_SOFTMAX || n->op == OP_FLATTEN ? 1 : 0;
    n->act_slope = -1;
}

static int add_node(nn_model *m, const Onnx__NodeProto *np, int index, char *err, size_t errlen) {
    char fallback[32];
    snprintf(fallback, sizeof fallback, "#%d", index);
    const char *name = np->name && *np->name ? np->name : fallback;
    if (np->domain && *np->domain && strcmp(np->domain, "ai.onnx") != 0)
        return nn_fail(err, errlen, "node '%s': operator domain '%s' is not supported", name,
                       np->domain);
    int op = -1;
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        if (np->op_type && !strcmp(np->op_type, op_table[i].name)) op = (int)op_table[i].op;
    }
    if (op < 0)
        return nn_fail(err, errlen, "node '%s': unsupported operator '%s'", name,
                       np->op_type ? np->op_type : "(none)");
    if (np->n_input > NN_MAX_IO || np->n_output > NN_MAX_IO || np->n_output == 0)
        return nn_fail(err, errlen, "node '%s': bad number of inputs or outputs", name);
    if (m->nnodes == m->cap_nodes) {
        int ncap = m->cap_nodes ? m->cap_nodes * 2 : 128;
        nn_node *grown = realloc(m->nodes, (size_t)ncap * sizeof *grown);
        if (!grown) return nn_fail(err, errlen, "out of memory");
        m->nodes = grown;
        m->cap_nodes = ncap;
    }
    nn_node *n = &m->nodes[m->nnodes];
    memset(n, 0, sizeof *n);
    n->op = (nn_op)op;
    n->name = strdup(name);
    if (!n->name) return nn_fail(err, errlen, "out of memory");
    m->nnodes++;
    node_defaults(n);
    n->nin = (int)np->n_input;
    for (size_t i = 0; i < np->n_input; i++) {
        const char *in = np->input[i];
        if (!in || !*in) {
            n->in[i] = -1;
            continue;
        }
        n->in[i] = find_value(m, in);
        if (n->in[i] < 0)
            return nn_fail(err, errlen,
                           "node '%s': input '%s' is not defined before use (graph not "
                           "topologically sorted, or unknown name)",
                           n->name, in);
    }
    n->nout = (int)np->n_output;
    for (size_t i = 0; i < np->n_output; i++) {
        const char *outname = np->output[i];
        if (!outname || !*outname)
            return nn_fail(err, errlen, "node '%s': empty output name", n->name);
        int v = add_value(m, outname, err, errlen);
        if (v < 0) return -1;
        m->values[v].producer = m->nnodes - 1;
        m->values[v].dtype = NN_F32;
        n->out[i] = v;
    }
    return parse_attrs(m, n, np, err, errlen);
}

static int add_graph_input(nn_model *m, const Onnx__ValueInfoProto *vi, char *err, size_t errlen) {
    if (!vi->name) return nn_fail(err, errlen, "graph input without a name");
    if (find_value(m, vi->name) >= 0) return 0; /* an initializer listed as input */
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return nn_fail(err, errlen, "input '%s' is not a tensor", vi->name);
    if (tp->tensor_type->elem_type != NN_F32)
        return nn_fail(err, errlen, "input '%s' must be float32", vi->name);
    const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
    if (!sh || sh->n_dim > NN_MAX_RANK)
        return nn_fail(err, errlen, "input '%s' has no shape or too many dims", vi->name);
    int v = add_value(m, vi->name, err, errlen);
    if (v < 0) return -1;
    nn_value *val = &m->values[v];
    val->kind = VAL_INPUT;
    val->dtype = NN_F32;
    val->dims.rank = (int)sh->n_dim;
    for (size_t i = 0; i < sh->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];
        if (!d || d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
            d->dim_value <= 0 || d->dim_value > MAX_TENSOR_ELEMS)
            return nn_fail(err, errlen, "input '%s': dimension %zu is not a fixed positive size",
                           vi->name, i);
        val->dims.dim[i] = d->dim_value;
    }
    if (m->ninputs >= NN_MAX_IO) return nn_fail(err, errlen, "too many inputs");
    m->inputs[m->ninputs++] = v;
    return 0;
}

static int build_graph(nn_model *m, const Onnx__ModelProto *mp, char *err, size_t errlen) {
    int64_t opset = -1;
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
        if (o && (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx"))) opset = o->version;
    }
    if (opset < 0) return nn_fail(err, errlen, "model declares no default-domain opset");
    if (opset < 7 || opset > 9)
        return nn_fail(err, errlen, "unsupported opset %lld (ekycd implements opsets 7 to 9)",
                       (long long)opset);
    const Onnx__GraphProto *g = mp->graph;
    if (!g) return nn_fail(err, errlen, "model has no graph");
    if (g->n_sparse_initializer)
        return nn_fail(err, errlen, "sparse initializers are not supported");
    for (size_t i = 0; i < g->n_initializer; i++) {
        const Onnx__TensorProto *t = g->initializer[i];
        if (!t || !t->name) return nn_fail(err, errlen, "initializer without a name");
        int v = add_value(m, t->name, err, errlen);
        if (v < 0) return -1;
        nn_value *val = &m->values[v];
        val->kind = VAL_CONST;
        if (read_tensor(t, &val->dtype, &val->dims, &val->data, t->name, err, errlen) != 0)
            return -1;
    }
    for (size_t i = 0; i < g->n_input; i++) {
        if (!g->input[i] || add_graph_input(m, g->input[i], err, errlen) != 0) {
            if (!g->input[i]) nn_fail(err, errlen, "null graph input");
            return -1;
        }
    }
    if (m->ninputs == 0) return nn_fail(err, errlen, "model has no runtime input");
    for (size_t i = 0; i < g->n_node; i++) {
        if (!g->node[i]) return nn_fail(err, errlen, "null node");
        if (add_node(m, g->node[i], (int)i, err, errlen) != 0) return -1;
        nn_node *n = &m->nodes[m->nnodes - 1];
        if (nn_infer_node(m, n, err, errlen) != 0) return -1;
        if (nn_try_fold(m, n, err, errlen) != 0) return -1;
    }
    if (g->n_output == 0 || g->n_output > NN_MAX_IO)
        return nn_fail(err, errlen, "bad output count");
    for (size_t i = 0; i < g->n_output; i++) {
        const char *name = g->output[i] ? g->output[i]->name : NULL;
        int v = name ? find_value(m, name) : -1;
        if (v < 0)
            return nn_fail(err, errlen, "graph output '%s' is never produced", name ? name : "?");
        if (m->values[v].dtype != NN_F32)
            return nn_fail(err, errlen, "graph output '%s' is not float32", name);
        m->values[v].is_output = true;
        m->outputs[m->noutputs++] = v;
    }
    return 0;
}

void nn_model_free(nn_model *m) {
    if (!m) return;
    for (int i = 0; i < m->nvalues; i++) {
        free(m->values[i].name);
        free(m->values[i].data);
    }
    for (int i = 0; i < m->nnodes; i++) free(m->nodes[i].name);
    free(m->values);
    free(m->nodes);
    free(m);
}

int nn_model_load_buffer(const uint8_t *data, size_t len, nn_model **out, char *err,
                         size_t errlen) {
    *out = NULL;
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, data);
    if (!mp) return nn_fail(err, errlen, "not a valid ONNX protobuf (truncated or corrupt)");
    nn_model *m = calloc(1, sizeof *m);
    int rc = m ? 0 : nn_fail(err, errlen, "out of memory");
    if (rc == 0) rc = build_graph(m, mp, err, errlen);
    onnx__model_proto__free_unpacked(mp, NULL);
    if (rc == 0) {
        nn_fuse(m);
        nn_eliminate_dead(m);
        rc = nn_plan_memory(m, err, errlen);
    }
    if (rc != 0) {
        nn_model_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

int nn_model_load(const char *path, nn_model **out, char *err, size_t errlen) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return nn_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (unsigned long long)st.st_size > MAX_MODEL_BYTES) {
        fclose(f);
        return nn_fail(err, errlen, "%s: not a regular file of 1 byte to 512 MiB", path);
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len);
    size_t got = buf ? fread(buf, 1, len, f) : 0;
    fclose(f);
    if (!buf || got != len) {
        free(buf);
        return nn_fail(err, errlen, "cannot read %s", path);
    }
    int rc = nn_model_load_buffer(buf, len, out, err, errlen);
    free(buf);
    if (rc != 0) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", err);
        nn_fail(err, errlen, "%s: %s", path, tmp);
    }
    return rc;
}
