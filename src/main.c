/* ekycd: the server and its command-line tools in one binary. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/openmp_env.h"

#ifndef EKYCD_VERSION
#define EKYCD_VERSION "0.1.0"
#endif

static void usage(FILE *out) {
    fputs("ekycd " EKYCD_VERSION " — self-hosted eKYC server\n"
          "\n"
          "Usage: ekycd COMMAND [OPTIONS]\n"
          "\n"
          "Commands:\n"
          "  serve      run the HTTP API server\n"
          "  account    manage API accounts (tenants): add, list, show, disable, enable\n"
          "  compare    compare the faces of an ID image and a selfie (OkayFace JSON)\n"
          "  liveness   passive liveness of a selfie (OkayLive JSON); --calibrate a threshold\n"
          "  read       read an identity document image (OkayID JSON)\n"
          "  client     manage H5 API keys (client_id / client_secret): add, list, rotate ...\n"
          "  company    the v3 family's per-company API key: company key --account U\n"
          "  usage      what an account's verification links were charged in a month\n"
          "  audit      print the audit log of a journey or an account\n"
          "  scorecard  set or show an account's scorecard rules per document type\n"
          "  version    print the version\n"
          "  help       show this help\n"
          "\n"
          "Run 'ekycd COMMAND --help' for the options of a command.\n",
          out);
}

int main(int argc, char **argv) {
    openmp_env_single_thread(argv);
    umask(077); /* every file ekycd writes (database, WAL, key) is private to its user */
    if (sodium_init() < 0) {
        fputs("ekycd: libsodium failed to initialise\n", stderr);
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "account") == 0) return cli_account(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0) return cli_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "liveness") == 0) return cli_liveness(argc - 1, argv + 1);
    if (strcmp(cmd, "read") == 0) return cli_read(argc - 1, argv + 1);
    if (strcmp(cmd, "client") == 0) return cli_client(argc - 1, argv + 1);
    if (strcmp(cmd, "company") == 0) return cli_company(argc - 1, argv + 1);
    if (strcmp(cmd, "usage") == 0) return cli_usage(argc - 1, argv + 1);
    if (strcmp(cmd, "audit") == 0) return cli_audit(argc - 1, argv + 1);
    if (strcmp(cmd, "scorecard") == 0) return cli_scorecard(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        puts("ekycd " EKYCD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "ekycd: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
