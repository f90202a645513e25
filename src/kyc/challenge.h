/* Challenge liveness (the H5 capture page, docs/h5.md "Challenge liveness"): the server draws a
 * random order of actions (turn left, turn right, blink); the page sends small frames with
 * capture times while the person follows it; each frame is measured once on arrival
 * (challenge_measure_frame: faces, pose, eyes, embedding, quality) and kept as a small record
 * (challenge_frame_pack for storage between requests, several nodes); challenge_progress_of
 * answers each batch and challenge_verify judges the whole sequence: every frame's timing, one
 * face per frame, the same face throughout, each action seen in the issued order and in time.
 * It also picks the best frontal frame, which the caller compares with the document portrait
 * and runs passive liveness on. Pure computation: no HTTP, no store, no clock (times are given).
 *
 * Yaw follows fr_pose, measured on LFW photos: negative when the person is turned to their OWN
 * left, i.e. nose towards the image's right in an unmirrored front-camera frame. Frames must be
 * sent as the camera delivers them (not the mirrored preview), else left and right swap.
 * Turns are measured against the person's own straight-ahead yaw (the median yaw of the
 * sequence), so a camera held a little to one side does not bias them. */
#ifndef EKYCD_KYC_CHALLENGE_H
#define EKYCD_KYC_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kyc/face.h"
#include "vision/image.h"

typedef enum { CHALLENGE_TURN_LEFT, CHALLENGE_TURN_RIGHT, CHALLENGE_BLINK } challenge_action;

#define CHALLENGE_MAX_ACTIONS 3
#define CHALLENGE_MAX_FRAMES  60

/* ---- thresholds (docs/h5.md "Challenge liveness" says how they were chosen) ---- */
#define CHALLENGE_DETECT_SCORE   0.65f /* detector probability for the main face */
#define CHALLENGE_OTHER_SCORE    0.80f /* another face counts from this probability */
#define CHALLENGE_OTHER_HEIGHT   0.30f /* ... and this height relative to the main face */
#define CHALLENGE_TURN_DEG       15.0f /* yaw beyond straight-ahead for a turn */
#define CHALLENGE_FRONTAL_DEG    8.0f  /* within this of straight-ahead: frontal */
#define CHALLENGE_BASE_MAX_DEG   20.0f /* straight-ahead is clamped to this absolute yaw */
#define CHALLENGE_BLINK_CLOSED   0.90f /* closed: both eyes' fr_eye class-0 probability >= */
#define CHALLENGE_EYES_OPEN      0.30f /* open: the more open eye's probability <= */
#define CHALLENGE_BLINK_MAX_DEG  12.0f /* a blink counts within this of straight-ahead */
#define CHALLENGE_EMBED_MAX_DEG  25.0f /* embeddings of frames with |yaw| up to this */
#define CHALLENGE_SAME_FACE      0.36f /* lowest cosine of a frame to the best frame */
#define CHALLENGE_BEST_MAX_DEG   20.0f /* the best frame: |yaw| and |pitch| within this */
#define CHALLENGE_MAX_STRAY      1     /* blinks not asked for that are forgiven (natural) */
#define CHALLENGE_NOFACE_SHARE   0.10f /* frames without a face forgiven, share of all */
#define CHALLENGE_CLOCK_SLACK_MS 500   /* a frame's t may exceed its receipt by this */
#define CHALLENGE_GRACE_MS       2000  /* receipt after the deadline by at most this */
#define CHALLENGE_MAX_GAP_MS     1500  /* between two frames' capture times */
#define CHALLENGE_MIN_FACE_FRAC  0.20f /* face width / frame width on the best frame */
#define CHALLENGE_MAX_FACE_FRAC  0.80f
#define CHALLENGE_MIN_BRIGHTNESS 60.0f /* mean luma of the face box */
#define CHALLENGE_MAX_BRIGHTNESS 225.0f
#define CHALLENGE_MIN_SHARPNESS  20.0f /* Laplacian variance of the face at 64x64 */

typedef struct {
    int count;
    challenge_action actions[CHALLENGE_MAX_ACTIONS];
    int64_t step_ms;     /* each action completed within this of the previous one */
    int64_t deadline_ms; /* the whole challenge, from issue to the last frame */
} challenge_spec;

/* A random order of all three actions (libsodium randombytes_uniform), step_ms 5000,
 * deadline_ms 20000. */
void challenge_draw(challenge_spec *out);
const char *challenge_action_name(challenge_action a); /* "turn_left", "turn_right", "blink" */
int challenge_action_parse(const char *name, challenge_action *out); /* 0 or -1 */

typedef struct {
    int64_t t_ms;        /* capture time, ms since the challenge was issued (page clock) */
    int64_t received_ms; /* server clock at receipt, ms since the challenge was issued */
    int faces;           /* faces counted (main face >= DETECT_SCORE; others: OTHER_*) */
    float box[4];        /* the main face x1, y1, x2, y2, pixels */
    float face_frac;     /* face width / frame width */
    float yaw, pitch, roll;
    float eye_closed; /* fr_eye class-0 probability of the more open eye (min of the two) */
    float brightness; /* mean luma of the face box, 0-255 */
    float sharpness;  /* Laplacian variance of the face box resampled to 64x64 */
    int has_embedding;
    float embedding[FACE_EMBEDDING_DIM];
    uint8_t digest[16]; /* of the frame's bytes (challenge_frame_digest), a frame sent twice */
} challenge_frame;

/* Measures one decoded frame into out (times and digest are the caller's): faces, landmarks,
 * pose, eyes, brightness, sharpness, and the embedding when |yaw| <= CHALLENGE_EMBED_MAX_DEG.
 * 0, or -1 on an internal failure. */
int challenge_measure_frame(face_engine *e, const image *img, challenge_frame *out);

/* The same, embedding only when `embed` (the embedding is about a third of a frame's cost;
 * docs/h5.md "Challenge liveness" says which frames to embed within the time budget). */
int challenge_measure_frame_ex(face_engine *e, const image *img, bool embed, challenge_frame *out);

/* BLAKE2b-128 of the frame's bytes into digest. */
void challenge_frame_digest(const uint8_t *bytes, size_t len, uint8_t digest[16]);

/* Versioned little-endian record: CHALLENGE_FRAME_PACKED_MIN bytes, plus the embedding when
 * there is one. Returns the size written, 0 when cap is too small. */
#define CHALLENGE_FRAME_PACKED_MIN 96
#define CHALLENGE_FRAME_PACKED_MAX (CHALLENGE_FRAME_PACKED_MIN + 4 * FACE_EMBEDDING_DIM)
size_t challenge_frame_pack(const challenge_frame *f, uint8_t *out, size_t cap);
int challenge_frame_unpack(const uint8_t *in, size_t len, challenge_frame *out); /* -1 bad */

typedef struct {
    int actions_done; /* leading actions of the spec completed so far, in order */
    const char *hint; /* NULL, or a hint word about the last frame: no_face, one_face,
                         move_closer, move_back, too_dark, too_bright, hold_still */
} challenge_progress;

/* Progress after the frames received so far (in the order received). */
void challenge_progress_of(const challenge_spec *s, const challenge_frame *f, size_t n,
                           challenge_progress *out);

typedef struct {
    bool passed;
    const char *reason; /* NULL when passed; else a hint word (docs/h5.md): no_face, one_face,
                           face_mismatch, out_of_order, too_slow, turn_left_not_seen,
                           turn_right_not_seen, blink_not_seen, move_closer, move_back,
                           too_dark, too_bright, hold_still */
    int actions_done;
    int action_frame[CHALLENGE_MAX_ACTIONS];  /* frame where each action was seen (-1 not) */
    int64_t action_ms[CHALLENGE_MAX_ACTIONS]; /* when each was completed (back to frontal) */
    int best_frame;                           /* index of the best frontal frame (-1 none) */
    float same_face_min;            /* lowest cosine of a frame's embedding to the best frame's */
    int embedded_frames;            /* frames compared with the best one */
    float base_yaw;                 /* straight-ahead yaw (median) */
    float min_rel_yaw, max_rel_yaw; /* furthest turns seen, relative to straight-ahead */
    float max_eye_closed;           /* highest both-eyes-closed probability seen */
    int frames_no_face, frames_many_faces;
} challenge_verdict;

/* Judges the frames (in the order received). 0, or -1 on bad arguments. */
int challenge_verify(const challenge_spec *s, const challenge_frame *f, size_t n,
                     challenge_verdict *out);

/* ---- shared with kyc/gaze (the same records judged against a moving dot) ---- */

typedef enum {
    CHALLENGE_TIMING_OK,
    CHALLENGE_TIMING_ORDER,
    CHALLENGE_TIMING_LATE
} challenge_timing;

/* ORDER: a capture time negative, not increasing, or after its receipt by more than
 * CHALLENGE_CLOCK_SLACK_MS, or a frame's bytes sent twice; LATE: a capture after deadline_ms, a
 * receipt after deadline_ms + grace_ms, or more than max_gap_ms between two captures. */
challenge_timing challenge_check_timing(const challenge_frame *f, size_t n, int64_t deadline_ms,
                                        int64_t grace_ms, int64_t max_gap_ms);

/* The best frontal frame for the portrait match and passive liveness (one face, embedded, steady
 * within CHALLENGE_EMBED_MAX_DEG, |yaw| and |pitch| within CHALLENGE_BEST_MAX_DEG; nearest to
 * frontal, sharp, eyes open), or -1. */
int challenge_best_frame(const challenge_frame *f, size_t n);

/* The lowest cosine of a comparable frame's embedding to frame best's (1 when none); *compared:
 * how many were compared. */
float challenge_same_face_min(const challenge_frame *f, size_t n, int best, int *compared);

/* NULL, or a hint word about one frame: no_face, one_face, move_closer, move_back, too_dark,
 * too_bright, hold_still. */
const char *challenge_quality_hint(const challenge_frame *f);

#endif
