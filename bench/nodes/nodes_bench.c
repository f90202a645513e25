/* nodes-bench: load on one or more ekycd nodes sharing a store. Each client repeats a short
 * journey — POST /api/ekyc/journeyid, then POST /api/ekyc/okayface with two photos — sending
 * its calls round-robin over the nodes, for a fixed time, and the tool prints journeys per second
 * and per-call latency percentiles.
 *   nodes-bench --ports 8080[,8081] --clients N --seconds S --user U --password P
 *               --id-photo A.jpg --selfie B.jpg */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PORTS   8
#define MAX_SAMPLES 200000

static int g_ports[MAX_PORTS], g_nports;
static const char *g_user, *g_password, *g_id_photo, *g_selfie;
static double g_deadline;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double g_create_ms[MAX_SAMPLES], g_face_ms[MAX_SAMPLES];
static int g_ncreate, g_nface, g_errors, g_journeys;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
    char *data;
    size_t len;
} buffer;

static size_t collect(char *p, size_t size, size_t n, void *ud) {
    buffer *b = ud;
    size_t add = size * n;
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown) return 0;
    memcpy(grown + b->len, p, add);
    b->data = grown;
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

/* One call; the answer's "status" must be "success". Returns the journeyId field when asked. */
static int call(CURL *c, int port, const char *path, const char *json, curl_mime *form,
                char *journey_out) {
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    buffer b = {0};
    struct curl_slist *h = json ? curl_slist_append(NULL, "Content-Type: application/json") : NULL;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (json) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    } else {
        curl_easy_setopt(c, CURLOPT_MIMEPOST, form);
    }
    int ok = curl_easy_perform(c) == CURLE_OK;
    json_t *j = ok && b.data ? json_loads(b.data, 0, NULL) : NULL;
    ok = ok && j && !strcmp(json_string_value(json_object_get(j, "status")) ?: "", "success");
    if (ok && journey_out)
        snprintf(journey_out, 64, "%s", json_string_value(json_object_get(j, "journeyId")) ?: "");
    json_decref(j);
    curl_slist_free_all(h);
    free(b.data);
    return ok ? 0 : -1;
}

static void record(double *arr, int *n, double v) {
    pthread_mutex_lock(&g_lock);
    if (*n < MAX_SAMPLES) arr[(*n)++] = v;
    pthread_mutex_unlock(&g_lock);
}

static void *client(void *arg) {
    int next = (int)(long)arg;
    CURL *c = curl_easy_init();
    char body[512], journey[64];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", g_user, g_password);
    while (now_ms() < g_deadline) {
        double t0 = now_ms();
        int port = g_ports[next++ % g_nports];
        if (call(c, port, "/api/ekyc/journeyid", body, NULL, journey) != 0) {
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED);
            continue;
        }
        double t1 = now_ms();
        record(g_create_ms, &g_ncreate, t1 - t0);
        curl_mime *form = curl_mime_init(c);
        curl_mimepart *p = curl_mime_addpart(form);
        curl_mime_name(p, "journeyId");
        curl_mime_data(p, journey, CURL_ZERO_TERMINATED);
        p = curl_mime_addpart(form);
        curl_mime_name(p, "imageIdCard");
        curl_mime_filedata(p, g_id_photo);
        p = curl_mime_addpart(form);
        curl_mime_name(p, "imageBest");
        curl_mime_filedata(p, g_selfie);
        port = g_ports[next++ % g_nports];
        int rc = call(c, port, "/api/ekyc/okayface", NULL, form, NULL);
        curl_mime_free(form);
        if (rc != 0) {
            __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED);
            continue;
        }
        record(g_face_ms, &g_nface, now_ms() - t1);
        __atomic_add_fetch(&g_journeys, 1, __ATOMIC_RELAXED);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *arr, int n, double q) {
    if (n == 0) return 0;
    qsort(arr, (size_t)n, sizeof *arr, cmp);
    int i = (int)(q * (n - 1) + 0.5);
    return arr[i];
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"ports", required_argument, 0, 'p'},   {"clients", required_argument, 0, 'c'},
        {"seconds", required_argument, 0, 's'}, {"user", required_argument, 0, 'u'},
        {"password", required_argument, 0, 'w'}, {"id-photo", required_argument, 0, 'i'},
        {"selfie", required_argument, 0, 'b'},  {0, 0, 0, 0}};
    int clients = 4, seconds = 20, o;
    char *ports = NULL;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'p') ports = optarg;
        else if (o == 'c') clients = atoi(optarg);
        else if (o == 's') seconds = atoi(optarg);
        else if (o == 'u') g_user = optarg;
        else if (o == 'w') g_password = optarg;
        else if (o == 'i') g_id_photo = optarg;
        else if (o == 'b') g_selfie = optarg;
        else return 2;
    }
    for (char *t = ports ? strtok(ports, ",") : NULL; t && g_nports < MAX_PORTS;
         t = strtok(NULL, ","))
        g_ports[g_nports++] = atoi(t);
    if (!g_nports || !g_user || !g_password || !g_id_photo || !g_selfie || clients < 1 ||
        clients > 256 || seconds < 1) {
        fprintf(stderr, "usage: nodes-bench --ports P[,P] --clients N --seconds S --user U "
                        "--password P --id-photo A.jpg --selfie B.jpg\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    pthread_t th[256];
    double t0 = now_ms();
    g_deadline = t0 + seconds * 1000.0;
    for (int i = 0; i < clients; i++) pthread_create(&th[i], NULL, client, (void *)(long)i);
    for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
    double elapsed = (now_ms() - t0) / 1000.0;
    printf("nodes=%d clients=%d seconds=%.1f journeys=%d journeys_per_s=%.2f errors=%d "
           "journeyid_p50_ms=%.1f journeyid_p95_ms=%.1f okayface_p50_ms=%.1f "
           "okayface_p95_ms=%.1f\n",
           g_nports, clients, elapsed, g_journeys, g_journeys / elapsed, g_errors,
           pct(g_create_ms, g_ncreate, 0.5), pct(g_create_ms, g_ncreate, 0.95),
           pct(g_face_ms, g_nface, 0.5), pct(g_face_ms, g_nface, 0.95));
    curl_global_cleanup();
    return g_errors > g_journeys ? 1 : 0;
}
