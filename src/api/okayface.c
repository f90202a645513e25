/* OkayFace (emas.md §4.3, §4.4, §4.5): 1:1 comparison of the ID-card face with the selfie (v1,
 * v1-1), plus the blacklist face search of v2, OkayFace Plus (the capture bundle judged by
 * capture.c) and the Basic-auth API that manages an account's blacklist. Quality gates:
 * docs/face-quality.md. Images and results are kept on the journey (sealed); blacklist labels and
 * templates are sealed too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/blacklist_index.h"
#include "app.h"
#include "kyc/face.h"
#include "server/multipart.h"
#include "util/b64.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

/* Stores both images and the result on the journey; STORE_CONFLICT when the journey was completed
 * meanwhile (its images then stay with the journey until it is deleted or purged). */
static store_status save_okayface(app *a, const char *journey_id, const char *endpoint,
                                  const api_upload *id, const api_upload *best, json_t *response) {
    int64_t now = time_now_ms();
    char id_blob[UUID_STR_LEN], best_blob[UUID_STR_LEN], rid[UUID_STR_LEN];
    if (store_blob_put(a->store, journey_id, "okayface.imageIdCard", NULL, id->data, id->len, now,
                       id_blob) != STORE_OK ||
        store_blob_put(a->store, journey_id, "okayface.imageBest", NULL, best->data, best->len, now,
                       best_blob) != STORE_OK)
        return STORE_ERROR;
    json_t *rec = json_pack("{s:s,s:O,s:s,s:s}", "endpoint", endpoint, "response", response,
                            "imageIdCardBlob", id_blob, "imageBestBlob", best_blob);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    store_status st =
        text ? store_result_add(a->store, journey_id, "okayface", text, strlen(text), now, rid)
             : STORE_ERROR;
    free(text);
    return st;
}

/* 1:N: FOUND when the selfie's best cosine against the account's blacklist reaches the pass
 * threshold (confidence 75), searched in the account's in-memory index (api/blacklist_index.c).
 * NULL on a store failure. */
static const char *search_blacklist(app *a, int64_t account_id, const float *emb) {
    bool found = false;
    if (blacklist_search(a, account_id, emb, &found) != 0) return NULL;
    return found ? "FOUND" : "NOT_FOUND";
}

void api_okayface(http_request *req, http_response *res) {
    multipart_form form;
    if (!api_face_parse_form(req, res, &form)) return;
    char journey_id[64] = "", flag[16] = "";
    bool plus = strstr(req->path, "okayface-plus") != NULL;
    bool v2 = !plus && strstr(req->path, "/v2") != NULL, search = false;
    if (v2 && multipart_get_text(&form, "blacklistFaceSearch", flag, sizeof flag) == 0)
        search = !strcasecmp(flag, "true");
    flag[0] = '\0';
    multipart_get_text(&form, "journeyId", journey_id, sizeof journey_id);
    store_journey journey;
    if (!api_load_journey(req, res, journey_id, 0, &journey)) return;
    if (!api_journey_writable(res, &journey)) return;
    bool asked = multipart_get_text(&form, "livenessDetection", flag, sizeof flag) == 0 &&
                 !strcasecmp(flag, "true");
    const config *cfg = &req->app->cfg;
    /* OkayFace Plus always runs liveness (at the operator's threshold, or the shipped default:
     * docs/liveness.md) */
    bool liveness = plus || asked;
    const multipart_part *bundle = plus ? multipart_get(&form, "mobileSdkData") : NULL;
    if (plus && (!bundle || bundle->len == 0)) {
        api_face_respond_error(res, "MISSING_ARGUMENTS");
        return;
    }
    api_upload id = {0}, best = {0};
    const char *code = api_face_get_image(&form, "imageIdCard", "imageIdCardBase64", &id);
    if (!code) code = api_face_get_image(&form, "imageBest", "imageBestBase64", &best);
    if (code && !strcmp(code, "MISSING_ARGUMENTS"))
        code = "MISSING_ARGUMENTS: imageIdCard or imageBest"; /* the vendor's text (emas.md 11.3) */
    if (code) {
        api_face_respond_error(res, code);
        free(id.owned), free(best.owned);
        return;
    }
    if (!api_charge_call(req, res, journey.account_id)) {
        free(id.owned), free(best.owned);
        return;
    }
    float emb_id[FACE_EMBEDDING_DIM], emb_best[FACE_EMBEDDING_DIM];
    api_face_job id_job = {FACE_ROLE_DOCUMENT, emb_id, false, 0.0f};
    api_face_job best_job = {FACE_ROLE_SELFIE, emb_best, liveness, (float)cfg->liveness_threshold};
    api_face_outcome id_out, best_out;
    bool busy = false;
    code = api_face_analyse(req->app, &id, &id_job, &id_out, &busy);
    if (!code) code = api_face_analyse(req->app, &best, &best_job, &best_out, &busy);
    if (code) {
        if (busy)
            api_respond_busy(res);
        else
            api_face_respond_error(res, code);
        free(id.owned), free(best.owned);
        return;
    }
    float confidence = face_confidence(face_cosine(emb_id, emb_best));
    char request_id[40];
    api_face_request_id(request_id);
    json_t *body = json_pack("{s:s,s:s,s:s,s:{s:f}}", "status", "success", "messageCode",
                             "api.success", "request_id", request_id, "result_idcard", "confidence",
                             (double)(long)(confidence * 100 + 0.5) / 100.0);
    if (body && (liveness || plus))
        json_object_set_new(body, "imageBestLiveness",
                            liveness ? api_liveness_json(&best_out.liveness) : json_null());
    if (body && plus) {
        json_t *capture =
            api_capture_liveness(req->app, journey.id, bundle->data, bundle->len, &best);
        if (capture) {
            json_object_set_new(body, "imageBestCaptureLiveness", capture);
        } else {
            json_decref(body);
            body = NULL;
        }
    }
    const char *endpoint = plus                        ? "okayface-plus/v1"
                           : v2                        ? "okayface/v2"
                           : strstr(req->path, "v1-1") ? "okayface/v1-1"
                                                       : "okayface";
    if (body && search) {
        const char *found = search_blacklist(req->app, journey.account_id, emb_best);
        char search_id[UUID_STR_LEN];
        uuid_v4(search_id);
        if (!found) {
            json_decref(body);
            body = NULL;
        } else {
            json_object_set_new(body, "blacklistFaceSearch",
                                json_pack("{s:s,s:s}", "status", found, "requestId", search_id));
        }
    }
    store_status saved =
        body ? save_okayface(req->app, journey.id, endpoint, &id, &best, body) : STORE_ERROR;
    api_respond_saved(res, saved, body);
    free(id.owned), free(best.owned);
}

/* ---- blacklist management (Basic auth, the account's own faces only) ---- */

void api_blacklist_add(http_request *req, http_response *res) {
    store_account account;
    if (!api_basic_auth(req, res, &account)) return;
    multipart_form form;
    if (!api_face_parse_form(req, res, &form)) return;
    char label[257];
    if (multipart_get_text(&form, "label", label, sizeof label) != 0 || !label[0]) {
        respond_error_with(res, "MISSING_ARGUMENTS", json_pack("{s:n}", "messageCode"));
        return;
    }
    api_upload img = {0};
    const char *code = api_face_get_image(&form, "image", "imageBase64", &img);
    float emb[FACE_EMBEDDING_DIM];
    api_face_job job = {FACE_ROLE_DOCUMENT, emb, false, 0.0f};
    api_face_outcome outcome;
    bool busy = false;
    if (!code) code = api_face_analyse(req->app, &img, &job, &outcome, &busy);
    free(img.owned);
    if (code) {
        if (busy)
            api_respond_busy(res);
        else
            api_face_respond_error(res, code);
        return;
    }
    char id[UUID_STR_LEN];
    if (store_blacklist_add(req->app->store, account.id, label, emb, FACE_EMBEDDING_DIM,
                            time_now_ms(), id) != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    blacklist_index_added(req->app, account.id, id, emb);
    respond_json(res, 200,
                 json_pack("{s:s,s:s,s:s,s:s}", "status", "success", "messageCode", "api.success",
                           "id", id, "label", label));
}

void api_blacklist_list(http_request *req, http_response *res) {
    store_account account;
    if (!api_basic_auth(req, res, &account)) return;
    store_face *faces = NULL;
    size_t n = 0;
    if (store_blacklist_list(req->app->store, account.id, false, &faces, &n) != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:I}", "id", faces[i].id, "label", faces[i].label,
                                        "createdDate", (json_int_t)faces[i].created_at_ms));
    store_faces_free(faces, n);
    respond_json(res, 200,
                 json_pack("{s:s,s:s,s:o}", "status", "success", "messageCode", "api.success",
                           "faces", list));
}

void api_blacklist_delete(http_request *req, http_response *res) {
    store_account account;
    if (!api_basic_auth(req, res, &account)) return;
    const char *face_id = req->route_param ? req->route_param : "";
    store_status st = store_blacklist_delete(req->app->store, account.id, face_id);
    if (st == STORE_OK) blacklist_index_deleted(req->app, account.id, face_id);
    if (st == STORE_NOT_FOUND)
        respond_error_with(res, "INVALID_FACE_ID", json_pack("{s:n}", "messageCode"));
    else if (st != STORE_OK)
        respond_internal_error(res);
    else
        respond_json(res, 200,
                     json_pack("{s:s,s:s}", "status", "success", "messageCode", "api.success"));
}
