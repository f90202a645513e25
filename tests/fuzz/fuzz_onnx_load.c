/* libFuzzer target for the ONNX loader: `make fuzz-nn` (needs clang). Any input must give a load
 * error or a model that runs; crashes and sanitizer reports are bugs. */
#include <stdint.h>
#include <stdlib.h>

#include "nn/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    nn_model *m = NULL;
    if (nn_model_load_buffer(data, size, &m, err, sizeof err) != 0) return 0;
    size_t total = 0;
    for (int i = 0; i < nn_model_num_inputs(m); i++) total += nn_model_input_size(m, i);
    if (total < (1u << 22) && nn_model_num_inputs(m) == 1 && nn_model_num_outputs(m) <= 8) {
        nn_workspace *ws = nn_workspace_create(m);
        float *x = calloc(total, sizeof *x), *outs[8] = {0};
        for (int i = 0; i < nn_model_num_outputs(m); i++)
            outs[i] = calloc(nn_model_output_size(m, i) + 1, sizeof(float));
        const float *ins[1] = {x};
        if (ws && x) nn_run(m, ws, ins, outs);
        for (int i = 0; i < 8; i++) free(outs[i]);
        free(x);
        nn_workspace_free(ws);
    }
    nn_model_free(m);
    return 0;
}
