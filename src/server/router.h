/* Routing: a static table of {method, pattern, handler}. A pattern is a literal path, or a
 * literal prefix ending in one "{name}" segment that matches one non-empty path segment. */
#ifndef EKYCD_SERVER_ROUTER_H
#define EKYCD_SERVER_ROUTER_H

#include <stddef.h>

#include "server/request.h"

typedef void (*route_handler)(http_request *req, http_response *res);

typedef struct {
    const char *method;
    const char *pattern;
    route_handler handler;
} route;

typedef enum { ROUTE_FOUND, ROUTE_WRONG_METHOD, ROUTE_NOT_FOUND } route_result;

/* On ROUTE_FOUND, *index is the route and param (size param_len) holds the {name} segment or
 * is empty. On ROUTE_WRONG_METHOD, allow (size allow_len) lists the accepted methods. */
route_result router_match(const route *routes, size_t count, const char *method, const char *path,
                          size_t *index, char *param, size_t param_len, char *allow,
                          size_t allow_len);

#endif
