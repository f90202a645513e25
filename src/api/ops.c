/* Operational endpoints: liveness (/healthz), readiness (/readyz), metrics (/metrics). */
#include <stdlib.h>

#include "api/api.h"
#include "app.h"
#include "server/metrics.h"

void api_healthz(http_request *req, http_response *res) {
    if (atomic_load(&req->app->ready))
        respond_json(res, 200, json_pack("{s:s}", "status", "ok"));
    else
        respond_json(res, 503, json_pack("{s:s}", "status", "starting"));
}

void api_readyz(http_request *req, http_response *res) {
    bool ready = atomic_load(&req->app->ready);
    bool store_ok = store_ping(req->app->store) == STORE_OK;
    unsigned running = 0, waiting = 0;
    unsigned long long rejected = 0;
    workgate_stats(&req->app->gate, &running, &waiting, &rejected);
    bool queue_ok = waiting < req->app->cfg.work_queue || req->app->cfg.work_queue == 0;
    int status = (ready && store_ok && queue_ok) ? 200 : 503;
    respond_json(res, status,
                 json_pack("{s:s,s:s,s:s,s:i}", "status", status == 200 ? "ready" : "not ready",
                           "models", ready ? "loaded" : "loading", "store",
                           store_ok ? "ok" : "unavailable", "queueDepth", (int)waiting));
}

void api_metrics(http_request *req, http_response *res) {
    char *text = metrics_render(req->app->metrics, &req->app->gate);
    if (!text) {
        respond_internal_error(res);
        return;
    }
    respond_text(res, 200, "text/plain; version=0.0.4", text);
    free(text);
}
