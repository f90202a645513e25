/* API-test helpers: run the real `ekycd` binary (EKYCD_BIN, default build/asan/ekycd) as a CLI
 * or as a server on a free loopback port, and make HTTP calls to it with libcurl. */
#ifndef EKYCD_APIUTIL_H
#define EKYCD_APIUTIL_H

#include <curl/curl.h>
#include <stdarg.h>
#include <jansson.h>
#include <sqlite3.h>
#include <time.h>

#include "testutil.h"
#include "util/b64.h"

static inline const char *api_bin(void) {
    const char *b = getenv("EKYCD_BIN");
    return b && *b ? b : "build/asan/ekycd";
}

/* Runs `ekycd ARGS...` (NULL-terminated), output to log_path; returns the exit status. */
static inline int api_run_cli(const char *log_path, const char *const *args) {
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log_path, "a", stdout);
        if (f) dup2(fileno(stdout), 2);
        const char *argv[32];
        int n = 0;
        argv[n++] = api_bin();
        for (int i = 0; args[i] && n < 31; i++) argv[n++] = args[i];
        argv[n] = NULL;
        execv(api_bin(), (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs `ekycd account add --data dir --username user --password password EXTRA...` (the extra
 * arguments end with NULL), output to dir/cli.log; returns the exit status. */
static inline int api_add_account(const char *dir, const char *user, const char *password, ...) {
    const char *args[32] = {"account",    "add", "--data",     dir,
                            "--username", user,  "--password", password};
    int n = 8;
    va_list ap;
    va_start(ap, password);
    for (const char *a; n < 31 && (a = va_arg(ap, const char *));) args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    char log[700];
    snprintf(log, sizeof log, "%s/cli.log", dir);
    return api_run_cli(log, args);
}

typedef struct {
    pid_t pid;
    int port;
    char dir[512];
    char log[600];
    char ready[600];
} api_server;

/* Starts `ekycd serve` on 127.0.0.1:0 with data in dir; extra_env "NAME=VALUE" or NULL. */
static inline int api_server_start(api_server *s, const char *dir, const char *config_path,
                                   const char *extra_env) {
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->log, sizeof s->log, "%s/server.log", dir);
    snprintf(s->ready, sizeof s->ready, "%s/ready", dir);
    unlink(s->ready);
    s->pid = fork();
    if (s->pid == 0) {
        FILE *f = freopen(s->log, "a", stderr);
        (void)f;
        if (extra_env) putenv((char *)extra_env);
        const char *argv[] = {api_bin(),
                              "serve",
                              "--data",
                              dir,
                              "--listen",
                              "127.0.0.1:0",
                              "--ready-file",
                              s->ready,
                              config_path ? "--config" : NULL,
                              config_path,
                              NULL};
        execv(api_bin(), (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 600; i++) { /* up to 30 s under sanitizers */
        size_t n = 0;
        unsigned char *txt = tu_read_file(s->ready, &n);
        if (txt) {
            s->port = atoi((char *)txt);
            free(txt);
            if (s->port > 0) return 0;
        }
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) return -1;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Sends SIGTERM and returns the exit status (0 = clean, no leak reports). */
static inline int api_server_stop(api_server *s) {
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

typedef struct {
    long status;
    char *body;
    size_t len;
    char request_id[64];
    char allow[64];
    char content_type[128];
    char retry_after[32];
    char session_id[64]; /* X-Session-Id (the v3 family) */
    CURLcode err;
    curl_off_t uploaded;
    json_t *json; /* parsed body when it is JSON */
} api_resp;

static inline void api_resp_free(api_resp *r) {
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static inline size_t api_write_cb(char *p, size_t size, size_t n, void *ud) {
    api_resp *r = ud;
    size_t add = size * n;
    char *grown = realloc(r->body, r->len + add + 1);
    if (!grown) return 0;
    r->body = grown;
    memcpy(r->body + r->len, p, add);
    r->len += add;
    r->body[r->len] = 0;
    return add;
}

static inline size_t api_header_cb(char *p, size_t size, size_t n, void *ud) {
    api_resp *r = ud;
    size_t len = size * n;
    char line[256];
    size_t c = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, c);
    line[c] = 0;
    line[strcspn(line, "\r\n")] = 0;
    if (strncasecmp(line, "X-Request-Id: ", 14) == 0)
        snprintf(r->request_id, sizeof r->request_id, "%.63s", line + 14);
    if (strncasecmp(line, "Allow: ", 7) == 0)
        snprintf(r->allow, sizeof r->allow, "%.63s", line + 7);
    if (strncasecmp(line, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.31s", line + 13);
    if (strncasecmp(line, "X-Session-Id: ", 14) == 0)
        snprintf(r->session_id, sizeof r->session_id, "%.63s", line + 14);
    if (strncasecmp(line, "Content-Type: ", 14) == 0)
        snprintf(r->content_type, sizeof r->content_type, "%.127s", line + 14);
    return len;
}

typedef struct {
    const char *method;
    const char *path;
    const char *content_type; /* NULL: none */
    const void *body;
    size_t body_len;
    const char *userpwd;        /* "user:password" for Basic auth, or NULL */
    const char *raw_auth;       /* a literal Authorization header value, or NULL */
    const char *const *headers; /* more "Name: value" lines, NULL-terminated, or NULL */
    /* streaming upload (big bodies): read_cb with declared length, or -1 for chunked */
    size_t (*read_cb)(char *, size_t, size_t, void *);
    void *read_ud;
    long long stream_len;
} api_req;

static inline api_resp api_call(int port, const api_req *q) {
    api_resp r;
    memset(&r, 0, sizeof r);
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, q->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, api_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *h = NULL;
    char hdr[512];
    if (q->content_type) {
        snprintf(hdr, sizeof hdr, "Content-Type: %s", q->content_type);
        h = curl_slist_append(h, hdr);
    } else {
        h = curl_slist_append(h, "Content-Type:");
    }
    if (q->raw_auth) {
        snprintf(hdr, sizeof hdr, "Authorization: %s", q->raw_auth);
        h = curl_slist_append(h, hdr);
    }
    for (int i = 0; q->headers && q->headers[i]; i++) h = curl_slist_append(h, q->headers[i]);
    if (q->userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, q->userpwd);
    }
    if (q->read_cb) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, q->read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, q->read_ud);
        if (q->stream_len >= 0)
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->stream_len);
        else
            h = curl_slist_append(h, "Transfer-Encoding: chunked");
    } else if (q->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    r.err = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &r.uploaded);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r.body) r.json = json_loadb(r.body, r.len, 0, NULL);
    return r;
}

static inline api_resp api_post_json(int port, const char *path, const char *json) {
    api_req q = {.method = "POST",
                 .path = path,
                 .content_type = "application/json",
                 .body = json,
                 .body_len = strlen(json)};
    return api_call(port, &q);
}

static inline api_resp api_get(int port, const char *path, const char *userpwd) {
    api_req q = {.method = "GET", .path = path, .userpwd = userpwd};
    return api_call(port, &q);
}

/* A multipart/form-data part: a file from a path, bytes from memory, or a text value. */
typedef struct {
    const char *name;
    const char *file;  /* file part from this path */
    const char *value; /* or a text part */
    const void *data;  /* or a file part from memory */
    size_t data_len;
} api_part;

/* POSTs a multipart form (with a livenessMeta header, as the vendor's SDK sends). */
static inline api_resp api_post_form(int port, const char *path, const api_part *parts, int n,
                                     const char *userpwd) {
    api_resp r;
    memset(&r, 0, sizeof r);
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_mime *mime = curl_mime_init(c);
    for (int i = 0; i < n; i++) {
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, parts[i].name);
        if (parts[i].file) {
            curl_mime_filedata(p, parts[i].file);
        } else if (parts[i].data) {
            curl_mime_data(p, parts[i].data, parts[i].data_len);
            curl_mime_filename(p, "upload.bin");
        } else {
            curl_mime_data(p, parts[i].value, CURL_ZERO_TERMINATED);
        }
    }
    struct curl_slist *h = curl_slist_append(NULL, "livenessMeta: {\"OS\":\"DESKTOP\"}");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    }
    r.err = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    if (r.body) r.json = json_loadb(r.body, r.len, 0, NULL);
    return r;
}

/* End of an API test group: stops the server, removes its data directory, frees curl. */
static inline int api_group_end(api_server *srv, char *dir) {
    if (srv->pid > 0) api_server_stop(srv);
    tu_rmtree(dir);
    free(dir);
    curl_global_cleanup();
    return 0;
}

/* A file's bytes in base64 (malloc'd), or NULL when it cannot be read. */
static inline char *api_file_base64(const char *path) {
    size_t n = 0;
    unsigned char *raw = tu_read_file(path, &n);
    if (!raw) return NULL;
    char *b64 = b64_encode(raw, n);
    free(raw);
    return b64;
}

/* Creates a journey for user/password; out gets its id ("" when the call failed). */
static inline void api_new_journey(int port, const char *user, const char *password, char out[64]) {
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    api_resp r = api_post_json(port, "/api/ekyc/journeyid", body);
    const char *id = json_string_value(json_object_get(r.json, "journeyId"));
    snprintf(out, 64, "%s", id ? id : "");
    api_resp_free(&r);
}

static inline const char *api_str(const api_resp *r, const char *key) {
    return json_string_value(json_object_get(r->json, key));
}

/* The tests' store: PostgreSQL when EKYCD_STORE names one (tests/run.sh --pg), else the SQLite
 * file in the server's data directory. */
static inline const char *api_pg_url(void) {
    const char *s = getenv("EKYCD_STORE");
    return s && !strncmp(s, "postgres", 8) ? s : NULL;
}

/* The first column of the first row of a query on the tests' store, or -1. */
static inline long long api_store_count(const char *dir, const char *sql) {
    long long v = -1;
    const char *pg = api_pg_url();
    if (pg) { /* psql, arguments passed without a shell */
        int fds[2];
        if (pipe(fds) != 0) return -1;
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            close(fds[0]);
            execlp("psql", "psql", pg, "-tAXq", "-c", sql, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        char buf[64] = "";
        ssize_t n = read(fds[0], buf, sizeof buf - 1);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) v = atoll(buf);
        return v;
    }
    char path[700];
    snprintf(path, sizeof path, "%s/ekycd.db", dir);
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_open(path, &h) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* The account's 16-character details key, read from `ekycd account show --data dir` (0, or -1). */
static inline int api_details_key(const char *dir, const char *user, char out[17]) {
    char log[700];
    snprintf(log, sizeof log, "%s/show-%s.log", dir, user);
    unlink(log);
    const char *args[] = {"account", "show", "--data", dir, "--username", user, NULL};
    if (api_run_cli(log, args) != 0) return -1;
    size_t n = 0;
    char *text = (char *)tu_read_file(log, &n);
    char *k = text ? strstr(text, "\"detailsKey\":\"") : NULL;
    if (k) {
        memcpy(out, k + 14, 16);
        out[16] = 0;
    }
    free(text);
    return k ? 0 : -1;
}

/* Decrypts a details `result` (the vendor's AES-128-CBC, key = IV = the 16 key characters) with
 * the openssl command-line tool, working files in dir; the document, or NULL. */
static inline json_t *api_openssl_details(const char *dir, const char *cipher, const char key[17]) {
    char hex[33], in[700], out[700], cmd[2400];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)key[i]);
    snprintf(in, sizeof in, "%s/details.b64", dir);
    snprintf(out, sizeof out, "%s/details.json", dir);
    unlink(out);
    if (!cipher || tu_write_file(in, cipher, strlen(cipher)) != 0) return NULL;
    snprintf(cmd, sizeof cmd, "openssl enc -d -aes-128-cbc -K %s -iv %s -a -A -in %s -out %s", hex,
             hex, in, out);
    if (system(cmd) != 0) return NULL;
    return json_load_file(out, 0, NULL);
}

#endif
