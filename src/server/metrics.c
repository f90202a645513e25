#include "server/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int status_codes[] = {200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 503, 0};
#define STATUS_SLOTS (sizeof status_codes / sizeof status_codes[0]) /* last = other */

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define BUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct {
    atomic_ullong by_status[STATUS_SLOTS];
    atomic_ullong bucket[BUCKETS + 1]; /* last = +Inf */
    atomic_ullong micros_sum;
} route_stats;

struct metrics {
    const route *routes;
    size_t route_count;
    route_stats *stats; /* route_count + 1 */
    atomic_long in_flight;
};

metrics *metrics_create(const route *routes, size_t route_count) {
    metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->stats = calloc(route_count + 1, sizeof *m->stats);
    if (!m->stats) {
        free(m);
        return NULL;
    }
    m->routes = routes;
    m->route_count = route_count;
    return m;
}

void metrics_free(metrics *m) {
    if (!m) return;
    free(m->stats);
    free(m);
}

void metrics_request_started(metrics *m) {
    atomic_fetch_add(&m->in_flight, 1);
}

void metrics_request_finished(metrics *m, size_t route_index, int status, double seconds) {
    atomic_fetch_sub(&m->in_flight, 1);
    if (route_index > m->route_count) route_index = m->route_count;
    route_stats *s = &m->stats[route_index];
    size_t slot = STATUS_SLOTS - 1;
    for (size_t i = 0; i + 1 < STATUS_SLOTS; i++) {
        if (status_codes[i] == status) slot = i;
    }
    atomic_fetch_add(&s->by_status[slot], 1);
    size_t b = BUCKETS;
    for (size_t i = 0; i < BUCKETS; i++) {
        if (seconds <= buckets[i]) {
            b = i;
            break;
        }
    }
    atomic_fetch_add(&s->bucket[b], 1);
    atomic_fetch_add(&s->micros_sum, (unsigned long long)(seconds * 1e6));
}

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} text_buf;

static void put(text_buf *t, const char *fmt, ...) {
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t ncap = t->cap * 2 + (size_t)n;
        char *grown = realloc(t->buf, ncap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->buf = grown;
        t->cap = ncap;
    }
}

static void route_labels(metrics *m, size_t i, const char **method, const char **path) {
    if (i < m->route_count) {
        *method = m->routes[i].method;
        *path = m->routes[i].pattern;
    } else {
        *method = "any";
        *path = "unmatched";
    }
}

char *metrics_render(metrics *m, workgate *gate) {
    text_buf t = {malloc(8192), 0, 8192, 0};
    if (!t.buf) return NULL;
    put(&t, "# HELP ekycd_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE ekycd_http_requests_total counter\n");
    for (size_t i = 0; i <= m->route_count; i++) {
        const char *method, *path;
        route_labels(m, i, &method, &path);
        for (size_t s = 0; s < STATUS_SLOTS; s++) {
            unsigned long long v = atomic_load(&m->stats[i].by_status[s]);
            if (!v) continue;
            char code[8];
            if (status_codes[s])
                snprintf(code, sizeof code, "%d", status_codes[s]);
            else
                snprintf(code, sizeof code, "other");
            put(&t, "ekycd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                method, path, code, v);
        }
    }
    put(&t, "# HELP ekycd_http_request_duration_seconds Time from request headers to response.\n"
            "# TYPE ekycd_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->route_count; i++) {
        const char *method, *path;
        route_labels(m, i, &method, &path);
        unsigned long long cumulative = 0;
        for (size_t b = 0; b <= BUCKETS; b++) {
            cumulative += atomic_load(&m->stats[i].bucket[b]);
            if (b < BUCKETS)
                put(&t,
                    "ekycd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"%g\"} %llu\n",
                    method, path, buckets[b], cumulative);
            else
                put(&t,
                    "ekycd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"+Inf\"} %llu\n",
                    method, path, cumulative);
        }
        put(&t, "ekycd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
            method, path, (double)atomic_load(&m->stats[i].micros_sum) / 1e6);
        put(&t, "ekycd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
            method, path, cumulative);
    }
    unsigned running = 0, waiting = 0;
    unsigned long long rejected = 0;
    workgate_stats(gate, &running, &waiting, &rejected);
    put(&t,
        "# HELP ekycd_http_requests_in_flight Requests being received or processed.\n"
        "# TYPE ekycd_http_requests_in_flight gauge\nekycd_http_requests_in_flight %ld\n"
        "# HELP ekycd_work_queue_depth CPU-heavy requests waiting for a work slot.\n"
        "# TYPE ekycd_work_queue_depth gauge\nekycd_work_queue_depth %u\n"
        "# HELP ekycd_work_running CPU-heavy requests running now.\n"
        "# TYPE ekycd_work_running gauge\nekycd_work_running %u\n"
        "# HELP ekycd_work_rejected_total CPU-heavy requests refused with 503 (queue full).\n"
        "# TYPE ekycd_work_rejected_total counter\nekycd_work_rejected_total %llu\n",
        atomic_load(&m->in_flight), waiting, running, rejected);
    if (t.failed) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}
