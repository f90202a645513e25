/* Encryption of personal data at rest, and the master key file it uses.
 *
 * A master key (32 random bytes) lives in a file outside the database, mode 0600. From it,
 * sub-keys are derived per purpose (libsodium KDF), so the sealing key and the digest key are
 * independent. Sealed records are XChaCha20-Poly1305 (IETF) with a random 24-byte nonce and
 * caller-supplied associated data that binds a ciphertext to its row: a ciphertext copied into
 * another row fails to open. Layout: version byte 0x01 | nonce (24) | ciphertext+tag. */
#ifndef EKYCD_UTIL_CRYPTO_H
#define EKYCD_UTIL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MASTER_KEY_BYTES 32
#define SEAL_OVERHEAD    (1 + 24 + 16)

typedef struct {
    uint8_t seal[32];    /* XChaCha20-Poly1305 key */
    uint8_t digest[32];  /* keyed BLAKE2b for content digests */
    uint8_t capture[32]; /* root of the OkayFace Plus capture keys */
} crypto_keys;

/* Reads the key file (exactly 32 raw bytes, or 64 hex characters plus optional newline).
 * When the file is missing and create is true, makes one with 0600 permissions (and its parent
 * directory with 0700). Refuses a key file readable by group or others. Returns 0 or -1 with a
 * message in err. */
int crypto_load_master_key(const char *path, bool create, uint8_t key[MASTER_KEY_BYTES], char *err,
                           size_t errlen);

void crypto_derive_keys(const uint8_t master[MASTER_KEY_BYTES], crypto_keys *out);

/* Seals plain into a malloc'd buffer of plain_len + SEAL_OVERHEAD bytes. NULL on OOM. */
uint8_t *crypto_seal(const crypto_keys *k, const char *ad, const uint8_t *plain, size_t plain_len,
                     size_t *out_len);

/* Opens a sealed buffer; returns malloc'd plaintext (with one extra NUL byte after it, so JSON
 * text can be used as a C string) or NULL if the data was altered, bound to other associated
 * data, or sealed under another key. */
uint8_t *crypto_open(const crypto_keys *k, const char *ad, const uint8_t *sealed, size_t sealed_len,
                     size_t *out_len);

/* Keyed content digest (BLAKE2b-256 under the digest sub-key) as 64 hex chars + NUL. A plain
 * hash of a face image would let anyone holding the image confirm that it is stored. */
void crypto_digest_hex(const crypto_keys *k, const uint8_t *data, size_t len, char out[65]);

/* The capture key of one nonce of one journey: keyed BLAKE2b-256 under the capture sub-key over
 * "journey_id|nonce". Recomputed on use, so it is never stored. */
void crypto_capture_key(const crypto_keys *k, const char *journey_id, const char *nonce,
                        uint8_t out[32]);

#endif
