/* `ekycd audit (--journey ID | --account USERNAME) [--limit N]`: the audit log, one JSON object
 * per line, oldest first: when, which account from which address did what (route), the HTTP
 * status and the answer's code. No personal data is ever in it. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "util/ids.h"

static void audit_usage(FILE *out) {
    fputs("Usage: ekycd audit (--journey ID | --account USERNAME) [--limit N]\n"
          "                   [--data DIR] [--store URL] [--key-file F] [--config F]\n"
          "\n"
          "Prints the audit log of one journey or one account, oldest first, one JSON object per\n"
          "line: at (UTC), account, clientIp, action, status, outcome, requestId. The log keeps\n"
          "no personal data and outlives the journeys it names (their deletion and purge stay\n"
          "on record). --limit keeps the latest N entries (default 1000).\n",
          out);
}

static void print_entry(const store_audit_entry *e) {
    char when[40];
    time_t secs = (time_t)(e->at_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03dZ", (int)(e->at_ms % 1000));
    json_t *j = json_pack("{s:s,s:s?,s:s?,s:s,s:s,s:i,s:s,s:s}", "at", when, "account",
                          e->username[0] ? e->username : NULL, "journeyId",
                          e->journey_id[0] ? e->journey_id : NULL, "clientIp", e->client_ip,
                          "action", e->action, "status", e->status, "outcome", e->outcome,
                          "requestId", e->request_id);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text) puts(text);
    free(text);
    json_decref(j);
}

int cli_audit(int argc, char **argv) {
    static const struct option opts[] = {{"journey", required_argument, 0, 'j'},
                                         {"account", required_argument, 0, 'a'},
                                         {"limit", required_argument, 0, 'n'},
                                         {"data", required_argument, 0, 'd'},
                                         {"store", required_argument, 0, 's'},
                                         {"key-file", required_argument, 0, 'k'},
                                         {"config", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    cli_store_opts so = {0};
    const char *journey = NULL, *username = NULL;
    long limit = 1000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            journey = optarg;
            break;
        case 'a':
            username = optarg;
            break;
        case 'n': {
            char *end = NULL;
            limit = strtol(optarg, &end, 10);
            if (!end || *end || limit < 1 || limit > 1000000)
                return cli_usage_error("audit: --limit must be 1 to 1000000");
            break;
        }
        case 'h':
            audit_usage(stdout);
            return 0;
        default:
            if (cli_store_option(c, optarg, &so)) break;
            return cli_usage_error("audit: invalid option");
        }
    }
    if (optind < argc) return cli_usage_error("audit: unexpected argument '%s'", argv[optind]);
    if (!journey == !username) return cli_usage_error("audit: give --journey or --account");
    if (journey && !uuid_is_valid(journey)) return cli_usage_error("audit: not a journey id");
    config cfg;
    if (cli_load_config(&cfg, &so) != 0) return 1;
    store *st = NULL;
    if (cli_open_store(&cfg, &st) != 0) return 1;
    int64_t account_id = 0;
    if (username) {
        store_account account;
        store_status as = store_account_get(st, username, &account);
        if (as != STORE_OK) {
            store_close(st);
            return as == STORE_NOT_FOUND ? cli_fail("no account '%s'", username)
                                         : cli_fail("cannot read the store");
        }
        account_id = account.id;
    }
    store_audit_entry *entries = NULL;
    size_t count = 0;
    store_status rc = store_audit_list(st, journey, account_id, (size_t)limit, &entries, &count);
    for (size_t i = 0; rc == STORE_OK && i < count; i++) print_entry(&entries[i]);
    free(entries);
    store_close(st);
    return rc == STORE_OK ? 0 : cli_fail("cannot read the audit log");
}
