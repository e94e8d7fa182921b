/*
 * test_store — the study database against real SQLite files in temporary
 * folders: every field round-trips (NaN, infinities, Unicode), readers see
 * committed snapshots without ever waiting for the runner, commands and
 * retries behave as the runner and dashboard expect, exports parse back,
 * old and foreign files are handled, and a full disk leaves a consistent
 * database with a message that says so.
 */
#include <check.h>
#include <csv.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tunetop/store.h"
#include "check_util.h"

static char dir[256];
static char db_path[300];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tt_store_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/study.db", dir);
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static tt_store *open_ok(tt_store_mode mode)
{
    tt_error err = {0};
    tt_store *st = tt_store_open(db_path, mode, &err);
    ck_assert_msg(st != NULL, "open failed: %s", err.msg);
    return st;
}

/* A study with one space version, ready for trials. */
static tt_store *new_study(void)
{
    tt_error err = {0};
    tt_store *st = open_ok(TT_STORE_CREATE);
    ck_assert_int_eq(tt_store_init_study(st, "demo", "sweep.yaml", "/home/ada/proj", &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", "method: random\n", &err), 1);
    return st;
}

static long add_trial2(tt_store *st, const char *n1, const char *t1, const char *n2,
                       const char *t2)
{
    tt_error err = {0};
    char *names[] = {(char *)n1, (char *)n2};
    char *texts[] = {(char *)t1, (char *)t2};
    double x[] = {0.25, 0.75};
    bool active[] = {true, true};
    long n = tt_store_add_trial(st, 1, n2 ? 2 : 1, names, texts, x, active, &err);
    ck_assert_msg(n > 0, "add_trial: %s", err.msg);
    return n;
}

/* Run SQL on a separate raw connection (to fake what old or foreign
 * programs would have written). */
static void raw_exec(const char *sql)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
}

static long raw_count(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

START_TEST(test_study_and_spaces)
{
    tt_error err = {0};
    tt_store *st = new_study();
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", "method: grid\n", &err), 2);
    ck_assert_int_eq(tt_store_set_study_state(st, TT_STUDY_PAUSED, &err), 0);
    ck_assert_int_eq(tt_store_add_elapsed(st, 1.5, &err), 0);
    ck_assert_int_eq(tt_store_add_elapsed(st, 2.25, &err), 0);
    tt_study_info info;
    ck_assert_int_eq(tt_store_get_study(st, &info, &err), 0);
    ck_assert_str_eq(info.name, "demo");
    ck_assert_str_eq(info.sweep_path, "sweep.yaml");
    ck_assert_str_eq(info.workdir, "/home/ada/proj");
    ck_assert_int_eq(info.state, TT_STUDY_PAUSED);
    ck_assert_int_eq(info.space_version, 2);
    ck_assert_double_eq_tol(info.elapsed_s, 3.75, 1e-12);
    ck_assert(fabs(info.created_at - (double)time(NULL)) < 60);
    tt_study_info_clear(&info);
    ck_assert_str_eq(tt_study_state_name(TT_STUDY_FINISHED), "finished");

    char *text = tt_store_get_space(st, 0, &err);
    ck_assert_str_eq(text, "method: grid\n");
    free(text);
    text = tt_store_get_space(st, 1, &err);
    ck_assert_str_eq(text, "method: random\n");
    free(text);
    ck_assert_ptr_null(tt_store_get_space(st, 9, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "no sweep file version 9"));
    tt_store_close(st);
}
END_TEST

START_TEST(test_trial_roundtrip)
{
    tt_error err = {0};
    tt_store *st = new_study();
    char *names[] = {"lr", "模型.层数", "opt"};
    char *texts[] = {"0.001", "12", ""};
    double x[] = {0.5, NAN, 2};
    bool active[] = {true, true, false};
    long n = tt_store_add_trial(st, 1, 3, names, texts, x, active, &err);
    ck_assert_int_eq(n, 1);
    uint64_t pid_start = (1ULL << 40) + 7;
    ck_assert_int_eq(tt_store_trial_started(st, n, 4242, pid_start, "job-17", &err), 0);
    ck_assert_int_eq(tt_store_trial_set_value(st, n, 0.5, 9, &err), 0);
    ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, INFINITY,
                                             "réussi ✓", &err), 0);

    tt_trial_record r;
    ck_assert_int_eq(tt_store_get_trial(st, n, &r, &err), 0);
    ck_assert_int_eq(r.number, 1);
    ck_assert_int_eq(r.attempt, 1);
    ck_assert_int_eq(r.space_version, 1);
    ck_assert_int_eq(r.state, TT_TRIAL_COMPLETED);
    ck_assert(isinf(r.value) && r.value > 0);
    ck_assert_str_eq(r.reason, "réussi ✓");
    ck_assert(r.queued_at > 0 && r.started_at >= r.queued_at && r.finished_at >= r.started_at);
    ck_assert_int_eq(r.pid, 4242);
    ck_assert(r.pid_start == pid_start);
    ck_assert_str_eq(r.job_id, "job-17");
    ck_assert_int_eq(r.last_step, 9);
    ck_assert_uint_eq(r.n_params, 3);
    ck_assert_str_eq(r.param_names[1], "模型.层数");
    ck_assert_str_eq(r.param_text[0], "0.001");
    ck_assert_str_eq(r.param_text[2], "");
    ck_assert_double_eq(r.param_x[0], 0.5);
    ck_assert(isnan(r.param_x[1]));
    ck_assert(r.param_active[0] && !r.param_active[2]);
    tt_trial_record_clear(&r);

    long m = tt_store_add_trial(st, 1, 0, NULL, NULL, NULL, NULL, &err);
    ck_assert_int_eq(m, 2);
    ck_assert_int_eq(tt_store_trial_finished(st, m, TT_TRIAL_FAILED, NAN, NULL, &err), 0);
    ck_assert_int_eq(tt_store_get_trial(st, m, &r, &err), 0);
    ck_assert(isnan(r.value));
    ck_assert_ptr_null(r.reason);
    ck_assert_ptr_null(r.job_id);
    ck_assert_int_eq(r.pid, 0);
    ck_assert(r.started_at == 0);
    ck_assert_int_eq(r.last_step, -1);
    tt_trial_record_clear(&r);
    ck_assert_int_eq(tt_store_trial_finished(st, 99, TT_TRIAL_FAILED, 1, "x", &err),
                     -TT_ERR_INVALID);
    ck_assert_str_eq(err.msg, "cannot record the end of trial 99: no such trial");
    ck_assert_int_lt(tt_store_get_trial(st, 99, &r, &err), 0);
    tt_store_close(st);
}
END_TEST

START_TEST(test_trials_since)
{
    tt_error err = {0};
    tt_store *st = new_study();
    for (int i = 0; i < 3; i++)
        add_trial2(st, "a", "1", NULL, NULL);
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(tt_store_trials_since(st, 0, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 3);
    long seen = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(rows[i].number, (long)i + 1);
        if (rows[i].seq > seen)
            seen = rows[i].seq;
        tt_trial_record_clear(&rows[i]);
    }
    n = 0;
    ck_assert_int_eq(tt_store_trials_since(st, seen, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 0);

    ck_assert_int_eq(tt_store_trial_started(st, 2, 10, 20, NULL, &err), 0);
    ck_assert_int_eq(tt_store_trials_since(st, seen, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rows[0].number, 2);
    ck_assert_int_eq(rows[0].state, TT_TRIAL_RUNNING);
    ck_assert_int_gt(rows[0].seq, seen);
    seen = rows[0].seq;
    tt_trial_record_clear(&rows[0]);
    n = 0;

    ck_assert_int_eq(tt_store_trial_set_value(st, 3, 0.1, 1, &err), 0);
    ck_assert_int_eq(tt_store_trial_set_value(st, 1, 0.2, 1, &err), 0);
    ck_assert_int_eq(tt_store_trials_since(st, seen, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].number, 1);
    ck_assert_int_eq(rows[1].number, 3);
    ck_assert_int_gt(rows[0].seq, rows[1].seq);
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);
    tt_store_close(st);
}
END_TEST

/* Issue 18: a limited read returns the rows of lowest seq (sorted by number)
 * and the next read resumes after them; slices cover every change once. */
START_TEST(test_trials_since_limit)
{
    tt_error err = {0};
    tt_store *st = new_study();
    for (int i = 0; i < 7; i++)
        add_trial2(st, "a", "1", NULL, NULL);
    /* trial 2 changes last: its seq is now the highest */
    ck_assert_int_eq(tt_store_trial_started(st, 2, 10, 20, NULL, &err), 0);
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    long seen = 0, got[8] = {0};
    size_t slices = 0;
    for (;;) {
        n = 0;
        ck_assert_int_eq(tt_store_trials_since(st, seen, 3, &rows, &n, &cap, &err), 0);
        if (n == 0)
            break;
        ck_assert_uint_le(n, 3);
        slices++;
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                ck_assert_int_lt(rows[i - 1].number, rows[i].number);
            got[rows[i].number]++;
            if (rows[i].seq > seen)
                seen = rows[i].seq;
            tt_trial_record_clear(&rows[i]);
        }
    }
    ck_assert_uint_eq(slices, 3);   /* 3 + 3 + 1 */
    for (int k = 1; k <= 7; k++)
        ck_assert_int_eq(got[k], 1);
    free(rows);
    tt_store_close(st);
}
END_TEST

/* Issue 18: what `status` and `best` read instead of every trial: counts
 * per state, the best k completed trials with a finite value (either goal,
 * ties by number, NaN and ±inf left out), the trials in one state. */
START_TEST(test_summary_queries)
{
    tt_error err = {0};
    tt_store *st = new_study();
    /* values of trials 1..8; 5 fails, 6 runs, 7 is NaN, 8 is inf */
    const double v[] = {0.5, 0.2, 0.9, 0.2, 0.1, 0, NAN, INFINITY};
    for (int i = 0; i < 8; i++) {
        long n = add_trial2(st, "a", "1", NULL, NULL);
        ck_assert_int_eq(tt_store_trial_started(st, n, 10, 20, NULL, &err), 0);
        if (n == 6)
            continue;
        ck_assert_int_eq(tt_store_trial_finished(st, n, n == 5 ? TT_TRIAL_FAILED
                                                             : TT_TRIAL_COMPLETED,
                                                 v[i], "exit 0", &err),
                         0);
    }
    add_trial2(st, "a", "1", NULL, NULL);   /* 9: queued */
    long counts[TT_TRIAL_STATE_COUNT], total = 0;
    ck_assert_int_eq(tt_store_trial_counts(st, counts, &total, &err), 0);
    ck_assert_int_eq(total, 9);
    ck_assert_int_eq(counts[TT_TRIAL_COMPLETED], 6);
    ck_assert_int_eq(counts[TT_TRIAL_FAILED], 1);
    ck_assert_int_eq(counts[TT_TRIAL_RUNNING], 1);
    ck_assert_int_eq(counts[TT_TRIAL_QUEUED], 1);
    ck_assert_int_eq(counts[TT_TRIAL_PRUNED], 0);

    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(tt_store_best_trials(st, TT_GOAL_MINIMIZE, 3, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(rows[0].number, 2);   /* 0.2, the earlier of the tie */
    ck_assert_int_eq(rows[1].number, 4);
    ck_assert_int_eq(rows[2].number, 1);   /* 0.5; 5 (0.1) failed */
    ck_assert_str_eq(rows[0].param_names[0], "a");
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    n = 0;
    ck_assert_int_eq(tt_store_best_trials(st, TT_GOAL_MAXIMIZE, 10, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 4);               /* 3, 1, 2, 4: no NaN, no inf */
    ck_assert_int_eq(rows[0].number, 3);
    ck_assert_int_eq(rows[1].number, 1);
    ck_assert_int_eq(rows[2].number, 2);
    ck_assert_int_eq(rows[3].number, 4);
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    n = 0;
    ck_assert_int_eq(tt_store_trials_in_state(st, TT_TRIAL_RUNNING, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(rows[0].number, 6);
    tt_trial_record_clear(&rows[0]);
    free(rows);
    tt_store_close(st);
}
END_TEST

typedef struct collected {
    int n, stop_after;
    int64_t last_rowid;
    long trial[16], step[16];
    int attempt[16];
    double value[16];
    char name[16][32];
} collected;

static int collect_metric(const tt_metric_point *p, void *ud)
{
    collected *c = ud;
    if (c->n < 16) {
        c->trial[c->n] = p->trial;
        c->step[c->n] = p->step;
        c->attempt[c->n] = p->attempt;
        c->value[c->n] = p->value;
        snprintf(c->name[c->n], sizeof c->name[0], "%s", p->name);
    }
    c->n++;
    c->last_rowid = p->rowid;
    return c->stop_after && c->n >= c->stop_after;
}

START_TEST(test_metrics_since)
{
    tt_error err = {0};
    tt_store *st = new_study();
    add_trial2(st, "a", "1", NULL, NULL);
    add_trial2(st, "a", "2", NULL, NULL);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 0, "loss", 0.5, 100.0, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 1, "loss", NAN, 101.0, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 2, 1, 0, "précision", INFINITY, 102.0, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 2, "loss", -INFINITY, 103.0, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);

    collected c = {0};
    ck_assert_int_eq(tt_store_metrics_since(st, 0, -1, collect_metric, &c, &err), 0);
    ck_assert_int_eq(c.n, 4);
    ck_assert_double_eq(c.value[0], 0.5);
    ck_assert(isnan(c.value[1]));
    ck_assert(isinf(c.value[2]) && c.value[2] > 0);
    ck_assert_str_eq(c.name[2], "précision");
    ck_assert(isinf(c.value[3]) && c.value[3] < 0);
    ck_assert_int_eq(c.step[3], 2);

    collected first = {.stop_after = 2};
    ck_assert_int_eq(tt_store_metrics_since(st, 0, -1, collect_metric, &first, &err), 0);
    ck_assert_int_eq(first.n, 2);
    collected rest = {0};
    ck_assert_int_eq(tt_store_metrics_since(st, first.last_rowid, -1, collect_metric, &rest,
                                            &err), 0);
    ck_assert_int_eq(rest.n, 2);
    ck_assert_int_eq(rest.trial[0], 2);
    ck_assert_int_eq(rest.trial[1], 1);

    collected one = {0};
    ck_assert_int_eq(tt_store_metrics_since(st, 0, 1, collect_metric, &one, &err), 0);
    ck_assert_int_eq(one.n, 3);
    collected none = {0};
    ck_assert_int_eq(tt_store_metrics_since(st, c.last_rowid, -1, collect_metric, &none, &err),
                     0);
    ck_assert_int_eq(none.n, 0);
    tt_store_close(st);
}
END_TEST

/* Every point, in the order read (up to 4096). */
typedef struct point_log {
    int n;
    int64_t rowid[4096];
    long trial[4096], step[4096];
    char name[4096][40];
} point_log;

static int log_point(const tt_metric_point *p, void *ud)
{
    point_log *l = ud;
    if (l->n < 4096) {
        l->rowid[l->n] = p->rowid;
        l->trial[l->n] = p->trial;
        l->step[l->n] = p->step;
        snprintf(l->name[l->n], sizeof l->name[0], "%s", p->name);
    }
    l->n++;
    return 0;
}

static point_log *read_points(tt_store *st, int64_t since, long trial)
{
    tt_error err = {0};
    point_log *l = calloc(1, sizeof *l);
    ck_assert_msg(tt_store_metrics_since(st, since, trial, log_point, l, &err) == 0, "%s",
                  err.msg);
    return l;
}

START_TEST(test_metric_names)
{
    tt_error err = {0};
    tt_store *st = new_study();
    for (int i = 0; i < 3; i++)
        add_trial2(st, "a", "1", NULL, NULL);
    /* 300 names (the name cache grows many times), Unicode and odd bytes,
     * each reused by three trials in three transactions. */
    enum { N = 300 };
    static char names[N][40];
    for (int i = 0; i < N; i++)
        snprintf(names[i], sizeof names[i], "%s%d", i % 3 == 0   ? "précision/"
                                                    : i % 3 == 1 ? "损失 🚀 "
                                                                 : "a,\"b\" ",
                 i);
    for (long trial = 1; trial <= 3; trial++) {
        ck_assert_int_eq(tt_store_begin(st, &err), 0);
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(tt_store_add_metric(st, trial, 1, i, names[i], i, 1, &err), 0);
        ck_assert_int_eq(tt_store_commit(st, &err), 0);
    }
    tt_store_close(st);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metric_names"), N);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metrics WHERE name = '损失 🚀 1'"), 3);

    /* A new connection learns the ids from the file, reading and writing. */
    st = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(tt_store_add_metric(st, 2, 1, N, names[7], 7, 2, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 2, 1, N + 1, "brand new", 8, 2, &err), 0);
    tt_store_close(st);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metric_names"), N + 1);
    tt_store *r = open_ok(TT_STORE_READ);
    point_log *l = read_points(r, 0, -1);
    ck_assert_int_eq(l->n, 3 * N + 2);
    for (int k = 0; k < 3 * N; k++) {
        ck_assert_int_eq(l->trial[k], k / N + 1);
        ck_assert_str_eq(l->name[k], names[k % N]);
    }
    ck_assert_str_eq(l->name[3 * N], names[7]);
    ck_assert_str_eq(l->name[3 * N + 1], "brand new");
    free(l);
    l = read_points(r, 0, 2);
    ck_assert_int_eq(l->n, N + 2);
    ck_assert_str_eq(l->name[N - 1], names[N - 1]);
    ck_assert_str_eq(l->name[N + 1], "brand new");
    free(l);
    tt_store_close(r);

    /* A rolled-back transaction takes its new names with it, and their
     * ids go to the next new names: no stale id may survive the rollback. */
    st = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 0, "ghost", 1, 3, &err), 0);
    ck_assert_int_eq(tt_store_rollback(st), 0);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 0, "real", 2, 3, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 1, "ghost", 3, 3, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    l = read_points(st, 0, 1);
    ck_assert_int_eq(l->n, N + 2);
    ck_assert_str_eq(l->name[N], "real");
    ck_assert_str_eq(l->name[N + 1], "ghost");
    free(l);
    /* No name, no time: refused, and the transaction goes on. */
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    ck_assert_int_lt(tt_store_add_metric(st, 1, 1, 2, NULL, 1, 3, &err), 0);
    ck_assert_int_lt(tt_store_add_metric(st, 1, 1, 2, "loss", 1, NAN, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 2, "loss", 1, 3, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    tt_store_close(st);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metric_names"), N + 4);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metrics WHERE trial = 1"), N + 3);
}
END_TEST

START_TEST(test_metric_buffer)
{
    tt_error err = {0};
    tt_store *w = new_study();
    for (int i = 0; i < 3; i++)
        add_trial2(w, "a", "1", NULL, NULL);
    tt_store *r = open_ok(TT_STORE_READ);

    /* 1000 points, trials interleaved in uneven chunks (runs of 1 to 37
     * points, across batch boundaries), names cycling. */
    static const char *const names[] = {"loss", "val_loss", "val_acc"};
    enum { N = 1000 };
    static long want_trial[N], want_step[N];
    long next_step[4] = {0};
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    int k = 0;
    for (int chunk = 0; k < N; chunk++) {
        long trial = 1 + (chunk * 7) % 3;
        for (int j = 0; j < 1 + (chunk * 13) % 37 && k < N; j++, k++) {
            want_trial[k] = trial;
            want_step[k] = next_step[trial]++;
            ck_assert_int_eq(tt_store_add_metric(w, trial, 1, want_step[k], names[k % 3], k,
                                                 1000 + k, &err), 0);
        }
        if (k == 500) {
            /* the writer reads its own buffered points; the reader sees
             * nothing before the commit */
            point_log *l = read_points(w, 0, -1);
            ck_assert_int_eq(l->n, 500);
            free(l);
            l = read_points(r, 0, -1);
            ck_assert_int_eq(l->n, 0);
            free(l);
        }
    }
    point_log *l = read_points(r, 0, -1);
    ck_assert_int_eq(l->n, 0);
    free(l);
    ck_assert_int_eq(tt_store_commit(w, &err), 0);

    /* All of it, in insertion order, rowids rising. */
    l = read_points(r, 0, -1);
    ck_assert_int_eq(l->n, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(l->trial[i], want_trial[i]);
        ck_assert_int_eq(l->step[i], want_step[i]);
        ck_assert_str_eq(l->name[i], names[i % 3]);
        if (i > 0)
            ck_assert(l->rowid[i] > l->rowid[i - 1]);
    }
    /* Per trial: the same points, in the same order, from any rowid on. */
    int64_t mid = l->rowid[N / 2];
    for (long trial = 1; trial <= 3; trial++) {
        point_log *t = read_points(r, 0, trial);
        point_log *after = read_points(r, mid, trial);
        int j = 0, a = 0;
        for (int i = 0; i < N; i++) {
            if (l->trial[i] != trial)
                continue;
            ck_assert_int_lt(j, t->n);
            ck_assert(t->rowid[j] == l->rowid[i]);
            ck_assert_int_eq(t->step[j], want_step[i]);
            j++;
            if (l->rowid[i] > mid) {
                ck_assert(after->rowid[a] == l->rowid[i]);
                a++;
            }
        }
        ck_assert_int_eq(t->n, j);
        ck_assert_int_eq(after->n, a);
        free(t);
        free(after);
    }
    free(l);

    /* A rollback drops what was buffered and what was already written. */
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(tt_store_add_metric(w, 1 + i % 2, 1, 5000 + i, "loss", i, 1, &err), 0);
    ck_assert_int_eq(tt_store_rollback(w), 0);
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(w, 3, 1, 9000, "loss", 1, 1, &err), 0);
    ck_assert_int_eq(tt_store_commit(w, &err), 0);
    l = read_points(r, 0, -1);
    ck_assert_int_eq(l->n, N + 1);
    ck_assert_int_eq(l->step[N], 9000);
    free(l);
    /* and so does closing with a transaction open */
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(w, 3, 1, 9001, "loss", 1, 1, &err), 0);
    tt_store_close(w);
    l = read_points(r, 0, -1);
    ck_assert_int_eq(l->n, N + 1);
    free(l);
    /* Outside a transaction a point is committed at once. */
    w = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(tt_store_add_metric(w, 2, 1, 9002, "loss", 1, 1, &err), 0);
    l = read_points(r, 0, 2);
    ck_assert_int_eq(l->step[l->n - 1], 9002);
    free(l);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metrics"), N + 2);
    tt_store_close(w);
    tt_store_close(r);
}
END_TEST

typedef struct event_log {
    int n;
    long trial[8];
    char kind[8][16], message[8][256];
} event_log;

static int collect_event(const tt_event *e, void *ud)
{
    event_log *l = ud;
    if (l->n < 8) {
        l->trial[l->n] = e->trial;
        snprintf(l->kind[l->n], sizeof l->kind[0], "%s", e->kind);
        snprintf(l->message[l->n], sizeof l->message[0], "%s", e->message);
    }
    l->n++;
    return 0;
}

START_TEST(test_events)
{
    tt_error err = {0};
    tt_store *st = new_study();
    add_trial2(st, "a", "1", NULL, NULL);
    ck_assert_int_eq(tt_store_add_event(st, -1, "runner", "started", &err), 0);
    ck_assert_int_eq(tt_store_add_event(st, 1, "state", "running → done", &err), 0);
    event_log l = {0};
    ck_assert_int_eq(tt_store_events_since(st, 0, collect_event, &l, &err), 0);
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.trial[0], -1);
    ck_assert_int_eq(l.trial[1], 1);
    ck_assert_str_eq(l.message[1], "running → done");
    event_log later = {0};
    ck_assert_int_eq(tt_store_events_since(st, 1, collect_event, &later, &err), 0);
    ck_assert_int_eq(later.n, 1);
    ck_assert_str_eq(later.kind[0], "state");
    tt_store_close(st);
}
END_TEST

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(test_reader_not_blocked)
{
    tt_error err = {0};
    tt_store *w = new_study();
    add_trial2(w, "a", "1", NULL, NULL);
    tt_store *r = open_ok(TT_STORE_READ);

    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    add_trial2(w, "a", "2", NULL, NULL);
    ck_assert_int_eq(tt_store_add_metric(w, 1, 1, 0, "loss", 1.0, 1.0, &err), 0);
    ck_assert_int_eq(tt_store_commit(w, &err), 0);

    /* The writer holds its transaction: the reader sees the old snapshot
     * at once, without SQLITE_BUSY and without waiting on the timeout. */
    double t0 = monotonic();
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    ck_assert_msg(tt_store_trials_since(r, 0, 0, &rows, &n, &cap, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(n, 1);
    tt_trial_record_clear(&rows[0]);
    n = 0;
    collected c = {0};
    ck_assert_int_eq(tt_store_metrics_since(r, 0, -1, collect_metric, &c, &err), 0);
    ck_assert_int_eq(c.n, 0);
    tt_store *late = open_ok(TT_STORE_READ);
    tt_study_info info;
    ck_assert_int_eq(tt_store_get_study(late, &info, &err), 0);
    tt_study_info_clear(&info);
    ck_assert(monotonic() - t0 < 1.0);

    ck_assert_int_eq(tt_store_commit(w, &err), 0);
    ck_assert_int_eq(tt_store_trials_since(r, 0, 0, &rows, &n, &cap, &err), 0);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);
    ck_assert_int_eq(tt_store_metrics_since(late, 0, -1, collect_metric, &c, &err), 0);
    ck_assert_int_eq(c.n, 1);

    /* Rolled back work never shows; commit without begin is an error. */
    ck_assert_int_eq(tt_store_begin(w, &err), 0);
    add_trial2(w, "a", "3", NULL, NULL);
    ck_assert_int_eq(tt_store_rollback(w), 0);
    tt_trial_record tr;
    ck_assert_int_lt(tt_store_get_trial(r, 3, &tr, &err), 0);
    ck_assert_int_lt(tt_store_commit(w, &err), 0);

    /* Readers may only send commands. */
    char *names[] = {"a"}, *texts[] = {"1"};
    ck_assert_int_lt(tt_store_add_trial(r, 1, 1, names, texts, NULL, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "open for reading"));
    ck_assert_int_lt(tt_store_add_metric(r, 1, 1, 0, "loss", 1, 1, &err), 0);
    tt_store_close(late);
    tt_store_close(r);
    tt_store_close(w);
}
END_TEST

START_TEST(test_commands)
{
    tt_error err = {0};
    tt_store *w = new_study();
    tt_store *r = open_ok(TT_STORE_READ);
    int64_t a = tt_store_add_command(r, "pause", NULL, &err);
    int64_t b = tt_store_add_command(r, "kill", "3", &err);
    int64_t c = tt_store_add_command(r, "enqueue", "{\"lr\": 0.1}", &err);
    ck_assert(a > 0 && b > a && c > b);

    tt_command *cmds;
    size_t n;
    ck_assert_int_eq(tt_store_pending_commands(w, &cmds, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(cmds[0].kind, "pause");
    ck_assert_ptr_null(cmds[0].arg);
    ck_assert_str_eq(cmds[1].arg, "3");
    ck_assert_str_eq(cmds[2].arg, "{\"lr\": 0.1}");
    ck_assert(cmds[0].t > 0);
    tt_command_list_free(cmds, n);

    char *result;
    ck_assert_int_eq(tt_store_get_command_result(r, b, &result, &err), 0);
    ck_assert_ptr_null(result);
    ck_assert_int_eq(tt_store_ack_command(w, b, "no trial 3 is running", &err), 0);
    ck_assert_int_eq(tt_store_ack_command(w, a, "ok", &err), 0);
    ck_assert_int_lt(tt_store_ack_command(w, a, "ok", &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "no such pending command"));
    ck_assert_int_lt(tt_store_ack_command(r, c, "ok", &err), 0);

    ck_assert_int_eq(tt_store_get_command_result(r, b, &result, &err), 0);
    ck_assert_str_eq(result, "no trial 3 is running");
    free(result);
    ck_assert_int_lt(tt_store_get_command_result(r, 999, &result, &err), 0);

    ck_assert_int_eq(tt_store_pending_commands(w, &cmds, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(cmds[0].id, c);
    tt_command_list_free(cmds, n);
    tt_store_close(r);
    tt_store_close(w);
}
END_TEST

START_TEST(test_retry)
{
    tt_error err = {0};
    tt_store *st = new_study();
    long n = add_trial2(st, "a", "1", NULL, NULL);
    ck_assert_int_eq(tt_store_trial_started(st, n, 100, 200, "77", &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, n, 1, 0, "loss", 3.0, 1, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, n, 1, 1, "loss", 2.0, 2, &err), 0);
    uint64_t offsets[TT_STORE_N_OFFSETS] = {120, 7, (1ULL << 33) + 5};
    ck_assert_int_eq(tt_store_trial_set_progress(st, n, 2.0, 1, offsets, &err), 0);
    tt_trial_record p;
    ck_assert_int_eq(tt_store_get_trial(st, n, &p, &err), 0);
    ck_assert(p.offsets[0] == 120 && p.offsets[1] == 7 && p.offsets[2] == offsets[2]);
    ck_assert_double_eq(p.value, 2.0);
    ck_assert_int_eq(p.last_step, 1);
    tt_trial_record_clear(&p);
    ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_FAILED, NAN, "CUDA out of memory",
                                             &err), 0);
    tt_trial_record before;
    ck_assert_int_eq(tt_store_get_trial(st, n, &before, &err), 0);
    ck_assert_int_eq(tt_store_trial_retry(st, n, "retry 1 of 2", &err), 0);

    tt_trial_record r;
    ck_assert_int_eq(tt_store_get_trial(st, n, &r, &err), 0);
    ck_assert_int_eq(r.attempt, 2);
    ck_assert_int_eq(r.state, TT_TRIAL_QUEUED);
    ck_assert_int_eq(r.pid, 0);
    ck_assert(r.pid_start == 0);
    ck_assert_ptr_null(r.job_id);
    ck_assert(r.started_at == 0 && r.finished_at == 0);
    ck_assert(isnan(r.value));
    ck_assert_ptr_null(r.reason);
    ck_assert_int_eq(r.last_step, -1);
    ck_assert(r.offsets[0] == 0 && r.offsets[1] == 0 && r.offsets[2] == 0);
    ck_assert_int_gt(r.seq, before.seq);
    ck_assert_uint_eq(r.n_params, 1);
    tt_trial_record_clear(&r);
    tt_trial_record_clear(&before);

    event_log l = {0};
    ck_assert_int_eq(tt_store_events_since(st, 0, collect_event, &l, &err), 0);
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.kind[0], "retry");
    ck_assert_ptr_nonnull(strstr(l.message[0], "CUDA out of memory"));
    ck_assert_ptr_nonnull(strstr(l.message[0], "retry 1 of 2"));

    ck_assert_int_eq(tt_store_add_metric(st, n, 2, 0, "loss", 9.0, 3, &err), 0);
    collected c = {0};
    ck_assert_int_eq(tt_store_metrics_since(st, 0, n, collect_metric, &c, &err), 0);
    ck_assert_int_eq(c.n, 3);
    ck_assert_int_eq(c.attempt[0], 1);
    ck_assert_int_eq(c.attempt[2], 2);

    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(tt_store_export_metrics_csv(st, out, &err), 0);
    fclose(out);
    ck_assert_str_eq(buf, "trial,step,name,value,run\n1,0,loss,9,0\n");
    free(buf);
    ck_assert_int_lt(tt_store_trial_retry(st, 42, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "no such trial"));
    tt_store_close(st);
}
END_TEST

START_TEST(test_importance)
{
    tt_error err = {0};
    tt_store *st = new_study();
    char *p1[] = {"lr", "depth"};
    double v1[] = {0.2, 0.7}, lo[] = {0.1, 0.6}, hi[] = {0.3, 0.8};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 10, 2, p1, v1, lo, hi, &err), 0);
    char *p2[] = {"lr"};
    double v2[] = {0.9};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 20, 1, p2, v2, NULL, NULL, &err), 0);
    ck_assert_int_eq(tt_store_set_importance(st, "corr", 20, 2, p1, v1, NULL, NULL, &err), 0);
    tt_importance imp;
    ck_assert_int_eq(tt_store_get_importance(st, "fanova", &imp, &err), 0);
    ck_assert_uint_eq(imp.n, 1);
    ck_assert_int_eq(imp.n_trials, 20);
    ck_assert_str_eq(imp.params[0], "lr");
    ck_assert(isnan(imp.low[0]));
    tt_importance_clear(&imp);
    ck_assert_int_eq(tt_store_get_importance(st, "corr", &imp, &err), 0);
    ck_assert_uint_eq(imp.n, 2);
    ck_assert_str_eq(imp.params[0], "depth");
    tt_importance_clear(&imp);
    tt_store_close(st);
}
END_TEST

START_TEST(test_migrate_from_empty)
{
    tt_error err = {0};
    int fd = open(db_path, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_ptr_null(tt_store_open(db_path, TT_STORE_READ, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "not a tunetop study database"));
    tt_store *st = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(tt_store_init_study(st, "old", NULL, NULL, &err), 0);
    tt_store_close(st);
    ck_assert_int_eq(raw_count("PRAGMA user_version"), TT_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM study"), 1);
    st = open_ok(TT_STORE_READ);
    tt_study_info info;
    ck_assert_int_eq(tt_store_get_study(st, &info, &err), 0);
    ck_assert_str_eq(info.name, "old");
    ck_assert_ptr_null(info.sweep_path);
    ck_assert_ptr_null(info.workdir);
    tt_study_info_clear(&info);
    tt_store_close(st);
    ck_assert_ptr_null(tt_store_open("/nonexistent/study.db", TT_STORE_READ, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
}
END_TEST

/* A study written by a tunetop of schema 1 (the frozen text of that
 * schema, as released): opening it upgrades it in place, keeping its
 * trials and points, and the new columns read as one run, no reason yet. */
START_TEST(test_migrates_schema_1)
{
    raw_exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
             "CREATE TABLE study (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,"
             " sweep_path TEXT, workdir TEXT, created_at REAL NOT NULL,"
             " state TEXT NOT NULL DEFAULT 'running', elapsed_s REAL NOT NULL DEFAULT 0);"
             "CREATE TABLE spaces (version INTEGER PRIMARY KEY, created REAL NOT NULL, path TEXT,"
             " text TEXT NOT NULL);"
             "CREATE TABLE trials (number INTEGER PRIMARY KEY, attempt INTEGER NOT NULL DEFAULT 1,"
             " space_version INTEGER NOT NULL, state TEXT NOT NULL, value REAL, reason TEXT,"
             " queued_at REAL, started_at REAL, finished_at REAL, pid INTEGER, pid_start INTEGER,"
             " job_id TEXT, last_step INTEGER NOT NULL DEFAULT -1, seq INTEGER NOT NULL,"
             " offset_stdout INTEGER NOT NULL DEFAULT 0, offset_stderr INTEGER NOT NULL DEFAULT 0,"
             " offset_csv INTEGER NOT NULL DEFAULT 0);"
             "CREATE INDEX trials_seq ON trials (seq);"
             "CREATE TABLE trial_params (trial INTEGER NOT NULL REFERENCES trials (number) ON"
             " DELETE CASCADE, name TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL,"
             " x REAL, active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (trial, name));"
             "CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
             "CREATE TABLE metric_points (id INTEGER PRIMARY KEY, trial INTEGER NOT NULL,"
             " attempt INTEGER NOT NULL, step INTEGER NOT NULL, name_id INTEGER NOT NULL,"
             " value REAL, t REAL NOT NULL);"
             "CREATE TABLE metric_runs (trial INTEGER NOT NULL, last_id INTEGER NOT NULL,"
             " first_id INTEGER NOT NULL, PRIMARY KEY (trial, last_id)) WITHOUT ROWID;"
             "CREATE VIEW metrics (id, trial, attempt, step, name, value, t) AS"
             " SELECT p.id, p.trial, p.attempt, p.step, n.name, p.value, p.t"
             " FROM metric_points p JOIN metric_names n ON n.id = p.name_id;"
             "CREATE TABLE events (id INTEGER PRIMARY KEY, t REAL NOT NULL, trial INTEGER,"
             " kind TEXT NOT NULL, message TEXT NOT NULL);"
             "CREATE TABLE commands (id INTEGER PRIMARY KEY, t REAL NOT NULL, kind TEXT NOT NULL,"
             " arg TEXT, acked_at REAL, result TEXT);"
             "CREATE TABLE importance (method TEXT NOT NULL, n_trials INTEGER NOT NULL,"
             " t REAL NOT NULL, param TEXT NOT NULL, value REAL, low REAL, high REAL,"
             " PRIMARY KEY (method, param));"
             "INSERT INTO study (id, name, created_at, state) VALUES (1, 'old', 1, 'finished');"
             "INSERT INTO trials (number, space_version, state, value, seq) VALUES"
             " (1, 1, 'completed', 0.5, 1);"
             "INSERT INTO metric_names VALUES (1, 'loss');"
             "INSERT INTO metric_points VALUES (1, 1, 1, 0, 1, 0.5, 1);"
             "INSERT INTO metric_runs VALUES (1, 1, 1);"
             "PRAGMA user_version = 1;");
    tt_error err = {0};
    tt_store *st = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(raw_count("PRAGMA user_version"), 2);
    tt_trial_record t;
    ck_assert_int_eq(tt_store_get_trial(st, 1, &t, &err), 0);
    ck_assert_double_eq(t.value, 0.5);
    ck_assert(isnan(t.value_std));
    ck_assert_int_eq(tt_runs_count(t.folds, t.repeats), 1);
    tt_trial_record_clear(&t);
    tt_study_info info;
    ck_assert_int_eq(tt_store_get_study(st, &info, &err), 0);
    ck_assert_ptr_null(info.stop_reason);
    tt_study_info_clear(&info);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metrics WHERE run = 0 AND name = 'loss'"), 1);
    /* And the new tables work on it. */
    ck_assert_int_eq(tt_store_run_started(st, 1, 1, 0, 0, 0, 0, 0, NULL, &err), 0);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM trial_runs"), 1);
    tt_store_close(st);
}
END_TEST

START_TEST(test_refuses_newer_schema)
{
    tt_error err = {0};
    tt_store_close(new_study());
    raw_exec("PRAGMA user_version = 3");
    for (int mode = TT_STORE_READ; mode <= TT_STORE_CREATE; mode++) {
        ck_assert_ptr_null(tt_store_open(db_path, (tt_store_mode)mode, &err));
        char want[512];
        snprintf(want, sizeof want,
                 "%s was written by a newer tunetop (schema 3); this tunetop reads up to 2",
                 db_path);
        ck_assert_str_eq(err.msg, want);
    }
    ck_assert_int_eq(raw_count("PRAGMA user_version"), 3);
}
END_TEST

START_TEST(test_refuses_foreign_files)
{
    tt_error err = {0};
    FILE *f = fopen(db_path, "w");
    fputs("name,value\nlr,0.1\n", f);
    fclose(f);
    for (int mode = TT_STORE_READ; mode <= TT_STORE_CREATE; mode++) {
        ck_assert_ptr_null(tt_store_open(db_path, (tt_store_mode)mode, &err));
        ck_assert_msg(strstr(err.msg, "is not a tunetop study database") != NULL, "%s",
                      err.msg);
    }
    unlink(db_path);
    raw_exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)");
    ck_assert_ptr_null(tt_store_open(db_path, TT_STORE_WRITE, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "not a tunetop study database"));
    ck_assert_int_eq(raw_count("SELECT count(*) FROM sqlite_master"), 1);
    raw_exec("PRAGMA user_version = 1");
    ck_assert_ptr_null(tt_store_open(db_path, TT_STORE_READ, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "not a tunetop study database (it has no 'study'"));
}
END_TEST

START_TEST(test_file_mode)
{
    mode_t masks[] = {0, 077, 0277};
    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        mode_t old = umask(masks[i]);
        tt_error err = {0};
        tt_store *st = tt_store_open(db_path, TT_STORE_CREATE, &err);
        umask(old);
        ck_assert_msg(st != NULL, "%s", err.msg);
        ck_assert_int_eq(tt_store_init_study(st, "m", NULL, NULL, &err), 0);
        struct stat sb;
        ck_assert_int_eq(stat(db_path, &sb), 0);
        ck_assert_int_eq(sb.st_mode & 0777, 0600);
        char wal[320];
        snprintf(wal, sizeof wal, "%s-wal", db_path);
        ck_assert_int_eq(stat(wal, &sb), 0);
        ck_assert_int_eq(sb.st_mode & 0777, 0600);
        tt_store_close(st);
        teardown();
        setup();
    }
}
END_TEST

/* libcsv reader: rows of fields into a fixed table. */
typedef struct csv_table {
    int rows, cols;
    char cell[8][16][64];
} csv_table;

static void csv_cell(void *s, size_t len, void *ud)
{
    csv_table *t = ud;
    if (t->rows < 8 && t->cols < 16)
        snprintf(t->cell[t->rows][t->cols], 64, "%.*s", (int)len, s ? (char *)s : "");
    t->cols++;
}

static void csv_row(int c, void *ud)
{
    (void)c;
    csv_table *t = ud;
    t->rows++;
    t->cols = 0;
}

static void parse_csv(const char *text, csv_table *t)
{
    struct csv_parser p;
    memset(t, 0, sizeof *t);
    ck_assert_int_eq(csv_init(&p, CSV_STRICT | CSV_APPEND_NULL), 0);
    ck_assert_uint_eq(csv_parse(&p, text, strlen(text), csv_cell, csv_row, t), strlen(text));
    ck_assert_int_eq(csv_fini(&p, csv_cell, csv_row, t), 0);
    csv_free(&p);
}

static char *export(tt_store *st, int which)
{
    tt_error err = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int rc = which == 0   ? tt_store_export_trials_csv(st, out, &err)
             : which == 1 ? tt_store_export_metrics_csv(st, out, &err)
                          : tt_store_export_json(st, out, true, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    fclose(out);
    return buf;
}

START_TEST(test_exports)
{
    tt_error err = {0};
    tt_store *st = new_study();
    add_trial2(st, "lr", "0.001", "name", "a,\"b\"\nc");
    add_trial2(st, "flag", "true", "lr", "1e-5");
    add_trial2(st, "größe", "12345678901234567890", "opt", "adam");
    ck_assert_int_eq(tt_store_trial_started(st, 1, 1, 1, NULL, &err), 0);
    ck_assert_int_eq(tt_store_trial_finished(st, 1, TT_TRIAL_COMPLETED, 0.25,
                                             "done, \"fine\"", &err), 0);
    ck_assert_int_eq(tt_store_trial_finished(st, 2, TT_TRIAL_FAILED, NAN, "boom\x01\xff", &err),
                     0);
    raw_exec("UPDATE trials SET started_at = 1795431044, finished_at = 1795431056.5 "
             "WHERE number = 1");
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 0, "val,loss", 0.5, 1, &err), 0);
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 1, "val,loss", NAN, 2, &err), 0);

    char *text = export(st, 0);
    csv_table t;
    parse_csv(text, &t);
    free(text);
    ck_assert_int_eq(t.rows, 4);
    const char *header[] = {"trial", "state", "value", "lr", "name", "flag", "größe",
                            "opt", "started", "finished", "duration_s", "reason"};
    for (int i = 0; i < 12; i++)
        ck_assert_str_eq(t.cell[0][i], header[i]);
    ck_assert_str_eq(t.cell[1][0], "1");
    ck_assert_str_eq(t.cell[1][1], "completed");
    ck_assert_str_eq(t.cell[1][2], "0.25");
    ck_assert_str_eq(t.cell[1][3], "0.001");
    ck_assert_str_eq(t.cell[1][4], "a,\"b\"\nc");
    ck_assert_str_eq(t.cell[1][5], "");
    ck_assert_str_eq(t.cell[1][8], "2026-11-23T10:50:44Z");
    ck_assert_str_eq(t.cell[1][9], "2026-11-23T10:50:56Z");
    ck_assert_str_eq(t.cell[1][10], "12.500");
    ck_assert_str_eq(t.cell[1][11], "done, \"fine\"");
    ck_assert_str_eq(t.cell[2][1], "failed");
    ck_assert_str_eq(t.cell[2][2], "");
    ck_assert_str_eq(t.cell[2][3], "1e-5");
    ck_assert_str_eq(t.cell[2][5], "true");
    ck_assert_str_eq(t.cell[2][8], "");
    ck_assert_str_eq(t.cell[3][6], "12345678901234567890");
    ck_assert_str_eq(t.cell[3][7], "adam");

    text = export(st, 1);
    parse_csv(text, &t);
    free(text);
    ck_assert_int_eq(t.rows, 3);
    ck_assert_str_eq(t.cell[1][2], "val,loss");
    ck_assert_str_eq(t.cell[1][3], "0.5");
    ck_assert_str_eq(t.cell[2][3], "");

    text = export(st, 2);
    const char *want[] = {
        "{\"trial\":1,\"attempt\":1,\"state\":\"completed\",\"value\":0.25,"
        "\"value_std\":null,\"params\":{\"lr\":0.001,\"name\":\"a,\\\"b\\\"\\nc\"},"
        "\"started\":\"2026-11-23T10:50:44Z\",\"finished\":\"2026-11-23T10:50:56Z\","
        "\"duration_s\":12.500,\"reason\":\"done, \\\"fine\\\"\","
        "\"metrics\":[{\"step\":0,\"name\":\"val,loss\",\"value\":0.5},"
        "{\"step\":1,\"name\":\"val,loss\",\"value\":null}]}",
        "\"value\":null,\"value_std\":null,\"params\":{\"flag\":true,\"lr\":1e-5}",
        "\"reason\":\"boom\\u0001\xEF\xBF\xBD\"",
        "\"params\":{\"größe\":12345678901234567890,\"opt\":\"adam\"},\"started\":null",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "missing %s in\n%s", want[i], text);
    ck_assert(strncmp(text, "[\n  {", 5) == 0);
    ck_assert_str_eq(text + strlen(text) - 4, "}\n]\n");
    free(text);
    tt_store_close(st);
}
END_TEST

/* A trial whose stored end is before its start (the wall clock stepped
 * back while it ran: both times are wall clock, kept for display) exports
 * duration 0.000, in CSV and JSON, never a negative duration. */
START_TEST(test_export_duration_clock_stepped_back)
{
    tt_error err = {0};
    tt_store *st = new_study();
    add_trial2(st, "lr", "0.1", "opt", "sgd");
    add_trial2(st, "lr", "0.2", "opt", "adam");
    ck_assert_int_eq(tt_store_trial_started(st, 1, 1, 1, NULL, &err), 0);
    ck_assert_int_eq(tt_store_trial_finished(st, 1, TT_TRIAL_TIMEOUT, 0.5, "timeout after 2 s",
                                             &err), 0);
    ck_assert_int_eq(tt_store_trial_started(st, 2, 1, 1, NULL, &err), 0);
    ck_assert_int_eq(tt_store_trial_finished(st, 2, TT_TRIAL_COMPLETED, 0.25, NULL, &err), 0);
    /* Trial 1: ended "an hour before" it started; trial 2: 2 s, as stored. */
    raw_exec("UPDATE trials SET started_at = 1795431044, finished_at = 1795427446 "
             "WHERE number = 1");
    raw_exec("UPDATE trials SET started_at = 1795431044, finished_at = 1795431046 "
             "WHERE number = 2");

    char *text = export(st, 0);
    csv_table t;
    parse_csv(text, &t);
    free(text);
    ck_assert_int_eq(t.rows, 3);
    ck_assert_str_eq(t.cell[0][7], "duration_s");
    ck_assert_str_eq(t.cell[1][5], "2026-11-23T10:50:44Z");
    ck_assert_str_eq(t.cell[1][6], "2026-11-23T09:50:46Z");
    ck_assert_str_eq(t.cell[1][7], "0.000");
    ck_assert_str_eq(t.cell[2][7], "2.000");

    text = export(st, 2);
    ck_assert_msg(strstr(text, "\"finished\":\"2026-11-23T09:50:46Z\",\"duration_s\":0.000,"),
                  "%s", text);
    ck_assert_msg(strstr(text, "\"duration_s\":2.000,"), "%s", text);
    ck_assert_msg(!strstr(text, "\"duration_s\":-"), "%s", text);
    free(text);
    tt_store_close(st);
}
END_TEST

static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(tt_json_string(out, s), 0);
    fclose(out);
    return buf;
}

START_TEST(test_json_string)
{
    struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"q\"b\\s/", "\"q\\\"b\\\\s/\""},
        {"\n\t\r\b\f\x01\x1f\x7f", "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\""},
        {"é漢😀", "\"é漢😀\""},
        {"a\xff" "b", "\"a\xEF\xBF\xBD" "b\""},
        {"\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"\xE2\x82", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_of(cases[i].in);
        ck_assert_str_eq(got, cases[i].out);
        free(got);
    }
    char *got = json_of(NULL);
    ck_assert_str_eq(got, "\"\"");
    free(got);
}
END_TEST

/* In a child limited to a file size, write batches until the disk is
 * "full"; report the error and how many batches were committed. */
static void fill_disk_child(int fd)
{
    signal(SIGXFSZ, SIG_IGN);
    tt_error err = {0};
    tt_store *st = tt_store_open(db_path, TT_STORE_WRITE, &err);
    if (st == NULL)
        _exit(3);
    struct rlimit rl = {.rlim_cur = 256 * 1024, .rlim_max = 256 * 1024};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(4);
    long committed = 0;
    int rc = 0;
    for (int batch = 0; batch < 1000 && rc == 0; batch++) {
        rc = tt_store_begin(st, &err);
        for (int i = 0; rc == 0 && i < 200; i++)
            rc = tt_store_add_metric(st, 1, 1, batch * 200 + i, "loss", i * 0.5, batch, &err);
        if (rc == 0)
            rc = tt_store_commit(st, &err);
        if (rc == 0)
            committed++;
    }
    tt_store_rollback(st);
    /* Still usable for reading after the failure. */
    tt_trial_record r;
    int read_ok = tt_store_get_trial(st, 1, &r, NULL) == 0;
    if (read_ok)
        tt_trial_record_clear(&r);
    tt_store_close(st);
    dprintf(fd, "%ld %d\n%s", committed, read_ok, err.msg);
    _exit(rc != 0 ? 0 : 5);
}

START_TEST(test_disk_full)
{
    tt_store *st = new_study();
    add_trial2(st, "a", "1", NULL, NULL);
    tt_store_close(st);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        fill_disk_child(p[1]);
    }
    close(p[1]);
    char buf[2048] = {0};
    size_t len = 0;
    ssize_t got;
    while ((got = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    close(p[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d: %s", status,
                  buf);
    long committed = -1;
    int read_ok = 0;
    ck_assert_int_eq(sscanf(buf, "%ld %d", &committed, &read_ok), 2);
    const char *msg = strchr(buf, '\n') + 1;
    ck_assert_msg(strstr(msg, "disk full while writing") != NULL, "message: %s", msg);
    ck_assert_ptr_nonnull(strstr(msg, db_path));
    ck_assert_int_gt(committed, 0);
    ck_assert(read_ok);

    st = open_ok(TT_STORE_WRITE);
    tt_store_close(st);
    sqlite3 *db;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metrics"), committed * 200);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM trials"), 1);
    /* the per-trial index (metric_runs) covers exactly the committed points */
    st = open_ok(TT_STORE_READ);
    point_log *l = read_points(st, 0, 1);
    ck_assert_int_eq(l->n, committed * 200);
    free(l);
    tt_store_close(st);
}
END_TEST

/* Like fill_disk_child, but one huge transaction: the disk fills while a
 * full batch of buffered points is written (SQLite spills its cache to the
 * WAL), inside tt_store_add_metric. Reports the add_metric error, then
 * what a later write and the commit said. */
static void fill_disk_in_tx_child(int fd)
{
    signal(SIGXFSZ, SIG_IGN);
    tt_error err = {0}, later = {0}, commit = {0};
    tt_store *st = tt_store_open(db_path, TT_STORE_WRITE, &err);
    if (st == NULL)
        _exit(3);
    struct rlimit rl = {.rlim_cur = 256 * 1024, .rlim_max = 256 * 1024};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        _exit(4);
    int rc = tt_store_begin(st, &err);
    long added = 0;
    for (long i = 0; rc == 0 && i < 2000000; i++, added++)
        rc = tt_store_add_metric(st, 1 + i % 2, 1, i, i % 3 ? "loss" : "acc", 0.5, 1, &err);
    int event_rc = tt_store_add_event(st, -1, "runner", "after", &later);
    int commit_rc = tt_store_commit(st, &commit);
    tt_store_rollback(st);
    tt_store_close(st);
    dprintf(fd, "%ld %d %d\n%s\n%s\n%s", added, rc < 0, event_rc < 0 && commit_rc < 0, err.msg,
            later.msg, commit.msg);
    _exit(0);
}

START_TEST(test_disk_full_in_transaction)
{
    tt_store *st = new_study();
    add_trial2(st, "a", "1", NULL, NULL);
    add_trial2(st, "a", "2", NULL, NULL);
    tt_error err = {0};
    ck_assert_int_eq(tt_store_add_metric(st, 1, 1, 0, "loss", 1, 1, &err), 0);
    tt_store_close(st);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        fill_disk_in_tx_child(p[1]);
    }
    close(p[1]);
    static char buf[8192];
    size_t len = 0;
    ssize_t got;
    while ((got = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    close(p[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    long added = 0;
    int add_failed = 0, rest_failed = 0;
    ck_assert_int_eq(sscanf(buf, "%ld %d %d", &added, &add_failed, &rest_failed), 3);
    ck_assert_msg(add_failed, "added %ld points without a failure", added);
    ck_assert(rest_failed);
    char *msg = strchr(buf, '\n') + 1;
    char *later = strchr(msg, '\n');
    *later++ = '\0';
    char *commit = strchr(later, '\n');
    *commit++ = '\0';
    ck_assert_msg(strstr(msg, "cannot add metric") && strstr(msg, "disk full while writing") &&
                      strstr(msg, db_path),
                  "message: %s", msg);
    /* the rest of the tick is refused with the cause, the commit too */
    ck_assert_msg(strstr(later, "rolled back after an error") &&
                      strstr(later, "disk full while writing"),
                  "later: %s", later);
    ck_assert_msg(strstr(commit, "rolled back after an error"), "commit: %s", commit);

    /* Nothing of the failed transaction landed; the file is sound. */
    sqlite3 *db;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metric_points"), 1);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM metric_names"), 1);
    ck_assert_int_eq(raw_count("SELECT count(*) FROM events"), 0);
    st = open_ok(TT_STORE_WRITE);
    ck_assert_int_eq(tt_store_add_metric(st, 2, 1, 0, "acc", 1, 1, &err), 0);
    point_log *l = read_points(st, 0, 2);
    ck_assert_int_eq(l->n, 1);
    ck_assert_str_eq(l->name[0], "acc");
    free(l);
    tt_store_close(st);
}
END_TEST

/* In a child under a file size limit of 0 (what a full disk does to the
 * -shm file SQLite must create and grow): 1 when the ordinary reader
 * opens the study (the limit did not bite), 2 when the snapshot reader
 * cannot, 3 when it reads the wrong number of trials, 0 when all is well. */
static int read_under_no_space(size_t want_trials)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {0, 0};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
        return 4;
    tt_error err = {0};
    tt_store *plain = tt_store_open(db_path, TT_STORE_READ, &err);
    if (plain) {
        tt_store_close(plain);
        return 1;
    }
    tt_store *st = tt_store_open(db_path, TT_STORE_SNAPSHOT, &err);
    if (!st)
        return 2;
    tt_trial_record *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = tt_store_trials_since(st, 0, 0, &rows, &n, &cap, &err) == 0 && n == want_trials ? 0 : 3;
    for (size_t i = 0; i < n; i++)
        tt_trial_record_clear(&rows[i]);
    free(rows);
    tt_store_close(st);
    return rc;
}

/* `tunetop status` on a study whose study.db-shm cannot be created (a full
 * disk with no runner alive to hold it): the one-shot reader still reads
 * everything, also what is only in the WAL of a runner killed with -9. */
START_TEST(test_snapshot_without_shm)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tt_store *st = new_study();
        for (int i = 0; i < 3; i++)
            add_trial2(st, "lr", "0.1", NULL, NULL);
        _exit(0); /* as killed: no checkpoint, the WAL and -shm stay */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char wal[320], shm[320];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    snprintf(shm, sizeof shm, "%s-shm", db_path);
    struct stat sb;
    ck_assert_msg(stat(wal, &sb) == 0 && sb.st_size > 0, "no WAL left to read");
    ck_assert_int_eq(unlink(shm), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(read_under_no_space(3));
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_msg(WEXITSTATUS(status) != 1, "the ordinary reader opened it: the test proves nothing");
    ck_assert_msg(WEXITSTATUS(status) == 0, "snapshot reader failed (%d)", WEXITSTATUS(status));
}
END_TEST

Suite *suite_store(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tt_add_tcase(s, "store", 30,
                             TT_TESTS(test_study_and_spaces, test_trial_roundtrip,
                                      test_trials_since, test_trials_since_limit, test_summary_queries,
                                      test_metrics_since, test_metric_names,
                                      test_metric_buffer, test_events, test_reader_not_blocked,
                                      test_commands, test_retry, test_importance,
                                      test_migrate_from_empty, test_refuses_newer_schema,
                                      test_migrates_schema_1, test_refuses_foreign_files,
                                      test_file_mode, test_exports,
                                      test_export_duration_clock_stepped_back, test_json_string,
                                      test_disk_full, test_disk_full_in_transaction,
                                      test_snapshot_without_shm));
    tcase_add_checked_fixture(tc, setup, teardown);
    return s;
}
