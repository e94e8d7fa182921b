/*
 * editor — the text buffer behind the dashboard's search-space editor: the
 * sweep file as lines, a cursor, scrolling, undo, live validation through
 * the config loader, and an atomic save (through the study module, the
 * path `tunetop narrow` takes too). Pure apart from the saves: it
 * never draws; the panel reads lines, cursor and diagnostics and draws them,
 * so every behaviour is testable without a terminal.
 *
 * Input. Keys are ncurses' codes: a panel that reads with wget_wch() passes
 * KEY_CODE_YES results to ui_buffer_key() and characters to
 * ui_buffer_insert_codepoint() (which hands control characters such as
 * Enter, Tab, Backspace, Esc and Ctrl-letters on to ui_buffer_key()). A
 * panel that reads bytes with wgetch() passes everything to ui_buffer_key():
 * bytes of a UTF-8 sequence are gathered until the character is complete.
 * Ctrl-S, Ctrl-Q and Ctrl-Z only arrive in raw() mode (otherwise the
 * terminal takes them for flow control and suspend); F2 also saves.
 *
 * Text. Lines are UTF-8 without their '\n' (a file ending in a newline has
 * an empty last line; a CRLF file is edited as LF and saved as CRLF). The
 * cursor moves by code points (an invalid byte counts as one); columns
 * shown are display columns from wcwidth() in the current locale: wide
 * characters (漢) take two, combining marks none, and a tab, a control
 * character or an invalid byte one (draw it as a visible placeholder, as
 * ui_buffer_render_line does; YAML forbids tabs and validation flags them).
 *
 * Keys: printable text inserts; Enter splits the line keeping the
 * indentation (two more after a line ending in ':', as YAML nests); Tab
 * inserts spaces to the next even column and Shift-Tab removes two from the
 * line's indentation (never a tab character); Backspace deletes back to the
 * previous even column inside the indentation, else one character, joining
 * lines at the start of one; Delete / Ctrl-D deletes forward, joining
 * lines at the end of one; arrows; Home / Ctrl-A go to the first non-blank
 * then to column 0; End / Ctrl-E; PgUp / PgDn by a page; Ctrl-K cuts the
 * line (consecutive cuts collect), Ctrl-U pastes the cut lines above the
 * cursor; Ctrl-Z / Ctrl-_ undo, Ctrl-Y redo; Ctrl-S / F2 save, Esc / Ctrl-Q
 * quit (both only reported: the panel saves and asks).
 *
 * Undo keeps whole-text snapshots, coalescing a run of typing (or of
 * deleting) on one line into one step; at most 256 steps and 16 MB, the
 * oldest dropped first.
 *
 * Validation runs tt_sweep_load_text on the text and keeps its diagnostics.
 * It takes about 0.4 ms for a 200-line file (-O2; the tests require a
 * median < 2 ms), so the panel can call ui_buffer_validate after every
 * key; it does nothing when the text has not changed since the last run.
 * Diagnostics refer to the text as it was validated.
 */
#ifndef TUNETOP_UI_EDITOR_H
#define TUNETOP_UI_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunetop/config.h"
#include "tunetop/store.h"
#include "tunetop/util.h"

typedef struct ui_buffer ui_buffer;

/* What a key did; ui_buffer_key returns 0 for a key it does not use, so the
 * panel can give it to someone else (F1, mouse…). */
enum {
    UI_BUFFER_HANDLED = 1 << 0, /* the key was the editor's */
    UI_BUFFER_CHANGED = 1 << 1, /* the text changed: validate, redraw */
    UI_BUFFER_MOVED = 1 << 2,   /* the cursor or the view moved: redraw */
    UI_BUFFER_SAVE = 1 << 3,    /* Ctrl-S / F2: the panel should save */
    UI_BUFFER_QUIT = 1 << 4,    /* Esc / Ctrl-Q: the panel should close */
};

/* An editor on a copy of text (NULL = empty), cursor at the start, not
 * dirty, view 24×80. Never NULL. */
ui_buffer *ui_buffer_new(const char *text);
void ui_buffer_free(ui_buffer *ed);

/* Handle one ncurses key code or input byte; returns UI_BUFFER_* flags. */
int ui_buffer_key(ui_buffer *ed, int key);
/* Insert one Unicode character (wget_wch's OK result); control characters
 * act as ui_buffer_key. Returns UI_BUFFER_* flags. */
int ui_buffer_insert_codepoint(ui_buffer *ed, uint32_t cp);
/* Insert text as typed but without auto-indentation (a paste, a snippet),
 * as one undo step. Tabs are kept as they are. Returns UI_BUFFER_* flags. */
int ui_buffer_insert_text(ui_buffer *ed, const char *text);
/* Undo / redo one step; return UI_BUFFER_* flags (0 when nothing to do). */
int ui_buffer_undo(ui_buffer *ed);
int ui_buffer_redo(ui_buffer *ed);

/* The visible area in cells (the panel's text area, without its gutter);
 * the editor keeps the cursor inside it by scrolling. */
void ui_buffer_set_view(ui_buffer *ed, int rows, int cols);
/* Scroll the view by lines (mouse wheel); the cursor follows into view. */
int ui_buffer_scroll(ui_buffer *ed, long lines);
/* Move the cursor to line and display column (clamped; a column inside a
 * wide character lands on it); for mouse clicks and "go to error". */
int ui_buffer_goto(ui_buffer *ed, size_t line, size_t col_display);

/* The whole text, malloc'd; the caller frees it. */
char *ui_buffer_text(const ui_buffer *ed);
/* Whether the text differs from the last save (or from the start); undoing
 * back to the saved text makes it clean again. */
bool ui_buffer_dirty(const ui_buffer *ed);
size_t ui_buffer_line_count(const ui_buffer *ed);
/* Line i's bytes (not NUL-terminated; valid until the next edit) and its
 * length in *len; NULL when i is past the end. */
const char *ui_buffer_line(const ui_buffer *ed, size_t i, size_t *len);
/* The cursor: line (0-based) and display column (0-based, from the start of
 * the line, not of the view). */
void ui_buffer_cursor(const ui_buffer *ed, size_t *line, size_t *col_display);
/* First line and first display column shown in the view. */
size_t ui_buffer_top(const ui_buffer *ed);
size_t ui_buffer_left(const ui_buffer *ed);
/* Display width of line i. */
size_t ui_buffer_line_width(const ui_buffer *ed, size_t i);
/* The part of line i between display columns left and left + width, as
 * UTF-8 ready to draw: tabs, control characters and invalid bytes become
 * '?', a wide character cut by either edge becomes spaces. out needs
 * 4 * width + 1 bytes. Returns the display columns written (<= width). */
size_t ui_buffer_render_line(const ui_buffer *ed, size_t i, size_t left, size_t width,
                             char *out, size_t out_size);

/* Validate the current text as a sweep file named name (used in messages),
 * keeping the diagnostics; a no-op when nothing changed since the last run
 * with the same name. */
void ui_buffer_validate(ui_buffer *ed, const char *name);
/* The diagnostics of the last validation, sorted by line then column
 * (those without a position, line 0, first). Borrowed: valid until the next
 * validation. */
const tt_diags *ui_buffer_diags(const ui_buffer *ed);
/* The diagnostics on line (0-based): a pointer to the first and their
 * count in *n; NULL with *n = 0 when there are none. */
const tt_diag *ui_buffer_line_diags(const ui_buffer *ed, size_t line, size_t *n);
/* The gutter marker of line (0-based): TT_DIAG_ERROR when it has an error,
 * TT_DIAG_WARNING when only warnings, -1 when none. */
int ui_buffer_line_severity(const ui_buffer *ed, size_t line);
/* The diagnostic to show for the cursor: on the cursor's line, the last one
 * at or before the cursor's column, else the first on the line; NULL when
 * the line has none. */
const tt_diag *ui_buffer_diag_at_cursor(const ui_buffer *ed);
/* The display column (0-based) of a diagnostic's column (which counts code
 * points from 1, as libyaml does) on its line. */
size_t ui_buffer_diag_col_display(const ui_buffer *ed, const tt_diag *d);

/* Write the text to path atomically (tt_study_write_sweep): a temporary file in the same
 * directory with the old file's mode (0666 & ~umask for a new one), fsync,
 * the old file kept as PATH~, rename over path (a symlink's target is
 * written, the link kept). An invalid text is saved too: the runner keeps
 * its current space when a reload fails validation, so the panel should ask
 * before saving with errors. Returns 0 and marks the text clean, or
 * -TT_ERR_IO with err filled. */
int ui_buffer_save(ui_buffer *ed, const char *path, tt_error *err);
/* The same, then a `reload` row in st's commands: the study's space
 * changes as it does from `tunetop narrow` (tt_study_save_sweep). Returns
 * the command's id and marks the text clean, or a negative code. */
int64_t ui_buffer_save_study(ui_buffer *ed, tt_store *st, const char *path, tt_error *err);

#endif
