#include "util/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    void (*destroy)(void *);
    void **free_objects;
    void **all;
    unsigned size, nfree;
};

pool *pool_create(void *(*make)(void *arg), void (*destroy)(void *object), void *arg,
                  unsigned size) {
    pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->all = calloc(size ? size : 1, sizeof *p->all);
    p->free_objects = calloc(size ? size : 1, sizeof *p->free_objects);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->destroy = destroy;
    p->size = size;
    if (!p->all || !p->free_objects) {
        pool_free(p);
        return NULL;
    }
    for (unsigned i = 0; i < size; i++) {
        p->all[i] = make(arg);
        if (!p->all[i]) {
            pool_free(p);
            return NULL;
        }
        p->free_objects[p->nfree++] = p->all[i];
    }
    return p;
}

void pool_free(pool *p) {
    if (!p) return;
    for (unsigned i = 0; p->all && i < p->size; i++)
        if (p->all[i]) p->destroy(p->all[i]);
    free(p->all);
    free(p->free_objects);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void *pool_acquire(pool *p) {
    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0) pthread_cond_wait(&p->freed, &p->lock);
    void *object = p->free_objects[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    return object;
}

void pool_release(pool *p, void *object) {
    pthread_mutex_lock(&p->lock);
    p->free_objects[p->nfree++] = object;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}
