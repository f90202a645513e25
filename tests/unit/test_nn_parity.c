/* Parity of ekycd's inference core with ONNX Runtime on the pinned face models: the same inputs
 * (pseudo-random, and a real face photo from the shared evaluation data when present) through
 * both; the largest absolute difference must stay within 1e-4 of the output's scale.
 * Needs models/ (make models) and build/ort (scripts/fetch-ort.sh); node runs the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <math.h>

#include "nn/nn.h"
#include "vision/image.h"
#include "testutil.h"

#define FACE_JPEG tu_shared("faces-pairs/dev/images/lfw/Aaron_Patterson/Aaron_Patterson_0001.jpg")

typedef struct {
    const char *file;
    int grey; /* 1: grey input /256; 0: RGB (x-127)/128 */
} model_case;

static const model_case cases[] = {
    {"models/fr_detect.onnx", 0},   {"models/fr_landmark.onnx", 1}, {"models/fr_feature.onnx", 0},
    {"models/fr_liveness.onnx", 0}, {"models/fr_eye.onnx", 1},      {"models/fr_pose.onnx", 0},
};

static char *g_dir;

static void fill_random(float *x, size_t n, uint32_t seed) {
    uint32_t s = seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[i] = (float)((double)s / 4294967296.0 * 2.0 - 1.0);
    }
}

/* Decodes a JPEG file to RGB with ekycd's own decoder; returns malloc'd pixels or NULL. */
static unsigned char *decode_jpeg(const char *path, int *w, int *h) {
    size_t len = 0;
    unsigned char *bytes = tu_read_file(path, &len);
    if (!bytes) return NULL;
    image img;
    char err[256];
    image_status st = image_decode_jpeg(bytes, len, 40000000, &img, err, sizeof err);
    free(bytes);
    if (st != IMG_OK) return NULL;
    *w = img.width;
    *h = img.height;
    return img.pixels; /* stride == width * 3 */
}

/* Nearest-neighbour resize of the photo into the model's NCHW input. */
static void fill_face(float *x, const int64_t *dims, int grey, const unsigned char *px, int w,
                      int h) {
    int64_t C = dims[1], H = dims[2], W = dims[3];
    for (int64_t y = 0; y < H; y++) {
        for (int64_t xx = 0; xx < W; xx++) {
            const unsigned char *p =
                px + ((size_t)(y * h / H) * (size_t)w + (size_t)(xx * w / W)) * 3;
            if (grey) {
                x[y * W + xx] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 256.0f;
            } else {
                for (int64_t c = 0; c < C; c++) x[(c * H + y) * W + xx] = (p[c] - 127.0f) / 128.0f;
            }
        }
    }
}

static int write_floats(const char *path, const float *x, size_t n) {
    return tu_write_file(path, x, n * sizeof *x);
}

/* Runs ONNX Runtime on input_path; outputs land in <dir>/ref.<i>.bin. */
static int run_reference(const char *model, const char *input_path, const int64_t *dims) {
    char cmd[4096], ort[2048];
    char *cwd = getcwd(NULL, 0);
    snprintf(ort, sizeof ort, "%s/build/ort/node_modules/onnxruntime-node", cwd);
    free(cwd);
    snprintf(cmd, sizeof cmd,
             "ORT_MODULE='%s' INPUT_DIMS='[%lld,%lld,%lld,%lld]' ORT_OUT_PREFIX='%s/ref' "
             "node bench/nn/ort.js '%s' '%s' 1 >/dev/null",
             ort, (long long)dims[0], (long long)dims[1], (long long)dims[2], (long long)dims[3],
             g_dir, model, input_path);
    return system(cmd);
}

static void check_model(const model_case *mc, const float *input, const char *label) {
    char err[512];
    nn_model *m = NULL;
    assert_int_equal(nn_model_load(mc->file, &m, err, sizeof err), 0);
    size_t nin = nn_model_input_size(m, 0);
    int64_t dims[NN_MAX_RANK];
    assert_int_equal(nn_model_input_shape(m, 0, dims), 4);
    char in_path[1024];
    snprintf(in_path, sizeof in_path, "%s/input.bin", g_dir);
    assert_int_equal(write_floats(in_path, input, nin), 0);
    assert_int_equal(run_reference(mc->file, in_path, dims), 0);

    nn_workspace *ws = nn_workspace_create(m);
    assert_non_null(ws);
    int no = nn_model_num_outputs(m);
    float *outs[8];
    for (int i = 0; i < no; i++) outs[i] = malloc(nn_model_output_size(m, i) * sizeof(float));
    const float *ins[1] = {input};
    assert_int_equal(nn_run(m, ws, ins, outs), 0);
    for (int i = 0; i < no; i++) {
        char ref_path[1100];
        snprintf(ref_path, sizeof ref_path, "%s/ref.%d.bin", g_dir, i);
        size_t bytes = 0;
        float *ref = (float *)tu_read_file(ref_path, &bytes);
        assert_non_null(ref);
        size_t n = nn_model_output_size(m, i);
        assert_int_equal(bytes, n * sizeof(float));
        double max_diff = 0, scale = 0;
        for (size_t k = 0; k < n; k++) {
            max_diff = fmax(max_diff, fabs((double)ref[k] - outs[i][k]));
            scale = fmax(scale, fabs((double)ref[k]));
        }
        printf("  %-26s %-7s output %d: max_abs_diff=%.3g scale=%.3g\n", mc->file, label, i,
               max_diff, scale);
        assert_true(max_diff <= 1e-4 * fmax(scale, 1e-3));
        free(ref);
    }
    for (int i = 0; i < no; i++) free(outs[i]);
    nn_workspace_free(ws);
    nn_model_free(m);
}

static void test_parity_random(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512];
        nn_model *m = NULL;
        assert_int_equal(nn_model_load(cases[i].file, &m, err, sizeof err), 0);
        size_t n = nn_model_input_size(m, 0);
        nn_model_free(m);
        float *x = malloc(n * sizeof *x);
        fill_random(x, n, 12345u + (uint32_t)i);
        check_model(&cases[i], x, "random");
        free(x);
    }
}

static void test_parity_real_face(void **state) {
    (void)state;
    int w = 0, h = 0;
    unsigned char *px = decode_jpeg(FACE_JPEG, &w, &h);
    if (!px) {
        printf("  skipped: %s not found (shared evaluation data absent)\n", FACE_JPEG);
        skip();
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512];
        nn_model *m = NULL;
        assert_int_equal(nn_model_load(cases[i].file, &m, err, sizeof err), 0);
        int64_t dims[NN_MAX_RANK];
        nn_model_input_shape(m, 0, dims);
        size_t n = nn_model_input_size(m, 0);
        nn_model_free(m);
        float *x = malloc(n * sizeof *x);
        fill_face(x, dims, cases[i].grey, px, w, h);
        check_model(&cases[i], x, "face");
        free(x);
    }
    free(px);
}

static int setup(void **state) {
    (void)state;
    g_dir = tu_mkdtemp();
    return g_dir ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(g_dir);
    free(g_dir);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_random),
        cmocka_unit_test(test_parity_real_face),
    };
    return cmocka_run_group_tests_name("nn_parity", tests, setup, teardown);
}
