/* What a handler sees (http_request) and fills in (http_response), plus the helpers that give
 * every answer the spec's envelope (emas.md §1, §11.6):
 *   business error   HTTP 200 {"status":"error","message":"<CODE>"}
 *   unparsable input HTTP 400 {"status":"error","message":"<CODE>"}  (message is our addition)
 *   internal failure HTTP 500 {"status":"Internal Server Error"}
 * Handlers never touch libmicrohttpd directly. */
#ifndef EKYCD_SERVER_REQUEST_H
#define EKYCD_SERVER_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct MHD_Connection;

typedef struct {
    const char *method;
    const char *path;          /* without the query string */
    const unsigned char *body; /* NUL-terminated copy; body_len excludes the NUL */
    size_t body_len;
    const char *route_param; /* the {param} segment of the matched route, or NULL */
    char request_id[17];
    struct app *app;
    struct MHD_Connection *conn;
    /* For the audit log: the account acting and the journey acted on, set by the handlers
     * (request_audit). A request that sets neither is not recorded. */
    struct {
        int64_t account_id;
        char journey_id[37];
    } audit;
} http_request;

#define RESPONSE_MAX_HEADERS 4

typedef struct {
    int status; /* 0 until a respond_* call */
    char *body; /* malloc'd */
    size_t body_len;
    const char *content_type; /* static string */
    struct {
        const char *name; /* static string */
        char value[128];
    } headers[RESPONSE_MAX_HEADERS];
    int header_count;
    char code[64]; /* the error code answered ("" for a success), for the audit log */
} http_response;

/* Request accessors (values live as long as the request). */
const char *request_header(const http_request *req, const char *name);
const char *request_query(const http_request *req, const char *name);
/* The media type of Content-Type, lower-cased, without parameters, into out. */
void request_media_type(const http_request *req, char *out, size_t len);

/* Notes the acting account (0 = unknown, keeps an earlier one) and the journey (kept only when
 * it is a well-formed UUID; NULL keeps an earlier one) for the audit log. */
void request_audit(http_request *req, int64_t account_id, const char *journey_id);

/* Responses. Each replaces any earlier body. `body` is stolen. */
void respond_json(http_response *res, int status, json_t *body);
void respond_error(http_response *res, const char *code);
void respond_error_with(http_response *res, const char *code, json_t *extra);
void respond_bad_request(http_response *res, const char *code);
void respond_status_error(http_response *res, int status, const char *code);
void respond_internal_error(http_response *res);
void respond_text(http_response *res, int status, const char *content_type, const char *text);
/* A binary body (stolen, malloc'd) of the given static content type. */
void respond_bytes(http_response *res, int status, const char *content_type, uint8_t *body,
                   size_t len);
void respond_add_header(http_response *res, const char *name, const char *value);
void response_clear(http_response *res);

#endif
