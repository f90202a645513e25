/* face-eval: verification accuracy of the pipeline POST /api/ekyc/okayface runs, on a pairs set
 * (../shared/data/faces-pairs/dev by default).
 *   face-eval [DATA_DIR] [MODELS_DIR]
 * Each pair is judged as the OkayFace handler judges it (bench/face/api_face.h): its first image
 * as imageIdCard (api_face_analyse, document role), its second as imageBest (selfie role: every
 * quality gate, head angle by fr_pose and closed eyes by fr_eye included), with the API's
 * detector threshold and face choice (the largest). A pair either image of which the API refuses
 * is counted by the reason, as the API would answer it. On the pairs it answers: accuracy at the
 * API's own pass mark (confidence >= 75, cosine >= 0.36; no threshold is chosen on this set),
 * then, for comparison with published LFW figures, 5-fold cross-validated accuracy (threshold
 * chosen on the other folds), TAR at FAR 1% and 0.1%, EER, and per-subset accuracy; and the
 * whole set end to end, a refused pair counted as not matched. Timing is per API call.
 *   face-eval --liveness [DATA_DIR] [MODELS_DIR]      (../shared/data/liveness/dev by default)
 * Passive liveness: AUC of each of the liveness network's three softmax classes as a "live"
 * score, with the face found by the detector (2.7x and 2.0x context) and with the whole image
 * (the set's images are tight face crops), then per-group results for the chosen class.
 *   face-eval --liveness-sweep [DATA_DIR] [MODELS_DIR]
 * Every input convention of the network (context scale, window, channels, values, mirror, two
 * scales averaged): pooled and within-group AUC, and for the two-scale rows the pooled AUC with
 * each group left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../face/api_face.h"
#include "kyc/face.h"
#include "kyc/liveness.h"
#include "util/file.h"
#include "vision/image.h"

typedef struct {
    char *path;
    int need[2];         /* used as imageIdCard (0) / as imageBest (1) */
    const char *code[2]; /* the API's refusal in that role, NULL when it answers */
    float emb[2][FACE_EMBEDDING_DIM];
} entry;

typedef struct {
    int a, b, same, fold;
    char subset[64];
    float score;
    const char *refused; /* "imageIdCard:CODE" / "imageBest:CODE", or NULL when answered */
} pair;

static entry *entries;
static int nentries, capentries;

static int find_or_add(const char *path) {
    for (int i = nentries - 1; i >= 0; i--)
        if (!strcmp(entries[i].path, path)) return i;
    if (nentries == capentries) {
        capentries = capentries ? capentries * 2 : 1024;
        entries = realloc(entries, (size_t)capentries * sizeof *entries);
    }
    memset(&entries[nentries], 0, sizeof entries[nentries]);
    entries[nentries].path = strdup(path);
    return nentries++;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads and decodes a photo; 0 on success. */
static int load_photo(const char *path, image *img) {
    size_t len = 0;
    uint8_t *bytes = file_read_all(path, 64u << 20, &len);
    char err[256];
    image_status st =
        bytes ? image_decode(bytes, len, 40000000, img, err, sizeof err) : IMG_CORRUPT;
    free(bytes);
    return st == IMG_OK ? 0 : -1;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* accuracy of threshold t over pairs with fold in/out of `fold` */
static double accuracy(const pair *p, int n, float t, int fold, int in_fold, const char *subset) {
    int right = 0, total = 0;
    for (int i = 0; i < n; i++) {
        if (subset && strcmp(p[i].subset, subset)) continue;
        if (fold && ((p[i].fold == fold) != in_fold)) continue;
        total++;
        right += (p[i].score >= t) == p[i].same;
    }
    return total ? (double)right / total : 0;
}

static float best_threshold(const pair *p, int n, int fold, const char *subset) {
    float best_t = 0;
    double best = -1;
    for (float t = -0.2f; t <= 0.9f; t += 0.0025f) {
        double a = accuracy(p, n, t, fold, 0, subset);
        if (a > best) best = a, best_t = t;
    }
    return best_t;
}

typedef struct {
    char group[96];
    int real;
    float p_det[3], p_crop[3];
    int detected;
} live_item;

/* Area under the ROC curve of score for real (positive) vs spoof. */
static double auc(const live_item *it, int n, int cls, int use_crop) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < n; i++) {
        if (!it[i].real) continue;
        float si = use_crop ? it[i].p_crop[cls] : it[i].p_det[cls];
        for (int j = 0; j < n; j++) {
            if (it[j].real) continue;
            float sj = use_crop ? it[j].p_crop[cls] : it[j].p_det[cls];
            wins += si > sj ? 1.0 : si == sj ? 0.5 : 0.0;
            pairs++;
        }
    }
    return pairs ? wins / (double)pairs : 0;
}

static double within_group_auc(const live_item *it, int n, int cls);

/* The raw live logit of an item (before ekycd's calibration shift). */
static float live_logit(const live_item *it) {
    return face_live_score(it->p_det, 0.0f);
}

/* The equal-error threshold on the live logit over the items whose group is not `skip` (NULL:
 * all), computed as `ekycd liveness --calibrate` does. */
static float eer_threshold(const live_item *it, int n, const char *skip) {
    float *live = malloc((size_t)(n ? n : 1) * sizeof *live);
    float *spoof = malloc((size_t)(n ? n : 1) * sizeof *spoof);
    size_t nl = 0, ns = 0;
    for (int i = 0; live && spoof && i < n; i++) {
        if (skip && !strcmp(it[i].group, skip)) continue;
        if (it[i].real)
            live[nl++] = live_logit(&it[i]);
        else
            spoof[ns++] = live_logit(&it[i]);
    }
    float t = liveness_equal_error_threshold(live, nl, spoof, ns);
    free(live), free(spoof);
    return t;
}

/* The equal-error threshold over the items of one group with index parity `half` (0/1). */
static float eer_threshold_half(const live_item *it, int n, const char *group, int half) {
    live_item *sub = malloc((size_t)(n ? n : 1) * sizeof *sub);
    if (!sub) return 0;
    int m = 0, k = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(it[i].group, group) && (k++ % 2) == half) sub[m++] = it[i];
    float t = eer_threshold(sub, m, NULL);
    free(sub);
    return t;
}

/* An operator calibrating on their own captures: within each group, the threshold chosen on
 * every other image and applied to the rest (and the other way round). */
static void liveness_own_setting(const live_item *it, int n) {
    int reals = 0, spoofs = 0, refused = 0, accepted = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0, gr = 0, gs = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(it[j].group, it[i].group);
        if (seen) continue;
        for (int j = 0; j < n; j++)
            if (!strcmp(it[j].group, it[i].group)) gr += it[j].real, gs += !it[j].real;
        if (gr < 4 || gs < 4) continue;
        float t[2] = {eer_threshold_half(it, n, it[i].group, 1),
                      eer_threshold_half(it, n, it[i].group, 0)};
        for (int j = 0, k = 0; j < n; j++) {
            if (strcmp(it[j].group, it[i].group)) continue;
            float v = live_logit(&it[j]);
            if (it[j].real)
                reals++, refused += v <= t[k % 2];
            else
                spoofs++, accepted += v > t[k % 2];
            k++;
        }
    }
    printf("threshold calibrated on half of each group, applied to the other half: BPCER=%.3f "
           "APCER=%.3f accuracy=%.3f\n",
           reals ? (double)refused / reals : 0, spoofs ? (double)accepted / spoofs : 0,
           (double)(reals - refused + spoofs - accepted) / (reals + spoofs ? reals + spoofs : 1));
}

/* Leave-one-group-out: the threshold is chosen on five groups and applied to the sixth, so the
 * error rates printed are for capture settings the threshold never saw. */
static void liveness_cross_validate(const live_item *it, int n) {
    int reals = 0, spoofs = 0, refused = 0, accepted = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(it[j].group, it[i].group);
        if (seen) continue;
        float t = eer_threshold(it, n, it[i].group);
        int gr = 0, gs = 0, gref = 0, gacc = 0;
        for (int j = 0; j < n; j++) {
            if (strcmp(it[j].group, it[i].group)) continue;
            float v = live_logit(&it[j]);
            if (it[j].real)
                gr++, gref += v <= t;
            else
                gs++, gacc += v > t;
        }
        printf("held-out group=%s threshold=%.2f real refused %d/%d spoof accepted %d/%d\n",
               it[i].group, t, gref, gr, gacc, gs);
        reals += gr, spoofs += gs, refused += gref, accepted += gacc;
    }
    printf("leave-one-group-out: BPCER=%.3f APCER=%.3f accuracy=%.3f\n",
           reals ? (double)refused / reals : 0, spoofs ? (double)accepted / spoofs : 0,
           (double)(reals - refused + spoofs - accepted) / (reals + spoofs ? reals + spoofs : 1));
    printf("equal-error threshold on all groups (live logit)=%.2f\n", eer_threshold(it, n, NULL));
}

static int liveness_eval(const char *data, const char *models) {
    char path[2048], err[512], line[4096];
    snprintf(path, sizeof path, "%s/liveness.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("face-eval: skipped, %s not found\n", path);
        return 0;
    }
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) {
        fprintf(stderr, "face-eval: %s\n", err);
        fclose(f);
        return 1;
    }
    face_engine *e = face_engine_create(fm);
    live_item *items = NULL;
    int n = 0, cap = 0, detected = 0;
    double t0 = now_ms();
    while (fgets(line, sizeof line, f)) {
        char img_path[1024], label[16], attack[64], group[96];
        if (line[0] == '#' ||
            sscanf(line, "%1023s %15s %63[^\t] %95s", img_path, label, attack, group) != 4)
            continue;
        snprintf(path, sizeof path, "%s/%s", data, img_path);
        image img;
        if (load_photo(path, &img) != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            items = realloc(items, (size_t)cap * sizeof *items);
        }
        live_item *it = &items[n++];
        memset(it, 0, sizeof *it);
        snprintf(it->group, sizeof it->group, "%s", group);
        it->real = !strcmp(label, "real");
        face_liveness_crop(e, &img, it->p_crop);
        face_box faces[FACE_MAX];
        int nf = 0;
        if (face_detect(e, &img, 0.5f, faces, FACE_MAX, &nf) == 0 && nf > 0 &&
            face_liveness(e, &img, &faces[0], it->p_det) == 0) {
            it->detected = 1;
            detected++;
        } else {
            memcpy(it->p_det, it->p_crop, sizeof it->p_det);
        }
        image_free(&img);
    }
    fclose(f);
    int reals = 0;
    for (int i = 0; i < n; i++) reals += items[i].real;
    printf("liveness-eval: %d images (%d real, %d spoof), face detected in %d, %.1f ms per image\n",
           n, reals, n - reals, detected, (now_ms() - t0) / (n ? n : 1));
    live_item *det = malloc((size_t)(n ? n : 1) * sizeof *det);
    int nd = 0;
    for (int i = 0; i < n; i++)
        if (items[i].detected) det[nd++] = items[i];
    for (int c = 0; c < 3; c++)
        printf("class=%d auc_detected_faces_only=%.4f auc_with_fallback=%.4f auc_whole_crop=%.4f\n",
               c, auc(det, nd, c, 0), auc(items, n, c, 0), auc(items, n, c, 1));
    printf("within-group AUC (mean over groups) class=%d: %.4f\n", FACE_LIVE_CLASS,
           within_group_auc(det, nd, FACE_LIVE_CLASS));
    liveness_cross_validate(det, nd);
    liveness_own_setting(det, nd);
    free(det);
    /* per group, on detected faces: mean API probability, accuracy at the API's 0.5 */
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(items[j].group, items[i].group);
        if (seen) continue;
        double pr = 0, ps = 0;
        int nr = 0, ns = 0, right = 0, tot = 0;
        for (int j = 0; j < n; j++) {
            if (strcmp(items[j].group, items[i].group)) continue;
            float p = items[j].p_det[FACE_LIVE_CLASS];
            if (items[j].real)
                pr += p, nr++;
            else
                ps += p, ns++;
            right += (p > 0.5f) == items[j].real;
            tot++;
        }
        printf("group=%s real=%d spoof=%d mean_p_live_real=%.3f mean_p_live_spoof=%.3f "
               "accuracy_at_0.5=%.3f\n",
               items[i].group, nr, ns, nr ? pr / nr : 0, ns ? ps / ns : 0, (double)right / tot);
    }
    free(items);
    face_engine_free(e);
    face_models_free(fm);
    return 0;
}

static int cmp_f(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Pose and eye statistics (and, with gates, how many photos each gate would refuse) over the
 * images of a pairs set. */
static int quality_eval(const char *data, const char *models) {
    char path[2048], err[512], line[4096];
    snprintf(path, sizeof path, "%s/pairs.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("face-eval: skipped, %s not found\n", path);
        return 0;
    }
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) {
        fprintf(stderr, "face-eval: %s\n", err);
        fclose(f);
        return 1;
    }
    face_engine *e = face_engine_create(fm);
    while (fgets(line, sizeof line, f)) {
        char a[1024], b[1024];
        if (line[0] == '#' || sscanf(line, "%1023s %1023s", a, b) != 2) continue;
        find_or_add(a);
        find_or_add(b);
    }
    fclose(f);
    float *yaw = malloc(sizeof(float) * (size_t)nentries),
          *pitch = malloc(sizeof(float) * (size_t)nentries);
    float *eye = malloc(sizeof(float) * 2 * (size_t)nentries);
    int n = 0, codes[16] = {0};
    const char *names[16] = {0};
    int ncodes = 0;
    for (int i = 0; i < nentries; i++) {
        snprintf(path, sizeof path, "%s/%s", data, entries[i].path);
        image img;
        if (load_photo(path, &img) != 0) continue;
        face_check_result r;
        if (face_check(e, &img, FACE_ROLE_SELFIE, &r) == 0) {
            const char *code = r.code ? r.code : "OK";
            int k = 0;
            while (k < ncodes && strcmp(names[k], code)) k++;
            if (k == ncodes && ncodes < 16) names[ncodes++] = code;
            if (k < 16 && codes[k]++ < 2 && strcmp(code, "OK"))
                printf("example gate=%s image=%s yaw=%.1f pitch=%.1f eyes_closed=%.2f,%.2f\n", code,
                       entries[i].path, r.yaw, r.pitch, r.eye_class0[0], r.eye_class0[1]);
            if (r.faces_found) {
                yaw[n] = r.yaw, pitch[n] = r.pitch;
                eye[2 * n] = r.eye_class0[0], eye[2 * n + 1] = r.eye_class0[1];
                n++;
            }
        }
        image_free(&img);
    }
    qsort(yaw, (size_t)n, sizeof *yaw, cmp_f);
    qsort(pitch, (size_t)n, sizeof *pitch, cmp_f);
    qsort(eye, (size_t)n * 2, sizeof *eye, cmp_f);
    printf("quality-eval: %d photos with a face\n", n);
    printf("yaw p5=%.1f p50=%.1f p95=%.1f  pitch p5=%.1f p50=%.1f p95=%.1f\n", yaw[n / 20],
           yaw[n / 2], yaw[n * 19 / 20], pitch[n / 20], pitch[n / 2], pitch[n * 19 / 20]);
    printf("eye class-0 probability p5=%.3f p25=%.3f p50=%.3f p75=%.3f p95=%.3f\n", eye[2 * n / 20],
           eye[2 * n / 4], eye[n], eye[2 * n * 3 / 4], eye[2 * n * 19 / 20]);
    for (int k = 0; k < ncodes; k++) printf("gate=%s photos=%d\n", names[k], codes[k]);
    free(yaw), free(pitch), free(eye);
    face_engine_free(e);
    face_models_free(fm);
    return 0;
}

/* Mean over groups (with both labels) of the AUC within the group: separates telling live from
 * spoof from telling one capture setting from another. */
static double within_group_auc(const live_item *it, int n, int cls) {
    live_item *sub = malloc((size_t)(n ? n : 1) * sizeof *sub);
    if (!sub) return 0;
    double sum = 0;
    int groups = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(it[j].group, it[i].group);
        if (seen) continue;
        int m = 0, reals = 0;
        for (int j = 0; j < n; j++)
            if (!strcmp(it[j].group, it[i].group)) reals += (sub[m++] = it[j]).real;
        if (reals < 4 || m - reals < 4) continue; /* too few to rank */
        sum += auc(sub, m, cls, 0);
        groups++;
    }
    free(sub);
    return groups ? sum / groups : 0;
}

/* Pooled AUC of class cls over the items outside `group`. */
static double auc_without_group(const live_item *it, int n, int cls, const char *group) {
    live_item *sub = malloc((size_t)(n ? n : 1) * sizeof *sub);
    if (!sub) return 0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(it[i].group, group)) sub[m++] = it[i];
    double a = auc(sub, m, cls, 0);
    free(sub);
    return a;
}

/* Two context scales averaged (BGR, raw, mirror-averaged, black beyond the edge), and with each
 * group left out the pooled AUC of the pair against the first scale alone. */
static void liveness_sweep_pairs(face_engine *e, const image *imgs, const face_box *boxes,
                                 live_item *items, int n) {
    const float pairs[][2] = {{2.7f, 2.0f}, {2.7f, 2.4f}, {2.7f, 3.2f}, {2.7f, 4.0f}};
    live_item *single = malloc((size_t)(n ? n : 1) * sizeof *single);
    if (!single) return;
    face_liveness_input alone = {2.7f, 0, 1, 0, 1, 0};
    for (int i = 0; i < n; i++) {
        single[i] = items[i];
        face_liveness_with(e, &imgs[i], &boxes[i], &alone, single[i].p_det);
    }
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        face_liveness_input in = {pairs[k][0], 0, 1, 0, 1, pairs[k][1]};
        for (int i = 0; i < n; i++) face_liveness_with(e, &imgs[i], &boxes[i], &in, items[i].p_det);
        printf("contexts=%.1f+%.1f bgr=1 norm=0 mirror=1 auc0=%.3f within_group_auc0=%.3f\n",
               pairs[k][0], pairs[k][1], auc(items, n, 0, 0), within_group_auc(items, n, 0));
        for (int i = 0; i < n; i++) {
            int seen = 0;
            for (int j = 0; j < i && !seen; j++) seen = !strcmp(items[j].group, items[i].group);
            if (seen) continue;
            printf("  without group=%s auc0 pair=%.3f %.1f_alone=%.3f\n", items[i].group,
                   auc_without_group(items, n, 0, items[i].group), pairs[k][0],
                   auc_without_group(single, n, 0, items[i].group));
        }
    }
    free(single);
}

/* Every input convention of the liveness network over the set: AUC of each class. */
static int liveness_sweep(const char *data, const char *models) {
    char path[2048], err[512], line[4096];
    snprintf(path, sizeof path, "%s/liveness.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("face-eval: skipped, %s not found\n", path);
        return 0;
    }
    face_models *fm = NULL;
    if (face_models_load(models, &fm, err, sizeof err) != 0) {
        fclose(f);
        return 1;
    }
    face_engine *e = face_engine_create(fm);
    image imgs[600];
    face_box boxes[600];
    int real[600], n = 0;
    static char groups[600][96];
    while (n < 600 && fgets(line, sizeof line, f)) {
        char img_path[1024], label[16], attack[64];
        if (line[0] == '#' ||
            sscanf(line, "%1023s %15s %63[^\t] %95s", img_path, label, attack, groups[n]) != 4)
            continue;
        snprintf(path, sizeof path, "%s/%s", data, img_path);
        if (load_photo(path, &imgs[n]) != 0) continue;
        face_box faces[FACE_MAX];
        int nf = 0;
        if (face_detect(e, &imgs[n], 0.5f, faces, FACE_MAX, &nf) != 0 || nf == 0) {
            image_free(&imgs[n]);
            continue;
        }
        boxes[n] = faces[0];
        real[n] = !strcmp(label, "real");
        n++;
    }
    fclose(f);
    const float contexts[] = {1.0f, 1.5f, 2.0f, 2.7f, 4.0f};
    live_item *items = calloc((size_t)n, sizeof *items);
    for (int i = 0; i < n; i++) {
        items[i].real = real[i];
        snprintf(items[i].group, sizeof items[i].group, "%.95s", groups[i]);
    }
    for (int ci = 0; ci < 5; ci++)
        for (int clamp = 0; clamp < 2; clamp++)
            for (int bgr = 0; bgr < 2; bgr++)
                for (int norm = 0; norm < 3; norm++)
                    for (int mirror = 0; mirror < 2; mirror++) {
                        if (mirror && (clamp || !bgr || norm)) continue;
                        face_liveness_input in = {contexts[ci], clamp, bgr, norm, mirror, 0};
                        for (int i = 0; i < n; i++)
                            face_liveness_with(e, &imgs[i], &boxes[i], &in, items[i].p_det);
                        double mean_max[3] = {0};
                        for (int i = 0; i < n; i++)
                            for (int c = 0; c < 3; c++) mean_max[c] += items[i].p_det[c] / n;
                        printf("context=%.1f clamp=%d bgr=%d norm=%d mirror=%d auc=%.3f/%.3f/%.3f "
                               "within_group_auc0=%.3f mean_p=%.2f/%.2f/%.2f\n",
                               contexts[ci], clamp, bgr, norm, mirror, auc(items, n, 0, 0),
                               auc(items, n, 1, 0), auc(items, n, 2, 0),
                               within_group_auc(items, n, 0), mean_max[0], mean_max[1],
                               mean_max[2]);
                    }
    liveness_sweep_pairs(e, imgs, boxes, items, n);
    printf("sweep over %d detected faces\n", n);
    for (int i = 0; i < n; i++) image_free(&imgs[i]);
    free(items);
    face_engine_free(e);
    face_models_free(fm);
    return 0;
}

/* Counts of refusals by reason, split genuine / impostor. */
typedef struct {
    const char *reason;
    int genuine, impostor;
} refusal;

static void count_refusal(refusal *r, int *n, int max, const char *reason, int same) {
    int k = 0;
    while (k < *n && strcmp(r[k].reason, reason)) k++;
    if (k == *n) {
        if (*n == max) return;
        r[(*n)++] = (refusal){reason, 0, 0};
    }
    if (same)
        r[k].genuine++;
    else
        r[k].impostor++;
}

static int cmp_refusal(const void *a, const void *b) {
    const refusal *x = a, *y = b;
    return (y->genuine + y->impostor) - (x->genuine + x->impostor);
}

/* The pairs' verdicts at the API's pass mark (confidence >= 75) over pairs of `subset` (NULL:
 * all): right, genuine accepted, impostors accepted. */
static void at_pass_mark(const pair *p, int n, const char *subset, int *total, int *right, int *gen,
                         int *gen_acc, int *imp, int *imp_acc) {
    *total = *right = *gen = *gen_acc = *imp = *imp_acc = 0;
    for (int i = 0; i < n; i++) {
        if (subset && strcmp(p[i].subset, subset)) continue;
        int match = face_confidence(p[i].score) >= 75.0f;
        (*total)++;
        *right += match == p[i].same;
        if (p[i].same)
            (*gen)++, *gen_acc += match;
        else
            (*imp)++, *imp_acc += match;
    }
}

static int verification_eval(const char *data, const char *models) {
    char path[2048];
    snprintf(path, sizeof path, "%s/pairs.tsv", data);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("face-eval: skipped, %s not found\n", path);
        return 0;
    }
    app api;
    if (bench_face_app(&api, models) != 0) {
        fprintf(stderr, "face-eval: cannot load the face models from %s\n", models);
        fclose(f);
        return 1;
    }
    pair *pairs = NULL;
    int npairs = 0, cap = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char a[1024], b[1024], subset[64], fold[16];
        int same;
        if (sscanf(line, "%1023s %1023s %d %63s %15s", a, b, &same, subset, fold) != 5) continue;
        if (npairs == cap) {
            cap = cap ? cap * 2 : 4096;
            pairs = realloc(pairs, (size_t)cap * sizeof *pairs);
        }
        pair *p = &pairs[npairs++];
        memset(p, 0, sizeof *p);
        p->a = find_or_add(a);
        p->b = find_or_add(b);
        p->same = same;
        p->fold = fold[0] == '-' ? 0 : atoi(fold);
        snprintf(p->subset, sizeof p->subset, "%s", subset);
        entries[p->a].need[0] = 1; /* imageIdCard */
        entries[p->b].need[1] = 1; /* imageBest */
    }
    fclose(f);
    /* every image in each role it is used in, through the handler's api_face_analyse */
    static const char *const role_name[2] = {"imageIdCard", "imageBest"};
    static char reasons[32][96];
    int calls = 0, refused_images[2] = {0}, used_images[2] = {0};
    double t0 = now_ms();
    for (int i = 0; i < nentries; i++)
        for (int r = 0; r < 2; r++) {
            if (!entries[i].need[r]) continue;
            snprintf(path, sizeof path, "%s/%s", data, entries[i].path);
            size_t len = 0;
            uint8_t *bytes = file_read_all(path, 64u << 20, &len);
            api_face_outcome out;
            entries[i].code[r] =
                bytes ? bench_face_analyse(&api, bytes, len,
                                           r == 0 ? FACE_ROLE_DOCUMENT : FACE_ROLE_SELFIE,
                                           entries[i].emb[r], &out)
                      : "unreadable file";
            free(bytes);
            calls++;
            used_images[r]++;
            refused_images[r] += entries[i].code[r] != NULL;
        }
    double per_call = (now_ms() - t0) / (calls ? calls : 1);
    /* pairs: refused with the reason the API would answer, else scored */
    refusal refusals[64];
    int nref = 0, nrefused = 0;
    pair *answered = malloc((size_t)(npairs ? npairs : 1) * sizeof *answered);
    int nans = 0;
    for (int i = 0; i < npairs; i++) {
        entry *a = &entries[pairs[i].a], *b = &entries[pairs[i].b];
        int r = a->code[0] ? 0 : b->code[1] ? 1 : -1;
        if (r >= 0) {
            char reason[96]; /* "role:CODE", kept once in reasons[] */
            snprintf(reason, sizeof reason, "%s:%s", role_name[r],
                     r == 0 ? a->code[0] : b->code[1]);
            int k = 0;
            while (k < 31 && reasons[k][0] && strcmp(reasons[k], reason)) k++;
            if (!reasons[k][0]) snprintf(reasons[k], sizeof reasons[k], "%s", reason);
            pairs[i].refused = reasons[k];
            count_refusal(refusals, &nref, 64, pairs[i].refused, pairs[i].same);
            nrefused++;
            continue;
        }
        pairs[i].score = face_cosine(a->emb[0], b->emb[1]);
        answered[nans++] = pairs[i];
    }
    qsort(refusals, (size_t)nref, sizeof *refusals, cmp_refusal);
    printf("face-eval: the OkayFace API's pipeline (api_face_analyse: first image as imageIdCard, "
           "second as imageBest), %d pairs, %d images\n",
           npairs, nentries);
    printf("api_calls=%d (imageIdCard %d, refused %d; imageBest %d, refused %d), %.1f ms per "
           "call\n",
           calls, used_images[0], refused_images[0], used_images[1], refused_images[1], per_call);
    printf("pairs_refused=%d of %d (%.2f %%)\n", nrefused, npairs,
           100.0 * nrefused / (npairs ? npairs : 1));
    for (int k = 0; k < nref; k++)
        printf("  refused reason=%s pairs=%d (genuine %d, impostor %d)\n", refusals[k].reason,
               refusals[k].genuine + refusals[k].impostor, refusals[k].genuine,
               refusals[k].impostor);
    for (int i = 0; i < npairs; i++) { /* refusals by subset */
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(pairs[j].subset, pairs[i].subset);
        if (seen) continue;
        int cnt = 0, ref = 0;
        for (int j = 0; j < npairs; j++)
            if (!strcmp(pairs[j].subset, pairs[i].subset)) cnt++, ref += pairs[j].refused != NULL;
        printf("  refused subset=%s %d of %d", pairs[i].subset, ref, cnt);
        for (int k = 0; k < nref; k++) {
            int c = 0;
            for (int j = 0; j < npairs; j++)
                c += pairs[j].refused == refusals[k].reason &&
                     !strcmp(pairs[j].subset, pairs[i].subset);
            if (c) printf(" %s=%d", refusals[k].reason, c);
        }
        printf("\n");
    }
    /* the API's own decision on the pairs it answers */
    int total, right, gen, gen_acc, imp, imp_acc;
    at_pass_mark(answered, nans, "lfw", &total, &right, &gen, &gen_acc, &imp, &imp_acc);
    printf("answered lfw pairs=%d: at the API's pass mark (confidence >= 75): accuracy=%.4f "
           "tar=%.4f (%d/%d) far=%.4f (%d/%d)\n",
           total, (double)right / (total ? total : 1), (double)gen_acc / (gen ? gen : 1), gen_acc,
           gen, (double)imp_acc / (imp ? imp : 1), imp_acc, imp);
    at_pass_mark(answered, nans, NULL, &total, &right, &gen, &gen_acc, &imp, &imp_acc);
    printf("answered pairs, all subsets=%d: at the pass mark accuracy=%.4f tar=%.4f (%d/%d) "
           "far=%.4f (%d/%d)\n",
           total, (double)right / (total ? total : 1), (double)gen_acc / (gen ? gen : 1), gen_acc,
           gen, (double)imp_acc / (imp ? imp : 1), imp_acc, imp);
    /* end to end: a refused pair is not a match */
    {
        int g = 0, ga = 0, im = 0, ia = 0;
        for (int i = 0; i < npairs; i++) {
            int match = !pairs[i].refused && face_confidence(pairs[i].score) >= 75.0f;
            if (pairs[i].same)
                g++, ga += match;
            else
                im++, ia += match;
        }
        printf("end to end, all %d pairs (refused = not matched): genuine matched=%.4f (%d/%d) "
               "impostors matched=%.4f (%d/%d)\n",
               npairs, (double)ga / (g ? g : 1), ga, g, (double)ia / (im ? im : 1), ia, im);
    }
    for (int i = 0; i < nans; i++) { /* other subsets at the pass mark */
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(answered[j].subset, answered[i].subset);
        if (seen || !strcmp(answered[i].subset, "lfw")) continue;
        at_pass_mark(answered, nans, answered[i].subset, &total, &right, &gen, &gen_acc, &imp,
                     &imp_acc);
        printf("subset=%s answered=%d accuracy_at_pass_mark=%.4f\n", answered[i].subset, total,
               (double)right / (total ? total : 1));
    }
    /* LFW protocol on the answered pairs, for comparison with published figures */
    double acc_sum = 0;
    int folds = 0;
    for (int k = 1; k <= 10; k++) {
        int present = 0;
        for (int i = 0; i < nans; i++) present |= answered[i].fold == k;
        if (!present) continue;
        float t = best_threshold(answered, nans, k, "lfw");
        acc_sum += accuracy(answered, nans, t, k, 1, "lfw");
        folds++;
    }
    printf("lfw protocol on the answered pairs: accuracy_5fold=%.4f (threshold chosen on the "
           "other folds)\n",
           folds ? acc_sum / folds : 0);
    float *imps = malloc((size_t)(nans ? nans : 1) * sizeof *imps),
          *gens = malloc((size_t)(nans ? nans : 1) * sizeof *gens);
    int ni = 0, ng = 0;
    for (int i = 0; i < nans; i++) {
        if (strcmp(answered[i].subset, "lfw")) continue;
        if (answered[i].same)
            gens[ng++] = answered[i].score;
        else
            imps[ni++] = answered[i].score;
    }
    qsort(imps, (size_t)ni, sizeof *imps, cmp_float);
    qsort(gens, (size_t)ng, sizeof *gens, cmp_float);
    double fars[2] = {0.01, 0.001};
    for (int k = 0; k < 2 && ni > 0 && ng > 0; k++) {
        int idx = (int)ceil((1.0 - fars[k]) * ni); /* scores >= imps[idx] are accepted */
        if (idx >= ni) idx = ni - 1;
        float t = imps[idx] + 1e-6f;
        int acc = 0;
        for (int i = 0; i < ng; i++) acc += gens[i] >= t;
        printf("tar_at_far_%g=%.4f threshold=%.4f\n", fars[k], (double)acc / ng, t);
    }
    double eer = 1, eer_t = 0;
    for (float t = -0.2f; t <= 0.9f && ni > 0 && ng > 0; t += 0.001f) {
        int fa = 0, fr = 0;
        for (int i = 0; i < ni; i++) fa += imps[i] >= t;
        for (int i = 0; i < ng; i++) fr += gens[i] < t;
        double far = (double)fa / ni, frr = (double)fr / ng;
        if (fabs(far - frr) < eer) eer = fabs(far - frr), eer_t = t;
    }
    if (ni > 0 && ng > 0) {
        int fa = 0, fr = 0;
        for (int i = 0; i < ni; i++) fa += imps[i] >= eer_t;
        for (int i = 0; i < ng; i++) fr += gens[i] < eer_t;
        printf("eer=%.4f threshold=%.4f\n", ((double)fa / ni + (double)fr / ng) / 2, eer_t);
    }
    free(imps);
    free(gens);
    free(answered);
    free(pairs);
    for (int i = 0; i < nentries; i++) free(entries[i].path);
    free(entries);
    bench_face_app_free(&api);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--liveness-sweep"))
        return liveness_sweep(argc > 2 ? argv[2] : "../shared/data/liveness/dev",
                              argc > 3 ? argv[3] : "models");
    if (argc > 1 && !strcmp(argv[1], "--quality"))
        return quality_eval(argc > 2 ? argv[2] : "../shared/data/faces-pairs/dev",
                            argc > 3 ? argv[3] : "models");
    if (argc > 1 && !strcmp(argv[1], "--liveness"))
        return liveness_eval(argc > 2 ? argv[2] : "../shared/data/liveness/dev",
                             argc > 3 ? argv[3] : "models");
    return verification_eval(argc > 1 ? argv[1] : "../shared/data/faces-pairs/dev",
                             argc > 2 ? argv[2] : "models");
}
