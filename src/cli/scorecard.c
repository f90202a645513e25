/* `ekycd scorecard set|show`: an account's scorecard rules per document type (emas.md §4.9, §6;
 * docs/scorecard.md). `set` validates the rules before storing them. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "util/timeutil.h"

static void scorecard_usage(FILE *out) {
    fputs("Usage: ekycd scorecard set --username U --doc-type T --rules FILE [store options]\n"
          "       ekycd scorecard show --username U --doc-type T [store options]\n"
          "\n"
          "set   stores the account's rules for one document type (passport, mykad_new,\n"
          "      mykad_old, mykad_back, or any OkayDoc docType). FILE (or - for stdin) holds\n"
          "      {\"configList\": [\"liveFaceCheck@P:>=0.5;F:otherwise\", ...],\n"
          "       \"scorecardList\": [\"F=suspicious\", ..., \"otherwise=cautious\"]}\n"
          "      in the vendor's syntax; it is checked before it is stored.\n"
          "show  prints the rules in force (the account's own, else the shipped default).\n"
          "Store options: --data DIR, --store URL, --key-file F, --config F.\n",
          out);
}

int cli_scorecard(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "set") && strcmp(argv[1], "show"))) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            scorecard_usage(stdout);
            return 0;
        }
        scorecard_usage(stderr);
        return 2;
    }
    bool set = !strcmp(argv[1], "set");
    static const struct option opts[] = {
        {"username", required_argument, 0, 'u'}, {"doc-type", required_argument, 0, 't'},
        {"rules", required_argument, 0, 'r'},    {"data", required_argument, 0, 'd'},
        {"store", required_argument, 0, 's'},    {"key-file", required_argument, 0, 'k'},
        {"config", required_argument, 0, 'c'},   {0, 0, 0, 0}};
    cli_store_opts so = {0};
    const char *user = NULL, *doc_type = NULL, *rules = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            user = optarg;
            break;
        case 't':
            doc_type = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        default:
            if (cli_store_option(c, optarg, &so)) break;
            return cli_usage_error("scorecard: invalid option");
        }
    }
    if (!user || !doc_type || !*doc_type || strlen(doc_type) > 64 || (set && !rules))
        return cli_usage_error("scorecard %s: needs --username, --doc-type%s", argv[1],
                               set ? " and --rules" : "");
    json_error_t jerr;
    json_t *lists = NULL;
    scorecard_config cfg;
    char err[256];
    if (set) {
        lists = !strcmp(rules, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(rules, 0, &jerr);
        if (!lists) return cli_usage_error("scorecard set: %s: %s", rules, jerr.text);
        if (api_scorecard_parse_json(lists, &cfg, err, sizeof err) != 0) {
            json_decref(lists);
            return cli_usage_error("scorecard set: %s", err);
        }
    }
    config conf;
    store *st = NULL;
    if (cli_load_config(&conf, &so) != 0 || cli_open_store(&conf, &st) != 0) {
        json_decref(lists);
        return 1;
    }
    store_account account;
    store_status ss = store_account_get(st, user, &account);
    int rc = 0;
    if (ss != STORE_OK) {
        rc = ss == STORE_NOT_FOUND ? cli_fail("no account '%s'", user)
                                   : cli_fail("cannot read the store");
    } else if (set) {
        /* stored in a canonical form: exactly the two lists */
        json_t *canonical =
            json_pack("{s:O,s:O}", "configList", json_object_get(lists, "configList"),
                      "scorecardList", json_object_get(lists, "scorecardList"));
        char *text = canonical ? json_dumps(canonical, JSON_COMPACT) : NULL;
        json_decref(canonical);
        if (!text || store_scorecard_set(st, account.id, doc_type, text, time_now_ms()) != STORE_OK)
            rc = cli_fail("cannot store the rules");
        free(text);
    } else {
        json_t *in_force = NULL;
        int64_t modified = 0;
        int found = api_scorecard_rules(st, &account, doc_type, &cfg, &in_force, &modified);
        if (found == 0) {
            char *text = json_dumps(in_force, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            if (text) puts(text);
            free(text);
        } else {
            rc = found > 0 ? cli_fail("no scorecard for docType '%s'", doc_type)
                           : cli_fail("cannot read the store");
        }
        json_decref(in_force);
    }
    json_decref(lists);
    store_close(st);
    return rc;
}
