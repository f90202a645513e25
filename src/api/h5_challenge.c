/* The selfie step of the capture page: a server-issued challenge, the frames that answer it,
 * and the verdict (docs/h5.md). The frames are measured as they arrive (kyc/challenge.h) and
 * their measures kept on the link's journey, so that any node can judge the whole sequence;
 * the best frontal frame is kept as a blob for the face match with the document portrait and
 * for passive liveness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/h5.h"
#include "app.h"
#include "kyc/challenge.h"
#include "kyc/face.h"
#include "kyc/liveness.h"
#include "util/b64.h"
#include "util/ids.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define BATCH_MAX        8
#define FRAME_MAX_BYTES  80000u
#define FRAME_MAX_PIXELS 400000u /* 480 x 360 is 172 800 */
#define FRAME_LONG_SIDE  480
#define MATCH_PASS       75.0f /* face_confidence: the recommended pass level */
#define MAX_CHALLENGES   10    /* challenges a link may be issued, abandoned ones included */

/* A challenge failure reason (the page's hint word) as the spec's face code and in words. */
typedef struct {
    const char *reason, *code, *description;
} failure;

static const failure failures[] = {
    {"turn_left_not_seen", "FailedOperation.ActionFirstAction", "The head did not turn left."},
    {"turn_right_not_seen", "FailedOperation.ActionFirstAction", "The head did not turn right."},
    {"blink_not_seen", "FailedOperation.ActionCloseEye", "No blink was seen."},
    {"no_face", "FailedOperation.ActionNodetectFace", "No full face was seen."},
    {"one_face", "FailedOperation.LifePhotoDetectFaces", "More than one face was seen."},
    {"face_mismatch", "FailedOperation.LivessDetectFake", "The face changed during the challenge."},
    {"too_dark", "FailedOperation.ActionLightDark", "The face was too dark."},
    {"too_bright", "FailedOperation.ActionLightStrong", "The face was too bright."},
    {"move_closer", "FailedOperation.ActionFaceFar", "The face was too far from the camera."},
    {"move_back", "FailedOperation.ActionFaceClose", "The face was too close to the camera."},
    {"hold_still", "FailedOperation.LifePhotoPoorQuality", "The frames were too blurred."},
    {"not_live", "FailedOperation.SilentThreshold", "Passive liveness was below the pass level."},
    {"portrait_mismatch", "FailedOperation.CompareLowSimilarity",
     "The face does not match the document portrait."},
    {"no_portrait", "FailedOperation.CompareFail", "The document has no portrait to compare."},
    {"out_of_order", "FailedOperation.LivessDetectFail", "The actions were not done in order."},
    {"too_slow", "FailedOperation.LivessDetectFail", "The challenge was not finished in time."},
};

/* The reason's entry; an unknown reason is answered as out_of_order, the generic failure. */
static const failure *failure_of(const char *reason) {
    const failure *generic = &failures[0];
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
        if (reason && !strcmp(reason, failures[i].reason)) return &failures[i];
        if (!strcmp(failures[i].reason, "out_of_order")) generic = &failures[i];
    }
    return generic;
}

/* The link's current challenge as its record keeps it; NULL when there is none. */
static json_t *current(json_t *rec) {
    json_t *c = json_object_get(rec, "challenge");
    return json_is_object(c) ? c : NULL;
}

/* The spec of a recorded challenge; false when the record is damaged. */
static bool spec_of(json_t *c, challenge_spec *spec) {
    memset(spec, 0, sizeof *spec);
    json_t *actions = json_object_get(c, "actions");
    size_t n = json_array_size(actions);
    if (n == 0 || n > CHALLENGE_MAX_ACTIONS) return false;
    for (size_t i = 0; i < n; i++)
        if (challenge_action_parse(json_string_value(json_array_get(actions, i)),
                                   &spec->actions[i]) != 0)
            return false;
    spec->count = (int)n;
    spec->step_ms = json_integer_value(json_object_get(c, "step_ms"));
    spec->deadline_ms = json_integer_value(json_object_get(c, "deadline_ms"));
    return true;
}

/* Loads the link's page state for the selfie step: answers and returns false unless the link
 * is at it (and, when need_challenge, has a challenge with this id). */
static bool selfie_step(http_request *req, http_response *res, store_verification *link,
                        json_t **rec, json_t **body, bool need_challenge) {
    *body = NULL;
    if (!h5_page_link(req, res, H5_LINK_LIVE, link, rec)) return false;
    const char *type = h5_str(*rec, "type"), *step = h5_str(*rec, "step");
    const char *problem = NULL, *code = "finished";
    int status = 409;
    if (type && !strcmp(type, "01"))
        problem = "This link has no selfie step.";
    else if (!step || strcmp(step, H5_STEP_SELFIE))
        problem = step && !strcmp(step, H5_STEP_DOCUMENT) ? "Take the document photo first."
                                                          : "The selfie step of this link is over.";
    if (!problem && need_challenge) {
        *body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
        json_t *c = current(*rec);
        const char *id = json_string_value(json_object_get(*body, "challenge_id"));
        if (!json_is_object(*body))
            problem = "The body must be a JSON object.", status = 400, code = "bad_request";
        else if (!c || !id || strcmp(id, h5_str(c, "id")))
            problem = "This challenge is not the link's current one.", code = "stale_challenge";
    }
    if (!problem) return true;
    h5_error(res, status, problem, code);
    json_decref(*body);
    json_decref(*rec);
    *body = *rec = NULL;
    store_verification_free(link);
    return false;
}

static void release(store_verification *link, json_t *rec, json_t *body) {
    json_decref(body);
    json_decref(rec);
    store_verification_free(link);
}

static void answer_saved(http_response *res, store_status st, json_t *out) {
    if (st == STORE_OK && out) {
        h5_ok(res, out);
        return;
    }
    json_decref(out);
    if (st == STORE_CONFLICT)
        h5_error(res, 409, "This link changed meanwhile; try again.", "retry");
    else
        respond_internal_error(res);
}

/* Counts a judged or abandoned challenge as a face attempt; ends the link when they are used. */
static void count_attempt(json_t *rec, const char *reason) {
    int attempts = h5_int(rec, "face_attempts") + 1;
    json_object_set_new(rec, "face_attempts", json_integer(attempts));
    json_object_set_new(rec, "face_retries", json_integer(attempts - 1));
    json_object_set_new(rec, "face_id_charged", json_integer(1));
    json_object_set_new(rec, "face_id_success", json_integer(reason ? 0 : 1));
    json_object_set_new(rec, "latest_error",
                        reason ? json_string(failure_of(reason)->code) : json_null());
    json_object_del(rec, "challenge"); /* single use */
    if (!reason)
        h5_finish(rec, true);
    else if (attempts > h5_int(rec, "max_face_retries"))
        h5_finish(rec, false);
}

void api_h5_challenge(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec, *body;
    if (!selfie_step(req, res, &link, &rec, &body, false)) return;
    /* a challenge that received frames and was left for a new one counts as a failed attempt
     * (else a replayed recording could wait, free, for an order it matches); challenges that
     * received nothing (a camera slow to start) are capped */
    json_t *old = current(rec);
    if (old && json_integer_value(json_object_get(old, "frames")) > 0)
        count_attempt(rec, "out_of_order");
    int issued = h5_int(rec, "challenges_issued");
    if (strcmp(h5_str(rec, "step"), H5_STEP_SELFIE) || issued >= MAX_CHALLENGES) {
        if (issued >= MAX_CHALLENGES) h5_finish(rec, false);
        store_status st = h5_save(req, &link, rec);
        if (st == STORE_OK)
            h5_error(res, 409, "The selfie attempts of this link are used up.", "attempts_used");
        else
            answer_saved(res, st, NULL);
        release(&link, rec, body);
        return;
    }
    json_object_set_new(rec, "challenges_issued", json_integer(issued + 1));
    challenge_spec spec;
    challenge_draw(&spec);
    char id[33];
    random_hex(id, 16);
    json_t *actions = json_array();
    for (int i = 0; actions && i < spec.count; i++)
        json_array_append_new(actions, json_string(challenge_action_name(spec.actions[i])));
    json_t *c = json_pack("{s:s,s:O,s:I,s:I,s:I,s:i,s:i,s:n,s:f,s:[]}", "id", id, "actions",
                          actions, "issued_at", (json_int_t)time_now_ms(), "step_ms",
                          (json_int_t)spec.step_ms, "deadline_ms", (json_int_t)spec.deadline_ms,
                          "next_seq", 0, "frames", 0, "best_blob", "best_score", -1.0, "batches");
    json_t *out = c ? json_pack("{s:s,s:o,s:I,s:I,s:i,s:i,s:i,s:i}", "challenge_id", id, "actions",
                                actions, "step_ms", (json_int_t)spec.step_ms, "deadline_ms",
                                (json_int_t)spec.deadline_ms, "max_frames", CHALLENGE_MAX_FRAMES,
                                "batch_max", BATCH_MAX, "frame_max_bytes", (int)FRAME_MAX_BYTES,
                                "frame_long_side", FRAME_LONG_SIDE)
                    : NULL;
    if (!out) json_decref(actions);
    store_status st = STORE_ERROR;
    if (c && out) {
        json_object_set_new(rec, "challenge", c); /* any earlier challenge is void */
        c = NULL;
        st = h5_save(req, &link, rec);
    }
    json_decref(c);
    answer_saved(res, st, out);
    release(&link, rec, body);
}

/* ---- frames ---- */

typedef struct {
    challenge_frame *frames;
    size_t count;
    uint8_t *best_jpeg; /* the batch's best frontal frame, kept when it beats the link's best */
    size_t best_len;
    float best_score;
} batch;

static void batch_free(batch *b) {
    free(b->frames);
    free(b->best_jpeg);
    memset(b, 0, sizeof *b);
}

/* How fit a measured frame is to be the best frame: frontal, eyes open, one face, large. */
static float frame_score(const challenge_frame *f) {
    if (f->faces != 1 || f->yaw > 12.0f || f->yaw < -12.0f || f->eye_closed > 0.5f) return -1.0f;
    float size = f->face_frac / 0.35f;
    return (1.0f - (f->yaw < 0 ? -f->yaw : f->yaw) / 30.0f) * (size > 1.0f ? 1.0f : size) *
           (1.0f - f->eye_closed);
}

/* Decodes and measures the batch's frames; NULL or the message of the first problem (*status
 * set). */
static const char *measure_batch(http_request *req, json_t *frames, int64_t issued_at, batch *b,
                                 int *status) {
    size_t n = json_array_size(frames);
    *status = 400;
    if (!json_is_array(frames) || n == 0) return "frames must be a non-empty array.";
    if (n > BATCH_MAX) return "Too many frames in one batch.";
    b->frames = calloc(n, sizeof *b->frames);
    if (!b->frames) {
        *status = 500;
        return "Internal error.";
    }
    b->best_score = -1.0f;
    int64_t received = time_now_ms() - issued_at;
    if (!workgate_enter(&req->app->gate)) {
        *status = 503;
        return "busy";
    }
    face_engine *e = pool_acquire(req->app->engines);
    const char *problem = NULL;
    for (size_t i = 0; i < n && !problem; i++) {
        json_t *f = json_array_get(frames, i);
        json_t *t = json_object_get(f, "t"), *img64 = json_object_get(f, "image");
        if (!json_is_integer(t) || json_integer_value(t) < 0 || !json_is_string(img64)) {
            problem = "Each frame needs t (ms, an integer) and image (base64 JPEG).";
            break;
        }
        uint8_t *bytes = NULL;
        size_t len = 0;
        image img;
        const char *err =
            api_decode_image_capped(json_string_value(img64), json_string_length(img64),
                                    FRAME_MAX_BYTES, FRAME_MAX_PIXELS, &bytes, &len, &img);
        if (err) {
            problem = !strcmp(err, "PAYLOAD_TOO_LARGE") ? "A frame is too large."
                                                        : "A frame is not a JPEG or PNG image.";
            if (!strcmp(err, "PAYLOAD_TOO_LARGE")) *status = 413;
        } else {
            challenge_frame *cf = &b->frames[b->count];
            if (challenge_measure_frame(e, &img, cf) != 0) {
                problem = "Internal error.";
                *status = 500;
            } else {
                challenge_frame_digest(bytes, len, cf->digest);
                cf->t_ms = json_integer_value(t);
                cf->received_ms = received;
                float score = frame_score(cf);
                if (score > b->best_score) {
                    free(b->best_jpeg);
                    b->best_jpeg = bytes;
                    b->best_len = len;
                    b->best_score = score;
                    bytes = NULL;
                }
                b->count++;
            }
        }
        free(bytes);
        image_free(&img);
    }
    pool_release(req->app->engines, e);
    workgate_leave(&req->app->gate);
    return problem;
}

/* The measured frames of challenge c: the batches its record names (seq order), nothing else. */
static store_status load_frames(http_request *req, const store_verification *link, json_t *c,
                                challenge_frame **out, size_t *count) {
    *out = NULL;
    *count = 0;
    store_result *rows = NULL;
    size_t n = 0;
    store_status st = store_result_list(req->app->store, link->journey_id, &rows, &n);
    if (st != STORE_OK) return st;
    challenge_frame *all = calloc(CHALLENGE_MAX_FRAMES, sizeof *all);
    size_t got = 0;
    if (!all) st = STORE_ERROR;
    json_t *batches = json_object_get(c, "batches");
    for (size_t b = 0; st == STORE_OK && b < json_array_size(batches); b++) {
        const char *id = json_string_value(json_array_get(batches, b));
        size_t i = 0;
        while (i < n && (!id || strcmp(rows[i].id, id))) i++;
        json_t *j = i < n ? json_loadb(rows[i].payload, rows[i].payload_len, 0, NULL) : NULL;
        json_t *frames = json_object_get(j, "frames");
        if (!json_is_array(frames)) st = STORE_ERROR;
        for (size_t k = 0; st == STORE_OK && k < json_array_size(frames); k++) {
            const char *text = json_string_value(json_array_get(frames, k));
            uint8_t *packed = NULL;
            size_t len = 0;
            if (got >= CHALLENGE_MAX_FRAMES || !text ||
                b64_decode(text, strlen(text), 8192, &packed, &len) != B64_OK ||
                challenge_frame_unpack(packed, len, &all[got]) != 0)
                st = STORE_ERROR;
            else
                got++;
            free(packed);
        }
        json_decref(j);
    }
    store_results_free(rows, n);
    if (st != STORE_OK) {
        free(all);
        return st;
    }
    *out = all;
    *count = got;
    return STORE_OK;
}

/* Stores the batch's measures (sealed, on the journey) and, when it beats the link's best, its
 * best frame. */
static store_status store_batch(http_request *req, const store_verification *link, json_t *c,
                                const batch *b) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < b->count; i++) {
        uint8_t packed[CHALLENGE_FRAME_PACKED_MAX];
        size_t len = challenge_frame_pack(&b->frames[i], packed, sizeof packed);
        char *text = len ? b64_encode(packed, len) : NULL;
        if (!text) {
            json_decref(list);
            return STORE_ERROR;
        }
        json_array_append_new(list, json_string(text));
        free(text);
    }
    json_t *j = list ? json_pack("{s:s,s:o}", "challenge", h5_str(c, "id"), "frames", list) : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) return STORE_ERROR;
    char id[UUID_STR_LEN];
    int64_t now = time_now_ms();
    store_status st = store_result_add(req->app->store, link->journey_id, H5_FRAMES_RESULT, text,
                                       strlen(text), now, id);
    free(text);
    json_t *batches = json_object_get(c, "batches");
    if (st == STORE_OK && json_is_array(batches)) json_array_append_new(batches, json_string(id));
    double best = json_real_value(json_object_get(c, "best_score"));
    if (st == STORE_OK && b->best_jpeg && b->best_score > best) {
        st = store_blob_put(req->app->store, link->journey_id, "h5_frame", "image/jpeg",
                            b->best_jpeg, b->best_len, now, id);
        if (st == STORE_OK) {
            json_object_set_new(c, "best_blob", json_string(id));
            json_object_set_new(c, "best_score", json_real(b->best_score));
        }
    }
    return st;
}

void api_h5_frames(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec, *body;
    if (!selfie_step(req, res, &link, &rec, &body, true)) return;
    json_t *c = current(rec);
    batch b = {0};
    challenge_frame *all = NULL;
    size_t n = 0;
    json_t *seq = json_object_get(body, "seq");
    json_t *frames = json_object_get(body, "frames");
    int64_t next = json_integer_value(json_object_get(c, "next_seq"));
    int64_t issued_at = json_integer_value(json_object_get(c, "issued_at"));
    int total = (int)json_integer_value(json_object_get(c, "frames"));
    int status = 409;
    const char *problem = NULL, *code = NULL;
    if (!json_is_integer(seq))
        problem = "seq (the batch's number from 0) is required.", status = 400;
    else if (json_integer_value(seq) != next)
        problem = "This batch was sent already or out of turn.", code = "out_of_turn";
    else if (total + (int)json_array_size(frames) > CHALLENGE_MAX_FRAMES)
        problem = "The challenge has all the frames it takes.", code = "full";
    else if (time_now_ms() - issued_at >
             json_integer_value(json_object_get(c, "deadline_ms")) + CHALLENGE_GRACE_MS)
        problem = "The challenge's time is over.", code = "too_slow";
    else
        problem = measure_batch(req, frames, issued_at, &b, &status);
    if (problem && status == 503) {
        api_respond_busy(res);
    } else if (problem) {
        h5_error(res, status, problem,
                 code            ? code
                 : status == 413 ? "too_large"
                 : status == 500 ? "internal"
                                 : "bad_request");
    } else {
        store_status st = store_batch(req, &link, c, &b);
        json_object_set_new(c, "next_seq", json_integer(next + 1));
        json_object_set_new(c, "frames", json_integer(total + (json_int_t)b.count));
        if (st == STORE_OK) st = h5_save(req, &link, rec);
        if (st == STORE_OK) st = load_frames(req, &link, c, &all, &n);
        challenge_spec spec;
        json_t *out = NULL;
        if (st == STORE_OK && spec_of(c, &spec)) {
            challenge_progress p;
            challenge_progress_of(&spec, all, n, &p);
            out = json_pack("{s:i,s:i,s:i,s:s?,s:s?}", "received", (int)b.count, "frames_total",
                            (int)n, "actions_done", p.actions_done, "current",
                            p.actions_done < spec.count
                                ? challenge_action_name(spec.actions[p.actions_done])
                                : NULL,
                            "hint", p.hint);
        }
        answer_saved(res, st, out);
    }
    free(all);
    batch_free(&b);
    release(&link, rec, body);
}

/* ---- the verdict ---- */

typedef struct {
    const char *reason; /* NULL: passed */
    float sim;          /* 0-100 against the document portrait; 0 when not compared */
    liveness_result live;
    bool live_judged;
    char *best_b64;
} face_outcome;

/* The document portrait's template stored by the document step; false when there is none. */
static bool portrait_template(http_request *req, const store_verification *link, json_t *rec,
                              float out[FACE_EMBEDDING_DIM]) {
    json_t *p = h5_result(req, link, rec, "portrait_result_id");
    const char *text = json_string_value(json_object_get(p, "template"));
    uint8_t *bytes = NULL;
    size_t len = 0;
    bool ok = text && b64_decode(text, strlen(text), 4096, &bytes, &len) == B64_OK &&
              len == FACE_EMBEDDING_DIM * sizeof(float);
    if (ok) memcpy(out, bytes, len);
    free(bytes);
    json_decref(p);
    return ok;
}

/* The kept best frame against the document portrait, and its passive liveness. The kept frame
 * must be the face of the verifier's best frame (`best`, which the same-face rule ties to every
 * compared frame), so that no frame outside the challenge's checks is what gets matched. -1
 * busy, -2 failure. */
static int judge_best_frame(http_request *req, const store_verification *link, json_t *rec,
                            const challenge_frame *best, face_outcome *o) {
    app *a = req->app;
    json_t *c = current(rec);
    float doc[FACE_EMBEDDING_DIM], selfie[FACE_EMBEDDING_DIM];
    if (!best || !best->has_embedding) {
        o->reason = "no_face";
        return 0;
    }
    if (!portrait_template(req, link, rec, doc)) {
        o->reason = "no_portrait";
        return 0;
    }
    store_blob blob = {0};
    const char *blob_id = h5_str(c, "best_blob");
    if (!blob_id || store_blob_get(a->store, blob_id, &blob) != STORE_OK) {
        o->reason = "no_face";
        return 0;
    }
    image img;
    char err[128];
    int rc = 0;
    if (image_decode(blob.data, blob.size, FRAME_MAX_PIXELS, &img, err, sizeof err) != IMG_OK) {
        store_blob_free(&blob);
        return -2;
    }
    o->best_b64 = b64_encode(blob.data, blob.size);
    if (!workgate_enter(&a->gate)) {
        rc = -1;
    } else {
        face_engine *e = pool_acquire(a->engines);
        face_check_result check;
        if (face_check(e, &img, FACE_ROLE_SELFIE, &check) != 0) {
            rc = -2;
        } else if (check.faces_found == 0) {
            o->reason = "no_face";
        } else if (check.code && !strcmp(check.code, "TOO_MANY_FACES")) {
            o->reason = "one_face"; /* (no landmarks were located then) */
        } else if (face_embed(e, &img, &check.face, selfie) != 0 ||
                   liveness_assess(e, &img, &check, (float)a->cfg.liveness_threshold, &o->live) !=
                       0) {
            rc = -2;
        } else {
            o->sim = face_confidence(face_cosine(doc, selfie));
            o->live_judged = true;
            if (face_cosine(best->embedding, selfie) < CHALLENGE_SAME_FACE)
                o->reason = "face_mismatch";
            else if (o->sim < MATCH_PASS)
                o->reason = "portrait_mismatch";
            else if (o->live_judged && o->live.probability < 0.5f)
                o->reason = "not_live";
        }
        pool_release(a->engines, e);
        workgate_leave(&a->gate);
    }
    image_free(&img);
    store_blob_free(&blob);
    return rc;
}

static json_t *face_result(const face_outcome *o, const char *request_id) {
    const failure *f = o->reason ? failure_of(o->reason) : NULL;
    char sim[16];
    snprintf(sim, sizeof sim, "%.2f", o->sim);
    json_t *out =
        json_pack("{s:f,s:s,s:s,s:[],s:s,s:s}", "Sim", atof(sim), "Result", f ? f->code : "Success",
                  "Description", f ? f->description : "Success", "BestFrameList", "BestFrameBase64",
                  o->best_b64 ? o->best_b64 : "", "RequestId", request_id);
    if (out && o->live.quality > 0) {
        json_t *live = api_liveness_json(&o->live);
        if (live) json_object_set_new(live, "judged", json_boolean(o->live_judged));
        json_object_set_new(out, "Liveness", live ? live : json_null());
    }
    return out;
}

void api_h5_finish(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec, *body;
    if (!selfie_step(req, res, &link, &rec, &body, true)) return;
    json_t *c = current(rec);
    challenge_spec spec;
    challenge_frame *frames = NULL;
    size_t n = 0;
    face_outcome o = {0};
    if (store_account_charge_call(req->app->store, link.account_id) == STORE_QUOTA) {
        h5_error(res, 403, "The account's API call quota is used up.", "quota");
        release(&link, rec, body);
        return;
    }
    store_status st = spec_of(c, &spec) ? load_frames(req, &link, c, &frames, &n) : STORE_ERROR;
    challenge_verdict v = {0};
    int rc = st == STORE_OK && challenge_verify(&spec, frames, n, &v) == 0 ? 0 : -2;
    if (rc == 0 && !v.passed) o.reason = v.reason ? v.reason : "out_of_order";
    if (rc == 0 && v.passed)
        rc =
            judge_best_frame(req, &link, rec, v.best_frame >= 0 ? &frames[v.best_frame] : NULL, &o);
    if (rc == -1) {
        api_respond_busy(res);
    } else if (rc != 0) {
        respond_internal_error(res);
    } else {
        json_t *result = face_result(&o, req->request_id);
        st = h5_add_result(req, &link, rec, H5_FACE_RESULT, "face_result_id", result);
        json_decref(result);
        count_attempt(rec, o.reason);
        if (st == STORE_OK) st = h5_save(req, &link, rec);
        int left = h5_int(rec, "max_face_retries") + 1 - h5_int(rec, "face_attempts");
        char *redirect = h5_redirect(&link, rec);
        json_t *out = json_pack("{s:b,s:s?,s:i,s:s,s:s?}", "passed", o.reason == NULL, "reason",
                                o.reason, "face_attempts_left", left < 0 ? 0 : left, "step",
                                h5_step(&link, rec, time_now_ms()), "redirect", redirect);
        free(redirect);
        answer_saved(res, st, out);
    }
    free(o.best_b64);
    free(frames);
    release(&link, rec, body);
}
