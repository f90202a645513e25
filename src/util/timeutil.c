#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t time_now_ms(void) {
    const char *fake = getenv("EKYCD_FAKE_NOW_MS");
    if (fake && *fake) return strtoll(fake, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double time_monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int time_parse_date(const char *text, int64_t *out_ms) {
    int y, m, d;
    char tail;
    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return -1;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return -1;
    struct tm check;
    gmtime_r(&t, &check);
    if (check.tm_mday != d || check.tm_mon != m - 1) return -1; /* 2026-02-31 */
    *out_ms = (int64_t)t * 1000;
    return 0;
}

void time_format_iso(int64_t ms, char *out, unsigned len) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
