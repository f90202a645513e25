/* visual-eval: MRZ versus visual zone (kyc/visual_zone.h) on every image of a documents folder
 * whose MRZ ekycd reads, and what docs/accuracy.md quotes.
 *   visual-eval DOCUMENTS_DIR DATAPATH [-v]
 * For each of the six compared fields: how often the printed value is found the same,
 * different (on genuine specimens every "different" is a false alarm), or not compared.
 * Then the same zones against MRZs altered by one character (document number, birth date,
 * expiry date: one digit; sex: M and F swapped), as a forger who edits one side would leave
 * them: of the fields the genuine comparison found the same, how many the altered one calls
 * different. Times: document_read with and without the visual zone, per image, one core. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/document.h"
#include "kyc/visual_zone.h"
#include "ocr/mrz_cells.h"
#include "ocr/ocr.h"
#include "util/file.h"
#include "util/openmp_env.h"
#include "util/timeutil.h"
#include "vision/image.h"

#define MAX_TIMED 512

static const char *const field_names[VISUAL_FIELD_COUNT] = {
    "document_class", "issuing_state", "document_number", "expiry", "birth", "sex"};

/* the MRZ field each alteration changes, by compared field (NULL: not altered) */
static const char *const altered_field[VISUAL_FIELD_COUNT] = {
    NULL, NULL, "documentNumber", "expirationDate", "birthDate", "sex"};

typedef struct {
    int compared[VISUAL_FIELD_COUNT][3]; /* by visual_comparison */
    int tamper_total[VISUAL_FIELD_COUNT], tamper_flagged[VISUAL_FIELD_COUNT];
    int images, read;
} tally;

static double now_ms(void) {
    return time_monotonic_s() * 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One character of the named field changed: the last digit moved on by one, or M and F
 * swapped. False when the field is absent or has no digit to change. */
static bool alter(mrz_result *r, const char *name) {
    for (int i = 0; i < r->field_count; i++) {
        mrz_field *f = &r->fields[i];
        if (strcmp(f->name, name) != 0) continue;
        if (!strcmp(name, "sex")) {
            if (strcmp(f->value, "M") != 0 && strcmp(f->value, "F") != 0) return false;
            f->value[0] = f->value[0] == 'M' ? 'F' : 'M';
            return true;
        }
        for (int k = (int)strlen(f->value) - 1; k >= 0; k--)
            if (f->value[k] >= '0' && f->value[k] <= '9') {
                /* a date's last digit is the day's: keep it a day (1-9, 0 after 9) */
                f->value[k] = (char)('0' + (f->value[k] - '0' + 1) % 10);
                return true;
            }
        return false;
    }
    return false;
}

static void tamper_test(const mrz_result *genuine, const visual_zone *seen, const char **texts,
                        const float *confidence, int count, tally *t) {
    mrz_result *copy = malloc(sizeof *copy);
    if (!copy) return;
    for (int f = 0; f < VISUAL_FIELD_COUNT; f++) {
        if (!altered_field[f] || seen->field[f].comparison != VISUAL_SAME) continue;
        *copy = *genuine;
        visual_zone z;
        if (!alter(copy, altered_field[f]) ||
            visual_zone_compare(texts, confidence, count, copy, &z) != 0)
            continue;
        t->tamper_total[f]++;
        t->tamper_flagged[f] += z.field[f].comparison == VISUAL_DIFFERENT;
    }
    free(copy);
}

static void evaluate(ocr_engine *text, const document_reading *doc, const image *img, bool verbose,
                     const char *name, tally *t) {
    card_quad zone;
    int w, h, count = 0;
    ocr_text_line *lines = malloc(sizeof *lines * VISUAL_MAX_LINES);
    const char **texts = malloc(sizeof *texts * VISUAL_MAX_LINES);
    float *confidence = malloc(sizeof *confidence * VISUAL_MAX_LINES);
    t->images++;
    if (lines && texts && confidence && document_visual_zone(&doc->mrz, &zone, &w, &h) &&
        visual_zone_text(text, img, &zone, w, h, lines, VISUAL_MAX_LINES, &count) == 0) {
        for (int i = 0; i < count; i++) {
            texts[i] = lines[i].text;
            confidence[i] = lines[i].confidence;
        }
        visual_zone z;
        if (visual_zone_compare(texts, confidence, count, &doc->mrz.mrz, &z) == 0) {
            t->read++;
            for (int f = 0; f < VISUAL_FIELD_COUNT; f++) t->compared[f][z.field[f].comparison]++;
            tamper_test(&doc->mrz.mrz, &z, texts, confidence, count, t);
            if (verbose) {
                printf("%-56s %dx%d lines=%d", name, w, h, count);
                for (int f = 0; f < VISUAL_FIELD_COUNT; f++)
                    printf(" %c%s", "-=X"[z.field[f].comparison], z.field[f].value);
                printf("\n    MRZ:");
                static const char *const names[] = {"documentCode",   "issuingState",
                                                    "documentNumber", "expirationDate",
                                                    "birthDate",      "sex"};
                for (int f = 0; f < VISUAL_FIELD_COUNT; f++) {
                    const mrz_field *m = mrz_field_get(&doc->mrz.mrz, names[f]);
                    printf(" %s", m ? m->value : "?");
                }
                printf("\n");
                if (getenv("VISUAL_EVAL_LINES"))
                    for (int i = 0; i < count; i++)
                        printf("    | %3.0f %s\n", lines[i].confidence, texts[i]);
            }
        }
    }
    free(confidence);
    free(texts);
    free(lines);
}

static void print_tally(const tally *t) {
    printf("MRZ documents: %d, visual zone read: %d\n", t->images, t->read);
    printf("%-16s %6s %9s %12s   %s\n", "field", "same", "different", "not compared",
           "altered MRZ flagged different");
    for (int f = 0; f < VISUAL_FIELD_COUNT; f++) {
        printf("%-16s %6d %9d %12d", field_names[f], t->compared[f][VISUAL_SAME],
               t->compared[f][VISUAL_DIFFERENT], t->compared[f][VISUAL_NOT_COMPARED]);
        if (altered_field[f]) printf("   %d/%d", t->tamper_flagged[f], t->tamper_total[f]);
        printf("\n");
    }
}

static double percentile(double *v, int n, int pct) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    int i = n * pct / 100;
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: visual-eval DOCUMENTS_DIR DATAPATH [-v]\n");
        return 2;
    }
    openmp_env_single_thread(argv); /* as the server runs */
    bool verbose = argc > 3 && !strcmp(argv[3], "-v");
    char err[256], path[4096];
    mrz_cell_reader *mrz = mrz_cell_reader_new(argv[2], err, sizeof err);
    ocr_engine *text = mrz ? ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err) : NULL;
    if (!mrz || !text) {
        fprintf(stderr, "%s\n", err);
        mrz_cell_reader_free(mrz);
        return 1;
    }
    snprintf(path, sizeof path, "%s/documents.jsonl", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: not found (the shared data is absent); skipping\n", path);
        ocr_engine_free(text);
        mrz_cell_reader_free(mrz);
        return 0;
    }
    tally t = {0};
    static double with_zone[MAX_TIMED], without_zone[MAX_TIMED];
    int timed = 0;
    char row[65536];
    while (fgets(row, sizeof row, f)) {
        json_t *entry = json_loads(row, 0, NULL);
        const char *rel = json_string_value(json_object_get(entry, "image"));
        snprintf(path, sizeof path, "%s/%s", argv[1], rel ? rel : "");
        size_t len = 0;
        uint8_t *bytes = entry ? file_read_all(path, 64u << 20, &len) : NULL;
        image img;
        if (!bytes || image_decode(bytes, len, 100000000, &img, err, sizeof err) != IMG_OK) {
            if (entry) fprintf(stderr, "%s: cannot read\n", path);
            free(bytes);
            json_decref(entry);
            continue;
        }
        free(bytes);
        document_engines plain = {mrz, NULL, NULL, false}, full = {mrz, text, NULL, true};
        document_reading doc;
        double t0 = now_ms();
        int rc = document_read(&plain, &img, NULL, &doc);
        double t1 = now_ms();
        if (rc == 0 && doc.mrz_found) {
            document_reading_free(&doc);
            double t2 = now_ms();
            rc = document_read(&full, &img, NULL, &doc);
            double t3 = now_ms();
            if (timed < MAX_TIMED) {
                without_zone[timed] = t1 - t0;
                with_zone[timed++] = t3 - t2;
            }
            if (rc == 0) evaluate(text, &doc, &img, verbose, rel, &t);
        }
        if (rc == 0) document_reading_free(&doc);
        image_free(&img);
        json_decref(entry);
    }
    fclose(f);
    print_tally(&t);
    if (timed) {
        double a = percentile(without_zone, timed, 50), b = percentile(with_zone, timed, 50);
        printf("document_read per image (n=%d, one core): p50 %.0f ms without the visual zone, "
               "%.0f ms with it (ratio %.2f); p95 %.0f ms with it\n",
               timed, a, b, a > 0 ? b / a : 0, percentile(with_zone, timed, 95));
    }
    ocr_engine_free(text);
    mrz_cell_reader_free(mrz);
    return 0;
}
