/* Challenge liveness on synthetic sequences (tools/face-motion) over LFW identities: the pass
 * rate of honest sequences and the rejection rate of each attack, per half of the identities
 * (even index: development, where the thresholds were chosen; odd index: evaluation, the
 * figures quoted), and the time to measure one frame (decode + kyc/challenge).
 *
 * Usage: build/challenge-eval DATA_DIR MODELS_DIR [N] [--threads T] [--verbose]
 *   DATA_DIR: ../shared/data/faces-pairs/dev (images/lfw/<person>/<person>_NNNN.jpg)
 *   N identities (default 100), spread evenly over the sorted LFW folders; fixed seeds.
 *
 * Sequences (each person performs a random order of the three actions; the server's spec asks
 * for step_ms 5000 and deadline_ms 20000; frames 480x360 JPEG q80 at 6 per second, uploaded in
 * batches of 8 received 400 ms after the batch's last capture):
 *   honest   - the person follows the spec's order at one action per 2 s
 *   still    - the same photo without any motion for as long
 *   replay   - a recording that followed another order (a different permutation)
 *   late     - honest, with the last frame's capture time past the deadline
 *   future   - honest, one frame claiming a capture time after the server received it
 *   reorder  - honest, two frames sent in swapped order
 *   dup      - honest, one frame sent twice (same bytes)
 *   second   - honest, a second person in the frame from the first third on
 *   swap     - honest, another person from the middle frame on
 *   slow     - the person follows the order at one action per 5.8 s (> step_ms) */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequence.c"

enum {
    S_HONEST,
    S_STILL,
    S_REPLAY,
    S_LATE,
    S_FUTURE,
    S_REORDER,
    S_DUP,
    S_SECOND,
    S_SWAP,
    S_SLOW,
    S_N
};
static const char *const SEQ_NAMES[S_N] = {"honest",  "still", "replay", "late", "future",
                                           "reorder", "dup",   "second", "swap", "slow"};

#define MAX_IDS   400
#define MAX_TIMES 400000

typedef struct {
    char photo[1400];
    int ok;                  /* a face was found in the photo */
    int skipped;             /* folders passed over: photos turned from the camera */
    const char *reason[S_N]; /* NULL: passed */
    challenge_verdict v[S_N];
} id_result;

static char g_lfw[800];
static char g_names[MAX_IDS][256]; /* the identity each slot settled on */
static char **g_all;               /* every LFW folder, sorted */
static size_t g_nall;
static int g_n;
static id_result g_res[MAX_IDS];
static face_models *g_models;
static int g_next;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double *g_times;
static size_t g_ntimes;
static int g_verbose;
static int g_embed_every = 1;

static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

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

/* The person's photo: the most frontal of their first three (people face the camera when a
 * challenge starts; LFW photos are often taken from the side). *yaw: its |yaw| + |pitch| / 2. */
static int load_person(face_engine *e, const char *name, fm_person *p, char *chosen, size_t cap,
                       float *yaw) {
    float best = 1e9f;
    int found = 0;
    for (int k = 1; k <= 3; k++) {
        char path[1300];
        snprintf(path, sizeof path, "%s/%s/%s_%04d.jpg", g_lfw, name, name, k);
        image img = {0};
        if (load_jpeg(path, &img) != 0) continue;
        challenge_frame f;
        memset(&f, 0, sizeof f);
        if (challenge_measure_frame_ex(e, &img, false, &f) == 0 && f.faces >= 1 &&
            fabsf(f.yaw) + 0.5f * fabsf(f.pitch) < best) {
            fm_person cand;
            char err[128];
            if (fm_person_init(e, &img, &cand, err, sizeof err) == 0) {
                if (found) fm_person_free(p);
                *p = cand;
                found = 1;
                best = fabsf(f.yaw) + 0.5f * fabsf(f.pitch);
                snprintf(chosen, cap, "%s", path);
            }
        }
        image_free(&img);
    }
    *yaw = best;
    return found ? 0 : -1;
}

/* The person of a slot: the first folder from the slot's place in the sorted list whose photo
 * faces the camera within MAX_PHOTO_YAW (the generator turns a face about a vertical axis
 * through its photo: a face photographed from the side cannot be turned both ways, which is
 * not what a person facing a phone does). *skipped: folders passed over. */
#define MAX_PHOTO_YAW 12.0f
static int slot_person(face_engine *e, int slot, fm_person *p, char *chosen, size_t cap, char *name,
                       size_t name_cap, int *skipped) {
    size_t base = (size_t)slot * g_nall / (size_t)g_n, stride = g_nall / (size_t)g_n;
    *skipped = 0;
    for (size_t off = 0; off < stride && off < 12 && base + off < g_nall; off++) {
        float yaw;
        if (load_person(e, g_all[base + off], p, chosen, cap, &yaw) == 0) {
            if (yaw <= MAX_PHOTO_YAW) {
                snprintf(name, name_cap, "%s", g_all[base + off]);
                return 0;
            }
            fm_person_free(p);
        }
        (*skipped)++;
    }
    return -1;
}

static void add_times(const double *ms, int n) {
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < n && g_ntimes < MAX_TIMES; i++) g_times[g_ntimes++] = ms[i];
    pthread_mutex_unlock(&g_lock);
}

static void judge(const challenge_spec *s, const challenge_frame *f, int n, id_result *r,
                  int kind) {
    challenge_verify(s, f, (size_t)n, &r->v[kind]);
    r->reason[kind] = r->v[kind].passed ? NULL : r->v[kind].reason;
}

static void run_identity(face_engine *e, int idx) {
    id_result *r = &g_res[idx];
    fm_person p, other;
    char other_photo[1400], other_name[256];
    int other_skipped = 0;
    if (slot_person(e, idx, &p, r->photo, sizeof r->photo, g_names[idx], sizeof g_names[idx],
                    &r->skipped) != 0)
        return;
    if (slot_person(e, (idx + 1) % g_n, &other, other_photo, sizeof other_photo, other_name,
                    sizeof other_name, &other_skipped) != 0) {
        fm_person_free(&p);
        return;
    }
    r->ok = 1;
    uint64_t seed = mix((uint64_t)idx + 2026);
    /* the spec: a permutation drawn from the seed; the replay: another permutation */
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    int pi = (int)(seed % 6), pj = (pi + 1 + (int)((seed >> 8) % 5)) % 6;
    challenge_spec spec = {.count = 3, .step_ms = 5000, .deadline_ms = 20000};
    challenge_action replay[3];
    for (int k = 0; k < 3; k++) {
        spec.actions[k] = (challenge_action)perms[pi][k];
        replay[k] = (challenge_action)perms[pj][k];
    }
    challenge_frame *f = calloc(CHALLENGE_MAX_FRAMES + 1, sizeof *f);
    challenge_frame *g = calloc(CHALLENGE_MAX_FRAMES + 1, sizeof *g);
    double ms[CHALLENGE_MAX_FRAMES];
    if (!f || !g) abort();
    seq_opts o;
    seq_defaults(&o);
    o.seed = seed;
    o.embed_every = g_embed_every;
    int n = 0, m = 0;

    /* honest, and the attacks made from its frames */
    if (seq_make(e, &p, spec.actions, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, ms) == 0) {
        add_times(ms, n);
        judge(&spec, f, n, r, S_HONEST);
        memcpy(g, f, (size_t)n * sizeof *f);
        g[n - 1].t_ms = spec.deadline_ms + 300;
        g[n - 1].received_ms = g[n - 1].t_ms + 400;
        judge(&spec, g, n, r, S_LATE);
        memcpy(g, f, (size_t)n * sizeof *f);
        g[n / 2].received_ms = g[n / 2].t_ms - 1500;
        judge(&spec, g, n, r, S_FUTURE);
        memcpy(g, f, (size_t)n * sizeof *f);
        g[n / 2] = f[n / 2 + 1], g[n / 2 + 1] = f[n / 2];
        judge(&spec, g, n, r, S_REORDER);
        memcpy(g, f, (size_t)n * sizeof *f);
        memmove(&g[n / 2 + 1], &g[n / 2], (size_t)(n - n / 2) * sizeof *g); /* n + 1 frames */
        g[n / 2 + 1].t_ms = g[n / 2].t_ms + 1;
        judge(&spec, g, n + 1 <= CHALLENGE_MAX_FRAMES ? n + 1 : n, r, S_DUP);
        if (n + 1 > CHALLENGE_MAX_FRAMES) { /* keep the count: drop the last frame instead */
            memcpy(g, f, (size_t)n * sizeof *f);
            memmove(&g[n / 2 + 1], &g[n / 2], (size_t)(n - 1 - n / 2) * sizeof *g);
            g[n / 2 + 1].t_ms = g[n / 2].t_ms + 1;
            judge(&spec, g, n, r, S_DUP);
        }
    }
    seq_opts os = o;
    os.still = 1;
    if (seq_make(e, &p, spec.actions, 3, &os, g, CHALLENGE_MAX_FRAMES, &m, ms) == 0) {
        add_times(ms, m);
        judge(&spec, g, m, r, S_STILL);
    }
    if (seq_make(e, &p, replay, 3, &o, g, CHALLENGE_MAX_FRAMES, &m, ms) == 0)
        judge(&spec, g, m, r, S_REPLAY);
    os = o;
    os.second = &other;
    os.second_from = n / 3;
    if (seq_make(e, &p, spec.actions, 3, &os, g, CHALLENGE_MAX_FRAMES, &m, ms) == 0)
        judge(&spec, g, m, r, S_SECOND);
    os = o;
    os.swap = &other;
    os.swap_from = n / 2;
    if (seq_make(e, &p, spec.actions, 3, &os, g, CHALLENGE_MAX_FRAMES, &m, ms) == 0)
        judge(&spec, g, m, r, S_SWAP);
    os = o;
    os.step_ms = 5800;
    os.fps = 3;
    if (seq_make(e, &p, spec.actions, 3, &os, g, CHALLENGE_MAX_FRAMES, &m, ms) == 0)
        judge(&spec, g, m, r, S_SLOW);
    if (g_verbose) {
        pthread_mutex_lock(&g_lock);
        const challenge_verdict *v = &r->v[S_HONEST];
        const char sym[] = "LRB";
        printf("%3d %-26s %c%c%c base %5.1f rel %6.1f..%5.1f eye %.2f same %.2f (swap %.2f) |", idx,
               g_names[idx], sym[spec.actions[0]], sym[spec.actions[1]], sym[spec.actions[2]],
               v->base_yaw, v->min_rel_yaw, v->max_rel_yaw, v->max_eye_closed, v->same_face_min,
               r->v[S_SWAP].same_face_min);
        for (int k = 0; k < S_N; k++)
            printf(" %s=%s", SEQ_NAMES[k], r->reason[k] ? r->reason[k] : "PASS");
        printf("\n");
        fflush(stdout);
        pthread_mutex_unlock(&g_lock);
    }
    free(f);
    free(g);
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

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(int parity, const char *label) {
    int total = 0, counts[S_N] = {0}, runs[S_N] = {0};
    for (int i = parity; i < g_n; i += 2) {
        if (!g_res[i].ok) continue;
        total++;
        for (int k = 0; k < S_N; k++) {
            runs[k]++;
            if (k == S_HONEST ? g_res[i].reason[k] == NULL : g_res[i].reason[k] != NULL)
                counts[k]++;
        }
    }
    int skipped = 0;
    for (int i = parity; i < g_n; i += 2) skipped += g_res[i].skipped;
    printf("%s (%s-indexed identities, %d with a face; %d folders passed over: photos turned "
           "more than %.0f deg):\n",
           label, parity ? "odd" : "even", total, skipped, MAX_PHOTO_YAW);
    for (int k = 0; k < S_N; k++) {
        printf("  %-8s %s %3d/%-3d (%5.1f %%)", SEQ_NAMES[k],
               k == S_HONEST ? "passed  " : "rejected", counts[k], runs[k],
               runs[k] ? 100.0 * counts[k] / runs[k] : 0.0);
        /* the reasons given */
        const char *seen[16];
        int seen_n[16], ns = 0;
        for (int i = parity; i < g_n; i += 2) {
            const char *why = g_res[i].ok ? g_res[i].reason[k] : NULL;
            if (!g_res[i].ok) continue;
            if (!why) why = "passed";
            int j = 0;
            while (j < ns && strcmp(seen[j], why) != 0) j++;
            if (j == ns && ns < 16) seen[ns] = why, seen_n[ns++] = 0;
            if (j < ns) seen_n[j]++;
        }
        printf("  ");
        for (int j = 0; j < ns; j++) printf(" %s:%d", seen[j], seen_n[j]);
        printf("\n");
    }
}

static int cmp_double_asc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One thread, one engine: the cost of each step on the frames of one honest sequence. */
static void bench_steps(void) {
    int idx = -1;
    for (int i = 0; i < g_n && idx < 0; i++)
        if (g_res[i].ok) idx = i;
    if (idx < 0) return;
    face_engine *e = face_engine_create(g_models);
    fm_person p;
    char photo[1400];
    float photo_yaw;
    if (!e || load_person(e, g_names[idx], &p, photo, sizeof photo, &photo_yaw) != 0) {
        face_engine_free(e);
        return;
    }
    fm_action acts[3] = {FM_TURN_LEFT, FM_BLINK, FM_TURN_RIGHT};
    fm_plan_frame *plan = NULL;
    int count = 0;
    fm_canvas c;
    if (fm_plan(acts, 3, 2000, 6, 45.0f, 0, &plan, &count) != 0 ||
        fm_canvas_init(&c, 480, 360, 0.38f, 5) != 0) {
        free(plan);
        fm_person_free(&p);
        face_engine_free(e);
        return;
    }
    enum { DEC, DET, LMK, POSE, EYE, EMB, ALL, ALL_NOEMB, NSTEP };
    static const char *const names[NSTEP] = {
        "decode", "detect", "landmarks",           "pose",
        "eyes",   "embed",  "measure (embedding)", "measure (no embedding)"};
    double *t[NSTEP];
    for (int k = 0; k < NSTEP; k++) t[k] = calloc((size_t)count, sizeof(double));
    int m = 0;
    for (int i = 0; i < count; i++) {
        image frame = {0}, d = {0};
        uint8_t *jpg = NULL;
        size_t len = 0;
        char err[128];
        if (fm_render(&c, &p, &plan[i].pose, NULL, &frame) != 0 ||
            image_encode_jpeg(&frame, 80, &jpg, &len) != IMG_OK || !t[NSTEP - 1]) {
            image_free(&frame);
            free(jpg);
            continue;
        }
        double a = seq_now_ms();
        int ok = image_decode(jpg, len, 4000000, &d, err, sizeof err) == IMG_OK;
        double b = seq_now_ms();
        face_box fb[FACE_MAX];
        int nf = 0;
        ok = ok && face_detect(e, &d, 0.5f, fb, FACE_MAX, &nf) == 0 && nf > 0;
        double cc = seq_now_ms();
        ok = ok && face_landmarks(e, &d, &fb[0]) == 0;
        double dd = seq_now_ms();
        float yaw, pitch, roll, eyes[2], emb[FACE_EMBEDDING_DIM];
        ok = ok && face_pose(e, &d, &fb[0], &yaw, &pitch, &roll) == 0;
        double ee = seq_now_ms();
        ok = ok && face_eye_scores(e, &d, &fb[0], eyes) == 0;
        double ff = seq_now_ms();
        ok = ok && face_embed(e, &d, &fb[0], emb) == 0;
        double gg = seq_now_ms();
        challenge_frame cf;
        ok = ok && challenge_measure_frame_ex(e, &d, true, &cf) == 0;
        double hh = seq_now_ms();
        ok = ok && challenge_measure_frame_ex(e, &d, false, &cf) == 0;
        double ii = seq_now_ms();
        if (ok) {
            t[DEC][m] = (b - a), t[DET][m] = cc - b, t[LMK][m] = dd - cc, t[POSE][m] = ee - dd;
            t[EYE][m] = ff - ee, t[EMB][m] = gg - ff, t[ALL][m] = hh - gg + (b - a);
            t[ALL_NOEMB][m] = ii - hh + (b - a);
            m++;
        }
        image_free(&frame);
        image_free(&d);
        free(jpg);
    }
    printf("one thread, %d frames of one honest sequence (480x360 JPEG q80), p50 / p95 ms:\n", m);
    for (int k = 0; k < NSTEP && m > 0; k++) {
        if (!t[k]) continue;
        qsort(t[k], (size_t)m, sizeof(double), cmp_double_asc);
        printf("  %-24s %6.1f / %6.1f\n", names[k], t[k][m / 2], t[k][m * 95 / 100]);
    }
    for (int k = 0; k < NSTEP; k++) free(t[k]);
    fm_canvas_free(&c);
    free(plan);
    fm_person_free(&p);
    face_engine_free(e);
}

static int cmp_float_asc(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Prints the lowest or highest k values of one measure over a half's identities. */
static void extremes(int parity, const char *label, int kind, int which, int highest) {
    float v[MAX_IDS];
    int n = 0;
    for (int i = parity; i < g_n; i += 2) {
        if (!g_res[i].ok) continue;
        const challenge_verdict *x = &g_res[i].v[kind];
        v[n++] = which == 0   ? x->same_face_min
                 : which == 1 ? -x->min_rel_yaw
                 : which == 2 ? x->max_rel_yaw
                              : x->max_eye_closed;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_float_asc);
    printf("    %-44s", label);
    for (int k = 0; k < 6 && k < n; k++) printf(" %6.2f", highest ? v[n - 1 - k] : v[k]);
    printf("\n");
}

/* What the thresholds separate, per half: honest values against attack values. */
static void distributions(int parity) {
    printf("  measures (%s half):\n", parity ? "evaluation" : "development");
    extremes(parity, "honest same-face cosine, lowest:", S_HONEST, 0, 0);
    extremes(parity, "swap same-face cosine, highest:", S_SWAP, 0, 1);
    extremes(parity, "honest furthest left turn (deg), lowest:", S_HONEST, 1, 0);
    extremes(parity, "honest furthest right turn (deg), lowest:", S_HONEST, 2, 0);
    extremes(parity, "still furthest left turn (deg), highest:", S_STILL, 1, 1);
    extremes(parity, "still furthest right turn (deg), highest:", S_STILL, 2, 1);
    extremes(parity, "honest eyes-closed probability, lowest:", S_HONEST, 3, 0);
    extremes(parity, "still eyes-closed probability, highest:", S_STILL, 3, 1);
}

int main(int argc, char **argv) {
    const char *data = NULL, *models = NULL;
    int n = 100, threads = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--embed-every") == 0 && i + 1 < argc)
            g_embed_every = atoi(argv[++i]);
        else if (strcmp(argv[i], "--verbose") == 0)
            g_verbose = 1;
        else if (!data)
            data = argv[i];
        else if (!models)
            models = argv[i];
        else
            n = atoi(argv[i]);
    }
    if (!data || !models || n < 2 || n > MAX_IDS || threads < 1 || threads > 16 ||
        g_embed_every < 1) {
        fprintf(stderr,
                "usage: challenge-eval DATA_DIR MODELS_DIR [N] [--threads T] [--embed-every K] "
                "[--verbose]\n");
        return 2;
    }
    snprintf(g_lfw, sizeof g_lfw, "%s/images/lfw", data);
    DIR *d = opendir(g_lfw);
    if (!d) {
        printf("challenge-eval: %s not found, skipped\n", g_lfw);
        return 0;
    }
    char **all = NULL;
    size_t nall = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (nall == cap) {
            cap = cap ? cap * 2 : 1024;
            char **na = realloc(all, cap * sizeof *all);
            if (!na) abort();
            all = na;
        }
        all[nall] = strdup(de->d_name);
        if (!all[nall]) abort();
        nall++;
    }
    closedir(d);
    qsort(all, nall, sizeof *all, cmp_str);
    if ((size_t)n > nall) n = (int)nall;
    g_all = all;
    g_nall = nall;
    g_n = n;
    char err[512];
    if (face_models_load(models, &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "challenge-eval: %s\n", err);
        return 1;
    }
    g_times = malloc(MAX_TIMES * sizeof *g_times);
    if (!g_times) return 1;
    double t0 = seq_now_ms();
    pthread_t th[16];
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    printf("challenge-eval: %d LFW identities (every %zu-th folder), seeds fixed, %.0f s, %d "
           "thread(s)\n",
           n, g_nall / (size_t)n, (seq_now_ms() - t0) / 1000, threads);
    report(0, "development");
    distributions(0);
    report(1, "evaluation");
    distributions(1);
    qsort(g_times, g_ntimes, sizeof *g_times, cmp_double);
    if (g_ntimes)
        printf("measure one 480x360 JPEG frame (decode + detect, landmarks, pose, eyes, embedding "
               "when |yaw|<=%.0f): p50 %.1f ms, p95 %.1f ms over %zu frames (%d thread(s))\n",
               CHALLENGE_EMBED_MAX_DEG, g_times[g_ntimes / 2], g_times[g_ntimes * 95 / 100],
               g_ntimes, threads);
    free(g_times);
    bench_steps();
    face_models_free(g_models);
    for (size_t i = 0; i < g_nall; i++) free(g_all[i]);
    free(g_all);
    return 0;
}
