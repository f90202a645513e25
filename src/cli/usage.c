/* `ekycd usage --account U --month YYYY-MM`: what an operator bills an account on for a month
 * of verification links (docs/h5.md, billing): links created, and of them the ones whose OCR
 * and face steps were charged and the ones that succeeded, per link type. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/timeutil.h"

static void usage_usage(FILE *out) {
    fputs("Usage: ekycd usage --account U --month YYYY-MM [--data DIR] [--store URL]\n"
          "                   [--key-file F] [--config F]\n"
          "\n"
          "Prints one JSON object: per link type (\"00\" OCR + face + liveness, \"01\" OCR only)\n"
          "the links created in that month (UTC), how many had their OCR step charged\n"
          "(ocr_charged), their face step charged (face_id_charged), and succeeded (is_success).\n"
          "A type-00 link is billed in full once its OCR is charged, whatever the face step's\n"
          "outcome (the vendor's rule).\n",
          out);
}

/* [from, to) of a "YYYY-MM" month in epoch ms; -1 when malformed. */
static int month_range(const char *month, int64_t *from, int64_t *to) {
    int y, m;
    char tail;
    if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12 ||
        y < 2000 || y > 9999)
        return -1;
    char first[32], next[32];
    snprintf(first, sizeof first, "%04d-%02d-01", y, m);
    snprintf(next, sizeof next, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    return time_parse_date(first, from) == 0 && time_parse_date(next, to) == 0 ? 0 : -1;
}

static int flag(json_t *record, const char *key) {
    return json_integer_value(json_object_get(record, key)) == 1;
}

int cli_usage(int argc, char **argv) {
    static const struct option opts[] = {
        {"account", required_argument, 0, 'a'},  {"month", required_argument, 0, 'm'},
        {"data", required_argument, 0, 'd'},     {"store", required_argument, 0, 's'},
        {"key-file", required_argument, 0, 'k'}, {"config", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    cli_store_opts so = {0};
    const char *account = NULL, *month = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'a')
            account = optarg;
        else if (c == 'm')
            month = optarg;
        else if (c == 'h') {
            usage_usage(stdout);
            return 0;
        } else if (!cli_store_option(c, optarg, &so))
            return cli_usage_error("usage: invalid option");
    }
    if (!account || !month) return cli_usage_error("usage: --account and --month are required");
    int64_t from, to;
    if (month_range(month, &from, &to) != 0)
        return cli_usage_error("usage: --month must be YYYY-MM");
    config cfg;
    if (cli_load_config(&cfg, &so) != 0) return 1;
    store *st = NULL;
    if (cli_open_store(&cfg, &st) != 0) return 1;
    store_account a;
    store_verification *links = NULL;
    size_t n = 0;
    int rc = 0;
    if (store_account_get(st, account, &a) != STORE_OK)
        rc = cli_fail("no account named '%s'", account);
    else if (store_verification_list(st, "h5", a.id, from, to, &links, &n) != STORE_OK)
        rc = cli_fail("cannot read the account's links");
    if (rc == 0) {
        long long count[2][4] = {{0}}; /* [type 00, 01][links, ocr, face, success] */
        for (size_t i = 0; i < n; i++) {
            json_t *r = json_loads(links[i].record, 0, NULL);
            const char *type = json_string_value(json_object_get(r, "type"));
            int t = type && !strcmp(type, "01") ? 1 : 0;
            count[t][0]++;
            count[t][1] += flag(r, "ocr_charged");
            count[t][2] += flag(r, "face_id_charged");
            count[t][3] += flag(r, "is_success");
            json_decref(r);
        }
        json_t *out = json_pack("{s:s,s:s}", "account", account, "month", month);
        for (int t = 0; out && t < 2; t++)
            json_object_set_new(out, t == 0 ? "00" : "01",
                                json_pack("{s:I,s:I,s:I,s:I}", "links", count[t][0], "ocr_charged",
                                          count[t][1], "face_id_charged", count[t][2], "is_success",
                                          count[t][3]));
        rc = cli_print_json(out);
    }
    store_verifications_free(links, n);
    store_close(st);
    return rc;
}
