/* make bench-index: the 1:N face index (src/kyc/face_index.c) on N synthetic templates.
 *
 * Templates: 512-d unit vectors in 1024 clusters (two members of a cluster have cosine ~0.3, the
 * region of the blacklist's pass mark 0.36; members of different clusters ~0), each generated
 * from its number so that it can be made again instead of kept. They are sealed as the store
 * seals them; the timed load is what a node does at start: open (decrypt) each template and add
 * it to the index. Queries: planted near-duplicates of a random template (cosine 0.4-0.95 to it)
 * and, one in five, a face that is in no list. Reference: float exact search over the same
 * templates, made again chunk by chunk in this process. recall = the share of queries whose best
 * id equals the float search's best id (recall@1). The timed search is the service's: exact
 * (int8 scan, then the entries the bounds cannot separate re-scored in float by a callback that
 * makes the template again), k = 1, no threshold, on one thread (make pins the core).
 *
 * Output, one line: templates=N p50_ms= p95_ms= rss_mb= load_ms= recall=
 * On stderr: the kernel, the index's own memory, re-scores per query, and the recall of the int8
 * scores alone (no re-score). Usage: index-bench N [QUERIES] [--fixed-scale]; INDEX_ISA=avx2 or
 * INDEX_ISA=scalar forces a kernel. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyc/face_index.h"
#include "util/crypto.h"

#define DIM      512
#define CLUSTERS 1024
#define ALPHA2   0.3 /* share of a template's variance from its cluster centre */

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

typedef struct {
    uint64_t s;
} rng;
static uint64_t next(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double unif(rng *r) {
    return ((next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
/* two standard normals (Box-Muller) */
static void gauss2(rng *r, float *a, float *b) {
    double m = sqrt(-2.0 * log(unif(r))), t = 6.283185307179586 * unif(r);
    *a = (float)(m * cos(t));
    *b = (float)(m * sin(t));
}
static void gauss_vec(rng *r, float *v) {
    for (int j = 0; j < DIM; j += 2) gauss2(r, &v[j], &v[j + 1]);
}
static void normalise(float *v) {
    double n = 0;
    for (int j = 0; j < DIM; j++) n += (double)v[j] * v[j];
    float s = (float)(1.0 / sqrt(n));
    for (int j = 0; j < DIM; j++) v[j] *= s;
}

static float (*centres)[DIM];

/* template number i, always the same */
static void make_template(uint64_t i, float *v) {
    rng r = {i * 2654435761ull + 12345};
    gauss_vec(&r, v);
    const float *c = centres[i % CLUSTERS];
    float a = (float)sqrt(ALPHA2), b = (float)sqrt(1.0 - ALPHA2);
    for (int j = 0; j < DIM; j++) v[j] = a * c[j] + b * v[j];
    normalise(v);
}

/* float dot in double, 8 fixed partial sums (the same result on every kernel) */
__attribute__((target_clones("avx512f", "avx2", "default"))) static float dot(const float *a,
                                                                              const float *b) {
    double acc[8] = {0};
    for (int j = 0; j < DIM; j += 8)
        for (int l = 0; l < 8; l++) acc[l] += (double)a[j + l] * b[j + l];
    return (float)(((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                   ((acc[4] + acc[5]) + (acc[6] + acc[7])));
}

static int rescore(void *ctx, const char *id, const float *query, float *cosine) {
    (void)ctx;
    float v[DIM];
    make_template(strtoull(id + 1, NULL, 10), v);
    *cosine = dot(v, query);
    return 0;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: index-bench N [QUERIES] [--fixed-scale]\n");
        return 2;
    }
    size_t n = strtoull(argv[1], NULL, 10), nq = 200;
    unsigned flags = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--fixed-scale"))
            flags |= FACE_INDEX_FIXED_SCALE;
        else
            nq = strtoull(argv[i], NULL, 10);
    }
    if (n == 0 || nq == 0) return 2;
    const char *isa = getenv("INDEX_ISA");
    if (isa && !strcmp(isa, "avx2")) face_index_set_isa(FACE_INDEX_ISA_AVX2);
    if (isa && !strcmp(isa, "scalar")) face_index_set_isa(FACE_INDEX_ISA_SCALAR);
    centres = malloc(sizeof(*centres) * CLUSTERS);
    float *queries = malloc(nq * DIM * sizeof(float));
    size_t *planted = malloc(nq * sizeof *planted);
    float *ref_cos = malloc(nq * sizeof *ref_cos);
    size_t *ref_id = malloc(nq * sizeof *ref_id);
    double *times = malloc(nq * sizeof *times);
    face_index *ix = face_index_create(DIM, flags);
    if (!centres || !queries || !planted || !ref_cos || !ref_id || !times || !ix) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    rng r = {42};
    for (int c = 0; c < CLUSTERS; c++) {
        gauss_vec(&r, centres[c]);
        normalise(centres[c]);
    }

    /* load: seal as the store does, then time open + add (what a node does at start) */
    crypto_keys keys;
    uint8_t master[MASTER_KEY_BYTES];
    for (int i = 0; i < MASTER_KEY_BYTES; i++) master[i] = (uint8_t)next(&r);
    crypto_derive_keys(master, &keys);
    double load = 0;
    float v[DIM];
    for (size_t i = 0; i < n; i++) {
        char id[32], ad[96];
        snprintf(id, sizeof id, "t%zu", i);
        snprintf(ad, sizeof ad, "blacklist_template|%s", id);
        make_template(i, v);
        size_t sl = 0, pl = 0;
        uint8_t *sealed = crypto_seal(&keys, ad, (const uint8_t *)v, sizeof v, &sl);
        if (!sealed) return 1;
        double t0 = now_ms();
        float *plain = (float *)crypto_open(&keys, ad, sealed, sl, &pl);
        int rc = plain && pl == sizeof v ? face_index_add(ix, id, plain) : -1;
        load += now_ms() - t0;
        free(plain);
        free(sealed);
        if (rc != 0) {
            fprintf(stderr, "load failed at %zu\n", i);
            return 1;
        }
    }
    long rss = rss_kb();

    /* queries: planted near-duplicates, and faces in no list */
    for (size_t q = 0; q < nq; q++) {
        float *y = queries + q * DIM;
        if (q % 5 == 4) {
            planted[q] = SIZE_MAX;
            gauss_vec(&r, y);
            normalise(y);
            continue;
        }
        planted[q] = next(&r) % n;
        double beta = 0.4 + 0.55 * unif(&r);
        make_template(planted[q], v);
        gauss_vec(&r, y);
        normalise(y);
        for (int j = 0; j < DIM; j++) y[j] = (float)(beta * v[j] + sqrt(1.0 - beta * beta) * y[j]);
        normalise(y);
    }
    /* reference: float exact search, templates made again */
    for (size_t q = 0; q < nq; q++) ref_cos[q] = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        make_template(i, v);
        for (size_t q = 0; q < nq; q++) {
            float c = dot(v, queries + q * DIM);
            if (c > ref_cos[q]) ref_cos[q] = c, ref_id[q] = i;
        }
    }

    /* timed searches, exact; then int8 estimates alone for their recall */
    size_t right = 0, right_int8 = 0, rescored = 0, planted_top = 0, nplanted = 0;
    for (size_t q = 0; q < nq; q++) {
        face_index_hit hit;
        size_t found = 0;
        face_index_stats st;
        double t0 = now_ms();
        int rc =
            face_index_search(ix, queries + q * DIM, 1, -1.0f, rescore, NULL, &hit, &found, &st);
        times[q] = now_ms() - t0;
        if (rc != 0 || found != 1) {
            fprintf(stderr, "search failed\n");
            return 1;
        }
        rescored += st.rescored;
        size_t got = strtoull(hit.id + 1, NULL, 10);
        right += got == ref_id[q];
        if (planted[q] != SIZE_MAX) nplanted++, planted_top += ref_id[q] == planted[q];
        if (face_index_search(ix, queries + q * DIM, 1, -1.0f, NULL, NULL, &hit, &found, NULL) !=
                0 ||
            found != 1)
            return 1;
        right_int8 += strtoull(hit.id + 1, NULL, 10) == ref_id[q];
    }
    qsort(times, nq, sizeof *times, cmp_double);
    double p50 = times[nq / 2], p95 = times[(size_t)(0.95 * (nq - 1) + 0.5)];
    printf("templates=%zu p50_ms=%.1f p95_ms=%.1f rss_mb=%.0f load_ms=%.0f recall=%.4f\n", n, p50,
           p95, rss / 1024.0, load, (double)right / nq);
    fprintf(stderr,
            "# kernel=%s scale=%s index_mb=%.0f queries=%zu rescored_per_query=%.2f "
            "int8_only_recall=%.4f planted_is_float_top1=%zu/%zu\n",
            face_index_isa_name(isa && !strcmp(isa, "avx2") ? FACE_INDEX_ISA_AVX2
                                : isa && !strcmp(isa, "scalar")
                                    ? FACE_INDEX_ISA_SCALAR
                                    : face_index_set_isa(FACE_INDEX_ISA_AUTO)),
            flags & FACE_INDEX_FIXED_SCALE ? "fixed" : "per-vector",
            face_index_memory(ix) / 1048576.0, nq, (double)rescored / nq, (double)right_int8 / nq,
            planted_top, nplanted);
    face_index_free(ix);
    free(centres);
    free(queries);
    free(planted);
    free(ref_cos);
    free(ref_id);
    free(times);
    return 0;
}
