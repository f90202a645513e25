/* OkayFace v2's blacklist search through one in-memory 1:N index per account (kyc/face_index.h).
 *
 * An account's index is loaded (templates opened once) at start or on its first search, and
 * kept current: this node's adds and deletes are applied to it; other nodes' are seen through
 * the account's blacklist version in the store (moved by a trigger on every change), which each
 * search compares first (one indexed query) and reloads the index when it moved. FOUND is
 * decided on float cosines: the few entries near the pass mark are re-scored from their sealed
 * templates, so the answer is the one a float scan of the whole list gives. */
#ifndef EKYCD_API_BLACKLIST_INDEX_H
#define EKYCD_API_BLACKLIST_INDEX_H

#include <stdbool.h>
#include <stdint.h>

struct app;
typedef struct blacklist_indexes blacklist_indexes;

blacklist_indexes *blacklist_indexes_create(void);
void blacklist_indexes_free(blacklist_indexes *b);
/* Loads every account's blacklist (serve, before it is ready). -1 on a store failure (searches
 * then load on first use). */
int blacklist_indexes_preload(struct app *a);
/* *found: a face of the account's blacklist reaches the 1:1 pass mark (confidence >= 75) with
 * emb (FACE_EMBEDDING_DIM floats). -1 on a store failure or out of memory. */
int blacklist_search(struct app *a, int64_t account_id, const float *emb, bool *found);
/* This node added (deleted) face id of the account's blacklist in the store just now. */
void blacklist_index_added(struct app *a, int64_t account_id, const char *id, const float *emb);
void blacklist_index_deleted(struct app *a, int64_t account_id, const char *id);

#endif
