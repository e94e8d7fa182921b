/*
 * importance — one bar per parameter. When the runner has stored an
 * importance result (fANOVA, PED-ANOVA…) the panel shows it with its
 * method and trial count; until then it shows the rank correlation of each
 * parameter with the objective (corr.c), labelled as such, never as
 * "importance". The correlations are recomputed only when trials changed.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static ui_corr *cache;
static size_t n_cache;
static long cache_trials;
static unsigned cache_gen = ~0u;
static const ui_model *cache_model;

static void draw_bar(ui_app *a, WINDOW *w, int y, int x, int width, double frac)
{
    if (width <= 0)
        return;
    if (!(frac >= 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    int eighths = (int)(frac * width * 8 + 0.5);
    static const char *const part[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    wattrset(w, a->attr[UI_ROLE_BAR]);
    wmove(w, y, x);
    for (int i = 0; i < width; i++) {
        int c = eighths - i * 8;
        if (!a->utf8)
            waddch(w, c >= 4 ? '#' : ' ');
        else if (c >= 8)
            waddstr(w, "█");
        else if (c > 0)
            waddstr(w, part[c]);
        else
            waddch(w, ' ');
    }
    wattrset(w, a->attr[UI_ROLE_DEFAULT]);
}

void ui_importance_draw(ui_app *a, void *win)
{
    WINDOW *w = win;
    const ui_model *m = &a->model;
    int h = getmaxy(w), wd = getmaxx(w);
    int x0 = getbegx(w) > 0 ? 2 : 1;
    int inner = wd - x0 - 1;
    bool focused = a->focus == UI_PANEL_IMPORTANCE && a->overlay == UI_OVERLAY_NONE;
    char right[96];
    size_t n;
    const char *const *names;
    const double *values;
    const char **name_buf = NULL;
    double *val_buf = NULL;
    bool signed_values = false;
    if (m->importance.n > 0) {
        snprintf(right, sizeof right, "%s (%ld trials)", m->importance_method,
                 m->importance.n_trials);
        n = m->importance.n;
        names = (const char *const *)m->importance.params;
        values = m->importance.value;
    } else {
        if (cache_gen != m->trials_gen || cache_model != m) {
            free(cache);
            n_cache = ui_rank_correlations(m, &cache, &cache_trials);
            cache_gen = m->trials_gen;
            cache_model = m;
        }
        snprintf(right, sizeof right, "rank correlation (%ld trials)", cache_trials);
        n = n_cache;
        name_buf = tt_xcalloc(n + 1, sizeof *name_buf);
        val_buf = tt_xcalloc(n + 1, sizeof *val_buf);
        for (size_t i = 0; i < n; i++) {
            name_buf[i] = cache[i].param;
            val_buf[i] = cache[i].value;
        }
        names = name_buf;
        values = val_buf;
        signed_values = true;
    }
    ui_draw_title(a, w, "Importance", right, focused);
    if (n == 0 || (signed_values && cache_trials < 3)) {
        wattrset(w, a->attr[UI_ROLE_AXIS]);
        ui_put(w, 2, x0, "needs 3 completed trials", inner, false);
        wattrset(w, a->attr[UI_ROLE_DEFAULT]);
        free(name_buf);
        free(val_buf);
        return;
    }
    int name_w = 4;
    for (size_t i = 0; i < n; i++) {
        int nw = ui_text_width(names[i]);
        if (nw > name_w)
            name_w = nw;
    }
    if (name_w > inner / 3)
        name_w = inner / 3;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(values[i]) && fabs(values[i]) > max)
            max = fabs(values[i]);
    if (signed_values || max <= 0)
        max = 1;
    int bar_w = inner - name_w - 8;
    for (size_t i = 0; i < n && (int)i + 1 < h; i++) {
        int y = (int)i + 1;
        ui_put(w, y, x0, names[i], name_w, true);
        double v = values[i];
        draw_bar(a, w, y, x0 + name_w + 1, bar_w, isfinite(v) ? fabs(v) / max : 0);
        char num[16];
        if (!isfinite(v))
            snprintf(num, sizeof num, "-");
        else if (signed_values && !cache[i].categorical)
            snprintf(num, sizeof num, "%+.2f", v);
        else if (signed_values)
            snprintf(num, sizeof num, a->utf8 ? "η%.2f" : "e=%.2f", v);
        else
            snprintf(num, sizeof num, "%.3f", v);
        ui_put_right(w, y, x0 + name_w + 1 + bar_w, num, 6);
    }
    free(name_buf);
    free(val_buf);
}
