/* Operator tests for the inference core: one-node ONNX models built here with protobuf-c,
 * run through nn_run, compared with naive reference code. Shapes are deliberately odd
 * (asymmetric padding, stride 2, dilation, channel counts not a multiple of 8), and load errors
 * must name what is unsupported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "onnx.pb-c.h"

/* ---- building a one-node model ---- */

typedef struct {
    const char *name;
    int kind; /* 'i' int, 'f' float, 'I' ints, 's' string */
    int64_t i;
    float f;
    int64_t ints[8];
    size_t nints;
    const char *s;
} tattr;

typedef struct {
    const float *data;
    int64_t dims[6];
    int rank;
    size_t raw_len;       /* 0: as many bytes as dims say */
    const int64_t *idata; /* set for an int64 constant instead of data */
} tconst;

static uint8_t *build_model_n(const char *op, const int64_t *xdims, int xrank, const tconst *consts,
                              int nconsts, const tattr *attrs, int nattrs, int64_t opset, int nouts,
                              size_t *len) {
    Onnx__TensorShapeProto__Dimension dim[6], *dimp[6];
    for (int i = 0; i < xrank; i++) {
        onnx__tensor_shape_proto__dimension__init(&dim[i]);
        dim[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dim[i].dim_value = xdims[i];
        dimp[i] = &dim[i];
    }
    Onnx__TensorShapeProto shape;
    onnx__tensor_shape_proto__init(&shape);
    shape.n_dim = (size_t)xrank;
    shape.dim = dimp;
    Onnx__TypeProto__Tensor tt;
    onnx__type_proto__tensor__init(&tt);
    tt.has_elem_type = 1;
    tt.elem_type = 1;
    tt.shape = &shape;
    Onnx__TypeProto type;
    onnx__type_proto__init(&type);
    type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type.tensor_type = &tt;
    Onnx__ValueInfoProto in_vi, out_vi[4], *in_vip = &in_vi, *out_vip[4];
    char *outs[4] = {"y", "y1", "y2", "y3"};
    onnx__value_info_proto__init(&in_vi);
    in_vi.name = "x";
    in_vi.type = &type;
    for (int i = 0; i < nouts; i++) {
        onnx__value_info_proto__init(&out_vi[i]);
        out_vi[i].name = outs[i];
        out_vip[i] = &out_vi[i];
    }

    Onnx__TensorProto init[4], *initp[4];
    char *names[5] = {"x", "c1", "c2", "c3", "c4"};
    for (int i = 0; i < nconsts; i++) {
        onnx__tensor_proto__init(&init[i]);
        init[i].name = names[i + 1];
        init[i].has_data_type = 1;
        init[i].data_type = consts[i].idata ? 7 : 1;
        init[i].n_dims = (size_t)consts[i].rank;
        init[i].dims = (int64_t *)consts[i].dims;
        size_t n = 1;
        for (int d = 0; d < consts[i].rank; d++) n *= (size_t)consts[i].dims[d];
        init[i].has_raw_data = 1;
        size_t esize = consts[i].idata ? 8 : 4;
        init[i].raw_data.len = consts[i].raw_len ? consts[i].raw_len : n * esize;
        init[i].raw_data.data =
            consts[i].idata ? (uint8_t *)consts[i].idata : (uint8_t *)consts[i].data;
        initp[i] = &init[i];
    }
    Onnx__AttributeProto at[8], *atp[8];
    for (int i = 0; i < nattrs; i++) {
        onnx__attribute_proto__init(&at[i]);
        at[i].name = (char *)attrs[i].name;
        at[i].has_type = 1;
        switch (attrs[i].kind) {
        case 'i':
            at[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, at[i].has_i = 1,
            at[i].i = attrs[i].i;
            break;
        case 'f':
            at[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, at[i].has_f = 1,
            at[i].f = attrs[i].f;
            break;
        case 's':
            at[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
            at[i].has_s = 1;
            at[i].s.data = (uint8_t *)attrs[i].s;
            at[i].s.len = strlen(attrs[i].s);
            break;
        default:
            at[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
            at[i].n_ints = attrs[i].nints;
            at[i].ints = (int64_t *)attrs[i].ints;
        }
        atp[i] = &at[i];
    }
    Onnx__NodeProto node, *nodep = &node;
    onnx__node_proto__init(&node);
    node.op_type = (char *)op;
    node.name = "n0";
    node.n_input = (size_t)nconsts + 1;
    node.input = names;
    node.n_output = (size_t)nouts;
    node.output = outs;
    node.n_attribute = (size_t)nattrs;
    node.attribute = atp;
    Onnx__GraphProto g;
    onnx__graph_proto__init(&g);
    g.n_node = 1;
    g.node = &nodep;
    g.n_initializer = (size_t)nconsts;
    g.initializer = initp;
    g.n_input = 1;
    g.input = &in_vip;
    g.n_output = (size_t)nouts;
    g.output = out_vip;
    Onnx__OperatorSetIdProto os, *osp = &os;
    onnx__operator_set_id_proto__init(&os);
    os.domain = "";
    os.has_version = 1;
    os.version = opset;
    Onnx__ModelProto mp;
    onnx__model_proto__init(&mp);
    mp.has_ir_version = 1;
    mp.ir_version = 6;
    mp.n_opset_import = 1;
    mp.opset_import = &osp;
    mp.graph = &g;
    *len = onnx__model_proto__get_packed_size(&mp);
    uint8_t *buf = malloc(*len);
    onnx__model_proto__pack(&mp, buf);
    return buf;
}

static uint8_t *build_model(const char *op, const int64_t *xdims, int xrank, const tconst *consts,
                            int nconsts, const tattr *attrs, int nattrs, int64_t opset,
                            size_t *len) {
    return build_model_n(op, xdims, xrank, consts, nconsts, attrs, nattrs, opset, 1, len);
}

/* Loads and runs a one-node model; returns malloc'd output and its size. */
static float *run_model(uint8_t *buf, const size_t *lenp, const float *x, size_t *out_n) {
    size_t len = *lenp;
    char err[512];
    nn_model *m = NULL;
    int rc = nn_model_load_buffer(buf, len, &m, err, sizeof err);
    if (rc != 0) fprintf(stderr, "load error: %s\n", err);
    assert_int_equal(rc, 0);
    *out_n = nn_model_output_size(m, 0);
    float *y = malloc(*out_n * sizeof *y);
    nn_workspace *ws = nn_workspace_create(m);
    const float *ins[1] = {x};
    assert_int_equal(nn_run(m, ws, ins, &y), 0);
    nn_workspace_free(ws);
    nn_model_free(m);
    free(buf);
    return y;
}

static void fill(float *p, size_t n, float k) {
    for (size_t i = 0; i < n; i++) p[i] = sinf((float)i * k + 0.3f);
}

static void expect_close(const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (fabsf(a[i] - b[i]) > 1e-4f * (1.0f + fabsf(b[i]))) {
            fprintf(stderr, "element %zu: got %g want %g\n", i, a[i], b[i]);
            fail();
        }
    }
}

/* ---- Conv ---- */

typedef struct {
    int64_t N, C, H, W, M, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, g;
} conv_case;

static void conv_ref(const conv_case *c, const float *x, const float *w, const float *b, float *y,
                     int64_t Ho, int64_t Wo) {
    int64_t Cg = c->C / c->g, Mg = c->M / c->g;
    for (int64_t m = 0; m < c->M; m++) {
        int64_t gi = m / Mg;
        for (int64_t oy = 0; oy < Ho; oy++)
            for (int64_t ox = 0; ox < Wo; ox++) {
                double acc = b ? b[m] : 0;
                for (int64_t ci = 0; ci < Cg; ci++)
                    for (int64_t ky = 0; ky < c->kh; ky++)
                        for (int64_t kx = 0; kx < c->kw; kx++) {
                            int64_t iy = oy * c->sh - c->pt + ky * c->dh;
                            int64_t ix = ox * c->sw - c->pl + kx * c->dw;
                            if (iy < 0 || iy >= c->H || ix < 0 || ix >= c->W) continue;
                            acc += w[((m * Cg + ci) * c->kh + ky) * c->kw + kx] *
                                   x[((gi * Cg + ci) * c->H + iy) * c->W + ix];
                        }
                y[(m * Ho + oy) * Wo + ox] = (float)acc;
            }
    }
}

static void check_conv(const conv_case *c) {
    int64_t Ho = (c->H + c->pt + c->pb - (c->dh * (c->kh - 1) + 1)) / c->sh + 1;
    int64_t Wo = (c->W + c->pl + c->pr - (c->dw * (c->kw - 1) + 1)) / c->sw + 1;
    size_t nx = (size_t)(c->C * c->H * c->W), nw = (size_t)(c->M * c->C / c->g * c->kh * c->kw);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)c->M * 4);
    float *ref = malloc((size_t)(c->M * Ho * Wo) * 4);
    fill(x, nx, 0.37f);
    fill(w, nw, 0.71f);
    fill(b, (size_t)c->M, 1.3f);
    conv_ref(c, x, w, b, ref, Ho, Wo);
    int64_t xd[4] = {1, c->C, c->H, c->W};
    tconst k[2] = {{w, {c->M, c->C / c->g, c->kh, c->kw}, 4, 0, NULL}, {b, {c->M}, 1, 0, NULL}};
    tattr a[5] = {{"kernel_shape", 'I', 0, 0, {c->kh, c->kw}, 2, NULL},
                  {"strides", 'I', 0, 0, {c->sh, c->sw}, 2, NULL},
                  {"dilations", 'I', 0, 0, {c->dh, c->dw}, 2, NULL},
                  {"pads", 'I', 0, 0, {c->pt, c->pl, c->pb, c->pr}, 4, NULL},
                  {"group", 'i', c->g, 0, {0}, 0, NULL}};
    size_t len, n;
    float *y = run_model(build_model("Conv", xd, 4, k, 2, a, 5, 9, &len), &len, x, &n);
    assert_int_equal(n, (size_t)(c->M * Ho * Wo));
    expect_close(y, ref, n);
    free(x), free(w), free(b), free(ref), free(y);
}

static void test_conv_shapes(void **state) {
    (void)state;
    const conv_case cases[] = {
        /* N  C  H  W  M kh kw sh sw dh dw pt pl pb pr g */
        {1, 5, 9, 11, 7, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1},  /* asymmetric pads, stride 2 */
        {1, 3, 12, 10, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1}, /* dilation 2 */
        {1, 6, 8, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},   /* grouped */
        {1, 10, 7, 5, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},  /* pointwise */
        {1, 6, 10, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6}, /* depthwise 3x3 s1 */
        {1, 6, 11, 13, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 6}, /* depthwise 3x3 s2, odd size */
        {1, 5, 9, 9, 5, 3, 3, 1, 1, 3, 3, 3, 3, 3, 3, 5},   /* depthwise dilated */
        {1, 4, 9, 9, 4, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 4},   /* depthwise asymmetric */
        {1, 4, 5, 5, 4, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 4},   /* global depthwise */
        {1, 3, 14, 14, 4, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1}, /* 7x7 stem */
        {1, 4, 8, 8, 4, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 4},   /* 4x4 depthwise */
        {1, 3, 70, 67, 3, 3, 3, 2, 2, 1, 1, 1, 0, 0, 1, 3}, /* dw s2 wide: phase split */
        {1, 2, 9, 80, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2},  /* dw s2 wide, even width */
        {1, 2, 70, 70, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2}, /* dw s1, plane over 4096 */
        {1, 3, 12, 12, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3}, /* dw s2 dilated */
        {1, 2, 5, 140, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1}, /* full conv s2 wide (im2col) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_conv(&cases[i]);
}

/* ---- pooling ---- */

static void test_pooling(void **state) {
    (void)state;
    int64_t xd[4] = {1, 3, 9, 10};
    float x[270];
    fill(x, 270, 0.9f);
    for (int avg = 0; avg < 2; avg++) {
        for (int cip = 0; cip < 2; cip++) {
            if (!avg && cip) continue;
            tattr a[4] = {{"kernel_shape", 'I', 0, 0, {3, 3}, 2, NULL},
                          {"strides", 'I', 0, 0, {2, 2}, 2, NULL},
                          {"pads", 'I', 0, 0, {1, 1, 1, 0}, 4, NULL},
                          {"count_include_pad", 'i', cip, 0, {0}, 0, NULL}};
            size_t len, n;
            float *y = run_model(build_model(avg ? "AveragePool" : "MaxPool", xd, 4, NULL, 0, a,
                                             avg ? 4 : 3, 9, &len),
                                 &len, x, &n);
            int64_t Ho = (9 + 2 - 3) / 2 + 1, Wo = (10 + 1 - 3) / 2 + 1;
            assert_int_equal(n, (size_t)(3 * Ho * Wo));
            for (int64_t c = 0; c < 3; c++)
                for (int64_t oy = 0; oy < Ho; oy++)
                    for (int64_t ox = 0; ox < Wo; ox++) {
                        double acc = avg ? 0 : -1e30;
                        int cnt = 0;
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int64_t iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                                bool inside = iy >= 0 && iy < 9 && ix >= 0 && ix < 10;
                                bool in_padded = iy < 9 + 1 && ix < 10 + 0;
                                if (inside) {
                                    double v = x[(c * 9 + iy) * 10 + ix];
                                    acc = avg ? acc + v : fmax(acc, v);
                                }
                                cnt += cip ? in_padded : inside;
                            }
                        float want = (float)(avg ? acc / cnt : acc);
                        float got = y[(c * Ho + oy) * Wo + ox];
                        assert_true(fabsf(got - want) < 1e-5f);
                    }
            free(y);
        }
    }
}

/* ---- broadcasting, transpose, softmax ---- */

static void test_broadcast_add_mul(void **state) {
    (void)state;
    int64_t xd[4] = {2, 3, 4, 5};
    float x[120], c1[3], c2[5];
    fill(x, 120, 0.2f);
    fill(c1, 3, 1.1f);
    fill(c2, 5, 2.1f);
    const char *ops[] = {"Add", "Mul", "Sub", "Div", "PRelu"};
    for (int o = 0; o < 5; o++) {
        for (int variant = 0; variant < 2; variant++) {
            tconst k =
                variant ? (tconst){c2, {1, 5}, 2, 0, NULL} : (tconst){c1, {3, 1, 1}, 3, 0, NULL};
            if (o == 3) { /* keep Div away from zero */
                for (int i = 0; i < 5; i++) c2[i] = 1.5f + (float)i;
                for (int i = 0; i < 3; i++) c1[i] = 2.0f + (float)i;
            }
            size_t len, n;
            float *y = run_model(build_model(ops[o], xd, 4, &k, 1, NULL, 0, 9, &len), &len, x, &n);
            assert_int_equal(n, 120);
            for (int i = 0; i < 120; i++) {
                int c = (i / 20) % 3, w = i % 5;
                float b = variant ? c2[w] : c1[c], a = x[i], want;
                switch (o) {
                case 0:
                    want = a + b;
                    break;
                case 1:
                    want = a * b;
                    break;
                case 2:
                    want = a - b;
                    break;
                case 3:
                    want = a / b;
                    break;
                default:
                    want = a < 0 ? a * b : a;
                }
                assert_true(fabsf(y[i] - want) < 1e-5f);
            }
            free(y);
        }
    }
}

static void test_transpose_softmax(void **state) {
    (void)state;
    int64_t xd[5] = {1, 2, 3, 4, 5};
    float x[120];
    fill(x, 120, 0.5f);
    tattr perm = {"perm", 'I', 0, 0, {0, 2, 1, 3, 4}, 5, NULL};
    size_t len, n;
    float *y = run_model(build_model("Transpose", xd, 5, NULL, 0, &perm, 1, 9, &len), &len, x, &n);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 20; i++)
                assert_true(y[(b * 2 + a) * 20 + i] == x[(a * 3 + b) * 20 + i]);
    free(y);
    tattr perm4 = {"perm", 'I', 0, 0, {0, 2, 3, 1}, 4, NULL};
    int64_t xd4[4] = {1, 3, 4, 10};
    y = run_model(build_model("Transpose", xd4, 4, NULL, 0, &perm4, 1, 9, &len), &len, x, &n);
    for (int c = 0; c < 3; c++)
        for (int h = 0; h < 4; h++)
            for (int w = 0; w < 10; w++)
                assert_true(y[(h * 10 + w) * 3 + c] == x[(c * 4 + h) * 10 + w]);
    free(y);
    tattr axis = {"axis", 'i', 2, 0, {0}, 0, NULL};
    int64_t xs[3] = {2, 3, 20};
    y = run_model(build_model("Softmax", xs, 3, NULL, 0, &axis, 1, 9, &len), &len, x, &n);
    for (int r = 0; r < 6; r++) {
        double sum = 0, mx = -1e9;
        for (int i = 0; i < 20; i++) mx = fmax(mx, x[r * 20 + i]);
        for (int i = 0; i < 20; i++) sum += exp(x[r * 20 + i] - mx);
        for (int i = 0; i < 20; i++)
            assert_true(fabs(y[r * 20 + i] - exp(x[r * 20 + i] - mx) / sum) < 1e-6);
    }
    free(y);
}

/* ---- dense, data movement, reductions, unary ---- */

static float *run1(const char *op, const int64_t *xd, int xr, const tconst *k, int nk,
                   const tattr *a, int na, const float *x, size_t *n) {
    size_t len;
    uint8_t *buf = build_model(op, xd, xr, k, nk, a, na, 9, &len);
    return run_model(buf, &len, x, n);
}

static void test_gemm_matmul(void **state) {
    (void)state;
    float x[15], b[20], c[4];
    fill(x, 15, 0.3f), fill(b, 20, 0.7f), fill(c, 4, 1.9f);
    for (int rows = 1; rows <= 3; rows += 2) { /* rows == 1 takes the row-vector path */
        int64_t xd[2] = {rows, 5};
        tconst k[2] = {{b, {4, 5}, 2, 0, NULL}, {c, {4}, 1, 0, NULL}};
        tattr a[3] = {{"transB", 'i', 1, 0, {0}, 0, NULL},
                      {"alpha", 'f', 0, 0.5f, {0}, 0, NULL},
                      {"beta", 'f', 0, 2.0f, {0}, 0, NULL}};
        size_t n;
        float *y = run1("Gemm", xd, 2, k, 2, a, 3, x, &n);
        assert_int_equal(n, (size_t)(rows * 4));
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < 4; j++) {
                double acc = 0;
                for (int q = 0; q < 5; q++) acc += x[i * 5 + q] * b[j * 5 + q];
                assert_true(fabs(y[i * 4 + j] - (0.5 * acc + 2.0 * c[j])) < 1e-4);
            }
        free(y);
        int64_t xm[3] = {1, rows, 5};
        tconst km = {b, {5, 4}, 2, 0, NULL};
        y = run1("MatMul", xm, 3, &km, 1, NULL, 0, x, &n);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < 4; j++) {
                double acc = 0;
                for (int q = 0; q < 5; q++) acc += x[i * 5 + q] * b[q * 4 + j];
                assert_true(fabs(y[i * 4 + j] - acc) < 1e-4);
            }
        free(y);
    }
}

static void test_concat_split_slice(void **state) {
    (void)state;
    float x[24], c[36];
    fill(x, 24, 0.4f), fill(c, 36, 0.9f);
    int64_t xd[4] = {1, 2, 3, 4};
    tconst k = {c, {1, 3, 3, 4}, 4, 0, NULL};
    tattr axis = {"axis", 'i', 1, 0, {0}, 0, NULL};
    size_t n;
    float *y = run1("Concat", xd, 4, &k, 1, &axis, 1, x, &n);
    assert_int_equal(n, 60);
    assert_memory_equal(y, x, 24 * 4);
    assert_memory_equal(y + 24, c, 36 * 4);
    free(y);

    /* Split into [1, 3] along channels: run the model and read both outputs */
    int64_t sd[4] = {1, 4, 2, 3};
    tattr sa[2] = {{"axis", 'i', 1, 0, {0}, 0, NULL}, {"split", 'I', 0, 0, {1, 3}, 2, NULL}};
    size_t len;
    uint8_t *buf = build_model_n("Split", sd, 4, NULL, 0, sa, 2, 9, 2, &len);
    char err[256];
    nn_model *m = NULL;
    assert_int_equal(nn_model_load_buffer(buf, len, &m, err, sizeof err), 0);
    free(buf);
    assert_int_equal(nn_model_num_outputs(m), 2);
    float o0[6], o1[18], *outs[2] = {o0, o1};
    const float *ins[1] = {x};
    nn_workspace *ws = nn_workspace_create(m);
    assert_int_equal(nn_run(m, ws, ins, outs), 0);
    assert_memory_equal(o0, x, 6 * 4);
    assert_memory_equal(o1, x + 6, 18 * 4);
    nn_workspace_free(ws);
    nn_model_free(m);

    /* Slice with negative and out-of-range bounds */
    float z[60];
    fill(z, 60, 0.2f);
    int64_t zd[3] = {2, 5, 6};
    tattr sl[3] = {{"starts", 'I', 0, 0, {1, -4}, 2, NULL},
                   {"ends", 'I', 0, 0, {5, 1000}, 2, NULL},
                   {"axes", 'I', 0, 0, {1, 2}, 2, NULL}};
    y = run1("Slice", zd, 3, NULL, 0, sl, 3, z, &n);
    assert_int_equal(n, 2 * 4 * 4);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 4; b++)
            for (int c2 = 0; c2 < 4; c2++)
                assert_true(y[(a * 4 + b) * 4 + c2] == z[(a * 5 + b + 1) * 6 + c2 + 2]);
    free(y);
}

static void test_pad_modes(void **state) {
    (void)state;
    float x[24];
    fill(x, 24, 0.6f);
    int64_t xd[4] = {1, 2, 3, 4};
    const char *modes[] = {"constant", "edge", "reflect"};
    for (int md = 0; md < 3; md++) {
        tattr a[3] = {{"mode", 's', 0, 0, {0}, 0, modes[md]},
                      {"pads", 'I', 0, 0, {0, 0, 1, 2, 0, 0, 2, 1}, 8, NULL},
                      {"value", 'f', 0, 7.5f, {0}, 0, NULL}};
        size_t n;
        float *y = run1("Pad", xd, 4, NULL, 0, a, 3, x, &n);
        assert_int_equal(n, 2 * 6 * 7);
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 7; w++) {
                    int sh = h - 1, sw = w - 2;
                    float want;
                    if (md == 0) {
                        want = (sh < 0 || sh >= 3 || sw < 0 || sw >= 4) ? 7.5f
                                                                        : x[(c * 3 + sh) * 4 + sw];
                    } else {
                        if (md == 1) {
                            sh = sh < 0 ? 0 : sh > 2 ? 2 : sh;
                            sw = sw < 0 ? 0 : sw > 3 ? 3 : sw;
                        } else {
                            sh = sh < 0 ? -sh : sh > 2 ? 4 - sh : sh;
                            sw = sw < 0 ? -sw : sw > 3 ? 6 - sw : sw;
                        }
                        want = x[(c * 3 + sh) * 4 + sw];
                    }
                    assert_true(y[(c * 6 + h) * 7 + w] == want);
                }
        free(y);
    }
}

static void test_reduce_gather_shapes(void **state) {
    (void)state;
    float x[120];
    fill(x, 120, 0.8f);
    int64_t xd[4] = {2, 3, 4, 5};
    for (int keep = 0; keep < 2; keep++) {
        tattr a[2] = {{"axes", 'I', 0, 0, {2, 3}, 2, NULL},
                      {"keepdims", 'i', keep, 0, {0}, 0, NULL}};
        size_t n;
        float *y = run1("ReduceMean", xd, 4, NULL, 0, a, 2, x, &n);
        assert_int_equal(n, 6);
        for (int i = 0; i < 6; i++) {
            double acc = 0;
            for (int j = 0; j < 20; j++) acc += x[i * 20 + j];
            assert_true(fabs(y[i] - acc / 20) < 1e-5);
        }
        free(y);
    }
    float gx[24];
    fill(gx, 24, 1.1f);
    int64_t gd[3] = {2, 3, 4};
    static const int64_t idx[3] = {2, 0, -1};
    tconst k = {NULL, {3}, 1, 0, idx};
    tattr axis = {"axis", 'i', 1, 0, {0}, 0, NULL};
    size_t n;
    float *y = run1("Gather", gd, 3, &k, 1, &axis, 1, gx, &n);
    assert_int_equal(n, 2 * 3 * 4);
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 3; i++) {
            int src = idx[i] < 0 ? idx[i] + 3 : (int)idx[i];
            assert_memory_equal(y + (a * 3 + i) * 4, gx + (a * 3 + src) * 4, 16);
        }
    free(y);
    /* shape-only ops: data unchanged, sizes right */
    int64_t ud[2] = {2, 3};
    tattr ua = {"axes", 'I', 0, 0, {0, 3}, 2, NULL};
    y = run1("Unsqueeze", ud, 2, NULL, 0, &ua, 1, x, &n);
    assert_int_equal(n, 6);
    assert_memory_equal(y, x, 24);
    free(y);
    tattr fa = {"axis", 'i', 2, 0, {0}, 0, NULL};
    y = run1("Flatten", xd, 4, NULL, 0, &fa, 1, x, &n);
    assert_int_equal(n, 120);
    assert_memory_equal(y, x, 480);
    free(y);
    static const int64_t shape[2] = {0, -1};
    tconst sk = {NULL, {2}, 1, 0, shape};
    y = run1("Reshape", xd, 4, &sk, 1, NULL, 0, x, &n);
    assert_int_equal(n, 120);
    assert_memory_equal(y, x, 480);
    free(y);
}

static void test_batchnorm_unary_globalpool(void **state) {
    (void)state;
    float x[105];
    fill(x, 105, 0.45f);
    int64_t xd[4] = {1, 3, 5, 7};
    float g[3] = {1.5f, 0.5f, 2.0f}, bt[3] = {0.1f, -0.2f, 0.3f}, mn[3] = {0.2f, 0.0f, -0.1f},
          vr[3] = {0.5f, 2.0f, 1.0f};
    tconst k[4] = {
        {g, {3}, 1, 0, NULL}, {bt, {3}, 1, 0, NULL}, {mn, {3}, 1, 0, NULL}, {vr, {3}, 1, 0, NULL}};
    tattr eps = {"epsilon", 'f', 0, 1e-3f, {0}, 0, NULL};
    size_t n;
    float *y = run1("BatchNormalization", xd, 4, k, 4, &eps, 1, x, &n);
    for (int i = 0; i < 105; i++) {
        int c = i / 35;
        float want = (x[i] - mn[c]) / sqrtf(vr[c] + 1e-3f) * g[c] + bt[c];
        assert_true(fabsf(y[i] - want) < 1e-5f);
    }
    free(y);
    y = run1("GlobalAveragePool", xd, 4, NULL, 0, NULL, 0, x, &n);
    assert_int_equal(n, 3);
    for (int c = 0; c < 3; c++) {
        double acc = 0;
        for (int i = 0; i < 35; i++) acc += x[c * 35 + i];
        assert_true(fabs(y[c] - acc / 35) < 1e-5);
    }
    free(y);
    int64_t ud[1] = {37};
    const char *ops[] = {"Relu", "Sigmoid", "Tanh", "Exp"};
    for (int o = 0; o < 4; o++) {
        y = run1(ops[o], ud, 1, NULL, 0, NULL, 0, x, &n);
        assert_int_equal(n, 37);
        for (int i = 0; i < 37; i++) {
            double v = x[i];
            double want = o == 0   ? (v > 0 ? v : 0)
                          : o == 1 ? 1 / (1 + exp(-v))
                          : o == 2 ? tanh(v)
                                   : exp(v);
            assert_true(fabs(y[i] - want) < 1e-5);
        }
        free(y);
    }
}

/* ---- load errors ---- */

static void expect_load_error(uint8_t *buf, const size_t *lenp, const char *needle) {
    size_t len = *lenp;
    char err[512];
    nn_model *m = NULL;
    assert_int_not_equal(nn_model_load_buffer(buf, len, &m, err, sizeof err), 0);
    assert_null(m);
    if (!strstr(err, needle)) {
        fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
        fail();
    }
    free(buf);
}

static void test_load_errors(void **state) {
    (void)state;
    int64_t xd[4] = {1, 3, 8, 8};
    size_t len;
    expect_load_error(build_model("LSTM", xd, 4, NULL, 0, NULL, 0, 9, &len), &len,
                      "unsupported operator 'LSTM'");
    tattr ceil = {"ceil_mode", 'i', 1, 0, {0}, 0, NULL};
    expect_load_error(build_model("MaxPool", xd, 4, NULL, 0, &ceil, 1, 9, &len), &len,
                      "unsupported attribute 'ceil_mode'");
    tattr same = {"auto_pad", 's', 0, 0, {0}, 0, "SAME_UPPER"};
    float w[27] = {0};
    tconst k = {w, {1, 3, 3, 3}, 4, 0, NULL};
    expect_load_error(build_model("Conv", xd, 4, &k, 1, &same, 1, 9, &len), &len, "auto_pad");
    expect_load_error(build_model("Relu", xd, 4, NULL, 0, NULL, 0, 13, &len), &len,
                      "unsupported opset 13");
    tconst bad = {w, {2, 3, 3, 3}, 4, sizeof w, NULL}; /* 54 floats declared, 27 given */
    uint8_t *buf = build_model("Conv", xd, 4, &bad, 1, NULL, 0, 9, &len);
    expect_load_error(buf, &len, "raw data");
    char err[256];
    nn_model *m = NULL;
    assert_int_not_equal(nn_model_load_buffer((const uint8_t *)"garbage!", 8, &m, err, sizeof err),
                         0);
    assert_int_not_equal(nn_model_load("/nonexistent/model.onnx", &m, err, sizeof err), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_shapes),
        cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_broadcast_add_mul),
        cmocka_unit_test(test_transpose_softmax),
        cmocka_unit_test(test_gemm_matmul),
        cmocka_unit_test(test_concat_split_slice),
        cmocka_unit_test(test_pad_modes),
        cmocka_unit_test(test_reduce_gather_shapes),
        cmocka_unit_test(test_batchnorm_unary_globalpool),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests_name("nn_ops", tests, NULL, NULL);
}
