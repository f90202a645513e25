/* Clocks. Wall-clock time in epoch milliseconds for stored timestamps; a monotonic clock for
 * measuring durations. Tests may pin the wall clock with EKYCD_FAKE_NOW_MS (read once). */
#ifndef EKYCD_UTIL_TIMEUTIL_H
#define EKYCD_UTIL_TIMEUTIL_H

#include <stdint.h>

int64_t time_now_ms(void);
double time_monotonic_s(void);

/* Parses "YYYY-MM-DD" (midnight UTC) into epoch ms. Returns 0 on success. */
int time_parse_date(const char *text, int64_t *out_ms);

/* Formats epoch ms as ISO-8601 UTC ("2026-11-23T21:41:26Z") into out. */
void time_format_iso(int64_t ms, char *out, unsigned len);

#endif
