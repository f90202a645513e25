/* `ekycd read IMAGE [--back IMAGE]`: OkayID from the command line. Reads the document the way
 * POST /api/ekyc/okayid does and prints the same JSON (emas.md §4.2, docs/okayid.md). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "kyc/document.h"
#include "util/file.h"

#define MAX_PIXELS 40000000u

static void read_usage(FILE *out) {
    fputs("Usage: ekycd read [--back IMAGE] [--images] [--face-image] [--models DIR] [--ocr DIR]\n"
          "                  IMAGE\n"
          "\n"
          "Reads the identity document in IMAGE (passport data page, ID card, visa; any\n"
          "orientation) and prints the OkayID JSON: the MRZ fields, documentType and, on request,\n"
          "the cropped document and portrait as base64 JPEG. Errors print\n"
          "{\"status\":\"error\",\"message\":CODE}: UNRECOGNIZED_IMAGE, DOCUMENT_NOT_SUPPORTED,\n"
          "PAYLOAD_TOO_LARGE. Exit status 0 on success, 1 on an error.\n"
          "\n"
          "  --back IMAGE   the back of an ID card (its MRZ is read when the front has none)\n"
          "  --images       include images[] (the cropped document)\n"
          "  --face-image   include faceImage (the portrait)\n"
          "  --models DIR   the pinned face models (default ./models)\n"
          "  --ocr DIR      the OCR models (default ./ocr)\n",
          out);
}

static int print_json(json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) return 1;
    puts(s);
    free(s);
    return 0;
}

static const char *load(const char *path, image *img) {
    size_t n = 0;
    uint8_t *buf = file_read_all(path, 64u << 20, &n);
    char err[256];
    image_status st = buf ? image_decode(buf, n, MAX_PIXELS, img, err, sizeof err) : IMG_CORRUPT;
    free(buf);
    if (st == IMG_OK) return NULL;
    return st == IMG_TOO_LARGE ? "PAYLOAD_TOO_LARGE" : "UNRECOGNIZED_IMAGE";
}

int cli_read(int argc, char **argv) {
    static const struct option opts[] = {{"back", required_argument, 0, 'b'},
                                         {"images", no_argument, 0, 'i'},
                                         {"face-image", no_argument, 0, 'f'},
                                         {"models", required_argument, 0, 'm'},
                                         {"ocr", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *back_path = NULL, *models = "models", *ocr_dir = "ocr";
    bool images = false, face = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            back_path = optarg;
            break;
        case 'i':
            images = true;
            break;
        case 'f':
            face = true;
            break;
        case 'm':
            models = optarg;
            break;
        case 'o':
            ocr_dir = optarg;
            break;
        case 'h':
            read_usage(stdout);
            return 0;
        default:
            return cli_usage_error("read: invalid option");
        }
    }
    if (argc - optind != 1) return cli_usage_error("read: needs one IMAGE");
    char err[512];
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) return cli_fail("%s", err);
    face_engine *faces = face_engine_create(fm);
    ocr_engine *ocr = ocr_engine_new(ocr_dir, "mrz", err, sizeof err);
    if (!faces || !ocr) {
        face_engine_free(faces);
        face_models_free(fm);
        ocr_engine_free(ocr);
        return cli_fail("%s", faces ? err : "out of memory");
    }
    image front = {0}, back = {0};
    const char *code = load(argv[optind], &front);
    if (!code && back_path) code = load(back_path, &back);
    int rc = 1;
    document_reading doc;
    if (!code) {
        if (document_read(ocr, faces, &front, back.pixels ? &back : NULL, &doc) != 0) {
            code = "Internal Server Error";
        } else {
            code = api_okayid_error(&doc);
            if (!code) {
                json_t *out = api_okayid_result(&doc, true, images, face);
                rc = out ? print_json(out) : 1;
            }
            document_reading_free(&doc);
        }
    }
    if (code) print_json(json_pack("{s:s,s:s,s:n}", "status", "error", "message", code, "result"));
    image_free(&front);
    image_free(&back);
    ocr_engine_free(ocr);
    face_engine_free(faces);
    face_models_free(fm);
    return rc;
}
