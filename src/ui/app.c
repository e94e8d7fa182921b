/*
 * app — the dashboard's terminal session and its one poll() loop.
 *
 * The loop waits on stdin and a self-pipe that signal handlers write to
 * (SIGWINCH, SIGTERM, SIGINT, SIGHUP only set a flag and write a byte: no
 * ncurses in a handler), with a timeout that is the next refresh of the
 * model (2 Hz by default). Each pass: read what changed in the store, mark
 * the panels whose data moved, draw only those into their windows, then
 * wnoutrefresh them all and doupdate once — ncurses sends the terminal
 * only the cells that differ, which is what keeps a live view cheap over a
 * slow SSH link. Layout is recomputed on SIGWINCH only.
 *
 * The terminal is restored on every way out: a normal return, an error,
 * exit() from a failed allocation (atexit), SIGTERM/SIGINT/SIGHUP (through
 * the loop), and crashes (SIGSEGV, SIGABRT…: a handler writes the
 * terminfo reset strings prepared at start and the saved termios, then
 * re-raises the signal).
 *
 * Keys go to the prompt line first, then to an open overlay (detail, help,
 * editor), then to the global keys, then to the focused panel; every
 * handler returns UI_* flags and the loop owns redrawing and quitting.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* ---- signals and terminal restore ------------------------------------------ */

static volatile sig_atomic_t sig_winch, sig_term, sig_int, sig_hup;
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t term_active;
static struct termios saved_tio;
static bool have_saved_tio;
static char restore_seq[512];
static size_t restore_len;
static bool atexit_done;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH)
        sig_winch = 1;
    else if (sig == SIGTERM)
        sig_term = 1;
    else if (sig == SIGINT)
        sig_int = 1;
    else if (sig == SIGHUP)
        sig_hup = 1;
    if (sig_pipe[1] >= 0) {
        ssize_t w = write(sig_pipe[1], "s", 1);
        (void)w;
    }
    errno = saved;
}

/* Only async-signal-safe calls: write, tcsetattr, signal, raise. */
static void on_crash(int sig)
{
    if (term_active) {
        ssize_t w = write(STDOUT_FILENO, restore_seq, restore_len);
        (void)w;
        if (have_saved_tio)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        term_active = 0;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void append_cap(const char *name)
{
    char *s = tigetstr((char *)name);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (restore_len + n < sizeof restore_seq) {
        memcpy(restore_seq + restore_len, s, n);
        restore_len += n;
    }
}

static void prepare_restore(void)
{
    restore_len = 0;
    append_cap("sgr0");
    append_cap("cnorm");
    append_cap("rmkx");
    /* mouse reporting off (xterm protocols; harmless elsewhere) */
    static const char mouse_off[] = "\033[?1000l\033[?1002l\033[?1006l";
    if (restore_len + sizeof mouse_off < sizeof restore_seq) {
        memcpy(restore_seq + restore_len, mouse_off, sizeof mouse_off - 1);
        restore_len += sizeof mouse_off - 1;
    }
    append_cap("rmcup");
}

static void terminal_end(void)
{
    if (!term_active)
        return;
    term_active = 0;
    mousemask(0, NULL);
    endwin();
    if (have_saved_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void at_exit_restore(void)
{
    terminal_end();
}

static void install_signals(bool on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on ? on_signal : SIG_DFL;
    int sigs[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
    sa.sa_handler = on ? on_crash : SIG_DFL;
    int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};
    for (size_t i = 0; i < sizeof crash / sizeof *crash; i++)
        sigaction(crash[i], &sa, NULL);
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- terminal setup ---------------------------------------------------------- */

static SCREEN *screen;

static int terminal_start(ui_app *a, tt_error *err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the dashboard needs a terminal (standard input and output are not "
                            "one); use `tunetop status DIR` or `tunetop run` instead");
    const char *term = getenv("TERM");
    if (!term || !*term || strcmp(term, "dumb") == 0 || strcmp(term, "unknown") == 0)
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the dashboard cannot run on this terminal (TERM=%s): it needs cursor "
                            "addressing; set TERM (e.g. xterm-256color) or use `tunetop status DIR`",
                            term && *term ? term : "unset");
    have_saved_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
    screen = newterm(NULL, stdout, stdin);
    if (!screen)
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the dashboard cannot run on this terminal: TERM=%s is not in the "
                            "terminfo database",
                            term);
    set_term(screen);
    term_active = 1;
    char *cup = tigetstr((char *)"cup");
    if (!cup || cup == (char *)-1) {
        terminal_end();
        delscreen(screen);
        screen = NULL;
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the dashboard cannot run on this terminal (TERM=%s has no cursor "
                            "addressing)",
                            term);
    }
    if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
        int c = COLS, l = LINES;
        terminal_end();
        delscreen(screen);
        screen = NULL;
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the terminal is %d×%d; the dashboard needs at least %d×%d", c, l,
                            UI_MIN_COLS, UI_MIN_ROWS);
    }
    if (!atexit_done) {
        atexit(at_exit_restore);
        atexit_done = true;
    }
    prepare_restore();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    /* Ctrl-S and Ctrl-Q are the editor's, not flow control */
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) == 0) {
        t.c_iflag &= ~(tcflag_t)IXON;
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
        def_prog_mode();
    }
    /* Sequences of the common terminals, recognised whatever TERM says: a
     * dashboard run with TERM=xterm-256color inside screen or tmux still
     * gets Home, End and the arrows instead of a stray Esc. */
    static const struct {
        const char *seq;
        int key;
    } extra_keys[] = {
        {"\033[A", KEY_UP},     {"\033[B", KEY_DOWN},   {"\033[C", KEY_RIGHT},
        {"\033[D", KEY_LEFT},   {"\033OA", KEY_UP},     {"\033OB", KEY_DOWN},
        {"\033OC", KEY_RIGHT},  {"\033OD", KEY_LEFT},   {"\033[H", KEY_HOME},
        {"\033[F", KEY_END},    {"\033OH", KEY_HOME},   {"\033OF", KEY_END},
        {"\033[1~", KEY_HOME},  {"\033[4~", KEY_END},   {"\033[7~", KEY_HOME},
        {"\033[8~", KEY_END},   {"\033[5~", KEY_PPAGE}, {"\033[6~", KEY_NPAGE},
        {"\033[3~", KEY_DC},    {"\033[2~", KEY_IC},    {"\033[Z", KEY_BTAB},
        {"\033OP", KEY_F(1)},   {"\033[11~", KEY_F(1)}, {"\033OQ", KEY_F(2)},
        {"\033[12~", KEY_F(2)},
    };
    for (size_t i = 0; i < sizeof extra_keys / sizeof *extra_keys; i++)
        if (key_defined(extra_keys[i].seq) == 0)
            define_key(extra_keys[i].seq, extra_keys[i].key);
    mouseinterval(0);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    a->colors = has_colors();
    if (a->colors) {
        start_color();
        use_default_colors();
    }
    wnoutrefresh(stdscr);
    doupdate();
    return 0;
}

/* ---- theme → attributes -------------------------------------------------------- */

static const unsigned char basic_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},   {0, 205, 0},   {205, 205, 0}, {0, 0, 238},   {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255}};

static void xterm_rgb(int c, int rgb[3])
{
    if (c < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = basic_rgb[c][i];
    } else if (c < 232) {
        static const int lv[6] = {0, 95, 135, 175, 215, 255};
        c -= 16;
        rgb[0] = lv[c / 36], rgb[1] = lv[(c / 6) % 6], rgb[2] = lv[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + (c - 232) * 10;
    }
}

/* A palette index the terminal has: the nearest basic colour otherwise. */
static int fit_color(int c, bool *bold)
{
    if (c < 0 || c < COLORS)
        return c;
    int limit = COLORS >= 16 ? 16 : 8;
    int rgb[3];
    xterm_rgb(c, rgb);
    int best = 7;
    long best_d = -1;
    for (int i = 0; i < 16; i++) {
        long d = 0;
        for (int k = 0; k < 3; k++)
            d += (long)(rgb[k] - basic_rgb[i][k]) * (rgb[k] - basic_rgb[i][k]);
        if (best_d < 0 || d < best_d)
            best_d = d, best = i;
    }
    if (best >= limit) {
        if (bold)
            *bold = true;
        best -= 8;
    }
    return best;
}

static unsigned attrs_of(unsigned a)
{
    unsigned r = 0;
    if (a & UI_ATTR_BOLD)
        r |= A_BOLD;
    if (a & UI_ATTR_DIM)
        r |= A_DIM;
    if (a & UI_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & UI_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & UI_ATTR_ITALIC)
        r |= A_ITALIC;
    if (a & UI_ATTR_BLINK)
        r |= A_BLINK;
    return r;
}

static void apply_theme(ui_app *a)
{
    bool mono = !a->colors || strcmp(a->theme.name, "monochrome") == 0;
    ui_theme_spec monospec;
    if (!a->colors)
        ui_theme_builtin("monochrome", &monospec);
    const ui_theme_spec *t = a->colors ? &a->theme : &monospec;
    for (int r = 0; r < UI_ROLE_COUNT; r++) {
        const ui_role_spec *s = &t->role[r];
        unsigned attr = attrs_of(s->attrs);
        if (!mono && (s->fg >= 0 || s->bg >= 0)) {
            bool bold = false;
            int fg = fit_color(s->fg, &bold), bg = fit_color(s->bg, NULL);
            init_pair((short)(r + 1), (short)fg, (short)bg);
            attr |= (unsigned)COLOR_PAIR(r + 1) | (bold ? A_BOLD : 0);
        } else if (a->colors) {
            init_pair((short)(r + 1), -1, -1);
        }
        a->attr[r] = attr;
    }
    /* per-trial curve colours on the default background */
    static const int c256[8] = {39, 170, 214, 75, 114, 204, 180, 141};
    static const int c8[8] = {COLOR_CYAN, COLOR_MAGENTA, COLOR_YELLOW, COLOR_BLUE,
                              COLOR_GREEN, COLOR_RED, COLOR_WHITE, COLOR_CYAN};
    int bg = t->role[UI_ROLE_DEFAULT].bg;
    bg = mono ? -1 : fit_color(bg, NULL);
    for (int i = 0; i < 8; i++) {
        if (mono) {
            a->trial_color[i] = 0;
            continue;
        }
        int fg = COLORS >= 256 ? c256[i] : c8[i];
        init_pair((short)(UI_ROLE_COUNT + 1 + i), (short)fg, (short)bg);
        a->trial_color[i] = (unsigned)COLOR_PAIR(UI_ROLE_COUNT + 1 + i);
    }
    if (stdscr)
        wbkgdset(stdscr, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
}

/* ---- windows --------------------------------------------------------------------- */

static void free_windows(ui_app *a)
{
    for (int p = 0; p < UI_PANEL_COUNT; p++)
        if (a->win[p]) {
            delwin(a->win[p]);
            a->win[p] = NULL;
        }
    if (a->overlay_win) {
        delwin(a->overlay_win);
        a->overlay_win = NULL;
    }
}

static void relayout(ui_app *a)
{
    free_windows(a);
    ui_layout_compute(COLS, LINES, &a->layout);
    wbkgdset(stdscr, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
    werase(stdscr);
    if (a->layout.too_small) {
        char msg[128];
        snprintf(msg, sizeof msg, "terminal too small: %d×%d (needs %d×%d)", COLS, LINES,
                 UI_MIN_COLS, UI_MIN_ROWS);
        ui_put(stdscr, LINES / 2, 0, msg, COLS, false);
        wnoutrefresh(stdscr);
        return;
    }
    wnoutrefresh(stdscr);
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        ui_rect r = a->layout.r[p];
        if (r.h <= 0 || r.w <= 0)
            continue;
        WINDOW *w = newwin(r.h, r.w, r.y, r.x);
        wbkgdset(w, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
        a->win[p] = w;
    }
    ui_rect b = a->layout.body;
    a->overlay_win = newwin(b.h, b.w, b.y, b.x);
    wbkgdset(a->overlay_win, (chtype)a->attr[UI_ROLE_DEFAULT] | ' ');
    ui_mark_all(a);
}

void ui_mark_all(ui_app *a)
{
    for (int p = 0; p < UI_PANEL_COUNT; p++)
        a->dirty[p] = true;
    a->overlay_dirty = true;
}

/* ---- messages, commands, prompts ----------------------------------------------------- */

void ui_message(ui_app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_error = error;
    a->message_until = now_mono() + 6;
    a->dirty[UI_PANEL_STATUS] = true;
}

int ui_send(ui_app *a, const char *kind, const char *arg)
{
    tt_error err = {0};
    int64_t id = tt_store_add_command(a->model.store, kind, arg, &err);
    if (id < 0) {
        ui_message(a, true, "cannot send %s: %s", kind, err.msg);
        return -1;
    }
    a->pending_cmd = id;
    snprintf(a->pending_kind, sizeof a->pending_kind, "%s", kind);
    if (a->model.runner_pid == 0)
        ui_message(a, false, "%s sent; no runner is alive, it runs when one starts (R resumes)",
                   kind);
    else
        ui_message(a, false, "%s sent to the runner…", kind);
    return 0;
}

void ui_confirm(ui_app *a, const char *question, ui_confirm_fn fn, void *arg)
{
    a->prompt = UI_PROMPT_CONFIRM;
    snprintf(a->confirm_text, sizeof a->confirm_text, "%s", question);
    a->confirm_fn = fn;
    a->confirm_arg = arg;
    a->dirty[UI_PANEL_STATUS] = true;
}

static void check_pending(ui_app *a)
{
    if (!a->pending_cmd)
        return;
    char *result = NULL;
    if (tt_store_get_command_result(a->model.store, a->pending_cmd, &result, NULL) < 0) {
        a->pending_cmd = 0;
        return;
    }
    if (!result)
        return;
    bool ok = strncmp(result, "ok", 2) == 0;
    char *clean = ui_text_clean(result, strlen(result));
    ui_message(a, !ok, "%s: %s", a->pending_kind, clean);
    free(clean);
    free(result);
    a->pending_cmd = 0;
}

static void stop_sweep(ui_app *a, void *arg)
{
    bool now = arg != NULL;
    if (ui_send(a, now ? "stop_now" : "stop", NULL) == 0 && a->result)
        a->result->stopped = true;
}

static int start_runner(ui_app *a)
{
    if (a->model.runner_pid != 0) {
        ui_message(a, false, "a runner is already running (pid %ld)", a->model.runner_pid);
        return UI_HANDLED;
    }
    if (!a->opts.start_runner) {
        ui_message(a, true, "cannot start a runner from here; run `tunetop run %s`",
                   a->model.dir);
        return UI_HANDLED;
    }
    tt_error err = {0};
    long pid = 0;
    int rc = a->opts.start_runner(a->model.dir, &pid, &err);
    if (rc == -TT_ERR_EXHAUSTED)
        ui_message(a, false, "%s", err.msg);
    else if (rc < 0)
        ui_message(a, true, "cannot start the runner: %s", err.msg);
    else
        ui_message(a, false, "runner started (pid %ld)", pid);
    a->model.importance_polled = 0;
    return UI_REDRAW_ALL;
}

/* ---- keys ------------------------------------------------------------------------------- */

static const int focus_order[] = {UI_PANEL_CURVES, UI_PANEL_HISTORY, UI_PANEL_IMPORTANCE,
                                  UI_PANEL_BEST, UI_PANEL_TRIALS};

static void set_focus(ui_app *a, int panel)
{
    if (panel == a->focus)
        return;
    a->dirty[a->focus] = true;
    a->focus = panel;
    a->dirty[panel] = true;
    if (a->layout.history_shared && (panel == UI_PANEL_HISTORY || panel == UI_PANEL_IMPORTANCE)) {
        a->show_history = panel == UI_PANEL_HISTORY;
        a->dirty[UI_PANEL_HISTORY] = a->dirty[UI_PANEL_IMPORTANCE] = true;
    }
}

static void cycle_focus(ui_app *a, int dir)
{
    int n = (int)(sizeof focus_order / sizeof *focus_order), i = 0;
    while (i < n && focus_order[i] != a->focus)
        i++;
    i = ((i + dir) % n + n) % n;
    set_focus(a, focus_order[i]);
}

static void cycle_theme(ui_app *a)
{
    if (a->n_theme_names == 0)
        a->n_theme_names = ui_theme_list(&a->theme_names);
    size_t i = 0;
    while (i < a->n_theme_names && strcmp(a->theme_names[i], a->theme.name) != 0)
        i++;
    for (size_t k = 1; k <= a->n_theme_names; k++) {
        const char *name = a->theme_names[(i + k) % a->n_theme_names];
        ui_theme_spec t;
        tt_error err = {0};
        if (ui_theme_load(name, &t, &err) < 0)
            continue;
        snprintf(t.name, sizeof t.name, "%s", name);
        a->theme = t;
        apply_theme(a);
        relayout(a);
        ui_message(a, false, "theme: %s%s", name, a->colors ? "" : " (no colours here)");
        return;
    }
}

static int prompt_key(ui_app *a, int key)
{
    a->dirty[UI_PANEL_STATUS] = true;
    if (a->prompt == UI_PROMPT_CONFIRM) {
        ui_confirm_fn fn = a->confirm_fn;
        void *arg = a->confirm_arg;
        a->prompt = UI_PROMPT_NONE;
        if (key == 'y' || key == 'Y') {
            fn(a, arg);
        } else if (key == '!' && fn == stop_sweep) {
            fn(a, (void *)1);
        } else {
            ui_message(a, false, "cancelled");
        }
        return UI_REDRAW_ALL;
    }
    /* the filter line */
    if (key == 27) {
        a->prompt = UI_PROMPT_NONE;
        return UI_HANDLED;
    }
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        a->prompt_buf[a->prompt_len] = '\0';
        if (ui_trials_apply_filter(a, a->prompt_buf) == 0)
            a->prompt = UI_PROMPT_NONE;
        return UI_REDRAW_ALL;
    }
    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        while (a->prompt_len > 0 && ((unsigned char)a->prompt_buf[a->prompt_len - 1] & 0xC0) == 0x80)
            a->prompt_len--;
        if (a->prompt_len > 0)
            a->prompt_len--;
        return UI_HANDLED;
    }
    if (key == 21) { /* Ctrl-U */
        a->prompt_len = 0;
        return UI_HANDLED;
    }
    if (key >= 32 && key < 256 && key != 127 && a->prompt_len + 1 < sizeof a->prompt_buf)
        a->prompt_buf[a->prompt_len++] = (char)key;
    a->prompt_buf[a->prompt_len] = '\0';
    return UI_HANDLED;
}

static int panel_key(ui_app *a, int panel, int key)
{
    switch (panel) {
    case UI_PANEL_BEST: return ui_best_key(a, key);
    case UI_PANEL_TRIALS: return ui_trials_key(a, key);
    case UI_PANEL_CURVES: return ui_curves_key(a, key);
    case UI_PANEL_HISTORY: return ui_history_key(a, key);
    default: return UI_IGNORED;
    }
}

static int mouse_event(ui_app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return UI_IGNORED;
    if (a->overlay != UI_OVERLAY_NONE) {
        int key = ev.bstate & BUTTON4_PRESSED ? KEY_UP : ev.bstate & BUTTON5_PRESSED ? KEY_DOWN : 0;
        if (!key)
            return UI_IGNORED;
        int f = 0;
        for (int i = 0; i < 3; i++)
            f |= a->overlay == UI_OVERLAY_DETAIL ? ui_detail_key(a, key)
                 : a->overlay == UI_OVERLAY_HELP ? ui_help_key(a, key)
                                                  : UI_IGNORED;
        if (f)
            a->overlay_dirty = true;
        return f;
    }
    int p = ui_layout_hit(&a->layout, ev.y, ev.x, a->show_history);
    if (p < 0 || p == UI_PANEL_HEADER || p == UI_PANEL_STATUS)
        return UI_IGNORED;
    set_focus(a, p);
    const ui_rect *r = &a->layout.r[p];
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        int key = ev.bstate & BUTTON4_PRESSED ? KEY_UP : KEY_DOWN;
        int f = 0;
        for (int i = 0; i < 3; i++)
            f |= panel_key(a, p, key);
        return f | UI_REDRAW;
    }
    if (p == UI_PANEL_BEST)
        return ui_best_mouse(a, ev.y - r->y, ev.x - r->x, 1) | UI_REDRAW;
    if (p == UI_PANEL_TRIALS)
        return ui_trials_mouse(a, ev.y - r->y, ev.x - r->x, 1) | UI_REDRAW;
    return UI_REDRAW;
}

static int global_key(ui_app *a, int key)
{
    switch (key) {
    case 'q':
        return UI_QUIT;
    case 'Q':
        ui_confirm(a, "Stop the sweep? y = finish running trials first, ! = kill them now, "
                      "other = cancel",
                   stop_sweep, NULL);
        return UI_HANDLED;
    case '?':
    case KEY_F(1):
        a->overlay = UI_OVERLAY_HELP;
        a->overlay_dirty = true;
        return UI_REDRAW_ALL;
    case '\t':
        cycle_focus(a, 1);
        return UI_HANDLED;
    case KEY_BTAB:
        cycle_focus(a, -1);
        return UI_HANDLED;
    case 't':
        cycle_theme(a);
        return UI_REDRAW_ALL;
    case '/':
        a->prompt = UI_PROMPT_FILTER;
        snprintf(a->prompt_buf, sizeof a->prompt_buf, "%s", a->filter_text);
        a->prompt_len = strlen(a->prompt_buf);
        a->dirty[UI_PANEL_STATUS] = true;
        return UI_HANDLED;
    case 'p': {
        bool paused = a->model.info.state == TT_STUDY_PAUSED ||
                      a->model.info.state == TT_STUDY_STOPPED;
        ui_send(a, paused ? "resume" : "pause", NULL);
        return UI_HANDLED;
    }
    case '+':
    case '=':
    case '-': {
        long p = a->model.parallel > 0 ? a->model.parallel : 1;
        p += key == '-' ? -1 : 1;
        if (p < 1) {
            ui_message(a, true, "parallelism is at least 1");
            return UI_HANDLED;
        }
        char arg[32];
        snprintf(arg, sizeof arg, "%ld", p);
        if (ui_send(a, "parallel", arg) == 0) {
            a->model.parallel = p;
            a->dirty[UI_PANEL_HEADER] = true;
        }
        return UI_HANDLED;
    }
    case 'R':
        return start_runner(a);
    case 'e':
    case 'E':
        return ui_editor_open(a, key == 'E');
    case KEY_MOUSE:
        return mouse_event(a);
    case KEY_RESIZE:
        return UI_HANDLED;
    case 12: /* Ctrl-L: repaint everything */
        clearok(curscr, TRUE);
        return UI_REDRAW_ALL;
    default:
        return UI_IGNORED;
    }
}

static int dispatch_key(ui_app *a, int key)
{
    if (a->prompt != UI_PROMPT_NONE)
        return prompt_key(a, key);
    if (a->overlay != UI_OVERLAY_NONE) {
        int f = UI_IGNORED;
        if (key == KEY_MOUSE)
            return mouse_event(a);
        switch (a->overlay) {
        case UI_OVERLAY_DETAIL: f = ui_detail_key(a, key); break;
        case UI_OVERLAY_HELP: f = ui_help_key(a, key); break;
        case UI_OVERLAY_EDITOR: f = ui_editor_key(a, key); break;
        default: break;
        }
        if (f)
            a->overlay_dirty = true;
        if (f == UI_IGNORED && (key == 't' || key == 'p' || key == '+' || key == '-' ||
                                key == 'Q' || key == 'R' || key == 12 ||
                                (key == '?' && a->overlay != UI_OVERLAY_HELP)))
            return global_key(a, key);
        return f;
    }
    int f = panel_key(a, a->focus, key);
    if (f != UI_IGNORED)
        return f;
    return global_key(a, key);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void draw_panel(ui_app *a, int p)
{
    WINDOW *w = a->win[p];
    if (!w)
        return;
    werase(w);
    switch (p) {
    case UI_PANEL_HEADER: ui_header_draw(a, w); break;
    case UI_PANEL_STATUS: ui_status_draw(a, w); break;
    case UI_PANEL_CURVES: ui_curves_draw(a, w); break;
    case UI_PANEL_HISTORY: ui_history_draw(a, w); break;
    case UI_PANEL_IMPORTANCE: ui_importance_draw(a, w); break;
    case UI_PANEL_BEST: ui_best_draw(a, w); break;
    case UI_PANEL_TRIALS: ui_trials_draw(a, w); break;
    default: break;
    }
    wnoutrefresh(w);
}

static void draw(ui_app *a)
{
    if (a->layout.too_small) {
        doupdate();
        return;
    }
    bool any = false;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        if (!a->dirty[p])
            continue;
        a->dirty[p] = false;
        bool hidden = a->overlay != UI_OVERLAY_NONE && p != UI_PANEL_HEADER &&
                      p != UI_PANEL_STATUS;
        if (a->layout.history_shared && ((p == UI_PANEL_HISTORY && !a->show_history) ||
                                         (p == UI_PANEL_IMPORTANCE && a->show_history)))
            hidden = true;
        if (hidden)
            continue;
        draw_panel(a, p);
        any = true;
    }
    if (a->overlay != UI_OVERLAY_NONE && a->overlay_dirty && a->overlay_win) {
        WINDOW *w = a->overlay_win;
        werase(w);
        switch (a->overlay) {
        case UI_OVERLAY_DETAIL: ui_detail_draw(a, w); break;
        case UI_OVERLAY_HELP: ui_help_draw(a, w); break;
        case UI_OVERLAY_EDITOR: ui_editor_draw(a, w); break;
        default: break;
        }
        wnoutrefresh(w);
        a->overlay_dirty = false;
        any = true;
    }
    if (any)
        doupdate();
}

/* Which panels show what changed in the model since they were drawn. */
static void mark_changed(ui_app *a)
{
    unsigned g = a->model.generation;
    for (int p = 0; p < UI_PANEL_COUNT; p++) {
        if (p == UI_PANEL_STATUS)
            continue;
        if (a->seen_gen[p] != g) {
            a->dirty[p] = true;
            a->seen_gen[p] = g;
        }
    }
    if (a->overlay == UI_OVERLAY_DETAIL)
        a->overlay_dirty = true;
    if (a->rows_gen != a->model.trials_gen) {
        a->rows_gen = a->model.trials_gen;
        a->rows_stale = true;
    }
}

bool ui_quit_requested(void)
{
    return sig_hup || sig_term || sig_int;
}

bool ui_winch_take(void)
{
    if (!sig_winch)
        return false;
    sig_winch = 0;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    return true;
}

static void resize(ui_app *a)
{
    relayout(a);
    clearok(curscr, TRUE);
}

static int open_study(ui_app *a, const char *dir, tt_error *err)
{
    if (ui_model_open(&a->model, dir, err) < 0)
        return -1;
    a->model_open = true;
    if (ui_model_poll(&a->model, 20000, now_wall(), err) < 0)
        return -1;
    if (a->result)
        snprintf(a->result->study_dir, sizeof a->result->study_dir, "%s", dir);
    return 0;
}

static int run_loop(ui_app *a)
{
    double period = 1.0 / a->opts.refresh_hz;
    double next_poll = now_mono() + period;
    relayout(a);
    draw(a);
    for (;;) {
        if (sig_hup) {
            if (a->result)
                a->result->hangup = true;
            return 0;
        }
        if (sig_term || sig_int) {
            if (a->result)
                a->result->interrupted = true;
            return 0;
        }
        if (ui_winch_take())
            resize(a);
        double t = now_mono();
        if (t >= next_poll || a->model.metrics_backlog) {
            a->now = now_wall();
            tt_error err = {0};
            if (ui_model_poll(&a->model, 50000, a->now, &err) < 0)
                ui_message(a, true, "cannot read the study: %s", err.msg);
            check_pending(a);
            mark_changed(a);
            if (a->model.runner_pid != 0)
                a->dirty[UI_PANEL_HEADER] = true;
            if (a->model.counts[TT_TRIAL_RUNNING] > 0)
                a->dirty[UI_PANEL_TRIALS] = true;
            if (a->overlay == UI_OVERLAY_DETAIL && ui_detail_poll(a))
                a->overlay_dirty = true;
            if (t >= next_poll)
                next_poll = t + period;
        }
        if (a->message[0] && t > a->message_until) {
            a->message[0] = '\0';
            a->dirty[UI_PANEL_STATUS] = true;
        }
        draw(a);

        int timeout = a->model.metrics_backlog ? 0 : (int)((next_poll - now_mono()) * 1000) + 1;
        if (timeout < 0)
            timeout = 0;
        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = sig_pipe[0], .events = POLLIN}};
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0 && (fds[1].revents & POLLIN)) {
            char buf[64];
            while (read(sig_pipe[0], buf, sizeof buf) > 0)
                ;
        }
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN)) {
            /* the terminal is gone */
            if (a->result)
                a->result->hangup = true;
            return 0;
        }
        if (n > 0 && (fds[0].revents & POLLIN)) {
            a->now = now_wall();
            int key;
            while ((key = wgetch(stdscr)) != ERR) {
                int f = dispatch_key(a, key);
                if (f & UI_QUIT)
                    return 0;
                if (f & UI_REDRAW_ALL) {
                    ui_mark_all(a);
                    for (int p = 0; p < UI_PANEL_COUNT; p++)
                        if (a->win[p])
                            touchwin((WINDOW *)a->win[p]);
                }
                if (f & UI_REDRAW)
                    a->dirty[a->focus] = true;
                if (f & UI_HANDLED)
                    a->dirty[UI_PANEL_STATUS] = true;
                if (sig_winch)
                    break;
            }
        }
    }
}

int tt_ui_run(const tt_ui_opts *opts, tt_ui_result *res, tt_error *err)
{
    ui_app *a = tt_xcalloc(1, sizeof *a);
    a->opts = *opts;
    a->result = res;
    if (res)
        memset(res, 0, sizeof *res);
    a->focus = UI_PANEL_TRIALS;
    a->curves_metric = -1;
    a->trials_sort = UI_COL_NUMBER;

    char *pref_theme = NULL;
    double pref_hz = 0;
    tt_error perr = {0};
    if (ui_prefs_load(&pref_theme, &pref_hz, &perr) < 0) {
        free(a);
        free(pref_theme);
        return tt_error_set(err, TT_ERR_INVALID, "%s", perr.msg);
    }
    if (!(a->opts.refresh_hz > 0))
        a->opts.refresh_hz = pref_hz > 0 ? pref_hz : 2;
    const char *theme = opts->theme ? opts->theme : pref_theme;
    const char *no_color = getenv("NO_COLOR");
    if (!opts->theme && no_color && *no_color)
        theme = "monochrome";
    int rc = ui_theme_load(theme ? theme : "dark", &a->theme, err);
    free(pref_theme);
    if (rc < 0) {
        free(a);
        return rc;
    }

    setlocale(LC_ALL, "");
    a->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    a->braille = a->utf8 && !opts->ascii;
    a->now = now_wall();

    if (opts->study_dir && open_study(a, opts->study_dir, err) < 0) {
        ui_model_close(&a->model);
        free(a);
        return -TT_ERR_IO;
    }
    if (pipe(sig_pipe) != 0) {
        ui_model_close(&a->model);
        free(a);
        return tt_error_set(err, TT_ERR_IO, "pipe: %s", strerror(errno));
    }
    for (int i = 0; i < 2; i++)
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
    for (int i = 0; i < 2; i++)
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    sig_winch = sig_term = sig_int = sig_hup = 0;

    rc = terminal_start(a, err);
    if (rc == 0) {
        install_signals(true);
        apply_theme(a);
        if (!opts->study_dir) {
            char *chosen = NULL;
            rc = ui_picker_run(a, opts->runs_dir ? opts->runs_dir : "tunetop-runs", &chosen);
            if (rc == 0 && chosen) {
                rc = open_study(a, chosen, err);
                if (rc == 0)
                    rc = run_loop(a);
            }
            free(chosen);
        } else {
            rc = run_loop(a);
        }
        if (rc < 0 && !err->msg[0])
            tt_error_set(err, TT_ERR_IO, "the dashboard stopped: %s", strerror(errno));
        free_windows(a);
        terminal_end();
        install_signals(false);
        if (screen) {
            delscreen(screen);
            screen = NULL;
        }
    }
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;

    if (res && a->model_open)
        snprintf(res->state, sizeof res->state, "%s", ui_model_state(&a->model));
    ui_detail_close(a);
    ui_editor_close(a);
    ui_filter_free(&a->filter);
    free(a->rows);
    ui_strings_free(a->theme_names, a->n_theme_names);
    if (a->model_open)
        ui_model_close(&a->model);
    free(a);
    return rc < 0 ? (rc == -1 ? -TT_ERR_IO : rc) : 0;
}
