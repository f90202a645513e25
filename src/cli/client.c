/* `ekycd client add|list|disable|enable|rotate`: API keys of the H5 family (docs/h5.md). A key
 * is a client_id (32 hex) and a client_secret (`sk_` + 48 hex), printed once; the store keeps
 * only a keyed digest of the secret. `ekycd company key`: the v3 family's per-company key
 * (docs/v3.md), the same kind of key sent as one `X-Api-Key: <client_id>.<client_secret>`. */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/ids.h"
#include "util/timeutil.h"

#define SECRET_HEX_BYTES 24
#define COMPANY_KEY_NAME "v3 company key" /* the name company key gives its keys */

static void client_usage(FILE *out) {
    fputs("Usage: ekycd client SUBCOMMAND [OPTIONS]\n"
          "\n"
          "Subcommands:\n"
          "  add      create a key for an account:  --account U --name NAME\n"
          "           prints client_id and client_secret once (the secret is not stored)\n"
          "  list     list keys, one JSON object a line:  [--account U]\n"
          "  disable  refuse the key's calls:  --client-id ID\n"
          "  enable   undo disable:  --client-id ID\n"
          "  rotate   replace the key's secret, printing the new one once:  --client-id ID\n"
          "\n"
          "Store options: --data DIR, --store URL, --key-file FILE, --config FILE (as `account`).\n"
          "Every H5 call carries the headers client_id and client_secret (docs/h5.md).\n",
          out);
}

typedef struct {
    cli_store_opts store;
    const char *account, *name, *client_id;
} client_opts;

static int parse_client_args(int argc, char **argv, client_opts *o) {
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"store", required_argument, 0, 's'},
                                         {"key-file", required_argument, 0, 'k'},
                                         {"config", required_argument, 0, 'c'},
                                         {"account", required_argument, 0, 'a'},
                                         {"name", required_argument, 0, 'n'},
                                         {"client-id", required_argument, 0, 'i'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'a')
            o->account = optarg;
        else if (c == 'n')
            o->name = optarg;
        else if (c == 'i')
            o->client_id = optarg;
        else if (c == 'h') {
            client_usage(stdout);
            return -1;
        } else if (!cli_store_option(c, optarg, &o->store))
            return cli_usage_error("client: invalid option");
    }
    return 0;
}

/* A fresh secret into secret (sk_ + hex) and its digest into digest. */
static void new_secret(store *st, char secret[4 + 2 * SECRET_HEX_BYTES], char digest[65]) {
    memcpy(secret, "sk_", 3);
    random_hex(secret + 3, SECRET_HEX_BYTES);
    store_secret_digest(st, secret, digest);
}

/* A new key named `name` for the account: printed as client_id / client_secret, or (company)
 * as the v3 family's company_id and api_key. */
static int add_key(store *st, const store_account *a, const char *name, bool company) {
    store_client c = {.account_id = a->id, .created_at_ms = time_now_ms()};
    random_hex(c.client_id, STORE_CLIENT_ID_HEX / 2);
    snprintf(c.name, sizeof c.name, "%s", name);
    char secret[4 + 2 * SECRET_HEX_BYTES];
    new_secret(st, secret, c.secret_digest);
    store_status rc = store_client_add(st, &c);
    if (rc != STORE_OK) {
        sodium_memzero(secret, sizeof secret);
        return cli_fail("cannot add the key: %s", store_status_name(rc));
    }
    if (company)
        printf("company_id: %s\napi_key: %s.%s\n", a->company_id, c.client_id, secret);
    else
        printf("client_id: %s\nclient_secret: %s\n", c.client_id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

static int account_named(store *st, const char *name, store_account *a) {
    store_status rc = store_account_get(st, name, a);
    if (rc == STORE_NOT_FOUND) return cli_fail("no account named '%s'", name);
    if (rc != STORE_OK) return cli_fail("cannot read account: %s", store_status_name(rc));
    return 0;
}

static int client_add(store *st, const client_opts *o) {
    if (!o->account || !o->name)
        return cli_usage_error("client add: --account and --name are required");
    size_t name_len = strlen(o->name);
    if (name_len == 0 || name_len > STORE_CLIENT_NAME)
        return cli_usage_error("client add: --name must be 1-%d characters", STORE_CLIENT_NAME);
    store_account a;
    return account_named(st, o->account, &a) ? 1 : add_key(st, &a, o->name, false);
}

/* `company key`: a new v3 company key for the account; the account's earlier company keys are
 * disabled, so exactly one is valid. */
static int company_key(store *st, const client_opts *o) {
    if (!o->account) return cli_usage_error("company key: --account is required");
    store_account a;
    if (account_named(st, o->account, &a)) return 1;
    store_client *keys = NULL;
    size_t n = 0;
    if (store_client_list(st, a.id, &keys, &n) != STORE_OK)
        return cli_fail("cannot list the account's keys");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!strcmp(keys[i].name, COMPANY_KEY_NAME) && !keys[i].disabled &&
            store_client_set_disabled(st, keys[i].client_id, true) != STORE_OK)
            rc = cli_fail("cannot disable the earlier company key");
    free(keys);
    return rc ? rc : add_key(st, &a, COMPANY_KEY_NAME, true);
}

static int client_list(store *st, const client_opts *o) {
    int64_t account_id = 0;
    if (o->account) {
        store_account a;
        if (store_account_get(st, o->account, &a) != STORE_OK)
            return cli_fail("no account named '%s'", o->account);
        account_id = a.id;
    }
    store_client *list = NULL;
    size_t n = 0;
    if (store_client_list(st, account_id, &list, &n) != STORE_OK)
        return cli_fail("cannot list keys");
    for (size_t i = 0; i < n; i++) {
        char created[40], rotated[40] = "";
        time_format_iso(list[i].created_at_ms, created, sizeof created);
        if (list[i].rotated_at_ms) time_format_iso(list[i].rotated_at_ms, rotated, sizeof rotated);
        store_account a;
        bool named = store_account_get_by_id(st, list[i].account_id, &a) == STORE_OK;
        cli_print_json(json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s?}", "client_id", list[i].client_id,
                                 "account", named ? a.username : NULL, "name", list[i].name,
                                 "state", list[i].disabled ? "disabled" : "active", "created",
                                 created, "rotated", rotated[0] ? rotated : NULL));
    }
    free(list);
    return 0;
}

static int client_change(store *st, const client_opts *o, const char *sub) {
    if (!o->client_id) return cli_usage_error("client %s: --client-id is required", sub);
    store_status rc;
    char secret[4 + 2 * SECRET_HEX_BYTES] = "";
    if (!strcmp(sub, "rotate")) {
        char digest[65];
        new_secret(st, secret, digest);
        rc = store_client_set_secret(st, o->client_id, digest, time_now_ms());
    } else {
        rc = store_client_set_disabled(st, o->client_id, !strcmp(sub, "disable"));
    }
    if (rc == STORE_NOT_FOUND) return cli_fail("no key with client_id '%s'", o->client_id);
    if (rc != STORE_OK) return cli_fail("cannot change the key: %s", store_status_name(rc));
    if (secret[0]) printf("client_id: %s\nclient_secret: %s\n", o->client_id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int cli_client(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        client_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    client_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_client_args(argc - 1, argv + 1, &o);
    if (rc != 0) return rc < 0 ? 0 : rc;
    if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "disable") &&
        strcmp(sub, "enable") && strcmp(sub, "rotate"))
        return cli_usage_error("client: unknown subcommand '%s'", sub);
    config cfg;
    if (cli_load_config(&cfg, &o.store) != 0) return 1;
    store *st = NULL;
    if (cli_open_store(&cfg, &st) != 0) return 1;
    if (!strcmp(sub, "add"))
        rc = client_add(st, &o);
    else if (!strcmp(sub, "list"))
        rc = client_list(st, &o);
    else
        rc = client_change(st, &o, sub);
    store_close(st);
    return rc;
}

static void company_usage(FILE *out) {
    fputs(
        "Usage: ekycd company key --account U [--data DIR ...]\n"
        "\n"
        "Prints the account's company_id and a new api_key for the v3 family (docs/v3.md):\n"
        "the merchant's back end sends it as the header X-Api-Key on POST /api/v3/ekyc and\n"
        "the session and user calls. The account's earlier company key stops working. The key\n"
        "is printed once; the store keeps only a keyed digest of its secret.\n"
        "\n"
        "Store options: --data DIR, --store URL, --key-file FILE, --config FILE (as `account`).\n",
        out);
}

int cli_company(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        company_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "key")) return cli_usage_error("company: unknown subcommand '%s'", argv[1]);
    client_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_client_args(argc - 1, argv + 1, &o);
    if (rc != 0) return rc < 0 ? 0 : rc;
    config cfg;
    if (cli_load_config(&cfg, &o.store) != 0) return 1;
    store *st = NULL;
    if (cli_open_store(&cfg, &st) != 0) return 1;
    rc = company_key(st, &o);
    store_close(st);
    return rc;
}
