/* Long-running steps (OkayID, OkayDoc) run as jobs with a lease, so that a node dying in the
 * middle of one does not lose it (docs/jobs.md). The node that took the request records the
 * job (its validated request, sealed), runs it at once and answers; a background thread on every
 * node renews the leases of its own running jobs and takes over jobs whose lease ran out (their
 * node died), running each at most twice in all, after which the job is marked failed and shows
 * on the journey as a failed step. Any node of a PostgreSQL deployment may finish any job. */
#ifndef EKYCD_API_JOBS_H
#define EKYCD_API_JOBS_H

#include <jansson.h>

#include "server/request.h"
#include "store/store.h"

struct app;
typedef struct api_jobs api_jobs;

#define API_JOB_MAX_ATTEMPTS 2 /* the first run and one retry */

typedef struct {
    const char *name; /* the journey component it produces: "okayid", "okaydoc" */
    /* Runs the step for the journey from its request body (validated when the request came in),
     * storing the result on the journey and answering into res. prepared is the handler's
     * already decoded input, or NULL when the job is taken over from another node. */
    void (*run)(struct app *a, const char *journey_id, json_t *body, void *prepared,
                http_response *res);
} api_job_kind;

extern const api_job_kind api_okayid_job;
extern const api_job_kind api_okaydoc_job;

/* Records the job, runs it on this node and answers the request with its outcome. */
void api_job_run(http_request *req, http_response *res, const api_job_kind *kind,
                 const char *journey_id, json_t *body, void *prepared);

/* The journey's failed steps, oldest first, as the journey status and details show them:
 * [{"step", "code": "STEP_FAILED", "attempts", "createdDate", "failedDate"}]; NULL on a store
 * failure. */
json_t *api_job_failures(store *st, const char *journey_id);

/* The background thread: lease renewal and take-over. NULL when it cannot start. */
api_jobs *api_jobs_start(struct app *a);
void api_jobs_stop(api_jobs *jobs);

#endif
