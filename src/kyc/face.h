/* Face verification pipeline: detect faces, locate 68 landmarks, align on five points and embed.
 *
 * face_models holds the loaded networks (immutable, shared by all threads); each thread uses its
 * own face_engine (workspaces and buffers). Pure computation: bytes in, results out; no HTTP, no
 * store. Images come from src/vision. */
#ifndef EKYCD_KYC_FACE_H
#define EKYCD_KYC_FACE_H

#include <stdbool.h>
#include <stddef.h>

#include "vision/image.h"

#define FACE_EMBEDDING_DIM 512
#define FACE_MAX           16

typedef struct {
    float x1, y1, x2, y2; /* pixels */
    float score;          /* detector face probability */
    float landmarks[136]; /* 68 (x, y) points, pixels; set by face_landmarks */
    float points5[10];    /* eye centres, nose tip, mouth corners */
} face_box;

typedef struct face_models face_models;
typedef struct face_engine face_engine;

/* Loads fr_detect, fr_landmark, fr_feature, fr_liveness, fr_pose and fr_eye (.onnx) from dir. */
int face_models_load(const char *dir, face_models **out, char *err, size_t errlen);
void face_models_free(face_models *m);

face_engine *face_engine_create(const face_models *m);
void face_engine_free(face_engine *e);

/* Detects faces (score >= min_score), non-maximum suppressed, largest first. */
int face_detect(face_engine *e, const image *img, float min_score, face_box *faces, int max,
                int *count);

/* Fills landmarks and points5 of one detected face. */
int face_landmarks(face_engine *e, const image *img, face_box *face);

/* Whether a detected face whose landmarks were located has a face's shape: its box taller than
 * wide, the eyes apart and above the nose, the nose above the mouth. Printed coats of arms and
 * guilloche knots, which the detector can score high on documents, fail it. */
bool face_shape_plausible(const face_box *face);

/* Aligned, mirror-averaged, L2-normalised embedding of a face with landmarks. */
int face_embed(face_engine *e, const image *img, const face_box *face,
               float embedding[FACE_EMBEDDING_DIM]);

/* Passive liveness of one detected face: the face box scaled 2.7x and 2.0x around its centre
 * (black beyond the image), each 128x128 BGR 0-255 and its mirror image, the softmax over the
 * network's three classes averaged over those four views, into probs. Class FACE_LIVE_CLASS is
 * "live" (measured on the dev set, docs/accuracy.md). Its level depends on the capture setting:
 * kyc/liveness.h turns it into the API's figures with a per-deployment threshold. */
#define FACE_LIVE_CLASS 0
int face_liveness(face_engine *e, const image *img, const face_box *face, float probs[3]);

/* The liveness input convention, exposed for measurement (bench/face-eval --liveness-sweep). */
typedef struct {
    float context;  /* face box scale */
    int clamp;      /* 1: shift/shrink the window into the image; 0: black beyond the edge */
    int bgr;        /* channel order */
    int norm;       /* 0: raw 0-255; 1: /255; 2: (x - 127.5) / 128 */
    int mirror;     /* 1: average with the mirror image's probabilities */
    float context2; /* > 0: also at this scale, the probabilities of both scales averaged */
} face_liveness_input;

int face_liveness_with(face_engine *e, const image *img, const face_box *face,
                       const face_liveness_input *in, float probs[3]);

/* The same on a whole image that is already a face crop (no detection). */
int face_liveness_crop(face_engine *e, const image *img, float probs[3]);

/* Head pose in degrees (fr_pose: yaw left/right, pitch up/down, roll in-plane). */
int face_pose(face_engine *e, const image *img, const face_box *face, float *yaw, float *pitch,
              float *roll);

/* Eye state of a face with landmarks: out[0], out[1] = class-0 ("closed") probability of the
 * left and right eye crops (fr_eye); face_eyes_open turns one into a decision. */
int face_eye_scores(face_engine *e, const image *img, const face_box *face, float out[2]);
int face_eyes_open(float class0_probability);

/* Quality gates before comparison or liveness, per emas.md §11.3. */
typedef enum { FACE_ROLE_SELFIE, FACE_ROLE_DOCUMENT } face_role;

typedef struct {
    const char *code; /* NULL when the face passes; else the spec's error code */
    face_box face;    /* the chosen face (with landmarks) when one was found */
    int faces_found;
    float yaw, pitch, roll;
    float eye_class0[2];
    /* When no face was found in the picture as given but one was once it was framed (a tight
     * crop, see face_check): the picture's place in the framed copy (top-left, size) and the
     * scale it was placed at. Coordinates above are in the framed copy. */
    bool framed;
    float frame_x, frame_y, frame_w, frame_h, frame_scale;
} face_check_result;

/* Finds the face to use and applies the gates for the role: FACE_NOT_FOUND, TOO_MANY_FACES,
 * FACE_TOO_SMALL, FACE_CROPPED, FACE_CLOSE_TO_BORDER, FACE_ANGLE_TOO_LARGE, EYES_CLOSED (the
 * document role checks only NOT_FOUND and TOO_SMALL: portraits on cards are small and frontal).
 * A picture in which no face is found is framed by a surround of its own edge colour and
 * searched again (a tight crop of a face); when that finds one, *img is replaced by the framed
 * copy (out->framed), which the caller then embeds and judges. Sizes are judged in the
 * picture's own pixels. Thresholds: docs/face-quality.md. Returns -1 only on an internal
 * failure. */
int face_check(face_engine *e, image *img, face_role role, face_check_result *out);

/* The liveness network's live-class logit, ln(p / (1 - p)), minus `shift`, clamped to the
 * spec's score range (+-ln 1e7 = +-16.12). */
float face_live_score(const float probs[3], float shift);

/* Cosine similarity of two normalised embeddings, and its calibrated 0-100 confidence
 * (75 = recommended pass threshold; docs/accuracy.md says how it was chosen). */
float face_cosine(const float *a, const float *b);
float face_confidence(float cosine);
/* The cosine that face_confidence maps to 75, the pass mark. */
float face_pass_cosine(void);

/* The similarity transform (forward, 2x3: x' = a x - b y + tx, y' = b x + a y + ty) that maps
 * the five points onto the standard 112x112 template in the least-squares sense. */
void face_similarity_transform(const float points5[10], float forward[6]);

#endif
