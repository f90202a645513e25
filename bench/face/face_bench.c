/* face-bench: latency of one OkayFace comparison as POST /api/ekyc/okayface/v1-1 runs it, on one
 * core, minus HTTP and the store: imageIdCard through the handler's api_face_analyse with the
 * document role (decode, detect, 68 landmarks, the document gates, aligned mirror-averaged
 * embedding), imageBest with the selfie role (decode, detect, landmarks, every selfie gate:
 * fr_pose for the head angle and fr_eye for closed eyes included, embedding), then the cosine and
 * its confidence (bench/face/api_face.h).
 *   face-bench [PHOTO_A.jpg PHOTO_B.jpg] [RUNS]
 * Without photos, two 1000x1000 (1 MP) JPEGs are made from LFW dev images (upscaled). Prints
 * p50/p95 in ms, and JPEG decoding of both images timed apart (the same decoder call). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t */

#include "api_face.h"
#include "kyc/face.h"
#include "util/file.h"
#include "vision/image.h"

#define DECODE_MIN_SIDE 1600 /* as src/api/face_input.c decodes, for the decoding figure only */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Upscales an image to side x side (nearest) and encodes it as JPEG quality 92. */
static uint8_t *upscaled_jpeg(const image *src, int side, size_t *len) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = c.image_height = (JDIMENSION)side;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 92, TRUE);
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc((size_t)side * 3);
    while (c.next_scanline < c.image_height) {
        int sy = (int)c.next_scanline * src->height / side;
        for (int x = 0; x < side; x++)
            memcpy(row + x * 3,
                   src->pixels + (size_t)sy * src->stride + (size_t)(x * src->width / side) * 3, 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    *len = size;
    return buf;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Decoding alone, as api_face_analyse decodes (for the breakdown printed). */
static double decode_ms(const uint8_t *jpg, size_t len) {
    image img;
    char err[256];
    double t0 = now_ms();
    if (image_decode_min_side(jpg, len, API_MAX_IMAGE_PIXELS, DECODE_MIN_SIDE, &img, err,
                              sizeof err) != IMG_OK)
        return 0;
    double t = now_ms() - t0;
    image_free(&img);
    return t;
}

/* One v1-1 comparison: the ID image with the document role, the selfie with the selfie role. */
static const char *compare(app *a, const uint8_t *ja, size_t la, const uint8_t *jb, size_t lb,
                           float *ea, float *eb, float *confidence) {
    api_face_outcome oa, ob;
    const char *code = bench_face_analyse(a, ja, la, FACE_ROLE_DOCUMENT, ea, &oa);
    if (!code) code = bench_face_analyse(a, jb, lb, FACE_ROLE_SELFIE, eb, &ob);
    if (!code) *confidence = face_confidence(face_cosine(ea, eb));
    return code;
}

int main(int argc, char **argv) {
    const char *lfw = "../shared/data/faces-pairs/dev/images/lfw/";
    char pa[1024], pb[1024];
    int runs = 100;
    if (argc >= 3) {
        snprintf(pa, sizeof pa, "%s", argv[1]);
        snprintf(pb, sizeof pb, "%s", argv[2]);
        if (argc > 3) runs = atoi(argv[3]);
    } else {
        snprintf(pa, sizeof pa, "%sAbel_Pacheco/Abel_Pacheco_0001.jpg", lfw);
        snprintf(pb, sizeof pb, "%sAbel_Pacheco/Abel_Pacheco_0004.jpg", lfw);
        if (argc == 2) runs = atoi(argv[1]);
    }
    char err[512];
    app a;
    if (bench_face_app(&a, "models") != 0) {
        fprintf(stderr, "face-bench: cannot load the face models\n");
        return 1;
    }
    size_t la = 0, lb = 0;
    uint8_t *ja = file_read_all(pa, 64u << 20, &la), *jb = file_read_all(pb, 64u << 20, &lb);
    if (!ja || !jb) {
        printf("face-bench: skipped, %s or %s not found\n", pa, pb);
        return 0;
    }
    int side = 0;
    if (argc < 3) { /* make 1-MP versions */
        image ia, ib;
        image_decode(ja, la, 40000000, &ia, err, sizeof err);
        image_decode(jb, lb, 40000000, &ib, err, sizeof err);
        free(ja), free(jb);
        side = 1000;
        ja = upscaled_jpeg(&ia, side, &la);
        jb = upscaled_jpeg(&ib, side, &lb);
        image_free(&ia), image_free(&ib);
    }
    double *t = malloc((size_t)runs * sizeof *t), decode = 0;
    float ea[FACE_EMBEDDING_DIM], eb[FACE_EMBEDDING_DIM], confidence = 0;
    const char *code = compare(&a, ja, la, jb, lb, ea, eb, &confidence); /* warm-up */
    if (code) {
        fprintf(stderr, "face-bench: the API refuses these photos: %s\n", code);
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        compare(&a, ja, la, jb, lb, ea, eb, &confidence);
        t[r] = now_ms() - t0;
        decode += decode_ms(ja, la) + decode_ms(jb, lb);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("face-bench: path=okayface/v1-1 (api_face_analyse: imageIdCard as document, imageBest "
           "as selfie with pose and eye gates) images=%s jpeg_bytes=%zu+%zu runs=%d p50_ms=%.1f "
           "p95_ms=%.1f decode_ms_mean=%.1f confidence=%.2f\n",
           side ? "2x1000x1000" : "given", la, lb, runs, t[runs / 2], t[runs * 95 / 100],
           decode / runs, confidence);
    free(t);
    free(ja), free(jb);
    bench_face_app_free(&a);
    return 0;
}
