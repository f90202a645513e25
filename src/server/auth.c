#include "server/auth.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "util/b64.h"

int auth_parse_basic(const char *header, char *user, size_t user_len, char *password,
                     size_t password_len) {
    if (!header) return -1;
    while (*header == ' ') header++;
    if (strncasecmp(header, "Basic ", 6) != 0) return -1;
    header += 6;
    while (*header == ' ') header++;
    unsigned char *decoded = NULL;
    size_t n = 0;
    if (b64_decode(header, strlen(header), user_len + password_len + 1, &decoded, &n) != B64_OK)
        return -1;
    int rc = -1;
    unsigned char *colon = memchr(decoded, ':', n);
    if (colon && !memchr(decoded, '\0', n)) {
        size_t ulen = (size_t)(colon - decoded);
        size_t plen = n - ulen - 1;
        if (ulen > 0 && ulen < user_len && plen < password_len) {
            memcpy(user, decoded, ulen);
            user[ulen] = '\0';
            memcpy(password, colon + 1, plen);
            password[plen] = '\0';
            rc = 0;
        }
    }
    sodium_memzero(decoded, n);
    free(decoded);
    return rc;
}

auth_result auth_check(app *a, const char *username, const char *password, int64_t now_ms,
                       store_account *account) {
    store_status st = store_account_get(a->store, username, account);
    if (st == STORE_NOT_FOUND) return AUTH_NO_USER;
    if (st != STORE_OK) return AUTH_STORE_ERROR;
    if (strlen(password) > AUTH_PASSWORD_MAX) return AUTH_BAD_PASSWORD;
    if (!workgate_enter(&a->gate)) return AUTH_BUSY;
    int ok = crypto_pwhash_str_verify(account->password_hash, password, strlen(password)) == 0;
    workgate_leave(&a->gate);
    if (!ok) return AUTH_BAD_PASSWORD;
    if (account->disabled || (account->expires_at_ms && account->expires_at_ms <= now_ms))
        return AUTH_EXPIRED;
    return AUTH_OK;
}

int auth_hash_password(const char *password, char *out, size_t out_len) {
    if (out_len < crypto_pwhash_STRBYTES) return -1;
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
