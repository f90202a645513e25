#include "util/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KDF_CONTEXT "ekycdkey"

static int make_parent_dir(const char *path) {
    char dir[4096];
    size_t n = strlen(path);
    if (n >= sizeof dir) return -1;
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

static int create_key_file(const char *path, uint8_t key[MASTER_KEY_BYTES], char *err,
                           size_t errlen) {
    if (make_parent_dir(path) != 0) {
        snprintf(err, errlen, "cannot create directory for key file %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
        return -1;
    }
    randombytes_buf(key, MASTER_KEY_BYTES);
    char hex[MASTER_KEY_BYTES * 2 + 2];
    sodium_bin2hex(hex, sizeof hex, key, MASTER_KEY_BYTES);
    size_t n = strlen(hex);
    hex[n++] = '\n';
    ssize_t w = write(fd, hex, n);
    int fsync_rc = fsync(fd);
    close(fd);
    sodium_memzero(hex, sizeof hex);
    if (w != (ssize_t)n || fsync_rc != 0) {
        unlink(path);
        snprintf(err, errlen, "cannot write key file %s", path);
        return -1;
    }
    return 0;
}

int crypto_load_master_key(const char *path, bool create, uint8_t key[MASTER_KEY_BYTES], char *err,
                           size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && create) return create_key_file(path, key, err, errlen);
        snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "key file %s is not a regular file", path);
        return -1;
    }
    if (st.st_mode & 077) {
        close(fd);
        snprintf(err, errlen, "key file %s must not be readable by group or others (chmod 600)",
                 path);
        return -1;
    }
    uint8_t buf[160];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    int rc = -1;
    if (n == MASTER_KEY_BYTES) {
        memcpy(key, buf, MASTER_KEY_BYTES);
        rc = 0;
    } else if (n >= MASTER_KEY_BYTES * 2 && n <= MASTER_KEY_BYTES * 2 + 2) {
        size_t bin_len = 0;
        const char *end = NULL;
        if (sodium_hex2bin(key, MASTER_KEY_BYTES, (const char *)buf, (size_t)n, "\r\n", &bin_len,
                           &end) == 0 &&
            bin_len == MASTER_KEY_BYTES)
            rc = 0;
    }
    sodium_memzero(buf, sizeof buf);
    if (rc != 0)
        snprintf(err, errlen, "key file %s must hold 32 raw bytes or 64 hex characters", path);
    return rc;
}

void crypto_derive_keys(const uint8_t master[MASTER_KEY_BYTES], crypto_keys *out) {
    crypto_kdf_derive_from_key(out->seal, sizeof out->seal, 1, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(out->digest, sizeof out->digest, 2, KDF_CONTEXT, master);
    crypto_kdf_derive_from_key(out->capture, sizeof out->capture, 3, KDF_CONTEXT, master);
}

void crypto_capture_key(const crypto_keys *k, const char *journey_id, const char *nonce,
                        uint8_t out[32]) {
    crypto_generichash_state h;
    crypto_generichash_init(&h, k->capture, sizeof k->capture, 32);
    crypto_generichash_update(&h, (const unsigned char *)journey_id, strlen(journey_id));
    crypto_generichash_update(&h, (const unsigned char *)"|", 1);
    crypto_generichash_update(&h, (const unsigned char *)nonce, strlen(nonce));
    crypto_generichash_final(&h, out, 32);
}

uint8_t *crypto_seal(const crypto_keys *k, const char *ad, const uint8_t *plain, size_t plain_len,
                     size_t *out_len) {
    size_t total = plain_len + SEAL_OVERHEAD;
    if (total < plain_len) return NULL;
    uint8_t *out = malloc(total);
    if (!out) return NULL;
    out[0] = 0x01;
    uint8_t *nonce = out + 1;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + 25, &clen, plain, plain_len,
                                               (const uint8_t *)ad, ad ? strlen(ad) : 0, NULL,
                                               nonce, k->seal);
    *out_len = 25 + (size_t)clen;
    return out;
}

uint8_t *crypto_open(const crypto_keys *k, const char *ad, const uint8_t *sealed, size_t sealed_len,
                     size_t *out_len) {
    if (sealed_len < SEAL_OVERHEAD || sealed[0] != 0x01) return NULL;
    size_t plain_cap = sealed_len - SEAL_OVERHEAD;
    uint8_t *out = malloc(plain_cap + 1);
    if (!out) return NULL;
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL, sealed + 25, sealed_len - 25,
                                                   (const uint8_t *)ad, ad ? strlen(ad) : 0,
                                                   sealed + 1, k->seal) != 0) {
        free(out);
        return NULL;
    }
    out[plen] = 0;
    *out_len = (size_t)plen;
    return out;
}

void crypto_digest_hex(const crypto_keys *k, const uint8_t *data, size_t len, char out[65]) {
    uint8_t h[32];
    crypto_generichash(h, sizeof h, data, len, k->digest, sizeof k->digest);
    sodium_bin2hex(out, 65, h, sizeof h);
}
