/* Helpers shared by the test programs: temporary directories, files, and (for API tests) a real
 * `ekycd serve` child process and a small libcurl client. Header-only; each test includes it. */
#ifndef EKYCD_TESTUTIL_H
#define EKYCD_TESTUTIL_H

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static inline char *tu_mkdtemp(void) {
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/ekycd-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static inline int tu_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void tu_rmtree(const char *dir) {
    if (dir) nftw(dir, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads a whole file; returns malloc'd bytes (NUL-terminated) or NULL. */
static inline unsigned char *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n > 0 ? n : 0] = 0;
        if (len) *len = (size_t)(n > 0 ? n : 0);
    }
    return buf;
}

static inline int tu_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* True if needle occurs in the file's bytes. */
static inline int tu_file_contains(const char *path, const void *needle, size_t nlen) {
    size_t len = 0;
    unsigned char *buf = tu_read_file(path, &len);
    if (!buf) return 0;
    int found = memmem(buf, len, needle, nlen) != NULL;
    free(buf);
    return found;
}

/* A file of the shared evaluation data (../shared/data beside the project, or wherever
 * $EKYCD_SHARED_DATA points; tests run from the project root). Returns root + "/" + rel in one of
 * eight rotating static buffers, so a test may hold a few at once. Tests that need such a file
 * skip() when it is absent: a fresh clone has no shared data. */
static inline const char *tu_shared(const char *rel) {
    static char bufs[8][1024];
    static unsigned next;
    const char *root = getenv("EKYCD_SHARED_DATA");
    if (!root || !*root) root = "../shared/data";
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
    return b;
}

/* In a cmocka test: skips it, saying which file was missing, when a shared-data file (see
 * tu_shared) is absent. */
#define TU_NEED_SHARED(path)                                                                       \
    do {                                                                                           \
        const char *need_ = (path);                                                                \
        if (access(need_, R_OK) != 0) {                                                            \
            printf("  skipped: %s not found (the shared evaluation data; EKYCD_SHARED_DATA)\n",    \
                   need_);                                                                         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
