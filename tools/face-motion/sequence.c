/* Measured challenge sequences made with face_motion.c, for tests/unit/test_challenge.c and
 * bench/challenge-eval: each frame rendered, encoded as the page sends it (JPEG), decoded and
 * measured by kyc/challenge exactly as the server does, with capture and receipt times of a
 * page that sends batches. Included (not linked) by its users, after face_motion.c. */
#ifndef EKYCD_FACE_MOTION_SEQUENCE_C
#define EKYCD_FACE_MOTION_SEQUENCE_C

#include <time.h>

#include "face_motion.c"
#include "kyc/challenge.h"

typedef struct {
    int width, height; /* the page's frames: long side <= 480 */
    int fps;           /* frames the page captures per second */
    int quality;       /* JPEG quality */
    int step_ms;       /* the rendered person's pace: one action per step_ms */
    float turn_deg;
    float pitch_deg;         /* gaze sequences: the head's tilt at the grid's top and bottom rows */
    int still;               /* no motion at all */
    const fm_person *second; /* a second person from frame second_from on */
    int second_from;
    const fm_person *swap; /* another person from frame swap_from on */
    int swap_from;
    uint64_t seed;
    int embed_every;    /* embed every n-th frame (1: all) */
    int batch;          /* frames per upload */
    int64_t latency_ms; /* from a batch's last capture to its receipt */
} seq_opts;

static void seq_defaults(seq_opts *o) {
    memset(o, 0, sizeof *o);
    o->width = 480, o->height = 360, o->fps = 6, o->quality = 80, o->step_ms = 2000;
    o->turn_deg = 45.0f, o->pitch_deg = 15.0f, o->seed = 1, o->batch = 8, o->latency_ms = 400,
    o->embed_every = 1;
    o->second_from = o->swap_from = 0;
}

static double seq_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Renders, encodes, decodes and measures the frames of a plan (count frames, at most max). */
static int seq_measure_plan(face_engine *e, const fm_person *p, const fm_plan_frame *plan,
                            int count, const seq_opts *o, challenge_frame *frames, int max, int *n,
                            double *ms) {
    *n = 0;
    if (count > max) count = max;
    fm_canvas c;
    if (fm_canvas_init(&c, o->width, o->height, 0.38f, o->seed) != 0) return -1;
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        const fm_person *who = o->swap && i >= o->swap_from ? o->swap : p;
        const fm_person *other = o->second && i >= o->second_from ? o->second : NULL;
        image frame = {0}, decoded = {0};
        uint8_t *jpg = NULL;
        size_t len = 0;
        char err[128];
        if (fm_render(&c, who, &plan[i].pose, other, &frame) != 0 ||
            image_encode_jpeg(&frame, o->quality, &jpg, &len) != IMG_OK) {
            rc = -1;
        } else {
            challenge_frame *f = &frames[i];
            memset(f, 0, sizeof *f);
            double t0 = seq_now_ms();
            if (image_decode(jpg, len, 4000000, &decoded, err, sizeof err) != IMG_OK ||
                challenge_measure_frame_ex(e, &decoded, i % o->embed_every == 0, f) != 0)
                rc = -1;
            if (ms) ms[i] = seq_now_ms() - t0;
            challenge_frame_digest(jpg, len, f->digest);
            f->t_ms = plan[i].t_ms;
            int last = (i / o->batch + 1) * o->batch - 1; /* the batch's last frame */
            if (last >= count) last = count - 1;
            f->received_ms = plan[last].t_ms + o->latency_ms;
        }
        free(jpg);
        image_free(&frame);
        image_free(&decoded);
    }
    fm_canvas_free(&c);
    *n = rc == 0 ? count : 0;
    return rc;
}

/* Renders, encodes, decodes and measures the frames of a person performing `acts` (in that
 * order). frames: up to max; *n the count. ms (optional, max entries): each frame's decode +
 * measure time. 0 or -1. */
__attribute__((unused)) static int seq_make(face_engine *e, const fm_person *p,
                                            const challenge_action *acts, int nacts,
                                            const seq_opts *o, challenge_frame *frames, int max,
                                            int *n, double *ms) {
    *n = 0;
    fm_action fa[CHALLENGE_MAX_ACTIONS];
    if (nacts < 0 || nacts > CHALLENGE_MAX_ACTIONS) return -1;
    for (int i = 0; i < nacts; i++)
        fa[i] = acts[i] == CHALLENGE_TURN_LEFT    ? FM_TURN_LEFT
                : acts[i] == CHALLENGE_TURN_RIGHT ? FM_TURN_RIGHT
                                                  : FM_BLINK;
    fm_plan_frame *plan = NULL;
    int count = 0;
    if (fm_plan(fa, nacts, o->step_ms, o->fps, o->turn_deg, o->still, &plan, &count) != 0)
        return -1;
    int rc = seq_measure_plan(e, p, plan, count, o, frames, max, n, ms);
    free(plan);
    return rc;
}

/* The same for a person following a gaze path (fm_plan_gaze: the head's yaw and pitch towards
 * each dot after lag_ms, up to o->turn_deg and o->pitch_deg at the grid's edges; frames to the
 * last dot's end + tail_ms). */
__attribute__((unused)) static int seq_make_gaze(face_engine *e, const fm_person *p,
                                                 const fm_gaze_point *pts, int npts, int lag_ms,
                                                 int tail_ms, const seq_opts *o,
                                                 challenge_frame *frames, int max, int *n,
                                                 double *ms) {
    *n = 0;
    fm_plan_frame *plan = NULL;
    int count = 0;
    if (fm_plan_gaze(pts, npts, lag_ms, o->fps, o->turn_deg, o->pitch_deg, o->still, tail_ms, &plan,
                     &count) != 0)
        return -1;
    int rc = seq_measure_plan(e, p, plan, count, o, frames, max, n, ms);
    free(plan);
    return rc;
}

#endif
