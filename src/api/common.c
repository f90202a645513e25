#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "app.h"
#include "server/auth.h"
#include "util/b64.h"
#include "util/pool.h"
#include "util/timeutil.h"

void api_invalid_journey(http_response *res) {
    respond_error_with(res, "INVALID_JOURNEY_ID",
                       json_pack("{s:n,s:n}", "messageCode", "scorecardResult"));
}

bool api_basic_auth(http_request *req, http_response *res, store_account *account) {
    char user[STORE_USERNAME_MAX + 1], password[AUTH_PASSWORD_MAX + 1];
    if (auth_parse_basic(request_header(req, "Authorization"), user, sizeof user, password,
                         sizeof password) != 0) {
        respond_error(res, "INVALID_AUTH_HEADER");
        return false;
    }
    auth_result r = auth_check(req->app, user, password, time_now_ms(), account);
    memset(password, 0, sizeof password);
    if (r == AUTH_OK || r == AUTH_BAD_PASSWORD || r == AUTH_EXPIRED)
        request_audit(req, account->id, NULL); /* failed logins on an account are recorded too */
    switch (r) {
    case AUTH_OK:
        return true;
    case AUTH_NO_USER:
    case AUTH_BAD_PASSWORD:
        respond_error(res, "WRONG_CREDENTIAL");
        break;
    case AUTH_EXPIRED:
        respond_error(res, "ERROR_IDV_EXPIRED");
        break;
    case AUTH_BUSY:
        api_respond_busy(res);
        break;
    default:
        respond_internal_error(res);
        break;
    }
    return false;
}

bool api_load_journey(http_request *req, http_response *res, const char *journey_id,
                      int64_t account_id, store_journey *journey) {
    if (!journey_id || !*journey_id) {
        api_invalid_journey(res);
        return false;
    }
    store_status st = store_journey_get(req->app->store, journey_id, time_now_ms(), journey);
    bool allowed = st == STORE_OK && (account_id == 0 || journey->account_id == account_id);
    /* a journey id is its account's capability: calls that only carry the id act for it */
    request_audit(req, allowed && account_id == 0 ? journey->account_id : 0, journey_id);
    if (allowed) return true;
    if (st == STORE_OK || st == STORE_NOT_FOUND)
        api_invalid_journey(res);
    else
        respond_internal_error(res);
    return false;
}

bool api_charge_call(http_request *req, http_response *res, int64_t account_id) {
    store_status st = store_account_charge_call(req->app->store, account_id);
    if (st == STORE_OK) return true;
    if (st == STORE_QUOTA)
        respond_error_with(res, "MAX_API_CALL_EXCEEDED", json_pack("{s:n}", "messageCode"));
    else
        respond_internal_error(res);
    return false;
}

const char *api_decode_image(const char *b64, size_t b64_len, size_t max_bytes, uint8_t **bytes,
                             size_t *len, image *img) {
    return api_decode_image_capped(b64, b64_len, max_bytes, API_MAX_IMAGE_PIXELS, bytes, len, img);
}

const char *api_decode_image_capped(const char *b64, size_t b64_len, size_t max_bytes,
                                    size_t max_pixels, uint8_t **bytes, size_t *len, image *img) {
    memset(img, 0, sizeof *img);
    *bytes = NULL;
    *len = 0;
    switch (b64_decode(b64, b64_len, max_bytes, bytes, len)) {
    case B64_OK:
        break;
    case B64_TOO_LARGE:
        return "PAYLOAD_TOO_LARGE";
    case B64_NOMEM:
        return "Internal Server Error";
    default:
        return API_NOT_AN_IMAGE;
    }
    char err[256];
    image_status st = image_decode(*bytes, *len, max_pixels, img, err, sizeof err);
    if (st == IMG_OK) return NULL;
    if (st == IMG_TOO_LARGE) return "PAYLOAD_TOO_LARGE";
    return st == IMG_NOMEM ? "Internal Server Error" : API_NOT_AN_IMAGE;
}

void api_respond_busy(http_response *res) {
    respond_status_error(res, 503, "SERVER_BUSY");
    respond_add_header(res, "Retry-After", "1");
}

void api_respond_saved(http_response *res, store_status saved, json_t *answer) {
    if (saved == STORE_OK) {
        respond_json(res, 200, answer);
        return;
    }
    json_decref(answer);
    if (saved == STORE_CONFLICT)
        api_journey_completed_error(res);
    else if (saved == STORE_NOT_FOUND)
        api_invalid_journey(res);
    else
        respond_internal_error(res);
}

int api_read_document(app *a, const image *front, const image *back, bool compare_visual,
                      document_reading *doc) {
    if (!workgate_enter(&a->gate)) return -1;
    app_ocr *ocr = pool_acquire(a->ocr_engines);
    face_engine *faces = pool_acquire(a->engines);
    document_engines engines = {ocr->mrz, ocr->text, faces, compare_visual};
    int rc = document_read(&engines, front, back, doc);
    pool_release(a->engines, faces);
    pool_release(a->ocr_engines, ocr);
    workgate_leave(&a->gate);
    return rc == 0 ? 0 : -2;
}

int api_check_ghost_photo(app *a, const document_reading *doc, ghost_comparison *out) {
    if (!workgate_enter(&a->gate)) return -1;
    face_engine *faces = pool_acquire(a->engines);
    int rc = ghost_photo_check_document(faces, doc, out);
    pool_release(a->engines, faces);
    workgate_leave(&a->gate);
    return rc == 0 ? 0 : -2;
}

api_key_status api_key_check(app *a, const char *client_id, const char *secret,
                             store_client *client, store_account *account) {
    memset(client, 0, sizeof *client);
    memset(account, 0, sizeof *account);
    if (!client_id || !secret || strlen(secret) > 256) return API_KEY_DENIED;
    store_status st = store_client_get(a->store, client_id, client);
    if (st != STORE_OK && st != STORE_NOT_FOUND) return API_KEY_ERROR;
    char digest[65];
    store_secret_digest(a->store, secret, digest);
    /* compared whatever the lookup found, so an unknown id costs the same */
    bool match = st == STORE_OK && sodium_memcmp(digest, client->secret_digest, 64) == 0;
    if (!match) return API_KEY_DENIED;
    if (store_account_get_by_id(a->store, client->account_id, account) != STORE_OK)
        return API_KEY_ERROR;
    int64_t now = time_now_ms();
    bool usable = !client->disabled && !account->disabled &&
                  (account->expires_at_ms == 0 || account->expires_at_ms > now);
    return usable ? API_KEY_OK : API_KEY_DENIED;
}

void api_session_token(char out[STORE_LINK_TOKEN_LEN + 1]) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < STORE_LINK_TOKEN_LEN; i++) out[i] = alphabet[randombytes_uniform(36)];
    out[STORE_LINK_TOKEN_LEN] = '\0';
}

bool api_http_url_ok(const char *url, size_t max) {
    size_t n = strlen(url);
    if (n > max) return false;
    size_t skip = !strncasecmp(url, "https://", 8) ? 8 : !strncasecmp(url, "http://", 7) ? 7 : 0;
    if (!skip || !url[skip] || url[skip] == '/' || url[skip] == '?' || url[skip] == '#')
        return false;
    for (const char *p = url; *p; p++)
        if (*p <= ' ' || *p >= 127 || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return true;
}
