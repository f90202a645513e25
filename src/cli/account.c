/* `ekycd account add|list|show|disable|enable`: manage API accounts (tenants). */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/auth.h"
#include "util/timeutil.h"

static void account_usage(FILE *out) {
    fputs("Usage: ekycd account SUBCOMMAND [OPTIONS]\n"
          "\n"
          "Subcommands:\n"
          "  add      create an account:  --username U (--password P | --password-file F)\n"
          "           [--company-id ID] [--max-journeys N] [--max-api-calls N]\n"
          "           [--expires YYYY-MM-DD]\n"
          "           [--retention-days N] [--disabled] [--allow-delete]\n"
          "           [--steps okayid,okaydoc,okayface,okaylive] (needed to complete a journey;\n"
          "           default okayid,okaydoc,okayface)\n"
          "           [--display-name NAME] (shown on the capture page; default the username)\n"
          "           [--link-minutes N] [--ocr-retries N] [--face-retries N] (verification\n"
          "           links: lifetime, default 15; retries, default 2 and 1)\n"
          "  list     list accounts (add --json for JSON lines)\n"
          "  show     show one account as JSON, with its details key (the AES key of\n"
          "           GET /api/ekyc/details):  --username U\n"
          "  disable  refuse new journeys and API calls:  --username U\n"
          "  enable   undo disable:  --username U\n"
          "  allow-delete / deny-delete   journey deletion via the API:  --username U\n"
          "\n"
          "Store options (all subcommands):\n"
          "  --data DIR        data directory (default ./var)\n"
          "  --store URL       store URL (default sqlite:DIR/ekycd.db)\n"
          "  --key-file FILE   master key (default DIR/ekycd.key)\n"
          "  --config FILE     JSON config file\n"
          "\n"
          "Passwords are stored only as Argon2id hashes. Prefer --password-file (or '-' for\n"
          "standard input) over --password, which other local users can see in `ps`.\n"
          "A username is 1-128 characters of A-Z a-z 0-9 . _ @ -; a password 8-256 characters.\n",
          out);
}

typedef struct {
    cli_store_opts store;
    const char *username, *password, *password_file, *company_id, *expires, *steps;
    const char *display_name;
    long long max_journeys, max_api_calls;
    int link_minutes, ocr_retries, face_retries; /* -1: not given */
    int retention_days;
    int disabled, json, allow_delete;
} account_opts;

static int valid_username(const char *u) {
    size_t n = strlen(u);
    if (n == 0 || n > STORE_USERNAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return 0;
    }
    return 1;
}

static int valid_company_id(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > STORE_COMPANY_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!isalnum(c) && c != '_' && c != '-') return 0;
    }
    return 1;
}

/* Reads the first line of a file (or stdin for "-") into buf. */
static int read_password_file(const char *path, char *buf, size_t len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) return -1;
    char *line = fgets(buf, (int)len, f);
    if (f != stdin) fclose(f);
    if (!line) return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static void random_company_id(char *out, size_t len) {
    unsigned char raw[24];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, len, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static json_t *account_json(const store_account *a) {
    char created[32], expires[32];
    time_format_iso(a->created_at_ms, created, sizeof created);
    if (a->expires_at_ms) time_format_iso(a->expires_at_ms, expires, sizeof expires);
    return json_pack("{s:s,s:s,s:b,s:s?,s:I,s:I,s:i,s:b,s:s}", "username", a->username, "companyId",
                     a->company_id, "disabled", a->disabled, "expires",
                     a->expires_at_ms ? expires : NULL, "maxJourneys", (json_int_t)a->max_journeys,
                     "journeysCreated", (json_int_t)a->journeys_created, "retentionDays",
                     a->retention_days, "allowDelete", a->allow_delete, "created", created);
}

static json_t *account_json_full(const store_account *a) {
    json_t *j = account_json(a);
    if (j) json_object_set_new(j, "requiredSteps", json_string(a->required_steps));
    if (j) json_object_set_new(j, "maxApiCalls", json_integer(a->max_api_calls));
    if (j) json_object_set_new(j, "apiCalls", json_integer(a->api_calls));
    if (j) json_object_set_new(j, "displayName", json_string(a->display_name));
    if (j)
        json_object_set_new(j, "links",
                            json_pack("{s:i,s:i,s:i}", "minutes", a->link_minutes, "ocrRetries",
                                      a->link_ocr_retries, "faceRetries", a->link_face_retries));
    return j;
}

static void print_json(json_t *j) {
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s) puts(s);
    free(s);
    json_decref(j);
}

static int account_add(store *st, const config *cfg, const account_opts *o) {
    if (!o->username) return cli_usage_error("account add: --username is required");
    if (!valid_username(o->username))
        return cli_usage_error("account add: invalid username (1-128 of A-Z a-z 0-9 . _ @ -)");
    char password[AUTH_PASSWORD_MAX + 2];
    if (o->password_file) {
        if (read_password_file(o->password_file, password, sizeof password) != 0)
            return cli_fail("cannot read password from %s", o->password_file);
    } else if (o->password) {
        if (snprintf(password, sizeof password, "%s", o->password) >= (int)sizeof password)
            return cli_usage_error("account add: password longer than 256 characters");
    } else {
        return cli_usage_error("account add: --password or --password-file is required");
    }
    size_t plen = strlen(password);
    if (plen < 8 || plen > AUTH_PASSWORD_MAX) {
        sodium_memzero(password, sizeof password);
        return cli_usage_error("account add: the password must be 8-256 characters");
    }
    store_account a;
    memset(&a, 0, sizeof a);
    snprintf(a.username, sizeof a.username, "%s", o->username);
    if (o->company_id) {
        if (!valid_company_id(o->company_id))
            return cli_usage_error("account add: invalid company id (1-64 of A-Z a-z 0-9 _ -)");
        snprintf(a.company_id, sizeof a.company_id, "%s", o->company_id);
    } else {
        random_company_id(a.company_id, sizeof a.company_id);
    }
    if (o->expires && time_parse_date(o->expires, &a.expires_at_ms) != 0)
        return cli_usage_error("account add: --expires must be a date YYYY-MM-DD");
    a.max_journeys = o->max_journeys;
    a.max_api_calls = o->max_api_calls;
    a.retention_days = o->retention_days ? o->retention_days : cfg->retention_days;
    a.disabled = o->disabled;
    a.allow_delete = o->allow_delete;
    if (o->display_name) {
        size_t n = strlen(o->display_name);
        if (n == 0 || n > STORE_USERNAME_MAX)
            return cli_usage_error("account add: --display-name must be 1-128 characters");
        snprintf(a.display_name, sizeof a.display_name, "%s", o->display_name);
    }
    a.link_minutes = o->link_minutes > 0 ? o->link_minutes : 15;
    a.link_ocr_retries = o->ocr_retries >= 0 ? o->ocr_retries : 2;
    a.link_face_retries = o->face_retries >= 0 ? o->face_retries : 1;
    if (o->steps) {
        /* a comma-separated subset of the steps that store results */
        char copy[128];
        if (snprintf(copy, sizeof copy, "%s", o->steps) >= (int)sizeof copy)
            return cli_usage_error("account add: --steps is too long");
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (strcmp(t, "okayid") && strcmp(t, "okaydoc") && strcmp(t, "okayface") &&
                strcmp(t, "okaylive"))
                return cli_usage_error("account add: unknown step '%s'", t);
        snprintf(a.required_steps, sizeof a.required_steps, "%s", o->steps);
    }
    a.created_at_ms = time_now_ms();
    int hashed = auth_hash_password(password, a.password_hash, sizeof a.password_hash);
    sodium_memzero(password, sizeof password);
    if (hashed != 0) return cli_fail("password hashing failed (out of memory?)");
    store_status rc = store_account_add(st, &a, &a.id);
    if (rc == STORE_CONFLICT)
        return cli_fail("an account with that username or company id already exists");
    if (rc != STORE_OK) return cli_fail("cannot add account: %s", store_status_name(rc));
    print_json(account_json_full(&a));
    return 0;
}

static int account_list(store *st, const account_opts *o) {
    store_account *list = NULL;
    size_t n = 0;
    if (store_account_list(st, &list, &n) != STORE_OK) return cli_fail("cannot list accounts");
    if (!o->json)
        printf("%-24s %-34s %-8s %-10s %s\n", "USERNAME", "COMPANY ID", "STATE", "JOURNEYS",
               "EXPIRES");
    for (size_t i = 0; i < n; i++) {
        if (o->json) {
            print_json(account_json(&list[i]));
            continue;
        }
        char expires[32] = "never";
        if (list[i].expires_at_ms) time_format_iso(list[i].expires_at_ms, expires, sizeof expires);
        char journeys[48];
        if (list[i].max_journeys)
            snprintf(journeys, sizeof journeys, "%lld/%lld", (long long)list[i].journeys_created,
                     (long long)list[i].max_journeys);
        else
            snprintf(journeys, sizeof journeys, "%lld", (long long)list[i].journeys_created);
        printf("%-24s %-34s %-8s %-10s %s\n", list[i].username, list[i].company_id,
               list[i].disabled ? "disabled" : "active", journeys, expires);
    }
    free(list);
    return 0;
}

static int account_show(store *st, const account_opts *o) {
    if (!o->username) return cli_usage_error("account show: --username is required");
    store_account a;
    store_status rc = store_account_get(st, o->username, &a);
    if (rc == STORE_NOT_FOUND) return cli_fail("no account named '%s'", o->username);
    if (rc != STORE_OK) return cli_fail("cannot read account: %s", store_status_name(rc));
    char key[17];
    if (store_account_details_key(st, a.id, key) != STORE_OK)
        return cli_fail("cannot read the account's details key");
    json_t *j = account_json_full(&a);
    if (j) json_object_set_new(j, "detailsKey", json_string(key));
    print_json(j);
    return 0;
}

static int account_set_allow_delete(store *st, const account_opts *o, bool allow) {
    if (!o->username) return cli_usage_error("account: --username is required");
    store_status rc = store_account_set_allow_delete(st, o->username, allow);
    if (rc == STORE_NOT_FOUND) return cli_fail("no account named '%s'", o->username);
    if (rc != STORE_OK) return cli_fail("cannot update account: %s", store_status_name(rc));
    printf("account %s: journey deletion via the API %s\n", o->username,
           allow ? "allowed" : "refused");
    return 0;
}

static int account_set_disabled(store *st, const account_opts *o, bool disabled) {
    if (!o->username)
        return cli_usage_error("account %s: --username is required",
                               disabled ? "disable" : "enable");
    store_status rc = store_account_set_disabled(st, o->username, disabled);
    if (rc == STORE_NOT_FOUND) return cli_fail("no account named '%s'", o->username);
    if (rc != STORE_OK) return cli_fail("cannot update account: %s", store_status_name(rc));
    printf("account %s %s\n", o->username, disabled ? "disabled" : "enabled");
    return 0;
}

static int parse_account_args(int argc, char **argv, account_opts *o) {
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"store", required_argument, 0, 's'},
                                         {"key-file", required_argument, 0, 'k'},
                                         {"config", required_argument, 0, 'c'},
                                         {"username", required_argument, 0, 'u'},
                                         {"password", required_argument, 0, 'p'},
                                         {"password-file", required_argument, 0, 'P'},
                                         {"company-id", required_argument, 0, 'i'},
                                         {"max-journeys", required_argument, 0, 'm'},
                                         {"max-api-calls", required_argument, 0, 'M'},
                                         {"expires", required_argument, 0, 'e'},
                                         {"retention-days", required_argument, 0, 'r'},
                                         {"disabled", no_argument, 0, 'D'},
                                         {"json", no_argument, 0, 'j'},
                                         {"allow-delete", no_argument, 0, 'A'},
                                         {"steps", required_argument, 0, 'S'},
                                         {"display-name", required_argument, 0, 'N'},
                                         {"link-minutes", required_argument, 0, 'L'},
                                         {"ocr-retries", required_argument, 0, 'O'},
                                         {"face-retries", required_argument, 0, 'F'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            o->username = optarg;
            break;
        case 'p':
            o->password = optarg;
            break;
        case 'P':
            o->password_file = optarg;
            break;
        case 'i':
            o->company_id = optarg;
            break;
        case 'e':
            o->expires = optarg;
            break;
        case 'D':
            o->disabled = 1;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'A':
            o->allow_delete = 1;
            break;
        case 'S':
            o->steps = optarg;
            break;
        case 'm':
            o->max_journeys = strtoll(optarg, &end, 10);
            if (*end || o->max_journeys < 0) return cli_usage_error("invalid --max-journeys");
            break;
        case 'M':
            o->max_api_calls = strtoll(optarg, &end, 10);
            if (*end || o->max_api_calls < 0) return cli_usage_error("invalid --max-api-calls");
            break;
        case 'N':
            o->display_name = optarg;
            break;
        case 'L':
        case 'O':
        case 'F': {
            long v = strtol(optarg, &end, 10);
            long max = c == 'L' ? 1440 : 10;
            if (*end || v < (c == 'L' ? 1 : 0) || v > max)
                return cli_usage_error("--%s: %d to %ld",
                                       c == 'L'   ? "link-minutes"
                                       : c == 'O' ? "ocr-retries"
                                                  : "face-retries",
                                       c == 'L' ? 1 : 0, max);
            *(c == 'L' ? &o->link_minutes : c == 'O' ? &o->ocr_retries : &o->face_retries) = (int)v;
            break;
        }
        case 'r': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3650) return cli_usage_error("--retention-days: 1 to 3650");
            o->retention_days = (int)v;
            break;
        }
        case 'h':
            account_usage(stdout);
            return -1;
        default:
            if (cli_store_option(c, optarg, &o->store)) break;
            return cli_usage_error("account: invalid option");
        }
    }
    return 0;
}

int cli_account(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        account_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    account_opts o;
    memset(&o, 0, sizeof o);
    o.link_minutes = o.ocr_retries = o.face_retries = -1;
    int rc = parse_account_args(argc - 1, argv + 1, &o);
    if (rc != 0) return rc < 0 ? 0 : rc;
    int known = !strcmp(sub, "add") || !strcmp(sub, "list") || !strcmp(sub, "show") ||
                !strcmp(sub, "disable") || !strcmp(sub, "enable") || !strcmp(sub, "allow-delete") ||
                !strcmp(sub, "deny-delete");
    if (!known) return cli_usage_error("account: unknown subcommand '%s'", sub);
    config cfg;
    if (cli_load_config(&cfg, &o.store) != 0) return 1;
    store *st = NULL;
    if (cli_open_store(&cfg, &st) != 0) return 1;
    if (!strcmp(sub, "add"))
        rc = account_add(st, &cfg, &o);
    else if (!strcmp(sub, "list"))
        rc = account_list(st, &o);
    else if (!strcmp(sub, "show"))
        rc = account_show(st, &o);
    else if (!strcmp(sub, "allow-delete") || !strcmp(sub, "deny-delete"))
        rc = account_set_allow_delete(st, &o, !strcmp(sub, "allow-delete"));
    else
        rc = account_set_disabled(st, &o, !strcmp(sub, "disable"));
    store_close(st);
    return rc;
}
