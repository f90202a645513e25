/* bench-nn: runs one ONNX model through ekycd's inference core.
 *   bench-nn gen MODEL INPUT.bin SEED       write a deterministic input in [-1, 1) (float32 LE)
 *   bench-nn gen MODEL INPUT.bin PHOTO.jpg  write a real photo resized to the model's input
 *                                           (1 channel: grey / 256; 3: RGB (x - 127) / 128)
 *   bench-nn run MODEL INPUT.bin OUT RUNS   run RUNS times on one thread after a warm-up; write
 *                                           output i to OUT.i.bin; print "ekycd_ms=<median>"  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "nn/nn.h"
#include "util/file.h"
#include "vision/image.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}


static int fill_photo(nn_model *m, float *x, const char *jpeg) {
    size_t len = 0;
    uint8_t *bytes = file_read_all(jpeg, 64u << 20, &len);
    image img;
    char err[256];
    int64_t d[NN_MAX_RANK];
    image_status st = bytes ? image_decode_jpeg(bytes, len, 40000000, &img, err, sizeof err)
                            : IMG_CORRUPT;
    free(bytes);
    if (st != IMG_OK || nn_model_input_shape(m, 0, d) != 4) {
        if (st == IMG_OK) image_free(&img);
        return -1;
    }
    const unsigned char *px = img.pixels;
    int w = img.width, h = img.height;
    int64_t C = d[1], H = d[2], W = d[3];
    for (int64_t y = 0; y < H; y++)
        for (int64_t xx = 0; xx < W; xx++) {
            const unsigned char *p = px + ((size_t)(y * h / H) * (size_t)w + (size_t)(xx * w / W)) * 3;
            if (C == 1)
                x[y * W + xx] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 256.0f;
            else
                for (int64_t c = 0; c < C && c < 3; c++) x[(c * H + y) * W + xx] = (p[c] - 127.0f) / 128.0f;
        }
    image_free(&img);
    return 0;
}

static int gen(nn_model *m, const char *path, const char *source) {
    size_t n = nn_model_input_size(m, 0);
    float *x = malloc(n * sizeof *x);
    if (!x) return 1;
    size_t slen = strlen(source);
    if (slen > 4 && !strcmp(source + slen - 4, ".jpg")) {
        if (fill_photo(m, x, source) != 0) {
            fprintf(stderr, "bench-nn: cannot use photo %s\n", source);
            free(x);
            return 1;
        }
        goto write;
    }
    uint32_t s = (uint32_t)strtoul(source, NULL, 10);
    if (!s) s = 1;
    for (size_t i = 0; i < n; i++) { /* xorshift32 */
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[i] = (float)((double)s / 4294967296.0 * 2.0 - 1.0);
    }
write:;
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(x, sizeof *x, n, f) == n;
    if (f) fclose(f);
    free(x);
    return ok ? 0 : 1;
}

static int run(nn_model *m, const char *in_path, const char *out_prefix, int runs) {
    size_t n = nn_model_input_size(m, 0);
    float *x = malloc(n * sizeof *x);
    FILE *f = fopen(in_path, "rb");
    if (!x || !f || fread(x, sizeof *x, n, f) != n) {
        fprintf(stderr, "bench-nn: cannot read %zu floats from %s\n", n, in_path);
        if (f) fclose(f);
        free(x);
        return 1;
    }
    fclose(f);
    int no = nn_model_num_outputs(m);
    float *outs[16];
    for (int i = 0; i < no && i < 16; i++) outs[i] = malloc(nn_model_output_size(m, i) * sizeof(float));
    nn_workspace *ws = nn_workspace_create(m);
    const float *ins[1] = {x};
    double *t = malloc((size_t)runs * sizeof *t);
    int rc = ws && t ? nn_run(m, ws, ins, outs) : -1; /* warm-up */
    for (int r = 0; rc == 0 && r < runs; r++) {
        double t0 = now_ms();
        rc = nn_run(m, ws, ins, outs);
        t[r] = now_ms() - t0;
    }
    if (rc == 0) {
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        printf("ekycd_ms=%.3f\n", t[runs / 2]);
        for (int i = 0; i < no && i < 16; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s.%d.bin", out_prefix, i);
            FILE *o = fopen(path, "wb");
            if (o) {
                fwrite(outs[i], sizeof(float), nn_model_output_size(m, i), o);
                fclose(o);
            }
        }
    }
    for (int i = 0; i < no && i < 16; i++) free(outs[i]);
    free(t);
    free(x);
    nn_workspace_free(ws);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "gen") && strcmp(argv[1], "run"))) {
        fprintf(stderr, "usage: bench-nn gen MODEL INPUT SEED | run MODEL INPUT OUT RUNS\n");
        return 2;
    }
    char err[512];
    nn_model *m = NULL;
    if (nn_model_load(argv[2], &m, err, sizeof err) != 0) {
        fprintf(stderr, "bench-nn: %s\n", err);
        return 1;
    }
    int rc;
    if (!strcmp(argv[1], "gen"))
        rc = gen(m, argv[3], argv[4]);
    else
        rc = argc > 5 ? run(m, argv[3], argv[4], atoi(argv[5])) : 2;
    nn_model_free(m);
    return rc;
}
