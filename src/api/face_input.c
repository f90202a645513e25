/* Shared steps of the face endpoints (okayface.c, okaylive.c): the multipart body, the images in
 * it, the engine work under the work gate, and the vendor's request ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "server/multipart.h"
#include "util/b64.h"
#include "util/ids.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define DECODE_MIN_SIDE 1600 /* big JPEGs decode at 1/2..1/8 scale down to this long side */

bool api_face_parse_form(http_request *req, http_response *res, multipart_form *form) {
    if (req->body_len == 0) {
        respond_error(res, "Error in processing.");
        return false;
    }
    multipart_status ms =
        multipart_parse(request_header(req, "Content-Type"), req->body, req->body_len, form);
    if (ms == MP_NOT_MULTIPART) {
        respond_status_error(res, 415, "UNSUPPORTED_CONTENT_TYPE");
        return false;
    }
    if (ms != MP_OK) {
        respond_bad_request(res, "MALFORMED_MULTIPART");
        return false;
    }
    return true;
}

const char *api_face_get_image(const multipart_form *form, const char *file_field,
                               const char *b64_field, api_upload *out) {
    memset(out, 0, sizeof *out);
    const multipart_part *p = multipart_get(form, file_field);
    if (p && p->len > 0) {
        if (p->len > API_FACE_MAX_IMAGE_BYTES) return "PAYLOAD_TOO_LARGE";
        out->data = p->data;
        out->len = p->len;
        return NULL;
    }
    p = b64_field ? multipart_get(form, b64_field) : NULL;
    if (!p || p->len == 0) return "MISSING_ARGUMENTS";
    switch (b64_decode((const char *)p->data, p->len, API_FACE_MAX_IMAGE_BYTES, &out->owned,
                       &out->len)) {
    case B64_OK:
        out->data = out->owned;
        return NULL;
    case B64_TOO_LARGE:
        return "PAYLOAD_TOO_LARGE";
    case B64_EMPTY:
        return "MISSING_ARGUMENTS";
    default:
        return "Photo format error";
    }
}

void api_face_request_id(char out[40]) {
    char hex[17];
    random_hex(hex, 8);
    for (char *c = hex; *c; c++)
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    snprintf(out, 40, "%lld%03dI%.15s", (long long)time_now_ms(), (int)(hex[0] % 10) * 100,
             hex + 1);
}

void api_face_respond_error(http_response *res, const char *code) {
    if (!strcmp(code, "Internal Server Error"))
        respond_internal_error(res);
    else
        respond_error_with(res, code, json_pack("{s:n}", "messageCode"));
}

/* Decodes, gates, embeds and (when asked) judges liveness of one image with engine e. */
static const char *analyse(face_engine *e, const api_upload *u, const api_face_job *job,
                           api_face_outcome *out) {
    image img;
    char err[256];
    image_status st = image_decode_min_side(u->data, u->len, API_MAX_IMAGE_PIXELS, DECODE_MIN_SIDE,
                                            &img, err, sizeof err);
    out->decode_status = st;
    if (st == IMG_TOO_LARGE) return "PAYLOAD_TOO_LARGE";
    if (st != IMG_OK) return "Photo format error";
    const char *code = NULL;
    if (face_check(e, &img, job->role, &out->check) != 0)
        code = "Internal Server Error";
    else if (out->check.code)
        code = out->check.code;
    else if (job->embedding && face_embed(e, &img, &out->check.face, job->embedding) != 0)
        code = "Internal Server Error";
    else if (job->liveness &&
             liveness_assess(e, &img, &out->check, job->liveness_threshold, &out->liveness) != 0)
        code = "Internal Server Error";
    image_free(&img);
    return code;
}

const char *api_face_analyse(app *a, const api_upload *u, const api_face_job *job,
                             api_face_outcome *out, bool *busy) {
    memset(out, 0, sizeof *out);
    *busy = false;
    if (!workgate_enter(&a->gate)) {
        *busy = true;
        return "SERVER_BUSY";
    }
    face_engine *e = pool_acquire(a->engines);
    const char *code = analyse(e, u, job, out);
    pool_release(a->engines, e);
    workgate_leave(&a->gate);
    return code;
}
