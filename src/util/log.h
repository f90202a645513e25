/* Structured logging: one JSON object per line on stderr.
 *
 * Contract: callers pass an event name and a jansson object of extra fields (stolen, may be
 * NULL). Never put personal data (names, ID numbers, images, journey ids, passwords) into a log
 * call: the logger cannot tell and will print whatever it is given. */
#ifndef EKYCD_UTIL_LOG_H
#define EKYCD_UTIL_LOG_H

#include <jansson.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

/* Sets the minimum level printed; accepts "debug", "info", "warn", "error". Returns 0 if known. */
int log_set_level_name(const char *name);
void log_set_level(log_level level);

/* Writes {"ts":..., "level":..., "event":event, ...fields} and releases fields. */
void log_event(log_level level, const char *event, json_t *fields);

/* Shorthand for an event with a single "msg" string field. */
void log_msg(log_level level, const char *event, const char *msg);

#endif
