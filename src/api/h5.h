/* The H5 family's shared steps (docs/h5.md): the API clients' key check and rate limit, the
 * link's bearer token on the page's calls, the H5 error shape, and the link's record.
 *
 * A link's record is the JSON kept (sealed) in the verifications row: what the link was made
 * with (type, document, redirect), where its page stands (step, counters, the current
 * challenge) and its outcome flags. What the customer captured and what ekycd read live as
 * results and blobs of the link's journey, purged with it. */
#ifndef EKYCD_API_H5_H
#define EKYCD_API_H5_H

#include <jansson.h>
#include <stdbool.h>

#include "server/request.h"
#include "store/store.h"

/* Result components and blob kinds of a link's journey. */
#define H5_OCR_RESULT      "h5_ocr"      /* ocr_result as the spec shapes it */
#define H5_FACE_RESULT     "h5_face"     /* face_id_result */
#define H5_PORTRAIT_RESULT "h5_portrait" /* the document portrait's face template */
#define H5_FRAMES_RESULT   "h5_frames"   /* one batch of measured challenge frames */

/* Where the page stands; "expired" is derived from the clock, never stored. */
#define H5_STEP_DOCUMENT "document"
#define H5_STEP_SELFIE   "selfie"
#define H5_STEP_DONE     "done"
#define H5_STEP_FAILED   "failed"

/* {"status":status,"message":message} plus "code" for the page when code is not NULL. */
void h5_error(http_response *res, int status, const char *message, const char *code);
/* {"status":200,"result":result} (stolen); 500 when result is NULL (out of memory). */
void h5_ok(http_response *res, json_t *result);

/* Checks the client_id / client_secret headers (constant-time digest comparison) and the key's
 * rate limit. On failure answers 401 (the same words for every key problem), 429 with
 * Retry-After, 503 or 500, and returns false. */
bool h5_client_auth(http_request *req, http_response *res, store_client *client,
                    store_account *account);

/* How a page call finds its link. */
typedef enum {
    H5_LINK_LIVE,        /* captures: expired or pruned links answer 410 */
    H5_LINK_ANY,         /* the session: any link, its step says "expired" */
    H5_LINK_QUERY_TOKEN, /* <img src=…?token=…> (the QR code): the token may be in the query */
} h5_link_use;

/* The page's link: the bearer token of `Authorization` (or the query's, for
 * H5_LINK_QUERY_TOKEN), looked up and opened with its record (*record, caller decrefs).
 * Answers 401 invalid_token, 410 expired, 429, 500 and returns false. */
bool h5_page_link(http_request *req, http_response *res, h5_link_use use, store_verification *link,
                  json_t **record);

/* Stores *record as the link's new record (optimistic: CONFLICT when another request changed
 * the link first). */
store_status h5_save(http_request *req, store_verification *link, json_t *record);

/* Record accessors. */
int h5_int(json_t *record, const char *key);
/* The record's value of key (a new reference), or null. */
json_t *h5_field(json_t *record, const char *key);
const char *h5_str(json_t *record, const char *key);
bool h5_expired(const store_verification *link, json_t *record, int64_t now_ms);
/* The page's step word, "expired" included. */
const char *h5_step(const store_verification *link, json_t *record, int64_t now_ms);
/* Marks the link finished (done or failed) with is_success. */
void h5_finish(json_t *record, bool success);
/* redirect_url with token and is_success appended; NULL until the link is finished. */
char *h5_redirect(const store_verification *link, json_t *record);

/* ISO-8601 UTC with milliseconds ("2024-09-10T08:01:31.000Z"). */
void h5_time(int64_t ms, char out[32]);

/* The result the record names under id_key (its id on the link's journey) as JSON; NULL when
 * none, or pruned. Results are written before the record names them, so a request that loses
 * the race for the record (h5_save's CONFLICT) leaves only results nobody reads. */
json_t *h5_result(http_request *req, const store_verification *link, json_t *record,
                  const char *id_key);
/* Stores json as a result of component on the link's journey and names it in the record under
 * id_key (the record still has to be saved). */
store_status h5_add_result(http_request *req, const store_verification *link, json_t *record,
                           const char *component, const char *id_key, json_t *json);

/* Whether country is one the page offers for id_type ("ID_CARD": MYS; "PASSPORT": the spec's
 * list; NULL: either). */
bool h5_country_supported(const char *country, const char *id_type);
/* The documents the page offers: {"ID_CARD":[…],"PASSPORT":[…]}. */
json_t *h5_documents(void);

#endif
