/* Gaze liveness: a random dot path, and a frame sequence judged against it (gaze.h,
 * docs/gaze.md). Frame measurement, timing, best frame and same-face rules are kyc/challenge's. */
#include "kyc/gaze.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const float GRID[3] = {0.1f, 0.5f, 0.9f};

static int column_of(float x) {
    return x < 0.5f - 0.05f ? 0 : x > 0.5f + 0.05f ? 2 : 1;
}

void gaze_draw(gaze_path *out) {
    memset(out, 0, sizeof *out);
    out->count = GAZE_MIN_POINTS + (int)randombytes_uniform(GAZE_MAX_POINTS - GAZE_MIN_POINTS + 1);
    bool used[9] = {false};
    used[4] = true; /* the centre: where the dot starts and ends */
    int prev_col = 1;
    int64_t t = GAZE_START_MS;
    out->start_ms = t;
    for (int k = 0; k < out->count; k++) {
        /* the free cells outside the previous dot's column (always some: at most 6 dots) */
        int cand[9], nc = 0;
        for (int c = 0; c < 9; c++)
            if (!used[c] && c % 3 != prev_col) cand[nc++] = c;
        int c = cand[randombytes_uniform((uint32_t)nc)];
        used[c] = true;
        prev_col = c % 3;
        gaze_point *p = &out->pts[k];
        p->x = GRID[c % 3], p->y = GRID[c / 3];
        p->t_ms = t;
        p->dur_ms = GAZE_HOLD_MIN_MS + 100 * (int64_t)randombytes_uniform(
                                                 (GAZE_HOLD_MAX_MS - GAZE_HOLD_MIN_MS) / 100 + 1);
        t += p->dur_ms;
    }
    out->end_ms = t;
    out->deadline_ms = t + GAZE_TAIL_MS;
}

bool gaze_path_valid(const gaze_path *p) {
    if (!p || p->count < 2 || p->count > GAZE_MAX_POINTS || p->start_ms < 0) return false;
    int64_t t = p->start_ms;
    for (int k = 0; k < p->count; k++) {
        const gaze_point *q = &p->pts[k];
        if (!(q->x >= 0 && q->x <= 1 && q->y >= 0 && q->y <= 1) || q->t_ms != t ||
            q->dur_ms < 100 || q->dur_ms > 10000)
            return false;
        t += q->dur_ms;
    }
    return p->end_ms == t && p->deadline_ms >= p->end_ms;
}

static float smoothstep01(double a) {
    if (a <= 0) return 0;
    if (a >= 1) return 1;
    return (float)(a * a * (3 - 2 * a));
}

float gaze_expected_x(const gaze_path *p, double t_ms) {
    /* the centre, then each dot's step eased in over GAZE_MOVE_MS, then back to the centre */
    float x = 0.5f, prev = 0.5f;
    for (int k = 0; k <= p->count; k++) {
        float target = k < p->count ? p->pts[k].x : 0.5f;
        double tk = k < p->count ? (double)p->pts[k].t_ms : (double)p->end_ms;
        if (t_ms <= tk) break;
        x += (target - prev) * smoothstep01((t_ms - tk) / GAZE_MOVE_MS);
        prev = target;
    }
    return x;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float median(float *v, size_t k) {
    if (k == 0) return 0;
    qsort(v, k, sizeof *v, cmp_float);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* Pearson r of a and b (0 when either is constant) and the least-squares slope of b on a. */
static float pearson(const float *a, const float *b, size_t n, float *slope) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= (double)n, mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        sab += da * db, saa += da * da, sbb += db * db;
    }
    if (slope) *slope = saa > 1e-12 ? (float)(sab / saa) : 0.0f;
    if (saa < 1e-12 || sbb < 1e-12) return 0.0f;
    return (float)(sab / sqrt(saa * sbb));
}

/* The yaw signal (one-face frames from a second before the start) against the dot's x or y at a
 * lag: r, and the slope of yaw (pitch) per unit of the dot's coordinate. */
typedef struct {
    size_t n;
    double t[GAZE_MAX_FRAMES];
    float yaw[GAZE_MAX_FRAMES], pitch[GAZE_MAX_FRAMES];
} track;

static float corr_at(const gaze_path *p, const track *tr, int64_t lag, bool vertical,
                     float *slope) {
    float e[GAZE_MAX_FRAMES];
    for (size_t i = 0; i < tr->n; i++) {
        double t = tr->t[i] - (double)lag;
        if (!vertical) {
            e[i] = gaze_expected_x(p, t) - 0.5f;
        } else { /* the dot's y, stepped (reported only) */
            e[i] = 0;
            for (int k = 0; k < p->count; k++)
                if (t >= (double)p->pts[k].t_ms && t < (double)(p->pts[k].t_ms + p->pts[k].dur_ms))
                    e[i] = p->pts[k].y - 0.5f;
        }
    }
    return pearson(e, vertical ? tr->pitch : tr->yaw, tr->n, slope);
}

/* Each dot's side as seen at a lag: the mean yaw of its frames from GAZE_SETTLE_MS after the
 * dot (plus the lag) to its end, against straight-ahead. */
static void sides_at(const gaze_path *p, const track *tr, int64_t lag, float base, char *seen) {
    for (int k = 0; k < p->count; k++) {
        double a = (double)(p->pts[k].t_ms + lag + GAZE_SETTLE_MS);
        double b = (double)(p->pts[k].t_ms + p->pts[k].dur_ms + lag);
        double sum = 0;
        int cnt = 0;
        for (size_t i = 0; i < tr->n; i++)
            if (tr->t[i] >= a && tr->t[i] < b) sum += tr->yaw[i] - base, cnt++;
        float m = cnt ? (float)(sum / cnt) : 0.0f;
        seen[k] = !cnt ? '?' : m <= -GAZE_SIDE_DEG ? 'L' : m >= GAZE_SIDE_DEG ? 'R' : 'C';
    }
    seen[p->count] = 0;
}

/* Whether seen holds the expected sides in another order (every dot seen). */
static bool permuted(const char *seen, const char *expected) {
    int a[3] = {0}, b[3] = {0};
    for (int k = 0; seen[k]; k++) {
        if (seen[k] == '?') return false;
        a[seen[k] == 'L' ? 0 : seen[k] == 'C' ? 1 : 2]++;
        b[expected[k] == 'L' ? 0 : expected[k] == 'C' ? 1 : 2]++;
    }
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && strcmp(seen, expected) != 0;
}

int gaze_verify(const gaze_path *p, const challenge_frame *f, size_t n, gaze_verdict *out) {
    memset(out, 0, sizeof *out);
    out->best_frame = -1;
    out->same_face_min = 1.0f;
    if (!gaze_path_valid(p) || n > GAZE_MAX_FRAMES || (n && !f)) return -1;

    /* the track, and straight-ahead: the median yaw while the dot was at the centre (before
     * any reaction to the first dot, and once back after the last) */
    track *tr = calloc(1, sizeof *tr);
    if (!tr) return -1;
    float centre[GAZE_MAX_FRAMES], all[GAZE_MAX_FRAMES];
    size_t nc = 0, na = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].faces == 0) out->frames_no_face++;
        if (f[i].faces > 1) out->frames_many_faces++;
        if (f[i].faces != 1 || f[i].t_ms < p->start_ms - 1000) continue;
        tr->t[tr->n] = (double)f[i].t_ms;
        tr->yaw[tr->n] = f[i].yaw;
        tr->pitch[tr->n] = f[i].pitch;
        tr->n++;
        all[na++] = f[i].yaw;
        if (f[i].t_ms <= p->start_ms + 200 ||
            f[i].t_ms >= p->end_ms + GAZE_MAX_LAG_MS + GAZE_MOVE_MS)
            centre[nc++] = f[i].yaw;
    }
    out->frames_used = (int)tr->n;
    out->base_yaw = nc >= 2 ? median(centre, nc) : median(all, na);

    /* the lag that follows the dot best, overall and within the tolerance */
    float best_r = -2, best_in = -2, slope = 0;
    int64_t lag = 0, lag_in = 0;
    for (int64_t l = 0; l <= GAZE_LAG_SEARCH_MS && tr->n >= 3; l += GAZE_LAG_STEP_MS) {
        float s, r = corr_at(p, tr, l, false, &s);
        if (r > best_r) best_r = r, lag = l, slope = s;
        if (l <= GAZE_MAX_LAG_MS && r > best_in) best_in = r, lag_in = l;
    }
    if (tr->n >= 3) {
        out->corr_x = best_r;
        out->corr_x_in_time = best_in;
        out->lag_ms = lag;
        out->swing_deg = 0.8f * slope;
        out->corr_y = corr_at(p, tr, lag, true, NULL);
    }
    char expected[GAZE_MAX_POINTS + 1];
    for (int k = 0; k < p->count; k++) expected[k] = "LCR"[column_of(p->pts[k].x)];
    expected[p->count] = 0;
    sides_at(p, tr, lag > GAZE_MAX_LAG_MS ? lag_in : lag, out->base_yaw, out->seen);
    for (int k = 0; k < p->count; k++) out->segments_ok += out->seen[k] == expected[k];

    out->best_frame = challenge_best_frame(f, n);
    out->same_face_min = challenge_same_face_min(f, n, out->best_frame, &out->embedded_frames);

    /* the verdict: the first rule broken */
    const char *reason = NULL;
    challenge_timing timing =
        challenge_check_timing(f, n, p->deadline_ms, GAZE_GRACE_MS, GAZE_MAX_GAP_MS);
    if (n < GAZE_MIN_FRAMES || f[0].t_ms > p->start_ms ||
        f[n - 1].t_ms < p->end_ms + GAZE_MAX_LAG_MS)
        reason = "too_few_frames";
    if (!reason && timing != CHALLENGE_TIMING_OK) reason = "timing";
    if (!reason && out->frames_many_faces > 0) reason = "one_face";
    if (!reason && (float)out->frames_no_face > GAZE_NOFACE_SHARE * (float)n) reason = "no_face";
    if (!reason && tr->n < GAZE_MIN_FRAMES) reason = "too_few_frames";
    if (!reason && out->best_frame < 0) reason = "no_face";
    if (!reason && out->same_face_min < CHALLENGE_SAME_FACE) reason = "face_mismatch";
    if (!reason) {
        bool follows = out->corr_x >= GAZE_MIN_CORR && out->swing_deg >= GAZE_MIN_SWING_DEG;
        if (follows && out->lag_ms > GAZE_MAX_LAG_MS)
            reason = "late";
        else if (!follows || out->segments_ok < p->count)
            reason = permuted(out->seen, expected) ? "wrong_order" : "not_following";
    }
    if (!reason) reason = challenge_quality_hint(&f[out->best_frame]);
    out->reason = reason;
    out->passed = reason == NULL;
    free(tr);
    return 0;
}
