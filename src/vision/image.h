/* Images in memory, and decoding them from untrusted bytes.
 *
 * An image is 8-bit, interleaved, `channels` per pixel (1 grey, 3 RGB), rows `stride` bytes apart.
 * Decoders never trust the input: the header's dimensions are checked against a pixel cap before
 * any pixel memory is allocated (decompression bombs), and a truncated or corrupt stream is an
 * error, never a crash or an exit. */
#ifndef EKYCD_VISION_IMAGE_H
#define EKYCD_VISION_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int width, height, channels;
    size_t stride;
    uint8_t *pixels; /* malloc'd */
} image;

typedef enum {
    IMG_OK = 0,
    IMG_NOT_JPEG,  /* not this format (caller may try another) */
    IMG_TOO_LARGE, /* width * height over the cap, or a dimension over 65535 */
    IMG_CORRUPT,   /* truncated or malformed stream */
    IMG_NOMEM
} image_status;

/* Decodes a JPEG to RGB. max_pixels caps width * height (checked from the header). */
image_status image_decode_jpeg(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                               char *err, size_t errlen);

void image_free(image *img);

#endif
