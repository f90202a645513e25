#include "util/b64.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_data_uri(const char *text, size_t *len) {
    if (*len > 5 && strncmp(text, "data:", 5) == 0) {
        const char *comma = memchr(text, ',', *len < 256 ? *len : 256);
        if (comma) {
            *len -= (size_t)(comma + 1 - text);
            return comma + 1;
        }
    }
    return text;
}

b64_status b64_decode(const char *text, size_t text_len, size_t max_out, unsigned char **out,
                      size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    if (!text) return B64_EMPTY;
    text = skip_data_uri(text, &text_len);
    size_t significant = 0;
    int urlsafe = 0;
    for (size_t i = 0; i < text_len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '-' || c == '_') urlsafe = 1;
        significant++;
    }
    if (significant == 0) return B64_EMPTY;
    if (significant / 4 * 3 > max_out + 3) return B64_TOO_LARGE;
    size_t cap = significant / 4 * 3 + 3;
    unsigned char *buf = malloc(cap);
    if (!buf) return B64_NOMEM;
    size_t bin_len = 0;
    const char *end = NULL;
    int variant = urlsafe ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_ORIGINAL;
    int rc = sodium_base642bin(buf, cap, text, text_len, " \t\r\n", &bin_len, &end, variant);
    if (rc == 0 && end != text + text_len) {
        /* sodium stops at the first '='-less tail; retry without padding requirement. */
        rc = -1;
    }
    if (rc != 0) {
        variant = urlsafe ? sodium_base64_VARIANT_URLSAFE_NO_PADDING
                          : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
        rc = sodium_base642bin(buf, cap, text, text_len, " \t\r\n", &bin_len, &end, variant);
        if (rc == 0 && end != text + text_len) rc = -1;
    }
    if (rc != 0 || bin_len == 0) {
        free(buf);
        return B64_INVALID;
    }
    if (bin_len > max_out) {
        free(buf);
        return B64_TOO_LARGE;
    }
    *out = buf;
    *out_len = bin_len;
    return B64_OK;
}

char *b64_encode(const unsigned char *data, size_t len) {
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(n);
    if (!s) return NULL;
    sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    return s;
}
