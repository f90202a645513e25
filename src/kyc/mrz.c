/* MRZ parsing and validation: every format is a table of fields (where, which alphabet, which
 * spans a check digit covers); one generic pass corrects, cuts and validates. */
#include "kyc/mrz.h"
#include "kyc/states.h"

#include <stdio.h>
#include <string.h>

typedef enum {
    K_DOC_CODE,   /* letters and fillers */
    K_ALNUM,      /* anything of A-Z 0-9 < */
    K_DIGITS,     /* digits only */
    K_DATE,       /* YYMMDD; '<' pairs for an unknown month or day */
    K_YEAR_MONTH, /* YYMM */
    K_SEX,        /* M, F, X or < */
    K_STATE,      /* an ICAO state code */
    K_CHECK,      /* a check digit over `covers` */
    K_NAME,       /* one name: fillers are spaces */
    K_SURNAME,    /* primary identifier: before the first "<<" */
    K_GIVEN,      /* secondary identifier: after the first "<<" */
} field_kind;

typedef struct {
    unsigned char line, start, length;
} span;

typedef struct {
    const char *name;
    span at;
    field_kind kind;
    span more;      /* a continuation of the value (TD1/TD2 long document numbers) */
    span covers[4]; /* K_CHECK: what the digit covers */
    unsigned char cover_count;
    bool alnum_check;   /* K_CHECK over alphanumeric data: may drive corrections */
    span alt_covers[2]; /* K_CHECK: a second accepted reading (long document numbers) */
    unsigned char alt_count;
} field_spec;

/* A field; a check digit over one span; the composite check digit over several. */
#define F(nm, l, s, n, k)                                                                          \
    { .name = nm, .at = {l, s, n}, .kind = k }
#define CHECK1(nm, l, s, cl, cs, cn, alnum)                                                        \
    {                                                                                              \
        .name = nm, .at = {l, s, 1}, .kind = K_CHECK, .covers = {{cl, cs, cn}}, .cover_count = 1,  \
        .alnum_check = alnum                                                                       \
    }
#define COMPOSITE(l, s, n, ...)                                                                    \
    {                                                                                              \
        .name = "compositeCheckDigit", .at = {l, s, 1}, .kind = K_CHECK, .covers = {__VA_ARGS__},  \
        .cover_count = n                                                                           \
    }

static const field_spec td1_fields[] = {
    F("documentCode", 0, 0, 2, K_DOC_CODE),
    F("issuingState", 0, 2, 3, K_STATE),
    F("documentNumber", 0, 5, 9, K_ALNUM),
    CHECK1("documentNumberCheckDigit", 0, 14, 0, 5, 9, true),
    F("optional1", 0, 15, 15, K_ALNUM),
    F("birthDate", 1, 0, 6, K_DATE),
    CHECK1("birthDateCheckDigit", 1, 6, 1, 0, 6, false),
    F("sex", 1, 7, 1, K_SEX),
    F("expirationDate", 1, 8, 6, K_DATE),
    CHECK1("expirationDateCheckDigit", 1, 14, 1, 8, 6, false),
    F("nationality", 1, 15, 3, K_STATE),
    F("optional2", 1, 18, 11, K_ALNUM),
    COMPOSITE(1, 29, 4, {0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}),
    F("lastName", 2, 0, 30, K_SURNAME),
    F("firstName", 2, 0, 30, K_GIVEN),
};

/* TD2 and TD3 share line 2's first 28 characters; MRV-B and MRV-A are them without composite. */
#define LINE2_COMMON                                                                               \
    F("documentNumber", 1, 0, 9, K_ALNUM),                                                         \
        CHECK1("documentNumberCheckDigit", 1, 9, 1, 0, 9, true),                                   \
        F("nationality", 1, 10, 3, K_STATE), F("birthDate", 1, 13, 6, K_DATE),                     \
        CHECK1("birthDateCheckDigit", 1, 19, 1, 13, 6, false), F("sex", 1, 20, 1, K_SEX),          \
        F("expirationDate", 1, 21, 6, K_DATE),                                                     \
        CHECK1("expirationDateCheckDigit", 1, 27, 1, 21, 6, false)

#define LINE1_NAMES(len)                                                                           \
    F("documentCode", 0, 0, 2, K_DOC_CODE), F("issuingState", 0, 2, 3, K_STATE),                   \
        F("lastName", 0, 5, len, K_SURNAME), F("firstName", 0, 5, len, K_GIVEN)

static const field_spec td2_fields[] = {
    LINE1_NAMES(31),
    LINE2_COMMON,
    F("optional", 1, 28, 7, K_ALNUM),
    COMPOSITE(1, 35, 3, {1, 0, 10}, {1, 13, 7}, {1, 21, 14}),
};

static const field_spec td3_fields[] = {
    LINE1_NAMES(39),
    LINE2_COMMON,
    F("personalNumber", 1, 28, 14, K_ALNUM),
    CHECK1("personalNumberCheckDigit", 1, 42, 1, 28, 14, true),
    COMPOSITE(1, 43, 3, {1, 0, 10}, {1, 13, 7}, {1, 21, 22}),
};

static const field_spec mrva_fields[] = {
    LINE1_NAMES(39),
    LINE2_COMMON,
    F("optional", 1, 28, 16, K_ALNUM),
};

static const field_spec mrvb_fields[] = {
    LINE1_NAMES(31),
    LINE2_COMMON,
    F("optional", 1, 28, 8, K_ALNUM),
};

static const field_spec french_id_fields[] = {
    F("documentCode", 0, 0, 2, K_DOC_CODE),
    F("issuingState", 0, 2, 3, K_STATE),
    F("lastName", 0, 5, 25, K_NAME),
    F("administrativeCode", 0, 30, 6, K_ALNUM),
    F("issueDate", 1, 0, 4, K_YEAR_MONTH),
    F("administrativeCode2", 1, 4, 3, K_ALNUM),
    F("documentNumber", 1, 7, 5, K_ALNUM),
    CHECK1("documentNumberCheckDigit", 1, 12, 1, 0, 12, true),
    F("firstName", 1, 13, 14, K_NAME),
    F("birthDate", 1, 27, 6, K_DATE),
    CHECK1("birthDateCheckDigit", 1, 33, 1, 27, 6, false),
    F("sex", 1, 34, 1, K_SEX),
    COMPOSITE(1, 35, 2, {0, 0, 36}, {1, 0, 35}),
};

static const field_spec french_dl_fields[] = {
    F("documentCode", 0, 0, 2, K_ALNUM),
    F("issuingState", 0, 2, 3, K_STATE),
    F("documentNumber", 0, 5, 9, K_ALNUM),
    CHECK1("documentNumberCheckDigit", 0, 14, 0, 0, 14, true),
    F("expirationDate", 0, 15, 6, K_DATE),
    F("lastName", 0, 21, 8, K_NAME),
    CHECK1("compositeCheckDigit", 0, 29, 0, 0, 29, false),
};

static const field_spec swiss_dl_fields[] = {
    F("documentNumber", 0, 0, 7, K_ALNUM),  F("languageCode", 0, 6, 1, K_DOC_CODE),
    F("documentCode", 1, 0, 2, K_DOC_CODE), F("issuingState", 1, 2, 3, K_STATE),
    F("pinCode", 1, 5, 9, K_DIGITS),        F("versionNumber", 1, 14, 3, K_DIGITS),
    F("birthDate", 1, 19, 6, K_DATE),       F("lastName", 2, 0, 30, K_SURNAME),
    F("firstName", 2, 0, 30, K_GIVEN),
};

typedef struct {
    const field_spec *fields;
    int count;
} format_table;

#define TABLE(f)                                                                                   \
    { f, (int)(sizeof f / sizeof f[0]) }

static format_table table_of(mrz_format f) {
    switch (f) {
    case MRZ_TD1:
        return (format_table)TABLE(td1_fields);
    case MRZ_TD2:
        return (format_table)TABLE(td2_fields);
    case MRZ_TD3:
        return (format_table)TABLE(td3_fields);
    case MRZ_MRVA:
        return (format_table)TABLE(mrva_fields);
    case MRZ_MRVB:
        return (format_table)TABLE(mrvb_fields);
    case MRZ_FRENCH_ID:
        return (format_table)TABLE(french_id_fields);
    case MRZ_FRENCH_DL:
        return (format_table)TABLE(french_dl_fields);
    case MRZ_SWISS_DL:
        return (format_table)TABLE(swiss_dl_fields);
    default:
        return (format_table){NULL, 0};
    }
}

const char *mrz_format_name(mrz_format f) {
    static const char *const names[] = {"NONE",
                                        "TD1",
                                        "TD2",
                                        "TD3",
                                        "MRVA",
                                        "MRVB",
                                        "FRENCH_NATIONAL_ID",
                                        "FRENCH_DRIVING_LICENSE",
                                        "SWISS_DRIVING_LICENSE"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "NONE";
}

/* ---- characters ---- */

static int char_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c == '<') return 0;
    return -1;
}

int mrz_check_digit(const char *s, size_t n) {
    static const int weights[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = char_value(s[i]);
        if (v < 0) return -1;
        sum += v * weights[i % 3];
    }
    return sum % 10;
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
static bool is_letter(char c) {
    return c >= 'A' && c <= 'Z';
}

/* The OCR confusions between the two alphabets (OCR-B): letter <-> digit. */
static char letter_for_digit(char c) {
    switch (c) {
    case '0':
        return 'O';
    case '1':
        return 'I';
    case '2':
        return 'Z';
    case '4':
        return 'A';
    case '5':
        return 'S';
    case '6':
        return 'G';
    case '7':
        return 'T';
    case '8':
        return 'B';
    default:
        return 0;
    }
}

static char digit_for_letter(char c) {
    switch (c) {
    case 'O':
    case 'Q':
    case 'D':
    case 'U':
        return '0';
    case 'I':
    case 'L':
        return '1';
    case 'Z':
        return '2';
    case 'A':
        return '4';
    case 'S':
        return '5';
    case 'G':
        return '6';
    case 'T':
        return '7';
    case 'B':
        return '8';
    default:
        return 0;
    }
}

/* The other reading of an ambiguous alphanumeric character, or 0. */
static char ambiguous_twin(char c) {
    static const char pairs[] = "O0I1Z2S5G6B8";
    for (int i = 0; pairs[i]; i++)
        if (pairs[i] == c) return pairs[i ^ 1];
    return 0;
}

/* ---- state codes ---- */

bool mrz_state_code_valid(const char *code) {
    return state_name(code) != NULL;
}

/* ---- format detection ---- */

static mrz_format detect(const char *const *lines, int n, const size_t *len) {
    if (n == 1) return len[0] == 30 ? MRZ_FRENCH_DL : MRZ_FORMAT_NONE;
    if (n == 3) {
        if (len[0] == 9 && len[1] == 30 && len[2] == 30) return MRZ_SWISS_DL;
        return len[0] == 30 && len[1] == 30 && len[2] == 30 ? MRZ_TD1 : MRZ_FORMAT_NONE;
    }
    if (len[0] != len[1]) return MRZ_FORMAT_NONE;
    bool visa = lines[0][0] == 'V';
    if (len[0] == 44) return visa ? MRZ_MRVA : MRZ_TD3;
    if (len[0] != 36) return MRZ_FORMAT_NONE;
    /* the French national ID card: "IDFRA" (an OCR'd 1 for the I is still the same card) */
    if (!strncmp(lines[0] + 1, "DFRA", 4) && (lines[0][0] == 'I' || lines[0][0] == '1'))
        return MRZ_FRENCH_ID;
    return visa ? MRZ_MRVB : MRZ_TD2;
}

/* ---- long document numbers (ICAO 9303 part 5 §4.2.4 note j, part 6) ---- */

/* TD1/TD2: when the number does not fit in its 9 places, the place of its check digit holds
 * '<', the rest of the number continues in the optional data and the check digit follows it. */
static void long_document_number(const mrz_result *r, field_spec *fields, int count) {
    int line, from, end;
    if (r->format == MRZ_TD1) {
        line = 0, from = 15, end = 30;
    } else if (r->format == MRZ_TD2) {
        line = 1, from = 28, end = 35;
    } else {
        return;
    }
    field_spec *number = NULL, *check = NULL;
    for (int i = 0; i < count; i++) {
        if (!strcmp(fields[i].name, "documentNumber")) number = &fields[i];
        if (!strcmp(fields[i].name, "documentNumberCheckDigit")) check = &fields[i];
    }
    const char *l = r->lines[line];
    if (!number || !check || l[check->at.start] != '<' || l[from] == '<') return;
    int stop = from;
    while (stop < end && l[stop] != '<') stop++;
    if (stop - from < 2) return; /* at least one more character and the check digit */
    number->more =
        (span){(unsigned char)line, (unsigned char)from, (unsigned char)(stop - from - 1)};
    check->at = (span){(unsigned char)line, (unsigned char)(stop - 1), 1};
    check->covers[0] = number->at;
    check->covers[1] = number->more;
    check->cover_count = 2;
    /* some issuers (Belgium) compute it with the '<' in the number's tenth place included */
    check->alt_covers[0] = (span){number->at.line, number->at.start, 10};
    check->alt_covers[1] = number->more;
    check->alt_count = 2;
}

/* ---- corrections ---- */

static void correct_char(mrz_result *r, int line, int col, char to) {
    char *c = &r->lines[line][col];
    if (*c == to) return;
    if (r->correction_count < MRZ_MAX_CORRECTIONS)
        r->corrections[r->correction_count++] = (mrz_correction){line, col, *c, to};
    *c = to;
}

static bool kind_is_numeric(field_kind k) {
    return k == K_DIGITS || k == K_DATE || k == K_YEAR_MONTH || k == K_CHECK;
}

static bool kind_is_alphabetic(field_kind k) {
    return k == K_DOC_CODE || k == K_STATE || k == K_NAME || k == K_SURNAME || k == K_GIVEN;
}

/* Pass 1: the field's alphabet decides. */
static void correct_by_alphabet(mrz_result *r, const field_spec *f) {
    for (int i = 0; i < f->at.length; i++) {
        char c = r->lines[f->at.line][f->at.start + i];
        char to = 0;
        if (kind_is_numeric(f->kind) && is_letter(c)) to = digit_for_letter(c);
        if (kind_is_alphabetic(f->kind) && is_digit(c)) to = letter_for_digit(c);
        if (to) correct_char(r, f->at.line, f->at.start + i, to);
    }
}

static int check_over(const mrz_result *r, const span *covers, int n) {
    char buf[2 * MRZ_MAX_LINE + 1];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        memcpy(buf + len, r->lines[covers[i].line] + covers[i].start, covers[i].length);
        len += covers[i].length;
    }
    return mrz_check_digit(buf, len);
}

static int check_char_value(char c) {
    return c == '<' ? 0 : is_digit(c) ? c - '0' : -1;
}

#define MAX_AMBIGUOUS 10

/* Pass 2: in alphanumeric data, the one reading of the ambiguous characters that satisfies the
 * check digit, when there is exactly one with the fewest changes. */
static void correct_by_check_digit(mrz_result *r, const field_spec *f) {
    int want = check_char_value(r->lines[f->at.line][f->at.start]);
    if (want < 0 || check_over(r, f->covers, f->cover_count) == want) return;
    int lines[MAX_AMBIGUOUS], cols[MAX_AMBIGUOUS], n = 0;
    for (int s = 0; s < f->cover_count; s++)
        for (int i = 0; i < f->covers[s].length; i++) {
            int l = f->covers[s].line, c = f->covers[s].start + i;
            if (!ambiguous_twin(r->lines[l][c])) continue;
            if (n == MAX_AMBIGUOUS) return; /* too many to decide safely */
            lines[n] = l, cols[n] = c, n++;
        }
    for (int changes = 1; changes <= n; changes++) {
        unsigned found = 0, hits = 0;
        for (unsigned mask = 1; mask < (1u << n); mask++) {
            if (__builtin_popcount(mask) != changes) continue;
            for (int b = 0; b < n; b++)
                if (mask & (1u << b)) {
                    char *ch = &r->lines[lines[b]][cols[b]];
                    *ch = ambiguous_twin(*ch);
                }
            if (check_over(r, f->covers, f->cover_count) == want) found = mask, hits++;
            for (int b = 0; b < n; b++)
                if (mask & (1u << b)) {
                    char *ch = &r->lines[lines[b]][cols[b]];
                    *ch = ambiguous_twin(*ch);
                }
        }
        if (hits > 1) return; /* two readings fit: leave it to the reader */
        if (hits == 1) {
            for (int b = 0; b < n; b++)
                if (found & (1u << b))
                    correct_char(r, lines[b], cols[b], ambiguous_twin(r->lines[lines[b]][cols[b]]));
            return;
        }
    }
}

/* Pass 3: a run of letter O among digits in alphanumeric data is read as zeros when the check
 * digit holds either way (two O/0 swaps can cancel out in the 7-3-1 sum): a number such as
 * ZE0OO509 is ZE000509. */
static void prefer_zeros_among_digits(mrz_result *r, const field_spec *f) {
    int want = check_char_value(r->lines[f->at.line][f->at.start]);
    if (want < 0 || check_over(r, f->covers, f->cover_count) != want) return;
    for (int s = 0; s < f->cover_count; s++) {
        char *line = r->lines[f->covers[s].line];
        int start = f->covers[s].start, end = start + f->covers[s].length;
        for (int i = start; i < end; i++) {
            if (line[i] != 'O') continue;
            int j = i;
            while (j < end && line[j] == 'O') j++;
            bool left = i > start && is_digit(line[i - 1]), right = j < end && is_digit(line[j]);
            if (left || right) {
                for (int k = i; k < j; k++) line[k] = '0';
                bool holds = check_over(r, f->covers, f->cover_count) == want;
                for (int k = i; k < j; k++) line[k] = 'O';
                if (holds)
                    for (int k = i; k < j; k++) correct_char(r, f->covers[s].line, k, '0');
            }
            i = j;
        }
    }
}

/* ---- validation and values ---- */

static bool valid_date(const char *s, bool with_day) {
    for (int i = 0; i < (with_day ? 6 : 4); i++)
        if (!is_digit(s[i]) && s[i] != '<') return false;
    if (s[0] == '<' || s[1] == '<') return false; /* the year is always known */
    if (s[2] == '<' && s[3] == '<' && (!with_day || (s[4] == '<' && s[5] == '<'))) return true;
    if (s[2] == '<' || s[3] == '<') return false;
    int month = (s[2] - '0') * 10 + (s[3] - '0');
    if (month < 1 || month > 12) return false;
    if (!with_day || (s[4] == '<' && s[5] == '<')) return true;
    if (s[4] == '<' || s[5] == '<') return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int day = (s[4] - '0') * 10 + (s[5] - '0');
    return day >= 1 && day <= days[month - 1];
}

/* The reason a field's characters are wrong for its kind, or NULL. */
static const char *alphabet_error(const field_spec *f, const char *s, int n) {
    for (int i = 0; i < n; i++)
        if (char_value(s[i]) < 0) return "character outside A-Z 0-9 <";
    for (int i = 0; i < n; i++) {
        if (kind_is_alphabetic(f->kind) && is_digit(s[i])) return "digit in a letters-only field";
        if (f->kind == K_DIGITS && !is_digit(s[i])) return "non-digit in a digits-only field";
    }
    switch (f->kind) {
    case K_DATE:
        return valid_date(s, true) ? NULL : "not a date (YYMMDD)";
    case K_YEAR_MONTH:
        return valid_date(s, false) ? NULL : "not a year and month (YYMM)";
    case K_SEX:
        return strchr("MFX<", s[0]) ? NULL : "sex is not M, F, X or <";
    case K_STATE:
        return mrz_state_code_valid(s) ? NULL : "unknown state code";
    case K_CHECK:
        return check_char_value(s[0]) >= 0 ? NULL : "check digit is not a digit";
    default:
        return NULL;
    }
}

/* Copies s[0..n) into out with fillers as spaces, trimmed; `collapse` merges runs of spaces. */
static void filler_text(const char *s, int n, bool collapse, char *out, size_t cap) {
    size_t len = 0;
    for (int i = 0; i < n && len + 1 < cap; i++) {
        char c = s[i] == '<' ? ' ' : s[i];
        if (c == ' ' && (len == 0 || (collapse && out[len - 1] == ' '))) continue;
        out[len++] = c;
    }
    while (len > 0 && out[len - 1] == ' ') len--;
    out[len] = '\0';
}

/* The part of a names span that a K_SURNAME or K_GIVEN field holds: before or after the first
 * "<<" (the secondary identifier is empty when there is none). */
static void name_part(const char *s, int n, field_kind kind, int *off, int *len) {
    int sep = -1;
    for (int i = 0; i + 1 < n && sep < 0; i++)
        if (s[i] == '<' && s[i + 1] == '<') sep = i;
    if (kind == K_SURNAME) {
        *off = 0;
        *len = sep < 0 ? n : sep;
    } else {
        *off = sep < 0 ? n : sep + 2;
        *len = n - *off;
    }
}

static void field_value(const mrz_result *r, const field_spec *f, mrz_field *out) {
    const char *s = r->lines[f->at.line] + f->at.start;
    int n = f->at.length;
    if (f->kind == K_SURNAME || f->kind == K_GIVEN) {
        int off, len;
        name_part(s, n, f->kind, &off, &len);
        filler_text(s + off, len, true, out->value, sizeof out->value);
        return;
    }
    char joined[2 * MRZ_MAX_LINE + 1];
    memcpy(joined, s, (size_t)n);
    if (f->more.length) {
        memcpy(joined + n, r->lines[f->more.line] + f->more.start, f->more.length);
        n += f->more.length;
    }
    if (f->kind == K_CHECK) {
        out->value[0] = joined[0];
        out->value[1] = '\0';
        return;
    }
    filler_text(joined, n, f->kind == K_NAME, out->value, sizeof out->value);
}

static void validate_field(const mrz_result *r, const field_spec *f, mrz_field *out) {
    const char *s = r->lines[f->at.line] + f->at.start;
    int off = 0, len = f->at.length;
    if (f->kind == K_SURNAME || f->kind == K_GIVEN) name_part(s, len, f->kind, &off, &len);
    out->error = alphabet_error(f, s + off, len);
    if (!out->error && f->more.length)
        out->error = alphabet_error(f, r->lines[f->more.line] + f->more.start, f->more.length);
    if (!out->error && f->kind == K_CHECK) {
        int got = check_over(r, f->covers, f->cover_count), want = check_char_value(s[0]);
        if (got >= 0 && got != want && f->alt_count)
            got = check_over(r, f->alt_covers, f->alt_count);
        if (got < 0)
            out->error = "covers a character outside A-Z 0-9 <";
        else if (got != want)
            out->error = "check digit does not match";
    }
    out->valid = out->error == NULL;
}

mrz_status mrz_parse(const char *const *lines, int line_count, unsigned flags, mrz_result *out) {
    memset(out, 0, sizeof *out);
    if (line_count < 1 || line_count > MRZ_MAX_LINES) return MRZ_BAD_LINE_COUNT;
    size_t len[MRZ_MAX_LINES];
    for (int i = 0; i < line_count; i++) {
        if (!lines[i]) return MRZ_BAD_LENGTH;
        len[i] = strnlen(lines[i], MRZ_MAX_LINE + 1);
        if (len[i] > MRZ_MAX_LINE) return MRZ_BAD_LENGTH;
        memcpy(out->lines[i], lines[i], len[i] + 1);
    }
    out->line_count = line_count;
    out->format = detect(lines, line_count, len);
    format_table t = table_of(out->format);
    if (!t.fields) return MRZ_BAD_LENGTH;

    field_spec fields[MRZ_MAX_FIELDS];
    memcpy(fields, t.fields, (size_t)t.count * sizeof *fields);
    if (flags & MRZ_AUTOCORRECT)
        for (int i = 0; i < t.count; i++) correct_by_alphabet(out, &fields[i]);
    long_document_number(out, fields, t.count);
    if (flags & MRZ_AUTOCORRECT)
        for (int i = 0; i < t.count; i++)
            if (fields[i].alnum_check) {
                correct_by_check_digit(out, &fields[i]);
                prefer_zeros_among_digits(out, &fields[i]);
            }

    out->valid = out->check_digits_valid = true;
    for (int i = 0; i < t.count; i++) {
        mrz_field *f = &out->fields[out->field_count++];
        f->name = fields[i].name;
        f->line = fields[i].at.line;
        f->start = fields[i].at.start;
        f->length = fields[i].at.length;
        field_value(out, &fields[i], f);
        validate_field(out, &fields[i], f);
        out->valid &= f->valid;
        if (fields[i].kind == K_CHECK) out->check_digits_valid &= f->valid;
    }
    return MRZ_OK;
}

const mrz_field *mrz_field_get(const mrz_result *r, const char *name) {
    for (int i = 0; i < r->field_count; i++)
        if (!strcmp(r->fields[i].name, name)) return &r->fields[i];
    return NULL;
}
