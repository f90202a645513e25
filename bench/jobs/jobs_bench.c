/* What the job journal (docs/jobs.md) adds to one OkayID/OkayDoc call: store_job_start (seal
 * the request, insert) + store_job_finish (delete), for request bodies of 0.1, 1 and 4 MB, on
 * the store given (default: a SQLite file in a temporary directory). Reference in the same run:
 * store_blob_put of the same bytes, which every OkayID/OkayDoc call already does once.
 * Usage: build/jobs-bench [STORE_URL] */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/timeutil.h"

#define ROUNDS 20

static double ms_since(double t0) {
    return (time_monotonic_s() - t0) * 1e3;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 1;
    char dir[] = "/tmp/ekycd-jobs-bench-XXXXXX", url[1200];
    if (!mkdtemp(dir)) return 1;
    if (argc > 1)
        snprintf(url, sizeof url, "%s", argv[1]);
    else
        snprintf(url, sizeof url, "sqlite:%s/ekycd.db", dir);
    uint8_t key[MASTER_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    char err[256];
    store *st = NULL;
    if (store_open(url, key, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    store_account acc;
    memset(&acc, 0, sizeof acc);
    snprintf(acc.username, sizeof acc.username, "bench%d", (int)getpid());
    snprintf(acc.password_hash, sizeof acc.password_hash, "$argon2id$none");
    acc.retention_days = 1;
    store_journey j;
    if (store_account_add(st, &acc, &acc.id) != STORE_OK ||
        store_journey_create(st, &acc, time_now_ms(), &j) != STORE_OK) {
        fprintf(stderr, "cannot create a journey\n");
        return 1;
    }
    printf("store %s, %d rounds each\n", argc > 1 ? "as given" : "sqlite (temporary file)", ROUNDS);
    printf("%-10s %18s %22s %8s\n", "body", "journal ms/call", "blob_put ms (ref)", "ratio");
    const size_t sizes[] = {100 * 1024, 1024 * 1024, 4 * 1024 * 1024};
    int rc = 0;
    for (size_t s = 0; s < 3 && rc == 0; s++) {
        uint8_t *body = malloc(sizes[s]);
        if (!body) return 1;
        randombytes_buf(body, sizes[s]);
        double journal = 0, blob = 0;
        for (int r = 0; r < ROUNDS && rc == 0; r++) {
            store_job job;
            double t0 = time_monotonic_s();
            if (store_job_start(st, j.id, "okayid", body, sizes[s], "bench", time_now_ms(), 60000,
                                &job) != STORE_OK ||
                store_job_finish(st, &job, "bench") != STORE_OK)
                rc = 1;
            journal += ms_since(t0);
            char id[UUID_STR_LEN];
            t0 = time_monotonic_s();
            if (store_blob_put(st, j.id, "bench", NULL, body, sizes[s], time_now_ms(), id) !=
                STORE_OK)
                rc = 1;
            blob += ms_since(t0);
        }
        printf("%7.1f MB %18.2f %22.2f %8.2f\n", sizes[s] / 1048576.0, journal / ROUNDS,
               blob / ROUNDS, journal / blob);
        free(body);
    }
    store_journey_delete(st, j.id);
    store_close(st);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc = 1;
    return rc;
}
