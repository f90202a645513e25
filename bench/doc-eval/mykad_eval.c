/* mykad-eval: reads every synthetic MyKad front of a set made by build/mykad-gen through
 * ekycd's document reader (the same path as OkayID: MRZ first, then MyKad) and compares the
 * fields with the card's JSON truth; prints what docs/accuracy.md quotes.
 *   mykad-eval MODELS OCR_DIR SET_DIR [--turns N] [--negatives DOCUMENTS_DIR] [-v]
 * --turns N also reads the first N cards turned by 90, 180 and 270 degrees.
 * --negatives reads every image of the shared documents set (none is a MyKad) and counts the
 * ones taken for a MyKad. The cards are synthetic (docs/accuracy.md). Times: one core. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card_set.h"
#include "kyc/document.h"
#include "kyc/face.h"
#include "util/file.h"
#include "util/openmp_env.h"
#include "vision/image.h"

enum { F_IC, F_NAME, F_ADDRESS, F_SEX, F_RELIGION, F_CITIZENSHIP, F_BIRTH, F_COUNT };
static const char *const field_names[F_COUNT] = {"icNumber", "name",        "address",  "sexWord",
                                                 "religion", "citizenship", "birthDate"};

typedef struct {
    int cards, found, all_right, portrait, right[F_COUNT], total[F_COUNT];
    int religion_false; /* religion read on a card that prints none */
    double ms[4096];
    int timed;
} tally;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The image at path, decoded into a malloc'd image; NULL when it cannot be read */
static image *load(const char *path) {
    image *img = calloc(1, sizeof *img);
    if (img && !card_set_load_image(path, img)) {
        free(img);
        img = NULL;
    }
    return img;
}

static void got_fields(const document_reading *doc, char got[F_COUNT][320]) {
    const mykad_reading *m = &doc->mykad;
    memset(got, 0, sizeof(char[F_COUNT][320]));
    if (!doc->mykad_found) return;
    snprintf(got[F_IC], 320, "%s", m->ic.number);
    snprintf(got[F_NAME], 320, "%s", m->name);
    snprintf(got[F_ADDRESS], 320, "%s", m->address);
    snprintf(got[F_SEX], 320, "%s", m->sex_word);
    snprintf(got[F_RELIGION], 320, "%s", m->religion);
    snprintf(got[F_CITIZENSHIP], 320, "%s", m->citizenship);
    if (m->ic.birth_year)
        snprintf(got[F_BIRTH], 320, "%04d-%02d-%02d", m->ic.birth_year, m->ic.birth_month,
                 m->ic.birth_day);
}

static void score(tally *t, const document_reading *doc, json_t *truth, double ms, bool verbose,
                  const char *name) {
    char got[F_COUNT][320];
    got_fields(doc, got);
    t->cards++;
    t->found += doc->mykad_found;
    t->portrait += doc->mykad_found && doc->portrait_found;
    if (t->timed < 4096) t->ms[t->timed++] = ms;
    bool all = doc->mykad_found;
    for (int f = 0; f < F_COUNT; f++) {
        const char *want = json_string_value(json_object_get(truth, field_names[f]));
        if (f == F_RELIGION && !want) { /* not printed: reading one is an error */
            t->religion_false += got[f][0] != 0;
            all = all && !got[f][0];
            continue;
        }
        if (!want) continue;
        t->total[f]++;
        bool ok = strcmp(got[f], want) == 0;
        t->right[f] += ok;
        all = all && ok;
        if (verbose && !ok)
            printf("  %s %s: want \"%s\" got \"%s\"\n", name, field_names[f], want, got[f]);
    }
    t->all_right += all;
}

static void print_tally(const char *label, tally *t) {
    if (!t->cards) return;
    qsort(t->ms, (size_t)t->timed, sizeof *t->ms, card_set_cmp_double);
    printf("%s: cards=%d read_as_mykad=%d (%.1f%%) all_fields_exact=%d (%.1f%%) portrait=%d "
           "p50=%.0f ms p95=%.0f ms\n",
           label, t->cards, t->found, 100.0 * t->found / t->cards, t->all_right,
           100.0 * t->all_right / t->cards, t->portrait, t->ms[t->timed / 2],
           t->ms[(t->timed * 95) / 100 < t->timed ? (t->timed * 95) / 100 : t->timed - 1]);
    printf("  fields exact:");
    for (int f = 0; f < F_COUNT; f++)
        if (t->total[f]) printf(" %s=%.1f%%", field_names[f], 100.0 * t->right[f] / t->total[f]);
    printf(" religion_read_when_not_printed=%d\n", t->religion_false);
}

static int read_one(const document_engines *e, const image *img, document_reading *doc,
                    double *ms) {
    double t0 = now_ms();
    int rc = document_read(e, img, NULL, doc);
    *ms = now_ms() - t0;
    return rc;
}

/* Every card_NNNN.jpg of dir with its JSON truth; the first `turns` also turned. */
static int run_set(const document_engines *e, const char *dir, int turns, bool verbose) {
    size_t n = 0;
    char **names = card_set_list(dir, &n);
    if (!names) return 1;
    tally *upright = calloc(1, sizeof *upright), *turned = calloc(1, sizeof *turned);
    char path[4096];
    for (size_t i = 0; upright && turned && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        image *img = load(path);
        snprintf(path + strlen(path) - 4, 6, ".json");
        json_t *truth = json_load_file(path, 0, NULL);
        if (!img || !truth) {
            fprintf(stderr, "%s: cannot read\n", names[i]);
        } else {
            for (int o = 0; o < ((int)i < turns ? 4 : 1); o++) {
                static const int orientation[4] = {1, 6, 3, 8};
                image copy = *img;
                copy.pixels = malloc(img->stride * (size_t)img->height);
                if (!copy.pixels) break;
                memcpy(copy.pixels, img->pixels, img->stride * (size_t)img->height);
                if (image_apply_orientation(&copy, orientation[o]) != IMG_OK) break;
                document_reading doc;
                double ms;
                if (read_one(e, &copy, &doc, &ms) == 0) {
                    score(o ? turned : upright, &doc, truth, ms, verbose, names[i]);
                    document_reading_free(&doc);
                }
                image_free(&copy);
            }
        }
        if (img) image_free(img);
        free(img);
        json_decref(truth);
        free(names[i]);
    }
    free(names);
    printf("set %s\n", dir);
    if (upright) print_tally("upright", upright);
    if (turned) print_tally("turned 90/180/270", turned);
    free(upright);
    free(turned);
    return 0;
}

/* The shared document images: none is a MyKad. */
static void run_negatives(const document_engines *e, const char *dir) {
    char path[4096], row[65536];
    snprintf(path, sizeof path, "%s/documents.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("negatives: %s absent, skipped\n", path);
        return;
    }
    int images = 0, mykad = 0;
    while (fgets(row, sizeof row, f)) {
        json_t *doc = json_loads(row, 0, NULL);
        const char *rel = doc ? json_string_value(json_object_get(doc, "image")) : NULL;
        if (rel) {
            snprintf(path, sizeof path, "%s/%s", dir, rel);
            image *img = load(path);
            document_reading r;
            double ms;
            if (img && read_one(e, img, &r, &ms) == 0) {
                images++;
                mykad += r.mykad_found;
                document_reading_free(&r);
            }
            if (img) image_free(img);
            free(img);
        }
        json_decref(doc);
    }
    fclose(f);
    printf("negatives (shared documents, no MyKad among them): images=%d read_as_mykad=%d\n",
           images, mykad);
}

int main(int argc, char **argv) {
    openmp_env_single_thread(argv); /* as the server runs */
    if (argc < 4) {
        fprintf(stderr, "usage: mykad-eval MODELS OCR_DIR SET_DIR [--turns N] "
                        "[--negatives DOCUMENTS_DIR] [-v]\n");
        return 2;
    }
    int turns = 0;
    bool verbose = false;
    const char *negatives = NULL;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--turns") && i + 1 < argc) turns = atoi(argv[++i]);
        if (!strcmp(argv[i], "--negatives") && i + 1 < argc) negatives = argv[++i];
        if (!strcmp(argv[i], "-v")) verbose = true;
    }
    face_models *fm = NULL;
    document_engines e;
    int rc = 1;
    if (card_set_engines_load(argv[1], argv[2], true, &fm, &e)) {
        rc = run_set(&e, argv[3], turns, verbose);
        if (negatives) run_negatives(&e, negatives);
    }
    card_set_engines_free(fm, &e);
    return rc;
}
