/* Challenge liveness (kyc/challenge): the action words, the stored frame record, the verdict's
 * rules on hand-made frame records, and whole sequences rendered by tools/face-motion from the
 * committed fixture portraits (tests/data/mykad: the LFW portrait printed on photo.jpg is the
 * person, the one on flat.jpg the other person), encoded as JPEG and measured as the server
 * does: an honest sequence passes; a still photo, a recording of another order, late, doubled
 * or reordered frames, a second face, a face swapped mid-way and a too slow sequence fail. One
 * more case uses shared LFW faces and is skipped without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>

#include "../../tools/face-motion/sequence.c"
#include "face_people.h"
#include "testutil.h"

#define LFW(rel) tu_shared("faces-pairs/dev/images/lfw/" rel)

static face_models *g_models;
static face_engine *g_engine;
static fm_person g_person, g_other;
static int g_people; /* both fixture portraits found */

/* the honest sequence, measured once and reused by the cases that alter its records */
static challenge_frame g_honest[CHALLENGE_MAX_FRAMES];
static int g_honest_n;
static const challenge_spec SPEC = {
    .count = 3,
    .actions = {CHALLENGE_TURN_LEFT, CHALLENGE_BLINK, CHALLENGE_TURN_RIGHT},
    .step_ms = 5000,
    .deadline_ms = 20000};

static int load_person(const char *path, fm_person *p) {
    return tu_load_person(g_engine, path, p);
}

static void test_opts(seq_opts *o) {
    seq_defaults(o);
    o->fps = 4; /* fewer frames than a page sends: the sanitizer build is slow */
    o->seed = 7;
}

static int setup(void **state) {
    (void)state;
    if (sodium_init() < 0) return -1;
    char err[512];
    if (face_models_load("models", &g_models, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    g_engine = face_engine_create(g_models);
    if (!g_engine) return -1;
    g_people = load_person("tests/data/mykad/photo.jpg", &g_person) == 0 &&
               load_person("tests/data/mykad/flat.jpg", &g_other) == 0;
    if (!g_people) return 0;
    seq_opts o;
    test_opts(&o);
    if (seq_make(g_engine, &g_person, SPEC.actions, 3, &o, g_honest, CHALLENGE_MAX_FRAMES,
                 &g_honest_n, NULL) != 0)
        g_honest_n = 0;
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

static void verify(const challenge_frame *f, int n, challenge_verdict *v) {
    assert_int_equal(challenge_verify(&SPEC, f, (size_t)n, v), 0);
    if (!v->passed)
        printf("  verdict: %s (actions %d, best %d, same %.2f, yaw %.1f..%.1f from %.1f)\n",
               v->reason, v->actions_done, v->best_frame, v->same_face_min, v->min_rel_yaw,
               v->max_rel_yaw, v->base_yaw);
}

/* ---- without rendering ---- */

static void test_action_words_and_draw(void **state) {
    (void)state;
    const char *names[] = {"turn_left", "turn_right", "blink"};
    for (int i = 0; i < 3; i++) {
        challenge_action a;
        assert_int_equal(challenge_action_parse(names[i], &a), 0);
        assert_string_equal(challenge_action_name(a), names[i]);
    }
    challenge_action a;
    assert_int_equal(challenge_action_parse("nod", &a), -1);
    assert_int_equal(challenge_action_parse(NULL, &a), -1);
    int seen[6] = {0};
    for (int k = 0; k < 300; k++) {
        challenge_spec s;
        challenge_draw(&s);
        assert_int_equal(s.count, 3);
        assert_true(s.step_ms > 0 && s.deadline_ms >= s.count * s.step_ms);
        int mask = 0;
        for (int i = 0; i < 3; i++) mask |= 1 << s.actions[i];
        assert_int_equal(mask, 7); /* each action once */
        seen[s.actions[0] * 2 + (s.actions[1] > s.actions[2])]++;
    }
    for (int i = 0; i < 6; i++) assert_true(seen[i] > 10); /* all six orders drawn */
}

static void test_frame_record(void **state) {
    (void)state;
    challenge_frame f, g;
    memset(&f, 0, sizeof f);
    f.t_ms = 1234, f.received_ms = 98765432101LL, f.faces = 2;
    f.box[0] = 10.5f, f.box[3] = 300.25f, f.face_frac = 0.4f;
    f.yaw = -31.5f, f.pitch = 4, f.roll = -2, f.eye_closed = 0.75f, f.brightness = 120;
    f.sharpness = 400;
    for (int i = 0; i < 16; i++) f.digest[i] = (uint8_t)(i * 17);
    uint8_t buf[CHALLENGE_FRAME_PACKED_MAX];
    size_t len = challenge_frame_pack(&f, buf, sizeof buf);
    assert_int_equal(len, CHALLENGE_FRAME_PACKED_MIN);
    assert_int_equal(challenge_frame_unpack(buf, len, &g), 0);
    assert_memory_equal(&f, &g, sizeof f);
    f.has_embedding = 1;
    for (int i = 0; i < FACE_EMBEDDING_DIM; i++) f.embedding[i] = (float)i / 1000.0f - 0.2f;
    len = challenge_frame_pack(&f, buf, sizeof buf);
    assert_int_equal(len, CHALLENGE_FRAME_PACKED_MAX);
    assert_int_equal(challenge_frame_pack(&f, buf, len - 1), 0); /* too small a buffer */
    assert_int_equal(challenge_frame_unpack(buf, len, &g), 0);
    assert_memory_equal(&f, &g, sizeof f);
    assert_int_equal(challenge_frame_unpack(buf, len - 4, &g), -1); /* wrong size */
    assert_int_equal(challenge_frame_unpack(buf, CHALLENGE_FRAME_PACKED_MIN, &g), -1);
    buf[2] = 99; /* another version */
    assert_int_equal(challenge_frame_unpack(buf, len, &g), -1);
}

/* A hand-made record: one face, the yaw and eyes given, an embedding shared by all. */
static void synth(challenge_frame *f, int i, float yaw, float closed) {
    memset(f, 0, sizeof *f);
    f->t_ms = 200 * (int64_t)i;
    f->received_ms = f->t_ms + 300;
    f->faces = 1;
    f->box[2] = f->box[3] = 200;
    f->face_frac = 0.4f;
    f->yaw = yaw;
    f->eye_closed = closed;
    f->brightness = 120;
    f->sharpness = 300;
    f->has_embedding = fabsf(yaw) <= CHALLENGE_EMBED_MAX_DEG;
    if (f->has_embedding) f->embedding[0] = 1;
    f->digest[0] = (uint8_t)i, f->digest[1] = (uint8_t)(i >> 8), f->digest[2] = 0xAB;
}

/* Frames from a script: '.' frontal, 'L'/'R' turned 30 degrees, 'C' eyes closed. */
static int script(const char *s, challenge_frame *f) {
    int n = 0;
    for (; *s && n < CHALLENGE_MAX_FRAMES; s++, n++)
        synth(&f[n], n, *s == 'L' ? -30.0f : *s == 'R' ? 30.0f : 0.0f, *s == 'C' ? 0.95f : 0.02f);
    return n;
}

static void test_rules_on_records(void **state) {
    (void)state;
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    challenge_verdict v;
    challenge_progress p;
    /* in order: passes; each prefix counts its actions */
    int n = script("....LLL...C...RRR.....", f);
    verify(f, n, &v);
    assert_true(v.passed);
    assert_int_equal(v.actions_done, 3);
    challenge_progress_of(&SPEC, f, 9, &p);
    assert_int_equal(p.actions_done, 1);
    assert_null(p.hint);
    /* a turn is complete once the face is frontal again (a frontal frame next to a turned one
     * does not count: it may be a misread turned face) */
    challenge_progress_of(&SPEC, f, 8, &p);
    assert_int_equal(p.actions_done, 0);
    challenge_progress_of(&SPEC, f, 6, &p);
    assert_int_equal(p.actions_done, 0);
    /* turns in the other order */
    n = script("....RRR...C...LLL.....", f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
    /* one natural blink is forgiven, two are not */
    n = script("..C..LLL...C...RRR.....", f);
    verify(f, n, &v);
    assert_true(v.passed);
    n = script("..C..C..LLL...C...RRR.....", f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
    /* a blink in the middle of a turn is not read as one */
    n = script("....LLCLL...C...RRR.....", f);
    verify(f, n, &v);
    assert_true(v.passed);
    /* the last action never seen */
    n = script("....LLL...C..........", f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "turn_right_not_seen");
    /* slower than step_ms between two actions: 200 ms a frame, 30 frames = 6 s */
    n = script("....LLL...C..............................RRR..", f);
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "too_slow");
    /* the first action is timed from the first frame, not from the issue: frames that start
     * late (a camera slow to open) still pass */
    n = script("....LLL...C...RRR.....", f);
    for (int i = 0; i < n; i++) f[i].t_ms += 4000, f[i].received_ms += 4000;
    verify(f, n, &v);
    assert_true(v.passed);
    /* a gap in the capture times */
    n = script("....LLL...C...RRR.....", f);
    for (int i = 12; i < n; i++) f[i].t_ms += CHALLENGE_MAX_GAP_MS, f[i].received_ms += 2000;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "too_slow");
    /* a frame of another face among the frontal ones */
    n = script("....LLL...C...RRR.....", f);
    f[2].embedding[0] = 0, f[2].embedding[1] = 1;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "face_mismatch");
    /* hints */
    n = script("....", f);
    f[3].faces = 0;
    challenge_progress_of(&SPEC, f, 4, &p);
    assert_string_equal(p.hint, "no_face");
    f[3].faces = 2;
    challenge_progress_of(&SPEC, f, 4, &p);
    assert_string_equal(p.hint, "one_face");
    f[3].faces = 1, f[3].face_frac = 0.1f;
    challenge_progress_of(&SPEC, f, 4, &p);
    assert_string_equal(p.hint, "move_closer");
    f[3].face_frac = 0.4f, f[3].brightness = 30;
    challenge_progress_of(&SPEC, f, 4, &p);
    assert_string_equal(p.hint, "too_dark");
    /* bad arguments */
    challenge_spec bad = SPEC;
    bad.count = 4;
    assert_int_equal(challenge_verify(&bad, f, 4, &v), -1);
    assert_int_equal(challenge_verify(&SPEC, f, CHALLENGE_MAX_FRAMES + 1, &v), -1);
}

/* ---- rendered sequences, measured ---- */

#define NEED_PEOPLE()                                                                              \
    do {                                                                                           \
        if (!g_people) {                                                                           \
            printf("  skipped: no face found in the fixture portraits\n");                         \
            skip();                                                                                \
        }                                                                                          \
        assert_true(g_honest_n > 20);                                                              \
    } while (0)

static void test_honest_sequence_passes(void **state) {
    (void)state;
    NEED_PEOPLE();
    challenge_verdict v;
    verify(g_honest, g_honest_n, &v);
    assert_true(v.passed);
    assert_int_equal(v.actions_done, 3);
    assert_true(v.best_frame >= 0 && v.same_face_min >= CHALLENGE_SAME_FACE);
    /* turn_left: the yaw went negative (fr_pose: the person's own left) */
    assert_true(v.min_rel_yaw <= -CHALLENGE_TURN_DEG && v.max_rel_yaw >= CHALLENGE_TURN_DEG);
    assert_true(g_honest[v.action_frame[0]].yaw - v.base_yaw <= -CHALLENGE_TURN_DEG);
    /* the best frame is frontal with open eyes */
    const challenge_frame *b = &g_honest[v.best_frame];
    assert_true(fabsf(b->yaw) <= CHALLENGE_BEST_MAX_DEG && b->eye_closed <= CHALLENGE_EYES_OPEN);
    /* progress: nothing at the start, everything at the end */
    challenge_progress p;
    challenge_progress_of(&SPEC, g_honest, 4, &p);
    assert_int_equal(p.actions_done, 0);
    assert_null(p.hint);
    challenge_progress_of(&SPEC, g_honest, (size_t)g_honest_n, &p);
    assert_int_equal(p.actions_done, 3);
    /* records survive storage */
    challenge_frame copy[CHALLENGE_MAX_FRAMES];
    for (int i = 0; i < g_honest_n; i++) {
        uint8_t buf[CHALLENGE_FRAME_PACKED_MAX];
        size_t len = challenge_frame_pack(&g_honest[i], buf, sizeof buf);
        assert_true(len > 0);
        assert_int_equal(challenge_frame_unpack(buf, len, &copy[i]), 0);
    }
    challenge_verdict w;
    verify(copy, g_honest_n, &w);
    assert_true(w.passed && w.best_frame == v.best_frame);
}

static void test_still_photo_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    o.still = 1;
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = 0;
    assert_int_equal(
        seq_make(g_engine, &g_person, SPEC.actions, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    challenge_verdict v;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "turn_left_not_seen");
    assert_int_equal(v.actions_done, 0);
}

static void test_recording_of_another_order_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    /* an earlier session asked for blink, turn_right, turn_left and was recorded */
    const challenge_action earlier[3] = {CHALLENGE_BLINK, CHALLENGE_TURN_RIGHT,
                                         CHALLENGE_TURN_LEFT};
    seq_opts o;
    test_opts(&o);
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = 0;
    assert_int_equal(
        seq_make(g_engine, &g_person, earlier, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    challenge_verdict v;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
    /* the same recording passes the challenge it was made for: only the order failed */
    challenge_spec earlier_spec = SPEC;
    memcpy(earlier_spec.actions, earlier, sizeof earlier);
    assert_int_equal(challenge_verify(&earlier_spec, f, (size_t)n, &v), 0);
    assert_true(v.passed);
}

static void test_late_frames_fail(void **state) {
    (void)state;
    NEED_PEOPLE();
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    challenge_verdict v;
    int n = g_honest_n;
    /* the last frame captured after the deadline */
    memcpy(f, g_honest, sizeof f);
    f[n - 1].t_ms = SPEC.deadline_ms + 100;
    f[n - 1].received_ms = f[n - 1].t_ms + 300;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "too_slow");
    /* all captured in time, the last batch received long after the deadline */
    memcpy(f, g_honest, sizeof f);
    f[n - 1].received_ms = SPEC.deadline_ms + CHALLENGE_GRACE_MS + 1;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "too_slow");
    /* a frame claiming a capture time after the server received it */
    memcpy(f, g_honest, sizeof f);
    f[n / 2].received_ms = f[n / 2].t_ms - CHALLENGE_CLOCK_SLACK_MS - 1;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
    /* two frames sent in swapped order */
    memcpy(f, g_honest, sizeof f);
    f[n / 2] = g_honest[n / 2 + 1];
    f[n / 2 + 1] = g_honest[n / 2];
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
}

static void test_frame_sent_twice_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = g_honest_n;
    assert_true(n < CHALLENGE_MAX_FRAMES);
    memcpy(f, g_honest, (size_t)n * sizeof *f);
    /* frame 10's bytes again, with a capture time that fits between its neighbours */
    memmove(&f[11], &f[10], (size_t)(n - 10) * sizeof *f);
    f[11].t_ms = f[10].t_ms + 1;
    challenge_verdict v;
    verify(f, n + 1, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "out_of_order");
    /* with its own digest the extra frame is accepted: the digest is what failed it */
    f[11].digest[0] ^= 0xFF;
    verify(f, n + 1, &v);
    assert_true(v.passed);
}

static void test_second_face_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    o.second = &g_other;
    o.second_from = g_honest_n / 3;
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = 0;
    assert_int_equal(
        seq_make(g_engine, &g_person, SPEC.actions, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    assert_int_equal(f[0].faces, 1);
    assert_int_equal(f[n - 1].faces, 2);
    challenge_verdict v;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "one_face");
    challenge_progress p;
    challenge_progress_of(&SPEC, f, (size_t)n, &p);
    assert_string_equal(p.hint, "one_face");
}

static void test_face_swapped_midway_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    o.swap = &g_other;
    o.swap_from = g_honest_n / 2;
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = 0;
    assert_int_equal(
        seq_make(g_engine, &g_person, SPEC.actions, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    challenge_verdict v;
    verify(f, n, &v);
    assert_false(v.passed);
    assert_string_equal(v.reason, "face_mismatch");
    assert_true(v.same_face_min < CHALLENGE_SAME_FACE);
}

static void test_too_slow_fails(void **state) {
    (void)state;
    NEED_PEOPLE();
    seq_opts o;
    test_opts(&o);
    o.step_ms = 5800; /* each action takes 5.8 s: 19.4 s in all, inside the 20 s deadline */
    o.fps = 3;
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    int n = 0;
    assert_int_equal(
        seq_make(g_engine, &g_person, SPEC.actions, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    challenge_spec strict = SPEC;
    strict.step_ms = 4000; /* a schedule of 4 s an action: behind it from the first action */
    challenge_verdict v;
    assert_int_equal(challenge_verify(&strict, f, (size_t)n, &v), 0);
    assert_false(v.passed);
    assert_string_equal(v.reason, "too_slow");
}

/* Two LFW people (shared data): the honest sequence of each passes, a swap between them fails. */
static void test_lfw_people(void **state) {
    (void)state;
    fm_person a, b;
    if (load_person(LFW("Abel_Pacheco/Abel_Pacheco_0001.jpg"), &a) != 0) {
        printf("  skipped: shared LFW images not found\n");
        skip();
    }
    assert_int_equal(load_person(LFW("Dean_Barker/Dean_Barker_0001.jpg"), &b), 0);
    seq_opts o;
    test_opts(&o);
    const challenge_action order[3] = {CHALLENGE_TURN_RIGHT, CHALLENGE_TURN_LEFT, CHALLENGE_BLINK};
    challenge_spec spec = SPEC;
    memcpy(spec.actions, order, sizeof order);
    challenge_frame f[CHALLENGE_MAX_FRAMES];
    challenge_verdict v;
    int n = 0;
    const fm_person *people[2] = {&a, &b};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(
            seq_make(g_engine, people[k], order, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
        assert_int_equal(challenge_verify(&spec, f, (size_t)n, &v), 0);
        assert_true(v.passed);
    }
    o.swap = &b;
    o.swap_from = n / 2;
    assert_int_equal(seq_make(g_engine, &a, order, 3, &o, f, CHALLENGE_MAX_FRAMES, &n, NULL), 0);
    assert_int_equal(challenge_verify(&spec, f, (size_t)n, &v), 0);
    assert_false(v.passed);
    assert_string_equal(v.reason, "face_mismatch");
    fm_person_free(&a);
    fm_person_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_words_and_draw),
        cmocka_unit_test(test_frame_record),
        cmocka_unit_test(test_rules_on_records),
        cmocka_unit_test(test_honest_sequence_passes),
        cmocka_unit_test(test_still_photo_fails),
        cmocka_unit_test(test_recording_of_another_order_fails),
        cmocka_unit_test(test_late_frames_fail),
        cmocka_unit_test(test_frame_sent_twice_fails),
        cmocka_unit_test(test_second_face_fails),
        cmocka_unit_test(test_face_swapped_midway_fails),
        cmocka_unit_test(test_too_slow_fails),
        cmocka_unit_test(test_lfw_people),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
