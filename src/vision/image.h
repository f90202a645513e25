/* Images in memory, and decoding them from untrusted bytes.
 *
 * An image is 8-bit, interleaved, `channels` per pixel (1 grey, 3 RGB), rows `stride` bytes apart.
 * Decoders never trust the input: the header's dimensions are checked against a pixel cap before
 * any pixel memory is allocated (decompression bombs), and a truncated or corrupt stream is an
 * error, never a crash or an exit. */
#ifndef EKYCD_VISION_IMAGE_H
#define EKYCD_VISION_IMAGE_H

#include <stdbool.h>
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

/* The same, decoding at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling: cheaper than decoding and
 * shrinking) when the long side stays >= min_long_side; 0 decodes at full size. */
image_status image_decode_jpeg_scaled(const uint8_t *data, size_t len, size_t max_pixels,
                                      int min_long_side, image *out, char *err, size_t errlen);

/* Decodes a PNG (any bit depth / palette / grey / alpha) to RGB, the same way. */
image_status image_decode_png(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                              char *err, size_t errlen);

/* HEIC/HEIF (libheif; the file's own rotation is applied). */
image_status image_decode_heic(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                               char *err, size_t errlen);

/* BMP, GIF (first frame), TIFF, WebP (Leptonica). */
image_status image_decode_other(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                                char *err, size_t errlen);

/* EXIF orientation (1-8) of a JPEG stream, 1 when it has none. */
int image_jpeg_orientation(const uint8_t *data, size_t len);

/* Rotates/mirrors an image so that an EXIF orientation becomes upright (1). */
image_status image_apply_orientation(image *img, int orientation);

/* Where pixel (x, y) of a w x h image lands when image_apply_orientation turns it upright. */
void image_orientation_map(int orientation, int w, int h, int x, int y, int *nx, int *ny);

/* Picks the decoder from the leading bytes (JPEG with EXIF orientation applied, PNG, HEIC,
 * WebP, BMP, GIF, TIFF); IMG_NOT_JPEG means "unknown format". */
image_status image_decode(const uint8_t *data, size_t len, size_t max_pixels, image *out, char *err,
                          size_t errlen);

/* image_decode, letting JPEGs decode at reduced scale down to min_long_side (see above). */
image_status image_decode_min_side(const uint8_t *data, size_t len, size_t max_pixels,
                                   int min_long_side, image *out, char *err, size_t errlen);

void image_free(image *img);

/* Encodes an RGB or grey image as JPEG at `quality` (1-100); *out is malloc'd. */
image_status image_encode_jpeg(const image *img, int quality, uint8_t **out, size_t *len);

/* A copy of the rectangle (x, y, w, h), clipped to the image; IMG_CORRUPT when nothing is left. */
image_status image_crop(const image *img, int x, int y, int w, int h, image *out);

/* A new out_w x out_h image with img, scaled by `scale` (0 < scale <= 1; shrinking averages the
 * footprint), placed with its top-left corner at (x, y), and everything around it filled with
 * the mean colour of img's outermost pixels: a tight crop framed by a surround of its own
 * colour. The placed copy must fit inside; IMG_CORRUPT otherwise. */
image_status image_frame(const image *img, int out_w, int out_h, int x, int y, float scale,
                         image *out);

/* A 1-channel luma copy of img (itself copied when already grey). */
image_status image_to_grey(const image *img, image *out);

/* Stretches a flat grey image's levels in place: the level below which `share` of the pixels
 * lie becomes 0, the one above which `share` lie becomes 255, linearly between (a dim, flat
 * photo gets the contrast of a scan). Left alone when those levels are `flat_below` or more
 * apart (contrast enough already), or less than 2. Returns whether it stretched. */
bool image_stretch_flat_levels(image *grey, float share, int flat_below);

/* ---- sampling images into model input tensors (NCHW float) ----
 * Pixel values v become (v - mean) * scale. Areas outside the image read as value 0 before
 * normalisation (black). Downscaling averages the source footprint (area filter, no aliasing);
 * upscaling is bilinear. */

/* Whole image resized to out_w x out_h, 3 channels RGB. */
void image_resize_to_tensor(const image *img, int out_w, int out_h, float mean, float scale,
                            float *out);

/* Rectangle (x, y, w, h) in source pixels resized to out_w x out_h, 3 channels RGB. */
void image_crop_rgb_to_tensor(const image *img, float x, float y, float w, float h, int out_w,
                              int out_h, float mean, float scale, float *out);

/* Rectangle (x, y, w, h) in source pixels resized to out_w x out_h, 1 channel (luma). */
void image_crop_grey_to_tensor(const image *img, float x, float y, float w, float h, int out_w,
                               int out_h, float mean, float scale, float *out);

/* Affine warp: output pixel (u, v) samples the source at (a*u + b*v + c, d*u + e*v + f), with
 * m = {a, b, c, d, e, f} (output-to-source). RGB, bilinear. */
void image_warp_to_tensor(const image *img, const float m[6], int out_w, int out_h, float mean,
                          float scale, float *out);

/* The same warp of a grey image into a new out_w x out_h grey image; outside the source the
 * border pixels repeat. Shrinking warps average over the footprint. */
image_status image_warp_grey(const image *grey, const float m[6], int out_w, int out_h, image *out);

/* ---- text structure (components.c, Leptonica) ---- */

typedef struct {
    int x, y, w, h;
} image_box;

/* How image_dark_components looks for components. */
typedef struct {
    float scale;          /* the grey image is first scaled by this (boxes in the scaled frame) */
    int max_side;         /* a closed component with a longer side cannot be a character, */
    float max_elongation; /* nor one whose long side is this many times its short one */
    bool local_contrast;  /* first stretch the contrast tile by tile (glare, shadow) */
} component_search;

/* Bounding boxes of the dark connected components (8-connected) of a grey image scaled,
 * binarised (Sauvola) and closed by a few pixels so that strokes broken apart rejoin. A closed
 * component that cannot be a character (strokes joined to a frame, a run of fillers) comes back
 * as the unclosed components inside it. *boxes is malloc'd; *count may be 0. */
image_status image_dark_components(const image *grey, const component_search *how,
                                   image_box **boxes, int *count);

#endif
