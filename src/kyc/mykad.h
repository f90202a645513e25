/* Malaysian identity card (MyKad) data rules, pure and testable (docs/okayid.md, MyKad):
 * - the 12-digit IC number YYMMDD-PB-###G: birth date, place-of-birth code, serial, and the
 *   last digit's parity giving the sex (odd male, even female); OCR confusions in the digit
 *   positions are repaired and reported;
 * - the vendor's basic validation rules for OCR output (emas.md §4.2): ID number exactly 12
 *   digits, name without digits and only / . @ ' ^ ( ) as special characters, date of birth
 *   day 0–31, month 0–12, year 1900–2100;
 * - the printed sex word (LELAKI / PEREMPUAN) checked against the number. */
#ifndef EKYCD_KYC_MYKAD_H
#define EKYCD_KYC_MYKAD_H

#include <stdbool.h>

typedef enum {
    MYKAD_PLACE_INVALID = 0, /* 00, 17–20: not assigned */
    MYKAD_PLACE_STATE,       /* a Malaysian state or federal territory */
    MYKAD_PLACE_UNKNOWN,     /* 82: state unknown */
    MYKAD_PLACE_ABROAD       /* 60–99 but 82: born outside Malaysia (country codes) */
} mykad_place_kind;

typedef struct {
    char number[13];    /* the 12 digits */
    char formatted[15]; /* YYMMDD-PB-###G */
    int birth_year;     /* four digits: 20YY unless that is after the reference year */
    int birth_month, birth_day;
    bool birth_date_valid; /* a real calendar date not after the reference date */
    int place_code;
    mykad_place_kind place_kind;
    const char *place; /* state name, "Unknown state", "Outside Malaysia" or NULL */
    char sex;          /* 'M' or 'F' */
    int corrections;   /* characters repaired (O→0, I→1, …) to get 12 digits */
} mykad_ic;

/* Parses an IC number as printed or read: 12 digits with optional '-' or spaces between the
 * groups; letters OCR confuses with digits (O Q D→0, I L→1, Z→2, S→5, G→6, T→7, B→8) are
 * repaired. today_* is the reference date (birth dates after it are invalid). 0 when it has
 * the shape of an IC number (check birth_date_valid and place_kind for its plausibility), -1
 * otherwise. */
int mykad_parse_ic(const char *text, int today_year, int today_month, int today_day, mykad_ic *out);

/* True when the number is plausible as a whole: a valid birth date and an assigned place code. */
bool mykad_ic_plausible(const mykad_ic *ic);

/* The vendor's name rule: letters, spaces and / . @ ' ^ ( ) only, no digits, not empty. */
bool mykad_name_valid(const char *name);

/* The vendor's date rule on day, month, year. */
bool mykad_date_rule(int day, int month, int year);

/* 'M' for LELAKI, 'F' for PEREMPUAN (any case, surrounding spaces allowed), 0 otherwise. */
char mykad_sex_from_word(const char *word);
/* "LELAKI" or "PEREMPUAN" for 'M' / 'F', NULL otherwise. */
const char *mykad_sex_word(char sex);

#endif
