/* The other formats ekycd accepts: HEIC (iPhone photos) through libheif, BMP/GIF/TIFF/WebP
 * through Leptonica; and EXIF orientation for JPEG. Every decoder reads the dimensions from the
 * header and refuses an image over the pixel cap before decoding it. */
#include <leptonica/allheaders.h>
#include <libheif/heif.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vision/image.h"

static image_status too_large(int w, int h, size_t max_pixels, char *err, size_t errlen) {
    if (w <= 0 || h <= 0 || w > 65535 || h > 65535 || (size_t)w * (size_t)h > max_pixels) {
        snprintf(err, errlen, "image of %dx%d pixels exceeds the limit of %zu", w, h, max_pixels);
        return IMG_TOO_LARGE;
    }
    return IMG_OK;
}

static int is_heif(const uint8_t *d, size_t len) {
    static const char *brands[] = {"heic", "heix", "hevc", "hevx", "mif1", "msf1", "heim", "heis"};
    if (len < 12 || memcmp(d + 4, "ftyp", 4) != 0) return 0;
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (!memcmp(d + 8, brands[i], 4)) return 1;
    return 0;
}

image_status image_decode_heic(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                               char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (!is_heif(data, len)) {
        snprintf(err, errlen, "not a HEIF stream");
        return IMG_NOT_JPEG;
    }
    struct heif_context *ctx = heif_context_alloc();
    struct heif_image_handle *handle = NULL;
    struct heif_image *img = NULL;
    image_status st = IMG_CORRUPT;
    if (!ctx) return IMG_NOMEM;
    struct heif_error he = heif_context_read_from_memory_without_copy(ctx, data, len, NULL);
    if (he.code == heif_error_Ok) he = heif_context_get_primary_image_handle(ctx, &handle);
    if (he.code != heif_error_Ok) {
        snprintf(err, errlen, "corrupt HEIC: %s", he.message);
        goto done;
    }
    st = too_large(heif_image_handle_get_width(handle), heif_image_handle_get_height(handle),
                   max_pixels, err, errlen);
    if (st != IMG_OK) goto done;
    /* decoding applies the file's own rotation and mirroring */
    he = heif_decode_image(handle, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, NULL);
    if (he.code != heif_error_Ok) {
        snprintf(err, errlen, "corrupt HEIC: %s", he.message);
        st = IMG_CORRUPT;
        goto done;
    }
    int w = heif_image_get_width(img, heif_channel_interleaved);
    int h = heif_image_get_height(img, heif_channel_interleaved);
    int src_stride = 0;
    const uint8_t *plane =
        heif_image_get_plane_readonly(img, heif_channel_interleaved, &src_stride);
    st = too_large(w, h, max_pixels, err, errlen);
    if (st != IMG_OK || !plane) {
        if (st == IMG_OK) st = IMG_CORRUPT;
        goto done;
    }
    out->pixels = malloc((size_t)w * 3 * (size_t)h);
    if (!out->pixels) {
        st = IMG_NOMEM;
        goto done;
    }
    for (int y = 0; y < h; y++)
        memcpy(out->pixels + (size_t)y * w * 3, plane + (size_t)y * src_stride, (size_t)w * 3);
    out->width = w, out->height = h, out->channels = 3, out->stride = (size_t)w * 3;
    st = IMG_OK;
done:
    if (img) heif_image_release(img);
    if (handle) heif_image_handle_release(handle);
    heif_context_free(ctx);
    return st;
}

static pthread_once_t lept_quiet_once = PTHREAD_ONCE_INIT;
static void lept_quiet(void) {
    setMsgSeverity(L_SEVERITY_NONE); /* errors come back as return values, not stderr */
}

image_status image_decode_other(const uint8_t *data, size_t len, size_t max_pixels, image *out,
                                char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    pthread_once(&lept_quiet_once, lept_quiet);
    l_int32 format = IFF_UNKNOWN, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (len < 12 || findFileFormatBuffer(data, &format) != 0 ||
        !(format == IFF_BMP || format == IFF_GIF || format == IFF_WEBP ||
          L_FORMAT_IS_TIFF(format))) {
        snprintf(err, errlen, "unknown image format (JPEG, PNG, HEIC, WebP, BMP, GIF, TIFF)");
        return IMG_NOT_JPEG;
    }
    if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap) != 0) {
        snprintf(err, errlen, "corrupt image header");
        return IMG_CORRUPT;
    }
    image_status st = too_large(w, h, max_pixels, err, errlen);
    if (st != IMG_OK) return st;
    PIX *pix = pixReadMem(data, len);
    PIX *rgb = pix ? pixConvertTo32(pix) : NULL;
    pixDestroy(&pix);
    if (!rgb || (int)pixGetWidth(rgb) != w || (int)pixGetHeight(rgb) != h) {
        pixDestroy(&rgb);
        snprintf(err, errlen, "corrupt or truncated image");
        return IMG_CORRUPT;
    }
    out->pixels = malloc((size_t)w * 3 * (size_t)h);
    if (!out->pixels) {
        pixDestroy(&rgb);
        return IMG_NOMEM;
    }
    const l_uint32 *words = pixGetData(rgb);
    l_int32 wpl = pixGetWpl(rgb);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            l_int32 r, g, b;
            extractRGBValues(words[(size_t)y * wpl + x], &r, &g, &b);
            uint8_t *p = out->pixels + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)r, p[1] = (uint8_t)g, p[2] = (uint8_t)b;
        }
    pixDestroy(&rgb);
    out->width = w, out->height = h, out->channels = 3, out->stride = (size_t)w * 3;
    return IMG_OK;
}

/* ---- EXIF orientation (JPEG APP1) ---- */

static unsigned rd16(const uint8_t *p, int le) {
    return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Orientation from a TIFF block (after "Exif\0\0"); 1 when absent or malformed. */
static int tiff_orientation(const uint8_t *t, size_t n) {
    if (n < 8) return 1;
    int le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
    uint32_t ifd = rd32(t + 4, le);
    if (ifd > n - 2) return 1;
    unsigned count = rd16(t + ifd, le);
    for (unsigned i = 0; i < count && i < 512; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        if (e + 12 > n) break;
        if (rd16(t + e, le) == 0x0112 && rd16(t + e + 2, le) == 3) {
            unsigned v = rd16(t + e + 8, le);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
    return 1;
}

int image_jpeg_orientation(const uint8_t *d, size_t len) {
    size_t p = 2;
    while (p + 4 <= len && d[p] == 0xFF) {
        unsigned marker = d[p + 1];
        if (marker == 0xDA || marker == 0xD9) break; /* start of scan / end */
        size_t seg = (size_t)d[p + 2] << 8 | d[p + 3];
        if (seg < 2 || p + 2 + seg > len) break;
        if (marker == 0xE1 && seg >= 8 && !memcmp(d + p + 4, "Exif\0\0", 6))
            return tiff_orientation(d + p + 10, seg - 8);
        p += 2 + seg;
    }
    return 1;
}

void image_orientation_map(int orientation, int w, int h, int x, int y, int *nx, int *ny) {
    switch (orientation) {
    case 2: /* mirrored */
        *nx = w - 1 - x, *ny = y;
        break;
    case 3: /* rotated 180 */
        *nx = w - 1 - x, *ny = h - 1 - y;
        break;
    case 4: /* mirrored vertically */
        *nx = x, *ny = h - 1 - y;
        break;
    case 5: /* transposed */
        *nx = y, *ny = x;
        break;
    case 6: /* rotate 90 clockwise */
        *nx = h - 1 - y, *ny = x;
        break;
    case 7: /* transverse */
        *nx = h - 1 - y, *ny = w - 1 - x;
        break;
    case 8: /* rotate 90 anticlockwise */
        *nx = y, *ny = w - 1 - x;
        break;
    default:
        *nx = x, *ny = y;
        break;
    }
}

image_status image_apply_orientation(image *img, int orientation) {
    if (orientation <= 1 || orientation > 8) return IMG_OK;
    int w = img->width, h = img->height, swap = orientation >= 5;
    int ow = swap ? h : w, oh = swap ? w : h, ch = img->channels;
    uint8_t *dst = malloc((size_t)ow * (size_t)oh * (size_t)ch);
    if (!dst) return IMG_NOMEM;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int nx, ny; /* where source (x, y) lands so the picture appears upright */
            image_orientation_map(orientation, w, h, x, y, &nx, &ny);
            memcpy(dst + ((size_t)ny * ow + nx) * (size_t)ch,
                   img->pixels + (size_t)y * img->stride + (size_t)x * (size_t)ch, (size_t)ch);
        }
    free(img->pixels);
    img->pixels = dst;
    img->width = ow, img->height = oh, img->stride = (size_t)ow * (size_t)ch;
    return IMG_OK;
}
