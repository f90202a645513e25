/* POST /api/h5/document: the capture page's document photo (docs/h5.md). The photo is read by
 * the same pipeline as OkayID and measured by OkayDoc's capture checks; the page gets a verdict
 * with the measured reason when the photo is not usable, and a usable one becomes the link's
 * ocr_result (h5-and-v3.md A.5) with the checks' warnings as the spec's codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/h5.h"
#include "app.h"
#include "kyc/doc_quality.h"
#include "kyc/face.h"
#include "kyc/ic_print.h"
#include "kyc/mykad_checks.h"
#include "kyc/screen_recapture.h"
#include "util/b64.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define DOC_MAX_BYTES     (3u * 1024u * 1024u + 512u * 1024u) /* decoded; fits the 5 MB body */
#define FREE_REJECTIONS   10    /* quality refusals a link gets before they count as attempts */
#define GLARE_WARN        0.10f /* share of clipped pixels on the document: 9107 */
#define BORDER_MARGIN_PCT 0.01f /* a card corner this close to the photo's edge: 9101 */

/* What one capture came to. */
typedef struct {
    const char *hint;         /* NULL when accepted */
    bool counted;             /* uses an OCR attempt */
    const char *latest_error; /* for the record */
    json_t *ocr_result;       /* when accepted */
    json_t *okayid;           /* the same reading as OkayID answers it (stored for the journey) */
    float portrait[FACE_EMBEDDING_DIM];
    bool portrait_found;
} capture_outcome;

/* A MyKad's print judged edited by OkayDoc's font check (the IC number's digits against each
 * other) or religion check (the religion line against its neighbours): 9104. */
static bool mykad_print_edited(const document_reading *doc) {
    const mykad_reading *r = &doc->mykad;
    float detail = document_page_detail(doc);
    if (r->ic_read) {
        image_box line = {r->ic_box.x, r->ic_box.y, r->ic_box.w, r->ic_box.h};
        ic_print print;
        char reason[160];
        if (ic_print_measure(&doc->page[0], line, r->ic.number, detail, &print) == 0 &&
            mykad_font_check(r, &print, NULL, reason, sizeof reason) == MYKAD_FAIL)
            return true;
    }
    mykad_religion_print religion;
    return mykad_religion_check(r, &doc->page[0], detail, &religion) == 0 && religion.performed &&
           religion.verdict == MYKAD_FAIL;
}

/* The warnings the spec's WarnCardInfos carries, from what was measured (docs/h5.md). */
static json_t *warnings(const document_reading *doc, const image *photo, const doc_quality *q,
                        const screen_cues *screen) {
    json_t *w = json_array();
    if (doc->mykad_found) {
        const card_quad *k = &doc->mykad.quad;
        float mx = BORDER_MARGIN_PCT * (float)photo->width,
              my = BORDER_MARGIN_PCT * (float)photo->height;
        bool inside = doc->mykad.edge_found;
        for (int i = 0; inside && i < 4; i++)
            inside = k->corner[i][0] > mx && k->corner[i][1] > my &&
                     k->corner[i][0] < (float)photo->width - mx &&
                     k->corner[i][1] < (float)photo->height - my;
        if (!inside) json_array_append_new(w, json_integer(9101));
    }
    if (!doc_quality_in_colour(q)) json_array_append_new(w, json_integer(9102));
    if (screen && screen->measured && screen_recapture_found(screen))
        json_array_append_new(w, json_integer(9103));
    if (doc->mykad_found && mykad_print_edited(doc)) json_array_append_new(w, json_integer(9104));
    if (q->glare >= GLARE_WARN) json_array_append_new(w, json_integer(9107));
    if (!doc_quality_sharp(q)) json_array_append_new(w, json_integer(9108));
    return w;
}

/* DD/MM/YYYY of the MRZ's birth (or expiry) date as OkayID reads it; "" when it is not a full
 * date. */
static void mrz_date(const document_reading *doc, bool birth, char out[16]) {
    int y, m, d;
    out[0] = '\0';
    if (api_document_date(doc, birth, &y, &m, &d)) snprintf(out, 16, "%02d/%02d/%04d", d, m, y);
}

static const char *mrz_value(const document_reading *doc, const char *name) {
    const mrz_field *f = mrz_field_get(&doc->mrz.mrz, name);
    return f ? f->value : "";
}

/* The spec's ocr_result for an accepted reading (MyKad keys; a passport's where they apply,
 * plus its MRZ fields: docs/h5.md). */
static json_t *ocr_result(const document_reading *doc, json_t *warn, const char *request_id) {
    json_t *out = json_object();
    if (!out) {
        json_decref(warn);
        return NULL;
    }
    if (doc->mykad_found) {
        const mykad_reading *m = &doc->mykad;
        char birthday[16] = "", address[sizeof m->address], name[sizeof m->name];
        if (m->ic.birth_year)
            snprintf(birthday, sizeof birthday, "%02d/%02d/%04d", m->ic.birth_day,
                     m->ic.birth_month, m->ic.birth_year);
        snprintf(address, sizeof address, "%s", m->address);
        for (char *p = address; *p; p++)
            if (*p == '^') *p = '\n';
        snprintf(name, sizeof name, "%s", m->name);
        for (char *p = name; *p; p++)
            if (*p == '^') *p = ' ';
        json_object_set_new(out, "ID", json_string(m->ic.formatted));
        json_object_set_new(out, "Name", json_string(name));
        json_object_set_new(out, "Sex",
                            json_string(m->sex_word[0] ? m->sex_word : mykad_sex_word(m->ic.sex)));
        json_object_set_new(out, "Type", json_string("MyKad"));
        json_object_set_new(out, "Address", json_string(address));
        json_object_set_new(out, "Birthday", json_string(birthday));
    } else {
        char name[200], birthday[16];
        snprintf(name, sizeof name, "%s%s%s", mrz_value(doc, "lastName"),
                 mrz_value(doc, "firstName")[0] ? " " : "", mrz_value(doc, "firstName"));
        mrz_date(doc, true, birthday);
        json_object_set_new(out, "ID", json_string(mrz_value(doc, "documentNumber")));
        json_object_set_new(out, "Name", json_string(name));
        json_object_set_new(out, "Sex", json_string(mrz_value(doc, "sex")));
        json_object_set_new(out, "Type", json_string("Passport"));
        json_object_set_new(out, "Address", json_string(""));
        json_object_set_new(out, "Birthday", json_string(birthday));
    }
    char *portrait = doc->portrait_found ? api_crop_base64(&doc->page[0], &doc->portrait) : NULL;
    json_object_set_new(out, "Image", json_string(portrait ? portrait : ""));
    free(portrait);
    json_object_set_new(out, "Warn", json_array());
    json_object_set_new(out, "AdvancedInfo", json_string(""));
    json_object_set_new(out, "MyKadNumber", json_string(""));
    json_object_set_new(out, "WarnCardInfos", warn);
    json_object_set_new(out, "RequestId", json_string(request_id));
    if (!doc->mykad_found) { /* a passport's own fields after the shared keys */
        char expiry[16];
        mrz_date(doc, false, expiry);
        json_t *lines = json_array();
        for (int i = 0; lines && i < doc->mrz.mrz.line_count; i++)
            json_array_append_new(lines, json_string(doc->mrz.mrz.lines[i]));
        json_object_set_new(out, "Surname", json_string(mrz_value(doc, "lastName")));
        json_object_set_new(out, "GivenName", json_string(mrz_value(doc, "firstName")));
        json_object_set_new(out, "Nationality", json_string(mrz_value(doc, "nationality")));
        json_object_set_new(out, "IssuingCountry", json_string(mrz_value(doc, "issuingState")));
        json_object_set_new(out, "ExpiryDate", json_string(expiry));
        json_object_set_new(out, "MRZ", lines ? lines : json_array());
    }
    return out;
}

/* The three-letter state an MRZ names ("D" is Germany). */
static void mrz_state(const document_reading *doc, char out[4]) {
    const char *s = mrz_value(doc, "issuingState");
    snprintf(out, 4, "%.3s", !strcmp(s, "D") ? "DEU" : s);
}

/* Why an unread photo was not usable, from its measures: a refusal that does not count while
 * the link has free ones, else "not_readable" (counted). */
static void refuse(const document_reading *doc, const doc_quality *q, int free_left,
                   capture_outcome *out) {
    if (q->brightness < 70.0f || q->dark > 0.25f)
        out->hint = "too_dark", out->latest_error = "FailedOperation.ActionLightDark";
    else if (q->brightness > 240.0f)
        out->hint = "too_bright", out->latest_error = "FailedOperation.ActionLightStrong";
    else if (!doc_quality_sharp(q))
        out->hint = "blur", out->latest_error = "9108";
    else if (q->glare >= GLARE_WARN)
        out->hint = "glare", out->latest_error = "9107";
    else if (!doc->portrait_found)
        out->hint = "not_in_frame", out->latest_error = "9101";
    else if (q->px_per_mm > 0 && !doc_quality_detailed(q))
        out->hint = "move_closer", out->latest_error = "FailedOperation.LifePhotoPoorQuality";
    if (!out->hint) {
        out->hint = "not_readable";
        out->latest_error = "FailedOperation.OcrFailed";
    }
    /* a photo nothing was wrong with, or one too many refusals, uses an attempt */
    out->counted = !strcmp(out->hint, "not_readable") || free_left <= 0;
}

/* The portrait's face template, for the selfie to be compared with. */
static void portrait_template(app *a, const document_reading *doc, capture_outcome *out) {
    if (!doc->portrait_found) return;
    image crop;
    const document_rect *r = &doc->portrait;
    if (image_crop(&doc->page[0], r->x, r->y, r->w, r->h, &crop) != IMG_OK) return;
    if (workgate_enter(&a->gate)) {
        face_engine *e = pool_acquire(a->engines);
        face_check_result check;
        if (face_check(e, &crop, FACE_ROLE_DOCUMENT, &check) == 0 && !check.code &&
            face_embed(e, &crop, &check.face, out->portrait) == 0)
            out->portrait_found = true;
        pool_release(a->engines, e);
        workgate_leave(&a->gate);
    }
    image_free(&crop);
}

/* Reads and judges one photo against what the link asks for. -1 busy, -2 failure. */
static int judge_capture(http_request *req, const image *photo, const char *want_type,
                         const char *want_country, int free_left, capture_outcome *out) {
    app *a = req->app;
    memset(out, 0, sizeof *out);
    document_reading doc;
    int rc = api_read_document(a, photo, NULL, false, &doc);
    if (rc != 0) return rc;
    doc_quality q;
    document_rect region = document_front_region(&doc);
    if (doc_quality_measure(&doc.page[0], region.x, region.y, region.w, region.h, &q) != 0) {
        document_reading_free(&doc);
        return -2;
    }
    q.px_per_mm = doc.px_per_mm;
    bool passport_ok = doc.mrz_found && doc.mrz.mrz.check_digits_valid;
    bool mykad_ok = doc.mykad_found && mykad_ic_plausible(&doc.mykad.ic);
    if (!passport_ok && !mykad_ok) {
        refuse(&doc, &q, free_left, out);
    } else {
        char state[4] = "MYS";
        if (!mykad_ok) mrz_state(&doc, state);
        bool type_ok =
            !strcmp(want_type, "ID_CARD") ? mykad_ok : passport_ok && doc.kind == DOC_PASSPORT;
        if (!type_ok || (want_country && strcmp(want_country, state))) {
            out->hint = "wrong_document";
            out->counted = true;
            out->latest_error = "FailedOperation.DocumentTypeMismatch";
        }
    }
    if (!out->hint) {
        screen_cues screen = {0};
        card_quad where;
        const image *pixels = document_capture_region(&doc, photo, &where);
        if (screen_recapture_measure(pixels, &where, &screen) != 0) screen.measured = false;
        out->ocr_result = ocr_result(&doc, warnings(&doc, photo, &q, &screen), req->request_id);
        out->okayid = api_okayid_result(&doc, true, false, false);
        portrait_template(a, &doc, out);
        if (!out->ocr_result || !out->okayid) rc = -2;
    }
    document_reading_free(&doc);
    return rc;
}

typedef struct {
    const char *country, *type;
    uint8_t *bytes;
    size_t len;
    image img;
} document_input;

/* The body's fields; NULL or the message of the first problem (*status the HTTP status). */
static const char *read_input(http_request *req, json_t *rec, json_t *body, document_input *in,
                              int *status) {
    *status = 400;
    in->country = h5_str(rec, "id_country");
    in->type = h5_str(rec, "id_type");
    if (!in->country) {
        const char *c = json_string_value(json_object_get(body, "id_country"));
        if (!c || !h5_country_supported(c, NULL)) return "Choose the country of your document.";
        in->country = c;
    }
    if (!in->type) {
        const char *t = json_string_value(json_object_get(body, "id_type"));
        if (!t || (strcmp(t, "ID_CARD") && strcmp(t, "PASSPORT")))
            return "Choose the type of your document.";
        in->type = t;
    }
    if (!strcmp(in->type, "ID_CARD") && strcmp(in->country, "MYS"))
        return "An identity card can be used only for Malaysia (MYS).";
    if (!h5_country_supported(in->country, in->type)) return "Choose the country of your document.";
    json_t *image_field = json_object_get(body, "image");
    if (!json_is_string(image_field)) return "image is required: a base64 JPEG or PNG.";
    const char *err =
        api_decode_image(json_string_value(image_field), json_string_length(image_field),
                         DOC_MAX_BYTES, &in->bytes, &in->len, &in->img);
    if (!err) return NULL;
    if (!strcmp(err, "PAYLOAD_TOO_LARGE")) {
        *status = 413;
        return "The photo is too large.";
    }
    if (!strcmp(err, "Internal Server Error")) {
        *status = 500;
        return "Internal error.";
    }
    (void)req;
    return "The photo could not be read as a JPEG or PNG image.";
}

/* Records the outcome on the link and the journey. */
static store_status record_capture(http_request *req, store_verification *link, json_t *rec,
                                   const document_input *in, const capture_outcome *o) {
    app *a = req->app;
    int64_t now = time_now_ms();
    json_object_set_new(rec, "latest_error",
                        o->latest_error ? json_string(o->latest_error) : json_null());
    if (!o->hint || o->counted) {
        int attempts = h5_int(rec, "ocr_attempts") + 1;
        json_object_set_new(rec, "ocr_attempts", json_integer(attempts));
        json_object_set_new(rec, "retries", json_integer(attempts - 1));
    } else {
        json_object_set_new(rec, "quality_refusals",
                            json_integer(h5_int(rec, "quality_refusals") + 1));
    }
    if (o->hint) {
        if (o->counted && h5_int(rec, "ocr_attempts") > h5_int(rec, "max_retries"))
            h5_finish(rec, false);
        return h5_save(req, link, rec);
    }
    json_object_set_new(rec, "ocr_country", json_string(in->country));
    json_object_set_new(rec, "ocr_type", json_string(in->type));
    json_object_set_new(rec, "ocr_success", json_integer(1));
    json_object_set_new(rec, "ocr_charged", json_integer(1));
    if (!strcmp(h5_str(rec, "type"), "01"))
        h5_finish(rec, true);
    else
        json_object_set_new(rec, "step", json_string(H5_STEP_SELFIE));
    char id[UUID_STR_LEN];
    bool png = in->len > 4 && !memcmp(in->bytes, "\x89PNG", 4);
    store_status st = store_blob_put(a->store, link->journey_id, "h5_document",
                                     png ? "image/png" : "image/jpeg", in->bytes, in->len, now, id);
    if (st == STORE_OK) {
        char when[32];
        h5_time(now, when);
        json_t *medias = json_object_get(rec, "medias");
        if (!json_is_array(medias)) json_object_set_new(rec, "medias", medias = json_array());
        json_array_append_new(
            medias, json_pack("{s:s,s:s,s:s}", "type", "document", "id", id, "created_at", when));
        st = h5_add_result(req, link, rec, H5_OCR_RESULT, "ocr_result_id", o->ocr_result);
    }
    if (st == STORE_OK) /* the same reading as OkayID answers it, for the journey's scorecard */
        st = h5_add_result(req, link, rec, "okayid", "okayid_result_id", o->okayid);
    if (st == STORE_OK && o->portrait_found) {
        char *b64 = b64_encode((const uint8_t *)o->portrait, sizeof o->portrait);
        json_t *p = b64 ? json_pack("{s:s}", "template", b64) : NULL;
        st = h5_add_result(req, link, rec, H5_PORTRAIT_RESULT, "portrait_result_id", p);
        json_decref(p);
        free(b64);
    }
    return st == STORE_OK ? h5_save(req, link, rec) : st;
}

static json_t *answer(const store_verification *link, json_t *rec, const capture_outcome *o) {
    char *redirect = h5_redirect(link, rec);
    int left = h5_int(rec, "max_retries") + 1 - h5_int(rec, "ocr_attempts");
    json_t *out = json_pack("{s:b,s:s?,s:b,s:i,s:s,s:s?}", "accepted", o->hint == NULL, "hint",
                            o->hint, "counted", o->hint == NULL || o->counted, "ocr_attempts_left",
                            left < 0 ? 0 : left, "step", h5_step(link, rec, time_now_ms()),
                            "redirect", redirect);
    free(redirect);
    return out;
}

void api_h5_document(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec;
    if (!h5_page_link(req, res, H5_LINK_LIVE, &link, &rec)) return;
    json_t *body = NULL;
    document_input in = {0};
    capture_outcome o = {0};
    const char *step = h5_str(rec, "step");
    if (!step || strcmp(step, H5_STEP_DOCUMENT)) {
        h5_error(res, 409, "The document step of this link is over.", "finished");
        goto done;
    }
    body = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        h5_error(res, 400, "The body must be a JSON object.", "bad_request");
        goto done;
    }
    int status;
    const char *problem = read_input(req, rec, body, &in, &status);
    if (problem) {
        h5_error(res, status, problem, status == 413 ? "too_large" : "bad_request");
        goto done;
    }
    if (store_account_charge_call(req->app->store, link.account_id) == STORE_QUOTA) {
        h5_error(res, 403, "The account's API call quota is used up.", "quota");
        goto done;
    }
    int free_left = FREE_REJECTIONS - h5_int(rec, "quality_refusals");
    int rc = judge_capture(req, &in.img, in.type, in.country, free_left, &o);
    if (rc == -1) {
        api_respond_busy(res);
        goto done;
    }
    store_status st = rc == 0 ? record_capture(req, &link, rec, &in, &o) : STORE_ERROR;
    if (st == STORE_CONFLICT)
        h5_error(res, 409, "This link changed meanwhile; send the photo again.", "retry");
    else if (st != STORE_OK)
        respond_internal_error(res);
    else
        h5_ok(res, answer(&link, rec, &o));
done:
    json_decref(o.ocr_result);
    json_decref(o.okayid);
    free(in.bytes);
    image_free(&in.img);
    json_decref(body);
    json_decref(rec);
    store_verification_free(&link);
}
