/* `ekycd compare ID_IMAGE SELFIE`: the OkayFace 1:1 comparison from the command line, printing
 * the API's JSON (emas.md §4.3), with the same quality gates the API applies. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kyc/face.h"
#include "vision/image.h"

static void compare_usage(FILE *out) {
    fputs(
        "Usage: ekycd compare [--models DIR] ID_IMAGE SELFIE\n"
        "\n"
        "Compares the largest face of ID_IMAGE with the largest face of SELFIE (JPEG or PNG) and\n"
        "prints the OkayFace JSON: result_idcard.confidence 0-100, pass at >= 75.\n"
        "Errors print {\"status\":\"error\",\"message\":CODE}: Photo format error,\n"
        "FACE_NOT_FOUND. Exit status 0 on success, 1 on an error.\n"
        "\n"
        "  --models DIR   directory with the pinned models (default ./models; make models)\n",
        out);
}

/* Embedding of the face that passes the role's quality gates; -1 with *code set otherwise. */
static int checked_face_embedding(face_engine *e, image *img, face_role role, float *emb,
                                  const char **code) {
    face_check_result r;
    if (face_check(e, img, role, &r) != 0) {
        *code = "Internal Server Error";
        return -1;
    }
    if (r.code) {
        *code = r.code;
        return -1;
    }
    if (face_embed(e, img, &r.face, emb) != 0) {
        *code = "Internal Server Error";
        return -1;
    }
    return 0;
}

int cli_compare(int argc, char **argv) {
    static const struct option opts[] = {
        {"models", required_argument, 0, 'm'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *models = "models";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'm')
            models = optarg;
        else if (c == 'h') {
            compare_usage(stdout);
            return 0;
        } else
            return cli_usage_error("compare: invalid option");
    }
    if (argc - optind != 2) return cli_usage_error("compare: needs ID_IMAGE and SELFIE");
    char err[512];
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) return cli_fail("%s", err);
    face_engine *e = face_engine_create(fm);
    if (!e) {
        face_models_free(fm);
        return cli_fail("out of memory");
    }
    image a, b;
    const char *code = NULL;
    float ea[FACE_EMBEDDING_DIM], eb[FACE_EMBEDDING_DIM];
    int rc = 1;
    if (!(code = cli_load_image(argv[optind], &a, "Photo format error"))) {
        if (!(code = cli_load_image(argv[optind + 1], &b, "Photo format error"))) {
            if (checked_face_embedding(e, &a, FACE_ROLE_DOCUMENT, ea, &code) == 0 &&
                checked_face_embedding(e, &b, FACE_ROLE_SELFIE, eb, &code) == 0) {
                float cosine = face_cosine(ea, eb);
                double conf = (double)(long)(face_confidence(cosine) * 100 + 0.5) / 100.0;
                rc = cli_print_json(json_pack("{s:s,s:s,s:{s:f}}", "status", "success",
                                              "messageCode", "api.success", "result_idcard",
                                              "confidence", conf));
            }
            image_free(&b);
        }
        image_free(&a);
    }
    if (code) rc = cli_print_error(code);
    face_engine_free(e);
    face_models_free(fm);
    return rc;
}
