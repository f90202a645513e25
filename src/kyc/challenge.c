/* Challenge liveness: frames measured, a sequence judged (challenge.h, docs/h5.md). */
#include "kyc/challenge.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const ACTION_NAMES[] = {"turn_left", "turn_right", "blink"};
static const char *const NOT_SEEN[] = {"turn_left_not_seen", "turn_right_not_seen",
                                       "blink_not_seen"};

void challenge_draw(challenge_spec *out) {
    memset(out, 0, sizeof *out);
    out->count = CHALLENGE_MAX_ACTIONS;
    for (int i = 0; i < CHALLENGE_MAX_ACTIONS; i++) out->actions[i] = (challenge_action)i;
    for (int i = CHALLENGE_MAX_ACTIONS - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)randombytes_uniform((uint32_t)i + 1);
        challenge_action t = out->actions[i];
        out->actions[i] = out->actions[j];
        out->actions[j] = t;
    }
    out->step_ms = 5000;
    out->deadline_ms = 20000;
}

const char *challenge_action_name(challenge_action a) {
    return (unsigned)a < 3 ? ACTION_NAMES[a] : "unknown";
}

int challenge_action_parse(const char *name, challenge_action *out) {
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, ACTION_NAMES[i]) == 0) {
            *out = (challenge_action)i;
            return 0;
        }
    return -1;
}

/* ---- measuring one frame ---- */

#define QUALITY_SIDE 64

static void face_quality(const image *img, const face_box *f, float *brightness, float *sharpness) {
    float x1 = fmaxf(f->x1, 0.0f), y1 = fmaxf(f->y1, 0.0f);
    float x2 = fminf(f->x2, (float)img->width), y2 = fminf(f->y2, (float)img->height);
    *brightness = 0;
    *sharpness = 0;
    if (x2 - x1 < 2 || y2 - y1 < 2) return;
    float g[QUALITY_SIDE * QUALITY_SIDE];
    image_crop_grey_to_tensor(img, x1, y1, x2 - x1, y2 - y1, QUALITY_SIDE, QUALITY_SIDE, 0.0f, 1.0f,
                              g);
    double sum = 0;
    for (int i = 0; i < QUALITY_SIDE * QUALITY_SIDE; i++) sum += g[i];
    *brightness = (float)(sum / (QUALITY_SIDE * QUALITY_SIDE));
    double s = 0, s2 = 0;
    int cnt = 0;
    for (int y = 1; y < QUALITY_SIDE - 1; y++)
        for (int x = 1; x < QUALITY_SIDE - 1; x++) {
            const float *p = g + y * QUALITY_SIDE + x;
            double lap = 4.0 * p[0] - p[-1] - p[1] - p[-QUALITY_SIDE] - p[QUALITY_SIDE];
            s += lap;
            s2 += lap * lap;
            cnt++;
        }
    double mean = s / cnt;
    *sharpness = (float)(s2 / cnt - mean * mean);
}

int challenge_measure_frame_ex(face_engine *e, const image *img, bool embed, challenge_frame *out) {
    out->faces = 0;
    memset(out->box, 0, sizeof out->box);
    out->face_frac = out->yaw = out->pitch = out->roll = 0;
    out->eye_closed = out->brightness = out->sharpness = 0;
    out->has_embedding = 0;
    face_box faces[FACE_MAX];
    int n = 0;
    if (face_detect(e, img, 0.5f, faces, FACE_MAX, &n) != 0) return -1;
    int main_face = -1; /* the largest face the detector is sure enough of */
    for (int i = 0; i < n && main_face < 0; i++)
        if (faces[i].score >= CHALLENGE_DETECT_SCORE) main_face = i;
    if (main_face < 0) return 0;
    face_box *f = &faces[main_face];
    float h = f->y2 - f->y1;
    out->faces = 1;
    for (int i = 0; i < n; i++)
        if (i != main_face && faces[i].score >= CHALLENGE_OTHER_SCORE &&
            faces[i].y2 - faces[i].y1 >= CHALLENGE_OTHER_HEIGHT * h)
            out->faces++;
    out->box[0] = f->x1, out->box[1] = f->y1, out->box[2] = f->x2, out->box[3] = f->y2;
    out->face_frac = (f->x2 - f->x1) / (float)img->width;
    if (face_landmarks(e, img, f) != 0) return -1;
    if (face_pose(e, img, f, &out->yaw, &out->pitch, &out->roll) != 0) return -1;
    float eyes[2];
    if (face_eye_scores(e, img, f, eyes) != 0) return -1;
    out->eye_closed = fminf(eyes[0], eyes[1]);
    face_quality(img, f, &out->brightness, &out->sharpness);
    if (embed && fabsf(out->yaw) <= CHALLENGE_EMBED_MAX_DEG) {
        if (face_embed(e, img, f, out->embedding) != 0) return -1;
        out->has_embedding = 1;
    }
    return 0;
}

int challenge_measure_frame(face_engine *e, const image *img, challenge_frame *out) {
    return challenge_measure_frame_ex(e, img, true, out);
}

void challenge_frame_digest(const uint8_t *bytes, size_t len, uint8_t digest[16]) {
    crypto_generichash(digest, 16, bytes, len, NULL, 0);
}

/* ---- storage record ---- */

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_i64(uint8_t *p, int64_t v) {
    uint64_t u = (uint64_t)v;
    put_u32(p, (uint32_t)u);
    put_u32(p + 4, (uint32_t)(u >> 32));
}

static int64_t get_i64(const uint8_t *p) {
    return (int64_t)((uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32);
}

static void put_f32(uint8_t *p, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    put_u32(p, u);
}

static float get_f32(const uint8_t *p) {
    uint32_t u = get_u32(p);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

#define PACK_VERSION 1

size_t challenge_frame_pack(const challenge_frame *f, uint8_t *out, size_t cap) {
    size_t need = CHALLENGE_FRAME_PACKED_MIN + (f->has_embedding ? 4 * FACE_EMBEDDING_DIM : 0);
    if (cap < need) return 0;
    memset(out, 0, CHALLENGE_FRAME_PACKED_MIN);
    out[0] = 'C', out[1] = 'F', out[2] = PACK_VERSION, out[3] = f->has_embedding ? 1 : 0;
    put_i64(out + 4, f->t_ms);
    put_i64(out + 12, f->received_ms);
    put_u32(out + 20, (uint32_t)f->faces);
    const float v[11] = {f->box[0], f->box[1], f->box[2],     f->box[3],     f->face_frac, f->yaw,
                         f->pitch,  f->roll,   f->eye_closed, f->brightness, f->sharpness};
    for (int i = 0; i < 11; i++) put_f32(out + 24 + 4 * i, v[i]);
    memcpy(out + 68, f->digest, 16); /* 84..95 reserved, zero */
    if (f->has_embedding)
        for (int i = 0; i < FACE_EMBEDDING_DIM; i++)
            put_f32(out + CHALLENGE_FRAME_PACKED_MIN + 4 * i, f->embedding[i]);
    return need;
}

int challenge_frame_unpack(const uint8_t *in, size_t len, challenge_frame *out) {
    memset(out, 0, sizeof *out);
    if (len < CHALLENGE_FRAME_PACKED_MIN || in[0] != 'C' || in[1] != 'F' || in[2] != PACK_VERSION ||
        in[3] > 1)
        return -1;
    int emb = in[3];
    if (len != CHALLENGE_FRAME_PACKED_MIN + (emb ? 4 * FACE_EMBEDDING_DIM : 0)) return -1;
    for (int i = 84; i < CHALLENGE_FRAME_PACKED_MIN; i++)
        if (in[i]) return -1;
    out->t_ms = get_i64(in + 4);
    out->received_ms = get_i64(in + 12);
    uint32_t faces = get_u32(in + 20);
    if (faces > FACE_MAX) return -1;
    out->faces = (int)faces;
    float v[11];
    for (int i = 0; i < 11; i++) {
        v[i] = get_f32(in + 24 + 4 * i);
        if (!isfinite(v[i])) return -1;
    }
    memcpy(out->box, v, sizeof out->box);
    out->face_frac = v[4], out->yaw = v[5], out->pitch = v[6], out->roll = v[7];
    out->eye_closed = v[8], out->brightness = v[9], out->sharpness = v[10];
    memcpy(out->digest, in + 68, 16);
    out->has_embedding = emb;
    if (emb)
        for (int i = 0; i < FACE_EMBEDDING_DIM; i++) {
            out->embedding[i] = get_f32(in + CHALLENGE_FRAME_PACKED_MIN + 4 * i);
            if (!isfinite(out->embedding[i])) return -1;
        }
    return 0;
}

/* ---- judging a sequence ---- */

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Straight-ahead: the median yaw of the frames with one face, clamped. */
static float base_yaw(const challenge_frame *f, size_t n) {
    float v[CHALLENGE_MAX_FRAMES];
    size_t k = 0;
    for (size_t i = 0; i < n && k < CHALLENGE_MAX_FRAMES; i++)
        if (f[i].faces == 1) v[k++] = f[i].yaw;
    if (k == 0) return 0;
    qsort(v, k, sizeof *v, cmp_float);
    float m = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
    return fmaxf(-CHALLENGE_BASE_MAX_DEG, fminf(CHALLENGE_BASE_MAX_DEG, m));
}

/* The nearest frames before and after i with one face (-1 when none). */
static void neighbours(const challenge_frame *f, size_t n, size_t i, int *prev, int *next) {
    *prev = *next = -1;
    for (size_t k = i; k-- > 0;)
        if (f[k].faces == 1) {
            *prev = (int)k;
            break;
        }
    for (size_t k = i + 1; k < n; k++)
        if (f[k].faces == 1) {
            *next = (int)k;
            break;
        }
}

/* Whether frame i and its neighbours all face the camera within `deg` of `base`: a face turned
 * far enough can be misread by fr_pose as frontal (and by fr_eye as closed) for one frame in
 * the middle of a turn; a real frontal view or blink is not surrounded by turned frames. */
static bool steady(const challenge_frame *f, size_t n, size_t i, float base, float deg) {
    int prev, next;
    neighbours(f, n, i, &prev, &next);
    if (fabsf(f[i].yaw - base) > deg) return false;
    if (prev >= 0 && fabsf(f[prev].yaw - base) > deg) return false;
    if (next >= 0 && fabsf(f[next].yaw - base) > deg) return false;
    return true;
}

/* A frame's symbol: L, R (turned beyond CHALLENGE_TURN_DEG), C (both eyes closed, steady within
 * CHALLENGE_BLINK_MAX_DEG), O (frontal, eyes open), F (frontal, eyes not clearly open), or 0
 * (in between, not one face, or frontal between turned neighbours). */
static char frame_symbol(const challenge_frame *f, size_t n, size_t i, float base) {
    const challenge_frame *x = &f[i];
    if (x->faces != 1) return 0;
    float rel = x->yaw - base;
    if (rel <= -CHALLENGE_TURN_DEG) return 'L';
    if (rel >= CHALLENGE_TURN_DEG) return 'R';
    if (x->eye_closed >= CHALLENGE_BLINK_CLOSED && steady(f, n, i, base, CHALLENGE_BLINK_MAX_DEG))
        return 'C';
    /* frontal, and not a misread frame amid a turn */
    if (fabsf(rel) > CHALLENGE_FRONTAL_DEG || !steady(f, n, i, base, CHALLENGE_TURN_DEG)) return 0;
    return x->eye_closed <= CHALLENGE_EYES_OPEN ? 'O' : 'F';
}

static const char ACTION_SYMBOL[] = {'L', 'R', 'C'};

typedef struct {
    int64_t t0; /* the first frame's capture time: the first action is timed from there */
    int done, stray;
    int action_frame[CHALLENGE_MAX_ACTIONS];
    int64_t action_ms[CHALLENGE_MAX_ACTIONS];
    const char *fail;
} match_state;

/* One event (a run of L, R or C frames) ended at time t_end. */
static void on_event(const challenge_spec *s, char sym, int first, int64_t t_end, match_state *m) {
    if (m->fail || m->done >= s->count) return; /* what follows the last action is ignored */
    if (sym == ACTION_SYMBOL[s->actions[m->done]]) {
        /* each action complete within step_ms of the previous one's completion, the first
         * within step_ms of the first frame (not of the issue: a camera slow to start does not
         * eat into it); the page shows each instruction as soon as the previous one is seen */
        int64_t prev = m->done ? m->action_ms[m->done - 1] : m->t0;
        if (t_end - prev > s->step_ms) m->fail = "too_slow";
        m->action_frame[m->done] = first;
        m->action_ms[m->done] = t_end;
        m->done++;
    } else if (sym == 'C' && m->stray < CHALLENGE_MAX_STRAY) {
        m->stray++; /* a natural blink */
    } else {
        m->fail = "out_of_order";
    }
}

/* Events in capture order: a run of one symbol (L, R or C), begun after a frontal frame, ended
 * by a frontal frame (the action is then complete) or by another event. A blink (C) counts
 * only when the eyes were seen open (O) since the previous event; closed eyes without that are
 * read as frontal. Frames before the first frontal one are not read (the person was not yet
 * facing the camera); an event still open at the end is not complete. */
static void match_actions(const challenge_spec *s, const challenge_frame *f, size_t n, float base,
                          match_state *m) {
    memset(m, 0, sizeof *m);
    for (int k = 0; k < CHALLENGE_MAX_ACTIONS; k++) m->action_frame[k] = -1;
    m->t0 = n ? f[0].t_ms : 0;
    bool frontal_seen = false, open_seen = false;
    char cur = 0;
    int cur_first = -1;
    for (size_t i = 0; i < n; i++) {
        char sym = frame_symbol(f, n, i, base);
        if (sym == 'C' && cur != 'C' && !open_seen) sym = 'F';
        if (!sym) continue;
        if (sym == 'O' || sym == 'F') {
            if (cur) on_event(s, cur, cur_first, f[i].t_ms, m);
            cur = 0;
            frontal_seen = true;
            open_seen |= sym == 'O';
            continue;
        }
        if (!frontal_seen || sym == cur) continue;
        if (cur) on_event(s, cur, cur_first, f[i].t_ms, m);
        cur = sym;
        cur_first = (int)i;
        open_seen = false;
    }
}

/* Frames whose embedding is compared: one face, embedded, steady within the embedding yaw. */
static bool comparable(const challenge_frame *f, size_t n, size_t i) {
    return f[i].faces == 1 && f[i].has_embedding && steady(f, n, i, 0, CHALLENGE_EMBED_MAX_DEG);
}

/* The best frontal frame for the face match: comparable, nearest to frontal, eyes open, sharp. */
int challenge_best_frame(const challenge_frame *f, size_t n) {
    int best = -1;
    float best_cost = 0;
    for (size_t i = 0; i < n; i++) {
        const challenge_frame *x = &f[i];
        if (!comparable(f, n, i) || fabsf(x->yaw) > CHALLENGE_BEST_MAX_DEG ||
            fabsf(x->pitch) > CHALLENGE_BEST_MAX_DEG)
            continue;
        float sharp = fminf(x->sharpness / (4 * CHALLENGE_MIN_SHARPNESS), 1.0f);
        float cost = fabsf(x->yaw) + 0.5f * fabsf(x->pitch) + 10.0f * (1.0f - sharp) +
                     (x->eye_closed > CHALLENGE_EYES_OPEN ? 30.0f : 0.0f);
        if (best < 0 || cost < best_cost) best = (int)i, best_cost = cost;
    }
    return best;
}

float challenge_same_face_min(const challenge_frame *f, size_t n, int best, int *compared) {
    float min = 1.0f;
    *compared = 0;
    if (best < 0 || (size_t)best >= n) return min;
    const float *ref = f[best].embedding;
    for (size_t i = 0; i < n; i++)
        if (comparable(f, n, i)) {
            min = fminf(min, face_cosine(ref, f[i].embedding));
            (*compared)++;
        }
    return min;
}

const char *challenge_quality_hint(const challenge_frame *f) {
    if (f->faces == 0) return "no_face";
    if (f->faces > 1) return "one_face";
    if (f->face_frac < CHALLENGE_MIN_FACE_FRAC) return "move_closer";
    if (f->face_frac > CHALLENGE_MAX_FACE_FRAC) return "move_back";
    if (f->brightness < CHALLENGE_MIN_BRIGHTNESS) return "too_dark";
    if (f->brightness > CHALLENGE_MAX_BRIGHTNESS) return "too_bright";
    if (f->sharpness < CHALLENGE_MIN_SHARPNESS) return "hold_still";
    return NULL;
}

void challenge_progress_of(const challenge_spec *s, const challenge_frame *f, size_t n,
                           challenge_progress *out) {
    out->actions_done = 0;
    out->hint = n ? challenge_quality_hint(&f[n - 1]) : NULL;
    if (n > CHALLENGE_MAX_FRAMES) n = CHALLENGE_MAX_FRAMES;
    match_state m;
    match_actions(s, f, n, base_yaw(f, n), &m);
    out->actions_done = m.done;
}

challenge_timing challenge_check_timing(const challenge_frame *f, size_t n, int64_t deadline_ms,
                                        int64_t grace_ms, int64_t max_gap_ms) {
    for (size_t i = 0; i < n; i++) {
        if (f[i].t_ms < 0 || f[i].t_ms > f[i].received_ms + CHALLENGE_CLOCK_SLACK_MS ||
            (i > 0 && f[i].t_ms <= f[i - 1].t_ms))
            return CHALLENGE_TIMING_ORDER;
        for (size_t j = 0; j < i; j++)
            if (memcmp(f[i].digest, f[j].digest, sizeof f[i].digest) == 0)
                return CHALLENGE_TIMING_ORDER;
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i].t_ms > deadline_ms || f[i].received_ms > deadline_ms + grace_ms)
            return CHALLENGE_TIMING_LATE;
        if (i > 0 && f[i].t_ms - f[i - 1].t_ms > max_gap_ms) return CHALLENGE_TIMING_LATE;
    }
    return CHALLENGE_TIMING_OK;
}

/* Timing and integrity: capture times increasing and plausible, nothing late, no frame twice. */
static const char *check_timing(const challenge_spec *s, const challenge_frame *f, size_t n) {
    switch (
        challenge_check_timing(f, n, s->deadline_ms, CHALLENGE_GRACE_MS, CHALLENGE_MAX_GAP_MS)) {
    case CHALLENGE_TIMING_ORDER:
        return "out_of_order";
    case CHALLENGE_TIMING_LATE:
        return "too_slow";
    default:
        return NULL;
    }
}

int challenge_verify(const challenge_spec *s, const challenge_frame *f, size_t n,
                     challenge_verdict *out) {
    memset(out, 0, sizeof *out);
    out->best_frame = -1;
    for (int k = 0; k < CHALLENGE_MAX_ACTIONS; k++) out->action_frame[k] = -1;
    if (!s || s->count < 1 || s->count > CHALLENGE_MAX_ACTIONS || n > CHALLENGE_MAX_FRAMES ||
        (n && !f))
        return -1;
    for (int k = 0; k < s->count; k++)
        if ((unsigned)s->actions[k] > CHALLENGE_BLINK) return -1;

    /* what was measured, for reporting */
    out->base_yaw = base_yaw(f, n);
    out->min_rel_yaw = out->max_rel_yaw = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].faces == 0) out->frames_no_face++;
        if (f[i].faces > 1) out->frames_many_faces++;
        if (f[i].faces != 1) continue;
        float rel = f[i].yaw - out->base_yaw;
        out->min_rel_yaw = fminf(out->min_rel_yaw, rel);
        out->max_rel_yaw = fmaxf(out->max_rel_yaw, rel);
        out->max_eye_closed = fmaxf(out->max_eye_closed, f[i].eye_closed);
    }
    match_state m;
    match_actions(s, f, n, out->base_yaw, &m);
    out->actions_done = m.done;
    memcpy(out->action_frame, m.action_frame, sizeof out->action_frame);
    memcpy(out->action_ms, m.action_ms, sizeof out->action_ms);
    out->best_frame = challenge_best_frame(f, n);
    out->same_face_min = challenge_same_face_min(f, n, out->best_frame, &out->embedded_frames);

    /* the verdict: the first rule broken */
    const char *reason = NULL;
    if (n == 0) reason = "no_face";
    if (!reason) reason = check_timing(s, f, n);
    if (!reason && out->frames_many_faces > 0) reason = "one_face";
    if (!reason && (float)out->frames_no_face > CHALLENGE_NOFACE_SHARE * (float)n)
        reason = "no_face";
    if (!reason && out->best_frame < 0) reason = "no_face";
    if (!reason && out->same_face_min < CHALLENGE_SAME_FACE) reason = "face_mismatch";
    if (!reason && m.fail) reason = m.fail;
    if (!reason && m.done < s->count) reason = NOT_SEEN[s->actions[m.done]];
    if (!reason) reason = challenge_quality_hint(&f[out->best_frame]);
    out->reason = reason;
    out->passed = reason == NULL;
    return 0;
}
