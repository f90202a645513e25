/* 1:N face index: int8 codes with per-vector scales, exact search by proven bounds and a float
 * re-score of the few entries the bounds cannot separate (face_index.h).
 *
 * Entry x (float) is stored as codes q (int8, |q| <= 127) and scale a: x = a q + r. A query y is
 * quantised the same way: y = b p + s. Then x.y = ab (q.p) + r.y + (a q).s, so
 * |x.y - ab (q.p)| <= |r| |y| + |a q| |s| (Cauchy-Schwarz), which is what `bound` holds. q.p is
 * an exact int32. Entries live in blocks of up to BLOCK rows (no reallocation of the whole
 * index as it grows); an open-addressing map finds an id's slot; remove moves the last entry
 * into the hole. */
#include "kyc/face_index.h"

#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK       4096 /* rows per block */
#define FIRST_ROWS  16   /* capacity of a new block, doubled up to BLOCK */
#define SLACK       1e-5f
#define CANDS_FIRST 256

typedef struct {
    float scale;  /* a */
    float rnorm;  /* |x - a q| */
    float hnorm;  /* |a q| */
    int32_t csum; /* sum of q (the VNNI kernel's offset) */
} row_meta;

typedef struct {
    int8_t *codes; /* cap * dim, 64-byte aligned */
    row_meta *meta;
    char (*ids)[FACE_INDEX_ID_MAX];
    size_t cap;
} block;

struct face_index {
    pthread_rwlock_t lock;
    size_t dim;
    unsigned flags;
    block *blocks;
    size_t nblocks, blocks_cap;
    size_t count;
    uint32_t *map; /* slot + 1, 0 = empty; map_cap is a power of two */
    size_t map_cap;
};

/* ---- kernels: out[i] = q_i . p over rows of codes ---- */

typedef struct {
    int8_t *p;     /* query codes */
    uint8_t *pu;   /* p + 128 (VNNI: unsigned x signed) */
    uint8_t *pabs; /* |p| (AVX2: sign trick) */
    float scale, norm, rnorm;
} query_codes;

typedef void (*dots_fn)(const int8_t *codes, size_t rows, size_t dim, const query_codes *q,
                        const row_meta *meta, int32_t *out);

static void dots_scalar(const int8_t *codes, size_t rows, size_t dim, const query_codes *q,
                        const row_meta *meta, int32_t *out) {
    (void)meta;
    for (size_t i = 0; i < rows; i++) {
        const int8_t *c = codes + i * dim;
        int32_t acc = 0;
        for (size_t j = 0; j < dim; j++) acc += (int32_t)c[j] * q->p[j];
        out[i] = acc;
    }
}

__attribute__((target("avx2"))) static int32_t hsum256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* |p| * sign(q, p) as unsigned x signed pairs: 2 * 127 * 127 fits int16 without saturation. */
__attribute__((target("avx2"))) static void dots_avx2(const int8_t *codes, size_t rows, size_t dim,
                                                      const query_codes *q, const row_meta *meta,
                                                      int32_t *out) {
    (void)meta;
    const __m256i ones = _mm256_set1_epi16(1);
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const int8_t *c = codes + i * dim;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < dim; j += 32) {
            __m256i pa = _mm256_load_si256((const __m256i *)(q->pabs + j));
            __m256i ps = _mm256_load_si256((const __m256i *)(q->p + j));
#define AVX2_ROW(acc, r)                                                                           \
    acc = _mm256_add_epi32(                                                                        \
        acc,                                                                                       \
        _mm256_madd_epi16(                                                                         \
            _mm256_maddubs_epi16(                                                                  \
                pa, _mm256_sign_epi8(_mm256_load_si256((const __m256i *)(c + (r)*dim + j)), ps)),  \
            ones))
            AVX2_ROW(a0, 0);
            AVX2_ROW(a1, 1);
            AVX2_ROW(a2, 2);
            AVX2_ROW(a3, 3);
        }
        out[i] = hsum256(a0);
        out[i + 1] = hsum256(a1);
        out[i + 2] = hsum256(a2);
        out[i + 3] = hsum256(a3);
    }
    for (; i < rows; i++) {
        const int8_t *c = codes + i * dim;
        __m256i a0 = _mm256_setzero_si256();
        for (size_t j = 0; j < dim; j += 32) {
            __m256i pa = _mm256_load_si256((const __m256i *)(q->pabs + j));
            __m256i ps = _mm256_load_si256((const __m256i *)(q->p + j));
            AVX2_ROW(a0, 0);
        }
        out[i] = hsum256(a0);
    }
#undef AVX2_ROW
}

/* (p + 128) . q with vpdpbusd, then minus 128 * sum(q). */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
dots_vnni(const int8_t *codes, size_t rows, size_t dim, const query_codes *q, const row_meta *meta,
          int32_t *out) {
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const int8_t *c = codes + i * dim;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < dim; j += 64) {
            __m512i u = _mm512_load_si512(q->pu + j);
            a0 = _mm512_dpbusd_epi32(a0, u, _mm512_load_si512(c + j));
            a1 = _mm512_dpbusd_epi32(a1, u, _mm512_load_si512(c + dim + j));
            a2 = _mm512_dpbusd_epi32(a2, u, _mm512_load_si512(c + 2 * dim + j));
            a3 = _mm512_dpbusd_epi32(a3, u, _mm512_load_si512(c + 3 * dim + j));
        }
        out[i] = _mm512_reduce_add_epi32(a0) - 128 * meta[i].csum;
        out[i + 1] = _mm512_reduce_add_epi32(a1) - 128 * meta[i + 1].csum;
        out[i + 2] = _mm512_reduce_add_epi32(a2) - 128 * meta[i + 2].csum;
        out[i + 3] = _mm512_reduce_add_epi32(a3) - 128 * meta[i + 3].csum;
    }
    for (; i < rows; i++) {
        const int8_t *c = codes + i * dim;
        __m512i a0 = _mm512_setzero_si512();
        for (size_t j = 0; j < dim; j += 64)
            a0 = _mm512_dpbusd_epi32(a0, _mm512_load_si512(q->pu + j), _mm512_load_si512(c + j));
        out[i] = _mm512_reduce_add_epi32(a0) - 128 * meta[i].csum;
    }
}

static face_index_isa isa_best(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vnni"))
        return FACE_INDEX_ISA_AVX512_VNNI;
    if (__builtin_cpu_supports("avx2")) return FACE_INDEX_ISA_AVX2;
    return FACE_INDEX_ISA_SCALAR;
}

static face_index_isa isa_forced = FACE_INDEX_ISA_AUTO;
static face_index_isa isa_auto;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static void isa_init(void) {
    isa_auto = isa_best();
}

static face_index_isa isa_current(void) {
    pthread_once(&isa_once, isa_init);
    return isa_forced != FACE_INDEX_ISA_AUTO ? isa_forced : isa_auto;
}

face_index_isa face_index_set_isa(face_index_isa isa) {
    pthread_once(&isa_once, isa_init);
    if (isa == FACE_INDEX_ISA_AUTO || isa > isa_auto)
        isa_forced = FACE_INDEX_ISA_AUTO;
    else
        isa_forced = isa;
    return isa_current();
}

const char *face_index_isa_name(face_index_isa isa) {
    switch (isa) {
    case FACE_INDEX_ISA_SCALAR:
        return "scalar";
    case FACE_INDEX_ISA_AVX2:
        return "avx2";
    case FACE_INDEX_ISA_AVX512_VNNI:
        return "avx512-vnni";
    default:
        return "auto";
    }
}

static dots_fn dots_for(face_index_isa isa) {
    return isa == FACE_INDEX_ISA_AVX512_VNNI ? dots_vnni
           : isa == FACE_INDEX_ISA_AVX2      ? dots_avx2
                                             : dots_scalar;
}

/* ---- quantisation ---- */

/* x = scale * q + r, q in [-127, 127]. -1 when x has a non-finite value. */
static int quantise(const float *x, size_t dim, bool fixed, int8_t *q, row_meta *m) {
    float mx = 0.0f;
    for (size_t j = 0; j < dim; j++) {
        if (!isfinite(x[j])) return -1;
        float ax = fabsf(x[j]);
        mx = ax > mx ? ax : mx;
    }
    float a = fixed ? 1.0f / 127.0f : mx / 127.0f, inv = a > 0.0f ? 1.0f / a : 0.0f;
    double rr = 0, hh = 0;
    int32_t sum = 0;
    for (size_t j = 0; j < dim; j++) {
        float t = x[j] * inv;
        t = t > 127.0f ? 127.0f : t < -127.0f ? -127.0f : t;
        int v = (int)(t + (t >= 0.0f ? 0.5f : -0.5f)); /* nearest, halves away from zero */
        q[j] = (int8_t)v;
        sum += v;
        double h = (double)a * v, r = (double)x[j] - h;
        rr += r * r;
        hh += h * h;
    }
    m->scale = a;
    /* rounded up a little: the bound must hold after float rounding */
    m->rnorm = (float)sqrt(rr) * (1.0f + 1e-6f);
    m->hnorm = (float)sqrt(hh) * (1.0f + 1e-6f);
    m->csum = sum;
    return 0;
}

/* ---- id map ---- */

static uint64_t hash_id(const char *id) {
    uint64_t h = 1469598103934665603ull;
    for (; *id; id++) h = (h ^ (uint8_t)*id) * 1099511628211ull;
    return h ^ (h >> 29);
}

static char *slot_id(face_index *ix, size_t slot) {
    return ix->blocks[slot / BLOCK].ids[slot % BLOCK];
}

/* The map position holding id, or the empty position where it would go (*hit false). */
static size_t map_find(face_index *ix, const char *id, bool *hit) {
    size_t mask = ix->map_cap - 1, i = hash_id(id) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t v = ix->map[i];
        if (!v) {
            *hit = false;
            return i;
        }
        if (!strcmp(slot_id(ix, v - 1), id)) {
            *hit = true;
            return i;
        }
    }
}

static int map_reserve(face_index *ix, size_t entries) {
    if (ix->map_cap && entries * 2 <= ix->map_cap) return 0;
    size_t cap = ix->map_cap ? ix->map_cap : 64;
    while (entries * 2 > cap) cap *= 2;
    uint32_t *m = calloc(cap, sizeof *m);
    if (!m) return -1;
    for (size_t i = 0; i < ix->map_cap; i++) {
        uint32_t v = ix->map[i];
        if (!v) continue;
        size_t j = hash_id(slot_id(ix, v - 1)) & (cap - 1);
        while (m[j]) j = (j + 1) & (cap - 1);
        m[j] = v;
    }
    free(ix->map);
    ix->map = m;
    ix->map_cap = cap;
    return 0;
}

/* Linear probing deletion by backward shift: no tombstones. */
static void map_erase(face_index *ix, size_t i) {
    size_t mask = ix->map_cap - 1, j = i;
    ix->map[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        uint32_t v = ix->map[j];
        if (!v) return;
        size_t home = hash_id(slot_id(ix, v - 1)) & mask;
        /* v may move to i when its home is not cyclically within (i, j] */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            ix->map[i] = v;
            ix->map[j] = 0;
            i = j;
        }
    }
}

/* ---- index ---- */

face_index *face_index_create(size_t dim, unsigned flags) {
    if (dim == 0 || dim % 64 != 0 || dim > 65536) return NULL;
    face_index *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    if (pthread_rwlock_init(&ix->lock, NULL) != 0) {
        free(ix);
        return NULL;
    }
    ix->dim = dim;
    ix->flags = flags;
    return ix;
}

static void block_free(block *b) {
    free(b->codes);
    free(b->meta);
    free(b->ids);
    memset(b, 0, sizeof *b);
}

void face_index_free(face_index *ix) {
    if (!ix) return;
    for (size_t i = 0; i < ix->nblocks; i++) block_free(&ix->blocks[i]);
    free(ix->blocks);
    free(ix->map);
    pthread_rwlock_destroy(&ix->lock);
    free(ix);
}

/* Room for one more row at slot ix->count. */
static int reserve_row(face_index *ix) {
    size_t b = ix->count / BLOCK, r = ix->count % BLOCK;
    if (b == ix->nblocks) {
        if (ix->nblocks == ix->blocks_cap) {
            size_t cap = ix->blocks_cap ? ix->blocks_cap * 2 : 4;
            block *nb = realloc(ix->blocks, cap * sizeof *nb);
            if (!nb) return -1;
            ix->blocks = nb;
            ix->blocks_cap = cap;
        }
        memset(&ix->blocks[ix->nblocks], 0, sizeof(block));
        ix->nblocks++;
    }
    block *bl = &ix->blocks[b];
    if (r < bl->cap) return 0;
    size_t cap = bl->cap ? bl->cap * 2 : FIRST_ROWS;
    if (cap > BLOCK) cap = BLOCK;
    int8_t *codes = aligned_alloc(64, cap * ix->dim);
    row_meta *meta = malloc(cap * sizeof *meta);
    char(*ids)[FACE_INDEX_ID_MAX] = malloc(cap * sizeof *ids);
    if (!codes || !meta || !ids) {
        free(codes), free(meta), free(ids);
        if (bl->cap == 0) ix->nblocks--; /* the empty block just made */
        return -1;
    }
    if (bl->cap) {
        memcpy(codes, bl->codes, bl->cap * ix->dim);
        memcpy(meta, bl->meta, bl->cap * sizeof *meta);
        memcpy(ids, bl->ids, bl->cap * sizeof *ids);
    }
    block_free(bl);
    bl->codes = codes;
    bl->meta = meta;
    bl->ids = ids;
    bl->cap = cap;
    return 0;
}

int face_index_add(face_index *ix, const char *id, const float *vec) {
    if (!ix || !id || !vec) return -1;
    size_t len = strnlen(id, FACE_INDEX_ID_MAX);
    if (len == 0 || len >= FACE_INDEX_ID_MAX) return -1;
    int8_t *codes = malloc(ix->dim);
    if (!codes) return -1;
    row_meta meta;
    if (quantise(vec, ix->dim, ix->flags & FACE_INDEX_FIXED_SCALE, codes, &meta) != 0) {
        free(codes);
        return -1;
    }
    int rc = -1;
    pthread_rwlock_wrlock(&ix->lock);
    bool hit = false;
    size_t pos = 0, slot = ix->count;
    if (ix->map_cap) pos = map_find(ix, id, &hit);
    if (hit) {
        slot = ix->map[pos] - 1;
    } else if (ix->count >= UINT32_MAX - 1 || map_reserve(ix, ix->count + 1) != 0 ||
               reserve_row(ix) != 0) {
        goto out;
    }
    block *bl = &ix->blocks[slot / BLOCK];
    size_t r = slot % BLOCK;
    memcpy(bl->codes + r * ix->dim, codes, ix->dim);
    bl->meta[r] = meta;
    if (!hit) {
        memcpy(bl->ids[r], id, len + 1);
        ix->map[map_find(ix, id, &hit)] = (uint32_t)slot + 1;
        ix->count++;
    }
    rc = 0;
out:
    pthread_rwlock_unlock(&ix->lock);
    free(codes);
    return rc;
}

int face_index_remove(face_index *ix, const char *id) {
    if (!ix || !id) return 1;
    int rc = 1;
    pthread_rwlock_wrlock(&ix->lock);
    bool hit = false;
    size_t pos = ix->map_cap ? map_find(ix, id, &hit) : 0;
    if (hit) {
        size_t slot = ix->map[pos] - 1, last = ix->count - 1;
        map_erase(ix, pos);
        if (slot != last) {
            size_t lp = map_find(ix, slot_id(ix, last), &hit);
            block *to = &ix->blocks[slot / BLOCK], *from = &ix->blocks[last / BLOCK];
            size_t rt = slot % BLOCK, rf = last % BLOCK;
            memcpy(to->codes + rt * ix->dim, from->codes + rf * ix->dim, ix->dim);
            to->meta[rt] = from->meta[rf];
            memcpy(to->ids[rt], from->ids[rf], FACE_INDEX_ID_MAX);
            ix->map[lp] = (uint32_t)slot + 1;
        }
        ix->count--;
        size_t need = (ix->count + BLOCK - 1) / BLOCK;
        while (ix->nblocks > need) block_free(&ix->blocks[--ix->nblocks]);
        rc = 0;
    }
    pthread_rwlock_unlock(&ix->lock);
    return rc;
}

size_t face_index_count(face_index *ix) {
    pthread_rwlock_rdlock(&ix->lock);
    size_t n = ix->count;
    pthread_rwlock_unlock(&ix->lock);
    return n;
}

size_t face_index_memory(face_index *ix) {
    pthread_rwlock_rdlock(&ix->lock);
    size_t bytes = sizeof *ix + ix->blocks_cap * sizeof(block) + ix->map_cap * sizeof(uint32_t);
    for (size_t i = 0; i < ix->nblocks; i++)
        bytes += ix->blocks[i].cap * (ix->dim + sizeof(row_meta) + FACE_INDEX_ID_MAX);
    pthread_rwlock_unlock(&ix->lock);
    return bytes;
}

/* ---- search ---- */

typedef struct {
    uint32_t slot;
    float s, e; /* estimate and its bound (e = 0 once re-scored) */
    bool gone;
} cand;

static size_t prune(cand *c, size_t n, float t) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!c[i].gone && c[i].s + c[i].e >= t) c[m++] = c[i];
    return m;
}

static int cand_cmp(const void *pa, const void *pb) {
    const cand *a = pa, *b = pb;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* keeps the k largest lower bounds seen, ascending: lbs[0] is the k-th best */
static void topk_push(float *lbs, size_t *n, size_t k, float lb) {
    size_t i;
    if (*n < k) {
        i = (*n)++;
    } else {
        if (lb <= lbs[0]) return;
        for (i = 0; i + 1 < k && lbs[i + 1] < lb; i++) lbs[i] = lbs[i + 1];
        lbs[i] = lb;
        return;
    }
    for (; i > 0 && lbs[i - 1] > lb; i--) lbs[i] = lbs[i - 1];
    lbs[i] = lb;
}

int face_index_search(face_index *ix, const float *query, size_t k, float min_cosine,
                      face_index_rescore_fn rescore, void *ctx, face_index_hit *hits, size_t *found,
                      face_index_stats *stats) {
    if (found) *found = 0;
    if (stats) memset(stats, 0, sizeof *stats);
    if (!ix || !query || !hits || !found || k == 0 || k > FACE_INDEX_K_MAX || isnan(min_cosine))
        return -1;
    size_t dim = ix->dim;
    uint8_t *qbuf = aligned_alloc(64, 3 * dim);
    int32_t *dots = malloc(BLOCK * sizeof *dots);
    size_t ccap = CANDS_FIRST, nc = 0;
    cand *cands = malloc(ccap * sizeof *cands);
    int rc = -1;
    if (!qbuf || !dots || !cands) goto out_free;
    query_codes q = {(int8_t *)qbuf, qbuf + dim, qbuf + 2 * dim, 0, 0, 0};
    row_meta qm;
    if (quantise(query, dim, false, q.p, &qm) != 0) goto out_free;
    double yy = 0;
    for (size_t j = 0; j < dim; j++) {
        yy += (double)query[j] * query[j];
        q.pu[j] = (uint8_t)(q.p[j] + 128);
        q.pabs[j] = (uint8_t)abs(q.p[j]);
    }
    q.scale = qm.scale;
    q.norm = (float)sqrt(yy) * (1.0f + 1e-6f);
    q.rnorm = qm.rnorm;

    float lbs[FACE_INDEX_K_MAX], t = min_cosine;
    size_t nl = 0;
    pthread_rwlock_rdlock(&ix->lock);
    dots_fn dots_of = dots_for(isa_current());
    for (size_t b = 0; b < ix->nblocks; b++) {
        const block *bl = &ix->blocks[b];
        size_t rows = ix->count - b * BLOCK;
        if (rows > BLOCK) rows = BLOCK;
        dots_of(bl->codes, rows, dim, &q, bl->meta, dots);
        for (size_t i = 0; i < rows; i++) {
            const row_meta *m = &bl->meta[i];
            float s = (float)dots[i] * (m->scale * q.scale);
            float e = m->rnorm * q.norm + m->hnorm * q.rnorm + SLACK;
            if (s + e < t) continue;
            topk_push(lbs, &nl, k, s - e);
            if (nl == k && lbs[0] > t) t = lbs[0];
            if (s + e < t) continue;
            if (nc == ccap) {
                nc = prune(cands, nc, t);
                if (nc > ccap / 2) {
                    cand *more = realloc(cands, 2 * ccap * sizeof *cands);
                    if (!more) goto out_unlock;
                    cands = more;
                    ccap *= 2;
                }
            }
            cands[nc++] = (cand){(uint32_t)(b * BLOCK + i), s, e, false};
        }
    }
    nc = prune(cands, nc, t);
    if (stats) stats->scanned = ix->count;
    for (size_t i = 0; rescore && i < nc; i++) {
        float cosine = 0.0f;
        int r = rescore(ctx, slot_id(ix, cands[i].slot), query, &cosine);
        if (stats) stats->rescored++;
        if (r < 0) goto out_unlock;
        cands[i].gone = r > 0;
        cands[i].s = cosine;
        cands[i].e = 0.0f;
    }
    if (rescore) nc = prune(cands, nc, -INFINITY);
    qsort(cands, nc, sizeof *cands, cand_cmp);
    for (size_t i = 0; i < nc && *found < k; i++) {
        if (cands[i].s < min_cosine) break;
        face_index_hit *h = &hits[(*found)++];
        memcpy(h->id, slot_id(ix, cands[i].slot), FACE_INDEX_ID_MAX);
        h->cosine = cands[i].s;
        h->bound = cands[i].e;
        h->exact = rescore != NULL;
    }
    rc = 0;
out_unlock:
    pthread_rwlock_unlock(&ix->lock);
out_free:
    if (rc != 0) *found = 0;
    free(qbuf);
    free(dots);
    free(cands);
    return rc;
}
