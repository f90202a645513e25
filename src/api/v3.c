/* The v3 family's merchant calls (h5-and-v3.md part B; docs/v3.md): POST /api/v3/ekyc opens a
 * session and answers its opaque token as text/plain, GET /api/v3/ekyc/{sessionId} reads it, and
 * GET / DELETE /api/v3/users/{userId} read and erase an enrolled user. A session is a journey of
 * the company's account (quota, retention, audit), kept in the hosted-session store as family
 * "v3". The token is "<sessionId>.<secret>": the session id names it, the secret (only a keyed
 * digest of it is stored) lets the hosted page act on it. */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/v3.h"
#include "app.h"
#include "util/b64.h"
#include "util/timeutil.h"

#define KR_PATH_MAX   2048
#define SECRET_BYTES  32
#define SESSION_TOKEN (STORE_LINK_TOKEN_LEN + 1 + 64) /* id "." base64url(secret), with room */

/* {"status":"error","code":code,"message":message} with the HTTP status. */
static void v3_error(http_response *res, int status, const char *code, const char *message) {
    respond_json(res, status,
                 json_pack("{s:s,s:s,s:s}", "status", "error", "code", code, "message", message));
}

static void v3_denied(http_response *res) {
    v3_error(res, 401, "UNAUTHORIZED", "Unknown company or invalid X-Api-Key.");
}

/* The company key of X-Api-Key ("<client_id>.<secret>") checked; false (answered) otherwise. */
static bool key_account(http_request *req, http_response *res, store_account *account) {
    const char *key = request_header(req, "X-Api-Key");
    const char *dot = key ? strchr(key, '.') : NULL;
    char id[STORE_CLIENT_ID_HEX + 1] = "";
    if (dot && dot - key == STORE_CLIENT_ID_HEX) memcpy(id, key, STORE_CLIENT_ID_HEX);
    store_client client;
    api_key_status ks =
        api_key_check(req->app, id[0] ? id : NULL, dot ? dot + 1 : NULL, &client, account);
    if (ks == API_KEY_ERROR) {
        respond_internal_error(res);
        return false;
    }
    if (account->id) request_audit(req, account->id, NULL);
    if (ks != API_KEY_OK) {
        v3_denied(res);
        return false;
    }
    return true;
}

/* ---- POST /api/v3/ekyc ---- */

typedef struct {
    bool enroll, ocr, auth, liveness;
    const char *action; /* ENROLL, AUTH or LIVENESS (ekyc = ENROLL with OCR) */
    const char *flow, *user_id, *model, *kr_path;
} session_request;

/* The value of key in extra, else (the spec's flat table) in the body; NULL when absent. */
static json_t *param(json_t *body, json_t *extra, const char *key) {
    json_t *v = extra ? json_object_get(extra, key) : NULL;
    return v ? v : json_object_get(body, key);
}

static bool user_id_ok(const char *u) {
    size_t n = strlen(u);
    if (n == 0 || n > STORE_USER_ID_MAX) return false;
    for (const char *p = u; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._@:-", *p)) return false;
    return true;
}

/* sessionTypes into r; an error code or NULL. */
static const char *read_types(json_t *types, session_request *r) {
    if (!json_is_array(types) || json_array_size(types) == 0 || json_array_size(types) > 4)
        return "INVALID_SESSION_TYPES";
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t) {
        const char *s = json_string_value(t);
        bool *flag = !s                           ? NULL
                     : !strcasecmp(s, "ENROLL")   ? &r->enroll
                     : !strcasecmp(s, "OCR")      ? &r->ocr
                     : !strcasecmp(s, "AUTH")     ? &r->auth
                     : !strcasecmp(s, "LIVENESS") ? &r->liveness
                                                  : NULL;
        if (!flag || *flag) return "INVALID_SESSION_TYPES"; /* unknown or repeated */
        *flag = true;
    }
    return NULL;
}

/* A string parameter: NULL when absent; *bad when present but not a non-empty string. */
static const char *string_param(json_t *body, json_t *extra, const char *key, bool *bad) {
    json_t *v = param(body, extra, key);
    if (!v || json_is_null(v)) return NULL;
    const char *s = json_string_value(v);
    if (!s || !*s) *bad = true;
    return s;
}

/* Validates the body into r: NULL, or the error code with *message set. */
static const char *check_session(json_t *body, session_request *r, const char **message) {
    memset(r, 0, sizeof *r);
    json_t *extra = json_object_get(body, "extra");
    if (extra && !json_is_object(extra)) {
        *message = "extra must be an object.";
        return "INVALID_EXTRA";
    }
    if (read_types(json_object_get(body, "sessionTypes"), r)) {
        *message =
            "sessionTypes must be a non-empty list of ENROLL, OCR, AUTH, LIVENESS, each once.";
        return "INVALID_SESSION_TYPES";
    }
    int kinds = r->enroll + r->auth + r->liveness;
    if (kinds != 1 || (r->ocr && !r->enroll)) {
        *message = "sessionTypes must hold exactly one of ENROLL, AUTH, LIVENESS; OCR only with "
                   "ENROLL.";
        return "INVALID_COMBINATION";
    }
    bool bad = false;
    const char *action = string_param(body, extra, "action", &bad);
    const char *expected = r->enroll ? "ENROLL" : r->auth ? "AUTH" : "LIVENESS";
    bool ekyc = action && !strcasecmp(action, "ekyc");
    if (bad || !action || (ekyc ? !(r->enroll && r->ocr) : strcasecmp(action, expected) != 0)) {
        *message = "extra.action must be ENROLL, AUTH or LIVENESS (or ekyc for ENROLL with OCR), "
                   "matching sessionTypes.";
        return "INVALID_ACTION";
    }
    r->action = expected;
    r->flow = string_param(body, extra, "flow", &bad);
    bool card_or_face =
        r->flow && (!strcmp(r->flow, "card_first") || !strcmp(r->flow, "face_first"));
    bool flow_ok =
        r->ocr ? card_or_face : !r->flow || card_or_face || !strcmp(r->flow, "selfie_only");
    if (bad || !flow_ok) {
        *message = r->ocr ? "ENROLL with OCR needs extra.flow card_first or face_first."
                          : "extra.flow must be card_first, face_first or selfie_only.";
        return "INVALID_FLOW";
    }
    r->user_id = string_param(body, extra, "userId", &bad);
    if (bad || (r->user_id && !user_id_ok(r->user_id))) {
        *message = "extra.userId must be 1-128 letters, digits or ._@:- characters.";
        return "INVALID_USER_ID";
    }
    if (!r->user_id && !r->liveness) {
        *message = "ENROLL and AUTH need extra.userId.";
        return "MISSING_USER_ID";
    }
    r->model = string_param(body, extra, "model", &bad);
    if (bad || !r->model || (strcasecmp(r->model, "gaze") && strcasecmp(r->model, "passive"))) {
        *message = "extra.model must be gaze or passive.";
        return "INVALID_MODEL";
    }
    r->model = !strcasecmp(r->model, "gaze") ? "gaze" : "passive";
    r->kr_path = string_param(body, extra, "krPath", &bad);
    if (bad || (r->kr_path && !api_http_url_ok(r->kr_path, KR_PATH_MAX))) {
        *message = "extra.krPath must be an http(s) URL.";
        return "INVALID_KR_PATH";
    }
    return NULL;
}

/* The company named by companyId, checked against the key when one is required (or sent):
 * false (answered) otherwise. */
static bool company_account(http_request *req, http_response *res, json_t *body,
                            store_account *account) {
    const char *company = json_string_value(json_object_get(body, "companyId"));
    if (!company || !*company) {
        v3_error(res, 400, "MISSING_COMPANY_ID", "companyId is required.");
        return false;
    }
    if (req->app->cfg.v3_require_api_key || request_header(req, "X-Api-Key")) {
        if (!key_account(req, res, account)) return false;
        if (strcmp(account->company_id, company) != 0) {
            v3_denied(res); /* a valid key of another company: no hint which */
            return false;
        }
        return true;
    }
    store_status st = store_account_get_by_company(req->app->store, company, account);
    if (st == STORE_NOT_FOUND) {
        v3_denied(res);
        return false;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return false;
    }
    request_audit(req, account->id, NULL);
    if (account->disabled ||
        (account->expires_at_ms != 0 && account->expires_at_ms <= time_now_ms())) {
        v3_error(res, 403, "COMPANY_DISABLED", "The company's account is disabled or expired.");
        return false;
    }
    return true;
}

/* The session's record: what it was opened with, and where it stands. */
static json_t *session_record(const session_request *r, const char *secret_digest) {
    json_t *types = json_array();
    if (r->enroll) json_array_append_new(types, json_string("ENROLL"));
    if (r->ocr) json_array_append_new(types, json_string("OCR"));
    if (r->auth) json_array_append_new(types, json_string("AUTH"));
    if (r->liveness) json_array_append_new(types, json_string("LIVENESS"));
    return json_pack("{s:o,s:s,s:s?,s:s?,s:s,s:s?,s:s,s:s,s:n}", "sessionTypes", types, "action",
                     r->action, "flow", r->flow, "userId", r->user_id, "model", r->model, "krPath",
                     r->kr_path, "secretDigest", secret_digest, "status", "CREATED", "result");
}

/* Opens the session: a journey of the account, a session id, a secret. *token gets the token. */
static store_status open_session(http_request *req, const store_account *account,
                                 const session_request *r, char token[SESSION_TOKEN]) {
    int64_t now = time_now_ms();
    store_journey journey;
    store_status st = store_journey_create(req->app->store, account, now, &journey);
    if (st != STORE_OK) return st;
    uint8_t raw[SECRET_BYTES];
    randombytes_buf(raw, sizeof raw);
    char secret[64];
    sodium_bin2base64(secret, sizeof secret, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    char digest[65];
    store_secret_digest(req->app->store, secret, digest);
    json_t *rec = session_record(r, digest);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    if (!text) return STORE_ERROR;
    store_verification s = {.account_id = account->id,
                            .created_at_ms = now,
                            .expire_at_ms = now + (int64_t)account->link_minutes * 60000,
                            .record = text,
                            .record_len = strlen(text)};
    snprintf(s.family, sizeof s.family, "v3");
    snprintf(s.journey_id, sizeof s.journey_id, "%s", journey.id);
    for (int attempt = 0; attempt < 3; attempt++) { /* a taken id: draw again */
        api_session_token(s.token);
        st = store_verification_add(req->app->store, &s);
        if (st != STORE_CONFLICT) break;
    }
    free(text);
    if (st == STORE_OK) snprintf(token, SESSION_TOKEN, "%s.%s", s.token, secret);
    sodium_memzero(secret, sizeof secret);
    if (st == STORE_OK) request_audit(req, account->id, journey.id);
    return st;
}

void api_v3_create(http_request *req, http_response *res) {
    char media[64];
    request_media_type(req, media, sizeof media);
    if (media[0] && strcmp(media, "application/json")) {
        v3_error(res, 415, "UNSUPPORTED_CONTENT_TYPE", "Content-Type must be application/json.");
        return;
    }
    json_t *body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        v3_error(res, 400, "MALFORMED_JSON", "The body must be a JSON object.");
        return;
    }
    store_account account;
    session_request r;
    const char *message = NULL, *code = NULL;
    if (company_account(req, res, body, &account))
        code = check_session(body, &r, &message);
    else {
        json_decref(body);
        return;
    }
    store_user user;
    if (!code && r.auth) {
        store_status us = store_user_get(req->app->store, account.id, r.user_id, &user);
        store_user_free(&user);
        if (us == STORE_NOT_FOUND) {
            code = "USER_NOT_ENROLLED";
            message = "AUTH needs a userId enrolled by an earlier ENROLL session.";
        } else if (us != STORE_OK) {
            json_decref(body);
            respond_internal_error(res);
            return;
        }
    }
    if (code) {
        v3_error(res, 400, code, message);
        json_decref(body);
        return;
    }
    char token[SESSION_TOKEN];
    store_status st = open_session(req, &account, &r, token);
    json_decref(body);
    if (st == STORE_QUOTA) {
        v3_error(res, 403, "QUOTA_EXCEEDED", "The company's journey quota is used up.");
        return;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    char id[STORE_LINK_TOKEN_LEN + 1];
    snprintf(id, sizeof id, "%.*s", STORE_LINK_TOKEN_LEN, token);
    respond_text(res, 200, "text/plain; charset=utf-8", token);
    respond_add_header(res, "X-Session-Id", id);
    sodium_memzero(token, sizeof token);
}

/* ---- GET /api/v3/ekyc/{sessionId} ---- */

static json_t *time_or_null(int64_t ms) {
    return ms ? json_integer(ms) : json_null();
}

void api_v3_session(http_request *req, http_response *res) {
    store_account account;
    if (!key_account(req, res, &account)) return;
    store_verification s;
    store_status st = store_verification_get(req->app->store, "v3", req->route_param, &s);
    json_t *rec = st == STORE_OK ? json_loadb(s.record, s.record_len, 0, NULL) : NULL;
    if (st == STORE_OK && !rec) st = STORE_ERROR;
    if (st == STORE_OK && s.account_id != account.id) st = STORE_NOT_FOUND; /* not yours */
    if (st == STORE_NOT_FOUND) {
        v3_error(res, 404, "SESSION_NOT_FOUND", "No such session.");
    } else if (st != STORE_OK) {
        respond_internal_error(res);
    } else {
        request_audit(req, account.id, s.journey_id);
        const char *status = json_string_value(json_object_get(rec, "status"));
        bool expired = status && !strcmp(status, "CREATED") && s.expire_at_ms <= time_now_ms();
        json_t *out = json_pack(
            "{s:s,s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:s?,s:o,s:o,s:o,s:O?}", "sessionId", s.token,
            "companyId", account.company_id, "sessionTypes", json_object_get(rec, "sessionTypes"),
            "action", json_object_get(rec, "action"), "flow", json_object_get(rec, "flow"),
            "userId", json_object_get(rec, "userId"), "model", json_object_get(rec, "model"),
            "krPath", json_object_get(rec, "krPath"), "status", expired ? "EXPIRED" : status,
            "createdAt", json_integer(s.created_at_ms), "expiresAt", json_integer(s.expire_at_ms),
            "updatedAt", time_or_null(s.updated_at_ms), "result", json_object_get(rec, "result"));
        if (out)
            respond_json(res, 200, out);
        else
            respond_internal_error(res);
    }
    json_decref(rec);
    store_verification_free(&s);
}

/* ---- GET / DELETE /api/v3/users/{userId} ---- */

void api_v3_user_get(http_request *req, http_response *res) {
    store_account account;
    if (!key_account(req, res, &account)) return;
    store_user u;
    store_status st = store_user_get(req->app->store, account.id, req->route_param, &u);
    json_t *rec = st == STORE_OK ? json_loadb(u.record, u.record_len, 0, NULL) : NULL;
    if (st == STORE_OK && !rec) st = STORE_ERROR;
    if (st == STORE_NOT_FOUND)
        v3_error(res, 404, "USER_NOT_FOUND", "No user enrolled under this userId.");
    else if (st != STORE_OK)
        respond_internal_error(res);
    else
        respond_json(res, 200,
                     json_pack("{s:s,s:I,s:I,s:O?,s:b}", "userId", req->route_param, "enrolledAt",
                               (json_int_t)u.created_at_ms, "updatedAt",
                               (json_int_t)u.updated_at_ms, "sessionId",
                               json_object_get(rec, "sessionId"), "document",
                               json_is_object(json_object_get(rec, "document"))));
    json_decref(rec);
    store_user_free(&u);
}

void api_v3_user_delete(http_request *req, http_response *res) {
    store_account account;
    if (!key_account(req, res, &account)) return;
    store_status st = store_user_delete(req->app->store, account.id, req->route_param);
    if (st == STORE_NOT_FOUND)
        v3_error(res, 404, "USER_NOT_FOUND", "No user enrolled under this userId.");
    else if (st != STORE_OK)
        respond_internal_error(res);
    else
        respond_json(res, 200,
                     json_pack("{s:s,s:s}", "status", "deleted", "userId", req->route_param));
}
