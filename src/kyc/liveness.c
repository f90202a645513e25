#include "kyc/liveness.h"

#include <math.h>

#define QUALITY_FULL_SIDE 180.0f /* px, emas.md §5 */
#define QUALITY_POSE_OK   10.0f  /* degrees */
#define QUALITY_POSE_ZERO 30.0f

static float clamp01(float v) {
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

float liveness_quality(const face_check_result *check) {
    const face_box *f = &check->face;
    float side = fminf(f->x2 - f->x1, f->y2 - f->y1);
    float size = clamp01(side / QUALITY_FULL_SIDE);
    float angle = fmaxf(fabsf(check->yaw), fabsf(check->pitch));
    float pose = clamp01((QUALITY_POSE_ZERO - angle) / (QUALITY_POSE_ZERO - QUALITY_POSE_OK));
    float eyes = clamp01(1.0f - fmaxf(check->eye_class0[0], check->eye_class0[1]));
    return size * pose * eyes;
}

int liveness_assess(face_engine *e, const image *img, const face_check_result *check,
                    float threshold, liveness_result *out) {
    float probs[3];
    if (face_liveness(e, img, &check->face, probs) != 0) return -1;
    out->logit = face_live_score(probs, 0.0f);
    out->score = face_live_score(probs, threshold);
    out->probability = (float)(1.0 / (1.0 + exp(-(double)out->score)));
    out->quality = liveness_quality(check);
    return 0;
}

/* Share of live logits at or below t (refused) minus share of spoof logits above t (accepted). */
static double error_gap(const float *live, size_t n_live, const float *spoof, size_t n_spoof,
                        float t) {
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < n_live; i++) refused += live[i] <= t;
    for (size_t i = 0; i < n_spoof; i++) accepted += spoof[i] > t;
    return fabs((double)refused / (double)n_live - (double)accepted / (double)n_spoof);
}

float liveness_equal_error_threshold(const float *live, size_t n_live, const float *spoof,
                                     size_t n_spoof) {
    if (!n_live || !n_spoof) return 0.0f;
    float best_t = 0.0f;
    double best = 2.0;
    for (int k = -1612; k <= 1612; k++) { /* 0.01 steps over the score range */
        float t = (float)k / 100.0f;
        double gap = error_gap(live, n_live, spoof, n_spoof, t);
        if (gap < best) best = gap, best_t = t;
    }
    return best_t;
}
