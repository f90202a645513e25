#include "api/api.h"
#include "api/v3.h"

/* Every HTTP route of ekycd, one line each. Keep docs/openapi.yaml in step. */
static const route routes[] = {
    {"POST", "/api/ekyc/journeyid", api_journey_create},
    {"GET", "/api/ekyc/journey/{journeyId}", api_journey_status},
    {"DELETE", "/api/ekyc/journey/{journeyId}", api_journey_delete},
    {"POST", "/api/ekyc/complete", api_journey_complete},
    {"GET", "/api/ekyc/details/{journeyId}", api_details_get},
    {"DELETE", "/api/ekyc/details/{journeyId}", api_journey_delete},
    {"POST", "/api/ekyc/okayid", api_okayid},
    {"POST", "/api/ekyc/okaydoc", api_okaydoc},
    {"GET", "/api/ekyc/scorecard", api_scorecard},
    {"POST", "/api/ekyc/scorecard", api_scorecard},
    {"GET", "/api/ekyc/scorecardConfig", api_scorecard_config},
    {"POST", "/api/ekyc/scorecardConfig", api_scorecard_config},
    {"POST", "/api/ekyc/okayface", api_okayface},
    {"POST", "/api/ekyc/okayface/v1-1", api_okayface},
    {"POST", "/api/ekyc/okayface/v2", api_okayface},
    {"POST", "/api/ekyc/okayface-plus/v1", api_okayface},
    {"POST", "/api/ekyc/capture-key", api_capture_key},
    {"POST", "/api/ekyc/okaylive", api_okaylive},
    {"POST", "/api/ekyc/blacklist/faces", api_blacklist_add},
    {"GET", "/api/ekyc/blacklist/faces", api_blacklist_list},
    {"DELETE", "/api/ekyc/blacklist/faces/{id}", api_blacklist_delete},
    {"GET", "/public/image/v2/{okayDocId}", api_public_image},
    {"GET", "/public/passport/image/{okayDocId}", api_public_image},
    {"POST", "/api/ekyc/verifications", api_h5_create},
    {"GET", "/api/ekyc/verifications/{token}", api_h5_get},
    {"GET", "/verifications", api_web_page},
    {"GET", "/h5/{file}", api_web_file},
    {"GET", "/api/h5/session", api_h5_session},
    {"POST", "/api/h5/document", api_h5_document},
    {"POST", "/api/h5/challenge", api_h5_challenge},
    {"POST", "/api/h5/challenge/frames", api_h5_frames},
    {"POST", "/api/h5/challenge/finish", api_h5_finish},
    {"GET", "/api/h5/qr.svg", api_h5_qr},
    {"POST", "/api/v3/ekyc", api_v3_create},
    {"GET", "/api/v3/ekyc/{sessionId}", api_v3_session},
    {"GET", "/api/v3/users/{userId}", api_v3_user_get},
    {"DELETE", "/api/v3/users/{userId}", api_v3_user_delete},
    {"GET", "/healthz", api_healthz},
    {"GET", "/readyz", api_readyz},
    {"GET", "/metrics", api_metrics},
};

const route *api_routes(size_t *count) {
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
