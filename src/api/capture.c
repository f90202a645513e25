/* OkayFace Plus capture keys and bundles (docs/capture-bundle.md): POST /api/ekyc/capture-key
 * issues a single-use nonce and its HMAC key for a journey; api_capture_liveness judges the
 * `mobileSdkData` bundle sent with the selfie. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "kyc/capture_bundle.h"
#include "server/body.h"
#include "util/b64.h"
#include "util/timeutil.h"

#define CAPTURE_KEY_TTL_MS (10 * 60 * 1000)

void api_capture_key(http_request *req, http_response *res) {
    json_t *body = NULL;
    body_status bs = body_parse_json(req, &body);
    if (bs != BODY_OK) {
        body_respond_error(res, bs);
        return;
    }
    const char *id = json_get_string(body, "journeyId", 64);
    store_journey journey;
    bool found = api_load_journey(req, res, id ? id : "", 0, &journey);
    json_decref(body);
    if (!found || !api_journey_writable(res, &journey)) return;
    int64_t now = time_now_ms();
    store_capture_nonce n;
    if (store_capture_nonce_issue(req->app->store, journey.id, now, now + CAPTURE_KEY_TTL_MS, &n) !=
        STORE_OK) {
        respond_internal_error(res);
        return;
    }
    char *key = b64_encode(n.key, sizeof n.key);
    sodium_memzero(n.key, sizeof n.key);
    if (!key) {
        respond_internal_error(res);
        return;
    }
    respond_json(res, 200,
                 json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "status", "success", "messageCode",
                           "api.success", "nonce", n.nonce, "key", key, "algorithm", "HMAC-SHA256",
                           "issuedAt", (json_int_t)n.issued_at_ms, "expiresAt",
                           (json_int_t)n.expires_at_ms));
    sodium_memzero(key, strlen(key));
    free(key);
}

static json_t *verdict_json(const capture_verdict *v) {
    json_t *reasons = json_array();
    for (int i = 0; reasons && i < v->n_reasons; i++)
        json_array_append_new(reasons, json_string(v->reasons[i]));
    return json_pack("{s:f,s:f,s:b,s:o}", "probability", (double)v->probability, "score",
                     (double)v->score, "measured", 1, "reasons", reasons);
}

json_t *api_capture_liveness(app *a, const char *journey_id, const uint8_t *bundle,
                             size_t bundle_len, const api_upload *best) {
    capture_bundle b;
    capture_verdict v;
    if (capture_bundle_parse(bundle, bundle_len, &b) != 0) {
        /* not a bundle ekycd can read (the vendor SDK's own format, say): no capture evidence
         * was measured, so no figure is given, rather than one that looks like a measured
         * attack (docs/capture-bundle.md) */
        return json_pack("{s:n,s:n,s:b,s:[s]}", "probability", "score", "measured", 0, "reasons",
                         "BUNDLE_MALFORMED");
    }
    capture_context ctx = {.journey_id = journey_id, .now_ms = time_now_ms()};
    store_capture_nonce n;
    store_status st = store_capture_nonce_redeem(a->store, b.nonce, ctx.now_ms, &n);
    if (st == STORE_OK || st == STORE_CONFLICT) {
        ctx.key_journey_id = n.journey_id;
        ctx.key = n.key;
        ctx.issued_at_ms = n.issued_at_ms;
        ctx.expires_at_ms = n.expires_at_ms;
        ctx.used_before_ms = st == STORE_CONFLICT ? n.used_at_ms : 0;
        crypto_hash_sha256(ctx.image_sha256, best->data, best->len);
        capture_bundle_judge(&b, &ctx, &v);
        sodium_memzero(n.key, sizeof n.key);
    } else if (st == STORE_NOT_FOUND) {
        capture_verdict_single("UNKNOWN_NONCE", &v);
    } else {
        capture_bundle_free(&b);
        return NULL;
    }
    capture_bundle_free(&b);
    return verdict_json(&v);
}
