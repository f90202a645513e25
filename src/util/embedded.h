/* Files compiled into the binary by tools/embed (migrations now, web assets later). */
#ifndef EKYCD_UTIL_EMBEDDED_H
#define EKYCD_UTIL_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name;          /* base name, e.g. "001_init.sql" */
    const unsigned char *data; /* NUL-terminated for text convenience */
    size_t len;                /* without the NUL */
} embedded_file;

#endif
