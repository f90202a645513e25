/* Document reading: MRZ on the front, else on the back; classification from the MRZ; the page
 * turned upright; outline and portrait. */
#include "kyc/document.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyc/states.h"
#include "vision/card.h"
#include "util/timeutil.h"

#define MRZ_PITCH_MM       2.54f /* ICAO 9303: ten characters per inch */
#define OUTLINE_BELOW_MM   3.5f  /* from the bottom of the MRZ band to the document's lower edge */
#define OUTLINE_SLACK      0.04f /* extra on every side, of the document's size */
#define PORTRAIT_MIN_SCORE 0.7f
#define ZONE_PX_PER_MM     8.0f  /* the visual zone is read at about 200 dpi */
#define CARD_WIDTH_MM      85.6f /* ISO/IEC 7810 ID-1 */
#define ZONE_CARDS_TD1                                                                             \
    2.1f /* a TD1's zone reaches a card's height and more above its back:                          \
            the front, when both sides are scanned one above the other */

typedef struct {
    mrz_format format;
    float width_mm, height_mm;
    int chars;
} format_size;

/* ICAO 9303 parts 4-7: document sizes and MRZ line lengths */
static const format_size sizes[] = {
    {MRZ_TD1, 85.6f, 54.0f, 30},   {MRZ_TD2, 105.0f, 74.0f, 36},
    {MRZ_TD3, 125.0f, 88.0f, 44},  {MRZ_MRVA, 120.0f, 80.0f, 44},
    {MRZ_MRVB, 105.0f, 74.0f, 36}, {MRZ_FRENCH_ID, 105.0f, 74.0f, 36},
};

static const format_size *size_of(mrz_format format) {
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].format == format) return &sizes[i];
    return NULL;
}

int document_upright_orientation(int rotation, bool mirrored) {
    switch (rotation) {
    case 90:
        return mirrored ? 5 : 8;
    case 180:
        return mirrored ? 2 : 3;
    case 270:
        return mirrored ? 7 : 6;
    default:
        return mirrored ? 4 : 1;
    }
}

static document_kind kind_of(const mrz_reading *r) {
    const mrz_field *code = mrz_field_get(&r->mrz, "documentCode");
    char first = code && code->value[0] ? code->value[0] : r->mrz.lines[0][0];
    switch (r->mrz.format) {
    case MRZ_TD3:
        return first == 'P' ? DOC_PASSPORT : DOC_OTHER;
    case MRZ_TD1:
    case MRZ_TD2:
    case MRZ_FRENCH_ID:
        return first == 'P'                                     ? DOC_PASSPORT
               : (first == 'I' || first == 'A' || first == 'C') ? DOC_ID_CARD
                                                                : DOC_OTHER;
    case MRZ_MRVA:
    case MRZ_MRVB:
        return DOC_VISA;
    default:
        return DOC_OTHER;
    }
}

/* The vendor's documentType strings (emas.md §8: "<country> - <model>"), for the MRZ documents of
 * the countries it lists, by issuing state and kind; where it lists several models of one kind,
 * the first listed (an MRZ does not say which model it is). Others are named "<country> -
 * <kind>" (docs/okayid.md, "documentType"). */
static const struct {
    char state[4];
    document_kind kind;
    const char *name;
} vendor_types[] = {
    {"ARE", DOC_PASSPORT, "United Arab Emirates - ePassport(2011)"},
    {"ARE", DOC_ID_CARD, "United Arab Emirates - Id Card #2"},
    {"BRN", DOC_PASSPORT, "Brunei Darussalam - ePassport (2008)"},
    {"BRN", DOC_ID_CARD, "Brunei Darussalam - Id Card #2"},
    {"CHN", DOC_PASSPORT, "China - Passport (2007) #1"},
    {"HKG", DOC_PASSPORT, "Hong Kong - Passport (2007)"},
    {"IDN", DOC_PASSPORT, "Indonesia - Passport #9"},
    {"KHM", DOC_PASSPORT, "Cambodia - ePassport #3"},
    {"KHM", DOC_ID_CARD, "Cambodia - Id Card #3"},
    {"KHM", DOC_VISA, "Cambodia - Visa #4"},
    {"MMR", DOC_PASSPORT, "Myanmar - Passport #2"},
    {"MYS", DOC_PASSPORT, "Malaysia - ePassport(2017)"},
    {"MYS", DOC_VISA, "Malaysia - Visa #10"},
    {"PHL", DOC_PASSPORT, "Philippines - ePassport (2016)"},
    {"SGP", DOC_PASSPORT, "Singapore - ePassport(2006)"},
    {"THA", DOC_PASSPORT, "Thailand - ePassport #5"},
    {"VNM", DOC_PASSPORT, "Vietnam - Passport(2005)"},
    {"VNM", DOC_ID_CARD, "Vietnam - Id Card #4"},
};

static void name_document(document_reading *out) {
    const mrz_field *state = mrz_field_get(&out->mrz.mrz, "issuingState");
    char code[4] = "<<<";
    if (state) memcpy(code, out->mrz.mrz.lines[state->line] + state->start, 3);
    out->issuing_state = state_name(code);
    for (size_t i = 0; i < sizeof vendor_types / sizeof vendor_types[0]; i++)
        if (vendor_types[i].kind == out->kind && !strcmp(vendor_types[i].state, code)) {
            snprintf(out->document_type, sizeof out->document_type, "%s", vendor_types[i].name);
            return;
        }
    static const char *const kinds[] = {"", "Passport", "Id Card", "Visa", "Travel Document"};
    const char *country = out->issuing_state;
    char raw[4];
    if (!country) { /* e.g. ICAO's specimen state UTO: name the code as printed */
        for (int i = 0; i < 3; i++) raw[i] = code[i] == '<' ? ' ' : code[i];
        raw[3] = '\0';
        country = raw;
    }
    snprintf(out->document_type, sizeof out->document_type, "%s - %s", country, kinds[out->kind]);
}

static document_rect clamp_rect(float x0, float y0, float x1, float y1, const image *page) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > (float)page->width) x1 = (float)page->width;
    if (y1 > (float)page->height) y1 = (float)page->height;
    document_rect r = {(int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0)};
    if (r.w < 0) r.w = 0;
    if (r.h < 0) r.h = 0;
    return r;
}

/* The document's outline on the upright page from the MRZ band: its width from the character
 * pitch, its lower edge just below the band. */
static bool estimate_outline(const mrz_reading *r, int orientation, int src_w, int src_h,
                             const image *page, document_rect *out) {
    const format_size *size = size_of(r->mrz.format);
    if (!size) return false;
    float x0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (int i = 0; i < 4; i++) {
        int cx = (int)r->corners[i][0], cy = (int)r->corners[i][1], nx, ny;
        image_orientation_map(orientation, src_w, src_h, cx, cy, &nx, &ny);
        if ((float)nx < x0) x0 = (float)nx;
        if ((float)nx > x1) x1 = (float)nx;
        if ((float)ny > y1) y1 = (float)ny;
    }
    /* the band includes 0.8 character heights of margin at each end (mrz_reader.c) */
    float line_px = (x1 - x0) - 1.6f * r->char_height;
    if (line_px <= 0) return false;
    float px_per_mm = line_px / ((float)size->chars * MRZ_PITCH_MM);
    float width = size->width_mm * px_per_mm, height = size->height_mm * px_per_mm;
    float centre = (x0 + x1) / 2, bottom = y1 + OUTLINE_BELOW_MM * px_per_mm;
    float slack_x = OUTLINE_SLACK * width, slack_y = OUTLINE_SLACK * height;
    *out = clamp_rect(centre - width / 2 - slack_x, bottom - height - slack_y,
                      centre + width / 2 + slack_x, bottom + slack_y, page);
    return out->w > 0 && out->h > 0;
}

/* Pixels per millimetre along the band (ICAO character pitch; the band includes 0.8
 * character heights of margin at each end, mrz_reader.c); 0 when it cannot be measured. */
static float band_px_per_mm(const mrz_reading *r) {
    const format_size *size = size_of(r->mrz.format);
    const float(*c)[2] = r->corners;
    float along[2];
    for (int k = 0; k < 2; k++) along[k] = ((c[1][k] - c[0][k]) + (c[2][k] - c[3][k])) / 2;
    float line_px = hypotf(along[0], along[1]) - 1.6f * r->char_height;
    return size && line_px > 0 ? line_px / ((float)size->chars * MRZ_PITCH_MM) : 0.0f;
}

/* The zone is the document above the band, sized from the document's format in character
 * pitches and placed through the perspective map that takes the band to a rectangle (so a
 * page photographed at an angle comes out square-on); affinely from the band's direction when
 * that map is degenerate. */
bool document_visual_zone(const mrz_reading *r, card_quad *q, int *width, int *height) {
    const format_size *size = size_of(r->mrz.format);
    if (!size) return false;
    const float(*c)[2] = r->corners;
    float along[2], down[2];
    for (int k = 0; k < 2; k++) {
        along[k] = ((c[1][k] - c[0][k]) + (c[2][k] - c[3][k])) / 2;
        down[k] = ((c[3][k] - c[0][k]) + (c[2][k] - c[1][k])) / 2;
    }
    float length = hypotf(along[0], along[1]), thickness = hypotf(down[0], down[1]);
    float px_per_mm = band_px_per_mm(r);
    if (px_per_mm <= 0 || thickness <= 0) return false;
    float width_mm = size->width_mm * (1 + 2 * OUTLINE_SLACK);
    float doc_mm = r->mrz.format == MRZ_TD1 ? ZONE_CARDS_TD1 * size->height_mm : size->height_mm;
    float height_mm = doc_mm * (1 + OUTLINE_SLACK) - OUTLINE_BELOW_MM - thickness / px_per_mm;
    if (height_mm <= 0) return false;
    float top_mid[2] = {(c[0][0] + c[1][0]) / 2, (c[0][1] + c[1][1]) / 2};
    float half = width_mm / 2 * px_per_mm, up = height_mm * px_per_mm;
    for (int k = 0; k < 2; k++) {
        float a = along[k] / length, d = down[k] / thickness;
        q->corner[0][k] = top_mid[k] - a * half - d * up;
        q->corner[1][k] = top_mid[k] + a * half - d * up;
        q->corner[2][k] = top_mid[k] + a * half;
        q->corner[3][k] = top_mid[k] - a * half;
    }
    /* through the band's perspective map, when it has one (a page photographed at an angle) */
    card_quad band, mapped;
    memcpy(band.corner, r->corners, sizeof band.corner);
    float du = half / length, v = -up / thickness;
    if (card_quad_point(&band, 0.5f - du, v, mapped.corner[0]) &&
        card_quad_point(&band, 0.5f + du, v, mapped.corner[1]) &&
        card_quad_point(&band, 0.5f + du, 0, mapped.corner[2]) &&
        card_quad_point(&band, 0.5f - du, 0, mapped.corner[3]))
        *q = mapped;
    *width = (int)(width_mm * ZONE_PX_PER_MM + 0.5f);
    *height = (int)(height_mm * ZONE_PX_PER_MM + 0.5f);
    return *width > 0 && *height > 0;
}

static int read_visual_zone(ocr_engine *text, const image *img, document_reading *out) {
    card_quad zone;
    int width, height;
    if (!document_visual_zone(&out->mrz, &zone, &width, &height)) return 0;
    return visual_zone_read(text, img, &zone, width, height, &out->mrz.mrz, &out->visual);
}

/* Head and shoulders around the largest confident face of the upright front. */
static int find_portrait(face_engine *faces, document_reading *out) {
    face_box found[FACE_MAX];
    int count = 0;
    if (face_detect(faces, &out->page[0], PORTRAIT_MIN_SCORE, found, FACE_MAX, &count) != 0)
        return -1;
    const face_box *f = NULL; /* the largest shaped like a face (not a coat of arms) */
    for (int i = 0; i < count && !f; i++) {
        if (face_landmarks(faces, &out->page[0], &found[i]) != 0) return -1;
        if (face_shape_plausible(&found[i])) f = &found[i];
    }
    if (!f) return 0;
    float w = f->x2 - f->x1, h = f->y2 - f->y1, cx = (f->x1 + f->x2) / 2;
    out->portrait = clamp_rect(cx - 0.8f * w, f->y1 - 0.45f * h, cx + 0.8f * w, f->y1 + 1.45f * h,
                               &out->page[0]);
    out->portrait_found = out->portrait.w > 0 && out->portrait.h > 0;
    return 0;
}

static image_status copy_upright(const image *src, int orientation, image *out) {
    size_t bytes = src->stride * (size_t)src->height;
    *out = *src;
    out->pixels = malloc(bytes ? bytes : 1);
    if (!out->pixels) return IMG_NOMEM;
    memcpy(out->pixels, src->pixels, bytes);
    image_status st = image_apply_orientation(out, orientation);
    if (st != IMG_OK) image_free(out);
    return st;
}

/* The card's width in the photo: its long edges' mean length (the whole image when no edge was
 * found and the image was taken for the card). */
static float card_width_px(const mykad_reading *m, const image *photo) {
    if (!m->edge_found) return (float)photo->width;
    const float(*c)[2] = m->quad.corner;
    return (hypotf(c[1][0] - c[0][0], c[1][1] - c[0][1]) +
            hypotf(c[2][0] - c[3][0], c[2][1] - c[3][1])) /
           2;
}

/* No MRZ: tries the front as a MyKad; on success its straightened card becomes page 0 (the
 * caller then leaves that page alone). */
static int read_mykad(ocr_engine *text, const image *front, document_reading *out) {
    time_t now = (time_t)(time_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (mykad_read(text, front, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &out->mykad) != 0)
        return -1;
    if (!out->mykad.found) {
        mykad_reading_free(&out->mykad);
        return 0;
    }
    out->mykad_found = true;
    out->kind = DOC_ID_CARD;
    out->issuing_state = "Malaysia";
    snprintf(out->document_type, sizeof out->document_type, "Malaysia - Id Card #2");
    image_free(&out->page[0]);
    out->page[0] = out->mykad.card;
    memset(&out->mykad.card, 0, sizeof out->mykad.card);
    out->outline_found[0] = true;
    out->outline[0] = (document_rect){0, 0, out->page[0].width, out->page[0].height};
    out->px_per_mm = card_width_px(&out->mykad, front) / CARD_WIDTH_MM;
    return 0;
}

/* Looks for the MRZ on the front, then the back. Returns 0, or -1 on a failure. */
static int find_mrz(mrz_cell_reader *mrz, const image *const pages[2], mrz_search search,
                    document_reading *out) {
    for (int p = 0; p < 2 && !out->mrz_found; p++) {
        if (!pages[p]) continue;
        if (mrz_reader_read(mrz, pages[p], search, &out->mrz) != 0) return -1;
        if (!out->mrz.found) continue;
        out->mrz_found = true;
        out->mrz_page = p;
    }
    if (!out->mrz_found) memset(&out->mrz, 0, sizeof out->mrz);
    return 0;
}

int document_read(const document_engines *e, const image *front, const image *back,
                  document_reading *out) {
    memset(out, 0, sizeof *out);
    const image *const pages[2] = {front, back};
    if (find_mrz(e->mrz, pages, MRZ_SEARCH_USUAL, out) != 0) goto fail;
    if (!out->mrz_found && e->text && read_mykad(e->text, front, out) != 0) goto fail;
    /* neither an MRZ nor a MyKad: look harder for an MRZ washed out by glare */
    if (!out->mrz_found && !out->mykad_found && find_mrz(e->mrz, pages, MRZ_SEARCH_GLARE, out) != 0)
        goto fail;
    int orientation[2] = {1, 1};
    if (out->mrz_found)
        orientation[out->mrz_page] =
            document_upright_orientation(out->mrz.rotation, out->mrz.mirrored);
    for (int p = 0; p < 2; p++)
        if (pages[p] && !(p == 0 && out->mykad_found) &&
            copy_upright(pages[p], orientation[p], &out->page[p]) != IMG_OK)
            goto fail;
    if (out->mrz_found) {
        out->kind = kind_of(&out->mrz);
        name_document(out);
        int p = out->mrz_page;
        out->outline_found[p] = estimate_outline(&out->mrz, orientation[p], pages[p]->width,
                                                 pages[p]->height, &out->page[p], &out->outline[p]);
        out->px_per_mm = band_px_per_mm(&out->mrz);
    }
    if (out->mrz_found && e->text && e->read_visual_zone &&
        read_visual_zone(e->text, pages[out->mrz_page], out) != 0)
        goto fail;
    if (e->faces && find_portrait(e->faces, out) != 0) goto fail;
    return 0;
fail:
    document_reading_free(out);
    return -1;
}

void document_reading_free(document_reading *r) {
    mykad_reading_free(&r->mykad);
    image_free(&r->page[0]);
    image_free(&r->page[1]);
    memset(r, 0, sizeof *r);
}

document_rect document_front_region(const document_reading *r) {
    return r->outline_found[0] ? r->outline[0]
                               : (document_rect){0, 0, r->page[0].width, r->page[0].height};
}

const image *document_capture_region(const document_reading *r, const image *front, card_quad *q) {
    if (r->mykad_found) {
        *q = r->mykad.quad;
        return front;
    }
    if (!r->page[0].pixels) {
        *q = card_whole_image(front);
        return front;
    }
    document_rect d = document_front_region(r);
    float x0 = (float)d.x, y0 = (float)d.y, x1 = (float)(d.x + d.w), y1 = (float)(d.y + d.h);
    *q = (card_quad){{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}};
    return &r->page[0];
}

float document_page_detail(const document_reading *r) {
    return r->mykad_found && r->px_per_mm > 0 ? r->px_per_mm / ((float)MYKAD_CARD_W / CARD_WIDTH_MM)
                                              : 1.0f;
}
