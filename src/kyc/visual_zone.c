/* MRZ versus visual zone: the zone cut out and read, its text cut into tokens, dates found in
 * the tokens, and each of the six fields compared (visual_zone.h). */
#include "kyc/visual_zone.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vision/card.h"

#define MAX_TOKENS    64 /* tokens kept from one line */
#define MAX_DATES     32 /* dates kept from the whole zone */
#define TOKEN_MAX     24
#define NEAR_MIN      5 /* a document number this long or longer can be near another */
#define DATE_GAP      3 /* at most this many separators between the parts of a date */
#define MONTH_UNKNOWN 2 /* words beside a month name that name no month */

typedef enum { PART_DIGITS, PART_LETTERS } part_kind;

/* A run of letters or digits of a line, `gap` separators after the previous one. */
typedef struct {
    part_kind kind;
    char text[TOKEN_MAX];
    int len, gap;
} part;

/* A run of letters and digits between separators (a document number, a code, a letter). */
typedef struct {
    char text[TOKEN_MAX];
    int len;
} word;

/* A line's words, and whether the OCR read it confidently enough to call a field different. */
typedef struct {
    word *words;
    int count;
    bool confident;
    bool starts_with_word; /* no punctuation before its first word */
} read_line;

typedef struct {
    int year; /* four digits, or -1 when printed with two */
    int yy, month, day;
    bool confident; /* from a confidently read line */
} printed_date;

/* ---- text ---- */

/* Latin-1 supplement letters (U+00C0-U+00FF, UTF-8 C3 80-BF) without their accents. */
static char unaccented(unsigned char second) {
    static const char map[] = "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";
    unsigned idx = second - 0x80u;
    return idx < sizeof map - 1 ? map[idx] : ' ';
}

/* The line in ASCII letters, digits and separators: accented Latin letters lose their accents
 * (and become capitals), a run of anything else non-ASCII becomes one space. Case is kept: a lone
 * "m" is no sex, a lower-case "p" no document class. */
static void normalise(const char *in, char *out, size_t cap) {
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && n + 1 < cap) {
        if (*p < 0x80) {
            out[n++] = (char)*p++;
        } else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            out[n++] = unaccented(p[1]);
            p += 2;
        } else {
            /* one space for a run of other characters (a word in Cyrillic, say) */
            if (n == 0 || out[n - 1] != ' ') out[n++] = ' ';
            p++;
            while ((*p & 0xC0) == 0x80) p++; /* the rest of the sequence */
        }
    }
    out[n] = '\0';
}

static void to_upper(char *s) {
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

static int split_parts(const char *s, part *parts, int cap) {
    int n = 0, gap = 0;
    for (const char *p = s; *p;) {
        bool digit = isdigit((unsigned char)*p), letter = isupper((unsigned char)*p);
        if (!digit && !letter) {
            gap++, p++;
            continue;
        }
        part t = {digit ? PART_DIGITS : PART_LETTERS, "", 0, gap};
        while (*p && (digit ? isdigit((unsigned char)*p) : isupper((unsigned char)*p))) {
            if (t.len + 1 < TOKEN_MAX) t.text[t.len++] = *p;
            p++;
        }
        t.text[t.len] = '\0';
        if (n < cap) parts[n++] = t;
        gap = 0;
    }
    return n;
}

static int split_words(const char *s, word *words, int cap) {
    int n = 0;
    for (const char *p = s; *p;) {
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        word w = {"", 0};
        for (; isalnum((unsigned char)*p); p++)
            if (w.len + 1 < TOKEN_MAX) w.text[w.len++] = *p;
        w.text[w.len] = '\0';
        if (n < cap) words[n++] = w;
    }
    return n;
}

/* ---- dates ---- */

/* The month an abbreviation names (English, French, German, Spanish, Italian, Portuguese, Dutch
 * and the like, as printed on travel documents), 0 when none. */
static int month_named(const char *s) {
    static const char *const names[12][7] = {
        {"JAN", "JANV", "GEN", "ENE", "JANUARY", NULL},
        {"FEB", "FEV", "FEVR", "FEBRUARY", NULL},
        {"MAR", "MARS", "MRT", "MARZ", "MARCH", NULL},
        {"APR", "AVR", "ABR", "APRIL", NULL},
        {"MAY", "MAI", "MAG", "MEI", NULL},
        {"JUN", "JUIN", "GIU", "JUNE", NULL},
        {"JUL", "JUIL", "LUG", "JULY", NULL},
        {"AUG", "AOUT", "AGO", "AUGUST", NULL},
        {"SEP", "SEPT", "SET", "SETT", "SEPTEMBER", NULL},
        {"OCT", "OKT", "OTT", "OUT", "OCTOBER", NULL},
        {"NOV", "NOVEMBER", NULL},
        {"DEC", "DEZ", "DIC", "DECEMBER", NULL},
    };
    for (int m = 0; m < 12; m++)
        for (int k = 0; names[m][k]; k++)
            if (!strcmp(s, names[m][k])) return m + 1;
    /* two languages run together (AUGUSTIAGO): the English abbreviation first */
    for (int m = 0; m < 12; m++)
        if (strlen(s) > 3 && strlen(s) <= 12 && !strncmp(s, names[m][0], 3)) return m + 1;
    return 0;
}

static int number(const part *p) {
    return atoi(p->text);
}

static bool valid_day_month(int day, int month) {
    return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

static bool year_part(const part *p) {
    return p->kind == PART_DIGITS && (p->len == 2 || p->len == 4);
}

static bool day_part(const part *p) {
    return p->kind == PART_DIGITS && (p->len == 1 || p->len == 2);
}

static void add_date(printed_date *dates, int *count, int year_digits, int year, int month, int day,
                     bool confident) {
    if (!valid_day_month(day, month) || *count >= MAX_DATES) return;
    dates[(*count)++] =
        (printed_date){year_digits == 4 ? year : -1, year % 100, month, day, confident};
}

/* Dates in one line's parts: 31.12.1999 (also with / - or spaces), 31 DEC 1999 or 31 DEC/DÉC
 * 99 (month names in several languages, 31DEC99 too), 1999-12-31, and 12/31/1999 when the day
 * cannot be the first number. */
static void find_dates(const part *p, int n, bool confident, printed_date *dates, int *count) {
    for (int i = 0; i + 2 < n; i++) {
        if (day_part(&p[i]) && day_part(&p[i + 1]) && year_part(&p[i + 2]) &&
            p[i + 1].gap <= DATE_GAP && p[i + 2].gap <= DATE_GAP) {
            int a = number(&p[i]), b = number(&p[i + 1]);
            if (!valid_day_month(a, b)) { /* month first, as in the United States */
                int t = a;
                a = b, b = t;
            }
            add_date(dates, count, p[i + 2].len, number(&p[i + 2]), b, a, confident);
            continue;
        }
        if (p[i].kind == PART_DIGITS && p[i].len == 4 && day_part(&p[i + 1]) &&
            day_part(&p[i + 2]) && p[i + 1].gap <= DATE_GAP && p[i + 2].gap <= DATE_GAP) {
            add_date(dates, count, 4, number(&p[i]), number(&p[i + 1]), number(&p[i + 2]),
                     confident);
            continue;
        }
        if (!day_part(&p[i])) continue;
        int j = i + 1, month = 0, unknown = 0;
        /* the month in one or several languages (AUG/AOÛT), some perhaps in another script
         * and read as letters that name nothing (Ukrainian СЕР as CEP) */
        while (j < n && p[j].kind == PART_LETTERS && p[j].gap <= DATE_GAP) {
            int m = month_named(p[j].text);
            if (month && m && m != month) break;
            if (!m && ++unknown > MONTH_UNKNOWN) break;
            if (m) month = m;
            j++;
        }
        if (month && j < n && year_part(&p[j]) && p[j].gap <= DATE_GAP)
            add_date(dates, count, p[j].len, number(&p[j]), month, number(&p[i]), confident);
    }
}

/* YYMMDD of the MRZ into a date; false when it is not six digits. */
static bool mrz_date(const char *v, printed_date *out) {
    if (strlen(v) != 6) return false;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)v[i])) return false;
    int yy = (v[0] - '0') * 10 + v[1] - '0';
    *out = (printed_date){-1, yy, (v[2] - '0') * 10 + v[3] - '0', (v[4] - '0') * 10 + v[5] - '0',
                          true};
    return true;
}

static bool same_date(const printed_date *a, const printed_date *b) {
    return a->yy == b->yy && a->month == b->month && a->day == b->day;
}

/* Digits that differ between the two dates written DDMMYY. */
static int date_distance(const printed_date *a, const printed_date *b) {
    char x[16], y[16];
    snprintf(x, sizeof x, "%02d%02d%02d", a->day % 100, a->month % 100, a->yy % 100);
    snprintf(y, sizeof y, "%02d%02d%02d", b->day % 100, b->month % 100, b->yy % 100);
    int d = 0;
    for (int i = 0; i < 6; i++) d += x[i] != y[i];
    return d;
}

static int this_year(void) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900;
}

/* The date as YYYY-MM-DD: its own four-digit year, else the century the MRZ's rule gives
 * (birth dates not in the future, expiry dates at most 50 years ahead). */
static void format_date(const printed_date *d, bool birth, char out[VISUAL_VALUE_MAX]) {
    int year = d->year;
    if (year < 0) {
        int now = this_year();
        year = 2000 + d->yy;
        if (birth ? year > now : year > now + 50) year -= 100;
    }
    snprintf(out, VISUAL_VALUE_MAX, "%04d-%02d-%02d", year % 10000, d->month, d->day);
}

/* A date of the MRZ against the dates printed: the same date; else one that differs in a single
 * digit, unless it is `other` (the MRZ's other date) or, for an expiry date, a whole number of
 * five-year terms earlier on the same day (the date of issue, which shares the day and month). */
static void compare_date(const printed_date *dates, int count, const char *mrz_value,
                         const char *other_value, bool birth, visual_field *out) {
    printed_date want, other;
    if (!mrz_date(mrz_value, &want)) return;
    bool have_other = other_value && mrz_date(other_value, &other);
    const printed_date *near = NULL;
    for (int i = 0; i < count; i++) {
        if (same_date(&dates[i], &want)) {
            out->comparison = VISUAL_SAME;
            out->year_printed = dates[i].year >= 0;
            format_date(&dates[i], birth, out->value);
            return;
        }
        if (have_other && same_date(&dates[i], &other)) continue;
        int years_earlier = (want.yy - dates[i].yy + 100) % 100;
        bool issue = !birth && dates[i].day == want.day && dates[i].month == want.month &&
                     years_earlier % 5 == 0;
        if (!near && !issue && dates[i].confident && date_distance(&dates[i], &want) == 1)
            near = &dates[i];
    }
    if (near) {
        out->comparison = VISUAL_DIFFERENT;
        out->year_printed = near->year >= 0;
        format_date(near, birth, out->value);
    }
}

/* ---- document number, codes, sex ---- */

/* Characters OCR confuses, folded together before comparing (the same fold on both sides). */
static char folded(char c) {
    switch (toupper((unsigned char)c)) {
    case 'O':
    case 'Q':
    case 'D':
        return '0';
    case 'I':
    case 'L':
        return '1';
    case 'Z':
        return '2';
    case 'S':
        return '5';
    case 'G':
        return '6';
    case 'B':
        return '8';
    default:
        return (char)toupper((unsigned char)c);
    }
}

/* Characters that differ between two strings of the same length, folded. */
static int substitutions(const char *a, const char *b) {
    if (strlen(a) != strlen(b)) return -1;
    int n = 0;
    for (; *a; a++, b++) n += folded(*a) != folded(*b);
    return n;
}

static bool has_digit(const char *s) {
    for (; *s; s++)
        if (isdigit((unsigned char)*s)) return true;
    return false;
}

static void set_field(visual_field *f, visual_comparison c, const char *value) {
    f->comparison = c;
    snprintf(f->value, sizeof f->value, "%s", value);
}

/* The MRZ's document number as a word of a line, or two words printed with a space between;
 * else a word of the same length with one character changed (what an altered digit leaves;
 * OCR's dropped and added characters are not taken for an alteration). */
static void compare_number(const read_line *lines, int nlines, const char *want,
                           visual_field *out) {
    size_t len = strlen(want);
    if (len < 2) return;
    char near[VISUAL_VALUE_MAX] = "";
    for (int l = 0; l < nlines; l++)
        for (int i = 0; i < lines[l].count; i++) {
            const word *w = &lines[l].words[i];
            char joined[2 * TOKEN_MAX];
            if (i + 1 < lines[l].count)
                snprintf(joined, sizeof joined, "%s%s", w->text, lines[l].words[i + 1].text);
            else
                joined[0] = '\0';
            if (substitutions(w->text, want) == 0 || substitutions(joined, want) == 0) {
                set_field(out, VISUAL_SAME, want);
                return;
            }
            const char *candidates[2] = {w->text, joined};
            for (int c = 0; c < 2 && !near[0] && lines[l].confident; c++)
                if (len >= NEAR_MIN && has_digit(candidates[c]) &&
                    substitutions(candidates[c], want) == 1)
                    snprintf(near, sizeof near, "%s", candidates[c]);
        }
    if (near[0]) {
        set_field(out, VISUAL_DIFFERENT, near);
        to_upper(out->value);
    }
}

/* A code (document class, issuing state) printed as a word of its own. */
static void compare_code(const read_line *lines, int nlines, const char *want, visual_field *out) {
    if (!want[0]) return;
    for (int l = 0; l < nlines; l++)
        for (int i = 0; i < lines[l].count; i++)
            if (!strcmp(lines[l].words[i].text, want)) {
                set_field(out, VISUAL_SAME, want);
                return;
            }
}

/* Sex printed as a capital M or F starting a line (M/M, F/F in two languages; the field below
 * its label, maybe beside the next field), not after punctuation ("(F FOUND" is the end of
 * "IF FOUND"): the same when only the MRZ's letter is found, different when only the other one
 * is and from a confidently read line, not compared otherwise. */
static void compare_sex(const read_line *lines, int nlines, const char *want, visual_field *out) {
    if (strcmp(want, "M") != 0 && strcmp(want, "F") != 0) return;
    bool seen_m = false, seen_f = false, confident = false;
    for (int l = 0; l < nlines; l++) {
        const read_line *line = &lines[l];
        if (line->count == 0 || !line->starts_with_word) continue;
        bool m = !strcmp(line->words[0].text, "M"), f = !strcmp(line->words[0].text, "F");
        seen_m |= m, seen_f |= f;
        if ((m || f) && line->confident) confident = true;
    }
    if (seen_m == seen_f) return;
    const char *seen = seen_m ? "M" : "F";
    bool same = strcmp(seen, want) == 0;
    if (same || confident) set_field(out, same ? VISUAL_SAME : VISUAL_DIFFERENT, seen);
}

static const char *mrz_value(const mrz_result *mrz, const char *name) {
    const mrz_field *f = mrz_field_get(mrz, name);
    return f ? f->value : "";
}

int visual_zone_compare(const char *const *text, const float *confidence, int count,
                        const mrz_result *mrz, visual_zone *out) {
    memset(out->field, 0, sizeof out->field);
    if (count > VISUAL_MAX_LINES) count = VISUAL_MAX_LINES;
    word *words = malloc(sizeof *words * MAX_TOKENS * (size_t)(count > 0 ? count : 1));
    read_line lines[VISUAL_MAX_LINES];
    printed_date dates[MAX_DATES];
    int ndates = 0;
    if (!words) return -1;
    for (int l = 0; l < count; l++) {
        char norm[OCR_LINE_MAX * 2];
        normalise(text[l], norm, sizeof norm);
        char upper[sizeof norm];
        memcpy(upper, norm, sizeof upper);
        to_upper(upper);
        read_line *line = &lines[l];
        line->confident = !confidence || confidence[l] >= VISUAL_MIN_CONFIDENCE;
        line->starts_with_word = isalnum((unsigned char)norm[0]);
        part parts[MAX_TOKENS];
        find_dates(parts, split_parts(upper, parts, MAX_TOKENS), line->confident, dates, &ndates);
        line->words = words + (size_t)l * MAX_TOKENS;
        line->count = split_words(norm, line->words, MAX_TOKENS);
    }
    visual_field *f = out->field;
    compare_code(lines, count, mrz_value(mrz, "documentCode"), &f[VISUAL_DOCUMENT_CLASS]);
    compare_code(lines, count, mrz_value(mrz, "issuingState"), &f[VISUAL_ISSUING_STATE]);
    compare_number(lines, count, mrz_value(mrz, "documentNumber"), &f[VISUAL_DOCUMENT_NUMBER]);
    const char *birth = mrz_value(mrz, "birthDate"), *expiry = mrz_value(mrz, "expirationDate");
    compare_date(dates, ndates, expiry, birth, false, &f[VISUAL_EXPIRY]);
    compare_date(dates, ndates, birth, expiry, true, &f[VISUAL_BIRTH]);
    compare_sex(lines, count, mrz_value(mrz, "sex"), &f[VISUAL_SEX]);
    free(words);
    return 0;
}

int visual_zone_text(ocr_engine *text, const image *img, const card_quad *zone, int width,
                     int height, ocr_text_line *lines, int cap, int *count) {
    *count = 0;
    /* grey first: the warp then samples one channel instead of three */
    image grey, cut;
    const image *src = img;
    if (img->channels != 1) {
        if (image_to_grey(img, &grey) != IMG_OK) return -1;
        src = &grey;
    }
    image_status st = card_warp(src, zone, width, height, &cut);
    if (src == &grey) image_free(&grey);
    if (st == IMG_CORRUPT) return 1; /* a degenerate zone: nothing to read */
    if (st != IMG_OK) return -1;
    int rc =
        ocr_read_text(text, cut.pixels, cut.width, cut.height, (int)cut.stride, lines, cap, count);
    image_free(&cut);
    return rc;
}

int visual_zone_read(ocr_engine *text, const image *img, const card_quad *zone, int width,
                     int height, const mrz_result *mrz, visual_zone *out) {
    memset(out, 0, sizeof *out);
    ocr_text_line *lines = malloc(sizeof *lines * VISUAL_MAX_LINES);
    const char **texts = malloc(sizeof *texts * VISUAL_MAX_LINES);
    float *confidence = malloc(sizeof *confidence * VISUAL_MAX_LINES);
    int count = 0, rc = -1;
    if (lines && texts && confidence) {
        rc = visual_zone_text(text, img, zone, width, height, lines, VISUAL_MAX_LINES, &count);
        if (rc == 0) {
            for (int i = 0; i < count; i++) {
                texts[i] = lines[i].text;
                confidence[i] = lines[i].confidence;
            }
            rc = visual_zone_compare(texts, confidence, count, mrz, out);
            out->read = rc == 0;
            out->line_count = count;
        }
        if (rc == 1) rc = 0;
    }
    free(confidence);
    free(texts);
    free(lines);
    return rc;
}
