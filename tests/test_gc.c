/*
 * test_gc — `tunetop gc DIR` on a real study: a trial folder holds the
 * five documented entries before; after, an ended trial keeps its
 * non-empty stdout.log, its checkpoints and its own files, and loses
 * params.json, exit.status, empty logs and an empty checkpoints/;
 * --dry-run removes nothing; what the study database says (export,
 * status, best) is the same before and after; a trial that has not ended
 * and a symbolic link planted as a trial folder are left alone; a second
 * run finds nothing to do.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_util.h"
#include "e2e.h"
#include "tunetop/store.h"
#include "tunetop/util.h"

/* Trial 2 writes a checkpoint and a file of its own; every trial prints. */
static const char sweep[] =
    "name: gc\nmethod: grid\nmetric: {name: loss}\nparallel: 2\n"
    "command: [/bin/sh, -c, 'echo loss=$1; if [ $1 = 2 ]; then echo w > "
    "\"$TUNETOP_CHECKPOINT_DIR/model\"; echo x > \"$TUNETOP_TRIAL_DIR/mine.txt\"; fi', sh, "
    "'${a}']\n"
    "parameters:\n  a: {values: [1, 2, 3]}\n";

static bool has(const char *study, long n, const char *leaf)
{
    char *p = tt_xasprintf("%s/trials/%ld/%s", study, n, leaf);
    bool yes = e2e_exists(p);
    free(p);
    return yes;
}

static char *out_of(const char *const *argv)
{
    e2e_result r = e2e_run(argv, 30);
    ck_assert_msg(r.status == 0, "%s: %s", argv[1], e2e_tail(r.err));
    char *out = tt_xstrdup(r.out);
    e2e_result_free(&r);
    return out;
}

START_TEST(test_gc_compacts_ended_trials)
{
    e2e_sweep w = e2e_sweep_new(sweep);
    e2e_run_sweep_ok(w.sweep, w.study, 60);
    const char *leaves[] = {"stdout.log", "stderr.log", "params.json", "exit.status",
                            "checkpoints"};
    for (long n = 1; n <= 3; n++)
        for (size_t i = 0; i < 5; i++)
            ck_assert_msg(has(w.study, n, leaves[i]), "trial %ld has no %s", n, leaves[i]);
    /* trial 3 queued again (as a retry would): not ended */
    char *db = tt_xasprintf("%s/study.db", w.study);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_WRITE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_trial_retry(st, 3, "again", &err), 0);
    tt_store_close(st);
    /* a link planted as a trial folder is not followed */
    char *victim = tt_xasprintf("%s/victim", w.tmp);
    ck_assert_int_eq(mkdir(victim, 0700), 0);
    char *victim_file = tt_xasprintf("%s/params.json", victim);
    e2e_write(victim_file, "{}");
    char *t1 = tt_xasprintf("%s/trials/1", w.study), *moved = tt_xasprintf("%s/one", w.tmp);
    ck_assert_int_eq(rename(t1, moved), 0);
    ck_assert_int_eq(symlink(victim, t1), 0);

    const char *export[] = {"tunetop", "export", w.study, NULL};
    const char *status[] = {"tunetop", "status", w.study, "--json", NULL};
    const char *best[] = {"tunetop", "best", w.study, NULL};
    char *e0 = out_of(export), *s0 = out_of(status), *b0 = out_of(best);

    const char *dry[] = {"tunetop", "gc", w.study, "--dry-run", NULL};
    char *said = out_of(dry);
    ck_assert_msg(strstr(said, "would remove 3 files of 1 ended trial"), "%s", said);
    ck_assert_msg(strstr(said, "1 trial not ended"), "%s", said);
    ck_assert_msg(strstr(said, "1 folder was skipped"), "%s", said);
    free(said);
    ck_assert(has(w.study, 2, "params.json"));

    const char *gc[] = {"tunetop", "gc", w.study, NULL};
    said = out_of(gc);
    ck_assert_msg(strstr(said, "removed 3 files of 1 ended trial"), "%s", said);
    free(said);
    /* trial 2: params.json, exit.status, the empty stderr.log went (and
     * nothing else: its checkpoints/ holds the model) */
    ck_assert(has(w.study, 2, "stdout.log"));
    ck_assert(!has(w.study, 2, "params.json"));
    ck_assert(!has(w.study, 2, "exit.status"));
    ck_assert(!has(w.study, 2, "stderr.log"));
    ck_assert(has(w.study, 2, "checkpoints/model"));
    ck_assert(has(w.study, 2, "mine.txt"));
    /* trial 3 (not ended) untouched, the link's target untouched */
    for (size_t i = 0; i < 5; i++)
        ck_assert(has(w.study, 3, leaves[i]));
    ck_assert(e2e_exists(victim_file));
    /* the study database says what it said */
    char *e1 = out_of(export), *s1 = out_of(status), *b1 = out_of(best);
    ck_assert_str_eq(e0, e1);
    ck_assert_str_eq(s0, s1);
    ck_assert_str_eq(b0, b1);

    /* once more: nothing left to do for trial 2; an empty checkpoints/
     * goes once it is empty */
    char *model = tt_xasprintf("%s/trials/2/checkpoints/model", w.study);
    ck_assert_int_eq(unlink(model), 0);
    said = out_of(gc);
    ck_assert_msg(strstr(said, "removed 1 file of 1 ended trial"), "%s", said);
    free(said);
    ck_assert(!has(w.study, 2, "checkpoints"));
    said = out_of(gc);
    ck_assert_msg(strstr(said, "removed 0 files of 0 ended trials"), "%s", said);
    free(said);

    const char *bad[] = {"tunetop", "gc", w.tmp, NULL};
    e2e_result r = e2e_run(bad, 30);
    ck_assert_int_eq(r.status, 1);
    e2e_result_free(&r);
    const char *usage[] = {"tunetop", "gc", w.study, "--everything", NULL};
    r = e2e_run(usage, 30);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown option '--everything'"));
    e2e_result_free(&r);

    free(model);
    free(e0), free(s0), free(b0), free(e1), free(s1), free(b1);
    free(t1), free(moved), free(victim), free(victim_file), free(db);
    e2e_sweep_free(&w);
}
END_TEST

Suite *suite_gc(void)
{
    return tt_suite_of("gc", "gc", 120, TT_TESTS(test_gc_compacts_ended_trials));
}
