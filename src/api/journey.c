/* POST /api/ekyc/journeyid (emas.md §4.1) and GET /api/ekyc/journey/{journeyId}. */
#include <string.h>

#include "api/api.h"
#include "api/jobs.h"
#include "app.h"
#include "server/auth.h"
#include "server/body.h"
#include "util/timeutil.h"

/* A credential field: NULL when absent/empty/not a string, *too_long when over max. */
static const char *credential_field(json_t *body, const char *key, size_t max, bool *too_long) {
    json_t *v = json_object_get(body, key);
    *too_long = false;
    if (!json_is_string(v) || json_string_length(v) == 0) return NULL;
    if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v)) {
        *too_long = true;
        return NULL;
    }
    return json_string_value(v);
}

void api_journey_create(http_request *req, http_response *res) {
    json_t *body = NULL;
    body_status bs = body_parse_json(req, &body);
    if (bs != BODY_OK) {
        body_respond_error(res, bs);
        return;
    }
    bool user_long = false, pass_long = false;
    const char *user = credential_field(body, "username", STORE_USERNAME_MAX, &user_long);
    const char *pass = credential_field(body, "password", AUTH_PASSWORD_MAX, &pass_long);
    if ((!user && !user_long) || (!pass && !pass_long)) {
        respond_error(res, "MISSING_PARAM_CRENDENTIAL"); /* sic: the vendor's spelling */
        json_decref(body);
        return;
    }
    if (user_long) {
        respond_error(res, "USERNAME_NOT_EXIST");
        json_decref(body);
        return;
    }
    if (pass_long) {
        respond_error(res, "INCORRECT_PASSWORD");
        json_decref(body);
        return;
    }
    int64_t now = time_now_ms();
    store_account account;
    auth_result ar = auth_check(req->app, user, pass, now, &account);
    json_decref(body);
    if (ar == AUTH_OK || ar == AUTH_BAD_PASSWORD || ar == AUTH_EXPIRED)
        request_audit(req, account.id, NULL);
    switch (ar) {
    case AUTH_OK:
        break;
    case AUTH_NO_USER:
        respond_error(res, "USERNAME_NOT_EXIST");
        return;
    case AUTH_BAD_PASSWORD:
        respond_error(res, "INCORRECT_PASSWORD");
        return;
    case AUTH_EXPIRED:
        respond_error(res, "ERROR_IDV_EXPIRED");
        return;
    case AUTH_BUSY:
        api_respond_busy(res);
        return;
    default:
        respond_internal_error(res);
        return;
    }
    store_journey journey;
    store_status st = store_journey_create(req->app->store, &account, now, &journey);
    if (st == STORE_QUOTA) {
        respond_error(res, "MAX_JOURNEY_EXCEEDED");
        return;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    request_audit(req, 0, journey.id);
    respond_json(res, 200,
                 json_pack("{s:s,s:s,s:s}", "status", "success", "message", "api.success",
                           "journeyId", journey.id));
}

void api_journey_status(http_request *req, http_response *res) {
    store_account account;
    if (!api_basic_auth(req, res, &account)) return;
    store_journey journey;
    if (!api_load_journey(req, res, req->route_param, account.id, &journey)) return;
    store_result *results = NULL;
    size_t count = 0;
    if (store_result_list(req->app->store, journey.id, &results, &count) != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    json_t *steps = json_array();
    for (size_t i = 0; steps && i < count; i++)
        json_array_append_new(steps, json_pack("{s:s,s:s,s:I}", "id", results[i].id, "component",
                                               results[i].component, "createdDate",
                                               (json_int_t)results[i].created_at_ms));
    store_results_free(results, count);
    json_t *out =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "status", "success", "message",
                  "api.success", "journeyId", journey.id, "journeyStatus", journey.status,
                  "companyId", account.company_id, "createdDate", (json_int_t)journey.created_at_ms,
                  "purgeDate", (json_int_t)journey.purge_at_ms, "results", steps);
    json_t *failed = api_job_failures(req->app->store, journey.id);
    if (!failed) {
        json_decref(out);
        respond_internal_error(res);
        return;
    }
    if (out)
        json_object_set_new(out, "failedSteps", failed);
    else
        json_decref(failed);
    if (out)
        json_object_set_new(out, "completeDateTime",
                            journey.completed_at_ms ? json_integer(journey.completed_at_ms)
                                                    : json_null());
    respond_json(res, 200, out);
}

/* The first step of `required` (comma-separated) with no stored result, or NULL when all have
 * one. The answer points into `buf`. */
static const char *missing_step(const char *required, const store_result *results, size_t n,
                                char *buf, size_t buflen) {
    if (snprintf(buf, buflen, "%s", required) >= (int)buflen) return "";
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool done = false;
        for (size_t i = 0; i < n && !done; i++) done = !strcmp(results[i].component, t);
        if (!done) return t;
    }
    return NULL;
}

/* The journey id of a complete call: journeyId, or journeyID as the spec's table spells it. */
static const char *complete_journey_id(json_t *body) {
    json_t *v = json_object_get(body, "journeyId");
    if (!v) v = json_object_get(body, "journeyID");
    return json_is_string(v) ? json_string_value(v) : "";
}

void api_journey_complete(http_request *req, http_response *res) {
    json_t *body = NULL;
    body_status bs = body_parse_json(req, &body);
    if (bs != BODY_OK) {
        body_respond_error(res, bs);
        return;
    }
    store_journey journey;
    bool found = api_load_journey(req, res, complete_journey_id(body), 0, &journey);
    json_decref(body);
    if (!found) return;
    store_account account;
    store_result *results = NULL;
    size_t n = 0;
    if (store_account_get_by_id(req->app->store, journey.account_id, &account) != STORE_OK ||
        store_result_list(req->app->store, journey.id, &results, &n) != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    char buf[sizeof account.required_steps];
    const char *missing = journey.completed_at_ms
                              ? NULL
                              : missing_step(account.required_steps, results, n, buf, sizeof buf);
    store_results_free(results, n);
    if (missing) {
        respond_error_with(res, "INCOMPLETE_JOURNEY", json_pack("{s:n}", "messageCode"));
        return;
    }
    store_status st = store_journey_complete(req->app->store, journey.id, time_now_ms(), &journey);
    if (st == STORE_NOT_FOUND) {
        api_invalid_journey(res);
        return;
    }
    if (st != STORE_OK && st != STORE_CONFLICT) { /* CONFLICT: already complete, same answer */
        respond_internal_error(res);
        return;
    }
    respond_json(res, 200,
                 json_pack("{s:s,s:n,s:n,s:I}", "status", "success", "messageCode", "message",
                           "completeDateTime", (json_int_t)journey.completed_at_ms));
}

void api_journey_completed_error(http_response *res) {
    respond_error_with(res, "JOURNEY_COMPLETED", json_pack("{s:n}", "messageCode"));
}

bool api_journey_writable(http_response *res, const store_journey *journey) {
    if (!journey->completed_at_ms) return true;
    api_journey_completed_error(res);
    return false;
}
