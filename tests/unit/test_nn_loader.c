/* The ONNX loader against damaged files: a real model truncated at many points and with random
 * bytes changed must load with an error or load and run, never crash or touch memory it does
 * not own (this runs under ASan/UBSan). The libFuzzer harness in tests/fuzz explores further. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nn/nn.h"
#include "testutil.h"

#define MODEL "models/fr_eye.onnx"

static int try_load(const uint8_t *buf, size_t len) {
    char err[512];
    nn_model *m = NULL;
    if (nn_model_load_buffer(buf, len, &m, err, sizeof err) != 0) {
        assert_null(m);
        assert_true(err[0] != '\0');
        return 0;
    }
    /* it loaded: it must also run on its declared shapes */
    nn_workspace *ws = nn_workspace_create(m);
    assert_non_null(ws);
    size_t nin = nn_model_input_size(m, 0);
    float *x = calloc(nin ? nin : 1, sizeof *x);
    int no = nn_model_num_outputs(m);
    float *outs[NN_MAX_RANK + 10];
    for (int i = 0; i < no && i < 16; i++) outs[i] = calloc(nn_model_output_size(m, i) + 1, 4);
    const float *ins[1] = {x};
    nn_run(m, ws, ins, outs);
    for (int i = 0; i < no && i < 16; i++) free(outs[i]);
    free(x);
    nn_workspace_free(ws);
    nn_model_free(m);
    return 1;
}

static void test_truncated(void **state) {
    (void)state;
    size_t len = 0;
    uint8_t *buf = tu_read_file(MODEL, &len);
    assert_non_null(buf);
    assert_int_equal(try_load(buf, len), 1); /* intact */
    int loaded = 0;
    for (int i = 0; i < 64; i++) {
        size_t cut = (size_t)((double)len * i / 64.0);
        loaded += try_load(buf, cut);
    }
    assert_int_equal(loaded, 0); /* no prefix of the file is a complete model */
    assert_int_equal(try_load(buf, 0), 0);
    free(buf);
}

static void test_corrupted(void **state) {
    (void)state;
    size_t len = 0;
    uint8_t *orig = tu_read_file(MODEL, &len);
    assert_non_null(orig);
    uint8_t *buf = malloc(len);
    uint32_t s = 2463534242u;
    int failed = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(buf, orig, len);
        int flips = 1 + round % 8;
        for (int f = 0; f < flips; f++) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            /* half the rounds hit the graph structure (the file's head and tail), half anywhere */
            size_t pos = (round & 1) ? s % len : (s % 2 ? s % 4096 : len - 1 - s % 4096);
            buf[pos] ^= (uint8_t)(1u << (s >> 29));
        }
        failed += !try_load(buf, len);
    }
    printf("  %d of 300 corrupted files were refused with an error, the rest loaded and ran\n",
           failed);
    free(buf);
    free(orig);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_truncated),
                                       cmocka_unit_test(test_corrupted)};
    return cmocka_run_group_tests_name("nn_loader", tests, NULL, NULL);
}
