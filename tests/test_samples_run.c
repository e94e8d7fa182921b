/*
 * Every sample sweep runs. Each file in samples/sweeps/ (listed when the
 * suite is built, so a new sample is covered with no edit here) is run by
 * the real binary from the repository root, as `tunetop run FILE --dir D`,
 * with its budget cut to 3 trials; every trial must end completed (or
 * pruned by the sweep's own pruner), none failed, and at least one
 * completed. test_config_samples.c checks what the files say; this checks
 * that what they say runs.
 *
 * The file run is a copy of the sample, in a temporary folder under the
 * sample's own name (Hyperband's brackets hash the study name): its text
 * with `run_cap` replaced by 3 (appended when absent) and any
 * `--epoch_time=` pacing (the demo's) cut to 0.02 s. Program paths stay as
 * written, relative to the repository root, which is the study's working
 * folder since `tunetop run` is started there. (NNI search spaces alone
 * name nothing to run — NNI keeps the trial command in its experiment
 * config — so they are in samples/spaces/, and `tunetop run` refuses one.)
 * Two kinds of sample need what a machine may lack:
 * - a Slurm sample runs, as it is, when tests/slurm/slurm.sh has a cluster
 *   up (else it says SKIPPED, as test_slurm.c does);
 * - a sample whose program needs scikit-learn (digits.yaml) says SKIPPED
 *   when /usr/bin/python3 cannot import it.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

enum { CAP = 3 };

/* The sample files, sorted; filled when the suite is built (the forked
 * tests inherit them). */
static char **samples;
static size_t n_samples;
static char *list_error;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_samples(void)
{
    char *dir = tt_xasprintf("%s/samples/sweeps", e2e_root());
    DIR *dp = opendir(dir);
    if (!dp) {
        list_error = tt_xasprintf("cannot list %s", dir);
        free(dir);
        return;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!has_suffix(e->d_name, ".yaml") && !has_suffix(e->d_name, ".yml") &&
            !has_suffix(e->d_name, ".json"))
            continue;
        tt_grow((void **)&samples, &cap, n_samples + 1, sizeof *samples);
        samples[n_samples++] = tt_xstrdup(e->d_name);
    }
    closedir(dp);
    free(dir);
    if (n_samples)
        qsort(samples, n_samples, sizeof *samples, cmp_names);
}

/* ---- the capped copy ---------------------------------------------------------- */

static bool is_top_key(const char *line, const char *key)
{
    size_t n = strlen(key);
    return strncmp(line, key, n) == 0 && line[n] == ':';
}

/* The value of the top-level key `program:` (caller frees), or NULL. */
static char *program_of(const char *text)
{
    for (const char *p = text; *p;) {
        if (is_top_key(p, "program")) {
            const char *v = p + strlen("program:");
            v += strspn(v, " \t\"'");
            size_t n = strcspn(v, " \t\"'#\r\n");
            return n ? tt_xstrndup(v, n) : NULL;
        }
        p += strcspn(p, "\n");
        if (*p == '\n')
            p++;
    }
    return NULL;
}

/* Whether the sweep runs its trials on Slurm. */
static bool uses_slurm(const char *text)
{
    return strstr(text, "type: slurm") != NULL || strstr(text, "executor: slurm") != NULL;
}

/* Append line [s, s+n) with --epoch_time=VALUE cut to 0.02. */
static void put_line(tt_buf *b, const char *s, size_t n)
{
    static const char pace[] = "--epoch_time=";
    char *line = tt_xstrndup(s, n);
    const char *p = line;
    const char *hit;
    while ((hit = strstr(p, pace)) != NULL) {
        tt_buf_append(b, p, (size_t)(hit - p) + strlen(pace));
        tt_buf_puts(b, "0.02");
        p = hit + strlen(pace);
        p += strspn(p, "0123456789.eE+-");
    }
    tt_buf_puts(b, p);
    tt_buf_puts(b, "\n");
    free(line);
}

/* A W&B sweep file's text with run_cap CAP and its pacing cut. */
static char *capped_yaml(const char *text)
{
    tt_buf b = {0};
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        if (!is_top_key(p, "run_cap"))
            put_line(&b, p, n);
        p += n;
        if (*p == '\n')
            p++;
    }
    tt_buf_printf(&b, "run_cap: %d\n", CAP);
    return tt_buf_take(&b);
}

/* ---- checks ------------------------------------------------------------------- */

static bool slurm_up(void)
{
    const char *argv[] = {"sh", "tests/slurm/slurm.sh", "status", NULL};
    e2e_result r = e2e_run(argv, 30);
    bool up = r.status == 0;
    e2e_result_free(&r);
    return up;
}

static bool python_has_sklearn(void)
{
    return system("/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1") == 0;
}

/* Whether the sample's program (a file in the repository) needs
 * scikit-learn. */
static bool needs_sklearn(const char *text)
{
    char *prog = program_of(text);
    if (!prog)
        return false;
    char *path = tt_xasprintf("%s/%s", e2e_root(), prog);
    char *src = tt_read_file(path, NULL, NULL);
    bool needs = src && strstr(src, "sklearn") != NULL;
    free(src);
    free(path);
    free(prog);
    return needs;
}

/* The number after "key": in a status --json object, or -1. */
static long json_count(const char *js, const char *key)
{
    char *pat = tt_xasprintf("\"%s\": ", key);
    const char *p = strstr(js, pat);
    long v = p ? strtol(p + strlen(pat), NULL, 10) : -1;
    free(pat);
    return v;
}

/* "trial N (state): reason" of the first trial that did not complete. */
static char *first_failure(const char *study)
{
    char *db = tt_xasprintf("%s/study.db", study);
    char *why = e2e_sql(db, "SELECT 'trial ' || number || ' (' || state || '): ' || "
                            "coalesce(reason, 'no reason recorded') FROM trials WHERE state "
                            "NOT IN ('completed', 'pruned') ORDER BY number LIMIT 1");
    free(db);
    return why ? why : tt_xstrdup("no trial failed");
}

START_TEST(test_samples_listed)
{
    ck_assert_msg(list_error == NULL, "%s", list_error);
    ck_assert_msg(n_samples > 0, "no sample sweep in %s/samples/sweeps", e2e_root());
}
END_TEST

START_TEST(test_sample_runs)
{
    ck_assert_msg((size_t)_i < n_samples, "sample %d is not listed", _i);
    const char *name = samples[_i];
    char *path = tt_xasprintf("%s/samples/sweeps/%s", e2e_root(), name);
    char *text = tt_read_file(path, NULL, NULL);
    ck_assert_msg(text != NULL, "samples/sweeps/%s: cannot read %s", name, path);
    free(path);

    bool slurm = uses_slurm(text);
    if (slurm && !slurm_up()) {
        printf("SKIPPED: samples/sweeps/%s: no Slurm running here (as root: sh "
               "tests/slurm/slurm.sh start)\n",
               name);
        free(text);
        return;
    }
    if (needs_sklearn(text) && !python_has_sklearn()) {
        printf("SKIPPED: samples/sweeps/%s: /usr/bin/python3 has no scikit-learn "
               "(apt-get install python3-sklearn)\n",
               name);
        free(text);
        return;
    }

    char *tmp = e2e_tmpdir();
    char *stem = tt_xstrndup(name, strcspn(name, "."));
    char *sweep = tt_xasprintf("%s/%s.yaml", tmp, stem);
    char *capped = capped_yaml(text);
    e2e_write(sweep, capped);
    char *study = tt_xasprintf("%s/study", tmp);

    const char *run[] = {"tunetop", "run", sweep, "--dir", study, NULL};
    e2e_result r = e2e_run(run, 90);
    ck_assert_msg(r.status == 0, "samples/sweeps/%s: tunetop run exited %d\n%s\n%s", name,
                  r.status, e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);

    const char *st[] = {"tunetop", "status", study, "--json", NULL};
    r = e2e_run(st, 20);
    ck_assert_msg(r.status == 0, "samples/sweeps/%s: tunetop status failed: %s", name,
                  e2e_tail(r.err));
    long total = json_count(r.out, "total"), completed = json_count(r.out, "completed"),
         pruned = json_count(r.out, "pruned"), failed = json_count(r.out, "failed");
    char *why = first_failure(study);
    ck_assert_msg(total > 0 && total <= CAP, "samples/sweeps/%s: %ld trials ran, expected 1 to %d: %s",
                  name, total, CAP, r.out);
    ck_assert_msg(failed == 0 && completed + pruned == total && completed >= 1,
                  "samples/sweeps/%s: %ld of %ld trials completed (%ld pruned, %ld failed); "
                  "%s",
                  name, completed, total, pruned, failed, why);
    free(why);
    e2e_result_free(&r);

    e2e_rmtree(tmp);
    free(study);
    free(capped);
    free(sweep);
    free(stem);
    free(tmp);
    free(text);
}
END_TEST

/* An NNI search space alone has nothing to run: `run` refuses it before a
 * study exists, and says where the command goes; `validate` warns. */
START_TEST(test_nni_space_alone_is_refused)
{
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    const char *run[] = {"tunetop", "run", "samples/spaces/nni_search_space.json", "--dir", study,
                         NULL};
    e2e_result r = e2e_run(run, 20);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "has nothing to run: give `program` or `command` in a sweep "
                                "file whose `search_space:` is this NNI search space"),
                  "%s", r.err);
    e2e_result_free(&r);
    ck_assert(!e2e_exists(study));
    const char *val[] = {"tunetop", "validate", "samples/spaces/nni_nested_choice.json", NULL};
    r = e2e_run(val, 20);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.err, "warning: an NNI search space names no command"), "%s", r.err);
    e2e_result_free(&r);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

Suite *suite_samples_run(void)
{
    if (!samples && !list_error)
        list_samples();
    Suite *s = suite_create("samples_run");
    TCase *tc = tt_add_tcase(s, "samples", 150,
                             TT_TESTS(test_samples_listed, test_nni_space_alone_is_refused));
    tcase_add_loop_test(tc, test_sample_runs, 0, (int)n_samples);
    return s;
}
