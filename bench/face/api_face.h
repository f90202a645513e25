/* The OkayFace handler's own engine path for the benchmarks (bench/face, bench/face-eval).
 *
 * `ekycd serve` gives its handlers an app with a work gate and a pool of face engines; the
 * OkayFace handler (src/api/okayface.c) then calls api_face_analyse (src/api/face_input.c) once
 * for imageIdCard with the document role and once for imageBest with the selfie role, and
 * face_confidence(face_cosine(...)) on the two embeddings. bench_face_app builds the same app
 * (one work slot, one engine), so the benchmarks call the very functions the handler calls:
 * the API's decoding (large JPEGs decoded at reduced scale), its detector threshold, its face
 * choice and every quality gate of the role (docs/face-quality.md), then the embedding. What
 * they leave out is HTTP: the multipart body, the 3 MB size check, the journey, the quota and
 * storing the images and result. */
#ifndef EKYCD_BENCH_API_FACE_H
#define EKYCD_BENCH_API_FACE_H

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "kyc/face.h"
#include "util/pool.h"
#include "util/workgate.h"

static void *bench_make_face_engine(void *models) {
    return face_engine_create(models);
}

static void bench_free_face_engine(void *engine) {
    face_engine_free(engine);
}

/* 0 when a is ready: models loaded from dir, one work slot, no queue needed (one caller). */
static int bench_face_app(app *a, const char *dir) {
    char err[512];
    memset(a, 0, sizeof *a);
    if (face_models_load(dir, &a->faces, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    workgate_init(&a->gate, 1, 1);
    a->engines = pool_create(bench_make_face_engine, bench_free_face_engine, a->faces, 1);
    return a->engines ? 0 : -1;
}

static void bench_face_app_free(app *a) {
    pool_free(a->engines);
    workgate_destroy(&a->gate);
    face_models_free(a->faces);
}

/* What the handler runs for one image in a role (no liveness: OkayFace without
 * livenessDetection). NULL and the embedding filled when the image passes, else the API's error
 * code (FACE_NOT_FOUND, FACE_TOO_SMALL, ..., "Photo format error"). */
static const char *bench_face_analyse(app *a, const uint8_t *bytes, size_t len, face_role role,
                                      float embedding[FACE_EMBEDDING_DIM], api_face_outcome *out) {
    api_upload u = {bytes, len, NULL};
    api_face_job job = {role, embedding, false, 0.0f};
    bool busy = false;
    return api_face_analyse(a, &u, &job, out, &busy);
}

#endif
