/* Random identifiers: UUID v4 strings (journey ids, result ids) and short hex request ids.
 * All randomness comes from libsodium's CSPRNG; call sodium_init() before use. */
#ifndef EKYCD_UTIL_IDS_H
#define EKYCD_UTIL_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define UUID_STR_LEN 37 /* 36 characters + NUL */

void uuid_v4(char out[UUID_STR_LEN]);

/* True if text is a canonical lower- or upper-case 8-4-4-4-12 hex UUID (any version). */
bool uuid_is_valid(const char *text);

/* Writes 2*nbytes hex characters and a NUL into out (size >= 2*nbytes+1). */
void random_hex(char *out, size_t nbytes);

#endif
