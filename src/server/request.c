#include "server/request.h"

#include "util/ids.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *request_header(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *request_query(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

void request_media_type(const http_request *req, char *out, size_t len) {
    const char *ct = request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = 0;
    if (ct) {
        while (*ct == ' ' || *ct == '\t') ct++;
        for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < len; n++)
            out[n] = (char)tolower((unsigned char)ct[n]);
    }
    out[n] = '\0';
}

void response_clear(http_response *res) {
    free(res->body);
    res->body = NULL;
    res->body_len = 0;
}

static void set_body(http_response *res, int status, const char *ctype, char *body, size_t len) {
    response_clear(res);
    res->status = status;
    res->content_type = ctype;
    res->body = body;
    res->body_len = len;
}

void respond_json(http_response *res, int status, json_t *body) {
    char *text =
        body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(body);
    if (!text) {
        respond_internal_error(res);
        return;
    }
    set_body(res, status, "application/json", text, strlen(text));
}

void request_audit(http_request *req, int64_t account_id, const char *journey_id) {
    if (account_id) req->audit.account_id = account_id;
    if (journey_id && uuid_is_valid(journey_id))
        snprintf(req->audit.journey_id, sizeof req->audit.journey_id, "%s", journey_id);
}

static void note_code(http_response *res, const char *code) {
    snprintf(res->code, sizeof res->code, "%s", code);
}

void respond_error_with(http_response *res, const char *code, json_t *extra) {
    note_code(res, code);
    json_t *body = json_pack("{s:s,s:s}", "status", "error", "message", code);
    if (body && json_is_object(extra)) json_object_update(body, extra);
    json_decref(extra);
    respond_json(res, 200, body);
}

void respond_error(http_response *res, const char *code) {
    respond_error_with(res, code, NULL);
}

void respond_status_error(http_response *res, int status, const char *code) {
    note_code(res, code);
    respond_json(res, status, json_pack("{s:s,s:s}", "status", "error", "message", code));
}

void respond_bad_request(http_response *res, const char *code) {
    respond_status_error(res, 400, code);
}

void respond_internal_error(http_response *res) {
    note_code(res, "Internal Server Error");
    static const char body[] = "{\"status\":\"Internal Server Error\"}";
    char *copy = malloc(sizeof body);
    if (copy) memcpy(copy, body, sizeof body);
    set_body(res, 500, "application/json", copy, copy ? sizeof body - 1 : 0);
}

void respond_text(http_response *res, int status, const char *content_type, const char *text) {
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (!copy) {
        respond_internal_error(res);
        return;
    }
    memcpy(copy, text, n + 1);
    set_body(res, status, content_type, copy, n);
}

void respond_bytes(http_response *res, int status, const char *content_type, uint8_t *body,
                   size_t len) {
    set_body(res, status, content_type, (char *)body, len);
}

void respond_add_header(http_response *res, const char *name, const char *value) {
    if (res->header_count >= RESPONSE_MAX_HEADERS) return;
    res->headers[res->header_count].name = name;
    snprintf(res->headers[res->header_count].value, sizeof res->headers[0].value, "%s", value);
    res->header_count++;
}
