/* Jobs with a lease: the request path (api_job_run) and the background thread that keeps this
 * node's leases alive and takes over the jobs of nodes that died. */
#include "api/jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "util/log.h"
#include "util/timeutil.h"

static const api_job_kind *const kinds[] = {&api_okayid_job, &api_okaydoc_job};

static int64_t lease_ms(const app *a) {
    return (int64_t)a->cfg.job_lease_seconds * 1000;
}

/* Fault injection for tests only (EKYCD_FAULT_JOB_STALL_MS): holds a job after it is recorded,
 * so that a test can kill the node in the middle of it. */
static void fault_stall(const app *a) {
    if (!a->fault_job_stall_ms) return;
    struct timespec ts = {(time_t)(a->fault_job_stall_ms / 1000),
                          (long)(a->fault_job_stall_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void api_job_run(http_request *req, http_response *res, const api_job_kind *kind,
                 const char *journey_id, json_t *body, void *prepared) {
    app *a = req->app;
    char *input = json_dumps(body, JSON_COMPACT);
    store_job job;
    store_status st =
        input ? store_job_start(a->store, journey_id, kind->name, (const uint8_t *)input,
                                strlen(input), a->node, time_now_ms(), lease_ms(a), &job)
              : STORE_ERROR;
    free(input);
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    fault_stall(a);
    kind->run(a, journey_id, body, prepared, res);
    /* CONFLICT: this node ran past its lease and another took the job over: both results
     * stand (the later one wins in details); nothing is lost */
    st = store_job_finish(a->store, &job, a->node);
    if (st != STORE_OK)
        log_event(LOG_WARN, "job_finish",
                  json_pack("{s:s,s:s}", "kind", kind->name, "outcome", store_status_name(st)));
}

json_t *api_job_failures(store *st, const char *journey_id) {
    store_job_failure *f = NULL;
    size_t n = 0;
    if (store_job_failures(st, journey_id, &f, &n) != STORE_OK) return NULL;
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s,s:i,s:I,s:I}", "step", f[i].kind, "code",
                                              "STEP_FAILED", "attempts", f[i].attempts,
                                              "createdDate", (json_int_t)f[i].created_at_ms,
                                              "failedDate", (json_int_t)f[i].failed_at_ms));
    free(f);
    return list;
}

struct api_jobs {
    app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static const api_job_kind *find_kind(const char *name) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i]->name, name)) return kinds[i];
    return NULL;
}

static bool stopping(api_jobs *j) {
    pthread_mutex_lock(&j->lock);
    bool stop = j->stop;
    pthread_mutex_unlock(&j->lock);
    return stop;
}

/* Runs a job taken over from another node; the answer goes nowhere but the log (its request
 * died with that node), the result goes on the journey. A busy work gate is waited out. */
static void run_taken_over(api_jobs *j, store_job *job) {
    app *a = j->app;
    const api_job_kind *kind = find_kind(job->kind);
    json_t *body = json_loadb((const char *)job->input, job->input_len, 0, NULL);
    http_response res;
    memset(&res, 0, sizeof res);
    if (kind && body) {
        fault_stall(a);
        for (;;) {
            kind->run(a, job->journey_id, body, NULL, &res);
            if (res.status != 503 || stopping(j)) break;
            free(res.body);
            memset(&res, 0, sizeof res);
            struct timespec ts = {0, 200000000L};
            nanosleep(&ts, NULL);
            store_job_renew(a->store, a->node, time_now_ms(), lease_ms(a));
        }
    }
    log_event(LOG_INFO, "job_taken_over",
              json_pack("{s:s,s:s,s:i,s:i,s:s}", "job", job->id, "kind", job->kind, "attempt",
                        job->attempts, "status", res.status, "outcome",
                        res.code[0] ? res.code : (res.status == 200 ? "success" : "failure")));
    json_decref(body);
    free(res.body);
    store_job_finish(a->store, job, a->node);
}

/* One round: renew this node's leases, fail the jobs out of attempts, take over one job. True
 * when a job was taken (look again at once). */
static bool jobs_round(api_jobs *j) {
    app *a = j->app;
    int64_t now = time_now_ms();
    store_job_renew(a->store, a->node, now, lease_ms(a));
    store_job job;
    size_t failed = 0;
    store_status st = store_job_claim_expired(a->store, a->node, now, lease_ms(a),
                                              API_JOB_MAX_ATTEMPTS, &job, &failed);
    if (failed) log_event(LOG_WARN, "jobs_failed", json_pack("{s:I}", "count", (json_int_t)failed));
    if (st != STORE_OK) return false;
    run_taken_over(j, &job);
    store_job_free(&job);
    return true;
}

/* Renewal every third of a lease (at least once a second), so a live node never loses a job. */
static void *jobs_main(void *arg) {
    api_jobs *j = arg;
    int64_t period = lease_ms(j->app) / 3;
    if (period > 1000) period = 1000;
    if (period < 100) period = 100;
    pthread_mutex_lock(&j->lock);
    while (!j->stop) {
        pthread_mutex_unlock(&j->lock);
        bool again = jobs_round(j);
        pthread_mutex_lock(&j->lock);
        if (again || j->stop) continue;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (period % 1000) * 1000000L;
        until.tv_sec += (time_t)(period / 1000 + ns / 1000000000L);
        until.tv_nsec = (long)(ns % 1000000000L);
        pthread_cond_timedwait(&j->wake, &j->lock, &until);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

api_jobs *api_jobs_start(app *a) {
    api_jobs *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->app = a;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    if (pthread_create(&j->thread, NULL, jobs_main, j) != 0) {
        pthread_cond_destroy(&j->wake);
        pthread_mutex_destroy(&j->lock);
        free(j);
        return NULL;
    }
    return j;
}

void api_jobs_stop(api_jobs *j) {
    if (!j) return;
    pthread_mutex_lock(&j->lock);
    j->stop = true;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->thread, NULL);
    pthread_cond_destroy(&j->wake);
    pthread_mutex_destroy(&j->lock);
    free(j);
}
