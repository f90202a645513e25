/* Tesseract C API wrapper: one TessBaseAPI per engine. */
#include "ocr/ocr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

struct ocr_engine {
    TessBaseAPI *api;
};

ocr_engine *ocr_engine_new(const char *datapath, const char *lang, char *err, size_t errlen) {
    ocr_engine *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->api = TessBaseAPICreate();
    /* whichever engine the model holds (LSTM or the legacy classifier); no dictionaries: MRZ
     * and ID numbers are not words */
    if (!e->api || TessBaseAPIInit2(e->api, datapath, lang, OEM_DEFAULT) != 0) {
        snprintf(err, errlen, "cannot load OCR model %s/%s.traineddata",
                 datapath ? datapath : "(Tesseract's tessdata)", lang);
        ocr_engine_free(e);
        return NULL;
    }
    TessBaseAPISetVariable(e->api, "load_system_dawg", "0");
    TessBaseAPISetVariable(e->api, "load_freq_dawg", "0");
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    /* no second, inverted reading of each line: document text is dark on light */
    TessBaseAPISetVariable(e->api, "tessedit_do_invert", "0");
    return e;
}

void ocr_engine_free(ocr_engine *e) {
    if (!e) return;
    if (e->api) {
        TessBaseAPIEnd(e->api);
        TessBaseAPIDelete(e->api);
    }
    free(e);
}

int ocr_read_line(ocr_engine *e, const uint8_t *grey, int width, int height, int stride,
                  const char *whitelist, char *out, size_t cap, int *confidence) {
    if (cap == 0) return -1;
    out[0] = '\0';
    *confidence = 0;
    if (!grey || width <= 0 || height <= 0 || stride < width) return -1;
    TessBaseAPISetPageSegMode(e->api, PSM_SINGLE_LINE);
    TessBaseAPISetVariable(e->api, "tessedit_char_whitelist", whitelist ? whitelist : "");
    TessBaseAPISetImage(e->api, grey, width, height, 1, stride);
    TessBaseAPISetSourceResolution(e->api, 300);
    char *text = TessBaseAPIGetUTF8Text(e->api);
    if (!text) {
        TessBaseAPIClear(e->api);
        return -1;
    }
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < cap; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r') out[n++] = *p;
    out[n] = '\0';
    *confidence = TessBaseAPIMeanTextConf(e->api);
    TessDeleteText(text);
    TessBaseAPIClear(e->api);
    return 0;
}

/* Sets the page segmentation, whitelist (NULL: none) and image, and recognises it. 0, or -1 for
 * an inconsistent image or a failed recognition (the engine is then cleared). */
static int recognise(ocr_engine *e, TessPageSegMode mode, const char *whitelist,
                     const uint8_t *grey, int width, int height, int stride) {
    if (!grey || width <= 0 || height <= 0 || stride < width) return -1;
    TessBaseAPISetPageSegMode(e->api, mode);
    TessBaseAPISetVariable(e->api, "tessedit_char_whitelist", whitelist ? whitelist : "");
    TessBaseAPISetImage(e->api, grey, width, height, 1, stride);
    TessBaseAPISetSourceResolution(e->api, 300);
    if (TessBaseAPIRecognize(e->api, NULL) != 0) {
        TessBaseAPIClear(e->api);
        return -1;
    }
    return 0;
}

/* Copies a line's text: line breaks dropped, runs of spaces made one, cut to fit. */
static void copy_line(const char *text, char *out, size_t cap) {
    size_t n = 0;
    bool space = false;
    for (const char *p = text; *p && n + 1 < cap; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap) out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

int ocr_read_text(ocr_engine *e, const uint8_t *grey, int width, int height, int stride,
                  ocr_text_line *lines, int cap, int *count) {
    *count = 0;
    if (cap <= 0 || recognise(e, PSM_SPARSE_TEXT, NULL, grey, width, height, stride) != 0)
        return -1;
    TessResultIterator *it = TessBaseAPIGetIterator(e->api);
    if (it) {
        const TessPageIterator *page = TessResultIteratorGetPageIterator(it);
        do {
            char *text = TessResultIteratorGetUTF8Text(it, RIL_TEXTLINE);
            ocr_text_line *l = &lines[*count];
            if (text && *count < cap &&
                TessPageIteratorBoundingBox(page, RIL_TEXTLINE, &l->x0, &l->y0, &l->x1, &l->y1)) {
                copy_line(text, l->text, sizeof l->text);
                l->confidence = TessResultIteratorConfidence(it, RIL_TEXTLINE);
                if (l->text[0]) (*count)++;
            }
            TessDeleteText(text);
        } while (TessResultIteratorNext(it, RIL_TEXTLINE));
        TessResultIteratorDelete(it);
    }
    TessBaseAPIClear(e->api);
    return 0;
}
