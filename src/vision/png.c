/* PNG decoding through libpng's simplified API, with the pixel cap checked from the header, and
 * format dispatch for image_decode. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vision/image.h"

image_status image_decode_png(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                              char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || memcmp(data, sig, 8) != 0) {
        snprintf(err, errlen, "not a PNG stream");
        return IMG_NOT_JPEG;
    }
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, data, len)) {
        snprintf(err, errlen, "corrupt PNG: %s", png.message);
        png_image_free(&png);
        return IMG_CORRUPT;
    }
    if (png.width == 0 || png.height == 0 || png.width > 65535 || png.height > 65535 ||
        (size_t)png.width * png.height > max_pixels) {
        snprintf(err, errlen, "image of %ux%u pixels exceeds the limit of %zu", png.width,
                 png.height, max_pixels);
        png_image_free(&png);
        return IMG_TOO_LARGE;
    }
    png.format = PNG_FORMAT_RGB;
    size_t stride = (size_t)png.width * 3;
    uint8_t *pixels = malloc(stride * png.height);
    if (!pixels) {
        png_image_free(&png);
        snprintf(err, errlen, "out of memory");
        return IMG_NOMEM;
    }
    if (!png_image_finish_read(&png, NULL, pixels, (png_int_32)stride, NULL)) {
        snprintf(err, errlen, "corrupt PNG: %s", png.message);
        free(pixels);
        png_image_free(&png);
        return IMG_CORRUPT;
    }
    out->width = (int)png.width;
    out->height = (int)png.height;
    out->channels = 3;
    out->stride = stride;
    out->pixels = pixels;
    return IMG_OK;
}

/* Width and height from a PNG's IHDR chunk (libpng will not report them for a stream that ends
 * before its image data), so that oversized images are refused from the header alone. */
static int png_header_dims(const uint8_t *d, size_t len, uint32_t *w, uint32_t *h) {
    if (len < 24 || memcmp(d + 12, "IHDR", 4) != 0) return -1;
    *w = (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19];
    *h = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23];
    return 0;
}

image_status image_decode(const uint8_t *data, size_t len, size_t max_pixels, image *out, char *err,
                          size_t errlen) {
    return image_decode_min_side(data, len, max_pixels, 0, out, err, errlen);
}

image_status image_decode_min_side(const uint8_t *data, size_t len, size_t max_pixels,
                                   int min_long_side, image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        image_status st =
            image_decode_jpeg_scaled(data, len, max_pixels, min_long_side, out, err, errlen);
        if (st == IMG_OK) {
            st = image_apply_orientation(out, image_jpeg_orientation(data, len));
            if (st != IMG_OK) image_free(out);
        }
        return st;
    }
    if (len >= 8 && data[0] == 0x89 && data[1] == 'P') {
        uint32_t w, h;
        if (png_header_dims(data, len, &w, &h) == 0 &&
            (w == 0 || h == 0 || w > 65535 || h > 65535 || (size_t)w * h > max_pixels)) {
            snprintf(err, errlen, "image of %ux%u pixels exceeds the limit of %zu", w, h,
                     max_pixels);
            return IMG_TOO_LARGE;
        }
        return image_decode_png(data, len, max_pixels, out, err, errlen);
    }
    if (len >= 12 && !memcmp(data + 4, "ftyp", 4))
        return image_decode_heic(data, len, max_pixels, out, err, errlen);
    return image_decode_other(data, len, max_pixels, out, err, errlen);
}
