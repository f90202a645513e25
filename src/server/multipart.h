/* multipart/form-data parsing (RFC 7578) over a fully received, size-capped body.
 *
 * Zero-copy: part data points into the body. Bounded: at most MULTIPART_MAX_PARTS parts, each
 * part's header block at most MULTIPART_MAX_HEADER bytes, names and file names truncated never,
 * rejected when longer than their fields. Anything malformed is an error, never a crash. */
#ifndef EKYCD_SERVER_MULTIPART_H
#define EKYCD_SERVER_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_PARTS  32
#define MULTIPART_MAX_HEADER 8192

typedef struct {
    char name[128];
    char filename[256];
    char content_type[128]; /* "" when the part has none */
    int is_file;            /* a filename parameter was present */
    const unsigned char *data;
    size_t len;
} multipart_part;

typedef struct {
    multipart_part parts[MULTIPART_MAX_PARTS];
    size_t count;
} multipart_form;

typedef enum {
    MP_OK = 0,
    MP_NOT_MULTIPART, /* Content-Type is not multipart/form-data */
    MP_NO_BOUNDARY,   /* missing or invalid boundary parameter */
    MP_MALFORMED,     /* delimiters, headers or disposition are wrong */
    MP_TOO_MANY_PARTS,
    MP_HEADER_TOO_LONG
} multipart_status;

multipart_status multipart_parse(const char *content_type, const unsigned char *body, size_t len,
                                 multipart_form *form);

/* First part with that name, or NULL. */
const multipart_part *multipart_get(const multipart_form *form, const char *name);

/* Copies a part's value as a NUL-terminated string into out (size len), trimming surrounding
 * whitespace. Returns 0, or -1 when the part is absent, longer than len - 1 or holds a NUL. */
int multipart_get_text(const multipart_form *form, const char *name, char *out, size_t len);

const char *multipart_status_name(multipart_status s);

#endif
