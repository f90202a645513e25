/* Synthetic videos of a face following (or not following) a liveness challenge, made from ONE
 * face photo, for tests and evaluation: no real video of people is available to the project.
 *
 * The person is the photo's face region (head ellipse and shoulders, feathered) placed in the
 * middle of a plain, mildly textured background. A head turn is a cylindrical re-projection of
 * the head: the head as a cylinder about the vertical axis through the face centre, rotated by
 * the yaw angle (one side compressed, the other widened, the nose moved). A blink is eyelids
 * painted over the eye landmarks (skin colour sampled below each eye, a darker lash line).
 * Every frame gets a little noise so no two frames are byte-identical.
 *
 * Sign convention: fr_pose's (measured on LFW photos, docs/h5.md): yaw_deg < 0 is the person
 * turned to their OWN left, which in an unmirrored front-camera frame puts the nose towards the
 * image's right; yaw_deg > 0 their own right.
 *
 * Used by tools/face-motion/main.c (build/face-motion) and compiled into tests/unit/
 * test_challenge.c and bench/challenge-eval (they include face_motion.c). */
#ifndef EKYCD_FACE_MOTION_H
#define EKYCD_FACE_MOTION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kyc/face.h"
#include "vision/image.h"

typedef enum { FM_TURN_LEFT, FM_TURN_RIGHT, FM_BLINK } fm_action;

/* "turn_left", "turn_right", "blink" -> action; -1 when unknown. */
int fm_action_parse(const char *name, fm_action *out);

/* A face photo prepared for rendering. */
typedef struct {
    image src;          /* RGB copy of the photo */
    float fcx, fcy;     /* face box centre, source pixels */
    float fw, fh;       /* face box size */
    float eye[2][12];   /* landmarks 36-41 and 42-47, (x, y) */
    float skin[2][3];   /* skin colour sampled below each eye */
    float others[4][4]; /* other faces of the photo (x1, y1, x2, y2): left out of the person */
    int nothers;
} fm_person;

/* Finds the largest face of photo (detector + landmarks) and keeps a copy; other faces of the
 * photo are cut out of the person (a plain background shows there). -1 with err. */
int fm_person_init(face_engine *e, const image *photo, fm_person *out, char *err, size_t errlen);
void fm_person_free(fm_person *p);

/* How the person stands in one frame. */
typedef struct {
    float yaw_deg;   /* fr_pose's sign: < 0 the person's own left (nose to the image's right) */
    float closed;    /* eyelids: 0 open .. 1 closed */
    float dx, dy;    /* sway of the head, in face widths */
    float pitch_deg; /* > 0 the head tilted down (chin down, the face moves down in the image) */
} fm_pose;

/* The frame: size, face size, background and noise. */
typedef struct {
    int width, height;
    float face_frac; /* face box width / frame width (0.38 by default) */
    float noise;     /* per-pixel noise amplitude, grey levels (3 by default) */
    uint64_t seed;
    image bg;     /* prepared by fm_canvas_init */
    uint64_t rng; /* the noise generator's state */
} fm_canvas;

int fm_canvas_init(fm_canvas *c, int width, int height, float face_frac, uint64_t seed);
void fm_canvas_free(fm_canvas *c);

/* Renders one RGB frame into *out (allocated): the background, optionally a second person
 * (smaller, to the right, frontal), the main person at `pose`, noise. */
int fm_render(fm_canvas *c, const fm_person *main_person, const fm_pose *pose,
              const fm_person *second, image *out);

/* Renders `photo` (any image, e.g. a document) fitted into the frame on the plain background,
 * with noise. */
int fm_render_still_image(fm_canvas *c, const image *photo, image *out);

/* The timeline of a challenge video: ~1 s frontal, each action in a slot of step_ms (turns
 * ramp to `turn_deg` and back; a blink keeps the eyes closed ~300 ms), ~1 s frontal. With
 * still, the same duration with no motion at all. */
typedef struct {
    int64_t t_ms;
    fm_pose pose;
} fm_plan_frame;

int fm_plan(const fm_action *actions, int n, int step_ms, int fps, float turn_deg, int still,
            fm_plan_frame **out, int *count);

/* A gaze path (kyc/gaze's dot, docs/gaze.md): the dot at (x, y) on the screen (0..1, y down)
 * from t_ms for dur_ms (ms since the session was issued), at the centre before the first point
 * and after the last. */
typedef struct {
    float x, y;
    int t_ms, dur_ms;
} fm_gaze_point;

#define FM_GAZE_MAX 8

/* Parses "x,y,t_ms,dur_ms;x,y,t_ms,dur_ms;..." (at most FM_GAZE_MAX points). 0 or -1. */
int fm_gaze_parse(const char *spec, fm_gaze_point *pts, int *n);

/* The timeline of a face following a gaze path: it turns its head towards each dot lag_ms after
 * the dot appears, over ~400 ms (yaw = yaw_deg * (x - 0.5) / 0.4, the person's own right for the
 * screen's right; pitch = pitch_deg * (y - 0.5) / 0.4, down for the screen's bottom), and back
 * to the centre after the last; frames from 0 to the last point's end + tail_ms. With still, no
 * motion at all. */
int fm_plan_gaze(const fm_gaze_point *pts, int n, int lag_ms, int fps, float yaw_deg,
                 float pitch_deg, int still, int tail_ms, fm_plan_frame **out, int *count);

/* Attacks on a gaze path: the path the recorded face follows instead of pts, and its lag. */
typedef enum {
    FM_GAZE_HONEST,
    FM_GAZE_STILL,       /* a photo held up: no motion (plan with still) */
    FM_GAZE_WRONG_ORDER, /* the same dots, visited in another order, on the path's schedule */
    FM_GAZE_LATE,        /* the path followed FM_GAZE_LATE_MS after each dot appears */
    FM_GAZE_OTHER_PATH   /* a recording of another session's path (seeded), same schedule */
} fm_gaze_attack_kind;

#define FM_GAZE_LAG_MS  350  /* an honest reaction: the head starts this long after the dot */
#define FM_GAZE_LATE_MS 1300 /* a late follower (a relay, a puppet): this long */

int fm_gaze_attack_parse(const char *name, fm_gaze_attack_kind *out); /* 0 or -1 */
/* The path followed and the lag for an attack on pts (out: n points). */
void fm_gaze_attack(const fm_gaze_point *pts, int n, fm_gaze_attack_kind kind, uint64_t seed,
                    fm_gaze_point *out, int *lag_ms);

/* A less exact follower (seeded): each dot's x and y pulled towards the centre by up to 40 %
 * (a head that turns less for some dots) and its time shifted by -100..+150 ms (a reaction that
 * varies). In place. */
void fm_gaze_humanise(fm_gaze_point *pts, int n, uint64_t seed);

/* Writes a YUV4MPEG2 stream header / one frame (4:2:0, JPEG full-range BT.601). */
int fm_y4m_header(FILE *f, int width, int height, int fps);
int fm_y4m_frame(FILE *f, const image *rgb);

#endif
