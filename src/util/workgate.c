#include "util/workgate.h"

void workgate_init(workgate *g, unsigned slots, unsigned queue) {
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->freed, NULL);
    g->slots = slots ? slots : 1;
    g->queue = queue;
    g->running = g->waiting = 0;
    g->rejected = 0;
}

void workgate_destroy(workgate *g) {
    pthread_cond_destroy(&g->freed);
    pthread_mutex_destroy(&g->lock);
}

bool workgate_enter(workgate *g) {
    pthread_mutex_lock(&g->lock);
    if (g->running >= g->slots && g->waiting >= g->queue) {
        g->rejected++;
        pthread_mutex_unlock(&g->lock);
        return false;
    }
    g->waiting++;
    while (g->running >= g->slots) pthread_cond_wait(&g->freed, &g->lock);
    g->waiting--;
    g->running++;
    pthread_mutex_unlock(&g->lock);
    return true;
}

void workgate_leave(workgate *g) {
    pthread_mutex_lock(&g->lock);
    g->running--;
    pthread_cond_signal(&g->freed);
    pthread_mutex_unlock(&g->lock);
}

void workgate_stats(workgate *g, unsigned *running, unsigned *waiting,
                    unsigned long long *rejected) {
    pthread_mutex_lock(&g->lock);
    *running = g->running;
    *waiting = g->waiting;
    *rejected = g->rejected;
    pthread_mutex_unlock(&g->lock);
}
