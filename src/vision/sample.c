/* Resampling images into normalised float tensors for the networks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision/image.h"

static float luma(const uint8_t *p, int channels) {
    return channels >= 3 ? 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2] : p[0];
}

/* Bilinear sample of channel c (or luma when c < 0) at source coordinates (fx, fy) in pixel
 * centres; outside the image counts as 0. */
static float bilinear(const image *img, float fx, float fy, int c) {
    float x = fx - 0.5f, y = fy - 0.5f;
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float ax = x - (float)x0, ay = y - (float)y0, acc = 0.0f;
    for (int dy = 0; dy < 2; dy++) {
        int yy = y0 + dy;
        if (yy < 0 || yy >= img->height) continue;
        float wy = dy ? ay : 1.0f - ay;
        for (int dx = 0; dx < 2; dx++) {
            int xx = x0 + dx;
            if (xx < 0 || xx >= img->width) continue;
            float wx = dx ? ax : 1.0f - ax;
            const uint8_t *p = img->pixels + (size_t)yy * img->stride + (size_t)xx * img->channels;
            acc += wx * wy * (c < 0 ? luma(p, img->channels) : p[c < img->channels ? c : 0]);
        }
    }
    return acc;
}

/* Mean of channel c (or luma) over the source box [x0, x1) x [y0, y1), clipped to the image;
 * parts outside count as 0. Integer pixel coverage is enough at the scales used here. */
static float area_mean(const image *img, float x0, float y0, float x1, float y1, int c) {
    int ix0 = (int)floorf(x0), iy0 = (int)floorf(y0);
    int ix1 = (int)ceilf(x1), iy1 = (int)ceilf(y1);
    if (ix1 <= ix0) ix1 = ix0 + 1;
    if (iy1 <= iy0) iy1 = iy0 + 1;
    float acc = 0.0f;
    int n = 0;
    for (int y = iy0; y < iy1; y++) {
        for (int x = ix0; x < ix1; x++, n++) {
            if (y < 0 || y >= img->height || x < 0 || x >= img->width) continue;
            const uint8_t *p = img->pixels + (size_t)y * img->stride + (size_t)x * img->channels;
            acc += c < 0 ? luma(p, img->channels) : p[c < img->channels ? c : 0];
        }
    }
    return n ? acc / (float)n : 0.0f;
}

static float sample_box(const image *img, float x, float y, float w, float h, int out_w, int out_h,
                        int u, int v, int c) {
    float sx = w / (float)out_w, sy = h / (float)out_h;
    float cx = x + ((float)u + 0.5f) * sx, cy = y + ((float)v + 0.5f) * sy;
    if (sx > 1.5f || sy > 1.5f) /* shrinking: average the footprint */
        return area_mean(img, cx - sx / 2, cy - sy / 2, cx + sx / 2, cy + sy / 2, c);
    return bilinear(img, cx, cy, c);
}

void image_crop_rgb_to_tensor(const image *img, float x, float y, float w, float h, int out_w,
                              int out_h, float mean, float scale, float *out) {
    size_t plane = (size_t)out_w * (size_t)out_h;
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++)
            for (int c = 0; c < 3; c++)
                out[c * plane + (size_t)v * out_w + u] =
                    (sample_box(img, x, y, w, h, out_w, out_h, u, v, c) - mean) * scale;
}

void image_resize_to_tensor(const image *img, int out_w, int out_h, float mean, float scale,
                            float *out) {
    image_crop_rgb_to_tensor(img, 0, 0, (float)img->width, (float)img->height, out_w, out_h, mean,
                             scale, out);
}

void image_crop_grey_to_tensor(const image *img, float x, float y, float w, float h, int out_w,
                               int out_h, float mean, float scale, float *out) {
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++)
            out[(size_t)v * out_w + u] =
                (sample_box(img, x, y, w, h, out_w, out_h, u, v, -1) - mean) * scale;
}

void image_warp_to_tensor(const image *img, const float m[6], int out_w, int out_h, float mean,
                          float scale, float *out) {
    size_t plane = (size_t)out_w * (size_t)out_h;
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) {
            float fu = (float)u + 0.5f, fv = (float)v + 0.5f;
            float sx = m[0] * fu + m[1] * fv + m[2], sy = m[3] * fu + m[4] * fv + m[5];
            for (int c = 0; c < 3; c++)
                out[c * plane + (size_t)v * out_w + u] = (bilinear(img, sx, sy, c) - mean) * scale;
        }
}

image_status image_to_grey(const image *img, image *out) {
    memset(out, 0, sizeof *out);
    out->pixels = malloc((size_t)img->width * (size_t)img->height);
    if (!out->pixels) return IMG_NOMEM;
    out->width = img->width;
    out->height = img->height;
    out->channels = 1;
    out->stride = (size_t)img->width;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = img->pixels + (size_t)y * img->stride;
        uint8_t *dst = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < img->width; x++)
            dst[x] = (uint8_t)(luma(row + (size_t)x * (size_t)img->channels, img->channels) + 0.5f);
    }
    return IMG_OK;
}

bool image_stretch_flat_levels(image *grey, float share, int flat_below) {
    if (grey->channels != 1 || grey->width <= 0 || grey->height <= 0) return false;
    size_t histogram[256] = {0}, n = (size_t)grey->width * (size_t)grey->height;
    for (int y = 0; y < grey->height; y++) {
        const uint8_t *row = grey->pixels + (size_t)y * grey->stride;
        for (int x = 0; x < grey->width; x++) histogram[row[x]]++;
    }
    size_t tail = (size_t)((double)share * (double)n), below = 0;
    int low = 0, high = 255;
    while (low < 255 && below + histogram[low] <= tail) below += histogram[low++];
    size_t above = 0;
    while (high > 0 && above + histogram[high] <= tail) above += histogram[high--];
    if (high - low < 2 || high - low >= flat_below) return false;
    uint8_t map[256];
    for (int v = 0; v < 256; v++) {
        int m = (v - low) * 255 / (high - low);
        map[v] = (uint8_t)(m < 0 ? 0 : m > 255 ? 255 : m);
    }
    for (int y = 0; y < grey->height; y++) {
        uint8_t *row = grey->pixels + (size_t)y * grey->stride;
        for (int x = 0; x < grey->width; x++) row[x] = map[row[x]];
    }
    return true;
}

/* Bilinear grey sample with the border pixels repeated outside the image (a strip that runs off
 * a photo's edge continues its background instead of turning black). */
static float bilinear_clamped(const image *g, float fx, float fy) {
    float x = fx - 0.5f, y = fy - 0.5f;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x > (float)(g->width - 1)) x = (float)(g->width - 1);
    if (y > (float)(g->height - 1)) y = (float)(g->height - 1);
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < g->width ? x0 + 1 : x0, y1 = y0 + 1 < g->height ? y0 + 1 : y0;
    float ax = x - (float)x0, ay = y - (float)y0;
    const uint8_t *r0 = g->pixels + (size_t)y0 * g->stride,
                  *r1 = g->pixels + (size_t)y1 * g->stride;
    float top = r0[x0] + ax * (float)(r0[x1] - r0[x0]);
    float bottom = r1[x0] + ax * (float)(r1[x1] - r1[x0]);
    return top + ay * (bottom - top);
}

image_status image_warp_grey(const image *grey, const float m[6], int out_w, int out_h,
                             image *out) {
    memset(out, 0, sizeof *out);
    if (grey->channels != 1 || grey->width <= 0 || grey->height <= 0 || out_w <= 0 || out_h <= 0 ||
        out_w > 16384 || out_h > 16384)
        return IMG_CORRUPT;
    out->pixels = malloc((size_t)out_w * (size_t)out_h);
    if (!out->pixels) return IMG_NOMEM;
    out->width = out_w, out->height = out_h, out->channels = 1, out->stride = (size_t)out_w;
    /* shrinking by more than 1.5: average a 3x3 grid over the footprint instead of aliasing */
    float step_u = hypotf(m[0], m[3]), step_v = hypotf(m[1], m[4]);
    int taps = step_u > 1.5f || step_v > 1.5f ? 3 : 1;
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) {
            float acc = 0.0f;
            for (int j = 0; j < taps; j++)
                for (int i = 0; i < taps; i++) {
                    float fu = (float)u + ((float)i + 0.5f) / (float)taps;
                    float fv = (float)v + ((float)j + 0.5f) / (float)taps;
                    acc += bilinear_clamped(grey, m[0] * fu + m[1] * fv + m[2],
                                            m[3] * fu + m[4] * fv + m[5]);
                }
            out->pixels[(size_t)v * out_w + u] = (uint8_t)(acc / (float)(taps * taps) + 0.5f);
        }
    return IMG_OK;
}

/* Per-channel mean of the pixels on img's outer edge (its first and last rows and columns). */
static void border_mean(const image *img, uint8_t mean[4]) {
    double sum[4] = {0};
    size_t n = 0;
    int c = img->channels, w = img->width, h = img->height;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = img->pixels + (size_t)y * img->stride;
        int step = (y == 0 || y == h - 1) ? 1 : (w > 1 ? w - 1 : 1);
        for (int x = 0; x < w; x += step, n++)
            for (int k = 0; k < c; k++) sum[k] += row[(size_t)x * (size_t)c + (size_t)k];
    }
    for (int k = 0; k < c; k++) mean[k] = (uint8_t)(sum[k] / (double)(n ? n : 1) + 0.5);
}

image_status image_frame(const image *img, int out_w, int out_h, int x, int y, float scale,
                         image *out) {
    memset(out, 0, sizeof *out);
    int c = img->channels;
    int sw = (int)((float)img->width * scale + 0.5f), sh = (int)((float)img->height * scale + 0.5f);
    if (c < 1 || c > 4 || !(scale > 0 && scale <= 1) || sw < 1 || sh < 1 || x < 0 || y < 0 ||
        x + sw > out_w || y + sh > out_h)
        return IMG_CORRUPT;
    size_t row = (size_t)out_w * (size_t)c;
    out->pixels = malloc(row * (size_t)out_h);
    if (!out->pixels) return IMG_NOMEM;
    out->width = out_w, out->height = out_h, out->channels = c, out->stride = row;
    uint8_t fill[4];
    border_mean(img, fill);
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) memcpy(out->pixels + v * row + (size_t)u * c, fill, c);
    /* each placed pixel averages its source footprint [u0, u1) x [v0, v1) */
    for (int v = 0; v < sh; v++) {
        int v0 = (int)((float)v / scale), v1 = (int)((float)(v + 1) / scale);
        if (v0 >= img->height) v0 = img->height - 1;
        if (v1 <= v0) v1 = v0 + 1;
        if (v1 > img->height) v1 = img->height;
        uint8_t *dst = out->pixels + (size_t)(y + v) * row + (size_t)x * c;
        for (int u = 0; u < sw; u++) {
            int u0 = (int)((float)u / scale), u1 = (int)((float)(u + 1) / scale);
            if (u0 >= img->width) u0 = img->width - 1;
            if (u1 <= u0) u1 = u0 + 1;
            if (u1 > img->width) u1 = img->width;
            unsigned sum[4] = {0};
            for (int sy = v0; sy < v1; sy++) {
                const uint8_t *src = img->pixels + (size_t)sy * img->stride;
                for (int sx = u0; sx < u1; sx++)
                    for (int k = 0; k < c; k++) sum[k] += src[(size_t)sx * c + k];
            }
            unsigned n = (unsigned)((v1 - v0) * (u1 - u0));
            for (int k = 0; k < c; k++) dst[(size_t)u * c + k] = (uint8_t)((sum[k] + n / 2) / n);
        }
    }
    return IMG_OK;
}

image_status image_crop(const image *img, int x, int y, int w, int h, image *out) {
    memset(out, 0, sizeof *out);
    int x1 = x + w, y1 = y + h;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x1 > img->width) x1 = img->width;
    if (y1 > img->height) y1 = img->height;
    if (x1 <= x || y1 <= y) return IMG_CORRUPT;
    size_t row = (size_t)(x1 - x) * (size_t)img->channels;
    out->pixels = malloc(row * (size_t)(y1 - y));
    if (!out->pixels) return IMG_NOMEM;
    out->width = x1 - x, out->height = y1 - y, out->channels = img->channels, out->stride = row;
    for (int r = 0; r < out->height; r++)
        memcpy(out->pixels + (size_t)r * row,
               img->pixels + (size_t)(y + r) * img->stride + (size_t)x * (size_t)img->channels,
               row);
    return IMG_OK;
}
