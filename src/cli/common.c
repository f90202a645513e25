#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/crypto.h"
#include "util/file.h"

#define CLI_MAX_FILE_BYTES (64u << 20)
#define CLI_MAX_PIXELS     40000000u /* 40 MP, as the API */

int cli_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ekycd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_print_json(json_t *j) {
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7)) : NULL;
    json_decref(j);
    if (!s) return 1;
    puts(s);
    free(s);
    return 0;
}

int cli_print_error(const char *code) {
    cli_print_json(json_pack("{s:s,s:s}", "status", "error", "message", code));
    return 1;
}

const char *cli_load_image(const char *path, image *img, const char *bad_image_code) {
    size_t n = 0;
    uint8_t *buf = file_read_all(path, CLI_MAX_FILE_BYTES, &n);
    char err[256];
    image_status st =
        buf ? image_decode(buf, n, CLI_MAX_PIXELS, img, err, sizeof err) : IMG_CORRUPT;
    free(buf);
    if (st == IMG_OK) return NULL;
    return st == IMG_TOO_LARGE ? "PAYLOAD_TOO_LARGE" : bad_image_code;
}

int cli_usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ekycd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see --help)\n", stderr);
    va_end(ap);
    return 2;
}

static int make_dir_tree(const char *path) {
    char dir[CONFIG_PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return -1;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return (mkdir(dir, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

int cli_load_config(config *cfg, const cli_store_opts *o) {
    char err[512];
    config_defaults(cfg);
    if (o->config_file && config_load_file(cfg, o->config_file, err, sizeof err) != 0)
        return cli_fail("%s", err);
    if (config_apply_env(cfg, err, sizeof err) != 0) return cli_fail("%s", err);
    if (o->data && config_set_data_dir(cfg, o->data, err, sizeof err) != 0)
        return cli_fail("%s", err);
    if (o->store && config_copy_string(cfg->store_url, sizeof cfg->store_url, o->store) != 0)
        return cli_fail("--store is too long");
    if (o->key_file && config_copy_string(cfg->key_file, sizeof cfg->key_file, o->key_file) != 0)
        return cli_fail("--key-file is too long");
    config_finish(cfg);
    return 0;
}

int cli_open_store(config *cfg, store **out) {
    char err[512];
    if (make_dir_tree(cfg->data_dir) != 0)
        return cli_fail("cannot create data directory %s: %s", cfg->data_dir, strerror(errno));
    uint8_t key[MASTER_KEY_BYTES];
    if (crypto_load_master_key(cfg->key_file, true, key, err, sizeof err) != 0)
        return cli_fail("%s", err);
    store_status st = store_open_pooled(cfg->store_url, key, cfg->store_pool, out, err, sizeof err);
    sodium_memzero(key, sizeof key);
    if (st != STORE_OK) return cli_fail("%s", err);
    if (cfg->blob_dir[0] && store_use_blob_dir(*out, cfg->blob_dir, err, sizeof err) != STORE_OK) {
        store_close(*out);
        *out = NULL;
        return cli_fail("%s", err);
    }
    return 0;
}

bool cli_store_option(int c, const char *arg, cli_store_opts *o) {
    switch (c) {
    case 'd':
        o->data = arg;
        return true;
    case 's':
        o->store = arg;
        return true;
    case 'k':
        o->key_file = arg;
        return true;
    case 'c':
        o->config_file = arg;
        return true;
    default:
        return false;
    }
}
