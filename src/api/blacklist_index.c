/* One face_index per account for OkayFace v2's blacklist (blacklist_index.h). */
#include "api/blacklist_index.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "kyc/face.h"
#include "kyc/face_index.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Entries this far below the pass mark in int8 are re-scored too: FOUND is decided in float. */
#define PASS_MARGIN 1e-3f

typedef struct {
    int64_t account_id;
    pthread_mutex_t sync;  /* version checks, reloads and this node's changes, one at a time */
    pthread_rwlock_t swap; /* searches hold it shared; a reload replaces ix under it */
    face_index *ix;        /* NULL until loaded */
    int64_t version;       /* the store's blacklist version ix reflects */
} account_index;

struct blacklist_indexes {
    pthread_mutex_t lock;
    account_index **items;
    size_t n, cap;
};

blacklist_indexes *blacklist_indexes_create(void) {
    blacklist_indexes *b = calloc(1, sizeof *b);
    if (b && pthread_mutex_init(&b->lock, NULL) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

void blacklist_indexes_free(blacklist_indexes *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) {
        face_index_free(b->items[i]->ix);
        pthread_mutex_destroy(&b->items[i]->sync);
        pthread_rwlock_destroy(&b->items[i]->swap);
        free(b->items[i]);
    }
    free(b->items);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* The account's entry, made when create; NULL when absent or out of memory. Entries live as long
 * as the server. */
static account_index *entry(blacklist_indexes *b, int64_t account_id, bool create) {
    account_index *e = NULL;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < b->n && !e; i++)
        if (b->items[i]->account_id == account_id) e = b->items[i];
    if (!e && create) {
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 16;
            account_index **items = realloc(b->items, cap * sizeof *items);
            if (!items) goto out;
            b->items = items;
            b->cap = cap;
        }
        e = calloc(1, sizeof *e);
        if (!e) goto out;
        if (pthread_mutex_init(&e->sync, NULL) != 0) {
            free(e);
            e = NULL;
            goto out;
        }
        if (pthread_rwlock_init(&e->swap, NULL) != 0) {
            pthread_mutex_destroy(&e->sync);
            free(e);
            e = NULL;
            goto out;
        }
        e->account_id = account_id;
        b->items[b->n++] = e;
    }
out:
    pthread_mutex_unlock(&b->lock);
    return e;
}

/* Reads the account's blacklist (version first: a change made meanwhile makes the next search
 * reload again) into a new index and puts it in place. Caller holds e->sync. */
static int load(app *a, account_index *e) {
    double t0 = time_monotonic_s();
    int64_t version = 0;
    store_face *faces = NULL;
    size_t n = 0;
    if (store_blacklist_version(a->store, e->account_id, &version) != STORE_OK ||
        store_blacklist_list(a->store, e->account_id, true, &faces, &n) != STORE_OK)
        return -1;
    face_index *ix = face_index_create(FACE_EMBEDDING_DIM, 0);
    int rc = ix ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (faces[i].dim == FACE_EMBEDDING_DIM && face_index_add(ix, faces[i].id, faces[i].tmpl))
            rc = -1;
    store_faces_free(faces, n);
    if (rc != 0) {
        face_index_free(ix);
        log_msg(LOG_ERROR, "blacklist_index", "out of memory loading a blacklist");
        return -1;
    }
    pthread_rwlock_wrlock(&e->swap);
    face_index *old = e->ix;
    e->ix = ix;
    e->version = version;
    pthread_rwlock_unlock(&e->swap);
    face_index_free(old);
    log_event(LOG_INFO, "blacklist_loaded",
              json_pack("{s:I,s:I,s:I,s:I,s:f}", "account_id", (json_int_t)e->account_id, "faces",
                        (json_int_t)face_index_count(ix), "version", (json_int_t)version, "bytes",
                        (json_int_t)face_index_memory(ix), "ms", (time_monotonic_s() - t0) * 1e3));
    return 0;
}

int blacklist_indexes_preload(app *a) {
    store_account *accounts = NULL;
    size_t n = 0;
    if (store_account_list(a->store, &accounts, &n) != STORE_OK) return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        account_index *e = entry(a->blacklists, accounts[i].id, true);
        if (!e) {
            rc = -1;
            break;
        }
        pthread_mutex_lock(&e->sync);
        if (!e->ix && load(a, e) != 0) rc = -1;
        pthread_mutex_unlock(&e->sync);
    }
    free(accounts);
    return rc;
}

typedef struct {
    store *st;
    int64_t account_id;
} rescore_ctx;

/* The float cosine of today's full scan (face_cosine on the opened template). */
static int rescore(void *p, const char *id, const float *query, float *cosine) {
    rescore_ctx *c = p;
    float tmpl[FACE_EMBEDDING_DIM];
    store_status st = store_blacklist_template(c->st, c->account_id, id, tmpl, FACE_EMBEDDING_DIM);
    if (st == STORE_NOT_FOUND) return 1;
    if (st != STORE_OK) return -1;
    *cosine = face_cosine(query, tmpl);
    return 0;
}

int blacklist_search(app *a, int64_t account_id, const float *emb, bool *found) {
    *found = false;
    account_index *e = entry(a->blacklists, account_id, true);
    int64_t version = 0;
    if (!e || store_blacklist_version(a->store, account_id, &version) != STORE_OK) return -1;
    int rc = 0;
    pthread_mutex_lock(&e->sync);
    if (!e->ix || e->version < version) rc = load(a, e);
    pthread_mutex_unlock(&e->sync);
    if (rc != 0) return -1;
    rescore_ctx ctx = {a->store, account_id};
    face_index_hit hit;
    size_t n = 0;
    pthread_rwlock_rdlock(&e->swap);
    rc = face_index_search(e->ix, emb, 1, face_pass_cosine() - PASS_MARGIN, rescore, &ctx, &hit, &n,
                           NULL);
    pthread_rwlock_unlock(&e->swap);
    if (rc != 0) return -1;
    *found = n == 1 && face_confidence(hit.cosine) >= 75.0f;
    return 0;
}

/* Applies this node's change when it is the only one since the index was read (the version
 * moved by exactly one); otherwise the next search reloads. */
static void changed(app *a, int64_t account_id, const char *id, const float *emb) {
    account_index *e = a->blacklists ? entry(a->blacklists, account_id, false) : NULL;
    if (!e) return; /* never loaded: the first search reads it */
    pthread_mutex_lock(&e->sync);
    int64_t version = 0;
    if (e->ix && store_blacklist_version(a->store, account_id, &version) == STORE_OK &&
        version == e->version + 1) {
        /* an id the index lacks (a template of another size) is no change to it */
        if (!emb || face_index_add(e->ix, id, emb) == 0) {
            if (!emb) face_index_remove(e->ix, id);
            e->version = version;
        }
    }
    pthread_mutex_unlock(&e->sync);
}

void blacklist_index_added(app *a, int64_t account_id, const char *id, const float *emb) {
    changed(a, account_id, id, emb);
}

void blacklist_index_deleted(app *a, int64_t account_id, const char *id) {
    changed(a, account_id, id, NULL);
}
