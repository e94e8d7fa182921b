/*
 * term — the terminal session of the dashboard: checking that the terminal
 * can run it, setting ncurses up (cbreak, keypad, mouse, extra key
 * sequences, no flow control so Ctrl-S reaches the editor), signal
 * handlers that only set flags and write a byte to a self-pipe, and the
 * restore on every way out: endwin on a normal end, atexit for exit() from
 * a failed allocation, and for crashes (SIGSEGV, SIGABRT…) a handler that
 * writes the terminfo reset strings prepared at start and the saved
 * termios with async-signal-safe calls only, then re-raises the signal.
 * Themes become colour pairs here too (htop's CRT.c).
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

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

void ui_term_end(void)
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
    ui_term_end();
}

void ui_term_signals(bool on)
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

int ui_term_open_pipe(void)
{
    if (pipe(sig_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    sig_winch = sig_term = sig_int = sig_hup = 0;
    return 0;
}

void ui_term_close_pipe(void)
{
    for (int i = 0; i < 2; i++)
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
    sig_pipe[0] = sig_pipe[1] = -1;
}

int ui_term_signal_fd(void)
{
    return sig_pipe[0];
}

void ui_term_drain(void)
{
    char buf[64];
    while (read(sig_pipe[0], buf, sizeof buf) > 0)
        ;
}

bool ui_term_hangup(void)
{
    return sig_hup != 0;
}

bool ui_term_winch_pending(void)
{
    return sig_winch != 0;
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

static SCREEN *screen;

void ui_term_free(void)
{
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
}

int ui_term_start(ui_app *a, tt_error *err)
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
        ui_term_end();
        delscreen(screen);
        screen = NULL;
        return tt_error_set(err, TT_ERR_UNSUPPORTED,
                            "the dashboard cannot run on this terminal (TERM=%s has no cursor "
                            "addressing)",
                            term);
    }
    if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
        int c = COLS, l = LINES;
        ui_term_end();
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
    /* the release too: a press and a release apart are a drag, which sets
     * a range in the slice and contour views (keys.c ignores it elsewhere) */
    mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON1_CLICKED | BUTTON4_PRESSED |
                  BUTTON5_PRESSED,
              NULL);
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

void ui_term_apply_theme(ui_app *a)
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
