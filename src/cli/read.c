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
    mrz_cell_reader *ocr = mrz_cell_reader_new(ocr_dir, err, sizeof err);
    ocr_engine *text = ocr ? ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err) : NULL;
    if (!faces || !ocr || !text) {
        face_engine_free(faces);
        face_models_free(fm);
        mrz_cell_reader_free(ocr);
        ocr_engine_free(text);
        return cli_fail("%s", faces ? err : "out of memory");
    }
    image front = {0}, back = {0};
    const char *code = cli_load_image(argv[optind], &front, "UNRECOGNIZED_IMAGE");
    if (!code && back_path) code = cli_load_image(back_path, &back, "UNRECOGNIZED_IMAGE");
    int rc = 1;
    document_reading doc;
    if (!code) {
        document_engines engines = {ocr, text, faces, true};
        if (document_read(&engines, &front, back.pixels ? &back : NULL, &doc) != 0) {
            code = "Internal Server Error";
        } else {
            code = api_okayid_error(&doc);
            if (!code) {
                json_t *out = api_okayid_result(&doc, true, images, face);
                rc = out ? cli_print_json(out) : 1;
            }
            document_reading_free(&doc);
        }
    }
    if (code)
        cli_print_json(json_pack("{s:s,s:s,s:n}", "status", "error", "message", code, "result"));
    image_free(&front);
    image_free(&back);
    mrz_cell_reader_free(ocr);
    ocr_engine_free(text);
    face_engine_free(faces);
    face_models_free(fm);
    return rc;
}
