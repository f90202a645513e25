/* SQLite backend: WAL mode, busy timeout, foreign keys, secure_delete (deleted personal data
 * is overwritten in the file), a small pool of connections so readers do not queue behind one
 * another, and numbered migrations compiled in from src/store/migrations/sqlite/. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/backend.h"
#include "util/embedded.h"
#include "util/log.h"

extern const embedded_file sqlite_migrations[];
extern const size_t sqlite_migrations_count;

#define POOL_SIZE 4

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t available;
    sqlite3 *conns[POOL_SIZE];
    bool busy[POOL_SIZE];
} sqlite_db;

static void log_sqlite_error(sqlite3 *c, const char *what) {
    log_event(LOG_ERROR, "store_error",
              json_pack("{s:s,s:s,s:i}", "op", what, "error", sqlite3_errmsg(c), "code",
                        sqlite3_extended_errcode(c)));
}

static sqlite3 *acquire(sqlite_db *db) {
    pthread_mutex_lock(&db->lock);
    for (;;) {
        for (int i = 0; i < POOL_SIZE; i++) {
            if (!db->busy[i]) {
                db->busy[i] = true;
                pthread_mutex_unlock(&db->lock);
                return db->conns[i];
            }
        }
        pthread_cond_wait(&db->available, &db->lock);
    }
}

static void release(sqlite_db *db, sqlite3 *c) {
    pthread_mutex_lock(&db->lock);
    for (int i = 0; i < POOL_SIZE; i++) {
        if (db->conns[i] == c) db->busy[i] = false;
    }
    pthread_cond_signal(&db->available);
    pthread_mutex_unlock(&db->lock);
}

static int exec_sql(sqlite3 *c, const char *sql) {
    char *msg = NULL;
    int rc = sqlite3_exec(c, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        log_event(LOG_ERROR, "store_error",
                  json_pack("{s:s,s:s}", "op", "exec", "error", msg ? msg : "?"));
        sqlite3_free(msg);
    }
    return rc;
}

static sqlite3_stmt *prepare(sqlite3 *c, const char *sql) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c, sql, -1, &s, NULL) != SQLITE_OK) {
        log_sqlite_error(c, "prepare");
        return NULL;
    }
    return s;
}

static int open_connection(const char *path, sqlite3 **out, char *err, size_t errlen) {
    sqlite3 *c = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 c ? sqlite3_errmsg(c) : "out of memory");
        sqlite3_close(c);
        return -1;
    }
    sqlite3_busy_timeout(c, 10000);
    sqlite3_extended_result_codes(c, 1);
    if (exec_sql(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure database %s: %s", path, sqlite3_errmsg(c));
        sqlite3_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int migration_version(const char *name) {
    return atoi(name); /* "001_init.sql" -> 1 */
}

static int apply_migrations(sqlite3 *c, char *err, size_t errlen) {
    if (exec_sql(c,
                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)") !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", sqlite3_errmsg(c));
        return -1;
    }
    for (size_t i = 0; i < sqlite_migrations_count; i++) {
        const embedded_file *m = &sqlite_migrations[i];
        int version = migration_version(m->name);
        if (exec_sql(c, "BEGIN IMMEDIATE") != SQLITE_OK) goto fail;
        sqlite3_stmt *q = prepare(c, "SELECT 1 FROM schema_migrations WHERE version = ?");
        if (!q) goto rollback;
        sqlite3_bind_int(q, 1, version);
        int applied = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!applied) {
            if (exec_sql(c, (const char *)m->data) != SQLITE_OK) goto rollback;
            sqlite3_stmt *ins = prepare(c, "INSERT INTO schema_migrations VALUES (?, ?, "
                                           "CAST(strftime('%s','now') AS INTEGER) * 1000)");
            if (!ins) goto rollback;
            sqlite3_bind_int(ins, 1, version);
            sqlite3_bind_text(ins, 2, m->name, -1, SQLITE_STATIC);
            int rc = sqlite3_step(ins);
            sqlite3_finalize(ins);
            if (rc != SQLITE_DONE) goto rollback;
            log_event(LOG_INFO, "migration_applied", json_pack("{s:s}", "name", m->name));
        }
        if (exec_sql(c, "COMMIT") != SQLITE_OK) goto rollback;
        continue;
    rollback:
        exec_sql(c, "ROLLBACK");
    fail:
        snprintf(err, errlen, "migration %s failed: %s", m->name, sqlite3_errmsg(c));
        return -1;
    }
    return 0;
}

static void sqlite_close(void *p) {
    sqlite_db *db = p;
    if (!db) return;
    for (int i = 0; i < POOL_SIZE; i++) sqlite3_close(db->conns[i]);
    pthread_cond_destroy(&db->available);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

static store_status sqlite_ping(void *p) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    sqlite3_stmt *s = prepare(c, "SELECT count(*) FROM schema_migrations");
    store_status rc = (s && sqlite3_step(s) == SQLITE_ROW) ? STORE_OK : STORE_ERROR;
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

/* The row array grown to twice its capacity (cap updated), or NULL with arr untouched. */
static void *grow_rows(void *arr, size_t *cap, size_t size) {
    size_t ncap = *cap ? *cap * 2 : 16;
    void *grown = realloc(arr, ncap * size);
    if (grown) *cap = ncap;
    return grown;
}

/* ---- accounts ---- */

static store_status sqlite_account_add(void *p, const store_account *a, int64_t *out_id) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "INSERT INTO accounts (username, password_hash, company_id, "
                                 "disabled, expires_at, max_journeys, retention_days, created_at, "
                                 "allow_delete, required_steps, max_api_calls, display_name, "
                                 "link_minutes, link_ocr_retries, link_face_retries) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, a->username, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, a->password_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, a->company_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, a->disabled ? 1 : 0);
        sqlite3_bind_int64(s, 5, a->expires_at_ms);
        sqlite3_bind_int64(s, 6, a->max_journeys);
        sqlite3_bind_int(s, 7, a->retention_days > 0 ? a->retention_days : 14);
        sqlite3_bind_int64(s, 8, a->created_at_ms);
        sqlite3_bind_int(s, 9, a->allow_delete ? 1 : 0);
        sqlite3_bind_text(s, 10,
                          a->required_steps[0] ? a->required_steps : "okayid,okaydoc,okayface", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(s, 11, a->max_api_calls);
        sqlite3_bind_text(s, 12, a->display_name, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 13, a->link_minutes > 0 ? a->link_minutes : 15);
        sqlite3_bind_int(s, 14, a->link_ocr_retries >= 0 ? a->link_ocr_retries : 2);
        sqlite3_bind_int(s, 15, a->link_face_retries >= 0 ? a->link_face_retries : 1);
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE) {
            rc = STORE_OK;
            if (out_id) *out_id = sqlite3_last_insert_rowid(c);
        } else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_UNIQUE) {
            rc = STORE_CONFLICT;
        } else {
            log_sqlite_error(c, "account_add");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

#define ACCOUNT_COLUMNS                                                                            \
    "id, username, password_hash, company_id, disabled, expires_at, max_journeys, "                \
    "journeys_created, retention_days, created_at, allow_delete, required_steps, max_api_calls, "  \
    "api_calls, display_name, link_minutes, link_ocr_retries, link_face_retries"

static void copy_text(char *dst, size_t len, const unsigned char *src) {
    snprintf(dst, len, "%s", src ? (const char *)src : "");
}

static void read_account(sqlite3_stmt *s, store_account *a) {
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    copy_text(a->username, sizeof a->username, sqlite3_column_text(s, 1));
    copy_text(a->password_hash, sizeof a->password_hash, sqlite3_column_text(s, 2));
    copy_text(a->company_id, sizeof a->company_id, sqlite3_column_text(s, 3));
    a->disabled = sqlite3_column_int(s, 4) != 0;
    a->expires_at_ms = sqlite3_column_int64(s, 5);
    a->max_journeys = sqlite3_column_int64(s, 6);
    a->journeys_created = sqlite3_column_int64(s, 7);
    a->retention_days = sqlite3_column_int(s, 8);
    a->created_at_ms = sqlite3_column_int64(s, 9);
    a->allow_delete = sqlite3_column_int(s, 10) != 0;
    copy_text(a->required_steps, sizeof a->required_steps, sqlite3_column_text(s, 11));
    a->max_api_calls = sqlite3_column_int64(s, 12);
    a->api_calls = sqlite3_column_int64(s, 13);
    copy_text(a->display_name, sizeof a->display_name, sqlite3_column_text(s, 14));
    a->link_minutes = sqlite3_column_int(s, 15);
    a->link_ocr_retries = sqlite3_column_int(s, 16);
    a->link_face_retries = sqlite3_column_int(s, 17);
}

static store_status sqlite_account_get(void *p, const char *username, int64_t id,
                                       store_account *out) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s =
        prepare(c, username ? "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = ?"
                            : "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?");
    if (s) {
        if (username)
            sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(s, 1, id);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            read_account(s, out);
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "account_get");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_account_list(void *p, store_account **out, size_t *count) {
    sqlite_db *db = p;
    *out = NULL;
    *count = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT " ACCOUNT_COLUMNS " FROM accounts ORDER BY username");
    store_account *arr = NULL;
    size_t n = 0, cap = 0;
    if (s) {
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            read_account(s, &arr[n++]);
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, "account_list");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (rc != STORE_OK) {
        free(arr);
        return rc;
    }
    *out = arr;
    *count = n;
    return STORE_OK;
}

static store_status run_update(sqlite_db *db, const char *op,
                               sqlite3_stmt *(*bind)(sqlite3 *, const void *), const void *arg,
                               int *changes) {
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = bind(c, arg);
    if (s) {
        if (sqlite3_step(s) == SQLITE_DONE) {
            rc = STORE_OK;
            if (changes) *changes = sqlite3_changes(c);
        } else {
            log_sqlite_error(c, op);
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

typedef struct {
    const char *username;
    bool disabled;
} disable_args;

static sqlite3_stmt *bind_disable(sqlite3 *c, const void *arg) {
    const disable_args *a = arg;
    sqlite3_stmt *s = prepare(c, "UPDATE accounts SET disabled = ? WHERE username = ?");
    if (s) {
        sqlite3_bind_int(s, 1, a->disabled ? 1 : 0);
        sqlite3_bind_text(s, 2, a->username, -1, SQLITE_STATIC);
    }
    return s;
}

static store_status sqlite_account_set_disabled(void *p, const char *username, bool disabled) {
    disable_args a = {username, disabled};
    int changes = 0;
    store_status rc = run_update(p, "account_set_disabled", bind_disable, &a, &changes);
    if (rc == STORE_OK && changes == 0) rc = STORE_NOT_FOUND;
    return rc;
}

static uint8_t *copy_blob_column(sqlite3_stmt *s, int col, size_t *len);

static sqlite3_stmt *bind_allow_delete(sqlite3 *c, const void *arg) {
    const disable_args *a = arg;
    sqlite3_stmt *s = prepare(c, "UPDATE accounts SET allow_delete = ? WHERE username = ?");
    if (s) {
        sqlite3_bind_int(s, 1, a->disabled ? 1 : 0);
        sqlite3_bind_text(s, 2, a->username, -1, SQLITE_STATIC);
    }
    return s;
}

static store_status sqlite_account_set_allow_delete(void *p, const char *username, bool allow) {
    disable_args a = {username, allow};
    int changes = 0;
    store_status rc = run_update(p, "account_set_allow_delete", bind_allow_delete, &a, &changes);
    if (rc == STORE_OK && changes == 0) rc = STORE_NOT_FOUND;
    return rc;
}

static store_status sqlite_details_key_get(void *p, int64_t account_id, uint8_t **sealed,
                                           size_t *len) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT details_key FROM accounts WHERE id = ?");
    if (s) {
        sqlite3_bind_int64(s, 1, account_id);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_BLOB) {
            *sealed = copy_blob_column(s, 0, len);
            rc = *sealed ? STORE_OK : STORE_ERROR;
        } else if (step == SQLITE_ROW || step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "details_key_get");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

typedef struct {
    int64_t id;
    const uint8_t *data;
    size_t len;
} key_args;

static sqlite3_stmt *bind_details_key(sqlite3 *c, const void *arg) {
    const key_args *k = arg;
    sqlite3_stmt *s = prepare(c, "UPDATE accounts SET details_key = ? WHERE id = ?");
    if (s) {
        sqlite3_bind_blob64(s, 1, k->data, k->len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, k->id);
    }
    return s;
}

static store_status sqlite_details_key_set(void *p, int64_t account_id, const uint8_t *sealed,
                                           size_t len) {
    key_args k = {account_id, sealed, len};
    int changes = 0;
    store_status rc = run_update(p, "details_key_set", bind_details_key, &k, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

/* ---- journeys ---- */

static store_status sqlite_journey_create(void *p, const store_journey *j) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *quota = NULL, *ins = NULL;
    if (exec_sql(c, "BEGIN IMMEDIATE") != SQLITE_OK) goto done;
    quota = prepare(c, "UPDATE accounts SET journeys_created = journeys_created + 1 "
                       "WHERE id = ? AND (max_journeys = 0 OR journeys_created < max_journeys)");
    if (!quota) goto rollback;
    sqlite3_bind_int64(quota, 1, j->account_id);
    if (sqlite3_step(quota) != SQLITE_DONE) {
        log_sqlite_error(c, "journey_quota");
        goto rollback;
    }
    if (sqlite3_changes(c) == 0) {
        rc = STORE_QUOTA;
        goto rollback;
    }
    ins = prepare(c, "INSERT INTO journeys (id, account_id, status, created_at, purge_at) "
                     "VALUES (?, ?, ?, ?, ?)");
    if (!ins) goto rollback;
    sqlite3_bind_text(ins, 1, j->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, j->account_id);
    sqlite3_bind_text(ins, 3, j->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 4, j->created_at_ms);
    sqlite3_bind_int64(ins, 5, j->purge_at_ms);
    if (sqlite3_step(ins) != SQLITE_DONE) {
        log_sqlite_error(c, "journey_insert");
        goto rollback;
    }
    if (exec_sql(c, "COMMIT") == SQLITE_OK) {
        rc = STORE_OK;
        goto done;
    }
    rc = STORE_ERROR;
rollback:
    exec_sql(c, "ROLLBACK");
done:
    sqlite3_finalize(quota);
    sqlite3_finalize(ins);
    release(db, c);
    return rc;
}

static store_status sqlite_journey_get(void *p, const char *id, int64_t now_ms,
                                       store_journey *out) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT id, account_id, status, created_at, completed_at, "
                                 "purge_at FROM journeys WHERE id = ? AND purge_at > ?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, now_ms);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            memset(out, 0, sizeof *out);
            copy_text(out->id, sizeof out->id, sqlite3_column_text(s, 0));
            out->account_id = sqlite3_column_int64(s, 1);
            copy_text(out->status, sizeof out->status, sqlite3_column_text(s, 2));
            out->created_at_ms = sqlite3_column_int64(s, 3);
            out->completed_at_ms = sqlite3_column_int64(s, 4);
            out->purge_at_ms = sqlite3_column_int64(s, 5);
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "journey_get");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static sqlite3_stmt *bind_delete_journey(sqlite3 *c, const void *arg) {
    sqlite3_stmt *s = prepare(c, "DELETE FROM journeys WHERE id = ?");
    if (s) sqlite3_bind_text(s, 1, (const char *)arg, -1, SQLITE_STATIC);
    return s;
}

/* Moves WAL content into the main file and truncates the WAL, so deleted rows leave no copy in
 * the log (secure_delete has already zeroed them in the pages). */
static void checkpoint(sqlite_db *db) {
    sqlite3 *c = acquire(db);
    sqlite3_wal_checkpoint_v2(c, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    release(db, c);
}

static store_status sqlite_journey_delete(void *p, const char *id) {
    int changes = 0;
    store_status rc = run_update(p, "journey_delete", bind_delete_journey, id, &changes);
    if (rc == STORE_OK && changes == 0) return STORE_NOT_FOUND;
    if (rc == STORE_OK) checkpoint(p);
    return rc;
}

typedef struct {
    const char *id;
    int64_t now;
} complete_args;

static sqlite3_stmt *bind_complete(sqlite3 *c, const void *arg) {
    const complete_args *a = arg;
    sqlite3_stmt *s = prepare(c, "UPDATE journeys SET status = 'COMPLETED', completed_at = ? "
                                 "WHERE id = ? AND status = 'ACTIVE' AND purge_at > ?");
    if (s) {
        sqlite3_bind_int64(s, 1, a->now);
        sqlite3_bind_text(s, 2, a->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, a->now);
    }
    return s;
}

static store_status sqlite_journey_complete(void *p, const char *id, int64_t now_ms) {
    complete_args a = {id, now_ms};
    int changes = 0;
    store_status rc = run_update(p, "journey_complete", bind_complete, &a, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status sqlite_purge_expired(void *p, int64_t now_ms, char (**ids)[UUID_STR_LEN],
                                         size_t *purged) {
    sqlite_db *db = p;
    *ids = NULL;
    *purged = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    char(*arr)[UUID_STR_LEN] = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s = prepare(c, "DELETE FROM journeys WHERE purge_at <= ? RETURNING id");
    if (s) {
        sqlite3_bind_int64(s, 1, now_ms);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) { /* the rows are deleted all the same; the list is short */
                rc = STORE_ERROR;
                continue;
            }
            arr = grown;
            copy_text(arr[n++], UUID_STR_LEN, sqlite3_column_text(s, 0));
        }
        if (step != SQLITE_DONE) {
            log_sqlite_error(c, "purge_expired");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (n > 0) checkpoint(db);
    *ids = arr;
    *purged = n;
    return rc;
}

static store_status sqlite_journey_count(void *p, int64_t account_id, int64_t *count) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT count(*) FROM journeys WHERE account_id = ?");
    if (s) {
        sqlite3_bind_int64(s, 1, account_id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            *count = sqlite3_column_int64(s, 0);
            rc = STORE_OK;
        } else {
            log_sqlite_error(c, "journey_count");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

/* ---- results and blobs ---- */

static store_status sqlite_result_add(void *p, const char *id, const char *journey_id,
                                      const char *component, int64_t now_ms, const uint8_t *sealed,
                                      size_t sealed_len) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    /* a completed journey takes no more results (emas.md §4.10) */
    sqlite3_stmt *s = prepare(c, "INSERT INTO results (id, journey_id, component, created_at, "
                                 "payload) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS "
                                 "(SELECT 1 FROM journeys WHERE id = ?2 AND status <> 'ACTIVE')");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, journey_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, component, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now_ms);
        sqlite3_bind_blob64(s, 5, sealed, sealed_len, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE)
            rc = sqlite3_changes(c) == 1 ? STORE_OK : STORE_CONFLICT;
        else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = STORE_NOT_FOUND;
        else
            log_sqlite_error(c, "result_add");
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static uint8_t *copy_blob_column(sqlite3_stmt *s, int col, size_t *len) {
    const void *src = sqlite3_column_blob(s, col);
    int n = sqlite3_column_bytes(s, col);
    uint8_t *dst = malloc(n > 0 ? (size_t)n : 1);
    if (!dst) return NULL;
    if (n > 0) memcpy(dst, src, (size_t)n);
    *len = (size_t)n;
    return dst;
}

static store_status sqlite_result_list(void *p, const char *journey_id, backend_sealed_row **rows,
                                       size_t *count) {
    sqlite_db *db = p;
    *rows = NULL;
    *count = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    backend_sealed_row *arr = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s = prepare(c, "SELECT id, component, created_at, payload FROM results "
                                 "WHERE journey_id = ? ORDER BY created_at, rowid");
    if (s) {
        sqlite3_bind_text(s, 1, journey_id, -1, SQLITE_STATIC);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            backend_sealed_row *r = &arr[n];
            memset(r, 0, sizeof *r);
            copy_text(r->id, sizeof r->id, sqlite3_column_text(s, 0));
            copy_text(r->component, sizeof r->component, sqlite3_column_text(s, 1));
            r->created_at_ms = sqlite3_column_int64(s, 2);
            r->sealed = copy_blob_column(s, 3, &r->sealed_len);
            if (!r->sealed) {
                rc = STORE_ERROR;
                break;
            }
            n++;
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, "result_list");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (rc != STORE_OK) {
        for (size_t i = 0; i < n; i++) free(arr[i].sealed);
        free(arr);
        return rc;
    }
    *rows = arr;
    *count = n;
    return STORE_OK;
}

static store_status sqlite_blob_put(void *p, const store_blob *m, const uint8_t *sealed,
                                    size_t sealed_len) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "INSERT INTO blobs (id, journey_id, kind, content_type, size, "
                                 "digest, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, m->journey_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, m->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, m->content_type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, (sqlite3_int64)m->size);
        sqlite3_bind_text(s, 6, m->digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, m->created_at_ms);
        sqlite3_bind_blob64(s, 8, sealed, sealed_len, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE)
            rc = STORE_OK;
        else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = STORE_NOT_FOUND;
        else
            log_sqlite_error(c, "blob_put");
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_blob_get(void *p, const char *id, store_blob *m, uint8_t **sealed,
                                    size_t *sealed_len) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT id, journey_id, kind, content_type, digest, created_at, "
                                 "data FROM blobs WHERE id = ?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            copy_text(m->id, sizeof m->id, sqlite3_column_text(s, 0));
            copy_text(m->journey_id, sizeof m->journey_id, sqlite3_column_text(s, 1));
            copy_text(m->kind, sizeof m->kind, sqlite3_column_text(s, 2));
            copy_text(m->content_type, sizeof m->content_type, sqlite3_column_text(s, 3));
            copy_text(m->digest, sizeof m->digest, sqlite3_column_text(s, 4));
            m->created_at_ms = sqlite3_column_int64(s, 5);
            *sealed = copy_blob_column(s, 6, sealed_len);
            rc = *sealed ? STORE_OK : STORE_ERROR;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "blob_get");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

/* ---- blacklist faces ---- */

static store_status sqlite_blacklist_add(void *p, const char *id, int64_t account_id,
                                         const uint8_t *label, size_t label_len,
                                         const uint8_t *tmpl, size_t tmpl_len, int64_t now_ms) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "INSERT INTO blacklist_faces (id, account_id, label, template, "
                                 "created_at) VALUES (?, ?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, account_id);
        sqlite3_bind_blob64(s, 3, label, label_len, SQLITE_STATIC);
        sqlite3_bind_blob64(s, 4, tmpl, tmpl_len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, now_ms);
        if (sqlite3_step(s) == SQLITE_DONE)
            rc = STORE_OK;
        else
            log_sqlite_error(c, "blacklist_add");
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_blacklist_list(void *p, int64_t account_id, bool with_templates,
                                          backend_face_row **rows, size_t *count) {
    sqlite_db *db = p;
    *rows = NULL;
    *count = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    backend_face_row *arr = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s = prepare(c, "SELECT id, created_at, label, template FROM blacklist_faces "
                                 "WHERE account_id = ? ORDER BY created_at, rowid");
    if (s) {
        sqlite3_bind_int64(s, 1, account_id);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            backend_face_row *r = &arr[n];
            memset(r, 0, sizeof *r);
            copy_text(r->id, sizeof r->id, sqlite3_column_text(s, 0));
            r->created_at_ms = sqlite3_column_int64(s, 1);
            r->label = copy_blob_column(s, 2, &r->label_len);
            if (with_templates) r->tmpl = copy_blob_column(s, 3, &r->tmpl_len);
            n++;
            if (!r->label || (with_templates && !r->tmpl)) {
                rc = STORE_ERROR;
                break;
            }
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, "blacklist_list");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (rc != STORE_OK) {
        for (size_t i = 0; i < n; i++) {
            free(arr[i].label);
            free(arr[i].tmpl);
        }
        free(arr);
        return rc;
    }
    *rows = arr;
    *count = n;
    return STORE_OK;
}

typedef struct {
    int64_t account_id;
    const char *id;
} owned_id;

static sqlite3_stmt *bind_blacklist_delete(sqlite3 *c, const void *arg) {
    const owned_id *o = arg;
    sqlite3_stmt *s = prepare(c, "DELETE FROM blacklist_faces WHERE id = ? AND account_id = ?");
    if (s) {
        sqlite3_bind_text(s, 1, o->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, o->account_id);
    }
    return s;
}

static store_status sqlite_blacklist_delete(void *p, int64_t account_id, const char *id) {
    owned_id o = {account_id, id};
    int changes = 0;
    store_status rc = run_update(p, "blacklist_delete", bind_blacklist_delete, &o, &changes);
    if (rc == STORE_OK && changes == 0) return STORE_NOT_FOUND;
    if (rc == STORE_OK) checkpoint(p);
    return rc;
}

static store_status sqlite_blacklist_version(void *p, int64_t account_id, int64_t *version) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT blacklist_version FROM accounts WHERE id = ?");
    if (s) {
        sqlite3_bind_int64(s, 1, account_id);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            *version = sqlite3_column_int64(s, 0);
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "blacklist_version");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_blacklist_template(void *p, int64_t account_id, const char *id,
                                              uint8_t **sealed, size_t *len) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s =
        prepare(c, "SELECT template FROM blacklist_faces WHERE id = ? AND account_id = ?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, account_id);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            *sealed = copy_blob_column(s, 0, len);
            rc = *sealed ? STORE_OK : STORE_ERROR;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "blacklist_template");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_audit_add(void *p, const store_audit_entry *e) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "INSERT INTO audit_log (at, account_id, journey_id, action, "
                                 "status, outcome, client_ip, request_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_int64(s, 1, e->at_ms);
        if (e->account_id)
            sqlite3_bind_int64(s, 2, e->account_id);
        else
            sqlite3_bind_null(s, 2);
        if (e->journey_id[0])
            sqlite3_bind_text(s, 3, e->journey_id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 3);
        sqlite3_bind_text(s, 4, e->action, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 5, e->status);
        sqlite3_bind_text(s, 6, e->outcome, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, e->client_ip, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, e->request_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_DONE)
            rc = STORE_OK;
        else
            log_sqlite_error(c, "audit_add");
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static store_status sqlite_audit_list(void *p, const char *journey_id, int64_t account_id,
                                      size_t limit, store_audit_entry **out, size_t *count) {
    sqlite_db *db = p;
    *out = NULL;
    *count = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    store_audit_entry *arr = NULL;
    size_t n = 0, cap = 0;
    /* the latest `limit` rows, returned oldest first */
    sqlite3_stmt *s = prepare(
        c, "SELECT * FROM (SELECT a.at, a.account_id, COALESCE(u.username, ''), "
           "COALESCE(a.journey_id, ''), a.action, a.status, a.outcome, a.client_ip, a.request_id, "
           "a.id FROM audit_log a LEFT JOIN accounts u ON u.id = a.account_id "
           "WHERE (?1 IS NOT NULL AND a.journey_id = ?1) OR (?1 IS NULL AND a.account_id = ?2) "
           "ORDER BY a.at DESC, a.id DESC LIMIT ?3) ORDER BY 1, 10");
    if (s) {
        if (journey_id)
            sqlite3_bind_text(s, 1, journey_id, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 1);
        sqlite3_bind_int64(s, 2, account_id);
        sqlite3_bind_int64(s, 3, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            store_audit_entry *e = &arr[n++];
            memset(e, 0, sizeof *e);
            e->at_ms = sqlite3_column_int64(s, 0);
            e->account_id = sqlite3_column_int64(s, 1);
            copy_text(e->username, sizeof e->username, sqlite3_column_text(s, 2));
            copy_text(e->journey_id, sizeof e->journey_id, sqlite3_column_text(s, 3));
            copy_text(e->action, sizeof e->action, sqlite3_column_text(s, 4));
            e->status = sqlite3_column_int(s, 5);
            copy_text(e->outcome, sizeof e->outcome, sqlite3_column_text(s, 6));
            copy_text(e->client_ip, sizeof e->client_ip, sqlite3_column_text(s, 7));
            copy_text(e->request_id, sizeof e->request_id, sqlite3_column_text(s, 8));
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, "audit_list");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (rc != STORE_OK) {
        free(arr);
        return rc;
    }
    *out = arr;
    *count = n;
    return STORE_OK;
}

static sqlite3_stmt *bind_charge_call(sqlite3 *c, const void *arg) {
    sqlite3_stmt *s =
        prepare(c, "UPDATE accounts SET api_calls = api_calls + 1 "
                   "WHERE id = ? AND (max_api_calls = 0 OR api_calls < max_api_calls)");
    if (s) sqlite3_bind_int64(s, 1, *(const int64_t *)arg);
    return s;
}

static store_status sqlite_account_charge_call(void *p, int64_t account_id) {
    int changes = 0;
    store_status rc = run_update(p, "charge_call", bind_charge_call, &account_id, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_QUOTA : rc;
}

typedef struct {
    int64_t account_id;
    const char *doc_type, *config;
    int64_t now_ms;
} scorecard_args;

static sqlite3_stmt *bind_scorecard_set(sqlite3 *c, const void *arg) {
    const scorecard_args *a = arg;
    sqlite3_stmt *s = prepare(c, "INSERT INTO scorecard_configs (account_id, doc_type, config, "
                                 "modified_at) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, "
                                 "doc_type) DO UPDATE SET config = excluded.config, "
                                 "modified_at = excluded.modified_at");
    if (s) {
        sqlite3_bind_int64(s, 1, a->account_id);
        sqlite3_bind_text(s, 2, a->doc_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, a->config, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, a->now_ms);
    }
    return s;
}

static store_status sqlite_scorecard_set(void *p, int64_t account_id, const char *doc_type,
                                         const char *config_json, int64_t now_ms) {
    scorecard_args a = {account_id, doc_type, config_json, now_ms};
    int changes = 0;
    return run_update(p, "scorecard_set", bind_scorecard_set, &a, &changes);
}

static store_status sqlite_scorecard_get(void *p, int64_t account_id, const char *doc_type,
                                         char **config_json, int64_t *modified_ms) {
    sqlite_db *db = p;
    *config_json = NULL;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT config, modified_at FROM scorecard_configs "
                                 "WHERE account_id = ? AND doc_type = ?");
    if (s) {
        sqlite3_bind_int64(s, 1, account_id);
        sqlite3_bind_text(s, 2, doc_type, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            const unsigned char *text = sqlite3_column_text(s, 0);
            *config_json = text ? strdup((const char *)text) : NULL;
            *modified_ms = sqlite3_column_int64(s, 1);
            rc = *config_json ? STORE_OK : STORE_ERROR;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "scorecard_get");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

static sqlite3_stmt *bind_capture_nonce_add(sqlite3 *c, const void *arg) {
    const store_capture_nonce *n = arg;
    sqlite3_stmt *s = prepare(c, "INSERT INTO capture_nonces (nonce, journey_id, issued_at, "
                                 "expires_at) VALUES (?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, n->nonce, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, n->journey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, n->issued_at_ms);
        sqlite3_bind_int64(s, 4, n->expires_at_ms);
    }
    return s;
}

static store_status sqlite_capture_nonce_add(void *p, const store_capture_nonce *n) {
    return run_update(p, "capture_nonce_add", bind_capture_nonce_add, n, NULL);
}

/* Marks the nonce used (only if it was not) and reads it back on the same connection, so two
 * concurrent redemptions cannot both see a first use. */
static store_status sqlite_capture_nonce_redeem(void *p, const char *nonce, int64_t now_ms,
                                                store_capture_nonce *out) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    int first_use = 0;
    sqlite3_stmt *u = prepare(c, "UPDATE capture_nonces SET used_at = ? "
                                 "WHERE nonce = ? AND used_at IS NULL");
    if (u) {
        sqlite3_bind_int64(u, 1, now_ms);
        sqlite3_bind_text(u, 2, nonce, -1, SQLITE_STATIC);
        if (sqlite3_step(u) == SQLITE_DONE) {
            first_use = sqlite3_changes(c) == 1;
            rc = STORE_OK;
        } else {
            log_sqlite_error(c, "capture_nonce_redeem");
        }
    }
    sqlite3_finalize(u);
    sqlite3_stmt *q = rc == STORE_OK ? prepare(c, "SELECT journey_id, issued_at, expires_at, "
                                                  "used_at FROM capture_nonces WHERE nonce = ?")
                                     : NULL;
    if (q) {
        sqlite3_bind_text(q, 1, nonce, -1, SQLITE_STATIC);
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW) {
            snprintf(out->nonce, sizeof out->nonce, "%s", nonce);
            snprintf(out->journey_id, sizeof out->journey_id, "%s",
                     (const char *)sqlite3_column_text(q, 0));
            out->issued_at_ms = sqlite3_column_int64(q, 1);
            out->expires_at_ms = sqlite3_column_int64(q, 2);
            out->used_at_ms = sqlite3_column_int64(q, 3);
            rc = first_use ? STORE_OK : STORE_CONFLICT;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "capture_nonce_get");
            rc = STORE_ERROR;
        }
    } else if (rc == STORE_OK) {
        rc = STORE_ERROR;
    }
    sqlite3_finalize(q);
    release(db, c);
    return rc;
}

typedef struct {
    const char *okaydoc_id, *type, *kind, *blob_id, *journey_id;
} public_image_args;

static sqlite3_stmt *bind_public_image_add(sqlite3 *c, const void *arg) {
    const public_image_args *a = arg;
    sqlite3_stmt *s = prepare(c, "INSERT INTO public_images (okaydoc_id, type, kind, blob_id, "
                                 "journey_id) VALUES (?, ?, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, a->okaydoc_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, a->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, a->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, a->blob_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, a->journey_id, -1, SQLITE_STATIC);
    }
    return s;
}

static store_status sqlite_public_image_add(void *p, const char *okaydoc_id, const char *type,
                                            const char *kind, const char *blob_id,
                                            const char *journey_id) {
    public_image_args a = {okaydoc_id, type, kind, blob_id, journey_id};
    return run_update(p, "public_image_add", bind_public_image_add, &a, NULL);
}

static store_status sqlite_public_image_find(void *p, const char *okaydoc_id, const char *type,
                                             const char *kind, char *blob_id, char *journey_id) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, "SELECT blob_id, journey_id FROM public_images "
                                 "WHERE okaydoc_id = ? AND type = ? AND kind = ?");
    if (s) {
        sqlite3_bind_text(s, 1, okaydoc_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            snprintf(blob_id, UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(s, 0));
            snprintf(journey_id, UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(s, 1));
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else {
            log_sqlite_error(c, "public_image_find");
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

/* ---- jobs ---- */

typedef struct {
    const store_job *job;
    const char *node;
    int64_t now, lease_until;
    const uint8_t *sealed;
    size_t sealed_len;
} job_insert_args;

static sqlite3_stmt *bind_job_insert(sqlite3 *c, const void *arg) {
    const job_insert_args *a = arg;
    sqlite3_stmt *s = prepare(c, "INSERT INTO jobs (id, journey_id, kind, status, node, attempts, "
                                 "created_at, lease_until, input) VALUES (?, ?, ?, 'running', ?, "
                                 "1, ?, ?, ?)");
    if (s) {
        sqlite3_bind_text(s, 1, a->job->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, a->job->journey_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, a->job->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, a->node, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, a->now);
        sqlite3_bind_int64(s, 6, a->lease_until);
        sqlite3_bind_blob64(s, 7, a->sealed, a->sealed_len, SQLITE_STATIC);
    }
    return s;
}

static store_status sqlite_job_insert(void *p, const store_job *job, const char *node,
                                      int64_t now_ms, int64_t lease_until_ms, const uint8_t *sealed,
                                      size_t sealed_len) {
    job_insert_args a = {job, node, now_ms, lease_until_ms, sealed, sealed_len};
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = bind_job_insert(c, &a);
    if (s) {
        if (sqlite3_step(s) == SQLITE_DONE)
            rc = STORE_OK;
        else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = STORE_NOT_FOUND;
        else
            log_sqlite_error(c, "job_insert");
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

typedef struct {
    const char *node;
    int64_t lease_until;
} job_renew_args;

static sqlite3_stmt *bind_job_renew(sqlite3 *c, const void *arg) {
    const job_renew_args *a = arg;
    sqlite3_stmt *s =
        prepare(c, "UPDATE jobs SET lease_until = ? WHERE node = ? AND status = 'running'");
    if (s) {
        sqlite3_bind_int64(s, 1, a->lease_until);
        sqlite3_bind_text(s, 2, a->node, -1, SQLITE_STATIC);
    }
    return s;
}

static store_status sqlite_job_renew(void *p, const char *node, int64_t lease_until_ms) {
    job_renew_args a = {node, lease_until_ms};
    return run_update(p, "job_renew", bind_job_renew, &a, NULL);
}

/* Inside the claim transaction: expired jobs out of attempts become failed. */
static int fail_exhausted_jobs(sqlite3 *c, int64_t now_ms, int max_attempts, size_t *failed) {
    sqlite3_stmt *s = prepare(c, "UPDATE jobs SET status = 'failed', failed_at = ?, input = NULL "
                                 "WHERE status = 'running' AND lease_until < ? AND attempts >= ?");
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, now_ms);
    sqlite3_bind_int(s, 3, max_attempts);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
    if (rc == 0)
        *failed = (size_t)sqlite3_changes(c);
    else
        log_sqlite_error(c, "job_fail");
    sqlite3_finalize(s);
    return rc;
}

/* Inside the claim transaction: the oldest expired job into *job (attempt counted). */
static store_status take_expired_job(sqlite3 *c, const char *node, int64_t now_ms,
                                     int64_t lease_until_ms, store_job *job, uint8_t **sealed,
                                     size_t *sealed_len) {
    sqlite3_stmt *s = prepare(c, "SELECT id, journey_id, kind, attempts, input FROM jobs WHERE "
                                 "status = 'running' AND lease_until < ? ORDER BY created_at "
                                 "LIMIT 1");
    if (!s) return STORE_ERROR;
    sqlite3_bind_int64(s, 1, now_ms);
    store_status rc = STORE_ERROR;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        copy_text(job->id, sizeof job->id, sqlite3_column_text(s, 0));
        copy_text(job->journey_id, sizeof job->journey_id, sqlite3_column_text(s, 1));
        copy_text(job->kind, sizeof job->kind, sqlite3_column_text(s, 2));
        job->attempts = sqlite3_column_int(s, 3) + 1;
        *sealed = copy_blob_column(s, 4, sealed_len);
        rc = *sealed ? STORE_OK : STORE_ERROR;
    } else if (step == SQLITE_DONE) {
        rc = STORE_NOT_FOUND;
    } else {
        log_sqlite_error(c, "job_claim");
    }
    sqlite3_finalize(s);
    if (rc != STORE_OK) return rc;
    sqlite3_stmt *u =
        prepare(c, "UPDATE jobs SET node = ?, attempts = ?, lease_until = ? WHERE id = ?");
    if (u) {
        sqlite3_bind_text(u, 1, node, -1, SQLITE_STATIC);
        sqlite3_bind_int(u, 2, job->attempts);
        sqlite3_bind_int64(u, 3, lease_until_ms);
        sqlite3_bind_text(u, 4, job->id, -1, SQLITE_STATIC);
    }
    if (!u || sqlite3_step(u) != SQLITE_DONE) {
        log_sqlite_error(c, "job_claim");
        rc = STORE_ERROR;
    }
    sqlite3_finalize(u);
    if (rc != STORE_OK) {
        free(*sealed);
        *sealed = NULL;
    }
    return rc;
}

static store_status sqlite_job_claim_expired(void *p, const char *node, int64_t now_ms,
                                             int64_t lease_until_ms, int max_attempts,
                                             store_job *job, uint8_t **sealed, size_t *sealed_len,
                                             size_t *failed) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    if (exec_sql(c, "BEGIN IMMEDIATE") == SQLITE_OK) {
        if (fail_exhausted_jobs(c, now_ms, max_attempts, failed) == 0)
            rc = take_expired_job(c, node, now_ms, lease_until_ms, job, sealed, sealed_len);
        if ((rc == STORE_OK || rc == STORE_NOT_FOUND) && exec_sql(c, "COMMIT") != SQLITE_OK) {
            rc = STORE_ERROR;
            free(*sealed);
            *sealed = NULL;
        }
        if (rc == STORE_ERROR) exec_sql(c, "ROLLBACK");
    }
    release(db, c);
    return rc;
}

typedef struct {
    const char *id, *node;
    int attempts;
} job_delete_args;

static sqlite3_stmt *bind_job_delete(sqlite3 *c, const void *arg) {
    const job_delete_args *a = arg;
    sqlite3_stmt *s = prepare(c, "DELETE FROM jobs WHERE id = ? AND node = ? AND attempts = ? "
                                 "AND status = 'running'");
    if (s) {
        sqlite3_bind_text(s, 1, a->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, a->node, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, a->attempts);
    }
    return s;
}

static store_status sqlite_job_delete(void *p, const char *id, const char *node, int attempts) {
    job_delete_args a = {id, node, attempts};
    int changes = 0;
    store_status rc = run_update(p, "job_delete", bind_job_delete, &a, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status sqlite_job_failures(void *p, const char *journey_id, store_job_failure **out,
                                        size_t *count) {
    sqlite_db *db = p;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    store_job_failure *arr = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s = prepare(c, "SELECT kind, attempts, created_at, failed_at FROM jobs WHERE "
                                 "journey_id = ? AND status = 'failed' ORDER BY created_at");
    if (s) {
        sqlite3_bind_text(s, 1, journey_id, -1, SQLITE_STATIC);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, sizeof *arr) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            copy_text(arr[n].kind, sizeof arr[n].kind, sqlite3_column_text(s, 0));
            arr[n].attempts = sqlite3_column_int(s, 1);
            arr[n].created_at_ms = sqlite3_column_int64(s, 2);
            arr[n].failed_at_ms = sqlite3_column_int64(s, 3);
            n++;
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, "job_failures");
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    if (rc != STORE_OK) {
        free(arr);
        return rc;
    }
    *out = arr;
    *count = n;
    return STORE_OK;
}

/* ---- H5 family: clients, rate counters, verification links ---- */

/* Binds values by a format: 't' text, 'i' int64, 'b' blob (pointer, size_t length). */
static void bind_values(sqlite3_stmt *s, const char *fmt, va_list ap) {
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't') {
            sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        } else if (fmt[i] == 'i') {
            sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
        } else {
            const void *data = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            sqlite3_bind_blob(s, i + 1, data, (int)len, SQLITE_TRANSIENT);
        }
    }
}

/* One statement with values bound by fmt; *changes (may be NULL) = rows touched. */
static store_status exec_bound(sqlite_db *db, const char *op, const char *sql, int *changes,
                               const char *fmt, ...) {
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, sql);
    if (s) {
        va_list ap;
        va_start(ap, fmt);
        bind_values(s, fmt, ap);
        va_end(ap);
        int step = sqlite3_step(s);
        if (step == SQLITE_DONE || step == SQLITE_ROW) {
            rc = STORE_OK;
            if (changes) *changes = sqlite3_changes(c);
        } else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_PRIMARYKEY ||
                   sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_UNIQUE) {
            rc = STORE_CONFLICT;
        } else {
            log_sqlite_error(c, op);
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

/* A statement bound by fmt whose first row's first column is an integer (a SELECT, or a
 * write with RETURNING): NOT_FOUND when it gives no row, CONFLICT on a unique key. */
static store_status select_int(sqlite_db *db, const char *op, const char *sql, int64_t *out,
                               const char *fmt, ...) {
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    sqlite3_stmt *s = prepare(c, sql);
    if (s) {
        va_list ap;
        va_start(ap, fmt);
        bind_values(s, fmt, ap);
        va_end(ap);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            rc = STORE_NOT_FOUND;
        } else if (sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_PRIMARYKEY ||
                   sqlite3_extended_errcode(c) == SQLITE_CONSTRAINT_UNIQUE) {
            rc = STORE_CONFLICT;
        } else {
            log_sqlite_error(c, op);
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    return rc;
}

#define CLIENT_COLUMNS                                                                             \
    "client_id, account_id, name, secret_digest, disabled, created_at, rotated_at"

static void read_client(sqlite3_stmt *s, store_client *c) {
    memset(c, 0, sizeof *c);
    copy_text(c->client_id, sizeof c->client_id, sqlite3_column_text(s, 0));
    c->account_id = sqlite3_column_int64(s, 1);
    copy_text(c->name, sizeof c->name, sqlite3_column_text(s, 2));
    copy_text(c->secret_digest, sizeof c->secret_digest, sqlite3_column_text(s, 3));
    c->disabled = sqlite3_column_int(s, 4) != 0;
    c->created_at_ms = sqlite3_column_int64(s, 5);
    c->rotated_at_ms = sqlite3_column_int64(s, 6);
}

static store_status sqlite_client_add(void *p, const store_client *c) {
    return exec_bound(p, "client_add",
                      "INSERT INTO api_clients (" CLIENT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                      NULL, "tittiii", c->client_id, c->account_id, c->name, c->secret_digest,
                      (int64_t)c->disabled, c->created_at_ms, c->rotated_at_ms);
}

/* Runs a SELECT bound by fmt and hands each row to read (size bytes per row) into a malloc'd
 * array. */
static store_status select_rows(sqlite_db *db, const char *op, const char *sql,
                                void (*read)(sqlite3_stmt *, void *), size_t size, void **out,
                                size_t *count, const char *fmt, ...) {
    *out = NULL;
    *count = 0;
    sqlite3 *c = acquire(db);
    store_status rc = STORE_ERROR;
    unsigned char *arr = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *s = prepare(c, sql);
    if (s) {
        va_list ap;
        va_start(ap, fmt);
        bind_values(s, fmt, ap);
        va_end(ap);
        int step;
        rc = STORE_OK;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            void *grown = n == cap ? grow_rows(arr, &cap, size) : arr;
            if (!grown) {
                rc = STORE_ERROR;
                break;
            }
            arr = grown;
            read(s, arr + n * size);
            n++;
        }
        if (rc == STORE_OK && step != SQLITE_DONE) {
            log_sqlite_error(c, op);
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    release(db, c);
    *out = arr;
    *count = n;
    return rc;
}

static void read_client_row(sqlite3_stmt *s, void *row) {
    read_client(s, row);
}

static store_status sqlite_client_get(void *p, const char *client_id, store_client *out) {
    store_client *rows = NULL;
    size_t n = 0;
    store_status rc = select_rows(
        p, "client_get", "SELECT " CLIENT_COLUMNS " FROM api_clients WHERE client_id = ?",
        read_client_row, sizeof *rows, (void **)&rows, &n, "t", client_id);
    if (rc == STORE_OK && n == 0) rc = STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = rows[0];
    free(rows);
    return rc;
}

static store_status sqlite_client_list(void *p, int64_t account_id, store_client **out,
                                       size_t *count) {
    return select_rows(p, "client_list",
                       "SELECT " CLIENT_COLUMNS " FROM api_clients WHERE ? = 0 OR account_id = ? "
                       "ORDER BY created_at, client_id",
                       read_client_row, sizeof **out, (void **)out, count, "ii", account_id,
                       account_id);
}

static store_status changed_one(store_status rc, int changes) {
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status sqlite_client_set_disabled(void *p, const char *client_id, bool disabled) {
    int changes = 0;
    store_status rc = exec_bound(p, "client_set_disabled",
                                 "UPDATE api_clients SET disabled = ? WHERE client_id = ?",
                                 &changes, "it", (int64_t)disabled, client_id);
    return changed_one(rc, changes);
}

static store_status sqlite_client_set_secret(void *p, const char *client_id, const char *digest,
                                             int64_t now_ms) {
    int changes = 0;
    store_status rc = exec_bound(p, "client_set_secret",
                                 "UPDATE api_clients SET secret_digest = ?, rotated_at = ? "
                                 "WHERE client_id = ?",
                                 &changes, "tit", digest, now_ms, client_id);
    return changed_one(rc, changes);
}

static store_status sqlite_rate_hit(void *p, const char *key, int64_t window_at_ms,
                                    int64_t keep_after_ms, int64_t *hits) {
    sqlite_db *db = p;
    *hits = 0;
    if (randombytes_uniform(100) == 0 && /* now and then: old windows */
        exec_bound(db, "rate_sweep", "DELETE FROM rate_counters WHERE window_at < ?", NULL, "i",
                   keep_after_ms) != STORE_OK)
        return STORE_ERROR;
    return select_int(db, "rate_hit",
                      "INSERT INTO rate_counters (key, window_at, hits) VALUES (?, ?, 1) "
                      "ON CONFLICT (key, window_at) DO UPDATE SET hits = hits + 1 RETURNING hits",
                      hits, "ti", key, window_at_ms);
}

#define LINK_COLUMNS                                                                               \
    "id, token, account_id, client_id, journey_id, created_at, updated_at, expire_at, pruned_at, " \
    "version, record, family"

static void read_link_row(sqlite3_stmt *s, void *row) {
    store_verification *v = row;
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(s, 0);
    copy_text(v->token, sizeof v->token, sqlite3_column_text(s, 1));
    v->account_id = sqlite3_column_int64(s, 2);
    copy_text(v->client_id, sizeof v->client_id, sqlite3_column_text(s, 3));
    copy_text(v->journey_id, sizeof v->journey_id, sqlite3_column_text(s, 4));
    v->created_at_ms = sqlite3_column_int64(s, 5);
    v->updated_at_ms = sqlite3_column_int64(s, 6);
    v->expire_at_ms = sqlite3_column_int64(s, 7);
    v->pruned_at_ms = sqlite3_column_int64(s, 8);
    v->version = sqlite3_column_int64(s, 9);
    v->record = (char *)copy_blob_column(s, 10, &v->record_len); /* NULL: opening fails */
    copy_text(v->family, sizeof v->family, sqlite3_column_text(s, 11));
}

static store_status sqlite_verification_add(void *p, store_verification *v) {
    return select_int(p, "verification_add",
                      "INSERT INTO verifications (token, account_id, client_id, journey_id, "
                      "created_at, updated_at, expire_at, record, family) VALUES (?, ?, ?, ?, ?, "
                      "?, ?, ?, ?) RETURNING id",
                      &v->id, "tittiiibt", v->token, v->account_id, v->client_id, v->journey_id,
                      v->created_at_ms, v->created_at_ms, v->expire_at_ms, v->record, v->record_len,
                      v->family);
}

static store_status sqlite_verification_get(void *p, const char *token, store_verification *out) {
    store_verification *rows = NULL;
    size_t n = 0;
    store_status rc = select_rows(p, "verification_get",
                                  "SELECT " LINK_COLUMNS " FROM verifications WHERE token = ?",
                                  read_link_row, sizeof *rows, (void **)&rows, &n, "t", token);
    if (rc == STORE_OK && n == 0) rc = STORE_NOT_FOUND;
    if (rc == STORE_OK) {
        *out = rows[0];
        rows[0].record = NULL;
    }
    for (size_t i = 0; i < n; i++) free(rows[i].record);
    free(rows);
    return rc;
}

static void read_account_row(sqlite3_stmt *s, void *row) {
    read_account(s, row);
}

static store_status sqlite_account_get_by_company(void *p, const char *company_id,
                                                  store_account *out) {
    store_account *rows = NULL;
    size_t n = 0;
    store_status rc =
        select_rows(p, "account_get_by_company",
                    "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE company_id = ?",
                    read_account_row, sizeof *rows, (void **)&rows, &n, "t", company_id);
    if (rc == STORE_OK && n == 0) rc = STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = rows[0];
    free(rows);
    return rc;
}

static store_status sqlite_user_put(void *p, int64_t account_id, const char *digest,
                                    const uint8_t *sealed, size_t len, int64_t now_ms) {
    return exec_bound(p, "user_put",
                      "INSERT INTO v3_users (account_id, user_digest, created_at, updated_at, "
                      "record) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, user_digest) DO "
                      "UPDATE SET record = excluded.record, updated_at = excluded.updated_at",
                      NULL, "itiib", account_id, digest, now_ms, now_ms, sealed, len);
}

static void read_user_row(sqlite3_stmt *s, void *row) {
    store_user *u = row;
    memset(u, 0, sizeof *u);
    u->account_id = sqlite3_column_int64(s, 0);
    u->created_at_ms = sqlite3_column_int64(s, 1);
    u->updated_at_ms = sqlite3_column_int64(s, 2);
    u->record = (char *)copy_blob_column(s, 3, &u->record_len);
}

static store_status sqlite_user_get(void *p, int64_t account_id, const char *digest,
                                    store_user *out) {
    store_user *rows = NULL;
    size_t n = 0;
    store_status rc =
        select_rows(p, "user_get",
                    "SELECT account_id, created_at, updated_at, record FROM v3_users "
                    "WHERE account_id = ? AND user_digest = ?",
                    read_user_row, sizeof *rows, (void **)&rows, &n, "it", account_id, digest);
    if (rc == STORE_OK && n == 0) rc = STORE_NOT_FOUND;
    if (rc == STORE_OK && !rows[0].record) rc = STORE_ERROR;
    if (rc == STORE_OK) {
        *out = rows[0];
        rows[0].record = NULL;
    }
    for (size_t i = 0; i < n; i++) free(rows[i].record);
    free(rows);
    return rc;
}

static store_status sqlite_user_delete(void *p, int64_t account_id, const char *digest) {
    int changes = 0;
    store_status rc = exec_bound(p, "user_delete",
                                 "DELETE FROM v3_users WHERE account_id = ? AND user_digest = ?",
                                 &changes, "it", account_id, digest);
    return rc == STORE_OK && changes == 0 ? STORE_NOT_FOUND : rc;
}

static store_status sqlite_verification_update(void *p, const store_verification *v,
                                               int64_t now_ms) {
    int changes = 0;
    store_status rc =
        exec_bound(p, "verification_update",
                   "UPDATE verifications SET record = ?, version = version + 1, "
                   "updated_at = ? WHERE token = ? AND version = ?",
                   &changes, "biti", v->record, v->record_len, now_ms, v->token, v->version);
    return rc == STORE_OK && changes == 0 ? STORE_CONFLICT : rc;
}

static store_status sqlite_verification_list(void *p, int64_t account_id, int64_t from_ms,
                                             int64_t to_ms, store_verification **out,
                                             size_t *count) {
    return select_rows(p, "verification_list",
                       "SELECT " LINK_COLUMNS " FROM verifications WHERE account_id = ? AND "
                       "created_at >= ? AND created_at < ? ORDER BY created_at, id",
                       read_link_row, sizeof **out, (void **)out, count, "iii", account_id, from_ms,
                       to_ms);
}

static store_status sqlite_verification_prune(void *p, const char *journey_id, int64_t now_ms) {
    if (journey_id)
        return exec_bound(p, "verification_prune",
                          "UPDATE verifications SET pruned_at = ? WHERE journey_id = ? AND "
                          "pruned_at = 0",
                          NULL, "it", now_ms, journey_id);
    return exec_bound(
        p, "verification_prune",
        "UPDATE verifications SET pruned_at = ? WHERE pruned_at = 0 AND journey_id IN "
        "(SELECT id FROM journeys WHERE purge_at <= ?)",
        NULL, "ii", now_ms, now_ms);
}

static const backend_ops sqlite_ops = {
    .close = sqlite_close,
    .ping = sqlite_ping,
    .account_add = sqlite_account_add,
    .account_get_by_company = sqlite_account_get_by_company,
    .user_put = sqlite_user_put,
    .user_get = sqlite_user_get,
    .user_delete = sqlite_user_delete,
    .account_get = sqlite_account_get,
    .account_list = sqlite_account_list,
    .account_set_disabled = sqlite_account_set_disabled,
    .account_set_allow_delete = sqlite_account_set_allow_delete,
    .account_details_key_get = sqlite_details_key_get,
    .account_details_key_set = sqlite_details_key_set,
    .journey_create = sqlite_journey_create,
    .journey_get = sqlite_journey_get,
    .journey_delete = sqlite_journey_delete,
    .journey_complete = sqlite_journey_complete,
    .purge_expired = sqlite_purge_expired,
    .journey_count = sqlite_journey_count,
    .result_add = sqlite_result_add,
    .result_list = sqlite_result_list,
    .blob_put = sqlite_blob_put,
    .blob_get = sqlite_blob_get,
    .blacklist_add = sqlite_blacklist_add,
    .blacklist_list = sqlite_blacklist_list,
    .blacklist_delete = sqlite_blacklist_delete,
    .blacklist_version = sqlite_blacklist_version,
    .blacklist_template = sqlite_blacklist_template,
    .account_charge_call = sqlite_account_charge_call,
    .scorecard_set = sqlite_scorecard_set,
    .scorecard_get = sqlite_scorecard_get,
    .audit_add = sqlite_audit_add,
    .audit_list = sqlite_audit_list,
    .capture_nonce_add = sqlite_capture_nonce_add,
    .capture_nonce_redeem = sqlite_capture_nonce_redeem,
    .job_insert = sqlite_job_insert,
    .job_renew = sqlite_job_renew,
    .job_claim_expired = sqlite_job_claim_expired,
    .job_delete = sqlite_job_delete,
    .job_failures = sqlite_job_failures,
    .public_image_add = sqlite_public_image_add,
    .public_image_find = sqlite_public_image_find,
    .client_add = sqlite_client_add,
    .client_get = sqlite_client_get,
    .client_list = sqlite_client_list,
    .client_set_disabled = sqlite_client_set_disabled,
    .client_set_secret = sqlite_client_set_secret,
    .rate_hit = sqlite_rate_hit,
    .verification_add = sqlite_verification_add,
    .verification_get = sqlite_verification_get,
    .verification_update = sqlite_verification_update,
    .verification_list = sqlite_verification_list,
    .verification_prune = sqlite_verification_prune,
};

static int make_dirs_for(const char *path) {
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return -1;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = '\0';
    for (char *q = dir + 1; *q; q++) {
        if (*q != '/') continue;
        *q = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
        *q = '/';
    }
    return (mkdir(dir, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

store_status sqlite_backend_open(const char *path, void **out, const backend_ops **ops, char *err,
                                 size_t errlen) {
    if (!*path) {
        snprintf(err, errlen, "empty SQLite path");
        return STORE_ERROR;
    }
    if (make_dirs_for(path) != 0) {
        snprintf(err, errlen, "cannot create directory for %s: %s", path, strerror(errno));
        return STORE_ERROR;
    }
    sqlite_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->available, NULL);
    for (int i = 0; i < POOL_SIZE; i++) {
        if (open_connection(path, &db->conns[i], err, errlen) != 0) {
            sqlite_close(db);
            return STORE_ERROR;
        }
        if (i == 0 && apply_migrations(db->conns[0], err, errlen) != 0) {
            sqlite_close(db);
            return STORE_ERROR;
        }
    }
    *out = db;
    *ops = &sqlite_ops;
    return STORE_OK;
}
