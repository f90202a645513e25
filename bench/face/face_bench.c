/* face-bench: latency of one OkayFace comparison (decode two JPEGs, detect, 68 landmarks,
 * align, two embeddings each, cosine) on one core.
 *   face-bench [PHOTO_A.jpg PHOTO_B.jpg] [RUNS]
 * Without photos, two 1000x1000 (1 MP) JPEGs are made from LFW dev images (upscaled). Prints
 * p50/p95 in ms, and the part of it spent decoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t */

#include "kyc/face.h"
#include "util/file.h"
#include "vision/image.h"

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
            memcpy(row + x * 3, src->pixels + (size_t)sy * src->stride + (size_t)(x * src->width / side) * 3, 3);
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

static int one_face(face_engine *e, const uint8_t *jpg, size_t len, float *emb, double *decode_ms) {
    image img;
    char err[256];
    double t0 = now_ms();
    if (image_decode(jpg, len, 40000000, &img, err, sizeof err) != IMG_OK) return -1;
    *decode_ms += now_ms() - t0;
    face_box faces[FACE_MAX];
    int n = 0, rc = -1;
    if (face_detect(e, &img, 0.65f, faces, FACE_MAX, &n) == 0 && n > 0 &&
        face_landmarks(e, &img, &faces[0]) == 0 && face_embed(e, &img, &faces[0], emb) == 0)
        rc = 0;
    image_free(&img);
    return rc;
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
    face_models *fm = NULL;
    if (face_models_load("models", &fm, err, sizeof err) != 0) {
        fprintf(stderr, "face-bench: %s\n", err);
        return 1;
    }
    face_engine *e = face_engine_create(fm);
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
    float ea[FACE_EMBEDDING_DIM], eb[FACE_EMBEDDING_DIM];
    one_face(e, ja, la, ea, &decode); /* warm-up */
    decode = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        if (one_face(e, ja, la, ea, &decode) != 0 || one_face(e, jb, lb, eb, &decode) != 0) {
            fprintf(stderr, "face-bench: no face found\n");
            return 1;
        }
        t[r] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("face-bench: okayface_compare images=%s jpeg_bytes=%zu+%zu runs=%d p50_ms=%.1f "
           "p95_ms=%.1f decode_ms_mean=%.1f confidence=%.2f\n",
           side ? "2x1000x1000" : "given", la, lb, runs, t[runs / 2], t[runs * 95 / 100],
           decode / runs, face_confidence(face_cosine(ea, eb)));
    free(t);
    free(ja), free(jb);
    face_engine_free(e);
    face_models_free(fm);
    return 0;
}
