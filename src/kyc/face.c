#include "kyc/face.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

#define DET_W         320
#define DET_H         240
#define DET_PRIORS    4420
#define LMK_SIZE      64
#define EMB_SIZE      112
#define LIVE_SIZE     128
#define LIVE_CONTEXT  2.7f /* the reference's face-box scale */
#define LIVE_CONTEXT2 2.0f /* the second scale averaged with it (docs/accuracy.md) */
#define POSE_SIZE     224
#define POSE_BINS     66
#define EYE_SIZE      24
#define NMS_IOU       0.4f

/* Standard five-point template of 112x112 aligned faces (eyes, nose tip, mouth corners). */
static const float template5[10] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                                    71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};

/* Calibration of cosine similarity to the 0-100 confidence (see docs/accuracy.md): COS_PASS maps
 * to 75 (the spec's recommended pass threshold), 1.0 to 100, COS_ZERO and below to 0. */
#define COS_PASS 0.36f
#define COS_ZERO -0.20f

struct face_models {
    nn_model *detect, *landmark, *feature, *liveness, *pose, *eye;
};

struct face_engine {
    const face_models *m;
    nn_workspace *ws_detect, *ws_landmark, *ws_feature, *ws_liveness, *ws_pose, *ws_eye;
    float det_in[3 * DET_W * DET_H], det_scores[DET_PRIORS * 2], det_boxes[DET_PRIORS * 4];
    float lmk_in[LMK_SIZE * LMK_SIZE], lmk_out[136];
    float emb_in[3 * EMB_SIZE * EMB_SIZE], emb_out[FACE_EMBEDDING_DIM];
    float live_in[3 * LIVE_SIZE * LIVE_SIZE], live_out[3];
    float pose_in[3 * POSE_SIZE * POSE_SIZE], pose_out[3][POSE_BINS];
    float eye_in[EYE_SIZE * EYE_SIZE], eye_out[2];
};

static int load_one(const char *dir, const char *file, nn_model **out, char *err, size_t errlen) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return nn_model_load(path, out, err, errlen);
}

void face_models_free(face_models *m) {
    if (!m) return;
    nn_model_free(m->detect);
    nn_model_free(m->landmark);
    nn_model_free(m->feature);
    nn_model_free(m->liveness);
    nn_model_free(m->pose);
    nn_model_free(m->eye);
    free(m);
}

/* The networks must have the shapes this file is written for. */
static int check_shapes(const face_models *m, char *err, size_t errlen) {
    if (nn_model_input_size(m->detect, 0) != 3 * DET_W * DET_H ||
        nn_model_num_outputs(m->detect) != 2 ||
        nn_model_output_size(m->detect, 0) != DET_PRIORS * 2 ||
        nn_model_output_size(m->detect, 1) != DET_PRIORS * 4 ||
        nn_model_input_size(m->landmark, 0) != LMK_SIZE * LMK_SIZE ||
        nn_model_output_size(m->landmark, 0) != 136 ||
        nn_model_input_size(m->feature, 0) != 3 * EMB_SIZE * EMB_SIZE ||
        nn_model_output_size(m->feature, 0) != FACE_EMBEDDING_DIM ||
        nn_model_input_size(m->liveness, 0) != 3 * LIVE_SIZE * LIVE_SIZE ||
        nn_model_output_size(m->liveness, 0) != 3 ||
        nn_model_input_size(m->pose, 0) != 3 * POSE_SIZE * POSE_SIZE ||
        nn_model_num_outputs(m->pose) != 3 || nn_model_output_size(m->pose, 0) != POSE_BINS ||
        nn_model_input_size(m->eye, 0) != EYE_SIZE * EYE_SIZE ||
        nn_model_output_size(m->eye, 0) != 2) {
        snprintf(err, errlen, "face models do not have the expected input/output shapes");
        return -1;
    }
    return 0;
}

int face_models_load(const char *dir, face_models **out, char *err, size_t errlen) {
    *out = NULL;
    face_models *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (load_one(dir, "fr_detect.onnx", &m->detect, err, errlen) != 0 ||
        load_one(dir, "fr_landmark.onnx", &m->landmark, err, errlen) != 0 ||
        load_one(dir, "fr_feature.onnx", &m->feature, err, errlen) != 0 ||
        load_one(dir, "fr_liveness.onnx", &m->liveness, err, errlen) != 0 ||
        load_one(dir, "fr_pose.onnx", &m->pose, err, errlen) != 0 ||
        load_one(dir, "fr_eye.onnx", &m->eye, err, errlen) != 0 ||
        check_shapes(m, err, errlen) != 0) {
        face_models_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

face_engine *face_engine_create(const face_models *m) {
    face_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->m = m;
    e->ws_detect = nn_workspace_create(m->detect);
    e->ws_landmark = nn_workspace_create(m->landmark);
    e->ws_feature = nn_workspace_create(m->feature);
    e->ws_liveness = nn_workspace_create(m->liveness);
    e->ws_pose = nn_workspace_create(m->pose);
    e->ws_eye = nn_workspace_create(m->eye);
    if (!e->ws_detect || !e->ws_landmark || !e->ws_feature || !e->ws_liveness || !e->ws_pose ||
        !e->ws_eye) {
        face_engine_free(e);
        return NULL;
    }
    return e;
}

void face_engine_free(face_engine *e) {
    if (!e) return;
    nn_workspace_free(e->ws_detect);
    nn_workspace_free(e->ws_landmark);
    nn_workspace_free(e->ws_feature);
    nn_workspace_free(e->ws_liveness);
    nn_workspace_free(e->ws_pose);
    nn_workspace_free(e->ws_eye);
    free(e);
}

static float box_area(const face_box *b) {
    float w = b->x2 - b->x1, h = b->y2 - b->y1;
    return w > 0 && h > 0 ? w * h : 0.0f;
}

static float iou(const face_box *a, const face_box *b) {
    float x1 = fmaxf(a->x1, b->x1), y1 = fmaxf(a->y1, b->y1);
    float x2 = fminf(a->x2, b->x2), y2 = fminf(a->y2, b->y2);
    float inter = (x2 > x1 && y2 > y1) ? (x2 - x1) * (y2 - y1) : 0.0f;
    float uni = box_area(a) + box_area(b) - inter;
    return uni > 0 ? inter / uni : 0.0f;
}

static int by_score_desc(const void *a, const void *b) {
    float sa = ((const face_box *)a)->score, sb = ((const face_box *)b)->score;
    return (sa < sb) - (sa > sb);
}

static int by_area_desc(const void *a, const void *b) {
    float sa = box_area(a), sb = box_area(b);
    return (sa < sb) - (sa > sb);
}

int face_detect(face_engine *e, const image *img, float min_score, face_box *faces, int max,
                int *count) {
    *count = 0;
    image_resize_to_tensor(img, DET_W, DET_H, 127.0f, 1.0f / 128.0f, e->det_in);
    const float *ins[1] = {e->det_in};
    float *outs[2] = {e->det_scores, e->det_boxes};
    if (nn_run(e->m->detect, e->ws_detect, ins, outs) != 0) return -1;
    /* candidates above the threshold, best first */
    face_box *cand = malloc(DET_PRIORS * sizeof *cand);
    if (!cand) return -1;
    int n = 0;
    for (int i = 0; i < DET_PRIORS; i++) {
        float s = e->det_scores[i * 2 + 1];
        if (s < min_score) continue;
        face_box *b = &cand[n++];
        memset(b, 0, sizeof *b);
        b->x1 = e->det_boxes[i * 4] * (float)img->width;
        b->y1 = e->det_boxes[i * 4 + 1] * (float)img->height;
        b->x2 = e->det_boxes[i * 4 + 2] * (float)img->width;
        b->y2 = e->det_boxes[i * 4 + 3] * (float)img->height;
        b->score = s;
    }
    qsort(cand, (size_t)n, sizeof *cand, by_score_desc);
    for (int i = 0; i < n && *count < max; i++) { /* greedy non-maximum suppression */
        if (box_area(&cand[i]) <= 0) continue;
        int keep = 1;
        for (int k = 0; k < *count && keep; k++) keep = iou(&cand[i], &faces[k]) < NMS_IOU;
        if (keep) faces[(*count)++] = cand[i];
    }
    free(cand);
    qsort(faces, (size_t)*count, sizeof *faces, by_area_desc);
    return 0;
}

int face_landmarks(face_engine *e, const image *img, face_box *f) {
    /* square the box on its height, centred on the detection */
    float side = f->y2 - f->y1, cx = (f->x1 + f->x2) / 2, cy = (f->y1 + f->y2) / 2;
    float x0 = cx - side / 2, y0 = cy - side / 2;
    image_crop_grey_to_tensor(img, x0, y0, side, side, LMK_SIZE, LMK_SIZE, 0.0f, 1.0f / 256.0f,
                              e->lmk_in);
    const float *ins[1] = {e->lmk_in};
    float *outs[1] = {e->lmk_out};
    if (nn_run(e->m->landmark, e->ws_landmark, ins, outs) != 0) return -1;
    for (int k = 0; k < 68; k++) {
        f->landmarks[2 * k] = x0 + e->lmk_out[2 * k] * side;
        f->landmarks[2 * k + 1] = y0 + e->lmk_out[2 * k + 1] * side;
    }
    const float *l = f->landmarks;
#define PX(i) l[2 * (i)]
#define PY(i) l[2 * (i) + 1]
    f->points5[0] = (PX(37) + PX(38) + PX(40) + PX(41)) / 4; /* eye on the image's left */
    f->points5[1] = (PY(37) + PY(38) + PY(40) + PY(41)) / 4;
    f->points5[2] = (PX(43) + PX(44) + PX(46) + PX(47)) / 4;
    f->points5[3] = (PY(43) + PY(44) + PY(46) + PY(47)) / 4;
    f->points5[4] = PX(30), f->points5[5] = PY(30); /* nose tip */
    f->points5[6] = (PX(48) + PX(60)) / 2, f->points5[7] = (PY(48) + PY(60)) / 2;
    f->points5[8] = (PX(54) + PX(64)) / 2, f->points5[9] = (PY(54) + PY(64)) / 2;
#undef PX
#undef PY
    return 0;
}

/* Face boxes of this detector are 1.2-1.5 times as tall as wide on portraits (dev documents and
 * LFW); printed emblems it mistakes for faces come out square or wide. */
#define SHAPE_MIN_TALL     1.05f
#define SHAPE_MIN_EYES_GAP 0.25f /* eye distance over box width */

bool face_shape_plausible(const face_box *f) {
    float w = f->x2 - f->x1, h = f->y2 - f->y1;
    if (w <= 0 || h < SHAPE_MIN_TALL * w) return false;
    const float *p = f->points5;
    float eyes_y = (p[1] + p[3]) / 2, mouth_y = (p[7] + p[9]) / 2;
    return p[2] - p[0] >= SHAPE_MIN_EYES_GAP * w && eyes_y < p[5] && p[5] < mouth_y;
}

void face_similarity_transform(const float p[10], float fw[6]) {
    /* least squares for q = [a -b; b a] p + t over the five point pairs (no reflection) */
    double mpx = 0, mpy = 0, mqx = 0, mqy = 0;
    for (int i = 0; i < 5; i++) {
        mpx += p[2 * i], mpy += p[2 * i + 1];
        mqx += template5[2 * i], mqy += template5[2 * i + 1];
    }
    mpx /= 5, mpy /= 5, mqx /= 5, mqy /= 5;
    double num_a = 0, num_b = 0, den = 0;
    for (int i = 0; i < 5; i++) {
        double px = p[2 * i] - mpx, py = p[2 * i + 1] - mpy;
        double qx = template5[2 * i] - mqx, qy = template5[2 * i + 1] - mqy;
        num_a += px * qx + py * qy;
        num_b += px * qy - py * qx;
        den += px * px + py * py;
    }
    double a = den > 1e-9 ? num_a / den : 1.0, b = den > 1e-9 ? num_b / den : 0.0;
    fw[0] = (float)a, fw[1] = (float)-b, fw[2] = (float)(mqx - (a * mpx - b * mpy));
    fw[3] = (float)b, fw[4] = (float)a, fw[5] = (float)(mqy - (b * mpx + a * mpy));
}

/* Inverse of a similarity transform (output-to-source mapping for the warp). */
static void invert_similarity(const float fw[6], float inv[6]) {
    float a = fw[0], b = fw[3], det = a * a + b * b;
    if (det < 1e-12f) det = 1e-12f;
    float ia = a / det, ib = -b / det; /* inverse is [ia -ib; ib ia] */
    inv[0] = ia, inv[1] = -ib, inv[3] = ib, inv[4] = ia;
    inv[2] = -(inv[0] * fw[2] + inv[1] * fw[5]);
    inv[5] = -(inv[3] * fw[2] + inv[4] * fw[5]);
}

static int embed_tensor(face_engine *e, float *acc) {
    const float *ins[1] = {e->emb_in};
    float *outs[1] = {e->emb_out};
    if (nn_run(e->m->feature, e->ws_feature, ins, outs) != 0) return -1;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) acc[i] += e->emb_out[i];
    return 0;
}

int face_embed(face_engine *e, const image *img, const face_box *f,
               float embedding[FACE_EMBEDDING_DIM]) {
    float fw[6], inv[6];
    face_similarity_transform(f->points5, fw);
    invert_similarity(fw, inv);
    image_warp_to_tensor(img, inv, EMB_SIZE, EMB_SIZE, 127.0f, 1.0f / 128.0f, e->emb_in);
    memset(embedding, 0, FACE_EMBEDDING_DIM * sizeof *embedding);
    if (embed_tensor(e, embedding) != 0) return -1;
    /* the mirror image of the aligned face: embeddings of both views averaged */
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < EMB_SIZE; y++) {
            float *row = e->emb_in + (c * EMB_SIZE + y) * EMB_SIZE;
            for (int x = 0; x < EMB_SIZE / 2; x++) {
                float t = row[x];
                row[x] = row[EMB_SIZE - 1 - x];
                row[EMB_SIZE - 1 - x] = t;
            }
        }
    if (embed_tensor(e, embedding) != 0) return -1;
    double norm = 0;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) norm += (double)embedding[i] * embedding[i];
    float s = norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) embedding[i] *= s;
    return 0;
}

static void rgb_to_bgr_planes(float *t, size_t plane) {
    for (size_t i = 0; i < plane; i++) {
        float v = t[i];
        t[i] = t[2 * plane + i];
        t[2 * plane + i] = v;
    }
}

static int run_liveness(face_engine *e, int bgr, float probs[3]) {
    if (bgr) rgb_to_bgr_planes(e->live_in, LIVE_SIZE * LIVE_SIZE);
    const float *ins[1] = {e->live_in};
    float *outs[1] = {e->live_out};
    if (nn_run(e->m->liveness, e->ws_liveness, ins, outs) != 0) return -1;
    float mx = fmaxf(e->live_out[0], fmaxf(e->live_out[1], e->live_out[2])), sum = 0;
    for (int i = 0; i < 3; i++) sum += (probs[i] = expf(e->live_out[i] - mx));
    for (int i = 0; i < 3; i++) probs[i] /= sum;
    return 0;
}

/* Mirrors each plane of a 3 x h x w tensor left to right. */
static void mirror_tensor(float *t, int w, int h) {
    for (int p = 0; p < 3 * h; p++) {
        float *row = t + (size_t)p * (size_t)w;
        for (int a = 0, b = w - 1; a < b; a++, b--) {
            float v = row[a];
            row[a] = row[b];
            row[b] = v;
        }
    }
}

/* The convention in use: measured on the dev set, docs/accuracy.md. */
static const face_liveness_input live_default = {LIVE_CONTEXT, 0, 1, 0, 1, LIVE_CONTEXT2};

/* The network's probabilities for the face box scaled by s (with its mirror image when asked). */
static int liveness_at_scale(face_engine *e, const image *img, const face_box *f,
                             const face_liveness_input *in, float s, float probs[3]) {
    float bw = f->x2 - f->x1, bh = f->y2 - f->y1;
    if (bw <= 0 || bh <= 0) return -1;
    if (in->clamp) s = fminf(s, fminf((float)(img->width - 1) / bw, (float)(img->height - 1) / bh));
    float w = bw * s, h = bh * s;
    float x0 = (f->x1 + f->x2) / 2 - w / 2, y0 = (f->y1 + f->y2) / 2 - h / 2;
    if (in->clamp) {
        x0 = fminf(fmaxf(x0, 0.0f), (float)(img->width - 1) - w);
        y0 = fminf(fmaxf(y0, 0.0f), (float)(img->height - 1) - h);
    }
    float mean = in->norm == 2 ? 127.5f : 0.0f;
    float scale = in->norm == 1 ? 1.0f / 255.0f : in->norm == 2 ? 1.0f / 128.0f : 1.0f;
    image_crop_rgb_to_tensor(img, x0, y0, w, h, LIVE_SIZE, LIVE_SIZE, mean, scale, e->live_in);
    if (run_liveness(e, in->bgr, probs) != 0) return -1;
    if (!in->mirror) return 0;
    float mirrored[3];
    mirror_tensor(e->live_in, LIVE_SIZE, LIVE_SIZE);
    if (run_liveness(e, 0, mirrored) != 0) return -1; /* live_in is already in BGR order */
    for (int i = 0; i < 3; i++) probs[i] = (probs[i] + mirrored[i]) / 2;
    return 0;
}

int face_liveness_with(face_engine *e, const image *img, const face_box *f,
                       const face_liveness_input *in, float probs[3]) {
    if (liveness_at_scale(e, img, f, in, in->context, probs) != 0) return -1;
    if (in->context2 <= 0) return 0;
    float second[3];
    if (liveness_at_scale(e, img, f, in, in->context2, second) != 0) return -1;
    for (int i = 0; i < 3; i++) probs[i] = (probs[i] + second[i]) / 2;
    return 0;
}

int face_liveness(face_engine *e, const image *img, const face_box *f, float probs[3]) {
    return face_liveness_with(e, img, f, &live_default, probs);
}

int face_liveness_crop(face_engine *e, const image *img, float probs[3]) {
    image_resize_to_tensor(img, LIVE_SIZE, LIVE_SIZE, 0.0f, 1.0f, e->live_in);
    return run_liveness(e, live_default.bgr, probs);
}

int face_pose(face_engine *e, const image *img, const face_box *f, float *yaw, float *pitch,
              float *roll) {
    /* the box grown by a quarter on each side, 224x224 RGB, ImageNet normalisation */
    float w = f->x2 - f->x1, h = f->y2 - f->y1;
    float x0 = fmaxf(f->x1 - w / 4, 0.0f), y0 = fmaxf(f->y1 - h / 4, 0.0f);
    float x1 = fminf(f->x2 + w / 4, (float)img->width),
          y1 = fminf(f->y2 + h / 4, (float)img->height);
    if (x1 - x0 < 2 || y1 - y0 < 2) return -1;
    image_crop_rgb_to_tensor(img, x0, y0, x1 - x0, y1 - y0, POSE_SIZE, POSE_SIZE, 0.0f,
                             1.0f / 255.0f, e->pose_in);
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
    size_t plane = POSE_SIZE * POSE_SIZE;
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < plane; i++)
            e->pose_in[c * plane + i] = (e->pose_in[c * plane + i] - mean[c]) / sd[c];
    const float *ins[1] = {e->pose_in};
    float *outs[3] = {e->pose_out[0], e->pose_out[1], e->pose_out[2]};
    if (nn_run(e->m->pose, e->ws_pose, ins, outs) != 0) return -1;
    float angle[3];
    for (int k = 0; k < 3; k++) { /* expectation over 3-degree bins from -99 degrees */
        float mx = e->pose_out[k][0], sum = 0, acc = 0;
        for (int i = 1; i < POSE_BINS; i++) mx = fmaxf(mx, e->pose_out[k][i]);
        for (int i = 0; i < POSE_BINS; i++) {
            float p = expf(e->pose_out[k][i] - mx);
            sum += p;
            acc += p * (float)i;
        }
        angle[k] = acc / sum * 3.0f - 99.0f;
    }
    *yaw = angle[0], *pitch = angle[1], *roll = angle[2];
    return 0;
}

/* Class 0 probability of one eye crop centred on (cx, cy) with the given side. */
static int eye_class0(face_engine *e, const image *img, float cx, float cy, float side, float *p0) {
    if (side < 2) return -1;
    image_crop_grey_to_tensor(img, cx - side / 2, cy - side / 2, side, side, EYE_SIZE, EYE_SIZE,
                              0.0f, 1.0f / 255.0f, e->eye_in);
    const float *ins[1] = {e->eye_in};
    float *outs[1] = {e->eye_out};
    if (nn_run(e->m->eye, e->ws_eye, ins, outs) != 0) return -1;
    float mx = fmaxf(e->eye_out[0], e->eye_out[1]);
    float a = expf(e->eye_out[0] - mx), b = expf(e->eye_out[1] - mx);
    *p0 = a / (a + b);
    return 0;
}

int face_eye_scores(face_engine *e, const image *img, const face_box *f, float out[2]) {
    const float *l = f->landmarks;
    /* crop side: 1.6 x the distance between the eye's corner points (36-39, 42-45) */
    float left = (l[2 * 39] - l[2 * 36]) * 1.6f, right = (l[2 * 45] - l[2 * 42]) * 1.6f;
    if (eye_class0(e, img, f->points5[0], f->points5[1], left, &out[0]) != 0) return -1;
    return eye_class0(e, img, f->points5[2], f->points5[3], right, &out[1]);
}

float face_live_score(const float probs[3], float shift) {
    const float limit = 16.118095f; /* ln 1e7 */
    double p = probs[FACE_LIVE_CLASS], q = 1.0 - p;
    if (p < 1e-12) p = 1e-12;
    if (q < 1e-12) q = 1e-12;
    double score = log(p / q) - shift;
    return (float)(score > limit ? limit : score < -limit ? -limit : score);
}

float face_cosine(const float *a, const float *b) {
    double acc = 0;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) acc += (double)a[i] * b[i];
    return (float)acc;
}

float face_pass_cosine(void) {
    return COS_PASS;
}

float face_confidence(float cosine) {
    float c;
    if (cosine >= COS_PASS)
        c = 75.0f + 25.0f * (cosine - COS_PASS) / (1.0f - COS_PASS);
    else
        c = 75.0f * (cosine - COS_ZERO) / (COS_PASS - COS_ZERO);
    return c < 0.0f ? 0.0f : c > 100.0f ? 100.0f : c;
}

/* ---- quality gates (thresholds: docs/face-quality.md) ---- */

#define GATE_MIN_SCORE         0.65f /* detector probability for a face to count */
#define GATE_OTHER_FACE_HEIGHT 0.60f /* a second face at least this tall (vs the main one) */
#define GATE_OTHER_FACE_SCORE  0.90f /* ... and this certain */
#define GATE_MIN_HEIGHT_SELFIE 80.0f /* pixels */
#define GATE_MIN_HEIGHT_DOC    24.0f
#define GATE_CROPPED_FRACTION  0.10f /* box beyond the image edge by this much of its size */
#define GATE_BORDER_FRACTION   0.02f /* box this close to the edge (of the image size) */
#define GATE_MAX_YAW           30.0f /* degrees */
#define GATE_MAX_PITCH         30.0f

/* fr_eye's class 0 is "closed": it is near 0 for almost every (open-eyed) LFW photo. */
int face_eyes_open(float class0_probability) {
    return class0_probability < 0.5f;
}

#define FRAME_CONTEXT     2.0f    /* a framed tight crop: the canvas is this many times its size */
#define FRAME_MAX_SIDE    1280.0f /* ... and at most this long (the detector sees 320 x 240) */
#define TIGHT_SHARE       0.35f   /* a face box this big a share of both sides: a tight crop */
#define TIGHT_JAW_OUTSIDE 0.10f   /* its jawline may leave the picture by this much of the face */

/* A face whose box fills much of the picture and reaches into its border zone: a tight crop of
 * a face (what mobile SDKs send as their "best image"), not a selfie badly framed. */
static bool tight_crop(const face_box *f, float W, float H) {
    float w = f->x2 - f->x1, h = f->y2 - f->y1;
    bool near_edge = f->x1 < GATE_BORDER_FRACTION * W || f->y1 < GATE_BORDER_FRACTION * H ||
                     f->x2 > (1 - GATE_BORDER_FRACTION) * W ||
                     f->y2 > (1 - GATE_BORDER_FRACTION) * H;
    return near_edge && w >= TIGHT_SHARE * W && h >= TIGHT_SHARE * H;
}

/* The detector and the networks after it need context around a face: one filling the picture
 * is often not found, or found with its box past the edges. This frames img in the middle of a
 * canvas FRAME_CONTEXT times its size, of the detector's aspect and the colour of img's own
 * edge, and detects again; when a face is found there, *img becomes the framed copy (the
 * original is freed), faces / *n its detections, and out the picture's place in it, so every
 * later network sees the same context. Otherwise nothing changes. 0, or -1 on failure. */
static int detect_framed(face_engine *e, image *img, face_box *faces, int *n,
                         face_check_result *out) {
    float w = (float)img->width, h = (float)img->height;
    float canvas_h = fmaxf(FRAME_CONTEXT * h, FRAME_CONTEXT * w * DET_H / DET_W);
    float canvas_w = canvas_h * DET_W / DET_H;
    float scale = fminf(1.0f, FRAME_MAX_SIDE / fmaxf(canvas_w, canvas_h));
    int cw = (int)(canvas_w * scale), ch = (int)(canvas_h * scale);
    int x = (int)((canvas_w - w) / 2 * scale), y = (int)((canvas_h - h) / 2 * scale);
    image framed;
    image_status st = image_frame(img, cw, ch, x, y, scale, &framed);
    if (st == IMG_CORRUPT) return 0; /* too small to frame */
    if (st != IMG_OK) return -1;
    face_box found[FACE_MAX];
    int m = 0;
    if (face_detect(e, &framed, GATE_MIN_SCORE, found, FACE_MAX, &m) != 0) {
        image_free(&framed);
        return -1;
    }
    if (m == 0) {
        image_free(&framed);
        return 0;
    }
    memcpy(faces, found, (size_t)m * sizeof *found);
    *n = m;
    out->framed = true;
    out->frame_x = (float)x, out->frame_y = (float)y, out->frame_scale = scale;
    out->frame_w = w * scale, out->frame_h = h * scale;
    image_free(img);
    *img = framed;
    return 0;
}

/* FACE_CROPPED for a framed tight crop: its inner features (brows, eyes, nose, mouth: landmarks
 * 17-67) must lie inside the picture, its jawline (0-16) within TIGHT_JAW_OUTSIDE of it. */
static bool tight_crop_cut(const face_box *f, const face_check_result *r) {
    float margin = TIGHT_JAW_OUTSIDE * (f->y2 - f->y1);
    for (int k = 0; k < 68; k++) {
        float m = k < 17 ? margin : 0, x = f->landmarks[2 * k], y = f->landmarks[2 * k + 1];
        if (x < r->frame_x - m || y < r->frame_y - m || x > r->frame_x + r->frame_w + m ||
            y > r->frame_y + r->frame_h + m)
            return true;
    }
    return false;
}

int face_check(face_engine *e, image *img, face_role role, face_check_result *out) {
    memset(out, 0, sizeof *out);
    face_box faces[FACE_MAX];
    int n = 0;
    if (face_detect(e, img, GATE_MIN_SCORE, faces, FACE_MAX, &n) != 0) return -1;
    if ((n == 0 || tight_crop(&faces[0], (float)img->width, (float)img->height)) &&
        detect_framed(e, img, faces, &n, out) != 0)
        return -1;
    out->faces_found = n;
    if (n == 0) {
        out->code = "FACE_NOT_FOUND";
        return 0;
    }
    float W = (float)img->width, H = (float)img->height;
    float px = out->framed ? out->frame_scale : 1.0f; /* img's pixels per picture pixel */
    face_box *f = &faces[0];                          /* largest */
    float w = f->x2 - f->x1, h = f->y2 - f->y1;
    int other = 0;
    for (int i = 1; i < n; i++)
        other |= faces[i].score >= GATE_OTHER_FACE_SCORE &&
                 faces[i].y2 - faces[i].y1 >= GATE_OTHER_FACE_HEIGHT * h;
    if (role == FACE_ROLE_SELFIE && other) {
        out->code = "TOO_MANY_FACES";
        out->face = *f;
        return 0;
    }
    if (face_landmarks(e, img, f) != 0) return -1;
    out->face = *f;
    if (h / px < (role == FACE_ROLE_SELFIE ? GATE_MIN_HEIGHT_SELFIE : GATE_MIN_HEIGHT_DOC)) {
        out->code = "FACE_TOO_SMALL";
        return 0;
    }
    if (role == FACE_ROLE_DOCUMENT) return 0;
    if (out->framed
            ? tight_crop_cut(f, out)
            : (f->x1 < -GATE_CROPPED_FRACTION * w || f->y1 < -GATE_CROPPED_FRACTION * h ||
               f->x2 > W + GATE_CROPPED_FRACTION * w || f->y2 > H + GATE_CROPPED_FRACTION * h)) {
        out->code = "FACE_CROPPED";
        return 0;
    }
    /* a framed tight crop is close to its edges by nature: only a whole picture is judged so */
    if (!out->framed &&
        (f->x1 < GATE_BORDER_FRACTION * W || f->y1 < GATE_BORDER_FRACTION * H ||
         f->x2 > (1 - GATE_BORDER_FRACTION) * W || f->y2 > (1 - GATE_BORDER_FRACTION) * H)) {
        out->code = "FACE_CLOSE_TO_BORDER";
        /* measured further below still, so callers can report angles */
    }
    if (face_pose(e, img, f, &out->yaw, &out->pitch, &out->roll) != 0) return -1;
    if (face_eye_scores(e, img, f, out->eye_class0) != 0) return -1;
    if (out->code) return 0;
    if (fabsf(out->yaw) > GATE_MAX_YAW || fabsf(out->pitch) > GATE_MAX_PITCH) {
        out->code = "FACE_ANGLE_TOO_LARGE";
        return 0;
    }
    if (!face_eyes_open(out->eye_class0[0]) && !face_eyes_open(out->eye_class0[1]))
        out->code = "EYES_CLOSED";
    return 0;
}
