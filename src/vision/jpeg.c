/* JPEG decoding with libjpeg-turbo: errors are trapped with setjmp instead of libjpeg's default
 * exit(), and corrupt-data warnings (which libjpeg would otherwise patch over with grey) are
 * errors too. */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* needs size_t and FILE first */

#include "vision/image.h"

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} trapping_error_mgr;

static void on_error(j_common_ptr cinfo) {
    trapping_error_mgr *e = (trapping_error_mgr *)cinfo->err;
    e->base.format_message(cinfo, e->message);
    longjmp(e->escape, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
    if (level < 0) on_error(cinfo); /* corrupt-data warning: refuse the image */
}

void image_free(image *img) {
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
}

image_status image_decode_jpeg(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                               char *err, size_t errlen) {
    return image_decode_jpeg_scaled(data, len, max_pixels, 0, out, err, errlen);
}

image_status image_decode_jpeg_scaled(const uint8_t *data, size_t len, size_t max_pixels,
                                      int min_long_side, image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (len < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(err, errlen, "not a JPEG stream");
        return IMG_NOT_JPEG;
    }
    struct jpeg_decompress_struct cinfo;
    trapping_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr.base);
    jerr.base.error_exit = on_error;
    jerr.base.emit_message = on_message;
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    volatile image_status status = IMG_CORRUPT;
    if (setjmp(jerr.escape)) {
        snprintf(err, errlen, "corrupt JPEG: %s", jerr.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width == 0 || cinfo.image_height == 0 || cinfo.image_width > 65535 ||
        cinfo.image_height > 65535 || (size_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(err, errlen, "image of %ux%u pixels exceeds the limit of %zu", cinfo.image_width,
                 cinfo.image_height, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return IMG_TOO_LARGE;
    }
    cinfo.out_color_space = JCS_RGB;
    if (min_long_side > 0) {
        unsigned long long side =
            cinfo.image_width > cinfo.image_height ? cinfo.image_width : cinfo.image_height;
        unsigned denom = 1;
        while (denom < 8 && side / (denom * 2) >= (unsigned long long)min_long_side) denom *= 2;
        cinfo.scale_num = 1;
        cinfo.scale_denom = denom;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(err, errlen, "out of memory");
        return IMG_NOMEM;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = 3;
    out->stride = stride;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return IMG_OK;
}

image_status image_encode_jpeg(const image *img, int quality, uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (!img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return IMG_CORRUPT;
    /* libjpeg grows the output buffer through this pointer; it lives on the heap so that its
     * latest value is still known after an error's longjmp */
    struct {
        unsigned char *buffer;
        unsigned long size;
    } *dest = calloc(1, sizeof *dest);
    if (!dest) return IMG_NOMEM;
    struct jpeg_compress_struct cinfo;
    trapping_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr.base);
    jerr.base.error_exit = on_error;
    if (setjmp(jerr.escape)) {
        jpeg_destroy_compress(&cinfo);
        free(dest->buffer);
        free(dest);
        return IMG_NOMEM;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &dest->buffer, &dest->size);
    cinfo.image_width = (JDIMENSION)img->width;
    cinfo.image_height = (JDIMENSION)img->height;
    cinfo.input_components = img->channels;
    cinfo.in_color_space = img->channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = img->pixels + (size_t)cinfo.next_scanline * img->stride;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = dest->buffer;
    *len = dest->size;
    free(dest);
    return IMG_OK;
}
