/* Gaze liveness (kyc/gaze): the random path, the verdict's rules on hand-made yaw tracks (an
 * honest follower, a still photo, the dots in the wrong order, followed late, another session's
 * path, two faces, a swapped face, bad timing), and whole sequences rendered by tools/face-motion
 * from the committed fixture portraits (tests/data/mykad: photo.jpg's portrait is the person,
 * flat.jpg's the other person), encoded as JPEG and measured as the server does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>

#include "../../tools/face-motion/sequence.c"
#include "kyc/gaze.h"
#include "face_people.h"
#include "testutil.h"

static face_models *g_models;
static face_engine *g_engine;
static fm_person g_person, g_other;
static int g_people;

/* a fixed path for the tests: four dots, a column change at every move */
static gaze_path g_path;

static void make_path(gaze_path *p) {
    static const float xy[4][2] = {{0.1f, 0.1f}, {0.9f, 0.5f}, {0.5f, 0.9f}, {0.1f, 0.9f}};
    static const int64_t dur[4] = {1200, 1000, 1400, 1100};
    memset(p, 0, sizeof *p);
    p->count = 4;
    int64_t t = GAZE_START_MS;
    p->start_ms = t;
    for (int k = 0; k < 4; k++) {
        p->pts[k].x = xy[k][0], p->pts[k].y = xy[k][1];
        p->pts[k].t_ms = t, p->pts[k].dur_ms = dur[k];
        t += dur[k];
    }
    p->end_ms = t;
    p->deadline_ms = t + GAZE_TAIL_MS;
}

static void to_fm(const gaze_path *g, fm_gaze_point *pts) {
    for (int k = 0; k < g->count; k++) {
        pts[k].x = g->pts[k].x, pts[k].y = g->pts[k].y;
        pts[k].t_ms = (int)g->pts[k].t_ms, pts[k].dur_ms = (int)g->pts[k].dur_ms;
    }
}

static int load_person(const char *path, fm_person *p) {
    return tu_load_person(g_engine, path, p);
}

static int setup(void **state) {
    (void)state;
    if (sodium_init() < 0) return -1;
    make_path(&g_path);
    char err[512];
    if (face_models_load("models", &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    g_engine = face_engine_create(g_models);
    if (!g_engine) return -1;
    g_people = load_person("tests/data/mykad/photo.jpg", &g_person) == 0 &&
               load_person("tests/data/mykad/flat.jpg", &g_other) == 0;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    fm_person_free(&g_person);
    fm_person_free(&g_other);
    face_engine_free(g_engine);
    face_models_free(g_models);
    return 0;
}

static void verify(const challenge_frame *f, int n, gaze_verdict *v) {
    assert_int_equal(gaze_verify(&g_path, f, (size_t)n, v), 0);
    printf("  %s: r %.2f (in time %.2f) lag %lld swing %.1f seen %s base %.1f best %d same %.2f\n",
           v->passed ? "passed" : v->reason, v->corr_x, v->corr_x_in_time, (long long)v->lag_ms,
           v->swing_deg, v->seen, v->base_yaw, v->best_frame, v->same_face_min);
}

/* ---- the path ---- */

static void test_draw(void **state) {
    (void)state;
    int counts[GAZE_MAX_POINTS + 1] = {0};
    for (int r = 0; r < 500; r++) {
        gaze_path p;
        gaze_draw(&p);
        assert_true(gaze_path_valid(&p));
        assert_true(p.count >= GAZE_MIN_POINTS && p.count <= GAZE_MAX_POINTS);
        counts[p.count]++;
        assert_int_equal(p.start_ms, GAZE_START_MS);
        assert_int_equal(p.deadline_ms, p.end_ms + GAZE_TAIL_MS);
        assert_true(p.end_ms - p.start_ms <= GAZE_MAX_POINTS * GAZE_HOLD_MAX_MS);
        float prev_x = 0.5f;
        for (int k = 0; k < p.count; k++) {
            const gaze_point *q = &p.pts[k];
            assert_true(q->dur_ms >= GAZE_HOLD_MIN_MS && q->dur_ms <= GAZE_HOLD_MAX_MS);
            assert_true(q->dur_ms % 100 == 0);
            assert_true(fabsf(q->x - prev_x) >= 0.39f); /* another column than the dot before */
            assert_false(q->x == 0.5f && q->y == 0.5f);
            for (int j = 0; j < k; j++) /* no dot twice */
                assert_false(p.pts[j].x == q->x && p.pts[j].y == q->y);
            prev_x = q->x;
        }
    }
    for (int c = GAZE_MIN_POINTS; c <= GAZE_MAX_POINTS; c++) assert_true(counts[c] > 100);
    /* the expected signal: the centre, eased to each dot, the centre again */
    assert_true(fabsf(gaze_expected_x(&g_path, 0) - 0.5f) < 1e-6f);
    assert_true(fabsf(gaze_expected_x(&g_path, GAZE_START_MS + GAZE_MOVE_MS) - 0.1f) < 1e-6f);
    assert_true(fabsf(gaze_expected_x(&g_path, GAZE_START_MS + GAZE_MOVE_MS / 2) - 0.3f) < 1e-5f);
    assert_true(fabsf(gaze_expected_x(&g_path, (double)g_path.end_ms + GAZE_MOVE_MS) - 0.5f) <
                1e-6f);
    /* malformed paths */
    gaze_path bad = g_path;
    bad.pts[2].t_ms += 10;
    assert_false(gaze_path_valid(&bad));
    bad = g_path;
    bad.pts[0].x = 1.5f;
    assert_false(gaze_path_valid(&bad));
    bad = g_path;
    bad.count = GAZE_MAX_POINTS + 1;
    assert_false(gaze_path_valid(&bad));
    gaze_verdict v;
    assert_int_equal(gaze_verify(&bad, NULL, 0, &v), -1);
    assert_int_equal(gaze_verify(&g_path, NULL, 3, &v), -1);
}

/* ---- hand-made tracks ---- */

/* Frames every 166 ms from 0 to the deadline: one face, the yaw of a head that follows `path`
 * (its dots' x, its schedule) `lag` ms late, `amp` degrees at the grid's edges, `base` straight
 * ahead, a little deterministic jitter; an embedding shared by all. */
static int track(const gaze_path *path, int64_t lag, float amp, float base, challenge_frame *f) {
    int n = 0;
    for (int64_t t = 0; t <= g_path.deadline_ms && n < GAZE_MAX_FRAMES; t += 166, n++) {
        challenge_frame *x = &f[n];
        memset(x, 0, sizeof *x);
        x->t_ms = t;
        x->received_ms = t + 300;
        x->faces = 1;
        x->box[2] = x->box[3] = 200;
        x->face_frac = 0.4f;
        float e = gaze_expected_x(path, (double)(t - lag)) - 0.5f;
        x->yaw = base + amp * e / 0.4f + 0.8f * sinf((float)n * 2.1f);
        x->pitch = 0.5f * cosf((float)n * 1.3f);
        x->brightness = 120;
        x->sharpness = 300;
        x->has_embedding = fabsf(x->yaw) <= CHALLENGE_EMBED_MAX_DEG;
        x->embedding[0] = 1;
        x->digest[0] = (uint8_t)n, x->digest[1] = 0xAB;
    }
    return n;
}

static void test_rules_on_tracks(void **state) {
    (void)state;
    challenge_frame f[GAZE_MAX_FRAMES];
    gaze_verdict v;
    /* honest: passes, the lag found */
    int n = track(&g_path, 350, 20, 0, f);
    verify(f, n, &v);
    assert_true(v.passed);
    assert_null(v.reason);
    assert_true(v.lag_ms >= 300 && v.lag_ms <= 400);
    assert_true(v.corr_x > 0.95f && v.swing_deg > 15);
    assert_string_equal(v.seen, "LRCL");
    assert_true(v.best_frame >= 0);
    /* a camera to one side: straight-ahead is the person's own */
    n = track(&g_path, 350, 20, 12, f);
    verify(f, n, &v);
    assert_true(v.passed);
    assert_true(fabsf(v.base_yaw - 12) < 1.5f);
    /* a still photo: no movement */
    n = track(&g_path, 350, 0, 3, f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "not_following");
    /* a small, unconvincing movement */
    n = track(&g_path, 350, 3, 0, f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "not_following");
    /* the same dots in the wrong order (the 1st and 3rd swapped: L R C L -> C R L L) */
    gaze_path other = g_path;
    other.pts[0].x = g_path.pts[2].x, other.pts[2].x = g_path.pts[0].x;
    n = track(&other, 350, 20, 0, f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "wrong_order");
    /* followed late: beyond the lag tolerance, well followed otherwise */
    n = track(&g_path, GAZE_MAX_LAG_MS + 500, 20, 0, f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "late");
    assert_true(v.lag_ms > GAZE_MAX_LAG_MS);
    /* within the tolerance passes */
    n = track(&g_path, GAZE_MAX_LAG_MS - 150, 20, 0, f);
    verify(f, n, &v);
    assert_true(v.passed);
    /* another session's path (other dots, other holds) */
    gaze_path o2;
    memset(&o2, 0, sizeof o2);
    o2.count = 5;
    static const float ox[5] = {0.9f, 0.1f, 0.9f, 0.5f, 0.9f};
    int64_t t = GAZE_START_MS;
    o2.start_ms = t;
    for (int k = 0; k < 5; k++) {
        o2.pts[k].x = ox[k], o2.pts[k].y = 0.1f, o2.pts[k].t_ms = t, o2.pts[k].dur_ms = 1000;
        t += 1000;
    }
    o2.end_ms = t, o2.deadline_ms = t + GAZE_TAIL_MS;
    n = track(&o2, 350, 20, 0, f);
    verify(f, n, &v);
    assert_false(v.passed);
    /* a second face in one frame */
    n = track(&g_path, 350, 20, 0, f);
    f[20].faces = 2;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "one_face");
    /* another face from the middle on */
    n = track(&g_path, 350, 20, 0, f);
    for (int i = n / 2; i < n; i++) f[i].embedding[0] = 0, f[i].embedding[1] = 1;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "face_mismatch");
    /* no face on too many frames */
    n = track(&g_path, 350, 20, 0, f);
    for (int i = 10; i < 20; i++) f[i].faces = 0;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "no_face");
    /* too few frames: the first seconds only; frames starting after the path did */
    n = track(&g_path, 350, 20, 0, f);
    verify(f, 10, &v);
    assert_string_equal(v.reason, "too_few_frames");
    verify(f + 12, n - 12, &v);
    assert_string_equal(v.reason, "too_few_frames");
    /* timing: two frames swapped, a frame sent twice, a capture time after its receipt, a gap,
     * a frame after the deadline, a receipt long after it */
    challenge_frame g[GAZE_MAX_FRAMES];
    memcpy(g, f, sizeof g);
    g[20] = f[21], g[21] = f[20];
    verify(g, n, &v);
    assert_string_equal(v.reason, "timing");
    memcpy(g, f, sizeof g);
    memcpy(g[30].digest, g[29].digest, sizeof g[30].digest);
    verify(g, n, &v);
    assert_string_equal(v.reason, "timing");
    memcpy(g, f, sizeof g);
    g[30].received_ms = g[30].t_ms - CHALLENGE_CLOCK_SLACK_MS - 1;
    verify(g, n, &v);
    assert_string_equal(v.reason, "timing");
    memcpy(g, f, sizeof g);
    memmove(&g[25], &g[33], (size_t)(n - 33) * sizeof *g); /* 8 frames (1.3 s) missing */
    verify(g, n - 8, &v);
    assert_string_equal(v.reason, "timing");
    memcpy(g, f, sizeof g);
    g[n - 1].t_ms = g_path.deadline_ms + 1, g[n - 1].received_ms = g[n - 1].t_ms + 100;
    verify(g, n, &v);
    assert_string_equal(v.reason, "timing");
    memcpy(g, f, sizeof g);
    g[n - 1].received_ms = g_path.deadline_ms + GAZE_GRACE_MS + 1;
    verify(g, n, &v);
    assert_string_equal(v.reason, "timing");
    /* too many frames for the verifier */
    assert_int_equal(gaze_verify(&g_path, f, GAZE_MAX_FRAMES + 1, &v), -1);
}

/* ---- rendered sequences, measured ---- */

#define NEED_PEOPLE()                                                                              \
    do {                                                                                           \
        if (!g_people) {                                                                           \
            printf("  skipped: no face found in the fixture portraits\n");                         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void test_opts(seq_opts *o) {
    seq_defaults(o);
    o->fps = 4; /* fewer frames than a page sends: the sanitizer build is slow */
    o->seed = 11;
    o->turn_deg = 35.0f;
}

/* The person following the path as `kind` does; the verdict. */
static void rendered(fm_gaze_attack_kind kind, const seq_opts *opts, gaze_verdict *v) {
    fm_gaze_point pts[FM_GAZE_MAX], att[FM_GAZE_MAX];
    to_fm(&g_path, pts);
    int lag = 0;
    fm_gaze_attack(pts, g_path.count, kind, 3, att, &lag);
    seq_opts o = *opts;
    o.still = kind == FM_GAZE_STILL;
    challenge_frame *f = calloc(GAZE_MAX_FRAMES, sizeof *f);
    assert_non_null(f);
    int n = 0;
    assert_int_equal(seq_make_gaze(g_engine, &g_person, att, g_path.count, lag, GAZE_TAIL_MS, &o, f,
                                   GAZE_MAX_FRAMES, &n, NULL),
                     0);
    assert_true(n >= GAZE_MIN_FRAMES);
    verify(f, n, v);
    free(f);
}

static void test_rendered_honest_passes(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    gaze_verdict v;
    rendered(FM_GAZE_HONEST, &o, &v);
    assert_true(v.passed);
    assert_true(v.lag_ms <= GAZE_MAX_LAG_MS);
    assert_string_equal(v.seen, "LRCL");
    assert_true(v.best_frame >= 0 && v.same_face_min >= CHALLENGE_SAME_FACE);
}

static void test_rendered_attacks_fail(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    gaze_verdict v;
    rendered(FM_GAZE_STILL, &o, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "not_following");
    rendered(FM_GAZE_WRONG_ORDER, &o, &v);
    assert_false(v.passed);
    rendered(FM_GAZE_LATE, &o, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "late");
    rendered(FM_GAZE_OTHER_PATH, &o, &v);
    assert_false(v.passed);
}

static void test_rendered_faces_fail(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    gaze_verdict v;
    o.second = &g_other;
    o.second_from = 10;
    rendered(FM_GAZE_HONEST, &o, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "one_face");
    test_opts(&o);
    o.swap = &g_other;
    o.swap_from = 16;
    rendered(FM_GAZE_HONEST, &o, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "face_mismatch");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_rules_on_tracks),
        cmocka_unit_test(test_rendered_honest_passes),
        cmocka_unit_test(test_rendered_attacks_fail),
        cmocka_unit_test(test_rendered_faces_fail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
