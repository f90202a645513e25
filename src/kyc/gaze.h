/* Gaze liveness (issue 24, v3 sessions; docs/gaze.md): the server draws a random path of dots
 * (gaze_draw); the page shows a dot at the centre, then moves it along the path on the given
 * schedule, asking the person to turn their head towards it, and sends timed low-resolution
 * frames, each measured on arrival with challenge_measure_frame into a challenge_frame record.
 * gaze_verify judges the whole sequence: frame timing (shared with kyc/challenge), one face per
 * frame, the same face throughout, and the head's yaw, relative to the person's own
 * straight-ahead, following the dot's horizontal position in order and in time (correlation over
 * time with a bounded lag, and each dot's side). It picks the best frontal frame, which the
 * caller compares with the portrait and runs passive liveness on. Pure computation: no HTTP, no
 * store, no clock (times are given, ms since the path was issued).
 *
 * Screen coordinates: x, y in [0, 1], x to the right, y down, as the person sees the screen.
 * The dot on the screen's right is to the person's own right: fr_pose's yaw > 0 (challenge.h). */
#ifndef EKYCD_KYC_GAZE_H
#define EKYCD_KYC_GAZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kyc/challenge.h"

#define GAZE_MIN_POINTS 4
#define GAZE_MAX_POINTS 6
#define GAZE_MAX_FRAMES 96 /* a 6-dot path at 6 frames a second is ~70 */

/* ---- the path (docs/gaze.md "The path") ---- */
#define GAZE_START_MS    1500 /* the dot leaves the centre this long after issue */
#define GAZE_HOLD_MIN_MS 1000 /* each dot held for a random 1000..1400 ms (100 ms steps): */
#define GAZE_HOLD_MAX_MS 1400 /* long enough for a head to turn and settle after the lag */
#define GAZE_TAIL_MS     1500 /* frames up to this after the last dot (back at the centre) */

/* ---- thresholds (docs/gaze.md "Thresholds": chosen on synthetic development sequences) ---- */
#define GAZE_MOVE_MS       400  /* the expected head path eases between dots over this */
#define GAZE_MAX_LAG_MS    700  /* the head may follow the dot this late at most */
#define GAZE_LAG_SEARCH_MS 2000 /* lags tried, 0..this, in GAZE_LAG_STEP_MS */
#define GAZE_LAG_STEP_MS   50
#define GAZE_MIN_CORR      0.70f /* Pearson r of relative yaw with the dot's x at the best lag */
#define GAZE_MIN_SWING_DEG 8.0f  /* fitted yaw between the left and right dot columns, at least */
#define GAZE_SIDE_DEG      4.0f  /* a dot's mean yaw beyond straight-ahead by this: a side */
#define GAZE_SETTLE_MS     250   /* a dot's first frames after the lag are not judged (moving) */
#define GAZE_MIN_FRAMES    12    /* frames with one face in the path's window */
#define GAZE_MAX_GAP_MS    1000  /* between two frames' capture times */
#define GAZE_GRACE_MS      2000  /* receipt after the deadline by at most this */
#define GAZE_NOFACE_SHARE  0.10f /* frames without a face forgiven, share of all */

typedef struct {
    float x, y;     /* the dot, screen fraction */
    int64_t t_ms;   /* when the dot arrives there, ms since issue */
    int64_t dur_ms; /* held for this long; the next dot follows at t_ms + dur_ms */
} gaze_point;

typedef struct {
    int count;
    gaze_point pts[GAZE_MAX_POINTS];
    int64_t start_ms;    /* pts[0].t_ms; the dot is at the centre before */
    int64_t end_ms;      /* the last dot's end; the dot is at the centre after */
    int64_t deadline_ms; /* end_ms + GAZE_TAIL_MS: no frame captured later */
} gaze_path;

/* A random path (libsodium randombytes_uniform): 4 to 6 dots on a 3 x 3 grid (0.1, 0.5, 0.9)
 * without the centre, no dot twice, each dot in another column than the one before (and the
 * first off the centre column): every move shows in the yaw; held 1.0-1.4 s each. */
void gaze_draw(gaze_path *out);

/* Whether a path is well formed (what gaze_verify accepts): count, coordinates, contiguous
 * schedule, start, end and deadline consistent. */
bool gaze_path_valid(const gaze_path *p);

/* The dot's x at time t (the centre before the start and after the end), eased over
 * GAZE_MOVE_MS like a head following it: the yaw signal expected, lag 0. */
float gaze_expected_x(const gaze_path *p, double t_ms);

typedef struct {
    bool passed;
    const char *reason; /* NULL when passed; else too_few_frames, timing, one_face, no_face,
                           face_mismatch, not_following, wrong_order, late, or a quality hint of
                           the best frame (challenge_quality_hint) */
    int frames_used;    /* frames with one face in the path's window */
    float corr_x;       /* Pearson r of relative yaw with the dot's x, at lag_ms */
    float corr_y;   /* the same of pitch with the dot's y (reported, not judged: docs/gaze.md) */
    int64_t lag_ms; /* the lag with the highest corr_x */
    float corr_x_in_time; /* the highest corr_x at a lag <= GAZE_MAX_LAG_MS */
    float swing_deg;      /* fitted yaw from the left to the right dot column */
    float base_yaw;       /* straight-ahead: the median yaw while the dot was at the centre */
    int segments_ok;      /* dots whose mean yaw was on the dot's side (or straight, centre) */
    char seen[GAZE_MAX_POINTS + 1]; /* per dot: L, C, R as seen, '?' no frame ("LRC") */
    int best_frame;                 /* the best frontal frame (challenge_best_frame), -1 none */
    float same_face_min;
    int embedded_frames;
    int frames_no_face, frames_many_faces;
} gaze_verdict;

/* Judges the frames (in the order received) against the path. 0, or -1 on bad arguments. */
int gaze_verify(const gaze_path *p, const challenge_frame *f, size_t n, gaze_verdict *out);

#endif
