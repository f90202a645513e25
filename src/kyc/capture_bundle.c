#include "kyc/capture_bundle.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/b64.h"

#define PASS_PROBABILITY  0.98   /* every check passed */
#define MAX_CAPTURE_MS    120000 /* capture start to end */
#define MAX_AGE_MS        300000 /* capture end to the call */
#define CLOCK_SKEW_MS     30000  /* device clock ahead of the server */
#define PROBABILITY_FLOOR 1e-7

/* How much each failed check multiplies the probability by (docs/capture-bundle.md). */
static const struct {
    const char *reason;
    double factor;
} penalties[] = {
    {"BUNDLE_MALFORMED", 0.01},    {"UNKNOWN_NONCE", 0.01},  {"SIGNATURE_INVALID", 0.01},
    {"FOREIGN_JOURNEY", 0.01},     {"IMAGE_MISMATCH", 0.01}, {"NONCE_REUSED", 0.02},
    {"VIRTUAL_CAMERA", 0.05},      {"EMULATOR", 0.05},       {"KEY_EXPIRED", 0.1},
    {"CAPTURE_TIME_INVALID", 0.1}, {"CAPTURE_TOO_OLD", 0.2},
};

static double penalty(const char *reason) {
    for (size_t i = 0; i < sizeof penalties / sizeof penalties[0]; i++)
        if (!strcmp(penalties[i].reason, reason)) return penalties[i].factor;
    return 0.01;
}

static void add_reason(capture_verdict *v, const char *reason) {
    if (v->n_reasons < CAPTURE_MAX_REASONS) v->reasons[v->n_reasons++] = reason;
}

static void finish(capture_verdict *v) {
    double p = PASS_PROBABILITY;
    for (int i = 0; i < v->n_reasons; i++) p *= penalty(v->reasons[i]);
    if (p < PROBABILITY_FLOOR) p = PROBABILITY_FLOOR;
    v->probability = (float)p;
    v->score = (float)log(p / (1.0 - p));
}

void capture_verdict_single(const char *reason, capture_verdict *out) {
    memset(out, 0, sizeof *out);
    add_reason(out, reason);
    finish(out);
}

void capture_bundle_free(capture_bundle *b) {
    free(b->payload);
    json_decref(b->fields);
    memset(b, 0, sizeof *b);
}

/* Decodes the base64 text of a JSON string member (at most max bytes, malloc'd into *out). */
static int member_b64(json_t *obj, const char *key, size_t max, uint8_t **out, size_t *len) {
    const char *text = json_string_value(json_object_get(obj, key));
    if (!text) return -1;
    return b64_decode(text, strlen(text), max, out, len) == B64_OK ? 0 : -1;
}

int capture_bundle_parse(const uint8_t *data, size_t len, capture_bundle *out) {
    memset(out, 0, sizeof *out);
    if (!data || len == 0 || len > CAPTURE_BUNDLE_MAX_BYTES) return -1;
    json_t *env = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = -1;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    const char *nonce = json_string_value(json_object_get(env, "nonce"));
    json_t *version = json_object_get(env, "version");
    if (json_is_object(env) && json_is_integer(version) && json_integer_value(version) == 1 &&
        nonce && strlen(nonce) < sizeof out->nonce &&
        member_b64(env, "payload", CAPTURE_BUNDLE_MAX_BYTES, &out->payload, &out->payload_len) ==
            0 &&
        member_b64(env, "signature", 64, &sig, &sig_len) == 0 && sig_len == 32) {
        memcpy(out->nonce, nonce, strlen(nonce) + 1);
        memcpy(out->signature, sig, 32);
        out->fields =
            json_loadb((const char *)out->payload, out->payload_len, JSON_REJECT_DUPLICATES, NULL);
        rc = json_is_object(out->fields) ? 0 : -1;
    }
    free(sig);
    json_decref(env);
    if (rc != 0) capture_bundle_free(out);
    return rc;
}

int capture_camera_is_virtual(const char *label) {
    static const char *const names[] = {
        "virtual",  "obs",    "manycam",  "v4l2loopback", "dummy",    "xsplit", "snap camera",
        "e2esoft",  "vcam",   "camtwist", "splitcam",     "droidcam", "iriun",  "ndi",
        "altercam", "youcam", "fake",     "webcamoid",    "epoccam",  "mmhmm",  "camo"};
    char low[256];
    size_t n = 0;
    for (; label && label[n] && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)label[n]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        for (const char *at = strstr(low, names[i]); at; at = strstr(at + 1, names[i])) {
            /* whole words only, so "obs" does not match inside another word */
            int starts = at == low || !isalnum((unsigned char)at[-1]);
            int ends = !isalnum((unsigned char)at[k]);
            if (starts && ends) return 1;
        }
    }
    return 0;
}

static int64_t member_ms(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Hex SHA-256 in the payload equals the image's. */
static int image_matches(json_t *fields, const uint8_t sha[32]) {
    const char *hex = json_string_value(json_object_get(fields, "imageSha256"));
    uint8_t claimed[32];
    size_t bin_len = 0;
    if (!hex || strlen(hex) != 64 ||
        sodium_hex2bin(claimed, sizeof claimed, hex, 64, NULL, &bin_len, NULL) != 0 ||
        bin_len != 32)
        return 0;
    return sodium_memcmp(claimed, sha, 32) == 0;
}

static void judge_times(json_t *fields, const capture_context *ctx, capture_verdict *out) {
    int64_t started = member_ms(fields, "captureStartedAt"),
            ended = member_ms(fields, "capturedAt");
    if (started < 0 || ended < 0 || started < ctx->issued_at_ms || ended < started ||
        ended - started > MAX_CAPTURE_MS || ended > ctx->now_ms + CLOCK_SKEW_MS)
        add_reason(out, "CAPTURE_TIME_INVALID");
    else if (ctx->now_ms - ended > MAX_AGE_MS)
        add_reason(out, "CAPTURE_TOO_OLD");
}

void capture_bundle_judge(const capture_bundle *b, const capture_context *ctx,
                          capture_verdict *out) {
    memset(out, 0, sizeof *out);
    if (crypto_auth_hmacsha256_verify(b->signature, b->payload, b->payload_len, ctx->key) != 0) {
        add_reason(out, "SIGNATURE_INVALID"); /* nothing in the payload can be trusted */
        finish(out);
        return;
    }
    const char *journey = json_string_value(json_object_get(b->fields, "journeyId"));
    const char *nonce = json_string_value(json_object_get(b->fields, "nonce"));
    if (strcmp(ctx->key_journey_id, ctx->journey_id) || !journey ||
        strcmp(journey, ctx->journey_id) || !nonce || strcmp(nonce, b->nonce))
        add_reason(out, "FOREIGN_JOURNEY");
    if (ctx->used_before_ms) add_reason(out, "NONCE_REUSED");
    if (ctx->now_ms > ctx->expires_at_ms) add_reason(out, "KEY_EXPIRED");
    if (!image_matches(b->fields, ctx->image_sha256)) add_reason(out, "IMAGE_MISMATCH");
    judge_times(b->fields, ctx, out);
    json_t *camera = json_object_get(b->fields, "camera");
    if (capture_camera_is_virtual(json_string_value(json_object_get(camera, "label"))))
        add_reason(out, "VIRTUAL_CAMERA");
    if (json_is_true(json_object_get(json_object_get(b->fields, "device"), "emulator")))
        add_reason(out, "EMULATOR");
    finish(out);
}
