/* `ekycd serve`: open the store, start the HTTP daemon, purge expired journeys periodically,
 * stop cleanly on SIGINT/SIGTERM. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/blacklist_index.h"
#include "api/jobs.h"
#include "app.h"
#include "cli/cli.h"
#include "server/http.h"
#include "server/metrics.h"
#include "kyc/face.h"
#include "ocr/mrz_cells.h"
#include "ocr/ocr.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/pool.h"
#include "util/timeutil.h"

#define PURGE_INTERVAL_S 60

static void serve_usage(FILE *out) {
    fputs("Usage: ekycd serve [OPTIONS]\n"
          "\n"
          "Runs the eKYC HTTP API.\n"
          "\n"
          "Options:\n"
          "  --config FILE       JSON config file (see docs/configuration.md)\n"
          "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 = any free)\n"
          "  --data DIR          data directory (default ./var)\n"
          "  --store URL         store, e.g. sqlite:/path/ekycd.db (default sqlite:DIR/ekycd.db)\n"
          "  --key-file FILE     master key for data at rest (default DIR/ekycd.key; created\n"
          "                      with mode 0600 when missing)\n"
          "  --ready-file FILE   write the bound port here once the server accepts requests\n"
          "  --models DIR        pinned ONNX models (default ./models; make models fetches them)\n"
          "  --ocr DIR           OCR models, mrz.traineddata (default ./ocr)\n"
          "  --liveness-threshold T  passive liveness threshold (a live logit) calibrated on your\n"
          "                      own captures with `ekycd liveness --calibrate`; without one\n"
          "                      the shipped default, weak on unseen cameras (docs/liveness.md)\n"
          "  --log-level LEVEL   debug, info, warn or error (default info)\n"
          "  -h, --help          show this help\n"
          "\n"
          "Environment: EKYCD_LISTEN, EKYCD_DATA, EKYCD_STORE, EKYCD_KEY_FILE, EKYCD_BLOB_DIR,\n"
          "EKYCD_LOG_LEVEL, EKYCD_MODELS, EKYCD_OCR, EKYCD_LIVENESS_THRESHOLD.\n"
          "Precedence: flags > environment > config file > defaults.\n",
          out);
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    app *app;
} sweeper;

/* Deletes journeys past their purge time. Purge times are stored, so a restart loses nothing:
 * the first sweep after start catches up. */
static void *sweeper_main(void *arg) {
    sweeper *sw = arg;
    pthread_mutex_lock(&sw->lock);
    while (!sw->stop) {
        pthread_mutex_unlock(&sw->lock);
        size_t purged = 0;
        store_status st = store_purge_expired(sw->app->store, time_now_ms(), &purged);
        if (purged)
            log_event(LOG_INFO, "journeys_purged", json_pack("{s:I}", "count", (json_int_t)purged));
        if (st != STORE_OK)
            log_event(LOG_ERROR, "purge_failed",
                      json_pack("{s:s}", "outcome", store_status_name(st)));
        pthread_mutex_lock(&sw->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += PURGE_INTERVAL_S;
        if (!sw->stop) pthread_cond_timedwait(&sw->wake, &sw->lock, &until);
    }
    pthread_mutex_unlock(&sw->lock);
    return NULL;
}

static int write_ready_file(const char *path, int port) {
    char tmp[CONFIG_PATH_MAX + 8];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

static int parse_serve_args(int argc, char **argv, config *cfg) {
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"data", required_argument, 0, 'd'},
                                         {"store", required_argument, 0, 's'},
                                         {"key-file", required_argument, 0, 'k'},
                                         {"ready-file", required_argument, 0, 'r'},
                                         {"log-level", required_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {"models", required_argument, 0, 'm'},
                                         {"ocr", required_argument, 0, 'o'},
                                         {"liveness-threshold", required_argument, 0, 'L'},
                                         {0, 0, 0, 0}};
    cli_store_opts so = {0};
    const char *listen = NULL, *ready = NULL, *level = NULL, *models = NULL, *ocr = NULL,
               *liveness = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            models = optarg;
            break;
        case 'o':
            ocr = optarg;
            break;
        case 'L':
            liveness = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'r':
            ready = optarg;
            break;
        case 'v':
            level = optarg;
            break;
        case 'h':
            serve_usage(stdout);
            return -1;
        default:
            if (cli_store_option(c, optarg, &so)) break;
            return cli_usage_error("serve: invalid option");
        }
    }
    if (optind < argc) return cli_usage_error("serve: unexpected argument '%s'", argv[optind]);
    if (cli_load_config(cfg, &so) != 0) return 1;
    char err[256];
    if (listen && config_set_listen(cfg, listen, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    if (ready && config_copy_string(cfg->ready_file, sizeof cfg->ready_file, ready) != 0)
        return cli_usage_error("--ready-file is too long");
    if (level && config_copy_string(cfg->log_level, sizeof cfg->log_level, level) != 0)
        return cli_usage_error("--log-level is too long");
    if (models && config_copy_string(cfg->models_dir, sizeof cfg->models_dir, models) != 0)
        return cli_usage_error("--models is too long");
    if (ocr && config_copy_string(cfg->ocr_dir, sizeof cfg->ocr_dir, ocr) != 0)
        return cli_usage_error("--ocr is too long");
    if (liveness && config_set_liveness_threshold(cfg, liveness, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    if (log_set_level_name(cfg->log_level) != 0)
        return cli_usage_error("unknown log level '%s'", cfg->log_level);
    return 0;
}

/* pool adapters: one face engine and one MRZ OCR engine per work slot */
static void *make_face_engine(void *models) {
    return face_engine_create(models);
}

static void free_face_engine(void *engine) {
    face_engine_free(engine);
}

static void free_ocr_engine(void *engine) {
    app_ocr *o = engine;
    if (!o) return;
    mrz_cell_reader_free(o->mrz);
    ocr_engine_free(o->text);
    free(o);
}

static void *make_ocr_engine(void *dir) {
    char err[256];
    app_ocr *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->mrz = mrz_cell_reader_new(dir, err, sizeof err);
    o->text = o->mrz ? ocr_engine_new(NULL, OCR_TEXT_LANG, err, sizeof err) : NULL;
    if (!o->text) {
        free_ocr_engine(o);
        return NULL;
    }
    return o;
}

/* Names this process among the nodes sharing a database (job leases): host:pid:random. */
static void name_node(app *a) {
    char host[40] = "", rnd[UUID_STR_LEN];
    if (gethostname(host, sizeof host) != 0) host[0] = 0;
    host[sizeof host - 1] = 0;
    uuid_v4(rnd);
    snprintf(a->node, sizeof a->node, "%s:%ld:%.8s", host[0] ? host : "node", (long)getpid(), rnd);
    const char *stall = getenv("EKYCD_FAULT_JOB_STALL_MS");
    if (stall && *stall) {
        a->fault_job_stall_ms = (unsigned)strtoul(stall, NULL, 10);
        log_event(LOG_WARN, "fault_injection",
                  json_pack("{s:s,s:i}", "what", "job stall", "ms", a->fault_job_stall_ms));
    }
}

int cli_serve(int argc, char **argv) {
    app a;
    memset(&a, 0, sizeof a);
    int rc = parse_serve_args(argc, argv, &a.cfg);
    if (rc != 0) return rc < 0 ? 0 : rc;

    /* Block the stop signals in every thread; this thread waits for them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cli_open_store(&a.cfg, &a.store) != 0) return 1;
    workgate_init(&a.gate, a.cfg.work_slots, a.cfg.work_queue);
    size_t route_count = 0;
    const route *routes = api_routes(&route_count);
    a.metrics = metrics_create(routes, route_count);
    if (!a.metrics) {
        store_close(a.store);
        return cli_fail("out of memory");
    }
    char merr[512];
    double t0 = time_monotonic_s();
    if (face_models_load(a.cfg.models_dir, &a.faces, merr, sizeof merr) != 0 ||
        !(a.engines = pool_create(make_face_engine, free_face_engine, a.faces, a.cfg.work_slots))) {
        metrics_free(a.metrics);
        face_models_free(a.faces);
        store_close(a.store);
        return cli_fail("cannot load the face models (run 'make models'): %s", merr);
    }
    if (!(a.ocr_engines =
              pool_create(make_ocr_engine, free_ocr_engine, a.cfg.ocr_dir, a.cfg.work_slots))) {
        metrics_free(a.metrics);
        pool_free(a.engines);
        face_models_free(a.faces);
        store_close(a.store);
        return cli_fail("cannot load the OCR models %s/mrz.traineddata and Tesseract's %s",
                        a.cfg.ocr_dir, OCR_TEXT_LANG);
    }
    log_event(
        LOG_INFO, "models_loaded",
        json_pack("{s:s,s:f}", "dir", a.cfg.models_dir, "ms", (time_monotonic_s() - t0) * 1e3));
    /* OkayFace v2's blacklists, one index per account, opened once here (docs/architecture.md) */
    if (!(a.blacklists = blacklist_indexes_create())) {
        metrics_free(a.metrics);
        pool_free(a.ocr_engines);
        pool_free(a.engines);
        face_models_free(a.faces);
        store_close(a.store);
        return cli_fail("out of memory");
    }
    if (blacklist_indexes_preload(&a) != 0)
        log_msg(LOG_WARN, "blacklist_index", "cannot load the blacklists now: on first search");
    atomic_store(&a.ready, true);

    sweeper sw = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .app = &a};
    pthread_t sweeper_thread;
    int sweeper_started = pthread_create(&sweeper_thread, NULL, sweeper_main, &sw) == 0;
    name_node(&a);
    api_jobs *jobs = api_jobs_start(&a);
    if (!jobs) log_msg(LOG_ERROR, "jobs", "cannot start the job thread");

    char err[512];
    int port = 0;
    http_server *server = http_server_start(&a, routes, route_count, &port, err, sizeof err);
    if (!server) {
        rc = cli_fail("%s", err);
    } else {
        log_event(LOG_INFO, "listening",
                  json_pack("{s:s,s:i,s:s}", "host", a.cfg.listen_host, "port", port, "store",
                            strncmp(a.cfg.store_url, "sqlite:", 7) == 0 ? "sqlite" : "other"));
        log_event(LOG_INFO, "liveness_threshold",
                  json_pack("{s:f,s:s}", "threshold", a.cfg.liveness_threshold, "source",
                            a.cfg.liveness_calibrated
                                ? "configured"
                                : "default (uncalibrated: docs/liveness.md)"));
        if (a.cfg.ready_file[0] && write_ready_file(a.cfg.ready_file, port) != 0)
            log_msg(LOG_WARN, "ready_file", "cannot write ready file");
        int sig = 0;
        sigwait(&stop_signals, &sig);
        log_event(LOG_INFO, "stopping", json_pack("{s:i}", "signal", sig));
        http_server_stop(server);
        rc = 0;
    }
    api_jobs_stop(jobs);
    if (sweeper_started) {
        pthread_mutex_lock(&sw.lock);
        sw.stop = 1;
        pthread_cond_signal(&sw.wake);
        pthread_mutex_unlock(&sw.lock);
        pthread_join(sweeper_thread, NULL);
    }
    metrics_free(a.metrics);
    blacklist_indexes_free(a.blacklists);
    pool_free(a.ocr_engines);
    pool_free(a.engines);
    face_models_free(a.faces);
    workgate_destroy(&a.gate);
    store_close(a.store);
    if (a.cfg.ready_file[0]) unlink(a.cfg.ready_file);
    return rc;
}
