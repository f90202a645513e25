/* The inference core: load an ONNX model (opset <= 9, float32) and run it on the CPU.
 *
 * Contract:
 * - nn_model_load reads, validates and optimises a model once (shape inference for the model's
 *   fixed input shapes, constant folding, BatchNorm folded into Conv, Relu/PRelu fused into their
 *   producer, one memory arena planned). An unsupported operator or attribute, a truncated or
 *   inconsistent file is a load error with a message naming it, never a crash.
 * - A loaded model is immutable and may be shared by any number of threads.
 * - Each thread brings its own nn_workspace (arena + scratch, sized at load); nn_run allocates
 *   nothing. Inputs and outputs are dense float32 arrays in the model's declared shapes.
 * - Dense maths uses OpenBLAS on one thread by default; nn_set_threads raises that (CLI use). */
#ifndef EKYCD_NN_NN_H
#define EKYCD_NN_NN_H

#include <stddef.h>
#include <stdint.h>

#define NN_MAX_RANK 6

typedef struct nn_model nn_model;
typedef struct nn_workspace nn_workspace;

int nn_model_load(const char *path, nn_model **out, char *err, size_t errlen);
int nn_model_load_buffer(const uint8_t *data, size_t len, nn_model **out, char *err, size_t errlen);
void nn_model_free(nn_model *m);

int nn_model_num_inputs(const nn_model *m);
int nn_model_num_outputs(const nn_model *m);
const char *nn_model_input_name(const nn_model *m, int i);
const char *nn_model_output_name(const nn_model *m, int i);
/* Writes the dims and returns the rank. */
int nn_model_input_shape(const nn_model *m, int i, int64_t dims[NN_MAX_RANK]);
int nn_model_output_shape(const nn_model *m, int i, int64_t dims[NN_MAX_RANK]);
size_t nn_model_input_size(const nn_model *m, int i);  /* elements */
size_t nn_model_output_size(const nn_model *m, int i); /* elements */
/* Bytes of one workspace, and the number of nodes left after optimisation. */
size_t nn_model_workspace_bytes(const nn_model *m);
int nn_model_node_count(const nn_model *m);

nn_workspace *nn_workspace_create(const nn_model *m);
void nn_workspace_free(nn_workspace *ws);

/* inputs[i] / outputs[i] follow the model's input / output order. Returns 0 on success. */
int nn_run(const nn_model *m, nn_workspace *ws, const float *const *inputs, float *const *outputs);

void nn_set_threads(int threads);

#endif
