/* The running server's shared state, built once by `ekycd serve` and read by every handler. */
#ifndef EKYCD_APP_H
#define EKYCD_APP_H

#include <stdatomic.h>

#include "store/store.h"
#include "util/config.h"
#include "util/workgate.h"

struct metrics;
struct face_models;
struct pool;

/* One work slot's OCR engines: ekycd's MRZ character classifier and the general-print model
 * (MyKad). */
typedef struct app_ocr {
    struct mrz_cell_reader *mrz;
    struct ocr_engine *text;
} app_ocr;

typedef struct app {
    config cfg;
    store *store;
    workgate gate; /* CPU-heavy work admission */
    struct metrics *metrics;
    atomic_bool ready;                    /* models loaded and store open */
    struct face_models *faces;            /* shared, read-only */
    struct pool *engines;                 /* face engines, one per work slot */
    struct pool *ocr_engines;             /* app_ocr, one per work slot */
    struct blacklist_indexes *blacklists; /* OkayFace v2's 1:N index per account */
    char node[65];                        /* this process among the nodes: host:pid:random */
    unsigned fault_job_stall_ms;          /* tests only (EKYCD_FAULT_JOB_STALL_MS); 0 in service */
} app;

#endif
