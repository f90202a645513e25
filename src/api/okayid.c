/* OkayID (emas.md §4.2): reads the document in base64ImageString (and backImage) and answers the
 * Regula-style field list of §9, the document type, the cropped document and the portrait.
 * Field choices the spec leaves open are in docs/okayid.md. The images and the result (without
 * the returned crops) are kept on the journey, sealed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/jobs.h"
#include "app.h"
#include "kyc/document.h"
#include "kyc/states.h"
#include "server/body.h"
#include "util/b64.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define MAX_IMAGE_BYTES (5u * 1024u * 1024u) /* emas.md §10: 5 MB per request */
#define CROP_QUALITY    90

/* Regula field types (emas.md §9.2) */
enum {
    FT_DOCUMENT_CLASS = 0,
    FT_ISSUING_STATE = 1,
    FT_DOCUMENT_NUMBER = 2,
    FT_EXPIRY = 3,
    FT_BIRTH = 5,
    FT_PERSONAL_NUMBER = 7,
    FT_SURNAME = 8,
    FT_GIVEN_NAMES = 9,
    FT_NATIONALITY = 11,
    FT_SEX = 12,
    FT_ADDRESS = 17,
    FT_FULL_NAME = 25,
    FT_NATIONALITY_CODE = 26,
    FT_OPTIONAL_DATA = 36,
    FT_ISSUING_STATE_NAME = 38,
    FT_MRZ_STRINGS = 51,
    FT_NUMBER_CHECK = 80,
    FT_BIRTH_CHECK = 81,
    FT_EXPIRY_CHECK = 82,
    FT_FINAL_CHECK = 84,
    FT_AGE = 185,
    FT_RELIGION = 363,
    FT_REMAINDER_TERM = 364,
    FT_CIVIL_STATUS = 433, /* MyKad: the citizenship wording */
};

#define LCID_MALAY             1086
#define MATRIX_VISUAL_VALIDITY 2 /* Matrix index of the visual zone's validity (emas.md §7.4) */
#define MATRIX_MRZ_VISUAL      5 /* … and of the MRZ-versus-visual comparison */

/* An MRZ field; `visual`, when the printed value was compared with it, fills Field_Visual and
 * Matrix[5]. Two values that differ are never reported the same (COMPARE_TRUE): a comparison
 * that found them the same while they read differently says COMPARE_FALSE. */
static json_t *field_map(int type, const char *mrz_value, bool valid, const visual_field *visual) {
    json_t *matrix = json_pack("[iiiiiiiiii]", valid ? RCF_VERIFIED : RCF_NOT_VERIFIED, 0, 0, 0, 0,
                               0, 0, 0, 0, 0);
    bool compared = visual && visual->comparison != VISUAL_NOT_COMPARED;
    bool same = compared && visual->comparison == VISUAL_SAME && !strcmp(mrz_value, visual->value);
    if (matrix && compared)
        json_array_set_new(matrix, MATRIX_MRZ_VISUAL,
                           json_integer(same ? RCF_COMPARE_TRUE : RCF_COMPARE_FALSE));
    return json_pack("{s:i,s:i,s:i,s:s?,s:s?,s:n,s:o}", "wLCID", 0, "FieldType", type, "wFieldType",
                     type, "Field_MRZ", mrz_value, "Field_Visual", compared ? visual->value : NULL,
                     "Field_Barcode", "Matrix", matrix);
}

static void add_compared_field(json_t *list, int type, const char *value, bool valid,
                               const visual_field *visual) {
    json_t *f = value && *value ? field_map(type, value, valid, visual) : NULL;
    if (f) json_array_append_new(list, f);
}

static void add_field(json_t *list, int type, const char *value, bool valid) {
    add_compared_field(list, type, value, valid, NULL);
}

static void add_mrz_field(json_t *list, int type, const mrz_result *r, const char *name,
                          const visual_field *visual) {
    const mrz_field *f = mrz_field_get(r, name);
    if (f) add_compared_field(list, type, f->value, f->valid, visual);
}

/* YYMMDD to YYYY-MM-DD. Birth dates take the latest century not in the future; expiry dates
 * 20YY unless that is more than 50 years ahead. */
static bool mrz_date(const char *yymmdd, bool birth, int today_year, char out[11], int *year,
                     int *month, int *day) {
    if (strlen(yymmdd) != 6) return false;
    for (int i = 0; i < 6; i++)
        if (yymmdd[i] < '0' || yymmdd[i] > '9') return false;
    int yy = (yymmdd[0] - '0') * 10 + yymmdd[1] - '0';
    *month = (yymmdd[2] - '0') * 10 + yymmdd[3] - '0';
    *day = (yymmdd[4] - '0') * 10 + yymmdd[5] - '0';
    *year = 2000 + yy;
    if (birth ? *year > today_year : *year > today_year + 50) *year -= 100;
    snprintf(out, 11, "%04d-%02d-%02d", *year, *month, *day);
    return true;
}

static void today(int *y, int *m, int *d) {
    time_t now = (time_t)(time_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    *y = tm.tm_year + 1900, *m = tm.tm_mon + 1, *d = tm.tm_mday;
}

/* An MRZ date whose century the visual zone printed (a four-digit year, the same date or one
 * digit away) takes that century: the MRZ's two digits cannot tell 1911 from 2011. Else the
 * rule of mrz_date. */
static bool mrz_date_seen(const char *yymmdd, bool birth, const visual_field *seen, int today_year,
                          char out[11], int *year, int *month, int *day) {
    if (!mrz_date(yymmdd, birth, today_year, out, year, month, day)) return false;
    if (seen && seen->comparison != VISUAL_NOT_COMPARED && seen->year_printed) {
        int printed = atoi(seen->value);
        *year = printed - printed % 100 + *year % 100;
        snprintf(out, 11, "%04d-%02d-%02d", *year, *month, *day);
    }
    return true;
}

bool api_document_date(const document_reading *doc, bool birth, int *year, int *month, int *day) {
    const mrz_field *f = mrz_field_get(&doc->mrz.mrz, birth ? "birthDate" : "expirationDate");
    int ty, tm, td;
    today(&ty, &tm, &td);
    char text[11];
    return f &&
           mrz_date_seen(f->value, birth, &doc->visual.field[birth ? VISUAL_BIRTH : VISUAL_EXPIRY],
                         ty, text, year, month, day);
}

static void add_date_fields(json_t *list, const mrz_result *r, const visual_zone *visual) {
    int ty, tm, td, y, m, d;
    today(&ty, &tm, &td);
    char text[11], number[16];
    const mrz_field *birth = mrz_field_get(r, "birthDate");
    const visual_field *seen = &visual->field[VISUAL_BIRTH];
    if (birth && mrz_date_seen(birth->value, true, seen, ty, text, &y, &m, &d)) {
        add_compared_field(list, FT_BIRTH, text, birth->valid, seen);
        int age = ty - y - ((tm < m || (tm == m && td < d)) ? 1 : 0);
        snprintf(number, sizeof number, "%d", age);
        add_field(list, FT_AGE, number, birth->valid);
    }
    const mrz_field *expiry = mrz_field_get(r, "expirationDate");
    seen = &visual->field[VISUAL_EXPIRY];
    if (expiry && mrz_date_seen(expiry->value, false, seen, ty, text, &y, &m, &d)) {
        add_compared_field(list, FT_EXPIRY, text, expiry->valid, seen);
        /* whole months left until expiry, negative once expired */
        int months = (y - ty) * 12 + (m - tm) - (d < td ? 1 : 0);
        snprintf(number, sizeof number, "%d", months);
        add_field(list, FT_REMAINDER_TERM, number, expiry->valid);
    }
}

static void add_state_name(json_t *list, int type, const mrz_result *r, const char *name) {
    const mrz_field *f = mrz_field_get(r, name);
    if (!f) return;
    char code[4] = "<<<";
    memcpy(code, r->lines[f->line] + f->start, 3);
    add_field(list, type, state_name(code), f->valid);
}

static json_t *mrz_fields(const document_reading *doc) {
    const mrz_result *r = &doc->mrz.mrz;
    const visual_field *v = doc->visual.field;
    json_t *list = json_array();
    if (!list) return NULL;
    add_mrz_field(list, FT_DOCUMENT_CLASS, r, "documentCode", &v[VISUAL_DOCUMENT_CLASS]);
    add_mrz_field(list, FT_ISSUING_STATE, r, "issuingState", &v[VISUAL_ISSUING_STATE]);
    add_mrz_field(list, FT_DOCUMENT_NUMBER, r, "documentNumber", &v[VISUAL_DOCUMENT_NUMBER]);
    add_date_fields(list, r, &doc->visual);
    add_mrz_field(list, FT_PERSONAL_NUMBER, r, "personalNumber", NULL);
    add_mrz_field(list, FT_SURNAME, r, "lastName", NULL);
    add_mrz_field(list, FT_GIVEN_NAMES, r, "firstName", NULL);
    add_state_name(list, FT_NATIONALITY, r, "nationality");
    add_mrz_field(list, FT_SEX, r, "sex", &v[VISUAL_SEX]);
    const mrz_field *last = mrz_field_get(r, "lastName"), *first = mrz_field_get(r, "firstName");
    if (last) {
        char full[2 * MRZ_MAX_VALUE + 2];
        snprintf(full, sizeof full, "%s%s%s", last->value, first && first->value[0] ? " " : "",
                 first ? first->value : "");
        add_field(list, FT_FULL_NAME, full, last->valid && (!first || first->valid));
    }
    add_mrz_field(list, FT_NATIONALITY_CODE, r, "nationality", NULL);
    add_mrz_field(list, FT_OPTIONAL_DATA, r, "optional", NULL);
    add_state_name(list, FT_ISSUING_STATE_NAME, r, "issuingState");
    char joined[MRZ_MAX_LINES * (MRZ_MAX_LINE + 1) + 1] = "";
    for (int i = 0; i < r->line_count; i++) {
        if (i) strcat(joined, "^");
        strcat(joined, r->lines[i]);
    }
    add_field(list, FT_MRZ_STRINGS, joined, r->valid);
    add_mrz_field(list, FT_NUMBER_CHECK, r, "documentNumberCheckDigit", NULL);
    add_mrz_field(list, FT_BIRTH_CHECK, r, "birthDateCheckDigit", NULL);
    add_mrz_field(list, FT_EXPIRY_CHECK, r, "expirationDateCheckDigit", NULL);
    add_mrz_field(list, FT_FINAL_CHECK, r, "compositeCheckDigit", NULL);
    return list;
}

/* A field read from the visual zone: Field_MRZ null; Matrix index 2 says whether the value
 * passed the rule that applies to it (RCF_DISABLED when none does). */
static void add_visual(json_t *list, int type, int lcid, const char *value, int validity) {
    if (!value || !*value) return;
    json_t *matrix = json_pack("[iiiiiiiiii]", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    if (matrix) json_array_set_new(matrix, MATRIX_VISUAL_VALIDITY, json_integer(validity));
    json_t *f = json_pack("{s:i,s:i,s:i,s:n,s:s,s:n,s:o}", "wLCID", lcid, "FieldType",
                          (lcid << 16) | type, "wFieldType", type, "Field_MRZ", "Field_Visual",
                          value, "Field_Barcode", "Matrix", matrix);
    if (f) json_array_append_new(list, f);
}

static int rule(bool ok) {
    return ok ? RCF_VERIFIED : RCF_NOT_VERIFIED;
}

/* The MyKad front's fields (docs/okayid.md): what is printed, and what the IC number says. */
static json_t *mykad_fields(const document_reading *doc) {
    const mykad_reading *m = &doc->mykad;
    json_t *list = json_array();
    if (!list) return NULL;
    add_visual(list, FT_ISSUING_STATE, 0, "MYS", RCF_DISABLED);
    bool ic_ok = strlen(m->ic.number) == 12 && mykad_ic_plausible(&m->ic);
    add_visual(list, FT_DOCUMENT_NUMBER, 0, m->ic.number, rule(ic_ok));
    char text[16];
    if (m->ic.birth_year) {
        snprintf(text, sizeof text, "%04d-%02d-%02d", m->ic.birth_year, m->ic.birth_month,
                 m->ic.birth_day);
        bool date_ok = m->ic.birth_date_valid &&
                       mykad_date_rule(m->ic.birth_day, m->ic.birth_month, m->ic.birth_year);
        add_visual(list, FT_BIRTH, 0, text, rule(date_ok));
        if (date_ok) {
            int ty, tm, td;
            today(&ty, &tm, &td);
            int age =
                ty - m->ic.birth_year -
                ((tm < m->ic.birth_month || (tm == m->ic.birth_month && td < m->ic.birth_day)) ? 1
                                                                                               : 0);
            snprintf(text, sizeof text, "%d", age);
            add_visual(list, FT_AGE, 0, text, RCF_DISABLED);
        }
    }
    /* sex: the printed word, checked against the number's last digit */
    char printed = mykad_sex_from_word(m->sex_word);
    char sex = printed ? printed : m->ic.sex;
    int sex_rule = printed ? rule(printed == m->ic.sex) : RCF_DISABLED;
    add_visual(list, FT_SEX, LCID_MALAY, m->sex_word, sex_rule);
    add_visual(list, FT_SEX, 0, sex == 'M' ? "M" : sex == 'F' ? "F" : NULL, sex_rule);
    add_visual(list, FT_ADDRESS, 0, m->address, RCF_DISABLED);
    add_visual(list, FT_FULL_NAME, 0, m->name, rule(mykad_name_valid(m->name)));
    add_visual(list, FT_ISSUING_STATE_NAME, 0, "Malaysia", RCF_DISABLED);
    add_visual(list, FT_RELIGION, 0, m->religion, RCF_DISABLED);
    add_visual(list, FT_CIVIL_STATUS, 0, m->citizenship, RCF_DISABLED);
    return list;
}

char *api_crop_base64(const image *page, const document_rect *rect) {
    image crop;
    if (image_crop(page, rect->x, rect->y, rect->w, rect->h, &crop) != IMG_OK) return NULL;
    uint8_t *jpeg = NULL;
    size_t len = 0;
    image_status st = image_encode_jpeg(&crop, CROP_QUALITY, &jpeg, &len);
    image_free(&crop);
    char *text = st == IMG_OK ? b64_encode(jpeg, len) : NULL;
    free(jpeg);
    return text;
}

/* The cropped document of each page (the upright page when no outline was found). */
static json_t *page_images(const document_reading *doc) {
    json_t *list = json_array();
    for (int p = 0; list && p < 2; p++) {
        if (!doc->page[p].pixels) continue;
        document_rect whole = {0, 0, doc->page[p].width, doc->page[p].height};
        char *text =
            api_crop_base64(&doc->page[p], doc->outline_found[p] ? &doc->outline[p] : &whole);
        if (!text) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, json_pack("{s:s,s:s,s:i,s:i}", "Base64ImageString", text,
                                              "Format", ".jpg", "LightIndex", 6, "PageIndex", p));
        free(text);
    }
    return list;
}

json_t *api_okayid_result(const document_reading *doc, bool doc_type, bool images, bool face) {
    json_t *fields = doc->mrz_found     ? mrz_fields(doc)
                     : doc->mykad_found ? mykad_fields(doc)
                                        : json_array();
    json_t *out = json_pack("{s:s,s:s,s:[{s:{s:o}}]}", "status", "success", "message", "", "result",
                            "ListVerifiedFields", "pFieldMaps", fields);
    if (!out) return NULL;
    if (images) {
        json_t *list = page_images(doc);
        if (!list) {
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, "images", list);
    }
    if (face) {
        char *text = doc->portrait_found ? api_crop_base64(&doc->page[0], &doc->portrait) : NULL;
        json_object_set_new(out, "faceImage", text ? json_string(text) : json_null());
        free(text);
    }
    if (doc_type)
        json_object_set_new(out, "documentType",
                            doc->document_type[0] ? json_string(doc->document_type) : json_null());
    return out;
}

const char *api_okayid_error(const document_reading *doc) {
    if (doc->mrz_found || doc->mykad_found) return NULL;
    /* a portrait but neither an MRZ nor a MyKad: a document ekycd cannot read; else none */
    return doc->portrait_found ? "DOCUMENT_NOT_SUPPORTED" : "UNRECOGNIZED_IMAGE";
}

/* ---- the endpoint ---- */

/* The Spring Boot body the vendor answers when base64ImageString is missing (emas.md §2). */
static void respond_spring_500(http_response *res) {
    char stamp[40];
    time_t now = (time_t)(time_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S.000+0000", &tm);
    respond_json(res, 500,
                 json_pack("{s:s,s:i,s:s,s:s,s:s}", "timestamp", stamp, "status", 500, "error",
                           "Internal Server Error", "message", "No message available", "path",
                           "/api/ekyc/okayid"));
}

typedef struct {
    uint8_t *bytes[2];
    size_t len[2];
    image img[2];
} okayid_input;

static void input_free(okayid_input *in) {
    for (int i = 0; i < 2; i++) {
        free(in->bytes[i]);
        image_free(&in->img[i]);
    }
}

/* Decodes one base64 image field into in->img[page]; NULL code on success. */
static const char *decode_page(json_t *body, const char *key, int page, okayid_input *in) {
    json_t *v = json_object_get(body, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return page == 0 ? "UNRECOGNIZED_IMAGE" : NULL; /* the back is optional */
    const char *code =
        api_decode_image(json_string_value(v), json_string_length(v), MAX_IMAGE_BYTES,
                         &in->bytes[page], &in->len[page], &in->img[page]);
    return code && !strcmp(code, API_NOT_AN_IMAGE) ? "UNRECOGNIZED_IMAGE" : code;
}

static store_status save_okayid(app *a, const char *journey_id, const okayid_input *in,
                                json_t *response) {
    int64_t now = time_now_ms();
    static const char *const names[2] = {"okayid.front", "okayid.back"};
    json_t *rec = json_pack("{s:s,s:O}", "endpoint", "okayid", "response", response);
    for (int p = 0; rec && p < 2; p++) {
        if (!in->bytes[p]) continue;
        char blob[UUID_STR_LEN];
        if (store_blob_put(a->store, journey_id, names[p], NULL, in->bytes[p], in->len[p], now,
                           blob) != STORE_OK) {
            json_decref(rec);
            return STORE_ERROR;
        }
        json_object_set_new(rec, p ? "backImageBlob" : "imageBlob", json_string(blob));
    }
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    char rid[UUID_STR_LEN];
    store_status st =
        text ? store_result_add(a->store, journey_id, "okayid", text, strlen(text), now, rid)
             : STORE_ERROR;
    free(text);
    return st;
}

static void respond_code(http_response *res, const char *code) {
    if (!strcmp(code, "Internal Server Error"))
        respond_internal_error(res);
    else
        respond_error_with(res, code, json_pack("{s:n}", "result"));
}

/* The OkayID job: reads the document (decoding the request's images unless the handler already
 * did), stores the reading on the journey and answers. */
static void run_okayid(app *a, const char *journey_id, json_t *body, void *prepared,
                       http_response *res) {
    okayid_input own = {0};
    okayid_input *in = prepared ? prepared : &own;
    const char *code = NULL;
    if (!prepared && !(code = decode_page(body, "base64ImageString", 0, in)))
        code = decode_page(body, "backImage", 1, in);
    if (code) {
        respond_code(res, code);
        input_free(&own);
        return;
    }
    bool doc_type = false, images = false, face = false;
    json_get_flag(body, "docTypeEnabled", &doc_type); /* checked when the request came in */
    json_get_flag(body, "imageEnabled", &images);
    json_get_flag(body, "faceImageEnabled", &face);
    document_reading doc;
    int rc = api_read_document(a, &in->img[0], in->img[1].pixels ? &in->img[1] : NULL,
                               a->cfg.okayid_visual_zone, &doc);
    if (rc != 0) {
        if (rc == -1)
            api_respond_busy(res);
        else
            respond_internal_error(res);
        input_free(&own);
        return;
    }
    code = api_okayid_error(&doc);
    json_t *stored = code ? NULL : api_okayid_result(&doc, true, false, false);
    json_t *answer = code ? NULL : api_okayid_result(&doc, doc_type, images, face);
    document_reading_free(&doc);
    if (code) {
        respond_code(res, code);
    } else if (!stored || !answer) {
        respond_internal_error(res);
    } else {
        api_respond_saved(res, save_okayid(a, journey_id, in, stored), answer);
        answer = NULL;
    }
    json_decref(stored);
    json_decref(answer);
    input_free(&own);
}

const api_job_kind api_okayid_job = {"okayid", run_okayid};

static void handle_okayid(http_request *req, http_response *res) {
    json_t *body = NULL;
    body_status bs = body_parse_json(req, &body);
    if (bs != BODY_OK) {
        body_respond_error(res, bs);
        return;
    }
    if (!json_is_string(json_object_get(body, "base64ImageString"))) {
        json_decref(body);
        respond_spring_500(res);
        return;
    }
    store_journey journey;
    const char *journey_id = json_get_string(body, "journeyId", 64);
    if (!api_load_journey(req, res, journey_id ? journey_id : "", 0, &journey) ||
        !api_journey_writable(res, &journey)) {
        json_decref(body);
        return;
    }
    bool flag = false;
    if (json_get_flag(body, "docTypeEnabled", &flag) == FLAG_INVALID ||
        json_get_flag(body, "imageEnabled", &flag) == FLAG_INVALID ||
        json_get_flag(body, "faceImageEnabled", &flag) == FLAG_INVALID) {
        json_decref(body);
        respond_error_with(res, "INVALID_ARGUMENT", json_pack("{s:n}", "result"));
        return;
    }
    okayid_input in = {0};
    const char *code = decode_page(body, "base64ImageString", 0, &in);
    if (!code) code = decode_page(body, "backImage", 1, &in);
    if (code)
        respond_code(res, code);
    else if (api_charge_call(req, res, journey.account_id))
        api_job_run(req, res, &api_okayid_job, journey.id, body, &in);
    input_free(&in);
    json_decref(body);
}

/* Every error the endpoint answers in the spec's envelope carries "result": null, as its reading
 * errors do (docs/okayid.md): also those of the steps it shares with the other endpoints (the
 * body, the journey, the quota, a busy server), whose bodies are completed here. The vendor's
 * own 500 bodies are left as they are. */
static void add_null_result(http_response *res) {
    if (!res->code[0] || !res->body || !res->content_type ||
        strcmp(res->content_type, "application/json") != 0)
        return;
    json_t *body = json_loadb(res->body, res->body_len, 0, NULL);
    const char *status = json_string_value(json_object_get(body, "status"));
    if (status && !strcmp(status, "error") && !json_object_get(body, "result")) {
        json_object_set_new(body, "result", json_null());
        char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (text) {
            free(res->body);
            res->body = text;
            res->body_len = strlen(text);
        }
    }
    json_decref(body);
}

void api_okayid(http_request *req, http_response *res) {
    handle_okayid(req, res);
    add_null_result(res);
}
