/* doc-quality: the OkayDoc capture-quality measures (kyc/doc_quality.c) on every image of
 * ../shared/data/documents/dev as it is and degraded four ways: defocused (shrunk to a quarter
 * and enlarged back), greyscale (a photocopy), dark (x0.25) and overexposed (x2.2 + 60). Prints
 * each measure's spread per variant and how often each check passes, which is how the
 * thresholds in doc_quality.c were chosen.
 *   doc-quality DOCUMENTS_DIR */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/doc_quality.h"
#include "util/file.h"
#include "vision/image.h"

enum { ORIGINAL, DEFOCUSED, GREYSCALE, DARK, BRIGHT, VARIANTS };
static const char *const names[VARIANTS] = {"original", "defocused", "greyscale", "dark",
                                            "overexposed"};

typedef struct {
    float *sharp, *bright, *colour, *glare;
    int n, pass_sharp, pass_lit, pass_colour;
} series;

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static uint8_t clamp_u8(float v) {
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
}

/* A degraded copy of an RGB image (the caller frees its pixels). */
static int make_variant(const image *src, int kind, image *out) {
    size_t bytes = src->stride * (size_t)src->height;
    *out = *src;
    out->pixels = malloc(bytes);
    if (!out->pixels) return -1;
    memcpy(out->pixels, src->pixels, bytes);
    if (kind == DEFOCUSED) {
        int sw = src->width / 4 > 1 ? src->width / 4 : 1,
            sh = src->height / 4 > 1 ? src->height / 4 : 1;
        float *small = malloc(sizeof *small * (size_t)sw * (size_t)sh * 3);
        float *big = malloc(sizeof *big * (size_t)src->width * (size_t)src->height * 3);
        image tiny = {sw, sh, 3, (size_t)sw * 3, malloc((size_t)sw * (size_t)sh * 3)};
        if (!small || !big || !tiny.pixels) {
            free(small), free(big), free(tiny.pixels);
            return -1;
        }
        image_resize_to_tensor(src, sw, sh, 0, 1, small);
        size_t sp = (size_t)sw * (size_t)sh;
        for (size_t i = 0; i < sp; i++)
            for (int c = 0; c < 3; c++) tiny.pixels[i * 3 + c] = clamp_u8(small[c * sp + i]);
        image_resize_to_tensor(&tiny, src->width, src->height, 0, 1, big);
        size_t bp = (size_t)src->width * (size_t)src->height;
        for (size_t i = 0; i < bp; i++)
            for (int c = 0; c < 3; c++) out->pixels[i * 3 + c] = clamp_u8(big[c * bp + i]);
        free(small), free(big), free(tiny.pixels);
        return 0;
    }
    for (size_t i = 0; i + 2 < bytes; i += 3) {
        uint8_t *p = out->pixels + i;
        float l = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        for (int c = 0; c < 3; c++) {
            if (kind == GREYSCALE) p[c] = clamp_u8(l);
            if (kind == DARK) p[c] = clamp_u8(p[c] * 0.25f);
            if (kind == BRIGHT) p[c] = clamp_u8(p[c] * 2.2f + 60);
        }
    }
    return 0;
}

static void print_spread(const char *label, float *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    printf(" %s min/p10/median/p90/max %.1f/%.1f/%.1f/%.1f/%.1f", label, v[0], v[n / 10], v[n / 2],
           v[(n * 9) / 10], v[n - 1]);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: doc-quality DOCUMENTS_DIR\n");
        return 2;
    }
    char path[4096], err[256], row[65536];
    snprintf(path, sizeof path, "%s/documents.jsonl", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: not found (the shared data is absent); skipping\n", path);
        return 0;
    }
    series s[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) {
        memset(&s[v], 0, sizeof s[v]);
        s[v].sharp = calloc(256, sizeof(float));
        s[v].bright = calloc(256, sizeof(float));
        s[v].colour = calloc(256, sizeof(float));
        s[v].glare = calloc(256, sizeof(float));
        if (!s[v].sharp || !s[v].bright || !s[v].colour || !s[v].glare) return 1;
    }
    while (fgets(row, sizeof row, f)) {
        json_t *doc = json_loads(row, 0, NULL);
        const char *rel = json_string_value(json_object_get(doc, "image"));
        snprintf(path, sizeof path, "%s/%s", argv[1], rel ? rel : "");
        json_decref(doc);
        size_t len = 0;
        uint8_t *bytes = file_read_all(path, 64u << 20, &len);
        image img;
        if (!bytes || image_decode(bytes, len, 100000000, &img, err, sizeof err) != IMG_OK) {
            free(bytes);
            continue;
        }
        free(bytes);
        for (int v = 0; v < VARIANTS; v++) {
            image var;
            doc_quality q;
            if (s[v].n >= 256 || make_variant(&img, v, &var) != 0) continue;
            if (doc_quality_measure(&var, 0, 0, var.width, var.height, &q) == 0) {
                s[v].sharp[s[v].n] = q.sharpness;
                s[v].bright[s[v].n] = q.brightness;
                s[v].colour[s[v].n] = q.colour;
                s[v].glare[s[v].n] = q.glare;
                s[v].n++;
                s[v].pass_sharp += doc_quality_sharp(&q);
                s[v].pass_lit += doc_quality_well_lit(&q);
                s[v].pass_colour += doc_quality_in_colour(&q);
            }
            image_free(&var);
        }
        image_free(&img);
    }
    fclose(f);
    for (int v = 0; v < VARIANTS; v++) {
        if (!s[v].n) continue;
        printf("%-11s n=%d pass: sharp %d, well lit %d, colour %d\n", names[v], s[v].n,
               s[v].pass_sharp, s[v].pass_lit, s[v].pass_colour);
        printf("           ");
        print_spread("sharpness", s[v].sharp, s[v].n);
        printf("\n           ");
        print_spread("brightness", s[v].bright, s[v].n);
        printf("\n           ");
        print_spread("colour", s[v].colour, s[v].n);
        printf("\n           ");
        print_spread("glare", s[v].glare, s[v].n);
        printf("\n");
        free(s[v].sharp), free(s[v].bright), free(s[v].colour), free(s[v].glare);
    }
    return 0;
}
