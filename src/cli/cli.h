/* Command-line verbs of the ekycd binary. Each returns a process exit code:
 * 0 success, 1 failure, 2 usage error. */
#ifndef EKYCD_CLI_CLI_H
#define EKYCD_CLI_CLI_H

#include <stdbool.h>

#include "store/store.h"
#include "util/config.h"

int cli_serve(int argc, char **argv);
int cli_account(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_read(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_scorecard(int argc, char **argv);

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

/* Prints to stderr "ekycd: <msg>" and returns 1 (or 2 for usage). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
