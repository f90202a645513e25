/* Small helpers over the internal graph. */
#include <stdarg.h>
#include <stdio.h>

#include "nn/graph.h"

size_t dims_count(const nn_dims *d) {
    size_t n = 1;
    for (int i = 0; i < d->rank; i++) n *= (size_t)d->dim[i];
    return n;
}

size_t dtype_size(nn_dtype t) {
    return t == NN_I64 ? 8 : 4;
}

const char *op_name(nn_op op) {
    static const char *names[OP_COUNT] = {"Conv",        "BatchNormalization",
                                          "Relu",        "PRelu",
                                          "Sigmoid",     "Tanh",
                                          "Exp",         "Add",
                                          "Sub",         "Mul",
                                          "Div",         "MatMul",
                                          "Gemm",        "MaxPool",
                                          "AveragePool", "GlobalAveragePool",
                                          "Pad",         "Concat",
                                          "Split",       "Slice",
                                          "Reshape",     "Flatten",
                                          "Transpose",   "Softmax",
                                          "ReduceMean",  "Shape",
                                          "Gather",      "Unsqueeze",
                                          "Constant"};
    return (unsigned)op < OP_COUNT ? names[op] : "?";
}

int nn_fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
