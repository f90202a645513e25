/* MyKad number and field rules (src/kyc/mykad.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kyc/mykad.h"

#define TODAY 2026, 12, 2

static void test_number_fields(void **state) {
    (void)state;
    mykad_ic ic;
    assert_int_equal(mykad_parse_ic("900101-14-5677", TODAY, &ic), 0);
    assert_string_equal(ic.number, "900101145677");
    assert_string_equal(ic.formatted, "900101-14-5677");
    assert_int_equal(ic.birth_year, 1990);
    assert_int_equal(ic.birth_month, 1);
    assert_int_equal(ic.birth_day, 1);
    assert_true(ic.birth_date_valid);
    assert_int_equal(ic.place_code, 14);
    assert_int_equal(ic.place_kind, MYKAD_PLACE_STATE);
    assert_string_equal(ic.place, "WP Kuala Lumpur");
    assert_int_equal(ic.sex, 'M'); /* odd last digit */
    assert_int_equal(ic.corrections, 0);
    assert_true(mykad_ic_plausible(&ic));
    /* the vendor's sample: 861200556488 — December 1986 but day 00: shaped right, not a date */
    assert_int_equal(mykad_parse_ic("861200556488", TODAY, &ic), 0);
    assert_int_equal(ic.sex, 'F');
    assert_false(ic.birth_date_valid);
    assert_false(mykad_ic_plausible(&ic));
    /* 20YY unless that is in the future; alternate state codes */
    assert_int_equal(mykad_parse_ic("050229 43 1234", TODAY, &ic), 0); /* 2005 is no leap year */
    assert_false(ic.birth_date_valid);
    assert_int_equal(mykad_parse_ic("040229-43-1234", TODAY, &ic), 0);
    assert_true(ic.birth_date_valid);
    assert_int_equal(ic.birth_year, 2004);
    assert_string_equal(ic.place, "Selangor");
    assert_int_equal(mykad_parse_ic("301108-59-0001", TODAY, &ic), 0);
    assert_int_equal(ic.birth_year, 1930);
    assert_string_equal(ic.place, "Negeri Sembilan");
    assert_int_equal(mykad_parse_ic("261203-10-0002", TODAY, &ic), 0); /* tomorrow */
    assert_int_equal(ic.birth_year, 2026);
    assert_false(ic.birth_date_valid);
}

static void test_place_codes(void **state) {
    (void)state;
    mykad_ic ic;
    const struct {
        const char *number;
        mykad_place_kind kind;
    } cases[] = {{"900101-00-1111", MYKAD_PLACE_INVALID}, {"900101-17-1111", MYKAD_PLACE_INVALID},
                 {"900101-20-1111", MYKAD_PLACE_INVALID}, {"900101-16-1111", MYKAD_PLACE_STATE},
                 {"900101-36-1111", MYKAD_PLACE_STATE},   {"900101-82-1111", MYKAD_PLACE_UNKNOWN},
                 {"900101-71-1111", MYKAD_PLACE_ABROAD},  {"900101-99-1111", MYKAD_PLACE_ABROAD}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mykad_parse_ic(cases[i].number, TODAY, &ic), 0);
        assert_int_equal(ic.place_kind, cases[i].kind);
        assert_int_equal(mykad_ic_plausible(&ic), cases[i].kind != MYKAD_PLACE_INVALID);
    }
}

static void test_ocr_repairs_and_rejects(void **state) {
    (void)state;
    mykad_ic ic;
    assert_int_equal(mykad_parse_ic("9OO1O1-l4-S67B", TODAY, &ic), 0);
    assert_string_equal(ic.number, "900101145678");
    assert_int_equal(ic.corrections, 6);
    const char *bad[] = {
        "", "90010114567", "9001011456789", "900101-14-567X", "900101_14_5678", "ABCDEF-GH-IJKL"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mykad_parse_ic(bad[i], TODAY, &ic), -1);
}

static void test_vendor_rules(void **state) {
    (void)state;
    assert_true(mykad_name_valid("AHMAD BIN ALI"));
    assert_true(mykad_name_valid("SITI NUR'AIN BT. ABDULLAH^(ANAK) A/P RAJ"));
    assert_true(mykad_name_valid("MUHAMMAD@MAT"));
    assert_false(mykad_name_valid("AHMAD 2"));
    assert_false(mykad_name_valid("AHMAD-ALI"));
    assert_false(mykad_name_valid("   "));
    assert_false(mykad_name_valid(""));
    assert_true(mykad_date_rule(0, 0, 1900));
    assert_true(mykad_date_rule(31, 12, 2100));
    assert_false(mykad_date_rule(32, 1, 1990));
    assert_false(mykad_date_rule(1, 13, 1990));
    assert_false(mykad_date_rule(1, 1, 1899));
    assert_int_equal(mykad_sex_from_word(" lelaki "), 'M');
    assert_int_equal(mykad_sex_from_word("PEREMPUAN"), 'F');
    assert_int_equal(mykad_sex_from_word("LELAKI X"), 0);
    assert_string_equal(mykad_sex_word('F'), "PEREMPUAN");
    assert_null(mykad_sex_word('X'));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_fields),
        cmocka_unit_test(test_place_codes),
        cmocka_unit_test(test_ocr_repairs_and_rejects),
        cmocka_unit_test(test_vendor_rules),
    };
    return cmocka_run_group_tests_name("mykad", tests, NULL, NULL);
}
