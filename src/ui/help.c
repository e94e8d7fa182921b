/*
 * help — the `?` overlay: every key of the dashboard, grouped by where it
 * works. The same list is in the README's "Dashboard" section and the man
 * page; keep the three in step. Descriptions wrap to the overlay's width
 * (nothing is cut at 80 columns) and the overlay scrolls (j k, PgUp PgDn,
 * Home End) when it has more rows than the screen.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "views.h"

static const char *const help_lines[] = {
    "#Everywhere",
    "q|detach: leave the dashboard, the sweep goes on (tunetop DIR re-attaches)",
    "Q|stop the sweep (asks: y = let running trials finish, ! = kill them now)",
    "?  F1|this help",
    "Tab  Shift-Tab|next / previous panel (also a mouse click)",
    "p|pause / resume the sweep (no new trials while paused)",
    "+  -|one more / one less trial in parallel",
    "R|resume a saved study: start its runner in the background",
    "e|edit the sweep file here, with live validation (Ctrl-S saves and reloads)",
    "E|edit the sweep file in $EDITOR, validated on return",
    "t|next colour theme",
    "/|filter the trial list (Enter applies, empty clears, Esc cancels)",
    "Ctrl-L|repaint the screen",
    "v  V|next / previous view of the main area (slice, timeline…; after the last, the panels)",
    "#Trial list and best trials",
    "↑ ↓  j k|select a trial (mouse wheel scrolls)",
    "PgUp PgDn  Home End  g G|page, first, last",
    "← →  h l|scroll the parameter columns",
    "Enter|open the trial's detail (or click a selected row)",
    "s  S|sort by the next column / reverse the order (or click a header)",
    "Esc|clear the filter",
    "F|trial list: follow the running trials (keep them on screen)",
    "#Filter examples",
    "state=failed|trials in a state (prefixes work: state=fail)",
    "lr>0.01  batch_size<=32|parameter comparisons (= != < <= > >= ~)",
    "value<0.5  step>=10|objective and step",
    "adam|free text: state, parameter names and values, end reason",
    "#Curves and history",
    "m  M|next / previous metric",
    "l|logarithmic y axis",
    "z|zoom the curves to the most recent steps",
    "#Trial detail",
    "↑ ↓  PgUp PgDn|scroll the log",
    "← →  h l|previous / next trial",
    "k|kill the trial (asks first)",
    "r|run its parameters again (enqueue)",
    "m  M|a trial of folds or repeats: the metric of its runs' chart",
    "Esc  q|back",
    "#Editor",
    "Ctrl-S  F2|save (atomically, keeping FILE~) and ask the runner to reload",
    "Esc  Ctrl-Q|close (asks when there are unsaved changes)",
    "Ctrl-Z  Ctrl-Y|undo / redo",
    "Ctrl-K  Ctrl-U|cut line / paste",
};

/* help_lines, then each view's keys under its own heading (views.c):
 * built at the first draw. */
#define HELP_LINES_MAX 160
static const char *all_lines[HELP_LINES_MAX];
static char view_heads[16][64];
static int n_all;

static void build_lines(void)
{
    if (n_all)
        return;
    int n = 0, count = (int)(sizeof help_lines / sizeof *help_lines);
    for (int i = 0; i < count && n < HELP_LINES_MAX; i++)
        all_lines[n++] = help_lines[i];
    for (size_t v = 0; v < ui_views_count() && v < 16; v++) {
        const ui_view_entry *e = ui_views_get(v);
        snprintf(view_heads[v], sizeof view_heads[v], "#%s view (v)", e->view->name);
        if (n < HELP_LINES_MAX)
            all_lines[n++] = view_heads[v];
        for (size_t k = 0; e->help && e->help[k] && n < HELP_LINES_MAX; k++)
            all_lines[n++] = e->help[k];
    }
    n_all = n;
}

/* One screen row of the help: a heading, or a piece of an entry's text
 * (the key only on its first piece). Entries wrap at word boundaries to
 * the overlay's width, so nothing is cut at 80 columns; the rows scroll
 * when the screen has fewer. */
typedef struct help_row {
    int entry;          /* index into all_lines */
    size_t off, len;    /* the piece of the text after '|' (or the heading) */
    bool first;
} help_row;

#define HELP_ROWS_MAX 400

static int help_scroll;
static int help_page = 10;  /* rows shown at the last draw: PgUp/PgDn */

/* Split text into pieces of at most width columns, at spaces when it can. */
static size_t wrap(int entry, const char *text, int width, help_row *rows, size_t n, size_t max)
{
    size_t off = 0, len = strlen(text);
    bool first = true;
    if (width < 8)
        width = 8;
    while (n < max) {
        int used = 0;
        size_t fit = ui_text_fit(text + off, width, &used);
        if (off + fit < len) {
            size_t cut = fit;
            while (cut > 0 && text[off + cut] != ' ')
                cut--;
            if (cut > 0)
                fit = cut;
        }
        rows[n++] = (help_row){entry, off, fit, first};
        first = false;
        off += fit;
        while (off < len && text[off] == ' ')
            off++;
        if (off >= len)
            break;
    }
    return n;
}

static size_t layout(int text_w, int head_w, help_row *rows, size_t max)
{
    size_t n = 0;
    build_lines();
    for (int i = 0; i < n_all && n < max; i++) {
        const char *line = all_lines[i];
        if (line[0] == '#')
            n = wrap(i, line + 1, head_w, rows, n, max);
        else
            n = wrap(i, strchr(line, '|') + 1, text_w, rows, n, max);
    }
    return n;
}

/* In ASCII, arrows have names. */
static void ascii_keys(char *key)
{
    char *p;
    while ((p = strstr(key, "↑ ↓")))
        memcpy(p, "Up/Dn", 5), memmove(p + 5, p + 7, strlen(p + 7) + 1);
    while ((p = strstr(key, "← →")))
        memcpy(p, "Lf/Rt", 5), memmove(p + 5, p + 7, strlen(p + 7) + 1);
}

void ui_help_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    int h = getmaxy(w), wd = getmaxx(w);
    int key_w = wd >= 100 ? 26 : 17;
    int text_w = wd - key_w - 5;
    static help_row rows[HELP_ROWS_MAX];
    int n = (int)layout(text_w, wd - 2, rows, HELP_ROWS_MAX);
    int shown = h - 1;
    help_page = shown > 1 ? shown - 1 : 1;
    if (help_scroll > n - shown)
        help_scroll = n - shown > 0 ? n - shown : 0;
    if (help_scroll < 0)
        help_scroll = 0;
    char right[80];
    if (n > shown)
        snprintf(right, sizeof right, "%d-%d of %d, j/k PgDn scroll, Esc closes", help_scroll + 1,
                 help_scroll + shown < n ? help_scroll + shown : n, n);
    else
        snprintf(right, sizeof right, "Esc closes");
    ui_draw_title_fit(a, w, "Help: keys", "Help", right, "Esc closes", true);
    for (int i = help_scroll, y = 1; i < n && y < h; i++, y++) {
        const help_row *r = &rows[i];
        const char *line = all_lines[r->entry];
        char piece[256];
        if (line[0] == '#') {
            snprintf(piece, sizeof piece, "%.*s", (int)r->len, line + 1 + r->off);
            wattrset(w, a->attr[UI_ROLE_TITLE]);
            ui_put(w, y, 1, piece, wd - 2, false);
            continue;
        }
        const char *bar = strchr(line, '|');
        if (r->first) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(bar - line), line);
            if (!a->utf8)
                ascii_keys(key);
            wattrset(w, a->attr[UI_ROLE_BEST]);
            ui_put(w, y, 3, key, key_w, true);
        }
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        snprintf(piece, sizeof piece, "%.*s", (int)r->len, bar + 1 + r->off);
        ui_put(w, y, 3 + key_w + 1, piece, text_w, false);
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

int ui_help_key(ui_app *a, int key)
{
    switch (key) {
    case 27:
    case 'q':
    case '?':
    case KEY_F(1):
    case '\n':
    case '\r':
        a->overlay = UI_OVERLAY_NONE;
        help_scroll = 0;
        return UI_REDRAW_ALL;
    case KEY_UP:
    case 'k':
        if (help_scroll > 0)
            help_scroll--;
        return UI_HANDLED;
    case KEY_DOWN:
    case 'j':
        help_scroll++;
        return UI_HANDLED;
    case KEY_PPAGE:
    case 'b':
        help_scroll = help_scroll > help_page ? help_scroll - help_page : 0;
        return UI_HANDLED;
    case KEY_NPAGE:
    case ' ':
        help_scroll += help_page;
        return UI_HANDLED;
    case KEY_HOME:
    case 'g':
        help_scroll = 0;
        return UI_HANDLED;
    case KEY_END:
    case 'G':
        help_scroll = HELP_ROWS_MAX; /* the draw clamps it to the last page */
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}
