/* Unit tests for src/kyc/face_index: int8 search against float exact search (every kernel the
 * CPU has), add/remove/replace, duplicates, empty index, bad input, readers beside a writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/face_index.h"

#define DIM 512
#define N   3000
#define NQ  150

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((rng_state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double gauss(void) {
    return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand());
}
static void normalise(float *v) {
    double n = 0;
    for (int j = 0; j < DIM; j++) n += (double)v[j] * v[j];
    for (int j = 0; j < DIM; j++) v[j] = (float)(v[j] / sqrt(n));
}
/* a unit vector: w * centre + noise, so that neighbours are close (hard cases for int8) */
static void make_vec(float *v, const float *centre, double w) {
    for (int j = 0; j < DIM; j++) v[j] = (float)((centre ? w * centre[j] : 0) + gauss());
    normalise(v);
}
static float dot(const float *a, const float *b) {
    double acc = 0;
    for (int j = 0; j < DIM; j++) acc += (double)a[j] * b[j];
    return (float)acc;
}

typedef struct {
    float *vecs; /* N x DIM, by id number */
    bool *live;
} dataset;

static int id_num(const char *id) {
    return atoi(id + 1);
}

static int rescore(void *ctx, const char *id, const float *query, float *cosine) {
    dataset *d = ctx;
    int i = id_num(id);
    if (i < 0 || i >= N || !d->live[i]) return 1;
    *cosine = dot(d->vecs + (size_t)i * DIM, query);
    return 0;
}

static dataset *make_dataset(void) {
    dataset *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->vecs = malloc((size_t)N * DIM * sizeof(float));
    d->live = calloc(N, sizeof(bool));
    assert_non_null(d->vecs);
    assert_non_null(d->live);
    float centres[20][DIM];
    for (int c = 0; c < 20; c++) make_vec(centres[c], NULL, 0);
    for (int i = 0; i < N; i++)
        make_vec(d->vecs + (size_t)i * DIM, centres[i % 20], 0.5 + 2.0 * urand());
    return d;
}

static void free_dataset(dataset *d) {
    free(d->vecs);
    free(d->live);
    free(d);
}

static void add_all(face_index *ix, dataset *d) {
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "v%05d", i);
        assert_int_equal(face_index_add(ix, id, d->vecs + (size_t)i * DIM), 0);
        d->live[i] = true;
    }
}

/* float exact top-k over the live entries: numbers into best[], cosines into cos[] */
static size_t reference(const dataset *d, const float *q, size_t k, float min_cos, int *best,
                        float *cos) {
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        if (!d->live[i]) continue;
        float c = dot(d->vecs + (size_t)i * DIM, q);
        if (c < min_cos) continue;
        size_t p = n < k ? n++ : k;
        if (p == k && c <= cos[k - 1]) continue;
        if (p == k) p = k - 1;
        for (; p > 0 && cos[p - 1] < c; p--) cos[p] = cos[p - 1], best[p] = best[p - 1];
        cos[p] = c;
        best[p] = i;
    }
    return n;
}

static void make_query(const dataset *d, int qi, float *q) {
    /* near-duplicates of an entry at various distances, and unrelated faces */
    if (qi % 5 == 4) {
        make_vec(q, NULL, 0);
        return;
    }
    int target = (int)(urand() * N);
    make_vec(q, d->vecs + (size_t)target * DIM, 0.3 + 3.0 * urand());
}

static void check_against_float(face_index *ix, dataset *d, size_t k, float min_cos) {
    float q[DIM];
    for (int qi = 0; qi < NQ; qi++) {
        make_query(d, qi, q);
        int best[FACE_INDEX_K_MAX];
        float cos[FACE_INDEX_K_MAX];
        size_t n_ref = reference(d, q, k, min_cos, best, cos);
        face_index_hit hits[FACE_INDEX_K_MAX];
        size_t found = 0;
        face_index_stats st;
        assert_int_equal(face_index_search(ix, q, k, min_cos, rescore, d, hits, &found, &st), 0);
        assert_int_equal(found, n_ref);
        for (size_t h = 0; h < found; h++) {
            assert_int_equal(id_num(hits[h].id), best[h]);
            assert_true(hits[h].exact);
            assert_true(hits[h].cosine == cos[h]);
        }
        /* estimates: within their bounds, and the best one right whenever the bounds say so */
        assert_int_equal(face_index_search(ix, q, k, min_cos, NULL, NULL, hits, &found, NULL), 0);
        for (size_t h = 0; h < found; h++) {
            float exact = dot(d->vecs + (size_t)id_num(hits[h].id) * DIM, q);
            assert_false(hits[h].exact);
            assert_true(fabsf(exact - hits[h].cosine) <= hits[h].bound);
            assert_true(hits[h].bound < 0.05f);
        }
    }
}

static void test_exact_vs_float(void **state) {
    (void)state;
    dataset *d = make_dataset();
    face_index *ix = face_index_create(DIM, 0);
    assert_non_null(ix);
    add_all(ix, d);
    assert_int_equal(face_index_count(ix), N);
    assert_true(face_index_memory(ix) >= (size_t)N * DIM);
    const face_index_isa isas[] = {FACE_INDEX_ISA_SCALAR, FACE_INDEX_ISA_AVX2,
                                   FACE_INDEX_ISA_AVX512_VNNI};
    for (size_t i = 0; i < 3; i++) {
        if (face_index_set_isa(isas[i]) != isas[i]) continue; /* the CPU lacks it */
        check_against_float(ix, d, 1, -1.0f);
        check_against_float(ix, d, 5, -1.0f);
        check_against_float(ix, d, 10, 0.3f);
    }
    face_index_set_isa(FACE_INDEX_ISA_AUTO);
    face_index_free(ix);
    free_dataset(d);
}

static void test_add_remove(void **state) {
    (void)state;
    dataset *d = make_dataset();
    face_index *ix = face_index_create(DIM, 0);
    assert_non_null(ix);
    add_all(ix, d);
    /* remove every third entry (the last one too: no move) */
    size_t removed = 0;
    for (int i = 0; i < N; i += 3) {
        char id[16];
        snprintf(id, sizeof id, "v%05d", i);
        assert_int_equal(face_index_remove(ix, id), 0);
        assert_int_equal(face_index_remove(ix, id), 1); /* gone now */
        d->live[i] = false;
        removed++;
    }
    char last[16];
    snprintf(last, sizeof last, "v%05d", N - 1);
    if (d->live[N - 1]) {
        assert_int_equal(face_index_remove(ix, last), 0);
        d->live[N - 1] = false;
        removed++;
    }
    assert_int_equal(face_index_count(ix), N - removed);
    check_against_float(ix, d, 3, -1.0f);
    /* back again */
    for (int i = 0; i < N; i++) {
        if (d->live[i]) continue;
        char id[16];
        snprintf(id, sizeof id, "v%05d", i);
        assert_int_equal(face_index_add(ix, id, d->vecs + (size_t)i * DIM), 0);
        d->live[i] = true;
    }
    assert_int_equal(face_index_count(ix), N);
    check_against_float(ix, d, 3, -1.0f);
    /* a replaced vector is found under its id, the count unchanged */
    float v[DIM];
    make_vec(v, NULL, 0);
    memcpy(d->vecs + 7 * DIM, v, sizeof v);
    assert_int_equal(face_index_add(ix, "v00007", v), 0);
    assert_int_equal(face_index_count(ix), N);
    face_index_hit hit;
    size_t found = 0;
    assert_int_equal(face_index_search(ix, v, 1, -1.0f, rescore, d, &hit, &found, NULL), 0);
    assert_int_equal(found, 1);
    assert_string_equal(hit.id, "v00007");
    assert_true(hit.cosine > 0.999f);
    /* remove everything */
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "v%05d", i);
        assert_int_equal(face_index_remove(ix, id), 0);
    }
    assert_int_equal(face_index_count(ix), 0);
    assert_int_equal(face_index_search(ix, v, 1, -1.0f, NULL, NULL, &hit, &found, NULL), 0);
    assert_int_equal(found, 0);
    face_index_free(ix);
    free_dataset(d);
}

static void test_empty_and_bad_input(void **state) {
    (void)state;
    assert_null(face_index_create(100, 0));
    assert_null(face_index_create(0, 0));
    face_index *ix = face_index_create(DIM, 0);
    assert_non_null(ix);
    float q[DIM];
    make_vec(q, NULL, 0);
    face_index_hit hits[4];
    size_t found = 7;
    assert_int_equal(face_index_search(ix, q, 4, -1.0f, NULL, NULL, hits, &found, NULL), 0);
    assert_int_equal(found, 0);
    assert_int_equal(face_index_remove(ix, "unknown"), 1);
    assert_int_equal(face_index_search(ix, q, 0, -1.0f, NULL, NULL, hits, &found, NULL), -1);
    assert_int_equal(
        face_index_search(ix, q, FACE_INDEX_K_MAX + 1, -1.0f, NULL, NULL, hits, &found, NULL), -1);
    assert_int_equal(face_index_search(ix, q, 1, NAN, NULL, NULL, hits, &found, NULL), -1);
    float bad[DIM];
    memcpy(bad, q, sizeof bad);
    bad[3] = NAN;
    assert_int_equal(face_index_add(ix, "a", bad), -1);
    assert_int_equal(face_index_search(ix, bad, 1, -1.0f, NULL, NULL, hits, &found, NULL), -1);
    char long_id[FACE_INDEX_ID_MAX + 1];
    memset(long_id, 'x', FACE_INDEX_ID_MAX);
    long_id[FACE_INDEX_ID_MAX] = '\0';
    assert_int_equal(face_index_add(ix, long_id, q), -1);
    assert_int_equal(face_index_add(ix, "", q), -1);
    assert_int_equal(face_index_count(ix), 0);
    /* a zero vector is accepted and scores 0 */
    float zero[DIM] = {0};
    assert_int_equal(face_index_add(ix, "zero", zero), 0);
    assert_int_equal(face_index_search(ix, q, 1, -1.0f, NULL, NULL, hits, &found, NULL), 0);
    assert_int_equal(found, 1);
    assert_true(fabsf(hits[0].cosine) <= hits[0].bound);
    assert_int_equal(face_index_remove(ix, "zero"), 0);
    face_index_free(ix);
    face_index_free(NULL);
}

static int rescore_plain(void *ctx, const char *id, const float *query, float *cosine) {
    const float *const *vecs = ctx;
    *cosine = dot(vecs[id[0] - 'a'], query);
    return 0;
}

static void test_duplicates(void **state) {
    (void)state;
    face_index *ix = face_index_create(DIM, 0);
    assert_non_null(ix);
    float a[DIM], b[DIM], q[DIM];
    make_vec(a, NULL, 0);
    make_vec(b, NULL, 0);
    make_vec(q, a, 1.0);
    const float *vecs[3] = {a, a, b};
    /* the same face under two ids: both found, equal cosines, in insertion order */
    assert_int_equal(face_index_add(ix, "a1", a), 0);
    assert_int_equal(face_index_add(ix, "b1", a), 0);
    assert_int_equal(face_index_add(ix, "c1", b), 0);
    assert_int_equal(face_index_add(ix, "a1", a), 0); /* the same id again: replaced */
    assert_int_equal(face_index_count(ix), 3);
    face_index_hit hits[3];
    size_t found = 0;
    assert_int_equal(face_index_search(ix, q, 3, -1.0f, rescore_plain, vecs, hits, &found, NULL),
                     0);
    assert_int_equal(found, 3);
    assert_string_equal(hits[0].id, "a1");
    assert_string_equal(hits[1].id, "b1");
    assert_string_equal(hits[2].id, "c1");
    assert_true(hits[0].cosine == hits[1].cosine);
    assert_true(hits[0].cosine == dot(a, q));
    /* min_cosine keeps only the two */
    float mid = (dot(a, q) + dot(b, q)) / 2;
    assert_int_equal(face_index_search(ix, q, 3, mid, rescore_plain, vecs, hits, &found, NULL), 0);
    assert_int_equal(found, 2);
    assert_int_equal(face_index_remove(ix, "a1"), 0);
    assert_int_equal(face_index_search(ix, q, 3, mid, rescore_plain, vecs, hits, &found, NULL), 0);
    assert_int_equal(found, 1);
    assert_string_equal(hits[0].id, "b1");
    face_index_free(ix);
}

/* readers beside a writer: every search sees a consistent index (ASan watches the memory) */
typedef struct {
    face_index *ix;
    const float *q;
    int failures;
} reader_arg;

static void *reader(void *p) {
    reader_arg *r = p;
    for (int i = 0; i < 200; i++) {
        face_index_hit hits[4];
        size_t found = 0;
        if (face_index_search(r->ix, r->q, 4, -1.0f, NULL, NULL, hits, &found, NULL) != 0)
            r->failures++;
        else if (found && strncmp(hits[0].id, "w", 1) != 0)
            r->failures++;
    }
    return NULL;
}

static void test_concurrent(void **state) {
    (void)state;
    face_index *ix = face_index_create(DIM, 0);
    assert_non_null(ix);
    float v[DIM];
    make_vec(v, NULL, 0);
    reader_arg args[2] = {{ix, v, 0}, {ix, v, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    for (int i = 0; i < 3000; i++) {
        char id[16];
        snprintf(id, sizeof id, "w%d", i);
        assert_int_equal(face_index_add(ix, id, v), 0);
        if (i % 2) assert_int_equal(face_index_remove(ix, id), 0);
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_int_equal(args[0].failures + args[1].failures, 0);
    assert_int_equal(face_index_count(ix), 1500);
    face_index_free(ix);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_vs_float),      cmocka_unit_test(test_add_remove),
        cmocka_unit_test(test_empty_and_bad_input), cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
