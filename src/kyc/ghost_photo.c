/* Photo substitution: the main portrait against the ghost image, and the ghost's own colour.
 * See ghost_photo.h. */
#include "kyc/ghost_photo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_MIN_SCORE   0.5f
#define PORTRAIT_MIN_SCORE 0.8f  /* as the document reader's portrait */
#define GHOST_MIN_SCORE    0.6f  /* faint ghosts score lower than portraits */
#define GHOST_MAX_SHARE    0.9f  /* a ghost is smaller than the portrait, */
#define GHOST_MIN_SHARE    0.15f /* but not a speck beside it */
#define COLOUR_SATURATED   250   /* a channel this bright has lost the pixel's colour */
#define COLOUR_MIN_PIXELS  50    /* fewer unsaturated pixels than this: colour not measured */
#define TILE_W             400   /* tiles the detector sees at about 4/5 of their size, */
#define TILE_H             300   /* overlapping by a third or more */
#define MAX_CANDIDATES     (5 * FACE_MAX)

typedef struct {
    face_box box[MAX_CANDIDATES];
    int count;
} candidates;

static float width_of(const face_box *b) {
    return b->x2 - b->x1;
}
static float height_of(const face_box *b) {
    return b->y2 - b->y1;
}

static bool overlaps(const face_box *a, const face_box *b) {
    return a->x1 < b->x2 && b->x1 < a->x2 && a->y1 < b->y2 && b->y1 < a->y2;
}

static bool centre_inside(const face_box *a, const face_box *b) {
    float cx = (a->x1 + a->x2) / 2, cy = (a->y1 + a->y2) / 2;
    return cx > b->x1 && cx < b->x2 && cy > b->y1 && cy < b->y2;
}

/* Adds a face found at offset (dx, dy) unless one already kept is the same face: a face found
 * in the whole image keeps that box (a tile's edge may cut it) and the better of the scores (a
 * small face scores higher in a tile, where the detector sees it larger). */
static void keep(candidates *c, face_box f, int dx, int dy) {
    f.x1 += (float)dx, f.x2 += (float)dx, f.y1 += (float)dy, f.y2 += (float)dy;
    for (int i = 0; i < c->count; i++) {
        face_box *k = &c->box[i];
        if (!centre_inside(&f, k) && !centre_inside(k, &f)) continue;
        if (f.score > k->score) k->score = f.score;
        return;
    }
    if (c->count < MAX_CANDIDATES) c->box[c->count++] = f;
}

static int detect_in(face_engine *e, const image *img, int x, int y, int w, int h, candidates *c) {
    image tile;
    const image *src = img;
    if (w != img->width || h != img->height) {
        if (image_crop(img, x, y, w, h, &tile) != IMG_OK) return -1;
        src = &tile;
    }
    face_box found[FACE_MAX];
    int n = 0;
    int rc = face_detect(e, src, DETECT_MIN_SCORE, found, FACE_MAX, &n);
    for (int i = 0; rc == 0 && i < n; i++) keep(c, found[i], x, y);
    if (src == &tile) image_free(&tile);
    return rc;
}

/* How many tiles of `tile` pixels cover `length` overlapping by a third or more, and where
 * the i-th starts (spread evenly, the last one flush with the end). */
static int tiles_along(int length, int tile) {
    int step = 2 * tile / 3;
    return length <= tile ? 1 : (length - tile + step - 1) / step + 1;
}
static int tile_start(int length, int tile, int i, int n) {
    return n == 1 ? 0 : (length - tile) * i / (n - 1);
}

/* The detector sees the image at 320 x 240, where a faint ghost a few percent of a card is too
 * small to be found: a larger image is also searched tile by tile, each tile about the
 * detector's own size. */
static int detect_all(face_engine *e, const image *img, candidates *c) {
    c->count = 0;
    if (detect_in(e, img, 0, 0, img->width, img->height, c) != 0) return -1;
    if (img->width <= TILE_W && img->height <= TILE_H) return 0;
    int tw = img->width < TILE_W ? img->width : TILE_W;
    int th = img->height < TILE_H ? img->height : TILE_H;
    int nx = tiles_along(img->width, tw), ny = tiles_along(img->height, th);
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++)
            if (detect_in(e, img, tile_start(img->width, tw, i, nx),
                          tile_start(img->height, th, j, ny), tw, th, c) != 0)
                return -1;
    return 0;
}

/* Locates landmarks and keeps only the candidates shaped like faces. */
static int keep_plausible(face_engine *e, const image *img, candidates *c) {
    int kept = 0;
    for (int i = 0; i < c->count; i++) {
        if (face_landmarks(e, img, &c->box[i]) != 0) return -1;
        if (face_shape_plausible(&c->box[i])) c->box[kept++] = c->box[i];
    }
    c->count = kept;
    return 0;
}

static int largest_portrait(const candidates *c) {
    int best = -1;
    for (int i = 0; i < c->count; i++)
        if (c->box[i].score >= PORTRAIT_MIN_SCORE &&
            (best < 0 || height_of(&c->box[i]) > height_of(&c->box[best])))
            best = i;
    return best;
}

static int likeliest_ghost(const candidates *c, const face_box *portrait) {
    int best = -1;
    for (int i = 0; i < c->count; i++) {
        const face_box *f = &c->box[i];
        if (f->score < GHOST_MIN_SCORE || overlaps(f, portrait) ||
            height_of(f) > GHOST_MAX_SHARE * height_of(portrait) ||
            height_of(f) < GHOST_MIN_SHARE * height_of(portrait))
            continue;
        if (best < 0 || f->score > c->box[best].score) best = i;
    }
    return best;
}

int ghost_photo_compare(face_engine *e, const image *document, float detail,
                        ghost_comparison *out) {
    memset(out, 0, sizeof *out);
    candidates *c = malloc(sizeof *c);
    float *emb = malloc(2 * FACE_EMBEDDING_DIM * sizeof *emb);
    int rc = c && emb ? 0 : -1;
    if (rc == 0) rc = detect_all(e, document, c);
    if (rc == 0) rc = keep_plausible(e, document, c);
    int p = rc == 0 ? largest_portrait(c) : -1;
    int g = p >= 0 ? likeliest_ghost(c, &c->box[p]) : -1;
    out->verdict = p < 0 ? GHOST_NO_PORTRAIT : g < 0 ? GHOST_NOT_FOUND : GHOST_TOO_SMALL;
    if (p >= 0) out->portrait = c->box[p];
    if (g >= 0) out->ghost = c->box[g];
    if (detail > 1 || detail <= 0) detail = 1; /* a shrunk image keeps no more than it shows */
    out->ghost_height = g >= 0 ? height_of(&out->ghost) * detail : 0;
    if (g >= 0 && out->ghost_height >= GHOST_MIN_HEIGHT && width_of(&out->ghost) > 0) {
        rc = face_embed(e, document, &out->portrait, emb);
        if (rc == 0) rc = face_embed(e, document, &out->ghost, emb + FACE_EMBEDDING_DIM);
        if (rc == 0) {
            out->cosine = face_cosine(emb, emb + FACE_EMBEDDING_DIM);
            out->verdict = out->cosine >= GHOST_SAME_COSINE        ? GHOST_SAME
                           : out->cosine >= GHOST_DIFFERENT_COSINE ? GHOST_UNSURE
                                                                   : GHOST_DIFFERENT;
        }
    }
    free(c);
    free(emb);
    if (rc != 0) memset(out, 0, sizeof *out);
    return rc;
}

static void shift(face_box *f, int dx, int dy) {
    f->x1 += (float)dx, f->x2 += (float)dx, f->y1 += (float)dy, f->y2 += (float)dy;
    for (int i = 0; i < 68; i++)
        f->landmarks[2 * i] += (float)dx, f->landmarks[2 * i + 1] += (float)dy;
    for (int i = 0; i < 5; i++) f->points5[2 * i] += (float)dx, f->points5[2 * i + 1] += (float)dy;
}

int ghost_photo_check_document(face_engine *e, const document_reading *doc, ghost_comparison *out) {
    const image *page = &doc->page[0];
    document_rect r = document_front_region(doc);
    bool whole = r.x == 0 && r.y == 0 && r.w == page->width && r.h == page->height;
    float detail = document_page_detail(doc);
    image region;
    if (!whole && image_crop(page, r.x, r.y, r.w, r.h, &region) == IMG_OK) {
        int rc = ghost_photo_compare(e, &region, detail, out);
        image_free(&region);
        if (rc != 0 || out->verdict != GHOST_NO_PORTRAIT) {
            shift(&out->portrait, r.x, r.y);
            shift(&out->ghost, r.x, r.y);
            return rc;
        }
    }
    return ghost_photo_compare(e, page, detail, out);
}

/* A channel at the sensor's limit has lost the pixel's colour: such pixels are not used */
static bool saturated(const uint8_t *p) {
    return p[0] >= COLOUR_SATURATED || p[1] >= COLOUR_SATURATED || p[2] >= COLOUR_SATURATED;
}

/* Mean RGB of the unsaturated pixels inside `outer` but not inside `inner` (pass inner =
 * outer's corner twice for none); both clipped to the image. False with fewer than
 * COLOUR_MIN_PIXELS of them. */
static bool mean_rgb(const image *img, const int outer[4], const int inner[4], double mean[3]) {
    double sum[3] = {0, 0, 0};
    long n = 0;
    for (int y = outer[1] < 0 ? 0 : outer[1]; y < outer[3] && y < img->height; y++)
        for (int x = outer[0] < 0 ? 0 : outer[0]; x < outer[2] && x < img->width; x++) {
            if (x >= inner[0] && x < inner[2] && y >= inner[1] && y < inner[3]) continue;
            const uint8_t *p = img->pixels + (size_t)y * img->stride + (size_t)x * 3;
            if (saturated(p)) continue;
            for (int c = 0; c < 3; c++) sum[c] += p[c];
            n++;
        }
    for (int c = 0; c < 3; c++) mean[c] = n ? sum[c] / (double)n : 0;
    return n >= COLOUR_MIN_PIXELS;
}

/* The middle of a face box: 20-80 % across, 15-85 % down, as {x0, y0, x1, y1} */
static void face_middle(const face_box *f, int out[4]) {
    float w = width_of(f), h = height_of(f);
    out[0] = (int)(f->x1 + 0.2f * w), out[1] = (int)(f->y1 + 0.15f * h);
    out[2] = (int)(f->x1 + 0.8f * w), out[3] = (int)(f->y1 + 0.85f * h);
}

/* A box grown by `share` of its size on each side, as {x0, y0, x1, y1} */
static void grown_box(const face_box *f, float share, int out[4]) {
    float w = width_of(f), h = height_of(f);
    out[0] = (int)(f->x1 - share * w), out[1] = (int)(f->y1 - share * h);
    out[2] = (int)(f->x2 + share * w), out[3] = (int)(f->y2 + share * h);
}

static double dot3(const double a[3], const double b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Makes v unit length after taking out its part along unit u (u NULL: none); false when
 * nothing is left */
static bool orthonormal(double v[3], const double *u) {
    if (u) {
        double along = dot3(v, u);
        for (int c = 0; c < 3; c++) v[c] -= along * u[c];
    }
    double n = sqrt(dot3(v, v));
    if (n < 4.0) return false; /* under 4 grey levels: no direction */
    for (int c = 0; c < 3; c++) v[c] /= n;
    return true;
}

float ghost_photo_colour(const image *page, const face_box *portrait, const face_box *ghost) {
    if (page->channels != 3 || width_of(ghost) < GHOST_COLOUR_MIN_SIDE ||
        height_of(ghost) < GHOST_COLOUR_MIN_SIDE)
        return -1;
    /* the engraving's grey as this photo shows it: the portrait's mean colour */
    int middle[4], near[4], far[4];
    double grey[3], card[3];
    face_middle(portrait, middle);
    int none[4] = {middle[0], middle[1], middle[0], middle[1]};
    if (!mean_rgb(page, middle, none, grey) || !orthonormal(grey, NULL)) return -1;
    /* the card around the ghost: a band from 30 % to 60 % of the box's size outside it */
    grown_box(ghost, 0.3f, near);
    grown_box(ghost, 0.6f, far);
    if (!mean_rgb(page, far, near, card)) return -1;
    bool plane = orthonormal(card, grey); /* else the card is grey itself: a line */
    face_middle(ghost, middle);
    double left = 0;
    long n = 0;
    for (int y = middle[1] < 0 ? 0 : middle[1]; y < middle[3] && y < page->height; y++)
        for (int x = middle[0] < 0 ? 0 : middle[0]; x < middle[2] && x < page->width; x++) {
            const uint8_t *p = page->pixels + (size_t)y * page->stride + (size_t)x * 3;
            if (saturated(p)) continue;
            double v[3] = {p[0], p[1], p[2]}, a = dot3(v, grey), b = plane ? dot3(v, card) : 0;
            for (int c = 0; c < 3; c++) v[c] -= a * grey[c] + (plane ? b * card[c] : 0);
            left += sqrt(dot3(v, v));
            n++;
        }
    return n >= COLOUR_MIN_PIXELS ? (float)(left / (double)n) : -1;
}

const char *ghost_verdict_name(ghost_verdict v) {
    switch (v) {
    case GHOST_NO_PORTRAIT:
        return "no portrait";
    case GHOST_NOT_FOUND:
        return "no ghost";
    case GHOST_TOO_SMALL:
        return "ghost too small";
    case GHOST_SAME:
        return "same";
    case GHOST_UNSURE:
        return "unsure";
    case GHOST_DIFFERENT:
        return "different";
    }
    return "?";
}
