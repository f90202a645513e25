#include "store/blob_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_LEN 1200

int blob_dir_prepare(const char *dir, char *err, size_t errlen) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "blob_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "blob_dir %s: not a writable directory", dir);
        return -1;
    }
    return 0;
}

static int blob_path(char *out, const char *dir, const char *journey_id, const char *blob_id,
                     const char *suffix) {
    int n = blob_id ? snprintf(out, PATH_LEN, "%s/%s/%s%s", dir, journey_id, blob_id, suffix)
                    : snprintf(out, PATH_LEN, "%s/%s", dir, journey_id);
    return n > 0 && n < PATH_LEN ? 0 : -1;
}

static int write_all(int fd, const uint8_t *data, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int blob_dir_write(const char *dir, const char *journey_id, const char *blob_id,
                   const uint8_t *data, size_t len) {
    char jdir[PATH_LEN], tmp[PATH_LEN], final[PATH_LEN];
    if (blob_path(jdir, dir, journey_id, NULL, "") != 0 ||
        blob_path(tmp, dir, journey_id, blob_id, ".tmp") != 0 ||
        blob_path(final, dir, journey_id, blob_id, "") != 0)
        return -1;
    if (mkdir(jdir, 0700) != 0 && errno != EEXIST) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (close(fd) != 0) rc = -1;
    if (rc == 0 && rename(tmp, final) == 0) return 0;
    unlink(tmp);
    return -1;
}

uint8_t *blob_dir_read(const char *dir, const char *journey_id, const char *blob_id, size_t *len) {
    char path[PATH_LEN];
    if (blob_path(path, dir, journey_id, blob_id, "") != 0) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat sb;
    uint8_t *buf = NULL;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (buf = malloc(sb.st_size ? (size_t)sb.st_size : 1))) {
        size_t got = 0, want = (size_t)sb.st_size;
        while (got < want) {
            ssize_t r = read(fd, buf + got, want - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got != want) {
            free(buf);
            buf = NULL;
        } else {
            *len = want;
        }
    }
    close(fd);
    return buf;
}

void blob_dir_remove(const char *dir, const char *journey_id, const char *blob_id) {
    char path[PATH_LEN];
    if (blob_path(path, dir, journey_id, blob_id, "") == 0) unlink(path);
}

int blob_dir_remove_journey(const char *dir, const char *journey_id) {
    char jdir[PATH_LEN], path[PATH_LEN];
    if (blob_path(jdir, dir, journey_id, NULL, "") != 0) return -1;
    DIR *d = opendir(jdir);
    if (!d) return errno == ENOENT ? 0 : -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(path, sizeof path, "%s/%s", jdir, e->d_name) >= (int)sizeof path ||
            unlink(path) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(jdir) != 0 && errno != ENOENT) rc = -1;
    return rc;
}
