/* GET /api/ekyc/details/{journeyId} (emas.md §4.11) and journey deletion (§4.12):
 * DELETE /api/ekyc/details/{journeyId}, alias DELETE /api/ekyc/journey/{journeyId}.
 * HTTP Basic; a journey of another account is AUTHORIZATION_ERROR, as the spec's table says.
 * The details document is AES-128-CBC with PKCS#7 padding, key = IV = the account's 16-character
 * details key, base64 — the vendor's scheme, weak because the IV is fixed (docs/details.md).
 * Clients may opt into ?enc=aes-256-gcm (authenticated, random nonce) or ?enc=none (the JSON as
 * is, for use over TLS). */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/jobs.h"
#include "app.h"
#include "util/b64.h"
#include "util/timeutil.h"

/* Resolves the journey for a Basic-authenticated account; false with the answer written. */
static bool owned_journey(http_request *req, http_response *res, store_account *account,
                          store_journey *journey) {
    if (!api_basic_auth(req, res, account)) return false;
    if (!api_load_journey(req, res, req->route_param, 0, journey)) return false;
    if (journey->account_id != account->id) {
        respond_error(res, "AUTHORIZATION_ERROR");
        return false;
    }
    return true;
}

/* component -> (array key, response key) of the details document */
static const char *const sections[][3] = {
    {"okayid", "okayIds", "okayIdResponse"},
    {"okaydoc", "okayDocs", "okayDocResponse"},
    {"okayface", "okayFaces", "okayFaceResponse"},
    {"okaylive", "okayLives", "okayLiveResponse"},
};

/* An okayDocs item's docType, as in the vendor's sample ("ektp_front"): the request's docType of
 * a non-passport check, "passport" for a passport's (the scorecard's name for it). */
static json_t *okaydoc_doc_type(json_t *rec) {
    const char *doc_type = json_string_value(json_object_get(rec, "docType"));
    const char *type = json_string_value(json_object_get(rec, "type"));
    if (doc_type) return json_string(doc_type);
    return type && !strcmp(type, "passport") ? json_string("passport") : json_null();
}

static json_t *details_document(app *a, const store_account *account, const store_journey *j) {
    store_result *results = NULL;
    size_t n = 0;
    if (store_result_list(a->store, j->id, &results, &n) != STORE_OK) return NULL;
    json_t *doc =
        json_pack("{s:s,s:I,s:s,s:s}", "id", j->id, "createdDate", (json_int_t)j->created_at_ms,
                  "companyId", account->company_id, "journeyStatus", j->status);
    for (size_t s = 0; doc && s < sizeof sections / sizeof sections[0]; s++)
        json_object_set_new(doc, sections[s][1], json_array());
    for (size_t i = 0; doc && i < n; i++) {
        for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
            if (strcmp(results[i].component, sections[s][0])) continue;
            json_t *rec = json_loads(results[i].payload, 0, NULL);
            json_t *resp = rec ? json_object_get(rec, "response") : NULL;
            json_t *item = json_pack("{s:s}", "id", results[i].id);
            if (item && !strcmp(sections[s][0], "okaydoc"))
                json_object_set_new(item, "docType", okaydoc_doc_type(rec));
            if (item) {
                json_object_set_new(item, "createdDate",
                                    json_integer((json_int_t)results[i].created_at_ms));
                json_object_set(item, sections[s][2], resp ? resp : json_null());
            }
            json_array_append_new(json_object_get(doc, sections[s][1]), item);
            json_decref(rec);
        }
    }
    if (doc) {
        json_t *scorecard = api_scorecard_results(a->store, j);
        json_object_set_new(doc, "scorecard", scorecard ? scorecard : json_null());
        json_t *failed = api_job_failures(a->store, j->id);
        json_object_set_new(doc, "failedSteps", failed ? failed : json_array());
        json_object_set_new(doc, "completeDateTime",
                            j->completed_at_ms ? json_integer(j->completed_at_ms) : json_null());
    }
    store_results_free(results, n);
    return doc;
}

/* AES-128-CBC, PKCS#7, key = IV = the 16 key bytes; returns malloc'd base64 or NULL. */
static char *encrypt_details(const char *key16, const char *plain, size_t len) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char *out = malloc(len + 32);
    int n1 = 0, n2 = 0;
    char *b64 = NULL;
    if (ctx && out &&
        EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, (const unsigned char *)key16,
                           (const unsigned char *)key16) == 1 &&
        EVP_EncryptUpdate(ctx, out, &n1, (const unsigned char *)plain, (int)len) == 1 &&
        EVP_EncryptFinal_ex(ctx, out + n1, &n2) == 1)
        b64 = b64_encode(out, (size_t)(n1 + n2));
    EVP_CIPHER_CTX_free(ctx);
    free(out);
    return b64;
}

/* AES-256-GCM under SHA-256(the 16 key characters), a random 12-byte nonce, the journey id as
 * associated data; returns malloc'd base64 of nonce | ciphertext | 16-byte tag, or NULL. */
static char *encrypt_details_gcm(const char *key16, const char *journey_id, const char *plain,
                                 size_t len) {
    unsigned char key[32], nonce[12];
    EVP_Digest(key16, 16, key, NULL, EVP_sha256(), NULL);
    randombytes_buf(nonce, sizeof nonce);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    size_t total = sizeof nonce + len + 16;
    unsigned char *out = total > len ? malloc(total) : NULL;
    int n1 = 0, n2 = 0, ad = 0;
    char *b64 = NULL;
    if (ctx && out && len <= INT32_MAX &&
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
        EVP_EncryptUpdate(ctx, NULL, &ad, (const unsigned char *)journey_id,
                          (int)strlen(journey_id)) == 1 &&
        EVP_EncryptUpdate(ctx, out + sizeof nonce, &n1, (const unsigned char *)plain, (int)len) ==
            1 &&
        EVP_EncryptFinal_ex(ctx, out + sizeof nonce + n1, &n2) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + sizeof nonce + n1 + n2) == 1) {
        memcpy(out, nonce, sizeof nonce);
        b64 = b64_encode(out, sizeof nonce + (size_t)(n1 + n2) + 16);
    }
    EVP_CIPHER_CTX_free(ctx);
    free(out);
    sodium_memzero(key, sizeof key);
    return b64;
}

void api_details_get(http_request *req, http_response *res) {
    const char *enc = request_query(req, "enc");
    if (!enc) enc = "aes-128-cbc";
    bool gcm = !strcmp(enc, "aes-256-gcm"), plain = !strcmp(enc, "none");
    if (!gcm && !plain && strcmp(enc, "aes-128-cbc")) {
        respond_error(res, "INVALID_ENCRYPTION");
        return;
    }
    store_account account;
    store_journey journey;
    if (!owned_journey(req, res, &account, &journey)) return;
    json_t *doc = details_document(req->app, &account, &journey);
    if (doc && plain) {
        respond_json(res, 200,
                     json_pack("{s:s,s:s,s:s,s:o}", "status", "success", "message", "api.success",
                               "enc", "none", "result", doc));
        return;
    }
    char key[17];
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    char *cipher = NULL;
    if (text && store_account_details_key(req->app->store, account.id, key) == STORE_OK)
        cipher = gcm ? encrypt_details_gcm(key, journey.id, text, strlen(text))
                     : encrypt_details(key, text, strlen(text));
    free(text);
    sodium_memzero(key, sizeof key);
    if (!cipher) {
        respond_internal_error(res);
        return;
    }
    json_t *body =
        json_pack("{s:s,s:s,s:s}", "status", "success", "message", "api.success", "result", cipher);
    if (body && gcm) json_object_set_new(body, "enc", json_string("aes-256-gcm"));
    respond_json(res, 200, body);
    free(cipher);
}

void api_journey_delete(http_request *req, http_response *res) {
    store_account account;
    store_journey journey;
    if (!owned_journey(req, res, &account, &journey)) return;
    if (!account.allow_delete) {
        respond_error(res, "ERROR_NO_PERMISSION");
        return;
    }
    store_status st = store_journey_delete(req->app->store, journey.id);
    if (st == STORE_NOT_FOUND) {
        api_invalid_journey(res);
        return;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    respond_json(res, 200, json_pack("{s:s,s:s}", "status", "success", "message", "api.success"));
}
