/*
 * validate — `tunetop validate FILE...`: every problem of every file, then
 * one summary line per valid file. Diagnostics go to stderr, summaries to
 * stdout, so `validate` output can be collected by scripts.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tunetop/config.h"
#include "tunetop/sampler.h"

/* "3 parameters (2 uniform, 1 categorical)" — kinds in first-seen order. */
static void print_kinds(const tt_space *space)
{
    int counts[TT_DIST_COUNT] = {0};
    int order[TT_DIST_COUNT], n_order = 0;
    for (size_t i = 0; i < space->n; i++) {
        tt_dist d = space->params[i].dist;
        if (counts[d]++ == 0)
            order[n_order++] = (int)d;
    }
    printf("%zu parameter%s", space->n, space->n == 1 ? "" : "s");
    if (n_order > 0) {
        printf(" (");
        for (int k = 0; k < n_order; k++)
            printf("%s%d %s", k ? ", " : "", counts[order[k]], tt_dist_name((tt_dist)order[k]));
        printf(")");
    }
    size_t conditional = 0;
    for (size_t i = 0; i < space->n; i++)
        conditional += space->params[i].n_conditions > 0;
    if (conditional)
        printf(", %zu conditional", conditional);
}

static void print_summary(const char *file, const tt_sweep *sweep)
{
    printf("%s: ok: ", file);
    print_kinds(sweep->space);
    printf("; method %s", tt_method_name(sweep->method));
    tt_error err = {0};
    size_t grid = tt_grid_size(sweep->space, &err);
    if (grid == SIZE_MAX)
        printf("; grid size > %zu", (size_t)SIZE_MAX - 1);
    else if (grid > 0)
        printf("; grid size %zu", grid);
    else
        printf("; grid size infinite (continuous parameters)");
    if (sweep->format == TT_FORMAT_NNI)
        printf("; NNI search space");
    printf("\n");
}

int cli_cmd_validate(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(cli_find("validate")->help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc == 0)
        return cli_usage_error("validate", "expected at least one sweep file");
    int invalid = 0;
    for (int i = 0; i < argc; i++) {
        tt_diags diags = {0};
        tt_sweep *sweep = tt_sweep_load(argv[i], &diags);
        tt_diags_print(&diags, stderr);
        if (sweep) {
            print_summary(argv[i], sweep);
            tt_sweep_free(sweep);
        } else {
            invalid++;
            fprintf(stderr, "%s: invalid (%zu error%s)\n", argv[i], diags.n_errors,
                    diags.n_errors == 1 ? "" : "s");
        }
        tt_diags_free(&diags);
    }
    if (fflush(stdout) != 0)
        return CLI_EXIT_FAIL;
    return invalid ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
