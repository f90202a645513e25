/* POST /api/ekyc/okayface and /api/ekyc/okayface/v1-1 (emas.md §4.3): 1:1 comparison of the
 * ID-card face with the selfie, with the quality gates of docs/face-quality.md. Both images are
 * kept on the journey (sealed blobs) with the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/face_pool.h"
#include "app.h"
#include "kyc/face.h"
#include "server/multipart.h"
#include "util/b64.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_IMAGE_BYTES  (3u * 1024u * 1024u) /* per image, emas.md §10 */
#define MAX_IMAGE_PIXELS 40000000u            /* decompression-bomb cap */

typedef struct {
    const uint8_t *data; /* points into the body, or into owned */
    size_t len;
    uint8_t *owned; /* decoded base64, freed by the caller */
} upload;

/* The image named `file_field`, else its base64 twin. NULL code on success. */
static const char *get_image(const multipart_form *form, const char *file_field,
                             const char *b64_field, upload *out) {
    memset(out, 0, sizeof *out);
    const multipart_part *p = multipart_get(form, file_field);
    if (p && p->len > 0) {
        if (p->len > MAX_IMAGE_BYTES) return "PAYLOAD_TOO_LARGE";
        out->data = p->data;
        out->len = p->len;
        return NULL;
    }
    p = multipart_get(form, b64_field);
    if (!p || p->len == 0) return "MISSING_ARGUMENTS";
    switch (b64_decode((const char *)p->data, p->len, MAX_IMAGE_BYTES, &out->owned, &out->len)) {
    case B64_OK:
        out->data = out->owned;
        return NULL;
    case B64_TOO_LARGE:
        return "PAYLOAD_TOO_LARGE";
    case B64_EMPTY:
        return "MISSING_ARGUMENTS";
    default:
        return "Photo format error";
    }
}

/* Decodes, checks and embeds one image; NULL code on success. */
static const char *embed_upload(face_engine *e, const upload *u, face_role role, float *emb,
                                face_check_result *check) {
    image img;
    char err[256];
    image_status st = image_decode(u->data, u->len, MAX_IMAGE_PIXELS, &img, err, sizeof err);
    if (st == IMG_TOO_LARGE) return "PAYLOAD_TOO_LARGE";
    if (st != IMG_OK) return "Photo format error";
    const char *code = NULL;
    if (face_check(e, &img, role, check) != 0)
        code = "Internal Server Error";
    else if (check->code)
        code = check->code;
    else if (face_embed(e, &img, &check->face, emb) != 0)
        code = "Internal Server Error";
    image_free(&img);
    return code;
}

/* The vendor's request ids look like 1591169623008663I8E5268153513648. */
static void make_request_id(char out[40]) {
    char hex[17];
    random_hex(hex, 8);
    for (char *c = hex; *c; c++)
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    snprintf(out, 40, "%lld%03dI%.15s", (long long)time_now_ms(), (int)(hex[0] % 10) * 100,
             hex + 1);
}

static void respond_face_error(http_response *res, const char *code) {
    if (!strcmp(code, "Internal Server Error"))
        respond_internal_error(res);
    else
        respond_error_with(res, code, json_pack("{s:n}", "messageCode"));
}

/* Stores both images and the result on the journey; false on a store failure. */
static bool save_okayface(app *a, const char *journey_id, const char *endpoint, const upload *id,
                          const upload *best, json_t *response) {
    int64_t now = time_now_ms();
    char id_blob[UUID_STR_LEN], best_blob[UUID_STR_LEN], rid[UUID_STR_LEN];
    if (store_blob_put(a->store, journey_id, "okayface.imageIdCard", NULL, id->data, id->len, now,
                       id_blob) != STORE_OK ||
        store_blob_put(a->store, journey_id, "okayface.imageBest", NULL, best->data, best->len, now,
                       best_blob) != STORE_OK)
        return false;
    json_t *rec = json_pack("{s:s,s:O,s:s,s:s}", "endpoint", endpoint, "response", response,
                            "imageIdCardBlob", id_blob, "imageBestBlob", best_blob);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    bool ok = text && store_result_add(a->store, journey_id, "okayface", text, strlen(text), now,
                                       rid) == STORE_OK;
    free(text);
    return ok;
}

void api_okayface(http_request *req, http_response *res) {
    if (req->body_len == 0) {
        respond_error(res, "Error in processing.");
        return;
    }
    multipart_form form;
    multipart_status ms =
        multipart_parse(request_header(req, "Content-Type"), req->body, req->body_len, &form);
    if (ms == MP_NOT_MULTIPART) {
        respond_status_error(res, 415, "UNSUPPORTED_CONTENT_TYPE");
        return;
    }
    if (ms != MP_OK) {
        respond_bad_request(res, "MALFORMED_MULTIPART");
        return;
    }
    char journey_id[64] = "", flag[16] = "";
    multipart_get_text(&form, "journeyId", journey_id, sizeof journey_id);
    store_journey journey;
    if (!api_load_journey(req, res, journey_id, 0, &journey)) return;
    if (multipart_get_text(&form, "livenessDetection", flag, sizeof flag) == 0 &&
        !strcasecmp(flag, "true")) {
        /* measured unusable (docs/accuracy.md): no liveness figure rather than a fake one */
        respond_face_error(res, "LIVENESS_NOT_AVAILABLE");
        return;
    }
    upload id = {0}, best = {0};
    const char *code = get_image(&form, "imageIdCard", "imageIdCardBase64", &id);
    if (!code) code = get_image(&form, "imageBest", "imageBestBase64", &best);
    if (code) {
        respond_face_error(res, code);
        free(id.owned), free(best.owned);
        return;
    }
    if (!workgate_enter(&req->app->gate)) {
        respond_status_error(res, 503, "SERVER_BUSY");
        respond_add_header(res, "Retry-After", "1");
        free(id.owned), free(best.owned);
        return;
    }
    face_engine *e = face_pool_acquire(req->app->engines);
    float emb_id[FACE_EMBEDDING_DIM], emb_best[FACE_EMBEDDING_DIM];
    face_check_result check_id, check_best;
    code = embed_upload(e, &id, FACE_ROLE_DOCUMENT, emb_id, &check_id);
    if (!code) code = embed_upload(e, &best, FACE_ROLE_SELFIE, emb_best, &check_best);
    face_pool_release(req->app->engines, e);
    workgate_leave(&req->app->gate);
    if (code) {
        respond_face_error(res, code);
        free(id.owned), free(best.owned);
        return;
    }
    float confidence = face_confidence(face_cosine(emb_id, emb_best));
    char request_id[40];
    make_request_id(request_id);
    json_t *body = json_pack("{s:s,s:s,s:s,s:{s:f}}", "status", "success", "messageCode",
                             "api.success", "request_id", request_id, "result_idcard", "confidence",
                             (double)(long)(confidence * 100 + 0.5) / 100.0);
    const char *endpoint = strstr(req->path, "v1-1") ? "okayface/v1-1" : "okayface";
    if (!body || !save_okayface(req->app, journey.id, endpoint, &id, &best, body)) {
        json_decref(body);
        respond_internal_error(res);
    } else {
        respond_json(res, 200, body);
    }
    free(id.owned), free(best.owned);
}
