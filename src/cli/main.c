/*
 * main — entry point: global options, then dispatch to a subcommand from
 * the table in commands.c; a file, a folder or nothing opens the dashboard.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tunetop/shim.h"
#include "tunetop/util.h"

int main(int argc, char **argv)
{
    /* A closed reader (`tunetop suggest … | head`) becomes a write error we
     * handle, not a silent death. */
    signal(SIGPIPE, SIG_IGN);

    /* `tunetop` alone opens the study picker */
    if (argc < 2)
        return cli_cmd_dashboard(0, argv + 1);
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        cli_print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        printf("tunetop %s\n", TT_VERSION);
        return CLI_EXIT_OK;
    }
    /* The per-trial supervisor: hidden, started by the runner only. */
    if (strcmp(first, TT_SHIM_COMMAND) == 0 || strcmp(first, TT_ZYGOTE_COMMAND) == 0)
        return tt_shim_main(argc - 1, argv + 1);
    const cli_command *cmd = cli_find(first);
    /* `tunetop SWEEP.yaml`, `tunetop DIR`, `tunetop --theme light`: the
     * dashboard (which says when the file is missing); a command name wins
     * over a file of the same name */
    if (!cmd && (first[0] == '-' || strchr(first, '/') || strchr(first, '.') ||
                 access(first, F_OK) == 0))
        return cli_cmd_dashboard(argc - 1, argv + 1);
    if (!cmd) {
        fprintf(stderr, "tunetop: unknown command '%s'\n", first);
        cli_print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return cmd->run(argc - 2, argv + 2);
}
