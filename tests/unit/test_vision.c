/* Image decoding from untrusted bytes: a valid JPEG made here, then truncated, corrupted,
 * mislabelled and "decompression bomb" variants of it. Also the grey-level helpers: dark
 * components (a character broken by binarisation stays whole, its neighbour apart; a frame
 * touching a character does not swallow it) and the
 * level stretch of flat images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <leptonica/allheaders.h>
#include <libheif/heif.h>

#include "vision/image.h"

/* Encodes a w x h RGB gradient as JPEG (quality 95) into a malloc'd buffer; with an EXIF
 * orientation tag when orientation > 0. */
static uint8_t *make_jpeg_oriented(int w, int h, int orientation, size_t *len);

static uint8_t *make_jpeg(int w, int h, size_t *len) {
    return make_jpeg_oriented(w, h, 0, len);
}

static uint8_t *make_jpeg_oriented(int w, int h, int orientation, size_t *len) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    if (orientation > 0) { /* APP1: Exif, little-endian TIFF, IFD0 with one entry 0x0112 */
        const unsigned char exif[] = {'E', 'x',  'i',  'f', 0,
                                      0,   'I',  'I',  42,  0,
                                      8,   0,    0,    0,   1,
                                      0,   0x12, 0x01, 3,   0,
                                      1,   0,    0,    0,   (unsigned char)orientation,
                                      0,   0,    0,    0,   0,
                                      0,   0};
        jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof exif);
    }
    unsigned char *row = malloc((size_t)w * 3);
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w; x++) {
            row[x * 3] = (unsigned char)(x * 255 / (w - 1));
            row[x * 3 + 1] = (unsigned char)(c.next_scanline * 255 / (unsigned)(h - 1));
            row[x * 3 + 2] = 128;
        }
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    *len = size;
    return buf;
}

static void test_reduced_scale_jpeg(void **state) {
    (void)state;
    size_t len;
    uint8_t *jpg = make_jpeg(3300, 2400, &len);
    image img;
    char err[256];
    assert_int_equal(image_decode_min_side(jpg, len, 40000000, 1600, &img, err, sizeof err),
                     IMG_OK);
    assert_int_equal(img.width, 1650); /* 1/2: 1/4 would go under 1600 */
    assert_int_equal(img.height, 1200);
    image_free(&img);
    assert_int_equal(image_decode_min_side(jpg, len, 40000000, 400, &img, err, sizeof err), IMG_OK);
    assert_int_equal(img.width, 413); /* 1/8, rounded up by libjpeg */
    image_free(&img);
    assert_int_equal(image_decode(jpg, len, 40000000, &img, err, sizeof err), IMG_OK);
    assert_int_equal(img.width, 3300);
    image_free(&img);
    free(jpg);
}

static void test_decode_valid(void **state) {
    (void)state;
    size_t len;
    uint8_t *jpg = make_jpeg(64, 48, &len);
    image img;
    char err[256];
    assert_int_equal(image_decode_jpeg(jpg, len, 1 << 20, &img, err, sizeof err), IMG_OK);
    assert_int_equal(img.width, 64);
    assert_int_equal(img.height, 48);
    assert_int_equal(img.channels, 3);
    /* the gradient survives compression within a few levels */
    const uint8_t *p = img.pixels + 24 * img.stride + 63 * 3;
    assert_true(p[0] > 245 && abs(p[1] - 24 * 255 / 47) < 8 && abs(p[2] - 128) < 8);
    image_free(&img);
    free(jpg);
}

static void test_decode_refuses_bad_input(void **state) {
    (void)state;
    size_t len;
    uint8_t *jpg = make_jpeg(64, 48, &len);
    image img;
    char err[256];
    /* truncated at many points */
    for (size_t cut = 0; cut < len; cut += len / 17 + 1) {
        image_status st = image_decode_jpeg(jpg, cut, 1 << 20, &img, err, sizeof err);
        assert_true(st == IMG_NOT_JPEG || st == IMG_CORRUPT);
        assert_null(img.pixels);
    }
    /* not a JPEG at all */
    const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    assert_int_equal(image_decode_jpeg(png, sizeof png, 1 << 20, &img, err, sizeof err),
                     IMG_NOT_JPEG);
    assert_int_equal(image_decode_jpeg((const uint8_t *)"hello", 5, 1 << 20, &img, err, sizeof err),
                     IMG_NOT_JPEG);
    assert_int_equal(image_decode_jpeg(jpg, 0, 1 << 20, &img, err, sizeof err), IMG_NOT_JPEG);
    /* garbage after the start marker */
    uint8_t junk[64] = {0xFF, 0xD8, 0xFF};
    for (int i = 3; i < 64; i++) junk[i] = (uint8_t)(i * 37);
    assert_int_equal(image_decode_jpeg(junk, sizeof junk, 1 << 20, &img, err, sizeof err),
                     IMG_CORRUPT);
    /* a small cap refuses the image from its header */
    assert_int_equal(image_decode_jpeg(jpg, len, 1000, &img, err, sizeof err), IMG_TOO_LARGE);
    free(jpg);
}

static void test_decompression_bomb_header(void **state) {
    (void)state;
    size_t len;
    uint8_t *jpg = make_jpeg(64, 48, &len);
    /* patch the frame header (SOF0: FF C0 len(2) precision(1) height(2) width(2)) */
    size_t i = 2;
    while (i + 9 < len && !(jpg[i] == 0xFF && jpg[i + 1] == 0xC0)) i++;
    assert_true(i + 9 < len);
    jpg[i + 5] = 0xEA, jpg[i + 6] = 0x60; /* height 60000 */
    jpg[i + 7] = 0xEA, jpg[i + 8] = 0x60; /* width 60000 */
    image img;
    char err[256];
    assert_int_equal(image_decode_jpeg(jpg, len, 40000000, &img, err, sizeof err), IMG_TOO_LARGE);
    assert_null(img.pixels);
    assert_non_null(strstr(err, "60000x60000"));
    free(jpg);
}

static void test_exif_orientation(void **state) {
    (void)state;
    size_t len;
    uint8_t *jpg = make_jpeg_oriented(64, 48, 6, &len); /* "rotate 90 clockwise to view" */
    assert_int_equal(image_jpeg_orientation(jpg, len), 6);
    image img;
    char err[256];
    assert_int_equal(image_decode(jpg, len, 1 << 20, &img, err, sizeof err), IMG_OK);
    assert_int_equal(img.width, 48);
    assert_int_equal(img.height, 64);
    /* red grew along the source x axis; upright, it grows downwards */
    assert_true(img.pixels[(size_t)2 * img.stride + 24 * 3] <
                img.pixels[(size_t)60 * img.stride + 24 * 3]);
    image_free(&img);
    free(jpg);
    const uint8_t no_exif[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 'J', 'F', 0xFF, 0xDA};
    assert_int_equal(image_jpeg_orientation(no_exif, sizeof no_exif), 1);
    const uint8_t bad_len[] = {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f'};
    assert_int_equal(image_jpeg_orientation(bad_len, sizeof bad_len), 1);
}

/* A 40x30 colour test picture as a Leptonica PIX. */
static PIX *test_pix(void) {
    PIX *pix = pixCreate(40, 30, 32);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 40; x++) {
            l_uint32 v;
            composeRGBPixel(x * 6, y * 8, 200, &v);
            pixSetPixel(pix, x, y, v);
        }
    return pix;
}

static void test_other_formats(void **state) {
    (void)state;
    setMsgSeverity(L_SEVERITY_NONE);
    const struct {
        int format;
        const char *name;
    } formats[] = {{IFF_BMP, "BMP"},
                   {IFF_GIF, "GIF"},
                   {IFF_TIFF, "TIFF"},
                   {IFF_WEBP, "WebP"},
                   {IFF_PNG, "PNG"}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        PIX *pix = test_pix();
        l_uint8 *data = NULL;
        size_t len = 0;
        if (pixWriteMem(&data, &len, pix, formats[i].format) != 0 || !data) {
            printf("  %s: this Leptonica cannot write it, skipped\n", formats[i].name);
            pixDestroy(&pix);
            continue;
        }
        pixDestroy(&pix);
        image img;
        char err[256];
        assert_int_equal(image_decode(data, len, 1 << 20, &img, err, sizeof err), IMG_OK);
        assert_int_equal(img.width, 40);
        assert_int_equal(img.height, 30);
        const uint8_t *p = img.pixels + (size_t)10 * img.stride + 20 * 3;
        int lossy = formats[i].format == IFF_WEBP || formats[i].format == IFF_GIF;
        assert_true(abs(p[0] - 120) <= (lossy ? 24 : 1) && abs(p[2] - 200) <= (lossy ? 24 : 1));
        image_free(&img);
        /* truncated: an error, never a crash */
        for (size_t cut = 1; cut < len; cut += len / 7 + 1) {
            image_status st = image_decode(data, cut, 1 << 20, &img, err, sizeof err);
            if (st == IMG_OK) image_free(&img);
        }
        printf("  %s: %zu bytes decoded, truncations refused or decoded cleanly\n", formats[i].name,
               len);
        lept_free(data);
    }
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void test_bomb_headers(void **state) {
    (void)state;
    image img;
    char err[256];
    /* PNG whose IHDR claims 60000 x 60000 (valid CRC), with no image data behind it */
    uint8_t png[33] = {0x89, 'P', 'N', 'G',  '\r', '\n', 0x1a, '\n', 0,    0, 0, 13, 'I', 'H', 'D',
                       'R',  0,   0,   0xEA, 0x60, 0,    0,    0xEA, 0x60, 8, 2, 0,  0,   0};
    uint32_t crc = crc32_of(png + 12, 17);
    png[29] = (uint8_t)(crc >> 24), png[30] = (uint8_t)(crc >> 16), png[31] = (uint8_t)(crc >> 8),
    png[32] = (uint8_t)crc;
    assert_int_equal(image_decode(png, sizeof png, 40000000, &img, err, sizeof err), IMG_TOO_LARGE);
    assert_null(img.pixels);
    /* BMP claiming 60000 x 60000 x 24 bit */
    uint8_t bmp[54] = {'B', 'M'};
    bmp[10] = 54, bmp[14] = 40;
    bmp[18] = 0x60, bmp[19] = 0xEA, bmp[22] = 0x60, bmp[23] = 0xEA, bmp[26] = 1, bmp[28] = 24;
    image_status st = image_decode(bmp, sizeof bmp, 40000000, &img, err, sizeof err);
    assert_true(st == IMG_TOO_LARGE || st == IMG_CORRUPT);
    assert_null(img.pixels);
    /* unknown formats */
    assert_int_equal(
        image_decode((const uint8_t *)"%PDF-1.4 hello world", 20, 1 << 20, &img, err, sizeof err),
        IMG_NOT_JPEG);
}

static struct heif_error write_cb(struct heif_context *ctx, const void *data, size_t size,
                                  void *userdata) {
    (void)ctx;
    uint8_t **buf = userdata;
    size_t *len = (size_t *)(buf + 1);
    *buf = malloc(size);
    memcpy(*buf, data, size);
    *len = size;
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    return ok;
}

static void test_heic(void **state) {
    (void)state;
    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc = NULL;
    if (heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &enc).code !=
        heif_error_Ok) {
        printf("  no HEVC encoder in this libheif, HEIC round trip skipped\n");
        heif_context_free(ctx);
        skip();
    }
    struct heif_image *him = NULL;
    heif_image_create(64, 48, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &him);
    heif_image_add_plane(him, heif_channel_interleaved, 64, 48, 8);
    int stride = 0;
    uint8_t *plane = heif_image_get_plane(him, heif_channel_interleaved, &stride);
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++) {
            plane[y * stride + x * 3] = (uint8_t)(x * 4);
            plane[y * stride + x * 3 + 1] = (uint8_t)(y * 5);
            plane[y * stride + x * 3 + 2] = 128;
        }
    heif_encoder_set_lossy_quality(enc, 90);
    struct heif_error he = heif_context_encode_image(ctx, him, enc, NULL, NULL);
    if (he.code != heif_error_Ok) {
        printf("  HEVC encoding unavailable here (%s), HEIC round trip skipped\n", he.message);
        heif_encoder_release(enc);
        heif_image_release(him);
        heif_context_free(ctx);
        skip();
    }
    struct {
        uint8_t *buf;
        size_t len;
    } out = {NULL, 0};
    struct heif_writer writer = {1, write_cb};
    assert_int_equal(heif_context_write(ctx, &writer, &out).code, heif_error_Ok);
    heif_encoder_release(enc);
    heif_image_release(him);
    heif_context_free(ctx);
    image img;
    char err[256];
    assert_int_equal(image_decode(out.buf, out.len, 1 << 20, &img, err, sizeof err), IMG_OK);
    assert_int_equal(img.width, 64);
    assert_int_equal(img.height, 48);
    image_free(&img);
    assert_int_not_equal(image_decode(out.buf, out.len / 2, 1 << 20, &img, err, sizeof err),
                         IMG_OK);
    assert_int_equal(image_decode(out.buf, out.len, 1000, &img, err, sizeof err), IMG_TOO_LARGE);
    free(out.buf);
}

/* Paints the rectangle [x0, x1) x [y0, y1) of a grey image with value v. */
static void paint(image *g, int x0, int y0, int x1, int y1, uint8_t v) {
    for (int y = y0; y < y1; y++)
        memset(g->pixels + (size_t)y * g->stride + x0, v, (size_t)(x1 - x0));
}

/* Two "0"s 12 x 24 px with 2-px strokes, 5 px apart; the first broken across its middle by a
 * 2-px gap, as a blurred print binarises. The closing joins the halves, not the characters. */
static void test_dark_components_rejoin_strokes(void **state) {
    (void)state;
    image g = {120, 80, 1, 120, malloc(120 * 80)};
    assert_non_null(g.pixels);
    memset(g.pixels, 230, 120 * 80);
    for (int k = 0; k < 2; k++) {
        int x = 40 + k * 17;
        paint(&g, x, 28, x + 12, 52, 40);
        paint(&g, x + 2, 30, x + 10, 50, 230);
    }
    paint(&g, 40, 39, 52, 41, 230); /* the break */
    image_box *boxes = NULL;
    int count = 0;
    assert_int_equal(
        image_dark_components(&g, &(component_search){1.0f, 200, 12.0f, false}, &boxes, &count),
        IMG_OK);
    assert_int_equal(count, 2);
    for (int i = 0; i < count; i++) assert_int_equal(boxes[i].h, 24);
    free(boxes);
    image_free(&g);
}

/* A frame drawn a pixel from a character: closed, the two are one component larger than any
 * character, which comes back as its unclosed parts (the frame, the character's pieces); a
 * character the frame does not touch stays one closed component, listed once. */
static void test_dark_components_frame_apart(void **state) {
    (void)state;
    image g = {300, 120, 1, 300, malloc(300 * 120)};
    assert_non_null(g.pixels);
    memset(g.pixels, 230, 300 * 120);
    paint(&g, 20, 10, 280, 110, 40); /* the frame, 2 px wide */
    paint(&g, 22, 12, 278, 108, 230);
    for (int k = 0; k < 2; k++) {
        int x = 60 + k * 17, y = k ? 40 : 13; /* the first 1 px below the frame's inner edge */
        paint(&g, x, y, x + 12, y + 24, 40);
        paint(&g, x + 2, y + 2, x + 10, y + 22, 230);
    }
    paint(&g, 60, 24, 72, 26, 230); /* the first character broken across its middle */
    image_box *boxes = NULL;
    int count = 0;
    assert_int_equal(
        image_dark_components(&g, &(component_search){1.0f, 200, 12.0f, false}, &boxes, &count),
        IMG_OK);
    int wide = 0, whole = 0;
    for (int i = 0; i < count; i++) {
        wide += boxes[i].w > 200;
        whole += boxes[i].h == 24;
    }
    assert_int_equal(count, 4); /* frame, two halves, the other character */
    assert_int_equal(wide, 1);
    assert_int_equal(whole, 1);
    free(boxes);
    image_free(&g);
}

static void test_stretch_flat_levels(void **state) {
    (void)state;
    image g = {100, 10, 1, 100, malloc(1000)};
    assert_non_null(g.pixels);
    for (int i = 0; i < 1000; i++) g.pixels[i] = (uint8_t)(100 + (i % 100) / 4); /* 100..124 */
    assert_true(image_stretch_flat_levels(&g, 0.0f, 128));
    assert_int_equal(g.pixels[0], 0);
    assert_int_equal(g.pixels[99], 255);
    /* a full-range image is left alone */
    for (int i = 0; i < 1000; i++) g.pixels[i] = (uint8_t)((i % 100) * 255 / 99);
    assert_false(image_stretch_flat_levels(&g, 0.005f, 128));
    assert_int_equal(g.pixels[50], 50 * 255 / 99);
    image_free(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dark_components_rejoin_strokes),
        cmocka_unit_test(test_dark_components_frame_apart),
        cmocka_unit_test(test_stretch_flat_levels),
        cmocka_unit_test(test_exif_orientation),
        cmocka_unit_test(test_other_formats),
        cmocka_unit_test(test_bomb_headers),
        cmocka_unit_test(test_heic),
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_reduced_scale_jpeg),
        cmocka_unit_test(test_decode_refuses_bad_input),
        cmocka_unit_test(test_decompression_bomb_header),
    };
    return cmocka_run_group_tests_name("vision", tests, NULL, NULL);
}
