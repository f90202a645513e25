/* Admission gate for CPU-heavy work (password hashing now; inference and OCR later).
 *
 * At most `slots` callers run at once; up to `queue` more wait in FIFO-ish order; anyone beyond
 * that is refused at once so the server answers 503 instead of piling up. Depth and running
 * counts are readable for metrics. Thread-safe. */
#ifndef EKYCD_UTIL_WORKGATE_H
#define EKYCD_UTIL_WORKGATE_H

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    unsigned slots, queue;
    unsigned running, waiting;
    unsigned long long rejected;
} workgate;

void workgate_init(workgate *g, unsigned slots, unsigned queue);
void workgate_destroy(workgate *g);

/* Takes a slot, waiting if needed. Returns false (and takes nothing) when the queue is full. */
bool workgate_enter(workgate *g);
void workgate_leave(workgate *g);

void workgate_stats(workgate *g, unsigned *running, unsigned *waiting,
                    unsigned long long *rejected);

#endif
