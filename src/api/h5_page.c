/* The capture page's session (GET /api/h5/session) and the link as a QR code for continuing on
 * a phone (GET /api/h5/qr.svg), docs/h5.md. */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/h5.h"
#include "app.h"
#include "util/timeutil.h"

void api_h5_session(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec;
    if (!h5_page_link(req, res, H5_LINK_ANY, &link, &rec)) return;
    store_account account;
    if (store_account_get_by_id(req->app->store, link.account_id, &account) != STORE_OK) {
        respond_internal_error(res);
        json_decref(rec);
        store_verification_free(&link);
        return;
    }
    int64_t now = time_now_ms();
    const char *step = h5_step(&link, rec, now);
    bool finished = !strcmp(step, H5_STEP_DONE) || !strcmp(step, H5_STEP_FAILED);
    char expire[32];
    h5_time(link.expire_at_ms, expire);
    int ocr_left = h5_int(rec, "max_retries") + 1 - h5_int(rec, "ocr_attempts");
    int face_left = h5_int(rec, "max_face_retries") + 1 - h5_int(rec, "face_attempts");
    char *redirect = h5_redirect(&link, rec);
    json_t *out = json_pack(
        "{s:s,s:i,s:s,s:s,s:o,s:o,s:b,s:b,s:o,s:i,s:i,s:s,s:o,s:s?,s:o}", "merchant",
        account.display_name[0] ? account.display_name : account.username, "retention_days",
        account.retention_days, "type", h5_str(rec, "type"), "step", step, "id_country",
        h5_field(rec, "id_country"), "id_type", h5_field(rec, "id_type"), "select_id_country",
        json_is_true(json_object_get(rec, "select_id_country")), "select_id_type",
        json_is_true(json_object_get(rec, "select_id_type")), "documents", h5_documents(),
        "ocr_attempts_left", ocr_left < 0 ? 0 : ocr_left, "face_attempts_left",
        face_left < 0 ? 0 : face_left, "expire_at", expire, "is_success",
        finished ? json_integer(h5_int(rec, "is_success")) : json_null(), "redirect", redirect,
        "latest_error", h5_field(rec, "latest_error"));
    free(redirect);
    h5_ok(res, out);
    json_decref(rec);
    store_verification_free(&link);
}

/* The QR code of text as an SVG document (malloc'd), one path of unit squares. */
static char *qr_svg(const char *text, size_t *len) {
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return NULL;
    int n = qr->width, quiet = 4, size = n + 2 * quiet;
    size_t cap = 400 + (size_t)n * (size_t)n * 16;
    char *svg = malloc(cap);
    size_t at = 0;
    if (svg)
        at = (size_t)snprintf(
            svg, cap,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
            "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
            size, size, size, size);
    for (int y = 0; svg && y < n; y++)
        for (int x = 0; x < n; x++)
            if (qr->data[y * n + x] & 1)
                at += (size_t)snprintf(svg + at, cap - at, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    if (svg) at += (size_t)snprintf(svg + at, cap - at, "\"/></svg>");
    QRcode_free(qr);
    *len = at;
    return svg;
}

void api_h5_qr(http_request *req, http_response *res) {
    store_verification link;
    json_t *rec;
    if (!h5_page_link(req, res, H5_LINK_QUERY_TOKEN, &link, &rec)) return;
    size_t len = 0;
    const char *url = h5_str(rec, "url");
    char *svg = url ? qr_svg(url, &len) : NULL;
    if (svg)
        respond_bytes(res, 200, "image/svg+xml", (uint8_t *)svg, len);
    else
        respond_internal_error(res);
    json_decref(rec);
    store_verification_free(&link);
}
