/* Result images referenced by OkayDoc answers (emas.md §4.13): GET /public/image/v2/{okayDocId}
 * ?type=… and GET /public/passport/image/{okayDocId}?type=… return the JPEG crop. No
 * authentication, as the vendor's relative URLs are used: the okayDocId is a random UUID (122
 * bits), so a URL is as secret as the answer that holds it. Gone with the journey (deletion,
 * purge). Unknown ids, types and kinds all answer 404 IMAGE_NOT_FOUND alike. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "util/timeutil.h"

void api_public_image(http_request *req, http_response *res) {
    const char *kind = strncmp(req->path, "/public/passport/", 17) == 0 ? "passport" : "v2";
    const char *type = request_query(req, "type");
    store_blob blob;
    store_status st =
        store_public_image_get(req->app->store, req->route_param ? req->route_param : "",
                               type ? type : "", kind, time_now_ms(), &blob);
    if (st == STORE_NOT_FOUND) {
        respond_status_error(res, 404, "IMAGE_NOT_FOUND");
        return;
    }
    if (st != STORE_OK) {
        respond_internal_error(res);
        return;
    }
    respond_bytes(res, 200, "image/jpeg", blob.data, blob.size);
    blob.data = NULL; /* the response owns it now */
    store_blob_free(&blob);
    respond_add_header(res, "Cache-Control", "no-store");
    respond_add_header(res, "X-Content-Type-Options", "nosniff");
}
