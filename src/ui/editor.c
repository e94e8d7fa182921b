/*
 * editor — the search-space editor's buffer (see editor.h): an array of
 * lines, a cursor (line, byte offset on a character boundary), a sticky
 * display column for vertical moves, a view, snapshot undo, the diagnostics
 * of the last validation, and the atomic save.
 *
 * Every key goes through one wrapper that compares the state before and
 * after, so handlers only edit and the UI_BUFFER_CHANGED / MOVED flags are
 * always right. Text is stored with '\n' line ends; a CRLF file is
 * converted on the way in and out.
 */
#include "editor.h"
#include "tunetop/study.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define UNDO_MAX_STEPS 256
#define UNDO_MAX_BYTES ((size_t)16 << 20)
#define INVALID_CP UINT32_MAX

enum edit_kind { EDIT_NONE, EDIT_TYPE, EDIT_BACK, EDIT_FORWARD, EDIT_CUT, EDIT_OTHER };

typedef struct line {
    char *s;
    size_t len, cap;
} line;

typedef struct snapshot {
    char *text;
    size_t len;
    size_t cy, cx;
    unsigned long version;
} snapshot;

typedef struct history {
    snapshot *items;
    size_t n, cap, bytes;
} history;

struct ui_buffer {
    line *lines;
    size_t n_lines, cap_lines;
    size_t cy, cx;            /* cursor: line, byte offset */
    size_t want_col;          /* display column kept by up/down */
    size_t top, left;
    int view_rows, view_cols;
    bool crlf;
    unsigned long version, counter, saved_version;
    history undo, redo;
    enum edit_kind last_kind; /* for coalescing undo steps */
    size_t last_line;
    unsigned char pending[4]; /* an incomplete UTF-8 sequence from wgetch */
    int n_pending, need_pending;
    tt_buf cut;
    bool cutting;             /* the previous key was Ctrl-K */
    tt_diags diags;
    bool validated;
    unsigned long validated_version;
    char *validated_name;
};

/* ---- UTF-8 and widths ---- */

/* Decode one character at s (len > 0): its length in bytes, and the code
 * point in *cp, or INVALID_CP for a byte that starts no valid sequence
 * (which then counts as one character of its own). */
static size_t decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = INVALID_CP;
        return 1;
    }
    if (len < n) {
        *cp = INVALID_CP;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = INVALID_CP;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = INVALID_CP;
        return 1;
    }
    *cp = v;
    return n;
}

static size_t encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Shown as one placeholder cell: tabs, controls, invalid bytes. */
static bool is_placeholder(uint32_t cp)
{
    return cp == INVALID_CP || cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

static size_t cp_width(uint32_t cp)
{
    if (cp < 0x7F && cp >= 0x20)
        return 1;
    if (is_placeholder(cp))
        return 1;
    int w = wcwidth((wchar_t)cp);
    /* A locale that does not know the character: one cell, as a terminal
     * in that locale would show it (or its replacement). */
    return w < 0 ? 1 : (size_t)w;
}

/* Display column of byte offset `at` in l. */
static size_t col_of(const line *l, size_t at)
{
    size_t col = 0, i = 0;
    while (i < at && i < l->len) {
        uint32_t cp;
        i += decode(l->s + i, l->len - i, &cp);
        col += cp_width(cp);
    }
    return col;
}

/* Byte offset of the character covering display column col (the end of the
 * line when col is past it). */
static size_t offset_of_col(const line *l, size_t col)
{
    size_t c = 0, i = 0;
    while (i < l->len) {
        uint32_t cp;
        size_t n = decode(l->s + i, l->len - i, &cp), w = cp_width(cp);
        if (c + w > col && w > 0)
            return i;
        c += w;
        i += n;
    }
    return l->len;
}

static size_t prev_offset(const line *l, size_t at)
{
    size_t i = 0, prev = 0;
    while (i < at && i < l->len) {
        uint32_t cp;
        prev = i;
        i += decode(l->s + i, l->len - i, &cp);
    }
    return prev;
}

static size_t next_offset(const line *l, size_t at)
{
    if (at >= l->len)
        return l->len;
    uint32_t cp;
    return at + decode(l->s + at, l->len - at, &cp);
}

static size_t indentation(const line *l)
{
    size_t i = 0;
    while (i < l->len && l->s[i] == ' ')
        i++;
    return i;
}

/* ---- lines ---- */

static void line_reserve(line *l, size_t need)
{
    if (need + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 32;
        while (cap < need + 1)
            cap *= 2;
        l->s = tt_xrealloc(l->s, cap);
        l->cap = cap;
    }
}

static void line_insert(line *l, size_t at, const char *s, size_t n)
{
    line_reserve(l, l->len + n);
    memmove(l->s + at + n, l->s + at, l->len - at);
    memcpy(l->s + at, s, n);
    l->len += n;
}

static void line_erase(line *l, size_t at, size_t n)
{
    memmove(l->s + at, l->s + at + n, l->len - at - n);
    l->len -= n;
}

/* Insert a new line with text s at index idx. */
static void lines_insert(ui_buffer *ed, size_t idx, const char *s, size_t n)
{
    tt_grow((void **)&ed->lines, &ed->cap_lines, ed->n_lines + 1, sizeof *ed->lines);
    memmove(ed->lines + idx + 1, ed->lines + idx, (ed->n_lines - idx) * sizeof *ed->lines);
    ed->lines[idx] = (line){0};
    line_insert(&ed->lines[idx], 0, s, n);
    ed->n_lines++;
}

static void lines_remove(ui_buffer *ed, size_t idx)
{
    free(ed->lines[idx].s);
    memmove(ed->lines + idx, ed->lines + idx + 1, (ed->n_lines - idx - 1) * sizeof *ed->lines);
    ed->n_lines--;
}

static void set_text(ui_buffer *ed, const char *text, size_t len)
{
    for (size_t i = 0; i < ed->n_lines; i++)
        free(ed->lines[i].s);
    ed->n_lines = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || text[i] == '\n') {
            lines_insert(ed, ed->n_lines, text + start, i - start);
            start = i + 1;
        }
}

static char *join_text(const ui_buffer *ed, bool crlf, size_t *len_out)
{
    tt_buf b = {0};
    tt_buf_append(&b, "", 0);
    for (size_t i = 0; i < ed->n_lines; i++) {
        if (i)
            tt_buf_append(&b, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
        tt_buf_append(&b, ed->lines[i].s, ed->lines[i].len);
    }
    if (len_out)
        *len_out = b.len;
    return tt_buf_take(&b);
}

/* ---- life cycle ---- */

ui_buffer *ui_buffer_new(const char *text)
{
    ui_buffer *ed = tt_xcalloc(1, sizeof *ed);
    ed->view_rows = 24;
    ed->view_cols = 80;
    if (!text)
        text = "";
    size_t len = strlen(text), lf = 0, crlf = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            lf++;
            crlf += i > 0 && text[i - 1] == '\r';
        }
    if (lf > 0 && crlf == lf) {
        /* Edit as LF; ui_buffer_text gives CRLF back. */
        char *plain = tt_xmalloc(len + 1);
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
            if (!(text[i] == '\r' && text[i + 1] == '\n'))
                plain[n++] = text[i];
        set_text(ed, plain, n);
        free(plain);
        ed->crlf = true;
    } else {
        set_text(ed, text, len);
    }
    return ed;
}

static void history_clear(history *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->items[i].text);
    h->n = 0;
    h->bytes = 0;
}

void ui_buffer_free(ui_buffer *ed)
{
    if (!ed)
        return;
    for (size_t i = 0; i < ed->n_lines; i++)
        free(ed->lines[i].s);
    free(ed->lines);
    history_clear(&ed->undo);
    history_clear(&ed->redo);
    free(ed->undo.items);
    free(ed->redo.items);
    tt_buf_free(&ed->cut);
    tt_diags_free(&ed->diags);
    free(ed->validated_name);
    free(ed);
}

/* ---- undo ---- */

static void history_push(history *h, snapshot s)
{
    tt_grow((void **)&h->items, &h->cap, h->n + 1, sizeof *h->items);
    h->items[h->n++] = s;
    h->bytes += s.len;
    size_t drop = 0;
    while (h->n - drop > UNDO_MAX_STEPS || (h->bytes > UNDO_MAX_BYTES && h->n - drop > 1)) {
        h->bytes -= h->items[drop].len;
        free(h->items[drop].text);
        drop++;
    }
    if (drop) {
        memmove(h->items, h->items + drop, (h->n - drop) * sizeof *h->items);
        h->n -= drop;
    }
}

static snapshot take_snapshot(const ui_buffer *ed)
{
    snapshot s = {.cy = ed->cy, .cx = ed->cx, .version = ed->version};
    s.text = join_text(ed, false, &s.len);
    return s;
}

static void restore(ui_buffer *ed, snapshot s)
{
    set_text(ed, s.text, s.len);
    free(s.text);
    ed->cy = s.cy < ed->n_lines ? s.cy : ed->n_lines - 1;
    ed->cx = s.cx <= ed->lines[ed->cy].len ? s.cx : ed->lines[ed->cy].len;
    ed->want_col = col_of(&ed->lines[ed->cy], ed->cx);
    ed->version = s.version;
    ed->last_kind = EDIT_NONE;
}

/* Called before every edit: a new undo step unless this edit continues a
 * run of the same kind on the same line. */
static void begin_edit(ui_buffer *ed, enum edit_kind kind)
{
    bool coalesce = kind != EDIT_OTHER && kind == ed->last_kind && ed->cy == ed->last_line;
    if (!coalesce) {
        history_push(&ed->undo, take_snapshot(ed));
        history_clear(&ed->redo);
    }
    ed->version = ++ed->counter;
    ed->last_kind = kind;
    ed->last_line = ed->cy;
}

int ui_buffer_undo(ui_buffer *ed)
{
    if (!ed->undo.n)
        return 0;
    history_push(&ed->redo, take_snapshot(ed));
    snapshot s = ed->undo.items[--ed->undo.n];
    ed->undo.bytes -= s.len;
    restore(ed, s);
    return UI_BUFFER_HANDLED;
}

int ui_buffer_redo(ui_buffer *ed)
{
    if (!ed->redo.n)
        return 0;
    /* Pushed directly: a redo must not clear the rest of the redo list. */
    snapshot cur = take_snapshot(ed);
    tt_grow((void **)&ed->undo.items, &ed->undo.cap, ed->undo.n + 1, sizeof *ed->undo.items);
    ed->undo.items[ed->undo.n++] = cur;
    ed->undo.bytes += cur.len;
    snapshot s = ed->redo.items[--ed->redo.n];
    ed->redo.bytes -= s.len;
    restore(ed, s);
    return UI_BUFFER_HANDLED;
}

/* ---- view ---- */

static void keep_cursor_visible(ui_buffer *ed)
{
    size_t rows = ed->view_rows > 0 ? (size_t)ed->view_rows : 1;
    size_t cols = ed->view_cols > 0 ? (size_t)ed->view_cols : 1;
    if (ed->top + rows > ed->n_lines)
        ed->top = ed->n_lines > rows ? ed->n_lines - rows : 0;
    if (ed->cy < ed->top)
        ed->top = ed->cy;
    else if (ed->cy >= ed->top + rows)
        ed->top = ed->cy - rows + 1;
    size_t col = col_of(&ed->lines[ed->cy], ed->cx);
    if (col < ed->left)
        ed->left = col;
    else if (col >= ed->left + cols)
        ed->left = col - cols + 1;
}

void ui_buffer_set_view(ui_buffer *ed, int rows, int cols)
{
    ed->view_rows = rows > 0 ? rows : 1;
    ed->view_cols = cols > 0 ? cols : 1;
    keep_cursor_visible(ed);
}

/* ---- edits ---- */

static line *cur(ui_buffer *ed) { return &ed->lines[ed->cy]; }

static void insert_bytes(ui_buffer *ed, const char *s, size_t n, enum edit_kind kind)
{
    begin_edit(ed, kind);
    line_insert(cur(ed), ed->cx, s, n);
    ed->cx += n;
}

/* Split at the cursor without any indentation logic. */
static void split_plain(ui_buffer *ed)
{
    line *l = cur(ed);
    lines_insert(ed, ed->cy + 1, l->s + ed->cx, l->len - ed->cx);
    ed->lines[ed->cy].len = ed->cx;
    ed->cy++;
    ed->cx = 0;
}

static void newline(ui_buffer *ed)
{
    begin_edit(ed, EDIT_OTHER);
    line *l = cur(ed);
    size_t ind = indentation(l), new_ind, tail = ed->cx;
    if (ed->cx <= ind) {
        /* Inside the indentation: the line moves down as it is. */
        new_ind = ed->cx;
    } else {
        new_ind = ind;
        while (tail < l->len && l->s[tail] == ' ')
            tail++;
        size_t end = ed->cx;
        while (end > ind && l->s[end - 1] == ' ')
            end--;
        /* "parameters:" opens a block one level deeper. */
        if (l->s[ind] != '#' && end > ind && l->s[end - 1] == ':')
            new_ind += 2;
    }
    char *rest = tt_xmalloc(new_ind + (l->len - tail) + 1);
    memset(rest, ' ', new_ind);
    memcpy(rest + new_ind, l->s + tail, l->len - tail);
    size_t rest_len = new_ind + (l->len - tail);
    /* No trailing blanks left behind on the first half. */
    size_t keep = ed->cx;
    while (keep > 0 && l->s[keep - 1] == ' ')
        keep--;
    l->len = keep;
    lines_insert(ed, ed->cy + 1, rest, rest_len);
    free(rest);
    ed->cy++;
    ed->cx = new_ind;
}

static void tab(ui_buffer *ed)
{
    size_t col = col_of(cur(ed), ed->cx);
    insert_bytes(ed, "  ", 2 - col % 2, EDIT_TYPE);
}

static void dedent(ui_buffer *ed)
{
    size_t n = indentation(cur(ed));
    if (n > 2)
        n = 2;
    if (!n)
        return;
    begin_edit(ed, EDIT_OTHER);
    line_erase(cur(ed), 0, n);
    ed->cx = ed->cx > n ? ed->cx - n : 0;
}

static void join_with_next(ui_buffer *ed, size_t idx)
{
    line *a = &ed->lines[idx], *b = &ed->lines[idx + 1];
    line_insert(a, a->len, b->s, b->len);
    lines_remove(ed, idx + 1);
}

static void backspace(ui_buffer *ed)
{
    if (ed->cx == 0) {
        if (ed->cy == 0)
            return;
        begin_edit(ed, EDIT_OTHER);
        ed->cy--;
        ed->cx = cur(ed)->len;
        join_with_next(ed, ed->cy);
        return;
    }
    begin_edit(ed, EDIT_BACK);
    size_t from;
    if (ed->cx <= indentation(cur(ed)))
        from = ed->cx - (ed->cx % 2 ? 1 : 2); /* back to the previous even column */
    else
        from = prev_offset(cur(ed), ed->cx);
    line_erase(cur(ed), from, ed->cx - from);
    ed->cx = from;
}

static void delete_forward(ui_buffer *ed)
{
    line *l = cur(ed);
    if (ed->cx >= l->len) {
        if (ed->cy + 1 >= ed->n_lines)
            return;
        begin_edit(ed, EDIT_OTHER);
        join_with_next(ed, ed->cy);
        return;
    }
    begin_edit(ed, EDIT_FORWARD);
    line_erase(l, ed->cx, next_offset(l, ed->cx) - ed->cx);
}

/* Insert text at the cursor as it is (no indentation added); cursor after. */
static void insert_raw(ui_buffer *ed, const char *text)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && p[n - 1] == '\r' && nl)
            n--;
        line_insert(cur(ed), ed->cx, p, n);
        ed->cx += n;
        if (!nl)
            break;
        split_plain(ed);
        p = nl + 1;
    }
}

static void cut_line(ui_buffer *ed)
{
    if (!ed->cutting) {
        tt_buf_free(&ed->cut);
        tt_buf_append(&ed->cut, "", 0);
    }
    line *l = cur(ed);
    if (ed->n_lines == 1 && l->len == 0)
        return;
    begin_edit(ed, EDIT_CUT);
    tt_buf_append(&ed->cut, l->s, l->len);
    tt_buf_append(&ed->cut, "\n", 1);
    if (ed->n_lines == 1) {
        l->len = 0;
    } else {
        lines_remove(ed, ed->cy);
        if (ed->cy >= ed->n_lines)
            ed->cy = ed->n_lines - 1;
    }
    ed->cx = 0;
}

static void paste_cut(ui_buffer *ed)
{
    if (!ed->cut.len)
        return;
    begin_edit(ed, EDIT_OTHER);
    ed->cx = 0;
    insert_raw(ed, ed->cut.data);
}

/* ---- moves ---- */

static void move_horizontal(ui_buffer *ed, bool right)
{
    line *l = cur(ed);
    if (right) {
        if (ed->cx < l->len)
            ed->cx = next_offset(l, ed->cx);
        else if (ed->cy + 1 < ed->n_lines)
            ed->cy++, ed->cx = 0;
    } else {
        if (ed->cx > 0)
            ed->cx = prev_offset(l, ed->cx);
        else if (ed->cy > 0)
            ed->cy--, ed->cx = cur(ed)->len;
    }
    ed->want_col = col_of(cur(ed), ed->cx);
}

static void move_to_line(ui_buffer *ed, size_t target)
{
    ed->cy = target < ed->n_lines ? target : ed->n_lines - 1;
    ed->cx = offset_of_col(cur(ed), ed->want_col);
}

static void page(ui_buffer *ed, bool down)
{
    size_t step = ed->view_rows > 1 ? (size_t)ed->view_rows - 1 : 1;
    if (down) {
        move_to_line(ed, ed->cy + step);
        ed->top += step;
    } else {
        move_to_line(ed, ed->cy > step ? ed->cy - step : 0);
        ed->top = ed->top > step ? ed->top - step : 0;
    }
}

static void home(ui_buffer *ed)
{
    size_t ind = indentation(cur(ed));
    ed->cx = ed->cx == ind ? 0 : ind;
    ed->want_col = col_of(cur(ed), ed->cx);
}

/* ---- keys ---- */

static int dispatch(ui_buffer *ed, int key)
{
    bool was_cutting = ed->cutting;
    ed->cutting = false;
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        newline(ed);
        break;
    case '\t':
        tab(ed);
        break;
    case KEY_BTAB:
        dedent(ed);
        break;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        backspace(ed);
        break;
    case KEY_DC:
    case 4:
        delete_forward(ed);
        break;
    case KEY_LEFT:
    case KEY_RIGHT:
        move_horizontal(ed, key == KEY_RIGHT);
        break;
    case KEY_UP:
        if (ed->cy > 0)
            move_to_line(ed, ed->cy - 1);
        break;
    case KEY_DOWN:
        move_to_line(ed, ed->cy + 1);
        break;
    case KEY_PPAGE:
    case KEY_NPAGE:
        page(ed, key == KEY_NPAGE);
        break;
    case KEY_HOME:
    case 1:
        home(ed);
        break;
    case KEY_END:
    case 5:
        ed->cx = cur(ed)->len;
        ed->want_col = col_of(cur(ed), ed->cx);
        break;
    case 11: /* Ctrl-K */
        ed->cutting = was_cutting;
        cut_line(ed);
        ed->cutting = true;
        break;
    case 21: /* Ctrl-U */
        paste_cut(ed);
        break;
    case 26: /* Ctrl-Z */
    case 31: /* Ctrl-_ */
        ui_buffer_undo(ed);
        break;
    case 25: /* Ctrl-Y */
        ui_buffer_redo(ed);
        break;
    case 19: /* Ctrl-S */
    case KEY_F(2):
        return UI_BUFFER_HANDLED | UI_BUFFER_SAVE;
    case 27:
    case 17: /* Ctrl-Q */
        return UI_BUFFER_HANDLED | UI_BUFFER_QUIT;
    default:
        if (key >= 0x20 && key < 0x7F) {
            char c = (char)key;
            insert_bytes(ed, &c, 1, EDIT_TYPE);
            break;
        }
        return 0;
    }
    return UI_BUFFER_HANDLED;
}

/* Run one input through fn, and report what changed. */
typedef struct state {
    unsigned long version;
    size_t cy, cx, top, left;
} state;

static state state_of(const ui_buffer *ed)
{
    return (state){ed->version, ed->cy, ed->cx, ed->top, ed->left};
}

static int finish(ui_buffer *ed, state before, int flags)
{
    bool is_move = before.cy != ed->cy || before.cx != ed->cx;
    if (before.version == ed->version && is_move)
        ed->last_kind = EDIT_NONE; /* a move ends a run of typing */
    if (is_move && before.version == ed->version)
        ed->cutting = false;
    keep_cursor_visible(ed);
    if (before.version != ed->version)
        flags |= UI_BUFFER_CHANGED;
    if (is_move || before.top != ed->top || before.left != ed->left)
        flags |= UI_BUFFER_MOVED;
    if (flags & (UI_BUFFER_CHANGED | UI_BUFFER_MOVED))
        flags |= UI_BUFFER_HANDLED;
    return flags;
}

static int insert_char(ui_buffer *ed, const char *bytes, size_t n)
{
    state before = state_of(ed);
    ed->cutting = false;
    insert_bytes(ed, bytes, n, EDIT_TYPE);
    ed->want_col = col_of(cur(ed), ed->cx);
    return finish(ed, before, UI_BUFFER_HANDLED);
}

int ui_buffer_key(ui_buffer *ed, int key)
{
    if (key >= 0x80 && key <= 0xFF) {
        /* A byte of a UTF-8 sequence from wgetch. */
        unsigned char b = (unsigned char)key;
        if ((b & 0xC0) == 0x80) {
            if (!ed->n_pending)
                return UI_BUFFER_HANDLED; /* stray continuation byte */
            ed->pending[ed->n_pending++] = b;
        } else {
            ed->n_pending = 1;
            ed->pending[0] = b;
            ed->need_pending = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        }
        if (ed->n_pending < ed->need_pending)
            return UI_BUFFER_HANDLED;
        uint32_t cp;
        size_t n = (size_t)ed->n_pending;
        ed->n_pending = 0;
        if (decode((const char *)ed->pending, n, &cp) != n || cp == INVALID_CP)
            return UI_BUFFER_HANDLED;
        return insert_char(ed, (const char *)ed->pending, n);
    }
    ed->n_pending = 0;
    state before = state_of(ed);
    int flags = dispatch(ed, key);
    if (key != KEY_UP && key != KEY_DOWN && key != KEY_PPAGE && key != KEY_NPAGE)
        ed->want_col = col_of(cur(ed), ed->cx);
    return finish(ed, before, flags);
}

int ui_buffer_insert_codepoint(ui_buffer *ed, uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F)
        return ui_buffer_key(ed, (int)cp);
    ed->n_pending = 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
        return 0;
    char buf[4];
    size_t n = encode(cp, buf);
    return insert_char(ed, buf, n);
}

int ui_buffer_insert_text(ui_buffer *ed, const char *text)
{
    if (!text || !*text)
        return 0;
    state before = state_of(ed);
    ed->cutting = false;
    begin_edit(ed, EDIT_OTHER);
    insert_raw(ed, text);
    ed->want_col = col_of(cur(ed), ed->cx);
    return finish(ed, before, UI_BUFFER_HANDLED);
}

int ui_buffer_scroll(ui_buffer *ed, long lines)
{
    state before = state_of(ed);
    size_t rows = ed->view_rows > 0 ? (size_t)ed->view_rows : 1;
    size_t max_top = ed->n_lines > rows ? ed->n_lines - rows : 0;
    if (lines < 0)
        ed->top = (size_t)-lines > ed->top ? 0 : ed->top - (size_t)-lines;
    else
        ed->top = ed->top + (size_t)lines > max_top ? max_top : ed->top + (size_t)lines;
    /* The cursor follows into the view, so that keeping it visible does not
     * scroll straight back. */
    if (ed->cy < ed->top)
        move_to_line(ed, ed->top);
    else if (ed->cy >= ed->top + rows)
        move_to_line(ed, ed->top + rows - 1);
    return finish(ed, before, UI_BUFFER_HANDLED);
}

int ui_buffer_goto(ui_buffer *ed, size_t line_no, size_t col_display)
{
    state before = state_of(ed);
    ed->want_col = col_display;
    move_to_line(ed, line_no);
    ed->want_col = col_of(cur(ed), ed->cx);
    return finish(ed, before, UI_BUFFER_HANDLED);
}

/* ---- reading ---- */

char *ui_buffer_text(const ui_buffer *ed) { return join_text(ed, ed->crlf, NULL); }

bool ui_buffer_dirty(const ui_buffer *ed) { return ed->version != ed->saved_version; }

size_t ui_buffer_line_count(const ui_buffer *ed) { return ed->n_lines; }

const char *ui_buffer_line(const ui_buffer *ed, size_t i, size_t *len)
{
    if (i >= ed->n_lines) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = ed->lines[i].len;
    return ed->lines[i].s ? ed->lines[i].s : "";
}

void ui_buffer_cursor(const ui_buffer *ed, size_t *line_no, size_t *col_display)
{
    if (line_no)
        *line_no = ed->cy;
    if (col_display)
        *col_display = col_of(&ed->lines[ed->cy], ed->cx);
}

size_t ui_buffer_top(const ui_buffer *ed) { return ed->top; }
size_t ui_buffer_left(const ui_buffer *ed) { return ed->left; }

size_t ui_buffer_line_width(const ui_buffer *ed, size_t i)
{
    return i < ed->n_lines ? col_of(&ed->lines[i], ed->lines[i].len) : 0;
}

size_t ui_buffer_render_line(const ui_buffer *ed, size_t i, size_t left, size_t width,
                             char *out, size_t out_size)
{
    size_t o = 0, col = 0, written = 0;
    if (!out_size)
        return 0;
    if (i < ed->n_lines) {
        const line *l = &ed->lines[i];
        size_t end = left + width;
        for (size_t at = 0; at < l->len && col < end && o + 5 <= out_size;) {
            uint32_t cp;
            size_t n = decode(l->s + at, l->len - at, &cp), w = cp_width(cp);
            if (col + w > left && col >= left && col + w <= end) {
                if (is_placeholder(cp)) {
                    out[o++] = '?';
                } else {
                    memcpy(out + o, l->s + at, n);
                    o += n;
                }
                written += w;
            } else if (col + w > left) {
                /* A wide character cut by an edge: blanks for its visible part. */
                size_t from = col > left ? col : left, to = col + w < end ? col + w : end;
                for (size_t k = from; k < to; k++)
                    out[o++] = ' ';
                written += to - from;
            }
            col += w;
            at += n;
        }
    }
    out[o] = '\0';
    return written;
}

/* ---- validation ---- */

static int compare_diags(const void *pa, const void *pb)
{
    const tt_diag *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    if (a->severity != b->severity)
        return a->severity == TT_DIAG_ERROR ? -1 : 1;
    return strcmp(a->message ? a->message : "", b->message ? b->message : "");
}

void ui_buffer_validate(ui_buffer *ed, const char *name)
{
    if (!name)
        name = "<sweep>";
    if (ed->validated && ed->validated_version == ed->version &&
        strcmp(ed->validated_name, name) == 0)
        return;
    tt_diags_free(&ed->diags);
    memset(&ed->diags, 0, sizeof ed->diags);
    size_t len;
    char *text = join_text(ed, ed->crlf, &len);
    tt_sweep_free(tt_sweep_load_text(name, text, len, &ed->diags));
    free(text);
    if (ed->diags.n > 1)
        qsort(ed->diags.items, ed->diags.n, sizeof *ed->diags.items, compare_diags);
    ed->validated = true;
    ed->validated_version = ed->version;
    free(ed->validated_name);
    ed->validated_name = tt_xstrdup(name);
}

const tt_diags *ui_buffer_diags(const ui_buffer *ed) { return &ed->diags; }

const tt_diag *ui_buffer_line_diags(const ui_buffer *ed, size_t line_no, size_t *n)
{
    const tt_diags *d = &ed->diags;
    size_t first = 0;
    while (first < d->n && (d->items[first].line <= 0 ||
                            (size_t)d->items[first].line < line_no + 1))
        first++;
    size_t last = first;
    while (last < d->n && (size_t)d->items[last].line == line_no + 1)
        last++;
    *n = last - first;
    return last > first ? &d->items[first] : NULL;
}

int ui_buffer_line_severity(const ui_buffer *ed, size_t line_no)
{
    size_t n;
    const tt_diag *d = ui_buffer_line_diags(ed, line_no, &n);
    int sev = -1;
    for (size_t i = 0; i < n; i++)
        if (d[i].severity == TT_DIAG_ERROR)
            return TT_DIAG_ERROR;
        else
            sev = TT_DIAG_WARNING;
    return sev;
}

const tt_diag *ui_buffer_diag_at_cursor(const ui_buffer *ed)
{
    size_t n;
    const tt_diag *d = ui_buffer_line_diags(ed, ed->cy, &n);
    if (!d)
        return NULL;
    /* Column of the cursor in code points, 1-based like the diagnostics. */
    size_t cp_col = 1;
    const line *l = &ed->lines[ed->cy];
    for (size_t at = 0; at < ed->cx; at = next_offset(l, at))
        cp_col++;
    const tt_diag *best = &d[0];
    for (size_t i = 0; i < n; i++)
        if (d[i].col > 0 && (size_t)d[i].col <= cp_col)
            best = &d[i];
    return best;
}

size_t ui_buffer_diag_col_display(const ui_buffer *ed, const tt_diag *d)
{
    if (!d || d->line <= 0 || (size_t)d->line > ed->n_lines || d->col <= 1)
        return 0;
    const line *l = &ed->lines[d->line - 1];
    size_t at = 0;
    for (int k = 1; k < d->col && at < l->len; k++)
        at = next_offset(l, at);
    return col_of(l, at);
}

/* ---- saving ---- */

/* The file is written by the study module (tt_study_write_sweep /
 * tt_study_save_sweep), the one writer of a study's sweep file, so the
 * editor and `tunetop narrow` save it the same way. */
static int64_t save_text(ui_buffer *ed, tt_store *st, const char *path, tt_error *err)
{
    size_t len;
    char *text = join_text(ed, ed->crlf, &len);
    int64_t rc = st ? tt_study_save_sweep(st, path, text, len, err)
                    : tt_study_write_sweep(path, text, len, err);
    free(text);
    if (rc < 0)
        return rc;
    ed->saved_version = ed->version;
    ed->last_kind = EDIT_NONE; /* the next edit starts a new undo step */
    return rc;
}

int ui_buffer_save(ui_buffer *ed, const char *path, tt_error *err)
{
    return (int)save_text(ed, NULL, path, err);
}

int64_t ui_buffer_save_study(ui_buffer *ed, tt_store *st, const char *path, tt_error *err)
{
    return save_text(ed, st, path, err);
}
