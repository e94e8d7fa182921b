/*
 * The Slurm executor. Unit tests of what is pure (the batch script and
 * sbatch's arguments, parsing what sbatch, squeue and scontrol printed on a
 * real Slurm 22.05 node, the mapping of job states, how a job's end is
 * decided) and of the background commands; then end-to-end tests against a
 * real single-node Slurm brought up by tests/slurm/slurm.sh (CI starts it
 * in .ci/run). Without it, the end-to-end tests print "SKIPPED: …" and pass.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/runner/slurm.h"
#include "e2e.h"
#include "tunetop/util.h"
#include "check_util.h"

/* ---- states and parsing ------------------------------------------------------- */

START_TEST(test_phases)
{
    static const struct {
        const char *state;
        rn_slurm_phase phase;
    } cases[] = {
        {"PENDING", RN_SLURM_PENDING},         {"CONFIGURING", RN_SLURM_PENDING},
        {"RUNNING", RN_SLURM_RUNNING},         {"COMPLETING", RN_SLURM_RUNNING},
        {"SUSPENDED", RN_SLURM_RUNNING},       {"COMPLETED", RN_SLURM_ENDED},
        {"FAILED", RN_SLURM_ENDED},            {"CANCELLED", RN_SLURM_INTERRUPTED},
        {"CANCELLED by 0", RN_SLURM_INTERRUPTED}, {"cancelled+", RN_SLURM_INTERRUPTED},
        {"NODE_FAIL", RN_SLURM_INTERRUPTED},   {"PREEMPTED", RN_SLURM_INTERRUPTED},
        {"BOOT_FAIL", RN_SLURM_INTERRUPTED},   {"DEADLINE", RN_SLURM_INTERRUPTED},
        {"TIMEOUT", RN_SLURM_TIMEOUT},         {"OUT_OF_MEMORY", RN_SLURM_OOM},
        {"PD", RN_SLURM_PENDING},              {"CG", RN_SLURM_RUNNING},
        {"CA", RN_SLURM_INTERRUPTED},          {"TO", RN_SLURM_TIMEOUT},
        {"WEIRD_NEW_STATE", RN_SLURM_UNKNOWN}, {"", RN_SLURM_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(rn_slurm_phase_of(cases[i].state) == cases[i].phase, "%s",
                      cases[i].state);
    ck_assert(rn_slurm_phase_of(NULL) == RN_SLURM_UNKNOWN);
    ck_assert(!rn_slurm_phase_is_final(RN_SLURM_PENDING));
    ck_assert(!rn_slurm_phase_is_final(RN_SLURM_RUNNING));
    ck_assert(!rn_slurm_phase_is_final(RN_SLURM_UNKNOWN));
    ck_assert(rn_slurm_phase_is_final(RN_SLURM_GONE));
    ck_assert(rn_slurm_phase_is_final(RN_SLURM_OOM));
}
END_TEST

START_TEST(test_parse_sbatch)
{
    char id[32];
    ck_assert_int_eq(rn_slurm_parse_sbatch("6\n", id, sizeof id), 0);
    ck_assert_str_eq(id, "6");
    ck_assert_int_eq(rn_slurm_parse_sbatch("1234;cluster2\n", id, sizeof id), 0);
    ck_assert_str_eq(id, "1234");
    ck_assert_int_eq(
        rn_slurm_parse_sbatch("sbatch: warning: can't honor --ntasks-per-node set to 2\n77\n",
                              id, sizeof id),
        0);
    ck_assert_str_eq(id, "77");
    ck_assert_int_lt(rn_slurm_parse_sbatch("sbatch: error: invalid partition specified: "
                                           "nosuch\nsbatch: error: Batch job submission failed: "
                                           "Invalid partition name specified\n",
                                           id, sizeof id),
                     0);
    ck_assert_int_lt(rn_slurm_parse_sbatch("", id, sizeof id), 0);
    ck_assert_int_lt(rn_slurm_parse_sbatch(NULL, id, sizeof id), 0);
    ck_assert_int_lt(rn_slurm_parse_sbatch("12abc\n", id, sizeof id), 0);
    ck_assert_int_lt(rn_slurm_parse_sbatch("123456789\n", id, 4), 0);
}
END_TEST

/* Captured: `squeue -h -t all -o '%i %T' -j 4,3,5,2,999` on the test node. */
static const char squeue_out[] = "3 FAILED\n5 PENDING\n2 RUNNING\n4 RUNNING\n123 CANCELLED\n"
                                 "12_3 COMPLETED\n";

START_TEST(test_parse_squeue)
{
    char st[32];
    ck_assert(rn_slurm_squeue_state(squeue_out, "3", st, sizeof st));
    ck_assert_str_eq(st, "FAILED");
    ck_assert(rn_slurm_squeue_state(squeue_out, "5", st, sizeof st));
    ck_assert_str_eq(st, "PENDING");
    ck_assert(rn_slurm_squeue_state(squeue_out, "123", st, sizeof st));
    ck_assert_str_eq(st, "CANCELLED");
    ck_assert(rn_slurm_squeue_state(squeue_out, "12_3", st, sizeof st));
    ck_assert_str_eq(st, "COMPLETED");
    /* "12" is neither "123" nor "12_3"; 999 was forgotten. */
    ck_assert(!rn_slurm_squeue_state(squeue_out, "12", st, sizeof st));
    ck_assert(!rn_slurm_squeue_state(squeue_out, "999", st, sizeof st));
    ck_assert(!rn_slurm_squeue_state("", "3", st, sizeof st));
    ck_assert(rn_slurm_squeue_state("  7   RUNNING  \r\n", "7", st, sizeof st));
    ck_assert_str_eq(st, "RUNNING");
    ck_assert(rn_slurm_says_invalid_job("slurm_load_jobs error: Invalid job id specified\n"));
    ck_assert(!rn_slurm_says_invalid_job(
        "squeue: error: Unable to contact slurm controller (connect failure)\n"));
    ck_assert(!rn_slurm_says_invalid_job(NULL));
}
END_TEST

/* Captured: `scontrol -o show job 3` (exit 3) and `scontrol show job 5`,
 * with a DerivedExitCode placed before ExitCode as newer versions print. */
static const char scontrol_one_line[] =
    "JobId=3 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 "
    "Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode "
    "Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 DerivedExitCode=0:0 "
    "ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED WorkDir=/tmp/sx "
    "StdOut=/tmp/sx/3.out Power=\n";
static const char scontrol_multi[] = "JobId=5 JobName=wrap\n"
                                     "   UserId=root(0) GroupId=root(0) MCS_label=N/A\n"
                                     "   Priority=4294901755 Nice=0 Account=(null) QOS=(null)\n"
                                     "   JobState=CANCELLED Reason=None Dependency=(null)\n"
                                     "   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15\n"
                                     "   RunTime=00:00:01 TimeLimit=UNLIMITED TimeMin=N/A\n"
                                     "\n"
                                     "JobId=6 JobName=other\n"
                                     "   JobState=RUNNING Reason=None\n";

START_TEST(test_parse_scontrol)
{
    rn_slurm_job_info info;
    ck_assert_int_eq(rn_slurm_parse_scontrol(scontrol_one_line, &info), 0);
    ck_assert_str_eq(info.job_id, "3");
    ck_assert_str_eq(info.state, "FAILED");
    ck_assert_str_eq(info.reason, "NonZeroExitCode");
    ck_assert_int_eq(info.exit_code, 3);
    ck_assert_int_eq(info.exit_signal, 0);

    ck_assert_int_eq(rn_slurm_parse_scontrol(scontrol_multi, &info), 0);
    ck_assert_str_eq(info.job_id, "5");
    ck_assert_str_eq(info.state, "CANCELLED");
    ck_assert_str_eq(info.reason, "");
    ck_assert_int_eq(info.exit_code, 0);
    ck_assert_int_eq(info.exit_signal, 15);

    ck_assert_int_lt(rn_slurm_parse_scontrol("slurm_load_jobs error: Invalid job id specified\n",
                                             &info),
                     0);
    ck_assert_int_lt(rn_slurm_parse_scontrol(NULL, &info), 0);
    ck_assert_int_eq(rn_slurm_parse_scontrol("JobId=9 JobState=PENDING\n", &info), 0);
    ck_assert_int_eq(info.exit_code, -1);
}
END_TEST

START_TEST(test_output_summary)
{
    char buf[64];
    rn_slurm_output_summary("sbatch: error: invalid partition specified: x\n"
                            "sbatch: error: Batch job submission failed: Invalid partition\n\n",
                            buf, sizeof buf);
    ck_assert_str_eq(buf, "sbatch: error: Batch job submission failed: Invalid partition");
    rn_slurm_output_summary("", buf, sizeof buf);
    ck_assert_str_eq(buf, "no output");
    rn_slurm_output_summary("bell\a here\n", buf, sizeof buf);
    ck_assert_str_eq(buf, "bell? here");
}
END_TEST

/* ---- what is submitted ------------------------------------------------------ */

START_TEST(test_sbatch_argv)
{
    char *extra[] = {"--exclusive", "--constraint=a100"};
    tt_executor_spec ex = {.kind = TT_EXECUTOR_SLURM,
                           .partition = "gpu",
                           .time = "02:00:00",
                           .mem = "16G",
                           .gres = "gpu:1",
                           .account = "ml-team",
                           .qos = "normal",
                           .cpus_per_task = 4,
                           .sbatch_args = extra,
                           .n_sbatch_args = 2};
    char **v = rn_slurm_sbatch_argv(&ex, "tt-demo-7", "/work", "/s/trials/7", "/s/trials/7/job.sh");
    static const char *const want[] = {
        "sbatch",          "--parsable",   "--job-name",  "tt-demo-7",
        "--chdir",         "/work",        "--output=/s/trials/7/slurm-%j.out",
        "--partition",     "gpu",          "--time",      "02:00:00",
        "--cpus-per-task=4", "--mem",      "16G",         "--gres",
        "gpu:1",           "--account",    "ml-team",     "--qos",
        "normal",          "--exclusive",  "--constraint=a100", "/s/trials/7/job.sh"};
    size_t n = 0;
    while (v[n])
        n++;
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(v[i], want[i]);
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);

    tt_executor_spec bare = {.kind = TT_EXECUTOR_SLURM};
    v = rn_slurm_sbatch_argv(&bare, "j", NULL, "/d", "/d/job.sh");
    static const char *const want2[] = {"sbatch", "--parsable", "--job-name", "j",
                                        "--output=/d/slurm-%j.out", "/d/job.sh"};
    n = 0;
    while (v[n])
        n++;
    ck_assert_uint_eq(n, sizeof want2 / sizeof want2[0]);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(v[i], want2[i]);
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}
END_TEST

/* The script, run by /bin/sh with /bin/echo standing in for the shim:
 * every argument and exported value arrives literally. */
START_TEST(test_script_quotes_everything)
{
    char *hostile = "'; touch /tmp/tunetop-pwned; echo '";
    char *argv[] = {"prog", "--name=it's", hostile, "$HOME", "`id`", "a b", NULL};
    char *exports[] = {"TUNETOP_TRIAL_ID=7", "TUNETOP_PARAM_X=$(id) 'q'", "bad name=x", NULL};
    char *script = rn_slurm_script("/bin/echo", "/tmp/trial dir", 10, argv, exports);
    ck_assert_ptr_nonnull(strstr(script, "#!/bin/sh\n"));
    ck_assert_ptr_nonnull(strstr(script, "export TUNETOP_TRIAL_ID='7'\n"));
    ck_assert_ptr_null(strstr(script, "bad name"));
    ck_assert_ptr_nonnull(strstr(script, "exec '/bin/echo' __shim '/tmp/trial dir' --grace 10 -- "));
    char *tmp = e2e_tmpdir();
    char *path = tt_xasprintf("%s/job.sh", tmp);
    tt_buf b = {0};
    tt_buf_puts(&b, script);
    /* Print the exported value after the exec line would have run: swap
     * exec for a shell function that shows both. */
    char *body = tt_buf_take(&b);
    char *exec_at = strstr(body, "exec '/bin/echo'");
    ck_assert_ptr_nonnull(exec_at);
    memcpy(exec_at, "show", 4);
    char *full = tt_xasprintf("show() { printf '[%%s]' \"$@\"; printf '{%%s}' \"$TUNETOP_PARAM_X\"; }\n%s",
                              body);
    e2e_write(path, full);
    const char *run[] = {"/bin/sh", path, NULL};
    e2e_result r = e2e_run(run, 10);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "[/bin/echo][__shim][/tmp/trial dir][--grace][10][--][prog]"
                            "[--name=it's]['; touch /tmp/tunetop-pwned; echo '][$HOME][`id`]"
                            "[a b]{$(id) 'q'}");
    e2e_result_free(&r);
    free(full);
    free(body);
    free(script);
    free(path);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- deciding how a job ended ------------------------------------------------ */

static rn_slurm_verdict decide(rn_slurm_end_in in, tt_trial_state *state, char **reason)
{
    in.job_id = "42";
    *reason = NULL;
    return rn_slurm_decide(&in, state, reason);
}

START_TEST(test_decide)
{
    tt_shim_status ok = {.kind = TT_SHIM_EXIT, .code = 0};
    tt_shim_status sigterm = {.kind = TT_SHIM_SIGNAL, .code = 15};
    tt_shim_status exit143 = {.kind = TT_SHIM_EXIT, .code = 143};
    tt_shim_status exit3 = {.kind = TT_SHIM_EXIT, .code = 3};
    tt_trial_state st;
    char *why;

    /* A clean exit ends the trial at once, whatever squeue said last. */
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &ok,
                                              .phase = RN_SLURM_RUNNING},
                            &st, &why),
                     RN_SLURM_USE_STATUS);
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &exit3,
                                              .phase = RN_SLURM_UNKNOWN},
                            &st, &why),
                     RN_SLURM_USE_STATUS);
    /* Killed by a signal while Slurm still says COMPLETING: wait for its
     * word, boundedly. */
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &sigterm,
                                              .phase = RN_SLURM_RUNNING, .status_age = 1},
                            &st, &why),
                     RN_SLURM_WAIT);
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &exit143,
                                              .phase = RN_SLURM_RUNNING,
                                              .status_age = RN_SLURM_VERDICT_WAIT_S + 1},
                            &st, &why),
                     RN_SLURM_USE_STATUS);
    /* Cancelled from outside, with or without the shim's exit.status:
     * interrupted (retried per policy). */
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &sigterm,
                                              .phase = RN_SLURM_INTERRUPTED,
                                              .state = "CANCELLED"},
                            &st, &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_INTERRUPTED);
    ck_assert_str_eq(why, "Slurm job 42 was CANCELLED from outside tunetop");
    free(why);
    rn_slurm_job_info info = {.reason = "", .exit_code = 0, .exit_signal = 9};
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_INTERRUPTED,
                                              .state = "NODE_FAIL", .final_age = 5,
                                              .info = &info},
                            &st, &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_INTERRUPTED);
    ck_assert_str_eq(why, "Slurm job 42 ended NODE_FAIL (ExitCode=0:9) before the trial finished");
    free(why);
    /* Over without exit.status: a moment for the shared filesystem first. */
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_INTERRUPTED,
                                              .state = "PREEMPTED", .final_age = 0.5},
                            &st, &why),
                     RN_SLURM_WAIT);
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_GONE, .final_age = 3}, &st,
                            &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_INTERRUPTED);
    free(why);
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_TIMEOUT, .state = "TIMEOUT",
                                              .final_age = 3},
                            &st, &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_TIMEOUT);
    free(why);
    ck_assert_int_eq(decide((rn_slurm_end_in){.have_status = true, .status = &sigterm,
                                              .phase = RN_SLURM_OOM},
                            &st, &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_FAILED);
    free(why);
    rn_slurm_job_info launch = {.reason = "JobLaunchFailure", .exit_code = 0, .exit_signal = 53};
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_ENDED, .state = "FAILED",
                                              .final_age = 3, .info = &launch},
                            &st, &why),
                     RN_SLURM_DECIDED);
    ck_assert_int_eq(st, TT_TRIAL_FAILED);
    ck_assert_msg(strstr(why, "FAILED (Reason=JobLaunchFailure, ExitCode=0:53)") &&
                      strstr(why, "slurm-42.out"),
                  "%s", why);
    free(why);
    /* Still pending or running, no status: wait. */
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_PENDING}, &st, &why),
                     RN_SLURM_WAIT);
    ck_assert_int_eq(decide((rn_slurm_end_in){.phase = RN_SLURM_UNKNOWN}, &st, &why),
                     RN_SLURM_WAIT);
    /* What the runner asked for (kill, timeout, prune) wins once it is over. */
    ck_assert_int_eq(decide((rn_slurm_end_in){.end_requested = true, .have_status = true,
                                              .status = &sigterm,
                                              .phase = RN_SLURM_INTERRUPTED},
                            &st, &why),
                     RN_SLURM_USE_STATUS);
    ck_assert_int_eq(decide((rn_slurm_end_in){.end_requested = true,
                                              .phase = RN_SLURM_RUNNING},
                            &st, &why),
                     RN_SLURM_WAIT);
    ck_assert_int_eq(decide((rn_slurm_end_in){.end_requested = true,
                                              .phase = RN_SLURM_INTERRUPTED, .final_age = 3},
                            &st, &why),
                     RN_SLURM_USE_STATUS);
}
END_TEST

/* ---- background commands ---------------------------------------------------- */

static void wait_done(rn_slurm_cmd *c)
{
    for (int i = 0; i < 500 && !rn_slurm_cmd_done(c); i++)
        usleep(10 * 1000);
    ck_assert(rn_slurm_cmd_done(c));
}

START_TEST(test_commands)
{
    char *tmp = e2e_tmpdir();
    char *out = tt_xasprintf("%s/cmd.out", tmp);
    tt_error err = {0};
    char *ok[] = {"sh", "-c", "echo to-out; echo to-err >&2; exit 3", NULL};
    rn_slurm_cmd *c = rn_slurm_cmd_start(ok, NULL, out, 10, &err);
    ck_assert_ptr_nonnull(c);
    wait_done(c);
    ck_assert_int_eq(rn_slurm_cmd_exit_code(c), 3);
    ck_assert_str_eq(rn_slurm_cmd_output(c), "to-out\nto-err\n");
    ck_assert(!rn_slurm_cmd_timed_out(c));
    rn_slurm_cmd_free(c);

    /* A client that hangs (a controller that does not answer) is killed. */
    char *slow[] = {"sleep", "30", NULL};
    c = rn_slurm_cmd_start(slow, NULL, out, 0.2, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert(!rn_slurm_cmd_done(c));
    wait_done(c);
    ck_assert(rn_slurm_cmd_timed_out(c));
    ck_assert_int_eq(rn_slurm_cmd_exit_code(c), -1);
    rn_slurm_cmd_free(c);

    /* Freed while running: ended, not left behind. */
    c = rn_slurm_cmd_start(slow, NULL, out, 30, &err);
    ck_assert_ptr_nonnull(c);
    rn_slurm_cmd_free(c);

    char *missing[] = {"tunetop-no-such-sbatch", NULL};
    c = rn_slurm_cmd_start(missing, NULL, out, 5, &err);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err.msg, "cannot run tunetop-no-such-sbatch"), "%s", err.msg);

    char *bad_out = tt_xasprintf("%s/no/such/dir/out", tmp);
    c = rn_slurm_cmd_start(ok, NULL, bad_out, 5, &err);
    ck_assert_ptr_null(c);
    free(bad_out);
    free(out);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

/* ---- end to end, against a real Slurm ----------------------------------------- */

/* Whether tests/slurm/slurm.sh has a usable cluster up; prints why not. */
static bool slurm_up(const char *test)
{
    const char *argv[] = {"sh", "tests/slurm/slurm.sh", "status", NULL};
    e2e_result r = e2e_run(argv, 30);
    bool up = r.status == 0;
    e2e_result_free(&r);
    if (!up)
        printf("SKIPPED: %s: no Slurm running here (as root: sh tests/slurm/slurm.sh start)\n",
               test);
    return up;
}

static char *db_text(const char *study, const char *sql)
{
    char *db = tt_xasprintf("%s/study.db", study);
    char *v = e2e_sql(db, sql);
    free(db);
    return v;
}

static long db_long(const char *study, const char *sql)
{
    char *db = tt_xasprintf("%s/study.db", study);
    long v = e2e_exists(db) ? e2e_sql_long(db, sql) : -1;
    free(db);
    return v;
}

static char *squeue_state(const char *job)
{
    const char *argv[] = {"squeue", "-h", "-t", "all", "-o", "%T", "-j", job, NULL};
    e2e_result r = e2e_run(argv, 15);
    char *s = tt_xstrdup(r.status == 0 ? r.out : "");
    s[strcspn(s, "\n")] = '\0';
    e2e_result_free(&r);
    return s;
}

/* The sweep of tests/data/slurm_trainer.yaml with each job asking for every
 * CPU of the node: one job runs, the other of the two waits PENDING. */
static char *slurm_sweep_text(void)
{
    const char *sinfo[] = {"sinfo", "-h", "-o", "%c", NULL};
    e2e_result r = e2e_run(sinfo, 15);
    long cpus = r.status == 0 ? strtol(r.out, NULL, 10) : 1;
    e2e_result_free(&r);
    char *path = tt_xasprintf("%s/tests/data/slurm_trainer.yaml", e2e_root());
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    tt_buf b = {0};
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "cpus_per_task:"))
            tt_buf_printf(&b, "  cpus_per_task: %ld\n", cpus > 0 ? cpus : 1);
        else
            tt_buf_puts(&b, line);
    }
    fclose(f);
    free(path);
    return tt_buf_take(&b);
}

/* The C sample sweep through Slurm, parallel 2: a job cancelled from
 * outside (→ interrupted → retried), the runner killed with -9 and run
 * again (its jobs re-adopted by id), every trial completed once. */
START_TEST(test_e2e_sweep_cancel_restart)
{
    if (!slurm_up("Slurm sweep, scancel, kill -9 and restart"))
        return;
    char *text = slurm_sweep_text();
    e2e_sweep w = e2e_sweep_new(text);
    free(text);
    const char *sweep = w.sweep, *study = w.study;
    pid_t runner = e2e_start_detached(sweep, study);

    /* Wait for trial 1's job to run; meanwhile never more than two jobs. */
    char *job1 = NULL;
    long max_live = 0;
    bool saw_pending = false;
    for (int i = 0; i < 300; i++) {
        long live = db_long(study, "SELECT count(*) FROM trials WHERE state = 'running'");
        if (live > max_live)
            max_live = live;
        free(job1);
        job1 = db_text(study, "SELECT job_id FROM trials WHERE number = 1 AND state = 'running'");
        char *job2 = db_text(study, "SELECT job_id FROM trials WHERE number = 2");
        if (job2 && *job2) {
            char *s2 = squeue_state(job2);
            saw_pending |= strcmp(s2, "PENDING") == 0;
            free(s2);
        }
        free(job2);
        if (job1 && *job1) {
            char *s = squeue_state(job1);
            bool running = strcmp(s, "RUNNING") == 0;
            free(s);
            if (running)
                break;
        }
        e2e_sleep(0.05);
    }
    ck_assert_msg(job1 && *job1, "trial 1 never got a running Slurm job");
    ck_assert_int_le(max_live, 2);

    /* Someone cancels trial 1's job. */
    e2e_sleep(0.3);
    const char *cancel[] = {"scancel", job1, NULL};
    e2e_result r = e2e_run(cancel, 15);
    ck_assert_int_eq(r.status, 0);
    e2e_result_free(&r);
    long attempt = 0;
    for (int i = 0; i < 300 && attempt < 2; i++) {
        attempt = db_long(study, "SELECT attempt FROM trials WHERE number = 1");
        e2e_sleep(0.05);
    }
    ck_assert_int_eq(attempt, 2);

    /* kill -9 the runner while a job runs; the job outlives it. */
    char *running_job = NULL;
    for (int i = 0; i < 300; i++) {
        free(running_job);
        running_job = db_text(study, "SELECT job_id FROM trials WHERE state = 'running' AND "
                                     "job_id IS NOT NULL ORDER BY number LIMIT 1");
        if (running_job) {
            char *s = squeue_state(running_job);
            bool running = strcmp(s, "RUNNING") == 0;
            free(s);
            if (running)
                break;
        }
        e2e_sleep(0.05);
    }
    ck_assert_ptr_nonnull(running_job);
    ck_assert_int_eq(kill(runner, SIGKILL), 0);
    e2e_sleep(0.3);
    char *s = squeue_state(running_job);
    ck_assert_msg(strcmp(s, "RUNNING") == 0 || strcmp(s, "COMPLETING") == 0 ||
                      strcmp(s, "COMPLETED") == 0,
                  "job %s after the runner's death: %s", running_job, s);
    free(s);

    const char *status[] = {"tunetop", "status", study, NULL};
    r = e2e_run(status, 20);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "Slurm job "), "%s", r.out);
    e2e_result_free(&r);

    const char *again[] = {"tunetop", "run", study, NULL};
    r = e2e_run(again, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "re-adopted"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);

    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM trials"), 4);
    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 4);
    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM trials WHERE job_id IS NULL"), 0);
    /* Only trial 1 was retried, and its retry says why. */
    ck_assert_int_eq(db_long(study, "SELECT max(attempt) FROM trials WHERE number > 1"), 1);
    char *ev = db_text(study, "SELECT message FROM events WHERE trial = 1 AND kind = 'retry'");
    ck_assert_msg(ev && strstr(ev, "interrupted") && strstr(ev, "CANCELLED from outside"), "%s",
                  ev ? ev : "(no retry event)");
    free(ev);
    /* Metrics: nothing ingested twice, 20 epochs of val_loss per completed run. */
    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM (SELECT 1 FROM metrics GROUP BY trial, "
                                    "attempt, step, name HAVING count(*) > 1)"),
                     0);
    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM metrics m JOIN trials t ON "
                                    "t.number = m.trial AND t.attempt = m.attempt WHERE "
                                    "m.name = 'val_loss'"),
                     80);
    if (!saw_pending)
        printf("note: the second job never waited PENDING (node with room for both)\n");
    free(running_job);
    free(job1);
    e2e_sweep_free(&w);
}
END_TEST

/* sbatch refuses (no such partition): retried with back-off, each failure
 * an event, then the trial fails with sbatch's own words. */
START_TEST(test_e2e_sbatch_failure)
{
    if (!slurm_up("a failing sbatch"))
        return;
    e2e_sweep w = e2e_sweep_new(
        "name: nopart\nmethod: random\nrun_cap: 1\n"
        "command: [/bin/sh, -c, 'echo loss=1']\nmetric: {name: loss}\n"
        "parameters:\n  x: {min: 0.0, max: 1.0}\n"
        "executor: {type: slurm, partition: tunetop-no-such-partition}\n");
    const char *study = w.study;
    setenv("TUNETOP_SLURM_BACKOFF", "0.1", 1);
    e2e_result r = e2e_run_sweep(w.sweep, study, 40);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(strstr(r.out, "retrying in"), "%s", e2e_tail(r.out));
    e2e_result_free(&r);
    char *state = db_text(study, "SELECT state FROM trials WHERE number = 1");
    char *reason = db_text(study, "SELECT reason FROM trials WHERE number = 1");
    ck_assert_str_eq(state, "failed");
    ck_assert_msg(strstr(reason, "sbatch failed 5 times") && strstr(reason, "artition"), "%s",
                  reason);
    ck_assert_int_eq(db_long(study, "SELECT count(*) FROM events WHERE trial = 1 AND kind = "
                                    "'error' AND message LIKE 'sbatch failed%'"),
                     5);
    free(state);
    free(reason);
    e2e_sweep_free(&w);
}
END_TEST

/* `tunetop kill` of a Slurm trial: scancel, the trial is killed, the job gone. */
START_TEST(test_e2e_kill)
{
    if (!slurm_up("tunetop kill through scancel"))
        return;
    e2e_sweep w = e2e_sweep_new(
        "name: killme\nmethod: random\nrun_cap: 1\n"
        "command: [/bin/sh, -c, 'echo loss=1; sleep 60']\nmetric: {name: loss}\n"
        "parameters:\n  x: {min: 0.0, max: 1.0}\n"
        "executor: {type: slurm}\n");
    const char *study = w.study;
    e2e_start_detached(w.sweep, study);
    char *job = NULL;
    for (int i = 0; i < 200; i++) {
        free(job);
        job = db_text(study, "SELECT job_id FROM trials WHERE number = 1");
        char *out = tt_xasprintf("%s/trials/1/stdout.log", study);
        bool started = job && e2e_exists(out);
        free(out);
        if (started)
            break;
        e2e_sleep(0.05);
    }
    ck_assert_ptr_nonnull(job);
    const char *kill_cmd[] = {"tunetop", "kill", study, "1", NULL};
    e2e_result r = e2e_run(kill_cmd, 20);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    char *state = NULL;
    for (int i = 0; i < 300; i++) {
        free(state);
        state = db_text(study, "SELECT state FROM trials WHERE number = 1");
        if (state && strcmp(state, "running") != 0)
            break;
        e2e_sleep(0.05);
    }
    ck_assert_str_eq(state, "killed");
    char *s = squeue_state(job);
    ck_assert_msg(strcmp(s, "CANCELLED") == 0 || strcmp(s, "COMPLETING") == 0, "%s", s);
    free(s);
    free(state);
    free(job);
    e2e_sweep_free(&w);
}
END_TEST

Suite *suite_slurm(void)
{
    Suite *s = suite_create("slurm");
    tt_add_tcase(s, "core", 0,
                 TT_TESTS(test_phases, test_parse_sbatch, test_parse_squeue, test_parse_scontrol,
                          test_output_summary, test_sbatch_argv, test_script_quotes_everything,
                          test_decide, test_commands));
    tt_add_tcase(s, "e2e", 120,
                 TT_TESTS(test_e2e_sweep_cancel_restart, test_e2e_sbatch_failure, test_e2e_kill));
    return s;
}
