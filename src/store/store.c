#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/blob_dir.h"
#include "util/timeutil.h"

struct store {
    void *db;
    const backend_ops *ops;
    crypto_keys keys;
    char *blob_dir; /* NULL: blob bytes in the database */
};

#define DAY_MS (24LL * 3600 * 1000)

const char *store_status_name(store_status s) {
    switch (s) {
    case STORE_OK:
        return "ok";
    case STORE_NOT_FOUND:
        return "not found";
    case STORE_CONFLICT:
        return "already exists";
    case STORE_QUOTA:
        return "quota reached";
    default:
        return "database error";
    }
}

store_status store_open(const char *url, const uint8_t master_key[MASTER_KEY_BYTES], store **out,
                        char *err, size_t errlen) {
    return store_open_pooled(url, master_key, 0, out, err, errlen);
}

store_status store_open_pooled(const char *url, const uint8_t master_key[MASTER_KEY_BYTES],
                               size_t pool_size, store **out, char *err, size_t errlen) {
    *out = NULL;
    store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    crypto_derive_keys(master_key, &st->keys);
    store_status rc;
    if (strncmp(url, "sqlite:", 7) == 0) {
        rc = sqlite_backend_open(url + 7, &st->db, &st->ops, err, errlen);
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        rc = pg_backend_open(url, pool_size, &st->db, &st->ops, err, errlen);
    } else {
        /* the URL may hold a password: not echoed */
        snprintf(err, errlen,
                 "unsupported store URL (expected sqlite:PATH or postgres://USER@HOST/DB)");
        rc = STORE_ERROR;
    }
    if (rc != STORE_OK) {
        sodium_memzero(&st->keys, sizeof st->keys);
        free(st);
        return rc;
    }
    *out = st;
    return STORE_OK;
}

void store_close(store *st) {
    if (!st) return;
    st->ops->close(st->db);
    sodium_memzero(&st->keys, sizeof st->keys);
    free(st->blob_dir);
    free(st);
}

store_status store_use_blob_dir(store *st, const char *dir, char *err, size_t errlen) {
    if (blob_dir_prepare(dir, err, errlen) != 0) return STORE_ERROR;
    char *copy = strdup(dir);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    free(st->blob_dir);
    st->blob_dir = copy;
    return STORE_OK;
}

store_status store_ping(store *st) {
    return st->ops->ping(st->db);
}

store_status store_account_add(store *st, const store_account *account, int64_t *out_id) {
    return st->ops->account_add(st->db, account, out_id);
}

store_status store_account_get(store *st, const char *username, store_account *out) {
    if (!username || strlen(username) > STORE_USERNAME_MAX) return STORE_NOT_FOUND;
    return st->ops->account_get(st->db, username, 0, out);
}

store_status store_account_get_by_id(store *st, int64_t id, store_account *out) {
    return st->ops->account_get(st->db, NULL, id, out);
}

store_status store_account_list(store *st, store_account **out, size_t *count) {
    return st->ops->account_list(st->db, out, count);
}

store_status store_account_set_disabled(store *st, const char *username, bool disabled) {
    return st->ops->account_set_disabled(st->db, username, disabled);
}

store_status store_account_set_allow_delete(store *st, const char *username, bool allow) {
    return st->ops->account_set_allow_delete(st->db, username, allow);
}

store_status store_account_details_key(store *st, int64_t account_id, char out[17]) {
    char ad[96];
    snprintf(ad, sizeof ad, "ekycd:accounts:details_key:%lld", (long long)account_id);
    uint8_t *sealed = NULL;
    size_t len = 0;
    store_status rc = st->ops->account_details_key_get(st->db, account_id, &sealed, &len);
    if (rc == STORE_OK) {
        size_t plen = 0;
        uint8_t *plain = crypto_open(&st->keys, ad, sealed, len, &plen);
        free(sealed);
        if (!plain || plen != 16) {
            free(plain);
            return STORE_ERROR;
        }
        memcpy(out, plain, 16);
        out[16] = '\0';
        sodium_memzero(plain, plen);
        free(plain);
        return STORE_OK;
    }
    if (rc != STORE_NOT_FOUND) return rc;
    /* first use: 16 random letters and digits (clients use the characters' bytes as key) */
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    for (int i = 0; i < 16; i++) out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[16] = '\0';
    sealed = crypto_seal(&st->keys, ad, (const uint8_t *)out, 16, &len);
    if (!sealed) return STORE_ERROR;
    rc = st->ops->account_details_key_set(st->db, account_id, sealed, len);
    free(sealed);
    return rc;
}

store_status store_journey_create(store *st, const store_account *account, int64_t now_ms,
                                  store_journey *out) {
    memset(out, 0, sizeof *out);
    uuid_v4(out->id);
    out->account_id = account->id;
    snprintf(out->status, sizeof out->status, "ACTIVE");
    out->created_at_ms = now_ms;
    int days = account->retention_days > 0 ? account->retention_days : 14;
    out->purge_at_ms = now_ms + (int64_t)days * DAY_MS;
    return st->ops->journey_create(st->db, out);
}

store_status store_journey_get(store *st, const char *id, int64_t now_ms, store_journey *out) {
    if (!uuid_is_valid(id)) return STORE_NOT_FOUND;
    return st->ops->journey_get(st->db, id, now_ms, out);
}

store_status store_journey_complete(store *st, const char *id, int64_t now_ms, store_journey *out) {
    if (!uuid_is_valid(id)) return STORE_NOT_FOUND;
    store_status rc = st->ops->journey_complete(st->db, id, now_ms);
    if (rc != STORE_OK && rc != STORE_CONFLICT) return rc;
    store_status got = st->ops->journey_get(st->db, id, now_ms, out);
    return got == STORE_OK ? rc : got;
}

/* Removes the journey's blob files, when blobs live in a directory. */
static store_status remove_blob_files(store *st, const char *journey_id) {
    if (!st->blob_dir) return STORE_OK;
    return blob_dir_remove_journey(st->blob_dir, journey_id) == 0 ? STORE_OK : STORE_ERROR;
}

store_status store_journey_delete(store *st, const char *id) {
    if (!uuid_is_valid(id)) return STORE_NOT_FOUND;
    /* files first: a failure leaves the journey whole and the deletion can be retried */
    if (remove_blob_files(st, id) != STORE_OK) return STORE_ERROR;
    if (st->ops->verification_prune(st->db, id, time_now_ms()) != STORE_OK) return STORE_ERROR;
    return st->ops->journey_delete(st->db, id);
}

store_status store_purge_expired(store *st, int64_t now_ms, size_t *purged) {
    char(*ids)[UUID_STR_LEN] = NULL;
    *purged = 0;
    /* links first: a link whose journey is gone says when its captures were pruned */
    if (st->ops->verification_prune(st->db, NULL, now_ms) != STORE_OK) return STORE_ERROR;
    store_status rc = st->ops->purge_expired(st->db, now_ms, &ids, purged);
    /* rows are gone already; files that cannot be removed hold sealed bytes only, and the
     * error status makes the sweeper log it */
    for (size_t i = 0; i < *purged; i++)
        if (remove_blob_files(st, ids[i]) != STORE_OK) rc = STORE_ERROR;
    free(ids);
    return rc;
}

store_status store_journey_count(store *st, int64_t account_id, int64_t *count) {
    return st->ops->journey_count(st->db, account_id, count);
}

/* Associated data binding a sealed value to its table and row. */
static void row_ad(char *ad, size_t len, const char *table, const char *id) {
    snprintf(ad, len, "ekycd:%s:%s", table, id);
}

store_status store_result_add(store *st, const char *journey_id, const char *component,
                              const char *json, size_t json_len, int64_t now_ms,
                              char out_id[UUID_STR_LEN]) {
    if (!uuid_is_valid(journey_id) || strlen(component) > STORE_COMPONENT_MAX)
        return STORE_NOT_FOUND;
    uuid_v4(out_id);
    char ad[96];
    row_ad(ad, sizeof ad, "results", out_id);
    size_t sealed_len = 0;
    uint8_t *sealed = crypto_seal(&st->keys, ad, (const uint8_t *)json, json_len, &sealed_len);
    if (!sealed) return STORE_ERROR;
    store_status rc =
        st->ops->result_add(st->db, out_id, journey_id, component, now_ms, sealed, sealed_len);
    free(sealed);
    return rc;
}

void store_results_free(store_result *results, size_t count) {
    if (!results) return;
    for (size_t i = 0; i < count; i++) {
        if (results[i].payload) sodium_memzero(results[i].payload, results[i].payload_len);
        free(results[i].payload);
    }
    free(results);
}

store_status store_result_list(store *st, const char *journey_id, store_result **out,
                               size_t *count) {
    *out = NULL;
    *count = 0;
    if (!uuid_is_valid(journey_id)) return STORE_NOT_FOUND;
    backend_sealed_row *rows = NULL;
    size_t n = 0;
    store_status rc = st->ops->result_list(st->db, journey_id, &rows, &n);
    if (rc != STORE_OK) return rc;
    store_result *res = n ? calloc(n, sizeof *res) : NULL;
    if (n && !res) rc = STORE_ERROR;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        memcpy(res[i].id, rows[i].id, sizeof res[i].id);
        memcpy(res[i].component, rows[i].component, sizeof res[i].component);
        res[i].created_at_ms = rows[i].created_at_ms;
        char ad[96];
        row_ad(ad, sizeof ad, "results", rows[i].id);
        res[i].payload = (char *)crypto_open(&st->keys, ad, rows[i].sealed, rows[i].sealed_len,
                                             &res[i].payload_len);
        if (!res[i].payload) rc = STORE_ERROR; /* altered row or wrong key */
    }
    for (size_t i = 0; i < n; i++) free(rows[i].sealed);
    free(rows);
    if (rc != STORE_OK) {
        store_results_free(res, n);
        return rc;
    }
    *out = res;
    *count = n;
    return STORE_OK;
}

store_status store_blob_put(store *st, const char *journey_id, const char *kind,
                            const char *content_type, const uint8_t *data, size_t size,
                            int64_t now_ms, char out_id[UUID_STR_LEN]) {
    if (!uuid_is_valid(journey_id)) return STORE_NOT_FOUND;
    store_blob meta;
    memset(&meta, 0, sizeof meta);
    uuid_v4(meta.id);
    memcpy(meta.journey_id, journey_id, UUID_STR_LEN);
    if (snprintf(meta.kind, sizeof meta.kind, "%s", kind) >= (int)sizeof meta.kind ||
        snprintf(meta.content_type, sizeof meta.content_type, "%s",
                 content_type ? content_type : "application/octet-stream") >=
            (int)sizeof meta.content_type)
        return STORE_ERROR;
    crypto_digest_hex(&st->keys, data, size, meta.digest);
    meta.created_at_ms = now_ms;
    meta.size = size;
    char ad[96];
    row_ad(ad, sizeof ad, "blobs", meta.id);
    size_t sealed_len = 0;
    uint8_t *sealed = crypto_seal(&st->keys, ad, data, size, &sealed_len);
    if (!sealed) return STORE_ERROR;
    store_status rc = STORE_OK;
    if (st->blob_dir) { /* the file first: a row never points at bytes that are not there */
        if (blob_dir_write(st->blob_dir, journey_id, meta.id, sealed, sealed_len) != 0)
            rc = STORE_ERROR;
        else if ((rc = st->ops->blob_put(st->db, &meta, sealed, 0)) != STORE_OK)
            blob_dir_remove(st->blob_dir, journey_id, meta.id);
    } else {
        rc = st->ops->blob_put(st->db, &meta, sealed, sealed_len);
    }
    free(sealed);
    if (rc == STORE_OK) memcpy(out_id, meta.id, UUID_STR_LEN);
    return rc;
}

store_status store_blob_get(store *st, const char *blob_id, store_blob *out) {
    memset(out, 0, sizeof *out);
    if (!uuid_is_valid(blob_id)) return STORE_NOT_FOUND;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    store_status rc = st->ops->blob_get(st->db, blob_id, out, &sealed, &sealed_len);
    if (rc != STORE_OK) return rc;
    if (sealed_len == 0) { /* the bytes are in the blob directory (a sealed blob is never empty) */
        free(sealed);
        sealed = st->blob_dir ? blob_dir_read(st->blob_dir, out->journey_id, out->id, &sealed_len)
                              : NULL;
        if (!sealed) return STORE_ERROR;
    }
    char ad[96];
    row_ad(ad, sizeof ad, "blobs", out->id);
    out->data = crypto_open(&st->keys, ad, sealed, sealed_len, &out->size);
    free(sealed);
    if (!out->data) return STORE_ERROR;
    char digest[65];
    crypto_digest_hex(&st->keys, out->data, out->size, digest);
    if (strcmp(digest, out->digest) != 0) {
        store_blob_free(out);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void store_blob_free(store_blob *blob) {
    if (blob->data) sodium_memzero(blob->data, blob->size);
    free(blob->data);
    blob->data = NULL;
    blob->size = 0;
}

/* ---- blacklist faces ---- */

store_status store_blacklist_add(store *st, int64_t account_id, const char *label,
                                 const float *tmpl, size_t dim, int64_t now_ms,
                                 char out_id[UUID_STR_LEN]) {
    uuid_v4(out_id);
    char ad_label[96], ad_tmpl[96];
    row_ad(ad_label, sizeof ad_label, "blacklist_label", out_id);
    row_ad(ad_tmpl, sizeof ad_tmpl, "blacklist_template", out_id);
    size_t ll = 0, tl = 0;
    uint8_t *sl = crypto_seal(&st->keys, ad_label, (const uint8_t *)label, strlen(label), &ll);
    uint8_t *stmpl =
        crypto_seal(&st->keys, ad_tmpl, (const uint8_t *)tmpl, dim * sizeof *tmpl, &tl);
    store_status rc = STORE_ERROR;
    if (sl && stmpl)
        rc = st->ops->blacklist_add(st->db, out_id, account_id, sl, ll, stmpl, tl, now_ms);
    free(sl);
    free(stmpl);
    return rc;
}

void store_faces_free(store_face *faces, size_t count) {
    if (!faces) return;
    for (size_t i = 0; i < count; i++) {
        if (faces[i].label) sodium_memzero(faces[i].label, strlen(faces[i].label));
        free(faces[i].label);
        if (faces[i].tmpl) sodium_memzero(faces[i].tmpl, faces[i].dim * sizeof(float));
        free(faces[i].tmpl);
    }
    free(faces);
}

store_status store_blacklist_list(store *st, int64_t account_id, bool with_templates,
                                  store_face **out, size_t *count) {
    *out = NULL;
    *count = 0;
    backend_face_row *rows = NULL;
    size_t n = 0;
    store_status rc = st->ops->blacklist_list(st->db, account_id, with_templates, &rows, &n);
    if (rc != STORE_OK) return rc;
    store_face *faces = n ? calloc(n, sizeof *faces) : NULL;
    if (n && !faces) rc = STORE_ERROR;
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        memcpy(faces[i].id, rows[i].id, UUID_STR_LEN);
        faces[i].created_at_ms = rows[i].created_at_ms;
        char ad[96];
        size_t len = 0;
        row_ad(ad, sizeof ad, "blacklist_label", rows[i].id);
        faces[i].label = (char *)crypto_open(&st->keys, ad, rows[i].label, rows[i].label_len, &len);
        if (!faces[i].label) rc = STORE_ERROR;
        if (rc == STORE_OK && rows[i].tmpl) {
            row_ad(ad, sizeof ad, "blacklist_template", rows[i].id);
            faces[i].tmpl =
                (float *)crypto_open(&st->keys, ad, rows[i].tmpl, rows[i].tmpl_len, &len);
            faces[i].dim = len / sizeof(float);
            if (!faces[i].tmpl) rc = STORE_ERROR;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(rows[i].label);
        free(rows[i].tmpl);
    }
    free(rows);
    if (rc != STORE_OK) {
        store_faces_free(faces, n);
        return rc;
    }
    *out = faces;
    *count = n;
    return STORE_OK;
}

store_status store_blacklist_delete(store *st, int64_t account_id, const char *id) {
    if (!uuid_is_valid(id)) return STORE_NOT_FOUND;
    return st->ops->blacklist_delete(st->db, account_id, id);
}

store_status store_blacklist_version(store *st, int64_t account_id, int64_t *version) {
    *version = 0;
    return st->ops->blacklist_version(st->db, account_id, version);
}

store_status store_blacklist_template(store *st, int64_t account_id, const char *id, float *tmpl,
                                      size_t dim) {
    if (!uuid_is_valid(id)) return STORE_NOT_FOUND;
    uint8_t *sealed = NULL;
    size_t len = 0;
    store_status rc = st->ops->blacklist_template(st->db, account_id, id, &sealed, &len);
    if (rc != STORE_OK) return rc;
    char ad[96];
    row_ad(ad, sizeof ad, "blacklist_template", id);
    size_t plain_len = 0;
    uint8_t *plain = crypto_open(&st->keys, ad, sealed, len, &plain_len);
    free(sealed);
    if (!plain) return STORE_ERROR;
    if (plain_len != dim * sizeof *tmpl) {
        rc = STORE_NOT_FOUND; /* a template of another size is never searched */
    } else {
        memcpy(tmpl, plain, plain_len);
    }
    sodium_memzero(plain, plain_len);
    free(plain);
    return rc;
}

/* ---- audit log (no personal data: stored as is) ---- */

store_status store_audit_add(store *st, const store_audit_entry *entry) {
    return st->ops->audit_add(st->db, entry);
}

store_status store_audit_list(store *st, const char *journey_id, int64_t account_id, size_t limit,
                              store_audit_entry **out, size_t *count) {
    return st->ops->audit_list(st->db, journey_id, account_id, limit, out, count);
}

store_status store_account_charge_call(store *st, int64_t account_id) {
    return st->ops->account_charge_call(st->db, account_id);
}

/* ---- capture nonces (no personal data; the key is derived, never stored) ---- */

static bool valid_nonce(const char *nonce) {
    if (strlen(nonce) != STORE_NONCE_HEX) return false;
    for (const char *c = nonce; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return false;
    return true;
}

store_status store_capture_nonce_issue(store *st, const char *journey_id, int64_t now_ms,
                                       int64_t expires_at_ms, store_capture_nonce *out) {
    memset(out, 0, sizeof *out);
    if (!uuid_is_valid(journey_id)) return STORE_NOT_FOUND;
    random_hex(out->nonce, STORE_NONCE_HEX / 2);
    snprintf(out->journey_id, sizeof out->journey_id, "%s", journey_id);
    out->issued_at_ms = now_ms;
    out->expires_at_ms = expires_at_ms;
    store_status rc = st->ops->capture_nonce_add(st->db, out);
    if (rc == STORE_OK) crypto_capture_key(&st->keys, out->journey_id, out->nonce, out->key);
    return rc;
}

store_status store_capture_nonce_redeem(store *st, const char *nonce, int64_t now_ms,
                                        store_capture_nonce *out) {
    memset(out, 0, sizeof *out);
    if (!valid_nonce(nonce)) return STORE_NOT_FOUND;
    store_status rc = st->ops->capture_nonce_redeem(st->db, nonce, now_ms, out);
    if (rc == STORE_OK || rc == STORE_CONFLICT)
        crypto_capture_key(&st->keys, out->journey_id, out->nonce, out->key);
    return rc;
}

/* ---- public result images (the bytes are blobs, sealed as any other) ---- */

static bool valid_image_type(const char *type) {
    size_t n = strlen(type);
    if (n == 0 || n > STORE_IMAGE_TYPE_MAX) return false;
    for (const char *c = type; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return false;
    return true;
}

store_status store_public_image_link(store *st, const char *journey_id, const char *okaydoc_id,
                                     const char *type, const char *kind, const char *blob_id) {
    if (!uuid_is_valid(okaydoc_id) || !valid_image_type(type)) return STORE_ERROR;
    return st->ops->public_image_add(st->db, okaydoc_id, type, kind, blob_id, journey_id);
}

store_status store_public_image_get(store *st, const char *okaydoc_id, const char *type,
                                    const char *kind, int64_t now_ms, store_blob *out) {
    memset(out, 0, sizeof *out);
    if (!uuid_is_valid(okaydoc_id) || !valid_image_type(type)) return STORE_NOT_FOUND;
    char blob_id[UUID_STR_LEN], journey_id[UUID_STR_LEN];
    store_status rc =
        st->ops->public_image_find(st->db, okaydoc_id, type, kind, blob_id, journey_id);
    if (rc != STORE_OK) return rc;
    store_journey j;
    rc = store_journey_get(st, journey_id, now_ms, &j); /* past purge counts as gone */
    return rc == STORE_OK ? store_blob_get(st, blob_id, out) : rc;
}

/* ---- scorecard rules (not personal data: stored as is) ---- */

store_status store_scorecard_set(store *st, int64_t account_id, const char *doc_type,
                                 const char *config_json, int64_t now_ms) {
    return st->ops->scorecard_set(st->db, account_id, doc_type, config_json, now_ms);
}

store_status store_scorecard_get(store *st, int64_t account_id, const char *doc_type,
                                 char **config_json, int64_t *modified_ms) {
    return st->ops->scorecard_get(st->db, account_id, doc_type, config_json, modified_ms);
}

/* ---- jobs (the input is the request, personal data: sealed) ---- */

static bool valid_job_names(const char *kind, const char *node) {
    size_t k = strlen(kind), n = strlen(node);
    return k > 0 && k <= STORE_JOB_KIND_MAX && n > 0 && n <= STORE_NODE_MAX;
}

store_status store_job_start(store *st, const char *journey_id, const char *kind,
                             const uint8_t *input, size_t input_len, const char *node,
                             int64_t now_ms, int64_t lease_ms, store_job *out) {
    memset(out, 0, sizeof *out);
    if (!uuid_is_valid(journey_id)) return STORE_NOT_FOUND;
    if (!valid_job_names(kind, node)) return STORE_ERROR;
    uuid_v4(out->id);
    memcpy(out->journey_id, journey_id, UUID_STR_LEN);
    snprintf(out->kind, sizeof out->kind, "%s", kind);
    out->attempts = 1;
    char ad[96];
    row_ad(ad, sizeof ad, "jobs", out->id);
    size_t sealed_len = 0;
    uint8_t *sealed = crypto_seal(&st->keys, ad, input, input_len, &sealed_len);
    if (!sealed) return STORE_ERROR;
    store_status rc =
        st->ops->job_insert(st->db, out, node, now_ms, now_ms + lease_ms, sealed, sealed_len);
    free(sealed);
    return rc;
}

store_status store_job_renew(store *st, const char *node, int64_t now_ms, int64_t lease_ms) {
    return st->ops->job_renew(st->db, node, now_ms + lease_ms);
}

store_status store_job_claim_expired(store *st, const char *node, int64_t now_ms, int64_t lease_ms,
                                     int max_attempts, store_job *out, size_t *failed) {
    memset(out, 0, sizeof *out);
    size_t failed_now = 0;
    if (failed) *failed = 0;
    if (!valid_job_names("x", node)) return STORE_ERROR;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    store_status rc =
        st->ops->job_claim_expired(st->db, node, now_ms, now_ms + lease_ms, max_attempts, out,
                                   &sealed, &sealed_len, &failed_now);
    if (failed) *failed = failed_now;
    if (rc != STORE_OK) return rc;
    char ad[96];
    row_ad(ad, sizeof ad, "jobs", out->id);
    out->input = crypto_open(&st->keys, ad, sealed, sealed_len, &out->input_len);
    free(sealed);
    return out->input ? STORE_OK : STORE_ERROR; /* an altered row or another key */
}

store_status store_job_finish(store *st, const store_job *job, const char *node) {
    return st->ops->job_delete(st->db, job->id, node, job->attempts);
}

store_status store_job_failures(store *st, const char *journey_id, store_job_failure **out,
                                size_t *count) {
    *out = NULL;
    *count = 0;
    if (!uuid_is_valid(journey_id)) return STORE_NOT_FOUND;
    return st->ops->job_failures(st->db, journey_id, out, count);
}

void store_job_free(store_job *job) {
    if (job->input) sodium_memzero(job->input, job->input_len);
    free(job->input);
    job->input = NULL;
    job->input_len = 0;
}

/* ---- H5 family ---- */

void store_secret_digest(store *st, const char *secret, char out[65]) {
    crypto_digest_hex(&st->keys, (const uint8_t *)secret, strlen(secret), out);
}

static bool client_id_valid(const char *id) {
    if (!id || strlen(id) != STORE_CLIENT_ID_HEX) return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

store_status store_client_add(store *st, const store_client *client) {
    if (!client_id_valid(client->client_id)) return STORE_ERROR;
    return st->ops->client_add(st->db, client);
}

store_status store_client_get(store *st, const char *client_id, store_client *out) {
    if (!client_id_valid(client_id)) return STORE_NOT_FOUND;
    return st->ops->client_get(st->db, client_id, out);
}

store_status store_client_list(store *st, int64_t account_id, store_client **out, size_t *count) {
    return st->ops->client_list(st->db, account_id, out, count);
}

store_status store_client_set_disabled(store *st, const char *client_id, bool disabled) {
    if (!client_id_valid(client_id)) return STORE_NOT_FOUND;
    return st->ops->client_set_disabled(st->db, client_id, disabled);
}

store_status store_client_set_secret(store *st, const char *client_id, const char *secret_digest,
                                     int64_t now_ms) {
    if (!client_id_valid(client_id)) return STORE_NOT_FOUND;
    return st->ops->client_set_secret(st->db, client_id, secret_digest, now_ms);
}

store_status store_rate_hit(store *st, const char *key, int64_t window_at_ms, int64_t keep_after_ms,
                            int64_t *hits) {
    return st->ops->rate_hit(st->db, key, window_at_ms, keep_after_ms, hits);
}

static bool link_token_valid(const char *token) {
    if (!token || strlen(token) != STORE_LINK_TOKEN_LEN) return false;
    for (const char *p = token; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z'))) return false;
    return true;
}

/* Seals v->record for its token into *sealed; STORE_ERROR when out of memory. */
static store_status seal_record(store *st, const store_verification *v, uint8_t **sealed,
                                size_t *len) {
    char ad[96];
    row_ad(ad, sizeof ad, "verifications", v->token);
    *sealed = crypto_seal(&st->keys, ad, (const uint8_t *)v->record, v->record_len, len);
    return *sealed ? STORE_OK : STORE_ERROR;
}

/* Replaces the sealed bytes a backend read into v->record by the opened JSON. */
static store_status open_record(store *st, store_verification *v) {
    char ad[96];
    row_ad(ad, sizeof ad, "verifications", v->token);
    size_t n = 0;
    uint8_t *plain = crypto_open(&st->keys, ad, (const uint8_t *)v->record, v->record_len, &n);
    free(v->record);
    v->record = (char *)plain;
    v->record_len = plain ? n : 0;
    return plain ? STORE_OK : STORE_ERROR;
}

/* Runs op with v->record sealed in place of the JSON, then puts the JSON back. */
static store_status with_sealed_record(store *st, store_verification *v, int64_t now_ms, bool add) {
    uint8_t *sealed = NULL;
    size_t len = 0;
    store_status rc = seal_record(st, v, &sealed, &len);
    if (rc != STORE_OK) return rc;
    char *json = v->record;
    size_t json_len = v->record_len;
    v->record = (char *)sealed;
    v->record_len = len;
    rc = add ? st->ops->verification_add(st->db, v)
             : st->ops->verification_update(st->db, v, now_ms);
    v->record = json;
    v->record_len = json_len;
    free(sealed);
    return rc;
}

store_status store_verification_add(store *st, store_verification *v) {
    if (!link_token_valid(v->token)) return STORE_ERROR;
    if (!v->family[0]) snprintf(v->family, sizeof v->family, "h5");
    return with_sealed_record(st, v, v->created_at_ms, true);
}

store_status store_verification_get(store *st, const char *family, const char *token,
                                    store_verification *out) {
    memset(out, 0, sizeof *out);
    if (!link_token_valid(token)) return STORE_NOT_FOUND;
    store_status rc = st->ops->verification_get(st->db, token, out);
    if (rc == STORE_OK && strcmp(out->family, family) != 0) rc = STORE_NOT_FOUND;
    if (rc == STORE_OK) rc = open_record(st, out);
    if (rc != STORE_OK) store_verification_free(out);
    return rc;
}

store_status store_verification_update(store *st, store_verification *v, int64_t now_ms) {
    store_status rc = with_sealed_record(st, v, now_ms, false);
    if (rc == STORE_OK) {
        v->version++;
        v->updated_at_ms = now_ms;
    }
    return rc;
}

store_status store_account_get_by_company(store *st, const char *company_id, store_account *out) {
    memset(out, 0, sizeof *out);
    if (!company_id || !*company_id || strlen(company_id) > STORE_COMPANY_ID_MAX)
        return STORE_NOT_FOUND;
    return st->ops->account_get_by_company(st->db, company_id, out);
}

/* A userId's keyed digest (domain-separated from the secrets store_secret_digest also digests). */
static store_status user_digest(store *st, const char *user_id, char out[65]) {
    char tagged[STORE_USER_ID_MAX + 16];
    if (!user_id || !*user_id || strlen(user_id) > STORE_USER_ID_MAX) return STORE_NOT_FOUND;
    snprintf(tagged, sizeof tagged, "v3-user:%s", user_id);
    store_secret_digest(st, tagged, out);
    return STORE_OK;
}

/* The associated data a user's record is sealed to: the account and the userId's digest. */
static void user_ad(char *ad, size_t len, int64_t account_id, const char *digest) {
    snprintf(ad, len, "v3_users/%lld/%s", (long long)account_id, digest);
}

store_status store_user_put(store *st, int64_t account_id, const char *user_id, const char *record,
                            size_t record_len, int64_t now_ms) {
    char digest[65], ad[128];
    if (user_digest(st, user_id, digest) != STORE_OK) return STORE_ERROR;
    user_ad(ad, sizeof ad, account_id, digest);
    size_t len = 0;
    uint8_t *sealed = crypto_seal(&st->keys, ad, (const uint8_t *)record, record_len, &len);
    if (!sealed) return STORE_ERROR;
    store_status rc = st->ops->user_put(st->db, account_id, digest, sealed, len, now_ms);
    free(sealed);
    return rc;
}

store_status store_user_get(store *st, int64_t account_id, const char *user_id, store_user *out) {
    memset(out, 0, sizeof *out);
    char digest[65], ad[128];
    if (user_digest(st, user_id, digest) != STORE_OK) return STORE_NOT_FOUND;
    store_status rc = st->ops->user_get(st->db, account_id, digest, out);
    if (rc != STORE_OK) return rc;
    user_ad(ad, sizeof ad, account_id, digest);
    size_t n = 0;
    uint8_t *plain = crypto_open(&st->keys, ad, (const uint8_t *)out->record, out->record_len, &n);
    free(out->record);
    out->record = (char *)plain;
    out->record_len = plain ? n : 0;
    return plain ? STORE_OK : STORE_ERROR;
}

store_status store_user_delete(store *st, int64_t account_id, const char *user_id) {
    char digest[65];
    if (user_digest(st, user_id, digest) != STORE_OK) return STORE_NOT_FOUND;
    return st->ops->user_delete(st->db, account_id, digest);
}

void store_user_free(store_user *u) {
    if (!u) return;
    free(u->record);
    memset(u, 0, sizeof *u);
}

store_status store_verification_list(store *st, const char *family, int64_t account_id,
                                     int64_t from_ms, int64_t to_ms, store_verification **out,
                                     size_t *count) {
    store_status rc = st->ops->verification_list(st->db, account_id, from_ms, to_ms, out, count);
    size_t kept = 0; /* another family's rows are dropped before they are opened */
    for (size_t i = 0; rc == STORE_OK && i < *count; i++) {
        if (strcmp((*out)[i].family, family) != 0) {
            store_verification_free(&(*out)[i]);
            continue;
        }
        if (kept != i) {
            (*out)[kept] = (*out)[i];
            memset(&(*out)[i], 0, sizeof(*out)[i]);
        }
        rc = open_record(st, &(*out)[kept++]);
    }
    if (rc == STORE_OK) *count = kept;
    if (rc != STORE_OK && *out) {
        store_verifications_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

void store_verification_free(store_verification *v) {
    if (v->record) sodium_memzero(v->record, v->record_len);
    free(v->record);
    v->record = NULL;
    v->record_len = 0;
}

void store_verifications_free(store_verification *v, size_t count) {
    if (!v) return;
    for (size_t i = 0; i < count; i++) store_verification_free(&v[i]);
    free(v);
}
