/* POST /api/ekyc/verifications and GET /api/ekyc/verifications/{token} (h5-and-v3.md A.2,
 * A.3): an API client makes a verification link and reads its outcome. A link is a journey of
 * the client's account seen through this API (docs/h5.md). */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/h5.h"
#include "app.h"
#include "kyc/states.h"
#include "util/timeutil.h"

#define REDIRECT_MAX 2048
#define WALLET_MAX   128

typedef struct {
    const char *type, *country, *id_type, *redirect, *wallet;
    bool select_country, select_type;
} link_request;

static bool iso_country(const char *c) {
    return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
           isupper((unsigned char)c[2]) && state_name(c) != NULL;
}

static bool redirect_ok(const char *url) {
    return api_http_url_ok(url, REDIRECT_MAX);
}

static bool wallet_ok(const char *w) {
    size_t n = strlen(w);
    if (n == 0 || n > WALLET_MAX) return false;
    for (const char *p = w; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_-.:", *p)) return false;
    return true;
}

/* A boolean field: 0 absent/false, 1 true, -1 not a boolean. */
static int bool_field(json_t *body, const char *key) {
    json_t *v = json_object_get(body, key);
    if (!v || json_is_false(v) || json_is_null(v)) return 0;
    return json_is_true(v) ? 1 : -1;
}

/* A string field: NULL when absent or null; *bad when present but not a non-empty string. */
static const char *string_field(json_t *body, const char *key, bool *bad) {
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value(v);
}

/* The request's fields checked one by one; NULL, or the message of the first problem. */
static const char *check_request(json_t *body, link_request *r) {
    bool bad = false;
    memset(r, 0, sizeof *r);
    r->type = string_field(body, "type", &bad);
    if (bad || !r->type)
        return "type is required: \"00\" (OCR + face + liveness) or \"01\" (OCR only).";
    if (strcmp(r->type, "00") && strcmp(r->type, "01"))
        return "type must be \"00\" (OCR + face + liveness) or \"01\" (OCR only).";
    int sc = bool_field(body, "select_id_country"), st = bool_field(body, "select_id_type");
    if (sc < 0) return "select_id_country must be true or false.";
    if (st < 0) return "select_id_type must be true or false.";
    r->select_country = sc == 1;
    r->select_type = st == 1;
    r->country = string_field(body, "id_country", &bad);
    if (bad) return "id_country must be a supported ISO 3166 alpha-3 country code such as MYS.";
    r->id_type = string_field(body, "id_type", &bad);
    if (bad) return "id_type must be ID_CARD or PASSPORT.";
    if (r->country && r->select_country)
        return "Give either id_country or select_id_country, not both.";
    if (!r->country && !r->select_country)
        return "id_country is required unless select_id_country is true.";
    if (r->country && !h5_country_supported(r->country, r->id_type))
        return r->id_type && !strcmp(r->id_type, "ID_CARD") && iso_country(r->country)
                   ? "id_type ID_CARD is supported only for id_country MYS."
                   : "id_country must be a supported ISO 3166 alpha-3 country code such as MYS.";
    if (r->id_type && r->select_type) return "Give either id_type or select_id_type, not both.";
    if (!r->id_type && !r->select_type) return "id_type is required unless select_id_type is true.";
    if (r->id_type && strcmp(r->id_type, "ID_CARD") && strcmp(r->id_type, "PASSPORT"))
        return "id_type must be ID_CARD or PASSPORT.";
    r->redirect = string_field(body, "redirect_url", &bad);
    if (bad || !r->redirect) return "redirect_url is required: an http or https URL.";
    if (!redirect_ok(r->redirect))
        return "redirect_url must be an absolute http or https URL of at most 2048 characters.";
    r->wallet = string_field(body, "wallet_address", &bad);
    if (bad || (r->wallet && !wallet_ok(r->wallet)))
        return "wallet_address must be 1-128 letters, digits or _-.: characters.";
    return NULL;
}

/* The page's base URL: the configured public URL, else this server as the client reached it. */
static void page_base(const http_request *req, char *out, size_t len) {
    if (req->app->cfg.public_url[0]) {
        snprintf(out, len, "%s", req->app->cfg.public_url);
        return;
    }
    const char *host = request_header(req, "Host");
    bool host_ok = host && *host && strlen(host) < 256;
    for (const char *p = host; host_ok && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p)) host_ok = false;
    snprintf(out, len, "http://%s", host_ok ? host : "localhost");
}

static json_t *new_record(const link_request *r, const store_account *account, const char *url) {
    json_t *rec = json_pack(
        "{s:s,s:s?,s:s?,s:b,s:b,s:s,s:s?,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:n,s:i,s:i,s:i,s:i,s:i,s:i}",
        "type", r->type, "id_country", r->country, "id_type", r->id_type, "select_id_country",
        r->select_country, "select_id_type", r->select_type, "redirect_url", r->redirect,
        "wallet_address", r->wallet, "url", url, "step", H5_STEP_DOCUMENT, "ocr_success", 0,
        "ocr_charged", 0, "face_id_success", 0, "face_id_charged", 0, "is_success", 0,
        "latest_error", "retries", 0, "face_retries", 0, "ocr_attempts", 0, "face_attempts", 0,
        "max_retries", account->link_ocr_retries, "max_face_retries", account->link_face_retries);
    if (rec) {
        json_object_set_new(rec, "ocr_country", r->country ? json_string(r->country) : json_null());
        json_object_set_new(rec, "ocr_type", r->id_type ? json_string(r->id_type) : json_null());
        json_object_set_new(rec, "medias", json_null()); /* until something is captured */
    }
    return rec;
}

/* Creates the journey and the link row under a fresh token (a second token if the first was
 * taken). */
static store_status create_link(http_request *req, const store_account *account,
                                const store_client *client, const link_request *r,
                                store_verification *link) {
    int64_t now = time_now_ms();
    store_journey journey;
    store_status st = store_journey_create(req->app->store, account, now, &journey);
    if (st != STORE_OK) return st;
    request_audit(req, account->id, journey.id);
    char base[600];
    page_base(req, base, sizeof base);
    for (int attempt = 0; attempt < 3; attempt++) {
        memset(link, 0, sizeof *link);
        api_session_token(link->token);
        link->account_id = account->id;
        snprintf(link->client_id, sizeof link->client_id, "%s", client->client_id);
        snprintf(link->journey_id, sizeof link->journey_id, "%s", journey.id);
        link->created_at_ms = link->updated_at_ms = now;
        link->expire_at_ms =
            now + (int64_t)(account->link_minutes > 0 ? account->link_minutes : 15) * 60000;
        char url[700];
        snprintf(url, sizeof url, "%s/verifications?token=%s", base, link->token);
        json_t *rec = new_record(r, account, url);
        link->record = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
        json_decref(rec);
        if (!link->record) {
            st = STORE_ERROR;
            break;
        }
        link->record_len = strlen(link->record);
        st = store_verification_add(req->app->store, link);
        if (st != STORE_CONFLICT) break;
        store_verification_free(link);
    }
    if (st != STORE_OK) {
        store_verification_free(link);
        store_journey_delete(req->app->store, journey.id); /* nothing half-made */
    }
    return st;
}

void api_h5_create(http_request *req, http_response *res) {
    store_client client;
    store_account account;
    if (!h5_client_auth(req, res, &client, &account)) return;
    char media[64];
    request_media_type(req, media, sizeof media);
    if (media[0] && strcmp(media, "application/json")) {
        h5_error(res, 415, "Content-Type must be application/json.", NULL);
        return;
    }
    json_error_t jerr;
    json_t *body =
        json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(body)) {
        json_decref(body);
        h5_error(res, 400, "The body must be a JSON object.", NULL);
        return;
    }
    link_request r;
    const char *problem = check_request(body, &r);
    if (problem) {
        h5_error(res, 400, problem, NULL);
        json_decref(body);
        return;
    }
    store_verification link;
    store_status st = create_link(req, &account, &client, &r, &link);
    json_decref(body);
    if (st == STORE_QUOTA) {
        h5_error(res, 403, "The account's journey quota is used up.", NULL);
        return;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    json_t *rec = json_loadb(link.record, link.record_len, 0, NULL);
    h5_ok(res, json_pack("{s:s,s:s}", "url", h5_str(rec, "url"), "token", link.token));
    json_decref(rec);
    store_verification_free(&link);
}

static json_t *time_or_null(int64_t ms) {
    char text[32];
    if (!ms) return json_null();
    h5_time(ms, text);
    return json_string(text);
}

/* The link as the spec's record (A.3). */
static json_t *link_json(http_request *req, const store_verification *link, json_t *rec) {
    json_t *out = json_object();
    if (!out) return NULL;
    json_object_set_new(out, "id", json_integer(link->id));
    json_object_set_new(out, "organisation_id", json_integer(link->account_id));
    json_object_set_new(out, "end_user_id", json_null());
    static const char *const copied[] = {"type",   "token",       "url",      "redirect_url",
                                         "medias", "ocr_country", "ocr_type", "ocr_success"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++)
        json_object_set_new(out, copied[i],
                            !strcmp(copied[i], "token") ? json_string(link->token)
                                                        : h5_field(rec, copied[i]));
    json_t *ocr = h5_result(req, link, rec, "ocr_result_id");
    json_object_set_new(out, "ocr_result", ocr ? ocr : json_null());
    json_object_set_new(out, "ocr_charged", h5_field(rec, "ocr_charged"));
    json_object_set_new(out, "face_id_success", h5_field(rec, "face_id_success"));
    json_t *face = h5_result(req, link, rec, "face_result_id");
    json_object_set_new(out, "face_id_result", face ? face : json_null());
    static const char *const rest[] = {"face_id_charged", "is_success", "latest_error", "retries",
                                       "face_retries"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        json_object_set_new(out, rest[i], h5_field(rec, rest[i]));
    json_object_set_new(out, "expire_at", time_or_null(link->expire_at_ms));
    json_object_set_new(out, "created_at", time_or_null(link->created_at_ms));
    json_object_set_new(out, "updated_at", time_or_null(link->updated_at_ms));
    json_object_set_new(out, "pruned_at", time_or_null(link->pruned_at_ms));
    if (json_is_string(json_object_get(rec, "wallet_address")))
        json_object_set_new(out, "wallet_address", h5_field(rec, "wallet_address"));
    return out;
}

/* The sweeper marks a link pruned within a minute of its journey's retention running out; until it
 * has, the link says so from the journey's own purge time, so no reader ever sees captures past
 * their retention (h5_result answers nothing for a pruned link). */
static void note_due_prune(app *a, store_verification *link) {
    store_journey journey;
    int64_t now = time_now_ms();
    if (!link->pruned_at_ms &&
        store_journey_get(a->store, link->journey_id, 0, &journey) == STORE_OK &&
        journey.purge_at_ms <= now)
        link->pruned_at_ms = journey.purge_at_ms;
}

void api_h5_get(http_request *req, http_response *res) {
    store_client client;
    store_account account;
    if (!h5_client_auth(req, res, &client, &account)) return;
    store_verification link;
    store_status st = store_verification_get(req->app->store, "h5", req->route_param, &link);
    json_t *rec = st == STORE_OK ? json_loadb(link.record, link.record_len, 0, NULL) : NULL;
    if (st == STORE_OK && !rec) st = STORE_ERROR;
    if (st == STORE_OK && link.account_id != account.id) st = STORE_NOT_FOUND; /* not yours */
    if (st == STORE_NOT_FOUND)
        h5_error(res, 404, "Verification not found.", NULL);
    else if (st != STORE_OK)
        respond_internal_error(res);
    else {
        request_audit(req, account.id, link.journey_id);
        note_due_prune(req->app, &link);
        h5_ok(res, link_json(req, &link, rec));
    }
    json_decref(rec);
    store_verification_free(&link);
}
