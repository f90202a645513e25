#include "kyc/mykad_checks.h"

#include <ctype.h>
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

mykad_verdict mykad_font_check(const mykad_reading *r, const char *id_number, const char **reason) {
    *reason = NULL;
    if (!r->ic_read) {
        *reason = "no IC number read on the card";
        return MYKAD_FAIL;
    }
    if (!mykad_ic_plausible(&r->ic)) {
        *reason = "the IC number is not a valid one (birth date or place-of-birth code)";
        return MYKAD_FAIL;
    }
    if (id_number && *id_number && !same_number(r->ic.number, id_number)) {
        *reason = "the IC number printed differs from idNumber";
        return MYKAD_FAIL;
    }
    const mykad_ic_zone *z = &mykad_layout_ic;
    const mykad_box *b = &r->ic_box;
    int cy = b->y + b->h / 2;
    if (b->x > z->x0_max || cy < z->y_centre_min || cy > z->y_centre_max) {
        *reason = "the IC number is not where the card's layout prints it";
        return MYKAD_CAUTIOUS;
    }
    float aspect = b->h > 0 ? (float)b->w / (float)b->h : 0;
    if (b->h < z->min_h || b->h > z->max_h || aspect < IC_ASPECT_MIN || aspect > IC_ASPECT_MAX) {
        *reason = "the IC number's size or width differs from the card's layout";
        return MYKAD_CAUTIOUS;
    }
    if (r->ic.corrections > 0) {
        *reason = "characters of the IC number read as letters";
        return MYKAD_CAUTIOUS;
    }
    return MYKAD_PASS;
}

const char *mykad_verdict_name(mykad_verdict v) {
    return v == MYKAD_PASS ? "Pass" : v == MYKAD_CAUTIOUS ? "Cautious" : "Fail";
}
