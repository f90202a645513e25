/* Authentication of API accounts: username/password in a JSON body (journeyid, scorecardConfig)
 * or HTTP Basic (details, delete, admin calls). Passwords are checked against Argon2id hashes
 * through the work gate, since each check costs ~50 ms and 64 MiB. */
#ifndef EKYCD_SERVER_AUTH_H
#define EKYCD_SERVER_AUTH_H

#include <stddef.h>

#include "app.h"
#include "store/store.h"

typedef enum {
    AUTH_OK = 0,
    AUTH_NO_USER,      /* USERNAME_NOT_EXIST / WRONG_CREDENTIAL */
    AUTH_BAD_PASSWORD, /* INCORRECT_PASSWORD / WRONG_CREDENTIAL */
    AUTH_EXPIRED,      /* ERROR_IDV_EXPIRED: disabled or past its expiry date */
    AUTH_BUSY,         /* work queue full: 503 */
    AUTH_STORE_ERROR   /* 500 */
} auth_result;

#define AUTH_PASSWORD_MAX 256

/* Parses "Basic base64(user:password)". Returns 0 on success. */
int auth_parse_basic(const char *header, char *user, size_t user_len, char *password,
                     size_t password_len);

/* Looks the account up and checks the password; on AUTH_OK (and AUTH_EXPIRED) fills *account. */
auth_result auth_check(app *a, const char *username, const char *password, int64_t now_ms,
                       store_account *account);

/* Hashes a password for storage (Argon2id, interactive limits). Returns 0 on success. */
int auth_hash_password(const char *password, char *out, size_t out_len);

#endif
