/*
 * End-to-end tests of the dashboard: the real binary ($TUNETOP_BIN) runs in
 * tmux at fixed sizes, keys go in with `send-keys`, and what is on screen
 * comes back with `capture-pane -p`, the way tmux's own regress/ scripts
 * test tmux. Every tmux server is private (`-L tt-test-<pid>-<n>`, our own
 * config file, no status line, panes kept after their program exits so the
 * exit status and the last words stay readable) and is killed at the end
 * of its test, as is every runner a test started. Screens are polled with
 * a deadline, never read after a fixed sleep.
 *
 * When tmux is missing (it should not be: .ci/deps installs it) each test
 * prints a SKIPPED line and passes.
 */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "tunetop/store.h"
#include "tunetop/util.h"
#include "check_util.h"

/* ---- the study every read-only test looks at ---------------------------- */

/* The C sample sweep run headless once for the whole case (an unchecked
 * fixture runs in the runner process; the forked tests inherit these). */
static char *fixture_tmp, *fixture_study;
static bool have_tmux;

static void finished_study_setup(void)
{
    const char *probe[] = {"tmux", "-V", NULL};
    e2e_result v = e2e_run(probe, 10);
    have_tmux = v.status == 0 && strncmp(v.out, "tmux ", 5) == 0;
    e2e_result_free(&v);
    if (!have_tmux) {
        fprintf(stderr, "SKIPPED: dashboard end-to-end tests: tmux is not installed "
                        "(.ci/deps installs it)\n");
        return;
    }
    fixture_tmp = e2e_tmpdir();
    fixture_study = tt_xasprintf("%s/study", fixture_tmp);
    /* every tmux server of these tests has its socket in here */
    setenv("TMUX_TMPDIR", fixture_tmp, 1);
    const char *argv[] = {"tunetop", "run", "samples/sweeps/trainer.yaml", "--dir", fixture_study,
                          NULL};
    e2e_result r = e2e_run(argv, 120);
    ck_assert_msg(r.status == 0, "the sample sweep failed: %s", e2e_tail(r.err));
    e2e_result_free(&r);
}

static void cleanup_all(void);

static void finished_study_teardown(void)
{
    if (fixture_tmp) {
        cleanup_all();
        e2e_rmtree(fixture_tmp);
    }
    free(fixture_tmp);
    free(fixture_study);
    fixture_tmp = fixture_study = NULL;
}

#define NEED_TMUX()                                                                              \
    do {                                                                                         \
        if (!have_tmux) {                                                                        \
            fprintf(stderr, "SKIPPED: %s: tmux is not installed\n", __func__);                   \
            return;                                                                              \
        }                                                                                        \
    } while (0)

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- cleanup, also after a failed test ------------------------------------ */

/* A failed assertion ends the forked test process at once (_exit), so the
 * case's unchecked teardown, in the runner process, cleans up after every
 * test: tmux servers live in the fixture's folder ($TMUX_TMPDIR), and each
 * study a test starts a runner for is listed in a file there. */
static void tmux_kill_socket(const char *path)
{
    const char *argv[] = {"tmux", "-S", path, "kill-server", NULL};
    e2e_result r = e2e_run(argv, 10);
    e2e_result_free(&r);
}

static long runner_pid_of(const char *study);

static void stop_runner(const char *study)
{
    long pid = runner_pid_of(study);
    if (pid <= 0)
        return;
    const char *argv[] = {"tunetop", "stop", study, "--now", NULL};
    e2e_result r = e2e_run(argv, 10);
    e2e_result_free(&r);
    for (double end = mono() + 10; mono() < end && runner_pid_of(study) > 0;)
        e2e_sleep(0.05);
    if (runner_pid_of(study) > 0)
        kill((pid_t)pid, SIGKILL);
}

static void cleanup_study(const char *study)
{
    char *list = tt_xasprintf("%s/studies", fixture_tmp);
    FILE *f = fopen(list, "a");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s\n", study);
    fclose(f);
    free(list);
}

static void cleanup_all(void)
{
    char *sockdir = tt_xasprintf("%s/tmux-%ld", fixture_tmp, (long)getuid());
    DIR *d = opendir(sockdir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *path = tt_xasprintf("%s/%s", sockdir, e->d_name);
        tmux_kill_socket(path);
        free(path);
    }
    if (d)
        closedir(d);
    free(sockdir);
    char *list = tt_xasprintf("%s/studies", fixture_tmp);
    FILE *f = fopen(list, "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (e2e_exists(line))
            stop_runner(line);
    }
    if (f)
        fclose(f);
    free(list);
}

/* ---- driving tmux -------------------------------------------------------- */

typedef struct tmx {
    char sock[64];
    char *conf;       /* our tmux.conf */
    char *xdg;        /* an empty XDG_CONFIG_HOME: no user theme or config */
} tmx;

static char *shell_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = tt_xmalloc(n), *o = q;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* Run `tmux -L SOCK -f CONF ARGS...`; returns its result. */
static e2e_result tmx_cmd(const tmx *t, const char *const *args)
{
    const char *argv[32] = {"tmux", "-u", "-L", t->sock, "-f", t->conf};
    size_t n = 6;
    for (size_t i = 0; args[i]; i++) {
        ck_assert_uint_lt(n + 1, sizeof argv / sizeof *argv);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    return e2e_run(argv, 10);
}

static void tmx_ok(const tmx *t, const char *const *args)
{
    e2e_result r = tmx_cmd(t, args);
    ck_assert_msg(r.status == 0, "tmux %s failed (%d): %s", args[0], r.status, e2e_tail(r.err));
    e2e_result_free(&r);
}

/* The command line that runs tunetop in a pane: from the repository root,
 * with a known locale and TERM, no NO_COLOR, no user config; then the
 * shell says how it exited ("[exit N]") and keeps the pane open. (tmux
 * 3.3 sometimes leaves an exited pane program unreaped, so its own
 * #{pane_dead_status} cannot be relied on.) */
static char *tunetop_line(const tmx *t, const char *term, const char *lang, const char *args)
{
    char *root = shell_quote(e2e_root()), *bin = shell_quote(e2e_bin());
    char *xdg = shell_quote(t->xdg);
    char *line = tt_xasprintf("cd %s && env -u LC_ALL -u LC_CTYPE -u LC_MESSAGES -u NO_COLOR "
                              "-u VISUAL -u EDITOR TERM=%s LANG=%s XDG_CONFIG_HOME=%s %s %s; "
                              "echo \"[exit $?]\"; exec sleep 300",
                              root, term, lang, xdg, bin, args);
    free(root);
    free(bin);
    free(xdg);
    return line;
}

static int tmx_serial;

/* A private tmux server (not started yet: tmx_launch starts it). */
static void tmx_init(tmx *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->sock, sizeof t->sock, "tt-test-%ld-%d", (long)getpid(), ++tmx_serial);
    char *tmp = e2e_tmpdir();
    t->conf = tt_xasprintf("%s/tmux.conf", tmp);
    t->xdg = tt_xasprintf("%s/xdg", tmp);
    free(tmp);
    mkdir(t->xdg, 0700);
    e2e_write(t->conf, "set -g status off\n"
                       "set -g remain-on-exit on\n"
                       "set -g default-shell /bin/sh\n"
                       "set -g escape-time 0\n"
                       "set -g history-limit 100\n");
}

/* One session of w×h running `tunetop ARGS` with this TERM and LANG. */
static void tmx_launch(tmx *t, int w, int h, const char *term, const char *lang, const char *args)
{
    tmx_init(t);
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", w);
    snprintf(hs, sizeof hs, "%d", h);
    char *line = tunetop_line(t, term, lang, args);
    const char *argv[] = {"new-session", "-d", "-s", "tt", "-x", ws, "-y", hs, line, NULL};
    tmx_ok(t, argv);
    free(line);
}

/* Run `tunetop ARGS` again in the session's pane (after the last one exited). */
static void tmx_respawn(tmx *t, const char *term, const char *lang, const char *args)
{
    char *line = tunetop_line(t, term, lang, args);
    const char *argv[] = {"respawn-pane", "-k", "-t", "tt", line, NULL};
    tmx_ok(t, argv);
    free(line);
}

static void tmux_kill_server(const char *sock)
{
    const char *argv[] = {"tmux", "-L", sock, "kill-server", NULL};
    e2e_result r = e2e_run(argv, 10);
    e2e_result_free(&r);
}

static void tmx_stop(tmx *t)
{
    tmux_kill_server(t->sock);
    if (t->conf) {
        char *slash = strrchr(t->conf, '/');
        *slash = '\0';
        e2e_rmtree(t->conf);
    }
    free(t->conf);
    free(t->xdg);
    t->conf = t->xdg = NULL;
}

/* What the pane shows, one line per row (with escape sequences for
 * attributes and colours when esc). Caller frees. */
static char *tmx_screen(const tmx *t, bool esc)
{
    const char *plain[] = {"capture-pane", "-p", "-t", "tt", NULL};
    const char *with_esc[] = {"capture-pane", "-p", "-e", "-t", "tt", NULL};
    e2e_result r = tmx_cmd(t, esc ? with_esc : plain);
    ck_assert_msg(r.status == 0, "capture-pane failed: %s", e2e_tail(r.err));
    free(r.err);
    return r.out;
}

/* The pane's screen and the lines scrolled off it: what a program printed
 * on its way out (tmux's "Pane is dead" line scrolls the pane by one). */
static char *tmx_screen_all(const tmx *t)
{
    const char *args[] = {"capture-pane", "-p", "-J", "-S", "-100", "-t", "tt", NULL};
    e2e_result r = tmx_cmd(t, args);
    ck_assert_msg(r.status == 0, "capture-pane failed: %s", e2e_tail(r.err));
    free(r.err);
    return r.out;
}

static void tmx_keys(const tmx *t, const char *const *keys)
{
    const char *args[24] = {"send-keys", "-t", "tt"};
    size_t n = 3;
    for (size_t i = 0; keys[i]; i++) {
        ck_assert_uint_lt(n + 1, sizeof args / sizeof *args);
        args[n++] = keys[i];
    }
    args[n] = NULL;
    tmx_ok(t, args);
}

#define KEYS(t, ...) tmx_keys((t), (const char *const[]){__VA_ARGS__, NULL})

/* Literal text, typed. */
static void tmx_type(const tmx *t, const char *text)
{
    const char *args[] = {"send-keys", "-t", "tt", "-l", text, NULL};
    tmx_ok(t, args);
}

static char *tmx_format(const tmx *t, const char *fmt)
{
    const char *args[] = {"display-message", "-p", "-t", "tt", fmt, NULL};
    e2e_result r = tmx_cmd(t, args);
    ck_assert_msg(r.status == 0, "display-message failed: %s", e2e_tail(r.err));
    free(r.err);
    char *nl = strchr(r.out, '\n');
    if (nl)
        *nl = '\0';
    return r.out;
}

static void tmx_resize(const tmx *t, int w, int h)
{
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", w);
    snprintf(hs, sizeof hs, "%d", h);
    const char *args[] = {"resize-window", "-t", "tt", "-x", ws, "-y", hs, NULL};
    tmx_ok(t, args);
}

typedef bool (*screen_pred)(const char *screen, const void *arg);

static bool has_text(const char *screen, const void *arg)
{
    return strstr(screen, (const char *)arg) != NULL;
}

static bool lacks_text(const char *screen, const void *arg)
{
    return strstr(screen, (const char *)arg) == NULL;
}

/* Poll the screen until pred holds on a settled screen; returns it (caller
 * frees). tmux may be caught half-way through a frame, so a screen counts
 * only when a second capture a moment later is the same. On timeout the
 * test fails, with the last screen on stderr. */
static char *tmx_wait_for(const tmx *t, screen_pred pred, const void *arg, const char *what,
                          double timeout)
{
    double end = mono() + timeout;
    char *prev = NULL;
    for (;;) {
        char *s = tmx_screen(t, false);
        bool ok = pred(s, arg);
        if (ok && prev && strcmp(prev, s) == 0) {
            free(prev);
            return s;
        }
        free(prev);
        prev = ok ? s : NULL;
        if (mono() > end) {
            fprintf(stderr, "---- screen while waiting for %s ----\n%s\n----\n", what, s);
            free(s);
            ck_abort_msg("timed out after %.1f s waiting for %s (screen on stderr)", timeout,
                         what);
        }
        if (!ok)
            free(s);
        e2e_sleep(ok ? 0.04 : 0.03);
    }
}

static char *tmx_wait(const tmx *t, const char *text, double timeout)
{
    return tmx_wait_for(t, has_text, text, text, timeout);
}

/* The dashboard on the finished fixture study at w×h (xterm-256color,
 * UTF-8), once it shows every trial done. */
static tmx tmx_finished_study(int w, int h)
{
    tmx t;
    tmx_launch(&t, w, h, "xterm-256color", "C.UTF-8", fixture_study);
    free(tmx_wait(&t, "24/24 done", 10));
    return t;
}

/* What the program printed before it exited (see tmx_screen_all): tmux
 * may learn of the exit before it has read the last bytes, so poll. */
static char *tmx_last_words(const tmx *t, const char *text)
{
    double end = mono() + 5;
    for (;;) {
        char *s = tmx_screen_all(t);
        if (strstr(s, text))
            return s;
        if (mono() > end) {
            fprintf(stderr, "---- pane after exit ----\n%s\n----\n", s);
            free(s);
            ck_abort_msg("the program did not print %s (pane on stderr)", text);
        }
        free(s);
        e2e_sleep(0.03);
    }
}

/* Wait for the dashboard to exit; returns its exit status. */
static int tmx_wait_exit(const tmx *t, double timeout)
{
    double end = mono() + timeout;
    for (;;) {
        char *s = tmx_screen_all(t);
        const char *p = strstr(s, "[exit ");
        if (p) {
            int status = (int)strtol(p + 6, NULL, 10);
            free(s);
            return status;
        }
        if (mono() > end) {
            fprintf(stderr, "---- screen ----\n%s\n----\n", s);
            free(s);
            ck_abort_msg("the dashboard did not exit within %.0f s (screen on stderr)", timeout);
        }
        free(s);
        e2e_sleep(0.03);
    }
}

/* The dashboard's pid: the child of the pane's shell. */
static long tmx_dashboard_pid(const tmx *t)
{
    char *f = tmx_format(t, "#{pane_pid}");
    long sh = strtol(f, NULL, 10);
    free(f);
    ck_assert_int_gt(sh, 0);
    char *path = tt_xasprintf("/proc/%ld/task/%ld/children", sh, sh);
    char *kids = tt_read_file(path, NULL, NULL);
    free(path);
    ck_assert_msg(kids != NULL, "cannot read the pane shell's children");
    long pid = strtol(kids, NULL, 10);
    free(kids);
    return pid;
}

/* ---- reading a screen ------------------------------------------------------ */

/* ck_assert_msg that also shows the screen (on stderr: too big for Check). */
#define SCREEN_ASSERT(cond, screen, ...)                                                         \
    do {                                                                                         \
        if (!(cond))                                                                             \
            fprintf(stderr, "---- screen ----\n%s\n----\n", (screen));                          \
        ck_assert_msg((cond), __VA_ARGS__);                                                      \
    } while (0)

/* Row y of a screen (0-based), malloc'd, "" past the end. */
static char *screen_row(const char *screen, int y)
{
    const char *p = screen;
    for (int i = 0; i < y && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return tt_xstrdup("");
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *r = tt_xmalloc(n + 1);
    memcpy(r, p, n);
    r[n] = '\0';
    return r;
}

static int screen_rows(const char *screen)
{
    int n = 0;
    for (const char *p = screen; *p; p++)
        n += *p == '\n';
    return n;
}

/* Display columns of a UTF-8 row (every character here is one column). */
static int utf8_cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A whole 80×24 frame of the narrow layout: header on top, status line at
 * the bottom, no wide-only header counts. */
static bool narrow_frame(const char *screen, const void *arg)
{
    (void)arg;
    char *top = screen_row(screen, 0), *second = screen_row(screen, 1);
    char *bottom = screen_row(screen, 23);
    bool ok = screen_rows(screen) == 24 && strstr(top, " trainer-demo ") &&
              strstr(second, "24/24 done") && !strstr(second, "queued 0") &&
              strstr(bottom, "q detach");
    free(top);
    free(second);
    free(bottom);
    return ok;
}

/* The trial numbers listed in the trial list panel, top to bottom. */
static size_t trial_list_numbers(const char *screen, long *out, size_t max)
{
    int rows = screen_rows(screen), title = -1;
    for (int y = 0; y < rows && title < 0; y++) {
        char *r = screen_row(screen, y);
        if (strstr(r, " Trials ") && !strstr(r, "Best"))
            title = y;
        free(r);
    }
    ck_assert_msg(title >= 0, "no trial list on screen");
    size_t n = 0;
    /* title, column header, rows…, status line */
    for (int y = title + 2; y < rows - 1 && n < max; y++) {
        char *r = screen_row(screen, y);
        char *end = NULL;
        long v = strtol(r, &end, 10);
        if (end != r && v > 0 && isspace((unsigned char)*end))
            out[n++] = v;
        free(r);
    }
    return n;
}

/* "D/T done" in the header: D, or -1. */
static long done_count(const char *screen)
{
    const char *p = strstr(screen, " done");
    if (!p)
        return -1;
    while (p > screen && isdigit((unsigned char)p[-1]))
        p--;
    while (p > screen && p[-1] == '/')
        p--;
    while (p > screen && isdigit((unsigned char)p[-1]))
        p--;
    return strtol(p, NULL, 10);
}

static bool has_braille(const char *s)
{
    /* U+2801..U+28FF: E2 A0 81 .. E2 A3 BF */
    for (const unsigned char *p = (const unsigned char *)s; p[0] && p[1] && p[2]; p++)
        if (p[0] == 0xE2 && p[1] >= 0xA0 && p[1] <= 0xA3 && !(p[1] == 0xA0 && p[2] == 0x80))
            return true;
    return false;
}

static bool all_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Whether an SGR sequence in s sets a colour (30–38, 40–48, 90–97,
 * 100–107; not 39/49, the terminal's default colours). */
static bool has_colour_sgr(const char *s)
{
    for (const char *p = strstr(s, "\033["); p; p = strstr(p + 1, "\033[")) {
        const char *q = p + 2;
        while (*q) {
            char *end = NULL;
            long v = strtol(q, &end, 10);
            if (end == q)
                break;
            if ((v >= 30 && v <= 48 && v != 39) || (v >= 90 && v <= 107))
                return true;
            if (*end != ';')
                break;
            q = end + 1;
        }
    }
    return false;
}

/* ---- the study from outside: status, export ------------------------------- */

static char *status_json(const char *study)
{
    const char *argv[] = {"tunetop", "status", study, "--json", NULL};
    e2e_result r = e2e_run(argv, 20);
    ck_assert_msg(r.status == 0, "status failed: %s", e2e_tail(r.err));
    free(r.err);
    return r.out;
}

/* The runner's pid from `status --json` (0 when none; -1 when status
 * fails). Asserts nothing: cleanup calls it too. */
static long runner_pid_of(const char *study)
{
    const char *argv[] = {"tunetop", "status", study, "--json", NULL};
    e2e_result r = e2e_run(argv, 20);
    const char *p = r.status == 0 ? strstr(r.out, "\"runner_pid\": ") : NULL;
    long pid = r.status != 0 ? -1 : p ? strtol(p + 14, NULL, 10) : 0;
    e2e_result_free(&r);
    return pid;
}

typedef struct export_row {
    long trial;
    double value;
    double lr;
    char optimizer[16];
} export_row;

/* The trials of `tunetop export` (the sample sweep's columns). */
static size_t export_rows(const char *study, export_row *rows, size_t max)
{
    const char *argv[] = {"tunetop", "export", study, NULL};
    e2e_result r = e2e_run(argv, 20);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strncmp(r.out, "trial,state,value,lr,batch_size,hidden,weight_decay,optimizer,",
                          62) == 0,
                  "%s", e2e_tail(r.out));
    size_t n = 0;
    char *save = NULL;
    char *line = strtok_r(r.out, "\n", &save); /* header */
    while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
        char *f[8];
        char *p = line;
        for (int i = 0; i < 8; i++) {
            f[i] = p;
            p = strchr(p, ',');
            ck_assert_ptr_nonnull(p);
            *p++ = '\0';
        }
        rows[n].trial = strtol(f[0], NULL, 10);
        rows[n].value = strtod(f[2], NULL);
        rows[n].lr = strtod(f[3], NULL);
        snprintf(rows[n].optimizer, sizeof rows[n].optimizer, "%s", f[7]);
        n++;
    }
    e2e_result_free(&r);
    return n;
}

static const export_row *sort_rows;
static int sort_key;   /* 0 = value, 1 = lr */

static int by_key(const void *pa, const void *pb)
{
    const export_row *a = &sort_rows[*(const size_t *)pa], *b = &sort_rows[*(const size_t *)pb];
    double x = sort_key ? a->lr : a->value, y = sort_key ? b->lr : b->value;
    if (x != y)
        return x < y ? -1 : 1;
    return a->trial < b->trial ? -1 : a->trial > b->trial;
}

/* Trial numbers of rows with optimizer opt, sorted by key (ascending). */
static size_t expected_order(const export_row *rows, size_t n, const char *opt, int key,
                             long *out)
{
    size_t idx[64], m = 0;
    for (size_t i = 0; i < n && m < 64; i++)
        if (strcmp(rows[i].optimizer, opt) == 0)
            idx[m++] = i;
    sort_rows = rows;
    sort_key = key;
    qsort(idx, m, sizeof *idx, by_key);
    for (size_t i = 0; i < m; i++)
        out[i] = rows[idx[i]].trial;
    return m;
}

static void assert_order(const char *screen, const long *want, size_t n, bool reversed,
                         const char *what)
{
    long got[64];
    size_t m = trial_list_numbers(screen, got, 64);
    if (m != n)
        fprintf(stderr, "---- %s ----\n%s\n----\n", what, screen);
    ck_assert_msg(m == n, "%s: %zu rows on screen, want %zu", what, m, n);
    for (size_t i = 0; i < n; i++) {
        long w = want[reversed ? n - 1 - i : i];
        if (got[i] != w)
            fprintf(stderr, "---- %s ----\n%s\n----\n", what, screen);
        ck_assert_msg(got[i] == w, "%s: row %zu is trial %ld, want %ld", what, i, got[i], w);
    }
}

/* ---- the tests -------------------------------------------------------------- */

/* A finished study at 80×24 (history and importance share a place), at
 * 200×60 (every panel side by side, wide header), and back: each resize
 * re-lays the screen out at once. */
START_TEST(test_finished_study_panels_and_resize)
{
    NEED_TMUX();
    tmx t;
    tmx_launch(&t, 80, 24, "xterm-256color", "C.UTF-8", fixture_study);

    char *s = tmx_wait(&t, "24/24 done", 10);
    ck_assert_int_eq(screen_rows(s), 24);
    char *row0 = screen_row(s, 0), *row1 = screen_row(s, 1), *last = screen_row(s, 23);
    /* at 80 columns why the sweep ended takes the space version's place */
    ck_assert_msg(strstr(row0, "trainer-demo") && strstr(row0, "random") &&
                      strstr(row0, "finished: run_cap reached (24 trials)") &&
                      strstr(row0, "elapsed"),
                  "header: %s", row0);
    ck_assert_msg(strstr(row1, "24/24 done") && strstr(row1, "best #"), "progress: %s", row1);
    ck_assert_msg(strstr(last, "q detach") && strstr(last, "? help"), "status line: %s", last);
    ck_assert_ptr_nonnull(strstr(s, " Curves "));
    ck_assert_ptr_nonnull(strstr(s, "val_loss"));
    ck_assert_msg(has_braille(s), "no braille curves at 80x24");
    ck_assert_ptr_nonnull(strstr(s, " Importance "));
    ck_assert_ptr_null(strstr(s, " History ")); /* shares importance's place below 120 cols */
    ck_assert_ptr_nonnull(strstr(s, " Best trials "));
    ck_assert_ptr_nonnull(strstr(s, " Trials "));
    ck_assert_ptr_nonnull(strstr(s, "24 trials"));
    for (int y = 0; y < 24; y++) {
        char *r = screen_row(s, y);
        ck_assert_msg(utf8_cols(r) <= 80, "row %d is wider than 80 columns: %s", y, r);
        free(r);
    }
    /* the best table starts with the best trial, as `tunetop export` says */
    export_row rows[32];
    size_t n = export_rows(fixture_study, rows, 32);
    ck_assert_uint_eq(n, 24);
    long best_trial = rows[0].trial;
    for (size_t i = 1; i < n; i++)
        if (rows[i].value < rows[best_trial - 1].value)
            best_trial = rows[i].trial;
    char want_best[32];
    snprintf(want_best, sizeof want_best, "best #%ld ", best_trial);
    ck_assert_msg(strstr(row1, want_best), "header says %s; export says trial %ld is best", row1,
                  best_trial);
    free(row0);
    free(row1);
    free(last);
    free(s);

    /* Tab twice: curves, then history, which takes importance's place */
    KEYS(&t, "Tab", "Tab");
    s = tmx_wait(&t, " History ", 5);
    ck_assert_ptr_null(strstr(s, " Importance "));
    free(s);

    /* 200×60: everything side by side; the header has room for every count */
    double t0 = mono();
    tmx_resize(&t, 200, 60);
    s = tmx_wait(&t, "queued 0  pruned 0  failed 0", 5);
    double relayout = mono() - t0;
    ck_assert_int_eq(screen_rows(s), 60);
    char *wide_head = screen_row(s, 0);
    ck_assert_msg(strstr(wide_head, "finished: run_cap reached (24 trials) │ space v1 │ parallel"),
                  "header at 200 columns: %s", wide_head);
    free(wide_head);
    ck_assert_ptr_nonnull(strstr(s, " History "));
    ck_assert_ptr_nonnull(strstr(s, " Importance "));
    /* the runner's stored importance, or the rank correlation, with its
     * trial count */
    SCREEN_ASSERT(strstr(s, "fanova (24 trials)") || strstr(s, "rank correlation (24 trials)"), s,
                  "the importance panel does not say what it shows");
    ck_assert_ptr_nonnull(strstr(s, " Best trials "));
    ck_assert_ptr_nonnull(strstr(s, "momentum")); /* every parameter column fits */
    ck_assert_msg(has_braille(s), "no braille curves at 200x60");
    char *bottom = screen_row(s, 59);
    ck_assert_msg(strstr(bottom, "q detach"), "status line not at the bottom: %s", bottom);
    free(bottom);
    long nums[64];
    size_t shown = trial_list_numbers(s, nums, 64);
    ck_assert_msg(shown >= 15, "only %zu trials listed at 200x60", shown);
    for (size_t i = 0; i < shown; i++)
        ck_assert_int_eq(nums[i], (long)i + 1);
    free(s);
    /* a SIGWINCH is handled at once, not at the next refresh (2 Hz) */
    ck_assert_msg(relayout < 2.0, "re-layout took %.2f s", relayout);

    /* and back to 80×24 */
    tmx_resize(&t, 80, 24);
    s = tmx_wait_for(&t, narrow_frame, NULL, "the 80x24 layout", 5);
    ck_assert_int_eq(screen_rows(s), 24);
    /* still the focused one of the pair */
    SCREEN_ASSERT(strstr(s, " History ") && !strstr(s, " Importance "), s,
                  "at 80x24 again, the focused history panel is not the one shown");
    for (int y = 0; y < 24; y++) {
        char *r = screen_row(s, y);
        ck_assert_msg(utf8_cols(r) <= 80, "row %d is wider than 80 columns: %s", y, r);
        free(r);
    }
    char *status = screen_row(s, 23);
    ck_assert_msg(strstr(status, "q detach"), "status line: %s", status);
    free(status);
    free(s);

    /* q: the study is finished, the dashboard says how to look again */
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    s = tmx_last_words(&t, "look again with: tunetop ");
    ck_assert_ptr_nonnull(strstr(s, fixture_study));
    free(s);
    tmx_stop(&t);
}
END_TEST

/* Filter (`/optimizer=sgd`) and sort (`s`, `S`), checked against `tunetop
 * export`. */
START_TEST(test_sort_and_filter)
{
    NEED_TMUX();
    export_row rows[32];
    size_t n = export_rows(fixture_study, rows, 32);
    ck_assert_uint_eq(n, 24);
    long by_number[32], by_value[32], by_lr[32];
    size_t n_sgd = expected_order(rows, n, "sgd", 0, by_value);
    expected_order(rows, n, "sgd", 1, by_lr);
    ck_assert_msg(n_sgd >= 3 && n_sgd < n, "%zu sgd trials", n_sgd);
    for (size_t i = 0, k = 0; i < n; i++)
        if (strcmp(rows[i].optimizer, "sgd") == 0)
            by_number[k++] = rows[i].trial;

    tmx t = tmx_finished_study(200, 60);

    KEYS(&t, "/");
    free(tmx_wait(&t, "\nfilter:", 5));
    tmx_type(&t, "optimizer=sgd");
    free(tmx_wait(&t, "filter: optimizer=sgd", 5));
    KEYS(&t, "Enter");
    char want[64];
    snprintf(want, sizeof want, "%zu of 24", n_sgd);
    char *s = tmx_wait(&t, want, 5);
    assert_order(s, by_number, n_sgd, false, "filtered by optimizer=sgd");
    /* no adam row is left */
    for (int y = 0; y < screen_rows(s); y++) {
        char *r = screen_row(s, y);
        if (strstr(r, " done "))
            ck_assert_msg(!strstr(r, "adam") || y < 40, "an adam row survived: %s", r);
        free(r);
    }
    free(s);

    /* s: # → state → value (val_loss), ascending for a loss */
    KEYS(&t, "s", "s");
    s = tmx_wait(&t, "sorted by val_loss", 5);
    assert_order(s, by_value, n_sgd, false, "sorted by val_loss");
    free(s);
    KEYS(&t, "S");
    s = tmx_wait(&t, "sorted by val_loss, descending", 5);
    assert_order(s, by_value, n_sgd, true, "sorted by val_loss, descending");
    free(s);
    /* value → step → time → lr (S keeps the direction: back to ascending) */
    KEYS(&t, "S", "s", "s", "s");
    s = tmx_wait(&t, "sorted by lr", 5);
    assert_order(s, by_lr, n_sgd, false, "sorted by lr");
    free(s);

    /* Esc clears the filter: all 24 again */
    KEYS(&t, "Escape");
    s = tmx_wait(&t, "filter cleared", 5);
    SCREEN_ASSERT(strstr(s, "24 trials") && !strstr(s, "optimizer=sgd"), s,
                  "Esc did not clear the filter");
    free(s);

    /* a filter nothing matches, then an empty one clears it */
    KEYS(&t, "/");
    free(tmx_wait(&t, "\nfilter:", 5));
    KEYS(&t, "C-u");
    tmx_type(&t, "state=failed");
    KEYS(&t, "Enter");
    free(tmx_wait(&t, "0 of 24", 5));
    KEYS(&t, "/", "C-u", "Enter");
    free(tmx_wait_for(&t, lacks_text, "0 of 24", "the filter cleared", 5));
    tmx_stop(&t);
}
END_TEST

/* Enter opens the detail (parameters, metric table, log tail), ? the help,
 * t the next theme. */
START_TEST(test_detail_help_theme)
{
    NEED_TMUX();
    tmx t = tmx_finished_study(100, 30);

    /* the selected row is trial 1 */
    KEYS(&t, "Enter");
    char *s = tmx_wait(&t, "Trial 1 ", 5);
    s = (free(s), tmx_wait(&t, "epoch=20 ", 5));
    ck_assert_ptr_nonnull(strstr(s, "completed"));
    ck_assert_ptr_nonnull(strstr(s, "Parameters"));
    ck_assert_ptr_nonnull(strstr(s, "Metric"));
    ck_assert_ptr_nonnull(strstr(s, "exit code 0"));
    ck_assert_ptr_nonnull(strstr(s, "stdout.log"));
    static const char *const params[] = {"lr", "batch_size", "hidden", "weight_decay",
                                         "optimizer"};
    for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
        char key[32];
        snprintf(key, sizeof key, "  %s ", params[i]);
        ck_assert_msg(strstr(s, key), "parameter %s not in the detail", params[i]);
    }
    /* the metric table has the objective and the trainer's other metrics */
    ck_assert_ptr_nonnull(strstr(s, "val_loss"));
    ck_assert_ptr_nonnull(strstr(s, "val_acc"));
    free(s);
    /* → next trial */
    KEYS(&t, "l");
    free(tmx_wait(&t, "Trial 2 ", 5));
    KEYS(&t, "Escape");
    s = tmx_wait(&t, " Best trials ", 5);
    ck_assert_ptr_null(strstr(s, "Trial 2 "));
    free(s);

    /* help lists the keys */
    KEYS(&t, "?");
    s = tmx_wait(&t, "Help", 5);
    static const char *const keys[] = {"detach", "stop the sweep", "filter", "theme",
                                       "Ctrl-L", "Tab", "Enter", "pause"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        ck_assert_msg(strstr(s, keys[i]), "help does not mention %s", keys[i]);
    free(s);
    KEYS(&t, "Escape");
    free(tmx_wait(&t, " Best trials ", 5));

    /* t: the next theme after dark (themes sorted by name) */
    char *before = tmx_screen(&t, true);
    char *head_before = screen_row(before, 0);
    KEYS(&t, "t");
    s = tmx_wait(&t, "theme: high-contrast", 5);
    free(s);
    char *after = tmx_screen(&t, true);
    char *head_after = screen_row(after, 0);
    ck_assert_msg(strcmp(head_before, head_after) != 0,
                  "the header looks the same in both themes: %s", head_after);
    ck_assert_msg(has_colour_sgr(head_after), "no colours in the header");
    free(head_before);
    free(head_after);
    free(before);
    free(after);
    KEYS(&t, "t");
    free(tmx_wait(&t, "theme: light", 5));
    KEYS(&t, "t");
    free(tmx_wait(&t, "theme: monochrome", 5));
    /* monochrome: no colour anywhere */
    e2e_sleep(0.1);
    s = tmx_screen(&t, true);
    ck_assert_msg(!has_colour_sgr(s), "colours in the monochrome theme");
    free(s);
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    tmx_stop(&t);
}
END_TEST

/* A sweep that lasts a few seconds: each trial is 10 epochs of 50 ms. */
static char *live_sweep(const char *dir, const char *name, int run_cap)
{
    char *path = tt_xasprintf("%s/%s.yaml", dir, name);
    char *yaml = tt_xasprintf("name: %s\n"
                              "program: samples/bin/trainer\n"
                              "command: [\"${program}\", \"${args}\", --epoch_time, \"0.05\", "
                              "--epochs, \"10\"]\n"
                              "method: random\n"
                              "seed: 3\n"
                              "metric:\n"
                              "  name: val_loss\n"
                              "  goal: minimize\n"
                              "parameters:\n"
                              "  lr:\n"
                              "    distribution: log_uniform_values\n"
                              "    min: 1e-3\n"
                              "    max: 0.5\n"   /* line 13 */
                              "  optimizer:\n"
                              "    values: [sgd, adam]\n"
                              "run_cap: %d\n"
                              "parallel: 2\n",
                              name, run_cap);
    e2e_write(path, yaml);
    free(yaml);
    return path;
}

static char *wait_status(const char *study, const char *text, double timeout)
{
    double end = mono() + timeout;
    for (;;) {
        char *js = status_json(study);
        if (strstr(js, text))
            return js;
        if (mono() > end) {
            fprintf(stderr, "status: %s\n", js);
            free(js);
            ck_abort_msg("status --json never said %s", text);
        }
        free(js);
        e2e_sleep(0.1);
    }
}

/* A live sweep: the numbers move; the editor shows an error at its line and
 * column, saves a fixed file and the runner takes it as space v2; q detaches
 * and the sweep goes on; `tunetop DIR` re-attaches. */
START_TEST(test_live_sweep_editor_detach)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = live_sweep(tmp, "live-test", 150);
    cleanup_study(study);

    tmx t;
    char *args = tt_xasprintf("%s --dir %s", sweep, study);
    tmx_launch(&t, 100, 30, "xterm-256color", "C.UTF-8", args);
    free(args);

    /* live: the done count goes up between two captures */
    char *s = tmx_wait(&t, "/150 done", 10);
    free(s);
    s = tmx_wait(&t, "running", 10);
    long d1 = done_count(s);
    char *head = screen_row(s, 0);
    ck_assert_msg(strstr(head, "live-test") && strstr(head, "running"), "header: %s", head);
    free(head);
    free(s);
    double end = mono() + 10;
    long d2 = d1;
    while (d2 <= d1 && mono() < end) {
        e2e_sleep(0.1);
        s = tmx_screen(&t, false);
        d2 = done_count(s);
        free(s);
    }
    ck_assert_msg(d2 > d1, "the done count stayed at %ld", d1);
    ck_assert_msg(runner_pid_of(study) > 0, "no runner");

    /* the editor: "0.5" → "0.5x" on line 13 is an error at 13:10 */
    KEYS(&t, "e");
    free(tmx_wait(&t, "Edit ", 5));
    free(tmx_wait(&t, "space v1 in the runner", 5));
    for (int i = 0; i < 12; i++)
        KEYS(&t, "Down");
    KEYS(&t, "End");
    tmx_type(&t, "x");
    s = tmx_wait(&t, "live-test.yaml:13:10: error", 5);
    ck_assert_msg(strstr(s, "0.5x"), "the typed text is not shown");
    free(s);
    /* fix it (0.4) and save */
    KEYS(&t, "BSpace", "BSpace");
    tmx_type(&t, "4");
    s = tmx_wait(&t, "live-test.yaml: valid", 5);
    ck_assert_ptr_nonnull(strstr(s, "max: 0.4"));
    free(s);
    KEYS(&t, "C-s");
    free(tmx_wait(&t, "space v2", 10));
    /* the editor's own line follows the runner too, without a key press */
    free(tmx_wait(&t, "space v2 in the runner", 5));
    char *js = wait_status(study, "\"space_version\": 2", 10);
    free(js);
    char *text = tt_read_file(sweep, NULL, NULL);
    ck_assert_msg(text && strstr(text, "    max: 0.4\n"), "saved file: %s", text);
    free(text);
    char *backup = tt_xasprintf("%s~", sweep);
    ck_assert_msg(e2e_exists(backup), "no backup %s", backup);
    free(backup);
    KEYS(&t, "Escape");
    free(tmx_wait(&t, " Best trials ", 5));

    /* q: detach; the runner goes on */
    long pid = runner_pid_of(study);
    ck_assert_int_gt(pid, 0);
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    s = tmx_last_words(&t, "re-attach with: tunetop ");
    char want[128];
    snprintf(want, sizeof want, "runner pid %ld", pid);
    ck_assert_msg(strstr(s, want), "detach message lacks %s", want);
    ck_assert_ptr_nonnull(strstr(s, study));
    free(s);
    long done_then = -1;
    js = status_json(study);
    const char *c = strstr(js, "\"completed\": ");
    done_then = c ? strtol(c + 13, NULL, 10) : -1;
    ck_assert_msg(strstr(js, "\"state\": \"running\""), "%s", js);
    free(js);
    ck_assert_int_eq(runner_pid_of(study), pid);

    /* re-attach with tunetop DIR */
    tmx_respawn(&t, "xterm-256color", "C.UTF-8", study);
    s = tmx_wait(&t, "live-test", 10);
    free(s);
    s = tmx_wait(&t, "space v2", 5);
    long d3 = done_count(s);
    ck_assert_msg(d3 >= done_then, "re-attached: %ld done, status said %ld", d3, done_then);
    free(s);
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);

    tmx_stop(&t);
    stop_runner(study);
    ck_assert_int_eq(runner_pid_of(study), 0);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

static bool process_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Losing the terminal ends the dashboard quietly; the runner never notices
 * (neither SIGHUP to the dashboard nor tmux closing the pane). */
START_TEST(test_sighup_leaves_runner)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = live_sweep(tmp, "hup-test", 120);
    cleanup_study(study);

    tmx t;
    char *args = tt_xasprintf("%s --dir %s", sweep, study);
    tmx_launch(&t, 80, 24, "screen-256color", "C.UTF-8", args);
    free(args);
    free(tmx_wait(&t, "running", 10));
    long runner = runner_pid_of(study);
    ck_assert_int_gt(runner, 0);
    long dash = tmx_dashboard_pid(&t);
    ck_assert_int_gt(dash, 0);
    ck_assert_int_ne(dash, runner);

    ck_assert_int_eq(kill((pid_t)dash, SIGHUP), 0);
    int st = tmx_wait_exit(&t, 5);
    ck_assert_msg(st == 0, "the dashboard ended with status %d on SIGHUP", st);
    ck_assert_msg(process_alive(runner), "the runner died with the dashboard");
    ck_assert_int_eq(runner_pid_of(study), runner);
    /* quietly: nothing about detaching was printed to a terminal that is gone */
    char *s = tmx_screen_all(&t);
    ck_assert_msg(!strstr(s, "re-attach"), "SIGHUP printed the detach message");
    free(s);
    /* and the sweep goes on */
    char *js = status_json(study);
    const char *c = strstr(js, "\"completed\": ");
    long before = c ? strtol(c + 13, NULL, 10) : -1;
    free(js);
    double end = mono() + 10;
    long now_done = before;
    while (now_done <= before && mono() < end) {
        e2e_sleep(0.1);
        js = status_json(study);
        c = strstr(js, "\"completed\": ");
        now_done = c ? strtol(c + 13, NULL, 10) : -1;
        free(js);
    }
    ck_assert_msg(now_done > before, "no trial completed after the hangup");

    /* re-attach, then tmux itself goes away (the pane's terminal closes) */
    tmx_respawn(&t, "xterm-256color", "C.UTF-8", study);
    free(tmx_wait(&t, "hup-test", 10));
    long dash2 = tmx_dashboard_pid(&t);
    tmux_kill_server(t.sock);
    for (end = mono() + 5; process_alive(dash2) && mono() < end;)
        e2e_sleep(0.03);
    ck_assert_msg(!process_alive(dash2), "the dashboard outlived its terminal");
    ck_assert_msg(process_alive(runner), "the runner died with the terminal");

    tmx_stop(&t);
    stop_runner(study);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* TERM variations: the dashboard starts and shows its header with each; a
 * vt100 in the C locale gets plain ASCII and no colour. */
START_TEST(test_terms)
{
    NEED_TMUX();
    static const struct {
        const char *term, *lang;
        bool ascii, colour;
    } cases[] = {
        {"xterm-256color", "C.UTF-8", false, true},
        {"screen-256color", "C.UTF-8", false, true},
        {"vt100", "C", true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tmx t;
        tmx_launch(&t, 80, 24, cases[i].term, cases[i].lang, fixture_study);
        char *s = tmx_wait(&t, "24/24 done", 10);
        char *head = screen_row(s, 0);
        if (cases[i].ascii) {
            ck_assert_msg(strstr(head, " trainer-demo | random | finished: run_cap reached "
                                       "(24 trials) | elapsed"),
                          "%s: header %s", cases[i].term, head);
            ck_assert_msg(all_ascii(s), "%s/%s: non-ASCII on screen", cases[i].term,
                          cases[i].lang);
            ck_assert_ptr_nonnull(strstr(s, " Curves "));
            ck_assert_ptr_nonnull(strstr(s, " Trials "));
            /* the titles' "·" separators have an ASCII stand-in, not "?" */
            ck_assert_msg(strstr(s, "24 trials - sort: "), "%s: trial list title", s);
        } else {
            ck_assert_msg(strstr(head, "trainer-demo │ random │"), "%s: header %s",
                          cases[i].term, head);
            ck_assert_msg(has_braille(s), "%s: no braille", cases[i].term);
        }
        free(head);
        free(s);
        e2e_sleep(0.05);
        s = tmx_screen(&t, true);
        ck_assert_msg(has_colour_sgr(s) == cases[i].colour, "%s: colours %s", cases[i].term,
                      cases[i].colour ? "missing" : "on a vt100");
        free(s);
        /* keys work with this TERM: the help, then detach */
        KEYS(&t, "?");
        free(tmx_wait(&t, "Help", 5));
        KEYS(&t, "Escape");
        free(tmx_wait_for(&t, lacks_text, "Help", "the help closed", 5));
        KEYS(&t, "q");
        ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
        free(tmx_last_words(&t, "look again with"));
        tmx_stop(&t);
    }
}
END_TEST

/* A terminal that cannot run it (TERM=dumb, too small, not a terminal):
 * a clear message and status 1. */
START_TEST(test_unusable_terminals)
{
    NEED_TMUX();
    static const struct {
        const char *term;
        int w, h;
        const char *says;
    } cases[] = {
        {"dumb", 80, 24, "cannot run on this terminal (TERM=dumb)"},
        {"xterm-256color", 50, 15, "needs at least 60"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tmx t;
        tmx_launch(&t, cases[i].w, cases[i].h, cases[i].term, "C.UTF-8", fixture_study);
        ck_assert_int_eq(tmx_wait_exit(&t, 5), 1);
        free(tmx_last_words(&t, cases[i].says));
        tmx_stop(&t);
    }
    /* not a terminal at all */
    const char *argv[] = {"tunetop", fixture_study, NULL};
    e2e_result r = e2e_run(argv, 10);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "needs a terminal"), "stderr: %s", e2e_tail(r.err));
    ck_assert_str_eq(r.out, "");
    e2e_result_free(&r);
}
END_TEST

/* At 80×24 the importance panel is 32 columns wide: its label goes short
 * ("fANOVA n=24" / "rank corr n=24") rather than away, so the bars always
 * say what they are and from how many trials; the same for the history
 * panel's metric. (Was a known bug: ui_draw_title dropped the label.) */
START_TEST(test_importance_label_at_80x24)
{
    NEED_TMUX();
    tmx t;
    tmx_launch(&t, 80, 24, "xterm-256color", "C.UTF-8", fixture_study);
    char *s = tmx_wait_for(&t, narrow_frame, NULL, "the 80x24 layout", 10);
    SCREEN_ASSERT(strstr(s, " Importance ") && (strstr(s, "(24 trials)") || strstr(s, "(24)") ||
                                                strstr(s, "n=24")),
                  s, "the importance panel at 80x24 does not say what it shows nor from how "
                     "many trials");
    SCREEN_ASSERT(strstr(s, "fANOVA n=24") || strstr(s, "rank corr n=24"), s,
                  "the importance panel at 80x24 does not name its method");
    free(s);
    /* Tab twice (curves, then history, which takes the place): the
     * history panel's metric stays named beside its focused title */
    KEYS(&t, "Tab", "Tab");
    s = tmx_wait(&t, " History ", 5);
    char *row = screen_row(s, 2);
    SCREEN_ASSERT(strstr(row, "val_loss"), s, "the history panel at 80x24 does not name its metric");
    free(row);
    free(s);
    /* Tab: importance, focused: the title may go short, the label stays */
    KEYS(&t, "Tab");
    s = tmx_wait(&t, "▶ Imp", 5);
    SCREEN_ASSERT(strstr(s, "fANOVA n=24") || strstr(s, "rank corr n=24"), s,
                  "the focused importance panel at 80x24 lost its label");
    free(s);
    tmx_stop(&t);
}
END_TEST

/* The help at 80×24: descriptions wrap instead of being cut at the edge
 * ("…goes on (tunetop DI"), and the overlay scrolls to the last key. */
START_TEST(test_help_at_80x24)
{
    NEED_TMUX();
    tmx t = tmx_finished_study(80, 24);
    KEYS(&t, "?");
    char *s = tmx_wait(&t, "Help", 5);
    SCREEN_ASSERT(strstr(s, "re-attaches)") && strstr(s, "kill them now)"), s,
                  "the help cuts its lines at 80 columns");
    SCREEN_ASSERT(strstr(s, " of ") && strstr(s, "scroll"), s,
                  "the help does not say that it scrolls");
    for (int y = 0; y < 24; y++) {
        char *r = screen_row(s, y);
        ck_assert_msg(utf8_cols(r) <= 80, "row %d is wider than 80 columns: %s", y, r);
        free(r);
    }
    free(s);
    /* End: the last lines, the first ones gone; Home: back */
    KEYS(&t, "End");
    s = tmx_wait(&t, "compare view (v)", 5);
    SCREEN_ASSERT(!strstr(s, "re-attaches)") && strstr(s, "show the selected study"), s,
                  "End does not scroll the help to its end (the last view's keys)");
    free(s);
    KEYS(&t, "Home");
    free(tmx_wait(&t, "re-attaches)", 5));
    /* PgDn pages through every group */
    static const char *const groups[] = {"Filter examples", "Curves and history", "Trial detail"};
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++) {
        bool seen = false;
        for (int k = 0; k < 5 && !seen; k++) {
            e2e_sleep(0.1);
            s = tmx_screen(&t, false);
            seen = strstr(s, groups[i]) != NULL;
            free(s);
            if (!seen)
                KEYS(&t, "NPage");
        }
        ck_assert_msg(seen, "PgDn never shows the help's \"%s\"", groups[i]);
    }
    KEYS(&t, "Escape");
    free(tmx_wait_for(&t, lacks_text, "Help", "the help closed", 5));
    tmx_stop(&t);
}
END_TEST

/* Write a stored fANOVA result (and interactions) into a study, as the
 * runner's importance job does. */
static void store_fanova(const char *study, const double *lo, const double *hi)
{
    char *db = tt_xasprintf("%s/study.db", study);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_WRITE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    char *names[] = {"lr", "optimizer", "hidden", "batch_size", "weight_decay"};
    double v[] = {0.45, 0.35, 0.1, 0.06, 0.04};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 24, 5, names, v, lo, hi, &err), 0);
    char *pairs[] = {"lr × optimizer", "lr × hidden"};
    double pv[] = {0.08, 0.02}, pl[] = {0.05, 0.0}, ph[] = {0.12, 0.04};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova-pairs", 24, 2, pairs, pv, pl, ph, &err),
                     0);
    tt_store_close(st);
    free(db);
}

/* The runner's stored fANOVA comes before the rank correlation: its label,
 * "ranking not yet stable" while the top intervals overlap, and the
 * interactions when the panel has the rows for them. */
START_TEST(test_stored_importance)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    const char *cp[] = {"cp", "-a", fixture_study, study, NULL};
    e2e_result r = e2e_run(cp, 30);
    ck_assert_int_eq(r.status, 0);
    e2e_result_free(&r);
    /* lr [0.30, 0.60] and optimizer [0.25, 0.50] overlap */
    double lo[] = {0.30, 0.25, 0.05, 0.0, 0.0}, hi[] = {0.60, 0.50, 0.15, 0.1, 0.08};
    store_fanova(study, lo, hi);

    tmx t;
    tmx_launch(&t, 200, 60, "xterm-256color", "C.UTF-8", study);
    char *s = tmx_wait(&t, "fanova (24 trials)", 10);
    SCREEN_ASSERT(strstr(s, "ranking not yet stable") && strstr(s, "interactions") &&
                      strstr(s, "lr × optimizer") && strstr(s, "lr × hidden"),
                  s, "at 200x60 the stored fANOVA lacks its stability note or interactions");
    ck_assert_ptr_null(strstr(s, "rank correlation"));
    free(s);
    /* 80×24: short label, the note, no room for the interactions */
    tmx_resize(&t, 80, 24);
    s = tmx_wait(&t, "fANOVA n=24", 5);
    SCREEN_ASSERT(strstr(s, "ranking not yet stable") && !strstr(s, "interactions"), s,
                  "at 80x24 the stored fANOVA panel is wrong");
    free(s);
    /* a newer result whose top intervals are apart: the note goes (the
     * dashboard reads the stored importance every 5 s) */
    double lo2[] = {0.40, 0.30, 0.05, 0.0, 0.0}, hi2[] = {0.50, 0.38, 0.15, 0.1, 0.08};
    store_fanova(study, lo2, hi2);
    free(tmx_wait_for(&t, lacks_text, "ranking not yet stable", "the note gone", 10));
    tmx_stop(&t);
    cleanup_study(study);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* A grid of three learning rates, two folds each: fold F of rate lr
 * prints loss = lr + F/2 + 1/step at steps 1..6 (so a fold ends at
 * lr + F/2 + 1/6), and fold 1 of lr 0.3 then fails. */
/* lr 0.3's fold 1 fails, a second after fold 0 (run beside it) completed:
 * the failure would otherwise stop fold 0 when it comes first. */
static const char folds_yaml[] =
    "name: folds-test\n"
    "method: grid\n"
    "metric: {name: loss, goal: minimize}\n"
    "parameters:\n"
    "  lr: {values: [0.1, 0.2, 0.3]}\n"
    "folds: 2\n"
    "parallel: 2\n"
    "command: [/bin/sh, -c, 'for s in 1 2 3 4 5 6; do echo \"step=$s loss=$(awk -v s=$s "
    "-v f=$TUNETOP_FOLD -v lr=$1 \"BEGIN{print lr + f/2 + 1/s}\")\"; done; "
    "if [ \"$1\" = 0.3 ] && [ \"$TUNETOP_FOLD\" = 1 ]; then echo diverged >&2; sleep 1; exit 3; "
    "fi', "
    "sh, '${lr}']\n";

/* A sweep of two folds run to its end from the dashboard: the tables show
 * each trial's value as mean ± std, the header why the sweep ended, and a
 * trial's detail its folds (their curves and mean in a chart, each fold's
 * state and value, why a fold failed, each fold's log lines). */
START_TEST(test_folds_sweep)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = tt_xasprintf("%s/folds-test.yaml", tmp);
    e2e_write(sweep, folds_yaml);
    cleanup_study(study);

    tmx t;
    char *args = tt_xasprintf("%s --dir %s", sweep, study);
    tmx_launch(&t, 100, 30, "xterm-256color", "C.UTF-8", args);
    free(args);
    /* trial 1: folds 0.266667 and 0.766667, mean 0.516667, std 0.25 */
    char *s = tmx_wait(&t, "finished: grid exhausted", 30);
    char *head = screen_row(s, 0);
    SCREEN_ASSERT(strstr(head, "folds-test") && strstr(head, "finished: grid exhausted"), s,
                  "the header does not say why the sweep ended: %s", head);
    free(head);
    free(s);
    s = tmx_wait(&t, "3/3 done", 10);
    SCREEN_ASSERT(strstr(s, "best #1 loss=0.51667 ± 0.25"), s, "the best trial has no ± std");
    long nums[8];
    ck_assert_uint_eq(trial_list_numbers(s, nums, 8), 3);
    for (int y = 0; y < screen_rows(s); y++) {
        char *r = screen_row(s, y);
        /* the trial list's rows (# state value …): mean ± std, the failed one "-" */
        if (strncmp(r, " 1  done ", 9) == 0)
            SCREEN_ASSERT(strstr(r, "0.51667 ± 0.25"), s, "trial 1's row: %s", r);
        if (strncmp(r, " 2  done ", 9) == 0)
            SCREEN_ASSERT(strstr(r, "0.61667 ± 0.25"), s, "trial 2's row: %s", r);
        if (strncmp(r, " 3  failed ", 11) == 0)
            SCREEN_ASSERT(!strstr(r, "±"), s, "the failed trial has a std: %s", r);
        free(r);
    }
    free(s);

    /* Enter: trial 1's detail lists its folds' values under their chart */
    KEYS(&t, "Enter");
    s = tmx_wait(&t, "Runs: 2 folds", 5);
    SCREEN_ASSERT(strstr(s, "Trial 1 · completed · loss=0.51667 ± 0.25"), s,
                  "the detail's title lacks the mean ± std");
    SCREEN_ASSERT(strstr(s, "fold  state") && strstr(s, "0  completed  0.266667") &&
                      strstr(s, "1  completed  0.766667"),
                  s, "the detail does not list the folds' values");
    SCREEN_ASSERT(has_braille(s), s, "no chart of the folds' curves");
    SCREEN_ASSERT(strstr(s, "[fold 1] step=6 loss=0.766667"), s, "no fold's log in the detail");
    free(s);
    /* the runs' chart: the folds dim, their mean bold on top */
    s = tmx_screen(&t, true);
    ck_assert_msg(strstr(s, "\033[2m") && strstr(s, "\033[1m"),
                  "the chart has no dim and bold lines");
    free(s);
    /* trial 3: fold 1 failed, and says why */
    KEYS(&t, "l", "l");
    s = tmx_wait(&t, "Trial 3 · failed", 5);
    s = (free(s), tmx_wait(&t, "1  failed     0.966667  exit code 3", 5));
    SCREEN_ASSERT(strstr(s, "0  completed  0.466667"), s, "trial 3's fold 0 is not listed");
    free(s);
    KEYS(&t, "Escape");
    free(tmx_wait(&t, " Best trials ", 5));
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);

    tmx_stop(&t);
    stop_runner(study);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* ---- the history of a big study ---------------------------------------------- */

/* The objective of trial i of a synthetic tuning run of 100,000 trials,
 * written straight into a store: values that narrow towards the best as
 * the run goes on (0.05 + spread·u², u uniform in [0, 1), spread from 1.1
 * down to 0.15), and every 97th trial diverged at 5. The diverged ones are
 * 1 % of each bucket of trials, above its 90th percentile. */
static double history_value(long i)
{
    uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ULL; /* splitmix64's finaliser */
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    double u = (double)((h ^ (h >> 31)) >> 11) * 0x1p-53;
    if (i % 97 == 5)
        return 5.0;
    return 0.05 + (exp(-3.0 * (double)i / 100000.0) + 0.1) * u * u;
}

static const char history_sweep[] = "name: history-band\n"
                                    "method: random\n"
                                    "command: [/bin/true]\n"
                                    "metric: {name: val_loss, goal: minimize}\n"
                                    "parameters:\n"
                                    "  lr: {min: 0.0, max: 1.0}\n";

/* Trials first..last completed with history_value, written through the
 * store API in transactions of 1,000 (creating the study when first is 1):
 * 100,000 take about a second. */
static void history_trials(const char *study, long first, long last)
{
    char *db = tt_xasprintf("%s/study.db", study);
    tt_error err = {0};
    if (first == 1)
        mkdir(study, 0700);
    tt_store *st = tt_store_open(db, first == 1 ? TT_STORE_CREATE : TT_STORE_WRITE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    if (first == 1) {
        ck_assert_int_eq(tt_store_init_study(st, "history-band", "sweep.yaml", study, &err), 0);
        ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", history_sweep, &err), 1);
    }
    char *names[] = {"lr"};
    for (long i = first; i <= last;) {
        ck_assert_int_eq(tt_store_begin(st, &err), 0);
        for (long end = i + 1000; i <= last && i < end; i++) {
            char text[32];
            double x = (double)(i % 1000) / 1000.0;
            snprintf(text, sizeof text, "%.3f", x);
            char *texts[] = {text};
            long n = tt_store_add_trial(st, 1, 1, names, texts, &x, NULL, &err);
            ck_assert_msg(n == i, "trial %ld stored as %ld: %s", i, n, err.msg);
            ck_assert_int_eq(tt_store_trial_started(st, n, 0, 0, NULL, &err), 0);
            ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, history_value(i),
                                                     "exit code 0", &err),
                             0);
        }
        ck_assert_msg(tt_store_commit(st, &err) == 0, "%s", err.msg);
    }
    tt_store_close(st);
    free(db);
}

/* Columns x0..x1 (exclusive) of row y, one column per character. */
static char *screen_cols(const char *screen, int y, int x0, int x1)
{
    char *row = screen_row(screen, y), *p = row;
    for (int c = 0; c < x0 && *p; c++)
        do
            p++;
        while (((unsigned char)*p & 0xC0) == 0x80);
    char *e = p;
    for (int c = x0; c < x1 && *e; c++)
        do
            e++;
        while (((unsigned char)*e & 0xC0) == 0x80);
    char *out = tt_xstrndup(p, (size_t)(e - p));
    free(row);
    return out;
}

/* At 120×40 the history panel is columns 60..89, its title on row 2, its
 * chart rows 3..14 (tick labels in columns 61..67), its x axis row 15. */
enum { HIST_X0 = 60, HIST_X1 = 90, HIST_TOP = 3, HIST_AXIS = 15 };

/* The chart's top tick label: the highest value on its y axis. */
static double history_top_tick(const char *screen)
{
    char *lab = screen_cols(screen, HIST_TOP, HIST_X0 + 1, HIST_X0 + 8);
    double v = strtod(lab, NULL);
    free(lab);
    return v;
}

/* Whether the chart rows of the history panel at 120×40 hold text. */
static bool history_chart_has(const char *screen, const char *text)
{
    bool found = false;
    for (int y = HIST_TOP; y < HIST_AXIS && !found; y++) {
        char *r = screen_cols(screen, y, HIST_X0 + 9, HIST_X1 - 1);
        found = strstr(r, text) != NULL;
        free(r);
    }
    return found;
}

static bool history_title_has(const char *screen, const void *text)
{
    char *r = screen_cols(screen, 2, HIST_X0, HIST_X1);
    bool ok = strstr(r, (const char *)text) != NULL;
    free(r);
    return ok;
}

/* A study that grows from 200 trials (a chart of dots) to 100,000 while
 * the dashboard watches: the history turns into the 10–90% band (its
 * shade, the median and staircase, the best trial marked) and says so in
 * its title; the diverged trials (5, above every 90th percentile) no
 * longer set the y range as they did the dots'; `l` keeps the band on a
 * log scale; a wider panel gets the long title; ASCII draws the band with
 * ':' and marks the best with '*'. */
START_TEST(test_history_band)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    history_trials(study, 1, 200);

    tmx t;
    tmx_launch(&t, 120, 40, "xterm-256color", "C.UTF-8", study);
    char *s = tmx_wait(&t, "200 completed", 10);
    SCREEN_ASSERT(history_title_has(s, " History ") && history_title_has(s, "val_loss") &&
                      !history_title_has(s, "10–90%"),
                  s, "200 trials on 40 dot columns are not dots");
    SCREEN_ASSERT(history_top_tick(s) >= 5.0 && !history_chart_has(s, "◆"), s,
                  "the dots do not reach the diverged trials' 5");
    free(s);

    /* 99,800 more trials, written while it watches */
    history_trials(study, 201, 100000);
    s = tmx_wait(&t, "100000 completed", 20);
    SCREEN_ASSERT(history_title_has(s, "val_loss 10–90%"), s, "the history is not banded");
    SCREEN_ASSERT(history_chart_has(s, "⢕") && history_chart_has(s, "◆"), s,
                  "no shaded band or no best marker");
    double top = history_top_tick(s);
    SCREEN_ASSERT(top > 0.2 && top < 2.0, s, "the band's y range tops out at %g", top);
    char *axis = screen_cols(s, HIST_AXIS, HIST_X0, HIST_X1);
    SCREEN_ASSERT(strstr(axis, "100k"), s, "the x axis does not end at trial 100k: %s", axis);
    free(axis);
    free(s);

    /* Tab twice (curves, then history), l: still the band, on a log scale */
    KEYS(&t, "Tab", "Tab", "l");
    s = tmx_wait_for(&t, history_title_has, "val_loss log", "the history's log scale", 5);
    SCREEN_ASSERT(history_title_has(s, "▶") && history_chart_has(s, "⢕") &&
                      history_chart_has(s, "◆"),
                  s, "the log scale lost the band");
    free(s);

    /* 200 columns: a longer title; without the log scale, the whole one */
    tmx_resize(&t, 200, 60);
    free(tmx_wait(&t, " val_loss · 10–90% band · log ", 5));
    KEYS(&t, "l");
    s = tmx_wait(&t, " val_loss by trial · 10–90% band ", 5);
    SCREEN_ASSERT(strstr(s, "▶ History ─"), s, "the focused history lost its title");
    free(s);
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 10), 0);

    /* ASCII (no UTF-8 locale): ':' shades, '*' marks, "10-90%" */
    tmx_resize(&t, 120, 40);
    tmx_respawn(&t, "xterm-256color", "C", study);
    s = tmx_wait_for(&t, history_title_has, "val_loss 10-90%", "the ASCII band", 10);
    SCREEN_ASSERT(history_chart_has(s, ":::") && history_chart_has(s, "*") && all_ascii(s), s,
                  "the ASCII band is not ':' with a '*'");
    free(s);
    tmx_stop(&t);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* ---- the exploration views (issue 19) ------------------------------------ */

static const char views_sweep[] = "name: views\nmethod: random\ncommand: [/bin/true]\n"
                                  "metric: {name: loss, goal: minimize}\n"
                                  "parameters:\n"
                                  "  alpha: {min: 0.0, max: 1.0}\n"
                                  "  beta: {min: 0.0, max: 1.0}\n"
                                  "  idle: {min: 0.0, max: 1.0}\n"
                                  "  opt: {values: [sgd, adam]}\n";

/* A fixed pseudo-random sequence (xorshift): the same study every run. */
static double views_unit(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* A study of f = 10·alpha + beta (idle and opt have no effect), 80
 * completed trials, one running, the importance stored (alpha first), its
 * sweep file beside it (study.db's sweep_path) as the study recorded it. */
static void views_study(const char *dir)
{
    mkdir(dir, 0700);
    char *db = tt_xasprintf("%s/study.db", dir), *sweep = tt_xasprintf("%s/sweep.yaml", dir);
    e2e_write(sweep, views_sweep);
    tt_error err = {0};
    tt_store *st = tt_store_open(db, TT_STORE_CREATE, &err);
    ck_assert_msg(st != NULL, "%s", err.msg);
    ck_assert_int_eq(tt_store_init_study(st, "views", "sweep.yaml", dir, &err), 0);
    ck_assert_int_eq(tt_store_add_space(st, "sweep.yaml", views_sweep, &err), 1);
    ck_assert_int_eq(tt_store_begin(st, &err), 0);
    uint64_t seed = 0x9E3779B97F4A7C15u;
    char *names[] = {"alpha", "beta", "idle", "opt"};
    for (int i = 0; i <= 80; i++) {
        double a = views_unit(&seed), b = views_unit(&seed), idle = views_unit(&seed);
        int o = i % 2;
        char ta[32], tb[32], ti[32];
        snprintf(ta, sizeof ta, "%.6g", a);
        snprintf(tb, sizeof tb, "%.6g", b);
        snprintf(ti, sizeof ti, "%.6g", idle);
        char *texts[] = {ta, tb, ti, o ? "adam" : "sgd"};
        double x[] = {a, b, idle, o};
        long n = tt_store_add_trial(st, 1, 4, names, texts, x, NULL, &err);
        ck_assert_msg(n > 0, "%s", err.msg);
        ck_assert_int_eq(tt_store_trial_started(st, n, 0, 0, NULL, &err), 0);
        if (i < 80)
            ck_assert_int_eq(tt_store_trial_finished(st, n, TT_TRIAL_COMPLETED, 10 * a + b,
                                                     "exit code 0", &err), 0);
    }
    char *params[] = {"alpha", "beta", "idle", "opt"};
    double v[] = {0.9, 0.08, 0.01, 0.01};
    ck_assert_int_eq(tt_store_set_importance(st, "fanova", 80, 4, params, v, v, v, &err), 0);
    ck_assert_int_eq(tt_store_commit(st, &err), 0);
    tt_store_close(st);
    free(db);
    free(sweep);
}

static bool is_braille(const char *p)
{
    return (unsigned char)p[0] == 0xE2 && ((unsigned char)p[1] & 0xFC) == 0xA0 &&
           !((unsigned char)p[1] == 0xA0 && (unsigned char)p[2] == 0x80);
}

/* The dots of the slice chart titled `name` on screen: the mean screen
 * row of the dots in the canvas's left and right halves (rising: the
 * right half's dots stand higher, on smaller rows). Returns the dots. */
static int slice_halves(const char *screen, const char *name, double *left, double *right)
{
    int rows = screen_rows(screen), title = -1, x0 = 0;
    for (int y = 2; y < rows && title < 0; y++) {
        char *r = screen_row(screen, y);
        char *p = strstr(r, name);
        if (p && p > r && p[-1] == ' ' && (p[strlen(name)] == ' ' || !p[strlen(name)])) {
            title = y;
            char *before = tt_xstrndup(r, (size_t)(p - r));
            x0 = utf8_cols(before);
            free(before);
            /* the chart starts a column left of its title; a selected one's
             * title has "▶ " before the name */
            x0 = strstr(r, "▶ ") && strstr(r, "▶ ") + 4 == p ? x0 - 3 : x0 - 1;
            if (x0 < 0)
                x0 = 0;
        }
        free(r);
    }
    if (title < 0)
        return -1;
    int n[2] = {0, 0};
    double sum[2] = {0, 0};
    int c0 = x0 + 8, c1 = x0 + 58; /* the canvas of a 60-column chart */
    for (int y = title + 1; y < rows; y++) {
        char *cells = screen_cols(screen, y, c0, c1);
        bool axis = strstr(cells, "└") != NULL;
        int c = 0;
        for (char *p = cells; *p; c++) {
            if (is_braille(p)) {
                int h = c < (c1 - c0) / 2 ? 0 : 1;
                n[h]++;
                sum[h] += y;
            }
            do
                p++;
            while (((unsigned char)*p & 0xC0) == 0x80);
        }
        free(cells);
        char *lab = screen_cols(screen, y, x0, x0 + 8);
        axis |= strstr(lab, "└") != NULL;
        free(lab);
        if (axis)
            break;
    }
    *left = n[0] ? sum[0] / n[0] : NAN;
    *right = n[1] ? sum[1] / n[1] : NAN;
    return n[0] + n[1];
}

/* A mouse drag of button 1 from (x0, y0) to (x1, y1) (0-based screen
 * cells), typed into the pane as the terminal would send it: xterm's SGR
 * reports (mode 1006, the xterm-256color terminfo's kmous), a press then a
 * release. */
static void tmx_drag(const tmx *t, int x0, int y0, int x1, int y1)
{
    char seq[64];
    snprintf(seq, sizeof seq, "\033[<0;%d;%dM", x0 + 1, y0 + 1);
    tmx_type(t, seq);
    snprintf(seq, sizeof seq, "\033[<0;%d;%dm", x1 + 1, y1 + 1);
    tmx_type(t, seq);
}

/* The row of the screen holding text, or -1. */
static int row_of(const char *screen, const char *text)
{
    int rows = screen_rows(screen);
    for (int y = 0; y < rows; y++) {
        char *row = screen_row(screen, y);
        bool hit = strstr(row, text) != NULL;
        free(row);
        if (hit)
            return y;
    }
    return -1;
}

/* v shows the slice view (alpha first: the stored importance; its dots
 * rise from left to right for f = 10·alpha + beta), then the timeline
 * (bars in slots), then the panels again; the help lists the views' keys;
 * from the full-size slice of alpha, a range marker and n (after y) write
 * the next version of the sweep file through the narrowing path, as
 * `tunetop narrow` does without a runner: the file narrowed, FILE~ kept,
 * the reload waiting for the next runner (space v2 then). */
START_TEST(test_views_slice_timeline_narrow)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    views_study(study);
    tmx t;
    tmx_launch(&t, 120, 40, "xterm-256color", "C.UTF-8", study);
    free(tmx_wait(&t, "80 completed", 10));

    KEYS(&t, "v");
    char *s = tmx_wait(&t, "slice view:", 5);
    SCREEN_ASSERT(strstr(s, "Slice: loss by parameter") && strstr(s, "▶ alpha"), s,
                  "the slice view does not open on alpha");
    double l = 0, r = 0;
    int dots = slice_halves(s, "alpha", &l, &r);
    SCREEN_ASSERT(dots >= 10 && r < l - 1.5, s,
                  "alpha's points do not rise: %d dots, mean row %.2f left, %.2f right", dots, l,
                  r);
    SCREEN_ASSERT(strstr(s, "sgd") && strstr(s, "adam"), s, "the categorical has no labels");
    free(s);

    KEYS(&t, "v", "v", "v");   /* contour, parallel, timeline (views.c's order) */
    s = tmx_wait(&t, "timeline view:", 5);
    /* the trials were stored within a moment: the completed ones are a
     * cell at the start, the running one a bar from there to now */
    SCREEN_ASSERT(strstr(s, "Timeline: 81 trials") && strstr(s, "slot 1│=") &&
                      strstr(s, ">>>>>>>>") && strstr(s, "> running 1"),
                  s, "the timeline shows no bars");
    free(s);
    KEYS(&t, "?");
    s = tmx_wait(&t, "Help: keys", 5);
    free(s);
    KEYS(&t, "G");
    s = tmx_wait(&t, "compare view (v)", 5);   /* the last group of the help */
    free(s);
    KEYS(&t, "Escape");
    free(tmx_wait(&t, "timeline view:", 5));
    KEYS(&t, "v", "v");   /* compare, then the panels */
    free(tmx_wait(&t, " Best trials ", 5));

    /* the panels act on a click's press only: the release the views get
     * for their drags must not click again (and open the row just
     * selected); a second click on it opens its detail */
    s = tmx_screen(&t, false);
    int list = row_of(s, "Trials ");
    free(s);
    ck_assert_int_ge(list, 0);
    tmx_drag(&t, 10, list + 4, 10, list + 4);
    e2e_sleep(0.5);
    s = tmx_screen(&t, false);
    SCREEN_ASSERT(!strstr(s, "· space v1"), s, "a click's release opened the detail");
    free(s);
    tmx_drag(&t, 10, list + 4, 10, list + 4);
    free(tmx_wait(&t, "· space v1", 5));
    KEYS(&t, "Escape");
    free(tmx_wait(&t, " Best trials ", 5));


    /* steer: the slice of alpha full size, the high marker 20 dots left, n, y */
    KEYS(&t, "v");
    free(tmx_wait(&t, "slice view:", 5));
    KEYS(&t, "Enter");
    free(tmx_wait(&t, "Slice: loss by alpha", 5));
    KEYS(&t, "]");
    for (int i = 0; i < 20; i++)
        KEYS(&t, "Left");
    KEYS(&t, "n");
    s = tmx_wait(&t, "Narrow alpha to (min) .. 0.", 5);
    free(s);
    KEYS(&t, "y");
    s = tmx_wait(&t, "alpha narrowed in sweep.yaml", 5);
    SCREEN_ASSERT(strstr(s, "space v2"), s, "the status line does not say the new version");
    free(s);
    char *path = tt_xasprintf("%s/sweep.yaml", study), *backup = tt_xasprintf("%s~", path);
    char *text = tt_read_file(path, NULL, NULL);
    ck_assert_msg(text && strcmp(text, views_sweep) != 0 &&
                      !strstr(text, "alpha: {min: 0.0, max: 1.0}") &&
                      strstr(text, "beta: {min: 0.0, max: 1.0}"),
                  "the sweep file: %s", text);
    ck_assert_msg(e2e_exists(backup), "no %s", backup);
    char *old = tt_read_file(backup, NULL, NULL);
    ck_assert_str_eq(old, views_sweep);
    /* the mouse: a drag across the full-size chart (its canvas starts 3
     * rows under the title, 8 columns in) sets both markers; n asks for
     * the dragged range, with both bounds; any other key cancels */
    s = tmx_screen(&t, false);
    int title = row_of(s, "Slice: loss by alpha");
    free(s);
    ck_assert_int_ge(title, 0);
    tmx_drag(&t, 8 + 20, title + 10, 8 + 60, title + 12);
    KEYS(&t, "n");
    s = tmx_wait(&t, "Narrow alpha to 0.", 5);
    SCREEN_ASSERT(!strstr(s, "(min)") && !strstr(s, "(max)"), s,
                  "the drag did not set both markers");
    free(s);
    KEYS(&t, "Escape");
    /* the same outcome as `tunetop narrow` without a runner: a reload waits */
    const char *argv[] = {"tunetop", "narrow", study, "--param", "beta", "--max", "0.9", NULL};
    e2e_result nr = e2e_run(argv, 10);
    ck_assert_msg(nr.status == 0 && strstr(nr.out, "space v2"), "narrow after the view: %s%s",
                  nr.out, nr.err);
    e2e_result_free(&nr);
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    tmx_stop(&t);
    free(text);
    free(old);
    free(path);
    free(backup);
    e2e_rmtree(tmp);
    free(study);
    free(tmp);
}
END_TEST

/* On a live sweep: the curves' legend; F keeps a running trial in the list; narrowing from the
 * slice view (a marker or a dropped value, n, y) reaches the runner: the
 * study's space version 2 and FILE~ beside the sweep file. */
START_TEST(test_views_live_follow_and_narrow)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = live_sweep(tmp, "views-live", 400);
    cleanup_study(study);
    tmx t;
    char *args = tt_xasprintf("%s --dir %s", sweep, study);
    tmx_launch(&t, 100, 30, "xterm-256color", "C.UTF-8", args);
    free(args);
    /* enough trials done that the running ones are off the first page */
    double end = mono() + 30;
    for (;;) {
        char *s = tmx_screen(&t, false);
        long d = done_count(s);
        free(s);
        if (d >= 24)
            break;
        ck_assert_msg(mono() < end, "the sweep did not get to 24 trials");
        e2e_sleep(0.2);
    }
    /* the curves' legend */
    char *s = tmx_wait(&t, "━ best ━ running ━ ended", 5);
    free(s);
    KEYS(&t, "F");
    s = tmx_wait(&t, "following running", 5);
    free(s);
    s = tmx_wait(&t, " running ", 5);
    free(s);
    /* the list rows (below the best table) show a running trial */
    bool seen = false;
    for (int tries = 0; tries < 20 && !seen; tries++) {
        s = tmx_screen(&t, false);
        int rows = screen_rows(s), list = -1;
        for (int y = 0; y < rows; y++) {
            char *row = screen_row(s, y);
            if (strstr(row, "Trials") && strstr(row, "following"))
                list = y;
            if (list >= 0 && y > list && strstr(row, "running"))
                seen = true;
            free(row);
        }
        free(s);
        if (!seen)
            e2e_sleep(0.1);
    }
    ck_assert_msg(seen, "following, the trial list shows no running trial");

    KEYS(&t, "v");
    free(tmx_wait(&t, "slice view:", 5));
    KEYS(&t, "Enter");
    free(tmx_wait(&t, "Slice: val_loss by ", 5));
    /* a number: the high marker left; a categorical: drop the first value */
    KEYS(&t, "]");
    for (int i = 0; i < 10; i++)
        KEYS(&t, "Left");
    KEYS(&t, "x", "n");
    free(tmx_wait(&t, "Narrow ", 5));
    KEYS(&t, "y");
    /* the runner's answer soon replaces the status line's "narrowed" */
    char *js = wait_status(study, "\"space_version\": 2", 15);
    free(js);
    char *backup = tt_xasprintf("%s~", sweep);
    ck_assert_msg(e2e_exists(backup), "no %s", backup);
    free(backup);
    free(tmx_wait(&t, "space v2", 10));
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    tmx_stop(&t);
    stop_runner(study);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

/* On a live sweep of lr (log) and optimizer (categorical): the contour
 * view's rectangle, its high corner moved left and down with the arrows,
 * then n and y, narrows both parameters in one new version — the runner's
 * space version 2, lr's max and optimizer's values in the sweep file, the
 * old file kept as FILE~. */
START_TEST(test_views_contour_narrow)
{
    NEED_TMUX();
    char *tmp = e2e_tmpdir();
    char *study = tt_xasprintf("%s/study", tmp);
    char *sweep = live_sweep(tmp, "contour-live", 400);
    cleanup_study(study);
    tmx t;
    char *args = tt_xasprintf("%s --dir %s", sweep, study);
    tmx_launch(&t, 100, 30, "xterm-256color", "C.UTF-8", args);
    free(args);
    double end = mono() + 30;
    for (;;) {
        char *s = tmx_screen(&t, false);
        long d = done_count(s);
        free(s);
        if (d >= 6)
            break;
        ck_assert_msg(mono() < end, "the sweep did not get to 6 trials");
        e2e_sleep(0.2);
    }
    KEYS(&t, "v", "v");   /* slice, then contour (views.c's order) */
    char *s = tmx_wait(&t, "[ ] corner", 10);
    SCREEN_ASSERT(strstr(s, "contour view:"), s, "not the contour view");
    free(s);
    /* the high corner: 60 cells left (past the middle of a categorical x
     * axis's two bands), 14 rows down (past the middle of a y axis's) */
    KEYS(&t, "]");
    for (int i = 0; i < 60; i++)
        KEYS(&t, "Left");
    for (int i = 0; i < 14; i++)
        KEYS(&t, "Down");
    s = tmx_wait(&t, "n narrow", 5);
    free(s);
    KEYS(&t, "n");
    s = tmx_wait(&t, "Narrow ", 5);
    SCREEN_ASSERT(strstr(s, " and ") && strstr(s, "optimizer to {sgd}") &&
                      strstr(s, "lr to (min) .. "),
                  s, "the question does not name both parameters");
    free(s);
    KEYS(&t, "y");
    char *js = wait_status(study, "\"space_version\": 2", 15);
    free(js);
    char *text = tt_read_file(sweep, NULL, NULL);
    ck_assert_msg(text && !strstr(text, "max: 0.5\n") && strstr(text, "sgd") &&
                      !strstr(text, "adam"),
                  "the sweep file: %s", text);
    free(text);
    char *backup = tt_xasprintf("%s~", sweep);
    ck_assert_msg(e2e_exists(backup), "no %s", backup);
    free(backup);
    free(tmx_wait(&t, "space v2", 10));
    KEYS(&t, "q");
    ck_assert_int_eq(tmx_wait_exit(&t, 5), 0);
    tmx_stop(&t);
    stop_runner(study);
    e2e_rmtree(tmp);
    free(sweep);
    free(study);
    free(tmp);
}
END_TEST

Suite *suite_dashboard(void)
{
    unsetenv("TMUX"); /* our servers are private, even when run inside tmux */
    Suite *s = suite_create("dashboard");
    TCase *tc = tt_add_tcase(s, "tmux", 60,
                             TT_TESTS(test_finished_study_panels_and_resize, test_sort_and_filter,
                                      test_detail_help_theme, test_live_sweep_editor_detach,
                                      test_sighup_leaves_runner, test_terms,
                                      test_unusable_terminals, test_importance_label_at_80x24,
                                      test_help_at_80x24, test_stored_importance,
                                      test_folds_sweep, test_history_band));
    tcase_add_unchecked_fixture(tc, finished_study_setup, finished_study_teardown);
    /* its own case, so that CK_RUN_CASE=views runs it alone */
    TCase *views = tt_add_tcase(s, "views", 60,
                                TT_TESTS(test_views_slice_timeline_narrow,
                                         test_views_live_follow_and_narrow,
                                         test_views_contour_narrow));
    tcase_add_unchecked_fixture(views, finished_study_setup, finished_study_teardown);
    return s;
}
