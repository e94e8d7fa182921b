/*
 * ui/internal.h — what the dashboard's files share. The model (model.c)
 * holds what has been read of one study; the layout (layout.c) says where
 * each panel goes; the theme (theme.c) maps roles to attributes; each
 * panel file draws one panel from the model into its window and handles
 * its keys, returning UI_* flags so that the loop in app.c owns redraws
 * and quitting (htop's Panel_eventHandler).
 *
 * The pure parts (filter, sort, text cleaning, layout, theme parsing,
 * rank correlation, the model's incremental update) take no ncurses state,
 * so tests/test_ui_*.c exercise them without a terminal.
 */
#ifndef TUNETOP_UI_INTERNAL_H
#define TUNETOP_UI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/config.h"
#include "tunetop/store.h"
#include "tunetop/study.h"
#include "tunetop/ui.h"

/* ---- text: cleaning what trials wrote, measuring columns (text.c) ------- */

/* Copy src[0..len) into a malloc'd string without terminal control:
 * escape sequences (CSI, OSC, DCS…, two-byte ESC x), C0/C1 controls and
 * DEL are dropped, a tab becomes one space, invalid UTF-8 becomes '?'.
 * Never NULL. */
char *ui_text_clean(const char *src, size_t len);
/* Display width of a UTF-8 string (wcwidth per character; a character of
 * unknown width counts 1). */
int ui_text_width(const char *s);
/* Bytes of s that fit in width columns (never splits a character);
 * *used gets the columns they take. */
size_t ui_text_fit(const char *s, int width, int *used);

/* ---- filter and sort of the trial list (filter.c) ----------------------- */

/* Columns of the trial list: fixed ones, then one per parameter. */
enum {
    UI_COL_NUMBER,
    UI_COL_STATE,
    UI_COL_VALUE,
    UI_COL_STEP,
    UI_COL_DURATION,
    UI_COL_FIXED
};

typedef enum ui_filter_op {
    UI_OP_TEXT,       /* free text: substring anywhere */
    UI_OP_EQ,
    UI_OP_NE,
    UI_OP_LT,
    UI_OP_LE,
    UI_OP_GT,
    UI_OP_GE,
    UI_OP_CONTAINS    /* key~text */
} ui_filter_op;

typedef struct ui_filter_term {
    char *key;        /* NULL for free text */
    ui_filter_op op;
    char *text;
    bool numeric;     /* text parses as a number */
    double number;
} ui_filter_term;

/* All terms must match (AND). */
typedef struct ui_filter {
    ui_filter_term *terms;
    size_t n;
    long number_shift;  /* stored number - shown number (1 for an Optuna study,
                           whose trials are shown from 0): "#5" means what is shown */
} ui_filter;

/* Parse "state=failed lr>0.01 adam": whitespace-separated terms, each
 * KEY OP VALUE (OP one of = == != < <= > >= ~) or free text. Keys: state,
 * value (or the objective's name), trial (#), step, or a parameter name.
 * Returns 0, or -1 with msg filled (an operator without key or value). */
int ui_filter_parse(const char *text, ui_filter *out, char *msg, size_t msg_n);
void ui_filter_free(ui_filter *f);
/* Whether r matches every term; metric is the objective's name. An empty
 * filter matches everything. */
bool ui_filter_match(const ui_filter *f, const tt_trial_record *r, const char *metric);

/* Compare two trials on column col (UI_COL_* or UI_COL_FIXED + parameter
 * index into names). Missing values (NaN, inactive) sort last whatever the
 * direction; ties break on trial number. desc reverses the order. */
int ui_trial_compare(const tt_trial_record *a, const tt_trial_record *b, size_t col,
                     char *const *param_names, bool desc, double now);
/* What ui_trial_compare compares, taken from a trial once: sorting keeps
 * one key per row instead of looking a parameter up by name and parsing its
 * text at every comparison (20-45 ms a frame at 10,000 trials, issue 18).
 * text is borrowed from the record (or a static state name). */
typedef struct ui_sort_key {
    long number;
    double x;            /* numeric columns, numeric parameter values; NAN: none */
    const char *text;
    bool numeric, missing;
} ui_sort_key;
void ui_trial_sort_key(const tt_trial_record *r, size_t col, char *const *param_names,
                       double now, ui_sort_key *out);
int ui_sort_key_compare(const ui_sort_key *a, const ui_sort_key *b, size_t col, bool desc);
/* Seconds a trial ran (to now while it runs); NAN when it never started. */
double ui_trial_duration(const tt_trial_record *r, double now);
/* A parameter's text by name; NULL when the trial has no such (active) one. */
const char *ui_trial_param(const tt_trial_record *r, const char *name);

/* ---- the study model (model.c) ------------------------------------------ */

/* One metric of one trial (its current attempt), decimated to at most
 * UI_SERIES_MAX points: when full, every other point is dropped and only
 * every stride-th new point kept, so memory stays bounded for long runs. */
#define UI_SERIES_MAX 1024

typedef struct ui_point {
    int32_t step;
    float value;
} ui_point;

typedef struct ui_series {
    ui_point *pts;
    size_t n, cap;
    long stride, skipped;
    int attempt;
    double last;      /* the newest value, exact */
    long last_step;
} ui_series;

/* Add a point of attempt to s (an older attempt's point is dropped, a
 * newer attempt starts the series over), decimating as above. */
void ui_series_add(ui_series *s, int attempt, long step, double value);
void ui_series_free(ui_series *s);
/* The mean curve of the runs of a trial of several (runs.c): of the runs
 * with points (of the newest attempt among them), the mean at each step
 * that every one of them has reached, into out (emptied first; attempt
 * kept). A run between two of its points is interpolated, so runs whose
 * points were decimated differently still line up. Runs that have not
 * reported yet are left out rather than hiding the curve: a running
 * trial with runs waiting for a slot still shows its started runs' mean
 * (the pruner, runner/prune.c, waits for every run instead). */
void ui_series_mean(const ui_series *const *runs, size_t n, ui_series *out);


/* One run of a trial of several: its series, indexed by metric id. */
typedef struct ui_run {
    ui_series *series;
    size_t n_series;
} ui_run;

typedef struct ui_corr ui_corr;

typedef struct ui_trial {
    tt_trial_record rec;  /* rec.number == 0 while not seen yet */
    ui_series *series;    /* indexed by metric id; n_series of them; for a
                             trial of several runs, their mean curve */
    size_t n_series;
    /* A trial of several runs: each run's points, kept only while they
     * can still change the mean (the trial has not ended); once it has,
     * the mean stays and the detail view reads the runs from the store. */
    ui_run *runs;
    size_t n_runs;
    bool runs_stale;      /* points came since the mean was computed */
    int runs_done;        /* attempt whose runs were dropped when it ended; 0 = none */
    /* The series are read from the store when a panel first asks for them
     * (ui_model_series) and then kept up to date by the polls; used is the
     * model's use clock at the last ask, for evicting the least recent. */
    bool loaded;
    unsigned long used;
} ui_trial;

/* Trials whose series are kept in memory at most (the curves of the few
 * shown, those looked at lately): 100,000 trials × 3 metrics of curves
 * were 300 MB (issue 18). Past it, the least recently shown are dropped
 * (read again if shown again). */
#define UI_LOADED_MAX 2048
/* How much one poll reads while loading a study, so that the screen stays
 * live (a key waits for at most one slice): trial rows, metric points. */
#define UI_POLL_TRIAL_ROWS 500
#define UI_POLL_METRIC_ROWS 50000

#define UI_EVENTS_MAX 256

typedef struct ui_event {
    double t;
    long trial;
    char kind[16];
    char *message;    /* cleaned */
} ui_event;

typedef struct ui_model {
    /* The study module's reader: dir, store, study row, newest sweep that
     * loads (may be NULL), objective name and goal, trial rows read up to
     * last_seq, runner pid (0 = none alive, -1 = starting). */
    tt_study_reader study;
    long total;             /* budget in trials: run_cap or grid size; 0 = unknown */

    ui_trial *trials;       /* index = number - 1 */
    size_t n_trials, cap_trials;
    /* Metric points up to this rowid are accounted for: a loaded trial's
     * series hold them, an unloaded one reads them when loaded. The first
     * poll starts it at the newest point: a study's backlog of curves is
     * never read as a whole. */
    int64_t last_metric_rowid;
    int64_t last_event_id;
    bool metrics_backlog;   /* more metric rows wait: poll again soon */
    bool primed;            /* the first poll has set the cursors */
    bool trials_backlog;    /* more trial rows wait (loading a big study) */
    long trials_known;      /* the highest trial number at the first poll (progress) */
    size_t n_loaded;        /* trials with loaded series */
    unsigned long use_clock;

    char **metric_names;    /* interned, in order of first appearance */
    size_t n_metric_names;
    char **param_names;     /* union over trials, in order of first appearance */
    size_t n_params;

    ui_event events[UI_EVENTS_MAX];
    size_t n_events, event_head; /* ring */

    long parallel;          /* as the runner last reported; 0 = unknown */
    long counts[TT_TRIAL_STATE_COUNT];
    long best;              /* best completed trial number; 0 = none */
    double best_value;
    double elapsed_shown;   /* monotonic display of the runner's time */
    double elapsed_seen, elapsed_seen_at;

    tt_importance importance;   /* stored result; n == 0 when none */
    char importance_method[16];
    tt_importance pairs;        /* "fanova-pairs": interactions "a × b"; n == 0 when none */
    double importance_polled;
    /* With nothing stored, fANOVA computed here (fanova.c): importance and
     * pairs then hold its result, importance_here set. */
    bool importance_here;
    struct ui_fanova_job *fanova_job;
    long fanova_trials;         /* completed trials of the last computation */
    double fanova_at;           /* when it started */

    /* Caches of what depends only on the completed trials (their set and
     * values), the parameter names and the sweep: rebuilt when
     * completed_gen moved, not when a running trial reports a step. */
    long *ranking;          /* completed trials with a finite value, best first */
    size_t n_ranking;
    unsigned ranking_gen;
    bool ranking_valid;
    ui_corr *corr;          /* rank correlations (only when no importance is stored) */
    size_t n_corr;
    long corr_trials;
    unsigned corr_gen;
    bool corr_valid;

    unsigned generation;    /* bumped on every change a panel may show */
    unsigned trials_gen, metrics_gen, study_gen, events_gen;
    unsigned completed_gen; /* completed trials or their values, parameters, sweep */
    unsigned importance_gen;/* the stored importance (or its interactions) */
} ui_model;

/* Open dir's store for reading. Returns 0 or a negative code (err filled). */
int ui_model_open(ui_model *m, const char *dir, tt_error *err);
/* A trial's number as shown (an Optuna study's from 0; the model keys
 * trials by the store's number, from 1). */
long ui_model_shown(const ui_model *m, long number);
void ui_model_close(ui_model *m);
/* Read what changed since the last poll: study row, up to max_trial_rows
 * changed trial rows and max_metric_rows new metric points (0 = no limit;
 * trials_backlog / metrics_backlog say more wait), new events, runner
 * liveness. Never blocks on the runner (WAL reads). Returns 0 or negative. */
int ui_model_poll(ui_model *m, size_t max_trial_rows, size_t max_metric_rows, double now,
                  tt_error *err);
/* The trial with this number, NULL when unknown. */
ui_trial *ui_model_trial(const ui_model *m, long number);
/* Metric id of name, or -1. */
int ui_model_metric_id(const ui_model *m, const char *name);
/* The series of metric id for trial number (its points read from the store
 * the first time it is asked for); NULL when it has none. */
const ui_series *ui_model_series(ui_model *m, long number, int metric_id);
/* Trial number's series read (as ui_model_series does), for a panel that
 * walks all of them (the detail view); NULL when the trial is unknown. */
ui_trial *ui_model_loaded(ui_model *m, long number);
/* Whether a is better than b for the model's goal (NaN is never better). */
bool ui_model_better(const ui_model *m, double a, double b);
/* Completed trials with a finite value, best first; returns the count and
 * fills out (caller frees) with up to max numbers (max 0 = all). */
size_t ui_model_ranked(const ui_model *m, long **out, size_t max);
/* The same ranking, cached in the model and shared by the panels: sorted
 * again only when completed_gen moved. Borrowed until the next poll. */
const long *ui_model_ranking(ui_model *m, size_t *n);
/* ui_rank_correlations of the model, cached the same way; *n_trials gets
 * the trials they come from. Borrowed until the next poll. */
const ui_corr *ui_model_correlations(ui_model *m, size_t *n, long *n_trials);
/* ---- fANOVA computed by the dashboard (fanova.c) ------------------------ */

typedef struct ui_fanova_job ui_fanova_job;
/* Start a computation when none is stored, enough trials have completed
 * and the cadence allows (a worker thread; never blocks the loop). */
void ui_fanova_maybe_start(ui_model *m, double now);
/* Take a finished computation into m->importance (unless the runner has
 * stored one meanwhile). Cheap when none is finished: call every poll. */
void ui_fanova_collect(ui_model *m, double now);
/* Wait for a computation in flight and drop it. */
void ui_fanova_free(ui_model *m);

/* Whether the stored importance cannot order its top parameters yet: among
 * the first top ones (most important first), two neighbours' [low, high]
 * intervals overlap (*at, when not NULL, gets the first of the two).
 * False when intervals are missing (NaN). */
bool ui_importance_unstable(const tt_importance *imp, size_t top, size_t *at);
/* Live state word: running, paused, stopping, stopped, finished. */
const char *ui_model_state(const ui_model *m);
/* The i-th newest event (0 = newest), NULL past the end. */
const ui_event *ui_model_event(const ui_model *m, size_t i);

/* ---- rank correlation (importance.c, pure part) ------------------------- */

struct ui_corr {
    const char *param;  /* borrowed from the model */
    double value;       /* Spearman rho (numeric) or eta on ranks (categorical) */
    bool categorical;
    long n;
};

/* For each parameter, the rank correlation of its value with the objective
 * over completed trials with a finite value where it is active (needs at
 * least 3). Sorted by |value|, strongest first. Caller frees *out. */
size_t ui_rank_correlations(const ui_model *m, ui_corr **out, long *n_trials);

/* ---- layout (layout.c) --------------------------------------------------- */

typedef enum ui_panel_id {
    UI_PANEL_HEADER,
    UI_PANEL_CURVES,
    UI_PANEL_HISTORY,
    UI_PANEL_IMPORTANCE,
    UI_PANEL_BEST,
    UI_PANEL_TRIALS,
    UI_PANEL_STATUS,
    UI_PANEL_COUNT
} ui_panel_id;

typedef struct ui_rect {
    int y, x, h, w;   /* h == 0: not shown */
} ui_rect;

typedef struct ui_layout {
    int cols, rows;
    bool too_small;
    ui_rect r[UI_PANEL_COUNT];
    ui_rect body;         /* below the header, above the status line: overlays */
    bool history_shared;  /* history and importance take turns in one rect */
} ui_layout;

#define UI_MIN_COLS 60
#define UI_MIN_ROWS 18

/* Place the panels in a cols×rows screen. Deterministic; pure. When
 * history_shared, r[HISTORY] == r[IMPORTANCE]. */
void ui_layout_compute(int cols, int rows, ui_layout *out);
/* The panel under screen cell (y, x), or -1. show_history picks between
 * the two panels of a shared rect. */
int ui_layout_hit(const ui_layout *l, int y, int x, bool show_history);

/* ---- theme (theme.c) ------------------------------------------------------ */

typedef enum ui_role {
    UI_ROLE_DEFAULT,
    UI_ROLE_HEADER,
    UI_ROLE_BORDER,
    UI_ROLE_TITLE,
    UI_ROLE_BEST,
    UI_ROLE_RUNNING,
    UI_ROLE_PRUNED,
    UI_ROLE_FAILED,
    UI_ROLE_AXIS,
    UI_ROLE_SELECTION,
    UI_ROLE_ERROR,
    UI_ROLE_BAR,
    UI_ROLE_COUNT
} ui_role;

/* Colours: -1 = the terminal's default, 0..255 = palette index. */
typedef struct ui_role_spec {
    int fg, bg;
    unsigned attrs;   /* UI_ATTR_* */
} ui_role_spec;

enum {
    UI_ATTR_BOLD = 1,
    UI_ATTR_DIM = 2,
    UI_ATTR_UNDERLINE = 4,
    UI_ATTR_REVERSE = 8,
    UI_ATTR_ITALIC = 16,
    UI_ATTR_BLINK = 32
};

typedef struct ui_theme_spec {
    char name[64];
    ui_role_spec role[UI_ROLE_COUNT];
} ui_theme_spec;

/* Parse a theme from YAML text (`name:` and `roles: {ROLE: {fg, bg,
 * attrs}}`; colours by name — black…white, bright*, default — or 0..255).
 * Unknown roles and keys are errors. Roles left out keep the defaults of
 * the built-in dark theme. Returns 0, or -1 with err filled. */
int ui_theme_parse(const char *text, size_t len, const char *source, ui_theme_spec *out,
                   tt_error *err);
/* The built-in themes ("dark", "monochrome"), used when no file is found. */
void ui_theme_builtin(const char *name, ui_theme_spec *out);
/* Theme files found: <exe dir>/themes, <exe dir>/../share/tunetop/themes,
 * $XDG_CONFIG_HOME/tunetop/themes; names without .yaml, sorted, unique,
 * caller frees (ui_strings_free). */
size_t ui_theme_list(char ***names);
/* Load a theme by name or path (a name is looked up in the folders above,
 * then among the built-ins). */
int ui_theme_load(const char *name_or_path, ui_theme_spec *out, tt_error *err);
void ui_strings_free(char **v, size_t n);

/* Preferences from $XDG_CONFIG_HOME/tunetop/config.yaml (theme, refresh);
 * absent keys leave the outputs untouched. *theme is malloc'd. */
int ui_prefs_load(char **theme, double *refresh_hz, tt_error *err);

/* ---- the app (app.c and the panels) --------------------------------------- */

/* What a key or click handler tells the loop. */
enum {
    UI_IGNORED = 0,
    UI_HANDLED = 1,
    UI_REDRAW = 2,      /* the handler's panel changed */
    UI_REDRAW_ALL = 4,  /* every panel (theme, overlay closed) */
    UI_QUIT = 8
};

typedef enum ui_overlay {
    UI_OVERLAY_NONE,
    UI_OVERLAY_DETAIL,
    UI_OVERLAY_HELP,
    UI_OVERLAY_EDITOR,
    UI_OVERLAY_PICKER
} ui_overlay;

typedef enum ui_prompt_kind {
    UI_PROMPT_NONE,
    UI_PROMPT_FILTER,
    UI_PROMPT_CONFIRM
} ui_prompt_kind;

typedef struct ui_list {
    size_t sel, top;
    size_t left;      /* first parameter column shown (horizontal scroll) */
    int page;         /* rows shown at the last draw */
} ui_list;

struct ui_editor_state;
struct ui_picker_state;
struct ui_detail_state;
struct ui_history_cache;

typedef struct ui_app ui_app;
typedef void (*ui_confirm_fn)(ui_app *a, void *arg);

struct ui_app {
    tt_ui_opts opts;
    tt_ui_result *result;
    ui_model model;
    bool model_open;
    ui_layout layout;
    void *win[UI_PANEL_COUNT];  /* WINDOW* */
    void *overlay_win;          /* WINDOW* over the body */
    bool dirty[UI_PANEL_COUNT];
    bool overlay_dirty;
    unsigned seen_gen[UI_PANEL_COUNT];
    double marked_at;           /* when the panels last followed the model (app.c) */
    int focus;                  /* ui_panel_id */
    bool show_history;          /* in a shared rect */
    ui_overlay overlay;
    bool utf8, braille, colors;
    double now;

    ui_theme_spec theme;
    unsigned attr[UI_ROLE_COUNT];    /* attr_t per role, colour pair included */
    unsigned trial_color[8];         /* attr_t per trial colour slot */
    char **theme_names;
    size_t n_theme_names;

    /* panels */
    ui_list best;
    ui_list trials;
    size_t trials_sort;         /* column */
    bool trials_desc;
    ui_filter filter;
    char filter_text[256];
    long *rows;                 /* trial numbers shown, filtered + sorted */
    size_t n_rows, cap_rows;
    unsigned rows_gen;          /* model generation rows were built from */
    bool rows_stale;
    int curves_metric;          /* metric id; -1 = objective */
    bool curves_log, curves_zoom;
    bool history_log;
    /* What the history panel draws, rebuilt only when the completed
     * trials (completed_gen), its width or its scale change (history.c). */
    struct ui_history_cache *history_cache;

    /* The exploration views (views.c): 0 = the panels, k = the k-th view
     * of the table, drawn into overlay_win (the body) when view_dirty. */
    int view;
    bool view_dirty;
    unsigned view_gen;          /* model generation the view was drawn from */
    /* The trial list keeps the running trials on screen (F, htop's follow). */
    bool trials_follow;

    struct ui_detail_state *detail;
    struct ui_editor_state *editor;
    struct ui_picker_state *picker;

    /* prompt line */
    ui_prompt_kind prompt;
    char prompt_buf[256];
    size_t prompt_len;
    char confirm_text[320];   /* a question naming two parameters (the contour view) */
    ui_confirm_fn confirm_fn;
    void *confirm_arg;

    char message[256];          /* status line message */
    double message_until;
    bool message_error;
    int64_t pending_cmd;        /* last command sent; its ack is shown */
    char pending_kind[16];

    /* issue 19, compare view: the other studies set beside this one
     * (compare.h); NULL when the dashboard shows one study alone */
    struct ui_compare *compare;
};

/* The terminal session (term.c). start: checks the terminal can run the
 * dashboard (a tty, a TERM with cursor addressing, at least the minimum
 * size) and sets ncurses up; end: restores the terminal (idempotent);
 * free: releases the ncurses screen after end. */
int ui_term_start(ui_app *a, tt_error *err);
void ui_term_end(void);
void ui_term_free(void);
/* Install (on) or remove the handlers: SIGWINCH, SIGTERM, SIGINT, SIGHUP
 * set flags and wake the loop through the self-pipe; crash signals restore
 * the terminal and re-raise. */
void ui_term_signals(bool on);
int ui_term_open_pipe(void);
void ui_term_close_pipe(void);
/* The read end of the self-pipe, for poll(); drain empties it. */
int ui_term_signal_fd(void);
void ui_term_drain(void);
/* SIGHUP/SIGTERM/SIGINT arrived; SIGHUP arrived; a SIGWINCH arrived (the
 * terminal is resized to the new size and the flag cleared). */
bool ui_quit_requested(void);
bool ui_term_hangup(void);
bool ui_term_winch_pending(void);
bool ui_winch_take(void);
/* The theme's roles → colour pairs and attributes in a->attr. */
void ui_term_apply_theme(ui_app *a);

/* The app (app.c, keys.c). */
double ui_now_wall(void);
double ui_now_mono(void);
/* New windows for the current size (also after SIGWINCH); marks all dirty. */
void ui_relayout(ui_app *a);
/* Read the runner's answer to the last command sent, if it came. */
void ui_check_pending(ui_app *a);
/* A key (or KEY_MOUSE) in; UI_* flags out. */
int ui_dispatch_key(ui_app *a, int key);

/* Helpers shared by the panels (app.c). */
void ui_message(ui_app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* True (having said so) when the study is an Optuna study, which nothing
 * here may change: keys that would send a command, edit or narrow the
 * space, or start a runner check this first. */
bool ui_read_only(ui_app *a);
/* Send a command to the runner; says so in the status line. */
int ui_send(ui_app *a, const char *kind, const char *arg);
/* Follow command id (added to the store elsewhere, e.g. by a save): its
 * answer comes back into the status line. */
void ui_track(ui_app *a, const char *kind, int64_t id);
void ui_confirm(ui_app *a, const char *question, ui_confirm_fn fn, void *arg);
void ui_mark_all(ui_app *a);
/* Attribute of a trial's state (running, best, pruned…). */
unsigned ui_state_attr(const ui_app *a, const tt_trial_record *r);
const char *ui_state_short(tt_trial_state s);
/* Format helpers. */
void ui_format_value(double v, char *buf, size_t n);
/* A trial's value: "1.2563 ± 0.0816" for a trial of several runs with a
 * standard deviation ("+-" without UTF-8), else as ui_format_value. */
void ui_format_value_std(const tt_trial_record *r, bool utf8, char *buf, size_t n);
void ui_format_duration(double s, char *buf, size_t n);

/* Drawing helpers (draw.c). */
void ui_draw_title(ui_app *a, void *win, const char *title, const char *right, bool focused);
/* Same, for narrow panels: when title and right do not both fit, tries
 * title with short_right, then short_title with short_right (either short
 * form may be NULL: no such form), and only then drops the label. */
void ui_draw_title_fit(ui_app *a, void *win, const char *title, const char *short_title,
                       const char *right, const char *short_right, bool focused);
/* The same with n forms of the label, longest first: the first form that
 * fits beside title or else beside short_title (may be NULL); none when
 * none fits. */
void ui_draw_title_forms(ui_app *a, void *win, const char *title, const char *short_title,
                         const char *const *rights, size_t n, bool focused);
/* Put s at (y, x) clipped to width columns (cleaned of controls first);
 * pads with blanks to width when pad. Returns columns used. */
int ui_put(void *win, int y, int x, const char *s, int width, bool pad);
/* Same, right-aligned in width. */
void ui_put_right(void *win, int y, int x, const char *s, int width);
/* Horizontal / vertical rules of n cells. */
void ui_hline(const ui_app *a, void *win, int y, int x, int n);
void ui_vline(const ui_app *a, void *win, int y, int x, int n);

/* Panels. draw() draws into the window; key() and mouse() return UI_*. */
void ui_header_draw(ui_app *a, void *win);
void ui_status_draw(ui_app *a, void *win);
void ui_best_draw(ui_app *a, void *win);
int ui_best_key(ui_app *a, int key);
int ui_best_mouse(ui_app *a, int y, int x, int button);
void ui_trials_draw(ui_app *a, void *win);
int ui_trials_key(ui_app *a, int key);
int ui_trials_mouse(ui_app *a, int y, int x, int button);
void ui_trials_refresh_rows(ui_app *a);
int ui_trials_apply_filter(ui_app *a, const char *text);
/* Header names of the trial list columns (borrowed until the next call). */
const char *ui_trials_column_name(const ui_app *a, size_t col);
size_t ui_trials_column_count(const ui_app *a);
void ui_curves_draw(ui_app *a, void *win);
/* The metric id the curves show (m/M; the objective's by default), or -1
 * before any point of it came. */
int ui_curves_metric(const ui_app *a);
int ui_curves_key(ui_app *a, int key);
/* The trial selected in the best table (when focused) or else the trial
 * list, 0 when none: the curves and the history highlight it. */
long ui_selected_trial(ui_app *a);
void ui_history_draw(ui_app *a, void *win);
int ui_history_key(ui_app *a, int key);
/* Free what the history panel keeps between frames (at exit). */
void ui_history_free(ui_app *a);
void ui_importance_draw(ui_app *a, void *win);
void ui_help_draw(ui_app *a, void *win);
int ui_help_key(ui_app *a, int key);

void ui_detail_open(ui_app *a, long trial);
void ui_detail_close(ui_app *a);
void ui_detail_draw(ui_app *a, void *win);
int ui_detail_key(ui_app *a, int key);
/* Read new log bytes; returns whether anything changed. */
bool ui_detail_poll(ui_app *a);
/* One row of the detail view's metric table. */
typedef struct ui_metric_stats {
    double last, best, min, max;  /* NAN when the series has no finite value */
    long step;
} ui_metric_stats;
/* The row of metric name's series s: best is its maximum when the metric
 * is maximised (the objective's goal, else tt_sweep_metric_goal with the
 * model's sweep: val_acc), else its minimum. */
void ui_detail_metric_stats(const ui_model *m, const char *name, const ui_series *s,
                            ui_metric_stats *out);

/* The detail view's section for a trial of several runs (detail_runs.c):
 * each run's curve of the curves' metric (dim) under their mean (bold),
 * and a table of the runs (fold, repeat, state, value, why one did not
 * complete), read from the store: the model keeps no runs of ended
 * trials. */
typedef struct ui_detail_runs ui_detail_runs;
ui_detail_runs *ui_detail_runs_new(void);
void ui_detail_runs_free(ui_detail_runs *r);
/* Read what changed (the runs' rows when the trial's seq moved, new
 * points); returns whether anything did. */
bool ui_detail_runs_poll(ui_app *a, ui_detail_runs *r, const tt_trial_record *rec);
/* Rows the section would like, at most max (0: leave it out). */
int ui_detail_runs_height(const ui_detail_runs *r, int width, int max);
void ui_detail_runs_draw(ui_app *a, void *win, ui_detail_runs *r, int y, int h);

int ui_editor_open(ui_app *a, bool external);
void ui_editor_close(ui_app *a);
void ui_editor_draw(ui_app *a, void *win);
int ui_editor_key(ui_app *a, int key);

/* The study picker: fills *chosen (malloc'd) or leaves it NULL when the
 * user quits. Runs its own small loop inside the app's terminal session. */
int ui_picker_run(ui_app *a, const char *runs_dir, char **chosen);
/* Studies under runs_dir (pure enough to test: reads the folder and each
 * study.db). */
typedef struct ui_study_entry {
    char *dir;
    char *name;
    char state[16];
    long counts[TT_TRIAL_STATE_COUNT];
    long n_trials;
    double modified;
} ui_study_entry;
size_t ui_picker_scan(const char *runs_dir, ui_study_entry **out);
void ui_picker_entries_free(ui_study_entry *e, size_t n);

/* Trial colour slot for a trial number (stable across frames). */
int ui_trial_slot(long number);

#endif
