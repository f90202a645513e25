/* Gaze liveness (kyc/gaze) on synthetic sequences (tools/face-motion) over LFW identities: the
 * pass rate of honest sequences and the rejection rate of each attack, per half of the
 * identities (even index: development, where thresholds may be looked at; odd index:
 * evaluation, the figures quoted; the thresholds were not tuned on it).
 *
 * Usage: build/gaze-eval DATA_DIR MODELS_DIR [N] [--threads T] [--verbose] [--exact]
 *   DATA_DIR: ../shared/data/faces-pairs/dev (images/lfw/<person>/<person>_NNNN.jpg)
 *   N identities (default 100), spread evenly over the sorted LFW folders. The paths are
 *   gaze_draw's own, on a seeded deterministic libsodium random source: runs repeat.
 *
 * Sequences (frames 480x360 JPEG q80 at 6 per second, batches of 8 received 400 ms after the
 * batch's last capture; the head tilts up to 15 deg at the grid's top and bottom). Each person
 * follows less exactly than the renderer (unless --exact: 35 deg, 350 ms): a turn of 25-40 deg
 * asked at the grid's sides, a reaction of 250-450 ms, and per dot fm_gaze_humanise (up to 40 %
 * less turn, -100..+150 ms); every attack is made from the same follower.
 *   honest      - follows the path
 *   still       - the same photo without any motion
 *   wrong_order - the path's dots rotated (left-right sequence changed), on its schedule
 *   late        - follows the path 1300 ms (1200-1400) after each dot
 *   other_path  - a recording of another session's path (other dots) on this schedule
 *   replay      - a recording of a whole other session (its own dots and holds), its times
 *                 stretched onto this path's window
 *   second      - honest, a second person in the frame from the first third on
 *   swap        - honest, another person from the middle frame on */
#include <dirent.h>
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kyc/gaze.h"
#include "sequence.c"

enum { S_HONEST, S_STILL, S_WRONG, S_LATE, S_OTHER, S_REPLAY, S_SECOND, S_SWAP, S_N };
static const char *const SEQ_NAMES[S_N] = {"honest",     "still",  "wrong_order", "late",
                                           "other_path", "replay", "second",      "swap"};

#define MAX_IDS 400

typedef struct {
    int ok;
    const char *reason[S_N];
    gaze_verdict v[S_N];
} id_result;

static char g_lfw[800];
static char **g_all;
static size_t g_nall;
static int g_n;
static id_result g_res[MAX_IDS];
static gaze_path g_paths[MAX_IDS], g_earlier[MAX_IDS]; /* each slot's path, and a replayed one */
static face_models *g_models;
static int g_next;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_verbose;
static int g_human = 1; /* --exact: the renderer's exact follower */

static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* ---- a deterministic random source for gaze_draw ---- */
static uint64_t g_rng = 0x2026122400000001ULL;
static const char *det_name(void) {
    return "gaze-eval-deterministic";
}
static uint32_t det_random(void) {
    g_rng ^= g_rng >> 12, g_rng ^= g_rng << 25, g_rng ^= g_rng >> 27;
    return (uint32_t)((g_rng * 2685821657736338717ULL) >> 32);
}
static void det_stir(void) {}
static void det_buf(void *const buf, const size_t size) {
    unsigned char *p = buf;
    for (size_t i = 0; i < size; i++) p[i] = (unsigned char)det_random();
}
static randombytes_implementation g_det = {det_name, det_random, det_stir, NULL, det_buf, NULL};

static int load_jpeg(const char *path, image *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    uint8_t *buf = malloc(4 << 20);
    size_t len = buf ? fread(buf, 1, 4 << 20, f) : 0;
    fclose(f);
    char err[128];
    int rc = buf && image_decode(buf, len, 40000000, out, err, sizeof err) == IMG_OK ? 0 : -1;
    free(buf);
    return rc;
}

/* A slot's person: from the slot's place in the sorted folders, the first folder whose most
 * frontal of its first three photos faces the camera within 12 deg (as challenge-eval). */
#define MAX_PHOTO_YAW 12.0f
static int slot_person(face_engine *e, int slot, fm_person *p) {
    size_t base = (size_t)slot * g_nall / (size_t)g_n, stride = g_nall / (size_t)g_n;
    for (size_t off = 0; off < stride && off < 12 && base + off < g_nall; off++) {
        const char *name = g_all[base + off];
        float best = 1e9f;
        int found = 0;
        for (int k = 1; k <= 3; k++) {
            char path[1300];
            snprintf(path, sizeof path, "%s/%s/%s_%04d.jpg", g_lfw, name, name, k);
            image img = {0};
            if (load_jpeg(path, &img) != 0) continue;
            challenge_frame f;
            memset(&f, 0, sizeof f);
            float cost;
            if (challenge_measure_frame_ex(e, &img, false, &f) == 0 && f.faces >= 1 &&
                (cost = fabsf(f.yaw) + 0.5f * fabsf(f.pitch)) < best) {
                fm_person cand;
                char err[128];
                if (fm_person_init(e, &img, &cand, err, sizeof err) == 0) {
                    if (found) fm_person_free(p);
                    *p = cand, found = 1, best = cost;
                }
            }
            image_free(&img);
        }
        if (found && best <= MAX_PHOTO_YAW) return 0;
        if (found) fm_person_free(p);
    }
    return -1;
}

static void to_fm(const gaze_path *g, fm_gaze_point *pts) {
    for (int k = 0; k < g->count; k++) {
        pts[k].x = g->pts[k].x, pts[k].y = g->pts[k].y;
        pts[k].t_ms = (int)g->pts[k].t_ms, pts[k].dur_ms = (int)g->pts[k].dur_ms;
    }
}

static void run_identity(face_engine *e, int idx) {
    id_result *r = &g_res[idx];
    fm_person p, other;
    if (slot_person(e, idx, &p) != 0) return;
    if (slot_person(e, (idx + 1) % g_n, &other) != 0) {
        fm_person_free(&p);
        return;
    }
    r->ok = 1;
    const gaze_path *path = &g_paths[idx];
    fm_gaze_point pts[FM_GAZE_MAX], follow[FM_GAZE_MAX], earlier[FM_GAZE_MAX];
    to_fm(path, pts);
    to_fm(&g_earlier[idx], earlier);
    { /* the recording retimed onto this path's window (its first dot at this start, its end
         at this end), so that it is judged on following rather than on timing */
        const gaze_path *q = &g_earlier[idx];
        double k = (double)(path->end_ms - path->start_ms) / (double)(q->end_ms - q->start_ms);
        for (int j = 0; j < q->count; j++) {
            int64_t a = q->pts[j].t_ms - q->start_ms, b = a + q->pts[j].dur_ms;
            earlier[j].t_ms = (int)(path->start_ms + (int64_t)llround((double)a * k));
            earlier[j].dur_ms =
                (int)(path->start_ms + (int64_t)llround((double)b * k)) - earlier[j].t_ms;
        }
    }
    challenge_frame *f = calloc(GAZE_MAX_FRAMES, sizeof *f);
    if (!f) abort();
    seq_opts o;
    seq_defaults(&o);
    o.turn_deg = 35.0f;
    o.seed = (uint64_t)idx * 7919 + 11;
    for (int k = 0; k < S_N; k++) {
        seq_opts os = o;
        const fm_gaze_point *src = pts;
        int npts = path->count, lag = FM_GAZE_LAG_MS;
        fm_gaze_attack_kind kind = FM_GAZE_HONEST;
        if (k == S_STILL) kind = FM_GAZE_STILL, os.still = 1;
        if (k == S_WRONG) kind = FM_GAZE_WRONG_ORDER;
        if (k == S_LATE) kind = FM_GAZE_LATE;
        if (k == S_OTHER) kind = FM_GAZE_OTHER_PATH;
        if (k == S_REPLAY) src = earlier, npts = g_earlier[idx].count;
        fm_gaze_attack(src, npts, kind, o.seed, follow, &lag);
        if (g_human) { /* this person's pace and reach, and dot-to-dot variation */
            fm_gaze_humanise(follow, npts, o.seed + (uint64_t)k);
            lag += (int)(mix(o.seed) % 201) - 100;
            os.turn_deg = 25.0f + (float)(mix(o.seed + 1) % 16);
        }
        if (k == S_SECOND) os.second = &other, os.second_from = 15;
        if (k == S_SWAP) os.swap = &other, os.swap_from = 25;
        int n = 0;
        if (seq_make_gaze(e, &p, follow, npts, lag, GAZE_TAIL_MS, &os, f, GAZE_MAX_FRAMES, &n,
                          NULL) != 0)
            continue;
        gaze_verify(path, f, (size_t)n, &r->v[k]);
        r->reason[k] = r->v[k].passed ? NULL : r->v[k].reason;
    }
    if (g_verbose) {
        pthread_mutex_lock(&g_lock);
        const gaze_verdict *v = &r->v[S_HONEST];
        printf("%3d r %.2f lag %lld swing %.1f seen %s same %.2f |", idx, v->corr_x,
               (long long)v->lag_ms, v->swing_deg, v->seen, v->same_face_min);
        for (int k = 0; k < S_N; k++)
            printf(" %s=%s", SEQ_NAMES[k], r->reason[k] ? r->reason[k] : "PASS");
        printf("\n");
        fflush(stdout);
        pthread_mutex_unlock(&g_lock);
    }
    free(f);
    fm_person_free(&p);
    fm_person_free(&other);
}

static void *worker(void *arg) {
    (void)arg;
    face_engine *e = face_engine_create(g_models);
    if (!e) return NULL;
    for (;;) {
        pthread_mutex_lock(&g_lock);
        int idx = g_next < g_n ? g_next++ : -1;
        pthread_mutex_unlock(&g_lock);
        if (idx < 0) break;
        run_identity(e, idx);
    }
    face_engine_free(e);
    return NULL;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report(int parity, const char *label) {
    int total = 0;
    for (int i = parity; i < g_n; i += 2) total += g_res[i].ok;
    printf("%s (%s-indexed identities, %d with a face):\n", label, parity ? "odd" : "even", total);
    for (int k = 0; k < S_N; k++) {
        int count = 0;
        const char *seen[16];
        int seen_n[16], ns = 0;
        for (int i = parity; i < g_n; i += 2) {
            if (!g_res[i].ok) continue;
            const char *why = g_res[i].reason[k];
            if (k == S_HONEST ? why == NULL : why != NULL) count++;
            if (!why) why = "passed";
            int j = 0;
            while (j < ns && strcmp(seen[j], why) != 0) j++;
            if (j == ns && ns < 16) seen[ns] = why, seen_n[ns++] = 0;
            if (j < ns) seen_n[j]++;
        }
        printf("  %-11s %s %3d/%-3d (%5.1f %%)  ", SEQ_NAMES[k],
               k == S_HONEST ? "passed  " : "rejected", count, total,
               total ? 100.0 * count / total : 0.0);
        for (int j = 0; j < ns; j++) printf(" %s:%d", seen[j], seen_n[j]);
        printf("\n");
    }
    /* what the thresholds separate: honest lowest r / swing, attacks' highest r in time */
    float min_r = 2, min_swing = 1e9f, max_lag = 0;
    for (int i = parity; i < g_n; i += 2) {
        if (!g_res[i].ok) continue;
        const gaze_verdict *v = &g_res[i].v[S_HONEST];
        min_r = fminf(min_r, v->corr_x), min_swing = fminf(min_swing, v->swing_deg);
        max_lag = fmaxf(max_lag, (float)v->lag_ms);
    }
    printf("  honest: lowest r %.2f, lowest swing %.1f deg, highest lag %.0f ms\n", min_r,
           min_swing, max_lag);
}

int main(int argc, char **argv) {
    const char *data = NULL, *models = NULL;
    int n = 100, threads = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--verbose") == 0)
            g_verbose = 1;
        else if (strcmp(argv[i], "--exact") == 0)
            g_human = 0;
        else if (!data)
            data = argv[i];
        else if (!models)
            models = argv[i];
        else
            n = atoi(argv[i]);
    }
    if (!data || !models || n < 2 || n > MAX_IDS || threads < 1 || threads > 16) {
        fprintf(stderr,
                "usage: gaze-eval DATA_DIR MODELS_DIR [N] [--threads T] [--verbose] [--exact]\n");
        return 2;
    }
    if (randombytes_set_implementation(&g_det) != 0 || sodium_init() < 0) return 1;
    snprintf(g_lfw, sizeof g_lfw, "%s/images/lfw", data);
    DIR *d = opendir(g_lfw);
    if (!d) {
        printf("gaze-eval: %s not found, skipped\n", g_lfw);
        return 0;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (g_nall == cap) {
            cap = cap ? cap * 2 : 1024;
            char **na = realloc(g_all, cap * sizeof *g_all);
            if (!na) abort();
            g_all = na;
        }
        g_all[g_nall] = strdup(de->d_name);
        if (!g_all[g_nall]) abort();
        g_nall++;
    }
    closedir(d);
    qsort(g_all, g_nall, sizeof *g_all, cmp_str);
    if ((size_t)n > g_nall) n = (int)g_nall;
    g_n = n;
    for (int i = 0; i < n; i++) { /* the paths, drawn in order on the seeded source */
        gaze_draw(&g_paths[i]);
        gaze_draw(&g_earlier[i]);
    }
    char err[512];
    if (face_models_load(models, &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "gaze-eval: %s\n", err);
        return 1;
    }
    double t0 = seq_now_ms();
    pthread_t th[16];
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    printf("gaze-eval: %d LFW identities (every %zu-th folder), seeds fixed, %.0f s, %d "
           "thread(s)\n",
           n, g_nall / (size_t)n, (seq_now_ms() - t0) / 1000, threads);
    report(0, "development");
    report(1, "evaluation");
    face_models_free(g_models);
    for (size_t i = 0; i < g_nall; i++) free(g_all[i]);
    free(g_all);
    return 0;
}
