/* Base64 decoding of untrusted input (libsodium underneath).
 *
 * Accepts standard and URL-safe alphabets, with or without padding, ignores ASCII whitespace,
 * and strips a leading data-URI prefix ("data:image/jpeg;base64,"). The decoded size is
 * bounded by max_out: longer input fails with B64_TOO_LARGE before decoding. */
#ifndef EKYCD_UTIL_B64_H
#define EKYCD_UTIL_B64_H

#include <stddef.h>

typedef enum { B64_OK = 0, B64_EMPTY, B64_INVALID, B64_TOO_LARGE, B64_NOMEM } b64_status;

/* On B64_OK, *out is malloc'd (caller frees) and *out_len is its length. */
b64_status b64_decode(const char *text, size_t text_len, size_t max_out, unsigned char **out,
                      size_t *out_len);

/* Returns a malloc'd NUL-terminated standard base64 string, or NULL on allocation failure. */
char *b64_encode(const unsigned char *data, size_t len);

#endif
