/* ekycd's capture bundle (the `mobileSdkData` of OkayFace Plus, docs/capture-bundle.md): a JSON
 * envelope {"version":1, "nonce", "payload": base64 JSON, "signature": base64 HMAC-SHA-256 of
 * the payload bytes under the nonce's capture key}. The payload says which journey and nonce it
 * belongs to, when the capture started and ended, the SHA-256 of the selfie, and camera/device
 * facts. capture_bundle_judge turns the checks into the API's capture-liveness figures and the
 * reasons behind them. Pure computation: the caller looks the nonce up. */
#ifndef EKYCD_KYC_CAPTURE_BUNDLE_H
#define EKYCD_KYC_CAPTURE_BUNDLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_BUNDLE_MAX_BYTES (64u * 1024u)
#define CAPTURE_MAX_REASONS      12

typedef struct {
    char nonce[33];
    uint8_t *payload; /* decoded payload bytes (what the signature covers) */
    size_t payload_len;
    uint8_t signature[32];
    json_t *fields; /* the parsed payload object */
} capture_bundle;

/* Parses the envelope and the payload JSON. 0, or -1 when it is not a well-formed bundle
 * (capture_bundle_free is safe either way). */
int capture_bundle_parse(const uint8_t *data, size_t len, capture_bundle *out);
void capture_bundle_free(capture_bundle *b);

typedef struct {
    const char *journey_id;     /* the journey of the request */
    const char *key_journey_id; /* the journey the nonce was issued for */
    const uint8_t *key;         /* 32-byte capture key of the nonce */
    int64_t issued_at_ms, expires_at_ms;
    int64_t used_before_ms; /* 0 on the nonce's first use, else when it was first used */
    int64_t now_ms;
    uint8_t image_sha256[32]; /* of the imageBest bytes received */
} capture_context;

typedef struct {
    float probability; /* > 0.5: the selfie came through an issued capture, unaltered */
    float score;       /* ln(p / (1 - p)) */
    const char *reasons[CAPTURE_MAX_REASONS]; /* failed checks, static strings */
    int n_reasons;
} capture_verdict;

/* Reasons in a verdict: BUNDLE_MALFORMED, UNKNOWN_NONCE, SIGNATURE_INVALID, FOREIGN_JOURNEY,
 * NONCE_REUSED, KEY_EXPIRED, IMAGE_MISMATCH, CAPTURE_TIME_INVALID, CAPTURE_TOO_OLD,
 * VIRTUAL_CAMERA, EMULATOR. */
void capture_bundle_judge(const capture_bundle *b, const capture_context *ctx,
                          capture_verdict *out);

/* The verdict for a bundle that could not be used at all (malformed, unknown nonce). */
void capture_verdict_single(const char *reason, capture_verdict *out);

/* True when a camera label names a known virtual or injection camera (OBS, ManyCam,
 * v4l2loopback, ...), matched case-insensitively. */
int capture_camera_is_virtual(const char *label);

#endif
