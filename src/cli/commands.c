/*
 * commands — the subcommand table, usage text and the small helpers every
 * subcommand shares (usage errors, number parsing). `tunetop help NAME`
 * prints the same text a man page would hold for NAME.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tunetop/util.h"

const cli_command cli_commands[] = {
    {"dashboard", cli_cmd_dashboard,
     "[dashboard] [SWEEP.yaml|DIR...] [--theme T] [--refresh HZ] [--ascii]   the dashboard",
     "usage: tunetop SWEEP.yaml [--dir DIR] [--theme NAME|PATH] [--refresh HZ] [--ascii]\n"
     "       tunetop DIR [--theme NAME|PATH] [--refresh HZ] [--ascii]\n"
     "       tunetop DIR1 DIR2 [DIR...] [--theme NAME|PATH] ...\n"
     "       tunetop FILE.db|sqlite:///FILE.db [--study NAME] [--theme NAME|PATH] ...\n"
     "       tunetop [--theme NAME|PATH] ...\n"
     "\n"
     "The dashboard. With a sweep file: create or open its study (./tunetop-runs/NAME,\n"
     "or --dir), start the study's runner in the background when none is running,\n"
     "and watch it. With a study folder: attach to it, running or saved (R resumes a\n"
     "saved one). Alone: pick a study under ./tunetop-runs/ (Space marks several to\n"
     "open together).\n"
     "\n"
     "With an Optuna SQLite file (FILE, sqlite:///FILE, or DIR/study.db when it is\n"
     "Optuna's): its study, read-only and followed live while Optuna writes it;\n"
     "--study NAME picks one when the file holds several. Trial numbers are\n"
     "Optuna's (from 0); keys that would change the study are refused.\n"
     "\n"
     "With several study folders (at most 8, each once): the first study's\n"
     "dashboard, and the compare view of them all, followed live: each study's best\n"
     "so far against the trial number, one colour each, and their best trials side\n"
     "by side with their parameters. Each study is compared on its own objective; a\n"
     "warning says so when the objectives' names or goals (min, max) differ.\n"
     "\n"
     "q detaches (the sweep goes on; `tunetop DIR` re-attaches), Q stops the sweep,\n"
     "? lists every key. Closing the terminal or losing the SSH session never stops\n"
     "the sweep.\n"
     "\n"
     "  --theme NAME|PATH  colour theme: dark (default), light, monochrome,\n"
     "                     high-contrast, or a theme file; t cycles them. NO_COLOR\n"
     "                     selects monochrome.\n"
     "  --refresh HZ       redraws per second (default 2)\n"
     "  --ascii            ASCII charts instead of Unicode braille\n"
     "  --dir DIR          the study folder for a sweep file\n"
     "  --study NAME       the study of an Optuna file\n"
     "\n"
     "Defaults come from $XDG_CONFIG_HOME/tunetop/config.yaml (theme:, refresh:).\n"
     "Needs a terminal of at least 60x18 with cursor addressing (TERM=dumb is\n"
     "refused). Exit status: 0 ok, 1 cannot run (no terminal, too small, invalid\n"
     "sweep file, not a study), 2 usage error (also: a study given twice, more\n"
     "than 8).\n"},
    {"validate", cli_cmd_validate, "validate FILE...             check sweep files, summarise each",
     "usage: tunetop validate FILE...\n"
     "\n"
     "Check each sweep file (W&B sweep YAML, tunetop extensions, or an NNI\n"
     "search_space.json) and report every problem at once, as\n"
     "  FILE:LINE:COL: error: KEY.PATH: expected ..., found ...\n"
     "Unknown keys are warnings with a suggestion. For a valid file one\n"
     "summary line is printed: parameter count, kinds, method, grid size when\n"
     "the space is finite.\n"
     "\n"
     "Exit status: 0 when every file is valid, 1 when any is not, 2 on usage\n"
     "error.\n"},
    {"suggest", cli_cmd_suggest,
     "suggest FILE [-n N] [--seed S] [--method M]   print N suggestions as CSV",
     "usage: tunetop suggest FILE [-n N] [--seed S] [--method M]\n"
     "\n"
     "Print the first N parameter suggestions (default 10) for the sweep file\n"
     "as CSV on standard output, with an empty history: a header of the\n"
     "flattened parameter names, then one row per suggestion. Parameters\n"
     "switched off by a `when:` condition are empty.\n"
     "\n"
     "  -n N          number of suggestions (default 10)\n"
     "  --seed S      random seed (default: the file's `seed`, else 0);\n"
     "                the same seed always gives the same output\n"
     "  --method M    override the file's method: grid, random, sobol, bayes,\n"
     "                tpe, gp, evolution or cmaes\n"
     "\n"
     "A grid prints at most its size and says so on standard error.\n"
     "Exit status: 0 ok, 1 invalid file or method, 2 usage error.\n"},
    {"run", cli_cmd_run, "run FILE|DIR [--dir DIR] [--detach]   run a sweep (foreground by default)",
     "usage: tunetop run FILE|DIR [--dir DIR] [--detach]\n"
     "\n"
     "Run the sweep of FILE, or resume the study in DIR. A sweep file gets a\n"
     "study folder, ./tunetop-runs/NAME by default (NAME from the file's `name`,\n"
     "else its stem), or DIR with --dir; running a changed file again records\n"
     "it as a new version of the search space.\n"
     "\n"
     "In the foreground the runner prints one line per trial state change.\n"
     "Ctrl-C stops the sweep (running trials are killed); SIGTERM or a lost\n"
     "terminal only ends the runner: trials keep running and `tunetop run DIR`\n"
     "re-adopts them.\n"
     "\n"
     "  --detach, -d  start the runner as a daemon (output in DIR/runner.log),\n"
     "                print the study folder and the runner's pid, return\n"
     "  --dir DIR     the study folder for a sweep file\n"
     "\n"
     "Exit status: 0 when the study finished or was stopped, 1 on failure\n"
     "(invalid file, a runner already running in the foreground case).\n"},
    {"status", cli_cmd_status, "status DIR [--json]          state, counts, best trial",
     "usage: tunetop status DIR|OPTUNA_FILE [--study NAME] [--json]\n"
     "\n"
     "The study's state (running, paused, stopped, finished), the number of\n"
     "trials in each state, the best trial and the elapsed time, under the\n"
     "sweep's description when it has one. --json prints one JSON object\n"
     "(documented in the README).\n"
     "\n"
     "DIR may also be an Optuna SQLite file (FILE or sqlite:///FILE), read-only;\n"
     "--study NAME picks the study when the file holds several.\n"},
    {"best", cli_cmd_best, "best DIR [-n K] [--format table|csv|json]   the top K trials",
     "usage: tunetop best DIR|OPTUNA_FILE [--study NAME] [-n K] [--format table|csv|json]\n"
     "\n"
     "The K best completed trials (default 10), best first, with their\n"
     "parameters.\n"
     "\n"
     "DIR may also be an Optuna SQLite file (FILE or sqlite:///FILE), read-only;\n"
     "--study NAME picks the study when the file holds several.\n"},
    {"export", cli_cmd_export,
     "export DIR [--format csv|json] [--metrics|--runs] [-o FILE]   trials, metrics or runs",
     "usage: tunetop export DIR|OPTUNA_FILE [--study NAME] [--format csv|json]\n"
     "                      [--metrics|--runs] [-o FILE]\n"
     "\n"
     "Every trial: trial, state, value, parameters, started, finished,\n"
     "duration_s, reason, value_std. With --metrics, every metric point in long\n"
     "format (trial, step, name, value, run); with --runs, one row per run of\n"
     "a trial (folds x repeats): trial, fold, repeat, value, state; with\n"
     "--format json, the trials as a JSON array (and their metrics with\n"
     "--metrics). -o writes FILE atomically.\n"
     "\n"
     "DIR may also be an Optuna SQLite file (FILE or sqlite:///FILE), read-only;\n"
     "--study NAME picks the study when the file holds several.\n"},
    {"importance", cli_cmd_importance,
     "importance DIR [--method fanova|ped-anova|corr] [--json]   which parameters matter",
     "usage: tunetop importance DIR|OPTUNA_FILE [--study NAME]\n"
     "                          [--method fanova|ped-anova|corr] [--json]\n"
     "\n"
     "Rank the parameters by how much they matter, from the study's completed\n"
     "trials with a finite value (a running study is only read). Parameters are\n"
     "matched to the newest sweep file by name, in the prior's units: a\n"
     "log-uniform parameter counts in its exponent.\n"
     "\n"
     "  --method fanova     functional ANOVA over a 64-tree random forest\n"
     "                      (default): each parameter's share of the variance,\n"
     "                      summing to 1, and the strongest pairwise interactions\n"
     "  --method ped-anova  PED-ANOVA: how differently the top 10 % of trials are\n"
     "                      spread over each parameter than all trials\n"
     "  --method corr       Spearman rank correlation (eta for categoricals): a\n"
     "                      quick signal for monotone effects only\n"
     "  --json              one JSON object (documented in the README)\n"
     "\n"
     "Each importance comes with an interval (10th-90th percentile over trees or\n"
     "bootstrap resamples): parameters whose intervals overlap are not reliably\n"
     "ordered yet. The sweep's `seed` (else 0) makes the output reproducible.\n"
     "\n"
     "DIR may also be an Optuna SQLite file (FILE or sqlite:///FILE), read-only;\n"
     "--study NAME picks the study when the file holds several.\n"
     "Exit status: 0 ok, 1 not a study or its sweep file does not load, 2 usage\n"
     "error.\n"},
    {"plot", cli_cmd_plot,
     "plot DIR [--kind K] [--param P] [--params P,Q] [--metric M] [--width W] [--height H] [--ascii]   a chart as text",
     "usage: tunetop plot DIR [--kind history|slice|curves|timeline|contour|parallel]\n"
     "                    [--param P] [--params P,Q] [--metric M] [--width W] [--height H]\n"
     "                    [--ascii] [--study NAME]\n"
     "\n"
     "Print one chart of the study as plain text on standard output (no escape\n"
     "sequences; a running study is only read): Unicode braille dots in a UTF-8\n"
     "locale, ASCII with --ascii or in another locale. The y axis grows upwards;\n"
     "both axes carry values and names.\n"
     "\n"
     "  --kind history   the objective of each completed trial by trial number,\n"
     "                   with the best-so-far staircase (default)\n"
     "  --kind slice     the objective against one parameter (--param P), a log\n"
     "                   axis for log-distributed ones, one column per value of a\n"
     "                   categorical one; without --param, one chart per parameter,\n"
     "                   the most important first (from the stored importance)\n"
     "  --kind curves    a metric (--metric M, default the objective) against step\n"
     "                   for the 3 best completed trials and the running ones\n"
     "  --kind timeline  the parallel slots over time: each trial a bar from its\n"
     "                   start to its end, = completed, ~ pruned, x failed (killed,\n"
     "                   timed out, interrupted), > running\n"
     "  --kind contour   the objective over two parameters (--params P,Q; default:\n"
     "                   the strongest stored interaction, else the two most\n"
     "                   important): each cell shaded by the random forest's\n"
     "                   predicted mean, the other parameters averaged out as\n"
     "                   fANOVA does (ASCII \" .:-=+*#%@\", else shade blocks);\n"
     "                   the best trials as o (the best X, or a dot and a diamond)\n"
     "  --kind parallel  parallel coordinates: an axis per parameter, the most\n"
     "                   important first, as many as fit, and the objective last;\n"
     "                   a line for each of the best quarter of the completed\n"
     "                   trials (10 at least, 400 at most), the best marked * on\n"
     "                   each axis\n"
     "  --width W, --height H   at most W columns and H rows (default: the\n"
     "                   terminal's size, else 80x24; at least 24x6)\n"
     "  --ascii          ASCII instead of braille\n"
     "  --study NAME     the study of an Optuna SQLite file (DIR may be one)\n"
     "\n"
     "The best trial is marked *. Exit status: 0 ok, 1 not a study or nothing to\n"
     "plot yet, 2 usage error (unknown kind, parameter or metric; too small).\n"},
    {"stop", cli_cmd_stop, "stop DIR [--now]             no new trials (--now: kill running ones)",
     "usage: tunetop stop DIR [--now]\n"
     "\n"
     "Ask the study's runner to start no new trials and to exit when the\n"
     "running ones finish; with --now, running trials are killed. Waits up to\n"
     "10 s for the runner's answer. `tunetop run DIR` resumes the study.\n"},
    {"pause", cli_cmd_pause, "pause DIR                    start no new trials until resumed",
     "usage: tunetop pause DIR\n\nStart no new trials until `tunetop resume DIR`; running trials go on.\n"},
    {"resume", cli_cmd_resume, "resume DIR                   undo pause or stop",
     "usage: tunetop resume DIR\n\nStart trials again after `pause` (or a `stop` still in progress).\n"},
    {"kill", cli_cmd_kill, "kill DIR TRIAL               kill one running trial",
     "usage: tunetop kill DIR TRIAL\n\nKill a running trial (SIGTERM to its process group, SIGKILL after a\ngrace period); it is recorded as killed.\n"},
    {"gc", cli_cmd_gc, "gc DIR [--dry-run]           compact the folders of ended trials",
     "usage: tunetop gc DIR [--dry-run]\n"
     "\n"
     "Compact the folders of trials that have ended (completed, pruned, failed,\n"
     "killed, timeout): remove params.json and exit.status, which study.db\n"
     "holds, and empty logs and an empty checkpoints/. Logs with content,\n"
     "checkpoints and files the trial wrote stay; queued, running and\n"
     "interrupted trials are left alone. Safe while the runner runs.\n"
     "  --dry-run, -n   say what would go, remove nothing\n"
     "Exit status: 0 ok, 1 not a study, 2 usage error.\n"},
    {"narrow", cli_cmd_narrow,
     "narrow DIR --param NAME [--min A] [--max B] [--values a,b] [--pin V]   narrow the space",
     "usage: tunetop narrow DIR --param NAME [--min A] [--max B]\n"
     "       tunetop narrow DIR --param NAME --values a,b,...\n"
     "       tunetop narrow DIR --param NAME --pin V\n"
     "\n"
     "Narrow the search space of the study in DIR by one parameter, the way the\n"
     "dashboard's editor saves an edited sweep file: the study's sweep file is\n"
     "rewritten atomically (the previous one kept as FILE~), changing only that\n"
     "parameter's mapping, and the runner is asked to reload it; it records the\n"
     "next space version (DIR/sweep-vK.yaml) and every trial it samples from\n"
     "then on stays in the new space. With no runner alive the file is written\n"
     "and the next `tunetop run DIR` takes it before its first trial.\n"
     "\n"
     "  --param NAME     the parameter (a nested one by its dotted name)\n"
     "  --min A, --max B a numeric parameter's new bounds, within its current\n"
     "                   range (narrow only; in the values a trial sees, also\n"
     "                   for a log_uniform written in exponents)\n"
     "  --values a,b,... a categorical's values to keep (existing ones; at\n"
     "                   least one; probabilities are rescaled)\n"
     "  --pin V          fix the parameter to V: written as `value: V`, W&B's\n"
     "                   constant (a number in range, or one of its values)\n"
     "\n"
     "Undo: copy FILE~ (or DIR/sweep-v<K-1>.yaml) back over the sweep file and\n"
     "run `tunetop run FILE` (it asks a live runner to reload): the old space\n"
     "becomes the next version. The sweep file must be the study's newest\n"
     "version (not edited since); narrow refuses otherwise.\n"
     "Exit status: 0 written (and reloaded, when a runner is alive), 1 refused\n"
     "(not a study, unknown parameter, widening, a value out of range, the\n"
     "runner refused the reload), 2 usage error.\n"},
    {"help", cli_cmd_help, "help [COMMAND]               show help for a command",
     "usage: tunetop help [COMMAND]\n\nShow the help text of COMMAND, or the list of commands.\n"},
    {0},
};

const cli_command *cli_find(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void cli_print_usage(FILE *out)
{
    fprintf(out,
            "tunetop %s — a terminal dashboard for hyperparameter tuning\n"
            "\n"
            "usage: tunetop SWEEP.yaml | DIR      open the dashboard (starts the sweep)\n"
            "       tunetop DIR1 DIR2 ...         several studies: the dashboard and a compare view\n"
            "       tunetop                       pick a study under ./tunetop-runs/\n"
            "       tunetop COMMAND [ARGS...]\n"
            "       tunetop --help | --version\n"
            "\n"
            "commands:\n",
            TT_VERSION);
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %s\n", c->synopsis);
    fprintf(out, "\n`tunetop help COMMAND` shows the options of one command.\n");
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tunetop %s: ", name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see `tunetop help %s`)\n", name);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

long long cli_parse_count(const char *text)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    return v;
}

int cli_cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        cli_print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("help", "expected one command name, got %d", argc);
    const cli_command *c = cli_find(argv[0]);
    if (!c) {
        fprintf(stderr, "tunetop help: unknown command '%s'\n", argv[0]);
        cli_print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    fputs(c->help, stdout);
    return CLI_EXIT_OK;
}
