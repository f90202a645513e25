/* The H5 family's shared steps: key check, rate limit, the page's bearer token, the record. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/h5.h"
#include "app.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define MINUTE_MS        60000
#define PAGE_RATE_MINUTE 300 /* the page's calls per link and minute: frames, polls, uploads */

void h5_error(http_response *res, int status, const char *message, const char *code) {
    json_t *body = json_pack("{s:i,s:s}", "status", status, "message", message);
    if (body && code) json_object_set_new(body, "code", json_string(code));
    respond_json(res, status, body);
    snprintf(res->code, sizeof res->code, "%s", code ? code : message);
}

void h5_ok(http_response *res, json_t *result) {
    json_t *body = result ? json_pack("{s:i,s:o}", "status", 200, "result", result) : NULL;
    if (body)
        respond_json(res, 200, body);
    else
        respond_internal_error(res); /* out of memory building the answer */
}

/* Counts a call against key's limit per minute: true when within it; else answers 429 (or 500)
 * and returns false. */
static bool within_rate(http_request *req, http_response *res, const char *key, int64_t limit) {
    int64_t now = time_now_ms(), window = now - now % MINUTE_MS, hits = 0;
    store_status st = store_rate_hit(req->app->store, key, window, window - MINUTE_MS, &hits);
    if (st != STORE_OK) {
        respond_internal_error(res);
        return false;
    }
    if (hits <= limit) return true;
    h5_error(res, 429, "Too many requests, please try again later.", "rate_limited");
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (long long)((window + MINUTE_MS - now + 999) / 1000));
    respond_add_header(res, "Retry-After", retry);
    return false;
}

bool h5_client_auth(http_request *req, http_response *res, store_client *client,
                    store_account *account) {
    const char *id = request_header(req, "client_id");
    const char *secret = request_header(req, "client_secret");
    api_key_status ks = api_key_check(req->app, id, secret, client, account);
    if (ks == API_KEY_ERROR) {
        respond_internal_error(res);
        return false;
    }
    if (account->id) request_audit(req, account->id, NULL); /* the key matched */
    if (ks != API_KEY_OK) {
        h5_error(res, 401, "Invalid client_id or client_secret.", NULL);
        return false;
    }
    char key[64];
    snprintf(key, sizeof key, "client:%s", client->client_id);
    return within_rate(req, res, key, req->app->cfg.client_rate_per_minute);
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer_token(const http_request *req) {
    const char *h = request_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    h += 7;
    while (*h == ' ') h++;
    return *h ? h : NULL;
}

bool h5_page_link(http_request *req, http_response *res, h5_link_use use, store_verification *link,
                  json_t **record) {
    *record = NULL;
    memset(link, 0, sizeof *link);
    const char *token = bearer_token(req);
    if (!token && use == H5_LINK_QUERY_TOKEN) token = request_query(req, "token");
    store_status st =
        token ? store_verification_get(req->app->store, "h5", token, link) : STORE_NOT_FOUND;
    if (st == STORE_OK) *record = json_loadb(link->record, link->record_len, 0, NULL);
    if (st == STORE_OK && !*record) st = STORE_ERROR;
    if (st != STORE_OK) {
        store_verification_free(link);
        if (st == STORE_NOT_FOUND)
            h5_error(res, 401, "This verification link is not valid.", "invalid_token");
        else
            respond_internal_error(res);
        return false;
    }
    request_audit(req, link->account_id, link->journey_id);
    char key[64];
    snprintf(key, sizeof key, "link:%s", link->token);
    bool ok = within_rate(req, res, key, PAGE_RATE_MINUTE);
    if (ok && use != H5_LINK_ANY &&
        (link->pruned_at_ms || h5_expired(link, *record, time_now_ms()))) {
        h5_error(res, 410, "This verification link has expired.", "expired");
        ok = false;
    }
    if (!ok) {
        json_decref(*record);
        *record = NULL;
        store_verification_free(link);
    }
    return ok;
}

store_status h5_save(http_request *req, store_verification *link, json_t *record) {
    char *text = json_dumps(record, JSON_COMPACT);
    if (!text) return STORE_ERROR;
    char *old = link->record;
    size_t old_len = link->record_len;
    link->record = text;
    link->record_len = strlen(text);
    store_status st = store_verification_update(req->app->store, link, time_now_ms());
    link->record = old;
    link->record_len = old_len;
    sodium_memzero(text, strlen(text));
    free(text);
    return st;
}

json_t *h5_field(json_t *record, const char *key) {
    json_t *v = json_object_get(record, key);
    return v ? json_incref(v) : json_null();
}

int h5_int(json_t *record, const char *key) {
    return (int)json_integer_value(json_object_get(record, key));
}

const char *h5_str(json_t *record, const char *key) {
    return json_string_value(json_object_get(record, key));
}

bool h5_expired(const store_verification *link, json_t *record, int64_t now_ms) {
    const char *step = h5_str(record, "step");
    bool finished = step && (!strcmp(step, H5_STEP_DONE) || !strcmp(step, H5_STEP_FAILED));
    return !finished && now_ms >= link->expire_at_ms;
}

const char *h5_step(const store_verification *link, json_t *record, int64_t now_ms) {
    if (h5_expired(link, record, now_ms)) return "expired";
    const char *step = h5_str(record, "step");
    return step ? step : H5_STEP_DOCUMENT;
}

void h5_finish(json_t *record, bool success) {
    json_object_set_new(record, "step", json_string(success ? H5_STEP_DONE : H5_STEP_FAILED));
    json_object_set_new(record, "is_success", json_integer(success ? 1 : 0));
}

char *h5_redirect(const store_verification *link, json_t *record) {
    const char *step = h5_str(record, "step");
    const char *url = h5_str(record, "redirect_url");
    if (!step || !url || (strcmp(step, H5_STEP_DONE) && strcmp(step, H5_STEP_FAILED))) return NULL;
    const char *hash = strchr(url, '#');
    size_t base = hash ? (size_t)(hash - url) : strlen(url);
    size_t len = strlen(url) + 80;
    char *out = malloc(len);
    if (!out) return NULL;
    snprintf(out, len, "%.*s%ctoken=%s&is_success=%d%s", (int)base, url,
             memchr(url, '?', base) ? '&' : '?', link->token, h5_int(record, "is_success"),
             hash ? hash : "");
    return out;
}

void h5_time(int64_t ms, char out[32]) {
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

json_t *h5_result(http_request *req, const store_verification *link, json_t *record,
                  const char *id_key) {
    const char *id = h5_str(record, id_key);
    if (link->pruned_at_ms || !id) return NULL;
    store_result *rows = NULL;
    size_t n = 0;
    if (store_result_list(req->app->store, link->journey_id, &rows, &n) != STORE_OK) return NULL;
    json_t *out = NULL;
    for (size_t i = 0; i < n && !out; i++)
        if (!strcmp(rows[i].id, id))
            out = json_loadb(rows[i].payload, rows[i].payload_len, 0, NULL);
    store_results_free(rows, n);
    return out;
}

store_status h5_add_result(http_request *req, const store_verification *link, json_t *record,
                           const char *component, const char *id_key, json_t *json) {
    char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
    if (!text) return STORE_ERROR;
    char id[UUID_STR_LEN];
    store_status st = store_result_add(req->app->store, link->journey_id, component, text,
                                       strlen(text), time_now_ms(), id);
    sodium_memzero(text, strlen(text));
    free(text);
    if (st == STORE_OK) json_object_set_new(record, id_key, json_string(id));
    return st;
}

/* The passports the vendor documents for the hosted page (h5-and-v3.md A.2). */
static const char *const passport_countries[] = {
    "AUS", "BGD", "CAN", "CHN", "CUB", "DEU", "FRA", "IND", "IDN", "IRN", "ITA",
    "JPN", "KAZ", "KOR", "LAO", "MYS", "MNG", "NLD", "NZL", "NGA", "PAK", "PHL",
    "RUS", "SAU", "SGP", "SYR", "THA", "UKR", "GBR", "USA", "VNM", "ZAF"};

bool h5_country_supported(const char *country, const char *id_type) {
    if (!country) return false;
    bool card = !strcmp(country, "MYS");
    bool passport = false;
    for (size_t i = 0; i < sizeof passport_countries / sizeof *passport_countries; i++)
        passport |= !strcmp(country, passport_countries[i]);
    if (!id_type) return card || passport;
    return !strcmp(id_type, "ID_CARD") ? card : passport;
}

json_t *h5_documents(void) {
    json_t *passports = json_array();
    for (size_t i = 0; passports && i < sizeof passport_countries / sizeof *passport_countries; i++)
        json_array_append_new(passports, json_string(passport_countries[i]));
    return json_pack("{s:[s],s:o}", "ID_CARD", "MYS", "PASSPORT",
                     passports ? passports : json_array());
}
