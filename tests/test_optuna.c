/*
 * Optuna studies, read (suite "optuna"): real Optuna SQLite files made by
 * /usr/bin/python3 with optuna (python3-optuna, which .ci/deps installs;
 * without it these tests fail saying so, they never skip), read through
 * the real binary (status, best, export, importance, the refusals, the
 * dashboard in tmux) and through the study module's reader (a live
 * Optuna process adding trials while the reader polls). Every test also
 * checks that the file was never written: same bytes, same mtime, and no
 * -journal or -wal beside it.
 *
 * The fixture file holds three studies:
 *   alpha (minimize): trials 0-2 and 5 COMPLETE (values 3.5, 1.25, 2.0,
 *     0.5: trial 5 is the best, with a user attribute), 3 PRUNED with
 *     intermediate values at steps 0-2, 4 FAIL, 6 RUNNING (asked, not told);
 *     parameters x (float), lr (log float), n (int), opt (categorical);
 *   beta (maximize): two trials;
 *   gamma (minimize): 40 trials of random search on x^2 + small terms,
 *     where x matters most;
 *   multi: two objectives (minimize, maximize), two trials.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_util.h"
#include "e2e.h"
#include "tunetop/store.h"
#include "tunetop/study.h"
#include "tunetop/util.h"

static const char make_py[] =
    "import sys\n"
    "import optuna\n"
    "from optuna.distributions import FloatDistribution as F, IntDistribution as I, \\\n"
    "    CategoricalDistribution as C\n"
    "from optuna.trial import create_trial, TrialState as S\n"
    "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
    "url = 'sqlite:///' + sys.argv[1]\n"
    "D = {'x': F(-5, 5), 'lr': F(1e-5, 1e-1, log=True), 'n': I(1, 64),\n"
    "     'opt': C(['adam', 'sgd', 'rmsprop'])}\n"
    "def t(x, lr, n, opt, **kw):\n"
    "    return create_trial(params={'x': x, 'lr': lr, 'n': n, 'opt': opt}, distributions=D, **kw)\n"
    "a = optuna.create_study(study_name='alpha', storage=url, direction='minimize')\n"
    "a.add_trial(t(1.5, 0.01, 8, 'sgd', value=3.5))\n"
    "a.add_trial(t(-0.25, 0.001, 32, 'adam', value=1.25))\n"
    "a.add_trial(t(0.5, 0.002, 16, 'sgd', value=2.0))\n"
    "a.add_trial(t(2.0, 0.05, 4, 'adam', state=S.PRUNED,\n"
    "              intermediate_values={0: 5.0, 1: 4.0, 2: 3.9}))\n"
    "a.add_trial(t(-3.0, 0.02, 2, 'sgd', state=S.FAIL))\n"
    "a.add_trial(t(0.125, 0.0003, 64, 'rmsprop', value=0.5, user_attrs={'note': 'best one'}))\n"
    "a.ask(D)\n"
    "b = optuna.create_study(study_name='beta', storage=url, direction='maximize')\n"
    "b.add_trial(t(1.0, 0.01, 1, 'adam', value=1.0))\n"
    "b.add_trial(t(2.0, 0.01, 2, 'sgd', value=2.0))\n"
    "g = optuna.create_study(study_name='gamma', storage=url, direction='minimize',\n"
    "                        sampler=optuna.samplers.RandomSampler(seed=1))\n"
    "def obj(tr):\n"
    "    x = tr.suggest_float('x', -5, 5)\n"
    "    n = tr.suggest_int('n', 1, 8)\n"
    "    o = tr.suggest_categorical('opt', ['adam', 'sgd'])\n"
    "    return x * x + 0.01 * n + (0.05 if o == 'sgd' else 0)\n"
    "g.optimize(obj, n_trials=40)\n"
    "m = optuna.create_study(study_name='multi', storage=url, directions=['minimize', 'maximize'])\n"
    "m.add_trial(create_trial(params={'x': 1.0}, distributions={'x': F(-5, 5)}, values=[2.0, 9.0]))\n"
    "m.add_trial(create_trial(params={'x': 2.0}, distributions={'x': F(-5, 5)}, values=[1.0, 3.0]))\n";

/* The live Optuna process: the running trial of alpha ends, and a new
 * trial comes. */
static const char live_py[] =
    "import sys\n"
    "import optuna\n"
    "from optuna.trial import TrialState as S\n"
    "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
    "a = optuna.load_study(study_name='alpha', storage='sqlite:///' + sys.argv[1])\n"
    "run = [t for t in a.get_trials(deepcopy=False) if t.state == S.RUNNING][0]\n"
    "a.tell(run.number, 0.25)\n"
    "tr = a.ask()\n"
    "tr.suggest_float('x', -5, 5)\n"
    "tr.report(9.0, 0)\n"
    "a.tell(tr, 7.0)\n";

static char *tmp, *db;

static e2e_result python(const char *script_text, const char *file)
{
    char *script = tt_xasprintf("%s/script.py", tmp);
    e2e_write(script, script_text);
    const char *argv[] = {"/usr/bin/python3", script, file, NULL};
    e2e_result r = e2e_run(argv, 120);
    free(script);
    return r;
}

static void make_db(const char *path)
{
    e2e_result r = python(make_py, path);
    ck_assert_msg(r.status == 0, "making the Optuna study failed: %s", e2e_tail(r.err));
    e2e_result_free(&r);
}

static void setup(void)
{
    /* CI installs python3-optuna (.ci/deps): a missing one is a failure
     * that says what to install, never a skip */
    const char *probe[] = {"/usr/bin/python3", "-c", "import optuna", NULL};
    e2e_result p = e2e_run(probe, 60);
    ck_assert_msg(p.status == 0,
                  "/usr/bin/python3 cannot import optuna: install python3-optuna "
                  "(.ci/deps does): %s", e2e_tail(p.err));
    e2e_result_free(&p);
    tmp = e2e_tmpdir();
    db = tt_xasprintf("%s/study.db", tmp); /* Optuna's file may be called study.db too */
    make_db(db);
}

static void teardown(void)
{
    e2e_rmtree(tmp);
    free(tmp);
    free(db);
}

/* ---- the file is never written ------------------------------------------ */

typedef struct file_state {
    char *bytes;
    size_t len;
    struct timespec mtime;
} file_state;

static file_state file_look(const char *path)
{
    file_state s = {0};
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    s.mtime = sb.st_mtim;
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    s.bytes = tt_xmalloc((size_t)sb.st_size + 1);
    s.len = fread(s.bytes, 1, (size_t)sb.st_size, f);
    fclose(f);
    return s;
}

static void assert_untouched(const char *path, file_state *before)
{
    file_state now = file_look(path);
    ck_assert_msg(now.len == before->len && memcmp(now.bytes, before->bytes, now.len) == 0,
                  "%s changed", path);
    ck_assert_msg(now.mtime.tv_sec == before->mtime.tv_sec &&
                  now.mtime.tv_nsec == before->mtime.tv_nsec, "%s: mtime changed", path);
    const char *sfx[] = {"-journal", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char *side = tt_xasprintf("%s%s", path, sfx[i]);
        ck_assert_msg(!e2e_exists(side), "%s was created", side);
        free(side);
    }
    free(now.bytes);
    free(before->bytes);
}

static e2e_result tunetop(const char *const *args)
{
    const char *argv[16] = {"tunetop"};
    size_t n = 1;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return e2e_run(argv, 60);
}

#define TT(...) tunetop((const char *const[]){__VA_ARGS__, NULL})

static char *ok_out(e2e_result r)
{
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, e2e_tail(r.err));
    free(r.err);
    return r.out;
}

static void assert_has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "'%s' not in: %s", part, e2e_tail(text));
}

/* ---- status, best, export, importance ------------------------------------ */

START_TEST(test_status_json)
{
    file_state before = file_look(db);
    char *out = ok_out(TT("status", db, "--study", "alpha", "--json"));
    assert_has(out, "\"study\": \"alpha\"");
    assert_has(out, "\"state\": \"optuna\"");
    assert_has(out, "\"queued\": 0, \"running\": 1, \"completed\": 4, \"pruned\": 1, "
                    "\"failed\": 1");
    assert_has(out, "\"total\": 7");
    assert_has(out, "\"goal\": \"minimize\"");
    /* Optuna's number of the best trial, its value and parameters, typed */
    assert_has(out, "\"best\": {\"trial\": 5, \"value\": 0.5, \"params\": {\"x\": 0.125, "
                    "\"lr\": 0.0003, \"n\": 64, \"opt\": \"rmsprop\"}}");
    assert_has(out, "\"counts\": {\"COMPLETE\": 4, \"PRUNED\": 1, \"FAIL\": 1, \"RUNNING\": 1, "
                    "\"WAITING\": 0}");
    free(out);
    /* the other forms: sqlite:///FILE, and the second study's goal */
    char *url = tt_xasprintf("sqlite:///%s", db);
    out = ok_out(TT("status", url, "--study=beta", "--json"));
    assert_has(out, "\"goal\": \"maximize\"");
    assert_has(out, "\"best\": {\"trial\": 1, \"value\": 2,");
    free(out);
    out = ok_out(TT("status", url, "--study", "alpha"));
    assert_has(out, "optuna (read-only)");
    assert_has(out, "trial 5, value=0.5");
    free(out);
    free(url);
    assert_untouched(db, &before);
}
END_TEST

START_TEST(test_best_and_export)
{
    file_state before = file_look(db);
    char *out = ok_out(TT("best", db, "--study", "alpha", "--format", "csv"));
    assert_has(out, "rank,trial,value,x,lr,n,opt\n1,5,0.5,0.125,0.0003,64,rmsprop\n"
                    "2,1,1.25,-0.25,0.001,32,adam\n3,2,2,0.5,0.002,16,sgd\n");
    free(out);

    out = ok_out(TT("export", db, "--study", "alpha"));
    assert_has(out, "trial,state,value,x,lr,n,opt,");
    assert_has(out, "\n0,completed,3.5,1.5,0.01,8,sgd,");
    assert_has(out, "\n3,pruned,,2,0.05,4,adam,");
    assert_has(out, "\n4,failed,,-3,0.02,2,sgd,");
    assert_has(out, "\n6,running,,");
    size_t rows = 0;
    for (const char *p = out; *p; p++)
        rows += *p == '\n';
    ck_assert_uint_eq(rows, 8); /* header + one row per trial */
    free(out);

    out = ok_out(TT("export", db, "--study", "alpha", "--format", "json"));
    assert_has(out, "\"trial\":5,");
    assert_has(out, "\"params\":{\"x\":0.125,\"lr\":0.0003,\"n\":64,\"opt\":\"rmsprop\"}");
    free(out);

    /* the pruned trial's intermediate values, as metric points */
    out = ok_out(TT("export", db, "--study", "alpha", "--metrics"));
    assert_has(out, "3,0,value,5,0\n3,1,value,4,0\n3,2,value,3.9,0\n");
    free(out);
    assert_untouched(db, &before);
}
END_TEST

START_TEST(test_importance)
{
    file_state before = file_look(db);
    char *out = ok_out(TT("importance", db, "--study", "gamma", "--json"));
    /* x dominates the objective: it ranks first */
    const char *x = strstr(out, "\"x\""), *n = strstr(out, "\"n\""), *o = strstr(out, "\"opt\"");
    ck_assert_msg(x && n && o && x < n && x < o, "x is not first: %s", e2e_tail(out));
    free(out);
    out = ok_out(TT("importance", db, "--study", "alpha"));
    assert_has(out, "opt");
    free(out);
    assert_untouched(db, &before);
}
END_TEST

/* ---- choosing a study, and what is not one ------------------------------- */

START_TEST(test_several_studies)
{
    file_state before = file_look(db);
    e2e_result r = TT("status", db);
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "alpha, beta, gamma, multi");
    assert_has(r.err, "--study");
    e2e_result_free(&r);
    r = TT("export", db, "--study", "delta");
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "no Optuna study named 'delta'");
    assert_has(r.err, "alpha, beta, gamma, multi");
    e2e_result_free(&r);
    r = TT("best", db);
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "alpha, beta, gamma, multi");
    e2e_result_free(&r);
    assert_untouched(db, &before);
}
END_TEST

START_TEST(test_not_a_study)
{
    char *text = tt_xasprintf("%s/notes.db", tmp);
    e2e_write(text, "just some text, no database\n");
    e2e_result r = TT("status", text);
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "neither a tunetop study nor an Optuna database");
    e2e_result_free(&r);
    r = TT(text); /* the dashboard says the same, before taking the terminal */
    ck_assert_int_eq(r.status, 1);
    e2e_result_free(&r);

    char *other = tt_xasprintf("%s/other.db", tmp);
    const char *mk[] = {"/usr/bin/python3", "-c",
                        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                        "c.execute('create table things (a)'); c.commit()", other, NULL};
    r = e2e_run(mk, 30);
    ck_assert_int_eq(r.status, 0);
    e2e_result_free(&r);
    r = TT("export", other);
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "neither a tunetop study nor an Optuna database");
    assert_has(r.err, "'studies'");
    e2e_result_free(&r);
    r = TT(other);
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "neither a tunetop study nor an Optuna database");
    e2e_result_free(&r);
    free(text);
    free(other);
}
END_TEST

START_TEST(test_unknown_revision)
{
    char *copy = tt_xasprintf("%s/future.db", tmp);
    const char *mk[] = {"/usr/bin/python3", "-c",
                        "import shutil, sqlite3, sys; shutil.copy(sys.argv[1], sys.argv[2]); "
                        "c = sqlite3.connect(sys.argv[2]); "
                        "c.execute(\"update alembic_version set version_num = 'v9.0.0.z'\"); "
                        "c.commit()", db, copy, NULL};
    e2e_result r = e2e_run(mk, 30);
    ck_assert_int_eq(r.status, 0);
    e2e_result_free(&r);
    r = TT("status", copy, "--study", "alpha");
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "v9.0.0.z");
    assert_has(r.err, "v3.0.0.d, v3.2.0.a");
    e2e_result_free(&r);
    free(copy);
}
END_TEST

/* A tunetop study folder's own study.db still opens the study (the tables
 * tell it from an Optuna file of the same name). */
START_TEST(test_tunetop_study_db)
{
    char *dir = tt_xasprintf("%s/mine", tmp);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    tt_error err = {0};
    tt_store *st = tt_study_open_store(dir, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "mine", "sweep.yaml", NULL, &err), 0);
    tt_store_close(st);
    char *file = tt_study_db_path(dir);
    char *out = ok_out(TT("status", file, "--json"));
    assert_has(out, "\"study\": \"mine\"");
    assert_has(out, "\"state\": \"stopped\"");
    free(out);
    e2e_result r = TT("status", file, "--study", "alpha");
    ck_assert_int_eq(r.status, 1);
    assert_has(r.err, "is a tunetop study");
    e2e_result_free(&r);
    /* and a folder whose study.db is Optuna's is that Optuna file */
    out = ok_out(TT("status", tmp, "--study", "alpha", "--json"));
    assert_has(out, "\"state\": \"optuna\"");
    free(out);
    free(file);
    free(dir);
}
END_TEST

START_TEST(test_writers_refuse)
{
    file_state before = file_look(db);
    const char *const cmds[][4] = {
        {"stop", db, NULL}, {"pause", db, NULL}, {"resume", db, NULL},
        {"kill", db, "2", NULL}, {"run", db, NULL}, {"gc", db, NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        e2e_result r = tunetop(cmds[i]);
        ck_assert_msg(r.status == 1, "%s: exit %d", cmds[i][0], r.status);
        assert_has(r.err, "read-only: ");
        assert_has(r.err, "is an Optuna study");
        e2e_result_free(&r);
    }
    assert_untouched(db, &before);
}
END_TEST

/* ---- live: an Optuna process writes while the reader polls --------------- */

static long count_in(tt_study_reader *r, tt_trial_state state, long *total, double *best)
{
    long counts[TT_TRIAL_STATE_COUNT];
    tt_error err = {0};
    ck_assert_int_eq(tt_store_trial_counts(r->store, counts, total, &err), 0);
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(tt_store_best_trials(r->store, r->goal, 1, &rows, &n, &cap, &err), 0);
    *best = n ? rows[0].value : NAN;
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);
    return counts[state];
}

START_TEST(test_live)
{
    tt_study_reader r;
    tt_error err = {0};
    char *target = tt_study_target_with(db, "alpha");
    ck_assert_msg(tt_study_reader_open(&r, target, TT_STORE_READ, &err) == 0, "%s", err.msg);
    ck_assert_int_ge(tt_study_reader_poll(&r, &err), 0);
    long total = 0;
    double best = 0;
    ck_assert_int_eq(count_in(&r, TT_TRIAL_RUNNING, &total, &best), 1);
    ck_assert_int_eq(total, 7);
    ck_assert(best == 0.5);
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(tt_study_reader_trials(&r, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 7);

    e2e_result p = python(live_py, db); /* Optuna writes while the reader is open */
    ck_assert_msg(p.status == 0, "the live writer failed: %s", e2e_tail(p.err));
    e2e_result_free(&p);

    ck_assert_int_ge(tt_study_reader_poll(&r, &err), 0);
    ck_assert_int_eq(count_in(&r, TT_TRIAL_RUNNING, &total, &best), 0);
    ck_assert_int_eq(total, 8);
    ck_assert(best == 0.25); /* the trial that was running ended best */
    size_t before = n;
    ck_assert_int_eq(tt_study_reader_trials(&r, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n - before, 2); /* trial 6 changed, trial 7 is new */
    /* the new trial's intermediate value came as a metric point */
    char *out = ok_out(TT("export", db, "--study", "alpha", "--metrics"));
    assert_has(out, "7,0,value,9,0\n");
    free(out);
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);
    tt_study_reader_close(&r);
    free(target);

    /* status, run again, sees them too */
    out = ok_out(TT("status", db, "--study", "alpha", "--json"));
    assert_has(out, "\"total\": 8");
    assert_has(out, "\"best\": {\"trial\": 6, \"value\": 0.25");
    free(out);
}
END_TEST

/* A multi-objective study shows its first objective, and says so. */
START_TEST(test_multi_objective)
{
    char *out = ok_out(TT("status", db, "--study", "multi", "--json"));
    assert_has(out, "\"objectives\": 2");
    assert_has(out, "\"goal\": \"minimize\"");
    assert_has(out, "\"best\": {\"trial\": 1, \"value\": 1,");
    free(out);
    out = ok_out(TT("status", db, "--study", "multi"));
    assert_has(out, "objective 1 of 2 shown");
    free(out);
}
END_TEST

START_TEST(test_plot)
{
    file_state before = file_look(db);
    char *out = ok_out(TT("plot", db, "--study", "alpha", "--kind", "history", "--width", "60",
                          "--height", "10", "--ascii"));
    assert_has(out, "best #5 = 0.5");
    free(out);
    out = ok_out(TT("plot", db, "--study", "gamma", "--kind", "slice", "--param", "x",
                    "--width", "60", "--height", "10", "--ascii"));
    assert_has(out, "40 trials");
    free(out);
    assert_untouched(db, &before);
}
END_TEST

/* An Optuna writer holding its lock: a poll gives up at once (nothing new
 * yet) and reads it all once the lock is gone; the dashboard never waits. */
static const char lock_py[] =
    "import sqlite3, sys, time\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.execute('BEGIN EXCLUSIVE')\n"
    "open(sys.argv[1] + '.locked', 'w').close()\n"
    "time.sleep(3)\n"
    "c.execute('ROLLBACK')\n";

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(test_locked_file)
{
    tt_study_reader r;
    tt_error err = {0};
    char *target = tt_study_target_with(db, "alpha");
    ck_assert_msg(tt_study_reader_open(&r, target, TT_STORE_READ, &err) == 0, "%s", err.msg);
    ck_assert_int_ge(tt_study_reader_poll(&r, &err), 0);
    char *script = tt_xasprintf("%s/lock.py", tmp), *flag = tt_xasprintf("%s.locked", db);
    e2e_write(script, lock_py);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/usr/bin/python3", "python3", script, db, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !e2e_exists(flag); i++)
        e2e_sleep(0.02);
    ck_assert_msg(e2e_exists(flag), "the locking writer did not start");
    double t0 = mono();
    int rc = tt_study_reader_poll(&r, &err);
    double took = mono() - t0;
    ck_assert_msg(rc >= 0, "a locked file is an error: %s", err.msg);
    ck_assert_msg(took < 1.0, "a poll waited %.2f s for the writer's lock", took);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_int_ge(tt_study_reader_poll(&r, &err), 0);
    tt_study_reader_close(&r);
    free(target);
    free(script);
    free(flag);
}
END_TEST

/* ---- the dashboard --------------------------------------------------------- */

static bool have_tmux(void)
{
    const char *probe[] = {"tmux", "-V", NULL};
    e2e_result v = e2e_run(probe, 10);
    bool ok = v.status == 0;
    e2e_result_free(&v);
    return ok;
}

START_TEST(test_dashboard)
{
    if (!have_tmux()) {
        fprintf(stderr, "SKIPPED: %s: tmux is not installed (.ci/deps installs it)\n", __func__);
        return;
    }
    file_state before = file_look(db);
    setenv("TMUX_TMPDIR", tmp, 1);
    char *sock = tt_xasprintf("tt-optuna-%ld", (long)getpid());
    char *conf = tt_xasprintf("%s/tmux.conf", tmp);
    e2e_write(conf, "set -g status off\nset -g remain-on-exit on\nset -g default-shell /bin/sh\n");
    char *line = tt_xasprintf("cd %s && env TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=%s "
                              "%s sqlite:///%s --study alpha; echo \"[exit $?]\"; exec sleep 60",
                              e2e_root(), tmp, e2e_bin(), db);
    const char *start[] = {"tmux", "-L", sock, "-f", conf, "new-session", "-d", "-s", "tt",
                           "-x", "140", "-y", "40", line, NULL};
    e2e_result r = e2e_run(start, 10);
    ck_assert_msg(r.status == 0, "tmux: %s", e2e_tail(r.err));
    e2e_result_free(&r);
    const char *cap[] = {"tmux", "-L", sock, "capture-pane", "-p", "-t", "tt", NULL};
    char *screen = NULL;
    for (int i = 0; i < 100; i++) {
        r = e2e_run(cap, 10);
        free(r.err);
        free(screen);
        screen = r.out;
        if (strstr(screen, "rmsprop") && strstr(screen, "best #5"))
            break;
        e2e_sleep(0.1);
    }
    const char *keys[] = {"tmux", "-L", sock, "send-keys", "-t", "tt", "p", NULL};
    r = e2e_run(keys, 10); /* pause: refused, read-only */
    e2e_result_free(&r);
    e2e_sleep(0.3);
    r = e2e_run(cap, 10);
    char *after = r.out;
    free(r.err);
    const char *quit[] = {"tmux", "-L", sock, "send-keys", "-t", "tt", "q", NULL};
    r = e2e_run(quit, 10);
    e2e_result_free(&r);
    char *last = NULL;
    for (int i = 0; i < 50; i++) {
        r = e2e_run(cap, 10);
        free(r.err);
        free(last);
        last = r.out;
        if (strstr(last, "[exit "))
            break;
        e2e_sleep(0.1);
    }
    const char *kill[] = {"tmux", "-L", sock, "kill-server", NULL};
    r = e2e_run(kill, 10);
    e2e_result_free(&r);
    ck_assert_msg(strstr(screen, "rmsprop") && strstr(screen, "optuna"),
                  "the dashboard did not show the study: %s", screen);
    ck_assert_msg(strstr(screen, "best #5"), "best is not Optuna's trial 5: %s", screen);
    ck_assert_msg(strstr(after, "read-only"), "p was not refused: %s", after);
    ck_assert_msg(strstr(last, "[exit 0]"), "the dashboard did not leave cleanly: %s", last);
    free(screen);
    free(after);
    free(last);
    free(line);
    free(conf);
    free(sock);
    assert_untouched(db, &before);
}
END_TEST

Suite *suite_optuna(void)
{
    Suite *s = suite_create("optuna");
    TCase *tc = tcase_create("optuna");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_status_json);
    tcase_add_test(tc, test_best_and_export);
    tcase_add_test(tc, test_importance);
    tcase_add_test(tc, test_several_studies);
    tcase_add_test(tc, test_not_a_study);
    tcase_add_test(tc, test_unknown_revision);
    tcase_add_test(tc, test_tunetop_study_db);
    tcase_add_test(tc, test_writers_refuse);
    tcase_add_test(tc, test_live);
    tcase_add_test(tc, test_multi_objective);
    tcase_add_test(tc, test_plot);
    tcase_add_test(tc, test_locked_file);
    tcase_add_test(tc, test_dashboard);
    suite_add_tcase(s, tc);
    return s;
}
