/* The HTTP daemon: libmicrohttpd with a thread pool, per-request body buffering under a hard cap
 * (oversized bodies are refused from their Content-Length before any byte is read), routing to
 * the api/ table, access log lines and metrics for every request. */
#ifndef EKYCD_SERVER_HTTP_H
#define EKYCD_SERVER_HTTP_H

#include "app.h"
#include "server/router.h"

typedef struct http_server http_server;

/* Starts listening on app->cfg.listen_host:listen_port. *bound_port receives the real port
 * (useful with port 0). Returns NULL and fills err on failure. */
http_server *http_server_start(app *a, const route *routes, size_t route_count, int *bound_port,
                               char *err, size_t errlen);
void http_server_stop(http_server *s);

#endif
