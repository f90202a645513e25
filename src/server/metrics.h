/* Prometheus metrics: requests by route/method/status, a latency histogram per route, requests in
 * flight and the heavy-work queue. Counters are lock-free atomics; rendering is text format 0.0.4.
 */
#ifndef EKYCD_SERVER_METRICS_H
#define EKYCD_SERVER_METRICS_H

#include <stddef.h>

#include "server/router.h"
#include "util/workgate.h"

typedef struct metrics metrics;

/* routes[] must outlive the metrics; an extra pseudo-route "unmatched" is added. */
metrics *metrics_create(const route *routes, size_t route_count);
void metrics_free(metrics *m);

/* route_index == route_count means "unmatched". */
void metrics_request_started(metrics *m);
void metrics_request_finished(metrics *m, size_t route_index, int status, double seconds);

/* Returns malloc'd text (caller frees) or NULL. */
char *metrics_render(metrics *m, workgate *gate);

#endif
