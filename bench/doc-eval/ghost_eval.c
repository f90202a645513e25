/* ghost-eval: OkayDoc's photo-substitution check (kyc/ghost_photo.h) where the truth is known.
 *   ghost-eval MODELS OCR_DIR DOCUMENTS_DIR [CARD_SET_DIR...] [-v]
 * DOCUMENTS_DIR: the shared specimen documents, all genuine: every verdict is counted, and a
 * "different" there is a false alarm. Each CARD_SET_DIR: synthetic MyKad fronts made by
 * `mykad-gen --ghost PERCENT` whose truth says whether the main portrait was substituted.
 * Every image goes through the document reader first, as in OkayDoc, and the check runs on what
 * it found (ghost_photo_check_document). Times: the check alone, one core. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_set.h"
#include "kyc/document.h"
#include "kyc/ghost_photo.h"
#include "util/file.h"
#include "util/openmp_env.h"
#include "util/timeutil.h"
#include "vision/image.h"

#define VERDICTS  (GHOST_DIFFERENT + 1)
#define MAX_TIMED 4096

typedef struct {
    int by_truth[2][VERDICTS]; /* [substituted][verdict] */
    int colour[2][3];          /* [ghost printed in colour][Pass, Fail, not measured] */
    bool colour_truth;         /* the set says which ghosts are in colour */
    double ms[MAX_TIMED];
    int timed;
} tally;

static bool verbose;

/* Reads the document, checks its region; the verdict, or -1. in_colour (0, 1; -1 unknown): the
 * truth of the ghost's colour, tallied against ghost_photo_colour. */
static int check_one(const document_engines *e, const image *img, tally *t, const char *name,
                     int in_colour) {
    document_reading doc;
    if (document_read(e, img, NULL, &doc) != 0) return -1;
    ghost_comparison g;
    int verdict = -1;
    double t0 = time_monotonic_s();
    if (ghost_photo_check_document(e->faces, &doc, &g) == 0) verdict = (int)g.verdict;
    if (t->timed < MAX_TIMED) t->ms[t->timed++] = (time_monotonic_s() - t0) * 1e3;
    float colour =
        verdict >= GHOST_TOO_SMALL ? ghost_photo_colour(&doc.page[0], &g.portrait, &g.ghost) : -1;
    if (in_colour >= 0) t->colour[in_colour][colour < 0 ? 2 : colour > GHOST_COLOUR_MAX]++;
    if (verbose && verdict >= 0)
        printf("  %-60s %s portrait %.0f px ghost %.0f px cos %.2f colour %.1f%s\n", name,
               ghost_verdict_name(g.verdict), g.portrait.y2 - g.portrait.y1, (double)g.ghost_height,
               (double)g.cosine, (double)colour, in_colour == 1 ? " (printed in colour)" : "");
    document_reading_free(&doc);
    return verdict;
}

static void print_counts(const char *label, const int *v) {
    printf("%s:", label);
    for (int k = 0; k < VERDICTS; k++)
        printf(" %s %d,", ghost_verdict_name((ghost_verdict)k), v[k]);
    printf("\n");
}

static void print_time(tally *t) {
    card_set_print_times("check time (document read, ", t->ms, t->timed, 0);
}

static void run_documents(const document_engines *e, const char *dir) {
    char path[4096], row[65536];
    snprintf(path, sizeof path, "%s/documents.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s absent (the shared data): skipped\n", path);
        return;
    }
    tally *t = calloc(1, sizeof *t);
    while (t && fgets(row, sizeof row, f)) {
        json_t *entry = json_loads(row, 0, NULL);
        const char *rel = json_string_value(json_object_get(entry, "image"));
        image img;
        snprintf(path, sizeof path, "%s/%s", dir, rel ? rel : "");
        if (rel && card_set_load_image(path, &img)) {
            int v = check_one(e, &img, t, rel, -1);
            if (v >= 0) t->by_truth[0][v]++;
            image_free(&img);
        }
        json_decref(entry);
    }
    fclose(f);
    if (!t) return;
    printf("specimen documents (%s), all genuine\n", dir);
    print_counts("  verdicts", t->by_truth[0]);
    print_time(t);
    free(t);
}

static void run_cards(const document_engines *e, const char *dir) {
    size_t n = 0;
    char **names = card_set_list(dir, &n), path[4096];
    tally *t = calloc(1, sizeof *t);
    for (size_t i = 0; t && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        image img;
        bool have = card_set_load_image(path, &img);
        snprintf(path + strlen(path) - 4, 6, ".json");
        json_t *truth = json_load_file(path, 0, NULL);
        json_t *sub = json_object_get(truth, "substituted");
        json_t *colour = json_object_get(truth, "ghostColour");
        t->colour_truth |= json_is_boolean(colour);
        if (have && json_is_boolean(sub)) {
            int v = check_one(e, &img, t, names[i],
                              json_is_boolean(colour) ? json_is_true(colour) : -1);
            if (v >= 0) t->by_truth[json_is_true(sub)][v]++;
        } else {
            fprintf(stderr, "%s: cannot read, or made without --ghost\n", names[i]);
        }
        if (have) image_free(&img);
        json_decref(truth);
        free(names[i]);
    }
    free(names);
    if (!t) return;
    printf("synthetic MyKad set %s\n", dir);
    print_counts("  genuine", t->by_truth[0]);
    print_counts("  substituted", t->by_truth[1]);
    for (int c = 0; c < 2 && t->colour_truth; c++)
        printf("  ghost printed %s: holocolor Pass %d, Fail %d, not measured %d\n",
               c ? "in colour" : "grey", t->colour[c][0], t->colour[c][1], t->colour[c][2]);
    print_time(t);
    free(t);
}

int main(int argc, char **argv) {
    openmp_env_single_thread(argv); /* as the server runs */
    if (argc < 4) {
        fprintf(stderr, "usage: ghost-eval MODELS OCR_DIR DOCUMENTS_DIR [CARD_SET_DIR...] [-v]\n");
        return 2;
    }
    verbose = card_set_verbose(argc, argv, 4);
    face_models *fm = NULL;
    document_engines e;
    int rc = 1;
    if (card_set_engines_load(argv[1], argv[2], false, &fm, &e)) {
        rc = 0;
        run_documents(&e, argv[3]);
        card_set_each(&e, argc, argv, 4, run_cards);
    }
    card_set_engines_free(fm, &e);
    return rc;
}
