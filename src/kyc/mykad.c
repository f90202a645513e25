#include "kyc/mykad.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Place-of-birth codes of Malaysian states (the National Registration Department's table:
 * the original code 01–16 and the later additional codes of the same state). */
static const struct {
    const char *state;
    unsigned char codes[6];
} states[] = {
    {"Johor", {1, 21, 22, 23, 24}},
    {"Kedah", {2, 25, 26, 27}},
    {"Kelantan", {3, 28, 29}},
    {"Melaka", {4, 30}},
    {"Negeri Sembilan", {5, 31, 59}},
    {"Pahang", {6, 32, 33}},
    {"Pulau Pinang", {7, 34, 35}},
    {"Perak", {8, 36, 37, 38, 39}},
    {"Perlis", {9, 40}},
    {"Selangor", {10, 41, 42, 43, 44}},
    {"Terengganu", {11, 45, 46}},
    {"Sabah", {12, 47, 48, 49}},
    {"Sarawak", {13, 50, 51, 52, 53}},
    {"WP Kuala Lumpur", {14, 54, 55, 56, 57}},
    {"WP Labuan", {15, 58}},
    {"WP Putrajaya", {16}},
};

static void classify_place(mykad_ic *ic) {
    ic->place_kind = MYKAD_PLACE_INVALID;
    ic->place = NULL;
    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++)
        for (size_t k = 0; k < sizeof states[s].codes && states[s].codes[k]; k++)
            if (states[s].codes[k] == ic->place_code) {
                ic->place_kind = MYKAD_PLACE_STATE;
                ic->place = states[s].state;
                return;
            }
    if (ic->place_code == 82) {
        ic->place_kind = MYKAD_PLACE_UNKNOWN;
        ic->place = "Unknown state";
    } else if (ic->place_code >= 60) {
        ic->place_kind = MYKAD_PLACE_ABROAD;
        ic->place = "Outside Malaysia";
    }
}

/* A digit for a character OCR may have read instead, or -1. */
static int repaired_digit(char c) {
    switch (toupper((unsigned char)c)) {
    case 'O':
    case 'Q':
    case 'D':
        return 0;
    case 'I':
    case 'L':
    case '|':
        return 1;
    case 'Z':
        return 2;
    case 'S':
        return 5;
    case 'G':
        return 6;
    case 'T':
        return 7;
    case 'B':
        return 8;
    default:
        return -1;
    }
}

static bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int mykad_parse_ic(const char *text, int today_year, int today_month, int today_day,
                   mykad_ic *out) {
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '-' || *p == ' ') continue;
        if (n == 12) return -1; /* too long */
        int d = isdigit((unsigned char)*p) ? *p - '0' : repaired_digit(*p);
        if (d < 0) return -1;
        if (!isdigit((unsigned char)*p)) out->corrections++;
        out->number[n++] = (char)('0' + d);
    }
    if (n != 12) return -1;
    out->number[12] = 0;
    const char *s = out->number;
    snprintf(out->formatted, sizeof out->formatted, "%.6s-%.2s-%.4s", s, s + 6, s + 8);
    int yy = (s[0] - '0') * 10 + (s[1] - '0');
    out->birth_month = (s[2] - '0') * 10 + (s[3] - '0');
    out->birth_day = (s[4] - '0') * 10 + (s[5] - '0');
    out->birth_year = 2000 + yy > today_year ? 1900 + yy : 2000 + yy;
    int y = out->birth_year, m = out->birth_month, d = out->birth_day;
    bool calendar = m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
    bool not_future = y < today_year || (y == today_year &&
                                         (m < today_month || (m == today_month && d <= today_day)));
    out->birth_date_valid = calendar && not_future;
    out->place_code = (s[6] - '0') * 10 + (s[7] - '0');
    classify_place(out);
    out->sex = (s[11] - '0') % 2 ? 'M' : 'F';
    return 0;
}

bool mykad_ic_plausible(const mykad_ic *ic) {
    return ic->birth_date_valid && ic->place_kind != MYKAD_PLACE_INVALID;
}

bool mykad_name_valid(const char *name) {
    bool letters = false;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalpha(c))
            letters = true;
        else if (c != ' ' && !strchr("/.@'^()", c))
            return false; /* digits and every other character */
    }
    return letters;
}

bool mykad_date_rule(int day, int month, int year) {
    return day >= 0 && day <= 31 && month >= 0 && month <= 12 && year >= 1900 && year <= 2100;
}

char mykad_sex_from_word(const char *word) {
    while (*word == ' ') word++;
    size_t n = strlen(word);
    while (n && word[n - 1] == ' ') n--;
    if (n == 6 && !strncasecmp(word, "LELAKI", 6)) return 'M';
    if (n == 9 && !strncasecmp(word, "PEREMPUAN", 9)) return 'F';
    return 0;
}

const char *mykad_sex_word(char sex) {
    return sex == 'M' ? "LELAKI" : sex == 'F' ? "PEREMPUAN" : NULL;
}
