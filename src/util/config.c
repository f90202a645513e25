#include "util/config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_copy_string(char *dst, size_t dstlen, const char *src) {
    size_t n = strlen(src);
    if (n >= dstlen) return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

void config_defaults(config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    config_copy_string(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    config_copy_string(cfg->data_dir, sizeof cfg->data_dir, "var");
    config_copy_string(cfg->log_level, sizeof cfg->log_level, "info");
    config_copy_string(cfg->models_dir, sizeof cfg->models_dir, "models");
    config_copy_string(cfg->ocr_dir, sizeof cfg->ocr_dir, "ocr");
    cfg->max_body_bytes = 5u * 1024u * 1024u;
    cfg->client_rate_per_minute = 400;
    cfg->threads = 8;
    cfg->connection_timeout_s = 30;
    cfg->max_connections = 512;
    cfg->work_slots = 2;
    cfg->work_queue = 64;
    cfg->retention_days = 14;
    cfg->store_pool = 4;
    cfg->job_lease_seconds = 60;
    cfg->okayid_visual_zone = true;
    cfg->v3_require_api_key = true;
    cfg->liveness_threshold = CONFIG_DEFAULT_LIVENESS_THRESHOLD;
}

int config_set_listen(config *cfg, const char *text, char *err, size_t errlen) {
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text) {
        snprintf(err, errlen, "listen address must be HOST:PORT, got '%s'", text);
        return -1;
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535) {
        snprintf(err, errlen, "invalid port in '%s'", text);
        return -1;
    }
    const char *host = text;
    size_t host_len = (size_t)(colon - text);
    if (host[0] == '[' && host_len >= 2 && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= sizeof cfg->listen_host) {
        snprintf(err, errlen, "invalid host in '%s'", text);
        return -1;
    }
    memcpy(cfg->listen_host, host, host_len);
    cfg->listen_host[host_len] = '\0';
    cfg->listen_port = (int)port;
    return 0;
}

int config_set_data_dir(config *cfg, const char *dir, char *err, size_t errlen) {
    if (!*dir || config_copy_string(cfg->data_dir, sizeof cfg->data_dir, dir) != 0) {
        snprintf(err, errlen, "data directory path is empty or too long");
        return -1;
    }
    return 0;
}

static int set_path(char *dst, size_t dstlen, const char *value, const char *what, char *err,
                    size_t errlen) {
    if (!*value || config_copy_string(dst, dstlen, value) != 0) {
        snprintf(err, errlen, "%s is empty or too long", what);
        return -1;
    }
    return 0;
}

static int get_uint(json_t *v, const char *key, unsigned long min, unsigned long max,
                    unsigned long *out, char *err, size_t errlen) {
    if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
        json_integer_value(v) > (json_int_t)max) {
        snprintf(err, errlen, "config: '%s' must be an integer in [%lu, %lu]", key, min, max);
        return -1;
    }
    *out = (unsigned long)json_integer_value(v);
    return 0;
}

int config_set_liveness_threshold(config *cfg, const char *text, char *err, size_t errlen) {
    char *end = NULL;
    double t = strtod(text, &end);
    if (!*text || *end != '\0' || !(t >= -16.0 && t <= 16.0)) {
        snprintf(err, errlen, "liveness threshold must be a number in [-16, 16], got '%s'", text);
        return -1;
    }
    cfg->liveness_threshold = t;
    cfg->liveness_calibrated = true;
    return 0;
}

int config_set_public_url(config *cfg, const char *url, char *err, size_t errlen) {
    size_t n = strlen(url);
    bool scheme = !strncmp(url, "https://", 8) || !strncmp(url, "http://", 7);
    if (!scheme || n >= sizeof cfg->public_url || strpbrk(url, "?#\"<> \t\r\n")) {
        snprintf(err, errlen, "config: 'public_url' must be an http(s) URL without query");
        return -1;
    }
    snprintf(cfg->public_url, sizeof cfg->public_url, "%.*s",
             (int)(n && url[n - 1] == '/' ? n - 1 : n), url);
    return 0;
}

/* A boolean config key into *out. */
static int set_bool_key(bool *out, const char *key, json_t *v, char *err, size_t errlen) {
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "config: '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* A boolean environment variable ("true"/"false"/"1"/"0") into *out when it is set. */
static int set_bool_env(bool *out, const char *name, char *err, size_t errlen) {
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    bool on = !strcmp(v, "true") || !strcmp(v, "1");
    if (!on && strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
        snprintf(err, errlen, "%s must be true, false, 1 or 0", name);
        return -1;
    }
    *out = on;
    return 0;
}

static int apply_key(config *cfg, const char *key, json_t *v, char *err, size_t errlen) {
    unsigned long u = 0;
    if (strcmp(key, "liveness_threshold") == 0) {
        if (!json_is_number(v) ||
            !(json_number_value(v) >= -16.0 && json_number_value(v) <= 16.0)) {
            snprintf(err, errlen, "config: 'liveness_threshold' must be a number in [-16, 16]");
            return -1;
        }
        cfg->liveness_threshold = json_number_value(v);
        cfg->liveness_calibrated = true;
        return 0;
    }
    if (strcmp(key, "okayid_visual_zone") == 0)
        return set_bool_key(&cfg->okayid_visual_zone, key, v, err, errlen);
    if (strcmp(key, "v3_require_api_key") == 0)
        return set_bool_key(&cfg->v3_require_api_key, key, v, err, errlen);
    if (strcmp(key, "listen") == 0 || strcmp(key, "data") == 0 || strcmp(key, "key_file") == 0 ||
        strcmp(key, "store") == 0 || strcmp(key, "ready_file") == 0 ||
        strcmp(key, "log_level") == 0 || strcmp(key, "models") == 0 || strcmp(key, "ocr") == 0 ||
        strcmp(key, "blob_dir") == 0 || strcmp(key, "public_url") == 0) {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "config: '%s' must be a string", key);
            return -1;
        }
        const char *s = json_string_value(v);
        if (strcmp(key, "listen") == 0) return config_set_listen(cfg, s, err, errlen);
        if (strcmp(key, "data") == 0) return config_set_data_dir(cfg, s, err, errlen);
        if (strcmp(key, "key_file") == 0)
            return set_path(cfg->key_file, sizeof cfg->key_file, s, key, err, errlen);
        if (strcmp(key, "store") == 0)
            return set_path(cfg->store_url, sizeof cfg->store_url, s, key, err, errlen);
        if (strcmp(key, "ready_file") == 0)
            return set_path(cfg->ready_file, sizeof cfg->ready_file, s, key, err, errlen);
        if (strcmp(key, "models") == 0)
            return set_path(cfg->models_dir, sizeof cfg->models_dir, s, key, err, errlen);
        if (strcmp(key, "ocr") == 0)
            return set_path(cfg->ocr_dir, sizeof cfg->ocr_dir, s, key, err, errlen);
        if (strcmp(key, "blob_dir") == 0)
            return set_path(cfg->blob_dir, sizeof cfg->blob_dir, s, key, err, errlen);
        if (strcmp(key, "public_url") == 0) return config_set_public_url(cfg, s, err, errlen);
        return set_path(cfg->log_level, sizeof cfg->log_level, s, key, err, errlen);
    }
    struct {
        const char *name;
        unsigned long min, max;
    } ints[] = {{"max_body_bytes", 1024, 1UL << 30},
                {"threads", 1, 256},
                {"connection_timeout_s", 1, 3600},
                {"max_connections", 1, 100000},
                {"work_slots", 1, 256},
                {"work_queue", 0, 100000},
                {"retention_days", 1, 3650},
                {"store_pool", 1, 64},
                {"job_lease_seconds", 2, 3600},
                {"client_rate_per_minute", 1, 1000000}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strcmp(key, ints[i].name) != 0) continue;
        if (get_uint(v, key, ints[i].min, ints[i].max, &u, err, errlen) != 0) return -1;
        switch (i) {
        case 0:
            cfg->max_body_bytes = u;
            break;
        case 1:
            cfg->threads = (unsigned)u;
            break;
        case 2:
            cfg->connection_timeout_s = (unsigned)u;
            break;
        case 3:
            cfg->max_connections = (unsigned)u;
            break;
        case 4:
            cfg->work_slots = (unsigned)u;
            break;
        case 5:
            cfg->work_queue = (unsigned)u;
            break;
        case 6:
            cfg->retention_days = (int)u;
            break;
        case 7:
            cfg->store_pool = (unsigned)u;
            break;
        case 8:
            cfg->job_lease_seconds = (unsigned)u;
            break;
        default:
            cfg->client_rate_per_minute = (unsigned)u;
            break;
        }
        return 0;
    }
    snprintf(err, errlen, "config: unknown key '%s'", key);
    return -1;
}

int config_load_file(config *cfg, const char *path, char *err, size_t errlen) {
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "config %s: %s (line %d)", path, jerr.text, jerr.line);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "config %s: top level must be a JSON object", path);
        return -1;
    }
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, key, v) {
        if ((rc = apply_key(cfg, key, v, err, errlen)) != 0) break;
    }
    json_decref(root);
    return rc;
}

int config_apply_env(config *cfg, char *err, size_t errlen) {
    const char *v;
    if ((v = getenv("EKYCD_LISTEN")) && *v && config_set_listen(cfg, v, err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_DATA")) && *v && config_set_data_dir(cfg, v, err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_KEY_FILE")) && *v &&
        set_path(cfg->key_file, sizeof cfg->key_file, v, "EKYCD_KEY_FILE", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_STORE")) && *v &&
        set_path(cfg->store_url, sizeof cfg->store_url, v, "EKYCD_STORE", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_MODELS")) && *v &&
        set_path(cfg->models_dir, sizeof cfg->models_dir, v, "EKYCD_MODELS", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_BLOB_DIR")) && *v &&
        set_path(cfg->blob_dir, sizeof cfg->blob_dir, v, "EKYCD_BLOB_DIR", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_PUBLIC_URL")) && *v && config_set_public_url(cfg, v, err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_OCR")) && *v &&
        set_path(cfg->ocr_dir, sizeof cfg->ocr_dir, v, "EKYCD_OCR", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_LIVENESS_THRESHOLD")) && *v &&
        config_set_liveness_threshold(cfg, v, err, errlen) != 0)
        return -1;
    if (set_bool_env(&cfg->okayid_visual_zone, "EKYCD_OKAYID_VISUAL_ZONE", err, errlen) != 0 ||
        set_bool_env(&cfg->v3_require_api_key, "EKYCD_V3_REQUIRE_API_KEY", err, errlen) != 0)
        return -1;
    if ((v = getenv("EKYCD_LOG_LEVEL")) && *v &&
        set_path(cfg->log_level, sizeof cfg->log_level, v, "EKYCD_LOG_LEVEL", err, errlen) != 0)
        return -1;
    return 0;
}

void config_finish(config *cfg) {
    if (!cfg->key_file[0])
        snprintf(cfg->key_file, sizeof cfg->key_file, "%.1000s/ekycd.key", cfg->data_dir);
    if (!cfg->store_url[0])
        snprintf(cfg->store_url, sizeof cfg->store_url, "sqlite:%.1000s/ekycd.db", cfg->data_dir);
}
