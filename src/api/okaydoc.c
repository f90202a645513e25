/* OkayDoc (emas.md §4.7, §7): authenticity and capture checks of a document image. ekycd
 * performs the checks it can measure honestly from pixels (blur, brightness, colour vs a
 * greyscale copy: kyc/doc_quality.c; a display's pixel grid: kyc/screen_recapture.c; a MyKad's
 * print, landmarks and ghost photo: kyc/mykad_checks.c, kyc/ghost_photo.c) on the document
 * region it finds, and answers every other requested check "NotPerformed" with the reason,
 * never a made-up pass. What each check measures and how its threshold was chosen:
 * docs/okaydoc.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/jobs.h"
#include "app.h"
#include "kyc/doc_quality.h"
#include "kyc/document.h"
#include "kyc/mykad_checks.h"
#include "kyc/screen_recapture.h"
#include "server/body.h"
#include "util/ids.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define MAX_IMAGE_BYTES (5u * 1024u * 1024u)
#define EMPTY_RESULT    "Empty verification result. Suspected error during verification document."
#define NO_LAYOUT_MODEL "needs the document's layout model, not available for this docType yet"
#define NOT_READ_MYKAD  "the image was not read as a MyKad front"
#define NO_REFERENCE    "no reference image of this landmark in ekycd yet"
#define NO_PORTRAIT     "no portrait found on the card"
#define NO_GHOST_PHOTO  "no ghost photo found on the card"

/* Countries of the passport use case (emas.md §4.7.2); OTHER gets colour and screen only. */
static const char *const passport_countries[] = {"IND", "SGP", "IDN", "BGD", "MMR",
                                                 "NPL", "PAK", "PHL", "VNM", "OTHER"};

/* A non-passport switch and the method it answers with (emas.md §4.7.1, §4.7.3). */
typedef struct {
    const char *flag, *method, *label;
    int measured;       /* 0 not performed, 1 blur, 2 brightness, 3 colour, 4 quality, 5 screen */
    bool other_default; /* on when absent for a docType other than mykad */
} doc_switch;

/* The switches are the MyKad engine's, off unless sent (emas.md §4.7.1). Other docTypes run the
 * vendor's per-document check set (§7.2: landmarks, screen "and more"; the PH ID back: blur,
 * brightness, colour, screen), which is not published: there an absent switch is on for the
 * checks ekycd measures on any card and for the landmark check (answered NotPerformed), and a
 * switch sent as false is off (docs/okaydoc.md). */
static const doc_switch switches[] = {
    {"landmarkCheck", "landmark", "Landmark Analysis Result", 0, true},
    {"fontCheck", "font", "Font Checking Result", 0, false},
    {"microprintCheck", "microprint", "Microprint Score", 0, false},
    {"photoSubstitutionCheck", "substitution", "Ghost Photo Comparison", 0, false},
    {"icTypeCheck", "docType", "Document Type", 0, false},
    {"colorMode", "colorMode", "Color Mode", 3, true},
    {"hologram", "hologram", "Hologram", 0, false},
    {"screenDetection", "screen", "Screen Detection", 5, true},
    {"ghostPhotoColorDetection", "holocolor", "Ghost Photo Color Detection", 0, false},
    {"idBlurDetection", "idBlurDetection", "ID Blur Detection", 1, true},
    {"idBrightnessDetection", "idBrightnessDetc", "ID Brightness Detection", 2, true},
    {"islamFieldTamperingDetection", "islamFieldTampering", "Religion Field Tampering", 0, false},
    {"qualityCheckDetection", "qualityCheck", "Quality Check", 4, true},
    {"contentSubstitution", "contentSubstitution", "Content Substitution", 0, false},
};

static void respond_empty_result(http_response *res) {
    respond_error_with(res, EMPTY_RESULT,
                       json_pack("{s:s,s:n,s:n,s:n}", "messageCode", "api.error", "id",
                                 "methodList", "outputImageList"));
}

/* One component. value is Pass, Cautious, Fail, NotPerformed, a class or a score; score and
 * reason may be NULL. */
static json_t *component(const char *code, const char *label, const char *value, json_t *score,
                         const char *reason) {
    json_t *c = json_pack("{s:s,s:s,s:s,s:n,s:n}", "code", code, "label", label, "value", value,
                          "imageUrl", "refImageUrl");
    if (c && score) json_object_set(c, "score", score);
    if (c && reason) json_object_set_new(c, "reason", json_string(reason));
    json_decref(score);
    return c;
}

/* One method with one component of the same code. */
static json_t *method(const char *code, const char *label, const char *value, json_t *score,
                      const char *reason) {
    return json_pack("{s:s,s:s,s:[o]}", "method", code, "label", label, "componentList",
                     component(code, label, value, score, reason));
}

/* What OkayDoc measured of a MyKad front (kyc/mykad_checks.h). */
typedef struct {
    bool read;                /* the image was read as a MyKad front */
    float header, logo, chip; /* landmark scores 0-100 */
    mykad_verdict font;
    char font_reason[160]; /* "" for a pass */
    ic_print print;        /* the IC number digit by digit */
    bool ghost_checked;    /* photoSubstitutionCheck or ghostPhotoColorDetection asked for, and
                              the card read */
    ghost_comparison ghost;
    float ghost_colour; /* ghost_photo_colour: -1 not measured */
    mykad_religion_print religion;
} mykad_facts;

static json_t *score_component(const char *code, const char *label, float score) {
    char text[16];
    snprintf(text, sizeof text, "%.2f", (double)score);
    return component(code, label, text, NULL, NULL);
}

static json_t *mykad_landmarks(const mykad_facts *m) {
    const char *label = "Landmark Analysis Result";
    if (!m->read) return method("landmark", label, "NotPerformed", NULL, NOT_READ_MYKAD);
    return json_pack(
        "{s:s,s:s,s:[oooooo]}", "method", "landmark", "label", label, "componentList",
        score_component("l-mykad-header", "MyKad Header", m->header),
        score_component("l-mykad-logo", "MyKad Logo", m->logo),
        score_component("l-chip", "Chip", m->chip),
        component("l-my-flag-logo", "Malaysia Flag", "NotPerformed", NULL, NO_REFERENCE),
        component("l-hibiscus", "Hibiscus", "NotPerformed", NULL, NO_REFERENCE),
        component("l-msc", "MSC Logo", "NotPerformed", NULL, NO_REFERENCE));
}

/* Photo substitution: the ghost photo against the main portrait (kyc/ghost_photo.h); the score
 * is the cosine similarity of their face embeddings. */
static json_t *ghost_method(const mykad_facts *m) {
    const char *label = "Ghost Photo Comparison";
    if (!m->read || !m->ghost_checked)
        return method("substitution", label, "NotPerformed", NULL, NOT_READ_MYKAD);
    const ghost_comparison *g = &m->ghost;
    char reason[128];
    switch (g->verdict) {
    case GHOST_NO_PORTRAIT:
        return method("substitution", label, "NotPerformed", NULL, NO_PORTRAIT);
    case GHOST_NOT_FOUND:
        return method("substitution", label, "NotPerformed", NULL, NO_GHOST_PHOTO);
    case GHOST_TOO_SMALL:
        snprintf(
            reason, sizeof reason,
            "the ghost photo is too small to compare (%.0f pixels tall in the photo, %d needed)",
            (double)g->ghost_height, GHOST_MIN_HEIGHT);
        return method("substitution", label, "NotPerformed", NULL, reason);
    default:
        break;
    }
    const char *value = g->verdict == GHOST_SAME     ? "Pass"
                        : g->verdict == GHOST_UNSURE ? "Cautious"
                                                     : "Fail";
    return method("substitution", label, value, json_real((double)g->cosine), NULL);
}

/* The ghost photo's colour (kyc/ghost_photo.h): a laser-engraved ghost is monochrome; the score
 * is the colour it shows of its own, in grey levels. */
static json_t *ghost_colour_method(const mykad_facts *m) {
    const char *label = "Ghost Photo Color Detection";
    if (!m->read || !m->ghost_checked)
        return method("holocolor", label, "NotPerformed", NULL, NOT_READ_MYKAD);
    if (m->ghost.verdict == GHOST_NO_PORTRAIT)
        return method("holocolor", label, "NotPerformed", NULL, NO_PORTRAIT);
    if (m->ghost.verdict == GHOST_NOT_FOUND)
        return method("holocolor", label, "NotPerformed", NULL, NO_GHOST_PHOTO);
    if (m->ghost_colour < 0)
        return method("holocolor", label, "NotPerformed", NULL,
                      "the ghost photo is too small, or too washed out, to judge its colour");
    bool coloured = m->ghost_colour > GHOST_COLOUR_MAX;
    return method("holocolor", label, coloured ? "Fail" : "Pass",
                  json_real((double)m->ghost_colour),
                  coloured ? "the ghost photo shows colour of its own; a laser-engraved ghost is "
                             "monochrome"
                           : NULL);
}

/* The MyKad methods ekycd measures; NULL for the others. */
static json_t *mykad_method(const char *name, const mykad_facts *m) {
    if (!strcmp(name, "landmark")) return mykad_landmarks(m);
    if (!strcmp(name, "font")) {
        const char *label = "MyKad Font Checking Result";
        if (!m->read) return method("font", label, "NotPerformed", NULL, NOT_READ_MYKAD);
        return json_pack("{s:s,s:s,s:[o]}", "method", "font", "label", label, "componentList",
                         component("f-id-no", "ID No", mykad_verdict_name(m->font),
                                   m->print.measured ? json_real((double)m->print.worst) : NULL,
                                   m->font_reason[0] ? m->font_reason : NULL));
    }
    if (!strcmp(name, "docType"))
        return m->read ? method("docType", "MyKad Type", "New IC", NULL, NULL)
                       : method("docType", "MyKad Type", "Unknown", NULL, NOT_READ_MYKAD);
    if (!strcmp(name, "substitution")) return ghost_method(m);
    if (!strcmp(name, "holocolor")) return ghost_colour_method(m);
    if (!strcmp(name, "islamFieldTampering")) {
        const char *label = "Religion Field Tampering";
        if (!m->read) return method(name, label, "NotPerformed", NULL, NOT_READ_MYKAD);
        const mykad_religion_print *r = &m->religion;
        if (!r->performed) return method(name, label, "NotPerformed", NULL, r->reason);
        return method(name, label, mykad_verdict_name(r->verdict), json_real((double)r->deviation),
                      r->reason[0] ? r->reason : NULL);
    }
    return NULL;
}

/* The capture as a whole (qualityCheckDetection; semantics inferred, docs/okaydoc.md): sharp,
 * well lit and with enough pixels on the document to read it. The score is the document's
 * pixels per millimetre; a Fail says which part failed. */
static json_t *quality_method(const char *code, const char *label, const doc_quality *q) {
    if (q->px_per_mm <= 0)
        return method(code, label, "NotPerformed", NULL,
                      "no document found in the image to judge its capture");
    bool sharp = doc_quality_sharp(q), lit = doc_quality_well_lit(q);
    bool detailed = doc_quality_detailed(q);
    json_t *score = json_real((double)q->px_per_mm);
    if (sharp && lit && detailed) return method(code, label, "Pass", score, NULL);
    char pixels[64] = "", reason[160];
    if (!detailed)
        snprintf(pixels, sizeof pixels, "too few pixels (%.1f per mm, %.0f needed)",
                 (double)q->px_per_mm, (double)DOC_QUALITY_MIN_PX_PER_MM);
    snprintf(reason, sizeof reason, "%s%s%s%s%s", sharp ? "" : "blurred",
             !sharp && (!lit || !detailed) ? "; " : "", lit ? "" : "badly lit",
             !lit && !detailed ? "; " : "", pixels);
    return method(code, label, "Fail", score, reason);
}

/* Screen recapture (kyc/screen_recapture.h): a display's pixel grid across the document. The
 * score is the share of the document's tiles that show it. */
static json_t *screen_method(const char *code, const char *label, const screen_cues *s) {
    if (!s->measured)
        return method(code, label, "NotPerformed", NULL,
                      "too little of the document is neither dark nor clipped to look for a "
                      "display's pixel grid");
    if (!screen_recapture_found(s))
        return method(code, label, "Pass", json_real((double)s->share), NULL);
    char reason[160];
    snprintf(reason, sizeof reason,
             "a display's pixel grid or its moire (period %.1f px) runs across the document: "
             "photographed off a screen",
             (double)s->period_px);
    return method(code, label, "Fail", json_real((double)s->share), reason);
}

/* What OkayDoc measured of the capture itself */
typedef struct {
    doc_quality quality;
    screen_cues screen;
} capture_facts;

static json_t *measured(const char *code, const char *label, int which, const capture_facts *f) {
    const doc_quality *q = &f->quality;
    switch (which) {
    case 5:
        return screen_method(code, label, &f->screen);
    case 4:
        return quality_method(code, label, q);
    case 1:
        return method(code, label, doc_quality_sharp(q) ? "Pass" : "Fail",
                      json_real((double)q->sharpness), NULL);
    case 2:
        return method(code, label, doc_quality_well_lit(q) ? "Pass" : "Fail",
                      json_real((double)q->brightness), NULL);
    default:
        return method(code, label, doc_quality_in_colour(q) ? "Pass" : "Fail",
                      json_real((double)q->colour), NULL);
    }
}

static json_t *passport_methods(const char *country, const capture_facts *q) {
    json_t *list = json_array();
    if (!list) return NULL;
    if (strcmp(country, "OTHER") != 0) { /* OTHER: colour and screen only (§4.7.2) */
        json_array_append_new(list, measured("blurrinessDetection", "Blurriness Detection", 1, q));
        json_array_append_new(list, measured("brightnessDetection", "Brightness Detection", 2, q));
    }
    json_array_append_new(list, measured("colorDetection", "Color Detection", 3, q));
    json_array_append_new(list, measured("screenDetection", "Screen Detection", 5, q));
    return list;
}

static bool is_mykad(const char *doc_type) {
    return doc_type && !strcasecmp(doc_type, "mykad");
}

/* What a request asks of the measurement beyond the capture's quality */
typedef struct {
    const char *id_number; /* the caller's idNumber, or NULL */
    bool ghost;            /* find the ghost photo: a MyKad ghost check is on */
    bool ic_number_crop;   /* keep the IC number's line: the MyKad font check is on */
    bool screen;           /* look for a display's pixel grid */
} doc_asks;

static bool switch_on(json_t *body, const char *flag) {
    bool on = false;
    return json_get_flag(body, flag, &on) == FLAG_OK && on;
}

static const doc_switch *switch_named(const char *flag) {
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (!strcmp(switches[i].flag, flag)) return &switches[i];
    return NULL;
}

/* Whether a non-passport request asks for the switch's check: as sent, else the docType's
 * default (off for a MyKad). */
static bool switch_asked(json_t *body, const doc_switch *s, bool mykad) {
    bool on = false;
    flag_status st = json_get_flag(body, s->flag, &on);
    return st == FLAG_OK ? on : st == FLAG_ABSENT && !mykad && s->other_default;
}

/* Only a MyKad request with a ghost check on pays for the faces, and only one with the font
 * check keeps an image of the IC number. */
static doc_asks asks_of(json_t *body, bool passport) {
    bool mykad = !passport && is_mykad(json_get_string(body, "docType", 64));
    return (doc_asks){
        .id_number = json_get_string(body, "idNumber", 64),
        .ghost = mykad && (switch_on(body, "photoSubstitutionCheck") ||
                           switch_on(body, "ghostPhotoColorDetection")),
        .ic_number_crop = mykad && switch_on(body, "fontCheck"),
        .screen = passport || switch_asked(body, switch_named("screenDetection"), mykad),
    };
}

static json_t *nonpassport_methods(json_t *body, const capture_facts *q, const mykad_facts *m) {
    json_t *list = json_array();
    bool mykad = is_mykad(json_get_string(body, "docType", 64));
    for (size_t i = 0; list && i < sizeof switches / sizeof switches[0]; i++) {
        const doc_switch *s = &switches[i];
        if (!switch_asked(body, s, mykad)) continue;
        json_t *own = mykad && !s->measured ? mykad_method(s->method, m) : NULL;
        json_array_append_new(list, own           ? own
                                    : s->measured ? measured(s->method, s->label, s->measured, q)
                                                  : method(s->method, s->label, "NotPerformed",
                                                           NULL, NO_LAYOUT_MODEL));
    }
    return list;
}

/* The crops an OkayDoc answer links to (JPEG, malloc'd; NULL when absent). */
typedef struct {
    uint8_t *region, *face, *ghost, *ic_number;
    size_t region_len, face_len, ghost_len, ic_number_len;
} doc_crops;

#define CROP_QUALITY 90

static void doc_crops_free(doc_crops *c) {
    free(c->region), free(c->face), free(c->ghost), free(c->ic_number);
    memset(c, 0, sizeof *c);
}

static void encode_crop(const image *page, document_rect r, uint8_t **out, size_t *len) {
    image crop;
    if (image_crop(page, r.x, r.y, r.w, r.h, &crop) != IMG_OK) return;
    if (image_encode_jpeg(&crop, CROP_QUALITY, out, len) != IMG_OK) *out = NULL;
    image_free(&crop);
}

/* The MyKad checks of a card read as a MyKad front, and the IC number's line as a crop.
 * -2 when out of memory. */
static int measure_mykad(const document_reading *doc, const doc_asks *asks, mykad_facts *m,
                         doc_crops *crops) {
    memset(m, 0, sizeof *m);
    if (!doc->mykad_found) return 0;
    const mykad_reading *r = &doc->mykad;
    m->read = true;
    m->header = r->header_confidence;
    m->logo = r->logo_confidence;
    m->chip = mykad_chip_score(&doc->page[0]);
    if (r->ic_read) {
        image_box line = {r->ic_box.x, r->ic_box.y, r->ic_box.w, r->ic_box.h};
        if (ic_print_measure(&doc->page[0], line, r->ic.number, document_page_detail(doc),
                             &m->print) != 0)
            return -2;
        int margin = line.h / 2;
        document_rect around = {line.x - margin, line.y - margin, line.w + 2 * margin,
                                line.h + 2 * margin};
        if (asks->ic_number_crop)
            encode_crop(&doc->page[0], around, &crops->ic_number, &crops->ic_number_len);
    }
    m->font =
        mykad_font_check(r, &m->print, asks->id_number, m->font_reason, sizeof m->font_reason);
    return mykad_religion_check(r, &doc->page[0], document_page_detail(doc), &m->religion) == 0
               ? 0
               : -2;
}

/* The ghost photo of a card read as a MyKad, compared with its portrait; its crop kept. */
static int check_ghost(app *a, const document_reading *doc, mykad_facts *m, doc_crops *crops) {
    int rc = api_check_ghost_photo(a, doc, &m->ghost);
    if (rc != 0) return rc;
    m->ghost_checked = true;
    m->ghost_colour = m->ghost.verdict >= GHOST_TOO_SMALL
                          ? ghost_photo_colour(&doc->page[0], &m->ghost.portrait, &m->ghost.ghost)
                          : -1;
    if (m->ghost.verdict >= GHOST_TOO_SMALL) {
        const face_box *f = &m->ghost.ghost;
        float w = f->x2 - f->x1, h = f->y2 - f->y1;
        document_rect r = {(int)(f->x1 - 0.3f * w), (int)(f->y1 - 0.3f * h), (int)(1.6f * w),
                           (int)(1.6f * h)};
        encode_crop(&doc->page[0], r, &crops->ghost, &crops->ghost_len);
    }
    return 0;
}

/* Measures the document region of the image: the outline found through the MRZ (a MyKad: the
 * straightened card), else the whole upright page; keeps that region and the portrait (when
 * found) as JPEG crops; measures a MyKad and finds its ghost photo as `asks` says. -1 busy, -2
 * failure. */
static int measure_document(app *a, const image *img, const doc_asks *asks, capture_facts *f,
                            doc_crops *crops, mykad_facts *mykad) {
    memset(crops, 0, sizeof *crops);
    memset(mykad, 0, sizeof *mykad);
    document_reading doc;
    int rc = api_read_document(a, img, NULL, false, &doc); /* no use for the visual zone */
    if (rc == 0) {
        document_rect r = document_front_region(&doc);
        rc = measure_mykad(&doc, asks, mykad, crops);
        if (rc == 0)
            rc = doc_quality_measure(&doc.page[0], r.x, r.y, r.w, r.h, &f->quality) == 0 ? 0 : -2;
        f->quality.px_per_mm = doc.px_per_mm;
        if (rc == 0 && asks->screen) {
            card_quad where;
            const image *pixels = document_capture_region(&doc, img, &where);
            rc = screen_recapture_measure(pixels, &where, &f->screen) == 0 ? 0 : -2;
        }
        if (rc == 0) {
            encode_crop(&doc.page[0], r, &crops->region, &crops->region_len);
            if (doc.portrait_found)
                encode_crop(&doc.page[0], doc.portrait, &crops->face, &crops->face_len);
        }
        if (rc == 0 && mykad->read && asks->ghost) rc = check_ghost(a, &doc, mykad, crops);
        document_reading_free(&doc);
    }
    return rc;
}

/* The relative URL of one result image (emas.md §4.7.3, §4.13). */
static json_t *image_url(bool passport, const char *id, const char *type) {
    char url[160];
    snprintf(url, sizeof url, "%s/%s?type=%s",
             passport ? "/public/passport/image" : "/public/image/v2", id, type);
    return json_string(url);
}

/* Points every measured component at the region crop (the substitution and ghost-colour checks
 * at the ghost photo's, the font check at the IC number's line) and lists the portrait and the
 * ghost photo, in the answer and in the store. Returns the store status. */
static store_status link_images(app *a, const char *journey_id, bool passport, const char *id,
                                const doc_crops *crops, json_t *answer) {
    const char *kind = passport ? "passport" : "v2";
    int64_t now = time_now_ms();
    char region[UUID_STR_LEN] = "", ghost[UUID_STR_LEN] = "", face[UUID_STR_LEN];
    char ic_number[UUID_STR_LEN] = "";
    if ((crops->region &&
         store_blob_put(a->store, journey_id, "okaydoc.region", "image/jpeg", crops->region,
                        crops->region_len, now, region) != STORE_OK) ||
        (crops->ghost && store_blob_put(a->store, journey_id, "okaydoc.holoFace", "image/jpeg",
                                        crops->ghost, crops->ghost_len, now, ghost) != STORE_OK) ||
        (crops->ic_number &&
         store_blob_put(a->store, journey_id, "okaydoc.f-id-no", "image/jpeg", crops->ic_number,
                        crops->ic_number_len, now, ic_number) != STORE_OK))
        return STORE_ERROR;
    json_t *methods = json_object_get(answer, "methodList"), *m;
    json_t *outputs = json_object_get(answer, "outputImageList");
    size_t i;
    json_array_foreach(methods, i, m) {
        json_t *c = json_array_get(json_object_get(m, "componentList"), 0);
        const char *code = json_string_value(json_object_get(c, "code"));
        /* not measured: no image, but the IC number's line is shown whenever it was read */
        if (!code || (!json_object_get(c, "score") && strcmp(code, "f-id-no") != 0)) continue;
        const char *blob = !strcmp(code, "substitution") || !strcmp(code, "holocolor") ? ghost
                           : !strcmp(code, "f-id-no")                                  ? ic_number
                                                                                       : region;
        if (!*blob) continue;
        if (store_public_image_link(a->store, journey_id, id, code, kind, blob) != STORE_OK)
            return STORE_ERROR;
        json_object_set_new(c, "imageUrl", image_url(passport, id, code));
    }
    if (*ghost) {
        if (store_public_image_link(a->store, journey_id, id, "holoFace", kind, ghost) != STORE_OK)
            return STORE_ERROR;
        json_array_append_new(outputs, json_pack("{s:s,s:o}", "tag", "holoFace", "imageUrl",
                                                 image_url(passport, id, "holoFace")));
    }
    if (crops->face) {
        if (store_blob_put(a->store, journey_id, "okaydoc.idFace", "image/jpeg", crops->face,
                           crops->face_len, now, face) != STORE_OK ||
            store_public_image_link(a->store, journey_id, id, "idFace", kind, face) != STORE_OK)
            return STORE_ERROR;
        json_array_append_new(outputs, json_pack("{s:s,s:o}", "tag", "idFace", "imageUrl",
                                                 image_url(passport, id, "idFace")));
    }
    return STORE_OK;
}

static store_status save_okaydoc(app *a, const char *journey_id, const char *type,
                                 const char *doc_type, const uint8_t *bytes, size_t len,
                                 json_t *response) {
    int64_t now = time_now_ms();
    char blob[UUID_STR_LEN], rid[UUID_STR_LEN];
    if (store_blob_put(a->store, journey_id, "okaydoc.image", NULL, bytes, len, now, blob) !=
        STORE_OK)
        return STORE_ERROR;
    /* the use case is kept for the scorecard, which is per docType */
    json_t *rec = json_pack("{s:s,s:s,s:s?,s:O,s:s}", "endpoint", "okaydoc", "type", type,
                            "docType", doc_type, "response", response, "imageBlob", blob);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    store_status st =
        text ? store_result_add(a->store, journey_id, "okaydoc", text, strlen(text), now, rid)
             : STORE_ERROR;
    free(text);
    return st;
}

/* Checks the use case's arguments; NULL when fine, else the code to answer. *image_key gets the
 * field holding the image. */
static const char *check_arguments(json_t *body, bool *passport, const char **image_key,
                                   const char **country) {
    const char *type = json_get_string(body, "type", 32);
    if (!type || !*type) return "MISSING_ARGUMENT";
    *passport = !strcasecmp(type, "passport");
    if (!*passport && strcasecmp(type, "nonpassport") != 0) return "INVALID_ARGUMENT";
    if (!*passport) {
        const char *doc_type = json_get_string(body, "docType", 64);
        *image_key = "idImageBase64Image";
        if (!doc_type || !*doc_type) return "MISSING_ARGUMENT";
        bool on;
        for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
            if (json_get_flag(body, switches[i].flag, &on) == FLAG_INVALID)
                return "INVALID_ARGUMENT"; /* a switch neither a boolean nor "true"/"false" */
        return NULL;
    }
    *country = json_get_string(body, "country", 16);
    if (!*country || !**country) return "MISSING_ARGUMENT";
    bool known = false;
    for (size_t i = 0; i < sizeof passport_countries / sizeof passport_countries[0]; i++)
        known |= !strcasecmp(*country, passport_countries[i]);
    if (!known) return "UNSUPPORTED_COUNTRY";
    /* the data page ("half size") when given, else the full spread */
    json_t *half = json_object_get(body, "halfSizeImage");
    *image_key =
        json_is_string(half) && json_string_length(half) ? "halfSizeImage" : "fullSizeImage";
    return NULL;
}

typedef struct {
    uint8_t *bytes; /* the image as sent */
    size_t len;
    image img;
} okaydoc_input;

static void input_free(okaydoc_input *in) {
    free(in->bytes);
    image_free(&in->img);
}

/* Decodes the use case's image; NULL on success, else the code to answer (API_NOT_AN_IMAGE for
 * an empty result). */
static const char *decode_input(json_t *body, const char *image_key, okaydoc_input *in) {
    json_t *v = json_object_get(body, image_key);
    return json_is_string(v) && json_string_length(v)
               ? api_decode_image(json_string_value(v), json_string_length(v), MAX_IMAGE_BYTES,
                                  &in->bytes, &in->len, &in->img)
               : API_NOT_AN_IMAGE;
}

static void respond_image_error(http_response *res, const char *code) {
    if (!strcmp(code, API_NOT_AN_IMAGE))
        respond_empty_result(res);
    else if (!strcmp(code, "Internal Server Error"))
        respond_internal_error(res);
    else
        respond_error_with(res, code, json_pack("{s:n}", "messageCode"));
}

/* The OkayDoc job: measures the capture, stores the checks and result images on the journey and
 * answers. */
static void run_okaydoc(app *a, const char *journey_id, json_t *body, void *prepared,
                        http_response *res) {
    bool passport = false;
    const char *image_key = NULL, *country = NULL, *code = NULL;
    if ((code = check_arguments(body, &passport, &image_key, &country))) {
        respond_error_with(res, code, json_pack("{s:n}", "messageCode"));
        return;
    }
    okaydoc_input own = {0};
    okaydoc_input *in = prepared ? prepared : &own;
    if (!prepared && (code = decode_input(body, image_key, in))) {
        respond_image_error(res, code);
        input_free(&own);
        return;
    }
    capture_facts q = {0};
    doc_crops crops;
    mykad_facts mykad;
    doc_asks asks = asks_of(body, passport);
    int rc = measure_document(a, &in->img, &asks, &q, &crops, &mykad);
    if (rc != 0) {
        if (rc == -1)
            api_respond_busy(res);
        else
            respond_internal_error(res);
        doc_crops_free(&crops);
        input_free(&own);
        return;
    }
    char id[UUID_STR_LEN];
    uuid_v4(id);
    json_t *methods =
        passport ? passport_methods(country, &q) : nonpassport_methods(body, &q, &mykad);
    json_t *answer =
        json_pack("{s:s,s:s,s:s,s:s,s:o,s:[]}", "status", "success", "messageCode", "api.success",
                  "message", "", "id", id, "methodList", methods, "outputImageList");
    store_status st =
        answer ? link_images(a, journey_id, passport, id, &crops, answer) : STORE_ERROR;
    doc_crops_free(&crops);
    if (st == STORE_OK)
        st = save_okaydoc(a, journey_id, passport ? "passport" : "nonpassport",
                          passport ? NULL : json_get_string(body, "docType", 64), in->bytes,
                          in->len, answer);
    api_respond_saved(res, st, answer);
    input_free(&own);
}

const api_job_kind api_okaydoc_job = {"okaydoc", run_okaydoc};

void api_okaydoc(http_request *req, http_response *res) {
    json_t *body = NULL;
    body_status bs = body_parse_json(req, &body);
    if (bs != BODY_OK) {
        body_respond_error(res, bs);
        return;
    }
    store_journey journey;
    const char *journey_id = json_get_string(body, "journeyId", 64);
    bool passport = false;
    const char *image_key = NULL, *country = NULL, *code = NULL;
    okaydoc_input in = {0};
    if (!api_load_journey(req, res, journey_id ? journey_id : "", 0, &journey) ||
        !api_journey_writable(res, &journey))
        goto done;
    if ((code = check_arguments(body, &passport, &image_key, &country))) {
        respond_error_with(res, code, json_pack("{s:n}", "messageCode"));
        goto done;
    }
    if ((code = decode_input(body, image_key, &in))) {
        respond_image_error(res, code);
        goto done;
    }
    if (api_charge_call(req, res, journey.account_id))
        api_job_run(req, res, &api_okaydoc_job, journey.id, body, &in);
done:
    input_free(&in);
    json_decref(body);
}
