/* nn_gemm under the OpenMP setting the server runs with (OMP_THREAD_LIMIT=1, util/openmp_env.h:
 * this test restarts itself with it, as ekycd does), called from a thread that has never run a
 * model: every element of the product is computed, on the main thread and on a fresh one. Before
 * the fix oneDNN split the product for one thread per core and, the team capped at one, left
 * half of C unwritten (on a machine with two cores or more). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "nn/kernels.h"
#include "util/openmp_env.h"

#define M 1000
#define N 33
#define K 64

/* The largest difference between nn_gemm's product of fixed pseudo-random matrices and the
 * naive one (C is filled with a marker first, so an unwritten element shows). */
static double gemm_error(void) {
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N),
          *c = malloc(sizeof(float) * M * N);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return INFINITY;
    }
    unsigned seed = 7;
    for (int i = 0; i < M * K; i++) a[i] = (float)(rand_r(&seed) % 2001 - 1000) / 1000.0f;
    for (int i = 0; i < K * N; i++) b[i] = (float)(rand_r(&seed) % 2001 - 1000) / 1000.0f;
    for (int i = 0; i < M * N; i++) c[i] = 12345.0f;
    nn_gemm(0, 0, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
    double worst = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0;
            for (int k = 0; k < K; k++) sum += (double)a[i * K + k] * b[k * N + j];
            worst = fmax(worst, fabs(sum - c[i * N + j]));
        }
    free(a), free(b), free(c);
    return worst;
}

static void test_main_thread(void **state) {
    (void)state;
    assert_true(gemm_error() < 1e-3);
}

static void *on_thread(void *out) {
    *(double *)out = gemm_error();
    return NULL;
}

static void test_fresh_thread(void **state) {
    (void)state;
    double error = INFINITY;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, on_thread, &error), 0);
    pthread_join(t, NULL);
    assert_true(error < 1e-3);
}

int main(int argc, char **argv) {
    (void)argc;
    openmp_env_single_thread(argv); /* as the server runs */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_thread),
        cmocka_unit_test(test_fresh_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
