/* font-eval: OkayDoc's MyKad font check (kyc/mykad_checks.h, kyc/ic_print.h) where the truth
 * is known.
 *   font-eval MODELS OCR_DIR CARD_SET_DIR... [-v]
 * Each CARD_SET_DIR: synthetic MyKad fronts made by `mykad-gen --edit-ic PERCENT`, whose truth
 * says which digits of the IC number were edited and how ("icEdit"). Every image goes through
 * the document reader first, as in OkayDoc, and the check runs on what it read. Counted per
 * set: the verdicts of genuine cards and of edited cards by kind of edit, on how many the
 * digits' print was compared, whether the digit found most deviating is an edited one, and the
 * time of the print measurement. -v prints one line per card: name, truth, verdict, digit
 * height in the photo's pixels, worst deviation and its measure, then per measure the largest
 * deviation of an untouched / an edited digit, and the reason. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_set.h"
#include "kyc/document.h"
#include "kyc/ic_print.h"
#include "kyc/mykad_checks.h"
#include "util/file.h"
#include "util/openmp_env.h"
#include "util/timeutil.h"
#include "vision/image.h"

#define KINDS     5 /* genuine, then the generator's four kinds of edit */
#define VERDICTS  4 /* Pass, Cautious, Fail, not read */
#define MAX_TIMED 4096

static const char *const kind_names[KINDS] = {"genuine", "typeface", "size", "baseline", "weight"};
static const char *const verdict_names[VERDICTS] = {"Pass", "Cautious", "Fail", "not read"};

typedef struct {
    int verdicts[KINDS][VERDICTS];
    int odd_found[KINDS]; /* edited cards whose most deviating digit is an edited one */
    int measured[KINDS];  /* cards whose print was compared */
    int too_small[KINDS]; /* 12 digits cut, but too small in the photo to compare */
    /* the religion check: [genuine with a religion, added religion by kind, no religion]
     * x [Pass, Cautious, Fail, not performed] */
    int religion[KINDS + 1][VERDICTS];
    bool religion_truth; /* the set was made with --edit-religion */
    double ms[MAX_TIMED];
    int timed;
} tally;

static bool verbose;

/* The truth's kind of edit (0 genuine) and edited digit indices (-1 none) */
static int truth_edit(const json_t *truth, int edited[2]) {
    edited[0] = edited[1] = -1;
    const json_t *edit = json_object_get(truth, "icEdit");
    if (!edit) return 0;
    const json_t *digits = json_object_get(edit, "digits");
    for (size_t i = 0; i < 2 && i < json_array_size(digits); i++)
        edited[i] = (int)json_integer_value(json_array_get(digits, i));
    const char *kind = json_string_value(json_object_get(edit, "kind"));
    for (int k = 1; k < KINDS; k++)
        if (kind && !strcmp(kind, kind_names[k])) return k;
    return -1;
}

/* The religion truth: 0 a genuine religion line, 1 + kind an added one, KINDS none printed;
 * -1 when the set was not made with --edit-religion */
static int truth_religion(const json_t *truth, bool made_with_edits) {
    const json_t *edit = json_object_get(truth, "religionEdit");
    if (edit) {
        const char *kind = json_string_value(json_object_get(edit, "kind"));
        for (int k = 1; k < KINDS; k++)
            if (kind && (!strcmp(kind, kind_names[k]) ||
                         (k == 3 && !strcmp(kind, "position")))) /* the generator's name */
                return k;
        return -1;
    }
    if (!made_with_edits) return -1;
    return json_is_string(json_object_get(truth, "religion")) ? 0 : KINDS;
}

static void check_religion(const document_reading *doc, int truth, tally *t, char *note,
                           size_t note_size) {
    mykad_religion_print rp = {0};
    int v = 3;
    if (doc->mykad_found &&
        mykad_religion_check(&doc->mykad, &doc->page[0], document_page_detail(doc), &rp) == 0 &&
        rp.performed)
        v = (int)rp.verdict;
    t->religion[truth][v]++;
    snprintf(note, note_size, "religion %s %.2f %s", v == 3 ? "not performed" : verdict_names[v],
             (double)rp.deviation, rp.reason);
}

static void check_one(const document_engines *e, const image *img, int kind, const int edited[2],
                      int religion_truth, const char *name, tally *t) {
    document_reading doc;
    if (document_read(e, img, NULL, &doc) != 0) return;
    int verdict = 3;
    ic_print print = {0};
    char reason[160] = "";
    if (doc.mykad_found) {
        const mykad_reading *r = &doc.mykad;
        double t0 = time_monotonic_s();
        image_box line = {r->ic_box.x, r->ic_box.y, r->ic_box.w, r->ic_box.h};
        if (ic_print_measure(&doc.page[0], line, r->ic.number, document_page_detail(&doc),
                             &print) != 0)
            print.measured = print.too_small = false;
        if (t->timed < MAX_TIMED) t->ms[t->timed++] = (time_monotonic_s() - t0) * 1e3;
        verdict = (int)mykad_font_check(r, &print, NULL, reason, sizeof reason);
    }
    t->verdicts[kind][verdict]++;
    t->measured[kind] += print.measured;
    t->too_small[kind] += print.too_small;
    bool odd_edited = print.measured && (print.odd == edited[0] || print.odd == edited[1]);
    t->odd_found[kind] += odd_edited;
    if (verbose) { /* per measure: the largest deviation of an untouched and of an edited digit */
        printf("%s\t%s\t%s\t%.1f\t%.2f\t%s", name, kind_names[kind], verdict_names[verdict],
               (double)print.digit_height, (double)print.worst,
               ic_measure_name(print.measured ? print.which[print.odd] : IC_MEASURE_NONE));
        for (int m = IC_MEASURE_HEIGHT; m < IC_MEASURES && print.measured; m++) {
            float untouched = 0, edit = 0;
            for (int i = 0; i < IC_DIGITS; i++) {
                float d = print.by_measure[m][i];
                if (i == edited[0] || i == edited[1])
                    edit = d > edit ? d : edit;
                else
                    untouched = d > untouched ? d : untouched;
            }
            printf("\t%.2f/%.2f", (double)untouched, (double)edit);
        }
        printf("\t%s", reason);
    }
    char note[256] = "";
    if (religion_truth >= 0) check_religion(&doc, religion_truth, t, note, sizeof note);
    if (verbose) printf("\t%s\n", note);
    document_reading_free(&doc);
}

static void run_cards(const document_engines *e, const char *dir) {
    size_t n = 0;
    char **names = card_set_list(dir, &n), path[4096];
    tally *t = calloc(1, sizeof *t);
    for (size_t i = 0; t && i < n && !t->religion_truth; i++) { /* made with --edit-religion? */
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(path + strlen(path) - 4, 6, ".json");
        json_t *truth = json_load_file(path, 0, NULL);
        t->religion_truth = json_object_get(truth, "religionEdit") != NULL;
        json_decref(truth);
    }
    for (size_t i = 0; t && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        image img;
        bool have = card_set_load_image(path, &img);
        snprintf(path + strlen(path) - 4, 6, ".json");
        json_t *truth = json_load_file(path, 0, NULL);
        int edited[2], kind = truth ? truth_edit(truth, edited) : -1;
        int religion = truth ? truth_religion(truth, t->religion_truth) : -1;
        if (have && kind >= 0)
            check_one(e, &img, kind, edited, religion, names[i], t);
        else
            fprintf(stderr, "%s: cannot read it or its truth\n", names[i]);
        if (have) image_free(&img);
        json_decref(truth);
        free(names[i]);
    }
    free(names);
    if (!t) return;
    printf("synthetic MyKad set %s\n", dir);
    for (int k = 0; k < KINDS; k++) {
        int total = 0;
        for (int v = 0; v < VERDICTS; v++) total += t->verdicts[k][v];
        if (!total) continue;
        printf("  %-9s %3d cards:", kind_names[k], total);
        for (int v = 0; v < VERDICTS; v++) printf(" %s %d,", verdict_names[v], t->verdicts[k][v]);
        printf(" print compared %d (digits too small %d)", t->measured[k], t->too_small[k]);
        if (k > 0) printf(", most deviating digit an edited one %d", t->odd_found[k]);
        printf("\n");
    }
    static const char *const religion_rows[KINDS + 1] = {
        "genuine religion line", "added, other typeface", "added, 10 % size",
        "added, off position",   "added, regular weight", "no religion printed"};
    for (int k = 0; k <= KINDS && t->religion_truth; k++) {
        int total = 0;
        for (int v = 0; v < VERDICTS; v++) total += t->religion[k][v];
        if (!total) continue;
        printf("  religion: %-22s %3d cards: Pass %d, Cautious %d, Fail %d, not performed %d\n",
               religion_rows[k], total, t->religion[k][0], t->religion[k][1], t->religion[k][2],
               t->religion[k][3]);
    }
    card_set_print_times("  print measurement (", t->ms, t->timed, 2);
    free(t);
}

int main(int argc, char **argv) {
    openmp_env_single_thread(argv); /* as the server runs */
    if (argc < 4) {
        fprintf(stderr, "usage: font-eval MODELS OCR_DIR CARD_SET_DIR... [-v]\n");
        return 2;
    }
    verbose = card_set_verbose(argc, argv, 3);
    face_models *fm = NULL;
    document_engines e;
    int rc = 1;
    if (card_set_engines_load(argv[1], argv[2], false, &fm, &e)) {
        rc = 0;
        card_set_each(&e, argc, argv, 3, run_cards);
    }
    card_set_engines_free(fm, &e);
    return rc;
}
