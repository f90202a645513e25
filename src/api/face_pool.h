/* A fixed set of face engines (workspaces and buffers), one per work slot: a handler that holds a
 * work-gate slot always finds an engine free. */
#ifndef EKYCD_API_FACE_POOL_H
#define EKYCD_API_FACE_POOL_H

#include "kyc/face.h"

typedef struct face_pool face_pool;

face_pool *face_pool_create(const face_models *models, unsigned size);
void face_pool_free(face_pool *pool);

/* Blocks until an engine is free (immediately when callers hold work-gate slots). */
face_engine *face_pool_acquire(face_pool *pool);
void face_pool_release(face_pool *pool, face_engine *engine);

#endif
