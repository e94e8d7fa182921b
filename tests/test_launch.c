/*
 * Tests for the runner's launch layer: W&B command macros expanded to exact
 * argv, hostile values arriving as one literal element (and staying data
 * under `shell: true`, checked by running /bin/sh for real), the params JSON,
 * the trial environment, the /proc helpers, and the shim supervising real
 * processes (logs, exit codes, signals, grace, leftovers, parent death).
 *
 * The shim runs in-process: a forked child calls tt_shim_main, so these tests
 * need no built binary. TUNETOP_BIN, when it names a tunetop that knows
 * __shim, is also exercised through rn_shim_spawn.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/runner/launch.h"
#include "../src/runner/shim_client.h"
#include "e2e.h"
#include "check_util.h"

extern char **environ;

/* ---- fixtures ------------------------------------------------------------ */

static tt_value str_value(const char *s)
{
    tt_value v = {.kind = TT_VALUE_STRING, .s = tt_xstrdup(s)};
    return v;
}

static tt_value bool_value(bool b)
{
    tt_value v = {.kind = TT_VALUE_BOOL, .b = b};
    return v;
}

static size_t add_numeric(tt_space *s, const char *name, tt_dist d, double lo, double hi)
{
    tt_param p = {0};
    p.name = tt_xstrdup(name);
    p.dist = d;
    p.is_int = d == TT_DIST_INT_UNIFORM;
    p.min = lo;
    p.max = hi;
    p.sigma = 1;
    p.q = 1;
    p.a = p.b = 1;
    return tt_space_add(s, &p);
}

static size_t add_categorical(tt_space *s, const char *name, const tt_value *values, size_t n)
{
    tt_param p = {0};
    p.name = tt_xstrdup(name);
    p.dist = TT_DIST_CATEGORICAL;
    p.values = tt_xcalloc(n, sizeof *p.values);
    for (size_t i = 0; i < n; i++)
        p.values[i] = values[i];
    p.n_values = n;
    p.sigma = p.q = p.a = p.b = 1;
    return tt_space_add(s, &p);
}

/* lr=0.01 epochs=10 opt=adam flag=True off=False, momentum inactive
 * (only when opt == sgd), optimizer.beta=0.9. */
typedef struct fixture {
    tt_space *space;
    tt_assignment a;
    tt_sweep sw;
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    tt_space *s = tt_space_new();
    add_numeric(s, "lr", TT_DIST_UNIFORM, 0, 1);
    add_numeric(s, "epochs", TT_DIST_INT_UNIFORM, 1, 100);
    tt_value opts[2] = {str_value("adam"), str_value("sgd")};
    add_categorical(s, "opt", opts, 2);
    tt_value bools[2] = {bool_value(true), bool_value(false)};
    add_categorical(s, "flag", bools, 2);
    tt_value bools2[2] = {bool_value(true), bool_value(false)};
    add_categorical(s, "off", bools2, 2);
    size_t m = add_numeric(s, "momentum", TT_DIST_UNIFORM, 0, 1);
    s->params[m].conditions = tt_xcalloc(1, sizeof(tt_condition));
    s->params[m].n_conditions = 1;
    s->params[m].conditions[0].parent_name = tt_xstrdup("opt");
    s->params[m].conditions[0].values = tt_xcalloc(1, sizeof(tt_value));
    s->params[m].conditions[0].values[0] = str_value("sgd");
    s->params[m].conditions[0].n_values = 1;
    add_numeric(s, "optimizer.beta", TT_DIST_UNIFORM, 0, 1);
    tt_error err = {0};
    ck_assert_msg(tt_space_finish(s, &err) == 0, "%s", err.msg);
    f->space = s;
    f->a = tt_assignment_new(s->n);
    double x[] = {0.01, 10, 0, 0, 1, 0.5, 0.9};
    memcpy(f->a.x, x, sizeof x);
    tt_space_update_active(s, &f->a);
    f->sw.space = s;
    f->sw.program = (char *)"train.py";
}

static void fixture_free(fixture *f)
{
    tt_assignment_free(&f->a);
    tt_space_free(f->space);
}

static char **expand(fixture *f, const char **cmd, size_t n, tt_error *err)
{
    f->sw.command = (char **)cmd;
    f->sw.n_command = n;
    return rn_launch_argv(&f->sw, &f->a, 42, "/runs/s/trials/42", "/runs/s/trials/42/params.json",
                          NULL, err);
}

/* argv equals the NULL-terminated list of expected strings. */
static void assert_argv(char **argv, const char *const *want)
{
    ck_assert_ptr_nonnull(argv);
    size_t i = 0;
    for (; want[i]; i++) {
        ck_assert_msg(argv[i] != NULL, "argv ends at %zu, want '%s'", i, want[i]);
        ck_assert_str_eq(argv[i], want[i]);
    }
    ck_assert_msg(argv[i] == NULL, "extra argv element '%s'", argv[i] ? argv[i] : "");
}

#define CMD(...) ((const char *[]){__VA_ARGS__})
#define NCMD(...) (sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))
#define EXPECT(...) ((const char *const[]){__VA_ARGS__, NULL})

#define CHECK_MACRO(f, want, ...)                                                          \
    do {                                                                                   \
        tt_error err_ = {0};                                                               \
        char **argv_ = expand(f, CMD(__VA_ARGS__), NCMD(__VA_ARGS__), &err_);              \
        ck_assert_msg(argv_ != NULL, "%s", err_.msg);                                      \
        assert_argv(argv_, want);                                                          \
        rn_launch_strv_free(argv_);                                                        \
    } while (0)

/* ---- argv macros --------------------------------------------------------- */

START_TEST(test_default_command)
{
    fixture f;
    fixture_init(&f);
    tt_error err = {0};
    char **argv = rn_launch_argv(&f.sw, &f.a, 1, "/t", NULL, NULL, &err);
    assert_argv(argv, EXPECT("/usr/bin/env", rn_launch_interpreter(), "train.py", "--lr=0.01",
                             "--epochs=10", "--opt=adam", "--flag=True", "--off=False",
                             "--optimizer.beta=0.9"));
    rn_launch_strv_free(argv);
    f.sw.program = NULL;
    ck_assert_ptr_null(rn_launch_argv(&f.sw, &f.a, 1, "/t", NULL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "program"));
    fixture_free(&f);
}
END_TEST

START_TEST(test_args_macros)
{
    fixture f;
    fixture_init(&f);
    CHECK_MACRO(&f, EXPECT("x", "--lr=0.01", "--epochs=10", "--opt=adam", "--flag=True",
                           "--off=False", "--optimizer.beta=0.9", "y"),
                "x", "${args}", "y");
    CHECK_MACRO(&f, EXPECT("lr=0.01", "epochs=10", "opt=adam", "flag=True", "off=False",
                           "optimizer.beta=0.9"),
                "${args_no_hyphens}");
    CHECK_MACRO(&f, EXPECT("--lr", "0.01", "--epochs", "10", "--opt", "adam", "--flag", "True",
                           "--off", "False", "--optimizer.beta", "0.9"),
                "${args_no_equals}");
    CHECK_MACRO(&f, EXPECT("--lr=0.01", "--epochs=10", "--opt=adam", "--flag",
                           "--optimizer.beta=0.9"),
                "${args_no_boolean_flags}");
    CHECK_MACRO(&f, EXPECT("+lr=0.01", "+epochs=10", "+opt=adam", "+flag=True", "+off=False",
                           "+optimizer.beta=0.9"),
                "${args_append_hydra}");
    CHECK_MACRO(&f, EXPECT("++lr=0.01", "++epochs=10", "++opt=adam", "++flag=True",
                           "++off=False", "++optimizer.beta=0.9"),
                "${args_override_hydra}");
    fixture_free(&f);
}
END_TEST

START_TEST(test_json_macros)
{
    fixture f;
    fixture_init(&f);
    CHECK_MACRO(&f, EXPECT("--cfg", "{\"lr\": 0.01, \"epochs\": 10, \"opt\": \"adam\", \"flag\": "
                                    "true, \"off\": false, \"optimizer.beta\": 0.9}"),
                "--cfg", "${args_json}");
    CHECK_MACRO(&f, EXPECT("--json-file", "/runs/s/trials/42/params.json"), "--json-file",
                "${args_json_file}");
    f.sw.command = (char **)CMD("${args_json_file}");
    f.sw.n_command = 1;
    ck_assert(rn_launch_uses_json_file(&f.sw));
    f.sw.command = NULL;
    f.sw.n_command = 0;
    ck_assert(!rn_launch_uses_json_file(&f.sw));
    fixture_free(&f);
}
END_TEST

START_TEST(test_scalar_macros)
{
    fixture f;
    fixture_init(&f);
    CHECK_MACRO(&f, EXPECT("/usr/bin/env", "train.py", "0.01", "--lr=0.01", "out_42",
                           "/runs/s/trials/42", "42", "", "m=", "beta0.9"),
                "${env}", "${program}", "${lr}", "--lr=${lr}", "out_${trial_id}", "${trial_dir}",
                "${trial_id}", "${momentum}", "m=${momentum}", "beta${optimizer.beta}");
    /* Single pass: a value that looks like a macro stays literal; an
     * unclosed ${ is plain text. */
    setenv("TT_TEST_MACRO", "${args}", 1);
    CHECK_MACRO(&f, EXPECT("${args}", "a${b"), "${envvar:TT_TEST_MACRO}", "a${b");
    unsetenv("TT_TEST_MACRO");
    fixture_free(&f);
}
END_TEST

START_TEST(test_envvar_macro)
{
    fixture f;
    fixture_init(&f);
    setenv("TT_TEST_DIR", "/data/x y", 1);
    unsetenv("TT_TEST_UNSET");
    /* W&B: os.environ.get(NAME, NAME) — unset leaves the name. */
    CHECK_MACRO(&f, EXPECT("/data/x y", "p//data/x y/q", "TT_TEST_UNSET"),
                "${envvar:TT_TEST_DIR}", "p/${envvar:TT_TEST_DIR}/q", "${envvar:TT_TEST_UNSET}");
    unsetenv("TT_TEST_DIR");
    fixture_free(&f);
}
END_TEST

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/rn_launch_XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return tt_xstrdup(d);
}

static void touch_exec(const char *dir, const char *name)
{
    char *p = tt_xasprintf("%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT, 0755);
    ck_assert_int_ge(fd, 0);
    close(fd);
    free(p);
}

START_TEST(test_interpreter)
{
    char *with = make_tmpdir(), *without = make_tmpdir();
    touch_exec(with, "python");
    touch_exec(without, "python3");
    char *old = getenv("PATH") ? tt_xstrdup(getenv("PATH")) : NULL;
    setenv("PATH", with, 1);
    ck_assert_str_eq(rn_launch_interpreter(), "python");
    setenv("PATH", without, 1);
    ck_assert_str_eq(rn_launch_interpreter(), "python3");
    if (old)
        setenv("PATH", old, 1);
    free(old);
    char *f1 = tt_xasprintf("%s/python", with), *f2 = tt_xasprintf("%s/python3", without);
    unlink(f1);
    unlink(f2);
    rmdir(with);
    rmdir(without);
    free(f1);
    free(f2);
    free(with);
    free(without);
}
END_TEST

static const char *const hostile[] = {
    "; rm -rf ~", "$(touch /tmp/tt_launch_pwned)", "it's \"quoted\" `x`", "two words\nnewline",
    "h\xc3\xa9llo \xe2\x98\x83", "'; touch FILE; '", "-x", "",
};
#define N_HOSTILE (sizeof hostile / sizeof hostile[0])

static void hostile_fixture(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->space = tt_space_new();
    tt_value vals[N_HOSTILE];
    for (size_t i = 0; i < N_HOSTILE; i++)
        vals[i] = str_value(hostile[i]);
    add_categorical(f->space, "v", vals, N_HOSTILE);
    tt_error err = {0};
    ck_assert(tt_space_finish(f->space, &err) == 0);
    f->a = tt_assignment_new(1);
    f->sw.space = f->space;
    f->sw.program = (char *)"train.py";
}

START_TEST(test_hostile_values_literal)
{
    fixture f;
    hostile_fixture(&f);
    for (size_t i = 0; i < N_HOSTILE; i++) {
        f.a.x[0] = (double)i;
        char *flag = tt_xasprintf("--v=%s", hostile[i]);
        CHECK_MACRO(&f, EXPECT("prog", hostile[i], flag, "--v", hostile[i]), "prog", "${v}",
                    "${args}", "${args_no_equals}");
        free(flag);
    }
    fixture_free(&f);
}
END_TEST

/* Runs argv, returns its stdout (malloc'd) and exit status. */
static char *run_capture(char **argv, int *status)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    tt_buf b = {0};
    char chunk[512];
    ssize_t r;
    while ((r = read(p[0], chunk, sizeof chunk)) > 0)
        tt_buf_append(&b, chunk, (size_t)r);
    close(p[0]);
    waitpid(pid, status, 0);
    return tt_buf_take(&b);
}

START_TEST(test_shell_quoting_runs)
{
    fixture f;
    hostile_fixture(&f);
    char *dir = make_tmpdir();
    ck_assert_int_eq(chdir(dir), 0);
    f.sw.shell = true;
    for (size_t i = 0; i < N_HOSTILE; i++) {
        f.a.x[0] = (double)i;
        /* Literal shell text (the quotes around %s, the pipe-free
         * redirection) is the user's; the value must arrive intact. */
        tt_error err = {0};
        char **argv = expand(&f, CMD("printf", "'[%s]'", "${v}", "${args}"), 4, &err);
        ck_assert_ptr_nonnull(argv);
        ck_assert_str_eq(argv[0], "/bin/sh");
        int st;
        char *out = run_capture(argv, &st);
        char *want = tt_xasprintf("[%s][--v=%s]", hostile[i], hostile[i]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sh failed for value %zu", i);
        ck_assert_str_eq(out, want);
        free(want);
        free(out);
        rn_launch_strv_free(argv);
    }
    ck_assert_int_eq(access("FILE", F_OK), -1);
    ck_assert_int_eq(access("/tmp/tt_launch_pwned", F_OK), -1);
    /* The user's own shell text stays shell text. */
    f.a.x[0] = 5;
    tt_error err = {0};
    char **argv = expand(&f, CMD("printf %s \"$TT_SH_VAR\"", "${v}"), 2, &err);
    ck_assert_str_eq(argv[2], "printf %s \"$TT_SH_VAR\" ''\\''; touch FILE; '\\'''");
    rn_launch_strv_free(argv);
    argv = expand(&f, CMD("echo ${HOME} ${args}"), 1, &err);
    ck_assert_str_eq(argv[2], "echo ${HOME} '--v='\\''; touch FILE; '\\'''");
    rn_launch_strv_free(argv);
    ck_assert_int_eq(chdir("/"), 0);
    rmdir(dir);
    free(dir);
    fixture_free(&f);
}
END_TEST

START_TEST(test_macro_errors)
{
    fixture f;
    fixture_init(&f);
    tt_error err = {0};
    ck_assert_ptr_null(expand(&f, CMD("prog", "${nope}"), 2, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "${nope}"));
    ck_assert_ptr_null(expand(&f, CMD("prog", "x${args}"), 2, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "whole element"));
    tt_space *empty = tt_space_new();
    tt_assignment a0 = tt_assignment_new(0);
    tt_sweep sw = {.space = empty, .command = (char **)CMD("${args}"), .n_command = 1};
    ck_assert_ptr_null(rn_launch_argv(&sw, &a0, 1, "/t", NULL, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "nothing"));
    tt_assignment_free(&a0);
    tt_space_free(empty);
    fixture_free(&f);
}
END_TEST

START_TEST(test_shell_quote)
{
    char *q = rn_launch_shell_quote("it's");
    ck_assert_str_eq(q, "'it'\\''s'");
    free(q);
    q = rn_launch_shell_quote("");
    ck_assert_str_eq(q, "''");
    free(q);
}
END_TEST

/* ---- JSON and environment ------------------------------------------------ */

START_TEST(test_params_json_escaping)
{
    tt_space *s = tt_space_new();
    tt_value v[1] = {str_value("q\"b\\s/\n\t\x01\x1f\x7f \xe2\x98\x83")};
    add_categorical(s, "a.b", v, 1);
    add_numeric(s, "f", TT_DIST_UNIFORM, 0, 10);
    add_numeric(s, "i", TT_DIST_INT_UNIFORM, -10, 10);
    add_numeric(s, "tiny", TT_DIST_UNIFORM, 0, 1);
    add_numeric(s, "gone", TT_DIST_UNIFORM, 0, 1);
    tt_value n[1] = {{.kind = TT_VALUE_NULL}};
    add_categorical(s, "nothing", n, 1);
    tt_error err = {0};
    ck_assert(tt_space_finish(s, &err) == 0);
    tt_assignment a = tt_assignment_new(s->n);
    double x[] = {0, 3.0, -7, 1e-5, 0.5, 0};
    memcpy(a.x, x, sizeof x);
    a.active[4] = false;
    char *json = rn_launch_params_json(s, &a);
    ck_assert_str_eq(json, "{\"a.b\": \"q\\\"b\\\\s/\\n\\t\\u0001\\u001f\\u007f \xe2\x98\x83\", "
                           "\"f\": 3.0, \"i\": -7, \"tiny\": 1e-05, \"nothing\": null}");
    free(json);
    char *text = rn_launch_param_text(s, &a, 5);
    ck_assert_str_eq(text, "None");
    free(text);
    text = rn_launch_param_text(s, &a, 4);
    ck_assert_str_eq(text, "");
    free(text);
    tt_assignment_free(&a);
    tt_space_free(s);
}
END_TEST

static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (char **p = env; *p; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=') {
            ck_assert_msg(found == NULL, "%s set twice", name);
            found = *p + n + 1;
        }
    return found;
}

START_TEST(test_env)
{
    fixture f;
    fixture_init(&f);
    char *base[] = {"PATH=/usr/bin", "TUNETOP_TRIAL_ID=99", "TUNETOP_OTHER=x",
                    "CUDA_VISIBLE_DEVICES=7", "HOME=/root", NULL};
    char **env = rn_launch_env(base, &f.sw, &f.a, 42, "/runs/s/trials/42/", NULL, NULL);
    ck_assert_str_eq(env_get(env, "PATH"), "/usr/bin");
    ck_assert_str_eq(env_get(env, "HOME"), "/root");
    ck_assert_str_eq(env_get(env, "CUDA_VISIBLE_DEVICES"), "7");
    ck_assert_ptr_null(env_get(env, "TUNETOP_OTHER"));
    ck_assert_ptr_null(env_get(env, "TUNETOP_FOLD"));
    ck_assert_str_eq(env_get(env, "TUNETOP_TRIAL_ID"), "42");
    ck_assert_str_eq(env_get(env, "TUNETOP_TRIAL_DIR"), "/runs/s/trials/42/");
    ck_assert_str_eq(env_get(env, "TUNETOP_METRICS_FILE"), "/runs/s/trials/42/metrics.csv");
    ck_assert_str_eq(env_get(env, "TUNETOP_CHECKPOINT_DIR"), "/runs/s/trials/42/checkpoints");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAMS"),
                     "{\"lr\": 0.01, \"epochs\": 10, \"opt\": \"adam\", \"flag\": true, "
                     "\"off\": false, \"optimizer.beta\": 0.9}");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAM_LR"), "0.01");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAM_EPOCHS"), "10");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAM_OPT"), "adam");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAM_FLAG"), "True");
    ck_assert_str_eq(env_get(env, "TUNETOP_PARAM_OPTIMIZER_BETA"), "0.9");
    ck_assert_ptr_null(env_get(env, "TUNETOP_PARAM_MOMENTUM"));
    /* A trial of one run is told nothing about folds or repeats. */
    ck_assert_ptr_null(env_get(env, "TUNETOP_FOLD"));
    ck_assert_ptr_null(env_get(env, "TUNETOP_REPEAT"));
    rn_launch_strv_free(env);

    /* Fold 2 of 3, repeat 1 of 2: the trainer is told which split and which
     * repetition it is. */
    rn_launch_run run = {.fold = 2, .folds = 3, .repeat = 1, .repeats = 2};
    env = rn_launch_env(base, &f.sw, &f.a, 7, "/t", &run, "0,1");
    ck_assert_str_eq(env_get(env, "CUDA_VISIBLE_DEVICES"), "0,1");
    ck_assert_str_eq(env_get(env, "TUNETOP_FOLD"), "2");
    ck_assert_str_eq(env_get(env, "TUNETOP_FOLDS"), "3");
    ck_assert_str_eq(env_get(env, "TUNETOP_REPEAT"), "1");
    ck_assert_str_eq(env_get(env, "TUNETOP_REPEATS"), "2");
    ck_assert_str_eq(env_get(env, "TUNETOP_METRICS_FILE"), "/t/metrics.csv");
    rn_launch_strv_free(env);

    char *name = rn_launch_param_env_name("model.lr-max x\xc3\xa9");
    ck_assert_str_eq(name, "TUNETOP_PARAM_MODEL_LR_MAX_X__");
    free(name);
    fixture_free(&f);
}
END_TEST

/* ---- /proc --------------------------------------------------------------- */

START_TEST(test_proc)
{
    uint64_t me = tt_proc_start_time(getpid());
    ck_assert_uint_gt(me, 0);
    ck_assert(tt_proc_alive(getpid(), me));
    ck_assert(!tt_proc_alive(getpid(), me + 1));
    ck_assert(!tt_proc_alive(getpid(), 0));
    ck_assert_int_eq(tt_proc_kill_group(1, 0), -TT_ERR_INVALID);
    ck_assert_int_eq(tt_proc_kill_group(0, 0), -TT_ERR_INVALID);
    char *exe = rn_proc_self_exe();
    ck_assert_ptr_nonnull(exe);
    ck_assert_int_eq(access(exe, X_OK), 0);
    free(exe);

    /* A comm with spaces and parentheses must not shift the fields. */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "a) b (c) 9 Z");
        ssize_t w = write(p[1], "r", 1);
        (void)w;
        pause();
        _exit(0);
    }
    uint64_t before = tt_proc_start_time(pid);
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    ck_assert_uint_gt(before, 0);
    ck_assert_uint_eq(tt_proc_start_time(pid), before);
    ck_assert(tt_proc_alive(pid, before));
    kill(pid, SIGKILL);
    /* A zombie is not alive; a reaped pid has no start time. */
    siginfo_t si;
    waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
    ck_assert(!tt_proc_alive(pid, before));
    waitpid(pid, NULL, 0);
    ck_assert_uint_eq(tt_proc_start_time(pid), 0);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* ---- the shim ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Forks a child that runs tt_shim_main(dir, grace, argv...) from inside dir
 * (the shim itself keeps its caller's working directory). */
static pid_t start_shim(const char *dir, const char *grace, const char *const *trial)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *argv[32] = {"tunetop", "__shim", dir, "--grace", grace, "--"};
        int n = 6;
        for (int i = 0; trial[i] && n < 31; i++)
            argv[n++] = trial[i];
        argv[n] = NULL;
        /* Trials below write their marker files relative to the folder. */
        if (chdir(dir) != 0)
            _exit(99);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        _exit(tt_shim_main(n, (char **)argv));
    }
    return pid;
}

/* Waits for pid up to secs; returns its wait status (fails the test on
 * timeout, after killing it). */
static int wait_for(pid_t pid, double secs)
{
    double end = now_s() + secs;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (now_s() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            ck_abort_msg("process %ld did not finish within %.1f s", (long)pid, secs);
        }
        usleep(5000);
    }
}

static bool wait_file(const char *path, double secs)
{
    double end = now_s() + secs;
    while (access(path, F_OK) != 0) {
        if (now_s() > end)
            return false;
        usleep(5000);
    }
    return true;
}

static void rm_rf(const char *dir)
{
    char *cmd[] = {"/bin/rm", "-rf", (char *)dir, NULL};
    int st;
    free(run_capture(cmd, &st));
}

/* A process that is gone or only a zombie waiting for init. */
static bool dead(pid_t pid)
{
    uint64_t st = tt_proc_start_time(pid);
    return st == 0 || !tt_proc_alive(pid, st);
}

static pid_t read_pid_file(const char *dir, const char *leaf)
{
    char *t = e2e_read(dir, leaf);
    ck_assert_ptr_nonnull(t);
    pid_t pid = (pid_t)atol(t);
    free(t);
    return pid;
}

START_TEST(test_shim_exit_and_logs)
{
    char *dir = make_tmpdir();
    pid_t shim = start_shim(dir, "10",
                            CMD("/bin/sh", "-c",
                                "echo out; echo err >&2; echo $$ > me; "
                                "cut -d' ' -f5 /proc/$$/stat > pgid; exit 3",
                                NULL));
    int st = wait_for(shim, 4);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 3);
    char *out = e2e_read(dir, TT_SHIM_STDOUT), *err = e2e_read(dir, TT_SHIM_STDERR);
    ck_assert_str_eq(out, "out\n");
    ck_assert_str_eq(err, "err\n");
    free(out);
    free(err);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(s.code, 3);
    ck_assert_str_eq(s.message, "");
    ck_assert(s.end_time > (double)time(NULL) - 60);
    /* The trial leads a process group of its own (what the shim and the
     * runner signal), and the shim leaves no file but the logs and the
     * status behind (each inode costs, docs/benchmarks.md). */
    ck_assert_int_eq(read_pid_file(dir, "pgid"), read_pid_file(dir, "me"));
    char *pgid_file = tt_xasprintf("%s/trial.pgid", dir);
    ck_assert_int_eq(access(pgid_file, F_OK), -1);
    free(pgid_file);
    char *tmp = tt_xasprintf("%s/exit.status.tmp", dir);
    ck_assert_int_eq(access(tmp, F_OK), -1);
    free(tmp);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_trial_fds)
{
    char *dir = make_tmpdir();
    /* A stray inheritable fd in the shim's parent must not reach the trial. */
    int stray = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(dup2(stray, 57), 0);
    pid_t shim = start_shim(dir, "10",
                            CMD("/bin/sh", "-c", "readlink /proc/$$/fd/0; ls /proc/self/fd",
                                NULL));
    wait_for(shim, 4);
    close(57);
    close(stray);
    char *out = e2e_read(dir, TT_SHIM_STDOUT);
    /* ls sees 0-2 and its own directory fd 3; nothing else. */
    ck_assert_str_eq(out, "/dev/null\n0\n1\n2\n3\n");
    free(out);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_signal)
{
    char *dir = make_tmpdir();
    pid_t shim = start_shim(dir, "10", CMD("/bin/sh", "-c", "kill -9 $$", NULL));
    int st = wait_for(shim, 4);
    ck_assert_int_eq(WEXITSTATUS(st), 128 + 9);
    char *text = e2e_read(dir, TT_SHIM_STATUS);
    ck_assert_ptr_nonnull(strstr(text, "signal 9 SIGKILL\nend "));
    free(text);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(s.code, 9);
    ck_assert_str_eq(s.message, "SIGKILL");
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_exec_error)
{
    char *dir = make_tmpdir();
    pid_t shim = start_shim(dir, "10", CMD("/nonexistent/train", "--x", NULL));
    int st = wait_for(shim, 4);
    ck_assert_int_eq(WEXITSTATUS(st), 127);
    char *text = e2e_read(dir, TT_SHIM_STATUS);
    ck_assert_msg(strncmp(text, "exec_error 2 No such file or directory\nend ", 43) == 0, "%s",
                  text);
    free(text);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXEC_ERROR);
    ck_assert_int_eq(s.code, ENOENT);
    ck_assert_str_eq(s.message, "No such file or directory");
    rm_rf(dir);
    free(dir);

    /* Not found through PATH either. */
    dir = make_tmpdir();
    shim = start_shim(dir, "10", CMD("tt-no-such-program-anywhere", NULL));
    wait_for(shim, 4);
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXEC_ERROR);
    ck_assert_int_eq(s.code, ENOENT);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_sigterm_forwarded)
{
    char *dir = make_tmpdir();
    char *ready = tt_xasprintf("%s/ready", dir);
    pid_t shim = start_shim(dir, "3",
                            CMD("/bin/sh", "-c", "sleep 30 & echo $! > bg; : > ready; wait",
                                NULL));
    ck_assert(wait_file(ready, 3));
    pid_t bg = read_pid_file(dir, "bg");
    double t0 = now_s();
    kill(shim, SIGTERM);
    int st = wait_for(shim, 3);
    ck_assert(now_s() - t0 < 2.5);
    ck_assert_int_eq(WEXITSTATUS(st), 128 + SIGTERM);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(s.code, SIGTERM);
    ck_assert_str_eq(s.message, "SIGTERM");
    double end = now_s() + 2;
    while (!dead(bg) && now_s() < end)
        usleep(5000);
    ck_assert(dead(bg));
    free(ready);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_grace_then_kill)
{
    char *dir = make_tmpdir();
    char *ready = tt_xasprintf("%s/ready", dir);
    pid_t shim = start_shim(dir, "0.3",
                            CMD("/bin/sh", "-c", "trap '' TERM; : > ready; sleep 30", NULL));
    ck_assert(wait_file(ready, 3));
    double t0 = now_s();
    kill(shim, SIGTERM);
    wait_for(shim, 3);
    double took = now_s() - t0;
    ck_assert_msg(took >= 0.29 && took < 2.5, "took %.3f s", took);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(s.code, SIGKILL);
    free(ready);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_kills_leftovers)
{
    char *dir = make_tmpdir();
    pid_t shim = start_shim(dir, "10", CMD("/bin/sh", "-c", "sleep 30 & echo $! > bg; exit 0",
                                           NULL));
    int st = wait_for(shim, 4);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    pid_t bg = read_pid_file(dir, "bg");
    double end = now_s() + 2;
    while (!dead(bg) && now_s() < end)
        usleep(5000);
    ck_assert_msg(dead(bg), "background child %ld outlived the trial", (long)bg);
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(s.code, 0);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A daemon the trial started outside its group (setsid, then a double
 * fork) is adopted by the shim and stopped with the trial, grandchildren
 * included; a zombie of such a daemon that exits while the trial runs is
 * reaped, not left until the end. */
START_TEST(test_shim_kills_escaped_daemons)
{
    char *dir = make_tmpdir();
    pid_t shim = start_shim(
        dir, "10",
        CMD("/bin/sh", "-c",
            /* one daemon in a session of its own, one that double-forks out of it, and a
             * short-lived one that ends while the trial runs */
            "setsid sh -c 'echo $$ > d1; sleep 30' & "
            "setsid sh -c '(sleep 30 & echo $! > d2) ; sleep 30' & "
            "setsid sh -c 'echo $$ > d3; exit 0' & "
            "sleep 0.5; exit 0",
            NULL));
    int st = wait_for(shim, 5);
    ck_assert_int_eq(WEXITSTATUS(st), 0);
    const char *files[] = {"d1", "d2", "d3"};
    for (size_t i = 0; i < 3; i++) {
        pid_t d = read_pid_file(dir, files[i]);
        double end = now_s() + 2;
        while (!dead(d) && now_s() < end)
            usleep(5000);
        ck_assert_msg(dead(d), "%s (%ld) outlived the trial", files[i], (long)d);
        /* Not a zombie waiting for a parent that is gone either. */
        ck_assert_uint_eq(tt_proc_start_time(d), 0);
    }
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(s.code, 0);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_survives_parent)
{
    char *dir = make_tmpdir();
    char *status = tt_xasprintf("%s/%s", dir, TT_SHIM_STATUS);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t runner = fork();
    if (runner == 0) {
        /* The "runner": starts the shim and dies at once, as after kill -9. */
        close(p[0]);
        pid_t shim = start_shim(dir, "10", CMD("/bin/sh", "-c", "sleep 0.3; echo done", NULL));
        ssize_t w = write(p[1], &shim, sizeof shim);
        (void)w;
        _exit(0);
    }
    close(p[1]);
    pid_t shim = 0;
    ck_assert_int_eq(read(p[0], &shim, sizeof shim), (ssize_t)sizeof shim);
    close(p[0]);
    wait_for(runner, 2);
    ck_assert(wait_file(status, 4));
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_EXIT);
    ck_assert_int_eq(s.code, 0);
    char *out = e2e_read(dir, TT_SHIM_STDOUT);
    ck_assert_str_eq(out, "done\n");
    free(out);
    free(status);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_status_atomic)
{
    char *dir = make_tmpdir();
    char *status = tt_xasprintf("%s/%s", dir, TT_SHIM_STATUS);
    pid_t shim = start_shim(dir, "10", CMD("/bin/sh", "-c", "sleep 0.1; exit 5", NULL));
    /* Read as fast as possible while it finishes: a reader sees no file or
     * all of it, never part. */
    int seen = 0, st;
    double end = now_s() + 4;
    for (;;) {
        tt_shim_status s;
        int rc = rn_shim_read_status(dir, &s);
        if (rc == 0) {
            ck_assert_int_eq(s.code, 5);
            ck_assert(s.end_time > 0);
            seen++;
        } else {
            ck_assert_int_eq(rc, -TT_ERR_IO);
        }
        if (waitpid(shim, &st, WNOHANG) == shim)
            break;
        ck_assert(now_s() < end);
    }
    ck_assert_int_eq(rn_shim_read_status(dir, &(tt_shim_status){0}), 0);
    char *tmp = tt_xasprintf("%s.tmp", status);
    ck_assert_int_eq(access(tmp, F_OK), -1);
    free(tmp);
    free(status);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_bad_invocations)
{
    char *dir = make_tmpdir();
    char *link = tt_xasprintf("%s/link", dir);
    char *real = tt_xasprintf("%s/real", dir);
    ck_assert_int_eq(mkdir(real, 0700), 0);
    ck_assert_int_eq(symlink(real, link), 0);
    /* A symlinked trial folder is refused (O_NOFOLLOW): nothing written. */
    pid_t shim = start_shim(link, "10", CMD("/bin/true", NULL));
    ck_assert_int_eq(WEXITSTATUS(wait_for(shim, 4)), 125);
    char *in_real = tt_xasprintf("%s/%s", real, TT_SHIM_LOG);
    ck_assert_int_eq(access(in_real, F_OK), -1);
    free(in_real);
    /* Usage errors (their messages kept off the test's output). */
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    int r1 = tt_shim_main(3, (char *[]){"tunetop", "__shim", dir, NULL});
    int r2 = tt_shim_main(5, (char *[]){"tunetop", "__shim", dir, "--grace", "-1", NULL});
    int r3 = tt_shim_main(4, (char *[]){"tunetop", "__shim", dir, "--", NULL});
    dup2(saved, 2);
    close(saved);
    close(devnull);
    ck_assert_int_eq(r1, 2);
    ck_assert_int_eq(r2, 2);
    ck_assert_int_eq(r3, 2);
    free(link);
    free(real);
    rm_rf(dir);
    free(dir);
}
END_TEST

static void write_text(const char *dir, const char *leaf, const char *text)
{
    char *p = tt_xasprintf("%s/%s", dir, leaf);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

START_TEST(test_status_parse)
{
    char *dir = make_tmpdir();
    tt_shim_status s;
    ck_assert_int_eq(rn_shim_read_status(dir, &s), -TT_ERR_IO);
    write_text(dir, TT_SHIM_STATUS, "signal 15 SIGTERM\nend 1718000000.250\n");
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert_int_eq(s.kind, TT_SHIM_SIGNAL);
    ck_assert_int_eq(s.code, 15);
    ck_assert_str_eq(s.message, "SIGTERM");
    ck_assert(s.end_time > 1718000000.2 && s.end_time < 1718000000.3);
    write_text(dir, TT_SHIM_STATUS, "exit 0\n");
    ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
    ck_assert(s.end_time == 0);
    const char *bad[] = {"", "exit\n", "exit x\n", "exit 3 extra\n", "done 1\n", "signal -1 X\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(dir, TT_SHIM_STATUS, bad[i]);
        ck_assert_msg(rn_shim_read_status(dir, &s) == -TT_ERR_INVALID, "accepted '%s'", bad[i]);
    }
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_shim_spawn)
{
    char *dir = make_tmpdir();
    /* A stand-in for tunetop that records how it was started. */
    char *fake = tt_xasprintf("%s/fake-tunetop", dir);
    write_text(dir, "fake-tunetop",
               "#!/bin/sh\n"
               "d=\"$2\"\n"
               "for a in \"$@\"; do echo \"$a\"; done > \"$d/args\"\n"
               "echo \"$TT_SPAWN_VAR\" > \"$d/env\"\n"
               "cut -d' ' -f6 /proc/$$/stat > \"$d/sid\"; echo $$ >> \"$d/sid\"\n"
               "readlink /proc/$$/fd/0 > \"$d/stdin\"\n"
               "echo to-shim-log\n");
    ck_assert_int_eq(chmod(fake, 0755), 0);
    char *envp[] = {"TT_SPAWN_VAR=hello world", "PATH=/usr/bin:/bin", NULL};
    char *trial[] = {"prog", "a b", "; rm -rf ~", NULL};
    pid_t pid = 0;
    uint64_t start = 0;
    tt_error err = {0};
    ck_assert_msg(rn_shim_spawn(fake, dir, 2.5, trial, envp, &pid, &start, &err) == 0, "%s",
                  err.msg);
    ck_assert_int_gt(pid, 0);
    ck_assert_uint_gt(start, 0);
    wait_for(pid, 4);
    char *args = e2e_read(dir, "args");
    char *want = tt_xasprintf("__shim\n%s\n--grace\n2.5\n--\nprog\na b\n; rm -rf ~\n", dir);
    ck_assert_str_eq(args, want);
    free(want);
    free(args);
    char *env = e2e_read(dir, "env"), *sid = e2e_read(dir, "sid"), *in = e2e_read(dir, "stdin");
    ck_assert_str_eq(env, "hello world\n");
    char *nl = strchr(sid, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_msg(strncmp(sid, nl + 1, (size_t)(nl - sid)) == 0, "not a session leader: %s",
                  sid);
    ck_assert_str_eq(in, "/dev/null\n");
    char *log = e2e_read(dir, TT_SHIM_LOG);
    ck_assert_str_eq(log, "to-shim-log\n");
    free(log);
    free(env);
    free(sid);
    free(in);

    /* An executable that cannot be run is reported here, not as a mystery. */
    char *missing = tt_xasprintf("%s/no-such-tunetop", dir);
    ck_assert_int_eq(rn_shim_spawn(missing, dir, 1, trial, envp, &pid, &start, &err),
                     -TT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
    ck_assert_int_eq(rn_shim_spawn(fake, "/nonexistent/dir", 1, trial, envp, &pid, &start, &err),
                     -TT_ERR_IO);
    free(missing);
    free(fake);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* The real binary, when TUNETOP_BIN names one that knows __shim. */
START_TEST(test_shim_spawn_real_binary)
{
    const char *bin = getenv("TUNETOP_BIN");
    if (!bin || access(bin, X_OK) != 0)
        return;
    char *dir = make_tmpdir();
    char *trial[] = {"/bin/sh", "-c", "echo hi; exit 4", NULL};
    pid_t pid;
    uint64_t start;
    tt_error err = {0};
    ck_assert_msg(rn_shim_spawn(bin, dir, 1, trial, environ, &pid, &start, &err) == 0, "%s",
                  err.msg);
    int st = wait_for(pid, 4);
    tt_shim_status s;
    if (rn_shim_read_status(dir, &s) == 0) {
        ck_assert_int_eq(WEXITSTATUS(st), 4);
        ck_assert_int_eq(s.kind, TT_SHIM_EXIT);
        ck_assert_int_eq(s.code, 4);
        char *out = e2e_read(dir, TT_SHIM_STDOUT);
        ck_assert_str_eq(out, "hi\n");
        free(out);
        /* A SIGTERM the instant spawn returns is forwarded, not lost. */
        char *slow[] = {"/bin/sleep", "30", NULL};
        ck_assert(rn_shim_spawn(bin, dir, 1, slow, environ, &pid, &start, &err) == 0);
        kill(pid, SIGTERM);
        ck_assert_int_eq(WEXITSTATUS(wait_for(pid, 4)), 128 + SIGTERM);
        ck_assert_int_eq(rn_shim_read_status(dir, &s), 0);
        ck_assert_int_eq(s.kind, TT_SHIM_SIGNAL);
        ck_assert_int_eq(s.code, SIGTERM);
    }
    rm_rf(dir);
    free(dir);
}
END_TEST

Suite *suite_launch(void)
{
    Suite *s = suite_create("launch");
    tt_add_tcase(s, "argv", 0,
                 TT_TESTS(test_default_command, test_args_macros, test_json_macros,
                          test_scalar_macros, test_envvar_macro, test_interpreter,
                          test_hostile_values_literal, test_shell_quoting_runs, test_macro_errors,
                          test_shell_quote));
    tt_add_tcase(s, "environment", 0, TT_TESTS(test_params_json_escaping, test_env, test_proc));
    tt_add_tcase(s, "shim", 10,
                 TT_TESTS(test_shim_exit_and_logs, test_shim_trial_fds, test_shim_signal,
                          test_shim_exec_error, test_shim_sigterm_forwarded,
                          test_shim_grace_then_kill, test_shim_kills_leftovers,
                          test_shim_kills_escaped_daemons, test_shim_survives_parent,
                          test_shim_status_atomic, test_shim_bad_invocations, test_status_parse,
                          test_shim_spawn, test_shim_spawn_real_binary));
    return s;
}
