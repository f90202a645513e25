#include "server/body.h"

#include <strings.h>
#include <string.h>

static bool all_whitespace(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
    }
    return true;
}

static bool is_json_media_type(const char *mt) {
    size_t n = strlen(mt);
    return mt[0] == '\0' || strcmp(mt, "application/json") == 0 ||
           (n > 5 && strcmp(mt + n - 5, "+json") == 0);
}

body_status body_parse_json(const http_request *req, json_t **out) {
    *out = NULL;
    if (req->body_len == 0 || all_whitespace(req->body, req->body_len)) return BODY_EMPTY;
    char mt[128];
    request_media_type(req, mt, sizeof mt);
    if (!is_json_media_type(mt)) return BODY_WRONG_TYPE;
    json_error_t err;
    /* jansson bounds nesting depth (2048) so deep input cannot exhaust the stack. */
    json_t *root = json_loadb((const char *)req->body, req->body_len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root) return BODY_MALFORMED;
    if (!json_is_object(root)) {
        json_decref(root);
        return BODY_NOT_OBJECT;
    }
    *out = root;
    return BODY_OK;
}

void body_respond_error(http_response *res, body_status status) {
    switch (status) {
    case BODY_EMPTY:
        respond_error(res, "Error in processing.");
        break;
    case BODY_WRONG_TYPE:
        respond_status_error(res, 415, "UNSUPPORTED_CONTENT_TYPE");
        break;
    case BODY_NOT_OBJECT:
        respond_bad_request(res, "JSON_OBJECT_EXPECTED");
        break;
    default:
        respond_bad_request(res, "MALFORMED_JSON");
        break;
    }
}

const char *json_get_string(json_t *obj, const char *key, size_t max_len) {
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) return NULL;
    if (json_string_length(v) > max_len) return NULL;
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return NULL; /* embedded NUL */
    return s;
}

flag_status json_get_flag(json_t *obj, const char *key, bool *value) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return FLAG_ABSENT;
    if (json_is_boolean(v)) {
        *value = json_is_true(v);
        return FLAG_OK;
    }
    if (json_is_string(v)) {
        if (strcasecmp(json_string_value(v), "true") == 0) {
            *value = true;
            return FLAG_OK;
        }
        if (strcasecmp(json_string_value(v), "false") == 0) {
            *value = false;
            return FLAG_OK;
        }
    }
    return FLAG_INVALID;
}
