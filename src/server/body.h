/* Request body decoding for JSON endpoints, and typed field access that accepts what real
 * clients send (booleans as true/"true", strings bounded in length). */
#ifndef EKYCD_SERVER_BODY_H
#define EKYCD_SERVER_BODY_H

#include <jansson.h>
#include <stdbool.h>

#include "server/request.h"

typedef enum {
    BODY_OK = 0,
    BODY_EMPTY,      /* no bytes (or only whitespace): 200 "Error in processing." */
    BODY_WRONG_TYPE, /* Content-Type is neither JSON nor absent: 415 UNSUPPORTED_CONTENT_TYPE */
    BODY_MALFORMED,  /* not JSON, too deep, duplicate keys, bad UTF-8: 400 MALFORMED_JSON */
    BODY_NOT_OBJECT  /* valid JSON but not an object: 400 JSON_OBJECT_EXPECTED */
} body_status;

/* Parses the body as one JSON object (*out stolen by caller on BODY_OK). */
body_status body_parse_json(const http_request *req, json_t **out);
void body_respond_error(http_response *res, body_status status);

/* A string field of at most max_len bytes, or NULL when absent, not a string, or too long. */
const char *json_get_string(json_t *obj, const char *key, size_t max_len);

typedef enum { FLAG_ABSENT, FLAG_OK, FLAG_INVALID } flag_status;
/* Accepts JSON true/false and the strings "true"/"false" (any case). */
flag_status json_get_flag(json_t *obj, const char *key, bool *value);

#endif
