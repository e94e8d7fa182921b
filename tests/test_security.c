/*
 * Security, end to end through the real binary ($TUNETOP_BIN):
 *
 *  - hostile parameter values (and a hostile study path and environment
 *    variable) go through every command macro of a real `tunetop run`, with
 *    and without `shell: true`: nothing is executed, the trial sees each
 *    value exactly;
 *  - what a study holds is its owner's only (0700/0600 whatever the umask),
 *    or follows the umask with TUNETOP_SHARED=1; someone else's study folder
 *    is refused (as root, chowned to nobody);
 *  - symlinks, FIFOs and devices planted in trial folders are neither read
 *    nor written through, and say so;
 *  - escape sequences printed by a trial (or hidden in a parameter value or
 *    a metric name) reach neither the dashboard's terminal (tmux) nor the
 *    CLI's tables;
 *  - the dashboard under valgrind: no invalid access, no definite leak.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "tunetop/config.h"
#include "tunetop/study.h"
#include "tunetop/store.h"
#include "tunetop/util.h"
#include "check_util.h"

/* ---- helpers ------------------------------------------------------------- */

static e2e_result run_sweep(const char *sweep, const char *study, double timeout)
{
    const char *argv[] = {"tunetop", "run", sweep, "--dir", study, NULL};
    return e2e_run(argv, timeout);
}

static char *path2(const char *a, const char *b)
{
    return tt_xasprintf("%s/%s", a, b);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whether s holds a byte a terminal could take for the start of a control
 * sequence: C0 (but newline and tab), DEL, or a C1 control raw or UTF-8. */
static bool has_control(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u[i]; i++) {
        if ((u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') || u[i] == 0x7f)
            return true;
        if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            return true;
        if (u[i] >= 0x80 && u[i] <= 0x9f && (i == 0 || u[i - 1] < 0xc0))
            return true; /* a raw C1 byte, not a continuation */
    }
    return false;
}

/* ---- every macro, hostile values, real runs ------------------------------- */

/* The values of parameter p, one per trial (grid order), as YAML
 * double-quoted scalars, and the JSON text each must become. */
static const struct {
    const char *yaml, *value, *json;
} hostile[] = {
    {"\"$(touch $TT_SEC_VICTIM)\"", "$(touch $TT_SEC_VICTIM)", "\"$(touch $TT_SEC_VICTIM)\""},
    {"\"; touch $TT_SEC_VICTIM\"", "; touch $TT_SEC_VICTIM", "\"; touch $TT_SEC_VICTIM\""},
    {"\"`touch $TT_SEC_VICTIM`\"", "`touch $TT_SEC_VICTIM`", "\"`touch $TT_SEC_VICTIM`\""},
    {"\"it's \\\"q\\\" '; touch $TT_SEC_VICTIM; '\"", "it's \"q\" '; touch $TT_SEC_VICTIM; '",
     "\"it's \\\"q\\\" '; touch $TT_SEC_VICTIM; '\""},
    {"\"a\\nb; touch $TT_SEC_VICTIM\\n\"", "a\nb; touch $TT_SEC_VICTIM\n",
     "\"a\\nb; touch $TT_SEC_VICTIM\\n\""},
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

/* ${envvar:TT_SEC_X} */
static const char env_value[] = "$(touch $TT_SEC_VICTIM)\"'; touch $TT_SEC_VICTIM #";

/* Each macro behind a marker argument, so the trial's argv can be cut back
 * into what each macro gave. */
static const char *const macros[][2] = {
    {"@args", "${args}"},
    {"@no_hyphens", "${args_no_hyphens}"},
    {"@no_equals", "${args_no_equals}"},
    {"@no_boolean_flags", "${args_no_boolean_flags}"},
    {"@append_hydra", "${args_append_hydra}"},
    {"@override_hydra", "${args_override_hydra}"},
    {"@json", "${args_json}"},
    {"@json_file", "${args_json_file}"},
    {"@param", "${p}"},
    {"@envvar", "${envvar:TT_SEC_X}"},
    {"@trial_id", "${trial_id}"},
    {"@trial_dir", "${trial_dir}"},
};
#define N_MACROS (sizeof macros / sizeof macros[0])

static bool is_marker(const char *s)
{
    for (size_t m = 0; m < N_MACROS; m++)
        if (strcmp(s, macros[m][0]) == 0)
            return true;
    return strcmp(s, "@end") == 0;
}

/* The elements between marker m and the next marker in argv (NUL-separated
 * strings in buf[0..len)), joined by "|". */
static char *macro_output(const char *buf, size_t len, const char *marker)
{
    tt_buf out = {0};
    bool in = false, first = true;
    for (size_t i = 0; i < len;) {
        const char *s = buf + i;
        size_t n = strnlen(s, len - i);
        if (is_marker(s)) {
            in = strcmp(s, marker) == 0;
        } else if (in) {
            if (!first)
                tt_buf_puts(&out, "|");
            tt_buf_append(&out, s, n);
            first = false;
        }
        i += n + 1;
    }
    return tt_buf_take(&out);
}

START_TEST(test_macros_never_reach_a_shell)
{
    bool shell = _i == 1;
    char *tmp = e2e_tmpdir();
    char *victim = path2(tmp, "pwned");
    setenv("TT_SEC_VICTIM", victim, 1);
    setenv("TT_SEC_X", env_value, 1);
    /* The study path itself is hostile: ${trial_dir}, ${args_json_file}. */
    char *study = path2(tmp, "st'u\"dy $(touch $TT_SEC_VICTIM) `touch $TT_SEC_VICTIM`;x");

    tt_buf cmd = {0};
    if (shell)
        tt_buf_puts(&cmd, "shell: true\ncommand:\n  - \"printf '%s\\\\0'\"\n");
    else
        tt_buf_puts(&cmd, "command:\n  - /bin/sh\n  - -c\n"
                          "  - 'printf \"%s\\0\" \"$@\" > \"$TUNETOP_TRIAL_DIR/argv\"; echo "
                          "loss=1'\n  - sh\n");
    for (size_t m = 0; m < N_MACROS; m++)
        tt_buf_printf(&cmd, "  - '%s'\n  - '%s'\n", macros[m][0], macros[m][1]);
    tt_buf_puts(&cmd, "  - '@end'\n");
    if (shell)
        tt_buf_puts(&cmd, "  - '> \"$TUNETOP_TRIAL_DIR/argv\"; echo loss=1'\n");
    tt_buf_puts(&cmd, "name: hostile\nmethod: grid\nmetric: {name: loss}\nparameters:\n"
                      "  p:\n    values:\n");
    for (size_t k = 0; k < N_HOSTILE; k++)
        tt_buf_printf(&cmd, "      - %s\n", hostile[k].yaml);
    tt_buf_puts(&cmd, "  b: {value: true}\n");
    char *yaml = tt_buf_take(&cmd);
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep, yaml);

    e2e_result r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "shell=%d: %s\n%s\n%s", shell, yaml, e2e_tail(r.out),
                  e2e_tail(r.err));
    e2e_result_free(&r);
    ck_assert_msg(!e2e_exists(victim), "shell=%d: a value was executed", shell);

    char *abs = realpath(study, NULL);
    ck_assert_ptr_nonnull(abs);
    for (size_t k = 0; k < N_HOSTILE; k++) {
        long trial = (long)k + 1;
        char *dir = tt_xasprintf("%s/trials/%ld", abs, trial);
        char *argv_path = path2(dir, "argv");
        size_t len = 0;
        char *buf = tt_read_file(argv_path, &len, NULL);
        ck_assert_msg(buf != NULL, "shell=%d trial %ld wrote no argv", shell, trial);
        const char *v = hostile[k].value;
        char *json = tt_xasprintf("{\"p\": %s, \"b\": true}", hostile[k].json);
        char *json_file = path2(dir, "params.json");
        char *want[N_MACROS] = {
            tt_xasprintf("--p=%s|--b=True", v),
            tt_xasprintf("p=%s|b=True", v),
            tt_xasprintf("--p|%s|--b|True", v),
            tt_xasprintf("--p=%s|--b", v),
            tt_xasprintf("+p=%s|+b=True", v),
            tt_xasprintf("++p=%s|++b=True", v),
            tt_xstrdup(json),
            tt_xstrdup(json_file),
            tt_xstrdup(v),
            tt_xstrdup(env_value),
            tt_xasprintf("%ld", trial),
            tt_xstrdup(dir),
        };
        for (size_t m = 0; m < N_MACROS; m++) {
            char *got = macro_output(buf, len, macros[m][0]);
            ck_assert_msg(strcmp(got, want[m]) == 0,
                          "shell=%d trial %ld %s:\n got  [%s]\n want [%s]", shell, trial,
                          macros[m][1], got, want[m]);
            free(got);
            free(want[m]);
        }
        /* the file ${args_json_file} names holds the same JSON */
        char *content = tt_read_file(json_file, NULL, NULL);
        char *want_content = tt_xasprintf("%s\n", json);
        ck_assert_msg(content && strcmp(content, want_content) == 0, "params.json: %s", content);
        free(content);
        free(want_content);
        free(json);
        free(json_file);
        free(buf);
        free(argv_path);
        free(dir);
    }
    ck_assert(!e2e_exists(victim));
    free(abs);
    free(sweep);
    free(yaml);
    e2e_rmtree(tmp);
    free(study);
    free(victim);
    free(tmp);
}
END_TEST

/* ---- modes ------------------------------------------------------------------ */

typedef struct walk {
    unsigned dir_mode, file_mode; /* what each must be (permission bits) */
    size_t n_dirs, n_files;
    bool wal, shm, log, lock, sweep_copy, stdout_log, params, status;
} walk;

/* Every folder and file under dir: the permission bits each must have.
 * metrics.csv is the trial's own file (created by its code, with its umask)
 * and is only required to sit in a private folder. */
static void walk_modes(const char *dir, walk *w)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct stat st;
    ck_assert_int_eq(lstat(dir, &st), 0);
    ck_assert_msg((st.st_mode & 0777) == w->dir_mode, "%s has mode %o, want %o", dir,
                  st.st_mode & 0777, w->dir_mode);
    w->n_dirs++;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = path2(dir, e->d_name);
        ck_assert_int_eq(lstat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk_modes(p, w);
        } else if (strcmp(e->d_name, "metrics.csv") != 0 && strcmp(e->d_name, "argv") != 0) {
            ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", p);
            ck_assert_msg((st.st_mode & 0777) == w->file_mode, "%s has mode %o, want %o", p,
                          st.st_mode & 0777, w->file_mode);
            w->n_files++;
            w->wal |= strcmp(e->d_name, "study.db-wal") == 0;
            w->shm |= strcmp(e->d_name, "study.db-shm") == 0;
            w->log |= strcmp(e->d_name, "runner.log") == 0;
            w->lock |= strcmp(e->d_name, "runner.lock") == 0;
            w->sweep_copy |= strcmp(e->d_name, "sweep-v1.yaml") == 0;
            w->stdout_log |= strcmp(e->d_name, "stdout.log") == 0;
            w->params |= strcmp(e->d_name, "params.json") == 0;
            w->status |= strcmp(e->d_name, "exit.status") == 0;
        }
        free(p);
    }
    closedir(d);
}

static long sql_long(const char *study, const char *sql)
{
    char *db = path2(study, "study.db");
    long v = e2e_sql_long(db, sql);
    free(db);
    return v;
}

/* _i == 0: the default, under umask 022 (modes must still be 0700/0600);
 * _i == 1: TUNETOP_SHARED=1 under umask 027 (0750/0640). The runner is
 * detached (runner.log) and looked at while a trial runs (-wal, -shm),
 * then again once the sweep is over. The study folder exists beforehand,
 * as `mkdir -p` would leave it (0755). */
START_TEST(test_study_modes)
{
    bool shared = _i == 1;
    umask(shared ? 027 : 022);
    if (shared)
        setenv("TUNETOP_SHARED", "1", 1);
    else
        unsetenv("TUNETOP_SHARED");
    walk w = {.dir_mode = shared ? 0750 : 0700, .file_mode = shared ? 0640 : 0600};
    char *tmp = e2e_tmpdir();
    char *study = path2(tmp, "study");
    ck_assert_int_eq(mkdir(study, 0755), 0);
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep, "name: modes\nmethod: grid\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'echo loss=1; echo loss,x > "
                     "\"$TUNETOP_METRICS_FILE\"; echo problem >&2; sleep 1', '${args}']\n"
                     "parameters:\n  p: {values: [1, 2]}\n");
    const char *argv[] = {"tunetop", "run", sweep, "--dir", study, "--detach", NULL};
    e2e_result r = e2e_run(argv, 30);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);

    double end = mono() + 20;
    while (mono() < end && sql_long(study, "SELECT count(*) FROM trials WHERE state = "
                                           "'running'") < 1)
        e2e_sleep(0.05);
    e2e_sleep(0.3); /* the shim has made its files */
    walk_modes(study, &w);
    ck_assert_msg(w.wal && w.shm && w.log && w.lock && w.sweep_copy && w.stdout_log && w.params,
                  "not every kind of file was there: wal %d shm %d log %d lock %d sweep %d "
                  "stdout %d params %d",
                  w.wal, w.shm, w.log, w.lock, w.sweep_copy, w.stdout_log, w.params);

    end = mono() + 30;
    while (mono() < end && sql_long(study, "SELECT count(*) FROM trials WHERE state = "
                                           "'completed'") < 2)
        e2e_sleep(0.1);
    ck_assert_int_eq(sql_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 2);
    e2e_sleep(0.5); /* the runner has left */
    walk w2 = {.dir_mode = w.dir_mode, .file_mode = w.file_mode};
    walk_modes(study, &w2);
    ck_assert(w2.status && w2.n_dirs >= 6);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* As root: a study folder (or a folder for one, or its trials/) that
 * belongs to someone else is refused, for a sweep file and for a resume. */
START_TEST(test_foreign_owner_refused)
{
    if (geteuid() != 0) {
        fprintf(stderr, "SKIPPED: %s: needs root (to chown a folder to nobody)\n", __func__);
        return;
    }
    struct passwd *nobody = getpwnam("nobody");
    uid_t uid = nobody ? nobody->pw_uid : 65534;
    char *tmp = e2e_tmpdir();
    char *victim = path2(tmp, "ran");
    char *sweep = path2(tmp, "sweep.yaml");
    char *yaml = tt_xasprintf("name: own\nmethod: grid\nmetric: {name: loss}\n"
                              "command: [/bin/sh, -c, 'touch %s; echo loss=1', '${args}']\n"
                              "parameters:\n  p: {values: [1]}\n",
                              victim);
    e2e_write(sweep, yaml);

    /* an empty folder of nobody's */
    char *theirs = path2(tmp, "theirs");
    ck_assert_int_eq(mkdir(theirs, 0777), 0);
    ck_assert_int_eq(chown(theirs, uid, (gid_t)-1), 0);
    e2e_result r = run_sweep(sweep, theirs, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "belongs to another user"), "%d: %s", r.status,
                  r.err);
    e2e_result_free(&r);

    /* a study of ours handed over to nobody: resumed neither by its sweep
     * file nor as a folder */
    char *study = path2(tmp, "study");
    r = run_sweep(sweep, study, 30);
    ck_assert_msg(r.status == 0, "%s", r.err);
    e2e_result_free(&r);
    unlink(victim);
    ck_assert_int_eq(chown(study, uid, (gid_t)-1), 0);
    r = run_sweep(sweep, study, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "belongs to another user"), "%d: %s", r.status,
                  r.err);
    e2e_result_free(&r);
    const char *resume[] = {"tunetop", "run", study, NULL};
    r = e2e_run(resume, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "belongs to another user"), "%d: %s", r.status,
                  r.err);
    e2e_result_free(&r);
    /* only its trials/ */
    ck_assert_int_eq(chown(study, 0, (gid_t)-1), 0);
    char *trials = path2(study, "trials");
    ck_assert_int_eq(chown(trials, uid, (gid_t)-1), 0);
    r = e2e_run(resume, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "belongs to another user"), "%d: %s", r.status,
                  r.err);
    e2e_result_free(&r);
    ck_assert_msg(!e2e_exists(victim), "a trial ran in someone else's study");
    e2e_rmtree(tmp);
    free(trials);
    free(study);
    free(theirs);
    free(yaml);
    free(sweep);
    free(victim);
    free(tmp);
}
END_TEST

/* ---- symlinks --------------------------------------------------------------- */

/* Text of every event, reason and metric name of a study, one per line. */
static char *store_text(const char *study)
{
    char *db = path2(study, "study.db");
    char *s = e2e_sql(db, "SELECT coalesce((SELECT group_concat(message, char(10)) FROM events), "
                          "'') || char(10) || coalesce((SELECT group_concat(reason, char(10)) "
                          "FROM trials), '')");
    free(db);
    return s ? s : tt_xstrdup("");
}

/* A trial that swaps its own logs for a symlink to /etc/passwd, a symlink
 * to /dev/zero and a FIFO while it runs. */
START_TEST(test_symlinks_planted_by_a_trial)
{
    char *tmp = e2e_tmpdir();
    char *study = path2(tmp, "study");
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep,
              "name: swap\nmethod: grid\nmetric: {name: loss}\n"
              "command: [/bin/sh, -c, 'cd \"$TUNETOP_TRIAL_DIR\"; echo loss=1; sleep 0.6; "
              "rm -f stdout.log stderr.log metrics.csv; ln -s /etc/passwd stdout.log; "
              "ln -s /dev/zero metrics.csv; mkfifo stderr.log; echo root:x:0:0:planted >&2; "
              "sleep 0.8', '${args}']\n"
              "parameters:\n  p: {values: [1]}\n");
    e2e_result r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    ck_assert_msg(!strstr(r.out, "root:"), "%s", r.out);
    e2e_result_free(&r);
    char *text = store_text(study);
    ck_assert_msg(!strstr(text, "root:"), "the store holds what a symlink points to: %s", text);
    ck_assert_msg(strstr(text, "stdout.log is a symbolic link: not read"), "%s", text);
    ck_assert_msg(strstr(text, "metrics.csv is a symbolic link: not read"), "%s", text);
    ck_assert_msg(strstr(text, "stderr.log is not a regular file: not read"), "%s", text);
    char *db = path2(study, "study.db");
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM trials WHERE state = 'completed'"),
                     1);
    free(db);
    free(text);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* Planted before the trials start: a trial folder that is a symlink to a
 * folder elsewhere, params.json and stdout.log as symlinks, stdout.log as a
 * FIFO. Nothing is written outside the study, nothing hangs, each trial
 * ends with a reason. */
START_TEST(test_symlinks_planted_before)
{
    char *tmp = e2e_tmpdir();
    char *study = path2(tmp, "study");
    char *elsewhere = path2(tmp, "elsewhere");
    ck_assert_int_eq(mkdir(elsewhere, 0700), 0);
    char *sweep = path2(tmp, "sweep.yaml");
    const char *head = "name: planted\nmethod: grid\nmetric: {name: loss}\n"
                       "command: [/bin/sh, -c, 'echo loss=1; echo written > "
                       "\"$TUNETOP_TRIAL_DIR/out\"', '${args}']\n";
    char *one = tt_xasprintf("%sparameters:\n  p: {values: [1]}\n", head);
    e2e_write(sweep, one);
    e2e_result r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s", e2e_tail(r.err));
    e2e_result_free(&r);

    char *t2 = tt_xasprintf("%s/trials/2", study), *t3 = tt_xasprintf("%s/trials/3", study);
    char *t4 = tt_xasprintf("%s/trials/4", study);
    ck_assert_int_eq(symlink(elsewhere, t2), 0);
    ck_assert_int_eq(mkdir(t3, 0700), 0);
    char *p3 = path2(t3, "params.json"), *e3 = path2(elsewhere, "params.json");
    ck_assert_int_eq(symlink(e3, p3), 0);
    ck_assert_int_eq(mkdir(t4, 0700), 0);
    char *f4 = path2(t4, "stdout.log");
    ck_assert_int_eq(mkfifo(f4, 0600), 0);

    char *four = tt_xasprintf("%sparameters:\n  p: {values: [1, 2, 3, 4]}\n", head);
    e2e_write(sweep, four);
    r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s\n%s", e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);

    DIR *d = opendir(elsewhere);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    ck_assert_msg(n == 0, "%zu files were written outside the study", n);
    char *db = path2(study, "study.db");
    for (long t = 2; t <= 4; t++) {
        char *sql = tt_xasprintf("SELECT state || ': ' || coalesce(reason, '') FROM trials "
                                 "WHERE number = %ld",
                                 t);
        char *got = e2e_sql(db, sql);
        ck_assert_msg(got && strncmp(got, "failed: ", 8) == 0 && strlen(got) > 10,
                      "trial %ld: %s", t, got);
        free(got);
        free(sql);
    }
    char *trial2 = e2e_sql(db, "SELECT reason FROM trials WHERE number = 2");
    ck_assert_ptr_nonnull(strstr(trial2, "trials/2"));
    free(trial2);
    struct stat st;
    ck_assert(lstat(f4, &st) == 0 && S_ISFIFO(st.st_mode)); /* left alone */
    free(db);
    e2e_rmtree(tmp);
    free(f4);
    free(p3);
    free(e3);
    free(t2);
    free(t3);
    free(t4);
    free(four);
    free(one);
    free(sweep);
    free(elsewhere);
    free(study);
    free(tmp);
}
END_TEST

/* ---- the terminal ----------------------------------------------------------- */

/* tmux servers of this suite: sockets in a folder of our own
 * ($TMUX_TMPDIR, set by the unchecked fixture in the runner process), all
 * killed by its teardown even after a failed test. */
static char *tmux_dir;
static bool have_tmux, have_valgrind;

static bool probe(const char *prog)
{
    const char *argv[] = {prog, "-V", NULL};
    const char *vg[] = {prog, "--version", NULL};
    e2e_result r = e2e_run(strcmp(prog, "valgrind") == 0 ? vg : argv, 10);
    bool ok = r.status == 0;
    e2e_result_free(&r);
    return ok;
}

static void terminal_setup(void)
{
    have_tmux = probe("tmux");
    have_valgrind = probe("valgrind");
    tmux_dir = e2e_tmpdir();
    setenv("TMUX_TMPDIR", tmux_dir, 1);
    unsetenv("TMUX");
}

static void terminal_teardown(void)
{
    char *sockdir = tt_xasprintf("%s/tmux-%ld", tmux_dir, (long)getuid());
    DIR *d = opendir(sockdir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *sock = path2(sockdir, e->d_name);
        const char *argv[] = {"tmux", "-S", sock, "kill-server", NULL};
        e2e_result r = e2e_run(argv, 10);
        e2e_result_free(&r);
        free(sock);
    }
    if (d)
        closedir(d);
    free(sockdir);
    e2e_rmtree(tmux_dir);
    free(tmux_dir);
    tmux_dir = NULL;
}

static char *shq(const char *s)
{
    tt_buf b = {0};
    tt_buf_puts(&b, "'");
    for (; *s; s++)
        tt_buf_puts(&b, *s == '\'' ? "'\\''" : (char[]){*s, 0});
    tt_buf_puts(&b, "'");
    return tt_buf_take(&b);
}

static int tmux_serial;

typedef struct term {
    char sock[64];
    char *conf;
} term;

static e2e_result tmux(const term *t, const char *const *args)
{
    const char *argv[24] = {"tmux", "-u", "-L", t->sock, "-f", t->conf};
    size_t n = 6;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return e2e_run(argv, 10);
}

static void tmux_ok(const term *t, const char *const *args)
{
    e2e_result r = tmux(t, args);
    ck_assert_msg(r.status == 0, "tmux %s: %s", args[0], e2e_tail(r.err));
    e2e_result_free(&r);
}

/* A 120×40 pane running `sh -c LINE` from the repository root; the pane's
 * shell then prints "[exit N]" and stays. */
static void term_start(term *t, const char *line)
{
    snprintf(t->sock, sizeof t->sock, "tt-sec-%ld-%d", (long)getpid(), ++tmux_serial);
    t->conf = path2(tmux_dir, t->sock);
    e2e_write(t->conf, "set -g status off\nset -g remain-on-exit on\n"
                       "set -g default-shell /bin/sh\nset -g escape-time 0\n"
                       "set -g allow-rename on\nset -g set-titles off\n");
    char *root = shq(e2e_root());
    char *full = tt_xasprintf("cd %s && env -u LC_ALL -u NO_COLOR TERM=xterm-256color "
                              "LANG=C.UTF-8 XDG_CONFIG_HOME=%s %s; echo \"[exit $?]\"; "
                              "exec sleep 300",
                              root, tmux_dir, line);
    const char *args[] = {"new-session", "-d", "-s", "tt", "-x", "120", "-y", "40", full, NULL};
    tmux_ok(t, args);
    free(full);
    free(root);
}

static char *term_screen(const term *t)
{
    const char *args[] = {"capture-pane", "-p", "-J", "-S", "-50", "-t", "tt", NULL};
    e2e_result r = tmux(t, args);
    ck_assert_int_eq(r.status, 0);
    free(r.err);
    return r.out;
}

static char *term_format(const term *t, const char *fmt)
{
    const char *args[] = {"display-message", "-p", "-t", "tt", fmt, NULL};
    e2e_result r = tmux(t, args);
    ck_assert_int_eq(r.status, 0);
    free(r.err);
    char *nl = strchr(r.out, '\n');
    if (nl)
        *nl = '\0';
    return r.out;
}

static char *term_wait(const term *t, const char *text, double timeout)
{
    double end = mono() + timeout;
    for (;;) {
        char *s = term_screen(t);
        if (strstr(s, text))
            return s;
        if (mono() > end) {
            fprintf(stderr, "---- screen ----\n%s\n----\n", s);
            free(s);
            ck_abort_msg("timed out waiting for '%s' (screen on stderr)", text);
        }
        free(s);
        e2e_sleep(0.05);
    }
}

static void term_keys(const term *t, const char *key)
{
    const char *args[] = {"send-keys", "-t", "tt", key, NULL};
    tmux_ok(t, args);
}

static void term_stop(term *t)
{
    const char *args[] = {"kill-server", NULL};
    e2e_result r = tmux(t, args);
    e2e_result_free(&r);
    free(t->conf);
    t->conf = NULL;
}

/* The hostile study: a trial that prints every kind of sequence on stdout
 * and stderr, writes a metric whose name holds a C1 CSI, and has a
 * parameter value with an OSC in it; it fails, so its stderr is in its
 * reason. Returns the study path (caller frees). */
static char *escape_study(const char *tmp)
{
    char *study = path2(tmp, "study");
    char *sweep = path2(tmp, "sweep.yaml");
    /* printf's \033, \007 and \233: ESC, BEL and a raw C1 CSI; \302\233 the
     * same CSI encoded in UTF-8 */
    const char *seq = "\\033]0;pwned\\007\\033]2;pwned\\033\\\\\\033[2J\\033[H\\033[31m"
                      "\\033[999999999999999999999;99999999999999999999H"
                      "\\033[?1049h\\233""2J\\302\\233""2J\\033P+q\\033\\\\\\033[6n";
    char *yaml = tt_xasprintf(
        "name: escapes\nmethod: grid\nmetric: {name: loss}\nmetrics: [\"ev\\u009bil\"]\n"
        "command: [/bin/sh, -c, 'printf \"%s before\\nloss=0.5\\n%s after\\n\"; "
        "printf \"%s stderr-line\\n\" >&2; "
        "printf \"step,loss,ev\\302\\233il\\n1,0.4,7\\n\" > \"$TUNETOP_METRICS_FILE\"; "
        "exit $TUNETOP_PARAM_FAIL', '${args}']\n"
        "parameters:\n  tag: {values: [\"x\\e]0;pwned\\ay\\e[2J\"]}\n"
        "  fail: {values: [0, 3]}\n",
        seq, seq, seq);
    e2e_write(sweep, yaml);
    e2e_result r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%s\n%s\n%s", yaml, e2e_tail(r.out), e2e_tail(r.err));
    /* the foreground runner's lines carry the value and the stderr line */
    ck_assert_msg(!has_control(r.out), "escape sequences in `tunetop run`'s output");
    ck_assert_msg(strstr(r.out, "stderr-line"), "%s", r.out);
    e2e_result_free(&r);
    free(yaml);
    free(sweep);
    return study;
}

START_TEST(test_escapes_stay_off_the_terminal)
{
    if (!have_tmux) {
        fprintf(stderr, "SKIPPED: %s: tmux is not installed\n", __func__);
        return;
    }
    char *tmp = e2e_tmpdir();
    char *study = escape_study(tmp);
    char *db = path2(study, "study.db");
    /* the stored name does hold the C1 control (data stays data) */
    ck_assert_int_eq(e2e_sql_long(db, "SELECT count(*) FROM metric_names WHERE name = "
                                      "'ev' || char(155) || 'il'"),
                     1);
    free(db);

    /* CLI tables */
    const char *status[] = {"tunetop", "status", study, NULL};
    const char *best[] = {"tunetop", "best", study, NULL};
    const char *const *cli[] = {status, best};
    for (size_t i = 0; i < 2; i++) {
        e2e_result r = e2e_run(cli[i], 20);
        ck_assert_msg(r.status == 0, "%s", r.err);
        ck_assert_msg(!has_control(r.out) && !has_control(r.err), "`tunetop %s`: %s", cli[i][1],
                      r.out);
        e2e_result_free(&r);
    }

    /* the dashboard: trial list, then the detail with the log tail */
    term t;
    char *bin = shq(e2e_bin()), *dir = shq(study);
    char *line = tt_xasprintf("%s %s", bin, dir);
    term_start(&t, line);
    char *before = term_format(&t, "#{pane_title}");
    free(term_wait(&t, "escapes", 15));
    term_keys(&t, "Enter");
    char *s = term_wait(&t, "stderr-line", 15);
    char *title = term_format(&t, "#{pane_title}");
    ck_assert_msg(!strstr(title, "pwned"), "the pane title changed to '%s' (was '%s')", title,
                  before);
    ck_assert_msg(!strstr(s, "pwned"), "an OSC got through:\n%s", s);
    ck_assert_msg(strstr(s, "escapes") && strstr(s, "before") && strstr(s, "after"),
                  "the screen was cleared or moved:\n%s", s);
    free(s);
    term_keys(&t, "Escape");
    term_keys(&t, "q");
    s = term_wait(&t, "[exit ", 15);
    ck_assert_msg(strstr(s, "[exit 0]"), "%s", s);
    free(s);
    free(title);
    free(before);
    term_stop(&t);
    free(line);
    free(bin);
    free(dir);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* The dashboard under valgrind on the hostile study: a few panels, the
 * detail, help, filter, theme, editor; then q. No invalid read or write,
 * no use of uninitialised memory, no definite leak (ncurses keeps memory
 * "still reachable" at exit by design: not an error here). */
START_TEST(test_dashboard_valgrind)
{
    if (!have_tmux || !have_valgrind) {
        fprintf(stderr, "SKIPPED: %s: %s is not installed (.ci/deps installs it)\n", __func__,
                have_tmux ? "valgrind" : "tmux");
        return;
    }
    if (getenv("TUNETOP_SANITIZED")) {
        fprintf(stderr, "SKIPPED: %s: valgrind cannot run an AddressSanitizer build; "
                        "`make check` runs this test on the plain build\n", __func__);
        return;
    }
    char *tmp = e2e_tmpdir();
    char *study = escape_study(tmp);
    char *log = path2(tmp, "valgrind.log");
    term t;
    char *bin = shq(e2e_bin()), *dir = shq(study), *qlog = shq(log);
    char *line = tt_xasprintf("valgrind -q --error-exitcode=99 --leak-check=full "
                              "--errors-for-leak-kinds=definite --track-origins=yes "
                              "--log-file=%s %s %s",
                              qlog, bin, dir);
    term_start(&t, line);
    free(term_wait(&t, "escapes", 60));
    static const char *const keys[] = {"Enter", "Escape", "Tab", "?", "Escape", "/",
                                       "Escape", "t",     "e",   NULL};
    static const char *const waits[] = {"stderr-line", NULL, NULL, NULL, NULL, "filter",
                                        NULL,          NULL, NULL, NULL};
    for (size_t i = 0; keys[i]; i++) {
        term_keys(&t, keys[i]);
        if (waits[i])
            free(term_wait(&t, waits[i], 30));
        else
            e2e_sleep(0.8);
    }
    term_keys(&t, "Escape");
    e2e_sleep(0.8);
    term_keys(&t, "q");
    char *s = term_wait(&t, "[exit ", 90);
    char *vlog = tt_read_file(log, NULL, NULL);
    ck_assert_msg(strstr(s, "[exit 0]"), "valgrind or the dashboard failed:\n%s\n%s",
                  e2e_tail(s), vlog ? e2e_tail(vlog) : "(no log)");
    ck_assert_msg(!vlog || !strstr(vlog, "definitely lost"), "%s", e2e_tail(vlog));
    ck_assert_msg(!vlog || !strstr(vlog, "Invalid "), "%s", e2e_tail(vlog));
    free(vlog);
    free(s);
    term_stop(&t);
    free(line);
    free(bin);
    free(dir);
    free(qlog);
    free(log);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- a study folder at its edges (issue 16) ------------------------------- */

/* `tunetop ARGS…` run from folder cwd (e2e_run runs from the repository
 * root, where a sweep without --dir would make ./tunetop-runs/). */
static e2e_result run_in(const char *cwd, const char *const *args, double timeout)
{
    const char *argv[16] = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd, e2e_bin()};
    size_t n = 5;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return e2e_run(argv, timeout);
}

static int mode_of(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
    return (int)(st.st_mode & 0777);
}

/* A study.db that holds no study: _i == 0 an empty file (`: > D/study.db`),
 * _i == 1 tunetop's schema without the study row (a run killed between
 * creating the database and recording the study). The folder was unusable:
 * every `tunetop run SWEEP --dir D` failed with "D/study.db holds no study
 * yet" until the user deleted files. Now the sweep file makes it the study
 * (private, like any new one), and the folder alone says what to do. */
START_TEST(test_study_db_without_a_study)
{
    umask(022);
    unsetenv("TUNETOP_SHARED");
    char *tmp = e2e_tmpdir();
    char *study = path2(tmp, "d");
    char *db = path2(study, "study.db");
    ck_assert_int_eq(mkdir(study, 0755), 0);
    if (_i == 0) {
        e2e_write(db, "");
    } else {
        tt_error err = {0};
        tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
        ck_assert_msg(st != NULL, "%s", err.msg);
        tt_store_close(st);
    }
    ck_assert_int_eq(chmod(db, 0644), 0);
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep, "name: empty\nmethod: grid\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'echo loss=1', '${args}']\n"
                     "parameters:\n  p: {values: [1, 2]}\n");

    char *want = tt_xasprintf("%s holds no study yet: run `tunetop run SWEEP.yaml --dir %s`",
                              study, study);
    const char *resume[] = {"tunetop", "run", study, NULL};
    const char *dashboard[] = {"tunetop", study, NULL};
    const char *status[] = {"tunetop", "status", study, NULL};
    const char *const *folder_only[] = {resume, dashboard, status};
    for (size_t k = 0; k < 3; k++) {
        e2e_result r = e2e_run(folder_only[k], 30);
        ck_assert_msg(r.status == 1 && strstr(r.err, want) && !strstr(r.err, "study.db"),
                      "%s %s: %d\n%s", folder_only[k][1], study, r.status, r.err);
        e2e_result_free(&r);
    }

    e2e_result r = run_sweep(sweep, study, 60);
    ck_assert_msg(r.status == 0, "%d\n%s\n%s", r.status, e2e_tail(r.out), e2e_tail(r.err));
    e2e_result_free(&r);
    ck_assert_int_eq(sql_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 2);
    char *name = e2e_study_sql(study, "SELECT name FROM study");
    ck_assert_str_eq(name, "empty");
    ck_assert_int_eq(mode_of(study), 0700);
    ck_assert_int_eq(mode_of(db), 0600);
    free(name);
    free(want);
    e2e_rmtree(tmp);
    free(sweep);
    free(db);
    free(study);
    free(tmp);
}
END_TEST

/* Forks `tunetop ARGS…` (from the repository root, output to files) that
 * waits for the gate pipe to be closed before it starts, so that all start
 * at once. */
static pid_t spawn_at_gate(const char *const *argv, const char *out, const char *err,
                           const int gate[2])
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) > 0) {
        }
        close(gate[0]);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (chdir(e2e_root()) != 0 || o < 0 || e < 0 || null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(o, 1);
        dup2(e, 2);
        execv(e2e_bin(), (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Two `tunetop run sweep.yaml --dir D --detach` of a new study at once,
 * for many studies at a time: once, both failed and no runner ran (the
 * second saw study.db before the first had recorded the study; or SQLite
 * refused one while the other made the schema), or the one whose runner
 * lost the lock quoted the winner's runner.log as its failure. Now each
 * pair ends with exactly one runner, both commands exit 0 and name it,
 * and the second says a runner is already running, with its pid. */
#define RACE_PAIRS 12
START_TEST(test_simultaneous_detached_starts)
{
    char *tmp = e2e_tmpdir();
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep, "name: race\nmethod: random\nrun_cap: 50\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'sleep 30; echo loss=1', '${args}']\n"
                     "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    int gate[2];
    ck_assert_int_eq(pipe(gate), 0);
    char *dirs[RACE_PAIRS], *outs[RACE_PAIRS][2], *errs[RACE_PAIRS][2];
    pid_t pids[RACE_PAIRS][2];
    for (int i = 0; i < RACE_PAIRS; i++) {
        dirs[i] = tt_xasprintf("%s/s%d", tmp, i);
        const char *argv[] = {"tunetop", "run", sweep, "--dir", dirs[i], "--detach", NULL};
        for (int j = 0; j < 2; j++) {
            outs[i][j] = tt_xasprintf("%s/s%d.out%d", tmp, i, j);
            errs[i][j] = tt_xasprintf("%s/s%d.err%d", tmp, i, j);
            pids[i][j] = spawn_at_gate(argv, outs[i][j], errs[i][j], gate);
        }
    }
    close(gate[0]);
    close(gate[1]); /* go */
    int status[RACE_PAIRS][2];
    for (int i = 0; i < RACE_PAIRS; i++)
        for (int j = 0; j < 2; j++)
            status[i][j] = wait_status(pids[i][j]);

    int lost_in_runner = 0; /* pairs where the second runner was started and lost the lock */
    for (int i = 0; i < RACE_PAIRS; i++) {
        char *out[2], *err[2];
        for (int j = 0; j < 2; j++) {
            out[j] = tt_read_file(outs[i][j], NULL, NULL);
            err[j] = tt_read_file(errs[i][j], NULL, NULL);
            ck_assert_msg(status[i][j] == 0, "%s #%d exited %d:\n%s", dirs[i], j, status[i][j],
                          err[j]);
        }
        long runner = tt_study_runner_pid(dirs[i]);
        ck_assert_msg(runner > 0, "no runner for %s", dirs[i]);
        char *pid_line = tt_xasprintf("runner pid %ld\n", runner);
        char *already = tt_xasprintf("a runner is already running for %s (pid %ld)", dirs[i],
                                     runner);
        int n_already = 0;
        for (int j = 0; j < 2; j++) {
            ck_assert_msg(strstr(out[j], pid_line), "%s #%d does not name runner %ld:\n%s",
                          dirs[i], j, runner, out[j]);
            n_already += strstr(err[j], already) != NULL;
        }
        ck_assert_msg(n_already == 1, "%s: %d of the two say '%s':\n%s\n%s", dirs[i], n_already,
                      already, err[0], err[1]);
        ck_assert_int_eq(e2e_study_long(dirs[i], "SELECT count(*) FROM events WHERE message "
                                                 "LIKE 'runner started%'"),
                         1);
        ck_assert_int_eq(e2e_study_long(dirs[i], "SELECT count(*) FROM spaces"), 1);
        char *log = e2e_read(dirs[i], "runner.log");
        if (log && strstr(log, "already running")) {
            lost_in_runner++;
            ck_assert_msg(strstr(log, "(pid ") && !strstr(log, "\n); use"), "%s", log);
        }
        free(log);
        free(already);
        free(pid_line);
        for (int j = 0; j < 2; j++) {
            free(out[j]);
            free(err[j]);
        }
    }
    fprintf(stderr, "security: %d of %d simultaneous pairs had a runner lose the lock\n",
            lost_in_runner, RACE_PAIRS);
    for (int i = 0; i < RACE_PAIRS; i++) {
        const char *stop[] = {"tunetop", "stop", dirs[i], "--now", NULL};
        e2e_result r = e2e_run(stop, 30);
        ck_assert_msg(r.status == 0, "%s", r.err);
        e2e_result_free(&r);
    }
    for (int i = 0; i < RACE_PAIRS; i++) {
        double end = mono() + 15;
        while (mono() < end && tt_study_runner_pid(dirs[i]) != 0)
            e2e_sleep(0.05);
        ck_assert_int_eq(tt_study_runner_pid(dirs[i]), 0);
        for (int j = 0; j < 2; j++) {
            free(outs[i][j]);
            free(errs[i][j]);
        }
        free(dirs[i]);
    }
    e2e_rmtree(tmp);
    free(sweep);
    free(tmp);
}
END_TEST

/* What a runner that lost the lock says, and what its starter quotes. The
 * race is made certain: the test holds a shared flock on runner.lock
 * (which reads as "no runner" to `tunetop run`, while a runner cannot take
 * it), with "4242\n" in it, and runner.log holds another runner's lines.
 * The pid came out as "(pid 4242⏎)", and `--detach` quoted the other
 * runner's log lines as if they were its own runner's. */
START_TEST(test_lost_race_messages)
{
    char *tmp = e2e_tmpdir();
    char *study = path2(tmp, "s");
    char *sweep = path2(tmp, "sweep.yaml");
    e2e_write(sweep, "name: lost\nmethod: random\nrun_cap: 5\nmetric: {name: loss}\n"
                     "command: [/bin/sh, -c, 'sleep 30; echo loss=1', '${args}']\n"
                     "parameters:\n  x: {min: 0.0, max: 1.0}\n");
    tt_diags diags = {0};
    tt_error err = {0};
    char *dir = NULL;
    ck_assert_msg(tt_study_prepare(sweep, study, &dir, &diags, &err) == 0, "%s", err.msg);
    tt_diags_free(&diags);
    free(dir);
    char *lock = path2(study, "runner.lock");
    e2e_write(lock, "4242\n");
    int fd = open(lock, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_SH), 0);
    char *log = path2(study, "runner.log");
    e2e_write(log, "[12:00:00] runner started (pid 4242), sweep v1, parallel 1\n"
                   "[12:00:00] trial 1 running x=0.5 (the other runner)\n");

    const char *fg[] = {"tunetop", "run", study, NULL};
    e2e_result r = e2e_run(fg, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "(pid 4242); use `tunetop status`"), "%d: %s",
                  r.status, r.err);
    e2e_result_free(&r);

    const char *bg[] = {"tunetop", "run", study, "--detach", NULL};
    r = e2e_run(bg, 30);
    char *own = tt_xasprintf("its log says:\ntunetop run: a runner is already running for %s "
                             "(pid 4242); use `tunetop status`",
                             study);
    ck_assert_msg(r.status == 1 && strstr(r.err, own) && !strstr(r.err, "the other runner"),
                  "%d: %s", r.status, r.err);
    e2e_result_free(&r);
    close(fd);
    free(own);
    free(log);
    free(lock);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* A tt_error holds 1024 bytes: a 10 KB sweep `name` (its folder under
 * tunetop-runs/) or a long path cut off the reason after it ("cannot
 * create tunetop-runs/nnn…" and nothing more). A name too long for a
 * folder now gets a folder of its own; paths in messages are shortened. */
START_TEST(test_long_names_keep_the_reason)
{
    char *tmp = e2e_tmpdir();
    tt_buf name = {0};
    for (int i = 0; i < 10240; i++)
        tt_buf_puts(&name, i % 64 == 63 ? "-" : "n");
    char *sweep = path2(tmp, "long.yaml");
    char *yaml = tt_xasprintf("name: %s\nmethod: grid\nmetric: {name: loss}\n"
                              "command: [/bin/sh, -c, 'echo loss=1', '${args}']\n"
                              "parameters:\n  p: {values: [1]}\n",
                              name.data);
    e2e_write(sweep, yaml);
    const char *run[] = {"run", "long.yaml", NULL};
    e2e_result r = run_in(tmp, run, 60);
    ck_assert_msg(r.status == 0, "%d: %s", r.status, e2e_tail(r.err));
    e2e_result_free(&r);
    char *runs = path2(tmp, "tunetop-runs");
    DIR *d = opendir(runs);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    char *study = NULL;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            ck_assert_msg(study == NULL, "two study folders");
            study = path2(runs, e->d_name);
            ck_assert_uint_le(strlen(e->d_name), 255);
        }
    closedir(d);
    ck_assert_ptr_nonnull(study);
    ck_assert_int_eq(e2e_study_long(study, "SELECT length(name) FROM study"), 10240);
    ck_assert_int_eq(sql_long(study, "SELECT count(*) FROM trials WHERE state = 'completed'"), 1);

    /* a path of over 1 KB: to a sweep file that is not valid, and as a
     * --dir whose parent does not exist */
    tt_buf deep = {0};
    tt_buf_puts(&deep, tmp);
    for (int i = 0; i < 5; i++) {
        tt_buf_puts(&deep, "/");
        for (int k = 0; k < 220; k++)
            tt_buf_puts(&deep, i % 2 ? "b" : "a");
        ck_assert_int_eq(mkdir(deep.data, 0700), 0);
    }
    char *bad = path2(deep.data, "bad.yaml");
    e2e_write(bad, "method: nope\n");
    const char *invalid[] = {"tunetop", "run", bad, NULL};
    r = e2e_run(invalid, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "is not a valid sweep file"), "%d: %s",
                  r.status, e2e_tail(r.err));
    e2e_result_free(&r);
    char *nowhere = path2(deep.data, "missing/study");
    r = run_sweep(sweep, nowhere, 30);
    ck_assert_msg(r.status == 1 && strstr(r.err, "No such file or directory") &&
                      strlen(r.err) < 400,
                  "%d: %s", r.status, e2e_tail(r.err));
    e2e_result_free(&r);
    free(nowhere);
    free(bad);
    tt_buf_free(&deep);
    free(study);
    free(runs);
    free(yaml);
    free(sweep);
    tt_buf_free(&name);
    e2e_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *suite_security(void)
{
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("runner");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_macros_never_reach_a_shell, 0, 2);
    tcase_add_loop_test(tc, test_study_modes, 0, 2);
    tcase_add_test(tc, test_foreign_owner_refused);
    tcase_add_test(tc, test_symlinks_planted_by_a_trial);
    tcase_add_test(tc, test_symlinks_planted_before);
    tcase_add_loop_test(tc, test_study_db_without_a_study, 0, 2);
    tcase_add_test(tc, test_simultaneous_detached_starts);
    tcase_add_test(tc, test_lost_race_messages);
    tcase_add_test(tc, test_long_names_keep_the_reason);
    suite_add_tcase(s, tc);
    TCase *term_tc = tt_add_tcase(s, "terminal", 240,
                                  TT_TESTS(test_escapes_stay_off_the_terminal,
                                           test_dashboard_valgrind));
    tcase_add_unchecked_fixture(term_tc, terminal_setup, terminal_teardown);
    return s;
}
