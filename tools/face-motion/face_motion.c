/* Synthetic challenge videos from one face photo (face_motion.h). Compiled by inclusion into
 * its users (tools/face-motion/main.c, sequence.c). */
#ifndef EKYCD_FACE_MOTION_C
#define EKYCD_FACE_MOTION_C

#include "face_motion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- a small seeded generator (xorshift64*) ---- */
static uint32_t fm_rnd(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (uint32_t)((*s * 2685821657736338717ULL) >> 32);
}

static float fm_rndf(uint64_t *s) { /* [0, 1) */
    return (float)(fm_rnd(s) >> 8) / 16777216.0f;
}

int fm_action_parse(const char *name, fm_action *out) {
    if (strcmp(name, "turn_left") == 0)
        *out = FM_TURN_LEFT;
    else if (strcmp(name, "turn_right") == 0)
        *out = FM_TURN_RIGHT;
    else if (strcmp(name, "blink") == 0)
        *out = FM_BLINK;
    else
        return -1;
    return 0;
}

static float fm_clampf(float v, float lo, float hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

static float fm_smooth(float edge0, float edge1, float x) { /* smoothstep */
    float t = fm_clampf((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);
    return t * t * (3 - 2 * t);
}

/* Bilinear RGB sample with the border repeated. */
static void fm_sample(const image *img, float x, float y, float rgb[3]) {
    x = fm_clampf(x, 0.0f, (float)img->width - 1.001f);
    y = fm_clampf(y, 0.0f, (float)img->height - 1.001f);
    int x0 = (int)x, y0 = (int)y;
    float ax = x - (float)x0, ay = y - (float)y0;
    const uint8_t *p = img->pixels + (size_t)y0 * img->stride + (size_t)x0 * 3;
    const uint8_t *q = p + img->stride;
    for (int c = 0; c < 3; c++) {
        float top = p[c] + ax * (float)(p[3 + c] - p[c]);
        float bot = q[c] + ax * (float)(q[3 + c] - q[c]);
        rgb[c] = top + ay * (bot - top);
    }
}

static int fm_image_alloc(image *img, int w, int h) {
    img->width = w;
    img->height = h;
    img->channels = 3;
    img->stride = (size_t)w * 3;
    img->pixels = calloc((size_t)h, img->stride);
    return img->pixels ? 0 : -1;
}

static int fm_image_rgb_copy(const image *in, image *out) {
    if (fm_image_alloc(out, in->width, in->height) != 0) return -1;
    for (int y = 0; y < in->height; y++) {
        const uint8_t *s = in->pixels + (size_t)y * in->stride;
        uint8_t *d = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < in->width; x++) {
            if (in->channels >= 3)
                memcpy(d + 3 * x, s + (size_t)in->channels * x, 3);
            else
                d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = s[x];
        }
    }
    return 0;
}

/* ---- the person ---- */

int fm_person_init(face_engine *e, const image *photo, fm_person *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (fm_image_rgb_copy(photo, &out->src) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    face_box faces[FACE_MAX];
    int n = 0;
    if (face_detect(e, &out->src, 0.5f, faces, FACE_MAX, &n) != 0 || n == 0) {
        snprintf(err, errlen, "no face found in the photo");
        fm_person_free(out);
        return -1;
    }
    /* the person: of the faces at least half as large as the largest, the nearest to the
     * photo's centre (LFW photos can hold a larger face at the side) */
    int main_face = 0;
    float best = 1e30f, area0 = (faces[0].x2 - faces[0].x1) * (faces[0].y2 - faces[0].y1);
    for (int i = 0; i < n; i++) {
        float area = (faces[i].x2 - faces[i].x1) * (faces[i].y2 - faces[i].y1);
        float dx = (faces[i].x1 + faces[i].x2 - (float)photo->width) / 2;
        float dy = (faces[i].y1 + faces[i].y2 - (float)photo->height) / 2;
        if (area >= 0.5f * area0 && dx * dx + dy * dy < best)
            best = dx * dx + dy * dy, main_face = i;
    }
    if (face_landmarks(e, &out->src, &faces[main_face]) != 0) {
        snprintf(err, errlen, "no face found in the photo");
        fm_person_free(out);
        return -1;
    }
    const face_box *f = &faces[main_face];
    for (int i = 0; i < n && out->nothers < 4; i++) {
        const face_box *o = &faces[i]; /* only those clear of the main face */
        if (i == main_face) continue;
        if (o->x2 < f->x1 || o->x1 > f->x2 || o->y2 < f->y1 || o->y1 > f->y2) {
            float mw = 0.2f * (o->x2 - o->x1), mh = 0.2f * (o->y2 - o->y1);
            float *b = out->others[out->nothers++];
            b[0] = o->x1 - mw, b[1] = o->y1 - mh, b[2] = o->x2 + mw, b[3] = o->y2 + mh;
        }
    }
    out->fcx = (f->x1 + f->x2) / 2;
    out->fcy = (f->y1 + f->y2) / 2;
    out->fw = f->x2 - f->x1;
    out->fh = f->y2 - f->y1;
    for (int k = 0; k < 2; k++) {
        memcpy(out->eye[k], f->landmarks + 2 * (36 + 6 * k), 12 * sizeof(float));
        /* skin: the mean of a patch below the eye, clear of the lower lid's shadow */
        const float *p = out->eye[k];
        float ew = p[6] - p[0], ex = (p[0] + p[6]) / 2, ey = (p[1] + p[7]) / 2;
        double acc[3] = {0, 0, 0};
        int cnt = 0;
        for (float y = ey + 0.45f * ew; y <= ey + 0.75f * ew; y += 1.0f)
            for (float x = ex - 0.3f * ew; x <= ex + 0.3f * ew; x += 1.0f) {
                float rgb[3];
                fm_sample(&out->src, x, y, rgb);
                for (int c = 0; c < 3; c++) acc[c] += rgb[c];
                cnt++;
            }
        for (int c = 0; c < 3; c++) out->skin[k][c] = cnt ? (float)(acc[c] / cnt) : 128.0f;
    }
    return 0;
}

void fm_person_free(fm_person *p) {
    image_free(&p->src);
    memset(p, 0, sizeof *p);
}

/* The y of a lid contour (points a, b, c, d from corner to corner) at x, piecewise linear. */
static float fm_contour_y(const float *xs, const float *ys, int n, float x) {
    if (x <= xs[0]) return ys[0];
    for (int i = 1; i < n; i++)
        if (x <= xs[i]) {
            float d = xs[i] - xs[i - 1];
            float a = d > 1e-3f ? (x - xs[i - 1]) / d : 1.0f;
            return ys[i - 1] + a * (ys[i] - ys[i - 1]);
        }
    return ys[n - 1];
}

/* Paints the eyelids of both eyes on img (a copy of the person's photo), closure in [0, 1]. */
static void fm_paint_lids(const fm_person *p, image *img, float closure) {
    if (closure <= 0.0f) return;
    for (int k = 0; k < 2; k++) {
        const float *l = p->eye[k]; /* 0 outer/inner corner, 1 2 upper lid, 3 corner, 4 5 lower */
        float cx = 0, cy = 0;
        for (int i = 0; i < 6; i++) cx += l[2 * i] / 6, cy += l[2 * i + 1] / 6;
        float ew = fabsf(l[6] - l[0]);
        /* contours grown around the eye centre: lashes and the eye's white fully covered */
        float ux[4], uy[4], lx[4], ly[4];
        const int up[4] = {0, 1, 2, 3}, lo[4] = {0, 5, 4, 3};
        for (int i = 0; i < 4; i++) {
            ux[i] = cx + (l[2 * up[i]] - cx) * 1.25f;
            uy[i] = cy + (l[2 * up[i] + 1] - cy) * 1.8f - 0.06f * ew;
            lx[i] = cx + (l[2 * lo[i]] - cx) * 1.25f;
            ly[i] = cy + (l[2 * lo[i] + 1] - cy) * 1.6f + 0.04f * ew;
        }
        if (ux[0] > ux[3]) { /* left to right */
            for (int i = 0; i < 2; i++) {
                float t;
                t = ux[i], ux[i] = ux[3 - i], ux[3 - i] = t;
                t = uy[i], uy[i] = uy[3 - i], uy[3 - i] = t;
                t = lx[i], lx[i] = lx[3 - i], lx[3 - i] = t;
                t = ly[i], ly[i] = ly[3 - i], ly[3 - i] = t;
            }
        }
        float lash = fmaxf(1.0f, 0.12f * ew); /* the lash line's half-width */
        int x0 = (int)floorf(ux[0]) - 1, x1 = (int)ceilf(ux[3]) + 1;
        int y0 = (int)floorf(fminf(uy[1], uy[2]) - 2), y1 = (int)ceilf(fmaxf(ly[1], ly[2]) + 3);
        for (int y = y0; y <= y1; y++) {
            if (y < 0 || y >= img->height) continue;
            for (int x = x0; x <= x1; x++) {
                if (x < 0 || x >= img->width) continue;
                float fx = (float)x + 0.5f, fy = (float)y + 0.5f;
                float top = fm_contour_y(ux, uy, 4, fx), bot = fm_contour_y(lx, ly, 4, fx);
                if (bot < top) continue;
                float edge = top + closure * (bot - top); /* the lid's moving edge */
                /* horizontal fade at the corners */
                float hx = fm_smooth(ux[0], ux[0] + 0.15f * ew, fx) *
                           fm_smooth(ux[3], ux[3] - 0.15f * ew, fx);
                float cover = fm_smooth(top - 1.0f, top + 0.5f, fy) *
                              fm_smooth(edge + 1.0f, edge - 0.5f, fy) * hx;
                float dark = 0.0f; /* the lash line along the lid's edge */
                if (closure > 0.5f)
                    dark = fm_smooth(lash, 0.3f * lash, fabsf(fy - edge)) * hx *
                           fm_clampf((closure - 0.5f) * 2, 0, 1);
                if (cover <= 0.0f && dark <= 0.0f) continue;
                uint8_t *px = img->pixels + (size_t)y * img->stride + (size_t)x * 3;
                /* the lid's colour: the skin just above and just below the eye in this column,
                 * blended from top to bottom (the photo's own light), half and half with the
                 * skin sampled below the eye, a little darker towards the lash line */
                float above[3] = {0, 0, 0}, below[3] = {0, 0, 0}, v3[3];
                for (int d = -1; d <= 1; d++) {
                    fm_sample(&p->src, fx + (float)d, top - 0.10f * ew - 1.0f, v3);
                    for (int c = 0; c < 3; c++) above[c] += v3[c] / 3;
                    fm_sample(&p->src, fx + (float)d, bot + 0.10f * ew + 1.0f, v3);
                    for (int c = 0; c < 3; c++) below[c] += v3[c] / 3;
                }
                float a = fm_clampf((fy - top) / fmaxf(bot - top, 1.0f), 0, 1);
                float shade = 1.0f - 0.08f * fm_smooth(top, edge, fy);
                for (int c = 0; c < 3; c++) {
                    float lid = (above[c] * (1 - a) + below[c] * a) * shade;
                    lid = 0.5f * lid + 0.5f * p->skin[k][c]; /* and the skin below the eye */
                    float v = (float)px[c] * (1 - cover) + lid * cover;
                    v = v * (1 - dark) + lid * 0.25f * dark;
                    px[c] = (uint8_t)fm_clampf(v + 0.5f, 0, 255);
                }
            }
        }
    }
}

/* The person's opacity at source point (x, y): a head ellipse and the neck and shoulders. */
static float fm_mask(const fm_person *p, float x, float y) {
    float X = (x - p->fcx) / p->fw, Y = (y - p->fcy) / p->fh;
    float dx = X / 0.70f, dy = (Y + 0.12f) / 0.86f;
    float d = sqrtf(dx * dx + dy * dy);
    float head = fm_smooth(1.08f, 0.94f, d);
    float body = 0.0f;
    if (Y > 0.35f) {
        float half = fminf(0.34f + (Y - 0.55f > 0 ? (Y - 0.55f) * 1.6f : 0.0f), 1.3f);
        body = fm_smooth(half + 0.06f, half - 0.06f, fabsf(X)) * fm_smooth(0.35f, 0.5f, Y);
    }
    float m = fmaxf(head, body);
    /* nothing from beyond the photo's edge */
    float W = (float)p->src.width, H = (float)p->src.height;
    m *= fm_smooth(0.0f, 3.0f, x) * fm_smooth(W, W - 3.0f, x) * fm_smooth(0.0f, 3.0f, y) *
         fm_smooth(H, H - 3.0f, y);
    for (int i = 0; i < p->nothers && m > 0; i++) { /* other people of the photo left out */
        const float *b = p->others[i];
        float in = fm_smooth(b[0] - 3, b[0], x) * fm_smooth(b[2] + 3, b[2], x) *
                   fm_smooth(b[1] - 3, b[1], y) * fm_smooth(b[3] + 3, b[3], y);
        m *= 1.0f - in;
    }
    return m;
}

/* Where a point `rel` output pixels from the axis of a cylinder of radius r, turned by angle
 * (radians, > 0 towards +rel), comes from in the unturned source (output pixels). */
static float fm_cylinder(float rel, float r, float angle) {
    float sgn = angle >= 0 ? 1.0f : -1.0f, at = fabsf(angle), x = rel * sgn, u = x / r, sx;
    if (u > 1.0f)
        sx = x - r * (1.0f - cosf(at));
    else if (u < -1.0f)
        sx = x;
    else {
        float phi = asinf(u) - at;
        if (phi < -(float)M_PI / 2) phi = -(float)M_PI / 2;
        sx = r * sinf(phi);
    }
    return sx * sgn;
}

/* Draws a person into out: face centre at (ocx, ocy), face width fw_out pixels, pose. */
static void fm_draw_person(const fm_person *p, const fm_pose *pose, float ocx, float ocy,
                           float fw_out, image *out) {
    float s = fw_out / p->fw; /* output pixels per source pixel */
    const image *src = &p->src;
    image lids = {0};
    if (pose->closed > 0.0f && fm_image_rgb_copy(&p->src, &lids) == 0) {
        fm_paint_lids(p, &lids, pose->closed);
        src = &lids;
    }
    float theta = -pose->yaw_deg * (float)M_PI / 180.0f; /* > 0: nose to the image's right */
    float ro = 0.62f * p->fw * s; /* the head's cylinder radius, output pixels */
    float sgn = theta >= 0 ? 1.0f : -1.0f, at = fabsf(theta);
    float pt = pose->pitch_deg * (float)M_PI / 180.0f; /* > 0: the face moves down */
    float rv = 0.80f * p->fh * s; /* the head's horizontal cylinder radius, output pixels */
    for (int y = 0; y < out->height; y++) {
        float dyo = (float)y - ocy;
        if (pt != 0.0f) { /* tilt: the same re-projection about a horizontal axis, head only */
            float wp = 1.0f - fm_smooth(0.45f, 0.80f, dyo / s / p->fh);
            dyo = wp * fm_cylinder(dyo, rv, pt) + (1.0f - wp) * dyo;
        }
        float sy = p->fcy + dyo / s;
        float Y = (sy - p->fcy) / p->fh;
        float w = 1.0f - fm_smooth(0.55f, 0.85f, Y); /* the head turns, the shoulders do not */
        uint8_t *row = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < out->width; x++) {
            float rel = ((float)x - ocx) * sgn; /* mirrored so that the rotation is positive */
            float u = rel / ro, srel;
            if (u > 1.0f)
                srel = rel - ro * (1.0f - cosf(at));
            else if (u < -1.0f)
                srel = rel;
            else {
                float phi = asinf(u) - at;
                if (phi < -(float)M_PI / 2) phi = -(float)M_PI / 2;
                srel = ro * sinf(phi);
            }
            srel = w * srel + (1.0f - w) * rel;
            float sx = p->fcx + srel * sgn / s;
            float m = fm_mask(p, sx, sy);
            if (m <= 0.002f) continue;
            float rgb[3];
            fm_sample(src, sx, sy, rgb);
            /* the side turning away a little darker (light from the front) */
            if (at > 0 && w > 0 && u > -1.0f && u < 1.0f) {
                float phi = asinf(u) - at;
                float lit = 1.0f - 0.18f * w * (1.0f - cosf(fmaxf(fabsf(phi) - 0.3f, 0.0f)));
                for (int c = 0; c < 3; c++) rgb[c] *= lit;
            }
            uint8_t *px = row + (size_t)x * 3;
            for (int c = 0; c < 3; c++)
                px[c] = (uint8_t)fm_clampf((float)px[c] * (1 - m) + rgb[c] * m + 0.5f, 0, 255);
        }
    }
    image_free(&lids);
}

/* ---- canvas ---- */

int fm_canvas_init(fm_canvas *c, int width, int height, float face_frac, uint64_t seed) {
    memset(c, 0, sizeof *c);
    c->width = width;
    c->height = height;
    c->face_frac = face_frac;
    c->noise = 3.0f;
    c->seed = seed;
    c->rng = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
    if (!c->rng) c->rng = 1;
    if (fm_image_alloc(&c->bg, width, height) != 0) return -1;
    /* a plain wall: one light colour, a soft gradient and a faint low-frequency texture */
    float base[3];
    float tone = 170 + 50 * fm_rndf(&c->rng);
    for (int k = 0; k < 3; k++) base[k] = tone + 18 * (fm_rndf(&c->rng) - 0.5f);
    float gx = 20 * (fm_rndf(&c->rng) - 0.5f), gy = 20 * (fm_rndf(&c->rng) - 0.5f);
    float f1 = 0.01f + 0.02f * fm_rndf(&c->rng), f2 = 0.01f + 0.02f * fm_rndf(&c->rng);
    float ph = 6.28f * fm_rndf(&c->rng);
    for (int y = 0; y < height; y++) {
        uint8_t *row = c->bg.pixels + (size_t)y * c->bg.stride;
        for (int x = 0; x < width; x++) {
            float v = gx * ((float)x / (float)width - 0.5f) +
                      gy * ((float)y / (float)height - 0.5f) +
                      4.0f * sinf(f1 * (float)x + ph) * sinf(f2 * (float)y);
            for (int k = 0; k < 3; k++) row[3 * x + k] = (uint8_t)fm_clampf(base[k] + v, 0, 255);
        }
    }
    return 0;
}

void fm_canvas_free(fm_canvas *c) {
    image_free(&c->bg);
}

static void fm_noise(fm_canvas *c, image *out) {
    if (c->noise <= 0) return;
    for (int y = 0; y < out->height; y++) {
        uint8_t *row = out->pixels + (size_t)y * out->stride;
        for (int x = 0; x < out->width * 3; x++) {
            uint32_t r = fm_rnd(&c->rng);
            /* triangular noise: the sum of two uniforms, +-noise */
            float n = ((float)(r & 0xffff) + (float)(r >> 16)) / 65536.0f - 1.0f;
            row[x] = (uint8_t)fm_clampf((float)row[x] + n * c->noise + 0.5f, 0, 255);
        }
    }
}

static int fm_start_frame(fm_canvas *c, image *out) {
    if (fm_image_alloc(out, c->width, c->height) != 0) return -1;
    memcpy(out->pixels, c->bg.pixels, (size_t)c->height * c->bg.stride);
    return 0;
}

int fm_render(fm_canvas *c, const fm_person *main_person, const fm_pose *pose,
              const fm_person *second, image *out) {
    if (fm_start_frame(c, out) != 0) return -1;
    float W = (float)c->width, H = (float)c->height;
    float fw = c->face_frac * W;
    float cx = second ? 0.40f * W : 0.5f * W;
    if (second) {
        fm_pose front = {0};
        fm_draw_person(second, &front, 0.83f * W, 0.34f * H, 0.18f * W, out);
    }
    fm_draw_person(main_person, pose, cx + pose->dx * fw, 0.50f * H + pose->dy * fw, fw, out);
    fm_noise(c, out);
    return 0;
}

int fm_render_still_image(fm_canvas *c, const image *photo, image *out) {
    if (fm_start_frame(c, out) != 0) return -1;
    float W = (float)c->width, H = (float)c->height;
    float s = fminf(0.9f * W / (float)photo->width, 0.9f * H / (float)photo->height);
    float pw = (float)photo->width * s, ph = (float)photo->height * s;
    float x0 = (W - pw) / 2, y0 = (H - ph) / 2;
    image rgb = {0};
    if (fm_image_rgb_copy(photo, &rgb) != 0) return -1;
    for (int y = (int)y0; y < (int)(y0 + ph) && y < c->height; y++) {
        uint8_t *row = out->pixels + (size_t)y * out->stride;
        for (int x = (int)x0; x < (int)(x0 + pw) && x < c->width; x++) {
            if (x < 0 || y < 0) continue;
            float v[3];
            fm_sample(&rgb, ((float)x + 0.5f - x0) / s - 0.5f, ((float)y + 0.5f - y0) / s - 0.5f,
                      v);
            for (int k = 0; k < 3; k++) row[3 * x + k] = (uint8_t)fm_clampf(v[k] + 0.5f, 0, 255);
        }
    }
    image_free(&rgb);
    fm_noise(c, out);
    return 0;
}

/* ---- timeline ---- */

static float fm_ramp(float t, float t0, float up, float hold, float down) {
    if (t < t0 || t > t0 + up + hold + down) return 0.0f;
    if (t < t0 + up) return fm_smooth(t0, t0 + up, t);
    if (t < t0 + up + hold) return 1.0f;
    return fm_smooth(t0 + up + hold + down, t0 + up + hold, t);
}

int fm_plan(const fm_action *actions, int n, int step_ms, int fps, float turn_deg, int still,
            fm_plan_frame **out, int *count) {
    *out = NULL;
    *count = 0;
    if (n < 0 || step_ms < 300 || fps < 1 || fps > 120) return -1;
    const float lead = 1000, tail = 1000;
    float total = lead + (float)n * (float)step_ms + tail;
    int frames = (int)(total * (float)fps / 1000.0f);
    fm_plan_frame *f = calloc((size_t)(frames > 0 ? frames : 1), sizeof *f);
    if (!f) return -1;
    /* an action takes ~1.4 s of its slot (less when the slot is short), starting after a short
     * reaction time */
    float span = fminf(1400.0f, (float)step_ms - 150.0f), react = fminf(200.0f, (float)step_ms / 8);
    for (int i = 0; i < frames; i++) {
        float t = (float)i * 1000.0f / (float)fps;
        f[i].t_ms = (int64_t)lroundf(t);
        if (still) continue;
        f[i].pose.dx = 0.012f * sinf(t * 6.2832f / 2300.0f);
        f[i].pose.dy = 0.008f * sinf(t * 6.2832f / 3100.0f + 1.0f);
        for (int k = 0; k < n; k++) {
            float t0 = lead + (float)k * (float)step_ms + react;
            if (actions[k] == FM_BLINK) {
                f[i].pose.closed = fmaxf(f[i].pose.closed, fm_ramp(t, t0, 80, 320, 80));
            } else {
                float a = fm_ramp(t, t0, span * 0.3f, span * 0.4f, span * 0.3f);
                f[i].pose.yaw_deg += (actions[k] == FM_TURN_LEFT ? -1.0f : 1.0f) * turn_deg * a;
            }
        }
    }
    *out = f;
    *count = frames;
    return 0;
}

/* ---- gaze ---- */

int fm_gaze_parse(const char *spec, fm_gaze_point *pts, int *n) {
    *n = 0;
    const char *s = spec;
    while (*s) {
        float x, y;
        int t, d, used = 0;
        if (*n >= FM_GAZE_MAX || sscanf(s, "%f,%f,%d,%d%n", &x, &y, &t, &d, &used) != 4 ||
            !(x >= 0 && x <= 1 && y >= 0 && y <= 1) || t < 0 || d < 100 ||
            (*n && t < pts[*n - 1].t_ms + pts[*n - 1].dur_ms))
            return -1;
        pts[*n].x = x, pts[*n].y = y, pts[*n].t_ms = t, pts[*n].dur_ms = d;
        (*n)++;
        s += used;
        if (*s == ';')
            s++;
        else if (*s)
            return -1;
    }
    return *n > 0 ? 0 : -1;
}

int fm_plan_gaze(const fm_gaze_point *pts, int n, int lag_ms, int fps, float yaw_deg,
                 float pitch_deg, int still, int tail_ms, fm_plan_frame **out, int *count) {
    *out = NULL;
    *count = 0;
    if (n < 1 || n > FM_GAZE_MAX || fps < 1 || fps > 120 || lag_ms < 0 || tail_ms < 0) return -1;
    float total = (float)(pts[n - 1].t_ms + pts[n - 1].dur_ms + tail_ms);
    int frames = (int)(total * (float)fps / 1000.0f);
    fm_plan_frame *f = calloc((size_t)(frames > 0 ? frames : 1), sizeof *f);
    if (!f) return -1;
    const float move = 400.0f; /* the head's move from one dot to the next */
    for (int i = 0; i < frames; i++) {
        float t = (float)i * 1000.0f / (float)fps;
        f[i].t_ms = (int64_t)lroundf(t);
        if (still) continue;
        f[i].pose.dx = 0.012f * sinf(t * 6.2832f / 2300.0f);
        f[i].pose.dy = 0.008f * sinf(t * 6.2832f / 3100.0f + 1.0f);
        /* the targets' steps, each eased in after the lag */
        float px = 0.5f, py = 0.5f, yaw = 0, pitch = 0;
        for (int k = 0; k <= n; k++) {
            float x = k < n ? pts[k].x : 0.5f, y = k < n ? pts[k].y : 0.5f;
            float tk = k < n ? (float)pts[k].t_ms : (float)(pts[n - 1].t_ms + pts[n - 1].dur_ms);
            float a = fm_smooth(tk + (float)lag_ms, tk + (float)lag_ms + move, t);
            yaw += a * yaw_deg * (x - px) / 0.4f;
            pitch += a * pitch_deg * (y - py) / 0.4f;
            px = x, py = y;
        }
        f[i].pose.yaw_deg = yaw;
        f[i].pose.pitch_deg = pitch;
    }
    *out = f;
    *count = frames;
    return 0;
}

int fm_gaze_attack_parse(const char *name, fm_gaze_attack_kind *out) {
    static const char *const names[] = {"honest", "still", "wrong_order", "late", "other_path"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (fm_gaze_attack_kind)i;
            return 0;
        }
    return -1;
}

void fm_gaze_attack(const fm_gaze_point *pts, int n, fm_gaze_attack_kind kind, uint64_t seed,
                    fm_gaze_point *out, int *lag_ms) {
    memcpy(out, pts, (size_t)n * sizeof *pts);
    *lag_ms = kind == FM_GAZE_LATE ? FM_GAZE_LATE_MS : FM_GAZE_LAG_MS;
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 77;
    if (!rng) rng = 1;
    if (kind == FM_GAZE_WRONG_ORDER && n > 1) {
        /* a rotation of the dots by 1..n-1 places, one that changes the dots' columns (the
         * left-right sequence) when there is one */
        int r0 = (int)(fm_rnd(&rng) % (uint32_t)(n - 1)), r = 1 + r0;
        for (int j = 0; j < n - 1; j++) {
            int cand = 1 + (r0 + j) % (n - 1), same = 1;
            for (int k = 0; k < n && same; k++)
                same = fabsf(pts[(k + cand) % n].x - pts[k].x) < 0.01f;
            if (!same) {
                r = cand;
                break;
            }
        }
        for (int k = 0; k < n; k++) {
            out[k].x = pts[(k + r) % n].x;
            out[k].y = pts[(k + r) % n].y;
        }
    } else if (kind == FM_GAZE_OTHER_PATH) {
        /* another session's dots: from the same 3x3 grid without the centre, consecutive dots in
         * different columns, the first not where the path's first is */
        static const float g[3] = {0.1f, 0.5f, 0.9f};
        int prev = 1;
        for (int k = 0; k < n; k++) {
            int cx, cy;
            do {
                cx = (int)(fm_rnd(&rng) % 3), cy = (int)(fm_rnd(&rng) % 3);
            } while ((cx == 1 && cy == 1) || cx == prev ||
                     (k == 0 && fabsf(g[cx] - pts[0].x) < 0.01f));
            out[k].x = g[cx], out[k].y = g[cy];
            prev = cx;
        }
    }
}

void fm_gaze_humanise(fm_gaze_point *pts, int n, uint64_t seed) {
    uint64_t rng = seed * 0xD1B54A32D192ED03ULL + 5;
    if (!rng) rng = 1;
    for (int k = 0; k < n; k++) {
        float a = 0.6f + 0.4f * fm_rndf(&rng), b = 0.6f + 0.4f * fm_rndf(&rng);
        pts[k].x = 0.5f + (pts[k].x - 0.5f) * a;
        pts[k].y = 0.5f + (pts[k].y - 0.5f) * b;
        pts[k].t_ms += (int)(fm_rndf(&rng) * 250.0f) - 100;
        if (pts[k].t_ms < 0) pts[k].t_ms = 0;
    }
}

/* ---- YUV4MPEG2 ---- */

int fm_y4m_header(FILE *f, int width, int height, int fps) {
    return fprintf(f, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", width, height, fps) > 0 ? 0
                                                                                            : -1;
}

int fm_y4m_frame(FILE *f, const image *rgb) {
    int w = rgb->width, h = rgb->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
    uint8_t *buf = malloc((size_t)w * h + 2 * (size_t)cw * ch);
    if (!buf) return -1;
    uint8_t *Y = buf, *U = buf + (size_t)w * h, *V = U + (size_t)cw * ch;
    for (int y = 0; y < h; y++) {
        const uint8_t *p = rgb->pixels + (size_t)y * rgb->stride;
        for (int x = 0; x < w; x++) {
            float r = p[3 * x], g = p[3 * x + 1], b = p[3 * x + 2];
            Y[(size_t)y * w + x] =
                (uint8_t)fm_clampf(0.299f * r + 0.587f * g + 0.114f * b + 0.5f, 0, 255);
        }
    }
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            float r = 0, g = 0, b = 0;
            int cnt = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++) {
                    int yy = 2 * y + dy, xx = 2 * x + dx;
                    if (yy >= h || xx >= w) continue;
                    const uint8_t *p = rgb->pixels + (size_t)yy * rgb->stride + (size_t)xx * 3;
                    r += p[0], g += p[1], b += p[2];
                    cnt++;
                }
            r /= (float)cnt, g /= (float)cnt, b /= (float)cnt;
            U[(size_t)y * cw + x] = (uint8_t)fm_clampf(
                128.0f - 0.168736f * r - 0.331264f * g + 0.5f * b + 0.5f, 0, 255);
            V[(size_t)y * cw + x] = (uint8_t)fm_clampf(
                128.0f + 0.5f * r - 0.418688f * g - 0.081312f * b + 0.5f, 0, 255);
        }
    size_t total = (size_t)w * h + 2 * (size_t)cw * ch;
    int rc = (fputs("FRAME\n", f) >= 0 && fwrite(buf, 1, total, f) == total) ? 0 : -1;
    free(buf);
    return rc;
}

#endif
