/* A fixed set of reusable worker objects (face engines, OCR engines), one per work slot: a
 * handler that holds a work-gate slot always finds one free. Objects are made once at start. */
#ifndef EKYCD_UTIL_POOL_H
#define EKYCD_UTIL_POOL_H

typedef struct pool pool;

/* Makes `size` objects with make(arg); NULL when any of them cannot be made. */
pool *pool_create(void *(*make)(void *arg), void (*destroy)(void *object), void *arg,
                  unsigned size);
void pool_free(pool *p);

/* Blocks until an object is free (immediately when callers hold work-gate slots). */
void *pool_acquire(pool *p);
void pool_release(pool *p, void *object);

#endif
