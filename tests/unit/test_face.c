/* The face pipeline: alignment geometry, detection on real photos and on an empty image, and
 * genuine vs impostor scores on LFW pairs from the shared evaluation data (skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "kyc/face.h"
#include "testutil.h"

#define LFW(rel) tu_shared("faces-pairs/dev/images/lfw/" rel)

static face_models *g_models;
static face_engine *g_engine;

static int setup(void **state) {
    (void)state;
    char err[512];
    if (face_models_load("models", &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    g_engine = face_engine_create(g_models);
    return g_engine ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    face_engine_free(g_engine);
    face_models_free(g_models);
    return 0;
}

static void test_similarity_transform(void **state) {
    (void)state;
    const float tpl[10] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                           71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};
    float fw[6];
    face_similarity_transform(tpl, fw); /* the template maps onto itself */
    assert_true(fabsf(fw[0] - 1) < 1e-4f && fabsf(fw[1]) < 1e-4f && fabsf(fw[2]) < 1e-3f);
    assert_true(fabsf(fw[3]) < 1e-4f && fabsf(fw[4] - 1) < 1e-4f && fabsf(fw[5]) < 1e-3f);
    /* the template scaled by 3, rotated 90 degrees and shifted is brought back */
    float p[10];
    for (int i = 0; i < 5; i++) {
        p[2 * i] = -3 * tpl[2 * i + 1] + 500;
        p[2 * i + 1] = 3 * tpl[2 * i] + 20;
    }
    face_similarity_transform(p, fw);
    for (int i = 0; i < 5; i++) {
        float x = fw[0] * p[2 * i] + fw[1] * p[2 * i + 1] + fw[2];
        float y = fw[3] * p[2 * i] + fw[4] * p[2 * i + 1] + fw[5];
        assert_true(fabsf(x - tpl[2 * i]) < 1e-2f && fabsf(y - tpl[2 * i + 1]) < 1e-2f);
    }
}

static void test_no_face_in_empty_image(void **state) {
    (void)state;
    image img = {640, 480, 3, 640 * 3, malloc(640 * 480 * 3)};
    memset(img.pixels, 128, 640 * 480 * 3);
    face_box faces[FACE_MAX];
    int n = -1;
    assert_int_equal(face_detect(g_engine, &img, 0.65f, faces, FACE_MAX, &n), 0);
    assert_int_equal(n, 0);
    image_free(&img);
}

static int embed_file(const char *path, float *emb, face_box *box) {
    size_t len = 0;
    uint8_t *bytes = tu_read_file(path, &len);
    if (!bytes) return -1;
    image img;
    char err[256];
    image_status st = image_decode(bytes, len, 40000000, &img, err, sizeof err);
    free(bytes);
    assert_int_equal(st, IMG_OK);
    face_box faces[FACE_MAX];
    int n = 0;
    assert_int_equal(face_detect(g_engine, &img, 0.65f, faces, FACE_MAX, &n), 0);
    assert_true(n >= 1);
    assert_int_equal(face_landmarks(g_engine, &img, &faces[0]), 0);
    assert_int_equal(face_embed(g_engine, &img, &faces[0], emb), 0);
    *box = faces[0];
    image_free(&img);
    return 0;
}

static void test_genuine_beats_impostor(void **state) {
    (void)state;
    float a[FACE_EMBEDDING_DIM], b[FACE_EMBEDDING_DIM], c[FACE_EMBEDDING_DIM];
    face_box ba, bb, bc;
    if (embed_file(LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg"), a, &ba) != 0) {
        printf("  skipped: shared LFW images not found\n");
        skip();
    }
    assert_int_equal(embed_file(LFW("Abel_Pacheco/Abel_Pacheco_0004.jpg"), b, &bb), 0);
    assert_int_equal(embed_file(LFW("Dean_Barker/Dean_Barker_0001.jpg"), c, &bc), 0);
    /* LFW deep-funnelled crops: the face is in the middle of the 250x250 image */
    float cx = (ba.x1 + ba.x2) / 2, cy = (ba.y1 + ba.y2) / 2;
    assert_true(fabsf(cx - 125) < 30 && fabsf(cy - 125) < 40);
    /* eyes above the nose above the mouth */
    assert_true(ba.points5[1] < ba.points5[5] && ba.points5[5] < ba.points5[7]);
    double norm = 0;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) norm += a[i] * a[i];
    assert_true(fabs(norm - 1.0) < 1e-4);
    float genuine = face_cosine(a, b), impostor = face_cosine(a, c);
    printf("  genuine cosine %.3f (confidence %.1f), impostor %.3f (confidence %.1f)\n", genuine,
           face_confidence(genuine), impostor, face_confidence(impostor));
    assert_true(genuine > impostor + 0.2f);
    assert_true(face_confidence(genuine) >= 75.0f);
    assert_true(face_confidence(impostor) < 75.0f);
}

static int load_photo(const char *path, image *img) {
    size_t len = 0;
    uint8_t *bytes = tu_read_file(path, &len);
    if (!bytes) return -1;
    char err[256];
    image_status st = image_decode(bytes, len, 40000000, img, err, sizeof err);
    free(bytes);
    return st == IMG_OK ? 0 : -1;
}

static const char *gate(const char *path, face_role role) {
    image img;
    if (load_photo(path, &img) != 0) return "MISSING";
    face_check_result r;
    assert_int_equal(face_check(g_engine, &img, role, &r), 0);
    image_free(&img);
    return r.code ? r.code : "OK";
}

static void test_quality_gates(void **state) {
    (void)state;
    image probe;
    if (load_photo(LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg"), &probe) != 0) {
        printf("  skipped: shared LFW images not found\n");
        skip();
    }
    assert_string_equal(gate(LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg"), FACE_ROLE_SELFIE), "OK");
    assert_string_equal(gate(LFW("Barbara_Brezigar/Barbara_Brezigar_0001.jpg"), FACE_ROLE_SELFIE),
                        "EYES_CLOSED");
    assert_string_equal(
        gate(LFW("Benjamin_Netanyahu/Benjamin_Netanyahu_0001.jpg"), FACE_ROLE_SELFIE),
        "TOO_MANY_FACES");
    /* on an ID document the largest face is used, other faces do not matter */
    assert_string_equal(
        gate(LFW("Benjamin_Netanyahu/Benjamin_Netanyahu_0001.jpg"), FACE_ROLE_DOCUMENT), "OK");
    assert_string_equal(
        gate(tu_shared("faces-pairs/dev/images/face_recognition/obama/obama_partial_face2.jpg"),
             FACE_ROLE_SELFIE),
        "FACE_CROPPED");

    /* the same photo shrunk to a third: the face is found but too small for a selfie */
    image small = {probe.width / 3, probe.height / 3, 3, (size_t)(probe.width / 3) * 3, NULL};
    small.pixels = malloc(small.stride * (size_t)small.height);
    for (int y = 0; y < small.height; y++)
        for (int x = 0; x < small.width; x++)
            memcpy(small.pixels + (size_t)y * small.stride + (size_t)x * 3,
                   probe.pixels + (size_t)(y * 3) * probe.stride + (size_t)(x * 3) * 3, 3);
    face_check_result r;
    assert_int_equal(face_check(g_engine, &small, FACE_ROLE_SELFIE, &r), 0);
    assert_non_null(r.code);
    assert_string_equal(r.code, "FACE_TOO_SMALL");
    assert_int_equal(face_check(g_engine, &small, FACE_ROLE_DOCUMENT, &r), 0);
    assert_null(r.code); /* a 36-pixel portrait is fine on a card */
    image_free(&small);

    /* pose: the mirror image turns the head the other way */
    face_check_result a, b;
    assert_int_equal(face_check(g_engine, &probe, FACE_ROLE_SELFIE, &a), 0);
    for (int y = 0; y < probe.height; y++)
        for (int x = 0; x < probe.width / 2; x++) {
            uint8_t *p = probe.pixels + (size_t)y * probe.stride, t[3];
            memcpy(t, p + x * 3, 3);
            memcpy(p + x * 3, p + (probe.width - 1 - x) * 3, 3);
            memcpy(p + (probe.width - 1 - x) * 3, t, 3);
        }
    assert_int_equal(face_check(g_engine, &probe, FACE_ROLE_SELFIE, &b), 0);
    printf("  yaw %.1f, mirrored %.1f; pitch %.1f, mirrored %.1f\n", a.yaw, b.yaw, a.pitch,
           b.pitch);
    assert_true(fabsf(a.yaw + b.yaw) < 6.0f + 0.2f * fabsf(a.yaw));
    assert_true(fabsf(a.pitch - b.pitch) < 6.0f);
    image_free(&probe);

    image blank = {320, 240, 3, 320 * 3, calloc(320 * 240 * 3, 1)};
    assert_int_equal(face_check(g_engine, &blank, FACE_ROLE_SELFIE, &r), 0);
    assert_string_equal(r.code, "FACE_NOT_FOUND");
    image_free(&blank);
}

static void test_confidence_calibration(void **state) {
    (void)state;
    assert_true(face_confidence(1.0f) == 100.0f);
    assert_true(face_confidence(-1.0f) == 0.0f);
    assert_true(fabsf(face_confidence(0.36f) - 75.0f) < 1e-3f);
    for (float c = -0.5f; c < 1.0f; c += 0.01f)
        assert_true(face_confidence(c + 0.01f) >= face_confidence(c));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similarity_transform),
        cmocka_unit_test(test_no_face_in_empty_image),
        cmocka_unit_test(test_genuine_beats_impostor),
        cmocka_unit_test(test_confidence_calibration),
        cmocka_unit_test(test_quality_gates),
    };
    return cmocka_run_group_tests_name("face", tests, setup, teardown);
}
