/* Internal representation of a loaded model, shared by the files of src/nn/. */
#ifndef EKYCD_NN_GRAPH_H
#define EKYCD_NN_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"

typedef enum { NN_F32 = 1, NN_I64 = 7 } nn_dtype;

typedef struct {
    int rank;
    int64_t dim[NN_MAX_RANK];
} nn_dims;

typedef enum { VAL_TEMP = 0, VAL_CONST, VAL_INPUT } val_kind;

typedef struct {
    char *name;
    nn_dtype dtype;
    nn_dims dims;
    val_kind kind;
    void *data;    /* VAL_CONST: owned, dense */
    int producer;  /* node index, -1 for constants and inputs */
    int last_use;  /* last node index reading it (nnodes for graph outputs) */
    size_t offset; /* VAL_TEMP: byte offset in the arena */
    bool is_output;
} nn_value;

typedef enum {
    OP_CONV,
    OP_BATCHNORM,
    OP_RELU,
    OP_PRELU,
    OP_SIGMOID,
    OP_TANH,
    OP_EXP,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MATMUL,
    OP_GEMM,
    OP_MAXPOOL,
    OP_AVGPOOL,
    OP_GLOBALAVGPOOL,
    OP_PAD,
    OP_CONCAT,
    OP_SPLIT,
    OP_SLICE,
    OP_RESHAPE,
    OP_FLATTEN,
    OP_TRANSPOSE,
    OP_SOFTMAX,
    OP_REDUCEMEAN,
    OP_SHAPE,
    OP_GATHER,
    OP_UNSQUEEZE,
    OP_CONSTANT,
    OP_COUNT
} nn_op;

typedef enum { ACT_NONE = 0, ACT_RELU, ACT_PRELU, ACT_SIGMOID } nn_act;
typedef enum { PAD_CONSTANT = 0, PAD_EDGE, PAD_REFLECT } nn_pad_mode;

#define NN_MAX_IO 64

typedef struct {
    nn_op op;
    char *name;
    int nin, nout;
    int in[NN_MAX_IO]; /* value index, -1 for an absent optional input */
    int out[NN_MAX_IO];
    bool dead;
    /* attributes (meaning depends on op) */
    int64_t kernel[2], stride[2], dilation[2], pad[4]; /* pad: top, left, bottom, right */
    int64_t group;
    int64_t axis;
    int64_t ints[2 * NN_MAX_RANK]; /* perm / axes / pads / split / starts */
    int nints;
    int64_t ints2[NN_MAX_RANK]; /* Slice ends */
    int nints2;
    int64_t ints3[NN_MAX_RANK]; /* Slice axes */
    int nints3;
    float alpha, beta, epsilon, pad_value;
    int trans_a, trans_b, keepdims, count_include_pad;
    nn_pad_mode pad_mode;
    /* fused epilogue */
    nn_act act;
    int act_slope; /* value index of the PRelu slope (per channel or scalar) */
} nn_node;

struct nn_model {
    nn_value *values;
    int nvalues, cap_values;
    nn_node *nodes;
    int nnodes, cap_nodes;
    int inputs[NN_MAX_IO], ninputs;
    int outputs[NN_MAX_IO], noutputs;
    size_t arena_bytes;
    size_t scratch_floats;
};

struct nn_workspace {
    const nn_model *model;
    unsigned char *arena;
    float *scratch;
    void **ptrs; /* per value: where its data lives during this run */
};

/* helpers (graph.c) */
size_t dims_count(const nn_dims *d);
size_t dtype_size(nn_dtype t);
const char *op_name(nn_op op);
int nn_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Adds a constant value that owns data (onnx_load.c). Returns its index or -1. */
int nn_add_const(nn_model *m, const char *name, nn_dtype t, const nn_dims *d, void *data);

/* stages of loading */
int nn_infer_node(nn_model *m, nn_node *n, char *err, size_t errlen); /* shape.c */
int nn_try_fold(nn_model *m, nn_node *n, char *err, size_t errlen);   /* optimize.c */
void nn_fuse(nn_model *m);                                            /* optimize.c */
void nn_eliminate_dead(nn_model *m);                                  /* optimize.c */
int nn_plan_memory(nn_model *m, char *err, size_t errlen);            /* plan.c */

/* execution of one node with data pointers per value (run.c) */
struct conv_params;
int nn_exec_node(const nn_model *m, const nn_node *n, void **ptrs, float *scratch);

#endif
