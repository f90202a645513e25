/* Command-line verbs of the ekycd binary. Each returns a process exit code:
 * 0 success, 1 failure, 2 usage error. */
#ifndef EKYCD_CLI_CLI_H
#define EKYCD_CLI_CLI_H

#include <stdbool.h>

#include <jansson.h>

#include "store/store.h"
#include "vision/image.h"
#include "util/config.h"

int cli_serve(int argc, char **argv);
int cli_account(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_read(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_scorecard(int argc, char **argv);
int cli_liveness(int argc, char **argv);
int cli_client(int argc, char **argv);
int cli_company(int argc, char **argv);
int cli_usage(int argc, char **argv);

/* Options every verb that touches the store accepts; NULL when not given. */
typedef struct {
    const char *config_file, *data, *store, *key_file;
} cli_store_opts;

/* Takes the getopt result c of --data ('d'), --store ('s'), --key-file ('k') or --config ('c')
 * into o; false for any other option. */
bool cli_store_option(int c, const char *arg, cli_store_opts *o);

/* Builds cfg from defaults, the config file, the environment and then the flags, in that order
 * of precedence (flags win). */
int cli_load_config(config *cfg, const cli_store_opts *o);

/* Creates the data directory (0700) and the master key when missing, opens the store. */
int cli_open_store(config *cfg, store **out);

/* Prints j (taking ownership; NULL allowed) as one compact line in key order; 0, or 1 when it
 * could not be printed. */
int cli_print_json(json_t *j);

/* Prints {"status":"error","message":code} and returns 1. */
int cli_print_error(const char *code);

/* Reads and decodes an image file (up to 40 MP). NULL on success, else the API's error code for
 * it: PAYLOAD_TOO_LARGE or `bad_image_code`. */
const char *cli_load_image(const char *path, image *img, const char *bad_image_code);

/* Prints to stderr "ekycd: <msg>" and returns 1 (or 2 for usage). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
