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

image_status image_decode(const uint8_t *data, size_t len, size_t max_pixels, image *out, char *err,
                          size_t errlen) {
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return image_decode_jpeg(data, len, max_pixels, out, err, errlen);
    if (len >= 8 && data[0] == 0x89 && data[1] == 'P')
        return image_decode_png(data, len, max_pixels, out, err, errlen);
    memset(out, 0, sizeof *out);
    snprintf(err, errlen, "unknown image format (JPEG and PNG are supported)");
    return IMG_NOT_JPEG;
}
