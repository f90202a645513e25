/* The store: accounts (tenants), journeys, per-journey results and blobs (images).
 *
 * One interface, several backends chosen by URL: "sqlite:PATH" (store/sqlite.c) or
 * "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?…]" (store/pg.c, libpq). Callers never see SQL.
 * Personal data (result payloads, blob bytes) is sealed with the master key here, above the
 * backend, so every backend stores only ciphertext bound to its row id. A journey whose purge time
 * has passed is treated as absent everywhere, even before the sweeper deletes it. All functions are
 * thread-safe. */
#ifndef EKYCD_STORE_STORE_H
#define EKYCD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/crypto.h"
#include "util/ids.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND, /* no such row (or purged / not owned) */
    STORE_CONFLICT,  /* unique key taken (username, company id) */
    STORE_QUOTA,     /* account journey quota reached */
    STORE_ERROR      /* database failure; details were logged */
} store_status;

#define STORE_USERNAME_MAX   128
#define STORE_COMPANY_ID_MAX 64
#define STORE_HASH_MAX       256
#define STORE_COMPONENT_MAX  48

typedef struct {
    int64_t id;
    char username[STORE_USERNAME_MAX + 1];
    char password_hash[STORE_HASH_MAX];
    char company_id[STORE_COMPANY_ID_MAX + 1];
    bool disabled;
    int64_t expires_at_ms; /* 0 = never expires */
    int64_t max_journeys;  /* 0 = unlimited */
    int64_t journeys_created;
    int retention_days;
    int64_t created_at_ms;
    bool allow_delete;        /* journey deletion via the API (emas.md §4.12) */
    char required_steps[128]; /* comma-separated components needed to complete a journey */
    int64_t max_api_calls;    /* eKYC step calls allowed; 0 = unlimited */
    int64_t api_calls;        /* eKYC step calls made */
    char display_name[STORE_USERNAME_MAX + 1]; /* the name the capture page shows; "" = username */
    int link_minutes;                          /* H5 link lifetime (default 15) */
    int link_ocr_retries;                      /* OCR retries per link (default 2) */
    int link_face_retries;                     /* face retries per link (default 1) */
} store_account;

typedef struct {
    char id[UUID_STR_LEN];
    int64_t account_id;
    char status[16]; /* ACTIVE or COMPLETED */
    int64_t created_at_ms;
    int64_t completed_at_ms; /* 0 while active */
    int64_t purge_at_ms;
} store_journey;

typedef struct {
    char id[UUID_STR_LEN];
    char component[STORE_COMPONENT_MAX + 1];
    int64_t created_at_ms;
    char *payload; /* decrypted, NUL-terminated */
    size_t payload_len;
} store_result;

typedef struct {
    char id[UUID_STR_LEN];
    char journey_id[UUID_STR_LEN];
    char kind[STORE_COMPONENT_MAX + 1];
    char content_type[64];
    char digest[65]; /* keyed BLAKE2b-256 of the plaintext, hex */
    int64_t created_at_ms;
    uint8_t *data; /* decrypted */
    size_t size;
} store_blob;

typedef struct store store;

/* Opens (creating if needed) the store at url and applies pending migrations. */
store_status store_open(const char *url, const uint8_t master_key[MASTER_KEY_BYTES], store **out,
                        char *err, size_t errlen);
/* The same with pool_size database connections (PostgreSQL; 0 = the default). */
store_status store_open_pooled(const char *url, const uint8_t master_key[MASTER_KEY_BYTES],
                               size_t pool_size, store **out, char *err, size_t errlen);
void store_close(store *st);
/* Keeps blob bytes (sealed as ever) as files under dir, shared by the nodes, instead of in the
 * database (docs/deploy.md); rows keep their metadata. Blobs written before stay readable where
 * they are. Creates dir when missing. */
store_status store_use_blob_dir(store *st, const char *dir, char *err, size_t errlen);
store_status store_ping(store *st);

store_status store_account_add(store *st, const store_account *account, int64_t *out_id);
store_status store_account_get(store *st, const char *username, store_account *out);
store_status store_account_get_by_id(store *st, int64_t id, store_account *out);
/* *out is malloc'd (free with free()); ordered by username. */
store_status store_account_list(store *st, store_account **out, size_t *count);
store_status store_account_set_disabled(store *st, const char *username, bool disabled);
store_status store_account_set_allow_delete(store *st, const char *username, bool allow);
/* The account's 16-character details key (AES-128 key and IV of the details call), created on
 * first use and kept sealed. out gets 16 characters and a NUL. */
store_status store_account_details_key(store *st, int64_t account_id, char out[17]);

/* Creates a journey for the account, counting it against max_journeys atomically. The purge
 * time is now + the account's retention days. */
store_status store_journey_create(store *st, const store_account *account, int64_t now_ms,
                                  store_journey *out);
/* NOT_FOUND for unknown ids and for journeys whose purge time is <= now_ms. */
store_status store_journey_get(store *st, const char *id, int64_t now_ms, store_journey *out);
/* Marks an ACTIVE journey COMPLETED at now_ms; STORE_CONFLICT when it already was (out gets the
 * journey as it is then, with its completion time). */
store_status store_journey_complete(store *st, const char *id, int64_t now_ms, store_journey *out);
/* Deletes the journey with every result and blob it holds (blob files included). */
store_status store_journey_delete(store *st, const char *id);
/* Deletes every journey whose purge time is <= now_ms; *purged counts them. On PostgreSQL one
 * node sweeps at a time (advisory lock); the others purge nothing that round. */
store_status store_purge_expired(store *st, int64_t now_ms, size_t *purged);
store_status store_journey_count(store *st, int64_t account_id, int64_t *count);

/* STORE_CONFLICT when the journey is already completed. */
store_status store_result_add(store *st, const char *journey_id, const char *component,
                              const char *json, size_t json_len, int64_t now_ms,
                              char out_id[UUID_STR_LEN]);
/* Oldest first. Free with store_results_free. */
store_status store_result_list(store *st, const char *journey_id, store_result **out,
                               size_t *count);
void store_results_free(store_result *results, size_t count);

store_status store_blob_put(store *st, const char *journey_id, const char *kind,
                            const char *content_type, const uint8_t *data, size_t size,
                            int64_t now_ms, char out_id[UUID_STR_LEN]);
/* Fails with STORE_ERROR if the stored bytes were altered. Free with store_blob_free. */
store_status store_blob_get(store *st, const char *blob_id, store_blob *out);
void store_blob_free(store_blob *blob);

/* Blacklist faces (OkayFace v2), per account. Label and template are sealed. */
typedef struct {
    char id[UUID_STR_LEN];
    int64_t created_at_ms;
    char *label; /* decrypted */
    float *tmpl; /* decrypted, dim floats; NULL unless asked for */
    size_t dim;
} store_face;

store_status store_blacklist_add(store *st, int64_t account_id, const char *label,
                                 const float *tmpl, size_t dim, int64_t now_ms,
                                 char out_id[UUID_STR_LEN]);
/* Oldest first; templates only when with_templates. Free with store_faces_free. */
store_status store_blacklist_list(store *st, int64_t account_id, bool with_templates,
                                  store_face **out, size_t *count);
void store_faces_free(store_face *faces, size_t count);
/* NOT_FOUND for an unknown id or another account's. */
store_status store_blacklist_delete(store *st, int64_t account_id, const char *id);
/* The account's blacklist version: moved by one on every add and delete, by any node (a trigger
 * in the database, in the change's transaction). NOT_FOUND for an unknown account. */
store_status store_blacklist_version(store *st, int64_t account_id, int64_t *version);
/* One face's template, opened into tmpl (dim floats). NOT_FOUND when the face is gone, another
 * account's, or its template has another size. */
store_status store_blacklist_template(store *st, int64_t account_id, const char *id, float *tmpl,
                                      size_t dim);

/* Counts one eKYC step call against the account's max_api_calls, atomically: STORE_OK, or
 * STORE_QUOTA when the quota is used up (nothing is counted then). */
store_status store_account_charge_call(store *st, int64_t account_id);

/* ---- scorecard rules per account and docType (JSON text; docs/scorecard.md) ---- */
store_status store_scorecard_set(store *st, int64_t account_id, const char *doc_type,
                                 const char *config_json, int64_t now_ms);
/* NOT_FOUND when the account has no rules of its own for doc_type; *config_json malloc'd. */
store_status store_scorecard_get(store *st, int64_t account_id, const char *doc_type,
                                 char **config_json, int64_t *modified_ms);

/* ---- audit log: who (account, client address) did what to which journey and when ---- */
typedef struct {
    int64_t at_ms;
    int64_t account_id;                    /* 0: not identified */
    char username[STORE_USERNAME_MAX + 1]; /* filled by store_audit_list; "" when unknown */
    char journey_id[UUID_STR_LEN];         /* "" when none */
    char action[80];                       /* "METHOD /route/pattern" */
    int status;                            /* HTTP status */
    char outcome[64];                      /* "success" or the error code */
    char client_ip[48];
    char request_id[17];
} store_audit_entry;

store_status store_audit_add(store *st, const store_audit_entry *entry);
/* The entries of one journey (journey_id) or of one account (journey_id NULL, account_id),
 * oldest first, at most `limit`, the latest ones (*out malloc'd; free()). */
store_status store_audit_list(store *st, const char *journey_id, int64_t account_id, size_t limit,
                              store_audit_entry **out, size_t *count);

/* ---- capture keys of OkayFace Plus (docs/capture-bundle.md) ---- */
#define STORE_NONCE_HEX         32 /* 16 random bytes */
#define STORE_CAPTURE_KEY_BYTES 32

typedef struct {
    char nonce[STORE_NONCE_HEX + 1];
    char journey_id[UUID_STR_LEN];
    int64_t issued_at_ms, expires_at_ms;
    int64_t used_at_ms;                   /* 0 while unused */
    uint8_t key[STORE_CAPTURE_KEY_BYTES]; /* HMAC-SHA-256 key, derived, never stored */
} store_capture_nonce;

/* Issues a fresh nonce for the journey, valid until expires_at_ms, with its capture key. */
store_status store_capture_nonce_issue(store *st, const char *journey_id, int64_t now_ms,
                                       int64_t expires_at_ms, store_capture_nonce *out);
/* Marks the nonce used at now_ms and fills out (key included): STORE_OK on its first use,
 * STORE_CONFLICT when it had been used before (out->used_at_ms says when), STORE_NOT_FOUND for
 * an unknown or malformed nonce or one whose journey is gone. */
store_status store_capture_nonce_redeem(store *st, const char *nonce, int64_t now_ms,
                                        store_capture_nonce *out);

/* ---- result images of OkayDoc, served by id and type (emas.md §4.13) ---- */
#define STORE_IMAGE_TYPE_MAX 48

/* Makes blob_id (a blob of journey_id) the image of (okaydoc_id, type) under route kind
 * ("passport" or "v2"). */
store_status store_public_image_link(store *st, const char *journey_id, const char *okaydoc_id,
                                     const char *type, const char *kind, const char *blob_id);
/* The image of (okaydoc_id, type) under kind, decrypted into out (free with store_blob_free);
 * NOT_FOUND when there is none, the kind differs, or its journey is gone or past purge. */
store_status store_public_image_get(store *st, const char *okaydoc_id, const char *type,
                                    const char *kind, int64_t now_ms, store_blob *out);

/* ---- long-running steps as jobs with a lease (docs/jobs.md) ----
 * A node records the job it is about to run (store_job_start), renews the leases of its running
 * jobs while it lives (store_job_renew) and removes the job when done (store_job_finish). A job
 * whose lease ran out belongs to a node that died: store_job_claim_expired hands it to another
 * node, at most max_attempts runs in all; after that it is marked failed, its input dropped, and
 * it shows as a failure of the journey (store_job_failures). */
#define STORE_JOB_KIND_MAX 16
#define STORE_NODE_MAX     64

typedef struct {
    char id[UUID_STR_LEN];
    char journey_id[UUID_STR_LEN];
    char kind[STORE_JOB_KIND_MAX + 1];
    int attempts;   /* the run this claim is, from 1 */
    uint8_t *input; /* the job's input, opened; store_job_free */
    size_t input_len;
} store_job;

typedef struct {
    char kind[STORE_JOB_KIND_MAX + 1];
    int attempts;
    int64_t created_at_ms, failed_at_ms;
} store_job_failure;

/* Records a job of kind for the journey, claimed by node until now + lease_ms (attempt 1). The
 * input is sealed. out->input is not filled. STORE_NOT_FOUND when the journey is gone. */
store_status store_job_start(store *st, const char *journey_id, const char *kind,
                             const uint8_t *input, size_t input_len, const char *node,
                             int64_t now_ms, int64_t lease_ms, store_job *out);
/* Extends to now + lease_ms the lease of every running job of node. */
store_status store_job_renew(store *st, const char *node, int64_t now_ms, int64_t lease_ms);
/* First marks failed the expired jobs that have had max_attempts runs (*failed counts them; may
 * be NULL), then claims for node the oldest other expired job, one more attempt, lease until
 * now + lease_ms. STORE_NOT_FOUND when there is none. Two nodes never claim the same job. */
store_status store_job_claim_expired(store *st, const char *node, int64_t now_ms, int64_t lease_ms,
                                     int max_attempts, store_job *out, size_t *failed);
/* The job is done: it is removed. STORE_CONFLICT when this claim (node, attempt) was lost. */
store_status store_job_finish(store *st, const store_job *job, const char *node);
/* The failed jobs of a journey, oldest first (*out malloc'd; free()). */
store_status store_job_failures(store *st, const char *journey_id, store_job_failure **out,
                                size_t *count);
void store_job_free(store_job *job);

/* ---- H5 family: API clients, rate counters, verification links (docs/h5.md) ---- */
#define STORE_CLIENT_ID_HEX  32 /* 16 random bytes */
#define STORE_CLIENT_NAME    64
#define STORE_LINK_TOKEN_LEN 30

typedef struct {
    char client_id[STORE_CLIENT_ID_HEX + 1];
    int64_t account_id;
    char name[STORE_CLIENT_NAME + 1];
    char secret_digest[65]; /* store_secret_digest of the secret; the secret is never stored */
    bool disabled;
    int64_t created_at_ms, rotated_at_ms;
} store_client;

/* Keyed BLAKE2b-256 of a client secret (hex): what is stored and compared. */
void store_secret_digest(store *st, const char *secret, char out[65]);
store_status store_client_add(store *st, const store_client *client);
/* NOT_FOUND for an unknown or malformed id. */
store_status store_client_get(store *st, const char *client_id, store_client *out);
/* The account's clients (every client when account_id is 0), oldest first; *out malloc'd. */
store_status store_client_list(store *st, int64_t account_id, store_client **out, size_t *count);
store_status store_client_set_disabled(store *st, const char *client_id, bool disabled);
store_status store_client_set_secret(store *st, const char *client_id, const char *secret_digest,
                                     int64_t now_ms);

/* Counts one hit of key in the fixed window starting at window_at_ms and answers the window's
 * count so far (every node shares it). Windows older than keep_after_ms are dropped now and
 * then. */
store_status store_rate_hit(store *st, const char *key, int64_t window_at_ms, int64_t keep_after_ms,
                            int64_t *hits);

typedef struct {
    int64_t id;
    char token[STORE_LINK_TOKEN_LEN + 1];
    int64_t account_id;
    char client_id[STORE_CLIENT_ID_HEX + 1];
    char journey_id[UUID_STR_LEN];
    int64_t created_at_ms, updated_at_ms, expire_at_ms;
    int64_t pruned_at_ms; /* 0 while the journey's captures and results are kept */
    int64_t version;      /* bumped by every update */
    char family[4];       /* "h5" (a verification link) or "v3" (a v3 session, docs/v3.md) */
    char *record;         /* the link's JSON record, opened; NUL-terminated */
    size_t record_len;
} store_verification;

/* Stores a new link (v->record sealed, bound to the token); fills v->id. CONFLICT when the
 * token is taken. */
store_status store_verification_add(store *st, store_verification *v);
/* The session of that family ("h5" or "v3") with this token; NOT_FOUND for an unknown or
 * malformed token and for another family's. Free with store_verification_free. */
store_status store_verification_get(store *st, const char *family, const char *token,
                                    store_verification *out);
/* Replaces the record if the row is still at v->version (then v->version and v->updated_at_ms
 * move on); CONFLICT when another request updated it first. */
store_status store_verification_update(store *st, store_verification *v, int64_t now_ms);
/* The account's sessions of that family created in [from_ms, to_ms), oldest first. */
store_status store_verification_list(store *st, const char *family, int64_t account_id,
                                     int64_t from_ms, int64_t to_ms, store_verification **out,
                                     size_t *count);
void store_verification_free(store_verification *v);
void store_verifications_free(store_verification *v, size_t count);

/* ---- v3 users (docs/v3.md): a face enrolled under (account, userId) ---- */
#define STORE_USER_ID_MAX 128
typedef struct {
    int64_t account_id;
    int64_t created_at_ms, updated_at_ms;
    char *record; /* sealed JSON (userId, template, enrolment), opened; NUL-terminated */
    size_t record_len;
} store_user;

/* The account whose company id this is; NOT_FOUND otherwise. */
store_status store_account_get_by_company(store *st, const char *company_id, store_account *out);
/* Stores (or replaces) the user's record; the userId is kept only as a keyed digest in the row
 * and inside the sealed record. */
store_status store_user_put(store *st, int64_t account_id, const char *user_id, const char *record,
                            size_t record_len, int64_t now_ms);
/* NOT_FOUND when the account has no such user. Free with store_user_free. */
store_status store_user_get(store *st, int64_t account_id, const char *user_id, store_user *out);
/* Erases the user's row; NOT_FOUND when there was none. */
store_status store_user_delete(store *st, int64_t account_id, const char *user_id);
void store_user_free(store_user *u);

const char *store_status_name(store_status s);

#endif
