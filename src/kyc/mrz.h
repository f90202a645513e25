/* Machine-readable zone parsing and validation (ICAO 9303 parts 3-7).
 *
 * mrz_parse() takes the MRZ as text lines (A-Z, 0-9 and '<' fillers; anything else is kept and
 * makes the field it falls in invalid), recognises the format from the line count, length and
 * document code, cuts every field, and validates it: the character class of the field, dates,
 * ICAO state codes, every check digit and the composite. With MRZ_AUTOCORRECT it first repairs
 * the classic OCR confusions (O/0, I/1, Z/2, S/5, G/6, B/8 …) where the field's alphabet decides
 * (digits in a date, letters in a name), and in alphanumeric fields where exactly one choice of
 * the ambiguous characters satisfies the field's check digit; each repair is listed.
 *
 * Formats: TD1 (3x30), TD2 (2x36), TD3 (2x44), MRV-A (2x44), MRV-B (2x36), and three national
 * layouts seen in practice: the French national ID card (2x36, "IDFRA"), the French driving
 * licence (1x30, "D1FRA") and the Swiss driving licence (9 + 2x30). Field names follow the npm
 * `mrz` package (documentCode, issuingState, documentNumber, …) so results can be compared. */
#ifndef EKYCD_KYC_MRZ_H
#define EKYCD_KYC_MRZ_H

#include <stdbool.h>
#include <stddef.h>

#define MRZ_MAX_LINES       3
#define MRZ_MAX_LINE        44
#define MRZ_MAX_FIELDS      24
#define MRZ_MAX_CORRECTIONS 64
#define MRZ_MAX_VALUE       48

typedef enum {
    MRZ_FORMAT_NONE = 0,
    MRZ_TD1,
    MRZ_TD2,
    MRZ_TD3,
    MRZ_MRVA,
    MRZ_MRVB,
    MRZ_FRENCH_ID,
    MRZ_FRENCH_DL,
    MRZ_SWISS_DL,
} mrz_format;

typedef enum {
    MRZ_OK = 0,
    MRZ_BAD_LINE_COUNT, /* not 1 to 3 lines */
    MRZ_BAD_LENGTH,     /* no format has these line lengths */
} mrz_status;

#define MRZ_AUTOCORRECT 1u

typedef struct {
    const char *name;          /* "documentNumber", "birthDateCheckDigit", … */
    char value[MRZ_MAX_VALUE]; /* fillers turned into spaces and trimmed */
    bool valid;                /* characters, date, state code and check digit all good */
    const char *error;         /* why not valid (static text), or NULL */
    int line, start, length;   /* where it is in lines[] (0-based) */
} mrz_field;

typedef struct {
    int line, column;
    char from, to;
} mrz_correction;

typedef struct {
    mrz_format format;
    int line_count;
    char lines[MRZ_MAX_LINES][MRZ_MAX_LINE + 1]; /* after any corrections */
    mrz_field fields[MRZ_MAX_FIELDS];
    int field_count;
    mrz_correction corrections[MRZ_MAX_CORRECTIONS];
    int correction_count;
    bool check_digits_valid; /* every check digit, composite included */
    bool valid;              /* every field valid */
} mrz_result;

mrz_status mrz_parse(const char *const *lines, int line_count, unsigned flags, mrz_result *out);

/* The field called `name`, or NULL when the format has none. */
const mrz_field *mrz_field_get(const mrz_result *r, const char *name);

/* ICAO 9303 7-3-1 check digit of s[0..n): 0-9, or -1 if s holds a character outside A-Z0-9<. */
int mrz_check_digit(const char *s, size_t n);

/* True for ISO 3166-1 alpha-3 codes, Germany's "D", and ICAO's own codes (GBD, GBN, GBO, GBP,
 * GBS, UNA, UNK, UNO, XXA, XXB, XXC, XXX, EUE, the X.. organisations, RKS). The fictitious UTO
 * of ICAO specimens is not valid. `code` is three characters, '<'-padded. */
bool mrz_state_code_valid(const char *code);

const char *mrz_format_name(mrz_format f);

#endif
