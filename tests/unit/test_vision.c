/* Image decoding from untrusted bytes: a valid JPEG made here, then truncated, corrupted,
 * mislabelled and "decompression bomb" variants of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "vision/image.h"

/* Encodes a w x h RGB gradient as JPEG (quality 95) into a malloc'd buffer. */
static uint8_t *make_jpeg(int w, int h, size_t *len) {
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_decode_refuses_bad_input),
        cmocka_unit_test(test_decompression_bomb_header),
    };
    return cmocka_run_group_tests_name("vision", tests, NULL, NULL);
}
