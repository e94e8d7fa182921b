/*
 * help — the `?` overlay: every key of the dashboard, grouped by where it
 * works. The same list is in the README's "Dashboard" section and the man
 * page; keep the three in step.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

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
    "#Trial list and best trials",
    "↑ ↓  j k|select a trial (mouse wheel scrolls)",
    "PgUp PgDn  Home End  g G|page, first, last",
    "← →  h l|scroll the parameter columns",
    "Enter|open the trial's detail (or click a selected row)",
    "s  S|sort by the next column / reverse the order (or click a header)",
    "Esc|clear the filter",
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
    "Esc  q|back",
    "#Editor",
    "Ctrl-S  F2|save (atomically, keeping FILE~) and ask the runner to reload",
    "Esc  Ctrl-Q|close (asks when there are unsaved changes)",
    "Ctrl-Z  Ctrl-Y|undo / redo",
    "Ctrl-K  Ctrl-U|cut line / paste",
};

static int help_scroll;

void ui_help_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    int h = getmaxy(w), wd = getmaxx(w);
    ui_draw_title(a, w, "Help: keys", "Esc closes", true);
    int n = (int)(sizeof help_lines / sizeof *help_lines);
    if (help_scroll > n - (h - 1))
        help_scroll = n - (h - 1) > 0 ? n - (h - 1) : 0;
    int key_w = wd >= 100 ? 26 : 17;
    for (int i = help_scroll, y = 1; i < n && y < h; i++, y++) {
        const char *line = help_lines[i];
        if (line[0] == '#') {
            wattrset(w, a->attr[UI_ROLE_TITLE]);
            ui_put(w, y, 1, line + 1, wd - 2, false);
            continue;
        }
        const char *bar = strchr(line, '|');
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(bar - line), line);
        if (!a->utf8) {
            /* arrows have ASCII names */
            char *p;
            while ((p = strstr(key, "↑ ↓")))
                memcpy(p, "Up/Dn", 5), memmove(p + 5, p + 7, strlen(p + 7) + 1);
            while ((p = strstr(key, "← →")))
                memcpy(p, "Lf/Rt", 5), memmove(p + 5, p + 7, strlen(p + 7) + 1);
        }
        wattrset(w, a->attr[UI_ROLE_BEST]);
        ui_put(w, y, 3, key, key_w, true);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        ui_put(w, y, 3 + key_w + 1, bar + 1, wd - key_w - 5, false);
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
        help_scroll = help_scroll > 10 ? help_scroll - 10 : 0;
        return UI_HANDLED;
    case KEY_NPAGE:
        help_scroll += 10;
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}
