/* The hosted capture page (web/, compiled into the binary by tools/embed): the page at
 * GET /verifications?token=… and its files at GET /h5/{file}, under a strict Content-Security-
 * Policy (nothing from another origin, no inline script or style). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/embedded.h"

extern const embedded_file web_files[];
extern const size_t web_files_count;

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "            \
    "frame-ancestors 'self'"

static const embedded_file *find_file(const char *name) {
    for (size_t i = 0; name && i < web_files_count; i++)
        if (!strcmp(web_files[i].name, name)) return &web_files[i];
    return NULL;
}

static const char *content_type(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    if (!strcmp(dot, ".png")) return "image/png";
    if (!strcmp(dot, ".json")) return "application/json";
    return "application/octet-stream";
}

static void serve(http_response *res, const embedded_file *f) {
    if (!f) {
        respond_status_error(res, 404, "NOT_FOUND");
        return;
    }
    uint8_t *copy = malloc(f->len ? f->len : 1);
    if (!copy) {
        respond_internal_error(res);
        return;
    }
    memcpy(copy, f->data, f->len);
    respond_bytes(res, 200, content_type(f->name), copy, f->len);
    respond_add_header(res, "Content-Security-Policy", CSP);
    respond_add_header(res, "Referrer-Policy", "no-referrer");
    respond_add_header(res, "Permissions-Policy", "camera=(self), microphone=(), geolocation=()");
}

void api_web_page(http_request *req, http_response *res) {
    (void)req;
    serve(res, find_file("index.html"));
}

void api_web_file(http_request *req, http_response *res) {
    serve(res, find_file(req->route_param));
}
