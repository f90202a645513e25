/* A 1:N face index: exact top-k cosine search over (id, float embedding) entries held as int8.
 *
 * Contract:
 * - Entries are quantised to int8 with a per-vector scale (max |x| -> 127); the float vector is
 *   not kept. Every int8 score comes with a proven bound: |cos_float - cos_int8| <= bound
 *   (Cauchy-Schwarz on the quantisation residuals of entry and query).
 * - face_index_search returns the k best entries with cosine >= min_cosine. With a rescore
 *   callback it is exact: every entry whose bound reaches the k-th best lower bound (in practice
 *   a handful) is re-scored in float by the caller, so ids, order and cosines are those of a
 *   float exact search. Without one, cosines are the int8 estimates (exact = false).
 * - Readers run concurrently; add and remove take a write lock (pthread rwlock).
 * - add with an id already present replaces its vector (idempotent reloads). Ids are strings of
 *   fewer than FACE_INDEX_ID_MAX bytes. Pure computation: no store, no I/O.
 * Kernels: AVX-512 VNNI, AVX2, scalar, chosen at run time by CPU features. */
#ifndef EKYCD_KYC_FACE_INDEX_H
#define EKYCD_KYC_FACE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#define FACE_INDEX_ID_MAX 40
#define FACE_INDEX_K_MAX  64

typedef struct face_index face_index;

typedef struct {
    char id[FACE_INDEX_ID_MAX];
    float cosine; /* float cosine when exact, else the int8 estimate */
    float bound;  /* |cosine - float cosine| <= bound (0 when exact) */
    bool exact;
} face_index_hit;

/* Re-scores one entry in float: *cosine = dot(query, the entry's float vector). Returns 0, 1 when
 * the entry no longer exists (skipped), -1 on failure (the search fails). Called under the
 * index's read lock: it must not add to or remove from this index. */
typedef int (*face_index_rescore_fn)(void *ctx, const char *id, const float *query, float *cosine);

typedef struct {
    size_t scanned;  /* entries scored in int8 */
    size_t rescored; /* entries re-scored in float */
} face_index_stats;

enum {
    FACE_INDEX_FIXED_SCALE = 1, /* one scale (1/127) for every entry instead of per vector:
                                   measured in bench/index, not for service */
};

/* NULL on allocation failure or dim not a positive multiple of 64. */
face_index *face_index_create(size_t dim, unsigned flags);
void face_index_free(face_index *ix);

/* Adds (or replaces) id's vector. 0, or -1 on allocation failure, a bad id or a non-finite
 * vector. */
int face_index_add(face_index *ix, const char *id, const float *vec);
/* 0 when removed, 1 when id is unknown. */
int face_index_remove(face_index *ix, const char *id);
size_t face_index_count(face_index *ix);
/* Bytes held by the index (codes, per-entry data, id map). */
size_t face_index_memory(face_index *ix);

/* The k (<= FACE_INDEX_K_MAX) best entries with cosine >= min_cosine, best first, into hits;
 * *found gets their number. rescore may be NULL (estimates). stats may be NULL. 0, or -1 on a
 * bad argument, allocation failure or a failed rescore. */
int face_index_search(face_index *ix, const float *query, size_t k, float min_cosine,
                      face_index_rescore_fn rescore, void *ctx, face_index_hit *hits, size_t *found,
                      face_index_stats *stats);

/* Kernel selection, for tests and benchmarks: FACE_INDEX_ISA_AUTO (the default) picks the best
 * the CPU has. Returns the kernel then in force (never one the CPU lacks). Not thread-safe with
 * searches. */
typedef enum {
    FACE_INDEX_ISA_AUTO = 0,
    FACE_INDEX_ISA_SCALAR,
    FACE_INDEX_ISA_AVX2,
    FACE_INDEX_ISA_AVX512_VNNI
} face_index_isa;
face_index_isa face_index_set_isa(face_index_isa isa);
const char *face_index_isa_name(face_index_isa isa);

#endif
