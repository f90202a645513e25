/* Sealed blob bytes kept as files under a directory (config blob_dir), for deployments whose
 * nodes share a file system: <dir>/<journey id>/<blob id>, written to a temporary name and
 * renamed, one directory per journey so that deleting a journey removes one directory.
 * Internal to src/store/. Ids are validated UUIDs before they get here. */
#ifndef EKYCD_STORE_BLOB_DIR_H
#define EKYCD_STORE_BLOB_DIR_H

#include <stddef.h>
#include <stdint.h>

/* Creates dir (0700) when missing; -1 with the reason in err when it is not a usable directory. */
int blob_dir_prepare(const char *dir, char *err, size_t errlen);
/* 0 once the whole file is on disk (fsync'd), -1 otherwise (nothing left behind). */
int blob_dir_write(const char *dir, const char *journey_id, const char *blob_id,
                   const uint8_t *data, size_t len);
/* The file's bytes (malloc'd) or NULL when missing or unreadable. */
uint8_t *blob_dir_read(const char *dir, const char *journey_id, const char *blob_id, size_t *len);
/* Removes one blob file (missing is fine). */
void blob_dir_remove(const char *dir, const char *journey_id, const char *blob_id);
/* Removes the journey's directory and every file in it; 0 also when there was none. */
int blob_dir_remove_journey(const char *dir, const char *journey_id);

#endif
