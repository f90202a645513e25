/* The v3 family (h5-and-v3.md part B, docs/v3.md): enrollment / authentication sessions opened
 * by a merchant's back end, and the users they enroll. Handlers of the merchant's calls; every
 * one answers errors as {"status":"error","code":CODE,"message":...} with the HTTP status. */
#ifndef EKYCD_API_V3_H
#define EKYCD_API_V3_H

#include "server/request.h"

/* POST /api/v3/ekyc: a session's opaque token as text/plain (X-Session-Id: its id). */
void api_v3_create(http_request *req, http_response *res);
/* GET /api/v3/ekyc/{sessionId}: the session and its result (company key). */
void api_v3_session(http_request *req, http_response *res);
/* GET and DELETE /api/v3/users/{userId}: what is enrolled, and its erasure (company key). */
void api_v3_user_get(http_request *req, http_response *res);
void api_v3_user_delete(http_request *req, http_response *res);

#endif
