/* Reading whole files with a size bound. */
#ifndef EKYCD_UTIL_FILE_H
#define EKYCD_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads a regular file of at most max_bytes; returns malloc'd bytes (len in *len) or NULL when
 * it is missing, unreadable, empty or larger. */
uint8_t *file_read_all(const char *path, size_t max_bytes, size_t *len);

#endif
