/* build/face-motion: test videos of a face following (or not following) a liveness challenge,
 * from one face photo (face_motion.h says how they are drawn and that they are synthetic).
 *
 * Usage: build/face-motion --face IMG [--actions turn_left,blink,turn_right] [--step-ms 1500]
 *            [--fps 15] [--size 640x480] [--seed 1] [--turn-deg 45] [--face-frac 0.38]
 *            [--still] [--second-face IMG2] [--swap-face IMG2] [--models DIR] [--quality 88]
 *            (--y4m OUT.y4m | --frames DIR)...
 *        build/face-motion --image IMG --seconds N [--fps 15] [--size 640x480] [--seed 1]
 *            (--y4m OUT.y4m | --frames DIR)...
 *   --still        the face without any motion, for the whole duration (a photo held up)
 *   --second-face  a second person (smaller, to the right) from the first third on
 *   --swap-face    another person from the middle frame on
 *   --image        any image fitted into the frame on a plain background (e.g. a document for
 *                  the rear camera), still, for N seconds
 *   --gaze SPEC    instead of actions, follow a gaze path (kyc/gaze's dot): SPEC is
 *                  "x,y,t_ms,dur_ms;..." (screen fractions, ms since issue); the head turns
 *                  towards each dot (--turn-deg at the grid's left/right edges, --pitch-deg at
 *                  top/bottom) --gaze-lag ms after it appears (350), frames to the end + 1.5 s
 *   --gaze-attack  still | wrong_order | late | other_path (face_motion.h fm_gaze_attack)
 *   --frames DIR   DIR/frame_NNNN.jpg and DIR/times.txt ("frame_NNNN.jpg T_MS" per line)
 *   --y4m FILE     YUV4MPEG2 4:2:0 (Chromium's --use-file-for-fake-video-capture)
 * Yaw: turn_left is the person's own left: the nose moves to the image's right (unmirrored). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "face_motion.c"

static void usage(void) {
    fprintf(
        stderr,
        "usage: face-motion --face IMG [--actions turn_left,blink,turn_right] [--step-ms 1500]\n"
        "                   [--fps 15] [--size 640x480] [--seed 1] [--turn-deg 45]\n"
        "                   [--face-frac 0.38] [--still] [--second-face IMG2] [--swap-face IMG2]\n"
        "                   [--models DIR] [--quality 88] (--y4m OUT.y4m | --frames DIR)...\n"
        "       face-motion --face IMG --gaze x,y,t_ms,dur_ms;... [--gaze-attack KIND]\n"
        "                   [--gaze-lag MS] [--pitch-deg 15] (other options as above)\n"
        "       face-motion --image IMG --seconds N [--fps 15] [--size 640x480] [--seed 1]\n"
        "                   (--y4m OUT.y4m | --frames DIR)...\n");
}

static int load_image(const char *path, image *out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "face-motion: %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > (size_t)64 << 20) break;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) break;
            buf = nb, cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0) break;
        len += r;
    }
    fclose(f);
    char err[256] = "";
    int rc = buf && image_decode(buf, len, 40000000, out, err, sizeof err) == IMG_OK ? 0 : -1;
    if (rc != 0) fprintf(stderr, "face-motion: %s: cannot decode %s\n", path, err);
    free(buf);
    return rc;
}

static int load_person(face_engine *e, const char *path, fm_person *p) {
    image img = {0};
    if (load_image(path, &img) != 0) return -1;
    char err[256];
    int rc = fm_person_init(e, &img, p, err, sizeof err);
    if (rc != 0) fprintf(stderr, "face-motion: %s: %s\n", path, err);
    image_free(&img);
    return rc;
}

static int parse_actions(const char *s, fm_action *acts, int *n) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    if (!*buf) return 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (*n >= 16 || fm_action_parse(tok, &acts[*n]) != 0) return -1;
        (*n)++;
    }
    return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MAX_OUT 4

int main(int argc, char **argv) {
    const char *face = NULL, *second = NULL, *swap = NULL, *still_image = NULL;
    const char *models = getenv("EKYCD_MODELS") ? getenv("EKYCD_MODELS") : "models";
    const char *y4m[MAX_OUT], *frames_dir[MAX_OUT];
    int ny4m = 0, nframes = 0;
    const char *actions_s = "turn_left,blink,turn_right", *gaze = NULL, *gaze_attack = "honest";
    int gaze_lag = -1;
    float pitch_deg = 15.0f;
    int step_ms = 1500, fps = 15, width = 640, height = 480, still = 0, seconds = 0, quality = 88;
    unsigned long long seed = 1;
    float turn_deg = 45.0f, face_frac = 0.38f;
    enum {
        O_FACE = 1,
        O_ACTIONS,
        O_STEP,
        O_FPS,
        O_SIZE,
        O_Y4M,
        O_FRAMES,
        O_STILL,
        O_SECOND,
        O_SWAP,
        O_IMAGE,
        O_SECONDS,
        O_SEED,
        O_TURN,
        O_FRAC,
        O_MODELS,
        O_QUALITY,
        O_GAZE,
        O_GAZE_ATTACK,
        O_GAZE_LAG,
        O_PITCH,
        O_HELP
    };
    static const struct option opts[] = {{"face", required_argument, 0, O_FACE},
                                         {"actions", required_argument, 0, O_ACTIONS},
                                         {"step-ms", required_argument, 0, O_STEP},
                                         {"fps", required_argument, 0, O_FPS},
                                         {"size", required_argument, 0, O_SIZE},
                                         {"y4m", required_argument, 0, O_Y4M},
                                         {"frames", required_argument, 0, O_FRAMES},
                                         {"still", no_argument, 0, O_STILL},
                                         {"second-face", required_argument, 0, O_SECOND},
                                         {"swap-face", required_argument, 0, O_SWAP},
                                         {"image", required_argument, 0, O_IMAGE},
                                         {"seconds", required_argument, 0, O_SECONDS},
                                         {"seed", required_argument, 0, O_SEED},
                                         {"turn-deg", required_argument, 0, O_TURN},
                                         {"face-frac", required_argument, 0, O_FRAC},
                                         {"models", required_argument, 0, O_MODELS},
                                         {"quality", required_argument, 0, O_QUALITY},
                                         {"gaze", required_argument, 0, O_GAZE},
                                         {"gaze-attack", required_argument, 0, O_GAZE_ATTACK},
                                         {"gaze-lag", required_argument, 0, O_GAZE_LAG},
                                         {"pitch-deg", required_argument, 0, O_PITCH},
                                         {"help", no_argument, 0, O_HELP},
                                         {0, 0, 0, 0}};
    int c, bad = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_FACE:
            face = optarg;
            break;
        case O_ACTIONS:
            actions_s = optarg;
            break;
        case O_STEP:
            bad |= parse_int(optarg, 300, 60000, &step_ms);
            break;
        case O_FPS:
            bad |= parse_int(optarg, 1, 60, &fps);
            break;
        case O_SIZE:
            bad |= sscanf(optarg, "%dx%d", &width, &height) != 2 || width < 64 || height < 64 ||
                   width > 4096 || height > 4096 || (width | height) & 1;
            break;
        case O_Y4M:
            if (ny4m < MAX_OUT) y4m[ny4m++] = optarg;
            break;
        case O_FRAMES:
            if (nframes < MAX_OUT) frames_dir[nframes++] = optarg;
            break;
        case O_STILL:
            still = 1;
            break;
        case O_SECOND:
            second = optarg;
            break;
        case O_SWAP:
            swap = optarg;
            break;
        case O_IMAGE:
            still_image = optarg;
            break;
        case O_SECONDS:
            bad |= parse_int(optarg, 1, 600, &seconds);
            break;
        case O_SEED:
            seed = strtoull(optarg, NULL, 10);
            break;
        case O_TURN:
            turn_deg = strtof(optarg, NULL);
            break;
        case O_FRAC:
            face_frac = strtof(optarg, NULL);
            break;
        case O_MODELS:
            models = optarg;
            break;
        case O_QUALITY:
            bad |= parse_int(optarg, 10, 100, &quality);
            break;
        case O_GAZE:
            gaze = optarg;
            break;
        case O_GAZE_ATTACK:
            gaze_attack = optarg;
            break;
        case O_GAZE_LAG:
            bad |= parse_int(optarg, 0, 10000, &gaze_lag);
            break;
        case O_PITCH:
            pitch_deg = strtof(optarg, NULL);
            break;
        case O_HELP:
            usage();
            return 0;
        default:
            bad = 1;
        }
    }
    fm_action acts[16];
    int nacts = 0;
    if (parse_actions(actions_s, acts, &nacts) != 0) bad = 1;
    if (optind < argc || (ny4m == 0 && nframes == 0)) bad = 1;
    if (!!face == !!still_image || (still_image && seconds == 0) || (face && seconds)) bad = 1;
    if (face_frac < 0.05f || face_frac > 0.8f || turn_deg < 0 || turn_deg > 80) bad = 1;
    fm_gaze_point gaze_pts[FM_GAZE_MAX], gaze_follow[FM_GAZE_MAX];
    int ngaze = 0, follow_lag = FM_GAZE_LAG_MS;
    fm_gaze_attack_kind attack = FM_GAZE_HONEST;
    if (gaze &&
        (!face || fm_gaze_parse(gaze, gaze_pts, &ngaze) != 0 ||
         fm_gaze_attack_parse(gaze_attack, &attack) != 0 || pitch_deg < -60 || pitch_deg > 60))
        bad = 1;
    if (bad) {
        usage();
        return 2;
    }

    double t0 = now_s();
    image still_img = {0};
    fm_person main_p = {0}, second_p = {0}, swap_p = {0};
    face_models *fmodels = NULL;
    face_engine *engine = NULL;
    fm_plan_frame *plan = NULL;
    int nplan = 0, rc = 1;
    FILE *yf[MAX_OUT] = {0}, *times[MAX_OUT] = {0};
    fm_canvas canvas;
    if (fm_canvas_init(&canvas, width, height, face_frac, seed) != 0) return 1;

    if (still_image) {
        if (load_image(still_image, &still_img) != 0) goto done;
        nplan = seconds * fps;
        plan = calloc((size_t)nplan, sizeof *plan);
        if (!plan) goto done;
        for (int i = 0; i < nplan; i++) plan[i].t_ms = (int64_t)i * 1000 / fps;
    } else {
        char err[512];
        if (face_models_load(models, &fmodels, err, sizeof err) != 0) {
            fprintf(stderr, "face-motion: %s\n", err);
            goto done;
        }
        engine = face_engine_create(fmodels);
        if (!engine || load_person(engine, face, &main_p) != 0) goto done;
        if (second && load_person(engine, second, &second_p) != 0) goto done;
        if (swap && load_person(engine, swap, &swap_p) != 0) goto done;
        if (gaze) {
            fm_gaze_attack(gaze_pts, ngaze, attack, (uint64_t)seed, gaze_follow, &follow_lag);
            if (gaze_lag >= 0) follow_lag = gaze_lag;
            if (fm_plan_gaze(gaze_follow, ngaze, follow_lag, fps, turn_deg, pitch_deg,
                             still || attack == FM_GAZE_STILL, 1500, &plan, &nplan) != 0)
                goto done;
        } else if (fm_plan(acts, nacts, step_ms, fps, turn_deg, still, &plan, &nplan) != 0)
            goto done;
    }
    for (int k = 0; k < ny4m; k++) {
        yf[k] = fopen(y4m[k], "wb");
        if (!yf[k] || fm_y4m_header(yf[k], width, height, fps) != 0) {
            fprintf(stderr, "face-motion: %s: %s\n", y4m[k], strerror(errno));
            goto done;
        }
    }
    for (int k = 0; k < nframes; k++) {
        char path[4096];
        mkdir(frames_dir[k], 0755);
        snprintf(path, sizeof path, "%s/times.txt", frames_dir[k]);
        times[k] = fopen(path, "w");
        if (!times[k]) {
            fprintf(stderr, "face-motion: %s: %s\n", path, strerror(errno));
            goto done;
        }
    }
    for (int i = 0; i < nplan; i++) {
        image frame = {0};
        int r;
        if (still_image)
            r = fm_render_still_image(&canvas, &still_img, &frame);
        else {
            const fm_person *who = swap && i >= nplan / 2 ? &swap_p : &main_p;
            const fm_person *other = second && i >= nplan / 3 ? &second_p : NULL;
            r = fm_render(&canvas, who, &plan[i].pose, other, &frame);
        }
        if (r != 0) goto done;
        for (int k = 0; k < ny4m; k++)
            if (fm_y4m_frame(yf[k], &frame) != 0) r = -1;
        if (nframes) {
            uint8_t *jpg = NULL;
            size_t len = 0;
            if (image_encode_jpeg(&frame, quality, &jpg, &len) != IMG_OK) r = -1;
            for (int k = 0; k < nframes && r == 0; k++) {
                char path[4096];
                snprintf(path, sizeof path, "%s/frame_%04d.jpg", frames_dir[k], i);
                FILE *jf = fopen(path, "wb");
                if (!jf || fwrite(jpg, 1, len, jf) != len) r = -1;
                if (jf && fclose(jf) != 0) r = -1;
                fprintf(times[k], "frame_%04d.jpg %lld\n", i, (long long)plan[i].t_ms);
            }
            free(jpg);
        }
        image_free(&frame);
        if (r != 0) {
            fprintf(stderr, "face-motion: cannot write frame %d\n", i);
            goto done;
        }
    }
    rc = 0;
    fprintf(stderr, "face-motion: %d frames %dx%d at %d fps (%.1f s of video) in %.2f s\n", nplan,
            width, height, fps, (double)nplan / fps, now_s() - t0);
done:
    for (int k = 0; k < MAX_OUT; k++) {
        if (yf[k] && fclose(yf[k]) != 0) rc = 1;
        if (times[k] && fclose(times[k]) != 0) rc = 1;
    }
    free(plan);
    fm_person_free(&main_p);
    fm_person_free(&second_p);
    fm_person_free(&swap_p);
    image_free(&still_img);
    fm_canvas_free(&canvas);
    face_engine_free(engine);
    face_models_free(fmodels);
    return rc;
}
