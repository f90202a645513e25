#include "api/face_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct face_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    face_engine **free_engines;
    face_engine **all;
    unsigned size, nfree;
};

face_pool *face_pool_create(const face_models *models, unsigned size) {
    face_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->all = calloc(size, sizeof *p->all);
    p->free_engines = calloc(size, sizeof *p->free_engines);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->size = size;
    if (!p->all || !p->free_engines) {
        face_pool_free(p);
        return NULL;
    }
    for (unsigned i = 0; i < size; i++) {
        p->all[i] = face_engine_create(models);
        if (!p->all[i]) {
            face_pool_free(p);
            return NULL;
        }
        p->free_engines[p->nfree++] = p->all[i];
    }
    return p;
}

void face_pool_free(face_pool *p) {
    if (!p) return;
    for (unsigned i = 0; p->all && i < p->size; i++) face_engine_free(p->all[i]);
    free(p->all);
    free(p->free_engines);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

face_engine *face_pool_acquire(face_pool *p) {
    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0) pthread_cond_wait(&p->freed, &p->lock);
    face_engine *e = p->free_engines[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    return e;
}

void face_pool_release(face_pool *p, face_engine *e) {
    pthread_mutex_lock(&p->lock);
    p->free_engines[p->nfree++] = e;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}
