/* `ekycd liveness SELFIE`: the OkayLive answer from the command line (emas.md §4.6), and
 * `ekycd liveness --calibrate --live DIR --spoof DIR`: the threshold for this deployment's own
 * capture setting (kyc/liveness.h explains why one is needed). */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kyc/liveness.h"

#define CALIBRATION_MAX_IMAGES 100000

static void liveness_usage(FILE *out) {
    fputs("Usage: ekycd liveness [--models DIR] [--threshold T] [--config FILE] SELFIE\n"
          "       ekycd liveness --calibrate --live DIR --spoof DIR [--models DIR]\n"
          "       ekycd liveness --evaluate [--threshold T] --live DIR --spoof DIR [--models DIR]\n"
          "\n"
          "The first form applies the selfie quality gates and prints the OkayLive JSON:\n"
          "probability (live if > 0.5), score, quality, at the threshold in force: the one\n"
          "calibrated on your own captures (--threshold, EKYCD_LIVENESS_THRESHOLD or the config\n"
          "key liveness_threshold), else the shipped default (docs/liveness.md).\n"
          "\n"
          "The second form reads every image of the two directories (live selfies and spoofs -\n"
          "screen replays, prints - taken with your own capture flow), skips those without a\n"
          "usable face, and prints the threshold at which live and spoof errors are equal.\n"
          "--evaluate instead prints the error rates of the threshold in force on them.\n"
          "\n"
          "  --models DIR   directory with the pinned models (default ./models)\n",
          out);
}

/* The face the selfie gates accept, or the error code. */
static const char *checked_selfie(face_engine *e, image *img, face_check_result *check) {
    if (face_check(e, img, FACE_ROLE_SELFIE, check) != 0) return "Internal Server Error";
    return check->code;
}

static int liveness_one(face_engine *e, const char *path, const config *cfg) {
    image img;
    const char *code = cli_load_image(path, &img, "Failed to decode image");
    if (code) return cli_print_error(code);
    face_check_result check;
    liveness_result r;
    code = checked_selfie(e, &img, &check);
    if (!code && liveness_assess(e, &img, &check, (float)cfg->liveness_threshold, &r) != 0)
        code = "Internal Server Error";
    image_free(&img);
    if (code) return cli_print_error(code);
    return cli_print_json(json_pack("{s:s,s:s,s:f,s:f,s:f}", "status", "success", "messageCode",
                                    "api.success", "probability", (double)r.probability, "score",
                                    (double)r.score, "quality", (double)r.quality));
}

/* Live logits of every image in dir with a usable face; *skipped counts the others. */
static int collect_logits(face_engine *e, const char *dir, float **out, size_t *n,
                          size_t *skipped) {
    DIR *d = opendir(dir);
    if (!d) return cli_fail("cannot open directory %s", dir);
    size_t cap = 0;
    struct dirent *ent;
    char path[4096];
    *out = NULL;
    *n = *skipped = 0;
    while ((ent = readdir(d)) && *n + *skipped < CALIBRATION_MAX_IMAGES) {
        if (ent->d_name[0] == '.') continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, ent->d_name) >= (int)sizeof path) continue;
        image img;
        face_check_result check;
        liveness_result r;
        if (cli_load_image(path, &img, "bad") != NULL) {
            (*skipped)++;
            continue;
        }
        int ok = !checked_selfie(e, &img, &check) && liveness_assess(e, &img, &check, 0, &r) == 0;
        image_free(&img);
        if (!ok) {
            (*skipped)++;
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            float *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                closedir(d);
                return cli_fail("out of memory");
            }
            *out = grown;
        }
        (*out)[(*n)++] = r.logit;
    }
    closedir(d);
    return 0;
}

/* Prints, for threshold t, how many of the live logits it refuses and spoof logits it accepts
 * (the JSON of --calibrate and --evaluate). */
static int print_error_rates(float t, const float *live, size_t nl, const float *spoof, size_t ns,
                             size_t skipped_live, size_t skipped_spoof) {
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < nl; i++) refused += live[i] <= t;
    for (size_t i = 0; i < ns; i++) accepted += spoof[i] > t;
    return cli_print_json(json_pack(
        "{s:f,s:I,s:I,s:I,s:I,s:f,s:f}", "liveness_threshold", (double)t, "live", (json_int_t)nl,
        "spoof", (json_int_t)ns, "skippedLive", (json_int_t)skipped_live, "skippedSpoof",
        (json_int_t)skipped_spoof, "liveRefused", nl ? (double)refused / (double)nl : 0.0,
        "spoofAccepted", ns ? (double)accepted / (double)ns : 0.0));
}

/* --calibrate (at == NULL): the equal-error threshold of the two directories and its error
 * rates there; --evaluate: the error rates of the threshold *at on them. */
static int calibrate(face_engine *e, const char *live_dir, const char *spoof_dir, const float *at) {
    float *live = NULL, *spoof = NULL;
    size_t nl = 0, ns = 0, skl = 0, sks = 0;
    int rc = collect_logits(e, live_dir, &live, &nl, &skl);
    if (rc == 0) rc = collect_logits(e, spoof_dir, &spoof, &ns, &sks);
    size_t need = at ? 1 : 10;
    if (rc == 0 && (nl < need || ns < need))
        rc = cli_fail("%s: need at least %zu usable live and %zu spoof images (have %zu, %zu)",
                      at ? "evaluate" : "calibrate", need, need, nl, ns);
    if (rc == 0) {
        float t = at ? *at : liveness_equal_error_threshold(live, nl, spoof, ns);
        rc = print_error_rates(t, live, nl, spoof, ns, skl, sks);
    }
    free(live), free(spoof);
    return rc;
}

int cli_liveness(int argc, char **argv) {
    static const struct option opts[] = {{"models", required_argument, 0, 'm'},
                                         {"threshold", required_argument, 0, 't'},
                                         {"config", required_argument, 0, 'c'},
                                         {"calibrate", no_argument, 0, 'C'},
                                         {"evaluate", no_argument, 0, 'E'},
                                         {"live", required_argument, 0, 'l'},
                                         {"spoof", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *models = "models", *threshold = NULL, *live = NULL, *spoof = NULL;
    cli_store_opts so = {0};
    bool calibrating = false, evaluating = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'm')
            models = optarg;
        else if (c == 't')
            threshold = optarg;
        else if (c == 'c')
            so.config_file = optarg;
        else if (c == 'C')
            calibrating = true;
        else if (c == 'E')
            evaluating = true;
        else if (c == 'l')
            live = optarg;
        else if (c == 's')
            spoof = optarg;
        else if (c == 'h') {
            liveness_usage(stdout);
            return 0;
        } else
            return cli_usage_error("liveness: invalid option");
    }
    bool dirs = calibrating || evaluating;
    if (calibrating && evaluating)
        return cli_usage_error("liveness: --calibrate or --evaluate, not both");
    if (dirs ? (!live || !spoof || optind != argc) : argc - optind != 1)
        return cli_usage_error(dirs
                                   ? "liveness --calibrate/--evaluate: needs --live DIR --spoof DIR"
                                   : "liveness: needs one SELFIE");
    config cfg;
    char err[512];
    if (cli_load_config(&cfg, &so) != 0) return 1;
    if (threshold && config_set_liveness_threshold(&cfg, threshold, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) return cli_fail("%s", err);
    face_engine *e = face_engine_create(fm);
    float in_force = (float)cfg.liveness_threshold;
    int rc = !e            ? cli_fail("out of memory")
             : calibrating ? calibrate(e, live, spoof, NULL)
             : evaluating  ? calibrate(e, live, spoof, &in_force)
                           : liveness_one(e, argv[optind], &cfg);
    face_engine_free(e);
    face_models_free(fm);
    return rc;
}
