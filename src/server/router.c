#include "server/router.h"

#include <stdbool.h>
#include <string.h>

static bool pattern_matches(const char *pattern, const char *path, char *param, size_t param_len) {
    const char *brace = strchr(pattern, '{');
    if (!brace) return strcmp(pattern, path) == 0;
    size_t prefix = (size_t)(brace - pattern);
    if (strncmp(pattern, path, prefix) != 0) return false;
    const char *seg = path + prefix;
    size_t n = strcspn(seg, "/");
    if (n == 0 || seg[n] != '\0' || n >= param_len) return false;
    memcpy(param, seg, n);
    param[n] = '\0';
    return true;
}

route_result router_match(const route *routes, size_t count, const char *method, const char *path,
                          size_t *index, char *param, size_t param_len, char *allow,
                          size_t allow_len) {
    bool path_known = false;
    allow[0] = '\0';
    param[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        char scratch[256] = "";
        if (!pattern_matches(routes[i].pattern, path, scratch, sizeof scratch)) continue;
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            *index = i;
            size_t n = strlen(scratch);
            if (n >= param_len) return ROUTE_NOT_FOUND;
            memcpy(param, scratch, n + 1);
            return ROUTE_FOUND;
        }
        path_known = true;
        size_t used = strlen(allow);
        size_t need = strlen(routes[i].method) + (used ? 2 : 0);
        if (!strstr(allow, routes[i].method) && used + need < allow_len) {
            if (used) strcat(allow, ", ");
            strcat(allow, routes[i].method);
        }
    }
    return path_known ? ROUTE_WRONG_METHOD : ROUTE_NOT_FOUND;
}
