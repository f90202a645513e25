/* The contract between store.c (encryption, validation) and a storage backend (SQL).
 * Backends see only sealed bytes for personal data. Internal to src/store/. */
#ifndef EKYCD_STORE_BACKEND_H
#define EKYCD_STORE_BACKEND_H

#include "store/store.h"

typedef struct {
    char id[UUID_STR_LEN];
    char component[STORE_COMPONENT_MAX + 1];
    int64_t created_at_ms;
    uint8_t *sealed;
    size_t sealed_len;
} backend_sealed_row;

typedef struct {
    char id[UUID_STR_LEN];
    int64_t created_at_ms;
    uint8_t *label, *tmpl; /* sealed; tmpl NULL when not asked for */
    size_t label_len, tmpl_len;
} backend_face_row;

typedef struct {
    void (*close)(void *db);
    store_status (*ping)(void *db);
    store_status (*account_add)(void *db, const store_account *a, int64_t *out_id);
    /* by username when username != NULL, else by id */
    store_status (*account_get)(void *db, const char *username, int64_t id, store_account *out);
    store_status (*account_list)(void *db, store_account **out, size_t *count);
    store_status (*account_set_disabled)(void *db, const char *username, bool disabled);
    store_status (*account_set_allow_delete)(void *db, const char *username, bool allow);
    /* NOT_FOUND when the account has no key yet */
    store_status (*account_details_key_get)(void *db, int64_t account_id, uint8_t **sealed,
                                            size_t *len);
    store_status (*account_details_key_set)(void *db, int64_t account_id, const uint8_t *sealed,
                                            size_t len);
    store_status (*journey_create)(void *db, const store_journey *j);
    store_status (*journey_get)(void *db, const char *id, int64_t now_ms, store_journey *out);
    store_status (*journey_delete)(void *db, const char *id);
    /* OK when it switched ACTIVE -> COMPLETED, CONFLICT when already completed */
    store_status (*journey_complete)(void *db, const char *id, int64_t now_ms);
    /* deletes them; *ids (malloc'd, *purged of them) names the journeys deleted */
    store_status (*purge_expired)(void *db, int64_t now_ms, char (**ids)[UUID_STR_LEN],
                                  size_t *purged);
    store_status (*journey_count)(void *db, int64_t account_id, int64_t *count);
    store_status (*result_add)(void *db, const char *id, const char *journey_id,
                               const char *component, int64_t now_ms, const uint8_t *sealed,
                               size_t sealed_len);
    store_status (*result_list)(void *db, const char *journey_id, backend_sealed_row **rows,
                                size_t *count);
    store_status (*blob_put)(void *db, const store_blob *meta, const uint8_t *sealed,
                             size_t sealed_len);
    /* fills meta (data/size untouched) and returns the sealed bytes in *sealed (malloc'd) */
    store_status (*blob_get)(void *db, const char *id, store_blob *meta, uint8_t **sealed,
                             size_t *sealed_len);
    store_status (*blacklist_add)(void *db, const char *id, int64_t account_id,
                                  const uint8_t *label, size_t label_len, const uint8_t *tmpl,
                                  size_t tmpl_len, int64_t now_ms);
    store_status (*blacklist_list)(void *db, int64_t account_id, bool with_templates,
                                   backend_face_row **rows, size_t *count);
    store_status (*blacklist_delete)(void *db, int64_t account_id, const char *id);
    /* the account's blacklist_version (moved by triggers on every add and delete) */
    store_status (*blacklist_version)(void *db, int64_t account_id, int64_t *version);
    /* one face's sealed template (malloc'd); NOT_FOUND when gone or another account's */
    store_status (*blacklist_template)(void *db, int64_t account_id, const char *id,
                                       uint8_t **sealed, size_t *len);
    store_status (*account_charge_call)(void *db, int64_t account_id);
    store_status (*scorecard_set)(void *db, int64_t account_id, const char *doc_type,
                                  const char *config_json, int64_t now_ms);
    store_status (*scorecard_get)(void *db, int64_t account_id, const char *doc_type,
                                  char **config_json, int64_t *modified_ms);
    store_status (*audit_add)(void *db, const store_audit_entry *entry);
    store_status (*audit_list)(void *db, const char *journey_id, int64_t account_id, size_t limit,
                               store_audit_entry **out, size_t *count);
    store_status (*capture_nonce_add)(void *db, const store_capture_nonce *n);
    /* marks it used when unused; fills out (no key) and says whether this was the first use */
    store_status (*capture_nonce_redeem)(void *db, const char *nonce, int64_t now_ms,
                                         store_capture_nonce *out);
    store_status (*public_image_add)(void *db, const char *okaydoc_id, const char *type,
                                     const char *kind, const char *blob_id, const char *journey_id);
    /* fills blob_id and journey_id (UUID_STR_LEN each) */
    store_status (*public_image_find)(void *db, const char *okaydoc_id, const char *type,
                                      const char *kind, char *blob_id, char *journey_id);
    store_status (*job_insert)(void *db, const store_job *job, const char *node, int64_t now_ms,
                               int64_t lease_until_ms, const uint8_t *sealed, size_t sealed_len);
    store_status (*job_renew)(void *db, const char *node, int64_t lease_until_ms);
    /* marks failed, then claims one (job->input untouched; the sealed input in *sealed) */
    store_status (*job_claim_expired)(void *db, const char *node, int64_t now_ms,
                                      int64_t lease_until_ms, int max_attempts, store_job *job,
                                      uint8_t **sealed, size_t *sealed_len, size_t *failed);
    store_status (*job_delete)(void *db, const char *id, const char *node, int attempts);
    store_status (*job_failures)(void *db, const char *journey_id, store_job_failure **out,
                                 size_t *count);
    store_status (*client_add)(void *db, const store_client *c);
    store_status (*client_get)(void *db, const char *client_id, store_client *out);
    store_status (*client_list)(void *db, int64_t account_id, store_client **out, size_t *count);
    store_status (*client_set_disabled)(void *db, const char *client_id, bool disabled);
    store_status (*client_set_secret)(void *db, const char *client_id, const char *digest,
                                      int64_t now_ms);
    store_status (*rate_hit)(void *db, const char *key, int64_t window_at_ms, int64_t keep_after_ms,
                             int64_t *hits);
    /* record is sealed (record/record_len hold the sealed bytes) */
    store_status (*verification_add)(void *db, store_verification *v);
    store_status (*verification_get)(void *db, const char *token, store_verification *out);
    store_status (*verification_update)(void *db, const store_verification *v, int64_t now_ms);
    store_status (*verification_list)(void *db, int64_t account_id, int64_t from_ms, int64_t to_ms,
                                      store_verification **out, size_t *count);
    /* pruned_at = now for the links of journey_id, or (NULL) of every journey past purge */
    store_status (*verification_prune)(void *db, const char *journey_id, int64_t now_ms);
    store_status (*account_get_by_company)(void *db, const char *company_id, store_account *out);
    store_status (*user_put)(void *db, int64_t account_id, const char *user_digest,
                             const uint8_t *sealed, size_t len, int64_t now_ms);
    store_status (*user_get)(void *db, int64_t account_id, const char *user_digest,
                             store_user *out); /* out->record: the sealed bytes */
    store_status (*user_delete)(void *db, int64_t account_id, const char *user_digest);
} backend_ops;

/* SQLite backend: path is a file name. */
store_status sqlite_backend_open(const char *path, void **db, const backend_ops **ops, char *err,
                                 size_t errlen);

/* PostgreSQL backend: url is a libpq connection URI (postgres://…); pool_size connections
 * (0: the default, 4). */
store_status pg_backend_open(const char *url, size_t pool_size, void **db, const backend_ops **ops,
                             char *err, size_t errlen);

#endif
