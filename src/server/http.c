#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "server/metrics.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

struct http_server {
    struct MHD_Daemon *daemon;
    app *app;
    const route *routes;
    size_t route_count;
};

/* Per-request state, from the first header callback to the completion callback. */
typedef struct {
    double started;
    char request_id[17];
    size_t route_index; /* == route_count when unmatched */
    char param[256];
    unsigned char *body;
    size_t body_len, body_cap;
    int responded; /* a response has been queued */
    int status;
    size_t bytes_out;
    char method[16];
} request_state;

static void mhd_logger(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    log_msg(LOG_WARN, "http_daemon", msg);
}

static enum MHD_Result send_response(struct MHD_Connection *c, request_state *st,
                                     http_response *res) {
    if (res->status == 0) respond_internal_error(res);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        response_clear(res);
        return MHD_NO;
    }
    res->body = NULL; /* now owned by MHD */
    if (res->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    MHD_add_response_header(r, "X-Request-Id", st->request_id);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (int i = 0; i < res->header_count; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)res->status, r);
    MHD_destroy_response(r);
    st->responded = 1;
    st->status = res->status;
    st->bytes_out = res->body_len;
    return ok;
}

static enum MHD_Result reject(struct MHD_Connection *c, request_state *st, int status,
                              const char *code, const char *allow) {
    http_response res = {0};
    if (status == 413)
        respond_status_error(&res, 413, "Request size exceed 5MB.");
    else
        respond_status_error(&res, status, code);
    if (allow) respond_add_header(&res, "Allow", allow);
    return send_response(c, st, &res);
}

/* Content-Length, or -1 when absent (chunked), or -2 when unparsable. */
static long long declared_length(struct MHD_Connection *c) {
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl) return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(cl, &end, 10);
    if (errno || end == cl || *end != '\0' || v < 0) return -2;
    return v;
}

static enum MHD_Result start_request(http_server *s, struct MHD_Connection *c, const char *url,
                                     const char *method, request_state *st) {
    char allow[64];
    route_result rr = router_match(s->routes, s->route_count, method, url, &st->route_index,
                                   st->param, sizeof st->param, allow, sizeof allow);
    if (rr == ROUTE_NOT_FOUND) {
        st->route_index = s->route_count;
        return reject(c, st, 404, "NOT_FOUND", NULL);
    }
    if (rr == ROUTE_WRONG_METHOD) {
        st->route_index = s->route_count;
        return reject(c, st, 405, "METHOD_NOT_ALLOWED", allow);
    }
    long long declared = declared_length(c);
    if (declared == -2) return reject(c, st, 400, "INVALID_CONTENT_LENGTH", NULL);
    if (declared > (long long)s->app->cfg.max_body_bytes) return reject(c, st, 413, NULL, NULL);
    if (declared > 0) {
        st->body_cap = (size_t)declared + 1;
        st->body = malloc(st->body_cap);
        if (!st->body) return reject(c, st, 503, "SERVER_BUSY", NULL);
    }
    return MHD_YES;
}

static int append_body(request_state *st, const char *data, size_t n, size_t max) {
    if (st->body_len + n > max) return -1;
    if (st->body_len + n + 1 > st->body_cap) {
        size_t ncap = st->body_cap ? st->body_cap : 16384;
        while (ncap < st->body_len + n + 1) ncap *= 2;
        if (ncap > max + 1) ncap = max + 1;
        unsigned char *grown = realloc(st->body, ncap);
        if (!grown) return -2;
        st->body = grown;
        st->body_cap = ncap;
    }
    memcpy(st->body + st->body_len, data, n);
    st->body_len += n;
    return 0;
}

/* The client's address as text ("" when unknown). */
static void client_address(struct MHD_Connection *c, char *out, size_t len) {
    out[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)len);
}

/* One audit-log row for a request that named an account or a journey. A failure to write it is
 * logged, not answered: the client's request already happened. */
static void record_audit(http_server *s, const http_request *req, const http_response *res,
                         const request_state *st) {
    store_audit_entry e = {.at_ms = time_now_ms(),
                           .account_id = req->audit.account_id,
                           .status = res->status ? res->status : 500};
    snprintf(e.journey_id, sizeof e.journey_id, "%s", req->audit.journey_id);
    snprintf(e.action, sizeof e.action, "%s %s", st->method, s->routes[st->route_index].pattern);
    if (res->code[0])
        snprintf(e.outcome, sizeof e.outcome, "%s", res->code);
    else if (e.status >= 400)
        snprintf(e.outcome, sizeof e.outcome, "HTTP %d", e.status);
    else
        snprintf(e.outcome, sizeof e.outcome, "success");
    client_address(req->conn, e.client_ip, sizeof e.client_ip);
    snprintf(e.request_id, sizeof e.request_id, "%s", req->request_id);
    if (store_audit_add(s->app->store, &e) != STORE_OK)
        log_msg(LOG_ERROR, "audit", "cannot write the audit log");
}

static enum MHD_Result dispatch(http_server *s, struct MHD_Connection *c, const char *url,
                                const char *method, request_state *st) {
    static const unsigned char empty[1] = {0};
    if (st->body) st->body[st->body_len] = '\0';
    http_request req = {
        .method = method,
        .path = url,
        .body = st->body ? st->body : empty,
        .body_len = st->body_len,
        .route_param = st->param[0] ? st->param : NULL,
        .app = s->app,
        .conn = c,
    };
    memcpy(req.request_id, st->request_id, sizeof req.request_id);
    http_response res = {0};
    s->routes[st->route_index].handler(&req, &res);
    if (req.audit.account_id || req.audit.journey_id[0]) record_audit(s, &req, &res, st);
    return send_response(c, st, &res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    http_server *s = cls;
    request_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        *con_cls = st;
        st->started = time_monotonic_s();
        random_hex(st->request_id, 8);
        snprintf(st->method, sizeof st->method, "%s", method);
        metrics_request_started(s->app->metrics);
        return start_request(s, c, url, method, st);
    }
    if (st->responded) { /* early rejection: drop whatever else arrives */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        int rc = append_body(st, upload_data, *upload_data_size, s->app->cfg.max_body_bytes);
        if (rc != 0) {
            /* A chunked body outgrew the cap (or memory ran out). libmicrohttpd 0.9.x accepts a
             * response only before or after the body, so the connection is closed here without
             * reading the rest; a body with Content-Length gets a proper 413 up front. */
            st->status = rc == -1 ? 413 : 503;
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(s, c, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)c;
    http_server *s = cls;
    request_state *st = *con_cls;
    if (!st) return;
    double elapsed = time_monotonic_s() - st->started;
    const char *route_label =
        st->route_index < s->route_count ? s->routes[st->route_index].pattern : "unmatched";
    metrics_request_finished(s->app->metrics, st->route_index, st->status, elapsed);
    /* Route patterns, never raw paths: a path can carry a journey id (a bearer capability). */
    log_event(LOG_INFO, "http",
              json_pack("{s:s,s:s,s:s,s:i,s:f,s:I,s:I,s:b}", "rid", st->request_id, "method",
                        st->method, "route", route_label, "status", st->status, "ms",
                        elapsed * 1000.0, "bytes_in", (json_int_t)st->body_len, "bytes_out",
                        (json_int_t)st->bytes_out, "completed",
                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    free(st->body);
    free(st);
    *con_cls = NULL;
}

static int resolve_listen(const char *host, int port, struct sockaddr_storage *addr, char *err,
                          size_t errlen) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "cannot resolve listen host '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

http_server *http_server_start(app *a, const route *routes, size_t route_count, int *bound_port,
                               char *err, size_t errlen) {
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (resolve_listen(a->cfg.listen_host, a->cfg.listen_port, &addr, err, errlen) != 0)
        return NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->app = a;
    s->routes = routes;
    s->route_count = route_count;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
                                 (unsigned)a->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)a->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
                                 (unsigned)a->cfg.max_connections, MHD_OPTION_NOTIFY_COMPLETED,
                                 on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
                                 MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%d (address in use or not permitted)",
                 a->cfg.listen_host, a->cfg.listen_port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? (int)info->port : a->cfg.listen_port;
    return s;
}

void http_server_stop(http_server *s) {
    if (!s) return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
