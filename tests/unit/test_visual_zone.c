/* Unit tests for src/kyc/visual_zone.c: the MRZ of ICAO's specimen passport compared with
 * lines of printed text as the OCR returns them (dates in the usual printed forms, a number
 * with one digit altered, the date of issue beside the expiry date, OCR's dropped or added
 * characters, lower-case letters, doubtful lines), and the visual zone of a rendered page
 * (tests/data/mrz_td3.png) read through document_read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/document.h"
#include "kyc/visual_zone.h"
#include "testutil.h"

#define LINE1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define LINE2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

static mrz_result g_mrz;

static int setup(void **state) {
    (void)state;
    const char *lines[] = {LINE1, LINE2};
    return mrz_parse(lines, 2, 0, &g_mrz) == MRZ_OK ? 0 : -1;
}

/* Compares `count` lines with the specimen's MRZ. */
static visual_zone compare(const char *const *lines, int count) {
    visual_zone z;
    memset(&z, 0, sizeof z);
    assert_int_equal(visual_zone_compare(lines, NULL, count, &g_mrz, &z), 0);
    return z;
}

static void assert_field(const visual_zone *z, visual_field_id id, visual_comparison want,
                         const char *value) {
    assert_int_equal(z->field[id].comparison, want);
    assert_string_equal(z->field[id].value, value);
}

static void test_all_six_same(void **state) {
    (void)state;
    const char *lines[] = {"Type/Type Code/Code Passport No./No. de passeport",
                           "P UTO L898902C3",
                           "ERIKSSON",
                           "Date of birth/Date de naissance",
                           "12 AUG/AO\xc3\x9bT 74",
                           "F",
                           "16 APR/AVR 07",
                           "15 APR/AVR 12"};
    visual_zone z = compare(lines, 8);
    assert_field(&z, VISUAL_DOCUMENT_CLASS, VISUAL_SAME, "P");
    assert_field(&z, VISUAL_ISSUING_STATE, VISUAL_SAME, "UTO");
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_SAME, "L898902C3");
    assert_field(&z, VISUAL_BIRTH, VISUAL_SAME, "1974-08-12");
    assert_field(&z, VISUAL_EXPIRY, VISUAL_SAME, "2012-04-15");
    assert_field(&z, VISUAL_SEX, VISUAL_SAME, "F");
}

static void test_printed_date_forms(void **state) {
    (void)state;
    static const char *const forms[] = {
        "12.08.1974",   "12/08/1974",       "12-08-74",
        "12 08 1974",   "1974-08-12",       "12AUG1974",
        "12 Aug 1974",  "12 AUGUSTIAGO 74", "12 \xd0\xa1\xd0\x95\xd0\xa0/AUG 74",
        "12 DES AUG 74"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        visual_zone z = compare(&forms[i], 1);
        assert_int_equal(z.field[VISUAL_BIRTH].comparison, VISUAL_SAME);
        assert_int_equal(z.field[VISUAL_EXPIRY].comparison, VISUAL_NOT_COMPARED);
    }
    /* month first, as in the United States, when the first number cannot be a month */
    const char *us[] = {"04/15/2012"};
    visual_zone z = compare(us, 1);
    assert_field(&z, VISUAL_EXPIRY, VISUAL_SAME, "2012-04-15");
}

static void test_altered_values_differ(void **state) {
    (void)state;
    const char *lines[] = {"P UTO L898902C8", "12.08.1975", "M BERLIN", "15.04.2013"};
    visual_zone z = compare(lines, 4);
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_DIFFERENT, "L898902C8");
    assert_field(&z, VISUAL_BIRTH, VISUAL_DIFFERENT, "1975-08-12");
    assert_field(&z, VISUAL_EXPIRY, VISUAL_DIFFERENT, "2013-04-15");
    assert_field(&z, VISUAL_SEX, VISUAL_DIFFERENT, "M");
    /* a number printed in two groups, one digit altered */
    const char *split[] = {"L898 902C4"};
    z = compare(split, 1);
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_DIFFERENT, "L898902C4");
}

/* Only a confidently read line calls a field different; any line can find it the same. */
static void test_doubtful_lines_claim_nothing(void **state) {
    (void)state;
    const char *lines[] = {"P UTO L898902C8", "12.08.1975", "M BERLIN", "15 APR 12"};
    const float doubtful[] = {50, 50, 50, 50};
    visual_zone z;
    assert_int_equal(visual_zone_compare(lines, doubtful, 4, &g_mrz, &z), 0);
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_NOT_COMPARED, "");
    assert_field(&z, VISUAL_BIRTH, VISUAL_NOT_COMPARED, "");
    assert_field(&z, VISUAL_SEX, VISUAL_NOT_COMPARED, "");
    assert_field(&z, VISUAL_EXPIRY, VISUAL_SAME, "2012-04-15");
    const float sure[] = {VISUAL_MIN_CONFIDENCE, 90, 90, 90};
    assert_int_equal(visual_zone_compare(lines, sure, 4, &g_mrz, &z), 0);
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_DIFFERENT, "L898902C8");
    assert_field(&z, VISUAL_BIRTH, VISUAL_DIFFERENT, "1975-08-12");
    assert_field(&z, VISUAL_SEX, VISUAL_DIFFERENT, "M");
    /* "IF FOUND" read as "(F FOUND" is no sex */
    const char *notice[] = {"(F FOUND, PLEASE RETURN"};
    z = compare(notice, 1);
    assert_field(&z, VISUAL_SEX, VISUAL_NOT_COMPARED, "");
}

static void test_issue_date_is_no_expiry(void **state) {
    (void)state;
    /* issued ten years before it expires, on the same day: one digit from the expiry date */
    const char *lines[] = {"15.04.2002"};
    visual_zone z = compare(lines, 1);
    assert_field(&z, VISUAL_EXPIRY, VISUAL_NOT_COMPARED, "");
    /* but the expiry date printed as well settles it */
    const char *both[] = {"15.04.2002", "15.04.2012"};
    z = compare(both, 2);
    assert_field(&z, VISUAL_EXPIRY, VISUAL_SAME, "2012-04-15");
}

static void test_ocr_slips_are_not_alterations(void **state) {
    (void)state;
    /* a character dropped or added, lower-case letters, both sexes: nothing compared */
    const char *lines[] = {"L898902C33", "898902C3", "p uto", "m", "F", "M"};
    visual_zone z = compare(lines, 6);
    for (int f = 0; f < VISUAL_FIELD_COUNT; f++)
        assert_int_equal(z.field[f].comparison, VISUAL_NOT_COMPARED);
    /* O for 0 and a space inside the number are still the same number */
    const char *slips[] = {"L898 9O2C3"};
    z = compare(slips, 1);
    assert_field(&z, VISUAL_DOCUMENT_NUMBER, VISUAL_SAME, "L898902C3");
    /* nothing read, and huge or odd lines */
    z = compare(NULL, 0);
    assert_int_equal(z.field[VISUAL_BIRTH].comparison, VISUAL_NOT_COMPARED);
    char big[4096];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *odd[] = {big, "\xff\xfe\xc3", "31.13.1999 00.00.0000 99 FOO 99"};
    z = compare(odd, 3);
    for (int f = 0; f < VISUAL_FIELD_COUNT; f++)
        assert_int_equal(z.field[f].comparison, VISUAL_NOT_COMPARED);
}

/* The rendered specimen page prints the birth date and sex above its MRZ: both found the same
 * through document_read; the number, not printed, is not compared. */
static void test_rendered_page(void **state) {
    (void)state;
    char err[256];
    mrz_cell_reader *mrz = mrz_cell_reader_new("ocr", err, sizeof err);
    ocr_engine *text = ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err);
    size_t len = 0;
    unsigned char *png = tu_read_file("tests/data/mrz_td3.png", &len);
    assert_non_null(mrz);
    assert_non_null(text);
    assert_non_null(png);
    image page;
    assert_int_equal(image_decode(png, len, 1u << 24, &page, err, sizeof err), IMG_OK);
    free(png);
    document_reading doc;
    assert_int_equal(document_read(&(document_engines){mrz, text, NULL, true}, &page, NULL, &doc),
                     0);
    assert_true(doc.mrz_found);
    assert_true(doc.visual.read);
    assert_field(&doc.visual, VISUAL_BIRTH, VISUAL_SAME, "1974-08-12");
    assert_field(&doc.visual, VISUAL_SEX, VISUAL_SAME, "F");
    assert_field(&doc.visual, VISUAL_DOCUMENT_NUMBER, VISUAL_NOT_COMPARED, "");
    document_reading_free(&doc);
    /* without a text engine, or not asked for, the zone is not read */
    assert_int_equal(document_read(&(document_engines){mrz, NULL, NULL, true}, &page, NULL, &doc),
                     0);
    assert_false(doc.visual.read);
    assert_int_equal(doc.visual.field[VISUAL_BIRTH].comparison, VISUAL_NOT_COMPARED);
    document_reading_free(&doc);
    assert_int_equal(document_read(&(document_engines){mrz, text, NULL, false}, &page, NULL, &doc),
                     0);
    assert_true(doc.mrz_found);
    assert_false(doc.visual.read);
    document_reading_free(&doc);
    image_free(&page);
    ocr_engine_free(text);
    mrz_cell_reader_free(mrz);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_six_same),
        cmocka_unit_test(test_printed_date_forms),
        cmocka_unit_test(test_altered_values_differ),
        cmocka_unit_test(test_doubtful_lines_claim_nothing),
        cmocka_unit_test(test_issue_date_is_no_expiry),
        cmocka_unit_test(test_ocr_slips_are_not_alterations),
        cmocka_unit_test(test_rendered_page),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
