#include "kyc/mykad_checks.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The chip on the layout: searched for in this part of the card, expected about this large
 * (fractions of the card; ISO 7816-2 puts the contacts 10-22 mm from the left edge) */
#define CHIP_X0 0.03f
#define CHIP_X1 0.28f
#define CHIP_Y0 0.28f
#define CHIP_Y1 0.58f
#define CHIP_W  0.12f
#define CHIP_H  0.15f

/* The IC number's width per character height: 14 characters (with dashes) of a bold sans */
#define IC_ASPECT_MIN 8.0f
#define IC_ASPECT_MAX 16.0f

static bool gold(const uint8_t *p) {
    int r = p[0], g = p[1], b = p[2];
    return r >= g && r - b >= 40 && g - b >= 20 && r >= 90 && r <= 250;
}

float mykad_chip_score(const image *card) {
    if (!card->pixels || card->channels != 3) return 0;
    int x0 = (int)(CHIP_X0 * card->width), x1 = (int)(CHIP_X1 * card->width);
    int y0 = (int)(CHIP_Y0 * card->height), y1 = (int)(CHIP_Y1 * card->height);
    long count = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            count += gold(card->pixels + (size_t)y * card->stride + (size_t)x * 3);
    float expected = CHIP_W * (float)card->width * CHIP_H * (float)card->height;
    float score = 100.0f * (float)count / expected;
    return score > 100.0f ? 100.0f : score;
}

static bool same_number(const char *read, const char *given) {
    char digits[32];
    size_t n = 0;
    for (; *given && n + 1 < sizeof digits; given++)
        if (isdigit((unsigned char)*given)) digits[n++] = *given;
    digits[n] = '\0';
    return strcmp(read, digits) == 0;
}

/* A digit printed differently from the others: the reason, by the measure that shows it */
static const char *print_reason(ic_measure m) {
    switch (m) {
    case IC_MEASURE_HEIGHT:
        return "a digit of the IC number is taller or shorter than the others";
    case IC_MEASURE_TOP:
    case IC_MEASURE_BOTTOM:
        return "a digit of the IC number is off the line of the others";
    case IC_MEASURE_STROKE:
        return "a digit of the IC number has thicker or thinner strokes";
    case IC_MEASURE_SHAPE:
        return "a digit of the IC number is shaped unlike its other prints";
    default:
        return "a digit of the IC number is printed differently";
    }
}

mykad_verdict mykad_font_check(const mykad_reading *r, const ic_print *print, const char *id_number,
                               char *reason, size_t reason_size) {
    const char *why = NULL;
    mykad_verdict v = MYKAD_PASS;
    const mykad_ic_zone *z = &mykad_layout_ic;
    const mykad_box *b = &r->ic_box;
    int cy = b->y + b->h / 2;
    float aspect = b->h > 0 ? (float)b->w / (float)b->h : 0;
    bool judged = print && print->measured, by_print = false;
    if (!r->ic_read)
        v = MYKAD_FAIL, why = "no IC number read on the card";
    else if (!mykad_ic_plausible(&r->ic))
        v = MYKAD_FAIL,
        why = "the IC number is not a valid one (birth date or place-of-birth code)";
    else if (id_number && *id_number && !same_number(r->ic.number, id_number))
        v = MYKAD_FAIL, why = "the IC number printed differs from idNumber";
    else if (judged && print->worst >= IC_PRINT_FAIL_AT)
        v = MYKAD_FAIL, by_print = true;
    else if (b->x > z->x0_max || cy < z->y_centre_min || cy > z->y_centre_max)
        v = MYKAD_CAUTIOUS, why = "the IC number is not where the card's layout prints it";
    else if (b->h < z->min_h || b->h > z->max_h || aspect < IC_ASPECT_MIN || aspect > IC_ASPECT_MAX)
        v = MYKAD_CAUTIOUS, why = "the IC number's size or width differs from the card's layout";
    else if (judged && print->worst >= 1)
        v = MYKAD_CAUTIOUS, by_print = true;
    else if (r->ic.corrections > 0)
        v = MYKAD_CAUTIOUS, why = "characters of the IC number read as letters";
    if (by_print)
        snprintf(reason, reason_size, "%s (digit %d of %d)", print_reason(print->which[print->odd]),
                 print->odd + 1, IC_DIGITS);
    else if (!why && print && print->too_small)
        snprintf(reason, reason_size,
                 "the digits are too small to compare their print (%.1f pixels tall in the photo, "
                 "%.0f needed)",
                 (double)print->digit_height, (double)IC_PRINT_MIN_GLYPH_PX);
    else
        snprintf(reason, reason_size, "%s", why ? why : "");
    return v;
}

static image_box line_box(const mykad_box *b) {
    return (image_box){b->x, b->y, b->w, b->h};
}

/* Measures the three right-column lines; the religion's and the citizenship's are required */
static int measure_column(const mykad_reading *r, const image *card, line_print *citizenship,
                          line_print *religion, line_print *sex) {
    memset(sex, 0, sizeof *sex);
    if (line_print_measure(card, line_box(&r->citizenship_box), citizenship) != 0 ||
        line_print_measure(card, line_box(&r->religion_box), religion) != 0 ||
        (r->sex_box.w > 0 && line_print_measure(card, line_box(&r->sex_box), sex) != 0))
        return -1;
    return 0;
}

static float relative(float a, float b) {
    return b > 0 ? fabsf(a / b - 1) : 0;
}

int mykad_religion_check(const mykad_reading *r, const image *card, float detail,
                         mykad_religion_print *out) {
    memset(out, 0, sizeof *out);
    const char *why = NULL;
    if (!r->religion[0])
        why = "no religion printed on the card (an erased one cannot be told from none)";
    else if (r->citizenship_box.w <= 0 || r->citizenship_box.y == r->religion_box.y)
        why = "the citizenship line above the religion was not read apart from it";
    if (why) {
        snprintf(out->reason, sizeof out->reason, "%s", why);
        return 0;
    }
    line_print cit, rel, sex;
    if (measure_column(r, card, &cit, &rel, &sex) != 0) return -1;
    if (!cit.measured || !rel.measured) {
        snprintf(out->reason, sizeof out->reason,
                 "the religion or citizenship line's letters "
                 "could not be cut apart");
        return 0;
    }
    if (rel.height * detail < IC_PRINT_MIN_GLYPH_PX) {
        snprintf(out->reason, sizeof out->reason,
                 "the letters are too small to compare their print (%.1f pixels tall in the "
                 "photo, %.0f needed)",
                 (double)(rel.height * detail), (double)IC_PRINT_MIN_GLYPH_PX);
        return 0;
    }
    out->performed = true;
    struct {
        float deviation;
        const char *what;
    } m[4] = {
        {relative(rel.height, cit.height) / RELIGION_HEIGHT_TOL, "letters taller or shorter"},
        {relative(rel.stem, cit.stem) / RELIGION_STEM_TOL, "strokes thicker or thinner"},
        {fabsf(rel.left - cit.left) / (RELIGION_LEFT_TOL * cit.height), "a different left edge"},
        {0, "a different line spacing"},
    };
    if (sex.measured && sex.baseline > cit.baseline) {
        float pitch = (sex.baseline - cit.baseline) / 2;
        float gaps = (rel.baseline - cit.baseline) - (sex.baseline - rel.baseline);
        m[3].deviation = fabsf(gaps) / (RELIGION_PITCH_TOL * pitch);
    }
    int worst = 0;
    for (int i = 1; i < 4; i++)
        if (m[i].deviation > m[worst].deviation) worst = i;
    out->deviation = m[worst].deviation;
    out->verdict = out->deviation >= IC_PRINT_FAIL_AT ? MYKAD_FAIL
                   : out->deviation >= 1              ? MYKAD_CAUTIOUS
                                                      : MYKAD_PASS;
    if (out->verdict != MYKAD_PASS)
        snprintf(out->reason, sizeof out->reason,
                 "the religion line is printed unlike the citizenship line: %s", m[worst].what);
    return 0;
}

const char *mykad_verdict_name(mykad_verdict v) {
    return v == MYKAD_PASS ? "Pass" : v == MYKAD_CAUTIOUS ? "Cautious" : "Fail";
}
