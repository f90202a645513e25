/* Unit tests for src/kyc/mrz: every vector of ../shared/data/mrz-vectors/vectors.jsonl (the npm
 * `mrz` package's own test cases and the ICAO specimens), plus corrections, dates, state codes
 * and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "kyc/mrz.h"
#include "testutil.h"

#define VECTORS tu_shared("mrz-vectors/vectors.jsonl")

typedef struct {
    json_t **items;
    size_t count;
} vector_set;

static vector_set load_vectors(void) {
    vector_set v = {0};
    size_t len = 0;
    char *text = (char *)tu_read_file(VECTORS, &len);
    assert_non_null(text);
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        v.items = realloc(v.items, (v.count + 1) * sizeof *v.items);
        assert_non_null(v.items);
        v.items[v.count++] = j;
    }
    free(text);
    return v;
}

static void free_vectors(vector_set *v) {
    for (size_t i = 0; i < v->count; i++) json_decref(v->items[i]);
    free(v->items);
}

/* Parses the vector's lines; returns the status. */
static mrz_status parse_vector(json_t *vec, unsigned flags, mrz_result *r) {
    json_t *lines = json_object_get(vec, "mrz_lines");
    const char *l[4] = {0};
    size_t n = json_array_size(lines);
    for (size_t i = 0; i < n && i < 4; i++) l[i] = json_string_value(json_array_get(lines, i));
    return mrz_parse(l, (int)n, flags, r);
}

static bool lines_equal(const mrz_result *r, json_t *vec) {
    json_t *lines = json_object_get(vec, "mrz_lines");
    if (json_array_size(lines) != (size_t)r->line_count) return false;
    for (int i = 0; i < r->line_count; i++)
        if (strcmp(r->lines[i], json_string_value(json_array_get(lines, (size_t)i)))) return false;
    return true;
}

/* An expected field of the npm package's tests: null means the field is invalid. */
static void expect_field(const char *id, const mrz_result *r, const char *name, json_t *want) {
    const mrz_field *f = mrz_field_get(r, name);
    if (!f) {
        print_error("%s: no field %s\n", id, name);
        fail();
    }
    if (json_is_null(want)) {
        if (f->valid) print_error("%s: %s should be invalid\n", id, name);
        assert_false(f->valid);
        return;
    }
    const char *w = json_string_value(want);
    if (!w || !strncmp(w, "@@", 2)) return; /* a reference to the package's own output */
    char value[MRZ_MAX_VALUE];
    snprintf(value, sizeof value, "%s", f->value);
    if (!strcmp(name, "sex")) /* the package spells it out */
        snprintf(value, sizeof value, "%s",
                 !strcmp(f->value, "M")   ? "male"
                 : !strcmp(f->value, "F") ? "female"
                                          : "nonspecified");
    if (strcmp(value, w)) print_error("%s: %s is '%s', expected '%s'\n", id, name, value, w);
    assert_string_equal(value, w);
}

static const char *const icao_names[][2] = {
    {"document_code", "documentCode"},
    {"issuing_state", "issuingState"},
    {"document_number", "documentNumber"},
    {"birth_date", "birthDate"},
    {"expiry_date", "expirationDate"},
    {"nationality", "nationality"},
    {"surname", "lastName"},
    {"given_names", "firstName"},
    {"personal_number", "personalNumber"},
    {"optional", "optional"},
    {"optional1", "optional1"},
    {"optional2", "optional2"},
    {"sex", "sex"},
};

static void check_vector(const vector_set *set, json_t *vec) {
    const char *id = json_string_value(json_object_get(vec, "id"));
    json_t *opts = json_object_get(vec, "parse_options");
    bool autocorrect = json_is_true(json_object_get(opts, "autocorrect"));
    mrz_result r;
    mrz_status st = parse_vector(vec, autocorrect ? MRZ_AUTOCORRECT : 0, &r);
    if (json_object_get(vec, "expected_error")) {
        assert_int_not_equal(st, MRZ_OK);
        return;
    }
    if (st != MRZ_OK) print_error("%s: status %d\n", id, st);
    assert_int_equal(st, MRZ_OK);
    const char *format = json_string_value(json_object_get(vec, "expected_format"));
    if (format) assert_string_equal(mrz_format_name(r.format), format);

    if (autocorrect) {
        /* the deliberately misread lines must come back as the clean vector they were made from */
        bool twin = false;
        for (size_t i = 0; i < set->count && !twin; i++)
            twin = set->items[i] != vec && lines_equal(&r, set->items[i]);
        if (!twin)
            for (int i = 0; i < r.line_count; i++) print_error("%s: %s\n", id, r.lines[i]);
        assert_true(twin);
        assert_true(r.correction_count > 0);
        assert_true(r.check_digits_valid);
        return;
    }
    json_t *valid = json_object_get(vec, "expected_valid_cheminfo");
    if (json_is_boolean(valid)) {
        for (int i = 0; json_is_true(valid) != r.valid && i < r.field_count; i++)
            if (!r.fields[i].valid)
                print_error("%s: %s '%s': %s\n", id, r.fields[i].name, r.fields[i].value,
                            r.fields[i].error);
        assert_int_equal(json_is_true(valid), r.valid);
    }
    const char *key;
    json_t *want;
    json_object_foreach(json_object_get(vec, "expected_fields_cheminfo"), key, want)
        expect_field(id, &r, key, want);
    json_t *icao = json_object_get(vec, "icao_fields");
    for (size_t i = 0; icao && i < sizeof icao_names / sizeof icao_names[0]; i++) {
        json_t *w = json_object_get(icao, icao_names[i][0]);
        if (!w) continue;
        const mrz_field *f = mrz_field_get(&r, icao_names[i][1]);
        assert_non_null(f);
        assert_string_equal(f->value, json_string_value(w));
    }
    if (json_is_true(json_object_get(vec, "icao_all_check_digits_valid")))
        assert_true(r.check_digits_valid);
    assert_int_equal(r.correction_count, 0);
}

static void test_all_vectors(void **state) {
    (void)state;
    TU_NEED_SHARED(VECTORS);
    vector_set set = load_vectors();
    assert_true(set.count >= 39);
    for (size_t i = 0; i < set.count; i++) {
        check_vector(&set, set.items[i]); /* a failure jumps out: the set is freed below */
    }
    free_vectors(&set);
}

static void test_check_digits_and_codes(void **state) {
    (void)state;
    assert_int_equal(mrz_check_digit("L898902C3", 9), 6);
    assert_int_equal(mrz_check_digit("740812", 6), 2);
    assert_int_equal(mrz_check_digit("<<<<<<<<<<<<<<", 14), 0);
    assert_int_equal(mrz_check_digit("L89a", 4), -1);
    assert_true(mrz_state_code_valid("D<<"));
    assert_true(mrz_state_code_valid("MYS"));
    assert_true(mrz_state_code_valid("XXA"));
    assert_true(mrz_state_code_valid("GBD"));
    assert_true(mrz_state_code_valid("UNO"));
    assert_false(mrz_state_code_valid("UTO")); /* ICAO's fictitious specimen state */
    assert_false(mrz_state_code_valid("<<<"));
    assert_false(mrz_state_code_valid("DE<"));
}

static mrz_result parse2(const char *a, const char *b, unsigned flags) {
    const char *l[2] = {a, b};
    mrz_result r;
    assert_int_equal(mrz_parse(l, 2, flags, &r), MRZ_OK);
    return r;
}

static void test_check_digit_decides_alphanumerics(void **state) {
    (void)state;
    const char *l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    /* "L8989O2C3": the O could be a 0; only L898902C3 satisfies the check digit 6 */
    mrz_result r = parse2(l1, "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10", MRZ_AUTOCORRECT);
    assert_string_equal(mrz_field_get(&r, "documentNumber")->value, "L898902C3");
    assert_int_equal(r.correction_count, 1);
    assert_int_equal(r.corrections[0].line, 1);
    assert_int_equal(r.corrections[0].column, 5);
    assert_int_equal(r.corrections[0].from, 'O');
    assert_int_equal(r.corrections[0].to, '0');
    assert_true(r.check_digits_valid);
    /* without the option nothing changes and the check digit fails */
    r = parse2(l1, "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10", 0);
    assert_false(mrz_field_get(&r, "documentNumberCheckDigit")->valid);
    assert_int_equal(r.correction_count, 0);
    assert_false(r.valid);
}

static void test_invalid_fields(void **state) {
    (void)state;
    const char *l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    /* month 13 with a matching check digit is still not a date */
    char l2[] = "L898902C36UTO7413122F1204159ZE184226B<<<<<10";
    char cd = (char)('0' + mrz_check_digit(l2 + 13, 6));
    l2[19] = cd;
    mrz_result r = parse2(l1, l2, 0);
    assert_false(mrz_field_get(&r, "birthDate")->valid);
    assert_true(mrz_field_get(&r, "birthDateCheckDigit")->valid);
    /* sex Q, lower case, digits in names */
    r = parse2("P<UTOERIK5SON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
               "L898902C36UTO7408122Q1204159ZE184226B<<<<<10", 0);
    assert_false(mrz_field_get(&r, "sex")->valid);
    assert_false(mrz_field_get(&r, "lastName")->valid);
    assert_true(mrz_field_get(&r, "firstName")->valid);
    r = parse2("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
               "l898902c36UTO7408122F1204159ZE184226B<<<<<10", 0);
    assert_false(mrz_field_get(&r, "documentNumber")->valid);
    assert_false(mrz_field_get(&r, "documentNumberCheckDigit")->valid);
    assert_false(mrz_field_get(&r, "compositeCheckDigit")->valid);
    assert_false(r.check_digits_valid);
}

static void test_malformed_input(void **state) {
    (void)state;
    mrz_result r;
    const char *none[1] = {""};
    assert_int_equal(mrz_parse(none, 0, 0, &r), MRZ_BAD_LINE_COUNT);
    assert_int_equal(mrz_parse(none, 1, 0, &r), MRZ_BAD_LENGTH);
    const char *missing[2] = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", NULL};
    assert_int_equal(mrz_parse(missing, 2, 0, &r), MRZ_BAD_LENGTH);
    const char *uneven[2] = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO"};
    assert_int_equal(mrz_parse(uneven, 2, MRZ_AUTOCORRECT, &r), MRZ_BAD_LENGTH);
    char longer[200];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    const char *too_long[2] = {longer, longer};
    assert_int_equal(mrz_parse(too_long, 2, 0, &r), MRZ_BAD_LENGTH);
    /* blank MRZ band: parses, nothing valid */
    const char *blank[2] = {"<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
                            "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"};
    assert_int_equal(mrz_parse(blank, 2, MRZ_AUTOCORRECT, &r), MRZ_OK);
    assert_false(r.valid);
    /* random bytes of the right shape never crash, with and without corrections */
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        static const int shapes[][3] = {
            {30, 30, 30}, {36, 36, 0}, {44, 44, 0}, {30, 0, 0}, {9, 30, 30}};
        const int *shape = shapes[round % 5];
        char lines[3][45];
        const char *l[3];
        int n = 0;
        for (int i = 0; i < 3 && shape[i]; i++, n++) {
            for (int c = 0; c < shape[i]; c++) {
                seed = seed * 1103515245u + 12345u;
                static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<Ox?";
                lines[i][c] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
            }
            lines[i][shape[i]] = 0;
            l[i] = lines[i];
        }
        assert_int_equal(mrz_parse(l, n, round & 1 ? MRZ_AUTOCORRECT : 0, &r), MRZ_OK);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_vectors),
        cmocka_unit_test(test_check_digits_and_codes),
        cmocka_unit_test(test_check_digit_decides_alphanumerics),
        cmocka_unit_test(test_invalid_fields),
        cmocka_unit_test(test_malformed_input),
    };
    return cmocka_run_group_tests_name("mrz", tests, NULL, NULL);
}
