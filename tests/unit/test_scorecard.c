/* Unit tests for src/kyc/scorecard.c: the documented passport default parses and decides as the
 * spec's examples say (prefix patterns in order, otherwise last), check statuses at and around
 * each threshold, a missing component is F, and malformed rules are refused with the entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "kyc/scorecard.h"

static scorecard_config load(const char *doc_type) {
    const char *const *rules, *const *outcomes;
    int nrules = 0, noutcomes = 0;
    assert_true(scorecard_default(doc_type, &rules, &nrules, &outcomes, &noutcomes));
    scorecard_config c;
    char err[160];
    assert_int_equal(scorecard_parse(rules, nrules, outcomes, noutcomes, &c, err, sizeof err), 0);
    return c;
}

static void test_passport_default(void **state) {
    (void)state;
    scorecard_config c = load("passport");
    assert_int_equal(c.rule_count, 4);
    assert_string_equal(c.rules[0].check, "liveFaceCheck");
    assert_string_equal(c.rules[3].check, "checkDigitValidation");
    /* prefixes in order: the first failed check decides "suspicious" up to the fourth */
    assert_string_equal(scorecard_outcome_of(&c, "PPPP"), "clear");
    assert_string_equal(scorecard_outcome_of(&c, "PPPF"), "cautious");
    assert_string_equal(scorecard_outcome_of(&c, "PPFP"), "suspicious");
    assert_string_equal(scorecard_outcome_of(&c, "PFPP"), "suspicious");
    assert_string_equal(scorecard_outcome_of(&c, "FPPP"), "suspicious");
    assert_string_equal(scorecard_outcome_of(&c, "PPCP"), "cautious"); /* otherwise */
    /* thresholds */
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 0.5), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 0.4999), 'F');
    assert_int_equal(scorecard_check_status(&c.rules[1], true, 75), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[1], true, 74.99), 'F');
    assert_int_equal(scorecard_check_status(&c.rules[2], true, 3), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[2], true, 6), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[2], true, 5), 'F');
    assert_int_equal(scorecard_check_status(&c.rules[3], true, 4), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[3], true, 3), 'F');
    /* a missing component never passes, whatever the rule */
    assert_int_equal(scorecard_check_status(&c.rules[0], false, 1.0), 'F');
    assert_false(scorecard_default("driving_licence", &(const char *const *){NULL}, &(int){0},
                                   &(const char *const *){NULL}, &(int){0}));
}

static void test_cautious_and_operators(void **state) {
    (void)state;
    const char *rules[] = {"microprint@P:>60;C:>30,=30;F:otherwise", "x@F:<1;P:<=5"};
    const char *outcomes[] = {"C=cautious", "PP=clear", "P=suspicious"};
    scorecard_config c;
    char err[160];
    assert_int_equal(scorecard_parse(rules, 2, outcomes, 3, &c, err, sizeof err), 0);
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 61), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 60), 'C');
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 30), 'C');
    assert_int_equal(scorecard_check_status(&c.rules[0], true, 29), 'F');
    assert_int_equal(scorecard_check_status(&c.rules[1], true, 0.5), 'F');
    assert_int_equal(scorecard_check_status(&c.rules[1], true, 5), 'P');
    assert_int_equal(scorecard_check_status(&c.rules[1], true, 6), 'F'); /* nothing matched */
    assert_string_equal(scorecard_outcome_of(&c, "CP"), "cautious");
    assert_string_equal(scorecard_outcome_of(&c, "PP"), "clear");
    assert_string_equal(scorecard_outcome_of(&c, "PF"), "suspicious");
    assert_string_equal(scorecard_outcome_of(&c, "FF"), "cautious"); /* no match: default */
}

static void test_malformed(void **state) {
    (void)state;
    const char *bad_rules[] = {"noat",
                               "@P:>=1",
                               "x@Q:>=1",
                               "x@P:>=abc",
                               "x@P:",
                               "x@P>=1",
                               "x y@P:>=1",
                               "x@P:>=1;",
                               "x@P:=>1",
                               "x@P:>=1,,<2",
                               "x@P:>=1;C:<1;F:<0;P:=3"};
    const char *ok_outcomes[] = {"otherwise=clear"};
    scorecard_config c;
    char err[160];
    for (size_t i = 0; i < sizeof bad_rules / sizeof bad_rules[0]; i++) {
        const char *one[] = {bad_rules[i]};
        assert_int_equal(scorecard_parse(one, 1, ok_outcomes, 1, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "configList[0]"));
    }
    const char *ok_rules[] = {"x@P:>=1;F:otherwise"};
    const char *bad_outcomes[] = {"PXF=clear", "PP=great", "=clear", "PP",
                                  "PPPPPPPPPPPPPPPPP=clear"};
    for (size_t i = 0; i < sizeof bad_outcomes / sizeof bad_outcomes[0]; i++) {
        const char *one[] = {bad_outcomes[i]};
        assert_int_equal(scorecard_parse(ok_rules, 1, one, 1, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "scorecardList[0]"));
    }
    assert_int_equal(scorecard_parse(ok_rules, 0, ok_outcomes, 1, &c, err, sizeof err), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passport_default),
        cmocka_unit_test(test_cautious_and_operators),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
