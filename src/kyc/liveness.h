/* Passive liveness of a selfie as the API reports it (OkayLive, imageBestLiveness, emas.md §4.6,
 * §5): the liveness network's live logit shifted by this deployment's calibration threshold,
 * and a quality figure from the face measurements.
 *
 * The network ranks live above spoof within one capture setting (dev: mean within-group AUC
 * 0.86; pooled over all settings 0.77) but its level moves between settings, so one global
 * threshold is near chance (docs/accuracy.md). ekycd therefore reports liveness only once the
 * operator has calibrated a threshold on their own live and spoof captures
 * (`ekycd liveness --calibrate`). */
#ifndef EKYCD_KYC_LIVENESS_H
#define EKYCD_KYC_LIVENESS_H

#include "kyc/face.h"

typedef struct {
    float probability; /* sigmoid(score): > 0.5 means live */
    float score;       /* live logit - threshold, clamped to +-16.12 (spec range) */
    float quality;     /* 0-1: how fit the selfie is to be judged (size, pose, eyes) */
    float logit;       /* the network's raw live logit (for calibration) */
} liveness_result;

/* Runs the liveness network on the face face_check chose (check->code must be NULL or
 * FACE_CLOSE_TO_BORDER's measurements present) and fills out. 0, or -1 on internal failure. */
int liveness_assess(face_engine *e, const image *img, const face_check_result *check,
                    float threshold, liveness_result *out);

/* The quality part alone: the product of a size factor (face box's smaller side / 180 px, the
 * spec's "smaller side < 180 px" cue, capped at 1), a pose factor (1 up to 10 degrees of yaw or
 * pitch, falling linearly to 0 at 30) and an eyes factor (1 - the more closed eye's
 * probability). */
float liveness_quality(const face_check_result *check);

/* The live logit at which a set of live and spoof logits err equally (share of live refused vs
 * share of spoof accepted); the calibration `ekycd liveness --calibrate` prints. */
float liveness_equal_error_threshold(const float *live, size_t n_live, const float *spoof,
                                     size_t n_spoof);

#endif
