/* PostgreSQL backend over libpq: a small pool of connections (a lost connection is reset and
 * the statement retried once), numbered migrations compiled in from src/store/migrations/pg/
 * and applied under an advisory lock so that several nodes can start together. Statements that
 * must be atomic are single statements (CTEs, UPDATE … RETURNING). */
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "util/embedded.h"
#include "util/log.h"

extern const embedded_file pg_migrations[];
extern const size_t pg_migrations_count;

#define PG_POOL_DEFAULT    4
#define PG_POOL_MAX        64
#define PG_MAX_PARAMS      16
#define MIGRATION_LOCK_KEY 7325001 /* pg_advisory_lock key: "ekycd migrations" */
#define SWEEPER_LOCK_KEY   7325002 /* pg_try_advisory_xact_lock key: "ekycd retention sweep" */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t available;
    size_t size;
    PGconn **conns;
    bool *busy;
} pg_db;

/* Statement parameters, text format except bytea (binary). */
typedef struct {
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
    char numbers[PG_MAX_PARAMS][24];
    int n;
} pg_params;

static void p_text(pg_params *p, const char *v) {
    p->values[p->n] = v;
    p->lengths[p->n] = 0;
    p->formats[p->n++] = 0;
}

static void p_int(pg_params *p, int64_t v) {
    snprintf(p->numbers[p->n], sizeof p->numbers[0], "%lld", (long long)v);
    p_text(p, p->numbers[p->n]);
}

static void p_bytes(pg_params *p, const uint8_t *v, size_t len) {
    p->values[p->n] = (const char *)v;
    p->lengths[p->n] = (int)len;
    p->formats[p->n++] = 1;
}

static PGconn *acquire(pg_db *db) {
    pthread_mutex_lock(&db->lock);
    for (;;) {
        for (size_t i = 0; i < db->size; i++) {
            if (!db->busy[i]) {
                db->busy[i] = true;
                pthread_mutex_unlock(&db->lock);
                return db->conns[i];
            }
        }
        pthread_cond_wait(&db->available, &db->lock);
    }
}

static void release(pg_db *db, PGconn *c) {
    pthread_mutex_lock(&db->lock);
    for (size_t i = 0; i < db->size; i++)
        if (db->conns[i] == c) db->busy[i] = false;
    pthread_cond_signal(&db->available);
    pthread_mutex_unlock(&db->lock);
}

static void log_pg_error(const char *op, const PGresult *r, PGconn *c) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    log_event(LOG_ERROR, "store_error",
              json_pack("{s:s,s:s,s:s}", "op", op, "error", msg ? msg : "?", "sqlstate",
                        state ? state : ""));
}

static bool ok_result(const PGresult *r) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Runs one statement on a pooled connection, resetting a broken connection and retrying once.
 * STORE_OK with *out (PQclear it), STORE_CONFLICT on a unique violation, STORE_NOT_FOUND on a
 * foreign-key violation, STORE_ERROR otherwise (logged). */
static store_status query(pg_db *db, const char *op, const char *sql, const pg_params *p,
                          PGresult **out) {
    *out = NULL;
    PGconn *c = acquire(db);
    PGresult *r = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (PQstatus(c) != CONNECTION_OK) PQreset(c);
        r = PQexecParams(c, sql, p ? p->n : 0, NULL, p ? p->values : NULL, p ? p->lengths : NULL,
                         p ? p->formats : NULL, 0);
        if (ok_result(r) || PQstatus(c) == CONNECTION_OK) break;
        PQclear(r); /* the connection went away under the statement: once more */
        r = NULL;
    }
    store_status rc = STORE_OK;
    if (!ok_result(r)) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state && !strcmp(state, "23505"))
            rc = STORE_CONFLICT;
        else if (state && !strcmp(state, "23503"))
            rc = STORE_NOT_FOUND;
        else {
            log_pg_error(op, r, c);
            rc = STORE_ERROR;
        }
        PQclear(r);
        r = NULL;
    }
    release(db, c);
    *out = r;
    return rc;
}

/* query() for a statement that should return one row: STORE_NOT_FOUND when it returns none. */
static store_status query_row(pg_db *db, const char *op, const char *sql, const pg_params *p,
                              PGresult **out) {
    store_status rc = query(db, op, sql, p, out);
    if (rc == STORE_OK && PQntuples(*out) == 0) {
        PQclear(*out);
        *out = NULL;
        rc = STORE_NOT_FOUND;
    }
    return rc;
}

/* A statement whose result is only how many rows it touched (*changes may be NULL). */
static store_status update(pg_db *db, const char *op, const char *sql, const pg_params *p,
                           int64_t *changes) {
    PGresult *r;
    store_status rc = query(db, op, sql, p, &r);
    if (rc == STORE_OK && changes) *changes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return rc;
}

static int64_t col_int(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void col_text(const PGresult *r, int row, int col, char *dst, size_t len) {
    snprintf(dst, len, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* A bytea column (text format, hex) as malloc'd bytes; NULL when out of memory. */
static uint8_t *col_bytes(const PGresult *r, int row, int col, size_t *len) {
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
    if (!raw) return NULL;
    uint8_t *out = malloc(n ? n : 1);
    if (out) {
        memcpy(out, raw, n);
        *len = n;
    }
    PQfreemem(raw);
    return out;
}

/* ---- lifecycle ---- */

static void pg_close(void *p) {
    pg_db *db = p;
    if (!db) return;
    for (size_t i = 0; db->conns && i < db->size; i++) PQfinish(db->conns[i]);
    pthread_cond_destroy(&db->available);
    pthread_mutex_destroy(&db->lock);
    free(db->conns);
    free(db->busy);
    free(db);
}

static store_status pg_ping(void *p) {
    PGresult *r;
    store_status rc = query(p, "ping", "SELECT count(*) FROM schema_migrations", NULL, &r);
    PQclear(r);
    return rc;
}

static int exec_simple(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    int ok = ok_result(r);
    if (!ok) log_pg_error("migrate", r, c);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Applies the pending migrations, each in its own transaction, holding an advisory lock so that
 * nodes starting together apply each one once. */
static int apply_migrations(PGconn *c, char *err, size_t errlen) {
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%d)", MIGRATION_LOCK_KEY);
    if (exec_simple(c, lock) != 0 ||
        exec_simple(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                       "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)") != 0) {
        snprintf(err, errlen, "cannot prepare migrations: %s", PQerrorMessage(c));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < pg_migrations_count; i++) {
        const embedded_file *m = &pg_migrations[i];
        char version[16];
        snprintf(version, sizeof version, "%d", atoi(m->name));
        const char *vals[2] = {version, m->name};
        PGresult *q = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
                                   vals, NULL, NULL, 0);
        int applied = ok_result(q) && PQntuples(q) > 0;
        bool failed = !ok_result(q);
        PQclear(q);
        if (failed) {
            rc = -1;
        } else if (!applied) {
            PGresult *ins = NULL;
            if (exec_simple(c, "BEGIN") != 0 || exec_simple(c, (const char *)m->data) != 0 ||
                !ok_result(ins = PQexecParams(c,
                                              "INSERT INTO schema_migrations VALUES ($1, $2, "
                                              "(extract(epoch from now()) * 1000)::bigint)",
                                              2, NULL, vals, NULL, NULL, 0)) ||
                exec_simple(c, "COMMIT") != 0) {
                exec_simple(c, "ROLLBACK");
                rc = -1;
            } else {
                log_event(LOG_INFO, "migration_applied", json_pack("{s:s}", "name", m->name));
            }
            PQclear(ins);
        }
        if (rc != 0) snprintf(err, errlen, "migration %s failed: %s", m->name, PQerrorMessage(c));
    }
    snprintf(lock, sizeof lock, "SELECT pg_advisory_unlock(%d)", MIGRATION_LOCK_KEY);
    exec_simple(c, lock);
    return rc;
}

/* ---- accounts ---- */

#define ACCOUNT_COLUMNS                                                                            \
    "id, username, password_hash, company_id, disabled, expires_at, max_journeys, "                \
    "journeys_created, retention_days, created_at, allow_delete, required_steps, max_api_calls, "  \
    "api_calls, display_name, link_minutes, link_ocr_retries, link_face_retries"

static void read_account(const PGresult *r, int row, store_account *a) {
    memset(a, 0, sizeof *a);
    a->id = col_int(r, row, 0);
    col_text(r, row, 1, a->username, sizeof a->username);
    col_text(r, row, 2, a->password_hash, sizeof a->password_hash);
    col_text(r, row, 3, a->company_id, sizeof a->company_id);
    a->disabled = col_int(r, row, 4) != 0;
    a->expires_at_ms = col_int(r, row, 5);
    a->max_journeys = col_int(r, row, 6);
    a->journeys_created = col_int(r, row, 7);
    a->retention_days = (int)col_int(r, row, 8);
    a->created_at_ms = col_int(r, row, 9);
    a->allow_delete = col_int(r, row, 10) != 0;
    col_text(r, row, 11, a->required_steps, sizeof a->required_steps);
    a->max_api_calls = col_int(r, row, 12);
    a->api_calls = col_int(r, row, 13);
    col_text(r, row, 14, a->display_name, sizeof a->display_name);
    a->link_minutes = (int)col_int(r, row, 15);
    a->link_ocr_retries = (int)col_int(r, row, 16);
    a->link_face_retries = (int)col_int(r, row, 17);
}

static store_status pg_account_add(void *p, const store_account *a, int64_t *out_id) {
    pg_params q = {0};
    p_text(&q, a->username);
    p_text(&q, a->password_hash);
    p_text(&q, a->company_id);
    p_int(&q, a->disabled ? 1 : 0);
    p_int(&q, a->expires_at_ms);
    p_int(&q, a->max_journeys);
    p_int(&q, a->retention_days > 0 ? a->retention_days : 14);
    p_int(&q, a->created_at_ms);
    p_int(&q, a->allow_delete ? 1 : 0);
    p_text(&q, a->required_steps[0] ? a->required_steps : "okayid,okaydoc,okayface");
    p_int(&q, a->max_api_calls);
    p_text(&q, a->display_name);
    p_int(&q, a->link_minutes > 0 ? a->link_minutes : 15);
    p_int(&q, a->link_ocr_retries >= 0 ? a->link_ocr_retries : 2);
    p_int(&q, a->link_face_retries >= 0 ? a->link_face_retries : 1);
    PGresult *r;
    store_status rc = query(p, "account_add",
                            "INSERT INTO accounts (username, password_hash, company_id, disabled, "
                            "expires_at, max_journeys, retention_days, created_at, allow_delete, "
                            "required_steps, max_api_calls, display_name, link_minutes, "
                            "link_ocr_retries, link_face_retries) VALUES ($1, $2, $3, $4, $5, $6, "
                            "$7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                            &q, &r);
    if (rc == STORE_OK && out_id) *out_id = col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static store_status pg_account_get(void *p, const char *username, int64_t id, store_account *out) {
    pg_params q = {0};
    if (username)
        p_text(&q, username);
    else
        p_int(&q, id);
    PGresult *r;
    store_status rc =
        query_row(p, "account_get",
                  username ? "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = $1"
                           : "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = $1",
                  &q, &r);
    if (rc == STORE_OK) read_account(r, 0, out);
    PQclear(r);
    return rc;
}

static store_status pg_account_list(void *p, store_account **out, size_t *count) {
    *out = NULL;
    *count = 0;
    PGresult *r;
    store_status rc = query(p, "account_list",
                            "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY username", NULL, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r);
    store_account *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    if (!arr) rc = STORE_ERROR;
    for (int i = 0; arr && i < n; i++) read_account(r, i, &arr[i]);
    PQclear(r);
    *out = arr;
    *count = arr ? (size_t)n : 0;
    return rc;
}

static store_status set_account_flag(pg_db *db, const char *op, const char *sql,
                                     const char *username, bool on) {
    pg_params q = {0};
    p_int(&q, on ? 1 : 0);
    p_text(&q, username);
    int64_t changes = 0;
    store_status rc = update(db, op, sql, &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_account_set_disabled(void *p, const char *username, bool disabled) {
    return set_account_flag(p, "account_set_disabled",
                            "UPDATE accounts SET disabled = $1 WHERE username = $2", username,
                            disabled);
}

static store_status pg_account_set_allow_delete(void *p, const char *username, bool allow) {
    return set_account_flag(p, "account_set_allow_delete",
                            "UPDATE accounts SET allow_delete = $1 WHERE username = $2", username,
                            allow);
}

static store_status pg_details_key_get(void *p, int64_t account_id, uint8_t **sealed, size_t *len) {
    pg_params q = {0};
    p_int(&q, account_id);
    PGresult *r;
    store_status rc =
        query(p, "details_key_get", "SELECT details_key FROM accounts WHERE id = $1", &q, &r);
    if (rc == STORE_OK) {
        if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0))
            rc = STORE_NOT_FOUND;
        else if (!(*sealed = col_bytes(r, 0, 0, len)))
            rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

static store_status pg_details_key_set(void *p, int64_t account_id, const uint8_t *sealed,
                                       size_t len) {
    pg_params q = {0};
    p_bytes(&q, sealed, len);
    p_int(&q, account_id);
    int64_t changes = 0;
    store_status rc = update(p, "details_key_set",
                             "UPDATE accounts SET details_key = $1 WHERE id = $2", &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_account_charge_call(void *p, int64_t account_id) {
    pg_params q = {0};
    p_int(&q, account_id);
    int64_t changes = 0;
    store_status rc = update(p, "charge_call",
                             "UPDATE accounts SET api_calls = api_calls + 1 WHERE id = $1 AND "
                             "(max_api_calls = 0 OR api_calls < max_api_calls)",
                             &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_QUOTA : rc;
}

/* ---- journeys ---- */

static store_status pg_journey_create(void *p, const store_journey *j) {
    pg_params q = {0};
    p_text(&q, j->id);
    p_int(&q, j->account_id);
    p_text(&q, j->status);
    p_int(&q, j->created_at_ms);
    p_int(&q, j->purge_at_ms);
    int64_t changes = 0;
    /* the quota is counted and the journey inserted in one statement: both or neither */
    store_status rc = update(p, "journey_create",
                             "WITH counted AS (UPDATE accounts SET journeys_created = "
                             "journeys_created + 1 WHERE id = $2 AND (max_journeys = 0 OR "
                             "journeys_created < max_journeys) RETURNING id) "
                             "INSERT INTO journeys (id, account_id, status, created_at, purge_at) "
                             "SELECT $1, id, $3, $4, $5 FROM counted",
                             &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_QUOTA : rc;
}

static store_status pg_journey_get(void *p, const char *id, int64_t now_ms, store_journey *out) {
    pg_params q = {0};
    p_text(&q, id);
    p_int(&q, now_ms);
    PGresult *r;
    store_status rc = query_row(p, "journey_get",
                                "SELECT id, account_id, status, created_at, completed_at, "
                                "purge_at FROM journeys WHERE id = $1 AND purge_at > $2",
                                &q, &r);
    if (rc == STORE_OK) {
        memset(out, 0, sizeof *out);
        col_text(r, 0, 0, out->id, sizeof out->id);
        out->account_id = col_int(r, 0, 1);
        col_text(r, 0, 2, out->status, sizeof out->status);
        out->created_at_ms = col_int(r, 0, 3);
        out->completed_at_ms = col_int(r, 0, 4);
        out->purge_at_ms = col_int(r, 0, 5);
    }
    PQclear(r);
    return rc;
}

static store_status pg_journey_delete(void *p, const char *id) {
    pg_params q = {0};
    p_text(&q, id);
    int64_t changes = 0;
    store_status rc =
        update(p, "journey_delete", "DELETE FROM journeys WHERE id = $1", &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_journey_complete(void *p, const char *id, int64_t now_ms) {
    pg_params q = {0};
    p_int(&q, now_ms);
    p_text(&q, id);
    int64_t changes = 0;
    store_status rc = update(p, "journey_complete",
                             "UPDATE journeys SET status = 'COMPLETED', completed_at = $1 "
                             "WHERE id = $2 AND status = 'ACTIVE' AND purge_at > $1",
                             &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status pg_purge_expired(void *p, int64_t now_ms, char (**ids)[UUID_STR_LEN],
                                     size_t *purged) {
    *ids = NULL;
    *purged = 0;
    pg_params q = {0};
    p_int(&q, now_ms);
    /* one node sweeps at a time: a node that cannot take the lock deletes nothing this round */
    char sql[220];
    snprintf(sql, sizeof sql,
             "WITH sweeper AS (SELECT pg_try_advisory_xact_lock(%d) AS mine) DELETE FROM journeys "
             "WHERE purge_at <= $1 AND (SELECT mine FROM sweeper) RETURNING id",
             SWEEPER_LOCK_KEY);
    PGresult *r;
    store_status rc = query(p, "purge_expired", sql, &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r);
    char(*arr)[UUID_STR_LEN] = calloc(n > 0 ? (size_t)n : 1, UUID_STR_LEN);
    for (int i = 0; arr && i < n; i++) col_text(r, i, 0, arr[i], UUID_STR_LEN);
    PQclear(r);
    if (!arr) return STORE_ERROR;
    *ids = arr;
    *purged = (size_t)n;
    return STORE_OK;
}

static store_status pg_journey_count(void *p, int64_t account_id, int64_t *count) {
    pg_params q = {0};
    p_int(&q, account_id);
    PGresult *r;
    store_status rc =
        query(p, "journey_count", "SELECT count(*) FROM journeys WHERE account_id = $1", &q, &r);
    if (rc == STORE_OK) *count = col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

/* ---- results and blobs ---- */

static store_status pg_result_add(void *p, const char *id, const char *journey_id,
                                  const char *component, int64_t now_ms, const uint8_t *sealed,
                                  size_t sealed_len) {
    pg_params q = {0};
    p_text(&q, id);
    p_text(&q, journey_id);
    p_text(&q, component);
    p_int(&q, now_ms);
    p_bytes(&q, sealed, sealed_len);
    int64_t changes = 0;
    /* only into an ACTIVE journey, whose row is share-locked so that a concurrent complete waits
     * (emas.md §4.10) */
    store_status rc = update(p, "result_add",
                             "INSERT INTO results (id, journey_id, component, created_at, payload) "
                             "SELECT $1, id, $3, $4, $5 FROM journeys WHERE id = $2 AND "
                             "status = 'ACTIVE' FOR SHARE",
                             &q, &changes);
    if (rc != STORE_OK || changes == 1) return rc;
    pg_params e = {0};
    p_text(&e, journey_id);
    PGresult *r;
    rc = query(p, "result_add_journey", "SELECT 1 FROM journeys WHERE id = $1", &e, &r);
    if (rc == STORE_OK) rc = PQntuples(r) > 0 ? STORE_CONFLICT : STORE_NOT_FOUND;
    PQclear(r);
    return rc;
}

static store_status pg_result_list(void *p, const char *journey_id, backend_sealed_row **rows,
                                   size_t *count) {
    *rows = NULL;
    *count = 0;
    pg_params q = {0};
    p_text(&q, journey_id);
    PGresult *r;
    store_status rc = query(p, "result_list",
                            "SELECT id, component, created_at, payload FROM results "
                            "WHERE journey_id = $1 ORDER BY created_at, seq",
                            &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r), done = 0;
    backend_sealed_row *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (; arr && done < n; done++) {
        backend_sealed_row *row = &arr[done];
        col_text(r, done, 0, row->id, sizeof row->id);
        col_text(r, done, 1, row->component, sizeof row->component);
        row->created_at_ms = col_int(r, done, 2);
        if (!(row->sealed = col_bytes(r, done, 3, &row->sealed_len))) break;
    }
    PQclear(r);
    if (!arr || done < n) {
        for (int i = 0; arr && i < done; i++) free(arr[i].sealed);
        free(arr);
        return STORE_ERROR;
    }
    *rows = arr;
    *count = (size_t)n;
    return STORE_OK;
}

static store_status pg_blob_put(void *p, const store_blob *m, const uint8_t *sealed,
                                size_t sealed_len) {
    pg_params q = {0};
    p_text(&q, m->id);
    p_text(&q, m->journey_id);
    p_text(&q, m->kind);
    p_text(&q, m->content_type);
    p_int(&q, (int64_t)m->size);
    p_text(&q, m->digest);
    p_int(&q, m->created_at_ms);
    p_bytes(&q, sealed, sealed_len);
    return update(
        p, "blob_put",
        "INSERT INTO blobs (id, journey_id, kind, content_type, size, digest, created_at, "
        "data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &q, NULL);
}

static store_status pg_blob_get(void *p, const char *id, store_blob *m, uint8_t **sealed,
                                size_t *sealed_len) {
    pg_params q = {0};
    p_text(&q, id);
    PGresult *r;
    store_status rc =
        query_row(p, "blob_get",
                  "SELECT id, journey_id, kind, content_type, digest, created_at, data "
                  "FROM blobs WHERE id = $1",
                  &q, &r);
    if (rc == STORE_OK) {
        col_text(r, 0, 0, m->id, sizeof m->id);
        col_text(r, 0, 1, m->journey_id, sizeof m->journey_id);
        col_text(r, 0, 2, m->kind, sizeof m->kind);
        col_text(r, 0, 3, m->content_type, sizeof m->content_type);
        col_text(r, 0, 4, m->digest, sizeof m->digest);
        m->created_at_ms = col_int(r, 0, 5);
        if (!(*sealed = col_bytes(r, 0, 6, sealed_len))) rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

/* ---- blacklist faces ---- */

static store_status pg_blacklist_add(void *p, const char *id, int64_t account_id,
                                     const uint8_t *label, size_t label_len, const uint8_t *tmpl,
                                     size_t tmpl_len, int64_t now_ms) {
    pg_params q = {0};
    p_text(&q, id);
    p_int(&q, account_id);
    p_bytes(&q, label, label_len);
    p_bytes(&q, tmpl, tmpl_len);
    p_int(&q, now_ms);
    return update(p, "blacklist_add",
                  "INSERT INTO blacklist_faces (id, account_id, label, template, created_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  &q, NULL);
}

static store_status pg_blacklist_list(void *p, int64_t account_id, bool with_templates,
                                      backend_face_row **rows, size_t *count) {
    *rows = NULL;
    *count = 0;
    pg_params q = {0};
    p_int(&q, account_id);
    PGresult *r;
    store_status rc =
        query(p, "blacklist_list",
              with_templates ? "SELECT id, created_at, label, template FROM blacklist_faces "
                               "WHERE account_id = $1 ORDER BY created_at, seq"
                             : "SELECT id, created_at, label FROM blacklist_faces "
                               "WHERE account_id = $1 ORDER BY created_at, seq",
              &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r), done = 0;
    bool failed = false;
    backend_face_row *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (; arr && !failed && done < n; done++) {
        backend_face_row *row = &arr[done];
        col_text(r, done, 0, row->id, sizeof row->id);
        row->created_at_ms = col_int(r, done, 1);
        row->label = col_bytes(r, done, 2, &row->label_len);
        if (with_templates) row->tmpl = col_bytes(r, done, 3, &row->tmpl_len);
        failed = !row->label || (with_templates && !row->tmpl);
    }
    PQclear(r);
    if (!arr || failed) {
        for (int i = 0; arr && i < done; i++) {
            free(arr[i].label);
            free(arr[i].tmpl);
        }
        free(arr);
        return STORE_ERROR;
    }
    *rows = arr;
    *count = (size_t)n;
    return STORE_OK;
}

static store_status pg_blacklist_delete(void *p, int64_t account_id, const char *id) {
    pg_params q = {0};
    p_text(&q, id);
    p_int(&q, account_id);
    int64_t changes = 0;
    store_status rc =
        update(p, "blacklist_delete",
               "DELETE FROM blacklist_faces WHERE id = $1 AND account_id = $2", &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_blacklist_version(void *p, int64_t account_id, int64_t *version) {
    pg_params q = {0};
    p_int(&q, account_id);
    PGresult *r;
    store_status rc = query_row(p, "blacklist_version",
                                "SELECT blacklist_version FROM accounts WHERE id = $1", &q, &r);
    if (rc == STORE_OK) *version = col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static store_status pg_blacklist_template(void *p, int64_t account_id, const char *id,
                                          uint8_t **sealed, size_t *len) {
    pg_params q = {0};
    p_text(&q, id);
    p_int(&q, account_id);
    PGresult *r;
    store_status rc =
        query_row(p, "blacklist_template",
                  "SELECT template FROM blacklist_faces WHERE id = $1 AND account_id = $2", &q, &r);
    if (rc == STORE_OK && !(*sealed = col_bytes(r, 0, 0, len))) rc = STORE_ERROR;
    PQclear(r);
    return rc;
}

/* ---- scorecards, audit ---- */

static store_status pg_scorecard_set(void *p, int64_t account_id, const char *doc_type,
                                     const char *config_json, int64_t now_ms) {
    pg_params q = {0};
    p_int(&q, account_id);
    p_text(&q, doc_type);
    p_text(&q, config_json);
    p_int(&q, now_ms);
    return update(p, "scorecard_set",
                  "INSERT INTO scorecard_configs (account_id, doc_type, config, modified_at) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, doc_type) DO UPDATE SET "
                  "config = excluded.config, modified_at = excluded.modified_at",
                  &q, NULL);
}

static store_status pg_scorecard_get(void *p, int64_t account_id, const char *doc_type,
                                     char **config_json, int64_t *modified_ms) {
    *config_json = NULL;
    pg_params q = {0};
    p_int(&q, account_id);
    p_text(&q, doc_type);
    PGresult *r;
    store_status rc = query_row(p, "scorecard_get",
                                "SELECT config, modified_at FROM scorecard_configs WHERE "
                                "account_id = $1 AND doc_type = $2",
                                &q, &r);
    if (rc == STORE_OK) {
        *config_json = strdup(PQgetvalue(r, 0, 0));
        *modified_ms = col_int(r, 0, 1);
        if (!*config_json) rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

static store_status pg_audit_add(void *p, const store_audit_entry *e) {
    pg_params q = {0};
    p_int(&q, e->at_ms);
    if (e->account_id)
        p_int(&q, e->account_id);
    else
        p_text(&q, NULL);
    p_text(&q, e->journey_id[0] ? e->journey_id : NULL);
    p_text(&q, e->action);
    p_int(&q, e->status);
    p_text(&q, e->outcome);
    p_text(&q, e->client_ip);
    p_text(&q, e->request_id);
    return update(p, "audit_add",
                  "INSERT INTO audit_log (at, account_id, journey_id, action, status, outcome, "
                  "client_ip, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                  &q, NULL);
}

static store_status pg_audit_list(void *p, const char *journey_id, int64_t account_id, size_t limit,
                                  store_audit_entry **out, size_t *count) {
    *out = NULL;
    *count = 0;
    pg_params q = {0};
    p_text(&q, journey_id);
    p_int(&q, account_id);
    p_int(&q, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    PGresult *r;
    /* the latest `limit` rows, returned oldest first */
    store_status rc = query(
        p, "audit_list",
        "SELECT * FROM (SELECT a.at, a.account_id, COALESCE(u.username, ''), "
        "COALESCE(a.journey_id, ''), a.action, a.status, a.outcome, a.client_ip, a.request_id, "
        "a.id FROM audit_log a LEFT JOIN accounts u ON u.id = a.account_id "
        "WHERE ($1::text IS NOT NULL AND a.journey_id = $1) OR ($1::text IS NULL AND "
        "a.account_id = $2) ORDER BY a.at DESC, a.id DESC LIMIT $3) latest ORDER BY 1, 10",
        &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r);
    store_audit_entry *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (int i = 0; arr && i < n; i++) {
        store_audit_entry *e = &arr[i];
        e->at_ms = col_int(r, i, 0);
        e->account_id = col_int(r, i, 1);
        col_text(r, i, 2, e->username, sizeof e->username);
        col_text(r, i, 3, e->journey_id, sizeof e->journey_id);
        col_text(r, i, 4, e->action, sizeof e->action);
        e->status = (int)col_int(r, i, 5);
        col_text(r, i, 6, e->outcome, sizeof e->outcome);
        col_text(r, i, 7, e->client_ip, sizeof e->client_ip);
        col_text(r, i, 8, e->request_id, sizeof e->request_id);
    }
    PQclear(r);
    if (!arr) return STORE_ERROR;
    *out = arr;
    *count = (size_t)n;
    return STORE_OK;
}

/* ---- capture nonces, public images ---- */

static store_status pg_capture_nonce_add(void *p, const store_capture_nonce *n) {
    pg_params q = {0};
    p_text(&q, n->nonce);
    p_text(&q, n->journey_id);
    p_int(&q, n->issued_at_ms);
    p_int(&q, n->expires_at_ms);
    return update(p, "capture_nonce_add",
                  "INSERT INTO capture_nonces (nonce, journey_id, issued_at, expires_at) "
                  "VALUES ($1, $2, $3, $4)",
                  &q, NULL);
}

static store_status pg_capture_nonce_redeem(void *p, const char *nonce, int64_t now_ms,
                                            store_capture_nonce *out) {
    pg_params q = {0};
    p_int(&q, now_ms);
    p_text(&q, nonce);
    int64_t first_use = 0;
    store_status rc = update(p, "capture_nonce_redeem",
                             "UPDATE capture_nonces SET used_at = $1 WHERE nonce = $2 AND "
                             "used_at IS NULL",
                             &q, &first_use);
    if (rc != STORE_OK) return rc;
    pg_params g = {0};
    p_text(&g, nonce);
    PGresult *r;
    rc = query_row(p, "capture_nonce_get",
                   "SELECT journey_id, issued_at, expires_at, used_at FROM capture_nonces "
                   "WHERE nonce = $1",
                   &g, &r);
    if (rc == STORE_OK) {
        snprintf(out->nonce, sizeof out->nonce, "%s", nonce);
        col_text(r, 0, 0, out->journey_id, sizeof out->journey_id);
        out->issued_at_ms = col_int(r, 0, 1);
        out->expires_at_ms = col_int(r, 0, 2);
        out->used_at_ms = col_int(r, 0, 3);
        rc = first_use == 1 ? STORE_OK : STORE_CONFLICT;
    }
    PQclear(r);
    return rc;
}

static store_status pg_public_image_add(void *p, const char *okaydoc_id, const char *type,
                                        const char *kind, const char *blob_id,
                                        const char *journey_id) {
    pg_params q = {0};
    p_text(&q, okaydoc_id);
    p_text(&q, type);
    p_text(&q, kind);
    p_text(&q, blob_id);
    p_text(&q, journey_id);
    return update(p, "public_image_add",
                  "INSERT INTO public_images (okaydoc_id, type, kind, blob_id, journey_id) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  &q, NULL);
}

static store_status pg_public_image_find(void *p, const char *okaydoc_id, const char *type,
                                         const char *kind, char *blob_id, char *journey_id) {
    pg_params q = {0};
    p_text(&q, okaydoc_id);
    p_text(&q, type);
    p_text(&q, kind);
    PGresult *r;
    store_status rc =
        query_row(p, "public_image_find",
                  "SELECT blob_id, journey_id FROM public_images WHERE okaydoc_id = $1 "
                  "AND type = $2 AND kind = $3",
                  &q, &r);
    if (rc == STORE_OK) {
        col_text(r, 0, 0, blob_id, UUID_STR_LEN);
        col_text(r, 0, 1, journey_id, UUID_STR_LEN);
    }
    PQclear(r);
    return rc;
}

/* ---- jobs ---- */

static store_status pg_job_insert(void *p, const store_job *job, const char *node, int64_t now_ms,
                                  int64_t lease_until_ms, const uint8_t *sealed,
                                  size_t sealed_len) {
    pg_params q = {0};
    p_text(&q, job->id);
    p_text(&q, job->journey_id);
    p_text(&q, job->kind);
    p_text(&q, node);
    p_int(&q, now_ms);
    p_int(&q, lease_until_ms);
    p_bytes(&q, sealed, sealed_len);
    return update(p, "job_insert",
                  "INSERT INTO jobs (id, journey_id, kind, status, node, attempts, created_at, "
                  "lease_until, input) VALUES ($1, $2, $3, 'running', $4, 1, $5, $6, $7)",
                  &q, NULL);
}

static store_status pg_job_renew(void *p, const char *node, int64_t lease_until_ms) {
    pg_params q = {0};
    p_int(&q, lease_until_ms);
    p_text(&q, node);
    return update(p, "job_renew",
                  "UPDATE jobs SET lease_until = $1 WHERE node = $2 AND status = 'running'", &q,
                  NULL);
}

static store_status pg_job_claim_expired(void *p, const char *node, int64_t now_ms,
                                         int64_t lease_until_ms, int max_attempts, store_job *job,
                                         uint8_t **sealed, size_t *sealed_len, size_t *failed) {
    pg_params f = {0};
    p_int(&f, now_ms);
    p_int(&f, max_attempts);
    int64_t changes = 0;
    store_status rc = update(p, "job_fail",
                             "UPDATE jobs SET status = 'failed', failed_at = $1, input = NULL "
                             "WHERE status = 'running' AND lease_until < $1 AND attempts >= $2",
                             &f, &changes);
    if (rc != STORE_OK) return rc;
    *failed = (size_t)changes;
    /* SKIP LOCKED: a row another node is claiming right now is passed over, never shared */
    pg_params q = {0};
    p_text(&q, node);
    p_int(&q, lease_until_ms);
    p_int(&q, now_ms);
    p_int(&q, max_attempts);
    PGresult *r;
    rc = query_row(p, "job_claim",
                   "UPDATE jobs SET node = $1, attempts = attempts + 1, lease_until = $2 "
                   "WHERE id = (SELECT id FROM jobs WHERE status = 'running' AND lease_until < $3 "
                   "AND attempts < $4 ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
                   "RETURNING id, journey_id, kind, attempts, input",
                   &q, &r);
    if (rc == STORE_OK) {
        col_text(r, 0, 0, job->id, sizeof job->id);
        col_text(r, 0, 1, job->journey_id, sizeof job->journey_id);
        col_text(r, 0, 2, job->kind, sizeof job->kind);
        job->attempts = (int)col_int(r, 0, 3);
        *sealed = col_bytes(r, 0, 4, sealed_len);
        if (!*sealed) rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

static store_status pg_job_delete(void *p, const char *id, const char *node, int attempts) {
    pg_params q = {0};
    p_text(&q, id);
    p_text(&q, node);
    p_int(&q, attempts);
    int64_t changes = 0;
    store_status rc = update(p, "job_delete",
                             "DELETE FROM jobs WHERE id = $1 AND node = $2 AND attempts = $3 AND "
                             "status = 'running'",
                             &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status pg_job_failures(void *p, const char *journey_id, store_job_failure **out,
                                    size_t *count) {
    pg_params q = {0};
    p_text(&q, journey_id);
    PGresult *r;
    store_status rc = query(p, "job_failures",
                            "SELECT kind, attempts, created_at, failed_at FROM jobs WHERE "
                            "journey_id = $1 AND status = 'failed' ORDER BY created_at",
                            &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r);
    store_job_failure *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (int i = 0; arr && i < n; i++) {
        col_text(r, i, 0, arr[i].kind, sizeof arr[i].kind);
        arr[i].attempts = (int)col_int(r, i, 1);
        arr[i].created_at_ms = col_int(r, i, 2);
        arr[i].failed_at_ms = col_int(r, i, 3);
    }
    PQclear(r);
    if (!arr) return STORE_ERROR;
    *out = arr;
    *count = (size_t)n;
    return STORE_OK;
}

/* ---- H5 family: clients, rate counters, verification links ---- */

#define CLIENT_COLUMNS                                                                             \
    "client_id, account_id, name, secret_digest, disabled, created_at, rotated_at"

static void read_client(const PGresult *r, int row, store_client *c) {
    memset(c, 0, sizeof *c);
    col_text(r, row, 0, c->client_id, sizeof c->client_id);
    c->account_id = col_int(r, row, 1);
    col_text(r, row, 2, c->name, sizeof c->name);
    col_text(r, row, 3, c->secret_digest, sizeof c->secret_digest);
    c->disabled = col_int(r, row, 4) != 0;
    c->created_at_ms = col_int(r, row, 5);
    c->rotated_at_ms = col_int(r, row, 6);
}

static store_status pg_client_add(void *p, const store_client *c) {
    pg_params q = {0};
    p_text(&q, c->client_id);
    p_int(&q, c->account_id);
    p_text(&q, c->name);
    p_text(&q, c->secret_digest);
    p_int(&q, c->disabled);
    p_int(&q, c->created_at_ms);
    p_int(&q, c->rotated_at_ms);
    return update(p, "client_add",
                  "INSERT INTO api_clients (" CLIENT_COLUMNS
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  &q, NULL);
}

static store_status pg_client_get(void *p, const char *client_id, store_client *out) {
    pg_params q = {0};
    p_text(&q, client_id);
    PGresult *r;
    store_status rc = query_row(
        p, "client_get", "SELECT " CLIENT_COLUMNS " FROM api_clients WHERE client_id = $1", &q, &r);
    if (rc == STORE_OK) read_client(r, 0, out);
    PQclear(r);
    return rc;
}

static store_status pg_client_list(void *p, int64_t account_id, store_client **out, size_t *count) {
    *out = NULL;
    *count = 0;
    pg_params q = {0};
    p_int(&q, account_id);
    PGresult *r;
    store_status rc = query(p, "client_list",
                            "SELECT " CLIENT_COLUMNS " FROM api_clients WHERE $1 = 0 OR "
                            "account_id = $1 ORDER BY created_at, client_id",
                            &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r);
    store_client *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    for (int i = 0; arr && i < n; i++) read_client(r, i, &arr[i]);
    PQclear(r);
    if (!arr) return STORE_ERROR;
    *out = arr;
    *count = (size_t)n;
    return STORE_OK;
}

static store_status one_changed(store_status rc, int64_t changes) {
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_client_set_disabled(void *p, const char *client_id, bool disabled) {
    pg_params q = {0};
    p_int(&q, disabled);
    p_text(&q, client_id);
    int64_t changes = 0;
    store_status rc =
        update(p, "client_set_disabled",
               "UPDATE api_clients SET disabled = $1 WHERE client_id = $2", &q, &changes);
    return one_changed(rc, changes);
}

static store_status pg_client_set_secret(void *p, const char *client_id, const char *digest,
                                         int64_t now_ms) {
    pg_params q = {0};
    p_text(&q, digest);
    p_int(&q, now_ms);
    p_text(&q, client_id);
    int64_t changes = 0;
    store_status rc = update(p, "client_set_secret",
                             "UPDATE api_clients SET secret_digest = $1, rotated_at = $2 "
                             "WHERE client_id = $3",
                             &q, &changes);
    return one_changed(rc, changes);
}

static store_status pg_rate_hit(void *p, const char *key, int64_t window_at_ms,
                                int64_t keep_after_ms, int64_t *hits) {
    *hits = 0;
    if (randombytes_uniform(100) == 0) { /* now and then: old windows */
        pg_params d = {0};
        p_int(&d, keep_after_ms);
        if (update(p, "rate_sweep", "DELETE FROM rate_counters WHERE window_at < $1", &d, NULL) !=
            STORE_OK)
            return STORE_ERROR;
    }
    pg_params q = {0};
    p_text(&q, key);
    p_int(&q, window_at_ms);
    PGresult *r;
    store_status rc =
        query_row(p, "rate_hit",
                  "INSERT INTO rate_counters (key, window_at, hits) VALUES ($1, $2, 1) "
                  "ON CONFLICT (key, window_at) DO UPDATE SET hits = "
                  "rate_counters.hits + 1 RETURNING hits",
                  &q, &r);
    if (rc == STORE_OK) *hits = col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

#define LINK_COLUMNS                                                                               \
    "id, token, account_id, client_id, journey_id, created_at, updated_at, expire_at, pruned_at, " \
    "version, record, family"

/* One row into v; false when out of memory. */
static bool read_link(const PGresult *r, int row, store_verification *v) {
    memset(v, 0, sizeof *v);
    v->id = col_int(r, row, 0);
    col_text(r, row, 1, v->token, sizeof v->token);
    v->account_id = col_int(r, row, 2);
    col_text(r, row, 3, v->client_id, sizeof v->client_id);
    col_text(r, row, 4, v->journey_id, sizeof v->journey_id);
    v->created_at_ms = col_int(r, row, 5);
    v->updated_at_ms = col_int(r, row, 6);
    v->expire_at_ms = col_int(r, row, 7);
    v->pruned_at_ms = col_int(r, row, 8);
    v->version = col_int(r, row, 9);
    v->record = (char *)col_bytes(r, row, 10, &v->record_len);
    col_text(r, row, 11, v->family, sizeof v->family);
    return v->record != NULL;
}

static store_status pg_verification_add(void *p, store_verification *v) {
    pg_params q = {0};
    p_text(&q, v->token);
    p_int(&q, v->account_id);
    p_text(&q, v->client_id);
    p_text(&q, v->journey_id);
    p_int(&q, v->created_at_ms);
    p_int(&q, v->expire_at_ms);
    p_bytes(&q, (const uint8_t *)v->record, v->record_len);
    p_text(&q, v->family);
    PGresult *r;
    store_status rc = query_row(p, "verification_add",
                                "INSERT INTO verifications (token, account_id, client_id, "
                                "journey_id, created_at, updated_at, expire_at, record, family) "
                                "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING id",
                                &q, &r);
    if (rc == STORE_OK) v->id = col_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static store_status pg_verification_get(void *p, const char *token, store_verification *out) {
    pg_params q = {0};
    p_text(&q, token);
    PGresult *r;
    store_status rc =
        query_row(p, "verification_get",
                  "SELECT " LINK_COLUMNS " FROM verifications WHERE token = $1", &q, &r);
    if (rc == STORE_OK && !read_link(r, 0, out)) rc = STORE_ERROR;
    PQclear(r);
    return rc;
}

static store_status pg_account_get_by_company(void *p, const char *company_id, store_account *out) {
    pg_params q = {0};
    p_text(&q, company_id);
    PGresult *r;
    store_status rc =
        query_row(p, "account_get_by_company",
                  "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE company_id = $1", &q, &r);
    if (rc == STORE_OK) read_account(r, 0, out);
    PQclear(r);
    return rc;
}

static store_status pg_user_put(void *p, int64_t account_id, const char *digest,
                                const uint8_t *sealed, size_t len, int64_t now_ms) {
    pg_params q = {0};
    p_int(&q, account_id);
    p_text(&q, digest);
    p_int(&q, now_ms);
    p_bytes(&q, sealed, len);
    return update(p, "user_put",
                  "INSERT INTO v3_users (account_id, user_digest, created_at, updated_at, record) "
                  "VALUES ($1, $2, $3, $3, $4) ON CONFLICT (account_id, user_digest) DO UPDATE "
                  "SET record = excluded.record, updated_at = excluded.updated_at",
                  &q, NULL);
}

static store_status pg_user_get(void *p, int64_t account_id, const char *digest, store_user *out) {
    pg_params q = {0};
    p_int(&q, account_id);
    p_text(&q, digest);
    PGresult *r;
    store_status rc = query_row(p, "user_get",
                                "SELECT account_id, created_at, updated_at, record FROM v3_users "
                                "WHERE account_id = $1 AND user_digest = $2",
                                &q, &r);
    if (rc == STORE_OK) {
        memset(out, 0, sizeof *out);
        out->account_id = col_int(r, 0, 0);
        out->created_at_ms = col_int(r, 0, 1);
        out->updated_at_ms = col_int(r, 0, 2);
        out->record = (char *)col_bytes(r, 0, 3, &out->record_len);
        if (!out->record) rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

static store_status pg_user_delete(void *p, int64_t account_id, const char *digest) {
    pg_params q = {0};
    p_int(&q, account_id);
    p_text(&q, digest);
    int64_t changes = 0;
    store_status rc =
        update(p, "user_delete", "DELETE FROM v3_users WHERE account_id = $1 AND user_digest = $2",
               &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status pg_verification_update(void *p, const store_verification *v, int64_t now_ms) {
    pg_params q = {0};
    p_bytes(&q, (const uint8_t *)v->record, v->record_len);
    p_int(&q, now_ms);
    p_text(&q, v->token);
    p_int(&q, v->version);
    int64_t changes = 0;
    store_status rc = update(p, "verification_update",
                             "UPDATE verifications SET record = $1, version = version + 1, "
                             "updated_at = $2 WHERE token = $3 AND version = $4",
                             &q, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status pg_verification_list(void *p, int64_t account_id, int64_t from_ms,
                                         int64_t to_ms, store_verification **out, size_t *count) {
    *out = NULL;
    *count = 0;
    pg_params q = {0};
    p_int(&q, account_id);
    p_int(&q, from_ms);
    p_int(&q, to_ms);
    PGresult *r;
    store_status rc = query(p, "verification_list",
                            "SELECT " LINK_COLUMNS " FROM verifications WHERE account_id = $1 AND "
                            "created_at >= $2 AND created_at < $3 ORDER BY created_at, id",
                            &q, &r);
    if (rc != STORE_OK) return rc;
    int n = PQntuples(r), done = 0;
    store_verification *arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    while (arr && done < n && read_link(r, done, &arr[done])) done++;
    PQclear(r);
    if (!arr || done < n) {
        for (int i = 0; arr && i < done; i++) free(arr[i].record);
        free(arr);
        return STORE_ERROR;
    }
    *out = arr;
    *count = (size_t)n;
    return STORE_OK;
}

static store_status pg_verification_prune(void *p, const char *journey_id, int64_t now_ms) {
    pg_params q = {0};
    p_int(&q, now_ms);
    if (journey_id) {
        p_text(&q, journey_id);
        return update(p, "verification_prune",
                      "UPDATE verifications SET pruned_at = $1 WHERE journey_id = $2 AND "
                      "pruned_at = 0",
                      &q, NULL);
    }
    return update(p, "verification_prune",
                  "UPDATE verifications SET pruned_at = $1 WHERE pruned_at = 0 AND journey_id IN "
                  "(SELECT id FROM journeys WHERE purge_at <= $1)",
                  &q, NULL);
}

static const backend_ops pg_ops = {
    .close = pg_close,
    .ping = pg_ping,
    .account_add = pg_account_add,
    .account_get_by_company = pg_account_get_by_company,
    .user_put = pg_user_put,
    .user_get = pg_user_get,
    .user_delete = pg_user_delete,
    .account_get = pg_account_get,
    .account_list = pg_account_list,
    .account_set_disabled = pg_account_set_disabled,
    .account_set_allow_delete = pg_account_set_allow_delete,
    .account_details_key_get = pg_details_key_get,
    .account_details_key_set = pg_details_key_set,
    .journey_create = pg_journey_create,
    .journey_get = pg_journey_get,
    .journey_delete = pg_journey_delete,
    .journey_complete = pg_journey_complete,
    .purge_expired = pg_purge_expired,
    .journey_count = pg_journey_count,
    .result_add = pg_result_add,
    .result_list = pg_result_list,
    .blob_put = pg_blob_put,
    .blob_get = pg_blob_get,
    .blacklist_add = pg_blacklist_add,
    .blacklist_list = pg_blacklist_list,
    .blacklist_delete = pg_blacklist_delete,
    .blacklist_version = pg_blacklist_version,
    .blacklist_template = pg_blacklist_template,
    .account_charge_call = pg_account_charge_call,
    .scorecard_set = pg_scorecard_set,
    .scorecard_get = pg_scorecard_get,
    .audit_add = pg_audit_add,
    .audit_list = pg_audit_list,
    .capture_nonce_add = pg_capture_nonce_add,
    .job_insert = pg_job_insert,
    .job_renew = pg_job_renew,
    .job_claim_expired = pg_job_claim_expired,
    .job_delete = pg_job_delete,
    .job_failures = pg_job_failures,
    .capture_nonce_redeem = pg_capture_nonce_redeem,
    .public_image_add = pg_public_image_add,
    .public_image_find = pg_public_image_find,
    .client_add = pg_client_add,
    .client_get = pg_client_get,
    .client_list = pg_client_list,
    .client_set_disabled = pg_client_set_disabled,
    .client_set_secret = pg_client_set_secret,
    .rate_hit = pg_rate_hit,
    .verification_add = pg_verification_add,
    .verification_get = pg_verification_get,
    .verification_update = pg_verification_update,
    .verification_list = pg_verification_list,
    .verification_prune = pg_verification_prune,
};

static void drop_notice(void *arg, const char *message) {
    (void)arg, (void)message; /* "relation … already exists, skipping" and the like */
}

store_status pg_backend_open(const char *url, size_t pool_size, void **out, const backend_ops **ops,
                             char *err, size_t errlen) {
    pg_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->available, NULL);
    db->size = pool_size == 0 ? PG_POOL_DEFAULT : pool_size > PG_POOL_MAX ? PG_POOL_MAX : pool_size;
    db->conns = calloc(db->size, sizeof *db->conns);
    db->busy = calloc(db->size, sizeof *db->busy);
    if (!db->conns || !db->busy) {
        snprintf(err, errlen, "out of memory");
        pg_close(db);
        return STORE_ERROR;
    }
    for (size_t i = 0; i < db->size; i++) {
        db->conns[i] = PQconnectdb(url);
        PQsetNoticeProcessor(db->conns[i], drop_notice, NULL);
        if (PQstatus(db->conns[i]) != CONNECTION_OK) {
            const char *msg = PQerrorMessage(db->conns[i]);
            snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)strcspn(msg, "\n"),
                     msg);
            pg_close(db);
            return STORE_ERROR;
        }
        if (i == 0 && apply_migrations(db->conns[0], err, errlen) != 0) {
            pg_close(db);
            return STORE_ERROR;
        }
    }
    *out = db;
    *ops = &pg_ops;
    return STORE_OK;
}
