/* OkayLive (emas.md §4.6): passive liveness of one selfie, answered flat as
 * {status, messageCode, probability, score, quality}. Only a file part is accepted (no base64
 * twin, as the vendor). Errors use the vendor's OkayLive engine messages (§11.3) where one
 * exists. Liveness answers only once the operator has calibrated a threshold (kyc/liveness.h,
 * docs/liveness.md). The selfie and the result are kept on the journey, sealed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "util/timeutil.h"

static double round_to(double v, double scale) {
    return round(v * scale) / scale;
}

json_t *api_liveness_json(const liveness_result *r) {
    return json_pack("{s:f,s:f,s:f}", "probability", round_to(r->probability, 1e7), "score",
                     round_to(r->score, 1e6), "quality", round_to(r->quality, 1e7));
}

/* The OkayLive engine's wording for a failed image or face gate (emas.md §11.3). */
static const char *okaylive_message(const char *code, image_status decode_status) {
    if (!strcmp(code, "Photo format error"))
        return decode_status == IMG_CORRUPT ? "Can't read image from bytes"
                                            : "Failed to decode image";
    if (!strcmp(code, "FACE_NOT_FOUND")) return "Failed to detect face";
    if (!strcmp(code, "FACE_TOO_SMALL")) return "Face image is too small";
    if (!strcmp(code, "FACE_CROPPED") || !strcmp(code, "FACE_CLOSE_TO_BORDER"))
        return "Failed to crop face";
    if (!strcmp(code, "Internal Server Error")) return "Failed to predict result";
    return code; /* TOO_MANY_FACES, FACE_ANGLE_TOO_LARGE, EYES_CLOSED, PAYLOAD_TOO_LARGE, ... */
}

static store_status save_okaylive(app *a, const char *journey_id, const api_upload *best,
                                  json_t *response) {
    int64_t now = time_now_ms();
    char blob[UUID_STR_LEN], rid[UUID_STR_LEN];
    if (store_blob_put(a->store, journey_id, "okaylive.imageBest", NULL, best->data, best->len, now,
                       blob) != STORE_OK)
        return STORE_ERROR;
    json_t *rec = json_pack("{s:s,s:O,s:s}", "endpoint", "okaylive", "response", response,
                            "imageBestBlob", blob);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    store_status st =
        text ? store_result_add(a->store, journey_id, "okaylive", text, strlen(text), now, rid)
             : STORE_ERROR;
    free(text);
    return st;
}

void api_okaylive(http_request *req, http_response *res) {
    multipart_form form;
    if (!api_face_parse_form(req, res, &form)) return;
    char journey_id[64] = "";
    multipart_get_text(&form, "journeyId", journey_id, sizeof journey_id);
    store_journey journey;
    if (!api_load_journey(req, res, journey_id, 0, &journey)) return;
    if (!api_journey_writable(res, &journey)) return;
    const config *cfg = &req->app->cfg;
    api_upload best;
    const char *code = api_face_get_image(&form, "imageBest", NULL, &best);
    if (code) {
        api_face_respond_error(res, code);
        return;
    }
    if (!api_charge_call(req, res, journey.account_id)) return;
    api_face_job job = {FACE_ROLE_SELFIE, NULL, true, (float)cfg->liveness_threshold};
    api_face_outcome out;
    bool busy = false;
    code = api_face_analyse(req->app, &best, &job, &out, &busy);
    if (code) {
        if (busy)
            api_respond_busy(res);
        else
            api_face_respond_error(res, okaylive_message(code, out.decode_status));
        return;
    }
    json_t *body = api_liveness_json(&out.liveness);
    json_t *head = json_pack("{s:s,s:s}", "status", "success", "messageCode", "api.success");
    if (head && body) json_object_update(head, body);
    json_decref(body);
    store_status saved = head ? save_okaylive(req->app, journey.id, &best, head) : STORE_ERROR;
    api_respond_saved(res, saved, head);
}
