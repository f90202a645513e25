/* screen-eval: OkayDoc's screen-recapture check (kyc/screen_recapture.h) where the truth is known.
 *   screen-eval MODELS OCR_DIR SET_DIR... [-v]
 * Each SET_DIR holds truth.tsv (bench/doc-eval/recapture.py): one image per line, `file label
 * source parameters`, label genuine (a document image as published, or a synthetic MyKad photo)
 * or screen (its simulated recapture). Every image goes through the document reader first, as in
 * OkayDoc, and the check measures the region it found (document_capture_region). Prints, per
 * set, how often each label is called a recapture, by source group and by how many camera
 * pixels saw one display pixel; -v one line per image. Times: the check alone, one core.
 * A SET_DIR holding liveness.tsv instead (../shared/data/liveness/dev: webcam face crops, real
 * or filmed off a screen) is measured whole, without the document reader, and tallied by label:
 * the only real screen captures in the shared data. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_set.h"
#include "kyc/document.h"
#include "kyc/screen_recapture.h"
#include "util/openmp_env.h"
#include "util/timeutil.h"

#define MAX_TIMED 4096
#define GROUPS    2 /* shared specimen documents, synthetic MyKads */
#define SCALES    4 /* camera pixels per display pixel: < 1, 1-1.5, 1.5-2.2, >= 2.2 */

static const char *const group_names[GROUPS] = {"specimen documents", "synthetic MyKad photos"};
static const char *const scale_names[SCALES] = {"under 1", "1 to 1.5", "1.5 to 2.2",
                                                "2.2 and over"};

typedef struct {
    int found[2][GROUPS], seen[2][GROUPS];       /* [screen][group] */
    int scale_found[SCALES], scale_seen[SCALES]; /* recaptures by camera pixels per display px */
    int layout_found[2], layout_seen[2];         /* recaptures: stripe LCD, diamond OLED */
    int unmeasured[2];
    double ms[MAX_TIMED];
    int timed;
} tally;

static bool verbose;

static int scale_bin(double camera_per_display) {
    return camera_per_display < 1.0   ? 0
           : camera_per_display < 1.5 ? 1
           : camera_per_display < 2.2 ? 2
                                      : 3;
}

/* Reads the image as OkayDoc does and measures the capture; -1 when it cannot be read. */
static int measure_one(const document_engines *e, const char *path, screen_cues *s, tally *t) {
    image img;
    if (!card_set_load_image(path, &img)) return -1;
    document_reading doc;
    int rc = document_read(e, &img, NULL, &doc);
    if (rc == 0) {
        card_quad q;
        const image *where = document_capture_region(&doc, &img, &q);
        double t0 = time_monotonic_s();
        rc = screen_recapture_measure(where, &q, s);
        if (t->timed < MAX_TIMED) t->ms[t->timed++] = (time_monotonic_s() - t0) * 1e3;
        document_reading_free(&doc);
    }
    image_free(&img);
    return rc;
}

static void tally_one(tally *t, bool screen, int group, json_t *params, const screen_cues *s) {
    bool found = screen_recapture_found(s);
    t->seen[screen][group]++;
    t->found[screen][group] += found;
    t->unmeasured[screen] += !s->measured;
    if (!screen) return;
    int b = scale_bin(json_real_value(json_object_get(params, "camera_per_display")));
    t->scale_seen[b]++, t->scale_found[b] += found;
    int diamond = !strcmp(json_string_value(json_object_get(params, "layout")) ?: "", "diamond");
    t->layout_seen[diamond]++, t->layout_found[diamond] += found;
}

static void print_tally(const char *dir, tally *t) {
    printf("%s\n", dir);
    for (int screen = 0; screen < 2; screen++)
        for (int g = 0; g < GROUPS; g++)
            if (t->seen[screen][g])
                printf("  %-8s %-24s %3d images, called a recapture %3d (%.1f %%)\n",
                       screen ? "screen" : "genuine", group_names[g], t->seen[screen][g],
                       t->found[screen][g], 100.0 * t->found[screen][g] / t->seen[screen][g]);
    printf("  not measured (too few usable tiles): genuine %d, screen %d\n", t->unmeasured[0],
           t->unmeasured[1]);
    for (int b = 0; b < SCALES; b++)
        if (t->scale_seen[b])
            printf("  recaptures at %-12s camera px per display px: %d of %d found\n",
                   scale_names[b], t->scale_found[b], t->scale_seen[b]);
    for (int l = 0; l < 2; l++)
        if (t->layout_seen[l])
            printf("  recaptures of a %-12s display: %d of %d found\n",
                   l ? "diamond OLED" : "stripe LCD", t->layout_found[l], t->layout_seen[l]);
    card_set_print_times("  check alone (", t->ms, t->timed, 1);
}

/* The liveness set's images measured whole: how many of each label show a display grid. */
static bool run_liveness(const char *dir) {
    char path[4096], row[8192];
    snprintf(path, sizeof path, "%s/liveness.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    int seen[2] = {0, 0}, measured[2] = {0, 0}, found[2] = {0, 0};
    while (fgets(row, sizeof row, f)) {
        char *file = strtok(row, "\t"), *label = strtok(NULL, "\t");
        if (row[0] == '#' || !file || !label) continue;
        int spoof = !strcmp(label, "spoof");
        snprintf(path, sizeof path, "%s/%s", dir, file);
        image img;
        screen_cues s;
        if (!card_set_load_image(path, &img)) continue;
        if (screen_recapture_measure(&img, NULL, &s) == 0) {
            seen[spoof]++, measured[spoof] += s.measured;
            found[spoof] += screen_recapture_found(&s);
            if (verbose && s.measured)
                printf("  %-5s %-5s share %.2f prominence %6.1f cross %6.1f tiles %2d  %s\n", label,
                       screen_recapture_found(&s) ? "FOUND" : "-", (double)s.share,
                       (double)s.prominence, (double)s.cross_prominence, s.tiles, file);
        }
        image_free(&img);
    }
    fclose(f);
    printf("%s\n", dir);
    for (int k = 0; k < 2; k++)
        printf("  %-5s %3d images, %3d with enough tiles, called a recapture %d\n",
               k ? "spoof" : "real", seen[k], measured[k], found[k]);
    return true;
}

static void run_set(const document_engines *e, const char *dir) {
    char path[4096], row[8192];
    if (run_liveness(dir)) return;
    snprintf(path, sizeof path, "%s/truth.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: not found (make the set with bench/doc-eval/recapture.py)\n", path);
        return;
    }
    tally *t = calloc(1, sizeof *t);
    while (t && fgets(row, sizeof row, f)) {
        if (row[0] == '#') continue;
        char *file = strtok(row, "\t"), *label = strtok(NULL, "\t"), *source = strtok(NULL, "\t");
        char *params_text = strtok(NULL, "\n");
        if (!file || !label || !source || !params_text) continue;
        bool screen = !strcmp(label, "screen");
        int group = strstr(source, "card_") ? 1 : 0; /* mykad-gen names its cards card_N */
        if (file[0] == '/')
            snprintf(path, sizeof path, "%s", file);
        else
            snprintf(path, sizeof path, "%s/%s", dir, file);
        screen_cues s;
        if (measure_one(e, path, &s, t) != 0) {
            fprintf(stderr, "%s: cannot be read\n", path);
            continue;
        }
        json_t *params = json_loads(params_text, 0, NULL);
        tally_one(t, screen, group, params, &s);
        if (verbose)
            printf("  %-7s %-5s share %.2f prominence %6.1f cross %6.1f period %5.2f px angle "
                   "%5.1f tiles %3d cpd %.2f  %s\n",
                   screen ? "screen" : "genuine", screen_recapture_found(&s) ? "FOUND" : "-",
                   (double)s.share, (double)s.prominence, (double)s.cross_prominence,
                   (double)s.period_px, (double)s.angle_deg, s.tiles,
                   json_real_value(json_object_get(params, "camera_per_display")), source);
        json_decref(params);
    }
    fclose(f);
    if (t) print_tally(dir, t);
    free(t);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: screen-eval MODELS OCR_DIR SET_DIR... [-v]\n");
        return 2;
    }
    openmp_env_single_thread(argv); /* as the server runs */
    verbose = card_set_verbose(argc, argv, 3);
    face_models *fm;
    document_engines e;
    bool ok = card_set_engines_load(argv[1], argv[2], false, &fm, &e);
    if (ok) card_set_each(&e, argc, argv, 3, run_set);
    card_set_engines_free(fm, &e);
    return ok ? 0 : 1;
}
