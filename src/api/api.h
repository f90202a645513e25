/* API handlers: translate spec fields (emas.md) to store/kyc calls and back, nothing else.
 * The route table in routes.c is the one place a path is bound to a handler. */
#ifndef EKYCD_API_API_H
#define EKYCD_API_API_H

#include <stddef.h>

#include "kyc/document.h"
#include "kyc/ghost_photo.h"
#include "kyc/liveness.h"
#include "kyc/scorecard.h"
#include "server/multipart.h"
#include "server/router.h"
#include "store/store.h"

struct app;

const route *api_routes(size_t *count);

/* journey.c — emas.md §4.1 and a journey status call (docs/api-conventions.md) */
void api_journey_create(http_request *req, http_response *res);
void api_journey_status(http_request *req, http_response *res);
/* emas.md §4.10: INCOMPLETE_JOURNEY until every step in the account's required steps has a result
 */
void api_journey_complete(http_request *req, http_response *res);

/* okayid.c — emas.md §4.2: document reading (MRZ documents; docs/okayid.md) */
/* Values of an OkayID field's Matrix (emas.md §7.4) */
enum {
    RCF_DISABLED = 0,
    RCF_VERIFIED = 1,
    RCF_NOT_VERIFIED = 2,
    RCF_COMPARE_TRUE = 3,
    RCF_COMPARE_FALSE = 4
};
void api_okayid(http_request *req, http_response *res);
/* The OkayID success body for a reading, with the optional parts the request enabled; NULL when
 * out of memory. Shared with `ekycd read`. */
json_t *api_okayid_result(const document_reading *doc, bool doc_type, bool images, bool face);
/* The OkayID error code for a reading without an MRZ (DOCUMENT_NOT_SUPPORTED when a portrait
 * shows a document ekycd cannot read yet, else UNRECOGNIZED_IMAGE), NULL when it has one. */
const char *api_okayid_error(const document_reading *doc);

/* base64 JPEG of a rectangle of an upright page (OkayID's crops), or NULL. */
char *api_crop_base64(const image *page, const document_rect *rect);

/* The document's date of birth (or of expiry) as OkayID reports it: the MRZ's date, in the century
 * its visual zone printed when it printed the year in full, else the MRZ's rule (birth dates not
 * in the future, expiry dates at most 50 years ahead); false when the MRZ has no full date. */
bool api_document_date(const document_reading *doc, bool birth, int *year, int *month, int *day);

/* okaydoc.c — emas.md §4.7: capture checks of a document image (docs/okaydoc.md) */
void api_okaydoc(http_request *req, http_response *res);

/* scorecard.c — emas.md §4.8, §4.9, §6 (docs/scorecard.md) */
void api_scorecard(http_request *req, http_response *res);
void api_scorecard_config(http_request *req, http_response *res);
/* The journey's scorecardResultList (one entry per document type found that has rules), as
 * GET /api/ekyc/scorecard answers it; NULL on a store failure. */
json_t *api_scorecard_results(store *st, const store_journey *journey);
/* Parses {"configList": [...], "scorecardList": [...]}; -1 with the problem in err. */
int api_scorecard_parse_json(json_t *lists, scorecard_config *cfg, char *err, size_t errlen);
/* The account's rules for doc_type (its own, else the shipped default): 0 with *cfg, the lists
 * as JSON (*lists, caller decrefs) and when they were last set; 1 when there are none; -1 on a
 * store failure. */
int api_scorecard_rules(store *st, const store_account *account, const char *doc_type,
                        scorecard_config *cfg, json_t **lists, int64_t *modified_ms);

/* okayface.c — emas.md §4.3, §4.4, §4.5 (v1, v1-1, v2, OkayFace Plus v1) and the blacklist
 * management API */
void api_okayface(http_request *req, http_response *res);
void api_blacklist_add(http_request *req, http_response *res);
void api_blacklist_list(http_request *req, http_response *res);
void api_blacklist_delete(http_request *req, http_response *res);

/* okaylive.c — emas.md §4.6: passive liveness of a selfie (docs/liveness.md) */
void api_okaylive(http_request *req, http_response *res);

/* face_input.c — shared by the face endpoints */
#define API_FACE_MAX_IMAGE_BYTES (3u * 1024u * 1024u) /* per image, emas.md §10 */

typedef struct {
    const uint8_t *data; /* points into the body, or into owned */
    size_t len;
    uint8_t *owned; /* decoded base64; the caller frees it */
} api_upload;

/* Parses the multipart body; false (with the answer written) when it is not usable. */
bool api_face_parse_form(http_request *req, http_response *res, multipart_form *form);
/* The image in file part `file_field`, else in base64 part `b64_field` (NULL: no base64 twin).
 * NULL on success, else MISSING_ARGUMENTS, PAYLOAD_TOO_LARGE or "Photo format error". */
const char *api_face_get_image(const multipart_form *form, const char *file_field,
                               const char *b64_field, api_upload *out);
/* The vendor's request id shape, e.g. 1591169623008663I8E5268153513648. */
void api_face_request_id(char out[40]);
/* {"status":"error","message":code,"messageCode":null}, or the 500 body for an internal error. */
void api_face_respond_error(http_response *res, const char *code);

typedef struct {
    face_role role;
    float *embedding; /* FACE_EMBEDDING_DIM floats to fill, or NULL */
    bool liveness;    /* also judge passive liveness (the role should be the selfie's) */
    float liveness_threshold;
} api_face_job;

typedef struct {
    image_status decode_status;
    face_check_result check;
    liveness_result liveness;
} api_face_outcome;

/* Runs job on one upload with a pooled engine under the work gate. NULL on success, else the
 * error code (*busy set when the answer must be 503 SERVER_BUSY). */
const char *api_face_analyse(struct app *a, const api_upload *u, const api_face_job *job,
                             api_face_outcome *out, bool *busy);

/* {"probability", "score", "quality"} rounded as the vendor prints them. */
json_t *api_liveness_json(const liveness_result *r);

/* public_image.c — emas.md §4.13: the crops OkayDoc answers link to (docs/okaydoc.md) */
void api_public_image(http_request *req, http_response *res);

/* capture.c — OkayFace Plus capture keys and bundles (docs/capture-bundle.md) */
void api_capture_key(http_request *req, http_response *res);
/* imageBestCaptureLiveness {probability, score, reasons} for a mobileSdkData bundle sent with
 * the selfie `best` on journey_id (marks the bundle's nonce used); NULL on a store failure. */
json_t *api_capture_liveness(struct app *a, const char *journey_id, const uint8_t *bundle,
                             size_t bundle_len, const api_upload *best);

/* details.c — emas.md §4.11 details (AES) and §4.12 deletion */
void api_details_get(http_request *req, http_response *res);
void api_journey_delete(http_request *req, http_response *res);

/* h5_links.c — h5-and-v3.md A.2, A.3: verification links made and read by API clients */
void api_h5_create(http_request *req, http_response *res);
void api_h5_get(http_request *req, http_response *res);

/* h5_page.c — the capture page's own calls (docs/h5.md), the link's token as a bearer */
void api_h5_session(http_request *req, http_response *res);
void api_h5_document(http_request *req, http_response *res);
void api_h5_challenge(http_request *req, http_response *res);
void api_h5_frames(http_request *req, http_response *res);
void api_h5_finish(http_request *req, http_response *res);
void api_h5_qr(http_request *req, http_response *res);

/* web.c — the capture page and its files (web/, embedded) */
void api_web_page(http_request *req, http_response *res);
void api_web_file(http_request *req, http_response *res);

/* ops.c — health, readiness, Prometheus metrics */
void api_healthz(http_request *req, http_response *res);
void api_readyz(http_request *req, http_response *res);
void api_metrics(http_request *req, http_response *res);

/* common.c — shared steps of many handlers */

/* Authenticates HTTP Basic credentials; on failure writes INVALID_AUTH_HEADER, WRONG_CREDENTIAL,
 * ERROR_IDV_EXPIRED, 503 or 500 into res and returns false. */
bool api_basic_auth(http_request *req, http_response *res, store_account *account);

/* An API key (client_id and secret, as `ekycd client add` / `company key` print them) checked
 * against the store, in the same time whether or not the id exists: API_KEY_OK with *client and
 * *account filled when the key matches and neither it nor its account is disabled or expired;
 * API_KEY_DENIED otherwise; API_KEY_ERROR when the store failed. */
typedef enum { API_KEY_OK, API_KEY_DENIED, API_KEY_ERROR } api_key_status;
/* An absolute http(s) URL with a host, printable ASCII without spaces, quotes, angle brackets
 * or backslashes, at most max characters (a redirect or server URL a client hands us). */
bool api_http_url_ok(const char *url, size_t max);
/* A hosted session's id (an H5 link's token, a v3 session's id): 30 characters of A-Z 0-9 from
 * the CSPRNG. */
void api_session_token(char out[STORE_LINK_TOKEN_LEN + 1]);
api_key_status api_key_check(struct app *a, const char *client_id, const char *secret,
                             store_client *client, store_account *account);

/* Resolves a journey id for `account_id` (or for any account when account_id is 0). Unknown,
 * empty, malformed, purged and other accounts' ids all answer INVALID_JOURNEY_ID alike. */
bool api_load_journey(http_request *req, http_response *res, const char *journey_id,
                      int64_t account_id, store_journey *journey);

/* True while the journey accepts step results; a completed one answers JOURNEY_COMPLETED
 * (docs/api-conventions.md) and false. */
bool api_journey_writable(http_response *res, const store_journey *journey);
void api_journey_completed_error(http_response *res);

/* Counts one eKYC step call against the account's quota (`account add --max-api-calls`); when
 * it is used up, answers MAX_API_CALL_EXCEEDED (emas.md §11.1) and returns false. Called once a
 * request has passed validation, before the work. */
bool api_charge_call(http_request *req, http_response *res, int64_t account_id);

/* Decodes a base64 image of at most max_bytes (decoded) and API_MAX_IMAGE_PIXELS into *bytes
 * (malloc'd, kept for storing) and *img. NULL on success, else "PAYLOAD_TOO_LARGE",
 * "Internal Server Error" or API_NOT_AN_IMAGE (not base64, not an image, truncated), which
 * each endpoint answers in its own words. On failure the caller still frees *bytes and *img. */
#define API_MAX_IMAGE_PIXELS 40000000u /* decompression-bomb cap */
#define API_NOT_AN_IMAGE     "not an image"
const char *api_decode_image(const char *b64, size_t b64_len, size_t max_bytes, uint8_t **bytes,
                             size_t *len, image *img);
/* The same with a smaller pixel cap, checked from the header before any allocation. */
const char *api_decode_image_capped(const char *b64, size_t b64_len, size_t max_bytes,
                                    size_t max_pixels, uint8_t **bytes, size_t *len, image *img);

/* 503 SERVER_BUSY with Retry-After: 1, when every work slot and queue place is taken. */
void api_respond_busy(http_response *res);

/* Writes the INVALID_JOURNEY_ID error in the spec's shape (§11.1). */
void api_invalid_journey(http_response *res);

/* Answers a step whose result was being stored on the journey: 200 with answer (stolen) when
 * saved is STORE_OK, JOURNEY_COMPLETED when the journey was completed meanwhile,
 * INVALID_JOURNEY_ID when it was deleted meanwhile, 500 otherwise. */
void api_respond_saved(http_response *res, store_status saved, json_t *answer);

/* document_read under the work gate with a pooled OCR pair and face engine, the visual zone
 * compared when compare_visual. 0, -1 when the server is busy, -2 on failure. */
int api_read_document(struct app *a, const image *front, const image *back, bool compare_visual,
                      document_reading *doc);

/* ghost_photo_check_document on a reading, under the work gate with a pooled face engine. 0, -1
 * when the server is busy, -2 on failure. */
int api_check_ghost_photo(struct app *a, const document_reading *doc, ghost_comparison *out);

#endif
