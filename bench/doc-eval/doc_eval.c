/* doc-eval: finds and reads the MRZ of every image of ../shared/data/documents/dev with ekycd's
 * reader (kyc/mrz_reader.c) and prints what docs/accuracy.md quotes.
 *   doc-eval DOCUMENTS_DIR DATAPATH [--orientations] [-v]
 * Images with transcribed MRZ lines: MRZ found, exact MRZ (every line equal after repairs), exact
 * lines, per-field accuracy, all check digits valid. Weak-label images (MRZ visible, no text):
 * found, and found with every check digit valid. Images without an MRZ: false MRZ.
 * --orientations also reads every transcribed image turned into the seven other EXIF
 * orientations (90/180/270 degrees, mirrored). Times are per image, one core. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kyc/document.h"
#include "kyc/mrz_reader.h"
#include "ocr/mrz_cells.h"
#include "util/file.h"
#include "vision/image.h"

static const char *const field_map[][2] = {
    {"document_code", "documentCode"},
    {"issuing_state", "issuingState"},
    {"document_number", "documentNumber"},
    {"birth_date", "birthDate"},
    {"sex", "sex"},
    {"expiry_date", "expirationDate"},
    {"nationality", "nationality"},
    {"surname", "lastName"},
    {"given_names", "firstName"},
};
#define FIELD_COUNT (sizeof field_map / sizeof field_map[0])

typedef struct {
    int images, found, exact, lines, exact_lines, all_checks, orientation_right;
    int field_total[FIELD_COUNT], field_right[FIELD_COUNT];
} truth_tally;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The EXIF orientation that undoes orientation o. */
static int inverse_orientation(int o) {
    return o == 6 ? 8 : o == 8 ? 6 : o;
}

static void tally_truth(truth_tally *t, const mrz_reading *r, json_t *doc, int o) {
    t->orientation_right += r->found && document_upright_orientation(r->rotation, r->mirrored) ==
                                            inverse_orientation(o);
    json_t *lines = json_object_get(doc, "mrz_lines");
    size_t n = json_array_size(lines);
    t->images++;
    t->found += r->found;
    int exact_lines = 0;
    for (size_t i = 0; i < n; i++) {
        const char *want = json_string_value(json_array_get(lines, i));
        exact_lines +=
            r->found && (int)i < r->mrz.line_count && want && strcmp(r->mrz.lines[i], want) == 0;
    }
    t->lines += (int)n;
    t->exact_lines += exact_lines;
    t->exact += r->found && exact_lines == (int)n && r->mrz.line_count == (int)n;
    t->all_checks += r->found && r->mrz.check_digits_valid;
    json_t *fields = json_object_get(doc, "expected_fields");
    for (size_t f = 0; f < FIELD_COUNT; f++) {
        const char *want = json_string_value(json_object_get(fields, field_map[f][0]));
        if (!want) continue;
        t->field_total[f]++;
        const mrz_field *got = r->found ? mrz_field_get(&r->mrz, field_map[f][1]) : NULL;
        if (!got) continue;
        /* the data spells "<" sex as empty and keeps inner name spaces; ekycd the same */
        t->field_right[f] += strcmp(got->value, want) == 0;
    }
}

static void print_truth(const char *label, const truth_tally *t) {
    if (!t->images) return;
    printf("%s: images=%d found=%d exact_mrz=%d (%.1f%%) exact_lines=%d/%d (%.1f%%) "
           "all_check_digits_valid=%d orientation_right=%d\n",
           label, t->images, t->found, t->exact, 100.0 * t->exact / t->images, t->exact_lines,
           t->lines, t->lines ? 100.0 * t->exact_lines / t->lines : 0, t->all_checks,
           t->orientation_right);
    printf("  fields:");
    for (size_t f = 0; f < FIELD_COUNT; f++)
        if (t->field_total[f])
            printf(" %s=%.0f%%", field_map[f][0], 100.0 * t->field_right[f] / t->field_total[f]);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: doc-eval DOCUMENTS_DIR DATAPATH [--orientations] [-v]\n");
        return 2;
    }
    int orientations = 0, verbose = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--orientations")) orientations = 1;
        if (!strcmp(argv[i], "-v")) verbose = 1;
    }
    char err[256], path[4096];
    mrz_cell_reader *ocr = mrz_cell_reader_new(argv[2], err, sizeof err);
    if (!ocr) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/documents.jsonl", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: not found (the shared data is absent); skipping\n", path);
        mrz_cell_reader_free(ocr);
        return 0;
    }
    truth_tally upright = {0}, turned = {0};
    int weak = 0, weak_found = 0, weak_valid = 0, negatives = 0, false_mrz = 0, timed = 0;
    double times[4096];
    mrz_reading *r = malloc(sizeof *r);
    char row[65536];
    while (r && fgets(row, sizeof row, f)) {
        json_t *doc = json_loads(row, 0, NULL);
        if (!doc) continue;
        const char *rel = json_string_value(json_object_get(doc, "image"));
        snprintf(path, sizeof path, "%s/%s", argv[1], rel ? rel : "");
        size_t len = 0;
        uint8_t *bytes = file_read_all(path, 64u << 20, &len);
        image img;
        if (!bytes || image_decode(bytes, len, 100000000, &img, err, sizeof err) != IMG_OK) {
            fprintf(stderr, "%s: cannot read\n", path);
            free(bytes);
            json_decref(doc);
            continue;
        }
        free(bytes);
        int present = json_is_true(json_object_get(doc, "mrz_present"));
        int has_text = json_array_size(json_object_get(doc, "mrz_lines")) > 0;
        for (int o = 1; o <= (orientations && has_text ? 8 : 1); o++) {
            image turned_img = img;
            if (o > 1) {
                turned_img.pixels = malloc(img.stride * (size_t)img.height);
                if (!turned_img.pixels) break;
                memcpy(turned_img.pixels, img.pixels, img.stride * (size_t)img.height);
                if (image_apply_orientation(&turned_img, o) != IMG_OK) {
                    image_free(&turned_img);
                    break;
                }
            }
            double t0 = now_ms();
            /* as document_read for a page that is no MyKad: the usual search, then for glare */
            if (mrz_reader_read(ocr, &turned_img, MRZ_SEARCH_USUAL, r) != 0 ||
                (!r->found && mrz_reader_read(ocr, &turned_img, MRZ_SEARCH_GLARE, r) != 0))
                memset(r, 0, sizeof *r);
            double ms = now_ms() - t0;
            if (timed < (int)(sizeof times / sizeof times[0])) times[timed++] = ms;
            if (o > 1) image_free(&turned_img);
            if (has_text)
                tally_truth(o == 1 ? &upright : &turned, r, doc, o);
            else if (present) {
                weak++;
                weak_found += r->found;
                weak_valid += r->found && r->mrz.check_digits_valid;
            } else {
                negatives++;
                false_mrz += r->found;
            }
            if (verbose) {
                printf("%-60s o=%d found=%d rot=%d mir=%d checks=%d/%d conf=%d %.0fms\n", rel, o,
                       r->found, r->rotation, r->mirrored, r->check_digits_ok,
                       r->check_digits_total, r->confidence, ms);
                for (int k = 0; k < MRZ_MAX_LINES && r->raw[k][0]; k++) {
                    const char *want =
                        json_string_value(json_array_get(json_object_get(doc, "mrz_lines"), k));
                    printf("    %s%s%s\n", r->raw[k], want ? "  want " : "", want ? want : "");
                    if (k < r->mrz.line_count && strcmp(r->mrz.lines[k], r->raw[k]) != 0)
                        printf("    %s  (after repairs)\n", r->mrz.lines[k]);
                }
            }
        }
        image_free(&img);
        json_decref(doc);
    }
    fclose(f);
    free(r);
    mrz_cell_reader_free(ocr);
    print_truth("transcribed, upright", &upright);
    print_truth("transcribed, 7 other orientations", &turned);
    printf("weak labels (MRZ visible, no text): images=%d found=%d all_check_digits_valid=%d\n",
           weak, weak_found, weak_valid);
    printf("no MRZ: images=%d false_mrz=%d\n", negatives, false_mrz);
    if (timed) {
        qsort(times, (size_t)timed, sizeof times[0], cmp_double);
        printf("time per image: p50=%.0f ms p95=%.0f ms (n=%d, one core)\n", times[timed / 2],
               times[(timed * 95) / 100 < timed ? (timed * 95) / 100 : timed - 1], timed);
    }
    return 0;
}
